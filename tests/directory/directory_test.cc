// Accounts and passwords against a real OpenLDAP server (slapd with the
// ppolicy overlay and Steward's password module, started by scripts/test.sh
// with tests/data/ldap/accounts.ldif): N.4 enforced when a password changes
// at the directory; the directory read, and the N.1 and N.2 lists, on
// SQLite and PostgreSQL.
#include "directory/directory.h"

#include <gtest/gtest.h>
#include <ldap.h>
#include <sodium.h>

#include <cstdlib>
#include <string>

#include "people/people.h"
#include "policy/loader.h"
#include "temp_dir.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

constexpr char kBase[] = "ou=people,dc=example-usd,dc=org";

// The server's URL, or the test is skipped (failed where it must exist).
std::string ServerUrl() {
  const char* url = std::getenv("STEWARD_TEST_PPOLICY_URL");
  return url ? url : "";
}

#define NEED_SERVER()                                                      \
  do {                                                                     \
    if (ServerUrl().empty()) {                                             \
      if (std::getenv("STEWARD_REQUIRE_LDAP"))                             \
        FAIL() << "STEWARD_TEST_PPOLICY_URL unset";                        \
      GTEST_SKIP() << "skipped: no slapd with ppolicy (set "               \
                      "STEWARD_TEST_PPOLICY_URL; `make test` starts one)"; \
    }                                                                      \
  } while (0)

struct Directory {
  LDAP* ld = nullptr;
  explicit Directory(const std::string& url) {
    ldap_initialize(&ld, url.c_str());
    int v = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v);
  }
  ~Directory() {
    if (ld) ldap_unbind_ext_s(ld, nullptr, nullptr);
  }
  int Bind(const std::string& dn, const std::string& pw) {
    berval cred{static_cast<ber_len_t>(pw.size()),
                const_cast<char*>(pw.data())};
    return ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                            nullptr, nullptr);
  }
  // A password change by the entry itself (RFC 3062, as ldappasswd does):
  // the result code and the server's words.
  int Change(const std::string& old_pw, const std::string& new_pw,
             std::string* why) {
    berval old_bv{static_cast<ber_len_t>(old_pw.size()),
                  const_cast<char*>(old_pw.data())};
    berval new_bv{static_cast<ber_len_t>(new_pw.size()),
                  const_cast<char*>(new_pw.data())};
    berval generated{0, nullptr};  // a password the server made; none here
    int rc = ldap_passwd_s(ld, nullptr, &old_bv, &new_bv, &generated, nullptr,
                           nullptr);
    if (generated.bv_val) ber_memfree(generated.bv_val);
    if (rc != LDAP_SUCCESS) {
      char* text = nullptr;
      ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text);
      if (text) {
        *why = text;
        ldap_memfree(text);
      }
    }
    return rc;
  }
};

std::string Random() {
  unsigned char b[6];
  randombytes_buf(b, sizeof b);
  std::string s;
  for (unsigned char c : b) s += "abcdefghijklmnopqrstuvwxyz"[c % 26];
  return s;
}

