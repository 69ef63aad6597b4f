// Completion figures of a campaign, computed at most once per `ttl` however
// many people look at the dashboard: with 50,000 employees a tally scans
// them all, and a board meeting's worth of browsers must not each pay for
// it. One caller computes while the others get the previous figures (or wait
// for the first ones). An acknowledgement through the portal invalidates its
// campaign, so the person who just acknowledged sees it counted. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "acknowledge/campaigns.h"

namespace steward::portal {

struct DashboardSnapshot {
  acknowledge::Completion completion;
  std::vector<acknowledge::StatusRow> missing;  // the first kMissingShown
  bool more_missing = false;
  std::string as_of;  // ISO-8601 UTC
  static constexpr size_t kMissingShown = 100;
  // The tables, chart and list rendered once as HTML, the first time a page
  // needs them: they are the same for everyone who may see them.
  const std::string& Html(const std::function<std::string()>& render) const {
    std::call_once(rendered_, [&] { html_ = render(); });
    return html_;
  }

 private:
  mutable std::once_flag rendered_;
  mutable std::string html_;
};

class DashboardCache {
 public:
  explicit DashboardCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}
  void set_ttl(std::chrono::milliseconds ttl) { ttl_ = ttl; }  // before use
  core::Result<std::shared_ptr<const DashboardSnapshot>> Get(
      store::Database& db, const acknowledge::Campaign& c);
  void Invalidate(int64_t campaign_id);
  // The list of campaigns, kept as long as the figures; a new campaign
  // invalidates it.
  core::Result<std::shared_ptr<const std::vector<acknowledge::Campaign>>>
  Campaigns(store::Database& db);
  void InvalidateCampaigns();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::shared_ptr<const DashboardSnapshot> snapshot;
    Clock::time_point at;
    bool computing = false;
  };
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, Entry> entries_;
  std::shared_ptr<const std::vector<acknowledge::Campaign>> campaigns_;
  Clock::time_point campaigns_at_;
};

}  // namespace steward::portal
