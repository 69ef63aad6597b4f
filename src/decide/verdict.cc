#include "decide/verdict.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/text.h"
#include "core/view.h"
#include "decide/domains.h"

namespace steward::decide {

namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The address a sender is known by: the authenticated login at each
// internal domain, or the login itself when it is an address.
std::vector<std::string> OwnAddresses(const policy::PolicyPack& pack,
                                      const std::string& user) {
  std::string u = core::AsciiLower(user);
  std::vector<std::string> out;
  std::string local = u;
  if (size_t at = u.find('@'); at != std::string::npos) {
    out.push_back(u);
    local = u.substr(0, at);
  }
  for (const auto& d : pack.internal_domains)
    out.push_back(local + "@" + core::AsciiLower(d));
  for (const auto& s : pack.mail.senders)
    if (s.user == u || s.user == local)
      out.insert(out.end(), s.may_send_as.begin(), s.may_send_as.end());
  return out;
}

bool MayUse(const std::vector<std::string>& allowed, const std::string& addr) {
  for (const auto& a : allowed)
    if (AddressMatches(addr, a)) return true;
  return false;
}

std::string Lower(const std::string& s) { return core::AsciiLower(s); }

// Views that travel outside an encrypted body.
bool IsClearView(std::string_view name) {
  auto view = core::ParseView(name);
  return view == core::View::kSubject || view == core::View::kHeaders ||
         view == core::View::kAddresses || view == core::View::kFilename;
}

// The vendor whose domain holds `domain` (or host), or null.
const policy::MailPolicy::Vendor* VendorOf(
    std::string_view domain,
    const std::vector<policy::MailPolicy::Vendor>& vendors) {
  for (const auto& v : vendors)
    if (IsInternal(domain, {v.domain})) return &v;
  return nullptr;
}

}  // namespace

std::vector<policy::MailPolicy::Vendor> ApprovedVendors(
    const policy::PolicyPack& pack, const Vendors* registry) {
  if (registry == nullptr) return pack.mail.vendors;
  std::vector<policy::MailPolicy::Vendor> out = registry->approved;
  for (const auto& v : pack.mail.vendors) {
    bool known = false;
    for (const auto& d : registry->known)
      known = known || IsInternal(v.domain, {d}) || IsInternal(d, {v.domain});
    if (!known) out.push_back(v);
  }
  return out;
}

bool HasSecureMarker(const policy::MailPolicy& mail,
                     const extract::MessageFacts& facts) {
  if (!mail.secure_subject_tag.empty() &&
      Lower(facts.subject).find(Lower(mail.secure_subject_tag)) !=
          std::string::npos)
    return true;
  if (!mail.secure_header.empty()) {
    std::string v = facts.Header(Lower(mail.secure_header));
    if (v.find_first_not_of(" \t") != std::string::npos) return true;
  }
  return false;
}

