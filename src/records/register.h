// The records register (clauses D and J): an index of the District's items
// (mail in Maildir folders and IMAP mailboxes, files in file-share folders;
// records/source.h) with their Title 5
// class, legal holds, and destruction in two phases with a tombstone for
// every item destroyed. Everything here is kept in the store, and every
// change, every access to someone's items (D.3) and every deletion is an
// entry of the audit chain written in the same transaction.
//
// Destruction (5 CCR 16027):
//   MakeList   a dry run: the items deletable today under the pack's rules,
//              each with its hash, class, school year and reason; deletes
//              nothing.
//   Approve    a second person, not the list's author, approves (or
//              refuses) it.
//   Execute    deletes only approved items whose bytes, class and holds
//              have not changed, one at a time: an intent entry is committed
//              before the file is removed and a confirm entry (and the
//              tombstone) after, so a kill at any moment leaves no deletion
//              unrecorded; Recover() finishes or undoes an interrupted one.
// Holds are checked at the moment of deletion, under the lock that placing
// a hold takes, so a hold placed while a list runs protects every item not
// yet begun.
//
// Thread-safe as the store is; one Register per process is enough.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "records/rules.h"
#include "records/source.h"
#include "store/database.h"

namespace steward::records {

struct Item {
  int64_t id = 0;
  std::string source;   // the root indexed: "/srv/mail/jdoe/Maildir"
  std::string locator;  // stable within it: "cur/1700000000.M1P2.host"
  std::string path;     // where it is now, relative to the source
  std::string kind;     // "mail" or "file"
  std::string custodian;
  // Custodians it had before a transfer (D.4), oldest first: a hold or a
  // search naming one of them still finds the item.
  std::vector<std::string> former_custodians;
  std::string folder;  // "INBOX", "Board/2024", "Finance/Budgets"
  std::string message_id, sender, subject;
  std::vector<std::string> recipients;
  std::string made_at;   // ISO-8601 UTC
  std::string made_day;  // the District's calendar day, YYYY-MM-DD
  int64_t size = 0;
  std::string sha256;
  std::vector<std::string> categories;  // the engine's findings
  RecordClass record_class = RecordClass::kUnclassified;
  std::string class_rule;  // "" : the default; "manual" : a custodian
  std::string class_reason;
  std::string audit_done;  // YYYY-MM-DD, a record basic to an audit
  std::string state;       // present, deleting, destroyed, missing
};

// "carol", or "carol (was bob, dana)" after transfers (D.4).
std::string CustodianText(const Item& item);

// What a hold covers: every condition given must hold (custodians: any of
// them; folders in any case); a hold with none is refused.
struct HoldQuery {
  std::vector<std::string> custodians;
  std::vector<std::string> addresses;  // sender or recipient; "@domain"
  std::string subject;                 // words the subject contains
  std::vector<std::string> folders;
  std::vector<std::string> categories;
  std::string since, until;  // made on or after / before (YYYY-MM-DD)
  bool Empty() const;
};

struct Hold {
  int64_t id = 0;
  std::string matter;  // "Doe v. District (2026)"
  std::string reason;
  HoldQuery query;
  std::string placed_by, placed_at;
  std::string released_by, released_at, release_reason;  // "" while active
  int64_t covers_now = 0;  // set by PlaceHold: items it covered when placed
  bool Active() const { return released_at.empty(); }
};

bool Covers(const HoldQuery& q, const Item& item);

// A condition on records_items (SQL with its parameters) true of every item
// that `q` covers and of few others, answered from the store's indexes where
// custodians or dates narrow it: Covers decides among what it selects.
struct Candidates {
  std::string sql;
  store::Params params;
};
Candidates CandidatesOf(const HoldQuery& q, store::Dialect d);

// "It covers 12 items now." — or a warning when a hold covers nothing.
std::string CoverageText(const Hold& h);

// What reading an item tells the register: the categories of its findings
// and, for a message, its header facts. The register knows nothing of the
// engine; the caller reads with it (cli: records_cmd.cc).
struct Reading {
  std::vector<std::string> categories;
  bool is_message = false;
  std::string message_id, sender, subject;
  std::vector<std::string> recipients;
  int64_t date = 0;  // the Date field, UTC seconds; 0 when none
};
using Reader = std::function<Reading(const Entry&, std::string_view bytes)>;

struct IndexReport {
  int64_t seen = 0, added = 0, changed = 0, unchanged = 0, missing = 0;
  int64_t unreadable = 0;  // files that could not be read (named in errors)
  std::vector<std::string> errors;  // "path: what is wrong", at most 100
};

struct ListItem {
  int64_t item_id = 0;
  std::string locator, sha256, folder, custodian;
  RecordClass record_class = RecordClass::kClass3;
  std::string school_year;   // "2022-23"
  std::string destroy_from;  // YYYY-MM-DD
  std::string rule;          // the deletion rule
  std::string outcome;       // "" until run: destroyed, or why it was kept
};

struct DestructionList {
  int64_t id = 0;
  std::string created_by, created_at, today;
  std::string rules;   // fingerprint of the [records] rules it was made under
  std::string status;  // waiting, approved, refused, executed
  std::string decided_by, decided_at, decision_note;
  std::vector<ListItem> items;
};

struct ExecuteReport {
  int64_t destroyed = 0, kept = 0, recovered = 0;
};

// Clause D.4: what becomes of the items of an employee who has left.
//   keep      they stay in the departed custodian's name; retention goes on
//             as before (recorded, so the register says who has left).
//   transfer  every item not destroyed passes to another custodian, who
//             answers for it from now on; the departed one is remembered
//             on each item, so holds and searches naming them still find
//             it.
//   dispose   a destruction list of those of their items the precedence
//             lets go today (held, Class 1, Class 2, continuing and
//             unclassified items, and Class 3 before its date, never); it
//             is approved by a second person like any other. What is kept
//             passes to the custodian given, if one is.
enum class Departure { kKeep, kTransfer, kDispose };
std::string_view DepartureName(Departure d);
std::optional<Departure> ParseDeparture(std::string_view s);

struct Offboarding {
  int64_t id = 0;
  std::string custodian;  // who left
  Departure action = Departure::kKeep;
  std::string to;  // who receives (transfer; dispose: what is kept)
  std::string reason, done_by, done_at, day;
  int64_t items = 0;        // theirs, not destroyed, when it was done
  int64_t transferred = 0;  // passed to `to`
  int64_t list_id = 0;      // dispose: the destruction list made; 0: none
  int64_t listed = 0;       // on that list
  // dispose: why the others are kept ("held", "class-1", "class-3 due from
  // 2029-07-02"...), with how many.
  std::map<std::string, int64_t> kept;
};

// "jdoe left (dispose): 40 items; 12 on destruction list 3, which destroys
// nothing until a second person approves it; kept: 20 class-1, 8 held; 28
// passed to ana."
std::string OffboardingText(const Offboarding& o);

class Register {
 public:
  Register(store::Database& db, policy::PackPtr pack);

