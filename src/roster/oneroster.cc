#include "roster/oneroster.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "core/csv.h"
#include "core/hash.h"
#include "core/text.h"

namespace steward::roster {

namespace fs = std::filesystem;

std::string RosterIssue::ToString() const {
  return file + ":" + std::to_string(line) + ": " + message;
}

namespace {

// A CSV table read by header name.
struct Table {
  std::string file;
  std::map<std::string, size_t> cols;
  std::vector<core::CsvRecord> rows;

  const std::string* Get(const core::CsvRecord& r,
                         const std::string& col) const {
    auto it = cols.find(col);
    if (it == cols.end() || it->second >= r.fields.size()) return nullptr;
    return &r.fields[it->second];
  }
  std::string Val(const core::CsvRecord& r, const std::string& col) const {
    const std::string* v = Get(r, col);
    return v ? *v : std::string();
  }
};

constexpr size_t kMaxFile = size_t{1} << 30;

// The CSV files of an export, by lower-cased file name: from a folder, or
// from a zip (at any depth, as exports are often zipped with their folder).
using Files = std::map<std::string, std::string>;

core::Result<Files> ReadZip(const std::string& path) {
  Files files;
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    std::string msg = archive_error_string(a) ? archive_error_string(a) : "";
    archive_read_free(a);
    return core::Status::Corrupt(path + ": not a readable zip: " + msg);
  }
  archive_entry* e = nullptr;
  size_t total = 0;
  core::Status st;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = fs::path(archive_entry_pathname(e)).filename().string();
    name = core::AsciiLower(name);
    if (name.size() < 4 || name.substr(name.size() - 4) != ".csv") continue;
    std::string bytes;
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
      total += static_cast<size_t>(n);
      if (total > kMaxFile) {
        st = core::Status::Limit(path + ": more than 1 GiB of CSV inside");
        break;
      }
      bytes.append(buf, static_cast<size_t>(n));
    }
    if (!st.ok()) break;
    if (n < 0) {
      st = core::Status::Corrupt(
          path + ": " + name + ": " +
          (archive_error_string(a) ? archive_error_string(a) : "unreadable"));
      break;
    }
    files[name] = std::move(bytes);
  }
  archive_read_free(a);
  if (!st.ok()) return st;
  return files;
}

core::Result<Files> ReadFolder(const std::string& dir) {
  Files files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = core::AsciiLower(e.path().filename().string());
    if (!e.is_regular_file() || name.size() < 4 ||
        name.substr(name.size() - 4) != ".csv") {
      continue;
    }
    auto data = core::ReadFile(e.path().string(), kMaxFile);
    if (!data.ok()) return data.status();
    files[name] = std::move(data).value();
  }
  if (ec) return core::Status::Io(dir + ": " + ec.message());
  return files;
}

core::Result<Table> ReadTable(const std::string& name, const std::string& data,
                              core::Sha256& hash,
                              std::vector<RosterIssue>& issues,
                              const std::set<std::string>& skip_cols = {}) {
  hash.Update(data);
  Table t;
  t.file = name;
  std::string text = core::ToUtf8(data);
  size_t skip_index = SIZE_MAX;
  core::Status st = core::ReadCsv(text, [&](const core::CsvRecord& r) {
    if (t.cols.empty()) {
      for (size_t i = 0; i < r.fields.size(); ++i) {
        std::string name = r.fields[i];
        while (!name.empty() && (name.back() == ' ' || name.back() == '\r'))
          name.pop_back();
        if (skip_cols.count(name)) skip_index = i;
        if (!name.empty()) t.cols.emplace(name, i);
      }
      return true;
    }
    if (r.fields.size() == 1 && r.fields[0].empty()) return true;  // blank line
    core::CsvRecord copy = r;
    // Never keep a roster password, not even in memory past this row.
    if (skip_index < copy.fields.size()) copy.fields[skip_index].clear();
    t.rows.push_back(std::move(copy));
    return true;
  });
  if (!st.ok())
    issues.push_back({t.file, 0, "stopped reading: " + st.message()});
  return t;
}

// OneRoster 1.1 and 1.2 role vocabularies.
const std::set<std::string> kRoles = {"administrator",
                                      "aide",
                                      "guardian",
                                      "parent",
                                      "proctor",
                                      "relative",
                                      "student",
                                      "teacher",
                                      "counselor",
                                      "districtAdministrator",
                                      "principal",
                                      "siteAdministrator",
                                      "systemAdministrator"};
