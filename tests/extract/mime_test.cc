// MIME extraction on messages written here; the shared hostile corpora are
// exercised in tests/corpora.
#include "extract/mime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "extract/source.h"
#include "temp_dir.h"

namespace steward::extract {
namespace {

const TextPart* Find(const Extracted& x, const std::string& path,
                     const std::string& view) {
  for (const auto& t : x.texts)
    if (t.path == path && core::ViewName(t.view) == view) return &t;
  return nullptr;
}

// The body of a one-part message: the message's own, or its first part's.
const TextPart* Body(const Extracted& x) {
  const TextPart* t = Find(x, "", "body");
  return t != nullptr ? t : Find(x, "1", "body");
}

// A one-part message of `type` (UTF-8) whose body is `body`, extracted.
Extracted OnePart(const std::string& type, const std::string& body) {
  return ExtractMessage("Subject: x\r\nContent-Type: " + type +
                            "; charset=utf-8\r\n\r\n" + body + "\r\n",
                        {});
}

// Whether any body view of `x` (a page's readings, its tables) holds
// `needle`.
bool AnyBodyHas(const Extracted& x, std::string_view needle) {
  for (const TextPart& t : x.texts)
    if (t.view == core::View::kBody && t.text.find(needle) != std::string::npos)
      return true;
  return false;
}

TEST(Mime, SinglePartQuotedPrintableLatin1) {
  std::string m =
      "From: a@example-usd.org\r\nTo: b@example.com\r\nSubject: "
      "=?iso-8859-1?q?R=E9sum=E9?=\r\n"
      "Content-Type: text/plain; "
      "charset=iso-8859-1\r\nContent-Transfer-Encoding: "
      "quoted-printable\r\n\r\n"
      "Caf=E9 SSN 536-22-8145=\r\n continues\r\n";
  Extracted x = ExtractMessage(m, {});
  const TextPart* body = Find(x, "1", "body");
  ASSERT_NE(body, nullptr);
  EXPECT_NE(body->text.find("Café SSN 536-22-8145 continues"),
            std::string::npos)
      << body->text;
  const TextPart* subj = Find(x, "", "subject");
  ASSERT_NE(subj, nullptr);
  EXPECT_EQ(subj->text, "Résumé");
  EXPECT_NE(Find(x, "", "addresses"), nullptr);
}

TEST(Mime, MultipartWithAttachmentsAndNestedMessage) {
  std::string m =
      "From: a@example-usd.org\nSubject: t\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=XX\n\n"
      "--XX\nContent-Type: text/plain\n\nhello\n"
      "--XX\nContent-Type: application/pdf; name=iep.pdf\nContent-Disposition: "
      "attachment; filename=iep.pdf\n"
      "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
      "--XX\nContent-Type: message/rfc822\n\n"
      "Subject: inner\nContent-Type: text/plain\n\ninner body\n"
      "--XX\nContent-Type: text/csv; "
      "name=roster.csv\nContent-Transfer-Encoding: base64\n\n"
      "bmFtZSxzc24KTWFyaWEsNTM2LTIyLTgxNDUK\n"
      "--XX--\n";
  Extracted x = ExtractMessage(m, {});
  ASSERT_NE(Find(x, "1", "body"), nullptr);
  EXPECT_EQ(Find(x, "1", "body")->text, "hello");
  ASSERT_NE(Find(x, "2", "filename"), nullptr);
  EXPECT_EQ(Find(x, "2", "filename")->text, "iep.pdf");
  ASSERT_EQ(x.skipped.size(), 1u);
  EXPECT_EQ(x.skipped[0].path, "2");
  ASSERT_NE(Find(x, "2", "filename"), nullptr);
  EXPECT_NE(x.skipped[0].reason.find("PDF"), std::string::npos);
  ASSERT_NE(Find(x, "3", "subject"), nullptr);
  EXPECT_EQ(Find(x, "3.1", "body")->text, "inner body");
  ASSERT_NE(Find(x, "4", "body"), nullptr);
  EXPECT_NE(Find(x, "4", "body")->text.find("536-22-8145"), std::string::npos);
}

TEST(Mime, HtmlWithPlainAlternativeIsCoveredHtmlAloneIsRead) {
  std::string alt =
      "Subject: a\nContent-Type: multipart/alternative; boundary=B\n\n"
      "--B\nContent-Type: text/plain\n\nplain\n--B\nContent-Type: "
      "text/html\n\n<p>plain</p>\n--B--\n";
  Extracted a = ExtractMessage(alt, {});
  EXPECT_TRUE(a.skipped.empty());
  EXPECT_EQ(Find(a, "2", "body"), nullptr);  // covered by part 1
  std::string html =
      "Subject: a\nContent-Type: text/html\n\n<p>only <b>html</b></p>"
      "<img alt=\"a caption\">\n";
  Extracted x = ExtractMessage(html, {});
  EXPECT_TRUE(x.skipped.empty());
  ASSERT_NE(Find(x, "1", "body"), nullptr);
  EXPECT_EQ(Find(x, "1", "body")->text.find("only html"), 0u);
  ASSERT_NE(Find(x, "1", "alt"), nullptr);
  EXPECT_EQ(Find(x, "1", "alt")->text, "a caption\n");
}

TEST(Mime, NestingDepthIsBounded) {
  std::string m = "Subject: 0\nContent-Type: text/plain\n\nbottom\n";
  for (int i = 1; i <= 30; ++i)
    m = "Subject: " + std::to_string(i) + "\nContent-Type: message/rfc822\n\n" +
        m;
  Limits l;
  l.max_depth = 8;
  Extracted x = ExtractMessage(m, l);
  ASSERT_FALSE(x.skipped.empty());
  EXPECT_NE(x.skipped.back().reason.find("deeper than 8"), std::string::npos);
}

TEST(Mime, AddressFieldsPastTheirBoundAreCutAndSaidNotRead) {
  // 3 MB of To: lines (GMime makes an object of each address): the fields
  // are read up to 256 KiB, whole addresses only, and the rest is named as
  // not read; the subject, the body and the first addresses still are.
  std::string to = "To: first@example.com";
  for (int i = 0; i < 3500; ++i) to += ", u" + std::to_string(i) + "@x.org";
  std::string m = "From: a@example-usd.org\r\nSubject: roll call\r\n";
  for (int i = 0; i < 60; ++i) m += to + "\r\n";
  m += "Cc: late@example.com\r\n\r\nSSN 536-22-8145\r\n";
  Extracted x = ExtractMessage(m, {});
  ASSERT_EQ(x.skipped.size(), 1u);
  EXPECT_NE(x.skipped[0].reason.find(
                "address fields past 256 KiB read as plain text only"),
            std::string::npos)
      << x.skipped[0].reason;
  const TextPart* body = Body(x);
  ASSERT_NE(body, nullptr);
  EXPECT_NE(body->text.find("536-22-8145"), std::string::npos);
  ASSERT_NE(Find(x, "", "subject"), nullptr);
  const TextPart* addrs = Find(x, "", "addresses");
  ASSERT_NE(addrs, nullptr);
  EXPECT_NE(addrs->text.find("first@example.com"), std::string::npos);
  EXPECT_EQ(addrs->text.find("late@example.com"), std::string::npos);
  EXPECT_LT(addrs->text.size(), size_t{300} << 10);
  EXPECT_EQ(x.message.to.front(), "first@example.com");
  // The sender's fields have an allowance of their own: recipients that
  // come first do not push them out. A cut falls between addresses, not in
  // a quoted name's comma.
  std::string quoted = "To: \"Doe, J\" <j0@x.org>";
  for (int i = 1; i < 9000; ++i)
    quoted += ", \"Doe, J\" <j" + std::to_string(i) + "@x.org>";
  Extracted q = ExtractMessage(quoted + "\r\n" + quoted + "\r\n" +
                                   "From: Sender <sender@example-usd.org>\r\n"
                                   "Subject: x\r\n\r\nhi\r\n",
                               {});
  ASSERT_EQ(q.skipped.size(), 1u);
  ASSERT_EQ(q.message.from.size(), 1u);
  EXPECT_EQ(q.message.from[0], "sender@example-usd.org");
  const TextPart* qa = Find(q, "", "addresses");
  ASSERT_NE(qa, nullptr);
  std::string_view view = qa->text;
  while (!view.empty() && view.back() == '\n') view.remove_suffix(1);
  const size_t to_line = view.rfind("To: ");
  ASSERT_NE(to_line, std::string_view::npos);
  std::string_view last_to = view.substr(to_line);
  last_to = last_to.substr(0, last_to.find('\n'));
  EXPECT_TRUE(last_to.ends_with("@x.org>"))
      << last_to.substr(last_to.size() - std::min<size_t>(80, last_to.size()));
  // A header of ordinary size is read whole and untouched.
  Extracted small =
      ExtractMessage("To: a@x.org, b@y.org\r\nCc: c@z.org\r\n\r\nhi\r\n", {});
  EXPECT_TRUE(small.skipped.empty());
  EXPECT_EQ(small.message.to.size(), 3u);
}

TEST(Mime, AddressFieldsOfAnyBytesAreCutSafely) {
  // Large headers of address fields made of the bytes that matter to the
  // cut (quotes, escapes, comments, commas, folding, a bare CR), from a
  // fixed seed: each is read to the end (the sanitizer build checks every
  // access), and what is kept stays near its allowance.
  const char* pieces[] = {",",  "\"", "\\", "(", ")", " ", "\r\n ", "\n\t",
                          "\r", "a",  "@",  "x", ":", "<", ">",     "bc"};
  uint64_t seed = 20261206;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(seed >> 33);
  };
  int cut = 0;
  for (int round = 0; round < 12; ++round) {
    std::string m;
    const char* names[] = {"To: ", "From: ", "Cc:", "Bcc:  ", "X-Other: "};
    while (m.size() < 700000) {
      m += names[next() % 5];
      const size_t n = 1000 + next() % 100000;
      for (size_t i = 0; i < n; ++i) m += pieces[next() % std::size(pieces)];
      m += "\r\n";
    }
    m += "\r\nbody\r\n";
    Extracted x = ExtractMessage(m, {});
    cut += x.skipped.empty() ? 0 : 1;
    if (const TextPart* a = Find(x, "", "addresses")) {
      EXPECT_LT(a->text.size(), size_t{2} << 20) << "round " << round;
    }
  }
  EXPECT_GE(cut, 10);  // the cut was reached
}

TEST(Mime, HeaderFieldsPastTenThousandAreLeftOutAndSaid) {
  // 200,000 short fields (GMime makes an object of each): the first 10,000
  // are read, the rest named as not read, and the body is still there.
  std::string m = "From: a@example-usd.org\r\nSubject: many\r\n";
  for (int i = 0; i < 200000; ++i) m += "X-H" + std::to_string(i) + ": v\r\n";
  m += "\r\nSSN 536-22-8145\r\n";
  Extracted x = ExtractMessage(m, {});
  ASSERT_EQ(x.skipped.size(), 1u);
  EXPECT_NE(
      x.skipped[0].reason.find(
          "190002 header fields past the first 10000 read as plain text only"),
      std::string::npos)
      << x.skipped[0].reason;
  EXPECT_EQ(x.message.from.size(), 1u);
  EXPECT_LE(x.message.headers.size(), 200u);
  // What the body is still counts when it comes after the cut: a base64
  // attachment is decoded, not read as text.
  std::string late = "Subject: late\r\n";
  for (int i = 0; i < 12000; ++i) late += "X-H: v\r\n";
  late +=
      "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "U1NOIDUzNi0yMi04MTQ1Cg==\r\n";  // "SSN 536-22-8145"
  Extracted y = ExtractMessage(late, {});
  const TextPart* decoded = Body(y);
  ASSERT_NE(decoded, nullptr);
  EXPECT_NE(decoded->text.find("536-22-8145"), std::string::npos)
      << decoded->text.substr(0, 80);
  const TextPart* body = Body(x);
  ASSERT_NE(body, nullptr);
  EXPECT_NE(body->text.find("536-22-8145"), std::string::npos);
}

TEST(Mime, WhatTheHeaderCutLeavesOutIsStillInspectedAsText) {
  // A field past the 10,000th, and an address past the address fields'
  // allowance, are not parsed as header fields, but their text is read:
  // the cut hides nothing.
  std::string m = "From: a@example-usd.org\r\nSubject: many\r\n";
  for (int i = 0; i < 12000; ++i) m += "X-H: v\r\n";
  m += "X-Note: SSN 536-22-8145\r\n";
  std::string to = "To: first@example.com";
  for (int i = 0; i < 40000; ++i) to += ", u" + std::to_string(i) + "@x.org";
  m += to + ", hidden.outside@gmail.com\r\n\r\nhello\r\n";
  Extracted x = ExtractMessage(m, {});
  ASSERT_EQ(x.skipped.size(), 1u);
  EXPECT_NE(x.skipped[0].reason.find("read as plain text only"),
            std::string::npos);
  bool ssn = false, address = false;
  for (const TextPart& t : x.texts) {
    ssn |= t.text.find("SSN 536-22-8145") != std::string::npos;
    address |= t.text.find("hidden.outside@gmail.com") != std::string::npos;
  }
  EXPECT_TRUE(ssn);
  EXPECT_TRUE(address);
}

TEST(Mime, PartsPastTheLimitAreNotBuiltButTheirTextIsRead) {
  // GMime builds every part before the walk can stop (a million empty
  // parts took 1.2 GB): past max_parts boundary lines the parser is given
  // no more, and the rest of the message is read as plain text.
  std::string m =
      "Subject: many\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=Z\r\n\r\n";
  for (int i = 0; i < 5000; ++i) m += "--Z\r\n\r\nx\r\n";
  m += "--Z\r\nContent-Type: text/plain\r\n\r\nSSN 536-22-8145\r\n--Z--\r\n";
  Limits l;
  l.max_parts = 50;
  Extracted x = ExtractMessage(m, l);
  ASSERT_EQ(x.skipped.size(), 1u);
  EXPECT_NE(x.skipped[0].reason.find("more than 50 MIME parts"),
            std::string::npos)
      << x.skipped[0].reason;
  EXPECT_LE(x.texts.size(), 60u);
  bool found = false;
  for (const TextPart& t : x.texts)
    found |= t.text.find("SSN 536-22-8145") != std::string::npos;
  EXPECT_TRUE(found);
  // A message over 64 KiB is not given to the parser past the limit.
  std::string big =
      "Subject: many\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=Z\r\n\r\n";
  for (int i = 0; i < 20000; ++i) big += "--Z\r\n\r\nx\r\n";
  big += "--Z\r\nContent-Type: text/plain\r\n\r\nSSN 536-22-8145\r\n--Z--\r\n";
  Extracted b = ExtractMessage(big, l);
  ASSERT_EQ(b.skipped.size(), 1u);
  EXPECT_NE(b.skipped[0].reason.find("were not read as parts (more than 50 "
                                     "MIME parts)"),
            std::string::npos)
      << b.skipped[0].reason;
  EXPECT_LE(b.texts.size(), 60u);
  found = false;
  for (const TextPart& t : b.texts)
    found |= t.text.find("SSN 536-22-8145") != std::string::npos;
  EXPECT_TRUE(found);
  // Lines that begin with "--" but no declared boundary (SQL comments, a
  // report's rules) make no parts: such a message is read whole.
  std::string sql =
      "Subject: script\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\n"
      "Content-Type: text/plain\r\n\r\n";
  for (int i = 0; i < 5000; ++i)
    sql += "-- step " + std::to_string(i) + "\r\nSELECT 1;\r\n";
  sql += "SSN 536-22-8145\r\n--Z--\r\n";
  Extracted q = ExtractMessage(sql, l);
  EXPECT_TRUE(q.skipped.empty()) << q.skipped[0].reason;
  EXPECT_TRUE(q.flags.empty());
  const TextPart* script = Find(q, "1", "body");
  ASSERT_NE(script, nullptr);
  EXPECT_NE(script->text.find("536-22-8145"), std::string::npos);
  // A message with fewer parts than the limit is read whole, as parts.
  l.max_parts = 6000;
  Extracted y = ExtractMessage(m, l);
  EXPECT_TRUE(y.skipped.empty());
  const TextPart* last = Find(y, "5001", "body");
  ASSERT_NE(last, nullptr);
  EXPECT_NE(last->text.find("536-22-8145"), std::string::npos);
}

TEST(Mime, HeaderFieldsOfNestedPartsAreCountedTooAndTheRestReadAsText) {
  // A part's header block of 60,000 fields: the parser stops after 50,000
  // fields in all, and what it did not read, the part's body among it, is
  // read as plain text.
  std::string m =
      "Subject: nested\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=Z\r\n\r\n"
      "--Z\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
      "--Z\r\nContent-Type: text/plain\r\n";
  for (int i = 0; i < 60000; ++i) m += "a: b\r\n";
  m += "\r\nSSN 536-22-8145\r\n--Z--\r\n";
  Extracted x = ExtractMessage(m, {});
  ASSERT_EQ(x.skipped.size(), 1u);
  EXPECT_NE(x.skipped[0].reason.find("more than 50000 header fields"),
            std::string::npos)
      << x.skipped[0].reason;
  const TextPart* first = Find(x, "1", "body");
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first->text.find("first part"), std::string::npos);
  bool found = false;
  for (const TextPart& t : x.texts)
    found |= t.text.find("SSN 536-22-8145") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST(Mime, ALargeHtmlPageIsReadWithoutATreeToItsEnd) {
  // 6 MB of short elements (a tree of the whole page took forty times its
  // size): the parser's events are read instead of a tree, all of the page,
  // with entities decoded and tags and comments between digits gone, as
  // for a small page. A '<' in an attribute that would open a comment
  // hides nothing.
  std::string page = "<html><body><p>first 536-22-8145</p>";
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 500000; ++j) page += "<br>";
    page += "<img alt=\"<!--\"><p>part " + std::to_string(i) + " ends</p>";
  }
  page +=
      "<p>entities &#53;&#51;&#54;&#45;22-8146</p>"
      "<p>tags 5<b></b>36-2<i></i>2-81<span>47</span></p>"
      "<p>comment 536<!-- x -->-22-<!---->8148</p>"
      "<p>bogus 536<!x>-22<![CDATA[]]>-8149</ x> <!--->end</p>"
      "<p title=\"<!--\">attribute 536<!x>-22-8152</p><!-- -->"
      "<p>hidden <span style=\"Display: None\">9</span>536-22-8150 and "
      "<img hidden src=\"x.png\"><br hidden>after 536-22-8151</p>"
      "<script>var s = 1;</script><style>p { color: red }</style>"
      "<p>last 4539 1488 0343 6467</p></body></html>";
  Extracted x = ExtractMessage(
      "Subject: page\r\nContent-Type: text/html\r\n\r\n" + page, {});
  EXPECT_TRUE(x.skipped.empty());
  const TextPart* body = Body(x);
  ASSERT_NE(body, nullptr);
  for (const char* part :
       {"first 536-22-8145", "part 0 ends", "part 1 ends", "part 2 ends",
        "entities 536-22-8146", "tags 536-22-8147", "comment 536-22-8148",
        "bogus 536-22-8149 end", "attribute 536-22-8152",
        "hidden 536-22-8150 and", "after 536-22-8151",
        "last 4539 1488 0343 6467"}) {
    const size_t at = body->text.find(part);
    EXPECT_NE(at, std::string::npos) << part;
    EXPECT_EQ(body->text.find(part, at + 1), std::string::npos) << part;
  }
  EXPECT_EQ(body->text.find("color"), std::string::npos);
  EXPECT_EQ(body->text.find("var s"), std::string::npos);
  const TextPart* script = Find(x, "", "script");
  if (script == nullptr) script = Find(x, "1", "script");
  ASSERT_NE(script, nullptr);
  EXPECT_NE(script->text.find("var s = 1;"), std::string::npos);
  EXPECT_LT(body->text.size(), size_t{4} << 20);
  // A small page (read as a tree) reads the same.
  const size_t tail = page.find("<p>entities");
  Extracted small = ExtractMessage(
      "Subject: page\r\nContent-Type: text/html\r\n\r\n<html><body>" +
          page.substr(tail),
      {});
  const TextPart* sb = Body(small);
  ASSERT_NE(sb, nullptr);
  for (const char* part :
       {"entities 536-22-8146", "tags 536-22-8147", "comment 536-22-8148",
        "bogus 536-22-8149 end", "attribute 536-22-8152",
        "hidden 536-22-8150 and", "after 536-22-8151"})
    EXPECT_NE(sb->text.find(part), std::string::npos) << part << sb->text;
}

