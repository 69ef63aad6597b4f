#include "inspect/phrase.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "core/text.h"
#include "inspect/lexicon.h"

namespace steward::inspect {

namespace {

constexpr uint32_t kMaxSentence = 400;  // bytes on each side of the anchor
// How far back a line's start, or forward the next line's first letter, is
// looked for: a text of endless lines costs no more per word.
constexpr size_t kMaxLine = 2048;

// ASCII only, as the C library's are in the "C" locale Steward runs in,
// without a call for each byte.
constexpr bool IsAlpha(unsigned char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26;
}
constexpr bool IsAlnum(unsigned char c) {
  return IsAlpha(c) || static_cast<unsigned char>(c - '0') < 10;
}
constexpr char AsciiLower(unsigned char c) {
  return static_cast<char>(static_cast<unsigned char>(c - 'A') < 26 ? c | 0x20
                                                                    : c);
}

// A typographic apostrophe (U+2019) at text[i].
bool RightQuoteAt(std::string_view t, size_t i) {
  return i + 2 < t.size() && static_cast<unsigned char>(t[i]) == 0xE2 &&
         static_cast<unsigned char>(t[i + 1]) == 0x80 &&
         static_cast<unsigned char>(t[i + 2]) == 0x99;
}

// A run of three or more of one letter written `keep` times.
std::string CollapseRuns(const std::string& w, size_t keep) {
  std::string out;
  for (size_t i = 0; i < w.size();) {
    size_t j = i;
    while (j < w.size() && w[j] == w[i]) ++j;
    size_t n = j - i;
    out.append(n >= 3 ? keep : n, w[i]);
    i = j;
  }
  return out;
}

bool HasRun(const std::string& w) {
  for (size_t i = 2; i < w.size(); ++i)
    if (w[i] == w[i - 1] && w[i] == w[i - 2] && IsAlpha(w[i])) return true;
  return false;
}

struct Expansion {
  std::string_view from;
  std::array<std::string_view, 4> to;
};

// Chat spellings and contractions written without an apostrophe.
constexpr Expansion kWholeWords[] = {
    {"gonna", {"going", "to"}},
    {"wanna", {"want", "to"}},
    {"gotta", {"got", "to"}},
    {"finna", {"going", "to"}},
    {"imma", {"i", "am", "going", "to"}},
    {"ima", {"i", "am", "going", "to"}},
    {"im", {"i", "am"}},
    {"ive", {"i", "have"}},
    {"youre", {"you", "are"}},
    {"ya", {"you"}},
    {"dont", {"do", "not"}},
    {"wont", {"will", "not"}},
    {"cant", {"can", "not"}},
    {"cannot", {"can", "not"}},
    {"didnt", {"did", "not"}},
    {"doesnt", {"does", "not"}},
    {"isnt", {"is", "not"}},
    {"arent", {"are", "not"}},
    {"wouldnt", {"would", "not"}},
    {"shouldnt", {"should", "not"}},
    {"wasnt", {"was", "not"}},
    {"aint", {"is", "not"}},
    {"kys", {"kill", "yourself"}},
    {"skool", {"school"}},
    {"tmrw", {"tomorrow"}},
    {"tmr", {"tomorrow"}},
    {"shud", {"should"}},
    {"wud", {"would"}},
    {"sumone", {"someone"}},
    {"sum1", {"someone"}},
    {"some1", {"someone"}},
    {"every1", {"everyone"}},
    {"evry1", {"everyone"}},
    {"teachr", {"teacher"}},
    {"kil", {"kill"}},
    {"murda", {"murder"}},
    {"nvr", {"never"}},
    {"thru", {"through"}},
    {"b4", {"before"}},
};

// "Mr." and the like: their period ends no sentence.
bool IsTitle(std::string_view w) {
  return w == "mr" || w == "mrs" || w == "ms" || w == "dr" || w == "prof" ||
         w == "st";
}

// Whose "'s" is "is" rather than a possessive.
bool IsBeforeIs(std::string_view base) {
  static const std::set<std::string_view> kWords = {
      "he", "she", "it", "that", "there", "what", "who", "where", "here"};
  return kWords.count(base) > 0;
}

// Pushes the normalised words of one raw word.
void EmitWord(std::string_view raw, uint32_t b, uint32_t e, bool capital,
              bool clause_start, std::vector<Token>& out) {
  auto push = [&](std::string_view word) {
    Token t;
    t.word = std::string(word);
    t.begin = b;
    t.end = e;
    t.capital = capital;
    t.clause_start = clause_start;
    clause_start = false;
    capital = false;  // "Youre": "you" is capitalised, "are" is not
    if (HasRun(t.word)) {
      t.alt1 = CollapseRuns(t.word, 1);
      t.alt2 = CollapseRuns(t.word, 2);
    }
    out.push_back(std::move(t));
  };
  std::string w(raw);
  // Leetspeak: digits and symbols between letters ("k1ll", "id10t"), or a
  // dollar sign before them ("$tab"); "3pm" and "h8" stay as written.
  bool leet = w.size() > 1 && w.front() == '$';
  for (size_t i = 1; i + 1 < w.size() && !leet; ++i) {
    if (IsAlpha(w[i]) || w[i] == '\'' || !IsAlpha(w[i - 1])) continue;
    size_t j = i;
    while (j < w.size() && !IsAlpha(w[j]) && w[j] != '\'') ++j;
    leet = j < w.size() && IsAlpha(w[j]);
  }
  if (leet)
    for (char& c : w)
      if (char l = Leet(static_cast<unsigned char>(c))) c = l;
  size_t apo = w.find('\'');
  if (apo == std::string::npos) {
    for (const auto& x : kWholeWords) {
      if (w != x.from) continue;
      for (auto part : x.to)
        if (!part.empty()) push(part);
      return;
    }
    push(w);
    return;
  }
  std::string base = w.substr(0, apo), suffix = w.substr(apo);
  if (suffix == "'t" && base.size() > 1 && base.back() == 'n') {
    base.pop_back();
    if (base == "wo") base = "will";
    if (base == "ca") base = "can";
    if (base == "sha") base = "shall";
    if (base == "ai") base = "is";
    push(base);
    push("not");
    return;
  }
  if (base == "y" && suffix == "'all") {
    push("you");
    push("all");
    return;
  }
  push(base);
  if (suffix == "'ll")
    push("will");
  else if (suffix == "'re")
    push("are");
  else if (suffix == "'m")
    push("am");
  else if (suffix == "'ve")
    push("have");
  else if (suffix == "'d")
    push("would");
  else if (suffix == "'s" && IsBeforeIs(base))
    push("is");
}

}  // namespace

void Tokenize(std::string_view text, uint32_t base, std::vector<Token>& out) {
  size_t first = out.size();
  bool clause = true;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool word_char = IsAlnum(c) || c >= 0x80 ||
                     (c == '$' && i + 1 < text.size() &&
                      IsAlpha(static_cast<unsigned char>(text[i + 1])));
    if (!word_char) {
      bool after_title = c == '.' && out.size() > first &&
                         out.back().end == base + i && IsTitle(out.back().word);
      if ((c == ',' || c == ';' || c == ':' || c == '(' || c == '\n' ||
           c == '.' || c == '!' || c == '?' || c == '"') &&
          !after_title)
        clause = true;
      ++i;
      continue;
    }
    size_t b = i;
    std::string w;
    while (i < text.size()) {
      unsigned char d = static_cast<unsigned char>(text[i]);
      if (IsAlnum(d)) {
        w += AsciiLower(d);
        ++i;
      } else if (RightQuoteAt(text, i)) {
        w += '\'';
        i += 3;
      } else if (d >= 0x80) {
        w += static_cast<char>(d);
        ++i;
      } else if ((d == '\'' || d == '@' || d == '$' || d == '*' || d == '!') &&
                 i + 1 < text.size() &&
                 IsAlnum(static_cast<unsigned char>(text[i + 1])) &&
                 (!w.empty() || (d == '$' && IsAlpha(static_cast<unsigned char>(
                                                 text[i + 1]))))) {
        w += static_cast<char>(d);
        ++i;
      } else {
        break;
      }
    }
    while (!w.empty() && w.back() == '\'') w.pop_back();
    if (w.empty()) continue;
    bool capital = core::StartsUpper(text.substr(b, i - b));
    EmitWord(w, base + static_cast<uint32_t>(b),
             base + static_cast<uint32_t>(i), capital, clause, out);
    clause = false;
  }
  // Letters spelled out one by one ("k i l l", "k.i.l.l"): three or more
  // single letters, each at most two bytes from the next, are one word; an
  // article before them ("a m o r o n") stays a word of its own.
  std::vector<Token> merged;
  merged.reserve(out.size() - first);
  auto single = [&](size_t k) {
    return out[k].word.size() == 1 && IsAlpha(out[k].word[0]);
  };
  for (size_t i = first; i < out.size();) {
    size_t j = i;
    while (j < out.size() && single(j) &&
           (j == i || out[j].begin - out[j - 1].end <= 2))
      ++j;
    if (j - i >= 4 && (out[i].word == "a" || out[i].word == "i")) {
      merged.push_back(std::move(out[i]));
      ++i;
    }
    if (j - i >= 3) {
      Token t = out[i];
      for (size_t k = i + 1; k < j; ++k) t.word += out[k].word;
      t.end = out[j - 1].end;
      merged.push_back(std::move(t));
      i = j;
    } else {
      // Chat spelling, once spelled-out words are joined: "u r" is "you
      // are".
      if (out[i].word == "u") out[i].word = "you";
      // "ur" is "your", or "you are" before what follows "you are".
      if (out[i].word == "ur") {
        static const std::set<std::string> kAfterAre = {
            "a",   "an",    "so",   "such",    "gonna", "going",  "dead",
            "not", "the",   "just", "really",  "very",  "always", "never",
            "too", "being", "gon",  "nothing", "ugly",  "stupid", "dumb"};
        bool are = i + 1 < out.size() && kAfterAre.count(out[i + 1].word);
        if (i + 1 < out.size() && out[i + 1].word == "going") are = true;
        out[i].word = are ? "you" : "your";
        if (are) {
          merged.push_back(out[i]);
          out[i].word = "are";
        }
      }
      if (out[i].word == "r" && !merged.empty() && merged.back().word == "you")
        out[i].word = "are";
      merged.push_back(std::move(out[i]));
      ++i;
    }
  }
  out.resize(first);
  for (auto& t : merged) out.push_back(std::move(t));
}

