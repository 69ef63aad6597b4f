// Scan reports: text for people, JSON lines and CSV for machines. A Reporter
// receives items in scan order and a summary at the end. Not thread-safe:
// the scan command calls it from one thread.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "engine/engine.h"

namespace steward::cli {

struct Summary {
  uint64_t items = 0, bytes = 0, unreadable = 0, findings = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> by_clause, by_category;
  std::map<policy::Severity, uint64_t> by_severity;
  std::map<std::string, uint64_t> images;  // by type: seen, text not read
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  // `shown` are the findings at or above the minimum severity.
  virtual void Item(const engine::ItemResult& r,
                    const std::vector<const inspect::Finding*>& shown) = 0;
  virtual void Finish(const Summary& s) = 0;
};

// format: "text", "jsonl" or "csv". `out` receives the report; the summary of
// machine formats goes to `err` so that `out` stays one record per line.
std::unique_ptr<Reporter> MakeReporter(const std::string& format,
                                       const policy::PolicyPack& pack,
                                       std::FILE* out, std::FILE* err);

// "E.2 (3), C.14 (3)" style line, shared by the text report and the summary.
std::string FormatCounts(const std::map<std::string, uint64_t>& counts);

}  // namespace steward::cli
