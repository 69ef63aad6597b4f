// Fuzzes the detector pipeline: the bundled pack over arbitrary text, as a
// plain text and as a message, so views, span recovery, validators, context
// and redaction all see hostile bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "engine/engine.h"

namespace {

const steward::engine::Engine& Get() {
  static std::unique_ptr<steward::engine::Engine> e = [] {
    auto r = steward::engine::Engine::Create(
        {STEWARD_SOURCE_DIR "/policy", "", "none", false});
    if (!r.ok()) std::abort();
    return std::move(r).value();
  }();
  return *e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto scratch = Get().NewScratch();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)Get().InspectPlainText("fuzz", text, *scratch);
  (void)Get().InspectMessage("fuzz", text, *scratch);
  return 0;
}
