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
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "core/text.h"
#include "extract/formats.h"
#include "extract/html_tree.h"
#include "extract/style.h"
#include "extract/table.h"
#include "extract/xml.h"

namespace steward::extract {

namespace {

struct Views {
  std::string body, alt, links, script_src, script, comments;
  // The body as two other readings have it (extract/style.h): `certain`
  // leaves out only what StyleCertainlyHides or the `hidden` attribute
  // hides, `written` nothing. A reading that errs (a style the body's
  // reading takes as hiding what the reader sees, or one it does not know)
  // then loses only what it alone would find. Each is kept only once a
  // text differs from the body.
  std::string certain, written;
  bool has_certain = false, has_written = false;

  // A text of the page: `hidden` when the reader does not see it (then it
  // goes to the comments), `certainly` when the certain reading hides it.
  void Text(std::string_view text, bool hidden, bool certainly) {
    hidden = hidden || certainly;
    if (hidden && !has_written) {
      has_written = true;
      written = body;
    }
    if (hidden && !certainly && !has_certain) {
      has_certain = true;
      certain = body;
    }
    if (hidden) {
      comments.append(text);
    } else {
      EndHidden();
      body.append(text);
    }
    if (has_certain && !certainly) certain.append(text);
    if (has_written) written.append(text);
  }
  // A break between blocks (c '\n') or between cells (' '), where the
  // text does not end in one already. An element with no box (`gone`)
  // makes none where the reader looks; the other readings break as
  // written.
  void Break(char c, bool gone = false) {
    auto one = [c](std::string& t) {
      if (!t.empty() && t.back() != '\n' && (c == '\n' || t.back() != ' '))
        t += c;
    };
    if (!gone) one(body);
    if (has_certain) one(certain);
    if (has_written) one(written);
  }
  // Where hidden text ends, the comments take a line of their own.
  void EndHidden() {
    if (!comments.empty() && comments.back() != '\n') comments += '\n';
  }
};

// What an element's own styles (its style sheets' rules, then its style
// attribute) and its `hidden` attribute say of its text.
StyleEffect EffectOf(const StyleRules& rules, const char* tag, const char* id,
                     const char* classes, const char* style, bool hidden,
                     bool block) {
  std::string declarations;
  if (!rules.empty())
    declarations = rules.DeclarationsFor(
        {tag ? tag : "", id ? id : "", classes ? classes : ""});
  if (style != nullptr) declarations += style;
  StyleEffect e;
  if (!declarations.empty()) e = ReadStyle(declarations, block);
  e.gone = e.gone || hidden;
  return e;
}

StyleEffect EffectOf(const xmlNode* n, const StyleRules& rules) {
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
  const std::string style = Prop(n, "style");
  return !style.empty() && StyleCertainlyHides(style);
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
  std::vector<Shown> stack = {at.Child(EffectOf(cell, rules))};
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
          const Shown own = stack.back().Child(EffectOf(n, rules));
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

// What `n` inherits, from `top` (whose state is `at`) down.
Shown ShownAt(const xmlNode* n, const xmlNode* top, Shown at,
              const StyleRules& rules) {
  std::vector<const xmlNode*> chain;
  for (const xmlNode* p = n->parent; p && p != top && chain.size() < 64;
       p = p->parent)
    if (p->type == XML_ELEMENT_NODE) chain.push_back(p);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    at = at.Child(EffectOf(*it, rules));
  return at;
}

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
  const Shown inside = at.Child(EffectOf(table, rules));
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
      differs |= CellText(cell, rules, ShownAt(cell, table, inside, rules),
                          shown, written);
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
    if (media.empty() || media == "all" || media == "screen")
      for (xmlNode* c = n->children; c; c = c->next)
        if (c->content) rules.Add(reinterpret_cast<const char*>(c->content));
    return false;
  });
  return rules;
}

