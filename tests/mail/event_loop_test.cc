// The mail door's connections (channels/milter/event_loop.h) on real
// sockets: many MTA connections at once over a few workers, each answered
// in order; a silent and a trickling connection closed; the memory all
// connections hold bounded, messages that never end closed before one
// that arrives now; the time a message takes to decide not counted as the
// MTA's silence; one too many refused; a peer that sends
// garbage closed and named in the log; Stop() with connections open.
#include "channels/milter/event_loop.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "milter_wire.h"

namespace steward::milter {
namespace {

using wire::Be32;
using wire::Packet;

std::string Str(const std::string& s) { return wire::Strings({s}); }

// Waits up to `seconds` for `done`; whether it came.
bool Eventually(const std::function<bool()>& done, double seconds = 5) {
  for (int i = 0; i < seconds * 50 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return done();
}

// A blocking client of the door, as an MTA.
class Mta {
 public:
  explicit Mta(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Mta() { close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // The next packet's command and data; '\0' when closed or silent for
  // `seconds`.
  char Read(std::string* data, int seconds = 10) {
    std::string head;
    if (!ReadN(4, &head, seconds)) return '\0';
    const auto* u = reinterpret_cast<const unsigned char*>(head.data());
    uint32_t len = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
                   (uint32_t{u[2]} << 8) | u[3];
    std::string body;
    if (len == 0 || !ReadN(len, &body, seconds)) return '\0';
    *data = body.substr(1);
    return body[0];
  }
  // Whether the door closed the connection within `seconds`.
  bool ClosedWithin(int seconds) {
    std::string d;
    return ReadN(1, &d, seconds) == false && !timed_out_;
  }
  void HalfClose() { shutdown(fd_, SHUT_WR); }
  void Negotiate() {
    Send(Packet('O', Be32(6) + Be32(0x1ff) + Be32(0x1fffff)));
    std::string d;
    ASSERT_EQ(Read(&d), 'O');
  }

 private:
  bool ReadN(size_t n, std::string* out, int seconds) {
    timed_out_ = false;
    out->clear();
    while (out->size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, seconds * 1000) <= 0) {
        timed_out_ = true;
        return false;
      }
      char buf[4096];
      ssize_t r = recv(fd_, buf, std::min(sizeof buf, n - out->size()), 0);
      if (r <= 0) return false;
      out->append(buf, static_cast<size_t>(r));
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
};

std::string Message(const std::string& sender, const std::string& body) {
  return Packet('M', Str("<" + sender + ">")) +
         Packet('R', Str("<someone@gmail.com>")) +
         Packet('L', Str("Subject") + Str("Test")) + Packet('N', "") +
         Packet('B', body) + Packet('E', "");
}

class Door {
 public:
  explicit Door(LoopOptions options) {
    dir_ = std::filesystem::temp_directory_path() /
           ("steward-loop-" + std::to_string(getpid()) + "-" +
            std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "door.sock").string();
    options.listen = "unix:" + path_;
    status_ = loop_.Listen(options);
    if (!status_.ok()) return;
    thread_ = std::thread([this] {
      loop_.Run(
          [this](milter::Message& m) {
            ++decided_;
            if (m.bytes.find("SLOW") != std::string::npos)
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            if (m.bytes.find("SLEEPY") != std::string::npos)
              std::this_thread::sleep_for(std::chrono::milliseconds(2500));
            Answer a;
            if (m.bytes.find("BLOCK") != std::string::npos) {
              a.kind = Answer::Kind::kReject;
              a.code = "550";
              a.xcode = "5.7.1";
              a.text = "blocked for " + m.sender;
            } else {
              a.fields = {{"X-Sender", m.sender}};
            }
            return a;
          },
          [] { return uint64_t{1} << 20; },
          [this](EventLoop::Event kind, const std::string& e) {
            std::lock_guard lock(mu_);
            errors_.push_back(e);
            kinds_.push_back(kind);
          });
    });
  }
  ~Door() {
    if (thread_.joinable()) {
      loop_.Stop();
      thread_.join();
    }
    std::filesystem::remove_all(dir_);
  }
  const core::Status& status() const { return status_; }
  const std::string& path() const { return path_; }
  EventLoop& loop() { return loop_; }
  int decided() const { return decided_; }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }
  std::vector<EventLoop::Event> kinds() {
    std::lock_guard lock(mu_);
    return kinds_;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string path_;
  EventLoop loop_;
  core::Status status_;
  std::thread thread_;
  std::atomic<int> decided_{0};
  std::mutex mu_;
  std::vector<std::string> errors_;
  std::vector<EventLoop::Event> kinds_;
};

TEST(MilterEventLoop, ManyConnectionsOverTwoWorkersEachAnsweredInOrder) {
  LoopOptions o;
  o.workers = 2;
  Door door(o);
  ASSERT_TRUE(door.status().ok()) << door.status().message();
  constexpr int kConnections = 40, kMessages = 5;
  std::atomic<int> right{0}, wrong{0};
  std::vector<std::thread> mtas;
  for (int i = 0; i < kConnections; ++i) {
    mtas.emplace_back([&, i] {
      Mta mta(door.path());
      if (!mta.connected()) {
        ++wrong;
        return;
      }
      mta.Negotiate();
      for (int k = 0; k < kMessages; ++k) {
        const std::string sender =
            "s" + std::to_string(i) + "m" + std::to_string(k) + "@x.org";
        const bool block = (i + k) % 3 == 0;
        mta.Send(Message(sender, block ? "BLOCK this\r\n" : "fine\r\n"));
        std::string d;
        if (block) {
          if (mta.Read(&d) == 'y' &&
              d.find("blocked for " + sender) != std::string::npos)
            ++right;
          else
            ++wrong;
        } else {
          bool ok = mta.Read(&d) == 'h' && d.find(sender) != std::string::npos;
          ok = ok && mta.Read(&d) == 'a';
          ok ? ++right : ++wrong;
        }
      }
      mta.Send(Packet('Q', ""));
    });
  }
  for (auto& t : mtas) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(right, kConnections * kMessages);
  EXPECT_EQ(door.decided(), kConnections * kMessages);
  EXPECT_EQ(door.loop().accepted(), static_cast<uint64_t>(kConnections));
  Eventually([&] { return door.loop().open() == 0; }, 10);
  EXPECT_EQ(door.loop().open(), 0u) << "connections left open after QUIT";
}

TEST(MilterEventLoop, SilentAndTricklingConnectionsAreClosed) {
  LoopOptions o;
  o.idle_timeout = 1;
  Door door(o);
  ASSERT_TRUE(door.status().ok());
  Mta silent(door.path()), trickling(door.path());
  silent.Negotiate();
  trickling.Negotiate();
  silent.Send(Packet('M', Str("<a@x.org>")).substr(0, 6));  // half a packet
  // A packet that never arrives whole, one byte at a time: never silent for
  // a second, and still closed.
  const std::string packet = Packet('B', std::string(4000, 'x'));
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (size_t i = 0; i < packet.size() && !done; ++i) {
      if (!trickling.Send(packet.substr(i, 1))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  EXPECT_TRUE(silent.ClosedWithin(5));
  EXPECT_TRUE(trickling.ClosedWithin(8));
  done = true;
  trickle.join();
}

// Processor seconds this process has used.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

TEST(MilterEventLoop, APeerThatReadsNoAnswersAndHangsUpIsClosedNotSpunOn) {
  LoopOptions o;
  o.idle_timeout = 1;
  o.workers = 1;
  Door door(o);
  ASSERT_TRUE(door.status().ok());
  Mta mta(door.path());
  mta.Negotiate();
  // 2 MB of answers it never reads, then its sending side closed.
  std::string unknowns;
  for (int i = 0; i < 400000; ++i) unknowns += Packet('T', "");
  std::thread send([&] { mta.Send(unknowns); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  mta.HalfClose();
  const double cpu = CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // A worker spinning on the hang-up would have used the two seconds.
  EXPECT_LT(CpuSeconds() - cpu, 1.0);
  Eventually([&] { return door.loop().open() == 0; });
  EXPECT_EQ(door.loop().open(), 0u);
  send.join();
}

TEST(MilterEventLoop, AConnectionThatNeverStopsSendingLeavesTheWorkerToOthers) {
  LoopOptions o;
  o.workers = 1;
  Door door(o);
  ASSERT_TRUE(door.status().ok());
  // One MTA sends messages that take a millisecond each to decide, without
  // waiting for their answers (which another thread reads), for 6 s.
  Mta flood(door.path());
  flood.Negotiate();
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::string d;
    while (!stop && flood.Read(&d, 1) != '\0') {
    }
  });
  std::thread sender([&] {
    const std::string m =
        Packet('M', Str("<a@x.org>")) + Packet('B', "SLOW") + Packet('E', "");
    std::string many;
    for (int i = 0; i < 2000; ++i) many += m;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(6);
    while (!stop && std::chrono::steady_clock::now() < end &&
           flood.Send(many)) {
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Another MTA is still answered (it would wait for the flood to end).
  Mta other(door.path());
  other.Send(Packet('O', Be32(6) + Be32(0x1ff) + Be32(0x1fffff)));
  std::string d;
  EXPECT_EQ(other.Read(&d, 2), 'O');
  other.Send(Message("b@x.org", "fine"));
  EXPECT_EQ(other.Read(&d, 2), 'h');
  stop = true;
  flood.HalfClose();
  sender.join();
  reader.join();
}

TEST(MilterEventLoop, AllConnectionsTogetherHoldABoundedAmount) {
  LoopOptions o;
  o.max_held = uint64_t{3} << 20;
  Door door(o);  // each message kept up to 1 MiB
  ASSERT_TRUE(door.status().ok());
  // Messages that never end, of about 1 MiB each: the fourth cannot be
  // held.
  const std::string start =
      Packet('M', Str("<a@x.org>")) + Packet('R', Str("<b@gmail.com>")) +
      Packet('N', "") + Packet('B', std::string(1000000, 'x'));
  std::vector<std::unique_ptr<Mta>> mtas;
  for (int i = 0; i < 6; ++i) {
    mtas.push_back(std::make_unique<Mta>(door.path()));
    mtas.back()->Negotiate();
    mtas.back()->Send(start);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int closed = 0;
  for (auto& m : mtas) closed += m->ClosedWithin(1) ? 1 : 0;
  EXPECT_GE(closed, 2);
  EXPECT_LE(closed, 4);
  EXPECT_LE(door.loop().held(), (uint64_t{3} << 20) + (uint64_t{2} << 20));
  auto errors = door.errors();
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("--max-held-mb"), std::string::npos) << errors[0];
  // A connection still held finishes its message; once every connection
  // has gone, nothing is held.
  for (auto& m : mtas) {
    if (!m->Send(Packet('E', ""))) continue;
    std::string d;
    if (m->Read(&d, 1) == 'h') {
      EXPECT_EQ(m->Read(&d), 'a');
    }
  }
  mtas.clear();
  Eventually(
      [&] { return door.loop().open() == 0 && door.loop().held() == 0; });
  EXPECT_EQ(door.loop().open(), 0u);
  EXPECT_EQ(door.loop().held(), 0u);
}

// Parks `count` connections that each send `park` and never finish (one
// after the other, so that no two are read at once), then sends a message
// of 2 MB whole, as an MTA sends at its end of DATA, with a 4.5 MiB budget.
// The large one must be answered; returns how many parked were closed.
// With `idle_first`, an MTA connection that sent a message of 900 KB
// first and waits for its next one (its buffers keep room for it) must
// not be closed either.
int ParkThenSendALargeMessage(const std::string& park, size_t count,
                              uint64_t each, bool idle_first = false) {
  LoopOptions o;
  o.max_held = uint64_t{9} << 19;  // 4.5 MiB
  Door door(o);
  EXPECT_TRUE(door.status().ok());
  std::unique_ptr<Mta> idle;
  uint64_t base = 0;
  if (idle_first) {
    idle = std::make_unique<Mta>(door.path());
    idle->Negotiate();
    idle->Send(Message("i@x.org", std::string(900000, 'i')));
    std::string d;
    EXPECT_EQ(idle->Read(&d), 'h');
    EXPECT_EQ(idle->Read(&d), 'a');
    // Its worker counts what it keeps after the answer went out.
    EXPECT_TRUE(
        Eventually([&] { return door.loop().held() < (uint64_t{256} << 10); }));
    base = door.loop().held();
  }
  std::vector<std::unique_ptr<Mta>> parked;
  for (size_t i = 0; i < count; ++i) {
    parked.push_back(std::make_unique<Mta>(door.path()));
    parked.back()->Negotiate();
    parked.back()->Send(park);
    Eventually([&] { return door.loop().held() >= base + (i + 1) * each; });
    EXPECT_GE(door.loop().held(), base + (i + 1) * each);
  }
  Mta now(door.path());
  now.Negotiate();
  now.Send(Packet('M', Str("<c@x.org>")) + Packet('R', Str("<b@gmail.com>")) +
           Packet('L', Str("Subject") + Str("Test")) + Packet('N', "") +
           Packet('B', std::string(1000000, 'n')) +
           Packet('B', std::string(1000000, 'n')) + Packet('E', ""));
  std::string d;
  EXPECT_EQ(now.Read(&d), 'h');
  EXPECT_EQ(now.Read(&d), 'a');
  int closed = 0;
  for (auto& m : parked) closed += m->ClosedWithin(1) ? 1 : 0;
  EXPECT_EQ(door.loop().budget_closed(), static_cast<uint64_t>(closed));
  if (idle) {
    // Still served: its next message is answered.
    idle->Send(Message("i@x.org", "again"));
    std::string d;
    EXPECT_EQ(idle->Read(&d), 'h');
  }
  return closed;
}

TEST(MilterEventLoop, MessagesThatNeverEndCannotShutOutOneArrivingNow) {
  // Messages of 700 KB: old ones are closed to make room for the large one.
  // (Closing the largest closed the new one.)
  const int closed = ParkThenSendALargeMessage(
      Packet('M', Str("<a@x.org>")) + Packet('R', Str("<b@gmail.com>")) +
          Packet('N', "") + Packet('B', std::string(700000, 'p')),
      5, 700000);
  EXPECT_GE(closed, 1);
  EXPECT_LE(closed, 4);
}

TEST(MilterEventLoop, PacketsThatNeverCompleteCannotShutOutAMessage) {
  // No content at all: a body packet that never arrives whole. What has
  // been held longest goes first, content or not (ranking by the message's
  // content closed the large message, and kept these), and the room an
  // idle connection's buffers keep is not holding anything.
  const std::string packet = Packet('B', std::string(1000000, 'p'));
  const int closed = ParkThenSendALargeMessage(
      Packet('M', Str("<a@x.org>")) + packet.substr(0, 600000), 3, 600000,
      /*idle_first=*/true);
  EXPECT_GE(closed, 1);
  EXPECT_LE(closed, 4);
}

TEST(MilterEventLoop, APeerThatStopsReadingWithMessagesWaitingIsClosed) {
  LoopOptions o;
  o.idle_timeout = 1;
  Door door(o);
  ASSERT_TRUE(door.status().ok());
  // 20,000 tiny messages at once, no answer read: the answers fill the
  // socket (under 1 MiB of them, so the door still reads), whole messages
  // still wait behind them, and then the peer is silent. The door waits
  // for nothing of its own, so the connection is closed.
  Mta peer(door.path());
  peer.Negotiate();
  std::string burst;
  for (int i = 0; i < 20000; ++i)
    burst += Packet('M', Str("<a@x.org>")) + Packet('E', "");
  ASSERT_TRUE(peer.Send(burst));
  Eventually([&] { return door.loop().open() == 0; }, 8);
  EXPECT_EQ(door.loop().open(), 0u);
  EXPECT_LT(door.decided(), 20000);  // it had stopped at a full socket
}

TEST(MilterEventLoop, TheTimeAMessageTakesToDecideIsNotTheMtasSilence) {
  LoopOptions o;
  o.idle_timeout = 1;
  o.workers = 1;
  Door door(o);
  ASSERT_TRUE(door.status().ok());
  // Each message takes 2.5 s to decide, on one worker: the first is
  // decided for longer than the timeout, the second waits for the worker
  // as long. Both MTAs waited for the door, and both get their answers.
  Mta first(door.path()), second(door.path());
  first.Negotiate();
  second.Negotiate();
  first.Send(Message("a@x.org", "SLEEPY"));
  second.Send(Message("b@x.org", "SLEEPY"));
  std::string d;
  EXPECT_EQ(first.Read(&d), 'h');
  EXPECT_EQ(first.Read(&d), 'a');
  EXPECT_EQ(second.Read(&d), 'h');
  EXPECT_EQ(second.Read(&d), 'a');
  // Silent after its answer, a connection is still closed.
  EXPECT_TRUE(first.ClosedWithin(5));
}

TEST(MilterEventLoop, OneConnectionTooManyIsClosedAndTheOthersServed) {
  LoopOptions o;
  o.max_connections = 2;
  Door door(o);
  ASSERT_TRUE(door.status().ok());
  Mta a(door.path()), b(door.path());
  a.Negotiate();
  b.Negotiate();
  Mta c(door.path());
  EXPECT_TRUE(c.ClosedWithin(5));
  EXPECT_EQ(door.loop().refused(), 1u);
  a.Send(Message("a@x.org", "fine"));
  std::string d;
  EXPECT_EQ(a.Read(&d), 'h');
  auto errors = door.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("2 are open"), std::string::npos) << errors[0];
  EXPECT_EQ(door.kinds()[0], EventLoop::Event::kRefused);
  EXPECT_EQ(door.loop().protocol_errors(), 0u);
}

TEST(MilterEventLoop, GarbageClosesTheConnectionAndIsLogged) {
  Door door(LoopOptions{});
  ASSERT_TRUE(door.status().ok());
  Mta mta(door.path());
  mta.Negotiate();
  mta.Send(Be32(0x40000000) + "B");
  EXPECT_TRUE(mta.ClosedWithin(5));
  auto errors = door.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("1073741824 bytes"), std::string::npos) << errors[0];
  EXPECT_EQ(door.kinds()[0], EventLoop::Event::kProtocolError);
  EXPECT_EQ(door.loop().protocol_errors(), 1u);
  // The door still serves others.
  Mta next(door.path());
  next.Negotiate();
}

TEST(MilterEventLoop, AFloodOfGarbageIsCountedButLoggedAFewLinesAtATime) {
  // 200 connections that each break the protocol: every one is closed and
  // counted, but the log gets at most kErrorLines of them in 10 s, not a
  // line each (a peer could otherwise write lines as fast as it connects).
  Door door(LoopOptions{});
  ASSERT_TRUE(door.status().ok());
  constexpr int kFlood = 200;
  for (int i = 0; i < kFlood; ++i) {
    Mta mta(door.path());
    mta.Negotiate();
    mta.Send(Be32(0x40000000) + "B");
    ASSERT_TRUE(mta.ClosedWithin(5)) << i;
  }
  EXPECT_EQ(door.loop().protocol_errors(), static_cast<uint64_t>(kFlood));
  auto errors = door.errors();
  EXPECT_GE(errors.size(), 1u);
  EXPECT_LE(errors.size(), static_cast<size_t>(2 * EventLoop::kErrorLines));
  // Once the flood's 10 s are over, one more line tells how many were left
  // out, though no error came after them.
  auto left_out = [&] {
    uint64_t n = 0;
    for (const std::string& e : door.errors()) {
      const size_t more = e.find(" more protocol errors were not logged");
      const size_t before = e.find(" protocol errors before it");
      if (more != std::string::npos)
        n += std::stoull(e.substr(0, more));
      else if (before != std::string::npos)
        n += std::stoull(e.substr(e.rfind("(and ", before) + 5));
    }
    return n;
  };
  for (int i = 0; i < 150 && door.errors().size() + left_out() <
                                 static_cast<size_t>(kFlood);
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  errors = door.errors();
  // Each error is a line of its own or counted in a later one.
  size_t lines = 0;
  for (const std::string& e : errors)
    lines +=
        e.find(" more protocol errors were not logged") == std::string::npos;
  EXPECT_EQ(lines + left_out(), static_cast<size_t>(kFlood));
  // A message from a well-behaved MTA is still decided.
  Mta next(door.path());
  next.Negotiate();
  next.Send(Message("a@x.org", "fine"));
  std::string d;
  EXPECT_EQ(next.Read(&d), 'h');
}

TEST(MilterEventLoop, StopsWithConnectionsOpenAndRemovesItsSocket) {
  std::string path;
  {
    Door door(LoopOptions{});
    ASSERT_TRUE(door.status().ok());
    path = door.path();
    Mta a(door.path());
    a.Negotiate();
    a.Send(Packet('M', Str("<a@x.org>")));
    door.loop().Stop();  // with `a` open; the destructor joins
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(MilterEventLoop, ListeningRaisesTheDescriptorLimitToTheHardOne) {
  // One descriptor a connection: under systemd's soft limit of 1,024 the
  // door ran out of them long before --max-connections.
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  rlimit low = lim;
  low.rlim_cur = std::min<rlim_t>(1024, lim.rlim_max);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  Door door(LoopOptions{});
  ASSERT_TRUE(door.status().ok());
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, lim.rlim_max);
}

TEST(MilterEventLoop, ListenErrorsSayWhat) {
  EventLoop loop;
  LoopOptions o;
  o.listen = "tcp:1.2.3.4:25";
  auto st = loop.Listen(o);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not unix:PATH or inet:HOST:PORT"),
            std::string::npos);
  const std::string file = (std::filesystem::temp_directory_path() /
                            ("steward-loop-file-" + std::to_string(getpid())))
                               .string();
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  EventLoop other;
  o.listen = "unix:" + file;
  st = other.Listen(o);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("exists and is not a socket"), std::string::npos)
      << st.message();
  EXPECT_TRUE(std::filesystem::exists(file)) << "a file was removed";
  std::filesystem::remove(file);
  EventLoop third;
  o.listen = "unix:" + file + ".sock";
  o.socket_group = "no-such-group-here";
  st = third.Listen(o);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no such group"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file + ".sock"))
      << "the socket was left after the start failed";
}

}  // namespace
}  // namespace steward::milter
