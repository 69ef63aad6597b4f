#include "acknowledge/campaigns.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "audit/chain.h"
#include "core/csv.h"
#include "core/outbound_mail.h"
#include "core/text.h"

namespace steward::acknowledge {

using store::P;

namespace {

constexpr size_t kMaxDocument = 20u << 20;

using audit::Record;

std::string ContentTypeOf(std::string_view bytes) {
  if (bytes.substr(0, 5) == "%PDF-") return "application/pdf";
  std::string head = core::AsciiLower(bytes.substr(0, 2048));
  if (!core::IsValidUtf8(bytes)) return "";
  if (head.find("<html") != std::string::npos ||
      head.find("<!doctype html") != std::string::npos) {
    return "text/html";
  }
  return "text/plain";
}

const char* AudienceName(Audience a) {
  switch (a) {
    case Audience::kAll:
      return "all";
    case Audience::kSite:
      return "site";
    case Audience::kJobRole:
      return "role";
  }
  return "all";
}

Audience ParseAudience(const std::string& s) {
  if (s == "site") return Audience::kSite;
  if (s == "role") return Audience::kJobRole;
  return Audience::kAll;
}

// The audience as SQL over people p (active employees), with its parameters.
std::string AudienceWhere(const Campaign& c, store::Params& params) {
  std::string w = "p.kind = 'employee' AND p.status = 'active'";
  if (c.audience == Audience::kSite) {
    w += " AND p.site_id = ?";
    params.push_back(P(c.audience_value));
  } else if (c.audience == Audience::kJobRole) {
    w += " AND p.job_role = ?";
    params.push_back(P(c.audience_value));
  }
  return w;
}

// Text that may reach a header line (a subject, a file name) or a log line:
// UTF-8, no control characters, bounded.
core::Status CheckText(const std::string& s, const std::string& what,
                       size_t max) {
  if (!core::IsValidUtf8(s)) {
    return core::Status::Invalid(what + " is not valid UTF-8 text.");
  }
  if (core::HasControlChars(s)) {
    return core::Status::Invalid(
        what + " cannot hold line breaks, tabs or other control characters.");
  }
  if (s.size() > max) {
    return core::Status::Invalid(
        fmt::format("{} is longer than {} characters.", what, max));
  }
  return {};
}

std::string Trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

// The campaign's length in days (due - opening), checking both dates.
core::Result<int64_t> LengthOf(const Campaign& c) {
  auto opens =
      core::ParseIsoDate(c.opens_on, kMinYear, kMaxYear, "The opening date");
  if (!opens.ok()) return opens.status();
  auto due = core::ParseIsoDate(c.due_on, kMinYear, kMaxYear, "The due date");
  if (!due.ok()) return due.status();
  if (*due <= *opens) {
    return core::Status::Invalid(
        fmt::format("The due date ({}) must come after the opening date ({}).",
                    c.due_on, c.opens_on));
  }
  return *due - *opens;
}

// A stored value on one line of a message's body: control characters
// (a title written into the store by hand, say) become spaces.
std::string OneLine(std::string s) {
  for (char& ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) ch = ' ';
  }
  return s;
}

std::string JoinDays(const std::vector<int>& days) {
  std::string out;
  for (int d : days) out += (out.empty() ? "" : ",") + std::to_string(d);
  return out;
}

constexpr const char* kCampaignColumns =
    "c.id, c.title, c.version_id, c.audience_kind, c.audience_value, "
    "c.opens_on, c.due_on, c.reminder_days, c.created_by, c.created_at";

Campaign CampaignFrom(const store::Row& r, size_t at = 0) {
  Campaign c;
  c.id = r.Int(at);
  c.title = r.Text(at + 1);
  c.version_id = r.Int(at + 2);
  c.audience = ParseAudience(r.Text(at + 3));
  c.audience_value = r.Text(at + 4);
  c.opens_on = r.Text(at + 5);
  c.due_on = r.Text(at + 6);
  c.reminder_days = r.Text(at + 7);
  c.created_by = r.Text(at + 8);
  c.created_at = r.Text(at + 9);
  return c;
}

constexpr const char* kVersionColumns =
    "v.id, v.title, v.filename, v.content_type, v.sha256, v.size, "
    "v.uploaded_at, v.uploaded_by";

Version VersionFrom(const store::Row& r, size_t at = 0) {
  Version v;
  v.id = r.Int(at);
  v.title = r.Text(at + 1);
  v.filename = r.Text(at + 2);
  v.content_type = r.Text(at + 3);
  v.sha256 = r.Text(at + 4);
  v.size = r.Int(at + 5);
  v.uploaded_at = r.Text(at + 6);
  v.uploaded_by = r.Text(at + 7);
  return v;
}

}  // namespace

