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
#include <string_view>
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
  std::string status;              // "active", "leave", "inactive", "departed"
  std::string publish_permission;  // kPermissions
  bool photo_captions = false;     // a photo of them may name them (F.1)
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

// What guards every import against a broken export: an empty or truncated
// file would otherwise mark most of the District departed.
struct ImportOptions {
  // An import that would mark more than this share (in percent) of the
  // source's people who are not yet departed as departed is refused, and
  // nothing changes, unless `force`.
  int max_departed_percent = 20;
  bool force = false;
};

// A OneRoster 1.1/1.2 export (folder or zip). Students and staff; guardians
// are skipped. A delta export (manifest file.users=delta) marks nobody
// departed.
// `shown_as` names the export in the report and the audit log when `path`
// is a private copy (an upload); "" for `path` itself.
core::Result<ImportReport> ImportOneRoster(store::Database& db,
                                           const std::string& path,
                                           const Actor& actor,
                                           const std::string& shown_as = "",
                                           const ImportOptions& options = {});

// Employees from CSV with the header
//   id,given_name,family_name,email,site,job_role,supervisor,status
// (order free, extra columns ignored; status active|inactive|leave, default
// active). `site` is matched to a site's id or name, and created if new.
core::Result<ImportReport> ImportEmployeesCsv(
    store::Database& db, std::string_view bytes, const std::string& file_name,
    const Actor& actor, const ImportOptions& options = {});

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
                                      const Actor& actor,
                                      const ImportOptions& guard = {});

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

// Whether `person` reports to `supervisor`: their supervisor is the
// supervisor's id in the same source (an HR export, the directory).
bool ReportsTo(const Person& person, const Person& supervisor);
// The people who report to the person `supervisor` (an id), employed or
// not, at most 5,000; none when it is not a person with a source id.
core::Result<std::vector<Person>> ReportsOf(store::Database& db,
                                            int64_t supervisor);

struct Site {
  int64_t id = 0;
  std::string name, kind;
};
core::Result<std::vector<Site>> Sites(store::Database& db);

// Whose records a person may change: every site's (an ITS administrator),
// or one site's (a site administrator, by the site of the employee record
// their account is linked to). A default Scope reaches nobody.
struct Scope {
  bool every_site = false;
  int64_t site_id = 0;  // with every_site false: this site only
  static Scope EverySite() { return {true, 0}; }
  static Scope Site(int64_t id) { return {false, id}; }
  bool Reaches(int64_t site) const {
    return every_site || (site_id != 0 && site == site_id);
  }
};

// What a student's parents allowed the District to publish (F.1-F.3):
// `permission` one of kPermissions, and whether a photo of the student may
// name them.
struct Publishing {
  std::string permission = "none";
  bool photo_captions = false;
};

// Sets a student's web-publishing permission by hand (audited, with what it
// was). NotFound for an unknown id; Invalid for someone who is no student, a
// permission not in kPermissions, or a student `scope` does not reach
// (checked in the same transaction as the change).
core::Status SetPublishing(store::Database& db, int64_t person_id,
                           const Publishing& publishing, const Actor& actor,
                           const Scope& scope);

// Publishing permissions from a CSV export of the student information
// system, keyed by the student's id (the id their OneRoster or other import
// gave them):
//   student_id,permission,photo_captions
// Column names are matched without case, spaces or underscores, and a few
// SIS spellings are accepted (`id`, `studentid`, `web_permission`,
// `publish_permission`, `photo_caption`). A permission is none, limited or
// full, or written out ("limited identification", "first name and last
// initial", "full name", "no"); photo_captions is yes/no, true/false, y/n,
// 1/0, or empty for no. Rows naming no known student, a student twice, or
// a value that cannot be read are issues naming file and line; the others
// are applied in one transaction with one import run and one audit entry.
// Students the file does not name keep what they have. The report counts
// `updated` (a change) and `skipped` (already so).
core::Result<ImportReport> ImportPermissionsCsv(store::Database& db,
                                                std::string_view bytes,
                                                const std::string& file_name,
                                                const Actor& actor);

}  // namespace steward::people
