// Reading a log file line by line into an Aggregator (report.h), in
// pieces of 1 MiB: a 2 GB log streams in bounded memory, and a line longer
// than kMaxLine is counted malformed, never held. "-" is standard input
// (`zcat access.log.1.gz | steward weblog report -`).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "weblog/report.h"

namespace steward::weblog {

constexpr size_t kMaxLine = 64 * 1024;

// Size of a regular file, 0 for standard input, a pipe or what cannot be
// read (for a progress bar).
uint64_t InputSize(const std::string& path);

// Feeds every line of `path` to `agg` (BeginInput first), calling
// `progress(bytes read so far)` after each piece. An I/O error (a missing
// file) is returned; the lines read before it stay counted.
core::Status ReadLog(const std::string& path, Aggregator& agg,
                     const std::function<void(uint64_t)>& progress);

}  // namespace steward::weblog