// N.4 at the directory: slapd asks the module about each new password.
TEST(DirectoryPasswords, TheModuleRefusesWeakPasswordsAndTakesGoodOnes) {
  NEED_SERVER();
  ASSERT_GE(sodium_init(), 0);
  const char* admin_pw = std::getenv("STEWARD_TEST_PPOLICY_PW");
  ASSERT_TRUE(admin_pw) << "STEWARD_TEST_PPOLICY_PW unset";
  // An account of this run's own, so runs and both stores' runs never meet.
  const std::string uid = "pw" + Random();
  const std::string dn = "uid=" + uid + ",ou=changes,dc=example-usd,dc=org";
  const std::string first = "Harbor-Kettle-" + Random() + "-71!";
  {
    Directory admin(ServerUrl());
    ASSERT_EQ(admin.Bind("cn=admin,dc=example-usd,dc=org", admin_pw),
              LDAP_SUCCESS);
    char oc[] = "objectClass", cn[] = "cn", sn[] = "sn", uid_attr[] = "uid",
         pw_attr[] = "userPassword";
    char v_oc[] = "inetOrgPerson", v_cn[] = "Pat Quinn", v_sn[] = "Quinn";
    std::string v_uid = uid, v_pw = first;
    char* oc_vals[] = {v_oc, nullptr};
    char* cn_vals[] = {v_cn, nullptr};
    char* sn_vals[] = {v_sn, nullptr};
    char* uid_vals[] = {v_uid.data(), nullptr};
    char* pw_vals[] = {v_pw.data(), nullptr};
    LDAPMod m_oc{LDAP_MOD_ADD, oc, {oc_vals}};
    LDAPMod m_cn{LDAP_MOD_ADD, cn, {cn_vals}};
    LDAPMod m_sn{LDAP_MOD_ADD, sn, {sn_vals}};
    LDAPMod m_uid{LDAP_MOD_ADD, uid_attr, {uid_vals}};
    LDAPMod m_pw{LDAP_MOD_ADD, pw_attr, {pw_vals}};
    LDAPMod* mods[] = {&m_oc, &m_cn, &m_sn, &m_uid, &m_pw, nullptr};
    ASSERT_EQ(ldap_add_ext_s(admin.ld, dn.c_str(), mods, nullptr, nullptr),
              LDAP_SUCCESS);
  }
  Directory user(ServerUrl());
  ASSERT_EQ(user.Bind(dn, first), LDAP_SUCCESS);
  struct Case {
    std::string password, because;
  };
  const Case refused[] = {
      {"lanterns99", "mix letters, digits and symbols (regulation N.4)"},
      {"Spring2026!", "list of common or breached passwords"},
      {"my-" + uid + "-pw-7!", "may not contain your user name"},
      {"Password1!", "list of common or breached passwords"},
  };
  for (const auto& c : refused) {
    std::string why;
    EXPECT_EQ(user.Change(first, c.password, &why), LDAP_CONSTRAINT_VIOLATION)
        << c.password;
    EXPECT_NE(why.find(c.because), std::string::npos)
        << c.password << ": " << why;
  }
  // Still the first password: nothing weak was kept.
  {
    Directory again(ServerUrl());
    EXPECT_EQ(again.Bind(dn, first), LDAP_SUCCESS);
  }
  const std::string good = "Quiet-Ferry-" + Random() + "-48%";
  std::string why;
  ASSERT_EQ(user.Change(first, good, &why), LDAP_SUCCESS) << why;
  Directory after(ServerUrl());
  EXPECT_EQ(after.Bind(dn, good), LDAP_SUCCESS);
  EXPECT_EQ(after.Bind(dn, first), LDAP_INVALID_CREDENTIALS);
  // The module's settings, as an administrator edits the policy: a
  // block-list that is not a file refuses every password; a block-list
  // that changes applies from the next change, without restarting slapd.
  {
    Directory admin(ServerUrl());
    ASSERT_EQ(admin.Bind("cn=admin,dc=example-usd,dc=org", admin_pw),
              LDAP_SUCCESS);
    const std::string policy_dn =
        "cn=default,ou=policies,dc=example-usd,dc=org";
    std::string original;
    {
      LDAPMessage* res = nullptr;
      char attr[] = "pwdCheckModuleArg";
      char* attrs[] = {attr, nullptr};
      ASSERT_EQ(ldap_search_ext_s(admin.ld, policy_dn.c_str(), LDAP_SCOPE_BASE,
                                  "(objectClass=*)", attrs, 0, nullptr, nullptr,
                                  nullptr, 0, &res),
                LDAP_SUCCESS);
      if (berval** v = ldap_get_values_len(
              admin.ld, ldap_first_entry(admin.ld, res), attr)) {
        if (v[0]) original.assign(v[0]->bv_val, v[0]->bv_len);
        ldap_value_free_len(v);
      }
      ldap_msgfree(res);
    }
    auto set_arg = [&](std::string value) {
      char attr[] = "pwdCheckModuleArg";
      char* vals[] = {value.data(), nullptr};
      LDAPMod mod{LDAP_MOD_REPLACE, attr, {vals}};
      LDAPMod* mods[] = {&mod, nullptr};
      return ldap_modify_ext_s(admin.ld, policy_dn.c_str(), mods, nullptr,
                               nullptr);
    };
    testing::TempDir tmp;
    ASSERT_EQ(set_arg("blocklist=" + tmp.path().string()), LDAP_SUCCESS);
    std::string why2;
    EXPECT_NE(user.Change(good, "Velvet-Harbor-" + Random() + "-39&", &why2),
              LDAP_SUCCESS);
    EXPECT_NE(why2.find("misconfigured"), std::string::npos) << why2;
    const std::string banned = "Amber-Falcon-" + Random() + "-93!";
    const std::string later = "Cobalt-Meadow-" + Random() + "-64!";
    const std::string list = tmp.Write("list.txt", banned + "\n");
    ASSERT_EQ(set_arg("blocklist=" + list), LDAP_SUCCESS);
    EXPECT_EQ(user.Change(good, banned, &why2), LDAP_CONSTRAINT_VIOLATION);
    // Another size, so the change shows whatever the clock's resolution.
    tmp.Write("list.txt", banned + "\n" + later + "\n");
    EXPECT_EQ(user.Change(good, later, &why2), LDAP_CONSTRAINT_VIOLATION)
        << "a password added to the block-list was still taken";
    ASSERT_EQ(set_arg(original), LDAP_SUCCESS);
  }

  // ppolicy recorded the change: the N.2 report will see it.
  directory::Source source{.url = ServerUrl(),
                           .base = "ou=changes,dc=example-usd,dc=org",
                           .filter = "(uid=" + uid + ")"};
  auto read = directory::Read(source);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_NEAR(static_cast<double>(read->front().changed_at),
              static_cast<double>(std::time(nullptr)), 120);
}

