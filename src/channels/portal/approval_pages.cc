// Approvals in the portal (C.8, C.12, C.13, I.4, G.2, E.6, O.1;
// docs/portal.md): an employee asks, with the fields the pack's type asks
// for; the role the type names decides — approve, or refuse with a reason —
// never on their own request, never as an auditor; the requester may
// withdraw what still waits. What was asked is shown as it was asked, with
// its fingerprint. An approved request of a type that releases held mail
// (C.12's mass mail) releases the held message it names, under the
// held-mail rules. Who may see and decide is checked here, per request.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "approvals/approvals.h"
#include "channels/portal/internal.h"
#include "core/text.h"
#include "identity/accounts.h"
#include "people/people.h"
#include "quarantine/quarantine.h"

namespace steward::portal {

namespace {

using identity::Role;
using Kind = policy::ApprovalsPolicy::FieldKind;

const policy::ApprovalsPolicy* Policy(const Ctx& c) {
  return c.app.options.pack && c.app.options.pack->approvals.present
             ? &c.app.options.pack->approvals
             : nullptr;
}

const identity::Account& Me(const Ctx& c) { return c.session->account; }

bool Has(const Ctx& c, Role r) { return Me(c).roles.Has(r); }

bool Asked(const Ctx& c, const approvals::Request& r) {
  return r.requester == Me(c).username;
}

// Those who decide requests of this request's role (never its requester,
// never an auditor); for the supervisor's role, the requester's own
// supervisor.
bool MayDecide(const Ctx& c, const approvals::Request& r) {
  if (Asked(c, r) || Has(c, Role::kAuditor)) return false;
  auto role = identity::ParseRole(r.decides);
  if (!role || !Has(c, *role)) return false;
  if (*role != Role::kSupervisor) return true;
  if (!Me(c).person_id) return false;
  auto asker = identity::FindAccount(*c.app.db, r.requester);
  if (!asker.ok() || !asker->person_id) return false;
  auto person = people::Get(*c.app.db, asker->person_id);
  auto me = people::Get(*c.app.db, Me(c).person_id);
  return person.ok() && me.ok() && people::ReportsTo(*person, *me);
}

// The user names of the signed-in person's reports' accounts, lower case;
// none when they are not a person or their reports cannot be read.
std::vector<std::string> ReportNames(const Ctx& c) {
  std::vector<std::string> names;
  if (!Me(c).person_id) return names;
  auto reports = people::ReportsOf(*c.app.db, Me(c).person_id);
  if (!reports.ok()) return names;
  std::vector<int64_t> ids;
  for (const auto& p : *reports) ids.push_back(p.id);
  auto accounts = identity::UserNamesOf(*c.app.db, ids);
  if (!accounts.ok()) return names;
  for (const auto& n : *accounts) names.push_back(core::AsciiLower(n));
  return names;
}

// The requests waiting for this person's roles; for a supervisor, their
// own reports' only.
void ScopeToRoles(const Ctx& c, approvals::Filter& f) {
  f.decides = DecidingRoles(c);
  if (std::find(f.decides.begin(), f.decides.end(), "supervisor") !=
      f.decides.end())
    f.supervised = ReportNames(c);
}

// ITS and auditors read every request.
bool SeesAll(const Ctx& c) {
  return Has(c, Role::kItsAdmin) || Has(c, Role::kAuditor);
}

bool MaySee(const Ctx& c, const approvals::Request& r) {
  return Asked(c, r) || SeesAll(c) || MayDecide(c, r);
}

// Which list: "queue" (waiting for my decision), "mine" (what I asked),
// "all" (ITS and auditors). The default: the queue for who decides,
// else their own.
std::string ViewParam(const Ctx& c) {
  std::string v = c.Param("view");
  if (v == "all" && SeesAll(c)) return v;
  if (v == "queue" && !DecidingRoles(c).empty()) return v;
  if (v == "mine") return v;
  return DecidingRoles(c).empty() ? "mine" : "queue";
}

// The state asked for: waiting (the default), one state, or all.
std::string StateParam(const Ctx& c) {
  std::string s = c.Param("state");
  if (approvals::IsState(s)) return s;
  return s == "all" ? "" : "waiting";
}

approvals::Filter FilterOf(const Ctx& c, int limit) {
  approvals::Filter f{.state = StateParam(c), .limit = limit};
  const std::string view = ViewParam(c);
  if (view == "mine") f.requester = Me(c).username;
  if (view == "queue") ScopeToRoles(c, f);
  auto before = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
  if (before.ok()) f.before_id = *before;
  return f;
}

// A field's label, from the pack when it still names it.
std::string LabelOf(const Ctx& c, const approvals::Request& r,
                    const std::string& name) {
  if (const auto* p = Policy(c))
    if (const auto* t = p->Find(r.type))
      for (const auto& f : t->fields)
        if (f.name == name) return f.label;
  return name;
}

Data Row(const approvals::Request& r) {
  Data x;
  x.set("id", std::to_string(r.id));
  x.set("title", r.title);
  x.set("type", r.type);
  x.set("clauses", core::Join(r.clauses, ", "));
  x.set("decides", RoleTitleOf(r.decides));
  x.set("requester", r.requester);
  x.set("requested_at", r.requested_at.substr(0, 16));
  x.set("state", r.state);
  x.set("waiting", r.state == "waiting");
  SetIfAny(x, "decided_by", r.decided_by);
  SetIfAny(x, "decided_at", r.decided_at.substr(0, 16));
  SetIfAny(x, "reason", r.reason);
  // The first field says what it is about in the list.
  SetIfAny(x, "about", r.fields.empty() ? "" : r.fields.front().second);
  return x;
}

nlohmann::ordered_json RequestJson(const approvals::Request& r) {
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.fields) fields[k] = v;
  return {{"id", r.id},
          {"type", r.type},
          {"title", r.title},
          {"clauses", r.clauses},
          {"decides", r.decides},
          {"requester", r.requester},
          {"requested_at", r.requested_at},
          {"fields", fields},
          {"sha256", r.sha256},
          {"intact", r.intact},
          {"held_message", r.held_id},
          {"state", r.state},
          {"decided_by", r.decided_by},
          {"decided_at", r.decided_at},
          {"reason", r.reason}};
}

// The request of the path when this person may see it; else the page says
// why not (nullopt): 404 when there is none, 403 when it is someone else's
// (as held mail: numbers are sequential, their existence no secret).
std::optional<approvals::Request> Load(Ctx& c) {
  auto r = approvals::Get(*c.app.db, c.Id());
  if (!r.ok() && r.status().code() != core::Code::kNotFound) {
    c.Fail(503, "Requests cannot be read now; try again shortly.");
    return std::nullopt;
  }
  if (!r.ok()) {
    c.Fail(404, "No such request.");
    return std::nullopt;
  }
  if (!MaySee(c, *r)) {
    c.Fail(403, "This request is for who asked and who decides on it.");
    return std::nullopt;
  }
  return std::move(r).value();
}

// A held-message field must name a message this person sent that is still
// held. `value` is made the number's one spelling (what is checked is what
// is stored); the words when it does not.
std::optional<std::string> CheckHeld(Ctx& c, std::string& value) {
  std::string v = core::CleanText(value, 64 << 10);
  v.erase(0, v.find_first_not_of(" \t"));
  v.erase(v.find_last_not_of(" \t") + 1);
  if (v.empty()) {
    value.clear();
    return std::nullopt;
  }
  auto n = core::ParseInt(v, 1, INT64_MAX - 1, "number");
  if (!n.ok()) return "Give the number of one of your held messages.";
  value = std::to_string(*n);
  const std::string none =
      "Held message " + value + " is not one of your held messages.";
  quarantine::Quarantine q(*c.app.db, c.app.blobs);
  auto e = q.Get(*n);
  if (!e.ok() || !SentHeld(c, *e)) return none;
  if (e->status != "held")
    return fmt::format("Held message {} was already {}.", *n, e->status);
  return std::nullopt;
}

// Decides the path's request; the words for the decider, and whether it
// was taken (false: the status to answer with).
struct Outcome {
  int status = 200;
  std::string message;
};
Outcome DecideRequest(Ctx& c) {
  auto r = approvals::Get(*c.app.db, c.Id());
  if (!r.ok())
    return r.status().code() == core::Code::kNotFound
               ? Outcome{404, "No such request."}
               : Outcome{503,
                         "Requests cannot be read now; try again shortly."};
  if (!MaySee(c, *r))
    return {403, "This request is for who asked and who decides on it."};
  if (!MayDecide(c, *r))
    return {403, Asked(c, *r)
                     ? "You asked for this: someone else decides on it."
                     : fmt::format("This request waits for the {}.",
                                   RoleTitleOf(r->decides))};
  const std::string decision = c.Param("decision");
  if (decision != "approve" && decision != "refuse")
    return {400, "The decision is approve or refuse."};
  const bool approve = decision == "approve";
  auto st = approvals::Decide(*c.app.db, r->id, approve, c.Param("reason"),
                              Me(c).username, {Me(c).username, c.Ip()});
  if (!st.ok())
    return {st.code() == core::Code::kInvalidArgument ? 409 : 503,
            st.message()};
  std::string said = approve ? "Approved." : "Refused; the requester sees why.";
  // C.12: the approval is the consent the held message waited for.
  const auto* type = Policy(c) ? Policy(c)->Find(r->type) : nullptr;
  if (approve && r->held_id > 0 && type && type->releases_held) {
    std::string why = fmt::format("Request {} approved", r->id);
    auto now = approvals::Get(*c.app.db, r->id);
    if (now.ok() && !now->reason.empty()) why += ": " + now->reason;
    said += " " + ReleaseApproved(c, r->held_id, why);
  }
  return {200, said};
}

const std::vector<std::string> kExportHeader = {
    "id",           "type",   "clauses",     "decided by role", "requester",
    "requested at", "state",  "decided by",  "decided at",      "reason",
    "request",      "sha256", "held message"};

}  // namespace

