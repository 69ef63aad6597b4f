// The District's directory accounts (N.1, N.2; docs/accounts.md): read from
// OpenLDAP or Active Directory, kept in the store, and judged against the
// people register and the pack's semesters.
//
// A read (Read) lists every account under a base with paged searches (RFC
// 2696; Active Directory answers at most 1,000 entries a page). Record keeps
// it: each account by the directory's lasting id of its entry (entryUUID,
// objectGUID), what it was matched to in the people register, and every
// password change a read has seen (pwdChangedTime, pwdLastSet), so a past
// semester's report stays true after later changes. An account missing from
// a read is marked gone, never deleted. A read that changes nothing writes
// nothing but its own row and audit entry.
//
// N.1: an open account (neither disabled nor a service account of the
// pack's `[accounts] service` patterns) needs an employee who is active or
// on leave behind it. N.2: an open account of an employee needs a password
// change seen between the first and last day of the semester (days in the
// District's time zone); an account created in the semester without a
// recorded change counts from its creation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "policy/pack.h"
#include "store/database.h"

namespace steward::directory {

// How to read the directory.
struct Source {
  std::string url;       // ldap://dc.district.org, ldaps://…
  std::string bind_dn;   // "" binds anonymously
  std::string password;  // never logged or stored
  std::string base;      // ou=staff,dc=district,dc=org
  // "openldap" (uid, pwdChangedTime, pwdAccountLockedTime, entryUUID) or
  // "ad" (sAMAccountName, pwdLastSet, userAccountControl, objectGUID).
  std::string flavor = "openldap";
  std::string filter;  // "" for the flavor's person accounts
  size_t max_accounts = 1000000;
  int timeout_seconds = 120;  // for the whole read
};

// One account as the directory holds it.
struct Account {
  std::string entry_id;  // entryUUID / objectGUID (hex), else "dn:" + DN
  std::string dn, username, email, display_name;
  // False when the user name or mail held characters that were removed
  // (controls, direction marks): such an account is matched to nobody, so
  // a look-alike of an employee's name is listed under N.1.
  bool plain = true;
  bool disabled = false;   // AD's ACCOUNTDISABLE; ppolicy's permanent lock
  int64_t created_at = 0;  // UTC seconds; 0 when unknown
  // Last password change, UTC seconds; 0 when unknown or more than a day
  // ahead of the read (a clock or a value that cannot be right).
  int64_t changed_at = 0;
};

// Every account under the base. Invalid for a wrong flavor, bind
// credentials refused or an account without a user name (named by DN, in
// the message); Io when the directory cannot be reached; Limit past
// max_accounts.
core::Result<std::vector<Account>> Read(const Source& source);

// An LDAP GeneralizedTime ("20260901120000Z", "20250115000000.0Z") as UTC
// seconds; 0 for the "000001010000Z" of a lock that never ends.
core::Result<int64_t> ParseGeneralizedTime(const std::string& text);
// Active Directory's FILETIME (100 ns since 1601-01-01) as UTC seconds; 0
// for 0 ("must change at next sign-in") and values past the year 9999.
int64_t FromFiletime(int64_t filetime);

struct Recorded {
  int64_t read_id = 0;
  int64_t accounts = 0, added = 0, changed = 0, gone = 0;
};
// A read that would mark as gone more than this share (in percent) of the
// accounts last seen from the same source, or that finds no account where
// there were some, is refused and nothing changes, unless `force`: a wrong
// base or filter must not empty the lists.
struct Guard {
  int max_gone_percent = 20;
  bool force = false;
};
// Keeps a read, matched to the people register (an employee whose user name
// is the account's, or whose address is its mail or its user name at any
// domain; one that is active or on leave before one who has left), with
// the pack's service patterns. `source` names where it came from (a URL
// and base, never a password): only accounts last seen from the same
// source can be marked gone. Invalid, naming the counts, when the guard
// refuses. Audited ("directory.read").
core::Result<Recorded> Record(store::Database& db,
                              const std::vector<Account>& accounts,
                              const policy::AccountsPolicy& policy,
                              const std::string& source,
                              const audit::Actor& actor,
                              const Guard& guard = {});

struct LastRead {
  int64_t id = 0;  // 0: never read
  std::string at, source, actor;
  int64_t accounts = 0;
  std::string first_at;  // the first read's time: changes before it unseen
};
core::Result<LastRead> Latest(store::Database& db);

// What the lists show.
enum class View {
  kOpen,        // every account present and neither disabled nor a service
  kNoEmployee,  // N.1
  kStale,       // N.2 in the semester given
  kService,     // service accounts
  kDisabled,    // disabled accounts
  kGone,        // accounts missing from the latest read
};
bool ParseView(const std::string& word, View* view);
const char* ViewName(View v);

struct Query {
  View view = View::kOpen;
  // For kStale: the semester's first and last second, UTC.
  int64_t from = 0, until = 0;
  std::string text;  // in the user name, name or mail
  int limit = 50, offset = 0;
};
// The semester the reports speak of at `now` (UTC seconds), on the
// District's calendar ([records] time_zone): the one under way, else the
// latest that has ended; nullptr before the first or without [accounts].
const policy::AccountsPolicy::Semester* CurrentSemester(
    const policy::PolicyPack& pack, int64_t now);
// The semester of that name; nullptr when the pack has none.
const policy::AccountsPolicy::Semester* FindSemester(
    const policy::PolicyPack& pack, const std::string& name);

// The span of `semester` in UTC seconds, its days read in `time_zone`.
core::Status SemesterSpan(const policy::AccountsPolicy::Semester& semester,
                          const std::string& time_zone, Query* q);

struct Listed {
  int64_t id = 0;
  Account account;
  bool service = false;
  int64_t person_id = 0;                   // 0: nobody in the register
  std::string person_name, person_status;  // "" when person_id is 0
  std::string standing;  // in words: "no employee", "employee has left", …
  bool gone = false;
};
core::Result<std::vector<Listed>> List(store::Database& db, const Query& q);
core::Result<int64_t> Count(store::Database& db, const Query& q);

// The directory account of a person (their user name in the register), for
// their home page; NotFound when none was read.
core::Result<Listed> OfPerson(store::Database& db, int64_t person_id);

}  // namespace steward::directory
