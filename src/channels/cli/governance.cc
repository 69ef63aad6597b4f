// The governance commands: the portal and what administrators do from the
// shell (migrate, create the first administrator, verify the audit chain,
// import people, send reminders, seed a demo district).
#include "channels/cli/governance.h"

#include <fmt/format.h>
#include <pthread.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "acknowledge/campaigns.h"
#include "audit/chain.h"
#include "channels/cli/commands.h"
#include "channels/portal/portal.h"
#include "core/log.h"
#include "core/outbound_mail.h"
#include "core/text.h"
#include "identity/accounts.h"
#include "identity/hash_gate.h"
#include "identity/tokens.h"
#include "people/people.h"
#include "store/migrations.h"

namespace steward::cli {

namespace fs = std::filesystem;

void StoreFlags::Add(CLI::App* cmd) {
  const char* env_data = std::getenv("STEWARD_DATA");
  const char* env_db = std::getenv("STEWARD_DB");
  data = env_data && *env_data ? env_data : "steward-data";
  db = env_db && *env_db ? env_db : "";
  cmd->add_option("--data", data,
                  "Data folder: the SQLite database, stored documents "
                  "(default $STEWARD_DATA or ./steward-data)");
  cmd->add_option("--db", db,
                  "postgresql://… URL, or a SQLite file (default "
                  "$STEWARD_DB or DATA/steward.db)");
}

core::Result<std::shared_ptr<store::Database>> StoreFlags::Open(
    bool migrate, int connections) const {
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return core::Status::Io(data + ": " + ec.message());
  fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::string target = db.empty() ? data + "/steward.db" : db;
  auto opened = store::Database::Open(target, connections);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<store::Database> shared = std::move(opened).value();
  if (migrate) {
    auto report = store::Migrate(*shared);
    if (!report.ok()) return report.status();
  }
  return shared;
}

std::string ShellActor() {
  const passwd* pw = getpwuid(geteuid());
  return std::string("cli:") + (pw ? pw->pw_name : std::to_string(geteuid()));
}

core::Result<std::string> ReadSecretFile(const std::string& file) {
  auto secret = core::ReadFile(file, 4096);
  if (!secret.ok()) return secret.status();
  while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r'))
    secret->pop_back();
  return secret;
}

int Fail(std::string_view who, const core::Status& st) {
  fmt::print(stderr, "{}: {}\n", who, core::Printable(st.message(), true));
  return st.code() == core::Code::kInvalidArgument ? 2 : 1;
}

int ParseFailed(CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream err;
  const int rc = app.exit(e, std::cout, err);
  fmt::print(stderr, "{}", core::Printable(err.str(), true));
  return rc == 0 ? 0 : 2;
}

int Uncaught(const std::exception& e) {
  fmt::print(stderr, "steward: {}\n", core::Printable(e.what()));
  return 2;
}

namespace {

// Reads a password from the terminal without echo, or from a pipe.
std::string ReadPassword(const char* prompt) {
  std::string pw;
  if (isatty(STDIN_FILENO)) {
    fmt::print(stderr, "{}", prompt);
    std::fflush(stderr);
    (void)std::system("stty -echo 2>/dev/null");
    std::getline(std::cin, pw);
    (void)std::system("stty echo 2>/dev/null");
    fmt::print(stderr, "\n");
  } else {
    std::getline(std::cin, pw);
  }
  return pw;
}

std::shared_ptr<const identity::PasswordPolicy> LoadPolicy(
    const std::string& blocklist, const std::string& cracklib) {
  auto p = identity::PasswordPolicy::Load(blocklist, cracklib);
  if (!p.ok()) {
    fmt::print(stderr, "steward: {}\n", p.status().message());
    return nullptr;
  }
  return *p;
}

// One pass of the reminders, for the portal's background thread: whatever
// happens (a bad stored value, the store down, an exception from a library)
// is logged (the portal's log lines, core/log.h), and the thread goes on to
// the next pass.
void ReminderPass(store::Database& db,
                  const acknowledge::ReminderOptions& reminders) noexcept {
  using core::Event;
  using core::Level;
  try {
    auto r = acknowledge::SendReminders(db, reminders);
    if (!r.ok()) {
      core::Log(Event("reminders-failed", Level::kError)
                    .Str("error", r.status().message()));
      return;
    }
    for (const auto& e : r->errors) {
      core::Log(Event("reminders-error", Level::kError).Str("error", e));
    }
    if (r->sent || r->failed) {
      core::Log(Event("reminders", r->failed ? Level::kWarning : Level::kInfo)
                    .Int("sent", r->sent)
                    .Int("failed", r->failed));
    }
  } catch (const std::exception& e) {
    core::Log(Event("reminders-failed", Level::kError).Str("error", e.what()));
  } catch (...) {
    core::Log(Event("reminders-failed", Level::kError)
                  .Str("error", "unknown exception"));
  }
}

// Runs the portal until SIGINT or SIGTERM. The signals are blocked in every
// thread and taken by one waiting thread, so stopping is ordinary code, not
// a signal handler. Reminders go out from a second thread once an hour
// (SendReminders sends each person at most one a day); no exception ends
// either thread (one escaping a thread would abort the process).
int ServeUntilSignalled(portal::Portal& portal, store::Database& db,
                        const acknowledge::ReminderOptions& reminders,
                        bool send_reminders) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread waiter([&]() noexcept {
    int sig = 0;
    sigwait(&signals, &sig);
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    try {
      portal.Stop();
    } catch (...) {
      core::Log(core::Event("stop-failed", core::Level::kError));
    }
  });
  std::thread reminder;
  if (send_reminders) {
    reminder = std::thread([&]() noexcept {
      std::unique_lock lock(mu);
      while (!stopping) {
        lock.unlock();
        ReminderPass(db, reminders);
        lock.lock();
        cv.wait_for(lock, std::chrono::hours(1), [&] { return stopping; });
      }
    });
  }
  auto st = portal.Run();
  {
    std::lock_guard lock(mu);
    if (!stopping) {
      stopping = true;
      // Not a kill: SIGTERM is blocked everywhere, and the waiter takes it
      // from sigwait and returns.
      // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread)
      pthread_kill(waiter.native_handle(), SIGTERM);
    }
  }
  cv.notify_all();
  waiter.join();
  if (reminder.joinable()) reminder.join();
  return st.ok() ? 0 : Fail("steward", st);
}

std::string StaticDir() {
  const char* env = std::getenv("STEWARD_STATIC");
  if (env && *env) return env;
  return std::string(STEWARD_SOURCE_DIR) + "/web/static";
}

std::string HtmxPath() {
  std::string p = std::string(STEWARD_SOURCE_DIR) +
                  "/web/node_modules/htmx.org/dist/htmx.min.js";
  return fs::exists(p) ? p : "";
}

}  // namespace