TEST(DirectoryTimes, LdapAndActiveDirectoryTimesReadAsUtc) {
  auto t = directory::ParseGeneralizedTime("20260901120000Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, 1788264000);
  auto frac = directory::ParseGeneralizedTime("20250115000000.0Z");
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ(*frac, 1736899200);
  auto offset = directory::ParseGeneralizedTime("20260901050000-0700");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset, 1788264000);
  EXPECT_EQ(directory::ParseGeneralizedTime("000001010000Z").value(), 0);
  for (const char* bad : {"", "2026", "20261301000000Z", "20260901120000",
                          "20260901126000Z", "20260901120000Zjunk"})
    EXPECT_FALSE(directory::ParseGeneralizedTime(bad).ok()) << bad;
  // 2026-09-01T12:00:00Z as Windows FILETIME.
  EXPECT_EQ(directory::FromFiletime(134327376000000000LL), 1788264000);
  EXPECT_EQ(directory::FromFiletime(0), 0);  // must change at next sign-in
  EXPECT_EQ(directory::FromFiletime(INT64_MAX), 0);
}

class DirectoryAccounts : public testing::StoreTest {
 protected:
  void SetUp() override {
    NEED_SERVER();
    StoreTest::SetUp();
    auto lr = policy::LoadPack(testing::SourceDir() + "/policy",
                               {.compile_patterns = false});
    ASSERT_TRUE(lr.ok());
    pack_ = lr.pack;
    auto people = people::ImportEmployeesCsv(
        *db_,
        "id,given_name,family_name,email,site,job_role,supervisor,status\n"
        "E100,Ada,Lovelace,alovelace@example-usd.org,Lincoln,teacher,,active\n"
        "E101,Grace,Hopper,grace.hopper@example-usd.org,Lincoln,principal,,"
        "active\n"
        "E103,Katherine,Johnson,kjohnson@example-usd.org,Lincoln,aide,,"
        "inactive\n"
        "E104,Margaret,Hamilton,mhamilton@example-usd.org,Cedar,teacher,,"
        "active\n",
        "employees.csv", {"cli:test", ""});
    ASSERT_TRUE(people.ok()) << people.status().message();
  }
  std::vector<directory::Account> ReadPeople() {
    auto read = directory::Read({.url = ServerUrl(), .base = kBase});
    EXPECT_TRUE(read.ok()) << read.status().message();
    return read.ok() ? *read : std::vector<directory::Account>{};
  }
  int64_t Count(directory::View view, const std::string& semester = "") {
    directory::Query q{.view = view};
    if (!semester.empty()) {
      const auto* s = directory::FindSemester(*pack_, semester);
      EXPECT_TRUE(s) << semester;
      if (!s) return -1;
      EXPECT_TRUE(
          directory::SemesterSpan(*s, pack_->records.time_zone, &q).ok());
    }
    auto n = directory::Count(*db_, q);
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? *n : -1;
  }
  std::vector<std::string> Names(directory::View view,
                                 const std::string& semester = "") {
    directory::Query q{.view = view};
    if (!semester.empty()) {
      EXPECT_TRUE(
          directory::SemesterSpan(*directory::FindSemester(*pack_, semester),
                                  pack_->records.time_zone, &q)
              .ok());
    }
    auto rows = directory::List(*db_, q);
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> out;
    if (rows.ok())
      for (const auto& l : *rows) out.push_back(l.account.username);
    return out;
  }
  std::shared_ptr<const policy::PolicyPack> pack_;
};
STEWARD_BOTH_BACKENDS(DirectoryAccounts);

