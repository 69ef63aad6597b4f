#include "channels/icap/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <semaphore>
#include <system_error>
#include <thread>
#include <vector>

#include "channels/http/metrics_server.h"
#include "channels/icap/continue.h"
#include "channels/icap/protocol.h"
#include "channels/icap/upload.h"
#include "core/arena.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/signals.h"
#include "core/text.h"
#include "engine/scratch_pool.h"

namespace steward::icap {

namespace {

using Clock = std::chrono::steady_clock;
using core::Event;
using core::Level;
using core::Log;

constexpr uint64_t kDownloadWindow = uint64_t{32} * 1024;
// The largest preview taken: --preview offers at most 65535 bytes, and
// Squid previews at most 64 KiB.
constexpr uint64_t kMaxPreview = uint64_t{64} * 1024;
constexpr size_t kFlushBytes = size_t{256} * 1024;
// Past the inspection bound an upload is read in windows of kWindow bytes,
// each beginning with the last kOverlap of the one before, so that a value
// across two windows is in one of them.
constexpr size_t kWindow = size_t{2} << 20;
constexpr size_t kOverlap = size_t{64} << 10;
// Minutes a warn page's continue link works.
constexpr int kContinueLinkMinutes = 15;

using engine::ScratchPool;

std::string NewReference() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string out = "W-";
  uint64_t v = rng();
  for (int i = 0; i < 12; ++i) out += kHex[(v >> (i * 4)) & 15];
  return out;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

namespace {

std::string HttpDate() {
  char buf[64];
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace

std::string IsTag(const policy::PolicyPack& pack) {
  std::string tag;
  for (char c : pack.version)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')
      tag += c;
  if (tag.size() > 16) tag.resize(16);
  tag += "-" + pack.hash.substr(0, 30 - tag.size() - 1);
  return "\"" + tag + "\"";
}

// The door's counters for GET /metrics.
struct Metrics {
  std::atomic<uint64_t> allow{0}, warn{0}, warn_page{0}, warn_continued{0},
      block{0}, failed_pass{0}, failed_block{0}, options{0}, bad_requests{0},
      timeouts{0}, overloaded{0}, connections{0}, reloads{0},
      reload_failures{0}, spill_refused{0};
  // Bytes the connections keep in their temporary files now.
  std::atomic<uint64_t> spilled{0};
  // Time from the head of a request to its decision, in seconds.
  core::Histogram decision_seconds{0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                   0.1,   0.25,  0.5,   1,    2,    5};
};

struct Server::Impl {
  Options options;
  Metrics metrics;
  // Free window threads: one is taken for each window judged on a thread
  // of its own, so that the door never runs more engines at once than it
  // was given, however many uploads are large.
  std::unique_ptr<std::counting_semaphore<>> window_threads;
  std::unique_ptr<enforce::Enforcer> enforcer;
  bool dry_run = false;
  ScratchPool scratch;
  std::unique_ptr<Continues> continues;  // warn pages' continue links

  mutable std::mutex engine_mu;
  std::shared_ptr<const engine::Engine> engine;
  uint64_t generation = 0;

  int listen_fd = -1;
  int wake[2] = {-1, -1};
  std::atomic<bool> stopping{false};
  std::mutex conn_mu;
  std::condition_variable conn_cv;
  int connections = 0;

  std::shared_ptr<const engine::Engine> Current(uint64_t* gen) const {
    std::lock_guard lock(engine_mu);
    *gen = generation;
    return engine;
  }

  void Connection(int fd, const std::string& peer);
};

namespace {

// The bytes of an upload that wait for its decision past the inspection
// bound, in an unlinked temporary file. Its bytes count in `spilled` with
// the connections' inboxes, against the same bound.
class Spool {
 public:
  Spool(std::atomic<uint64_t>& spilled, uint64_t max_spill)
      : spilled_(spilled), max_spill_(max_spill) {}
  ~Spool() { Close(); }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // False when the bytes could not be kept: no room under the bound (none
  // of them was kept, the file holds what was appended before), or the disk
  // failed (what the file holds is unknown: Replay fails).
  bool Append(std::string_view d) {
    if (d.empty()) return true;
    if (spilled_.fetch_add(d.size()) + d.size() > max_spill_) {
      spilled_ -= d.size();
      return false;
    }
    counted_ += d.size();
    if (!file_ && !(file_ = std::tmpfile())) return false;
    if (std::fwrite(d.data(), 1, d.size(), file_) != d.size()) failed_ = true;
    return !failed_;
  }
  // Reads the bytes back in order, a piece at a time, to `each`; false when
  // the disk failed.
  template <typename Fn>
  bool Replay(Fn&& each) {
    if (failed_) return false;
    if (!file_) return true;
    if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0)
      return false;
    std::string buf(size_t{1} << 20, '\0');
    for (;;) {
      const size_t n = std::fread(buf.data(), 1, buf.size(), file_);
      if (n > 0) each(std::string_view(buf.data(), n));
      if (n < buf.size()) return !std::ferror(file_);
    }
  }
  void Close() {
    if (file_) std::fclose(file_);
    file_ = nullptr;
    spilled_ -= counted_;
    counted_ = 0;
  }

 private:
  std::atomic<uint64_t>& spilled_;
  const uint64_t max_spill_;
  uint64_t counted_ = 0;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

// One ICAP request being answered. It writes its answers on the
// connection as it goes; `ok` turns false when a write failed.
class Exchange {
 public:
  Exchange(Server::Impl& srv, int fd, const std::string& peer,
           const Request& req)
      : srv_(srv), fd_(fd), peer_(peer), req_(req) {
    engine_ = srv.Current(&generation_);
    istag_ = IsTag(engine_->pack());
    cap_ = engine_->pack().web.max_inspect_bytes;
    // Squid 5.7 reads a download's body from the server only as far as
    // about 60 KiB ahead of what the ICAP service has sent back: a
    // service that holds the whole response waits for ever. A download is
    // decided on its first kDownloadWindow bytes and the rest streams
    // through (with a "not-inspected" finding when there is more).
    if (req_.method == Method::kRespmod)
      cap_ = std::min<uint64_t>(cap_, kDownloadWindow);
  }

  // Windows still being judged when the connection ends (the peer went,
  // the request timed out) are still decided: a block is recorded and
  // logged, though nobody reads its page.
  ~Exchange() {
    Flush();
    if (windowing_ && !answered_) {
      try {
        Collect(/*all=*/true);
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch)
      }
      out_.clear();  // the request is over: its page is not sent
    }
    pending_.clear();
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  bool ok() const { return ok_; }

  // Sends what was written.
  void Flush() {
    if (ok_ && !out_.empty()) ok_ = SendAll(fd_, out_);
    out_.clear();
  }
  // Whether the connection must close after this request.
  bool close() const { return close_; }

  // The head arrived: answer OPTIONS and bad services here.
  void Begin() {
    start_ = Clock::now();
    const std::string& svc = req_.service;
    std::optional<Method> wanted;
    if (svc == "/reqmod") wanted = Method::kReqmod;
    if (svc == "/respmod") wanted = Method::kRespmod;
    if (!wanted) return Refuse(404);
    if (req_.method == Method::kOptions) {
      ++srv_.metrics.options;
      return AnswerOptions(*wanted);
    }
    if (req_.method != *wanted) return Refuse(405);
    if (req_.preview && *req_.preview > kMaxPreview) return Refuse(400);
    if (auto h = ParseHttpHead(req_.req_hdr)) http_req_ = std::move(*h);
    if (auto h = ParseHttpHead(req_.res_hdr)) http_res_ = std::move(*h);
    host_ = HostOf(http_req_);
    if (req_.method == Method::kReqmod &&
        TargetPath(http_req_.target) == kContinuePath)
      return AnswerContinue();
    const Fields& body_fields =
        req_.method == Method::kRespmod ? http_res_.fields : http_req_.fields;
    if (auto cl = body_fields.Find("Content-Length")) {
      auto n = core::ParseInt(*cl, 0, int64_t{1} << 50, "Content-Length");
      if (n.ok()) declared_ = static_cast<uint64_t>(*n);
    }
    // The body is kept behind a MIME head of its declared type and the
    // file's name, so that the engine reads a multipart form's parts, names
    // and files as it reads mail, with no second copy of the body.
    upload_ = UploadOf(http_req_,
                       req_.method == Method::kRespmod ? &http_res_ : nullptr);
    coding_unread_ = CodingNotRead(upload_.encodings);
    body_ = UploadHead(upload_);
    head_size_ = body_.size();
    inspecting_ = true;
  }

  void Data(std::string_view d) {
    total_ += d.size();
    if (!inspecting_) return;
    if (answered_) {
      if (streaming_) WriteChunk(d);
      return;  // blocked: read and dropped
    }
    if (windowing_) return WindowData(d);
    // A preview is kept whole, even past the inspection bound: its answer
    // is "100 Continue" or final, and a 200 streamed from inside it could
    // never end (the rest of the body is not sent until asked for).
    uint64_t cap = cap_;
    if (req_.preview && !sent_continue_)
      cap = std::max<uint64_t>(cap, *req_.preview);
    size_t room = static_cast<size_t>(Kept() < cap ? cap - Kept() : 0);
    if (d.size() <= room) {
      body_.append(d);
      return;
    }
    body_.append(d.substr(0, room));
    std::string_view rest = d.substr(room);
    // Past the bound an upload whose bytes can be read in pieces goes on
    // being inspected, in overlapping windows, while it is kept on disk;
    // the answer waits for its end. What was kept is judged first: a
    // block stands, a pass is not yet a decision.
    if (Windowed()) {
      if (!Decide(/*complete=*/false, /*preview=*/true)) {
        answered_ = true;
        std::string().swap(body_);
        head_size_ = 0;
        return;
      }
      spool_ = std::make_unique<Spool>(srv_.metrics.spilled,
                                       srv_.options.max_spill_bytes);
      windowing_ = true;
      const std::string_view kept = Body();
      // The window is kept behind its MIME head, so that it goes to the
      // engine with no copy.
      Upload piece;
      piece.piece = true;
      window_ = UploadHead(piece);
      window_head_ = window_.size();
      window_.append(
          kept.substr(kept.size() - std::min(kept.size(), kOverlap)));
      if (!spool_->Append(kept)) {
        SpoolFailed(kept, rest);
        std::string().swap(body_);
        head_size_ = 0;
        return;
      }
      std::string().swap(body_);
      head_size_ = 0;
      return WindowData(rest);
    }
    // Past what is inspected: decide now on what was kept.
    if (Decide(/*complete=*/false)) {
      answered_ = true;
      streaming_ = true;
      Write(EchoHead());
      WriteChunk(Body());
      WriteChunk(rest);
      std::string().swap(body_);
      head_size_ = 0;
    } else {
      answered_ = true;
      std::string().swap(body_);
      head_size_ = 0;
    }
  }

  // Whether the rest of a body past the bound is inspected in windows: an
  // upload (a download is answered as it comes, see kDownloadWindow) whose
  // bytes are not coded (a window of a gzip stream cannot be read alone).
  // A body whose last coding the door does not read is read as it came,
  // in windows too.
  bool Windowed() const {
    return req_.method == Method::kReqmod &&
           (upload_.encodings.empty() || !coding_unread_.empty()) &&
           engine_->pack().web.inspect_whole;
  }

  // Bytes past the bound: kept on disk and inspected a window at a time; a
  // block ends the upload at once (the page goes back, the rest is read and
  // dropped, nothing was sent on).
  void WindowData(std::string_view d) {
    if (!spool_->Append(d)) return SpoolFailed(d);
    // A window judged meanwhile that blocks ends the upload now.
    if (!Collect(/*all=*/false)) return;
    window_.append(d);
    while (window_.size() - window_head_ >= kWindow) {
      if (!JudgeWindow()) {
        answered_ = true;
        StopWindowing();
        return;
      }
      window_.erase(window_head_, window_.size() - window_head_ - kOverlap);
    }
  }

  // Judges the window as it is now: on a thread of its own when one of the
  // server's window threads is free, the connection reading on meanwhile
  // (at most kInFlight windows a connection), else here. False when a
  // window was blocked (the page went out).
  bool JudgeWindow() {
    if (!Collect(/*all=*/false)) return false;
    if (pending_.size() < kInFlight && srv_.window_threads->try_acquire()) {
      try {
        Pending& p = pending_.emplace_back();
        p.ctx = Envelope(/*complete=*/false, /*preview=*/true);
        p.ctx.envelope.unread = coding_unread_;  // a window is read as bytes
        p.window = std::make_shared<const std::string>(window_);
        // Judged without records: a refusal is recorded by Collect, once,
        // for the one window whose answer is taken.
        p.out = std::async(
            std::launch::async,
            [&srv = srv_, engine = engine_, gen = generation_, ctx = p.ctx,
             window = p.window, arena = core::ThreadArena()] {
              // The connection's allocator arena: the window's work reuses
              // what the connection freed (core/arena.h).
              if (arena) core::UseArena(*arena);
              enforce::Outcome out = Judge(srv, *engine, gen, ctx, *window,
                                           /*preview=*/true, /*record=*/false);
              srv.window_threads->release();
              return out;
            });
        return true;
      } catch (const std::exception&) {
        // No thread (or no memory for the copy): judged here instead.
        if (!pending_.empty() && !pending_.back().out.valid())
          pending_.pop_back();
        srv_.window_threads->release();
      }
    }
    if (!Collect(/*all=*/true)) return false;
    return Decide(/*complete=*/false, /*preview=*/true);
  }

  // Takes the judgements of windows in flight, in order: those done, or
  // with `all` every one, and while a connection has kInFlight, the
  // oldest. False when one was blocked: the page went out, the refusal was
  // recorded, the request is answered and its windows stopped (the rest
  // dropped unrecorded).
  bool Collect(bool all) {
    while (!pending_.empty()) {
      Pending& p = pending_.front();
      const bool must = all || pending_.size() >= kInFlight;
      if (!must &&
          p.out.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return true;
      enforce::Outcome out;
      try {
        out = p.out.get();
      } catch (const std::exception& e) {
        out.failure = e.what();
      }
      const enforce::Context ctx = std::move(p.ctx);
      if (!srv_.dry_run && out.disposition == enforce::Disposition::kRefused)
        out = Judge(srv_, *engine_, generation_, ctx, *p.window,
                    /*preview=*/false);
      pending_.pop_front();
      if (!Act(ctx, out, /*complete=*/false, /*preview=*/true)) {
        answered_ = true;
        StopWindowing();  // waits for the others, whose answers are moot
        return false;
      }
    }
    return true;
  }

  void StopWindowing() {
    windowing_ = false;
    pending_.clear();
    std::string().swap(window_);
    spool_.reset();
  }

  // The disk could not keep the upload: what was inspected passes as it
  // does past the bound without windows (the rest streams through with a
  // "not-inspected" finding), or is blocked, as [web] on_failure says.
  // `unspooled` and `rest` are the bytes after those in the spool, in order.
  void SpoolFailed(std::string_view unspooled, std::string_view rest = {}) {
    // A window judged meanwhile that blocks still blocks.
    if (windowing_ && !Collect(/*all=*/true)) return;
    ++srv_.metrics.spill_refused;
    const bool accept =
        engine_->pack().web.on_failure == policy::FailureMode::kAccept;
    if (!accept) {
      enforce::Outcome out;
      out.failure = "no room to keep the upload for inspection";
      reference_ = NewReference();
      Block(out);
      answered_ = true;
      StopWindowing();
      return;
    }
    answered_ = true;
    streaming_ = true;
    Write(EchoHead());
    const bool replayed =
        spool_->Replay([&](std::string_view b) { WriteChunk(b); });
    // A disk that failed holds what it holds: the upload is cut short (the
    // connection closes), never sent on with bytes missing.
    if (!replayed) ok_ = false;
    WriteChunk(unspooled);
    WriteChunk(rest);
    StopWindowing();
  }

  // While the body is slow to come: a window judged meanwhile that blocks
  // ends the upload now, not when more arrives.
  void Poll() {
    if (windowing_ && !answered_) Collect(/*all=*/false);
  }

  // The preview ended without ieof: true when the body is wanted ("100
  // Continue" sent), false when the request was answered.
  bool PreviewEnd() {
    if (answered_ || !inspecting_) return false;
    // What the preview holds may already decide a block: the page goes back
    // at once, and Squid sends no more of the body (RFC 3507 4.5).
    if (Kept() > 0 && !Decide(/*complete=*/false, /*preview=*/true)) {
      answered_ = true;
      return false;
    }
    Write("ICAP/1.0 100 Continue\r\n\r\n");
    sent_continue_ = true;
    return true;
  }

  void End() {
    if (!inspecting_) return;
    if (answered_) {
      if (streaming_) Write(kLastChunk);
      return;
    }
    answered_ = true;
    if (windowing_) {
      // The windows in flight, then the last window decide; then the
      // upload goes on from the disk.
      if (!Collect(/*all=*/true)) return;
      const bool allow = Decide(/*complete=*/true);
      if (allow) {
        if (req_.allow_204) {
          Write(StatusHead(204, Common()));
        } else {
          Write(EchoHead());
          if (!spool_->Replay([&](std::string_view b) { WriteChunk(b); }))
            ok_ = false;
          Write(kLastChunk);
        }
      }
      StopWindowing();
      return;
    }
    const bool has_body = req_.encapsulated.HasBody();
    const bool allow = has_body ? Decide(/*complete=*/true) : true;
    if (!allow) return;  // the block page went out
    if (req_.allow_204) {
      Write(StatusHead(204, Common()));
      return;
    }
    Write(EchoHead());
    if (has_body) {
      WriteChunk(Body());
      Write(kLastChunk);
    }
  }

  void Refuse(int status) {
    Fields f = Common();
    f.list.push_back({"Encapsulated", "null-body=0"});
    f.list.push_back({"Connection", "close"});
    Write(StatusHead(status, f));
    close_ = true;
    inspecting_ = false;
  }

 private:
  Fields Common() const {
    Fields f;
    f.list.push_back({"ISTag", istag_});
    f.list.push_back({"Date", HttpDate()});
    f.list.push_back({"Service", "Steward web gateway"});
    return f;
  }

  // Answers are gathered and sent by Flush() in one write where they fit:
  // a head, a chunk and the last chunk sent apart would wait on the peer's
  // delayed acknowledgements.
  void Write(std::string_view data) {
    if (!ok_ || data.empty()) return;
    out_.append(data);
    if (out_.size() >= kFlushBytes) Flush();
  }
  // One chunk of `data`; a large one is sent from where it is, not copied.
  void WriteChunk(std::string_view data) {
    if (data.size() < kFlushBytes) return Write(Chunk(data));
    char size[24];
    int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
    Write(std::string_view(size, static_cast<size_t>(n)));
    Flush();
    if (ok_) ok_ = SendAll(fd_, data);
    Write("\r\n");
  }

  void AnswerOptions(Method m) {
    const icap::Options& o = srv_.options;
    Fields f = Common();
    f.list.push_back({"Methods", std::string(MethodName(m))});
    f.list.push_back({"Service-ID", "steward"});
    // Squid counts Max-Connections per service, and its two services
    // (/reqmod, /respmod) share the door's connections: each is offered
    // half, so that a burst of uploads cannot take the connections their
    // answers need (Squid queues the rest, with bypass=off).
    f.list.push_back({"Max-Connections",
                      std::to_string(std::max(1, o.max_connections / 2))});
    f.list.push_back({"Options-TTL", std::to_string(o.options_ttl)});
    f.list.push_back({"Allow", "204"});
    f.list.push_back(
        {"Preview", std::to_string(std::min<uint32_t>(o.preview, 65535))});
    f.list.push_back({"Transfer-Preview", "*"});
    f.list.push_back({"Encapsulated", "null-body=0"});
    Write(StatusHead(200, f));
  }

  // The head of a 200 that gives the message back unchanged.
  std::string EchoHead() const {
    Fields f = Common();
    const bool body = req_.encapsulated.HasBody();
    std::string heads;
    std::string enc;
    if (req_.method == Method::kReqmod) {
      heads = req_.req_hdr;
      enc = "req-hdr=0, " + std::string(body ? "req-body=" : "null-body=") +
            std::to_string(heads.size());
    } else if (!req_.res_hdr.empty()) {
      heads = req_.res_hdr;
      enc = "res-hdr=0, " + std::string(body ? "res-body=" : "null-body=") +
            std::to_string(heads.size());
    } else {
      enc = body ? "res-body=0" : "null-body=0";
    }
    f.list.push_back({"Encapsulated", enc});
    return StatusHead(200, f) + heads;
  }

  // The client's address as the proxy gives it, else the peer's.
  std::string Client() const {
    std::string client =
        FieldSafe(req_.fields.Find("X-Client-IP").value_or(""), 64);
    return client.empty() ? peer_ : client;
  }

  // The user as the proxy names them, else "".
  std::string User() const {
    const policy::WebPolicy& web = engine_->pack().web;
    auto v = req_.fields.Find(web.user_header);
    if (!v || v->empty()) return {};
    std::string user(*v);
    if (web.user_header_base64) {
      gsize len = 0;
      guchar* raw = g_base64_decode(user.c_str(), &len);
      user.assign(reinterpret_cast<const char*>(raw), len);
      g_free(raw);
    }
    return FieldSafe(user, 128);
  }

  // Decides on body_; true to let it pass. On a block the page is written.
  // With `preview` the body is only begun: a block stands, a pass is not yet
  // a decision (neither logged nor answered).
  bool Decide(bool complete, bool preview = false) {
    enforce::Context ctx = Envelope(complete, preview);
    enforce::Outcome out;
    try {
      // Its coding undone, a form's fields and JSON values as text, a
      // multipart body framed loosely as plain text (upload.h).
      // A window past the bound is a piece from inside the upload: bytes.
      Upload piece;
      piece.piece = true;
      const Upload& upload = windowing_ ? piece : upload_;
      Reading reading = ReadUpload(upload, Inspected(), complete && !windowing_,
                                   engine_->pack().web.max_inspect_bytes);
      malformed_ = !reading.malformed.empty();
      decide::Envelope& env = ctx.envelope;
      env.malformed = std::move(reading.malformed);
      env.unread = std::move(reading.unread);
      // A window is read as bytes: a coding not read still is not.
      if (windowing_ && env.unread.empty()) env.unread = coding_unread_;
      const std::string_view entity = !reading.entity.empty()
                                          ? std::string_view(reading.entity)
                                      : windowing_ ? std::string_view(window_)
                                                   : std::string_view(body_);
      out = Judge(srv_, *engine_, generation_, ctx, entity, preview);
    } catch (const std::exception& e) {
      out = {};
      out.failure = e.what();
    }
    return Act(ctx, out, complete, preview);
  }

  // The envelope of a decision on what is inspected now, with a new
  // reference.
  enforce::Context Envelope(bool complete, bool preview) {
    reference_ = NewReference();
    enforce::Context ctx;
    decide::Envelope& env = ctx.envelope;
    env.channel = policy::Channel::kWeb;
    client_ = Client();
    user_ = User();
    env.auth_user = user_;
    env.sender = user_.empty() ? client_ : user_;
    env.client = client_;
    if (!host_.empty()) env.recipients.push_back(host_);
    env.size = std::max<uint64_t>(complete ? total_ : total_ + 1, declared_);
    env.size = std::max<uint64_t>(env.size, 1);
    if (!complete) env.inspected = Inspected().size();
    // What the preview (or a window) holds is judged as it is: the rest is
    // still to come, so it is not "not inspected".
    if (preview) env.size = std::max<uint64_t>(Inspected().size(), 1);
    ctx.reference = reference_;
    return ctx;
  }

  // The engine's outcome on `entity`, never an exception. Reads nothing of
  // an exchange, so that a window can be judged on a helper thread.
  // With `record` false, a refused preview is not recorded either.
  static enforce::Outcome Judge(Server::Impl& srv, const engine::Engine& engine,
                                uint64_t generation,
                                const enforce::Context& ctx,
                                std::string_view entity, bool preview,
                                bool record = true) noexcept {
    enforce::Outcome out;
    std::unique_ptr<engine::Engine::Scratch> scratch;
    try {
      scratch = srv.scratch.Take(engine, generation);
      // A preview is decided without records (its pass is not yet a
      // decision, and the whole body is decided again): only a refusal,
      // which ends the request, is carried out with them. So conduct
      // (C.19) is counted once a request.
      out = srv.enforcer->Apply(engine, *scratch, ctx, entity,
                                srv.dry_run || preview);
      if (preview && record && !srv.dry_run &&
          out.disposition == enforce::Disposition::kRefused)
        out = srv.enforcer->Apply(engine, *scratch, ctx, entity, false);
    } catch (const std::exception& e) {
      out = {};
      out.failure = e.what();
    } catch (...) {
      out = {};
      out.failure = "unknown error";
    }
    if (scratch) srv.scratch.Give(std::move(scratch), generation);
    return out;
  }

  // Carries out `out`, decided on `ctx`: the page, the counters and the
  // log line. True when the body may go on (or, for a preview or a
  // window, be read on); false when it was answered.
  bool Act(const enforce::Context& ctx, const enforce::Outcome& out,
           bool complete, bool preview) {
    const policy::PolicyPack& pack = engine_->pack();
    const decide::Envelope& env = ctx.envelope;
    const std::string& client = env.client;
    reference_ = ctx.reference;
    bool allow = true;
    std::string action;
    switch (out.disposition) {
      case enforce::Disposition::kDeliver:
        action = out.verdict
                     ? std::string(decide::ActionName(out.verdict->action))
                     : std::string("allow");
        break;
      case enforce::Disposition::kHeld:
      case enforce::Disposition::kRefused:
        allow = false;
        action = "block";
        break;
      case enforce::Disposition::kFailed:
        allow = pack.web.on_failure == policy::FailureMode::kAccept;
        action = allow ? "failed-pass" : "failed-block";
        break;
    }
    // A warn whose rule asks the user to confirm stops at the warn page,
    // unless this user chose to go on to this host past that rule.
    const std::string confirm =
        allow && out.disposition == enforce::Disposition::kDeliver &&
                out.verdict && out.verdict->enforced &&
                out.verdict->action == decide::Action::kWarn
            ? ConfirmingRule(*out.verdict, pack)
            : std::string();
    if (!confirm.empty()) {
      if (srv_.continues->Granted(Who(), host_, confirm,
                                  Continues::Clock::now())) {
        action = "warn-continued";
      } else {
        allow = false;
        action = "warn-page";
        Warn(out, confirm);
      }
    }
    if (!allow && confirm.empty()) Block(out);
    if (preview && allow) return true;
    Metrics& m = srv_.metrics;
    if (action == "block")
      ++m.block;
    else if (action == "warn-page")
      ++m.warn_page;
    else if (action == "warn-continued")
      ++m.warn_continued;
    else if (action == "failed-pass")
      ++m.failed_pass;
    else if (action == "failed-block")
      ++m.failed_block;
    else if (action == "warn")
      ++m.warn;
    else
      ++m.allow;
    m.decision_seconds.Observe(
        std::chrono::duration<double>(Clock::now() - start_).count());
    if (!srv_.options.quiet ||
        out.disposition == enforce::Disposition::kFailed) {
      const double seconds =
          std::chrono::duration<double>(Clock::now() - start_).count();
      Event e("verdict", out.disposition == enforce::Disposition::kFailed
                             ? Level::kError
                             : Level::kInfo);
      e.Str("door", "icap")
          .Str("reference", reference_)
          .Str("method", MethodName(req_.method))
          .Str("action", action)
          .Str("host", host_)
          .Str("user", user_)
          .Str("client", client)
          .Int("size", env.size)
          .Int("inspected", windowing_ ? total_ : Kept())
          .Bool("complete", complete)
          .Bool("preview", preview)
          .Bool("malformed", malformed_)
          .Num("ms", std::round(seconds * 1e5) / 100);
      if (out.verdict) {
        e.Str("rule", out.verdict->rule)
            .Strs("clauses", out.verdict->clauses)
            .Strs("categories", enforce::CategoriesOf(out.verdict->findings));
      }
      if (out.block_incident != 0) e.Int("incident", out.block_incident);
      if (!out.failure.empty()) e.Str("error", out.failure);
      Log(e);
    }
    return allow;
  }

  // What the user sees of a decision: the rule, its message and clauses.
  struct Notice {
    std::string rule, message;
    std::vector<std::string> clauses;
  };
  static Notice NoticeOf(const enforce::Outcome& out) {
    if (out.verdict && out.disposition != enforce::Disposition::kFailed)
      return {out.verdict->rule, out.verdict->message, out.verdict->clauses};
    return {"not-checked",
            "This could not be checked against District policy, so it was "
            "not sent. Try again later, or contact ITS.",
            {}};
  }

  bool WantsJson() const {
    return http_req_.fields.Find("Accept").value_or("").find("json") !=
           std::string_view::npos;
  }
  std::string_view Thing() const {
    return req_.method == Method::kRespmod ? "download" : "upload";
  }

  // A page in the District's words: a title, a heading and paragraphs of
  // HTML (escaped by the caller).
  static std::string Html(std::string_view title, std::string_view heading,
                          const std::vector<std::string>& paragraphs) {
    std::string body =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>" +
        std::string(title) + "</title></head><body>\n<h1>" +
        std::string(heading) + "</h1>\n";
    for (const auto& p : paragraphs) body += "<p>" + p + "</p>\n";
    return body + "</body></html>\n";
  }

  // The rule, clauses, user, time and reference, as a page says them.
  std::string Particulars(const Notice& n, const std::string& when) const {
    std::string clause_list;
    for (const auto& c : n.clauses)
      clause_list += (clause_list.empty() ? "" : ", ") + c;
    return "Rule: " + core::EscapeHtml(n.rule) +
           (clause_list.empty()
                ? std::string()
                : "; regulation clauses " + core::EscapeHtml(clause_list)) +
           ". User: " + core::EscapeHtml(user_.empty() ? "unknown" : user_) +
           "; time: " + core::EscapeHtml(when) + "; reference: <strong>" +
           core::EscapeHtml(reference_) + "</strong>.";
  }

  nlohmann::ordered_json JsonPage(const Notice& n,
                                  const std::string& when) const {
    return {{"blocked", true},
            {"rule", n.rule},
            {"clauses", n.clauses},
            {"message", n.message},
            {"reference", reference_},
            {"user", user_},
            {"time", when},
            {"policy", engine_->pack().name}};
  }

  // An HTTP response of the door's own instead of the site's, inside an
  // ICAP 200 (the upload goes no further).
  void Respond(int status, std::string_view type, const std::string& body) {
    std::string http =
        "HTTP/1.1 " + std::to_string(status) + " " +
        std::string(status == 200 ? "OK" : "Forbidden") +
        "\r\nContent-Type: " + std::string(type) +
        "\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    Fields f = Common();
    if (!reference_.empty())
      f.list.push_back({"X-Steward-Reference", reference_});
    f.list.push_back(
        {"Encapsulated", "res-hdr=0, res-body=" + std::to_string(http.size())});
    Write(StatusHead(200, f) + http + Chunk(body) + std::string(kLastChunk));
  }

  // The block page: HTTP 403, never the matched data.
  void Block(const enforce::Outcome& out) {
    const Notice n = NoticeOf(out);
    const std::string when = core::NowUtc();
    if (WantsJson())
      return Respond(403, "application/json", JsonPage(n, when).dump());
    Respond(
        403, "text/html; charset=utf-8",
        Html("Blocked by District policy",
             "This " + std::string(Thing()) + " was stopped by District policy",
             {core::EscapeHtml(n.message), Particulars(n, when),
              "If you need an exception, ask ITS and give the reference "
              "above."}));
  }

  // The warn page of a rule with `confirm`: why, and a link that lets this
  // user go on to this host past this rule (continue.h).
  void Warn(const enforce::Outcome& out, const std::string& rule) {
    const Notice n = NoticeOf(out);
    const std::string when = core::NowUtc();
    const auto expires =
        Continues::Clock::now() + std::chrono::minutes(kContinueLinkMinutes);
    ContinueClaim claim{Who(), host_, rule, reference_,
                        std::chrono::duration_cast<std::chrono::seconds>(
                            expires.time_since_epoch())
                            .count()};
    const std::string link = Origin() + std::string(kContinuePath) +
                             "?t=" + srv_.continues->Sign(claim);
    const uint32_t minutes = engine_->pack().web.continue_minutes;
    if (WantsJson()) {
      nlohmann::ordered_json j = JsonPage(n, when);
      j["warning"] = true;
      j["continue"] = link;
      j["continue_minutes"] = minutes;
      return Respond(403, "application/json", j.dump());
    }
    Respond(
        403, "text/html; charset=utf-8",
        Html("Check before you go on",
             "Check this " + std::string(Thing()) + " before you go on",
             {core::EscapeHtml(n.message), Particulars(n, when),
              "<a href=\"" + core::EscapeHtml(link) +
                  "\">Continue</a>: for the next " + std::to_string(minutes) +
                  " minutes, what this rule would stop may go to " +
                  core::EscapeHtml(host_) +
                  " (send it again after you continue). Your choice is "
                  "recorded. The link works for " +
                  std::to_string(kContinueLinkMinutes) +
                  " minutes and only for you.",
              "Otherwise go back; ask ITS if you are unsure, and give the "
              "reference above."}));
  }

  // The rule that asks the user to confirm a warn (`confirm = true`), ""
  // when none does.
  static std::string ConfirmingRule(const decide::Verdict& v,
                                    const policy::PolicyPack& pack) {
    for (const auto& hit : v.rules) {
      if (hit.exempted_by || hit.action != decide::Action::kWarn) continue;
      for (const auto& r : pack.rules)
        if (r.id == hit.rule && r.confirm) return r.id;
    }
    return {};
  }

  // Where the upload went, as "scheme://host[:port]" (from the absolute
  // URI Squid sends, without user information), else "http://" + host_.
  std::string Origin() const {
    std::string_view t = http_req_.target;
    const size_t scheme = t.find("://");
    const std::string lower = core::AsciiLower(t.substr(0, 8));
    if (scheme == std::string_view::npos ||
        !(lower.starts_with("http://") || lower.starts_with("https://")))
      return "http://" + host_;
    std::string_view authority = t.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
      authority.remove_prefix(at + 1);
    return lower.substr(0, scheme) + "://" +
           FieldSafe(core::AsciiLower(authority), 300);
  }

  // Whether the continue link was opened by the user: a browser that says
  // how a request was made (Sec-Fetch-Mode, sent over HTTPS) must say it is
  // a page opened by the user's own action, not a page script's fetch or a
  // navigation a script began. Over plain HTTP browsers say nothing.
  bool Opened() const {
    const Fields& f = http_req_.fields;
    auto mode = f.Find("Sec-Fetch-Mode");
    if (!mode) return true;
    return core::AsciiLower(*mode) == "navigate" &&
           f.Find("Sec-Fetch-User").value_or("") == "?1";
  }

  // The user as a grant knows them: their name, else their address.
  std::string Who() const { return user_.empty() ? client_ : user_; }

  // A GET of the continue link: checks the token and grants.
  void AnswerContinue() {
    inspecting_ = false;
    start_ = Clock::now();
    client_ = Client();
    user_ = User();
    const auto now = Continues::Clock::now();
    auto claim = srv_.continues->Verify(QueryValue(http_req_.target, "t"), now);
    std::string problem;
    if (!claim.ok())
      problem = claim.status().message();
    else if (claim->user != Who())
      problem = "the link was made for someone else";
    else if (claim->host != host_)
      problem = "the link was made for another site";
    else if (http_req_.method != "GET" || !Opened())
      problem = "the link works only when you open it yourself";
    Event e("continue", Level::kInfo);
    e.Str("door", "icap")
        .Str("host", host_)
        .Str("user", user_)
        .Str("client", client_);
    if (!problem.empty()) {
      Log(e.Bool("granted", false).Str("error", problem));
      return Respond(
          403, "text/html; charset=utf-8",
          Html("Link not accepted", "This continue link cannot be used",
               {core::EscapeHtml(problem) + ".",
                "Go back and send it again; if a warning appears, its page "
                "has a new link."}));
    }
    reference_ = claim->reference;
    const uint32_t minutes = engine_->pack().web.continue_minutes;
    // The choice is recorded before it is granted; one that cannot be is
    // not granted unless [web] on_failure is accept.
    if (!srv_.dry_run) {
      auto st =
          srv_.enforcer->Note("web.warn-continue", "upload/" + claim->reference,
                              {{"user", Who()},
                               {"host", host_},
                               {"rule", claim->rule},
                               {"minutes", minutes}},
                              {"web", client_});
      if (!st.ok()) {
        e.Str("audit_error", st.message());
        if (engine_->pack().web.on_failure != policy::FailureMode::kAccept) {
          Log(e.Bool("granted", false)
                  .Str("error", "the choice could not be recorded"));
          return Respond(
              403, "text/html; charset=utf-8",
              Html("Link not accepted", "This continue link cannot be used now",
                   {"Your choice could not be recorded, so it was not "
                    "taken. Try the link again later, or ask ITS."}));
        }
      }
    }
    srv_.continues->Grant(*claim, now + std::chrono::minutes(minutes));
    Log(e.Bool("granted", true)
            .Str("rule", claim->rule)
            .Str("reference", reference_));
    Respond(200, "text/html; charset=utf-8",
            Html("You chose to continue", "You chose to continue",
                 {"For the next " + std::to_string(minutes) +
                      " minutes, what rule " + core::EscapeHtml(claim->rule) +
                      " would stop may go to " + core::EscapeHtml(host_) +
                      ". Go back and send it again.",
                  "Your choice is recorded (reference <strong>" +
                      core::EscapeHtml(reference_) + "</strong>)."}));
  }

  Server::Impl& srv_;
  int fd_;
  std::string peer_;
  const Request& req_;
  std::shared_ptr<const engine::Engine> engine_;
  uint64_t generation_ = 0;
  std::string istag_;
  uint64_t cap_ = 0;
  HttpHead http_req_, http_res_;
  std::string host_, user_, client_, reference_;
  std::string body_;  // the MIME head, then the body kept
  size_t head_size_ = 0;
  Upload upload_;              // what the head says of the body
  std::string coding_unread_;  // CodingNotRead of its codings
  // Past the bound (Windowed()): the window read now and the bytes kept.
  bool windowing_ = false;
  std::string window_;  // its MIME head (window_head_ bytes), then bytes
  size_t window_head_ = 0;
  std::unique_ptr<Spool> spool_;
  // Windows being judged on threads of their own, oldest first.
  struct Pending {
    enforce::Context ctx;
    std::shared_ptr<const std::string> window;  // its MIME head and bytes
    std::future<enforce::Outcome> out;
  };
  static constexpr size_t kInFlight = 2;
  std::deque<Pending> pending_;
  bool malformed_ = false;  // framed or coded to slip past inspection
  size_t Kept() const { return body_.size() - head_size_; }
  // What a decision reads: the body kept, or past the bound the window.
  std::string_view Inspected() const {
    return windowing_ ? std::string_view(window_).substr(window_head_) : Body();
  }
  std::string_view Body() const {
    return std::string_view(body_).substr(head_size_);
  }
  uint64_t total_ = 0, declared_ = 0;
  bool inspecting_ = false, answered_ = false, streaming_ = false;
  bool sent_continue_ = false;
  bool ok_ = true, close_ = false;
  std::string out_;
  Clock::time_point start_;
};

// What a connection has received and the door not yet read. A thread reads
// the socket all the time, even while the door decides or writes: Squid 5.7
// closes its client's connection when its request buffer fills because the
// ICAP service stopped reading (it reads zero bytes into a full buffer and
// takes that for the client's end), so a service must never stop reading.
// Bytes wait in memory up to kMemory, beyond it in an unlinked temporary
// file: memory stays bounded whatever the upload's size.
class Inbox {
 public:
  // `spilled` counts the bytes in the temporary files of every connection;
  // past `max_spill` this one stops keeping bytes and ends as if the peer
  // had gone.
  Inbox(int fd, std::atomic<uint64_t>& spilled, uint64_t max_spill)
      : fd_(fd), spilled_(spilled), max_spill_(max_spill) {
    reader_ = std::thread([this] { Read(); });
  }
  ~Inbox() {
    shutdown(fd_, SHUT_RDWR);
    reader_.join();
    if (spill_) std::fclose(spill_);
    spilled_ -= spill_write_;
  }
  // Whether bytes were refused for want of room on disk.
  bool spill_full() const {
    std::lock_guard lock(mu_);
    return spill_full_;
  }
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  enum class Got { kData, kEnd, kTimeout };
  // Waits until `until` for bytes; kEnd when the peer closed (or the read
  // failed) and everything was taken.
  Got Take(std::string& out, Clock::time_point until) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, until, [&] {
      return !memory_.empty() || spill_write_ > spill_read_ || end_;
    });
    if (!memory_.empty()) {
      out = std::move(memory_.front());
      memory_.pop_front();
      memory_bytes_ -= out.size();
      return Got::kData;
    }
    if (spill_write_ > spill_read_) {
      size_t n = static_cast<size_t>(
          std::min<uint64_t>(spill_write_ - spill_read_, 1u << 20));
      out.resize(n);
      ssize_t r =
          pread(fileno(spill_), out.data(), n, static_cast<off_t>(spill_read_));
      if (r <= 0) {
        end_ = true;  // the disk failed us: as if the peer had gone
        spill_read_ = spill_write_;
        return Got::kEnd;
      }
      out.resize(static_cast<size_t>(r));
      spill_read_ += static_cast<uint64_t>(r);
      if (spill_read_ == spill_write_) {
        spilled_ -= spill_write_;
        spill_read_ = spill_write_ = 0;
        if (ftruncate(fileno(spill_), 0) != 0) end_ = true;
      }
      return Got::kData;
    }
    return end_ ? Got::kEnd : Got::kTimeout;
  }

 private:
  static constexpr size_t kMemory = 4u << 20;

  void Read() {
    std::vector<char> buf(size_t{64} * 1024);
    for (;;) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (n <= 0 || !Keep(buf.data(), static_cast<size_t>(n))) {
        end_ = true;
        cv_.notify_all();
        return;
      }
      cv_.notify_all();
    }
  }

  // Under mu_. False when the bytes could not be kept.
  bool Keep(const char* data, size_t n) {
    if (spill_write_ == spill_read_ && memory_bytes_ + n <= kMemory) {
      memory_.emplace_back(data, n);
      memory_bytes_ += n;
      return true;
    }
    if (spilled_.fetch_add(n) + n > max_spill_) {
      spilled_ -= n;
      spill_full_ = true;
      return false;
    }
    if (!spill_ && !(spill_ = std::tmpfile())) {
      spilled_ -= n;
      return false;
    }
    ssize_t w =
        pwrite(fileno(spill_), data, n, static_cast<off_t>(spill_write_));
    if (w != static_cast<ssize_t>(n)) {
      spilled_ -= n;
      return false;
    }
    spill_write_ += n;
    return true;
  }

  int fd_;
  std::atomic<uint64_t>& spilled_;
  const uint64_t max_spill_;
  bool spill_full_ = false;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> memory_;
  size_t memory_bytes_ = 0;
  std::FILE* spill_ = nullptr;
  uint64_t spill_write_ = 0, spill_read_ = 0;
  bool end_ = false;
};

}  // namespace

void Server::Impl::Connection(int fd, const std::string& peer) {
  Parser parser;
  std::unique_ptr<Exchange> ex;
  auto inbox =
      std::make_unique<Inbox>(fd, metrics.spilled, options.max_spill_bytes);
  std::string piece;
  // Between requests the idle deadline stands, whatever arrives that is not
  // a request (stray CRLFs). A head must be whole within read_timeout of its
  // first byte: Squid sends it at once, and a head sent a byte at a time
  // would otherwise hold a connection for ever. A body may take as long as
  // it keeps arriving (an upload is as slow as its user's line).
  auto deadline = Clock::now() + std::chrono::seconds(options.idle_timeout);
  bool in_request = false;
  bool head_timed = false;  // the deadline is the current head's
  bool arrived = false;     // bytes arrived since the last wait
  auto error_reply = [&](int status) {
    uint64_t gen = 0;
    auto e = Current(&gen);
    std::string head = "ICAP/1.0 " + std::to_string(status) + " " +
                       std::string(ReasonPhrase(status)) +
                       "\r\nISTag: " + IsTag(e->pack()) +
                       "\r\nEncapsulated: null-body=0\r\nConnection: "
                       "close\r\n\r\n";
    SendAll(fd, head);
  };
  for (;;) {
    Parser::Step s = parser.Next();
    if (s.kind == Parser::Kind::kNeedMore) {
      in_request = parser.InRequest() || ex != nullptr;
      if (!in_request && stopping) break;
      auto now = Clock::now();
      if (parser.InHead()) {
        if (!head_timed)
          deadline = now + std::chrono::seconds(options.read_timeout);
        head_timed = true;
      } else if (in_request && arrived) {
        deadline = now + std::chrono::seconds(options.read_timeout);
      }
      arrived = false;
      if (now >= deadline) {
        if (in_request) {
          Log(Event("timeout", Level::kWarning).Str("client", peer));
          ++metrics.timeouts;
          error_reply(408);
        }
        break;
      }
      Inbox::Got got = inbox->Take(
          piece, std::min(deadline, now + std::chrono::milliseconds(500)));
      if (got == Inbox::Got::kTimeout) {
        if (ex) {
          ex->Poll();  // a window judged meanwhile may block
          ex->Flush();
        }
        continue;
      }
      if (got == Inbox::Got::kEnd) break;  // closed (in a request: cut short)
      parser.Append(piece);
      arrived = true;
      continue;
    }
    bool close = false;
    switch (s.kind) {
      case Parser::Kind::kHead:
        head_timed = false;
        deadline = Clock::now() + std::chrono::seconds(options.read_timeout);
        ex = std::make_unique<Exchange>(*this, fd, peer, parser.request());
        ex->Begin();
        close = ex->close();
        break;
      case Parser::Kind::kData:
        if (ex) ex->Data(s.data);
        break;
      case Parser::Kind::kPreviewEnd:
        if (ex && ex->PreviewEnd()) {
          parser.Continue();
        } else {
          parser.Finish();
          ex.reset();
          deadline = Clock::now() + std::chrono::seconds(options.idle_timeout);
        }
        break;
      case Parser::Kind::kEnd:
        if (ex) {
          ex->End();
          ex->Flush();
          close = ex->close() || !ex->ok();
        }
        ex.reset();
        deadline = Clock::now() + std::chrono::seconds(options.idle_timeout);
        break;
      case Parser::Kind::kError:
        ++metrics.bad_requests;
        Log(Event("bad-request", Level::kWarning)
                .Int("status", parser.error().status)
                .Str("error", parser.error().reason)
                .Str("client", peer));
        error_reply(parser.error().status);
        close = true;
        break;
      case Parser::Kind::kNeedMore:
        break;
    }
    if (ex) ex->Flush();
    if (close || (ex && !ex->ok())) break;
  }
  if (inbox->spill_full()) {
    ++metrics.spill_refused;
    Log(Event("spill-full", Level::kWarning)
            .Str("client", peer)
            .Int("max_spill_bytes", options.max_spill_bytes));
  }
  // A request cut short ends here (its spool given back), before the
  // descriptor is closed: its number may be another connection's after.
  ex.reset();
  inbox.reset();  // its reader stops before the descriptor is closed
  ::close(fd);
}

Server::Server(Options options, std::unique_ptr<enforce::Enforcer> enforcer,
               bool dry_run)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->enforcer = std::move(enforcer);
  impl_->dry_run = dry_run;
  const int threads = impl_->options.window_threads;
  impl_->window_threads = std::make_unique<std::counting_semaphore<>>(
      threads > 0 ? threads
      : threads == 0
          ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
          : 0);
  std::string key = impl_->options.continue_key;
  if (key.size() < 32) key = LoadOrCreateKey("").value();
  impl_->continues = std::make_unique<Continues>(std::move(key));
}

Server::~Server() {
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  for (int fd : impl_->wake)
    if (fd >= 0) ::close(fd);
}

std::string Server::RenderMetrics() const {
  const Metrics& m = impl_->metrics;
  auto n = [](const std::atomic<uint64_t>& a) {
    return static_cast<double>(a.load());
  };
  core::MetricsPage page;
  const char* kDecided = "Requests decided, by outcome";
  page.Counter("steward_icap_requests_total", kDecided, n(m.allow),
               {{"outcome", "allow"}});
  page.Counter("steward_icap_requests_total", kDecided, n(m.warn),
               {{"outcome", "warn"}});
  page.Counter("steward_icap_requests_total", kDecided, n(m.warn_page),
               {{"outcome", "warn-page"}});
  page.Counter("steward_icap_requests_total", kDecided, n(m.warn_continued),
               {{"outcome", "warn-continued"}});
  page.Counter("steward_icap_requests_total", kDecided, n(m.block),
               {{"outcome", "block"}});
  page.Counter("steward_icap_requests_total", kDecided, n(m.failed_pass),
               {{"outcome", "failed-pass"}});
  page.Counter("steward_icap_requests_total", kDecided, n(m.failed_block),
               {{"outcome", "failed-block"}});
  page.Counter("steward_icap_options_total", "OPTIONS answered", n(m.options));
  page.Counter("steward_icap_bad_requests_total",
               "Requests refused as malformed or past a limit",
               n(m.bad_requests));
  page.Counter("steward_icap_timeouts_total", "Requests answered 408",
               n(m.timeouts));
  page.Counter("steward_icap_overloaded_total",
               "Connections answered 503 past Max-Connections",
               n(m.overloaded));
  page.Counter("steward_icap_connections_total", "Connections accepted",
               n(m.connections));
  page.Gauge("steward_icap_spill_bytes",
             "Bytes waiting in temporary files, all connections", n(m.spilled));
  page.Counter("steward_icap_spill_full_total",
               "Connections closed because the temporary files were full",
               n(m.spill_refused));
  page.Counter("steward_icap_reloads_total", "Policy reloads, by result",
               n(m.reloads), {{"result", "ok"}});
  page.Counter("steward_icap_reloads_total", "Policy reloads, by result",
               n(m.reload_failures), {{"result", "failed"}});
  {
    std::lock_guard lock(impl_->conn_mu);
    page.Gauge("steward_icap_connections", "Open connections from Squid",
               impl_->connections);
  }
  page.Histogram("steward_icap_decision_seconds",
                 "Time from a request's head to its decision",
                 m.decision_seconds.Snapshot());
  page.Gauge("process_resident_memory_bytes", "Resident memory",
             static_cast<double>(core::ResidentBytes()));
  if (auto e = engine()) {
    page.Gauge("steward_policy_info", "The policy pack in force", 1,
               {{"name", e->pack().name},
                {"version", e->pack().version},
                {"sha256", e->pack().hash}});
  }
  return page.Text();
}

void Server::NoteReload(bool ok) {
  ++(ok ? impl_->metrics.reloads : impl_->metrics.reload_failures);
}

void Server::SetEngine(std::shared_ptr<const engine::Engine> engine) {
  std::lock_guard lock(impl_->engine_mu);
  impl_->engine = std::move(engine);
  ++impl_->generation;
}

std::shared_ptr<const engine::Engine> Server::engine() const {
  uint64_t gen = 0;
  return impl_->Current(&gen);
}

core::Status Server::Start(std::shared_ptr<const engine::Engine> engine) {
  SetEngine(std::move(engine));
  const std::string& listen = impl_->options.listen;
  std::string host;
  int port = 0;
  if (!core::SplitHostPort(listen, &host, &port))
    return core::Status::Invalid("--listen '" + listen + "' is not HOST:PORT");
  auto fd = core::ListenTcp(host, port, 256);
  if (!fd.ok()) return fd.status();
  port_ = core::BoundPort(*fd);
  impl_->listen_fd = *fd;
  if (pipe2(impl_->wake, O_CLOEXEC | O_NONBLOCK) != 0)
    return core::Status::Io("cannot make a pipe");
  return core::Status::Ok();
}

void Server::Stop() {
  impl_->stopping = true;
  char c = 0;
  ssize_t w = write(impl_->wake[1], &c, 1);
  (void)w;
}

void Server::Serve() {
  Impl& s = *impl_;
  while (!s.stopping) {
    pollfd p[2] = {{s.listen_fd, POLLIN, 0}, {s.wake[0], POLLIN, 0}};
    int r = poll(p, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (p[1].revents & POLLIN)) break;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = accept4(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                     SOCK_CLOEXEC);
    if (fd < 0) continue;
    char ip[INET6_ADDRSTRLEN] = "";
    if (addr.ss_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, ip,
                sizeof ip);
    else if (addr.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr,
                ip, sizeof ip);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{s.options.read_timeout, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    {
      std::unique_lock lock(s.conn_mu);
      if (s.connections >= s.options.max_connections) {
        lock.unlock();
        uint64_t gen = 0;
        auto e = s.Current(&gen);
        SendAll(fd, "ICAP/1.0 503 Service Overloaded\r\nISTag: " +
                        IsTag(e->pack()) +
                        "\r\nEncapsulated: null-body=0\r\nConnection: "
                        "close\r\n\r\n");
        ::close(fd);
        Log(Event("overloaded", Level::kWarning).Str("client", ip));
        ++s.metrics.overloaded;
        continue;
      }
      ++s.connections;
      ++s.metrics.connections;
    }
    try {
      std::thread([&s, fd, peer = std::string(ip)] {
        sigset_t set;
        sigfillset(&set);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        s.Connection(fd, peer);
        std::lock_guard lock(s.conn_mu);
        --s.connections;
        s.conn_cv.notify_all();
      }).detach();
    } catch (const std::system_error& e) {
      // No thread to be had (a process or memory limit): this connection
      // is closed, as one past Max-Connections is; the door goes on.
      ::close(fd);
      ++s.metrics.overloaded;
      Log(Event("thread-failed", Level::kError)
              .Str("client", ip)
              .Str("error", e.what()));
      std::lock_guard lock(s.conn_mu);
      --s.connections;
      s.conn_cv.notify_all();
    }
  }
  std::unique_lock lock(s.conn_mu);
  s.conn_cv.wait(lock, [&] { return s.connections == 0; });
}

int Run(const Options& options, std::unique_ptr<enforce::Enforcer> enforcer,
        bool dry_run) {
  // The door inspects for what its rules (and conduct counting) can act
  // on: other detectors are not run (policy::ForChannel).
  engine::Options engine_options = options.engine;
  engine_options.channel = policy::Channel::kWeb;
  auto e = engine::Engine::Create(engine_options);
  if (!e.ok()) {
    Log(Event("start-failed", Level::kError)
            .Str("error", e.status().message()));
    return 2;
  }
  Server server(options, std::move(enforcer), dry_run);
  std::shared_ptr<const engine::Engine> first = std::move(e).value();
  if (auto st = server.Start(first); !st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }
  std::unique_ptr<http::MetricsServer> metrics;
  if (!options.metrics.empty()) {
    metrics = std::make_unique<http::MetricsServer>();
    auto st = metrics->Start(options.metrics,
                             [&server] { return server.RenderMetrics(); });
    if (!st.ok()) {
      Log(Event("start-failed", Level::kError).Str("error", st.message()));
      return 2;
    }
  }
  Log(Event("start")
          .Str("door", "icap")
          .Str("listen", options.listen)
          .Str("store", dry_run ? std::string("none (dry run)") : options.store)
          .Int("port", server.port())
          .Str("policy", first->pack().name)
          .Str("version", first->pack().version)
          .Str("sha256", first->pack().hash)
          .Str("istag", IsTag(first->pack()))
          .Int("detectors", first->pack().detectors.size()));
  auto reload = [&] {
    auto fresh = engine::Engine::Create(engine_options);
    if (!fresh.ok()) {
      server.NoteReload(false);
      Log(Event("reload-failed", Level::kError)
              .Str("error", fresh.status().message()));
      return;
    }
    std::shared_ptr<const engine::Engine> n = std::move(fresh).value();
    Log(Event("reload")
            .Str("version", n->pack().version)
            .Str("sha256", n->pack().hash)
            .Str("istag", IsTag(n->pack())));
    server.SetEngine(std::move(n));
    server.NoteReload(true);
  };
  auto st = core::RunUntilStopped([&] { server.Serve(); }, reload,
                                  [&] { server.Stop(); });
  if (!st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }
  if (metrics) metrics->Stop();
  Log(Event("stopped"));
  return 0;
}

}  // namespace steward::icap