std::string Today() { return store::NowUtc().substr(0, 10); }

std::string AddDays(const std::string& date, int days) {
  std::tm tm{};
  if (!strptime(date.c_str(), "%Y-%m-%d", &tm)) return date;
  tm.tm_mday += days;
  tm.tm_hour = 12;
  std::time_t t = timegm(&tm);
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &out);
  return buf;
}

std::string Campaign::AudienceText() const {
  switch (audience) {
    case Audience::kAll:
      return "All employees";
    case Audience::kSite:
      return "Employees of one site";
    case Audience::kJobRole:
      return "Job role: " + audience_value;
  }
  return "";
}

core::Result<Version> AddVersion(store::Database& db, const store::Blobs& blobs,
                                 const std::string& title,
                                 const std::string& filename,
                                 std::string_view bytes, const Actor& actor) {
  if (title.empty()) return core::Status::Invalid("A version needs a title.");
  if (auto st = CheckText(title, "The title", kMaxTitle); !st.ok()) return st;
  if (auto st = CheckText(filename, "The file name", 255); !st.ok()) return st;
  if (bytes.empty())
    return core::Status::Invalid(filename + ": the file is empty.");
  if (bytes.size() > kMaxDocument) {
    return core::Status::Limit(filename + ": larger than 20 MB.");
  }
  std::string type = ContentTypeOf(bytes);
  if (type.empty()) {
    return core::Status::Invalid(
        filename + ": not a PDF, HTML or text file (judged by its contents).");
  }
  auto sha = blobs.Put(bytes);
  if (!sha.ok()) return sha.status();
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto row = conn.Query(
        "INSERT INTO policy_versions (title, filename, content_type, sha256, "
        "size, uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        {P(title), P(filename), P(type), P(*sha),
         P(static_cast<int64_t>(bytes.size())), P(store::NowUtc()),
         P(actor.name)});
    if (!row.ok()) return row.status();
    id = row->front().Int(0);
    return Record(conn, actor, "policy.version.add",
                  fmt::format("version/{}", id),
                  {{"title", title}, {"sha256", *sha}, {"filename", filename}});
  });
  if (!st.ok()) return st;
  return GetVersion(db, id);
}

core::Result<std::vector<Version>> Versions(store::Database& db) {
  auto rows = db.Query(fmt::format(
      "SELECT {} FROM policy_versions v ORDER BY v.id DESC", kVersionColumns));
  if (!rows.ok()) return rows.status();
  std::vector<Version> out;
  for (const auto& r : *rows) out.push_back(VersionFrom(r));
  return out;
}

