#include "extract/style.h"

#include <array>
#include <charconv>
#include <optional>
#include <string>

namespace steward::extract {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The declarations as a browser tokenises them: comments gone, escapes
// resolved ("n\6f ne" is "none"; a code point past ASCII becomes '?',
// which no keyword holds), ASCII letters lower-cased.
std::string Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const char c = in[i];
    if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      const size_t end = in.find("*/", i + 2);
      if (end == std::string_view::npos) break;  // to the end: a comment
      i = end + 2;
      continue;
    }
    if (c == '\\' && i + 1 < in.size()) {
      size_t j = i + 1;
      uint32_t cp = 0;
      int digits = 0;
      while (j < in.size() && digits < 6 && HexValue(in[j]) >= 0) {
        cp = cp * 16 + static_cast<uint32_t>(HexValue(in[j]));
        ++j;
        ++digits;
      }
      if (digits > 0) {
        if (j < in.size() && IsSpace(in[j])) ++j;  // ends the escape
        out += cp > 0 && cp < 0x80 ? static_cast<char>(cp) : '?';
        i = j;
      } else if (in[j] == '\n') {
        i = j + 1;  // a line continued
      } else {
        out += in[j];
        i = j + 1;
      }
      if (!out.empty() && out.back() >= 'A' && out.back() <= 'Z')
        out.back() = static_cast<char>(out.back() - 'A' + 'a');
      continue;
    }
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    ++i;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The properties that can hide text; the rest are not kept.
enum Property {
  kDisplay,
  kVisibility,
  kMsoHide,
  kFontSize,
  kOpacity,
  kColor,
  kOverflow,
  kOverflowX,
  kOverflowY,
  kHeight,
  kMaxHeight,
  kWidth,
  kMaxWidth,
  kClip,
  kClipPath,
  kPosition,
  kLeft,
  kTop,
  kRight,
  kTextIndent,
  kProperties
};

std::optional<Property> PropertyNamed(std::string_view name) {
  static constexpr std::array<std::string_view, kProperties> kNames = {
      "display",    "visibility", "mso-hide",   "font-size",  "opacity",
      "color",      "overflow",   "overflow-x", "overflow-y", "height",
      "max-height", "width",      "max-width",  "clip",       "clip-path",
      "position",   "left",       "top",        "right",      "text-indent"};
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Property>(i);
  return std::nullopt;
}

struct Value {
  std::string_view text;  // trimmed, without "!important"
  bool important = false;
  bool set = false;
};

// A length in CSS pixels (1pt = 4/3 px, 1em = 16 px); a unit of unknown
// size gives a value only when the number is 0. nullopt when `v` does not
// begin with a number.
std::optional<double> Length(std::string_view v) {
  v = Trim(v);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  double n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc()) return std::nullopt;
  const std::string_view unit = Trim(v.substr(end - v.data()));
  if (n == 0) return 0.0;
  if (unit.empty() || unit == "px") return n;
  if (unit == "pt") return n * 4 / 3;
  if (unit == "em" || unit == "rem") return n * 16;
  return std::nullopt;
}

bool AtMost(std::string_view v, double px) {
  const std::optional<double> l = Length(v);
  return l && *l <= px;
}

// The font size a `font` shorthand sets: its first token that begins with
// a digit or a '.' (before any "/line-height"); "medium" when none does.
std::string_view FontShorthandSize(std::string_view v) {
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && IsSpace(v[i])) ++i;
    size_t j = i;
    while (j < v.size() && !IsSpace(v[j]) && v[j] != '/') ++j;
    const std::string_view token = v.substr(i, j - i);
    if (!token.empty() &&
        ((token[0] >= '0' && token[0] <= '9') || token[0] == '.'))
      return token;
    i = j;
    while (i < v.size() && !IsSpace(v[i])) ++i;  // skip "/line-height"
  }
  return "medium";
}

// The last component of a colour function, after ',' or '/': its alpha.
bool AlphaIsZero(std::string_view v) {
  if (v == "transparent") return true;
  if (!v.empty() && v[0] == '#') {
    const std::string_view hex = v.substr(1);
    if (hex.size() == 4) return hex[3] == '0';
    if (hex.size() == 8) return hex.substr(6) == "00";
    return false;
  }
  const size_t open = v.find('(');
  const size_t close = v.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos ||
      close < open)
    return false;
  const std::string_view args = v.substr(open + 1, close - open - 1);
  const size_t cut = args.find_last_of(",/");
  if (cut == std::string_view::npos) return false;
  // Only the forms that carry an alpha: four components, or "/ a".
  size_t commas = 0;
  for (char c : args) commas += c == ',';
  if (args[cut] == ',' && commas < 3) return false;
  std::string_view a = Trim(args.substr(cut + 1));
  if (!a.empty() && a.back() == '%') a.remove_suffix(1);
  double n = 1;
  const auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), n);
  return ec == std::errc() && end == a.data() + a.size() && n <= 0;
}

