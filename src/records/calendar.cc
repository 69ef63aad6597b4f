#include "records/calendar.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "core/text.h"

namespace steward::records {

namespace chr = std::chrono;

namespace {

chr::year_month_day Ymd(Day d) {
  return chr::year_month_day(chr::sys_days(chr::days(d)));
}

// The first 1 July strictly after `d`.
Day JulyFirstAfter(Day d) {
  int y = static_cast<int>(Ymd(d).year());
  Day july = DayOf(y, 7, 1);
  return july > d ? july : DayOf(y + 1, 7, 1);
}

}  // namespace

Day DayOf(int year, unsigned month, unsigned day) {
  return chr::sys_days(chr::year(year) / chr::month(month) / chr::day(day))
      .time_since_epoch()
      .count();
}

std::string FormatDay(Day d) {
  auto ymd = Ymd(d);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

int WeekdayOf(Day d) {
  return static_cast<int>(
      chr::weekday(chr::sys_days(chr::days(d))).c_encoding());
}

int SchoolYearOf(Day d) {
  auto ymd = Ymd(d);
  int y = static_cast<int>(ymd.year());
  return static_cast<unsigned>(ymd.month()) >= 7 ? y + 1 : y;
}

std::string SchoolYearName(int ending_year) {
  return fmt::format("{}-{:02}", ending_year - 1, ending_year % 100);
}

Day Class3From(Day made) {
  // The school year ends on 30 June of SchoolYearOf(made); the July 1 that
  // begins the next school year is not counted (the worked example in
  // docs/records.md): the third is 1 July three years on.
  return DayOf(SchoolYearOf(made) + 3, 7, 1) + 1;
}

Day AuditFrom(Day done) {
  Day first = JulyFirstAfter(done);
  return JulyFirstAfter(first) + 1;
}

bool IsWorkingDay(Day d, const std::vector<Day>& closed) {
  int w = WeekdayOf(d);
  if (w == 0 || w == 6) return false;
  return !std::binary_search(closed.begin(), closed.end(), d);
}

Day NextWorkingDay(Day d, const std::vector<Day>& closed) {
  // A closed list is finite, so this ends; a year of closures at most.
  for (int i = 0; i < 366 && !IsWorkingDay(d, closed); ++i) ++d;
  return d;
}

core::Result<Day> DeterminationDue(Day received, int extension,
                                   const std::vector<Day>& closed) {
  if (extension < 0 || extension > kMaxExtensionDays)
    return core::Status::Invalid(fmt::format(
        "an extension is 0 to {} days (Gov. Code 7922.535(b)); {} was given",
        kMaxExtensionDays, extension));
  return NextWorkingDay(received + 10 + extension, closed);
}

DistrictClock::DistrictClock(const std::string& time_zone)
    : zone_([&] {
        auto z = core::Zone::Open(time_zone);
        return z.ok() ? std::move(*z) : core::Zone::Open("").value();
      }()) {}

Day DistrictClock::DayOf(int64_t utc) const {
  std::lock_guard<std::mutex> lock(mu_);
  return zone_.At(utc).day;
}

Day DistrictClock::Today() const {
  return DayOf(static_cast<int64_t>(time(nullptr)));
}

core::Result<int64_t> DistrictClock::ParseMinute(std::string_view text) const {
  if (text.empty()) return static_cast<int64_t>(time(nullptr));
  const auto bad = core::Status::Invalid(
      "a time is written YYYY-MM-DDTHH:MM, the District's local time");
  if (text.size() != 16 || (text[10] != 'T' && text[10] != ' ') ||
      text[13] != ':')
    return bad;
  auto day = core::ParseIsoDate(text.substr(0, 10), 1970, 9999, "The day");
  if (!day.ok()) return day.status();
  auto h = core::ParseInt(text.substr(11, 2), 0, 23, "the hour");
  auto m = core::ParseInt(text.substr(14, 2), 0, 59, "the minute");
  if (!h.ok() || !m.ok()) return bad;
  std::lock_guard<std::mutex> lock(mu_);
  return zone_.UtcOf(*day * 86400 + *h * 3600 + *m * 60);
}

}  // namespace steward::records
