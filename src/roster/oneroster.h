// The District's people from a OneRoster 1.1 or 1.2 CSV export (a folder or a
// zip holding manifest.csv, users.csv, orgs.csv and, in 1.2, roles.csv): read
// by the inspector for exact-data matching and by the people import. Passwords
// in users.csv are never kept beyond the parser's row. Rows that cannot be
// used are reported with file, line and reason, and the rest still load.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace steward::roster {

struct Person {
  std::string id;  // sourcedId
  std::string given, middle, family, preferred_given;
  std::string role;  // OneRoster role: student, teacher, administrator, aide...
  bool student = false;
  std::vector<std::string> schools;      // org names
  std::string grades;                    // CEDS codes, "05" or "09,10"
  std::vector<std::string> identifiers;  // identifier + userIds values
  std::string email, username;
  std::string status;                // "active", "" or "inactive"
  bool enabled = true;               // enabledUser
  std::vector<std::string> org_ids;  // orgs' sourcedIds, primary first
  std::string FullName() const { return given + " " + family; }
};

struct Org {
  std::string id;  // sourcedId
  std::string name, type, parent_id;
};

struct RosterIssue {
  std::string file;
  uint32_t line = 0;
  std::string message;
  bool rejected = true;  // false: the row loaded, but part of it was dropped
  std::string ToString() const;
};

struct Roster {
  std::string version;  // "1.1" or "1.2"
  std::vector<Person> people;
  std::vector<Org> orgs;
  bool delta = false;  // manifest file.users=delta: only changes are listed
  int skipped = 0;     // guardians, parents and rows marked tobedeleted
  std::vector<RosterIssue> issues;  // rejected or partly used rows
  std::string hash;  // SHA-256 of the files read, to key compiled caches
};

// Loads the export in `path`, a folder or a zip (files found by name at any
// depth). Fails only when users.csv is missing or unreadable; bad rows become
// issues.
core::Result<Roster> LoadOneRoster(const std::string& path);
// The same, kept in `cache_dir` (when not empty) as a snapshot named by the
// SHA-256 of the export's files: a later load of the same export reads the
// snapshot instead of the CSV. The snapshot holds the people as read (no
// password), in a file only its owner may read.
core::Result<Roster> LoadOneRoster(const std::string& path,
                                   const std::string& cache_dir);

// A roster as a snapshot (core/snapshot.h) and back; Corrupt when `data` is
// not a whole snapshot of this version.
std::string SnapshotOf(const Roster& roster);
core::Result<Roster> FromSnapshot(std::string_view data);

}  // namespace steward::roster
