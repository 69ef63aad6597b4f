// Detectors through the bundled pack: identifiers with context, roster
// matches, severity combinations, views and locations.
#include "inspect/inspector.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "test_util.h"

namespace steward::inspect {
namespace {

using policy::Severity;
using steward::testing::BundledEngine;
using steward::testing::FindIn;

std::string Roster() {
  return steward::testing::SourceDir() + "/tests/golden/roster";
}

engine::ItemResult ScanText(const std::string& text,
                            const std::string& roster = "") {
  const auto& e = BundledEngine(roster);
  auto s = e.NewScratch();
  return e.InspectPlainText("t", text, *s);
}

TEST(Ssn, FormattedWithAndWithoutHotwords) {
  auto f = FindIn("Employee SSN: 536-22-8145.", "ssn");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_GT(f[0].confidence, 0.9);
  EXPECT_EQ(f[0].excerpt.find("536"), std::string::npos);  // redacted
  EXPECT_NE(f[0].excerpt.find("***-**-8145"), std::string::npos);
  EXPECT_EQ(FindIn("ref 536-22-8145", "ssn").size(), 1u);
  EXPECT_TRUE(FindIn("example SSN 666-22-8145", "ssn").empty());
}

TEST(Ssn, BareNeedsAHotword) {
  EXPECT_EQ(FindIn("social security number 536228145", "ssn").size(), 1u);
  EXPECT_TRUE(FindIn("order number 536228145", "ssn").empty());
}

TEST(Ssn, NegativeContextLowersConfidence) {
  auto plain = FindIn("SSN 536-22-8145", "ssn");
  auto test = FindIn("test SSN 536-22-8145", "ssn");
  ASSERT_EQ(plain.size(), 1u);
  ASSERT_EQ(test.size(), 1u);
  EXPECT_LT(test[0].confidence, plain[0].confidence);
}

TEST(PaymentCard, ValidatedNotJustShaped) {
  EXPECT_EQ(FindIn("card 4539 1488 0343 6467 exp 09/28", "payment-card").size(),
            1u);
  EXPECT_TRUE(FindIn("card 4539 1488 0343 6468", "payment-card").empty());
  EXPECT_TRUE(FindIn("ISBN 9780306406157", "payment-card").empty());
}

TEST(Phone, NanpShapes) {
  EXPECT_EQ(FindIn("call (559) 327-4411", "phone").size(), 1u);
  EXPECT_EQ(FindIn("cell: 559.327.4411", "phone").size(), 1u);
  EXPECT_TRUE(FindIn("version 1.559.327.441", "phone").empty());
  EXPECT_TRUE(FindIn("call 555-0123 now", "phone").empty());
}

// tests/data/pii-formats.txt: each bracketed value is covered by a finding
// of its category that stays inside the value; a line marked "-" has none.
TEST(PiiFormats, AsPeopleWriteThem) {
  std::ifstream in(steward::testing::SourceDir() +
                   "/tests/data/pii-formats.txt");
  size_t cases = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::string category = line.substr(0, tab), raw = line.substr(tab + 1);
    const bool absent = category[0] == '-';
    if (absent) category.erase(0, 1);
    // The text without brackets, and where each bracketed value is.
    std::string text;
    std::vector<std::pair<size_t, size_t>> values;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw.compare(i, 2, "\\n") == 0) {
        text += '\n';
        ++i;
      } else if (raw[i] == '[') {
        values.emplace_back(text.size(), 0);
      } else if (raw[i] == ']') {
        values.back().second = text.size();
      } else {
        text += raw[i];
      }
    }
    auto found = FindIn(text, category);
    ++cases;
    if (absent) {
      for (const auto& f : found)
        ADD_FAILURE() << line << "\n  found: " << f.excerpt;
      continue;
    }
    for (auto [b, e] : values) {
      bool covered = false;
      for (const auto& f : found) {
        const size_t fb = f.location.offset, fe = fb + f.location.length;
        covered |= fb <= b && fe >= e;
        EXPECT_TRUE(fe <= b || fb >= e || (fb >= b && fe <= e) ||
                    (fb <= b && fe >= e))
            << line << "\n  spills over: " << text.substr(fb, fe - fb);
      }
      std::string got;
      for (const auto& f : found)
        got += " [" + text.substr(f.location.offset, f.location.length) + "]";
      EXPECT_TRUE(covered) << line << "\n  wanted [" << text.substr(b, e - b)
                           << "], found" << got;
    }
  }
  EXPECT_GE(cases, 30u);
}

TEST(DateOfBirth, OnlyWithABirthWord) {
  EXPECT_EQ(FindIn("DOB: 03/14/2012", "date-of-birth").size(), 1u);
  EXPECT_TRUE(FindIn("The meeting is on 03/14/2027", "date-of-birth").empty());
}

