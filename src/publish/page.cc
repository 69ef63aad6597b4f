#include "publish/page.h"

#include <curl/curl.h>
#include <glib.h>

#include <map>

#include "core/text.h"
#include "extract/html_tree.h"

namespace steward::publish {

namespace {

using extract::Descendants;
using extract::Is;
using extract::Prop;

// Text as a reader sees it, so a name is found however an editor spaced
// it: composed (NFC: "E" and a combining accent are "É"), every run of
// white space (tabs, line ends, no-break and other Unicode spaces) one
// space, soft hyphens and zero-width characters gone.
void AppendShown(std::string& text, std::string_view raw) {
  std::string composed;
  bool ascii = true;
  for (unsigned char c : raw) ascii &= c < 0x80;
  if (!ascii && core::IsValidUtf8(raw)) {
    if (gchar* nfc =
            g_utf8_normalize(raw.data(), static_cast<gssize>(raw.size()),
                             G_NORMALIZE_DEFAULT_COMPOSE)) {
      composed = nfc;
      g_free(nfc);
      raw = composed;
    }
  }
  auto space = [&] {
    if (!text.empty() && text.back() != ' ' && text.back() != '\n') text += ' ';
  };
  for (size_t i = 0; i < raw.size();) {
    const unsigned char c = raw[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space();
      ++i;
      continue;
    }
    if (c >= 0x80 && !ascii) {
      gunichar u = g_utf8_get_char_validated(
          raw.data() + i, static_cast<gssize>(raw.size() - i));
      if (u != static_cast<gunichar>(-1) && u != static_cast<gunichar>(-2)) {
        const size_t n = static_cast<size_t>(g_utf8_next_char(raw.data() + i) -
                                             (raw.data() + i));
        if (u == 0xAD || (u >= 0x200B && u <= 0x200D) || u == 0x2060 ||
            u == 0xFEFF) {
          i += n;  // invisible: soft hyphen, zero-width
          continue;
        }
        if (g_unichar_isspace(u) || u == 0xA0 || u == 0x202F) {
          space();
          i += n;
          continue;
        }
        text.append(raw.data() + i, n);
        i += n;
        continue;
      }
    }
    text += static_cast<char>(c);
    ++i;
  }
}

// The visible text under `n`, whitespace runs as one space.
std::string TextOf(xmlNode* n) {
  std::string text;
  auto add = [&](const char* c) { AppendShown(text, c); };
  if (n->type == XML_TEXT_NODE && n->content)
    add(reinterpret_cast<const char*>(n->content));
  Descendants(n, [&](xmlNode* c) {
    if (c->type == XML_ELEMENT_NODE)
      return !(Is(c, "script") || Is(c, "style") || Is(c, "template"));
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
        c->content) {
      add(reinterpret_cast<const char*>(c->content));
      if (!text.empty() && text.back() != ' ') text += ' ';
    }
    return false;
  });
  while (!text.empty() && text.back() == ' ') text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  return text;
}

// An attribute's words as shown (alt, title).
std::string Shown(std::string_view raw) {
  std::string text;
  AppendShown(text, raw);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

bool HasClassLike(const xmlNode* n, std::string_view word) {
  std::string c = core::AsciiLower(Prop(n, "class"));
  return c.find(word) != std::string::npos;
}

// The caption of an image: the figcaption of its figure, or the caption
// text of a WordPress-style caption box around it (three levels up at most).
std::string CaptionOf(xmlNode* img) {
  xmlNode* box = img->parent;
  for (int up = 0; box && box->type == XML_ELEMENT_NODE && up < 3;
       ++up, box = box->parent) {
    if (Is(box, "figure") || HasClassLike(box, "caption")) break;
  }
  if (!box || box->type != XML_ELEMENT_NODE ||
      !(Is(box, "figure") || HasClassLike(box, "caption")))
    return {};
  std::string caption;
  Descendants(box, [&](xmlNode* c) {
    if (c->type != XML_ELEMENT_NODE) return false;
    if (Is(c, "figcaption") || (c != box && HasClassLike(c, "caption"))) {
      std::string t = TextOf(c);
      if (!t.empty()) caption += (caption.empty() ? "" : " ") + t;
      return false;
    }
    return true;
  });
  return caption;
}

// A block of text for the page's lines; a table's cells and a figure too.
bool StartsLine(const xmlNode* n) {
  return extract::IsBlock(n) || Is(n, "td") || Is(n, "th") || Is(n, "figure");
}

// What loading the URL in each attribute of each element would be.
struct Loads {
  const char* tag;
  const char* attr;
  Resource type;
};
constexpr Loads kLoads[] = {
    // A link is matched as "other": filters without types cover it, as
    // they cover affiliate links and payment pages a page points to.
    {"a", "href", Resource::kOther},
    {"area", "href", Resource::kOther},
    {"iframe", "src", Resource::kSubdocument},
    {"frame", "src", Resource::kSubdocument},
    {"script", "src", Resource::kScript},
    {"img", "src", Resource::kImage},
    {"source", "src", Resource::kMedia},
    {"video", "src", Resource::kMedia},
    {"video", "poster", Resource::kImage},
    {"audio", "src", Resource::kMedia},
    {"embed", "src", Resource::kObject},
    {"object", "data", Resource::kObject},
    {"form", "action", Resource::kOther},
    {"input", "src", Resource::kImage},
};

}  // namespace

namespace {

// Whether some tag carries more attributes than any page needs: libxml2's
// HTML parser checks each new attribute against the tag's others, so a tag
// of 100,000 of them would take minutes.
bool AttributeFlood(std::string_view html) {
  constexpr int kMaxAttributes = 2000;
  bool in_tag = false;
  int equals = 0;
  for (char c : html) {
    if (c == '<') {
      in_tag = true;
      equals = 0;
    } else if (c == '>') {
      in_tag = false;
    } else if (in_tag && c == '=' && ++equals > kMaxAttributes) {
      return true;
    }
  }
  return false;
}

}  // namespace

Page ReadPage(std::string_view html, std::string_view charset) {
  Page page;
  if (AttributeFlood(html)) {
    page.halted = true;
    page.text = core::DecodeText(html, charset);
    return page;
  }
  extract::ParsedHtml parsed = extract::ParseHtml(html, charset);
  page.halted = parsed.halted;
  // Nested deeper than the parser goes, or not HTML at all: the page's raw
  // text is inspected, so no name in it goes unseen.
  if (!parsed.doc || parsed.halted) {
    page.text = core::DecodeText(html, charset);
    if (!parsed.doc) return page;
  }
  xmlNode* root = xmlDocGetRootElement(parsed.doc.get());
  if (!root) return page;
  // Elements seen, per tag: "img 3" is the page's third image.
  std::map<std::string, uint32_t, std::less<>> counts;
  auto where = [&](std::string_view tag) {
    auto it = counts.find(tag);
    return std::string(tag) + " " +
           std::to_string(it == counts.end() ? 1 : it->second + 1);
  };
  auto line = [&] {
    if (!page.text.empty() && page.text.back() != '\n') page.text += '\n';
  };
  extract::Walk(
      root,
      [&](xmlNode* n) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
          if (n->content && !page.halted)
            AppendShown(page.text, reinterpret_cast<const char*>(n->content));
          return false;
        }
        if (n->type != XML_ELEMENT_NODE) return false;
        if (Is(n, "style") || Is(n, "template") || Is(n, "noscript"))
          return false;
        if (StartsLine(n)) line();
        if (Is(n, "title") && page.title.empty()) page.title = TextOf(n);
        for (const char* h : {"h1", "h2", "h3"})
          if (Is(n, h)) page.headings.push_back(TextOf(n));
        if (Is(n, "meta")) {
          std::string name = core::AsciiLower(Prop(n, "name"));
          if (name.empty()) name = core::AsciiLower(Prop(n, "property"));
          if (name == "article:modified_time" || name == "last-modified" ||
              name == "dcterms.modified" || name == "og:updated_time" ||
              name == "date")
            if (page.modified.empty()) page.modified = Prop(n, "content");
        }
        for (const Loads& l : kLoads) {
          if (!Is(n, l.tag) || page.links.size() >= kMaxElements) continue;
          std::string url = Prop(n, l.attr);
          if (url.empty()) continue;
          Link link;
          link.url = std::move(url);
          link.tag = l.tag;
          link.type = l.type;
          if (Is(n, "a")) link.text = TextOf(n);
          link.where = where(l.tag);
          page.links.push_back(std::move(link));
        }
        if (Is(n, "link")) {
          std::string rel = core::AsciiLower(Prop(n, "rel"));
          std::string href = Prop(n, "href");
          if (!href.empty() && page.links.size() < kMaxElements &&
              (rel.find("stylesheet") != std::string::npos ||
               rel.find("preload") != std::string::npos)) {
            page.links.push_back({href, "link", "", where("link"),
                                  rel.find("stylesheet") != std::string::npos
                                      ? Resource::kStylesheet
                                      : Resource::kOther});
          }
        }
        if (Is(n, "img") && page.images.size() < kMaxElements) {
          Image img;
          img.src = Prop(n, "src");
          img.alt = Shown(Prop(n, "alt"));
          img.title = Shown(Prop(n, "title"));
          img.caption = CaptionOf(n);
          img.where = where("img");
          page.images.push_back(std::move(img));
        }
        // Counted after its links and image took their number.
        ++counts[core::AsciiLower(reinterpret_cast<const char*>(n->name))];
        if (Is(n, "script")) return false;  // its text is code, not shown
        return true;
      },
      [&](xmlNode* n) {
        // A block's end ends its line too: "<p>Maria Garcia</p><a>Read more"
        // is two lines, not "Maria GarciaRead more".
        if (StartsLine(n)) line();
      });
  return page;
}

