// The command-line door: `steward scan` and `steward policy`. Each Register*
// adds a subcommand to the app; each Run* returns the process exit code
// (0 clean, 1 findings or problems found, 2 usage or configuration error).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace steward::cli {

// --policy, --roster, --cache and (when `show_values`) --show-values: how
// every command that builds an engine is told which pack and roster.
void AddEngineFlags(CLI::App* cmd, engine::Options& o, bool show_values);

// Adds the subcommand; `run` is set to the action to take if it was chosen.
void RegisterScan(CLI::App& app, std::function<int()>& run);
void RegisterPolicy(CLI::App& app, std::function<int()>& run);
void RegisterExtract(CLI::App& app, std::function<int()>& run);
// serve, db, admin, audit, import, remind (governance.cc) and demo.
void RegisterGovernance(CLI::App& app, std::function<int()>& run);
void RegisterDemo(CLI::App& app, std::function<int()>& run);
// verdict, quarantine and milter (mail_cmd.cc).
void RegisterVerdict(CLI::App& app, std::function<int()>& run);
void RegisterMail(CLI::App& app, std::function<int()>& run);

}  // namespace steward::cli
