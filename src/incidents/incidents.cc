#include "incidents/incidents.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.h"

namespace steward::incidents {

using store::P;

namespace {

constexpr std::string_view kColumns =
    "id, opened_at, status, kind, clauses, subject_person, detail, severity, "
    "assignee, outcome, closed_at, reported_by, summary, "
    "COALESCE(last_at, opened_at), repeats";

Incident FromRow(const store::Row& r) {
  Incident i;
  i.id = r.Int(0);
  i.opened_at = r.Text(1);
  i.status = r.Text(2);
  i.kind = r.Text(3);
  i.clauses = core::SplitList(r.Text(4), ',');
  i.subject_person = r.Text(5);
  i.detail = r.Text(6);
  i.severity = r.Text(7);
  i.assignee = r.Text(8);
  i.outcome = r.Text(9);
  i.closed_at = r.Text(10);
  i.reported_by = r.Text(11);
  i.summary = r.Text(12);
  i.last_at = r.Text(13);
  i.repeats = r.Int(14);
  return i;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Target(int64_t id) { return "incident/" + std::to_string(id); }

// A line of the register's own timeline, inside the caller's transaction.
core::Status Log(store::Conn& c, int64_t id, const std::string& at,
                 const audit::Actor& actor, const std::string& what,
                 const std::string& text) {
  return c.Exec(
      "INSERT INTO incident_log (incident_id, at, actor, what, text) VALUES "
      "(?, ?, ?, ?, ?)",
      {P(id), P(at), P(actor.name), P(what), P(text)});
}

// What a door's event says, in words: the rule and where, never a value.
std::string DoorText(const std::string& detail) {
  auto j = nlohmann::json::parse(detail, nullptr, false);
  if (!j.is_object()) return "an event from a door";
  auto s = [&](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>()
                                             : std::string();
  };
  std::string out = s("channel") == "web" ? "upload refused" : "door event";
  if (!s("host").empty()) out += " to " + s("host");
  if (!s("rule").empty()) out += " (rule " + s("rule") + ")";
  return out;
}

}  // namespace

bool IsState(std::string_view s) {
  return std::find(std::begin(kStates), std::end(kStates), s) !=
         std::end(kStates);
}

bool IsSeverity(std::string_view s) {
  return std::find(std::begin(kSeverities), std::end(kSeverities), s) !=
         std::end(kSeverities);
}

core::Result<int64_t> Open(store::Database& db, const std::string& kind,
                           const std::vector<std::string>& clauses,
                           const std::string& severity,
                           const std::string& subject_person,
                           const nlohmann::json& detail,
                           const audit::Actor& actor) {
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "INSERT INTO incidents (opened_at, status, kind, clauses, "
        "subject_person, detail, severity) VALUES (?, 'new', ?, ?, ?, ?, ?) "
        "RETURNING id",
        {P(store::NowUtc()), P(kind), P(core::Join(clauses, ",")),
         P(subject_person), P(Dump(detail)), P(severity)});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    // The door's reference (a web block page shows it) is found in the
    // audit chain too; it names no person and holds no value.
    nlohmann::json entry = {{"kind", kind}, {"clauses", clauses}};
    if (detail.contains("reference")) entry["reference"] = detail["reference"];
    return audit::Record(c, actor, "incident.open", Target(id), entry);
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<Ref> OpenOrRepeat(store::Database& db, const std::string& kind,
                               const std::string& key, uint32_t window_hours,
                               const std::vector<std::string>& clauses,
                               const std::string& severity,
                               const std::string& subject_person,
                               const nlohmann::json& detail,
                               const audit::Actor& actor) {
  Ref ref;
  const std::string now = store::NowUtc();
  const std::string text = Dump(detail);
  const std::string reference =
      detail.contains("reference") && detail["reference"].is_string()
          ? detail["reference"].get<std::string>()
          : std::string();
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    // Two tries with one key at once must not both find no incident and
    // both open one: on PostgreSQL the key is locked until the transaction
    // ends (SQLite's transactions are already exclusive).
    if (auto lock = c.LockKey(kind + "\n" + key); !lock.ok()) return lock;
    auto open = c.Query(
        "SELECT id FROM incidents WHERE kind = ? AND coalesce_key = ? AND "
        "status <> 'closed' AND COALESCE(last_at, opened_at) > ? ORDER BY id "
        "DESC LIMIT 1",
        {P(kind), P(key),
         P(store::NowUtc(-static_cast<int64_t>(window_hours) * 3600))});
    if (!open.ok()) return open.status();
    nlohmann::json entry = {{"kind", kind}, {"clauses", clauses}};
    if (!reference.empty()) entry["reference"] = reference;
    if (!open->empty()) {
      ref.id = open->front().Int(0);
      auto up = c.Exec(
          "UPDATE incidents SET repeats = repeats + 1, last_at = ? WHERE id "
          "= ?",
          {P(now), P(ref.id)});
      if (!up.ok()) return up;
    } else {
      auto rows = c.Query(
          "INSERT INTO incidents (opened_at, status, kind, clauses, "
          "subject_person, detail, coalesce_key, last_at, severity) VALUES "
          "(?, 'new', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          {P(now), P(kind), P(core::Join(clauses, ",")), P(subject_person),
           P(text), P(key), P(now), P(severity)});
      if (!rows.ok()) return rows.status();
      ref.id = rows->at(0).Int(0);
      ref.opened = true;
    }
    auto ev = c.Exec(
        "INSERT INTO incident_events (incident_id, at, reference, detail) "
        "VALUES (?, ?, ?, ?)",
        {P(ref.id), P(now), P(reference), P(text)});
    if (!ev.ok()) return ev;
    return audit::Record(c, actor,
                         ref.opened ? "incident.open" : "incident.repeat",
                         Target(ref.id), entry);
  });
  if (!st.ok()) return st;
  return ref;
}

