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

struct Campaign {
  int64_t id = 0;
  std::string title;
  int64_t version_id = 0;
  Audience audience = Audience::kAll;
  std::string audience_value;            // site id or job role
  std::string opens_on, due_on;          // YYYY-MM-DD
  std::string reminder_days = "14,7,1";  // days before due; "0" on the day
  std::string created_by, created_at;
  std::string AudienceText() const;  // "All employees", "Site: Lincoln"
};

core::Result<Campaign> CreateCampaign(store::Database& db, Campaign c,
                                      const Actor& actor);
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
// message through `sendmail` (a sendmail-compatible program, -t -oi), at most
// once a day. Returns how many were sent. `portal_url` goes in the message.
struct ReminderOptions {
  std::string sendmail = "/usr/sbin/sendmail";
  std::string from = "steward@localhost";
  std::string portal_url = "http://127.0.0.1:8080";
  std::string today;  // YYYY-MM-DD, "" for the real date
  bool dry_run = false;
};
struct ReminderReport {
  int sent = 0, failed = 0;
  std::vector<std::string> errors;
};
core::Result<ReminderReport> SendReminders(store::Database& db,
                                           const ReminderOptions& o);

// Today as YYYY-MM-DD (UTC), and a date moved by days.
std::string Today();
std::string AddDays(const std::string& date, int days);

}  // namespace steward::acknowledge
