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

}  // namespace
}  // namespace steward::extract
