// The enforcement layer: what happens after a verdict, in one place that
// every enforcing door calls (the mail door today; the web gateway and the
// publishing gate next; `steward verdict` in a dry run).
//
// Apply() takes an item as a door received it and does everything the
// District's records need:
//   1. recognises a released item coming back through the door (it passes,
//      once per release);
//   2. decides (decide::DecideMessage) with the store's conduct history and
//      the vendor registry's agreements in force (vendors::InForce; kept
//      for Options::vendors_seconds, read again when the District's day
//      changes; a registry that cannot be read is a failure);
//   3. records conduct findings (C.19) and opens an incident when they
//      repeat to one recipient;
//   4. holds or quarantines the item durably (bytes before the row; the row
//      and its audit entry in one transaction);
//   5. queues the notice to the sender (a caution on warn, word of a hold),
//      only to senders inside the District and never with a value.
// On the web an upload cannot wait for a designee: a hold, a quarantine or
// a reject refuses it, and the refusal is recorded as an incident of kind
// "web-block" (the door's reference, user, host, rule, clauses, categories;
// never a value), so the reference on the block page leads to a record; a
// refusal repeated by the same user to the same host by the same rule
// within a day is an event of the open incident, not a new one.
// It returns an Outcome that the door only translates into its protocol
// (the milter: accept with header fields, discard, reject with a reply,
// tempfail; ICAP: allow, block page, warn page).
//
// Failures are values: a store that is down, a history that cannot be read
// or a hold that cannot be written gives Disposition::kFailed with the
// pack's failure action; nothing half-written is left (each write is one
// transaction; those made before the failure, conduct or an incident, stay).
// Thread-safe: one Enforcer serves every connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "decide/verdict.h"
#include "engine/engine.h"

namespace steward::store {
class Database;
}

namespace steward::enforce {

// Who sent what to whom through which door.
struct Context {
  decide::Envelope envelope;  // channel, sender, recipients, client, size
  std::string reference;      // the door's id for the item (a queue id)
  // The item came from this machine (mail re-injected by sendmail), so it
  // may be a released item coming back.
  bool local_submission = false;
};

enum class Disposition {
  kDeliver,  // let it through, with `fields` added
  kHeld,     // stored (hold or quarantine): the door drops it from its flow
  kRefused,  // reject with `reply`
  kFailed,   // could not decide or record: the door's failure action
};

struct Outcome {
  Disposition disposition = Disposition::kFailed;
  std::optional<decide::Verdict> verdict;  // absent for a released return
                                           // and for most failures
  bool released_return = false;            // a released item let through once
  // Header fields the door adds to a delivered item (X-Steward-*).
  std::vector<std::pair<std::string, std::string>> fields;
  std::string reply;  // kRefused: words for the sender, with the clauses
  int64_t held_id = 0;
  bool incident_opened = false;  // C.19 escalation (repeated conduct)
  int64_t block_incident = 0;    // the web's "web-block" incident
  // Whether it was opened now; false when the refusal was added to an open
  // one (the same user, host and rule within a day).
  bool block_incident_opened = false;
  std::vector<std::string> notices;  // "caution", "held": queued (or, in a
                                     // dry run, that would be)
  std::string failure;               // kFailed: why, for the log
  // What the pack says the door does on kFailed ([mail] or [web]
  // on_failure, by the envelope's channel).
  policy::FailureMode on_failure = policy::FailureMode::kTempfail;
};

std::string_view DispositionName(Disposition d);

struct Options {
  std::string blobs_dir;                        // held items' bytes
  std::string sendmail = "/usr/sbin/sendmail";  // notices; "" sends none
  // The vendor registry's agreements in force are read again after this
  // many seconds, and at the District's midnight (an agreement expires on
  // its day); 0 reads them for every item.
  uint32_t vendors_seconds = 30;
};

class Enforcer {
 public:
  // `db` keeps held items, conduct and incidents; null means no store (only
  // a dry run makes sense then: a hold would fail).
  Enforcer(std::shared_ptr<store::Database> db, const Options& options);
  ~Enforcer();
  Enforcer(const Enforcer&) = delete;
  Enforcer& operator=(const Enforcer&) = delete;

  // Decides on `bytes` and carries the verdict out. With `dry_run` nothing
  // is stored or sent (and no history is read): the outcome says what would
  // happen.
  Outcome Apply(const engine::Engine& engine, engine::Engine::Scratch& scratch,
                const Context& context, std::string_view bytes,
                bool dry_run = false);

  // An audit entry `action` on `target` with `detail` (never a value) for
  // what a door did outside Apply (the web's "continue" on a warn page).
  // Nothing without a store.
  core::Status Note(const std::string& action, const std::string& target,
                    const nlohmann::json& detail, const audit::Actor& actor);

  // The same outcome as JSON (the verdict, then what was done).
  static nlohmann::ordered_json ToJson(const Outcome& outcome);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The distinct categories of the findings, in order of first finding.
std::vector<std::string> CategoriesOf(
    const std::vector<inspect::Finding>& findings);

}  // namespace steward::enforce
