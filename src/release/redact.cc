#include "release/redact.h"

#include <glib.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>

#include "core/text.h"
#include "extract/document.h"
#include "extract/mime.h"
#include "extract/rewrite.h"
#include "inspect/phrase.h"
#include "release/pdf.h"

namespace steward::release {

namespace {

constexpr size_t kMinValueBytes = 3;

char Fold(char c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

// The length of the white space at `at`: ASCII spaces, tabs and line
// ends, a no-break space (U+00A0) and HTML's &nbsp;; 0 when none.
size_t SpaceAt(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
      ++i;
    } else if (text.substr(i, 2) == "\xC2\xA0") {
      i += 2;
    } else if (i + 6 <= text.size() && Fold(text[i]) == '&' &&
               core::AsciiLower(text.substr(i, 6)) == "&nbsp;") {
      i += 6;
    } else {
      break;
    }
  }
  return i - at;
}

// The length of `value` matched at `at` in `text`, or 0: letters in any
// ASCII case, and each run of white space in the value matching any run
// of white space in the text (a line break, two spaces, a no-break space:
// what a wrapped or reformatted copy of the value holds).
size_t MatchAt(std::string_view text, size_t at, std::string_view value) {
  size_t i = at, k = 0;
  while (k < value.size()) {
    const size_t vs = SpaceAt(value, k);
    if (vs > 0) {
      const size_t ts = SpaceAt(text, i);
      if (ts == 0) return 0;
      i += ts;
      k += vs;
      continue;
    }
    if (i >= text.size() || Fold(text[i]) != Fold(value[k])) return 0;
    ++i;
    ++k;
  }
  return i - at;
}

// Case folded and decomposed (NFKD), for values beyond ASCII: "MARÍA"
// and "María" written with a combining accent are both "maría".
std::string UnicodeFold(std::string_view s) {
  gchar* n = g_utf8_normalize(s.data(), static_cast<gssize>(s.size()),
                              G_NORMALIZE_NFKD);
  if (!n) return std::string(s);
  gchar* f = g_utf8_casefold(n, -1);
  std::string out = f ? f : n;
  g_free(f);
  g_free(n);
  return out;
}

bool Ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

bool Contains(std::string_view text, std::string_view value);

// Contains, and for a value beyond ASCII also in any Unicode case and
// normal form (detection only: a part where the replacement could not
// find such a copy is then withheld whole).
bool Holds(std::string_view text, std::string_view value) {
  if (Contains(text, value)) return true;
  if (Ascii(value) || Ascii(text)) return false;
  return Contains(UnicodeFold(text), UnicodeFold(value));
}

bool Contains(std::string_view text, std::string_view value) {
  if (value.empty()) return false;
  const char first = Fold(value[0]);
  for (size_t i = 0; i < text.size(); ++i)
    if (Fold(text[i]) == first && MatchAt(text, i, value) > 0) return true;
  return false;
}

std::string Replacement(const Mark& m) { return "[REDACTED: " + m.label + "]"; }

// Marks' indices, longest value first (a name inside a longer phrase is
// replaced with the phrase).
std::vector<size_t> LongestFirst(const std::vector<Mark>& marks) {
  std::vector<size_t> order(marks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return marks[a].value.size() > marks[b].value.size();
  });
  return order;
}

bool Usable(std::string_view v) {
  return v.size() >= kMinValueBytes &&
         std::any_of(v.begin(), v.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                  (c >= 'A' && c <= 'Z') ||
                  static_cast<unsigned char>(c) >= 0x80;
         });
}

// A place where a value was seen: a part ("" for the message's own fields
// and the raw bytes) and what it is.
struct Place {
  std::string path;
  std::string where;
  bool leaf = false;  // a leaf part: withholding it removes the value
};

