// Redaction for release: after it, a withheld value is in no decoded header,
// part or attachment text of the message, nor in its bytes, and the text
// around it survives.
#include "release/redact.h"

#include <gtest/gtest.h>

#include "bundled_engine.h"
#include "extract/mime.h"
#include "pdf_maker.h"

namespace steward::release {
namespace {

const Mark kName{"Maria Lopez", "roster-student", "7927.705",
                 "FERPA / Ed Code 49076"};
const Mark kSsn{"123-45-6789", "ssn", "7927.700", "Gov. Code 7927.700"};

// A message that hides the values every way mail can: an encoded subject,
// a display name, quoted-printable text, a base64 HTML part, an attachment
// that is a file, and a forwarded message inside it.
std::string Message() {
  return "From: \"Maria Lopez\" <parent@example.org>\r\n"
         "To: office@district.example\r\n"
         "Subject: =?UTF-8?B?UmU6IE1hcmlhIExvcGV6IGFic2VuY2U=?=\r\n"
         "Message-ID: <m1@example.org>\r\n"
         "Date: Tue, 01 Dec 2026 10:00:00 -0800\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
         "\r\n"
         "Maria Lopez preamble nobody reads\r\n"
         "--b1\r\n"
         "Content-Type: multipart/alternative; boundary=\"b2\"\r\n"
         "\r\n"
         "--b2\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n"
         "\r\n"
         "Please call about Maria =\r\nLopez today. Her SSN is 123-45-=\r\n"
         "6789, the office said.\r\n"
         "--b2\r\n"
         "Content-Type: text/html; charset=utf-8\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n"
         // <p>Please call about <b>Maria</b> Lopez today. SSN 123-45-6789.</p>
         "PHA+UGxlYXNlIGNhbGwgYWJvdXQgPGI+TWFyaWE8L2I+IExvcGV6IHRvZGF5LiBT"
         "U04gMTIzLTQ1LTY3ODkuPC9wPg==\r\n"
         "--b2--\r\n"
         "--b1\r\n"
         "Content-Type: application/octet-stream; name=\"notes.txt\"\r\n"
         "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n"
         // Notes on maria lopez, room 12.
         "Tm90ZXMgb24gbWFyaWEgbG9wZXosIHJvb20gMTIu\r\n"
         "--b1\r\n"
         "Content-Type: message/rfc822\r\n"
         "\r\n"
         "From: nurse@district.example\r\n"
         "Subject: Maria Lopez\r\n"
         "\r\n"
         "Forwarded: Maria Lopez was seen at 9.\r\n"
         "--b1--\r\n"
         "epilogue 123-45-6789\r\n";
}

extract::Limits Limits() { return {}; }

TEST(Redaction, NoValueSurvivesAnywhereAndTheNeighboursDo) {
  auto r = RedactMessage(Message(), {kName, kSsn}, Limits());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(Leaks(r->bytes, {kName, kSsn}, Limits()).empty());
  EXPECT_EQ(r->bytes.find("Maria"), std::string::npos);
  EXPECT_EQ(r->bytes.find("6789"), std::string::npos);
  // The message reads as a message, with the words around the values.
  extract::Extracted x = extract::ExtractMessage(r->bytes, Limits());
  std::string all;
  for (const auto& t : x.texts) all += t.text + "\n";
  EXPECT_NE(all.find("Please call about [REDACTED: FERPA / Ed Code 49076] "
                     "today."),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("Her SSN is [REDACTED: Gov. Code 7927.700], the office "
                     "said."),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("Forwarded: [REDACTED: FERPA / Ed Code 49076] was seen "
                     "at 9."),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("Re: [REDACTED: FERPA / Ed Code 49076] absence"),
            std::string::npos)
      << all;
  // The sender's name went, the address stays a valid address.
  EXPECT_EQ(x.message.from.front(), "parent@example.org");
  // The file could not be edited in place: withheld, saying why.
  EXPECT_NE(all.find("[WITHHELD: the attachment notes.txt was withheld"),
            std::string::npos)
      << all;
  EXPECT_GE(r->withheld, 1u);
  EXPECT_GE(r->values, 6u);
  bool logged_attachment = false;
  for (const LogEntry& e : r->log)
    logged_attachment |= e.withheld && e.where == "attachment notes.txt";
  EXPECT_TRUE(logged_attachment);
}

TEST(Redaction, AValueSplitByMarkupWithholdsTheHtmlPart) {
  // "<b>Maria</b> Lopez": no replacement in the source can find it; the
  // check after the rewrite does, and the part is withheld.
  auto r = RedactMessage(Message(), {kName}, Limits());
  ASSERT_TRUE(r.ok()) << r.status().message();
  bool html_withheld = false;
  for (const LogEntry& e : r->log)
    html_withheld |= e.withheld && e.where == "text/html";
  EXPECT_TRUE(html_withheld);
  EXPECT_TRUE(Leaks(r->bytes, {kName}, Limits()).empty());
}

TEST(Redaction, TheSameMessageGivesTheSameBytes) {
  auto a = RedactMessage(Message(), {kName, kSsn}, Limits());
  auto b = RedactMessage(Message(), {kSsn, kName}, Limits());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
}

TEST(Redaction, AMessageWithNothingToWithholdKeepsItsText) {
  const std::string m =
      "From: a@example.org\r\nSubject: Lunch\r\n\r\nSee you at noon.\r\n";
  auto r = RedactMessage(m, {kName}, Limits());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->values, 0u);
  EXPECT_NE(r->bytes.find("See you at noon."), std::string::npos);
}

TEST(Redaction, WhatCannotBeReadWholeIsNotReleased) {
  extract::Limits tight;
  tight.max_parts = 2;
  auto r = RedactMessage(Message(), {kName}, tight);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("MIME parts"), std::string::npos);
  // A part whose header GMime would not be allowed to read whole.
  std::string many =
      "From: a@example.org\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=Z\r\n\r\n"
      "--Z\r\nContent-Type: text/plain\r\n";
  for (int i = 0; i < 60000; ++i) many += "a: b\r\n";
  many += "\r\nMaria Lopez\r\n--Z--\r\n";
  auto f = RedactMessage(many, {kName}, Limits());
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("header fields"), std::string::npos)
      << f.status().message();
}

