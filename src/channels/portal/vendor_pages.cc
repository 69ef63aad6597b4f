// The vendor registry in the portal (E.6, E.7; docs/portal.md): ITS adds
// each vendor that receives the District's data with the domains it is
// reached at, then its agreements: the data they allow, their term, the
// pack's contract terms checked off with evidence and the vendor's
// attestation. Every signed-in person reads which vendors are approved for
// what (and so where student data may go); the mail door and the web
// gateway read the same agreements in force (enforce/enforce.h).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/text.h"
#include "vendors/vendors.h"

namespace steward::portal {

namespace {

using identity::Role;

bool Writes(const Ctx& c) { return ItsWrites(c); }

const policy::VendorsPolicy& Terms(const Ctx& c) {
  static const policy::VendorsPolicy kNone;
  return c.app.options.pack ? c.app.options.pack->vendors : kNone;
}

std::string Today(const Ctx& c) { return DistrictDay(c); }

// The data categories an agreement may allow: those of the pack's rules
// that an approved vendor lifts (all the pack's when no rule names one).
std::vector<const policy::Category*> DataCategories(const Ctx& c) {
  std::vector<const policy::Category*> out;
  if (!c.app.options.pack) return out;
  const auto& pack = *c.app.options.pack;
  for (const auto& cat : pack.categories) {
    bool lifted = false;
    for (const auto& r : pack.rules)
      if (std::find(r.exempt.begin(), r.exempt.end(),
                    policy::Exemption::kApprovedVendor) != r.exempt.end() &&
          std::find(r.categories.begin(), r.categories.end(), cat.id) !=
              r.categories.end())
        lifted = true;
    if (lifted) out.push_back(&cat);
  }
  if (out.empty())
    for (const auto& cat : pack.categories) out.push_back(&cat);
  return out;
}

// A vendor with its agreements and where each stands today.
struct Entry {
  vendors::Vendor vendor;
  std::vector<vendors::Agreement> agreements;
  std::vector<vendors::Position> positions;
  // The agreement that speaks for the vendor: one in force (the latest to
  // expire), else the newest; -1 when it has none.
  int current = -1;
};

Entry Place(vendors::Vendor v, std::vector<vendors::Agreement> list,
            const policy::VendorsPolicy& p, const std::string& today) {
  Entry e{std::move(v), std::move(list), {}, -1};
  for (size_t i = 0; i < e.agreements.size(); ++i) {
    e.positions.push_back(vendors::PositionOf(e.agreements[i], p, today));
    const bool in_force =
        e.positions[i].standing == vendors::Standing::kInForce;
    if (e.current < 0) {
      e.current = static_cast<int>(i);
    } else if (in_force) {
      const auto& best = e.positions[e.current];
      if (best.standing != vendors::Standing::kInForce ||
          e.agreements[i].expires_on > e.agreements[e.current].expires_on)
        e.current = static_cast<int>(i);
    }
  }
  return e;
}

// Each vendor with its own agreements, placed today.
std::vector<Entry> Group(const Ctx& c, std::vector<vendors::Vendor> list,
                         const std::vector<vendors::Agreement>& all) {
  const std::string today = Today(c);
  std::vector<Entry> out;
  for (auto& v : list) {
    std::vector<vendors::Agreement> mine;
    for (const auto& a : all)
      if (a.vendor_id == v.id) mine.push_back(a);
    out.push_back(Place(std::move(v), std::move(mine), Terms(c), today));
  }
  return out;
}

// Every vendor with its agreements; nullopt after a page saying why not.
std::optional<std::vector<Entry>> Registry(Ctx& c) {
  auto list = vendors::ListVendors(*c.app.db, 100000);
  auto all = list.ok()
                 ? vendors::AllAgreements(*c.app.db)
                 : core::Result<std::vector<vendors::Agreement>>(list.status());
  if (!all.ok()) {
    c.Fail(503, "The vendor registry cannot be read now; try again shortly.");
    return std::nullopt;
  }
  return Group(c, std::move(list).value(), *all);
}

std::string StandingOf(const Entry& e) {
  return e.current < 0 ? "no agreement"
                       : std::string(vendors::StandingName(
                             e.positions[e.current].standing));
}

// The filter asked for: in-force, expiring, attention (not in force), all.
std::string Show(const Ctx& c) {
  const std::string s = c.Param("show");
  return s == "in-force" || s == "expiring" || s == "attention" ? s : "all";
}

bool Shown(const Entry& e, const std::string& show) {
  const bool in_force = e.current >= 0 && e.positions[e.current].standing ==
                                              vendors::Standing::kInForce;
  if (show == "in-force") return in_force;
  if (show == "expiring") return in_force && e.positions[e.current].expiring;
  if (show == "attention") return !in_force;
  return true;
}

std::string TermLabel(const Ctx& c, const std::string& id) {
  if (id == "attestation") return "the vendor's attestation";
  const auto* t = Terms(c).Find(id);
  return t && !t->cite.empty() ? t->cite : id;
}

Data AgreementRow(const Ctx& c, const vendors::Agreement& a,
                  const vendors::Position& pos) {
  Data x;
  x.set("id", std::to_string(a.id));
  x.set("title", a.title);
  x.set("kind", a.kind == "general-offer" ? "general offer adopted" : "signed");
  x.set("signed_on", a.signed_on);
  x.set("starts_on", a.starts_on);
  x.set("expires_on", a.expires_on);
  x.set("categories", core::Join(a.categories, ", "));
  x.set("standing", std::string(vendors::StandingName(pos.standing)));
  x.set("in_force", pos.standing == vendors::Standing::kInForce);
  x.set("expiring", pos.expiring);
  x.set("days_left", std::to_string(pos.days_left));
  std::vector<std::string> missing;
  for (const auto& m : pos.missing) missing.push_back(TermLabel(c, m));
  SetIfAny(x, "missing", core::Join(missing, "; "));
  const bool active = a.state == "active";
  const bool writes = Writes(c) && active;
  List terms;
  for (const auto& t : Terms(c).terms) {
    Data row;
    row.set("term", t.id);
    row.set("text", t.text);
    SetIfAny(row, "cite", t.cite);
    if (const auto* k = a.Check(t.id)) {
      row.set("checked", true);
      row.set("evidence", k->evidence);
      row.set("checked_by", k->by);
      row.set("checked_at", k->at.substr(0, 10));
    }
    row.set("may_check", writes);
    terms.push_back(row);
  }
  Put(x, "terms", std::move(terms));
  if (!Terms(c).attestation.empty()) {
    x.set("asks_attestation", true);
    x.set("attestation", Terms(c).attestation);
  }
  SetIfAny(x, "attested_by", a.attested_by);
  SetIfAny(x, "attested_on", a.attested_on);
  SetIfAny(x, "attestation_by", a.attestation_by);
  x.set("may_attest",
        writes && a.attested_by.empty() && !Terms(c).attestation.empty());
  x.set("may_end", writes);
  SetIfAny(x, "ended_at", a.ended_at.substr(0, 10));
  SetIfAny(x, "end_reason", a.end_reason);
  x.set("added_by", a.added_by);
  return x;
}

Data VendorRow(const Entry& e) {
  Data x;
  x.set("id", std::to_string(e.vendor.id));
  x.set("name", e.vendor.name);
  SetIfAny(x, "product", e.vendor.product);
  x.set("domains", core::Join(e.vendor.domains, ", "));
  x.set("standing", StandingOf(e));
  if (e.current >= 0) {
    const auto& a = e.agreements[e.current];
    const auto& pos = e.positions[e.current];
    x.set("in_force", pos.standing == vendors::Standing::kInForce);
    x.set("expiring", pos.expiring);
    x.set("categories", core::Join(a.categories, ", "));
    x.set("expires_on", a.expires_on);
    x.set("days_left", std::to_string(pos.days_left));
  }
  return x;
}

nlohmann::ordered_json EntryJson(const Entry& e) {
  nlohmann::ordered_json agreements = nlohmann::ordered_json::array();
  for (size_t i = 0; i < e.agreements.size(); ++i) {
    const auto& a = e.agreements[i];
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const auto& k : a.checks)
      checks.push_back({{"term", k.term},
                        {"evidence", k.evidence},
                        {"by", k.by},
                        {"at", k.at}});
    agreements.push_back(
        {{"id", a.id},
         {"kind", a.kind},
         {"title", a.title},
         {"signed_on", a.signed_on},
         {"starts_on", a.starts_on},
         {"expires_on", a.expires_on},
         {"categories", a.categories},
         {"standing", vendors::StandingName(e.positions[i].standing)},
         {"missing", e.positions[i].missing},
         {"days_left", e.positions[i].days_left},
         {"terms", checks},
         {"attested_by", a.attested_by},
         {"attested_on", a.attested_on},
         {"state", a.state},
         {"ended_at", a.ended_at},
         {"end_reason", a.end_reason}});
  }
  return {{"id", e.vendor.id},           {"name", e.vendor.name},
          {"product", e.vendor.product}, {"domains", e.vendor.domains},
          {"contact", e.vendor.contact}, {"notes", e.vendor.notes},
          {"standing", StandingOf(e)},   {"agreements", agreements}};
}

// The vendor of the path with its agreements; else the page says why not.
std::optional<Entry> Load(Ctx& c, int64_t id) {
  auto v = vendors::GetVendor(*c.app.db, id);
  auto list = v.ok()
                  ? vendors::AgreementsOf(*c.app.db, id)
                  : core::Result<std::vector<vendors::Agreement>>(v.status());
  if (list.ok())
    return Place(std::move(v).value(), std::move(list).value(), Terms(c),
                 Today(c));
  const bool none = list.status().code() == core::Code::kNotFound;
  c.Fail(none ? 404 : 503,
         none ? "No such vendor."
              : "The vendor registry cannot be read now; try again shortly.");
  return std::nullopt;
}

// An agreement's page is its vendor's; the agreement of the path, or a
// page saying why not.
std::optional<vendors::Agreement> LoadAgreement(Ctx& c) {
  auto a = vendors::GetAgreement(*c.app.db, c.Id());
  if (a.ok()) return std::move(a).value();
  const bool none = a.status().code() == core::Code::kNotFound;
  c.Fail(none ? 404 : 503,
         none ? "No such agreement."
              : "The vendor registry cannot be read now; try again shortly.");
  return std::nullopt;
}

bool MayWrite(Ctx& c) {
  if (Writes(c)) return true;
  c.Fail(403, "IT Services keeps the vendor registry (E.6).");
  return false;
}

// After a change: back to the vendor's page, with what happened or why not.
void Done(Ctx& c, int64_t vendor_id, const core::Status& st,
          const std::string& ok) {
  c.SeeOther("/vendors/" + std::to_string(vendor_id),
             st.ok() ? ok
             : st.code() == core::Code::kInvalidArgument
                 ? st.message()
                 : "The registry could not be changed now; try again "
                   "shortly.");
}

const std::vector<std::string> kExportHeader = {
    "vendor",      "product",     "domains",   "agreement",
    "kind",        "signed on",   "starts on", "expires on",
    "categories",  "standing",    "days left", "missing",
    "attested by", "attested on", "ended at",  "why ended"};

}  // namespace

