// EasyList network filters as a site audit uses them: anchors, separators,
// wildcards, exceptions, options; what is not understood is skipped, never
// applied half.
#include "publish/adfilter.h"

#include <gtest/gtest.h>

namespace steward::publish {
namespace {

bool Blocked(const FilterList& l, std::string_view url,
             Resource type = Resource::kScript,
             std::string_view source = "www.example-usd.org") {
  return l.Matches({url, source, type}).has_value();
}

TEST(AdFilter, HostAnchorsMatchTheHostAndItsSubdomainsOnly) {
  auto l = FilterList::Build({"||googlesyndication.com^"});
  EXPECT_TRUE(
      Blocked(*l, "https://pagead2.googlesyndication.com/pagead/js/x.js"));
  EXPECT_TRUE(Blocked(*l, "https://googlesyndication.com/"));
  EXPECT_TRUE(Blocked(*l, "https://googlesyndication.com"));
  EXPECT_FALSE(Blocked(*l, "https://notgooglesyndication.com/"));
  EXPECT_FALSE(Blocked(*l, "https://googlesyndication.com.evil.net/"));
  EXPECT_FALSE(Blocked(*l, "https://example.org/?u=googlesyndication.com"));
}

TEST(AdFilter, WildcardsSeparatorsAndPlainAnchors) {
  auto l = FilterList::Build(
      {"/pagead/js/*.js", "|http://ads.", "swf|", "/banner^", "&ad_box_"});
  EXPECT_TRUE(Blocked(*l, "https://x.org/pagead/js/adsbygoogle.js"));
  EXPECT_TRUE(Blocked(*l, "http://ads.example.com/a"));
  EXPECT_FALSE(Blocked(*l, "https://ads.example.com/a"));
  EXPECT_TRUE(Blocked(*l, "https://x.org/movie.swf"));
  EXPECT_FALSE(Blocked(*l, "https://x.org/movie.swf?x=1"));
  EXPECT_TRUE(Blocked(*l, "https://x.org/banner/1"));
  EXPECT_TRUE(Blocked(*l, "https://x.org/banner"));
  EXPECT_FALSE(Blocked(*l, "https://x.org/banners/1"));
  EXPECT_TRUE(Blocked(*l, "https://x.org/q?a=1&ad_box_=2"));
}

TEST(AdFilter, ExceptionsWinUnlessAFilterIsImportant) {
  auto l = FilterList::Build({"||ads.example.com^", "@@||ads.example.com/ok/",
                              "||tracker.net^$important", "@@||tracker.net^"});
  EXPECT_TRUE(Blocked(*l, "https://ads.example.com/x.js"));
  EXPECT_FALSE(Blocked(*l, "https://ads.example.com/ok/x.js"));
  EXPECT_TRUE(Blocked(*l, "https://tracker.net/p.gif"));
}

TEST(AdFilter, OptionsLimitTypesPartiesAndDomains) {
  auto l = FilterList::Build(
      {"||cdn.net/ad$image", "||widget.io^$third-party",
       "||pop.io^$domain=school.org|~kids.school.org",
       "||local.org/track$~script", "||x.com^$csp=script-src 'none'",
       "example.com##.ad-banner", "! a comment", "[Adblock Plus 2.0]"});
  EXPECT_TRUE(Blocked(*l, "https://cdn.net/ad.png", Resource::kImage));
  EXPECT_FALSE(Blocked(*l, "https://cdn.net/ad.js", Resource::kScript));
  EXPECT_TRUE(Blocked(*l, "https://widget.io/w.js"));
  EXPECT_FALSE(Blocked(*l, "https://widget.io/w.js", Resource::kScript,
                       "www.widget.io"));
  EXPECT_TRUE(
      Blocked(*l, "https://pop.io/p", Resource::kScript, "www.school.org"));
  EXPECT_FALSE(
      Blocked(*l, "https://pop.io/p", Resource::kScript, "kids.school.org"));
  EXPECT_FALSE(Blocked(*l, "https://pop.io/p", Resource::kScript, "other.org"));
  EXPECT_TRUE(Blocked(*l, "https://local.org/track", Resource::kImage));
  EXPECT_FALSE(Blocked(*l, "https://local.org/track", Resource::kScript));
  // A filter whose option is not understood is skipped, not applied half.
  EXPECT_FALSE(Blocked(*l, "https://x.com/"));
  EXPECT_EQ(l->stats().unsupported, 1u);
  EXPECT_EQ(l->stats().cosmetic, 1u);
  EXPECT_EQ(l->stats().network, 4u);
  // Pages themselves are not matched by filters without a type.
  EXPECT_FALSE(Blocked(*l, "https://widget.io/", Resource::kDocument));
}

TEST(AdFilter, RegexFiltersAndCase) {
  auto l =
      FilterList::Build({"/\\/ad[0-9]+\\.js$/", "||case.org/Ad$match-case"});
  EXPECT_TRUE(Blocked(*l, "https://x.org/AD12.js"));
  EXPECT_FALSE(Blocked(*l, "https://x.org/ad.js"));
  EXPECT_TRUE(Blocked(*l, "https://case.org/Ad"));
  EXPECT_FALSE(Blocked(*l, "https://case.org/ad"));
}

// A hostile page's links and a list's regular expressions cost bounded
// time: an unanchored pattern stops once a start past its star failed, a
// regex works within PCRE2's limits.
TEST(AdFilter, HostileUrlsAndExpressionsEnd) {
  auto l = FilterList::Build({"/ads/*.js", "a*a*a*a*b", "/(a+)+$/"});
  std::string url = "https://x.example.net/";
  for (int i = 0; i < 250000; ++i) url += "ads/";
  EXPECT_FALSE(Blocked(*l, url));
  std::string as = "https://x.example.net/" + std::string(200000, 'a') + "!";
  EXPECT_FALSE(Blocked(*l, as));
  EXPECT_FALSE(
      Blocked(*l, "https://ads.example.net/" + std::string(28, 'a') + "!"));
  EXPECT_TRUE(Blocked(*l, "https://x.org/ads/x.js"));
}

TEST(AdFilter, HostileLinesAndUrlsAreHarmless) {
  auto l = FilterList::Build({"", "$", "@@", "||", "|", "*", "/[/", "^^^",
                              std::string(5000, '*') + "a",
                              "||" + std::string(3000, 'a') + "^"});
  std::string url = "https://" + std::string(100000, 'a') + ".org/";
  (void)l->Matches({url, "", Resource::kScript});
  (void)l->Matches({"", "", Resource::kScript});
  (void)l->Matches({"not a url", "", Resource::kScript});
  EXPECT_EQ(HostOf("https://user:pw@Ads.Example.com:8080/x"),
            "ads.example.com");
  EXPECT_EQ(SiteOf("a.b.bbc.co.uk"), "bbc.co.uk");
  EXPECT_EQ(SiteOf("pagead2.googlesyndication.com"), "googlesyndication.com");
  EXPECT_EQ(SiteOf("10.0.0.1"), "10.0.0.1");
}

}  // namespace
}  // namespace steward::publish
