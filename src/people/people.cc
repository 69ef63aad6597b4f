#include "people/people.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "audit/chain.h"
#include "people/loader.h"

namespace steward::people {

using store::P;

bool IsPermission(const std::string& s) {
  return std::find(std::begin(kPermissions), std::end(kPermissions), s) !=
         std::end(kPermissions);
}

std::string Issue::ToString() const {
  return line ? fmt::format("{}:{}: {}", file, line, message)
              : fmt::format("{}: {}", file, message);
}

int ImportReport::Rejected() const {
  return static_cast<int>(std::count_if(
      issues.begin(), issues.end(), [](const Issue& i) { return i.rejected; }));
}

std::string ImportReport::Summary() const {
  if (kind == "permissions-csv") {
    std::string s = fmt::format(
        "{} students' publishing permissions changed, {} already so", updated,
        skipped);
    if (int rejected = Rejected())
      s += fmt::format("; {} rows rejected", rejected);
    return s + ".";
  }
  if (kind == "sites-csv") {
    std::string s = fmt::format("{} sites registered ({} new, {} updated)",
                                created + updated, created, updated);
    if (int rejected = Rejected())
      s += fmt::format("; {} rows rejected", rejected);
    return s + ".";
  }
  int loaded = created + updated;
  std::string s = fmt::format("{} people loaded ({} new, {} updated)", loaded,
                              created, updated);
  if (sites) s += fmt::format(", {} sites", sites);
  if (departed)
    s += fmt::format("; {} no longer present, marked departed", departed);
  if (skipped)
    s += fmt::format(
        "; {} skipped (guardians, parents, or marked for deletion)", skipped);
  int rejected = Rejected();
  int partial = static_cast<int>(issues.size()) - rejected;
  if (rejected) s += fmt::format("; {} rows rejected", rejected);
  if (partial) s += fmt::format("; {} rows loaded in part", partial);
  return s + ".";
}

namespace detail {

core::Status BeginRun(store::Conn& conn, ImportReport* report,
                      const Actor& actor, const std::string& now) {
  auto run = conn.Query(
      "INSERT INTO import_runs (kind, source, started_at, actor) VALUES (?, "
      "?, ?, ?) RETURNING id",
      {P(report->kind), P(report->source), P(now), P(actor.name)});
  if (!run.ok()) return run.status();
  report->run_id = run->front().Int(0);
  return core::Status::Ok();
}

core::Result<ImportReport> Apply(store::Database& db, Incoming in,
                                 ImportReport report, const Actor& actor) {
  const std::string now = store::NowUtc();
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto begun = BeginRun(conn, &report, actor, now); !begun.ok())
      return begun;

    // Sites: by their id in this source, else by name in any source.
    std::unordered_map<std::string, int64_t> site_ids;
    auto known = conn.Query("SELECT id, source, source_id, name FROM sites");
    if (!known.ok()) return known.status();
    std::unordered_map<std::string, int64_t> by_name;
    for (const auto& r : *known) {
      if (r.Text(1) == in.source) site_ids[r.Text(2)] = r.Int(0);
      by_name[r.Text(3)] = r.Int(0);
    }
    for (const auto& s : in.sites) {
      if (!site_ids.count(s.source_id) && by_name.count(s.name) &&
          !in.sites_by_id_only) {
        site_ids[s.source_id] = by_name[s.name];
        continue;
      }
      auto id = conn.Query(
          "INSERT INTO sites (source, source_id, name, kind, parent_source_id, "
          "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, "
          "source_id) DO UPDATE SET name = excluded.name, kind = "
          "excluded.kind, parent_source_id = excluded.parent_source_id, "
          "status = 'active', updated_at = excluded.updated_at RETURNING id",
          {P(in.source), P(s.source_id), P(s.name), P(s.kind), P(s.parent),
           P(now)});
      if (!id.ok()) return id.status();
      site_ids[s.source_id] = id->front().Int(0);
      ++report.sites;
    }

    // Who is present before this run: the base of the departure guard.
    auto present = conn.Query(
        "SELECT COUNT(*) FROM people WHERE source = ? AND status <> "
        "'departed'",
        {P(in.source)});
    if (!present.ok()) return present.status();
    const int64_t before = present->front().Int(0);

    std::unordered_set<std::string> existing;
    auto have = conn.Query("SELECT source_id FROM people WHERE source = ?",
                           {P(in.source)});
    if (!have.ok()) return have.status();
    for (const auto& r : *have) existing.insert(r.Text(0));

