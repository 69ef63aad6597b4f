// Small improvements over pages that work without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // The acknowledge button waits until the regulation has been opened: by
  // following the link, or by the document loading in the frame below it.
  const button = document.querySelector("#acknowledge[data-needs-open]");
  if (button) {
    const enable = () => {
      button.disabled = false;
      const note = document.getElementById("open-first");
      if (note) note.textContent = "You have opened the regulation.";
    };
    const link = document.getElementById("open-document");
    if (link) link.addEventListener("click", enable);
    const frame = document.getElementById("document-frame");
    if (frame) frame.addEventListener("load", enable);
  }
  for (const b of document.querySelectorAll("[data-print]")) {
    b.addEventListener("click", () => window.print());
  }
});
