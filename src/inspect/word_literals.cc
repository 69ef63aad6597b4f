#include "inspect/word_literals.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace steward::inspect {

namespace {

constexpr std::array<bool, 256> kWordBytes = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
  return t;
}();

inline bool IsWord(unsigned char c) { return kWordBytes[c]; }

// The kinds of byte a word may start with, as bits of WordLiterals'
// start_kinds_: a literal's first byte sets its kind's bit, and a text's
// word is looked at only when it starts with a byte of a kind set.
enum : uint8_t {
  kUpper = 1,
  kLower = 2,
  kDigit = 4,
  kHigh = 8,  // 0x80 and above: UTF-8
  kUnderscore = 16,
};
uint8_t KindOf(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return kUpper;
  if (c >= 'a' && c <= 'z') return kLower;
  if (c >= '0' && c <= '9') return kDigit;
  if (c >= 0x80) return kHigh;
  return c == '_' ? kUnderscore : 0;
}

// For n <= 64 bytes at p: bit i of *words set when p[i] is a word byte, of
// *wanted when its kind is in `kinds`. Sixteen bytes at a time with the
// compiler's vector types where SSE2 is there to gather the bits.
inline void ByteBits(const unsigned char* p, size_t n, uint8_t kinds,
                     uint64_t* words, uint64_t* wanted) {
  uint64_t w = 0, k = 0;
  size_t i = 0;
#if defined(__SSE2__)
  using V16 = unsigned char __attribute__((vector_size(16)));
  auto all = [](bool on) { return on ? V16{} + 0xff : V16{}; };
  const V16 want_upper = all(kinds & kUpper), want_lower = all(kinds & kLower),
            want_digit = all(kinds & kDigit), want_high = all(kinds & kHigh),
            want_us = all(kinds & kUnderscore);
  auto gather = [](const V16& v) {
    __m128i m;
    std::memcpy(&m, &v, 16);
    return uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(m))};
  };
  for (; i + 16 <= n; i += 16) {
    V16 c;
    std::memcpy(&c, p + i, 16);
    const V16 upper = (V16)((c - 'A') < 26), lower = (V16)((c - 'a') < 26),
              digit = (V16)((c - '0') < 10), high = (V16)(c >= 0x80),
              us = (V16)(c == '_');
    w |= gather(upper | lower | digit | high | us) << i;
    k |= gather((upper & want_upper) | (lower & want_lower) |
                (digit & want_digit) | (high & want_high) | (us & want_us))
         << i;
  }
#endif
  for (; i < n; ++i) {
    w |= uint64_t{kWordBytes[p[i]]} << i;
    k |= uint64_t{(KindOf(p[i]) & kinds) != 0} << i;
  }
  *words = w;
  *wanted = k;
}

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

bool WordLiterals::IsWordByte(unsigned char c) { return kWordBytes[c]; }

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
  start_kinds_ |= KindOf(p[0]);
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

void WordLiterals::Save(core::SnapshotWriter& w) const {
  w.Str(text_);
  w.Pods(entries_);
  w.Pods(table_);
  w.U64(mask_);
  w.Pods(first_words_);
  w.U64(first_words_mask_);
  w.Str(std::string_view(reinterpret_cast<const char*>(starts_), 256));
  w.U64(start_kinds_);
  w.U64(single_words_);
  w.U64(max_gap_);
}

bool WordLiterals::Load(core::SnapshotReader& r, uint32_t max_id) {
  WordLiterals t;
  std::string starts;
  uint64_t kinds = 0, single = 0, gap = 0;
  bool ok = r.Str(&t.text_) && r.Pods(&t.entries_) && r.Pods(&t.table_) &&
            r.U64(&t.mask_) && r.Pods(&t.first_words_) &&
            r.U64(&t.first_words_mask_) && r.Str(&starts) &&
            starts.size() == 256 && r.U64(&kinds) && r.U64(&single) &&
            r.U64(&gap);
  // What Find relies on: a table of 2^k slots whose ranges lie within the
  // entries, entries within the text, a filter of the size its mask says.
  ok = ok && !t.table_.empty() && std::has_single_bit(t.table_.size()) &&
       t.mask_ == t.table_.size() - 1 && !t.first_words_.empty() &&
       t.first_words_mask_ + 1 == t.first_words_.size() * 64;
  for (size_t i = 0; ok && i < t.entries_.size(); ++i) {
    const Entry& e = t.entries_[i];
    ok = e.length > 0 && e.offset <= t.text_.size() &&
         e.length <= t.text_.size() - e.offset && e.id < max_id;
  }
  size_t empty = 0;  // a lookup stops at an empty slot: there must be one
  for (size_t i = 0; ok && i < t.table_.size(); ++i) {
    const Slot& sl = t.table_[i];
    empty += sl.key == 0;
    ok = sl.key == 0 ? sl.count == 0
                     : sl.count > 0 && sl.first <= t.entries_.size() &&
                           sl.count <= t.entries_.size() - sl.first;
  }
  if (!ok || empty == 0) return false;
  std::memcpy(t.starts_, starts.data(), 256);
  t.start_kinds_ = static_cast<uint8_t>(kinds);
  t.single_words_ = single != 0;
  t.max_gap_ = gap;
  *this = std::move(t);
  return true;
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
  // The literals starting at the word [begin, end).
  auto at_word = [&](size_t begin, size_t end) {
    const uint64_t first = HashWord(p + begin, end - begin);
    const uint64_t bit = FilterBit(first, first_words_mask_);
    if (!(first_words_[bit >> 6] >> (bit & 63) & 1)) return;
    if (single_words_) {
      if (const Slot* s = Lookup(KeyOne(first))) Compare(*s, text, begin, out);
    }
    if (max_gap_ == 0) return;
    size_t b2 = end;
    while (b2 < n && b2 - end < max_gap_ && !IsWord(p[b2])) ++b2;
    if (b2 == end || b2 == n || !IsWord(p[b2])) return;
    size_t e2 = b2;
    while (e2 < n && IsWord(p[e2])) ++e2;
    if (const Slot* s = Lookup(KeyTwo(first, HashWord(p + b2, e2 - b2))))
      Compare(*s, text, begin, out);
  };
  // Word starts 64 bytes at a time, from masks of the word bytes and of the
  // bytes a literal may start with: only a word whose first byte starts
  // some literal is hashed.
  bool in_word = false;  // the byte before this block is a word byte
  for (size_t base = 0; base < n; base += 64) {
    const size_t len = std::min<size_t>(64, n - base);
    uint64_t words, wanted;
    ByteBits(p + base, len, start_kinds_, &words, &wanted);
    uint64_t starts = words & ~((words << 1) | (in_word ? 1 : 0)) & wanted;
    in_word = (words >> (len - 1)) & 1;
    while (starts != 0) {
      const size_t begin = base + static_cast<size_t>(std::countr_zero(starts));
      starts &= starts - 1;
      if (!starts_[p[begin]]) continue;
      size_t end = begin + 1;
      while (end < n && IsWord(p[end])) ++end;
      at_word(begin, end);
      if (out.size() - first_out >= cap) return false;
    }
  }
  return true;
}

}  // namespace steward::inspect