core::Result<Version> GetVersion(store::Database& db, int64_t id) {
  auto rows =
      db.Query(fmt::format("SELECT {} FROM policy_versions v WHERE v.id = ?",
                           kVersionColumns),
               {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("version {}", id));
  return VersionFrom(rows->front());
}

core::Result<std::vector<int>> ReminderDaysOf(const Campaign& c) {
  auto length = LengthOf(c);
  if (!length.ok()) return length.status();
  std::vector<int> days;
  for (const auto& piece : core::SplitList(c.reminder_days, ',')) {
    auto d = core::ParseInt(
        piece, 0, *length,
        fmt::format("A reminder day (days before the due date, within the "
                    "campaign's {} days)",
                    *length));
    if (!d.ok()) return d.status();
    if (std::find(days.begin(), days.end(), *d) == days.end()) {
      days.push_back(static_cast<int>(*d));
    }
    if (days.size() > kMaxReminderDays) {
      return core::Status::Invalid(fmt::format(
          "A campaign has at most {} reminder days.", kMaxReminderDays));
    }
  }
  std::sort(days.rbegin(), days.rend());
  return days;
}

core::Result<Campaign> CreateCampaign(store::Database& db, Campaign c,
                                      const Actor& actor) {
  c.title = Trimmed(c.title);
  if (c.title.empty())
    return core::Status::Invalid("A campaign needs a title.");
  if (auto st = CheckText(c.title, "The title", kMaxTitle); !st.ok()) return st;
  auto length = LengthOf(c);
  if (!length.ok()) return length.status();
  if (c.audience != Audience::kAll && c.audience_value.empty()) {
    return core::Status::Invalid(
        "Choose the site or job role of the audience.");
  }
  if (auto st = CheckText(c.audience_value, "The audience", kMaxTitle);
      !st.ok()) {
    return st;
  }
  if (Trimmed(c.reminder_days).empty()) {
    std::vector<int> fitting;
    for (int d : {14, 7, 1}) {
      if (d <= *length) fitting.push_back(d);
    }
    c.reminder_days = JoinDays(fitting);
  } else {
    auto days = ReminderDaysOf(c);
    if (!days.ok()) return days.status();
    c.reminder_days = JoinDays(*days);
  }
  if (auto v = GetVersion(db, c.version_id); !v.ok()) {
    return core::Status::Invalid("Choose a version of the regulation.");
  }
  c.created_by = actor.name;
  c.created_at = store::NowUtc();
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto row = conn.Query(
        "INSERT INTO campaigns (title, version_id, audience_kind, "
        "audience_value, opens_on, due_on, reminder_days, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {P(c.title), P(c.version_id), P(AudienceName(c.audience)),
         P(c.audience_value), P(c.opens_on), P(c.due_on), P(c.reminder_days),
         P(c.created_by), P(c.created_at)});
    if (!row.ok()) return row.status();
    c.id = row->front().Int(0);
    return Record(conn, actor, "campaign.create",
                  fmt::format("campaign/{}", c.id),
                  {{"title", c.title},
                   {"version", c.version_id},
                   {"audience", AudienceName(c.audience)},
                   {"audience_value", c.audience_value},
                   {"opens_on", c.opens_on},
                   {"due_on", c.due_on},
                   {"reminder_days", c.reminder_days}});
  });
  if (!st.ok()) return st;
  return c;
}

core::Result<std::vector<Campaign>> Campaigns(store::Database& db) {
  auto rows = db.Query(fmt::format(
      "SELECT {} FROM campaigns c ORDER BY c.due_on DESC, c.id DESC",
      kCampaignColumns));
  if (!rows.ok()) return rows.status();
  std::vector<Campaign> out;
  for (const auto& r : *rows) out.push_back(CampaignFrom(r));
  return out;
}