  // Reads every item of `source` with `read` (the engine, for its
  // findings and a message's header facts), and records or updates it with
  // its class. Items whose bytes have not changed are not read again;
  // items gone from the source are marked missing (only when all of it was
  // listed: an unreadable folder or file says nothing). The access is an audit
  // entry naming `reason` (D.3), written before anything is read.
  // `progress` (may be empty) is called after each item with the count.
  core::Result<IndexReport> Index(
      Source& source, const std::string& custodian, const std::string& reason,
      const Reader& read, const audit::Actor& actor,
      const std::function<void(int64_t)>& progress = {});
  // The same for a folder (OpenFolder).
  core::Result<IndexReport> Index(
      const std::string& folder, const std::string& custodian,
      const std::string& reason, const Reader& read, const audit::Actor& actor,
      const std::function<void(int64_t)>& progress = {});

  struct Query {
    // custodian: theirs now, or theirs before a transfer (D.4).
    std::string custodian, state = "present", record_class;
    int limit = 100;
    int64_t after_id = 0;  // paging
  };
  // Invalid when a filter is not a word of text (invalid UTF-8, control
  // characters).
  core::Result<std::vector<Item>> Items(const Query& q);
  core::Result<Item> GetItem(int64_t id);
  // Records that `actor` read the register's items (who sent what to
  // whom is itself someone's mail: D.3), with what was asked.
  core::Status NoteRead(const audit::Actor& actor, const Query& q,
                        size_t count);

  // An item's bytes as the register holds them, for release: read from its
  // source (open_source for IMAP), checked against the SHA-256 indexed
  // (Invalid when the item changed since, or is no longer present), and
  // the access recorded with its reason (D.3).
  core::Result<std::string> ReadItem(const Item& item,
                                     const std::string& reason,
                                     const audit::Actor& actor);

  // Search for a public-records request (or a hold to come): the present
  // items a query covers (Covers), the first `limit` of them by id, how
  // many in all, and as facets how many of them carry each finding
  // category and each class. The query is checked as PlaceHold checks
  // it; an empty query is refused. The search is recorded (D.3).
  struct SearchResult {
    std::vector<Item> items;
    int64_t total = 0;
    std::map<std::string, int64_t> categories, classes;
  };
  core::Result<SearchResult> Search(const HoldQuery& q, int limit,
                                    const audit::Actor& actor);

  // A custodian's reclassification; kept over the pack's rules from then
  // on. `audit_done`: "" or YYYY-MM-DD.
  core::Status Reclassify(int64_t id, RecordClass c, const std::string& reason,
                          const std::string& audit_done,
                          const audit::Actor& actor);

  core::Result<Hold> PlaceHold(const std::string& matter,
                               const std::string& reason, const HoldQuery& q,
                               const audit::Actor& actor);
  // Releasing deletes nothing; the hold and its history stay.
  core::Status ReleaseHold(int64_t id, const std::string& reason,
                           const audit::Actor& actor);
  core::Result<std::vector<Hold>> Holds(bool include_released);
  // Active holds that cover an item (their matters).
  core::Result<std::vector<std::string>> HoldsOn(const Item& item);

