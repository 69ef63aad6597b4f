#include "channels/milter/event_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/listen.h"

namespace steward::milter {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = size_t{64} << 10;
constexpr size_t kMaxWaitingOutput = size_t{1} << 20;
// Reads of one connection in one turn, and messages decided: then it goes
// back to the queue, so an MTA that never stops sending cannot keep a
// worker to itself. (Postfix sends one message and waits for its answer.)
constexpr int kReadsPerTurn = 16;
constexpr int kMessagesPerTurn = 32;
// Bytes of the MTA's a connection between messages holds at most (the
// macros of its client; the room its buffers keep is not counted): one
// that holds more is holding something, and how long it has is what the
// budget goes by.
constexpr uint64_t kIdleHeld = uint64_t{64} << 10;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             Clock::now().time_since_epoch())
      .count();
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

// Whether the socket can take more answers now.
bool Writable(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0;
}

// Bytes the peer sent that no worker has read yet.
int Unread(int fd) {
  int n = 0;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

}  // namespace

bool ParseListen(const std::string& listen, std::string* path,
                 std::string* host, int* port) {
  path->clear();
  if (listen.starts_with("unix:")) {
    *path = listen.substr(5);
    return core::UnixPathFits(*path);
  }
  for (const char* scheme : {"inet:", "inet6:"}) {
    if (!listen.starts_with(scheme)) continue;
    if (!core::SplitHostPort(listen.substr(std::string_view(scheme).size()),
                             host, port))
      return false;
    if (host->empty()) *host = "127.0.0.1";
    return true;
  }
  return false;
}

struct Conn {
  Conn(int fd, uint64_t keep, bool noreply)
      : fd(fd), conversation(noreply, keep), last_active(NowSeconds()) {}
  int fd;
  Conversation conversation;
  std::atomic<int64_t> last_active;
  // When the packet that has not arrived whole began; 0 when none waits.
  std::atomic<int64_t> partial_since{0};
  // Counted in the loop's total; written by its worker alone.
  std::atomic<uint64_t> held{0};
  // Since when it has held more of the MTA's bytes than an idle connection
  // does (0: it does not): an MTA sends a message's content at once, at
  // its end of DATA, so a connection that has held much for long is not
  // one of its.
  std::atomic<int64_t> holding_since{0};
  // A worker is serving it: deciding is not the MTA's silence.
  std::atomic<bool> serving{false};
  // Armed to be read: bytes that wait are the door's delay, not the MTA's.
  std::atomic<bool> reading{true};
  // Closed for the budget: shut down, its worker closes it.
  bool doomed = false;  // under mu
  // Whole packets wait that the last turn left unread.
  std::atomic<bool> more{false};
};

struct EventLoop::Impl {
  LoopOptions options;
  bool unix_socket = false;
  std::string path;
  int listen_fd = -1;
  int port = 0;
  int epoll_fd = -1;
  int wake_fd = -1;
  // Tags that tell the listener and the stop event from connections.
  char listen_tag = 0, wake_tag = 0;

  std::atomic<bool> stopping{false};
  std::mutex mu;  // conns, and closing a connection's descriptor
  std::unordered_map<Conn*, std::unique_ptr<Conn>> conns;
  std::condition_variable stopped_cv;
  int64_t last_refusal_log = 0;
  int64_t last_budget_log = 0;
  // Protocol errors: this 10 s window's start, lines logged in it, and
  // errors left out of the log since the last line.
  int64_t error_window = 0;
  int error_lines = 0;
  uint64_t errors_unlogged = 0;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}

EventLoop::~EventLoop() {
  Impl& s = *impl_;
  for (auto& [p, c] : s.conns) ::close(c->fd);
  if (s.listen_fd >= 0) ::close(s.listen_fd);
  if (s.epoll_fd >= 0) ::close(s.epoll_fd);
  if (s.wake_fd >= 0) ::close(s.wake_fd);
  if (s.unix_socket && !s.path.empty()) unlink(s.path.c_str());
}

