// The store: one small SQL interface over SQLite (the embedded default) and
// PostgreSQL (past one machine), so every module above writes its SQL once.
//
// SQL is written with `?` placeholders and in the subset both engines share;
// the PostgreSQL backend renumbers placeholders to $1..$n. Values travel as
// text (NULL is std::nullopt): timestamps are ISO-8601 UTC strings, integers
// decimal, booleans 0/1, so both engines store and compare them alike.
//
// Errors are values: a failed statement returns a Status naming the statement
// and the engine's message. A Database is thread-safe: it holds a small pool
// of connections and each call borrows one. Transact() runs a function on one
// connection inside a transaction, committing when it returns OK.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/text.h"

namespace steward::store {

using Value = std::optional<std::string>;
using Params = std::vector<Value>;

enum class Dialect { kSqlite, kPostgres };

// One result row; columns in SELECT order.
struct Row {
  std::vector<Value> cols;
  // The text of column i, "" for NULL.
  const std::string& Text(size_t i) const;
  // Column i as an integer, `fallback` for NULL or non-numbers.
  int64_t Int(size_t i, int64_t fallback = 0) const;
  bool IsNull(size_t i) const { return !cols.at(i).has_value(); }
};
using Rows = std::vector<Row>;
// Called for each row of a streamed query; false stops it. The row may be
// moved from. It must not use the database: its connection is busy (a
// statement run on it meanwhile fails), and the pool may have no other.
using RowFn = std::function<bool(Row&)>;

// Params helpers: P(42), P("text"), Null().
inline Value P(std::string s) { return Value(std::move(s)); }
inline Value P(const char* s) { return Value(std::string(s)); }
inline Value P(int64_t n) { return Value(std::to_string(n)); }
inline Value P(int n) { return Value(std::to_string(n)); }
inline Value Null() { return std::nullopt; }

// One connection. Not thread-safe; owned by the Database's pool.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  core::Result<Rows> Query(std::string_view sql, const Params& params = {}) {
    Rows rows;
    auto st = Run(
        sql, params,
        [&](Row& r) {
          rows.push_back(std::move(r));
          return true;
        },
        false);
    if (!st.ok()) return st;
    return rows;
  }
  // The rows one at a time, never all in memory (PostgreSQL's single-row
  // mode): for a scan of a large table.
  // An exception from `each` stops the rows and is returned as Internal.
  core::Status ForEach(std::string_view sql, const Params& params,
                       const RowFn& each) {
    std::string thrown;
    auto st = Run(
        sql, params,
        [&](Row& r) {
          try {
            return each(r);
          } catch (const std::exception& e) {
            thrown = e.what();
          } catch (...) {
            thrown = "an exception";
          }
          return false;
        },
        true);
    if (!thrown.empty())
      return core::Status::Internal("reading rows failed: " + thrown);
    return st;
  }
  // Runs statements that return no rows; several may be separated by ';'
  // when `params` is empty (migrations).
  virtual core::Status Exec(std::string_view sql,
                            const Params& params = {}) = 0;
  // Serializes writers of `table` until the transaction ends (the audit chain
  // needs its last entry not to change under it). SQLite transactions are
  // already exclusive (BEGIN IMMEDIATE), so this is a no-op there.
  virtual core::Status LockTable(std::string_view table) = 0;
  // Serializes transactions that name the same `key` until this one ends,
  // across processes (PostgreSQL: an advisory lock on the key's hash), so
  // that two that look for a row and insert it when missing do not both
  // insert. A no-op on SQLite, whose transactions are already exclusive.
  virtual core::Status LockKey(std::string_view key) = 0;

 protected:
  // Runs one statement with parameters, giving its rows to `each` (empty:
  // discard them) until it returns false; `stream`: the rows are not held
  // all at once by the client library either.
  virtual core::Status Run(std::string_view sql, const Params& params,
                           const RowFn& each, bool stream) = 0;
};

