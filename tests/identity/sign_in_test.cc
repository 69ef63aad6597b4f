// Sign-in under attack, on SQLite and PostgreSQL: parallel guesses are all
// counted and lock; password hashing stays within its bound; what an
// anonymous request stores is cut; a lock binds one name from one address
// and ITS can lift it; the answers do not tell which names exist; wrong
// current passwords on a password change count and are audited.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "audit/chain.h"
#include "identity/accounts.h"
#include "identity/hash_gate.h"
#include "identity/passwords.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using store::P;
using testing::StoreTest;

constexpr const char* kPassword = "Tr4ffic-Lights&Owls";

// "$argon2id$v=19$m=…,t=…,p=…$" of a hash in libsodium's string format: what
// one check of it costs.
std::string ArgonParameters(const std::string& hash) {
  size_t at = 0;
  for (int i = 0; i < 4 && at != std::string::npos; ++i)
    at = hash.find('$', at + (i > 0));
  return at == std::string::npos ? "" : hash.substr(0, at + 1);
}

class SignInLimits : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto p = identity::PasswordPolicy::Load("", "off");
    ASSERT_TRUE(p.ok());
    policy_ = *p;
    identity::HashGate::Global().Configure({});
    identity::HashGate::Global().ResetStats();
  }
  void TearDown() override {
    identity::HashGate::Global().Configure({});
    StoreTest::TearDown();
  }
  identity::Account Make(const std::string& user) {
    auto a = identity::CreateAccount(*db_, *policy_,
                                     {.username = user,
                                      .display_name = "Test " + user,
                                      .password = kPassword},
                                     {"cli:test", ""});
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : identity::Account{};
  }
  core::Result<identity::Session> Try(const std::string& user,
                                      const std::string& password,
                                      const std::string& ip = "10.0.0.9") {
    return identity::SignIn(*db_, throttle_, user, password, {ip, "test"});
  }
  int CountAudit(const std::string& action) {
    auto e = audit::List(*db_, {.action = action, .limit = 1000});
    EXPECT_TRUE(e.ok());
    int n = 0;
    for (const auto& x : *e) n += x.action == action;
    return n;
  }
  std::shared_ptr<const identity::PasswordPolicy> policy_;
  identity::Throttle throttle_{1000};  // the lock-out, not the throttle
};
STEWARD_BOTH_BACKENDS(SignInLimits);

