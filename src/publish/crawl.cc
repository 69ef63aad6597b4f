#include "publish/crawl.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/text.h"
#include "extract/xml.h"
#include "publish/robots.h"

namespace steward::publish {

namespace {

std::once_flag curl_once;

struct Sink {
  std::string* body;
  uint64_t max;
  bool too_big = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * n;
  if (sink->body->size() + bytes > sink->max) {
    sink->too_big = true;
    return 0;  // ends the transfer
  }
  sink->body->append(data, bytes);
  return bytes;
}

// The path and query of an absolute URL ("/" when it has none).
std::string PathAndQuery(std::string_view url) {
  size_t s = url.find("://");
  if (s == std::string_view::npos) return "/";
  size_t p = url.find_first_of("/?#", s + 3);
  if (p == std::string_view::npos) return "/";
  std::string out(url.substr(p, url.find('#', p) == std::string_view::npos
                                    ? std::string_view::npos
                                    : url.find('#', p) - p));
  if (out.empty() || out[0] != '/') out.insert(0, "/");
  return out;
}

std::string CharsetOf(std::string_view content_type) {
  std::string lower = core::AsciiLower(content_type);
  size_t at = lower.find("charset=");
  if (at == std::string::npos) return {};
  std::string cs = lower.substr(at + 8);
  cs = cs.substr(0, cs.find_first_of("; "));
  if (!cs.empty() && cs.front() == '"') cs = cs.substr(1, cs.find('"', 1) - 1);
  return cs;
}

// One key for the ways a page is linked to: ".../index.html" is ".../".
std::string PageKey(const std::string& url) {
  for (const char* index : {"/index.html", "/index.htm"})
    if (url.ends_with(index))
      return url.substr(0, url.size() - strlen(index) + 1);
  return url;
}

bool IsHtml(std::string_view content_type) {
  std::string t = core::AsciiLower(content_type.substr(0, 64));
  return t.starts_with("text/html") || t.starts_with("application/xhtml");
}

bool IsImage(std::string_view content_type) {
  return core::AsciiLower(content_type.substr(0, 16)).starts_with("image/");
}

// The <loc> entries of a sitemap (or a sitemap index), with <lastmod>.
struct SitemapEntry {
  std::string loc;
  int64_t lastmod = 0;
  bool index = false;  // a <sitemap> of an index: another sitemap
};
std::vector<SitemapEntry> ReadSitemap(std::string_view xml, size_t max) {
  std::vector<SitemapEntry> out;
  std::string element, loc, lastmod;
  extract::ForEachEvent(xml, [&](extract::XmlReader::Event ev,
                                 extract::XmlReader& x) {
    if (out.size() >= max) return;
    using E = extract::XmlReader::Event;
    if (ev == E::kStart) {
      element = std::string(x.Name());
    } else if (ev == E::kText) {
      if (element == "loc") loc += x.Text();
      if (element == "lastmod") lastmod += x.Text();
    } else if (ev == E::kEnd) {
      std::string_view name = x.Name();
      if ((name == "url" || name == "sitemap") && !loc.empty()) {
        SitemapEntry e;
        e.loc = std::string(loc);
        while (!e.loc.empty() && (e.loc.back() == ' ' || e.loc.back() == '\n'))
          e.loc.pop_back();
        while (!e.loc.empty() &&
               (e.loc.front() == ' ' || e.loc.front() == '\n'))
          e.loc.erase(0, 1);
        auto day = core::ParseIsoDate(
            std::string_view(lastmod).substr(
                lastmod.find_first_not_of(" \n\t") == std::string::npos
                    ? 0
                    : lastmod.find_first_not_of(" \n\t"),
                10),
            1990, 2200, "lastmod");
        if (day.ok()) e.lastmod = *day * 86400;
        e.index = name == "sitemap";
        out.push_back(std::move(e));
      }
      if (name == "url" || name == "sitemap") loc.clear(), lastmod.clear();
      element.clear();
    }
  });
  return out;
}

}  // namespace

CrawlOptions CrawlOptionsOf(const policy::PublishPolicy& p) {
  CrawlOptions o;
  o.max_pages = p.max_pages;
  o.max_depth = p.max_depth;
  o.delay_ms = p.delay_ms;
  o.timeout_seconds = p.timeout_seconds;
  o.max_bytes = p.max_page_bytes;
  o.user_agent = p.user_agent;
  return o;
}

bool IsPublicAddress(const std::string& ip) {
  unsigned char a[16];
  if (inet_pton(AF_INET, ip.c_str(), a) == 1) {
    const uint32_t v = (uint32_t{a[0]} << 24) | (uint32_t{a[1]} << 16) |
                       (uint32_t{a[2]} << 8) | a[3];
    struct Net {
      uint32_t base;
      int bits;
    };
    static constexpr Net kNot[] = {
        {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},
        {0xA9FE0000, 16}, {0xAC100000, 12}, {0xC0000000, 24}, {0xC0A80000, 16},
        {0xC6120000, 15}, {0xE0000000, 4},  {0xF0000000, 4}};
    for (const Net& n : kNot)
      if ((v >> (32 - n.bits)) == (n.base >> (32 - n.bits))) return false;
    return true;
  }
  if (inet_pton(AF_INET6, ip.c_str(), a) != 1) return false;
  static constexpr unsigned char kZero[16] = {};
  // ::ffff:a.b.c.d and the NAT64 prefix 64:ff9b::/96 carry IPv4 addresses.
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0,    0,
                                                0, 0, 0, 0, 0xff, 0xff};
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b};
  if (std::memcmp(a, kMapped, 12) == 0 || std::memcmp(a, kNat64, 12) == 0)
    return IsPublicAddress(
        fmt::format("{}.{}.{}.{}", a[12], a[13], a[14], a[15]));
  if (std::memcmp(a, kZero, 15) == 0 && (a[15] == 0 || a[15] == 1))
    return false;                           // :: and ::1
  if ((a[0] & 0xfe) == 0xfc) return false;  // fc00::/7, unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return false;  // fe80::/10
  if (a[0] == 0xff) return false;                           // multicast
  if (a[0] == 0x20 && a[1] == 0x02) return false;  // 6to4, an IPv4 inside
  return true;
}