core::Status EventLoop::Listen(const LoopOptions& options) {
  Impl& s = *impl_;
  s.options = options;
  std::string path, host;
  int port = 0;
  if (!ParseListen(options.listen, &path, &host, &port))
    return core::Status::Invalid("--listen '" + options.listen +
                                 "' is not unix:PATH or inet:HOST:PORT");
  core::Result<int> fd = path.empty()
                             ? core::ListenTcp(host, port, 256)
                             : core::ListenUnix(path, options.socket_mode,
                                                options.socket_group, 256);
  if (!fd.ok()) return fd.status();
  core::RaiseFileLimit();  // one descriptor a connection
  s.listen_fd = *fd;
  // Accepting never blocks a worker: another may have taken the client.
  fcntl(s.listen_fd, F_SETFL, fcntl(s.listen_fd, F_GETFL) | O_NONBLOCK);
  s.unix_socket = !path.empty();
  s.path = path;
  s.port = s.unix_socket ? 0 : core::BoundPort(s.listen_fd);
  s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.epoll_fd < 0 || s.wake_fd < 0)
    return core::Status::Io("cannot make an epoll instance");
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.ptr = &s.listen_tag;
  epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &ev);
  ev.events = EPOLLIN;  // level-triggered and never read: wakes every worker
  ev.data.ptr = &s.wake_tag;
  epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &ev);
  return core::Status::Ok();
}

int EventLoop::port() const { return impl_->port; }

void EventLoop::Stop() {
  Impl& s = *impl_;
  s.stopping = true;
  const uint64_t one = 1;
  if (s.wake_fd >= 0) {
    ssize_t w = write(s.wake_fd, &one, sizeof one);
    (void)w;
  }
  std::lock_guard lock(s.mu);
  s.stopped_cv.notify_all();
}

