#include "identity/tokens.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "identity/attempts.h"
#include "identity/passwords.h"

namespace steward::identity {

namespace {

using store::P;

constexpr const char* kColumns =
    "id, name, scope, created_by, created_at, last_used_at, revoked_at";
constexpr const char* kPrefix = "stw_";

ApiToken TokenFrom(const store::Row& r) {
  ApiToken t;
  t.id = r.Int(0);
  t.name = r.Text(1);
  t.scope = ParseScope(r.Text(2)).value_or(Scope::kPublishCheck);
  t.created_by = r.Text(3);
  t.created_at = r.Text(4);
  t.last_used_at = r.Text(5);
  t.revoked_at = r.Text(6);
  return t;
}

}  // namespace

core::Result<NewToken> CreateToken(store::Database& db, std::string_view name,
                                   Scope scope, const audit::Actor& actor) {
  std::string clean = CleanField(name, 100);
  bool printable =
      clean.find_first_not_of(' ') != std::string::npos && clean == name;
  for (unsigned char ch : clean) printable &= ch >= 0x20 && ch != 0x7f;
  if (!printable)
    return core::Status::Invalid(
        "a token's name is 1 to 100 printable characters (whose program "
        "holds it: \"district CMS\")");
  NewToken out;
  out.secret = kPrefix + RandomToken(32);
  out.token.name = clean;
  out.token.scope = scope;
  out.token.created_by = actor.name;
  out.token.created_at = store::NowUtc();
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto same = conn.Query(
        "SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL",
        {P(clean)});
    if (!same.ok()) return same.status();
    if (!same->empty())
      return core::Status::Invalid(fmt::format(
          "token {} is already called \"{}\": revoke it first, or choose "
          "another name",
          same->front().Int(0), clean));
    auto row = conn.Query(
        "INSERT INTO api_tokens (name, scope, token_hash, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        {P(out.token.name), P(std::string(ScopeName(scope))),
         P(core::Sha256Hex(out.secret)), P(actor.name),
         P(out.token.created_at)});
    if (!row.ok()) return row.status();
    out.token.id = row->front().Int(0);
    return audit::Record(
        conn, actor, "tokens.create", fmt::format("api-token/{}", out.token.id),
        {{"name", out.token.name}, {"scope", std::string(ScopeName(scope))}});
  });
  if (!st.ok()) return st;
  return out;
}

core::Result<std::vector<ApiToken>> Tokens(store::Database& db) {
  auto rows = db.Query(
      fmt::format("SELECT {} FROM api_tokens ORDER BY id DESC", kColumns));
  if (!rows.ok()) return rows.status();
  std::vector<ApiToken> out;
  for (const auto& r : *rows) out.push_back(TokenFrom(r));
  return out;
}

core::Status RevokeToken(store::Database& db, int64_t id,
                         const audit::Actor& actor) {
  return db.Transact([&](store::Conn& conn) -> core::Status {
    auto row = conn.Query(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS "
        "NULL RETURNING name",
        {P(store::NowUtc()), P(id)});
    if (!row.ok()) return row.status();
    if (row->empty())
      return core::Status::NotFound(
          fmt::format("there is no live token {} (steward token list)", id));
    return audit::Record(conn, actor, "tokens.revoke",
                         fmt::format("api-token/{}", id),
                         {{"name", row->front().Text(0)}});
  });
}

core::Result<ApiToken> CheckToken(store::Database& db, std::string_view secret,
                                  Scope scope, bool note_use) {
  const auto unknown = core::Status::NotFound("unknown or revoked token");
  if (!secret.starts_with(kPrefix) || secret.size() > 200) return unknown;
  const std::string hash = core::Sha256Hex(secret);
  auto rows =
      db.Query(fmt::format("SELECT {} FROM api_tokens WHERE token_hash = ? AND "
                           "revoked_at IS NULL",
                           kColumns),
               {P(hash)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return unknown;
  ApiToken t = TokenFrom(rows->front());
  if (t.scope != scope) return unknown;
  const std::string now = store::NowUtc();
  // ISO-8601 strings compare as times; a minute's resolution is enough to
  // say whether a token is still in use.
  if (note_use && t.last_used_at.compare(0, 16, now, 0, 16) != 0) {
    (void)db.Exec("UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                  {P(now), P(t.id)});
    t.last_used_at = now;
  }
  return t;
}

}  // namespace steward::identity
