// Every OneRoster set in the shared corpora loads; bad rows are reported with
// file and line; nobody's password survives.
#include "roster/oneroster.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;

TEST(OneRosterCorpus, EverySetLoads) {
  std::string dir = steward::testing::Corpus("oneroster");
  STEWARD_SKIP_IF_EMPTY(dir, "oneroster");
  int sets = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_directory()) continue;
    ++sets;
    auto r = roster::LoadOneRoster(e.path().string());
    ASSERT_TRUE(r.ok()) << e.path() << ": " << r.status().message();
    std::printf("%s: OneRoster %s, %zu people, %zu rows reported\n",
                e.path().filename().c_str(), r->version.c_str(),
                r->people.size(), r->issues.size());
    for (const auto& i : r->issues) std::printf("  %s\n", i.ToString().c_str());
    EXPECT_GT(r->people.size(), 0u);
    for (const auto& i : r->issues) {
      EXPECT_GT(i.line, 1u);
      EXPECT_FALSE(i.file.empty());
    }
    // Passwords such as "Password1-" never become identifiers or names.
    for (const auto& p : r->people)
      for (const auto& id : p.identifiers)
        EXPECT_EQ(id.find("Password"), std::string::npos);
  }
  EXPECT_EQ(sets, 4);
}

TEST(OneRosterCorpus, NamesFromARealExportMatch) {
  std::string dir = steward::testing::Corpus("oneroster/Test_full_data_set");
  STEWARD_SKIP_IF_EMPTY(dir, "oneroster/Test_full_data_set");
  const auto& eng = steward::testing::BundledEngine(dir);
  auto s = eng.NewScratch();
  auto r = eng.InspectPlainText("t", "Mary Jones missed the quiz.", *s);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].category, "roster-student");
}

}  // namespace
}  // namespace steward
