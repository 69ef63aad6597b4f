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
  struct Floor {
    size_t labels;     // spans of this type in the set: all must be read
    double precision;  // < 0: no detector for the set's labels; then no
                       // false positive is allowed instead
    double recall;
  };
  // Measured 2026-11-28 (docs/performance.md).
  const std::map<std::string, Floor> floors = {
      {"US_SSN", {16, 0.95, 0.95}},
      {"CREDIT_CARD", {136, 0.95, 0.95}},
      {"PHONE_NUMBER", {92, 0.95, 0.85}},
      {"EMAIL_ADDRESS", {49, 0.95, 0.95}},
      {"STREET_ADDRESS", {598, 0.95, 0.38}},
      // The set's five licences are other states' formats; the pack reads
      // California's. None may be mistaken for one.
      {"US_DRIVER_LICENSE", {5, -1, 0.0}},
      {"ALL", {896, 0.95, 0.55}},
  };
  // Every type scored has a floor.
  for (const auto& [type, sc] : s)
    EXPECT_TRUE(floors.count(type)) << type << " has no floor";
  for (const auto& [type, f] : floors) {
    ASSERT_TRUE(s.count(type)) << type << " was not scored";
    const Score& sc = s.at(type);
    EXPECT_EQ(sc.Labels(), f.labels) << type;
    if (f.precision < 0)
      EXPECT_EQ(sc.fp, 0u) << type;
    else
      EXPECT_GE(sc.Precision(), f.precision) << type;
    EXPECT_GE(sc.Recall(), f.recall) << type;
  }
}

}  // namespace
}  // namespace steward::testing
