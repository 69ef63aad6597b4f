// The mail door's connections: one epoll instance and a fixed pool of
// workers, not a thread per MTA connection. A connection is armed one-shot,
// so one worker at a time reads it, runs its Conversation (protocol.h) over
// everything that arrived, decides a complete message on the spot (the
// handler) and writes the answers; then the connection is armed again.
// The MTA sends the steps before the end without waiting for replies (on a
// unix socket), so one read usually carries a whole message.
//
// Bounds: at most max_connections open (one more is closed at once, and
// the MTA applies its milter_default_action); a connection silent for
// idle_timeout seconds is closed, and so is one whose packet has not
// arrived whole idle_timeout seconds after its first byte (a byte now and
// then keeps no connection); silence counts from the door's last answer,
// not while a worker decides or the MTA's bytes wait for one; all
// connections together hold at most max_held bytes of messages and
// buffers (over it, connections are closed until the rest fit, those that
// have held more than an idle connection longest first, and the MTA
// applies its milter_default_action); a peer
// that does not read its answers is not read either once 1 MiB waits for
// it. Stop() lets each worker finish the message it is deciding, then
// closes every connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "channels/milter/protocol.h"
#include "core/status.h"

namespace steward::milter {

struct LoopOptions {
  std::string listen;  // unix:PATH, inet:HOST:PORT or inet6:[HOST]:PORT
  int socket_mode = 0660;
  std::string socket_group;  // of a unix socket; "" : unchanged
  int workers = 0;           // 0: one a core, at least 2
  int idle_timeout = 300;    // seconds of silence from the MTA
  int max_connections = 4096;
  uint64_t max_held = uint64_t{1} << 30;  // bytes, all connections together
};

class EventLoop {
 public:
  // Decides a message, on a worker; it must not throw (the door catches).
  using Handler = std::function<Answer(Message&)>;
  // Bytes of a message a new connection keeps.
  using KeepBytes = std::function<uint64_t()>;
  // What a log line is about.
  enum class Event {
    kProtocolError,  // a connection broke the protocol and was closed
    kRefused,        // a connection refused: too many are open
    kOverBudget,     // a connection closed: over --max-held-mb
  };
  // A line for the log; `what` says what happened.
  // Protocol errors are logged up to kErrorLines every 10 s, with the count
  // of those left out since on the next line; refusals and budget closes
  // once every 10 s. Every one is counted (protocol_errors(), refused(),
  // budget_closed()).
  using OnError = std::function<void(Event event, const std::string& what)>;
  static constexpr int kErrorLines = 20;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Binds the socket. Errors: a bad --listen, the address in use, a socket
  // path that is not a socket, an unknown group.
  core::Status Listen(const LoopOptions& options);
  // The TCP port bound (for port 0); 0 on a unix socket.
  int port() const;
  // Serves until Stop(); returns after the workers have finished.
  void Run(Handler handler, KeepBytes keep, OnError on_error);
  // From any thread, once.
  void Stop();

  uint64_t accepted() const { return accepted_; }
  uint64_t open() const { return open_; }
  uint64_t refused() const { return refused_; }
  // Bytes all connections hold now.
  uint64_t held() const { return held_; }
  // Connections closed to keep within max_held.
  uint64_t budget_closed() const { return budget_closed_; }
  // Connections closed for breaking the protocol.
  uint64_t protocol_errors() const { return protocol_errors_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> accepted_{0}, open_{0}, refused_{0}, held_{0},
      budget_closed_{0}, protocol_errors_{0};
};

// "inet:HOST:PORT" / "inet6:[HOST]:PORT" / "unix:PATH" into a unix path or
// a host and port; false for anything else, a PATH too long for a unix
// socket among them.
bool ParseListen(const std::string& listen, std::string* path,
                 std::string* host, int* port);

}  // namespace steward::milter
