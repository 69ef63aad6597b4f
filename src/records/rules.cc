#include "records/rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.h"

namespace steward::records {

using policy::RecordsPolicy;

namespace {

bool AnyIn(const std::vector<std::string>& wanted,
           const std::vector<std::string>& have) {
  for (const auto& w : wanted)
    if (std::find(have.begin(), have.end(), w) != have.end()) return true;
  return false;
}

bool AnyFolder(const std::vector<std::string>& folders,
               std::string_view folder) {
  for (const auto& f : folders)
    if (InFolder(folder, f)) return true;
  return false;
}

// "jdoe@example.org" matches "jdoe@example.org" and "@example.org".
bool AnyAddress(const std::vector<std::string>& wanted,
                const std::vector<std::string>& have) {
  for (const auto& a : have)
    for (const auto& w : wanted) {
      if (a == w) return true;
      if (!w.empty() && w[0] == '@' && a.size() > w.size() &&
          a.compare(a.size() - w.size(), w.size(), w) == 0)
        return true;
    }
  return false;
}

bool Covers(const RecordsPolicy::Retention& r, const RetentionFacts& f) {
  if (!r.classes.empty() && std::find(r.classes.begin(), r.classes.end(),
                                      f.record_class) == r.classes.end())
    return false;
  if (!r.folders.empty() && !AnyFolder(r.folders, f.folder)) return false;
  if (!r.categories.empty() && !AnyIn(r.categories, f.categories)) return false;
  return true;
}

}  // namespace

bool InFolder(std::string_view folder, std::string_view rule_folder) {
  auto inbox = [](std::string_view s) {
    return s.size() >= 5 && core::AsciiLower(s.substr(0, 5)) == "inbox" &&
           (s.size() == 5 || s[5] == '/');
  };
  if (inbox(rule_folder) && rule_folder.size() == 5) return inbox(folder);
  if (folder.size() < rule_folder.size()) return false;
  if (folder.compare(0, rule_folder.size(), rule_folder) != 0) return false;
  return folder.size() == rule_folder.size() ||
         folder[rule_folder.size()] == '/';
}

Classified Classify(const RecordsPolicy& rules, const ClassFacts& f) {
  Classified out;
  const RecordsPolicy::ClassRule* best = nullptr;
  for (const auto& r : rules.classes) {
    if (!r.folders.empty() && !AnyFolder(r.folders, f.folder)) continue;
    if (!r.addresses.empty() && !AnyAddress(r.addresses, f.addresses)) continue;
    if (!r.categories.empty() && !AnyIn(r.categories, f.categories)) continue;
    if (!best || r.record_class > best->record_class) best = &r;
  }
  if (!best) {
    out.record_class = rules.default_class;
    out.reason = "no [[records.class]] rule matches: the pack's default";
    return out;
  }
  out.record_class = best->record_class;
  out.rule = best->name;
  out.reason =
      best->reason.empty() ? "rule '" + best->name + "'" : best->reason;
  return out;
}

Decision Decide(const RecordsPolicy& rules, const RetentionFacts& f,
                Day today) {
  Decision d;
  // 1. Holds.
  if (!f.holds.empty()) {
    d.reason = "on hold: " + f.holds.front();
    if (f.holds.size() > 1)
      d.reason += fmt::format(" and {} more", f.holds.size() - 1);
    return d;
  }
  // 2. The statutory floor.
  switch (f.record_class) {
    case RecordClass::kClass1:
      d.reason = "Class 1: kept permanently (5 CCR 16023)";
      return d;
    case RecordClass::kClass2:
      d.reason = "Class 2: kept until reclassified (5 CCR 16024)";
      return d;
    case RecordClass::kContinuing:
      d.reason = "continuing: in use, not yet classified (5 CCR 16022)";
      return d;
    case RecordClass::kUnclassified:
      d.reason = "unclassified: kept until a custodian classifies it";
      return d;
    case RecordClass::kClass3:
      break;
  }
  if (!f.made_known) {
    d.reason = "Class 3, but the day it was made is not known: kept";
    return d;
  }
  Day keep_until = Class3From(f.made);  // the first day past every keep
  std::string keep_why =
      fmt::format("Class 3 of {}: not before {} (5 CCR 16026)",
                  SchoolYearName(SchoolYearOf(f.made)), FormatDay(keep_until));
  if (f.audit_done && AuditFrom(*f.audit_done) > keep_until) {
    keep_until = AuditFrom(*f.audit_done);
    keep_why = fmt::format(
        "basic to an audit completed {}: not before {} "
        "(Education Code 35254)",
        FormatDay(*f.audit_done), FormatDay(keep_until));
  }
  // 3. Keeping beats deleting; the longest keep wins.
  if (f.is_mail && f.made + rules.archive_days > keep_until) {
    keep_until = f.made + rules.archive_days;
    keep_why = fmt::format("archived mail: kept {} days, until {} (D.2)",
                           rules.archive_days, FormatDay(keep_until));
  }
  for (const auto& r : rules.retention) {
    if (r.keep_days == 0 || !Covers(r, f)) continue;
    if (f.made + r.keep_days > keep_until) {
      keep_until = f.made + r.keep_days;
      keep_why = fmt::format("kept by rule '{}' until {}", r.name,
                             FormatDay(keep_until));
    }
  }
  // 4. Deletion: explicit over implicit, then the shortest.
  const RecordsPolicy::Retention* del = nullptr;
  for (const auto& r : rules.retention) {
    if (r.delete_after_days == 0 || !Covers(r, f)) continue;
    if (!del || (r.Explicit() && !del->Explicit()) ||
        (r.Explicit() == del->Explicit() &&
         r.delete_after_days < del->delete_after_days))
      del = &r;
  }
  std::optional<Day> delete_at;
  std::string delete_why;
  if (del) {
    delete_at = f.made + del->delete_after_days;
    d.delete_rule = del->name;
    delete_why = fmt::format("rule '{}' disposes of it after {} days",
                             del->name, del->delete_after_days);
  } else if (f.is_mail) {
    delete_at = f.made + rules.purge_after_days;
    d.delete_rule = "mailbox purge";
    delete_why = fmt::format("mailbox purge after {} days (D.2)",
                             rules.purge_after_days);
  }
  if (!delete_at) {
    d.reason = keep_why + "; no rule disposes of it";
    return d;
  }
  d.from = std::max(keep_until, *delete_at);
  d.deletable = today >= *d.from;
  if (*delete_at >= keep_until)
    d.reason = delete_why + fmt::format(", from {}", FormatDay(*d.from));
  else
    d.reason = delete_why + "; " + keep_why;
  return d;
}

}  // namespace steward::records
