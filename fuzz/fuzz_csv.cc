// Fuzzes CSV reading (rosters arrive as CSV from other systems).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t fields = 0;
  (void)steward::core::ReadCsv(text, [&](const steward::core::CsvRecord& r) {
    fields += r.fields.size();
    return true;
  });
  return 0;
}
