#include "extract/style.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string>

namespace steward::extract {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '%' || c == '#';
}

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// CSS as its tokenizer sees it, lower-cased: comments gone; an escape
// resolved to its character when that is a letter, a digit or '-' (else
// '?', which no keyword holds and which delimits nothing); a string kept
// as "..." with every delimiter in it made '?', ended by its quote, a
// newline or the end.
std::string Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const char c = in[i];
    if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      const size_t end = in.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 2;
      continue;
    }
    if (c == '"' || c == '\'') {
      out += '"';
      size_t j = i + 1;
      for (; j < in.size() && in[j] != c && in[j] != '\n'; ++j) {
        if (in[j] == '\\' && j + 1 < in.size()) ++j;
        const char s = in[j];
        out += IsNameChar(Lower(s)) || s == ' ' ? Lower(s) : '?';
      }
      out += '"';
      i = j < in.size() && in[j] == c ? j + 1 : j;
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
      char got = '?';
      if (digits > 0) {
        if (j < in.size() && IsSpace(in[j])) ++j;
        if (cp < 0x80) got = Lower(static_cast<char>(cp));
      } else if (in[j] != '\n') {
        got = Lower(in[j]);
        ++j;
      }
      out +=
          (got >= 'a' && got <= 'z') || (got >= '0' && got <= '9') || got == '-'
              ? got
              : '?';
      i = j;
      continue;
    }
    out += Lower(c);
    ++i;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool FirstWordIs(std::string_view v, std::string_view word) {
  return v.substr(0, word.size()) == word &&
         (v.size() == word.size() || IsSpace(v[word.size()]));
}

std::string_view FirstWord(std::string_view v) {
  size_t e = 0;
  while (e < v.size() && !IsSpace(v[e])) ++e;
  return v.substr(0, e);
}

template <size_t N>
bool OneOf(std::string_view w, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

constexpr std::array<std::string_view, 5> kWide = {
    "inherit", "initial", "unset", "revert", "revert-layer"};

// The properties read; the rest are not kept.
enum Property {
  kDisplay,
  kVisibility,
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
  kUnicodeBidi,
  kDirection,
  kProperties
};

constexpr std::array<std::string_view, kProperties> kNames = {
    "display",  "visibility", "font-size",    "opacity",   "color",
    "overflow", "overflow-x", "overflow-y",   "height",    "max-height",
    "width",    "max-width",  "clip",         "clip-path", "position",
    "left",     "top",        "unicode-bidi", "direction"};

std::optional<Property> PropertyNamed(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Property>(i);
  return std::nullopt;
}

// A number at the start of `v`, and what follows it.
std::optional<double> Number(std::string_view v, std::string_view* rest) {
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  double n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc()) return std::nullopt;
  *rest = v.substr(static_cast<size_t>(end - v.data()));
  return n;
}

// A length in CSS pixels (1pt = 4/3 px, 1em = 1rem = 16 px); a unit of
// unknown size gives a value only when the number is 0.
std::optional<double> Length(std::string_view v) {
  std::string_view unit;
  const std::optional<double> n = Number(Trim(v), &unit);
  if (!n) return std::nullopt;
  unit = Trim(unit);
  if (*n == 0) return 0.0;
  if (unit.empty() || unit == "px") return *n;
  if (unit == "pt") return *n * 4 / 3;
  if (unit == "em" || unit == "rem") return *n * 16;
  if (unit == "mm") return *n * 96 / 25.4;
  if (unit == "cm") return *n * 96 / 2.54;
  if (unit == "in") return *n * 96;
  return std::nullopt;
}

bool AtMost(std::string_view v, double px) {
  const std::optional<double> l = Length(v);
  return l && *l <= px;
}

// Every number in a function's arguments is 0: "calc(0px)", "min(0em, 5px)"
// are not (the second) but "calc(0px * 3)" is not all zero either; only
// what is plainly nothing counts.
bool AllZero(std::string_view v) {
  bool any = false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] >= '1' && v[i] <= '9') return false;
    any |= v[i] == '0';
  }
  return any;
}