// Whether `n` is inside a cell of `table`; past 256 levels, taken as not
// (its text is then read with the body as well).
bool InCell(const xmlNode* n, const xmlNode* table) {
  int levels = 0;
  for (const xmlNode* p = n->parent; p && p != table && levels < 256;
       p = p->parent, ++levels)
    if (p->type == XML_ELEMENT_NODE && (Is(p, "td") || Is(p, "th")))
      return true;
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
  const xmlNode* certain = nullptr;   // the element hiding its text for the
                                      // certain reading
  // What each element being walked gives its children (the reader's view).
  std::vector<Shown> shown = {Shown{}};
  while (n) {
    bool descend = true;
    Shown own = shown.back();
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
        own = shown.back().Child(EffectOf(n, rules));
        if (!certain && CertainlyHides(n)) certain = n;
        // A data table's text is its own; its images and links still count.
        if (!in_table && Is(n, "table") &&
            ReadDataTable(n, tables + 1, file, ctx, rules, shown.back())) {
          ++tables;
          in_table = n;
        }
        // Inside a data table no break parts its text: what stands outside
        // its cells is shown together, above it.
        const bool table_inside = in_table != nullptr && in_table != n;
        // Cells of a table that lays out the page stay apart in the body.
        if ((Is(n, "td") || Is(n, "th")) && !table_inside)
          v.Break(' ', own.gone);
        Line(v.alt, Prop(n, "alt"));
        Line(v.alt, Prop(n, "title"));
        if (Is(n, "meta")) {
          std::string name = core::AsciiLower(Prop(n, "name"));
          if (name == "description" || name == "keywords" || name == "author")
            Line(v.alt, Prop(n, "content"));
        }
        for (const char* attr : {"href", "src", "action", "data", "poster"})
          Line(v.links, Prop(n, attr));
        if (IsBlock(n) && !table_inside) v.Break('\n', own.gone);
      }
    } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      // A data table's cells are read by ReadDataTable; what they hide is
      // also read with the comments. Text in a table outside its cells is
      // shown before the table (HTML5 moves it there): read with the body.
      const bool hidden = shown.back().Hidden();
      if (n->content && (!in_table || !InCell(n, in_table)))
        v.Text(reinterpret_cast<const char*>(n->content), hidden,
               certain != nullptr);
      else if (n->content && (hidden || certain))
        Line(v.comments, reinterpret_cast<const char*>(n->content));
    } else if (n->type == XML_COMMENT_NODE) {
      if (n->content)
        Line(v.comments, reinterpret_cast<const char*>(n->content));
    }
    if (descend && n->children && n->type == XML_ELEMENT_NODE) {
      shown.push_back(own);
      n = n->children;
      continue;
    }
    if (n == in_table && !(descend && n->children)) in_table = nullptr;
    if (n == certain && !(descend && n->children)) {
      certain = nullptr;
      v.EndHidden();
    }
    while (n && !n->next) {
      n = n->parent;
      if (n == nullptr || reinterpret_cast<xmlDoc*>(n) == doc) {
        n = nullptr;
        break;
      }
      // Leaving the element n: what it gave its children goes.
      const bool gone = shown.back().gone;
      if (n->type == XML_ELEMENT_NODE && shown.size() > 1) shown.pop_back();
      if (n == in_table) in_table = nullptr;
      if (n == certain) {
        certain = nullptr;
        v.EndHidden();
      }
      if (n->type == XML_ELEMENT_NODE && IsBlock(n) && !in_table)
        v.Break('\n', gone);
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
  // What each open element gives its children (the reader's view).
  std::vector<Shown> shown = {Shown{}};
  static constexpr size_t kMaxSheet = size_t{1} << 20;
  // Elements open, and how many were when one hid its text (0: none).
  int depth = 0, unseen_from = 0;
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
      ++s.depth;
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
      const Shown own = s.shown.back().Child(
          EffectOf(s.rules, name, attr("id"), attr("class"), style, hidden,
                   IsBlockName(name)));
      s.shown.push_back(own);
      if (s.unseen_from == 0 &&
          (hidden || (style != nullptr && StyleCertainlyHides(style))))
        s.unseen_from = s.depth;
      if (strcasecmp(name, "script") == 0) {
        line(s.v.script_src, attr("src"));
        ++s.script;
        return;
      }
      if (strcasecmp(name, "style") == 0 || strcasecmp(name, "template") == 0) {
        ++s.hidden;
        if (strcasecmp(name, "style") == 0 && s.in_sheet++ == 0) {
          const char* m = attr("media");
          const std::string media = core::AsciiLower(m ? m : "");
          s.sheet_kept = s.hidden == 1 &&
                         (media.empty() || media == "all" || media == "screen");
        }
        return;
      }
      if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0)
        s.v.Break(' ', own.gone);
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
      s.Break(name, own.gone);
    });
  }
  static void End(void* user, const xmlChar* tag) {
    Guard(user, [&](Stream& s) {
      const char* name = reinterpret_cast<const char*>(tag);
      const bool gone = s.shown.back().gone;
      if (s.shown.size() > 1) s.shown.pop_back();
      if (s.depth == s.unseen_from) {
        s.unseen_from = 0;
        s.v.EndHidden();
      }
      s.depth -= s.depth > 0;
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
        s.Break(name, gone);
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
        s.v.Text(text, s.shown.back().Hidden(), s.unseen_from != 0);
      }
    });
  }
  static void Comment(void* user, const xmlChar* text) {
    Guard(user, [&](Stream& s) {
      Line(s.v.comments, reinterpret_cast<const char*>(text));
    });
  }
  // A block element's text stands on a line of its own.
  void Break(const char* name, bool gone) {
    if (IsBlockName(name)) v.Break('\n', gone);
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
  const bool certain_apart = v.has_certain && v.certain != v.body;
  const bool written_apart = v.has_written && v.written != v.body &&
                             !(certain_apart && v.written == v.certain);
  add(core::View::kBody, v.body);
  if (certain_apart) add(core::View::kBody, v.certain);
  if (written_apart) add(core::View::kBody, v.written);
  add(core::View::kAlt, v.alt);
  add(core::View::kLinks, v.links);
  add(core::View::kScriptSrc, v.script_src);
  add(core::View::kScript, v.script);
  add(core::View::kComments, v.comments);
}

}  // namespace steward::extract
