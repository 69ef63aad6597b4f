// A LIKE pattern that finds `text` anywhere, its wildcards taken literally:
// use it as `LOWER(column) LIKE ? ESCAPE '!'`. Both stores read it alike.
#pragma once

#include <string>
#include <string_view>

#include "core/text.h"

namespace steward::store {

inline std::string ContainsPattern(std::string_view text) {
  std::string like = "%";
  for (char ch : core::AsciiLower(text)) {
    if (ch == '%' || ch == '_' || ch == '!') like += '!';
    like += ch;
  }
  like += '%';
  return like;
}

}  // namespace steward::store