// font-size (or the size of a `font` shorthand).
std::optional<StyleEffect::Set> FontSize(std::string_view v) {
  using Set = StyleEffect::Set;
  static constexpr std::array<std::string_view, 10> kAbsolute = {
      "xx-small", "x-small",  "small",     "medium", "large",
      "x-large",  "xx-large", "xxx-large", "math",   "initial"};
  if (OneOf(v, kAbsolute)) return Set::kShows;
  if (v == "smaller" || v == "larger" || OneOf(v, kWide)) return Set::kInherit;
  if (v.find('(') != std::string_view::npos)
    return AllZero(v) ? Set::kHides : Set::kShows;
  std::string_view unit;
  const std::optional<double> n = Number(v, &unit);
  if (!n || *n < 0) return std::nullopt;
  unit = Trim(unit);
  if (*n == 0) return Set::kHides;
  if (unit == "%" || unit == "em" || unit == "ex" || unit == "ch") {
    // Of the parent's size: a small share is small, else as the parent.
    const double share = unit == "%" ? *n / 100 : *n;
    return share * 16 <= 1 ? Set::kHides : Set::kInherit;
  }
  const std::optional<double> px = Length(v);
  if (!px) return Set::kShows;  // a unit of its own (vw, q...)
  return *px <= 1 ? Set::kHides : Set::kShows;
}

// The size a `font` shorthand sets: its first token that begins with a
// digit or a '.' (before any "/line-height").
std::optional<StyleEffect::Set> FontShorthand(std::string_view v) {
  if (OneOf(v, kWide)) return StyleEffect::Set::kInherit;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && IsSpace(v[i])) ++i;
    size_t j = i;
    while (j < v.size() && !IsSpace(v[j]) && v[j] != '/') ++j;
    const std::string_view token = v.substr(i, j - i);
    if (!token.empty() && ((token[0] >= '0' && token[0] <= '9') ||
                           token[0] == '.' || token.substr(0, 5) == "calc("))
      return FontSize(token);
    i = j;
    while (i < v.size() && !IsSpace(v[i])) ++i;  // "/line-height"
  }
  return StyleEffect::Set::kShows;  // a system font, or sizes by keyword
}

// The CSS named colours.
constexpr std::array<std::string_view, 148> kColorNames = {
    "aliceblue",
    "antiquewhite",
    "aqua",
    "aquamarine",
    "azure",
    "beige",
    "bisque",
    "black",
    "blanchedalmond",
    "blue",
    "blueviolet",
    "brown",
    "burlywood",
    "cadetblue",
    "chartreuse",
    "chocolate",
    "coral",
    "cornflowerblue",
    "cornsilk",
    "crimson",
    "cyan",
    "darkblue",
    "darkcyan",
    "darkgoldenrod",
    "darkgray",
    "darkgreen",
    "darkgrey",
    "darkkhaki",
    "darkmagenta",
    "darkolivegreen",
    "darkorange",
    "darkorchid",
    "darkred",
    "darksalmon",
    "darkseagreen",
    "darkslateblue",
    "darkslategray",
    "darkslategrey",
    "darkturquoise",
    "darkviolet",
    "deeppink",
    "deepskyblue",
    "dimgray",
    "dimgrey",
    "dodgerblue",
    "firebrick",
    "floralwhite",
    "forestgreen",
    "fuchsia",
    "gainsboro",
    "ghostwhite",
    "gold",
    "goldenrod",
    "gray",
    "green",
    "greenyellow",
    "grey",
    "honeydew",
    "hotpink",
    "indianred",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lavenderblush",
    "lawngreen",
    "lemonchiffon",
    "lightblue",
    "lightcoral",
    "lightcyan",
    "lightgoldenrodyellow",
    "lightgray",
    "lightgreen",
    "lightgrey",
    "lightpink",
    "lightsalmon",
    "lightseagreen",
    "lightskyblue",
    "lightslategray",
    "lightslategrey",
    "lightsteelblue",
    "lightyellow",
    "lime",
    "limegreen",
    "linen",
    "magenta",
    "maroon",
    "mediumaquamarine",
    "mediumblue",
    "mediumorchid",
    "mediumpurple",
    "mediumseagreen",
    "mediumslateblue",
    "mediumspringgreen",
    "mediumturquoise",
    "mediumvioletred",
    "midnightblue",
    "mintcream",
    "mistyrose",
    "moccasin",
    "navajowhite",
    "navy",
    "oldlace",
    "olive",
    "olivedrab",
    "orange",
    "orangered",
    "orchid",
    "palegoldenrod",
    "palegreen",
    "paleturquoise",
    "palevioletred",
    "papayawhip",
    "peachpuff",
    "peru",
    "pink",
    "plum",
    "powderblue",
    "purple",
    "rebeccapurple",
    "red",
    "rosybrown",
    "royalblue",
    "saddlebrown",
    "salmon",
    "sandybrown",
    "seagreen",
    "seashell",
    "sienna",
    "silver",
    "skyblue",
    "slateblue",
    "slategray",
    "slategrey",
    "snow",
    "springgreen",
    "steelblue",
    "tan",
    "teal",
    "thistle",
    "tomato",
    "turquoise",
    "violet",
    "wheat",
    "white",
    "whitesmoke",
    "yellow",
    "yellowgreen"};

