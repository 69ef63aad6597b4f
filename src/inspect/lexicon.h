// Word lists are matched as literals on a normalised view of the text, so
// that hundreds of terms cost one fast literal scan and phrases match across
// line breaks. A view maps every byte back to the source offset it came from.
//
// The plain view lower-cases ASCII and turns every run of whitespace into one
// space. The folded view (for profanity and the like) also undoes leetspeak
// next to letters ("sh1t"), joins letters spelled out one by one ("f.u.c.k",
// "f u c k") and collapses repeated letters ("fuuuck"); terms are folded the
// same way, and whole-word checks keep "Scunthorpe" and "assessment" clean.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steward::inspect {

struct NormalView {
  std::string text;
  // origin[i]: the source offset text[i] came from; origin[text.size()] is the
  // source's size, so a view span [b, e) is source [origin[b], origin[e]).
  std::vector<uint32_t> origin;
};

// Builds the plain (fold = false) or folded view of `src` into `out`.
void BuildView(std::string_view src, bool fold, NormalView& out);

// A term as it appears in a view (BuildView applied to the term itself).
std::string NormalizeTerm(std::string_view term, bool fold);

// True when view[b, e) is a whole word or phrase: no letter or digit
// directly before or after.
bool IsWholeWord(std::string_view view, size_t b, size_t e);

// `s` as a pattern that matches it literally (every metacharacter escaped).
std::string EscapeLiteral(std::string_view s);

}  // namespace steward::inspect
