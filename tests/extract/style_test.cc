#include "extract/style.h"

#include <gtest/gtest.h>

namespace steward::extract {
namespace {

TEST(Style, WhatHidesTextFromTheReader) {
  for (const char* style :
       {"display:none", "DISPLAY : NONE", "display:none !important",
        "visibility:hidden", "visibility: collapse", "mso-hide:all",
        "font-size:0", "font-size:0px", "font-size: 1px", "font-size:.5pt",
        "font-size:0%", "font-size:0.0em", "font:0/0 a",
        "font: italic 0px/0 serif", "opacity:0", "opacity:0.01", "opacity:0%",
        "color:transparent", "color:rgba(0,0,0,0)",
        "color: rgb(255 255 255 / 0%)", "color:#fff0", "color:#ffffff00",
        "color:hsla(0, 0%, 0%, 0)", "max-height:0;overflow:hidden",
        "overflow:hidden;height:1px;width:1px", "width:0; overflow-x: clip",
        "position:absolute;clip:rect(0,0,0,0)", "clip: rect(1px 1px 1px 1px)",
        "clip-path: inset(50%)", "position:absolute;left:-9999px",
        "position: fixed; top: -10000px", "text-indent:-9999px",
        // A browser reads through comments and escapes.
        "display:/**/none", "display:n\\6f ne", "dis\\play:none",
        "display:\\4e ONE", "font-size:0/*", "color:red;display:none",
        // A later declaration wins, unless the earlier is important.
        "display:inline;display:none", "display:none!important;display:block",
        "font-size:12px;font:0/0 a"}) {
    EXPECT_TRUE(StyleHidesText(style)) << style;
  }
}

TEST(Style, WhatTheReaderStillSees) {
  for (const char* style : {"",
                            "display:inline",
                            "display:none;display:inline",
                            "display:block !important; display:none",
                            "visibility:visible",
                            "font-size:12px",
                            "font-size:2px",
                            "font-size:small",
                            "font:12px/1 a",
                            "font-size:0;font-size:10px",
                            "font: bold medium serif",
                            "opacity:0.5",
                            "opacity:1",
                            "color:#fff",
                            "color:#ffffff",
                            "color:rgb(0,0,0)",
                            "color:rgba(0,0,0,0.5)",
                            "color:hsl(0, 0%, 0%)",
                            "height:0",
                            "overflow:hidden",
                            "overflow:hidden;height:20px",
                            "max-height:10em;overflow:hidden",
                            "clip:rect(0,10px,10px,0)",
                            "clip-path:inset(10%)",
                            "position:absolute;left:-10px",
                            "position:relative;left:-9999px",
                            "left:-9999px",
                            "text-indent:2em",
                            "text-indent:-1em",
                            "content:'display:none'",
                            "background:url(\"a;display:none\")",
                            "/* display:none */",
                            "x-display:none",
                            "display",
                            "display:",
                            ":none",
                            ";;;",
                            "font-family:\"0\"",
                            "\\",
                            "display:none\\"}) {
    EXPECT_FALSE(StyleHidesText(style)) << style;
  }
}

TEST(Style, AnyBytesAnyLength) {
  std::string long_style(1 << 20, ';');
  long_style += "display:none";
  EXPECT_TRUE(StyleHidesText(long_style));
  EXPECT_FALSE(StyleHidesText(std::string(1 << 20, '(') + "display:none"));
  EXPECT_FALSE(StyleHidesText(std::string("display:\0none", 13)));
  EXPECT_FALSE(StyleHidesText("color:rgba(0,0,0,"));
  EXPECT_FALSE(StyleHidesText("clip:rect("));
  EXPECT_FALSE(StyleHidesText("clip-path:inset("));
}

bool Selects(const HidingRules& r, std::string_view tag, std::string_view id,
             std::string_view classes, std::string_view attribute = {}) {
  return r.Hides({tag, id, classes, [attribute](std::string_view a) {
                    return !attribute.empty() && a == attribute;
                  }});
}

TEST(Style, RulesOfAStyleSheetThatHide) {
  HidingRules r;
  r.Add(
      "body{font-family:arial} .shown{color:red}\n"
      ".h{font-size:0}\n"
      "span.tiny , P.Small{font:0/0 a}\n"
      "@media screen { .m { display : none } }\n"
      "div > #secret:hover::after{opacity:0}\n"
      "td [data-x] { mso-hide: all }\n"
      "/* .commented{display:none} */\n"
      ".a.b { visibility: hidden }\n"
      "a[href$=\"{x}\"]{color:red}\n"
      ".esc\\61 pe{display:none}\n"
      ".open{display:none");
  EXPECT_FALSE(r.empty());
  EXPECT_TRUE(Selects(r, "span", "", "x h"));
  EXPECT_TRUE(Selects(r, "span", "", "TINY"));
  EXPECT_TRUE(Selects(r, "p", "", "small"));
  EXPECT_TRUE(Selects(r, "div", "", "m"));
  EXPECT_TRUE(Selects(r, "b", "Secret", ""));
  EXPECT_TRUE(Selects(r, "i", "", "", "data-x"));
  EXPECT_TRUE(Selects(r, "i", "", "b a"));
  EXPECT_TRUE(Selects(r, "i", "", "escape"));
  // A sheet left open is closed by the browser.
  EXPECT_TRUE(Selects(r, "i", "", "open"));
  EXPECT_FALSE(Selects(r, "div", "", "tiny"));
  EXPECT_FALSE(Selects(r, "span", "", "shown"));
  EXPECT_FALSE(Selects(r, "span", "", "commented"));
  EXPECT_FALSE(Selects(r, "i", "", "a"));
  EXPECT_FALSE(Selects(r, "i", "", ""));
  EXPECT_FALSE(Selects(r, "body", "", ""));
  EXPECT_FALSE(Selects(r, "a", "", "", "href"));
}

TEST(Style, AStyleSheetOfAnyBytes) {
  HidingRules r;
  r.Add(std::string(100000, '{') + ".x{display:none}");
  r.Add(std::string(100000, '}') + std::string(100000, '"'));
  r.Add(std::string("\0\xff{;}:,[(", 12));
  std::string many;
  for (int i = 0; i < 20000; ++i)
    many += ".c" + std::to_string(i) + "{display:none}";
  r.Add(many);
  EXPECT_TRUE(Selects(r, "i", "", "c0"));
  EXPECT_FALSE(Selects(r, "i", "", "c19999"));  // past kMaxRules
}

}  // namespace
}  // namespace steward::extract
