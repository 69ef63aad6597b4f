// The web door from the shell: `steward icap`, the ICAP service Squid asks
// about uploads and downloads (channels/icap), and `steward weblog report`,
// the proxy log report of C.23 and C.27 (weblog).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "channels/cli/progress.h"
#include "channels/icap/continue.h"
#include "channels/icap/server.h"
#include "core/listen.h"
#include "core/text.h"
#include "enforce/enforce.h"
#include "policy/loader.h"
#include "store/database.h"
#include "weblog/reader.h"
#include "weblog/report.h"

namespace steward::cli {

namespace {

struct IcapArgs {
  StoreFlags store;
  icap::Options options;
  bool dry_run = false;
};

int RunIcap(IcapArgs& a) {
  // A wrong --listen is refused before the store is opened (or made).
  std::string host;
  int port = 0;
  if (!core::SplitHostPort(a.options.listen, &host, &port))
    return Fail("steward icap",
                core::Status::Invalid("--listen '" + a.options.listen +
                                      "' is not HOST:PORT"));
  std::shared_ptr<store::Database> db;
  if (!a.dry_run) {
    auto opened = a.store.Open(true, 16);
    if (!opened.ok()) {
      fmt::print(stderr, "steward icap: {}\n", opened.status().message());
      return 2;
    }
    db = std::move(opened).value();
    a.options.store = db->Describe();
    // Warn pages' continue links stay good across a restart and between
    // doors that share the data folder.
    auto key = icap::LoadOrCreateKey(a.store.data + "/web-continue.key");
    if (!key.ok()) {
      fmt::print(stderr, "steward icap: {}\n", key.status().message());
      return 2;
    }
    a.options.continue_key = std::move(key).value();
  }
  // Notices are the mail door's: the web answers the user on the spot.
  auto enforcer = std::make_unique<enforce::Enforcer>(
      db,
      enforce::Options{.blobs_dir = a.store.data + "/blobs", .sendmail = ""});
  return icap::Run(a.options, std::move(enforcer), a.dry_run);
}

struct WeblogArgs {
  std::string policy;
  size_t top = 10;
  std::string from, to;
  std::string csv, xlsx;
  bool no_progress = false;
  std::vector<std::string> logs;
};

int RunWeblogReport(const WeblogArgs& a) {
  const char* me = "steward weblog report";
  std::string path = a.policy.empty() ? policy::DefaultPackDir() : a.policy;
  if (path.empty()) {
    fmt::print(stderr, "{}: no pack given and none bundled\n", me);
    return 2;
  }
  // The pack's lists only: no engine, no patterns compiled.
  policy::LoadResult pack = policy::LoadPack(path, {.compile_patterns = false});
  if (!pack.ok()) {
    for (const auto& e : pack.errors) fmt::print(stderr, "{}\n", e.ToString());
    return 2;
  }
  weblog::Options options;
  options.top = a.top;
  for (auto [text, day, flag] :
       {std::tuple{&a.from, &options.from_day, "--from"},
        std::tuple{&a.to, &options.to_day, "--to"}}) {
    if (text->empty()) continue;
    auto d = core::ParseIsoDate(*text, 1970, 9999, flag);
    if (!d.ok()) {
      fmt::print(stderr, "{}: {}\n", me, d.status().message());
      return 2;
    }
    *day = *d;
  }
  if (options.from_day && options.to_day &&
      *options.from_day > *options.to_day) {
    fmt::print(stderr, "{}: --from {} is after --to {}\n", me, a.from, a.to);
    return 2;
  }
  auto made = weblog::Aggregator::Make(pack.pack->weblog, options);
  if (!made.ok()) {
    fmt::print(stderr, "{}: {}\n", me, made.status().message());
    return 2;
  }
  weblog::Aggregator& agg = **made;
  uint64_t total = 0;
  for (const auto& log : a.logs) total += weblog::InputSize(log);
  Progress progress(!a.no_progress && isatty(STDERR_FILENO), total, "lines");
  int rc = 0;
  uint64_t done = 0;
  for (const auto& log : a.logs) {
    auto st = weblog::ReadLog(log, agg, [&](uint64_t bytes) {
      progress.Update(agg.lines(), done + bytes);
    });
    done += weblog::InputSize(log);
    if (!st.ok()) {
      progress.Clear();
      fmt::print(stderr, "{}: {}\n", me, st.message());
      rc = 1;
    }
  }
  progress.Clear();
  weblog::Report report = agg.Finish();
  if (!a.xlsx.empty()) {
    if (auto st = weblog::WriteXlsx(report, a.xlsx); !st.ok()) {
      fmt::print(stderr, "{}: {}: {}\n", me, a.xlsx, st.message());
      return 2;
    }
  }
  if (a.csv == "-") {
    fmt::print("{}", weblog::RenderCsv(report));
    return rc;
  }
  if (!a.csv.empty()) {
    if (auto st = core::WriteFileAtomic(a.csv, weblog::RenderCsv(report));
        !st.ok()) {
      fmt::print(stderr, "{}: {}: {}\n", me, a.csv, st.message());
      return 2;
    }
  }
  fmt::print("{}", weblog::RenderText(report));
  return rc;
}

}  // namespace

void RegisterWeb(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<IcapArgs>();
  icap::Options* o = &args->options;
  CLI::App* c = app.add_subcommand(
      "icap", "Run the web door: an ICAP service for Squid (RFC 3507)");
  args->store.Add(c);
  c->add_flag("--dry-run", args->dry_run,
              "Decide and answer as usual, but record no block (no store)");
  c->add_option("--listen", o->listen, "HOST:PORT to listen on")
      ->capture_default_str();
  AddEngineFlags(c, o->engine, false);
  c->add_option("--max-connections", o->max_connections,
                "Connections served at once (more are answered 503)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  c->add_option("--read-timeout", o->read_timeout,
                "Seconds a request may stall (then 408 and close)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  c->add_option("--idle-timeout", o->idle_timeout,
                "Seconds an idle connection is kept")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  c->add_option("--preview", o->preview,
                "Preview bytes offered (below 65536: Squid 5.7 stalls at it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  c->add_option("--window-threads", o->window_threads,
                "Threads judging large uploads' windows while they are read, "
                "for all connections (-1: none; 0: one a core)")
      ->capture_default_str()
      ->check(CLI::Range(-1, 256));
  auto spill_mib = std::make_shared<uint64_t>(o->max_spill_bytes >> 20);
  c->add_option("--max-spill", *spill_mib,
                "MiB all connections may keep in temporary files (past it a "
                "connection is closed)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  c->add_option("--metrics", o->metrics, "HOST:PORT to serve GET /metrics on");
  c->add_flag("--quiet", o->quiet, "No log line per request");
  c->callback([args, spill_mib, &run] {
    args->options.max_spill_bytes = *spill_mib << 20;
    run = [args] { return RunIcap(*args); };
  });

  auto w = std::make_shared<WeblogArgs>();
  CLI::App* group = app.add_subcommand(
      "weblog", "Reports on the web proxy's logs (C.23, C.27)");
  group->require_subcommand(1);
  CLI::App* r = group->add_subcommand(
      "report",
      "Top users and sites, bytes by category, and non-academic use during "
      "duty hours, from Squid access.log files (native format)");
  r->add_option("--policy", w->policy,
                "Policy pack folder (default: the bundled pack)");
  r->add_option("--top", w->top, "Rows of each top table")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  r->add_option("--from", w->from,
                "First day reported, YYYY-MM-DD in the pack's time zone");
  r->add_option("--to", w->to,
                "Last day reported, YYYY-MM-DD in the pack's time zone");
  r->add_option("--csv", w->csv,
                "Also write every table to this CSV file ('-': stdout, "
                "instead of the text)");
  r->add_option("--xlsx", w->xlsx,
                "Also write an XLSX workbook: a sheet per table, a chart of "
                "bytes by category");
  r->add_flag("--no-progress", w->no_progress,
              "No progress bar, even on a terminal");
  r->add_option("logs", w->logs, "access.log files ('-': standard input)")
      ->required();
  r->callback([w, &run] { run = [w] { return RunWeblogReport(*w); }; });
}

}  // namespace steward::cli
