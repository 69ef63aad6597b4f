// Public-records requests (clause D.1; the California Public Records Act,
// Gov. Code 7920.000 ff.): intake with the minute of receipt, the
// determination day (records/calendar.h: ten calendar days, moved past
// weekends and the pack's holidays), at most one extension of up to 14
// days by written notice naming a statutory reason, statuses that stop the
// clock, and a response letter that cannot be sent without the
// determination, the exemption for each withholding and the names and
// titles of those responsible (7922.540). Each change is an audit entry and
// an event of the request's timeline, in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "policy/pack.h"
#include "records/calendar.h"
#include "store/database.h"

namespace steward::records {

// The reasons Gov. Code 7922.535(c) allows for an extension.
enum class ExtensionReason : uint8_t {
  kFieldFacilities,  // records at field facilities or other establishments
  kVoluminous,       // a voluminous amount of separate records
  kConsultation,     // consultation with another agency
  kCompilation,      // compiling data or writing programs to extract it
  kEmergency,        // a declared state of emergency
};
inline constexpr core::Named<ExtensionReason> kExtensionReasonNames[] = {
    {ExtensionReason::kFieldFacilities, "field-facilities"},
    {ExtensionReason::kVoluminous, "voluminous"},
    {ExtensionReason::kConsultation, "consultation"},
    {ExtensionReason::kCompilation, "compilation"},
    {ExtensionReason::kEmergency, "emergency"},
};
// The reason in the statute's words, for the notice.
std::string_view ExtensionReasonText(ExtensionReason r);

// A request's state. Only "open" runs against the clock; the others stop
// it and are never shown as overdue.
inline constexpr std::string_view kRequestStates[] = {
    "open",       "waiting-for-requester",
    "extended",   "partially-produced",
    "determined", "closed"};

struct Withholding {
  std::string exemption;  // "7927.705": a pack exemption's code
  std::string what;       // what kind of information is withheld
};

struct Responsible {
  std::string name, title;
};

struct Request {
  int64_t id = 0;
  std::string received_at;   // ISO-8601 UTC, to the minute
  std::string received_day;  // the District's calendar day
  std::string requester, contact, description;
  std::string state = "open";
  std::string due_day;  // the determination day, extension included
  int extension_days = 0;
  std::string extension_reason;  // a kExtensionReasonNames word
  std::string determination;     // what will be released, and when
  std::vector<Withholding> withholdings;
  std::vector<Responsible> responsible;
  std::string sent_at;   // when the response letter went
  bool overdue = false;  // open, and `today` is past due_day
  int days_left = 0;     // to due_day from `today` (negative: late)
};

struct RequestEvent {
  std::string at, actor, what, detail;
};

class Requests {
 public:
  Requests(store::Database& db, policy::PackPtr pack);

  // Intake: `received_utc` is when the request reached the District (its
  // day is the District's; the day of receipt is not counted).
  core::Result<Request> Intake(const std::string& requester,
                               const std::string& contact,
                               const std::string& description,
                               int64_t received_utc, const audit::Actor& actor);
  core::Result<Request> Get(int64_t id, Day today);
  core::Result<std::vector<RequestEvent>> Timeline(int64_t id);
  // Requests newest first (ids below `before`, 0: from the newest), with
  // overdue and days_left for `today`.
  core::Result<std::vector<Request>> List(Day today, int limit = 200,
                                          int64_t before = 0);
  // How many open requests are past their day on `today`, among all.
  core::Result<int64_t> OverdueCount(Day today);

  // Each change below is decided on the request as it stands under a
  // lock, so two at once never both pass; none changes an answered
  // (closed) request.
  //
  // One extension, 1 to 14 days, with its reason, given by the first due
  // day and before a determination; the request is "extended" and its due
  // day moves. A second extension is refused.
  core::Status Extend(int64_t id, int days, ExtensionReason reason,
                      const audit::Actor& actor);
  // Moves a request to a state of kRequestStates (not "determined", which
  // Determine sets, nor "closed", which MarkSent sets).
  core::Status SetState(int64_t id, const std::string& state,
                        const std::string& note, const audit::Actor& actor);
  // The determination, what is withheld under which exemption, and who is
  // responsible. Every withholding names an exemption of the pack.
  core::Status Determine(int64_t id, const std::string& determination,
                         const std::vector<Withholding>& withholdings,
                         const std::vector<Responsible>& responsible,
                         const audit::Actor& actor);
  // The response letter as text; Invalid, saying what is missing, when it
  // cannot be sent yet.
  core::Result<std::string> Letter(int64_t id);
  // Records that the letter was sent (it must be complete; the SHA-256 of
  // the letter as it stands is recorded); the request is closed.
  core::Status MarkSent(int64_t id, const audit::Actor& actor);

  // Records a production made for the request (release/production.h): its
  // Bates range, how many documents, the SHA-256 of its manifest, which
  // items it holds. Refused once the request is answered.
  struct Production {
    std::string first_bates, last_bates, manifest_sha256;
    size_t documents = 0;
    std::vector<int64_t> items;
  };
  core::Status NoteProduction(int64_t id, const Production& p,
                              const audit::Actor& actor);

  // The District's clock: today's day, and times people write.
  const DistrictClock& clock() const { return clock_; }

 private:
  // A change decided on the request as it is in the transaction (the table
  // locked): `decide` refuses, or says what to set and what to record.
  struct Update {
    nlohmann::json detail;
    std::vector<std::pair<std::string, store::Value>> set;
  };
  using Decide = std::function<core::Status(const Request&, Update&)>;
  core::Status Change(int64_t id, const std::string& what, const Decide& decide,
                      const audit::Actor& actor);
  core::Result<std::string> LetterOf(const Request& q) const;
  store::Database& db_;
  policy::PackPtr pack_;
  DistrictClock clock_;
};

}  // namespace steward::records
