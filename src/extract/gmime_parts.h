// What mime.cc and rewrite.cc both read of a GMime object (internal to
// extract): its type, its charset, a leaf's decoded bytes, and ownership of
// GObjects.
#pragma once

#include <gmime/gmime.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace steward::extract::gmime {

template <typename T>
struct Unref {
  void operator()(T* p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using Owned = std::unique_ptr<T, Unref<T>>;

// A read-only GMime stream over `bytes` that copies nothing
// (g_mime_stream_mem_new_with_buffer copies the whole buffer). `bytes` must
// outlive this object and everything parsed from its stream: declare it
// before the parser and the objects it builds. Nothing may write to it.
class BorrowedStream {
 public:
  explicit BorrowedStream(std::string_view bytes);
  ~BorrowedStream();
  BorrowedStream(const BorrowedStream&) = delete;
  BorrowedStream& operator=(const BorrowedStream&) = delete;
  GMimeStream* get() const { return stream_; }

 private:
  GByteArray* array_ = nullptr;  // borrowed data; its header is ours
  GMimeStream* stream_ = nullptr;
};

// "" for null, else lower case ASCII.
std::string Lower(const char* s);

// "type/subtype" in lower case; text/plain when the object declares none.
std::string TypeOf(GMimeObject* o);

// The charset parameter as declared; "" when none.
std::string Charset(GMimeObject* o);

// The decoded bytes of a leaf part (transfer encoding undone), at most
// `max` of them; false when there were more (`out` holds the first `max`).
bool DecodedBytes(GMimePart* part, uint64_t max, std::string* out);

}  // namespace steward::extract::gmime
