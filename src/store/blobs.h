// Content-addressed files beside the database (uploaded regulations, later
// quarantined messages): DIR/ab/abcdef… named by SHA-256, written atomically
// (temporary file, fsync, rename), never modified. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace steward::store {

class Blobs {
 public:
  explicit Blobs(std::string dir) : dir_(std::move(dir)) {}
  // Stores `bytes` and returns their SHA-256 (hex). Storing the same bytes
  // twice is one file.
  core::Result<std::string> Put(std::string_view bytes) const;
  // The bytes stored under `sha256`; NotFound when absent, Corrupt when the
  // file no longer hashes to its name.
  core::Result<std::string> Get(const std::string& sha256,
                                size_t max_bytes) const;

 private:
  std::string PathOf(const std::string& sha256) const;
  std::string dir_;
};

}  // namespace steward::store
