// Employees from a real OpenLDAP server (slapd, started by scripts/test.sh
// with tests/data/ldap/people.ldif), on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <cstdlib>

#include "identity/accounts.h"
#include "people/people.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

class Ldap : public testing::StoreTest {
 protected:
  void SetUp() override {
    const char* url = std::getenv("STEWARD_TEST_LDAP_URL");
    if (!url || !*url) {
      if (std::getenv("STEWARD_REQUIRE_LDAP"))
        FAIL() << "STEWARD_TEST_LDAP_URL unset";
      GTEST_SKIP() << "skipped: no LDAP server (set STEWARD_TEST_LDAP_URL; "
                      "`make test` starts slapd)";
    }
    url_ = url;
    const char* pw = std::getenv("STEWARD_TEST_LDAP_PW");
    password_ = pw ? pw : "";
    StoreTest::SetUp();
  }
  people::LdapOptions Options() const {
    people::LdapOptions o;
    o.url = url_;
    o.base = "ou=people,dc=example-usd,dc=org";
    return o;
  }
  std::string url_, password_;
};
STEWARD_BOTH_BACKENDS(Ldap);

TEST_P(Ldap, ImportsEmployeesAndReportsBadEntries) {
  auto r = people::ImportLdap(*db_, Options(), {"cli:test", ""});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->created, 3);
  EXPECT_EQ(r->Rejected(), 1);
  ASSERT_EQ(r->issues.size(), 2u);
  bool named = false;
  for (const auto& i : r->issues) {
    if (i.file == "uid=nameless,ou=people,dc=example-usd,dc=org") named = true;
  }
  EXPECT_TRUE(named);
  auto ada = people::Find(*db_, {.text = "Ada"});
  ASSERT_TRUE(ada.ok() && ada->size() == 1);
  EXPECT_EQ(ada->front().source_id, "E100");
  EXPECT_EQ(ada->front().supervisor_source_id, "E101");  // from the manager DN
  EXPECT_EQ(ada->front().site_name, "Lincoln Elementary");
  EXPECT_EQ(ada->front().job_role, "teacher");
  auto alan = people::Find(*db_, {.text = "Alan"});
  ASSERT_TRUE(alan.ok() && alan->size() == 1);
  EXPECT_EQ(alan->front().email, "");
}

TEST_P(Ldap, BindsAsTheManagerAndNamesAWrongPassword) {
  if (password_.empty()) GTEST_SKIP() << "skipped: STEWARD_TEST_LDAP_PW unset";
  auto o = Options();
  o.bind_dn = "cn=admin,dc=example-usd,dc=org";
  o.password = password_;
  EXPECT_TRUE(people::ImportLdap(*db_, o, {"cli:test", ""}).ok());
  o.password = "wrong";
  auto bad = people::ImportLdap(*db_, o, {"cli:test", ""});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Invalid credentials"),
            std::string::npos)
      << bad.status().message();
  EXPECT_EQ(bad.status().message().find("wrong"),
            std::string::npos);  // never echoed
}

TEST_P(Ldap, AnEmptyResultChangesNothing) {
  ASSERT_TRUE(people::ImportLdap(*db_, Options(), {"cli:test", ""}).ok());
  auto o = Options();
  o.filter = "(uid=nobody-at-all)";
  auto r = people::ImportLdap(*db_, o, {"cli:test", ""});
  ASSERT_FALSE(r.ok());
  auto still = people::Count(*db_, {.kind = "employee"});
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, 3);
}

TEST_P(Ldap, EmployeesSignInWithTheDirectory) {
  ASSERT_TRUE(people::ImportLdap(*db_, Options(), {"cli:test", ""}).ok());
  identity::LdapSignIn ldap{url_, "uid={},ou=people,dc=example-usd,dc=org"};
  identity::Throttle throttle;
  identity::Client client{"10.0.0.5", "test"};
  auto s = identity::SignIn(*db_, throttle, "alovelace", "Chalk-Board-42!",
                            client, ldap);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->account.display_name, "Ada Lovelace");
  EXPECT_NE(s->account.person_id, 0);  // linked to her directory record
  EXPECT_TRUE(s->account.roles.Has(identity::Role::kEmployee));
  EXPECT_FALSE(s->account.roles.Has(identity::Role::kItsAdmin));
  // Second time: the same account, still checked against the directory.
  auto again = identity::SignIn(*db_, throttle, "alovelace", "Chalk-Board-42!",
                                client, ldap);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->account.id, s->account.id);
  EXPECT_FALSE(
      identity::SignIn(*db_, throttle, "alovelace", "wrong", client, ldap)
          .ok());
  // An empty password would be an anonymous bind, which LDAP accepts.
  EXPECT_FALSE(
      identity::SignIn(*db_, throttle, "ghopper", "", client, ldap).ok());
  // A name that tries to change the DN is escaped, not obeyed.
  EXPECT_FALSE(identity::SignIn(*db_, throttle, "alovelace,ou=people",
                                "Chalk-Board-42!", client, ldap)
                   .ok());
  EXPECT_FALSE(identity::FindAccount(*db_, "ghopper").ok());
}

