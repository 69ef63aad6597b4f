#include "inspect/lexicon.h"

#include <cctype>

namespace steward::inspect {

namespace {

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// A regex-escaped copy of one byte.
std::string Escape(char c) {
  static const std::string kMeta = R"(\^$.|?*+()[]{}-/#&~ )";
  if (kMeta.find(c) != std::string::npos) return std::string("\\") + c;
  if (static_cast<unsigned char>(c) >= 0x80) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
    return buf;
  }
  return std::string(1, c);
}

// The look-alike class for a letter: what people type instead of it.
std::string LeetClass(char c) {
  switch (std::tolower(static_cast<unsigned char>(c))) {
    case 'a': return "[a@4]";
    case 'b': return "[b8]";
    case 'e': return "[e3]";
    case 'g': return "[g9]";
    case 'i': return "[i1!|]";
    case 'l': return "[l1|]";
    case 'o': return "[o0]";
    case 's': return "[s5$]";
    case 't': return "[t7+]";
    case 'z': return "[z2]";
    default: return Escape(c);
  }
}

}  // namespace

std::string LexiconPattern(std::string_view term, bool fold) {
  // Normalise: trim, collapse internal whitespace.
  std::string t;
  bool space = false;
  for (char c : term) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !t.empty();
    } else {
      if (space) t.push_back(' ');
      space = false;
      t.push_back(c);
    }
  }
  bool has_word = false;
  for (char c : t) has_word |= IsWordByte(static_cast<unsigned char>(c));
  if (!has_word) return {};
  const bool single_word = t.find(' ') == std::string::npos;
  std::string p;
  if (IsWordByte(static_cast<unsigned char>(t.front()))) p += "\\b";
  const bool ascii_letters_only = [&] {
    for (char c : t)
      if (!std::isalpha(static_cast<unsigned char>(c))) return false;
    return true;
  }();
  if (fold && single_word && ascii_letters_only && t.size() >= 3) {
    // Either every letter (leet class, repeatable) run together, or every
    // letter separated by one or two of . - _ * or space.
    std::string joined, spaced;
    for (size_t i = 0; i < t.size(); ++i) {
      std::string cls = LeetClass(t[i]);
      joined += cls + "+";
      spaced += cls;
      if (i + 1 < t.size()) spaced += "[ ._*\\-]{1,2}";
    }
    p += "(?:" + joined + "|" + spaced + ")";
  } else {
    for (char c : t) p += c == ' ' ? std::string("\\s+") : Escape(c);
  }
  if (IsWordByte(static_cast<unsigned char>(t.back()))) p += "\\b";
  return p;
}

}  // namespace steward::inspect
