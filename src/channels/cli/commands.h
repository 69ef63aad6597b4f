// The `steward` command's subcommands: the scanning door (scan, extract,
// policy), the mail door and its shell (verdict, milter, quarantine), the
// web door's (icap, weblog report), publishing (site audit, publish check)
// and the governance side (serve, db, admin, token, audit, import, remind,
// demo). Each Register* adds its subcommands to the app
// and, for the one chosen, sets `run` to its action, which returns the process
// exit code: 0 done (nothing found, the verdict allows or warns), 1 findings or
// problems found (a scan's findings, a pack's errors, a message `verdict` would
// stop, a chain that does not verify, a store error), 2 usage or configuration
// error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "channels/cli/kits.h"
#include "channels/portal/portal.h"
#include "engine/engine.h"
#include "publish/audit.h"
#include "records/register.h"
#include "records/requests.h"
#include "release/production.h"
#include "store/database.h"

namespace steward::cli {

// --policy, --roster, --cache and (when `show_values`) --show-values: how
// every command that builds an engine is told which pack and roster.
void AddEngineFlags(CLI::App* cmd, engine::Options& o, bool show_values);

// Adds the subcommand; `run` is set to the action to take if it was chosen.
void RegisterScan(CLI::App& app, std::function<int()>& run);
void RegisterPolicy(CLI::App& app, std::function<int()>& run);
void RegisterExtract(CLI::App& app, std::function<int()>& run);
// serve, db, admin, audit, import, remind (governance.cc).
void RegisterGovernance(CLI::App& app, std::function<int()>& run);
void RegisterDemo(CLI::App& app, std::function<int()>& run);  // demo_cmd.cc
// verdict; milter and quarantine (mail_cmd.cc).
void RegisterVerdict(CLI::App& app, std::function<int()>& run);
void RegisterMail(CLI::App& app, std::function<int()>& run);
// icap and weblog report (web_cmd.cc).
void RegisterWeb(CLI::App& app, std::function<int()>& run);
// records: index, items, classify, hold, plan, lists, approve, refuse,
// execute (records_cmd.cc).
void RegisterRecords(CLI::App& app, std::function<int()>& run);
// directory read, directory list (directory_cmd.cc).
void RegisterDirectory(CLI::App& app, std::function<int()>& run);
// site audit, publish check (site_cmd.cc).
void RegisterSite(CLI::App& app, std::function<int()>& run);
// The parser's error on stderr (CLI11 quotes the arguments: their control
// characters are shown as '?'), help on stdout as written; the exit code,
// 0 for help and 2 for an error (governance.cc).
int ParseFailed(CLI::App& app, const CLI::ParseError& e);
// An exception no command caught: "steward: what" on stderr, its control
// characters shown as '?'; the exit code, 2 (governance.cc).
int Uncaught(const std::exception& e);
// Audits the site in `folder` (or at `folder` when it is an http(s) URL:
// crawled, HTTPS checked against `ca_file` or the system's authorities),
// published at `url`, with the store's
// students and their permissions; kept in the store (sites/audits.h) when
// `record`, its id in `recorded`. `progress`: a count on stderr. Links to
// other sites are fetched, at most `check_outside` of them, when it is not
// 0 (publish::CheckOutsideLinks; a line on stderr says what it did), those
// leading into a private network only when `outside_private`.
struct SiteAudit {
  publish::SiteReport report;
  int64_t recorded = 0;
};
core::Result<SiteAudit> AuditSite(
    store::Database& db, engine::Options engine_options,
    const std::string& folder, const std::string& url,
    const std::vector<std::string>& ad_filters, bool record, bool progress,
    const std::string& ca_file = "", size_t check_outside = 0,
    bool outside_private = false);
// Releases register items for a public-records request: each read from its
// source (checked against its indexed SHA-256, the read audited), redacted
// under the pack's exemptions and `extra` marks (the engine made with
// show_values), written as a production into `out` (a new folder) and
// noted on the request's timeline. `progress`: a line per item on stderr.
core::Result<release::Produced> ProduceForRequest(
    records::Register& reg, records::Requests& req,
    const engine::Engine& engine, int64_t request,
    const std::vector<int64_t>& items, const std::vector<release::Mark>& extra,
    const release::ProductionOptions& options, const std::string& out,
    const audit::Actor& actor, bool progress);

}  // namespace steward::cli
