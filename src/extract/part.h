// What extraction yields: the decoded texts of an item, each with its place in
// the item's part tree and its view, plus the parts that could not be read and
// why. Extraction knows nothing of detectors or policy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace steward::extract {

// Bounds on hostile input. Hitting one is a result (a Skipped entry), never a
// crash.
struct Limits {
  uint64_t max_item_bytes = 64ull << 20;
  uint32_t max_depth = 16;  // nested message/rfc822
  uint32_t max_parts = 2000;
  uint64_t max_part_bytes = 32ull << 20;
  // Whether to produce the "addresses" view (From, To, Cc, Reply-To).
  // Building it formats every address; skipped when nothing reads it.
  bool address_view = true;
};

struct TextPart {
  std::string path;  // IMAP-style part number: "1", "2.1"; "" for plain files
  // body; subject; headers (the header block as written, with the subject,
  // address and transport fields blanked out: what a sender put in X-
  // fields, or in lines that are no header at all, is inspected too);
  // addresses; filename (an attachment's name)
  std::string view;
  std::string content_type;
  std::string filename;
  std::string text;          // UTF-8
  std::string charset = {};  // as declared; "" when none was
};

// A part, or the rest of an item, that was not inspected.
struct Skipped {
  std::string path;
  std::string content_type;
  std::string filename;
  std::string reason;  // plain words: "PDF documents are not read yet"
};

struct Extracted {
  std::vector<TextPart> texts;
  std::vector<Skipped> skipped;
  uint32_t parts = 0;  // MIME parts seen (for summaries and tests)
};

}  // namespace steward::extract