namespace {
std::atomic<int> exports_running{0};
constexpr int kMaxExports = 2;
}  // namespace

ExportSlot::ExportSlot(Ctx& c) {
  if (exports_running.fetch_add(1) < kMaxExports) {
    taken_ = true;
    return;
  }
  exports_running.fetch_sub(1);
  c.Fail(503, "Other large exports are being made; try again in a minute.");
}

ExportSlot::~ExportSlot() {
  if (taken_) exports_running.fetch_sub(1);
}

bool ItsWrites(const Ctx& c) {
  return c.session->account.roles.Has(Role::kItsAdmin) &&
         !c.session->account.roles.Has(Role::kAuditor);
}

std::string DistrictDay(const Ctx& c) {
  return c.app.options.pack ? vendors::Today(*c.app.options.pack)
                            : core::NowUtc().substr(0, 10);
}

void AddVendorCounts(const Ctx& c, Data* /*mine*/, Figures* queues) {
  if (!queues || !Writes(c)) return;
  auto list = vendors::ListVendors(*c.app.db, 100000);
  auto all = list.ok()
                 ? vendors::AllAgreements(*c.app.db)
                 : core::Result<std::vector<vendors::Agreement>>(list.status());
  if (!all.ok()) return;
  int64_t expiring = 0, attention = 0;
  for (const Entry& e : Group(c, std::move(list).value(), *all)) {
    expiring += Shown(e, "expiring");
    attention += Shown(e, "attention");
  }
  queues->Count("vendors_expiring", expiring);
  queues->Count("vendors_attention", attention);
}

