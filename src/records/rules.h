// The pack's records rules applied to one item: which Title 5 class it is,
// and whether (and from which day) it may be destroyed. Pure functions of
// the pack's [records] section and the item's facts; the store, the holds'
// matching and the clock are the caller's (records/register.h).
//
// The order, strictest first (docs/records.md):
//   1. a hold that covers the item keeps it;
//   2. the statutory floor: Class 1, Class 2, continuing and unclassified
//      items are kept; a Class 3 item not before Class3From (and
//      AuditFrom for a record basic to an audit);
//   3. keeping beats deleting, and the longest keep wins (local keep rules,
//      the one-year archive of mail);
//   4. only then may a deletion rule dispose of it: an explicit rule (one
//      that names folders or categories) beats an implicit one, and among
//      those that apply the shortest wins. With no deletion rule the item
//      is kept.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/pack.h"
#include "records/calendar.h"

namespace steward::records {

using policy::RecordClass;

// What classification looks at.
struct ClassFacts {
  std::string folder;                   // "INBOX", "Board/2024"; "" for none
  std::vector<std::string> addresses;   // sender and recipients, lower case
  std::vector<std::string> categories;  // the engine's findings
};

struct Classified {
  RecordClass record_class = RecordClass::kUnclassified;
  std::string rule;    // the [[records.class]] that decided; "" : the default
  std::string reason;  // its reason, or why the default applies
};

// The class the pack's rules give: of the rules whose every condition
// holds, the one that keeps longest (the first written among equals); the
// pack's default_class when none does.
Classified Classify(const policy::RecordsPolicy& rules, const ClassFacts& f);

// Whether `folder` is `rule_folder` or one of its subfolders ("Board/2024"
// is in "Board"); "INBOX" in any case.
bool InFolder(std::string_view folder, std::string_view rule_folder);

// What retention looks at.
struct RetentionFacts {
  RecordClass record_class = RecordClass::kUnclassified;
  Day made = 0;                   // the District's calendar day
  bool made_known = true;         // false: kept, whatever the rules
  std::optional<Day> audit_done;  // a record basic to an audit
  bool is_mail = false;           // the mailbox purge and archive apply
  std::string folder;
  std::vector<std::string> categories;
  std::vector<std::string> holds;  // matters of the active holds on it
};

struct Decision {
  bool deletable = false;  // on `today`
  // The first day it may be destroyed under the rules as they stand;
  // nothing when it is kept whatever the date (a hold, its class, no rule
  // that disposes of it).
  std::optional<Day> from;
  std::string reason;       // in words, with the day and the source
  std::string delete_rule;  // the rule that disposes of it, if any
};

Decision Decide(const policy::RecordsPolicy& rules, const RetentionFacts& f,
                Day today);

}  // namespace steward::records
