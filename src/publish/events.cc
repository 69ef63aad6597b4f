#include "publish/events.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "core/text.h"

namespace steward::publish {

namespace {

// Month names longest first, so "september" wins over "sep".
constexpr const char* kMonth =
    "(january|february|march|april|may|june|july|august|september|october|"
    "november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)"
    "(?![a-z])";
constexpr const char* kYear = "((?:19|20)\\d\\d)";

// Groups: 1 month, 2 day, 3 year | 4 day, 5 month, 6 year |
// 7 month, 8 day, 9 year (9/5/2024) | 10 year, 11 month, 12 day (ISO).
std::string Pattern() {
  const std::string m = kMonth, y = kYear;
  return "\\b(?:" + m + "\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+" + y +
         "|(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?" + m + "\\.?,?\\s+" + y +
         "|(\\d{1,2})/(\\d{1,2})/" + y +
         "|((?:19|20)\\d\\d)-(\\d\\d)-(\\d\\d))(?![0-9])";
}

struct Code {
  pcre2_code* re = nullptr;
  Code() {
    int err = 0;
    PCRE2_SIZE at = 0;
    const std::string p = Pattern();
    re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(),
                       PCRE2_CASELESS, &err, &at, nullptr);
    if (re) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  }
  ~Code() { pcre2_code_free(re); }
};

const Code& Dates() {
  static const Code code;  // compiled once; matching is thread-safe
  return code;
}

int MonthOf(std::string_view name) {
  static constexpr std::array<const char*, 12> kShort = {
      "jan", "feb", "mar", "apr", "may", "jun",
      "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string lower = core::AsciiLower(name.substr(0, 3));
  for (size_t i = 0; i < kShort.size(); ++i)
    if (lower == kShort[i]) return static_cast<int>(i) + 1;
  return 0;
}

int Number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// Days since 1970-01-01 of a proleptic Gregorian date; -1 when it is no
// day (February 30th).
int64_t DaysOf(int y, int m, int d) {
  static constexpr std::array<int, 12> kLength = {31, 29, 31, 30, 31, 30,
                                                  31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kLength[m - 1]) return -1;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return -1;
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}

// Whether the '.' at `i` ends a sentence rather than an abbreviation
// ("Sept.", "St.", "a.m.") or a number (3.5).
bool EndsSentence(std::string_view text, size_t i) {
  const char c = text[i];
  if (c != '.' && c != '!' && c != '?') return false;
  if (i + 1 < text.size() &&
      !std::isspace(static_cast<unsigned char>(text[i + 1])))
    return false;
  if (c != '.') return true;
  size_t start = i;
  while (start > 0 && std::isalpha(static_cast<unsigned char>(text[start - 1])))
    --start;
  const std::string word = core::AsciiLower(text.substr(start, i - start));
  if (word.size() == 1) return false;  // "a.m.", an initial
  static constexpr std::array<const char*, 20> kShort = {
      "jan", "feb", "mar", "apr", "jun", "jul", "aug",  "sep", "sept", "oct",
      "nov", "dec", "mon", "tue", "wed", "thu", "thur", "fri", "sat",  "sun"};
  for (const char* a : kShort)
    if (word == a) return false;
  for (const char* a : {"mr", "mrs", "ms", "dr", "st", "no", "rm", "vs"})
    if (word == a) return false;
  return true;
}

// The sentence around [from, to): bounded by a line end, a sentence's end,
// or 300 bytes either way.
std::string_view SentenceAround(std::string_view text, size_t from, size_t to) {
  size_t start = from;
  const size_t low = from > 300 ? from - 300 : 0;
  while (start > low && text[start - 1] != '\n' &&
         !EndsSentence(text, start - 1))
    --start;
  size_t end = to;
  const size_t high = std::min(text.size(), to + 300);
  while (end < high && text[end] != '\n') {
    if (EndsSentence(text, end)) {
      ++end;
      break;
    }
    ++end;
  }
  std::string_view s = text.substr(start, end - start);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<PastEvent> FindPastEvents(std::string_view text,
                                      const std::vector<std::string>& words,
                                      int64_t now, uint32_t days) {
  std::vector<PastEvent> out;
  const Code& code = Dates();
  if (!code.re || words.empty() || days == 0 || now <= 0) return out;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
      pcre2_match_data_create_from_pattern(code.re, nullptr),
      pcre2_match_data_free);
  if (!md) return out;
  const int64_t today = now / 86400;
  size_t at = 0;
  size_t last_end = 0;  // a sentence with several dates is reported once
  while (at < text.size()) {
    int rc = pcre2_match(code.re, reinterpret_cast<PCRE2_SPTR>(text.data()),
                         text.size(), at, 0, md.get(), nullptr);
    if (rc < 0) break;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    auto group = [&](int g) -> std::string_view {
      const size_t at = static_cast<size_t>(g) * 2;
      if (g >= rc || ov[at] == PCRE2_UNSET) return {};
      return text.substr(ov[at], ov[at + 1] - ov[at]);
    };
    int y = 0, m = 0, d = 0;
    if (!group(3).empty()) {
      m = MonthOf(group(1)), d = Number(group(2)), y = Number(group(3));
    } else if (!group(6).empty()) {
      d = Number(group(4)), m = MonthOf(group(5)), y = Number(group(6));
    } else if (!group(9).empty()) {
      m = Number(group(7)), d = Number(group(8)), y = Number(group(9));
    } else {
      y = Number(group(10)), m = Number(group(11)), d = Number(group(12));
    }
    const size_t from = ov[0], to = ov[1];
    at = std::max(to, from + 1);
    const int64_t day = DaysOf(y, m, d);
    if (day < 0 || today - day <= static_cast<int64_t>(days)) continue;
    std::string_view sentence = SentenceAround(text, from, to);
    const size_t sentence_end =
        static_cast<size_t>(sentence.data() - text.data()) + sentence.size();
    if (!out.empty() && sentence_end <= last_end) continue;
    const std::string lower = core::AsciiLower(sentence);
    const bool announces =
        std::any_of(words.begin(), words.end(), [&](const std::string& w) {
          return !w.empty() && lower.find(w) != std::string::npos;
        });
    if (!announces) continue;
    last_end = sentence_end;
    out.push_back({std::string(core::Clip(sentence, 200)),
                   std::string(text.substr(from, to - from)), day * 86400});
  }
  return out;
}

}  // namespace steward::publish
