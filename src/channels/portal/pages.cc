// The HTML pages. Each handler reads its inputs, calls one module, and
// renders a template; failures are shown in words on the page.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "audit/chain.h"
#include "channels/portal/internal.h"
#include "channels/portal/local_path.h"
#include "core/text.h"
#include "people/people.h"

namespace steward::portal {

using identity::Role;
namespace ack = steward::acknowledge;

namespace {

people::Actor PeopleActor(const Ctx& c) {
  return {c.session->account.username, c.Ip()};
}
ack::Actor AckActor(const Ctx& c) {
  return {c.session ? c.session->account.username : "", c.Ip()};
}

// A number from a form or a query, or `fallback` when it is none.
int64_t IntParam(const Ctx& c, const std::string& name, int64_t fallback,
                 int64_t min = 0,
                 int64_t max = std::numeric_limits<int64_t>::max()) {
  auto v = core::ParseInt(c.Param(name), min, max, name);
  return v.ok() ? *v : fallback;
}

// Whose records the signed-in person may change: ITS administrators every
// site's; a site administrator the site of the active employee record their
// account is linked to; anyone else nobody's.
people::Scope ScopeOf(const Ctx& c) {
  const auto& a = c.session->account;
  if (a.roles.Has(Role::kItsAdmin)) return people::Scope::EverySite();
  if (a.roles.Has(Role::kSiteAdmin) && a.person_id) {
    auto me = people::Get(*c.app.db, a.person_id);
    if (me.ok() && me->kind == "employee" && me->status == "active" &&
        me->site_id) {
      return people::Scope::Site(me->site_id);
    }
  }
  return {};
}

// Records an export or a view of a record; false (the page then refuses) when
// the audit log cannot be written, so nothing leaves unrecorded.
bool Audited(Ctx& c, const std::string& action, const std::string& target,
             const nlohmann::json& detail) {
  auto e = audit::Append(*c.app.db, {.actor = c.session->account.username,
                                     .action = action,
                                     .target = target,
                                     .detail = Dump(detail),
                                     .ip = c.Ip()});
  if (!e.ok()) {
    c.Fail(500,
           "This cannot be recorded in the audit log now, so it is not "
           "shown. Try again shortly.");
    return false;
  }
  return true;
}

std::string Percent(const ack::Tally& t) {
  return fmt::format("{:.1f}%", t.Percent());
}

List TallyList(const std::vector<ack::Tally>& tallies) {
  List out;
  for (const auto& t : tallies) {
    Data d;
    d.set("label", t.label);
    d.set("done", std::to_string(t.done));
    d.set("total", std::to_string(t.total));
    d.set("missing", std::to_string(t.total - t.done));
    d.set("percent", Percent(t));
    out.push_back(d);
  }
  return out;
}

Data ReportData(const people::ImportReport& r) {
  Data d;
  d.set("summary", r.Summary());
  List issues;
  for (const auto& i : r.issues) {
    if (issues.size() >= 500) break;
    Data row;
    row.set("where", i.line ? fmt::format("{}:{}", i.file, i.line) : i.file);
    row.set("message", i.message);
    row.set("rejected", i.rejected);
    issues.push_back(row);
  }
  d.set("issues", issues);
  d.set("has_issues", !r.issues.empty());
  d.set("more_issues", r.issues.size() > 500);
  return d;
}

Data VersionData(const ack::Version& v) {
  Data d;
  d.set("id", std::to_string(v.id));
  d.set("title", v.title);
  d.set("filename", v.filename);
  d.set("type", v.content_type == "application/pdf" ? "PDF"
                : v.content_type == "text/html"     ? "HTML"
                                                    : "Text");
  d.set("sha256", v.sha256);
  d.set("is_pdf", v.content_type == "application/pdf");
  d.set("size", fmt::format("{:.1f} KB", v.size / 1024.0));
  d.set("uploaded_at", v.uploaded_at);
  d.set("uploaded_by", v.uploaded_by);
  return d;
}

Data CampaignData(const ack::Campaign& c) {
  Data d;
  d.set("id", std::to_string(c.id));
  d.set("title", c.title);
  d.set("audience", c.AudienceText());
  d.set("opens_on", c.opens_on);
  d.set("due_on", c.due_on);
  d.set("reminder_days", c.reminder_days);
  d.set("past_due", ack::Today() > c.due_on);
  return d;
}

}  // namespace

void SignInPage(Ctx& c) {
  if (c.session) {
    c.SeeOther("/");
    return;
  }
  Data d = c.Page("Sign in");
  d.set("next", c.Param("next"));
  c.Html("sign_in", d);
}

void SignInPost(Ctx& c) {
  // SignIn cuts what it stores; the form echoes no more than that either.
  std::string username = c.Param("username");
  auto s = identity::SignIn(
      *c.app.db, c.app.throttle, username, c.Param("password"),
      {c.Ip(), c.req.Header("User-Agent")}, c.app.options.ldap);
  c.app.metrics.SignIn(s.ok());
  if (!s.ok()) {
    Data d = c.Page("Sign in");
    d.set("error", s.status().code() == core::Code::kIoError
                       ? "Sign-in is unavailable; try again shortly."
                       : s.status().message());
    d.set("username_value",
          identity::CleanField(username, identity::kMaxUserNameBytes));
    d.set("next", identity::CleanField(c.Param("next"), 1024));
    c.Html("sign_in", d, s.status().code() == core::Code::kLimit ? 429 : 401);
    return;
  }
  std::string cookie =
      fmt::format("steward_session={}; Path=/; HttpOnly; SameSite=Strict{}",
                  s->token, c.app.options.secure_cookies ? "; Secure" : "");
  c.res.AddHeader("Set-Cookie", cookie);
  // Only a path of our own: never an open redirect.
  c.res.status = 303;
  c.res.SetHeader("Location", SafeLocalPath(c.Param("next")));
}

void SignOutPost(Ctx& c) {
  (void)identity::SignOut(*c.app.db, c.session->token, c.Actor());
  c.app.sessions.Clear();
  c.res.AddHeader(
      "Set-Cookie",
      "steward_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  c.res.status = 303;
  c.res.SetHeader("Location", "/sign-in");
}

void SignOutEverywherePost(Ctx& c) {
  auto st =
      identity::SignOutEverywhere(*c.app.db, c.session->account.id, c.Actor());
  c.app.sessions.Clear();
  if (!st.ok()) {
    c.Fail(500, st.message());
    return;
  }
  c.res.AddHeader(
      "Set-Cookie",
      "steward_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  c.res.status = 303;
  c.res.SetHeader("Location", "/sign-in");
}

void AccountPage(Ctx& c) {
  Data d = c.Page("Your account");
  const auto& a = c.session->account;
  d.set("display_name", a.display_name);
  d.set("email", a.email);
  d.set("password_changed_at", a.password_changed_at);
  List roles;
  for (Role r : identity::kAllRoles) {
    if (a.roles.Has(r))
      roles.push_back(Data(std::string(identity::RoleTitle(r))));
  }
  Put(d, "roles", std::move(roles));
  c.Html("account", d);
}

void PasswordPost(Ctx& c) {
  if (c.Param("new_password") != c.Param("confirm_password")) {
    c.SeeOther("/account", "The two new passwords differ.");
    return;
  }
  auto st = identity::ChangePassword(*c.app.db, *c.app.policy, *c.session,
                                     c.Param("current_password"),
                                     c.Param("new_password"), c.Actor());
  c.app.sessions.Clear();
  c.SeeOther("/account", st.ok() ? "Your password is changed; your other "
                                   "sessions were signed out."
                                 : st.message());
}

void HomePage(Ctx& c) {
  Data d = c.Page("Home");
  const auto& a = c.session->account;
  List items;
  if (a.person_id) {
    auto assignments =
        ack::AssignmentsFor(*c.app.db, a.person_id, ack::Today());
    if (assignments.ok()) {
      for (const auto& x : *assignments) {
        Data i = CampaignData(x.campaign);
        i.set("version_title", x.version.title);
        i.set("done", !x.acknowledged_at.empty());
        i.set("acknowledged_at", x.acknowledged_at);
        items.push_back(i);
      }
    }
  }
  d.set("has_assignments", !items.empty());
  Put(d, "assignments", std::move(items));
  d.set("linked", a.person_id != 0);
  using Adder = void (*)(const Ctx&, Data*, Figures*);
  static constexpr Adder kAdders[] = {AddHeldCounts,      AddIncidentCounts,
                                      AddApprovalCounts,  AddVendorCounts,
                                      AddEquipmentCounts, AddDirectoryCounts};
  for (Adder add : kAdders) add(c, &d, nullptr);
  const std::pair<uint16_t, int64_t> whose{
      a.roles.bits(), a.roles.Has(Role::kSupervisor) ? a.person_id : 0};
  auto queues = c.app.home_figures.Get(
      whose, [&]() -> core::Result<std::shared_ptr<const Figures>> {
        auto f = std::make_shared<Figures>();
        for (Adder add : kAdders) add(c, nullptr, f.get());
        return std::shared_ptr<const Figures>(std::move(f));
      });
  if (queues.ok()) (*queues)->ApplyTo(d);
  c.Html("home", d);
}

void AcknowledgePage(Ctx& c) {
  const auto& a = c.session->account;
  if (!a.person_id) {
    c.Fail(404,
           "Your account is not linked to an employee record, so there is "
           "nothing for you to acknowledge.");
    return;
  }
  auto assignments = ack::AssignmentsFor(*c.app.db, a.person_id, ack::Today());
  if (!assignments.ok()) {
    c.Fail(500, assignments.status().message());
    return;
  }
  for (const auto& x : *assignments) {
    if (x.campaign.id != c.Id()) continue;
    Data d = c.Page(x.campaign.title);
    d.set("campaign", CampaignData(x.campaign));
    d.set("version", VersionData(x.version));
    d.set("opened", x.opened);
    d.set("done", !x.acknowledged_at.empty());
    d.set("acknowledged_at", x.acknowledged_at);
    bool more = false;
    List rulings = RulingsInForce(c, &more);
    d.set("has_rulings", !rulings.empty());
    Put(d, "rulings", std::move(rulings));
    d.set("more_rulings", more);
    c.Html("acknowledge", d);
    return;
  }
  c.Fail(404, "This campaign is not open to you.");
}

void DocumentGet(Ctx& c) {
  const auto& a = c.session->account;
  auto assignments = ack::AssignmentsFor(*c.app.db, a.person_id, ack::Today());
  if (!a.person_id || !assignments.ok()) {
    c.Fail(404, "Nothing to show.");
    return;
  }
  for (const auto& x : *assignments) {
    if (x.campaign.id != c.Id()) continue;
    auto bytes = c.app.blobs.Get(x.version.sha256, 64u << 20);
    if (!bytes.ok()) {
      c.Fail(500, "The stored regulation cannot be read: " +
                      bytes.status().message());
      return;
    }
    (void)ack::RecordOpen(*c.app.db, x.campaign.id, a.person_id);
    // Uploaded HTML runs in a sandbox: no scripts, no forms, no same-origin.
    // (A sandboxed PDF would not display; a PDF runs no script of ours.)
    if (x.version.content_type != "application/pdf") {
      c.res.SetHeader("Content-Security-Policy",
                      "sandbox; default-src 'none'; img-src data:; style-src "
                      "'unsafe-inline'; frame-ancestors 'self'");
    } else {
      c.res.SetHeader("Content-Security-Policy",
                      "default-src 'none'; frame-ancestors 'self'");
    }
    c.res.SetHeader("Content-Disposition",
                    ContentDisposition("inline", x.version.filename));
    std::string type = x.version.content_type;
    if (type.rfind("text/", 0) == 0) type += "; charset=utf-8";
    c.res.SetContent(std::move(bytes).value(), type);
    return;
  }
  c.Fail(404, "This campaign is not open to you.");
}

void AcknowledgePost(Ctx& c) {
  auto st = ack::Acknowledge(
      *c.app.db, c.Id(), c.session->account.person_id,
      {c.Ip(), identity::CleanField(c.req.Header("User-Agent"),
                                    identity::kMaxUserAgentBytes)},
      c.session->account.username);
  if (!st.ok()) {
    c.SeeOther(fmt::format("/acknowledge/{}", c.Id()), st.message());
    return;
  }
  c.app.dashboards.Invalidate(c.Id());
  c.SeeOther("/", "Thank you. Your acknowledgement is recorded.");
}

void DashboardPage(Ctx& c) {
  Data d = c.Page("Acknowledgement dashboard");
  auto cached = c.app.dashboards.Campaigns(*c.app.db);
  if (!cached.ok()) {
    c.Fail(500, cached.status().message());
    return;
  }
  const std::vector<ack::Campaign>& campaigns = **cached;
  d.set("has_campaigns", !campaigns.empty());
  if (campaigns.empty()) {
    c.Html("dashboard", d);
    return;
  }
  int64_t chosen = IntParam(c, "campaign", campaigns.front().id);
  List options;
  const ack::Campaign* campaign = &campaigns.front();
  for (const auto& x : campaigns) {
    Data o;
    o.set("id", std::to_string(x.id));
    o.set("title", x.title);
    o.set("selected", x.id == chosen);
    if (x.id == chosen) campaign = &x;
    options.push_back(o);
  }
  Put(d, "campaigns", std::move(options));
  d.set("campaign", CampaignData(*campaign));
  auto snapshot = c.app.dashboards.Get(*c.app.db, *campaign);
  if (!snapshot.ok()) {
    c.Fail(500, snapshot.status().message());
    return;
  }
  const ack::Completion& completion = (*snapshot)->completion;
  d.set("as_of", (*snapshot)->as_of);
  d.set("overall_done", std::to_string(completion.overall.done));
  d.set("overall_total", std::to_string(completion.overall.total));
  d.set("overall_percent", Percent(completion.overall));
  d.set("overall_missing",
        std::to_string(completion.overall.total - completion.overall.done));
  const DashboardSnapshot& snap = **snapshot;
  d.set("tables", snap.Html([&] {
    Data t;
    std::vector<Bar> bars;
    for (const auto& x : completion.by_site) {
      bars.push_back(
          {x.label, x.Percent(), fmt::format("{} of {}", x.done, x.total)});
    }
    t.set("chart", BarChartSvg("Acknowledged, by site", bars));
    t.set("by_site", TallyList(completion.by_site));
    t.set("by_role", TallyList(completion.by_role));
    List missing;
    for (const auto& r : snap.missing) {
      Data m;
      m.set("name", r.name);
      m.set("email", r.email);
      m.set("site", r.site);
      m.set("job_role", r.job_role);
      m.set("opened", !r.opened_at.empty());
      missing.push_back(m);
    }
    Put(t, "missing", std::move(missing));
    t.set("more_missing", snap.more_missing);
    return c.app.view.Fragment("dashboard_tables", t);
  }));
  c.Html("dashboard", d);
}

void PeoplePage(Ctx& c) {
  Data d = c.Page("People");
  people::Query q;
  q.kind = c.Param("kind");
  if (q.kind != "student" && q.kind != "employee") q.kind.clear();
  q.text = c.Param("q").substr(0, 100);
  q.site_id = IntParam(c, "site", 0);
  if (c.Param("status") == "any") q.status.clear();
  int page = static_cast<int>(IntParam(c, "page", 1, 1, 1000000));
  q.limit = 50;
  q.offset = (page - 1) * 50;
  auto found = people::Find(*c.app.db, q);
  auto total = people::Count(*c.app.db, q);
  auto sites = people::Sites(*c.app.db);
  if (!found.ok() || !total.ok() || !sites.ok()) {
    c.Fail(500, "The directory cannot be read now.");
    return;
  }
  List rows;
  for (const auto& p : *found) {
    Data r;
    r.set("id", std::to_string(p.id));
    r.set("name", p.FullName());
    r.set("kind", p.kind);
    r.set("site", p.site_name);
    r.set("role", p.kind == "student" ? "Grade " + p.grade : p.job_role);
    r.set("status", p.status);
    r.set("permission", p.kind == "student" ? p.publish_permission : "");
    rows.push_back(r);
  }
  List site_options;
  for (const auto& s : *sites) {
    Data o;
    o.set("id", std::to_string(s.id));
    o.set("name", s.name);
    o.set("selected", s.id == q.site_id);
    site_options.push_back(o);
  }
  Put(d, "people", std::move(rows));
  Put(d, "sites", std::move(site_options));
  d.set("q", q.text);
  d.set("kind_student", q.kind == "student");
  d.set("kind_employee", q.kind == "employee");
  d.set("total", std::to_string(*total));
  d.set("page", std::to_string(page));
  std::string base =
      fmt::format("/people?q={}&kind={}&site={}&page=", http::UrlEncode(q.text),
                  q.kind, q.site_id);
  if (page > 1) d.set("prev", base + std::to_string(page - 1));
  if (q.offset + 50 < *total) d.set("next", base + std::to_string(page + 1));
  c.Html("people", d);
}

void PersonPage(Ctx& c) {
  auto p = people::Get(*c.app.db, c.Id());
  if (!p.ok()) {
    c.Fail(404, "No such person.");
    return;
  }
  Data d = c.Page(p->FullName());
  d.set("id", std::to_string(p->id));
  d.set("name", p->FullName());
  d.set("kind", p->kind);
  d.set("student", p->kind == "student");
  d.set("source", p->source + " " + p->source_id);
  d.set("email", p->email);
  d.set("site", p->site_name);
  d.set("job_role", p->job_role);
  d.set("grade", p->grade);
  d.set("status", p->status);
  d.set("perm_none", p->publish_permission == "none");
  d.set("perm_limited", p->publish_permission == "limited");
  d.set("perm_full", p->publish_permission == "full");
  d.set("permission", p->publish_permission);
  d.set("photo_captions", p->photo_captions);
  // The form only where the change would be allowed (ScopeOf).
  d.set("can_set_permission", ScopeOf(c).Reaches(p->site_id));
  c.Html("person", d);
}

void PermissionPost(Ctx& c) {
  auto p = people::Get(*c.app.db, c.Id());
  if (!p.ok()) {
    c.Fail(404, "No such person.");
    return;
  }
  people::Scope scope = ScopeOf(c);
  if (!scope.Reaches(p->site_id)) {
    c.Fail(403, scope.every_site || scope.site_id
                    ? "You may change the publishing permission of your own "
                      "site's students only."
                    : "Your account is not linked to an active employee record "
                      "with a site, so you may change no student's publishing "
                      "permission. Ask IT Services to link it.");
    return;
  }
  auto st = people::SetPublishing(
      *c.app.db, c.Id(),
      {c.Param("permission"), c.Param("photo_captions") == "yes"},
      PeopleActor(c), scope);
  c.SeeOther(fmt::format("/people/{}", c.Id()),
             st.ok() ? "Publishing permission saved." : st.message());
}

namespace {

void RenderImport(Ctx& c, const people::ImportReport* report,
                  const std::string& error) {
  Data d = c.Page("Import people");
  d.set("max_departed", std::to_string(c.app.options.max_departed_percent));
  if (report) d.set("report", ReportData(*report));
  if (!error.empty()) d.set("error", error);
  auto runs = c.app.db->Query(
      "SELECT id, kind, source, started_at, actor, accepted, rejected, "
      "departed FROM import_runs ORDER BY id DESC LIMIT 10");
  List list;
  if (runs.ok()) {
    for (const auto& r : *runs) {
      Data x;
      x.set("id", r.Text(0));
      x.set("kind", r.Text(1));
      x.set("source", std::filesystem::path(r.Text(2)).filename().string());
      x.set("at", r.Text(3));
      x.set("actor", r.Text(4));
      x.set("accepted", r.Text(5));
      x.set("rejected", r.Text(6));
      x.set("departed", r.Text(7));
      list.push_back(std::move(x));
    }
  }
  Put(d, "runs", std::move(list));
  c.Html("import", d, error.empty() ? 200 : 400);
}

// The guard against an empty or partial export (people::ImportOptions), and
// the form's box that overrides it.
people::ImportOptions ImportOptionsOf(const Ctx& c) {
  return {.max_departed_percent = c.app.options.max_departed_percent,
          .force = c.Param("force") == "1"};
}

}  // namespace

void ImportPage(Ctx& c) { RenderImport(c, nullptr, ""); }

void ImportOneRosterPost(Ctx& c) {
  if (!c.req.HasFile("roster")) {
    RenderImport(c, nullptr, "Choose the OneRoster export (a .zip) to upload.");
    return;
  }
  const auto& file = c.req.File("roster");
  // The upload goes to a private file for the zip reader, removed after.
  std::string dir = c.app.options.data_dir + "/uploads";
  std::filesystem::create_directories(dir);
  std::string path =
      fmt::format("{}/oneroster-{}.zip", dir, identity::RandomToken(12));
  if (auto st = core::WriteFileAtomic(path, file.content); !st.ok()) {
    RenderImport(c, nullptr, st.message());
    return;
  }
  auto report = people::ImportOneRoster(*c.app.db, path, PeopleActor(c),
                                        file.filename, ImportOptionsOf(c));
  std::filesystem::remove(path);
  if (!report.ok()) {
    std::string msg = report.status().message();
    // Name the upload, not the private path.
    if (auto at = msg.find(path); at != std::string::npos) {
      msg.replace(at, path.size(), file.filename);
    }
    RenderImport(c, nullptr, msg);
    return;
  }
  RenderImport(c, &report.value(), "");
}

void ImportEmployeesPost(Ctx& c) {
  if (!c.req.HasFile("employees")) {
    RenderImport(c, nullptr, "Choose the employees CSV file to upload.");
    return;
  }
  const auto& file = c.req.File("employees");
  auto report =
      people::ImportEmployeesCsv(*c.app.db, file.content, file.filename,
                                 PeopleActor(c), ImportOptionsOf(c));
  if (!report.ok()) {
    RenderImport(c, nullptr, report.status().message());
    return;
  }
  RenderImport(c, &report.value(), "");
}

void VersionsPage(Ctx& c) {
  Data d = c.Page("Versions of the regulation");
  auto versions = ack::Versions(*c.app.db);
  if (!versions.ok()) {
    c.Fail(500, versions.status().message());
    return;
  }
  List list;
  for (const auto& v : *versions) list.push_back(VersionData(v));
  Put(d, "versions", std::move(list));
  c.Html("versions", d);
}

void VersionPost(Ctx& c) {
  if (!c.req.HasFile("document")) {
    c.SeeOther("/versions",
               "Choose the regulation's file (PDF, HTML or text).");
    return;
  }
  const auto& file = c.req.File("document");
  auto v = ack::AddVersion(*c.app.db, c.app.blobs, c.Param("title"),
                           file.filename, file.content, AckActor(c));
  c.SeeOther("/versions", v.ok()
                              ? fmt::format("Stored \"{}\" (SHA-256 {}…).",
                                            v->title, v->sha256.substr(0, 12))
                              : v.status().message());
}

void CampaignsPage(Ctx& c) {
  Data d = c.Page("Acknowledgement campaigns");
  auto campaigns = ack::Campaigns(*c.app.db);
  auto versions = ack::Versions(*c.app.db);
  auto sites = people::Sites(*c.app.db);
  if (!campaigns.ok() || !versions.ok() || !sites.ok()) {
    c.Fail(500, "The campaigns cannot be read now.");
    return;
  }
  List list;
  for (const auto& x : *campaigns) {
    Data cd = CampaignData(x);
    auto snapshot = c.app.dashboards.Get(*c.app.db, x);
    if (snapshot.ok()) {
      const auto& overall = (*snapshot)->completion.overall;
      cd.set("done", std::to_string(overall.done));
      cd.set("total", std::to_string(overall.total));
      cd.set("percent", Percent(overall));
    }
    list.push_back(cd);
  }
  Put(d, "campaigns", std::move(list));
  List vlist;
  for (const auto& v : *versions) vlist.push_back(VersionData(v));
  Put(d, "versions", std::move(vlist));
  d.set("has_versions", !versions->empty());
  List slist;
  for (const auto& s : *sites) {
    Data o;
    o.set("id", std::to_string(s.id));
    o.set("name", s.name);
    slist.push_back(o);
  }
  Put(d, "sites", std::move(slist));
  d.set("today", ack::Today());
  d.set("in_month", ack::AddDays(ack::Today(), 30));
  c.Html("campaigns", d);
}

void CampaignPost(Ctx& c) {
  ack::Campaign x;
  x.title = c.Param("title");
  x.version_id = IntParam(c, "version", 0);
  std::string audience = c.Param("audience");
  if (audience == "site") {
    x.audience = ack::Audience::kSite;
    x.audience_value = c.Param("site");
  } else if (audience == "role") {
    x.audience = ack::Audience::kJobRole;
    x.audience_value = c.Param("job_role");
  }
  x.opens_on = c.Param("opens_on");
  x.due_on = c.Param("due_on");
  if (!c.Param("reminder_days").empty())
    x.reminder_days = c.Param("reminder_days");
  auto made = ack::CreateCampaign(*c.app.db, x, AckActor(c));
  if (made.ok()) c.app.dashboards.InvalidateCampaigns();
  c.SeeOther(made.ok() ? fmt::format("/dashboard?campaign={}", made->id)
                       : "/campaigns",
             made.ok() ? "Campaign opened." : made.status().message());
}

namespace {

std::optional<ack::Campaign> CampaignOr404(Ctx& c) {
  auto x = ack::GetCampaign(*c.app.db, c.Id());
  if (!x.ok()) {
    c.Fail(404, "No such campaign.");
    return std::nullopt;
  }
  return std::move(x).value();
}

bool Exported(Ctx& c, const ack::Campaign& x, const char* what) {
  return Audited(c, "campaign.export", fmt::format("campaign/{}", x.id),
                 {{"what", what}});
}

}  // namespace

void CampaignExportCsv(Ctx& c) {
  auto x = CampaignOr404(c);
  if (!x) return;
  auto csv = ack::CompletionCsv(*c.app.db, *x);
  if (!csv.ok()) {
    c.Fail(500, csv.status().message());
    return;
  }
  if (!Exported(c, *x, "completion.csv")) return;
  c.Download(std::move(csv).value(), "text/csv; charset=utf-8",
             fmt::format("campaign-{}-completion.csv", x->id));
}

void CampaignExportXlsx(Ctx& c) {
  auto x = CampaignOr404(c);
  if (!x) return;
  auto xlsx = ack::CompletionXlsx(*c.app.db, *x);
  if (!xlsx.ok()) {
    c.Fail(500, xlsx.status().message());
    return;
  }
  if (!Exported(c, *x, "completion.xlsx")) return;
  c.Download(
      std::move(xlsx).value(),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      fmt::format("campaign-{}-completion.xlsx", x->id));
}

void CampaignCancelCsv(Ctx& c) {
  auto x = CampaignOr404(c);
  if (!x) return;
  auto csv = ack::CancellationCsv(*c.app.db, *x);
  if (!csv.ok()) {
    c.Fail(409, csv.status().message());
    return;
  }
  if (!Exported(c, *x, "cancellations.csv")) return;
  c.Download(std::move(csv).value(), "text/csv; charset=utf-8",
             fmt::format("campaign-{}-cancellations.csv", x->id));
}

void RecordPage(Ctx& c) {
  auto p = people::Get(*c.app.db, c.Id(2));
  // A supervisor sees only their own reports' records, and is answered the
  // same for an id that does not exist as for someone else's report, so the
  // page tells nothing about who exists.
  if (!c.session->account.roles.Intersects(
          {Role::kItsAdmin, Role::kDesignee, Role::kAuditor})) {
    bool mine = false;
    if (p.ok() && c.session->account.person_id) {
      auto me = people::Get(*c.app.db, c.session->account.person_id);
      mine = me.ok() && people::ReportsTo(*p, *me);
    }
    if (!mine) {
      c.Fail(404, "There is no record of one of your reports here.");
      return;
    }
  }
  auto x = CampaignOr404(c);
  if (!x) return;
  auto v = ack::GetVersion(*c.app.db, x->version_id);
  if (!p.ok() || !v.ok()) {
    c.Fail(404, "No such person or version.");
    return;
  }
  auto status = ack::StatusOf(*c.app.db, *x, p->id);
  if (!status.ok()) {
    c.Fail(404, p->FullName() + " is not in this campaign's audience.");
    return;
  }
  const ack::StatusRow& found = *status;
  Data d = c.Page("Acknowledgement record");
  d.set("campaign", CampaignData(*x));
  d.set("version", VersionData(*v));
  d.set("name", p->FullName());
  d.set("employee_id", p->source_id);
  d.set("site", p->site_name);
  d.set("job_role", p->job_role);
  d.set("acknowledged", !found.acknowledged_at.empty());
  d.set("acknowledged_at", found.acknowledged_at);
  d.set("opened_at", found.opened_at);
  d.set("ip", found.ip);
  d.set("user_agent", found.user_agent);
  d.set("hash_matches", found.version_sha256 == v->sha256);
  d.set("printed_at", store::NowUtc());
  d.set("printed_by", c.session->account.display_name);
  if (!Audited(c, "campaign.record", fmt::format("campaign/{}", x->id),
               {{"person", p->id}, {"employee_id", p->source_id}})) {
    return;
  }
  c.Html("record", d);
}

void RemindPost(Ctx& c) {
  auto x = CampaignOr404(c);
  if (!x) return;
  // This campaign only, today, whatever its reminder days; still at most one
  // message a person a day.
  ack::ReminderOptions o = c.app.options.reminders;
  o.campaign_id = x->id;
  o.now = true;
  o.today.clear();
  auto r = ack::SendReminders(*c.app.db, o);
  nlohmann::json detail = {{"ok", r.ok()}};
  if (r.ok()) {
    detail["sent"] = r->sent;
    detail["failed"] = r->failed;
    if (!r->errors.empty()) detail["first_error"] = r->errors.front();
  } else {
    detail["error"] = r.status().message();
  }
  auto e =
      audit::Append(*c.app.db, {.actor = c.session->account.username,
                                .action = "campaign.remind",
                                .target = fmt::format("campaign/{}", x->id),
                                .detail = Dump(detail),
                                .ip = c.Ip()});
  std::string notice =
      r.ok() ? fmt::format("{} reminders sent, {} failed.", r->sent, r->failed)
             : r.status().message();
  if (r.ok() && !r->errors.empty()) notice += " " + r->errors.front();
  if (!e.ok()) notice += " (The audit log could not record this.)";
  c.SeeOther(fmt::format("/dashboard?campaign={}", x->id), notice);
}

void AuditPage(Ctx& c) {
  Data d = c.Page("Audit log");
  audit::Filter f = AuditFilterOf(c, 100);
  f.limit = 100;
  auto entries = audit::List(*c.app.db, f);
  if (!entries.ok()) {
    c.Fail(500, entries.status().message());
    return;
  }
  List rows;
  for (const auto& e : *entries) {
    Data r;
    r.set("seq", std::to_string(e.seq));
    r.set("at", e.at);
    r.set("actor", e.actor);
    r.set("action", e.action);
    r.set("target", e.target);
    r.set("detail", e.detail);
    r.set("ip", e.ip);
    r.set("hash", e.hash.substr(0, 12));
    rows.push_back(r);
  }
  Put(d, "entries", std::move(rows));
  d.set("actor", f.actor);
  d.set("action", f.action);
  d.set("since", f.since);
  d.set("until", f.until);
  d.set("text", f.text);
  if (entries->size() == 100) {
    d.set("older",
          fmt::format(
              "/audit?actor={}&action={}&since={}&until={}&text={}&before={}",
              http::UrlEncode(f.actor), http::UrlEncode(f.action),
              http::UrlEncode(f.since), http::UrlEncode(f.until),
              http::UrlEncode(f.text), entries->back().seq));
  }
  if (c.req.Header("HX-Request") == "true") {
    // htmx asks for the table only.
    kainjow::mustache::mustache rows_only(
        "{{#entries}}<tr><td>{{seq}}</td><td>{{at}}</td><td>{{actor}}</td>"
        "<td>{{action}}</td><td>{{target}}</td><td><code>{{detail}}</code></td>"
        "<td>{{ip}}</td></tr>{{/entries}}");
    c.res.SetContent(rows_only.render(d), "text/html; charset=utf-8");
    return;
  }
  c.Html("audit", d);
}

void AccountsPage(Ctx& c) {
  Data d = c.Page("Accounts and roles");
  auto accounts = identity::ListAccounts(*c.app.db);
  if (!accounts.ok()) {
    c.Fail(500, accounts.status().message());
    return;
  }
  // Sign-in locks in force, by name: how many addresses, until when.
  std::map<std::string, std::pair<int, std::string>> locks;
  if (auto active = identity::ActiveLocks(*c.app.db); active.ok()) {
    for (const auto& l : *active) {
      auto& [count, until] = locks[l.name_key];
      ++count;
      until = std::max(until, l.until);
    }
  }
  List list;
  for (const auto& a : *accounts) {
    Data x;
    x.set("id", std::to_string(a.id));
    x.set("username", a.username);
    x.set("display_name", a.display_name);
    x.set("disabled", a.disabled);
    auto lock = locks.find(identity::NameKey(a.username));
    x.set("locked", lock != locks.end());
    if (lock != locks.end()) {
      const auto& [count, until] = lock->second;
      x.set("locked_text",
            fmt::format("sign-in locked from {} address{} until {} UTC", count,
                        count == 1 ? "" : "es",
                        until.size() >= 16 ? until.substr(11, 5) : until));
    }
    x.set("linked", a.person_id != 0);
    List roles;
    for (Role r : identity::kAllRoles) {
      Data rd;
      rd.set("name", std::string(identity::RoleName(r)));
      rd.set("title", std::string(identity::RoleTitle(r)));
      rd.set("checked", a.roles.Has(r));
      rd.set("fixed", r == Role::kEmployee);
      rd.set("account", std::to_string(a.id));
      roles.push_back(rd);
    }
    x.set("roles", roles);
    std::string held;
    for (Role r : identity::kAllRoles) {
      if (a.roles.Has(r) && r != Role::kEmployee) {
        held +=
            (held.empty() ? "" : ", ") + std::string(identity::RoleTitle(r));
      }
    }
    x.set("held", held.empty() ? "Employee" : held);
    list.push_back(std::move(x));
  }
  Put(d, "accounts", std::move(list));
  List all_roles;
  for (Role r : identity::kAllRoles) {
    Data rd;
    rd.set("name", std::string(identity::RoleName(r)));
    rd.set("title", std::string(identity::RoleTitle(r)));
    all_roles.push_back(rd);
  }
  Put(d, "all_roles", std::move(all_roles));
  c.Html("accounts", d);
}

namespace {

identity::Roles RolesFromForm(const Ctx& c) {
  identity::Roles roles{Role::kEmployee};
  for (Role r : identity::kAllRoles) {
    if (c.req.HasParam("role_" + std::string(identity::RoleName(r)))) {
      roles.Add(r);
    }
  }
  return roles;
}

}  // namespace

void AccountCreatePost(Ctx& c) {
  identity::NewAccount a;
  a.username = c.Param("username");
  a.display_name = c.Param("display_name");
  a.email = c.Param("email");
  a.password = c.Param("password");
  a.roles = RolesFromForm(c);
  if (!a.email.empty()) {
    auto match = people::Find(
        *c.app.db, {.kind = "employee", .text = a.email, .limit = 2});
    if (match.ok() && match->size() == 1 && match->front().email == a.email) {
      a.person_id = match->front().id;
    }
  }
  auto made = identity::CreateAccount(*c.app.db, *c.app.policy, a, c.Actor());
  c.SeeOther("/accounts",
             made.ok() ? fmt::format(
                             "Account {} created{}.", made->username,
                             made->person_id ? ", linked to the directory" : "")
                       : made.status().message());
}

void AccountRolesPost(Ctx& c) {
  if (c.Id() == c.session->account.id &&
      !RolesFromForm(c).Has(Role::kItsAdmin)) {
    c.SeeOther("/accounts",
               "You cannot remove your own ITS administrator role; "
               "ask another administrator.");
    return;
  }
  auto st = identity::SetRoles(*c.app.db, c.Id(), RolesFromForm(c), c.Actor(),
                               HandBackIncidents(c));
  c.app.sessions.Clear();
  c.SeeOther("/accounts", st.ok() ? "Roles saved." : st.message());
}

void AccountDisablePost(Ctx& c) {
  if (c.Id() == c.session->account.id) {
    c.SeeOther("/accounts", "You cannot disable your own account.");
    return;
  }
  bool disable = c.Param("disable") != "0";
  auto st = identity::SetDisabled(*c.app.db, c.Id(), disable, c.Actor(),
                                  HandBackIncidents(c));
  c.app.sessions.Clear();
  c.SeeOther("/accounts", st.ok() ? (disable ? "Account disabled; its sessions "
                                               "ended."
                                             : "Account enabled.")
                                  : st.message());
}

void AccountUnlockPost(Ctx& c) {
  auto a = identity::GetAccount(*c.app.db, c.Id());
  if (!a.ok()) {
    c.SeeOther("/accounts", "No such account.");
    return;
  }
  auto locked = identity::Unlock(*c.app.db, c.Id(), c.Actor());
  c.SeeOther("/accounts",
             locked.ok()
                 ? fmt::format("Sign-in for {} unlocked (it was "
                               "locked from {} address{}).",
                               a->username, *locked, *locked == 1 ? "" : "es")
                 : locked.status().message());
}

}  // namespace steward::portal
