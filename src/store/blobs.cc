#include "store/blobs.h"

#include <filesystem>

#include "core/hash.h"
#include "core/text.h"

namespace steward::store {

std::string Blobs::PathOf(const std::string& sha256) const {
  return dir_ + "/" + sha256.substr(0, 2) + "/" + sha256;
}

core::Result<std::string> Blobs::Put(std::string_view bytes) const {
  std::string sha = core::Sha256Hex(bytes);
  std::string path = PathOf(sha);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return sha;
  std::filesystem::create_directories(dir_ + "/" + sha.substr(0, 2), ec);
  if (ec) return core::Status::Io(dir_ + ": " + ec.message());
  if (auto st = core::WriteFileAtomic(path, bytes); !st.ok()) return st;
  return sha;
}

core::Result<std::string> Blobs::Get(const std::string& sha256,
                                     size_t max_bytes) const {
  if (sha256.size() != 64 ||
      sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return core::Status::Invalid("not a SHA-256: " + sha256);
  }
  auto bytes = core::ReadFile(PathOf(sha256), max_bytes);
  if (!bytes.ok()) return bytes.status();
  if (core::Sha256Hex(*bytes) != sha256) {
    return core::Status::Corrupt(PathOf(sha256) +
                                 ": contents no longer match their hash");
  }
  return bytes;
}

}  // namespace steward::store
