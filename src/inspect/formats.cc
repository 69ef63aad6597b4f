#include "inspect/formats.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace steward::inspect {

namespace {

bool IsSeparator(char c) { return c == ' ' || c == '-'; }

// Whether `re` matches the whole of `s`.
bool Whole(const pcre2_code* re, std::string_view s) {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re, nullptr);
  if (!md) return false;
  int rc = pcre2_match(re, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0,
                       PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, nullptr);
  pcre2_match_data_free(md);
  return rc >= 0;
}

}  // namespace

struct FormatSet::Impl {
  std::vector<std::string> names;
  std::vector<pcre2_code*> each;
  pcre2_code* any = nullptr;  // every format, as one alternation
  ~Impl() {
    for (auto* c : each) pcre2_code_free(c);
    pcre2_code_free(any);
  }
};

FormatSet::~FormatSet() = default;

core::Result<std::unique_ptr<FormatSet>> FormatSet::Compile(
    const std::vector<policy::Detector::Format>& formats) {
  std::unique_ptr<FormatSet> set(new FormatSet());
  set->impl_ = std::make_unique<Impl>();
  auto compile = [](const std::string& p) {
    int code = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.c_str()),
                                   p.size(), 0, &code, &off, nullptr);
    if (re) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
  };
  std::string all;
  for (const auto& f : formats) {
    pcre2_code* re = compile(f.pattern);
    if (!re)
      return core::Status::Invalid("format '" + f.name +
                                   "' does not compile: " + f.pattern);
    set->impl_->names.push_back(f.name);
    set->impl_->each.push_back(re);
    all += (all.empty() ? "(?:" : "|(?:") + f.pattern + ")";
  }
  set->impl_->any = compile(all);
  if (!set->impl_->any)
    return core::Status::Invalid("the formats do not compile together");
  return set;
}

FormatSet::Fitted FormatSet::Fit(std::string_view match,
                                 std::vector<std::string>* names) const {
  // The groups: [begin, end) of each run between separators.
  std::vector<std::pair<size_t, size_t>> groups;
  for (size_t i = 0; i < match.size();) {
    if (IsSeparator(match[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < match.size() && !IsSeparator(match[j])) ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  std::string compact;
  // Most groups first; among as many, leftmost first.
  for (size_t count = groups.size(); count > 0; --count) {
    for (size_t first = 0; first + count <= groups.size(); ++first) {
      const size_t b = groups[first].first,
                   e = groups[first + count - 1].second;
      compact.clear();
      for (char c : match.substr(b, e - b))
        if (!IsSeparator(c)) compact += c;
      if (!Whole(impl_->any, compact)) continue;
      if (names) {
        names->clear();
        for (size_t k = 0; k < impl_->each.size(); ++k) {
          const std::string& n = impl_->names[k];
          if (Whole(impl_->each[k], compact) &&
              (names->empty() || names->back() != n))
            names->push_back(n);
        }
      }
      return {b, e - b};
    }
  }
  return {};
}

std::string NameList(const std::vector<std::string>& names, size_t shown) {
  std::string out;
  const size_t n = names.size();
  const size_t listed = n > shown + 1 ? shown : n;
  for (size_t i = 0; i < listed; ++i) {
    if (i > 0) out += (i + 1 == listed && listed == n) ? " or " : ", ";
    out += names[i];
  }
  if (listed < n) out += " and " + std::to_string(n - listed) + " more";
  return out;
}

}  // namespace steward::inspect
