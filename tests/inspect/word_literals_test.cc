// Roster names and identifiers found by their words (inspect/word_literals.h)
// against the same literals through Hyperscan, the way they were found
// before: the same spans, person for person, on names written every way a
// text can hold them and on random text around them.
#include "inspect/word_literals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "bundled_engine.h"
#include "core/text.h"
#include "inspect/matcher.h"
#include "policy/loader.h"
#include "temp_dir.h"

namespace steward::inspect {
namespace {

TEST(WordLiterals, FindsWholeWordsAndNamesEndingInADot) {
  WordLiterals w;
  ASSERT_TRUE(w.Add("Maria Garcia", 0));
  ASSERT_TRUE(w.Add("Maria G.", 1));
  ASSERT_TRUE(w.Add("Garcia, Maria", 2));
  ASSERT_TRUE(w.Add("2004117", 3));
  EXPECT_FALSE(w.Add("#12345", 4));  // starts with no word byte
  EXPECT_FALSE(w.Add("", 5));
  w.Finish();
  auto find = [&](std::string_view text) {
    std::vector<WordLiterals::Hit> hits;
    EXPECT_TRUE(w.Find(text, hits, 100));
    std::vector<std::pair<uint32_t, uint32_t>> out;
    for (auto h : hits) out.emplace_back(h.id, h.end);
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::pair<uint32_t, uint32_t>>;
  EXPECT_EQ(find("Maria Garcia"), (V{{0, 12}}));
  EXPECT_EQ(find("Maria Garcias"), V{});            // a longer word
  EXPECT_EQ(find("Maria Garcia_"), V{});            // '_' is a word byte
  EXPECT_EQ(find("xMaria Garcia"), V{});            // not at a word start
  EXPECT_EQ(find("Maria  Garcia"), V{});            // another gap
  EXPECT_EQ(find("Maria G.x"), (V{{1, 8}}));        // ends in its own '.'
  EXPECT_EQ(find("Garcia, Maria."), (V{{2, 13}}));  // '.' after is no word
  EXPECT_EQ(find("id 2004117, 20041170"), (V{{3, 10}}));
  EXPECT_EQ(find("Maria Garcí"), V{});  // bytes from 0x80 are word bytes
  EXPECT_EQ(find("Maria"), V{});
}

TEST(WordLiterals, StopsAtTheCap) {
  WordLiterals w;
  ASSERT_TRUE(w.Add("Ana Li", 7));
  w.Finish();
  std::string text;
  for (int i = 0; i < 50; ++i) text += "Ana Li ";
  std::vector<WordLiterals::Hit> hits;
  EXPECT_FALSE(w.Find(text, hits, 10));
  EXPECT_EQ(hits.size(), 10u);
  hits.clear();
  EXPECT_TRUE(w.Find(text, hits, 100));
  EXPECT_EQ(hits.size(), 50u);
}

// Names as districts hold them: accents, hyphens, apostrophes, particles,
// one-letter and long ones; identifiers with and without separators, and
// some that start with no word byte (those go to Hyperscan either way).
roster::Roster TestRoster(std::mt19937& rng, size_t n) {
  const std::vector<std::string> given = {
      "Maria", "José",  "Élodie",   "Li",  "Anne-Marie", "D'Andre",  "Will",
      "May",   "Grace", "Ng",       "O",   "Zoë",        "Mohammed", "Ana",
      "van",   "JUAN",  "mckenzie", "Ren", "Åsa",        "Siobhán"};
  const std::vector<std::string> family = {
      "Garcia",  "de la Cruz", "O'Brien", "Nguyen",   "Smith-Jones",
      "Li",      "Van Dyke",   "Øster",   "Ng",       "MacDonald",
      "el-Amin", "Rose",       "Day",     "Iñárritu", "Brown",
      "lee",     "St. John",   "Al Saud"};
  const std::vector<std::string> ids = {"2004117",   "S-00123456", "#4471203",
                                        "ID 55120",  "A1234567",   "12345",
                                        "(0099812)", "4829103756"};
  roster::Roster r;
  r.version = "1.1";
  auto pick = [&](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  for (size_t i = 0; i < n; ++i) {
    roster::Person p;
    p.id = "p" + std::to_string(i);
    p.given = pick(given);
    p.family = pick(family);
    if (rng() % 4 == 0) p.middle = pick(given);
    if (rng() % 5 == 0) p.preferred_given = pick(given);
    p.student = rng() % 3 != 0;
    p.role = p.student ? "student" : "teacher";
    p.identifiers.push_back(pick(ids) + std::to_string(rng() % 10));
    if (rng() % 2) p.identifiers.push_back(pick(ids));
    r.people.push_back(std::move(p));
  }
  r.hash = "word-literals-test";
  return r;
}

// Every way a name may stand in a text, and noise between.
std::string TestText(std::mt19937& rng, const roster::Roster& r, size_t n) {
  const std::vector<std::string> glue = {
      " ", "  ", "\n", ", ", ".",     "x",     "_",    "é", "-",    "'", "\t",
      ":", "(",  ")",  "1",  "Dear ", " and ", "\r\n", "",  "\xC3", "@"};
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    text += glue[rng() % glue.size()];
    const roster::Person& p = r.people[rng() % r.people.size()];
    std::string form;
    switch (rng() % 7) {
      case 0:
        form = p.given + " " + p.family;
        break;
      case 1:
        form = p.family + ", " + p.given;
        break;
      case 2:
        form = p.given + " " + p.family.substr(0, 1) + ".";
        break;
      case 3:
        form = p.given + " " + p.middle + " " + p.family;
        break;
      case 4:
        form = p.identifiers.front();
        break;
      case 5:
        form = p.preferred_given + " " + p.family;
        break;
      default:
        form = p.given;
        break;
    }
    switch (rng() % 4) {
      case 0:
        for (auto& c : form)
          if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        break;
      case 1:
        for (auto& c : form)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        break;
      default:
        break;
    }
    if (rng() % 10 == 0 && !form.empty())
      form.erase(rng() % form.size(), 1);  // a near miss
    text += form;
  }
  return text;
}

using Spans = std::vector<
    std::tuple<uint32_t, uint32_t, uint32_t, std::vector<uint32_t>>>;

Spans Found(const Matcher& m, std::string_view text) {
  auto scratch = m.NewScratch();
  std::vector<Span> spans;
  EXPECT_TRUE(m.Find(text, core::View::kBody, *scratch, spans));
  Spans out;
  for (const Span& s : spans) {
    auto people = m.PeopleOf(s.people);
    out.emplace_back(s.detector, s.begin, s.end,
                     std::vector<uint32_t>(people.begin(), people.end()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

policy::LoadResult BundledPack() {
  return policy::LoadPack(steward::testing::PackDir(),
                          {.compile_patterns = false});
}

TEST(WordLiterals, SameSpansAsHyperscanForEveryRosterForm) {
  auto pack = BundledPack();
  ASSERT_TRUE(pack.ok());
  std::mt19937 rng(20261206);
  auto roster = std::make_shared<const roster::Roster>(TestRoster(rng, 400));
  auto by_word = Matcher::Build(pack.pack, roster, {});
  auto by_hs = Matcher::Build(pack.pack, roster, {.names_by_word = false});
  ASSERT_TRUE(by_word.ok());
  ASSERT_TRUE(by_hs.ok());
  EXPECT_GT((*by_word)->stats().literal_bytes, 0u);
  size_t roster_spans = 0;
  for (int round = 0; round < 200; ++round) {
    std::string text = TestText(rng, *roster, 60);
    Spans a = Found(**by_word, text), b = Found(**by_hs, text);
    ASSERT_EQ(a, b) << "round " << round << ": " << text;
    for (const auto& s : a) roster_spans += !std::get<3>(s).empty();
  }
  // The texts did hold roster names: the comparison was not of nothing.
  EXPECT_GT(roster_spans, 2000u);
}

// The word table from the cache finds what the one just built finds; a
// cache file cut short or changed is never used, and is built again.
TEST(WordLiterals, FromTheCacheTheSameSpansAndABadCacheIsRebuilt) {
  auto pack = BundledPack();
  ASSERT_TRUE(pack.ok());
  std::mt19937 rng(7);
  auto roster = std::make_shared<const roster::Roster>(TestRoster(rng, 300));
  steward::testing::TempDir dir;
  const std::string cache = dir.path().string();
  auto fresh = Matcher::Build(pack.pack, roster, {.cache_dir = cache});
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE((*fresh)->stats().names_cached);
  std::string snap;
  for (const auto& e : std::filesystem::directory_iterator(cache))
    if (e.path().filename().string().starts_with("names-")) snap = e.path();
  ASSERT_FALSE(snap.empty()) << "no names snapshot in the cache";
  auto cached = Matcher::Build(pack.pack, roster, {.cache_dir = cache});
  ASSERT_TRUE(cached.ok());
  EXPECT_TRUE((*cached)->stats().names_cached);
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) texts.push_back(TestText(rng, *roster, 60));
  for (const auto& t : texts) ASSERT_EQ(Found(**fresh, t), Found(**cached, t));
  // Another roster (one name changed) never reads this one's table.
  roster::Roster other = *roster;
  other.people[5].family += "x";
  auto changed =
      Matcher::Build(pack.pack, std::make_shared<const roster::Roster>(other),
                     {.cache_dir = cache});
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE((*changed)->stats().names_cached);
  // Cut short, or one byte changed anywhere: built again, same spans.
  auto bytes = core::ReadFile(snap, size_t{1} << 30);
  ASSERT_TRUE(bytes.ok());
  const size_t half = bytes->size() / 2;
  for (size_t at : {half, bytes->size() - 1, size_t{100}, bytes->size() / 3}) {
    std::string bad = *bytes;
    if (at == half)
      bad.resize(at);
    else
      bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    ASSERT_TRUE(core::WriteFileAtomic(snap, bad).ok());
    auto rebuilt = Matcher::Build(pack.pack, roster, {.cache_dir = cache});
    ASSERT_TRUE(rebuilt.ok());
    EXPECT_FALSE((*rebuilt)->stats().names_cached) << "byte " << at;
    for (const auto& t : texts)
      ASSERT_EQ(Found(**fresh, t), Found(**rebuilt, t));
  }
  // The last rebuild wrote a good snapshot again.
  auto again = Matcher::Build(pack.pack, roster, {.cache_dir = cache});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->stats().names_cached);
}

}  // namespace
}  // namespace steward::inspect
