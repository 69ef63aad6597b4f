// Held mail in the portal (C.12, E.1–E.3, C.16–C.19; docs/mail.md): the
// queue of each releasing role, one message with its findings and a safe
// rendering (its text only; HTML shown as text; attachments listed, never
// opened), and the decisions — release, release to the District's own
// addresses only, delete — each with a reason. The rules are the shell's
// (`steward quarantine`): whoever holds the role the verdict names decides
// (ITS when it names none); the sender never decides on their own message,
// an auditor never decides. The sender sees their own held messages and
// what became of them. Who may see and decide is checked here, per message.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/csv.h"
#include "core/text.h"
#include "core/workbook.h"
#include "decide/domains.h"
#include "people/people.h"
#include "quarantine/quarantine.h"

namespace steward::portal {

namespace {

using identity::Role;

quarantine::Quarantine Store(const Ctx& c) {
  return quarantine::Quarantine(*c.app.db, c.app.blobs);
}

const identity::Account& Me(const Ctx& c) { return c.session->account; }

bool Has(const Ctx& c, Role r) { return Me(c).roles.Has(r); }

// The names a person sends mail under: their e-mail address, their user
// name, and their user name at each District domain (how a mail server may
// give its authenticated user), lower case.
std::vector<std::string> MailKeys(const Ctx& c, const std::string& username,
                                  const std::string& email) {
  std::vector<std::string> keys;
  if (!username.empty()) keys.push_back(core::AsciiLower(username));
  if (!email.empty()) keys.push_back(core::AsciiLower(email));
  if (c.app.options.pack && !username.empty())
    for (const auto& d : c.app.options.pack->internal_domains)
      keys.push_back(core::AsciiLower(username + "@" + d));
  return keys;
}

std::vector<std::string> OwnerKeys(const Ctx& c) {
  return MailKeys(c, Me(c).username, Me(c).email);
}

// The names the signed-in person's reports send mail under; none when they
// are not a person or their reports cannot be read (nobody's mail, then).
std::vector<std::string> ReportKeys(const Ctx& c) {
  std::vector<std::string> keys;
  if (!Me(c).person_id) return keys;
  auto reports = people::ReportsOf(*c.app.db, Me(c).person_id);
  if (!reports.ok()) return keys;
  for (const auto& p : *reports) {
    auto k = MailKeys(c, p.username, p.email);
    keys.insert(keys.end(), k.begin(), k.end());
  }
  return keys;
}

// Whether one of `keys` sent the message: its envelope sender or the user
// the mail server authenticated.
bool SentByOneOf(const quarantine::Entry& e,
                 const std::vector<std::string>& keys) {
  const std::string sender = core::AsciiLower(e.sender);
  std::string auth = core::AsciiLower(e.auth_user);
  auth.erase(0, auth.find_first_not_of(" \t"));
  auth.erase(auth.find_last_not_of(" \t") + 1);
  for (const auto& k : keys)
    if (k == auth || (k.find('@') != std::string::npos && k == sender))
      return true;
  return false;
}

bool IsSender(const Ctx& c, const quarantine::Entry& e) {
  return SentByOneOf(e, OwnerKeys(c));
}

// The roles (pack names) whose held mail this person decides.
std::vector<std::string> QueueRoles(const Ctx& c) {
  std::vector<std::string> out;
  if (Has(c, Role::kAuditor)) return out;
  for (Role r : identity::kAllRoles)
    if (r != Role::kEmployee && r != Role::kAuditor && Has(c, r))
      out.emplace_back(identity::RoleName(r));
  return out;
}

// ITS (which runs the doors) and auditors see every held message.
bool SeesAll(const Ctx& c) {
  return Has(c, Role::kItsAdmin) || Has(c, Role::kAuditor);
}

// Those who hold the role the message waits for, never its sender nor an
// auditor; for the supervisor's role, the sender's own supervisor
// (`reports`: ReportKeys, when the caller has them).
bool MayDecide(const Ctx& c, const quarantine::Entry& e,
               const std::vector<std::string>* reports = nullptr) {
  if (IsSender(c, e) || Has(c, Role::kAuditor)) return false;
  auto role = identity::ParseRole(e.DecidingRole());
  if (!role || !Has(c, *role)) return false;
  if (*role != Role::kSupervisor) return true;
  return SentByOneOf(e, reports ? *reports : ReportKeys(c));
}

bool MaySee(const Ctx& c, const quarantine::Entry& e) {
  return IsSender(c, e) || SeesAll(c) || MayDecide(c, e);
}

// The status the list asks for: held (the default), released, deleted, all.
std::string StatusParam(const Ctx& c) {
  std::string s = c.Param("status");
  if (s == "released" || s == "deleted") return s;
  return s == "all" ? "" : "held";
}

// The messages waiting for this person's roles; for a supervisor, their
// own reports' only.
void ScopeToRoles(const Ctx& c, quarantine::Filter& f) {
  f.roles = QueueRoles(c);
  if (std::find(f.roles.begin(), f.roles.end(), "supervisor") != f.roles.end())
    f.supervised = ReportKeys(c);
}

// The queue this person sees: every message for ITS and auditors, else
// those waiting for their roles; nullopt when they decide none.
std::optional<quarantine::Filter> QueueFilter(const Ctx& c, int limit) {
  quarantine::Filter f;
  f.status = StatusParam(c);
  f.limit = limit;
  auto before = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
  if (before.ok()) f.before_id = *before;
  if (!SeesAll(c)) {
    ScopeToRoles(c, f);
    if (f.roles.empty()) return std::nullopt;
  }
  return f;
}

// The reports' names when the signed-in person is a supervisor (for
// MayDecide over the list `f` gave), read once: the filter's when it has
// them; else none.
std::optional<std::vector<std::string>> ReportsFor(
    const Ctx& c, const quarantine::Filter& f) {
  if (f.supervised || !Has(c, Role::kSupervisor)) return f.supervised;
  return ReportKeys(c);
}

const std::vector<std::string>* Ptr(
    const std::optional<std::vector<std::string>>& v) {
  return v ? &*v : nullptr;
}

Data Row(const quarantine::Entry& e) {
  Data x;
  x.set("id", std::to_string(e.id));
  x.set("created_at", e.created_at.substr(0, 16));
  x.set("status", e.status);
  x.set("held", e.status == "held");
  x.set("rule", e.rule);
  x.set("clauses", core::Join(e.clauses, ", "));
  x.set("sender", e.sender);
  x.set("recipients", core::Join(e.recipients, ", "));
  x.set("subject", e.subject.empty() ? "(no subject)" : e.subject);
  x.set("size", std::to_string(e.size));
  x.set("waits_for", RoleTitleOf(e.DecidingRole()));
  SetIfAny(x, "decided_by", e.decided_by);
  x.set("decided_at", e.decided_at.substr(0, 16));
  SetIfAny(x, "reason", e.reason);
  x.set("released_to", core::Join(e.released_to, ", "));
  x.set("internal_only", !e.released_to.empty());
  return x;
}

// The message of the path, when this person may see it; else the page
// says why not (nullopt).
std::optional<quarantine::Entry> Load(Ctx& c) {
  auto e = Store(c).Get(c.Id());
  if (!e.ok()) {
    c.Fail(e.status().code() == core::Code::kNotFound ? 404 : 503,
           e.status().code() == core::Code::kNotFound
               ? "No such held message."
               : "Held mail cannot be read now; try again shortly.");
    return std::nullopt;
  }
  if (!MaySee(c, *e)) {
    c.Fail(403,
           "This message is for its sender and those who decide on it "
           "only.");
    return std::nullopt;
  }
  return std::move(e).value();
}

// Reading someone else's held mail is recorded (page and API alike);
// false when it could not be, and the page says so.
bool Audited(Ctx& c, const quarantine::Entry& e) {
  if (IsSender(c, e)) return true;
  auto st = c.app.db->Transact([&](store::Conn& conn) {
    return audit::Record(conn, {Me(c).username, c.Ip()}, "quarantine.view",
                         "quarantine/" + std::to_string(e.id), {});
  });
  if (!st.ok())
    c.Fail(503, "Held mail cannot be shown now; try again shortly.");
  return st.ok();
}

// The verdict's findings as they were stored (redacted), in the District's
// words where the portal's pack knows the category.
List Findings(const Ctx& c, const quarantine::Entry& e,
              nlohmann::ordered_json* json) {
  List out;
  auto v = nlohmann::json::parse(e.verdict, nullptr, false);
  if (!v.is_object() || !v.contains("findings") || !v["findings"].is_array())
    return out;
  for (const auto& f : v["findings"]) {
    auto text = [&](const char* k) {
      return f.contains(k) && f[k].is_string() ? f[k].get<std::string>()
                                               : std::string();
    };
    const std::string id = text("category");
    const policy::Category* cat =
        c.app.options.pack ? c.app.options.pack->FindCategory(id) : nullptr;
    std::string where;
    if (f.contains("location") && f["location"].is_object() &&
        f["location"].contains("where") && f["location"]["where"].is_string())
      where = f["location"]["where"].get<std::string>();
    // The excerpt as the inspector redacted it; a value, were one ever
    // kept, is never shown.
    Data x;
    x.set("category", cat ? cat->title : id);
    x.set("where", where);
    x.set("excerpt", text("excerpt"));
    out.push_back(std::move(x));
    if (json)
      json->push_back({{"category", id},
                       {"severity", text("severity")},
                       {"where", where},
                       {"excerpt", text("excerpt")}});
  }
  return out;
}

enum class Decision { kRelease, kReleaseInternal, kDelete };

// Why a decision was not taken: an HTTP status and words for the person.
struct Refusal {
  int status = 0;
  std::string message;
};

// Takes the decision on the path's message; nullopt when it was taken.
std::optional<Refusal> Decide(Ctx& c, int64_t id, Decision d,
                              const std::string& reason_in) {
  auto q = Store(c);
  auto e = q.Get(id);
  if (!e.ok())
    return e.status().code() == core::Code::kNotFound
               ? Refusal{404, "No such held message."}
               : Refusal{503,
                         "Held mail cannot be read now; try again shortly."};
  if (!MaySee(c, *e))
    return Refusal{403,
                   "This message is for its sender and those who decide on "
                   "it only."};
  if (!MayDecide(c, *e))
    return Refusal{403,
                   IsSender(c, *e)
                       ? "You sent this message: someone else decides on it."
                       : fmt::format("This message waits for the {}.",
                                     RoleTitleOf(e->DecidingRole()))};
  const std::string reason = core::CleanText(reason_in, 64 << 10, true);
  if (!core::HasVisibleText(reason))
    return Refusal{
        409,
        "Give a reason: it is kept with the decision and in the audit log."};
  if (core::CharCount(reason) > 2000)
    return Refusal{409, "Keep the reason to 2,000 characters."};
  const audit::Actor who{Me(c).username, c.Ip()};
  core::Status st;
  if (d == Decision::kDelete) {
    st = q.Delete(e->id, who, reason);
  } else if (c.app.options.sendmail.empty()) {
    return Refusal{503,
                   "This portal sends no mail (steward serve --sendmail): "
                   "release the message with `steward quarantine release`."};
  } else {
    quarantine::ReleaseOptions o{.reason = reason};
    if (d == Decision::kReleaseInternal) {
      if (!c.app.options.pack || c.app.options.pack->internal_domains.empty())
        return Refusal{409,
                       "The policy pack names no District domain "
                       "(internal_domains)."};
      o.only_domains = c.app.options.pack->internal_domains;
    }
    st = q.Release(e->id, who,
                   quarantine::SendmailReinject(c.app.options.sendmail), o);
  }
  if (st.ok()) return std::nullopt;
  // Decided meanwhile, no recipient inside: the person's to know; a
  // failed hand-off to the mail server: the server's.
  return Refusal{st.code() == core::Code::kInvalidArgument ? 409 : 503,
                 st.message()};
}

// Whether some recipients are inside the District and some are not: then
// a release to the inside only is a choice.
bool Mixed(const Ctx& c, const quarantine::Entry& e) {
  if (!c.app.options.pack) return false;
  const auto& ours = c.app.options.pack->internal_domains;
  bool in = false, out = false;
  for (const auto& r : e.recipients)
    (decide::IsInternal(decide::DeliveryDomain(r, ours), ours) ? in : out) =
        true;
  return in && out && !ours.empty();
}

void DecidePage(Ctx& c, Decision d) {
  const std::string back = "/held/" + std::to_string(c.Id());
  if (auto no = Decide(c, c.Id(), d, c.Param("reason"))) {
    if (no->status == 404 || no->status == 403)
      c.Fail(no->status, no->message);
    else
      c.SeeOther(back, no->message);
    return;
  }
  c.SeeOther(back, d == Decision::kDelete ? "Deleted: it will not be sent."
                   : d == Decision::kRelease
                       ? "Released: it was handed to the mail server."
                       : "Released to the District's own addresses only.");
}

// The rows of an export: what the person's queue shows, at most 100,000.
std::optional<std::vector<quarantine::Entry>> ExportRows(Ctx& c) {
  auto f = QueueFilter(c, 100000);
  if (!f) return std::vector<quarantine::Entry>{};
  f->before_id = 0;
  auto list = Store(c).List(*f);
  if (!list.ok()) {
    c.Fail(503, "Held mail cannot be read now; try again shortly.");
    return std::nullopt;
  }
  // Who took the list of senders, recipients and subjects away is recorded.
  auto st = c.app.db->Transact([&](store::Conn& conn) {
    return audit::Record(conn, {Me(c).username, c.Ip()}, "quarantine.export",
                         "quarantine",
                         {{"status", f->status.empty() ? "all" : f->status},
                          {"rows", list->size()}});
  });
  if (!st.ok()) {
    c.Fail(503, "Held mail cannot be exported now; try again shortly.");
    return std::nullopt;
  }
  return std::move(list).value();
}

const std::vector<std::string> kExportHeader = {
    "id",         "held at",    "status",     "rule",       "clauses",
    "waits for",  "sender",     "recipients", "subject",    "size",
    "decided by", "decided at", "reason",     "released to"};

std::vector<std::string> ExportCells(const quarantine::Entry& e) {
  return {std::to_string(e.id),
          e.created_at,
          e.status,
          e.rule,
          core::Join(e.clauses, " "),
          e.DecidingRole(),
          e.sender,
          core::Join(e.recipients, " "),
          e.subject,
          std::to_string(e.size),
          e.decided_by,
          e.decided_at,
          e.reason,
          core::Join(e.released_to, " ")};
}

}  // namespace

List ClauseList(const Ctx& c, const std::vector<std::string>& ids) {
  List out;
  for (const auto& id : ids) {
    Data x;
    x.set("id", id);
    const policy::Clause* cl =
        c.app.options.pack ? c.app.options.pack->FindClause(id) : nullptr;
    x.set("title", cl ? cl->title : "");
    out.push_back(std::move(x));
  }
  return out;
}

std::string RoleTitleOf(const std::string& name) {
  auto r = identity::ParseRole(name);
  return r ? std::string(identity::RoleTitle(*r)) : name;
}

bool MaySeeHeld(const Ctx& c, const quarantine::Entry& e) {
  return MaySee(c, e);
}

bool SentHeld(const Ctx& c, const quarantine::Entry& e) {
  return IsSender(c, e);
}

std::vector<std::string> DecidingRoles(const Ctx& c) { return QueueRoles(c); }

std::string ReleaseApproved(Ctx& c, int64_t held_id,
                            const std::string& reason) {
  if (auto no = Decide(c, held_id, Decision::kRelease, reason))
    return fmt::format("Held message {} was not released: {}", held_id,
                       no->message);
  return fmt::format(
      "Held message {} was released and handed to the mail "
      "server.",
      held_id);
}

void AddHeldCounts(const Ctx& c, Data* mine, Figures* queues) {
  auto q = Store(c);
  if (queues) {
    int64_t waiting = 0;
    quarantine::Filter f{.status = "held"};
    ScopeToRoles(c, f);
    if (!f.roles.empty()) {
      auto n = q.Count(f);
      if (n.ok()) waiting = *n;
    }
    queues->Count("held_waiting", waiting);
  }
  if (mine) {
    auto n = q.Count({.status = "held", .owner_keys = OwnerKeys(c)});
    SetCount(*mine, "held_mine", n.ok() ? *n : 0);
  }
}

void HeldPage(Ctx& c) {
  Data d = c.Page("Held mail");
  auto q = Store(c);
  const std::string status = StatusParam(c);
  d.set("status_" + (status.empty() ? std::string("all") : status), true);
  auto f = QueueFilter(c, 50);
  List queue;
  if (f) {
    auto list = q.List(*f);
    if (!list.ok()) {
      c.Fail(503, "Held mail cannot be read now; try again shortly.");
      return;
    }
    queue.reserve(list->size());
    const auto reports = ReportsFor(c, *f);
    for (const auto& e : *list) {
      Data x = Row(e);
      x.set("may_decide", e.status == "held" && MayDecide(c, e, Ptr(reports)));
      queue.push_back(std::move(x));
    }
    if (list->size() == 50)
      d.set("next",
            fmt::format("/held?status={}&before={}",
                        status.empty() ? "all" : status, list->back().id));
  }
  d.set("has_queue_roles", f.has_value());
  d.set("sees_all", SeesAll(c));
  d.set("has_queue", !queue.empty());
  Put(d, "queue", std::move(queue));
  List mine;
  auto own = q.List({.limit = 50, .owner_keys = OwnerKeys(c)});
  if (own.ok()) mine = RowsOf(*own, [](const auto& e) { return Row(e); });
  d.set("has_mine", !mine.empty());
  Put(d, "mine", std::move(mine));
  c.Html("held", d);
}

void HeldMessagePage(Ctx& c) {
  auto e = Load(c);
  if (!e || !Audited(c, *e)) return;
  auto q = Store(c);
  Data d = c.Page(e->subject.empty() ? "Held message" : e->subject);
  d.set("m", Row(*e));
  d.set("clause_list", ClauseList(c, e->clauses));
  List findings = Findings(c, *e, nullptr);
  d.set("has_findings", !findings.empty());
  Put(d, "findings", std::move(findings));
  const bool decide = e->status == "held" && MayDecide(c, *e);
  d.set("may_decide", decide);
  d.set("mixed", decide && Mixed(c, *e));
  d.set("is_sender", IsSender(c, *e));
  d.set("can_send", !c.app.options.sendmail.empty());
  auto bytes = q.Bytes(*e);
  if (!bytes.ok()) {
    d.set("unreadable", bytes.status().message());
  } else {
    quarantine::Shown s = quarantine::Show(*bytes);
    d.set("h_from", core::Printable(s.from));
    d.set("h_to", core::Printable(s.to));
    SetIfAny(d, "h_cc", core::Printable(s.cc));
    d.set("h_date", core::Printable(s.date));
    List texts, files, unread;
    for (const auto& t : s.texts) {
      Data x;
      x.set("path", t.path);
      x.set("type", t.type);
      x.set("text", core::PrintableText(t.text));
      x.set("cut", t.cut);
      texts.push_back(std::move(x));
    }
    for (const auto& f : s.files) {
      Data x;
      x.set("name", f.name.empty() ? "(no name)" : core::Printable(f.name));
      x.set("type", f.type);
      x.set("size", std::to_string(f.size));
      files.push_back(std::move(x));
    }
    for (const auto& u : s.unread) {
      Data x;
      x.set("what", core::Printable(u));
      unread.push_back(std::move(x));
    }
    d.set("texts", texts);
    d.set("has_files", !files.empty());
    Put(d, "files", std::move(files));
    d.set("unread", unread);
  }
  c.Html("held_message", d);
}

void HeldReleasePost(Ctx& c) { DecidePage(c, Decision::kRelease); }
void HeldReleaseInternalPost(Ctx& c) {
  DecidePage(c, Decision::kReleaseInternal);
}
void HeldDeletePost(Ctx& c) { DecidePage(c, Decision::kDelete); }

namespace {

// The queue as this person sees it, as CSV or XLSX.
void ExportHeld(Ctx& c, bool xlsx) {
  auto rows = ExportRows(c);
  if (!rows) return;
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows->size());
  for (const auto& e : *rows) cells.push_back(ExportCells(e));
  c.DownloadTable("held-mail", xlsx, kExportHeader, cells);
}

}  // namespace

