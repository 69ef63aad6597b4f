#include "extract/gmime_parts.h"

#include <algorithm>

#include "core/text.h"

namespace steward::extract::gmime {

BorrowedStream::BorrowedStream(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > G_MAXUINT) {
    // Nothing to borrow, or more than a GByteArray can hold (GMime's own
    // copy would keep only the first 4 GiB; the item limits are far below).
    stream_ = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
    return;
  }
  // The array takes the caller's pointer; the stream is told it does not
  // own the array, and ~BorrowedStream frees the header only.
  array_ = g_byte_array_new_take(
      reinterpret_cast<guint8*>(const_cast<char*>(bytes.data())), bytes.size());
  stream_ = g_mime_stream_mem_new_with_byte_array(array_);
  g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream_), FALSE);
}

BorrowedStream::~BorrowedStream() {
  g_object_unref(stream_);
  if (array_) g_byte_array_free(array_, FALSE);  // the data is the caller's
}

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
  // Sized for the content as it stands (decoding only shrinks base64 and
  // quoted-printable), so that the array does not grow by copies.
  GMimeStream* raw = g_mime_data_wrapper_get_stream(w);
  const gint64 len = raw ? g_mime_stream_length(raw) : -1;
  const guint hint = len > 0 ? static_cast<guint>(std::min<uint64_t>(
                                   static_cast<uint64_t>(len), max + 1))
                             : 0;
  Owned<GMimeStream> mem(
      g_mime_stream_mem_new_with_byte_array(g_byte_array_sized_new(hint)));
  GByteArray* arr =
      g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  g_mime_data_wrapper_write_to_stream(w, mem.get());
  const bool ok = arr->len <= max;
  out->assign(reinterpret_cast<const char*>(arr->data), ok ? arr->len : max);
  return ok;
}

}  // namespace steward::extract::gmime
