// steward: one binary, a subcommand per door.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <system_error>

#include "channels/cli/commands.h"

#ifdef STEWARD_JEMALLOC
// jemalloc's settings, read at its start. Requests over 8 MiB would go to
// an arena that hands their pages back at once (oversize_threshold), and
// the doors allocate such buffers for every large upload or message: a
// 50 MB upload through the web door then took 33,000 page faults and 30 %
// more CPU (docs/performance.md). Kept with the other sizes, they are
// reused and returned after the usual decay.
// Transparent huge pages for jemalloc's memory (thp:always, metadata too
// when it grows): a district's roster read from the cache fills some
// 200 MB at once, and faulting it in 4 KiB pages took most of its time
// (100,000 people ready in 0.29-0.53 s instead of 0.64-0.74 s; a small
// scan takes 5 MB more).
// A background thread returns freed pages after the usual decay even when
// nothing else is allocated: without it, a door that had held a burst of
// large messages kept their pages until its next allocations (rounds of
// unfinished 10 MiB messages against a 128 MiB budget left 250 MB
// resident for good; with it, 68 MB ten seconds later).
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's
__attribute__((used, visibility("default"))) const char* malloc_conf =
    "oversize_threshold:0,thp:always,metadata_thp:auto,background_thread:"
    "true";
}
#endif

namespace {

int Main(int argc, char** argv) {
  // Before any thread of ours: the sentence encoder opens OpenBLAS with one
  // thread (src/inspect/encoder.cc says why), and OpenBLAS reads this.
  // Set here, the environment does not change once threads run.
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  CLI::App app{
      "Steward: enforces the District's technology-use regulation where data "
      "leaves, finds what already broke it, and cites the clause."};
  app.require_subcommand(1);
  app.set_version_flag("--version", STEWARD_VERSION);
  std::function<int()> run;
  steward::cli::RegisterScan(app, run);
  steward::cli::RegisterPolicy(app, run);
  steward::cli::RegisterExtract(app, run);
  steward::cli::RegisterGovernance(app, run);
  steward::cli::RegisterDemo(app, run);
  steward::cli::RegisterVerdict(app, run);
  steward::cli::RegisterMail(app, run);
  steward::cli::RegisterWeb(app, run);
  steward::cli::RegisterRecords(app, run);
  steward::cli::RegisterSite(app, run);
  steward::cli::RegisterDirectory(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return steward::cli::ParseFailed(app, e);
  }
  try {
    return run ? run() : 2;
  } catch (const std::system_error& e) {
    // `steward scan ... | head`: the reader left; end quietly, as other tools
    // do.
    if (e.code().value() == EPIPE) return 141;
    return steward::cli::Uncaught(e);
  } catch (const std::exception& e) {
    return steward::cli::Uncaught(e);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (...) {  // nothing may escape main, not even from setting up
    std::fputs("steward: internal error\n", stderr);
    return 2;
  }
}