void AddEnvelopeFindings(const policy::PolicyPack& pack, const Envelope& env,
                         const extract::MessageFacts& facts,
                         const MakeFindingFn& make,
                         std::vector<inspect::Finding>& findings,
                         const Vendors* registry) {
  const policy::MailPolicy& mail = pack.mail;
  auto add = [&](std::string_view category, std::string detail) {
    if (pack.FindCategory(category))
      findings.push_back(make(category, std::move(detail)));
  };
  if (env.channel == policy::Channel::kWeb) {
    // The web door inspects a body up to [web] max_inspect_bytes (a
    // download less: env.inspected); the rest passes unread, which the
    // rules must see.
    uint64_t read = env.inspected ? env.inspected : env.size;
    read = std::min<uint64_t>(read, pack.web.max_inspect_bytes);
    if (env.size > read)
      add("not-inspected", std::to_string(env.size) +
                               " bytes; only the first " +
                               std::to_string(read) + " were inspected");
    if (!env.unread.empty()) add("not-inspected", env.unread);
    if (!env.malformed.empty()) add("malformed-upload", env.malformed);
    return;
  }
  if (mail.max_message_bytes > 0 && env.size > mail.max_message_bytes)
    add("oversize", std::to_string(env.size) + " bytes; the limit is " +
                        std::to_string(mail.max_message_bytes));
  if (!env.auth_user.empty()) {
    auto allowed = OwnAddresses(pack, env.auth_user);
    std::vector<std::string> claimed = facts.from;
    if (!env.sender.empty()) claimed.push_back(Lower(env.sender));
    std::set<std::string> reported;
    for (const auto& a : claimed)
      if (!MayUse(allowed, a) && reported.insert(a).second)
        add("sender-not-permitted",
            "signed in as " + env.auth_user + " but sent as " + a);
    // What could not be read cannot be cleared.
    if (facts.from_unread)
      add("sender-not-permitted",
          "signed in as " + env.auth_user +
              " but the From field could not be read whole");
  }
  if (mail.max_recipients > 0 && env.recipients.size() > mail.max_recipients)
    add("mass-mail", std::to_string(env.recipients.size()) +
                         " recipients; more than " +
                         std::to_string(mail.max_recipients) + " need consent");
  for (const auto& r : env.recipients)
    for (const auto& list : mail.all_district_lists)
      if (Lower(r) == Lower(list)) add("mass-mail", "addressed to " + list);
  const auto vendors = ApprovedVendors(pack, registry);
  for (const auto& r : env.recipients) {
    std::string d = DeliveryDomain(r, pack.internal_domains);
    if (VendorOf(d, vendors) != nullptr) continue;
    std::string like =
        ImitatedDomain(d, pack.internal_domains, mail.lookalike_distance);
    if (!like.empty())
      add("lookalike-recipient", r + ": " + d + " looks like " + like);
  }
}

