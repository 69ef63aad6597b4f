#include "channels/milter/milter.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>

#include "channels/http/metrics_server.h"
#include "channels/milter/event_loop.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/signals.h"
#include "enforce/enforce.h"
#include "engine/scratch_pool.h"

namespace steward::milter {

namespace {

using Clock = std::chrono::steady_clock;
using core::Event;
using core::Level;
using core::Log;

struct Metrics {
  std::atomic<uint64_t> by_action[std::size(policy::kActionNames)] = {};
  std::atomic<uint64_t> failures{0}, reloads{0}, reload_failures{0},
      released{0}, incidents{0};
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

  EventLoop loop;

  std::mutex engine_mu;
  std::shared_ptr<const engine::Engine> engine;
  uint64_t generation = 0;

  std::shared_ptr<const engine::Engine> Current(uint64_t* gen) {
    std::lock_guard lock(engine_mu);
    *gen = generation;
    return engine;
  }
};

Answer Rejection(Answer::Kind kind, const char* code, const char* xcode,
                 std::string text) {
  Answer a;
  a.kind = kind;
  a.code = code;
  a.xcode = xcode;
  a.text = std::move(text);
  return a;
}

// What the MTA is told when Steward cannot decide.
Answer Failure(Server& srv, const std::string& why) {
  ++srv.metrics.failures;
  Log(Event("failure", Level::kError).Str("error", why));
  // No pack loaded: tempfail, the default of [mail] on_failure.
  policy::FailureMode mode = policy::FailureMode::kTempfail;
  uint64_t gen = 0;
  if (auto e = srv.Current(&gen)) mode = e->pack().mail.on_failure;
  switch (mode) {
    case policy::FailureMode::kAccept:
      return Answer();
    case policy::FailureMode::kReject:
      return Rejection(Answer::Kind::kReject, "550", "5.7.1",
                       "This message could not be checked against District "
                       "policy and was not sent. Contact ITS.");
    case policy::FailureMode::kTempfail:
      break;
  }
  return Rejection(Answer::Kind::kTempfail, "451", "4.3.0",
                   "District policy check unavailable; try again later.");
}

Answer Decide(Server& srv, Message& m) {
  const auto start = Clock::now();
  uint64_t gen = 0;
  std::shared_ptr<const engine::Engine> eng = srv.Current(&gen);
  if (!eng) return Failure(srv, "no policy loaded");
  // Recipients past what a message keeps cannot be checked (an outside one
  // among them would go unseen): the message is refused whole, and the
  // sender sends it to fewer at a time. Warn-only, it is logged and sent.
  if (m.recipients_dropped != 0) {
    const bool enforcing = eng->pack().mail.enforce;
    const uint64_t count = m.recipients.size() + m.recipients_dropped;
    Event e = enforcing ? Event("refused", Level::kWarning)
                        : Event("verdict", Level::kWarning);
    e.Str("queue_id", m.queue_id)
        .Str("reason", "too-many-recipients")
        .Int("recipients", count)
        .Str("sender", m.sender)
        .Str("client", m.client);
    if (!enforcing) e.Str("action", "allow").Str("would", "reject");
    Log(e);
    if (!enforcing) return Answer();
    return Rejection(
        Answer::Kind::kReject, "550", "5.5.3",
        "This message has " + std::to_string(count) +
            " recipients, more than District policy can check at once (" +
            std::to_string(kMaxRecipients) + ", or " +
            std::to_string(kMaxRecipientBytes >> 20) +
            " MiB of addresses). Send it to fewer recipients at a time, or "
            "to a mailing list.");
  }
  enforce::Context context;
  context.envelope.sender = m.sender;
  context.envelope.recipients = std::move(m.recipients);
  context.envelope.auth_user = m.auth_user;
  context.envelope.client = m.client;
  context.envelope.size = m.size;
  context.reference = m.queue_id;
  // Mail re-injected with sendmail (a released message) comes as local
  // (non-SMTP) mail, which Postfix presents as from "localhost".
  context.local_submission = m.client == "localhost";

  auto scratch = srv.scratch.Take(*eng, gen);
  enforce::Outcome out = srv.enforcer->Apply(*eng, *scratch, context, m.bytes);
  srv.scratch.Give(std::move(scratch), gen);

  Answer answer;
  switch (out.disposition) {
    case enforce::Disposition::kFailed:
      return Failure(srv, out.failure);
    case enforce::Disposition::kDeliver:
      answer.fields = std::move(out.fields);
      break;
    case enforce::Disposition::kHeld:
      answer.kind = Answer::Kind::kDiscard;
      break;
    case enforce::Disposition::kRefused:
      answer = Rejection(Answer::Kind::kReject, "550", "5.7.1", out.reply);
      break;
  }
  if (out.released_return) {
    ++srv.metrics.released;
    Log(Event("released")
            .Str("queue_id", context.reference)
            .Str("sender", m.sender)
            .Str("client", m.client));
    return answer;
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
        .Str("sender", m.sender)
        .Str("client", m.client)
        .Int("recipients", context.envelope.recipients.size())
        .Int("size", m.size)
        .Num("ms", std::round(seconds * 1e5) / 100);
    if (!v.enforced) e.Str("would", decide::ActionName(v.decided));
    if (out.held_id) e.Int("quarantine_id", out.held_id);
    Log(e);
  }
  return answer;
}

// Nothing may throw into the connections' loop.
Answer DecideOrFail(Server& srv, Message& m) {
  try {
    return Decide(srv, m);
  } catch (const std::exception& e) {
    return Failure(srv, e.what());
  } catch (...) {
    return Failure(srv, "unknown error");
  }
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
             static_cast<double>(srv.loop.open()));
  page.Counter("steward_milter_connections_total", "MTA connections accepted",
               static_cast<double>(srv.loop.accepted()));
  page.Counter("steward_milter_connections_refused_total",
               "MTA connections closed at once: too many open",
               static_cast<double>(srv.loop.refused()));
  page.Counter("steward_milter_connections_closed_for_memory_total",
               "MTA connections closed to keep within --max-held-mb",
               static_cast<double>(srv.loop.budget_closed()));
  page.Counter("steward_milter_protocol_errors_total",
               "MTA connections closed for breaking the milter protocol",
               static_cast<double>(srv.loop.protocol_errors()));
  page.Gauge("steward_milter_held_bytes",
             "Bytes of messages and buffers MTA connections hold",
             static_cast<double>(srv.loop.held()));
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

int Run(const Options& options, std::unique_ptr<enforce::Enforcer> enforcer) {
  static Server srv;
  srv.options = options;
  srv.enforcer = std::move(enforcer);
  if (auto st = Reload(srv); !st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }

  std::unique_ptr<http::MetricsServer> metrics;
  if (!options.metrics.empty()) {
    metrics = std::make_unique<http::MetricsServer>();
    auto st =
        metrics->Start(options.metrics, [] { return RenderMetrics(srv); });
    if (!st.ok()) {
      Log(Event("start-failed", Level::kError).Str("error", st.message()));
      return 2;
    }
  }

  if (auto st = srv.loop.Listen(options.connections); !st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }
  {
    uint64_t gen = 0;
    auto e = srv.Current(&gen);
    Log(Event("start")
            .Str("listen", options.connections.listen)
            .Str("policy", e->pack().name)
            .Str("version", e->pack().version)
            .Str("sha256", e->pack().hash)
            .Bool("enforce", e->pack().mail.enforce)
            .Str("quarantine", options.store.empty() ? "none" : options.store));
  }
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
  auto keep = [] {
    uint64_t bytes = 64ull << 20;
    uint64_t gen = 0;
    if (auto e = srv.Current(&gen))
      bytes = std::min<uint64_t>(bytes,
                                 e->pack().mail.max_message_bytes + (1u << 20));
    return bytes;
  };
  auto on_error = [](EventLoop::Event event, const std::string& what) {
    Event e = event == EventLoop::Event::kRefused
                  ? Event("connection-refused", Level::kWarning)
              : event == EventLoop::Event::kOverBudget
                  ? Event("connection-closed", Level::kWarning)
                  : Event("protocol-error", Level::kWarning);
    Log(e.Str("error", what));
  };
  // The workers start from the work thread and take no signals.
  auto st = core::RunUntilStopped(
      [&] {
        srv.loop.Run([](Message& m) { return DecideOrFail(srv, m); }, keep,
                     on_error);
      },
      reload, [] { srv.loop.Stop(); });
  if (!st.ok()) {
    Log(Event("start-failed", Level::kError).Str("error", st.message()));
    return 2;
  }
  if (metrics) metrics->Stop();
  srv.enforcer.reset();  // sends the notices still queued
  Log(Event("stopped"));
  return 0;
}

}  // namespace steward::milter
