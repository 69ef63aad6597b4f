// A process-wide bound on concurrent argon2id computations.
//
// Each password hash or check holds 64 MiB (256 MiB at the "moderate" cost)
// for about a tenth of a second. Without a bound, N parallel sign-ins hold
// N × 64 MiB: a guesser, or a school signing in at 8:00, could exhaust the
// portal's memory. HashPassword() and VerifyPassword() (passwords.h) enter
// this gate: at most `running` computations run at once, at most `waiting`
// more wait for a turn (each for at most `max_wait`), and anything beyond
// that is refused at once, before it allocates, with a Limit status whose
// message asks to try again in a moment.
//
// Thread-safe. Configure() may be called while permits are held; it applies
// to later entries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "core/status.h"

namespace steward::identity {

// What the gate allows; `steward serve --hash-concurrency/--hash-queue`.
struct HashGateLimits {
  int running = 4;   // concurrent argon2id computations (>= 1)
  int waiting = 64;  // attempts allowed to queue for a turn (>= 0)
  std::chrono::milliseconds max_wait{10000};  // then refused
};

class HashGate {
 public:
  using Limits = HashGateLimits;
  struct Stats {
    int running = 0;
    int waiting = 0;
    int peak_running = 0;  // since the last ResetStats()
    uint64_t entered = 0;  // permits granted
    uint64_t refused = 0;  // queue full or waited too long
  };

  // A turn to compute one hash; released when destroyed. Move-only.
  class Permit {
   public:
    Permit(Permit&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class HashGate;
    explicit Permit(HashGate* gate) : gate_(gate) {}
    HashGate* gate_;
  };

  explicit HashGate(Limits limits = {}) : limits_(limits) {}
  HashGate(const HashGate&) = delete;
  HashGate& operator=(const HashGate&) = delete;

  // The gate every password hash in this process goes through.
  static HashGate& Global();

  void Configure(Limits limits);
  Limits limits() const;
  // A permit, or Limit ("… try again in a moment.") when `waiting` callers
  // already wait or no turn came within `max_wait`.
  core::Result<Permit> Enter();
  Stats stats() const;
  void ResetStats();

 private:
  void Leave();

  mutable std::mutex mu_;
  std::condition_variable turn_;
  Limits limits_;
  Stats stats_;
};

}  // namespace steward::identity
