// PostgreSQL backend through libpq: text parameters and results.
//
// A statement seen twice on a connection is prepared there (a named
// server-side statement, as drivers such as JDBC and asyncpg do): the
// server parses it once, and may keep a generic plan for it after a few
// runs (plan_cache_mode auto), so a busy page does not pay for parsing and
// planning on every request. At most kPrepared statements a connection
// (then they are all let go and kept anew); a reset connection starts
// again.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <string>
#include <unordered_map>

#include "store/backends.h"

namespace steward::store::detail {

namespace {

class PgConn final : public Conn {
 public:
  explicit PgConn(PGconn* pg) : pg_(pg) {}
  ~PgConn() override { PQfinish(pg_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }

  core::Status Exec(std::string_view sql, const Params& params) override {
    if (params.empty()) {
      Reconnect();
      std::string text(sql);
      PGresult* res = PQexec(pg_, text.c_str());
      auto st = Check(res, sql);
      PQclear(res);
      return st;
    }
    return Run(sql, params, {}, false);
  }

  core::Status LockTable(std::string_view table) override {
    return Exec(fmt::format("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", table),
                {});
  }
  core::Status LockKey(std::string_view key) override {
    return Exec("SELECT pg_advisory_xact_lock(hashtext(?))",
                {P(std::string(key))});
  }

 private:
  static constexpr size_t kPrepared = 256;

  // A server restart breaks the connection; outside a transaction, a reset
  // lets the next statement go through (and its prepared statements are
  // gone with the old session).
  void Reconnect() {
    if (PQstatus(pg_) != CONNECTION_BAD) return;
    PQreset(pg_);
    prepared_.clear();
    seen_.clear();
  }

  // The name `text` is prepared under on this connection, preparing it the
  // second time it is seen; "" to run it unprepared (first sight, the cap
  // reached, or the server refused: the run then says why).
  std::string PreparedName(const std::string& text, int nparams) {
    if (auto it = prepared_.find(text); it != prepared_.end())
      return it->second;
    if (prepared_.size() >= kPrepared) {
      // Full (texts that differ only in a page's numbers): start again.
      PGresult* res = PQexec(pg_, "DEALLOCATE ALL");
      const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      PQclear(res);
      if (!ok) return "";
      prepared_.clear();
    }
    if (seen_.size() > 4 * kPrepared) seen_.clear();
    if (++seen_[text] < 2) return "";
    std::string name = "steward_" + std::to_string(++named_);
    PGresult* res =
        PQprepare(pg_, name.c_str(), text.c_str(), nparams, nullptr);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) return "";
    seen_.erase(text);
    prepared_.emplace(text, name);
    return name;
  }

  core::Status Check(PGresult* res, std::string_view sql) {
    auto status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pg_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
      msg.pop_back();
    }
    std::string_view head = sql.substr(0, 60);
    return core::Status::Io(fmt::format("database: {} (in \"{}{}\")", msg, head,
                                        sql.size() > 60 ? "…" : ""));
  }

  core::Status Run(std::string_view sql, const Params& params,
                   const RowFn& each, bool stream) override {
    if (running_)
      return core::Status::Io(
          "database: a statement is still giving rows on this connection");
    running_ = true;
    struct Done {
      bool& flag;
      ~Done() { flag = false; }
    } done{running_};
    Reconnect();
    std::string text = NumberPlaceholders(sql);
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      values[i] = params[i] ? params[i]->c_str() : nullptr;
      lengths[i] = params[i] ? static_cast<int>(params[i]->size()) : 0;
    }
    const int n = static_cast<int>(params.size());
    const std::string name = PreparedName(text, n);
    if (!stream) {
      PGresult* res =
          name.empty() ? PQexecParams(pg_, text.c_str(), n, nullptr,
                                      values.data(), lengths.data(), nullptr, 0)
                       : PQexecPrepared(pg_, name.c_str(), n, values.data(),
                                        lengths.data(), nullptr, 0);
      auto st = Check(res, sql);
      if (st.ok() && each) Give(res, each);
      PQclear(res);
      return st;
    }
    if (!(name.empty()
              ? PQsendQueryParams(pg_, text.c_str(), n, nullptr, values.data(),
                                  lengths.data(), nullptr, 0)
              : PQsendQueryPrepared(pg_, name.c_str(), n, values.data(),
                                    lengths.data(), nullptr, 0)))
      return Check(nullptr, sql);
    // Without single-row mode the rows come in the final result, all at
    // once: given all the same.
    (void)PQsetSingleRowMode(pg_);
    // Every result is read, even after `each` stops, so that the connection
    // is ready for the next statement.
    core::Status st;
    bool more = static_cast<bool>(each);
    while (PGresult* res = PQgetResult(pg_)) {
      auto status = PQresultStatus(res);
      if (status != PGRES_SINGLE_TUPLE && st.ok()) st = Check(res, sql);
      if ((status == PGRES_SINGLE_TUPLE || status == PGRES_TUPLES_OK) && more &&
          st.ok())
        more = Give(res, each);
      PQclear(res);
    }
    return st;
  }

  // The rows of `res` to `each`; false when it stopped.
  static bool Give(PGresult* res, const RowFn& each) {
    int n = PQntuples(res), cols = PQnfields(res);
    for (int r = 0; r < n; ++r) {
      Row row;
      row.cols.reserve(cols);
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res, r, c)) {
          row.cols.emplace_back(std::nullopt);
        } else {
          row.cols.emplace_back(
              std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
        }
      }
      if (!each(row)) return false;
    }
    return true;
  }

  PGconn* pg_;
  bool running_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // text -> name
  std::unordered_map<std::string, int> seen_;  // text -> runs, unprepared
  uint64_t named_ = 0;
};

void Quiet(void*, const char*) {}  // NOTICEs (e.g. "already exists") unlogged

}  // namespace

core::Result<std::unique_ptr<Conn>> ConnectPostgres(const std::string& url) {
  PGconn* pg = PQconnectdb(url.c_str());
  if (PQstatus(pg) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(pg);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(pg);
    return core::Status::Io("PostgreSQL: cannot connect: " + msg);
  }
  PQsetNoticeProcessor(pg, Quiet, nullptr);
  auto conn = std::make_unique<PgConn>(pg);
  if (auto st = conn->Exec("SET TIME ZONE 'UTC'", {}); !st.ok()) return st;
  // Text is UTF-8 everywhere in Steward; a database in another encoding
  // (SQL_ASCII, LATIN1) would compare and count characters differently.
  auto enc = conn->Query("SHOW server_encoding");
  if (!enc.ok()) return enc.status();
  if (enc->empty() || enc->front().Text(0) != "UTF8")
    return core::Status::Invalid(fmt::format(
        "PostgreSQL: the database's encoding is {}, not UTF8: create it "
        "with ENCODING 'UTF8' (createdb -E UTF8 -T template0)",
        enc->empty() ? "unknown" : enc->front().Text(0)));
  if (auto st = conn->Exec("SET client_encoding TO 'UTF8'", {}); !st.ok())
    return st;
  return std::unique_ptr<Conn>(std::move(conn));
}

}  // namespace steward::store::detail
