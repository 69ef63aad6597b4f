// A web page as the site audit reads it: what it shows (its text, title and
// headings), its images with what names them (alt text, title, caption),
// and everything it links to or loads, each with the element it is in, so
// a finding can say where to fix it ("img 3", "script 2"). Pure: bytes in,
// a Page out; hostile pages cost bounded time and memory (libxml2's own
// limits; at most kMaxElements images and links are kept).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "publish/adfilter.h"

namespace steward::publish {

struct Image {
  std::string src;  // as written
  std::string alt, title;
  std::string caption;  // figcaption or a WordPress caption around it
  std::string where;    // "img 3"
};

struct Link {
  std::string url;    // as written (href, src, action, data)
  std::string tag;    // a, iframe, script, img, link, form, embed, object...
  std::string text;   // an anchor's text
  std::string where;  // "a 12"
  Resource type = Resource::kOther;  // what loading it would be
};

struct Page {
  std::string title;
  std::string text;  // visible text, one block a line
  std::vector<std::string> headings;
  std::vector<Image> images;
  std::vector<Link> links;
  // <meta> dates a CMS writes (article:modified_time, last-modified,
  // dcterms.modified), as written; "" when none.
  std::string modified;
  // Nested too deeply: the parse stopped, so `text` is the page's raw text
  // (tags and all) and its links and images are those seen before.
  bool halted = false;
};

inline constexpr size_t kMaxElements = 20000;

// When the page was last changed, in seconds since the epoch: its <meta>
// date when it has one, else `otherwise` (a file's time, Last-Modified, a
// sitemap's lastmod; 0 for unknown).
int64_t ModifiedOf(const Page& page, int64_t otherwise);

// What a file's name says it is: a page, an image (whose metadata the audit
// reads), a document the engine reads, or something else.
enum class FileKind { kOther, kPage, kImage, kDocument };
FileKind FileKindOf(std::string_view name);

// Reads a page; `charset` from its Content-Type when known.
Page ReadPage(std::string_view html, std::string_view charset = {});

// `ref` resolved against `base` (an absolute http(s) URL), without its
// #fragment; "" for what is no web address (mailto:, javascript:, data:,
// tel:) or cannot be resolved.
std::string Resolve(std::string_view base, std::string_view ref);

// "scheme://host[:port]" of an absolute URL; "" when it has no scheme.
std::string Origin(std::string_view url);

}  // namespace steward::publish
