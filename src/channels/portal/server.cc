#include <fmt/format.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <regex>

#include "channels/portal/internal.h"
#include "core/text.h"

namespace steward::portal {

using identity::Role;
using identity::Roles;

namespace {

constexpr const char* kCookie = "steward_session";

// Who may read what. Kept here, in one table, so a reviewer sees every grant.
constexpr Roles kAnyone{};
constexpr Roles kSignedIn = Roles::All();
constexpr Roles kAdminRead{Role::kItsAdmin, Role::kDesignee, Role::kAuditor};
constexpr Roles kDashboard{Role::kItsAdmin, Role::kDesignee, Role::kAuditor,
                           Role::kSiteAdmin};
constexpr Roles kPeopleRead{Role::kItsAdmin,       Role::kDesignee,
                            Role::kAuditor,        Role::kSiteAdmin,
                            Role::kContentManager, Role::kRecordsCustodian};
constexpr Roles kPermissionWrite{Role::kItsAdmin, Role::kSiteAdmin};
constexpr Roles kIts{Role::kItsAdmin};
constexpr Roles kPolicyWrite{Role::kItsAdmin, Role::kDesignee};
constexpr Roles kAuditRead{Role::kItsAdmin, Role::kDesignee, Role::kAuditor,
                           Role::kRecordsCustodian};
constexpr Roles kRecordRead{Role::kItsAdmin, Role::kDesignee, Role::kAuditor,
                            Role::kSupervisor};

struct Entry {
  RouteInfo info;
  Handler handler;
};

const std::vector<Entry>& Table() {
  static const std::vector<Entry> kTable = {
      {{"GET", "/", "/", kSignedIn}, HomePage},
      {{"GET", "/sign-in", "/sign-in", kAnyone}, SignInPage},
      {{"POST", "/sign-in", "/sign-in", kAnyone}, SignInPost},
      {{"POST", "/sign-out", "/sign-out", kSignedIn}, SignOutPost},
      {{"POST", "/sign-out-everywhere", "/sign-out-everywhere", kSignedIn},
       SignOutEverywherePost},
      {{"GET", "/account", "/account", kSignedIn}, AccountPage},
      {{"POST", "/account/password", "/account/password", kSignedIn},
       PasswordPost},
      {{"GET", "/acknowledge/(\\d+)", "/acknowledge/1", kSignedIn},
       AcknowledgePage},
      {{"GET", "/acknowledge/(\\d+)/document", "/acknowledge/1/document",
        kSignedIn},
       DocumentGet},
      {{"POST", "/acknowledge/(\\d+)", "/acknowledge/1", kSignedIn},
       AcknowledgePost},
      {{"GET", "/dashboard", "/dashboard", kDashboard}, DashboardPage},
      {{"GET", "/people", "/people", kPeopleRead}, PeoplePage},
      {{"GET", "/people/(\\d+)", "/people/1", kPeopleRead}, PersonPage},
      {{"POST", "/people/(\\d+)/permission", "/people/1/permission",
        kPermissionWrite},
       PermissionPost},
      {{"GET", "/import", "/import", kIts}, ImportPage},
      {{"POST", "/import/oneroster", "/import/oneroster", kIts},
       ImportOneRosterPost},
      {{"POST", "/import/employees", "/import/employees", kIts},
       ImportEmployeesPost},
      {{"GET", "/versions", "/versions", kAdminRead}, VersionsPage},
      {{"POST", "/versions", "/versions", kPolicyWrite}, VersionPost},
      {{"GET", "/campaigns", "/campaigns", kDashboard}, CampaignsPage},
      {{"POST", "/campaigns", "/campaigns", kPolicyWrite}, CampaignPost},
      {{"GET", "/campaigns/(\\d+)/completion.csv",
        "/campaigns/1/completion.csv", kAdminRead},
       CampaignExportCsv},
      {{"GET", "/campaigns/(\\d+)/completion.xlsx",
        "/campaigns/1/completion.xlsx", kAdminRead},
       CampaignExportXlsx},
      {{"GET", "/campaigns/(\\d+)/cancellations.csv",
        "/campaigns/1/cancellations.csv", kAdminRead},
       CampaignCancelCsv},
      {{"GET", "/campaigns/(\\d+)/record/(\\d+)", "/campaigns/1/record/1",
        kRecordRead},
       RecordPage},
      {{"POST", "/campaigns/(\\d+)/remind", "/campaigns/1/remind", kIts},
       RemindPost},
      {{"GET", "/audit", "/audit", kAuditRead}, AuditPage},
      {{"GET", "/accounts", "/accounts", kAdminRead}, AccountsPage},
      {{"POST", "/accounts", "/accounts", kIts}, AccountCreatePost},
      {{"POST", "/accounts/(\\d+)/roles", "/accounts/1/roles", kIts},
       AccountRolesPost},
      {{"POST", "/accounts/(\\d+)/disable", "/accounts/1/disable", kIts},
       AccountDisablePost},
      {{"POST", "/accounts/(\\d+)/unlock", "/accounts/1/unlock", kIts},
       AccountUnlockPost},
      {{"GET", "/api/session", "/api/session", kSignedIn, true}, ApiSession},
      {{"GET", "/api/people", "/api/people", kPeopleRead, true}, ApiPeople},
      {{"GET", "/api/campaigns", "/api/campaigns", kDashboard, true},
       ApiCampaigns},
      {{"GET", "/api/campaigns/(\\d+)/completion",
        "/api/campaigns/1/completion", kDashboard, true},
       ApiCompletion},
      {{"GET", "/api/audit", "/api/audit", kAuditRead, true}, ApiAudit},
      {{"POST", "/api/campaigns/(\\d+)/acknowledge",
        "/api/campaigns/1/acknowledge", kSignedIn, true},
       ApiAcknowledge},
  };
  return kTable;
}

std::string CookieValue(const httplib::Request& req, const std::string& name) {
  std::string header = req.get_header_value("Cookie");
  size_t at = 0;
  while (at < header.size()) {
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(at, end - at);
    pair.erase(0, pair.find_first_not_of(' '));
    if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

// A state-changing request must come from our own pages: same origin when
// the browser says, and the session's CSRF token (form field or header).
bool CsrfOk(const Ctx& c) {
  std::string site = c.req.get_header_value("Sec-Fetch-Site");
  if (!site.empty() && site != "same-origin" && site != "none") return false;
  std::string origin = c.req.get_header_value("Origin");
  if (!origin.empty() && origin != "null") {
    std::string host = c.req.get_header_value("Host");
    auto scheme = origin.find("://");
    if (scheme == std::string::npos || origin.substr(scheme + 3) != host) {
      return false;
    }
  }
  if (!c.session) return true;  // sign-in: no session yet; origin checked
  std::string token = c.req.get_header_value("X-CSRF-Token");
  if (token.empty()) token = c.Param("csrf");
  return ConstantTimeEquals(token, c.session->csrf);
}

void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                 "script-src 'self'; object-src 'none'; frame-src 'self'; "
                 "frame-ancestors 'self'; base-uri 'none'; form-action 'self'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("X-Frame-Options", "SAMEORIGIN");
}

}  // namespace

const std::vector<RouteInfo>& Portal::Routes() {
  static const std::vector<RouteInfo> kRoutes = [] {
    std::vector<RouteInfo> out;
    for (const auto& e : Table()) out.push_back(e.info);
    return out;
  }();
  return kRoutes;
}

int64_t Ctx::Id(size_t i) const {
  if (i >= req.matches.size()) return 0;
  try {
    return std::stoll(req.matches[i].str());
  } catch (...) {  // digits only by the route's pattern; overflow is 0
    return 0;
  }
}

std::string Ctx::Param(const std::string& name) const {
  if (req.has_param(name)) return req.get_param_value(name);
  if (req.has_file(name)) return req.get_file_value(name).content;
  return "";
}

audit::Filter AuditFilterOf(const Ctx& c, int default_limit) {
  audit::Filter f;
  f.actor = c.Param("actor").substr(0, 100);
  f.action = c.Param("action").substr(0, 100);
  f.since = c.Param("since").substr(0, 25);
  f.until = c.Param("until").substr(0, 25);
  f.text = c.Param("text").substr(0, 100);
  f.before_seq = std::atoll(c.Param("before").c_str());
  f.limit = std::clamp(std::atoi(c.Param("limit").c_str()), 0, 1000);
  if (f.limit == 0) f.limit = default_limit;
  return f;
}

identity::Actor Ctx::Actor() const {
  return {session ? session->account.username : "anonymous", Ip()};
}

Data Ctx::Page(const std::string& title) const {
  Data d;
  d.set("title", title);
  d.set("district", app.options.district_name);
  d.set("htmx", !app.options.htmx_path.empty());
  if (session) {
    const auto& a = session->account;
    d.set("signed_in", true);
    d.set("user_name", a.display_name);
    d.set("username", a.username);
    d.set("csrf", session->csrf);
    auto can = [&](Roles roles) { return a.roles.Intersects(roles); };
    d.set("nav_dashboard", can(kDashboard));
    d.set("nav_people", can(kPeopleRead));
    d.set("nav_campaigns", can(kDashboard));
    d.set("nav_versions", can(kAdminRead));
    d.set("nav_import", can(kIts));
    d.set("nav_audit", can(kAuditRead));
    d.set("nav_accounts", can(kAdminRead));
    d.set("can_import", can(kIts));
    d.set("can_write_policy", can(kPolicyWrite));
    d.set("can_set_permission", can(kPermissionWrite));
    d.set("can_export", can(kAdminRead));
    d.set("can_manage_accounts", can(kIts));
  }
  std::string notice = CookieValue(req, "steward_notice");
  if (!notice.empty()) {
    d.set("notice", httplib::detail::decode_url(notice, true));
    // Shown once.
    res.set_header("Set-Cookie",
                   "steward_notice=; Path=/; Max-Age=0; SameSite=Strict");
  }
  return d;
}

void Ctx::Html(const std::string& tmpl, Data data, int status) {
  res.status = status;
  res.set_content(app.view.Render(tmpl, data), "text/html; charset=utf-8");
}

void Ctx::Json(const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(Dump(body), "application/json");
}

void Ctx::SeeOther(const std::string& to, const std::string& notice) {
  res.status = 303;
  res.set_header("Location", to);
  if (!notice.empty()) {
    res.set_header(
        "Set-Cookie",
        "steward_notice=" + httplib::detail::encode_query_param(notice) +
            "; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
  }
}

void Ctx::Fail(int status, const std::string& message) {
  if (route.api) {
    Json({{"error", message}}, status);
    return;
  }
  Data d = Page(status == 404   ? "Not found"
                : status == 403 ? "Not allowed"
                                : "Problem");
  d.set("message", message);
  d.set("status", std::to_string(status));
  Html("error", d, status);
}

void Ctx::Download(const std::string& body, const std::string& type,
                   const std::string& filename) {
  res.set_header("Content-Disposition",
                 "attachment; filename=\"" + filename + "\"");
  res.set_content(body, type);
}

void Metrics::Observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  auto& s = routes_[route];
  ++s.count;
  s.sum += seconds;
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) ++s.buckets[i];
  }
  ++s.by_status[status];
}

