// The rulings register (A.3, G.3; docs/portal.md): the Superintendent's
// decisions on what is related to employment or appropriate, final under
// G.3. Each is numbered (its id), dated (the day it was decided), cites
// clauses, and may name the pack items it caused (rule ids) and say what
// changed in the pack, with the pack version and hash in force when it was
// issued. A ruling is never edited: it stays in force until withdrawn with
// a reason, or superseded by a later ruling (withdrawn in the same
// transaction as its successor is issued). Every step is an audit entry in
// the same transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/database.h"

namespace steward::rulings {

struct Ruling {
  int64_t id = 0;          // its number
  std::string decided_on;  // YYYY-MM-DD
  std::string title, text;
  std::vector<std::string> clauses;
  std::vector<std::string> pack_items;  // rule ids of the pack it caused
  std::string pack_change;              // what changed in the pack, words
  std::string pack_version, pack_hash;  // the pack in force when issued
  std::string issued_by, issued_at;
  int64_t supersedes = 0;  // the ruling it replaced, 0 for none
  std::string state;       // in-force, withdrawn
  std::string withdrawn_by, withdrawn_at, withdraw_reason;
};

struct NewRuling {
  std::string decided_on, title, text;
  std::vector<std::string> clauses;  // checked against the pack by callers
  std::vector<std::string> pack_items;
  std::string pack_change, pack_version, pack_hash;
  int64_t supersedes = 0;
  // The District's day (YYYY-MM-DD, its time zone), past which a ruling
  // cannot be dated; "" : the day in UTC.
  std::string today;
};

// Issues a ruling; returns its number. The words must say something (title
// up to 200 characters, text up to 8,000, the pack change up to 2,000;
// valid UTF-8 without control or direction characters); decided_on a real
// day from 2000 that is not in the future; at least one clause; a clause
// or pack rule named twice is kept once. A ruling it supersedes must be in
// force; it is withdrawn with "superseded by N". The audit entry holds the
// SHA-256 of the text and the pack change, so an edit in the store shows.
core::Result<int64_t> Issue(store::Database& db, const NewRuling& r,
                            const audit::Actor& actor);

// Withdraws a ruling in force, with its reason (required).
core::Status Withdraw(store::Database& db, int64_t id,
                      const std::string& reason, const audit::Actor& actor);

struct Filter {
  std::string state;   // "" any; "in-force", "withdrawn"
  std::string clause;  // "" any: only those citing this clause
  int limit = 100;
  int64_t before_id = 0;  // keyset paging, newest first
};
core::Result<std::vector<Ruling>> List(store::Database& db, const Filter& f);
core::Result<Ruling> Get(store::Database& db, int64_t id);  // NotFound

}  // namespace steward::rulings
