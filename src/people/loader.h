// Internal to the people module: what every import hands the one routine that
// writes people, so OneRoster, CSV and LDAP imports share their storage logic.
#pragma once

#include <string>
#include <vector>

#include "people/people.h"

namespace steward::people::detail {

struct IncomingSite {
  std::string source_id, name, kind, parent;
};

struct IncomingPerson {
  std::string source_id, kind, given_name, family_name, email, username;
  std::string site_source_id, job_role, grade, supervisor_source_id;
  std::string status = "active";
};

struct Incoming {
  std::string source;  // "oneroster", "hr-csv", "ldap"
  std::vector<IncomingSite> sites;
  std::vector<IncomingPerson> people;
  bool mark_departed = true;  // false for delta exports
  // true: sites are matched by their id in this source only (OneRoster);
  // false: an existing site of the same name is reused (CSV, LDAP).
  bool sites_by_id_only = false;
  ImportOptions options;  // the guard against marking too many departed
};

// Opens the import run of `report` (kind, source, actor) inside the
// caller's transaction; sets report->run_id.
core::Status BeginRun(store::Conn& conn, ImportReport* report,
                      const Actor& actor, const std::string& now);

// Writes sites and people in one transaction with the import run and its
// audit entry; `report` arrives with kind, source and issues filled in.
core::Result<ImportReport> Apply(store::Database& db, Incoming in,
                                 ImportReport report, const Actor& actor);

}  // namespace steward::people::detail
