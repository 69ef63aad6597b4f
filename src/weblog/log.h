// Squid's access.log in its native format (logformat `squid`, the default):
//
//   time elapsed remotehost code/status bytes method URL rfc931 peer type
//   1733212800.123     45 10.1.2.3 TCP_MISS/200 5120 GET
//   http://www.youtube.com/watch? alice HIER_DIRECT/1.2.3.4 text/html
//
// ParseLine reads one line into an Entry whose text fields are views into
// the line; fields after the tenth (log_mime_hdrs) are ignored. A line that
// is not of that form is an error naming what is wrong, never a crash: the
// parser reads arbitrary bytes of any length. Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace steward::weblog {

struct Entry {
  int64_t time = 0;         // seconds since 1970 (UTC), fraction dropped
  std::string_view client;  // remotehost as written
  std::array<uint8_t, 16>
      addr{};               // the client as IPv6 (IPv4 as ::ffff:a.b.c.d)
  bool has_addr = false;    // false: remotehost is a name (log_fqdn)
  std::string_view code;    // "TCP_MISS"
  uint32_t status = 0;      // HTTP status, 0 when Squid logged "-"/000
  uint64_t bytes = 0;       // sent to the client
  std::string_view method;  // "GET", "CONNECT"
  std::string_view url;     // as logged (the query stripped by Squid)
  std::string_view host;    // URL's host, no port or brackets; "" if none
  std::string_view user;    // rfc931 or proxy user; "" when Squid wrote "-"
};

// One line, without its line end. Invalid (the reason, in a few words) when
// the line is not a native-format record.
core::Result<Entry> ParseLine(std::string_view line);

// The host of a logged URL: "http://user@Host:8080/x" gives "Host",
// "host:443" (CONNECT) gives "host", "[2001:db8::1]:443" gives "2001:db8::1";
// "" for what has none ("error:invalid-request", "-").
std::string_view HostOf(std::string_view url);

}  // namespace steward::weblog