TEST(Mime, HtmlReadsAsItsReaderSeesItLargeOrSmall) {
  // Each page shows a number; each is read, as a tree (under 4 MiB) and
  // from the parser's events (over it).
  const struct {
    std::string page, shown;
  } cases[] = {
      // libxml2 would switch decoders at the <meta> and read garbage;
      // HTML5 readers take UTF-16 there to mean UTF-8.
      {"<meta charset=\"utf-16le\"><p>SSN 536-22-8153</p>", "536-22-8153"},
      // Style text is not markup: no comment opens in it.
      {"<style>p{font-family:\"<!x\"}</style><p>SSN 536-22-8154</p>",
       "536-22-8154"},
      {"<script>if (a</ b) {}</script><p>SSN 536-22-8155</p>", "536-22-8155"},
      // A style this reader does not follow to its end: the text as
      // written is read too.
      {"<p>SSN 536-22-<span style=\"display:none;display:inline\">8156</span>"
       "</p>",
       "536-22-8156"},
      // A data table's cell reads as shown.
      {"<table><tr><th>Name</th><th>SSN</th></tr><tr><td>Ann Lee</td>"
       "<td>536-22-<b>8157</b></td></tr><tr><td>Bo Li</td><td>x</td></tr>"
       "</table>",
       "536-22-8157"},
  };
  std::string padding;
  for (int i = 0; i < 1200000; ++i) padding += "<br>";
  for (const auto& c : cases) {
    for (const bool large : {false, true}) {
      Extracted x =
          ExtractMessage("Subject: page\r\nContent-Type: text/html\r\n\r\n" +
                             c.page + (large ? padding : ""),
                         {});
      bool found = false;
      for (const TextPart& t : x.texts)
        found |= t.text.find(c.shown) != std::string::npos;
      EXPECT_TRUE(found) << c.page << (large ? " (large)" : "");
    }
  }
}

