// A door's main loop under signals: a flood of SIGHUPs is a reload or two,
// not one each, and a SIGTERM sent after them stops the door at once and
// once.
#include "core/signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace steward {
namespace {

TEST(Signals, ManySighupsAreOneReloadAndAStopGoesFirst) {
  struct sigaction before[3];
  const int sigs[3] = {SIGHUP, SIGTERM, SIGINT};
  for (int i = 0; i < 3; ++i) sigaction(sigs[i], nullptr, &before[i]);

  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  std::atomic<int> reloads{0}, stops{0};
  std::thread sender([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (int i = 0; i < 300; ++i) {
      kill(getpid(), SIGHUP);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    for (int i = 0; i < 3; ++i) kill(getpid(), SIGTERM);
  });
  auto status = core::RunUntilStopped(
      [&] {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopped; });
      },
      [&] {
        ++reloads;  // a reload that takes a while, as compiling a pack does
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      },
      [&] {
        ++stops;
        std::lock_guard lock(mu);
        stopped = true;
        cv.notify_all();
      });
  sender.join();
  for (int i = 0; i < 3; ++i) sigaction(sigs[i], &before[i], nullptr);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(stops.load(), 1);
  // 300 SIGHUPs over some 30 ms while each reload takes 100 ms: one a
  // SIGHUP would be 30 s before the stop.
  EXPECT_GE(reloads.load(), 1);
  EXPECT_LE(reloads.load(), 10);
}

}  // namespace
}  // namespace steward
