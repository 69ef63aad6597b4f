#include "identity/accounts.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "audit/chain.h"
#include "core/hash.h"

namespace steward::identity {

using store::P;

namespace {

constexpr int64_t kIdleSeconds = int64_t{30} * 60;
constexpr int64_t kMaxSessionSeconds = int64_t{12} * 3600;
constexpr const char* kAccountColumns =
    "a.id, a.username, a.display_name, a.email, a.person_id, a.disabled, "
    "a.password_changed_at, (SELECT string_agg(role, ',') FROM account_roles "
    "r WHERE r.account_id = a.id)";

// SQLite spells string_agg group_concat.
std::string Sql(store::Dialect dialect, std::string sql) {
  if (dialect == store::Dialect::kSqlite) {
    for (size_t at = sql.find("string_agg("); at != std::string::npos;
         at = sql.find("string_agg(", at)) {
      sql.replace(at, 11, "group_concat(");
    }
  }
  return sql;
}
std::string Sql(const store::Database& db, std::string sql) {
  return Sql(db.dialect(), std::move(sql));
}

Account FromRow(const store::Row& r, size_t at = 0) {
  Account a;
  a.id = r.Int(at);
  a.username = r.Text(at + 1);
  a.display_name = r.Text(at + 2);
  a.email = r.Text(at + 3);
  a.person_id = r.Int(at + 4);
  a.disabled = r.Int(at + 5) != 0;
  a.password_changed_at = r.Text(at + 6);
  a.roles = Roles{Role::kEmployee};
  const std::string& roles = r.Text(at + 7);
  size_t b = 0;
  while (b < roles.size()) {
    size_t e = roles.find(',', b);
    if (e == std::string::npos) e = roles.size();
    if (auto role = ParseRole(std::string_view(roles).substr(b, e - b))) {
      a.roles.Add(*role);
    }
    b = e + 1;
  }
  return a;
}

using audit::Record;

core::Status WriteRoles(store::Conn& conn, int64_t id, Roles roles) {
  if (auto st =
          conn.Exec("DELETE FROM account_roles WHERE account_id = ?", {P(id)});
      !st.ok()) {
    return st;
  }
  roles.Add(Role::kEmployee);
  for (const auto& name : RoleNames(roles)) {
    if (auto st = conn.Exec(
            "INSERT INTO account_roles (account_id, role) VALUES (?, ?)",
            {P(id), P(name)});
        !st.ok()) {
      return st;
    }
  }
  return {};
}

}  // namespace

core::Result<Account> CreateAccount(store::Database& db,
                                    const PasswordPolicy& policy,
                                    const NewAccount& a, const Actor& actor,
                                    bool moderate_hash) {
  if (a.username.empty() || a.username.size() > 64 ||
      a.username.find_first_of(" \t\r\n/\\:<>\"'") != std::string::npos) {
    return core::Status::Invalid(
        "A user name is 1 to 64 characters without spaces, quotes or slashes.");
  }
  if (a.display_name.empty())
    return core::Status::Invalid("A display name is required.");
  if (auto st = policy.Check(a.password, a.username, a.display_name);
      !st.ok()) {
    return st;
  }
  auto hash = HashPassword(a.password, moderate_hash);
  if (!hash.ok()) return hash.status();
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    // Names differing only in case would pass for one another (who asked,
    // who decides); an address is one person's (their held mail).
    auto exists =
        conn.Query("SELECT 1 FROM accounts WHERE LOWER(username) = LOWER(?)",
                   {P(a.username)});
    if (!exists.ok()) return exists.status();
    if (!exists->empty()) {
      return core::Status::Invalid("The user name '" + a.username +
                                   "' is taken.");
    }
    if (!a.email.empty()) {
      auto same = conn.Query(
          "SELECT username FROM accounts WHERE LOWER(email) = LOWER(?)",
          {P(a.email)});
      if (!same.ok()) return same.status();
      if (!same->empty())
        return core::Status::Invalid("The address " + a.email +
                                     " is already account " +
                                     same->front().Text(0) + "'s.");
    }
    std::string now = store::NowUtc();
    auto row = conn.Query(
        "INSERT INTO accounts (username, display_name, email, person_id, "
        "password_hash, password_changed_at, created_at) VALUES (?, ?, ?, ?, "
        "?, ?, ?) RETURNING id",
        {P(a.username), P(a.display_name),
         a.email.empty() ? store::Null() : P(a.email),
         a.person_id ? P(a.person_id) : store::Null(), P(*hash), P(now),
         P(now)});
    if (!row.ok()) return row.status();
    id = row->front().Int(0);
    if (auto w = WriteRoles(conn, id, a.roles); !w.ok()) return w;
    return Record(
        conn, actor, "account.create", "account/" + a.username,
        {{"roles", RoleNames(a.roles)}, {"display_name", a.display_name}});
  });
  if (!st.ok()) return st;
  return GetAccount(db, id);
}

