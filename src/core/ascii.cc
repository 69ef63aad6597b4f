// AsciiLower (core/text.h), apart from the rest of text.cc so that code built
// without GLib (the directory's password module) can use it.
#include <string>
#include <string_view>

namespace steward::core {

std::string AsciiLower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

}  // namespace steward::core
