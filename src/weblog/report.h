// The proxy log report (`steward weblog report`): Squid's access.log lines
// summed by user, by web site and by the pack's categories (C.23), and,
// for each of the District's sites known by client subnet, the use of
// non-academic categories during its duty hours (C.27).
//
// An Aggregator is fed lines (log.h parses each) and keeps only sums by
// key: memory grows with distinct users and web sites, never with the
// log's length, and past the pack's max_users / max_sites new keys share
// one "(others)" row. A malformed line is counted, and the first few are
// kept with their place ("access.log:1234: ..."); nothing a line holds can
// stop the report. Finish() gives the tables; render.cc writes them as
// text, CSV or XLSX.
//
// Not thread-safe (one Aggregator per report; its zones set TZ while they
// look up an offset, see core/zone.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "policy/pack.h"

namespace steward::weblog {

struct Options {
  // Local calendar days (days since 1970-01-01) in the pack's [weblog]
  // time_zone (UTC when it names none), both included.
  std::optional<int64_t> from_day, to_day;
  size_t top = 10;          // rows of each "top" table; duty users per site
  size_t max_examples = 5;  // malformed lines kept with their place
};

// Requests and bytes, and the part of them in non-academic categories.
struct Counts {
  uint64_t requests = 0, bytes = 0;
  uint64_t na_requests = 0, na_bytes = 0;
  void Add(uint64_t b, bool non_academic) {
    ++requests;
    bytes += b;
    if (non_academic) {
      ++na_requests;
      na_bytes += b;
    }
  }
};

struct Row {
  std::string name;    // user, web site, category, or the District's site
  std::string detail;  // a site's category; "academic"/"non-academic"; a user
  Counts counts;
};

struct Report {
  std::vector<std::string> inputs;  // as named on the command line
  std::string time_zone;            // of the times shown ("UTC" if none)
  uint64_t lines = 0;               // read, blank lines left out
  uint64_t malformed = 0;
  uint64_t outside_dates = 0;  // well-formed, before --from or after --to
  Counts all;                  // the lines reported on
  uint64_t no_site = 0;        // requests from no configured client subnet
  // The earliest and latest line reported on, local ("2024-12-03 08:15");
  // empty when there is none.
  std::string first, last;
  uint64_t users = 0, sites = 0;  // distinct, "(others)" counting as one
  bool users_capped = false, sites_capped = false;
  std::vector<std::string> examples;  // "access.log:12: fewer than 10 fields"
  std::vector<Row> users_by_bytes, users_by_requests;
  std::vector<Row> sites_by_bytes, sites_by_requests;  // detail: category
  // Every category of the pack, then "other", by bytes.
  std::vector<Row> categories;
  std::vector<std::string> category_clauses;  // beside categories, "C.23, C.27"
  struct DutySite {
    std::string name;
    std::string hours;       // "Mon-Fri 07:30-16:00 (America/Los_Angeles)"
    Counts total;            // every request from the site's subnets
    Counts duty;             // those during duty hours
    std::vector<Row> users;  // top users by non-academic bytes during duty
  };
  std::vector<DutySite> duty;
};

class Aggregator {
 public:
  // InvalidArgument when a site's time zone cannot be opened.
  static core::Result<std::unique_ptr<Aggregator>> Make(
      const policy::WeblogPolicy& pack, const Options& options);
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Names an input: the file of the lines that follow.
  void BeginInput(const std::string& name);
  // One line (no line end) at 1-based `line_no` of the current input.
  void AddLine(std::string_view line, uint64_t line_no);
  // A line that could not be read whole (longer than the reader's bound).
  void AddMalformed(uint64_t line_no, std::string_view why);

  // Lines read so far (for a progress bar).
  uint64_t lines() const;

  Report Finish() const;

 private:
  struct State;
  explicit Aggregator(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// The registered name a report groups a host under when no category lists
// it (a listed host groups under the entry it matched: "googlevideo.com"
// for "r3.googlevideo.com"): its last two labels, or one more when they end
// with one of `public_suffixes` ("bbc.co.uk" with "co.uk"); an address stays
// whole. `host` is lower case.
std::string_view SiteOfHost(std::string_view host,
                            const std::vector<std::string>& public_suffixes);

// Text: what an IT administrator reads (aligned columns, "1.2 GB").
std::string RenderText(const Report& r);
// One CSV table for spreadsheets: a row per line of every table, the first
// column naming the table (summary, categories, users-by-bytes,
// users-by-requests, sites-by-bytes, sites-by-requests, duty-hours).
std::string RenderCsv(const Report& r);
// An XLSX workbook: a sheet per table and a bar chart of bytes by category.
core::Status WriteXlsx(const Report& r, const std::string& path);

// "512 B", "1.2 kB", "3.4 GB" (powers of 1000).
std::string FormatBytes(uint64_t bytes);
// "12,345".
std::string FormatCount(uint64_t n);
// "2024-12-03 08:15" for a local time in seconds since 1970.
std::string FormatTime(int64_t local);

}  // namespace steward::weblog
