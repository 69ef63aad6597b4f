// The mbox format's framing, shared by the scanner (extract) and the records
// register (records): where each message of an mbox starts and ends, and
// what in a message is the mail program's bookkeeping rather than the
// message. Bytes only; no parsing of the messages themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace steward::core {

// One message of an mbox: [from, end) is all of it in the file, from its
// "From " line up to the next one (or the end of the file); [start, end)
// is the message without its "From " line.
struct MboxRecord {
  size_t from = 0, start = 0, end = 0;
  std::string_view
      from_line;  // "From alice@example.org Mon Oct  3 10:00:00 2022"
};

// Calls `on_record` for each message in order; stops when it returns false.
// A message starts at "From " at the start of the file or of a line after a
// blank line (as GMime's mbox mode and Dovecot agree).
void ForEachMboxRecord(std::string_view bytes,
                       const std::function<bool(const MboxRecord&)>& on_record);

// A header line: a field name of printable ASCII (at most 76 bytes), then a
// colon.
bool IsHeaderLine(std::string_view line);

// Whether a file that begins with `head` is an mbox: a "From " line, then
// a header line.
bool LooksLikeMbox(std::string_view head);

// A message as a record: without the header fields mail programs keep
// their state in (Status, X-Status, X-UID, X-IMAPbase, X-IMAP, X-Keywords,
// X-Mozilla-Status, X-Mozilla-Status2) and without the blank line that
// separates it from the next message. The same message gives the same
// bytes whether it was read, flagged or moved within the file.
std::string MboxMessageBytes(std::string_view message);

// The SHA-256 (hex) of MboxMessageBytes(message), without a copy of it.
std::string MboxRecordSha256(std::string_view message);

// The time in a "From " line ("From a@b Mon Oct  3 10:00:00 2022", read as
// UTC); 0 when there is none.
int64_t MboxFromLineTime(std::string_view from_line);

}  // namespace steward::core
