// Metrics in the Prometheus text exposition format (version 0.0.4), one
// renderer for every door's GET /metrics (the milter's and the portal's).
//
// A door counts with its own atomics (or a core::Histogram) and, per request
// for the page, adds what it has to a MetricsPage:
//
//   core::MetricsPage page;
//   page.Counter("steward_milter_messages_total", "Messages decided",
//                n, {{"action", "hold"}});
//   page.Histogram("steward_milter_verdict_seconds", "Time to verdict",
//                  histogram.Snapshot());
//   std::string text = page.Text();
//
// The page groups samples by family (metric name): each family's HELP and
// TYPE lines come once, before all its samples, in the order the families
// were first added, whatever order the samples came in. A family added again
// with another type keeps its first type and the sample is dropped. Label
// values are escaped as the format asks (backslash, double quote, newline;
// invalid UTF-8 as U+FFFD); HELP text too (backslash, newline). A
// histogram's buckets are cumulative and end with le="+Inf", followed by
// _sum and _count (equal to the +Inf bucket).
//
// Names (of metrics and labels) are the code's own constants, not checked.
// MetricsPage is not thread-safe (one per request); Histogram::Observe is.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A histogram's counts at one moment. `counts[i]` observations fell in
// (bounds[i-1], bounds[i]]; the last entry, one past the bounds, counts those
// above every bound. Not cumulative: the page makes them so.
struct HistogramSnapshot {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
  double sum = 0;
};

// Observations of one value (seconds, bytes) into fixed buckets; Observe()
// is thread-safe and lock-free.
class Histogram {
 public:
  // `bounds`: bucket upper bounds, ascending.
  explicit Histogram(std::initializer_list<double> bounds);
  void Observe(double value);
  HistogramSnapshot Snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

class MetricsPage {
 public:
  void Counter(std::string_view name, std::string_view help, double value,
               const Labels& labels = {});
  void Gauge(std::string_view name, std::string_view help, double value,
             const Labels& labels = {});
  void Histogram(std::string_view name, std::string_view help,
                 const HistogramSnapshot& h, const Labels& labels = {});

  // The page, each line ending in "\n".
  std::string Text() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::string samples;
  };
  // The family `name` of `type`, made with `help` on first use; null when
  // it exists with another type.
  Family* Find(std::string_view name, std::string_view help,
               std::string_view type);
  std::vector<std::string> order_;
  std::map<std::string, Family, std::less<>> families_;
};

// A label value as the exposition format writes it between double quotes.
std::string EscapeLabelValue(std::string_view value);

// This process's resident memory in bytes (process_resident_memory_bytes);
// 0 when /proc cannot tell.
uint64_t ResidentBytes();

}  // namespace steward::core