// clip: rect(top, right, bottom, left) of no area.
bool ZeroRect(std::string_view v) {
  if (v.substr(0, 5) != "rect(" || v.back() != ')') return false;
  std::string_view args = v.substr(5, v.size() - 6);
  std::array<double, 4> edge{};
  size_t k = 0;
  while (k < 4) {
    args = Trim(args);
    size_t end = 0;
    while (end < args.size() && args[end] != ',' && !IsSpace(args[end])) ++end;
    const std::optional<double> l = Length(args.substr(0, end));
    if (!l) return false;
    edge[k++] = *l;
    args.remove_prefix(end);
    args = Trim(args);
    if (!args.empty() && args.front() == ',') args.remove_prefix(1);
  }
  return edge[2] <= edge[0] || edge[1] <= edge[3];
}

bool FirstWordIs(std::string_view v, std::string_view word) {
  return v.substr(0, word.size()) == word &&
         (v.size() == word.size() || IsSpace(v[word.size()]));
}

}  // namespace

bool StyleHidesText(std::string_view style) {
  const std::string decoded = Decode(style);
  const std::string_view s = decoded;
  std::array<Value, kProperties> values;
  // Declarations end at ';' outside quotes and parentheses.
  size_t begin = 0;
  char quote = 0;
  int depth = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? s[i] : ';';
    if (quote) {
      if (c == quote) quote = 0;
      if (i < s.size()) continue;
    } else if (c == '"' || c == '\'') {
      quote = c;
      continue;
    } else if (c == '(') {
      ++depth;
      continue;
    } else if (c == ')') {
      depth -= depth > 0;
      continue;
    }
    if (c != ';' || (depth > 0 && i < s.size())) continue;
    const std::string_view decl = s.substr(begin, i - begin);
    begin = i + 1;
    const size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = Trim(decl.substr(0, colon));
    std::string_view value = Trim(decl.substr(colon + 1));
    bool important = false;
    if (const size_t bang = value.rfind('!');
        bang != std::string_view::npos &&
        Trim(value.substr(bang + 1)) == "important") {
      important = true;
      value = Trim(value.substr(0, bang));
    }
    std::optional<Property> p = PropertyNamed(name);
    if (name == "font") {
      p = kFontSize;
      value = FontShorthandSize(value);
    }
    if (!p) continue;
    Value& v = values[*p];
    if (v.set && v.important && !important) continue;
    v = {value, important, true};
  }
  auto is = [&](Property p, std::string_view word) {
    return values[p].set && FirstWordIs(values[p].text, word);
  };
  auto at_most = [&](Property p, double px) {
    return values[p].set && AtMost(values[p].text, px);
  };
  if (is(kDisplay, "none") || is(kVisibility, "hidden") ||
      is(kVisibility, "collapse") || is(kMsoHide, "all"))
    return true;
  if (at_most(kFontSize, 1)) return true;
  if (values[kOpacity].set) {
    std::string_view o = values[kOpacity].text;
    double scale = 1;
    if (!o.empty() && o.back() == '%') {
      o.remove_suffix(1);
      scale = 100;
    }
    double n = 1;
    const auto [end, ec] = std::from_chars(o.data(), o.data() + o.size(), n);
    if (ec == std::errc() && n <= 0.05 * scale) return true;
  }
  if (values[kColor].set && AlphaIsZero(values[kColor].text)) return true;
  const bool overflow_hidden =
      is(kOverflow, "hidden") || is(kOverflow, "clip") ||
      is(kOverflowX, "hidden") || is(kOverflowX, "clip") ||
      is(kOverflowY, "hidden") || is(kOverflowY, "clip");
  if (overflow_hidden && (at_most(kHeight, 1) || at_most(kMaxHeight, 1) ||
                          at_most(kWidth, 1) || at_most(kMaxWidth, 1)))
    return true;
  if (values[kClip].set && ZeroRect(values[kClip].text)) return true;
  if (values[kClipPath].set) {
    std::string_view c = values[kClipPath].text;
    if (c.substr(0, 6) == "inset(" && c.back() == ')') {
      std::string_view a = Trim(c.substr(6, c.size() - 7));
      double n = 0;
      const auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), n);
      if (ec == std::errc() && end < a.data() + a.size() && *end == '%' &&
          n >= 50)
        return true;
    }
  }
  if ((is(kPosition, "absolute") || is(kPosition, "fixed")) &&
      (at_most(kLeft, -500) || at_most(kTop, -500) || at_most(kRight, -500)))
    return true;
  return at_most(kTextIndent, -500);
}

void HidingRules::Add(std::string_view sheet) {
  const std::string decoded = Decode(sheet);
  const std::string_view d = decoded;
  struct Block {
    size_t contents;           // where its contents begin
    std::string_view prelude;  // its selectors, or an @-rule's head
    bool nested = false;       // holds blocks of its own (@media)
  };
  constexpr size_t kMaxDepth = 32;
  std::vector<Block> open;
  size_t prelude_begin = 0;
  auto close = [&](size_t end) {
    const Block b = open.back();
    open.pop_back();
    if (!b.nested && !b.prelude.empty() && b.prelude.front() != '@' &&
        StyleHidesText(d.substr(b.contents, end - b.contents)))
      AddSelectors(b.prelude);
  };
  char quote = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    const char c = d[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{') {
      if (open.size() == kMaxDepth) return;  // no browser goes this deep
      if (!open.empty()) open.back().nested = true;
      open.push_back({i + 1, Trim(d.substr(prelude_begin, i - prelude_begin))});
      prelude_begin = i + 1;
    } else if (c == '}') {
      if (!open.empty()) close(i);
      prelude_begin = i + 1;
    } else if (c == ';' && open.empty()) {
      prelude_begin = i + 1;  // "@import ...;"
    }
  }
  // A browser closes what the sheet left open.
  while (!open.empty()) close(d.size());
}

