// Acknowledgement campaigns over the store, on SQLite and PostgreSQL alike:
// versions, acknowledgements and their evidence, audiences, exports (cells
// never become formulas) and reminders.
#include "acknowledge/campaigns.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/csv.h"
#include "people/people.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using store::P;
using testing::StoreTest;

// The campaign's dates are fixed and wide (open since 2020, due 2099), and
// every date a test asks about is one it names: nothing here reads the
// clock in set-up and again in an assertion, so a run across midnight (or
// any day) gives the same answers.
constexpr const char* kOpensOn = "2020-01-01";
constexpr const char* kDueOn = "2099-12-31";
constexpr const char* kADayOpen = "2026-06-01";  // between the two

class Campaigns : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    std::string csv =
        "id,given_name,family_name,email,site,job_role\n"
        "E1,Ada,Lovelace,ada@example-usd.org,Lincoln Elementary,teacher\n"
        "E2,Grace,Hopper,grace@example-usd.org,Lincoln Elementary,teacher\n"
        "E3,Alan,Turing,alan@example-usd.org,Cedar Elementary,aide\n";
    ASSERT_TRUE(
        people::ImportEmployeesCsv(*db_, csv, "staff.csv", {"cli:test", ""})
            .ok());
    blobs_ = std::make_unique<store::Blobs>((dir_ / "blobs").string());
    auto v = acknowledge::AddVersion(
        *db_, *blobs_, "Regulation 2026", "reg.txt",
        "Employees shall use technology well.\n", {"admin", ""});
    ASSERT_TRUE(v.ok()) << v.status().message();
    version_ = *v;
    acknowledge::Campaign c;
    c.title = "Annual 2026";
    c.version_id = v->id;
    c.opens_on = kOpensOn;
    c.due_on = kDueOn;
    auto made = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
    ASSERT_TRUE(made.ok()) << made.status().message();
    campaign_ = *made;
    for (const char* name : {"Ada", "Grace", "Alan"}) {
      ids_.push_back(people::Find(*db_, {.text = name})->front().id);
    }
  }
  std::unique_ptr<store::Blobs> blobs_;
  acknowledge::Version version_;
  acknowledge::Campaign campaign_;
  std::vector<int64_t> ids_;
};
STEWARD_BOTH_BACKENDS(Campaigns);

TEST_P(Campaigns, VersionsAreStoredByHashAndJudgedByContent) {
  EXPECT_EQ(version_.content_type, "text/plain");
  auto back = blobs_->Get(version_.sha256, 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "Employees shall use technology well.\n");
  auto pdf = acknowledge::AddVersion(*db_, *blobs_, "PDF", "reg.pdf",
                                     "%PDF-1.4\n...", {"admin", ""});
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(pdf->content_type, "application/pdf");
  auto bad = acknowledge::AddVersion(*db_, *blobs_, "Bin", "reg.pdf",
                                     std::string("\x00\xff\xfe\x01", 4),
                                     {"admin", ""});
  EXPECT_FALSE(bad.ok());
}

TEST_P(Campaigns, AcknowledgingNeedsTheDocumentOpenedAndRecordsEvidence) {
  acknowledge::Evidence ev{"10.1.2.3", "Mozilla/5.0 test"};
  auto early = acknowledge::Acknowledge(*db_, campaign_.id, ids_[0], ev, "ada");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.message().find("Open and read"), std::string::npos);
  ASSERT_TRUE(acknowledge::RecordOpen(*db_, campaign_.id, ids_[0]).ok());
  ASSERT_TRUE(
      acknowledge::Acknowledge(*db_, campaign_.id, ids_[0], ev, "ada").ok());
  ASSERT_TRUE(acknowledge::Acknowledge(*db_, campaign_.id, ids_[0], ev, "ada")
                  .ok());  // idempotent
  auto rows =
      db_->Query("SELECT version_sha256, ip, user_agent FROM acknowledgements");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().Text(0), version_.sha256);
  EXPECT_EQ(rows->front().Text(1), "10.1.2.3");
  EXPECT_EQ(rows->front().Text(2), "Mozilla/5.0 test");
  auto c = acknowledge::CompletionOf(*db_, campaign_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->overall.done, 1);
  EXPECT_EQ(c->overall.total, 3);
  ASSERT_EQ(c->by_site.size(), 2u);
  EXPECT_EQ(c->by_site[1].label, "Lincoln Elementary");
  EXPECT_EQ(c->by_site[1].done, 1);
  EXPECT_EQ(c->by_site[1].total, 2);
}

