// The portal over real HTTP, on SQLite and PostgreSQL: the role × endpoint
// matrix, CSRF, sessions and cookies, and the acknowledgement path end to end.
#include "channels/portal/portal.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "acknowledge/campaigns.h"
#include "approvals/approvals.h"
#include "audit/chain.h"
#include "channels/cli/kits.h"
#include "channels/portal/local_path.h"
#include "channels/portal/ttl_cache.h"
#include "core/text.h"
#include "directory/directory.h"
#include "equipment/equipment.h"
#include "identity/accounts.h"
#include "identity/tokens.h"
#include "incidents/incidents.h"
#include "people/people.h"
#include "quarantine/quarantine.h"
#include "records/register.h"
#include "records/requests.h"
#include "rulings/rulings.h"
#include "sites/audits.h"
#include "sites/registry.h"
#include "sites/review.h"
#include "test_store.h"
#include "test_util.h"
#include "vendors/vendors.h"

namespace steward {
namespace {

using identity::Role;
using identity::Roles;

constexpr const char* kPassword = "Tr4ffic-Lights&Owls";

struct Browser {
  std::string cookie;  // "steward_session=…"
  std::string csrf;
};

class PortalTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto p = identity::PasswordPolicy::Load("", "off");
    ASSERT_TRUE(p.ok());
    policy_ = *p;
    StartPortal([](portal::Options&) {});
  }
  // The bundled pack (its [records] rules), loaded once.
  static policy::PackPtr Pack() {
    static policy::PackPtr pack =
        policy::LoadPack(testing::SourceDir() + "/policy",
                         {.compile_patterns = false})
            .pack;
    return pack;
  }
  // (Re)starts the portal with the test's options changed by `tweak`.
  void StartPortal(const std::function<void(portal::Options&)>& tweak) {
    StopPortal();
    portal::Options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.data_dir = dir_.string();
    o.static_dir = testing::SourceDir() + "/web/static";
    o.access_log = false;
    o.threads = 8;
    // Reminders go to a stand-in sendmail that appends to outbox_.
    outbox_ = (dir_ / "outbox").string();
    std::string fake = Write("sendmail", "#!/bin/sh\ncat >> " + outbox_ + "\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    o.reminders.sendmail = fake;
    o.reminders.from = "its@example-usd.org";
    o.reminders.portal_url = "https://steward.example-usd.org";
    o.pack = Pack();
    tweak(o);
    auto made = portal::Portal::Create(o, db_, policy_);
    ASSERT_TRUE(made.ok());
    portal_ = std::move(made).value();
    auto port = portal_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    server_ = std::thread([this] { (void)portal_->Run(); });
  }
  void StopPortal() {
    if (portal_) portal_->Stop();
    if (server_.joinable()) server_.join();
    portal_.reset();
  }
  void TearDown() override {
    StopPortal();
    StoreTest::TearDown();
  }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_follow_location(false);
    return c;
  }
  identity::Account MakeAccount(const std::string& user, Roles roles,
                                int64_t person_id = 0,
                                const std::string& email = "") {
    auto a = identity::CreateAccount(*db_, *policy_,
                                     {.username = user,
                                      .display_name = "Test " + user,
                                      .email = email,
                                      .password = kPassword,
                                      .person_id = person_id,
                                      .roles = roles},
                                     {"cli:test", ""});
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : identity::Account{};
  }
  Browser SignIn(const std::string& user,
                 const std::string& password = kPassword) {
    auto c = Client();
    auto res = c.Post("/sign-in", httplib::Params{{"username", user},
                                                  {"password", password}});
    Browser b;
    if (!res || res->status != 303) return b;
    std::string set = res->get_header_value("Set-Cookie");
    b.cookie = set.substr(0, set.find(';'));
    auto session = c.Get("/api/session", {{"Cookie", b.cookie}});
    if (session && session->status == 200) {
      b.csrf = nlohmann::json::parse(session->body)["csrf"];
    }
    return b;
  }
  httplib::Result Get(const Browser& b, const std::string& path) {
    return Client().Get(path.c_str(), {{"Cookie", b.cookie}});
  }
  httplib::Result Post(const Browser& b, const std::string& path,
                       httplib::Params form = {}, bool with_csrf = true,
                       httplib::Headers extra = {}) {
    if (with_csrf) form.emplace("csrf", b.csrf);
    extra.emplace("Cookie", b.cookie);
    return Client().Post(path.c_str(), extra, form);
  }

  // Employees E1 Ada and E2 Grace report to E3 Alan; a regulation and a
  // campaign open to all (opened yesterday, due in a week). Returns the
  // campaign.
  acknowledge::Campaign Staff() {
    std::string csv =
        "id,given_name,family_name,email,site,job_role,supervisor\n"
        "E1,Ada,Lovelace,ada@example-usd.org,Lincoln,teacher,E3\n"
        "E2,Grace,Hopper,grace@example-usd.org,Cedar,teacher,E4\n"
        "E3,Alan,Turing,alan@example-usd.org,Lincoln,principal,\n"
        "E4,Kath,Johnson,kj@example-usd.org,Cedar,principal,\n";
    EXPECT_TRUE(
        people::ImportEmployeesCsv(*db_, csv, "staff.csv", {"cli:test", ""})
            .ok());
    store::Blobs blobs((dir_ / "blobs").string());
    auto v = acknowledge::AddVersion(*db_, blobs, "Regulation 2026", "reg.txt",
                                     "Use technology well.\n", {"admin", ""});
    EXPECT_TRUE(v.ok());
    return Campaign("Annual 2026", v.ok() ? v->id : 0);
  }
  acknowledge::Campaign Campaign(const std::string& title, int64_t version) {
    acknowledge::Campaign c;
    c.title = title;
    c.version_id = version;
    c.opens_on = acknowledge::AddDays(acknowledge::Today(), -1);
    c.due_on = acknowledge::AddDays(acknowledge::Today(), 7);
    auto made = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
    EXPECT_TRUE(made.ok()) << made.status().message();
    return made.ok() ? *made : c;
  }
  int64_t PersonId(const std::string& text) {
    auto found = people::Find(*db_, {.text = text, .status = ""});
    EXPECT_TRUE(found.ok() && found->size() == 1) << text;
    return found.ok() && found->size() == 1 ? found->front().id : 0;
  }

  // Holds `body` from `sender` to `to` as the mail door would: a
  // quarantine under `rule` with one date-of-birth finding (redacted),
  // released by `role` (ITS when none). Returns its id.
  int64_t HoldMail(const std::string& sender,
                   const std::vector<std::string>& to,
                   const std::string& subject, const std::string& body,
                   std::optional<policy::ReleaseRole> role = std::nullopt,
                   const std::string& auth_user = "") {
    decide::Envelope env{
        policy::Channel::kMail, sender, to, auth_user, "127.0.0.1", 0};
    decide::Verdict v;
    v.action = v.decided = decide::Action::kQuarantine;
    v.rule = role ? "mass-mail-designee" : "external-medium-quarantine";
    v.clauses = role ? std::vector<std::string>{"C.12"}
                     : std::vector<std::string>{"E.2", "C.14"};
    v.release_role = role;
    inspect::Finding f;
    f.category = "date-of-birth";
    f.severity = policy::Severity::kMedium;
    f.location.where = "body";
    f.excerpt = "date of birth is [date-of-birth]";
    v.findings.push_back(f);
    const std::string bytes = "From: " + sender +
                              "\r\nTo: " + core::Join(to, ", ") +
                              "\r\nSubject: " + subject + "\r\n\r\n" + body;
    quarantine::Quarantine q(*db_, store::Blobs((dir_ / "blobs").string()));
    auto id = q.Hold({env, v, bytes, subject, ""}, {"milter", "127.0.0.1"});
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  std::string outbox_;
  std::shared_ptr<const identity::PasswordPolicy> policy_;
  std::unique_ptr<portal::Portal> portal_;
  std::thread server_;
  int port_ = 0;
};
STEWARD_BOTH_BACKENDS(PortalTest);

// Found by attacking the records pages: invalid UTF-8 in a custodian's
// forms is refused with a notice, and however often it comes, the portal
// keeps answering (a transaction that failed once leaked its connection).
// The home page's queue counts are kept per role set: a change from
// elsewhere shows once they are counted again; a failed or anonymous post
// (a flood of bad sign-ins) does not make them count again, a signed-in
// person's change does.
TEST_P(PortalTest, HomeQueueCountsAreKeptAndOnlyRealChangesRecountThem) {
  MakeAccount("its", {Role::kItsAdmin});
  Browser its = SignIn("its");
  auto open_one = [&] {
    ASSERT_TRUE(incidents::Open(*db_, "web-block", {"L.3.a"}, "medium",
                                "someone", nullptr, {"test", ""})
                    .ok());
  };
  open_one();
  auto home = Get(its, "/");
  ASSERT_TRUE(home && home->status == 200);
  EXPECT_NE(home->body.find("1 new incident(s) wait for triage"),
            std::string::npos);
  open_one();  // from a door, not through the portal
  for (int i = 0; i < 5; ++i) {
    auto bad = Client().Post(
        "/sign-in",
        httplib::Params{{"username", "its"}, {"password", "wrong"}});
    ASSERT_TRUE(bad);
  }
  (void)Post(its, "/directory", {});  // no such POST route: refused
  home = Get(its, "/");
  ASSERT_TRUE(home);
  EXPECT_NE(home->body.find("1 new incident(s) wait for triage"),
            std::string::npos)
      << "failed and anonymous posts recounted the queues";
  // The person's own change (here a report of a problem): counted again
  // at once.
  auto report = Post(its, "/report",
                     {{"kind", Pack()->incidents.reports.front().id},
                      {"summary", "A screen left unlocked."}});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, 303);
  home = Get(its, "/");
  ASSERT_TRUE(home);
  EXPECT_NE(home->body.find("3 new incident(s) wait for triage"),
            std::string::npos)
      << home->body.substr(0, 3000);
}

// A directory list's kept total never contradicts the rows it shows.
TEST_P(PortalTest, ADirectoryTotalAgreesWithItsRows) {
  MakeAccount("its", {Role::kItsAdmin});
  Browser its = SignIn("its");
  std::vector<directory::Account> accounts;
  auto add = [&](const char* user) {
    directory::Account a;
    a.entry_id = user;
    a.username = user;
    a.dn = std::string("uid=") + user + ",dc=example";
    accounts.push_back(a);
  };
  auto read = [&] {
    return directory::Record(*db_, accounts, Pack()->accounts, "test",
                             {"test", ""});
  };
  for (const char* user : {"ghost1", "ghost2", "ghost3"}) add(user);
  ASSERT_TRUE(read().ok());
  auto first = Get(its, "/api/directory?view=no-employee");
  ASSERT_TRUE(first && first->status == 200);
  EXPECT_NE(first->body.find("\"total\":3"), std::string::npos) << first->body;
  // A change from the shell: the kept total is older than the rows.
  ASSERT_TRUE(
      db_->Exec("UPDATE directory_accounts SET disabled = 1 WHERE username = "
                "'ghost1'")
          .ok());
  auto again = Get(its, "/api/directory?view=no-employee");
  ASSERT_TRUE(again && again->status == 200);
  EXPECT_NE(again->body.find("\"total\":2"), std::string::npos) << again->body;
  // A page far past the end makes up no accounts (the total stays what
  // was counted, at most).
  auto beyond = Get(its, "/api/directory?view=no-employee&page=100000");
  ASSERT_TRUE(beyond && beyond->status == 200);
  const auto shown = nlohmann::json::parse(beyond->body);
  EXPECT_TRUE(shown["accounts"].empty());
  EXPECT_LE(shown["total"].get<int64_t>(), 3) << beyond->body;
  // The list's first pages are kept for a few seconds, as its total is, but
  // a newer read of the directory shows at once.
  auto kept = Get(its, "/directory?view=no-employee");
  ASSERT_TRUE(kept && kept->status == 200);
  EXPECT_NE(kept->body.find("ghost2"), std::string::npos);
  EXPECT_EQ(kept->body.find("ghost4"), std::string::npos);
  add("ghost4");
  ASSERT_TRUE(read().ok());
  auto newer = Get(its, "/directory?view=no-employee");
  ASSERT_TRUE(newer && newer->status == 200);
  EXPECT_NE(newer->body.find("ghost4"), std::string::npos);
  // A semester that ended before the first read: the API says both, in
  // words that cannot be taken for each other (found by attacking: one
  // "complete" flag read as "the semester is over").
  auto spring = Get(its, "/api/directory?view=stale&semester=Spring%202026");
  ASSERT_TRUE(spring && spring->status == 200) << spring->body;
  const auto s = nlohmann::json::parse(spring->body)["semester"];
  EXPECT_EQ(s["name"], "Spring 2026");
  EXPECT_EQ(s["ended"], true);
  EXPECT_EQ(s["every_change_seen"], false);
  // Found by attacking: the read's time is kept in UTC, the semester's last
  // day is the District's (Los Angeles). A first read at 02:00 UTC on June
  // 5 was made on June 4, the semester's last day there: every change of
  // it was seen. At 10:00 UTC it was June 5 there.
  auto seen_at = [&](const char* at) {
    EXPECT_TRUE(db_->Exec("UPDATE directory_reads SET read_at = ?",
                          {store::P(std::string(at))})
                    .ok());
    auto r = Get(its, "/api/directory?view=stale&semester=Spring%202026");
    return nlohmann::json::parse(r->body)["semester"]["every_change_seen"];
  };
  EXPECT_EQ(seen_at("2026-06-05T02:00:00Z"), true);
  EXPECT_EQ(seen_at("2026-06-05T10:00:00Z"), false);
}

// A count invalidated while it was being computed is computed again next
// time: what it read may predate the change.
TEST(TtlCache, AnInvalidationDuringAComputationIsNotLost) {
  portal::TtlCache<int, int> cache(std::chrono::hours(1));
  int computed = 0;
  auto value = [&]() -> core::Result<std::shared_ptr<const int>> {
    ++computed;
    if (computed == 1) cache.InvalidateAll();  // a change commits meanwhile
    return std::make_shared<const int>(computed);
  };
  EXPECT_EQ(*cache.Get(0, value).value(), 1);
  EXPECT_EQ(*cache.Get(0, value).value(), 2);
  EXPECT_EQ(*cache.Get(0, value).value(), 2);  // kept now
}

TEST_P(PortalTest, InvalidUtf8InRecordsFormsIsRefusedAndThePortalStaysUp) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  records::Requests requests(*db_, Pack());
  auto q = requests.Intake("J. Reporter", "", "Bus mail.", time(nullptr) - 60,
                           {"keeper", ""});
  ASSERT_TRUE(q.ok());
  Browser b = SignIn("keeper");
  ASSERT_FALSE(b.cookie.empty());
  for (int i = 0; i < 30; ++i) {
    auto hold = Post(b, "/records/holds",
                     {{"matter", "m"}, {"reason", "r"}, {"subject", "x\xff"}});
    ASSERT_TRUE(hold);
    EXPECT_EQ(hold->status, 303);
    auto state =
        Post(b, "/records/requests/" + std::to_string(q->id),
             {{"action", "state"}, {"state", "open"}, {"note", "x\xff"}});
    ASSERT_TRUE(state);
    EXPECT_EQ(state->status, 303);
    auto page = Get(b, "/records?state=%FF&class=%FF");
    ASSERT_TRUE(page);
    EXPECT_LT(page->status, 500);
  }
  auto health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto page = Get(b, "/records/requests");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  auto holds = db_->Query("SELECT COUNT(*) FROM records_holds");
  ASSERT_TRUE(holds.ok());
  EXPECT_EQ(holds->front().Int(0), 0);
}

// A page of the register that does not exist is refused, not answered
// with the first page (found by attacking the records pages).
TEST_P(PortalTest, AnAfterThatIsNoItemNumberIsRefused) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  Browser b = SignIn("keeper");
  ASSERT_FALSE(b.cookie.empty());
  for (const char* after :
       {"-5", "abc", "1e3", "99999999999999999999", "%2010"}) {
    for (const std::string path : {"/records", "/api/records/items"}) {
      auto r = Get(b, path + "?after=" + after);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 400) << path << " after=" << after;
    }
  }
  auto ok = Get(b, "/api/records/items?after=9223372036854775807");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// A request's page finds the register's items with how many carry each
// finding, each search recorded; a bad query is a message, not an error.
// Found writing it: a GET form's spaces arrive as '+' and were kept.
TEST_P(PortalTest, ARequestsPageSearchesTheRegisterWithFacets) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  namespace fs = std::filesystem;
  fs::path md = dir_ / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  std::ofstream(md / "cur/1682010300.M1P1.host:2,S")
      << "From: nurse@example-usd.org\r\nSubject: Field trip\r\nDate: Thu, "
         "20 Apr 2023 17:05:00 +0000\r\n\r\nDaniel has asthma.\r\n";
  std::ofstream(md / "cur/1682010400.M2P1.host:2,S")
      << "From: pta@example-usd.org\r\nSubject: Field trip snacks\r\nDate: "
         "Thu, 20 Apr 2023 17:06:40 +0000\r\n\r\nBring apples.\r\n";
  records::Register reg(*db_, Pack());
  auto indexed = reg.Index(
      md.string(), "mhale", "test",
      [](const records::Entry&, std::string_view bytes) {
        records::Reading r;
        r.is_message = true;
        const size_t at = bytes.find("Subject: ") + 9;
        r.subject = std::string(bytes.substr(at, bytes.find('\r', at) - at));
        if (bytes.find("asthma") != std::string_view::npos)
          r.categories = {"health"};
        return r;
      },
      {"keeper", ""});
  ASSERT_TRUE(indexed.ok()) << indexed.status().message();
  ASSERT_EQ(indexed->added, 2);
  records::Requests requests(*db_, Pack());
  auto q = requests.Intake("A. Parent", "", "Mail about the field trip.",
                           time(nullptr) - 60, {"keeper", ""});
  ASSERT_TRUE(q.ok());
  Browser b = SignIn("keeper");
  const std::string page = "/records/requests/" + std::to_string(q->id);
  // As a browser sends a GET form: spaces as '+', the query not re-encoded.
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  auto r =
      raw.Get((page + "?search=1&subject=field+trip&custodians=mhale").c_str(),
              {{"Cookie", b.cookie}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<strong>2</strong> items match"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("<code>health 1</code>"), std::string::npos);
  EXPECT_NE(r->body.find("--items 1,2"), std::string::npos);
  // A '+' written as %2B is a plus sign, not a space.
  auto plus = raw.Get((page + "?search=1&subject=field%2Btrip").c_str(),
                      {{"Cookie", b.cookie}});
  ASSERT_TRUE(plus);
  EXPECT_NE(plus->body.find("<strong>0</strong> items match"),
            std::string::npos);
  auto bad = Get(b, page + "?search=1");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 200);
  EXPECT_NE(bad->body.find("say what to look for"), std::string::npos);
  auto audited = db_->Query(
      "SELECT COUNT(*) FROM audit_log WHERE action = 'records.search'");
  ASSERT_TRUE(audited.ok());
  EXPECT_EQ(audited->front().Int(0), 2);  // the bad query is none
}

// A register of two messages for "mhale" (one with a health finding, one
// whose subject and sender carry markup) and a request to search it from.
int64_t SearchableRequest(store::Database& db, const std::filesystem::path& dir,
                          policy::PackPtr pack) {
  namespace fs = std::filesystem;
  fs::path md = dir / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  std::ofstream(md / "cur/1682010300.M1P1.host:2,S")
      << "From: nurse@example-usd.org\r\nSubject: Field trip\r\nDate: Thu, "
         "20 Apr 2023 17:05:00 +0000\r\n\r\nDaniel has asthma.\r\n";
  std::ofstream(md / "cur/1682010400.M2P1.host:2,S")
      << "From: pta@example-usd.org\r\nSubject: Field trip <img src=x "
         "onerror=alert(1)>\r\nDate: Thu, 20 Apr 2023 17:06:40 +0000\r\n\r\n"
         "Bring apples.\r\n";
  records::Register reg(db, pack);
  auto indexed = reg.Index(
      md.string(), "mhale", "test",
      [](const records::Entry&, std::string_view bytes) {
        records::Reading r;
        r.is_message = true;
        const size_t at = bytes.find("Subject: ") + 9;
        r.subject = std::string(bytes.substr(at, bytes.find('\r', at) - at));
        if (bytes.find("apples") != std::string_view::npos)
          r.sender = "\"><script>alert(2)</script>@example-usd.org";
        if (bytes.find("asthma") != std::string_view::npos)
          r.categories = {"health"};
        return r;
      },
      {"keeper", ""});
  EXPECT_TRUE(indexed.ok()) << indexed.status().message();
  records::Requests requests(db, pack);
  auto q = requests.Intake("A. Parent", "", "Mail about the field trip.",
                           time(nullptr) - 60, {"keeper", ""});
  EXPECT_TRUE(q.ok());
  return q.ok() ? q->id : 0;
}

int64_t SearchAudits(store::Database& db) {
  auto n = db.Query(
      "SELECT COUNT(*) FROM audit_log WHERE action = 'records.search'");
  EXPECT_TRUE(n.ok());
  return n.ok() ? n->front().Int(0) : -1;
}

// Whether a page is valid UTF-8 with no control characters but line ends
// and tabs.
bool CleanText(const std::string& s) {
  if (!core::IsValidUtf8(s)) return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
      return false;
  return true;
}

