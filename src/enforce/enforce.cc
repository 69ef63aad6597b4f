#include "enforce/enforce.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>

#include "core/log.h"
#include "core/text.h"
#include "core/zone.h"
#include "decide/decider.h"
#include "decide/domains.h"
#include "enforce/notices.h"
#include "incidents/incidents.h"
#include "quarantine/quarantine.h"
#include "store/blobs.h"
#include "store/database.h"
#include "vendors/vendors.h"

namespace steward::enforce {

namespace {

// The X-Steward-* fields a delivered item carries.
std::vector<std::pair<std::string, std::string>> VerdictFields(
    const decide::Verdict& v, const policy::PolicyPack& pack) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back(
      "X-Steward-Verdict",
      fmt::format("{}; rule={}; policy={}", decide::ActionName(v.action),
                  v.rule.empty() ? "none" : v.rule, pack.version));
  if (!v.clauses.empty()) {
    out.emplace_back("X-Steward-Clauses", core::Join(v.clauses, ", "));
  }
  std::vector<std::string> cats = CategoriesOf(v.findings);
  if (!cats.empty())
    out.emplace_back("X-Steward-Categories", core::Join(cats, ", "));
  if (!v.enforced) {
    out.emplace_back("X-Steward-Would",
                     std::string(decide::ActionName(v.decided)));
  }
  return out;
}

// The host a web upload goes to.
std::string HostOf(const decide::Envelope& env) {
  return env.recipients.empty() ? std::string() : env.recipients.front();
}

// A web upload refused (hold, quarantine or reject): the reply, and unless
// in a dry run the "web-block" incident that records it.
// Refused uploads of one user to one host by one rule within this many hours
// are one incident.
constexpr uint32_t kRepeatWindowHours = 24;

core::Status RefuseUpload(quarantine::Quarantine* q, const Context& context,
                          const decide::Verdict& v, const audit::Actor& actor,
                          bool dry_run, Outcome& out) {
  out.disposition = Disposition::kRefused;
  out.reply =
      v.message + " (District policy " + core::Join(v.clauses, ", ") + ")";
  if (dry_run) return core::Status::Ok();
  if (q == nullptr) return core::Status::Internal("no store for the incident");
  const decide::Envelope& env = context.envelope;
  // A user who retries a blocked upload adds to one open incident a day
  // (same user, host and rule), not one incident a try.
  const std::string who = env.sender.empty() ? env.client : env.sender;
  const std::string key =
      core::AsciiLower(who) + "\n" + HostOf(env) + "\n" + v.rule;
  auto ref = q->OpenOrRepeatIncident(
      "web-block", key, kRepeatWindowHours, v.clauses, env.sender,
      {{"reference", context.reference},
       {"channel", policy::ChannelName(env.channel)},
       {"host", HostOf(env)},
       {"client", env.client},
       {"rule", v.rule},
       {"action", decide::ActionName(v.decided)},
       {"categories", CategoriesOf(v.findings)},
       {"size", env.size}},
      actor);
  if (!ref.ok()) return ref.status();
  out.block_incident = ref->id;
  out.block_incident_opened = ref->opened;
  return core::Status::Ok();
}

// Links held message `held` to incident `incident` as evidence, by the hash
// the quarantine keeps of it.
void LinkHeld(store::Database& db, quarantine::Quarantine& q, int64_t incident,
              int64_t held, const audit::Actor& actor) {
  auto m = q.Get(held);
  core::Status st = m.status();
  if (m.ok()) {
    st = incidents::AddEvidence(db, incident,
                                {.kind = "held-message",
                                 .ref = "quarantine/" + std::to_string(held),
                                 .sha256 = m->sha256},
                                actor)
             .status();
  }
  if (!st.ok())
    core::Log(core::Event("incident-evidence-failed")
                  .Int("incident", incident)
                  .Int("held", held)
                  .Str("error", st.message()));
}

}  // namespace

std::vector<std::string> CategoriesOf(
    const std::vector<inspect::Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    if (std::find(out.begin(), out.end(), f.category) == out.end()) {
      out.push_back(f.category);
    }
  }
  return out;
}

std::string_view DispositionName(Disposition d) {
  switch (d) {
    case Disposition::kDeliver:
      return "deliver";
    case Disposition::kHeld:
      return "held";
    case Disposition::kRefused:
      return "refused";
    case Disposition::kFailed:
      break;
  }
  return "failed";
}

struct Enforcer::Impl {
  std::shared_ptr<store::Database> db;
  std::unique_ptr<quarantine::Quarantine> quarantine;
  std::unique_ptr<Notifier> notifier;
  uint32_t vendors_seconds = 30;
  // The registry's agreements in force, as last read, and until when the
  // District's day they were read for lasts (UTC seconds): the time zone
  // is looked up once a read, not once an item.
  std::mutex vendors_mu;
  std::shared_ptr<const decide::Vendors> vendors;
  int64_t vendors_day_ends = 0;
  std::chrono::steady_clock::time_point vendors_read;