void RegisterGovernance(CLI::App& app, std::function<int()>& run) {
  // steward serve
  {
    auto* cmd = app.add_subcommand(
        "serve", "Serve the governance portal and its JSON API");
    auto flags = std::make_shared<StoreFlags>();
    flags->Add(cmd);
    auto o = std::make_shared<portal::Options>();
    auto listen = std::make_shared<std::string>("127.0.0.1:8080");
    auto blocklist = std::make_shared<std::string>();
    auto cracklib = std::make_shared<std::string>();
    auto plain_http = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    auto no_reminders = std::make_shared<bool>(false);
    auto max_upload_mb = std::make_shared<int>(64);
    auto metrics_token_file = std::make_shared<std::string>();
    cmd->add_option("--listen", *listen, "HOST:PORT")->capture_default_str();
    cmd->add_option("--password-blocklist", *blocklist,
                    "File of forbidden passwords, one a line");
    cmd->add_option("--cracklib", *cracklib,
                    "cracklib dictionary prefix, or 'off'");
    cmd->add_option("--threads", o->threads,
                    "Request handler threads (default: twice the processors, "
                    "at least 4)")
        ->check(CLI::Range(0, 1024));
    cmd->add_option("--trusted-proxy", o->http.trusted_proxies,
                    "Address or CIDR block of a reverse proxy whose "
                    "X-Forwarded-For is believed (repeatable)");
    cmd->add_option("--max-connections-per-address", o->http.max_per_address,
                    "Open connections one client address may hold")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--max-upload-mb", *max_upload_mb,
                    "Largest import or regulation document, in MiB")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--metrics-token-file", *metrics_token_file,
                    "File holding a token: /metrics then wants "
                    "'Authorization: Bearer TOKEN' (without: this machine "
                    "only)");
    cmd->add_option("--district", o->district_name,
                    "District name shown on pages");
    auto policy_dir = std::make_shared<std::string>();
    cmd->add_option("--policy", *policy_dir,
                    "Policy pack folder (default: the bundled pack); its "
                    "[records] rules decide retention on the records pages");
    cmd->add_option("--sendmail", o->reminders.sendmail,
                    "sendmail program for reminders and released held mail")
        ->capture_default_str();
    cmd->add_option("--mail-from", o->reminders.from,
                    "From address of reminders")
        ->capture_default_str();
    auto public_url = std::make_shared<std::string>();
    cmd->add_option("--public-url", *public_url,
                    "The portal's address as people reach it, put in "
                    "reminders (default: http://LISTEN)");
    cmd->add_option("--max-departed", o->max_departed_percent,
                    "Refuse an import from the Import page that would mark "
                    "more than this percent of a source's people departed, "
                    "unless its box is ticked")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd->add_flag("--plain-http-cookies", *plain_http,
                  "Session cookies without Secure (only for plain HTTP off "
                  "localhost)");
    cmd->add_option("--ldap-url", o->ldap.url,
                    "Let employees sign in with the directory (ldap://…)");
    cmd->add_option("--ldap-user-dn", o->ldap.dn_template,
                    "DN to bind as, {} for the user name: "
                    "\"uid={},ou=people,dc=district,dc=org\"");
    cmd->add_option("--ldap-id-attr", o->ldap.id_attr,
                    "The directory's unique id of an entry, which accounts "
                    "are matched on (objectGUID on Active Directory)")
        ->capture_default_str();
    auto hashing = std::make_shared<identity::HashGate::Limits>();
    cmd->add_option("--hash-concurrency", hashing->running,
                    "Password hashes computed at once (64 MiB each)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--hash-queue", hashing->waiting,
                    "Sign-ins that may wait for a turn to hash; more are "
                    "asked to try again in a moment")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    cmd->add_flag("--quiet", *quiet, "No access log");
    cmd->add_flag(
        "--no-reminders", *no_reminders,
        "Send no reminders from the portal (run `steward remind` instead)");
    cmd->callback([&run, flags, o, listen, blocklist, cracklib, plain_http,
                   quiet, no_reminders, max_upload_mb, metrics_token_file,
                   hashing, public_url, policy_dir] {
      run = [=]() -> int {
        identity::HashGate::Global().Configure(*hashing);
        {
          std::string dir =
              policy_dir->empty() ? policy::DefaultPackDir() : *policy_dir;
          policy::LoadResult lr =
              policy::LoadPack(dir, {.compile_patterns = false});
          if (!lr.ok()) {
            for (const auto& e : lr.errors)
              fmt::print(stderr, "{}\n", e.ToString());
            return 2;
          }
          o->pack = lr.pack;
        }
        auto colon = listen->rfind(':');
        if (colon == std::string::npos) {
          fmt::print(stderr, "steward serve: --listen wants HOST:PORT\n");
          return 2;
        }
        o->host = listen->substr(0, colon);
        o->port = std::atoi(listen->substr(colon + 1).c_str());
        o->data_dir = flags->data;
        o->sendmail = o->reminders.sendmail;
        o->static_dir = StaticDir();
        o->htmx_path = HtmxPath();
        o->secure_cookies = !*plain_http;
        o->access_log = !*quiet;
        o->max_upload = static_cast<size_t>(*max_upload_mb) << 20;
        if (!metrics_token_file->empty()) {
          auto token = core::ReadFile(*metrics_token_file, 4096);
          if (!token.ok()) return Fail("steward", token.status());
          o->metrics_token = *token;
          while (!o->metrics_token.empty() &&
                 std::isspace(
                     static_cast<unsigned char>(o->metrics_token.back()))) {
            o->metrics_token.pop_back();
          }
          if (o->metrics_token.empty()) {
            fmt::print(stderr, "steward serve: {} holds no token\n",
                       *metrics_token_file);
            return 2;
          }
        }
        if (public_url->empty()) {
          // Derived from the listen address: right for a test install only;
          // an address that listens everywhere names no host to visit.
          std::string host = o->host;
          if (host.empty() || host == "0.0.0.0" || host == "::" ||
              host == "[::]") {
            host = "localhost";
          }
          o->reminders.portal_url =
              fmt::format("http://{}:{}", host, listen->substr(colon + 1));
          fmt::print(stderr,
                     "steward serve: no --public-url; reminders link to {}\n",
                     o->reminders.portal_url);
        } else {
          o->reminders.portal_url = *public_url;
        }
        if (auto st = acknowledge::CheckPortalUrl(o->reminders.portal_url);
            !st.ok()) {
          return Fail("steward", st);
        }
        if (auto st = core::CheckMailAddress(o->reminders.from); !st.ok()) {
          return Fail("steward",
                      core::Status::Invalid("--mail-from: " + st.message()));
        }
        // A connection for each handler thread, and spares so that the I/O
        // threads (session checks of uploads, /healthz) never wait for one.
        auto db = flags->Open(true, portal::HandlerThreads(*o) + 4);
        if (!db.ok()) return Fail("steward", db.status());
        auto policy = LoadPolicy(*blocklist, *cracklib);
        if (!policy) return 2;
        // The publishing gate for programs (POST /api/publish/check): its
        // engine is made at the first item, not before.
        if (o->pack && o->pack->publish.present)
          o->publish_gate =
              MakePublishGate(*db, engine::Options{.policy = *policy_dir});
        auto p = portal::Portal::Create(*o, *db, policy);
        if (!p.ok()) return Fail("steward", p.status());
        auto port = (*p)->Bind();
        if (!port.ok()) return Fail("steward", port.status());
        fmt::print(
            "Steward portal on http://{}:{}/ ({}; {} blocked passwords)\n",
            o->host, *port, (*db)->Describe(), policy->blocklist_size());
        std::fflush(stdout);
        return ServeUntilSignalled(**p, **db, o->reminders, !*no_reminders);
      };
    });
  }
  // steward db migrate | status
  {
    auto* cmd = app.add_subcommand("db", "The store: schema migrations");
    cmd->require_subcommand(1);
    auto flags = std::make_shared<StoreFlags>();
    auto* migrate =
        cmd->add_subcommand("migrate", "Apply the migrations the store lacks");
    flags->Add(migrate);
    migrate->callback([&run, flags] {
      run = [flags]() -> int {
        auto db = flags->Open(false);
        if (!db.ok()) return Fail("steward", db.status());
        auto r = store::Migrate(**db);
        if (!r.ok()) return Fail("steward", r.status());
        for (const auto& m : r->applied) fmt::print("applied {}\n", m);
        fmt::print("{}: schema version {} (was {})\n", (*db)->Describe(), r->to,
                   r->from);
        return 0;
      };
    });
  }
  // steward admin create-user | reset-password
  {
    auto* cmd = app.add_subcommand("admin", "Accounts, from the shell");
    cmd->require_subcommand(1);
    auto* create = cmd->add_subcommand(
        "create-user", "Create an account (the first administrator, say)");
    auto flags = std::make_shared<StoreFlags>();
    flags->Add(create);
    auto a = std::make_shared<identity::NewAccount>();
    auto roles = std::make_shared<std::vector<std::string>>();
    auto blocklist = std::make_shared<std::string>();
    auto cracklib = std::make_shared<std::string>();
    create->add_option("username", a->username, "User name")->required();
    create->add_option("--name", a->display_name, "Display name")->required();
    create->add_option("--email", a->email,
                       "E-mail; links the employee with it");
    create->add_option("--role", *roles,
                       "Role (repeatable): employee, content-manager, "
                       "site-admin, its-admin, records-custodian, supervisor, "
                       "auditor, designee");
    create->add_option("--password-blocklist", *blocklist,
                       "File of forbidden passwords");
    create->add_option("--cracklib", *cracklib,
                       "cracklib dictionary prefix, or 'off'");
    create->callback([&run, flags, a, roles, blocklist, cracklib] {
      run = [=]() -> int {
        for (const auto& name : *roles) {
          auto r = identity::ParseRole(name);
          if (!r) {
            fmt::print(stderr, "steward admin: unknown role '{}'\n", name);
            return 2;
          }
          a->roles.Add(*r);
        }
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto policy = LoadPolicy(*blocklist, *cracklib);
        if (!policy) return 2;
        a->password = ReadPassword("Password: ");
        if (!a->email.empty()) {
          auto match = people::Find(
              **db, {.kind = "employee", .text = a->email, .limit = 2});
          if (match.ok() && match->size() == 1)
            a->person_id = match->front().id;
        }
        auto made =
            identity::CreateAccount(**db, *policy, *a, {ShellActor(), ""});
        if (!made.ok()) return Fail("steward", made.status());
        fmt::print("created {} ({})\n", made->username,
                   fmt::join(identity::RoleNames(made->roles), ", "));
        return 0;
      };
    });
  }
  // steward admin unlock: ends an account's sign-in locks.
  {
    auto* admin = app.get_subcommand("admin");
    auto* unlock = admin->add_subcommand(
        "unlock",
        "End an account's sign-in locks, from every address (audited)");
    auto flags = std::make_shared<StoreFlags>();
    flags->Add(unlock);
    auto username = std::make_shared<std::string>();
    unlock->add_option("username", *username, "User name")->required();
    unlock->callback([&run, flags, username] {
      run = [=]() -> int {
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto a = identity::FindAccount(**db, *username);
        if (!a.ok()) return Fail("steward", a.status());
        auto locked = identity::Unlock(**db, a->id, {ShellActor(), ""});
        if (!locked.ok()) return Fail("steward", locked.status());
        fmt::print("unlocked {} (was locked from {} address{})\n", a->username,
                   *locked, *locked == 1 ? "" : "es");
        return 0;
      };
    });
  }
  // steward admin routes: who may use what, from the route table itself.
  {
    auto* admin = app.get_subcommand("admin");
    auto* routes =
        admin->add_subcommand("routes",
                              "Print every page and endpoint with the roles "
                              "that may use it (markdown)");
    routes->callback([&run] {
      run = [] {
        fmt::print("| method | path | who may |\n|---|---|---|\n");
        for (const auto& r : portal::Portal::Routes()) {
          std::string who;
          if (r.token) {
            who = "a program with a `" +
                  std::string(identity::ScopeName(*r.token)) + "` token";
          } else if (r.roles.bits() == 0) {
            who = "anyone";
          } else if (r.roles == identity::Roles::All()) {
            who = "every signed-in person";
          } else {
            for (identity::Role role : identity::kAllRoles) {
              if (r.roles.Has(role)) {
                who += (who.empty() ? "" : ", ") +
                       std::string(identity::RoleTitle(role));
              }
            }
          }
          fmt::print("| {} | `{}` | {} |\n", r.method, r.example, who);
        }
        return 0;
      };
    });
  }
  // steward token create | list | revoke: tokens for programs.
  {
    auto* cmd = app.add_subcommand(
        "token",
        "Tokens for programs (a content system asking the publishing gate)");
    cmd->require_subcommand(1);
    auto flags = std::make_shared<StoreFlags>();
    auto* create = cmd->add_subcommand(
        "create", "Make a token and print it once (audited)");
    flags->Add(create);
    auto name = std::make_shared<std::string>();
    auto scope = std::make_shared<std::string>("publish-check");
    create
        ->add_option("name", *name, "Whose program holds it: \"district CMS\"")
        ->required();
    create->add_option("--scope", *scope, "What it may do: publish-check")
        ->capture_default_str();
    create->callback([&run, flags, name, scope] {
      run = [=]() -> int {
        auto sc = identity::ParseScope(*scope);
        if (!sc) {
          fmt::print(stderr, "steward token: unknown scope '{}' ({})\n",
                     core::Shown(*scope),
                     core::NameList(identity::kScopeNames));
          return 2;
        }
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto made = identity::CreateToken(**db, *name, *sc, {ShellActor(), ""});
        if (!made.ok()) return Fail("steward", made.status());
        fmt::print("{}\n", made->secret);
        fmt::print(stderr,
                   "Token {} for \"{}\" ({}). It is shown only now: keep it "
                   "in the program's secret store. Revoke it with `steward "
                   "token revoke {}`.\n",
                   made->token.id, made->token.name,
                   identity::ScopeName(made->token.scope), made->token.id);
        return 0;
      };
    });
    auto* list = cmd->add_subcommand("list", "Every token (never its secret)");
    flags->Add(list);
    list->callback([&run, flags] {
      run = [=]() -> int {
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto all = identity::Tokens(**db);
        if (!all.ok()) return Fail("steward", all.status());
        for (const auto& t : *all)
          fmt::print("{}\t{}\t{}\tmade {} by {}\t{}\n", t.id,
                     core::Printable(t.name), identity::ScopeName(t.scope),
                     t.created_at, core::Printable(t.created_by),
                     !t.revoked_at.empty()    ? "revoked " + t.revoked_at
                     : t.last_used_at.empty() ? std::string("never used")
                                              : "last used " + t.last_used_at);
        return 0;
      };
    });
    auto* revoke =
        cmd->add_subcommand("revoke", "Revoke a token at once (audited)");
    flags->Add(revoke);
    auto id = std::make_shared<int64_t>(0);
    revoke->add_option("id", *id, "The token's number (steward token list)")
        ->required();
    revoke->callback([&run, flags, id] {
      run = [=]() -> int {
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto st = identity::RevokeToken(**db, *id, {ShellActor(), ""});
        if (!st.ok()) return Fail("steward", st);
        fmt::print("revoked token {}\n", *id);
        return 0;
      };
    });
  }
  // steward audit verify
  {
    auto* cmd = app.add_subcommand("audit", "The audit chain");
    cmd->require_subcommand(1);
    auto* verify = cmd->add_subcommand(
        "verify",
        "Check the chain; exit 0 when intact, 1 naming the first broken entry");
    auto flags = std::make_shared<StoreFlags>();
    flags->Add(verify);
    verify->callback([&run, flags] {
      run = [flags]() -> int {
        auto db = flags->Open(false);
        if (!db.ok()) return Fail("steward", db.status());
        auto v = audit::Verify(**db);
        if (!v.ok()) return Fail("steward", v.status());
        if (v->broken_seq) {
          fmt::print("audit chain BROKEN at entry {}: {}\n", *v->broken_seq,
                     v->reason);
          fmt::print("{} entries before it are intact.\n", v->entries);
          return 1;
        }
        fmt::print("audit chain intact: {} entries; head {}\n", v->entries,
                   v->head_hash.empty() ? "(empty)" : v->head_hash);
        return 0;
      };
    });
  }
  // steward import oneroster | employees | ldap
  {
    auto* cmd = app.add_subcommand("import", "Import people into the store");
    cmd->require_subcommand(1);
    auto flags = std::make_shared<StoreFlags>();
    // Every import: the guard against an empty or partial export.
    auto guard = std::make_shared<people::ImportOptions>();
    auto add_guard = [guard](CLI::App* sub) {
      sub->add_flag("--force", guard->force,
                    "Import even when it marks more than --max-departed "
                    "percent of the source's people departed");
      sub->add_option("--max-departed", guard->max_departed_percent,
                      "Refuse an import that would mark more than this "
                      "percent of the source's people departed")
          ->check(CLI::Range(0, 100))
          ->capture_default_str();
    };
    auto print = [](const people::ImportReport& r) {
      for (const auto& i : r.issues) {
        fmt::print("{}: {}\n", i.rejected ? "rejected" : "partial",
                   i.ToString());
      }
      fmt::print("{}\n", r.Summary());
      return r.Rejected() ? 1 : 0;
    };
    auto* oneroster = cmd->add_subcommand(
        "oneroster", "A OneRoster 1.1/1.2 export (folder or zip)");
    auto path = std::make_shared<std::string>();
    flags->Add(oneroster);
    oneroster->add_option("path", *path, "Export folder or zip")->required();
    add_guard(oneroster);
    oneroster->callback([&run, flags, path, print, guard] {
      run = [=]() -> int {
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto r = people::ImportOneRoster(**db, *path, {ShellActor(), ""}, "",
                                         *guard);
        if (!r.ok()) return Fail("steward", r.status());
        return print(*r);
      };
    });
    auto* employees =
        cmd->add_subcommand("employees", "Employees from a CSV file");
    auto file = std::make_shared<std::string>();
    flags->Add(employees);
    employees
        ->add_option(
            "file", *file,
            "CSV: "
            "id,given_name,family_name,email,site,job_role,supervisor,status")
        ->required();
    add_guard(employees);
    employees->callback([&run, flags, file, print, guard] {
      run = [=]() -> int {
        auto bytes = core::ReadFile(*file, 512u << 20);
        if (!bytes.ok()) return Fail("steward", bytes.status());
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto r = people::ImportEmployeesCsv(**db, *bytes, *file,
                                            {ShellActor(), ""}, *guard);
        if (!r.ok()) return Fail("steward", r.status());
        return print(*r);
      };
    });
    auto* permissions = cmd->add_subcommand(
        "permissions",
        "Students' web-publishing permissions from a CSV export of the "
        "student information system");
    auto perm_file = std::make_shared<std::string>();
    flags->Add(permissions);
    permissions
        ->add_option("file", *perm_file,
                     "CSV: student_id,permission,photo_captions")
        ->required();
    permissions->callback([&run, flags, perm_file, print] {
      run = [=]() -> int {
        auto bytes = core::ReadFile(*perm_file, 512u << 20);
        if (!bytes.ok()) return Fail("steward", bytes.status());
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto r = people::ImportPermissionsCsv(**db, *bytes, *perm_file,
                                              {ShellActor(), ""});
        if (!r.ok()) return Fail("steward", r.status());
        return print(*r);
      };
    });
    auto* ldap =
        cmd->add_subcommand("ldap", "Employees from an LDAP directory");
    auto lo = std::make_shared<people::LdapOptions>();
    auto pw_file = std::make_shared<std::string>();
    flags->Add(ldap);
    ldap->add_option("--url", lo->url, "ldap://host:port")->required();
    ldap->add_option("--base", lo->base, "Search base")->required();
    ldap->add_option("--bind-dn", lo->bind_dn, "Bind DN (default anonymous)");
    ldap->add_option("--password-file", *pw_file,
                     "File holding the bind password");
    ldap->add_option("--filter", lo->filter)->capture_default_str();
    ldap->add_option("--id-attr", lo->id_attr)->capture_default_str();
    ldap->add_option("--site-attr", lo->site_attr)->capture_default_str();
    ldap->add_option("--role-attr", lo->role_attr)->capture_default_str();
    add_guard(ldap);
    ldap->callback([&run, flags, lo, pw_file, print, guard] {
      run = [=]() -> int {
        if (!pw_file->empty()) {
          auto pw = ReadSecretFile(*pw_file);
          if (!pw.ok()) return Fail("steward", pw.status());
          lo->password = *pw;
        }
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto r = people::ImportLdap(**db, *lo, {ShellActor(), ""}, *guard);
        if (!r.ok()) return Fail("steward", r.status());
        return print(*r);
      };
    });
  }
  // steward remind
  {
    auto* cmd = app.add_subcommand(
        "remind",
        "Send today's acknowledgement reminders (run daily from cron)");
    auto flags = std::make_shared<StoreFlags>();
    flags->Add(cmd);
    auto o = std::make_shared<acknowledge::ReminderOptions>();
    cmd->add_option("--sendmail", o->sendmail)->capture_default_str();
    cmd->add_option("--from", o->from)->capture_default_str();
    cmd->add_option("--public-url,--portal-url", o->portal_url,
                    "The portal's address as people reach it, put in the "
                    "messages")
        ->capture_default_str();
    cmd->add_option("--campaign", o->campaign_id,
                    "Only this campaign (default: every open campaign)");
    cmd->add_option("--today", o->today, "YYYY-MM-DD (default: today)");
    cmd->add_flag("--dry-run", o->dry_run, "Count, send nothing");
    cmd->callback([&run, flags, o] {
      run = [=]() -> int {
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward", db.status());
        auto r = acknowledge::SendReminders(**db, *o);
        if (!r.ok()) return Fail("steward", r.status());
        for (const auto& e : r->errors)
          fmt::print(stderr, "steward remind: {}\n", e);
        fmt::print("{} reminders {}, {} failed\n", r->sent,
                   o->dry_run ? "due" : "sent", r->failed);
        return r->failed || !r->errors.empty() ? 1 : 0;
      };
    });
  }
}

}  // namespace steward::cli
