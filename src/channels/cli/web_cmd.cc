// The web door from the shell: `steward icap`, the ICAP service Squid asks
// about uploads and downloads (channels/icap).
#include <memory>

#include "channels/cli/commands.h"
#include "channels/icap/server.h"
#include "enforce/enforce.h"

namespace steward::cli {

void RegisterWeb(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<icap::Options>();
  CLI::App* c = app.add_subcommand(
      "icap", "Run the web door: an ICAP service for Squid (RFC 3507)");
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
  c->callback([o, spill_mib, &run] {
    o->max_spill_bytes = *spill_mib << 20;
    run = [o] {
      // No store yet: decisions are carried out without records (a hold
      // blocks like a reject).
      auto enforcer = std::make_unique<enforce::Enforcer>(
          nullptr, enforce::Options{.sendmail = ""});
      return icap::Run(*o, std::move(enforcer), /*dry_run=*/true);
    };
  });
}

}  // namespace steward::cli
