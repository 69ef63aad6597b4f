// The mail door from the shell: `steward verdict` (what the door would do
// with a message and an envelope, as JSON), `steward milter` (the door
// itself) and `steward quarantine` (what it held).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <iterator>

#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "channels/icap/upload.h"
#include "channels/milter/event_loop.h"
#include "channels/milter/milter.h"
#include "core/csv.h"
#include "core/text.h"
#include "decide/decider.h"
#include "enforce/enforce.h"
#include "identity/accounts.h"
#include "quarantine/quarantine.h"

namespace steward::cli {

namespace {

struct VerdictArgs {
  std::string channel = "mail";
  std::string content_type = "application/octet-stream";
  std::vector<std::string> headers;  // web: "Name: value" of the request
  std::string from, auth_user, client = "local";
  engine::Options engine;
  std::vector<std::string> to;
  std::string file;
};

// Messages larger than this are judged by their size alone.
constexpr size_t kMaxRead = 512u << 20;

int RunVerdict(const VerdictArgs& a) {
  auto channel = policy::ParseChannel(a.channel);
  if (!channel) {
    fmt::print(stderr, "steward verdict: unknown channel '{}' ({})\n",
               a.channel, core::NameList(policy::kChannelNames));
    return 2;
  }
  if (*channel != policy::Channel::kMail && *channel != policy::Channel::kWeb) {
    fmt::print(stderr,
               "steward verdict: channel '{}' has no door yet (mail, web)\n",
               a.channel);
    return 2;
  }
  std::string bytes;
  if (a.file == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    auto r = core::ReadFile(a.file, kMaxRead);
    if (!r.ok()) {
      fmt::print(stderr, "steward verdict: {}\n", r.status().message());
      return 2;
    }
    bytes = std::move(r).value();
  }
  // The engine the door of that channel runs: the web door's has only the
  // detectors a web rule (or conduct counting) can act on, as icap::Run.
  engine::Options engine_options = a.engine;
  if (*channel == policy::Channel::kWeb) engine_options.channel = *channel;
  auto eng = engine::Engine::Create(engine_options);
  if (!eng.ok()) {
    fmt::print(stderr, "steward verdict: {}\n", eng.status().message());
    return 2;
  }
  decide::Envelope env;
  env.channel = *channel;
  env.sender = a.from;
  env.auth_user = a.auth_user;
  if (*channel == policy::Channel::kWeb) {
    // As the web door sees an upload: the user, the host, the body behind
    // the head of its type.
    if (env.auth_user.empty()) env.auth_user = a.from;
    env.size = std::max<uint64_t>(bytes.size(), 1);
    icap::HttpHead head;
    head.method = "POST";
    for (const auto& h : a.headers) {
      const size_t colon = h.find(':');
      if (colon == std::string::npos || colon == 0) {
        fmt::print(stderr,
                   "steward verdict: --header \"{}\" is not \"Name: value\"\n",
                   icap::FieldSafe(h, 80));
        return 2;
      }
      std::string name = h.substr(0, colon);
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      head.fields.list.push_back({std::move(name), std::move(value)});
    }
    if (!head.fields.Find("Content-Type"))
      head.fields.list.push_back({"Content-Type", a.content_type});
    const policy::PolicyPack& pack = (*eng)->pack();
    const icap::Upload upload = icap::UploadOf(head);
    icap::Reading reading = icap::ReadUpload(upload, bytes, /*complete=*/true,
                                             pack.web.max_inspect_bytes);
    env.malformed = std::move(reading.malformed);
    env.unread = std::move(reading.unread);
    bytes = reading.entity.empty() ? icap::UploadHead(upload) + bytes
                                   : std::move(reading.entity);
  }
  env.client = a.client;
  for (const auto& t : a.to)
    for (auto& r : core::SplitList(t, ',')) env.recipients.push_back(r);
  if (env.recipients.empty()) {
    fmt::print(stderr, "steward verdict: --to names no recipient\n");
    return 2;
  }
  auto scratch = (*eng)->NewScratch();
  // The enforcement layer in a dry run: the verdict and what the door would
  // do with it (hold, which notice), with nothing stored or sent.
  enforce::Enforcer enforcer(nullptr, {.sendmail = ""});
  enforce::Outcome out =
      enforcer.Apply(**eng, *scratch, {.envelope = env}, bytes, true);
  if (out.disposition == enforce::Disposition::kFailed) {
    fmt::print(stderr, "steward verdict: {}\n", out.failure);
    return 2;
  }
  std::cout << enforce::Enforcer::ToJson(out).dump(
                   2, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace)
            << "\n";
  return out.verdict->action <= decide::Action::kWarn ? 0 : 1;
}

struct MilterArgs {
  StoreFlags store;
  milter::Options options;
  std::string sendmail = "/usr/sbin/sendmail";
  std::string socket_mode = "0660";
  int max_held_mb = 1024;
};

int RunMilter(MilterArgs& a) {
  // An octal mode of at most 0777; anything else would make a socket
  // nobody (or everybody) can use.
  char* end = nullptr;
  const long mode = std::strtol(a.socket_mode.c_str(), &end, 8);
  if (a.socket_mode.empty() || *end != '\0' || mode < 0 || mode > 0777)
    return Fail("steward milter",
                core::Status::Invalid("--socket-mode '" + a.socket_mode +
                                      "' is not an octal mode (0 to 0777)"));
  a.options.connections.socket_mode = static_cast<int>(mode);
  a.options.connections.max_held = static_cast<uint64_t>(a.max_held_mb) << 20;
  // A wrong --listen is refused before the store is opened (or made).
  std::string path, host;
  int port = 0;
  if (!milter::ParseListen(a.options.connections.listen, &path, &host, &port))
    return Fail(
        "steward milter",
        core::Status::Invalid("--listen '" + a.options.connections.listen +
                              "' is not unix:PATH (at most 107 bytes) or "
                              "inet:HOST:PORT"));
  auto db = a.store.Open(true, 16);
  if (!db.ok()) return Fail("steward milter", db.status());
  a.options.store = (*db)->Describe();
  auto enforcer = std::make_unique<enforce::Enforcer>(
      *db, enforce::Options{.blobs_dir = a.store.data + "/blobs",
                            .sendmail = a.sendmail});
  return milter::Run(a.options, std::move(enforcer));
}

struct QuarantineArgs {
  StoreFlags store;
  std::string status = "held";
  int limit = 100;
  std::string format = "text";
  int64_t id = 0;
  bool raw = false;
  std::string sendmail = "/usr/sbin/sendmail";
  std::string reason;
  std::string approved_by;  // the account whose decision this is
};

// Who decides: the shell user, or an account named with --approved-by that
// holds the role the message's verdict asks for (the Superintendent's
// designee for All-District mail), recorded as "account (via cli:user)".
core::Result<audit::Actor> Decider(store::Database& db,
                                   const quarantine::Entry& e,
                                   const std::string& approved_by) {
  const std::string shell = ShellActor();
  if (approved_by.empty()) {
    if (!e.release_role.empty() && e.release_role != "its-admin")
      return core::Status::Invalid(fmt::format(
          "message {} waits for a {}: name their account with --approved-by",
          e.id, e.release_role));
    return audit::Actor{shell, ""};
  }
  auto account = identity::FindAccount(db, approved_by);
  if (!account.ok())
    return core::Status::Invalid("no account '" + approved_by + "'");
  auto role = identity::ParseRole(e.release_role.empty() ? "its-admin"
                                                         : e.release_role);
  if (account->disabled || !role || !account->roles.Has(*role))
    return core::Status::Invalid(
        fmt::format("{} does not hold the role this message waits for ({})",
                    approved_by, e.release_role));
  return audit::Actor{approved_by + " (via " + shell + ")", ""};
}

int QuarantineList(const QuarantineArgs& a) {
  auto db = a.store.Open();
  if (!db.ok()) return Fail("steward quarantine", db.status());
  quarantine::Quarantine q(**db, store::Blobs(a.store.data + "/blobs"));
  auto list = q.List({a.status == "all" ? "" : a.status, a.limit, 0});
  if (!list.ok()) return Fail("steward quarantine", list.status());
  if (a.format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& e : *list) arr.push_back(quarantine::ToJson(e));
    std::cout << arr.dump(2, ' ', false,
                          nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
    return 0;
  }
  if (a.format == "csv") {
    std::cout << "id,created_at,status,action,rule,clauses,sender,recipients,"
                 "subject,size\n";
    for (const auto& e : *list) {
      std::vector<std::string> cells = {
          std::to_string(e.id),
          e.created_at,
          e.status,
          e.action,
          e.rule,
          fmt::format("{}", fmt::join(e.clauses, " ")),
          e.sender,
          fmt::format("{}", fmt::join(e.recipients, " ")),
          e.subject,
          std::to_string(e.size)};
      std::cout << core::CsvRow(cells) << "\n";
    }
    return 0;
  }
  if (list->empty()) {
    fmt::print("No {} messages.\n",
               a.status == "all" ? "quarantined" : a.status);
    return 0;
  }
  for (const auto& e : *list)
    fmt::print("{:>6}  {}  {:<10} {:<10} {:<28} {} -> {}  \"{}\"\n", e.id,
               e.created_at, e.status, e.action, e.rule, e.sender,
               fmt::join(e.recipients, ","), e.subject);
  return 0;
}

int QuarantineShow(const QuarantineArgs& a) {
  auto db = a.store.Open();
  if (!db.ok()) return Fail("steward quarantine", db.status());
  quarantine::Quarantine q(**db, store::Blobs(a.store.data + "/blobs"));
  auto e = q.Get(a.id);
  if (!e.ok()) return Fail("steward quarantine", e.status());
  if (a.raw) {
    auto bytes = q.Bytes(*e);
    if (!bytes.ok()) return Fail("steward quarantine", bytes.status());
    std::cout << *bytes;
    return 0;
  }
  nlohmann::ordered_json j = quarantine::ToJson(*e);
  j["auth_user"] = e->auth_user;
  j["client"] = e->client;
  j["sha256"] = e->sha256;
  j["verdict"] = nlohmann::ordered_json::parse(e->verdict, nullptr, false);
  std::cout << j.dump(2, ' ', false,
                      nlohmann::ordered_json::error_handler_t::replace)
            << "\n";
  return 0;
}

// Opens the store, finds the message and who decides, then runs `act`.
int Decide(const QuarantineArgs& a,
           const std::function<core::Status(quarantine::Quarantine&,
                                            const audit::Actor&)>& act) {
  auto db = a.store.Open();
  if (!db.ok()) return Fail("steward quarantine", db.status());
  quarantine::Quarantine q(**db, store::Blobs(a.store.data + "/blobs"));
  auto e = q.Get(a.id);
  if (!e.ok()) return Fail("steward quarantine", e.status());
  auto actor = Decider(**db, *e, a.approved_by);
  if (!actor.ok()) return Fail("steward quarantine", actor.status());
  auto st = act(q, *actor);
  return st.ok() ? 0 : Fail("steward quarantine", st);
}

int QuarantineRelease(const QuarantineArgs& a) {
  int rc = Decide(a, [&](quarantine::Quarantine& q, const audit::Actor& who) {
    return q.Release(a.id, who, quarantine::SendmailReinject(a.sendmail));
  });
  if (rc == 0)
    fmt::print("Released message {}; it was handed to {}.\n", a.id, a.sendmail);
  return rc;
}

int QuarantineDelete(const QuarantineArgs& a) {
  int rc = Decide(a, [&](quarantine::Quarantine& q, const audit::Actor& who) {
    return q.Delete(a.id, who, a.reason);
  });
  if (rc == 0)
    fmt::print("Deleted message {}; it will not be delivered.\n", a.id);
  return rc;
}

}  // namespace

void RegisterMail(CLI::App& app, std::function<int()>& run) {
  auto m = std::make_shared<MilterArgs>();
  CLI::App* mc = app.add_subcommand(
      "milter", "Run the mail door: a milter for Postfix or Sendmail");
  m->store.Add(mc);
  mc->add_option("--listen", m->options.connections.listen,
                 "unix:PATH or inet:HOST:PORT")
      ->required();
  AddEngineFlags(mc, m->options.engine, false);
  mc->add_option("--sendmail", m->sendmail,
                 "sendmail program for notices to senders")
      ->capture_default_str();
  mc->add_option("--metrics", m->options.metrics,
                 "HOST:PORT to serve GET /metrics on");
  mc->add_option("--socket-mode", m->socket_mode,
                 "Permissions of a unix socket (octal)")
      ->capture_default_str();
  mc->add_option("--socket-group", m->options.connections.socket_group,
                 "Group of a unix socket (e.g. postfix)");
  mc->add_option("--mta-timeout", m->options.connections.idle_timeout,
                 "Seconds to wait on a silent MTA connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  mc->add_option("--workers", m->options.connections.workers,
                 "Threads deciding messages (0: one a core, at least 2)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  mc->add_option("--max-connections", m->options.connections.max_connections,
                 "MTA connections served at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  mc->add_option("--max-held-mb", m->max_held_mb,
                 "MiB of messages and buffers all MTA connections hold at "
                 "most (at least 128: two messages of the largest size kept, "
                 "64 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(128, 1 << 20));
  mc->add_flag("--quiet", m->options.quiet, "No log line per message");
  mc->callback([m, &run] { run = [m] { return RunMilter(*m); }; });

  auto q = std::make_shared<QuarantineArgs>();
  CLI::App* qc = app.add_subcommand("quarantine",
                                    "List, show, release or delete held mail");
  qc->require_subcommand(1);
  CLI::App* list = qc->add_subcommand("list", "Held messages, newest first");
  q->store.Add(list);
  list->add_option("--status", q->status, "held, released, deleted or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"held", "released", "deleted", "all"}));
  list->add_option("--limit", q->limit, "At most this many")
      ->capture_default_str();
  list->add_option("--format", q->format, "text, json or csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "csv"}));
  list->callback([q, &run] { run = [q] { return QuarantineList(*q); }; });
  CLI::App* show = qc->add_subcommand(
      "show", "One message: envelope and verdict (findings redacted)");
  q->store.Add(show);
  show->add_option("id", q->id, "Quarantine id")->required();
  show->add_flag("--raw", q->raw, "Print the message itself");
  show->callback([q, &run] { run = [q] { return QuarantineShow(*q); }; });
  CLI::App* rel = qc->add_subcommand(
      "release", "Deliver a held message unchanged through the local MTA");
  q->store.Add(rel);
  rel->add_option("id", q->id, "Quarantine id")->required();
  rel->add_option("--sendmail", q->sendmail, "sendmail program")
      ->capture_default_str();
  rel->add_option("--approved-by", q->approved_by,
                  "Account deciding (must hold the role the message waits "
                  "for; required when that is not ITS)");
  rel->callback([q, &run] { run = [q] { return QuarantineRelease(*q); }; });
  CLI::App* del = qc->add_subcommand(
      "delete", "Decide a held message is not delivered (kept for the record)");
  q->store.Add(del);
  del->add_option("id", q->id, "Quarantine id")->required();
  del->add_option("--reason", q->reason, "Why, for the audit chain")
      ->required();
  del->add_option("--approved-by", q->approved_by,
                  "Account deciding (must hold the role the message waits "
                  "for; required when that is not ITS)");
  del->callback([q, &run] { run = [q] { return QuarantineDelete(*q); }; });
}

void RegisterVerdict(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<VerdictArgs>();
  CLI::App* s = app.add_subcommand(
      "verdict",
      "What the mail or web door would do with a message or upload (JSON); "
      "exit 0 for allow or warn, 1 for hold, quarantine, reject or block");
  s->add_option("--channel", a->channel,
                "The door: mail, or web (the file is an upload's body)")
      ->capture_default_str();
  s->add_option("--from", a->from,
                "Envelope sender (MAIL FROM); on the web, the user")
      ->required();
  s->add_option("--to", a->to,
                "Recipients (RCPT TO), comma-separated or repeated; on the "
                "web, the host uploaded to")
      ->required()
      ->allow_extra_args(false);
  s->add_option("--auth-user", a->auth_user,
                "The SMTP-authenticated login, if the sender signed in");
  s->add_option("--content-type", a->content_type,
                "Web: the upload's Content-Type")
      ->capture_default_str();
  s->add_option("--header", a->headers,
                "Web: a field of the upload's HTTP request, \"Name: value\" "
                "(Content-Encoding, Content-Disposition, Dropbox-API-Arg...); "
                "repeated")
      ->allow_extra_args(false);
  AddEngineFlags(s, a->engine, true);
  s->add_option("file", a->file,
                "The message (.eml) or upload body, or - for standard input")
      ->required();
  s->callback([a, &run] { run = [a] { return RunVerdict(*a); }; });
}

}  // namespace steward::cli
