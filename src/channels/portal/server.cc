#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <thread>

#include "channels/portal/internal.h"
#include "core/csv.h"
#include "core/log.h"
#include "core/text.h"
#include "core/workbook.h"
#include "identity/attempts.h"

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
// The records register (docs/records.md): custodians change it; IT, the
// Superintendent's designee and auditors read it.
constexpr Roles kRecordsRead{Role::kRecordsCustodian, Role::kItsAdmin,
                             Role::kDesignee, Role::kAuditor};
constexpr Roles kRecordsWrite{Role::kRecordsCustodian};
// Site reports: IT, the designee, auditors, site administrators and the
// content managers who fix what they say (G.5).
// Held mail: every signed-in person has the page (their own held
// messages); who sees and decides each message is checked per message
// (held_pages.cc). Exports are for those with a queue.
constexpr Roles kHeldQueue{Role::kContentManager, Role::kSiteAdmin,
                           Role::kItsAdmin,       Role::kRecordsCustodian,
                           Role::kSupervisor,     Role::kAuditor,
                           Role::kDesignee};
// Requests for consent: every signed-in person asks and sees their own;
// who sees and decides each request is checked per request
// (approval_pages.cc). Exports are for those with a queue, as held mail's.
constexpr Roles kApprovalsQueue = kHeldQueue;
// Rulings (A.3, G.3): every signed-in person reads them; the
// Superintendent's designee issues and withdraws them.
constexpr Roles kRulingsWrite{Role::kDesignee};
// Vendors (E.6, E.7): ITS keeps the registry; every signed-in person reads
// which vendors are approved for what.
constexpr Roles kVendorsWrite = kIts;
// Equipment (R, K.7, K.8): ITS keeps the register, an auditor reads it;
// every employee sees and acknowledges their own.
constexpr Roles kEquipmentRead{Role::kItsAdmin, Role::kAuditor};
// The directory's accounts (N.1, N.2): ITS and auditors read the lists.
constexpr Roles kDirectoryRead{Role::kItsAdmin, Role::kAuditor};
// Incidents: ITS and the designee triage them, auditors read; every
// employee reports.
constexpr Roles kIncidentsRead{Role::kItsAdmin, Role::kDesignee,
                               Role::kAuditor};
constexpr Roles kIncidentsWrite{Role::kItsAdmin, Role::kDesignee};
constexpr Roles kSitesRead{Role::kItsAdmin, Role::kDesignee, Role::kAuditor,
                           Role::kSiteAdmin, Role::kContentManager};

struct Entry {
  RouteInfo info;
  Handler handler;
  Body body = Body::kForm;
};

