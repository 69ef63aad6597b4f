#include "core/signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

#include "core/log.h"

namespace steward::core {

namespace {

int g_pipe[2] = {-1, -1};

// Async-signal-safe: one byte, the signal's number, to the loop.
void OnSignal(int sig) {
  char c = static_cast<char>(sig);
  ssize_t rc = write(g_pipe[1], &c, 1);
  (void)rc;
}

}  // namespace

Status RunUntilStopped(const std::function<void()>& work,
                       const std::function<void()>& reload,
                       const std::function<void()>& stop) {
  if (g_pipe[0] < 0 && pipe2(g_pipe, O_CLOEXEC) != 0)
    return Status::Io("cannot make the signal pipe");
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
    char c = 0;  // wakes the loop: the work has ended
    ssize_t w = write(g_pipe[1], &c, 1);
    (void)w;
  });
  for (;;) {
    char c = 0;
    ssize_t r = read(g_pipe[0], &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || c == 0) break;
    if (c == SIGHUP) {
      reload();
      continue;
    }
    Log(Event("stopping").Str("signal", c == SIGINT ? "INT" : "TERM"));
    stop();
  }
  worker.join();
  return Status::Ok();
}

}  // namespace steward::core
