// Public-records requests on both stores: the clock from the minute of
// receipt, one extension with its reason, states that stop the clock, and a
// response letter that cannot go without what the law asks of it.
#include "records/requests.h"

#include <gtest/gtest.h>

#include <thread>

#include "policy/loader.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using records::DayOf;
using records::FormatDay;
using testing::StoreTest;

policy::PackPtr Pack() {
  static policy::PackPtr pack =
      policy::LoadPack(testing::SourceDir() + "/policy",
                       {.compile_patterns = false})
          .pack;
  return pack;
}

class RequestsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(Pack());
    req_ = std::make_unique<records::Requests>(*db_, Pack());
  }
  // Now, less `days` (requests are received in the past).
  static int64_t DaysAgo(int days) {
    return static_cast<int64_t>(time(nullptr)) - days * 86400;
  }
  std::unique_ptr<records::Requests> req_;
  audit::Actor clerk_{"clerk", ""};
};

TEST_P(RequestsTest, TheClockStartsTheDayAfterReceipt) {
  auto q = req_->Intake("J. Reporter", "reporter@example.com",
                        "All mail about the bus contract in 2025.", DaysAgo(0),
                        clerk_);
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto received = core::ParseIsoDate(q->received_day, 1970, 9999, "r");
  ASSERT_TRUE(received.ok());
  auto due = records::DeterminationDue(*received, 0, Pack()->records.holidays);
  EXPECT_EQ(q->due_day, FormatDay(*due));
  EXPECT_GE(*due - *received, 10);
  EXPECT_EQ(q->state, "open");
  EXPECT_FALSE(q->overdue);
  // The minute of receipt is kept.
  EXPECT_EQ(q->received_at.substr(17), "00Z");
  // Nothing is taken without a requester and a description.
  EXPECT_FALSE(req_->Intake("", "", "x", DaysAgo(0), clerk_).ok());
  EXPECT_FALSE(req_->Intake("A", "", " ", DaysAgo(0), clerk_).ok());
  EXPECT_FALSE(req_->Intake("A\r\nBcc: x", "", "x", DaysAgo(0), clerk_).ok());
  EXPECT_FALSE(req_->Intake("A", "", "x", DaysAgo(-2), clerk_).ok());
}

TEST_P(RequestsTest, OnlyOpenRequestsAreOverdue) {
  auto q = req_->Intake("A. Parent", "", "My child's discipline records.",
                        DaysAgo(30), clerk_);
  ASSERT_TRUE(q.ok());
  const records::Day today =
      core::ParseIsoDate(q->due_day, 1970, 9999, "due").value() + 3;
  auto got = req_->Get(q->id, today);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->overdue);
  EXPECT_EQ(got->days_left, -3);
  ASSERT_TRUE(
      req_->SetState(q->id, "waiting-for-requester", "asked to narrow", clerk_)
          .ok());
  EXPECT_FALSE(req_->Get(q->id, today)->overdue);
  ASSERT_TRUE(req_->SetState(q->id, "partially-produced", "", clerk_).ok());
  EXPECT_FALSE(req_->Get(q->id, today)->overdue);
  // "extended" only through an extension; "closed" only once answered.
  EXPECT_FALSE(req_->SetState(q->id, "extended", "", clerk_).ok());
  EXPECT_FALSE(req_->SetState(q->id, "closed", "", clerk_).ok());
  EXPECT_FALSE(req_->SetState(q->id, "lost", "", clerk_).ok());
  auto timeline = req_->Timeline(q->id);
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(timeline->size(), 3u);  // received and two states
}

TEST_P(RequestsTest, OneExtensionOfAtMostFourteenDaysWithItsReason) {
  auto q = req_->Intake("B. Citizen", "", "Every e-mail of the board in 2024.",
                        DaysAgo(2), clerk_);
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(
      req_->Extend(q->id, 15, records::ExtensionReason::kVoluminous, clerk_)
          .ok());
  EXPECT_FALSE(
      req_->Extend(q->id, 0, records::ExtensionReason::kVoluminous, clerk_)
          .ok());
  ASSERT_TRUE(
      req_->Extend(q->id, 14, records::ExtensionReason::kVoluminous, clerk_)
          .ok());
  auto got = req_->Get(q->id, 0);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state, "extended");
  EXPECT_EQ(got->extension_days, 14);
  auto received =
      core::ParseIsoDate(got->received_day, 1970, 9999, "r").value();
  EXPECT_EQ(got->due_day, FormatDay(records::DeterminationDue(
                                        received, 14, Pack()->records.holidays)
                                        .value()));
  EXPECT_FALSE(
      req_->Extend(q->id, 3, records::ExtensionReason::kConsultation, clerk_)
          .ok());
}

