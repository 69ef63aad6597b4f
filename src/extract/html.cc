// HTML through libxml2's forgiving HTML parser. Views kept apart, so rules
// can ask what a page shows, what its images say, where it links and which
// scripts it loads:
//   body        visible text (title included; script, style, template out)
//   alt         alt and title attributes, figure captions' alternatives
//   links       href, src and action targets other than scripts
//   script-src  the src of every <script>
//   script      inline script text
//   comments    HTML comments (not shown, but published with the page)
// A data table (one that holds no other table, with two rows or more and
// two cells in a row) is a text of its own, read as a table (extract/table.h)
// and labelled "table N", so its columns keep their headers; tables that
// lay out a page are read with the body.
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "core/text.h"
#include "extract/formats.h"
#include "extract/html_tree.h"
#include "extract/style.h"
#include "extract/table.h"
#include "extract/xml.h"

namespace steward::extract {

namespace {

// The readings of a page's body (extract/style.h), each kept as a body
// view of its own where it differs: as the reader sees it (inline styles
// and style sheets, per text), by inline styles alone, the certain reading
// (StyleCertainlyHides or `hidden`), and as written. A reading that errs
// (takes as hidden what the reader sees, or misses what hides) loses only
// what it alone would find.
enum Reading { kShown, kInline, kCertain, kWritten, kReadings };
using PerReading = std::array<bool, kReadings>;

struct Views {
  std::string alt, links, script_src, script, comments;
  std::array<std::string, kReadings> body;  // body[kShown]: the body
  // A reading other than kShown is kept from its first difference (a text
  // or a break it has and kShown has not, or the other way round), as a
  // copy of kShown up to there.
  PerReading kept = {true, false, false, false};

  void Diverge(const PerReading& off) {
    for (size_t k = 1; k < kReadings; ++k)
      if (!kept[k] && off[k] != off[kShown]) {
        kept[k] = true;
        body[k] = body[kShown];
      }
  }
  // A text of the page; `hidden` per reading (never for kWritten). What the
  // reader does not see also goes to the comments.
  void Text(std::string_view text, PerReading hidden) {
    hidden[kWritten] = false;
    Diverge(hidden);
    if (hidden[kShown]) {
      comments.append(text);
    } else {
      EndHidden();
    }
    for (size_t k = 0; k < kReadings; ++k)
      if (kept[k] && !hidden[k]) body[k].append(text);
  }
  // A break between blocks (c '\n') or between cells (' '), where the
  // text does not end in one already; `skip` per reading: none there.
  void Break(char c, const PerReading& skip) {
    Diverge(skip);
    for (size_t k = 0; k < kReadings; ++k) {
      std::string& t = body[k];
      if (kept[k] && !skip[k] && !t.empty() && t.back() != '\n' &&
          (c == '\n' || t.back() != ' '))
        t += c;
    }
  }
  // Where hidden text ends, the comments take a line of their own.
  void EndHidden() {
    if (!comments.empty() && comments.back() != '\n') comments += '\n';
  }
};

// What an element's own styles say of its text: with the page's style
// sheets (`shown`), and by its style attribute alone (`inline_only`).
struct Effects {
  StyleEffect shown, inline_only;
};

Effects EffectOf(const StyleRules& rules, const char* tag, const char* id,
                 const char* classes, const char* style, bool hidden,
                 bool block) {
  Effects e;
  if (style != nullptr && *style != '\0')
    e.inline_only = ReadStyle(style, block);
  e.inline_only.gone = e.inline_only.gone || hidden;
  e.shown = e.inline_only;
  if (!rules.empty()) {
    std::string declarations = rules.DeclarationsFor(
        {tag ? tag : "", id ? id : "", classes ? classes : ""});
    if (!declarations.empty()) {
      if (style != nullptr) declarations += style;
      e.shown = ReadStyle(declarations, block);
      e.shown.gone = e.shown.gone || hidden;
    }
  }
  return e;
}

Effects EffectOf(const xmlNode* n, const StyleRules& rules) {
  auto prop = [n](const char* name) -> const xmlChar* {
    const xmlAttr* a = xmlHasProp(n, reinterpret_cast<const xmlChar*>(name));
    return a && a->children ? a->children->content : nullptr;
  };
  auto text = [](const xmlChar* c) { return reinterpret_cast<const char*>(c); };
  return EffectOf(
      rules, text(n->name), text(prop("id")), text(prop("class")),
      text(prop("style")),
      xmlHasProp(n, reinterpret_cast<const xmlChar*>("hidden")) != nullptr,
      IsBlock(n));
}

// The certain reading (StyleCertainlyHides): whether `n` hides its text.
bool CertainlyHides(const xmlNode* n) {
  if (xmlHasProp(n, reinterpret_cast<const xmlChar*>("hidden"))) return true;
  const xmlAttr* a = xmlHasProp(n, reinterpret_cast<const xmlChar*>("style"));
  return a && a->children && a->children->content &&
         StyleCertainlyHides(
             reinterpret_cast<const char*>(a->children->content));
}

// What an open element gives what is in it, per reading.
struct Frame {
  Shown shown, inline_only;
  bool certain = false;  // the certain reading hides it
  bool in_cell = false;  // inside a cell of the data table being walked
  // Where the element makes no line break of its own (at its start and
  // end), per reading: the certain and written readings break where its
  // type is a block, as earlier versions did; the others where it lays
  // out as one (its type, or its display), unless it has no box or is out
  // of the flow.
  PerReading no_break = {true, true, true, true};
  // A <bdo dir="rtl">, or an element whose style overrides the direction
  // to right-to-left: its text shows in reverse order. It is written
  // between a right-to-left override and its pop, which core::Readable
  // reads as shown (and as stored). Not passed on to children.
  bool overrides = false;

