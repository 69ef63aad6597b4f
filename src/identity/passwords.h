// Password rules and storage. New passwords must meet the regulation (N.4: at
// least 8 characters mixing letters, digits and symbols), must not be on the
// District's block-list of common or breached passwords (NIST SP 800-63B),
// and must pass cracklib's dictionary check. Hashes are argon2id (libsodium's
// crypto_pwhash_str, self-describing, salted). Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>

#include "core/status.h"

namespace steward::identity {

class PasswordPolicy {
 public:
  // `blocklist`: a file of passwords, one a line (a trailing count such as
  // zxcvbn's "password 1234" is ignored); "" for none. `cracklib_dict`: the
  // dictionary prefix, "" for the system default, "off" to skip the check.
  static core::Result<std::shared_ptr<const PasswordPolicy>> Load(
      const std::string& blocklist, const std::string& cracklib_dict = "");

  // OK, or Invalid with the reason in words for the person choosing it
  // ("… is on the list of common passwords"), citing N.4 where it applies.
  // `username` and `names` may not appear in it.
  core::Status Check(const std::string& password, const std::string& username,
                     const std::string& display_name) const;

  size_t blocklist_size() const { return blocked_.size(); }

 private:
  PasswordPolicy() = default;
  std::unordered_set<std::string> blocked_;  // lower-cased
  std::string cracklib_dict_;                // "" when off
};

// argon2id hash of `password` in libsodium's string format. Cost: "interactive"
// (64 MiB, the default) or "moderate" (256 MiB); in a test binary that links
// tests/support/cheap_hashes.cc, libsodium's minimum (never in steward). Runs
// inside HashGate::Global(): Limit when too many hashes are running or waiting.
core::Result<std::string> HashPassword(const std::string& password,
                                       bool moderate = false);
// Constant-time verification of `password` against a stored hash: true when
// it matches, false when not (also for an empty or malformed hash). Runs
// inside HashGate::Global(): Limit when too many hashes are running or
// waiting, so the caller can answer "try again in a moment".
core::Result<bool> VerifyPassword(const std::string& password,
                                  const std::string& hash);
// A hash of a random password at the interactive cost, made once per
// process (outside the gate): checked in place of a real one where there is
// none, so every sign-in attempt costs the same.
const std::string& DecoyHash();

// Random URL-safe token of `bytes` random bytes (sessions, CSRF).
std::string RandomToken(size_t bytes = 32);

}  // namespace steward::identity
