// `steward site audit`: a District web site checked against F, G.2, G.4,
// H.1-H.5 and I.1 (publish/audit.h), with the students and their parents'
// publishing permissions from the store.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
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
#include "publish/gate.h"
#include "publish/wordpress.h"
#include "sites/audits.h"
#include "sites/registry.h"

namespace steward::cli {

namespace {

struct SiteArgs {
  StoreFlags store;
  engine::Options engine;
  std::string source, url = "https://localhost/", format = "text";
  std::vector<std::string> ad_filters;
  std::string ca_file;
  bool no_progress = false, no_record = false;
  size_t check_outside = 0;
  bool outside_private = false;
};

}  // namespace

core::Result<SiteAudit> AuditSite(
    store::Database& db, engine::Options engine_options,
    const std::string& folder, const std::string& url,
    const std::vector<std::string>& ad_filters, bool record, bool progress,
    const std::string& ca_file, size_t check_outside, bool outside_private) {
  const char* me = "steward site audit";
  auto kit = MakePublishKit(db, std::move(engine_options), ad_filters);
  if (!kit.ok()) return kit.status();
  if ((*kit)->students == 0)
    fmt::print(stderr,
               "{}: the store holds no students, so no name can be checked "
               "against F.2 and F.3 (steward import oneroster first)\n",
               me);
  const publish::Auditor& auditor = *(*kit)->auditor;
  const policy::PolicyPack& pack = auditor.engine().pack();
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
  if (check_outside > 0 && !report->outside.empty()) {
    auto asked = [&](size_t done, size_t total) {
      if (progress && (done % 20 == 0 || done == total))
        fmt::print(stderr, "\r{} of {} links to other sites checked ", done,
                   total);
    };
    auto c = publish::CheckOutsideLinks(auditor, *report, crawl, check_outside,
                                        outside_private, asked);
    if (progress) fmt::print(stderr, "\n");
    if (c.offline)
      fmt::print(stderr,
                 "{}: no link to another site answered ({} asked): is this "
                 "machine offline? None is reported as broken.\n",
                 me, c.checked);
    else
      fmt::print(stderr,
                 "{}: {} links to other sites checked, {} broken, {} not "
                 "checked (robots.txt, a private address, or beyond "
                 "--check-outside)\n",
                 me, c.checked, c.broken, c.skipped);
  }
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
                !a.no_progress && isatty(STDERR_FILENO), a.ca_file,
                a.check_outside, a.outside_private);
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

namespace {

struct CheckArgs {
  engine::Options engine;
  StoreFlags store;
  std::string source, url, name, content_type, ca_file;
  std::vector<std::string> ad_filters;
};

// The images a page shows, from the folder it is in: an image's URL under
// the page's own folder URL is the file at the same place under `dir`.
publish::Loader FolderLoader(const std::string& dir, const std::string& url,
                             uint64_t max_bytes) {
  const std::string base = url.substr(0, url.rfind('/') + 1);
  return [dir, base,
          max_bytes](const std::string& target) -> std::optional<std::string> {
    if (!target.starts_with(base)) return std::nullopt;
    std::string rel = target.substr(base.size());
    rel = rel.substr(0, rel.find('?'));
    std::error_code ec;
    const std::filesystem::path root = std::filesystem::canonical(dir, ec);
    if (ec) return std::nullopt;
    // Every link resolved (canonical: the file must exist), then checked:
    // nothing outside the page's folder is read, through ".." or a link.
    const auto file = std::filesystem::canonical(
        root / std::filesystem::path(http::UrlDecode(rel, false)), ec);
    if (ec || !std::filesystem::is_regular_file(file, ec)) return std::nullopt;
    const auto [end, _] =
        std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    if (end != root.end()) return std::nullopt;  // outside the folder
    auto bytes = core::ReadFile(file.string(), max_bytes);
    if (!bytes.ok()) return std::nullopt;
    return std::move(bytes).value();
  };
}

int RunPublishCheck(CheckArgs& a) {
  const char* me = "steward publish check";
  auto db = a.store.Open();
  if (!db.ok()) {
    fmt::print(stderr, "{}: {}\n", me, db.status().message());
    return 2;
  }
  auto kit = MakePublishKit(**db, a.engine, a.ad_filters);
  if (!kit.ok()) {
    fmt::print(stderr, "{}: {}\n", me, kit.status().message());
    return 2;
  }
  const publish::Auditor& auditor = *(*kit)->auditor;
  const policy::PublishPolicy& pp = auditor.engine().pack().publish;
  publish::CrawlOptions crawl = publish::CrawlOptionsOf(pp);
  crawl.ca_file = a.ca_file;
  publish::Item item{a.url, a.name, a.content_type, {}};
  publish::Loader load;
  const bool web =
      a.source.starts_with("http://") || a.source.starts_with("https://");
  if (web) {
    publish::Response r = publish::Fetch(a.source, crawl);
    if (!r.error.empty() || r.status != 200) {
      fmt::print(
          stderr, "{}: {}: {}\n", me, core::Shown(a.source),
          r.error.empty() ? fmt::format("HTTP status {}", r.status) : r.error);
      return 2;
    }
    item.bytes = std::move(r.body);
    if (item.url.empty()) item.url = r.final_url;
    if (item.content_type.empty()) item.content_type = r.content_type;
    load = [crawl, origin = publish::Origin(r.final_url)](
               const std::string& target) -> std::optional<std::string> {
      // Only from where the page came from: no other port, scheme or host.
      if (publish::Origin(target) != origin) return std::nullopt;
      publish::Response img = publish::Fetch(target, crawl, origin);
      if (!img.error.empty() || img.status != 200) return std::nullopt;
      return std::move(img.body);
    };
  } else {
    // A file, a pipe or standard input, read to its end within the bound.
    auto bytes = core::ReadFile(a.source == "-" ? "/dev/stdin" : a.source,
                                pp.max_page_bytes);
    if (!bytes.ok()) {
      fmt::print(stderr, "{}: {}\n", me, core::Shown(bytes.status().message()));
      return 2;
    }
    item.bytes = std::move(bytes).value();
    if (item.name.empty() && a.source != "-")
      item.name = std::filesystem::path(a.source).filename().string();
  }
  if (item.bytes.empty()) {
    fmt::print(stderr, "{}: {} is empty: nothing to check\n", me,
               core::Shown(a.source));
    return 2;
  }
  if (!web && a.source != "-") {
    // Relative images are read from beside the file.
    auto url = publish::PublishedAt(pp, item);
    if (!url.ok()) {
      fmt::print(stderr, "{}: --url: {}\n", me, url.status().message());
      return 2;
    }
    const auto dir = std::filesystem::path(a.source).parent_path();
    load =
        FolderLoader(dir.empty() ? "." : dir.string(), *url, pp.max_page_bytes);
  }
  auto check = publish::CheckItem(auditor, item, ShellActor(), load);
  if (!check.ok()) {
    fmt::print(stderr, "{}: {}\n", me, check.status().message());
    return 2;
  }
  std::cout << publish::ToJson(*check).dump(
                   2, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace)
            << "\n";
  return publish::ExitCode(*check);
}

}  // namespace

namespace {

int Failed(const char* me, const core::Status& st) {
  fmt::print(stderr, "{}: {}\n", me, st.message());
  return st.code() == core::Code::kInvalidArgument ||
                 st.code() == core::Code::kNotFound
             ? 2
             : 1;
}

struct RegistryArgs {
  StoreFlags store;
  sites::SiteInput site;
  std::string file, url, csv, wp_user, wp_password_file, ca_file;
  bool wordpress = false;
};

void PrintIssues(const std::vector<people::Issue>& issues) {
  for (const auto& i : issues)
    fmt::print("{}\n", core::Printable(i.ToString()));
}

int RunSiteList(RegistryArgs& a) {
  const char* me = "steward site list";
  auto db = a.store.Open();
  if (!db.ok()) return Failed(me, db.status());
  auto all = sites::WebSites(**db);
  if (!all.ok()) return Failed(me, all.status());
  fmt::print("{}\n", core::CsvRow({"id", "name", "kind", "url", "hosting",
                                   "content_manager", "author", "editors",
                                   "not_employees", "last_audit"}));
  size_t outsiders = 0;
  for (const auto& s : *all) {
    outsiders += s.outsiders > 0;
    fmt::print("{}\n",
               core::CsvRow({std::to_string(s.id), s.name, s.kind, s.url,
                             s.outside ? "outside" : "district",
                             s.content_manager_name, s.author_name,
                             std::to_string(s.editors),
                             std::to_string(s.outsiders), s.last_audit_at}));
  }
  if (outsiders)
    fmt::print(stderr,
               "{}: {} site(s) with editors who are not District employees "
               "(H.4): steward site editors URL shows them\n",
               me, outsiders);
  return outsiders ? 1 : 0;
}

int RunSiteRegister(RegistryArgs& a) {
  const char* me = "steward site register";
  auto db = a.store.Open();
  if (!db.ok()) return Failed(me, db.status());
  auto id = sites::RegisterSite(**db, a.site, {ShellActor(), ""});
  if (!id.ok()) return Failed(me, id.status());
  fmt::print("site {} registered: {}\n", *id, core::Printable(a.site.url));
  return 0;
}

int RunSiteImport(RegistryArgs& a) {
  const char* me = "steward site import";
  auto db = a.store.Open();
  if (!db.ok()) return Failed(me, db.status());
  auto bytes = core::ReadFile(a.file, 16u << 20);
  if (!bytes.ok()) return Failed(me, bytes.status());
  auto report = sites::ImportSitesCsv(**db, *bytes, a.file, {ShellActor(), ""});
  if (!report.ok()) return Failed(me, report.status());
  PrintIssues(report->issues);
  fmt::print("{}\n", report->Summary());
  return report->issues.empty() ? 0 : 1;
}

int RunSiteEditors(RegistryArgs& a) {
  const char* me = "steward site editors";
  auto db = a.store.Open();
  if (!db.ok()) return Failed(me, db.status());
  auto site = sites::FindWebSite(**db, a.url);
  if (!site.ok()) return Failed(me, site.status());
  std::vector<people::Issue> issues;
  std::vector<sites::Editor> editors;
  std::string source;
  if (!a.csv.empty()) {
    auto bytes = core::ReadFile(a.csv, 16u << 20);
    if (!bytes.ok()) return Failed(me, bytes.status());
    auto read = sites::ReadEditorsCsv(*bytes, a.csv, &issues);
    if (!read.ok()) return Failed(me, read.status());
    editors = std::move(read).value();
    source = "csv";
  } else if (a.wordpress) {
    if (a.wp_user.empty() || a.wp_password_file.empty()) {
      fmt::print(stderr,
                 "{}: --wordpress wants --user and --password-file (an "
                 "application password)\n",
                 me);
      return 2;
    }
    auto password = core::ReadFile(a.wp_password_file, 4096);
    if (!password.ok()) return Failed(me, password.status());
    std::string pw = *password;
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r'))
      pw.pop_back();
    publish::CrawlOptions o;
    o.ca_file = a.ca_file;
    o.basic_auth = a.wp_user + ":" + pw;
    auto users = publish::WordPressEditors(site->url, o);
    if (!users.ok()) return Failed(me, users.status());
    for (auto& u : *users)
      editors.push_back({u.login, u.name, u.email, u.roles, 0});
    source = "wordpress";
  } else {
    // No new list: show the stored one.
    auto stored = sites::Editors(**db, site->id);
    if (!stored.ok()) return Failed(me, stored.status());
    editors = std::move(stored).value();
  }
  if (!source.empty()) {
    auto stored =
        sites::SetEditors(**db, site->id, editors, source, {ShellActor(), ""});
    if (!stored.ok()) return Failed(me, stored.status());
    editors = std::move(stored).value();
  }
  PrintIssues(issues);
  size_t outsiders = 0;
  for (const auto& e : editors) {
    const bool employee = e.person_id != 0;
    outsiders += !employee;
    fmt::print("{:<28} {:<28} {:<14} {}\n", core::Printable(e.login),
               core::Printable(e.email), core::Printable(e.role),
               employee ? "employee"
                        : "NOT A DISTRICT EMPLOYEE (H.4: only employees "
                          "edit District sites; remove the account or "
                          "give it to an employee)");
  }
  fmt::print("{} editors of {}, {} not District employees\n", editors.size(),
             core::Printable(site->url), outsiders);
  return outsiders || !issues.empty() ? 1 : 0;
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
  audit
      ->add_option("--check-outside", a->check_outside,
                   "Also fetch links to other sites, at most N of them "
                   "(robots.txt and the pack's delay honoured): broken "
                   "ones are findings")
      ->check(CLI::Range(size_t{1}, publish::kMaxOutside));
  audit->add_flag("--outside-private", a->outside_private,
                  "With --check-outside: also ask links that lead to "
                  "loopback or private addresses (an intranet); off, a page "
                  "cannot make the audit probe the District's network");
  audit->add_flag("--no-record", a->no_record,
                  "Do not keep the audit in the store for the portal");
  audit->add_flag("--no-progress", a->no_progress,
                  "No progress bar, even on a terminal");
  audit->callback([a, &run] { run = [a] { return RunSiteAudit(*a); }; });

  // The site registry (G.5, H.1, H.4).
  auto r = std::make_shared<RegistryArgs>();
  auto* list = site->add_subcommand(
      "list",
      "The site registry as CSV: each site, its content manager and author, "
      "its editors and last audit; exit 1 when a site has an editor who is "
      "not an employee (H.4)");
  r->store.Add(list);
  list->callback([r, &run] { run = [r] { return RunSiteList(*r); }; });
  auto* reg = site->add_subcommand(
      "register", "Register a site, or change a registered one (audited)");
  r->store.Add(reg);
  reg->add_option("url", r->site.url, "Its address (https://host/path/)")
      ->required();
  reg->add_option("--name", r->site.name, "Its name")->required();
  reg->add_option("--kind", r->site.kind,
                  "district, school, department, classroom, team or club")
      ->required();
  reg->add_flag("--outside", r->site.outside,
                "Hosted outside the District (needs --consent)");
  reg->add_option("--consent", r->site.consent,
                  "Who consented to an outside site, and when (G.2, H.1)");
  reg->add_option("--content-manager", r->site.content_manager_email,
                  "The content manager's e-mail (an employee; G.5)");
  reg->add_option("--author", r->site.author_email,
                  "The author's e-mail (an employee)");
  reg->callback([r, &run] { run = [r] { return RunSiteRegister(*r); }; });
  auto* imp = site->add_subcommand(
      "import",
      "Register sites from a CSV file: name,kind,url,hosting,"
      "content_manager,author,consent (audited)");
  r->store.Add(imp);
  imp->add_option("file", r->file, "The CSV file")->required();
  imp->callback([r, &run] { run = [r] { return RunSiteImport(*r); }; });
  auto* ed = site->add_subcommand(
      "editors",
      "A site's editors, checked against the District's employees (H.4): "
      "from a CSV export, from WordPress's REST API, or as last stored");
  r->store.Add(ed);
  ed->add_option("url", r->url, "The site's registered address")->required();
  ed->add_option("--csv", r->csv,
                 "Editors from a CSV export: login,name,email,role");
  ed->add_flag("--wordpress", r->wordpress,
               "Read the editors from the site's WordPress REST API");
  ed->add_option("--user", r->wp_user, "WordPress: the account to read as");
  ed->add_option("--password-file", r->wp_password_file,
                 "WordPress: a file holding that account's application "
                 "password");
  ed->add_option("--ca", r->ca_file,
                 "For HTTPS: the authorities to trust (PEM)");
  ed->callback([r, &run] { run = [r] { return RunSiteEditors(*r); }; });

  auto* publish = app.add_subcommand(
      "publish", "The publishing gate: what may go on a District site");
  publish->require_subcommand(1);
  auto c = std::make_shared<CheckArgs>();
  auto* check = publish->add_subcommand(
      "check",
      "Judge a page, photo or document before it is posted (F, H, I): the "
      "verdict JSON, each finding with its element and what to do; exit 0 "
      "when it may be posted (allow, warn), 1 when not, 2 on an error");
  c->store.Add(check);
  check->add_option("--policy", c->engine.policy,
                    "Policy pack folder (default: the bundled pack)");
  check->add_option("--cache", c->engine.cache_dir,
                    "Compiled-pattern cache folder ('none' to disable)");
  check
      ->add_option("source", c->source,
                   "A file (its images are read from beside it), an "
                   "http(s) URL, or - for standard input")
      ->required();
  check->add_option("--url", c->url,
                    "Where it will be published (default: the pack's first "
                    "District host and the file's name)");
  check->add_option("--name", c->name,
                    "Its file name, when the type is in doubt (standard "
                    "input)");
  check->add_option("--content-type", c->content_type,
                    "Its type (text/html, image/jpeg...), when in doubt");
  check->add_option("--ca", c->ca_file,
                    "For HTTPS: the authorities to trust (PEM)");
  check->add_option("--ad-filters", c->ad_filters,
                    "More advertising filters, EasyList syntax; repeatable");
  check->callback([c, &run] { run = [c] { return RunPublishCheck(*c); }; });
}

}  // namespace steward::cli
