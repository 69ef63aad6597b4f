#include "channels/milter/milter.h"

#include <fcntl.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "channels/http/metrics_server.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/signals.h"
#include "enforce/enforce.h"
#include "engine/scratch_pool.h"

// libmilter's smfi_main starts a thread that sigwait()s for SIGHUP, SIGTERM
// and SIGINT and, on SIGHUP, stops the milter for good (MILTER_RESTART: the
// listening socket is closed, smfi_main returns, and it cannot run again in
// the process). Steward reloads on SIGHUP and stops with smfi_stop() itself
// (core/signals.h), so that thread must never take a signal; but Linux gives
// a process-directed signal to any thread waiting for it, and under load a
// reload's SIGHUP went to libmilter's and stopped the mail door. This
// definition takes the C library's place for the process: a wait that
// includes SIGHUP (only libmilter's asks for one) sleeps for ever and takes
// nothing; any other is the C library's sigwaitinfo.
extern "C" int sigwait(const sigset_t* set, int* sig) {
  if (sigismember(set, SIGHUP) == 1)
    for (;;) pause();
  for (;;) {
    int r = sigwaitinfo(set, nullptr);
    if (r >= 0) {
      *sig = r;
      return 0;
    }
    if (errno != EINTR) return errno;
  }
}

namespace steward::milter {

namespace {

using Clock = std::chrono::steady_clock;
using core::Event;
using core::Level;
using core::Log;

struct Metrics {
  std::atomic<uint64_t> by_action[std::size(policy::kActionNames)] = {};
  std::atomic<uint64_t> failures{0}, reloads{0}, reload_failures{0},
      released{0}, incidents{0}, connections{0}, open_connections{0};
  // Time from end of message to verdict, in seconds.
  core::Histogram verdict_seconds{0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                  0.1,   0.25,  0.5,   1,    5};
};

using engine::ScratchPool;

struct Server {
  Options options;
  std::unique_ptr<enforce::Enforcer> enforcer;
  Metrics metrics;
  ScratchPool scratch;

  std::mutex engine_mu;
  std::shared_ptr<const engine::Engine> engine;
  uint64_t generation = 0;

  std::shared_ptr<const engine::Engine> Current(uint64_t* gen) {
    std::lock_guard lock(engine_mu);
    *gen = generation;
    return engine;
  }
};

Server* g_server = nullptr;  // libmilter's callbacks carry no user pointer

// One SMTP connection's state; one message at a time.
struct Session {
  std::string client = "local";
  std::string sender, auth_user;
  std::vector<std::string> recipients;
  std::string bytes;          // the message as the MTA passed it
  uint64_t size = 0;          // all of it, even past what is kept
  uint64_t keep = 0;          // bytes kept at most
  unsigned long noreply = 0;  // steps negotiated without replies
  std::string error;          // a failure in a step that could not answer it