class Database {
 public:
  // `target`: a PostgreSQL URL (postgresql://… or postgres://…), or a path to
  // a SQLite file ("sqlite:PATH" or a plain path). `pool` connections at most.
  static core::Result<std::unique_ptr<Database>> Open(const std::string& target,
                                                      int pool = 8);
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  // "sqlite:/var/lib/steward/steward.db" or the URL without its password.
  virtual std::string Describe() const = 0;

  core::Result<Rows> Query(std::string_view sql, const Params& params = {});
  // Conn::ForEach on a connection of the pool.
  core::Status ForEach(std::string_view sql, const Params& params,
                       const RowFn& each);
  core::Status Exec(std::string_view sql, const Params& params = {});
  // Runs `fn` in a transaction on one connection: commit when it returns OK,
  // roll back otherwise (and on a failed commit, whose Status is returned).
  // An exception thrown by `fn` rolls back too and is returned as Internal;
  // the connection always goes back to the pool.
  core::Status Transact(const std::function<core::Status(Conn&)>& fn);

 protected:
  Database() = default;
  // Borrow a connection (blocking while all are busy) and give it back.
  virtual core::Result<std::unique_ptr<Conn>> Acquire() = 0;
  virtual void Release(std::unique_ptr<Conn> conn) = 0;
  virtual std::string_view BeginStatement() const = 0;
};

// "?" placeholders to "$1".."$n", skipping quoted literals. For PostgreSQL.
std::string NumberPlaceholders(std::string_view sql);

// The store's times are core::NowUtc's ISO-8601 UTC strings.
using core::NowUtc;

// Keyset paging, newest first, for a query whose WHERE clause `sql` ends
// with: " AND <id> < ?" when `before_id` > 0 (its value added to `params`),
// then " ORDER BY <id> DESC LIMIT n" (n = `limit`, 100 when not positive).
// The limit is written into the text, not a parameter: PostgreSQL can then
// keep one plan for the statement, knowing how few rows it wants.
void NewestFirst(std::string& sql, Params& params, int64_t before_id, int limit,
                 std::string_view id = "id");

// Appends `value` for a comparison: as a quoted literal when it is a plain
// word (1 to 32 of a-z, 0-9 and '-', such as a status), so that PostgreSQL
// keeps one plan for the statement instead of planning it again at every
// run for a value whose rows are many or few; anything else as a "?"
// parameter added to `params`.
void AddWord(std::string& sql, Params& params, std::string_view value);

// "?, ?, ?" for `values`, each added to `params` ("" for none).
std::string Placeholders(const std::vector<std::string>& values,
                         Params& params);

// The condition that `column` is one of `values`, except that rows whose
// value is `narrowed` count only where the condition `narrow` writes also
// holds (`narrow` adds its own parameters; "" from it: none of those rows
// count). Without `narrow`, a plain IN. "(1 = 0)" when nothing can match.
// Parameters are added in the order of the text.
std::string OneOf(std::string_view column,
                  const std::vector<std::string>& values, Params& params,
                  std::string_view narrowed = "",
                  const std::function<std::string(Params&)>& narrow = nullptr);

// A register's reads, one shape for all: each row of `sql` made a T by
// `from_row` (Row -> T), in order; ...
template <class T, class F>
core::Result<std::vector<T>> QueryAs(Database& db, std::string_view sql,
                                     const Params& params, F from_row) {
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<T> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(from_row(r));
  return out;
}
// ... the one row's T, NotFound(`missing`) when there is none; ...
template <class T, class F>
core::Result<T> QueryOneAs(Database& db, std::string_view sql,
                           const Params& params, F from_row,
                           const std::string& missing) {
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return core::Status::NotFound(missing);
  return from_row(rows->front());
}
// ... and the first column of the first row as a number (a COUNT).
core::Result<int64_t> QueryCount(Database& db, std::string_view sql,
                                 const Params& params = {});

}  // namespace steward::store