const std::vector<Entry>& Table() {
  static const std::vector<Entry> kTable = {
      {{"GET", "/", "/", kSignedIn}, HomePage},
      {{"GET", "/sign-in", "/sign-in", kAnyone}, SignInPage},
      {{"POST", "/sign-in", "/sign-in", kAnyone}, SignInPost, Body::kSignIn},
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
       ImportOneRosterPost,
       Body::kUpload},
      {{"POST", "/import/employees", "/import/employees", kIts},
       ImportEmployeesPost,
       Body::kUpload},
      {{"GET", "/versions", "/versions", kAdminRead}, VersionsPage},
      {{"POST", "/versions", "/versions", kPolicyWrite},
       VersionPost,
       Body::kUpload},
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
      {{"GET", "/records", "/records", kRecordsRead}, RecordsPage},
      {{"GET", "/sites", "/sites", kSitesRead}, SitesPage},
      {{"GET", "/sites/audits/(\\d+)", "/sites/audits/1", kSitesRead},
       SiteAuditPage},
      {{"GET", "/sites/audits/(\\d+)/findings.csv",
        "/sites/audits/1/findings.csv", kSitesRead},
       SiteAuditCsv},
      // Student content review: every employee submits; who sees and
      // decides each item is checked per item (review_pages.cc).
      {{"GET", "/review", "/review", kSignedIn}, ReviewPage},
      {{"POST", "/review", "/review", kSignedIn},
       ReviewSubmitPost,
       Body::kUpload},
      {{"GET", "/review/(\\d+)", "/review/1", kSignedIn}, SubmissionPage},
      {{"GET", "/review/(\\d+)/download", "/review/1/download", kSignedIn},
       ReviewDownload},
      {{"POST", "/review/(\\d+)/approve", "/review/1/approve", kSignedIn},
       ReviewApprovePost},
      {{"POST", "/review/(\\d+)/return", "/review/1/return", kSignedIn},
       ReviewReturnPost},
      {{"GET", "/incidents", "/incidents", kIncidentsRead}, IncidentsPage},
      {{"GET", "/incidents\\.csv", "/incidents.csv", kIncidentsRead},
       IncidentsCsv},
      {{"GET", "/incidents\\.xlsx", "/incidents.xlsx", kIncidentsRead},
       IncidentsXlsx},
      {{"GET", "/incidents/(\\d+)", "/incidents/1", kIncidentsRead},
       IncidentPage},
      {{"POST", "/incidents/(\\d+)", "/incidents/1", kIncidentsWrite},
       IncidentPost},
      {{"POST", "/incidents/(\\d+)/evidence", "/incidents/1/evidence",
        kIncidentsWrite},
       IncidentEvidencePost},
      {{"GET", "/report", "/report", kSignedIn}, ReportPage},
      {{"POST", "/report", "/report", kSignedIn, false, std::nullopt, true},
       ReportPost},
      {{"GET", "/approvals", "/approvals", kSignedIn}, ApprovalsPage},
      {{"GET", "/approvals/new", "/approvals/new", kSignedIn}, ApprovalNewPage},
      {{"POST", "/approvals", "/approvals", kSignedIn}, ApprovalCreatePost},
      {{"GET", "/approvals\\.csv", "/approvals.csv", kApprovalsQueue},
       ApprovalsCsv},
      {{"GET", "/approvals\\.xlsx", "/approvals.xlsx", kApprovalsQueue},
       ApprovalsXlsx},
      {{"GET", "/approvals/(\\d+)", "/approvals/1", kSignedIn}, ApprovalPage},
      {{"POST", "/approvals/(\\d+)/decide", "/approvals/1/decide", kSignedIn},
       ApprovalDecidePost},
      {{"POST", "/approvals/(\\d+)/withdraw", "/approvals/1/withdraw",
        kSignedIn},
       ApprovalWithdrawPost},
      {{"GET", "/rulings", "/rulings", kSignedIn}, RulingsPage},
      {{"GET", "/rulings\\.csv", "/rulings.csv", kSignedIn}, RulingsCsv},
      {{"GET", "/rulings\\.xlsx", "/rulings.xlsx", kSignedIn}, RulingsXlsx},
      {{"GET", "/rulings/new", "/rulings/new", kRulingsWrite}, RulingNewPage},
      {{"POST", "/rulings", "/rulings", kRulingsWrite}, RulingCreatePost},
      {{"GET", "/rulings/(\\d+)", "/rulings/1", kSignedIn}, RulingPage},
      {{"POST", "/rulings/(\\d+)/withdraw", "/rulings/1/withdraw",
        kRulingsWrite},
       RulingWithdrawPost},
      {{"GET", "/vendors", "/vendors", kSignedIn}, VendorsPage},
      {{"GET", "/vendors\\.csv", "/vendors.csv", kSignedIn}, VendorsCsv},
      {{"GET", "/vendors\\.xlsx", "/vendors.xlsx", kSignedIn}, VendorsXlsx},
      {{"GET", "/vendors/new", "/vendors/new", kVendorsWrite}, VendorNewPage},
      {{"POST", "/vendors", "/vendors", kVendorsWrite}, VendorCreatePost},
      {{"GET", "/vendors/(\\d+)", "/vendors/1", kSignedIn}, VendorPage},
      {{"POST", "/vendors/(\\d+)/agreements", "/vendors/1/agreements",
        kVendorsWrite},
       AgreementCreatePost},
      {{"POST", "/agreements/(\\d+)/term", "/agreements/1/term", kVendorsWrite},
       AgreementTermPost},
      {{"POST", "/agreements/(\\d+)/attest", "/agreements/1/attest",
        kVendorsWrite},
       AgreementAttestPost},
      {{"POST", "/agreements/(\\d+)/end", "/agreements/1/end", kVendorsWrite},
       AgreementEndPost},
      {{"GET", "/directory", "/directory", kDirectoryRead}, DirectoryPage},
      {{"GET", "/directory\\.csv", "/directory.csv", kDirectoryRead},
       DirectoryCsv},
      {{"GET", "/directory\\.xlsx", "/directory.xlsx", kDirectoryRead},
       DirectoryXlsx},
      {{"GET", "/equipment", "/equipment", kEquipmentRead}, EquipmentPage},
      {{"GET", "/equipment\\.csv", "/equipment.csv", kEquipmentRead},
       EquipmentCsv},
      {{"GET", "/equipment\\.xlsx", "/equipment.xlsx", kEquipmentRead},
       EquipmentXlsx},
      {{"GET", "/equipment/new", "/equipment/new", kIts}, EquipmentNewPage},
      {{"POST", "/equipment", "/equipment", kIts}, EquipmentCreatePost},
      {{"POST", "/equipment/import", "/equipment/import", kIts},
       EquipmentImportPost,
       Body::kUpload},
      {{"GET", "/equipment/mine", "/equipment/mine", kSignedIn},
       EquipmentMinePage},
      {{"GET", "/equipment/(\\d+)", "/equipment/1", kEquipmentRead},
       EquipmentAssetPage},
      {{"POST", "/equipment/(\\d+)/issue", "/equipment/1/issue", kIts},
       EquipmentIssuePost},
      {{"POST", "/equipment/(\\d+)/return", "/equipment/1/return", kIts},
       EquipmentReturnPost},
      {{"POST", "/equipment/(\\d+)/report", "/equipment/1/report", kIts},
       EquipmentReportPost},
      {{"POST", "/equipment/(\\d+)/ask-again", "/equipment/1/ask-again", kIts},
       EquipmentAskAgainPost},
      {{"POST", "/equipment/(\\d+)/retire", "/equipment/1/retire", kIts},
       EquipmentRetirePost},
      {{"POST", "/equipment/(\\d+)/edit", "/equipment/1/edit", kIts},
       EquipmentEditPost},
      {{"POST", "/charges/(\\d+)/settle", "/charges/1/settle", kIts},
       ChargeSettlePost},
      {{"GET", "/equipment/issues/(\\d+)", "/equipment/issues/1", kSignedIn},
       EquipmentIssuePage},
      {{"POST", "/equipment/issues/(\\d+)/accept", "/equipment/issues/1/accept",
        kSignedIn},
       EquipmentAcceptPost},
      {{"GET", "/held", "/held", kSignedIn}, HeldPage},
      {{"GET", "/held\\.csv", "/held.csv", kHeldQueue}, HeldCsv},
      {{"GET", "/held\\.xlsx", "/held.xlsx", kHeldQueue}, HeldXlsx},
      {{"GET", "/held/(\\d+)", "/held/1", kSignedIn}, HeldMessagePage},
      {{"POST", "/held/(\\d+)/release", "/held/1/release", kSignedIn},
       HeldReleasePost},
      {{"POST", "/held/(\\d+)/release-internal", "/held/1/release-internal",
        kSignedIn},
       HeldReleaseInternalPost},
      {{"POST", "/held/(\\d+)/delete", "/held/1/delete", kSignedIn},
       HeldDeletePost},
      {{"GET", "/records/lists/(\\d+)", "/records/lists/1", kRecordsRead},
       RecordsListPage},
      {{"GET", "/records/lists/(\\d+)/list.csv", "/records/lists/1/list.csv",
        kRecordsRead},
       RecordsListCsv},
      {{"POST", "/records/holds", "/records/holds", kRecordsWrite},
       RecordsHoldPost},
      {{"POST", "/records/holds/(\\d+)/release", "/records/holds/1/release",
        kRecordsWrite},
       RecordsHoldReleasePost},
      {{"POST", "/records/lists", "/records/lists", kRecordsWrite},
       RecordsListPost},
      {{"POST", "/records/lists/(\\d+)/decide", "/records/lists/1/decide",
        kRecordsWrite},
       RecordsListDecidePost},
      {{"POST", "/records/items/(\\d+)/class", "/records/items/1/class",
        kRecordsWrite},
       RecordsClassPost},
      {{"GET", "/records/requests", "/records/requests", kRecordsRead},
       RequestsPage},
      {{"GET", "/records/requests/(\\d+)", "/records/requests/1", kRecordsRead},
       RequestPage},
      {{"POST", "/records/requests", "/records/requests", kRecordsWrite},
       RequestIntakePost},
      {{"POST", "/records/requests/(\\d+)", "/records/requests/1",
        kRecordsWrite},
       RequestActionPost},
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
      {{"GET", "/api/incidents", "/api/incidents", kIncidentsRead, true},
       ApiIncidents},
      {{"GET", "/api/incidents/(\\d+)", "/api/incidents/1", kIncidentsRead,
        true},
       ApiIncident},
      {{"GET", "/api/approvals", "/api/approvals", kSignedIn, true},
       ApiApprovals},
      {{"GET", "/api/approvals/(\\d+)", "/api/approvals/1", kSignedIn, true},
       ApiApproval},
      {{"POST", "/api/approvals/(\\d+)/decide", "/api/approvals/1/decide",
        kSignedIn, true},
       ApiApprovalDecide},
      {{"GET", "/api/rulings", "/api/rulings", kSignedIn, true}, ApiRulings},
      {{"GET", "/api/rulings/(\\d+)", "/api/rulings/1", kSignedIn, true},
       ApiRuling},
      {{"GET", "/api/vendors", "/api/vendors", kSignedIn, true}, ApiVendors},
      {{"GET", "/api/vendors/(\\d+)", "/api/vendors/1", kSignedIn, true},
       ApiVendor},
      {{"GET", "/api/directory", "/api/directory", kDirectoryRead, true},
       ApiDirectory},
      {{"GET", "/api/equipment", "/api/equipment", kEquipmentRead, true},
       ApiEquipment},
      {{"GET", "/api/equipment/(\\d+)", "/api/equipment/1", kEquipmentRead,
        true},
       ApiEquipmentAsset},
      {{"GET", "/api/held", "/api/held", kSignedIn, true}, ApiHeld},
      {{"GET", "/api/held/(\\d+)", "/api/held/1", kSignedIn, true}, ApiHeldOne},
      {{"POST", "/api/held/(\\d+)/decide", "/api/held/1/decide", kSignedIn,
        true},
       ApiHeldDecide},
      {{"GET", "/api/records/items", "/api/records/items", kRecordsRead, true},
       ApiRecordsItems},
      {{"GET", "/api/records/holds", "/api/records/holds", kRecordsRead, true},
       ApiRecordsHolds},
      {{"POST", "/api/campaigns/(\\d+)/acknowledge",
        "/api/campaigns/1/acknowledge", kSignedIn, true},
       ApiAcknowledge},
      {{"POST", "/api/publish/check", "/api/publish/check", kAnyone, true,
        identity::Scope::kPublishCheck},
       ApiPublishCheck,
       Body::kCheck},
  };
  return kTable;
}