TEST_P(SignInLimits, ParallelWrongPasswordsAreAllCountedAndLock) {
  Make("jdoe");
  constexpr int kThreads = 40;
  std::atomic<int> refused{0}, busy{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto s = Try("jdoe", "wrong-" + std::to_string(i));
      if (s.ok()) {
        ++other;
      } else if (s.status().code() == core::Code::kInvalidArgument) {
        ++refused;
      } else if (s.status().code() == core::Code::kLimit) {
        ++busy;  // the hash gate's queue was full: not checked, not counted
      } else {
        ++other;
        ADD_FAILURE() << s.status().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  auto stats = identity::HashGate::Global().stats();
  std::printf(
      "40 parallel wrong passwords: %d refused, %d busy; peak %d "
      "concurrent hashes\n",
      refused.load(), busy.load(), stats.peak_running);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(refused + busy, kThreads);
  EXPECT_GE(refused, identity::kMaxFailures);
  EXPECT_LE(stats.peak_running, identity::HashGate::Global().limits().running);
  // Every checked attempt is counted, and the pair is locked.
  auto row = db_->Query(
      "SELECT failures, locked_until FROM sign_in_failures WHERE name_key = "
      "'jdoe' AND source = '10.0.0.9'");
  ASSERT_TRUE(row.ok());
  ASSERT_EQ(row->size(), 1u);
  EXPECT_EQ(row->front().Int(0), refused.load());
  EXPECT_FALSE(row->front().IsNull(1));
  EXPECT_EQ(CountAudit("sign-in.locked"), 1);
  EXPECT_EQ(CountAudit("sign-in.failed") + 1, refused.load());
  // The right password from that address is refused now …
  EXPECT_FALSE(Try("jdoe", kPassword).ok());
  // … and works from another.
  auto elsewhere = Try("jdoe", kPassword, "10.0.0.10");
  EXPECT_TRUE(elsewhere.ok()) << elsewhere.status().message();
}

TEST_P(SignInLimits, TheAddressThrottleCountsParallelAttempts) {
  identity::Throttle tight(20, std::chrono::minutes(10));
  std::atomic<int> limited{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      auto s = identity::SignIn(*db_, tight, "user" + std::to_string(i), "x",
                                {"10.0.0.7", "t"});
      if (s.status().code() == core::Code::kLimit) ++limited;
      if (s.status().code() == core::Code::kInvalidArgument) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  // At most 20 were checked, whatever the interleaving (busy refusals of the
  // hash gate give their turn back, so fewer is possible, never more).
  EXPECT_LE(refused, 20);
  EXPECT_EQ(CountAudit("sign-in.failed"), refused.load());
  // One entry for the run of refusals, not one per request.
  EXPECT_EQ(CountAudit("sign-in.throttled"), 1);
}

TEST(HashGate, ConcurrentHashingNeverExceedsTheBound) {
  identity::HashGate gate(
      {.running = 2, .waiting = 3, .max_wait = std::chrono::seconds(30)});
  std::atomic<int> inside{0}, worst{0}, granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto permit = gate.Enter();
      if (!permit.ok()) {
        EXPECT_EQ(permit.status().code(), core::Code::kLimit);
        EXPECT_NE(permit.status().message().find("try again in a moment"),
                  std::string::npos);
        ++refused;
        return;
      }
      ++granted;
      int now = ++inside;
      int seen = worst.load();
      while (now > seen && !worst.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      --inside;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(worst, 2);
  EXPECT_LE(gate.stats().peak_running, 2);
  EXPECT_EQ(granted + refused, 16);
  EXPECT_GE(refused, 1);  // 16 at once: 2 run, 3 wait, the rest are refused
  EXPECT_EQ(gate.stats().refused, static_cast<uint64_t>(refused.load()));
}

TEST_P(SignInLimits, TheGlobalGateBoundsRealHashes) {
  identity::HashGate::Global().Configure({.running = 2, .waiting = 100});
  identity::HashGate::Global().ResetStats();
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back(
        [] { (void)identity::VerifyPassword("guess", identity::DecoyHash()); });
  }
  for (auto& t : threads) t.join();
  auto stats = identity::HashGate::Global().stats();
  EXPECT_EQ(stats.entered, 12u);
  EXPECT_LE(stats.peak_running, 2);
}

TEST_P(SignInLimits, AnonymousFieldsAreCutBeforeTheyAreStored) {
  Make("jdoe");
  std::string huge_name(4u << 20, 'A');
  huge_name.replace(10, 2, "\r\n");
  std::string huge_agent = "Mozilla/5.0\x1b[31m\n" + std::string(1u << 20, 'z');
  auto s = identity::SignIn(*db_, throttle_, huge_name, "x",
                            {"10.0.0.9", huge_agent});
  ASSERT_FALSE(s.ok());
  auto ok = identity::SignIn(*db_, throttle_, "jdoe", kPassword,
                             {"10.0.0.9", huge_agent});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  auto entries = audit::List(*db_, {.action = "sign-in", .limit = 100});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  for (const auto& e : *entries) {
    EXPECT_LE(e.actor.size(), identity::kMaxUserNameBytes);
    EXPECT_LE(e.target.size(), identity::kMaxUserNameBytes + 8);
    EXPECT_LE(e.detail.size(), 512u) << e.action;
    EXPECT_EQ(e.actor.find_first_of("\r\n\x1b"), std::string::npos);
    EXPECT_EQ(e.detail.find("\\u001b"), std::string::npos);
  }
  auto session = db_->Query("SELECT user_agent FROM sessions");
  ASSERT_TRUE(session.ok() && session->size() == 1);
  const std::string& agent = session->front().Text(0);
  EXPECT_LE(agent.size(), identity::kMaxUserAgentBytes);
  EXPECT_EQ(agent.rfind("Mozilla/5.0[31mzzz", 0), 0u) << agent.substr(0, 40);
  // Nothing else grew with the input.
  auto failures =
      db_->Query("SELECT max(length(name_key)) FROM sign_in_failures");
  ASSERT_TRUE(failures.ok());
  EXPECT_LE(failures->front().Int(0), 64);
}

TEST(CleanField, DropsControlsAndCutsAtACharacterBoundary) {
  EXPECT_EQ(identity::CleanField("a\tb\x7f"
                                 "c\r\nd",
                                 64),
            "abcd");
  EXPECT_EQ(identity::CleanField("\xc2\x85x\xe2\x80\xaey", 64),
            "xy");                                           // NEL, RLO
  EXPECT_EQ(identity::CleanField("\xff\xfeok", 64), "ok");   // not UTF-8
  EXPECT_EQ(identity::CleanField("caf\xc3\xa9", 4), "caf");  // é is 2 bytes
  EXPECT_EQ(identity::CleanField("caf\xc3\xa9", 5), "caf\xc3\xa9");
  EXPECT_EQ(identity::NameKey("  E00010 "), "e00010");
  EXPECT_EQ(identity::NameKey("Mary  Ann\tLee"), "mary ann lee");
  EXPECT_EQ(identity::SourceKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(identity::SourceKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::/64");
  EXPECT_EQ(identity::SourceKey("::ffff:192.0.2.7"), "192.0.2.7");
}

TEST_P(SignInLimits, ALockBindsOneNameFromOneAddressAndItsCanLiftIt) {
  auto a = Make("admin");
  for (int i = 0; i < identity::kMaxFailures; ++i) {
    EXPECT_FALSE(Try("admin", "guess", "203.0.113.5").ok());
  }
  // The guesser's address is locked out, even with the right password …
  EXPECT_FALSE(Try("admin", kPassword, "203.0.113.5").ok());
  // … the owner, elsewhere, is not.
  auto owner = Try("admin", kPassword, "10.0.0.9");
  ASSERT_TRUE(owner.ok()) << owner.status().message();
  // Guessing slowly keeps only the guesser's own address locked.
  EXPECT_FALSE(Try("admin", "guess", "203.0.113.5").ok());
  EXPECT_TRUE(Try("admin", kPassword, "10.0.0.9").ok());
  auto locks = identity::ActiveLocks(*db_);
  ASSERT_TRUE(locks.ok());
  ASSERT_EQ(locks->size(), 1u);
  EXPECT_EQ(locks->front().source, "203.0.113.5");
  // ITS lifts it.
  auto lifted = identity::Unlock(*db_, a.id, {"its", "10.0.0.1"});
  ASSERT_TRUE(lifted.ok()) << lifted.status().message();
  EXPECT_EQ(*lifted, 1);
  EXPECT_TRUE(identity::ActiveLocks(*db_)->empty());
  EXPECT_TRUE(Try("admin", kPassword, "203.0.113.5").ok());
  auto e = audit::List(*db_, {.action = "account.unlock"});
  ASSERT_TRUE(e.ok() && e->size() == 1);
  EXPECT_EQ(e->front().actor, "its");
  EXPECT_EQ(e->front().target, "account/admin");
  // A lock runs out by itself: the next attempt starts a fresh count.
  for (int i = 0; i < identity::kMaxFailures; ++i) {
    (void)Try("admin", "guess", "203.0.113.5");
  }
  ASSERT_TRUE(db_->Exec("UPDATE sign_in_failures SET locked_until = "
                        "'2000-01-01T00:00:00Z'")
                  .ok());
  EXPECT_TRUE(Try("admin", kPassword, "203.0.113.5").ok());
}

TEST_P(SignInLimits, AnIPv6HostCannotDodgeTheLockWithinItsSlash64) {
  Make("jdoe");
  for (int i = 0; i < identity::kMaxFailures; ++i) {
    EXPECT_FALSE(
        Try("jdoe", "guess", "2001:db8:1:2::" + std::to_string(i + 1)).ok());
  }
  EXPECT_FALSE(Try("jdoe", kPassword, "2001:db8:1:2::99").ok());
  EXPECT_TRUE(Try("jdoe", kPassword, "2001:db8:1:3::1").ok());
}

TEST_P(SignInLimits, AnswersDoNotTellWhichNamesExist) {
  Make("known");
  Make("locked");
  auto gone = Make("gone");
  ASSERT_TRUE(identity::SetDisabled(*db_, gone.id, true, {"its", ""}).ok());
  for (int i = 0; i < identity::kMaxFailures; ++i) {
    (void)Try("locked", "guess");
  }
  struct Case {
    const char* what;
    std::string user, password;
  };
  const std::vector<Case> cases = {
      {"unknown user", "nobody", kPassword},
      {"wrong password", "known", "guess"},
      {"locked", "locked", kPassword},
      {"disabled", "gone", kPassword},
  };
  std::string message;
  for (const auto& c : cases) {
    for (int i = 0; i < 5; ++i) {
      // A fresh address each time for the first two, so neither locks.
      std::string ip = c.what == std::string("locked")
                           ? "10.0.0.9"
                           : "10.0.1." + std::to_string(i);
      auto before = identity::HashGate::Global().stats().entered;
      auto s = Try(c.user, c.password, ip);
      ASSERT_FALSE(s.ok()) << c.what;
      EXPECT_EQ(s.status().code(), core::Code::kInvalidArgument) << c.what;
      if (message.empty()) message = s.status().message();
      EXPECT_EQ(s.status().message(), message) << c.what;
      // Exactly one argon2id check, whatever the case.
      EXPECT_EQ(identity::HashGate::Global().stats().entered, before + 1)
          << c.what;
    }
  }
  // … and each check costs the same: the decoy checked for an unknown name
  // has the parameters (memory, passes, lanes) of a real account's hash.
  auto stored =
      db_->Query("SELECT password_hash FROM accounts WHERE username = 'known'");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_NE(ArgonParameters(stored->front().Text(0)), "");
  EXPECT_EQ(ArgonParameters(stored->front().Text(0)),
            ArgonParameters(identity::DecoyHash()));
  // The audit log, which only ITS reads, says which it was.
  auto e = audit::List(*db_, {.action = "sign-in", .limit = 1000});
  ASSERT_TRUE(e.ok());
  std::set<std::string> reasons;
  for (const auto& x : *e) {
    auto at = x.detail.find("\"reason\":\"");
    if (at != std::string::npos) {
      reasons.insert(
          x.detail.substr(at + 10, x.detail.find('"', at + 10) - at - 10));
    }
  }
  for (const char* r : {"unknown user", "wrong password", "locked", "disabled"})
    EXPECT_TRUE(reasons.count(r)) << r;
}

TEST_P(SignInLimits, WrongCurrentPasswordsCountLockAndAreAudited) {
  Make("jdoe");
  auto s = Try("jdoe", kPassword);
  ASSERT_TRUE(s.ok());
  const identity::Actor me{"jdoe", "10.0.0.9"};
  for (int i = 1; i <= identity::kMaxFailures; ++i) {
    auto st = identity::ChangePassword(*db_, *policy_, *s,
                                       "guess-" + std::to_string(i),
                                       "N3w-Harbour*Lamps", me);
    ASSERT_FALSE(st.ok());
    if (i < identity::kMaxFailures) {
      EXPECT_EQ(st.message(), "Your current password is wrong.");
    } else {
      EXPECT_NE(st.message().find("paused"), std::string::npos) << st.message();
    }
  }
  EXPECT_EQ(CountAudit("password.change-failed"), identity::kMaxFailures);
  // Locked: even the right current password is refused from here …
  EXPECT_FALSE(identity::ChangePassword(*db_, *policy_, *s, kPassword,
                                        "N3w-Harbour*Lamps", me)
                   .ok());
  EXPECT_EQ(CountAudit("password.change-failed"), identity::kMaxFailures + 1);
  // … and so is signing in from this address; elsewhere works.
  EXPECT_FALSE(Try("jdoe", kPassword).ok());
  EXPECT_TRUE(Try("jdoe", kPassword, "10.0.0.10").ok());
  // A weak new password is no guess at the old one: not counted.
  ASSERT_TRUE(identity::Unlock(*db_, s->account.id, {"its", ""}).ok());
  for (int i = 0; i < 2 * identity::kMaxFailures; ++i) {
    EXPECT_FALSE(
        identity::ChangePassword(*db_, *policy_, *s, kPassword, "short", me)
            .ok());
  }
  EXPECT_TRUE(identity::ChangePassword(*db_, *policy_, *s, kPassword,
                                       "N3w-Harbour*Lamps", me)
                  .ok());
}

}  // namespace
}  // namespace steward
