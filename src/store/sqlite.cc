// SQLite backend: one sqlite3 handle per Conn, WAL journal, 5 s busy timeout.
#include <fmt/format.h>
#include <sqlite3.h>

#include <unordered_map>

#include "store/backends.h"

namespace steward::store::detail {

namespace {

class SqliteConn final : public Conn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }

  core::Status Exec(std::string_view sql, const Params& params) override {
    if (params.empty()) {
      // Possibly several statements (a migration).
      char* err = nullptr;
      std::string text(sql);
      if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) !=
          SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        return Error(sql, msg);
      }
      return {};
    }
    return Run(sql, params, {}, false);
  }

  core::Status LockTable(std::string_view) override { return {}; }
  core::Status LockKey(std::string_view) override { return {}; }

 private:
  static core::Status Error(std::string_view sql, std::string_view msg) {
    std::string_view head = sql.substr(0, 60);
    return core::Status::Io(fmt::format("database: {} (in \"{}{}\")", msg, head,
                                        sql.size() > 60 ? "…" : ""));
  }

  // Prepared statements are kept per connection, keyed by their text: an
  // import runs the same upsert 100,000 times.
  sqlite3_stmt* Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK) {
      return nullptr;
    }
    if (cache_.size() >= 128) {
      for (auto& [text, old] : cache_) sqlite3_finalize(old);
      cache_.clear();
    }
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  core::Status Run(std::string_view sql, const Params& params,
                   const RowFn& each, bool /*stream: always*/) override {
    // A statement run from inside another's rows would reset it (or, on
    // PostgreSQL, find the connection busy): refused.
    if (running_)
      return Error(sql, "a statement is still giving rows on this connection");
    running_ = true;
    struct Done {
      bool& flag;
      ~Done() { flag = false; }
    } done{running_};
    sqlite3_stmt* stmt = Prepare(sql);
    if (!stmt) return Error(sql, sqlite3_errmsg(db_));
    for (size_t i = 0; i < params.size(); ++i) {
      int rc = params[i]
                   ? sqlite3_bind_text(
                         stmt, static_cast<int>(i + 1), params[i]->data(),
                         static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
                   : sqlite3_bind_null(stmt, static_cast<int>(i + 1));
      if (rc != SQLITE_OK) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return Error(sql, sqlite3_errmsg(db_));
      }
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (!each) continue;
      Row row;
      int n = sqlite3_column_count(stmt);
      row.cols.reserve(n);
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.cols.emplace_back(std::nullopt);
        } else {
          const auto* text = sqlite3_column_text(stmt, c);
          int len = sqlite3_column_bytes(stmt, c);
          row.cols.emplace_back(
              std::string(reinterpret_cast<const char*>(text), len));
        }
      }
      if (!each(row)) {
        rc = SQLITE_DONE;
        break;
      }
    }
    core::Status st;
    if (rc != SQLITE_DONE) st = Error(sql, sqlite3_errmsg(db_));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return st;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  bool running_ = false;
};

}  // namespace

core::Result<std::unique_ptr<Conn>> ConnectSqlite(const std::string& path) {
  // SQLite counts every allocation under one process-wide mutex unless told
  // not to: with a few requests each reading thousands of rows, the threads
  // spent their time waiting on it (a search 4x slower at 4 at once than
  // alone). Set before the library's first use.
  static const bool kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)kConfigured;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return core::Status::Io(fmt::format("{}: cannot open: {}", path, msg));
  }
  sqlite3_busy_timeout(db, 5000);
  auto conn = std::make_unique<SqliteConn>(db);
  // WAL: readers never block the writer; synchronous=FULL so a committed
  // acknowledgement or audit entry survives power loss.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-32768"}) {
    if (auto st = conn->Exec(pragma, {}); !st.ok()) {
      return core::Status::Io(fmt::format("{}: {}", path, st.message()));
    }
  }
  return std::unique_ptr<Conn>(std::move(conn));
}

}  // namespace steward::store::detail
