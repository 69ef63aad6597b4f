// Stage 2 of a classifier detector (policy/pack.h, DetectorKind::
// kClassifier): a fastText model that gives a sentence, or a whole text, the
// probability of each of its labels. Stage 1 (the matcher's word lists)
// decides which sentences it sees, so a scan pays for the model only where
// a trigger word is.
//
// The model reads the words that ModelInput() makes of a text: the same
// normalisation as the phrase detectors (inspect/phrase.h: lower case,
// contractions and chat spellings expanded, leetspeak undone; every number
// written in digits is the word "0"), so training data made with
// ModelInput() and the running detector see the same words.
//
// A Classifier is immutable after Load and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "inspect/phrase.h"

namespace steward::inspect {

// How many words a model reads of its unit: of a sentence, of a whole text
// (from its start). Training data is made with the same numbers.
inline constexpr size_t kSentenceWords = 400;
inline constexpr size_t kTextWords = 200;

// The normalised words of `text`, separated by single spaces; at most
// `max_words` of them (a long text is read from its start).
std::string ModelInput(std::string_view text,
                       size_t max_words = kSentenceWords);
// The same of words already tokenised; `question` appends the mark.
std::string ModelWords(const std::vector<Token>& tokens, size_t max_words,
                       bool question);
// The longest text ModelInput reads for `max_words` words.
constexpr size_t ModelInputBytes(size_t max_words) { return max_words * 12; }

class Classifier {
 public:
  // Reads a supervised fastText model (.bin or quantised .ftz). An error
  // names the file and what is wrong with it.
  static core::Result<std::unique_ptr<const Classifier>> Load(
      const std::string& path);
  // The same of a model file's bytes already read; `name` names it in
  // errors.
  static core::Result<std::unique_ptr<const Classifier>> Parse(
      const std::string& name, std::string bytes);
  ~Classifier();

  // True when the model has `label` (without fastText's "__label__").
  bool HasLabel(std::string_view label) const;

  // The probability of `label` for words made by ModelInput(); 0 for an
  // empty input or an unknown label.
  double Score(std::string_view words, std::string_view label) const;

  // Every label's probability at once (label i as LabelName(i)); empty for
  // an empty input. Detectors that share a model share one prediction.
  std::vector<double> ScoreAll(std::string_view words) const;
  int LabelIndex(std::string_view label) const;  // -1 when it has none

 private:
  Classifier();
  struct Model;  // fastText's, able to check a file's header
  std::unique_ptr<Model> model_;
  int labels_ = 0;
};

}  // namespace steward::inspect