// The texts of a leaf that is no text part: what the extractors read of it.
std::vector<std::string> DocumentTexts(const extract::LeafPart& leaf,
                                       const extract::Limits& limits,
                                       bool* whole = nullptr) {
  std::vector<std::string> out;
  // Read by what it declares itself when it has no name (an HTML body).
  std::string name = leaf.filename;
  if (name.empty())
    name = leaf.content_type == "text/html" ? "part.html" : "part";
  extract::Extracted x = extract::ExtractFile(leaf.content, name, limits);
  if (whole) *whole = x.skipped.empty();
  for (auto& t : x.texts) out.push_back(std::move(t.text));
  out.emplace_back(leaf.content);  // the bytes themselves
  return out;
}

// How the log names a part: its type, or its file name with the values
// in it redacted (the log is released too).
std::string LeafName(const extract::LeafPart& leaf,
                     const std::vector<Mark>& marks) {
  return leaf.filename.empty()
             ? leaf.content_type
             : "attachment " + ReplaceMarks(leaf.filename, marks, nullptr);
}

// Parts no reader can vouch for: a fragment of a message split in parts,
// a message kept elsewhere.
bool Opaque(const extract::LeafPart& leaf) {
  return leaf.content_type == "message/partial" ||
         leaf.content_type == "message/external-body";
}

// Every place of `message` where a value of `marks` is.
core::Result<std::vector<Place>> Scan(std::string_view message,
                                      const std::vector<Mark>& marks,
                                      const extract::Limits& limits) {
  std::vector<Place> out;
  auto any = [&](std::string_view text) {
    for (const Mark& m : marks)
      if (Holds(text, m.value)) return true;
    return false;
  };
  extract::RewriteEdits look;
  look.header = [&](std::string_view name, std::string_view value) {
    if (any(value)) out.push_back({"", std::string(name), false});
    return std::string(value);
  };
  look.part = [&](const extract::LeafPart& leaf) {
    bool found = any(leaf.filename) || any(leaf.content);
    // What a reader shows of it too: HTML without its markup, a document's
    // text; a part not read whole, or a fragment, counts as holding one.
    if (!found && leaf.content_type != "text/plain") {
      bool whole = true;
      for (const std::string& t : DocumentTexts(leaf, limits, &whole))
        if (any(t)) found = true;
      found = found || (!leaf.text && !whole) || Opaque(leaf);
    }
    if (found) out.push_back({leaf.path, LeafName(leaf, marks), true});
    return extract::PartEdit{};
  };
  auto r = extract::RewriteMessage(message, look, limits);
  if (!r.ok()) return r.status();
  if (any(message)) out.push_back({"", "raw bytes", false});
  return out;
}

}  // namespace

