// The ICAP protocol layer (RFC 3507): an incremental parser of requests and
// the writers of responses. It knows nothing of policy: the door
// (channels/icap/server.h) reads requests with it and decides.
//
// A Parser reads one connection's bytes as they arrive, request after
// request (ICAP connections are persistent). Bytes go in with Append(); each
// Next() returns one step:
//
//   kHead        the ICAP head and the encapsulated HTTP header blocks are
//                complete: request() holds them
//   kData        a piece of the encapsulated body (chunked framing and chunk
//                extensions removed); the view is valid until the next call
//   kPreviewEnd  the preview ended without `ieof`: the rest of the body
//                comes only after the door answers "100 Continue" (then
//                call Continue()) and never if it answers otherwise (then
//                call Finish())
//   kEnd         the request is complete (body ended, `ieof` seen, or no
//                body at all); the next Next() begins the next request
//   kNeedMore    nothing more can be read until more bytes are appended
//   kError       the request is malformed or past a limit: error() gives the
//                ICAP status to answer (400, 413, 501, 505); the connection
//                must then be closed, the parser stays in error
//
// Limits are hard: the head (ICAP head plus encapsulated headers), the
// number of header fields, the length of a chunk-size line. Memory held by a
// parser is bounded by them plus one Append()'s input. No exceptions; not
// thread-safe (one parser per connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steward::icap {

enum class Method { kOptions, kReqmod, kRespmod };

std::string_view MethodName(Method m);

// A header field as sent (name case kept, value trimmed).
struct Field {
  std::string name;
  std::string value;
};

// Header fields in order; look-ups ignore the name's case.
struct Fields {
  std::vector<Field> list;
  // The first field named `name`, or nullopt.
  std::optional<std::string_view> Find(std::string_view name) const;
};

// The Encapsulated header's offsets; -1 where an entity is absent.
struct Encapsulated {
  int64_t req_hdr = -1;
  int64_t res_hdr = -1;
  int64_t req_body = -1;
  int64_t res_body = -1;
  int64_t opt_body = -1;
  int64_t null_body = -1;
  // The offset where the body (or the end of headers) begins.
  int64_t BodyOffset() const;
  bool HasBody() const { return req_body >= 0 || res_body >= 0; }
};

// Parses an Encapsulated value ("req-hdr=0, req-body=412"): names known,
// offsets ascending from 0, exactly one body entity, last. nullopt if not.
std::optional<Encapsulated> ParseEncapsulated(std::string_view value);

// One request's head.
struct Request {
  Method method = Method::kOptions;
  std::string uri;      // as sent: icap://host:port/reqmod?x
  std::string service;  // the URI's path: "/reqmod"
  Fields fields;        // ICAP header fields
  Encapsulated encapsulated;
  std::string req_hdr;  // encapsulated HTTP request head, CRLFs included
  std::string res_hdr;  // encapsulated HTTP response head
  std::optional<uint64_t> preview;  // Preview: N, when sent
  bool allow_204 = false;           // Allow: 204 offered
};

// An ICAP status to answer a bad request with.
struct Error {
  int status = 400;
  std::string reason;  // for the log; never echoed with request bytes
};

// The parts of an encapsulated HTTP head: "POST http://h/p HTTP/1.1" and its
// fields. For a response head, `method` holds the version, `target` the
// status code.
struct HttpHead {
  std::string method, target, version;
  Fields fields;
};

// Parses an HTTP head block (request or status line, fields, blank line).
std::optional<HttpHead> ParseHttpHead(std::string_view block);

// The host a request goes to: the absolute URI's authority (Squid sends
// absolute URIs), else the Host field; lower case, without port or
// brackets, at most 253 bytes (the end kept), a byte outside printable
// ASCII as '?'. "" when neither names one.
std::string HostOf(const HttpHead& request);

struct Limits {
  size_t max_head_bytes =
      size_t{64} * 1024;        // ICAP head + encapsulated headers
  size_t max_fields = 100;      // per header block
  size_t max_chunk_line = 256;  // chunk-size line with extensions
};

class Parser {
 public:
  enum class Kind { kNeedMore, kHead, kData, kPreviewEnd, kEnd, kError };
  struct Step {
    Kind kind = Kind::kNeedMore;
    std::string_view data;  // kData
  };

  explicit Parser(Limits limits = {}) : limits_(limits) {}

  void Append(std::string_view bytes);
  Step Next();

  // After kPreviewEnd: "100 Continue" was sent; the body goes on.
  void Continue();
  // After kPreviewEnd: the door answered without Continue; the request is
  // over and the next one may begin.
  void Finish();

  const Request& request() const { return request_; }
  const Error& error() const { return error_; }
  // Whether the current request's body ended with `0; ieof`.
  bool ieof() const { return ieof_; }
  // Whether the parser is inside a request (bytes of it were read and it is
  // not over): a connection closed now was cut short.
  bool InRequest() const;
  // Whether the parser is inside a request's head (ICAP head or
  // encapsulated headers): bytes of it were read, kHead not yet returned.
  bool InHead() const;
  // Bytes appended and not yet consumed.
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  enum class State {
    kIcapHead,
    kHttpHeads,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kAfterPreview,
    kDone,
    kError
  };
  Step Fail(int status, std::string reason);
  Step ParseIcapHead(std::string_view head);
  Step ParseChunkLine(std::string_view line);
  void Compact();

  Limits limits_;
  std::string buf_;
  size_t pos_ = 0;
  State state_ = State::kIcapHead;
  Request request_;
  Error error_;
  uint64_t chunk_left_ = 0;
  uint64_t preview_left_ = 0;  // preview bytes still allowed
  bool in_preview_ = false;
  bool ieof_ = false;
  bool zero_is_preview_end_ = false;
  size_t trailer_bytes_ = 0;
  bool pending_end_ = false;
};

// Writers of responses.

// "ICAP/1.0 <status> <reason>\r\n" + fields + "\r\n" (no Encapsulated: the
// caller adds it when there is one).
std::string StatusHead(int status, const Fields& fields);
std::string_view ReasonPhrase(int status);
// One chunk of `data` in chunked framing ("" gives nothing).
std::string Chunk(std::string_view data);
// The last chunk.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace steward::icap