void HeldCsv(Ctx& c) { ExportHeld(c, false); }
void HeldXlsx(Ctx& c) { ExportHeld(c, true); }

void ApiHeld(Ctx& c) {
  nlohmann::ordered_json out = {{"queue", nlohmann::ordered_json::array()},
                                {"mine", nlohmann::ordered_json::array()}};
  auto q = Store(c);
  if (auto f = QueueFilter(c, 200)) {
    auto list = q.List(*f);
    if (!list.ok()) {
      c.Fail(503, "Held mail cannot be read now; try again shortly.");
      return;
    }
    const auto reports = ReportsFor(c, *f);
    for (const auto& e : *list) {
      auto j = quarantine::ToJson(e);
      j["may_decide"] = e.status == "held" && MayDecide(c, e, Ptr(reports));
      out["queue"].push_back(std::move(j));
    }
  }
  auto own = q.List({.limit = 200, .owner_keys = OwnerKeys(c)});
  if (own.ok())
    for (const auto& e : *own) out["mine"].push_back(quarantine::ToJson(e));
  c.Json(out);
}

void ApiHeldOne(Ctx& c) {
  auto e = Load(c);
  if (!e || !Audited(c, *e)) return;
  auto j = quarantine::ToJson(*e);
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  Findings(c, *e, &findings);
  j["findings"] = std::move(findings);
  j["may_decide"] = e->status == "held" && MayDecide(c, *e);
  c.Json(j);
}

void ApiHeldDecide(Ctx& c) {
  const std::string what = c.Param("decision");
  std::optional<Decision> d;
  if (what == "release") d = Decision::kRelease;
  if (what == "release-internal") d = Decision::kReleaseInternal;
  if (what == "delete") d = Decision::kDelete;
  if (!d) {
    c.Fail(400, "decision is release, release-internal or delete");
    return;
  }
  if (auto no = Decide(c, c.Id(), *d, c.Param("reason"))) {
    c.Fail(no->status, no->message);
    return;
  }
  auto e = Store(c).Get(c.Id());
  if (!e.ok()) {
    c.Json({{"decided", true}});
    return;
  }
  c.Json(quarantine::ToJson(*e));
}

}  // namespace steward::portal
