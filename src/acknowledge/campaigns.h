// Annual acknowledgement of the regulation (clause Q): the versions of the
// regulation a district uploads, campaigns that ask an audience to read one
// and acknowledge it by a due date, the evidence of each acknowledgement, the
// reminders, and the reports a personnel office and ITS need.
//
// Evidence of an acknowledgement: the person, the time, the SHA-256 of the
// version they acknowledged, their address and user agent. A person must have
// opened the document (recorded by the portal when it is served) before
// Acknowledge() accepts. Each acknowledgement and each administrative change
// is an audit entry. Thread-safe; errors are values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/blobs.h"
#include "store/database.h"

namespace steward::acknowledge {

using Actor = audit::Actor;

struct Version {
  int64_t id = 0;
  std::string title, filename, content_type, sha256;
  int64_t size = 0;
  std::string uploaded_at, uploaded_by;
};

// Stores the document's bytes among the blobs and records the version.
// Accepts PDF, HTML and plain text (by content, not by name).
core::Result<Version> AddVersion(store::Database& db, const store::Blobs& blobs,
                                 const std::string& title,
                                 const std::string& filename,
                                 std::string_view bytes, const Actor& actor);
core::Result<std::vector<Version>> Versions(store::Database& db);
core::Result<Version> GetVersion(store::Database& db, int64_t id);

// Who a campaign asks: every active employee, or those of one site, or those
// of one job role.
enum class Audience { kAll, kSite, kJobRole };

// The limits every campaign is held to when it is opened (and that the
// reminders check again on what the store holds).
inline constexpr int kMinYear = 2000, kMaxYear = 2099;  // of both dates
inline constexpr size_t kMaxTitle = 200;                // bytes of UTF-8
inline constexpr size_t kMaxReminderDays = 10;          // entries in the list

struct Campaign {
  int64_t id = 0;
  std::string title;  // no control characters: it becomes a mail's subject
  int64_t version_id = 0;
  Audience audience = Audience::kAll;
  std::string audience_value;    // site id or job role
  std::string opens_on, due_on;  // YYYY-MM-DD, due after opening
  // Days before the due date, each within the campaign ("0": on the day), as
  // "14,7,1". "" when opening: those of 14, 7 and 1 that fall within it.
  std::string reminder_days;
  std::string created_by, created_at;
  std::string AudienceText() const;  // "All employees", "Site: Lincoln"
};

// Opens a campaign after checking every field: a title of at most kMaxTitle
// bytes without control characters, real calendar dates within kMinYear and
// kMaxYear with the due date after the opening date, at most
// kMaxReminderDays reminder days each from 0 to the campaign's length in
// days, and an existing version. Invalid, in words for the person who filled
// the form, otherwise. Audited.
core::Result<Campaign> CreateCampaign(store::Database& db, Campaign c,
                                      const Actor& actor);

// A campaign's reminder days, checked against its dates as CreateCampaign
// checks them, largest first. Used on values read back from the store, which
// may have been written by hand: Invalid naming the bad value, never a throw.
core::Result<std::vector<int>> ReminderDaysOf(const Campaign& c);
core::Result<std::vector<Campaign>> Campaigns(store::Database& db);
core::Result<Campaign> GetCampaign(store::Database& db, int64_t id);

// The open campaigns a person is in the audience of, with their state.
struct Assignment {
  Campaign campaign;
  Version version;
  bool opened = false;
  std::string acknowledged_at;  // "" when not yet
};
core::Result<std::vector<Assignment>> AssignmentsFor(store::Database& db,
                                                     int64_t person_id,
                                                     const std::string& today);

core::Status RecordOpen(store::Database& db, int64_t campaign_id,
                        int64_t person_id);
struct Evidence {
  std::string ip, user_agent;
};
core::Status Acknowledge(store::Database& db, int64_t campaign_id,
                         int64_t person_id, const Evidence& evidence,
                         const std::string& actor_name);

// Completion of a campaign, overall and by site and by job role.
struct Tally {
  std::string label;
  int64_t done = 0, total = 0;
  double Percent() const { return total ? 100.0 * done / total : 0.0; }
};
struct Completion {
  Tally overall;
  std::vector<Tally> by_site, by_role;
};
core::Result<Completion> CompletionOf(store::Database& db, const Campaign& c);

// One row per person in the audience.
struct StatusRow {
  int64_t person_id = 0;
  std::string source_id, name, email, site, job_role;
  std::string opened_at, acknowledged_at, version_sha256, ip, user_agent;
};
// `missing_only`: people who have not acknowledged. Calls `row` in name order
// (streaming, so 50,000 rows never sit in memory at once) until it returns
// false.
core::Status EachStatus(store::Database& db, const Campaign& c,
                        bool missing_only,
                        const std::function<bool(const StatusRow&)>& row);
// One person's row; NotFound when they are not in the audience.
core::Result<StatusRow> StatusOf(store::Database& db, const Campaign& c,
                                 int64_t person_id);

// Exports of a campaign's completion.
core::Result<std::string> CompletionCsv(store::Database& db, const Campaign& c);
core::Result<std::string> CompletionXlsx(store::Database& db,
                                         const Campaign& c);
// After the due date: those whose privileges must be cancelled (Q).
core::Result<std::string> CancellationCsv(store::Database& db,
                                          const Campaign& c);

// Reminders: for each campaign open today with a reminder day today, every
// person in the audience who has not acknowledged and has an e-mail gets one
// message through `sendmail` (sendmail-compatible: core::SendMessage gives
// it `-i -f FROM -- RCPT`), at most once a day. `portal_url` is the portal's
// public address, put in the message for people to sign in at.
//
// A campaign whose stored dates or reminder days do not pass ReminderDaysOf
// is skipped and named in `errors`; the others still go out. A bad option
// (`from`, `portal_url`, `today`) is an Invalid status and nothing is sent.
struct ReminderOptions {
  std::string sendmail = "/usr/sbin/sendmail";
  std::string from = "steward@localhost";  // checked by CheckMailAddress
  std::string portal_url = "http://127.0.0.1:8080";  // CheckPortalUrl
  std::string today;  // YYYY-MM-DD, "" for the real date
  bool dry_run = false;
  // 0: every campaign. Otherwise only this one.
  int64_t campaign_id = 0;
  // With campaign_id: send today although today is no reminder day (a
  // nudge from the dashboard); still at most one a person a day, and only
  // while the campaign is open.
  bool now = false;
};
struct ReminderReport {
  int sent = 0, failed = 0;
  int skipped_campaigns = 0;  // stored values that do not pass the checks
  std::vector<std::string> errors;
};
core::Result<ReminderReport> SendReminders(store::Database& db,
                                           const ReminderOptions& o);

// OK for an absolute http:// or https:// URL without spaces, control
// characters, quotes or angle brackets, of at most 200 bytes (a trailing '/'
// is allowed); Invalid naming it otherwise.
core::Status CheckPortalUrl(const std::string& url);

// Today as YYYY-MM-DD (UTC), and a date moved by days.
std::string Today();
std::string AddDays(const std::string& date, int days);

}  // namespace steward::acknowledge