TEST(Mime, TextAStyleHidesDoesNotSplitANumberTheReaderSees) {
  // Characters hidden by an inline style, inside a number the reader sees:
  // the number is read whole, as a tree and from the parser's events; what
  // was hidden is still read (with the comments).
  // Each as a span; as a div too where the div has no box to break the
  // line (a div of no font size is a line of its own, for the reader too).
  const struct {
    const char* style;
    bool block;
  } styles[] = {{"font-size:0", false},
                {"font:0/0 a", false},
                {"opacity:0", false},
                {"display:/**/none", true},
                {"color:transparent", false},
                {"position:absolute;left:-9999px", true},
                {"display:inline-block;max-height:0;overflow:hidden", true},
                {"display:n\\6f ne", true}};
  std::string padding;
  for (int i = 0; i < 1200000; ++i) padding += "<br>";
  int k = 0;
  for (const auto& [style, block] : styles) {
    const std::string number = "536-22-" + std::to_string(8160 + k++);
    for (const char* element : {"span", "div"}) {
      if (!block && element == std::string("div")) continue;
      const std::string page = std::string("<div>SSN ") + number.substr(0, 7) +
                               "<" + element + " style=\"" + style + "\">x9</" +
                               element + ">" + number.substr(7) +
                               " today</div>";
      for (const bool large : {false, true}) {
        Extracted x =
            ExtractMessage("Subject: page\r\nContent-Type: text/html\r\n\r\n" +
                               page + (large ? padding : ""),
                           {});
        const TextPart* body = Body(x);
        ASSERT_NE(body, nullptr);
        EXPECT_NE(body->text.find("SSN " + number + " today"),
                  std::string::npos)
            << page << (large ? " (large)" : "");
        bool hidden_read = false;
        for (const TextPart& t : x.texts)
          hidden_read |= t.view == core::View::kComments &&
                         t.text.find("x9") != std::string::npos;
        EXPECT_TRUE(hidden_read) << page << (large ? " (large)" : "");
      }
    }
  }
}

