// Rewriting a message part by part (GMime): the basis of redaction for
// release. Every header field's decoded value and every leaf part's
// decoded content is handed to the caller, who keeps it, gives its new
// text, or withholds the part; the message is then written again with the
// new text encoded afresh (UTF-8, quoted-printable or base64), so nothing
// of the old bytes survives in a part that was changed. Multipart
// preambles and epilogues, which no reader shows, are dropped. Nested
// messages are rewritten the same way, to Limits::max_depth.
//
// The output depends only on the input and the edits: the same message
// and the same edits give the same bytes (boundaries are kept).
//
// Thread-safe once InitMime() has run (it is called for you).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "extract/part.h"

namespace steward::extract {

// One leaf part as the caller sees it.
struct LeafPart {
  std::string path;          // IMAP-style part number, as ExtractMessage
  std::string content_type;  // lower case, "text/plain"
  std::string filename;      // UTF-8; "" when none
  bool text = false;         // text/*: `content` is UTF-8
  std::string_view content;  // decoded (transfer encoding, and charset for
                             // text)
};

// What becomes of a leaf part.
struct PartEdit {
  enum class Kind { kKeep, kReplace, kReplaceBytes, kWithhold };
  Kind kind = Kind::kKeep;
  // kReplace: the part's new text (UTF-8; the part keeps its type, a text
  // part). kReplaceBytes: the part's new content, any bytes (the part keeps
  // its type; base64). kWithhold: the notice that takes the part's place,
  // a text/plain part with no file name.
  std::string text;
  // kReplace and kKeep: a new file name; "" keeps the old one.
  std::string filename;
};

struct RewriteEdits {
  // A header field's decoded value (UTF-8) → its new value, or the same
  // value to keep it. `name` as written ("Subject"). Fields of MIME
  // structure (Content-Type, Content-Transfer-Encoding, MIME-Version,
  // Content-Disposition) are not offered: their file names go through
  // `part`.
  std::function<std::string(std::string_view name, std::string_view value)>
      header;
  std::function<PartEdit(const LeafPart&)> part;
};

struct Rewritten {
  std::string bytes;     // the whole message, CRLF kept as GMime writes it
  uint32_t changed = 0;  // fields and parts whose text changed
  uint32_t withheld = 0;
};

// Rewrites `bytes`. An error names what could not be read (a message GMime
// cannot parse, too many parts, nesting too deep): nothing is released from
// a message that could not be read whole.
core::Result<Rewritten> RewriteMessage(std::string_view bytes,
                                       const RewriteEdits& edits,
                                       const Limits& limits);

}  // namespace steward::extract
