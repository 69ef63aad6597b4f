// roster_cost: what a roster costs the matcher, found by its words (the
// word table, inspect/word_literals.h) and through a Hyperscan literal
// database (as before it), side by side on the same pack, roster and text:
// the time to read the roster, to build each, the memory each adds, and how
// fast the pack's roster detectors alone go over FILE in 4 MB pieces, with
// a check that both found the same spans.
//   roster_cost PACK_DIR ROSTER FILE [--no-hyperscan]
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/text.h"
#include "inspect/matcher.h"
#include "policy/loader.h"
#include "roster/oneroster.h"

using namespace steward;

namespace {

double Secs(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

// Resident memory now, in MB (/proc/self/statm).
double ResidentMb() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE) / 1e6;
}

struct Run {
  double build_s = 0, mb = 0, find_s = 0;
  size_t spans = 0, literals = 0;
  uint64_t digest = 0;  // of every span found, in order
};

Run Measure(const policy::PackPtr& pack,
            const std::shared_ptr<const roster::Roster>& roster, bool by_word,
            std::string_view data, const std::string& cache) {
  Run r;
  double before = ResidentMb();
  auto t0 = std::chrono::steady_clock::now();
  auto m = inspect::Matcher::Build(
      pack, roster, {.cache_dir = cache, .names_by_word = by_word});
  r.build_s = Secs(t0);
  if (!m.ok()) {
    fmt::print(stderr, "roster_cost: {}\n", m.status().message());
    std::exit(2);
  }
  r.mb = ResidentMb() - before;
  r.literals = (*m)->stats().literals;
  auto scratch = (*m)->NewScratch();
  std::vector<inspect::Span> spans;
  constexpr size_t kPiece = 4u << 20;
  t0 = std::chrono::steady_clock::now();
  for (size_t at = 0; at < data.size(); at += kPiece) {
    spans.clear();
    (*m)->Find(data.substr(at, kPiece), core::View::kBody, *scratch, spans);
    for (const auto& s : spans) {
      if (s.people < 0) continue;
      ++r.spans;
      r.digest = r.digest * 1000003 + (at + s.begin) * 31 + s.end + s.detector;
    }
  }
  r.find_s = Secs(t0);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr,
               "usage: roster_cost PACK_DIR ROSTER FILE [--no-hyperscan]\n");
    return 2;
  }
  bool hyperscan = !(argc > 4 && std::strcmp(argv[4], "--no-hyperscan") == 0);
  auto pack = policy::LoadPack(argv[1], {.compile_patterns = false});
  if (!pack.ok()) {
    fmt::print(stderr, "roster_cost: the pack does not load\n");
    return 2;
  }
  // The pack's own databases compiled first, into a new cache folder, so
  // the builds below time the roster alone (a Hyperscan roster database is
  // compiled, not read from a cache).
  char dir[] = "/tmp/roster-cost.XXXXXX";
  if (!mkdtemp(dir)) return 2;
  const std::string cache = dir;
  if (!inspect::Matcher::Build(pack.pack, nullptr, {.cache_dir = cache}).ok())
    return 2;
  double before = ResidentMb();
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = roster::LoadOneRoster(argv[2]);
  double load_s = Secs(t0);
  if (!loaded.ok()) {
    fmt::print(stderr, "roster_cost: {}\n", loaded.status().message());
    return 2;
  }
  auto roster =
      std::make_shared<const roster::Roster>(std::move(loaded).value());
  double roster_mb = ResidentMb() - before;
  auto data = core::ReadFile(argv[3], size_t{4} << 30);
  if (!data.ok()) {
    fmt::print(stderr, "roster_cost: {}\n", data.status().message());
    return 2;
  }
  const double size_mb = static_cast<double>(data->size()) / 1e6;
  fmt::print("roster: {} people, read in {:.2f} s, {:.0f} MB\n",
             roster->people.size(), load_s, roster_mb);
  fmt::print("| roster names found | build s | memory MB | MB/s | spans |\n");
  fmt::print("|---|---:|---:|---:|---:|\n");
  // The pack's roster detectors alone, so the rate is the names' own.
  auto names = std::make_shared<policy::PolicyPack>(*pack.pack);
  std::erase_if(names->detectors, [](const policy::Detector& d) {
    return d.kind != policy::DetectorKind::kRoster;
  });
  const policy::PackPtr names_only = names;
  Run word = Measure(names_only, roster, true, *data, cache);
  fmt::print("| by their words | {:.2f} | {:.0f} | {:.0f} | {} |\n",
             word.build_s, word.mb, size_mb / word.find_s, word.spans);
  fmt::print("({} literals)\n", word.literals);
  auto done = [&](int code) {
    std::error_code ec;
    std::filesystem::remove_all(cache, ec);
    return code;
  };
  if (!hyperscan) return done(0);
  Run hs = Measure(names_only, roster, false, *data, cache);
  fmt::print("| Hyperscan literals | {:.2f} | {:.0f} | {:.0f} | {} |\n",
             hs.build_s, hs.mb, size_mb / hs.find_s, hs.spans);
  bool same = hs.spans == word.spans && hs.digest == word.digest;
  fmt::print("same spans: {}\n", same ? "yes" : "NO");
  return done(same ? 0 : 1);
}
