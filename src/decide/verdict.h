// The decide stage: findings plus the context of a door (who sends, to
// whom, how) become one verdict, by the pack's rules. Every door (mail
// today; web and publishing later) gets the same verdict for the same
// content and context.
//
// Decide() is pure: it reads the pack, the envelope, the message's facts
// and the findings, and for C.19 asks a History (which may be null).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "extract/part.h"
#include "inspect/inspector.h"
#include "policy/pack.h"

namespace steward::decide {

// The pack's actions (policy/pack.h), in order of strength: a stronger
// action wins. The rules carry them parsed; nothing here parses words.
using policy::Action;
using policy::ActionName;
using policy::ParseAction;

struct Envelope {
  policy::Channel channel = policy::Channel::kMail;
  std::string sender;  // MAIL FROM; "" for a bounce
  std::vector<std::string> recipients;
  std::string auth_user;  // SMTP AUTH login; "" when not authenticated
  std::string client;     // address of the submitting client, or "local"
  uint64_t size = 0;      // message bytes
  // Web: bytes of the body that were inspected when not all of it was; 0
  // when all was.
  uint64_t inspected = 0;
  // Web: why the body is malformed (a multipart body framed loosely); ""
  // when it is not. A "malformed-upload" finding.
  std::string malformed;
  // Web: why part of the body could not be read (a Content-Encoding Steward
  // does not read, an expansion past the bound); "" when all was. A
  // "not-inspected" finding.
  std::string unread;
};

// A rule that matched, and what came of it.
struct RuleHit {
  std::string rule;
  Action action = Action::kAllow;
  std::vector<std::string> categories;
  std::optional<policy::Exemption> exempted_by;  // what lifted the rule
};

struct Verdict {
  Action action = Action::kAllow;   // what the door does
  Action decided = Action::kAllow;  // what the rules said (warn-only mode
                                    // keeps it here and warns instead)
  bool enforced = true;
  std::string rule;  // the deciding rule; "" when none matched
  std::vector<std::string> clauses;
  std::string message;  // to the sender, plain words
  // Hold and quarantine: who may release (the rule's, ITS by default).
  std::optional<policy::ReleaseRole> release_role;
  // Every recipient inside (kInternal), none (kExternal), or some (kMixed).
  policy::Destination destination = policy::Destination::kInternal;
  std::vector<std::string> external, lookalikes;  // recipients
  std::vector<RuleHit> rules;
  std::vector<std::string> notes;  // why exemptions applied or did not
  std::vector<inspect::Finding> findings;
  // C.19: repeated conduct findings to these recipients open an incident.
  std::vector<std::string> incident_recipients;
  std::vector<std::string> incident_clauses;
  std::string policy_version, policy_hash;
  std::string subject, message_id;  // the message's, for listings
};

// What the decision needs to know of the past (C.19).
class History {
 public:
  virtual ~History() = default;
  // Messages with conduct findings from `sender` to `recipient` in the
  // last `hours`, this one not counted. An error when the history cannot be
  // read: escalation must never stop silently.
  virtual core::Result<uint32_t> RecentConduct(const std::string& sender,
                                               const std::string& recipient,
                                               uint32_t hours) const = 0;
};

// The vendors approved for the District's data (E.6) when a decision is
// made, from the vendor registry: each domain of a vendor whose agreement is
// in force, with the categories it covers. `known` holds every domain the
// registry has, in force or not: for those the pack's [[mail.vendor]] no
// longer speaks (an expired agreement is not revived by the pack).
struct Vendors {
  std::vector<policy::MailPolicy::Vendor> approved;
  std::vector<std::string> known;
};

// The vendors a decision uses: the registry's (null: none) and the pack's
// for the domains the registry does not know.
std::vector<policy::MailPolicy::Vendor> ApprovedVendors(
    const policy::PolicyPack& pack, const Vendors* registry);

// Makes a finding of an envelope fact ("oversize", "mass-mail", ...); the
// caller's inspector supplies severity and clauses from the pack.
using MakeFindingFn = std::function<inspect::Finding(std::string_view category,
                                                     std::string detail)>;

// Adds the envelope's findings: the size limit (C.21), From addresses the
// authenticated user may not use (C.10), mass mail (C.12), look-alike
// recipient domains (E.3; an approved vendor's domain is none). Categories
// the pack lacks are skipped.
void AddEnvelopeFindings(const policy::PolicyPack& pack, const Envelope& env,
                         const extract::MessageFacts& facts,
                         const MakeFindingFn& make,
                         std::vector<inspect::Finding>& findings,
                         const Vendors* vendors = nullptr);

// An error only when the history could not be read. The approved-vendor
// exemption reads `vendors` (ApprovedVendors): on the mail, every outside
// recipient's domain; on the web, the host (a vendor's domain and its
// subdomains).
core::Result<Verdict> Decide(const policy::PolicyPack& pack,
                             const Envelope& env,
                             const extract::MessageFacts& facts,
                             std::vector<inspect::Finding> findings,
                             const History* history,
                             const Vendors* vendors = nullptr);

// The verdict as the CLI prints it and the quarantine keeps it. Findings
// are shown redacted as the inspector made them.
nlohmann::ordered_json ToJson(const Verdict& v);
nlohmann::ordered_json FindingJson(const inspect::Finding& f);

// Whether the message carries the District's secure-send marker.
bool HasSecureMarker(const policy::MailPolicy& mail,
                     const extract::MessageFacts& facts);

}  // namespace steward::decide