core::Result<Verdict> Decide(const policy::PolicyPack& pack,
                             const Envelope& env,
                             const extract::MessageFacts& facts,
                             std::vector<inspect::Finding> findings,
                             const History* history, const Vendors* registry) {
  const policy::MailPolicy& mail = pack.mail;
  const auto vendors = ApprovedVendors(pack, registry);
  Verdict v;
  v.policy_version = pack.version;
  v.policy_hash = pack.hash;
  v.subject = facts.subject;
  v.message_id = facts.message_id;
  size_t internal = 0;
  using policy::Destination;
  // The web door's one recipient is the host the upload goes to.
  const bool web = env.channel == policy::Channel::kWeb;
  bool cloud = false;
  for (const auto& r : web ? env.recipients : std::vector<std::string>{}) {
    const std::string host = Lower(r);
    if (IsInternal(host, pack.web.approved_hosts)) {
      ++internal;
      continue;
    }
    if (IsInternal(host, pack.web.cloud_hosts)) cloud = true;
    if (IsInternal(host, pack.internal_domains)) {
      ++internal;
      continue;
    }
    v.external.push_back(host);
  }
  for (const auto& r : web ? std::vector<std::string>{} : env.recipients) {
    std::string d = DeliveryDomain(r, pack.internal_domains);
    if (IsInternal(d, pack.internal_domains)) {
      ++internal;
      continue;
    }
    v.external.push_back(Lower(r));
    if (!ImitatedDomain(d, pack.internal_domains, mail.lookalike_distance)
             .empty())
      v.lookalikes.push_back(Lower(r));
  }
  v.destination = cloud                ? Destination::kCloud
                  : v.external.empty() ? Destination::kInternal
                  : internal == 0      ? Destination::kExternal
                                       : Destination::kMixed;
  // The exemptions, worked out once.
  const bool marker = HasSecureMarker(mail, facts);
  bool authorized = false;
  if (marker) {
    std::vector<std::string> who = facts.from;
    if (!env.sender.empty()) who.push_back(Lower(env.sender));
    authorized = !who.empty();
    for (const auto& a : who) {
      bool ok = false;
      for (const auto& s : mail.secure_senders) ok |= AddressMatches(a, s);
      authorized &= ok;
    }
    v.notes.push_back(authorized ? "carries the secure-send marker from an "
                                   "authorized sender"
                                 : "carries the secure-send marker, but the "
                                   "sender is not authorized to use it");
  }
  if (facts.encrypted) v.notes.push_back("the content is encrypted");
  // Which outside recipients are approved vendors, and under what.
  {
    std::set<std::string> said;
    for (const auto& r : v.external) {
      const auto* match =
          VendorOf(web ? r : DeliveryDomain(r, pack.internal_domains), vendors);
      if (match && said.insert(match->domain).second)
        v.notes.push_back(
            match->domain + " is an approved vendor for " +
            (match->categories.empty() ? std::string("no category")
                                       : core::Join(match->categories, ", ")) +
            (match->agreement.empty() ? std::string()
                                      : " (" + match->agreement + ")"));
    }
  }
  // Every outside recipient (on the web, the host) is a vendor approved
  // for every category found.
  auto vendor_covers = [&](const std::vector<std::string>& categories) {
    if (v.external.empty()) return false;
    for (const auto& r : v.external) {
      const policy::MailPolicy::Vendor* match =
          VendorOf(web ? r : DeliveryDomain(r, pack.internal_domains), vendors);
      if (!match) return false;
      for (const auto& c : categories)
        if (!Contains(match->categories, c)) return false;
    }
    return true;
  };

  std::set<std::string> cited;
  Action best = Action::kAllow;
  const policy::Rule* winner = nullptr;
  std::vector<std::string> winner_categories;
  for (const policy::Rule& rule : pack.rules) {
    if (!rule.channels.empty() &&
        std::find(rule.channels.begin(), rule.channels.end(), env.channel) ==
            rule.channels.end())
      continue;
    std::vector<std::string> categories;
    for (const auto& f : findings) {
      if (f.severity < rule.min_severity) continue;
      if (!rule.categories.empty() && !Contains(rule.categories, f.category))
        continue;
      if (!Contains(categories, f.category)) categories.push_back(f.category);
    }
    if (categories.empty()) continue;
    bool applies = false;
    switch (rule.destination) {
      case Destination::kAny:
        applies = true;
        break;
      case Destination::kInternal:
        applies = v.destination == Destination::kInternal;
        break;
      case Destination::kExternal:
        applies = !v.external.empty();
        break;
      case Destination::kMixed:
        applies = v.destination == Destination::kMixed;
        break;
      case Destination::kLookalike:
        applies = !v.lookalikes.empty();
        break;
      case Destination::kCloud:
        applies = v.destination == Destination::kCloud;
        break;
    }
    if (!applies) continue;
    const Action action = rule.action;
    RuleHit hit{rule.id, action, categories, std::nullopt};
    // Encryption covers the body only: what was found in the subject, the
    // header fields or an attachment's name travelled in the clear.
    bool in_clear = false;
    for (const auto& f : findings)
      if (Contains(categories, f.category) && IsClearView(f.location.view))
        in_clear = true;
    for (policy::Exemption x : rule.exempt) {
      bool lifts = false;
      switch (x) {
        case policy::Exemption::kEncrypted:
          lifts = facts.encrypted && !in_clear;
          break;
        case policy::Exemption::kSecureSend:
          lifts = marker && authorized;
          break;
        case policy::Exemption::kApprovedVendor:
          lifts = vendor_covers(categories);
          break;
      }
      if (lifts) {
        hit.exempted_by = x;
        break;
      }
    }
    v.rules.push_back(hit);
    if (hit.exempted_by) continue;
    if (!winner || action > best) {
      best = action;
      winner = &rule;
      winner_categories = categories;
    }
  }
  if (winner) {
    v.rule = winner->id;
    v.decided = best;
    v.clauses = winner->clauses;
    for (const auto& c : v.clauses) cited.insert(c);
    // The other rules that reached the same action cite their clauses too.
    for (const auto& h : v.rules) {
      if (h.exempted_by || h.action != best) continue;
      for (const auto& r : pack.rules)
        if (r.id == h.rule)
          for (const auto& c : r.clauses)
            if (cited.insert(c).second) v.clauses.push_back(c);
    }
    std::string titles;
    for (const auto& c : winner_categories) {
      const policy::Category* cat = pack.FindCategory(c);
      if (!titles.empty()) titles += ", ";
      titles += cat ? cat->title : c;
    }
    v.message = winner->message;
    if (size_t p = v.message.find("{categories}"); p != std::string::npos)
      v.message.replace(p, 12, titles);
    if (best == Action::kHold || best == Action::kQuarantine)
      v.release_role = winner->release_role;
  }
  for (const auto& h : v.rules)
    if (h.exempted_by)
      v.notes.push_back("rule " + h.rule + " lifted: " +
                        std::string(policy::ExemptionName(*h.exempted_by)));
  // C.19: conduct findings repeated to the same recipient.
  bool conduct = false;
  for (const auto& f : findings)
    conduct |= Contains(mail.escalate_categories, f.category);
  if (conduct && history && !env.sender.empty()) {
    for (const auto& r : env.recipients) {
      auto n = history->RecentConduct(Lower(env.sender), Lower(r),
                                      mail.escalate_window_hours);
      if (!n.ok()) return n.status();
      if (*n + 1 >= mail.escalate_count) v.incident_recipients.push_back(r);
    }
    if (!v.incident_recipients.empty()) {
      v.incident_clauses = mail.escalate_clauses;
      for (const auto& c : mail.escalate_clauses)
        if (cited.insert(c).second) v.clauses.push_back(c);
      v.notes.push_back(
          "repeated conduct findings to the same recipient "
          "within " +
          std::to_string(mail.escalate_window_hours) +
          " hours: an incident is opened");
    }
  }
  v.action = v.decided;
  if (!mail.enforce && v.decided > Action::kWarn) {
    v.action = Action::kWarn;
    v.enforced = false;
    v.notes.push_back("warn-only mode: this would have been " +
                      std::string(ActionName(v.decided)));
  }
  v.findings = std::move(findings);
  return v;
}

