#include "extract/gmime_parts.h"

#include "core/text.h"

namespace steward::extract::gmime {

std::string Lower(const char* s) { return core::AsciiLower(s ? s : ""); }

std::string TypeOf(GMimeObject* o) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  if (!ct) return "text/plain";
  return Lower(g_mime_content_type_get_media_type(ct)) + "/" +
         Lower(g_mime_content_type_get_media_subtype(ct));
}

std::string Charset(GMimeObject* o) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  const char* cs =
      ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
  return cs ? cs : "";
}

bool DecodedBytes(GMimePart* part, uint64_t max, std::string* out) {
  out->clear();
  GMimeDataWrapper* w = g_mime_part_get_content(part);
  if (!w) return true;
  Owned<GMimeStream> mem(g_mime_stream_mem_new());
  GByteArray* arr =
      g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  g_mime_data_wrapper_write_to_stream(w, mem.get());
  const bool ok = arr->len <= max;
  out->assign(reinterpret_cast<const char*>(arr->data), ok ? arr->len : max);
  return ok;
}

}  // namespace steward::extract::gmime
