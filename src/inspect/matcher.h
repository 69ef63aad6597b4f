// Two-stage matching. Stage 1 runs Hyperscan block-mode databases, without
// start-of-match: the pack's regexes (or their prefilters, or the hotwords of
// detectors that require one) over the text; word-list terms as literals
// over the plain and folded views (inspect/lexicon.h). Roster names and
// identifiers are exact literals found by the words they start with
// (inspect/word_literals.h: a hash table, no compilation, whatever the
// roster's size); the rare one that starts with no word byte joins a
// Hyperscan literal database. Stage 2 recovers spans only at the
// candidates: PCRE2 in a window bounded by the detector's max_width (or its
// hotword window), or the literal's length.
//
// A Matcher is immutable after Build and shared by all threads; each thread
// owns a Matcher::Scratch. Compiled databases are cached on disk under
// `cache_dir` keyed by the pack's and roster's hashes, and so is the
// roster's word table (a snapshot keyed by the roster detectors and every
// name and identifier it was built from), so a large roster is ready from
// the cache in a fraction of the time it takes to build.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/view.h"
#include "policy/pack.h"
#include "roster/oneroster.h"

namespace steward::inspect {

// A recovered span before validation and context.
struct Span {
  uint32_t detector;  // index into pack.detectors
  uint32_t begin, end;
  int32_t people = -1;  // roster literal: index into Matcher::PeopleOf
};

class Matcher {
 public:
  struct Options {
    std::string cache_dir;  // empty: no cache
    // false: every roster literal through Hyperscan, as before the word
    // table (the reference the differential test and benchmark compare to).
    bool names_by_word = true;
  };
  struct Stats {
    size_t patterns = 0, literals = 0, terms = 0;
    size_t literal_bytes = 0;   // memory of the roster's word table
    bool names_cached = false;  // the word table came from the cache
    bool pattern_db_cached = false, literal_db_cached = false;
  };

  // Fails with the offending detector named when a pattern does not compile.
  static core::Result<std::unique_ptr<Matcher>> Build(
      const policy::PackPtr& pack,
      const std::shared_ptr<const roster::Roster>& roster,
      const Options& options);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  class Scratch;
  std::unique_ptr<Scratch> NewScratch() const;

  // Appends the spans found in `text` for detectors that read `view`.
  // Returns false when the candidate cap was hit (the text was only partly
  // matched); the spans found so far are still appended.
  bool Find(std::string_view text, core::View view, Scratch& scratch,
            std::vector<Span>& out) const;

  // The people a roster literal stands for (indices into the roster). A
  // view, not std::span: this header is read by a C++17 file too.
  struct People {
    const uint32_t* first = nullptr;
    size_t count = 0;
    const uint32_t* begin() const { return first; }
    const uint32_t* end() const { return first + count; }
    size_t size() const { return count; }
    uint32_t front() const { return *first; }
  };
  People PeopleOf(int32_t group) const;
  const Stats& stats() const { return stats_; }

 private:
  Matcher() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Stats stats_;
};

// Shared by every Scratch owner: the Scratch itself.
class Matcher::Scratch {
 public:
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  friend class Matcher;
  Scratch() = default;
  struct Data;
  std::unique_ptr<Data> d_;
};

}  // namespace steward::inspect
