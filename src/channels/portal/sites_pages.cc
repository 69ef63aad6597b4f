// The site reports (docs/publishing.md): each District site's audits with
// how their findings changed, and one audit's findings by page, with a CSV
// export. Audits are run from the shell (`steward site audit`).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "channels/portal/internal.h"
#include "core/csv.h"
#include "sites/audits.h"
#include "sites/registry.h"

namespace steward::portal {

namespace {

Data RunData(const sites::AuditRun& a) {
  Data x;
  x.set("id", std::to_string(a.id));
  x.set("site", a.site);
  x.set("source", a.source);
  std::string when = a.started_at.substr(0, 16);
  if (when.size() > 10 && when[10] == 'T') when[10] = ' ';
  x.set("started_at", when);
  x.set("actor", a.actor);
  x.set("pages", std::to_string(a.pages));
  x.set("images", std::to_string(a.images));
  x.set("documents", std::to_string(a.documents));
  x.set("documents_word", a.documents == 1 ? "document" : "documents");
  x.set("images_word", a.images == 1 ? "image" : "images");
  x.set("high", std::to_string(a.high));
  x.set("medium", std::to_string(a.medium));
  x.set("low", std::to_string(a.low));
  x.set("findings", std::to_string(a.Findings()));
  return x;
}

}  // namespace

void SitesPage(Ctx& c) {
  auto runs = sites::Audits(*c.app.db, "", 500);
  if (!runs.ok()) {
    c.Fail(500, runs.status().message());
    return;
  }
  Data d = c.Page("Sites");
  // Per site, its audits newest first; the trend is drawn oldest first.
  std::map<std::string, std::vector<const sites::AuditRun*>> by_site;
  for (const auto& r : *runs) by_site[r.site].push_back(&r);
  List site_rows;
  for (const auto& [site, list] : by_site) {
    Data s = RunData(*list.front());
    int64_t top = 1;
    for (const auto* r : list) top = std::max(top, r->Findings());
    List trend;
    for (auto it = list.rbegin(); it != list.rend() && trend.size() < 12;
         ++it) {
      Data t = RunData(**it);
      // Bar heights in tenths of the largest audit's findings, as classes
      // (the portal's CSP allows no inline style).
      auto tenths = [&](int64_t n) {
        return std::to_string(n == 0 ? 0 : std::max<int64_t>(1, n * 10 / top));
      };
      t.set("high_h", tenths((*it)->high));
      t.set("other_h", tenths((*it)->medium + (*it)->low));
      trend.push_back(t);
    }
    Put(s, "trend", std::move(trend));
    s.set("audits", list.size() == 1 ? std::string("1 audit")
                                     : std::to_string(list.size()) + " audits");
    site_rows.push_back(s);
  }
  d.set("has_sites", !site_rows.empty());
  Put(d, "sites", std::move(site_rows));
  // The registry (G.5, H.1, H.4): who manages each site, who edits it.
  auto registry = sites::WebSites(*c.app.db);
  if (!registry.ok()) {
    c.Fail(500, registry.status().message());
    return;
  }
  List reg;
  int64_t flagged = 0;
  for (const auto& w : *registry) {
    Data x;
    x.set("name", w.name);
    x.set("url", w.url);
    x.set("kind", w.kind);
    x.set("outside", w.outside);
    x.set("consent", w.consent);
    x.set("content_manager", w.content_manager_name);
    x.set("author", w.author_name);
    x.set("no_manager", w.content_manager == 0);
    x.set("editors", std::to_string(w.editors));
    x.set("editors_known", !w.editors_source.empty());
    x.set("editors_source", w.editors_source);
    x.set("outsiders", std::to_string(w.outsiders));
    x.set("has_outsiders", w.outsiders > 0);
    flagged += w.outsiders > 0;
    if (w.outsiders > 0) {
      auto editors = sites::Editors(*c.app.db, w.id);
      List names;
      if (editors.ok())
        for (const auto& e : *editors)
          if (!e.person_id) {
            Data n;
            n.set("login", e.login);
            n.set("role", e.role);
            names.push_back(n);
          }
      Put(x, "outsider_list", std::move(names));
    }
    x.set("audited", w.last_audit != 0);
    x.set("last_audit", std::to_string(w.last_audit));
    std::string when = w.last_audit_at.substr(0, 10);
    x.set("last_audit_at", when);
    reg.push_back(std::move(x));
  }
  d.set("has_registry", !reg.empty());
  Put(d, "registry", std::move(reg));
  d.set("flagged", std::to_string(flagged));
  d.set("has_flagged", flagged > 0);
  c.Html("sites", d);
}

void SiteAuditPage(Ctx& c) {
  auto run = sites::GetAudit(*c.app.db, c.Id());
  if (!run.ok()) {
    c.Fail(404, run.status().message());
    return;
  }
  auto findings = sites::Findings(*c.app.db, run->id, 5000);
  if (!findings.ok()) {
    c.Fail(500, findings.status().message());
    return;
  }
  Data d = c.Page("Site audit " + std::to_string(run->id));
  d.set("run", RunData(*run));
  List pages;
  std::string current;
  List rows;
  auto flush = [&] {
    if (current.empty()) return;
    Data p;
    p.set("page", current);
    p.set("page_link",
          current.starts_with("https://") || current.starts_with("http://"));
    p.set("findings", rows);
    pages.push_back(p);
    rows = List();
  };
  for (const auto& f : *findings) {
    if (f.page != current) {
      flush();
      current = f.page;
    }
    Data x;
    x.set("severity", f.severity);
    x.set("category", f.category);
    // The District's words for it, when the portal's pack knows it.
    const policy::Category* cat =
        c.app.options.pack ? c.app.options.pack->FindCategory(f.category)
                           : nullptr;
    x.set("title", cat ? cat->title : f.category);
    x.set("clauses", f.clauses);
    x.set("where", f.where);
    x.set("excerpt", f.excerpt);
    x.set("fix", f.fix);
    rows.push_back(std::move(x));
  }
  flush();
  Put(d, "pages", std::move(pages));
  d.set("has_findings", !findings->empty());
  c.Html("site_audit", d);
}

void SiteAuditCsv(Ctx& c) {
  auto run = sites::GetAudit(*c.app.db, c.Id());
  if (!run.ok()) {
    c.Fail(404, run.status().message());
    return;
  }
  auto findings = sites::Findings(*c.app.db, run->id);
  if (!findings.ok()) {
    c.Fail(500, findings.status().message());
    return;
  }
  std::string out =
      "audit,site,page,where,category,severity,clauses,excerpt,fix,detail\r\n";
  for (const auto& f : *findings)
    out += core::CsvRow({std::to_string(run->id), run->site, f.page, f.where,
                         f.category, f.severity, f.clauses, f.excerpt, f.fix,
                         f.detail}) +
           "\r\n";
  c.Download(out, "text/csv; charset=utf-8",
             fmt::format("site-audit-{}.csv", run->id));
}

}  // namespace steward::portal
