// The store's schema migrations, on SQLite and PostgreSQL alike: applying
// them again changes nothing, a newer schema is refused, and a failed
// transaction leaves nothing behind.
#include "store/migrations.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "test_store.h"

namespace steward {
namespace {

using testing::StoreTest;

class Migrations : public StoreTest {};
STEWARD_BOTH_BACKENDS(Migrations);

TEST_P(Migrations, AreIdempotentAndRefuseANewerSchema) {
  auto again = store::Migrate(*db_);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->to, store::Migrations().back().version);
  ASSERT_TRUE(db_->Exec("INSERT INTO schema_migrations (version, name, "
                        "applied_at) VALUES (999, 'future', 'x')")
                  .ok());
  auto refused = store::Migrate(*db_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("newer than this Steward"),
            std::string::npos);
}

TEST_P(Migrations, AFailedTransactionLeavesNothing) {
  auto st = db_->Transact([](store::Conn& c) -> core::Status {
    auto ins = c.Exec(
        "INSERT INTO sites (source, source_id, name, kind, updated_at) "
        "VALUES ('t', '1', 'Lost', 'school', 'now')");
    if (!ins.ok()) return ins;
    return core::Status::Invalid("changed my mind");
  });
  EXPECT_FALSE(st.ok());
  auto rows = db_->Query("SELECT COUNT(*) FROM sites");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().Int(0), 0);
}

// A transaction whose function throws is rolled back and gives its
// connection back: more throwing transactions than the pool has
// connections still leave the store usable.
TEST_P(Migrations, AThrowingTransactionLeaksNoConnection) {
  for (int i = 0; i < 20; ++i) {
    auto st = db_->Transact([](store::Conn& c) -> core::Status {
      auto ins = c.Exec(
          "INSERT INTO sites (source, source_id, name, kind, updated_at) "
          "VALUES ('t', '1', 'Lost', 'school', 'now')");
      if (!ins.ok()) return ins;
      throw std::runtime_error("invalid UTF-8");
    });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), core::Code::kInternal);
  }
  auto rows = db_->Query("SELECT COUNT(*) FROM sites");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().Int(0), 0);
  EXPECT_TRUE(
      db_->Transact([](store::Conn&) { return core::Status::Ok(); }).ok());
}

}  // namespace
}  // namespace steward
