#include "inspect/lexicon.h"

#include <cstring>

namespace steward::inspect {

namespace {

bool IsAsciiLetter(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
bool IsWordByte(unsigned char c) {
  return IsAsciiLetter(c) || (c >= '0' && c <= '9') || c >= 0x80;
}
bool IsSpellSeparator(unsigned char c) {
  return c == '.' || c == ' ' || c == '-' || c == '_' || c == '*';
}

}  // namespace

char Leet(unsigned char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '@':
      return 'a';
    case '$':
      return 's';
    case '!':
      return 'i';
    case '|':
      return 'l';
    default:
      return 0;
  }
}

namespace {

// Per byte: its plain-view form (ASCII lower-cased) and whether it is space.
struct ByteTable {
  char lower[256];
  char flat[256];  // lower-cased, whitespace as ' '
  bool space[256];
  uint8_t cls[256];  // kLetter, kLeet, kSeparator bits
  ByteTable() {
    for (int c = 0; c < 256; ++c) {
      auto u = static_cast<unsigned char>(c);
      lower[c] = static_cast<char>(IsAsciiLetter(u) ? (c | 0x20) : c);
      space[c] = IsSpace(u);
      flat[c] = space[c] ? ' ' : lower[c];
      cls[c] = static_cast<uint8_t>(
          (IsAsciiLetter(u) ? 1 : 0) | (Leet(u) ? 2 : 0) |
          (IsSpellSeparator(u) ? 4 : 0) | (IsWordByte(u) ? 8 : 0));
    }
  }
};
constexpr uint8_t kLetter = 1, kLeetChar = 2, kSeparator = 4, kWord = 8;
const ByteTable kBytes;

// A letter after leet mapping, looking at the neighbours in the source.
inline char LetterAt(const unsigned char* s, size_t n, size_t i) {
  unsigned char c = s[i];
  if (IsAsciiLetter(c)) return static_cast<char>(c | 0x20);
  char l = Leet(c);
  if (!l) return 0;
  bool prev = i > 0 && IsAsciiLetter(s[i - 1]);
  bool next = i + 1 < n && IsAsciiLetter(s[i + 1]);
  return prev || next ? l : 0;
}

}  // namespace

void BuildFoldedView(std::string_view src, NormalView& out) {
  // Written through raw pointers into buffers sized for the worst case, then
  // trimmed: this runs over every byte of every text. Locals only, so that
  // stores through `t` (a char*, which may alias anything) force no reloads.
  const size_t n = src.size();
  out.text.resize(n);
  out.origin.resize(n + 1);
  const unsigned char* s = reinterpret_cast<const unsigned char*>(src.data());
  char* t = out.text.data();
  uint32_t* o = out.origin.data();
  size_t w = 0;
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (kBytes.space[c]) {
      size_t j = i + 1;
      while (j < n && kBytes.space[s[j]]) ++j;
      if (w > 0 && t[w - 1] != ' ') {
        t[w] = ' ';
        o[w++] = static_cast<uint32_t>(i);
      }
      i = j;
      continue;
    }
    const char l = LetterAt(s, n, i);
    if (!l) {
      t[w] = static_cast<char>(c);
      o[w++] = static_cast<uint32_t>(i++);
      continue;
    }
    // Letters spelled out one by one: at least three single letters, each
    // separated by one or two of . - _ * or space ("f.u.c.k", "f u c k").
    if (i + 2 < n && IsSpellSeparator(s[i + 1]) &&
        (i == 0 || !IsWordByte(s[i - 1]))) {
      size_t pos[64];
      size_t count = 0, j = i;
      while (count < 64) {
        pos[count++] = j;
        size_t k = j + 1;
        while (k < n && k - (j + 1) < 2 && IsSpellSeparator(s[k])) ++k;
        if (k == j + 1 || k >= n || !LetterAt(s, n, k)) break;
        if (k + 1 < n && IsWordByte(s[k + 1])) break;  // a longer word follows
        j = k;
      }
      if (count >= 3) {
        for (size_t p = 0; p < count; ++p) {
          char x = LetterAt(s, n, pos[p]);
          if (w == 0 || t[w - 1] != x) {
            t[w] = x;
            o[w++] = static_cast<uint32_t>(pos[p]);
          }
        }
        i = pos[count - 1] + 1;
        continue;
      }
    }
    // Repeated letters collapse ("fuuuck" -> "fuck").
    if (!(w > 0 && t[w - 1] == l && i > 0 && LetterAt(s, n, i - 1) == l)) {
      t[w] = l;
      o[w++] = static_cast<uint32_t>(i);
    }
    ++i;
  }
  o[w] = static_cast<uint32_t>(n);
  out.text.resize(w);
  out.origin.resize(w + 1);
}

