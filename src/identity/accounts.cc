#include "identity/accounts.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/chain.h"
#include "core/hash.h"

namespace steward::identity {

using store::P;

namespace {

constexpr int kMaxFailures = 5;
constexpr int64_t kLockSeconds = int64_t{15} * 60;
constexpr int64_t kIdleSeconds = int64_t{30} * 60;
constexpr int64_t kMaxSessionSeconds = int64_t{12} * 3600;
constexpr const char* kAccountColumns =
    "a.id, a.username, a.display_name, a.email, a.person_id, a.disabled, "
    "a.password_changed_at, (SELECT string_agg(role, ',') FROM account_roles "
    "r WHERE r.account_id = a.id)";

// SQLite spells string_agg group_concat.
std::string Sql(const store::Database& db, std::string sql) {
  if (db.dialect() == store::Dialect::kSqlite) {
    for (size_t at = sql.find("string_agg("); at != std::string::npos;
         at = sql.find("string_agg(", at)) {
      sql.replace(at, 11, "group_concat(");
    }
  }
  return sql;
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

// A hash with the same cost as real ones, verified when the user is unknown.
const std::string& DecoyHash() {
  static const std::string hash = [] {
    auto h = HashPassword(RandomToken(16));
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

std::string ClockTime(const std::string& iso) {
  // "2026-11-28T14:05:00Z" → "14:05 UTC"
  return iso.size() >= 16 ? iso.substr(11, 5) + " UTC" : iso;
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
    auto exists = conn.Query("SELECT 1 FROM accounts WHERE username = ?",
                             {P(a.username)});
    if (!exists.ok()) return exists.status();
    if (!exists->empty()) {
      return core::Status::Invalid("The user name '" + a.username +
                                   "' is taken.");
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
  if (rows->empty()) return core::Status::NotFound("account " + username);
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

core::Status SetRoles(store::Database& db, int64_t account_id, Roles roles,
                      const Actor& actor) {
  auto before = GetAccount(db, account_id);
  if (!before.ok()) return before.status();
  return db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto st = WriteRoles(conn, account_id, roles); !st.ok()) return st;
    return Record(
        conn, actor, "account.roles", "account/" + before->username,
        {{"from", RoleNames(before->roles)}, {"to", RoleNames(roles)}});
  });
}

core::Status SetDisabled(store::Database& db, int64_t account_id, bool disabled,
                         const Actor& actor) {
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
    return Record(conn, actor, disabled ? "account.disable" : "account.enable",
                  "account/" + a->username);
  });
}

void Throttle::Prune(std::deque<Clock::time_point>& q,
                     Clock::time_point now) const {
  while (!q.empty() && now - q.front() > window_) q.pop_front();
}

bool Throttle::Allowed(const std::string& ip) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(ip);
  if (it == failures_.end()) return true;
  Prune(it->second, Clock::now());
  return static_cast<int>(it->second.size()) < max_;
}

void Throttle::Failed(const std::string& ip) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  if (failures_.size() > 100000) {  // a flood of addresses: forget stale ones
    for (auto it = failures_.begin(); it != failures_.end();) {
      Prune(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
  }
  auto& q = failures_[ip];
  Prune(q, now);
  q.push_back(now);
}

namespace {

// An employee's account made at their first directory sign-in.
core::Result<int64_t> CreateDirectoryAccount(store::Database& db,
                                             const std::string& username,
                                             const std::string& ip) {
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto person = conn.Query(
        "SELECT id, given_name || ' ' || family_name, email FROM people WHERE "
        "username = ? AND kind = 'employee' AND status = 'active' ORDER BY id "
        "LIMIT 1",
        {P(username)});
    if (!person.ok()) return person.status();
    bool linked = !person->empty();
    std::string now = store::NowUtc();
    auto row = conn.Query(
        "INSERT INTO accounts (username, display_name, email, person_id, "
        "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        {P(username), P(linked ? person->front().Text(1) : username),
         linked && !person->front().IsNull(2) ? P(person->front().Text(2))
                                              : store::Null(),
         linked ? P(person->front().Int(0)) : store::Null(), P(now)});
    if (!row.ok()) return row.status();
    id = row->front().Int(0);
    if (auto w = WriteRoles(conn, id, {Role::kEmployee}); !w.ok()) return w;
    return Record(
        conn, {"ldap", ip}, "account.create", "account/" + username,
        {{"roles", {"employee"}}, {"from", "directory"}, {"linked", linked}});
  });
  if (!st.ok()) return st;
  return id;
}

}  // namespace

