// The incidents register on both stores: doors' incidents and employees'
// reports, triage through the states with every change on the timeline and
// in the audit chain, a closed incident kept as it was closed, evidence
// linked by hash once and never changed.
#include "incidents/incidents.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "audit/chain.h"
#include "test_store.h"

namespace steward {
namespace {

using testing::StoreTest;

class IncidentsTest : public StoreTest {
 protected:
  int64_t ReportOne(const std::string& who = "ada") {
    auto id = incidents::Report(*db_,
                                {.kind = "security-problem",
                                 .clauses = {"K.2"},
                                 .severity = "high",
                                 .summary = "A password\x1b[31m on a note\n",
                                 .where = "Room 12",
                                 .reporter = who},
                                {who, "10.0.0.7"});
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }
};
STEWARD_BOTH_BACKENDS(IncidentsTest);

TEST_P(IncidentsTest, AReportIsNewWithItsWordsCleanAndAudited) {
  int64_t id = ReportOne();
  auto i = incidents::Get(*db_, id);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->status, "new");
  EXPECT_EQ(i->kind, "security-problem");
  EXPECT_EQ(i->severity, "high");
  EXPECT_EQ(i->reported_by, "ada");
  EXPECT_EQ(i->summary.find('\x1b'), std::string::npos);
  EXPECT_NE(i->summary.find("on a note"), std::string::npos);
  auto entries = audit::List(*db_, {.action = "incident.report"});
  ASSERT_TRUE(entries.ok() && entries->size() == 1);
  EXPECT_EQ(entries->front().actor, "ada");
  // An empty report is refused.
  auto empty = incidents::Report(*db_,
                                 {.kind = "misuse",
                                  .clauses = {"M"},
                                  .severity = "medium",
                                  .summary = " \n ",
                                  .reporter = "ada"},
                                 {"ada", ""});
  EXPECT_FALSE(empty.ok());
}

TEST_P(IncidentsTest, AnAnonymousReportKeepsNoNameNorAddress) {
  auto id = incidents::Report(*db_,
                              {.kind = "misuse",
                               .clauses = {"M"},
                               .severity = "medium",
                               .summary = "Games on the lab machines.",
                               .reporter = ""},
                              {"grace", "10.0.0.9"});
  ASSERT_TRUE(id.ok());
  auto i = incidents::Get(*db_, *id);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->reported_by, "");
  auto all = audit::List(*db_, {.limit = 100});
  ASSERT_TRUE(all.ok());
  for (const auto& e : *all) {
    EXPECT_NE(e.actor, "grace");
    EXPECT_EQ(e.ip, "");
  }
  auto tl = incidents::Timeline(*db_, *id);
  ASSERT_TRUE(tl.ok() && !tl->empty());
  EXPECT_EQ(tl->front().actor, "anonymous");
}

TEST_P(IncidentsTest, TriageMovesThroughTheStatesAndClosingNeedsAnOutcome) {
  int64_t id = ReportOne();
  const audit::Actor its{"its", "10.0.0.1"};
  EXPECT_TRUE(incidents::Update(
                  *db_, id,
                  {.status = "triage", .assignee = "its", .note = "Looking"},
                  its)
                  .ok());
  EXPECT_FALSE(incidents::Update(*db_, id, {.status = "done"}, its).ok());
  EXPECT_FALSE(incidents::Update(*db_, id, {.severity = "dire"}, its).ok());
  EXPECT_FALSE(incidents::Update(*db_, id, {}, its).ok()) << "nothing to do";
  auto no_outcome = incidents::Update(*db_, id, {.status = "closed"}, its);
  EXPECT_FALSE(no_outcome.ok());
  EXPECT_NE(no_outcome.message().find("outcome"), std::string::npos);
  ASSERT_TRUE(incidents::Update(*db_, id,
                                {.status = "closed",
                                 .outcome = "Password changed; note shredded."},
                                its)
                  .ok());
  auto i = incidents::Get(*db_, id);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->status, "closed");
  EXPECT_EQ(i->assignee, "its");
  EXPECT_FALSE(i->closed_at.empty());
  // Closed: kept as it was.
  EXPECT_FALSE(incidents::Update(*db_, id, {.note = "more"}, its).ok());
  auto tl = incidents::Timeline(*db_, id);
  ASSERT_TRUE(tl.ok());
  std::vector<std::string> what;
  for (const auto& e : *tl) what.push_back(e.what);
  EXPECT_EQ(what, (std::vector<std::string>{"reported", "assigned", "status",
                                            "note", "status", "outcome"}));
  auto closes = audit::List(*db_, {.action = "incident.close"});
  ASSERT_TRUE(closes.ok());
  EXPECT_EQ(closes->size(), 1u);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value()) << v->reason;
}

