// What the command line and the portal both build from a store and a pack,
// without the command line's parser: the publishing kit (a site audit's and
// the publishing gate's engine and auditor), the portal's publishing gate,
// and the records register's reader. Linked by the tests that exercise the
// portal and the register as the `steward` command wires them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "channels/portal/portal.h"
#include "engine/engine.h"
#include "publish/audit.h"
#include "records/register.h"
#include "store/database.h"

namespace steward::cli {

// The engine and the auditor a site audit and the publishing gate judge
// with: the store's active students (with their parents' publishing
// permissions) as the roster, the pack's [publish] lists and `ad_filters`
// files (EasyList syntax) besides.
struct PublishKit {
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<publish::Auditor> auditor;  // uses *engine
  size_t students = 0;
};
core::Result<std::shared_ptr<const PublishKit>> MakePublishKit(
    store::Database& db, engine::Options engine_options,
    const std::vector<std::string>& ad_filters = {});
// The portal's publishing gate over `db`: a kit made at the first item and
// made again, from the store as it is then, once `refresh_seconds` have
// passed (students and permissions change); items meanwhile are judged by
// the kit at hand. Thread-safe.
portal::PublishGate MakePublishGate(const std::shared_ptr<store::Database>& db,
                                    const engine::Options& engine_options,
                                    int refresh_seconds = 300);
// How the records register reads an item: through `engine` (which must
// outlive it), for its findings' categories and a message's header facts.
// One thread at a time.
records::Reader RecordsReader(const engine::Engine& engine);

}  // namespace steward::cli