nlohmann::ordered_json FindingJson(const inspect::Finding& f) {
  nlohmann::ordered_json j;
  j["category"] = f.category;
  j["detector"] = f.detector;
  j["clauses"] = f.clauses;
  j["severity"] = policy::SeverityName(f.severity);
  j["confidence"] = std::round(f.confidence * 100) / 100;
  j["location"] = {{"part", f.location.part},     {"view", f.location.view},
                   {"line", f.location.line},     {"offset", f.location.offset},
                   {"length", f.location.length}, {"where", f.location.where}};
  j["excerpt"] = f.excerpt;
  if (!f.value.empty()) j["value"] = f.value;
  if (!f.detail.empty()) j["detail"] = f.detail;
  return j;
}

nlohmann::ordered_json ToJson(const Verdict& v) {
  nlohmann::ordered_json j;
  j["action"] = ActionName(v.action);
  if (!v.enforced) j["would"] = ActionName(v.decided);
  j["enforced"] = v.enforced;
  j["rule"] = v.rule;
  j["clauses"] = v.clauses;
  j["message"] = v.message;
  if (v.release_role)
    j["release_role"] = policy::ReleaseRoleName(*v.release_role);
  j["destination"] = policy::DestinationName(v.destination);
  j["external_recipients"] = v.external;
  if (!v.lookalikes.empty()) j["lookalike_recipients"] = v.lookalikes;
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const auto& h : v.rules) {
    nlohmann::ordered_json r = {{"rule", h.rule},
                                {"action", ActionName(h.action)},
                                {"categories", h.categories}};
    if (h.exempted_by) r["exempted_by"] = policy::ExemptionName(*h.exempted_by);
    rules.push_back(std::move(r));
  }
  j["rules"] = std::move(rules);
  j["notes"] = v.notes;
  if (!v.incident_recipients.empty())
    j["incident"] = {{"recipients", v.incident_recipients},
                     {"clauses", v.incident_clauses}};
  nlohmann::ordered_json fs = nlohmann::ordered_json::array();
  for (const auto& f : v.findings) fs.push_back(FindingJson(f));
  j["findings"] = std::move(fs);
  j["policy"] = {{"version", v.policy_version}, {"sha256", v.policy_hash}};
  return j;
}

}  // namespace steward::decide
