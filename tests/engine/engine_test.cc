// The engine as doors use it: the compiled-pattern cache, and limits on
// hostile input that end in a not-inspected finding naming the limit.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace steward::engine {
namespace {

namespace fs = std::filesystem;
using steward::testing::PackDir;

class EngineTest : public steward::testing::TempDirTest {
 protected:
  // A pack that includes the bundled files, with its own [limits].
  std::string PackWithLimits(const std::string& limits) {
    fs::path p = dir_ / "pack";
    fs::create_directories(p);
    std::ofstream(p / "pack.toml")
        << "include = [\"" << PackDir() << "/clauses.toml\", \"" << PackDir()
        << "/categories.toml\", \"" << PackDir() << "/lexicons.toml\", \""
        << PackDir() << "/detectors.toml\", \"" << PackDir()
        << "/rules.toml\"]\n[pack]\nname = \"limits\"\n[limits]\n"
        << limits;
    return p.string();
  }
};

TEST_F(EngineTest, CompiledDatabasesAreCachedAndACorruptCacheIsRebuilt) {
  std::string cache = (dir_ / "cache").string();
  auto first = Engine::Create({PackDir(), "", cache, false});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE((*first)->inspector().matcher().stats().pattern_db_cached);
  auto second = Engine::Create({PackDir(), "", cache, false});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->inspector().matcher().stats().pattern_db_cached);
  // Garbage in every cached file: the engine recompiles and still works.
  for (const auto& e : fs::directory_iterator(cache))
    std::ofstream(e.path(), std::ios::trunc) << "not a database";
  auto third = Engine::Create({PackDir(), "", cache, false});
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE((*third)->inspector().matcher().stats().pattern_db_cached);
  auto s = (*third)->NewScratch();
  auto r = (*third)->InspectPlainText("t", "SSN 536-22-8145", *s);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].category, "ssn");
}

TEST_F(EngineTest, AnItemOverTheSizeLimitIsNotInspectedAndSaysWhy) {
  auto e = Engine::Create(
      {PackWithLimits("max_item_bytes = 100\n"), "", "none", false});
  ASSERT_TRUE(e.ok()) << e.status().message();
  std::string big = (dir_ / "big.txt").string();
  std::ofstream(big) << std::string(500, 'a') << " SSN 536-22-8145\n";
  auto s = (*e)->NewScratch();
  std::vector<ItemResult> items;
  (*e)->ScanFile(big, *s,
                 [&](ItemResult&& r) { items.push_back(std::move(r)); });
  ASSERT_EQ(items.size(), 1u);
  ASSERT_EQ(items[0].findings.size(), 1u);
  EXPECT_EQ(items[0].findings[0].category, "not-inspected");
  EXPECT_NE(items[0].findings[0].excerpt.find("limit of 100 bytes"),
            std::string::npos);
}

TEST_F(EngineTest, InAnMboxTheLimitAppliesPerMessage) {
  auto e = Engine::Create(
      {PackWithLimits("max_item_bytes = 200\n"), "", "none", false});
  ASSERT_TRUE(e.ok());
  std::string mbox = (dir_ / "m.mbox").string();
  std::ofstream(mbox)
      << "From a Mon Sep  1 08:00:00 2026\nSubject: big\n\n"
      << std::string(400, 'x') << "\n\n"
      << "From b Mon Sep  1 08:00:00 2026\nSubject: small\n\nSSN 536-22-8145\n";
  auto s = (*e)->NewScratch();
  std::vector<ItemResult> items;
  (*e)->ScanFile(mbox, *s,
                 [&](ItemResult&& r) { items.push_back(std::move(r)); });
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(steward::testing::Categories(items[0]),
            (std::vector<std::string>{"not-inspected"}));
  EXPECT_EQ(steward::testing::Categories(items[1]),
            (std::vector<std::string>{"ssn"}));
}

TEST_F(EngineTest, ABadPackIsAnErrorListingEveryProblem) {
  std::ofstream(dir_ / "pack.toml")
      << "[pack]\nname = \"x\"\n[[clause]]\nid = \"bad id\"\n";
  auto e = Engine::Create({dir_.string(), "", "none", false});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("pack.toml:3"), std::string::npos)
      << e.status().message();
  EXPECT_NE(e.status().message().find("not-inspected"), std::string::npos);
}

}  // namespace
}  // namespace steward::engine

namespace steward::engine {
namespace {

// A district may load a published word list at run time; LDNOOBW's English
// list is the test input. Its terms are found (also spelled with leetspeak),
// and everyday school mail stays clean.
TEST_F(EngineTest, ADistrictWordListLoadsAtRunTime) {
  std::string list = steward::testing::Corpus("ldnoobw/en");
  STEWARD_SKIP_IF_EMPTY(list, "ldnoobw/en");
  std::string pack = PackWithLimits("");
  std::ofstream(fs::path(pack) / "pack.toml", std::ios::app)
      << "[[lexicon]]\nid = \"ldnoobw-en\"\nfile = \"" << list << "\"\n"
      << "[[detector]]\nid = \"ldnoobw\"\nkind = \"lexicon\"\n"
      << "category = \"profanity\"\nlexicons = [\"ldnoobw-en\"]\n"
      << "fold_obfuscation = true\nconfidence = 0.8\n";
  auto e = Engine::Create({pack, "", "none", false});
  ASSERT_TRUE(e.ok()) << e.status().message();
  auto s = (*e)->NewScratch();
  auto hit = (*e)->InspectPlainText(
      "t", "that was apesh1t and a real arsehole move", *s);
  int found = 0;
  for (const auto& f : hit.findings) found += f.detector == "ldnoobw";
  EXPECT_EQ(found, 2);
  std::string clean =
      steward::testing::ReadAll(steward::testing::SourceDir() +
                                "/tests/golden/cases/clean-newsletter.txt");
  // "as" folds like "ass": in a text that shows signs of obfuscation
  // elsewhere (the "www" of an address) it must still not count.
  auto none = (*e)->InspectPlainText(
      "t",
      clean +
          " Class of 2026, Scunthorpe, assessment. See www.example.org as "
          "soon as you can.",
      *s);
  for (const auto& f : none.findings)
    ADD_FAILURE() << f.detector << ": " << f.excerpt;
}

}  // namespace
}  // namespace steward::engine
