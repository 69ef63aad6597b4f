#include "inspect/validators.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

namespace steward::inspect {

namespace {

std::string DigitsOf(std::string_view s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d.push_back(c);
  return d;
}

bool AllSame(std::string_view d) {
  return !d.empty() && d.find_first_not_of(d[0]) == std::string_view::npos;
}

int ToInt(std::string_view d) {
  int v = 0;
  for (char c : d) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

bool ValidSsn(std::string_view s) {
  // One delimiter (or none) used throughout, in the 3-2-4 positions.
  char delim = 0;
  std::string d;
  int groups[3] = {0, 0, 0};
  int g = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      d.push_back(c);
      if (g > 2) return false;
      ++groups[g];
    } else if (c == '-' || c == ' ' || c == '.') {
      if (delim && c != delim) return false;
      delim = c;
      ++g;
    } else {
      return false;
    }
  }
  if (d.size() != 9) return false;
  if (delim && (g != 2 || groups[0] != 3 || groups[1] != 2 || groups[2] != 4))
    return false;
  int area = ToInt(d.substr(0, 3));
  int group = ToInt(d.substr(3, 2));
  int serial = ToInt(d.substr(5, 4));
  if (area == 0 || area == 666 || area >= 900) return false;
  if (group == 0 || serial == 0) return false;
  if (AllSame(d)) return false;
  static constexpr std::array<std::string_view, 6> kSamples = {
      "078051120", "219099999", "123456789",
      "987654320", "111111111", "457555462"};
  for (auto x : kSamples)
    if (d == x) return false;
  return true;
}

bool LuhnOk(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int v = digits[i] - '0';
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool ValidPaymentCard(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == ' ' || c == '-')) return false;
  std::string d = DigitsOf(s);
  if (d.size() < 12 || d.size() > 19) return false;
  if (AllSame(d)) return false;
  int p2 = ToInt(d.substr(0, 2));
  int p3 = ToInt(d.substr(0, 3));
  int p4 = ToInt(d.substr(0, 4));
  int p6 = ToInt(d.substr(0, 6));
  size_t n = d.size();
  bool issuer =
      (d[0] == '4' && (n == 13 || n == 16 || n == 19)) ||  // Visa
      ((p2 >= 51 && p2 <= 55) && n == 16) ||               // MC
      ((p4 >= 2221 && p4 <= 2720) && n == 16) ||           // MC 2-series
      ((p2 == 34 || p2 == 37) && n == 15) ||               // Amex
      ((p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) ||
        (p6 >= 622126 && p6 <= 622925)) &&
       n >= 16) ||  // Discover
      ((p2 == 35) &&
       n >= 16) ||  // JCB (3528-3589; the whole 35 range accepted)
      ((p4 == 2131 || p4 == 1800) && n == 15) ||  // JCB 15
      (((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) &&
       n >= 14) ||              // Diners
      (p2 == 62 && n >= 16) ||  // UnionPay
      ((p2 == 50 || (p2 >= 56 && p2 <= 69) || p4 == 604) &&
       n >= 12);  // Maestro
  // Issuers' published test numbers never belong to a person.
  static constexpr std::array<std::string_view, 10> kTestCards = {
      "4111111111111111", "4012888888881881", "4222222222222",
      "5555555555554444", "5105105105105100", "378282246310005",
      "371449635398431",  "6011111111111117", "6011000990139424",
      "3530111333300000"};
  for (auto t : kTestCards)
    if (d == t) return false;
  return issuer && LuhnOk(d);
}

namespace {

// A phone number without its extension ("x793", "ext. 12", "extension 4").
std::string_view WithoutExtension(std::string_view s) {
  size_t x = s.find_first_of("xXeE");
  return x == std::string_view::npos ? s : s.substr(0, x);
}

// The groups of digits of a number as written: "03.93.92" is 3 groups.
std::vector<std::string_view> DigitGroups(std::string_view s) {
  std::vector<std::string_view> g;
  for (size_t i = 0; i < s.size();) {
    if (s[i] < '0' || s[i] > '9') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    g.push_back(s.substr(i, j - i));
    i = j;
  }
  return g;
}

}  // namespace

bool ValidNanpPhone(std::string_view s) {
  std::string d = DigitsOf(WithoutExtension(s));
  if (d.size() == 11 && d[0] == '1') d.erase(0, 1);
  if (d.size() != 10) return false;
  if (d[0] < '2' || d[3] < '2') return false;
  if (d[1] == '1' && d[2] == '1') return false;  // N11 area
  if (d[4] == '1' && d[5] == '1') return false;  // N11 exchange
  if (d.substr(3, 3) == "555" && d.substr(6, 2) == "01") return false;
  if (AllSame(d.substr(3))) return false;
  return true;
}

