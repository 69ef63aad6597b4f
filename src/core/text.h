// Text helpers shared by every module: charset conversion to UTF-8, reading
// files, and mapping byte offsets to line numbers. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace steward::core {

// Converts bytes in `charset` (an IANA name; empty means "guess") to UTF-8.
// Guessing: a UTF-8/UTF-16 BOM wins; valid UTF-8 is kept; otherwise
// windows-1252. Bytes that cannot be converted become U+FFFD, so the result is
// always valid UTF-8 and never longer than 3x the input plus a little.
std::string ToUtf8(std::string_view bytes, std::string_view charset = {});

// Decoded text as extraction hands it on: UTF-8 (ToUtf8) with CRLF and lone
// CR turned into LF, so offsets and lines mean the same for every source,
// and as Readable writes it.
std::string DecodeText(std::string_view bytes, std::string_view charset = {});

// Writes UTF-8 text as a reader reads it, for matching: drops the
// characters a reader does not see and that only split words and numbers
// (soft hyphen, zero-width and bidirectional controls, joiners, variation
// selectors, tags, Hangul fillers: U+00AD, U+034F, U+061C, U+180B-U+180F,
// U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FE00-U+FE0F, U+FEFF,
// U+E0000-U+E0FFF and a few more), writes the spaces that are not ASCII
// (no-break, thin, figure, ideographic) as ' ', the dashes and minus
// signs as '-', and every decimal digit (fullwidth, Arabic-Indic,
// Devanagari, mathematical...) as its ASCII digit. "536<U+200B>-22<U+2011>
// 1947" in fullwidth digits is read as the number it shows. Bytes that
// are not UTF-8 are kept.
void Readable(std::string& text);

// True when `s` is valid UTF-8.
bool IsValidUtf8(std::string_view s);

// Reads a whole file, refusing files larger than `max_bytes`.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes);

// Current time, moved by `offset_seconds`, as ISO-8601 UTC with seconds:
// "2026-11-28T22:10:37Z". Such strings compare in time order.
std::string NowUtc(int64_t offset_seconds = 0);
// A time in seconds since 1970 as the same ISO-8601 UTC string.
std::string IsoUtc(int64_t seconds);

// A whole file's bytes, read-only: a large file (a mailbox) is memory-mapped
// and read without copying it into memory; a small one (a Maildir message)
// is read into a buffer of its own, since mapping, faulting in and
// unmapping a few pages costs more than one read. Empty files are an empty
// view. Move-only.
//
// A mapped file that another program cuts short while it is read does not
// crash the process (core/mapping.h): bytes past the new end read as zeros,
// and cut_at() tells where they begin.
class MappedFile {
 public:
  static Result<MappedFile> Open(const std::string& path);
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::string_view data() const {
    return {static_cast<const char*>(addr_), size_};
  }
  // The offset of the first byte read as zeros because the file had shrunk
  // (a page boundary), or data().size() when everything read was the file's.
  size_t cut_at() const;

 private:
  MappedFile() = default;
  void Release();         // unmaps a mapping (after its guard)
  void* addr_ = nullptr;  // a mapping, or owned_'s bytes
  size_t size_ = 0;
  std::unique_ptr<char[]> owned_;  // a small file, read
  int guard_ = -1;                 // a mapping's slot in core/mapping.h
};

// Writes `data` to `path` atomically: a temporary file beside it, fsync,
// rename. A crash leaves either the old file or the new one, never a mix;
// writers in parallel each rename a whole file of their own.
Status WriteFileAtomic(const std::string& path, std::string_view data);

// A plausible single e-mail address ("a@b.c", no spaces or separators); for
// validating imported rows, not for parsing mail headers.
bool LooksLikeEmail(std::string_view s);

// A whole decimal integer within [min, max], from a person or the store:
// optional '-' and digits only (no spaces, no '+', no trailing text). Invalid,
// naming `what` and the range, otherwise; never throws.
//   auto days = ParseInt("14", 0, 365, "a reminder day");  // 14
Result<int64_t> ParseInt(std::string_view s, int64_t min, int64_t max,
                         std::string_view what);

// An amount of money as people write it ("1250", "$1,250.00", "129.9"),
// at most 10,000,000 with at most two decimals, as "1250.00"; Invalid naming
// `what` otherwise. No sign, no other currency.
Result<std::string> ParseDollars(std::string_view s, std::string_view what);

// A calendar date written YYYY-MM-DD that exists (no 2026-02-30) with a year
// in [min_year, max_year], as days since 1970-01-01; Invalid naming `what`
// otherwise.
Result<int64_t> ParseIsoDate(std::string_view s, int min_year, int max_year,
                             std::string_view what);

