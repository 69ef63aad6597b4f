// Fuzzes what turns request and store values into header lines: the
// X-Forwarded-For scan behind a trusted proxy (it once looped for ever on an
// empty hop), and the outbound-mail composer (no value may add a line).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/http/server.h"
#include "core/outbound_mail.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // The client's address is the peer or one of the hops, nothing else.
  const std::string peer = "10.0.0.1";
  std::string client = steward::http::Server::ClientAddress(
      peer, text, {"10.0.0.0/8", "2001:db8::/32"});
  if (client != peer && text.find(client) == std::string::npos) std::abort();

  // A message built from hostile values: the header holds exactly the
  // fields the composer writes, each line plain ASCII, and a line that does
  // not start one of them continues the one above.
  steward::core::OutboundMessage m;
  m.from = {"steward@example-usd.org", text.substr(0, size / 3)};
  m.to = {{"ateacher@example-usd.org", text.substr(size / 3, size / 3)}};
  m.subject = text;
  m.extra_headers = {{"X-Steward-Notice", text.substr(size / 2)}};
  m.body = text;
  auto composed = steward::core::ComposeMessage(m);
  if (!composed.ok()) return 0;
  std::string_view msg = *composed;
  size_t end = msg.find("\n\n");
  if (end == std::string_view::npos) std::abort();
  std::string_view head = msg.substr(0, end + 1);
  static const char* kFields[] = {"From",
                                  "To",
                                  "Subject",
                                  "X-Steward-Notice",
                                  "MIME-Version",
                                  "Content-Type",
                                  "Content-Transfer-Encoding"};
  size_t at = 0;
  while (at < head.size()) {
    size_t nl = head.find('\n', at);
    std::string_view line = head.substr(at, nl - at);
    at = nl + 1;
    for (unsigned char c : line) {
      if (c < 0x20 || c >= 0x7f) std::abort();
    }
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;
    bool known = false;
    for (const char* f : kFields) {
      std::string prefix = std::string(f) + ": ";
      known |= line.substr(0, prefix.size()) == prefix;
    }
    if (!known) std::abort();
  }
  return 0;
}
