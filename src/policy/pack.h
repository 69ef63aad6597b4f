// The policy pack: a District's regulation made machine-actionable. Clauses,
// finding categories, detectors, word lists, severity combinations and rules,
// loaded from TOML (policy/loader.h), validated once, then immutable and shared
// by every thread and every door. Nothing here is District-specific: the
// bundled pack under policy/ is one district's data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/names.h"
#include "core/view.h"

namespace steward::policy {

// The pack's vocabulary: each word a pack may write for an action, a
// destination, an exemption, a failure mode, a channel, a clause's mode, a
// release role, a validator or a roster field is one value of an enum
// class, with one name table (core/names.h). The loader parses each word
// once, against that table, and rejects an unknown one with its file and
// line; every module after it compares values, never strings. Views are
// core::View (core/view.h), shared with extraction. What a District names
// itself (clause, category, detector, rule and word-list ids, domains,
// addresses) stays text.

// What a rule does with a message; in order of strength: a stronger action
// wins.
enum class Action { kAllow = 0, kWarn, kQuarantine, kHold, kReject };
inline constexpr core::Named<Action> kActionNames[] = {
    {Action::kAllow, "allow"},           {Action::kWarn, "warn"},
    {Action::kQuarantine, "quarantine"}, {Action::kHold, "hold"},
    {Action::kReject, "reject"},
};
constexpr std::string_view ActionName(Action a) {
  return core::NameOf(kActionNames, a);
}
constexpr std::optional<Action> ParseAction(std::string_view s) {
  return core::ParseName(kActionNames, s);
}

// Where a message goes, as a rule selects it. A message is internal (every
// recipient inside), external (none inside) or mixed; lookalike holds when
// any recipient's domain imitates an internal one; any always holds.
enum class Destination {
  kAny,
  kInternal,
  kExternal,
  kMixed,
  kLookalike,
  kCloud,  // web: a host the pack's [web] calls a cloud service (L.3)
};
inline constexpr core::Named<Destination> kDestinationNames[] = {
    {Destination::kAny, "any"},
    {Destination::kInternal, "internal"},
    {Destination::kExternal, "external"},
    {Destination::kMixed, "mixed"},
    {Destination::kLookalike, "lookalike"},
    {Destination::kCloud, "cloud"},
};
constexpr std::string_view DestinationName(Destination d) {
  return core::NameOf(kDestinationNames, d);
}
constexpr std::optional<Destination> ParseDestination(std::string_view s) {
  return core::ParseName(kDestinationNames, s);
}

// What lifts a rule (decide/verdict.cc says when each applies).
enum class Exemption {
  kEncrypted,       // S/MIME or OpenPGP; not for what was found in the
                    // subject, header fields or file names
  kSecureSend,      // the District's marker from an authorized sender
  kApprovedVendor,  // every outside recipient is a vendor approved for the
                    // data found
};
inline constexpr core::Named<Exemption> kExemptionNames[] = {
    {Exemption::kEncrypted, "encrypted"},
    {Exemption::kSecureSend, "secure-send"},
    {Exemption::kApprovedVendor, "approved-vendor"},
};
constexpr std::string_view ExemptionName(Exemption e) {
  return core::NameOf(kExemptionNames, e);
}
constexpr std::optional<Exemption> ParseExemption(std::string_view s) {
  return core::ParseName(kExemptionNames, s);
}

// What a door does with an item when Steward cannot decide ([mail]
// on_failure): tempfail (451 4.3.0, the sender's server retries), accept
// (deliver unchecked), reject (550 5.7.1).
enum class FailureMode { kTempfail, kAccept, kReject };
inline constexpr core::Named<FailureMode> kFailureModeNames[] = {
    {FailureMode::kTempfail, "tempfail"},
    {FailureMode::kAccept, "accept"},
    {FailureMode::kReject, "reject"},
};
constexpr std::string_view FailureModeName(FailureMode f) {
  return core::NameOf(kFailureModeNames, f);
}
constexpr std::optional<FailureMode> ParseFailureMode(std::string_view s) {
  return core::ParseName(kFailureModeNames, s);
}

// A roster detector's people (roster_role) and what of them it looks for
// (roster_field).
enum class RosterRole { kStudent, kEmployee };
inline constexpr core::Named<RosterRole> kRosterRoleNames[] = {
    {RosterRole::kStudent, "student"},
    {RosterRole::kEmployee, "employee"},
};
constexpr std::string_view RosterRoleName(RosterRole r) {
  return core::NameOf(kRosterRoleNames, r);
}

enum class RosterField {
  kNames,  // full names, as written in the roster
  kIds,    // identifiers (student and staff numbers)
};
inline constexpr core::Named<RosterField> kRosterFieldNames[] = {
    {RosterField::kNames, "names"},
    {RosterField::kIds, "ids"},
};
constexpr std::string_view RosterFieldName(RosterField f) {
  return core::NameOf(kRosterFieldNames, f);
}

// The door an item came through, as a rule names the doors it applies to.
enum class Channel { kMail, kWeb, kPublish, kScan };
inline constexpr core::Named<Channel> kChannelNames[] = {
    {Channel::kMail, "mail"},
    {Channel::kWeb, "web"},
    {Channel::kPublish, "publish"},
    {Channel::kScan, "scan"},
};
constexpr std::string_view ChannelName(Channel c) {
  return core::NameOf(kChannelNames, c);
}
constexpr std::optional<Channel> ParseChannel(std::string_view s) {
  return core::ParseName(kChannelNames, s);
}

// How Steward serves a clause (`steward policy clauses` lists them).
enum class ClauseMode {
  kEnforce,   // a door stops or holds what breaks it
  kDetect,    // scans and doors find what breaks it
  kWorkflow,  // the portal runs its paperwork
  kRecord,    // a record is kept (audit, acknowledgements, incidents)
  kInform,    // cited and shown; nothing to check
};
inline constexpr core::Named<ClauseMode> kClauseModeNames[] = {
    {ClauseMode::kEnforce, "enforce"},   {ClauseMode::kDetect, "detect"},
    {ClauseMode::kWorkflow, "workflow"}, {ClauseMode::kRecord, "record"},
    {ClauseMode::kInform, "inform"},
};
constexpr std::string_view ClauseModeName(ClauseMode m) {
  return core::NameOf(kClauseModeNames, m);
}

// Who may release a held message: one of the portal's roles. The words are
// identity's role names (identity/roles.h, a module above this one); a test
// keeps the two tables equal.
enum class ReleaseRole {
  kEmployee,
  kContentManager,
  kSiteAdmin,
  kItsAdmin,
  kRecordsCustodian,
  kSupervisor,
  kAuditor,
  kDesignee,
};
inline constexpr core::Named<ReleaseRole> kReleaseRoleNames[] = {
    {ReleaseRole::kEmployee, "employee"},
    {ReleaseRole::kContentManager, "content-manager"},
    {ReleaseRole::kSiteAdmin, "site-admin"},
    {ReleaseRole::kItsAdmin, "its-admin"},
    {ReleaseRole::kRecordsCustodian, "records-custodian"},
    {ReleaseRole::kSupervisor, "supervisor"},
    {ReleaseRole::kAuditor, "auditor"},
    {ReleaseRole::kDesignee, "designee"},
};
constexpr std::string_view ReleaseRoleName(ReleaseRole r) {
  return core::NameOf(kReleaseRoleNames, r);
}

// The check a regex detector's match must pass (inspect/validators.h
// implements each).
enum class Validator {
  kNone,           // every match counts
  kSsn,            // US Social Security number rules
  kLuhn,           // a payment card: length, prefix, Luhn digit
  kNanp,           // a North American phone number
  kPhone,          // a phone number anywhere
  kEmail,          // an address with a plausible domain
  kDate,           // a calendar date that exists
  kCadl,           // a California driver licence
  kDriverLicense,  // a US state's driver licence (the detector's formats)
  kSsid,           // a California statewide student id
  kDigits,         // digits, not all one digit
};
inline constexpr core::Named<Validator> kValidatorNames[] = {
    {Validator::kSsn, "ssn"},     {Validator::kLuhn, "luhn"},
    {Validator::kNanp, "nanp"},   {Validator::kPhone, "phone"},
    {Validator::kEmail, "email"}, {Validator::kDate, "date"},
    {Validator::kCadl, "cadl"},   {Validator::kDriverLicense, "driver-license"},
    {Validator::kSsid, "ssid"},   {Validator::kDigits, "digits"},
};
constexpr std::string_view ValidatorName(Validator v) {
  return core::NameOf(kValidatorNames, v);  // "" for kNone
}

enum class Severity { kLow = 0, kMedium = 1, kHigh = 2 };
std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view s);

