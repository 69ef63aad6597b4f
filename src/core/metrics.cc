#include "core/metrics.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "core/text.h"

namespace steward::core {

namespace {

// A sample value: integers as digits, others in their shortest form;
// the format's words for the non-finite.
std::string Value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string LabelText(const Labels& labels, std::string_view le = {}) {
  if (labels.empty() && le.empty()) return {};
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", name, EscapeLabelValue(value));
  }
  if (!le.empty()) {
    if (out.size() > 1) out += ',';
    out += fmt::format("le=\"{}\"", le);
  }
  out += '}';
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : IsValidUtf8(help) ? std::string(help) : ToUtf8(help, "UTF-8")) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string valid =
      IsValidUtf8(value) ? std::string(value) : ToUtf8(value, "UTF-8");
  std::string out;
  out.reserve(valid.size());
  for (char c : valid) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

Histogram::Histogram(std::initializer_list<double> bounds)
    : bounds_(bounds),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::Snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  for (size_t i = 0; i <= bounds_.size(); ++i)
    s.counts.push_back(counts_[i].load(std::memory_order_relaxed));
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

MetricsPage::Family* MetricsPage::Find(std::string_view name,
                                       std::string_view help,
                                       std::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    order_.emplace_back(name);
    it = families_
             .emplace(std::string(name),
                      Family{EscapeHelp(help), std::string(type), {}})
             .first;
  }
  return it->second.type == type ? &it->second : nullptr;
}

void MetricsPage::Counter(std::string_view name, std::string_view help,
                          double value, const Labels& labels) {
  if (Family* f = Find(name, help, "counter"))
    f->samples +=
        fmt::format("{}{} {}\n", name, LabelText(labels), Value(value));
}

void MetricsPage::Gauge(std::string_view name, std::string_view help,
                        double value, const Labels& labels) {
  if (Family* f = Find(name, help, "gauge"))
    f->samples +=
        fmt::format("{}{} {}\n", name, LabelText(labels), Value(value));
}

void MetricsPage::Histogram(std::string_view name, std::string_view help,
                            const HistogramSnapshot& h, const Labels& labels) {
  Family* f = Find(name, help, "histogram");
  if (!f) return;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    if (i < h.counts.size()) cumulative += h.counts[i];
    f->samples +=
        fmt::format("{}_bucket{} {}\n", name,
                    LabelText(labels, Value(h.bounds[i])), cumulative);
  }
  for (size_t i = h.bounds.size(); i < h.counts.size(); ++i)
    cumulative += h.counts[i];
  f->samples += fmt::format("{}_bucket{} {}\n", name, LabelText(labels, "+Inf"),
                            cumulative);
  f->samples +=
      fmt::format("{}_sum{} {}\n", name, LabelText(labels), Value(h.sum));
  f->samples +=
      fmt::format("{}_count{} {}\n", name, LabelText(labels), cumulative);
}

std::string MetricsPage::Text() const {
  std::string out;
  for (const auto& name : order_) {
    const Family& f = families_.find(name)->second;
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, f.type);
    out += f.samples;
  }
  return out;
}

uint64_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace steward::core