TEST_P(Campaigns, AudienceBySiteOrRole) {
  acknowledge::Campaign c = campaign_;
  c.audience = acknowledge::Audience::kJobRole;
  c.audience_value = "aide";
  auto aides = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
  ASSERT_TRUE(aides.ok());
  auto done = acknowledge::CompletionOf(*db_, *aides);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->overall.total, 1);
  auto ada = acknowledge::AssignmentsFor(*db_, ids_[0], kADayOpen);
  ASSERT_TRUE(ada.ok());
  EXPECT_EQ(ada->size(), 1u);  // not an aide
  auto alan = acknowledge::AssignmentsFor(*db_, ids_[2], kADayOpen);
  ASSERT_TRUE(alan.ok());
  EXPECT_EQ(alan->size(), 2u);
}

TEST_P(Campaigns, ExportsAndTheCancellationList) {
  ASSERT_TRUE(acknowledge::RecordOpen(*db_, campaign_.id, ids_[1]).ok());
  ASSERT_TRUE(acknowledge::Acknowledge(*db_, campaign_.id, ids_[1],
                                       {"10.0.0.1", "ua"}, "grace")
                  .ok());
  auto csv = acknowledge::CompletionCsv(*db_, campaign_);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(
      csv->rfind(
          "employee_id,name,email,site,job_role,opened_at,acknowledged_at", 0),
      0u);
  EXPECT_NE(csv->find("\"E2\",\"Grace Hopper\""), std::string::npos);
  auto xlsx = acknowledge::CompletionXlsx(*db_, campaign_);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().message();
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
  EXPECT_GT(xlsx->size(), 3000u);
  // Before the due date there is no cancellation list.
  EXPECT_FALSE(acknowledge::CancellationCsv(*db_, campaign_).ok());
  acknowledge::Campaign past = campaign_;
  past.due_on = "2020-12-31";
  auto cancel = acknowledge::CancellationCsv(*db_, past);
  ASSERT_TRUE(cancel.ok());
  EXPECT_NE(cancel->find("Ada Lovelace"), std::string::npos);
  EXPECT_NE(cancel->find("Alan Turing"), std::string::npos);
  EXPECT_EQ(cancel->find("Grace Hopper"), std::string::npos);
}

// Every field of a campaign is checked when it is opened, with a message
// for the person who filled the form (issue 11, items 1 and 7).
TEST_P(Campaigns, ABadCampaignIsRefusedWithAMessage) {
  auto refused = [&](acknowledge::Campaign c, const std::string& says) {
    auto made = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
    ASSERT_FALSE(made.ok()) << "accepted: " << says;
    EXPECT_EQ(made.status().code(), core::Code::kInvalidArgument);
    EXPECT_NE(made.status().message().find(says), std::string::npos)
        << made.status().message();
  };
  acknowledge::Campaign c = campaign_;  // eight days long
  c.id = 0;
  c.opens_on = "2030-01-01";
  c.due_on = "2030-01-09";
  c.reminder_days = "99999999999";
  refused(c,
          "A reminder day (days before the due date, within the campaign's 8 "
          "days) is a whole number from 0 to 8, not '99999999999'");
  c.reminder_days = "14,7,1";
  refused(c, "from 0 to 8, not '14'");
  c.reminder_days = "7,-1";
  refused(c, "not '-1'");
  c.reminder_days = "7,1x";
  refused(c, "not '1x'");
  acknowledge::Campaign many = c;
  many.due_on = acknowledge::AddDays(c.opens_on, 60);
  many.reminder_days = "1,2,3,4,5,6,7,8,9,10,11";
  refused(many, "at most 10 reminder days");
  c.reminder_days = "7";
  acknowledge::Campaign dates = c;
  dates.due_on = "2026-02-30";
  refused(dates, "The due date is a date written YYYY-MM-DD");
  dates.due_on = "99999-01-01";
  refused(dates, "The due date is a date written YYYY-MM-DD");
  dates = c;
  dates.opens_on = "1900-01-01";
  refused(dates,
          "The opening date is a date written YYYY-MM-DD between "
          "2000-01-01 and 2099-12-31, not '1900-01-01'");
  dates = c;
  dates.due_on = c.opens_on;
  refused(dates, "must come after the opening date");
  acknowledge::Campaign title = c;
  title.title = "Annual 2026\r\nBcc: someone@elsewhere.example";
  refused(title, "The title cannot hold line breaks");
  title.title = "Annual\t2026";
  refused(title, "The title cannot hold line breaks");
  title.title = std::string(201, 'x');
  refused(title, "The title is longer than 200 characters");
  acknowledge::Campaign audience = c;
  audience.audience = acknowledge::Audience::kJobRole;
  audience.audience_value = "teacher\nBcc: x@y.example";
  refused(audience, "The audience cannot hold line breaks");
  // Reminder days are stored in one form; left out, those of 14, 7, 1 that
  // fall within the campaign.
  c.reminder_days = " 1, 7,7 ,0";
  auto made = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(acknowledge::GetCampaign(*db_, made->id)->reminder_days, "7,1,0");
  c.reminder_days = "";
  auto defaults = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
  ASSERT_TRUE(defaults.ok()) << defaults.status().message();
  EXPECT_EQ(acknowledge::GetCampaign(*db_, defaults->id)->reminder_days, "7,1");
}

