// Loading and validating a policy pack from TOML. A pack is a folder holding
// `pack.toml`, which names the other files it includes and its word lists.
// Loading reports every error it finds, each with file, line and what is
// wrong, rather than stopping at the first. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "policy/pack.h"

namespace steward::policy {

struct PackError {
  SourceLoc loc;
  std::string message;
  std::string ToString()
      const;  // "policy/detectors.toml:12: unknown clause 'Z.9'"
};

struct LoadResult {
  PackPtr pack;  // null when errors is not empty
  std::vector<PackError> errors;
  bool ok() const { return errors.empty(); }
};

struct LoadOptions {
  // Compile each pattern alone in Hyperscan to name the bad one. `policy
  // check` does; the engine skips it, since its compile (or its cache, keyed
  // by the pack's hash) names a bad pattern too, and this costs ~20 ms each.
  bool compile_patterns = true;
};

// `path` is a pack folder or its pack.toml.
LoadResult LoadPack(const std::string& path, const LoadOptions& options = {});

// The bundled pack: $STEWARD_POLICY, else `policy/` found beside or above the
// running binary, else the source tree's. Empty when none is found.
std::string DefaultPackDir();

// Compile flags shared by the validator here and the matcher in inspect, so a
// pattern that passes `policy check` compiles the same way at scan time.
unsigned HyperscanFlags(const Detector& d);
uint32_t Pcre2Options(const Detector& d);

}  // namespace steward::policy
