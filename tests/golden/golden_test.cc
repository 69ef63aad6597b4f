// The golden cases, through one runner: every NAME.expect under
// tests/golden/cases/ (in any folder) with exactly one input beside it
// (NAME.<ext>) is one test. The input is scanned as a file, or, when the
// case gives an envelope, decided as the mail door decides it; its findings
// and verdict must meet the expectations. Adding a case is adding two files;
// tests/golden/README.md describes the expectations. A line that cannot be
// read fails its case, naming the file and line.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/view.h"
#include "decide/decider.h"
#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;

// An `expect` line: findings of a category, and what they must show.
struct Expect {
  int line = 0;      // in the .expect file
  std::string text;  // the line as written
  std::string category;
  std::optional<std::string> severity, part, view, where;
  std::optional<uint32_t> at_line;
  std::vector<std::string> clauses;  // each among the finding's
  size_t count = 0;                  // exactly this many; 0: at least one
};

// A `verdict` line.
struct VerdictExpect {
  std::string action;
  std::optional<std::string> rule, release_role, exempted_by;
  std::optional<std::vector<std::string>> clauses;  // exactly, in order
};

struct Expectations {
  std::vector<Expect> expects;
  std::set<std::string> absent;
  bool only = false, roster = false;
  // The envelope (from, to, auth-user, size, smtp) and the verdict.
  std::optional<decide::Envelope> envelope;
  std::optional<VerdictExpect> verdict;
  std::vector<std::string> errors;  // "FILE:LINE: what is wrong"
};

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string x; std::getline(in, x, ',');) out.push_back(x);
  return out;
}

