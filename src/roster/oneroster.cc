#include "roster/oneroster.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/csv.h"
#include "core/hash.h"
#include "core/snapshot.h"
#include "core/text.h"

namespace steward::roster {

namespace fs = std::filesystem;

std::string RosterIssue::ToString() const {
  return file + ":" + std::to_string(line) + ": " + message;
}

namespace {

// A CSV file's header: its columns by name.
struct Header {
  std::string file;
  std::unordered_map<std::string, size_t> cols;
  // The column named `col`; SIZE_MAX when there is none.
  size_t At(const std::string& col) const {
    auto it = cols.find(col);
    return it == cols.end() ? SIZE_MAX : it->second;
  }
};

// Field `at` of `r` (a column from Header::At), or "" when it is absent.
const std::string& Val(const core::CsvRecord& r, size_t at) {
  static const std::string kEmpty;
  return at < r.fields.size() ? r.fields[at] : kEmpty;
}

constexpr size_t kMaxFile = size_t{1} << 30;

// The CSV files of an export, by lower-cased file name: from a folder, or
// from a zip (at any depth, as exports are often zipped with their folder).
// A folder's files are mapped, not copied: when the export's snapshot is
// in the cache they are only hashed.
struct FileBytes {
  std::string owned;                       // read out of a zip
  std::optional<core::MappedFile> mapped;  // a file of a folder
  std::string_view view() const { return mapped ? mapped->data() : owned; }
};
using Files = std::map<std::string, FileBytes>;

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
    files[name].owned = std::move(bytes);
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
    auto data = core::MappedFile::Open(e.path().string());
    if (!data.ok()) return data.status();
    if (data->data().size() > kMaxFile)
      return core::Status::Limit(e.path().string() + ": larger than 1 GiB");
    files[name].mapped = std::move(data).value();
  }
  if (ec) return core::Status::Io(dir + ": " + ec.message());
  return files;
}

