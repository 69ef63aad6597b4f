// Accuracy of the identifier detectors against a labelled set (Presidio's
// synthetic sentences): precision, recall and F2 per entity type, counted by
// character span (a prediction and a label of the same type that overlap are
// one true positive; each label and prediction is used once).
#pragma once

#include <map>
#include <string>

#include "engine/engine.h"

namespace steward::testing {

// With nothing predicted (or nothing labelled) precision (recall) is 0, not
// a perfect 1: a run over an empty or unreadable set must not meet a floor.
struct Score {
  size_t tp = 0, fp = 0, fn = 0;
  size_t Labels() const { return tp + fn; }
  double Precision() const {
    return tp + fp ? double(tp) / double(tp + fp) : 0.0;
  }
  double Recall() const { return tp + fn ? double(tp) / double(tp + fn) : 0.0; }
  double F(double beta) const {
    double p = Precision(), r = Recall(), b2 = beta * beta;
    return p + r > 0 ? (1 + b2) * p * r / (b2 * p + r) : 0;
  }
};

// Per Presidio entity type, plus "ALL" over the mapped types.
std::map<std::string, Score> EvaluatePresidio(const engine::Engine& e,
                                              const std::string& json_path,
                                              std::string* error);

// A Markdown table of the scores.
std::string ScoreTable(const std::map<std::string, Score>& s);

}  // namespace steward::testing
