// Incidents in the portal (K.2, M, C.19; docs/portal.md): employees report
// a problem (the pack's [incidents] list; without their name where the pack
// allows it) and see what became of their reports; ITS and the
// Superintendent's designee triage every incident — the doors' and the
// reports — assign it, rate it, note what they find, link evidence by its
// hash and close it with an outcome; auditors read.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/csv.h"
#include "core/text.h"
#include "core/workbook.h"
#include "incidents/incidents.h"
#include "quarantine/quarantine.h"

namespace steward::portal {

namespace {

using identity::Role;

const policy::IncidentsPolicy* Policy(const Ctx& c) {
  return c.app.options.pack && c.app.options.pack->incidents.present
             ? &c.app.options.pack->incidents
             : nullptr;
}

bool Manages(const Ctx& c) {
  const auto& r = c.session->account.roles;
  return !r.Has(Role::kAuditor) &&
         (r.Has(Role::kItsAdmin) || r.Has(Role::kDesignee));
}

// The kind in words: the pack's report title, or the door's kind.
std::string KindTitle(const Ctx& c, const std::string& kind) {
  if (const auto* p = Policy(c))
    if (const auto* r = p->Find(kind)) return r->title;
  if (kind == "repeated-conduct") return "Repeated conduct toward a person";
  if (kind == "web-block") return "Refused upload";
  return kind;
}

Data Row(const Ctx& c, const incidents::Incident& i) {
  Data x;
  x.set("id", std::to_string(i.id));
  x.set("opened_at", i.opened_at.substr(0, 16));
  x.set("last_at", i.last_at.substr(0, 16));
  x.set("status", i.status);
  x.set("closed", i.status == "closed");
  x.set("kind", KindTitle(c, i.kind));
  x.set("clauses", core::Join(i.clauses, ", "));
  x.set("severity", i.severity.empty() ? "unrated" : i.severity);
  x.set("assignee", i.assignee.empty() ? "nobody yet" : i.assignee);
  x.set("repeats", std::to_string(i.repeats));
  x.set("has_repeats", i.repeats > 0);
  // A door's incident has no words of a reporter.
  x.set("source", !i.reported_by.empty() ? "report by " + i.reported_by
                  : i.summary.empty()    ? std::string("a door")
                                         : "an anonymous report");
  SetIfAny(x, "subject_person", i.subject_person);
  SetIfAny(x, "summary", i.summary);
  SetIfAny(x, "outcome", i.outcome);
  return x;
}

// The status the list asks for: open (not closed, the default), one state,
// or all.
std::string StatusParam(const Ctx& c) {
  std::string s = c.Param("status");
  if (incidents::IsState(s)) return s;
  return s == "all" ? "" : "open";
}

std::optional<incidents::Incident> Load(Ctx& c) {
  auto i = incidents::Get(*c.app.db, c.Id());
  if (!i.ok()) {
    c.Fail(i.status().code() == core::Code::kNotFound ? 404 : 503,
           i.status().code() == core::Code::kNotFound
               ? "No such incident."
               : "The incidents cannot be read now; try again shortly.");
    return std::nullopt;
  }
  return std::move(i).value();
}

// Who an incident may be assigned to: an active ITS administrator or
// designee who is not also an auditor.
bool MayBeAssigned(const identity::Account& a) {
  return !a.disabled && !a.roles.Has(Role::kAuditor) &&
         (a.roles.Has(Role::kItsAdmin) || a.roles.Has(Role::kDesignee));
}

std::vector<std::string> Assignable(const Ctx& c) {
  std::vector<std::string> out;
  auto accounts = identity::ListAccounts(*c.app.db);
  if (!accounts.ok()) return out;
  for (const auto& a : *accounts)
    if (MayBeAssigned(a)) out.push_back(a.username);
  return out;
}

nlohmann::ordered_json IncidentJson(const incidents::Incident& i) {
  return {{"id", i.id},
          {"opened_at", i.opened_at},
          {"status", i.status},
          {"kind", i.kind},
          {"clauses", i.clauses},
          {"severity", i.severity},
          {"assignee", i.assignee},
          {"subject_person", i.subject_person},
          {"reported_by", i.reported_by},
          {"summary", i.summary},
          {"repeats", i.repeats},
          {"last_at", i.last_at},
          {"outcome", i.outcome},
          {"closed_at", i.closed_at}};
}

const std::vector<std::string> kExportHeader = {
    "id",         "opened at", "status", "kind",        "clauses",
    "severity",   "assignee",  "about",  "reported by", "repeats",
    "last event", "closed at", "outcome"};

std::vector<std::string> ExportCells(const incidents::Incident& i) {
  return {std::to_string(i.id),
          i.opened_at,
          i.status,
          i.kind,
          core::Join(i.clauses, " "),
          i.severity,
          i.assignee,
          i.subject_person,
          i.reported_by,
          std::to_string(i.repeats),
          i.last_at,
          i.closed_at,
          i.outcome};
}

std::optional<std::vector<incidents::Incident>> ExportRows(Ctx& c) {
  auto list =
      incidents::List(*c.app.db, {.status = StatusParam(c), .limit = 100000});
  if (!list.ok()) {
    c.Fail(503, "The incidents cannot be read now; try again shortly.");
    return std::nullopt;
  }
  return std::move(list).value();
}

}  // namespace

void AddIncidentCounts(const Ctx& c, Data* mine, Figures* queues) {
  if (!Manages(c)) return;
  if (queues) {
    auto fresh = incidents::Count(*c.app.db, {.status = "new"});
    queues->Count("incidents_new", fresh.ok() ? *fresh : 0);
  }
  if (mine) {
    auto assigned = incidents::Count(
        *c.app.db, {.status = "open", .assignee = c.session->account.username});
    SetCount(*mine, "incidents_mine", assigned.ok() ? *assigned : 0);
  }
}

void IncidentsPage(Ctx& c) {
  Data d = c.Page("Incidents");
  const std::string status = StatusParam(c);
  d.set("status_" + (status.empty() ? std::string("all") : status), true);
  d.set("status_param", status.empty() ? "all" : status);
  incidents::Filter f{.status = status, .limit = 50};
  auto before = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
  if (before.ok()) f.before_id = *before;
  if (c.Param("mine") == "1") f.assignee = c.session->account.username;
  auto list = incidents::List(*c.app.db, f);
  if (!list.ok()) {
    c.Fail(503, "The incidents cannot be read now; try again shortly.");
    return;
  }
  List rows = RowsOf(*list, [&](const auto& i) { return Row(c, i); });
  d.set("has_incidents", !rows.empty());
  Put(d, "incidents", std::move(rows));
  if (list->size() == 50)
    d.set("next",
          fmt::format("/incidents?status={}&before={}",
                      status.empty() ? "all" : status, list->back().id));
  c.Html("incidents", d);
}

void IncidentPage(Ctx& c) {
  auto i = Load(c);
  if (!i) return;
  Data d = c.Page(fmt::format("Incident {}", i->id));
  d.set("i", Row(c, *i));
  d.set("manages", Manages(c) && i->status != "closed");
  d.set("clause_list", ClauseList(c, i->clauses));
  auto detail = nlohmann::json::parse(i->detail, nullptr, false);
  if (detail.is_object() && detail.contains("where") &&
      detail["where"].is_string())
    d.set("where", detail["where"].get<std::string>());
  auto timeline = incidents::Timeline(*c.app.db, i->id);
  auto evidence = incidents::EvidenceOf(*c.app.db, i->id);
  if (!timeline.ok() || !evidence.ok()) {
    c.Fail(503, "The incident cannot be read now; try again shortly.");
    return;
  }
  List events, links;
  for (const auto& e : *timeline) {
    Data x;
    x.set("at", e.at.substr(0, 16));
    x.set("actor", e.actor);
    x.set("what", e.what);
    x.set("text", e.text);
    SetIfAny(x, "reference", e.reference);
    events.push_back(std::move(x));
  }
  for (const auto& e : *evidence) {
    Data x;
    x.set("kind", e.kind);
    x.set("ref", e.ref);
    x.set("is_held", e.kind == "held-message");
    x.set("held_id", e.ref.substr(e.ref.find('/') + 1));
    x.set("sha256", e.sha256);
    x.set("added_by", e.added_by);
    x.set("added_at", e.added_at.substr(0, 16));
    links.push_back(std::move(x));
  }
  d.set("events", events);
  d.set("has_evidence", !links.empty());
  Put(d, "evidence", std::move(links));
  List states, severities, people;
  for (auto s : incidents::kStates) {
    Data x;
    x.set("name", std::string(s));
    x.set("selected", s == i->status);
    states.push_back(std::move(x));
  }
  for (auto s : incidents::kSeverities) {
    Data x;
    x.set("name", std::string(s));
    x.set("selected", s == i->severity);
    severities.push_back(std::move(x));
  }
  for (const auto& u : Assignable(c)) {
    Data x;
    x.set("name", u);
    x.set("selected", u == i->assignee);
    people.push_back(std::move(x));
  }
  d.set("states", states);
  d.set("severities", severities);
  d.set("assignable", people);
  c.Html("incident", d);
}

// Refuses (true) when this person reads incidents but does not triage
// them: an auditor, whatever else they hold.
bool RefuseReader(Ctx& c) {
  if (Manages(c)) return false;
  c.Fail(403, "Auditors read incidents; they change nothing.");
  return true;
}

void IncidentPost(Ctx& c) {
  if (RefuseReader(c)) return;
  const std::string back = "/incidents/" + std::to_string(c.Id());
  incidents::Change ch{.status = c.Param("status"),
                       .severity = c.Param("severity"),
                       .assignee = c.Param("assignee"),
                       .outcome = c.Param("outcome"),
                       .note = c.Param("note")};
  // Checked again inside the change: an account disabled meanwhile hands
  // its incidents back and takes none.
  ch.may_assign = [](store::Conn& conn,
                     const std::string& name) -> core::Status {
    auto a = identity::FindAccountIn(conn, name);
    if (!a.ok() && a.status().code() != core::Code::kNotFound)
      return a.status();
    if (!a.ok() || !MayBeAssigned(*a))
      return core::Status::Invalid(
          "Assign it to an active ITS administrator or designee.");
    return core::Status::Ok();
  };
  auto st = incidents::Update(*c.app.db, c.Id(), ch,
                              {c.session->account.username, c.Ip()});
  if (st.code() == core::Code::kNotFound) {
    c.Fail(404, "No such incident.");
    return;
  }
  c.SeeOther(back, st.ok() ? "Saved." : st.message());
}

void IncidentEvidencePost(Ctx& c) {
  if (RefuseReader(c)) return;
  const std::string back = "/incidents/" + std::to_string(c.Id());
  const std::string kind = c.Param("kind");
  auto n = core::ParseInt(c.Param("item"), 1, INT64_MAX - 1, "number");
  if (!n.ok() || (kind != "held-message" && kind != "audit-entry")) {
    c.SeeOther(back, "Name a held message or an audit entry by its number.");
    return;
  }
  incidents::Evidence e{.kind = kind};
  if (kind == "held-message") {
    quarantine::Quarantine q(*c.app.db, c.app.blobs);
    auto m = q.Get(*n);
    // Only what this person may see: a link would tell them it exists.
    if (!m.ok() || !MaySeeHeld(c, *m)) {
      c.SeeOther(back, "No held message " + std::to_string(*n) + ".");
      return;
    }
    e.ref = "quarantine/" + std::to_string(m->id);
    e.sha256 = m->sha256;
  } else {
    auto entries = audit::List(*c.app.db, {.before_seq = *n + 1, .limit = 1});
    if (!entries.ok() || entries->empty() || entries->front().seq != *n) {
      c.SeeOther(back, "No audit entry " + std::to_string(*n) + ".");
      return;
    }
    e.ref = "audit/" + std::to_string(*n);
    e.sha256 = entries->front().hash;
  }
  auto added = incidents::AddEvidence(*c.app.db, c.Id(), e,
                                      {c.session->account.username, c.Ip()});
  if (!added.ok() && added.status().code() == core::Code::kNotFound) {
    c.Fail(404, "No such incident.");
    return;
  }
  c.SeeOther(back, !added.ok() ? added.status().message()
                   : *added    ? "Evidence linked."
                               : "That evidence was linked already.");
}

namespace {

// The queue as this person sees it, as CSV or XLSX.
void ExportIncidents(Ctx& c, bool xlsx) {
  auto rows = ExportRows(c);
  if (!rows) return;
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows->size());
  for (const auto& i : *rows) cells.push_back(ExportCells(i));
  c.DownloadTable("incidents", xlsx, kExportHeader, cells);
}

}  // namespace