// Where a pack element was written, for error messages and `policy clauses`.
struct SourceLoc {
  std::string file;
  uint32_t line = 0;
  std::string ToString() const;
};

struct Clause {
  std::string id;  // "E.2", "K.9.a"
  std::string title;
  std::string summary;            // the pack's own words
  std::vector<ClauseMode> modes;  // at least one
  SourceLoc loc;
};

// How an excerpt hides the matched value.
enum class Redaction {
  kLast4,     // ***-**-6789: digits but the last four masked
  kEmail,     // j***@example.org
  kInitials,  // M*** G***
  kWord,      // s***
  kAll,       // [redacted]
  kNone,      // shown as is (types, file names)
};

struct Category {
  std::string id;  // "ssn", "iep-504"
  std::string title;
  Severity severity = Severity::kLow;
  std::vector<std::string> clauses;
  std::string advice;  // what the person should do instead
  Redaction redaction = Redaction::kAll;
  SourceLoc loc;
};

enum class DetectorKind {
  kRegex,    // a pattern (Hyperscan + PCRE2), optional validator
  kLexicon,  // terms from a word list, whole words, case-insensitive
  kRoster,   // the loaded roster's names and identifiers
  kPhrase,   // words of several lists in order, with guards (inspect/phrase.h)
  kClassifier,  // a trained text classifier on what a word list triggers
};

