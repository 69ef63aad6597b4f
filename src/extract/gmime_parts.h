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

  // Ends the stream where its reader has got to: what it has not read yet
  // is never given out (reading on finds the end). What was read stays
  // readable, so parts parsed before keep their content. Safe to call from
  // a parser callback.
  void EndHere();
  // How many bytes the stream holds (fewer than given after EndHere).
  size_t size() const;

 private:
  GByteArray* array_ = nullptr;  // borrowed data; its header is ours
  GMimeStream* stream_ = nullptr;
};

// Where the boundary line that would begin an object past `max_parts`
// starts (the outer object counts); bytes.size() when there is none. Every
// line that begins with "--" is counted; when there are too many, only
// those that begin with a boundary the message declares (unless it
// declares more than 64, or one in RFC 2231's form).
size_t BoundaryLinesEnd(std::string_view bytes, size_t max_parts);

// A message parsed from `bytes` (which must outlive this object), with
// GMime's appetite bounded. GMime builds every part and every header field
// of a message in one call, whatever is read of them later: a million
// empty parts took 1.2 GB, a part of 1.5 million header fields 570 MB. So
// the parser is given the message only up to the line that would begin a
// part past `max_parts` (BoundaryLinesEnd), and its stream ends at the
// header field past kMessageHeaderFields (counted across all parts as they
// are parsed). What it was not given is the
// caller's to read some other way. A message of kCountedFrom bytes or
// fewer is given whole: its parts cannot take much (64 KiB of them took 30
// MB), and counting its lines would cost every ordinary message.
class ParsedMessage {
 public:
  static constexpr size_t kMessageHeaderFields = 50000;
  static constexpr size_t kCountedFrom = size_t{64} << 10;

  ParsedMessage(std::string_view bytes, size_t max_parts);
  ParsedMessage(const ParsedMessage&) = delete;
  ParsedMessage& operator=(const ParsedMessage&) = delete;

  // Null when GMime made no message of the bytes.
  GMimeMessage* get() const { return message_.get(); }
  // How many of the bytes the parser read: all of them unless a limit was
  // reached.
  size_t parsed() const;
  // Which limit was reached ("more than N MIME parts" or "more than N
  // header fields"); "" when none.
  const std::string& limit() const { return limit_; }

 private:
  static void CountField(GMimeParser*, const char*, const char*, gint64,
                         gpointer self) noexcept;

  BorrowedStream in_;  // outlives the parser and the message
  Owned<GMimeParser> parser_;
  Owned<GMimeMessage> message_;
  size_t fields_left_ = kMessageHeaderFields;
  bool fields_ended_ = false;
  std::string limit_;
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
