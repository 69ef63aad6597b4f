// Floors on the conduct detectors over the functional suite
// (tests/golden/functional): recall on each category's cases and the share
// of their twins flagged, on the held-out fifth the patterns were not tuned
// on, and on the whole suite. docs/detection.md has the figures; raise the
// floors when they rise.
#include <gtest/gtest.h>

#include "conduct_eval.h"
#include "test_util.h"

namespace steward::testing {
namespace {

struct Floor {
  double recall, max_flagged;
};

// Scores one suite folder and checks each category's part against floors.
void CheckFloors(const std::string& folder, const std::string& part,
                 const std::map<std::string, Floor>& floors) {
  std::vector<SuiteCase> cases;
  std::string err;
  ASSERT_TRUE(ReadSuite(SourceDir() + "/tests/golden/" + folder, cases, &err))
      << err;
  RunSuite(BundledEngine(), cases);
  auto s = ScoreSuite(cases);
  std::printf("%s\n%s", folder.c_str(), SuiteTable(s).c_str());
  for (const auto& [cat, f] : floors) {
    const auto& x = s[cat][part];
    EXPECT_GT(x.positives, 0u) << folder << " " << cat;
    EXPECT_GE(x.Recall(), f.recall) << folder << " " << cat << " " << part;
    EXPECT_LE(x.FlagRate(), f.max_flagged)
        << folder << " " << cat << " " << part;
  }
}

// Measured 2026-12-07, night (docs/detection.md, with the encoder tuned
// with its head, policy/models/conduct.tune, the head weighed 0.75,
// threat-model at 0.5 and harassment-model at 0.3): the suite's held-out
// fifth, which the models were not trained on, though their settings (the
// head's weight, the thresholds, the tuning's epochs) were chosen on it
// (threat 0.76 / 2.6 %, harassment 0.60 / 2.6 %, campaigning 0.52 / 0.0 %,
// solicitation 0.26 / 0.6 %).
TEST(FunctionalSuite, ConductFloorsOnTheHeldOutFifth) {
  CheckFloors("functional", "held-out",
              {{"threat", {0.73, 0.045}},
               {"harassment", {0.57, 0.045}},
               {"political-campaigning", {0.40, 0.03}},
               {"solicitation", {0.25, 0.03}}});
}

// Cases written apart from the patterns by writers who had read neither
// them nor any training file, and never tuned or trained on: the figures a
// district should expect (*.s.tsv and *.t.tsv for threats and insults,
// *.r.tsv for campaigning and solicitation; measured 2026-12-07, night,
// once, after the settings were chosen: threat 0.75 with 11.2 % of twins
// flagged, harassment 0.58 / 4.0 %, campaigning 0.63 / 0.7 %,
// solicitation 0.38 / 5.3 %; with the models before the encoder was
// tuned, threat 0.69 / 11.2 % and harassment 0.57 / 5.0 %).
TEST(FunctionalSuite, ConductFloorsOnTheIndependentSuite) {
  CheckFloors("functional/independent", "all",
              {{"threat", {0.71, 0.13}},
               {"harassment", {0.54, 0.055}},
               {"political-campaigning", {0.58, 0.02}},
               {"solicitation", {0.33, 0.07}}});
}

// Written as training data by two more writers (*.j.tsv), and former
// independent sets once they had been looked at (*.h.tsv; *.p.tsv and
// *.q.tsv since 2026-12-07, night); kept from the models. Its tuning part
// chose trigger words and the tuned encoder's settings, its held-out fifth
// is the figure (2026-12-07, night: threat 0.78 / 4.7 %, harassment 0.50 /
// 1.4 %).
TEST(FunctionalSuite, ConductFloorsOnTheDevelopmentSuite) {
  CheckFloors("functional/development", "held-out",
              {{"threat", {0.75, 0.06}}, {"harassment", {0.46, 0.025}}});
}

class SuiteFiles : public TempDirTest {};

TEST_F(SuiteFiles, AMalformedLineNamesFileAndLine) {
  Write("threat.tsv", "threat\tdirect\tI will\nthreat only two\n");
  std::vector<SuiteCase> cases;
  std::string err;
  EXPECT_FALSE(ReadSuite(dir_.string(), cases, &err));
  EXPECT_NE(err.find("threat.tsv:2:"), std::string::npos) << err;
}

}  // namespace
}  // namespace steward::testing