std::string CookieValue(const http::Request& req, const std::string& name) {
  std::string header = req.Header("Cookie");
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

// True when an absolute http or https address (an Origin or a Referer)
// names the host the request was sent to, case aside. The scheme is not
// compared: behind a proxy that ends TLS the portal itself is reached
// over plain HTTP.
bool NamesOurHost(const std::string& address, std::string host) {
  const std::string lower = core::AsciiLower(address);
  size_t start = 0;
  if (lower.rfind("http://", 0) == 0) {
    start = 7;
  } else if (lower.rfind("https://", 0) == 0) {
    start = 8;
  } else {
    return false;
  }
  std::string authority = lower.substr(start);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  host = core::AsciiLower(host);
  return !host.empty() && authority == host;
}

// A state-changing request must come from our own pages: same origin when
// the browser says, and the session's CSRF token (form field or header).
// "Origin: null" (a sandboxed frame, a page behind a cross-site redirect,
// a file) is nobody's page of ours and is refused; a browser that sends
// no Origin is held to its Referer when it sends one. Every line of these
// fields counts (an empty one, or two, are no browser's and are refused).
bool CsrfOk(const Ctx& c) {
  if (c.req.HasHeader("Sec-Fetch-Site")) {
    std::string site = c.req.HeaderAll("Sec-Fetch-Site");
    if (site != "same-origin" && site != "none") return false;
  }
  const std::string host = c.req.Header("Host");
  if (c.req.HasHeader("Origin")) {
    if (!NamesOurHost(c.req.HeaderAll("Origin"), host)) return false;
  } else if (c.req.HasHeader("Referer")) {
    if (!NamesOurHost(c.req.HeaderAll("Referer"), host)) return false;
  }
  if (!c.session) return true;  // sign-in: no session yet; origin checked
  // The token from the header or the form's body; never from the query
  // (an address lands in logs and Referer headers).
  if (c.req.query_names.count("csrf")) return false;
  std::string token = c.req.Header("X-CSRF-Token");
  if (token.empty()) token = c.Param("csrf");
  return ConstantTimeEquals(token, c.session->csrf);
}

void SecurityHeaders(http::Response& res) {
  res.SetHeader("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; object-src 'none'; frame-src 'self'; "
                "frame-ancestors 'self'; base-uri 'none'; form-action 'self'");
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetHeader("Referrer-Policy", "same-origin");
  res.SetHeader("X-Frame-Options", "SAMEORIGIN");
}

// A notice shown once on the next page ("" clears it).
std::string NoticeCookie(const std::string& notice, bool secure) {
  std::string c = "steward_notice=" + http::UrlEncode(notice) +
                  "; Path=/; HttpOnly; SameSite=Strict";
  c += notice.empty() ? "; Max-Age=0" : "; Max-Age=60";
  if (secure) c += "; Secure";
  return c;
}

}  // namespace