    // Upserts in batches of 500 rows: one round trip each, not one a person.
    constexpr size_t kBatch = 500;
    constexpr const char* kRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    auto opt = [](const std::string& s) {
      return s.empty() ? store::Null() : P(s);
    };
    for (size_t from = 0; from < in.people.size(); from += kBatch) {
      size_t to = std::min(in.people.size(), from + kBatch);
      std::string sql =
          "INSERT INTO people (source, source_id, kind, given_name, "
          "family_name, email, username, site_id, job_role, grade, "
          "supervisor_source_id, status, import_run, updated_at) VALUES ";
      store::Params params;
      params.reserve((to - from) * 14);
      for (size_t i = from; i < to; ++i) {
        const auto& p = in.people[i];
        store::Value site = store::Null();
        if (auto it = site_ids.find(p.site_source_id); it != site_ids.end()) {
          site = P(it->second);
        }
        sql += i == from ? kRow : std::string(", ") + kRow;
        params.insert(params.end(),
                      {P(in.source), P(p.source_id), P(p.kind), P(p.given_name),
                       P(p.family_name), opt(p.email), opt(p.username), site,
                       P(p.job_role), P(p.grade), opt(p.supervisor_source_id),
                       P(p.status), P(report.run_id), P(now)});
        if (existing.count(p.source_id)) {
          ++report.updated;
        } else {
          ++report.created;
        }
      }
      sql +=
          " ON CONFLICT (source, source_id) DO UPDATE SET kind = "
          "excluded.kind, given_name = excluded.given_name, family_name = "
          "excluded.family_name, email = excluded.email, username = "
          "excluded.username, site_id = excluded.site_id, job_role = "
          "excluded.job_role, grade = excluded.grade, supervisor_source_id = "
          "excluded.supervisor_source_id, status = excluded.status, "
          "import_run = excluded.import_run, updated_at = excluded.updated_at";
      if (auto ex = conn.Exec(sql, params); !ex.ok()) return ex;
    }

    bool forced = false;
    if (in.mark_departed) {
      auto leaving = conn.Query(
          "SELECT COUNT(*) FROM people WHERE source = ? AND import_run <> ? "
          "AND status <> 'departed'",
          {P(in.source), P(report.run_id)});
      if (!leaving.ok()) return leaving.status();
      const int64_t n = leaving->front().Int(0);
      const int max = std::clamp(in.options.max_departed_percent, 0, 100);
      if (n > 0 && n * 100 > before * max) {
        if (!in.options.force) {
          return core::Status::Limit(fmt::format(
              "{}: this import would mark {} of the {} people present from "
              "{} departed ({}%, more than the {}% allowed), with {} people "
              "in the file; nothing was changed. An empty or partial export "
              "does this. If so many people really left, import it again "
              "forced (--force, or the box on the Import page).",
              report.source, n, before, in.source, n * 100 / before, max,
              in.people.size()));
        }
        forced = true;
      }
      auto gone = conn.Query(
          "UPDATE people SET status = 'departed', updated_at = ? WHERE source "
          "= ? AND import_run <> ? AND status <> 'departed' RETURNING id",
          {P(now), P(in.source), P(report.run_id)});
      if (!gone.ok()) return gone.status();
      report.departed = static_cast<int>(gone->size());
    }

    std::string issues_text;
    for (const auto& i : report.issues) {
      if (issues_text.size() > size_t{256} * 1024)
        break;  // the audit names counts
      issues_text += i.ToString() + "\n";
    }
    if (auto up = conn.Exec(
            "UPDATE import_runs SET accepted = ?, rejected = ?, departed = ?, "
            "report = ? WHERE id = ?",
            {P(report.created + report.updated), P(report.Rejected()),
             P(report.departed), P(issues_text), P(report.run_id)});
        !up.ok()) {
      return up;
    }
    nlohmann::json detail = {
        {"source", report.source},       {"created", report.created},
        {"updated", report.updated},     {"departed", report.departed},
        {"rejected", report.Rejected()}, {"sites", report.sites}};
    if (forced) detail["forced"] = true;
    return audit::Record(conn, actor, "people.import",
                         fmt::format("import/{}", report.run_id), detail);
  });
  if (!st.ok()) return st;
  return report;
}

}  // namespace detail

namespace {

constexpr const char* kPersonColumns =
    "p.id, p.source, p.source_id, p.kind, p.given_name, p.family_name, "
    "p.email, p.username, p.site_id, s.name, p.job_role, p.grade, "
    "p.supervisor_source_id, p.status, p.publish_permission, "
    "p.photo_captions";

Person FromRow(const store::Row& r) {
  Person p;
  p.id = r.Int(0);
  p.source = r.Text(1);
  p.source_id = r.Text(2);
  p.kind = r.Text(3);
  p.given_name = r.Text(4);
  p.family_name = r.Text(5);
  p.email = r.Text(6);
  p.username = r.Text(7);
  p.site_id = r.Int(8);
  p.site_name = r.Text(9);
  p.job_role = r.Text(10);
  p.grade = r.Text(11);
  p.supervisor_source_id = r.Text(12);
  p.status = r.Text(13);
  p.publish_permission = r.Text(14);
  p.photo_captions = r.Int(15) != 0;
  return p;
}

std::string Where(const Query& q, store::Params& params, store::Dialect d) {
  std::string w = " WHERE 1=1";
  if (!q.kind.empty()) {
    w += " AND p.kind = ";
    store::AddWord(w, params, q.kind);
  }
  if (!q.status.empty()) {
    w += " AND p.status = ";
    store::AddWord(w, params, q.status);
  }
  if (q.site_id) {
    w += " AND p.site_id = ?";
    params.push_back(P(q.site_id));
  }
  if (q.after_id) {
    w += " AND p.id > ?";
    params.push_back(P(q.after_id));
  }
  if (!q.text.empty()) {
    std::string like = d == store::Dialect::kPostgres ? "ILIKE" : "LIKE";
    w += fmt::format(
        " AND (p.given_name {0} ? OR p.family_name {0} ? OR p.email {0} ? OR "
        "p.source_id = ? OR (p.given_name || ' ' || p.family_name) {0} ?)",
        like);
    std::string pattern = "%" + q.text + "%";
    for (int i = 0; i < 3; ++i) params.push_back(P(pattern));
    params.push_back(P(q.text));
    params.push_back(P(pattern));
  }
  return w;
}

}  // namespace

