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

// Rows streamed one at a time: all of them, or as many as the reader wants;
// a statement run from inside the rows on the same connection is refused
// rather than resetting them; a reader that throws ends with an error and
// the connection is whole for the next statement.
TEST_P(Migrations, RowsStreamStopAndRefuseAStatementInside) {
  for (int i = 0; i < 50; ++i) {
    auto st = db_->Exec(
        "INSERT INTO sites (source, source_id, name, kind, updated_at) VALUES "
        "('t', ?, 'S', 'school', 'now')",
        {store::P(std::to_string(i))});
    ASSERT_TRUE(st.ok()) << st.message();
  }
  const std::string all = "SELECT source_id FROM sites ORDER BY id";
  int seen = 0;
  ASSERT_TRUE(db_->ForEach(all, {},
                           [&](store::Row&) {
                             ++seen;
                             return true;
                           })
                  .ok());
  EXPECT_EQ(seen, 50);
  seen = 0;
  ASSERT_TRUE(
      db_->ForEach(all, {}, [&](store::Row&) { return ++seen < 7; }).ok());
  EXPECT_EQ(seen, 7);
  auto st = db_->Transact([&](store::Conn& c) -> core::Status {
    core::Status inner;
    auto outer = c.ForEach(all, {}, [&](store::Row&) {
      inner = c.Query(all).status();
      return false;
    });
    EXPECT_TRUE(outer.ok()) << outer.message();
    EXPECT_FALSE(inner.ok());
    return c.Exec("UPDATE sites SET name = 'T' WHERE source_id = '1'");
  });
  EXPECT_TRUE(st.ok()) << st.message();
  st = db_->ForEach(all, {}, [](store::Row&) -> bool {
    throw std::runtime_error("a reader failed");
  });
  EXPECT_EQ(st.code(), core::Code::kInternal);
  auto rows = db_->Query("SELECT COUNT(*) FROM sites WHERE name = 'T'");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->front().Int(0), 1);
}

// A statement run again and again (prepared on PostgreSQL from its second
// run) answers each run with its own values, a query and a change alike,
// inside and outside transactions; and after the server ends the session
// (a restart, an administrator's pg_terminate_backend) the same statement
// works again on the new one.
TEST_P(Migrations, AStatementRunManyTimesAnswersEachRunAndSurvivesANewSession) {
  auto one = store::Database::Open(url_, 1);
  ASSERT_TRUE(one.ok()) << one.status().message();
  store::Database& db = **one;
  const std::string add =
      "INSERT INTO sites (source, source_id, name, kind, updated_at) VALUES "
      "('t', ?, ?, 'school', 'now')";
  const std::string get = "SELECT name FROM sites WHERE source_id = ?";
  for (int i = 0; i < 8; ++i) {
    const std::string id = std::to_string(i);
    ASSERT_TRUE(db.Exec(add, {store::P(id), store::P("Site " + id)}).ok());
    auto st = db.Transact([&](store::Conn& c) -> core::Status {
      auto rows = c.Query(get, {store::P(id)});
      if (!rows.ok()) return rows.status();
      EXPECT_EQ(rows->size(), 1u);
      if (!rows->empty()) {
        EXPECT_EQ(rows->front().Text(0), "Site " + id);
      }
      return {};
    });
    ASSERT_TRUE(st.ok()) << st.message();
  }
  if (GetParam() != testing::Backend::kPostgres) return;
  // End the pool's session from another connection.
  auto pid = db.Query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(db_->Exec("SELECT pg_terminate_backend(?::int)",
                        {store::P(pid->front().Text(0))})
                  .ok());
  // The statement in flight when the session ended fails; the next runs
  // on a new session, where nothing is prepared yet.
  bool answered = false;
  for (int tries = 0; tries < 3 && !answered; ++tries) {
    auto rows = db.Query(get, {store::P("3")});
    answered =
        rows.ok() && rows->size() == 1 && rows->front().Text(0) == "Site 3";
  }
  EXPECT_TRUE(answered);
  for (int i = 0; i < 3; ++i) {
    auto rows = db.Query(get, {store::P("5")});
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_EQ(rows->front().Text(0), "Site 5");
  }
}

// A word written into a statement's text (store::AddWord) finds what a
// parameter would, and a value that is not a plain word stays a parameter:
// quotes in it match themselves and change nothing of the statement.
TEST_P(Migrations, AWordInTheTextMatchesAsAParameterWould) {
  for (const char* name : {"held", "it's", "x' OR '1'='1"}) {
    ASSERT_TRUE(
        db_->Exec("INSERT INTO sites (source, source_id, name, kind, "
                  "updated_at) VALUES ('t', ?, ?, 'school', 'now')",
                  {store::P(std::string(name)), store::P(std::string(name))})
            .ok());
  }
  auto count = [&](const std::string& value) {
    std::string sql = "SELECT COUNT(*) FROM sites WHERE name = ";
    store::Params params;
    store::AddWord(sql, params, value);
    auto n = store::QueryCount(*db_, sql, params);
    EXPECT_TRUE(n.ok()) << sql;
    return std::make_pair(n.ok() ? *n : -1, params.size());
  };
  EXPECT_EQ(count("held"), std::make_pair(int64_t{1}, size_t{0}));
  EXPECT_EQ(count("it's"), std::make_pair(int64_t{1}, size_t{1}));
  EXPECT_EQ(count("x' OR '1'='1"), std::make_pair(int64_t{1}, size_t{1}));
  EXPECT_EQ(count("released"), std::make_pair(int64_t{0}, size_t{0}));
  EXPECT_EQ(count(""), std::make_pair(int64_t{0}, size_t{1}));
}

}  // namespace
}  // namespace steward
