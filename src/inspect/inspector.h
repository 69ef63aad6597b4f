// The inspection stage of the engine: from decoded text to findings. It owns
// the compiled Matcher and applies, at each candidate span, the detector's
// validator and its context (hotwords raise confidence, negative words such
// as "sample" lower it) or, for a phrase detector, its grammar
// (inspect/phrase.h), or, for a classifier detector, its model's verdict on
// the sentence or text around the trigger (inspect/classifier.h), then
// redacts the excerpt. Per item it applies each
// detector's minimum count and the pack's severity combinations.
//
// An Inspector is immutable and shared across threads; each thread holds its
// own Scratch from NewScratch().
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/view.h"
#include "inspect/classifier.h"
#include "inspect/encoder.h"
#include "inspect/formats.h"
#include "inspect/matcher.h"
#include "inspect/phrase.h"
#include "policy/pack.h"
#include "roster/oneroster.h"

namespace steward::inspect {

struct Location {
  std::string part;     // "1.2" in a MIME tree; "" for a plain file
  std::string view;     // a core::View's name; "" when not of a text
  uint32_t line = 0;    // 1-based within the part's decoded text
  uint64_t offset = 0;  // byte offset within the part's decoded text
  uint32_t length = 0;
  // Within a document: "page 3", "Grades!B7 (Student ID)", "slide 2",
  // "comment by J. Smith"; "" when the part has no such places.
  std::string where = {};
};

struct Finding {
  std::string category;
  std::string detector;
  std::vector<std::string> clauses;
  policy::Severity severity = policy::Severity::kLow;
  double confidence = 0;
  Location location;
  std::string excerpt;  // redacted unless values were asked for
  std::string value;    // the matched text; empty unless values were asked for
  std::string detail;   // e.g. who a roster match is: "student, grade 05, ..."
  // A roster match: the roster ids of everyone with the name found.
  std::vector<std::string> people = {};
};

// One decoded text to inspect: a part's body, a subject, a file name.
struct TextView {
  std::string_view text;
  std::string part;
  core::View view = core::View::kBody;
  // Each line stands alone (a table's rows): hotwords and negative words
  // count only on the line of the value.
  bool lines_apart = false;
};

class Inspector {
 public:
  struct Options {
    std::string cache_dir;     // compiled database cache; empty: none
    bool show_values = false;  // keep full values in findings
  };

  static core::Result<std::shared_ptr<const Inspector>> Create(
      policy::PackPtr pack, std::shared_ptr<const roster::Roster> roster,
      const Options& options);

  using Scratch = Matcher::Scratch;
  std::unique_ptr<Scratch> NewScratch() const { return matcher_->NewScratch(); }

  // Appends the findings of one text. Returns false when the text could
  // only be partly matched (candidate cap) or partly classified (more than
  // kMaxPredictions sentences for the models); callers report that.
  bool InspectText(const TextView& t, Scratch& scratch,
                   std::vector<Finding>& out) const;

  // Completes an item's findings: drops detectors under their min_count,
  // applies severity combinations, orders by part and offset.
  void FinishItem(std::vector<Finding>& findings) const;

  // A finding the engine makes itself (not-inspected), with the pack's
  // clauses and severity for that category.
  Finding MakeFinding(std::string_view category, std::string part,
                      std::string excerpt) const;

  const policy::PolicyPack& pack() const { return *pack_; }
  const Matcher& matcher() const { return *matcher_; }

 private:
  Inspector() = default;
  policy::PackPtr pack_;
  std::shared_ptr<const roster::Roster> roster_;
  std::unique_ptr<Matcher> matcher_;
  PhraseGrammar grammar_;
  Options options_;
  // Per detector, lower-cased hotwords and negative words, and its formats
  // (null when it has none).
  std::vector<std::vector<std::string>> hot_, neg_;
  std::vector<std::unique_ptr<FormatSet>> formats_;
  // Per detector, its model (null unless a classifier detector); detectors
  // that name one file share it.
  std::vector<std::shared_ptr<const Classifier>> models_;
  std::vector<int> label_index_;  // per detector, its label in its model
  std::vector<int> none_index_;   // ... and the model's "none"; -1 if none
  // Per detector, its second opinion (null when it has none): the encoder
  // (shared by folder), the head (shared by file), and its label there.
  std::vector<std::shared_ptr<const SentenceEncoder>> encoders_;
  std::vector<std::shared_ptr<const Head>> heads_;
  std::vector<int> head_label_;
  // Second opinions given so far in this process, by head and the hash of
  // the words read (XXH3): mail repeats itself (quoted replies, signatures,
  // one template sent to many), and an encoding costs milliseconds. At most
  // kOpinionCache; emptied when full.
  static constexpr size_t kOpinionCache = 65536;
  mutable std::mutex opinion_mu_;
  mutable std::unordered_map<uint64_t, std::vector<double>> opinion_cache_;
  std::vector<double> Opinion(uint32_t di, const std::string& words) const;

  // What stage 2 of the classifier detectors has done in one text: the
  // units already scored, the last sentence's words, the trigger words
  // found per detector.
  struct ClassifyMemo {
    std::set<std::pair<uint32_t, uint32_t>> scored;  // detector, unit
    uint32_t sentence = UINT32_MAX;                  // its start
    std::vector<Token> tokens;
    std::map<uint32_t, std::vector<uint32_t>> triggers;  // per detector,
                                                         // sorted starts
    // Predictions made: per model and unit (its start; UINT32_MAX for a
    // whole text), every label's probability. At most kMaxPredictions a
    // text; past it, `capped`, and the models read no more of it.
    std::map<std::pair<const Classifier*, uint32_t>, std::vector<double>>
        predictions;
    // The same of the heads, at most kMaxEncodings a text (an encoding of
    // kEncodedPieces word pieces costs up to about 10 ms: a text of many
    // long sentences the first model holds possible must not hold a door
    // for seconds); past it too, `capped`.
    std::map<std::pair<const Head*, uint32_t>, std::vector<double>> opinions;
    size_t encodings = 0;
    bool capped = false;
  };
  static constexpr size_t kMaxPredictions = 1000;
  static constexpr size_t kMaxEncodings = 32;
  static constexpr size_t kEncodedPieces = kConductPieces;
  // Stage 2 of classifier detector `di` at the trigger [b, e): false when
  // a guard cancels it, the unit holds fewer trigger words than the
  // detector asks, the model does not give it the label, this unit was
  // scored already, or the text has had kMaxPredictions already. [*pb, *pe) is
  // then the sentence (or stays the trigger for a whole text).
  bool Classify(uint32_t di, std::string_view text, uint32_t b, uint32_t e,
                ClassifyMemo& memo, uint32_t* pb, uint32_t* pe,
                double* confidence) const;
};

}  // namespace steward::inspect