std::string Metrics::Text() const {
  std::lock_guard lock(mu_);
  std::string out =
      "# HELP steward_http_requests_total Requests served, by route and "
      "status.\n# TYPE steward_http_requests_total counter\n";
  for (const auto& [route, s] : routes_) {
    for (const auto& [status, n] : s.by_status) {
      out += fmt::format(
          "steward_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
          route, status, n);
    }
  }
  out +=
      "# HELP steward_http_request_seconds Time to answer, by route.\n# TYPE "
      "steward_http_request_seconds histogram\n";
  for (const auto& [route, s] : routes_) {
    for (size_t i = 0; i < std::size(kBuckets); ++i) {
      out += fmt::format(
          "steward_http_request_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
          route, kBuckets[i], s.buckets[i]);
    }
    out += fmt::format(
        "steward_http_request_seconds_bucket{{route=\"{0}\",le=\"+Inf\"}} "
        "{1}\nsteward_http_request_seconds_sum{{route=\"{0}\"}} "
        "{2}\nsteward_http_request_seconds_count{{route=\"{0}\"}} {1}\n",
        route, s.count, s.sum);
  }
  out += fmt::format(
      "# HELP steward_sign_ins_total Sign-in attempts by result.\n# TYPE "
      "steward_sign_ins_total counter\nsteward_sign_ins_total{{result=\"ok\"}} "
      "{}\nsteward_sign_ins_total{{result=\"failed\"}} {}\n",
      sign_in_ok_.load(), sign_in_failed_.load());
  return out;
}