TEST(Mime, TextAStyleSheetHidesDoesNotSplitANumberTheReaderSees) {
  std::string padding;
  for (int i = 0; i < 1200000; ++i) padding += "<br>";
  for (const bool large : {false, true}) {
    Extracted x = ExtractMessage(
        "Subject: page\r\nContent-Type: text/html\r\n\r\n"
        "<html><head><style>@media all{.z{font-size:0px}} "
        "b.k{opacity:0}</style></head><body>"
        "<div>SSN 536-22-<span class=\"a z\">x9</span>8180 and 536-22-"
        "<b class=k>7</b>8181.</div>" +
            (large ? padding : std::string()) + "</body></html>",
        {});
    const TextPart* body = Body(x);
    ASSERT_NE(body, nullptr);
    EXPECT_NE(body->text.find("SSN 536-22-8180 and 536-22-8181."),
              std::string::npos)
        << (large ? "large" : "small");
  }
}

TEST(Mime, TextInADataTableOutsideItsCellsIsRead) {
  // A browser shows it above the table.
  Extracted x = ExtractMessage(
      "Subject: t\r\nContent-Type: text/html\r\n\r\n"
      "<table><tr><th>Name</th><th>Room</th></tr>SSN 536-22-8190"
      "<tr><td>Ann Lee</td><td>12</td></tr><tr><td>Bo Li</td><td>14</td>"
      "</tr><b>and 536-22-8191</b></table>",
      {});
  std::string read;
  for (const TextPart& t : x.texts)
    if (t.view == core::View::kBody) read += t.text;
  EXPECT_NE(read.find("SSN 536-22-8190"), std::string::npos) << read;
  EXPECT_NE(read.find("and 536-22-8191"), std::string::npos) << read;
}

