// The mail door: a milter (libmilter) that Postfix or Sendmail asks about
// every message before it leaves. Each message goes to the enforcement
// layer (enforce::Enforcer::Apply), which decides and records; the door
// only translates the outcome into libmilter's answers:
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

#include "enforce/enforce.h"
#include "engine/engine.h"

namespace steward::milter {

struct Options {
  std::string listen;  // unix:PATH or inet:HOST:PORT
  engine::Options engine;
  std::string store;         // where held mail goes, for the start log
  std::string metrics;       // HOST:PORT for GET /metrics; "" : none
  int socket_mode = 0660;    // of a unix socket
  std::string socket_group;  // of a unix socket; "" : unchanged
  int mta_timeout = 300;     // seconds of silence from the MTA
  bool quiet = false;        // no per-message log lines
};

// Runs until SIGTERM/SIGINT; returns the process exit code (0 after a
// clean stop, 2 when it could not start).
int Run(const Options& options, std::unique_ptr<enforce::Enforcer> enforcer);

// "inet:HOST:PORT" -> libmilter's "inet:PORT@HOST" ("inet6:" likewise);
// "unix:PATH" as is. "" for anything else.
std::string MilterSocketSpec(const std::string& listen);

}  // namespace steward::milter
