#include "core/snapshot.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <filesystem>

namespace steward::core {

namespace {

// "2": the checksum is XXH3 (64 bits), not CRC-32; a snapshot of the
// first framing is refused and built again.
constexpr std::string_view kMagic = "steward-snapshot2\n";

// XXH3 reads 84 MB of a district's snapshots in a few milliseconds, where
// zlib's CRC-32 took some 50 ms.
uint64_t Checksum(std::string_view data) {
  return XXH3_64bits(data.data(), data.size());
}

}  // namespace

// Layout: magic, kind (length-prefixed), version (u64), payload length
// (u64), XXH3-64 of the payload (u64), payload.
SnapshotWriter::SnapshotWriter(std::string_view kind, uint32_t version) {
  out_.append(kMagic);
  Str(kind);
  U64(version);
  U64(0);  // payload length, set by Finish
  U64(0);  // checksum, set by Finish
  payload_at_ = out_.size();
}

std::string SnapshotWriter::Finish() {
  std::string_view payload(out_.data() + payload_at_,
                           out_.size() - payload_at_);
  uint64_t length = payload.size(), crc = Checksum(payload);
  std::memcpy(out_.data() + payload_at_ - 16, &length, 8);
  std::memcpy(out_.data() + payload_at_ - 8, &crc, 8);
  return std::move(out_);
}

SnapshotReader::SnapshotReader(std::string_view data, std::string_view kind,
                               uint32_t version)
    : start_(data.data()), rest_(data), ok_(true) {
  if (!rest_.starts_with(kMagic)) {
    ok_ = false;
    return;
  }
  rest_.remove_prefix(kMagic.size());
  std::string k;
  uint64_t v = 0, length = 0, crc = 0;
  if (!Str(&k) || k != kind || !U64(&v) || v != version || !U64(&length) ||
      !U64(&crc) || length != rest_.size() || crc != Checksum(rest_))
    ok_ = false;
}

bool SnapshotReader::Str(std::string* s) {
  uint64_t n = 0;
  if (!U64(&n) || n > rest_.size()) return ok_ = false;
  s->assign(rest_.data(), n);
  rest_.remove_prefix(n);
  return true;
}

bool SnapshotReader::Strs(std::vector<std::string>* v) {
  uint64_t n = 0;
  // Each string takes at least its 8-byte length.
  if (!U64(&n) || n > rest_.size() / 8) return ok_ = false;
  v->resize(n);
  for (auto& s : *v)
    if (!Str(&s)) return false;
  return true;
}

void KeepNewest(const std::string& dir, std::string_view prefix, size_t keep) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    // Another process's snapshot being written (".snap.tmp.PID") is left.
    if (!name.starts_with(prefix) || !name.ends_with(".snap")) continue;
    auto t = e.last_write_time(ec);
    if (!ec) found.emplace_back(t, e.path());
  }
  if (found.size() <= keep) return;
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = keep; i < found.size(); ++i) fs::remove(found[i].second, ec);
}

}  // namespace steward::core
