// Word lists are matched on normalised views of the text, so that hundreds
// of terms cost one fast literal scan.
//
// The lower-case view is the text with ASCII lower-cased and every
// whitespace byte a space, byte for byte (its offsets are the text's). Terms
// run there as literals; a phrase matches across a line break, but not across
// two or more whitespace bytes in a row (extraction turns CRLF into LF).
//
// The folded view (for profanity and the like) is built only for texts that
// show signs of obfuscation (HasObfuscationSigns): it lower-cases, joins
// whitespace runs, undoes leetspeak next to letters ("sh1t"), joins letters
// spelled out one by one ("f.u.c.k", "f u c k") and collapses repeated
// letters ("fuuuck"); terms are folded the same way. It maps every byte back
// to the source offset it came from. Whole-word checks keep "Scunthorpe" and
// "assessment" clean in both views. Pure functions; thread-safe.
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

// Builds the folded view of `src` into `out`.
void BuildFoldedView(std::string_view src, NormalView& out);

// `src` with ASCII lower-cased and whitespace as ' ' into `out` (same length,
// same offsets).
void LowerCase(std::string_view src, std::string& out);

// True when `src` may hide a folded term: a digit or symbol between letters
// ("sh1t"), a letter three times in a row, or single letters spelled out
// with separators. False means the folded view can find nothing the
// lower-case view does not.
bool HasObfuscationSigns(std::string_view src);

// A term as it appears in the lower-case view: lower-cased, its words joined
// by single spaces.
std::string LowerTerm(std::string_view term);

// True when a source span found through the folded view is actually
// disguised (a digit, symbol or separator among its letters, or a letter
// repeated), rather than an ordinary word that folds onto a term ("as" folds
// like "ass"). Only disguised spans count as folded matches.
bool LooksObfuscated(std::string_view span);

// The letter a digit or symbol stands for in leetspeak ('1' -> 'i', '$' ->
// 's'); 0 for any other byte.
char Leet(unsigned char c);

// A term as it appears in the folded view.
std::string FoldTerm(std::string_view term);

// True when view[b, e) is a whole word or phrase: no letter or digit
// directly before or after.
bool IsWholeWord(std::string_view view, size_t b, size_t e);

// `s` as a pattern that matches it literally (every metacharacter escaped).
std::string EscapeLiteral(std::string_view s);

}  // namespace steward::inspect
