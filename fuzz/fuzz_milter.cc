// Fuzzes the milter protocol (channels/milter/protocol.h) as the MTA's side
// of a connection: bytes fed in pieces of every size the input chooses,
// every message answered in turn with each kind of answer. It aborts when
// a message keeps more than it may, when the door writes a packet that
// does not frame, or when a reply line is not safe for SMTP.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/milter/protocol.h"

namespace {

// Every packet the door wrote frames exactly, and every SMTP reply is
// printable ASCII.
void CheckOutput(const std::string& out) {
  size_t pos = 0;
  while (pos < out.size()) {
    if (out.size() - pos < 5) std::abort();
    const auto* u = reinterpret_cast<const unsigned char*>(out.data() + pos);
    const uint32_t len = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
                         (uint32_t{u[2]} << 8) | u[3];
    if (len == 0 || out.size() - pos - 4 < len) std::abort();
    const char command = out[pos + 4];
    if (command == 'y') {
      std::string_view text(out.data() + pos + 5, len - 1);
      if (text.empty() || text.back() != '\0') std::abort();
      text.remove_suffix(1);
      for (size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = text[i];
        const bool crlf =
            (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ||
            (c == '\n' && i > 0 && text[i - 1] == '\r');
        if (!crlf && (c < 0x20 || c >= 0x7f)) std::abort();
      }
    }
    pos += 4 + len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using steward::milter::Answer;
  using steward::milter::Conversation;
  // The first byte: the socket kind and how many bytes a message keeps.
  const bool unix_socket = data[0] & 1;
  const uint64_t keep = 64u << ((data[0] >> 1) & 7);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  Conversation c(unix_socket, keep);
  size_t step = 1, answered = 0;
  while (!rest.empty()) {
    const size_t n = std::min(rest.size(), step);
    c.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
    step = step * 3 % 4093 + 1;
    for (;;) {
      const Conversation::Next next = c.Process();
      if (next == Conversation::Next::kMessage) {
        if (c.message().bytes.size() > keep) std::abort();
        if (c.message().size < c.message().bytes.size()) std::abort();
        Answer a;
        a.kind = static_cast<Answer::Kind>(answered++ % 4);
        a.code = a.kind == Answer::Kind::kTempfail ? "451" : "550";
        a.xcode = a.kind == Answer::Kind::kTempfail ? "4.3.0" : "5.7.1";
        a.text = c.message().bytes.substr(0, 2000);
        a.fields = {{"X-Steward-Verdict", "allow"}};
        c.Reply(a);
        continue;
      }
      if (next != Conversation::Next::kNeedMore) {
        if (next == Conversation::Next::kError && c.error().empty())
          std::abort();
        CheckOutput(c.output());
        return 0;
      }
      break;
    }
    if (c.pending() > steward::milter::kMaxPacket + 4) std::abort();
  }
  CheckOutput(c.output());
  return 0;
}