  void Reset() {
    sender.clear();
    auth_user.clear();
    recipients.clear();
    bytes.clear();
    size = 0;
  }
  void Append(std::string_view data) {
    size += data.size();
    if (bytes.size() < keep)
      bytes.append(
          data.substr(0, std::min<uint64_t>(data.size(), keep - bytes.size())));
  }
};

Session* SessionOf(SMFICTX* ctx) {
  return static_cast<Session*>(smfi_getpriv(ctx));
}

std::string Unbracket(const char* a) {
  std::string s = a ? a : "";
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>')
    s = s.substr(1, s.size() - 2);
  return s;
}

std::string Symbol(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v ? v : "";
}

// A reply text safe for SMTP: printable ASCII, '%' doubled for libmilter,
// split into lines of at most `width` characters at spaces.
std::vector<std::string> ReplyLines(const std::string& text, size_t width) {
  std::string clean;
  for (unsigned char c : text) {
    if (c == '%')
      clean += "%%";
    else if (c >= 0x20 && c < 0x7f)
      clean += static_cast<char>(c);
    else if (c == '\n' || c == '\t')
      clean += ' ';
    else if (c >= 0xc0)
      clean += '?';  // one per non-ASCII character
  }
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < clean.size() && lines.size() < 8) {
    size_t end = std::min(clean.size(), pos + width);
    if (end < clean.size()) {
      size_t sp = clean.rfind(' ', end);
      if (sp != std::string::npos && sp > pos) end = sp;
    }
    lines.push_back(clean.substr(pos, end - pos));
    pos = end;
    while (pos < clean.size() && clean[pos] == ' ') ++pos;
  }
  return lines;
}

void SetReply(SMFICTX* ctx, const char* code, const char* xcode,
              const std::string& text) {
  auto l = ReplyLines(text, 200);
  if (l.empty()) l.push_back("Rejected by District policy");
  const char* p[8] = {};
  for (size_t i = 0; i < l.size() && i < 8; ++i) p[i] = l[i].c_str();
  smfi_setmlreply(ctx, code, xcode, p[0], p[1], p[2], p[3], p[4], p[5], p[6],
                  p[7], nullptr);
}

// What Postfix is told when Steward cannot decide.
sfsistat Failure(SMFICTX* ctx, const std::string& why) {
  ++g_server->metrics.failures;
  Log(Event("failure", Level::kError).Str("error", why));
  // No pack loaded: tempfail, the default of [mail] on_failure.
  policy::FailureMode mode = policy::FailureMode::kTempfail;
  uint64_t gen = 0;
  if (auto e = g_server->Current(&gen)) mode = e->pack().mail.on_failure;
  switch (mode) {
    case policy::FailureMode::kAccept:
      return SMFIS_ACCEPT;
    case policy::FailureMode::kReject:
      SetReply(ctx, "550", "5.7.1",
               "This message could not be checked against District policy "
               "and was not sent. Contact ITS.");
      return SMFIS_REJECT;
    case policy::FailureMode::kTempfail:
      break;
  }
  SetReply(ctx, "451", "4.3.0",
           "District policy check unavailable; try again later.");
  return SMFIS_TEMPFAIL;
}

template <typename F>
sfsistat Guard(SMFICTX* ctx, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Failure(ctx, e.what());
  } catch (...) {
    return Failure(ctx, "unknown error");
  }
}

sfsistat Decide(SMFICTX* ctx, Session& s) {
  Server& srv = *g_server;
  const auto start = Clock::now();
  uint64_t gen = 0;
  std::shared_ptr<const engine::Engine> eng = srv.Current(&gen);
  if (!eng) return Failure(ctx, "no policy loaded");
  enforce::Context context;
  context.envelope.sender = s.sender;
  context.envelope.recipients = s.recipients;
  context.envelope.auth_user = s.auth_user;
  context.envelope.client = s.client;
  context.envelope.size = s.size;
  context.reference = Symbol(ctx, "i");
  // Mail re-injected with sendmail (a released message) comes as local
  // (non-SMTP) mail, which Postfix presents as from "localhost".
  context.local_submission = s.client == "localhost";

  auto scratch = srv.scratch.Take(*eng, gen);
  enforce::Outcome out = srv.enforcer->Apply(*eng, *scratch, context, s.bytes);
  srv.scratch.Give(std::move(scratch), gen);

  sfsistat result = SMFIS_ACCEPT;
  switch (out.disposition) {
    case enforce::Disposition::kFailed:
      return Failure(ctx, out.failure);
    case enforce::Disposition::kDeliver:
      for (auto& [name, value] : out.fields) {
        smfi_addheader(ctx, const_cast<char*>(name.c_str()), value.data());
      }
      break;
    case enforce::Disposition::kHeld:
      result = SMFIS_DISCARD;
      break;
    case enforce::Disposition::kRefused:
      SetReply(ctx, "550", "5.7.1", out.reply);
      result = SMFIS_REJECT;
      break;
  }
  if (out.released_return) {
    ++srv.metrics.released;
    Log(Event("released")
            .Str("queue_id", context.reference)
            .Str("sender", s.sender)
            .Str("client", s.client));
    return result;
  }
  if (out.incident_opened) ++srv.metrics.incidents;
  const decide::Verdict& v = *out.verdict;
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  srv.metrics.verdict_seconds.Observe(seconds);
  ++srv.metrics.by_action[static_cast<size_t>(v.action)];
  if (!srv.options.quiet) {
    Event e("verdict");
    e.Str("queue_id", context.reference)
        .Str("action", decide::ActionName(v.action))
        .Str("rule", v.rule)
        .Strs("clauses", v.clauses)
        .Strs("categories", enforce::CategoriesOf(v.findings))
        .Str("sender", s.sender)
        .Str("client", s.client)
        .Int("recipients", s.recipients.size())
        .Int("size", s.size)
        .Num("ms", std::round(seconds * 1e5) / 100);
    if (!v.enforced) e.Str("would", decide::ActionName(v.decided));
    if (out.held_id) e.Int("quarantine_id", out.held_id);
    Log(e);
  }
  return result;
}

