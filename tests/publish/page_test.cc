// A page as the site audit reads it: its lines (a block's end ends one),
// its images with their captions, its links with the element to fix, and
// what it does with pages nested too deeply and addresses that are none.
#include "publish/page.h"

#include <gtest/gtest.h>

namespace steward::publish {
namespace {

TEST(Page, ABlockEndsItsLine) {
  for (const char* html :
       {"<p>Maria Garcia</p><a href=\"x.html\">Read more</a>",
        "<h2>Maria Garcia</h2><span>won</span>",
        "<ul><li>Maria Garcia</li></ul>Next"}) {
    Page p = ReadPage(html);
    EXPECT_NE(p.text.find("Maria Garcia\n"), std::string::npos)
        << html << " -> " << p.text;
  }
}

TEST(Page, ImagesCaptionsAndLinksWithTheirElements) {
  Page p = ReadPage(
      "<html><head><title>T</title><script src=\"/a.js\"></script></head>"
      "<body><figure><img src=\"a.png\" alt=\"A\"><figcaption>Maria G. at "
      "field day</figcaption></figure><div class=\"wp-caption\"><img "
      "src=\"b.png\"><p class=\"wp-caption-text\">Team</p></div>"
      "<a href=\"one.html\">one</a><iframe src=\"//ads.example/\"></iframe>"
      "<a href=\"two.html\">two</a></body></html>");
  EXPECT_EQ(p.title, "T");
  ASSERT_EQ(p.images.size(), 2u);
  EXPECT_EQ(p.images[0].caption, "Maria G. at field day");
  EXPECT_EQ(p.images[0].where, "img 1");
  EXPECT_EQ(p.images[1].caption, "Team");
  std::vector<std::string> where;
  for (const auto& l : p.links) where.push_back(l.where);
  EXPECT_EQ(where, (std::vector<std::string>{"script 1", "img 1", "img 2",
                                             "a 1", "iframe 1", "a 2"}));
}

TEST(Page, APageNestedTooDeeplyIsReadAsRawText) {
  std::string html = "<html><body>";
  for (int i = 0; i < 300; ++i) html += "<div>";
  html += "x";
  for (int i = 0; i < 300; ++i) html += "</div>";
  html += "<p>Daniel Nguyen</p></body></html>";
  Page p = ReadPage(html);
  EXPECT_TRUE(p.halted);
  EXPECT_NE(p.text.find("Daniel Nguyen"), std::string::npos);
}

// A tag of a hundred thousand attributes would cost libxml2 minutes: read
// as raw text, so names in it are still seen, in bounded time.
TEST(Page, ATagOfTooManyAttributesIsReadAsRawText) {
  std::string html = "<html><body><p";
  for (int i = 0; i < 100000; ++i) html += " a" + std::to_string(i) + "=b";
  html += ">Daniel Nguyen</p></body></html>";
  Page p = ReadPage(html);
  EXPECT_TRUE(p.halted);
  EXPECT_NE(p.text.find("Daniel Nguyen"), std::string::npos);
}

// As a reader sees it: one space for any run of white space, composed
// letters, no invisible characters; alt text too.
TEST(Page, TextIsWhatAReaderSees) {
  Page p = ReadPage(
      "<p>Daniel \n\t Nguyen, Daniel\xc2\xa0Nguyen, Dan\xc2\xadiel "
      "Ngu\xe2\x80\x8byen, E\xcc\x81lodie</p><img src=x alt='Daniel\n"
      "Nguyen'>");
  EXPECT_NE(p.text.find("Daniel Nguyen, Daniel Nguyen, Daniel Nguyen, "
                        "\xc3\x89lodie"),
            std::string::npos)
      << p.text;
  ASSERT_EQ(p.images.size(), 1u);
  EXPECT_EQ(p.images[0].alt, "Daniel Nguyen");
}

TEST(Page, AddressesAreResolvedOrRefused) {
  const std::string base = "https://www.example-usd.org/a/b.html";
  EXPECT_EQ(Resolve(base, "c.html"), "https://www.example-usd.org/a/c.html");
  EXPECT_EQ(Resolve(base, "../c.html#top"),
            "https://www.example-usd.org/c.html");
  EXPECT_EQ(Resolve(base, "  //other.org/x "), "https://other.org/x");
  for (const char* none :
       {"mailto:a@b.org", "javascript:alert(1)", "JavaScript:alert(1)",
        "data:text/html,x", "#top", "tel:555", "ftp://x.org/f",
        "file:///etc/passwd", "a\r\nb", ""})
    EXPECT_EQ(Resolve(base, none), "") << none;
}

TEST(Page, ItsAgeFromItsMetaDate) {
  Page p = ReadPage(
      "<html><head><meta name=\"last-modified\" content=\"2019-05-01\">"
      "</head><body>x</body></html>");
  EXPECT_EQ(ModifiedOf(p, 7), 1556668800);
  EXPECT_EQ(ModifiedOf(ReadPage("<p>x</p>"), 7), 7);
}

}  // namespace
}  // namespace steward::publish