// What a classifier detector's model reads: the sentence around each
// trigger word, or the whole text once (a message's body, a file's text).
enum class ClassifierUnit { kSentence, kText };
inline constexpr core::Named<ClassifierUnit> kClassifierUnitNames[] = {
    {ClassifierUnit::kSentence, "sentence"},
    {ClassifierUnit::kText, "text"},
};

struct Detector {
  std::string id;
  DetectorKind kind = DetectorKind::kRegex;
  std::string category;
  std::vector<std::string> clauses;  // empty: the category's
  std::optional<Severity> severity;  // empty: the category's
  std::optional<Redaction> redaction;

  // kRegex. `prefilter`, when set, is what Hyperscan runs instead of
  // `pattern`: a cheaper pattern that matches wherever `pattern` does and
  // ends where it ends (for an e-mail address, "@domain.tld"). The span and
  // the exact match still come from `pattern`.
  std::string pattern;
  std::string prefilter;
  bool caseless = false;
  Validator validator = Validator::kNone;
  uint32_t max_width = 64;  // longest match, bytes; bounds span recovery
  // The shapes a value may have once its spaces and dashes are taken out,
  // each named (a driver licence number of each state): when there are any,
  // a match that fits none is dropped (a match that runs on is cut back to
  // the longest leading groups that fit), and the finding names the ones it
  // fits. Each a PCRE2 pattern that must match the whole value.
  struct Format {
    std::string name;
    std::string pattern;
  };
  std::vector<Format> formats;

  // kLexicon
  std::vector<std::string> lexicons;
  bool fold_obfuscation = false;  // sh1t, f.u.c.k, fuuuck

  // kPhrase: a little grammar. `phrase` names word lists (lexicons) whose
  // words must appear in this order in one sentence, at most gaps[i] words
  // between the words of phrase[i] and phrase[i+1] (default 2). "@name" in
  // `phrase` stands for a capitalised word that does not start the
  // sentence. Stage 1 looks only for the words of phrase[anchor]; the rest
  // is checked around each of them. The guards: a word of `negation` between
  // the phrase's start and its anchor, or just before the start, cancels it
  // ("I would never hurt you"); so does any word of the `unless` lists in
  // the sentence (reported speech, fiction, sport), a '>'-quoted line or
  // text in quotation marks (skip_quoted), and a question (skip_questions).
  std::vector<std::string> phrase;
  std::vector<uint32_t> gaps;
  uint32_t anchor = 0;
  std::string negation;
  std::vector<std::string> unless;
  bool skip_quoted = true;
  bool skip_questions = false;

  // kClassifier (inspect/classifier.h): stage 1 finds a word of `lexicons`
  // (the trigger); stage 2 gives the `unit` around it to the fastText model
  // `model` (a path, resolved beside the TOML file that names it) and keeps
  // it when the model's probability of `label` is at least `threshold`. The
  // probability is the finding's confidence. skip_quoted, `unless` and
  // `negation` (up to three words before the trigger, in its clause) guard
  // it as they guard a phrase.
  std::string model;
  // The model file as the loader read and hashed it, so the model in use is
  // the one the pack's version names; detectors naming one file share it.
  std::shared_ptr<const std::string> model_bytes;
  std::string label;
  double threshold = 0.5;
  // A second opinion (inspect/encoder.h), optional: where the fastText
  // model gives `label` at least `gate`, a sentence encoder (the folder
  // `encoder`) reads the unit and the small model `head` gives its own
  // probability of `label`; the finding's probability is the mean of the
  // two, against `threshold`. Below `gate`, or without a head, fastText's
  // alone (and the model's "none" must be lower). Resolved and read like
  // `model`; the encoder's files and the head are hashed into the version.
  std::string encoder;
  // Optional, with `encoder`: low-rank corrections to the encoder's
  // matrices trained with the head (scripts/tune.py); read and hashed.
  std::string encoder_tune;
  std::shared_ptr<const std::string> encoder_tune_bytes;
  std::shared_ptr<const std::string> head_bytes;
  std::string head;
  double gate = 0.001;
  // The head's share of the finding's probability where it is asked:
  // head_weight · head + (1 − head_weight) · model (0.5, the mean).
  double head_weight = 0.5;
  ClassifierUnit unit = ClassifierUnit::kSentence;
  uint32_t min_triggers = 1;  // trigger words the unit must hold

  // kRoster: which people and what of them (required for kRoster).
  RosterRole roster_role = RosterRole::kStudent;
  RosterField roster_field = RosterField::kNames;

  // Which views of a part it reads (core/view.h says what each holds). The
  // default leaves out addresses, links and scripts.
  std::vector<core::View> views = {core::View::kBody,    core::View::kSubject,
                                   core::View::kHeaders, core::View::kFilename,
                                   core::View::kAlt,     core::View::kComments};

