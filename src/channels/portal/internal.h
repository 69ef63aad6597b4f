// Internal to the portal: the state every handler shares, the request
// context, and the handlers the route table names.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/chain.h"
#include "channels/http/server.h"
#include "channels/portal/dashboard_cache.h"
#include "channels/portal/portal.h"
#include "channels/portal/session_cache.h"
#include "channels/portal/view.h"
#include "core/metrics.h"
#include "directory/directory.h"
#include "quarantine/quarantine.h"

namespace steward::portal {

// Prometheus counters and a latency histogram, by route.
class Metrics {
 public:
  void Observe(const std::string& route, int status, double seconds);
  void SignIn(bool ok) { (ok ? sign_in_ok_ : sign_in_failed_)++; }
  // Adds the requests by route and status, their times, and the sign-ins.
  void AddTo(core::MetricsPage& page) const;

 private:
  struct Series {
    core::Histogram seconds{0.001, 0.005, 0.01, 0.025, 0.05,
                            0.1,   0.25,  0.5,  1,     5};
    std::map<int, uint64_t> by_status;
  };
  mutable std::mutex mu_;
  std::map<std::string, Series> routes_;
  std::atomic<uint64_t> sign_in_ok_{0}, sign_in_failed_{0};
};

// A row of the records page's counts by class and state.
struct RecordCount {
  std::string record_class, state;
  int64_t count = 0;
};

// At most `max` events per key within `window`, counted in memory.
class RateLimit {
 public:
  RateLimit(size_t max, std::chrono::seconds window)
      : max_(max), window_(window) {}
  // Counts one event for `key`; false (and not counted) past the bound.
  bool Allow(const std::string& key);

 private:
  size_t max_;
  std::chrono::seconds window_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>>
      seen_;
};

// The home page's figures that are the same for everyone with the same
// roles (the queues waiting for them): kept per role set for
// `dashboard_seconds` (home_figures), so a crowd signing in at 8 a.m. pays
// for one count of each queue, not one each. What concerns the person
// alone (their own messages, equipment, password) is read every time.
class Figures {
 public:
  void Count(const std::string& key, int64_t n) {
    counts_.emplace_back(key, n);
  }
  void Text(const std::string& key, const std::string& value) {
    texts_.emplace_back(key, value);
  }
  void ApplyTo(Data& d) const {
    for (const auto& [key, n] : counts_) SetCount(d, key, n);
    for (const auto& [key, value] : texts_) d.set(key, value);
  }

 private:
  std::vector<std::pair<std::string, int64_t>> counts_;
  std::vector<std::pair<std::string, std::string>> texts_;
};

// A page of a directory list as kept, with the read it comes from.
struct DirectoryRows {
  int64_t read = 0;
  std::vector<directory::Listed> rows;
};

struct Portal::Impl {
  Options options;
  std::shared_ptr<store::Database> db;
  std::shared_ptr<const identity::PasswordPolicy> policy;
  store::Blobs blobs{""};
  identity::Throttle throttle;
  View view;
  Metrics metrics;
  DashboardCache dashboards{std::chrono::milliseconds(10000)};
  // The records page's counts (a GROUP BY over every item), kept as long as
  // the dashboard's figures.
  TtlCache<int, std::vector<RecordCount>> record_counts{
      std::chrono::milliseconds(10000)};
  // The home page's queue counts, by role set (Figures) and, for a
  // supervisor, whose (their reports' queue is theirs alone).
  TtlCache<std::pair<uint16_t, int64_t>, Figures> home_figures{
      std::chrono::milliseconds(10000)};
  // The directory lists' totals without a search, by view and semester.
  TtlCache<std::string, int64_t> directory_totals{
      std::chrono::milliseconds(10000)};
  // Their first pages without a search, by view, semester and page, with
  // the read they come from (directory_pages.cc).
  TtlCache<std::string, DirectoryRows> directory_pages{
      std::chrono::milliseconds(10000)};
  SessionCache sessions;
  // Employees' reports of problems: ten an hour from one account.
  RateLimit report_limit{10, std::chrono::hours(1)};
  std::unique_ptr<http::Server> server;
  int port = 0;
};

// One request as a handler sees it.
struct Ctx {
  const http::Request& req;
  http::Response& res;
  Portal::Impl& app;
  const RouteInfo& route;
  std::optional<identity::Session> session;
  // A token route: the program's token (no session is read there).
  std::optional<identity::ApiToken> token = std::nullopt;
  // Set by a handler whose sender asked to stay unnamed (an anonymous
  // report): the access log then names no one.
  bool unnamed = false;

