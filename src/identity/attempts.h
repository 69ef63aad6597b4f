// Counting sign-in attempts, so that guessing is bounded without letting
// anyone lock anyone else out; and the limits on what an anonymous request
// may put into the store.
//
// Two limits, both counted *before* a password is checked, so that parallel
// attempts cannot all pass a check that only later failures would fail:
//
// - Throttle: per source address (an IPv6 address counts by its /64), at most
//   `max` attempts that did not succeed within `window` (default 20 in ten
//   minutes), whatever names they try. In memory, per process.
// - Lock-out: per user name *and* source address, in the store
//   (`sign_in_failures`): the fifth failure within 15 minutes pauses sign-in
//   for that name from that address for 15 minutes. The same name from
//   another address is unaffected, so a guesser cannot lock the owner out;
//   ITS lifts a lock early with identity::Unlock (accounts.h). Names without
//   an account are counted the same way, so a lock tells nothing about
//   which names exist.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace steward::identity {

// What an anonymous request may store or log, in bytes.
inline constexpr size_t kMaxUserNameBytes = 64;
inline constexpr size_t kMaxUserAgentBytes = 256;
inline constexpr size_t kMaxAddressBytes = 64;

// Lock-out: this many failures for one name from one address within
// kFailureWindowSeconds lock that pair for kLockSeconds.
inline constexpr int kMaxFailures = 5;
inline constexpr int64_t kFailureWindowSeconds = int64_t{15} * 60;
inline constexpr int64_t kLockSeconds = int64_t{15} * 60;

// `text` without control characters (C0, DEL, C1) and invalid UTF-8, cut to
// at most `max_bytes` at a character boundary.
std::string CleanField(std::string_view text, size_t max_bytes);

// A user name as a directory compares it (caseIgnoreMatch): leading and
// trailing white space dropped, inner runs of it made one space, ASCII
// letters lower-cased. " E00010" and "e00010 " give "e00010".
std::string NameKey(std::string_view username);

// The address attempts are counted by: an IPv4 address as it is, an IPv6
// address by its /64 ("2001:db8:1:2::/64"), since one host may hold a whole
// /64; an IPv4-mapped IPv6 address as IPv4. Anything else as given.
std::string SourceKey(std::string_view ip);

// Per-address limit on attempts that did not succeed. Thread-safe; memory
// bounded by forgetting stale addresses when more than 100,000 are held.
class Throttle {
 public:
  explicit Throttle(int max_failures = 20,
                    std::chrono::seconds window = std::chrono::minutes(10))
      : max_(max_failures), window_(window) {}
  // Counts an attempt from `source` before it is checked. False when the
  // source already has `max` uncounted-out attempts in the window; then
  // `*first_refusal` (when given) says whether this is the first refusal in
  // that run, so a caller can record the refusal once rather than per
  // request.
  bool Begin(const std::string& source, bool* first_refusal = nullptr);
  // The attempt succeeded or was never checked: it no longer counts.
  void Forget(const std::string& source);
  // Whether Begin() would admit `source` now (counts nothing).
  bool Allowed(const std::string& source);

 private:
  using Clock = std::chrono::steady_clock;
  struct Source {
    std::deque<Clock::time_point> attempts;
    bool refusal_noted = false;
  };
  void Prune(Source& s, Clock::time_point now) const;
  int max_;
  std::chrono::seconds window_;
  std::mutex mu_;
  std::unordered_map<std::string, Source> sources_;
};

// One attempt for a (name, address) pair, counted in the store.
struct Attempt {
  std::string name_key, source;
  int64_t failures = 0;      // attempts counted so far, this one included
  std::string locked_until;  // "" when not locked
  // Refused without checking the password: a lock is in force, or this
  // attempt comes after the kMaxFailures-th within the window.
  bool Locked(const std::string& now) const {
    return failures > kMaxFailures ||
           (!locked_until.empty() && locked_until > now);
  }
};

// Counts an attempt (atomically: one INSERT … ON CONFLICT DO UPDATE …
// RETURNING) before its password is checked. A lock that has run out, or
// failures older than the window, start the count again.
core::Result<Attempt> BeginAttempt(store::Database& db,
                                   const std::string& name_key,
                                   const std::string& source);
// Un-counts an attempt that was never checked (the hash gate was full).
core::Status ForgetAttempt(store::Database& db, const Attempt& a);
// The attempt failed, inside the caller's transaction: from the
// kMaxFailures-th failure on, locks the pair for kLockSeconds unless a lock
// is already set. True when this call set the lock.
core::Result<bool> RecordFailure(store::Conn& conn, const Attempt& a);
// The attempt succeeded: the pair's count starts again. Also forgets stale
// rows of every pair (bounded by how often people sign in).
core::Status RecordSuccess(store::Conn& conn, const Attempt& a);
// Ends every lock and count of `name_key`; returns how many addresses were
// locked.
core::Result<int64_t> ClearAttempts(store::Conn& conn,
                                    const std::string& name_key);

struct Lock {
  std::string name_key, source, until;
  int64_t failures = 0;
};
// Locks in force now, by name then address.
core::Result<std::vector<Lock>> ActiveLocks(store::Database& db);

}  // namespace steward::identity