core::Result<Account> FindAccount(store::Database& db,
                                  const std::string& username) {
  auto rows = db.Query(
      Sql(db, fmt::format("SELECT {} FROM accounts a WHERE a.username = ?",
                          kAccountColumns)),
      {P(username)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound("no account named '" + username + "'");
  return FromRow(rows->front());
}

core::Result<Account> FindAccountIn(store::Conn& conn,
                                    const std::string& username) {
  const bool pg = conn.dialect() == store::Dialect::kPostgres;
  auto rows = conn.Query(
      Sql(conn.dialect(),
          fmt::format("SELECT {} FROM accounts a WHERE a.username = ?{}",
                      kAccountColumns, pg ? " FOR SHARE OF a" : "")),
      {P(username)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound("no account named '" + username + "'");
  return FromRow(rows->front());
}

core::Result<Account> GetAccount(store::Database& db, int64_t id) {
  auto rows =
      db.Query(Sql(db, fmt::format("SELECT {} FROM accounts a WHERE a.id = ?",
                                   kAccountColumns)),
               {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("account {}", id));
  return FromRow(rows->front());
}

core::Result<std::vector<Account>> ListAccounts(store::Database& db) {
  auto rows = db.Query(
      Sql(db, fmt::format("SELECT {} FROM accounts a ORDER BY a.username",
                          kAccountColumns)));
  if (!rows.ok()) return rows.status();
  std::vector<Account> out;
  for (const auto& r : *rows) out.push_back(FromRow(r));
  return out;
}

core::Result<std::vector<std::string>> UserNamesOf(
    store::Database& db, const std::vector<int64_t>& people) {
  std::vector<std::string> out;
  if (people.empty()) return out;
  std::string in;
  store::Params params;
  for (int64_t id : people) {
    in += in.empty() ? "?" : ", ?";
    params.push_back(P(id));
  }
  auto rows = db.Query(
      "SELECT username FROM accounts WHERE person_id IN (" + in + ")", params);
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) out.push_back(r.Text(0));
  return out;
}

core::Status SetRoles(store::Database& db, int64_t account_id, Roles roles,
                      const Actor& actor, const AccountHook& also) {
  auto before = GetAccount(db, account_id);
  if (!before.ok()) return before.status();
  return db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto st = WriteRoles(conn, account_id, roles); !st.ok()) return st;
    if (also) {
      Account now = *before;
      now.roles = roles;
      now.roles.Add(Role::kEmployee);
      if (auto st = also(conn, now); !st.ok()) return st;
    }
    return Record(
        conn, actor, "account.roles", "account/" + before->username,
        {{"from", RoleNames(before->roles)}, {"to", RoleNames(roles)}});
  });
}

core::Status SetDisabled(store::Database& db, int64_t account_id, bool disabled,
                         const Actor& actor, const AccountHook& also) {
  auto a = GetAccount(db, account_id);
  if (!a.ok()) return a.status();
  return db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto st = conn.Exec("UPDATE accounts SET disabled = ? WHERE id = ?",
                            {P(disabled ? 1 : 0), P(account_id)});
        !st.ok()) {
      return st;
    }
    if (disabled) {
      if (auto st = conn.Exec("DELETE FROM sessions WHERE account_id = ?",
                              {P(account_id)});
          !st.ok()) {
        return st;
      }
    }
    if (also) {
      Account now = *a;
      now.disabled = disabled;
      if (auto st = also(conn, now); !st.ok()) return st;
    }
    return Record(conn, actor, disabled ? "account.disable" : "account.enable",
                  "account/" + a->username);
  });
}

