#include "acknowledge/campaigns.h"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "audit/chain.h"
#include "core/csv.h"
#include "core/process.h"
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

bool IsDate(const std::string& s) {
  std::tm tm{};
  return s.size() == 10 && strptime(s.c_str(), "%Y-%m-%d", &tm) != nullptr;
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

core::Result<Campaign> CreateCampaign(store::Database& db, Campaign c,
                                      const Actor& actor) {
  if (c.title.empty())
    return core::Status::Invalid("A campaign needs a title.");
  if (!IsDate(c.opens_on) || !IsDate(c.due_on)) {
    return core::Status::Invalid("Dates are written YYYY-MM-DD.");
  }
  if (c.due_on < c.opens_on) {
    return core::Status::Invalid("The due date is before the opening date.");
  }
  if (c.audience != Audience::kAll && c.audience_value.empty()) {
    return core::Status::Invalid(
        "Choose the site or job role of the audience.");
  }
  for (char ch : c.reminder_days) {
    if (!std::isdigit(static_cast<unsigned char>(ch)) && ch != ',' &&
        ch != ' ') {
      return core::Status::Invalid(
          "Reminder days are numbers of days before the due date, such as "
          "14,7,1.");
    }
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
                   {"due_on", c.due_on}});
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

core::Result<ReminderReport> SendReminders(store::Database& db,
                                           const ReminderOptions& o) {
  ReminderReport report;
  const std::string today = o.today.empty() ? Today() : o.today;
  auto campaigns = Campaigns(db);
  if (!campaigns.ok()) return campaigns.status();
  for (const auto& c : *campaigns) {
    if (c.opens_on > today || c.due_on < today) continue;
    bool due_today = false;
    size_t b = 0;
    while (b < c.reminder_days.size()) {
      size_t e = c.reminder_days.find(',', b);
      if (e == std::string::npos) e = c.reminder_days.size();
      std::string n = c.reminder_days.substr(b, e - b);
      n.erase(0, n.find_first_not_of(' '));
      if (!n.empty() && AddDays(c.due_on, -std::stoi(n)) == today) {
        due_today = true;
      }
      b = e + 1;
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
      if (r.email.find_first_of("\r\n") != std::string::npos) continue;
      std::string message = fmt::format(
          "From: {}\nTo: {}\nSubject: Please acknowledge: {} (due {})\n"
          "Auto-Submitted: auto-generated\nContent-Type: text/plain; "
          "charset=utf-8\n\n"
          "Dear {},\n\n"
          "Each year every employee acknowledges the District's regulation on "
          "the use of technology (section Q). You have not yet acknowledged "
          "\"{}\", due {}.\n\n"
          "Sign in at {}/ , open the regulation, read it and press "
          "Acknowledge. It takes a few minutes.\n\n"
          "If it is not acknowledged by the due date, the regulation requires "
          "your technology privileges to be cancelled until it is.\n\n"
          "IT Services\n",
          o.from, r.email, c.title, c.due_on, r.name, c.title, c.due_on,
          o.portal_url);
      if (!o.dry_run) {
        auto run = core::RunProgram({o.sendmail, "-t", "-oi"}, message,
                                    {.seconds = 30, .max_output = 1 << 16});
        if (!run.ok() || run->exit_code != 0) {
          ++report.failed;
          report.errors.push_back(fmt::format(
              "{}: {}", r.email,
              run.ok() ? fmt::format("sendmail exited {}", run->exit_code)
                       : run.status().message()));
          continue;
        }
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
