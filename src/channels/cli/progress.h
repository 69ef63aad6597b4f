// A progress line on stderr for long commands (`scan`, `weblog report`),
// redrawn at most five times a second:
//   [=========           ] 512 of 2048 MB  1234 items  95 MB/s
// Shown only when enabled (the caller checks that stderr is a terminal and
// no --no-progress was given). Not thread-safe: one caller updates it.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace steward::cli {

class Progress {
 public:
  // `unit` names what is counted ("items", "lines").
  Progress(bool enabled, uint64_t total_bytes, std::string unit = "items")
      : enabled_(enabled), total_(total_bytes), unit_(std::move(unit)) {}
  void Update(uint64_t count, uint64_t bytes) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    int width = 30;
    int filled =
        total_ ? static_cast<int>(width * std::min(bytes, total_) / total_)
               : width;
    fmt::print(stderr,
               "\r[{:=<{}}{:<{}}] {:.0f} of {:.0f} MB  {} {}  {:.0f} MB/s ", "",
               filled, "", width - filled, bytes / 1e6, total_ / 1e6, count,
               unit_, secs > 0 ? bytes / 1e6 / secs : 0.0);
    std::fflush(stderr);
    drawn_ = true;
  }
  // Before a report line: needed only when the report shares the terminal.
  void ClearForOutput() {
    if (stdout_is_tty_) Clear();
  }
  void Clear() {
    if (drawn_) fmt::print(stderr, "\r{:<100}\r", "");
    drawn_ = false;
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::string unit_;
  bool stdout_is_tty_ = isatty(STDOUT_FILENO) != 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ =
                                            std::chrono::steady_clock::now(),
                                        last_;
};

}  // namespace steward::cli
