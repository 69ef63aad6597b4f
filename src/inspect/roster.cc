#include "inspect/roster.h"

#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "core/csv.h"
#include "core/hash.h"
#include "core/text.h"

namespace steward::inspect {

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

core::Result<Table> ReadTable(const fs::path& file, core::Sha256& hash,
                              std::vector<RosterIssue>& issues,
                              const std::set<std::string>& skip_cols = {}) {
  auto data = core::ReadFile(file.string(), 1u << 30);
  if (!data.ok()) return data.status();
  hash.Update(*data);
  Table t;
  t.file = file.filename().string();
  std::string text = core::ToUtf8(*data);
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

core::Result<Roster> LoadOneRoster(const std::string& dir) {
  Roster roster;
  core::Sha256 hash;
  fs::path d(dir);
  std::error_code ec;
  if (!fs::exists(d / "users.csv", ec))
    return core::Status::NotFound(
        dir + ": no users.csv (is this a OneRoster export folder?)");
  roster.version = "1.1";
  if (fs::exists(d / "manifest.csv", ec)) {
    auto m = ReadTable(d / "manifest.csv", hash, roster.issues);
    if (m.ok())
      for (const auto& r : m->rows)
        if (m->Val(r, "propertyName") == "oneroster.version")
          roster.version = m->Val(r, "value");
  }
  std::unordered_map<std::string, std::string> org_names;
  if (fs::exists(d / "orgs.csv", ec)) {
    auto orgs = ReadTable(d / "orgs.csv", hash, roster.issues);
    if (orgs.ok())
      for (const auto& r : orgs->rows)
        org_names[orgs->Val(r, "sourcedId")] = orgs->Val(r, "name");
  }
  auto users = ReadTable(d / "users.csv", hash, roster.issues, {"password"});
  if (!users.ok()) return users.status();
  // 1.2: roles come from roles.csv (userSourcedId, role, orgSourcedId).
  std::unordered_map<std::string,
                     std::pair<std::string, std::vector<std::string>>>
      roles;
  if (fs::exists(d / "roles.csv", ec)) {
    auto rt = ReadTable(d / "roles.csv", hash, roster.issues);
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
      return core::Status::Corrupt(dir + "/users.csv:1: missing column '" +
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
    if (u.Val(r, "status") == "tobedeleted") continue;
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
    p.student = IsStudentRole(p.role);
    if (!p.student && !IsEmployeeRole(p.role)) continue;  // guardians, parents
    for (const auto& o : org_ids) {
      auto it = org_names.find(o);
      p.schools.push_back(it != org_names.end() ? it->second : o);
    }
    p.grades = u.Val(r, "grades");
    std::string ident = u.Val(r, "identifier");
    if (!ident.empty()) p.identifiers.push_back(ident);
    for (auto& x : ParseUserIds(u.Val(r, "userIds")))
      p.identifiers.push_back(x);
    roster.people.push_back(std::move(p));
  }
  roster.hash = hash.HexDigest();
  return roster;
}

}  // namespace steward::inspect
