// Fuzzes what a site audit reads from a web site: a page (libxml2 through
// publish/page.h), every link of it resolved against the page's address
// and matched against filter lists, filter lists written by anyone (the
// input's lines as EasyList filters), an image's metadata (exiv2), and
// the dates of events in the page's text and in the raw input.
// Nothing may crash or hang; a resolved link is an http(s) address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "publish/adfilter.h"
#include "publish/events.h"
#include "publish/page.h"
#include "publish/photo.h"

namespace {

const steward::publish::FilterList& Fixed() {
  static auto list = steward::publish::FilterList::Build(
      {"||googlesyndication.com^", "/ads/*$image,third-party",
       "@@||example.org/ads/ok", "|https://*.track.^$script",
       "/\\/banner[0-9]+\\./", "||pay.io^$domain=school.org|~a.school.org"});
  return *list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace steward::publish;
  Page page = ReadPage(in);
  for (const Link& l : page.links) {
    std::string url = Resolve("https://www.example-usd.org/a/b.html", l.url);
    if (!url.empty() && !url.starts_with("http://") &&
        !url.starts_with("https://"))
      std::abort();
    if (!url.empty())
      (void)Fixed().Matches({url, "www.example-usd.org", l.type});
  }
  if (page.links.size() > kMaxElements || page.images.size() > kMaxElements)
    std::abort();
  std::vector<std::string> lines;
  std::istringstream s{std::string(in.substr(0, 4096))};
  for (std::string line; std::getline(s, line);) lines.push_back(line);
  auto list = FilterList::Build(lines);
  for (const char* url :
       {"https://pagead2.googlesyndication.com/pagead/js/x.js",
        "http://a.b.example.org/ads/banner12.gif?x=1", "https://x/"})
    (void)list->Matches({url, "www.school.org", Resource::kImage});
  (void)ReadPhoto(in);
  for (std::string_view text : {std::string_view(page.text), in}) {
    for (const auto& e : FindPastEvents(text, {"join us", "a"}, 1796256000, 1))
      if (e.sentence.size() > 200 || e.date.empty()) std::abort();
  }
  return 0;
}