FileKind FileKindOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  const size_t slash = name.rfind('/');
  if (dot == std::string_view::npos ||
      (slash != std::string_view::npos && slash > dot))
    return FileKind::kOther;
  const std::string ext = core::AsciiLower(name.substr(dot));
  static const std::map<std::string, FileKind, std::less<>> kKinds = {
      {".html", FileKind::kPage},    {".htm", FileKind::kPage},
      {".jpg", FileKind::kImage},    {".jpeg", FileKind::kImage},
      {".png", FileKind::kImage},    {".tif", FileKind::kImage},
      {".tiff", FileKind::kImage},   {".webp", FileKind::kImage},
      {".gif", FileKind::kImage},    {".pdf", FileKind::kDocument},
      {".doc", FileKind::kDocument}, {".docx", FileKind::kDocument},
      {".xls", FileKind::kDocument}, {".xlsx", FileKind::kDocument},
      {".ppt", FileKind::kDocument}, {".pptx", FileKind::kDocument},
      {".odt", FileKind::kDocument}, {".rtf", FileKind::kDocument},
      {".txt", FileKind::kDocument}, {".csv", FileKind::kDocument}};
  auto it = kKinds.find(ext);
  return it == kKinds.end() ? FileKind::kOther : it->second;
}

int64_t ModifiedOf(const Page& page, int64_t otherwise) {
  if (page.modified.empty()) return otherwise;
  auto day = core::ParseIsoDate(std::string_view(page.modified).substr(0, 10),
                                1990, 2200, "modified");
  return day.ok() ? *day * 86400 : otherwise;
}