std::string ContentDisposition(const std::string& disposition,
                               const std::string& name) {
  std::string plain;
  for (char ch : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ||
              ch == '-' || ch == '_';
    plain += ok ? ch : '_';
  }
  if (plain.empty()) plain = "download";
  return disposition + "; filename=\"" + plain + "\"; filename*=UTF-8''" +
         http::UrlEncode(name);
}

int HandlerThreads(const Options& o) {
  if (o.threads > 0) return std::max(o.threads, 2);
  return std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
}

namespace {

http::RouteLimits LimitsOf(Body body, const Options& o) {
  switch (body) {
    case Body::kNone:
      return {1024, 10};
    case Body::kSignIn:
      // A quarter of the handler threads at most: a flood of anonymous
      // sign-ins (each an argon2id hash) leaves the rest to people who are
      // signed in.
      return {4096, 10,
              static_cast<unsigned>(std::max(2, HandlerThreads(o) / 4))};
    case Body::kForm:
      // A ruling's 8,000 characters of any script, percent-encoded.
      return {256 << 10, 30};
    case Body::kUpload:
      return {o.max_upload, 600};
    case Body::kCheck:
      // A page, a photo or a document, no larger than the pack lets the
      // gate read; each read costs a core for a moment, so half the
      // handler threads at most are spent on them.
      return {
          o.pack && o.pack->publish.present
              ? std::min<size_t>(o.max_upload, o.pack->publish.max_page_bytes)
              : o.max_upload,
          120, static_cast<unsigned>(std::max(1, HandlerThreads(o) / 2))};
  }
  return {1024, 10};
}

// Fills c.session from the cookie; false (and c.res holds the answer) when
// the route needs someone signed in with another role.
bool Authorize(Ctx& c, bool on_head = false) {
  if (c.route.token) {
    // A program's route: its bearer token, never a session's cookie.
    const std::string auth = c.req.Header("Authorization");
    constexpr std::string_view kBearer = "bearer ";  // caseless (RFC 7235)
    if (auth.size() > kBearer.size() &&
        core::AsciiLower(auth.substr(0, kBearer.size())) == kBearer) {
      // On the request's head (an I/O thread) the store is only read.
      auto t = identity::CheckToken(*c.app.db, auth.substr(kBearer.size()),
                                    *c.route.token, !on_head);
      if (t.ok()) {
        c.token = std::move(t).value();
        return true;
      }
      if (t.status().code() != core::Code::kNotFound) {
        c.Fail(503, "Tokens cannot be checked now; try again shortly.");
        return false;
      }
    }
    c.res.SetHeader("WWW-Authenticate", "Bearer realm=\"steward\"");
    c.Json({{"error",
             "Send a token: Authorization: Bearer TOKEN (IT Services makes "
             "one with `steward token create`)."}},
           401);
    return false;
  }
  std::string token = CookieValue(c.req, kCookie);
  if (!token.empty()) {
    c.session = c.app.sessions.Get(token);
    if (!c.session) {
      const bool unseen =
          c.route.anonymous_form && c.Param("anonymous") == "yes";
      auto s = identity::Authenticate(*c.app.db, token, !unseen);
      if (s.ok()) {
        c.app.sessions.Put(*s);
        c.session = std::move(s).value();
      }
    }
  }
  const Roles need = c.route.roles;
  if (need.bits() == 0) return true;
  if (!c.session) {
    if (c.route.api) {
      c.Json({{"error", "Sign in first."}}, 401);
    } else {
      c.res.status = 303;
      c.res.SetHeader("Location",
                      "/sign-in?next=" + http::UrlEncode(c.req.path));
    }
    return false;
  }
  if (!c.session->account.roles.Intersects(need)) {
    c.Fail(403,
           "Your role does not allow this page. If you need it, ask "
           "IT Services.");
    return false;
  }
  return true;
}

bool MetricsAllowed(const Portal::Impl& app, const http::Request& req) {
  const std::string& token = app.options.metrics_token;
  if (!token.empty()) {
    return ConstantTimeEquals(req.Header("Authorization"), "Bearer " + token);
  }
  bool loopback = req.peer == "::1" || req.peer.rfind("127.", 0) == 0;
  // Through a proxy on this machine a request carries forwarding fields
  // (any line of them, empty or not): that is not this machine asking.
  return loopback && !req.HasHeader("X-Forwarded-For") &&
         !req.HasHeader("Forwarded");
}

void AddServerMetrics(const http::Server& server, core::MetricsPage& page) {
  http::Counters c = server.counters();
  const char* refused = "steward_http_refused_total";
  const char* refused_help =
      "Requests and connections refused before a handler, by reason.";
  for (const auto& [reason, n] : {std::pair{"body_too_large", c.body_too_large},
                                  {"headers_too_large", c.headers_too_large},
                                  {"address_limit", c.address_limit},
                                  {"timed_out", c.timed_out},
                                  {"busy", c.busy}}) {
    page.Counter(refused, refused_help, static_cast<double>(n),
                 {{"reason", reason}});
  }
  page.Counter("steward_http_handler_errors_total",
               "Requests that failed with 500.",
               static_cast<double>(c.handler_errors));
  page.Gauge("steward_http_open_connections", "Connections open now.",
             static_cast<double>(c.open_connections));
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

bool RateLimit::Allow(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  // Now and then, keys with nothing recent go: the map stays small.
  if (seen_.size() > 10000)
    std::erase_if(seen_, [&](const auto& kv) {
      return kv.second.empty() || now - kv.second.back() > window_;
    });
  auto& times = seen_[key];
  std::erase_if(times, [&](auto t) { return now - t > window_; });
  if (times.size() >= max_) return false;
  times.push_back(now);
  return true;
}

int64_t Ctx::Id(size_t i) const {
  if (i >= req.matches.size()) return 0;
  const std::string& digits = req.matches[i];
  // One spelling a thing: "/held/007" is not held message 7.
  if (digits.size() > 1 && digits[0] == '0') return 0;
  int64_t id = 0;
  auto [p, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), id);
  // Digits only by the route's pattern; an id out of range matches nothing.
  return ec == std::errc() && p == digits.data() + digits.size() ? id : 0;
}

std::string Ctx::Param(const std::string& name) const {
  if (req.HasParam(name)) return req.Param(name);
  if (req.HasFile(name)) return req.File(name).content;
  return "";
}

audit::Filter AuditFilterOf(const Ctx& c, int default_limit) {
  audit::Filter f;
  // Valid UTF-8, cut at a character: PostgreSQL refuses a parameter that
  // is not (the page a 500, the API a 503 quoting the query).
  auto text = [&](const char* name, size_t max_bytes) {
    return identity::CleanField(c.Param(name), max_bytes);
  };
  f.actor = text("actor", 100);
  f.action = text("action", 100);
  f.since = text("since", 25);
  f.until = text("until", 25);
  f.text = text("text", 100);
  // Out of range or not a number: as if not given (the newest entries, the
  // default page size).
  auto before = core::ParseInt(c.Param("before"), 0, INT64_MAX, "before");
  f.before_seq = before.ok() ? *before : 0;
  auto limit = core::ParseInt(c.Param("limit"), 1, 1000, "limit");
  f.limit = limit.ok() ? static_cast<int>(*limit) : default_limit;
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
    d.set("nav_records", can(kRecordsRead));
    d.set("nav_sites", can(kSitesRead));
    d.set("nav_review", true);
    d.set("nav_held", true);
    d.set("nav_incidents", can(kIncidentsRead));
    d.set("nav_equipment", can(kEquipmentRead));
    d.set("nav_directory", can(kDirectoryRead));
    d.set("can_export_held", can(kHeldQueue));
    d.set("nav_accounts", can(kAdminRead));
    d.set("can_import", can(kIts));
    d.set("can_write_policy", can(kPolicyWrite));
    d.set("can_set_permission", can(kPermissionWrite));
    d.set("can_export", can(kAdminRead));
    d.set("can_manage_accounts", can(kIts));
  }
  std::string notice = CookieValue(req, "steward_notice");
  if (!notice.empty()) {
    d.set("notice", http::UrlDecode(notice, false));
    // Shown once.
    res.AddHeader("Set-Cookie", NoticeCookie("", app.options.secure_cookies));
  }
  return d;
}