// Nobody signed out, and no signed-in role without the records reading,
// sees the register's items or adds to the audit log by searching.
// A site's audits: its last report and trend for those who fix sites, each
// finding escaped as text, the CSV export; nobody else sees them.
TEST_P(PortalTest, SiteReportsShowEachAuditForThoseWhoFixSites) {
  MakeAccount("content", {Role::kContentManager});
  MakeAccount("staff", {});
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const std::string site = "https://www.example-usd.org/";
  for (int i = 0; i < 3; ++i) {
    std::vector<sites::AuditFinding> findings = {
        {site + "lincoln/", "student-full-name", "high", "F.2 F.2.a",
         "text line 4", "<script>alert(1)</script> [M*** G***]",
         "Write \"Maria G.\" or \"Maria\" instead of the full name.",
         "student, grade 04"},
        {"javascript:alert(2)", "broken-link", "low", "H.5", "a 3",
         "https://www.example-usd.org/x", "Fix or remove the link.", ""}};
    if (i == 2) findings.pop_back();
    sites::AuditRun run;
    run.site = site;
    run.source = "/srv/site";
    run.pages = 6;
    ASSERT_TRUE(sites::RecordAudit(*db_, run, findings, {"cli:test", ""}).ok());
  }
  Browser b = SignIn("content");
  auto list = Get(b, "/sites");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_NE(list->body.find(site), std::string::npos);
  EXPECT_NE(list->body.find("3 audits in all"), std::string::npos);
  EXPECT_NE(list->body.find("/sites/audits/3"), std::string::npos);
  auto one = Get(b, "/sites/audits/1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(one->body.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(one->body.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(one->body.find("href=\"javascript:"), std::string::npos);
  EXPECT_NE(one->body.find("Maria G."), std::string::npos);
  auto csv = Get(b, "/sites/audits/1/findings.csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_NE(csv->body.find("student-full-name"), std::string::npos);
  EXPECT_EQ(Get(b, "/sites/audits/99")->status, 404);
  for (const char* who : {"staff", "keeper"}) {
    Browser other = SignIn(who);
    EXPECT_EQ(Get(other, "/sites")->status, 403) << who;
    EXPECT_EQ(Get(other, "/sites/audits/1")->status, 403) << who;
    EXPECT_EQ(Get(other, "/sites/audits/1/findings.csv")->status, 403) << who;
  }
  auto audits = audit::List(*db_, {.action = "sites.audit"});
  ASSERT_TRUE(audits.ok());
  EXPECT_EQ(audits->size(), 3u);
}

TEST_P(PortalTest, RequestSearchNeedsARecordsRoleAndOnlyThenIsAudited) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  MakeAccount("staff", {});
  MakeAccount("super", {Role::kSupervisor});
  MakeAccount("content", {Role::kContentManager});
  MakeAccount("auditor", {Role::kAuditor});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  const std::string url = "/records/requests/" + std::to_string(id) +
                          "?search=1&custodians=mhale&subject=field+trip";
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  for (int i = 0; i < 20; ++i) {
    auto anon = raw.Get(url.c_str());
    ASSERT_TRUE(anon);
    EXPECT_EQ(anon->status, 303);
    EXPECT_EQ(anon->body.find("Field trip"), std::string::npos);
    auto forged = raw.Get(url.c_str(), {{"Cookie", "steward_session=abc+def"}});
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->status, 303);
    auto head = raw.Head(url.c_str());
    ASSERT_TRUE(head);
    EXPECT_NE(head->status, 200);
  }
  for (const char* who : {"staff", "super", "content"}) {
    Browser b = SignIn(who);
    ASSERT_FALSE(b.cookie.empty()) << who;
    for (int i = 0; i < 10; ++i) {
      auto r = raw.Get(url.c_str(), {{"Cookie", b.cookie}});
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 403) << who;
      EXPECT_EQ(r->body.find("mhale"), std::string::npos) << who;
      EXPECT_EQ(r->body.find("items match"), std::string::npos) << who;
    }
  }
  EXPECT_EQ(SearchAudits(*db_), 0);
  // An auditor reads the register (docs/records.md), and its search is
  // recorded under its name.
  Browser a = SignIn("auditor");
  auto r = raw.Get(url.c_str(), {{"Cookie", a.cookie}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<strong>2</strong> items match"), std::string::npos);
  auto who =
      db_->Query("SELECT actor FROM audit_log WHERE action = 'records.search'");
  ASSERT_TRUE(who.ok());
  ASSERT_EQ(who->size(), 1u);
  EXPECT_EQ(who->front().Text(0), "auditor");
}

// Every field the search page shows, from the register or from the
// query, is HTML-escaped.
TEST_P(PortalTest, RequestSearchEscapesEveryFieldInTheHtml) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  const std::string page = "/records/requests/" + std::to_string(id);
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  auto r = raw.Get((page + "?search=1&custodians=mhale").c_str(),
                   {{"Cookie", b.cookie}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<strong>2</strong> items match"), std::string::npos);
  EXPECT_EQ(r->body.find("<img src=x"), std::string::npos);
  EXPECT_EQ(r->body.find("<script>alert(2)"), std::string::npos);
  EXPECT_NE(r->body.find("&lt;img src=x"), std::string::npos);
  // The query's fields, echoed into the form.
  const std::string evil = "%22%3E%3Cscript%3Ealert(3)%3C%2Fscript%3E";
  const std::string ta = "%3C%2Ftextarea%3E%3Cscript%3Ealert(4)%3C%2Fscript%3E";
  auto echo =
      raw.Get((page + "?search=1&subject=" + evil + "&custodians=" + ta +
               "&addresses=" + ta + "&folders=" + ta + "&categories=" + ta +
               "&since=" + evil + "&until=" + ta)
                  .c_str(),
              {{"Cookie", b.cookie}});
  ASSERT_TRUE(echo);
  ASSERT_EQ(echo->status, 200);
  EXPECT_EQ(echo->body.find("<script>alert("), std::string::npos);
  EXPECT_EQ(echo->body.find("\"><script"), std::string::npos);
}

// Control characters and invalid UTF-8 in a query are refused, and the
// page that says so is clean text: the form does not echo them raw.
TEST_P(PortalTest, RequestSearchDoesNotEchoControlCharsOrInvalidUtf8) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  const std::string page = "/records/requests/" + std::to_string(id);
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  // Control characters and invalid UTF-8, in every field: refused with a
  // message, never written to the page (or the audit log) as they came.
  for (const char* bad : {"%01x", "x%1B%5B31m", "%FFx", "%C0%AE", "x%7F",
                          "%C2%85x", "%ED%A0%80"}) {
    for (const char* field : {"subject", "custodians", "addresses", "folders",
                              "categories", "since", "until"}) {
      const std::string other = std::string(field) == "custodians"
                                    ? "subject=field"
                                    : "custodians=mhale";
      auto res = raw.Get(
          (page + "?search=1&" + other + "&" + field + "=" + bad).c_str(),
          {{"Cookie", b.cookie}});
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 200) << field << "=" << bad;
      EXPECT_EQ(res->body.find("items match"), std::string::npos)
          << field << "=" << bad;
      EXPECT_TRUE(CleanText(res->body))
          << field << "=" << bad << " reaches the page raw";
    }
  }
  EXPECT_EQ(SearchAudits(*db_), 0);
  auto details = db_->Query("SELECT detail FROM audit_log");
  ASSERT_TRUE(details.ok());
  for (const auto& row : *details)
    EXPECT_TRUE(CleanText(row.Text(0))) << row.Text(0);
}

// '%00' ends nothing early: a subject with a NUL in it is not searched as
// its part before the NUL (nor an unrelated shorter query).
TEST_P(PortalTest, RequestSearchDoesNotTruncateAValueAtAnEncodedNul) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  auto r = raw.Get(("/records/requests/" + std::to_string(id) +
                    "?search=1&subject=field%00zzz-no-such-words")
                       .c_str(),
                   {{"Cookie", b.cookie}});
  ASSERT_TRUE(r);
  EXPECT_LT(r->status, 500);
  EXPECT_EQ(r->body.find("<strong>2</strong> items match"), std::string::npos)
      << "the subject was cut at the NUL and matched 'field'";
}

// A query's limits: more than 200 values of a kind, values longer than
// 200 bytes, a query string past the head's limit — a message or a
// refusal, never a search, an error page or a portal that stops answering.
TEST_P(PortalTest, RequestSearchRefusesOversizedQueriesAndStaysUp) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  const std::string page = "/records/requests/" + std::to_string(id);
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  // 201 custodians, one a line (%0D%0A) and with commas.
  std::string many;
  for (int i = 0; i < 201; ++i)
    many += (i ? "%0D%0A" : "") + fmt::format("c{}", i);
  std::string commas;
  for (int i = 0; i < 201; ++i)
    commas += (i ? "," : "") + fmt::format("c{}", i);
  for (const auto& list : {many, commas}) {
    for (const char* field : {"custodians", "addresses", "folders"}) {
      auto r = raw.Get((page + "?search=1&" + field + "=" + list).c_str(),
                       {{"Cookie", b.cookie}});
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200) << field;
      EXPECT_NE(r->body.find("at most 200"), std::string::npos) << field;
    }
  }
  // 200 is allowed.
  std::string two_hundred = "mhale";
  for (int i = 1; i < 200; ++i) two_hundred += fmt::format(",c{}", i);
  auto ok = raw.Get((page + "?search=1&custodians=" + two_hundred).c_str(),
                    {{"Cookie", b.cookie}});
  ASSERT_TRUE(ok);
  EXPECT_NE(ok->body.find("<strong>2</strong> items match"), std::string::npos);
  // Thousands of custodian lines, as far as the head's limit allows.
  std::string thousands;
  for (int i = 0; i < 5000; ++i)
    thousands += (i ? "," : "") + fmt::format("{}", i % 10);
  auto lots = raw.Get((page + "?search=1&custodians=" + thousands).c_str(),
                      {{"Cookie", b.cookie}});
  ASSERT_TRUE(lots);
  EXPECT_EQ(lots->status, 200);
  EXPECT_NE(lots->body.find("at most 200"), std::string::npos);
  // Empty lines by the thousand are no values, and no error.
  auto empties = raw.Get(
      (page + "?search=1&custodians=mhale" + std::string(8000, ',')).c_str(),
      {{"Cookie", b.cookie}});
  ASSERT_TRUE(empties);
  EXPECT_EQ(empties->status, 200);
  EXPECT_NE(empties->body.find("<strong>2</strong> items match"),
            std::string::npos);
  // A value over 200 bytes.
  auto longword =
      raw.Get((page + "?search=1&subject=" + std::string(201, 'f')).c_str(),
              {{"Cookie", b.cookie}});
  ASSERT_TRUE(longword);
  EXPECT_EQ(longword->status, 200);
  EXPECT_EQ(longword->body.find("items match"), std::string::npos);
  // Past the head's 32 KiB: refused before any handler, the portal up.
  // The portal may close the connection while the client still writes:
  // a broken pipe is an answer here, not the end of the test run.
  struct IgnorePipe {
    void (*old)(int) = std::signal(SIGPIPE, SIG_IGN);
    ~IgnorePipe() { std::signal(SIGPIPE, old); }
  } ignore_pipe;
  for (size_t n : {size_t{40000}, size_t{200000}, size_t{2000000}}) {
    auto huge =
        raw.Get((page + "?search=1&subject=" + std::string(n, 'a')).c_str(),
                {{"Cookie", b.cookie}});
    if (huge) {
      EXPECT_GE(huge->status, 400) << n;
      EXPECT_LT(huge->status, 500) << n;
    }
  }
  const int64_t audits = SearchAudits(*db_);
  EXPECT_EQ(audits, 2);
  auto health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// Days outside the calendar, or outside 1900-2200, or reversed: a message,
// no search, nothing audited.
TEST_P(PortalTest, RequestSearchRefusesDaysOutOfRange) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  const std::string page = "/records/requests/" + std::to_string(id);
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  for (const char* q :
       {"since=0000-00-00", "until=99999-01-01", "since=2023-02-30",
        "since=1899-12-31", "until=2201-01-01", "since=2023-4-1",
        "since=2023-+4-01", "since=2023-04-+1", "since=2023+04+01",
        "since=-023-04-01", "since=2023-04-01T00:00",
        "since=%EF%BC%92023-04-01", "since=2024-01-01&until=2023-01-01",
        "since=2023-01-01&until=2023-01-01",
        "until=0000-00-00&custodians=mhale", "since=&until=zzzz"}) {
    auto r = raw.Get((page + "?search=1&" + q).c_str(), {{"Cookie", b.cookie}});
    ASSERT_TRUE(r) << q;
    EXPECT_EQ(r->status, 200) << q;
    EXPECT_EQ(r->body.find("items match"), std::string::npos) << q;
  }
  EXPECT_EQ(SearchAudits(*db_), 0);
  // Padded with spaces (a '+' in a GET form) the day is still the day.
  auto padded =
      raw.Get((page + "?search=1&since=+2023-04-20+&until=2023-04-21").c_str(),
              {{"Cookie", b.cookie}});
  ASSERT_TRUE(padded);
  EXPECT_NE(padded->body.find("<strong>2</strong> items match"),
            std::string::npos);
}

// Twenty searches at once: each answered, each recorded once, the same
// answer for all.
TEST_P(PortalTest, RequestSearchesInParallelAreEachAnsweredAndAudited) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  MakeAccount("auditor", {Role::kAuditor});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  Browser a = SignIn("auditor");
  const std::string url = "/records/requests/" + std::to_string(id) +
                          "?search=1&custodians=mhale&categories=health";
  std::atomic<int> good{0}, busy{0}, bad{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      httplib::Client raw = Client();
      raw.set_url_encode(false);
      auto r = raw.Get(url.c_str(), {{"Cookie", (i % 2 ? a : b).cookie}});
      if (r && r->status == 200 &&
          r->body.find("<strong>1</strong> items match") != std::string::npos &&
          r->body.find("<code>health 1</code>") != std::string::npos)
        ++good;
      else if (r && (r->status == 503 || r->status == 429))
        ++busy;
      else
        ++bad;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(good.load() + busy.load(), 20);
  EXPECT_EQ(SearchAudits(*db_), good.load());
}

// The '+'-as-space unescaping is for query strings only: a path with a
// '+' in it is not read as a space, and an encoded '+' anywhere stays a
// plus sign.
TEST_P(PortalTest, PlusAsSpaceDoesNotChangePathsOrEncodedPluses) {
  MakeAccount("keeper", {Role::kRecordsCustodian});
  const int64_t id = SearchableRequest(*db_, dir_, Pack());
  ASSERT_GT(id, 0);
  Browser b = SignIn("keeper");
  httplib::Client raw = Client();
  raw.set_url_encode(false);
  // An address with a '+' (a sub-address), written as %2B.
  auto sub = raw.Get(("/records/requests/" + std::to_string(id) +
                      "?search=1&addresses=nurse%2Bx%40example-usd.org")
                         .c_str(),
                     {{"Cookie", b.cookie}});
  ASSERT_TRUE(sub);
  EXPECT_NE(sub->body.find("nurse+x@example-usd.org"), std::string::npos);
  EXPECT_NE(sub->body.find("<strong>0</strong> items match"),
            std::string::npos);
  // A signed-out GET of a path: the sign-in keeps the path as it was.
  auto anon = raw.Get("/records/requests/1+2");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 404);
  // The static files: a name's '+' is not a space.
  auto css = raw.Get("/static/no+such.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 404);
  // The next page after sign-in with an encoded '+' in it keeps it.
  MakeAccount("plus", {});
  auto c = Client();
  auto in =
      c.Post("/sign-in?next=%2Fpeople%3Fq%3Da%252Bb",
             httplib::Params{{"username", "plus"}, {"password", kPassword}});
  ASSERT_TRUE(in);
  EXPECT_EQ(in->status, 303);
  // A password with '+' signs, sent encoded as a browser does.
  const std::string plus_pw = "Tr4ffic+Lights+Owls";
  auto acc = identity::CreateAccount(*db_, *policy_,
                                     {.username = "plusser",
                                      .display_name = "Plus",
                                      .password = plus_pw,
                                      .roles = {}},
                                     {"cli:test", ""});
  ASSERT_TRUE(acc.ok());
  auto pw =
      raw.Post("/sign-in", "username=plusser&password=Tr4ffic%2BLights%2BOwls",
               "application/x-www-form-urlencoded");
  ASSERT_TRUE(pw);
  EXPECT_EQ(pw->status, 303);
}

