#include "inspect/redact.h"

#include <gtest/gtest.h>

namespace steward::inspect {
namespace {

using policy::Redaction;

TEST(Redact, Values) {
  EXPECT_EQ(RedactValue("123-45-6789", Redaction::kLast4), "***-**-6789");
  EXPECT_EQ(RedactValue("4539 1488 0343 6467", Redaction::kLast4),
            "**** **** **** 6467");
  EXPECT_EQ(RedactValue("D1234567", Redaction::kLast4), "****4567");
  EXPECT_EQ(RedactValue("jane.doe@gmail.com", Redaction::kEmail),
            "j***@gmail.com");
  EXPECT_EQ(RedactValue("Maria Garcia", Redaction::kInitials), "M*** G***");
  EXPECT_EQ(RedactValue("f.u.c.k", Redaction::kWord), "f***");
  EXPECT_EQ(RedactValue("hunter2", Redaction::kAll), "[redacted]");
  EXPECT_EQ(RedactValue("IEP", Redaction::kNone), "IEP");
}

TEST(Excerpt, MasksDigitsInContextAndCutsSafely) {
  std::string t = "call 559-327-4411 or SSN 536-22-8145 now";
  size_t b = t.find("536"), e = b + 11;
  std::string x = Excerpt(t, b, e, Redaction::kLast4, false, 40);
  EXPECT_EQ(x, "call ###-###-#### or SSN [***-**-8145] now");
  EXPECT_EQ(Excerpt(t, b, e, Redaction::kLast4, true, 40),
            "call 559-327-4411 or SSN [536-22-8145] now");
  // Multi-byte characters are never cut in half.
  std::string u = "ééééééé 536-22-8145";
  std::string y =
      Excerpt(u, u.find("536"), u.size(), Redaction::kLast4, false, 3);
  EXPECT_TRUE(y.find("\xC3") == std::string::npos ||
              y.find("é") != std::string::npos);
}

TEST(Excerpt, NewlinesBecomeSpaces) {
  std::string t = "line one\nSSN 536-22-8145\nline three";
  size_t b = t.find("536");
  std::string x = Excerpt(t, b, b + 11, Redaction::kLast4, false, 10);
  EXPECT_EQ(x.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace steward::inspect
