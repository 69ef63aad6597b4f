#include "publish/adfilter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>

#include "core/text.h"

namespace steward::publish {

namespace {

constexpr uint16_t kAllTypes = 0x1fff;
// What a filter without type options applies to (not pages themselves).
constexpr uint16_t kDefaultTypes = kAllTypes &
                                   ~static_cast<uint16_t>(Resource::kDocument) &
                                   ~static_cast<uint16_t>(Resource::kPopup);

struct TypeName {
  const char* name;
  Resource type;
};
constexpr TypeName kTypes[] = {
    {"script", Resource::kScript},
    {"image", Resource::kImage},
    {"stylesheet", Resource::kStylesheet},
    {"css", Resource::kStylesheet},
    {"object", Resource::kObject},
    {"object-subrequest", Resource::kObject},
    {"xmlhttprequest", Resource::kXhr},
    {"xhr", Resource::kXhr},
    {"fetch", Resource::kXhr},
    {"subdocument", Resource::kSubdocument},
    {"frame", Resource::kSubdocument},
    {"ping", Resource::kPing},
    {"beacon", Resource::kPing},
    {"media", Resource::kMedia},
    {"font", Resource::kFont},
    {"websocket", Resource::kWebsocket},
    {"other", Resource::kOther},
    {"document", Resource::kDocument},
    {"doc", Resource::kDocument},
    {"popup", Resource::kPopup},
};

// Letters, digits and % make up the words filters are indexed by.
bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '%' ||
         (c >= 'A' && c <= 'Z');
}

// What `^` matches: anything but a letter, a digit, _ - . %.
bool IsSeparator(char c) {
  return !(IsTokenChar(c) || c == '_' || c == '-' || c == '.' ||
           static_cast<unsigned char>(c) >= 0x80);
}

uint64_t TokenHash(std::string_view t) {
  uint64_t h = 1469598103934665603ull;
  for (char c : t) {
    h ^= static_cast<unsigned char>(c | 0x20);
    h *= 1099511628211ull;
  }
  return h;
}

// Whether `p` (with * and ^) matches `s` from `u`: to its end when
// `to_end`, else any prefix of the rest. Greedy with backtracking to the
// last star: O(|p|·|s|) at worst. `*past_star` says whether the match got
// as far as the pattern's first star: when it did and still failed, no
// later start can succeed (the star takes whatever a later start skips).
bool Glob(std::string_view p, std::string_view s, size_t u, bool to_end,
          bool* past_star = nullptr) {
  size_t i = 0, star_i = std::string_view::npos, star_u = 0;
  if (past_star) *past_star = false;
  for (;;) {
    if (i == p.size()) {
      if (!to_end || u == s.size()) return true;
    } else if (p[i] == '*') {
      if (past_star) *past_star = true;
      star_i = i++;
      star_u = u;
      continue;
    } else if (u < s.size() &&
               (p[i] == '^' ? IsSeparator(s[u]) : p[i] == s[u])) {
      ++i;
      ++u;
      continue;
    } else if (p[i] == '^' && u == s.size()) {
      ++i;
      continue;
    }
    if (star_i == std::string_view::npos || star_u >= s.size()) return false;
    i = star_i + 1;
    u = ++star_u;
  }
}

// Whether `host` is `domain` or under it.
bool Under(std::string_view host, std::string_view domain) {
  if (host.size() < domain.size()) return false;
  if (host.substr(host.size() - domain.size()) != domain) return false;
  return host.size() == domain.size() ||
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

std::optional<Resource> ResourceNamed(std::string_view name) {
  for (const auto& t : kTypes)
    if (name == t.name) return t.type;
  return std::nullopt;
}

std::string_view SiteOf(std::string_view host) {
  static const char* const kSecondLevel[] = {
      "co.uk",  "org.uk", "ac.uk",  "gov.uk", "com.au", "net.au",
      "org.au", "co.nz",  "co.jp",  "com.br", "com.mx", "co.in",
      "com.cn", "co.za",  "com.tr", "com.ar", "ca.us",  "k12.ca.us"};
  if (host.empty() || std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.' || c == ':';
      }))
    return host;
  size_t labels = 2;
  for (const char* s : kSecondLevel)
    if (Under(host, s)) labels = std::count(s, s + strlen(s), '.') + 2;
  size_t pos = host.size();
  for (size_t n = 0; n < labels; ++n) {
    size_t dot = host.rfind('.', pos == 0 ? 0 : pos - 1);
    if (dot == std::string_view::npos || pos == 0) return host;
    pos = dot;
  }
  return host.substr(pos + 1);
}

