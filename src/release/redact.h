// Redaction for release (clause D.1, Gov. Code 7922.000): values that an
// exemption covers are removed from a message, not hidden. Each value is
// replaced by "[REDACTED: <label>]" naming the exemption; a part whose
// values cannot be removed in place (an attachment that is a document, an
// HTML part where a value is split by markup) is withheld whole, replaced by
// a notice naming the exemptions. The result is checked before it is
// returned: every decoded header, text part and attachment text of the new
// message, and its raw bytes, are searched for every value, and a message
// in which one survives is an error, never a result.
//
// Which values: the engine's findings of every category a pack exemption
// lists (policy/records.toml, `categories`), plus the custodian's own marks
// (a name, a phrase) with the exemption they cite.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/engine.h"

namespace steward::release {

// A value to remove and the exemption it is withheld under.
struct Mark {
  std::string value;      // as found; matched in any ASCII case
  std::string category;   // the finding's category, or "custodian"
  std::string exemption;  // the exemption's code
  std::string label;      // what the text reads instead
};

// One line of the redaction log: in one place of one message, how many
// values of one kind were withheld, and under what.
struct LogEntry {
  std::string part;   // MIME part number, "" for the message's own header
  std::string where;  // "Subject", "text/plain", "attachment IEP.pdf"
  std::string category;
  std::string exemption;
  uint32_t count = 0;
  bool withheld = false;  // the whole part was withheld
};

struct Redacted {
  std::string bytes;
  std::vector<LogEntry> log;
  uint32_t values = 0;    // values replaced
  uint32_t withheld = 0;  // parts withheld whole
};

// The marks for one message: the findings of `engine` (made with
// show_values) whose category an exemption lists, then `extra`. Duplicates
// are dropped; values shorter than 3 bytes are refused (they would take
// ordinary text with them), so are values that hold no letter or digit.
core::Result<std::vector<Mark>> MarksFor(const engine::Engine& engine,
                                         std::string_view message,
                                         const std::vector<Mark>& extra,
                                         engine::Engine::Scratch& scratch);

// `text` with every mark's value replaced by "[REDACTED: label]", the
// longest values first; counts[i] grows by the replacements of marks[i].
std::string ReplaceMarks(std::string_view text, const std::vector<Mark>& marks,
                         std::vector<uint32_t>* counts);

// Where any mark's value still is in `message`: "Subject", "part 2
// (text/html)", "raw bytes" ...; empty when nowhere.
std::vector<std::string> Leaks(std::string_view message,
                               const std::vector<Mark>& marks,
                               const extract::Limits& limits);

// Redacts `message` under `marks`. An error when the message cannot be
// read whole or when a value would survive.
core::Result<Redacted> RedactMessage(std::string_view message,
                                     const std::vector<Mark>& marks,
                                     const extract::Limits& limits);

}  // namespace steward::release
