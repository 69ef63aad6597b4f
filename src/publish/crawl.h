// The site audit over HTTP: a start URL or a sitemap read the way a polite
// crawler reads a site (robots.txt honoured, one request at a time with a
// pause between them, the start's origin only — scheme, host and port —
// redirects included, pages and depth bounded), each page
// judged by the Auditor as a page of a folder is. What could not be read
// is a finding, not an error: a link that answers 404 is a broken link on
// the page that has it; a page that times out, answers 5xx, redirects in a
// loop or is larger than allowed is unreachable; a link that redirects is
// reported with where it leads. Bodies are read up to the pack's
// max_page_bytes and no further; a response slower than the timeout is cut.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "publish/audit.h"

namespace steward::publish {

struct CrawlOptions {
  uint32_t max_pages = 10000;  // HTML pages fetched
  uint32_t max_depth = 10;     // links followed from the start
  uint32_t delay_ms = 250;     // between requests (robots.txt may ask more)
  uint32_t timeout_seconds = 20;
  uint64_t max_bytes = 16ull << 20;  // a response's body
  std::string user_agent = "Steward-site-audit";
  std::string ca_file;  // authorities for HTTPS; "" for the system's
  // "user:password" sent as HTTP Basic authentication (a WordPress
  // application password); "" for none. Never logged.
  std::string basic_auth;
  // Connect only to public addresses: a host (or a redirect) that resolves
  // to a loopback, private, link-local, shared or multicast address is not
  // asked (checked on the address connected to, so a name that resolves
  // there, a numeric form or a redirect cannot slip through).
  bool public_only = false;
};

// Whether `ip` (dotted IPv4 or IPv6 text) is an address of the Internet,
// not of this machine or a private network.
bool IsPublicAddress(const std::string& ip);

// The pack's [publish] bounds as CrawlOptions.
CrawlOptions CrawlOptionsOf(const policy::PublishPolicy& p);

// One response, as far as the audit needs it.
struct Response {
  long status = 0;        // 0 when no answer came
  std::string final_url;  // after redirects
  std::string content_type;
  std::string body;
  int64_t last_modified = 0;  // Last-Modified, seconds since the epoch
  long redirects = 0;
  bool left_site = false;        // a redirect to another origin, not followed
  bool private_address = false;  // refused: public_only, and it was not
  std::string error;  // a timeout, a refused connection, too large...
};

// Fetches `url` with libcurl: http and https only, the options' timeout and
// body bound, at most 5 redirects, each followed only within `origin`
// ("https://host:port"; "" for any): a redirect elsewhere is not requested
// (`left_site`, with `final_url` where it leads).
Response Fetch(const std::string& url, const CrawlOptions& options,
               const std::string& origin = "");

// Fetch, many times, over connections kept open between requests (libcurl's
// connection cache): one per crawl or page, used by one thread at a time.
// `options` must outlive it.
class Fetcher {
 public:
  explicit Fetcher(const CrawlOptions& options);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;
  // A HEAD request when `head`: the status and headers, no body.
  Response Get(const std::string& url, const std::string& origin = "",
               bool head = false);

 private:
  const CrawlOptions& o_;
  void* handle_ = nullptr;  // CURL*
};

// Audits the site at `start` (a page, or a sitemap ending in .xml whose
// <loc> entries are the first pages and whose <lastmod> dates count as the
// pages' ages).
core::Result<SiteReport> AuditCrawl(const Auditor& auditor,
                                    const std::string& start,
                                    const CrawlOptions& options,
                                    const Progress& progress = {});

// What checking the links to other sites did.
struct OutsideCheck {
  size_t checked = 0;    // addresses asked
  size_t broken = 0;     // reported as broken
  size_t skipped = 0;    // beyond the bound, or robots.txt keeps us out
  bool offline = false;  // nothing answered at all: nothing was reported
};

// Checks the links and embeds of `report` to other sites (its `outside`):
// at most `max_links` addresses (in address order), one request at a time
// (a HEAD, then a GET when the server refuses HEAD), each host's
// robots.txt honoured and the options' delay (or its Crawl-delay, at most
// kMaxOutsideDelayMs) kept between requests to one host, asking whichever
// host may be asked next so a wait on one is work on another. Unless
// `allow_private`, only public addresses are asked (a page must not make
// the audit probe the District's own network): the others are skipped,
// never reported. An address that answers 404,
// 410 or another refusal of the address (4xx but 401, 403, 407, 429), a
// server error, a host that does not exist, no answer within the timeout
// or a redirect loop is a broken-link finding on the pages that have it
// (the first five, with how many more). When no address answered at all
// (this machine is offline), nothing is reported and `offline` says so.
inline constexpr uint32_t kMaxOutsideDelayMs = 10000;
OutsideCheck CheckOutsideLinks(const Auditor& auditor, SiteReport& report,
                               const CrawlOptions& options, size_t max_links,
                               bool allow_private = false,
                               const Progress& progress = {});

}  // namespace steward::publish