TEST_P(IncidentsTest, EvidenceIsLinkedOnceByItsHash) {
  int64_t id = ReportOne();
  const audit::Actor its{"its", ""};
  const std::string sha(64, 'a');
  EXPECT_FALSE(
      incidents::AddEvidence(
          *db_, id, {"held-message", "quarantine/3", "not-a-hash"}, its)
          .ok());
  auto first = incidents::AddEvidence(
      *db_, id, {"held-message", "quarantine/3", sha}, its);
  ASSERT_TRUE(first.ok() && *first);
  auto again = incidents::AddEvidence(
      *db_, id, {"held-message", "quarantine/3", sha}, its);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "linked already";
  auto ev = incidents::EvidenceOf(*db_, id);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ(ev->front().sha256, sha);
  EXPECT_EQ(ev->front().added_by, "its");
  EXPECT_EQ(
      incidents::AddEvidence(*db_, 999, {"audit-entry", "audit/1", sha}, its)
          .status()
          .code(),
      core::Code::kNotFound);
}

TEST_P(IncidentsTest, ADoorsRepeatsJoinTheOpenIncidentEvenInTriage) {
  auto first = incidents::OpenOrRepeat(*db_, "web-block", "ada\nbox.com\nr", 24,
                                       {"L.3.a"}, "medium", "ada",
                                       {{"reference", "W-1"},
                                        {"host", "box.com"},
                                        {"channel", "web"},
                                        {"rule", "r"}},
                                       {"icap", ""});
  ASSERT_TRUE(first.ok() && first->opened);
  ASSERT_TRUE(
      incidents::Update(*db_, first->id, {.status = "triage"}, {"its", ""})
          .ok());
  auto again = incidents::OpenOrRepeat(*db_, "web-block", "ada\nbox.com\nr", 24,
                                       {"L.3.a"}, "medium", "ada",
                                       {{"reference", "W-2"}}, {"icap", ""});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->opened);
  EXPECT_EQ(again->id, first->id);
  auto tl = incidents::Timeline(*db_, first->id);
  ASSERT_TRUE(tl.ok());
  int doors = 0;
  for (const auto& e : *tl) doors += e.actor == "door";
  EXPECT_EQ(doors, 2);
  EXPECT_EQ(tl->front().text, "upload refused to box.com (rule r)");
  // Closed, a new try opens a new incident.
  ASSERT_TRUE(incidents::Update(*db_, first->id,
                                {.status = "closed", .outcome = "Talked."},
                                {"its", ""})
                  .ok());
  auto third = incidents::OpenOrRepeat(*db_, "web-block", "ada\nbox.com\nr", 24,
                                       {"L.3.a"}, "medium", "ada",
                                       {{"reference", "W-3"}}, {"icap", ""});
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->opened);
}

TEST_P(IncidentsTest, ParallelClosesCloseOnce) {
  int64_t id = ReportOne();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      if (incidents::Update(
              *db_, id,
              {.status = "closed", .outcome = "done " + std::to_string(i)},
              {"its", ""})
              .ok())
        ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  auto closes = audit::List(*db_, {.action = "incident.close"});
  ASSERT_TRUE(closes.ok());
  EXPECT_EQ(closes->size(), 1u);
}

}  // namespace
}  // namespace steward