// A bad value written into the store by hand (or by an older version) costs
// that campaign its reminders, never the process (issue 11, item 1).
TEST_P(Campaigns, ABadStoredValueDoesNotStopTheReminders) {
  std::string outbox = (dir_ / "outbox").string();
  std::string fake = Write(
      "sendmail", "#!/bin/sh\necho \"ARGS $*\" >> " + outbox + "\ncat >> " +
                      outbox + "\necho '--end--' >> " + outbox + "\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  // Two campaigns of eight days: one to spoil in the store, one good.
  acknowledge::Campaign shortc = campaign_;
  shortc.id = 0;
  shortc.title = "Short 2030";
  shortc.opens_on = "2030-01-01";
  shortc.due_on = "2030-01-09";
  shortc.reminder_days = "7,1";
  auto spoilt = acknowledge::CreateCampaign(*db_, shortc, {"admin", ""});
  ASSERT_TRUE(spoilt.ok()) << spoilt.status().message();
  const int64_t bad_id = spoilt->id;
  acknowledge::Campaign second = shortc;
  second.title = "Second 2026";
  second.reminder_days = "";
  auto good = acknowledge::CreateCampaign(*db_, second, {"admin", ""});
  ASSERT_TRUE(good.ok()) << good.status().message();
  for (const char* bad : {"99999999999", "7,x", "-3", "100"}) {
    ASSERT_TRUE(db_->Exec("UPDATE campaigns SET reminder_days = ? WHERE id = ?",
                          {P(std::string(bad)), P(bad_id)})
                    .ok());
    acknowledge::ReminderOptions o;
    o.sendmail = fake;
    o.from = "its@example-usd.org";
    o.today = acknowledge::AddDays(shortc.due_on, -7);
    o.dry_run = true;
    auto r = acknowledge::SendReminders(*db_, o);
    ASSERT_TRUE(r.ok()) << bad << ": " << r.status().message();
    EXPECT_EQ(r->skipped_campaigns, 1) << bad;
    EXPECT_EQ(r->sent, 3) << bad;  // the good campaign's
    ASSERT_EQ(r->errors.size(), 1u) << bad;
    EXPECT_NE(
        r->errors[0].find(fmt::format("campaign {}: A reminder day", bad_id)),
        std::string::npos)
        << r->errors[0];
  }
  // Dates the calendar does not have, and a hostile title planted directly.
  ASSERT_TRUE(db_->Exec("UPDATE campaigns SET reminder_days = '7', due_on = "
                        "'2026-02-30' WHERE id = ?",
                        {P(bad_id)})
                  .ok());
  ASSERT_TRUE(db_->Exec("UPDATE campaigns SET title = ? WHERE id = ?",
                        {P(std::string("Second\r\nBcc: eve@evil.example")),
                         P(good->id)})
                  .ok());
  acknowledge::ReminderOptions o;
  o.sendmail = fake;
  o.from = "its@example-usd.org";
  o.today = acknowledge::AddDays(shortc.due_on, -7);
  auto r = acknowledge::SendReminders(*db_, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->skipped_campaigns, 1);
  EXPECT_EQ(r->sent, 3);
  EXPECT_NE(r->errors.at(0).find("The due date is a date"), std::string::npos);
  std::string mail = testing::ReadAll(outbox);
  EXPECT_NE(mail.find("ARGS -i -f its@example-usd.org -- ada@example-usd.org"),
            std::string::npos)
      << mail;
  EXPECT_NE(mail.find("Subject: Please acknowledge: Second  Bcc: "
                      "eve@evil.example (due "),
            std::string::npos)
      << mail;
  EXPECT_EQ(mail.find("\nBcc:"), std::string::npos) << mail;
  EXPECT_EQ(mail.find('\r'), std::string::npos);
  EXPECT_NE(mail.find("acknowledged \"Second  Bcc: eve@evil.example\""),
            std::string::npos);
}

// "Send reminders" for one campaign goes out for that campaign only, and
// the link is the portal's public URL (issue 11, item 15).
TEST_P(Campaigns, RemindersForOneCampaignOnlyLinkToThePublicUrl) {
  std::string outbox = (dir_ / "outbox").string();
  std::string fake = Write("sendmail", "#!/bin/sh\ncat >> " + outbox + "\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  acknowledge::Campaign other = campaign_;
  other.title = "Other 2026";
  other.reminder_days = "";
  auto second = acknowledge::CreateCampaign(*db_, other, {"admin", ""});
  ASSERT_TRUE(second.ok());
  acknowledge::ReminderOptions o;
  o.sendmail = fake;
  o.from = "its@example-usd.org";
  o.portal_url = "https://steward.example-usd.org/";
  o.campaign_id = second->id;
  o.now = true;  // today is no reminder day of either campaign
  // One day for both runs: run at midnight, the second was the next day's
  // and sent again (found by a CI run that started at 23:59).
  o.today = acknowledge::Today();
  auto r = acknowledge::SendReminders(*db_, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sent, 3);
  std::string mail = testing::ReadAll(outbox);
  EXPECT_NE(mail.find("Subject: Please acknowledge: Other 2026"),
            std::string::npos);
  EXPECT_EQ(mail.find("Annual 2026"), std::string::npos);
  EXPECT_NE(mail.find("Sign in at https://steward.example-usd.org/ then"),
            std::string::npos)
      << mail;
  EXPECT_EQ(mail.find("127.0.0.1"), std::string::npos);
  // Once a day a person, even when asked again.
  auto again = acknowledge::SendReminders(*db_, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sent, 0);
  // Options are checked before anything is sent.
  o.portal_url = "javascript:alert(1)";
  EXPECT_FALSE(acknowledge::SendReminders(*db_, o).ok());
  o.portal_url = "https://steward.example-usd.org";
  o.from = "its@example-usd.org\nBcc: eve@evil.example";
  EXPECT_FALSE(acknowledge::SendReminders(*db_, o).ok());
}

namespace {

// One member of a zip (an XLSX workbook), read with libarchive.
std::string ZipMember(const std::string& zip, const std::string& name) {
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  std::string out;
  if (archive_read_open_memory(a, zip.data(), zip.size()) == ARCHIVE_OK) {
    archive_entry* e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      if (name != archive_entry_pathname(e)) continue;
      char buf[8192];
      la_ssize_t n;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
        out.append(buf, n);
      break;
    }
  }
  archive_read_free(a);
  return out;
}

}  // namespace

// Names that start like a formula leave as text: quoted with an apostrophe
// in CSV, string cells (never formulas) in XLSX (issue 11, item 16).
TEST_P(Campaigns, ExportsNeutraliseCellsThatStartLikeAFormula) {
  const std::pair<const char*, const char*> names[] = {
      {"E1", "=HYPERLINK(\"http://evil.example\")"},
      {"E2", "\t=1+1"},
      {"E3", "\r@SUM(A1)"}};
  for (const auto& [id, given] : names) {
    ASSERT_TRUE(
        db_->Exec("UPDATE people SET given_name = ? WHERE source_id = ?",
                  {P(std::string(given)), P(std::string(id))})
            .ok());
  }
  auto csv = acknowledge::CompletionCsv(*db_, campaign_);
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv->find("\"'=HYPERLINK(\"\"http://evil.example\"\") Lovelace\""),
            std::string::npos)
      << *csv;
  // A tab is written as a space and a CR as a line end (core::CsvField),
  // still neutralised.
  EXPECT_NE(csv->find("\"' =1+1 Hopper\""), std::string::npos) << *csv;
  EXPECT_NE(csv->find("\"'\n@SUM(A1) Turing\""), std::string::npos);
  auto xlsx = acknowledge::CompletionXlsx(*db_, campaign_);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().message();
  std::string sheet = ZipMember(*xlsx, "xl/worksheets/sheet3.xml");
  std::string strings = ZipMember(*xlsx, "xl/sharedStrings.xml");
  ASSERT_FALSE(sheet.empty());
  EXPECT_EQ(sheet.find("<f>"), std::string::npos);  // no formula anywhere
  EXPECT_NE(strings.find("<t>=HYPERLINK(\"http://evil.example\") "
                         "Lovelace</t>"),
            std::string::npos)
      << strings;
  EXPECT_NE(strings.find("\t=1+1 Hopper"), std::string::npos);
}