core::Result<Session> SignIn(store::Database& db, Throttle& throttle,
                             const std::string& username,
                             const std::string& password, const Client& client,
                             const LdapSignIn& ldap) {
  const Actor actor{username, client.ip};
  if (!throttle.Allowed(client.ip)) {
    (void)audit::Append(db, {.actor = username,
                             .action = "sign-in.throttled",
                             .target = "account/" + username,
                             .ip = client.ip});
    return core::Status::Limit(
        "Too many failed sign-ins from your address. Wait ten minutes and try "
        "again.");
  }
  auto rows = db.Query(
      "SELECT id, password_hash, failed_count, locked_until, disabled FROM "
      "accounts WHERE username = ?",
      {P(username)});
  if (!rows.ok()) return rows.status();
  const std::string now = store::NowUtc();
  const core::Status wrong =
      core::Status::Invalid("The user name or password is wrong.");
  if (rows->empty() && ldap.enabled()) {
    auto bound = LdapBind(ldap, username, password);
    if (bound.code() == core::Code::kIoError) {
      return core::Status::Io("The directory cannot be reached: " +
                              bound.message());
    }
    if (bound.ok()) {
      auto made = CreateDirectoryAccount(db, username, client.ip);
      if (!made.ok()) return made.status();
      rows = db.Query(
          "SELECT id, password_hash, failed_count, locked_until, disabled "
          "FROM accounts WHERE username = ?",
          {P(username)});
      if (!rows.ok()) return rows.status();
    }
  }
  if (rows->empty()) {
    VerifyPassword(password, DecoyHash());
    throttle.Failed(client.ip);
    (void)audit::Append(db, {.actor = username,
                             .action = "sign-in.failed",
                             .target = "account/" + username,
                             .detail = R"({"reason":"unknown user"})",
                             .ip = client.ip});
    return wrong;
  }
  const auto& r = rows->front();
  int64_t id = r.Int(0);
  if (!r.IsNull(3) && r.Text(3) > now) {
    VerifyPassword(password, DecoyHash());
    (void)audit::Append(db, {.actor = username,
                             .action = "sign-in.failed",
                             .target = "account/" + username,
                             .detail = R"({"reason":"locked"})",
                             .ip = client.ip});
    return core::Status::Invalid(fmt::format(
        "This account is locked after {} wrong passwords until {}. Ask ITS "
        "if you need in sooner.",
        kMaxFailures, ClockTime(r.Text(3))));
  }
  // No local password: the directory decides (when configured).
  bool good = false;
  if (r.IsNull(1) && ldap.enabled()) {
    auto bound = LdapBind(ldap, username, password);
    if (bound.code() == core::Code::kIoError) {
      return core::Status::Io("The directory cannot be reached: " +
                              bound.message());
    }
    good = bound.ok();
  } else {
    good = VerifyPassword(password, r.Text(1));
  }
  if (!good || r.Int(4) != 0) {
    throttle.Failed(client.ip);
    int failures = static_cast<int>(r.Int(2)) + 1;
    bool lock = failures >= kMaxFailures;
    auto st = db.Transact([&](store::Conn& conn) -> core::Status {
      if (auto u = conn.Exec(
              "UPDATE accounts SET failed_count = ?, locked_until = ? WHERE id "
              "= ?",
              {P(lock ? 0 : failures),
               lock ? P(store::NowUtc(kLockSeconds)) : store::Null(), P(id)});
          !u.ok()) {
        return u;
      }
      return Record(conn, actor, lock ? "sign-in.locked" : "sign-in.failed",
                    "account/" + username,
                    {{"reason", good ? "disabled" : "wrong password"},
                     {"failures", failures}});
    });
    if (!st.ok()) return st;
    if (good)
      return core::Status::Invalid("This account is disabled. Ask ITS.");
    return wrong;
  }
  Session s;
  s.token = RandomToken();
  s.csrf = RandomToken();
  s.expires_at = store::NowUtc(kIdleSeconds);
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    if (auto u = conn.Exec(
            "UPDATE accounts SET failed_count = 0, locked_until = NULL WHERE "
            "id = ?",
            {P(id)});
        !u.ok()) {
      return u;
    }
    if (auto ins = conn.Exec(
            "INSERT INTO sessions (token_hash, account_id, csrf, created_at, "
            "seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "?)",
            {P(core::Sha256Hex(s.token)), P(id), P(s.csrf), P(now), P(now),
             P(s.expires_at), P(client.ip),
             P(client.user_agent.substr(0, 512))});
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
    return Record(conn, actor, "sign-in", "account/" + username,
                  {{"user_agent", client.user_agent.substr(0, 200)}});
  });
  if (!st.ok()) return st;
  auto account = GetAccount(db, id);
  if (!account.ok()) return account.status();
  s.account = std::move(account).value();
  return s;
}

core::Result<Session> Authenticate(store::Database& db,
                                   const std::string& token) {
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
  if (r.Text(2) < store::NowUtc(-60)) {
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
            "UPDATE accounts SET password_hash = ?, password_changed_at = ?, "
            "failed_count = 0, locked_until = NULL WHERE id = ?",
            {P(*hash), P(store::NowUtc()), P(a.id)});
        !st.ok()) {
      return st;
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
  auto rows = db.Query("SELECT password_hash FROM accounts WHERE id = ?",
                       {P(session.account.id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty() || !VerifyPassword(old_password, rows->front().Text(0))) {
    return core::Status::Invalid("Your current password is wrong.");
  }
  return StorePassword(db, policy, session.account, new_password,
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
