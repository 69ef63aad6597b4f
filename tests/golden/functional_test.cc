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

// Measured 2026-12-07, evening (docs/detection.md, with the models of
// policy/models trained again with the former independent files m, n and
// o, the encoder's second opinion, threat-model at 0.52 and the trigger
// lists chosen by scripts/triggers.py): the suite's held-out fifth, which
// neither the word lists nor the models were tuned or trained on (threat
// 0.71 / 2.5 %, harassment 0.59 / 3.8 %, campaigning 0.52 / 0.0 %,
// solicitation 0.26 / 0.6 %).
TEST(FunctionalSuite, ConductFloorsOnTheHeldOutFifth) {
  CheckFloors("functional", "held-out",
              {{"threat", {0.68, 0.05}},
               {"harassment", {0.55, 0.05}},
               {"political-campaigning", {0.40, 0.03}},
               {"solicitation", {0.25, 0.03}}});
}

// Cases written apart from the patterns by three writers who had read
// neither them nor any training file, and never tuned or trained on: the
// figures a district should expect (*.p.tsv, *.q.tsv and *.r.tsv
// together; measured 2026-12-07 with these models, after they were
// chosen: threat 0.62 with 6.0 % of twins flagged, harassment 0.56 /
// 3.2 %, campaigning 0.63 / 0.7 %, solicitation 0.38 / 5.3 %; with the
// models before, 0.61 / 5.1 %, 0.51 / 2.0 %, 0.47 / 1.3 %, 0.38 / 10.0 %).
TEST(FunctionalSuite, ConductFloorsOnTheIndependentSuite) {
  CheckFloors("functional/independent", "all",
              {{"threat", {0.58, 0.07}},
               {"harassment", {0.52, 0.045}},
               {"political-campaigning", {0.58, 0.02}},
               {"solicitation", {0.33, 0.07}}});
}

// Written as training data by two more writers (*.j.tsv), and a former
// independent set once it had been looked at (*.h.tsv); kept from the
// models. Its tuning part chose trigger words, its held-out fifth is the
// figure (2026-12-07, evening: threat 0.77 / 3.4 %, harassment 0.46 /
// 1.8 %).
TEST(FunctionalSuite, ConductFloorsOnTheDevelopmentSuite) {
  CheckFloors("functional/development", "held-out",
              {{"threat", {0.75, 0.05}}, {"harassment", {0.40, 0.025}}});
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
