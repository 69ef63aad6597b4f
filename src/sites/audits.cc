#include "sites/audits.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace steward::sites {

namespace {

using store::P;

constexpr const char* kRunColumns =
    "id, site, source, started_at, actor, pages, images, documents, links, "
    "high, medium, low";

AuditRun RunFrom(const store::Row& r) {
  AuditRun a;
  a.id = r.Int(0);
  a.site = r.Text(1);
  a.source = r.Text(2);
  a.started_at = r.Text(3);
  a.actor = r.Text(4);
  a.pages = r.Int(5);
  a.images = r.Int(6);
  a.documents = r.Int(7);
  a.links = r.Int(8);
  a.high = r.Int(9);
  a.medium = r.Int(10);
  a.low = r.Int(11);
  return a;
}

}  // namespace

core::Result<int64_t> RecordAudit(store::Database& db, AuditRun run,
                                  const std::vector<AuditFinding>& findings,
                                  const audit::Actor& actor) {
  run.high = run.medium = run.low = 0;
  for (const auto& f : findings)
    ++(f.severity == "high"     ? run.high
       : f.severity == "medium" ? run.medium
                                : run.low);
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto row = conn.Query(
        "INSERT INTO site_audits (site, source, started_at, actor, pages, "
        "images, documents, links, high, medium, low) VALUES (?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?) RETURNING id",
        {P(run.site), P(run.source), P(store::NowUtc()), P(actor.name),
         P(run.pages), P(run.images), P(run.documents), P(run.links),
         P(run.high), P(run.medium), P(run.low)});
    if (!row.ok()) return row.status();
    id = row->front().Int(0);
    int64_t n = 0;
    for (const auto& f : findings) {
      if (auto s = conn.Exec(
              "INSERT INTO site_findings (audit_id, n, page, category, "
              "severity, clauses, place, excerpt, fix, detail) VALUES (?, ?, "
              "?, ?, ?, ?, ?, ?, ?, ?)",
              {P(id), P(++n), P(f.page), P(f.category), P(f.severity),
               P(f.clauses), P(f.where), P(f.excerpt), P(f.fix), P(f.detail)});
          !s.ok())
        return s;
    }
    nlohmann::json detail = {{"site", run.site},     {"source", run.source},
                             {"pages", run.pages},   {"high", run.high},
                             {"medium", run.medium}, {"low", run.low}};
    return audit::Record(conn, actor, "sites.audit",
                         fmt::format("site-audit/{}", id), detail);
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<std::vector<AuditRun>> Audits(store::Database& db,
                                           const std::string& site, int limit) {
  store::Params params;
  std::string sql = fmt::format("SELECT {} FROM site_audits", kRunColumns);
  if (!site.empty()) {
    sql += " WHERE site = ?";
    params.push_back(P(site));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.push_back(P(static_cast<int64_t>(limit)));
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<AuditRun> out;
  for (const auto& r : *rows) out.push_back(RunFrom(r));
  return out;
}

core::Result<AuditRun> GetAudit(store::Database& db, int64_t id) {
  auto rows = db.Query(
      fmt::format("SELECT {} FROM site_audits WHERE id = ?", kRunColumns),
      {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("no site audit {}", id));
  return RunFrom(rows->front());
}

core::Result<std::vector<AuditFinding>> Findings(store::Database& db,
                                                 int64_t audit_id, int limit) {
  auto rows = db.Query(
      "SELECT page, category, severity, clauses, place, excerpt, fix, detail "
      "FROM site_findings WHERE audit_id = ? ORDER BY n LIMIT ?",
      {P(audit_id), P(static_cast<int64_t>(limit))});
  if (!rows.ok()) return rows.status();
  std::vector<AuditFinding> out;
  for (const auto& r : *rows)
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                   r.Text(5), r.Text(6), r.Text(7)});
  return out;
}

}  // namespace steward::sites