core::Result<int64_t> Unlock(store::Database& db, int64_t account_id,
                             const Actor& actor) {
  auto a = GetAccount(db, account_id);
  if (!a.ok()) return a.status();
  int64_t locked = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto cleared = ClearAttempts(conn, NameKey(a->username));
    if (!cleared.ok()) return cleared.status();
    locked = *cleared;
    return Record(conn, actor, "account.unlock", "account/" + a->username,
                  {{"addresses", locked}});
  });
  if (!st.ok()) return st;
  return locked;
}

namespace {

// One answer for an unknown name, a wrong password, a lock and a disabled
// account: which of them it was is in the audit log, not on the page.
constexpr const char* kRefused =
    "The user name or password is wrong, or sign-in is locked for a while "
    "after 5 wrong passwords. Ask IT Services if you need in sooner.";

// A stored password longer than this cannot exist (N.4 allows 256
// characters); a longer one is checked cut, and fails.
constexpr size_t kMaxPasswordBytes = 1024;

// What sign-in needs of an account.
struct Candidate {
  int64_t id = 0;
  std::string username;
  std::optional<std::string> hash;  // none: the directory decides
  bool disabled = false;
  std::string directory_id;  // "" when not known
};

constexpr const char* kCandidateColumns =
    "id, username, password_hash, disabled, directory_id";

Candidate CandidateOf(const store::Row& r) {
  Candidate c;
  c.id = r.Int(0);
  c.username = r.Text(1);
  if (!r.IsNull(2)) c.hash = r.Text(2);
  c.disabled = r.Int(3) != 0;
  c.directory_id = r.Text(4);
  return c;
}

// The outcome of asking the directory: the account it resolves to, or why
// there is none.
struct DirectoryOutcome {
  std::optional<Candidate> account;
  std::string reason;
};

// An employee's account made at their first directory sign-in, named by the
// directory's form of the name and holding the entry's id; inside the
// caller's transaction.
core::Result<Candidate> CreateDirectoryAccount(store::Conn& conn,
                                               const std::string& name,
                                               const DirectoryUser& user,
                                               const std::string& ip) {
  auto person = conn.Query(
      "SELECT id, given_name || ' ' || family_name, email FROM people WHERE "
      "lower(username) = ? AND kind = 'employee' AND status = 'active' ORDER "
      "BY id LIMIT 1",
      {P(name)});
  if (!person.ok()) return person.status();
  bool linked = !person->empty();
  auto row = conn.Query(
      "INSERT INTO accounts (username, display_name, email, person_id, "
      "directory_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {P(name), P(linked ? person->front().Text(1) : name),
       linked && !person->front().IsNull(2) ? P(person->front().Text(2))
                                            : store::Null(),
       linked ? P(person->front().Int(0)) : store::Null(), P(user.id),
       P(store::NowUtc())});
  if (!row.ok()) return row.status();
  Candidate c;
  c.id = row->front().Int(0);
  c.username = name;
  c.directory_id = user.id;
  if (auto w = WriteRoles(conn, c.id, {Role::kEmployee}); !w.ok()) return w;
  if (auto st = Record(conn, {"ldap", ip}, "account.create", "account/" + name,
                       {{"roles", {"employee"}},
                        {"from", "directory"},
                        {"directory_id", user.id},
                        {"linked", linked}});
      !st.ok()) {
    return st;
  }
  return c;
}

