// Completion figures of a campaign for the dashboard: with 50,000 employees
// a tally scans them all, so they are computed once per TTL (ttl_cache.h).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "acknowledge/campaigns.h"
#include "channels/portal/ttl_cache.h"

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

// The dashboard's figures per campaign, and the list of campaigns, each
// kept for `ttl` (TtlCache). An acknowledgement through the portal
// invalidates its campaign, so the person who just acknowledged sees it
// counted; a new campaign invalidates the list.
class DashboardCache {
 public:
  explicit DashboardCache(std::chrono::milliseconds ttl)
      : entries_(ttl), campaigns_(ttl) {}
  void set_ttl(std::chrono::milliseconds ttl) {  // before use
    entries_.set_ttl(ttl);
    campaigns_.set_ttl(ttl);
  }
  core::Result<std::shared_ptr<const DashboardSnapshot>> Get(
      store::Database& db, const acknowledge::Campaign& c);
  void Invalidate(int64_t campaign_id) { entries_.Invalidate(campaign_id); }
  core::Result<std::shared_ptr<const std::vector<acknowledge::Campaign>>>
  Campaigns(store::Database& db);
  void InvalidateCampaigns() { campaigns_.Invalidate(0); }

 private:
  TtlCache<int64_t, DashboardSnapshot> entries_;
  TtlCache<int, std::vector<acknowledge::Campaign>> campaigns_;
};

}  // namespace steward::portal
