// The policy pack: a District's regulation made machine-actionable. Clauses,
// finding categories, detectors, word lists, severity combinations and rules,
// loaded from TOML (policy/loader.h), validated once, then immutable and shared
// by every thread and every door. Nothing here is District-specific: the
// bundled pack under policy/ is one district's data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steward::policy {

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
  std::string summary;             // the pack's own words
  std::vector<std::string> modes;  // "enforce", "detect", ...
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
  std::string validator;    // "", "ssn", "luhn", "nanp", ...
  uint32_t max_width = 64;  // longest match, bytes; bounds span recovery

  // kLexicon
  std::vector<std::string> lexicons;
  bool fold_obfuscation = false;  // sh1t, f.u.c.k, fuuuck

  // kRoster: which people ("student", "employee") and what ("names", "ids")
  std::string roster_role;
  std::string roster_field;

  // Which views of a part it reads: body, subject, headers, addresses,
  // filename (extract/part.h says what each holds).
  std::vector<std::string> views = {"body",     "subject", "headers",
                                    "filename", "alt",     "comments"};

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

// What a door does with findings. Evaluated by the decision stage (a later
// door); the pack carries and validates them now.
struct Rule {
  std::string id;
  std::vector<std::string> channels;    // mail, web, publish, scan
  std::vector<std::string> categories;  // empty: any
  Severity min_severity = Severity::kLow;
  std::string destination = "any";  // any, internal, external
  std::string action;               // allow, warn, hold, quarantine, reject
  std::vector<std::string> clauses;
  std::string message;
  // What lifts the rule: "encrypted" (S/MIME or OpenPGP; not for what was
  // found in the subject, header fields or file names), "secure-send" (the
  // District's marker from an authorized sender), "approved-vendor" (every
  // outside recipient is a vendor approved for the data found).
  std::vector<std::string> exempt;
  // For hold: the role whose member may release the message ("" : ITS).
  std::string release_role;
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
  std::string on_failure = "tempfail";  // tempfail, accept, reject
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
  std::vector<Clause> clauses;
  std::vector<Category> categories;
  std::vector<Detector> detectors;
  std::vector<Lexicon> lexicons;
  std::vector<Combination> combinations;
  std::vector<Rule> rules;
  MailPolicy mail;

  const Clause* FindClause(std::string_view id) const;
  const Category* FindCategory(std::string_view id) const;
  const Lexicon* FindLexicon(std::string_view id) const;
  // The clauses a detector cites: its own, else its category's.
  const std::vector<std::string>& ClausesOf(const Detector& d) const;
  Severity SeverityOf(const Detector& d) const;
  Redaction RedactionOf(const Detector& d) const;
};

using PackPtr = std::shared_ptr<const PolicyPack>;

// Validator names a pack may use; the inspect module implements each.
const std::vector<std::string>& KnownValidators();

// Views of a part a detector may read: body, subject, headers, addresses,
// filename, and HTML's alt, links, script-src, script and comments.
const std::vector<std::string>& KnownViews();

}  // namespace steward::policy