// Binds as `name` and finds the account of the entry: the one holding its
// id; else a directory account made before ids were kept whose name is this
// name in another case or spacing (it takes the id); else a new one. A
// disabled account among those found wins, so it stays disabled.
core::Result<DirectoryOutcome> DirectorySignIn(store::Database& db,
                                               const LdapSignIn& ldap,
                                               const std::string& name,
                                               const std::string& password,
                                               const std::string& ip) {
  auto user = LdapBind(ldap, name, password);
  if (user.status().code() == core::Code::kIoError) {
    return core::Status::Io("The directory cannot be reached: " +
                            user.status().message());
  }
  if (!user.ok()) return DirectoryOutcome{{}, "wrong password"};
  DirectoryOutcome out;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto rows = conn.Query(
        fmt::format("SELECT {} FROM accounts WHERE directory_id = ? OR "
                    "(directory_id IS NULL AND password_hash IS NULL AND "
                    "lower(trim(username)) = ?) ORDER BY id",
                    kCandidateColumns),
        {P(user->id), P(name)});
    if (!rows.ok()) return rows.status();
    std::vector<Candidate> found;
    for (const auto& r : *rows) found.push_back(CandidateOf(r));
    auto pick = std::find_if(found.begin(), found.end(),
                             [](const Candidate& c) { return c.disabled; });
    if (pick == found.end()) {
      pick = std::find_if(found.begin(), found.end(), [&](const Candidate& c) {
        return c.directory_id == user->id;
      });
    }
    if (pick == found.end() && !found.empty()) pick = found.begin();
    if (pick != found.end()) {
      if (pick->directory_id.empty()) {
        if (auto u = conn.Exec(
                "UPDATE accounts SET directory_id = ? WHERE id = ? AND "
                "directory_id IS NULL",
                {P(user->id), P(pick->id)});
            !u.ok()) {
          return u;
        }
        pick->directory_id = user->id;
        if (auto r = Record(conn, {"ldap", ip}, "account.directory-id",
                            "account/" + pick->username,
                            {{"directory_id", user->id}});
            !r.ok()) {
          return r;
        }
      }
      out.account = *pick;
      return {};
    }
    // The name may be held by a local account, or by an account of another
    // entry (a name given again after someone left): never handed over.
    auto taken =
        conn.Query("SELECT 1 FROM accounts WHERE username = ?", {P(name)});
    if (!taken.ok()) return taken.status();
    if (!taken->empty()) {
      out.reason = "name held by another account";
      return {};
    }
    auto made = CreateDirectoryAccount(conn, name, *user, ip);
    if (!made.ok()) return made.status();
    out.account = std::move(made).value();
    return {};
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace

core::Result<Session> SignIn(store::Database& db, Throttle& throttle,
                             const std::string& raw_username,
                             const std::string& password,
                             const Client& raw_client, const LdapSignIn& ldap) {
  // Nothing longer than the limits, and no control characters, reaches the
  // store or the log. A name that had to be cleaned names no account.
  const std::string username = CleanField(raw_username, kMaxUserNameBytes);
  const bool plausible = !username.empty() && username == raw_username;
  const Client client{CleanField(raw_client.ip, kMaxAddressBytes),
                      CleanField(raw_client.user_agent, kMaxUserAgentBytes)};
  const std::string source = SourceKey(client.ip);
  const std::string key = NameKey(username);
  const Actor actor{username, client.ip};
  const std::string target = "account/" + username;

  bool first_refusal = false;
  if (!throttle.Begin(source, &first_refusal)) {
    if (first_refusal) {  // once per run of refusals, not per request
      (void)audit::Append(db, {.actor = username,
                               .action = "sign-in.throttled",
                               .target = target,
                               .ip = client.ip});
    }
    return core::Status::Limit(
        "Too many failed sign-ins from your address. Wait ten minutes and try "
        "again.");
  }
  auto attempt = BeginAttempt(db, key, source);
  if (!attempt.ok()) {
    throttle.Forget(source);
    return attempt.status();
  }
  const bool locked = attempt->Locked(store::NowUtc());

  std::optional<Candidate> account;
  if (plausible) {
    auto rows =
        db.Query(fmt::format("SELECT {} FROM accounts WHERE username = ?",
                             kCandidateColumns),
                 {P(username)});
    if (!rows.ok()) {
      (void)ForgetAttempt(db, *attempt);
      throttle.Forget(source);
      return rows.status();
    }
    if (!rows->empty()) account = CandidateOf(rows->front());
  }
  const bool local = account && account->hash;

  // Exactly one argon2id check per attempt, whatever the outcome.
  auto verified =
      VerifyPassword(password.substr(0, kMaxPasswordBytes),
                     local && !locked ? *account->hash : DecoyHash());
  if (!verified.ok()) {  // the gate is full: not checked, so not counted
    (void)ForgetAttempt(db, *attempt);
    throttle.Forget(source);
    return verified.status();
  }
  bool good =
      local && !locked && *verified && password.size() <= kMaxPasswordBytes;
  std::string reason = locked     ? "locked"
                       : !account ? "unknown user"
                                  : "wrong password";
  // The directory decides for accounts without a local password and for
  // names with no account.
  if (!locked && !local && plausible && ldap.enabled()) {
    auto dir = DirectorySignIn(db, ldap, key, password, client.ip);
    if (!dir.ok()) {
      (void)ForgetAttempt(db, *attempt);
      throttle.Forget(source);
      return dir.status();
    }
    if (dir->account) {
      account = dir->account;
      good = true;
    } else if (account || dir->reason != "wrong password") {
      reason = dir->reason;
    }
  }
  if (good && account->disabled) {
    good = false;
    reason = "disabled";
  }
  if (!good) {
    auto st = db.Transact([&](store::Conn& conn) -> core::Status {
      auto lock = RecordFailure(conn, *attempt);
      if (!lock.ok()) return lock.status();
      return Record(conn, actor, *lock ? "sign-in.locked" : "sign-in.failed",
                    target,
                    {{"reason", reason},
                     {"failures", attempt->failures},
                     {"source", source}});
    });
    if (!st.ok()) return st;
    return core::Status::Invalid(kRefused);
  }
  throttle.Forget(source);
  const int64_t id = account->id;
  const std::string now = store::NowUtc();
  Session s;
  s.token = RandomToken();
  s.csrf = RandomToken();
  s.expires_at = store::NowUtc(kIdleSeconds);
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto ok = RecordSuccess(conn, *attempt); !ok.ok()) return ok;
    if (auto ins = conn.Exec(
            "INSERT INTO sessions (token_hash, account_id, csrf, created_at, "
            "seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "?)",
            {P(core::Sha256Hex(s.token)), P(id), P(s.csrf), P(now), P(now),
             P(s.expires_at), P(client.ip), P(client.user_agent)});
        !ins.ok()) {
      return ins;
    }
    // Expired sessions of everyone are swept here, at a cost bounded by how
    // often people sign in.
    if (auto del =
            conn.Exec("DELETE FROM sessions WHERE expires_at < ?", {P(now)});
        !del.ok()) {
      return del;
    }
    return Record(conn, {account->username, client.ip}, "sign-in",
                  "account/" + account->username,
                  {{"user_agent", client.user_agent}});
  });
  if (!st.ok()) return st;
  auto signed_in = GetAccount(db, id);
  if (!signed_in.ok()) return signed_in.status();
  s.account = std::move(signed_in).value();
  return s;
}