// True when `s` holds a control character (C0 including TAB, CR and LF, DEL,
// or C1 in UTF-8): such text must not reach a header line, a file name or a
// log line.
bool HasControlChars(std::string_view s);

// Text for a terminal or a report: control characters (escape sequences,
// carriage returns; C0, DEL and C1 in UTF-8) shown as '?', never sent;
// newlines kept when `newlines`.
std::string Printable(std::string_view s, bool newlines = false);
// Text shown as written (a page's <pre>): CRLF and CR line ends as '\n',
// a tab as a space, other control characters as Printable shows them.
std::string PrintableText(std::string_view s);

// Text a person typed, made safe to store and show: invalid UTF-8
// dropped; control characters (C0, DEL, C1), line and paragraph
// separators and the bidirectional controls that make text read as
// something else removed — except, with `lines`, line ends (kept as '\n')
// and tabs (as spaces); cut to at most `max_bytes` at a character.
std::string CleanText(std::string_view text, size_t max_bytes,
                      bool lines = false);

// `s` without its leading white space and invisible format characters
// (no-break and typographic spaces, zero-width characters, the byte order
// mark, filler glyphs such as U+3164): what a reader sees first.
std::string_view SkipBlank(std::string_view s);

// Whether `text` holds something to read: a character that is not white
// space, a control or an invisible format character (zero-width spaces,
// joiners, direction marks, the byte-order mark).
bool HasVisibleText(std::string_view text);

// A short field people search and compare (a serial number, a model, a
// site): typographic and no-break spaces made plain spaces, invisible
// format characters (zero-width characters, the soft hyphen, filler
// glyphs, the byte order mark) dropped, runs of spaces made one, and no
// space at either end. `text` is expected already cleaned (CleanText).
std::string CompactLine(std::string_view text);

// Characters (code points) in UTF-8 `text`.
size_t CharCount(std::string_view text);

// A person's words for a register (a report, a reason, a note): CleanText
// with line ends kept; at most `max_chars` characters (InvalidArgument
// naming `what`, never a silent cut); "" when nothing visible is left, and
// then InvalidArgument when `required`.
Result<std::string> Words(std::string_view text, size_t max_chars,
                          std::string_view what, bool required);

// The first `max` bytes of UTF-8 `s`, cut before a character, never in
// the middle of one.
std::string_view Clip(std::string_view s, size_t max);

// A refused value as a message may quote it: its first 40 bytes, printable
// ASCII (anything else, a control byte or what may not be UTF-8, is '?').
std::string Shown(std::string_view s);

// ASCII lower-casing (other bytes unchanged).
std::string AsciiLower(std::string_view s);
// AsciiLower(s) appended to `out`.
void AppendAsciiLower(std::string& out, std::string_view s);

// Lower-casing of every letter ("ÉLODIE" is "élodie"); ASCII text takes
// AsciiLower's path. Invalid UTF-8 is lower-cased as ASCII only.
std::string Lower(std::string_view s);

// '0' to '9' only (std::isdigit depends on the locale).
constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Whether the text starts with an upper-case letter, ASCII or not ("Élodie").
bool StartsUpper(std::string_view s);

// The words of a name as people write column headers and identifiers,
// lower-cased: split at spaces and punctuation (snake_case, kebab-case,
// dots), where lower case turns to upper ("studentId", "BirthDate"), before
// the last capital of a run of capitals followed by lower case ("IEPFlag"
// is "iep", "flag"; "StudentID" is "student", "id"), and between letters and
// digits ("Phone2", "504Plan"). A '#' is a word of its own ("Student #").
// Bytes of UTF-8 letters are kept as letters.
std::vector<std::string> HeaderWords(std::string_view s);

// `s` as the inside of a JSON string (core/log.h writes every string value
// through it): quotes and backslashes escaped; every control character (C0
// with NUL, TAB, CR and LF; DEL; C1) and U+2028/U+2029 as \u escapes; each
// byte that is not part of valid UTF-8 as \ufffd. The result is valid JSON
// on one line whatever `s` holds, so a value from a request or a message
// cannot break a log line or reach a terminal as a control sequence.
std::string JsonEscape(std::string_view s);

// `s` safe as HTML text or a quoted attribute value: & < > " ' as
// character references; every other byte as it is.
std::string EscapeHtml(std::string_view s);

// `s` split at `sep`, each piece stripped of spaces and tabs, empty pieces
// dropped: "a, b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitList(std::string_view s, char sep);

// The pieces with `sep` between them: Join({"a", "b"}, ", ") is "a, b".
std::string Join(const std::vector<std::string>& pieces, std::string_view sep);

// Maps byte offsets in a text to 1-based line numbers. Built once per text
// in O(n); each lookup is O(log lines).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  uint32_t LineOf(size_t offset) const;

 private:
  std::vector<size_t> starts_;
};

}  // namespace steward::core
