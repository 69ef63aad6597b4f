// Productions: the files a reviewer loads, contiguous Bates numbers, the
// same bytes on re-export, and a check that finds any change.
#include "release/production.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/text.h"
#include "test_util.h"

namespace steward::release {
namespace {

namespace fs = std::filesystem;

std::vector<Document> Docs() {
  Document a;
  a.bytes =
      "From: Ana Ruiz <aruiz@district.example>\r\nTo: board@district.example"
      "\r\nSubject: Budget\r\n\r\nFrom the minutes:\r\n>From last year\r\n"
      "the budget grew.\r\n";
  a.item = "41";
  a.custodian = "aruiz";
  a.from = "Ana Ruiz <aruiz@district.example>";
  a.to = "board@district.example";
  a.subject = "Budget";
  a.date = 1764612000;
  a.source_sha256 = std::string(64, 'a');
  Document b;
  b.bytes =
      "From: x@district.example\nSubject: Re: \xC3\xBE\x14 odd\n\nNo "
      "newline at the end";
  b.item = "42";
  b.subject = "Re: \xC3\xBE\x14 odd\nsecond line";
  b.log = {{"1", "text/plain", "ssn", "7927.700", 2, false}};
  return {a, b};
}

class Production : public testing::TempDirTest {
 protected:
  std::string Dir(const std::string& name) { return (dir_ / name).string(); }
};

TEST_F(Production, IsWholeAndTheSameOnReExport) {
  ProductionOptions o;
  o.prefix = "SUSD";
  o.first = 99;
  auto p = WriteProduction(Dir("p1"), Docs(), o);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->first_bates, "SUSD-000099");
  EXPECT_EQ(p->last_bates, "SUSD-000100");
  auto v = VerifyProduction(Dir("p1"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->problems.empty()) << core::Join(v->problems, "\n");
  EXPECT_EQ(v->documents, 2u);
  // A body line "From " is quoted in the mbox and comes back whole.
  auto mbox = core::ReadFile(Dir("p1/messages.mbox"), 1 << 20);
  ASSERT_TRUE(mbox.ok());
  EXPECT_NE(mbox->find("\n>>From last year\n"), std::string::npos);
  EXPECT_NE(mbox->find("\n>From the minutes:\n"), std::string::npos);
  EXPECT_TRUE(mbox->starts_with(
      "From aruiz@district.example Mon Dec  1 18:00:00 2025\n"));
  // The load file's odd characters are made safe, newlines written ®.
  auto dat = core::ReadFile(Dir("p1/loadfile.dat"), 1 << 20);
  ASSERT_TRUE(dat.ok());
  EXPECT_NE(dat->find("Re: th  odd\xC2\xAEsecond line"), std::string::npos);
  // The redaction log: a header and one line a redaction.
  auto log = core::ReadFile(Dir("p1/redaction-log.csv"), 1 << 20);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(*log,
            "\"BATES\",\"PART\",\"WHERE\",\"CATEGORY\",\"EXEMPTION\","
            "\"COUNT\",\"WITHHELD\"\r\n\"SUSD-000100\",\"1\",\"text/plain\","
            "\"ssn\",\"7927.700\",\"2\",\"N\"\r\n");
  auto again = WriteProduction(Dir("p2"), Docs(), o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->manifest_sha256, p->manifest_sha256);
  for (const char* f : {"messages.mbox", "loadfile.dat", "redaction-log.csv",
                        "manifest.sha256", "natives/SUSD-000100.eml"})
    EXPECT_EQ(core::ReadFile(Dir(std::string("p1/") + f), 1 << 20).value(),
              core::ReadFile(Dir(std::string("p2/") + f), 1 << 20).value())
        << f;
}

TEST_F(Production, TheCheckFindsEveryChange) {
  ASSERT_TRUE(WriteProduction(Dir("p"), Docs(), {}).ok());
  // A native changed by a byte.
  Write("p/natives/DIST-000001.eml", "From: someone else\n\nchanged\n");
  // A file slipped in.
  Write("p/extra.txt", "x");
  auto v = VerifyProduction(Dir("p"));
  ASSERT_TRUE(v.ok());
  std::string all = core::Join(v->problems, "\n");
  EXPECT_NE(all.find("natives/DIST-000001.eml: its SHA-256 is not the "
                     "manifest's"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("extra.txt: not in the manifest"), std::string::npos)
      << all;
  EXPECT_NE(all.find("is not the message the load file hashed"),
            std::string::npos)
      << all;
}

TEST_F(Production, RefusesAFolderThatExistsAndBadNumbers) {
  fs::create_directories(Dir("there"));
  EXPECT_FALSE(WriteProduction(Dir("there"), Docs(), {}).ok());
  ProductionOptions bad;
  bad.prefix = "A B";
  EXPECT_FALSE(WriteProduction(Dir("q"), Docs(), bad).ok());
  bad.prefix = "OK";
  bad.first = 0;
  EXPECT_FALSE(WriteProduction(Dir("q"), Docs(), bad).ok());
  EXPECT_FALSE(WriteProduction(Dir("q"), {}, {}).ok());
  EXPECT_FALSE(fs::exists(Dir("q")));
  EXPECT_FALSE(VerifyProduction(Dir("nowhere")).ok());
}

}  // namespace
}  // namespace steward::release
