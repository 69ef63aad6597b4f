// Web-publishing permissions from the student information system's CSV.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/csv.h"
#include "core/text.h"
#include "people/loader.h"
#include "people/people.h"

namespace steward::people {

namespace {

using store::P;

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// The column each field is in, by the names an SIS export may give it.
struct Columns {
  std::optional<size_t> id, permission, captions;
};

Columns FindColumns(const std::vector<std::string>& header) {
  return {core::FindColumn(header, {"studentid", "id", "sourcedid",
                                    "studentnumber", "permid"}),
          core::FindColumn(header, {"permission", "webpermission",
                                    "publishpermission", "publishingpermission",
                                    "webpublishing", "mediarelease"}),
          core::FindColumn(header, {"photocaptions", "photocaption", "captions",
                                    "photonames", "captionpermission"})};
}

// none / limited / full as an SIS writes them; nullopt when unknown.
std::optional<std::string> ReadPermission(std::string_view raw) {
  std::string v = core::AsciiLower(Trimmed(raw));
  static const std::map<std::string, std::string> kWords = {
      {"none", "none"},
      {"no", "none"},
      {"n", "none"},
      {"denied", "none"},
      {"opt out", "none"},
      {"opt-out", "none"},
      {"limited", "limited"},
      {"limited identification", "limited"},
      {"first name and last initial", "limited"},
      {"first name only", "limited"},
      {"partial", "limited"},
      {"full", "full"},
      {"full name", "full"},
      {"yes", "full"},
      {"y", "full"}};
  auto it = kWords.find(v);
  if (it == kWords.end()) return std::nullopt;
  return it->second;
}

std::optional<bool> ReadYesNo(std::string_view raw) {
  std::string v = core::AsciiLower(Trimmed(raw));
  if (v.empty() || v == "no" || v == "n" || v == "false" || v == "0")
    return false;
  if (v == "yes" || v == "y" || v == "true" || v == "1") return true;
  return std::nullopt;
}

struct Known {
  int64_t id = 0;
  std::string permission;
  bool captions = false;
  int count = 0;  // students with this id (two sources may share one)
};

}  // namespace

core::Result<ImportReport> ImportPermissionsCsv(store::Database& db,
                                                std::string_view bytes,
                                                const std::string& file_name,
                                                const Actor& actor) {
  ImportReport report;
  report.kind = "permissions-csv";
  report.source = file_name;
  auto students = db.Query(
      "SELECT id, source_id, publish_permission, photo_captions FROM people "
      "WHERE kind = 'student'");
  if (!students.ok()) return students.status();
  std::unordered_map<std::string, Known> known;
  for (const auto& r : *students) {
    Known& k = known[r.Text(1)];
    k.id = r.Int(0);
    k.permission = r.Text(2);
    k.captions = r.Int(3) != 0;
    ++k.count;
  }
  struct Change {
    int64_t id;
    Publishing to;
  };
  std::vector<Change> changes;
  std::set<std::string> seen;
  Columns cols;
  bool header = true;
  core::Status header_error;
  std::string text = core::ToUtf8(bytes);
  auto st = core::ReadCsv(text, [&](const core::CsvRecord& r) {
    if (header) {
      header = false;
      cols = FindColumns(r.fields);
      if (!cols.id || !cols.permission) {
        header_error = core::Status::Invalid(fmt::format(
            "{}:1: the header needs a student id column and a permission "
            "column (student_id,permission,photo_captions)",
            file_name));
        return false;
      }
      return true;
    }
    if (r.fields.size() == 1 && Trimmed(r.fields[0]).empty()) return true;
    auto field = [&](std::optional<size_t> c) -> std::string {
      return c && *c < r.fields.size() ? Trimmed(r.fields[*c]) : std::string();
    };
    const std::string id = field(cols.id);
    if (id.empty()) {
      report.issues.push_back({file_name, r.line, "no student id"});
      return true;
    }
    auto permission = ReadPermission(field(cols.permission));
    if (!permission) {
      report.issues.push_back(
          {file_name, r.line,
           fmt::format("student {}: permission '{}' is not none, limited or "
                       "full",
                       core::Shown(id), core::Shown(field(cols.permission)))});
      return true;
    }
    auto captions = ReadYesNo(field(cols.captions));
    if (!captions) {
      report.issues.push_back(
          {file_name, r.line,
           fmt::format("student {}: photo_captions '{}' is not yes or no",
                       core::Shown(id), core::Shown(field(cols.captions)))});
      return true;
    }
    auto it = known.find(id);
    if (it == known.end()) {
      report.issues.push_back(
          {file_name, r.line,
           fmt::format("no student has the id '{}'", core::Shown(id))});
      return true;
    }
    if (it->second.count > 1) {
      report.issues.push_back(
          {file_name, r.line,
           fmt::format("{} students from different imports have the id '{}'; "
                       "set theirs in the portal",
                       it->second.count, core::Shown(id))});
      return true;
    }
    if (!seen.insert(id).second) {
      report.issues.push_back(
          {file_name, r.line,
           fmt::format("student {} is listed twice; the first row counts",
                       core::Shown(id))});
      return true;
    }
    if (it->second.permission == *permission &&
        it->second.captions == *captions) {
      ++report.skipped;
      return true;
    }
    changes.push_back({it->second.id, {*permission, *captions}});
    return true;
  });
  if (!header_error.ok()) return header_error;
  if (header) return core::Status::Invalid(file_name + ": empty file");
  if (!st.ok())
    report.issues.push_back({file_name, 0, "stopped reading: " + st.message()});
  report.updated = static_cast<int>(changes.size());
  const std::string now = store::NowUtc();
  auto done = db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto begun = detail::BeginRun(conn, &report, actor, now); !begun.ok())
      return begun;
    for (const Change& c : changes) {
      if (auto s = conn.Exec(
              "UPDATE people SET publish_permission = ?, photo_captions = ?, "
              "updated_at = ? WHERE id = ?",
              {P(c.to.permission), P(c.to.photo_captions ? 1 : 0), P(now),
               P(c.id)});
          !s.ok())
        return s;
    }
    std::string issues_text;
    for (const auto& i : report.issues) issues_text += i.ToString() + "\n";
    if (auto up = conn.Exec(
            "UPDATE import_runs SET accepted = ?, rejected = ?, report = ? "
            "WHERE id = ?",
            {P(report.updated + report.skipped), P(report.Rejected()),
             P(issues_text), P(report.run_id)});
        !up.ok())
      return up;
    nlohmann::json detail = {{"source", report.source},
                             {"updated", report.updated},
                             {"unchanged", report.skipped},
                             {"rejected", report.Rejected()}};
    return audit::Record(conn, actor, "people.permissions-import",
                         fmt::format("import/{}", report.run_id), detail);
  });
  if (!done.ok()) return done;
  return report;
}

}  // namespace steward::people