std::string ReplaceMarks(std::string_view text, const std::vector<Mark>& marks,
                         std::vector<uint32_t>* counts) {
  if (counts && counts->size() < marks.size()) counts->resize(marks.size());
  const std::vector<size_t> order = LongestFirst(marks);
  std::set<char> firsts;
  for (const Mark& m : marks)
    if (!m.value.empty()) firsts.insert(Fold(m.value[0]));
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (firsts.count(Fold(text[i]))) {
      for (size_t k : order) {
        const Mark& m = marks[k];
        const size_t n = m.value.empty() ? 0 : MatchAt(text, i, m.value);
        if (n == 0) continue;
        out += Replacement(m);
        if (counts) ++(*counts)[k];
        i += n;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

core::Result<std::vector<Mark>> MarksFor(const engine::Engine& engine,
                                         std::string_view message,
                                         const std::vector<Mark>& extra,
                                         engine::Engine::Scratch& scratch) {
  engine::ItemResult res = engine.InspectMessage("release", message, scratch);
  if (!res.error.empty())
    return core::Status::Invalid("the message could not be read: " + res.error);
  const policy::RecordsPolicy& records = engine.pack().records;
  std::vector<Mark> out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](Mark m) {
    if (!Usable(m.value)) return;
    if (seen.insert({core::AsciiLower(m.value), m.exemption}).second)
      out.push_back(std::move(m));
  };
  // A finding that says something about a person withholds its sentence:
  // "Daniel has asthma and needs his inhaler", not only "his inhaler".
  std::optional<extract::Extracted> x;
  auto sentence = [&](const inspect::Finding& f) -> std::string {
    if (!x) x = extract::ExtractMessage(message, engine.limits());
    for (const auto& t : x->texts) {
      if (t.path != f.location.part ||
          core::ViewName(t.view) != f.location.view)
        continue;
      const uint64_t b = f.location.offset, e = b + f.location.length;
      if (e > t.text.size() || e > UINT32_MAX) break;
      inspect::Sentence s = inspect::SentenceAround(
          t.text, static_cast<uint32_t>(b), static_cast<uint32_t>(e));
      std::string_view v(t.text);
      v = v.substr(s.begin, s.end - s.begin);
      while (!v.empty() &&
             (v.front() == ' ' || v.front() == '\n' || v.front() == '\r' ||
              v.front() == '\t' || v.front() == '>'))
        v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\n' ||
                            v.back() == '\r' || v.back() == '\t'))
        v.remove_suffix(1);
      if (v.find(f.value) != std::string_view::npos) return std::string(v);
      break;
    }
    return f.value;
  };
  for (const inspect::Finding& f : res.findings) {
    const auto* e = records.ExemptionFor(f.category);
    if (!e) continue;
    add({f.value, f.category, e->code, e->Label()});
    if (e->WholeSentence(f.category))
      add({sentence(f), f.category, e->code, e->Label()});
  }
  for (const Mark& m : extra) {
    if (!Usable(m.value))
      return core::Status::Invalid(
          "a marked value must be at least 3 bytes with a letter or digit");
    // A value the redaction's own words hold could never be removed.
    if (Contains(
            "[REDACTED: " + m.label +
                "] [WITHHELD: the attachment "
                "was withheld; it holds information exempt from disclosure",
            m.value))
      return core::Status::Invalid("the marked value '" + m.value +
                                   "' is part of the redaction's own words");
    add(m);
  }
  return out;
}

std::vector<std::string> Leaks(std::string_view message,
                               const std::vector<Mark>& marks,
                               const extract::Limits& limits) {
  auto places = Scan(message, marks, limits);
  if (!places.ok())
    return {"the message could not be read: " + places.status().message()};
  std::vector<std::string> out;
  for (const Place& p : *places)
    out.push_back(p.path.empty() ? p.where
                                 : "part " + p.path + " (" + p.where + ")");
  return out;
}

