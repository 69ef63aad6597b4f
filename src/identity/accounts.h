// Accounts, sign-in and sessions.
//
// Sign-in: every attempt is counted before its password is checked
// (attempts.h): per source address by a Throttle, and per user name and
// address in the store, where the fifth failure within 15 minutes locks that
// name from that address for 15 minutes (ITS can Unlock). Every attempt
// costs exactly one argon2id check (a decoy one for an unknown name, a lock
// or a directory account) inside the process-wide HashGate, and unknown
// name, wrong password, lock and disabled account get the same answer, so
// neither words nor time tell which names exist. Every attempt that is
// checked is an audit entry; anything an anonymous request stores is cut to
// the limits of attempts.h first.
//
// Directory sign-in: names are compared as the directory compares them
// (NameKey), and an account is matched on the directory's id of the entry,
// so a disabled account stays disabled whatever case or spacing is typed.
//
// Sessions: a random 256-bit token goes to the browser in a cookie; the store
// keeps only its SHA-256, so a copy of the database cannot be used to sign in.
// Each session has its own CSRF token. A session ends after 30 idle minutes or
// 12 hours, on sign-out, on a password change (other sessions), and on "sign
// out everywhere".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "identity/attempts.h"
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
// FindAccount inside a transaction, the account's row kept from changing
// (PostgreSQL: FOR SHARE; SQLite's writer is one at a time) until it ends:
// what is decided from it holds at commit.
core::Result<Account> FindAccountIn(store::Conn& conn,
                                    const std::string& username);
core::Result<std::vector<Account>> ListAccounts(store::Database& db);
// The user names of the accounts linked to these people (person ids).
core::Result<std::vector<std::string>> UserNamesOf(
    store::Database& db, const std::vector<int64_t>& people);
// What else must change when an account does (its open work handed back),
// run in the same transaction with the account as it now stands; an error
// undoes the whole change.
using AccountHook =
    std::function<core::Status(store::Conn&, const Account& now)>;
// Replaces the roles of `account_id` (employee is always kept). Audited.
core::Status SetRoles(store::Database& db, int64_t account_id, Roles roles,
                      const Actor& actor, const AccountHook& also = {});
core::Status SetDisabled(store::Database& db, int64_t account_id, bool disabled,
                         const Actor& actor, const AccountHook& also = {});

// Ends every sign-in lock of the account (from any address) and its count
// of failures; returns how many addresses were locked. Audited.
core::Result<int64_t> Unlock(store::Database& db, int64_t account_id,
                             const Actor& actor);

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
// gets an employee account on first sign-in (named by NameKey, holding the
// entry's id), linked to the person with that user name. Errors, in words
// fit to show: Invalid, one sentence for an unknown name, a wrong password,
// a lock and a disabled account alike; Limit when the address is throttled
// or the hash gate is full ("try again in a moment"); Io when the directory
// or the store cannot be reached.
core::Result<Session> SignIn(store::Database& db, Throttle& throttle,
                             const std::string& username,
                             const std::string& password, const Client& client,
                             const LdapSignIn& ldap = {});
// The session of `token`, its idle expiry moved on (when `touch`: a
// request whose sender asked to stay unnamed leaves no time behind);
// NotFound when absent or expired.
core::Result<Session> Authenticate(store::Database& db,
                                   const std::string& token, bool touch = true);
core::Status SignOut(store::Database& db, const std::string& token,
                     const Actor& actor);
// Ends every session of the account (audited).
core::Status SignOutEverywhere(store::Database& db, int64_t account_id,
                               const Actor& actor);
// Checks the old password and the policy; ends the account's other sessions.
// A wrong old password counts as a failed sign-in of the account from
// `actor.ip` (lock-out included) and is audited ("password.change-failed").
// Invalid for a directory account, whose password is the directory's.
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
