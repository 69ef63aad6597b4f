#include "inspect/word_literals.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace steward::inspect {

namespace {

constexpr std::array<bool, 256> kWord = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
  return t;
}();

inline bool IsWord(unsigned char c) { return kWord[c]; }

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline uint64_t HashWord(const unsigned char* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  uint64_t v;
  while (n >= 8) {
    std::memcpy(&v, p, 8);
    h = Mix(h ^ v);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    v = 0;
    std::memcpy(&v, p, n);
    h = Mix(h ^ v);
  }
  return h;
}

// Keys of the table: one word, or a pair. Never 0 (an empty slot).
inline uint64_t KeyOne(uint64_t first) { return first | 1; }
inline uint64_t KeyTwo(uint64_t first, uint64_t second) {
  return Mix(first ^ (second * 0xc2b2ae3d27d4eb4fULL)) | 1;
}

// The first word's bit in the filter: high bits, apart from the table's.
inline uint64_t FilterBit(uint64_t first, uint64_t mask) {
  return (first >> 20) & mask;
}

}  // namespace

bool WordLiterals::Add(std::string_view literal, uint32_t id) {
  const auto* p = reinterpret_cast<const unsigned char*>(literal.data());
  const size_t n = literal.size();
  if (n == 0 || !IsWord(p[0]) || text_.size() + n > UINT32_MAX) return false;
  size_t e1 = 0;
  while (e1 < n && IsWord(p[e1])) ++e1;
  size_t b2 = e1;
  while (b2 < n && !IsWord(p[b2])) ++b2;
  const uint64_t first = HashWord(p, e1);
  uint64_t key;
  if (b2 == n) {
    key = KeyOne(first);
    single_words_ = true;
  } else {
    size_t e2 = b2;
    while (e2 < n && IsWord(p[e2])) ++e2;
    key = KeyTwo(first, HashWord(p + b2, e2 - b2));
    max_gap_ = std::max(max_gap_, b2 - e1);
  }
  entries_.push_back(
      {key, static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(n), id});
  first_keys_.push_back(first);
  text_.append(literal);
  starts_[p[0]] = true;
  return true;
}

void WordLiterals::Finish() {
  // Ids are unique, so the order is the same on every build.
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) {
              return a.key != b.key ? a.key < b.key : a.id < b.id;
            });
  size_t unique = 0;
  for (size_t i = 0; i < entries_.size(); ++i)
    unique += i == 0 || entries_[i].key != entries_[i - 1].key;
  // At most 70% full, so a probe ends after a slot or two.
  size_t slots = std::bit_ceil(std::max<size_t>(16, unique * 10 / 7 + 1));
  table_.assign(slots, Slot{});
  mask_ = slots - 1;
  for (size_t i = 0; i < entries_.size();) {
    size_t j = i;
    while (j < entries_.size() && entries_[j].key == entries_[i].key) ++j;
    uint64_t at = entries_[i].key & mask_;
    while (table_[at].key != 0) at = (at + 1) & mask_;
    table_[at] = {entries_[i].key, static_cast<uint32_t>(i),
                  static_cast<uint32_t>(j - i)};
    i = j;
  }
  // About 32 bits per first word: a word that starts no literal passes the
  // filter one time in thirty or so.
  size_t bits = std::bit_ceil(std::max<size_t>(4096, first_keys_.size() * 32));
  first_words_.assign(bits / 64, 0);
  first_words_mask_ = bits - 1;
  for (uint64_t f : first_keys_) {
    uint64_t b = FilterBit(f, first_words_mask_);
    first_words_[b >> 6] |= uint64_t{1} << (b & 63);
  }
  first_keys_.clear();
  first_keys_.shrink_to_fit();
  text_.shrink_to_fit();
  entries_.shrink_to_fit();
}

size_t WordLiterals::MemoryBytes() const {
  return text_.capacity() + entries_.capacity() * sizeof(Entry) +
         table_.capacity() * sizeof(Slot) +
         first_words_.capacity() * sizeof(uint64_t);
}

const WordLiterals::Slot* WordLiterals::Lookup(uint64_t key) const {
  for (uint64_t at = key & mask_;; at = (at + 1) & mask_) {
    const Slot& s = table_[at];
    if (s.key == key) return &s;
    if (s.key == 0) return nullptr;
  }
}

void WordLiterals::Compare(const Slot& slot, std::string_view text,
                           size_t begin, std::vector<Hit>& out) const {
  for (uint32_t k = slot.first; k < slot.first + slot.count; ++k) {
    const Entry& e = entries_[k];
    const size_t end = begin + e.length;
    if (end > text.size() ||
        std::memcmp(text.data() + begin, text_.data() + e.offset, e.length) !=
            0)
      continue;
    // Where the text goes on with a word byte, only a literal ending in '.'
    // ("Maria G.") may end there.
    if (end < text.size() && IsWord(static_cast<unsigned char>(text[end])) &&
        text_[e.offset + e.length - 1] != '.')
      continue;
    out.push_back({e.id, static_cast<uint32_t>(end)});
  }
}

bool WordLiterals::Find(std::string_view text, std::vector<Hit>& out,
                        size_t cap) const {
  if (entries_.empty()) return true;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const size_t first_out = out.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && !IsWord(p[i])) ++i;
    if (i == n) break;
    const size_t begin = i;
    const bool may_start = starts_[p[i]];
    while (i < n && IsWord(p[i])) ++i;
    if (!may_start) continue;
    const uint64_t first = HashWord(p + begin, i - begin);
    const uint64_t bit = FilterBit(first, first_words_mask_);
    if (!(first_words_[bit >> 6] >> (bit & 63) & 1)) continue;
    if (single_words_) {
      if (const Slot* s = Lookup(KeyOne(first))) Compare(*s, text, begin, out);
    }
    if (max_gap_ > 0) {
      size_t b2 = i;
      while (b2 < n && b2 - i < max_gap_ && !IsWord(p[b2])) ++b2;
      if (b2 > i && b2 < n && IsWord(p[b2])) {
        size_t e2 = b2;
        while (e2 < n && IsWord(p[e2])) ++e2;
        if (const Slot* s = Lookup(KeyTwo(first, HashWord(p + b2, e2 - b2))))
          Compare(*s, text, begin, out);
      }
    }
    if (out.size() - first_out >= cap) return false;
  }
  return true;
}

}  // namespace steward::inspect