// Reads `data` (CSV named `name`) row by row: `row` sees each record after
// the header, with the header, while the parser holds it (no row is kept,
// so a password column never outlives its row). `header`, when given, sees
// the header first (an empty one when the file has none); an error from it
// stops the reading and is returned. A file that stops parsing is an issue;
// the rows before it count.
core::Status ReadRows(
    const std::string& name, std::string_view data,
    std::vector<RosterIssue>& issues,
    const std::function<void(const Header&, const core::CsvRecord&)>& row,
    const std::function<core::Status(const Header&)>& header_check = nullptr) {
  Header h;
  h.file = name;
  bool header = true;
  core::Status refused;
  std::string text = core::ToUtf8(data);
  core::Status st = core::ReadCsv(text, [&](const core::CsvRecord& r) {
    if (header) {
      header = false;
      for (size_t i = 0; i < r.fields.size(); ++i) {
        std::string col = r.fields[i];
        while (!col.empty() && (col.back() == ' ' || col.back() == '\r'))
          col.pop_back();
        if (!col.empty()) h.cols.emplace(col, i);
      }
      if (header_check) refused = header_check(h);
      return refused.ok();
    }
    if (r.fields.size() == 1 && r.fields[0].empty()) return true;  // blank
    row(h, r);
    return true;
  });
  if (header && header_check) refused = header_check(h);
  if (!refused.ok()) return refused;
  if (!st.ok())
    issues.push_back({h.file, 0, "stopped reading: " + st.message()});
  return core::Status::Ok();
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

core::Result<Roster> LoadOneRoster(const std::string& path,
                                   const std::string& cache_dir) {
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
  auto find = [&](const char* lower) -> std::optional<std::string_view> {
    auto it = files.find(lower);
    if (it == files.end()) return std::nullopt;
    return it->second.view();
  };
  if (!find("users.csv")) {
    return core::Status::NotFound(
        path + ": no users.csv (is this a OneRoster export folder or zip?)");
  }
  // The hash covers the files in this order (compiled caches are keyed by
  // it), whatever order they are read in.
  for (const char* f : {"manifest.csv", "orgs.csv", "users.csv", "roles.csv"})
    if (const auto bytes = find(f)) hash.Update(*bytes);
  const std::string hex = hash.HexDigest();
  fs::path snapshot;
  if (!cache_dir.empty()) {
    snapshot = fs::path(cache_dir) / ("roster-" + hex + ".snap");
    if (auto data = core::MappedFile::Open(snapshot.string()); data.ok()) {
      auto cached = FromSnapshot(data->data());
      if (cached.ok() && cached->hash == hex) return cached;
    }
  }
  roster.version = "1.1";
  if (const auto bytes = find("manifest.csv")) {
    (void)ReadRows("manifest.csv", *bytes, roster.issues,
                   [&](const Header& h, const core::CsvRecord& r) {
                     const std::string& prop = Val(r, h.At("propertyName"));
                     if (prop == "oneroster.version") {
                       roster.version = Val(r, h.At("value"));
                     } else if (prop == "file.users") {
                       roster.delta = Val(r, h.At("value")) == "delta";
                     }
                   });
  }
  std::unordered_map<std::string, std::string> org_names;
  if (const auto bytes = find("orgs.csv")) {
    std::vector<std::pair<uint32_t, std::string>> parents;  // line, parent
    (void)ReadRows("orgs.csv", *bytes, roster.issues,
                   [&](const Header& h, const core::CsvRecord& r) {
                     Org o{Val(r, h.At("sourcedId")), Val(r, h.At("name")),
                           Val(r, h.At("type")),
                           Val(r, h.At("parentSourcedId"))};
                     if (!o.parent_id.empty())
                       parents.emplace_back(r.line, o.parent_id);
                     if (o.id.empty() || o.name.empty()) {
                       roster.issues.push_back(
                           {h.file, r.line, "org without sourcedId or name"});
                       return;
                     }
                     org_names[o.id] = o.name;
                     roster.orgs.push_back(std::move(o));
                   });
    // A parent named but not exported is reported; the org still loads.
    for (const auto& [line, parent] : parents)
      if (!org_names.count(parent))
        roster.issues.push_back(
            {"orgs.csv", line,
             "parentSourcedId '" + parent +
                 "' is not in orgs.csv; loaded without a parent",
             false});
  }
  // 1.2: roles come from roles.csv (userSourcedId, role, orgSourcedId).
  std::unordered_map<std::string,
                     std::pair<std::string, std::vector<std::string>>>
      roles;
  if (const auto bytes = find("roles.csv")) {
    (void)ReadRows(
        "roles.csv", *bytes, roster.issues,
        [&](const Header& h, const core::CsvRecord& r) {
          auto& e = roles[Val(r, h.At("userSourcedId"))];
          const std::string& role = Val(r, h.At("role"));
          if (e.first.empty() || Val(r, h.At("roleType")) == "primary")
            e.first = role;
          const std::string& org = Val(r, h.At("orgSourcedId"));
          if (!org.empty()) e.second.push_back(org);
        });
  }
  const std::string_view users = *find("users.csv");
  roster.people.reserve(
      static_cast<size_t>(std::count(users.begin(), users.end(), '\n')));
  std::unordered_set<std::string> seen;
  // The columns, found once from the header.
  struct Cols {
    size_t id, given, family, middle, preferred, preffered, status, modified,
        enabled, username, email, orgs, role, primary, grades, identifier,
        user_ids;
  };
  std::optional<Cols> c;
  auto header = [&](const Header& u) -> core::Status {
    for (const char* col : {"sourcedId", "givenName", "familyName"})
      if (!u.cols.count(col))
        return core::Status::Corrupt(path + "/users.csv:1: missing column '" +
                                     col + "'");
    c = Cols{u.At("sourcedId"),
             u.At("givenName"),
             u.At("familyName"),
             u.At("middleName"),
             u.At("preferredGivenName"),
             u.At("prefferedGivenName"),
             u.At("status"),
             u.At("dateLastModified"),
             u.At("enabledUser"),
             u.At("username"),
             u.At("email"),
             u.At("orgSourcedIds"),
             u.At("role"),
             u.At("primaryOrgSourcedId"),
             u.At("grades"),
             u.At("identifier"),
             u.At("userIds")};
    seen.reserve(roster.people.capacity());
    return core::Status::Ok();
  };
  core::Status users_read = ReadRows(
      "users.csv", users, roster.issues,
      [&](const Header& u, const core::CsvRecord& r) {
        auto issue = [&](std::string m) {
          roster.issues.push_back({u.file, r.line, std::move(m)});
        };
        if (r.fields.size() < u.cols.size() / 2) {
          issue("row has " + std::to_string(r.fields.size()) +
                " fields, header has " + std::to_string(u.cols.size()));
          return;
        }
        Person p;
        p.id = Val(r, c->id);
        p.given = Val(r, c->given);
        p.family = Val(r, c->family);
        p.middle = Val(r, c->middle);
        p.preferred_given = Val(r, c->preferred);
        if (p.preferred_given.empty()) p.preferred_given = Val(r, c->preffered);
        if (p.id.empty()) {
          issue("no sourcedId");
          return;
        }
        if (!seen.insert(p.id).second) {
          issue("duplicate sourcedId '" + p.id + "'");
          return;
        }
        if (p.given.empty() || p.family.empty()) {
          issue("no givenName or familyName");
          return;
        }
        if (Val(r, c->status) == "tobedeleted") {
          ++roster.skipped;
          return;
        }
        p.status = Val(r, c->status);
        if (const std::string& d = Val(r, c->modified);
            !d.empty() && !IsIsoDate(d)) {
          roster.issues.push_back(
              {u.file, r.line,
               "dateLastModified '" + d + "' is not an ISO 8601 date; ignored",
               false});
        }
        const std::string& enabled = Val(r, c->enabled);
        p.enabled = enabled != "FALSE" && enabled != "false";
        p.username = Val(r, c->username);
        p.email = Val(r, c->email);
        if (!p.email.empty() && !core::LooksLikeEmail(p.email)) {
          roster.issues.push_back({u.file, r.line,
                                   "email '" + p.email +
                                       "' is not an address; "
                                       "loaded without it",
                                   false});
          p.email.clear();
        }
        std::vector<std::string> org_ids = SplitList(Val(r, c->orgs));
        p.role = Val(r, c->role);
        if (auto it = roles.find(p.id); it != roles.end()) {
          if (p.role.empty()) p.role = it->second.first;
          for (auto& o : it->second.second) org_ids.push_back(o);
        }
        if (org_ids.empty()) {
          const std::string& primary = Val(r, c->primary);
          if (!primary.empty()) org_ids.push_back(primary);
        }
        if (p.role.empty()) {
          issue("no role (users.csv 'role' or roles.csv)");
          return;
        }
        if (!kRoles.count(p.role)) {
          issue("unknown role '" + p.role + "'");
          return;
        }
        p.student = IsStudentRole(p.role);
        if (!p.student && !IsEmployeeRole(p.role)) {  // guardians, parents
          ++roster.skipped;
          return;
        }
        for (const auto& o : org_ids) {
          auto it = org_names.find(o);
          p.schools.push_back(it != org_names.end() ? it->second : o);
        }
        p.org_ids = std::move(org_ids);
        p.grades = Val(r, c->grades);
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
        const std::string& ident = Val(r, c->identifier);
        if (!ident.empty()) p.identifiers.push_back(ident);
        for (auto& x : ParseUserIds(Val(r, c->user_ids)))
          p.identifiers.push_back(std::move(x));
        roster.people.push_back(std::move(p));
      },
      header);
  if (!users_read.ok()) return users_read;
  // A file cut short by its writer while it was read was read as zeros past
  // its new end (core::MappedFile): the roster would lack its people.
  for (const auto& [name, bytes] : files) {
    if (bytes.mapped && bytes.mapped->cut_at() < bytes.view().size()) {
      return core::Status::Io((fs::path(path) / name).string() +
                              ": the file shrank while it was read; load the "
                              "roster again once the export is written");
    }
  }
  roster.hash = hex;
  if (!snapshot.empty()) {
    // A cache that cannot be written costs the next run a fresh read only.
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (core::WriteFileAtomic(snapshot.string(), SnapshotOf(roster)).ok())
      core::KeepNewest(cache_dir, "roster-", 3);
  }
  return roster;
}

core::Result<Roster> LoadOneRoster(const std::string& path) {
  return LoadOneRoster(path, "");
}

namespace {
constexpr std::string_view kSnapshotKind = "oneroster";
constexpr uint32_t kSnapshotVersion = 1;
}  // namespace

std::string SnapshotOf(const Roster& r) {
  core::SnapshotWriter w(kSnapshotKind, kSnapshotVersion);
  w.Str(r.version);
  w.U64(r.delta);
  w.U64(static_cast<uint64_t>(r.skipped));
  w.Str(r.hash);
  w.U64(r.people.size());
  for (const Person& p : r.people) {
    for (const std::string* f :
         {&p.id, &p.given, &p.middle, &p.family, &p.preferred_given, &p.role,
          &p.grades, &p.email, &p.username, &p.status})
      w.Str(*f);
    w.U64(p.student | (p.enabled ? 2 : 0));
    w.Strs(p.schools);
    w.Strs(p.identifiers);
    w.Strs(p.org_ids);
  }
  w.U64(r.orgs.size());
  for (const Org& o : r.orgs)
    for (const std::string* f : {&o.id, &o.name, &o.type, &o.parent_id})
      w.Str(*f);
  w.U64(r.issues.size());
  for (const RosterIssue& i : r.issues) {
    w.Str(i.file);
    w.U64(i.line);
    w.Str(i.message);
    w.U64(i.rejected);
  }
  return w.Finish();
}

core::Result<Roster> FromSnapshot(std::string_view data) {
  core::SnapshotReader in(data, kSnapshotKind, kSnapshotVersion);
  Roster r;
  uint64_t n = 0, v = 0;
  // Every count is checked against the bytes left before anything is
  // reserved: each entry takes at least 8 bytes.
  auto count = [&](uint64_t* c) { return in.U64(c) && *c <= data.size() / 8; };
  bool ok = in.Str(&r.version) && in.U64(&v) && (r.delta = v != 0, true) &&
            in.U64(&v) && (r.skipped = static_cast<int>(v), true) &&
            in.Str(&r.hash) && count(&n);
  if (ok) r.people.resize(n);
  for (size_t k = 0; ok && k < r.people.size(); ++k) {
    Person& p = r.people[k];
    for (std::string* f :
         {&p.id, &p.given, &p.middle, &p.family, &p.preferred_given, &p.role,
          &p.grades, &p.email, &p.username, &p.status})
      ok = ok && in.Str(f);
    ok = ok && in.U64(&v);
    p.student = v & 1;
    p.enabled = (v & 2) != 0;
    ok = ok && in.Strs(&p.schools) && in.Strs(&p.identifiers) &&
         in.Strs(&p.org_ids);
  }
  ok = ok && count(&n);
  if (ok) r.orgs.resize(n);
  for (size_t k = 0; ok && k < r.orgs.size(); ++k) {
    Org& o = r.orgs[k];
    for (std::string* f : {&o.id, &o.name, &o.type, &o.parent_id})
      ok = ok && in.Str(f);
  }
  ok = ok && count(&n);
  if (ok) r.issues.resize(n);
  for (size_t k = 0; ok && k < r.issues.size(); ++k) {
    RosterIssue& i = r.issues[k];
    ok = in.Str(&i.file) && in.U64(&v) &&
         (i.line = static_cast<uint32_t>(v), true) && in.Str(&i.message) &&
         in.U64(&v);
    i.rejected = v != 0;
  }
  if (!ok || !in.Done())
    return core::Status::Corrupt("not a roster snapshot of this version");
  return r;
}

}  // namespace steward::roster
