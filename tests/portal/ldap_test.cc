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

}  // namespace
}  // namespace steward