// libmilter callbacks: C functions; nothing may throw out of them.

// Whether "no reply" steps may be negotiated: on a unix socket. On TCP they
// make Postfix wait on delayed acknowledgements (40 ms a message).
bool g_noreply_allowed = false;

Session* NewSession(SMFICTX* ctx) {
  auto* s = new Session();
  s->keep = 64ull << 20;
  uint64_t gen = 0;
  if (auto e = g_server->Current(&gen))
    s->keep = std::min<uint64_t>(s->keep,
                                 e->pack().mail.max_message_bytes + (1u << 20));
  smfi_setpriv(ctx, s);
  ++g_server->metrics.connections;
  ++g_server->metrics.open_connections;
  return s;
}

// One step before end of message. With "no reply" negotiated for it
// (`nr_flag`), nothing may be answered, so an error is kept and answered
// at end of message.
template <typename F>
sfsistat Step(SMFICTX* ctx, unsigned long nr_flag, F&& f) {
  Session* s = SessionOf(ctx);
  const bool noreply = s && (s->noreply & nr_flag) != 0;
  try {
    if (!s) return Failure(ctx, "no session");
    if (s->error.empty()) f(*s);
  } catch (const std::exception& e) {
    if (!noreply) return Failure(ctx, e.what());
    s->error = e.what();
  } catch (...) {
    if (!noreply) return Failure(ctx, "unknown error");
    s->error = "unknown error";
  }
  return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

sfsistat OnNegotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1,
                     unsigned long f2, unsigned long f3, unsigned long* pf0,
                     unsigned long* pf1, unsigned long* pf2,
                     unsigned long* pf3) {
  return Guard(ctx, [&] {
    Session* s = SessionOf(ctx);
    if (!s) s = NewSession(ctx);
    // Actions: add header fields only. Steps: skip HELO, unknown commands
    // and DATA; on a unix socket, no replies to the steps before the end.
    const unsigned long nr = SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                             SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
    *pf0 = (SMFIF_ADDHDRS | SMFIF_SETSYMLIST) & f0;
    // Only the macros the door reads: the signed-in user and the queue id.
    if (*pf0 & SMFIF_SETSYMLIST) {
      smfi_setsymlist(ctx, SMFIM_CONNECT, const_cast<char*>("j"));
      smfi_setsymlist(ctx, SMFIM_ENVFROM, const_cast<char*>("{auth_authen}"));
      smfi_setsymlist(ctx, SMFIM_ENVRCPT, const_cast<char*>("j"));
      smfi_setsymlist(ctx, SMFIM_EOH, const_cast<char*>("j"));
      smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>("i"));
    }
    s->noreply = g_noreply_allowed ? (nr & f1) : 0;
    *pf1 = ((SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA) & f1) | s->noreply;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
  });
}

sfsistat OnConnect(SMFICTX* ctx, char* host, _SOCK_ADDR* addr) {
  if (!SessionOf(ctx)) {
    try {
      NewSession(ctx);
    } catch (...) {
      return Failure(ctx, "out of memory");
    }
  }
  return Step(ctx, SMFIP_NR_CONN,
              [&](Session& s) { s.client = host && *host ? host : "local"; });
}

sfsistat OnEnvFrom(SMFICTX* ctx, char** argv) {
  if (Session* s = SessionOf(ctx)) s->error.clear();  // a new message
  return Step(ctx, SMFIP_NR_MAIL, [&](Session& s) {
    s.Reset();
    s.sender = Unbracket(argv ? argv[0] : nullptr);
    s.auth_user = Symbol(ctx, "{auth_authen}");
  });
}

sfsistat OnEnvRcpt(SMFICTX* ctx, char** argv) {
  return Step(ctx, SMFIP_NR_RCPT, [&](Session& s) {
    if (s.recipients.size() < 10000)
      s.recipients.push_back(Unbracket(argv ? argv[0] : nullptr));
  });
}

