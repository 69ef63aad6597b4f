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
// Style sheets (HidingRules) are followed as far as which elements a rule
// that hides could select. Not followed: text the colour of its background,
// transforms. What is missed is still read as written; what is taken as
// hidden is still read (extract/html.cc keeps both views), so the reading
// errs towards hidden.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace steward::extract {

// True when the declarations in `style` (a `style` attribute's value, any
// bytes, any length) hide the element's text. Linear in the input.
bool StyleHidesText(std::string_view style);

// The rules of a page's style sheets whose declarations hide text
// (StyleHidesText), by the element each selector finally selects: its
// type, id, classes and the attributes it names; the rest of the selector
// (ancestors, pseudo-classes, attribute values) is taken as matching.
// Rules inside @media and the like count. At most kMaxRules are kept;
// names are compared without ASCII case.
class HidingRules {
 public:
  static constexpr size_t kMaxRules = 10000;
  struct Element {
    std::string_view tag;      // its type
    std::string_view id;       // its id attribute, or empty
    std::string_view classes;  // its class attribute, or empty
    // Whether it has the attribute named (lower case); null: none.
    std::function<bool(std::string_view)> has_attribute;
  };
  // A <style> element's text, any bytes: linear in its length.
  void Add(std::string_view sheet);
  // Whether a kept rule selects `e`.
  bool Hides(const Element& e) const;
  bool empty() const { return count_ == 0; }

 private:
  struct Compound {
    std::string tag;  // empty: any
    std::string id;   // empty: any
    std::vector<std::string> classes, attributes;
  };
  void AddSelectors(std::string_view selectors);
  // `e` with its names in lower case.
  bool AnyMatches(const std::string& key, const Element& e) const;
  // Keyed by "#id", ".class" (a rule's first), else its type or "*".
  std::unordered_map<std::string, std::vector<Compound>> by_key_;
  size_t count_ = 0;
};

}  // namespace steward::extract
