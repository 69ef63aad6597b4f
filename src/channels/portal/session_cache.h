// Sessions the portal has just looked up, for two seconds: a page costs one
// less database round trip, which on PostgreSQL under load is most of it.
// Any change to accounts or sessions made through this portal (sign-out,
// sign-out everywhere, a password, roles, disabling) clears the cache at
// once; a change made through another portal node or the shell is seen
// within the two seconds. Expired entries are never served. Thread-safe;
// bounded (cleared when full).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "identity/accounts.h"

namespace steward::portal {

class SessionCache {
 public:
  std::optional<identity::Session> Get(const std::string& token);
  void Put(const identity::Session& s);
  void Clear();

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kTtl = std::chrono::seconds(2);
  static constexpr size_t kMax = 100000;
  struct Entry {
    identity::Session session;
    Clock::time_point at;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by token hash
};

}  // namespace steward::portal