void HidingRules::AddSelectors(std::string_view list) {
  // Each selector of the list: at ',' outside parentheses and brackets.
  size_t begin = 0;
  int depth = 0;
  for (size_t i = 0; i <= list.size() && count_ < kMaxRules; ++i) {
    const char c = i < list.size() ? list[i] : ',';
    if (c == '(' || c == '[') ++depth;
    if ((c == ')' || c == ']') && depth > 0) --depth;
    if (c != ',' || (depth > 0 && i < list.size())) continue;
    const std::string_view selector = Trim(list.substr(begin, i - begin));
    begin = i + 1;
    // Its last compound: after the last combinator outside brackets.
    size_t start = 0;
    int d = 0;
    for (size_t k = 0; k < selector.size(); ++k) {
      const char s = selector[k];
      if (s == '(' || s == '[') ++d;
      if ((s == ')' || s == ']') && d > 0) --d;
      if (d == 0 && (IsSpace(s) || s == '>' || s == '+' || s == '~'))
        start = k + 1;
    }
    // Its type, classes and id; pseudo-classes and attributes left out.
    Compound compound;
    std::string* into = &compound.tag;
    d = 0;
    std::string* attr = nullptr;  // an attribute's name being read
    for (size_t k = start; k < selector.size(); ++k) {
      const char s = selector[k];
      if (attr != nullptr) {
        if (s == '=' || s == '~' || s == '|' || s == '^' || s == '$' ||
            s == '*' || s == ']' || IsSpace(s)) {
          attr = nullptr;
        } else {
          *attr += s;
          continue;
        }
      }
      if (s == '[' && d == 0) {
        compound.attributes.emplace_back();
        attr = &compound.attributes.back();
      }
      if (s == '(' || s == '[') ++d;
      if ((s == ')' || s == ']') && d > 0) {
        --d;
        continue;
      }
      if (d > 0) continue;
      if (s == ':') {
        into = nullptr;  // to the next '.', '#' or '['
      } else if (s == '.') {
        compound.classes.emplace_back();
        into = &compound.classes.back();
      } else if (s == '#') {
        compound.id.clear();
        into = &compound.id;
      } else if (into != nullptr && s != '*') {
        *into += s;
      }
    }
    auto empty = [](const std::string& c) { return c.empty(); };
    std::erase_if(compound.classes, empty);
    std::erase_if(compound.attributes, empty);
    std::string key = !compound.id.empty() ? "#" + compound.id
                      : !compound.classes.empty()
                          ? "." + compound.classes.front()
                      : compound.tag.empty() ? "*"
                                             : compound.tag;
    by_key_[key].push_back(std::move(compound));
    ++count_;
  }
}

bool HidingRules::AnyMatches(const std::string& key, const Element& e) const {
  const std::string_view tag = e.tag, id = e.id, classes = e.classes;
  const auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  auto has_class = [&](std::string_view want) {
    for (size_t i = 0; i < classes.size();) {
      while (i < classes.size() && IsSpace(classes[i])) ++i;
      size_t j = i;
      while (j < classes.size() && !IsSpace(classes[j])) ++j;
      if (j > i && classes.substr(i, j - i) == want) return true;
      i = j;
    }
    return false;
  };
  for (const Compound& c : it->second) {
    if (!c.tag.empty() && c.tag != tag) continue;
    if (!c.id.empty() && c.id != id) continue;
    bool all = true;
    for (const std::string& cls : c.classes) all = all && has_class(cls);
    for (const std::string& a : c.attributes)
      all = all && e.has_attribute != nullptr && e.has_attribute(a);
    if (all) return true;
  }
  return false;
}

bool HidingRules::Hides(const Element& in) const {
  if (count_ == 0) return false;
  auto lower = [](std::string_view from) {
    std::string out(from);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  };
  const std::string t = lower(in.tag), i = lower(Trim(in.id)),
                    cl = lower(in.classes);
  const Element e{t, i, cl, in.has_attribute};
  if (!i.empty() && AnyMatches("#" + i, e)) return true;
  // Each of the element's classes (at most 64 looked up).
  int looked = 0;
  for (size_t k = 0; k < cl.size() && looked < 64;) {
    while (k < cl.size() && IsSpace(cl[k])) ++k;
    size_t j = k;
    while (j < cl.size() && !IsSpace(cl[j])) ++j;
    if (j > k) {
      ++looked;
      if (AnyMatches("." + cl.substr(k, j - k), e)) return true;
    }
    k = j;
  }
  return AnyMatches(t, e) || AnyMatches("*", e);
}

}  // namespace steward::extract
