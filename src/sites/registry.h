// The site registry (G.5, H.1, H.4): each District, school, department,
// classroom, team or club web site, where it is hosted (a District host or
// an outside service the Superintendent's designee consented to), its
// content manager and author (employees in the people module), its editors
// as the site itself lists them, and its last audit. An editor who is not
// an active employee is a finding of H.4 ("only employees edit District
// sites"). Knows nothing of HTTP: the shell hands over editor lists (from
// a CSV export, or read from WordPress by publish/wordpress.h). Thread-safe
// (the Database is); errors as values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "people/people.h"
#include "store/database.h"

namespace steward::sites {

inline constexpr const char* kSiteKinds[] = {
    "district", "school", "department", "classroom", "team", "club"};

struct Editor {
  std::string login, name, email, role;  // as the site lists them
  int64_t person_id = 0;  // the active employee with that e-mail; 0: none
};

struct WebSite {
  int64_t id = 0;
  std::string name;
  std::string kind;  // kSiteKinds
  std::string url;   // https://host/path, as published
  bool outside = false;  // hosted outside the District (G.2, H.1)
  std::string consent;   // who consented to an outside site, and when
  int64_t content_manager = 0, author = 0;  // people ids; 0: none named
  std::string content_manager_name, author_name;
  std::string editors_source;  // "csv", "wordpress"; "" when never read
  std::string editors_checked_at;
  int64_t editors = 0, outsiders = 0;  // editors, of whom not employees
  std::string last_audit_at;           // "" when never audited
  int64_t last_audit = 0;
  std::string updated_at;
};

// Adds a site or, when its URL is registered, updates it; its id. The
// content manager and author are given by e-mail and must be active
// employees; an outside site needs its consent written down.
struct SiteInput {
  std::string name, kind, url;
  bool outside = false;
  std::string consent;
  std::string content_manager_email, author_email;
};
core::Result<int64_t> RegisterSite(store::Database& db, const SiteInput& in,
                                   const audit::Actor& actor);

// Sites from a CSV file with the header
//   name,kind,url,hosting,content_manager,author,consent
// (hosting "district" or "outside"; the people by e-mail). Each bad row is
// an issue naming its line; the others are registered.
core::Result<people::ImportReport> ImportSitesCsv(store::Database& db,
                                                  std::string_view bytes,
                                                  const std::string& file_name,
                                                  const audit::Actor& actor);

// Every site, by name, with its editors' counts and its last audit.
core::Result<std::vector<WebSite>> WebSites(store::Database& db);
core::Result<WebSite> GetWebSite(store::Database& db, int64_t id);
// The site registered at `url` exactly, or NotFound.
core::Result<WebSite> FindWebSite(store::Database& db, const std::string& url);

// Replaces a site's editors with `editors` read from `source` ("csv",
// "wordpress"), each matched by e-mail to an active employee; one audit
// entry (`sites.editors`, with the count of outsiders). Returns them as
// stored.
core::Result<std::vector<Editor>> SetEditors(store::Database& db,
                                             int64_t site_id,
                                             std::vector<Editor> editors,
                                             const std::string& source,
                                             const audit::Actor& actor);
core::Result<std::vector<Editor>> Editors(store::Database& db,
                                          int64_t site_id);

// Editors from a CSV export with the header login,name,email,role (order
// free; "username" and "user_login" for login, "display_name" for name,
// "roles" for role). Bad rows are issues naming their line.
core::Result<std::vector<Editor>> ReadEditorsCsv(
    std::string_view bytes, const std::string& file_name,
    std::vector<people::Issue>* issues);

}  // namespace steward::sites
