#include "channels/portal/session_cache.h"

#include "core/hash.h"
#include "store/database.h"

namespace steward::portal {

std::optional<identity::Session> SessionCache::Get(const std::string& token) {
  std::string key = core::Sha256Hex(token);
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (Clock::now() - it->second.at > kTtl ||
      it->second.session.expires_at <= store::NowUtc()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.session;
}

void SessionCache::Put(const identity::Session& s) {
  std::string key = core::Sha256Hex(s.token);
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMax) entries_.clear();
  entries_[key] = {s, Clock::now()};
}

void SessionCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace steward::portal
