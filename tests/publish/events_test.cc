// Dated events long past (G.4) on their golden cases
// (tests/publish/events/cases.tsv): each announcement found with its day,
// each twin (a future date, a report of what happened, no year, no such
// day, another sentence) left alone.
#include "publish/events.h"

#include <gtest/gtest.h>

#include <sstream>

#include "bundled_engine.h"
#include "core/text.h"
#include "golden_students.h"
#include "test_util.h"

namespace steward::publish {
namespace {

constexpr int64_t kNow = 1796256000;  // 2026-12-01

const std::vector<std::string>& PackWords() {
  return testing::BundledEngine(testing::GoldenRosterDir())
      .pack()
      .publish.event_words;
}

TEST(PastEvents, GoldenCases) {
  const std::string dir = testing::SourceDir() + "/tests/publish/events/";
  std::istringstream in(testing::ReadAll(dir + "cases.tsv"));
  int cases = 0, twins = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string file = line.substr(0, tab), want = line.substr(tab + 1);
    auto found =
        FindPastEvents(testing::ReadAll(dir + file), PackWords(), kNow, 365);
    if (want == "-") {
      ++twins;
      EXPECT_TRUE(found.empty())
          << file << ": " << (found.empty() ? "" : found.front().sentence);
      continue;
    }
    ++cases;
    ASSERT_FALSE(found.empty()) << file;
    EXPECT_EQ(core::IsoUtc(found.front().when).substr(0, 10), want) << file;
    EXPECT_FALSE(found.front().sentence.empty()) << file;
  }
  EXPECT_GE(cases, 7);
  EXPECT_GE(twins, 7);
}

TEST(PastEvents, OneSentenceOnceAndTheDateAsWritten) {
  auto found = FindPastEvents(
      "Upcoming events: Oct. 3, 2023 book fair; Nov. 14, 2023 picture day.\n"
      "Join us on 5 May 2022. And RSVP by 2022-05-01!",
      PackWords(), kNow, 365);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].date, "Oct. 3, 2023");
  EXPECT_EQ(found[0].sentence,
            "Upcoming events: Oct. 3, 2023 book fair; Nov. 14, 2023 picture "
            "day.");
  EXPECT_EQ(found[1].sentence, "Join us on 5 May 2022.");
  EXPECT_EQ(found[2].date, "2022-05-01");
}

TEST(PastEvents, TheDistrictsWordsAndDaysDecide) {
  const std::string text = "Field day is on May 2, 2025.";
  EXPECT_TRUE(FindPastEvents(text, PackWords(), kNow, 365).empty());
  EXPECT_EQ(FindPastEvents(text, {"field day"}, kNow, 365).size(), 1u);
  EXPECT_TRUE(FindPastEvents(text, {"field day"}, kNow, 900).empty());
  EXPECT_TRUE(FindPastEvents(text, {"field day"}, kNow, 0).empty());
}

TEST(PastEvents, LongTextWithoutSentencesIsBounded) {
  std::string text(1 << 20, 'x');
  text += " join us May 2, 2020 ";
  text += std::string(1 << 20, 'y');
  auto found = FindPastEvents(text, PackWords(), kNow, 365);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_LE(found[0].sentence.size(), 200u);
}

}  // namespace
}  // namespace steward::publish
