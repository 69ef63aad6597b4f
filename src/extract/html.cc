// HTML through libxml2's forgiving HTML parser. Views kept apart, so rules
// can ask what a page shows, what its images say, where it links and which
// scripts it loads:
//   body        visible text (title included; script, style, template out)
//   alt         alt and title attributes, figure captions' alternatives
//   links       href, src and action targets other than scripts
//   script-src  the src of every <script>
//   script      inline script text
//   comments    HTML comments (not shown, but published with the page)
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

#include <cstring>

#include "core/text.h"
#include "extract/formats.h"

namespace steward::extract {

namespace {

bool Is(const xmlNode* n, const char* name) {
  return n->name &&
         xmlStrcasecmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

bool IsBlock(const xmlNode* n) {
  static const char* const kBlocks[] = {
      "p",       "div",        "br",    "li",         "ul",      "ol",
      "table",   "tr",         "h1",    "h2",         "h3",      "h4",
      "h5",      "h6",         "title", "section",    "article", "header",
      "footer",  "nav",        "aside", "blockquote", "pre",     "dt",
      "dd",      "figcaption", "form",  "hr",         "main",    "address",
      "caption", "option",     "body",  "html"};
  for (const char* b : kBlocks)
    if (Is(n, b)) return true;
  return false;
}

std::string Prop(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

struct Views {
  std::string body, alt, links, script_src, script, comments;
};

void Line(std::string& view, const std::string& s) {
  if (s.empty()) return;
  view += s;
  view += '\n';
}

}  // namespace

void ReadHtml(std::string_view bytes, const Declared& file, Context& ctx) {
  const std::string type = "text/html";
  if (bytes.size() > ctx.limits().max_part_bytes)
    bytes = bytes.substr(0, ctx.limits().max_part_bytes);
  // libxml2 finds the charset from a BOM or <meta>; otherwise UTF-8 is
  // assumed, and bytes that are not UTF-8 are first decoded as we decode
  // any text.
  std::string utf8;
  const char* enc = nullptr;
  std::string lower_head = core::AsciiLower(bytes.substr(0, 2048));
  if (!file.charset.empty() ||
      lower_head.find("charset") == std::string::npos) {
    utf8 = core::DecodeText(bytes, file.charset);
    bytes = utf8;
    enc = "UTF-8";
  }
  htmlParserCtxtPtr parser = htmlNewParserCtxt();
  htmlDocPtr doc =
      parser ? htmlCtxtReadMemory(parser, bytes.data(),
                                  static_cast<int>(bytes.size()), nullptr, enc,
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                      HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                      HTML_PARSE_COMPACT)
             : nullptr;
  // libxml2 halts (rather than recovers) on nesting deeper than it allows:
  // what follows would go unseen, so the raw page is inspected too.
  const bool halted = parser && parser->disableSAX;
  if (parser) htmlFreeParserCtxt(parser);
  if (halted) {
    ctx.Skip(file.path, type, file.name,
             "an HTML page nested too deeply to parse; its raw text was "
             "inspected instead");
    ctx.out().texts.push_back({file.path, core::View::kBody, type, file.name,
                               core::DecodeText(bytes)});
    if (doc) xmlFreeDoc(doc);
    return;
  }
  if (!doc) {
    ctx.Skip(file.path, type, file.name,
             "an HTML page that could not be parsed; read as text");
    ctx.out().texts.push_back({file.path, core::View::kBody, type, file.name,
                               core::DecodeText(bytes)});
    return;
  }
  Views v;
  // Iterative walk: a page nested a million deep must not use the stack.
  xmlNode* n = xmlDocGetRootElement(doc);
  uint64_t visited = 0;
  while (n) {
    bool descend = true;
    if ((++visited & 4095) == 0 && !ctx.InTime(file.path)) break;
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
        Line(v.alt, Prop(n, "alt"));
        Line(v.alt, Prop(n, "title"));
        if (Is(n, "meta")) {
          std::string name = core::AsciiLower(Prop(n, "name"));
          if (name == "description" || name == "keywords" || name == "author")
            Line(v.alt, Prop(n, "content"));
        }
        for (const char* attr : {"href", "src", "action", "data", "poster"})
          Line(v.links, Prop(n, attr));
        if (IsBlock(n) && !v.body.empty() && v.body.back() != '\n')
          v.body += '\n';
      }
    } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) v.body += reinterpret_cast<const char*>(n->content);
    } else if (n->type == XML_COMMENT_NODE) {
      if (n->content)
        Line(v.comments, reinterpret_cast<const char*>(n->content));
    }
    if (descend && n->children && n->type == XML_ELEMENT_NODE) {
      n = n->children;
      continue;
    }
    while (n && !n->next) {
      n = n->parent;
      if (n && n->type == XML_ELEMENT_NODE && IsBlock(n) && !v.body.empty() &&
          v.body.back() != '\n')
        v.body += '\n';
      if (n && reinterpret_cast<xmlDoc*>(n) == doc) n = nullptr;
    }
    if (n) n = n->next;
  }
  xmlFreeDoc(doc);
  auto add = [&](core::View view, std::string& text) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return;
    ctx.out().texts.push_back(
        {file.path, view, type, file.name, std::move(text)});
  };
  add(core::View::kBody, v.body);
  add(core::View::kAlt, v.alt);
  add(core::View::kLinks, v.links);
  add(core::View::kScriptSrc, v.script_src);
  add(core::View::kScript, v.script);
  add(core::View::kComments, v.comments);
}

}  // namespace steward::extract
