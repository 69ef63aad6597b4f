// Fuzzes one document reader on untrusted bytes; built once per reader
// (fuzz/CMakeLists.txt sets STEWARD_FUZZ_READER). Nothing may crash, hang or
// leak, whatever the bytes claim. Limits are tight so each input ends
// quickly; helper programs are not run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "extract/document.h"
#include "extract/formats.h"

namespace {

using steward::extract::Context;
using steward::extract::Declared;

void Read(std::string_view b, Context& c) {
  constexpr std::string_view kReader = STEWARD_FUZZ_READER;
  if (kReader == "archive")
    steward::extract::ReadArchive(b, Declared{"", "x.tar.gz", ""}, 1, c);
  else if (kReader == "office")
    steward::extract::ReadZipDocument(b, Declared{"", "x.docx", ""}, 1, c);
  else if (kReader == "pdf")
    steward::extract::ReadPdf(b, Declared{"", "x.pdf", ""}, 1, c);
  else if (kReader == "html")
    steward::extract::ReadHtml(b, Declared{"", "x.html", ""}, c);
  else if (kReader == "table")
    steward::extract::ReadDelimited(b, Declared{"", "x.csv", ""}, ',', c);
  else if (kReader == "ole")
    steward::extract::ReadOle(b, Declared{"", "x.msg", ""}, 1, c);
  else
    steward::extract::ExtractDocument(b, Declared{"", "x", ""}, 0, c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  steward::extract::Limits limits;
  limits.max_depth = 6;
  limits.max_parts = 200;
  limits.max_members = 200;
  limits.max_part_bytes = 4 << 20;
  limits.max_expanded_bytes = 16 << 20;
  limits.max_pages = 50;
  limits.max_seconds = 5;
  limits.helpers = false;
  steward::extract::Extracted out;
  Context ctx(limits, out);
  Read(std::string_view(reinterpret_cast<const char*>(data), size), ctx);
  return 0;
}