void VendorsPage(Ctx& c) {
  Data d = c.Page("Vendors");
  const std::string show = Show(c);
  d.set("show_" + (show == "in-force" ? std::string("in_force") : show), true);
  d.set("show", show);
  d.set("writes", Writes(c));
  auto all = Registry(c);
  if (!all) return;
  List rows;
  for (const auto& e : *all)
    if (Shown(e, show)) rows.push_back(VendorRow(e));
  d.set("has_vendors", !rows.empty());
  Put(d, "vendors", std::move(rows));
  d.set("expiring_days", std::to_string(Terms(c).expiring_days));
  c.Html("vendors", d);
}

void VendorPage(Ctx& c) {
  auto e = Load(c, c.Id());
  if (!e) return;
  Data d = c.Page(e->vendor.name);
  d.set("v", VendorRow(*e));
  SetIfAny(d, "contact", e->vendor.contact);
  SetIfAny(d, "notes", e->vendor.notes);
  d.set("added_by", e->vendor.added_by);
  d.set("added_at", e->vendor.added_at.substr(0, 10));
  List agreements;
  for (size_t i = 0; i < e->agreements.size(); ++i)
    agreements.push_back(AgreementRow(c, e->agreements[i], e->positions[i]));
  d.set("has_agreements", !agreements.empty());
  Put(d, "agreements", std::move(agreements));
  d.set("writes", Writes(c));
  if (Writes(c) && c.app.options.pack) {
    List cats;
    for (const auto* cat : DataCategories(c)) {
      Data x;
      x.set("id", cat->id);
      x.set("name", cat->title.empty() ? cat->id : cat->title);
      cats.push_back(std::move(x));
    }
    Put(d, "category_choices", std::move(cats));
    d.set("today", Today(c));
  }
  c.Html("vendor", d);
}

