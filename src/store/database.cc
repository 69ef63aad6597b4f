#include "store/database.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <mutex>

#include "core/text.h"
#include "store/backends.h"

namespace steward::store {

namespace {

const std::string kEmpty;

// A bounded pool of connections made on demand by `connect`.
class PooledDatabase final : public Database {
 public:
  using Connect = std::function<core::Result<std::unique_ptr<Conn>>()>;
  PooledDatabase(Dialect dialect, std::string describe, Connect connect,
                 int size)
      : dialect_(dialect),
        describe_(std::move(describe)),
        connect_(std::move(connect)),
        size_(size) {}

  Dialect dialect() const override { return dialect_; }
  std::string Describe() const override { return describe_; }

  core::Status Prime() {
    auto conn = connect_();
    if (!conn.ok()) return conn.status();
    ++open_;
    idle_.push_back(std::move(conn).value());
    return {};
  }

 protected:
  core::Result<std::unique_ptr<Conn>> Acquire() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    auto conn = connect_();
    if (!conn.ok()) {
      std::lock_guard relock(mu_);
      --open_;
      cv_.notify_one();
    }
    return conn;
  }
  void Release(std::unique_ptr<Conn> conn) override {
    std::lock_guard lock(mu_);
    if (conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;  // a broken connection is dropped; the next caller reconnects
    }
    cv_.notify_one();
  }
  std::string_view BeginStatement() const override {
    // IMMEDIATE takes SQLite's write lock at once, so two writers never
    // deadlock upgrading from read to write. On PostgreSQL, READ COMMITTED
    // whatever the server's default: a statement after a lock (LockTable,
    // LockKey) must see what the lock's last holder committed.
    return dialect_ == Dialect::kSqlite
               ? "BEGIN IMMEDIATE"
               : "BEGIN ISOLATION LEVEL READ COMMITTED";
  }

 private:
  Dialect dialect_;
  std::string describe_;
  Connect connect_;
  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;
};

// postgresql://user:secret@host/db → postgresql://user:***@host/db
std::string HidePassword(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace

const std::string& Row::Text(size_t i) const {
  const auto& v = cols.at(i);
  return v ? *v : kEmpty;
}

int64_t Row::Int(size_t i, int64_t fallback) const {
  const auto& v = cols.at(i);
  if (!v) return fallback;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  return ec == std::errc() ? n : fallback;
}

core::Result<std::unique_ptr<Database>> Database::Open(
    const std::string& target, int pool) {
  if (target.rfind("postgresql://", 0) == 0 ||
      target.rfind("postgres://", 0) == 0) {
    auto db = std::make_unique<PooledDatabase>(
        Dialect::kPostgres, HidePassword(target),
        [target] { return detail::ConnectPostgres(target); }, pool);
    if (auto st = db->Prime(); !st.ok()) return st;
    return std::unique_ptr<Database>(std::move(db));
  }
  std::string path =
      target.rfind("sqlite:", 0) == 0 ? target.substr(7) : target;
  if (path.empty()) return core::Status::Invalid("empty database path");
  auto db = std::make_unique<PooledDatabase>(
      Dialect::kSqlite, "sqlite:" + path,
      [path] { return detail::ConnectSqlite(path); }, pool);
  if (auto st = db->Prime(); !st.ok()) return st;
  return std::unique_ptr<Database>(std::move(db));
}

core::Result<Rows> Database::Query(std::string_view sql, const Params& params) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Query(sql, params);
  Release(std::move(conn).value());
  return rows;
}

core::Status Database::ForEach(std::string_view sql, const Params& params,
                               const RowFn& each) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->ForEach(sql, params, each);
  Release(std::move(conn).value());
  return st;
}

core::Status Database::Exec(std::string_view sql, const Params& params) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Exec(sql, params);
  Release(std::move(conn).value());
  return st;
}

core::Status Database::Transact(const std::function<core::Status(Conn&)>& fn) {
  auto acquired = Acquire();
  if (!acquired.ok()) return acquired.status();
  std::unique_ptr<Conn> conn = std::move(acquired).value();
  core::Status st = conn->Exec(BeginStatement());
  if (st.ok()) {
    // An exception from `fn` is a failed transaction: rolled back, and the
    // connection goes back to the pool (or is dropped), never leaked.
    try {
      st = fn(*conn);
    } catch (const std::exception& e) {
      st = core::Status::Internal(std::string("transaction failed: ") +
                                  e.what());
    } catch (...) {
      st = core::Status::Internal("transaction failed");
    }
    if (st.ok()) {
      st = conn->Exec("COMMIT");
      if (!st.ok()) (void)conn->Exec("ROLLBACK");
    } else {
      auto rb = conn->Exec("ROLLBACK");
      if (!rb.ok()) conn.reset();  // state unknown: do not reuse it
    }
  }
  Release(std::move(conn));
  return st;
}

std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

void NewestFirst(std::string& sql, Params& params, int64_t before_id, int limit,
                 std::string_view id) {
  if (before_id > 0) {
    sql += fmt::format(" AND {} < ?", id);
    params.push_back(P(before_id));
  }
  sql += fmt::format(" ORDER BY {} DESC LIMIT {}", id, limit > 0 ? limit : 100);
}

void AddWord(std::string& sql, Params& params, std::string_view value) {
  const bool plain = !value.empty() && value.size() <= 32 &&
                     std::all_of(value.begin(), value.end(), [](char ch) {
                       return (ch >= 'a' && ch <= 'z') ||
                              (ch >= '0' && ch <= '9') || ch == '-';
                     });
  if (plain) {
    sql += '\'';
    sql += value;
    sql += '\'';
    return;
  }
  sql += '?';
  params.push_back(P(std::string(value)));
}

std::string Placeholders(const std::vector<std::string>& values,
                         Params& params) {
  std::string in;
  for (const auto& v : values) {
    in += in.empty() ? "?" : ", ?";
    params.push_back(P(v));
  }
  return in;
}

std::string OneOf(std::string_view column,
                  const std::vector<std::string>& values, Params& params,
                  std::string_view narrowed,
                  const std::function<std::string(Params&)>& narrow) {
  std::vector<std::string> open;
  bool narrowed_asked = false;
  for (const auto& v : values) {
    if (narrow && v == narrowed)
      narrowed_asked = true;
    else
      open.push_back(v);
  }
  std::vector<std::string> either;
  if (!open.empty())
    either.push_back(
        fmt::format("{} IN ({})", column, Placeholders(open, params)));
  if (narrowed_asked) {
    Params also_params;
    const std::string also = narrow(also_params);
    if (!also.empty()) {
      params.push_back(P(std::string(narrowed)));
      params.insert(params.end(), also_params.begin(), also_params.end());
      either.push_back(fmt::format("({} = ? AND {})", column, also));
    }
  }
  if (either.empty()) return "(1 = 0)";
  return "(" + core::Join(either, " OR ") + ")";
}

core::Result<int64_t> QueryCount(Database& db, std::string_view sql,
                                 const Params& params) {
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : rows->front().Int(0);
}

}  // namespace steward::store
