// A milter that decides nothing: the door's protocol and connections
// (channels/milter) with an answer of "accept" for every message. Beside
// Postfix alone and Steward, it shows what any milter costs Postfix on
// this machine before a byte is inspected.
//
//   null_milter unix:PATH|inet:HOST:PORT     (runs until SIGTERM or SIGINT)
#include <cstdio>

#include "channels/milter/event_loop.h"
#include "core/signals.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: null_milter unix:PATH|inet:HOST:PORT\n");
    return 2;
  }
  steward::milter::EventLoop loop;
  steward::milter::LoopOptions options;
  options.listen = argv[1];
  options.socket_mode = 0666;
  if (auto st = loop.Listen(options); !st.ok()) {
    std::fprintf(stderr, "null_milter: %s\n", st.message().c_str());
    return 2;
  }
  auto st = steward::core::RunUntilStopped(
      [&] {
        loop.Run(
            [](steward::milter::Message&) { return steward::milter::Answer(); },
            [] { return uint64_t{64} << 20; }, nullptr);
      },
      [] {}, [&] { loop.Stop(); });
  return st.ok() ? 0 : 2;
}