core::Result<int64_t> Report(store::Database& db, const NewReport& r,
                             const audit::Actor& actor) {
  auto summary = core::Words(r.summary, 4000, "report", true);
  if (!summary.ok()) return summary.status();
  auto where = core::Words(r.where, 300, "place", false);
  if (!where.ok()) return where.status();
  if (!IsSeverity(r.severity))
    return core::Status::Invalid("no severity '" + r.severity + "'");
  const bool anonymous = r.reporter.empty();
  const audit::Actor who = anonymous ? audit::Actor{"anonymous", ""} : actor;
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    const std::string now = store::NowUtc();
    nlohmann::json detail = {{"channel", "report"}};
    if (!where->empty()) detail["where"] = *where;
    auto rows = c.Query(
        "INSERT INTO incidents (opened_at, status, kind, clauses, "
        "subject_person, detail, severity, reported_by, summary, last_at) "
        "VALUES (?, 'new', ?, ?, '', ?, ?, ?, ?, ?) RETURNING id",
        {P(now), P(r.kind), P(core::Join(r.clauses, ",")), P(Dump(detail)),
         P(r.severity), P(r.reporter), P(*summary), P(now)});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    auto log = Log(c, id, now, who, "reported",
                   anonymous ? "reported without a name" : "reported");
    if (!log.ok()) return log;
    return audit::Record(c, who, "incident.report", Target(id),
                         {{"kind", r.kind}, {"clauses", r.clauses}});
  });
  if (!st.ok()) return st;
  return id;
}

namespace {

std::string Where(const Filter& f, store::Params& params) {
  std::string sql = " WHERE 1 = 1";
  if (f.status == "open") {
    sql += " AND status <> 'closed'";
  } else if (!f.status.empty()) {
    sql += " AND status = ";
    store::AddWord(sql, params, f.status);
  }
  if (!f.assignee.empty()) {
    sql += " AND assignee = ?";
    params.push_back(P(f.assignee));
  }
  if (!f.reported_by.empty()) {
    sql += " AND reported_by = ?";
    params.push_back(P(f.reported_by));
  }
  return sql;
}

}  // namespace