std::optional<StyleEffect::Set> Color(std::string_view v) {
  using Set = StyleEffect::Set;
  if (v == "transparent") return Set::kHides;
  if (v == "currentcolor" || v == "inherit" || v == "unset" || v == "revert" ||
      v == "revert-layer")
    return Set::kInherit;
  if (v == "initial" || OneOf(v, kColorNames)) return Set::kShows;
  if (!v.empty() && v[0] == '#') {
    const std::string_view hex = v.substr(1);
    for (char c : hex)
      if (HexValue(c) < 0) return std::nullopt;
    if (hex.size() == 3 || hex.size() == 6) return Set::kShows;
    if (hex.size() == 4) return hex[3] == '0' ? Set::kHides : Set::kShows;
    if (hex.size() == 8)
      return hex.substr(6) == "00" ? Set::kHides : Set::kShows;
    return std::nullopt;
  }
  const size_t open = v.find('(');
  if (open == std::string_view::npos || v.back() != ')') return std::nullopt;
  static constexpr std::array<std::string_view, 10> kFunctions = {
      "rgb", "rgba", "hsl",   "hsla",  "hwb",
      "lab", "lch",  "oklab", "oklch", "color"};
  if (!OneOf(Trim(v.substr(0, open)), kFunctions)) return std::nullopt;
  const std::string_view args = v.substr(open + 1, v.size() - open - 2);
  // The alpha: after '/', or the fourth of comma-separated components.
  const size_t cut = args.find_last_of(",/");
  size_t commas = 0;
  for (char c : args) commas += c == ',';
  if (cut == std::string_view::npos || (args[cut] == ',' && commas < 3))
    return Set::kShows;
  std::string_view a = Trim(args.substr(cut + 1));
  if (!a.empty() && a.back() == '%') a.remove_suffix(1);
  std::string_view rest;
  const std::optional<double> n = Number(a, &rest);
  return n && Trim(rest).empty() && *n <= 0 ? Set::kHides : Set::kShows;
}

bool ValidDisplay(std::string_view v) {
  static constexpr std::array<std::string_view, 30> kDisplays = {
      "none",
      "inline",
      "block",
      "inline-block",
      "flex",
      "inline-flex",
      "grid",
      "inline-grid",
      "table",
      "inline-table",
      "table-row",
      "table-cell",
      "table-row-group",
      "table-header-group",
      "table-footer-group",
      "table-column",
      "table-column-group",
      "table-caption",
      "list-item",
      "contents",
      "flow-root",
      "flow",
      "run-in",
      "ruby",
      "ruby-base",
      "ruby-text",
      "-webkit-box",
      "-webkit-inline-box",
      "-ms-flexbox",
      "math"};
  const std::string_view w = FirstWord(v);
  return OneOf(w, kDisplays) || OneOf(w, kWide);
}