std::string HostOf(std::string_view url) {
  size_t s = url.find("://");
  if (s == std::string_view::npos) return {};
  size_t b = s + 3;
  size_t e = url.find_first_of("/?#", b);
  std::string_view auth =
      url.substr(b, e == std::string_view::npos ? e : e - b);
  if (size_t at = auth.rfind('@'); at != std::string_view::npos)
    auth.remove_prefix(at + 1);
  if (!auth.empty() && auth.front() == '[') {
    size_t close = auth.find(']');
    return core::AsciiLower(auth.substr(
        0, close == std::string_view::npos ? auth.size() : close + 1));
  }
  if (size_t colon = auth.find(':'); colon != std::string_view::npos)
    auth = auth.substr(0, colon);
  return core::AsciiLower(auth);
}

struct detail::NetworkFilter {
  std::string text;     // as written
  std::string pattern;  // lower case unless match_case
  pcre2_code* regex = nullptr;
  bool host_anchor = false, start_anchor = false, end_anchor = false;
  bool exception = false, important = false, match_case = false;
  uint16_t types = kDefaultTypes;
  int8_t party = 0;  // 1 third-party only, -1 first-party only
  std::vector<std::string> domains, not_domains;
};

struct detail::FilterIndex {
  std::vector<NetworkFilter> filters;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_token;
  std::vector<uint32_t> untokened;
  ~FilterIndex() {
    for (auto& f : filters)
      if (f.regex) pcre2_code_free(f.regex);
  }
};

FilterList::~FilterList() = default;

namespace {

enum class Parsed { kFilter, kSkip, kCosmetic, kUnsupported };

Parsed ParseOptions(std::string_view opts, detail::NetworkFilter* f) {
  uint16_t include = 0, exclude = 0;
  for (const auto& raw : core::SplitList(opts, ',')) {
    std::string o = core::AsciiLower(raw);
    bool negated = !o.empty() && o[0] == '~';
    std::string_view name = negated ? std::string_view(o).substr(1) : o;
    if (auto t = ResourceNamed(name)) {
      (negated ? exclude : include) |= static_cast<uint16_t>(*t);
    } else if (name == "all") {
      include |= kAllTypes;
    } else if (name == "third-party" || name == "3p") {
      f->party = negated ? -1 : 1;
    } else if (name == "first-party" || name == "1p") {
      f->party = negated ? 1 : -1;
    } else if (name == "match-case") {
      f->match_case = true;
    } else if (name == "important") {
      f->important = true;
    } else if (name.starts_with("domain=") || name.starts_with("from=")) {
      std::string_view list = raw;
      list.remove_prefix(list.find('=') + 1);
      for (auto& d : core::SplitList(list, '|')) {
        std::string dl = core::AsciiLower(d);
        if (dl.empty()) continue;
        if (dl[0] == '~')
          f->not_domains.push_back(dl.substr(1));
        else
          f->domains.push_back(dl);
      }
    } else if (name == "badfilter") {
      return Parsed::kSkip;
    } else {
      // csp=, redirect=, removeparam=, rewrite=, elemhide, generichide,
      // genericblock, denyallow=, header=...: not understood.
      return Parsed::kUnsupported;
    }
  }
  if (include || exclude)
    f->types =
        static_cast<uint16_t>((include ? include : kDefaultTypes) & ~exclude);
  return Parsed::kFilter;
}

bool IsCosmetic(std::string_view line) {
  for (const char* m : {"##", "#@#", "#?#", "#$#", "#%#", "#@$#", "#@?#"})
    if (line.find(m) != std::string_view::npos) return true;
  return false;
}

Parsed ParseFilter(std::string_view line, detail::NetworkFilter* f) {
  if (line.empty() || line[0] == '!' || line[0] == '[') return Parsed::kSkip;
  if (IsCosmetic(line)) return Parsed::kCosmetic;
  f->text = std::string(line);
  if (line.starts_with("@@")) {
    f->exception = true;
    line.remove_prefix(2);
  }
  size_t dollar = line.rfind('$');
  bool regex_like = line.size() > 2 && line[0] == '/';
  if (dollar != std::string_view::npos &&
      !(regex_like && dollar < line.rfind('/'))) {
    Parsed p = ParseOptions(line.substr(dollar + 1), f);
    if (p != Parsed::kFilter) return p;
    line = line.substr(0, dollar);
  }
  if (line.size() > 2 && line.front() == '/' && line.back() == '/') {
    std::string_view re = line.substr(1, line.size() - 2);
    int err = 0;
    PCRE2_SIZE off = 0;
    f->regex = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(),
                             (f->match_case ? 0 : PCRE2_CASELESS) | PCRE2_UTF,
                             &err, &off, nullptr);
    if (!f->regex) return Parsed::kUnsupported;
    pcre2_jit_compile(f->regex, PCRE2_JIT_COMPLETE);
    return Parsed::kFilter;
  }
  if (line.starts_with("||")) {
    f->host_anchor = true;
    line.remove_prefix(2);
  } else if (line.starts_with("|")) {
    f->start_anchor = true;
    line.remove_prefix(1);
  }
  if (line.ends_with("|")) {
    f->end_anchor = true;
    line.remove_suffix(1);
  }
  while (!line.empty() && line.front() == '*' && !f->host_anchor) {
    line.remove_prefix(1);
    f->start_anchor = false;
  }
  while (!line.empty() && line.back() == '*') {
    line.remove_suffix(1);
    f->end_anchor = false;
  }
  f->pattern = f->match_case ? std::string(line) : core::AsciiLower(line);
  return Parsed::kFilter;
}

