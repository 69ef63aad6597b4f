// Figures computed at most once per `ttl` however many pages ask for them:
// a tally over 50,000 employees or a million records items must not be paid
// for by every browser of a board meeting. One caller computes while the
// others get the previous value (or, the first time, wait for it); a
// failure is returned to the one who computed and nothing is kept.
// Invalidate makes the next caller compute again. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "core/status.h"

namespace steward::portal {

template <typename Key, typename Value>
class TtlCache {
 public:
  using Ptr = std::shared_ptr<const Value>;
  explicit TtlCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}
  void set_ttl(std::chrono::milliseconds ttl) { ttl_ = ttl; }  // before use

  core::Result<Ptr> Get(const Key& key,
                        const std::function<core::Result<Ptr>()>& compute) {
    std::unique_lock lock(mu_);
    for (;;) {
      Entry& e = entries_[key];
      if (e.value && e.fresh && Clock::now() - e.at < ttl_) return e.value;
      if (e.computing) {
        if (e.value) return e.value;  // a little stale beats waiting
        cv_.wait(lock);
        continue;
      }
      e.computing = true;
      const uint64_t generation = generation_;
      lock.unlock();
      core::Result<Ptr> computed = core::Status::Internal("not computed");
      try {
        computed = compute();
      } catch (const std::exception& ex) {
        computed = core::Status::Internal(ex.what());
      }
      lock.lock();
      Entry& done = entries_[key];
      done.computing = false;
      if (computed.ok()) {
        done.value = *computed;
        // Invalidated while it was computed: what was read may predate the
        // change, so the next caller computes again.
        done.at = Clock::now();
        done.fresh = generation == generation_;
      }
      cv_.notify_all();
      return computed;
    }
  }

  void Invalidate(const Key& key) {
    std::lock_guard lock(mu_);
    ++generation_;
    auto it = entries_.find(key);
    if (it != entries_.end()) it->second.fresh = false;
  }
  void InvalidateAll() {
    std::lock_guard lock(mu_);
    ++generation_;
    for (auto& [key, e] : entries_) e.fresh = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Ptr value;
    Clock::time_point at;
    // False once invalidated. (Not a zero `at`: the steady clock counts from
    // boot, so within `ttl` of it a zero time still looked fresh.)
    bool fresh = false;
    bool computing = false;
  };
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, Entry> entries_;
  uint64_t generation_ = 0;  // Invalidate calls so far
};

}  // namespace steward::portal
