// Floors on detector accuracy over Presidio's labelled synthetic sentences,
// so that accuracy cannot silently fall. The current figures are in
// docs/performance.md; raise the floors when they rise.
#include "accuracy.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace steward::testing {
namespace {

TEST(Accuracy, PresidioSyntheticFloors) {
  std::string dir = Corpus("presidio-synth/synth_dataset_v2.json");
  STEWARD_SKIP_IF_EMPTY(dir, "presidio-synth/synth_dataset_v2.json");
  std::string err;
  auto s = EvaluatePresidio(BundledEngine(), dir, &err);
  ASSERT_TRUE(err.empty()) << err;
  std::printf("%s", ScoreTable(s).c_str());
  const std::map<std::string, std::pair<double, double>> floors = {
      // type: {precision floor, recall floor}; measured 2026-11-28.
      {"US_SSN", {0.95, 0.95}},         {"CREDIT_CARD", {0.95, 0.95}},
      {"PHONE_NUMBER", {0.95, 0.85}},   {"EMAIL_ADDRESS", {0.95, 0.95}},
      {"STREET_ADDRESS", {0.95, 0.38}}, {"ALL", {0.95, 0.55}},
  };
  for (const auto& [type, f] : floors) {
    EXPECT_GE(s[type].Precision(), f.first) << type;
    EXPECT_GE(s[type].Recall(), f.second) << type;
  }
}

}  // namespace
}  // namespace steward::testing
