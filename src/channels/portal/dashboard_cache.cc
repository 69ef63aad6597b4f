#include "channels/portal/dashboard_cache.h"

namespace steward::portal {

namespace {

core::Result<std::shared_ptr<const DashboardSnapshot>> Compute(
    store::Database& db, const acknowledge::Campaign& c) {
  auto snap = std::make_shared<DashboardSnapshot>();
  snap->as_of = store::NowUtc();
  auto completion = acknowledge::CompletionOf(db, c);
  if (!completion.ok()) return completion.status();
  snap->completion = std::move(completion).value();
  auto st = acknowledge::EachStatus(
      db, c, true, [&](const acknowledge::StatusRow& r) {
        if (snap->missing.size() == DashboardSnapshot::kMissingShown) {
          snap->more_missing = true;
          return false;
        }
        snap->missing.push_back(r);
        return true;
      });
  if (!st.ok()) return st;
  return std::shared_ptr<const DashboardSnapshot>(std::move(snap));
}

}  // namespace

core::Result<std::shared_ptr<const DashboardSnapshot>> DashboardCache::Get(
    store::Database& db, const acknowledge::Campaign& c) {
  std::unique_lock lock(mu_);
  for (;;) {
    Entry& e = entries_[c.id];
    bool fresh = e.snapshot && Clock::now() - e.at < ttl_;
    if (fresh) return e.snapshot;
    if (e.computing) {
      if (e.snapshot) return e.snapshot;  // a little stale beats waiting
      cv_.wait(lock);
      continue;
    }
    e.computing = true;
    lock.unlock();
    auto computed = Compute(db, c);
    lock.lock();
    Entry& done = entries_[c.id];
    done.computing = false;
    if (computed.ok()) {
      done.snapshot = *computed;
      done.at = Clock::now();
    }
    cv_.notify_all();
    return computed;
  }
}

core::Result<std::shared_ptr<const std::vector<acknowledge::Campaign>>>
DashboardCache::Campaigns(store::Database& db) {
  {
    std::lock_guard lock(mu_);
    if (campaigns_ && Clock::now() - campaigns_at_ < ttl_) return campaigns_;
  }
  auto list = acknowledge::Campaigns(db);
  if (!list.ok()) return list.status();
  auto shared = std::make_shared<const std::vector<acknowledge::Campaign>>(
      std::move(list).value());
  std::lock_guard lock(mu_);
  campaigns_ = shared;
  campaigns_at_ = Clock::now();
  return shared;
}

void DashboardCache::InvalidateCampaigns() {
  std::lock_guard lock(mu_);
  campaigns_.reset();
}

void DashboardCache::Invalidate(int64_t campaign_id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(campaign_id);
  if (it != entries_.end()) it->second.at = Clock::time_point{};
}

}  // namespace steward::portal