core::Result<std::vector<Incident>> List(store::Database& db, const Filter& f) {
  store::Params params;
  std::string sql =
      fmt::format("SELECT {} FROM incidents{}", kColumns, Where(f, params));
  store::NewestFirst(sql, params, f.before_id, f.limit);
  return store::QueryAs<Incident>(db, sql, params, FromRow);
}

core::Result<int64_t> Count(store::Database& db, const Filter& f) {
  store::Params params;
  std::string where = Where(f, params);
  return store::QueryCount(db, "SELECT COUNT(*) FROM incidents" + where,
                           params);
}

core::Result<Incident> Get(store::Database& db, int64_t id) {
  return store::QueryOneAs<Incident>(
      db, fmt::format("SELECT {} FROM incidents WHERE id = ?", kColumns),
      {P(id)}, FromRow, "no incident " + std::to_string(id));
}

core::Result<std::vector<Event>> Timeline(store::Database& db, int64_t id) {
  std::vector<Event> out;
  auto doors = db.Query(
      "SELECT at, reference, detail FROM incident_events WHERE incident_id = "
      "? ORDER BY id LIMIT 1000",
      {P(id)});
  if (!doors.ok()) return doors.status();
  for (const auto& r : *doors)
    out.push_back({r.Text(0), "door", "event", DoorText(r.Text(2)), r.Text(1)});
  auto log = db.Query(
      "SELECT at, actor, what, text FROM incident_log WHERE incident_id = ? "
      "ORDER BY id LIMIT 1000",
      {P(id)});
  if (!log.ok()) return log.status();
  for (const auto& r : *log)
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), ""});
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  return out;
}

core::Result<std::vector<Evidence>> EvidenceOf(store::Database& db,
                                               int64_t id) {
  auto rows = db.Query(
      "SELECT kind, ref, sha256, added_by, added_at FROM incident_evidence "
      "WHERE incident_id = ? ORDER BY id",
      {P(id)});
  if (!rows.ok()) return rows.status();
  std::vector<Evidence> out;
  for (const auto& r : *rows)
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)});
  return out;
}

