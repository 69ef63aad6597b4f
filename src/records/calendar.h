// The calendars records run on: school years (Education Code 37200: 1 July
// to 30 June), the days from which a Class 3 record may be destroyed (5 CCR
// 16026, Education Code 35254), and the public-records clock (Gov. Code
// 7922.535; Code of Civil Procedure 12-12b). Pure functions of calendar
// days; which day a moment falls on is the District's time zone's business
// (core/zone.h), done once by the caller.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/zone.h"

namespace steward::records {

// A calendar day, as days since 1970-01-01.
using Day = int64_t;

Day DayOf(int year, unsigned month, unsigned day);
// "2026-07-02".
std::string FormatDay(Day d);
// 0 Sunday .. 6 Saturday.
int WeekdayOf(Day d);

// The school year a day is in, named by the calendar year it ends in:
// 1 July 2025 .. 30 June 2026 is 2026.
int SchoolYearOf(Day d);
// "2025-26" for 2026.
std::string SchoolYearName(int ending_year);

// The first day a Class 3 record made on `made` may be destroyed: the day
// after the third July 1 following the end of its school year (a record of
// 2022-23 from 2 July 2026; docs/records.md gives the reading).
Day Class3From(Day made);
// The first day an original record basic to an audit completed on `done`
// may be destroyed: the day after the second July 1 after the audit
// (Education Code 35254).
Day AuditFrom(Day done);

// Whether the District's offices are open: not a Saturday or Sunday and not
// in `closed` (sorted ascending).
bool IsWorkingDay(Day d, const std::vector<Day>& closed);
// `d` itself when it is a working day, else the next one.
Day NextWorkingDay(Day d, const std::vector<Day>& closed);

// Public-records requests: the most days a determination may be extended.
inline constexpr int kMaxExtensionDays = 14;
// The last day to tell the requester what will be released, for a request
// received on `received`: ten calendar days, the day of receipt not
// counted, plus `extension` days (0 to 14, given by written notice), moved
// to the next working day when it is a weekend day or a holiday. Invalid
// for an extension out of range.
core::Result<Day> DeterminationDue(Day received, int extension,
                                   const std::vector<Day>& closed);

// The District's clock: which calendar day a moment is in its time zone,
// and a local time people write. Thread-safe.
class DistrictClock {
 public:
  // An unknown zone (the pack check refuses one) counts as UTC.
  explicit DistrictClock(const std::string& time_zone);
  Day DayOf(int64_t utc) const;
  Day Today() const;
  // "2026-12-03T14:05" or "2026-12-03 14:05", the District's local time, as
  // UTC seconds; "" is now. Invalid, saying the form, otherwise.
  core::Result<int64_t> ParseMinute(std::string_view text) const;

 private:
  mutable std::mutex mu_;
  mutable core::Zone zone_;
};

}  // namespace steward::records