// CEDS grade levels.
const std::set<std::string> kGrades = {
    "IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05",   "06",
    "07", "08", "09", "10", "11", "12", "13", "PS", "UG", "Other"};

// OneRoster dates are ISO 8601: 2023-05-01 or 2023-05-01T18:25:43.511Z.
bool IsIsoDate(const std::string& s) {
  auto digits = [&](size_t from, size_t n) {
    if (s.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  return digits(0, 4) && s.size() >= 10 && s[4] == '-' && digits(5, 2) &&
         s[7] == '-' && digits(8, 2) && (s.size() == 10 || s[10] == 'T');
}

bool IsStudentRole(const std::string& role) { return role == "student"; }
bool IsEmployeeRole(const std::string& role) {
  return !role.empty() && role != "student" && role != "guardian" &&
         role != "parent" && role != "relative";
}

// "{LDAP:12},{SIS:4471}" -> {"12", "4471"}
std::vector<std::string> ParseUserIds(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = s.find('{', i)) != std::string::npos) {
    size_t c = s.find(':', i), e = s.find('}', i);
    if (c == std::string::npos || e == std::string::npos || c > e) break;
    out.push_back(s.substr(c + 1, e - c - 1));
    i = e + 1;
  }
  return out;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= s.size()) {
    size_t e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    std::string v = s.substr(b, e - b);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    if (!v.empty()) out.push_back(v);
    b = e + 1;
  }
  return out;
}

}  // namespace

