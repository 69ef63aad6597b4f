// Look-alike domains of the District, by edit distance, and address
// patterns.
#include "decide/domains.h"

#include <gtest/gtest.h>

namespace steward {
namespace {

TEST(Domains, LookalikesOfTheDistrictAreCaught) {
  const std::vector<std::string> internal = {"example-usd.org",
                                             "students.example-usd.org"};
  EXPECT_EQ(decide::ImitatedDomain("examp1e-usd.org", internal, 2),
            "example-usd.org");
  EXPECT_EQ(decide::ImitatedDomain("exarnple-usd.org", internal, 2),
            "example-usd.org");
  EXPECT_EQ(decide::ImitatedDomain("exmaple-usd.org", internal, 2),
            "example-usd.org");
  EXPECT_EQ(decide::ImitatedDomain("example-usd.com", internal, 2),
            "example-usd.org");
  EXPECT_EQ(
      decide::ImitatedDomain("example-usd.org.mail-login.net", internal, 2),
      "example-usd.org");
  EXPECT_EQ(decide::ImitatedDomain("exampleusd.org", internal, 2),
            "example-usd.org");
  // Not look-alikes: the District itself, its subdomains, strangers.
  EXPECT_EQ(decide::ImitatedDomain("example-usd.org", internal, 2), "");
  EXPECT_EQ(decide::ImitatedDomain("lincoln.example-usd.org", internal, 2), "");
  EXPECT_EQ(decide::ImitatedDomain("gmail.com", internal, 2), "");
  EXPECT_EQ(decide::ImitatedDomain("example.org", internal, 2), "");
  EXPECT_EQ(decide::ImitatedDomain("examp1e-usd.org", internal, 0), "");
}

TEST(Domains, MailRoutedOnFromADistrictAddressLeavesForTheRoutedDomain) {
  // Postfix's defaults make user%domain@ours user@domain and host!user@ours
  // user@host: such mail leaves the District.
  const std::vector<std::string> ours = {"example-usd.org"};
  EXPECT_EQ(decide::DeliveryDomain("x%gmail.com@example-usd.org", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain("X%Gmail.COM.@Example-USD.org", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain("gmail.com!x@example-usd.org", ours),
            "gmail.com");
  // The rightmost '%' first, again while the next hop is ours.
  EXPECT_EQ(decide::DeliveryDomain(
                "x%gmail.com%example-usd.org@example-usd.org", ours),
            "gmail.com");
  EXPECT_EQ(
      decide::DeliveryDomain("x%lincoln.example-usd.org@example-usd.org", ours),
      "lincoln.example-usd.org");
  // Quoted, as Postfix reads it: unquoted first.
  EXPECT_EQ(decide::DeliveryDomain("\"x%gmail.com\"@example-usd.org", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain("\"x@gmail.com\"@example-usd.org", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain("x@gmail.com@example-usd.org", ours),
            "gmail.com");
  // The bang before the percent, as Postfix does: this goes to gmail.com.
  EXPECT_EQ(
      decide::DeliveryDomain("gmail.com!x%vendor.com@example-usd.org", ours),
      "gmail.com");
  // A comment is no part of the address, as Postfix reads it; one left
  // open runs to the end. It cannot hide a routed outside recipient.
  EXPECT_EQ(decide::DeliveryDomain(
                "<x@gmail.com(.example-usd.org!@example-usd.org>", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain(
                "<x@gmail.com(a.example-usd.org!b)@example-usd.org>", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain("x(a\\)b)@gmail.com(c)", ours), "gmail.com");
  // Nor does it, white space or a source route make District mail leave.
  EXPECT_EQ(decide::DeliveryDomain("<x@example-usd.org(c)>", ours),
            "example-usd.org");
  EXPECT_EQ(decide::DeliveryDomain("<x@example-usd.org >", ours),
            "example-usd.org");
  EXPECT_EQ(
      decide::DeliveryDomain("<@gmail.com,@b.org:x@example-usd.org>", ours),
      "example-usd.org");
  // Of nested angle brackets, the innermost is the address, as Postfix
  // parses a phrase before a route-addr.
  EXPECT_EQ(decide::DeliveryDomain(
                "<x@example-usd.org <evil.com!y.example-usd.org>>", ours),
            "evil.com");
  EXPECT_EQ(
      decide::DeliveryDomain("<\"@\" <evil.com!y.example-usd.org>>", ours),
      "evil.com");
  EXPECT_EQ(decide::DeliveryDomain("<Jo <jo@example-usd.org>>", ours),
            "example-usd.org");
  // A comment's parenthesis inside quotes is only a character.
  EXPECT_EQ(decide::DeliveryDomain("\"x(@gmail.com\"@example-usd.org", ours),
            "gmail.com");
  // However many hops through the District.
  std::string hops = "x%gmail.com";
  for (int i = 0; i < 100; ++i) hops += "%example-usd.org";
  EXPECT_EQ(decide::DeliveryDomain(hops + "@example-usd.org", ours),
            "gmail.com");
  // Plain, or routed at an outside domain: its own domain.
  EXPECT_EQ(decide::DeliveryDomain("teacher@example-usd.org", ours),
            "example-usd.org");
  EXPECT_EQ(decide::DeliveryDomain("\"a b\"@example-usd.org", ours),
            "example-usd.org");
  EXPECT_EQ(decide::DeliveryDomain("x%example-usd.org@gmail.com", ours),
            "gmail.com");
  EXPECT_EQ(decide::DeliveryDomain("no-domain", ours), "");
}

TEST(Domains, EditDistanceCountsASwapAsOne) {
  EXPECT_EQ(decide::EditDistance("abcd", "abdc", 3), 1u);
  EXPECT_EQ(decide::EditDistance("kitten", "sitting", 5), 3u);
  EXPECT_EQ(decide::EditDistance("a", "abcdef", 2), 3u);  // stops past limit
  EXPECT_TRUE(decide::AddressMatches("Ann@Records.Example-USD.org",
                                     "*@example-usd.org"));
  EXPECT_FALSE(
      decide::AddressMatches("ann@evil-example-usd.org", "*@example-usd.org"));
}

}  // namespace
}  // namespace steward
