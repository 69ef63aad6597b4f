// Accuracy of the identifier detectors against a labelled set (Presidio's
// synthetic sentences): precision, recall and F2 per entity type, counted by
// character span, as presidio-evaluator's span evaluator counts them: a label
// is found when a finding of its type overlaps it, and a finding is a false
// alarm when it overlaps no label of its type. The set often labels one
// address in pieces (the house number, the street, the unit and the postcode
// apart); one finding over the whole address finds them all. The stricter
// count used before (each finding finds at most one label) is kept for
// comparison.
//
// The set is split by a fixed rule so that detectors can be tuned on one
// part and measured on the other: a sentence is held out when the FNV-1a
// (64-bit) hash of its text is 0 modulo 5. The rule needs no seed and gives
// the same fifth on every machine.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace steward::testing {

// With nothing predicted (or nothing labelled) precision (recall) is 0, not
// a perfect 1: a run over an empty or unreadable set must not meet a floor.
struct Score {
  size_t found = 0, missed = 0;  // labels
  size_t right = 0, wrong = 0;   // findings: on a label, false alarms
  size_t Labels() const { return found + missed; }
  double Precision() const {
    return right + wrong ? double(right) / double(right + wrong) : 0.0;
  }
  double Recall() const {
    return found + missed ? double(found) / double(found + missed) : 0.0;
  }
  double F(double beta) const {
    double p = Precision(), r = Recall(), b2 = beta * beta;
    return p + r > 0 ? (1 + b2) * p * r / (b2 * p + r) : 0;
  }
};

// Which sentences to count.
enum class Part {
  kAll,      // the whole set
  kTuning,   // the four fifths detectors may be tuned on
  kHeldOut,  // the fifth they may not: the floors are asserted here
};

enum class Counting {
  kCovered,   // presidio-evaluator's: a finding finds every label it overlaps
  kOneToOne,  // each finding finds at most one label (the count before)
};

// True for a held-out sentence (the rule above).
bool HeldOut(std::string_view sentence);

// Per Presidio entity type, plus "ALL" over the mapped types, over `part`.
// `errors`, when given, receives one line per miss and per false alarm
// (type, the sentence's number, the span and its text).
std::map<std::string, Score> EvaluatePresidio(
    const engine::Engine& e, const std::string& json_path, Part part,
    Counting counting, std::string* error,
    std::vector<std::string>* errors = nullptr);

// A Markdown table of the scores.
std::string ScoreTable(const std::map<std::string, Score>& s);

}  // namespace steward::testing
