// The records calendars as date tables: school years, the day a Class 3
// record may go, audits, and the public-records clock.
#include "records/calendar.h"

#include <gtest/gtest.h>

#include "core/zone.h"

namespace steward::records {
namespace {

// The due day as YYYY-MM-DD, or "refused".
std::string Due(Day received, int extension, const std::vector<Day>& closed) {
  auto d = DeterminationDue(received, extension, closed);
  return d.ok() ? FormatDay(d.value()) : "refused";
}

Day D(const char* iso) {
  int y = 0;
  unsigned m = 0, d = 0;
  EXPECT_EQ(sscanf(iso, "%d-%u-%u", &y, &m, &d), 3) << iso;
  return DayOf(y, m, d);
}

TEST(RecordsCalendar, SchoolYearsTurnOnTheFirstOfJuly) {
  EXPECT_EQ(SchoolYearOf(D("2023-06-30")), 2023);
  EXPECT_EQ(SchoolYearOf(D("2023-07-01")), 2024);
  EXPECT_EQ(SchoolYearOf(D("2024-01-01")), 2024);
  EXPECT_EQ(SchoolYearName(2023), "2022-23");
  EXPECT_EQ(SchoolYearName(2000), "1999-00");
  EXPECT_EQ(FormatDay(D("2026-07-02")), "2026-07-02");
  EXPECT_EQ(WeekdayOf(D("2023-04-10")), 1);  // a Monday
}

// The worked example of docs/records.md: the day after the third July 1
// following the end of the record's school year.
TEST(RecordsCalendar, Class3RecordsGoFromTheDayAfterTheThirdJulyFirst) {
  struct {
    const char* made;
    const char* from;
  } table[] = {
      {"2023-06-30", "2026-07-02"}, {"2023-07-01", "2027-07-02"},
      {"2022-07-01", "2026-07-02"}, {"2024-02-29", "2027-07-02"},
      {"2023-12-31", "2027-07-02"}, {"2024-06-30", "2027-07-02"},
  };
  for (const auto& row : table)
    EXPECT_EQ(FormatDay(Class3From(D(row.made))), row.from) << row.made;
}

TEST(RecordsCalendar, AuditRecordsGoAfterTheSecondJulyFirstAfterTheAudit) {
  EXPECT_EQ(FormatDay(AuditFrom(D("2024-06-30"))), "2025-07-02");
  EXPECT_EQ(FormatDay(AuditFrom(D("2024-07-01"))), "2026-07-02");
  EXPECT_EQ(FormatDay(AuditFrom(D("2024-12-15"))), "2026-07-02");
}

// A moment is a day of the District's calendar: 05:00 UTC on 1 July is
// still 30 June in California, and the school year it belongs to follows.
TEST(RecordsCalendar, DaysAreTheDistrictsInPacificTime) {
  auto z = core::Zone::Open("America/Los_Angeles");
  ASSERT_TRUE(z.ok());
  const int64_t utc = 1688187600;  // 2023-07-01T05:00:00Z
  EXPECT_EQ(FormatDay(z->At(utc).day), "2023-06-30");
  EXPECT_EQ(SchoolYearOf(z->At(utc).day), 2023);
  EXPECT_EQ(FormatDay(Class3From(z->At(utc).day)), "2026-07-02");
  // Eight hours later it is 1 July there too: the next school year.
  EXPECT_EQ(SchoolYearOf(z->At(utc + 8 * 3600).day), 2024);
  // In winter the offset is eight hours: 07:59 UTC on 1 January is still
  // 31 December.
  EXPECT_EQ(FormatDay(z->At(1704095940).day), "2023-12-31");
}

TEST(RecordsCalendar, DeterminationsAreDueTenCalendarDaysLater) {
  std::vector<Day> closed;
  // Received Monday 10 April 2023: due Thursday 20 April.
  EXPECT_EQ(Due(D("2023-04-10"), 0, closed), "2023-04-20");
  // Received Wednesday 5 April: the tenth day is Saturday 15 April, so
  // Monday 17 April.
  EXPECT_EQ(Due(D("2023-04-05"), 0, closed), "2023-04-17");
  // A holiday on that Monday moves it to Tuesday; two in a row, Wednesday.
  closed = {D("2023-04-17")};
  EXPECT_EQ(Due(D("2023-04-05"), 0, closed), "2023-04-18");
  closed = {D("2023-04-17"), D("2023-04-18")};
  EXPECT_EQ(Due(D("2023-04-05"), 0, closed), "2023-04-19");
  // Thanksgiving: received Monday 16 November 2026, the tenth day is
  // Thursday 26 November (closed), Friday 27 (closed), so Monday 30.
  closed = {D("2026-11-26"), D("2026-11-27")};
  EXPECT_EQ(Due(D("2026-11-16"), 0, closed), "2026-11-30");
}

TEST(RecordsCalendar, AnExtensionIsAtMostFourteenDays) {
  std::vector<Day> closed;
  EXPECT_EQ(Due(D("2023-04-10"), 14, closed), "2023-05-04");
  auto bad = DeterminationDue(D("2023-04-10"), 15, closed);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("7922.535"), std::string::npos);
  EXPECT_FALSE(DeterminationDue(D("2023-04-10"), -1, closed).ok());
}

}  // namespace
}  // namespace steward::records
