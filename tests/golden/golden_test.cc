// The golden corpus: every file in tests/golden/cases/ beside a `.expect`
// file is scanned, and its findings must meet the expectations. Adding a case
// is adding two files. Expectation lines:
//   expect CATEGORY [severity=S] [clauses=A,B] [part=P] [line=N] [view=V]
//   [where=W ('_' for spaces)]
//   [count=N] absent CATEGORY only                      (no category beyond
//   those expected) roster                    (scan with tests/golden/roster)
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name, item, expect;
};

fs::path CasesDir() {
  return fs::path(steward::testing::SourceDir()) / "tests/golden/cases";
}

// Each `.expect` with the input beside it (same name, another extension).
// An `.expect` without exactly one input is left out here and fails
// GoldenCorpus.EveryExpectationHasOneInput.
std::vector<Case> Cases() {
  std::vector<Case> out;
  fs::path dir = CasesDir();
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".expect") continue;
    fs::path stem = e.path();
    stem.replace_extension();
    std::vector<fs::path> inputs;
    for (const auto& f : fs::directory_iterator(dir))
      if (f.path() != e.path() && f.path().stem() == stem.filename())
        inputs.push_back(f.path());
    if (inputs.size() == 1)
      out.push_back(
          {stem.filename().string(), inputs[0].string(), e.path().string()});
  }
  std::sort(out.begin(), out.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

// The number of golden cases: a case lost (renamed input, stray extension)
// changes it. Adding a case is adding two files and raising this.
constexpr size_t kGoldenCases = 44;

TEST(GoldenCorpus, EveryExpectationHasOneInputAndEveryInputItsExpectation) {
  std::map<std::string, std::vector<std::string>> by_stem;
  for (const auto& f : fs::directory_iterator(CasesDir()))
    by_stem[f.path().stem().string()].push_back(f.path().extension().string());
  for (const auto& [stem, exts] : by_stem) {
    size_t expects = std::count(exts.begin(), exts.end(), ".expect");
    EXPECT_EQ(expects, 1u) << stem << ": an input without its .expect";
    EXPECT_EQ(exts.size() - expects, 1u)
        << stem << ".expect: needs exactly one input beside it, has "
        << exts.size() - expects;
  }
  EXPECT_EQ(Cases().size(), kGoldenCases);
  EXPECT_EQ(by_stem.size(), kGoldenCases);
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, FindingsMeetExpectations) {
  const Case& c = GetParam();
  std::ifstream in(c.expect);
  std::string line;
  bool only = false, roster = false;
  std::vector<std::vector<std::string>> expects;
  std::set<std::string> absent, expected_cats;
  int lineno = 0;
  std::vector<std::pair<int, std::string>> raw;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::vector<std::string> tok;
    for (std::string t; ss >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (tok[0] == "only")
      only = true;
    else if (tok[0] == "roster")
      roster = true;
    else if (tok[0] == "absent" && tok.size() == 2)
      absent.insert(tok[1]);
    else if (tok[0] == "expect" && tok.size() >= 2) {
      expects.push_back(tok);
      expected_cats.insert(tok[1]);
      raw.emplace_back(lineno, line);
    } else {
      FAIL() << c.expect << ":" << lineno << ": cannot read '" << line << "'";
    }
  }
  std::string roster_dir =
      roster ? steward::testing::SourceDir() + "/tests/golden/roster" : "";
  const auto& eng = steward::testing::BundledEngine(roster_dir);
  auto scratch = eng.NewScratch();
  std::vector<engine::ItemResult> items;
  eng.ScanFile(c.item, *scratch,
               [&](engine::ItemResult&& r) { items.push_back(std::move(r)); });
  std::vector<const inspect::Finding*> all;
  for (const auto& it : items)
    for (const auto& f : it.findings) all.push_back(&f);
  std::string got;
  for (const auto* f : all)
    got += "  " + f->category + " " +
           std::string(policy::SeverityName(f->severity)) +
           " part=" + f->location.part + " view=" + f->location.view +
           " line=" + std::to_string(f->location.line) +
           " where=" + f->location.where + " " + f->excerpt + "\n";
  for (size_t i = 0; i < expects.size(); ++i) {
    const auto& tok = expects[i];
    size_t matches = 0;
    size_t want_count = 0;
    for (const auto* f : all) {
      if (f->category != tok[1]) continue;
      bool ok = true;
      for (size_t k = 2; k < tok.size() && ok; ++k) {
        auto eq = tok[k].find('=');
        std::string key = tok[k].substr(0, eq), val = tok[k].substr(eq + 1);
        if (key == "severity")
          ok = policy::SeverityName(f->severity) == val;
        else if (key == "part")
          ok = f->location.part == val;
        else if (key == "line")
          ok = std::to_string(f->location.line) == val;
        else if (key == "view")
          ok = f->location.view == val;
        else if (key == "where") {  // '_' stands for a space
          std::string w = val;
          std::replace(w.begin(), w.end(), '_', ' ');
          ok = f->location.where == w;
        } else if (key == "count")
          want_count = std::stoul(val);
        else if (key == "clauses") {
          std::istringstream cs(val);
          for (std::string cl; std::getline(cs, cl, ',');)
            ok &= std::find(f->clauses.begin(), f->clauses.end(), cl) !=
                  f->clauses.end();
        } else {
          ADD_FAILURE() << c.expect << ": unknown key " << key;
        }
      }
      matches += ok;
    }
    if (want_count)
      EXPECT_EQ(matches, want_count) << c.expect << ":" << raw[i].first << ": "
                                     << raw[i].second << "\ngot:\n"
                                     << got;
    else
      EXPECT_GT(matches, 0u) << c.expect << ":" << raw[i].first << ": "
                             << raw[i].second << "\ngot:\n"
                             << got;
  }
  for (const auto* f : all) {
    EXPECT_FALSE(absent.count(f->category))
        << c.item << ": unexpected " << f->category << ": " << f->excerpt;
    if (only) {
      EXPECT_TRUE(expected_cats.count(f->category))
          << c.item << ": unexpected " << f->category << ": " << f->excerpt;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           std::string n = i.param.name;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace steward
