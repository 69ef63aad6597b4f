// The audit chain over the store, on SQLite and PostgreSQL alike: an edited,
// re-hashed or deleted entry is named; concurrent writers leave no gaps or
// forks; the list filters.
#include "audit/chain.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "test_store.h"

namespace steward {
namespace {

using store::P;
using testing::StoreTest;

class AuditChain : public StoreTest {
 protected:
  void Add(int n) {
    for (int i = 0; i < n; ++i) {
      auto e = audit::Append(*db_, {.actor = "admin",
                                    .action = "test.change",
                                    .target = "thing/" + std::to_string(i),
                                    .detail = R"({"n":1})",
                                    .ip = "127.0.0.1"});
      ASSERT_TRUE(e.ok()) << e.status().message();
    }
  }
};
STEWARD_BOTH_BACKENDS(AuditChain);

TEST_P(AuditChain, IntactChainVerifies) {
  Add(5);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->entries, 5);
  EXPECT_FALSE(v->broken_seq.has_value());
  EXPECT_EQ(v->head_hash.size(), 64u);
}

TEST_P(AuditChain, AnEditedEntryIsNamed) {
  Add(5);
  ASSERT_TRUE(
      db_->Exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").ok());
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->broken_seq.has_value());
  EXPECT_EQ(*v->broken_seq, 3);
  EXPECT_EQ(v->entries, 2);
  EXPECT_NE(v->reason.find("edited"), std::string::npos);
}

TEST_P(AuditChain, ARehashedEditBreaksTheNextLink) {
  Add(4);
  auto list = audit::List(*db_, {.limit = 10});
  ASSERT_TRUE(list.ok());
  audit::Entry e = list->at(2);  // seq 2 (newest first)
  ASSERT_EQ(e.seq, 2);
  e.detail = R"({"n":2})";
  std::string forged = audit::HashOf(e);
  ASSERT_TRUE(
      db_->Exec("UPDATE audit_log SET detail = ?, hash = ? WHERE seq = 2",
                {P(e.detail), P(forged)})
          .ok());
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->broken_seq.has_value());
  EXPECT_EQ(*v->broken_seq, 3);
}

TEST_P(AuditChain, ADeletedEntryIsNamed) {
  Add(5);
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE seq = 2").ok());
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->broken_seq.has_value());
  EXPECT_EQ(*v->broken_seq, 2);
  EXPECT_NE(v->reason.find("missing"), std::string::npos);
}

TEST_P(AuditChain, ConcurrentWritersLeaveNoGapsOrForks) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 20; ++i) {
        auto e = audit::Append(
            *db_, {.actor = "w", .action = "test.concurrent", .target = "x"});
        EXPECT_TRUE(e.ok()) << e.status().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->entries, 120);
  EXPECT_FALSE(v->broken_seq.has_value()) << v->reason;
}

TEST_P(AuditChain, ListFilters) {
  Add(3);
  ASSERT_TRUE(
      audit::Append(
          *db_, {.actor = "bob", .action = "sign-in", .target = "account/bob"})
          .ok());
  auto by_actor = audit::List(*db_, {.actor = "bob"});
  ASSERT_TRUE(by_actor.ok());
  ASSERT_EQ(by_actor->size(), 1u);
  auto by_prefix = audit::List(*db_, {.action = "test."});
  ASSERT_TRUE(by_prefix.ok());
  EXPECT_EQ(by_prefix->size(), 3u);
  auto by_text = audit::List(*db_, {.text = "thing/1"});
  ASSERT_TRUE(by_text.ok());
  EXPECT_EQ(by_text->size(), 1u);
  auto page = audit::List(*db_, {.before_seq = 3, .limit = 10});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 2u);
}

}  // namespace
}  // namespace steward
