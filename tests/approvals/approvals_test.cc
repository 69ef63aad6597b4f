// The approvals register on both stores, with the bundled pack's types:
// a request keeps what was asked, checked field by field, with its
// fingerprint; it is decided once, never by its requester, refused only
// with a reason, withdrawn only by who asked; every step audited.
#include "approvals/approvals.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "audit/chain.h"
#include "bundled_engine.h"
#include "policy/loader.h"
#include "test_store.h"

namespace steward {
namespace {

using testing::StoreTest;

class ApprovalsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    auto loaded = policy::LoadPack(testing::PackDir());
    ASSERT_TRUE(loaded.pack) << "the bundled pack loads";
    pack_ = loaded.pack;
  }
  const policy::ApprovalsPolicy::Type& Type(const std::string& id) {
    const auto* t = pack_->approvals.Find(id);
    EXPECT_NE(t, nullptr) << id;
    return *t;
  }
  int64_t Purchase(const std::string& who = "ada") {
    auto id = approvals::Create(*db_, Type("purchase"),
                                {{"item", "Two document cameras"},
                                 {"cost", "$1,250.5"},
                                 {"purpose", "Grade 3 science\x1b[31m lab"},
                                 {"not_a_field", "dropped"}},
                                who, {who, "10.0.0.7"});
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }
  policy::PackPtr pack_;
};
STEWARD_BOTH_BACKENDS(ApprovalsTest);

TEST_P(ApprovalsTest, ARequestKeepsWhatWasAskedCheckedAndFingerprinted) {
  int64_t id = Purchase();
  auto r = approvals::Get(*db_, id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, "waiting");
  EXPECT_EQ(r->decides, "its-admin");
  EXPECT_EQ(r->clauses, std::vector<std::string>{"O.1"});
  ASSERT_EQ(r->fields.size(), 3u);
  EXPECT_EQ(r->fields[0], (std::pair<std::string, std::string>{
                              "item", "Two document cameras"}));
  EXPECT_EQ(r->fields[1].second, "1250.50");
  EXPECT_EQ(r->fields[2].second.find('\x1b'), std::string::npos);
  EXPECT_EQ(r->sha256.size(), 64u);
  EXPECT_TRUE(r->intact);
  auto log = audit::List(*db_, {.action = "approval.request"});
  ASSERT_TRUE(log.ok() && log->size() == 1);
  EXPECT_EQ(log->front().actor, "ada");
  // A change behind the register's back shows: the fingerprint no longer
  // matches.
  ASSERT_TRUE(db_->Exec("UPDATE approvals SET fields = "
                        "'[[\"item\",\"Forty laptops\"]]' WHERE id = " +
                        std::to_string(id))
                  .ok());
  EXPECT_FALSE(approvals::Get(*db_, id)->intact);
  // So does a changed deciding role or held message (found by attacking).
  int64_t other = Purchase();
  ASSERT_TRUE(db_->Exec("UPDATE approvals SET decides = 'employee' WHERE "
                        "id = " +
                        std::to_string(other))
                  .ok());
  EXPECT_FALSE(approvals::Get(*db_, other)->intact);
}