TEST(Redaction, MarksComeFromTheFindingsAnExemptionLists) {
  auto e = testing_pdf::ValuesEngine();
  ASSERT_TRUE(e);
  auto scratch = e->NewScratch();
  const std::string m =
      "From: hr@district.example\r\nSubject: payroll\r\n\r\n"
      "Her SSN is 536-22-8163 and her phone is (415) 555-2671.\r\n";
  auto marks = MarksFor(*e, m, {}, *scratch);
  ASSERT_TRUE(marks.ok()) << marks.status().message();
  bool ssn = false;
  for (const Mark& k : *marks) {
    if (k.category == "ssn") {
      ssn = true;
      EXPECT_EQ(k.value, "536-22-8163");
      EXPECT_EQ(k.exemption, "7927.700");
    }
  }
  EXPECT_TRUE(ssn);
  // A record about a child withholds its whole sentence, not only the
  // words the detector found; the sentences around it stay.
  const std::string note =
      "From: nurse@district.example\r\nSubject: trip\r\n\r\n"
      "Thanks for planning the trip. Daniel has asthma and needs his inhaler "
      "on the bus. See you Friday.\r\n";
  auto notes = MarksFor(*e, note, {}, *scratch);
  ASSERT_TRUE(notes.ok());
  bool whole = false;
  for (const Mark& k : *notes)
    whole |= k.value == "Daniel has asthma and needs his inhaler on the bus.";
  EXPECT_TRUE(whole);
  auto red = RedactMessage(note, *notes, {});
  ASSERT_TRUE(red.ok());
  extract::Extracted x = extract::ExtractMessage(red->bytes, {});
  std::string body;
  for (const auto& t : x.texts) body += t.text;
  EXPECT_NE(body.find("Thanks for planning the trip. [REDACTED: FERPA / Ed "
                      "Code 49076] See you Friday."),
            std::string::npos)
      << body;
  // A custodian's mark too short to be a value, or inside the
  // redaction's own words, is refused.
  EXPECT_FALSE(
      MarksFor(*e, m, {{"ab", "custodian", "7927.700", "x"}}, *scratch).ok());
  EXPECT_FALSE(MarksFor(*e, m,
                        {{"REDACTED", "custodian", "7927.700", "privacy"}},
                        *scratch)
                   .ok());
}

}  // namespace
}  // namespace steward::release
