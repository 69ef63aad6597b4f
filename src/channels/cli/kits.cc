#include "channels/cli/kits.h"

#include <time.h>

#include <chrono>
#include <mutex>

#include "core/hash.h"
#include "core/text.h"
#include "extract/document.h"
#include "people/people.h"
#include "publish/gate.h"
#include "sites/registry.h"

namespace steward::cli {

namespace {

// Every active student in the store, as a roster for the engine (ids are
// the store's) and with what their parents allowed.
core::Result<std::shared_ptr<roster::Roster>> StudentsRoster(
    store::Database& db, std::vector<people::Person>* out) {
  auto r = std::make_shared<roster::Roster>();
  r->version = "store";
  int64_t after = 0;
  for (;;) {
    auto page = people::Find(db, {.kind = "student",
                                  .status = "active",
                                  .limit = 5000,
                                  .by_id = true,
                                  .after_id = after});
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (auto& p : *page) {
      after = p.id;
      roster::Person rp;
      rp.id = std::to_string(p.id);
      rp.given = p.given_name;
      rp.family = p.family_name;
      rp.role = "student";
      rp.student = true;
      rp.grades = p.grade;
      if (!p.site_name.empty()) rp.schools.push_back(p.site_name);
      r->people.push_back(std::move(rp));
      out->push_back(std::move(p));
    }
  }
  core::Sha256 h;
  for (const auto& p : r->people)
    h.Update(p.id + "\x1f" + p.given + "\x1f" + p.family + "\n");
  r->hash = h.HexDigest();
  return r;
}

}  // namespace

core::Result<std::shared_ptr<const PublishKit>> MakePublishKit(
    store::Database& db, engine::Options engine_options,
    const std::vector<std::string>& ad_filters) {
  auto kit = std::make_shared<PublishKit>();
  std::vector<people::Person> people;
  auto roster = StudentsRoster(db, &people);
  if (!roster.ok()) return roster.status();
  kit->students = people.size();
  if (!people.empty()) engine_options.roster_data = *roster;
  auto engine = engine::Engine::Create(engine_options);
  if (!engine.ok()) return engine.status();
  kit->engine = std::move(engine).value();
  const policy::PolicyPack& pack = kit->engine->pack();
  if (!pack.publish.present)
    return core::Status::Invalid("the policy pack has no [publish] section");
  publish::Students students;
  for (const auto& p : people)
    students[std::to_string(p.id)] = {
        p.given_name, p.family_name,
        publish::LevelOf(p.grade, pack.publish.high_school_grades),
        p.publish_permission, p.photo_captions};
  std::vector<std::string> ad_lines = pack.publish.ad_filters;
  for (const auto& file : ad_filters) {
    auto text = core::ReadFile(file, 64u << 20);
    if (!text.ok()) return text.status();
    for (auto& line : core::SplitList(*text, '\n')) ad_lines.push_back(line);
  }
  // The registry's sites are registered as the pack's list is (G.2).
  publish::AuditOptions options{.now = static_cast<int64_t>(::time(nullptr))};
  auto registry = sites::WebSites(db);
  if (!registry.ok()) return registry.status();
  for (const auto& site : *registry) {
    std::string entry = site.url.substr(site.url.find("://") + 3);
    while (entry.ends_with("/")) entry.pop_back();
    const size_t slash = entry.find('/');
    entry = core::AsciiLower(entry.substr(0, slash)) +
            (slash == std::string::npos ? "" : entry.substr(slash));
    options.registered_sites.push_back(std::move(entry));
  }
  kit->auditor = std::make_unique<publish::Auditor>(
      *kit->engine, std::move(students), publish::FilterList::Build(ad_lines),
      publish::FilterList::Build(pack.publish.payment_filters),
      std::move(options));
  return std::shared_ptr<const PublishKit>(std::move(kit));
}

portal::PublishGate MakePublishGate(const std::shared_ptr<store::Database>& db,
                                    const engine::Options& engine_options,
                                    int refresh_seconds) {
  struct State {
    std::mutex mu;     // guards kit and made
    std::mutex build;  // one kit made at a time
    std::shared_ptr<const PublishKit> kit;
    std::chrono::steady_clock::time_point made;
  };
  auto state = std::make_shared<State>();
  const auto refresh = std::chrono::seconds(std::max(refresh_seconds, 1));
  return [db, engine_options, state, refresh](const portal::GateItem& in)
             -> core::Result<nlohmann::ordered_json> {
    std::shared_ptr<const PublishKit> kit;
    bool stale = true;
    {
      std::lock_guard lock(state->mu);
      kit = state->kit;
      stale = !kit || std::chrono::steady_clock::now() - state->made > refresh;
    }
    // One request makes the new kit; the others judge with the old one
    // meanwhile, or wait for the first.
    if (stale) {
      std::unique_lock build(state->build, std::defer_lock);
      if (kit ? build.try_lock() : (build.lock(), true)) {
        {
          std::lock_guard lock(state->mu);
          if (state->kit &&
              std::chrono::steady_clock::now() - state->made <= refresh)
            kit = state->kit;
          else
            kit = nullptr;
        }
        if (!kit) {
          auto made = MakePublishKit(*db, engine_options);
          if (!made.ok()) {
            std::lock_guard lock(state->mu);
            if (!state->kit) return made.status();
            kit = state->kit;  // the old one serves until the store is back
          } else {
            std::lock_guard lock(state->mu);
            state->kit = kit = std::move(made).value();
            state->made = std::chrono::steady_clock::now();
          }
        }
      }
    }
    publish::Item item{in.url, in.name, in.content_type, in.bytes};
    auto check = publish::CheckItem(*kit->auditor, item, in.who);
    if (!check.ok()) return check.status();
    return publish::ToJson(*check);
  };
}

records::Reader RecordsReader(const engine::Engine& engine) {
  std::shared_ptr<engine::Engine::Scratch> scratch = engine.NewScratch();
  return [&engine, scratch](const records::Entry& e, std::string_view bytes) {
    engine::ItemResult res =
        e.mail ? engine.InspectMessage(e.path, bytes, *scratch)
               : engine.InspectItem(
                     {e.path, bytes.size(),
                      extract::ExtractFile(bytes, e.path, engine.limits()), ""},
                     *scratch);
    records::Reading r;
    for (const auto& f : res.findings) r.categories.push_back(f.category);
    r.is_message = res.message.is_message;
    r.message_id = res.message.message_id;
    r.sender = res.message.from.empty() ? "" : res.message.from.front();
    r.recipients = res.message.to;
    r.subject = res.message.subject;
    r.date = res.message.date;
    return r;
  };
}

}  // namespace steward::cli
