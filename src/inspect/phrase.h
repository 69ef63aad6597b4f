// Phrase detectors: a little grammar over one sentence, checked only where
// stage 1 found a word of the phrase's anchor list (policy/pack.h,
// DetectorKind::kPhrase). "I am going to hurt you" is speaker, intent, harm
// and target in order; "I would never hurt you", "> I'll kill you" (a quoted
// line) and "the article said he would kill them" are not.
//
// Words are compared after normalisation (Tokenize): ASCII lower case,
// typographic apostrophes as ', English contractions and chat spellings
// expanded ("i'll" -> "i will", "won't" -> "will not", "gonna" -> "going
// to", "u" -> "you"), leetspeak undone inside words that mix letters with
// digits or symbols ("k1ll"), letters spelled out one by one joined ("k i l
// l"), and a letter written three or more times matched as once or twice
// ("kiiill", "shoooot"). Word-list terms are normalised the same way, so a
// list may say "you're" or "you are".
//
// "@name" in a phrase is a capitalised word that does not start the
// sentence; "@person" is that, or a capitalised word that is the given name
// of a student in the loaded roster, wherever it stands ("Jose has asthma").
//
// A PhraseGrammar is immutable after Build and shared by all threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "policy/pack.h"
#include "roster/oneroster.h"

namespace steward::inspect {

struct Token {
  std::string word;
  std::string alt1, alt2;       // repeated letters as once / twice; "" if none
  uint32_t begin = 0, end = 0;  // source span
  bool capital = false;         // written with a capital first letter
  bool clause_start = false;    // after , ; : ( or a line break
};

// Appends the normalised words of `text` to `out`; offsets are `base` plus
// the offset in `text`.
void Tokenize(std::string_view text, uint32_t base, std::vector<Token>& out);

// The sentence around the words at [b, e) of `text`: back to the end of the
// previous one (. ! ? then a space; not after "Mr."), a blank line or a
// change between '>'-quoted and unquoted lines; forward likewise; at most
// 400 bytes on each side.
struct Sentence {
  uint32_t begin = 0, end = 0;
  bool quoted_line = false;  // [b, e) is on a '>'-quoted line
  bool in_quotes = false;    // ... or after a quotation mark not yet closed
  char terminator = 0;       // the '.', '!' or '?' that ends it; 0 if none
};
Sentence SentenceAround(std::string_view text, uint32_t b, uint32_t e);

class PhraseGrammar {
 public:
  // Tokenises every word list that a phrase detector of `pack` names, and
  // keeps the given names of `roster`'s students (null: none) for @person.
  static PhraseGrammar Build(const policy::PolicyPack& pack,
                             const roster::Roster* roster = nullptr);

  // Checks detector `d`'s phrase in the sentence around the anchor word
  // found at [b, e) of `text`. True when its words are there in order and
  // no guard cancels them; [*pb, *pe) is then the phrase's span.
  bool Match(const policy::Detector& d, std::string_view text, uint32_t b,
             uint32_t e, uint32_t* pb, uint32_t* pe) const;

  // The guards of a classifier detector `d` whose trigger word is at [b, e)
  // of a sentence whose words are `tokens`: true when a word of its `unless`
  // lists is anywhere in the sentence, or a word of its `negation` list among
  // the three words before the trigger in the same clause ("I would never
  // hurt you").
  bool Guarded(const policy::Detector& d, const std::vector<Token>& tokens,
               uint32_t b, uint32_t e) const;

 private:
  struct WordClass {
    std::vector<std::vector<std::string>> terms;
    // first word -> indexes into terms
    std::unordered_map<std::string, std::vector<uint32_t>> by_first;
  };
  const WordClass* Find(const std::string& id) const;
  // A word of one of d.unless's lists among `tokens`.
  bool HasUnless(const policy::Detector& d,
                 const std::vector<Token>& tokens) const;
  // Lengths (in tokens) of the class's terms that start at tokens[i].
  void TermsAt(const WordClass& c, const std::vector<Token>& tokens, size_t i,
               size_t limit, std::vector<uint32_t>& lengths) const;
  // Token ranges [b, e) that the phrase's word lists matched.
  using Ranges = std::vector<std::pair<size_t, size_t>>;
  bool Left(const policy::Detector& d, const std::vector<Token>& tokens,
            size_t slot, size_t pos, size_t sentence_begin, size_t* first,
            Ranges& matched) const;
  bool Right(const policy::Detector& d, const std::vector<Token>& tokens,
             size_t slot, size_t pos, size_t* last, Ranges& matched) const;
  // A roster student's given name, in any case ("élodie", "Élodie").
  bool IsGivenName(const std::string& word) const;
  bool SlotAt(const policy::Detector& d, size_t slot,
              const std::vector<Token>& tokens, size_t i, size_t sentence_begin,
              size_t limit, std::vector<uint32_t>& lengths) const;

  std::unordered_map<std::string, WordClass> classes_;
  std::unordered_set<std::string> given_names_;  // lower case
};

}  // namespace steward::inspect
