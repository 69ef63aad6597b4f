#include "extract/style.h"

#include <gtest/gtest.h>

#include <string>

namespace steward::extract {
namespace {

using Set = StyleEffect::Set;

// Whether text in an element of `style` (a span, inside a visible page)
// is hidden from the reader.
bool Hides(std::string_view style, bool block = false) {
  return Shown{}.Child(ReadStyle(style, block)).Hidden();
}

TEST(Style, WhatHidesTextFromTheReader) {
  for (const char* style :
       {"display:none", "DISPLAY : NONE", "display:none !important",
        "visibility:hidden", "visibility: collapse", "font-size:0",
        "font-size:0px", "font-size: 1px", "font-size:.5pt", "font-size:0%",
        "font-size:0.0em", "font-size:0.05em", "font-size:calc(0px)",
        "font-size:0.1mm", "font:0/0 a", "font: italic 0px/0 serif",
        "opacity:0", "opacity:0.01", "opacity:0%", "color:transparent",
        "color:rgba(0,0,0,0)", "color: rgb(255 255 255 / 0%)", "color:#fff0",
        "color:#ffffff00", "color:hsla(0, 0%, 0%, 0)",
        "position:absolute;clip:rect(0,0,0,0)",
        "position:fixed;clip: rect(1px 1px 1px 1px)", "clip-path: inset(50%)",
        "position:absolute;left:-9999px", "position: fixed; top: -10000px",
        "display:inline-block;width:0;overflow:hidden",
        // A browser reads through comments and escapes.
        "display:/**/none", "display:n\\6f ne", "dis\\play:none",
        "display:\\4e ONE", "font-size:0/*", "color:red;display:none",
        // A later declaration wins, unless the earlier is important or
        // the later is not valid.
        "display:inline;display:none", "display:none!important;display:block",
        "font-size:12px;font:0/0 a", "display:none;display:nonee",
        "color:transparent;color:blakk", "font-size:0;font-size:big",
        "font-family:\"x\n;display:none",
        "font-family:\"/*\";display:none;font-family:\"*/\"",
        "font-family:\\\";display:none", "x:\\(;display:none"}) {
    EXPECT_TRUE(Hides(style)) << style;
  }
  // Sizes apply to a block.
  EXPECT_TRUE(Hides("max-height:0;overflow:hidden", true));
  EXPECT_TRUE(Hides("overflow:hidden;height:1px;width:1px", true));
}

TEST(Style, WhatTheReaderStillSees) {
  for (const char* style :
       {"", "display:inline", "display:none;display:inline",
        "display:block !important; display:none", "visibility:visible",
        "font-size:12px", "font-size:2px", "font-size:small", "font:12px/1 a",
        "font-size:0;font-size:10px", "font: bold medium serif",
        "font-size:calc(16px)", "opacity:0.5", "opacity:1", "color:#fff",
        "color:#ffffff", "color:rgb(0,0,0)", "color:rgba(0,0,0,0.5)",
        "color:hsl(0, 0%, 0%)", "color:white", "height:0", "overflow:hidden",
        "overflow:hidden;height:20px",
        // An inline element has no height to clip to.
        "width:0;height:0;overflow:hidden", "max-height:0;overflow:hidden",
        "clip:rect(0,0,0,0)", "position:absolute;clip:rect(0,10px,10px,0)",
        "clip-path:inset(10%)", "position:absolute;left:-10px",
        "position:relative;left:-9999px", "left:-9999px", "text-indent:2em",
        "content:'display:none'", "background:url(\"a;display:none\")",
        "/* display:none */", "x-display:none", "display", "display:", ":none",
        ";;;", "font-family:\"0\"", "\\", "display:none\\", "mso-hide:all"}) {
    EXPECT_FALSE(Hides(style)) << style;
  }
}

TEST(Style, AChildCanShowWhatItsParentsFontColourOrVisibilityHid) {
  const Shown tiny = Shown{}.Child(ReadStyle("font-size:0", true));
  EXPECT_TRUE(tiny.Hidden());
  EXPECT_FALSE(tiny.Child(ReadStyle("font-size:13px", false)).Hidden());
  EXPECT_TRUE(tiny.Child(ReadStyle("font-size:2em", false)).Hidden());
  EXPECT_TRUE(tiny.Child(ReadStyle("color:red", false)).Hidden());
  const Shown clear = Shown{}.Child(ReadStyle("color:transparent", false));
  EXPECT_FALSE(clear.Child(ReadStyle("color:black", false)).Hidden());
  const Shown invisible = Shown{}.Child(ReadStyle("visibility:hidden", true));
  EXPECT_FALSE(
      invisible.Child(ReadStyle("visibility:visible", false)).Hidden());
  // What has no box shows nothing, whatever is in it.
  const Shown gone = Shown{}.Child(ReadStyle("display:none", true));
  EXPECT_TRUE(
      gone.Child(ReadStyle("display:block;font-size:16px", true)).Hidden());
  EXPECT_EQ(ReadStyle("font-size:inherit", false).font, Set::kInherit);
  EXPECT_EQ(ReadStyle("color:currentcolor", false).color, Set::kInherit);
}

TEST(Style, TheCertainReadingIsTheOldOne) {
  EXPECT_TRUE(StyleCertainlyHides("display : none"));
  EXPECT_TRUE(StyleCertainlyHides("VISIBILITY:hidden"));
  EXPECT_TRUE(StyleCertainlyHides("display:none;display:block"));
  EXPECT_FALSE(StyleCertainlyHides("font-size:0"));
  EXPECT_FALSE(StyleCertainlyHides("display:/**/none"));
}

std::string For(const StyleRules& r, std::string_view tag, std::string_view id,
                std::string_view classes) {
  return r.DeclarationsFor({tag, id, classes});
}

TEST(Style, RulesOfAStyleSheetThatAReaderCertainlyApplies) {
  StyleRules r;
  r.Add(
      "body{font-family:arial} .shown{color:red}\n"
      ".h{font-size:0}\n"
      "span.tiny , P.Small{font:0/0 a}\n"
      "@media screen { .m { display : none } }\n"
      "@media print { .p { display : none } }\n"
      "@media (max-width:480px) { .w { display : none } }\n"
      "div > #secret{opacity:0}\n"
      ":is(.zz){display:none} p:not(p){display:none} p[lang]{display:none}\n"
      ".k{font-family:\"x\n} .j{display:none}\n"
      "/* .commented{display:none} */\n"
      ".a.b { visibility: hidden }\n"
      ".n{display:none; & b{color:red}}\n"
      ".esc\\61 pe{display:none}\n"
      ".open{display:none");
  EXPECT_FALSE(r.empty());
  EXPECT_NE(For(r, "span", "", "x h").find("font-size:0"), std::string::npos);
  EXPECT_FALSE(For(r, "span", "", "TINY").empty());
  EXPECT_FALSE(For(r, "p", "", "small").empty());
  EXPECT_FALSE(For(r, "div", "", "m").empty());
  EXPECT_FALSE(For(r, "i", "", "b a").empty());
  EXPECT_FALSE(For(r, "i", "", "j").empty());
  EXPECT_FALSE(For(r, "i", "", "escape").empty());
  EXPECT_FALSE(For(r, "i", "", "open").empty());  // the browser closes it
  EXPECT_NE(For(r, "span", "", "shown").find("color:red"), std::string::npos);
  // Not certainly applied: other media, combinators, pseudo-classes,
  // attributes, nesting.
  EXPECT_TRUE(For(r, "div", "", "p").empty());
  EXPECT_TRUE(For(r, "div", "", "w").empty());
  EXPECT_TRUE(For(r, "b", "secret", "").empty());
  EXPECT_TRUE(For(r, "p", "", "zz").empty());
  EXPECT_TRUE(For(r, "p", "", "").empty());
  EXPECT_TRUE(For(r, "i", "", "n").empty());
  EXPECT_TRUE(For(r, "div", "", "tiny").empty());
  EXPECT_TRUE(For(r, "span", "", "commented").empty());
  EXPECT_TRUE(For(r, "i", "", "a").empty());
  EXPECT_EQ(For(r, "body", "", "").find("display"), std::string::npos);
}

TEST(Style, AStyleSheetOfAnyBytesAndAnySize) {
  StyleRules r;
  r.Add(std::string(100000, '{') + ".x{display:none}");
  r.Add(std::string(100000, '}') + std::string(100000, '"'));
  r.Add(std::string("\0\xff{;}:,[(", 10));
  std::string many;
  for (int i = 0; i < 20000; ++i)
    many += ".c" + std::to_string(i) + "{display:none}";
  r.Add(many);
  EXPECT_FALSE(For(r, "i", "", "c0").empty());
  EXPECT_TRUE(For(r, "i", "", "c19999").empty());  // past kMaxRules
  // Rules that all need one class, checked against elements that have it:
  // the page's budget of checks ends the work.
  StyleRules wide;
  std::string sheet;
  for (int i = 0; i < 10000; ++i)
    sheet += ".a.b" + std::to_string(i) + "{display:none}";
  wide.Add(sheet);
  std::string classes;
  for (int i = 0; i < 64; ++i) classes += "a ";
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(For(wide, "i", "", classes).empty());
}

}  // namespace
}  // namespace steward::extract
