// Fuzzes how the web door reads an upload for the engine (channels/icap/
// upload.h: ReadUpload with its decoders, FormText, JsonText,
// MultipartProblem): the first byte picks the declared type and coding, the
// rest is the body. Reading must never crash, and the text must stay within
// a small multiple of the body or of the decoding bound, so a body cannot
// make the door's memory grow past its bound.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/icap/upload.h"
#include "core/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kTypes[] = {
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "text/plain",
      "application/vnd.api+json; charset=utf-8",
  };
  static const char* const kCodings[] = {"",   "gzip", "deflate",
                                         "br", "zstd", "gzip, br"};
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  steward::icap::Upload upload;
  upload.type = kTypes[data[0] % 5];
  upload.encodings = steward::core::SplitList(kCodings[(data[0] / 5) % 6], ',');
  constexpr uint64_t kLimit = uint64_t{1} << 20;
  steward::icap::Reading r =
      steward::icap::ReadUpload(upload, body, (data[0] & 0x80) != 0, kLimit);
  if (r.entity.size() > 4 * std::max<uint64_t>(body.size(), kLimit) + 4096)
    std::abort();
  std::string json = steward::icap::JsonText(body);
  if (json.size() > 4 * body.size() + 4096) std::abort();
  return 0;
}