TEST_P(Campaigns, RemindersGoThroughSendmailOnceADay) {
  std::string outbox = (dir_ / "outbox").string();
  std::string fake =
      Write("sendmail", "#!/bin/sh\ncat >> " + outbox + "\necho '--end--' >> " +
                            outbox + "\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  acknowledge::ReminderOptions o;
  o.sendmail = fake;
  o.from = "its@example-usd.org";
  o.today = acknowledge::AddDays(campaign_.due_on, -7);  // a reminder day
  auto r = acknowledge::SendReminders(*db_, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sent, 3);
  EXPECT_EQ(r->failed, 0);
  auto again = acknowledge::SendReminders(*db_, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sent, 0);  // already sent today
  std::string mail = testing::ReadAll(outbox);
  EXPECT_NE(mail.find("To: ada@example-usd.org"), std::string::npos);
  EXPECT_NE(mail.find("Subject: Please acknowledge: Annual 2026"),
            std::string::npos);
  EXPECT_NE(mail.find("(section Q)"), std::string::npos);
  o.today = acknowledge::AddDays(campaign_.due_on, -5);  // not a reminder day
  auto none = acknowledge::SendReminders(*db_, o);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->sent, 0);
}

// ---------------------------------------------------------------------------
// Export cells that start with = + - @ (or TAB or CR, which spreadsheet
// programs skip before reading a formula) never become formulas: in CSV the
// cell starts with an apostrophe; in XLSX every cell is a string (docs/
// portal.md, "Annual acknowledgement" 6). The hostile values are put in the
// store as an import from another system could leave them.

