#include "weblog/log.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace steward::weblog {

namespace {

// Splits on runs of spaces and tabs; true when `n` fields were found.
template <size_t N>
bool Fields(std::string_view line, std::array<std::string_view, N>& out) {
  size_t i = 0, n = 0;
  while (n < N) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) return false;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    out[n++] = line.substr(start, i - start);
  }
  return true;
}

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Whole decimal number up to `max`; false otherwise.
bool Number(std::string_view s, uint64_t max, uint64_t& out) {
  if (!Digits(s) || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  if (v > max) return false;
  out = v;
  return true;
}

bool Address(std::string_view s, std::array<uint8_t, 16>& out) {
  if (s.empty() || s.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out.fill(0);
    out[10] = out[11] = 0xff;
    std::memcpy(&out[12], &v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, buf, out.data()) == 1;
}

}  // namespace

std::string_view HostOf(std::string_view url) {
  std::string_view rest = url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  } else if (rest.find('/') != std::string_view::npos ||
             rest.find(':') == std::string_view::npos ||
             rest.starts_with("error:")) {
    // No scheme: only CONNECT's "host:port" names a host.
    return {};
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos)
    rest.remove_prefix(at + 1);
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return {};
    return rest.substr(1, close - 1);
  }
  rest = rest.substr(0, rest.find(':'));
  return rest;
}

core::Result<Entry> ParseLine(std::string_view line) {
  std::array<std::string_view, 10> f;
  if (!Fields(line, f)) return core::Status::Corrupt("fewer than 10 fields");
  Entry e;
  // time: seconds, optionally ".mmm".
  std::string_view secs = f[0].substr(0, f[0].find('.'));
  if (secs.size() < f[0].size() && !Digits(f[0].substr(secs.size() + 1)))
    return core::Status::Corrupt("time is not a number");
  uint64_t t = 0;
  // Up to the year 9999.
  if (!Number(secs, 253402300799ull, t))
    return core::Status::Corrupt("time is not a number");
  e.time = static_cast<int64_t>(t);
  uint64_t elapsed = 0;
  if (!Number(f[1], UINT64_MAX, elapsed))
    return core::Status::Corrupt("elapsed time is not a number");
  e.client = f[2];
  e.has_addr = Address(f[2], e.addr);
  size_t slash = f[3].find('/');
  if (slash == std::string_view::npos || slash == 0)
    return core::Status::Corrupt("no code/status");
  e.code = f[3].substr(0, slash);
  uint64_t status = 0;
  if (!Number(f[3].substr(slash + 1), 999, status))
    return core::Status::Corrupt("status is not a number");
  e.status = static_cast<uint32_t>(status);
  if (!Number(f[4], UINT64_MAX / 4, e.bytes))
    return core::Status::Corrupt("bytes is not a number");
  e.method = f[5];
  e.url = f[6];
  e.host = HostOf(f[6]);
  e.user = f[7] == "-" ? std::string_view() : f[7];
  if (f[8].find('/') == std::string_view::npos)
    return core::Status::Corrupt("no peerstatus/peerhost");
  return e;
}

}  // namespace steward::weblog