void Ctx::Html(const std::string& tmpl, Data& data, int status) {
  res.status = status;
  res.SetContent(app.view.Render(tmpl, data), "text/html; charset=utf-8");
}

void Ctx::Json(const nlohmann::json& body, int status) {
  res.status = status;
  res.SetContent(Dump(body), "application/json");
}

void Ctx::SeeOther(const std::string& to, const std::string& notice) {
  res.status = 303;
  res.SetHeader("Location", to);
  if (!notice.empty()) {
    res.AddHeader("Set-Cookie",
                  NoticeCookie(notice, app.options.secure_cookies));
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
  res.SetHeader("Content-Disposition",
                ContentDisposition("attachment", filename));
  res.SetContent(body, type);
}

void Ctx::DownloadTable(const std::string& stem, bool xlsx,
                        const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  if (!xlsx) {
    std::string out = core::CsvRow(header) + "\r\n";
    for (const auto& row : rows) out += core::CsvRow(row) + "\r\n";
    Download(out, "text/csv; charset=utf-8", stem + ".csv");
    return;
  }
  // The sheet's name: the stem in words ("held-mail": "held mail").
  std::string sheet = stem;
  std::replace(sheet.begin(), sheet.end(), '-', ' ');
  auto book = core::TableXlsx(sheet, header, rows);
  if (!book.ok()) {
    Fail(503, "The workbook cannot be made now: " + book.status().message());
    return;
  }
  Download(*book,
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           stem + ".xlsx");
}

void Metrics::Observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  auto& s = routes_[route];
  s.seconds.Observe(seconds);
  ++s.by_status[status];
}