core::Status Update(store::Database& db, int64_t id, const Change& in,
                    const audit::Actor& actor) {
  if (!in.status.empty() && !IsState(in.status))
    return core::Status::Invalid("no state '" + in.status + "'");
  if (!in.severity.empty() && !IsSeverity(in.severity))
    return core::Status::Invalid("no severity '" + in.severity + "'");
  auto outcome_words = core::Words(in.outcome, 2000, "outcome", false);
  if (!outcome_words.ok()) return outcome_words.status();
  auto note_words = core::Words(in.note, 4000, "note", false);
  if (!note_words.ok()) return note_words.status();
  const std::string& outcome = *outcome_words;
  const std::string& note = *note_words;
  const std::string assignee = core::CleanText(in.assignee, 100);
  if (in.status == "closed" && outcome.empty())
    return core::Status::Invalid(
        "Closing an incident needs its outcome: what was found and done.");
  return db.Transact([&](store::Conn& c) -> core::Status {
    // Two changes at once: the second waits and sees the first's.
    auto rows = c.Query(
        std::string("SELECT status, severity, assignee FROM incidents WHERE "
                    "id = ?") +
            (c.dialect() == store::Dialect::kPostgres ? " FOR UPDATE" : ""),
        {P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::NotFound("no incident " + std::to_string(id));
    const std::string status = rows->front().Text(0);
    if (status == "closed")
      return core::Status::Invalid(
          "This incident is closed; it is kept as it was closed.");
    const std::string now = store::NowUtc();
    nlohmann::json changed = nlohmann::json::object();
    auto set = [&](const char* column, const std::string& from,
                   const std::string& to, const char* what) -> core::Status {
      if (to.empty() || to == from) return core::Status::Ok();
      auto u = c.Exec(
          fmt::format("UPDATE incidents SET {} = ? WHERE id = ?", column),
          {P(to), P(id)});
      if (!u.ok()) return u;
      changed[column] = {{"from", from}, {"to", to}};
      return Log(c, id, now, actor, what,
                 fmt::format("{} → {}", from.empty() ? "none" : from, to));
    };
    if (auto s =
            set("severity", rows->front().Text(1), in.severity, "severity");
        !s.ok())
      return s;
    if (!assignee.empty() && assignee != rows->front().Text(2) && in.may_assign)
      if (auto ok = in.may_assign(c, assignee); !ok.ok()) return ok;
    if (auto s = set("assignee", rows->front().Text(2), assignee, "assigned");
        !s.ok())
      return s;
    if (auto s = set("status", status, in.status, "status"); !s.ok()) return s;
    if (in.status == "closed") {
      auto u =
          c.Exec("UPDATE incidents SET outcome = ?, closed_at = ? WHERE id = ?",
                 {P(outcome), P(now), P(id)});
      if (!u.ok()) return u;
      changed["outcome"] = outcome;
      if (auto l = Log(c, id, now, actor, "outcome", outcome); !l.ok())
        return l;
    }
    if (!note.empty()) {
      if (auto l = Log(c, id, now, actor, "note", note); !l.ok()) return l;
      changed["note"] = true;
    }
    if (changed.empty()) return core::Status::Invalid("Nothing to change.");
    auto last = c.Exec("UPDATE incidents SET last_at = ? WHERE id = ?",
                       {P(now), P(id)});
    if (!last.ok()) return last;
    return audit::Record(
        c, actor, in.status == "closed" ? "incident.close" : "incident.update",
        Target(id), changed);
  });
}

core::Result<int64_t> Unassign(store::Conn& c, const std::string& username,
                               const std::string& why,
                               const audit::Actor& actor) {
  if (username.empty()) return int64_t{0};
  const std::string now = store::NowUtc();
  // Every row first, in one statement, then the history and the audit
  // chain: updating a row after the chain's lock is held would wait on a
  // door that holds that row and waits for the chain (OpenOrRepeat).
  auto rows = c.Query(
      "UPDATE incidents SET assignee = '', last_at = ? WHERE assignee = ? AND "
      "status <> 'closed' RETURNING id",
      {P(now), P(username)});
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) {
    const int64_t id = r.Int(0);
    if (auto l = Log(c, id, now, actor, "assigned",
                     fmt::format("{} → none ({})", username, why));
        !l.ok())
      return l;
    if (auto a = audit::Record(
            c, actor, "incident.update", Target(id),
            {{"assignee", {{"from", username}, {"to", ""}}}, {"why", why}});
        !a.ok())
      return a;
  }
  return static_cast<int64_t>(rows->size());
}

core::Result<bool> AddEvidence(store::Database& db, int64_t id,
                               const Evidence& e, const audit::Actor& actor) {
  if (e.sha256.size() != 64 ||
      e.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    return core::Status::Invalid("evidence is linked by its SHA-256");
  bool added = false;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        std::string("SELECT status FROM incidents WHERE id = ?") +
            (c.dialect() == store::Dialect::kPostgres ? " FOR UPDATE" : ""),
        {P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::NotFound("no incident " + std::to_string(id));
    if (rows->front().Text(0) == "closed")
      return core::Status::Invalid(
          "This incident is closed; it is kept as it was closed.");
    auto dup = c.Query(
        "SELECT 1 FROM incident_evidence WHERE incident_id = ? AND kind = ? "
        "AND ref = ?",
        {P(id), P(e.kind), P(e.ref)});
    if (!dup.ok()) return dup.status();
    if (!dup->empty()) return core::Status::Ok();
    const std::string now = store::NowUtc();
    auto ins = c.Exec(
        "INSERT INTO incident_evidence (incident_id, kind, ref, sha256, "
        "added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
        {P(id), P(e.kind), P(e.ref), P(e.sha256), P(actor.name), P(now)});
    if (!ins.ok()) return ins;
    added = true;
    if (auto l = Log(c, id, now, actor, "evidence",
                     e.ref + " (SHA-256 " + e.sha256.substr(0, 12) + "…)");
        !l.ok())
      return l;
    return audit::Record(
        c, actor, "incident.evidence", Target(id),
        {{"kind", e.kind}, {"ref", e.ref}, {"sha256", e.sha256}});
  });
  if (!st.ok()) return st;
  return added;
}

}  // namespace steward::incidents