// The words of a filter's pattern that a matching URL must hold whole.
std::vector<std::string_view> FilterTokens(const detail::NetworkFilter& f) {
  std::vector<std::string_view> out;
  if (f.regex) return out;
  std::string_view p = f.pattern;
  for (size_t i = 0; i < p.size();) {
    if (!IsTokenChar(p[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < p.size() && IsTokenChar(p[i])) ++i;
    bool left = b > 0 ? p[b - 1] != '*' : (f.host_anchor || f.start_anchor);
    bool right = i < p.size() ? p[i] != '*' : f.end_anchor;
    if (left && right && i - b >= 2) out.push_back(p.substr(b, i - b));
  }
  return out;
}

bool PatternMatches(const detail::NetworkFilter& f, std::string_view url,
                    std::string_view lower) {
  std::string_view s = f.match_case ? url : lower;
  if (f.regex) {
    // A list's regular expression may backtrack badly: bounded, and a
    // match not found within the bound is no match.
    thread_local struct Limits {
      pcre2_match_context* context = nullptr;
      pcre2_match_data* data = nullptr;
      Limits() {
        context = pcre2_match_context_create(nullptr);
        pcre2_set_match_limit(context, 20000);
        pcre2_set_depth_limit(context, 2000);
        data = pcre2_match_data_create(1, nullptr);
      }
      ~Limits() {
        pcre2_match_data_free(data);
        pcre2_match_context_free(context);
      }
    } limits;
    int rc = pcre2_match(f.regex, reinterpret_cast<PCRE2_SPTR>(s.data()),
                         s.size(), 0, 0, limits.data, limits.context);
    return rc >= 0;
  }
  std::string_view p = f.pattern;
  if (f.host_anchor) {
    size_t scheme = s.find("://");
    if (scheme == std::string_view::npos) return false;
    size_t hb = scheme + 3;
    size_t he = s.find_first_of("/?#", hb);
    if (he == std::string_view::npos) he = s.size();
    for (size_t at = hb; at < he; ++at) {
      if (at != hb && s[at - 1] != '.') continue;
      bool past_star = false;
      if (Glob(p, s, at, f.end_anchor, &past_star)) return true;
      if (past_star) return false;
    }
    return false;
  }
  if (f.start_anchor) return Glob(p, s, 0, f.end_anchor);
  // Unanchored: try where the pattern's first literal could begin.
  if (p.empty()) return true;
  char first = p[0];
  for (size_t at = 0; at <= s.size(); ++at) {
    if (first != '^' && first != '*') {
      at = s.find(first, at);
      if (at == std::string_view::npos) return false;
    }
    bool past_star = false;
    if (Glob(p, s, at, f.end_anchor, &past_star)) return true;
    if (past_star) return false;
  }
  return false;
}

bool OptionsAllow(const detail::NetworkFilter& f, const Request& r,
                  std::string_view host) {
  if (!(f.types & static_cast<uint16_t>(r.type))) return false;
  std::string source = core::AsciiLower(r.source_host);
  if (f.party != 0) {
    bool third = source.empty() || SiteOf(source) != SiteOf(host);
    if ((f.party == 1) != third) return false;
  }
  if (!f.domains.empty()) {
    if (source.empty()) return false;
    if (std::none_of(f.domains.begin(), f.domains.end(),
                     [&](const std::string& d) { return Under(source, d); }))
      return false;
  }
  for (const auto& d : f.not_domains)
    if (!source.empty() && Under(source, d)) return false;
  return true;
}

}  // namespace

std::shared_ptr<const FilterList> FilterList::Build(
    const std::vector<std::string>& lines) {
  std::shared_ptr<FilterList> list(new FilterList());
  list->index_ = std::make_unique<detail::FilterIndex>();
  detail::FilterIndex& ix = *list->index_;
  for (const auto& raw : lines) {
    std::string_view line = raw;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    detail::NetworkFilter f;
    switch (ParseFilter(line, &f)) {
      case Parsed::kSkip:
        if (f.regex) pcre2_code_free(f.regex);
        continue;
      case Parsed::kCosmetic:
        ++list->stats_.cosmetic;
        continue;
      case Parsed::kUnsupported:
        if (f.regex) pcre2_code_free(f.regex);
        ++list->stats_.unsupported;
        continue;
      case Parsed::kFilter:
        break;
    }
    ++(f.exception ? list->stats_.exceptions : list->stats_.network);
    ix.filters.push_back(std::move(f));
  }
  // Each filter under its rarest word.
  std::unordered_map<uint64_t, uint32_t> count;
  for (const auto& f : ix.filters)
    for (auto t : FilterTokens(f)) ++count[TokenHash(t)];
  for (uint32_t i = 0; i < ix.filters.size(); ++i) {
    auto tokens = FilterTokens(ix.filters[i]);
    if (tokens.empty()) {
      ix.untokened.push_back(i);
      continue;
    }
    uint64_t best = 0;
    uint32_t best_count = UINT32_MAX;
    for (auto t : tokens) {
      uint64_t h = TokenHash(t);
      if (count[h] < best_count) {
        best_count = count[h];
        best = h;
      }
    }
    ix.by_token[best].push_back(i);
  }
  return list;
}

namespace {

// Calls f(filter index) for every filter that could match `lower`.
template <typename F>
void Candidates(const std::unordered_map<uint64_t, std::vector<uint32_t>>& by,
                const std::vector<uint32_t>& untokened, std::string_view lower,
                F&& f) {
  for (uint32_t i : untokened) f(i);
  std::vector<uint64_t> seen;
  for (size_t i = 0; i < lower.size();) {
    if (!IsTokenChar(lower[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < lower.size() && IsTokenChar(lower[i])) ++i;
    uint64_t h = TokenHash(lower.substr(b, i - b));
    if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
    seen.push_back(h);
    if (auto it = by.find(h); it != by.end())
      for (uint32_t x : it->second) f(x);
  }
}

}  // namespace

std::optional<FilterList::Match> FilterList::Matches(const Request& r) const {
  const std::string lower = core::AsciiLower(r.url);
  const std::string host = HostOf(r.url);
  const detail::NetworkFilter* block = nullptr;
  bool excepted = false, important = false;
  Candidates(index_->by_token, index_->untokened, lower, [&](uint32_t i) {
    const detail::NetworkFilter& f = index_->filters[i];
    if (important || (f.exception && excepted)) return;
    if (!f.exception && block && !f.important) return;
    if (!OptionsAllow(f, r, host) || !PatternMatches(f, r.url, lower)) return;
    if (f.exception) {
      excepted = true;
    } else {
      block = &f;
      important = f.important;
    }
  });
  if (!block || (excepted && !important)) return std::nullopt;
  return Match{block->text};
}

std::vector<std::string> FilterList::AllMatching(const Request& r) const {
  const std::string lower = core::AsciiLower(r.url);
  const std::string host = HostOf(r.url);
  std::vector<std::string> out;
  Candidates(index_->by_token, index_->untokened, lower, [&](uint32_t i) {
    const detail::NetworkFilter& f = index_->filters[i];
    if (OptionsAllow(f, r, host) && PatternMatches(f, r.url, lower))
      out.push_back(f.text);
  });
  return out;
}

}  // namespace steward::publish