sfsistat OnHeader(SMFICTX* ctx, char* name, char* value) {
  return Step(ctx, SMFIP_NR_HDR, [&](Session& s) {
    s.Append(name ? name : "");
    s.Append(": ");
    s.Append(value ? value : "");
    s.Append("\r\n");
  });
}

sfsistat OnEoh(SMFICTX* ctx) {
  return Step(ctx, SMFIP_NR_EOH, [&](Session& s) { s.Append("\r\n"); });
}

sfsistat OnBody(SMFICTX* ctx, unsigned char* data, size_t len) {
  return Step(ctx, SMFIP_NR_BODY, [&](Session& s) {
    s.Append(std::string_view(reinterpret_cast<const char*>(data), len));
  });
}

sfsistat OnEom(SMFICTX* ctx) {
  return Guard(ctx, [&] {
    Session* s = SessionOf(ctx);
    if (!s) return Failure(ctx, "no session");
    if (!s->error.empty()) {
      std::string why = s->error;
      s->Reset();
      s->error.clear();
      return Failure(ctx, why);
    }
    sfsistat r = Decide(ctx, *s);
    s->Reset();
    return r;
  });
}

sfsistat OnAbort(SMFICTX* ctx) {
  if (Session* s = SessionOf(ctx)) {
    s->Reset();
    s->error.clear();
  }
  return SMFIS_CONTINUE;
}

sfsistat OnClose(SMFICTX* ctx) {
  if (Session* s = SessionOf(ctx)) {
    delete s;
    smfi_setpriv(ctx, nullptr);
    --g_server->metrics.open_connections;
  }
  return SMFIS_CONTINUE;
}

std::string RenderMetrics(Server& srv) {
  const Metrics& m = srv.metrics;
  auto n = [](const std::atomic<uint64_t>& a) {
    return static_cast<double>(a.load());
  };
  core::MetricsPage page;
  for (const auto& [action, name] : policy::kActionNames) {
    page.Counter("steward_milter_messages_total", "Messages decided, by action",
                 n(m.by_action[static_cast<size_t>(action)]),
                 {{"action", std::string(name)}});
  }
  page.Counter("steward_milter_failures_total",
               "Messages answered with the failure action", n(m.failures));
  page.Counter("steward_milter_released_total",
               "Released messages let through on their way back",
               n(m.released));
  page.Counter("steward_milter_incidents_total", "Incidents opened (C.19)",
               n(m.incidents));
  page.Counter("steward_milter_reloads_total", "Policy reloads, by result",
               n(m.reloads), {{"result", "ok"}});
  page.Counter("steward_milter_reloads_total", "Policy reloads, by result",
               n(m.reload_failures), {{"result", "failed"}});
  page.Gauge("steward_milter_connections", "Open MTA connections",
             n(m.open_connections));
  page.Histogram("steward_milter_verdict_seconds",
                 "Time from end of message to verdict",
                 m.verdict_seconds.Snapshot());
  page.Gauge("process_resident_memory_bytes", "Resident memory",
             static_cast<double>(core::ResidentBytes()));
  uint64_t gen = 0;
  if (auto e = srv.Current(&gen)) {
    page.Gauge("steward_policy_info", "The policy pack in force", 1,
               {{"name", e->pack().name},
                {"version", e->pack().version},
                {"sha256", e->pack().hash}});
  }
  return page.Text();
}

core::Status Reload(Server& srv) {
  auto e = engine::Engine::Create(srv.options.engine);
  if (!e.ok()) {
    ++srv.metrics.reload_failures;
    return e.status();
  }
  std::shared_ptr<const engine::Engine> fresh = std::move(e).value();
  {
    std::lock_guard lock(srv.engine_mu);
    srv.engine = std::move(fresh);
    ++srv.generation;
  }
  ++srv.metrics.reloads;
  return core::Status::Ok();
}

}  // namespace

std::string MilterSocketSpec(const std::string& listen) {
  if (listen.starts_with("unix:") && listen.size() > 5) return listen;
  for (const char* scheme : {"inet:", "inet6:"}) {
    if (!listen.starts_with(scheme)) continue;
    std::string hp = listen.substr(std::strlen(scheme));
    size_t colon = hp.rfind(':');
    if (colon == std::string::npos || colon + 1 == hp.size()) return {};
    std::string host = hp.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    return std::string(scheme) + hp.substr(colon + 1) + "@" +
           (host.empty() ? "127.0.0.1" : host);
  }
  return {};
}