TEST_P(ApprovalsTest, EachFieldIsOfItsKindAndRequiredOnesSaySomething) {
  struct Case {
    const char* type;
    std::map<std::string, std::string> values;
    const char* error;  // a piece of the message; "" when accepted
  };
  const Case cases[] = {
      {"purchase", {{"item", "x"}, {"cost", "12"}}, "What it is for"},
      {"purchase",
       {{"item", "x"}, {"cost", "twelve"}, {"purpose", "y"}},
       "an amount in dollars"},
      {"purchase",
       {{"item", "x"}, {"cost", "99999999"}, {"purpose", "y"}},
       "more than $10,000,000"},
      {"purchase",
       {{"item", "two\nlines"}, {"cost", "1"}, {"purpose", "y"}},
       "one line"},
      {"purchase",
       {{"item", " \u200b "}, {"cost", "1"}, {"purpose", "y"}},
       "Fill in"},
      {"fee-based-service",
       {{"service", "Quizlet"},
        {"address", "https://quiz\u202elet.com"},
        {"yearly_cost", "35"},
        {"purpose", "y"}},
       "web address"},
      {"fee-based-service",
       {{"service", "Quizlet"},
        {"address", "javascript:alert(1)"},
        {"yearly_cost", "35"},
        {"purpose", "y"}},
       "web address"},
      {"vendor-agreement",
       {{"vendor", "V"}, {"data", "names"}, {"start", "2026-13-40"}},
       "From when"},
      {"mass-mail",
       {{"audience", "All staff"}, {"purpose", "p"}, {"held_message", "-3"}},
       "number of a held message"},
      {"mass-mail",
       {{"audience", "All staff"}, {"purpose", "p"}, {"held_message", "17"}},
       ""},
      {"purchase",
       {{"item", "x"}, {"cost", "1"}, {"purpose", std::string(4001, 'a')}},
       "4000 characters"},
  };
  for (const auto& c : cases) {
    auto id =
        approvals::Create(*db_, Type(c.type), c.values, "ada", {"ada", ""});
    if (*c.error == 0) {
      ASSERT_TRUE(id.ok()) << c.type << ": " << id.status().message();
      auto r = approvals::Get(*db_, *id);
      EXPECT_EQ(r->held_id, 17);
    } else {
      ASSERT_FALSE(id.ok()) << c.type << " accepted";
      EXPECT_NE(id.status().message().find(c.error), std::string::npos)
          << id.status().message();
    }
  }
}

TEST_P(ApprovalsTest, TheRequesterNeverDecidesAndARefusalNeedsAReason) {
  int64_t id = Purchase("ada");
  auto own = approvals::Decide(*db_, id, true, "", "ada", {"ada", ""});
  EXPECT_FALSE(own.ok());
  EXPECT_NE(own.message().find("someone else decides"), std::string::npos);
  auto bare = approvals::Decide(*db_, id, false, "  ", "its", {"its", ""});
  EXPECT_FALSE(bare.ok());
  EXPECT_NE(bare.message().find("reason"), std::string::npos);
  ASSERT_TRUE(approvals::Decide(*db_, id, false, "Buy through the bid list.",
                                "its", {"its", ""})
                  .ok());
  auto r = approvals::Get(*db_, id);
  EXPECT_EQ(r->state, "refused");
  EXPECT_EQ(r->decided_by, "its");
  EXPECT_EQ(r->reason, "Buy through the bid list.");
  // Decided once: neither a second decision nor a withdrawal changes it.
  auto again = approvals::Decide(*db_, id, true, "", "its2", {"its2", ""});
  EXPECT_NE(again.message().find("was refused by its"), std::string::npos)
      << again.message();
  EXPECT_FALSE(approvals::Withdraw(*db_, id, "ada", {"ada", ""}).ok());
  // Withdrawn only by who asked, while it waits.
  int64_t other = Purchase("ada");
  EXPECT_FALSE(approvals::Withdraw(*db_, other, "grace", {"grace", ""}).ok());
  ASSERT_TRUE(approvals::Withdraw(*db_, other, "ada", {"ada", ""}).ok());
  EXPECT_EQ(approvals::Get(*db_, other)->state, "withdrawn");
  EXPECT_EQ(approvals::Count(*db_, {.state = "waiting"}).value(), 0);
  EXPECT_EQ(approvals::Count(*db_, {.requester = "ada"}).value(), 2);
  EXPECT_EQ(approvals::Count(*db_, {.decides = {"designee"}}).value(), 0);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->entries, 4);  // two requests, a refusal, a withdrawal
  EXPECT_FALSE(approvals::Get(*db_, other + 100).ok());
}

TEST_P(ApprovalsTest, ParallelDecisionsDecideOnce) {
  int64_t id = Purchase();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      const std::string who = "its" + std::to_string(i);
      if (approvals::Decide(*db_, id, i % 2 == 0, "decided by " + who, who,
                            {who, ""})
              .ok())
        ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  auto entries = audit::List(*db_, {.limit = 100});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 2u);  // the request and one decision
}

}  // namespace
}  // namespace steward