TEST(Mime, AReadingThatTakesTooMuchAsHiddenLosesNothing) {
  // A parent taken as hiding (wrongly, or a child shows its text again)
  // around a number with a character truly hidden inside it: the number is
  // still read whole, as the reader sees it.
  const char* pages[] = {
      "<div style=\"font-size:0\"><span style=\"font-size:16px\">536-22-"
      "<b style=\"display:none\">0</b>8123</span></div>",
      "<div style=\"color:transparent\"><span style=\"color:black\">536-22-"
      "<b hidden>0</b>8123</span></div>",
      "<span style=\"width:0;height:0;overflow:hidden\">536-22-<b hidden>0</b>"
      "8123</span>",
      "<style>:is(.zz){display:none} p:not(p){display:none} "
      "p[lang=fr]{display:none} @media print{p{display:none}}</style>"
      "<p lang=en>536-22-<b hidden>0</b>8123</p>",
      "<style media=print>p{display:none}</style><p>536-22-<b hidden>0</b>8123"
      "</p>",
      "<template><style>p{display:none}</style></template><p>536-22-<b hidden>"
      "0</b>8123</p>",
      "<p>536-22-<span style=\"display:none;display:nonee\">0</span>8123</p>",
      "<p>536-22-<span style=\"font-family:&quot;/*&quot;;display:none;"
      "font-family:&quot;*/&quot;\">0</span>8123</p>",
      // Lines the reader sees apart stay apart, whatever a style says of
      // the element that parts them.
      "<style>br{opacity:0}</style>Student: Ana Ruiz<br>ID 4471<br>"
      "536-22-8123<br>Grade 5",
      "Ref 12<br style=\"opacity:0\">536-22-8123",
      "Ref 12<br style=\"height:0;overflow:hidden\">536-22-8123",
      "Ref 12<div style=\"height:0;overflow:hidden\"></div>536-22-8123",
      "SSN 536-22-8123<div style=\"max-height:0;overflow:hidden\"></div>45",
      "<style type=\"text/plain\">br{display:none}</style>Ref 12<br>"
      "536-22-8123",
      "<table><tr><td>Ref 12<table style=\"height:0;overflow:hidden\"><tr><td>"
      "536-22-8123<br>9</td></tr></table></td></tr></table>",
      "<style>.x, p::nope{display:none}</style>12<p class=x>536-22-8123</p>",
      // MJML's columns: a wrapper of no font size, columns that set one.
      "<div style=\"font-size:0px\"><div style=\"font-size:13px\">SSN "
      "536-22-8123</div></div>",
  };
  std::string padding;
  for (int i = 0; i < 1200000; ++i) padding += "<br>";
  for (const char* page : pages) {
    for (const bool large : {false, true}) {
      Extracted x = ExtractMessage(
          std::string("Subject: t\r\nContent-Type: text/html\r\n\r\n") + page +
              (large ? padding : ""),
          {});
      EXPECT_TRUE(AnyBodyHas(x, "536-22-8123"))
          << page << (large ? " (large)" : "");
    }
  }
}