namespace {

// Words that are capitalised without being a person's name.
bool NotAName(const std::string& w) {
  static const std::set<std::string> kWords = {
      "i",        "monday", "tuesday", "wednesday", "thursday", "friday",
      "saturday", "sunday", "january", "february",  "march",    "april",
      "june",     "july",   "august",  "september", "october",  "november",
      "december", "god",    "the",     "a",         "you",      "we",
      "they",     "he",     "she",     "it",        "this",     "that",
      "my",       "your",   "our",     "their",     "his",      "her"};
  return kWords.count(w) > 0;
}

// Given names that are also common words ("Will you…", "May I…"): not taken
// for a roster student's name at a sentence's start.
bool AlsoAWord(const std::string& w) {
  static const std::set<std::string> kWords = {
      "will",   "may",   "mark",   "hope",  "grace", "joy",   "faith",
      "rose",   "bill",  "art",    "pat",   "guy",   "ray",   "dawn",
      "summer", "chase", "hunter", "page",  "rich",  "frank", "jack",
      "lane",   "sky",   "river",  "miles", "gene",  "sue",   "don"};
  return kWords.count(w) > 0;
}

}  // namespace

PhraseGrammar PhraseGrammar::Build(const policy::PolicyPack& pack,
                                   const roster::Roster* roster) {
  PhraseGrammar g;
  if (roster)
    for (const auto& p : roster->people) {
      if (!p.student) continue;
      for (const std::string* n : {&p.given, &p.preferred_given}) {
        // One word, or each part of a name the tokenizer splits
        // ("Mary-Kate" is written and read as "Mary", "Kate").
        if (n->find(' ') != std::string::npos) continue;
        for (std::string& w : core::SplitList(core::Lower(*n), '-'))
          if (w.size() >= 2 && !NotAName(w) && !AlsoAWord(w))
            g.given_names_.insert(std::move(w));
      }
    }
  std::set<std::string> ids;
  for (const auto& d : pack.detectors) {
    if (d.kind != policy::DetectorKind::kPhrase &&
        d.kind != policy::DetectorKind::kClassifier)
      continue;
    ids.insert(d.phrase.begin(), d.phrase.end());
    ids.insert(d.unless.begin(), d.unless.end());
    if (!d.negation.empty()) ids.insert(d.negation);
  }
  for (const auto& id : ids) {
    const policy::Lexicon* lex = pack.FindLexicon(id);
    if (!lex) continue;  // "@name"; the loader has checked the rest
    WordClass& c = g.classes_[id];
    std::vector<Token> tokens;
    for (const auto& term : lex->terms) {
      tokens.clear();
      Tokenize(term, 0, tokens);
      if (tokens.empty()) continue;
      std::vector<std::string> words;
      words.reserve(tokens.size());
      for (auto& t : tokens) words.push_back(std::move(t.word));
      c.by_first[words.front()].push_back(
          static_cast<uint32_t>(c.terms.size()));
      c.terms.push_back(std::move(words));
    }
  }
  return g;
}