core::Result<Session> Authenticate(store::Database& db,
                                   const std::string& token, bool touch) {
  if (token.empty() || token.size() > 128) {
    return core::Status::NotFound("no session");
  }
  const std::string hash = core::Sha256Hex(token);
  auto rows = db.Query(
      Sql(db, fmt::format("SELECT s.csrf, s.created_at, s.seen_at, "
                          "s.expires_at, {} FROM sessions s JOIN accounts a "
                          "ON a.id = s.account_id WHERE s.token_hash = ?",
                          kAccountColumns)),
      {P(hash)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return core::Status::NotFound("no session");
  const auto& r = rows->front();
  const std::string now = store::NowUtc();
  Session s;
  s.token = token;
  s.csrf = r.Text(0);
  s.expires_at = r.Text(3);
  s.account = FromRow(r, 4);
  if (s.expires_at <= now || s.account.disabled ||
      r.Text(1) < store::NowUtc(-kMaxSessionSeconds)) {
    (void)db.Exec("DELETE FROM sessions WHERE token_hash = ?", {P(hash)});
    return core::Status::NotFound("session expired");
  }
  // Slide the idle expiry, writing at most once a minute per session and
  // never past the absolute limit.
  if (touch && r.Text(2) < store::NowUtc(-60)) {
    s.expires_at = store::NowUtc(kIdleSeconds);
    (void)db.Exec(
        "UPDATE sessions SET seen_at = ?, expires_at = ? WHERE token_hash = ?",
        {P(now), P(s.expires_at), P(hash)});
  }
  return s;
}

core::Status SignOut(store::Database& db, const std::string& token,
                     const Actor& actor) {
  return db.Transact([&](store::Conn& conn) -> core::Status {
    auto gone = conn.Query(
        "DELETE FROM sessions WHERE token_hash = ? RETURNING account_id",
        {P(core::Sha256Hex(token))});
    if (!gone.ok()) return gone.status();
    if (gone->empty()) return {};
    return Record(conn, actor, "sign-out", "account/" + actor.name);
  });
}

core::Status SignOutEverywhere(store::Database& db, int64_t account_id,
                               const Actor& actor) {
  return db.Transact([&](store::Conn& conn) -> core::Status {
    auto gone = conn.Query(
        "DELETE FROM sessions WHERE account_id = ? RETURNING account_id",
        {P(account_id)});
    if (!gone.ok()) return gone.status();
    return Record(conn, actor, "sign-out.everywhere",
                  fmt::format("account/{}", account_id),
                  {{"sessions", gone->size()}});
  });
}

namespace {

core::Status StorePassword(store::Database& db, const PasswordPolicy& policy,
                           const Account& a, const std::string& password,
                           const std::string& keep_session_hash,
                           const Actor& actor, const char* action) {
  if (auto st = policy.Check(password, a.username, a.display_name); !st.ok()) {
    return st;
  }
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  return db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto st = conn.Exec(
            "UPDATE accounts SET password_hash = ?, password_changed_at = ? "
            "WHERE id = ?",
            {P(*hash), P(store::NowUtc()), P(a.id)});
        !st.ok()) {
      return st;
    }
    // A new password ends the name's locks and counts, from every address.
    if (auto cleared = ClearAttempts(conn, NameKey(a.username));
        !cleared.ok()) {
      return cleared.status();
    }
    if (auto st = conn.Exec(
            "DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?",
            {P(a.id), P(keep_session_hash)});
        !st.ok()) {
      return st;
    }
    return Record(conn, actor, action, "account/" + a.username);
  });
}

}  // namespace

