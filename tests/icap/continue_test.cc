// The warn page's continue token and grants: a token is good only as made
// (its key, its user and host, before it expires), a grant lasts its time,
// and the door's key is made once and kept private.
#include "channels/icap/continue.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace steward::icap {
namespace {

using Clock = Continues::Clock;

ContinueClaim Claim(int64_t expires) {
  return {"ateacher", "files.example.net", "executable-web-confirm",
          "W-0123456789ab", expires};
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             Clock::now().time_since_epoch())
      .count();
}

TEST(Continue, TokenIsGoodOnlyAsMade) {
  Continues c(std::string(32, 'k'));
  const std::string token = c.Sign(Claim(Now() + 600));
  EXPECT_EQ(token.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
                                    "NOPQRSTUVWXYZ0123456789-_."),
            std::string::npos);
  auto ok = c.Verify(token, Clock::now());
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->user, "ateacher");
  EXPECT_EQ(ok->host, "files.example.net");
  EXPECT_EQ(ok->rule, "executable-web-confirm");
  EXPECT_EQ(ok->reference, "W-0123456789ab");
  // Another key, a changed payload, a cut signature, nonsense.
  EXPECT_EQ(Continues(std::string(32, 'x'))
                .Verify(token, Clock::now())
                .status()
                .message(),
            "the link is not one Steward made");
  const std::string other =
      Continues(std::string(32, 'k'))
          .Sign({"someone", "files.example.net", "executable-web-confirm", "",
                 Now() + 600});
  const std::string forged =
      other.substr(0, other.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(c.Verify(forged, Clock::now()).ok());
  EXPECT_FALSE(c.Verify(token.substr(0, token.size() - 2), Clock::now()).ok());
  EXPECT_FALSE(c.Verify("", Clock::now()).ok());
  EXPECT_FALSE(c.Verify(std::string(10000, 'a'), Clock::now()).ok());
  // Expired.
  EXPECT_EQ(c.Verify(c.Sign(Claim(Now() - 1)), Clock::now()).status().message(),
            "the link has expired");
}

TEST(Continue, GrantsLastTheirTime) {
  Continues c(std::string(32, 'k'));
  const auto now = Clock::now();
  c.Grant(Claim(0), now + std::chrono::minutes(30));
  EXPECT_TRUE(c.Granted("ateacher", "files.example.net",
                        "executable-web-confirm", now));
  EXPECT_FALSE(c.Granted("ateacher", "files.example.net",
                         "executable-web-confirm",
                         now + std::chrono::minutes(31)));
  EXPECT_FALSE(
      c.Granted("other", "files.example.net", "executable-web-confirm", now));
  EXPECT_FALSE(c.Granted("ateacher", "drive.example-usd.org",
                         "executable-web-confirm", now));
  EXPECT_FALSE(c.Granted("ateacher", "files.example.net", "another-rule", now));
  // The names cannot run together into another grant's.
  c.Grant({"a\nb", "c", "r", "", 0}, now + std::chrono::minutes(1));
  EXPECT_FALSE(c.Granted("a", "b\nc", "r", now));
}

TEST(Continue, GrantsAreBounded) {
  Continues c(std::string(32, 'k'));
  const auto now = Clock::now();
  for (size_t i = 0; i < Continues::kMaxGrants + 10; ++i)
    c.Grant({"u" + std::to_string(i), "h", "r", "", 0},
            now + std::chrono::seconds(60 + static_cast<int64_t>(i)));
  // The oldest went first; the newest is kept.
  EXPECT_FALSE(c.Granted("u0", "h", "r", now));
  EXPECT_TRUE(c.Granted("u" + std::to_string(Continues::kMaxGrants + 9), "h",
                        "r", now));
}

class ContinueKey : public testing::TempDirTest {};

TEST_F(ContinueKey, MadeOnceAndPrivate) {
  const std::string path = (dir_ / "web-continue.key").string();
  auto first = LoadOrCreateKey(path);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->size(), 32u);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateKey(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // No temporary file is left beside it.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    files += e.path().filename().string().starts_with("web-continue.key");
  EXPECT_EQ(files, 1u);
  // A key file that is too short is an error that names it.
  const std::string bad = (dir_ / "short.key").string();
  { std::ofstream(bad) << "short"; }
  auto refused = LoadOrCreateKey(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("short.key"), std::string::npos);
  // Without a path: a key for this process.
  EXPECT_NE(LoadOrCreateKey("").value(), LoadOrCreateKey("").value());
}

TEST(Continue, TargetsAndQueries) {
  EXPECT_EQ(TargetPath("http://h.example/.well-known/steward-continue?t=abc"),
            "/.well-known/steward-continue");
  EXPECT_EQ(TargetPath("/a/b?x#y"), "/a/b");
  EXPECT_EQ(TargetPath("https://h.example"), "/");
  EXPECT_EQ(QueryValue("/p?a=1&t=xyz&b=2", "t"), "xyz");
  EXPECT_EQ(QueryValue("/p?tt=1", "t"), "");
  EXPECT_EQ(QueryValue("/p", "t"), "");
  EXPECT_EQ(QueryValue("/p?t=abc#frag", "t"), "abc");
}

}  // namespace
}  // namespace steward::icap
