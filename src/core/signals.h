// A door's main loop: SIGHUP reloads the policy, SIGTERM and SIGINT stop.
//
// RunUntilStopped(work, reload, stop) runs `work` on a thread of its own
// with SIGHUP, SIGTERM and SIGINT blocked (the threads it starts inherit
// that), and waits on the calling thread for those signals through a
// self-pipe: SIGHUP calls `reload`; SIGTERM or SIGINT logs "stopping" with
// the signal's name and calls `stop` once, which must make `work` return.
// It returns once `work` has returned. SIGPIPE is ignored from then on. The
// callbacks run on the calling thread, one at a time; SIGHUPs that arrive
// during a reload are one reload after it, and a stop waiting goes first
// (a flood of SIGHUPs neither delays a stop nor blocks a handler).
//
// One per process. Error: the self-pipe cannot be made (nothing started).
#pragma once

#include <functional>

#include "core/status.h"

namespace steward::core {

Status RunUntilStopped(const std::function<void()>& work,
                       const std::function<void()>& reload,
                       const std::function<void()>& stop);

}  // namespace steward::core