TEST_P(Ldap, ADisabledDirectoryAccountStaysDisabledWhateverIsTyped) {
  ASSERT_TRUE(people::ImportLdap(*db_, Options(), {"cli:test", ""}).ok());
  identity::LdapSignIn ldap{url_, "uid={},ou=people,dc=example-usd,dc=org"};
  identity::Throttle throttle(1000);
  auto sign_in = [&](const std::string& name, int n) {
    // A fresh address each time: this is about names, not the lock-out.
    return identity::SignIn(*db_, throttle, name, "Chalk-Board-42!",
                            {"10.0.2." + std::to_string(n), "test"}, ldap);
  };
  auto first = sign_in("alovelace", 1);
  ASSERT_TRUE(first.ok()) << first.status().message();
  // The account holds the directory's id of the entry, not just the name.
  auto id = db_->Query("SELECT directory_id FROM accounts WHERE id = ?",
                       {store::P(first->account.id)});
  ASSERT_TRUE(id.ok() && id->size() == 1);
  EXPECT_EQ(id->front().Text(0).size(), 36u) << id->front().Text(0);  // UUID
  // Another spelling of the same name is the same account while enabled.
  auto upper = sign_in("ALovelace ", 2);
  ASSERT_TRUE(upper.ok()) << upper.status().message();
  EXPECT_EQ(upper->account.id, first->account.id);
  // ITS disables it: no spelling brings it back, and none makes a new one.
  ASSERT_TRUE(
      identity::SetDisabled(*db_, first->account.id, true, {"its", ""}).ok());
  int n = 3;
  for (const char* name : {"alovelace", "ALOVELACE", "alovelace ", " alovelace",
                           "\talovelace", "aLoVeLaCe"}) {
    auto again = sign_in(name, n++);
    EXPECT_FALSE(again.ok()) << "'" << name << "'";
  }
  auto count = db_->Query("SELECT COUNT(*) FROM accounts");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->front().Int(0), 1);
}

TEST_P(Ldap, AnAccountMadeBeforeDirectoryIdsIsFoundAndStaysDisabled) {
  ASSERT_TRUE(people::ImportLdap(*db_, Options(), {"cli:test", ""}).ok());
  identity::LdapSignIn ldap{url_, "uid={},ou=people,dc=example-usd,dc=org"};
  identity::Throttle throttle(1000);
  // As the first sign-in used to make it: the name as typed, no id.
  ASSERT_TRUE(db_->Exec("INSERT INTO accounts (username, display_name, "
                        "disabled, created_at) VALUES (' ALovelace', 'Ada', "
                        "1, '2026-01-01T00:00:00Z')")
                  .ok());
  auto s = identity::SignIn(*db_, throttle, "alovelace", "Chalk-Board-42!",
                            {"10.0.0.5", "test"}, ldap);
  EXPECT_FALSE(s.ok());
  auto count = db_->Query("SELECT COUNT(*) FROM accounts");
  EXPECT_EQ(count->front().Int(0), 1);
  // Enabled again, it is adopted: it takes the entry's id.
  ASSERT_TRUE(db_->Exec("UPDATE accounts SET disabled = 0").ok());
  auto ok = identity::SignIn(*db_, throttle, "ALOVELACE", "Chalk-Board-42!",
                             {"10.0.0.5", "test"}, ldap);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  auto id = db_->Query("SELECT directory_id FROM accounts");
  EXPECT_FALSE(id->front().IsNull(0));
  EXPECT_EQ(db_->Query("SELECT COUNT(*) FROM accounts")->front().Int(0), 1);
}

TEST_P(Ldap, ALocalAccountsNameIsNotTakenOverThroughTheDirectory) {
  auto p = identity::PasswordPolicy::Load("", "off");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(identity::CreateAccount(*db_, **p,
                                      {.username = "alovelace",
                                       .display_name = "Local Ada",
                                       .password = "Tr4ffic-Lights&Owls"},
                                      {"cli:test", ""})
                  .ok());
  identity::LdapSignIn ldap{url_, "uid={},ou=people,dc=example-usd,dc=org"};
  identity::Throttle throttle(1000);
  // "ALovelace" is no local account; the directory accepts it, but the name
  // belongs to a local account, which keeps its own password.
  auto s = identity::SignIn(*db_, throttle, "ALovelace", "Chalk-Board-42!",
                            {"10.0.0.5", "test"}, ldap);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(db_->Query("SELECT COUNT(*) FROM accounts")->front().Int(0), 1);
}

}  // namespace
}  // namespace steward
