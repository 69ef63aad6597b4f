#include "extract/gmime_parts.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

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

size_t BorrowedStream::size() const {
  return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream_))->len;
}

void BorrowedStream::EndHere() {
  // A memory stream reads up to its array's length as it is at each read,
  // so shortening the length ends it; the data itself is not touched.
  GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream_));
  const gint64 at = g_mime_stream_tell(stream_);
  if (at >= 0 && static_cast<guint64>(at) < a->len)
    a->len = static_cast<guint>(at);
}

namespace {

// The boundaries a message declares (boundary="..." in any case, with the
// value as written); nullopt when they cannot all be known: an RFC 2231
// form (boundary*=, boundary*0=) or more than 64 of them.
std::optional<std::vector<std::string>> DeclaredBoundaries(
    std::string_view bytes) {
  std::vector<std::string> out;
  const std::string lower = core::AsciiLower(bytes);
  for (size_t at = lower.find("boundary"); at != std::string::npos;
       at = lower.find("boundary", at + 8)) {
    size_t i = at + 8;
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
    if (i < lower.size() && lower[i] == '*') return std::nullopt;
    if (i >= lower.size() || lower[i] != '=') continue;
    ++i;
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
    std::string value;
    if (i < bytes.size() && bytes[i] == '"') {
      for (++i; i < bytes.size() && bytes[i] != '"' && bytes[i] != '\n'; ++i)
        value +=
            bytes[i] == '\\' && i + 1 < bytes.size() ? bytes[++i] : bytes[i];
    } else {
      for (; i < bytes.size() && bytes[i] != ';' && bytes[i] != ' ' &&
             bytes[i] != '\t' && bytes[i] != '\r' && bytes[i] != '\n';
           ++i)
        value += bytes[i];
    }
    if (value.empty() || std::find(out.begin(), out.end(), value) != out.end())
      continue;
    if (out.size() == 64) return std::nullopt;
    out.push_back(std::move(value));
  }
  return out;
}

// Where the line past the first `limit` that begins with "--" followed by
// one of `boundaries` (any "--" when null) starts; bytes.size() when none.
size_t LinesEnd(std::string_view bytes, size_t limit,
                const std::vector<std::string>* boundaries) {
  auto counts = [&](const char* line) {
    if (boundaries == nullptr) return true;
    const std::string_view rest(
        line + 2, static_cast<size_t>(bytes.data() + bytes.size() - line - 2));
    for (const std::string& b : *boundaries)
      if (rest.starts_with(b)) return true;
    return false;
  };
  size_t count = 0;
  if (bytes.starts_with("--") && counts(bytes.data()) && ++count > limit)
    return 0;
  if (bytes.size() < 3) return bytes.size();
  // memchr for each '-' is several times faster than memmem for "\n--":
  // most text has few dashes, and base64 none.
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  for (const char* p = begin + 1; p + 1 < end;) {
    const void* hit = memchr(p, '-', static_cast<size_t>(end - 1 - p));
    if (hit == nullptr) break;
    p = static_cast<const char*>(hit);
    if (p[-1] == '\n' && p[1] == '-' && counts(p) && ++count > limit)
      return static_cast<size_t>(p - begin);  // the line's start
    p += 1;
  }
  return bytes.size();
}

}  // namespace

size_t BoundaryLinesEnd(std::string_view bytes, size_t max_parts) {
  // The outer object, then one after each boundary line.
  const size_t limit = max_parts - (max_parts > 0 ? 1 : 0);
  // Each such line after the first takes at least 3 bytes ("\n--").
  if (bytes.size() / 3 < limit) return bytes.size();
  // Every line that begins with "--" first; only when there are too many
  // (a long report with dashed rules, SQL comments, a digest), those that
  // begin with a declared boundary, which alone make parts.
  const size_t crude = LinesEnd(bytes, limit, nullptr);
  if (crude == bytes.size()) return crude;
  const auto declared = DeclaredBoundaries(bytes);
  return declared ? LinesEnd(bytes, limit, &*declared) : crude;
}

ParsedMessage::ParsedMessage(std::string_view bytes, size_t max_parts)
    : in_(bytes.size() <= kCountedFrom
              ? bytes
              : bytes.substr(0, BoundaryLinesEnd(bytes, max_parts))) {
  if (in_.size() < bytes.size())
    limit_ = "more than " + std::to_string(max_parts) + " MIME parts";
  parser_.reset(g_mime_parser_new_with_stream(in_.get()));
  g_mime_parser_set_format(parser_.get(), GMIME_FORMAT_MESSAGE);
  // Each field takes at least "x:" and a line end: a message too short to
  // hold the budget's worth is not counted.
  if (bytes.size() / 3 > kMessageHeaderFields)
    g_mime_parser_set_header_regex(parser_.get(), "^", &CountField, this);
  message_.reset(g_mime_parser_construct_message(parser_.get(), nullptr));
  if (fields_ended_)
    limit_ =
        "more than " + std::to_string(kMessageHeaderFields) + " header fields";
}

void ParsedMessage::CountField(GMimeParser* /*parser*/, const char* /*name*/,
                               const char* /*value*/, gint64 /*offset*/,
                               gpointer self) noexcept {
  auto* p = static_cast<ParsedMessage*>(self);
  if (p->fields_left_ > 0) {
    --p->fields_left_;
  } else if (!p->fields_ended_) {
    p->in_.EndHere();
    p->fields_ended_ = true;
  }
}

size_t ParsedMessage::parsed() const { return in_.size(); }

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