void VendorNewPage(Ctx& c) {
  if (!MayWrite(c)) return;
  Data d = c.Page("Add a vendor");
  c.Html("vendor_new", d);
}

namespace {

// The domains as typed: split at commas and white space, each kept as
// written, so a character that is no part of a name is refused, never
// dropped to make another name.
std::vector<std::string> DomainsOf(const std::string& raw) {
  std::vector<std::string> out;
  std::string piece;
  for (char ch : raw.substr(0, 4000) + ",") {
    if (ch == ',' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      if (!piece.empty()) out.push_back(piece);
      piece.clear();
    } else {
      piece += ch;
    }
  }
  return out;
}

}  // namespace

void VendorCreatePost(Ctx& c) {
  if (!MayWrite(c)) return;
  if (!c.app.options.pack) {
    c.Fail(503, "The policy pack is not loaded.");
    return;
  }
  vendors::NewVendor n{.name = c.Param("name"),
                       .product = c.Param("product"),
                       .domains = DomainsOf(c.Param("domains")),
                       .contact = c.Param("contact"),
                       .notes = c.Param("notes")};
  auto id = vendors::AddVendor(*c.app.db, *c.app.options.pack, n, c.Actor());
  if (!id.ok()) {
    c.SeeOther("/vendors/new",
               id.status().code() == core::Code::kInvalidArgument
                   ? id.status().message()
                   : "The vendor could not be added now; try again shortly.");
    return;
  }
  c.SeeOther("/vendors/" + std::to_string(*id),
             "Vendor added. Add its agreement: until one is in force, the "
             "vendor is approved for nothing.");
}