core::Status ChangePassword(store::Database& db, const PasswordPolicy& policy,
                            const Session& session,
                            const std::string& old_password,
                            const std::string& new_password,
                            const Actor& actor) {
  const Account& a = session.account;
  auto rows =
      db.Query("SELECT password_hash FROM accounts WHERE id = ?", {P(a.id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().IsNull(0)) {
    return core::Status::Invalid(
        "Your password is the District directory's; change it there.");
  }
  // The new password is judged first: a weak choice is no guess at the old
  // one and must not count as one.
  if (auto st = policy.Check(new_password, a.username, a.display_name);
      !st.ok()) {
    return st;
  }
  auto attempt =
      BeginAttempt(db, NameKey(a.username),
                   SourceKey(CleanField(actor.ip, kMaxAddressBytes)));
  if (!attempt.ok()) return attempt.status();
  const std::string now = store::NowUtc();
  const bool locked = attempt->Locked(now);
  auto verified = VerifyPassword(old_password.substr(0, kMaxPasswordBytes),
                                 locked ? DecoyHash() : rows->front().Text(0));
  if (!verified.ok()) {
    (void)ForgetAttempt(db, *attempt);
    return verified.status();
  }
  if (locked || !*verified || old_password.size() > kMaxPasswordBytes) {
    bool lock = false;
    auto st = db.Transact([&](store::Conn& conn) -> core::Status {
      auto set = RecordFailure(conn, *attempt);
      if (!set.ok()) return set.status();
      lock = *set;
      return Record(conn, actor, "password.change-failed",
                    "account/" + a.username,
                    {{"reason", locked ? "locked" : "wrong password"},
                     {"failures", attempt->failures},
                     {"locked", lock}});
    });
    if (!st.ok()) return st;
    if (locked || lock) {
      return core::Status::Invalid(fmt::format(
          "After {} wrong passwords, changing your password and signing in "
          "from this address are paused for 15 minutes. Ask IT Services if "
          "you need it sooner.",
          kMaxFailures));
    }
    return core::Status::Invalid("Your current password is wrong.");
  }
  return StorePassword(db, policy, a, new_password,
                       core::Sha256Hex(session.token), actor,
                       "password.change");
}

core::Status ResetPassword(store::Database& db, const PasswordPolicy& policy,
                           int64_t account_id, const std::string& new_password,
                           const Actor& actor) {
  auto a = GetAccount(db, account_id);
  if (!a.ok()) return a.status();
  return StorePassword(db, policy, *a, new_password, "", actor,
                       "password.reset");
}

}  // namespace steward::identity
