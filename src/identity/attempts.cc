#include "identity/attempts.h"

#include <arpa/inet.h>

#include <cstring>

#include "core/text.h"

namespace steward::identity {

using store::P;

std::string CleanField(std::string_view text, size_t max_bytes) {
  return core::CleanText(text, max_bytes);
}

std::string NameKey(std::string_view username) {
  std::string out;
  bool space = false;
  for (char c : username) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string SourceKey(std::string_view ip) {
  std::string text(ip);
  unsigned char a[16];
  if (text.find(':') == std::string::npos ||
      inet_pton(AF_INET6, text.c_str(), a) != 1) {
    return text;
  }
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0,    0,
                                                0, 0, 0, 0, 0xFF, 0xFF};
  char buf[INET6_ADDRSTRLEN] = {};
  if (std::memcmp(a, kMapped, sizeof kMapped) == 0) {
    inet_ntop(AF_INET, a + 12, buf, sizeof buf);
    return buf;
  }
  std::memset(a + 8, 0, 8);
  inet_ntop(AF_INET6, a, buf, sizeof buf);
  return std::string(buf) + "/64";
}

void Throttle::Prune(Source& s, Clock::time_point now) const {
  while (!s.attempts.empty() && now - s.attempts.front() > window_) {
    s.attempts.pop_front();
  }
}

bool Throttle::Begin(const std::string& source, bool* first_refusal) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  if (sources_.size() > 100000) {  // a flood of addresses: forget stale ones
    for (auto it = sources_.begin(); it != sources_.end();) {
      Prune(it->second, now);
      it = it->second.attempts.empty() ? sources_.erase(it) : std::next(it);
    }
  }
  Source& s = sources_[source];
  Prune(s, now);
  if (static_cast<int>(s.attempts.size()) >= max_) {
    if (first_refusal) *first_refusal = !s.refusal_noted;
    s.refusal_noted = true;
    return false;
  }
  s.refusal_noted = false;
  s.attempts.push_back(now);
  return true;
}

void Throttle::Forget(const std::string& source) {
  std::lock_guard lock(mu_);
  auto it = sources_.find(source);
  if (it != sources_.end() && !it->second.attempts.empty()) {
    it->second.attempts.pop_back();
  }
}

bool Throttle::Allowed(const std::string& source) {
  std::lock_guard lock(mu_);
  auto it = sources_.find(source);
  if (it == sources_.end()) return true;
  Prune(it->second, Clock::now());
  return static_cast<int>(it->second.attempts.size()) < max_;
}

core::Result<Attempt> BeginAttempt(store::Database& db,
                                   const std::string& name_key,
                                   const std::string& source) {
  const std::string now = store::NowUtc();
  const std::string stale = store::NowUtc(-kFailureWindowSeconds);
  // Column references in DO UPDATE are the stored row's values before this
  // statement, in both engines.
  auto rows = db.Query(
      "INSERT INTO sign_in_failures (name_key, source, failures, last_at) "
      "VALUES (?, ?, 1, ?) ON CONFLICT (name_key, source) DO UPDATE SET "
      "failures = CASE "
      "WHEN sign_in_failures.locked_until IS NOT NULL AND "
      "sign_in_failures.locked_until <= ? THEN 1 "
      "WHEN sign_in_failures.locked_until IS NULL AND "
      "sign_in_failures.last_at < ? THEN 1 "
      "ELSE sign_in_failures.failures + 1 END, "
      "locked_until = CASE WHEN sign_in_failures.locked_until <= ? THEN NULL "
      "ELSE sign_in_failures.locked_until END, "
      "last_at = ? "
      "RETURNING failures, locked_until",
      {P(name_key), P(source), P(now), P(now), P(stale), P(now), P(now)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return core::Status::Internal("no attempt counted");
  Attempt a;
  a.name_key = name_key;
  a.source = source;
  a.failures = rows->front().Int(0);
  a.locked_until = rows->front().Text(1);
  return a;
}

core::Status ForgetAttempt(store::Database& db, const Attempt& a) {
  return db.Exec(
      "UPDATE sign_in_failures SET failures = failures - 1 WHERE name_key = ? "
      "AND source = ? AND failures > 0",
      {P(a.name_key), P(a.source)});
}

core::Result<bool> RecordFailure(store::Conn& conn, const Attempt& a) {
  if (a.failures < kMaxFailures) return false;
  auto set = conn.Query(
      "UPDATE sign_in_failures SET locked_until = ? WHERE name_key = ? AND "
      "source = ? AND locked_until IS NULL RETURNING failures",
      {P(store::NowUtc(kLockSeconds)), P(a.name_key), P(a.source)});
  if (!set.ok()) return set.status();
  return !set->empty();
}

core::Status RecordSuccess(store::Conn& conn, const Attempt& a) {
  if (auto st = conn.Exec(
          "DELETE FROM sign_in_failures WHERE name_key = ? AND source = ?",
          {P(a.name_key), P(a.source)});
      !st.ok()) {
    return st;
  }
  // Rows whose window and lock are long over.
  const std::string old =
      store::NowUtc(-(kFailureWindowSeconds + kLockSeconds));
  return conn.Exec(
      "DELETE FROM sign_in_failures WHERE last_at < ? AND (locked_until IS "
      "NULL OR locked_until < ?)",
      {P(old), P(old)});
}

core::Result<int64_t> ClearAttempts(store::Conn& conn,
                                    const std::string& name_key) {
  auto gone = conn.Query(
      "DELETE FROM sign_in_failures WHERE name_key = ? RETURNING locked_until",
      {P(name_key)});
  if (!gone.ok()) return gone.status();
  const std::string now = store::NowUtc();
  int64_t locked = 0;
  for (const auto& r : *gone) locked += !r.IsNull(0) && r.Text(0) > now;
  return locked;
}

core::Result<std::vector<Lock>> ActiveLocks(store::Database& db) {
  auto rows = db.Query(
      "SELECT name_key, source, locked_until, failures FROM sign_in_failures "
      "WHERE locked_until > ? ORDER BY name_key, source",
      {P(store::NowUtc())});
  if (!rows.ok()) return rows.status();
  std::vector<Lock> out;
  for (const auto& r : *rows) {
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Int(3)});
  }
  return out;
}

}  // namespace steward::identity
