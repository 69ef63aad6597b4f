// The engine as doors use it: the compiled-pattern cache, and limits on
// hostile input that end in a not-inspected finding naming the limit.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

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

namespace steward::engine {
namespace {

// The golden student exports, each with its own header spellings: one
// student-extract that counts all 300 rows and says what each column holds.
TEST(Tables, AStudentExportIsOneExtractWhateverItsHeaderSpelling) {
  const auto& e = steward::testing::BundledEngine();
  auto scratch = e.NewScratch();
  const fs::path cases =
      fs::path(steward::testing::SourceDir()) / "tests/golden/cases";
  for (const char* name :
       {"table-snake-case.csv", "table-camel-case.xlsx",
        "table-upper-snake.tsv", "table-sis-abbreviations.csv",
        "table-perm-id.ods", "table-html-export.html"}) {
    std::vector<inspect::Finding> extracts;
    e.ScanFile((cases / name).string(), *scratch, [&](ItemResult&& r) {
      for (auto& f : r.findings)
        if (f.category == "student-extract") extracts.push_back(f);
    });
    ASSERT_EQ(extracts.size(), 1u) << name;
    const std::string& x = extracts[0].excerpt;
    EXPECT_EQ(x.rfind("300 of 300 rows identify students (", 0), 0u)
        << name << ": " << x;
    for (const char* category : {"student-id", "date-of-birth", "phone"})
      EXPECT_NE(x.find(std::string(": ") + category), std::string::npos)
          << name << ": " << x;
  }
}

// A door's engine runs only what its rules can act on: the web door's has
// no campaigning, advertising, chain-letter or credential detectors (no web
// rule names them), keeps harassment and profanity (they count towards
// repeated conduct, C.19, on every channel), and makes the same findings
// of every category it keeps as the engine of every detector.
TEST_F(EngineTest, TheWebDoorsEngineRunsOnlyWhatAWebRuleActsOn) {
  auto all = Engine::Create({PackDir(), "", "none", false});
  engine::Options web_options{PackDir(), "", "none", false};
  web_options.channel = policy::Channel::kWeb;
  auto web = Engine::Create(web_options);
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_TRUE(web.ok()) << web.status().message();
  auto has = [](const Engine& e, const char* id) {
    for (const auto& d : e.pack().detectors)
      if (d.id == id) return true;
    return false;
  };
  for (const char* id :
       {"campaigning-model", "solicitation-model", "political-terms",
        "chain-letter-terms", "password-in-text"}) {
    EXPECT_TRUE(has(**all, id)) << id;
    EXPECT_FALSE(has(**web, id)) << id;
  }
  for (const char* id : {"threat-model", "harassment-model", "profanity-terms",
                         "ssn-formatted", "student-id-district"})
    EXPECT_TRUE(has(**web, id)) << id;
  EXPECT_EQ((*web)->pack().hash, (*all)->pack().hash);

  std::string f = (dir_ / "upload.txt").string();
  std::ofstream(f)
      << "You stupid fucking idiot. Maria's Social Security number is "
         "536-22-8145.\nI am going to kill you tomorrow after school.\n"
         "Vote for Dana Whitfield for school board on November 5th, and "
         "donate to her campaign today!\n";
  struct Seen {
    std::string category;
    uint64_t offset;
    policy::Severity severity;
    auto operator<=>(const Seen&) const = default;
  };
  auto findings = [&](const Engine& e) {
    std::multiset<Seen> got;
    auto s = e.NewScratch();
    e.ScanFile(f, *s, [&](ItemResult&& r) {
      for (const auto& x : r.findings)
        got.insert({x.category, x.location.offset, x.severity});
    });
    return got;
  };
  auto from_all = findings(**all);
  auto from_web = findings(**web);
  std::multiset<Seen> kept;  // the full engine's, of the categories kept
  std::set<std::string> categories;
  for (const auto& x : from_all) {
    categories.insert(x.category);
    bool on_web = false;
    for (const auto& d : (*web)->pack().detectors)
      on_web |= d.category == x.category;
    if (on_web) kept.insert(x);
  }
  for (const char* c : {"ssn", "threat", "political-campaigning"})
    EXPECT_TRUE(categories.count(c)) << c;
  EXPECT_TRUE(categories.count("profanity") || categories.count("harassment"));
  EXPECT_EQ(from_web, kept);
  for (const auto& x : from_web) EXPECT_NE(x.category, "political-campaigning");
}

// The abbreviations are the pack's: a district adds its own system's.
TEST_F(EngineTest, ADistrictTeachesItsOwnHeaderAbbreviations) {
  std::string csv = "Matricula,Nombre\n";
  for (int i = 0; i < 12; ++i)
    csv += std::to_string(3100200 + 7 * i) + ",Ana\n";
  const std::string file = Write("export.csv", csv);
  auto extracts = [&](const std::string& pack) {
    auto e = Engine::Create({.policy = pack, .cache_dir = "none"});
    EXPECT_TRUE(e.ok()) << e.status().message();
    if (!e.ok()) return 0;
    auto s = (*e)->NewScratch();
    int n = 0;
    (*e)->ScanFile(file, *s, [&](ItemResult&& r) {
      for (const auto& f : r.findings) n += f.category == "student-extract";
    });
    return n;
  };
  EXPECT_EQ(extracts(PackDir()), 0);
  fs::path p = dir_ / "pack";
  fs::create_directories(p);
  std::ofstream(p / "pack.toml")
      << "include = [\"" << PackDir() << "/clauses.toml\", \"" << PackDir()
      << "/categories.toml\", \"" << PackDir() << "/lexicons.toml\", \""
      << PackDir() << "/detectors.toml\", \"tables.toml\"]\n"
      << "[pack]\nname = \"d\"\n[bulk_extract]\ncategory = "
         "\"student-extract\"\nfrom = [\"student-id\"]\n";
  std::ofstream(p / "tables.toml")
      << "[tables.abbreviations]\nMatricula = \"student id\"\n";
  EXPECT_EQ(extracts(p.string()), 1);
}

}  // namespace
}  // namespace steward::engine
