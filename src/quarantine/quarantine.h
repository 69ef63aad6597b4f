// Held and quarantined messages, kept in the store: the message bytes as a
// content-addressed blob (written and synced before the row that points to
// it), the envelope, the verdict and the time, with one audit entry in the
// same transaction as the row. A kill at any moment leaves either no row
// (the sender's MTA was not yet told the message was taken, so it retries)
// or a row whose blob is on disk.
//
// Also the enforcement layer's memory (enforce/enforce.h calls all of this;
// no door does): conduct findings by sender and recipient (C.19), as the
// decide::History it reads, and the incidents they open.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "decide/verdict.h"
#include "store/blobs.h"
#include "store/database.h"

namespace steward::quarantine {

struct Entry {
  int64_t id = 0;
  std::string created_at;
  std::string status;  // held, released, deleted
  std::string channel, action, rule, release_role;
  std::vector<std::string> clauses;
  std::string sender;
  std::vector<std::string> recipients;
  std::string auth_user, client, subject, message_id;
  uint64_t size = 0;
  std::string sha256, body_sha256;
  std::string verdict;  // JSON, findings redacted
  std::string decided_by, decided_at, reinjected_at;
  std::string reason;  // the decision's reason, as its decider gave it
  // A release to the District's own addresses only: those it went to
  // (empty: a whole release, or no release).
  std::vector<std::string> released_to;
  // The role whose member decides: release_role, "its-admin" when none.
  std::string DecidingRole() const {
    return release_role.empty() ? "its-admin" : release_role;
  }
};

struct Filter {
  std::string status;  // "" : any
  int limit = 100;
  int64_t before_id = 0;  // keyset paging, newest first; 0: from the newest
  // "Whose": messages whose envelope sender or authenticated user is one
  // of these (compared in lower case); empty: anyone's.
  std::vector<std::string> owner_keys;
  // Only messages waiting for one of these roles (pack names; "its-admin"
  // also takes those that name none). Empty: any role.
  std::vector<std::string> roles;
  // When set, of the messages waiting for the "supervisor" role only those
  // whose envelope sender or authenticated user is one of these (lower
  // case; a supervisor's reports') are among `roles`': a supervisor
  // decides for their own reports. Unset: every supervisor's.
  std::optional<std::vector<std::string>> supervised;
};

// The entry as the shell and the portal's API show it (no verdict, no
// bytes): envelope, rule, clauses, the role it waits for, its decision.
nlohmann::ordered_json ToJson(const Entry& e);

// How a held message is released.
struct ReleaseOptions {
  std::string reason;  // why, kept with the decision and in the audit entry
  // When not empty, the message goes only to those of its recipients whose
  // domain is one of these (the District's own, `internal_domains`); it is
  // refused when none is.
  std::vector<std::string> only_domains;
};

// A held message as it may be shown to a person: the message's own text
// (HTML as its text, never as markup), and its attachments listed, never
// opened. Header values as written (unfolded).
struct Shown {
  std::string from, to, cc, date, subject;
  struct Text {
    std::string path, type, text;
    bool cut = false;  // longer than the bound; the start is shown
  };
  std::vector<Text> texts;
  struct File {
    std::string path, name, type;
    uint64_t size = 0;
  };
  std::vector<File> files;
  std::vector<std::string> unread;  // parts that could not be read, and why
};

// Reads `message` for showing; each text at most `max_text` bytes.
Shown Show(std::string_view message, size_t max_text = 256 << 10);

// What the door knew when it held the message.
struct Held {
  const decide::Envelope& envelope;
  const decide::Verdict& verdict;
  std::string_view bytes;
  std::string subject, message_id;
};

// Re-injects a released message: (bytes, sender, recipients) -> status.
using Reinject = std::function<core::Status(
    std::string_view, const std::string&, const std::vector<std::string>&)>;

// SHA-256 of a message's body with line ends made LF and trailing blank
// lines dropped: the same before holding and after re-injection through the
// MTA (which adds header fields and may change line ends).
std::string BodyHash(std::string_view message);

class Quarantine : public decide::History {
 public:
  Quarantine(store::Database& db, store::Blobs blobs)
      : db_(db), blobs_(std::move(blobs)) {}

  // Stores a held message; returns its id. The same message (body, sender
  // and a non-empty Message-ID) offered again within a day while still held
  // returns the id it already has.
  core::Result<int64_t> Hold(const Held& held, const audit::Actor& actor);

  // Entries without their verdict (empty): a list shows none, and a
  // verdict's findings can be long. Get() reads it.
  core::Result<std::vector<Entry>> List(const Filter& filter) const;
  // How many messages `filter` takes (its limit and paging aside).
  core::Result<int64_t> Count(const Filter& filter) const;
  core::Result<Entry> Get(int64_t id) const;  // NotFound when absent
  core::Result<std::string> Bytes(const Entry& e) const;  // at most 1 GiB

  // Marks a held message released (with its audit entry), then sends it on
  // through `reinject`, so the door already knows it when it comes back.
  // When `reinject` fails it is put back on hold, audited as
  // quarantine.release-failed, and the error returned. A message already
  // released or deleted (or decided by someone else meanwhile) is refused.
  core::Status Release(int64_t id, const audit::Actor& actor,
                       const Reinject& reinject,
                       const ReleaseOptions& options = {});
  // Marks a held message deleted (a deletion is a decision, recorded, not an
  // erasure: its bytes stay in the blobs; nothing removes them yet).
  core::Status Delete(int64_t id, const audit::Actor& actor,
                      const std::string& reason);

  // Whether a message with this body and sender was released in the last
  // day and has not yet come back through the door; if so it is marked as
  // come back (each release lets one copy through).
  core::Result<bool> TakeReleased(const std::string& body_sha256,
                                  const std::string& sender);

  // C.19.
  core::Status RecordConduct(const std::string& sender,
                             const std::vector<std::string>& recipients,
                             const std::vector<std::string>& categories);
  core::Result<uint32_t> RecentConduct(const std::string& sender,
                                       const std::string& recipient,
                                       uint32_t hours) const override;
  // An incident the doors open (C.19 conduct, the web's refused uploads):
  // when an open incident of `kind` with the same `key` was opened or last
  // added to within `window_hours`, the item is added to it (repeats + 1,
  // an event with its detail and reference, audit "incident.repeat")
  // instead of opening another; otherwise a new one is opened with its
  // first event.
  // Either way the reference (detail["reference"]) leads to the incident.
  struct IncidentRef {
    int64_t id = 0;
    bool opened = false;  // a new incident
  };
  core::Result<IncidentRef> OpenOrRepeatIncident(
      const std::string& kind, const std::string& key, uint32_t window_hours,
      const std::vector<std::string>& clauses,
      const std::string& subject_person, const nlohmann::json& detail,
      const audit::Actor& actor);
  // An item a door let through that the District may want to review (the
  // web's upload past the inspection bound): an audit entry `action` on
  // `target`, with `detail` (never a value).
  core::Status NotePassed(const std::string& action, const std::string& target,
                          const nlohmann::json& detail,
                          const audit::Actor& actor);

 private:
  store::Database& db_;
  store::Blobs blobs_;
};

// Re-injection through the local MTA: `sendmail -G -i -f SENDER -- RCPT...`
// with the bytes on standard input.
Reinject SendmailReinject(const std::string& sendmail = "/usr/sbin/sendmail");

}  // namespace steward::quarantine
