// Summing lines by key (report.h).
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/zone.h"
#include "weblog/log.h"
#include "weblog/report.h"

namespace steward::weblog {

using core::Zone;

namespace {

constexpr std::string_view kOthers = "(others)";
constexpr size_t kMaxUser = 128;  // bytes of a user name kept

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>{}(s);
  }
};
using Table = std::unordered_map<std::string, Counts, Hash, std::equal_to<>>;

// A key fit for a table cell and a terminal: printable ASCII, bounded.
std::string Printable(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char c : s.substr(0, max)) out += (c > 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// Adds to the key's row, or to "(others)" once the table holds `cap` keys.
Counts& Slot(Table& t, std::string_view key, uint32_t cap, bool& capped) {
  if (auto it = t.find(key); it != t.end()) return it->second;
  if (t.size() >= cap) {
    capped = true;
    key = kOthers;
    if (auto it = t.find(key); it != t.end()) return it->second;
  }
  return t.emplace(std::string(key), Counts{}).first->second;
}

bool Contains(const policy::WeblogPolicy::Subnet& n,
              const std::array<uint8_t, 16>& a) {
  int bits = n.prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != n.addr[i]) return false;
  }
  return true;
}

const char* kDayNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

std::string Spans(const std::vector<policy::WeblogPolicy::Span>& spans) {
  std::string out;
  for (const auto& s : spans)
    out += fmt::format("{}{:02}:{:02}-{:02}:{:02}", out.empty() ? "" : ", ",
                       s.begin / 60, s.begin % 60, s.end / 60, s.end % 60);
  return out;
}

