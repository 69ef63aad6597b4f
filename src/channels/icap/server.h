// The web door: an ICAP server (RFC 3507) that Squid asks about every
// upload (REQMOD, service /reqmod) and download (RESPMOD, /respmod). A
// body goes to the same engine and pack as the mail door (Run keeps only
// the detectors a web rule or conduct counting acts on: policy::ForChannel),
// and the decision through the enforcement layer (enforce::Enforcer::Apply)
// with a web envelope (channel web, the user, the destination host); the
// door only translates the outcome:
//   deliver          204 when the client offered `Allow: 204`, else a 200
//                    that gives the message back byte for byte
//   held, refused    a 200 carrying an HTTP 403 page (HTML, or JSON when
//                    the client asked for JSON) that names the rule and
//                    clauses and an incident reference, also sent in the
//                    ICAP field X-Steward-Reference; never the matched data
//   failed           the pack's [web] on_failure: the block page or a pass
//   warn             a pass; but when the rule has `confirm`, an HTTP 403
//                    warn page with a signed "continue" link (continue.h),
//                    unless the user already chose to go on
//   continue link    a GET of kContinuePath: the token checked, the choice
//                    granted for [web] continue_minutes and audited
// A body is kept for inspection up to [web] max_inspect_bytes; past that the
// decision is taken on what was kept (with a "not-inspected" finding) and
// the rest streams through, or is read and dropped after a block: memory
// stays bounded whatever the upload's size. A download (RESPMOD) is decided
// on its first 32 KiB, because Squid reads no further ahead of what the
// service has sent back; the rest streams through with a "not-inspected"
// finding. Bytes that arrive while a decision is made wait in memory (4
// MiB) and then in an unlinked temporary file: the door never stops
// reading, which Squid 5.7 needs (it drops its client when it cannot). The
// temporary files of all connections hold at most max_spill_bytes; a
// connection that would go past it is closed.
//
// Connections are persistent; each is served by its own thread, at most
// max_connections at once (one more is answered 503 and closed); OPTIONS
// offers each of the two services half of them, since Squid counts
// Max-Connections per service. A request that stalls past read_timeout is
// answered 408 and its connection closed; an idle connection is closed after
// idle_timeout.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"
#include "enforce/enforce.h"
#include "engine/engine.h"

namespace steward::icap {

struct Options {
  std::string listen = "127.0.0.1:1344";  // HOST:PORT; port 0 picks one
  engine::Options engine;
  int max_connections = 64;
  int read_timeout = 30;   // seconds a request may stall
  int idle_timeout = 300;  // seconds between requests
  int options_ttl = 3600;  // seconds Squid may keep the OPTIONS answer
  // Preview offered. Squid 5.7 previews at most 64 KiB, and with Preview:
  // 65536 it sent 65535 bytes and waited for ever (its body buffer holds
  // one byte less), so the default stays well below.
  uint32_t preview = 4096;
  // Bytes all connections together may keep in temporary files (the bytes
  // that wait while a decision is made or while the peer reads slowly). A
  // connection that would go past it is closed: a peer that sends and never
  // reads cannot fill the disk.
  uint64_t max_spill_bytes = uint64_t{4} << 30;
  // Threads that judge an upload's windows past the inspection bound while
  // its connection reads on, for all connections together (each keeps at
  // most two windows in flight): -1 none (every window judged by its
  // connection's thread, in turn); 0 one a core; 1 or more that many.
  // None by default: with them a 2 GiB upload raised the door's peak
  // memory by 71 MiB instead of 61 (docs/performance.md).
  int window_threads = -1;
  bool quiet = false;   // no per-request log lines
  std::string metrics;  // HOST:PORT for GET /metrics; "" : none
  std::string store;    // where blocks are recorded, for the start line
  // The key that signs warn pages' continue links (continue.h), at least
  // 32 bytes; shorter or "": one made for this process.
  std::string continue_key;
};

// The ISTag of a pack: its version and the start of its hash, quoted, at
// most 32 bytes. A new pack gives a new tag, so Squid drops what it cached.
std::string IsTag(const policy::PolicyPack& pack);

class Server {
 public:
  // `enforcer` carries decisions out (a block is recorded as a "web-block"
  // incident); with `dry_run` nothing is stored and the answers are the
  // same.
  Server(Options options, std::unique_ptr<enforce::Enforcer> enforcer,
         bool dry_run);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. An error when the address is bad or taken.
  core::Status Start(std::shared_ptr<const engine::Engine> engine);
  // The port listened on (after Start).
  int port() const { return port_; }
  // Accepts connections until Stop(); returns when every connection ended.
  void Serve();
  // From any thread: stop accepting; connections finish the request in
  // flight and close.
  void Stop();
  // A new engine for new requests (SIGHUP); requests in flight finish on
  // the one they began with.
  void SetEngine(std::shared_ptr<const engine::Engine> engine);
  std::shared_ptr<const engine::Engine> engine() const;
  // The door's counters, Prometheus text (core/metrics.h); any thread.
  std::string RenderMetrics() const;
  // Counts a reload (SIGHUP) that worked or failed.
  void NoteReload(bool ok);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Runs the door until SIGTERM/SIGINT (SIGHUP reloads the pack); returns the
// process exit code (0 after a clean stop, 2 when it could not start).
int Run(const Options& options, std::unique_ptr<enforce::Enforcer> enforcer,
        bool dry_run);

}  // namespace steward::icap
