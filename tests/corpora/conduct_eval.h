// Evaluation of the conduct detectors (threat, harassment): the functional
// suite of tests/golden/functional (one case a line, positives beside their
// non-matching twins, a fixed held-out fifth) and real text written by
// others (threatening posts of the Latent Hatred corpus, real ham and spam).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "labelled.h"

namespace steward::testing {

struct SuiteCase {
  std::string file;  // the suite file, e.g. "threat.tsv"
  size_t line = 0;
  std::string category;  // the file's category
  std::string label;     // the category it must get, or "none"
  std::string functionality;
  std::string text;
  bool held_out = false;  // FNV-1a of the text, modulo 5, is 0
  bool found = false;     // the engine gave it the file's category
};

// Reads every *.tsv of `dir`; a malformed line is an error naming the file
// and line.
bool ReadSuite(const std::string& dir, std::vector<SuiteCase>& out,
               std::string* error);

// Runs the engine over every case (fills `found`).
void RunSuite(const engine::Engine& e, std::vector<SuiteCase>& cases);

// Recall over a category's positive cases and the share of its twins
// flagged, for one part of the suite.
struct SuiteScore {
  size_t positives = 0, found = 0, twins = 0, twins_flagged = 0;
  double Recall() const { return positives ? double(found) / positives : 0; }
  double FlagRate() const { return twins ? double(twins_flagged) / twins : 0; }
};
// Key: category, then "dev", "held-out" or "all".
using SuiteScores = std::map<std::string, std::map<std::string, SuiteScore>>;
SuiteScores ScoreSuite(const std::vector<SuiteCase>& cases);
std::string SuiteTable(const SuiteScores& s);

// The share of texts given a category: the detection rate on a labelled
// class of someone else's corpus.
struct Rate {
  size_t texts = 0, flagged = 0;
  double Share() const { return texts ? double(flagged) / texts : 0; }
};

// The labelled corpora's texts (labelled.h), per "corpus / label": the
// share given each conduct category ("solicitation" is any of the pack's
// three kinds of it). Only the held-out texts when `held_out_only`.
using LabelledRates = std::map<std::string, std::map<std::string, Rate>>;
LabelledRates EvaluateLabelled(const engine::Engine& e,
                               const std::vector<LabelledText>& texts,
                               bool held_out_only);
inline const char* const kConductCategories[] = {
    "threat", "harassment", "solicitation", "political-campaigning"};

// Real mail: messages (files of `dir`) with a finding of high severity, and
// with a finding of any of `categories`.
struct MailRates {
  Rate high;
  Rate any_of;
  std::map<std::string, size_t> high_by_category;
};
// Only the held-out fifth of the files (by file name, labelled.h) when
// `held_out_only`.
MailRates EvaluateMailFolder(const engine::Engine& e, const std::string& dir,
                             const std::vector<std::string>& categories,
                             bool held_out_only = false);

}  // namespace steward::testing