  // Context.
  std::vector<std::string> hotwords;
  std::vector<std::string> negative;  // "sample", "example", "test"
  uint32_t window = 60;               // bytes before and after the match
  double confidence = 0.5;            // with no context
  double hotword_boost = 0.4;
  double negative_penalty = 0.4;
  bool require_hotword = false;
  double min_confidence = 0.3;  // below: dropped
  uint32_t min_count = 1;       // fewer matches in an item: dropped
  SourceLoc loc;
};

struct Lexicon {
  std::string id;
  std::vector<std::string> terms;
  SourceLoc loc;
};

// Severity escalation within one item: when every category in `all_of` is
// present and at least one of `any_of`, findings of all those categories
// rise to `severity`, citing `clauses` too. This is how "a named student
// together with an IEP" becomes high while each alone is not.
struct Combination {
  std::string id;
  std::vector<std::string> all_of;
  std::vector<std::string> any_of;
  Severity severity = Severity::kHigh;
  std::vector<std::string> clauses;
  SourceLoc loc;
};

// What a door does with findings, evaluated by the decide stage
// (decide/verdict.h): the strongest action of the rules that match and are
// not lifted wins.
struct Rule {
  std::string id;
  std::vector<Channel> channels;        // empty: every channel
  std::vector<std::string> categories;  // empty: any
  Severity min_severity = Severity::kLow;
  Destination destination = Destination::kAny;
  Action action = Action::kAllow;  // required in the pack
  std::vector<std::string> clauses;
  std::string message;
  std::vector<Exemption> exempt;  // any one of them lifts the rule
  // For hold and quarantine: the role whose member may release the message.
  ReleaseRole release_role = ReleaseRole::kItsAdmin;
  // With action warn, on the web: the upload stops at a warn page, and the
  // user may choose to go on (a signed "continue" link; the choice is
  // audited). Elsewhere, and without it, a warn lets the item through.
  bool confirm = false;
  SourceLoc loc;
};

// The mail door's settings ([mail] in the pack). Envelope checks become
// findings of the categories named here, so rules decide on them like on
// any other finding; a check whose category the pack lacks is off.
struct MailPolicy {
  uint64_t max_message_bytes = 25ull << 20;     // larger: finding "oversize"
  uint32_t max_recipients = 50;                 // more: finding "mass-mail"
  std::vector<std::string> all_district_lists;  // any of these: "mass-mail"
  // The secure-send marker: a tag in the subject ("[secure]") or a header
  // (name only: any non-empty value counts); who may use it (addresses, or
  // "*@domain").
  std::string secure_subject_tag;
  std::string secure_header;
  std::vector<std::string> secure_senders;
  // Look-alike domains: an outside domain within this edit distance of an
  // internal one, equal after folding homoglyphs, or with the TLD swapped.
  // 0 turns the check off.
  uint32_t lookalike_distance = 2;
  struct Vendor {
    std::string domain;
    std::vector<std::string> categories;  // the data it is approved for
    std::string agreement;                // shown in the verdict
    SourceLoc loc;
  };
  std::vector<Vendor> vendors;
  // C.10: who may send as whom beyond their own address. An authenticated
  // user "jdoe" may always send as jdoe@ each internal domain.
  struct Sender {
    std::string user;
    std::vector<std::string> may_send_as;  // addresses or "*@domain"
    SourceLoc loc;
  };
  std::vector<Sender> senders;
  // Rollout: false turns every hold, quarantine and reject into a warning
  // (the verdict still says what would have happened).
  bool enforce = true;
  bool caution_sender = true;  // mail a caution on warn (E.1)
  bool notify_sender = true;   // tell the sender when a message is held
  std::string notice_from;     // "" : postmaster@ the first internal domain
  FailureMode on_failure = FailureMode::kTempfail;
  uint32_t timeout_seconds = 30;
  std::string clamd;  // "unix:/run/clamav/clamd.ctl", "inet:HOST:PORT"; ""
  // C.19: this many messages with these categories from one sender to one
  // recipient within the window open an incident.
  std::vector<std::string> escalate_categories;
  uint32_t escalate_count = 3;
  uint32_t escalate_window_hours = 168;
  std::vector<std::string> escalate_clauses = {"C.19"};
  SourceLoc loc;
};