  core::Result<std::shared_ptr<const decide::Vendors>> Vendors(
      const policy::PolicyPack& pack) {
    const auto now = std::chrono::steady_clock::now();
    const auto wall = static_cast<int64_t>(std::time(nullptr));
    std::lock_guard lock(vendors_mu);
    if (vendors && wall < vendors_day_ends &&
        now - vendors_read < std::chrono::seconds(vendors_seconds))
      return vendors;
    int64_t day = wall / 86400, ends = (day + 1) * 86400;
    if (auto zone = core::Zone::Open(pack.records.time_zone); zone.ok()) {
      day = zone->At(wall).day;
      ends = zone->StartOf(day + 1);
    }
    const std::string today = core::IsoUtc(day * 86400).substr(0, 10);
    auto list = vendors::InForce(*db, pack.vendors, today);
    if (!list.ok())
      return core::Status(
          list.status().code(),
          "the vendor registry cannot be read: " + list.status().message());
    auto v = std::make_shared<decide::Vendors>();
    for (auto& a : list->approved)
      v->approved.push_back({.domain = std::move(a.domain),
                             .categories = std::move(a.categories),
                             .agreement = std::move(a.agreement)});
    v->known = std::move(list->known);
    vendors = std::move(v);
    vendors_day_ends = ends;
    vendors_read = now;
    return vendors;
  }
};

Enforcer::Enforcer(std::shared_ptr<store::Database> db, const Options& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->db = std::move(db);
  impl_->vendors_seconds = options.vendors_seconds;
  if (impl_->db) {
    impl_->quarantine = std::make_unique<quarantine::Quarantine>(
        *impl_->db, store::Blobs(options.blobs_dir));
  }
  if (!options.sendmail.empty()) {
    impl_->notifier = std::make_unique<Notifier>(options.sendmail);
  }
}

Enforcer::~Enforcer() = default;