core::Result<Campaign> GetCampaign(store::Database& db, int64_t id) {
  auto rows = db.Query(fmt::format("SELECT {} FROM campaigns c WHERE c.id = ?",
                                   kCampaignColumns),
                       {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("campaign {}", id));
  return CampaignFrom(rows->front());
}

core::Result<std::vector<Assignment>> AssignmentsFor(store::Database& db,
                                                     int64_t person_id,
                                                     const std::string& today) {
  auto campaigns = db.Query(
      fmt::format("SELECT {}, {}, o.at, a.at FROM campaigns c JOIN "
                  "policy_versions v ON v.id = c.version_id JOIN people p ON "
                  "p.id = ? LEFT JOIN document_opens o ON o.campaign_id = c.id "
                  "AND o.person_id = p.id LEFT JOIN acknowledgements a ON "
                  "a.campaign_id = c.id AND a.person_id = p.id WHERE "
                  "c.opens_on <= ? AND p.kind = 'employee' AND p.status = "
                  "'active' AND (c.audience_kind = 'all' OR (c.audience_kind "
                  "= 'site' AND c.audience_value = CAST(p.site_id AS TEXT)) OR "
                  "(c.audience_kind = 'role' AND c.audience_value = "
                  "p.job_role)) ORDER BY c.due_on",
                  kCampaignColumns, kVersionColumns),
      {P(person_id), P(today)});
  if (!campaigns.ok()) return campaigns.status();
  std::vector<Assignment> out;
  for (const auto& r : *campaigns) {
    Assignment a;
    a.campaign = CampaignFrom(r, 0);
    a.version = VersionFrom(r, 10);
    a.opened = !r.IsNull(18);
    a.acknowledged_at = r.Text(19);
    out.push_back(std::move(a));
  }
  return out;
}

core::Status RecordOpen(store::Database& db, int64_t campaign_id,
                        int64_t person_id) {
  return db.Exec(
      "INSERT INTO document_opens (campaign_id, person_id, at) VALUES (?, ?, "
      "?) ON CONFLICT (campaign_id, person_id) DO NOTHING",
      {P(campaign_id), P(person_id), P(store::NowUtc())});
}

core::Status Acknowledge(store::Database& db, int64_t campaign_id,
                         int64_t person_id, const Evidence& evidence,
                         const std::string& actor_name) {
  auto assignments = AssignmentsFor(db, person_id, Today());
  if (!assignments.ok()) return assignments.status();
  const Assignment* mine = nullptr;
  for (const auto& a : *assignments) {
    if (a.campaign.id == campaign_id) mine = &a;
  }
  if (!mine) {
    return core::Status::NotFound("This campaign is not open to you.");
  }
  if (!mine->acknowledged_at.empty()) return {};  // already done: idempotent
  if (!mine->opened) {
    return core::Status::Invalid(
        "Open and read the regulation before acknowledging it.");
  }
  return db.Transact([&](store::Conn& conn) -> core::Status {
    auto ins = conn.Query(
        "INSERT INTO acknowledgements (campaign_id, person_id, at, "
        "version_sha256, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?) ON "
        "CONFLICT (campaign_id, person_id) DO NOTHING RETURNING person_id",
        {P(campaign_id), P(person_id), P(store::NowUtc()),
         P(mine->version.sha256), P(evidence.ip),
         P(evidence.user_agent.substr(0, 512))});
    if (!ins.ok()) return ins.status();
    if (ins->empty()) return {};
    return Record(conn, {actor_name, evidence.ip}, "acknowledge",
                  fmt::format("campaign/{}", campaign_id),
                  {{"person", person_id}, {"sha256", mine->version.sha256}});
  });
}

core::Result<Completion> CompletionOf(store::Database& db, const Campaign& c) {
  Completion out;
  out.overall.label = "All";
  auto group = [&](const char* key, std::vector<Tally>& into) -> core::Status {
    store::Params params{P(c.id)};
    std::string where = AudienceWhere(c, params);
    auto rows = db.Query(
        fmt::format("SELECT {}, COUNT(*), COUNT(a.person_id) FROM people p "
                    "LEFT JOIN sites s ON s.id = p.site_id LEFT JOIN "
                    "acknowledgements a ON a.campaign_id = ? AND a.person_id = "
                    "p.id WHERE {} GROUP BY 1 ORDER BY 1",
                    key, where),
        params);
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      Tally t{r.IsNull(0) || r.Text(0).empty() ? "(none)" : r.Text(0), r.Int(2),
              r.Int(1)};
      into.push_back(t);
    }
    return {};
  };
  if (auto st = group("s.name", out.by_site); !st.ok()) return st;
  if (auto st = group("p.job_role", out.by_role); !st.ok()) return st;
  for (const auto& t : out.by_site) {
    out.overall.done += t.done;
    out.overall.total += t.total;
  }
  return out;
}

