// Tokens for programs, not people: a content system or a deployment script
// asks the publishing gate (`POST /api/publish/check`) with
// `Authorization: Bearer TOKEN`. A token has one scope, a name saying whose
// program holds it, and is shown once when made; the store keeps its
// SHA-256 only (a token is 32 random bytes, so a fast hash is enough: there
// is nothing to guess). Making and revoking one are audited. Thread-safe
// (the Database is); errors as values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.h"
#include "core/names.h"
#include "core/status.h"
#include "store/database.h"

namespace steward::identity {

// What a token lets its program do: one door each.
enum class Scope { kPublishCheck };
inline constexpr core::Named<Scope> kScopeNames[] = {
    {Scope::kPublishCheck, "publish-check"}};
constexpr std::string_view ScopeName(Scope s) {
  return core::NameOf(kScopeNames, s);
}
constexpr std::optional<Scope> ParseScope(std::string_view s) {
  return core::ParseName(kScopeNames, s);
}

struct ApiToken {
  int64_t id = 0;
  std::string name;  // "district CMS", "web deploy"
  Scope scope = Scope::kPublishCheck;
  std::string created_by, created_at;
  std::string last_used_at;  // "" when never used
  std::string revoked_at;    // "" while it works
};

struct NewToken {
  ApiToken token;
  std::string secret;  // "stw_" and 43 characters; shown once, never kept
};

// A new token. `name`: 1 to 100 printable characters, not only spaces,
// and no other live token's.
core::Result<NewToken> CreateToken(store::Database& db, std::string_view name,
                                   Scope scope, const audit::Actor& actor);

// Every token, newest first (secrets are not kept, so none is shown).
core::Result<std::vector<ApiToken>> Tokens(store::Database& db);

// Revokes token `id` (NotFound when there is none, or it is revoked).
core::Status RevokeToken(store::Database& db, int64_t id,
                         const audit::Actor& actor);

// The live token with this secret and scope; NotFound otherwise (unknown,
// revoked, another scope: the caller cannot tell which). With `note_use`,
// notes the use at most once a minute (a write); without, only reads.
core::Result<ApiToken> CheckToken(store::Database& db, std::string_view secret,
                                  Scope scope, bool note_use = true);

}  // namespace steward::identity