TEST(Mime, ADataTableIsAlsoReadAsWrittenWhenItsCellsHideText) {
  for (const char* cell :
       {"<span style=\"display:inline-block;height:0;overflow:hidden\">"
        "536-22-</span>8123",
        "<div style=\"font-size:0\"><span style=\"font-size:12px\">536-22-"
        "<b hidden>0</b>8123</span></div>"}) {
    Extracted x = ExtractMessage(
        std::string("Subject: t\r\nContent-Type: text/html\r\n\r\n"
                    "<table><tr><th>Name</th><th>SSN</th></tr><tr><td>Ann</td>"
                    "<td>") +
            cell + "</td></tr><tr><td>Bo</td><td>x</td></tr></table>",
        {});
    EXPECT_TRUE(AnyBodyHas(x, "536-22-8123")) << cell;
  }
}

TEST(Mime, TextAboveADataTableReadsAsOneRun) {
  Extracted x = ExtractMessage(
      "Subject: t\r\nContent-Type: text/html\r\n\r\n"
      "<table>536-22-<tr><td>Name</td><td>x</td></tr><tr><td>a</td><td>b</td>"
      "</tr>8123</table>",
      {});
  EXPECT_TRUE(AnyBodyHas(x, "536-22-8123"));
}

TEST(Mime, WhatADataTableHidesDoesNotSplitACellAndIsStillRead) {
  Extracted x = ExtractMessage(
      "Subject: t\r\nContent-Type: text/html\r\n\r\n"
      "<table><tr><th>Name</th><th>SSN</th></tr>"
      "<tr><td>Ann Lee</td><td>536-22-<span style=\"font-size:0\">7</span>"
      "8170</td></tr><tr><td>Bo Li</td><td>x<div hidden>536-22-8171</div>"
      "</td></tr></table>",
      {});
  bool shown = false, hidden = false;
  for (const TextPart& t : x.texts) {
    shown |= t.view != core::View::kComments &&
             t.text.find("536-22-8170") != std::string::npos;
    hidden |= t.view == core::View::kComments &&
              t.text.find("536-22-8171") != std::string::npos;
  }
  EXPECT_TRUE(shown);
  EXPECT_TRUE(hidden);
}

