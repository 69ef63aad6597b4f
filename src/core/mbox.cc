#include "core/mbox.h"

#include <strings.h>

#include <cstring>
#include <ctime>

#include "core/hash.h"

namespace steward::core {

namespace {

// A field mail programs rewrite as a message is read or flagged.
bool StateField(std::string_view line) {
  static constexpr std::string_view kFields[] = {
      "status:",           "x-status:",         "x-uid:",
      "x-imapbase:",       "x-imap:",           "x-keywords:",
      "x-mozilla-status:", "x-mozilla-status2:"};
  for (std::string_view f : kFields)
    if (line.size() >= f.size() &&
        strncasecmp(line.data(), f.data(), f.size()) == 0)
      return true;
  return false;
}

}  // namespace

bool IsHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 76) return false;
  for (size_t i = 0; i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

void ForEachMboxRecord(
    std::string_view bytes,
    const std::function<bool(const MboxRecord&)>& on_record) {
  // The next "From " at the start of a line at or after `pos` (a line
  // starts at 0 or after '\n'), found by its 'F': as fast as a search per
  // line end (docs/performance.md; both are where the pages are first
  // read), faster than memmem, and with fewer calls.
  auto next_from = [&](size_t pos) -> size_t {
    const char* data = bytes.data();
    const size_t size = bytes.size();
    while (pos < size) {
      const void* hit = memchr(data + pos, 'F', size - pos);
      if (hit == nullptr) return std::string_view::npos;
      size_t at = static_cast<size_t>(static_cast<const char*>(hit) - data);
      if ((at == 0 || data[at - 1] == '\n') &&
          bytes.compare(at, 5, "From ") == 0)
        return at;
      pos = at + 1;
    }
    return std::string_view::npos;
  };
  MboxRecord cur;
  bool open = false;
  size_t pos = 0;
  while ((pos = next_from(pos)) != std::string_view::npos) {
    // A separator follows a blank line (or starts the file).
    if (!(pos == 0 || (pos >= 2 && bytes[pos - 2] == '\n') ||
          (pos >= 3 && bytes[pos - 2] == '\r' && bytes[pos - 3] == '\n'))) {
      pos += 5;
      continue;
    }
    if (open) {
      cur.end = pos;
      if (!on_record(cur)) return;
    }
    size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) return;
    cur.from = pos;
    cur.start = eol + 1;
    std::string_view line = bytes.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    cur.from_line = line;
    open = true;
    pos = cur.start;
  }
  if (open && cur.start < bytes.size()) {
    cur.end = bytes.size();
    on_record(cur);
  }
}

bool LooksLikeMbox(std::string_view head) {
  if (head.compare(0, 5, "From ") != 0) return false;
  size_t nl = head.find('\n');
  if (nl == std::string_view::npos) return false;
  size_t nl2 = head.find('\n', nl + 1);
  std::string_view second = head.substr(
      nl + 1, nl2 == std::string_view::npos ? head.npos : nl2 - nl - 1);
  if (!IsHeaderLine(second)) return false;
  // "From the Superintendent" / "Re: budget" is a letter: an mbox's "From "
  // line ends in a date, or is followed by a field only mail has.
  std::string_view first = head.substr(0, nl);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (MboxFromLineTime(first) > 0) return true;
  static constexpr std::string_view kMailFields[] = {
      "return-path:", "received:", "delivered-to:",
      "from:",        "date:",     "message-id:",
      "x-",           "to:",       "subject:",
      "mime-version:"};
  for (std::string_view f : kMailFields)
    if (second.size() >= f.size() &&
        strncasecmp(second.data(), f.data(), f.size()) == 0)
      return true;
  return false;
}

namespace {

// The pieces of a message's record, in order: its header lines but the
// state fields, then its body without the mbox's separating blank line.
void WalkRecord(std::string_view message,
                const std::function<void(std::string_view)>& piece) {
  size_t pos = 0;
  bool dropping = false;
  while (pos < message.size()) {
    size_t nl = message.find('\n', pos);
    size_t next = nl == std::string_view::npos ? message.size() : nl + 1;
    std::string_view line = message.substr(pos, next - pos);
    std::string_view bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r'))
      bare.remove_suffix(1);
    if (bare.empty()) break;  // the end of the header
    bool folded = line[0] == ' ' || line[0] == '\t';
    if (!folded) dropping = StateField(line);
    if (!dropping) piece(line);
    pos = next;
  }
  std::string_view body = message.substr(pos);
  // The separator before the next message is the mbox's, not the message's.
  if (body.size() >= 4 && body.substr(body.size() - 4) == "\r\n\r\n")
    body.remove_suffix(2);
  else if (body.size() >= 2 && body.substr(body.size() - 2) == "\n\n")
    body.remove_suffix(1);
  piece(body);
}

}  // namespace

std::string MboxMessageBytes(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  WalkRecord(message, [&](std::string_view p) { out.append(p); });
  return out;
}

std::string MboxRecordSha256(std::string_view message) {
  Sha256 h;
  WalkRecord(message, [&](std::string_view p) { h.Update(p); });
  return h.HexDigest();
}

int64_t MboxFromLineTime(std::string_view from_line) {
  // "From SENDER Www Mmm dd hh:mm:ss yyyy": the last five words.
  std::string line(from_line);
  size_t end = line.size();
  size_t at = end;
  for (int words = 0; words < 5 && at != std::string::npos; ++words) {
    at = line.find_last_of(' ', at == 0 ? 0 : at - 1);
    while (at != std::string::npos && at > 0 && line[at - 1] == ' ') --at;
  }
  if (at == std::string::npos) return 0;
  struct tm tm {};
  const char* rest = strptime(line.c_str() + at, " %a %b %d %H:%M:%S %Y", &tm);
  if (rest == nullptr) return 0;
  time_t t = timegm(&tm);
  return t < 0 ? 0 : static_cast<int64_t>(t);
}

}  // namespace steward::core