void EventLoop::Run(Handler handler, KeepBytes keep, OnError on_error) {
  Impl& s = *impl_;
  // Deciding is processor work: one worker a core decides each message
  // without time-slicing it against another (measured: the same rate, and
  // a 100 KB verdict's p50 7 ms instead of 11 with twice the cores).
  const int workers =
      s.options.workers > 0
          ? s.options.workers
          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));

  auto close_conn = [&](Conn* c) {
    std::lock_guard lock(s.mu);  // out of the total and the map at once
    held_ -= c->held;
    ::close(c->fd);
    s.conns.erase(c);
    --open_;
  };
  // A log line at most every 10 s for `last` (refusals, the budget).
  auto log_now = [&](int64_t& last, Event event, const std::string& what) {
    const int64_t now = NowSeconds();
    {
      std::lock_guard lock(s.mu);
      if (now - last < 10) return;
      last = now;
    }
    // Outside the lock: a log that blocks must not stall the workers.
    if (on_error) on_error(event, what);
  };
  // A protocol error: counted; logged unless kErrorLines have been this
  // window (a peer that sends garbage on thousands of connections a second
  // must not fill the disk with one line each).
  auto log_error = [&](const std::string& what) {
    ++protocol_errors_;
    const int64_t now = NowSeconds();
    uint64_t unlogged = 0;
    {
      std::lock_guard lock(s.mu);
      if (now - s.error_window >= 10) {
        s.error_window = now;
        s.error_lines = 0;
      }
      if (s.error_lines >= kErrorLines) {
        ++s.errors_unlogged;
        return;
      }
      ++s.error_lines;
      unlogged = std::exchange(s.errors_unlogged, 0);
    }
    if (!on_error) return;
    if (unlogged == 0)
      on_error(Event::kProtocolError, what);
    else
      on_error(Event::kProtocolError,
               what + " (and " + std::to_string(unlogged) +
                   " protocol errors before it that were not logged: at "
                   "most " +
                   std::to_string(kErrorLines) + " lines every 10 s)");
  };

  auto accept_all = [&] {
    for (;;) {
      int fd =
          accept4(s.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          // No descriptor to be had: answer nobody for a moment rather
          // than spin on a listener that stays readable.
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        break;
      }
      if (open_ >= static_cast<uint64_t>(s.options.max_connections)) {
        ++refused_;  // counted and logged before the peer sees the close
        log_now(s.last_refusal_log, Event::kRefused,
                "a connection was refused: " +
                    std::to_string(s.options.max_connections) +
                    " are open (the most served at once)");
        ::close(fd);
        continue;
      }
      if (!s.unix_socket) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      auto conn = std::make_unique<Conn>(fd, keep(), s.unix_socket);
      Conn* c = conn.get();
      {
        std::lock_guard lock(s.mu);
        s.conns.emplace(c, std::move(conn));
      }
      ++accepted_;
      ++open_;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
      ev.data.ptr = c;
      if (epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) close_conn(c);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.ptr = &s.listen_tag;
    epoll_ctl(s.epoll_fd, EPOLL_CTL_MOD, s.listen_fd, &ev);
  };

  // Sends what waits; false when the connection is gone.
  auto flush = [](Conn* c) {
    std::string& out = c->conversation.output();
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n =
          send(c->fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return false;
    }
    out.erase(0, sent);
    if (out.empty() && out.capacity() > Conversation::kRetained)
      std::string().swap(out);  // a burst of answers grew it
    return true;
  };

  // Answers what has arrived, while the MTA reads the answers and the
  // turn has messages left.
  enum class Turn { kNeedMore, kAnswersWait, kYield, kDone };
  auto answer = [&](Conn* c, int& messages_left) {
    Conversation& conv = c->conversation;
    const uint64_t packets = conv.packets();
    Turn result = Turn::kNeedMore;
    for (;;) {
      if (conv.output().size() >= kMaxWaitingOutput) {
        result = Turn::kAnswersWait;
        break;
      }
      if (messages_left == 0 && conv.pending() != 0) {
        result = Turn::kYield;
        break;
      }
      const Conversation::Next next = conv.Process();
      if (next == Conversation::Next::kMessage) {
        conv.Reply(handler(conv.message()));
        --messages_left;
        continue;
      }
      if (next == Conversation::Next::kNeedMore) break;
      if (next == Conversation::Next::kError) log_error(conv.error());
      flush(c);  // a last answer, e.g. to the message before a quit
      return Turn::kDone;
    }
    // The deadline is the packet's that has not arrived whole.
    if (conv.packets() != packets || conv.pending() == 0) c->partial_since = 0;
    if (conv.pending() != 0 && c->partial_since == 0)
      c->partial_since = NowSeconds();
    return result;
  };

  // Counts what `c` holds in the total. Over the budget, connections are
  // closed until the rest fit, those that have held more than an idle
  // connection for longest first: an MTA sends a message whole at its end
  // of DATA, so what has been held longest is a message that does not end
  // (or an envelope, macros or a packet that never complete), and many
  // such cannot shut out a large message that is arriving now. A
  // connection another worker is serving, or whose whole packets wait for
  // one (a message being decided), is not chosen. False when `c` is to
  // go; the others are shut down, and their workers close them.
  auto within_budget = [&](Conn* c) {
    const uint64_t held = c->conversation.held();
    const uint64_t was = c->held.exchange(held);
    held_ += held - was;  // unsigned wrap-around adds a decrease
    if (c->conversation.live() <= kIdleHeld)
      c->holding_since = 0;
    else if (c->holding_since == 0)
      c->holding_since = NowNanos();
    if (held <= was || held_ <= s.options.max_held) return true;
    struct Candidate {
      int64_t since;  // holding_since; not holding last
      uint64_t held;
      Conn* conn;
    };
    std::vector<Candidate> order;
    {
      std::lock_guard lock(s.mu);
      uint64_t total = held_;
      for (auto& [p, other] : s.conns) {
        // Read once: other workers change them while this one sorts.
        const uint64_t h = other->held;
        if (other->doomed) {
          total -= std::min(total, h);
          continue;
        }
        if (h == 0) continue;
        if (other.get() != c && (other->serving || other->more)) continue;
        const int64_t since = other->holding_since;
        order.push_back({since == 0 ? INT64_MAX : since, h, other.get()});
      }
      if (total <= s.options.max_held) return true;  // already on their way
      std::sort(order.begin(), order.end(),
                [](const Candidate& a, const Candidate& b) {
                  if (a.since != b.since) return a.since < b.since;
                  return a.held > b.held;
                });
      for (const Candidate& victim : order) {
        if (total <= s.options.max_held) break;
        victim.conn->doomed = true;
        ++budget_closed_;
        total -= std::min(total, victim.held);
        if (victim.conn != c) shutdown(victim.conn->fd, SHUT_RDWR);
      }
    }
    const uint64_t mib = uint64_t{1} << 20;
    log_now(s.last_budget_log, Event::kOverBudget,
            "a connection was closed: the door's connections hold " +
                std::to_string((held_ + mib - 1) / mib) +
                " MiB, more than the " +
                std::to_string(s.options.max_held / mib) +
                " MiB allowed (--max-held-mb); what has been held longest "
                "goes first");
    std::lock_guard lock(s.mu);
    return !c->doomed;
  };

  // Serves a connection's turn; false when it is to be closed.
  auto serve = [&](Conn* c, uint32_t events, std::string& buf) {
    // Hung up (the peer, or the sweeper's shutdown) or failed: nothing more
    // can be read or answered.
    if (events & (EPOLLHUP | EPOLLERR)) return false;
    if ((events & EPOLLOUT) && !flush(c)) return false;
    bool drained = false;
    int messages_left = kMessagesPerTurn;
    c->more = false;
    for (int reads = 0;; ++reads) {
      const Turn result = answer(c, messages_left);
      if (result == Turn::kDone || !flush(c) || !within_budget(c)) return false;
      if (result == Turn::kYield) {
        c->more = true;  // back in the queue at once (writable)
        break;
      }
      // Answers wait for the MTA to read them: read no more until it does.
      if (result == Turn::kAnswersWait || drained) break;
      if (reads == kReadsPerTurn || s.stopping) break;
      ssize_t n = read(c->fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) return false;  // closed by the MTA, or an error
      c->last_active = NowSeconds();
      c->conversation.Feed(
          std::string_view(buf.data(), static_cast<size_t>(n)));
      drained = static_cast<size_t>(n) < buf.size();  // likely
    }
    return true;
  };

  auto work = [&] {
    std::string buf(kReadChunk, '\0');
    while (!s.stopping) {
      epoll_event ev{};
      int n = epoll_wait(s.epoll_fd, &ev, 1, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) continue;
      if (ev.data.ptr == &s.wake_tag) break;
      if (ev.data.ptr == &s.listen_tag) {
        accept_all();
        continue;
      }
      auto* c = static_cast<Conn*>(ev.data.ptr);
      c->serving = true;
      const bool keep_open = serve(c, ev.events, buf);
      // Silence is counted from the door's last answer, not from the MTA's
      // last bytes: the time a message took to decide is not the MTA's.
      c->last_active = NowSeconds();
      c->serving = false;
      if (!keep_open) {
        close_conn(c);
        continue;
      }
      // Read while answers are read: a peer that reads none is waited for
      // (writable), not read, and closed when silent for the idle timeout.
      epoll_event again{};
      again.events = EPOLLONESHOT;
      c->reading = c->conversation.output().size() < kMaxWaitingOutput;
      if (c->reading) again.events |= EPOLLIN | EPOLLRDHUP;
      if (!c->conversation.output().empty() || c->more)
        again.events |= EPOLLOUT;
      again.data.ptr = c;
      if (epoll_ctl(s.epoll_fd, EPOLL_CTL_MOD, c->fd, &again) != 0)
        close_conn(c);
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) threads.emplace_back(work);

  // This thread closes connections that stayed silent too long: shutting
  // one down wakes the worker that then reads its end and closes it.
  {
    std::unique_lock lock(s.mu);
    while (!s.stopping) {
      s.stopped_cv.wait_for(lock, std::chrono::seconds(1));
      const int64_t now = NowSeconds();
      for (auto& [p, c] : s.conns) {
        // Being served, or waiting for a worker with work at hand: the
        // delay is the door's (a peer that reads no answers is not read,
        // and neither what it sent nor the packets that wait behind its
        // unread answers are counted for it).
        if (c->serving || (c->more && Writable(c->fd)) ||
            (c->reading && Unread(c->fd) > 0))
          continue;
        const int64_t partial = c->partial_since;
        if (now - c->last_active > s.options.idle_timeout ||
            (partial != 0 && now - partial > s.options.idle_timeout))
          shutdown(c->fd, SHUT_RDWR);
      }
      // Protocol errors left out of a window that has ended, with no error
      // since to carry their count: logged now, so a flood that stops is
      // still told whole.
      if (s.errors_unlogged > 0 && now - s.error_window >= 10) {
        const uint64_t unlogged = std::exchange(s.errors_unlogged, 0);
        lock.unlock();
        if (on_error)
          on_error(Event::kProtocolError,
                   std::to_string(unlogged) +
                       " more protocol errors were not logged: at most " +
                       std::to_string(kErrorLines) + " lines every 10 s");
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t.join();
  std::lock_guard lock(s.mu);
  for (auto& [p, c] : s.conns) {
    ::close(c->fd);
    --open_;
  }
  s.conns.clear();
  held_ = 0;
}

}  // namespace steward::milter