TEST(Mime, CharactersNobodySeesDoNotSplitANumber) {
  // A zero-width space, a soft hyphen or a word joiner inside a number is
  // not shown by a mail program: the number is read as shown, in plain
  // text and in HTML (as characters or as entities).
  const struct {
    const char* type;
    std::string body, shown;
  } cases[] = {
      {"text/plain",
       "SSN 536\xE2\x80\x8B-22-81\xC2\xAD"
       "45 and 536-2\xE2\x81\xA0"
       "2-8146",
       "SSN 536-22-8145 and 536-22-8146"},
      {"text/html",
       "<p>SSN 536&#8203;-22-81&shy;45, 536\xEF\xBB\xBF-22-8146</p>",
       "SSN 536-22-8145, 536-22-8146"},
      // A no-break space and hyphen (Word and Outlook write them), a
      // minus sign, bidirectional controls, a variation selector, and
      // fullwidth and Arabic-Indic digits: as ASCII.
      {"text/plain",
       "SSN\xC2\xA0"
       "536\xE2\x80\x91"
       "22\xE2\x88\x92"
       "8147, 5\xE2\x80\xAE"
       "36-2\xEF\xB8\x8F"
       "2-8148, \xEF\xBC\x95\xEF\xBC\x93\xEF\xBC\x96-22-"
       "\xD9\xA8\xD9\xA1\xD9\xA4\xD9\xA9",
       "SSN 536-22-8147, 536-22-8148, 536-22-8149"},
  };
  for (const auto& c : cases) {
    Extracted x = OnePart(c.type, c.body);
    const TextPart* b = Body(x);
    ASSERT_NE(b, nullptr) << c.type;
    EXPECT_NE(b->text.find(c.shown), std::string::npos) << b->text;
  }
}

TEST(Mime, TextAReaderSeesReversedIsReadAsShownAndAsStored) {
  // A right-to-left override shows "3218-22-635" as 536-22-8123, in plain
  // text (U+202E up to its pop U+202C or the line's end) and in HTML
  // (<bdo dir="rtl">), also in a page over 4 MiB (read without a tree).
  // The text as stored is kept beside it: a copy of it gives that order.
  const std::string rlo = "\xE2\x80\xAE", pdf = "\xE2\x80\xAC";
  const std::string big(size_t{5} << 20, ' ');
  const struct {
    const char* type;
    std::string body;
    bool found;
  } cases[] = {
      {"text/plain", "SSN " + rlo + "3218-22-635" + pdf + " on file", true},
      {"text/plain", "SSN " + rlo + "3218-22-635\nnext line", true},
      {"text/html", "<p>SSN <bdo dir=\"rtl\">3218-22-635</bdo> on file</p>",
       true},
      {"text/html", "<p>SSN <BDO DIR=' RTL '>3218-<b>22</b>-635</BDO></p>",
       true},
      {"text/html",
       "<p>SSN <bdo dir=\"rtl\">3218-22-635</bdo> on file</p>" + big, true},
      {"text/html",
       "<p>SSN <span style=\"direction: rtl; unicode-bidi: "
       "bidi-override\">3218-22-635</span></p>",
       true},
      {"text/html",
       "<style>.r{unicode-bidi:isolate-override;direction:rtl}</style>"
       "<p>SSN <i class=\"r\">3218-22-635</i></p>",
       true},
      // Twins: no override, so the digits show as written.
      {"text/html", "<p>SSN <bdo dir=\"ltr\">3218-22-635</bdo></p>", false},
      {"text/html",
       "<p>SSN <span style=\"direction:rtl\">3218-22-635</span></p>", false},
      {"text/html",
       "<p>SSN <span style=\"unicode-bidi:bidi-override;direction:ltr\">"
       "3218-22-635</span></p>",
       false},
      {"text/html", "<p dir=\"rtl\">SSN 3218-22-635</p>", false},
      {"text/plain",
       "SSN \xE2\x80\xAB"
       "3218-22-635" +
           pdf,
       false},
  };
  for (const auto& c : cases) {
    Extracted x = OnePart(c.type, c.body);
    const TextPart* b = Body(x);
    ASSERT_NE(b, nullptr) << c.type;
    EXPECT_EQ(b->text.find("536-22-8123") != std::string::npos, c.found)
        << c.body.substr(0, 80) << " -> " << b->text.substr(0, 120);
    EXPECT_NE(b->text.find("3218-22-635"), std::string::npos)
        << b->text.substr(0, 120);
    EXPECT_TRUE(core::IsValidUtf8(b->text));
  }
  // Letters outside ASCII are reversed whole, never split.
  std::string t = "a" + rlo + "\xC3\xA9t\xE6\x9D\x8E" + pdf + "b";
  core::Readable(t);
  EXPECT_EQ(t,
            "a\xC3\xA9t\xE6\x9D\x8E \xE6\x9D\x8Et\xC3\xA9"
            "b");
}

TEST(Mbox, SplitsOnFromLines) {
  std::string mbox =
      "From a Mon Sep  1 08:00:00 2026\nSubject: one\n\nbody one\n\n"
      "From b Mon Sep  1 08:00:00 2026\nSubject: two\n\nbody two\nFrom here "
      "on, still body\n";
  std::vector<std::string> msgs;
  SplitMbox(mbox, [&](std::string_view m) {
    msgs.emplace_back(m);
    return true;
  });
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].rfind("Subject: one", 0), 0u);
  EXPECT_NE(msgs[1].find("From here on"),
            std::string::npos);  // not a separator
}

