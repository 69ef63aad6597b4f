#include "audit/chain.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/hash.h"

namespace steward::audit {

namespace {

const std::string kGenesis(64, '0');
constexpr const char* kColumns =
    "seq, at, actor, action, target, detail, ip, prev_hash, hash";

Entry FromRow(const store::Row& r) {
  Entry e;
  e.seq = r.Int(0);
  e.at = r.Text(1);
  e.actor = r.Text(2);
  e.action = r.Text(3);
  e.target = r.Text(4);
  e.detail = r.Text(5);
  e.ip = r.Text(6);
  e.prev_hash = r.Text(7);
  e.hash = r.Text(8);
  return e;
}

// Each field is length-prefixed, so no choice of contents can make two
// different entries serialize alike.
void Field(core::Sha256& h, std::string_view s) {
  h.Update(fmt::format("{}:", s.size()));
  h.Update(s);
}

}  // namespace

std::string HashOf(const Entry& e) {
  core::Sha256 h;
  Field(h, "steward-audit-v1");
  Field(h, e.prev_hash);
  Field(h, std::to_string(e.seq));
  Field(h, e.at);
  Field(h, e.actor);
  Field(h, e.action);
  Field(h, e.target);
  Field(h, e.detail);
  Field(h, e.ip);
  return h.HexDigest();
}

core::Result<Entry> Append(store::Conn& conn, Entry e) {
  if (auto st = conn.LockTable("audit_log"); !st.ok()) return st;
  auto last =
      conn.Query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last.ok()) return last.status();
  e.seq = last->empty() ? 1 : last->front().Int(0) + 1;
  e.prev_hash = last->empty() ? kGenesis : last->front().Text(1);
  if (e.at.empty()) e.at = store::NowUtc();
  if (e.detail.empty()) e.detail = "{}";
  e.hash = HashOf(e);
  auto st = conn.Exec(
      fmt::format(
          "INSERT INTO audit_log ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          kColumns),
      {store::P(e.seq), store::P(e.at), store::P(e.actor), store::P(e.action),
       store::P(e.target), store::P(e.detail), store::P(e.ip),
       store::P(e.prev_hash), store::P(e.hash)});
  if (!st.ok()) return st;
  return e;
}

core::Status Record(store::Conn& conn, const Actor& actor, std::string action,
                    std::string target, const nlohmann::json& detail) {
  return Append(conn,
                {.actor = actor.name,
                 .action = std::move(action),
                 .target = std::move(target),
                 .detail = detail.is_null()
                               ? "{}"
                               : detail.dump(
                                     -1, ' ', false,
                                     nlohmann::json::error_handler_t::replace),
                 .ip = actor.ip})
      .status();
}

core::Result<Entry> Append(store::Database& db, Entry e) {
  Entry out;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto r = Append(conn, std::move(e));
    if (!r.ok()) return r.status();
    out = std::move(r).value();
    return {};
  });
  if (!st.ok()) return st;
  return out;
}

core::Result<std::vector<Entry>> List(store::Database& db, const Filter& f) {
  std::string sql = fmt::format("SELECT {} FROM audit_log WHERE 1=1", kColumns);
  store::Params params;
  if (!f.actor.empty()) {
    sql += " AND actor = ?";
    params.push_back(store::P(f.actor));
  }
  if (!f.action.empty()) {
    sql += " AND substr(action, 1, ?) = ?";
    params.push_back(store::P(static_cast<int64_t>(f.action.size())));
    params.push_back(store::P(f.action));
  }
  if (!f.since.empty()) {
    sql += " AND at >= ?";
    params.push_back(store::P(f.since));
  }
  if (!f.until.empty()) {
    sql += " AND at < ?";
    params.push_back(store::P(f.until));
  }
  if (!f.text.empty()) {
    sql += " AND (strpos(target, ?) > 0 OR strpos(detail, ?) > 0)";
    params.push_back(store::P(f.text));
    params.push_back(store::P(f.text));
  }
  if (f.before_seq > 0) {
    sql += " AND seq < ?";
    params.push_back(store::P(f.before_seq));
  }
  sql +=
      fmt::format(" ORDER BY seq DESC LIMIT {}", std::clamp(f.limit, 1, 1000));
  if (db.dialect() == store::Dialect::kSqlite) {
    // SQLite spells strpos instr.
    for (size_t at = sql.find("strpos("); at != std::string::npos;
         at = sql.find("strpos(", at)) {
      sql.replace(at, 7, "instr(");
    }
  }
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<Entry> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(FromRow(r));
  return out;
}

core::Result<Verification> Verify(store::Database& db) {
  Verification v;
  std::string prev = kGenesis;
  int64_t expect = 1;
  constexpr int kBatch = 5000;
  for (;;) {
    auto rows = db.Query(
        fmt::format("SELECT {} FROM audit_log WHERE seq >= ? ORDER BY seq "
                    "LIMIT {}",
                    kColumns, kBatch),
        {store::P(expect)});
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      Entry e = FromRow(r);
      auto broken = [&](std::string why) {
        v.broken_seq = e.seq;
        v.reason = std::move(why);
      };
      if (e.seq != expect) {
        broken(fmt::format("entries {}–{} are missing", expect, e.seq - 1));
        v.broken_seq = expect;
      } else if (e.prev_hash != prev) {
        broken(
            "its link to the previous entry does not match (an entry "
            "before it was changed, removed or inserted)");
      } else if (HashOf(e) != e.hash) {
        broken("its contents do not match its hash (the entry was edited)");
      }
      if (v.broken_seq) return v;
      prev = e.hash;
      ++expect;
      ++v.entries;
    }
    if (rows->size() < static_cast<size_t>(kBatch)) break;
  }
  v.head_hash = v.entries ? prev : "";
  return v;
}

}  // namespace steward::audit
