// Content-addressed files beside the database (uploaded regulations, held
// and quarantined messages): DIR/ab/abcdef… named by SHA-256, written
// atomically (temporary file, fsync, rename), never modified, never removed
// here. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace steward::store {

class Blobs {
 public:
  explicit Blobs(std::string dir) : dir_(std::move(dir)) {}
  // Stores `bytes` and returns their SHA-256 (hex). Storing the same bytes
  // twice is one file (one already there is not read again). Io when the
  // folder or the file cannot be written.
  core::Result<std::string> Put(std::string_view bytes) const;
  // The bytes stored under `sha256`: Invalid when `sha256` is not 64 lower-
  // case hex digits, Io when no such file can be read (absent included),
  // Limit when it is over `max_bytes`, Corrupt when it no longer hashes to
  // its name.
  core::Result<std::string> Get(const std::string& sha256,
                                size_t max_bytes) const;

 private:
  std::string PathOf(const std::string& sha256) const;
  std::string dir_;
};

}  // namespace steward::store