  // `block`: the element's type is a block.
  Frame Child(const Effects& e, bool certainly, bool block) const {
    Frame f = *this;
    f.overrides = false;
    f.shown = shown.Child(e.shown);
    f.inline_only = inline_only.Child(e.inline_only);
    f.certain = certain || certainly;
    auto lays_out = [block](const StyleEffect& x, const Shown& s) {
      return (x.block < 0 ? block : x.block == 1) && !s.boxless &&
             !x.out_of_flow;
    };
    f.no_break = {!lays_out(e.shown, f.shown),
                  !lays_out(e.inline_only, f.inline_only), !block, !block};
    return f;
  }
  PerReading Hidden() const {
    return {shown.Hidden(), inline_only.Hidden(), certain, false};
  }
};

constexpr std::string_view kRightToLeftOverride = "\xE2\x80\xAE";
constexpr std::string_view kPopDirectional = "\xE2\x80\xAC";

// Whether an element `name` with `dir` shows its text in reverse order.
bool Overrides(const char* name, const char* dir) {
  if (name == nullptr || dir == nullptr || strcasecmp(name, "bdo") != 0)
    return false;
  std::string_view d = dir;
  while (!d.empty() && (d.front() == ' ' || d.front() == '\t'))
    d.remove_prefix(1);
  while (!d.empty() && (d.back() == ' ' || d.back() == '\t'))
    d.remove_suffix(1);
  return d.size() == 3 && strncasecmp(d.data(), "rtl", 3) == 0;
}

// The rows of `table` that belong to it (not to a table inside it), each a
// list of its cells' elements.
std::vector<std::vector<xmlNode*>> Rows(xmlNode* table, bool* nested) {
  std::vector<std::vector<xmlNode*>> rows;
  *nested = false;
  Descendants(table, [&](xmlNode* n) {
    if (n->type != XML_ELEMENT_NODE) return false;
    if (Is(n, "table")) {
      *nested = true;
      return false;
    }
    if (Is(n, "tr")) {
      rows.emplace_back();
    } else if (Is(n, "td") || Is(n, "th")) {
      if (rows.empty()) rows.emplace_back();
      rows.back().push_back(n);
    }
    return !*nested;
  });
  return rows;
}

// The text of a cell, whitespace runs as one space: as shown (`at` is what
// the cell inherits) into `shown`, and as written into `written`; true when
// the two differ.
bool CellText(xmlNode* cell, const StyleRules& rules, Shown at,
              std::string& shown, std::string& written) {
  shown.clear();
  written.clear();
  // Text nodes join as the reader sees them ("536-22-<b>1947</b>" is one
  // number); a block inside the cell (a line break, a paragraph) parts them.
  std::vector<Shown> stack = {at};
  auto skipped = [](const xmlNode* n) {
    return Is(n, "script") || Is(n, "style") || Is(n, "template");
  };
  auto space = [](std::string& t) {
    if (!t.empty() && t.back() != ' ') t += ' ';
  };
  extract::Walk(
      cell,
      [&](xmlNode* n) {
        if (n->type == XML_ELEMENT_NODE) {
          if (skipped(n)) return false;
          const Shown own = stack.back().Child(EffectOf(n, rules).shown);
          if (IsBlock(n)) {
            if (!own.gone) space(shown);
            space(written);
          }
          if (n->children) stack.push_back(own);
          return true;
        }
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
            n->content) {
          const bool hidden = stack.back().Hidden();
          for (const char* c = reinterpret_cast<const char*>(n->content); *c;
               ++c) {
            const bool blank =
                *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r';
            for (std::string* t : {&shown, &written}) {
              if (t == &shown && hidden) continue;
              if (!blank)
                *t += *c;
              else
                space(*t);
            }
          }
        }
        return false;
      },
      [&](xmlNode* n) {
        if (n->children && !skipped(n) && stack.size() > 1) stack.pop_back();
      });
  for (std::string* t : {&shown, &written})
    while (!t->empty() && t->back() == ' ') t->pop_back();
  return shown != written;
}

// What each element inside a data table gives what is in it (the reader's
// reading), each worked out once.
class TableShown {
 public:
  TableShown(const xmlNode* table, Shown at, const StyleRules& rules)
      : table_(table), rules_(rules) {
    known_[table] = at.Child(EffectOf(table, rules).shown);
  }
  // What `n` (inside the table) gives its children.
  Shown At(const xmlNode* n) {
    std::vector<const xmlNode*> chain;
    Shown s;
    for (const xmlNode* p = n;; p = p->parent) {
      if (p == nullptr || chain.size() >= 64) {
        s = known_[table_];
        break;
      }
      if (auto it = known_.find(p); it != known_.end()) {
        s = it->second;
        break;
      }
      chain.push_back(p);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if ((*it)->type == XML_ELEMENT_NODE)
        s = s.Child(EffectOf(*it, rules_).shown);
      known_[*it] = s;
    }
    return s;
  }