// The web door's settings ([web] in the pack): where uploads go, how much
// of a body is inspected, what happens when Steward cannot decide.
// Host patterns are names ("dropbox.com": that host and its subdomains).
struct WebPolicy {
  // Cloud services (L.3): uploads there are destination "cloud". The
  // District's own cloud storage belongs here too (L.3 names it).
  std::vector<std::string> cloud_hosts;
  // Hosts approved for the District's data (E.6): the student information
  // system and vendors with agreements. Uploads there are "internal".
  std::vector<std::string> approved_hosts;
  // A body is inspected whole, documents and all, up to this many bytes.
  // Past it an upload goes on being read as bytes, in overlapping windows,
  // while it waits on disk (inspect_whole), or streams through unread with
  // a "not-inspected" finding for the rules (inspect_whole = false, and
  // always for downloads and coded bodies).
  uint64_t max_inspect_bytes = 8ull << 20;
  bool inspect_whole = true;
  // When Steward cannot decide: reject (block page) or accept (pass).
  FailureMode on_failure = FailureMode::kReject;
  // The ICAP field with the proxy's user name, and whether Squid encodes it
  // in base64 (icap_client_username_encode).
  std::string user_header = "X-Authenticated-User";
  bool user_header_base64 = false;
  // How long a user who chose "continue" on a warn page may upload to that
  // host past that rule, in minutes (the link itself expires sooner).
  uint32_t continue_minutes = 30;
  SourceLoc loc;
};

// The proxy log report's settings ([weblog] in the pack; `steward weblog
// report`): which web sites fall in which category (C.23 names streaming,
// P2P and games as bandwidth-heavy non-academic use), and the District's
// sites, known by their client subnets, with their duty hours (C.27).
// [incidents] (K.2, M): what an employee may report from the portal, and
// whether a report may leave the reporter's name out.
struct IncidentsPolicy {
  bool present = false;
  SourceLoc loc;
  bool anonymous_reports = false;
  struct Report {
    SourceLoc loc;
    std::string id;     // "security-problem": the incident's kind
    std::string title;  // what the form offers
    std::string hint;   // a line under it: what belongs here
    std::vector<std::string> clauses;
    Severity severity = Severity::kMedium;
  };
  std::vector<Report> reports;
  const Report* Find(std::string_view id) const {
    for (const auto& r : reports)
      if (r.id == id) return &r;
    return nullptr;
  }
};

// [approvals] (C.8, C.12, C.13, I.4, G.2, E.6, O.1): the kinds of request
// an employee makes in the portal before doing what the regulation says
// needs consent, the fields each asks for, and the role that decides.
struct ApprovalsPolicy {
  bool present = false;
  SourceLoc loc;
  enum class FieldKind {
    kLine,         // one line, at most 300 characters
    kText,         // several lines, at most 4,000 characters
    kAmount,       // money: 0 to 10,000,000 with at most two decimals
    kDate,         // YYYY-MM-DD
    kUrl,          // http:// or https://, at most 2,000 characters
    kHeldMessage,  // the number of one of the requester's held messages
  };
  struct Field {
    SourceLoc loc;
    std::string name;   // "audience": lower-case words joined by '_'
    std::string label;  // what the form asks
    FieldKind kind = FieldKind::kLine;
    bool required = false;
  };
  struct Type {
    SourceLoc loc;
    std::string id;     // "mass-mail"
    std::string title;  // what the form offers
    std::string hint;
    std::vector<std::string> clauses;
    ReleaseRole decides = ReleaseRole::kItsAdmin;
    std::vector<Field> fields;
    // What an approval of this type does beyond being recorded: a held
    // message it names is released (C.12's mass mail).
    bool releases_held = false;
  };
  std::vector<Type> types;
  const Type* Find(std::string_view id) const {
    for (const auto& t : types)
      if (t.id == id) return &t;
    return nullptr;
  }
};
inline constexpr core::Named<ApprovalsPolicy::FieldKind> kFieldKindNames[] = {
    {ApprovalsPolicy::FieldKind::kLine, "line"},
    {ApprovalsPolicy::FieldKind::kText, "text"},
    {ApprovalsPolicy::FieldKind::kAmount, "amount"},
    {ApprovalsPolicy::FieldKind::kDate, "date"},
    {ApprovalsPolicy::FieldKind::kUrl, "url"},
    {ApprovalsPolicy::FieldKind::kHeldMessage, "held-message"},
};

// [vendors] (E.6, E.7): what the vendor registry asks of an agreement
// before it approves a vendor for the District's data. Each term is one the
// law requires the contract to contain (California's AB 1584, Ed Code
// 49073.1(b), in the bundled pack), checked off in the registry with the
// place in the agreement that says it; the attestation is the vendor's word
// on what SOPIPA forbids (E.7). An agreement approves nothing until every
// term is checked and, when the pack asks for one, the attestation is kept.
struct VendorsPolicy {
  bool present = false;
  SourceLoc loc;
  std::vector<std::string> clauses;  // the register's clauses ("E.6", "E.7")
  struct Term {
    SourceLoc loc;
    std::string id;    // "records-property": lower-case words joined by '-'
    std::string text;  // what the contract must say
    std::string cite;  // "Ed Code 49073.1(b)(1)"
  };
  std::vector<Term> terms;
  // What the vendor attests (E.7); "" asks for no attestation.
  std::string attestation;
  // The registry flags agreements that expire within this many days.
  uint32_t expiring_days = 60;
  const Term* Find(std::string_view id) const {
    for (const auto& t : terms)
      if (t.id == id) return &t;
    return nullptr;
  }
};

