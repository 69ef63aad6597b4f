#include "core/outbound_mail.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace steward::core {
namespace {

// The header block of a composed message, one string per physical line.
std::vector<std::string> HeaderLines(const std::string& message) {
  std::vector<std::string> out;
  std::istringstream in(message.substr(0, message.find("\n\n")));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(OutboundMail, HostileValuesCannotAddHeaderFields) {
  OutboundMessage m;
  m.from = {"steward@district.example", "IT\r\nBcc: a@evil.example"};
  m.to = {{"ada@district.example", ""}};
  m.subject =
      "Please acknowledge: Annual\r\nBcc: someone@elsewhere.example\n"
      "X-Evil: 1\rContent-Type: text/html";
  m.extra_headers = {{"Auto-Submitted", "auto-generated\nBcc: b@evil.example"}};
  m.body = "Dear Ada,\n\nRead it.\n";
  auto text = ComposeMessage(m);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(text->find('\r'), std::string::npos);
  const std::vector<std::string> expected = {
      "From: \"IT  Bcc: a@evil.example\" <steward@district.example>",
      "To: ada@district.example",
      // One field folded onto a continuation line (it starts with a space).
      "Subject: Please acknowledge: Annual  Bcc: someone@elsewhere.example "
      "X-Evil: 1",
      " Content-Type: text/html",
      "Auto-Submitted: auto-generated Bcc: b@evil.example",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
  };
  EXPECT_EQ(HeaderLines(*text), expected) << *text;
  EXPECT_EQ(text->substr(text->find("\n\n") + 2), "Dear Ada,\n\nRead it.\n");
}

TEST(OutboundMail, NonAsciiIsEncodedAsRfc2047Words) {
  OutboundMessage m;
  m.from = {"steward@district.example", "Servicios de TI"};
  m.to = {{"jose@district.example", "José Núñez"}};
  m.subject = "Acuse de recibo: Reglamento 2026–27";
  m.body = "Hola\n";
  auto text = ComposeMessage(m);
  ASSERT_TRUE(text.ok());
  auto lines = HeaderLines(*text);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[1],
            "To: =?UTF-8?B?Sm9zw6kgTsO6w7Fleg==?= <jose@district.example>");
  EXPECT_EQ(lines[2],
            "Subject: "
            "=?UTF-8?B?QWN1c2UgZGUgcmVjaWJvOiBSZWdsYW1lbnRvIDIwMjbigJMyNw==?=");
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 78u) << l;
    for (unsigned char c : l) EXPECT_LT(c, 0x80) << l;
  }
  // An ASCII text that looks like an encoded word is encoded, not trusted.
  EXPECT_EQ(EncodeHeaderValue("=?UTF-8?B?QmNjOg==?=", 9),
            "=?UTF-8?B?PT9VVEYtOD9CP1FtTmpPZz09Pz0=?=");
  // A long value folds; every line stays within 78 characters.
  std::string long_title(60, 'x');
  long_title += " ";
  long_title += std::string(60, 'y');
  std::string folded = EncodeHeaderValue(long_title, 9);
  EXPECT_EQ(folded, std::string(60, 'x') + "\n " + std::string(60, 'y'));
}

TEST(OutboundMail, AddressesAreCheckedNotEncoded) {
  for (const char* good :
       {"ada@district.example", "o'brien+ack@k12.ca.us", "steward@localhost"}) {
    EXPECT_TRUE(CheckMailAddress(good).ok()) << good;
  }
  for (const char* bad :
       {"", "ada", "ada@", "@district.example", "a@b@c", "ada @x.example",
        "ada@x.example\nBcc: e@evil.example", "Ada <ada@x.example>",
        "-oQ/tmp/x@x.example", "|/bin/sh@x.example", "a..b@x.example",
        "ada@-x.example", "ada@x_y.example", "\"a b\"@x.example",
        "ada@x.example,eve@evil.example", "josé@x.example"}) {
    EXPECT_FALSE(CheckMailAddress(bad).ok()) << bad;
  }
  OutboundMessage m;
  m.from = {"steward@district.example", ""};
  m.to = {{"ada@x.example\r\nBcc: eve@evil.example", ""}};
  EXPECT_FALSE(ComposeMessage(m).ok());
  m.to = {{"ada@x.example", ""}};
  m.extra_headers = {{"Bcc", "eve@evil.example"}};
  EXPECT_FALSE(ComposeMessage(m).ok());
  m.extra_headers = {{"X-A: b", "c"}};
  EXPECT_FALSE(ComposeMessage(m).ok());
  m.extra_headers = {};
  m.to = {};
  EXPECT_FALSE(ComposeMessage(m).ok());
}

TEST(OutboundMail, RecipientsGoOnTheCommandLineNotInHeaders) {
  OutboundMessage m;
  m.from = {"steward@district.example", ""};
  m.to = {{"ada@district.example", ""}, {"grace@district.example", ""}};
  m.subject = "Hello";
  m.body = "x";
  EXPECT_EQ(SendmailArgv({.program = "/usr/sbin/sendmail"}, m),
            (std::vector<std::string>{
                "/usr/sbin/sendmail", "-i", "-f", "steward@district.example",
                "--", "ada@district.example", "grace@district.example"}));
  // Through a stand-in sendmail that writes its arguments and input.
  steward::testing::TempDir tmp("steward-mail");
  const auto& dir = tmp.path();
  std::string out = (dir / "out").string();
  std::string fake = (dir / "sendmail").string();
  std::ofstream(fake) << "#!/bin/sh\necho \"$@\" > " << out << "\ncat >> "
                      << out << "\n";
  chmod(fake.c_str(), 0700);
  ASSERT_TRUE(SendMessage({.program = fake}, m).ok());
  std::ifstream in(out);
  std::string args;
  std::getline(in, args);
  EXPECT_EQ(args,
            "-i -f steward@district.example -- ada@district.example "
            "grace@district.example");
  std::string failing = (dir / "failing").string();
  std::ofstream(failing) << "#!/bin/sh\ncat >/dev/null\nexit 75\n";
  chmod(failing.c_str(), 0700);
  auto st = SendMessage({.program = failing}, m);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("exited 75"), std::string::npos);
}

TEST(OutboundMail, LongBodyLinesAreQuotedPrintable) {
  OutboundMessage m;
  m.from = {"steward@district.example", ""};
  m.to = {{"ada@district.example", ""}};
  m.body = "short\r\n" + std::string(1200, 'a') + "=\n";
  auto text = ComposeMessage(m);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Content-Transfer-Encoding: quoted-printable\n"),
            std::string::npos);
  std::string body = text->substr(text->find("\n\n") + 2);
  EXPECT_EQ(body.rfind("short\n", 0), 0u);
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 76u);
  }
  EXPECT_NE(body.find("=3D\n"), std::string::npos);
}

}  // namespace
}  // namespace steward::core