namespace {

struct Guard {
  bool refused = false;
};

// Before each connection: a socket only for a public address, so nothing
// of a private network is even connected to.
curl_socket_t OnlyPublic(void* data, curlsocktype /*purpose*/,
                         curl_sockaddr* address) {
  auto* g = static_cast<Guard*>(data);
  char ip[INET6_ADDRSTRLEN] = {};
  const void* raw = nullptr;
  if (address->family == AF_INET)
    raw = &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr;
  else if (address->family == AF_INET6)
    raw = &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr;
  if (!raw || !inet_ntop(address->family, raw, ip, sizeof ip) ||
      !IsPublicAddress(ip)) {
    g->refused = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

Fetcher::Fetcher(const CrawlOptions& options) : o_(options) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_ = curl_easy_init();
}

Fetcher::~Fetcher() {
  if (handle_) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

Response Fetch(const std::string& url, const CrawlOptions& o,
               const std::string& origin) {
  return Fetcher(o).Get(url, origin);
}

Response Fetcher::Get(const std::string& url, const std::string& origin,
                      bool head) {
  const CrawlOptions& o = o_;
  Response r;
  auto* h = static_cast<CURL*>(handle_);
  if (!h) {
    r.error = "could not start a request";
    return r;
  }
  // Options from scratch for each request; the connection stays open.
  curl_easy_reset(h);
  Sink sink{&r.body, o.max_bytes};
  if (head) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  Guard guard;
  if (o.public_only) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OnlyPublic);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard);
  }
  // Redirects are followed here, one at a time, so none leads the audit
  // off the site (another host, port or scheme) or on for ever.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(o.timeout_seconds));
  curl_easy_setopt(
      h, CURLOPT_CONNECTTIMEOUT,
      static_cast<long>(std::min<uint32_t>(o.timeout_seconds, 10)));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(o.max_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (!o.ca_file.empty())
    curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.basic_auth.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERPWD, o.basic_auth.c_str());
  }
  std::string current = url;
  for (;;) {
    r.body.clear();
    r.status = 0;
    sink.too_big = false;
    curl_easy_setopt(h, CURLOPT_URL, current.c_str());
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    r.final_url = current;
    char* type = nullptr;
    r.content_type.clear();
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
      r.content_type = type;
    curl_off_t filetime = -1;
    r.last_modified = 0;
    if (curl_easy_getinfo(h, CURLINFO_FILETIME_T, &filetime) == CURLE_OK &&
        filetime > 0)
      r.last_modified = filetime;
    if (rc != CURLE_OK) {
      if (guard.refused) {
        r.private_address = true;
        r.status = 0;
        r.error = "an address inside a private network (not asked)";
      } else if (sink.too_big || rc == CURLE_FILESIZE_EXCEEDED)
        r.error = fmt::format("larger than {} bytes", o.max_bytes);
      else if (rc == CURLE_OPERATION_TIMEDOUT)
        r.error = fmt::format("no complete answer within {} seconds",
                              o.timeout_seconds);
      else
        r.error = curl_easy_strerror(rc);
      r.body.clear();
      break;
    }
    char* next = nullptr;
    if (r.status < 300 || r.status >= 400 ||
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next) != CURLE_OK || !next)
      break;
    std::string target = Resolve(current, next);
    if (target.empty()) {
      r.error = "a redirect to what is no web address";
      break;
    }
    if (r.redirects == 5) {
      r.error = "more than 5 redirects (a loop?)";
      break;
    }
    ++r.redirects;
    if (!origin.empty() && Origin(target) != origin) {
      r.final_url = target;
      r.left_site = true;
      break;
    }
    current = target;
  }
  return r;
}

