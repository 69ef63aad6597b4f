// The pipeline every door calls: extract -> inspect -> findings per item.
// What a door then does with them is decided after the engine, by the pack's
// rules (decide/verdict.h), and carried out by enforce/enforce.h.
//
// An Engine is immutable after Create and shared by all threads; each thread
// passes its own Scratch. The same bytes give the same findings whichever
// door they came through.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "extract/part.h"
#include "extract/source.h"
#include "inspect/inspector.h"
#include "policy/loader.h"

namespace steward::engine {

struct ItemResult {
  std::string item;
  uint64_t bytes = 0;
  std::vector<inspect::Finding> findings;
  std::vector<extract::Skipped> images;  // seen and typed, not read
  std::string error;                     // the item could not be read at all
  extract::MessageFacts message;         // a message's header facts
};

struct Options {
  // Pack folder (or its pack.toml); empty: policy::DefaultPackDir()
  // ($STEWARD_POLICY, else the bundled pack).
  std::string policy;
  std::string roster;  // OneRoster export folder or zip; empty: none
  // Compiled-database cache; empty: DefaultCacheDir(); "none": no cache.
  std::string cache_dir;
  bool show_values = false;  // findings keep the whole matched value
  // People already read (the store's, for a site audit); used instead of
  // `roster` when set.
  std::shared_ptr<const roster::Roster> roster_data = {};
  // A door's engine: only the detectors whose findings a rule of this
  // channel can act on (policy::ForChannel); none: every detector.
  std::optional<policy::Channel> channel = {};
};

class Engine {
 public:
  // Loads the pack and roster and compiles them (or reads the compiled
  // databases from the cache, keyed by the pack's hash); a pattern that
  // does not compile is an error here. On a pack error the returned status
  // lists every error, one per line; NotFound when no pack is found.
  static core::Result<std::unique_ptr<Engine>> Create(const Options& options);

  using Scratch = inspect::Inspector::Scratch;
  std::unique_ptr<Scratch> NewScratch() const {
    return inspector_->NewScratch();
  }

  // Reads one file and reports each item in it (an mbox: each message;
  // anything else: the file), in order, on this thread. `steward scan`
  // lists items itself (extract::ListItems) to spread them over threads,
  // and calls InspectRef.
  void ScanFile(const std::string& path, Scratch& scratch,
                const std::function<void(ItemResult&&)>& on_item) const;

  // Extracts and inspects one item found by extract::ListItems.
  ItemResult InspectRef(const extract::ItemRef& ref, Scratch& scratch) const;

  // Inspects an already extracted item.
  ItemResult InspectItem(extract::Item&& item, Scratch& scratch) const;

  // Inspects raw message bytes; the item's `message` holds its header facts
  // (decide::DecideMessage, for every enforcing door).
  ItemResult InspectMessage(std::string name, std::string_view bytes,
                            Scratch& scratch) const;

  // Inspects one plain text (tests, evaluation).
  ItemResult InspectPlainText(std::string name, std::string_view text,
                              Scratch& scratch) const;

  const policy::PolicyPack& pack() const { return inspector_->pack(); }
  const inspect::Inspector& inspector() const { return *inspector_; }
  const roster::Roster* roster() const { return roster_.get(); }
  // The pack's [limits]; the addresses view is produced only when some
  // detector reads it.
  const extract::Limits& limits() const { return limits_; }

 private:
  Engine() = default;
  std::shared_ptr<const inspect::Inspector> inspector_;
  std::shared_ptr<const roster::Roster> roster_;
  extract::Limits limits_;
  bool show_values_ = false;

  // A table's headers are read as the pack's [tables] writes them out
  // (HeaderPhrase), and the table read again: each header alone, for word
  // lists ("iep_flag" is "iep flag"); the cells of each column headed by a
  // hotword ("stu_num" is "student number"), one by one with the header
  // beside each value, so detectors that need a hotword find values far
  // below it; given- and family-name columns joined ("Maria Garcia"), for
  // the roster's name detectors. Adds only those detectors' findings (word
  // lists, hotword detectors, name detectors), placed at the cells in the
  // table's text. Findings from `first` on are the table's own.
  void ColumnContext(const extract::TextPart& t, size_t first, Scratch& scratch,
                     std::vector<inspect::Finding>& findings) const;
  // A header as words written out: "stu_num" -> "student number".
  std::string HeaderPhrase(std::string_view header) const;
  // Detectors that need a hotword, and all their hotwords (written out as
  // headers are); word-list detectors.
  std::vector<std::string> hotword_detectors_;
  std::vector<std::string> hotwords_;
  std::vector<std::string> lexicon_detectors_;
  // Roster detectors of names (only when a roster is loaded).
  std::vector<std::string> name_detectors_;

  // Sets each new finding's `where` from the part's anchors and, for a
  // table, folds per-row findings into one bulk-extract finding.
  void Place(const extract::TextPart& t, size_t first,
             std::vector<inspect::Finding>& findings) const;
};

// The pack's [limits] as the extractors take them.
extract::Limits ExtractLimits(const policy::Limits& limits);

// $STEWARD_CACHE, else $XDG_CACHE_HOME/steward, else ~/.cache/steward.
std::string DefaultCacheDir();

}  // namespace steward::engine