namespace {

core::Status Statuses(store::Database& db, const Campaign& c, bool missing_only,
                      int64_t person_id,
                      const std::function<bool(const StatusRow&)>& row) {
  // Pages of 2,000 by (family, given, id), so memory stays bounded.
  std::string after_family, after_given;
  int64_t after_id = -1;
  for (;;) {
    store::Params params{P(c.id), P(c.id)};
    std::string where = AudienceWhere(c, params);
    if (missing_only) where += " AND a.person_id IS NULL";
    if (person_id) {
      where += " AND p.id = ?";
      params.push_back(P(person_id));
    }
    if (after_id >= 0) {
      where +=
          " AND (p.family_name > ? OR (p.family_name = ? AND (p.given_name > ? "
          "OR (p.given_name = ? AND p.id > ?))))";
      params.insert(params.end(),
                    {P(after_family), P(after_family), P(after_given),
                     P(after_given), P(after_id)});
    }
    auto rows = db.Query(
        fmt::format(
            "SELECT p.id, p.source_id, p.given_name, p.family_name, "
            "p.email, s.name, p.job_role, o.at, a.at, "
            "a.version_sha256, a.ip, a.user_agent FROM people p LEFT "
            "JOIN sites s ON s.id = p.site_id LEFT JOIN "
            "document_opens o ON o.campaign_id = ? AND o.person_id = "
            "p.id LEFT JOIN acknowledgements a ON a.campaign_id = ? AND "
            "a.person_id = p.id WHERE {} ORDER BY p.family_name, "
            "p.given_name, p.id LIMIT 2000",
            where),
        params);
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      StatusRow s;
      s.person_id = r.Int(0);
      s.source_id = r.Text(1);
      s.name = r.Text(2) + " " + r.Text(3);
      s.email = r.Text(4);
      s.site = r.Text(5);
      s.job_role = r.Text(6);
      s.opened_at = r.Text(7);
      s.acknowledged_at = r.Text(8);
      s.version_sha256 = r.Text(9);
      s.ip = r.Text(10);
      s.user_agent = r.Text(11);
      if (!row(s)) return {};
      after_family = r.Text(3);
      after_given = r.Text(2);
      after_id = s.person_id;
    }
    if (rows->size() < 2000) return {};
  }
}

}  // namespace

core::Status EachStatus(store::Database& db, const Campaign& c,
                        bool missing_only,
                        const std::function<bool(const StatusRow&)>& row) {
  return Statuses(db, c, missing_only, 0, row);
}

core::Result<StatusRow> StatusOf(store::Database& db, const Campaign& c,
                                 int64_t person_id) {
  std::optional<StatusRow> found;
  auto st = Statuses(db, c, false, person_id, [&](const StatusRow& r) {
    found = r;
    return false;
  });
  if (!st.ok()) return st;
  if (!found) return core::Status::NotFound("not in this campaign's audience");
  return *found;
}

