// Accounts, sign-in and sessions.
//
// Sign-in: a wrong password counts against the account; five in a row lock it
// for 15 minutes, and every attempt (right or wrong, known user or not) is an
// audit entry. An unknown user name costs the same argon2id work as a known
// one, so timing does not tell which names exist. A per-address throttle
// (Throttle) slows a guesser spreading attempts over many names.
//
// Sessions: a random 256-bit token goes to the browser in a cookie; the store
// keeps only its SHA-256, so a copy of the database cannot be used to sign in.
// Each session has its own CSRF token. A session ends after 30 idle minutes or
// 12 hours, on sign-out, on a password change (other sessions), and on "sign
// out everywhere".
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "audit/chain.h"
#include "core/status.h"
#include "identity/ldap_bind.h"
#include "identity/passwords.h"
#include "identity/roles.h"
#include "store/database.h"

namespace steward::identity {

struct Account {
  int64_t id = 0;
  std::string username, display_name, email;
  int64_t person_id = 0;  // 0: not linked to a person in the directory
  Roles roles;
  bool disabled = false;
  std::string password_changed_at;
};

using Actor = audit::Actor;

struct NewAccount {
  std::string username, display_name, email, password;
  int64_t person_id = 0;
  Roles roles = {Role::kEmployee};
};

core::Result<Account> CreateAccount(store::Database& db,
                                    const PasswordPolicy& policy,
                                    const NewAccount& a, const Actor& actor,
                                    bool moderate_hash = false);
core::Result<Account> FindAccount(store::Database& db,
                                  const std::string& username);
core::Result<Account> GetAccount(store::Database& db, int64_t id);
core::Result<std::vector<Account>> ListAccounts(store::Database& db);
// Replaces the roles of `account_id` (employee is always kept). Audited.
core::Status SetRoles(store::Database& db, int64_t account_id, Roles roles,
                      const Actor& actor);
core::Status SetDisabled(store::Database& db, int64_t account_id, bool disabled,
                         const Actor& actor);

// Per-address limit on failed sign-ins: at most `max_failures` in `window`.
// Thread-safe; memory bounded by evicting the oldest addresses.
class Throttle {
 public:
  explicit Throttle(int max_failures = 20,
                    std::chrono::seconds window = std::chrono::minutes(10))
      : max_(max_failures), window_(window) {}
  bool Allowed(const std::string& ip);
  void Failed(const std::string& ip);

 private:
  using Clock = std::chrono::steady_clock;
  void Prune(std::deque<Clock::time_point>& q, Clock::time_point now) const;
  int max_;
  std::chrono::seconds window_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

struct Session {
  std::string token;  // only in the cookie; the store has its hash
  std::string csrf;
  Account account;
  std::string expires_at;
};

struct Client {
  std::string ip, user_agent;
};

// Signs in with a local password or, for accounts without one and when
// `ldap` is enabled, with the directory; a directory user without an account
// gets an employee account on first sign-in, linked to the person with that
// user name. Errors are Invalid with words fit to show ("The user name or
// password is wrong.", "… locked until 14:05 UTC …").
core::Result<Session> SignIn(store::Database& db, Throttle& throttle,
                             const std::string& username,
                             const std::string& password, const Client& client,
                             const LdapSignIn& ldap = {});
// The session of `token`, refreshed; NotFound when absent or expired.
core::Result<Session> Authenticate(store::Database& db,
                                   const std::string& token);
core::Status SignOut(store::Database& db, const std::string& token,
                     const Actor& actor);
// Ends every session of the account (audited).
core::Status SignOutEverywhere(store::Database& db, int64_t account_id,
                               const Actor& actor);
// Checks the old password and the policy; ends the account's other sessions.
core::Status ChangePassword(store::Database& db, const PasswordPolicy& policy,
                            const Session& session,
                            const std::string& old_password,
                            const std::string& new_password,
                            const Actor& actor);
// Sets a password without the old one (an administrator, or the shell).
core::Status ResetPassword(store::Database& db, const PasswordPolicy& policy,
                           int64_t account_id, const std::string& new_password,
                           const Actor& actor);

}  // namespace steward::identity