// Reads an expectations file; every line that cannot be read, or names a
// category, clause or rule the pack lacks, is an error naming `file` and
// the line.
Expectations Parse(std::istream& in, const std::string& file,
                   const policy::PolicyPack& pack) {
  Expectations x;
  int lineno = 0;
  int from_line = 0, verdict_line = 0;
  bool has_to = false;
  auto error = [&](const std::string& what) {
    x.errors.push_back(file + ":" + std::to_string(lineno) + ": " + what);
  };
  auto category = [&](const std::string& c) {
    if (!pack.FindCategory(c)) error("no category '" + c + "' in the pack");
  };
  auto clauses = [&](const std::string& v) {
    auto list = SplitComma(v);
    for (const auto& c : list)
      if (!pack.FindClause(c)) error("no clause '" + c + "' in the pack");
    return list;
  };
  auto number = [&](const std::string& v, int64_t min, int64_t max,
                    const std::string& what) -> int64_t {
    auto n = core::ParseInt(v, min, max, what);
    if (!n.ok()) {
      error(n.status().message());
      return min;
    }
    return *n;
  };
  // KEY=VALUE words after the first `skip`, each key once, from `keys`.
  auto pairs = [&](const std::vector<std::string>& tok, size_t skip,
                   const std::set<std::string>& keys) {
    std::map<std::string, std::string> out;
    for (size_t k = skip; k < tok.size(); ++k) {
      auto eq = tok[k].find('=');
      if (eq == std::string::npos || eq == 0) {
        error("'" + tok[k] + "' is not KEY=VALUE");
        continue;
      }
      std::string key = tok[k].substr(0, eq);
      if (!keys.count(key)) {
        std::string known;
        for (const auto& k2 : keys) known += (known.empty() ? "" : ", ") + k2;
        error("unknown key '" + key + "' (known: " + known + ")");
      } else if (!out.emplace(key, tok[k].substr(eq + 1)).second) {
        error("key '" + key + "' given twice");
      }
    }
    return out;
  };
  auto once = [&](bool given, const std::string& word) {
    if (given) error("'" + word + "' given twice");
  };

  for (std::string line; std::getline(in, line);) {
    ++lineno;
    std::istringstream ss(line);
    std::vector<std::string> tok;
    for (std::string t; ss >> t;) tok.push_back(t);
    if (tok.empty() || tok[0][0] == '#') continue;
    const std::string& word = tok[0];
    auto arity = [&](size_t n) {
      if (tok.size() - 1 == n) return true;
      error("'" + word + "' takes " +
            (n == 0 ? std::string("nothing") : std::to_string(n) + " word") +
            ", not '" + line + "'");
      return false;
    };
    if (word == "expect") {
      if (tok.size() < 2) {
        error("'expect' needs a category");
        continue;
      }
      Expect e;
      e.line = lineno;
      e.text = line;
      e.category = tok[1];
      category(e.category);
      auto kv = pairs(
          tok, 2,
          {"severity", "clauses", "part", "line", "view", "where", "count"});
      for (const auto& [key, val] : kv) {
        if (key == "severity") {
          if (!policy::ParseSeverity(val)) error("no severity '" + val + "'");
          e.severity = val;
        } else if (key == "clauses") {
          e.clauses = clauses(val);
        } else if (key == "part") {
          e.part = val;
        } else if (key == "line") {
          e.at_line = static_cast<uint32_t>(number(val, 0, UINT32_MAX, "line"));
        } else if (key == "view") {
          if (!core::ParseView(val)) error("no view '" + val + "'");
          e.view = val;
        } else if (key == "where") {  // '_' stands for a space
          std::string w = val;
          std::replace(w.begin(), w.end(), '_', ' ');
          e.where = w;
        } else if (key == "count") {
          if (val == "0")
            error("count=0: for none, write 'absent " + e.category + "'");
          else
            e.count = static_cast<size_t>(number(val, 1, 1000000, "count"));
        }
      }
      x.expects.push_back(std::move(e));
    } else if (word == "absent") {
      if (arity(1)) {
        category(tok[1]);
        x.absent.insert(tok[1]);
      }
    } else if (word == "only") {
      if (arity(0)) x.only = true;
    } else if (word == "roster") {
      if (arity(0)) x.roster = true;
    } else if (word == "from") {
      once(from_line != 0, word);
      if (!x.envelope) x.envelope.emplace();
      from_line = lineno;
      if (arity(1)) x.envelope->sender = tok[1] == "<>" ? "" : tok[1];
    } else if (word == "to") {
      if (!x.envelope) x.envelope.emplace();
      if (tok.size() < 2) error("'to' needs at least one address");
      for (size_t k = 1; k < tok.size(); ++k)
        x.envelope->recipients.push_back(tok[k]);
      has_to = true;
    } else if (word == "auth-user") {
      if (!x.envelope) x.envelope.emplace();
      once(!x.envelope->auth_user.empty(), word);
      if (arity(1)) x.envelope->auth_user = tok[1];
    } else if (word == "size") {
      if (!x.envelope) x.envelope.emplace();
      once(x.envelope->size != 0, word);
      if (arity(1))
        x.envelope->size =
            static_cast<uint64_t>(number(tok[1], 1, INT64_MAX, "size"));
    } else if (word == "smtp") {
      // Read by tests/mail/postfix_test.sh: "no" keeps the case out of the
      // real Postfix (an envelope that a real session cannot give).
      if (arity(1) && tok[1] != "yes" && tok[1] != "no")
        error("'smtp' is yes or no, not '" + tok[1] + "'");
    } else if (word == "verdict") {
      once(verdict_line != 0, word);
      verdict_line = lineno;
      if (tok.size() < 2) {
        error("'verdict' needs an action");
        continue;
      }
      VerdictExpect v;
      v.action = tok[1];
      if (!policy::ParseAction(v.action)) error("no action '" + v.action + "'");
      auto kv =
          pairs(tok, 2, {"rule", "clauses", "release-role", "exempted-by"});
      for (const auto& [key, value] : kv) {
        const std::string& val = value;  // clang 14 cannot capture a binding
        if (key == "rule") {
          bool known = std::any_of(pack.rules.begin(), pack.rules.end(),
                                   [&](const auto& r) { return r.id == val; });
          if (!known) error("no rule '" + val + "' in the pack");
          v.rule = val;
        } else if (key == "clauses") {
          v.clauses = clauses(val);
        } else if (key == "release-role") {
          v.release_role = val;
        } else if (key == "exempted-by") {
          if (!policy::ParseExemption(val)) error("no exemption '" + val + "'");
          v.exempted_by = val;
        }
      }
      x.verdict = std::move(v);
    } else {
      error("unknown word '" + word +
            "' (expect, absent, only, roster, from, to, auth-user, size, "
            "smtp, verdict)");
    }
  }
  // An envelope and a verdict come together.
  if (x.envelope && (!from_line || !has_to || !verdict_line)) {
    lineno = from_line ? from_line : lineno;
    error("an envelope needs 'from', 'to' and a 'verdict' line");
  } else if (verdict_line && !x.envelope) {
    lineno = verdict_line;
    error("a verdict needs an envelope ('from' and 'to')");
  }
  return x;
}

struct Case {
  std::string name;    // relative to the cases folder, without extension
  std::string item;    // the input
  std::string expect;  // the .expect file
  std::string shown;   // the .expect file as messages name it
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

fs::path CasesDir() {
  return fs::path(testing::SourceDir()) / "tests/golden/cases";
}

// Every file under `dir`, by folder and stem (a case's files share both).
std::map<fs::path, std::vector<fs::path>> ByStem(const fs::path& dir) {
  std::map<fs::path, std::vector<fs::path>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    fs::path stem = e.path();
    stem.replace_extension();
    out[stem].push_back(e.path());
  }
  return out;
}