  // The retention decision for an item today (its holds looked up).
  core::Result<Decision> DecisionFor(const Item& item, Day today);
  // The same for many items, the holds read once: one per item, in order.
  core::Result<std::vector<Decision>> Decisions(const std::vector<Item>& items,
                                                Day today);

  // Phase 1: a list of every present item deletable on `today` (not after
  // the District's real day), classed by the rules as they are now;
  // deletes nothing. An empty list is still made (and says so).
  // `custodian`: only that custodian's items ("" : everyone's).
  core::Result<DestructionList> MakeList(Day today, const audit::Actor& actor,
                                         const std::string& custodian = "");
  core::Result<DestructionList> GetList(int64_t id);
  core::Result<std::vector<DestructionList>> Lists(int limit);
  // Phase 2: `approver` (an account name) must not be the list's author.
  core::Status Decide(int64_t id, bool approve, const std::string& approver,
                      const std::string& note, const audit::Actor& actor);
  // Phase 3: deletes the approved list's items that are still deletable
  // on `today`, item by item; an item changed, held or no longer deletable
  // is kept, with the reason in the list.
  // `today` may not be after the District's real day. The list is claimed
  // for the run: another run of it is refused, unless `resume` says the
  // earlier run was stopped.
  core::Result<ExecuteReport> Execute(int64_t id, Day today,
                                      const audit::Actor& actor,
                                      bool resume = false);
  // Finishes deletions an interruption left between intent and confirm:
  // the file gone is confirmed, the file still there is deleted unless a
  // hold now covers it (then the deletion is cancelled).
  core::Result<int64_t> Recover(const audit::Actor& actor);

  // D.4 for `custodian` (normalised as Index does), as on `today`: the
  // transfer, the list and the audit entry in one transaction. Invalid
  // without a reason, for a custodian with no items, with `to` equal to
  // `custodian`, or for transfer without `to`. A custodian may be
  // offboarded again (a later decision: dispose after keep).
  core::Result<Offboarding> Offboard(const std::string& custodian,
                                     Departure action, const std::string& to,
                                     const std::string& reason, Day today,
                                     const audit::Actor& actor);
  core::Result<std::vector<Offboarding>> Offboardings(int limit);

  // Fingerprint of the pack's [records] rules (a list made under other
  // rules cannot be executed).
  std::string RulesFingerprint() const;
  // The District's calendar day of a UTC time in seconds, and today's.
  Day LocalDay(int64_t utc) const { return clock_.DayOf(utc); }
  Day Today() const { return clock_.Today(); }

  // How Execute and Recover reach a source other than a folder (an IMAP
  // mailbox: its credentials are the caller's). Unset: folders only.
  std::function<core::Result<std::unique_ptr<Source>>(const std::string&)>
      open_source;

  // Test hook: called between the intent and the deletion of an item.
  std::function<void(const Item&)> before_delete;

 private:
  using Sources = std::map<std::string, std::unique_ptr<Source>>;
  // `q` made canonical (custodians' names) and checked, or what is wrong.
  core::Status CheckQuery(HoldQuery& q) const;
  // Every item `q` covers, in `state` ("": any), streamed from the store.
  core::Status EachCovered(const HoldQuery& q, const std::string& state,
                           const std::function<void(Item&)>& fn);
  // What a destruction list of `custodian`'s items ("" : everyone's) would
  // hold today, unsaved; `kept` (when given) counts the others by why.
  core::Result<DestructionList> Plan(Day today, const audit::Actor& actor,
                                     const std::string& custodian,
                                     std::map<std::string, int64_t>* kept);
  core::Status SaveList(store::Conn& conn, DestructionList& list,
                        const audit::Actor& actor);
  core::Result<Source*> SourceOf(const std::string& name, Sources& open);
  core::Status Destroy(const Item& item, int64_t list_id,
                       const std::string& approved_by, const Identity& identity,
                       const audit::Actor& actor, bool recovering,
                       Sources& open);
  // The tombstone and confirm entry of a removed item.
  core::Status Confirm(const Item& item, int64_t list_id,
                       const std::string& approved_by,
                       const audit::Actor& actor, bool recovering);
  // A deletion that did not happen: the item is present again.
  core::Status Undo(const Item& item, int64_t list_id, const std::string& why,
                    const std::string& action, const audit::Actor& actor);
  // Invalid when `today` is after the District's real day.
  core::Status NotAfterToday(Day today) const;
  store::Database& db_;
  policy::PackPtr pack_;
  DistrictClock clock_;
};

RecordClass ClassOrUnclassified(std::string_view name);

// The person behind an actor's name: "jdoe (via cli:root)" is jdoe. A
// destruction list is decided by a person other than its author's.
std::string PersonOf(const std::string& actor);

}  // namespace steward::records
