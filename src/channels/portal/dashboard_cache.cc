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
  return entries_.Get(c.id, [&] { return Compute(db, c); });
}

core::Result<std::shared_ptr<const std::vector<acknowledge::Campaign>>>
DashboardCache::Campaigns(store::Database& db) {
  return campaigns_.Get(
      0,
      [&]() -> core::Result<
                std::shared_ptr<const std::vector<acknowledge::Campaign>>> {
        auto list = acknowledge::Campaigns(db);
        if (!list.ok()) return list.status();
        return std::make_shared<const std::vector<acknowledge::Campaign>>(
            std::move(list).value());
      });
}

}  // namespace steward::portal
