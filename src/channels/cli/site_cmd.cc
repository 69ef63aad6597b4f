// `steward site audit`: a District web site checked against F, G.2, G.4,
// H.1-H.5 and I.1 (publish/audit.h), with the students and their parents'
// publishing permissions from the store.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "channels/cli/progress.h"
#include "core/csv.h"
#include "core/hash.h"
#include "core/text.h"
#include "people/people.h"
#include "publish/audit.h"
#include "publish/crawl.h"
#include "sites/audits.h"

namespace steward::cli {

namespace {

struct SiteArgs {
  StoreFlags store;
  engine::Options engine;
  std::string source, url = "https://localhost/", format = "text";
  std::vector<std::string> ad_filters;
  std::string ca_file;
  bool no_progress = false, no_record = false;
};

// Every active student in the store, as a roster for the engine (ids are
// the store's) and with what their parents allowed.
core::Result<std::shared_ptr<roster::Roster>> StudentsRoster(
    store::Database& db, std::vector<people::Person>* out) {
  auto r = std::make_shared<roster::Roster>();
  r->version = "store";
  int64_t after = 0;
  for (;;) {
    auto page = people::Find(db, {.kind = "student",
                                  .status = "active",
                                  .limit = 5000,
                                  .by_id = true,
                                  .after_id = after});
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (auto& p : *page) {
      after = p.id;
      roster::Person rp;
      rp.id = std::to_string(p.id);
      rp.given = p.given_name;
      rp.family = p.family_name;
      rp.role = "student";
      rp.student = true;
      rp.grades = p.grade;
      if (!p.site_name.empty()) rp.schools.push_back(p.site_name);
      r->people.push_back(std::move(rp));
      out->push_back(std::move(p));
    }
  }
  core::Sha256 h;
  for (const auto& p : r->people)
    h.Update(p.id + "\x1f" + p.given + "\x1f" + p.family + "\n");
  r->hash = h.HexDigest();
  return r;
}

}  // namespace

core::Result<SiteAudit> AuditSite(store::Database& db,
                                  engine::Options engine_options,
                                  const std::string& folder,
                                  const std::string& url,
                                  const std::vector<std::string>& ad_filters,
                                  bool record, bool progress,
                                  const std::string& ca_file) {
  const char* me = "steward site audit";
  std::vector<people::Person> people;
  auto roster = StudentsRoster(db, &people);
  if (!roster.ok()) return roster.status();
  if (people.empty())
    fmt::print(stderr,
               "{}: the store holds no students, so no name can be checked "
               "against F.2 and F.3 (steward import oneroster first)\n",
               me);
  if (!people.empty()) engine_options.roster_data = *roster;
  auto engine = engine::Engine::Create(engine_options);
  if (!engine.ok()) return engine.status();
  const policy::PolicyPack& pack = (*engine)->pack();
  if (!pack.publish.present)
    return core::Status::Invalid("the policy pack has no [publish] section");
  publish::Students students;
  for (const auto& p : people)
    students[std::to_string(p.id)] = {
        p.given_name, p.family_name,
        publish::LevelOf(p.grade, pack.publish.high_school_grades),
        p.publish_permission, p.photo_captions};
  std::vector<std::string> ad_lines = pack.publish.ad_filters;
  for (const auto& file : ad_filters) {
    auto text = core::ReadFile(file, 64u << 20);
    if (!text.ok()) return text.status();
    for (auto& line : core::SplitList(*text, '\n')) ad_lines.push_back(line);
  }
  publish::Auditor auditor(
      **engine, std::move(students), publish::FilterList::Build(ad_lines),
      publish::FilterList::Build(pack.publish.payment_filters),
      {.now = static_cast<int64_t>(::time(nullptr))});
  auto show = [&](size_t done, size_t total) {
    if (progress && (done % 20 == 0 || done == total))
      fmt::print(stderr, "\r{} of {} pages audited ", done, total);
  };
  const bool web =
      folder.starts_with("http://") || folder.starts_with("https://");
  publish::CrawlOptions crawl = publish::CrawlOptionsOf(pack.publish);
  crawl.ca_file = ca_file;
  auto report = web ? publish::AuditCrawl(auditor, folder, crawl, show)
                    : publish::AuditFolder(auditor, folder, url, show);
  if (progress) fmt::print(stderr, "\n");
  if (!report.ok()) return report.status();
  std::stable_sort(report->findings.begin(), report->findings.end(),
                   [](const publish::Finding& x, const publish::Finding& y) {
                     return x.page < y.page;
                   });
  SiteAudit out{std::move(report).value(), 0};
  if (record) {
    sites::AuditRun run;
    run.site = web ? folder : url;
    run.source = folder;
    run.pages = static_cast<int64_t>(out.report.pages);
    run.images = static_cast<int64_t>(out.report.images);
    run.documents = static_cast<int64_t>(out.report.documents);
    run.links = static_cast<int64_t>(out.report.links);
    std::vector<sites::AuditFinding> rows;
    for (const auto& f : out.report.findings)
      rows.push_back(
          {f.page, f.category, std::string(policy::SeverityName(f.severity)),
           core::Join(f.clauses, " "), f.where, f.excerpt, f.fix, f.detail});
    auto id = sites::RecordAudit(db, run, rows, {ShellActor(), ""});
    if (!id.ok()) return id.status();
    out.recorded = *id;
  }
  return out;
}

namespace {

int RunSiteAudit(SiteArgs& a) {
  const char* me = "steward site audit";
  if (a.format != "text" && a.format != "jsonl" && a.format != "csv") {
    fmt::print(stderr, "{}: --format is text, jsonl or csv\n", me);
    return 2;
  }
  auto db = a.store.Open();
  if (!db.ok()) {
    fmt::print(stderr, "{}: {}\n", me, db.status().message());
    return 2;
  }
  auto audited =
      AuditSite(**db, a.engine, a.source, a.url, a.ad_filters, !a.no_record,
                !a.no_progress && isatty(STDERR_FILENO), a.ca_file);
  if (!audited.ok()) {
    fmt::print(stderr, "{}: {}\n", me, audited.status().message());
    return 2;
  }
  publish::SiteReport* report = &audited->report;
  auto& findings = report->findings;
  size_t high = 0;
  for (const auto& f : findings)
    if (f.severity == policy::Severity::kHigh) ++high;
  if (a.format == "csv") {
    fmt::print("{}\n", core::CsvRow({"page", "where", "category", "severity",
                                     "clauses", "excerpt", "fix", "detail"}));
    for (const auto& f : findings)
      fmt::print("{}\n",
                 core::CsvRow({f.page, f.where, f.category,
                               std::string(policy::SeverityName(f.severity)),
                               core::Join(f.clauses, " "), f.excerpt, f.fix,
                               f.detail}));
  } else if (a.format == "jsonl") {
    for (const auto& f : findings) {
      nlohmann::json j = {{"page", f.page},
                          {"where", f.where},
                          {"category", f.category},
                          {"severity", policy::SeverityName(f.severity)},
                          {"clauses", f.clauses},
                          {"excerpt", f.excerpt},
                          {"fix", f.fix},
                          {"detail", f.detail}};
      fmt::print("{}\n", j.dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace));
    }
  } else {
    std::string page;
    for (const auto& f : findings) {
      if (f.page != page) {
        page = f.page;
        fmt::print("\n{}\n", core::Printable(page));
      }
      fmt::print("  {:<6} {} ({}) at {}: {}\n         {}\n",
                 policy::SeverityName(f.severity), f.category,
                 core::Printable(core::Join(f.clauses, ", ")),
                 core::Printable(f.where), core::Printable(f.excerpt),
                 core::Printable(f.fix));
    }
  }
  fmt::print(a.format == "text" ? stdout : stderr,
             "{}{} pages, {} images, {} documents, {} links within the site: "
             "{} findings, {} high\n",
             a.format == "text" ? "\n" : "", report->pages, report->images,
             report->documents, report->links, findings.size(), high);
  if (audited->recorded)
    fmt::print(a.format == "text" ? stdout : stderr,
               "Recorded as site audit {}: the portal's Sites page shows it.\n",
               audited->recorded);
  return findings.empty() ? 0 : 1;
}

}  // namespace