core::Result<Roster> LoadOneRoster(const std::string& path) {
  Roster roster;
  core::Sha256 hash;
  std::error_code ec;
  bool folder = fs::is_directory(path, ec);
  if (!folder && !fs::exists(path, ec)) {
    return core::Status::NotFound(
        path +
        ": no such folder or zip (expected a OneRoster export with users.csv)");
  }
  auto read = folder ? ReadFolder(path) : ReadZip(path);
  if (!read.ok()) return read.status();
  Files& files = *read;
  // File names as the export spells them, for messages.
  auto find = [&](const char* lower) -> const std::string* {
    auto it = files.find(lower);
    return it == files.end() ? nullptr : &it->second;
  };
  if (!find("users.csv")) {
    return core::Status::NotFound(
        path + ": no users.csv (is this a OneRoster export folder or zip?)");
  }
  roster.version = "1.1";
  if (const auto* bytes = find("manifest.csv")) {
    auto m = ReadTable("manifest.csv", *bytes, hash, roster.issues);
    if (m.ok()) {
      for (const auto& r : m->rows) {
        if (m->Val(r, "propertyName") == "oneroster.version") {
          roster.version = m->Val(r, "value");
        } else if (m->Val(r, "propertyName") == "file.users") {
          roster.delta = m->Val(r, "value") == "delta";
        }
      }
    }
  }
  std::unordered_map<std::string, std::string> org_names;
  if (const auto* bytes = find("orgs.csv")) {
    auto orgs = ReadTable("orgs.csv", *bytes, hash, roster.issues);
    if (orgs.ok())
      for (const auto& r : orgs->rows) {
        Org o{orgs->Val(r, "sourcedId"), orgs->Val(r, "name"),
              orgs->Val(r, "type"), orgs->Val(r, "parentSourcedId")};
        if (o.id.empty() || o.name.empty()) {
          roster.issues.push_back(
              {orgs->file, r.line, "org without sourcedId or name"});
          continue;
        }
        org_names[o.id] = o.name;
        roster.orgs.push_back(std::move(o));
      }
    // A parent named but not exported is reported; the org still loads.
    if (orgs.ok()) {
      for (const auto& r : orgs->rows) {
        std::string parent = orgs->Val(r, "parentSourcedId");
        if (!parent.empty() && !org_names.count(parent)) {
          roster.issues.push_back(
              {orgs->file, r.line,
               "parentSourcedId '" + parent +
                   "' is not in orgs.csv; loaded without a parent",
               false});
        }
      }
    }
  }
  auto users = ReadTable("users.csv", *find("users.csv"), hash, roster.issues,
                         {"password"});
  if (!users.ok()) return users.status();
  // 1.2: roles come from roles.csv (userSourcedId, role, orgSourcedId).
  std::unordered_map<std::string,
                     std::pair<std::string, std::vector<std::string>>>
      roles;
  if (const auto* bytes = find("roles.csv")) {
    auto rt = ReadTable("roles.csv", *bytes, hash, roster.issues);
    if (rt.ok())
      for (const auto& r : rt->rows) {
        auto& e = roles[rt->Val(r, "userSourcedId")];
        std::string role = rt->Val(r, "role");
        if (e.first.empty() || rt->Val(r, "roleType") == "primary")
          e.first = role;
        std::string org = rt->Val(r, "orgSourcedId");
        if (!org.empty()) e.second.push_back(org);
      }
  }
  const Table& u = *users;
  for (const char* col : {"sourcedId", "givenName", "familyName"})
    if (!u.cols.count(col))
      return core::Status::Corrupt(path + "/users.csv:1: missing column '" +
                                   col + "'");
  std::set<std::string> seen;
  for (const auto& r : u.rows) {
    auto issue = [&](std::string m) {
      roster.issues.push_back({u.file, r.line, std::move(m)});
    };
    if (r.fields.size() < u.cols.size() / 2) {
      issue("row has " + std::to_string(r.fields.size()) +
            " fields, header has " + std::to_string(u.cols.size()));
      continue;
    }
    Person p;
    p.id = u.Val(r, "sourcedId");
    p.given = u.Val(r, "givenName");
    p.family = u.Val(r, "familyName");
    p.middle = u.Val(r, "middleName");
    p.preferred_given = u.Val(r, "preferredGivenName");
    if (p.preferred_given.empty())
      p.preferred_given = u.Val(r, "prefferedGivenName");
    if (p.id.empty()) {
      issue("no sourcedId");
      continue;
    }
    if (!seen.insert(p.id).second) {
      issue("duplicate sourcedId '" + p.id + "'");
      continue;
    }
    if (p.given.empty() || p.family.empty()) {
      issue("no givenName or familyName");
      continue;
    }
    if (u.Val(r, "status") == "tobedeleted") {
      ++roster.skipped;
      continue;
    }
    p.status = u.Val(r, "status");
    if (std::string d = u.Val(r, "dateLastModified");
        !d.empty() && !IsIsoDate(d)) {
      roster.issues.push_back(
          {u.file, r.line,
           "dateLastModified '" + d + "' is not an ISO 8601 date; ignored",
           false});
    }
    p.enabled = u.Val(r, "enabledUser") != "FALSE" &&
                u.Val(r, "enabledUser") != "false";
    p.username = u.Val(r, "username");
    p.email = u.Val(r, "email");
    if (!p.email.empty() && !core::LooksLikeEmail(p.email)) {
      roster.issues.push_back({u.file, r.line,
                               "email '" + p.email +
                                   "' is not an address; "
                                   "loaded without it",
                               false});
      p.email.clear();
    }
    std::vector<std::string> org_ids = SplitList(u.Val(r, "orgSourcedIds"));
    p.role = u.Val(r, "role");
    if (auto it = roles.find(p.id); it != roles.end()) {
      if (p.role.empty()) p.role = it->second.first;
      for (auto& o : it->second.second) org_ids.push_back(o);
    }
    if (org_ids.empty()) {
      std::string primary = u.Val(r, "primaryOrgSourcedId");
      if (!primary.empty()) org_ids.push_back(primary);
    }
    if (p.role.empty()) {
      issue("no role (users.csv 'role' or roles.csv)");
      continue;
    }
    if (!kRoles.count(p.role)) {
      issue("unknown role '" + p.role + "'");
      continue;
    }
    p.student = IsStudentRole(p.role);
    if (!p.student && !IsEmployeeRole(p.role)) {  // guardians, parents
      ++roster.skipped;
      continue;
    }
    p.org_ids = org_ids;
    for (const auto& o : org_ids) {
      auto it = org_names.find(o);
      p.schools.push_back(it != org_names.end() ? it->second : o);
    }
    p.grades = u.Val(r, "grades");
    for (const auto& g : SplitList(p.grades)) {
      if (!kGrades.count(g)) {
        roster.issues.push_back({u.file, r.line,
                                 "grade '" + g +
                                     "' is not a CEDS code; "
                                     "loaded without grades",
                                 false});
        p.grades.clear();
        break;
      }
    }
    std::string ident = u.Val(r, "identifier");
    if (!ident.empty()) p.identifiers.push_back(ident);
    for (auto& x : ParseUserIds(u.Val(r, "userIds")))
      p.identifiers.push_back(x);
    roster.people.push_back(std::move(p));
  }
  roster.hash = hash.HexDigest();
  return roster;
}

}  // namespace steward::roster
