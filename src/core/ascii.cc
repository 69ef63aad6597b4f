// AsciiLower (core/text.h), apart from the rest of text.cc so that code built
// without GLib (the directory's password module) can use it.
#include <string>
#include <string_view>

namespace steward::core {

void AppendAsciiLower(std::string& out, std::string_view s) {
  for (char c : s)
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string AsciiLower(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  AppendAsciiLower(r, s);
  return r;
}

}  // namespace steward::core
