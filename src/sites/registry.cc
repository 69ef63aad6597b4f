#include "sites/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/csv.h"
#include "core/text.h"

namespace steward::sites {

namespace {

using store::P;

constexpr const char* kSiteSelect =
    "SELECT w.id, w.name, w.kind, w.url, w.outside, w.consent, "
    "w.content_manager, w.author, "
    "COALESCE(cm.given_name || ' ' || cm.family_name, ''), "
    "COALESCE(au.given_name || ' ' || au.family_name, ''), "
    "w.editors_source, w.editors_checked_at, "
    "(SELECT COUNT(*) FROM web_site_editors e WHERE e.site_id = w.id), "
    "(SELECT COUNT(*) FROM web_site_editors e WHERE e.site_id = w.id AND "
    "e.person_id IS NULL), "
    "(SELECT MAX(a.id) FROM site_audits a WHERE a.site = w.url), "
    "w.updated_at FROM web_sites w "
    "LEFT JOIN people cm ON cm.id = w.content_manager "
    "LEFT JOIN people au ON au.id = w.author";

WebSite SiteFrom(const store::Row& r) {
  WebSite s;
  s.id = r.Int(0);
  s.name = r.Text(1);
  s.kind = r.Text(2);
  s.url = r.Text(3);
  s.outside = r.Int(4) != 0;
  s.consent = r.Text(5);
  s.content_manager = r.Int(6);
  s.author = r.Int(7);
  s.content_manager_name = r.Text(8);
  s.author_name = r.Text(9);
  s.editors_source = r.Text(10);
  s.editors_checked_at = r.Text(11);
  s.editors = r.Int(12);
  s.outsiders = r.Int(13);
  s.last_audit = r.Int(14);
  s.updated_at = r.Text(15);
  return s;
}

// Printable, trimmed, at most `max` bytes of valid UTF-8.
std::string Field(std::string_view s, size_t max) {
  std::string out = core::Printable(core::ToUtf8(s));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out.erase(0, out.find_first_not_of(' '));
  if (out.size() > max) {
    size_t cut = max;  // at a character's start
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut;
    out.resize(cut);
  }
  return out;
}

// The active employee with this e-mail: id; 0 when there is none.
core::Result<int64_t> EmployeeByEmail(store::Conn& conn,
                                      const std::string& email) {
  if (email.empty()) return 0;
  auto rows = conn.Query(
      "SELECT id FROM people WHERE kind = 'employee' AND status = 'active' "
      "AND lower(email) = ? ORDER BY id LIMIT 1",
      {P(core::AsciiLower(email))});
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : rows->front().Int(0);
}

core::Status CheckInput(const SiteInput& in) {
  if (in.name.empty() || in.name.size() > 200)
    return core::Status::Invalid("a site needs a name (at most 200 bytes)");
  if (std::find(std::begin(kSiteKinds), std::end(kSiteKinds), in.kind) ==
      std::end(kSiteKinds))
    return core::Status::Invalid(
        "kind '" + core::Shown(in.kind) +
        "' is none of district, school, department, classroom, team, club");
  const bool web =
      in.url.starts_with("https://") || in.url.starts_with("http://");
  const size_t host = in.url.find("://") + 3;
  if (!web || in.url.size() > 500 || core::HasControlChars(in.url) ||
      in.url.find_first_of(" \"<>\\^`{|}@") != std::string::npos ||
      host >= in.url.size() || in.url[host] == '/')
    return core::Status::Invalid("'" + core::Shown(in.url) +
                                 "' is not a site's address (https://host/)");
  if (in.outside && in.consent.empty())
    return core::Status::Invalid(
        "an outside site needs its consent written down (who consented "
        "and when: G.2, H.1)");
  return {};
}

core::Result<int64_t> Register(store::Conn& conn, const SiteInput& raw,
                               const audit::Actor& actor) {
  SiteInput in = raw;
  in.name = Field(in.name, 200);
  in.kind = core::AsciiLower(Field(in.kind, 20));
  in.url = Field(in.url, 600);
  in.consent = Field(in.consent, 300);
  if (auto st = CheckInput(in); !st.ok()) return st;
  int64_t ids[2] = {0, 0};
  const std::string* emails[2] = {&in.content_manager_email, &in.author_email};
  const char* what[2] = {"content manager", "author"};
  for (int i = 0; i < 2; ++i) {
    const std::string email = Field(*emails[i], 200);
    auto id = EmployeeByEmail(conn, email);
    if (!id.ok()) return id.status();
    if (!email.empty() && *id == 0)
      return core::Status::Invalid(fmt::format(
          "the {} '{}' is no active employee (G.5: an employee manages "
          "each site)",
          what[i], core::Shown(email)));
    ids[i] = *id;
  }
  auto id_or_null = [](int64_t id) { return id ? P(id) : store::Null(); };
  const std::string now = store::NowUtc();
  auto existing =
      conn.Query("SELECT id FROM web_sites WHERE url = ?", {P(in.url)});
  if (!existing.ok()) return existing.status();
  int64_t id = 0;
  if (existing->empty()) {
    auto row = conn.Query(
        "INSERT INTO web_sites (name, kind, url, outside, consent, "
        "content_manager, author, editors_source, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?) RETURNING id",
        {P(in.name), P(in.kind), P(in.url), P(in.outside ? 1 : 0),
         P(in.consent), id_or_null(ids[0]), id_or_null(ids[1]), P(now),
         P(now)});
    if (!row.ok()) return row.status();
    id = row->front().Int(0);
  } else {
    id = existing->front().Int(0);
    if (auto st = conn.Exec(
            "UPDATE web_sites SET name = ?, kind = ?, outside = ?, consent = "
            "?, content_manager = ?, author = ?, updated_at = ? WHERE id = ?",
            {P(in.name), P(in.kind), P(in.outside ? 1 : 0), P(in.consent),
             id_or_null(ids[0]), id_or_null(ids[1]), P(now), P(id)});
        !st.ok())
      return st;
  }
  nlohmann::json detail = {{"name", in.name},
                           {"kind", in.kind},
                           {"url", in.url},
                           {"outside", in.outside},
                           {"content_manager", ids[0]},
                           {"author", ids[1]},
                           {"new", existing->empty()}};
  if (auto st = audit::Record(conn, actor, "sites.register",
                              fmt::format("web-site/{}", id), detail);
      !st.ok())
    return st;
  return id;
}

}  // namespace

core::Result<int64_t> RegisterSite(store::Database& db, const SiteInput& in,
                                   const audit::Actor& actor) {
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto r = Register(conn, in, actor);
    if (!r.ok()) return r.status();
    id = *r;
    return {};
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<people::ImportReport> ImportSitesCsv(store::Database& db,
                                                  std::string_view bytes,
                                                  const std::string& file_name,
                                                  const audit::Actor& actor) {
  people::ImportReport report;
  report.kind = "sites-csv";
  report.source = file_name;
  struct Row {
    uint32_t line;
    SiteInput in;
  };
  std::vector<Row> rows;
  auto st = core::ReadCsvTable(
      core::ToUtf8(bytes), file_name,
      {{"name", "site", "sitename"},
       {"kind", "type"},
       {"url", "address", "siteurl"},
       {"hosting", "hosted", "host"},
       {"contentmanager", "manager", "contentmanageremail"},
       {"author", "authoremail"},
       {"consent", "consentedby"}},
      {0, 1, 2},
      "name, kind and url columns (and hosting, content_manager, author, "
      "consent)",
      [&](const core::CsvRecord& r, const core::CellOf& cell) {
        const std::string hosting = core::AsciiLower(Field(cell(3), 20));
        if (hosting != "" && hosting != "district" && hosting != "outside") {
          report.issues.push_back({file_name, r.line,
                                   "hosting '" + core::Shown(hosting) +
                                       "' is not district or outside"});
          return true;
        }
        rows.push_back({r.line,
                        {cell(0), cell(1), cell(2), hosting == "outside",
                         cell(6), cell(4), cell(5)}});
        return true;
      });
  if (!st.ok()) return st;
  // Each row in a transaction of its own: a bad row is an issue, the
  // others are kept.
  for (const auto& row : rows) {
    bool existed = FindWebSite(db, Field(row.in.url, 600)).ok();
    auto id = RegisterSite(db, row.in, actor);
    if (!id.ok()) {
      if (id.status().code() != core::Code::kInvalidArgument)
        return id.status();
      report.issues.push_back({file_name, row.line, id.status().message()});
      continue;
    }
    ++(existed ? report.updated : report.created);
  }
  return report;
}

core::Result<std::vector<WebSite>> WebSites(store::Database& db) {
  auto rows = db.Query(std::string(kSiteSelect) + " ORDER BY w.name, w.id");
  if (!rows.ok()) return rows.status();
  std::vector<WebSite> out;
  for (const auto& r : *rows) out.push_back(SiteFrom(r));
  std::map<int64_t, std::string> when;
  for (auto& s : out) {
    if (!s.last_audit) continue;
    auto a = db.Query("SELECT started_at FROM site_audits WHERE id = ?",
                      {P(s.last_audit)});
    if (a.ok() && !a->empty()) s.last_audit_at = a->front().Text(0);
  }
  return out;
}

core::Result<WebSite> GetWebSite(store::Database& db, int64_t id) {
  auto rows = db.Query(std::string(kSiteSelect) + " WHERE w.id = ?", {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("no site {}", id));
  WebSite s = SiteFrom(rows->front());
  if (s.last_audit) {
    auto a = db.Query("SELECT started_at FROM site_audits WHERE id = ?",
                      {P(s.last_audit)});
    if (a.ok() && !a->empty()) s.last_audit_at = a->front().Text(0);
  }
  return s;
}

core::Result<WebSite> FindWebSite(store::Database& db, const std::string& url) {
  auto rows = db.Query("SELECT id FROM web_sites WHERE url = ?", {P(url)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound("no site is registered at '" +
                                  core::Shown(url) + "' (steward site list)");
  return GetWebSite(db, rows->front().Int(0));
}

core::Result<std::vector<Editor>> SetEditors(store::Database& db,
                                             int64_t site_id,
                                             std::vector<Editor> editors,
                                             const std::string& source,
                                             const audit::Actor& actor) {
  if (editors.size() > 10000)
    return core::Status::Limit("more than 10,000 editors for one site");
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto site =
        conn.Query("SELECT url FROM web_sites WHERE id = ?", {P(site_id)});
    if (!site.ok()) return site.status();
    if (site->empty())
      return core::Status::NotFound(fmt::format("no site {}", site_id));
    if (auto d = conn.Exec("DELETE FROM web_site_editors WHERE site_id = ?",
                           {P(site_id)});
        !d.ok())
      return d;
    int64_t outsiders = 0;
    std::set<std::string> logins;
    for (auto& e : editors) {
      e.login = Field(e.login, 200);
      e.name = Field(e.name, 200);
      e.email = Field(e.email, 200);
      e.role = Field(e.role, 100);
      if (e.login.empty()) e.login = e.email;
      if (e.login.empty() || !logins.insert(e.login).second) continue;
      auto id = EmployeeByEmail(conn, e.email);
      if (!id.ok()) return id.status();
      e.person_id = *id;
      if (!e.person_id) ++outsiders;
      if (auto ins = conn.Exec(
              "INSERT INTO web_site_editors (site_id, login, name, email, "
              "role, person_id) VALUES (?, ?, ?, ?, ?, ?)",
              {P(site_id), P(e.login), P(e.name), P(e.email), P(e.role),
               e.person_id ? P(e.person_id) : store::Null()});
          !ins.ok())
        return ins;
    }
    if (auto u = conn.Exec(
            "UPDATE web_sites SET editors_source = ?, editors_checked_at = ? "
            "WHERE id = ?",
            {P(source), P(store::NowUtc()), P(site_id)});
        !u.ok())
      return u;
    return audit::Record(conn, actor, "sites.editors",
                         fmt::format("web-site/{}", site_id),
                         {{"source", source},
                          {"editors", logins.size()},
                          {"not_employees", outsiders}});
  });
  if (!st.ok()) return st;
  return Editors(db, site_id);
}

core::Result<std::vector<Editor>> Editors(store::Database& db,
                                          int64_t site_id) {
  auto rows = db.Query(
      "SELECT login, name, email, role, person_id FROM web_site_editors "
      "WHERE site_id = ? ORDER BY person_id IS NOT NULL, login",
      {P(site_id)});
  if (!rows.ok()) return rows.status();
  std::vector<Editor> out;
  for (const auto& r : *rows)
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4)});
  return out;
}

core::Result<std::vector<Editor>> ReadEditorsCsv(
    std::string_view bytes, const std::string& file_name,
    std::vector<people::Issue>* issues) {
  std::vector<Editor> out;
  auto st = core::ReadCsvTable(
      core::ToUtf8(bytes), file_name,
      {{"login", "username", "userlogin", "user"},
       {"name", "displayname", "fullname"},
       {"email", "mail", "useremail"},
       {"role", "roles"}},
      {2}, "an email column (and login, name, role)",
      [&](const core::CsvRecord& r, const core::CellOf& cell) {
        Editor e{cell(0), cell(1), cell(2), cell(3), 0};
        if (Field(e.email, 200).find('@') == std::string::npos) {
          if (issues)
            issues->push_back({file_name, r.line,
                               "'" + core::Shown(e.email) +
                                   "' is not an e-mail address; the editor "
                                   "cannot be matched to an employee"});
          if (Field(e.login, 200).empty()) return true;
          e.email.clear();
        }
        out.push_back(std::move(e));
        return out.size() <= 10000;
      });
  if (!st.ok()) return st;
  return out;
}

}  // namespace steward::sites