bool BlockDisplay(std::string_view v) {
  static constexpr std::array<std::string_view, 12> kBlocks = {
      "block",      "inline-block", "flex",      "inline-flex",
      "grid",       "inline-grid",  "table",     "inline-table",
      "table-cell", "list-item",    "flow-root", "-webkit-box"};
  return OneOf(FirstWord(v), kBlocks);
}

// clip: rect(top, right, bottom, left) of no area.
bool ZeroRect(std::string_view v) {
  if (v.substr(0, 5) != "rect(" || v.back() != ')') return false;
  std::string_view args = v.substr(5, v.size() - 6);
  std::array<double, 4> edge{};
  for (size_t k = 0; k < 4; ++k) {
    args = Trim(args);
    size_t end = 0;
    while (end < args.size() && args[end] != ',' && !IsSpace(args[end])) ++end;
    const std::optional<double> l = Length(args.substr(0, end));
    if (!l) return false;
    edge[k] = *l;
    args = Trim(args.substr(end));
    if (!args.empty() && args.front() == ',') args.remove_prefix(1);
  }
  return edge[2] <= edge[0] || edge[1] <= edge[3];
}

struct Value {
  std::string_view text;
  bool important = false;
  bool set = false;
};

}  // namespace

bool StyleCertainlyHides(std::string_view style) {
  std::string compact;
  compact.reserve(style.size());
  for (char c : style)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') compact += Lower(c);
  return compact.find("display:none") != std::string::npos ||
         compact.find("visibility:hidden") != std::string::npos;
}

StyleEffect ReadStyle(std::string_view declarations, bool block) {
  using Set = StyleEffect::Set;
  const std::string decoded = Decode(declarations);
  const std::string_view s = decoded;
  std::array<Value, kProperties> values;
  std::optional<Set> font, color;  // as set by the winning declarations
  bool font_important = false, color_important = false;
  size_t begin = 0;
  int depth = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? s[i] : ';';
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (c != ';' || (depth > 0 && i < s.size())) continue;
    const std::string_view decl = s.substr(begin, i - begin);
    begin = i + 1;
    depth = 0;
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
    if (value.empty()) continue;
    // An invalid value is dropped, as a browser drops it.
    auto take = [&](std::optional<Set> got, std::optional<Set>& slot,
                    bool& slot_important) {
      if (!got || (slot && slot_important && !important)) return;
      slot = got;
      slot_important = important;
    };
    if (name == "font-size") {
      take(FontSize(value), font, font_important);
      continue;
    }
    if (name == "font") {
      take(FontShorthand(value), font, font_important);
      continue;
    }
    if (name == "color") {
      take(Color(value), color, color_important);
      continue;
    }
    const std::optional<Property> p = PropertyNamed(name);
    if (!p) continue;
    if (*p == kDisplay && !ValidDisplay(value)) continue;
    if (*p == kVisibility && !(value == "visible" || value == "hidden" ||
                               value == "collapse" || OneOf(value, kWide)))
      continue;
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
  StyleEffect e;
  e.font = font.value_or(Set::kInherit);
  e.color = color.value_or(Set::kInherit);
  if (is(kVisibility, "hidden") || is(kVisibility, "collapse"))
    e.visibility = Set::kHides;
  else if (is(kVisibility, "visible") || is(kVisibility, "initial"))
    e.visibility = Set::kShows;
  if (is(kDisplay, "none")) e.gone = e.boxless = true;
  e.reverses = (is(kUnicodeBidi, "bidi-override") ||
                is(kUnicodeBidi, "isolate-override")) &&
               is(kDirection, "rtl");
  if (values[kOpacity].set) {
    std::string_view o = values[kOpacity].text, rest;
    const bool percent = !o.empty() && o.back() == '%';
    if (percent) o.remove_suffix(1);
    const std::optional<double> n = Number(o, &rest);
    if (n && Trim(rest).empty() && *n <= (percent ? 5 : 0.05)) e.gone = true;
  }
  if (values[kClipPath].set) {
    const std::string_view c = values[kClipPath].text;
    if (c.substr(0, 6) == "inset(" && c.back() == ')') {
      std::string_view rest;
      const std::optional<double> n =
          Number(Trim(c.substr(6, c.size() - 7)), &rest);
      if (n && !rest.empty() && rest.front() == '%' && *n >= 50) e.gone = true;
    }
  }
  const bool positioned = is(kPosition, "absolute") || is(kPosition, "fixed");
  e.out_of_flow = positioned;
  if (values[kDisplay].set && !e.boxless) {
    const std::string_view d = FirstWord(values[kDisplay].text);
    if (d.substr(0, 6) == "inline" || d == "ruby" || d == "contents")
      e.block = 0;
    else if (!OneOf(d, kWide))
      e.block = 1;
  }
  if (positioned && ((values[kClip].set && ZeroRect(values[kClip].text)) ||
                     at_most(kLeft, -500) || at_most(kTop, -500)))
    e.gone = true;
  const bool sized = values[kDisplay].set ? BlockDisplay(values[kDisplay].text)
                                          : block || positioned;
  const bool clips = is(kOverflow, "hidden") || is(kOverflow, "clip") ||
                     is(kOverflowX, "hidden") || is(kOverflowX, "clip") ||
                     is(kOverflowY, "hidden") || is(kOverflowY, "clip");
  if (sized && clips &&
      (at_most(kHeight, 1) || at_most(kMaxHeight, 1) || at_most(kWidth, 1) ||
       at_most(kMaxWidth, 1)))
    e.gone = true;
  return e;
}

