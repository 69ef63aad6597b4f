#include "core/signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <thread>

#include "core/log.h"

namespace steward::core {

namespace {

int g_pipe[2] = {-1, -1};
// What arrived; the pipe only wakes the loop, so a flood of signals that
// fills it loses nothing and blocks no handler.
std::atomic<int> g_reload{0}, g_stop{0};
std::atomic<bool> g_done{false};
static_assert(std::atomic<int>::is_always_lock_free);  // for the handler

void Wake() {
  char c = 0;
  ssize_t rc = write(g_pipe[1], &c, 1);  // non-blocking: full is awake
  (void)rc;
}

// Async-signal-safe; it may run on any thread that does not block the
// signals, so it leaves errno as it found it.
void OnSignal(int sig) {
  const int saved = errno;
  if (sig == SIGHUP)
    g_reload = 1;
  else
    g_stop = sig;
  Wake();
  errno = saved;
}

}  // namespace

Status RunUntilStopped(const std::function<void()>& work,
                       const std::function<void()>& reload,
                       const std::function<void()>& stop) {
  if (g_pipe[0] < 0) {
    if (pipe2(g_pipe, O_CLOEXEC) != 0)
      return Status::Io("cannot make the signal pipe");
    fcntl(g_pipe[1], F_SETFL, fcntl(g_pipe[1], F_GETFL) | O_NONBLOCK);
  }
  g_reload = 0;
  g_stop = 0;
  g_done = false;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::thread worker([&] {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    work();
    g_done = true;  // wakes the loop: the work has ended
    Wake();
  });
  bool stopping = false;
  for (;;) {
    char buf[256];
    ssize_t r = read(g_pipe[0], buf, sizeof buf);  // every wake-up at once
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || g_done) break;
    // A stop goes before any reload, and many SIGHUPs are one reload.
    if (const int sig = g_stop; sig != 0 && !stopping) {
      stopping = true;
      Log(Event("stopping").Str("signal", sig == SIGINT ? "INT" : "TERM"));
      stop();
      continue;
    }
    if (!stopping && g_reload.exchange(0) != 0) reload();
  }
  worker.join();
  return Status::Ok();
}

}  // namespace steward::core