std::string Resolve(std::string_view base, std::string_view ref) {
  std::string r(ref);
  while (!r.empty() && (r.front() == ' ' || r.front() == '\t' ||
                        r.front() == '\n' || r.front() == '\r'))
    r.erase(0, 1);
  while (!r.empty() && (r.back() == ' ' || r.back() == '\t' ||
                        r.back() == '\n' || r.back() == '\r'))
    r.pop_back();
  if (r.empty() || core::HasControlChars(r)) return {};
  std::string lower = core::AsciiLower(r.substr(0, 16));
  for (const char* scheme :
       {"mailto:", "javascript:", "data:", "tel:", "sms:", "about:", "blob:"})
    if (lower.starts_with(scheme)) return {};
  if (r[0] == '#') return {};
  CURLU* u = curl_url();
  if (!u) return {};
  std::string out;
  std::string b(base);
  if (curl_url_set(u, CURLUPART_URL, b.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, r.c_str(),
                   CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE) == CURLUE_OK) {
    curl_url_set(u, CURLUPART_FRAGMENT, nullptr, 0);
    char* scheme = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
      std::string sc = scheme;
      curl_free(scheme);
      char* full = nullptr;
      if ((sc == "http" || sc == "https") &&
          curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
        out = full;
        curl_free(full);
      }
    }
  }
  curl_url_cleanup(u);
  return out;
}

std::string Origin(std::string_view url) {
  size_t s = url.find("://");
  if (s == std::string_view::npos) return {};
  size_t p = url.find_first_of("/?#", s + 3);
  return std::string(url.substr(0, p));
}

}  // namespace steward::publish
