#include "core/zone.h"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <string_view>

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
    off = LibcOffset(name_, bucket * 900);
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
  const char* dir = std::getenv("TZDIR");
  std::ifstream f(
      std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name,
      std::ios::binary);
  char magic[4] = {};
  return f.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}
}  // namespace steward::core
