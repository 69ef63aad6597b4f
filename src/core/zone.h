// Local time in a named time zone (IANA, "America/Los_Angeles"), from the
// machine's time zone database through the C library. Offsets are looked up
// once per quarter hour of UTC and kept for the process, shared by every
// Zone of that name (zones change offset only on a quarter hour), so a log
// of millions of lines, or a page that opens a Zone, costs a few lookups.
// Names found in the database are kept too.
//
// A lookup sets TZ for the process for its duration and puts it back, under
// one process-wide lock, so Zones on several threads are safe; a Zone
// itself (its cache) is one thread's at a time. Nothing else in Steward
// reads local time from the C library.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/status.h"

namespace steward::core {

class Zone {
 public:
  // "" is UTC. NotFound when the database has no such zone.
  static core::Result<Zone> Open(const std::string& name);

  struct Local {
    int64_t day = 0;  // local calendar day, days since 1970-01-01
    int weekday = 0;  // 0 Sunday .. 6 Saturday
    int minute = 0;   // minutes after local midnight, 0..1439
  };
  Local At(int64_t utc);
  // The first second of a local day, in UTC seconds.
  int64_t StartOf(int64_t day) { return UtcOf(day * 86400); }
  // The UTC second of a local time (seconds since 1970-01-01, local): in a
  // gap the clocks skip, the time as the offset before the change reads it.
  int64_t UtcOf(int64_t local);
  // Seconds east of UTC at `utc`.
  int32_t OffsetAt(int64_t utc);
  // The name given ("UTC" for "").
  const std::string& name() const { return name_; }

 private:
  explicit Zone(std::string name) : name_(std::move(name)) {}
  std::string name_;
  bool utc_ = false;
  int64_t last_bucket_ = INT64_MIN;
  int32_t last_offset_ = 0;
  std::unordered_map<int64_t, int32_t> offsets_;  // quarter hour -> offset
};

// An IANA zone name ("America/Los_Angeles") that this machine's time zone
// database holds: a TZif file under $TZDIR, else /usr/share/zoneinfo. Safe
// for any text (no path escapes the folder).
bool KnownTimeZone(const std::string& name);

}  // namespace steward::core