using V = directory::View;
using Users = std::vector<std::string>;

TEST_P(DirectoryAccounts, ReadsTheDirectoryAsItIs) {
  auto accounts = ReadPeople();
  ASSERT_EQ(accounts.size(), 7u);
  std::map<std::string, directory::Account> by;
  for (const auto& a : accounts) by[a.username] = a;
  EXPECT_EQ(by["ghopper"].email, "Grace.Hopper@Example-USD.org");
  EXPECT_EQ(by["ghopper"].display_name, "Grace Hopper");
  EXPECT_EQ(by["ghopper"].dn, "uid=ghopper,ou=people,dc=example-usd,dc=org");
  EXPECT_EQ(by["ghopper"].changed_at, 1772352000);  // 2026-03-01T08:00Z
  EXPECT_EQ(by["ghopper"].entry_id.size(), 36u);    // an entryUUID
  EXPECT_TRUE(by["oldtemp"].disabled);
  EXPECT_FALSE(by["ghopper"].disabled);
  EXPECT_EQ(by["mhamilton"].changed_at, 0);
  EXPECT_EQ(by["mhamilton"].created_at, 1736899200);  // 2025-01-15
}

TEST_P(DirectoryAccounts, ListsAccountsWithNoEmployeeAndLatePasswords) {
  auto accounts = ReadPeople();
  auto kept =
      directory::Record(*db_, accounts, pack_->accounts, "test", {"its", ""});
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  EXPECT_EQ(kept->added, 7);
  // N.1: nobody behind cbabbage; kjohnson has left. A disabled account and
  // a service account are not counted.
  EXPECT_EQ(Names(V::kNoEmployee), (Users{"cbabbage", "kjohnson"}));
  EXPECT_EQ(Count(V::kNoEmployee), 2);
  // A page at a time, in name order across the matched-to-nobody and the
  // has-left accounts, with a search as well.
  for (int offset : {0, 1, 2}) {
    auto page = directory::List(
        *db_, {.view = V::kNoEmployee, .limit = 1, .offset = offset});
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_EQ(page->size(), offset < 2 ? 1u : 0u);
    if (offset < 2) {
      EXPECT_EQ(page->front().account.username,
                offset == 0 ? "cbabbage" : "kjohnson");
    }
  }
  auto found =
      directory::List(*db_, {.view = V::kNoEmployee, .text = "johnson"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().standing, "employee has left");
  EXPECT_EQ(Names(V::kService), (Users{"svc-backup"}));
  EXPECT_EQ(Names(V::kDisabled), (Users{"oldtemp"}));
  EXPECT_EQ(Count(V::kOpen), 5);
  // N.2: not changed between 2026-08-12 and 2026-12-18 (Los Angeles).
  EXPECT_EQ(Names(V::kStale, "Fall 2026"),
            (Users{"cbabbage", "ghopper", "mhamilton"}));
  EXPECT_EQ(Names(V::kStale, "Spring 2026"),
            (Users{"alovelace", "cbabbage", "kjohnson", "mhamilton"}));
  // Matched by address whatever its case; by the user name as the
  // address's local part; the standing says why.
  auto all = directory::List(*db_, {.view = V::kOpen});
  ASSERT_TRUE(all.ok());
  for (const auto& l : *all) {
    if (l.account.username == "ghopper") {
      EXPECT_EQ(l.person_name, "Grace Hopper");
    }
    if (l.account.username == "mhamilton") {
      EXPECT_EQ(l.standing, "employee");
    }
    if (l.account.username == "kjohnson") {
      EXPECT_EQ(l.standing, "employee has left");
    }
  }

  // The same read again writes nothing about the accounts.
  auto again =
      directory::Record(*db_, accounts, pack_->accounts, "test", {"its", ""});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->added + again->changed + again->gone, 0);

  // Grace changes her password in November; cbabbage is deleted.
  std::vector<directory::Account> later;
  for (auto a : accounts) {
    if (a.username == "cbabbage") continue;
    if (a.username == "ghopper") a.changed_at = 1795132800;  // 2026-11-20
    later.push_back(a);
  }
  auto third =
      directory::Record(*db_, later, pack_->accounts, "test", {"its", ""});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->changed, 1);
  EXPECT_EQ(third->gone, 1);
  EXPECT_EQ(Names(V::kGone), (Users{"cbabbage"}));
  EXPECT_EQ(Names(V::kStale, "Fall 2026"), (Users{"mhamilton"}));
  // Her March change still counts for Spring 2026: history is kept.
  EXPECT_EQ(Names(V::kStale, "Spring 2026"),
            (Users{"alovelace", "kjohnson", "mhamilton"}));
  EXPECT_EQ(Names(V::kNoEmployee), (Users{"kjohnson"}));

  // Every read is in the audit chain.
  auto entries = audit::List(*db_, {.action = "directory.read"});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 3u);
}