TEST(Mbox, SeparatorsAfterCrlfBlankLinesAndNoneBeforeTheFirst) {
  auto split = [](std::string_view mbox) {
    std::vector<std::string> msgs;
    SplitMbox(mbox, [&](std::string_view m) {
      msgs.emplace_back(m);
      return true;
    });
    return msgs;
  };
  // CRLF blank lines separate; a "From " right after the separator line,
  // or in a line that does not follow a blank one, does not.
  auto crlf = split(
      "From a Mon Sep  1 08:00:00 2026\r\nFrom here\r\n\r\nbody\r\n\r\n"
      "From b Mon Sep  1 08:00:00 2026\r\nSubject: two\r\n\r\nx\r\nFrom y");
  ASSERT_EQ(crlf.size(), 2u);
  EXPECT_EQ(crlf[0], "From here\r\n\r\nbody\r\n\r\n");
  EXPECT_EQ(crlf[1], "Subject: two\r\n\r\nx\r\nFrom y");
  // Text before the first separator is not a message; a last separator
  // without a line end ends the file.
  auto lead = split("junk\n\nFrom a x\nS: 1\n\nb\n\nFrom c");
  ASSERT_EQ(lead.size(), 1u);
  EXPECT_EQ(lead[0], "S: 1\n\nb\n\n");
  EXPECT_TRUE(split("no separator at all\n\nFrom").empty());
}

TEST(Sniff, TellsMessagesMboxTextAndBinaryApart) {
  EXPECT_EQ(Sniff("From x Mon Sep 1\nSubject: a\n\nb", "f"), FileKind::kMbox);
  EXPECT_EQ(Sniff("Subject: a\nFrom: b\n\nbody", "f.eml"), FileKind::kMessage);
  EXPECT_EQ(Sniff("Dear parents,\nthe field trip is on Friday.\n", "f.txt"),
            FileKind::kText);
  EXPECT_EQ(Sniff(std::string("PK\x03\x04\0\0", 6), "f.txt"),
            FileKind::kBinary);
}

TEST(Sniff, ANulByteHidesNeitherAMailboxNorAMessage) {
  // One NUL in a subject made the whole file "binary": a mailbox of
  // student records was never read. Its messages are read whole, the
  // second one's body too.
  const std::string nul("\0", 1);
  const std::string first =
      "From a@example-usd.org Mon Dec  7 10:00:00 2026\n"
      "From: a@example-usd.org\nSubject: Re" +
      nul +
      "port\n\n"
      "Date of birth 04/12/2011 for Maria.\n\n";
  const std::string second =
      "From b@example-usd.org Mon Dec  7 10:05:00 2026\n"
      "From: b@example-usd.org\nSubject: Grades\n\n"
      "SSN 536-22-8123 on file.\n";
  EXPECT_EQ(Sniff(first + second, "mail.mbox"), FileKind::kMbox);
  EXPECT_EQ(Sniff("Subject: Re" + nul + "port\nFrom: b@x.org\n\nbody", "m.eml"),
            FileKind::kMessage);
  testing::TempDir dir("steward-sniff");
  for (const std::string& file :
       {dir.Write("mail.mbox", first + second),
        dir.Write("cur/1.eml", "From: a@example-usd.org\nSubject: x" + nul +
                                   "y\n\nSSN 536-22-8123 on file.\n")}) {
    std::string all;
    size_t items = 0;
    ReadItems(file, Limits{}, [&](Item&& it) {
      ++items;
      for (const auto& t : it.content.texts) all += t.text + "\n";
    });
    EXPECT_NE(all.find("536-22-8123"), std::string::npos) << file;
    EXPECT_EQ(items, file.ends_with(".mbox") ? 2u : 1u) << file;
  }
}

TEST(Sniff, AMailboxCutShortWhileItIsReadIsAnErrorNotACrash) {
  // A mail program compacts the mailbox while it is scanned. Before, the
  // scan died of SIGBUS on the first page past the new end; now what was
  // read whole is reported, and the rest is an error naming the file.
  std::string mbox;
  std::vector<size_t> starts;
  for (int i = 0; i < 3; ++i) {
    starts.push_back(mbox.size());
    mbox +=
        "From a@example-usd.org Mon Dec  7 10:00:00 2026\n"
        "From: a@example-usd.org\nSubject: roster " +
        std::to_string(i) + "\n\nSSN 536-22-8123 on file.\n";
    mbox += std::string(300 * 1024, 'x') + "\n\n";
  }
  testing::TempDir dir("steward-cut");
  const std::string path = dir.Write("big.mbox", mbox);
  std::vector<ItemRef> refs;
  ListItems(path, [&](ItemRef&& r) { refs.push_back(std::move(r)); });
  ASSERT_EQ(refs.size(), 3u);
  // Cut in the middle of the second message.
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(starts[1] + 5000)), 0);
  std::vector<Item> items;
  for (const auto& r : refs) items.push_back(ExtractItem(r, Limits{}));
  EXPECT_TRUE(items[0].error.empty()) << items[0].error;
  std::string first;
  for (const auto& t : items[0].content.texts) first += t.text;
  EXPECT_NE(first.find("536-22-8123"), std::string::npos);
  for (int i : {1, 2}) {
    EXPECT_NE(items[i].error.find(path + ": the file shrank while it was read"),
              std::string::npos)
        << i << ": " << items[i].error;
    EXPECT_TRUE(items[i].content.texts.empty()) << i;
  }
}

}  // namespace
}  // namespace steward::extract