void AddApprovalCounts(const Ctx& c, Data* mine, Figures* queues) {
  if (queues) {
    int64_t waiting = 0;
    approvals::Filter f{.state = "waiting"};
    ScopeToRoles(c, f);
    if (!f.decides.empty()) {
      auto n = approvals::Count(*c.app.db, f);
      if (n.ok()) waiting = *n;
    }
    queues->Count("approvals_waiting", waiting);
  }
  if (mine) {
    auto n = approvals::Count(
        *c.app.db, {.state = "waiting", .requester = Me(c).username});
    SetCount(*mine, "approvals_mine", n.ok() ? *n : 0);
  }
}

void ApprovalsPage(Ctx& c) {
  Data d = c.Page("Requests");
  const std::string view = ViewParam(c), state = StateParam(c);
  d.set("view_" + view, true);
  d.set("view", view);
  d.set("state_" + (state.empty() ? std::string("all") : state), true);
  d.set("state_param", state.empty() ? "all" : state);
  d.set("decides", !DecidingRoles(c).empty());
  d.set("sees_all", SeesAll(c));
  d.set("exports", !DecidingRoles(c).empty() || SeesAll(c));
  auto list = approvals::List(*c.app.db, FilterOf(c, 50));
  if (!list.ok()) {
    c.Fail(503, "Requests cannot be read now; try again shortly.");
    return;
  }
  List rows = RowsOf(*list, [](const auto& r) { return Row(r); });
  d.set("has_requests", !rows.empty());
  Put(d, "requests", std::move(rows));
  if (list->size() == 50)
    d.set("next", fmt::format("/approvals?view={}&state={}&before={}", view,
                              state.empty() ? "all" : state, list->back().id));
  List types;
  if (const auto* p = Policy(c))
    for (const auto& t : p->types) {
      Data x;
      x.set("id", t.id);
      x.set("title", t.title);
      x.set("clauses", core::Join(t.clauses, ", "));
      types.push_back(std::move(x));
    }
  d.set("has_types", !types.empty());
  Put(d, "types", std::move(types));
  c.Html("approvals", d);
}