core::Result<Redacted> RedactMessage(std::string_view message,
                                     const std::vector<Mark>& marks,
                                     const extract::Limits& limits) {
  std::set<std::string> withhold;  // leaf parts withheld whole
  for (int pass = 0; pass < 2; ++pass) {
    Redacted out;
    // (part, where, mark) -> count
    std::map<std::tuple<std::string, std::string, size_t>, uint32_t> counts;
    std::vector<LogEntry> withheld_log;
    auto replace = [&](std::string_view text, const std::string& part,
                       const std::string& where) {
      std::vector<uint32_t> c;
      std::string now = ReplaceMarks(text, marks, &c);
      for (size_t k = 0; k < c.size(); ++k)
        if (c[k]) counts[{part, where, k}] += c[k];
      return now;
    };
    auto withheld = [&](const extract::LeafPart& leaf,
                        const std::vector<std::string>& texts) {
      std::set<size_t> why;
      for (size_t k = 0; k < marks.size(); ++k)
        for (const std::string& t : texts)
          if (Contains(t, marks[k].value)) why.insert(k);
      std::set<std::string> labels;
      for (size_t k : why) {
        labels.insert(marks[k].label);
        withheld_log.push_back({leaf.path, LeafName(leaf, marks),
                                marks[k].category, marks[k].exemption, 1,
                                true});
      }
      std::string text =
          "[WITHHELD: " +
          (leaf.filename.empty()
               ? std::string("a ") + leaf.content_type + " part"
               : "the attachment " +
                     ReplaceMarks(leaf.filename, marks, nullptr)) +
          " was withheld; it holds information exempt from disclosure (" +
          core::Join(std::vector<std::string>(labels.begin(), labels.end()),
                     "; ") +
          ").]\n";
      ++out.withheld;
      return extract::PartEdit{extract::PartEdit::Kind::kWithhold, text, ""};
    };
    auto unread = [&](const extract::LeafPart& leaf) {
      withheld_log.push_back(
          {leaf.path, LeafName(leaf, marks), "not-inspected", "", 1, true});
      ++out.withheld;
      return extract::PartEdit{
          extract::PartEdit::Kind::kWithhold,
          "[WITHHELD: " +
              (leaf.filename.empty()
                   ? std::string("a ") + leaf.content_type + " part"
                   : "the attachment " +
                         ReplaceMarks(leaf.filename, marks, nullptr)) +
              " was withheld; it could not be read whole, so it could not "
              "be checked.]\n",
          ""};
    };
    extract::RewriteEdits edits;
    edits.header = [&](std::string_view name, std::string_view value) {
      return replace(value, "", std::string(name));
    };
    edits.part = [&](const extract::LeafPart& leaf) {
      if (withhold.count(leaf.path)) {
        std::vector<std::string> texts = DocumentTexts(leaf, limits);
        texts.push_back(leaf.filename);
        return withheld(leaf, texts);
      }
      if (!leaf.text) {
        bool whole = true;
        std::vector<std::string> texts = DocumentTexts(leaf, limits, &whole);
        const std::string name = ReplaceMarks(leaf.filename, marks, nullptr);
        // What was not read whole (a bomb's cap, a format not read, a
        // fragment) cannot be vouched for: withheld.
        if (!whole || Opaque(leaf)) return unread(leaf);
        bool found = false;
        for (const Mark& m : marks)
          for (const std::string& t : texts) found |= Contains(t, m.value);
        if (!found) {
          extract::PartEdit keep;
          if (name != leaf.filename) {
            keep.filename = name;
            replace(leaf.filename, leaf.path, "file name");
          }
          return keep;
        }
        // A PDF has its text cut out; anything else, and a PDF whose
        // values could not all be cut, is withheld whole.
        if (IsPdf(leaf.content)) {
          auto pdf = RedactPdf(leaf.content, marks, limits);
          if (pdf.ok()) {
            for (const auto& c : pdf->cuts) {
              counts[{leaf.path,
                      LeafName(leaf, marks) +
                          (c.page ? ", page " + std::to_string(c.page)
                                  : std::string(", a form on its pages")),
                      c.mark}] += c.count;
            }
            extract::PartEdit e;
            e.kind = extract::PartEdit::Kind::kReplaceBytes;
            e.text = std::move(pdf->bytes);
            if (name != leaf.filename) e.filename = name;
            return e;
          }
        }
        texts.push_back(leaf.filename);
        return withheld(leaf, texts);
      }
      extract::PartEdit e;
      e.kind = extract::PartEdit::Kind::kReplace;
      e.text = replace(leaf.content, leaf.path, LeafName(leaf, marks));
      if (!leaf.filename.empty())
        e.filename = replace(leaf.filename, leaf.path, "file name");
      return e;
    };
    auto r = extract::RewriteMessage(message, edits, limits);
    if (!r.ok()) return r.status();
    auto left = Scan(r->bytes, marks, limits);
    if (!left.ok()) return left.status();
    bool retry = false;
    std::vector<std::string> where;
    for (const Place& p : *left) {
      if (p.leaf && !withhold.count(p.path)) {
        withhold.insert(p.path);
        retry = true;
      }
      where.push_back(p.path.empty() ? p.where : "part " + p.path);
    }
    if (left->empty()) {
      out.bytes = std::move(r->bytes);
      for (const auto& [key, n] : counts) {
        const auto& [part, w, k] = key;
        out.log.push_back(
            {part, w, marks[k].category, marks[k].exemption, n, false});
        out.values += n;
      }
      for (auto& e : withheld_log) out.log.push_back(std::move(e));
      return out;
    }
    if (!retry || pass == 1)
      return core::Status::Invalid(
          "a value to withhold would still be in the message (" +
          core::Join(where, ", ") + "); nothing was released");
  }
  return core::Status::Internal("redaction did not finish");
}

}  // namespace steward::release