void IncidentsCsv(Ctx& c) { ExportIncidents(c, false); }
void IncidentsXlsx(Ctx& c) { ExportIncidents(c, true); }

void ReportPage(Ctx& c) {
  Data d = c.Page("Report a problem");
  const auto* p = Policy(c);
  List kinds;
  if (p)
    for (const auto& r : p->reports) {
      Data x;
      x.set("id", r.id);
      x.set("title", r.title);
      x.set("hint", r.hint);
      x.set("clauses", core::Join(r.clauses, ", "));
      kinds.push_back(std::move(x));
    }
  d.set("has_kinds", !kinds.empty());
  Put(d, "kinds", std::move(kinds));
  d.set("anonymous", p && p->anonymous_reports);
  List mine;
  auto list = incidents::List(
      *c.app.db,
      {.status = "", .reported_by = c.session->account.username, .limit = 50});
  if (list.ok())
    for (const auto& i : *list) {
      // The reporter sees what they reported and its state; the
      // investigation's notes and outcome are for those who triage.
      Data x;
      x.set("id", std::to_string(i.id));
      x.set("opened_at", i.opened_at.substr(0, 16));
      x.set("kind", KindTitle(c, i.kind));
      x.set("status", i.status);
      SetIfAny(x, "closed_at", i.closed_at.substr(0, 10));
      mine.push_back(std::move(x));
    }
  d.set("has_mine", !mine.empty());
  Put(d, "mine", std::move(mine));
  c.Html("report", d);
}