TEST_P(PortalTest, StateChangesNeedTheSessionsCsrfTokenAndOurOrigin) {
  MakeAccount("admin", {Role::kItsAdmin});
  auto target = MakeAccount("target", {});
  Browser b = SignIn("admin");
  ASSERT_FALSE(b.csrf.empty());
  std::string path = "/accounts/" + std::to_string(target.id) + "/roles";
  httplib::Params form{{"role_auditor", "on"}};
  auto none = Post(b, path, form, false);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 403);
  auto wrong =
      Post(b, path, {{"role_auditor", "on"}, {"csrf", "guess"}}, false);
  EXPECT_EQ(wrong->status, 403);
  auto cross = Post(b, path, form, true, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(cross->status, 403);
  auto fetch_site =
      Post(b, path, form, true, {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(fetch_site->status, 403);
  // A sandboxed frame or a page behind a cross-site redirect says "null".
  auto null_origin = Post(b, path, form, true, {{"Origin", "null"}});
  EXPECT_EQ(null_origin->status, 403);
  // The same host on another port is another origin.
  auto other_port =
      Post(b, path, form, true,
           {{"Origin", "http://127.0.0.1:" + std::to_string(port_ + 1)}});
  EXPECT_EQ(other_port->status, 403);
  // Only a web page's origin: another scheme naming our host is refused,
  // and so are lines that no browser sends (a second one, an empty one).
  auto extension = Post(
      b, path, form, true,
      {{"Origin", "chrome-extension://127.0.0.1:" + std::to_string(port_)}});
  EXPECT_EQ(extension->status, 403);
  auto two_sites = Post(
      b, path, form, true,
      {{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(two_sites->status, 403);
  auto empty_then_evil =
      Post(b, path, form, true,
           {{"Origin", ""}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(empty_then_evil->status, 403);
  // Without an Origin, the Referer decides when there is one.
  auto referer =
      Post(b, path, form, true,
           {{"Referer",
             "https://evil.example/127.0.0.1:" + std::to_string(port_) + "/"}});
  EXPECT_EQ(referer->status, 403);
  // Never from the address: a token in a query would land in logs.
  auto in_query = Post(b, path + "?csrf=" + b.csrf, form, false);
  ASSERT_TRUE(in_query);
  EXPECT_EQ(in_query->status, 403);
  EXPECT_FALSE(
      identity::GetAccount(*db_, target.id)->roles.Has(Role::kAuditor));
  auto good = Post(b, path, form, true,
                   {{"Origin", "HTTP://127.0.0.1:" + std::to_string(port_)}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 303);
  EXPECT_TRUE(identity::GetAccount(*db_, target.id)->roles.Has(Role::kAuditor));
  auto from_our_page =
      Post(b, path, httplib::Params{}, true,
           {{"Referer",
             "http://127.0.0.1:" + std::to_string(port_) + path + "?x=1"}});
  ASSERT_TRUE(from_our_page);
  EXPECT_EQ(from_our_page->status, 303);
  EXPECT_FALSE(
      identity::GetAccount(*db_, target.id)->roles.Has(Role::kAuditor));
  // The API takes the token from a header.
  auto api = Client().Post("/api/campaigns/1/acknowledge",
                           {{"Cookie", b.cookie}}, "", "application/json");
  EXPECT_EQ(api->status, 403);
}

TEST_P(PortalTest, SessionCookiesAreLockedDownAndSignOutEndsThem) {
  MakeAccount("jdoe", {});
  auto c = Client();
  auto res = c.Post("/sign-in", httplib::Params{{"username", "jdoe"},
                                                {"password", kPassword}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 303);
  std::string cookie = res->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(res->get_header_value("Content-Security-Policy")
                .find("default-src 'self'"),
            std::string::npos);
  Browser b = SignIn("jdoe");
  auto home = Get(b, "/");
  EXPECT_EQ(home->status, 200);
  EXPECT_EQ(home->get_header_value("Cache-Control"), "no-store");
  auto out = Post(b, "/sign-out");
  EXPECT_EQ(out->status, 303);
  auto after = Get(b, "/");
  EXPECT_EQ(after->status, 303);  // back to sign-in: the session is gone
}

TEST_P(PortalTest, SignInFailuresAreShownLockedAndAudited) {
  MakeAccount("jdoe", {});
  auto c = Client();
  auto bad = c.Post(
      "/sign-in", httplib::Params{{"username", "jdoe"}, {"password", "nope"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_NE(bad->body.find("The user name or password is wrong"),
            std::string::npos);
  EXPECT_EQ(bad->get_header_value("Set-Cookie").find("steward_session="),
            std::string::npos);
  for (int i = 0; i < 4; ++i) {
    (void)c.Post("/sign-in",
                 httplib::Params{{"username", "jdoe"}, {"password", "nope"}});
  }
  auto locked = c.Post("/sign-in", httplib::Params{{"username", "jdoe"},
                                                   {"password", kPassword}});
  EXPECT_EQ(locked->status, 401);
  EXPECT_NE(locked->body.find("locked"), std::string::npos);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
  auto entries = audit::List(*db_, {.action = "sign-in"});
  ASSERT_TRUE(entries.ok());
  EXPECT_GE(entries->size(), 6u);
  EXPECT_EQ(entries->front().ip, "127.0.0.1");
}

// The error paragraph of a sign-in page.
std::string ErrorOf(const std::string& body) {
  auto at = body.find("class=\"error\"");
  if (at == std::string::npos) return "";
  return body.substr(at, body.find("</p>", at) - at);
}

TEST_P(PortalTest, EveryRefusalGetsTheSameAnswer) {
  MakeAccount("known", {});
  MakeAccount("locked", {});
  auto gone = MakeAccount("gone", {});
  ASSERT_TRUE(
      identity::SetDisabled(*db_, gone.id, true, {"cli:test", ""}).ok());
  auto c = Client();
  auto post = [&](const std::string& user, const std::string& pw) {
    return c.Post("/sign-in",
                  httplib::Params{{"username", user}, {"password", pw}});
  };
  for (int i = 0; i < identity::kMaxFailures; ++i) (void)post("locked", "x");
  std::vector<std::pair<std::string, httplib::Result>> answers;
  answers.emplace_back("unknown user", post("nobody", kPassword));
  answers.emplace_back("wrong password", post("known", "nope"));
  answers.emplace_back("locked", post("locked", kPassword));
  answers.emplace_back("disabled", post("gone", kPassword));
  std::string first = ErrorOf(answers.front().second->body);
  EXPECT_FALSE(first.empty());
  for (const auto& [what, res] : answers) {
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, 401) << what;
    EXPECT_EQ(ErrorOf(res->body), first) << what;
  }
}

TEST_P(PortalTest, AHugeUserNameIsCutBeforeItIsStoredOrShown) {
  // The largest name a sign-in body may carry (a bigger body is refused
  // with 413 before any handler runs), and a long user agent.
  httplib::MultipartFormDataItems form = {
      {"username", std::string(3700, 'a'), "", ""}, {"password", "x", "", ""}};
  auto res =
      Client().Post("/sign-in", {{"User-Agent", std::string(6000, 'u')}}, form);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_LT(res->body.size(), 16u * 1024);  // the form echoes 64 bytes at most
  auto entries = audit::List(*db_, {.limit = 1000});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);  // one entry, not two
  EXPECT_LE(entries->front().actor.size(), identity::kMaxUserNameBytes);
  EXPECT_LE(entries->front().target.size() + entries->front().detail.size(),
            400u);
}

TEST_P(PortalTest, ItsUnlocksAnAccountFromTheAccountsPage) {
  MakeAccount("admin", {Role::kItsAdmin});
  MakeAccount("auditor", {Role::kAuditor});
  auto jdoe = MakeAccount("jdoe", {});
  auto c = Client();
  for (int i = 0; i < identity::kMaxFailures; ++i) {
    (void)c.Post("/sign-in",
                 httplib::Params{{"username", "jdoe"}, {"password", "nope"}});
  }
  EXPECT_TRUE(SignIn("jdoe").cookie.empty());  // locked from this address
  Browser admin = SignIn("admin");
  auto page = Get(admin, "/accounts");
  ASSERT_EQ(page->status, 200);
  std::string form =
      "action=\"/accounts/" + std::to_string(jdoe.id) + "/unlock\"";
  EXPECT_NE(page->body.find(form), std::string::npos);
  EXPECT_NE(page->body.find("sign-in locked from 1 address"),
            std::string::npos);
  // An auditor sees the lock but has no button, and may not post.
  Browser auditor = SignIn("auditor");
  auto seen = Get(auditor, "/accounts");
  EXPECT_EQ(seen->body.find(form), std::string::npos);
  std::string path = "/accounts/" + std::to_string(jdoe.id) + "/unlock";
  EXPECT_EQ(Post(auditor, path)->status, 403);
  auto done = Post(admin, path);
  ASSERT_EQ(done->status, 303);
  EXPECT_NE(done->get_header_value("Set-Cookie").find("unlocked"),
            std::string::npos);
  EXPECT_FALSE(SignIn("jdoe").cookie.empty());
  auto e = audit::List(*db_, {.action = "account.unlock"});
  ASSERT_TRUE(e.ok() && e->size() == 1);
  EXPECT_EQ(e->front().actor, "admin");
  EXPECT_EQ(e->front().target, "account/jdoe");
}

TEST_P(PortalTest, WrongCurrentPasswordsAreCountedAndAudited) {
  MakeAccount("jdoe", {});
  Browser b = SignIn("jdoe");
  httplib::Params form{{"current_password", "nope"},
                       {"new_password", "N3w-Harbour*Lamps"},
                       {"confirm_password", "N3w-Harbour*Lamps"}};
  for (int i = 0; i < identity::kMaxFailures; ++i) {
    auto res = Post(b, "/account/password", form);
    ASSERT_EQ(res->status, 303);
  }
  auto e = audit::List(*db_, {.action = "password.change-failed"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->size(), static_cast<size_t>(identity::kMaxFailures));
  EXPECT_EQ(e->front().ip, "127.0.0.1");
  // Now locked from this address: the right one is refused too.
  form.erase("current_password");
  form.emplace("current_password", kPassword);
  auto res = Post(b, "/account/password", form);
  EXPECT_NE(res->get_header_value("Set-Cookie").find("paused"),
            std::string::npos);
  EXPECT_TRUE(SignIn("jdoe").cookie.empty());
}

TEST_P(PortalTest, NextNeverRedirectsOffSite) {
  MakeAccount("jdoe", {});
  // The last: what a browser sends for ?next=/%09/evil.example, which it
  // would resolve, tab dropped, as //evil.example.
  for (const char* next :
       {"//evil.example/", "https://evil.example/", "/\\evil.example",
        "/\t/evil.example", "/%09/evil.example", "/\r\n/evil.example"}) {
    auto res =
        Client().Post("/sign-in", httplib::Params{{"username", "jdoe"},
                                                  {"password", kPassword},
                                                  {"next", next}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Location"), "/") << next;
  }
}

// Hostile values for the page after sign-in, each of which a browser could
// resolve to another host (or which hides one behind an encoding): all go
// to "/" (issue 11, item 6).
TEST(SafeLocalPath, OnlyPathsOfOurOwnSurvive) {
  const char* hostile[] = {
      "",
      "evil.example",
      "//evil.example",
      "///evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "\t//evil.example",
      "/\n/evil.example",
      "/\r/evil.example",
      " //evil.example",
      "/ /evil.example",
      "/%09/evil.example",
      "/%0a/evil.example",
      "/%0D%0ASet-Cookie:%20a=b",
      "/%2F/evil.example",
      "/%2f%2fevil.example",
      "/%5Cevil.example",
      "/%5cevil.example",
      "/%252F%252Fevil.example",
      "/%25252F%25252Fevil.example",
      "/%zz",
      "/%",
      "https://evil.example",
      "http:evil.example",
      "javascript:alert(1)",
      "data:text/html,x",
      "/.//evil.example",
      "/./evil",
      "/../evil",
      "/a/../../evil",
      "/%2e%2e/evil",
      "/a//b",
      "/caf\xc3\xa9",
      "/\x7f",
  };
  for (const char* next : hostile) {
    EXPECT_EQ(portal::SafeLocalPath(next), "/") << "'" << next << "'";
  }
  EXPECT_EQ(portal::SafeLocalPath(std::string("/x\0//evil", 10)), "/");
  EXPECT_EQ(portal::SafeLocalPath("/" + std::string(3000, 'a')), "/");
  const char* fine[] = {"/",
                        "/dashboard",
                        "/campaigns/1/record/2",
                        "/acknowledge/3",
                        "/people?q=Ada%20L&kind=student",
                        "/audit?action=people.&since=2026-01-01",
                        "/dashboard?campaign=1#missing"};
  for (const char* next : fine) {
    EXPECT_EQ(portal::SafeLocalPath(next), next);
  }
}

TEST_P(PortalTest, AnEmployeeAcknowledgesAndTheDashboardMoves) {
  MakeAccount("admin", {Role::kItsAdmin});
  Browser admin = SignIn("admin");
  // Import employees by upload.
  httplib::MultipartFormDataItems upload = {
      {"csrf", admin.csrf, "", ""},
      {"employees",
       "id,given_name,family_name,email,site,job_role\n"
       "E1,Ada,Lovelace,ada@example-usd.org,Lincoln Elementary,teacher\n"
       "E2,Grace,Hopper,grace@example-usd.org,Cedar Elementary,teacher\n"
       "E3,,Nameless,x@example-usd.org,Cedar Elementary,teacher\n",
       "staff.csv", "text/csv"}};
  auto imported =
      Client().Post("/import/employees", {{"Cookie", admin.cookie}}, upload);
  ASSERT_TRUE(imported);
  EXPECT_EQ(imported->status, 200);
  EXPECT_NE(imported->body.find("2 people loaded"), std::string::npos);
  EXPECT_NE(imported->body.find("staff.csv:4"), std::string::npos);
  // Upload the regulation and open a campaign.
  httplib::MultipartFormDataItems version = {
      {"csrf", admin.csrf, "", ""},
      {"title", "Regulation 2026", "", ""},
      {"document",
       "<!doctype html><html><body><h1>Use of technology</h1></body></html>",
       "regulation.html", "text/html"}};
  auto stored = Client().Post("/versions", {{"Cookie", admin.cookie}}, version);
  ASSERT_EQ(stored->status, 303);
  auto opened = Post(admin, "/campaigns",
                     {{"title", "Annual 2026"},
                      {"version", "1"},
                      {"audience", "all"},
                      {"opens_on", "2020-01-01"},
                      {"due_on", "2099-12-31"}});
  ASSERT_EQ(opened->status, 303);
  EXPECT_EQ(opened->get_header_value("Location"), "/dashboard?campaign=1");
  auto ada = people::Find(*db_, {.text = "Ada"});
  ASSERT_TRUE(ada.ok() && ada->size() == 1);
  MakeAccount("ada", {}, ada->front().id);
  Browser emp = SignIn("ada");
  auto page = Get(emp, "/acknowledge/1");
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("disabled data-needs-open"), std::string::npos);
  // Acknowledging before opening the document is refused.
  auto early = Post(emp, "/acknowledge/1");
  EXPECT_EQ(early->status, 303);
  auto campaign = acknowledge::GetCampaign(*db_, 1);
  ASSERT_TRUE(campaign.ok());
  EXPECT_EQ(acknowledge::CompletionOf(*db_, campaign.value())->overall.done, 0);
  auto doc = Get(emp, "/acknowledge/1/document");
  ASSERT_EQ(doc->status, 200);
  EXPECT_NE(doc->body.find("Use of technology"), std::string::npos);
  EXPECT_NE(doc->get_header_value("Content-Security-Policy").find("sandbox"),
            std::string::npos);
  auto page2 = Get(emp, "/acknowledge/1");
  EXPECT_EQ(page2->body.find("disabled data-needs-open"), std::string::npos);
  auto done = Post(emp, "/acknowledge/1");
  EXPECT_EQ(done->status, 303);
  EXPECT_EQ(done->get_header_value("Location"), "/");
  auto dash = Get(admin, "/dashboard?campaign=1");
  ASSERT_EQ(dash->status, 200);
  EXPECT_NE(dash->body.find("id=\"overall-done\">1<"), std::string::npos);
  EXPECT_NE(dash->body.find("<svg class=\"chart\""), std::string::npos);
  auto csv = Get(admin, "/campaigns/1/completion.csv");
  ASSERT_EQ(csv->status, 200);
  EXPECT_NE(csv->get_header_value("Content-Disposition").find("attachment"),
            std::string::npos);
  EXPECT_NE(csv->body.find("\"Ada Lovelace\""), std::string::npos);
  auto xlsx = Get(admin, "/campaigns/1/completion.xlsx");
  ASSERT_EQ(xlsx->status, 200);
  EXPECT_EQ(xlsx->body.substr(0, 2), "PK");
  // The employee cannot read the dashboard or exports.
  EXPECT_EQ(Get(emp, "/dashboard")->status, 403);
  EXPECT_EQ(Get(emp, "/campaigns/1/completion.csv")->status, 403);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
}

// A site administrator changes the publishing permission of their own
// site's students only: the site of the employee record their account is
// linked to (issue 11, item 11).
TEST_P(PortalTest, SiteAdministratorsReachOnlyTheirOwnSite) {
  ASSERT_TRUE(
      people::ImportOneRoster(
          *db_, testing::SourceDir() + "/tests/golden/roster", {"cli:test", ""})
          .ok());
  int64_t maria = PersonId("Maria Garcia");    // Lincoln Elementary
  int64_t daniel = PersonId("Daniel Nguyen");  // Buchanan High
  int64_t emily = PersonId("Emily Thompson");  // a Lincoln teacher
  MakeAccount("lincoln-admin", {Role::kSiteAdmin}, emily);
  MakeAccount("unlinked-admin", {Role::kSiteAdmin});
  Browser b = SignIn("lincoln-admin");
  auto other = Post(b, fmt::format("/people/{}/permission", daniel),
                    {{"permission", "full"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  EXPECT_NE(other->body.find("your own site"), std::string::npos);
  EXPECT_EQ(people::Get(*db_, daniel)->publish_permission, "none");
  auto own = Post(b, fmt::format("/people/{}/permission", maria),
                  {{"permission", "limited"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 303);
  EXPECT_EQ(people::Get(*db_, maria)->publish_permission, "limited");
  EXPECT_FALSE(people::Get(*db_, maria)->photo_captions);
  ASSERT_TRUE(Post(b, fmt::format("/people/{}/permission", maria),
                   {{"permission", "limited"}, {"photo_captions", "yes"}}));
  EXPECT_TRUE(people::Get(*db_, maria)->photo_captions);
  EXPECT_NE(Get(b, fmt::format("/people/{}", maria))
                ->body.find("photos may name the student"),
            std::string::npos);
  // The form is shown only where it would be accepted.
  auto form = [](int64_t id) {
    return fmt::format("action=\"/people/{}/permission\"", id);
  };
  EXPECT_NE(Get(b, fmt::format("/people/{}", maria))->body.find(form(maria)),
            std::string::npos);
  EXPECT_EQ(Get(b, fmt::format("/people/{}", daniel))->body.find(form(daniel)),
            std::string::npos);
  // A site administrator without a linked record reaches nobody.
  Browser unlinked = SignIn("unlinked-admin");
  auto none = Post(unlinked, fmt::format("/people/{}/permission", maria),
                   {{"permission", "full"}});
  EXPECT_EQ(none->status, 403);
  EXPECT_EQ(people::Get(*db_, maria)->publish_permission, "limited");
}

// An empty export from the Import page is refused with the counts; the
// form's box lets it through (issue 11, item 12).
TEST_P(PortalTest, TheImportPageRefusesAnEmptyExportUnlessTheBoxIsTicked) {
  Staff();
  MakeAccount("admin", {Role::kItsAdmin});
  Browser admin = SignIn("admin");
  auto upload = [&](bool force) {
    httplib::MultipartFormDataItems items = {
        {"csrf", admin.csrf, "", ""},
        {"employees", "id,given_name,family_name,email\n", "empty.csv",
         "text/csv"}};
    if (force) items.push_back({"force", "1", "", ""});
    return Client().Post("/import/employees", {{"Cookie", admin.cookie}},
                         items);
  };
  auto refused = upload(false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("would mark 4 of the 4 people present from "
                               "hr-csv departed (100%, more than the 20% "
                               "allowed)"),
            std::string::npos)
      << refused->body;
  EXPECT_EQ(people::Count(*db_, {}).value(), 4);
  auto forced = upload(true);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->status, 200);
  EXPECT_NE(forced->body.find("4 no longer present, marked departed"),
            std::string::npos);
  EXPECT_EQ(people::Count(*db_, {}).value(), 0);
}

// "Send reminders" on the dashboard: that campaign only, today, the public
// URL in the message, and an audit entry (issue 11, items 14 and 15).
TEST_P(PortalTest, SendRemindersIsForTheChosenCampaignAndAudited) {
  acknowledge::Campaign first = Staff();
  acknowledge::Campaign second = Campaign("Second 2026", first.version_id);
  MakeAccount("admin", {Role::kItsAdmin});
  Browser admin = SignIn("admin");
  auto res = Post(admin, fmt::format("/campaigns/{}/remind", second.id));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 303);
  std::string mail = testing::ReadAll(outbox_);
  EXPECT_NE(mail.find("Subject: Please acknowledge: Second 2026"),
            std::string::npos)
      << mail;
  EXPECT_EQ(mail.find("Annual 2026"), std::string::npos);
  EXPECT_NE(mail.find("Sign in at https://steward.example-usd.org/ "),
            std::string::npos);
  EXPECT_NE(mail.find("To: ada@example-usd.org"), std::string::npos);
  auto entries = audit::List(*db_, {.action = "campaign.remind"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().actor, "admin");
  EXPECT_EQ(entries->front().target, fmt::format("campaign/{}", second.id));
  EXPECT_NE(entries->front().detail.find("\"sent\":4"), std::string::npos)
      << entries->front().detail;
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
}

// The printable record: each view is an audit entry, and a supervisor is
// answered alike for someone else's report and for an id that does not
// exist (issue 11, items 14 and 18).
TEST_P(PortalTest, TheRecordPageIsAuditedAndTellsSupervisorsNothingMore) {
  acknowledge::Campaign c = Staff();
  int64_t ada = PersonId("Ada Lovelace");    // reports to Alan
  int64_t grace = PersonId("Grace Hopper");  // reports to someone else
  MakeAccount("alan", {Role::kSupervisor}, PersonId("Alan Turing"));
  Browser alan = SignIn("alan");
  auto mine = Get(alan, fmt::format("/campaigns/{}/record/{}", c.id, ada));
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200);
  EXPECT_NE(mine->body.find("Ada Lovelace"), std::string::npos);
  auto entries = audit::List(*db_, {.action = "campaign.record"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().actor, "alan");
  EXPECT_NE(entries->front().detail.find("\"employee_id\":\"E1\""),
            std::string::npos);
  auto others = Get(alan, fmt::format("/campaigns/{}/record/{}", c.id, grace));
  auto nobody = Get(alan, fmt::format("/campaigns/{}/record/999999", c.id));
  ASSERT_TRUE(others && nobody);
  EXPECT_EQ(others->status, nobody->status);
  EXPECT_EQ(others->status, 404);
  EXPECT_EQ(others->body, nobody->body);
  EXPECT_EQ(audit::List(*db_, {.action = "campaign.record"})->size(), 1u);
  // An administrator sees any record, also audited.
  MakeAccount("admin", {Role::kItsAdmin});
  Browser admin = SignIn("admin");
  EXPECT_EQ(
      Get(admin, fmt::format("/campaigns/{}/record/{}", c.id, grace))->status,
      200);
  EXPECT_EQ(audit::List(*db_, {.action = "campaign.record"})->size(), 2u);
}

TEST_P(PortalTest, HealthAndMetrics) {
  auto health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  (void)Client().Get("/sign-in");
  auto metrics = Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find(
          "steward_http_requests_total{route=\"GET /sign-in\",status=\"200\"}"),
      std::string::npos);
}

TEST_P(PortalTest, BodiesAreBoundedByRouteAndUploadsNeedTheRoleFirst) {
  // A sign-in form larger than a sign-in ever is: refused unread.
  httplib::Params big{{"username", std::string(8000, 'a')}, {"password", "x"}};
  auto r = Client().Post("/sign-in", big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // An anonymous upload is sent to sign in before its body is read.
  MakeAccount("ann", {});
  Browser ann = SignIn("ann");
  httplib::MultipartFormDataItems upload = {
      {"csrf", ann.csrf, "", ""},
      {"employees", std::string(200000, 'x'), "staff.csv", "text/csv"}};
  auto anonymous = Client().Post("/import/employees", upload);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 303);
  auto employee =
      Client().Post("/import/employees", {{"Cookie", ann.cookie}}, upload);
  ASSERT_TRUE(employee);
  EXPECT_EQ(employee->status, 403);
  // Past the configured upload limit: 413 for ITS too.
  StartPortal([](portal::Options& o) { o.max_upload = 100000; });
  MakeAccount("its", {Role::kItsAdmin});
  Browser its = SignIn("its");
  upload[0].content = its.csrf;
  auto too_big =
      Client().Post("/import/employees", {{"Cookie", its.cookie}}, upload);
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  // The person sees a page of the portal saying what the limit is and what
  // to do; an API client gets JSON; nothing of either is bare text.
  EXPECT_NE(too_big->get_header_value("Content-Type").find("text/html"),
            std::string::npos);
  EXPECT_NE(too_big->body.find("<h1>Too large</h1>"), std::string::npos)
      << too_big->body;
  EXPECT_NE(too_big->body.find("at most 100000 bytes. Go back and send less"),
            std::string::npos);
  auto api = Client().Post("/api/held/1/decide", {{"Cookie", its.cookie}},
                           std::string(300000, 'x'), "application/json");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 413);
  EXPECT_EQ(api->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(api->body.find("\"error\":\"This request may carry at most"),
            std::string::npos)
      << api->body;
  auto nowhere = Client().Get("/no/such/page");
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->status, 404);
  EXPECT_NE(nowhere->body.find("<h1>Not found</h1>"), std::string::npos);
  // Found by attacking: a refusal page is framed and scripted like every
  // other page (it carries the portal's policy headers), and a 405 names
  // the methods that work.
  for (const auto* r : {&too_big, &api, &nowhere}) {
    EXPECT_NE((*r)->get_header_value("Content-Security-Policy")
                  .find("frame-ancestors 'self'"),
              std::string::npos);
    EXPECT_EQ((*r)->get_header_value("X-Frame-Options"), "SAMEORIGIN");
    EXPECT_EQ((*r)->get_header_value("Referrer-Policy"), "same-origin");
  }
  auto wrong = Client().Delete("/sign-in");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_NE(wrong->get_header_value("Allow").find("POST"), std::string::npos);
  EXPECT_NE(wrong->body.find("<h1>Not allowed</h1>"), std::string::npos);
}

TEST_P(PortalTest, ClientAddressesComeFromTrustedProxiesOnly) {
  MakeAccount("ann", {});
  httplib::Headers forwarded{{"X-Forwarded-For", "203.0.113.7"}};
  // Not a trusted proxy: the header is the client's word, ignored.
  (void)Client().Post(
      "/sign-in", forwarded,
      httplib::Params{{"username", "ann"}, {"password", "wrong-Passw0rd!"}});
  StartPortal(
      [](portal::Options& o) { o.http.trusted_proxies = {"127.0.0.1"}; });
  (void)Client().Post(
      "/sign-in", forwarded,
      httplib::Params{{"username", "ann"}, {"password", "wrong-Passw0rd!"}});
  auto entries = audit::List(*db_, {.limit = 100});
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> ips;
  for (const auto& e : *entries) {
    if (e.action.find("sign-in") != std::string::npos) ips.push_back(e.ip);
  }
  ASSERT_GE(ips.size(), 2u);
  EXPECT_NE(std::find(ips.begin(), ips.end(), "127.0.0.1"), ips.end());
  EXPECT_NE(std::find(ips.begin(), ips.end(), "203.0.113.7"), ips.end());
}

TEST_P(PortalTest, MetricsAreForThisMachineOrTheTokenHolder) {
  EXPECT_EQ(Client().Get("/metrics")->status, 200);
  EXPECT_EQ(
      Client().Get("/metrics", {{"X-Forwarded-For", "198.51.100.1"}})->status,
      403);
  // An empty forwarding line (a local proxy passing a client's) is not
  // this machine asking either.
  EXPECT_EQ(Client().Get("/metrics", {{"X-Forwarded-For", ""}})->status, 403);
  StartPortal([](portal::Options& o) { o.metrics_token = "s3cret-token"; });
  EXPECT_EQ(Client().Get("/metrics")->status, 403);
  auto ok =
      Client().Get("/metrics", {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("steward_http_refused_total"), std::string::npos);
}

TEST_P(PortalTest, NoticeCookiesAreSecureAndFileNamesCannotEndTheField) {
  MakeAccount("admin", {Role::kItsAdmin});
  Browser admin = SignIn("admin");
  httplib::MultipartFormDataItems version = {
      {"csrf", admin.csrf, "", ""},
      {"title", "Regulation 2026", "", ""},
      {"document", "<html><body><h1>Use of technology</h1></body></html>",
       "reg\"; x=\"y.html", "text/html"}};
  auto stored = Client().Post("/versions", {{"Cookie", admin.cookie}}, version);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 303);
  std::string cookie = stored->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("steward_notice="), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_EQ(portal::ContentDisposition("inline", "reg\"; x=\"y.html"),
            "inline; filename=\"reg___x__y.html\"; "
            "filename*=UTF-8''reg%22%3B%20x%3D%22y.html");
}

// ---------------------------------------------------------------------------
// The authorization matrix, from the documentation rather than the code: the
// role × route table of docs/portal.md ("Roles") is written below as data.
// Every route is walked as every role on a seeded store (a campaign past its
// due date, a regulation, people linked to every account), so an allowed
// request must succeed (2xx or 3xx), a denied one must be 403, and nothing
// may answer 5xx. A route the server has and this table lacks fails the test:
// a new route is added here, with who may use it, as it is added to the docs.

struct Expected {
  const char* method;
  const char* example;  // as in Portal::Routes() and docs/portal.md
  const char* who;      // "anyone", "signed-in", or role names; "hidden":
                        // refused as if missing (404), so that it tells
                        // others nothing of what exists
};

const Expected kRouteTable[] = {
    {"GET", "/", "signed-in"},
    {"GET", "/sign-in", "anyone"},
    {"POST", "/sign-in", "anyone"},
    {"POST", "/sign-out", "signed-in"},
    {"POST", "/sign-out-everywhere", "signed-in"},
    {"GET", "/account", "signed-in"},
    {"POST", "/account/password", "signed-in"},
    {"GET", "/acknowledge/1", "signed-in"},
    {"GET", "/acknowledge/1/document", "signed-in"},
    {"POST", "/acknowledge/1", "signed-in"},
    {"GET", "/dashboard", "site-admin its-admin auditor designee"},
    {"GET", "/people",
     "content-manager site-admin its-admin records-custodian auditor "
     "designee"},
    {"GET", "/people/1",
     "content-manager site-admin its-admin records-custodian auditor "
     "designee"},
    {"POST", "/people/1/permission", "site-admin its-admin"},
    {"GET", "/import", "its-admin"},
    {"POST", "/import/oneroster", "its-admin"},
    {"POST", "/import/employees", "its-admin"},
    {"GET", "/versions", "its-admin auditor designee"},
    {"POST", "/versions", "its-admin designee"},
    {"GET", "/campaigns", "site-admin its-admin auditor designee"},
    {"POST", "/campaigns", "its-admin designee"},
    {"GET", "/campaigns/1/completion.csv", "its-admin auditor designee"},
    {"GET", "/campaigns/1/completion.xlsx", "its-admin auditor designee"},
    {"GET", "/campaigns/1/cancellations.csv", "its-admin auditor designee"},
    {"GET", "/campaigns/1/record/1", "its-admin supervisor auditor designee"},
    {"POST", "/campaigns/1/remind", "its-admin"},
    {"GET", "/audit", "its-admin records-custodian auditor designee"},
    {"GET", "/records", "its-admin records-custodian auditor designee"},
    {"GET", "/sites", "content-manager site-admin its-admin auditor designee"},
    {"GET", "/sites/audits/1",
     "content-manager site-admin its-admin auditor designee"},
    {"GET", "/sites/audits/1/findings.csv",
     "content-manager site-admin its-admin auditor designee"},
    {"GET", "/records/lists/1", "its-admin records-custodian auditor designee"},
    {"GET", "/records/lists/1/list.csv",
     "its-admin records-custodian auditor designee"},
    {"POST", "/records/holds", "records-custodian"},
    {"POST", "/records/holds/1/release", "records-custodian"},
    {"POST", "/records/lists", "records-custodian"},
    {"POST", "/records/lists/1/decide", "records-custodian"},
    {"POST", "/records/items/1/class", "records-custodian"},
    {"GET", "/records/requests",
     "its-admin records-custodian auditor designee"},
    {"GET", "/records/requests/1",
     "its-admin records-custodian auditor designee"},
    {"POST", "/records/requests", "records-custodian"},
    {"POST", "/records/requests/1", "records-custodian"},
    {"GET", "/accounts", "its-admin auditor designee"},
    {"POST", "/accounts", "its-admin"},
    {"POST", "/accounts/1/roles", "its-admin"},
    {"POST", "/accounts/1/disable", "its-admin"},
    {"POST", "/accounts/1/unlock", "its-admin"},
    {"GET", "/api/session", "signed-in"},
    {"GET", "/api/people",
     "content-manager site-admin its-admin records-custodian auditor "
     "designee"},
    {"GET", "/api/campaigns", "site-admin its-admin auditor designee"},
    {"GET", "/api/campaigns/1/completion",
     "site-admin its-admin auditor designee"},
    {"GET", "/api/audit", "its-admin records-custodian auditor designee"},
    {"GET", "/api/records/items",
     "its-admin records-custodian auditor designee"},
    {"GET", "/api/records/holds",
     "its-admin records-custodian auditor designee"},
    {"POST", "/api/campaigns/1/acknowledge", "signed-in"},
    // Student content review: anyone submits; submission 1 is the
    // employee's, for the content manager's site.
    {"GET", "/review", "signed-in"},
    {"POST", "/review", "signed-in"},
    {"GET", "/review/1", "employee content-manager its-admin auditor designee"},
    {"GET", "/review/1/download",
     "employee content-manager its-admin auditor designee"},
    {"POST", "/review/1/approve", "content-manager its-admin designee"},
    {"POST", "/review/1/return", "content-manager its-admin designee"},
    // Incident 1: an employee's report.
    {"GET", "/incidents", "its-admin auditor designee"},
    {"GET", "/incidents.csv", "its-admin auditor designee"},
    {"GET", "/incidents.xlsx", "its-admin auditor designee"},
    {"GET", "/incidents/1", "its-admin auditor designee"},
    {"POST", "/incidents/1", "its-admin designee"},
    {"POST", "/incidents/1/evidence", "its-admin designee"},
    {"GET", "/report", "signed-in"},
    {"POST", "/report", "signed-in"},
    {"GET", "/api/incidents", "its-admin auditor designee"},
    {"GET", "/api/incidents/1", "its-admin auditor designee"},
    // Held mail: message 1 is person 1's, waiting for ITS.
    {"GET", "/held", "signed-in"},
    {"GET", "/held.csv",
     "content-manager site-admin its-admin records-custodian supervisor "
     "auditor designee"},
    {"GET", "/held.xlsx",
     "content-manager site-admin its-admin records-custodian supervisor "
     "auditor designee"},
    {"GET", "/held/1", "its-admin auditor"},
    {"POST", "/held/1/release", "its-admin"},
    {"POST", "/held/1/release-internal", "its-admin"},
    {"POST", "/held/1/delete", "its-admin"},
    {"GET", "/api/held", "signed-in"},
    {"GET", "/api/held/1", "its-admin auditor"},
    {"POST", "/api/held/1/decide", "its-admin"},
    // Requests: request 1 is the employee's purchase, for ITS to decide;
    // each POST finds it waiting again.
    {"GET", "/approvals", "signed-in"},
    {"GET", "/approvals/new", "signed-in"},
    {"POST", "/approvals", "signed-in"},
    {"GET", "/approvals.csv",
     "content-manager site-admin its-admin records-custodian supervisor "
     "auditor designee"},
    {"GET", "/approvals.xlsx",
     "content-manager site-admin its-admin records-custodian supervisor "
     "auditor designee"},
    {"GET", "/approvals/1", "employee its-admin auditor"},
    {"POST", "/approvals/1/decide", "its-admin"},
    {"POST", "/approvals/1/withdraw", "employee"},
    {"GET", "/api/approvals", "signed-in"},
    {"GET", "/api/approvals/1", "employee its-admin auditor"},
    {"POST", "/api/approvals/1/decide", "its-admin"},
    // Vendors: vendor 1 with agreement 1; ITS keeps the registry.
    {"GET", "/vendors", "signed-in"},
    {"GET", "/vendors.csv", "signed-in"},
    {"GET", "/vendors.xlsx", "signed-in"},
    {"GET", "/vendors/new", "its-admin"},
    {"POST", "/vendors", "its-admin"},
    {"GET", "/vendors/1", "signed-in"},
    {"POST", "/vendors/1/agreements", "its-admin"},
    {"POST", "/agreements/1/term", "its-admin"},
    {"POST", "/agreements/1/attest", "its-admin"},
    {"POST", "/agreements/1/end", "its-admin"},
    {"GET", "/api/vendors", "signed-in"},
    {"GET", "/api/vendors/1", "signed-in"},
    // Equipment: asset 1 issued to the employee (issue 1, waiting), asset 2
    // stolen from them with charge 1 owed; ITS keeps the register.
    {"GET", "/directory", "its-admin auditor"},
    {"GET", "/directory.csv", "its-admin auditor"},
    {"GET", "/directory.xlsx", "its-admin auditor"},
    {"GET", "/api/directory", "its-admin auditor"},
    {"GET", "/equipment", "its-admin auditor"},
    {"GET", "/equipment.csv", "its-admin auditor"},
    {"GET", "/equipment.xlsx", "its-admin auditor"},
    {"GET", "/equipment/new", "its-admin"},
    {"POST", "/equipment", "its-admin"},
    {"POST", "/equipment/import", "its-admin"},
    {"GET", "/equipment/mine", "signed-in"},
    {"GET", "/equipment/1", "its-admin auditor"},
    {"POST", "/equipment/1/issue", "its-admin"},
    {"POST", "/equipment/1/return", "its-admin"},
    {"POST", "/equipment/1/report", "its-admin"},
    {"POST", "/equipment/1/ask-again", "its-admin"},
    {"POST", "/equipment/1/retire", "its-admin"},
    {"POST", "/equipment/1/edit", "its-admin"},
    {"POST", "/charges/1/settle", "its-admin"},
    {"GET", "/equipment/issues/1", "employee hidden"},
    {"POST", "/equipment/issues/1/accept", "employee hidden"},
    {"GET", "/api/equipment", "its-admin auditor"},
    {"GET", "/api/equipment/1", "its-admin auditor"},
    // Rulings: ruling 1 is in force.
    {"GET", "/rulings", "signed-in"},
    {"GET", "/rulings.csv", "signed-in"},
    {"GET", "/rulings.xlsx", "signed-in"},
    {"GET", "/rulings/new", "designee"},
    {"POST", "/rulings", "designee"},
    {"GET", "/rulings/1", "signed-in"},
    {"POST", "/rulings/1/withdraw", "designee"},
    {"GET", "/api/rulings", "signed-in"},
    {"GET", "/api/rulings/1", "signed-in"},
    // Programs with a token of its scope; a session grants nothing there.
    {"POST", "/api/publish/check", "token:publish-check"},
};

// Employees for the matrix: person 1 reports to the supervisor's person;
// one person per role account (linked by e-mail).
std::string MatrixEmployees() {
  std::string csv =
      "id,given_name,family_name,email,site,job_role,supervisor,status\n"
      "1000,Pat,Reporter,pat@example-usd.org,Lincoln Elementary,teacher,"
      "1006,active\n";  // 1006: the supervisor's person
  const char* family[] = {"Ember",  "Conway", "Sitwell", "Itsworth",
                          "Custer", "Superb", "Audley",  "Desmond"};
  int i = 0;
  for (Role r : identity::kAllRoles) {
    // The site administrator works at person 1's school: a site role
    // reaches only its own site.
    csv += fmt::format(
        "{},Test,{},as-{}@example-usd.org,{},teacher,,active\n", 1001 + i,
        family[i], identity::RoleName(r),
        r == Role::kSiteAdmin ? "Lincoln Elementary" : "Cedar Elementary");
    ++i;
  }
  return csv;
}

class PortalMatrixTest : public PortalTest {
 protected:
  // A regulation, a campaign (open since 2020, due 2020-12-31: past, so
  // the cancellation list exists; no reminder day falls on a manual
  // nudge), everyone having opened it.
  void Seed() {
    auto imported = people::ImportEmployeesCsv(*db_, MatrixEmployees(),
                                               "staff.csv", {"cli:test", ""});
    ASSERT_TRUE(imported.ok()) << imported.status().message();
    ASSERT_EQ(imported->created, 9) << imported->Summary();
    store::Blobs blobs((dir_ / "blobs").string());
    auto v = acknowledge::AddVersion(*db_, blobs, "Regulation 2026", "reg.txt",
                                     "Employees shall use technology well.\n",
                                     {"admin", ""});
    ASSERT_TRUE(v.ok()) << v.status().message();
    acknowledge::Campaign c;
    c.title = "Annual 2020";
    c.version_id = v->id;
    c.opens_on = "2020-01-01";
    c.due_on = "2020-12-31";
    c.reminder_days = "14,7,1";
    auto made = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
    ASSERT_TRUE(made.ok()) << made.status().message();
    ASSERT_EQ(made->id, 1);
    auto pat = people::Find(*db_, {.text = "Reporter"});
    ASSERT_TRUE(pat.ok() && pat->size() == 1);
    ASSERT_EQ(pat->front().id, 1) << "the example paths name person 1";
    // A OneRoster export to upload, zipped as a district sends it.
    roster_zip_ = (dir_ / "roster.zip").string();
    auto zip = testing::Run(
        "python3 -c 'import zipfile,os,sys\n"
        "with zipfile.ZipFile(sys.argv[2],\"w\") as z:\n"
        "  [z.write(os.path.join(sys.argv[1],f),f) for f in "
        "sorted(os.listdir(sys.argv[1]))]' " +
        testing::SourceDir() + "/tests/golden/roster " + roster_zip_);
    ASSERT_EQ(zip.exit_code, 0) << zip.err;
    // Site audit 1.
    sites::AuditRun site_run;
    site_run.site = "https://www.example-usd.org/";
    site_run.source = "/srv/site";
    auto audit_id = sites::RecordAudit(*db_, site_run,
                                       {{site_run.site, "broken-link", "low",
                                         "H.5", "a 1", "x", "Fix it.", ""}},
                                       {"cli:test", ""});
    ASSERT_TRUE(audit_id.ok() && *audit_id == 1);
    // Destruction list 1 (empty: the register holds nothing yet).
    records::Register reg(*db_, Pack());
    auto list = reg.MakeList(records::DayOf(2026, 12, 3), {"admin", ""});
    ASSERT_TRUE(list.ok() && list->id == 1);
    // Public-records request 1.
    records::Requests requests(*db_, Pack());
    auto request = requests.Intake("J. Reporter", "", "Board mail, 2025.",
                                   time(nullptr) - 3600, {"admin", ""});
    ASSERT_TRUE(request.ok() && request->id == 1);
    // Submission 1: the employee's, to the content manager's site.
    ASSERT_TRUE(people::ImportOneRoster(
                    *db_, testing::SourceDir() + "/tests/golden/roster",
                    {"cli:test", ""})
                    .ok());
    auto site = sites::RegisterSite(
        *db_,
        {"Lincoln", "school", "https://www.example-usd.org/lincoln/", false, "",
         "as-content-manager@example-usd.org", ""},
        {"cli:test", ""});
    ASSERT_TRUE(site.ok()) << site.status().message();
    auto student = people::Find(*db_, {.kind = "student", .limit = 1});
    ASSERT_TRUE(student.ok() && !student->empty());
    auto submission =
        sites::Submit(*db_, blobs,
                      {*site, student->front().id, "Autumn", "poem.txt",
                       "text/plain", "Leaves fall down.", "{}", "allow"},
                      {"as-employee", ""});
    ASSERT_TRUE(submission.ok() && *submission == 1)
        << submission.status().message();
    // Incident 1: a report.
    auto report = incidents::Report(*db_,
                                    {.kind = "security-problem",
                                     .clauses = {"K.2"},
                                     .severity = "high",
                                     .summary = "A password on a note.",
                                     .reporter = "as-employee"},
                                    {"as-employee", ""});
    ASSERT_TRUE(report.ok() && *report == 1);
    // Request 1: the employee's purchase, for ITS.
    const auto* purchase = Pack()->approvals.Find("purchase");
    ASSERT_NE(purchase, nullptr);
    auto asked = approvals::Create(
        *db_, *purchase,
        {{"item", "A projector"}, {"cost", "400"}, {"purpose", "Room 4"}},
        "as-employee", {"as-employee", ""});
    ASSERT_TRUE(asked.ok() && *asked == 1) << asked.status().message();
    // Ruling 1, in force.
    auto ruling = rulings::Issue(*db_,
                                 {.decided_on = "2026-11-30",
                                  .title = "Streaming radio at a desk",
                                  .text = "Not related to employment.",
                                  .clauses = {"A.3"}},
                                 {"as-designee", ""});
    ASSERT_TRUE(ruling.ok() && *ruling == 1);
    // Vendor 1 with agreement 1.
    auto vendor = vendors::AddVendor(
        *db_, *Pack(), {.name = "Gradebook Co", .domains = {"gb.example.net"}},
        {"as-its-admin", ""});
    ASSERT_TRUE(vendor.ok() && *vendor == 1) << vendor.status().message();
    auto agreement = vendors::AddAgreement(*db_, *Pack(), 1,
                                           {.title = "Hosting",
                                            .signed_on = "2026-01-01",
                                            .starts_on = "2026-01-01",
                                            .expires_on = "2027-01-01",
                                            .categories = {"student-id"}},
                                           {"as-its-admin", ""});
    ASSERT_TRUE(agreement.ok() && *agreement == 1);
    // Asset 1 issued to the employee; asset 2 stolen from them, charged.
    auto employee =
        equipment::FindEmployee(*db_, "as-employee@example-usd.org");
    ASSERT_TRUE(employee.ok()) << employee.status().message();
    for (const char* tag : {"M-1", "M-2"}) {
      auto asset = equipment::Add(*db_, {.tag = tag, .model = "Laptop"},
                                  {"as-its-admin", ""});
      ASSERT_TRUE(asset.ok());
      ASSERT_TRUE(equipment::IssueTo(*db_, *asset, *employee,
                                     std::string(64, 'a'), {"as-its-admin", ""})
                      .ok());
    }
    ASSERT_TRUE(equipment::Report(*db_, 2, "stolen", "car", "100", 0,
                                  {"as-its-admin", ""})
                    .ok());
    // Held message 1: person 1's, to outside, for ITS.
    ASSERT_EQ(
        HoldMail("pat@example-usd.org", {"friend@gmail.com"},
                 "Emergency contacts", "Her date of birth is 04/12/2011."),
        1);
  }

  // The request a person would make on this route; forms carry what the
  // page's form would, so an allowed request can succeed.
  httplib::Result Send(const Expected& e, const Browser& b,
                       const std::string& user) {
    std::string path = e.example;
    if (std::string(e.method) == "GET") return Get(b, path);
    if (path == "/sign-in") {
      return Client().Post(
          "/sign-in",
          httplib::Params{{"username", user}, {"password", kPassword}});
    }
    if (path == "/api/held/1/decide")  // what a program would send
      return Post(b, path, {{"decision", "delete"}, {"reason", "matrix"}});
    if (path.starts_with("/approvals/1/") ||
        path.starts_with("/api/approvals/1/")) {
      auto res = Post(b, path, {{"decision", "refuse"}, {"reason", "matrix"}});
      // The next role finds the request waiting again.
      EXPECT_TRUE(db_->Exec("UPDATE approvals SET state = 'waiting', "
                            "decided_by = '', decided_at = '', reason = '' "
                            "WHERE id = 1")
                      .ok());
      return res;
    }
    if (path == "/import/employees" || path == "/import/oneroster") {
      bool staff = path == "/import/employees";
      httplib::MultipartFormDataItems upload = {
          {"csrf", b.csrf, "", ""},
          {staff ? "employees" : "roster",
           staff ? MatrixEmployees() : testing::ReadAll(roster_zip_),
           staff ? "staff.csv" : "roster.zip",
           staff ? "text/csv" : "application/zip"}};
      return Client().Post(path.c_str(), {{"Cookie", b.cookie}}, upload);
    }
    return Post(b, path);
  }

  std::string roster_zip_;
};
STEWARD_BOTH_BACKENDS(PortalMatrixTest);

TEST_P(PortalMatrixTest, EveryRouteAsEveryRoleMatchesTheDocumentedTable) {
  // The table covers the server's routes, no more and no less.
  std::set<std::pair<std::string, std::string>> documented, served;
  for (const auto& e : kRouteTable) documented.insert({e.method, e.example});
  for (const auto& r : portal::Portal::Routes()) {
    served.insert({r.method, r.example});
    EXPECT_TRUE(documented.count({r.method, r.example}))
        << r.method << " " << r.example
        << " is served but not in the test's table (nor, likely, in "
           "docs/portal.md): add it with who may use it";
  }
  for (const auto& e : kRouteTable)
    EXPECT_TRUE(served.count({e.method, e.example}))
        << e.method << " " << e.example << " is in the table but not served";

  MakeAccount("bystander", {});  // account 1, which /accounts/1/… act on
  ASSERT_NO_FATAL_FAILURE(Seed());
  for (Role r : identity::kAllRoles) {
    std::string name(identity::RoleName(r));
    auto person = people::Find(*db_, {.text = "as-" + name + "@"});
    ASSERT_TRUE(person.ok() && person->size() == 1) << name;
    MakeAccount("as-" + name, Roles{r}, person->front().id);
  }
  int checked = 0, denied = 0;
  for (Role r : identity::kAllRoles) {
    std::string name(identity::RoleName(r));
    std::string user = "as-" + name;
    Browser b;
    for (const auto& e : kRouteTable) {
      if (b.cookie.empty()) b = SignIn(user);
      ASSERT_FALSE(b.cookie.empty()) << user;
      std::string who = std::string(" ") + e.who + " ";
      bool allowed = who == " anyone " || who == " signed-in " ||
                     who.find(" " + name + " ") != std::string::npos;
      auto res = Send(e, b, user);
      std::string what = name + " " + e.method + " " + e.example;
      ASSERT_TRUE(res) << what;
      if (std::string(e.example).rfind("/sign-out", 0) == 0) b = Browser{};
      EXPECT_LT(res->status, 500) << what << ": " << res->body.substr(0, 300);
      if (who.starts_with(" token:")) {
        EXPECT_EQ(res->status, 401) << what << ": a session is no token";
        ++checked;
        continue;
      }
      if (allowed) {
        EXPECT_TRUE(res->status >= 200 && res->status < 400)
            << what << " should succeed, got " << res->status << ": "
            << res->body.substr(0, 300);
      } else {
        const bool hidden = who.find(" hidden ") != std::string::npos;
        EXPECT_EQ(res->status, hidden ? 404 : 403)
            << what << " should be denied";
        ++denied;
      }
      ++checked;
    }
  }
  // Nobody signed in: pages send to sign-in, the API answers 401; the
  // sign-in page and form are for anyone.
  for (const auto& e : kRouteTable) {
    auto c = Client();
    bool get = std::string(e.method) == "GET";
    auto res = get ? c.Get(e.example) : c.Post(e.example, httplib::Params{});
    ASSERT_TRUE(res) << e.example;
    EXPECT_LT(res->status, 500) << e.example;
    std::string path = e.example;
    if (std::string(e.who) == "anyone") {
      if (get)
        EXPECT_EQ(res->status, 200) << e.example;
      else
        EXPECT_EQ(res->status, 401) << e.example;  // no password given
    } else if (path.rfind("/api/", 0) == 0) {
      EXPECT_EQ(res->status, 401) << e.example;
    } else {
      EXPECT_EQ(res->status, 303) << e.example;
      EXPECT_EQ(res->get_header_value("Location").rfind("/sign-in", 0), 0u)
          << e.example;
    }
  }
  std::printf("authorization matrix: %d checks, %d denials\n", checked, denied);
  EXPECT_EQ(checked, 8 * static_cast<int>(std::size(kRouteTable)));
  EXPECT_GT(denied, 100);
}

// ---------------------------------------------------------------------------
// Sessions end after 30 idle minutes (docs/portal.md), and at once when the
// account is disabled. Idleness is made by moving the session's last-seen
// time back, as 30 minutes without a request would leave it.

class PortalSessionTest : public PortalTest {
 protected:
  void Idle(int minutes) {
    ASSERT_TRUE(db_->Exec("UPDATE sessions SET seen_at = ?, expires_at = ?",
                          {store::P(store::NowUtc(-60 * minutes)),
                           store::P(store::NowUtc(60 * (30 - minutes)))})
                    .ok());
    // The portal keeps a looked-up session for two seconds.
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  }
};
STEWARD_BOTH_BACKENDS(PortalSessionTest);

TEST_P(PortalSessionTest, ASessionEndsAfterThirtyIdleMinutes) {
  MakeAccount("jdoe", {});
  Browser b = SignIn("jdoe");
  ASSERT_FALSE(b.cookie.empty());
  ASSERT_EQ(Get(b, "/")->status, 200);
  Idle(29);
  EXPECT_EQ(Get(b, "/")->status, 200) << "29 idle minutes ended the session";
  Idle(31);
  auto after = Get(b, "/");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 303) << "31 idle minutes and still signed in";
  EXPECT_EQ(after->get_header_value("Location").rfind("/sign-in", 0), 0u);
  EXPECT_EQ(Get(b, "/api/session")->status, 401);
  // Signing in again works.
  Browser again = SignIn("jdoe");
  ASSERT_FALSE(again.cookie.empty());
  EXPECT_EQ(Get(again, "/")->status, 200);
}

TEST_P(PortalSessionTest, DisablingAnAccountEndsItsSessionsAtOnce) {
  MakeAccount("admin", {Role::kItsAdmin});
  auto jdoe = MakeAccount("jdoe", {});
  Browser admin = SignIn("admin");
  Browser b = SignIn("jdoe");
  ASSERT_FALSE(b.cookie.empty());
  ASSERT_EQ(Get(b, "/")->status, 200);  // (and now in the session cache)
  auto off = Post(admin, "/accounts/" + std::to_string(jdoe.id) + "/disable");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, 303);
  // No wait: the very next request is refused.
  auto after = Get(b, "/");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 303);
  EXPECT_EQ(after->get_header_value("Location").rfind("/sign-in", 0), 0u);
  EXPECT_EQ(Get(b, "/api/session")->status, 401);
  EXPECT_TRUE(SignIn("jdoe").cookie.empty()) << "a disabled account signed in";
}

// ---------------------------------------------------------------------------
// The printable acknowledgement record (/campaigns/N/record/PERSON): a
// supervisor sees their own reports' records only (docs/portal.md,
// "Annual acknowledgement" 6); an auditor sees anyone's.

TEST_P(PortalTest, ASupervisorSeesOnlyTheirReportsRecords) {
  auto imported = people::ImportEmployeesCsv(
      *db_,
      "id,given_name,family_name,email,site,job_role,supervisor,status\n"
      "3001,Sam,Boss,sam@example-usd.org,Lincoln Elementary,principal,,active\n"
      "3002,Rita,Report,rita@example-usd.org,Lincoln Elementary,teacher,3001,"
      "active\n"
      "3003,Otto,Other,otto@example-usd.org,Cedar Elementary,teacher,3009,"
      "active\n"
      "3009,Olga,Elsewhere,olga@example-usd.org,Cedar Elementary,principal,,"
      "active\n",
      "staff.csv", {"cli:test", ""});
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  store::Blobs blobs((dir_ / "blobs").string());
  auto v = acknowledge::AddVersion(*db_, blobs, "Regulation", "reg.txt",
                                   "Employees shall use technology well.\n",
                                   {"admin", ""});
  ASSERT_TRUE(v.ok());
  acknowledge::Campaign c;
  c.title = "Annual";
  c.version_id = v->id;
  c.opens_on = "2020-01-01";
  c.due_on = "2099-12-31";
  auto made = acknowledge::CreateCampaign(*db_, c, {"admin", ""});
  ASSERT_TRUE(made.ok());
  auto id_of = [&](const std::string& name) {
    auto p = people::Find(*db_, {.text = name});
    EXPECT_TRUE(p.ok() && p->size() == 1) << name;
    return p.ok() && !p->empty() ? p->front().id : int64_t{0};
  };
  int64_t sam = id_of("Boss"), rita = id_of("Report"), otto = id_of("Other");
  MakeAccount("sam", {Role::kSupervisor}, sam);
  MakeAccount("unlinked", {Role::kSupervisor});
  MakeAccount("audrey", {Role::kAuditor});
  auto record = [&](const Browser& b, int64_t person) {
    return Get(b, fmt::format("/campaigns/{}/record/{}", made->id, person));
  };
  Browser boss = SignIn("sam");
  auto own = record(boss, rita);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_NE(own->body.find("Rita Report"), std::string::npos);
  auto other = record(boss, otto);
  EXPECT_EQ(other->status, 404);  // as for an id that does not exist
  EXPECT_EQ(other->body.find("Otto Other"), std::string::npos);
  EXPECT_EQ(record(boss, sam)->status, 404);  // not their own report either
  EXPECT_EQ(record(SignIn("unlinked"), rita)->status, 404);
  Browser auditor = SignIn("audrey");
  auto any = record(auditor, otto);
  EXPECT_EQ(any->status, 200);
  EXPECT_NE(any->body.find("Otto Other"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Hostile input at the portal's doors: numbers out of range, a user agent
// full of control bytes, and many requests at once for one change.

TEST_P(PortalTest, NumbersOutOfRangeAreNotFoundOrIgnoredNever500) {
  Staff();
  MakeAccount("admin", {Role::kItsAdmin});
  Browser admin = SignIn("admin");
  const std::string big = "99999999999999999999";
  for (const std::string& path : std::vector<std::string>{
           "/people/" + big, "/people/0", "/acknowledge/" + big,
           "/acknowledge/" + big + "/document",
           "/api/campaigns/" + big + "/completion",
           "/campaigns/" + big + "/completion.csv",
           "/campaigns/" + big + "/completion.xlsx",
           "/campaigns/" + big + "/cancellations.csv",
           "/campaigns/1/record/" + big, "/campaigns/" + big + "/record/1",
           // One spelling an id: leading zeros name nothing.
           "/people/01", "/people/000", "/acknowledge/01"}) {
    auto res = Get(admin, path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path << ": " << res->body.substr(0, 200);
  }
  for (const std::string& path : std::vector<std::string>{
           "/people?page=-1", "/people?page=" + big, "/people?page=abc",
           "/people?site=-7&page=0", "/api/people?limit=0",
           "/api/people?limit=-1", "/api/people?limit=" + big,
           "/api/people?after=abc&site=" + big, "/api/people?after=-1&limit=1",
           "/api/audit?limit=-5", "/api/audit?limit=" + big + "&before=" + big,
           "/api/audit?before=-" + big, "/audit?before=abc&limit=0",
           "/dashboard?campaign=abc", "/dashboard?campaign=" + big,
           "/dashboard?campaign=-1"}) {
    auto res = Get(admin, path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path << ": " << res->body.substr(0, 200);
  }
  // A limit out of range is as if absent, never "every row" or "none".
  auto listed = Get(admin, "/api/audit?limit=" + big);
  ASSERT_TRUE(listed);
  auto all = audit::List(*db_, {.limit = 1000});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(nlohmann::json::parse(listed->body)["items"].size(),
            std::min<size_t>(all->size(), 100));
  for (const std::string& path : std::vector<std::string>{
           "/accounts/" + big + "/roles", "/accounts/" + big + "/disable",
           "/accounts/" + big + "/unlock", "/people/" + big + "/permission",
           "/campaigns/" + big + "/remind", "/acknowledge/" + big,
           "/api/campaigns/" + big + "/acknowledge"}) {
    auto res = Post(admin, path);
    ASSERT_TRUE(res) << path;
    EXPECT_LT(res->status, 500) << path << ": " << res->body.substr(0, 200);
  }
}

TEST_P(PortalTest, AuditFiltersOfAnyShapeAreNever500AndRolesHold) {
  Staff();
  MakeAccount("admin", {Role::kItsAdmin});
  MakeAccount("reader", {Role::kAuditor});
  MakeAccount("emp", {Role::kEmployee});
  std::map<std::string, Browser> who = {{"admin", SignIn("admin")},
                                        {"reader", SignIn("reader")},
                                        {"emp", SignIn("emp")},
                                        {"", Browser{}}};
  const std::string cut = std::string(99, 'a') + "%C3%A9";  // é cut at 100
  for (const std::string& query : std::vector<std::string>{
           "limit=1e3", "limit=-0", "limit=0x10", "limit=%205", "limit=5%20",
           "limit=+5", "before=99999999999999999999", "before=-0",
           "before=9223372036854775807", "text=%FF", "text=" + cut, "text=%00",
           "actor=%FF%FE", "action=%C3", "since=%FF&until=%80",
           "since=" + std::string(24, 'a') + "%C3%A9"}) {
    for (const std::string base : {"/audit?", "/api/audit?"}) {
      for (const auto& [name, b] : who) {
        auto res = Get(b, base + query);
        ASSERT_TRUE(res) << base << query;
        if (name == "admin" || name == "reader") {
          EXPECT_EQ(res->status, 200) << name << " " << base << query << ": "
                                      << res->body.substr(0, 200);
        } else {
          EXPECT_TRUE(res->status == 303 || res->status == 401 ||
                      res->status == 403)
              << name << " " << base << query << ": " << res->status;
        }
      }
    }
  }
}

TEST_P(PortalTest, AcknowledgementEvidenceHoldsNoControlBytesFromAnyDoor) {
  auto campaign = Staff();
  MakeAccount("ada", {}, PersonId("Ada"));
  Browser ada = SignIn("ada");
  ASSERT_EQ(Get(ada, "/acknowledge/1/document")->status, 200);
  // An escape sequence, a bare byte that is not UTF-8, a line end's worth of
  // C1, and a long tail of two-byte characters.
  std::string agent = "Mozilla\x1b[31m\xff\xc2\x85x";
  for (int i = 0; i < 400; ++i) agent += "\xc3\xa9";
  auto res = Client().Post("/api/campaigns/1/acknowledge",
                           {{"Cookie", ada.cookie},
                            {"X-CSRF-Token", ada.csrf},
                            {"User-Agent", agent}},
                           "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  auto status = acknowledge::StatusOf(*db_, campaign, PersonId("Ada"));
  ASSERT_TRUE(status.ok());
  const std::string& stored = status->user_agent;
  EXPECT_FALSE(stored.empty());
  EXPECT_EQ(stored.find('\x1b'), std::string::npos) << stored;
  EXPECT_TRUE(core::IsValidUtf8(stored)) << stored;
  EXPECT_FALSE(core::HasControlChars(stored)) << stored;
  EXPECT_LE(stored.size(), identity::kMaxUserAgentBytes);
}

TEST_P(PortalTest, ManySimultaneousAcknowledgementsCountOnce) {
  auto campaign = Staff();
  MakeAccount("ada", {}, PersonId("Ada"));
  Browser ada = SignIn("ada");
  ASSERT_EQ(Get(ada, "/acknowledge/1/document")->status, 200);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto res = i % 2 ? Post(ada, "/acknowledge/1")
                       : Client().Post("/api/campaigns/1/acknowledge",
                                       {{"Cookie", ada.cookie},
                                        {"X-CSRF-Token", ada.csrf}},
                                       "", "application/json");
      if (!res || res->status >= 500 || res->status == 409) ++failed;
      if (res && res->status == 303 &&
          res->get_header_value("Location") != "/") {
        ++failed;  // sent back to the page with an error
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  auto rows = db_->Query("SELECT COUNT(*) FROM acknowledgements");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().Int(0), 1);
  auto entries = audit::List(*db_, {.action = "acknowledge", .limit = 100});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 1u);
  EXPECT_EQ(acknowledge::CompletionOf(*db_, campaign)->overall.done, 1);
}

// ---------------------------------------------------------------------------
// The publishing gate for programs: a bearer token of its scope, never a
// session; the verdict of `steward publish check`; limits and bad input
// answered plainly.

TEST_P(PortalTest, PublishGateWantsATokenAndJudgesWhatIsSent) {
  const std::string roster = testing::SourceDir() + "/tests/golden/roster";
  ASSERT_TRUE(people::ImportOneRoster(*db_, roster, {"cli:test", ""}).ok() ||
              true);  // the golden roster has one bad row, reported
  ASSERT_TRUE(people::ImportPermissionsCsv(
                  *db_, "Student ID,Web Permission\nstu-31,limited\n",
                  "perm.csv", {"cli:test", ""})
                  .ok());
  StartPortal([&](portal::Options& o) {
    o.max_upload = 100000;
    o.publish_gate = cli::MakePublishGate(
        db_, engine::Options{.policy = testing::SourceDir() + "/policy"});
  });
  auto token = identity::CreateToken(
      *db_, "district CMS", identity::Scope::kPublishCheck, {"cli:test", ""});
  ASSERT_TRUE(token.ok()) << token.status().message();
  const std::string page =
      "<!doctype html><title>News</title><p>Élodie Tremblay read her poem "
      "at the assembly.</p>";
  auto check = [&](const std::string& auth, const std::string& body,
                   const std::string& query =
                       "?url=https%3A%2F%2Fwww."
                       "example-usd.org%2Fnews%2Fa."
                       "html") {
    httplib::Headers h;
    if (!auth.empty()) h.emplace("Authorization", auth);
    return Client().Post(("/api/publish/check" + query).c_str(), h, body,
                         "text/html");
  };
  // No token, a wrong one, a session's cookie, a token of a revoked kind.
  for (const std::string& auth :
       {std::string(), std::string("Bearer stw_nope"),
        std::string("Basic dXNlcjpwYXNz"), "Bearer " + token->secret + "x"}) {
    auto r = check(auth, page);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << auth;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"),
              "Bearer realm=\"steward\"");
  }
  MakeAccount("admin", Roles{Role::kItsAdmin});
  Browser b = SignIn("admin");
  auto with_cookie = Client().Post(
      "/api/publish/check", {{"Cookie", b.cookie}, {"X-CSRF-Token", b.csrf}},
      page, "text/html");
  ASSERT_TRUE(with_cookie);
  EXPECT_EQ(with_cookie->status, 401);

  const std::string bearer = "Bearer " + token->secret;
  auto r = check(bearer, page);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["action"], "reject");
  EXPECT_EQ(j["rule"], "publish-student-identity");
  ASSERT_EQ(j["findings"].size(), 1u) << r->body;
  EXPECT_EQ(j["findings"][0]["category"], "student-full-name");
  EXPECT_EQ(j["findings"][0]["where"], "text line 2");  // the title is 1
  EXPECT_NE(j["findings"][0]["fix"].get<std::string>().find("Élodie T."),
            std::string::npos);
  EXPECT_EQ(r->body.find("Tremblay"), std::string::npos) << r->body;
  EXPECT_EQ(j["item"]["url"], "https://www.example-usd.org/news/a.html");
  // The scheme is caseless; an encoded body is refused, not misread.
  auto lower = check("bearer " + token->secret, page);
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->status, 200);
  auto gz =
      Client().Post("/api/publish/check",
                    {{"Authorization", bearer}, {"Content-Encoding", "gzip"}},
                    "\x1f\x8b", "text/html");
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->status, 415);
  // A second live token of the same name would make the log ambiguous.
  EXPECT_FALSE(identity::CreateToken(*db_, "district CMS",
                                     identity::Scope::kPublishCheck,
                                     {"cli:test", ""})
                   .ok());
  // The twin passes; a multipart upload is read as the body is.
  auto twin = check(bearer, "<p>Élodie T. read her poem.</p>");
  ASSERT_TRUE(twin);
  EXPECT_EQ(nlohmann::json::parse(twin->body)["action"], "allow");
  httplib::MultipartFormDataItems form = {
      {"file", page, "news.html", "text/html"}};
  auto multi =
      Client().Post("/api/publish/check", {{"Authorization", bearer}}, form);
  ASSERT_TRUE(multi);
  ASSERT_EQ(multi->status, 200) << multi->body;
  EXPECT_EQ(nlohmann::json::parse(multi->body)["item"]["url"],
            "https://example-usd.org/news.html");
  // Nothing sent, an address that is none, more than the limit.
  auto empty = check(bearer, "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  auto bad_url = check(bearer, page, "?url=javascript%3Aalert(1)");
  ASSERT_TRUE(bad_url);
  EXPECT_EQ(bad_url->status, 400);
  EXPECT_NE(bad_url->body.find("is not a web address"), std::string::npos);
  auto big = check(bearer, std::string(200000, 'a'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // The use is noted; a revoked token stops at once.
  auto listed = identity::Tokens(*db_);
  ASSERT_TRUE(listed.ok() && listed->size() == 1);
  EXPECT_FALSE(listed->front().last_used_at.empty());
  ASSERT_TRUE(
      identity::RevokeToken(*db_, token->token.id, {"cli:test", ""}).ok());
  auto revoked = check(bearer, page);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 401);
  EXPECT_FALSE(
      identity::RevokeToken(*db_, token->token.id, {"cli:test", ""}).ok());
  // Making and revoking are in the audit chain.
  auto entries = audit::List(*db_, {.action = "tokens.revoke"});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 1u);
}

// Without a gate set up the route says so; bad names for tokens are refused.
TEST_P(PortalTest, PublishGateUnsetAnswers503AndTokenNamesArePlain) {
  auto token = identity::CreateToken(
      *db_, "deploy", identity::Scope::kPublishCheck, {"cli:test", ""});
  ASSERT_TRUE(token.ok());
  auto r = Client().Post("/api/publish/check",
                         {{"Authorization", "Bearer " + token->secret}},
                         "<p>x</p>", "text/html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  for (const char* bad : {"", "   ", "a\r\nb", "\x1b[2J"})
    EXPECT_FALSE(identity::CreateToken(*db_, bad,
                                       identity::Scope::kPublishCheck,
                                       {"cli:test", ""})
                     .ok())
        << bad;
  EXPECT_FALSE(identity::CreateToken(*db_, std::string(101, 'a'),
                                     identity::Scope::kPublishCheck,
                                     {"cli:test", ""})
                   .ok());
}

// The site registry (G.5, H.1, H.4) on the Sites page: who manages each
// site, outside sites with their consent, and editors who are no
// employees named; bad rows of an import named by line.
TEST_P(PortalTest, SiteRegistryNamesManagersAndEditorsWhoAreNoEmployees) {
  auto staff = people::ImportEmployeesCsv(
      *db_,
      "id,given_name,family_name,email,site,job_role,supervisor,status\n"
      "1,Emily,Thompson,ethompson@example-usd.org,Lincoln,teacher,,active\n"
      "2,Old,Hand,old@example-usd.org,Lincoln,teacher,,inactive\n",
      "staff.csv", {"cli:test", ""});
  ASSERT_TRUE(staff.ok());
  auto report = sites::ImportSitesCsv(
      *db_,
      "Name,Kind,URL,Hosting,Content Manager,Author,Consent\n"
      "Lincoln,school,https://www.example-usd.org/lincoln/,district,"
      "ethompson@example-usd.org,,\n"
      "Robotics,club,https://sites.google.com/view/robots,outside,,,"
      "\"Designee, 2026-09-01\"\n"
      "Chess,club,https://chess.weebly.com/,outside,,,\n"
      "Retired,school,https://www.example-usd.org/old/,district,"
      "old@example-usd.org,,\n"
      "Odd,zoo,https://www.example-usd.org/zoo/,district,,,\n"
      "Evil,school,javascript:alert(1),district,,,\n",
      "sites.csv", {"cli:test", ""});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->created, 2);
  ASSERT_EQ(report->issues.size(), 4u);
  EXPECT_EQ(report->issues[0].line, 4u);
  EXPECT_NE(report->issues[0].message.find("consent"), std::string::npos);
  EXPECT_NE(report->issues[1].message.find("no active employee"),
            std::string::npos);
  EXPECT_NE(report->issues[2].message.find("kind 'zoo'"), std::string::npos);
  EXPECT_NE(report->issues[3].message.find("not a site's address"),
            std::string::npos);
  auto lincoln =
      sites::FindWebSite(*db_, "https://www.example-usd.org/lincoln/");
  ASSERT_TRUE(lincoln.ok());
  std::vector<people::Issue> issues;
  auto editors = sites::ReadEditorsCsv(
      "user_login,display_name,user_email,roles\n"
      "ethompson,Emily Thompson,ETHOMPSON@example-usd.org,administrator\n"
      "pta<b>vol</b>,PTA,pta@example.com,editor\n"
      "old,Old Hand,old@example-usd.org,author\n",
      "editors.csv", &issues);
  ASSERT_TRUE(editors.ok());
  EXPECT_TRUE(issues.empty());
  auto stored =
      sites::SetEditors(*db_, lincoln->id, *editors, "csv", {"cli:test", ""});
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  int outsiders = 0;
  for (const auto& e : *stored) outsiders += e.person_id == 0;
  EXPECT_EQ(outsiders, 2);  // the volunteer, and the inactive employee
  MakeAccount("cm", Roles{Role::kContentManager});
  Browser b = SignIn("cm");
  auto page = Get(b, "/sites");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  for (const char* want :
       {"Site registry", "Emily Thompson", "Designee, 2026-09-01",
        "1 site(s) can be edited by someone who is not a District employee",
        "2 not employees:", "pta&lt;b&gt;vol&lt;/b&gt; (editor)",
        "none named (G.5)"})
    EXPECT_NE(page->body.find(want), std::string::npos) << want;
  EXPECT_EQ(page->body.find("<b>vol"), std::string::npos);
  auto entries = audit::List(*db_, {.action = "sites."});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 3u);  // two registered, one editor list
}

// Student content review (H.4.a): an employee submits a student's work,
// the gate's findings and the student's permission are shown to the site's
// content manager, who approves it with the edit (the limited
// identification and the notice) or returns it; only approved work is
// downloaded; others see nothing; a decision is taken once.
TEST_P(PortalTest, StudentWorkIsReviewedBeforeItIsPosted) {
  ASSERT_TRUE(
      people::ImportOneRoster(
          *db_, testing::SourceDir() + "/tests/golden/roster", {"cli:test", ""})
          .ok());
  ASSERT_TRUE(people::ImportPermissionsCsv(
                  *db_, "Student ID,Web Permission\nstu-31,limited\n",
                  "perm.csv", {"cli:test", ""})
                  .ok());
  ASSERT_TRUE(people::ImportEmployeesCsv(
                  *db_,
                  "id,given_name,family_name,email,site,job_role,supervisor,"
                  "status\n1,Ina,Reviewer,ina@example-usd.org,Lincoln,"
                  "teacher,,active\n2,Tom,Teacher,tom@example-usd.org,Lincoln,"
                  "teacher,,active\n",
                  "staff.csv", {"cli:test", ""})
                  .ok());
  auto site = sites::RegisterSite(
      *db_,
      {"Lincoln", "school", "https://www.example-usd.org/lincoln/", false, "",
       "ina@example-usd.org", ""},
      {"cli:test", ""});
  ASSERT_TRUE(site.ok());
  StartPortal([&](portal::Options& o) {
    o.publish_gate = cli::MakePublishGate(
        db_, engine::Options{.policy = testing::SourceDir() + "/policy"});
  });
  auto emily = people::Find(*db_, {.kind = "employee", .text = "Reviewer"});
  auto tom = people::Find(*db_, {.kind = "employee", .text = "tom@"});
  ASSERT_TRUE(emily.ok() && tom.ok());
  ASSERT_EQ(emily->size(), 1u);
  ASSERT_EQ(tom->size(), 1u);
  MakeAccount("tom", Roles{Role::kEmployee}, tom->front().id);
  MakeAccount("emily", Roles{Role::kContentManager}, emily->front().id);
  MakeAccount("other", Roles{Role::kSiteAdmin});
  Browser t = SignIn("tom"), e = SignIn("emily"), o = SignIn("other");
  httplib::MultipartFormDataItems form = {
      {"csrf", t.csrf, "", ""},
      {"site", std::to_string(*site), "", ""},
      {"student", "Tremblay", "", ""},
      {"title", "Autumn", "", ""},
      {"text",
       "Autumn\n\nLeaves fall down, red and brown.\nby Élodie Tremblay\n", "",
       ""}};
  // A part of a name finds nobody: the form is not a directory search.
  auto partial = Client().Post("/review", {{"Cookie", t.cookie}}, form);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->get_header_value("Location"), "/review");
  form[2].content = "élodie  TREMBLAY";
  auto sent = Client().Post("/review", {{"Cookie", t.cookie}}, form);
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status, 303) << sent->body;
  const std::string at = sent->get_header_value("Location");
  ASSERT_EQ(at.rfind("/review/", 0), 0u) << at;
  // The content manager sees it waiting, with the gate's finding and the
  // student's permission; another role sees nothing of it.
  auto list = Get(e, "/review");
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("Autumn"), std::string::npos);
  auto page = Get(e, at);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  for (const char* want :
       {"A student below high school named in full", "limited", "Élodie T.",
        "Approve for posting", "reject"})
    EXPECT_NE(page->body.find(want), std::string::npos) << want;
  auto theirs = Get(o, at);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->status, 403);
  // An auditor reads it and decides nothing.
  MakeAccount("aud", Roles{Role::kAuditor});
  Browser a = SignIn("aud");
  auto audits = Get(a, at);
  ASSERT_TRUE(audits);
  EXPECT_EQ(audits->status, 200);
  auto aud_approves = Post(a, at + "/approve", {{"apply", "yes"}});
  ASSERT_TRUE(aud_approves);
  EXPECT_EQ(aud_approves->status, 403);
  // A title of blanks or control characters is none.
  auto titled = form;
  titled[0].content = t.csrf;
  titled[3].content = " \x01\x02 ";
  auto untitled = Client().Post("/review", {{"Cookie", t.cookie}}, titled);
  ASSERT_TRUE(untitled);
  EXPECT_EQ(untitled->get_header_value("Location"), "/review");
  // Not approved: no download. The submitter cannot approve.
  auto early = Get(t, at + "/download");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 303);
  auto self = Post(t, at + "/approve", {{"apply", "yes"}});
  ASSERT_TRUE(self);
  EXPECT_EQ(self->status, 403);
  // Approved as it is, it would name her in full: the gate refuses it.
  auto as_is = Post(e, at + "/approve", {});
  ASSERT_TRUE(as_is);
  EXPECT_EQ(sites::GetSubmission(*db_, std::stoll(at.substr(8)))->state,
            "pending");
  EXPECT_EQ(audit::List(*db_, {.action = "review.approve"})->size(), 0u);
  // Two approvals at once: one decides, the other is told.
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&] {
      auto r = Post(e, at + "/approve", {{"apply", "yes"}});
      if (r && r->status == 303) ++answered;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(answered.load(), 2);
  auto approvals = audit::List(*db_, {.action = "review.approve"});
  ASSERT_TRUE(approvals.ok());
  EXPECT_EQ(approvals->size(), 1u);
  auto file = Get(t, at + "/download");
  ASSERT_TRUE(file);
  ASSERT_EQ(file->status, 200);
  EXPECT_NE(file->body.find("by Élodie T.\n"), std::string::npos) << file->body;
  EXPECT_EQ(file->body.find("Tremblay"), std::string::npos) << file->body;
  EXPECT_NE(file->body.find("© "), std::string::npos) << file->body;
  auto late = Post(e, at + "/return", {{"reason", "too late"}});
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 303);
  auto still = sites::GetSubmission(*db_, std::stoll(at.substr(8)));
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->state, "approved");
  // A second one, returned with a reason (one is needed).
  form[0].content = t.csrf;
  auto second = Client().Post("/review", {{"Cookie", t.cookie}}, form);
  ASSERT_TRUE(second && second->status == 303);
  const std::string at2 = second->get_header_value("Location");
  auto no_reason = Post(e, at2 + "/return", {{"reason", "  "}});
  ASSERT_TRUE(no_reason);
  EXPECT_EQ(sites::GetSubmission(*db_, std::stoll(at2.substr(8)))->state,
            "pending");
  auto back = Post(e, at2 + "/return", {{"reason", "Add a title page."}});
  ASSERT_TRUE(back);
  auto returned = Get(t, at2);
  ASSERT_TRUE(returned);
  EXPECT_NE(returned->body.find("Returned: Add a title page."),
            std::string::npos);
  auto steps = audit::List(*db_, {.action = "review."});
  ASSERT_TRUE(steps.ok());
  EXPECT_EQ(steps->size(), 4u);  // two submissions, one approval, one return
}

}  // namespace
}  // namespace steward

namespace steward {
namespace {

// ---------------------------------------------------------------------------
// Held mail in the portal (issue: the District's registers): the sender
// sees their own held messages and never decides; the role the verdict
// names decides, with a reason; a release to the District's addresses only
// goes to those alone; each decision is taken once; reading someone else's
// held mail is audited; the message is shown as text, never as markup.

class HeldMailTest : public PortalTest {
 protected:
  void SetUp() override {
    PortalTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Released mail goes to a stand-in sendmail that keeps its arguments.
    sent_ = (dir_ / "sent").string();
    std::string fake =
        Write("release-sendmail", "#!/bin/sh\necho \"$@\" >> " + sent_ +
                                      ".args\ncat >> " + sent_ + ".mail\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    StartPortal([&](portal::Options& o) { o.sendmail = fake; });
    Staff();
    MakeAccount("ada", {}, PersonId("Lovelace"), "Ada@example-usd.org");
    MakeAccount("grace", {}, PersonId("Hopper"), "grace@example-usd.org");
    MakeAccount("its", {Role::kItsAdmin});
    MakeAccount("its2", {Role::kItsAdmin});
    MakeAccount("desig", {Role::kDesignee});
    MakeAccount("aud", {Role::kAuditor});
    outside_ = HoldMail("ada@example-usd.org",
                        {"friend@gmail.com", "grace@example-usd.org"},
                        "Field trip contacts",
                        "Her date of birth is 04/12/2011.\r\n"
                        "<script>alert(1)</script>\r\n");
    all_staff_ = HoldMail("ada@example-usd.org", {"all-staff@example-usd.org"},
                          "Bake sale", "Cookies on Friday.\r\n",
                          policy::ReleaseRole::kDesignee);
  }
  // How many times the stand-in sendmail ran.
  long Sends() const {
    const std::string args = Sent(".args");
    return std::count(args.begin(), args.end(), '\n');
  }
  std::string Sent(const char* what) const {
    std::ifstream in(sent_ + what);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  quarantine::Entry Entry(int64_t id) {
    quarantine::Quarantine q(*db_, store::Blobs((dir_ / "blobs").string()));
    auto e = q.Get(id);
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : quarantine::Entry{};
  }
  // A purchase request for a document camera, sent from the portal.
  httplib::Result AskForACamera(const Browser& b) {
    return Post(b, "/approvals",
                {{"type", "purchase"},
                 {"f_item", "A document camera"},
                 {"f_cost", "$129.99"},
                 {"f_purpose", "Room 12"}});
  }
  std::string sent_;
  int64_t outside_ = 0, all_staff_ = 0;
};
STEWARD_BOTH_BACKENDS(HeldMailTest);

TEST_P(HeldMailTest, TheSenderSeesTheirOwnHeldMailAndNeverDecides) {
  Browser ada = SignIn("ada");
  auto home = Get(ada, "/");
  ASSERT_TRUE(home && home->status == 200);
  EXPECT_NE(home->body.find("2 of your messages are held"), std::string::npos);
  auto page = Get(ada, "/held");
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("Field trip contacts"), std::string::npos);
  EXPECT_NE(page->body.find("Bake sale"), std::string::npos);
  EXPECT_EQ(page->body.find("All held mail"), std::string::npos)
      << "an employee has no queue";
  auto one = Get(ada, "/held/" + std::to_string(outside_));
  ASSERT_TRUE(one && one->status == 200);
  EXPECT_NE(one->body.find("You sent this message"), std::string::npos);
  EXPECT_EQ(one->body.find("/release\""), std::string::npos)
      << "no decision form for the sender";
  auto no = Post(ada, "/held/" + std::to_string(outside_) + "/release",
                 {{"reason", "it is fine"}});
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 403);
  EXPECT_EQ(Entry(outside_).status, "held");
  // A second account with the sender's address is refused (it would
  // pass for the sender); the sender who also holds the role still does
  // not decide.
  auto twin = identity::CreateAccount(*db_, *policy_,
                                      {.username = "ada-its",
                                       .display_name = "Ada again",
                                       .email = "ada@EXAMPLE-usd.org",
                                       .password = kPassword},
                                      {"cli:test", ""});
  ASSERT_FALSE(twin.ok());
  EXPECT_NE(twin.status().message().find("already account ada's"),
            std::string::npos)
      << twin.status().message();
  auto ada_account = identity::FindAccount(*db_, "ada");
  ASSERT_TRUE(ada_account.ok());
  ASSERT_TRUE(identity::SetRoles(*db_, ada_account->id, {Role::kItsAdmin},
                                 {"cli:test", ""})
                  .ok());
  Browser both = SignIn("ada");
  auto self = Post(both, "/held/" + std::to_string(outside_) + "/release",
                   {{"reason", "mine"}});
  ASSERT_TRUE(self);
  EXPECT_EQ(self->status, 403);
  // Another employee sees neither message.
  Browser grace = SignIn("grace");
  auto theirs = Get(grace, "/held/" + std::to_string(outside_));
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->status, 403);
  auto list = Get(grace, "/held");
  ASSERT_TRUE(list && list->status == 200);
  EXPECT_EQ(list->body.find("Field trip contacts"), std::string::npos);
  auto api = Get(grace, "/api/held");
  ASSERT_TRUE(api && api->status == 200);
  auto j = nlohmann::json::parse(api->body);
  EXPECT_TRUE(j["queue"].empty() && j["mine"].empty()) << api->body;
  EXPECT_EQ(Sent(".args"), "") << "nothing was sent";
}

// What waits for "the supervisor" waits for the sender's or requester's own
// supervisor (people.supervisor), not for everyone who holds the role:
// Alan supervises Ada, Kath supervises Grace.
TEST_P(HeldMailTest, ASupervisorDecidesForTheirOwnReportsOnly) {
  MakeAccount("alan", {Role::kSupervisor}, PersonId("Turing"),
              "alan@example-usd.org");
  MakeAccount("kath", {Role::kSupervisor}, PersonId("Johnson"),
              "kj@example-usd.org");
  const int64_t adas = HoldMail("ada@example-usd.org", {"parents@gmail.com"},
                                "Ada to the parents", "Hello.\r\n",
                                policy::ReleaseRole::kSupervisor);
  const int64_t graces = HoldMail(
      "grace@example-usd.org", {"parents@gmail.com"}, "Grace to the parents",
      "Hello.\r\n", policy::ReleaseRole::kSupervisor);
  Browser alan = SignIn("alan");
  auto queue = Get(alan, "/held");
  ASSERT_TRUE(queue && queue->status == 200);
  EXPECT_NE(queue->body.find("Ada to the parents"), std::string::npos);
  EXPECT_EQ(queue->body.find("Grace to the parents"), std::string::npos);
  auto api = Get(alan, "/api/held");
  ASSERT_TRUE(api && api->status == 200);
  auto j = nlohmann::json::parse(api->body);
  ASSERT_EQ(j["queue"].size(), 1u) << api->body;
  EXPECT_EQ(j["queue"][0]["id"], adas);
  EXPECT_TRUE(j["queue"][0]["may_decide"]);
  auto home = Get(alan, "/");
  ASSERT_TRUE(home && home->status == 200);
  // Another's report's message: not shown, not released.
  auto other = Get(alan, "/held/" + std::to_string(graces));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  auto refused = Post(alan, "/held/" + std::to_string(graces) + "/release",
                      {{"reason", "looks fine"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(Entry(graces).status, "held");
  auto released = Post(alan, "/held/" + std::to_string(adas) + "/release",
                       {{"reason", "the parents asked for it"}});
  ASSERT_TRUE(released);
  EXPECT_EQ(released->status, 303);
  EXPECT_EQ(Entry(adas).status, "released");
  // A bare name as the envelope sender is nobody's login: listed for no
  // one but ITS, as its page is decided by no one else (found by attacking).
  HoldMail("grace", {"parents@gmail.com"}, "Not from Grace", "Hello.\r\n",
           policy::ReleaseRole::kSupervisor);
  Browser kath = SignIn("kath");
  auto hers = Get(kath, "/api/held");
  ASSERT_TRUE(hers && hers->status == 200);
  auto k = nlohmann::json::parse(hers->body);
  ASSERT_EQ(k["queue"].size(), 1u) << hers->body;
  EXPECT_EQ(k["queue"][0]["id"], graces);
  // ITS still sees every held message.
  Browser its = SignIn("its");
  auto all = Get(its, "/held/" + std::to_string(graces));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);

  // A request the pack routes to the supervisor, likewise.
  auto pack = std::make_shared<policy::PolicyPack>(*Pack());
  for (auto& t : pack->approvals.types)
    if (t.id == "purchase") t.decides = policy::ReleaseRole::kSupervisor;
  StartPortal([&](portal::Options& o) { o.pack = pack; });
  Browser grace = SignIn("grace");
  ASSERT_TRUE(AskForACamera(grace));
  auto asked = approvals::List(*db_, {});
  ASSERT_TRUE(asked.ok() && asked->size() == 1);
  const std::string base = "/approvals/" + std::to_string(asked->front().id);
  alan = SignIn("alan");
  auto alans = Get(alan, "/api/approvals?view=queue");
  ASSERT_TRUE(alans && alans->status == 200);
  EXPECT_EQ(alans->body.find("document camera"), std::string::npos)
      << alans->body;
  auto not_his = Post(alan, base + "/decide", {{"decision", "approve"}});
  ASSERT_TRUE(not_his);
  EXPECT_EQ(not_his->status, 403);
  EXPECT_EQ(approvals::Get(*db_, asked->front().id)->state, "waiting");
  kath = SignIn("kath");
  auto kaths = Get(kath, "/api/approvals?view=queue");
  ASSERT_TRUE(kaths && kaths->status == 200);
  EXPECT_NE(kaths->body.find("document camera"), std::string::npos)
      << kaths->body;
  auto hers_to_decide = Post(kath, base + "/decide", {{"decision", "approve"}});
  ASSERT_TRUE(hers_to_decide);
  EXPECT_EQ(hers_to_decide->status, 303);
  EXPECT_EQ(approvals::Get(*db_, asked->front().id)->state, "approved");
}

TEST_P(HeldMailTest, TheNamedRoleDecidesWithAReasonOnceAndItIsAudited) {
  Browser its = SignIn("its");
  // ITS sees every held message, but the all-staff one waits for the
  // designee.
  auto page = Get(its, "/held");
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("Bake sale"), std::string::npos);
  EXPECT_NE(page->body.find("Superintendent"), std::string::npos);
  auto wrong = Post(its, "/held/" + std::to_string(all_staff_) + "/release",
                    {{"reason", "looks fine"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_NE(wrong->body.find("designee"), std::string::npos);
  // No reason, no decision.
  const std::string base = "/held/" + std::to_string(outside_);
  auto bare = Post(its, base + "/release", {{"reason", " \t "}});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 303);
  EXPECT_EQ(Entry(outside_).status, "held");
  // Reading it is recorded; the sender reading it is not.
  ASSERT_TRUE(Get(its, base));
  ASSERT_TRUE(Get(SignIn("ada"), base));
  auto views = audit::List(*db_, {.action = "quarantine.view"});
  ASSERT_TRUE(views.ok());
  ASSERT_EQ(views->size(), 1u);
  EXPECT_EQ(views->front().actor, "its");
  // To the District's own addresses only: the outside one is left out.
  auto in = Post(its, base + "/release-internal",
                 {{"reason", "the parent gave the form by hand"}});
  ASSERT_TRUE(in);
  EXPECT_EQ(in->status, 303);
  quarantine::Entry e = Entry(outside_);
  EXPECT_EQ(e.status, "released");
  EXPECT_EQ(e.released_to, std::vector<std::string>{"grace@example-usd.org"});
  EXPECT_EQ(e.reason, "the parent gave the form by hand");
  EXPECT_EQ(e.decided_by, "its");
  const std::string args = Sent(".args");
  EXPECT_NE(args.find("grace@example-usd.org"), std::string::npos) << args;
  EXPECT_EQ(args.find("friend@gmail.com"), std::string::npos) << args;
  EXPECT_NE(Sent(".mail").find("Field trip contacts"), std::string::npos);
  auto rel = audit::List(*db_, {.action = "quarantine.release-internal"});
  ASSERT_TRUE(rel.ok() && rel->size() == 1);
  EXPECT_NE(rel->front().detail.find("friend@gmail.com"), std::string::npos)
      << "the audit entry names whom it was withheld from";
  // Decided once: a second release is refused, nothing more sent.
  auto again = Post(its, base + "/release", {{"reason", "again"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 303);
  EXPECT_EQ(Sends(), 1);
  // The designee decides the all-staff message, through the API.
  Browser desig = SignIn("desig");
  auto home = Get(desig, "/");
  ASSERT_TRUE(home);
  EXPECT_NE(home->body.find("1 held message(s) wait for your decision"),
            std::string::npos);
  auto api = Client().Post(
      ("/api/held/" + std::to_string(all_staff_) + "/decide").c_str(),
      {{"Cookie", desig.cookie}, {"X-CSRF-Token", desig.csrf}},
      "decision=delete&reason=not+for+all+staff",
      "application/x-www-form-urlencoded");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200) << api->body;
  EXPECT_EQ(nlohmann::json::parse(api->body)["status"], "deleted");
  EXPECT_EQ(Entry(all_staff_).reason, "not for all staff");
  // An auditor reads and decides nothing.
  Browser aud = SignIn("aud");
  auto read = Get(aud, base);
  ASSERT_TRUE(read && read->status == 200);
  auto del = Post(aud, base + "/delete", {{"reason", "x"}});
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 403);
}

TEST_P(HeldMailTest, ParallelReleasesSendTheMessageOnce) {
  Browser a = SignIn("its"), b = SignIn("its2");
  const std::string path = "/held/" + std::to_string(outside_) + "/release";
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto res = Post(i % 2 ? a : b, path, {{"reason", "go"}});
      EXPECT_TRUE(res && res->status == 303);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(Sends(), 1);
  auto rel = audit::List(*db_, {.action = "quarantine.release"});
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->size(), 1u);
}

TEST_P(HeldMailTest, TheMessageIsShownAsTextAndFindingsRedacted) {
  Browser its = SignIn("its");
  auto page = Get(its, "/held/" + std::to_string(outside_));
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_EQ(page->body.find("<script>alert"), std::string::npos);
  EXPECT_NE(page->body.find("&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_NE(page->body.find("[date-of-birth]"), std::string::npos);
  EXPECT_NE(page->body.find("E.2"), std::string::npos);
  // An HTML message with an attachment: its text, and the file listed.
  const std::string html =
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p onclick=\"x()\">Hello "
      "<img src=\"http://tracker.example/p.gif\">there</p>\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: "
      "attachment; filename=\"IEP.pdf\"\r\n\r\n%PDF-1.4 not "
      "really\r\n--b--\r\n";
  int64_t id = HoldMail("grace@example-usd.org", {"x@gmail.com"}, "Notes", "");
  quarantine::Entry e = Entry(id);
  // The stored bytes are replaced by the MIME message above.
  store::Blobs blobs((dir_ / "blobs").string());
  auto sha =
      blobs.Put("From: grace@example-usd.org\r\nSubject: Notes\r\n" + html);
  ASSERT_TRUE(sha.ok());
  ASSERT_TRUE(db_->Exec("UPDATE quarantine SET sha256 = ? WHERE id = ?",
                        {store::P(*sha), store::P(id)})
                  .ok());
  auto shown = Get(its, "/held/" + std::to_string(id));
  ASSERT_TRUE(shown && shown->status == 200);
  EXPECT_NE(shown->body.find("Hello"), std::string::npos);
  EXPECT_EQ(shown->body.find("tracker.example"), std::string::npos)
      << "no remote image is loaded or linked";
  EXPECT_EQ(shown->body.find("onclick"), std::string::npos);
  EXPECT_NE(shown->body.find("IEP.pdf"), std::string::npos);
  EXPECT_NE(shown->body.find("not opened here"), std::string::npos);
}

TEST_P(HeldMailTest, ExportsListTheQueueAsCsvAndXlsx) {
  Browser its = SignIn("its");
  auto csv = Get(its, "/held.csv?status=all");
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->get_header_value("Content-Disposition").find("held-mail.csv"),
            std::string::npos);
  EXPECT_NE(csv->body.find("\"Field trip contacts\""), std::string::npos);
  EXPECT_NE(csv->body.find("\"designee\""), std::string::npos);
  auto xlsx = Get(its, "/held.xlsx");
  ASSERT_TRUE(xlsx && xlsx->status == 200);
  EXPECT_EQ(xlsx->body.substr(0, 2), "PK");
  // The designee's export holds only what waits for the designee.
  auto theirs = Get(SignIn("desig"), "/held.csv");
  ASSERT_TRUE(theirs && theirs->status == 200);
  EXPECT_NE(theirs->body.find("Bake sale"), std::string::npos);
  EXPECT_EQ(theirs->body.find("Field trip contacts"), std::string::npos);
}

// Incidents in the portal: an employee reports (with or without their
// name) and sees the state of their own reports only; ITS triages, links
// evidence by hash and closes with an outcome; an auditor reads.
TEST_P(HeldMailTest, AReportIsTriagedWithEvidenceAndClosedWithItsOutcome) {
  Browser ada = SignIn("ada");
  auto form = Get(ada, "/report");
  ASSERT_TRUE(form && form->status == 200);
  EXPECT_NE(form->body.find("A possible security problem"), std::string::npos);
  EXPECT_NE(form->body.find("Leave my name out"), std::string::npos);
  auto sent = Post(ada, "/report",
                   {{"kind", "security-problem"},
                    {"summary", "My password was on a sticky note <b>x</b>"},
                    {"where", "Room 12"}});
  ASSERT_TRUE(sent && sent->status == 303);
  auto anon = Post(ada, "/report",
                   {{"kind", "misuse"},
                    {"summary", "Games in the lab"},
                    {"anonymous", "yes"}});
  ASSERT_TRUE(anon && anon->status == 303);
  auto bad = Post(ada, "/report", {{"kind", "no-such"}, {"summary", "x"}});
  ASSERT_TRUE(bad && bad->status == 303);
  auto list = incidents::List(*db_, {.status = ""});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  const int64_t named = list->back().id, unnamed = list->front().id;
  EXPECT_EQ(list->back().reported_by, "ada");
  EXPECT_EQ(list->front().reported_by, "");
  // The reporter sees their named report's state; not the register.
  auto mine = Get(ada, "/report");
  ASSERT_TRUE(mine && mine->status == 200);
  EXPECT_NE(mine->body.find("#" + std::to_string(named)), std::string::npos);
  EXPECT_EQ(mine->body.find("#" + std::to_string(unnamed) + "<"),
            std::string::npos);
  auto reg = Get(ada, "/incidents");
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->status, 403);
  // ITS triages.
  Browser its = SignIn("its");
  auto home = Get(its, "/");
  ASSERT_TRUE(home);
  EXPECT_NE(home->body.find("2 new incident(s)"), std::string::npos);
  const std::string base = "/incidents/" + std::to_string(named);
  auto page = Get(its, base);
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page->body.find("Room 12"), std::string::npos);
  auto stranger = Post(its, base, {{"assignee", "ada"}});
  ASSERT_TRUE(stranger && stranger->status == 303);
  EXPECT_EQ(incidents::Get(*db_, named)->assignee, "");
  auto triage = Post(its, base,
                     {{"status", "triage"},
                      {"assignee", "its2"},
                      {"severity", "medium"},
                      {"note", "Asked the teacher to change it."}});
  ASSERT_TRUE(triage && triage->status == 303);
  auto now = incidents::Get(*db_, named);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->status, "triage");
  EXPECT_EQ(now->assignee, "its2");
  EXPECT_EQ(now->severity, "medium");
  // Evidence: a held message, by its hash.
  auto ev =
      Post(its, base + "/evidence",
           {{"kind", "held-message"}, {"item", std::to_string(outside_)}});
  ASSERT_TRUE(ev && ev->status == 303);
  auto links = incidents::EvidenceOf(*db_, named);
  ASSERT_TRUE(links.ok() && links->size() == 1);
  EXPECT_EQ(links->front().sha256, Entry(outside_).sha256);
  auto none = Post(its, base + "/evidence",
                   {{"kind", "audit-entry"}, {"item", "99999999"}});
  ASSERT_TRUE(none && none->status == 303);
  EXPECT_EQ(incidents::EvidenceOf(*db_, named)->size(), 1u);
  // Closing needs an outcome.
  auto bare = Post(its, base, {{"status", "closed"}});
  ASSERT_TRUE(bare && bare->status == 303);
  EXPECT_EQ(incidents::Get(*db_, named)->status, "triage");
  auto close = Post(its, base,
                    {{"status", "closed"},
                     {"outcome", "Password changed; the note destroyed."}});
  ASSERT_TRUE(close && close->status == 303);
  EXPECT_EQ(incidents::Get(*db_, named)->status, "closed");
  auto after = Get(ada, "/report");
  ASSERT_TRUE(after);
  EXPECT_NE(after->body.find("closed"), std::string::npos);
  EXPECT_EQ(after->body.find("the note destroyed"), std::string::npos)
      << "the outcome is for those who triage";
  // An auditor reads, with no triage form; the export lists both.
  Browser aud = SignIn("aud");
  auto read = Get(aud, base);
  ASSERT_TRUE(read && read->status == 200);
  EXPECT_EQ(read->body.find("action=\"" + base + "\""), std::string::npos);
  auto csv = Get(its, "/incidents.csv?status=all");
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find("\"security-problem\""), std::string::npos);
  EXPECT_NE(csv->body.find("\"misuse\""), std::string::npos);
  auto api = Get(its, "/api/incidents/" + std::to_string(named));
  ASSERT_TRUE(api && api->status == 200);
  auto j = nlohmann::json::parse(api->body);
  EXPECT_EQ(j["status"], "closed");
  EXPECT_EQ(j["evidence"].size(), 1u);
  EXPECT_GE(j["timeline"].size(), 5u);
}

// Requests for consent (C.12 and the other workflow clauses): the employee
// asks with the type's fields; the designee decides, never the requester;
// approving a mass-mail request releases the held message it names when
// the approver may decide on that message, and only then.
TEST_P(HeldMailTest, AnApprovedMassMailRequestReleasesItsHeldMessage) {
  Browser ada = SignIn("ada");
  auto list = Get(ada, "/approvals");
  ASSERT_TRUE(list && list->status == 200);
  EXPECT_NE(list->body.find("/approvals/new?type=mass-mail"),
            std::string::npos);
  auto form = Get(ada, "/approvals/new?type=mass-mail");
  ASSERT_TRUE(form && form->status == 200);
  EXPECT_NE(form->body.find("name=\"f_held_message\""), std::string::npos);
  // Only one's own held message, still held, may be named.
  auto stranger = Post(ada, "/approvals",
                       {{"type", "mass-mail"},
                        {"f_audience", "All staff"},
                        {"f_purpose", "Bake sale"},
                        {"f_held_message", "999999"}});
  ASSERT_TRUE(stranger && stranger->status == 303);
  // Found by attacking: a number padded past the check's reach named
  // another message than the one checked. What is checked is what is kept.
  auto padded = Post(ada, "/approvals",
                     {{"type", "mass-mail"},
                      {"f_audience", "All staff"},
                      {"f_purpose", "Bake sale"},
                      {"f_held_message", std::string(60, '0') + "999999"}});
  ASSERT_TRUE(padded && padded->status == 303);
  EXPECT_EQ(approvals::Count(*db_, {}).value(), 0);
  auto sent = Post(ada, "/approvals",
                   {{"type", "mass-mail"},
                    {"f_audience", "All staff"},
                    {"f_purpose", "Bake sale on Friday <b>for the band</b>"},
                    {"f_held_message", std::to_string(all_staff_)}});
  ASSERT_TRUE(sent && sent->status == 303);
  auto mine = approvals::List(*db_, {.requester = "ada"});
  ASSERT_TRUE(mine.ok() && mine->size() == 1);
  const int64_t id = mine->front().id;
  EXPECT_EQ(mine->front().held_id, all_staff_);
  EXPECT_EQ(mine->front().decides, "designee");
  const std::string base = "/approvals/" + std::to_string(id);
  auto home = Get(ada, "/");
  EXPECT_NE(home->body.find("1 of your requests are waiting"),
            std::string::npos);
  // Not the requester's to decide; not a stranger's to read.
  auto own = Post(ada, base + "/decide", {{"decision", "approve"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 403);
  Browser grace = SignIn("grace");
  auto peek = Get(grace, base);
  ASSERT_TRUE(peek);
  EXPECT_EQ(peek->status, 403);
  // ITS reads it but decides nothing of the designee's.
  Browser its = SignIn("its");
  auto its_page = Get(its, base);
  ASSERT_TRUE(its_page && its_page->status == 200);
  EXPECT_EQ(its_page->body.find("/decide"), std::string::npos);
  // The designee sees it waiting, as it was asked, and decides.
  Browser desig = SignIn("desig");
  auto desig_home = Get(desig, "/");
  EXPECT_NE(desig_home->body.find("1 request(s) wait for your decision"),
            std::string::npos);
  auto page = Get(desig, base);
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("&lt;b&gt;for the band&lt;/b&gt;"),
            std::string::npos);
  EXPECT_NE(page->body.find(mine->front().sha256), std::string::npos);
  EXPECT_NE(page->body.find("from ada@example-usd.org, now <strong>held"),
            std::string::npos)
      << "the approver sees whose message it names";
  auto bare = Post(desig, base + "/decide", {{"decision", "refuse"}});
  ASSERT_TRUE(bare && bare->status == 303);
  EXPECT_EQ(approvals::Get(*db_, id)->state, "waiting");
  EXPECT_EQ(Sends(), 0);
  auto yes = Post(desig, base + "/decide",
                  {{"decision", "approve"}, {"reason", "Fine for Friday."}});
  ASSERT_TRUE(yes && yes->status == 303);
  auto r = approvals::Get(*db_, id);
  EXPECT_EQ(r->state, "approved");
  EXPECT_EQ(r->decided_by, "desig");
  auto m = Entry(all_staff_);
  EXPECT_EQ(m.status, "released");
  EXPECT_EQ(m.decided_by, "desig");
  EXPECT_NE(m.reason.find("Request " + std::to_string(id) + " approved"),
            std::string::npos)
      << m.reason;
  EXPECT_EQ(Sends(), 1);
  EXPECT_NE(Sent(".args").find("all-staff@example-usd.org"), std::string::npos);
  // A second decision changes nothing and sends nothing.
  auto again = Post(desig, base + "/decide",
                    {{"decision", "approve"}, {"reason", "again"}});
  ASSERT_TRUE(again && again->status == 303);
  EXPECT_EQ(Sends(), 1);
  // A request naming a message held for another reason (student data, for
  // ITS) is approved, but the approval does not release that message.
  ASSERT_TRUE(Post(ada, "/approvals",
                   {{"type", "mass-mail"},
                    {"f_audience", "Field trip parents"},
                    {"f_purpose", "Contacts"},
                    {"f_held_message", std::to_string(outside_)}}));
  auto second = approvals::List(*db_, {.state = "waiting"});
  ASSERT_TRUE(second.ok() && second->size() == 1);
  auto other = Post(
      desig, "/api/approvals/" + std::to_string(second->front().id) + "/decide",
      {{"decision", "approve"}});
  ASSERT_TRUE(other && other->status == 200);
  auto j = nlohmann::json::parse(other->body);
  EXPECT_EQ(j["state"], "approved");
  EXPECT_NE(j["message"].get<std::string>().find("was not released"),
            std::string::npos)
      << j["message"];
  EXPECT_EQ(Entry(outside_).status, "held");
  EXPECT_EQ(Sends(), 1);
  // Exports and the API, for those with a queue.
  auto csv = Get(desig, "/approvals.csv?view=queue&state=all");
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find("\"mass-mail\""), std::string::npos);
  Browser aud = SignIn("aud");
  auto api = Get(aud, "/api/approvals/" + std::to_string(id));
  ASSERT_TRUE(api && api->status == 200);
  auto one = nlohmann::json::parse(api->body);
  EXPECT_EQ(one["intact"], true);
  EXPECT_EQ(one["fields"]["audience"], "All staff");
  auto aud_decide = Post(
      aud, "/api/approvals/" + std::to_string(second->front().id) + "/decide",
      {{"decision", "refuse"}, {"reason", "x"}});
  ASSERT_TRUE(aud_decide);
  EXPECT_EQ(aud_decide->status, 403);
}

TEST_P(HeldMailTest, ARequestIsWithdrawnOnlyByWhoAskedWhileItWaits) {
  Browser ada = SignIn("ada");
  ASSERT_TRUE(AskForACamera(ada));
  auto list = approvals::List(*db_, {});
  ASSERT_TRUE(list.ok() && list->size() == 1);
  const std::string base = "/approvals/" + std::to_string(list->front().id);
  EXPECT_EQ(list->front().fields[1].second, "129.99");
  Browser its = SignIn("its");
  auto not_theirs = Post(its, base + "/withdraw");
  ASSERT_TRUE(not_theirs);
  EXPECT_EQ(not_theirs->status, 403);
  ASSERT_TRUE(Post(ada, base + "/withdraw"));
  EXPECT_EQ(approvals::Get(*db_, list->front().id)->state, "withdrawn");
  auto late = Post(its, base + "/decide", {{"decision", "approve"}});
  ASSERT_TRUE(late && late->status == 303);
  EXPECT_EQ(approvals::Get(*db_, list->front().id)->state, "withdrawn");
  // A field of the wrong kind is refused with its label.
  auto bad = Post(ada, "/approvals",
                  {{"type", "purchase"},
                   {"f_item", "x"},
                   {"f_cost", "lots"},
                   {"f_purpose", "y"}});
  ASSERT_TRUE(bad && bad->status == 303);
  EXPECT_EQ(approvals::Count(*db_, {}).value(), 1);
  auto unknown = Post(ada, "/approvals", {{"type", "a-pony"}});
  ASSERT_TRUE(unknown && unknown->status == 303);
}

// Rulings (A.3, G.3): the designee issues one citing clauses and the pack
// rules it caused; every employee reads it, also beside the regulation
// they acknowledge; it is withdrawn with a reason or replaced, never edited.
TEST_P(HeldMailTest, TheDesigneeIssuesRulingsEveryoneReadsThem) {
  Browser desig = SignIn("desig");
  auto form = Get(desig, "/rulings/new");
  ASSERT_TRUE(form && form->status == 200);
  auto unknown = Post(desig, "/rulings",
                      {{"decided_on", "2026-11-30"},
                       {"title", "Radio"},
                       {"text", "No."},
                       {"clauses", "A.3, Z.9"}});
  ASSERT_TRUE(unknown && unknown->status == 303);
  EXPECT_NE(unknown->get_header_value("Location").find("/rulings/new"),
            std::string::npos);
  const std::string rule = Pack()->rules.front().id;
  auto issued = Post(desig, "/rulings",
                     {{"decided_on", "2026-11-30"},
                      {"title", "Streaming radio at a desk"},
                      {"text",
                       "Streaming music is <i>not</i> related to "
                       "employment."},
                      {"clauses", "A.3, G.3"},
                      {"pack_items", rule}});
  ASSERT_TRUE(issued && issued->status == 303);
  auto list = rulings::List(*db_, {});
  ASSERT_TRUE(list.ok() && list->size() == 1);
  const auto& r = list->front();
  EXPECT_EQ(r.clauses, (std::vector<std::string>{"A.3", "G.3"}));
  EXPECT_EQ(r.pack_items, std::vector<std::string>{rule});
  EXPECT_EQ(r.pack_hash, Pack()->hash);
  EXPECT_EQ(r.issued_by, "desig");
  // Every employee reads it; none but the designee issues one.
  Browser ada = SignIn("ada");
  auto page = Get(ada, "/rulings/" + std::to_string(r.id));
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("&lt;i&gt;not&lt;/i&gt;"), std::string::npos);
  EXPECT_NE(page->body.find(rule), std::string::npos);
  EXPECT_EQ(page->body.find("/withdraw"), std::string::npos);
  auto forged = Post(ada, "/rulings",
                     {{"decided_on", "2026-11-30"},
                      {"title", "x"},
                      {"text", "y"},
                      {"clauses", "A.3"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  Browser its = SignIn("its");
  EXPECT_EQ(Post(its, "/rulings/" + std::to_string(r.id) + "/withdraw",
                 {{"reason", "x"}})
                ->status,
            403);
  auto by_clause = Get(ada, "/rulings?clause=G.3");
  EXPECT_NE(by_clause->body.find("Streaming radio at a desk"),
            std::string::npos);
  auto csv = Get(ada, "/rulings.csv");
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find("\"Streaming radio at a desk\""), std::string::npos);
  // Replaced: the old one is withdrawn, saying by which.
  auto replaced = Post(desig, "/rulings",
                       {{"decided_on", "2026-12-01"},
                        {"title", "Streaming radio, at lunch"},
                        {"text", "At lunch it is allowed."},
                        {"clauses", "A.3"},
                        {"supersedes", std::to_string(r.id)}});
  ASSERT_TRUE(replaced && replaced->status == 303);
  auto old = rulings::Get(*db_, r.id);
  EXPECT_EQ(old->state, "withdrawn");
  EXPECT_NE(old->withdraw_reason.find("superseded by ruling"),
            std::string::npos);
  auto api = Get(ada, "/api/rulings");
  ASSERT_TRUE(api && api->status == 200);
  auto j = nlohmann::json::parse(api->body);
  ASSERT_EQ(j["rulings"].size(), 1u) << "in force only, by default";
  EXPECT_EQ(j["rulings"][0]["supersedes"], r.id);
}

// The vendor registry (E.6, E.7): ITS adds a vendor and its agreement,
// checks off the terms with evidence and keeps the attestation; only then
// is the vendor approved, and every employee reads for what. Nobody else
// writes; an ITS administrator who is also an auditor does not either.
TEST_P(HeldMailTest, ITSKeepsTheVendorRegistryEveryoneReadsIt) {
  Browser its = SignIn("its");
  auto form = Get(its, "/vendors/new");
  ASSERT_TRUE(form && form->status == 200);
  auto bad = Post(its, "/vendors",
                  {{"name", "Gradebook Co"},
                   {"domains", "https://gradebook.example.net/login"}});
  ASSERT_TRUE(bad && bad->status == 303);
  EXPECT_NE(bad->get_header_value("Location").find("/vendors/new"),
            std::string::npos);
  auto added = Post(its, "/vendors",
                    {{"name", "Gradebook <b>Co</b>"},
                     {"product", "Gradebook"},
                     {"domains", "gradebook.example.net, GB-mail.example.org"},
                     {"contact", "privacy@gradebook.example.net"}});
  ASSERT_TRUE(added && added->status == 303);
  auto list = vendors::ListVendors(*db_);
  ASSERT_TRUE(list.ok() && list->size() == 1);
  const auto& v = list->front();
  EXPECT_EQ(v.domains, (std::vector<std::string>{"gradebook.example.net",
                                                 "gb-mail.example.org"}));
  const std::string base = "/vendors/" + std::to_string(v.id);
  auto agreement = Post(its, base + "/agreements",
                        {{"title", "Hosting agreement"},
                         {"kind", "signed"},
                         {"signed_on", "2026-01-01"},
                         {"starts_on", "2026-01-02"},
                         {"expires_on", "2045-01-01"},
                         {"cat_student-id", "1"},
                         {"cat_grades-transcript", "1"},
                         {"cat_no-such", "1"}});
  ASSERT_TRUE(agreement && agreement->status == 303);
  auto agreements = vendors::AgreementsOf(*db_, v.id);
  ASSERT_TRUE(agreements.ok() && agreements->size() == 1);
  const auto& a = agreements->front();
  EXPECT_EQ(a.categories,
            (std::vector<std::string>{"student-id", "grades-transcript"}));
  const std::string ab = "/agreements/" + std::to_string(a.id);
  Browser ada = SignIn("ada");
  auto page = Get(ada, base);
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("Gradebook &lt;b&gt;Co&lt;/b&gt;"),
            std::string::npos);
  EXPECT_NE(page->body.find("incomplete"), std::string::npos);
  EXPECT_EQ(page->body.find(ab + "/term"), std::string::npos)
      << "no form for an employee";
  EXPECT_EQ(Post(ada, ab + "/term", {{"term", "security"}, {"evidence", "x"}})
                ->status,
            403);
  MakeAccount("its-aud", {Role::kItsAdmin, Role::kAuditor});
  Browser its_aud = SignIn("its-aud");
  EXPECT_EQ(
      Post(its_aud, ab + "/term", {{"term", "security"}, {"evidence", "x"}})
          ->status,
      403);
  auto no_evidence = Post(its, ab + "/term", {{"term", "security"}});
  ASSERT_TRUE(no_evidence && no_evidence->status == 303);
  for (const auto& t : Pack()->vendors.terms)
    ASSERT_EQ(Post(its, ab + "/term",
                   {{"term", t.id}, {"evidence", "section 7, page 3"}})
                  ->status,
              303);
  auto shown = Get(ada, base);
  EXPECT_NE(shown->body.find("incomplete"), std::string::npos)
      << "the attestation is still missing";
  ASSERT_EQ(Post(its, ab + "/attest",
                 {{"signatory", "Pat Vendor"}, {"attested_on", "2026-01-01"}})
                ->status,
            303);
  shown = Get(ada, base);
  EXPECT_NE(shown->body.find("in force"), std::string::npos);
  EXPECT_NE(shown->body.find("section 7, page 3"), std::string::npos);
  auto in_force = Get(ada, "/vendors?show=in-force");
  EXPECT_NE(in_force->body.find("student-id, grades-transcript"),
            std::string::npos);
  auto csv = Get(ada, "/vendors.csv");
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find("in force"), std::string::npos);
  auto api = Get(ada, "/api/vendors/" + std::to_string(v.id));
  ASSERT_TRUE(api && api->status == 200);
  auto j = nlohmann::json::parse(api->body);
  EXPECT_EQ(j["agreements"][0]["standing"], "in force");
  EXPECT_EQ(j["agreements"][0]["terms"].size(), Pack()->vendors.terms.size());
  // Ended: at once, with a reason.
  ASSERT_EQ(Post(its, ab + "/end", {{"reason", "Vendor sold"}})->status, 303);
  shown = Get(ada, base);
  EXPECT_NE(shown->body.find("Vendor sold"), std::string::npos);
  EXPECT_EQ(Get(ada, "/vendors?show=in-force")->body.find("Gradebook"),
            std::string::npos);
  auto log = audit::List(*db_, {.action = "vendor.end"});
  ASSERT_TRUE(log.ok() && log->size() == 1);
  EXPECT_EQ(Get(ada, "/vendors/999")->status, 404);
  EXPECT_EQ(Post(its, "/agreements/999/end", {{"reason", "x"}})->status, 404);
}

// Equipment (R, K.7, K.8): ITS imports Snipe-IT's export and issues a
// laptop; the employee reads the terms (opened) and accepts them (the
// evidence kept); a theft is reported with a charge; the register lists
// what departed employees hold; the employee sees only their own.
TEST_P(HeldMailTest, EquipmentIsIssuedAcknowledgedAndAccountedFor) {
  Browser its = SignIn("its");
  httplib::MultipartFormDataItems upload = {
      {"csrf", its.csrf, "", ""},
      {"assets",
       testing::ReadAll(testing::SourceDir() +
                        "/tests/equipment/snipeit-assets.csv"),
       "assets.csv", "text/csv"}};
  auto imported =
      Client().Post("/equipment/import", {{"Cookie", its.cookie}}, upload);
  ASSERT_TRUE(imported && imported->status == 200);
  EXPECT_NE(imported->body.find("2 rows not loaded"), std::string::npos)
      << imported->body.substr(0, 2000);
  EXPECT_NE(imported->body.find("assets.csv:5:"), std::string::npos);
  auto list = equipment::List(*db_, {.text = "LES-0001"});
  ASSERT_TRUE(list.ok() && list->size() == 1);
  const auto& laptop = list->front();
  EXPECT_EQ(laptop.status, "issued") << "checked out to Ada in Snipe-IT";
  // Ada sees it, and is asked to acknowledge the terms.
  Browser ada = SignIn("ada");
  auto home = Get(ada, "/");
  EXPECT_NE(home->body.find("wait for your acknowledgement"),
            std::string::npos);
  auto mine = Get(ada, "/equipment/mine");
  ASSERT_TRUE(mine && mine->status == 200);
  EXPECT_NE(mine->body.find("LES-0001"), std::string::npos);
  EXPECT_EQ(mine->body.find("LES-0002"), std::string::npos) << "Grace's";
  EXPECT_EQ(Get(ada, "/equipment")->status, 403);
  auto a = equipment::Get(*db_, laptop.id);
  const std::string issue = "/equipment/issues/" + std::to_string(a->issue_id);
  // An acceptance of terms whose page was never opened is sent back to be
  // read, even with the right details.
  auto waiting = equipment::GetIssue(*db_, a->issue_id);
  ASSERT_TRUE(waiting.ok());
  const std::string mark = equipment::DetailsMark(*waiting);
  auto unread = Post(ada, issue + "/accept", {{"details", mark}});
  ASSERT_TRUE(unread && unread->status == 303);
  EXPECT_EQ(equipment::GetIssue(*db_, a->issue_id)->state, "waiting");
  EXPECT_EQ(equipment::GetIssue(*db_, a->issue_id)->opened_at, "");
  auto terms = Get(ada, issue);
  ASSERT_TRUE(terms && terms->status == 200);
  EXPECT_NE(terms->body.find("locked up"), std::string::npos);
  Browser grace = SignIn("grace");
  // Someone else's issue is answered as one that does not exist.
  auto others = Get(grace, issue);
  auto missing = Get(grace, "/equipment/issues/999999");
  ASSERT_TRUE(others && missing);
  EXPECT_EQ(others->status, 404);
  EXPECT_EQ(others->body, missing->body);
  EXPECT_EQ(Post(grace, issue + "/accept")->status, 404);
  // The form sends the details it showed; without them nothing is taken.
  const std::string field = "name=\"details\" value=\"";
  const size_t at = terms->body.find(field);
  ASSERT_NE(at, std::string::npos);
  const std::string shown = terms->body.substr(at + field.size(), 64);
  EXPECT_EQ(shown, mark);
  ASSERT_EQ(Post(ada, issue + "/accept")->status, 303);
  EXPECT_EQ(equipment::GetIssue(*db_, a->issue_id)->state, "waiting");
  ASSERT_EQ(Post(ada, issue + "/accept", {{"details", shown}})->status, 303);
  auto accepted = equipment::GetIssue(*db_, a->issue_id);
  EXPECT_EQ(accepted->state, "accepted");
  EXPECT_FALSE(accepted->opened_at.empty());
  EXPECT_EQ(accepted->terms_sha256.size(), 64u);
  // Stolen, charged; the charge is listed until paid.
  const std::string base = "/equipment/" + std::to_string(laptop.id);
  ASSERT_EQ(Post(its, base + "/report",
                 {{"what", "stolen"},
                  {"note", "Left visible in a car"},
                  {"amount", "249"}})
                ->status,
            303);
  auto page = Get(its, "/equipment");
  EXPECT_NE(page->body.find("$249.00"), std::string::npos);
  auto owed = equipment::Charges(*db_, "owed");
  ASSERT_TRUE(owed.ok() && owed->size() == 1);
  // Grace leaves holding her laptop: the offboarding view lists it.
  ASSERT_TRUE(db_->Exec("UPDATE people SET status = 'departed' WHERE "
                        "family_name = 'Hopper'")
                  .ok());
  auto leaving = Get(its, "/equipment?view=offboarding");
  EXPECT_NE(leaving->body.find("LES-0002"), std::string::npos);
  EXPECT_EQ(leaving->body.find("LES-0006"), std::string::npos);
  auto csv = Get(its, "/equipment.csv?view=offboarding");
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find("LES-0002"), std::string::npos);
  // The asset's history: imported, issued, accepted, reported.
  auto api = Get(its, "/api/equipment/" + std::to_string(laptop.id));
  auto j = nlohmann::json::parse(api->body);
  std::vector<std::string> what;
  for (const auto& e : j["history"]) what.push_back(e["what"]);
  EXPECT_EQ(what,
            (std::vector<std::string>{"import", "issue", "accept", "report"}));
  // Nobody decides on their own equipment: an ITS administrator who is
  // also an employee does not issue to, charge or settle for themselves.
  MakeAccount("its-ada", {Role::kItsAdmin}, PersonId("Turing"),
              "alan@example-usd.org");
  Browser its_ada = SignIn("its-ada");
  auto spare =
      equipment::Add(*db_, {.tag = "SPARE-1", .model = "Laptop"}, {"its", ""});
  ASSERT_TRUE(spare.ok());
  auto self = Post(its_ada, "/equipment/" + std::to_string(*spare) + "/issue",
                   {{"employee", "alan@example-usd.org"}});
  ASSERT_TRUE(self && self->status == 303);
  EXPECT_EQ(equipment::Get(*db_, *spare)->status, "in-stock");
  // An auditor reads, never writes.
  Browser aud = SignIn("aud");
  EXPECT_EQ(Get(aud, base)->status, 200);
  EXPECT_EQ(Post(aud, base + "/retire", {{"reason", "x"}})->status, 403);
  EXPECT_EQ(Post(aud, base + "/edit", {{"tag", "X"}})->status, 403);
  // ITS corrects a spare's details from its page; the form shows them as
  // kept, and the history says what changed.
  const std::string spare_page = "/equipment/" + std::to_string(*spare);
  auto spare_view = Get(its, spare_page);
  ASSERT_TRUE(spare_view && spare_view->status == 200);
  EXPECT_NE(spare_view->body.find("Correct its details"), std::string::npos);
  EXPECT_NE(spare_view->body.find(
                R"(name="tag" maxlength="64" required value="SPARE-1")"),
            std::string::npos);
  EXPECT_EQ(Get(aud, spare_page)->body.find("Correct its details"),
            std::string::npos);
  auto edited = Post(its, spare_page + "/edit",
                     {{"tag", "SPARE-1"},
                      {"model", "Latitude 5440"},
                      {"site", "Roosevelt <Middle>"}});
  ASSERT_TRUE(edited && edited->status == 303);
  auto now = equipment::Get(*db_, *spare);
  EXPECT_EQ(now->model, "Latitude 5440");
  EXPECT_EQ(now->site, "Roosevelt <Middle>");
  spare_view = Get(its, spare_page);
  EXPECT_NE(spare_view->body.find("changed model, site"), std::string::npos);
  EXPECT_NE(spare_view->body.find("Roosevelt &lt;Middle&gt;"),
            std::string::npos);
  EXPECT_EQ(spare_view->body.find("Roosevelt <Middle>"), std::string::npos);
}

// An incident's assignee who is disabled, or loses the role that triages,
// hands the incident back: it is no one's, and the timeline says why.
TEST_P(HeldMailTest, ADisabledAssigneeHandsTheirIncidentsBack) {
  Browser ada = SignIn("ada");
  ASSERT_TRUE(Post(ada, "/report",
                   {{"kind", "security-problem"}, {"summary", "Open door"}}));
  ASSERT_TRUE(Post(ada, "/report",
                   {{"kind", "security-problem"}, {"summary", "Open window"}}));
  auto list = incidents::List(*db_, {.status = ""});
  ASSERT_TRUE(list.ok() && list->size() == 2u);
  const int64_t a = list->front().id, b = list->back().id;
  Browser its = SignIn("its");
  for (int64_t id : {a, b})
    ASSERT_TRUE(Post(its, "/incidents/" + std::to_string(id),
                     {{"status", "triage"}, {"assignee", "its2"}}));
  ASSERT_EQ(incidents::Get(*db_, a)->assignee, "its2");
  auto its2 = identity::FindAccount(*db_, "its2");
  ASSERT_TRUE(its2.ok());
  auto off =
      Post(its, "/accounts/" + std::to_string(its2->id) + "/disable", {});
  ASSERT_TRUE(off && off->status == 303);
  EXPECT_TRUE(identity::GetAccount(*db_, its2->id)->disabled);
  EXPECT_EQ(incidents::Get(*db_, a)->assignee, "");
  EXPECT_EQ(incidents::Get(*db_, b)->assignee, "");
  auto page = Get(its, "/incidents/" + std::to_string(a));
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("account disabled"), std::string::npos)
      << page->body;
  // Enabled again, assigned again, then made an auditor: handed back too.
  ASSERT_TRUE(Post(its, "/accounts/" + std::to_string(its2->id) + "/disable",
                   {{"disable", "0"}}));
  ASSERT_TRUE(
      Post(its, "/incidents/" + std::to_string(a), {{"assignee", "its2"}}));
  ASSERT_EQ(incidents::Get(*db_, a)->assignee, "its2");
  ASSERT_TRUE(Post(its, "/accounts/" + std::to_string(its2->id) + "/roles",
                   {{"role_its-admin", "on"}, {"role_auditor", "on"}}));
  EXPECT_EQ(incidents::Get(*db_, a)->assignee, "");
}

// Found by attacking the held mail and incident pages.
TEST_P(HeldMailTest, TheSenderIsKnownByTheMailServersLoginInAnyCase) {
  // A role mailbox's message, sent by "its" as the mail server
  // authenticated them: not theirs to decide, and theirs to see.
  int64_t id = HoldMail("helpdesk@example-usd.org", {"z@gmail.com"},
                        "From the help desk", "Hello.", std::nullopt,
                        "ITS@Example-USD.org");
  Browser its = SignIn("its");
  auto self = Post(its, "/held/" + std::to_string(id) + "/release",
                   {{"reason", "mine"}});
  ASSERT_TRUE(self);
  EXPECT_EQ(self->status, 403);
  auto api = Get(its, "/api/held");
  ASSERT_TRUE(api && api->status == 200);
  auto j = nlohmann::json::parse(api->body);
  bool mine = false;
  for (const auto& e : j["mine"]) mine = mine || e["id"] == id;
  EXPECT_TRUE(mine) << api->body;
  // Another ITS administrator decides it.
  auto other = Post(SignIn("its2"), "/held/" + std::to_string(id) + "/release",
                    {{"reason", "the help desk's notice"}});
  ASSERT_TRUE(other && other->status == 303);
  EXPECT_EQ(Entry(id).status, "released");
}

TEST_P(HeldMailTest, AReasonMustSaySomethingAndFitAndReadsAreAudited) {
  Browser its = SignIn("its");
  const std::string path = "/held/" + std::to_string(outside_) + "/delete";
  for (const char* blank :
       {"\xC2\xA0", "\xE2\x80\x8B", "\t\r\n", "\xE2\x80\xAE", "\xFF\xFE"}) {
    auto res = Post(its, path, {{"reason", blank}});
    ASSERT_TRUE(res && res->status == 303);
    EXPECT_EQ(Entry(outside_).status, "held") << "blank reason accepted";
  }
  auto longer = Post(its, path, {{"reason", std::string(2001, 'x')}});
  ASSERT_TRUE(longer && longer->status == 303);
  EXPECT_EQ(Entry(outside_).status, "held") << "a long reason is cut";
  // The API read and the exports are recorded.
  ASSERT_TRUE(Get(its, "/api/held/" + std::to_string(outside_)));
  ASSERT_TRUE(Get(its, "/held.csv"));
  auto views = audit::List(*db_, {.action = "quarantine.view"});
  auto exports = audit::List(*db_, {.action = "quarantine.export"});
  ASSERT_TRUE(views.ok() && exports.ok());
  EXPECT_EQ(views->size(), 1u);
  EXPECT_EQ(exports->size(), 1u);
}

TEST_P(HeldMailTest, ReportsAreBoundedCleanAndAnAnonymousOneLeavesNoTrace) {
  Browser ada = SignIn("ada");
  // Invalid UTF-8 and direction controls never reach the register.
  auto odd = Post(ada, "/report",
                  {{"kind", "misuse"},
                   {"summary", "games \xFF\xFE in the \xE2\x80\xAElab"}});
  ASSERT_TRUE(odd && odd->status == 303);
  auto list = incidents::List(*db_, {.status = ""});
  ASSERT_TRUE(list.ok() && list->size() == 1);
  EXPECT_TRUE(core::IsValidUtf8(list->front().summary));
  EXPECT_EQ(list->front().summary, "games  in the lab");
  auto blank =
      Post(ada, "/report", {{"kind", "misuse"}, {"summary", "\x01\t"}});
  ASSERT_TRUE(blank && blank->status == 303);
  EXPECT_EQ(incidents::List(*db_, {.status = ""})->size(), 1u);
  // An anonymous report moves no session's time.
  const std::string old = store::NowUtc(-300);
  ASSERT_TRUE(
      db_->Exec("UPDATE sessions SET seen_at = ?", {store::P(old)}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  auto anon = Post(ada, "/report",
                   {{"kind", "misuse"},
                    {"summary", "Someone shares a password."},
                    {"anonymous", "yes"}});
  ASSERT_TRUE(anon && anon->status == 303);
  auto seen = db_->Query("SELECT seen_at FROM sessions");
  ASSERT_TRUE(seen.ok() && !seen->empty());
  for (const auto& r : *seen) EXPECT_EQ(r.Text(0), old);
  // Ten reports an hour from one account; then the page says so.
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(
        Post(ada, "/report",
             {{"kind", "misuse"}, {"summary", "again " + std::to_string(i)}}));
  // Counted: every try (the empty one too); kept: the two above and seven.
  EXPECT_EQ(incidents::List(*db_, {.status = ""})->size(), 9u);
  // An account that is ITS and auditor reads incidents, changes nothing.
  MakeAccount("its-aud", {Role::kItsAdmin, Role::kAuditor});
  Browser both = SignIn("its-aud");
  const int64_t one = incidents::List(*db_, {.status = ""})->back().id;
  auto note =
      Post(both, "/incidents/" + std::to_string(one), {{"note", "probe"}});
  ASSERT_TRUE(note);
  EXPECT_EQ(note->status, 403);
  auto xlsx = Get(SignIn("its"), "/incidents.xlsx?status=all");
  ASSERT_TRUE(xlsx && xlsx->status == 200);
  EXPECT_EQ(xlsx->body.substr(0, 2), "PK");
}

}  // namespace
}  // namespace steward
