// Shared by the governance commands (serve, db, admin, audit, import, remind,
// demo): where the data lives and how the store is opened.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/database.h"

namespace steward::cli {

struct StoreFlags {
  std::string data;  // folder: SQLite file, blobs, uploads
  std::string db;    // PostgreSQL URL or SQLite path; "" = DATA/steward.db
  void Add(CLI::App* cmd);
  // The store, migrated to this version's schema. Creates the data folder.
  // `connections`: at most this many open at once (the portal: one a thread).
  core::Result<std::shared_ptr<store::Database>> Open(
      bool migrate = true, int connections = 8) const;
};

// "cli:<login>" — who acts from the shell, for the audit chain.
std::string ShellActor();

// A password kept in a file (a bind password): its first 4 KiB, without
// the line end after it.
core::Result<std::string> ReadSecretFile(const std::string& file);

// A command's failure: "WHO: message" on stderr (control characters
// shown escaped), and the exit code, 2 for bad input, else 1.
int Fail(std::string_view who, const core::Status& st);

}  // namespace steward::cli
