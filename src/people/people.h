// The District's people in the store: students and employees, the sites they
// belong to, and the imports that keep them current (OneRoster, an HR CSV,
// LDAP). An import validates row by row: a bad row is reported with file,
// line and reason and the rest still load; nobody's roster password is read
// past the parser. Re-importing updates people in place, and people of the
// same source no longer present are marked "departed" (never deleted: the
// acknowledgements and audit entries that name them stay meaningful).
// Every import and every change by hand is one audit entry.
//
// Functions are thread-safe (the Database is) and return errors as values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/database.h"

namespace steward::people {

// What parents allowed the District to publish about a student (F.2, F.3).
inline constexpr const char* kPermissions[] = {"none", "limited", "full"};
bool IsPermission(const std::string& s);

struct Person {
  int64_t id = 0;
  std::string source, source_id;  // "oneroster"/"hr-csv"/"ldap", its id
  std::string kind;               // "student" or "employee"
  std::string given_name, family_name, email, username;
  int64_t site_id = 0;
  std::string site_name;
  std::string job_role, grade, supervisor_source_id;
  std::string status;              // "active", "inactive", "departed"
  std::string publish_permission;  // kPermissions
  std::string FullName() const { return given_name + " " + family_name; }
};

struct Issue {
  std::string file;
  uint32_t line = 0;
  std::string message;
  bool rejected = true;  // false: loaded without the part named
  std::string ToString() const;
};

struct ImportReport {
  int64_t run_id = 0;
  std::string kind;    // "oneroster", "employees-csv", "ldap"
  std::string source;  // path, file name or LDAP URL
  int sites = 0, created = 0, updated = 0, departed = 0, skipped = 0;
  std::vector<Issue> issues;
  int Rejected() const;
  // One paragraph for a person: "312 people: 300 updated, 12 new; …".
  std::string Summary() const;
};

using Actor = audit::Actor;

// A OneRoster 1.1/1.2 export (folder or zip). Students and staff; guardians
// are skipped. A delta export (manifest file.users=delta) marks nobody
// departed.
// `shown_as` names the export in the report and the audit log when `path`
// is a private copy (an upload); "" for `path` itself.
core::Result<ImportReport> ImportOneRoster(store::Database& db,
                                           const std::string& path,
                                           const Actor& actor,
                                           const std::string& shown_as = "");

// Employees from CSV with the header
//   id,given_name,family_name,email,site,job_role,supervisor,status
// (order free, extra columns ignored; status active|inactive|leave, default
// active). `site` is matched to a site's id or name, and created if new.
core::Result<ImportReport> ImportEmployeesCsv(store::Database& db,
                                              std::string_view bytes,
                                              const std::string& file_name,
                                              const Actor& actor);

struct LdapOptions {
  std::string url;       // ldap://127.0.0.1:389
  std::string bind_dn;   // empty: anonymous
  std::string password;  // never logged
  std::string base;      // ou=people,dc=district,dc=org
  std::string filter = "(objectClass=inetOrgPerson)";
  // Attribute names for each field.
  std::string id_attr = "employeeNumber", given_attr = "givenName",
              family_attr = "sn", email_attr = "mail",
              site_attr = "departmentNumber", role_attr = "title",
              supervisor_attr = "manager", uid_attr = "uid";
};
core::Result<ImportReport> ImportLdap(store::Database& db,
                                      const LdapOptions& options,
                                      const Actor& actor);

struct Query {
  std::string kind;  // "", "student", "employee"
  std::string text;  // in names, e-mail or id
  int64_t site_id = 0;
  std::string status = "active";  // "" for any
  int limit = 50, offset = 0;
  // Keyset paging for machines: in id order, after this id (O(limit) at any
  // depth, where an offset costs as much as the rows it skips).
  bool by_id = false;
  int64_t after_id = 0;
};
core::Result<std::vector<Person>> Find(store::Database& db, const Query& q);
core::Result<int64_t> Count(store::Database& db, const Query& q);
core::Result<Person> Get(store::Database& db, int64_t id);

struct Site {
  int64_t id = 0;
  std::string name, kind;
};
core::Result<std::vector<Site>> Sites(store::Database& db);

// Sets a student's web-publishing permission by hand (audited).
core::Status SetPublishPermission(store::Database& db, int64_t person_id,
                                  const std::string& permission,
                                  const Actor& actor);

}  // namespace steward::people
