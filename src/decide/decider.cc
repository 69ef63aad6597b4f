#include "decide/decider.h"

#include "decide/clamd.h"

namespace steward::decide {

core::Result<Verdict> DecideMessage(const engine::Engine& engine,
                                    const Envelope& env, std::string_view bytes,
                                    engine::Engine::Scratch& scratch,
                                    const History* history,
                                    const Vendors* vendors) {
  const policy::PolicyPack& pack = engine.pack();
  engine::ItemResult item = engine.InspectMessage("message", bytes, scratch);
  auto make = [&](std::string_view category, std::string detail) {
    return engine.inspector().MakeFinding(category, "", std::move(detail));
  };
  if (!pack.mail.clamd.empty() && pack.FindCategory("malware")) {
    int timeout = static_cast<int>(pack.mail.timeout_seconds);
    auto found = ClamdScan(pack.mail.clamd, bytes, timeout > 0 ? timeout : 30);
    if (!found.ok()) return found.status();
    if (!found->empty())
      item.findings.push_back(make("malware", "clamd found " + *found));
  }
  Envelope e = env;
  if (e.size == 0) e.size = bytes.size();
  AddEnvelopeFindings(pack, e, item.message, make, item.findings, vendors);
  return Decide(pack, e, item.message, std::move(item.findings), history,
                vendors);
}

}  // namespace steward::decide