core::Result<std::unique_ptr<Portal>> Portal::Create(
    Options options, std::shared_ptr<store::Database> db,
    std::shared_ptr<const identity::PasswordPolicy> policy) {
  std::unique_ptr<Portal> p(new Portal());
  p->impl_ = std::make_unique<Impl>();
  Impl& app = *p->impl_;
  app.options = std::move(options);
  app.db = std::move(db);
  app.policy = std::move(policy);
  app.blobs = store::Blobs(app.options.data_dir + "/blobs");
  app.dashboards.set_ttl(std::chrono::seconds(app.options.dashboard_seconds));
  auto& svr = app.server;
  int threads = std::max(app.options.threads, 4);
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(app.options.max_upload);
  svr.set_read_timeout(30, 0);
  svr.set_write_timeout(30, 0);
  svr.set_keep_alive_max_count(200);
  // Headers and body go out in separate writes: without this, Nagle and
  // delayed ACKs add 40 ms to every keep-alive response.
  svr.set_tcp_nodelay(true);
  // The library listens with a backlog of 5: a burst of new connections (a
  // school signing in at 8:00) would have SYNs dropped and retried after a
  // second. The listening socket is noted here and given a real backlog in
  // Bind().
  svr.set_socket_options([self = &app](socket_t sock) {
    httplib::default_socket_options(sock);
    self->listen_fd = sock;
  });

  Impl* self = &app;
  for (const auto& entry : Table()) {
    const Entry* e = &entry;
    auto handle = [self, e](const httplib::Request& req,
                            httplib::Response& res) {
      auto start = std::chrono::steady_clock::now();
      SecurityHeaders(res);
      Ctx c{req, res, *self, e->info, std::nullopt};
      std::string token = CookieValue(req, kCookie);
      if (!token.empty()) {
        c.session = self->sessions.Get(token);
        if (!c.session) {
          auto s = identity::Authenticate(*self->db, token);
          if (s.ok()) {
            self->sessions.Put(*s);
            c.session = std::move(s).value();
          }
        }
      }
      const Roles need = e->info.roles;
      if (need.bits() != 0 && !c.session) {
        if (e->info.api) {
          c.Json({{"error", "Sign in first."}}, 401);
        } else {
          c.res.status = 303;
          c.res.set_header(
              "Location",
              "/sign-in?next=" + httplib::detail::encode_query_param(req.path));
        }
      } else if (need.bits() != 0 &&
                 !c.session->account.roles.Intersects(need)) {
        c.Fail(403,
               "Your role does not allow this page. If you need it, ask "
               "IT Services.");
      } else if (e->info.method == "POST" && !CsrfOk(c)) {
        c.Fail(403,
               "This form is stale or came from another site. Go back, "
               "reload the page and try again.");
      } else {
        e->handler(c);
      }
      if (c.session) res.set_header("Cache-Control", "no-store");
      double seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      self->metrics.Observe(e->info.method + " " + e->info.example, res.status,
                            seconds);
      if (self->options.access_log) {
        // The path only: a query may hold search text about a student.
        std::fprintf(stderr,
                     "{\"at\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
                     "\"status\":%d,\"ms\":%.1f,\"user\":\"%s\"}\n",
                     store::NowUtc().c_str(), req.method.c_str(),
                     e->info.example.c_str(), res.status, seconds * 1000,
                     c.session ? c.session->account.username.c_str() : "");
      }
    };
    std::string pattern = entry.info.pattern;
    if (entry.info.method == "GET") {
      svr.Get(pattern, handle);
    } else {
      svr.Post(pattern, handle);
    }
  }
  svr.Get("/healthz", [self](const httplib::Request&, httplib::Response& res) {
    auto rows = self->db->Query("SELECT 1");
    res.status = rows.ok() ? 200 : 503;
    res.set_content(rows.ok() ? "ok\n" : "database unavailable\n",
                    "text/plain");
  });
  svr.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(self->metrics.Text(), "text/plain; version=0.0.4");
  });
  auto serve_file = [](const std::string& path, const char* type,
                       httplib::Response& res) {
    auto bytes = core::ReadFile(path, 4u << 20);
    if (!bytes.ok()) {
      res.status = 404;
      return;
    }
    SecurityHeaders(res);
    res.set_header("Cache-Control", "public, max-age=3600");
    res.set_content(std::move(bytes).value(), type);
  };
  svr.Get("/static/steward.css", [self, serve_file](const httplib::Request&,
                                                    httplib::Response& res) {
    serve_file(self->options.static_dir + "/steward.css", "text/css", res);
  });
  svr.Get("/static/portal.js", [self, serve_file](const httplib::Request&,
                                                  httplib::Response& res) {
    serve_file(self->options.static_dir + "/portal.js", "text/javascript", res);
  });
  svr.Get("/static/htmx.min.js",
          [self, serve_file](const httplib::Request&, httplib::Response& res) {
            if (self->options.htmx_path.empty()) {
              res.status = 404;
              return;
            }
            serve_file(self->options.htmx_path, "text/javascript", res);
          });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      SecurityHeaders(res);
      res.set_content("Not found.\n", "text/plain");
    }
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                               const std::exception_ptr&) {
    res.status = 500;
    res.set_content("Internal error; it has been logged.\n", "text/plain");
  });
  return p;
}

Portal::~Portal() = default;

core::Result<int> Portal::Bind() {
  auto& app = *impl_;
  if (app.options.port == 0) {
    app.port = app.server.bind_to_any_port(app.options.host);
  } else {
    app.port = app.server.bind_to_port(app.options.host, app.options.port)
                   ? app.options.port
                   : -1;
  }
  if (app.port <= 0) {
    return core::Status::Io(fmt::format("cannot listen on {}:{} (in use?)",
                                        app.options.host, app.options.port));
  }
  if (app.listen_fd >= 0) ::listen(app.listen_fd, 1024);
  return app.port;
}

core::Status Portal::Run() {
  if (!impl_->server.listen_after_bind()) {
    return core::Status::Io("the server stopped unexpectedly");
  }
  return {};
}

void Portal::Stop() { impl_->server.stop(); }

}  // namespace steward::portal