TEST_P(DirectoryAccounts, AReadThatLosesMostAccountsIsRefused) {
  auto accounts = ReadPeople();
  const std::string source = "ldap://dc ou=people";
  ASSERT_TRUE(
      directory::Record(*db_, accounts, pack_->accounts, source, {"its", ""})
          .ok());
  // A wrong filter finds nothing; a wrong base finds two of seven.
  auto empty =
      directory::Record(*db_, {}, pack_->accounts, source, {"its", ""});
  EXPECT_EQ(empty.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("nothing was changed"),
            std::string::npos)
      << empty.status().message();
  std::vector<directory::Account> two(accounts.begin(), accounts.begin() + 2);
  EXPECT_FALSE(
      directory::Record(*db_, two, pack_->accounts, source, {"its", ""}).ok());
  EXPECT_EQ(Count(V::kGone), 0);
  EXPECT_EQ(Count(V::kNoEmployee), 2);
  // Another source (a second base) marks nothing of the first gone.
  directory::Account extra = accounts.front();
  extra.entry_id = "other-1";
  extra.username = "contractor1";
  auto other = directory::Record(*db_, {extra}, pack_->accounts,
                                 "ldap://dc ou=contractors", {"its", ""});
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_EQ(other->gone, 0);
  // Asked for, it is kept.
  auto forced = directory::Record(*db_, two, pack_->accounts, source,
                                  {"its", ""}, {.force = true});
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(forced->gone, 5);
  EXPECT_EQ(Count(V::kGone), 5);
}

TEST_P(DirectoryAccounts, ALookAlikeUserNameIsMatchedToNobody) {
  directory::Account a;
  a.entry_id = "look-alike";
  a.username = "alovelace";  // as cleaned from "alovelace\u200e"
  a.plain = false;
  a.dn = "uid=alovelace\u200e,ou=people,dc=example-usd,dc=org";
  ASSERT_TRUE(
      directory::Record(*db_, {a}, pack_->accounts, "test", {"its", ""}).ok());
  EXPECT_EQ(Names(V::kNoEmployee), (Users{"alovelace"}));
}

TEST_P(DirectoryAccounts, RefusesWhatCannotBeRead) {
  EXPECT_EQ(
      directory::Read({.url = ServerUrl(), .base = kBase, .flavor = "novell"})
          .status()
          .code(),
      core::Code::kInvalidArgument);
  EXPECT_EQ(directory::Read({.url = ServerUrl(),
                             .bind_dn = "cn=admin,dc=example-usd,dc=org",
                             .password = "wrong",
                             .base = kBase})
                .status()
                .code(),
            core::Code::kInvalidArgument);
  EXPECT_EQ(directory::Read({.url = "ldap://127.0.0.1:1", .base = kBase})
                .status()
                .code(),
            core::Code::kIoError);
  auto capped =
      directory::Read({.url = ServerUrl(), .base = kBase, .max_accounts = 3});
  EXPECT_EQ(capped.status().code(), core::Code::kLimit);
}

}  // namespace
}  // namespace steward