const PhraseGrammar::WordClass* PhraseGrammar::Find(
    const std::string& id) const {
  auto it = classes_.find(id);
  return it == classes_.end() ? nullptr : &it->second;
}

namespace {

// True when the period at text[dot] ends a title ("Mr.").
bool TitleBefore(std::string_view text, size_t dot) {
  size_t b = dot;
  while (b > 0 && IsAlpha(static_cast<unsigned char>(text[b - 1])) &&
         dot - b < 5)
    --b;
  std::string w;
  for (size_t i = b; i < dot; ++i)
    w += AsciiLower(static_cast<unsigned char>(text[i]));
  return (b == 0 || !IsAlpha(static_cast<unsigned char>(text[b - 1]))) &&
         IsTitle(w);
}

bool SameWord(const Token& t, const std::string& w) {
  return t.word == w || (!t.alt1.empty() && (t.alt1 == w || t.alt2 == w));
}

}  // namespace

void PhraseGrammar::TermsAt(const WordClass& c,
                            const std::vector<Token>& tokens, size_t i,
                            size_t limit,
                            std::vector<uint32_t>& lengths) const {
  lengths.clear();
  if (i >= limit) return;
  for (const std::string* key :
       {&tokens[i].word, &tokens[i].alt1, &tokens[i].alt2}) {
    if (key->empty()) continue;
    auto it = c.by_first.find(*key);
    if (it == c.by_first.end()) continue;
    for (uint32_t ti : it->second) {
      const auto& term = c.terms[ti];
      if (i + term.size() > limit) continue;
      bool ok = true;
      for (size_t k = 1; k < term.size() && ok; ++k)
        ok = SameWord(tokens[i + k], term[k]);
      if (ok && std::find(lengths.begin(), lengths.end(), term.size()) ==
                    lengths.end())
        lengths.push_back(static_cast<uint32_t>(term.size()));
    }
  }
}

