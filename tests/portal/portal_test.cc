// The portal over real HTTP, on SQLite and PostgreSQL: the role × endpoint
// matrix, CSRF, sessions and cookies, and the acknowledgement path end to end.
#include "channels/portal/portal.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "acknowledge/campaigns.h"
#include "audit/chain.h"
#include "identity/accounts.h"
#include "people/people.h"
#include "test_store.h"
#include "test_util.h"

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
    portal::Options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.data_dir = dir_.string();
    o.static_dir = testing::SourceDir() + "/web/static";
    o.access_log = false;
    o.threads = 8;
    auto made = portal::Portal::Create(o, db_, policy_);
    ASSERT_TRUE(made.ok());
    portal_ = std::move(made).value();
    auto port = portal_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    server_ = std::thread([this] { (void)portal_->Run(); });
  }
  void TearDown() override {
    if (portal_) portal_->Stop();
    if (server_.joinable()) server_.join();
    portal_.reset();
    StoreTest::TearDown();
  }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_follow_location(false);
    return c;
  }
  identity::Account MakeAccount(const std::string& user, Roles roles,
                                int64_t person_id = 0) {
    auto a = identity::CreateAccount(*db_, *policy_,
                                     {.username = user,
                                      .display_name = "Test " + user,
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

  std::shared_ptr<const identity::PasswordPolicy> policy_;
  std::unique_ptr<portal::Portal> portal_;
  std::thread server_;
  int port_ = 0;
};
STEWARD_BOTH_BACKENDS(PortalTest);

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
  EXPECT_FALSE(
      identity::GetAccount(*db_, target.id)->roles.Has(Role::kAuditor));
  auto good = Post(b, path, form, true,
                   {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 303);
  EXPECT_TRUE(identity::GetAccount(*db_, target.id)->roles.Has(Role::kAuditor));
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
  EXPECT_NE(bad->body.find("The user name or password is wrong."),
            std::string::npos);
  EXPECT_EQ(bad->get_header_value("Set-Cookie").find("steward_session="),
            std::string::npos);
  for (int i = 0; i < 4; ++i) {
    (void)c.Post("/sign-in",
                 httplib::Params{{"username", "jdoe"}, {"password", "nope"}});
  }
  auto locked = c.Post("/sign-in", httplib::Params{{"username", "jdoe"},
                                                   {"password", kPassword}});
  EXPECT_NE(locked->body.find("locked"), std::string::npos);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
  auto entries = audit::List(*db_, {.action = "sign-in"});
  ASSERT_TRUE(entries.ok());
  EXPECT_GE(entries->size(), 6u);
  EXPECT_EQ(entries->front().ip, "127.0.0.1");
}

TEST_P(PortalTest, NextNeverRedirectsOffSite) {
  MakeAccount("jdoe", {});
  for (const char* next :
       {"//evil.example/", "https://evil.example/", "/\\evil.example"}) {
    auto res =
        Client().Post("/sign-in", httplib::Params{{"username", "jdoe"},
                                                  {"password", kPassword},
                                                  {"next", next}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Location"), "/") << next;
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
  const char* who;      // "anyone", "signed-in", or role names
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
    {"GET", "/accounts", "its-admin auditor designee"},
    {"POST", "/accounts", "its-admin"},
    {"POST", "/accounts/1/roles", "its-admin"},
    {"POST", "/accounts/1/disable", "its-admin"},
    {"GET", "/api/session", "signed-in"},
    {"GET", "/api/people",
     "content-manager site-admin its-admin records-custodian auditor "
     "designee"},
    {"GET", "/api/campaigns", "site-admin its-admin auditor designee"},
    {"GET", "/api/campaigns/1/completion",
     "site-admin its-admin auditor designee"},
    {"GET", "/api/audit", "its-admin records-custodian auditor designee"},
    {"POST", "/api/campaigns/1/acknowledge", "signed-in"},
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
    csv += fmt::format(
        "{},Test,{},as-{}@example-usd.org,Cedar Elementary,teacher,,active\n",
        1001 + i, family[i], identity::RoleName(r));
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
      if (allowed) {
        EXPECT_TRUE(res->status >= 200 && res->status < 400)
            << what << " should succeed, got " << res->status << ": "
            << res->body.substr(0, 300);
      } else {
        EXPECT_EQ(res->status, 403) << what << " should be denied";
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
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(other->body.find("Otto Other"), std::string::npos);
  EXPECT_EQ(record(boss, sam)->status, 403);  // not their own report either
  EXPECT_EQ(record(SignIn("unlinked"), rita)->status, 403);
  Browser auditor = SignIn("audrey");
  auto any = record(auditor, otto);
  EXPECT_EQ(any->status, 200);
  EXPECT_NE(any->body.find("Otto Other"), std::string::npos);
}

}  // namespace
}  // namespace steward
