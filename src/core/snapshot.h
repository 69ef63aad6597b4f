// A binary snapshot of something costly to build (a read roster, a built
// name table), for a cache file: fixed-width integers, byte strings and
// arrays of plain structs, little-endian as the machine writes them, framed
// by a kind, a format version and the payload's length and 64-bit XXH3
// checksum (xxHash; it detects damage, not tampering: the cache is the
// program's own, mode 0600). Only
// this program reads what it wrote: a snapshot of another kind or version,
// cut short or changed is refused as a whole (the caller builds afresh) and
// never read past its end. Not thread-safe per object.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace steward::core {

class SnapshotWriter {
 public:
  SnapshotWriter(std::string_view kind, uint32_t version);
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Strs(const std::vector<std::string>& v) {
    U64(v.size());
    for (const auto& s : v) Str(s);
  }
  // The array starts at a multiple of its alignment from the snapshot's
  // first byte, so a reader of a mapped file copies it in one piece.
  template <typename T>
  void Pods(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    U64(v.size());
    out_.append((alignof(T) - out_.size() % alignof(T)) % alignof(T), '\0');
    Raw(v.data(), v.size() * sizeof(T));
  }
  // The framed snapshot; the writer is spent.
  std::string Finish();

 private:
  void Raw(const void* p, size_t n) {
    out_.append(static_cast<const char*>(p), n);
  }
  std::string out_;
  size_t payload_at_ = 0;
};

class SnapshotReader {
 public:
  // ok() is false when `data` is not a whole, unchanged snapshot of this
  // kind and version.
  SnapshotReader(std::string_view data, std::string_view kind,
                 uint32_t version);
  bool ok() const { return ok_; }
  // Each read fails (and makes ok() false for good) past the end.
  bool U64(uint64_t* v) { return Raw(v, sizeof *v); }
  bool Str(std::string* s);
  bool Strs(std::vector<std::string>* v);
  template <typename T>
  bool Pods(std::vector<T>* v) {
    static_assert(std::is_trivially_copyable_v<T>);
    uint64_t n = 0;
    if (!U64(&n)) return false;
    const size_t at = static_cast<size_t>(rest_.data() - start_);
    const size_t pad = (alignof(T) - at % alignof(T)) % alignof(T);
    if (pad > rest_.size() || n > (rest_.size() - pad) / sizeof(T))
      return ok_ = false;
    rest_.remove_prefix(pad);
    const char* p = rest_.data();
    if (reinterpret_cast<uintptr_t>(p) % alignof(T) == 0) {
      // Aligned (a mapped file, or a string the allocator aligned): copied
      // straight into a vector of that size, without zeroing it first.
      const T* first = reinterpret_cast<const T*>(p);
      v->assign(first, first + n);
      rest_.remove_prefix(n * sizeof(T));
      return true;
    }
    v->resize(n);
    return Raw(v->data(), n * sizeof(T));
  }
  // True when every byte was read and nothing failed.
  bool Done() const { return ok_ && rest_.empty(); }

 private:
  bool Raw(void* p, size_t n) {
    if (!ok_ || n > rest_.size()) return ok_ = false;
    if (n) std::memcpy(p, rest_.data(), n);
    rest_.remove_prefix(n);
    return true;
  }
  const char* start_ = nullptr;  // the snapshot's first byte
  std::string_view rest_;
  bool ok_ = false;
};

// Removes all but the `keep` newest files of `dir` whose names start with
// `prefix` and end in ".snap" (older snapshots of a roster that has changed
// since). Errors are
// ignored: a cache that cannot be pruned only takes more room.
void KeepNewest(const std::string& dir, std::string_view prefix, size_t keep);

}  // namespace steward::core