  // Path parameter i (1-based) as an id.
  int64_t Id(size_t i = 1) const;
  std::string Param(const std::string& name) const;
  // The client's address (through trusted proxies; see http::Options).
  std::string Ip() const { return req.remote_addr; }
  identity::Actor Actor() const;
  // Base page data: the user, the CSRF token, navigation by role.
  Data Page(const std::string& title) const;
  // `data` is the page's: rendering adds to it, and never copies it (a
  // page's lists can be long).
  void Html(const std::string& tmpl, Data& data, int status = 200);
  void Html(const std::string& tmpl, Data&& data, int status = 200) {
    Html(tmpl, data, status);
  }
  void Json(const nlohmann::json& body, int status = 200);
  // Redirect after POST, with an optional notice shown on the next page.
  void SeeOther(const std::string& to, const std::string& notice = "");
  // A page or JSON error in words for people.
  void Fail(int status, const std::string& message);
  void Download(const std::string& body, const std::string& type,
                const std::string& filename);
  // A table as STEM.csv (cells quoted, formulas defused) or STEM.xlsx (one
  // sheet, text cells).
  void DownloadTable(const std::string& stem, bool xlsx,
                     const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows);
};

using Handler = void (*)(Ctx&);

// The audit log's filter from a request's parameters (page and API alike).
audit::Filter AuditFilterOf(const Ctx& c, int default_limit);

// Pages (pages.cc).
void HomePage(Ctx&);
void SignInPage(Ctx&);
void SignInPost(Ctx&);
void SignOutPost(Ctx&);
void SignOutEverywherePost(Ctx&);
void AccountPage(Ctx&);
void PasswordPost(Ctx&);
void AcknowledgePage(Ctx&);
void DocumentGet(Ctx&);
void AcknowledgePost(Ctx&);
void DashboardPage(Ctx&);
void PeoplePage(Ctx&);
void PersonPage(Ctx&);
void PermissionPost(Ctx&);
void ImportPage(Ctx&);
void ImportOneRosterPost(Ctx&);
void ImportEmployeesPost(Ctx&);
void VersionsPage(Ctx&);
void VersionPost(Ctx&);
void CampaignsPage(Ctx&);
void CampaignPost(Ctx&);
void CampaignExportCsv(Ctx&);
void CampaignExportXlsx(Ctx&);
void CampaignCancelCsv(Ctx&);
void RecordPage(Ctx&);
void RemindPost(Ctx&);
void AuditPage(Ctx&);
void AccountsPage(Ctx&);
void AccountCreatePost(Ctx&);
void AccountRolesPost(Ctx&);
void AccountDisablePost(Ctx&);
void AccountUnlockPost(Ctx&);
// Records (records_pages.cc).
void RecordsPage(Ctx&);
// The site reports (sites_pages.cc).
void SitesPage(Ctx&);
void SiteAuditPage(Ctx&);
void SiteAuditCsv(Ctx&);
// Student content review (review_pages.cc).
void ReviewPage(Ctx&);
void ReviewSubmitPost(Ctx&);
void SubmissionPage(Ctx&);
void ReviewApprovePost(Ctx&);
void ReviewReturnPost(Ctx&);
void ReviewDownload(Ctx&);
void RecordsListPage(Ctx&);
void RecordsListCsv(Ctx&);
void RecordsHoldPost(Ctx&);
void RecordsHoldReleasePost(Ctx&);
void RecordsListPost(Ctx&);
void RecordsListDecidePost(Ctx&);
void RecordsClassPost(Ctx&);
void ApiRecordsItems(Ctx&);
void ApiRecordsHolds(Ctx&);
void RequestsPage(Ctx&);
void RequestPage(Ctx&);
void RequestIntakePost(Ctx&);
void RequestActionPost(Ctx&);
// Held mail (held_pages.cc).
void HeldPage(Ctx&);
// The clauses with their titles as the portal's pack words them (id,
// title), for a page's list.
List ClauseList(const Ctx& c, const std::vector<std::string>& ids);
// Whether this person may see a held message (its sender, those who
// decide on it, ITS, auditors).
bool MaySeeHeld(const Ctx& c, const quarantine::Entry& e);
// A role's pack name ("designee") in words ("Superintendent's designee").
std::string RoleTitleOf(const std::string& name);
// Whether the signed-in person sent the held message (by envelope sender or
// the mail server's login).
bool SentHeld(const Ctx& c, const quarantine::Entry& e);
// The roles (pack names) the signed-in person decides for: every role they
// hold but employee and auditor; none for an auditor.
std::vector<std::string> DecidingRoles(const Ctx& c);
// Releases a held message because a request naming it was approved, under
// the held-mail rules (the approver must be one who may decide on it);
// the words for the approver either way.
std::string ReleaseApproved(Ctx& c, int64_t held_id, const std::string& reason);
// The home page's counts, each part when asked for (the others null): into
// `mine` what concerns the person alone, into `queues` what everyone with
// their roles sees alike. Held mail: their own messages held; the messages
// waiting for their roles' decision.
void AddHeldCounts(const Ctx& c, Data* mine, Figures* queues);
void HeldMessagePage(Ctx&);
void HeldReleasePost(Ctx&);
void HeldReleaseInternalPost(Ctx&);
void HeldDeletePost(Ctx&);
void HeldCsv(Ctx&);
void HeldXlsx(Ctx&);
void ApiHeld(Ctx&);
void ApiHeldOne(Ctx&);
void ApiHeldDecide(Ctx&);
// Incidents and reports (incident_pages.cc).
void IncidentsPage(Ctx&);
void IncidentPage(Ctx&);
void IncidentPost(Ctx&);
void IncidentEvidencePost(Ctx&);
void IncidentsCsv(Ctx&);
void IncidentsXlsx(Ctx&);
void ReportPage(Ctx&);
void ReportPost(Ctx&);
void ApiIncidents(Ctx&);
void ApiIncident(Ctx&);
// The home page's counts: new incidents, and those assigned to this person
// (for those who triage).
void AddIncidentCounts(const Ctx& c, Data* mine, Figures* queues);
// Run when an account is disabled or its roles change: the incidents it
// may no longer hold go back to no one (in the same transaction).
identity::AccountHook HandBackIncidents(const Ctx& c);
// Approvals (approval_pages.cc).
void ApprovalsPage(Ctx&);
void ApprovalNewPage(Ctx&);
void ApprovalCreatePost(Ctx&);
void ApprovalPage(Ctx&);
void ApprovalDecidePost(Ctx&);
void ApprovalWithdrawPost(Ctx&);
void ApprovalsCsv(Ctx&);
void ApprovalsXlsx(Ctx&);
void ApiApprovals(Ctx&);
void ApiApproval(Ctx&);
void ApiApprovalDecide(Ctx&);
// The home page's counts: requests waiting for this person's decision, and
// their own requests still waiting.
void AddApprovalCounts(const Ctx& c, Data* mine, Figures* queues);
// Rulings (ruling_pages.cc).
void RulingsPage(Ctx&);
void RulingPage(Ctx&);
void RulingNewPage(Ctx&);
void RulingCreatePost(Ctx&);
void RulingWithdrawPost(Ctx&);
void RulingsCsv(Ctx&);
void RulingsXlsx(Ctx&);
void ApiRulings(Ctx&);
void ApiRuling(Ctx&);
// A large export (a register's every row as CSV or XLSX) holds its rows and
// workbook in memory: at most two are made at once. Taken() is false, and
// the page says to try again, when both are busy.
class ExportSlot {
 public:
  explicit ExportSlot(Ctx& c);
  ~ExportSlot();
  ExportSlot(const ExportSlot&) = delete;
  ExportSlot& operator=(const ExportSlot&) = delete;
  bool Taken() const { return taken_; }

