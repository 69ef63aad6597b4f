// Fuzzes the detector pipeline: the bundled pack over arbitrary text, as a
// plain text and as a message, so views, span recovery, validators, context
// and redaction all see hostile bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bundled_engine.h"

using steward::testing::BundledEngine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto scratch = BundledEngine().NewScratch();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)BundledEngine().InspectPlainText("fuzz", text, *scratch);
  (void)BundledEngine().InspectMessage("fuzz", text, *scratch);
  return 0;
}
