// Fuzzes the proxy log report (src/weblog): each line of the input through
// the line parser, then all of them through an aggregator with a category,
// a site and duty hours, and the report rendered. Nothing may crash; a
// parsed line's text fields must lie inside the line; the report's counts
// must add up to the lines given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "weblog/log.h"
#include "weblog/report.h"

namespace {

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() &&
          part.data() + part.size() <= whole.data() + whole.size());
}

const steward::policy::WeblogPolicy& Pack() {
  static const steward::policy::WeblogPolicy* pack = [] {
    auto* p = new steward::policy::WeblogPolicy;
    p->max_users = 8;
    p->max_sites = 8;
    p->public_suffixes = {"co.uk"};
    for (int d = 1; d <= 5; ++d) p->duty[d] = {{450, 960}};
    steward::policy::WeblogPolicy::Category c;
    c.name = "streaming";
    c.hosts = {"youtube.com", "googlevideo.com"};
    p->categories.push_back(c);
    steward::policy::WeblogPolicy::Site s;
    s.name = "School";
    steward::policy::WeblogPolicy::Subnet n;
    n.addr[10] = n.addr[11] = 0xff;
    n.addr[12] = 10;
    n.prefix = 104;
    s.subnets.push_back(n);
    p->sites.push_back(s);
    return p;
  }();
  return *pack;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto agg = steward::weblog::Aggregator::Make(Pack(), {.top = 3});
  if (!agg.ok()) std::abort();
  (*agg)->BeginInput("fuzz.log");
  uint64_t line_no = 0, lines = 0;
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    auto e = steward::weblog::ParseLine(line);
    if (e.ok()) {
      for (auto part :
           {e->client, e->code, e->method, e->url, e->host, e->user})
        if (!Inside(part, line)) std::abort();
      if (!Inside(e->host, e->url)) std::abort();
    }
    (*agg)->AddLine(line, ++line_no);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++lines;
  }
  steward::weblog::Report r = (*agg)->Finish();
  if (r.lines != lines) std::abort();
  if (r.all.requests + r.malformed + r.outside_dates != r.lines) std::abort();
  if (r.users_by_bytes.size() > 3 || r.users > 9 || r.sites > 9) std::abort();
  (void)steward::weblog::RenderText(r);
  (void)steward::weblog::RenderCsv(r);
  return 0;
}
