// robots.txt as RFC 9309 reads it: our group or "*", longest match, Allow
// winning a tie, * and $, Crawl-delay; junk gives an answer, not a crash.
#include "publish/robots.h"

#include <gtest/gtest.h>

namespace steward::publish {
namespace {

TEST(Robots, TheGroupForUsOrForEveryone) {
  auto r = Robots::Parse(
      "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n\n"
      "User-agent: OtherBot\nDisallow: /\n",
      "Steward-site-audit");
  EXPECT_FALSE(r.Allowed("/private/a.html"));
  EXPECT_TRUE(r.Allowed("/public/a.html"));
  EXPECT_EQ(r.delay_ms(), 2000u);
  auto ours = Robots::Parse(
      "User-agent: *\nDisallow: /\n\nuser-agent: steward-site-audit\n"
      "Disallow: /drafts\nAllow: /drafts/ok$\n",
      "Steward-site-audit");
  EXPECT_TRUE(ours.Allowed("/index.html"));
  EXPECT_FALSE(ours.Allowed("/drafts/x"));
  EXPECT_TRUE(ours.Allowed("/drafts/ok"));
  EXPECT_FALSE(ours.Allowed("/drafts/ok/more"));
}

TEST(Robots, LongestMatchAndWildcards) {
  auto r = Robots::Parse(
      "User-agent: *\nDisallow: /*.pdf$\nDisallow: /a\nAllow: /a/b\n"
      "Disallow: /x?\nDisallow:\n# comment\nAllow: /same\nDisallow: /same\n",
      "Steward-site-audit");
  EXPECT_FALSE(r.Allowed("/docs/f.pdf"));
  EXPECT_TRUE(r.Allowed("/docs/f.pdf?x=1"));
  EXPECT_FALSE(r.Allowed("/a/c"));
  EXPECT_TRUE(r.Allowed("/a/b/c"));
  EXPECT_FALSE(r.Allowed("/x?y=1"));
  EXPECT_TRUE(r.Allowed("/same"));  // Allow wins a tie
}

TEST(Robots, JunkAndHugeFilesGiveAnAnswer) {
  std::string junk(2 << 20, '*');
  auto r = Robots::Parse("User-agent: *\nDisallow: /" + junk, "x");
  EXPECT_FALSE(r.Allowed("/anything"));
  auto empty = Robots::Parse(std::string("\0\xff\r\n:::", 7), "x");
  EXPECT_TRUE(empty.Allowed("/"));
  EXPECT_TRUE(Robots::AllowAll().Allowed("/x"));
}

}  // namespace
}  // namespace steward::publish