// Every state's licence, written as it prints, is found after a licence word
// (in one of several phrasings) and named by the state whose format it fits;
// the same number without the word is not a licence.
TEST(DriverLicense, EveryStateAfterALicenceWordAndNoneWithout) {
  std::ifstream in(steward::testing::SourceDir() +
                   "/tests/data/driver-licenses.txt");
  const char* const with[] = {"Driver's license: {}",
                              "my driver's license number is {}.",
                              "DL# {}",
                              "Drivers License No. {} (exp. 2027)",
                              "{} is her driver license",
                              "CDL {}, class B"};
  const char* const without[] = {"Order {} shipped", "ref. {}",
                                 "Invoice number {} was paid",
                                 "Account {} is closed"};
  std::set<std::string> states;
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string state = line.substr(0, tab),
                      number = line.substr(tab + 1);
    states.insert(state);
    auto put = [&](std::string t) {
      return t.replace(t.find("{}"), 2, number);
    };
    const std::string text = put(with[n % std::size(with)]);
    auto f = FindIn(text, "driver-license");
    ASSERT_EQ(f.size(), 1u) << state << ": " << text;
    EXPECT_EQ(f[0].location.offset, text.find(number)) << state;
    EXPECT_EQ(f[0].location.length, number.size()) << state << ": " << text;
    if (f[0].detail.find("more") == std::string::npos) {
      EXPECT_NE(f[0].detail.find(state), std::string::npos)
          << state << ": " << f[0].detail;
    }
    const std::string twin = put(without[n % std::size(without)]);
    EXPECT_TRUE(FindIn(twin, "driver-license").empty())
        << state << ": " << twin;
    ++n;
  }
  EXPECT_EQ(states.size(), 51u);  // the fifty states and DC
}

TEST(DriverLicense, NamesTheStateAndIsNoDateOrPhone) {
  auto f = FindIn("FL driver license W426-545-30-761-0", "driver-license");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].detail,
            "fits the format of Florida, Illinois, Maryland and 2 more");
  f = FindIn("NH driver's license 07MAR41529", "driver-license");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].detail, "fits the format of New Hampshire");
  EXPECT_TRUE(
      FindIn("driver's license issued 2019-05-01", "driver-license").empty());
  EXPECT_TRUE(FindIn("driver's license office: 559-327-4411", "driver-license")
                  .empty());
}

TEST(DriverLicenseAndSsid, HotwordsRequired) {
  EXPECT_EQ(FindIn("CA driver license D1234567", "driver-license").size(), 1u);
  EXPECT_TRUE(FindIn("part number D1234567", "driver-license").empty());
  EXPECT_EQ(FindIn("SSID 4829103756", "student-id").size(), 1u);
  EXPECT_TRUE(FindIn("invoice 4829103756", "student-id").empty());
}

TEST(Credentials, PasswordsAndKeys) {
  EXPECT_EQ(FindIn("my password is Tr0ub4dor&3", "credential").size(), 1u);
  EXPECT_TRUE(FindIn("if you forgot your password: reset it at the portal",
                     "credential")
                  .empty());
  EXPECT_EQ(
      FindIn("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...", "security-file")
          .size(),
      1u);
  EXPECT_EQ(FindIn("root:$6$saltsalt$abcdefghijklmnopqrstuv:19000:0:99999:7:::",
                   "security-file")
                .size(),
            1u);
}

TEST(Roster, FullNameAndLimitedIdentification) {
  auto r = ScanText("Maria Garcia did well today. Daniel N. helped.", Roster());
  std::vector<const Finding*> names;
  for (const auto& f : r.findings)
    if (f.category == "roster-student") names.push_back(&f);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_NE(names[0]->detail.find("grade 04"), std::string::npos)
      << names[0]->detail;
  EXPECT_NE(names[0]->detail.find("Lincoln Elementary"), std::string::npos);
  EXPECT_EQ(names[0]->excerpt.find("Garcia"), std::string::npos);  // redacted
  EXPECT_NE(names[1]->detail.find("grade 11"), std::string::npos);
}

// A record about one child needs no word like "student": a condition or a
// discipline matter near a name, a roster student's given name (even
// starting the sentence) or he, she, my daughter.
bool Has(const engine::ItemResult& r, const std::string& category) {
  for (const auto& f : r.findings)
    if (f.category == category) return true;
  return false;
}

TEST(Roster, ARecordAboutOneChildNeedsNoWordStudent) {
  EXPECT_TRUE(Has(ScanText("Daniel has asthma and keeps an inhaler in the "
                           "front office.",
                           Roster()),
                  "health"));
  EXPECT_TRUE(Has(ScanText("Maria got suspended for fighting at the bus "
                           "stop.",
                           Roster()),
                  "discipline"));
  EXPECT_TRUE(Has(ScanText("My daughter is diabetic, she checks her blood "
                           "sugar before lunch."),
                  "health"));
  // Not about a person: a fair, a lesson, a name not near a condition.
  EXPECT_FALSE(Has(ScanText("The wellness fair has a booth on asthma and "
                            "allergies.",
                            Roster()),
                   "health"));
  EXPECT_FALSE(Has(ScanText("Daniel will bring the projector. The science "
                            "unit covers how insulin works.",
                            Roster()),
                   "health"));
}

