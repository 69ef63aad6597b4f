// Exact literals found by the words they start with: the roster's names and
// identifiers at district scale. A literal is keyed by its first word, and by
// its first two words when it has two (a word is a run of word bytes: ASCII
// letters and digits, '_', and every byte from 0x80; what separates two words
// is the run of other bytes between them). At each word start of a text the
// keys of that word (and of the word after it) are looked up in a hash table
// and the literals under them compared byte for byte.
//
// Find reports every literal that occurs at a word start and ends at the end
// of the text, before a byte that is no word byte, or with a '.' of its own:
// exactly the occurrences a literal search followed by those boundary checks
// accepts (inspect/matcher.cc keeps the checks, and a differential test
// holds the two to the same spans). Building is a sort and a table: no
// compilation, so a roster of 100,000 people is ready in about a second
// and any change to it rebuilds only this table.
//
// Literals that do not start with a word byte cannot be found this way: Add
// refuses them and the caller searches for them otherwise. Immutable after
// Finish; Find is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot.h"

namespace steward::inspect {

class WordLiterals {
 public:
  struct Hit {
    uint32_t id;   // as given to Add
    uint32_t end;  // offset just past the literal in the text
  };

  // A word byte: an ASCII letter or digit, '_', or any byte from 0x80.
  static bool IsWordByte(unsigned char c);

  // Adds `literal` under `id`. False (nothing added) when it is empty or
  // does not start with a word byte.
  bool Add(std::string_view literal, uint32_t id);
  // Builds the lookup table; call once, after the last Add.
  void Finish();

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Bytes held (literals, table, filter): what a roster costs in memory.
  size_t MemoryBytes() const;

  // The built table as part of a snapshot (core/snapshot.h), and back.
  // Load is false, and the table left empty, when what it reads does not
  // hold together (an id at or past `max_id` among them).
  void Save(core::SnapshotWriter& w) const;
  bool Load(core::SnapshotReader& r, uint32_t max_id);

  // Appends to `out` every occurrence in `text` described above (at most
  // `cap` hits in all; false when the cap stopped it).
  bool Find(std::string_view text, std::vector<Hit>& out, size_t cap) const;

 private:
  struct Entry {
    uint64_t key;
    uint32_t offset, length;  // in text_
    uint32_t id;
  };
  struct Slot {
    uint64_t key = 0;
    uint32_t first = 0, count = 0;  // entries_[first, first + count)
  };
  const Slot* Lookup(uint64_t key) const;
  void Compare(const Slot& slot, std::string_view text, size_t begin,
               std::vector<Hit>& out) const;

  std::string text_;            // every literal, back to back
  std::vector<Entry> entries_;  // sorted by key after Finish
  std::vector<Slot> table_;     // open addressing; size a power of two
  uint64_t mask_ = 0;
  // One bit per first-word hash, and which bytes a literal starts with: most
  // words of a text are passed over by these before any lookup.
  std::vector<uint64_t> first_words_;
  uint64_t first_words_mask_ = 0;
  bool starts_[256] = {};
  uint8_t start_kinds_ = 0;    // the kinds of those bytes (word_literals.cc)
  bool single_words_ = false;  // some literal is keyed by one word
  size_t max_gap_ = 0;         // the longest gap between two words of a literal
  std::vector<uint64_t> first_keys_;  // until Finish
};

}  // namespace steward::inspect
