// The governance portal: server-rendered pages and a JSON API over the store,
// served by http::Server (libmicrohttpd's event loop and a pool of handler
// threads; see channels/http/server.h for what a client may cost).
//
// Every route declares the roles that may use it (Routes()); the dispatcher
// checks the session, the role and, for anything that changes state, the
// CSRF token and the request's origin, before a handler runs. Pages work
// without JavaScript; htmx and a small script improve them where present.
// Responses carry a strict Content-Security-Policy, and pages for a signed-in
// person are never cached.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "acknowledge/campaigns.h"
#include "channels/http/server.h"
#include "core/status.h"
#include "identity/accounts.h"
#include "identity/passwords.h"
#include "identity/roles.h"
#include "identity/tokens.h"
#include "policy/pack.h"
#include "store/blobs.h"
#include "store/database.h"

namespace steward::portal {

// An item sent to the publishing gate (POST /api/publish/check).
struct GateItem {
  std::string url;           // where it will be published; "" when not said
  std::string name;          // its file name, when sent
  std::string content_type;  // as sent
  std::string bytes;
  std::string who;  // "token:NAME", the program asking
};
// The gate's verdict JSON for an item; an error (kInvalidArgument: the
// item's fault, kLimit: too large, others: the server's) otherwise.
using PublishGate =
    std::function<core::Result<nlohmann::ordered_json>(const GateItem&)>;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;             // 0: any free port (tests)
  std::string data_dir;        // blobs, uploads
  std::string static_dir;      // steward.css, portal.js
  std::string htmx_path;       // htmx.min.js from npm; "" when absent
  bool secure_cookies = true;  // false only behind plain HTTP off localhost
  bool access_log = true;
  // Handler threads (connections cost none while idle); 0: twice the
  // processors, at least 4. Pages are mostly processor work: more threads
  // than that share the processors and only stretch every request's time
  // (docs/performance.md).
  int threads = 0;
  int dashboard_seconds = 10;  // completion figures are recomputed this often
  size_t max_upload = 64u << 20;  // imports and regulation documents
  // Connections, header and time limits, trusted proxies (X-Forwarded-For).
  http::Options http;
  // /metrics: with a token, only `Authorization: Bearer TOKEN`; without,
  // only from this machine (a loopback peer, not through a proxy).
  std::string metrics_token;
  // Reminders from the dashboard and the hourly pass; reminders.portal_url
  // is the portal's public URL (`steward serve --public-url`), put in mails.
  acknowledge::ReminderOptions reminders;
  // An import that would mark more than this share (percent) of a source's
  // people departed is refused unless its form's box is ticked.
  int max_departed_percent = 20;
  identity::LdapSignIn ldap;  // employees sign in with the directory
  std::string district_name = "Demo Unified School District";
  // The policy pack: its [records] rules decide what the records pages
  // show about retention. Null: the records pages say there is none.
  std::shared_ptr<const policy::PolicyPack> pack;
  // The publishing gate; null: its route answers 503.
  PublishGate publish_gate;
  // The sendmail program that re-injects released held mail; "": the
  // portal releases nothing (deleting still works).
  std::string sendmail;
};

// One entry of the route table, as the authorization matrix test sees it.
struct RouteInfo {
  std::string method;     // GET or POST
  std::string pattern;    // "/campaigns/(\\d+)" — regex, ids are digits
  std::string example;    // "/campaigns/1" — a concrete path for tests
  identity::Roles roles;  // who may; empty set: anyone, signed in or not
  bool api = false;       // JSON: 401/403 bodies, CSRF from a header
  // For programs: a bearer token of this scope instead of a session (no
  // cookie is read, so there is nothing to forge across sites).
  std::optional<identity::Scope> token = std::nullopt;
  // A form whose sender may ask to stay unnamed (`anonymous=yes`, an
  // anonymous report): their session is then read without being marked
  // as seen, so no stored time ties them to it.
  bool anonymous_form = false;
};

// The handler threads `o` asks for (Options::threads resolved).
int HandlerThreads(const Options& o);

// How much a route lets a client send (see the limits in server.cc).
enum class Body {
  kNone,    // GET: nothing
  kSignIn,  // a user name and a password, before anyone is known
  kForm,    // an ordinary form of a signed-in person
  kUpload,  // a file (imports, regulation documents): Options::max_upload
  kCheck,   // an item for the publishing gate: Options::max_upload, and
            // half the handler threads at most
};

// A Content-Disposition value ("attachment" or "inline") for a file name
// from anywhere: plain characters in `filename`, the name percent-encoded in
// `filename*` (RFC 6266), so nothing in it can end the field.
std::string ContentDisposition(const std::string& disposition,
                               const std::string& name);

class Portal {
 public:
  // Ready to serve `db` (migrated). `policy` judges new passwords.
  static core::Result<std::unique_ptr<Portal>> Create(
      Options options, std::shared_ptr<store::Database> db,
      std::shared_ptr<const identity::PasswordPolicy> policy);
  ~Portal();
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  // Binds; returns the port (useful with port 0). Then Run() blocks until
  // Stop() (from another thread or a signal handler's thread).
  core::Result<int> Bind();
  core::Status Run();
  void Stop();

  static const std::vector<RouteInfo>& Routes();

  struct Impl;  // internal.h; handlers share it

 private:
  Portal() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::portal
