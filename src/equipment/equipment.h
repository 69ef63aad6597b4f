// The equipment register (R, K.7, K.8; docs/portal.md): each asset the
// District issues (tag, serial, model, category, site, status, purchase and
// end-of-life days), who holds it, and everything that happened to it.
//
// An asset is issued to an employee (a person of the people register); the
// employee acknowledges the pack's equipment terms with the same evidence as
// the annual acknowledgement (opened, accepted, the terms' SHA-256, time,
// address). It comes back with its condition, or is reported lost, stolen
// or damaged, with a charge to the holder when the pack allows it (R); a
// charge is owed until paid or waived. An asset is retired at the end of
// its life (K.8). Every change is an event of the asset's history, written
// in the change's transaction with its audit entry; nothing is purged.
//
// Each change is one guarded UPDATE on the asset's status, so two people
// issuing or returning the same asset at once cannot both succeed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/database.h"

namespace steward::equipment {

// in-stock, issued, lost, stolen, damaged, retired.
bool KnownStatus(std::string_view s);

struct Asset {
  int64_t id = 0;
  std::string tag, serial, model, category, manufacturer, site;
  std::string status;
  std::string purchased_on, eol_on;  // YYYY-MM-DD or ""
  std::string cost;                  // "1234.50" or ""
  int64_t holder = 0;                // the person holding it, 0 for none
  std::string holder_name;           // their name, for listings
  int64_t issue_id = 0;              // the issue in effect, 0 for none
  std::string notes, added_at;
};

struct NewAsset {
  std::string tag, serial, model, category, manufacturer, site;
  std::string purchased_on, eol_on, cost, notes;
};
// Adds an asset in stock. A tag (one line, letters, digits and - _ . /, at
// most 64, unique), a model or a category, days that exist, a cost of
// 0..10,000,000 with at most two decimals; the end of life after purchase.
core::Result<int64_t> Add(store::Database& db, const NewAsset& a,
                          const audit::Actor& actor);

// Corrects an asset's description (tag, serial, model, ...; not its status
// or holder), checked as Add() checks it; a retired asset's is final. The
// history names the fields that changed; the audit entry keeps each one's value
// before and after. Nothing changed: nothing written. NotFound; Invalid for a
// field or a tag taken.
core::Status Edit(store::Database& db, int64_t id, const NewAsset& a,
                  const audit::Actor& actor);

struct ImportReport {
  int created = 0, updated = 0, issued = 0, rejected = 0;
  std::vector<std::string> problems;  // "FILE:LINE: what is wrong"
  std::string Summary() const;
};
// Reads a CSV export in Snipe-IT's asset layout (Asset Tag, Name, Serial,
// Model, Model Number, Category, Manufacturer, Location, Status, Purchase
// Date, Purchase Cost, EOL Date, Checked Out To: Username / Email, Asset
// Notes; columns matched without case, spaces or punctuation; others
// ignored). Tags are compared without case. A known tag is updated (not its
// holder or status), a new one added; a row checked out to an employee
// found by user name or address is issued to them (their acknowledgement
// waits) — one who is no longer employed too, so the offboarding list shows
// it. A bad row, or a tag a second time, is named with its line and
// skipped; the rest load, written 500 rows a transaction. At most 200,000
// rows.
core::Result<ImportReport> ImportSnipeIt(store::Database& db,
                                         std::string_view bytes,
                                         const std::string& file,
                                         const std::string& terms_sha256,
                                         const audit::Actor& actor);

struct Issue {
  int64_t id = 0, asset_id = 0, holder = 0;
  std::string holder_name;
  // The asset as the holder was asked to accept it (corrected while the
  // issue waits; kept as accepted after).
  std::string asset_tag, asset_serial, asset_model;
  std::string issued_by, issued_at;
  std::string terms_sha256;
  std::string state;  // waiting, accepted, returned, superseded
  std::string opened_at, opened_from, accepted_at, accepted_from;
  std::string returned_at, returned_by, condition;
};

// The active employee a person means by `who`: a user name or an address
// (any case); NotFound, or Invalid when it names several.
core::Result<int64_t> FindEmployee(store::Database& db, const std::string& who);

// Issues an asset in stock to an active employee (person id); the
// acknowledgement of the terms whose SHA-256 is given waits.
core::Result<int64_t> IssueTo(store::Database& db, int64_t asset_id,
                              int64_t person, const std::string& terms_sha256,
                              const audit::Actor& actor);
// The holder opened the terms (the first time is kept).
core::Status Opened(store::Database& db, int64_t issue_id, int64_t person,
                    const audit::Actor& actor);
// The holder accepts the terms they were shown: `terms_sha256` must be the
// one the issue asks for (the pack's terms changed: Invalid). `shown`, when
// not empty, is the DetailsMark of the issue as the page showed it: the
// asset's details corrected since (or while this runs) are Invalid, as the
// holder would accept what they did not see.
core::Status Accept(store::Database& db, int64_t issue_id, int64_t person,
                    const std::string& terms_sha256, const audit::Actor& actor,
                    const std::string& shown = "");
// What identifies the details an issue asks the holder to accept (its
// asset's tag, serial and model), for a page to send back with the
// acceptance.
std::string DetailsMark(const Issue& issue);
// Back in stock (condition "good", "fair" or "poor") or, when "damaged",
// damaged; a note optional. `issue`: the issue the person saw on the page;
// when it is no longer the one in effect, Invalid (0: any).
core::Status Return(store::Database& db, int64_t asset_id,
                    const std::string& condition, const std::string& note,
                    int64_t issue, const audit::Actor& actor);

struct Charge {
  int64_t id = 0, asset_id = 0, holder = 0;
  std::string holder_name, asset_tag;
  std::string amount, reason, state;  // owed, paid, waived
  std::string made_by, made_at, settled_by, settled_at, note;
};
// Lost, stolen or damaged (a note required), at the holder's charge when
// `amount` is given ("" for none; more than $0; only for an issued asset).
// `issue` as for Return: a charge lands on the holder the person saw.
core::Status Report(store::Database& db, int64_t asset_id,
                    const std::string& what, const std::string& note,
                    const std::string& amount, int64_t issue,
                    const audit::Actor& actor);
// A charge owed becomes paid or waived (a note required to waive).
core::Status Settle(store::Database& db, int64_t charge_id,
                    const std::string& state, const std::string& note,
                    const audit::Actor& actor);
// The holder is asked again to acknowledge the terms whose SHA-256 is
// given (the pack's terms changed): the issue in effect is closed as
// "superseded" and a new one waits, for the same holder, in one
// transaction. Only for an issued asset whose issue asks other terms.
core::Result<int64_t> AskAgain(store::Database& db, int64_t asset_id,
                               const std::string& terms_sha256,
                               const audit::Actor& actor);
// Retired at the end of its life (K.8), with a reason; not while issued.
core::Status Retire(store::Database& db, int64_t asset_id,
                    const std::string& reason, const audit::Actor& actor);

struct Filter {
  std::string status;     // "" any
  int64_t holder = 0;     // 0 any
  std::string site;       // "" any
  std::string eol_by;     // "" any; else end of life on or before this day,
                          // not retired (K.8)
  std::string text;       // "" any; in tag, serial or model
  bool departed = false;  // held by people no longer employed (offboarding;
                          // on leave is still employed)
  int limit = 100;
  int64_t before_id = 0;
};
core::Result<std::vector<Asset>> List(store::Database& db, const Filter& f);
core::Result<int64_t> Count(store::Database& db, const Filter& f);
core::Result<Asset> Get(store::Database& db, int64_t id);  // NotFound

struct Event {
  std::string at, actor, what, text;
  std::string holder_name;
};
core::Result<std::vector<Event>> History(store::Database& db, int64_t asset_id);
core::Result<std::vector<Issue>> IssuesOf(store::Database& db, int64_t person);
core::Result<Issue> GetIssue(store::Database& db, int64_t id);    // NotFound
core::Result<Charge> GetCharge(store::Database& db, int64_t id);  // NotFound
// The newest 1,000 charges in `state` ("" any), of one asset when given.
core::Result<std::vector<Charge>> Charges(store::Database& db,
                                          const std::string& state,
                                          int64_t asset_id = 0);
// How many charges are in `state`.
core::Result<int64_t> CountCharges(store::Database& db,
                                   const std::string& state);

}  // namespace steward::equipment