bool ValidPhoneAny(std::string_view s) {
  s = WithoutExtension(s);
  std::string d = DigitsOf(s);
  if (d.size() < 7 || d.size() > 15 || AllSame(d)) return false;
  // The NANP's fictional 555-01xx, written locally or in full.
  if ((d.size() == 7 && d.starts_with("55501")) ||
      (d.size() == 10 && d.substr(3, 5) == "55501") ||
      (d.size() == 11 && d[0] == '1' && d.substr(4, 5) == "55501"))
    return false;
  std::vector<std::string_view> g = DigitGroups(s);
  // A date (2002-09-05, 05.09.2002) or an IPv4 address is no phone number.
  if (g.size() == 3 && s.find('+') == std::string_view::npos &&
      ((g[0].size() == 4 && g[1].size() <= 2 && g[2].size() <= 2) ||
       (g[0].size() <= 2 && g[1].size() <= 2 && g[2].size() == 4)) &&
      ValidDate(s))
    return false;
  if (g.size() == 4 && s.find_first_not_of("0123456789.") == s.npos) {
    bool ip = true;
    for (auto x : g) ip &= x.size() <= 3 && ToInt(x) <= 255;
    if (ip) return false;
  }
  return true;
}

bool ValidEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 ||
      s.find('@', at + 1) != std::string_view::npos)
    return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos)
    return false;
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || domain.front() == '.' ||
      domain.find("..") != std::string_view::npos || domain.front() == '-')
    return false;
  std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2 || tld.size() > 24) return false;
  for (char c : tld)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

bool ValidDate(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun",
      "jul", "aug", "sep", "oct", "nov", "dec"};
  int y = -1, m = -1, d = -1;
  std::string lower;
  for (char c : s)
    lower.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (lower.find(kMonths[i]) != std::string::npos)
      m = static_cast<int>(i) + 1;
  // Numeric fields in order of appearance.
  std::array<std::string, 3> nums;
  size_t k = 0;
  for (size_t i = 0; i < s.size() && k < 3;) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
        ++j;
      nums[k++] = std::string(s.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  if (m > 0) {  // "March 3, 2011" or "3 March 2011"
    if (k != 2) return false;
    d = std::stoi(nums[0]);
    y = std::stoi(nums[1]);
    if (nums[1].size() != 4) return false;
  } else {
    if (k != 3) return false;
    if (nums[0].size() == 4) {
      y = std::stoi(nums[0]);
      m = std::stoi(nums[1]);
      d = std::stoi(nums[2]);
    } else {
      m = std::stoi(nums[0]);
      d = std::stoi(nums[1]);
      if (nums[2].size() == 2) {
        y = 1900 + std::stoi(nums[2]);
        if (y < 1930) y += 100;
      } else if (nums[2].size() == 4) {
        y = std::stoi(nums[2]);
      } else {
        return false;
      }
    }
  }
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return false;
  auto now = std::chrono::system_clock::now();
  int this_year = static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now))
          .year());
  return y >= 1900 && y <= this_year + 1;
}

bool ValidCaDriverLicense(std::string_view s) {
  if (s.size() != 8 || !std::isalpha(static_cast<unsigned char>(s[0])))
    return false;
  std::string_view d = s.substr(1);
  for (char c : d)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return !AllSame(d);
}

bool ValidDriverLicense(std::string_view s) {
  std::vector<std::string_view> g = DigitGroups(s);
  const bool letters = std::any_of(s.begin(), s.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c));
  });
  if (letters || g.size() != 3) return true;
  if (((g[0].size() == 4 && g[1].size() <= 2 && g[2].size() <= 2) ||
       (g[0].size() <= 2 && g[1].size() <= 2 && g[2].size() == 4)) &&
      ValidDate(s))
    return false;  // a date
  return !(g[0].size() == 3 && g[1].size() == 3 &&
           g[2].size() == 4);  // a phone
}

bool ValidSsid(std::string_view s) {
  std::string d = DigitsOf(s);
  if (d.size() != 10 || AllSame(d)) return false;
  return d != "0123456789" && d != "1234567890" && d != "9876543210";
}

bool ValidDigits(std::string_view s) {
  std::string d = DigitsOf(s);
  return !d.empty() && !AllSame(d);
}

bool RunValidator(policy::Validator v, std::string_view s) {
  using policy::Validator;
  switch (v) {
    case Validator::kNone:
      return true;
    case Validator::kSsn:
      return ValidSsn(s);
    case Validator::kLuhn:
      return ValidPaymentCard(s);
    case Validator::kNanp:
      return ValidNanpPhone(s);
    case Validator::kPhone:
      return ValidPhoneAny(s);
    case Validator::kEmail:
      return ValidEmail(s);
    case Validator::kDate:
      return ValidDate(s);
    case Validator::kCadl:
      return ValidCaDriverLicense(s);
    case Validator::kDriverLicense:
      return ValidDriverLicense(s);
    case Validator::kSsid:
      return ValidSsid(s);
    case Validator::kDigits:
      return ValidDigits(s);
  }
  return false;
}

}  // namespace steward::inspect