// "Mon-Fri 07:30-16:00", days with the same hours run together, Monday
// first; "none" for a week without duty hours.
std::string DescribeWeek(const policy::WeblogPolicy::Week& w) {
  std::string out;
  static const int kOrder[] = {1, 2, 3, 4, 5, 6, 0};
  for (int i = 0; i < 7;) {
    std::string h = Spans(w[kOrder[i]]);
    int j = i;
    while (j + 1 < 7 && Spans(w[kOrder[j + 1]]) == h) ++j;
    if (!h.empty()) {
      if (!out.empty()) out += "; ";
      out += kDayNames[kOrder[i]];
      if (j > i)
        out += std::string(j == i + 1 ? ", " : "-") + kDayNames[kOrder[j]];
      out += " " + h;
    }
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

bool EmptyWeek(const policy::WeblogPolicy::Week& w) {
  for (const auto& d : w)
    if (!d.empty()) return false;
  return true;
}

}  // namespace

std::string_view SiteOfHost(std::string_view host,
                            const std::vector<std::string>& public_suffixes) {
  if (host.empty()) return host;
  // An address (IPv6 has colons; IPv4 ends with a digit) stays whole.
  if (host.find(':') != std::string_view::npos ||
      (host.back() >= '0' && host.back() <= '9'))
    return host;
  size_t labels_wanted = 2;
  size_t longest = 0;
  for (const auto& ps : public_suffixes) {
    if (ps.size() > longest && host.size() > ps.size() && host.ends_with(ps) &&
        host[host.size() - ps.size() - 1] == '.') {
      longest = ps.size();
      labels_wanted =
          static_cast<size_t>(std::count(ps.begin(), ps.end(), '.')) + 2;
    }
  }
  size_t pos = host.size();
  for (size_t n = 0; n < labels_wanted; ++n) {
    size_t dot = host.rfind('.', pos - 1);
    if (dot == std::string_view::npos || pos == 0) return host;
    if (n + 1 == labels_wanted) return host.substr(dot + 1);
    pos = dot;
  }
  return host;
}

struct Aggregator::State {
  const policy::WeblogPolicy* pack = nullptr;
  Options options;
  // Category of a listed host: the host as listed -> category index.
  std::unordered_map<std::string, int, Hash, std::equal_to<>> hosts;
  size_t longest_host_labels = 1;
  Zone report_zone = Zone::Open("").value();
  std::vector<Zone> zones;  // per District site
  std::vector<policy::WeblogPolicy::Week> weeks;
  std::optional<int64_t> from, to;  // UTC [from, to)
  std::string input;
  // Sums.
  Report base;
  int64_t first = INT64_MAX, last = INT64_MIN;
  Table users, sites;
  std::vector<Table> duty_users;  // per District site
  std::unordered_map<std::string, int, Hash, std::equal_to<>> site_category;
  std::vector<Counts> categories;  // pack's, then "other"
  std::vector<Counts> site_total, site_duty;
  bool users_capped = false, sites_capped = false, duty_capped = false;
  std::string key;  // scratch
  std::string lower;

  // The category index of a lower-case host (the pack's count for
  // "other"), and the listed name it matched.
  int CategoryOf(std::string_view host, std::string_view& matched) const {
    std::string_view h = host;
    while (!h.empty()) {
      if (auto it = hosts.find(h); it != hosts.end()) {
        matched = it->first;
        return it->second;
      }
      size_t dot = h.find('.');
      if (dot == std::string_view::npos) break;
      h.remove_prefix(dot + 1);
    }
    return static_cast<int>(pack->categories.size());
  }

  int DistrictSiteOf(const Entry& e) const {
    if (!e.has_addr) return -1;
    int best = -1, best_prefix = -1;
    for (size_t i = 0; i < pack->sites.size(); ++i)
      for (const auto& n : pack->sites[i].subnets)
        if (n.prefix > best_prefix && Contains(n, e.addr)) {
          best = static_cast<int>(i);
          best_prefix = n.prefix;
        }
    return best;
  }

  void Malformed(uint64_t line_no, std::string_view why,
                 std::string_view line) {
    ++base.malformed;
    if (base.examples.size() >= options.max_examples) return;
    std::string ex = fmt::format("{}:{}: {}", input, line_no, why);
    if (!line.empty()) ex += ": " + std::string(line.substr(0, 80));
    // Printable ASCII and spaces only: the excerpt goes to a terminal.
    for (char& c : ex)
      if (static_cast<unsigned char>(c) < 0x20 ||
          static_cast<unsigned char>(c) >= 0x7f)
        c = '?';
    base.examples.push_back(std::move(ex));
  }
};

Aggregator::Aggregator(std::unique_ptr<State> s) : s_(std::move(s)) {}
Aggregator::~Aggregator() = default;

core::Result<std::unique_ptr<Aggregator>> Aggregator::Make(
    const policy::WeblogPolicy& pack, const Options& options) {
  auto s = std::make_unique<State>();
  s->pack = &pack;
  s->options = options;
  for (size_t i = 0; i < pack.categories.size(); ++i)
    for (const auto& h : pack.categories[i].hosts)
      s->hosts.emplace(h, static_cast<int>(i));
  s->categories.resize(pack.categories.size() + 1);
  auto rz = Zone::Open(pack.time_zone);
  if (!rz.ok()) return core::Status::Invalid(rz.status().message());
  s->report_zone = std::move(rz).value();
  for (const auto& site : pack.sites) {
    auto z =
        Zone::Open(site.time_zone.empty() ? pack.time_zone : site.time_zone);
    if (!z.ok())
      return core::Status::Invalid("site '" + site.name +
                                   "': " + z.status().message());
    s->zones.push_back(std::move(z).value());
    s->weeks.push_back(site.own_duty ? site.duty : pack.duty);
  }
  s->site_total.resize(pack.sites.size());
  s->site_duty.resize(pack.sites.size());
  s->duty_users.resize(pack.sites.size());
  if (options.from_day) s->from = s->report_zone.StartOf(*options.from_day);
  if (options.to_day) s->to = s->report_zone.StartOf(*options.to_day + 1);
  return std::unique_ptr<Aggregator>(new Aggregator(std::move(s)));
}

void Aggregator::BeginInput(const std::string& name) {
  s_->input = name;
  s_->base.inputs.push_back(name);
}

uint64_t Aggregator::lines() const { return s_->base.lines; }

void Aggregator::AddMalformed(uint64_t line_no, std::string_view why) {
  ++s_->base.lines;
  s_->Malformed(line_no, why, {});
}

void Aggregator::AddLine(std::string_view line, uint64_t line_no) {
  State& s = *s_;
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  ++s.base.lines;
  auto parsed = ParseLine(line);
  if (!parsed.ok()) {
    s.Malformed(line_no, parsed.status().message(), line);
    return;
  }
  const Entry& e = *parsed;
  if ((s.from && e.time < *s.from) || (s.to && e.time >= *s.to)) {
    ++s.base.outside_dates;
    return;
  }
  s.first = std::min(s.first, e.time);
  s.last = std::max(s.last, e.time);
  s.lower.assign(e.host.substr(0, 253));
  for (char& c : s.lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  while (!s.lower.empty() && s.lower.back() == '.') s.lower.pop_back();
  std::string_view matched;
  int cat = s.CategoryOf(s.lower, matched);
  bool non_academic = static_cast<size_t>(cat) < s.pack->categories.size() &&
                      !s.pack->categories[cat].academic;
  s.base.all.Add(e.bytes, non_academic);
  s.categories[cat].Add(e.bytes, non_academic);
  // The user: the proxy's name, else the client's address.
  s.key.assign(Printable(e.user.empty() ? e.client : e.user, kMaxUser));
  for (char& c : s.key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (s.key.empty()) s.key = "-";
  Slot(s.users, s.key, s.pack->max_users, s.users_capped)
      .Add(e.bytes, non_academic);
  std::string_view web =
      matched.empty() ? SiteOfHost(s.lower, s.pack->public_suffixes) : matched;
  std::string web_key =
      web.empty() ? std::string("(no host)") : Printable(web, 253);
  Counts& site = Slot(s.sites, web_key, s.pack->max_sites, s.sites_capped);
  if (site.requests == 0 && s.sites.contains(web_key))
    s.site_category.emplace(web_key, cat);
  site.Add(e.bytes, non_academic);
  int ds = s.DistrictSiteOf(e);
  if (ds < 0) {
    ++s.base.no_site;
    return;
  }
  s.site_total[ds].Add(e.bytes, non_academic);
  Zone::Local local = s.zones[ds].At(e.time);
  bool on_duty = false;
  for (const auto& span : s.weeks[ds][local.weekday])
    on_duty |= local.minute >= span.begin && local.minute < span.end;
  if (!on_duty) return;
  s.site_duty[ds].Add(e.bytes, non_academic);
  Slot(s.duty_users[ds], s.key, s.pack->max_users, s.duty_capped)
      .Add(e.bytes, non_academic);
}

namespace {

std::vector<Row> Top(const Table& t, size_t n, uint64_t Counts::*by) {
  std::vector<const Table::value_type*> all;
  all.reserve(t.size());
  for (const auto& kv : t) all.push_back(&kv);
  auto better = [by](const Table::value_type* a, const Table::value_type* b) {
    if (a->second.*by != b->second.*by) return a->second.*by > b->second.*by;
    return a->first < b->first;
  };
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(n),
                    all.end(), better);
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i)
    rows.push_back({all[i]->first, "", all[i]->second});
  return rows;
}

}  // namespace

Report Aggregator::Finish() const {
  const State& s = *s_;
  Report r = s.base;
  r.time_zone = s.report_zone.name();
  Zone zone = s.report_zone;
  if (s.first <= s.last) {
    r.first = FormatTime(s.first + zone.OffsetAt(s.first));
    r.last = FormatTime(s.last + zone.OffsetAt(s.last));
  }
  r.users = s.users.size();
  r.sites = s.sites.size();
  r.users_capped = s.users_capped;
  r.sites_capped = s.sites_capped;
  size_t top = s.options.top;
  r.users_by_bytes = Top(s.users, top, &Counts::bytes);
  r.users_by_requests = Top(s.users, top, &Counts::requests);
  r.sites_by_bytes = Top(s.sites, top, &Counts::bytes);
  r.sites_by_requests = Top(s.sites, top, &Counts::requests);
  const auto& cats = s.pack->categories;
  auto category_name = [&](int c) {
    return static_cast<size_t>(c) < cats.size() ? cats[c].name
                                                : std::string("other");
  };
  for (auto* rows : {&r.sites_by_bytes, &r.sites_by_requests})
    for (Row& row : *rows) {
      auto it = s.site_category.find(row.name);
      row.detail = row.name == kOthers || it == s.site_category.end()
                       ? std::string()
                       : category_name(it->second);
    }
  std::vector<size_t> order(cats.size() + 1);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return s.categories[a].bytes > s.categories[b].bytes;
  });
  for (size_t i : order) {
    Row row{category_name(static_cast<int>(i)), "", s.categories[i]};
    std::string clauses;
    if (i < cats.size()) {
      row.detail = cats[i].academic ? "academic" : "non-academic";
      for (const auto& c : cats[i].clauses)
        clauses += (clauses.empty() ? "" : ", ") + c;
    }
    r.categories.push_back(std::move(row));
    r.category_clauses.push_back(std::move(clauses));
  }
  for (size_t i = 0; i < s.pack->sites.size(); ++i) {
    Report::DutySite d;
    d.name = s.pack->sites[i].name;
    d.hours = DescribeWeek(s.weeks[i]);
    if (!EmptyWeek(s.weeks[i])) d.hours += " (" + s.zones[i].name() + ")";
    d.total = s.site_total[i];
    d.duty = s.site_duty[i];
    d.users = Top(s.duty_users[i], top, &Counts::na_bytes);
    std::erase_if(d.users, [](const Row& u) {
      return u.counts.na_bytes == 0 && u.counts.na_requests == 0;
    });
    r.duty.push_back(std::move(d));
  }
  return r;
}

}  // namespace steward::weblog