 private:
  bool taken_ = false;
};

// Whether the signed-in person acts for ITS on a register: an ITS
// administrator who is not also an auditor (an auditor changes nothing).
bool ItsWrites(const Ctx& c);
// The District's day (YYYY-MM-DD) by the pack's time zone; UTC's without
// a pack.
std::string DistrictDay(const Ctx& c);

// The vendor registry (vendor_pages.cc).
void VendorsPage(Ctx&);
void VendorPage(Ctx&);
void VendorNewPage(Ctx&);
void VendorCreatePost(Ctx&);
void AgreementCreatePost(Ctx&);
void AgreementTermPost(Ctx&);
void AgreementAttestPost(Ctx&);
void AgreementEndPost(Ctx&);
void VendorsCsv(Ctx&);
void VendorsXlsx(Ctx&);
void ApiVendors(Ctx&);
void ApiVendor(Ctx&);
// Equipment (equipment_pages.cc).
void EquipmentPage(Ctx&);
void EquipmentCsv(Ctx&);
void EquipmentXlsx(Ctx&);
void EquipmentNewPage(Ctx&);
void EquipmentCreatePost(Ctx&);
void EquipmentImportPost(Ctx&);
void EquipmentMinePage(Ctx&);
void EquipmentAssetPage(Ctx&);
void EquipmentIssuePost(Ctx&);
void EquipmentReturnPost(Ctx&);
void EquipmentReportPost(Ctx&);
void EquipmentAskAgainPost(Ctx&);
void EquipmentRetirePost(Ctx&);
void EquipmentEditPost(Ctx&);
void ChargeSettlePost(Ctx&);
void EquipmentIssuePage(Ctx&);
void EquipmentAcceptPost(Ctx&);
void ApiEquipment(Ctx&);
void ApiEquipmentAsset(Ctx&);
// The directory's accounts (directory_pages.cc; N.1, N.2).
void DirectoryPage(Ctx&);
void DirectoryCsv(Ctx&);
void DirectoryXlsx(Ctx&);
void ApiDirectory(Ctx&);
// The home page's accounts: the person's own password when it is due this
// semester; for ITS, the accounts with no employee and the passwords late.
void AddDirectoryCounts(const Ctx& c, Data* mine, Figures* queues);
// The home page's equipment: what the person holds and must acknowledge;
// for ITS, what departed employees hold, the end of life, charges owed.
void AddEquipmentCounts(const Ctx& c, Data* mine, Figures* queues);
// The home page's counts for ITS: agreements expiring, vendors not in force.
void AddVendorCounts(const Ctx& c, Data* mine, Figures* queues);
// The rulings in force, as rows for a page beside the regulation (the
// newest 200; `more` says whether there are others).
List RulingsInForce(const Ctx& c, bool* more);
// API (api.cc).
void ApiSession(Ctx&);
void ApiPeople(Ctx&);
void ApiCampaigns(Ctx&);
void ApiCompletion(Ctx&);
void ApiAudit(Ctx&);
void ApiAcknowledge(Ctx&);
void ApiPublishCheck(Ctx&);

}  // namespace steward::portal
