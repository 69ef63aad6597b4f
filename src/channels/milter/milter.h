// The mail door: a milter that Postfix or Sendmail asks about every message
// before it leaves. The protocol (version 6) is the door's own
// (protocol.h), served by an epoll loop and a fixed pool of workers
// (event_loop.h). Each message goes to the enforcement layer
// (enforce::Enforcer::Apply), which decides and records; the door only
// translates the outcome into the protocol's answers:
//   allow       accepted (X-Steward-* fields when there were findings)
//   warn        accepted with X-Steward-* fields; a caution mailed to an
//               internal sender (E.1) when the pack says so
//   hold,       stored in the quarantine (durably, before Postfix is told)
//   quarantine  and discarded from Postfix's flow; the sender is told
//   reject      550 5.7.1 with the rule's message
// When Steward cannot decide (an error, clamd down, the store failing) it
// answers the pack's [mail] on_failure: tempfail (451 4.3.0) by default.
//
// Signals: SIGHUP reloads the pack and roster (a new engine serves new
// messages; messages in flight finish on the old one; connections stay
// open); SIGTERM and SIGINT stop. Logs are JSON lines on stderr.
#pragma once

#include <memory>
#include <string>

#include "channels/milter/event_loop.h"
#include "enforce/enforce.h"
#include "engine/engine.h"

namespace steward::milter {

struct Options {
  // Where it listens, workers, limits (idle_timeout: --mta-timeout).
  LoopOptions connections;
  engine::Options engine;
  std::string store;    // where held mail goes, for the start log
  std::string metrics;  // HOST:PORT for GET /metrics; "" : none
  bool quiet = false;   // no per-message log lines
};

// Runs until SIGTERM/SIGINT; returns the process exit code (0 after a
// clean stop, 2 when it could not start).
int Run(const Options& options, std::unique_ptr<enforce::Enforcer> enforcer);

}  // namespace steward::milter
