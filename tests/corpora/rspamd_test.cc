// Real-world-shaped mail from rspamd's functional tests: every message gets a
// result (findings or not-inspected), nothing crashes, and nothing hangs.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;

TEST(RspamdMessages, EveryMessageScans) {
  std::string dir = steward::testing::Corpus("rspamd-messages");
  STEWARD_SKIP_IF_EMPTY(dir, "rspamd-messages");
  const auto& eng = steward::testing::BundledEngine();
  auto scratch = eng.NewScratch();
  size_t files = 0, items = 0, findings = 0, errors = 0;
  double worst = 0;
  std::string worst_name;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".eml") continue;
    ++files;
    auto t0 = std::chrono::steady_clock::now();
    eng.ScanFile(e.path().string(), *scratch, [&](engine::ItemResult&& r) {
      ++items;
      findings += r.findings.size();
      errors += !r.error.empty();
    });
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (s > worst) worst = s, worst_name = e.path().filename().string();
  }
  std::printf(
      "rspamd-messages: %zu files, %zu items, %zu findings, %zu unreadable; "
      "slowest %s %.3f s\n",
      files, items, findings, errors, worst_name.c_str(), worst);
  EXPECT_GT(files, 150u);
  EXPECT_EQ(items, files);
  EXPECT_EQ(errors, 0u);
  // A hang guard, not a speed test: benchmarks live in bench/.
  EXPECT_LT(worst, 30.0) << worst_name;
}

}  // namespace
}  // namespace steward
