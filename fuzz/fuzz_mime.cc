// Fuzzes the reading of untrusted mail bytes: sniffing, mbox splitting (and
// the register's view of an mbox message: its record bytes and the time of
// its "From " line) and MIME extraction with tight limits. Nothing may
// crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/mbox.h"
#include "extract/mime.h"
#include "extract/source.h"
#include "mail_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  steward::extract::Limits limits = steward::fuzz::MailLimits();
  (void)steward::extract::Sniff(bytes, "fuzz");
  (void)steward::extract::ExtractMessage(bytes, limits);
  size_t n = 0;
  steward::extract::SplitMbox(bytes, [&](std::string_view m) {
    (void)steward::extract::ExtractMessage(m, limits);
    return ++n < 16;
  });
  n = 0;
  steward::core::ForEachMboxRecord(
      bytes, [&](const steward::core::MboxRecord& r) {
        std::string record = steward::core::MboxMessageBytes(
            bytes.substr(r.start, r.end - r.start));
        // The record is the message without state fields: never longer.
        if (record.size() > r.end - r.start) __builtin_trap();
        (void)steward::core::MboxFromLineTime(r.from_line);
        return ++n < 16;
      });
  return 0;
}
