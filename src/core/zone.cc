#include "core/zone.h"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>

namespace steward::core {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The C library's offset at `t` in zone `name`, TZ restored afterwards;
// one lookup at a time in the process.
int32_t LibcOffset(const std::string& name, int64_t t) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const char* old = std::getenv("TZ");
  std::optional<std::string> saved;
  if (old) saved = old;
  setenv("TZ", (":" + name).c_str(), 1);
  tzset();
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  int32_t off = localtime_r(&tt, &tm) ? static_cast<int32_t>(tm.tm_gmtoff) : 0;
  if (saved)
    setenv("TZ", saved->c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  return off;
}

// What the C library said, kept for the process: every Zone of a name
// shares it, so a Zone opened for one page costs no lookup once any Zone of
// that name has seen the quarter hour. Readers share the lock.
struct Known {
  std::shared_mutex mu;
  std::unordered_map<std::string, std::unordered_map<int64_t, int32_t>>
      offsets;                  // zone -> quarter hour -> offset
  std::set<std::string> names;  // zones found in the database
};

Known& Kept() {
  static Known* k = new Known;  // never destroyed: used until exit
  return *k;
}

int32_t SharedOffset(const std::string& name, int64_t bucket) {
  Known& k = Kept();
  {
    std::shared_lock lock(k.mu);
    auto z = k.offsets.find(name);
    if (z != k.offsets.end()) {
      auto it = z->second.find(bucket);
      if (it != z->second.end()) return it->second;
    }
  }
  int32_t off = LibcOffset(name, bucket * 900);
  std::unique_lock lock(k.mu);
  auto& z = k.offsets[name];
  if (z.size() > 200000) z.clear();  // an unsorted, long log
  z.emplace(bucket, off);
  return off;
}

}  // namespace

core::Result<Zone> Zone::Open(const std::string& name) {
  if (name.empty() || name == "UTC") {
    Zone z("UTC");
    z.utc_ = true;
    return z;
  }
  if (!KnownTimeZone(name))
    return core::Status::NotFound("unknown time zone '" + name + "'");
  return Zone(name);
}

int32_t Zone::OffsetAt(int64_t utc) {
  if (utc_) return 0;
  int64_t bucket = FloorDiv(utc, 900);
  if (bucket == last_bucket_) return last_offset_;
  auto it = offsets_.find(bucket);
  int32_t off;
  if (it != offsets_.end()) {
    off = it->second;
  } else {
    off = SharedOffset(name_, bucket);
    if (offsets_.size() > 200000) offsets_.clear();  // an unsorted, long log
    offsets_.emplace(bucket, off);
  }
  last_bucket_ = bucket;
  last_offset_ = off;
  return off;
}

Zone::Local Zone::At(int64_t utc) {
  int64_t local = utc + OffsetAt(utc);
  Local l;
  l.day = FloorDiv(local, 86400);
  l.minute = static_cast<int>((local - l.day * 86400) / 60);
  l.weekday = static_cast<int>(((l.day + 4) % 7 + 7) % 7);  // 1970-01-01: Thu
  return l;
}

int64_t Zone::UtcOf(int64_t local) {
  int64_t guess = local - OffsetAt(local);
  return local - OffsetAt(guess);
}

bool KnownTimeZone(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '/' ||
      name.find("..") != std::string::npos ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
                             "xyz0123456789/_+-") != std::string::npos)
    return false;
  Known& k = Kept();
  {
    std::shared_lock lock(k.mu);
    if (k.names.count(name)) return true;
  }
  const char* dir = std::getenv("TZDIR");
  std::ifstream f(
      std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name,
      std::ios::binary);
  char magic[4] = {};
  if (!f.read(magic, 4) || std::string_view(magic, 4) != "TZif") return false;
  std::unique_lock lock(k.mu);
  if (k.names.size() < 1000) k.names.insert(name);
  return true;
}
}  // namespace steward::core
