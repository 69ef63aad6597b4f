// The quarantine on both stores: what is held is kept whole, listed,
// released once through the MTA (and recognised when it comes back) or
// deleted, every step in the audit chain; conduct history for C.19.
#include "quarantine/quarantine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "audit/chain.h"
#include "decide/decider.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using testing::StoreTest;

class QuarantineTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    q_ = std::make_unique<quarantine::Quarantine>(
        *db_, store::Blobs((dir_ / "blobs").string()));
  }

  // Holds the golden dob-outside message; returns its id.
  int64_t HoldOne(const std::string& name = "dob-outside") {
    bytes_ = testing::ReadAll(testing::SourceDir() +
                              "/tests/golden/cases/mail/" + name + ".eml");
    env_ = {policy::Channel::kMail,
            "ateacher@example-usd.org",
            {"friend@gmail.com"},
            "",
            "127.0.0.1",
            0};
    auto scratch = testing::BundledEngine().NewScratch();
    auto v = decide::DecideMessage(testing::BundledEngine(), env_, bytes_,
                                   *scratch, nullptr);
    EXPECT_TRUE(v.ok());
    verdict_ = *v;
    auto id = q_->Hold({env_, verdict_, bytes_, v->subject, v->message_id},
                       {"milter", "127.0.0.1"});
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  std::unique_ptr<quarantine::Quarantine> q_;
  std::string bytes_;
  decide::Envelope env_;
  decide::Verdict verdict_;
};

TEST_P(QuarantineTest, AHeldMessageIsKeptWholeWithItsEnvelopeAndVerdict) {
  int64_t id = HoldOne();
  auto e = q_->Get(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, "held");
  EXPECT_EQ(e->action, "quarantine");
  EXPECT_EQ(e->rule, "external-medium-quarantine");
  EXPECT_EQ(e->clauses, (std::vector<std::string>{"E.2", "C.14"}));
  EXPECT_EQ(e->sender, "ateacher@example-usd.org");
  EXPECT_EQ(e->recipients, std::vector<std::string>{"friend@gmail.com"});
  EXPECT_EQ(e->subject, "dob-outside");
  EXPECT_EQ(e->release_role, "its-admin");
  auto bytes = q_->Bytes(*e);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, bytes_);
  // The verdict is kept with its findings redacted.
  EXPECT_NE(e->verdict.find("date-of-birth"), std::string::npos);
  EXPECT_EQ(e->verdict.find("04/12/2011"), std::string::npos);
  auto list = q_->List({"held", 10, 0});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, id);
}

TEST_P(QuarantineTest, ReleaseSendsOnceAndTheDoorLetsItBackOnce) {
  int64_t id = HoldOne();
  std::string sent_bytes, sent_from;
  std::vector<std::string> sent_to;
  int sends = 0;
  auto fake = [&](std::string_view b, const std::string& from,
                  const std::vector<std::string>& to) {
    ++sends;
    sent_bytes = b;
    sent_from = from;
    sent_to = to;
    return core::Status::Ok();
  };
  ASSERT_TRUE(q_->Release(id, {"cli:its", ""}, fake).ok());
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(sent_bytes, bytes_);  // unchanged
  EXPECT_EQ(sent_from, "ateacher@example-usd.org");
  EXPECT_EQ(sent_to, std::vector<std::string>{"friend@gmail.com"});
  // Released twice: refused, nothing sent.
  auto again = q_->Release(id, {"cli:its", ""}, fake);
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("released"), std::string::npos);
  EXPECT_EQ(sends, 1);
  // Back through the door with a Received field added and CRLF made LF:
  // recognised once, then no more.
  std::string back = "Received: by steward.test (Postfix)\n" + bytes_;
  back.erase(std::remove(back.begin(), back.end(), '\r'), back.end());
  auto first =
      q_->TakeReleased(quarantine::BodyHash(back), "ateacher@example-usd.org");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto second =
      q_->TakeReleased(quarantine::BodyHash(back), "ateacher@example-usd.org");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
}