// Each `.expect` with the one input beside it. A stem without exactly one
// of each is left out here and fails GoldenCorpus.EveryExpectation….
std::vector<Case> CasesIn(const fs::path& dir, const fs::path& shown_as) {
  std::vector<Case> out;
  for (const auto& [stem, files] : ByStem(dir)) {
    if (files.size() != 2) continue;
    auto e = std::find_if(files.begin(), files.end(), [](const fs::path& p) {
      return p.extension() == ".expect";
    });
    if (e == files.end()) continue;
    const fs::path& item = files[e == files.begin() ? 1 : 0];
    if (item.extension() == ".expect") continue;
    fs::path rel = fs::relative(stem, dir);
    out.push_back({rel.string(), item.string(), e->string(),
                   (shown_as / fs::relative(*e, dir)).string()});
  }
  std::sort(out.begin(), out.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

std::vector<Case> Cases() { return CasesIn(CasesDir(), "tests/golden/cases"); }

// The number of golden cases: a case lost (renamed input, stray extension)
// changes it. Adding a case is adding two files and raising this.
constexpr size_t kGoldenCases = 85;

TEST(GoldenCorpus, EveryExpectationHasOneInputAndEveryInputItsExpectation) {
  auto by_stem = ByStem(CasesDir());
  for (const auto& [stem, files] : by_stem) {
    size_t expects = std::count_if(files.begin(), files.end(), [](auto& p) {
      return p.extension() == ".expect";
    });
    std::string name = fs::relative(stem, CasesDir()).string();
    EXPECT_EQ(expects, 1u) << name << ": an input without its .expect";
    EXPECT_EQ(files.size() - expects, 1u)
        << name << ".expect: needs exactly one input beside it, has "
        << files.size() - expects;
  }
  EXPECT_EQ(Cases().size(), kGoldenCases);
  EXPECT_EQ(by_stem.size(), kGoldenCases);
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool Meets(const inspect::Finding& f, const Expect& e) {
  if (f.category != e.category) return false;
  if (e.severity && policy::SeverityName(f.severity) != *e.severity)
    return false;
  if (e.part && f.location.part != *e.part) return false;
  if (e.at_line && f.location.line != *e.at_line) return false;
  if (e.view && f.location.view != *e.view) return false;
  if (e.where && f.location.where != *e.where) return false;
  for (const auto& c : e.clauses)
    if (!Has(f.clauses, c)) return false;
  return true;
}

// The verdict of a case with an envelope, checked; its findings.
std::vector<inspect::Finding> Decide(const Case& c, const Expectations& x,
                                     const engine::Engine& eng) {
  auto scratch = eng.NewScratch();
  std::string bytes = testing::ReadAll(c.item);
  auto v = decide::DecideMessage(eng, *x.envelope, bytes, *scratch, nullptr);
  if (!v.ok()) {
    ADD_FAILURE() << c.item << ": no verdict: " << v.status().message();
    return {};
  }
  const VerdictExpect& e = *x.verdict;
  const std::string at = c.shown + ": ";
  const auto json = decide::ToJson(*v);  // as `steward verdict` shows it
  EXPECT_EQ(decide::ActionName(v->action), e.action) << at << "the action";
  if (e.rule) {
    EXPECT_EQ(v->rule, *e.rule) << at << "the rule";
  }
  if (e.clauses) {
    EXPECT_EQ(v->clauses, *e.clauses) << at << "the clauses";
  }
  if (e.release_role) {
    EXPECT_EQ(json.value("release_role", ""), *e.release_role)
        << at << "who may release";
  }
  if (e.exempted_by) {
    bool found = false;
    for (const auto& h : v->rules)
      found |= h.exempted_by &&
               policy::ExemptionName(*h.exempted_by) == *e.exempted_by;
    EXPECT_TRUE(found) << at << "no rule lifted by " << *e.exempted_by;
  }
  // Whatever the action, a stopped message says why in words and cites the
  // regulation.
  if (v->action != decide::Action::kAllow) {
    EXPECT_FALSE(v->message.empty()) << at;
    EXPECT_FALSE(v->clauses.empty()) << at;
    EXPECT_EQ(v->message.find('{'), std::string::npos) << at << v->message;
  }
  // Findings are shown redacted: no SSN digits in the verdict.
  EXPECT_EQ(json.dump().find("512-44-7832"), std::string::npos) << at;
  return std::move(v->findings);
}

// Runs one case: its item scanned (or decided, with an envelope) and every
// expectation checked. A malformed expectations file is one failure naming
// each bad line, and nothing runs.
void CheckCase(const Case& c) {
  std::ifstream in(c.expect);
  if (!in) {
    ADD_FAILURE() << c.shown << ": cannot be read";
    return;
  }
  const auto& bundled = testing::BundledEngine();
  Expectations x = Parse(in, c.shown, bundled.pack());
  if (!x.errors.empty()) {
    std::string all;
    for (const auto& e : x.errors) all += e + "\n";
    ADD_FAILURE() << all;
    return;
  }
  const auto& eng = x.roster ? testing::BundledEngine(testing::SourceDir() +
                                                      "/tests/golden/roster")
                             : bundled;
  std::vector<inspect::Finding> all;
  if (x.envelope) {
    all = Decide(c, x, eng);
  } else {
    auto scratch = eng.NewScratch();
    eng.ScanFile(c.item, *scratch, [&](engine::ItemResult&& r) {
      for (auto& f : r.findings) all.push_back(std::move(f));
    });
  }
  std::string got;
  for (const auto& f : all)
    got += "  " + f.category + " " +
           std::string(policy::SeverityName(f.severity)) +
           " part=" + f.location.part + " view=" + f.location.view +
           " line=" + std::to_string(f.location.line) +
           " where=" + f.location.where + " " + f.excerpt + "\n";
  for (const auto& e : x.expects) {
    size_t matches = std::count_if(all.begin(), all.end(),
                                   [&](const auto& f) { return Meets(f, e); });
    if (e.count) {
      EXPECT_EQ(matches, e.count)
          << c.shown << ":" << e.line << ": " << e.text << "\ngot:\n"
          << got;
    } else {
      EXPECT_GT(matches, 0u)
          << c.shown << ":" << e.line << ": " << e.text << "\ngot:\n"
          << got;
    }
  }
  std::set<std::string> expected;
  for (const auto& e : x.expects) expected.insert(e.category);
  for (const auto& f : all) {
    EXPECT_FALSE(x.absent.count(f.category))
        << c.item << ": unexpected " << f.category << ": " << f.excerpt;
    if (x.only) {
      EXPECT_TRUE(expected.count(f.category))
          << c.item << ": unexpected " << f.category << ": " << f.excerpt;
    }
  }
}

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, MeetsItsExpectations) { CheckCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           std::string n = i.param.name;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

// A case whose expectations cannot be read fails, naming the file and the
// line, whatever the item holds.
TEST(GoldenFormat, AMalformedExpectationFailsWithItsFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"expect ssn\nexpekt ssn\n", "bad.expect:2: unknown word 'expekt'"},
      {"# a comment\nexpect ssn colour=red\n",
       "bad.expect:2: unknown key 'colour'"},
      {"expect ssn count=two\n", "bad.expect:1: count is a whole number"},
      {"expect ssn count=0\n", "bad.expect:1: count=0: for none"},
      {"expect ssn where\n", "bad.expect:1: 'where' is not KEY=VALUE"},
      {"only\n\nexpect no-such-thing\n",
       "bad.expect:3: no category 'no-such-thing'"},
      {"expect ssn clauses=Z.99\n", "bad.expect:1: no clause 'Z.99'"},
      {"absent\n", "bad.expect:1: 'absent' takes 1 word"},
      {"from a@example-usd.org\nto b@gmail.com\nverdict rejekt\n",
       "bad.expect:3: no action 'rejekt'"},
      {"from a@example-usd.org\nto b@gmail.com\n",
       "bad.expect:1: an envelope needs 'from', 'to' and a 'verdict' line"},
      {"verdict allow\n", "bad.expect:1: a verdict needs an envelope"},
  };
  testing::TempDir dir("steward-golden");
  for (const auto& [text, message] : bad) {
    SCOPED_TRACE(text);
    Case c{"bad", dir.Write("bad.txt", "SSN 536-22-8145\n"),
           dir.Write("bad.expect", text), (dir.path() / "bad.expect").string()};
    EXPECT_NONFATAL_FAILURE(CheckCase(c), message);
  }
  // The same item with a good expectation passes.
  Case good{"good", dir.Write("good.txt", "SSN 536-22-8145\n"),
            dir.Write("good.expect", "expect ssn count=1\nonly\n"),
            (dir.path() / "good.expect").string()};
  CheckCase(good);
}

}  // namespace
}  // namespace steward
