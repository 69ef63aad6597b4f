// The engine on the bundled pack, built once per fuzz process (no compiled
// database cache: fuzzing must not write outside its folder).
#pragma once

#include <cstdlib>
#include <memory>

#include "engine/engine.h"

namespace steward::fuzz {

inline const engine::Engine& BundledEngine() {
  static std::unique_ptr<engine::Engine> e = [] {
    auto r = engine::Engine::Create(
        {STEWARD_SOURCE_DIR "/policy", "", "none", false});
    if (!r.ok()) std::abort();
    return std::move(r).value();
  }();
  return *e;
}

}  // namespace steward::fuzz
