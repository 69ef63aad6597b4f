// Accounts and sessions over the store, on SQLite and PostgreSQL alike:
// password rules (N.4, block lists, cracklib), lockout and throttling,
// sessions stored as hashes, roles.
#include "identity/accounts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "audit/chain.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using testing::StoreTest;

class Accounts : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    std::string list =
        Write("blocklist.txt", "password 100\nqwerty123! 5\nSummer2026! 3\n");
    auto p = identity::PasswordPolicy::Load(list);
    ASSERT_TRUE(p.ok()) << p.status().message();
    policy_ = *p;
  }
  identity::Account Make(const std::string& user, identity::Roles roles = {}) {
    auto a = identity::CreateAccount(*db_, *policy_,
                                     {.username = user,
                                      .display_name = "Test " + user,
                                      .password = "Tr4ffic-Lights&Owls",
                                      .roles = roles},
                                     {"cli:test", ""});
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : identity::Account{};
  }
  std::shared_ptr<const identity::PasswordPolicy> policy_;
  identity::Throttle throttle_;
  identity::Client client_{"10.0.0.9", "test-agent"};
};
STEWARD_BOTH_BACKENDS(Accounts);

TEST_P(Accounts, PasswordRulesFollowN4AndTheBlockList) {
  auto check = [&](const std::string& pw) {
    return policy_->Check(pw, "jsmith", "Jane Smith");
  };
  EXPECT_NE(check("Ab1!").message().find("N.4"), std::string::npos);
  EXPECT_FALSE(check("abcdefgh1").ok());  // no symbol
  EXPECT_FALSE(check("abcdefgh!").ok());  // no digit
  EXPECT_FALSE(check("12345678!").ok());  // no letter
  EXPECT_NE(check("Summer2026!").message().find("common"), std::string::npos);
  EXPECT_NE(check("jsmith-2026!").message().find("user name"),
            std::string::npos);
  EXPECT_NE(check("Smith#2026x").message().find("name"), std::string::npos);
  EXPECT_TRUE(check("Tr4ffic-Lights&Owls").ok());
}

TEST_P(Accounts, TheSharedBlockListIsEnforced) {
  std::string corpus = testing::Corpus("zxcvbn");
  STEWARD_SKIP_IF_EMPTY(corpus, "zxcvbn");
  auto p = identity::PasswordPolicy::Load(corpus + "/passwords.txt");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_GT((*p)->blocklist_size(), 40000u);
  // "p@ssw0rd" is in the list; it passes N.4's letters, digits and symbols.
  EXPECT_NE((*p)->Check("p@ssw0rd", "x", "X").message().find("common"),
            std::string::npos);
}

TEST_P(Accounts, CracklibRejectsDictionaryWords) {
  auto p = identity::PasswordPolicy::Load("", "");
  if (!p.ok()) GTEST_SKIP() << "skipped: " << p.status().message();
  auto st = (*p)->Check("Dictionary1!", "x", "X");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("too easy"), std::string::npos) << st.message();
}

TEST_P(Accounts, PasswordsAreArgon2idAndSessionsStoreOnlyHashes) {
  Make("jdoe");
  auto rows =
      db_->Query("SELECT password_hash FROM accounts WHERE username = 'jdoe'");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().Text(0).rfind("$argon2id$", 0), 0u);
  auto s =
      identity::SignIn(*db_, throttle_, "jdoe", "Tr4ffic-Lights&Owls", client_);
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto stored = db_->Query("SELECT token_hash FROM sessions");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_NE(stored->front().Text(0), s->token);
  auto again = identity::Authenticate(*db_, s->token);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->account.username, "jdoe");
  EXPECT_EQ(again->csrf, s->csrf);
  EXPECT_FALSE(identity::Authenticate(*db_, "forged-token").ok());
}

TEST_P(Accounts, FiveWrongPasswordsLockTheAccount) {
  Make("jdoe");
  for (int i = 0; i < 5; ++i) {
    auto s = identity::SignIn(*db_, throttle_, "jdoe", "wrong", client_);
    ASSERT_FALSE(s.ok());
  }
  auto locked =
      identity::SignIn(*db_, throttle_, "jdoe", "Tr4ffic-Lights&Owls", client_);
  ASSERT_FALSE(locked.ok());
  EXPECT_NE(locked.status().message().find("locked"), std::string::npos);
  auto entries = audit::List(*db_, {.action = "sign-in"});
  ASSERT_TRUE(entries.ok());
  int failed = 0, lock = 0;
  for (const auto& e : *entries) {
    failed += e.action == "sign-in.failed";
    lock += e.action == "sign-in.locked";
  }
  EXPECT_EQ(lock, 1);
  EXPECT_EQ(failed, 5);  // four wrong, then the attempt while locked
}

TEST_P(Accounts, TheAddressThrottleStopsSprayingAcrossNames) {
  identity::Throttle tight(3, std::chrono::minutes(10));
  for (int i = 0; i < 3; ++i) {
    (void)identity::SignIn(*db_, tight, "user" + std::to_string(i), "x",
                           client_);
  }
  auto s = identity::SignIn(*db_, tight, "anyone", "x", client_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), core::Code::kLimit);
  // Another address is not affected.
  EXPECT_TRUE(tight.Allowed("10.0.0.10"));
}

TEST_P(Accounts, SignOutEverywhereAndPasswordChangeEndSessions) {
  auto a = Make("jdoe");
  auto s1 =
      identity::SignIn(*db_, throttle_, "jdoe", "Tr4ffic-Lights&Owls", client_);
  auto s2 =
      identity::SignIn(*db_, throttle_, "jdoe", "Tr4ffic-Lights&Owls", client_);
  ASSERT_TRUE(s1.ok() && s2.ok());
  ASSERT_TRUE(identity::ChangePassword(*db_, *policy_, *s1,
                                       "Tr4ffic-Lights&Owls",
                                       "N3w-Harbour*Lamps", {"jdoe", ""})
                  .ok());
  EXPECT_TRUE(identity::Authenticate(*db_, s1->token).ok());
  EXPECT_FALSE(identity::Authenticate(*db_, s2->token).ok());
  ASSERT_TRUE(identity::SignOutEverywhere(*db_, a.id, {"jdoe", ""}).ok());
  EXPECT_FALSE(identity::Authenticate(*db_, s1->token).ok());
}

TEST_P(Accounts, AnExpiredSessionIsRefused) {
  Make("jdoe");
  auto s =
      identity::SignIn(*db_, throttle_, "jdoe", "Tr4ffic-Lights&Owls", client_);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(
      db_->Exec("UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'")
          .ok());
  EXPECT_FALSE(identity::Authenticate(*db_, s->token).ok());
}

TEST_P(Accounts, RolesAreStoredAndAudited) {
  auto a = Make("jdoe", {identity::Role::kAuditor});
  EXPECT_TRUE(a.roles.Has(identity::Role::kAuditor));
  EXPECT_TRUE(a.roles.Has(identity::Role::kEmployee));
  ASSERT_TRUE(identity::SetRoles(*db_, a.id, {identity::Role::kSupervisor},
                                 {"admin", ""})
                  .ok());
  auto b = identity::GetAccount(*db_, a.id);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->roles.Has(identity::Role::kAuditor));
  EXPECT_TRUE(b->roles.Has(identity::Role::kSupervisor));
  auto e = audit::List(*db_, {.action = "account.roles"});
  ASSERT_TRUE(e.ok() && e->size() == 1);
}

}  // namespace
}  // namespace steward