core::Result<SiteReport> AuditCrawl(const Auditor& auditor,
                                    const std::string& start,
                                    const CrawlOptions& o,
                                    const Progress& progress) {
  const std::string first = Resolve(start, start);
  const std::string host = HostOf(first);
  const std::string origin = Origin(first);
  if (first.empty() || host.empty())
    return core::Status::Invalid("'" + start +
                                 "' is not a web address (https://host/)");
  SiteReport report;
  auto scratch = auditor.engine().NewScratch();
  Fetcher fetcher(o);
  auto pause = [&, started = false](uint32_t ms) mutable {
    if (started && ms)
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    started = true;
  };
  // robots.txt: 4xx means no rules; no answer or 5xx means stay out
  // (RFC 9309, 2.3.1).
  pause(0);
  Response rr = fetcher.Get(origin + "/robots.txt", origin);
  Robots robots = Robots::AllowAll();
  if (rr.error.empty() && rr.status >= 200 && rr.status < 300) {
    robots = Robots::Parse(rr.body, o.user_agent);
  } else if (!rr.error.empty() || rr.status >= 500 || rr.status == 0) {
    report.findings.push_back(auditor.Make(
        "page-unreachable", Origin(first) + "/robots.txt", "page",
        rr.error.empty() ? fmt::format("status {}", rr.status) : rr.error,
        "The site's robots.txt could not be read, so the audit read "
        "nothing of the site (RFC 9309). Fix the server and audit again."));
    return report;
  }
  const uint32_t delay = std::max(o.delay_ms, robots.delay_ms());
  struct Todo {
    std::string url;
    uint32_t depth;
    std::string from, where;  // the page that links to it, and where
    bool page;                // a page to read links from (or an asset)
  };
  std::deque<Todo> todo;
  std::set<std::string> seen;
  std::map<std::string, int64_t> lastmod;
  const std::string path = core::AsciiLower(PathAndQuery(first));
  if (path.ends_with(".xml")) {
    std::vector<std::string> maps = {first};
    for (size_t m = 0; m < maps.size() && m < 50; ++m) {
      // An index that lists itself or another index is read once.
      pause(delay);
      Response sm = fetcher.Get(maps[m], origin);
      if (!sm.error.empty() || sm.status >= 400 || sm.status == 0) {
        report.findings.push_back(auditor.Make(
            "page-unreachable", maps[m], "page",
            sm.error.empty() ? fmt::format("status {}", sm.status) : sm.error,
            ""));
        continue;
      }
      for (auto& e : ReadSitemap(sm.body, o.max_pages)) {
        std::string u = Resolve(maps[m], e.loc);
        if (u.empty() || Origin(u) != origin) continue;
        if (e.index) {
          if (std::find(maps.begin(), maps.end(), u) == maps.end())
            maps.push_back(u);
        } else if (seen.insert(PageKey(u)).second) {
          if (e.lastmod) lastmod[u] = e.lastmod;
          todo.push_back({u, 0, "", "", true});
        }
      }
    }
  } else {
    seen.insert(PageKey(first));
    todo.push_back({first, 0, "", "", true});
  }
  const size_t max_assets = static_cast<size_t>(o.max_pages) * 4;
  size_t assets = 0;
  while (!todo.empty() && report.pages < o.max_pages) {
    Todo t = std::move(todo.front());
    todo.pop_front();
    if (!robots.Allowed(PathAndQuery(t.url))) continue;
    pause(delay);
    Response r = fetcher.Get(t.url, origin);
    const std::string shown =
        t.url.size() > 160 ? t.url.substr(0, 160) + "…" : t.url;
    if (r.error.empty() && r.status >= 400 && r.status < 500 &&
        !t.from.empty()) {
      report.findings.push_back(auditor.Make(
          "broken-link", t.from, t.where, shown,
          fmt::format("Fix or remove the link: it answers {}.", r.status)));
      continue;
    }
    if (!r.error.empty() || r.status == 0 || r.status >= 400) {
      report.findings.push_back(auditor.Make(
          "page-unreachable", t.url, "page",
          r.error.empty() ? fmt::format("status {}", r.status) : r.error, ""));
      continue;
    }
    const std::string url = r.final_url.empty() ? t.url : r.final_url;
    if (r.redirects > 0 && !t.from.empty())
      report.findings.push_back(auditor.Make(
          "redirected-link", t.from, t.where, shown,
          "Link to where it leads: " +
              (url.size() > 160 ? url.substr(0, 160) + "…" : url) + "."));
    if (r.left_site || Origin(url) != origin) continue;  // it left the site
    if (IsHtml(r.content_type)) {
      if (!t.page) continue;
      ++report.pages;
      Page page = ReadPage(r.body, CharsetOf(r.content_type));
      auto it = lastmod.find(t.url);
      const int64_t modified =
          ModifiedOf(page, it != lastmod.end() ? it->second : r.last_modified);
      auto found = auditor.AuditPage(url, page, modified, *scratch);
      report.findings.insert(report.findings.end(), found.begin(), found.end());
      for (const Link& link : page.links) {
        std::string target = Resolve(url, link.url);
        if (target.empty()) continue;
        if (Origin(target) != origin) {
          report.NoteOutside(target, url, link, origin);
          continue;
        }
        ++report.links;
        if (!seen.insert(PageKey(target)).second) continue;
        const bool follow = link.tag == "a" || link.tag == "area" ||
                            link.tag == "iframe" || link.tag == "frame";
        if (follow && t.depth + 1 > o.max_depth) continue;
        if (!follow && (link.tag == "script" || link.tag == "link")) continue;
        if (!follow && ++assets > max_assets) continue;
        todo.push_back({target, t.depth + 1, url, link.where, follow});
      }
      if (progress) progress(report.pages, o.max_pages);
    } else if (IsImage(r.content_type)) {
      ++report.images;
      auto f = auditor.AuditImage(url, r.body, *scratch);
      report.findings.insert(report.findings.end(), f.begin(), f.end());
    } else {
      ++report.documents;
      auto f = auditor.AuditDocument(url, r.body, *scratch);
      report.findings.insert(report.findings.end(), f.begin(), f.end());
    }
  }
  if (report.pages == 0 && report.images == 0 && report.documents == 0 &&
      report.findings.empty())
    return core::Status::Invalid("read no page of " + first +
                                 " (robots.txt, the sitemap or the start "
                                 "page allow or hold none)");
  return report;
}

}  // namespace steward::publish

