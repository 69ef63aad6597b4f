// The vendor registry (E.6, E.7; docs/portal.md): each outside vendor that
// receives the District's data, the domains it is reached at, and its
// agreements. An agreement lists the data categories it allows and runs
// from its first day until the day it expires; the terms the pack's
// [vendors] requires (AB 1584's nine, in the bundled pack) are checked off
// one by one with the place in the agreement that says each, and the
// vendor's attestation (SOPIPA, E.7) is kept with who signed it.
//
// An agreement is in force on a District day (the pack's [records]
// time_zone) when it has begun, has not expired (on its expiry day it no
// longer approves), was not ended early, and is complete: every term
// checked and the attestation kept. The doors read the agreements in force
// (InForce) and approve a vendor's domains for their categories only.
//
// What an agreement says (its dates, its categories) is written once; a new
// agreement replaces an old one. Every change is an audit entry in its
// transaction. Names and words are cleaned as core::Words does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "policy/pack.h"
#include "store/database.h"

namespace steward::vendors {

struct Vendor {
  int64_t id = 0;
  std::string name, product;
  std::vector<std::string> domains;  // lower case; each with its subdomains
  std::string contact, notes;
  std::string added_by, added_at;
};

struct TermCheck {
  std::string term;      // the pack's term id
  std::string evidence;  // where the agreement says it ("section 4.2, p. 7")
  std::string by, at;
};

struct Agreement {
  int64_t id = 0;
  int64_t vendor_id = 0;
  std::string kind;  // "signed", or "general-offer" (an adopted general
                     // offer of terms, the consortium's Exhibit E)
  std::string title;
  std::string signed_on, starts_on, expires_on;  // YYYY-MM-DD
  std::vector<std::string> categories;           // the pack's
  std::vector<TermCheck> checks;
  std::string attested_by;  // the vendor's signatory, "" until kept
  std::string attested_on;  // YYYY-MM-DD
  std::string attestation_by, attestation_at;  // who kept it, when
  std::string state;                           // "active" or "ended"
  std::string ended_by, ended_at, end_reason;
  std::string added_by, added_at;
  const TermCheck* Check(const std::string& term) const {
    for (const auto& c : checks)
      if (c.term == term) return &c;
    return nullptr;
  }
};

// Where an agreement stands on a day.
enum class Standing {
  kInForce,     // approves its vendor for its categories
  kIncomplete,  // a term unchecked or the attestation missing
  kNotYet,      // begins later
  kExpired,     // its expiry day has come
  kEnded,       // ended early, with a reason
};
std::string_view StandingName(Standing s);  // "in force", "incomplete", ...

struct Position {
  Standing standing = Standing::kIncomplete;
  // What is missing: the term ids unchecked, "attestation" last.
  std::vector<std::string> missing;
  int64_t days_left = 0;  // to the expiry day, from `today`
  bool expiring = false;  // in force and within [vendors] expiring_days
};
Position PositionOf(const Agreement& a, const policy::VendorsPolicy& p,
                    const std::string& today);

// The District's day now, YYYY-MM-DD, in the pack's [records] time_zone.
std::string Today(const policy::PolicyPack& pack);

struct NewVendor {
  std::string name, product;
  std::vector<std::string> domains;
  std::string contact, notes;
};
// Adds a vendor. A name (one line, 200 characters), at least one domain;
// each domain a host name (letters, digits, '-', '.'; at least one dot; no
// IP address; not a public suffix such as co.uk), not one of the District's
// own, and no other vendor's (nor a subdomain of one, nor a parent).
// Checked inside the transaction.
core::Result<int64_t> AddVendor(store::Database& db,
                                const policy::PolicyPack& pack,
                                const NewVendor& v, const audit::Actor& actor);

struct NewAgreement {
  std::string kind = "signed";
  std::string title;
  std::string signed_on, starts_on, expires_on;
  std::vector<std::string> categories;
};
// Adds an agreement to a vendor: a kind, a title, dates that exist (signed
// by the District's today and on or before it starts; it expires after it
// starts, within 20 years), and at least one category the pack knows.
core::Result<int64_t> AddAgreement(store::Database& db,
                                   const policy::PolicyPack& pack,
                                   int64_t vendor_id, const NewAgreement& a,
                                   const audit::Actor& actor);

// Checks off a term of the pack with its evidence (required, 500
// characters); a term checked again keeps the new evidence, the old one
// stays in the audit chain. Only while the agreement is active.
core::Status CheckTerm(store::Database& db, const policy::PolicyPack& pack,
                       int64_t agreement_id, const std::string& term,
                       const std::string& evidence, const audit::Actor& actor);

// Keeps the vendor's attestation: who signed it for the vendor, and the
// day (not after `today`, the District's). Once; only while active.
core::Status Attest(store::Database& db, int64_t agreement_id,
                    const std::string& signatory, const std::string& on,
                    const std::string& today, const audit::Actor& actor);

// Ends an active agreement early with a reason (required): from now on it
// approves nothing.
core::Status End(store::Database& db, int64_t agreement_id,
                 const std::string& reason, const audit::Actor& actor);

core::Result<std::vector<Vendor>> ListVendors(store::Database& db,
                                              int limit = 1000);
core::Result<Vendor> GetVendor(store::Database& db, int64_t id);  // NotFound
// A vendor's agreements, newest first (limit 0: all).
core::Result<std::vector<Agreement>> AgreementsOf(store::Database& db,
                                                  int64_t vendor_id);
core::Result<Agreement> GetAgreement(store::Database& db,
                                     int64_t id);  // NotFound
// Every agreement of every vendor (for the registry's list), newest first.
core::Result<std::vector<Agreement>> AllAgreements(store::Database& db);

// What the doors read: for each vendor the domains, the categories its
// agreements in force on `today` allow (their union) and their titles; and
// every domain the registry knows.
struct Approval {
  std::string domain;
  std::vector<std::string> categories;
  std::string agreement;  // "<vendor>: <title> (to YYYY-MM-DD)"
};
struct InForceList {
  std::vector<Approval> approved;
  std::vector<std::string> known;
};
core::Result<InForceList> InForce(store::Database& db,
                                  const policy::VendorsPolicy& p,
                                  const std::string& today);

}  // namespace steward::vendors
