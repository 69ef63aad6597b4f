// Checked parsing of numbers and dates that come from people or the store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/text.h"

namespace steward::core {
namespace {

TEST(WriteFileAtomic, ThreadsWritingOnePathEachWriteAWholeFile) {
  // Two held messages with the same bytes are stored under one name at the
  // same moment: every write succeeds and the file is whole.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() /
                       ("steward-atomic-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "blob").string();
  const std::string data(200000, 'x');
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  for (int i = 0; i < 16; ++i)
    writers.emplace_back([&] {
      for (int k = 0; k < 20; ++k)
        if (!WriteFileAtomic(path, data).ok()) ++failed;
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(failed, 0);
  std::ifstream in(path);
  std::stringstream read;
  read << in.rdbuf();
  EXPECT_EQ(read.str(), data);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator{}),
      1);  // no temporary file left
  fs::remove_all(dir);
}

TEST(Parse, IntegersAreCheckedNeverThrown) {
  EXPECT_EQ(ParseInt("14", 0, 365, "a reminder day").value(), 14);
  EXPECT_EQ(ParseInt("-3", -5, 5, "x").value(), -3);
  EXPECT_EQ(ParseInt("0", 0, 0, "x").value(), 0);
  for (const char* bad :
       {"", "-", "+1", " 1", "1 ", "1a", "0x10", "99999999999",
        "9223372036854775808", "-9223372036854775809", "366", "1e3", "١"}) {
    auto r = ParseInt(bad, 0, 365, "a reminder day");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("a reminder day is a whole number "
                                        "from 0 to 365"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(Parse, DatesAreRealCalendarDatesInRange) {
  auto a = ParseIsoDate("2026-03-01", 2000, 2099, "the due date");
  auto b = ParseIsoDate("2026-02-28", 2000, 2099, "the due date");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a - *b, 1);
  EXPECT_EQ(ParseIsoDate("1970-01-01", 1970, 2099, "d").value(), 0);
  EXPECT_TRUE(ParseIsoDate("2024-02-29", 2000, 2099, "d").ok());
  for (const char* bad :
       {"2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10",
        "2026-1-01", "2026/01/01", "26-01-01", "99999-01-01", "1999-12-31",
        "2100-01-01", "2026-01-01x", "2026-01-0a", "+026-01-01", ""}) {
    auto r = ParseIsoDate(bad, 2000, 2099, "the due date");
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(Parse, HeaderWordsAsPeopleWriteThem) {
  using W = std::vector<std::string>;
  EXPECT_EQ(HeaderWords("student_id"), (W{"student", "id"}));
  EXPECT_EQ(HeaderWords("StudentID"), (W{"student", "id"}));
  EXPECT_EQ(HeaderWords("studentId"), (W{"student", "id"}));
  EXPECT_EQ(HeaderWords("Student-ID"), (W{"student", "id"}));
  EXPECT_EQ(HeaderWords("STUDENT ID"), (W{"student", "id"}));
  EXPECT_EQ(HeaderWords("BirthDate"), (W{"birth", "date"}));
  EXPECT_EQ(HeaderWords("DOB"), (W{"dob"}));
  EXPECT_EQ(HeaderWords("D.O.B."), (W{"d", "o", "b"}));
  EXPECT_EQ(HeaderWords("IEPFlag"), (W{"iep", "flag"}));
  EXPECT_EQ(HeaderWords("guardian_phone2"), (W{"guardian", "phone", "2"}));
  EXPECT_EQ(HeaderWords("504"), (W{"504"}));
  EXPECT_EQ(HeaderWords("Student #"), (W{"student", "#"}));
  EXPECT_EQ(HeaderWords("Número_Estudiante"), (W{"número", "estudiante"}));
  EXPECT_EQ(HeaderWords(" __ "), W{});
}

TEST(Parse, NamesAreLowerCasedAndCapitalisedInAnyScript) {
  EXPECT_EQ(Lower("ÉLODIE"), "élodie");
  EXPECT_EQ(Lower("Mary-Kate"), "mary-kate");
  EXPECT_EQ(Lower("ZOË O'NEIL"), "zoë o'neil");
  EXPECT_EQ(Lower("caf\xC3"), "caf\xC3");  // cut UTF-8: ASCII only
  EXPECT_TRUE(StartsUpper("Élodie"));
  EXPECT_TRUE(StartsUpper("Daniel"));
  EXPECT_FALSE(StartsUpper("élodie"));
  EXPECT_FALSE(StartsUpper("\xC3"));  // half a character, not a letter
  EXPECT_FALSE(StartsUpper(""));
}

TEST(Parse, ControlCharacters) {
  EXPECT_FALSE(HasControlChars("Annual 2026–27 acknowledgement"));
  for (const char* bad : {"a\nb", "a\rb", "a\tb", "a\x7f", "a\xc2\x85"}) {
    EXPECT_TRUE(HasControlChars(bad)) << bad;
  }
  EXPECT_TRUE(HasControlChars(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace steward::core
