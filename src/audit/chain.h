// The audit chain (D.3, Q): every administrative change and every sign-in is
// appended as an entry whose hash covers its content and the previous entry's
// hash, so an edited, removed or reordered row breaks the chain from there on.
// Corrections are new entries; nothing here updates or deletes.
//
// Append() is safe from many threads and processes: it serializes on the
// audit table inside one transaction (SQLite's write lock, PostgreSQL's table
// lock), so sequence numbers have no gaps and every entry links to the last.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace steward::audit {

struct Entry {
  int64_t seq = 0;        // 1, 2, 3 … assigned by Append
  std::string at;         // ISO-8601 UTC, assigned by Append when empty
  std::string actor;      // account name, or "system" / "cli:root"
  std::string action;     // "sign-in", "people.import", "campaign.create" …
  std::string target;     // what it acted on: "campaign/3", "account/jdoe"
  std::string detail;     // JSON object with the particulars
  std::string ip;         // client address, "" from the shell
  std::string prev_hash;  // hash of entry seq-1 ("0"*64 for the first)
  std::string hash;       // SHA-256 of prev_hash and the fields above
};

// Who acts: an account's user name, "cli:<login>" from the shell, or
// "system"; and from which address ("" from the shell). Every governance
// module takes one.
struct Actor {
  std::string name;
  std::string ip;
};

// Appends an entry for a change `actor` made, inside the caller's
// transaction; `detail` is a JSON object (null for none).
core::Status Record(store::Conn& conn, const Actor& actor, std::string action,
                    std::string target, const nlohmann::json& detail = nullptr);

// The hash an entry must carry, from its fields and prev_hash.
std::string HashOf(const Entry& e);

// Appends `e` (seq, at, prev_hash and hash are filled in) inside the caller's
// transaction, so the change it records and its entry commit together.
core::Result<Entry> Append(store::Conn& conn, Entry e);
// The same in a transaction of its own.
core::Result<Entry> Append(store::Database& db, Entry e);

struct Filter {
  std::string actor;       // exact, "" for any
  std::string action;      // prefix ("people." for every people change)
  std::string since;       // ISO date or time, inclusive
  std::string until;       // exclusive
  std::string text;        // substring of target or detail
  int64_t before_seq = 0;  // paging: entries with seq below this; 0 = newest
  int limit = 100;
};
// Newest first.
core::Result<std::vector<Entry>> List(store::Database& db, const Filter& f);

struct Verification {
  int64_t entries = 0;    // entries checked
  std::string head_hash;  // hash of the last entry: note it elsewhere to
                          // detect a truncated tail later
  std::optional<int64_t> broken_seq;  // first entry that fails, if any
  std::string reason;                 // why it fails, in words
};
// Walks the whole chain in order, in batches (bounded memory).
core::Result<Verification> Verify(store::Database& db);

}  // namespace steward::audit