Shown Shown::Child(const StyleEffect& e) const {
  using Set = StyleEffect::Set;
  auto next = [](bool now, Set s) {
    return s == Set::kHides ? true : s == Set::kShows ? false : now;
  };
  return {gone || e.gone, next(tiny, e.font), next(clear, e.color),
          next(invisible, e.visibility), boxless || e.boxless};
}

void StyleRules::Add(std::string_view sheet) {
  const std::string decoded = Decode(sheet);
  const std::string_view d = decoded;
  // Blocks as they open: a rule's, or an @-rule's whose rules are kept
  // (screen, all) or not.
  struct Block {
    size_t contents;
    std::string_view prelude;
    bool kept;  // its rules (or its declarations) count
  };
  std::vector<Block> open;
  size_t prelude_begin = 0;
  constexpr size_t kMaxDepth = 32;
  auto close = [&](size_t end) {
    const Block b = open.back();
    open.pop_back();
    if (!b.kept || b.prelude.front() == '@') return;
    const std::string_view body = d.substr(b.contents, end - b.contents);
    // Only declarations ReadStyle reads; "{" inside means nesting.
    if (body.find('{') != std::string_view::npos) return;
    bool relevant = body.find("font") != std::string_view::npos;
    for (std::string_view n : kNames)
      relevant = relevant || body.find(n) != std::string_view::npos;
    if (!relevant || body.size() > kMaxDeclarations) return;
    declarations_.emplace_back(body);
    AddSelectors(b.prelude, static_cast<uint32_t>(declarations_.size() - 1));
  };
  for (size_t i = 0; i < d.size() && count_ < kMaxRules; ++i) {
    const char c = d[i];
    if (c == '{') {
      if (open.size() == kMaxDepth) return;
      const std::string_view prelude =
          Trim(d.substr(prelude_begin, i - prelude_begin));
      bool kept = open.empty() || open.back().kept;
      if (!open.empty() && open.back().prelude.front() != '@')
        kept = false;  // a rule inside a rule (nesting): not followed
      if (kept && !prelude.empty() && prelude.front() == '@') {
        const std::string_view media = Trim(prelude.substr(1));
        kept = media == "media screen" || media == "media all" ||
               media == "media only screen";
      }
      open.push_back({i + 1, prelude.empty() ? "?" : prelude, kept});
      prelude_begin = i + 1;
    } else if (c == '}') {
      if (!open.empty()) close(i);
      prelude_begin = i + 1;
    } else if (c == ';' && open.empty()) {
      prelude_begin = i + 1;  // "@import ...;", "@charset ...;"
    }
  }
  // A browser closes what the sheet left open.
  while (!open.empty() && count_ < kMaxRules) close(d.size());
}

