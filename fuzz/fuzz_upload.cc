// Fuzzes how the web door reads an upload for the engine (channels/icap/
// server.h: UploadEntity, FormText, JsonText, MultipartFramed): the first
// byte picks the declared type, the rest is the body. Reading must never
// crash, and the text must stay within a small multiple of the body, so a
// body cannot make the door's memory grow past its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/icap/server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kTypes[] = {
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "text/plain",
      "application/vnd.api+json; charset=utf-8",
  };
  std::string_view type = kTypes[data[0] % 5];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string entity = steward::icap::UploadEntity(type, body);
  if (entity.size() > 4 * body.size() + 4096) std::abort();
  std::string json = steward::icap::JsonText(body);
  if (json.size() > 4 * body.size() + 4096) std::abort();
  return 0;
}
