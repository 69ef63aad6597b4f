#include "inspect/redact.h"

#include <cctype>

#include "core/text.h"

namespace steward::inspect {

namespace {

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Appends the first UTF-8 character of `s` starting at i; returns its length.
size_t CharLen(std::string_view s, size_t i) {
  size_t n = 1;
  while (i + n < s.size() && IsContinuation(s[i + n])) ++n;
  return n;
}

}  // namespace

std::string RedactValue(std::string_view v, policy::Redaction how) {
  using policy::Redaction;
  std::string out;
  switch (how) {
    case Redaction::kNone:
      return std::string(v);
    case Redaction::kAll:
      return "[redacted]";
    case Redaction::kLast4: {
      size_t digits = 0;
      for (char c : v) digits += core::IsAsciiDigit(c);
      size_t seen = 0;
      for (char c : v) {
        if (core::IsAsciiDigit(c) ||
            std::isalpha(static_cast<unsigned char>(c))) {
          bool digit = core::IsAsciiDigit(c);
          if (digit) ++seen;
          out.push_back(digit && seen + 4 > digits ? c : '*');
        } else {
          out.push_back(c);
        }
      }
      return out;
    }
    case Redaction::kEmail: {
      size_t at = v.find('@');
      if (at == std::string_view::npos || at == 0) return "***";
      out.append(v.substr(0, CharLen(v, 0)));
      out.append("***");
      out.append(v.substr(at));
      return out;
    }
    case Redaction::kInitials:
    case Redaction::kWord: {
      bool start = true;
      for (size_t i = 0; i < v.size();) {
        size_t n = CharLen(v, i);
        char c = v[i];
        bool sep = c == ' ' || c == '\t' || c == '\n' || c == ',';
        if (sep) {
          out.push_back(c == '\n' || c == '\t' ? ' ' : c);
          start = true;
        } else if (start) {
          out.append(v.substr(i, n));
          if (how == Redaction::kInitials || how == Redaction::kWord)
            out.append("***");
          start = false;
        }
        i += n;
      }
      return out;
    }
  }
  return "[redacted]";
}

std::string Excerpt(std::string_view text, size_t begin, size_t end,
                    policy::Redaction how, bool show_value, size_t context) {
  if (begin > text.size()) begin = text.size();
  if (end > text.size()) end = text.size();
  size_t from = begin > context ? begin - context : 0;
  size_t to = std::min(text.size(), end + context);
  while (from > 0 && IsContinuation(text[from])) --from;
  while (to < text.size() && IsContinuation(text[to])) ++to;
  auto clean = [&](std::string_view s) {
    std::string r;
    for (char c : s) {
      if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
        if (r.empty() || r.back() != ' ') r.push_back(' ');  // runs as one
      } else if (core::IsAsciiDigit(c) && !show_value)
        r.push_back('#');
      else if (static_cast<unsigned char>(c) < 0x20)
        continue;
      else
        r.push_back(c);
    }
    return r;
  };
  std::string out;
  if (from > 0) out.append("…");
  out.append(clean(text.substr(from, begin - from)));
  out.append("[");
  std::string_view value = text.substr(begin, end - begin);
  if (show_value) {
    out.append(clean(value));
  } else {
    for (char c : RedactValue(value, how))
      out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  out.append("]");
  out.append(clean(text.substr(end, to - end)));
  if (to < text.size()) out.append("…");
  return out;
}

}  // namespace steward::inspect