void StyleRules::AddSelectors(std::string_view list, uint32_t rule) {
  size_t begin = 0;
  for (size_t i = 0; i <= list.size() && count_ < kMaxRules; ++i) {
    if (i < list.size() && list[i] != ',') continue;
    const std::string_view selector = Trim(list.substr(begin, i - begin));
    begin = i + 1;
    // One element: a type, classes and an id, nothing else.
    Compound compound{{}, {}, {}, rule};
    std::string* into = &compound.tag;
    bool plain = !selector.empty();
    for (char s : selector) {
      if (s == '.') {
        compound.classes.emplace_back();
        into = &compound.classes.back();
      } else if (s == '#') {
        compound.id.clear();
        into = &compound.id;
      } else if (s == '*' && into == &compound.tag && compound.tag.empty()) {
        continue;
      } else if ((s >= 'a' && s <= 'z') || (s >= '0' && s <= '9') || s == '-' ||
                 s == '_') {
        *into += s;
      } else {
        plain = false;  // a combinator, pseudo-class, attribute...
        break;
      }
    }
    for (const std::string& c : compound.classes) plain = plain && !c.empty();
    if (!plain || compound.classes.size() > 8) continue;
    std::sort(compound.classes.begin(), compound.classes.end());
    const std::string key = !compound.id.empty() ? "#" + compound.id
                            : !compound.classes.empty()
                                ? "." + compound.classes.front()
                            : !compound.tag.empty() ? compound.tag
                                                    : "*";
    by_key_[key].push_back(std::move(compound));
    ++count_;
  }
}

std::string StyleRules::DeclarationsFor(const Element& in) const {
  if (count_ == 0 || spent_ >= kBudget || read_ >= kBudgetBytes) return {};
  auto lower = [](std::string_view from) {
    std::string out(Trim(from));
    for (char& c : out) c = Lower(c);
    return out;
  };
  const std::string id = lower(in.id), classes_text = lower(in.classes);
  // Its classes once, sorted (at most 64).
  std::vector<std::string_view> classes;
  const std::string_view all = classes_text;
  for (size_t k = 0; k < all.size() && classes.size() < 64;) {
    while (k < all.size() && IsSpace(all[k])) ++k;
    size_t j = k;
    while (j < all.size() && !IsSpace(all[j])) ++j;
    if (j > k) classes.push_back(all.substr(k, j - k));
    k = j;
  }
  std::sort(classes.begin(), classes.end());
  std::vector<uint32_t> matched;
  auto look = [&](const std::string& key) {
    const auto it = by_key_.find(key);
    if (it == by_key_.end()) return;
    for (const Compound& c : it->second) {
      if (++spent_ >= kBudget || matched.size() >= kMaxMatched) return;
      if (!c.tag.empty() && c.tag != in.tag) continue;
      if (!c.id.empty() && c.id != id) continue;
      bool all_in = true;
      for (const std::string& want : c.classes)
        all_in = all_in && std::binary_search(classes.begin(), classes.end(),
                                              std::string_view(want));
      if (all_in) matched.push_back(c.rule);
    }
  };
  if (!id.empty()) look("#" + id);
  for (size_t k = 0; k < classes.size(); ++k)
    if (k == 0 || classes[k] != classes[k - 1])
      look("." + std::string(classes[k]));
  look(std::string(in.tag));
  look("*");
  std::sort(matched.begin(), matched.end());
  matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
  std::string out;
  for (uint32_t r : matched) {
    if (read_ + declarations_[r].size() > kBudgetBytes) break;
    read_ += declarations_[r].size();
    out += declarations_[r];
    out += ';';
  }
  return out;
}

}  // namespace steward::extract