core::Result<std::vector<Person>> Find(store::Database& db, const Query& q) {
  store::Params params;
  std::string sql = fmt::format(
      "SELECT {} FROM people p LEFT JOIN sites s ON s.id = p.site_id{} ORDER "
      "BY {} LIMIT {} OFFSET {}",
      kPersonColumns, Where(q, params, db.dialect()),
      q.by_id ? "p.id" : "p.family_name, p.given_name, p.id",
      std::clamp(q.limit, 1, 10000), std::max(q.offset, 0));
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<Person> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(FromRow(r));
  return out;
}

core::Result<int64_t> Count(store::Database& db, const Query& q) {
  store::Params params;
  auto rows = db.Query(
      "SELECT COUNT(*) FROM people p" + Where(q, params, db.dialect()), params);
  if (!rows.ok()) return rows.status();
  return rows->front().Int(0);
}

core::Result<Person> Get(store::Database& db, int64_t id) {
  auto rows = db.Query(
      fmt::format("SELECT {} FROM people p LEFT JOIN sites s ON s.id = "
                  "p.site_id WHERE p.id = ?",
                  kPersonColumns),
      {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("person {}", id));
  return FromRow(rows->front());
}

bool ReportsTo(const Person& person, const Person& supervisor) {
  return !supervisor.source_id.empty() && person.source == supervisor.source &&
         person.supervisor_source_id == supervisor.source_id;
}

core::Result<std::vector<Person>> ReportsOf(store::Database& db,
                                            int64_t supervisor) {
  auto boss = Get(db, supervisor);
  if (!boss.ok()) {
    if (boss.status().code() == core::Code::kNotFound)
      return std::vector<Person>{};
    return boss.status();
  }
  if (boss->source_id.empty()) return std::vector<Person>{};
  return store::QueryAs<Person>(
      db,
      fmt::format("SELECT {} FROM people p LEFT JOIN sites s ON s.id = "
                  "p.site_id WHERE p.supervisor_source_id = ? AND p.source = "
                  "? ORDER BY p.id LIMIT 5000",
                  kPersonColumns),
      {P(boss->source_id), P(boss->source)}, FromRow);
}

core::Result<std::vector<Site>> Sites(store::Database& db) {
  auto rows = db.Query(
      "SELECT id, name, kind FROM sites WHERE status = 'active' ORDER BY "
      "CASE kind WHEN 'district' THEN 0 ELSE 1 END, name");
  if (!rows.ok()) return rows.status();
  std::vector<Site> out;
  for (const auto& r : *rows) out.push_back({r.Int(0), r.Text(1), r.Text(2)});
  return out;
}

core::Status SetPublishing(store::Database& db, int64_t person_id,
                           const Publishing& publishing, const Actor& actor,
                           const Scope& scope) {
  if (!IsPermission(publishing.permission)) {
    return core::Status::Invalid(
        "permission must be none, limited or full, "
        "not '" +
        publishing.permission + "'");
  }
  return db.Transact([&](store::Conn& conn) -> core::Status {
    auto before = conn.Query(
        "SELECT publish_permission, kind, site_id, photo_captions FROM people "
        "WHERE id = ?",
        {P(person_id)});
    if (!before.ok()) return before.status();
    if (before->empty()) {
      return core::Status::NotFound(fmt::format("person {}", person_id));
    }
    if (before->front().Text(1) != "student") {
      return core::Status::Invalid("publishing permission is for students");
    }
    if (!scope.Reaches(before->front().Int(2))) {
      return core::Status::Invalid(
          "You may change the publishing permission of your own site's "
          "students only.");
    }
    if (auto st = conn.Exec(
            "UPDATE people SET publish_permission = ?, photo_captions = ?, "
            "updated_at = ? WHERE id = ?",
            {P(publishing.permission), P(publishing.photo_captions ? 1 : 0),
             P(store::NowUtc()), P(person_id)});
        !st.ok()) {
      return st;
    }
    nlohmann::json detail = {
        {"from", before->front().Text(0)},
        {"to", publishing.permission},
        {"photo_captions_from", before->front().Int(3) != 0},
        {"photo_captions_to", publishing.photo_captions}};
    return audit::Record(conn, actor, "people.permission",
                         fmt::format("person/{}", person_id), detail);
  });
}

}  // namespace steward::people
