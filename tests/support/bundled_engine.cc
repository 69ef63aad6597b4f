#include "bundled_engine.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace steward::testing {

namespace {
std::string& PackDirOverride() {
  static std::string dir;
  return dir;
}
}  // namespace

std::string PackDir() {
  const std::string& dir = PackDirOverride();
  return dir.empty() ? std::string(STEWARD_SOURCE_DIR) + "/policy" : dir;
}

void SetPackDir(std::string dir) { PackDirOverride() = std::move(dir); }

const engine::Engine& BundledEngine(const std::string& roster) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<engine::Engine>> engines;
  std::lock_guard<std::mutex> lock(mu);
  auto& e = engines[roster];
  if (!e) {
    auto r = engine::Engine::Create(
        {PackDir(), roster, STEWARD_ENGINE_CACHE, false});
    if (!r.ok()) {
      std::fprintf(stderr, "the bundled pack does not load: %s\n",
                   r.status().message().c_str());
      std::abort();
    }
    e = std::move(r).value();
  }
  return *e;
}

}  // namespace steward::testing