void RegisterSite(CLI::App& app, std::function<int()>& run) {
  auto* site = app.add_subcommand(
      "site", "District web sites: what F, G, H and I say about them");
  site->require_subcommand(1);
  auto a = std::make_shared<SiteArgs>();
  auto* audit = site->add_subcommand(
      "audit",
      "Audit a site (a folder, or over HTTP politely: robots.txt, one "
      "request at a time, same host, bounded by the pack's [publish]): "
      "students named against their permissions, advertising, payment "
      "widgets, links, stale pages, photo metadata");
  a->store.Add(audit);
  audit->add_option("--policy", a->engine.policy,
                    "Policy pack folder (default: the bundled pack)");
  audit->add_option("--cache", a->engine.cache_dir,
                    "Compiled-pattern cache folder ('none' to disable)");
  audit
      ->add_option("source", a->source,
                   "The site: a folder (a static export), a start URL, or "
                   "a sitemap URL ending in .xml")
      ->required();
  audit
      ->add_option("--url", a->url,
                   "For a folder: where it is published (its index.html)")
      ->capture_default_str();
  audit->add_option("--ca", a->ca_file,
                    "For HTTPS: the authorities to trust (PEM), instead of "
                    "the system's");
  audit->add_option("--format", a->format, "Output: text, jsonl or csv")
      ->capture_default_str();
  audit->add_option("--ad-filters", a->ad_filters,
                    "More advertising filters, EasyList syntax (the "
                    "current EasyList); repeatable");
  audit->add_flag("--no-record", a->no_record,
                  "Do not keep the audit in the store for the portal");
  audit->add_flag("--no-progress", a->no_progress,
                  "No progress bar, even on a terminal");
  audit->callback([a, &run] { run = [a] { return RunSiteAudit(*a); }; });
}

}  // namespace steward::cli