void ReportPost(Ctx& c) {
  const auto* p = Policy(c);
  const auto* kind = p ? p->Find(c.Param("kind")) : nullptr;
  if (!kind) {
    c.SeeOther("/report", "Choose what kind of problem it is.");
    return;
  }
  const bool anonymous = p->anonymous_reports && c.Param("anonymous") == "yes";
  // A bound per account and hour, kept in memory only (a count kept with
  // the reports would tie anonymous ones to their senders).
  if (!c.app.report_limit.Allow(c.session->account.username)) {
    c.SeeOther("/report",
               "You have sent many reports this hour; tell IT Services "
               "directly if more is urgent.");
    return;
  }
  if (anonymous) c.unnamed = true;
  auto id = incidents::Report(
      *c.app.db,
      {.kind = kind->id,
       .clauses = kind->clauses,
       .severity = std::string(policy::SeverityName(kind->severity)),
       .summary = c.Param("summary"),
       .where = c.Param("where"),
       .reporter = anonymous ? "" : c.session->account.username},
      {c.session->account.username, c.Ip()});
  if (!id.ok()) {
    c.SeeOther("/report", id.status().code() == core::Code::kInvalidArgument
                              ? id.status().message()
                              : "The report could not be kept now; try "
                                "again shortly.");
    return;
  }
  c.SeeOther("/report",
             anonymous ? "Thank you. Your report was kept without your name."
                       : fmt::format("Thank you. Your report is incident {}; "
                                     "IT Services will look at it.",
                                     *id));
}