void ApprovalNewPage(Ctx& c) {
  const auto* p = Policy(c);
  const auto* t = p ? p->Find(c.Param("type")) : nullptr;
  if (!t) {
    c.SeeOther("/approvals?view=mine", "Choose what you are asking for.");
    return;
  }
  Data d = c.Page("Ask: " + t->title);
  d.set("type", t->id);
  d.set("title", t->title);
  d.set("hint", t->hint);
  d.set("decides",
        RoleTitleOf(std::string(policy::ReleaseRoleName(t->decides))));
  d.set("clause_list", ClauseList(c, t->clauses));
  List fields;
  for (const auto& f : t->fields) {
    Data x;
    x.set("name", "f_" + f.name);
    x.set("label", f.label);
    x.set("required", f.required);
    x.set("is_text", f.kind == Kind::kText);
    x.set("input_type", f.kind == Kind::kDate          ? "date"
                        : f.kind == Kind::kUrl         ? "url"
                        : f.kind == Kind::kHeldMessage ? "number"
                                                       : "text");
    x.set("max", f.kind == Kind::kText  ? "4000"
                 : f.kind == Kind::kUrl ? "2000"
                                        : "300");
    x.set("value", c.Param("f_" + f.name));
    fields.push_back(std::move(x));
  }
  Put(d, "fields", std::move(fields));
  c.Html("approval_new", d);
}

void ApprovalCreatePost(Ctx& c) {
  const auto* p = Policy(c);
  const auto* t = p ? p->Find(c.Param("type")) : nullptr;
  if (!t) {
    c.SeeOther("/approvals?view=mine", "Choose what you are asking for.");
    return;
  }
  const std::string back = "/approvals/new?type=" + t->id;
  std::map<std::string, std::string> values;
  for (const auto& f : t->fields) {
    values[f.name] = c.Param("f_" + f.name);
    if (f.kind == Kind::kHeldMessage)
      if (auto no = CheckHeld(c, values[f.name])) {
        c.SeeOther(back, *no);
        return;
      }
  }
  auto id = approvals::Create(*c.app.db, *t, values, Me(c).username,
                              {Me(c).username, c.Ip()});
  if (!id.ok()) {
    c.SeeOther(back, id.status().code() == core::Code::kInvalidArgument
                         ? id.status().message()
                         : "The request could not be kept now; try again "
                           "shortly.");
    return;
  }
  c.SeeOther(
      "/approvals/" + std::to_string(*id),
      fmt::format(
          "Request {} sent; the {} decides.", *id,
          RoleTitleOf(std::string(policy::ReleaseRoleName(t->decides)))));
}

