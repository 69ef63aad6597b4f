// How an element's styles bear on whether a reader sees its text. Mail that
// hides characters inside a number the reader sees
// ("536-22-<span style="font-size:0">x</span>1947") would otherwise split it
// for every detector.
//
// Two readings, for two of the HTML reader's body views (extract/html.cc):
//   - StyleCertainlyHides: `display:none` or `visibility:hidden` written in
//     an element's style. Its view drops such elements whole, and nothing
//     else.
//   - ReadStyle and Shown: declarations read as a browser reads them
//     (comments, escapes, strings, invalid values ignored, a later
//     declaration replacing an earlier unless only the earlier is
//     `!important`), per text node, with the inherited properties a child
//     can set again (font size, colour, visibility) inherited as in CSS.
//     Hidden means: no box or one nobody sees (display:none, opacity at
//     most 0.05, a positioned box clipped to nothing or 500 px or more off
//     the page, clip-path inset of half, a block of at most 1 px that clips
//     what overflows), a font of at most 1 px, a transparent colour, or
//     visibility hidden.
// Neither reading is exact; the HTML reader keeps both views and the page
// as written, so a reading that errs loses only what it alone would find.
// Not followed: text the colour of its background, transforms, Outlook's
// mso-hide (other readers show that text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace steward::extract {

// True when `style` (a style attribute's value) holds `display:none` or
// `visibility:hidden`, white space and ASCII case ignored.
bool StyleCertainlyHides(std::string_view style);

// One element's declarations, as they bear on its text.
struct StyleEffect {
  // An inherited property: left to the parent, or set to hide or to show.
  enum class Set : uint8_t { kInherit, kHides, kShows };
  bool gone = false;     // nothing in the element shows, whatever it declares
  bool boxless = false;  // display:none: not even a line break
  bool out_of_flow = false;  // position absolute or fixed: no line break
                             // around it
  // Its display, where declared: 1 a block (a line of its own), 0 inline.
  int8_t block = -1;
  Set font = Set::kInherit;
  Set color = Set::kInherit;
  Set visibility = Set::kInherit;
  // unicode-bidi: bidi-override (or isolate-override) with direction: rtl
  // in the same declarations: its text shows in reverse order. (A
  // direction inherited from a parent is not followed.)
  bool reverses = false;
};

// Reads declarations (any bytes, any length; linear). `block`: the element
// is a block by its type, so sizes apply unless `display` says otherwise.
StyleEffect ReadStyle(std::string_view declarations, bool block);

// What a text node inherits from the elements around it.
struct Shown {
  bool gone = false, tiny = false, clear = false, invisible = false;
  bool boxless = false;  // inside an element of no box
  Shown Child(const StyleEffect& e) const;
  bool Hidden() const { return gone || tiny || clear || invisible; }
};

// The rules of a page's style sheets, for ReadStyle. Only rules a reader
// certainly applies are kept: a selector of one element (a type, classes,
// an id; no pseudo-class, attribute or combinator), at the top of the sheet
// or in `@media screen` or `@media all`, whose declarations name a property
// ReadStyle reads. At most kMaxRules; names compared without ASCII case.
class StyleRules {
 public:
  static constexpr size_t kMaxRules = 10000;
  static constexpr size_t kMaxMatched = 32;  // rules applied to one element
  // A rule's declarations longer than this are not kept.
  static constexpr size_t kMaxDeclarations = 4096;
  // Selector checks, and bytes of declarations handed out, a page may
  // spend (DeclarationsFor, across its calls); past them no rule applies.
  static constexpr size_t kBudget = 2000000;
  static constexpr size_t kBudgetBytes = size_t{32} << 20;

  struct Element {
    std::string_view tag;      // its type, lower case
    std::string_view id;       // its id attribute, or empty
    std::string_view classes;  // its class attribute, or empty
  };
  // A <style> element's text, any bytes: linear in its length.
  void Add(std::string_view sheet);
  // The declarations of the kept rules that select `e`, in the sheets'
  // order, joined by ';'. Empty when none do, or when the page's budget of
  // checks is spent.
  std::string DeclarationsFor(const Element& e) const;
  bool empty() const { return count_ == 0; }

 private:
  struct Compound {
    std::string tag, id;  // empty: any
    std::vector<std::string> classes;
    uint32_t rule;  // index into declarations_, the sheets' order
  };
  void AddSelectors(std::string_view selectors, uint32_t rule);
  // Keyed by "#id", ".class" (its first), else its type or "*".
  std::unordered_map<std::string, std::vector<Compound>> by_key_;
  std::vector<std::string> declarations_;
  size_t count_ = 0;
  mutable size_t spent_ = 0, read_ = 0;
};

}  // namespace steward::extract