// [equipment] (R, K.7, K.8): the terms an employee acknowledges when the
// District issues them equipment, whether loss and damage may be charged to
// them, and how far ahead the end-of-life list looks.
struct EquipmentPolicy {
  bool present = false;
  SourceLoc loc;
  std::vector<std::string> clauses;  // "R", "K.7", "K.8"
  std::string terms;                 // what the employee acknowledges
  bool charges = false;     // lost, stolen or damaged: charged to the holder
  uint32_t eol_days = 180;  // the end-of-life list: within this many days
};

// [accounts] (N.1, N.2): how the directory's accounts are judged. Every
// account needs a current employee behind it (N.1), except the service
// accounts whose user names match one of `service` (shell patterns, listed
// apart); each password must change at least once in every semester (N.2).
struct AccountsPolicy {
  bool present = false;
  SourceLoc loc;
  std::vector<std::string> clauses;  // "N.1", "N.2"
  struct Semester {
    SourceLoc loc;
    std::string name;              // "Fall 2026"
    int64_t begins = 0, ends = 0;  // days since 1970-01-01, both inclusive
  };
  std::vector<Semester> semesters;   // in order, never overlapping
  std::vector<std::string> service;  // "svc-*": user names of service accounts
  // The semester `day` falls in; nullptr between semesters.
  const Semester* SemesterOn(int64_t day) const {
    for (const auto& s : semesters)
      if (s.begins <= day && day <= s.ends) return &s;
    return nullptr;
  }
  // The latest semester that has begun by `day`; nullptr before the first.
  const Semester* LatestBy(int64_t day) const {
    const Semester* out = nullptr;
    for (const auto& s : semesters)
      if (s.begins <= day) out = &s;
    return out;
  }
};

struct WeblogPolicy {
  struct Category {
    std::string name;                  // "streaming"; never "other"
    std::vector<std::string> hosts;    // names: the host and its subdomains
    bool academic = false;             // false: counts as non-academic use
    std::vector<std::string> clauses;  // cited beside the category
    SourceLoc loc;
  };
  // Duty time on one weekday, in minutes after local midnight:
  // [begin, end), begin < end <= 1440.
  struct Span {
    uint16_t begin = 0, end = 0;
  };
  using Week = std::array<std::vector<Span>, 7>;  // [0] Sunday .. [6] Saturday
  // An address block, as 16 bytes (IPv4 as ::ffff:a.b.c.d, its prefix + 96).
  struct Subnet {
    std::array<uint8_t, 16> addr{};
    uint8_t prefix = 0;
    std::string text;  // as written: "10.1.0.0/16"
  };
  struct Site {
    std::string name;
    std::vector<Subnet> subnets;
    std::string time_zone;  // "" : [weblog] time_zone
    Week duty;              // all empty : [weblog] duty
    bool own_duty = false;  // `duty` was written for this site
    SourceLoc loc;
  };
  std::string time_zone;  // IANA name ("America/Los_Angeles"); "" : UTC
  Week duty;              // every site's duty hours unless it has its own
  // Names under which a registered name is one label longer ("co.uk": a
  // report groups bbc.co.uk, not co.uk).
  std::vector<std::string> public_suffixes;
  std::vector<Category> categories;
  std::vector<Site> sites;
  // Distinct users and distinct web sites a report keeps apart; beyond them
  // traffic goes to "(others)", so memory stays bounded on any log.
  uint32_t max_users = 100000;
  uint32_t max_sites = 200000;
  SourceLoc loc;
};