void Metrics::AddTo(core::MetricsPage& page) const {
  std::lock_guard lock(mu_);
  for (const auto& [route, s] : routes_) {
    for (const auto& [status, n] : s.by_status) {
      page.Counter("steward_http_requests_total",
                   "Requests served, by route and status.",
                   static_cast<double>(n),
                   {{"route", route}, {"status", std::to_string(status)}});
    }
  }
  for (const auto& [route, s] : routes_) {
    page.Histogram("steward_http_request_seconds", "Time to answer, by route.",
                   s.seconds.Snapshot(), {{"route", route}});
  }
  page.Counter("steward_sign_ins_total", "Sign-in attempts by result.",
               static_cast<double>(sign_in_ok_.load()), {{"result", "ok"}});
  page.Counter("steward_sign_ins_total", "Sign-in attempts by result.",
               static_cast<double>(sign_in_failed_.load()),
               {{"result", "failed"}});
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
  app.home_figures.set_ttl(std::chrono::seconds(app.options.dashboard_seconds));
  app.directory_totals.set_ttl(
      std::chrono::seconds(app.options.dashboard_seconds));
  app.directory_pages.set_ttl(
      std::chrono::seconds(app.options.dashboard_seconds));
  app.record_counts.set_ttl(
      std::chrono::seconds(app.options.dashboard_seconds));
  http::Options http = app.options.http;
  http.host = app.options.host;
  http.port = app.options.port;
  http.workers = static_cast<unsigned>(HandlerThreads(app.options));
  Impl* self = &app;
  // What the server refuses before a page runs (a file too large to
  // upload, no such page, too busy) reads like the portal's own pages, or
  // as JSON for the API.
  http.refusal_page = [self](const http::Request& req, http::Response& r) {
    SecurityHeaders(r);
    std::string text = r.body;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (req.path.rfind("/api/", 0) == 0) {
      r.SetContent(Dump({{"error", text}}), "application/json");
      return;
    }
    Data d;
    d.set("title", r.status == 404                      ? "Not found"
                   : r.status == 405                    ? "Not allowed"
                   : r.status == 413 || r.status == 414 ? "Too large"
                   : r.status == 429 || r.status == 503 ? "Busy"
                                                        : "Problem");
    d.set("district", self->options.district_name);
    d.set("message", r.status == 413 ? text +
                                           " Go back and send less: a "
                                           "smaller file (or one in parts), "
                                           "or a shorter text."
                                     : text);
    d.set("status", std::to_string(r.status));
    r.SetContent(self->view.Render("error", d), "text/html; charset=utf-8");
  };
  app.server = std::make_unique<http::Server>(http);
  http::Server& svr = *app.server;

  for (const auto& entry : Table()) {
    const Entry* e = &entry;
    auto handle = [self, e](const http::Request& req, http::Response& res) {
      auto start = std::chrono::steady_clock::now();
      SecurityHeaders(res);
      Ctx c{req, res, *self, e->info, std::nullopt};
      if (!Authorize(c)) {
        // c.res holds the refusal.
      } else if (e->info.method == "POST" && !e->info.token && !CsrfOk(c)) {
        c.Fail(403,
               "This form is stale or came from another site. Go back, "
               "reload the page and try again.");
      } else {
        e->handler(c);  // an exception: http::Server's error page below
        // A change through the portal shows on the next home page and list
        // of whoever made it, not 10 seconds later. Only a signed-in
        // person's change that succeeded: refused or anonymous posts (a
        // flood of failed sign-ins) must not make every page count again.
        if (e->info.method != "GET" && c.session && res.status < 400) {
          self->home_figures.InvalidateAll();
          self->directory_totals.InvalidateAll();
          self->directory_pages.InvalidateAll();
        }
      }
      if (c.session) res.SetHeader("Cache-Control", "no-store");
      double seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      self->metrics.Observe(e->info.method + " " + e->info.example, res.status,
                            seconds);
      if (self->options.access_log) {
        // The route, never the path or query: they may name a student.
        core::Log(core::Event("request")
                      .Str("method", e->info.method)
                      .Str("route", e->info.example)
                      .Int("status", res.status)
                      .Num("ms", std::round(seconds * 1e4) / 10)
                      .Str("user", c.unnamed   ? std::string()
                                   : c.session ? c.session->account.username
                                   : c.token   ? "token:" + c.token->name
                                               : std::string()));
      }
    };
    // A body is read only for someone who may send it: for uploads the
    // session and role are checked on the request's head.
    http::Admit admit;
    if (e->body == Body::kUpload || e->info.token) {
      admit = [self,
               e](const http::Request& req) -> std::optional<http::Response> {
        http::Response res;
        SecurityHeaders(res);
        Ctx c{req, res, *self, e->info, std::nullopt};
        if (Authorize(c, /*on_head=*/true)) return std::nullopt;
        return res;
      };
    }
    svr.Handle(
        entry.info.method, entry.info.pattern,
        LimitsOf(e->info.method == "GET" ? Body::kNone : e->body, app.options),
        handle, admit);
  }
  // The page for a handler that threw, with the logged reference.
  svr.SetErrorPage([self](const http::Request& req, http::Response& res,
                          const std::string& reference) {
    static const RouteInfo kError{"GET", "", "", Roles{}};
    SecurityHeaders(res);
    Ctx c{req, res, *self, kError, std::nullopt};
    c.Fail(500,
           "Something went wrong on our side; it has been logged. Try "
           "again, and if it happens again tell IT Services reference " +
               reference + ".");
  });
  constexpr http::RouteLimits kNoBody{1024, 10};
  svr.Handle(
      "GET", "/healthz", kNoBody,
      [self](const http::Request&, http::Response& res) {
        auto rows = self->db->Query("SELECT 1");
        res.status = rows.ok() ? 200 : 503;
        res.SetContent(rows.ok() ? "ok\n" : "database unavailable\n",
                       "text/plain");
      },
      nullptr, true);
  svr.Handle(
      "GET", "/metrics", kNoBody,
      [self](const http::Request& req, http::Response& res) {
        if (!MetricsAllowed(*self, req)) {
          res.status = 403;
          res.SetContent(
              "Metrics are served to this machine, or with the metrics "
              "token.\n",
              "text/plain");
          return;
        }
        core::MetricsPage page;
        self->metrics.AddTo(page);
        AddServerMetrics(*self->server, page);
        res.SetContent(page.Text(), "text/plain; version=0.0.4");
      },
      nullptr, true);
  auto serve_file = [](const std::string& path, const char* type,
                       http::Response& res) {
    auto bytes = core::ReadFile(path, 4u << 20);
    if (!bytes.ok()) {
      res.status = 404;
      res.SetContent("Not found.\n", "text/plain");
      return;
    }
    SecurityHeaders(res);
    res.SetHeader("Cache-Control", "public, max-age=3600");
    res.SetContent(std::move(bytes).value(), type);
  };
  struct Asset {
    const char* path;
    const char* type;
  };
  for (Asset a : {Asset{"/static/steward.css", "text/css"},
                  Asset{"/static/portal.js", "text/javascript"},
                  Asset{"/static/htmx.min.js", "text/javascript"}}) {
    std::string file =
        std::string(a.path) == "/static/htmx.min.js"
            ? app.options.htmx_path
            : app.options.static_dir + "/" + std::string(a.path).substr(8);
    svr.Handle(
        "GET", a.path, kNoBody,
        [file, type = a.type, serve_file](const http::Request&,
                                          http::Response& res) {
          serve_file(file, type, res);
        },
        nullptr, true);
  }
  return p;
}

Portal::~Portal() = default;

core::Result<int> Portal::Bind() {
  auto& app = *impl_;
  auto port = app.server->Start();
  if (!port.ok()) return port.status();
  app.port = *port;
  return app.port;
}

core::Status Portal::Run() {
  impl_->server->Wait();
  return {};
}

void Portal::Stop() { impl_->server->Stop(); }

}  // namespace steward::portal