void AgreementCreatePost(Ctx& c) {
  if (!MayWrite(c)) return;
  if (!c.app.options.pack) {
    c.Fail(503, "The policy pack is not loaded.");
    return;
  }
  vendors::NewAgreement n{
      .kind = c.Param("kind"),
      .title = c.Param("title"),
      .signed_on = core::CleanText(c.Param("signed_on"), 20),
      .starts_on = core::CleanText(c.Param("starts_on"), 20),
      .expires_on = core::CleanText(c.Param("expires_on"), 20)};
  for (const auto* cat : DataCategories(c))
    if (c.Param("cat_" + cat->id) == "1") n.categories.push_back(cat->id);
  auto id = vendors::AddAgreement(*c.app.db, *c.app.options.pack, c.Id(), n,
                                  c.Actor());
  if (!id.ok() && id.status().code() == core::Code::kNotFound) {
    c.Fail(404, "No such vendor.");
    return;
  }
  Done(c, c.Id(), id.status(),
       "Agreement added. Check off each term with where the agreement says "
       "it; it approves nothing until all are checked.");
}

void AgreementTermPost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto a = LoadAgreement(c);
  if (!a || !c.app.options.pack) return;
  auto st = vendors::CheckTerm(*c.app.db, *c.app.options.pack, a->id,
                               core::CleanText(c.Param("term"), 100),
                               c.Param("evidence"), c.Actor());
  Done(c, a->vendor_id, st, "Term checked off.");
}

void AgreementAttestPost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto a = LoadAgreement(c);
  if (!a) return;
  auto st = vendors::Attest(*c.app.db, a->id, c.Param("signatory"),
                            core::CleanText(c.Param("attested_on"), 20),
                            Today(c), c.Actor());
  Done(c, a->vendor_id, st, "Attestation kept.");
}

void AgreementEndPost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto a = LoadAgreement(c);
  if (!a) return;
  auto st = vendors::End(*c.app.db, a->id, c.Param("reason"), c.Actor());
  Done(c, a->vendor_id, st,
       "Agreement ended: the doors stop approving it within a minute.");
}

namespace {

void ExportVendors(Ctx& c, bool xlsx) {
  ExportSlot slot(c);
  if (!slot.Taken()) return;
  auto all = Registry(c);
  if (!all) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *all) {
    const std::string domains = core::Join(e.vendor.domains, " ");
    if (e.agreements.empty())
      rows.push_back({e.vendor.name, e.vendor.product, domains, "", "", "", "",
                      "", "", "no agreement", "", "", "", "", "", ""});
    for (size_t i = 0; i < e.agreements.size(); ++i) {
      const auto& a = e.agreements[i];
      const auto& pos = e.positions[i];
      rows.push_back({e.vendor.name, e.vendor.product, domains, a.title, a.kind,
                      a.signed_on, a.starts_on, a.expires_on,
                      core::Join(a.categories, " "),
                      std::string(vendors::StandingName(pos.standing)),
                      std::to_string(pos.days_left),
                      core::Join(pos.missing, " "), a.attested_by,
                      a.attested_on, a.ended_at, a.end_reason});
    }
  }
  c.DownloadTable("vendors", xlsx, kExportHeader, rows);
}

}  // namespace

void VendorsCsv(Ctx& c) { ExportVendors(c, false); }
void VendorsXlsx(Ctx& c) { ExportVendors(c, true); }

void ApiVendors(Ctx& c) {
  auto all = Registry(c);
  if (!all) return;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& e : *all) out.push_back(EntryJson(e));
  c.Json({{"today", Today(c)}, {"vendors", out}});
}

void ApiVendor(Ctx& c) {
  auto e = Load(c, c.Id());
  if (!e) return;
  c.Json(EntryJson(*e));
}

}  // namespace steward::portal
