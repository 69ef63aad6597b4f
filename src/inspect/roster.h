// The District's people, for exact-data matching: students and employees from
// a OneRoster 1.1 or 1.2 CSV export (a folder holding manifest.csv, users.csv,
// orgs.csv and, in 1.2, roles.csv). Passwords in users.csv are never read
// into memory beyond the parser's row. Rows that cannot be used are reported
// with file, line and reason, and the rest still load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace steward::inspect {

struct Person {
  std::string id;  // sourcedId
  std::string given, middle, family, preferred_given;
  std::string role;  // OneRoster role: student, teacher, administrator, aide...
  bool student = false;
  std::vector<std::string> schools;      // org names
  std::string grades;                    // CEDS codes, "05" or "09,10"
  std::vector<std::string> identifiers;  // identifier + userIds values
  std::string FullName() const { return given + " " + family; }
};

struct RosterIssue {
  std::string file;
  uint32_t line = 0;
  std::string message;
  std::string ToString() const;
};

struct Roster {
  std::string version;  // "1.1" or "1.2"
  std::vector<Person> people;
  std::vector<RosterIssue> issues;  // rejected or partly used rows
  std::string hash;  // SHA-256 of the files read, to key compiled caches
};

// Loads the export in `dir`. Fails only when users.csv is missing or
// unreadable; bad rows become issues.
core::Result<Roster> LoadOneRoster(const std::string& dir);

}  // namespace steward::inspect
