// The labelled corpora of ../shared/corpora (SOURCES.md) as one list of
// texts, each with its corpus's own label and a fixed held-out split, so the
// classifier's training data (`make model`) and its evaluation (`make eval`)
// split them the same way: a text is held out when the FNV-1a hash of its key
// (the text; for the SpamAssassin messages, the message's file name, so the
// raw messages split as their one-line copies do) is 0 modulo 5.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steward::testing {

uint32_t Fnv1a(std::string_view s);
// The fields of a TSV line whose last field may hold anything but a tab.
std::vector<std::string> SplitTabs(const std::string& line);
inline bool HeldOutKey(std::string_view key) { return Fnv1a(key) % 5 == 0; }

struct LabelledText {
  std::string
      source;  // "davidson", "implicit-hate", "sms-spam", "spamassassin"
  // The corpus's label: davidson "hate", "offensive", "neither";
  // implicit-hate "threatening" (stage 2), "explicit_hate", "implicit_hate",
  // "not_hate" (stage 1); sms-spam and spamassassin "spam", "ham".
  std::string label;
  std::string text;  // tweets without retweet marks, @names and links
  std::string key;   // what decides the split
  bool held_out = false;
};

// Appends the texts of every labelled corpus that is present; `missing`
// gets the names of those that are not. False, with `error` naming the file
// and line, when a present corpus cannot be read.
bool ReadLabelledCorpora(std::vector<LabelledText>& out,
                         std::vector<std::string>& missing, std::string* error);

// Training data for the classifier detectors' models (policy/models,
// docs/models.md) in fastText's format ("__label__X words", the words made
// by inspect::ModelInput), from the functional suite's tuning part
// (tests/golden/functional, not its held-out fifth nor independent/) and the
// corpora's training part, shuffled with a fixed seed:
//   conduct.train       sentences: threat, harassment, profanity,
//                       political-campaigning, none
//   solicitation.train  whole messages: solicitation, none
// `report` gets the lines per label of each file.
bool WriteTrainingData(const std::string& out_dir, std::string* report,
                       std::string* error);

}  // namespace steward::testing