void LowerCase(std::string_view src, std::string& out) {
  out.resize(src.size());
  const unsigned char* s = reinterpret_cast<const unsigned char*>(src.data());
  unsigned char* t = reinterpret_cast<unsigned char*>(out.data());
  auto one = [](unsigned char c) {
    const unsigned char upper = static_cast<unsigned char>(c - 'A') < 26;
    const unsigned char space =
        (c == ' ') | (static_cast<unsigned char>(c - '\t') < 5);
    return space ? ' ' : static_cast<unsigned char>(c | (upper << 5));
  };
  // Sixteen bytes at a time with the compiler's vector types (SSE2 or NEON):
  // the scalar loop is not vectorised at -O2, and this runs on every text.
  using V16 = unsigned char __attribute__((vector_size(16)));
  const size_t n = src.size();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    V16 c;
    std::memcpy(&c, s + i, 16);
    const V16 upper = (V16)((c - 'A') < 26);
    const V16 space = (V16)((c == ' ') | ((c - '\t') < 5));
    const V16 lower = c | (upper & 0x20);
    const V16 r = (space & ' ') | (~space & lower);
    std::memcpy(t + i, &r, 16);
  }
  for (; i < n; ++i) t[i] = one(s[i]);
}

bool HasObfuscationSigns(std::string_view src) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(src.data());
  const size_t n = src.size();
  const uint8_t* cls = kBytes.cls;
  for (size_t i = 1; i + 1 < n; ++i) {
    const unsigned char c = s[i];
    const uint8_t k = cls[c];
    if (k & kLetter) {
      // A letter three times in a row.
      if (kBytes.lower[s[i + 1]] == kBytes.lower[c] &&
          kBytes.lower[s[i - 1]] == kBytes.lower[c])
        return true;
      // Single letters spelled out: "f.u.c", "f u c".
      if (!(cls[s[i - 1]] & kWord) && (cls[s[i + 1]] & kSeparator) &&
          i + 4 < n && (cls[s[i + 2]] & kLetter) &&
          (cls[s[i + 3]] & kSeparator) && (cls[s[i + 4]] & kLetter))
        return true;
    } else if (k & kLeetChar) {
      // A digit or symbol standing for a letter: "sh1t", "$hit".
      const uint8_t prev = cls[s[i - 1]], next = cls[s[i + 1]];
      if ((prev & kLetter) && (next & (kLetter | kLeetChar))) return true;
      if ((c == '$' || c == '@') && !(prev & kWord) && (next & kLetter))
        return true;
    }
  }
  return false;
}

bool LooksObfuscated(std::string_view span) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(span[i]); };
  auto single = [&](size_t i) {  // a one-letter word at i
    return IsAsciiLetter(at(i)) && (i == 0 || kBytes.space[at(i - 1)]) &&
           (i + 1 == span.size() || kBytes.space[at(i + 1)]);
  };
  for (size_t i = 0; i < span.size(); ++i) {
    const unsigned char c = at(i);
    if (!IsAsciiLetter(c) && !kBytes.space[c]) return true;  // sh1t, f.u.c.k
    if (i > 0 && kBytes.lower[c] == kBytes.lower[at(i - 1)] && IsAsciiLetter(c))
      return true;  // fuuuck
    if (kBytes.space[c] && i > 0 && i + 1 < span.size() && single(i - 1) &&
        single(i + 1))
      return true;  // f u c k
  }
  return false;
}

std::string LowerTerm(std::string_view term) {
  std::string out;
  bool gap = false;
  for (char c : term) {
    auto u = static_cast<unsigned char>(c);
    if (kBytes.space[u]) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += kBytes.lower[u];
  }
  return out;
}

std::string FoldTerm(std::string_view term) {
  NormalView v;
  BuildFoldedView(term, v);
  std::string t = std::move(v.text);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  if (!t.empty() && t.front() == ' ') t.erase(0, 1);
  return t;
}

bool IsWholeWord(std::string_view view, size_t b, size_t e) {
  bool left = b == 0 || !IsWordByte(static_cast<unsigned char>(view[b - 1]));
  bool right =
      e >= view.size() || !IsWordByte(static_cast<unsigned char>(view[e]));
  return left && right;
}

std::string EscapeLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::string_view("\\^$.|?*+()[]{}-/#&~ ").find(c) !=
        std::string_view::npos) {
      out += '\\';
      out += c;
    } else if (u >= 0x80 || u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace steward::inspect