int Run(const Options& options, std::unique_ptr<enforce::Enforcer> enforcer) {
  std::string spec = MilterSocketSpec(options.listen);
  if (spec.empty()) {
    Log(Event("start-failed", Level::kError)
            .Str("error", "--listen '" + options.listen +
                              "' is not unix:PATH or inet:HOST:PORT"));
    return 2;
  }
  static Server srv;
  srv.options = options;
  srv.enforcer = std::move(enforcer);
  if (auto st = Reload(srv); !st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }
  g_server = &srv;

  std::unique_ptr<http::MetricsServer> metrics;
  if (!options.metrics.empty()) {
    metrics = std::make_unique<http::MetricsServer>();
    auto st = metrics->Start(options.metrics,
                             [] { return RenderMetrics(*g_server); });
    if (!st.ok()) {
      Log(Event("start-failed", Level::kError).Str("error", st.message()));
      return 2;
    }
  }

  smfiDesc desc{};
  desc.xxfi_name = const_cast<char*>("steward");
  desc.xxfi_version = SMFI_VERSION;
  desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_SETSYMLIST;
  desc.xxfi_connect = OnConnect;
  desc.xxfi_envfrom = OnEnvFrom;
  desc.xxfi_envrcpt = OnEnvRcpt;
  desc.xxfi_header = OnHeader;
  desc.xxfi_eoh = OnEoh;
  desc.xxfi_body = OnBody;
  desc.xxfi_eom = OnEom;
  desc.xxfi_abort = OnAbort;
  desc.xxfi_close = OnClose;
  desc.xxfi_negotiate = OnNegotiate;
  g_noreply_allowed = options.listen.starts_with("unix:");
  if (smfi_setconn(spec.data()) == MI_FAILURE ||
      smfi_register(desc) == MI_FAILURE) {
    Log(Event("start-failed", Level::kError)
            .Str("error", "libmilter refused " + spec));
    return 2;
  }
  smfi_settimeout(options.mta_timeout);
  smfi_setbacklog(256);
  if (smfi_opensocket(true) == MI_FAILURE) {
    Log(Event("start-failed", Level::kError)
            .Str("error", "cannot listen on " + options.listen +
                              " (in use, or no permission)"));
    return 2;
  }
  if (options.listen.starts_with("unix:")) {
    std::string path = options.listen.substr(5);
    chmod(path.c_str(), static_cast<mode_t>(options.socket_mode));
    if (!options.socket_group.empty()) {
      if (group* g = getgrnam(options.socket_group.c_str()))
        if (chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0)
          Log(Event("socket-group-failed", Level::kWarning)
                  .Str("error", "cannot give " + path + " to group " +
                                    options.socket_group));
    }
  }
  {
    uint64_t gen = 0;
    auto e = srv.Current(&gen);
    Log(Event("start")
            .Str("listen", options.listen)
            .Str("policy", e->pack().name)
            .Str("version", e->pack().version)
            .Str("sha256", e->pack().hash)
            .Bool("enforce", e->pack().mail.enforce)
            .Str("quarantine", options.store.empty() ? "none" : options.store));
  }
  int main_rc = 0;
  auto reload = [] {
    auto st = Reload(srv);
    uint64_t gen = 0;
    auto e = srv.Current(&gen);
    if (st.ok())
      Log(Event("reload")
              .Str("version", e->pack().version)
              .Str("sha256", e->pack().hash));
    else
      Log(Event("reload-failed", Level::kError)
              .Str("error", st.message())
              .Str("kept", e->pack().hash));
  };
  // libmilter's threads start from the work thread and take no signals.
  auto st = core::RunUntilStopped(
      [&] { main_rc = smfi_main() == MI_SUCCESS ? 0 : 2; }, reload,
      [] { smfi_stop(); });
  if (!st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }
  if (metrics) metrics->Stop();
  srv.enforcer.reset();  // sends the notices still queued
  Log(Event("stopped"));
  return main_rc;
}

}  // namespace steward::milter
