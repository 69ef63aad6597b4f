// PDF through poppler-cpp: text page by page (each page an anchor), files
// attached to the PDF as parts. Locked PDFs are reported, not guessed at;
// JavaScript and automatic actions are flagged.
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-embedded-file.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <memory>
#include <mutex>

#include "core/text.h"
#include "extract/formats.h"

namespace steward::extract {

namespace {

void Silence(const std::string&, void*) {}

// A name token in the raw bytes: "/JS" must not match "/JSON".
bool HasName(std::string_view bytes, std::string_view name) {
  size_t pos = 0;
  while ((pos = bytes.find(name, pos)) != std::string_view::npos) {
    size_t end = pos + name.size();
    if (end >= bytes.size()) return true;
    char c = bytes[end];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9')))
      return true;
    pos = end;
  }
  return false;
}

std::string Utf8(const poppler::ustring& s) {
  poppler::byte_array b = s.to_utf8();
  return std::string(b.begin(), b.end());
}

}  // namespace

void ReadPdf(std::string_view bytes, const Declared& file, uint32_t depth,
             Context& ctx) {
  static std::once_flag once;
  std::call_once(once,
                 [] { poppler::set_debug_error_function(Silence, nullptr); });
  const std::string type = "application/pdf";
  if (HasName(bytes, "/JavaScript") || HasName(bytes, "/JS"))
    ctx.AddFlag(file.path, "active-content",
                Called(file, "this PDF") +
                    " carries JavaScript, which can run when it is opened");
  if (HasName(bytes, "/Launch"))
    ctx.AddFlag(
        file.path, "active-content",
        Called(file, "this PDF") + " asks to launch a program when opened");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    ctx.Skip(file.path, type, file.name, "PDF too large to read");
    return;
  }
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) {
    ctx.Skip(file.path, type, file.name,
             "a damaged PDF that could not be opened; not read");
    return;
  }
  if (doc->is_locked()) {
    ctx.Skip(file.path, type, file.name,
             "an encrypted PDF that needs a password; not read");
    return;
  }
  TextPart part{file.path, core::View::kBody, type, file.name, ""};
  const int pages = doc->pages();
  const int limit =
      std::min<int>(pages, static_cast<int>(ctx.limits().max_pages));
  for (int i = 0; i < limit; ++i) {
    if (!ctx.InTime(file.path)) break;
    std::unique_ptr<poppler::page> p(doc->create_page(i));
    if (!p) continue;
    if (!part.text.empty() && part.text.back() != '\n') part.text += '\n';
    part.anchors.push_back(
        {part.text.size(), "page " + std::to_string(i + 1), 0, 0});
    std::string t = Utf8(
        p->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout));
    // Pages end in form feeds in poppler's output; keep lines only.
    for (char& c : t)
      if (c == '\f') c = '\n';
    part.text += core::DecodeText(t);
    if (part.text.size() > ctx.limits().max_part_bytes) {
      ctx.Skip(file.path, type, file.name,
               "text longer than " +
                   std::to_string(ctx.limits().max_part_bytes) +
                   " bytes; the rest was not read");
      break;
    }
  }
  if (pages > limit)
    ctx.Skip(file.path, type, file.name,
             "more than " + std::to_string(ctx.limits().max_pages) +
                 " pages; the rest were not read");
  if (part.text.find_first_not_of(" \t\n") != std::string::npos)
    ctx.out().texts.push_back(std::move(part));
  else if (pages > 0)
    ctx.out().images.push_back(
        {file.path, type, file.name,
         "a PDF with no text layer (a scan?); images are not read"});
  if (doc->has_embedded_files()) {
    for (poppler::embedded_file* ef : doc->embedded_files()) {
      if (!ef || !ef->is_valid()) continue;
      std::string name = ef->name();
      std::string path = ChildPath(file.path, name);
      if (!ctx.CountMember(path)) break;
      poppler::byte_array data = ef->data();
      if (!ctx.Spend(data.size(), path)) break;
      ExtractDocument(std::string_view(data.data(), data.size()),
                      {path, name, ef->mime_type()}, depth, ctx);
    }
  }
}

}  // namespace steward::extract
