// robots.txt as the site audit honours it (RFC 9309): the group for our
// user agent (its product token, case ignored) or else "*", Allow and
// Disallow rules matched on the path and query with `*` and a final `$`,
// the longest match winning and Allow winning a tie; Crawl-delay read.
// At most 1,000 rules are kept and a path is matched on its first 2 KiB, so
// a hostile file costs bounded time per URL. Pure; a file of any size or
// content gives some answer, never an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steward::publish {

class Robots {
 public:
  // Reads `text` (at most its first 512 KiB, as RFC 9309 allows) for the
  // agent whose product token is `agent` ("Steward-site-audit").
  static Robots Parse(std::string_view text, std::string_view agent);
  // Everything allowed (no robots.txt, or one that could not be fetched
  // with a 4xx status).
  static Robots AllowAll() { return Robots(); }

  // Whether `path` ("/a/b?c", starting with '/') may be fetched.
  bool Allowed(std::string_view path) const;
  // Crawl-delay in milliseconds; 0 when none was given.
  uint32_t delay_ms() const { return delay_ms_; }

 private:
  struct Rule {
    bool allow;
    std::string pattern;
  };
  std::vector<Rule> rules_;
  uint32_t delay_ms_ = 0;
};

}  // namespace steward::publish
