// Fuzzes redaction for release with untrusted mail and PDF bytes: nothing may
// crash, hang or leak, and a message RedactMessage returns holds none of
// the values it was asked to remove (it would rather refuse).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mail_limits.h"
#include "release/pdf.h"
#include "release/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  steward::extract::Limits limits = steward::fuzz::MailLimits();
  limits.helpers = false;
  const std::vector<steward::release::Mark> marks = {
      {"Maria Lopez", "roster-student", "7927.705", "FERPA"},
      {"123-45-6789", "ssn", "7927.700", "privacy"}};
  auto r = steward::release::RedactMessage(bytes, marks, limits);
  if (r.ok() && !steward::release::Leaks(r->bytes, marks, limits).empty())
    std::abort();
  // The same bytes as a PDF attachment (checked inside: a result keeps no
  // value, or it is an error).
  if (steward::release::IsPdf(bytes))
    (void)steward::release::RedactPdf(bytes, marks, limits);
  return 0;
}
