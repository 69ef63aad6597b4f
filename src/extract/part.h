// What extraction yields: the decoded texts of an item, each with its place in
// the item's part tree and its view, plus the parts that could not be read and
// why. Extraction knows nothing of detectors or policy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/view.h"

namespace steward::extract {

// Bounds on hostile input. Hitting one is a result (a Skipped entry), never a
// crash.
struct Limits {
  uint64_t max_item_bytes = 64ull << 20;
  uint32_t max_depth = 16;  // nested message/rfc822
  uint32_t max_parts = 2000;
  uint64_t max_part_bytes = 32ull << 20;
  // Documents and archives.
  uint32_t max_members = 10000;  // archive members and document parts, total
  uint64_t max_expanded_bytes = 256ull << 20;  // decompressed, per item
  uint32_t max_ratio = 200;   // decompressed : compressed, per member
  uint32_t max_pages = 2000;  // PDF pages read
  uint32_t max_seconds = 30;  // wall time per item
  // Whether legacy formats may be handed to helper programs (catdoc,
  // xls2csv, catppt, unrtf); without them those parts are not inspected.
  bool helpers = true;
  // Whether to produce the "addresses" view (From, To, Cc, Reply-To).
  // Building it formats every address; skipped when nothing reads it.
  bool address_view = true;
  // Whether attachments and other parts that are not the message's own
  // text are read. Off for showing a message to a person: each such part is
  // then a Skipped entry ("an attachment ... not opened"), and only text
  // and HTML body parts are decoded.
  bool read_documents = true;
};

// Where in a part's text a place of the document starts: a page, a sheet
// cell, a slide, a table row. Findings take the label of the last anchor at
// or before them.
struct Anchor {
  uint64_t offset = 0;
  std::string label;  // "page 3", "Grades!B7", "row 12, column C (SSN)"
  uint32_t row = 0;   // table row (1-based, as numbered in the file); 0: none
  uint32_t col = 0;   // table column at `offset` (0-based); each tab after
                      // it is one column more
};

struct TextPart {
  std::string path;  // IMAP-style part number: "1", "2.1"; "" for plain files
  // Which text of the part this is (core/view.h). kHeaders is the header
  // block as written, with the subject, address and transport fields blanked
  // out: what a sender put in X- fields, or in lines that are no header at
  // all, is inspected too. Only views of core::View exist, so the policy
  // pack's loader knows every view extraction can produce.
  core::View view = core::View::kBody;
  std::string content_type;
  std::string filename;
  std::string text;                  // UTF-8
  std::string charset = {};          // as declared; "" when none was
  std::vector<Anchor> anchors = {};  // sorted by offset
  // A table (CSV, a sheet): its data rows and column headers, for the
  // bulk-extract rule. 0 rows: not a table.
  uint32_t table_rows = 0;
  std::vector<std::string> columns = {};
};

// Something about a part that is a finding of its own, whatever its text
// says: an executable, a type that lies, macros, scripts in a PDF.
struct Flag {
  std::string path;
  std::string category;  // a pack category: executable, type-mismatch, ...
  std::string detail;    // plain words, shown to the reader
};

// A part, or the rest of an item, that was not inspected.
struct Skipped {
  std::string path;
  std::string content_type;
  std::string filename;
  std::string reason;  // plain words: "PDF documents are not read yet"
};

// What a mail door needs of the outer message's header, beside its text:
// who it says it is from, its marks (a secure-send tag or header), and
// whether its content is encrypted (and so could not be read). Empty for
// items that are not messages.
struct MessageFacts {
  bool is_message = false;
  std::vector<std::string> from;  // From addresses, lower case
  // The From addresses are not all known: more than were kept, or a From
  // or Sender field cut from an oversized header. A check of who may send
  // as whom cannot clear such a message.
  bool from_unread = false;
  std::string subject;  // decoded
  std::string message_id;
  // The Date field as seconds since 1970 (UTC); 0 when absent or unreadable.
  int64_t date = 0;
  // To and Cc addresses, lower case; at most 200.
  std::vector<std::string> to;
  // Header fields as name (lower case) and unfolded value, in order; at
  // most 200.
  std::vector<std::pair<std::string, std::string>> headers;
  // S/MIME enveloped data, PGP/MIME, or an inline PGP message as the body.
  bool encrypted = false;
  bool signed_ = false;  // multipart/signed or S/MIME signed-data
  // The value of header `name` (lower case); "" when absent.
  std::string Header(std::string_view name) const;
};

struct Extracted {
  MessageFacts message;
  std::vector<TextPart> texts;
  std::vector<Skipped> skipped;
  std::vector<Flag> flags;
  std::vector<Skipped> images;  // counted and typed; their text is not read
  uint32_t parts = 0;           // MIME parts seen (for summaries and tests)
};

}  // namespace steward::extract
