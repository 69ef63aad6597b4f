// Fuzzes the ICAP parser (channels/icap/protocol.h) as a connection feeds
// it: the input in pieces of sizes taken from its first byte, every step
// taken, previews continued or finished by turns. The parser must never
// crash, hold more than its limits plus one piece, or give body bytes that
// are not in the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "channels/icap/protocol.h"

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
    }
    if (s.kind != Kind::kNeedMore) continue;
    if (p.buffered() > limits.max_head_bytes + piece + 8) std::abort();
    if (at >= in.size()) break;
    p.Append(in.substr(at, piece));
    at += piece;
  }
  return 0;
}