core::Result<std::string> CompletionCsv(store::Database& db,
                                        const Campaign& c) {
  std::string out =
      "employee_id,name,email,site,job_role,opened_at,acknowledged_at,"
      "version_sha256,ip_address\r\n";
  auto st = EachStatus(db, c, false, [&](const StatusRow& r) {
    for (const auto* f :
         {&r.source_id, &r.name, &r.email, &r.site, &r.job_role, &r.opened_at,
          &r.acknowledged_at, &r.version_sha256}) {
      out += core::CsvField(*f) + ",";
    }
    out += core::CsvField(r.ip) + "\r\n";
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

core::Result<std::string> CancellationCsv(store::Database& db,
                                          const Campaign& c) {
  if (Today() <= c.due_on) {
    return core::Status::Invalid(fmt::format(
        "The campaign is due {}; the cancellation list exists after that.",
        c.due_on));
  }
  std::string out = "employee_id,name,email,site,job_role,due_on,reason\r\n";
  auto st = EachStatus(db, c, true, [&](const StatusRow& r) {
    for (const auto* f :
         {&r.source_id, &r.name, &r.email, &r.site, &r.job_role, &c.due_on}) {
      out += core::CsvField(*f) + ",";
    }
    out += core::CsvField(
               "Did not acknowledge the regulation by the due date (Q): "
               "technology privileges to be cancelled") +
           "\r\n";
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

core::Status CheckPortalUrl(const std::string& url) {
  auto refuse = [&](const char* why) {
    std::string shown = url.substr(0, 100);
    for (char& ch : shown) {
      if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    }
    return core::Status::Invalid(
        fmt::format("The portal's public URL '{}' {}; give one such as "
                    "https://steward.district.org",
                    shown, why));
  };
  if (url.size() > 200) return refuse("is longer than 200 characters");
  size_t host = url.rfind("https://", 0) == 0  ? 8
                : url.rfind("http://", 0) == 0 ? 7
                                               : 0;
  if (!host) return refuse("does not start with https:// or http://");
  if (host >= url.size() || url[host] == '/' || url[host] == ':')
    return refuse("names no host");
  for (unsigned char ch : url) {
    if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' || ch == '>' ||
        ch == '\\' || ch == '`') {
      return refuse(
          "holds a space, a control character or a character "
          "that is not plain ASCII");
    }
  }
  return {};
}

core::Result<ReminderReport> SendReminders(store::Database& db,
                                           const ReminderOptions& o) {
  ReminderReport report;
  const std::string today = o.today.empty() ? Today() : o.today;
  if (auto t = core::ParseIsoDate(today, kMinYear, kMaxYear, "Today");
      !t.ok()) {
    return t.status();
  }
  if (auto st = core::CheckMailAddress(o.from); !st.ok()) {
    return core::Status::Invalid("The reminders' From address: " +
                                 st.message());
  }
  if (auto st = CheckPortalUrl(o.portal_url); !st.ok()) return st;
  if (o.now && o.campaign_id == 0) {
    return core::Status::Invalid("Choose the campaign to send reminders for.");
  }
  std::string url = o.portal_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::vector<Campaign> campaigns;
  if (o.campaign_id) {
    auto one = GetCampaign(db, o.campaign_id);
    if (!one.ok()) return one.status();
    campaigns.push_back(std::move(one).value());
  } else {
    auto all = Campaigns(db);
    if (!all.ok()) return all.status();
    campaigns = std::move(all).value();
  }
  for (const auto& c : campaigns) {
    // Values read back from the store are checked again: a campaign written
    // by hand with a bad value loses its reminders, not the process.
    auto days = ReminderDaysOf(c);
    if (!days.ok()) {
      ++report.skipped_campaigns;
      report.errors.push_back(
          fmt::format("campaign {}: {} (its reminders are skipped until it is "
                      "corrected)",
                      c.id, days.status().message()));
      continue;
    }
    if (c.opens_on > today || c.due_on < today) {
      if (o.now) {
        report.errors.push_back(fmt::format(
            "campaign {} is not open today ({} to {}); no reminders sent.",
            c.id, c.opens_on, c.due_on));
      }
      continue;
    }
    bool due_today = o.now;
    for (int d : *days) {
      if (AddDays(c.due_on, -d) == today) due_today = true;
    }
    if (!due_today) continue;
    std::vector<StatusRow> missing;
    auto st = EachStatus(db, c, true, [&](const StatusRow& r) {
      if (!r.email.empty()) missing.push_back(r);
      return true;
    });
    if (!st.ok()) return st;
    for (const auto& r : missing) {
      auto sent = db.Query(
          "SELECT 1 FROM reminders WHERE campaign_id = ? AND person_id = ? AND "
          "sent_on = ?",
          {P(c.id), P(r.person_id), P(today)});
      if (!sent.ok()) return sent.status();
      if (!sent->empty()) continue;
      core::OutboundMessage m;
      m.from = {o.from, "IT Services"};
      m.to = {{r.email, ""}};
      m.subject =
          fmt::format("Please acknowledge: {} (due {})", c.title, c.due_on);
      m.extra_headers = {{"Auto-Submitted", "auto-generated"}};
      m.body = fmt::format(
          "Dear {},\n\n"
          "Each year every employee acknowledges the District's regulation on "
          "the use of technology (section Q). You have not yet acknowledged "
          "\"{}\", due {}.\n\n"
          "Sign in at {}/ then open the regulation, read it and press "
          "Acknowledge. It takes a few minutes.\n\n"
          "If it is not acknowledged by the due date, the regulation requires "
          "your technology privileges to be cancelled until it is.\n\n"
          "IT Services\n",
          OneLine(r.name), OneLine(c.title), c.due_on, url);
      // A dry run composes, so a refused address shows as a failure too.
      core::Status delivered =
          o.dry_run ? core::ComposeMessage(m).status()
                    : core::SendMessage({.program = o.sendmail}, m);
      if (!delivered.ok()) {
        ++report.failed;
        report.errors.push_back(fmt::format("campaign {}, person {}: {}", c.id,
                                            r.person_id, delivered.message()));
        continue;
      }
      if (!o.dry_run) {
        if (auto rec = db.Exec(
                "INSERT INTO reminders (campaign_id, person_id, sent_on) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                {P(c.id), P(r.person_id), P(today)});
            !rec.ok()) {
          return rec;
        }
      }
      ++report.sent;
    }
  }
  return report;
}

}  // namespace steward::acknowledge
