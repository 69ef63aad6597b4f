// Network filters in the syntax of EasyList and Adblock Plus, to recognise
// advertising (H.3) and payment widgets (H.2) by the URLs a page loads or
// links to. What is understood: `||` (a host or its subdomains), `|` at
// either end, `*`, `^` (a separator), `@@` exceptions, `/regex/` filters
// (PCRE2), and the options third-party / first-party, domain=, the
// resource types (script, image, subdocument, xmlhttprequest...; `~` for
// "all but"), match-case and important. Element-hiding rules (`##`) are
// not network filters and are skipped; so is every filter with an option
// not understood (csp=, redirect=, removeparam=...), because applying it
// without its option would block what the list does not. Filters are
// indexed by their rarest whole word, so a URL is compared with the few
// filters that could match it. A hostile URL costs time linear in its
// length per filter (an unanchored pattern is not tried again once a start
// got past its first star); a regular expression filter is bounded (PCRE2
// match and depth limits) and one that exceeds them does not match.
// Immutable once built; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steward::publish {

// What a URL is loaded as.
enum class Resource : uint16_t {
  kScript = 1 << 0,
  kImage = 1 << 1,
  kStylesheet = 1 << 2,
  kObject = 1 << 3,
  kXhr = 1 << 4,
  kSubdocument = 1 << 5,
  kPing = 1 << 6,
  kMedia = 1 << 7,
  kFont = 1 << 8,
  kWebsocket = 1 << 9,
  kOther = 1 << 10,
  kDocument = 1 << 11,
  kPopup = 1 << 12,
};
// "script", "image", "xhr" or "xmlhttprequest", "fetch", "subdocument" or
// "frame", ...; nullopt for a word that is no type.
std::optional<Resource> ResourceNamed(std::string_view name);

struct Request {
  std::string_view url;          // absolute: scheme://host/...
  std::string_view source_host;  // the page's host; "" when unknown
  Resource type = Resource::kOther;
};

struct FilterStats {
  size_t network = 0;      // blocking filters kept
  size_t exceptions = 0;   // @@ filters kept
  size_t cosmetic = 0;     // element hiding and scriptlets: not network
  size_t unsupported = 0;  // an option not understood: skipped whole
};

namespace detail {
struct NetworkFilter;
struct FilterIndex;
}  // namespace detail

class FilterList {
 public:
  // Builds the list from filter lines ('!' comments, "[Adblock Plus 2.0]"
  // headers and blank lines are skipped). Never fails: a line that cannot
  // be read counts as unsupported.
  static std::shared_ptr<const FilterList> Build(
      const std::vector<std::string>& lines);
  ~FilterList();

  struct Match {
    std::string filter;  // the blocking filter's text, as written
  };
  // The blocking filter that applies to `r`, unless an exception covers it
  // (an `important` filter wins over exceptions). nullopt: not blocked.
  std::optional<Match> Matches(const Request& r) const;

  // Every filter that matches `r`, blocking and exception alike, as
  // written (for reports and tests).
  std::vector<std::string> AllMatching(const Request& r) const;

  const FilterStats& stats() const { return stats_; }

 private:
  FilterList() = default;
  std::unique_ptr<detail::FilterIndex> index_;
  FilterStats stats_;
};

// The registrable part of a host, as far as third-party checks need it:
// the last two labels, or three under a known second-level suffix
// ("bbc.co.uk").
std::string_view SiteOf(std::string_view host);

// The host of an absolute URL, lower case; "" when it has none.
std::string HostOf(std::string_view url);

}  // namespace steward::publish