bool PhraseGrammar::IsGivenName(const std::string& word) const {
  if (given_names_.count(word)) return true;
  // Tokens are lower-cased as ASCII: "Élodie" needs a full lower-casing.
  const bool ascii = std::all_of(word.begin(), word.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  return !ascii && given_names_.count(core::Lower(word));
}

bool PhraseGrammar::SlotAt(const policy::Detector& d, size_t slot,
                           const std::vector<Token>& tokens, size_t i,
                           size_t sentence_begin, size_t limit,
                           std::vector<uint32_t>& lengths) const {
  lengths.clear();
  const std::string& id = d.phrase[slot];
  if (id == "@name" || id == "@person") {
    if (i < limit && tokens[i].capital && !NotAName(tokens[i].word) &&
        ((i > sentence_begin && !tokens[i].clause_start) ||
         (id == "@person" && IsGivenName(tokens[i].word))))
      lengths.push_back(1);
  } else if (const WordClass* c = Find(id)) {
    TermsAt(*c, tokens, i, limit, lengths);
  }
  return !lengths.empty();
}

// Slots before the anchor: slot `slot` must end within gaps[slot] words
// before token `pos`.
bool PhraseGrammar::Left(const policy::Detector& d,
                         const std::vector<Token>& tokens, size_t slot,
                         size_t pos, size_t sentence_begin, size_t* first,
                         Ranges& matched) const {
  std::vector<uint32_t> lengths;
  for (size_t g = 0; g <= d.gaps[slot]; ++g) {
    if (pos < sentence_begin + g + 1) break;
    size_t end = pos - g;  // exclusive
    for (size_t start = end; start-- > sentence_begin && end - start <= 6;) {
      if (!SlotAt(d, slot, tokens, start, sentence_begin, end, lengths))
        continue;
      if (std::find(lengths.begin(), lengths.end(), end - start) ==
          lengths.end())
        continue;
      if (slot == 0 ||
          Left(d, tokens, slot - 1, start, sentence_begin, first, matched)) {
        if (slot == 0) *first = start;
        matched.emplace_back(start, end);
        return true;
      }
    }
  }
  return false;
}

// Slots after the anchor: slot `slot` must start within gaps[slot - 1]
// words after token `pos` (exclusive end of the previous slot).
bool PhraseGrammar::Right(const policy::Detector& d,
                          const std::vector<Token>& tokens, size_t slot,
                          size_t pos, size_t* last, Ranges& matched) const {
  if (slot >= d.phrase.size()) {
    *last = pos;
    return true;
  }
  std::vector<uint32_t> lengths;
  for (size_t g = 0; g <= d.gaps[slot - 1]; ++g) {
    size_t start = pos + g;
    if (start >= tokens.size()) break;
    if (!SlotAt(d, slot, tokens, start, 0, tokens.size(), lengths)) continue;
    std::vector<uint32_t> options = lengths;
    for (uint32_t len : options)
      if (Right(d, tokens, slot + 1, start + len, last, matched)) {
        matched.emplace_back(start, start + len);
        return true;
      }
  }
  return false;
}

Sentence SentenceAround(std::string_view text, uint32_t b, uint32_t e) {
  Sentence out;
  // The anchor's line: a '>'-quoted line is someone else's words.
  // Looked for within kMaxLine: a line longer than that counts as not
  // quoted, so that a text of one endless line costs no more per word.
  const size_t from = b > kMaxLine ? b - kMaxLine : 0;
  size_t nl = text.substr(from, b - from).rfind('\n');
  bool line_known = nl != std::string_view::npos || from == 0;
  size_t line = nl == std::string_view::npos ? from : from + nl + 1;
  size_t first_char = text.find_first_not_of(" \t", line);
  const bool quoted_line =
      line_known && first_char < b && text[first_char] == '>';
  out.quoted_line = quoted_line;
  // The sentence: back to the end of the previous one, a blank line or a
  // change between quoted and unquoted lines; forward likewise.
  size_t sb = b;
  while (sb > 0 && b - sb < kMaxSentence) {
    char c = text[sb - 1];
    if ((c == '.' || c == '!' || c == '?') && sb < text.size() &&
        std::isspace(static_cast<unsigned char>(text[sb])) &&
        !(c == '.' && TitleBefore(text, sb - 1)))
      break;
    if (c == '\n') {
      // The line before this one, [pl, sb - 1): blank, or quoted when this
      // one is not (or the other way round), ends the sentence.
      // Looked for within kMaxLine bytes: a longer line is taken as neither
      // blank nor of the other kind.
      size_t pl = 0;
      if (sb >= 2) {
        const size_t from = sb - 2 > kMaxLine ? sb - 2 - kMaxLine : 0;
        size_t nl = text.substr(from, sb - 2 - from).rfind('\n');
        if (nl == std::string_view::npos && from > 0) {
          --sb;
          continue;
        }
        pl = nl == std::string_view::npos ? from : from + nl + 1;
      }
      size_t pc = text.find_first_not_of(" \t\r", pl);
      bool blank = pc == std::string_view::npos || pc >= sb - 1;
      if (blank || (text[pc] == '>') != quoted_line) break;
    }
    --sb;
  }
  size_t se = e;
  while (se < text.size() && se - e < kMaxSentence) {
    char c = text[se];
    if ((c == '.' || c == '!' || c == '?') &&
        !(c == '.' && TitleBefore(text, se))) {
      out.terminator = c;
      ++se;
      if (se >= text.size() ||
          std::isspace(static_cast<unsigned char>(text[se])))
        break;
      continue;
    }
    if (c == '\n') {
      std::string_view next = text.substr(se + 1, kMaxLine);
      size_t nb = next.find_first_not_of(" \t\r");
      if (nb == std::string_view::npos) {
        if (se + 1 + next.size() >= text.size()) break;  // only spaces left
      } else if (next[nb] == '\n' || (next[nb] == '>') != quoted_line) {
        break;
      }
    }
    ++se;
  }
  // Text in quotation marks before the anchor, not yet closed.
  int straight = 0, curly = 0;
  for (size_t i = sb; i < b; ++i) {
    if (text[i] == '"') ++straight;
    if (i + 2 < b && static_cast<unsigned char>(text[i]) == 0xE2 &&
        static_cast<unsigned char>(text[i + 1]) == 0x80) {
      unsigned char q = static_cast<unsigned char>(text[i + 2]);
      if (q == 0x9C) ++curly;
      if (q == 0x9D && curly > 0) --curly;
    }
  }
  out.in_quotes = straight % 2 == 1 || curly > 0;
  out.begin = static_cast<uint32_t>(sb);
  out.end = static_cast<uint32_t>(se);
  return out;
}

bool PhraseGrammar::HasUnless(const policy::Detector& d,
                              const std::vector<Token>& tokens) const {
  std::vector<uint32_t> lengths;
  for (const auto& id : d.unless) {
    const WordClass* c = Find(id);
    if (!c) continue;
    for (size_t i = 0; i < tokens.size(); ++i) {
      TermsAt(*c, tokens, i, tokens.size(), lengths);
      if (!lengths.empty()) return true;
    }
  }
  return false;
}

bool PhraseGrammar::Guarded(const policy::Detector& d,
                            const std::vector<Token>& tokens, uint32_t b,
                            uint32_t e) const {
  if (d.unless.empty() && d.negation.empty()) return false;
  if (HasUnless(d, tokens)) return true;
  const WordClass* negation = d.negation.empty() ? nullptr : Find(d.negation);
  if (!negation) return false;
  size_t ti = 0;
  while (ti < tokens.size() && tokens[ti].end <= b) ++ti;
  if (ti == tokens.size() || tokens[ti].begin >= e) return false;
  // Up to three words before the trigger, within its clause.
  if (tokens[ti].clause_start) return false;
  std::vector<uint32_t> lengths;
  for (size_t k = 1; k <= 3 && k <= ti; ++k) {
    TermsAt(*negation, tokens, ti - k, ti, lengths);
    if (!lengths.empty()) return true;
    if (tokens[ti - k].clause_start) break;
  }
  return false;
}

bool PhraseGrammar::Match(const policy::Detector& d, std::string_view text,
                          uint32_t b, uint32_t e, uint32_t* pb,
                          uint32_t* pe) const {
  if (b >= text.size() || e > text.size() || b >= e) return false;
  const Sentence s = SentenceAround(text, b, e);
  if (d.skip_quoted && (s.quoted_line || s.in_quotes)) return false;
  if (d.skip_questions && s.terminator == '?') return false;
  const size_t sb = s.begin, se = s.end;
  std::vector<Token> tokens;
  Tokenize(text.substr(sb, se - sb), static_cast<uint32_t>(sb), tokens);
  if (tokens.empty()) return false;
  if (HasUnless(d, tokens)) return false;
  std::vector<uint32_t> lengths;
  const WordClass* negation = d.negation.empty() ? nullptr : Find(d.negation);
  for (size_t ai = 0; ai < tokens.size(); ++ai) {
    if (tokens[ai].end <= b || tokens[ai].begin >= e) continue;
    if (!SlotAt(d, d.anchor, tokens, ai, 0, tokens.size(), lengths)) continue;
    std::vector<uint32_t> anchor_lengths = lengths;
    for (uint32_t alen : anchor_lengths) {
      size_t first = ai, last = ai + alen;
      Ranges matched = {{ai, ai + alen}};
      if (d.anchor > 0 &&
          !Left(d, tokens, d.anchor - 1, ai, 0, &first, matched))
        continue;
      if (!Right(d, tokens, d.anchor + 1, ai + alen, &last, matched)) continue;
      auto in_phrase = [&](size_t i) {
        for (const auto& [mb, me] : matched)
          if (i >= mb && i < me) return true;
        return false;
      };
      // Negation between the phrase's start and its anchor, or up to two
      // words before its start within the same clause; not the phrase's
      // own words ("you won't make it" names its "not").
      bool negated = false;
      if (negation) {
        size_t from = first;
        for (int k = 0; k < 2 && from > 0 && !tokens[from].clause_start; ++k)
          --from;
        for (size_t i = from; i < ai && !negated; ++i) {
          if (in_phrase(i)) continue;
          TermsAt(*negation, tokens, i, ai, lengths);
          negated = !lengths.empty();
        }
      }
      if (negated) continue;
      *pb = tokens[first].begin;
      *pe = tokens[last - 1].end;
      return true;
    }
  }
  return false;
}

}  // namespace steward::inspect