class CampaignExports : public Campaigns {
 protected:
  struct Person {
    std::string id, given, role = "teacher";
  };
  // Adds these employees (to the set-up's three, in one import: a new
  // employees file replaces the last), then gives each its given name
  // (which starts the name cell) and job role as stored.
  void Hostile(const std::vector<Person>& extra) {
    std::string csv =
        "id,given_name,family_name,email,site,job_role\n"
        "E1,Ada,Lovelace,ada@example-usd.org,Lincoln Elementary,teacher\n"
        "E2,Grace,Hopper,grace@example-usd.org,Lincoln Elementary,teacher\n"
        "E3,Alan,Turing,alan@example-usd.org,Cedar Elementary,aide\n";
    for (const auto& p : extra)
      csv += p.id + ",Placeholder,Person," + p.id +
             "@example-usd.org,Lincoln Elementary,teacher\n";
    auto r =
        people::ImportEmployeesCsv(*db_, csv, "staff.csv", {"cli:test", ""});
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->created, static_cast<int>(extra.size()));
    for (const auto& p : extra)
      ASSERT_TRUE(
          db_->Exec("UPDATE people SET given_name = ?, job_role = ? "
                    "WHERE source_id = ?",
                    {store::P(p.given), store::P(p.role), store::P(p.id)})
              .ok());
  }
  // Every cell of every data row of a CSV export.
  std::vector<std::string> Cells(const std::string& csv) {
    std::vector<std::string> out;
    EXPECT_TRUE(core::ReadCsv(csv, [&](const core::CsvRecord& r) {
                  if (r.line > 1)
                    out.insert(out.end(), r.fields.begin(), r.fields.end());
                  return true;
                }).ok());
    return out;
  }
  // The XLSX's worksheets: how many formula cells, how many cells that are
  // not strings, and the shared strings.
  nlohmann::json Workbook(const std::string& xlsx) {
    std::string path = Write("export.xlsx", xlsx);
    auto r = testing::Run(
        "python3 -c 'import zipfile,re,json,sys\n"
        "z=zipfile.ZipFile(sys.argv[1])\n"
        "sheets=[z.read(n).decode() for n in z.namelist() if "
        "n.startswith(\"xl/worksheets/sheet\")]\n"
        "ss=z.read(\"xl/sharedStrings.xml\").decode()\n"
        "print(json.dumps({\"sheets\":len(sheets),"
        "\"formulas\":sum(len(re.findall(r\"<f[ >]\",s)) for s in sheets),"
        "\"strings\":re.findall(r\"<t[^>]*>([^<]*)</t>\",ss),"
        "\"employees_non_string\":len(re.findall(r\"<c [^>]*r=\\\"[A-I]"
        "[0-9]+\\\"(?![^>]*t=\\\"s\\\")[^>]*>\",sheets[-1]))}))' " +
        path);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};
