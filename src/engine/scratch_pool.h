// Engine scratch space kept for reuse by a door that serves many connections
// at once (the milter, the ICAP server). A Scratch belongs to the engine
// that made it; each engine in force has a generation number, raised on
// every policy reload, and a new generation retires the scratch of the old
// ones. Thread-safe; keeps at most 256 idle.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/engine.h"

namespace steward::engine {

class ScratchPool {
 public:
  // Scratch for `e` (of `generation`): an idle one, or a new one.
  std::unique_ptr<Engine::Scratch> Take(const Engine& e, uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation != generation_) {
      free_.clear();
      generation_ = generation;
    }
    if (free_.empty()) return e.NewScratch();
    auto s = std::move(free_.back());
    free_.pop_back();
    return s;
  }

  // Returns `s`, taken for `generation`; dropped if that generation is over.
  void Give(std::unique_ptr<Engine::Scratch> s, uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation == generation_ && free_.size() < kMaxIdle)
      free_.push_back(std::move(s));
  }

 private:
  static constexpr size_t kMaxIdle = 256;
  std::mutex mu_;
  uint64_t generation_ = 0;
  std::vector<std::unique_ptr<Engine::Scratch>> free_;
};

}  // namespace steward::engine
