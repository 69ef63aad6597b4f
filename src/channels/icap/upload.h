// What an upload (or a download) is, read from its HTTP head and body the
// way the engine reads mail: the body's type, its Content-Encoding undone,
// the file's name when the request names one (a form's part, Dropbox's
// Dropbox-API-Arg, a resumable upload's metadata, a PUT's path), a form's
// fields and a JSON body's values as text, and a multipart body checked for
// the loose framing that slips past filters. Pure functions of their
// arguments; no I/O. Every output is bounded by the input or by `limit`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "channels/icap/protocol.h"

namespace steward::icap {

// A value safe to put in a header field: printable ASCII only, at most
// `max` bytes.
std::string FieldSafe(std::string_view s, size_t max = 256);

// What an HTTP head says of the body that follows it.
struct Upload {
  std::string type = "application/octet-stream";  // printable ASCII
  // Content-Encoding's codings in the order they were applied, lower case,
  // "identity" left out.
  std::vector<std::string> encodings;
  // A Content-Disposition for the engine ("" none): the one sent with the
  // body, or one made from the name the request gives the file elsewhere.
  std::string disposition;
  std::string name;  // that name, for logs ("" when none or from the body)
  // The body is a piece from inside a file (a resumable or tus upload's
  // chunk past its first byte): its type and name belong to the file's
  // start, which is elsewhere, so it is read as bytes.
  bool piece = false;
};

// The upload of `request` (REQMOD), or the download of `response` to it
// (RESPMOD, when `response` is given). The file's name comes from, in
// order: the body's Content-Disposition; Dropbox's Dropbox-API-Arg "path";
// X-Goog-Upload-File-Name; tus's Upload-Metadata "filename" or "name";
// X-File-Name, X-Filename, Slug; and, for a PUT or a download, the last
// segment of the URL's path when it has an extension.
Upload UploadOf(const HttpHead& request, const HttpHead* response = nullptr);

// The MIME head the door puts before a body it inspects, so that the
// engine reads a multipart form's parts, names and files as it reads mail:
// the body's Content-Type and Content-Disposition (control bytes dropped).
std::string UploadHead(const Upload& upload);
std::string UploadHead(std::string_view content_type);

// A body with its Content-Encoding undone: at most `limit` bytes.
struct Decoded {
  std::string bytes;
  // Why the rest could not be read: a coding the door does not know, or an
  // expansion past `limit` ("" when all was read).
  std::string unread;
  // Why the body is damaged (a complete body whose coding does not decode
  // to its end: what the server would read is unknown).
  std::string damaged;
};
// Why a body of these codings (in the order applied) is read as it came
// ("" when Decode undoes the last applied): a coding the door does not
// read, or more than four.
std::string CodingNotRead(const std::vector<std::string>& encodings);

// Codings read: gzip, x-gzip, deflate (zlib or raw), br, zstd. With
// `complete` false the body is only begun: an early end is not damage.
Decoded Decode(const std::vector<std::string>& encodings, std::string_view body,
               uint64_t limit, bool complete);

// What the engine reads of an upload's body, and what stood in its way.
struct Reading {
  // The entity for the engine; "" when it is UploadHead(upload) followed by
  // the body as it came (nothing to decode or translate).
  std::string entity;
  std::string malformed;  // why the body is framed to slip past inspection
  std::string unread;     // why part of it could not be read
};
// Decodes the body (Decode, at most `limit` bytes), then reads a form's
// fields (FormText) and JSON (JsonText) as text, and a multipart body whose
// framing does not match its boundary (checked when `complete`) as plain
// text: it hides nothing.
Reading ReadUpload(const Upload& upload, std::string_view body, bool complete,
                   uint64_t limit);

// ReadUpload of a whole body, as an entity (the CLI's `verdict --channel
// web`, the fuzz target).
std::string UploadEntity(const Upload& upload, std::string_view body,
                         uint64_t limit = uint64_t{64} << 20);
std::string UploadEntity(std::string_view content_type, std::string_view body);

// An application/x-www-form-urlencoded body as text for the engine: each
// field on a line as "name: value", '+' a space, %XX decoded.
std::string FormText(std::string_view body);

// A JSON body (application/json, or any type ending in +json) as text for
// the engine: each string, number and boolean on a line as "key: value"
// (the key of the value, or of the array it is in), its escapes decoded
// ("\u0035" is "5"), so that a page script's upload is read as a form's
// is. Nesting costs no stack. A body that is not JSON, or that stops
// (cut at the inspection bound), gives what was read, then the rest as it
// is: nothing is hidden.
std::string JsonText(std::string_view body);

// Whether `content_type` names JSON.
bool IsJsonType(std::string_view content_type);

// Whether a body of Content-Type `type` is framed as its type says: for a
// multipart type, the boundary opens a part and closes the body. True for
// other types.
bool MultipartFramed(std::string_view type, std::string_view body);

// Why a multipart body is not framed as strictly as a browser frames it
// (the classes ModSecurity calls MULTIPART_STRICT_ERROR): no boundary, a
// quote not closed, a space at a quoted boundary's edge, a bare LF, data
// before the first boundary or after the closing one, a missing closing
// boundary, a boundary line not ended by CRLF, a part's header fields that
// never end, more than 1,000 parts. "" when it is, and for other types. A
// parser that reads such a body otherwise than the engine does could be
// handed what the engine never saw.
std::string MultipartProblem(std::string_view type, std::string_view body);

}  // namespace steward::icap