void ApprovalPage(Ctx& c) {
  auto r = Load(c);
  if (!r) return;
  Data d = c.Page(fmt::format("Request {}", r->id));
  d.set("r", Row(*r));
  d.set("sha256", r->sha256);
  d.set("intact", r->intact);
  d.set("clause_list", ClauseList(c, r->clauses));
  List fields;
  for (const auto& [k, v] : r->fields) {
    if (v.empty()) continue;
    Data x;
    x.set("label", LabelOf(c, *r, k));
    x.set("value", v);
    fields.push_back(std::move(x));
  }
  Put(d, "fields", std::move(fields));
  if (r->held_id > 0) {
    d.set("held_id", std::to_string(r->held_id));
    // Whose it is and where it stands, for those who may see it: the
    // approver checks the message is the requester's, and an approval that
    // could not release it says so here.
    quarantine::Quarantine q(*c.app.db, c.app.blobs);
    auto e = q.Get(r->held_id);
    if (e.ok() && MaySeeHeld(c, *e)) {
      d.set("held_sender", e->sender);
      d.set("held_subject", e->subject);
      d.set("held_status", e->status);
      d.set("held_waiting", e->status == "held");
      d.set("held_for", RoleTitleOf(e->DecidingRole()));
    }
  }
  d.set("may_decide", MayDecide(c, *r) && r->state == "waiting");
  d.set("may_withdraw", Asked(c, *r) && r->state == "waiting");
  c.Html("approval", d);
}

void ApprovalDecidePost(Ctx& c) {
  Outcome o = DecideRequest(c);
  if (o.status == 404 || o.status == 403 || o.status == 400) {
    c.Fail(o.status, o.message);
    return;
  }
  c.SeeOther("/approvals/" + std::to_string(c.Id()), o.message);
}

void ApprovalWithdrawPost(Ctx& c) {
  auto r = Load(c);
  if (!r) return;
  if (!Asked(c, *r)) {
    c.Fail(403, "Only who asked can withdraw a request.");
    return;
  }
  auto st = approvals::Withdraw(*c.app.db, r->id, Me(c).username,
                                {Me(c).username, c.Ip()});
  c.SeeOther("/approvals/" + std::to_string(r->id),
             st.ok() ? "Withdrawn." : st.message());
}

namespace {

void ExportApprovals(Ctx& c, bool xlsx) {
  auto f = FilterOf(c, 100000);
  auto list = approvals::List(*c.app.db, f);
  if (!list.ok()) {
    c.Fail(503, "Requests cannot be read now; try again shortly.");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(list->size());
  for (const auto& r : *list) {
    std::vector<std::string> asked;
    for (const auto& [k, v] : r.fields)
      if (!v.empty()) asked.push_back(k + ": " + v);
    rows.push_back({std::to_string(r.id), r.type, core::Join(r.clauses, " "),
                    r.decides, r.requester, r.requested_at, r.state,
                    r.decided_by, r.decided_at, r.reason,
                    core::Join(asked, "; "), r.sha256,
                    r.held_id ? std::to_string(r.held_id) : ""});
  }
  c.DownloadTable("requests", xlsx, kExportHeader, rows);
}

}  // namespace

void ApprovalsCsv(Ctx& c) { ExportApprovals(c, false); }
void ApprovalsXlsx(Ctx& c) { ExportApprovals(c, true); }

void ApiApprovals(Ctx& c) {
  auto list = approvals::List(*c.app.db, FilterOf(c, 200));
  if (!list.ok()) {
    c.Fail(503, "Requests cannot be read now; try again shortly.");
    return;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& r : *list) out.push_back(RequestJson(r));
  c.Json({{"view", ViewParam(c)}, {"requests", out}});
}

void ApiApproval(Ctx& c) {
  auto r = Load(c);
  if (!r) return;
  c.Json(RequestJson(*r));
}

void ApiApprovalDecide(Ctx& c) {
  Outcome o = DecideRequest(c);
  if (o.status != 200) {
    c.Fail(o.status, o.message);
    return;
  }
  auto r = approvals::Get(*c.app.db, c.Id());
  auto j = r.ok() ? RequestJson(*r) : nlohmann::ordered_json::object();
  j["message"] = o.message;
  c.Json(j);
}

}  // namespace steward::portal
