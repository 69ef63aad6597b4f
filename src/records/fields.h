// What the records module accepts from people, and how it writes JSON:
// text is valid UTF-8 with something visible in it, bounded; a JSON dump
// never throws (invalid bytes in stored text become U+FFFD).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/text.h"

namespace steward::records {

// One line: visible text, no control characters, at most `max` bytes.
inline bool OneLine(std::string_view s, size_t max = 500) {
  return s.size() <= max && s.find_first_not_of(" \t") != s.npos &&
         core::IsValidUtf8(s) && !core::HasControlChars(s);
}

// Several lines (a description, a determination): line ends and tabs, no
// other control characters, at most `max` bytes.
inline bool Prose(std::string_view s, size_t max) {
  if (s.size() > max || s.find_first_not_of(" \t\r\n") == s.npos ||
      !core::IsValidUtf8(s))
    return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
      return false;
  return true;
}

inline std::string Json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace steward::records
