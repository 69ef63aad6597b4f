// Roster names found by their words (inspect/word_literals.h) against the
// same literals through Hyperscan, over arbitrary text: the golden roster,
// whose names the golden cases hold, and every span must be the same. A
// difference aborts, so libFuzzer keeps the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "bundled_engine.h"
#include "inspect/matcher.h"
#include "policy/loader.h"
#include "roster/oneroster.h"

using namespace steward;

namespace {

struct Pair {
  std::unique_ptr<inspect::Matcher> by_word, by_hyperscan;
  std::unique_ptr<inspect::Matcher::Scratch> word_scratch, hs_scratch;
};

Pair Make() {
  auto pack = policy::LoadPack(testing::PackDir(), {.compile_patterns = false});
  auto loaded = roster::LoadOneRoster(std::string(STEWARD_SOURCE_DIR) +
                                      "/tests/golden/roster");
  if (!pack.ok() || !loaded.ok()) std::abort();
  auto roster =
      std::make_shared<const roster::Roster>(std::move(loaded).value());
  auto a = inspect::Matcher::Build(pack.pack, roster, {});
  auto b = inspect::Matcher::Build(pack.pack, roster, {.names_by_word = false});
  if (!a.ok() || !b.ok()) std::abort();
  Pair p{std::move(a).value(), std::move(b).value()};
  p.word_scratch = p.by_word->NewScratch();
  p.hs_scratch = p.by_hyperscan->NewScratch();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Pair m = Make();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<inspect::Span> a, b;
  m.by_word->Find(text, core::View::kBody, *m.word_scratch, a);
  m.by_hyperscan->Find(text, core::View::kBody, *m.hs_scratch, b);
  auto same = [](const inspect::Span& x, const inspect::Span& y) {
    return x.detector == y.detector && x.begin == y.begin && x.end == y.end &&
           x.people == y.people;
  };
  if (a.size() != b.size() ||
      !std::equal(a.begin(), a.end(), b.begin(), same)) {
    std::fprintf(stderr, "fuzz_names: %zu spans by word, %zu by Hyperscan\n",
                 a.size(), b.size());
    std::abort();
  }
  return 0;
}
