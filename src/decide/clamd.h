// A client of clamd's INSTREAM command over its socket (C.7): the bytes are
// streamed in chunks, and clamd answers "stream: OK" or "stream: NAME FOUND".
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace steward::decide {

// `socket`: "unix:/run/clamav/clamd.ctl" or "inet:HOST:PORT". Returns the
// malware's name, or "" when clean; an error when clamd cannot be reached,
// times out (`timeout_seconds`), or refuses the stream (too large).
core::Result<std::string> ClamdScan(const std::string& socket,
                                    std::string_view bytes,
                                    int timeout_seconds);

}  // namespace steward::decide
