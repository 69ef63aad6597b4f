// An HTML page as libxml2's forgiving parser reads it, and the small tools
// every walker of it needs: the HTML reader of extraction (a page's views)
// and the site audit (a page's images, captions and links) share them.
// No network, no error output; nesting deeper than libxml2 allows stops the
// parse, which the caller is told.
#pragma once

#include <libxml/HTMLparser.h>

#include <memory>
#include <string>
#include <string_view>

namespace steward::extract {

struct HtmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using HtmlDocPtr = std::unique_ptr<xmlDoc, HtmlDocFree>;

struct ParsedHtml {
  HtmlDocPtr doc;       // null when nothing could be parsed
  bool halted = false;  // nested too deeply: the rest of the page is unread
};

// Parses a page. Its charset: `charset` when given (a Content-Type's);
// else the page's own (a BOM or <meta charset>); else UTF-8, with bytes
// that are not UTF-8 decoded as every text is (core::DecodeText).
ParsedHtml ParseHtml(std::string_view bytes, std::string_view charset = {});

// Whether `n` is the element `name` (ASCII case ignored).
inline bool Is(const xmlNode* n, const char* name) {
  return n->name &&
         xmlStrcasecmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

// Whether `n` starts a block of text (a paragraph, a heading, a list item,
// a line break...): its text stands on a line of its own.
bool IsBlock(const xmlNode* n);

// An attribute's value; "" when absent.
std::string Prop(const xmlNode* n, const char* name);

// Calls f(node) for each node under `root` (not `root` itself), in document
// order, without recursion: a page nested a million deep must not use the
// stack. f returns false to skip a node's children.
template <typename F>
void Descendants(xmlNode* root, F&& f) {
  xmlNode* n = root->children;
  while (n) {
    if (f(n) && n->children && n->type == XML_ELEMENT_NODE) {
      n = n->children;
      continue;
    }
    while (n && n != root && !n->next) n = n->parent;
    if (!n || n == root) break;
    n = n->next;
  }
}

// As Descendants, and calls leave(node) for each element when its children
// (if it was entered) are done: a block's end is known.
template <typename F, typename L>
void Walk(xmlNode* root, F&& enter, L&& leave) {
  xmlNode* n = root->children;
  while (n) {
    if (enter(n) && n->children && n->type == XML_ELEMENT_NODE) {
      n = n->children;
      continue;
    }
    if (n->type == XML_ELEMENT_NODE) leave(n);
    while (n && n != root && !n->next) {
      n = n->parent;
      if (n && n != root && n->type == XML_ELEMENT_NODE) leave(n);
    }
    if (!n || n == root) break;
    n = n->next;
  }
}

}  // namespace steward::extract