STEWARD_BOTH_BACKENDS(CampaignExports);

TEST_P(CampaignExports, CellsStartingWithFormulaCharactersNeverBecomeFormulas) {
  const std::vector<std::string> hostile = {
      "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-3+4",
      "@SUM(A1:A9)"};
  std::vector<Person> extra;
  for (size_t i = 0; i < hostile.size(); ++i)
    extra.push_back({"H" + std::to_string(i), hostile[i]});
  extra.push_back({"H9", "Rolf", "=cmd|' /C calc'!A0"});
  ASSERT_NO_FATAL_FAILURE(Hostile(extra));
  auto csv = acknowledge::CompletionCsv(*db_, campaign_);
  ASSERT_TRUE(csv.ok());
  auto cells = Cells(*csv);
  ASSERT_GT(cells.size(), 40u);
  for (const auto& cell : cells)
    EXPECT_TRUE(cell.empty() ||
                std::string("=+-@").find(cell[0]) == std::string::npos)
        << "a CSV cell a spreadsheet would run: " << cell;
  // The value is kept, behind the apostrophe.
  for (const auto& h : hostile)
    EXPECT_NE(std::find(cells.begin(), cells.end(), "'" + h + " Person"),
              cells.end())
        << h;
  EXPECT_NE(std::find(cells.begin(), cells.end(), "'=cmd|' /C calc'!A0"),
            cells.end());
  // The cancellation list is a CSV export too.
  acknowledge::Campaign past = campaign_;
  past.due_on = "2020-12-31";
  auto cancel = acknowledge::CancellationCsv(*db_, past);
  ASSERT_TRUE(cancel.ok());
  for (const auto& cell : Cells(*cancel))
    EXPECT_TRUE(cell.empty() ||
                std::string("=+-@").find(cell[0]) == std::string::npos)
        << cell;

  auto xlsx = acknowledge::CompletionXlsx(*db_, campaign_);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().message();
  auto wb = Workbook(*xlsx);
  EXPECT_EQ(wb["sheets"], 3);
  EXPECT_EQ(wb["formulas"], 0) << "a formula cell in the workbook";
  EXPECT_EQ(wb["employees_non_string"], 0);
  std::set<std::string> strings(wb["strings"].begin(), wb["strings"].end());
  EXPECT_TRUE(strings.count("+1+2 Person"));  // kept as text, unchanged
  EXPECT_TRUE(strings.count("@SUM(A1:A9) Person"));
}

// TAB and CR: a spreadsheet skips them and then reads "=1+2" as a formula.
TEST_P(CampaignExports, CellsStartingWithTabOrCrNeverBecomeFormulas) {
  ASSERT_NO_FATAL_FAILURE(Hostile({{"T1", "\t=1+2"}, {"T2", "\r=1+2"}}));
  auto csv = acknowledge::CompletionCsv(*db_, campaign_);
  ASSERT_TRUE(csv.ok());
  for (const auto& cell : Cells(*csv))
    EXPECT_TRUE(cell.empty() ||
                std::string("=+-@\t\r").find(cell[0]) == std::string::npos)
        << "a CSV cell a spreadsheet would run: " << cell;
  auto xlsx = acknowledge::CompletionXlsx(*db_, campaign_);
  ASSERT_TRUE(xlsx.ok());
  auto wb = Workbook(*xlsx);
  EXPECT_EQ(wb["formulas"], 0);
  EXPECT_EQ(wb["employees_non_string"], 0);
}

}  // namespace
}  // namespace steward
