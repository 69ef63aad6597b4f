// The warn page's "continue": a rule with `confirm = true` and action warn
// stops an upload with a page that says why and offers a link to go on.
// The link carries a signed token (HMAC-SHA-256 with the door's key) that
// names the user, the host, the rule and when it expires; following it,
// through the proxy, reaches the door as a GET of kContinuePath on that
// host, and the door then lets that user's uploads to that host through
// that rule for a while (a grant), which is recorded in the audit chain.
// A token cannot be made without the key, used by another user or on
// another host, or used after it expires. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace steward::icap {

// The path of the continue link on the host the upload went to.
inline constexpr std::string_view kContinuePath =
    "/.well-known/steward-continue";

// What a token says.
struct ContinueClaim {
  std::string user;  // the user, or the client's address when none
  std::string host;
  std::string rule;
  std::string reference;  // the warn page's reference
  int64_t expires = 0;    // Unix seconds
};

class Continues {
 public:
  using Clock = std::chrono::system_clock;

  // `key` is at least 32 bytes.
  explicit Continues(std::string key);

  // A token for `claim` (URL-safe: letters, digits, '-', '_', '.').
  std::string Sign(const ContinueClaim& claim) const;
  // The claim of a token signed with this key that has not expired at
  // `now`; an error that says why otherwise (never echoing the token).
  core::Result<ContinueClaim> Verify(std::string_view token,
                                     Clock::time_point now) const;

  // Lets `user`'s uploads to `host` through `rule` until `until`. At most
  // kMaxGrants are kept (expired ones go first, then the oldest).
  void Grant(const ContinueClaim& claim, Clock::time_point until);
  // Whether such a grant is in force at `now`.
  bool Granted(std::string_view user, std::string_view host,
               std::string_view rule, Clock::time_point now) const;

  static constexpr size_t kMaxGrants = 100000;

 private:
  std::string key_;
  mutable std::mutex mu_;
  std::map<std::string, Clock::time_point> grants_;
};

// The door's key: read from `path`, or made (32 random bytes, mode 0600,
// written to a temporary file and linked into place, so that two doors
// starting at once end up with one key). A path of "" gives a key for this
// process only (tokens do not survive a restart).
core::Result<std::string> LoadOrCreateKey(const std::string& path);

// The value of `name` in a request target's query ("" when absent).
std::string QueryValue(std::string_view target, std::string_view name);
// The path of a request target (absolute URI or origin form), without its
// query.
std::string TargetPath(std::string_view target);

}  // namespace steward::icap
