// Whether an element's inline style (its `style` attribute) keeps its text
// from the reader. Mail that hides characters inside a number the reader
// sees ("536-22-<span style="font-size:0">x</span>1947") would otherwise
// split it for every detector.
//
// The attribute is read as a browser reads a declaration list: comments
// and escapes removed, a later declaration of a property replacing an
// earlier one unless only the earlier is `!important`. Hidden means any of
//   display:none; visibility:hidden|collapse; mso-hide:all (Outlook);
//   font-size 0, or at most 1px/1pt (also in the `font` shorthand);
//   opacity at most 0.05; color transparent or of alpha 0;
//   overflow hidden|clip with a height, max-height, width or max-width of
//   at most 1px (the "visually hidden" idiom);
//   clip: rect() of zero area;
//   position absolute|fixed with left or top at most -500px;
//   text-indent at most -500px.
// Not followed: style sheets (class and id rules), text the colour of its
// background, transforms. What is missed is still read as written; what
// is taken as hidden is still read (extract/html.cc keeps both views).
#pragma once

#include <string_view>

namespace steward::extract {

// True when the declarations in `style` (a `style` attribute's value, any
// bytes, any length) hide the element's text. Linear in the input.
bool StyleHidesText(std::string_view style);

}  // namespace steward::extract