namespace steward::publish {

namespace {

// Why an answer makes a link broken; "" when the address is there (or
// exists behind a sign-in, or only asks us to slow down).
std::string BrokenBecause(const Response& r, const std::string& host) {
  if (r.status >= 200 && r.status < 400 && r.redirects < 5) return "";
  if (r.status == 0) {
    if (r.error.find("resolve") != std::string::npos)
      return "the host " + host + " does not exist";
    if (r.error.starts_with("no complete answer")) return "it gave " + r.error;
    return "nothing answers there (" + r.error + ")";
  }
  if (r.status >= 300 && r.status < 400) return "it redirects in a loop";
  if (r.status == 401 || r.status == 403 || r.status == 407 || r.status == 429)
    return "";
  if (r.status >= 500)
    return fmt::format("its server answers {} (an error of its own)", r.status);
  return fmt::format("it answers {}", r.status);
}

}  // namespace

OutsideCheck CheckOutsideLinks(const Auditor& auditor, SiteReport& report,
                               const CrawlOptions& options, size_t max_links,
                               bool allow_private, const Progress& progress) {
  using Clock = std::chrono::steady_clock;
  OutsideCheck out;
  // Bodies are not read: a robots.txt up to what RFC 9309 reads, a page
  // only as far as its first bytes.
  CrawlOptions o = options;
  o.max_bytes = uint64_t{512} * 1024;
  o.public_only = !allow_private;
  Fetcher fetcher(o);
  std::map<std::string, std::vector<const std::string*>> by_origin;
  size_t total = 0;
  for (const auto& [url, _] : report.outside) {
    if (total == max_links) {
      ++out.skipped;
      continue;
    }
    ++total;
    by_origin[Origin(url)].push_back(&url);
  }
  struct Host {
    const std::vector<const std::string*>* urls = nullptr;
    Robots robots = Robots::AllowAll();
    bool read = false;
    std::string down;     // why nothing of it can be reached, once known
    bool inside = false;  // a private address: none of it is asked
    Clock::time_point next{};
    std::chrono::milliseconds delay{0};
    size_t at = 0;
  };
  std::map<std::string, Host> hosts;
  for (const auto& [origin, urls] : by_origin) hosts[origin].urls = &urls;
  std::vector<std::pair<const std::string*, std::string>> broken;
  size_t answered = 0, done = 0;
  for (;;) {
    // Whichever host may be asked now; else wait for the first that may.
    Host* h = nullptr;
    const std::string* origin = nullptr;
    Clock::time_point soonest = Clock::time_point::max();
    const auto now = Clock::now();
    for (auto& [o_name, host] : hosts) {
      if (host.at >= host.urls->size()) continue;
      if (host.next <= now) {
        h = &host;
        origin = &o_name;
        break;
      }
      soonest = std::min(soonest, host.next);
    }
    if (!h) {
      if (soonest == Clock::time_point::max()) break;  // all asked
      std::this_thread::sleep_until(soonest);
      continue;
    }
    auto ask = [&](const std::string& url, bool head) {
      Response r = fetcher.Get(url, "", head);
      h->next = Clock::now() + h->delay;
      return r;
    };
    if (!h->read) {
      h->read = true;
      Response rr = ask(*origin + "/robots.txt", false);
      if (rr.status > 0) ++answered;
      if (rr.private_address)
        h->inside = true;
      else if (rr.status >= 200 && rr.status < 300)
        h->robots = Robots::Parse(rr.body, o.user_agent);
      else if (rr.status == 0 && rr.error.find("within") == std::string::npos)
        h->down = BrokenBecause(rr, HostOf(*origin));
      h->delay = std::chrono::milliseconds(std::min(
          std::max(o.delay_ms, h->robots.delay_ms()), kMaxOutsideDelayMs));
      h->next = Clock::now() + h->delay;
      continue;  // its first address when its delay allows
    }
    const std::string& url = *(*h->urls)[h->at++];
    if (progress) progress(++done, total);
    if (h->inside || !h->robots.Allowed(PathAndQuery(url))) {
      ++out.skipped;
      continue;
    }
    ++out.checked;
    if (!h->down.empty()) {
      broken.push_back({&url, h->down});
      continue;
    }
    Response r = ask(url, true);
    // Servers that refuse HEAD (or answer it wrongly) are asked to GET.
    if (r.status == 400 || r.status == 403 || r.status == 404 ||
        r.status == 405 || r.status == 501)
      r = ask(url, false);
    if (r.private_address) {  // a redirect into a private network
      --out.checked;
      ++out.skipped;
      continue;
    }
    if (r.status > 0) ++answered;
    std::string why = BrokenBecause(r, HostOf(url));
    if (!why.empty()) broken.push_back({&url, why});
  }
  if (out.checked > 0 && answered == 0) {
    out.offline = true;
    return out;
  }
  for (const auto& [url, why] : broken) {
    const SiteReport::Outside& where = report.outside.at(*url);
    const std::string shown =
        url->size() > 160 ? url->substr(0, 160) + "…" : *url;
    const std::string more = where.pages > where.from.size()
                                 ? fmt::format(" It is on {} more pages.",
                                               where.pages - where.from.size())
                                 : "";
    for (const auto& [page, at] : where.from)
      report.findings.push_back(
          auditor.Make("broken-link", page, at, shown,
                       "Fix or remove the link: " + why + "." + more));
    ++out.broken;
  }
  return out;
}

}  // namespace steward::publish
