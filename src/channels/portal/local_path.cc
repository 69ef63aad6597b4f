#include "channels/portal/local_path.h"

namespace steward::portal {

namespace {

constexpr size_t kMaxPath = 2048;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One round of percent-decoding; false when an escape is malformed.
bool Decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

// The checks every form of the value must pass.
bool Safe(std::string_view s) {
  if (s.empty() || s[0] != '/') return false;
  if (s.size() > 1 && (s[1] == '/' || s[1] == '\\')) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '\\') return false;
  }
  // The path: no empty segment ("//") and no dot segment.
  std::string_view path = s.substr(0, s.find_first_of("?#"));
  size_t at = 1;
  while (at <= path.size()) {
    size_t slash = path.find('/', at);
    std::string_view segment =
        path.substr(at, slash == std::string_view::npos ? std::string_view::npos
                                                        : slash - at);
    if (segment == "." || segment == "..") return false;
    if (segment.empty() && slash != std::string_view::npos) return false;
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return true;
}

}  // namespace

std::string SafeLocalPath(std::string_view next) {
  if (next.empty() || next.size() > kMaxPath) return "/";
  // As written: printable ASCII only (a browser would drop or re-encode the
  // rest, and drops tabs and line breaks before parsing).
  for (unsigned char c : next) {
    if (c <= 0x20 || c >= 0x7f) return "/";
  }
  std::string form(next), decoded;
  for (int round = 0; round < 4; ++round) {
    if (!Safe(form)) return "/";
    if (form.find('%') == std::string::npos) return std::string(next);
    if (round == 3 || !Decode(form, &decoded)) return "/";
    form.swap(decoded);
  }
  return "/";
}

}  // namespace steward::portal
