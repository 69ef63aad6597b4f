#include "identity/hash_gate.h"

#include <algorithm>

namespace steward::identity {

namespace {

core::Status Busy() {
  return core::Status::Limit(
      "Too many sign-ins at once; try again in a moment.");
}

}  // namespace

HashGate::Permit::~Permit() {
  if (gate_) gate_->Leave();
}

HashGate& HashGate::Global() {
  static HashGate gate;
  return gate;
}

void HashGate::Configure(Limits limits) {
  limits.running = std::max(limits.running, 1);
  limits.waiting = std::max(limits.waiting, 0);
  {
    std::lock_guard lock(mu_);
    limits_ = limits;
  }
  turn_.notify_all();
}

HashGate::Limits HashGate::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

core::Result<HashGate::Permit> HashGate::Enter() {
  std::unique_lock lock(mu_);
  if (stats_.running >= limits_.running) {
    if (stats_.waiting >= limits_.waiting) {
      ++stats_.refused;
      return Busy();
    }
    ++stats_.waiting;
    bool got = turn_.wait_for(lock, limits_.max_wait, [this] {
      return stats_.running < limits_.running;
    });
    --stats_.waiting;
    if (!got) {
      ++stats_.refused;
      return Busy();
    }
  }
  ++stats_.running;
  ++stats_.entered;
  stats_.peak_running = std::max(stats_.peak_running, stats_.running);
  return Permit(this);
}

void HashGate::Leave() {
  {
    std::lock_guard lock(mu_);
    --stats_.running;
  }
  turn_.notify_one();
}

HashGate::Stats HashGate::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void HashGate::ResetStats() {
  std::lock_guard lock(mu_);
  stats_.peak_running = stats_.running;
  stats_.entered = 0;
  stats_.refused = 0;
}

}  // namespace steward::identity