TEST(Roster, NamesMustBeCapitalisedAndWhole) {
  auto r = ScanText("we will rose to the occasion; Maria Garcias; MariaGarcia",
                    Roster());
  for (const auto& f : r.findings)
    EXPECT_NE(f.category, "roster-student") << f.excerpt;
}

TEST(Roster, IdentifiersMatch) {
  auto r = ScanText("ref 2004118 in the file", Roster());
  ASSERT_EQ(steward::testing::Categories(r),
            (std::vector<std::string>{"student-id"}));
  EXPECT_NE(r.findings[0].detail.find("grade 11"), std::string::npos);
}

TEST(Combination, NamedStudentWithIepIsHigh) {
  auto alone = ScanText("Maria Garcia won the spelling bee.", Roster());
  ASSERT_FALSE(alone.findings.empty());
  EXPECT_EQ(alone.findings[0].severity, Severity::kLow);
  auto with = ScanText("Maria Garcia: her IEP goals are attached.", Roster());
  // The name and the IEP are both found, and every finding is high.
  ASSERT_FALSE(with.findings.empty());
  auto cats = steward::testing::Categories(with);
  EXPECT_NE(std::find(cats.begin(), cats.end(), "roster-student"), cats.end())
      << ::testing::PrintToString(cats);
  for (const auto& f : with.findings) {
    EXPECT_EQ(f.severity, Severity::kHigh) << f.category;
    EXPECT_NE(std::find(f.clauses.begin(), f.clauses.end(), "L.3.a"),
              f.clauses.end());
  }
}

TEST(Views, AddressesInHeadersAreNotFindings) {
  const auto& e = BundledEngine();
  auto s = e.NewScratch();
  auto r = e.InspectMessage("m",
                            "From: Ann <ann@example-usd.org>\nTo: "
                            "bob@gmail.com\nSubject: hi\n\nsee you\n",
                            *s);
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].category;
}

TEST(Locations, LineAndOffsetWithinThePart) {
  const auto& e = BundledEngine();
  auto s = e.NewScratch();
  auto r = e.InspectMessage(
      "m",
      "Subject: x\nContent-Type: text/plain\n\nline one\nSSN 536-22-8145\n",
      *s);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].location.part, "1");
  EXPECT_EQ(r.findings[0].location.line, 2u);
  EXPECT_EQ(r.findings[0].location.offset, 13u);
  EXPECT_EQ(r.findings[0].location.length, 11u);
}

TEST(NotInspected, ReportsWhatAndWhy) {
  const auto& e = BundledEngine();
  auto s = e.NewScratch();
  auto r = e.InspectMessage("m",
                            "Subject: x\nContent-Type: multipart/mixed; "
                            "boundary=Q\n\n--Q\nContent-Type: "
                            "text/plain\n\nhi\n--Q\nContent-Type: "
                            "application/zip; name=grades.zip\n"
                            "Content-Transfer-Encoding: base64\n\n"
                            "UEsDBBQAAAAIAAAAIQBBQUFBQUFBQUFBQUFBQUE=\n--Q--\n",
                            *s);
  ASSERT_EQ(steward::testing::Categories(r),
            (std::vector<std::string>{"not-inspected"}));
  EXPECT_EQ(r.findings[0].location.part, "2");
  EXPECT_NE(r.findings[0].excerpt.find("grades.zip"), std::string::npos);
  EXPECT_NE(r.findings[0].excerpt.find("archive"), std::string::npos);
}

TEST(Inspector, DigitsOfADecimalNumberAreNoIdentifier) {
  // A longitude whose fraction passes the Luhn check, and a card beside it.
  EXPECT_TRUE(FindIn("-87.63376979601067, 41.88", "payment-card").empty());
  EXPECT_TRUE(
      FindIn("total 4539148803436467.25 units", "payment-card").empty());
  EXPECT_EQ(FindIn("card 4539 1488 0343 6467.", "payment-card").size(), 1u);
}

// A text of more sentences for the models than a text may have read is
// read in part, found in part, and says so.
TEST(Inspector, SentencesPastTheModelsCapAreReportedNotInspected) {
  std::string t;
  for (int i = 0; i < 3000; ++i)
    t += "Sentence " + std::to_string(i) + ": they will hurt the dog. ";
  auto r = ScanText(t);
  bool not_inspected = false;
  for (const auto& f : r.findings)
    not_inspected |=
        f.category == "not-inspected" &&
        f.excerpt.find("sentences for the models") != std::string::npos;
  EXPECT_TRUE(not_inspected);
}

TEST(Inspector, HugeRepetitiveInputIsBounded) {
  std::string t;
  for (int i = 0; i < 200000; ++i) t += "shit ";
  auto f = FindIn(t, "profanity");
  EXPECT_GT(f.size(), 100000u);
}

}  // namespace
}  // namespace steward::inspect