TEST_P(RequestsTest, TheLetterNeedsTheDeterminationExemptionsAndNames) {
  auto q = req_->Intake("C. Reporter", "c@example.com",
                        "Mr. Hale's personnel file.", DaysAgo(1), clerk_);
  ASSERT_TRUE(q.ok());
  auto early = req_->Letter(q->id);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("determination"), std::string::npos);
  EXPECT_FALSE(req_->MarkSent(q->id, clerk_).ok());
  // A withholding must name an exemption of the pack.
  EXPECT_FALSE(req_->Determine(q->id, "Released in part on 12 December.",
                               {{"1234.5", "salary history"}}, {}, clerk_)
                   .ok());
  ASSERT_TRUE(req_->Determine(q->id, "Released in part on 12 December.",
                              {{"7927.700", "evaluations and medical notes"}},
                              {}, clerk_)
                  .ok());
  auto no_names = req_->Letter(q->id);
  ASSERT_FALSE(no_names.ok());
  EXPECT_NE(no_names.status().message().find("7922.540"), std::string::npos);
  ASSERT_TRUE(req_->Determine(q->id, "Released in part on 12 December.",
                              {{"7927.700", "evaluations and medical notes"}},
                              {{"Dana Lee", "Custodian of Records"}}, clerk_)
                  .ok());
  auto letter = req_->Letter(q->id);
  ASSERT_TRUE(letter.ok()) << letter.status().message();
  for (const char* want :
       {"Mr. Hale's personnel file.", "Released in part on 12 December.",
        "Gov. Code 7927.700", "evaluations and medical notes",
        "Dana Lee, Custodian of Records", "7922.540"})
    EXPECT_NE(letter->find(want), std::string::npos) << want;
  ASSERT_TRUE(req_->MarkSent(q->id, clerk_).ok());
  auto done = req_->Get(q->id, 0);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, "closed");
  EXPECT_FALSE(done->sent_at.empty());
  EXPECT_FALSE(req_->MarkSent(q->id, clerk_).ok());
  EXPECT_FALSE(
      req_->Extend(q->id, 5, records::ExtensionReason::kVoluminous, clerk_)
          .ok());
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
}

// Found by attacking the portal: each change is decided on the request as
// it stands, so two at once never both pass.
TEST_P(RequestsTest, TwoChangesAtOnceNeverBothPass) {
  for (int round = 0; round < 5; ++round) {
    auto q = req_->Intake("D. Reporter", "", "Bus mail.", DaysAgo(1), clerk_);
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(
        req_->Determine(q->id, "Released in full.", {}, {}, clerk_).ok());
    core::Status a, b;
    std::thread t1([&] { a = req_->MarkSent(q->id, clerk_); });
    std::thread t2([&] { b = req_->MarkSent(q->id, clerk_); });
    t1.join();
    t2.join();
    EXPECT_NE(a.ok(), b.ok()) << a.message() << " / " << b.message();
    auto r2 = req_->Intake("E. Reporter", "", "More mail.", DaysAgo(1), clerk_);
    ASSERT_TRUE(r2.ok());
    std::thread t3([&] {
      a = req_->Extend(r2->id, 14, records::ExtensionReason::kVoluminous,
                       clerk_);
    });
    std::thread t4([&] {
      b = req_->Extend(r2->id, 1, records::ExtensionReason::kEmergency, clerk_);
    });
    t3.join();
    t4.join();
    EXPECT_NE(a.ok(), b.ok());
  }
  auto sends = db_->Query(
      "SELECT COUNT(*) FROM audit_log WHERE action = 'records.request-send'");
  ASSERT_TRUE(sends.ok());
  EXPECT_EQ(sends->front().Int(0), 5);
  auto extends = db_->Query(
      "SELECT COUNT(*) FROM audit_log WHERE action = 'records.request-extend'");
  ASSERT_TRUE(extends.ok());
  EXPECT_EQ(extends->front().Int(0), 5);
}

TEST_P(RequestsTest, AnAnsweredRequestStaysClosedAndLateExtensionsAreRefused) {
  auto q = req_->Intake("F. Parent", "", "Bus mail.", DaysAgo(1), clerk_);
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(req_->Determine(q->id, "Released in full.", {}, {}, clerk_).ok());
  // Determined: nothing left to extend.
  EXPECT_FALSE(
      req_->Extend(q->id, 3, records::ExtensionReason::kVoluminous, clerk_)
          .ok());
  ASSERT_TRUE(req_->MarkSent(q->id, clerk_).ok());
  EXPECT_FALSE(req_->SetState(q->id, "open", "", clerk_).ok());
  EXPECT_FALSE(req_->SetState(q->id, "waiting-for-requester", "", clerk_).ok());
  EXPECT_EQ(req_->Get(q->id, 0)->state, "closed");
  // Past its first due day, a request is not extended any more.
  auto late = req_->Intake("G. Parent", "", "Old mail.", DaysAgo(40), clerk_);
  ASSERT_TRUE(late.ok());
  auto refused =
      req_->Extend(late->id, 14, records::ExtensionReason::kVoluminous, clerk_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("first ten days"), std::string::npos);
}

TEST_P(RequestsTest, OverdueIsCountedOverEveryRequestAndTextIsValidUtf8) {
  auto old = req_->Intake("H. Reporter", "", "Old mail.", DaysAgo(40), clerk_);
  ASSERT_TRUE(old.ok());
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(
        req_->Intake("I. Reporter", "", "New mail.", DaysAgo(0), clerk_).ok());
  const records::Day today = req_->clock().Today();
  auto page = req_->List(today, 5);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 5u);
  auto older = req_->List(today, 100, page->back().id);
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->size(), 8u);
  EXPECT_EQ(older->back().id, old->id);
  auto overdue = req_->OverdueCount(today);
  ASSERT_TRUE(overdue.ok());
  EXPECT_EQ(*overdue, 1);
  // Invalid UTF-8 is refused, never stored nor thrown.
  EXPECT_FALSE(req_->Intake("J\xff", "", "Mail.", DaysAgo(0), clerk_).ok());
  EXPECT_FALSE(req_->SetState(old->id, "open", "note \xff", clerk_).ok());
  EXPECT_FALSE(req_->Determine(old->id, "Released.",
                               {{"7927.705", "names \xff"}}, {}, clerk_)
                   .ok());
}

STEWARD_BOTH_BACKENDS(RequestsTest);

}  // namespace
}  // namespace steward
