// Running a helper program on untrusted bytes, bounded: the child gets the
// bytes (on stdin, or as a private temporary file named by "{}" in argv),
// runs with a memory and CPU limit and no inherited descriptors, and is
// killed when it overruns its time. Output beyond `max_output` is cut.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace steward::core {

struct RunLimits {
  uint32_t seconds = 30;
  uint64_t max_output = 64ull << 20;
  uint64_t max_memory = 1ull << 30;  // address space of the child
};

struct RunResult {
  std::string output;      // stdout
  int exit_code = 0;       // -signal when killed by one
  bool truncated = false;  // output reached max_output
};

// Finds `program` on PATH; "" when absent.
std::string FindProgram(std::string_view program);

// Runs argv[0] (a full path) with `input`. An error names the program and
// what went wrong: not found, timed out, killed, could not start.
Result<RunResult> RunProgram(std::vector<std::string> argv,
                             std::string_view input, const RunLimits& limits);

}  // namespace steward::core