Outcome Enforcer::Apply(const engine::Engine& engine,
                        engine::Engine::Scratch& scratch,
                        const Context& context, std::string_view bytes,
                        bool dry_run) {
  const policy::PolicyPack& pack = engine.pack();
  const decide::Envelope& env = context.envelope;
  Outcome out;
  const bool web = env.channel == policy::Channel::kWeb;
  out.on_failure = web ? pack.web.on_failure : pack.mail.on_failure;
  auto failed = [&](const std::string& why) {
    out.disposition = Disposition::kFailed;
    out.failure = why;
    out.fields.clear();
    out.notices.clear();
    return out;
  };
  quarantine::Quarantine* q = dry_run ? nullptr : impl_->quarantine.get();

  // A released item coming back through the door passes, once per release.
  if (q != nullptr && context.local_submission) {
    auto taken = q->TakeReleased(quarantine::BodyHash(bytes),
                                 core::AsciiLower(env.sender));
    if (!taken.ok()) return failed(taken.status().message());
    if (*taken) {
      out.disposition = Disposition::kDeliver;
      out.released_return = true;
      return out;
    }
  }

  // The registry is read in a dry run too: it answers what the door would.
  std::shared_ptr<const decide::Vendors> registry;
  if (impl_->db) {
    auto read = impl_->Vendors(pack);
    if (!read.ok()) return failed(read.status().message());
    registry = std::move(read).value();
  }
  auto verdict =
      decide::DecideMessage(engine, env, bytes, scratch, q, registry.get());
  if (!verdict.ok()) return failed(verdict.status().message());
  decide::Verdict& v = *verdict;
  const audit::Actor actor{env.channel == policy::Channel::kMail
                               ? std::string("milter")
                               : std::string(policy::ChannelName(env.channel)),
                           env.client};

  // C.19: remember conduct findings; open an incident when they repeat.
  std::vector<std::string> conduct;
  for (const auto& c : CategoriesOf(v.findings)) {
    const auto& escalate = pack.mail.escalate_categories;
    if (std::find(escalate.begin(), escalate.end(), c) != escalate.end()) {
      conduct.push_back(c);
    }
  }
  // Incidents opened or added to by this item, one per recipient.
  std::vector<int64_t> conduct_incidents;
  if (!conduct.empty() && !env.sender.empty()) {
    if (q != nullptr) {
      auto st = q->RecordConduct(env.sender, env.recipients, conduct);
      if (!st.ok()) return failed(st.message());
    }
    // One incident per sender and recipient, as the messages are counted,
    // while it is open and added to within the window: the fourth and
    // later messages are events of the incident the third opened, not
    // incidents of their own, and two doors that count the same third
    // message at once (two milter processes on one store) open one.
    std::vector<std::string> to;
    for (const auto& r : v.incident_recipients)
      to.push_back(core::AsciiLower(r));
    std::sort(to.begin(), to.end());
    to.erase(std::unique(to.begin(), to.end()), to.end());
    bool opened = q == nullptr && !to.empty();  // a dry run: it would be
    if (q != nullptr) {
      for (const auto& r : to) {
        auto ref = q->OpenOrRepeatIncident(
            "repeated-conduct", core::AsciiLower(env.sender) + "\n" + r,
            pack.mail.escalate_window_hours, v.incident_clauses, env.sender,
            {{"recipients", nlohmann::json::array({r})},
             {"categories", conduct},
             {"reference", context.reference},
             {"channel", policy::ChannelName(env.channel)}},
            actor);
        if (!ref.ok()) return failed(ref.status().message());
        conduct_incidents.push_back(ref->id);
        opened |= ref->opened;
      }
    }
    out.incident_opened = opened;
  }

  // Notices go only to senders inside the District.
  const bool internal_sender = decide::IsInternal(
      decide::DeliveryDomain(env.sender, pack.internal_domains),
      pack.internal_domains);
  // An upload let through past the inspection bound is never a silent
  // pass: the audit chain says who sent how much where.
  if (web && q != nullptr && v.action <= decide::Action::kWarn &&
      std::any_of(v.findings.begin(), v.findings.end(),
                  [](const inspect::Finding& f) {
                    return f.category == "not-inspected";
                  })) {
    auto st =
        q->NotePassed("web.pass-uninspected", "upload/" + context.reference,
                      {{"user", env.sender},
                       {"host", HostOf(env)},
                       {"size", env.size},
                       {"inspected", env.inspected},
                       {"rule", v.rule},
                       {"action", decide::ActionName(v.action)}},
                      actor);
    if (!st.ok()) return failed(st.message());
  }
  // On the web an upload cannot wait for a designee: whatever is not let
  // through is refused, and recorded.
  if (web && v.action > decide::Action::kWarn) {
    if (auto st = RefuseUpload(q, context, v, actor, dry_run, out); !st.ok())
      return failed(st.message());
    out.verdict = std::move(v);
    return out;
  }
  switch (v.action) {
    case decide::Action::kAllow:
      out.disposition = Disposition::kDeliver;
      if (!v.findings.empty()) out.fields = VerdictFields(v, pack);
      break;
    case decide::Action::kWarn:
      out.disposition = Disposition::kDeliver;
      out.fields = VerdictFields(v, pack);
      // Warn-only mode (the rollout) sends no notice at all.
      if (pack.mail.caution_sender && internal_sender && pack.mail.enforce) {
        out.notices.emplace_back("caution");
        if (!dry_run && impl_->notifier) {
          impl_->notifier->Caution(pack, env, v);
        }
      }
      break;
    case decide::Action::kHold:
    case decide::Action::kQuarantine: {
      if (!dry_run) {
        if (q == nullptr) return failed("no quarantine store");
        auto id = q->Hold({env, v, bytes, v.subject, v.message_id}, actor);
        if (!id.ok()) return failed(id.status().message());
        out.held_id = *id;
        // The message that opened a C.19 incident is its first evidence;
        // each one that repeated it is evidence too.
        // The message is held whatever happens here: a link that fails is
        // logged, and ITS can link it from the incident's page.
        if (impl_->db)
          for (int64_t incident : conduct_incidents)
            LinkHeld(*impl_->db, *q, incident, *id, actor);
      }
      out.disposition = Disposition::kHeld;
      if (pack.mail.notify_sender && internal_sender) {
        out.notices.emplace_back("held");
        if (!dry_run && impl_->notifier) {
          impl_->notifier->Held(pack, env, v, out.held_id);
        }
      }
      break;
    }
    case decide::Action::kReject:
      out.disposition = Disposition::kRefused;
      out.reply =
          v.message + " (District policy " + core::Join(v.clauses, ", ") + ")";
      break;
  }
  out.verdict = std::move(v);
  return out;
}

core::Status Enforcer::Note(const std::string& action,
                            const std::string& target,
                            const nlohmann::json& detail,
                            const audit::Actor& actor) {
  if (!impl_->quarantine) return core::Status::Ok();
  return impl_->quarantine->NotePassed(action, target, detail, actor);
}

nlohmann::ordered_json Enforcer::ToJson(const Outcome& o) {
  nlohmann::ordered_json j =
      o.verdict ? decide::ToJson(*o.verdict) : nlohmann::ordered_json::object();
  nlohmann::ordered_json done = {
      {"disposition", DispositionName(o.disposition)}};
  if (o.released_return) done["released_return"] = true;
  if (!o.fields.empty()) {
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const auto& [name, value] : o.fields) fields[name] = value;
    done["header_fields"] = fields;
  }
  if (!o.reply.empty()) done["reply"] = o.reply;
  if (o.held_id != 0) done["held_id"] = o.held_id;
  if (o.incident_opened) done["incident"] = true;
  if (o.block_incident != 0) done["block_incident"] = o.block_incident;
  done["notices"] = o.notices;
  if (o.disposition == Disposition::kFailed) {
    done["failure"] = o.failure;
    done["on_failure"] = policy::FailureModeName(o.on_failure);
  }
  j["outcome"] = done;
  return j;
}

}  // namespace steward::enforce
