// Fuzzes the ICAP parser (channels/icap/protocol.h) as a connection feeds
// it: the input in pieces of sizes taken from its first byte, every step
// taken, previews continued or finished by turns. The parser must never
// crash, hold more than its limits plus one piece, or give body bytes that
// are not in the input. Each request's encapsulated head is then read as
// the door reads it: its host, its upload (UploadOf: type, codings, the
// file's name from Dropbox, tus or Google fields, a piece's range), the
// MIME head made from it (printable lines, one blank line at its end: no
// field of the request can add a header or end it early), and a continue
// link's token (never accepted: the key is the fuzzer's own).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/icap/continue.h"
#include "channels/icap/protocol.h"
#include "channels/icap/upload.h"

namespace {

void ReadHead(const std::string& block) {
  using namespace steward::icap;
  auto h = ParseHttpHead(block);
  if (!h) return;
  (void)HostOf(*h);
  const std::string head = UploadHead(UploadOf(*h));
  const size_t end = head.find("\r\n\r\n");
  if (end == std::string::npos || end + 4 != head.size()) std::abort();
  for (size_t i = 0; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(head[i]);
    if (c == '\r' && head[i + 1] != '\n') std::abort();
    if (c == '\n' && head[i - 1] != '\r') std::abort();
    if (c != '\r' && c != '\n' && (c < 0x20 || c > 0x7e)) std::abort();
  }
  static const Continues continues(std::string(32, 'k'));
  (void)TargetPath(h->target);
  auto claim =
      continues.Verify(QueryValue(h->target, "t"), Continues::Clock::now());
  if (claim.ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  steward::icap::Limits limits;
  limits.max_head_bytes = 4096;
  limits.max_fields = 20;
  limits.max_chunk_line = 64;
  steward::icap::Parser p(limits);
  using Kind = steward::icap::Parser::Kind;
  size_t at = 0;
  bool flip = false;
  uint64_t body = 0;
  for (int steps = 0; steps < 1000000; ++steps) {
    auto s = p.Next();
    if (s.kind == Kind::kError) {
      int st = p.error().status;
      if (st != 400 && st != 413 && st != 501 && st != 505) std::abort();
      break;
    }
    if (s.kind == Kind::kData) {
      body += s.data.size();
      if (s.data.empty() || body > in.size()) std::abort();
    }
    if (s.kind == Kind::kPreviewEnd) {
      flip = !flip;
      flip ? p.Continue() : p.Finish();
    }
    if (s.kind == Kind::kHead) {
      const auto& r = p.request();
      if (r.req_hdr.size() + r.res_hdr.size() > limits.max_head_bytes)
        std::abort();
      ReadHead(r.req_hdr);
    }
    if (s.kind != Kind::kNeedMore) continue;
    if (p.buffered() > limits.max_head_bytes + piece + 8) std::abort();
    if (at >= in.size()) break;
    p.Append(in.substr(at, piece));
    at += piece;
  }
  return 0;
}
