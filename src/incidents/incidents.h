// The incidents register (K.2, M, C.19; docs/portal.md): what the doors
// open (repeated conduct, refused uploads, each try an event of its own)
// and what employees report, each with its kind, clauses, severity,
// assignee and state — new, triage, investigating, closed with an outcome.
// Every change is a line of the incident's timeline and an audit entry in
// the same transaction. Evidence (a held message, an audit entry) is linked
// by the SHA-256 of what it points to, and never changed or removed: the
// register has no call that would.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/database.h"

namespace steward::incidents {

// The states, in the order work moves through them.
inline constexpr std::string_view kStates[] = {"new", "triage", "investigating",
                                               "closed"};
bool IsState(std::string_view s);
inline constexpr std::string_view kSeverities[] = {"low", "medium", "high"};
bool IsSeverity(std::string_view s);

struct Incident {
  int64_t id = 0;
  std::string opened_at, status, kind;
  std::vector<std::string> clauses;
  std::string subject_person;  // whom a door's incident is about
  std::string detail;          // JSON from the door, or the report
  std::string severity, assignee, outcome, closed_at;
  std::string reported_by;  // "" from a door, or an anonymous report
  std::string summary;      // a report's words; a door's: what happened
  std::string last_at;
  int64_t repeats = 0;
};

struct Filter {
  std::string status;    // "" any; "open": any but closed
  std::string assignee;  // "" any
  std::string reported_by;
  int limit = 100;
  int64_t before_id = 0;  // keyset paging, newest first
};

// A line of an incident's timeline: the door's events, the register's
// changes, notes and evidence, in time order.
struct Event {
  std::string at, actor, what, text;
  std::string reference;  // a door's reference (its block page showed it)
};

struct Evidence {
  std::string kind;  // "held-message", "audit-entry"
  std::string ref;   // "quarantine/12", "audit/345"
  std::string sha256;
  std::string added_by, added_at;
};

// Opens an incident from a door (status new; `severity` as the kind's).
core::Result<int64_t> Open(store::Database& db, const std::string& kind,
                           const std::vector<std::string>& clauses,
                           const std::string& severity,
                           const std::string& subject_person,
                           const nlohmann::json& detail,
                           const audit::Actor& actor);

// Like Open for what repeats (the web's refused uploads): when an incident
// of `kind` with the same `key`, not closed, was opened or last added to
// within `window_hours`, the item is added to it (repeats + 1, an event,
// audit "incident.repeat") instead of opening another.
struct Ref {
  int64_t id = 0;
  bool opened = false;
};
core::Result<Ref> OpenOrRepeat(store::Database& db, const std::string& kind,
                               const std::string& key, uint32_t window_hours,
                               const std::vector<std::string>& clauses,
                               const std::string& severity,
                               const std::string& subject_person,
                               const nlohmann::json& detail,
                               const audit::Actor& actor);

// An employee's report: `kind` and `clauses` from the pack's report list,
// `summary` in their words (1 to 4,000 characters with something to read;
// control and direction-changing characters and invalid UTF-8 removed;
// longer is refused, never cut). `reporter` "" for an anonymous report: then
// the audit entry's actor is "anonymous" and no address is kept.
struct NewReport {
  std::string kind;
  std::vector<std::string> clauses;
  std::string severity;
  std::string summary;
  std::string where;  // where it happened, optional
  std::string reporter;
};
core::Result<int64_t> Report(store::Database& db, const NewReport& r,
                             const audit::Actor& actor);

core::Result<std::vector<Incident>> List(store::Database& db, const Filter& f);
core::Result<int64_t> Count(store::Database& db, const Filter& f);
core::Result<Incident> Get(store::Database& db, int64_t id);  // NotFound
core::Result<std::vector<Event>> Timeline(store::Database& db, int64_t id);
core::Result<std::vector<Evidence>> EvidenceOf(store::Database& db, int64_t id);

// A change by whoever triages. Fields left empty stay as they are; a
// closed incident changes no more; closing needs an outcome; `note`
// (optional) goes on the timeline. Invalid for a bad state or severity,
// or when nothing would change.
struct Change {
  std::string status, severity, assignee, outcome, note;
  // Whether `assignee` may hold incidents, asked inside the transaction
  // (so an account disabled meanwhile is never assigned); none: anyone.
  std::function<core::Status(store::Conn&, const std::string& assignee)>
      may_assign;
};
core::Status Update(store::Database& db, int64_t id, const Change& c,
                    const audit::Actor& actor);

// Hands back every incident not closed that is assigned to `username`
// (their account disabled, or no longer a role that triages): each becomes
// unassigned, with `why` on its timeline and one audit entry per incident,
// inside the caller's transaction. Returns how many.
core::Result<int64_t> Unassign(store::Conn& c, const std::string& username,
                               const std::string& why,
                               const audit::Actor& actor);

// Links evidence by the hash of what it points to; true when it was added,
// false when it was linked already. Invalid on a closed incident (it is
// kept as it was closed).
core::Result<bool> AddEvidence(store::Database& db, int64_t id,
                               const Evidence& evidence,
                               const audit::Actor& actor);

}  // namespace steward::incidents
