#include "engine/engine.h"

#include <cstdlib>

#include "extract/mime.h"

namespace steward::engine {

std::string DefaultCacheDir() {
  if (const char* e = std::getenv("STEWARD_CACHE"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::string(x) + "/steward";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/steward";
  return {};
}

core::Result<std::unique_ptr<Engine>> Engine::Create(const Options& options) {
  std::string dir =
      options.policy.empty() ? policy::DefaultPackDir() : options.policy;
  if (dir.empty())
    return core::Status::NotFound(
        "no policy pack found; pass --policy DIR or set STEWARD_POLICY");
  policy::LoadResult lr = policy::LoadPack(dir, {.compile_patterns = false});
  if (!lr.ok()) {
    std::string m = "the policy pack in " + dir + " has " +
                    std::to_string(lr.errors.size()) + " error(s):";
    for (const auto& e : lr.errors) m += "\n  " + e.ToString();
    return core::Status::Invalid(m);
  }
  std::unique_ptr<Engine> e(new Engine());
  if (!options.roster.empty()) {
    auto r = inspect::LoadOneRoster(options.roster);
    if (!r.ok()) return r.status();
    e->roster_ = std::make_shared<const inspect::Roster>(std::move(r).value());
  }
  std::string cache =
      options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir;
  if (cache == "none") cache.clear();
  auto in = inspect::Inspector::Create(lr.pack, e->roster_,
                                       {cache, options.show_values});
  if (!in.ok()) return in.status();
  e->inspector_ = std::move(in).value();
  const policy::Limits& l = lr.pack->limits;
  e->limits_ = {l.max_item_bytes, l.max_depth, l.max_parts, l.max_part_bytes};
  e->limits_.address_view = false;
  for (const auto& d : lr.pack->detectors)
    for (const auto& v : d.views) e->limits_.address_view |= v == "addresses";
  return e;
}

void Engine::ScanFile(const std::string& path, Scratch& scratch,
                      const std::function<void(ItemResult&&)>& on_item) const {
  extract::ReadItems(path, limits_, [&](extract::Item&& item) {
    on_item(InspectItem(std::move(item), scratch));
  });
}

ItemResult Engine::InspectRef(const extract::ItemRef& ref,
                              Scratch& scratch) const {
  return InspectItem(extract::ExtractItem(ref, limits_), scratch);
}

ItemResult Engine::InspectItem(extract::Item&& item, Scratch& scratch) const {
  ItemResult r;
  r.item = std::move(item.name);
  r.bytes = item.bytes;
  r.error = std::move(item.error);
  for (const auto& t : item.content.texts) {
    bool complete =
        inspector_->InspectText({t.text, t.path, t.view}, scratch, r.findings);
    if (!complete)
      r.findings.push_back(inspector_->MakeFinding(
          "not-inspected", t.path,
          "too many candidate matches; only part of this text was inspected"));
  }
  for (const auto& s : item.content.skipped) {
    std::string what = s.reason;
    if (!s.filename.empty()) what = "\"" + s.filename + "\": " + what;
    r.findings.push_back(
        inspector_->MakeFinding("not-inspected", s.path, what));
  }
  inspector_->FinishItem(r.findings);
  return r;
}

ItemResult Engine::InspectMessage(std::string name, std::string_view bytes,
                                  Scratch& scratch) const {
  extract::Item item;
  item.name = std::move(name);
  item.bytes = bytes.size();
  item.content = extract::ExtractMessage(bytes, limits_);
  return InspectItem(std::move(item), scratch);
}

ItemResult Engine::InspectPlainText(std::string name, std::string_view text,
                                    Scratch& scratch) const {
  extract::Item item;
  item.name = std::move(name);
  item.bytes = text.size();
  item.content.texts.push_back(
      {"", "body", "text/plain", "", std::string(text)});
  return InspectItem(std::move(item), scratch);
}

}  // namespace steward::engine
