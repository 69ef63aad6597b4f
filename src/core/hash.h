// SHA-256 of bytes, as lowercase hex. Used to key caches and, later, the audit
// chain. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace steward::core {

std::string Sha256Hex(std::string_view data);

// Bytes as lowercase hex, two digits a byte.
std::string HexLower(std::string_view bytes);

// Incremental form for hashing several inputs (a pack's files, a roster).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // finishes; Update after this is a bug

 private:
  void* checksum_;  // gnutls_hash_hd_t; null once finished
};

}  // namespace steward::core