 private:
  const xmlNode* table_;
  const StyleRules& rules_;
  std::unordered_map<const xmlNode*, Shown> known_;
};

// Reads `table` as a table text when it holds data; false when it lays out
// the page instead (it holds another table, or too few rows or columns).
// Its cells read as shown (`at`: what the table inherits); when that
// leaves out any text, the table is read again as written.
bool ReadDataTable(xmlNode* table, uint32_t number, const Declared& file,
                   Context& ctx, const StyleRules& rules, Shown at) {
  bool nested = false;
  auto rows = Rows(table, &nested);
  size_t widest = 0;
  for (const auto& r : rows) widest = std::max(widest, r.size());
  if (nested || rows.size() < 2 || widest < 2) return false;
  TableShown inside(table, at, rules);
  TableText t(file.path, "text/html", file.name,
              "table " + std::to_string(number));
  TableText w(file.path, "text/html", file.name,
              "table " + std::to_string(number));
  bool differs = false;
  uint32_t row = 0;
  std::string shown, written;
  for (const auto& r : rows) {
    ++row;
    t.BeginRow(row);
    w.BeginRow(row);
    uint32_t col = 0;
    for (xmlNode* cell : r) {
      if (!ctx.InTime(file.path)) return true;
      differs |= CellText(cell, rules, inside.At(cell), shown, written);
      if (!shown.empty()) t.Cell(col, shown);
      if (!written.empty()) w.Cell(col, written);
      uint32_t span = 1;
      std::string cs = Prop(cell, "colspan");
      if (!cs.empty())
        span = std::clamp<uint32_t>(std::atoi(cs.c_str()), 1, 64);
      col += span;
    }
  }
  TextPart part = t.Finish();
  if (!part.text.empty()) ctx.out().texts.push_back(std::move(part));
  if (differs) {
    TextPart as_written = w.Finish();
    if (!as_written.text.empty())
      ctx.out().texts.push_back(std::move(as_written));
  }
  return true;
}

void Line(std::string& view, const std::string& s) {
  if (s.empty()) return;
  view += s;
  view += '\n';
}

}  // namespace