// Publishing ([publish] in the pack; `steward site audit`, the pre-publish
// gate): what may be said about students on District web sites (F), which
// mechanisms make money (H.2, H.3), where links may lead (H.5, I.1), which
// sites belong to the District (G.2, H.1), and when a page is stale (G.4).
// Host patterns are names ("example.org": that host and its subdomains).
struct PublishPolicy {
  // Grade levels (OneRoster's CEDS codes) taught in high school (F.3);
  // every other grade is elementary or intermediate (F.2).
  std::vector<std::string> high_school_grades = {"09", "10", "11", "12", "13"};
  // Hosts of the District's own sites.
  std::vector<std::string> district_hosts;
  // Outside sites in the site registry (H.1): classroom, team and club
  // sites the Superintendent's designee has consented to (G.2); a host, or
  // a host and a path ("sites.google.com/view/robotics").
  std::vector<std::string> registered_sites;
  // Hosts where teachers, teams and clubs build sites of their own: a link
  // from a District page to one not registered is an outside service.
  std::vector<std::string> site_builder_hosts;
  // Words in a page's path, title or headings that mark posted student work
  // (F.2.b, F.3.c): its students need the copyright notice (F.2.c, F.3.d).
  std::vector<std::string> student_work_markers;
  // Network filters (EasyList syntax) for pay-per-click and affiliate
  // advertising (H.3), and for payment, donation and store widgets (H.2);
  // lines from the files `ad_filters` and `payment_filters` name.
  std::vector<std::string> ad_filters, payment_filters;
  SourceLoc ad_filters_loc, payment_filters_loc;
  // Fundraisers approved under Board Policy 2503 (H.2, H.3): a payment
  // link or widget whose URL starts with one of `urls` is allowed until
  // `until` (YYYY-MM-DD, "" for no end).
  struct Fundraiser {
    std::string name;
    std::vector<std::string> urls;
    std::string until;
    SourceLoc loc;
  };
  std::vector<Fundraiser> fundraisers;
  // Hosts whose links and embeds are not appropriate (H.5, I.1), by
  // category: "file-sharing", "piracy", "adult".
  struct LinkCategory {
    std::string name;
    std::vector<std::string> hosts;
    SourceLoc loc;
  };
  std::vector<LinkCategory> link_categories;
  // G.4: a page not changed for this many days is stale; a dated event on
  // a page this many days past is out of date. 0: not checked.
  uint32_t stale_after_days = 730;
  uint32_t past_event_days = 365;
  // Lowercase words by which a sentence with a date announces an event
  // (publish/events.h).
  std::vector<std::string> event_words = {
      "join us",         "will be held", "will take place", "save the date",
      "upcoming",        "register by",  "sign up",         "rsvp",
      "you are invited", "don't miss",   "coming up",       "deadline"};
  // The crawler's bounds (an HTTP site): pages, depth, bytes a response,
  // seconds a request, and the pause between requests to one host.
  uint32_t max_pages = 10000;
  uint32_t max_depth = 10;
  uint64_t max_page_bytes = 16ull << 20;
  uint32_t timeout_seconds = 20;
  uint32_t delay_ms = 250;
  std::string user_agent = "Steward-site-audit";
  bool present = false;  // the pack has a [publish] section
  SourceLoc loc;
};

// Title 5 classes (5 CCR 16022-16025). Unclassified and continuing records
// are never destroyed; neither are Class 1 (permanent) and Class 2
// (optional, kept until reclassified). Ordered from least to most kept.
enum class RecordClass : uint8_t {
  kClass3,        // disposable (16025), from its date on
  kUnclassified,  // no rule says: kept until someone classifies it
  kContinuing,    // still in use (16022): not classified yet
  kClass2,        // optional (16024)
  kClass1,        // permanent (16023)
};
inline constexpr core::Named<RecordClass> kRecordClassNames[] = {
    {RecordClass::kClass3, "class-3"},
    {RecordClass::kUnclassified, "unclassified"},
    {RecordClass::kContinuing, "continuing"},
    {RecordClass::kClass2, "class-2"},
    {RecordClass::kClass1, "class-1"},
};
inline std::string_view RecordClassName(RecordClass c) {
  return core::NameOf(kRecordClassNames, c);
}

// Records: classes, retention and the public-records clock ([records] in
// the pack; clauses D and J, Title 5, the Public Records Act). What the
// rules mean and in which order they apply: docs/records.md.
struct RecordsPolicy {
  // Which class an item gets. Every condition written must hold (an empty
  // one holds for all); among the rules that match, the one that keeps
  // longest wins (Class 1 over Class 2 over continuing over Class 3).
  struct ClassRule {
    std::string name;
    RecordClass record_class = RecordClass::kUnclassified;
    std::vector<std::string> folders;     // a folder or its subfolders
    std::vector<std::string> addresses;   // sender or recipient; "@domain"
    std::vector<std::string> categories;  // an engine finding of these
    std::string reason;  // shown beside the class: "16023: personnel records"
    SourceLoc loc;
  };
  // A local retention rule: keep an item at least keep_days after it was
  // made, or dispose of it delete_after_days after (never before the
  // statutory floor: a local rule may lengthen, never shorten).
  struct Retention {
    std::string name;
    std::vector<RecordClass> classes;  // empty: every class
    std::vector<std::string> folders;
    std::vector<std::string> categories;
    uint32_t keep_days = 0;
    uint32_t delete_after_days = 0;  // 0: not a deletion rule
    SourceLoc loc;
    // A rule that names what it covers (folders or categories) is
    // explicit; it beats the implicit ones among deletions.
    bool Explicit() const { return !folders.empty() || !categories.empty(); }
  };
  // The District's time zone: school years (1 July - 30 June) and the
  // public-records clock run on its calendar days.
  std::string time_zone = "America/Los_Angeles";
  RecordClass default_class = RecordClass::kUnclassified;
  // D.2: a mailbox may be purged of mail older than this (at least 90
  // days), which stays in the archive for archive_days (one year).
  uint32_t purge_after_days = 90;
  uint32_t archive_days = 365;
  std::vector<ClassRule> classes;
  std::vector<Retention> retention;
  // Days the District's offices are closed (YYYY-MM-DD), as days since
  // 1970-01-01: the public-records clock does not end on them.
  std::vector<int64_t> holidays;
  // The exemptions a public-records response may cite for withholding
  // (Gov. Code 7922.000: each withholding rests on one).
  struct Exemption {
    std::string code;   // "7927.705"
    std::string title;  // "Records exempt under other law (FERPA, ...)"
    // What a redaction citing it reads, in place of the value: "FERPA /
    // Ed Code 49076". Empty: "Gov. Code <code>".
    std::string label;
    // Findings of these categories are redacted citing this exemption when
    // records are released (a category in at most one exemption).
    std::vector<std::string> categories;
    // Of those, the categories that describe a person (a health matter, a
    // discipline): their whole sentence is withheld, not the words found.
    std::vector<std::string> sentences;
    SourceLoc loc;
    bool WholeSentence(std::string_view category) const {
      for (const auto& c : sentences)
        if (c == category) return true;
      return false;
    }
    std::string Label() const {
      return label.empty() ? "Gov. Code " + code : label;
    }
  };
  std::vector<Exemption> exemptions;
  // The exemption whose categories hold `category`, or null.
  const Exemption* ExemptionFor(std::string_view category) const {
    for (const auto& e : exemptions)
      for (const auto& c : e.categories)
        if (c == category) return &e;
    return nullptr;
  }
  const Exemption* FindExemption(std::string_view code) const {
    for (const auto& e : exemptions)
      if (e.code == code) return &e;
    return nullptr;
  }
  SourceLoc loc;
};

