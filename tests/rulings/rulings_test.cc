// The rulings register on both stores: a ruling is numbered, dated, cites
// clauses and the pack items it caused; it is never edited, only withdrawn
// with a reason or superseded (both in one transaction); every step is in
// the audit chain.
#include "rulings/rulings.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/chain.h"
#include "test_store.h"

namespace steward {
namespace {

using testing::StoreTest;

class RulingsTest : public StoreTest {
 protected:
  core::Result<int64_t> IssueOne(int64_t supersedes = 0,
                                 std::string title = "Streaming radio") {
    return rulings::Issue(
        *db_,
        {.decided_on = "2026-11-30",
         .title = std::move(title),
         .text = "Streaming music\x1b[2J at a desk is not related to "
                 "employment (A.3).\n",
         .clauses = {"A.3", "C.23"},
         .pack_items = {"streaming-warn"},
         .pack_change = "rules.toml: streaming warns",
         .pack_version = "2015-08-24",
         .pack_hash = "abc123",
         .supersedes = supersedes},
        {"desig", "10.0.0.2"});
  }
};
STEWARD_BOTH_BACKENDS(RulingsTest);

TEST_P(RulingsTest, ARulingIsNumberedDatedCitedAndAudited) {
  auto id = IssueOne();
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto r = rulings::Get(*db_, *id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, "in-force");
  EXPECT_EQ(r->decided_on, "2026-11-30");
  EXPECT_EQ(r->clauses, (std::vector<std::string>{"A.3", "C.23"}));
  EXPECT_EQ(r->pack_items, std::vector<std::string>{"streaming-warn"});
  EXPECT_EQ(r->pack_hash, "abc123");
  EXPECT_EQ(r->issued_by, "desig");
  EXPECT_EQ(r->text.find('\x1b'), std::string::npos);
  auto by_clause = rulings::List(*db_, {.clause = "C.23"});
  ASSERT_TRUE(by_clause.ok());
  EXPECT_EQ(by_clause->size(), 1u);
  EXPECT_TRUE(rulings::List(*db_, {.clause = "C.2"})->empty())
      << "C.2 is not C.23";
  auto log = audit::List(*db_, {.action = "ruling.issue"});
  ASSERT_TRUE(log.ok() && log->size() == 1);
}

TEST_P(RulingsTest, BadRulingsAreRefusedWithTheirReason) {
  struct Case {
    rulings::NewRuling r;
    const char* error;
  };
  const Case cases[] = {
      {{.decided_on = "2026-11-30",
        .title = " ",
        .text = "t",
        .clauses = {"A.3"}},
       "title is empty"},
      {{.decided_on = "2026-02-30",
        .title = "x",
        .text = "t",
        .clauses = {"A.3"}},
       "day decided"},
      {{.decided_on = "2199-01-01",
        .title = "x",
        .text = "t",
        .clauses = {"A.3"}},
       "future"},
      {{.decided_on = "2026-11-30", .title = "x", .text = "t"},
       "cites the clauses"},
      {{.decided_on = "2026-11-30",
        .title = "x",
        .text = "t",
        .clauses = {"A.3,G.3"}},
       "not a clause"},
      {{.decided_on = "2026-11-30",
        .title = "x",
        .text = "t",
        .clauses = {"A.3"},
        .supersedes = 999},
       "no ruling 999"},
      {{.decided_on = "2026-11-30",
        .title = "two\nlines",
        .text = "t",
        .clauses = {"A.3"}},
       "one line"},
      // The District's day, not UTC's: late in the evening in California
      // it is already tomorrow in UTC.
      {{.decided_on = "2026-12-05",
        .title = "x",
        .text = "t",
        .clauses = {"A.3"},
        .today = "2026-12-04"},
       "future"},
      // Text only of filler characters and hidden tags says nothing.
      {{.decided_on = "2026-11-30",
        .title = "x",
        .text = "\u3164\u115f\u2800\U000E0041\U000E0020",
        .clauses = {"A.3"}},
       "text is empty"},
  };
  for (const auto& c : cases) {
    auto id = rulings::Issue(*db_, c.r, {"desig", ""});
    ASSERT_FALSE(id.ok()) << c.error;
    EXPECT_NE(id.status().message().find(c.error), std::string::npos)
        << id.status().message();
  }
  // Nothing was kept, not even the refused superseding one.
  EXPECT_TRUE(rulings::List(*db_, {})->empty());
}

TEST_P(RulingsTest, ARulingIsWithdrawnWithAReasonOrSupersededOnce) {
  auto first = IssueOne();
  ASSERT_TRUE(first.ok());
  auto second = IssueOne(*first, "Streaming radio, again");
  ASSERT_TRUE(second.ok()) << second.status().message();
  auto old = rulings::Get(*db_, *first);
  EXPECT_EQ(old->state, "withdrawn");
  EXPECT_EQ(old->withdraw_reason,
            "superseded by ruling " + std::to_string(*second));
  EXPECT_EQ(rulings::Get(*db_, *second)->supersedes, *first);
  // A withdrawn ruling is superseded no more.
  EXPECT_FALSE(IssueOne(*first).ok());
  EXPECT_EQ(rulings::List(*db_, {.state = "in-force"})->size(), 1u);
  EXPECT_FALSE(rulings::Withdraw(*db_, *second, "  ", {"desig", ""}).ok());
  ASSERT_TRUE(
      rulings::Withdraw(*db_, *second, "The policy changed.", {"desig", ""})
          .ok());
  EXPECT_FALSE(rulings::Withdraw(*db_, *second, "again", {"desig", ""}).ok());
  EXPECT_EQ(rulings::Withdraw(*db_, 999, "x", {"desig", ""}).code(),
            core::Code::kNotFound);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->entries, 4);  // two issues, a supersession, a withdrawal
}

// A clause or rule named twice is kept once; the audit entry fingerprints
// the words, so an edit in the store shows against the chain; a reason too
// long says so.
TEST_P(RulingsTest, ListsAreKeptOnceAndTheWordsAreFingerprinted) {
  auto id = rulings::Issue(*db_,
                           {.decided_on = "2026-11-30",
                            .title = "Radio",
                            .text = "Not related to employment.",
                            .clauses = {"A.3", "A.3", "G.3", "A.3"},
                            .pack_items = {"r1", "r1"}},
                           {"desig", ""});
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto r = rulings::Get(*db_, *id);
  EXPECT_EQ(r->clauses, (std::vector<std::string>{"A.3", "G.3"}));
  EXPECT_EQ(r->pack_items, std::vector<std::string>{"r1"});
  auto log = audit::List(*db_, {.action = "ruling.issue"});
  ASSERT_TRUE(log.ok() && log->size() == 1);
  auto detail = nlohmann::json::parse(log->front().detail);
  EXPECT_EQ(detail["sha256"].get<std::string>().size(), 64u);
  std::vector<std::string> many;
  for (int i = 0; i < 51; ++i) many.push_back("C." + std::to_string(i));
  auto too_many = rulings::Issue(
      *db_,
      {.decided_on = "2026-11-30", .title = "x", .text = "t", .clauses = many},
      {"desig", ""});
  EXPECT_FALSE(too_many.ok());
  auto st = rulings::Withdraw(*db_, *id, std::string(2001, 'a'), {"desig", ""});
  EXPECT_NE(st.message().find("2000"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace steward