// Two people deciding one held message at once (two releases, a release and
// a delete): one decision wins, the message goes out at most once, and the
// audit chain holds one decision.
TEST_P(QuarantineTest, SimultaneousDecisionsOnOneMessageApplyOnce) {
  int64_t id = HoldOne();
  std::atomic<int> sends{0}, ok{0};
  auto fake = [&](std::string_view, const std::string&,
                  const std::vector<std::string>&) {
    ++sends;
    return core::Status::Ok();
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      audit::Actor actor{"cli:its" + std::to_string(i), ""};
      auto st = i % 4 == 3 ? q_->Delete(id, actor, "duplicate")
                           : q_->Release(id, actor, fake);
      if (st.ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1);
  auto e = q_->Get(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(sends, e->status == "released" ? 1 : 0) << e->status;
  auto decisions = audit::List(*db_, {.action = "quarantine.", .limit = 100});
  ASSERT_TRUE(decisions.ok());
  int decided = 0;
  for (const auto& d : *decisions) {
    if (d.action == "quarantine.release" || d.action == "quarantine.delete")
      ++decided;
  }
  EXPECT_EQ(decided, 1);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
}

TEST_P(QuarantineTest, AFailedReleaseLeavesTheMessageHeld) {
  int64_t id = HoldOne();
  auto failing = [](std::string_view, const std::string&,
                    const std::vector<std::string>&) {
    return core::Status::Io("sendmail exited 75: queue file write error");
  };
  auto st = q_->Release(id, {"cli:its", ""}, failing);
  EXPECT_FALSE(st.ok());
  auto e = q_->Get(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, "held");
  auto log = audit::List(*db_, {.action = "quarantine.release-failed"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
}

// A delete that comes while the release is still sending is told so (not
// that the message is gone for good), and once the send fails and the
// message is back on hold, the delete goes through.
TEST_P(QuarantineTest, ADeleteDuringASlowReleaseIsToldItIsBeingSent) {
  int64_t id = HoldOne();
  std::string during;
  auto slow_then_fails = [&](std::string_view, const std::string&,
                             const std::vector<std::string>&) {
    during = q_->Delete(id, {"portal:dana", ""}, "wrong list").message();
    return core::Status::Io("sendmail exited 75");
  };
  EXPECT_FALSE(q_->Release(id, {"portal:its", ""}, slow_then_fails).ok());
  EXPECT_NE(during.find("is being released by portal:its"), std::string::npos)
      << during;
  EXPECT_NE(during.find("comes back on hold"), std::string::npos) << during;
  EXPECT_EQ(q_->Get(id)->status, "held");
  ASSERT_TRUE(q_->Delete(id, {"portal:dana", ""}, "wrong list").ok());
  auto again = q_->Delete(id, {"portal:its", ""}, "again");
  EXPECT_NE(again.message().find("was deleted by portal:dana"),
            std::string::npos)
      << again.message();
}

TEST_P(QuarantineTest, DeleteIsADecisionRecordedNotAnErasure) {
  int64_t id = HoldOne();
  ASSERT_TRUE(
      q_->Delete(id, {"cli:its", ""}, "sent to a personal address").ok());
  auto e = q_->Get(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, "deleted");
  EXPECT_EQ(e->decided_by, "cli:its");
  EXPECT_TRUE(q_->Bytes(*e).ok());
  EXPECT_FALSE(q_->Delete(id, {"cli:its", ""}, "again").ok());
  EXPECT_FALSE(q_->Release(id, {"cli:its", ""},
                           [](std::string_view, const std::string&,
                              const std::vector<std::string>&) {
                             return core::Status::Ok();
                           })
                   .ok());
  EXPECT_FALSE(q_->Get(id + 100).ok());
  // Hold, delete: two entries, and the chain is intact.
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->entries, 2);
  EXPECT_FALSE(v->broken_seq.has_value());
}

TEST_P(QuarantineTest, ConductIsCountedPerSenderAndRecipientInTheWindow) {
  ASSERT_TRUE(q_->RecordConduct("A@example-usd.org", {"b@example-usd.org"},
                                {"harassment"})
                  .ok());
  ASSERT_TRUE(q_->RecordConduct("a@example-usd.org",
                                {"b@example-usd.org", "c@example-usd.org"},
                                {"profanity"})
                  .ok());
  EXPECT_EQ(
      q_->RecentConduct("a@example-usd.org", "b@example-usd.org", 24).value(),
      2u);
  EXPECT_EQ(
      q_->RecentConduct("a@example-usd.org", "c@example-usd.org", 24).value(),
      1u);
  EXPECT_EQ(
      q_->RecentConduct("x@example-usd.org", "b@example-usd.org", 24).value(),
      0u);
  auto id = q_->OpenOrRepeatIncident(
      "repeated-conduct", "a@example-usd.org\nb@example-usd.org", 168, {"C.19"},
      "a@example-usd.org", {{"recipients", {"b@example-usd.org"}}},
      {"milter", ""});
  ASSERT_TRUE(id.ok());
  auto log = audit::List(*db_, {.action = "incident.open"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
}

// A sender's MTA that did not hear our answer (a timeout, a dropped
// connection) sends the message again: the one already held is found, not
// held twice (docs/mail.md, the quarantine).
TEST_P(QuarantineTest, ARetriedMessageAlreadyHeldIsFoundNotHeldTwice) {
  int64_t first = HoldOne();
  ASSERT_GT(first, 0);
  int64_t again = HoldOne();
  EXPECT_EQ(again, first);
  auto list = q_->List({"", 10, 0});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  auto held = audit::List(*db_, {.action = "quarantine.hold"});
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->size(), 1u) << "the retry was audited as a second hold";
  // Another message from the same sender is held on its own.
  int64_t other = HoldOne("ssn-outside");
  EXPECT_NE(other, first);
  auto both = q_->List({"", 10, 0});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->size(), 2u);
}

// Blocks of one user's retries that arrive at once (several doors, or the
// browser's parallel requests) still make one incident: the search for an
// open incident and the insert of a new one are one step per key.
TEST_P(QuarantineTest, ParallelRepeatsOfOneKeyOpenOneIncident) {
  constexpr int kThreads = 8;
  std::atomic<int> opened{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto ref = q_->OpenOrRepeatIncident(
          "web-block", "ateacher\ndrive.google.com\ncloud-upload", 24,
          {"L.3.a"}, "ateacher",
          {{"reference", "W-00000000000" + std::to_string(i)}},
          {"icap", "192.0.2.44"});
      if (!ref.ok())
        ++failed;
      else if (ref->opened)
        ++opened;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(opened.load(), 1);
  auto rows = db_->Query(
      "SELECT COUNT(*), MAX(repeats) FROM incidents WHERE kind = 'web-block'");
  ASSERT_TRUE(rows.ok() && rows->size() == 1u);
  EXPECT_EQ(rows->front().Int(0), 1);
  EXPECT_EQ(rows->front().Int(1), kThreads - 1);
}

STEWARD_BOTH_BACKENDS(QuarantineTest);

}  // namespace
}  // namespace steward
