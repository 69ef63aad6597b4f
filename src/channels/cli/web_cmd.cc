// The web door from the shell: `steward icap`, the ICAP service Squid asks
// about uploads and downloads (channels/icap).
#include <fmt/format.h>

#include <memory>

#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "channels/icap/continue.h"
#include "channels/icap/server.h"
#include "enforce/enforce.h"
#include "store/database.h"

namespace steward::cli {

namespace {

struct IcapArgs {
  StoreFlags store;
  icap::Options options;
  bool dry_run = false;
};

int RunIcap(IcapArgs& a) {
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
}

}  // namespace steward::cli
