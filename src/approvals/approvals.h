// The approvals register (C.8, C.12, C.13, I.4, G.2, E.6, O.1;
// docs/portal.md): requests an employee makes before doing what the
// regulation says needs consent, each of a type from the pack's
// [approvals] with the fields that type asks for, routed to the role the
// type names. States: waiting, then approved, refused (with a reason) or
// withdrawn (by the requester). What was asked is written once with the
// SHA-256 of its canonical form and never changed (the register has no call
// that would; a read says whether the fingerprint still matches). The
// requester never decides their own request, and a decision is taken once.
// Every step is an audit entry in the same transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "policy/pack.h"
#include "store/database.h"

namespace steward::approvals {

inline constexpr std::string_view kStates[] = {"waiting", "approved", "refused",
                                               "withdrawn"};
bool IsState(std::string_view s);

struct Request {
  int64_t id = 0;
  std::string type, title;  // the type's id, and its title when asked
  std::vector<std::string> clauses;
  std::string decides;  // the deciding role's pack name
  std::string requester, requested_at;
  // What was asked: field name → value, in the type's order, as JSON text.
  std::vector<std::pair<std::string, std::string>> fields;
  std::string sha256;   // of what was asked (see Fingerprint)
  bool intact = true;   // the fingerprint matches what is stored
  int64_t held_id = 0;  // a held message it names, 0 for none
  std::string state;    // waiting, approved, refused, withdrawn
  std::string decided_by, decided_at, reason;
};

struct Filter {
  std::string state;                 // "" any
  std::string requester;             // "" anyone's
  std::vector<std::string> decides;  // only these roles' ("" any)
  // When set, of the requests the "supervisor" role decides only those
  // whose requester is one of these user names (lower case; a
  // supervisor's reports') are among `decides`'. Unset: every one.
  std::optional<std::vector<std::string>> supervised;
  int limit = 100;
  int64_t before_id = 0;  // keyset paging, newest first
};

// The values of a new request, checked against its type: only the type's
// fields are kept, in its order; each required one must say something;
// each value must be of its kind (InvalidArgument naming the field's
// label and what is wrong).
core::Result<std::vector<std::pair<std::string, std::string>>> CheckFields(
    const policy::ApprovalsPolicy::Type& type,
    const std::map<std::string, std::string>& values);

// The SHA-256 of what was asked: type, requester, time and the fields.
std::string Fingerprint(const Request& r);

// A new request (state waiting); returns its id. `values` go through
// CheckFields; a held-message field's number is kept as held_id (the
// caller checks that the message is the requester's own and held).
core::Result<int64_t> Create(store::Database& db,
                             const policy::ApprovalsPolicy::Type& type,
                             const std::map<std::string, std::string>& values,
                             const std::string& requester,
                             const audit::Actor& actor);

core::Result<std::vector<Request>> List(store::Database& db, const Filter& f);
core::Result<int64_t> Count(store::Database& db, const Filter& f);
core::Result<Request> Get(store::Database& db, int64_t id);  // NotFound

// Approves or refuses a waiting request. `decider` is the account name
// (compared with the requester's, case aside: nobody decides their own);
// a refusal needs a reason (at most 2,000 characters), an approval's
// reason is optional. InvalidArgument when it is no longer waiting (taken
// by someone else meanwhile) or the rules refuse; NotFound.
core::Status Decide(store::Database& db, int64_t id, bool approve,
                    const std::string& reason, const std::string& decider,
                    const audit::Actor& actor);

// The requester takes back a request still waiting.
core::Status Withdraw(store::Database& db, int64_t id,
                      const std::string& requester, const audit::Actor& actor);

}  // namespace steward::approvals
