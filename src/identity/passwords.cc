#include "identity/passwords.h"

#include <sodium.h>

#include <cstring>

#include "core/text.h"
#include "identity/hash_gate.h"

namespace steward::identity {

namespace {

// Defined by tests/support/cheap_hashes.cc alone, which only test binaries
// link: there, new hashes cost libsodium's minimum, so tests that sign in
// hundreds of times do not spend their time hashing. In the steward binary
// the symbol is absent (null) and every hash has the production cost.
extern "C" bool steward_cheap_password_hashes_for_tests() __attribute__((weak));

bool CheapForTests() {
  return steward_cheap_password_hashes_for_tests != nullptr &&
         steward_cheap_password_hashes_for_tests();
}

bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

core::Result<std::string> HashUngated(const std::string& password,
                                      bool moderate) {
  if (!SodiumReady())
    return core::Status::Internal("libsodium did not initialize");
  unsigned long long ops = moderate ? crypto_pwhash_OPSLIMIT_MODERATE
                                    : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = moderate ? crypto_pwhash_MEMLIMIT_MODERATE
                        : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (CheapForTests()) {
    ops = crypto_pwhash_OPSLIMIT_MIN;
    mem = crypto_pwhash_MEMLIMIT_MIN;
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return core::Status::Internal("out of memory hashing a password");
  }
  return std::string(out);
}

}  // namespace

core::Result<std::string> HashPassword(const std::string& password,
                                       bool moderate) {
  auto permit = HashGate::Global().Enter();
  if (!permit.ok()) return permit.status();
  return HashUngated(password, moderate);
}

core::Result<bool> VerifyPassword(const std::string& password,
                                  const std::string& hash) {
  if (!SodiumReady() || hash.empty()) return false;
  auto permit = HashGate::Global().Enter();
  if (!permit.ok()) return permit.status();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

const std::string& DecoyHash() {
  static const std::string hash = [] {
    auto h = HashUngated(RandomToken(16), false);
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

std::string RandomToken(size_t bytes) {
  SodiumReady();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(
                      bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace steward::identity