struct Limits {
  uint64_t max_item_bytes = 64ull << 20;  // larger items: not-inspected
  uint32_t max_depth = 16;                // nested message/rfc822
  uint32_t max_parts = 2000;
  uint64_t max_part_bytes = 32ull << 20;
  uint32_t max_members = 10000;  // archive members, embedded files
  uint64_t max_expanded_bytes = 256ull << 20;  // decompressed, per item
  uint32_t max_ratio = 200;                    // expansion of one archive
  uint32_t max_pages = 2000;                   // PDF pages
  uint32_t max_seconds = 30;                   // reading one item
  bool helpers = true;  // legacy Office and RTF through helper programs
};

// Tables (CSV, sheets) whose rows carry people: one finding for the table,
// with its row count, instead of one per cell.
struct BulkExtract {
  std::string category;           // "" : off
  uint32_t min_rows = 10;         // rows with a hit, at least
  std::vector<std::string> from;  // categories that make a row count
};

// How the column headers of a table (CSV, sheet, HTML table) are read
// ([tables] in the pack). A header is split into words as people write them
// (core::HeaderWords: "StudentID", "student_id", "Student-ID" are all
// "student id"), and each word or run of words found in `abbreviations` is
// written out ("stu num" is "student number", "dob" is "date of birth").
// Detectors' hotwords see the written-out header; so do the lists below.
struct Tables {
  // Keys and values as words joined by one space, lower case.
  std::map<std::string, std::string> abbreviations;
  size_t longest_key = 1;  // words in the longest key
  // Columns of given and family names (joined per row for the roster's
  // name detectors): a written-out header that is one of these or ends with
  // one ("student last name").
  std::vector<std::string> given_name, family_name;
  SourceLoc loc;
};

struct PolicyPack {
  std::string name;
  std::string district;
  std::string version;
  std::string dir;
  std::string hash;  // SHA-256 over every file read, in order
  std::vector<std::string> internal_domains;
  Limits limits;
  BulkExtract bulk_extract;
  SourceLoc bulk_extract_loc;
  Tables tables;
  std::vector<Clause> clauses;
  std::vector<Category> categories;
  std::vector<Detector> detectors;
  std::vector<Lexicon> lexicons;
  std::vector<Combination> combinations;
  std::vector<Rule> rules;
  MailPolicy mail;
  WebPolicy web;
  WeblogPolicy weblog;
  IncidentsPolicy incidents;
  ApprovalsPolicy approvals;
  VendorsPolicy vendors;
  EquipmentPolicy equipment;
  AccountsPolicy accounts;
  PublishPolicy publish;
  RecordsPolicy records;

  const Clause* FindClause(std::string_view id) const;
  const Category* FindCategory(std::string_view id) const;
  const Lexicon* FindLexicon(std::string_view id) const;
  // The clauses a detector cites: its own, else its category's.
  const std::vector<std::string>& ClausesOf(const Detector& d) const;
  Severity SeverityOf(const Detector& d) const;
  Redaction RedactionOf(const Detector& d) const;
};

using PackPtr = std::shared_ptr<const PolicyPack>;

// The pack as a door of `channel` uses it: the same pack with only the
// detectors whose findings a rule of that channel can act on. Those are
// the categories its rules name, the conduct categories that count towards
// repeated conduct on every channel ([mail] escalate_categories), all of a
// bulk extract's categories when it or one of them is kept, and every
// category of a combination that raises one of them (to its closure). The
// pack itself when a rule of the channel names
// no category (it acts on any finding). Word lists, rules and every
// setting stay as they are, and so does the hash: the files are the same,
// and a door's ISTag or audit names the pack it loaded.
PackPtr ForChannel(const PackPtr& pack, Channel channel);

}  // namespace steward::policy