void ApiIncidents(Ctx& c) {
  incidents::Filter f{.status = StatusParam(c), .limit = 200};
  auto before = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
  if (before.ok()) f.before_id = *before;
  auto list = incidents::List(*c.app.db, f);
  if (!list.ok()) {
    c.Fail(503, "The incidents cannot be read now; try again shortly.");
    return;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& i : *list) out.push_back(IncidentJson(i));
  c.Json({{"incidents", out}});
}

void ApiIncident(Ctx& c) {
  auto i = Load(c);
  if (!i) return;
  auto j = IncidentJson(*i);
  auto timeline = incidents::Timeline(*c.app.db, i->id);
  auto evidence = incidents::EvidenceOf(*c.app.db, i->id);
  if (!timeline.ok() || !evidence.ok()) {
    c.Fail(503, "The incident cannot be read now; try again shortly.");
    return;
  }
  j["timeline"] = nlohmann::ordered_json::array();
  for (const auto& e : *timeline)
    j["timeline"].push_back({{"at", e.at},
                             {"actor", e.actor},
                             {"what", e.what},
                             {"text", e.text},
                             {"reference", e.reference}});
  j["evidence"] = nlohmann::ordered_json::array();
  for (const auto& e : *evidence)
    j["evidence"].push_back({{"kind", e.kind},
                             {"ref", e.ref},
                             {"sha256", e.sha256},
                             {"added_by", e.added_by},
                             {"added_at", e.added_at}});
  c.Json(j);
}

identity::AccountHook HandBackIncidents(const Ctx& c) {
  return [actor = c.Actor()](store::Conn& conn,
                             const identity::Account& now) -> core::Status {
    if (MayBeAssigned(now)) return core::Status::Ok();
    auto n = incidents::Unassign(
        conn, now.username,
        now.disabled ? "account disabled" : "no longer a role that triages",
        actor);
    return n.status();
  };
}

}  // namespace steward::portal