std::string Prop(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

namespace {

bool IsBlockName(const char* name) {
  static const char* const kBlocks[] = {
      "p",       "div",        "br",    "li",         "ul",      "ol",
      "table",   "tr",         "h1",    "h2",         "h3",      "h4",
      "h5",      "h6",         "title", "section",    "article", "header",
      "footer",  "nav",        "aside", "blockquote", "pre",     "dt",
      "dd",      "figcaption", "form",  "hr",         "main",    "address",
      "caption", "option",     "body",  "html"};
  for (const char* b : kBlocks)
    if (name != nullptr && strcasecmp(name, b) == 0) return true;
  return false;
}

}  // namespace

bool IsBlock(const xmlNode* n) {
  return IsBlockName(reinterpret_cast<const char*>(n->name));
}

namespace {

// "script" or "style" when `rest` starts such an element; else null.
const char* RawTextElement(std::string_view rest) {
  for (const char* name : {"script", "style"}) {
    const size_t n = std::strlen(name);
    if (rest.size() > n + 1 && strncasecmp(rest.data() + 1, name, n) == 0 &&
        (rest[n + 1] == '>' || rest[n + 1] == '/' || rest[n + 1] == ' ' ||
         rest[n + 1] == '\t' || rest[n + 1] == '\n' || rest[n + 1] == '\r'))
      return name;
  }
  return nullptr;
}

// Where "</name" starts (any case) at or after `from`; npos when nowhere.
size_t FindEndTag(std::string_view page, size_t from, const char* name) {
  const size_t n = std::strlen(name);
  for (size_t at = page.find("</", from); at != std::string_view::npos;
       at = page.find("</", at + 2))
    if (page.size() - at >= n + 2 &&
        strncasecmp(page.data() + at + 2, name, n) == 0)
      return at;
  return std::string_view::npos;
}

// libxml2's parser predates HTML5's tokenizer, which mail programs and
// browsers follow. Where HTML5 makes a comment, hidden from the reader, of
// "<!x>" or "<![CDATA[...]]>" (up to the first '>') and of "</ x>" (an end
// tag that does not start with a letter), and closes "<!-->" and "<!--->"
// at once, libxml2 shows the markup as text or opens a comment that hides
// what follows: "536<!x>-22-1947" read as no number. Those are written as
// the comments they are before libxml2 reads the page (their text is in
// the comments view); real comments are left as they are (one written
// inside a comment then ends it early, showing the rest of it: read more,
// never less). Returns `page` when there is none, else *out.
std::string_view AsHtml5Reads(std::string_view page, std::string* out) {
  size_t copied = 0;
  for (size_t i = page.find('<'); i != std::string_view::npos;
       i = page.find('<', i + 1)) {
    const std::string_view rest = page.substr(i);
    size_t from = 0, to = 0, end = 0;  // the comment's text; the construct's
    if (rest.starts_with("<!-->") || rest.starts_with("<!--->")) {
      end = i + (rest[4] == '>' ? 5 : 6);
      from = to = end;
    } else if (const char* raw = RawTextElement(rest)) {
      // Script and style text is not markup: what looks like a comment in
      // it is not one (and rewriting it would swallow the closing tag).
      const size_t close = FindEndTag(page, i + 1, raw);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    } else if ((rest.starts_with("<!") &&
                // A comment is left as it is, and what follows read on: a
                // "<!--" in an attribute value opens none, and skipping to
                // its "-->" would leave the bogus comments between as text.
                !rest.starts_with("<!--") &&
                core::AsciiLower(rest.substr(2, 7)) != "doctype") ||
               (rest.starts_with("</") &&
                (rest.size() == 2 ||
                 std::isalpha(static_cast<unsigned char>(rest[2])) == 0))) {
      from = i + 2;
      const size_t close = page.find('>', from);
      to = close == std::string_view::npos ? page.size() : close;
      end = close == std::string_view::npos ? page.size() : close + 1;
    } else {
      continue;
    }
    out->append(page.substr(copied, i - copied));
    out->append("<!--").append(page.substr(from, to - from)).append("-->");
    copied = end;
    i = end - 1;
  }
  if (copied == 0) return page;
  out->append(page.substr(copied));
  return *out;
}

// The charset a page names in its first bytes (<meta charset=...> or
// http-equiv's content="...; charset=..."), lower case; "" when none.
std::string MetaCharset(std::string_view head) {
  const std::string lower = core::AsciiLower(head);
  const size_t at = lower.find("charset");
  if (at == std::string::npos) return {};
  size_t i = at + 7;
  while (i < lower.size() && (lower[i] == ' ' || lower[i] == '=' ||
                              lower[i] == '"' || lower[i] == '\''))
    ++i;
  size_t end = i;
  while (end < lower.size() &&
         (std::isalnum(static_cast<unsigned char>(lower[end])) != 0 ||
          lower[end] == '-' || lower[end] == '_' || lower[end] == '.' ||
          lower[end] == ':'))
    ++end;
  return lower.substr(i, end - i);
}

// The page as libxml2 is given it: always UTF-8, decoded here (libxml2 is
// told to ignore what the page says of its encoding, or it would switch
// decoders partway through the page at a <meta> and read the rest as
// garbage), then AsHtml5Reads. The charset is the part's; else a BOM's;
// else the page's <meta>, but for the labels that HTML5 readers do not
// honour there (UTF-16 and UTF-32 mean UTF-8; EBCDIC is not read): those
// pages are read as their readers show them. *storage holds the result.
std::string_view PageText(std::string_view bytes, std::string_view charset,
                          std::string* storage) {
  std::string label(charset);
  const bool bom = bytes.starts_with("\xEF\xBB\xBF") ||
                   bytes.starts_with("\xFF\xFE") ||
                   bytes.starts_with("\xFE\xFF");
  if (label.empty() && !bom) {
    label = MetaCharset(bytes.substr(0, 2048));
    for (const char* unread :
         {"utf-16", "utf16", "utf-32", "utf32", "ucs", "unicode", "iso-10646",
          "ebcdic", "cp037", "ibm", "cp1140", "cp500", "x-user-defined"})
      if (label.starts_with(unread)) label.clear();
  }
  std::string decoded = core::DecodeText(bytes, label);
  std::string rewritten;
  AsHtml5Reads(decoded, &rewritten);
  *storage = rewritten.empty() ? std::move(decoded) : std::move(rewritten);
  return *storage;
}

constexpr int kParseOptions = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                              HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                              HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC;

// A tree of a page PageText made.
ParsedHtml ParsePage(std::string_view page) {
  QuietLibxml();
  ParsedHtml out;
  htmlParserCtxtPtr parser = htmlNewParserCtxt();
  if (!parser) return out;
  out.doc.reset(htmlCtxtReadMemory(parser, page.data(),
                                   static_cast<int>(page.size()), nullptr,
                                   "UTF-8", kParseOptions));
  // libxml2 halts (rather than recovers) on nesting deeper than it allows.
  out.halted = parser->disableSAX != 0;
  htmlFreeParserCtxt(parser);
  return out;
}

}  // namespace

ParsedHtml ParseHtml(std::string_view raw, std::string_view charset) {
  std::string storage;
  return ParsePage(PageText(raw, charset, &storage));
}

namespace {

// The rules of the page's style sheets, wherever their <style> elements
// stand: those for the screen (no `media`, or all or screen), not inside
// a <template>.
StyleRules SheetsOf(xmlDoc* doc, const Declared& file, Context& ctx) {
  StyleRules rules;
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return rules;
  uint64_t visited = 0;
  Descendants(root, [&](xmlNode* n) {
    if ((++visited & 4095) == 0 && !ctx.InTime(file.path)) return false;
    if (n->type != XML_ELEMENT_NODE) return false;
    if (Is(n, "template")) return false;
    if (!Is(n, "style")) return true;
    const std::string media = core::AsciiLower(Prop(n, "media"));
    const std::string type = core::AsciiLower(Prop(n, "type"));
    if ((media.empty() || media == "all" || media == "screen") &&
        (type.empty() || type == "text/css"))
      for (xmlNode* c = n->children; c; c = c->next)
        if (c->content) rules.Add(reinterpret_cast<const char*>(c->content));
    return false;
  });
  return rules;
}

// Elements that make a table's structure: inside a data table they part
// no text (what stands outside the cells is shown together, above it).
bool TablePart(const xmlNode* n) {
  for (const char* name :
       {"tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "col"})
    if (Is(n, name)) return true;
  return false;
}

// A page's text, links and tables into `v`, until the time runs out.
void Walk(xmlDoc* doc, const Declared& file, Context& ctx, Views& v) {
  const StyleRules rules = SheetsOf(doc, file, ctx);
  // Iterative walk: a page nested a million deep must not use the stack.
  xmlNode* n = xmlDocGetRootElement(doc);
  uint64_t visited = 0;
  uint32_t tables = 0;
  const xmlNode* in_table = nullptr;  // the data table being walked
  // What each element being walked gives what is in it.
  std::vector<Frame> frames = {Frame{}};
  while (n) {
    bool descend = true;
    Frame own = frames.back();
    if ((++visited & 4095) == 0 && !ctx.InTime(file.path)) return;
    if (n->type == XML_ELEMENT_NODE) {
      if (Is(n, "script")) {
        Line(v.script_src, Prop(n, "src"));
        for (xmlNode* c = n->children; c; c = c->next)
          if (c->content)
            Line(v.script, reinterpret_cast<const char*>(c->content));
        descend = false;
      } else if (Is(n, "style") || Is(n, "template")) {
        descend = false;
      } else {
        const Effects fx = EffectOf(n, rules);
        own = frames.back().Child(fx, CertainlyHides(n), IsBlock(n));
        own.overrides =
            fx.shown.reverses || fx.inline_only.reverses ||
            (Is(n, "bdo") && Overrides(reinterpret_cast<const char*>(n->name),
                                       Prop(n, "dir").c_str()));
        // A data table's text is its own; its images and links still count.
        if (!in_table && Is(n, "table") &&
            ReadDataTable(n, tables + 1, file, ctx, rules,
                          frames.back().shown)) {
          ++tables;
          in_table = n;
        }
        const bool structure =
            in_table != nullptr && in_table != n && TablePart(n);
        if (in_table && (Is(n, "td") || Is(n, "th"))) own.in_cell = true;
        if (structure) own.no_break = {true, true, true, true};
        // Cells of a table that lays out the page stay apart in the body.
        if ((Is(n, "td") || Is(n, "th")) && !structure)
          v.Break(' ',
                  {own.shown.boxless, own.inline_only.boxless, false, false});
        Line(v.alt, Prop(n, "alt"));
        Line(v.alt, Prop(n, "title"));
        if (Is(n, "meta")) {
          std::string name = core::AsciiLower(Prop(n, "name"));
          if (name == "description" || name == "keywords" || name == "author")
            Line(v.alt, Prop(n, "content"));
        }
        for (const char* attr : {"href", "src", "action", "data", "poster"})
          Line(v.links, Prop(n, attr));
        v.Break('\n', own.no_break);
        if (own.overrides && !(in_table && own.in_cell))
          v.Text(kRightToLeftOverride, own.Hidden());
      }
    } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      // A data table's cells are read by ReadDataTable; what they hide is
      // also read with the comments. Text in a table outside its cells is
      // shown before the table (HTML5 moves it there): read with the body.
      const Frame& f = frames.back();
      const PerReading hidden = f.Hidden();
      if (n->content && !(in_table && f.in_cell))
        v.Text(reinterpret_cast<const char*>(n->content), hidden);
      else if (n->content && (hidden[kShown] || hidden[kCertain]))
        Line(v.comments, reinterpret_cast<const char*>(n->content));
    } else if (n->type == XML_COMMENT_NODE) {
      if (n->content)
        Line(v.comments, reinterpret_cast<const char*>(n->content));
    }
    if (descend && n->children && n->type == XML_ELEMENT_NODE) {
      frames.push_back(own);
      n = n->children;
      continue;
    }
    if (n == in_table && !(descend && n->children)) in_table = nullptr;
    while (n && !n->next) {
      n = n->parent;
      if (n == nullptr || reinterpret_cast<xmlDoc*>(n) == doc) {
        n = nullptr;
        break;
      }
      // Leaving the element n: what it gave its children goes.
      const Frame left = frames.back();
      if (n->type == XML_ELEMENT_NODE && frames.size() > 1) frames.pop_back();
      if (n == in_table) in_table = nullptr;
      if (left.overrides && !(in_table && left.in_cell))
        v.Text(kPopDirectional, left.Hidden());
      if (n->type == XML_ELEMENT_NODE && !(in_table && TablePart(n)))
        v.Break('\n', left.no_break);
    }
    if (n) n = n->next;
  }
}

// libxml2 builds a tree of the whole page, some forty times its size for a
// page of short elements (24 MiB of <br> took 1 GB). A larger page is read
// by the same parser without a tree (its SAX events), into the same views
// but for data tables, which need the tree: their text is read with the
// body. (Cutting a page into windows to parse one by one let a '<' in an
// attribute value open a comment at the next window that hid its text.)
constexpr size_t kHtmlTreeBytes = size_t{4} << 20;

// What the SAX events of a page make of it, as Walk does of its tree.
struct Stream {
  Context& ctx;
  const Declared& file;
  Views v;
  htmlParserCtxtPtr parser = nullptr;
  int script = 0, hidden = 0;  // depth inside <script>, <style>/<template>
  // The style sheets met so far: a rule applies from where its sheet ends.
  StyleRules rules;
  std::string sheet;  // the <style> being read
  int in_sheet = 0;
  bool sheet_kept = false;  // for the screen, outside a <template>
  // What each open element gives what is in it.
  std::vector<Frame> frames = {Frame{}};
  static constexpr size_t kMaxSheet = size_t{1} << 20;
  uint64_t events = 0;
  bool failed = false;  // out of memory or time

  static Stream* Of(void* user) { return static_cast<Stream*>(user); }
  // Every callback: nothing may be thrown through libxml2.
  template <typename F>
  static void Guard(void* user, F&& f) noexcept {
    Stream* s = Of(user);
    if (s->failed) return;
    try {
      if ((++s->events & 4095) == 0 && !s->ctx.InTime(s->file.path)) {
        s->failed = true;
      } else {
        f(*s);
      }
    } catch (...) {
      s->failed = true;
    }
    if (s->failed) xmlStopParser(s->parser);
  }
  static void Start(void* user, const xmlChar* tag, const xmlChar** attrs) {
    Guard(user, [&](Stream& s) {
      const char* name = reinterpret_cast<const char*>(tag);
      auto attr = [&](const char* want) -> const char* {
        for (const xmlChar** a = attrs; a && a[0]; a += 2)
          if (strcasecmp(reinterpret_cast<const char*>(a[0]), want) == 0)
            return a[1] ? reinterpret_cast<const char*>(a[1]) : "";
        return nullptr;
      };
      auto line = [&](std::string& view, const char* value) {
        if (value) Line(view, value);
      };
      const char* style = attr("style");
      const bool hidden = attr("hidden") != nullptr;
      const Effects fx = EffectOf(s.rules, name, attr("id"), attr("class"),
                                  style, hidden, IsBlockName(name));
      const Frame own = s.frames.back().Child(
          fx, hidden || (style != nullptr && StyleCertainlyHides(style)),
          IsBlockName(name));
      s.frames.push_back(own);
      s.frames.back().overrides =
          fx.shown.reverses || fx.inline_only.reverses ||
          (strcasecmp(name, "bdo") == 0 && Overrides(name, attr("dir")));
      if (strcasecmp(name, "script") == 0) {
        line(s.v.script_src, attr("src"));
        ++s.script;
        return;
      }
      if (strcasecmp(name, "style") == 0 || strcasecmp(name, "template") == 0) {
        ++s.hidden;
        if (strcasecmp(name, "style") == 0 && s.in_sheet++ == 0) {
          const char* m = attr("media");
          const char* t = attr("type");
          const std::string media = core::AsciiLower(m ? m : "");
          const std::string type = core::AsciiLower(t ? t : "");
          s.sheet_kept =
              s.hidden == 1 &&
              (media.empty() || media == "all" || media == "screen") &&
              (type.empty() || type == "text/css");
        }
        return;
      }
      if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0)
        s.v.Break(' ',
                  {own.shown.boxless, own.inline_only.boxless, false, false});
      line(s.v.alt, attr("alt"));
      line(s.v.alt, attr("title"));
      if (strcasecmp(name, "meta") == 0) {
        const char* meta = attr("name");
        const std::string m = core::AsciiLower(meta ? meta : "");
        if (m == "description" || m == "keywords" || m == "author")
          line(s.v.alt, attr("content"));
      }
      for (const char* a : {"href", "src", "action", "data", "poster"})
        line(s.v.links, attr(a));
      s.v.Break('\n', own.no_break);
      if (s.frames.back().overrides && s.hidden == 0 && s.script == 0)
        s.v.Text(kRightToLeftOverride, own.Hidden());
    });
  }
  static void End(void* user, const xmlChar* tag) {
    Guard(user, [&](Stream& s) {
      const char* name = reinterpret_cast<const char*>(tag);
      const Frame left = s.frames.back();
      if (s.frames.size() > 1) s.frames.pop_back();
      if (strcasecmp(name, "script") == 0) {
        s.script -= s.script > 0;
        if (!s.v.script.empty() && s.v.script.back() != '\n')
          s.v.script += '\n';
      } else if (strcasecmp(name, "style") == 0 ||
                 strcasecmp(name, "template") == 0) {
        s.hidden -= s.hidden > 0;
        if (strcasecmp(name, "style") == 0 && s.in_sheet > 0 &&
            --s.in_sheet == 0) {
          if (s.sheet_kept) s.rules.Add(s.sheet);
          s.sheet.clear();
        }
      } else {
        if (left.overrides && s.hidden == 0 && s.script == 0)
          s.v.Text(kPopDirectional, left.Hidden());
        s.v.Break('\n', left.no_break);
      }
    });
  }
  static void Text(void* user, const xmlChar* ch, int len) {
    Guard(user, [&](Stream& s) {
      const std::string_view text(reinterpret_cast<const char*>(ch),
                                  static_cast<size_t>(std::max(len, 0)));
      if (s.script > 0) {
        s.v.script.append(text);
      } else if (s.in_sheet > 0) {
        s.sheet.append(text.substr(
            0, std::min(text.size(),
                        kMaxSheet - std::min(kMaxSheet, s.sheet.size()))));
      } else if (s.hidden == 0) {
        s.v.Text(text, s.frames.back().Hidden());
      }
    });
  }
  static void Comment(void* user, const xmlChar* text) {
    Guard(user, [&](Stream& s) {
      Line(s.v.comments, reinterpret_cast<const char*>(text));
    });
  }
};

// Reads a page through libxml2's SAX events: false when it could not (a
// page nested too deeply halts the parser, as it does the tree's).
bool StreamHtml(std::string_view bytes, Stream& s) {
  QuietLibxml();
  htmlSAXHandler sax;
  std::memset(&sax, 0, sizeof sax);
  sax.startElement = &Stream::Start;
  sax.endElement = &Stream::End;
  sax.characters = &Stream::Text;
  sax.cdataBlock = &Stream::Text;
  sax.comment = &Stream::Comment;
  htmlParserCtxtPtr p = htmlCreatePushParserCtxt(&sax, &s, nullptr, 0, nullptr,
                                                 XML_CHAR_ENCODING_UTF8);
  if (p == nullptr) return false;
  s.parser = p;
  htmlCtxtUseOptions(p, kParseOptions);
  // In pieces, so that libxml2 keeps no copy of the whole page.
  constexpr size_t kPiece = size_t{256} << 10;
  for (size_t at = 0; at < bytes.size() && !s.failed && p->disableSAX == 0;
       at += kPiece) {
    const size_t n = std::min(kPiece, bytes.size() - at);
    htmlParseChunk(p, bytes.data() + at, static_cast<int>(n), 0);
  }
  if (!s.failed && p->disableSAX == 0) htmlParseChunk(p, nullptr, 0, 1);
  const bool halted = p->disableSAX != 0 && !s.failed;
  htmlFreeParserCtxt(p);
  s.parser = nullptr;
  return !halted && !s.failed;
}

}  // namespace

void ReadHtml(std::string_view bytes, const Declared& file, Context& ctx) {
  const std::string type = "text/html";
  if (bytes.size() > ctx.limits().max_part_bytes)
    bytes = bytes.substr(0, ctx.limits().max_part_bytes);
  auto raw = [&](const std::string& why) {
    ctx.Skip(file.path, type, file.name, why);
    ctx.out().texts.push_back({file.path, core::View::kBody, type, file.name,
                               core::DecodeText(bytes, file.charset)});
  };
  Views v;
  // The size decides as written for libxml2 (4 MiB of "</>" are 9 MiB of
  // comments).
  std::string storage;
  const std::string_view page = PageText(bytes, file.charset, &storage);
  if (page.size() > kHtmlTreeBytes) {
    Stream s{ctx, file};
    if (!StreamHtml(page, s)) {
      raw("an HTML page of " + std::to_string(bytes.size()) +
          " bytes that could not be read whole; its raw text was inspected "
          "instead");
      return;
    }
    v = std::move(s.v);
  } else {
    ParsedHtml parsed = ParsePage(page);
    if (parsed.halted || !parsed.doc) {
      raw(parsed.halted
              ? "an HTML page nested too deeply to parse; its raw "
                "text was inspected instead"
              : "an HTML page that could not be parsed; read as text");
      return;
    }
    Walk(parsed.doc.get(), file, ctx, v);
  }
  auto add = [&](core::View view, std::string& text) {
    core::Readable(text);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return;
    ctx.out().texts.push_back(
        {file.path, view, type, file.name, std::move(text)});
  };
  // Each reading kept, where it differs from those before it (decided
  // before any is moved out).
  PerReading fresh = v.kept;
  for (size_t k = 1; k < kReadings; ++k)
    for (size_t j = 0; j < k && fresh[k]; ++j)
      fresh[k] = !(v.kept[j] && v.body[j] == v.body[k]);
  for (size_t k = 0; k < kReadings; ++k)
    if (fresh[k]) add(core::View::kBody, v.body[k]);
  add(core::View::kAlt, v.alt);
  add(core::View::kLinks, v.links);
  add(core::View::kScriptSrc, v.script_src);
  add(core::View::kScript, v.script);
  add(core::View::kComments, v.comments);
}

}  // namespace steward::extract
