#include "vendors/vendors.h"

#include <fmt/format.h>
#include <libpsl.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/zone.h"

namespace steward::vendors {

using store::P;

namespace {

constexpr std::string_view kVendorColumns =
    "id, name, product, domains, contact, notes, added_by, added_at";
constexpr std::string_view kAgreementColumns =
    "id, vendor_id, kind, title, signed_on, starts_on, expires_on, "
    "categories, attested_by, attested_on, attestation_by, attestation_at, "
    "state, ended_by, ended_at, end_reason, added_by, added_at";

std::string VendorTarget(int64_t id) { return "vendor/" + std::to_string(id); }
std::string AgreementTarget(int64_t id) {
  return "vendor-agreement/" + std::to_string(id);
}

Vendor VendorFromRow(const store::Row& r) {
  Vendor v;
  v.id = r.Int(0);
  v.name = r.Text(1);
  v.product = r.Text(2);
  v.domains = core::SplitList(r.Text(3), ',');
  v.contact = r.Text(4);
  v.notes = r.Text(5);
  v.added_by = r.Text(6);
  v.added_at = r.Text(7);
  return v;
}

Agreement AgreementFromRow(const store::Row& r) {
  Agreement a;
  a.id = r.Int(0);
  a.vendor_id = r.Int(1);
  a.kind = r.Text(2);
  a.title = r.Text(3);
  a.signed_on = r.Text(4);
  a.starts_on = r.Text(5);
  a.expires_on = r.Text(6);
  a.categories = core::SplitList(r.Text(7), ',');
  a.attested_by = r.Text(8);
  a.attested_on = r.Text(9);
  a.attestation_by = r.Text(10);
  a.attestation_at = r.Text(11);
  a.state = r.Text(12);
  a.ended_by = r.Text(13);
  a.ended_at = r.Text(14);
  a.end_reason = r.Text(15);
  a.added_by = r.Text(16);
  a.added_at = r.Text(17);
  return a;
}

// The term checks of the agreements listed, attached to them.
core::Status AttachChecks(store::Database& db, std::vector<Agreement>& list) {
  if (list.empty()) return core::Status::Ok();
  std::map<int64_t, Agreement*> by_id;
  for (auto& a : list) by_id[a.id] = &a;
  std::string sql =
      "SELECT agreement_id, term, evidence, checked_by, checked_at FROM "
      "vendor_terms WHERE agreement_id IN (";
  store::Params params;
  for (size_t i = 0; i < list.size(); ++i) {
    sql += i ? ", ?" : "?";
    params.push_back(P(list[i].id));
  }
  sql += ") ORDER BY agreement_id, term";
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows)
    if (auto it = by_id.find(r.Int(0)); it != by_id.end())
      it->second->checks.push_back(
          {r.Text(1), r.Text(2), r.Text(3), r.Text(4)});
  return core::Status::Ok();
}

core::Result<std::vector<Agreement>> Agreements(store::Database& db,
                                                const std::string& where,
                                                const store::Params& params) {
  auto list = store::QueryAs<Agreement>(
      db,
      fmt::format("SELECT {} FROM vendor_agreements {} ORDER BY id DESC",
                  kAgreementColumns, where),
      params, AgreementFromRow);
  if (!list.ok()) return list.status();
  if (auto st = AttachChecks(db, *list); !st.ok()) return st;
  return list;
}

// The public suffix list (the publicsuffix package, through libpsl): a
// vendor's domain is never one ("co.uk", "com.au"), or every host under it
// would be approved.
const psl_ctx_t* Suffixes() {
  static const psl_ctx_t* psl = [] {
    psl_ctx_t* latest = psl_latest(nullptr);
    return latest ? static_cast<const psl_ctx_t*>(latest) : psl_builtin();
  }();
  return psl;
}

// A host name as a vendor's domain: lower case, labels of letters, digits
// and '-', at least two of them, the last not a number (no IP address) and
// the whole not a public suffix.
core::Result<std::string> Domain(const std::string& in) {
  std::string d = core::AsciiLower(in);
  while (!d.empty() && d.back() == '.') d.pop_back();
  bool ok = !d.empty() && d.size() <= 253 && d.find('.') != std::string::npos;
  for (const auto& label : core::SplitList(d, '.'))
    ok = ok && label.size() <= 63 && label.front() != '-' &&
         label.back() != '-' &&
         label.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") ==
             std::string::npos;
  ok = ok && d.find("..") == std::string::npos && d.front() != '.';
  if (!ok)
    return core::Status::Invalid(fmt::format(
        "'{}' is not a domain: write it as vendor.example.com, without "
        "https:// or an address.",
        core::Shown(in)));
  const std::string last = d.substr(d.rfind('.') + 1);
  if (!last.empty() &&
      last.find_first_not_of("0123456789") == std::string::npos)
    return core::Status::Invalid(fmt::format(
        "'{}' is an IP address or ends in a number: name the vendor's "
        "domain.",
        core::Shown(in)));
  if (!d.empty() && Suffixes() && psl_is_public_suffix(Suffixes(), d.c_str()))
    return core::Status::Invalid(fmt::format(
        "'{}' is a public suffix, under which anyone may register a name: "
        "name the vendor's own domain.",
        core::Shown(in)));
  return d;
}

// `a` is `b` or inside it, or the other way round.
bool Overlap(const std::string& a, const std::string& b) {
  auto within = [](const std::string& x, const std::string& y) {
    return x == y || (x.size() > y.size() && x.ends_with(y) &&
                      x[x.size() - y.size() - 1] == '.');
  };
  return within(a, b) || within(b, a);
}

core::Result<std::string> Day(const std::string& s, const char* what) {
  auto d = core::ParseIsoDate(s, 2000, 2200, what);
  if (!d.ok()) return d.status();
  return core::IsoUtc(*d * 86400).substr(0, 10);
}

// Locks an active agreement's row inside `c` (a no-op UPDATE), so a check
// or an attestation cannot cross an end; NotFound or Invalid otherwise.
core::Status LockActive(store::Conn& c, int64_t id) {
  auto rows = c.Query(
      "UPDATE vendor_agreements SET state = state WHERE id = ? AND state = "
      "'active' RETURNING id",
      {P(id)});
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) return core::Status::Ok();
  auto now =
      c.Query("SELECT state FROM vendor_agreements WHERE id = ?", {P(id)});
  if (!now.ok()) return now.status();
  if (now->empty())
    return core::Status::NotFound(fmt::format("There is no agreement {}.", id));
  return core::Status::Invalid(
      fmt::format("Agreement {} was ended; add a new agreement instead.", id));
}

}  // namespace

std::string_view StandingName(Standing s) {
  switch (s) {
    case Standing::kInForce:
      return "in force";
    case Standing::kIncomplete:
      return "incomplete";
    case Standing::kNotYet:
      return "not yet in force";
    case Standing::kExpired:
      return "expired";
    case Standing::kEnded:
      return "ended";
  }
  return "";
}

Position PositionOf(const Agreement& a, const policy::VendorsPolicy& p,
                    const std::string& today) {
  Position out;
  for (const auto& t : p.terms)
    if (a.Check(t.id) == nullptr) out.missing.push_back(t.id);
  if (!p.attestation.empty() && a.attested_by.empty())
    out.missing.push_back("attestation");
  auto day = core::ParseIsoDate(today, 1970, 9999, "today");
  auto expires = core::ParseIsoDate(a.expires_on, 1970, 9999, "expiry");
  if (day.ok() && expires.ok()) out.days_left = *expires - *day;
  if (a.state == "ended")
    out.standing = Standing::kEnded;
  else if (a.expires_on <= today)
    out.standing = Standing::kExpired;
  else if (a.starts_on > today)
    out.standing = Standing::kNotYet;
  else if (!out.missing.empty())
    out.standing = Standing::kIncomplete;
  else
    out.standing = Standing::kInForce;
  out.expiring = out.standing == Standing::kInForce &&
                 out.days_left <= static_cast<int64_t>(p.expiring_days);
  return out;
}

std::string Today(const policy::PolicyPack& pack) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto zone = core::Zone::Open(pack.records.time_zone);
  const int64_t day = zone.ok() ? zone->At(now).day : now / 86400;
  return core::IsoUtc(day * 86400).substr(0, 10);
}

core::Result<int64_t> AddVendor(store::Database& db,
                                const policy::PolicyPack& pack,
                                const NewVendor& in,
                                const audit::Actor& actor) {
  auto name = core::Words(in.name, 200, "vendor's name", true);
  if (!name.ok()) return name.status();
  if (name->find('\n') != std::string::npos)
    return core::Status::Invalid("The vendor's name is one line.");
  auto product = core::Words(in.product, 200, "product", false);
  if (!product.ok()) return product.status();
  auto contact = core::Words(in.contact, 500, "contact", false);
  if (!contact.ok()) return contact.status();
  auto notes = core::Words(in.notes, 4000, "notes", false);
  if (!notes.ok()) return notes.status();
  if (in.domains.empty())
    return core::Status::Invalid(
        "Name at least one domain the vendor is reached at: mail to it and "
        "uploads to it are what the agreement approves.");
  if (in.domains.size() > 20)
    return core::Status::Invalid("A vendor has at most 20 domains.");
  std::vector<std::string> domains;
  for (const auto& raw : in.domains) {
    auto d = Domain(raw);
    if (!d.ok()) return d.status();
    for (const auto& own : pack.internal_domains)
      if (Overlap(*d, core::AsciiLower(own)))
        return core::Status::Invalid(fmt::format(
            "{} is the District's own domain, not a vendor's.", *d));
    for (const auto& x : domains)
      if (Overlap(*d, x))
        return core::Status::Invalid(
            fmt::format("{} and {} overlap: name one.", *d, x));
    domains.push_back(*d);
  }
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    // One add at a time, so two cannot take overlapping domains.
    if (auto lock = c.LockTable("vendor_domains"); !lock.ok()) return lock;
    auto taken = c.Query("SELECT domain, vendor_id FROM vendor_domains");
    if (!taken.ok()) return taken.status();
    for (const auto& r : *taken)
      for (const auto& d : domains)
        if (Overlap(d, r.Text(0)))
          return core::Status::Invalid(fmt::format(
              "{} is already vendor {}'s ({}).", d, r.Int(1), r.Text(0)));
    auto rows = c.Query(
        "INSERT INTO vendors (name, product, domains, contact, notes, "
        "added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {P(*name), P(*product), P(core::Join(domains, ",")), P(*contact),
         P(*notes), P(actor.name), P(store::NowUtc())});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    for (const auto& d : domains) {
      auto ins =
          c.Exec("INSERT INTO vendor_domains (domain, vendor_id) VALUES (?, ?)",
                 {P(d), P(id)});
      if (!ins.ok()) return ins;
    }
    return audit::Record(c, actor, "vendor.add", VendorTarget(id),
                         {{"name", *name}, {"domains", domains}});
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<int64_t> AddAgreement(store::Database& db,
                                   const policy::PolicyPack& pack,
                                   int64_t vendor_id, const NewAgreement& in,
                                   const audit::Actor& actor) {
  if (in.kind != "signed" && in.kind != "general-offer")
    return core::Status::Invalid(
        "An agreement is signed, or a general offer the vendor made and the "
        "District adopted.");
  auto title = core::Words(in.title, 200, "agreement's title", true);
  if (!title.ok()) return title.status();
  if (title->find('\n') != std::string::npos)
    return core::Status::Invalid("The agreement's title is one line.");
  auto signed_on = Day(in.signed_on, "The day it was signed");
  if (!signed_on.ok()) return signed_on.status();
  auto starts = Day(in.starts_on, "The day it begins");
  if (!starts.ok()) return starts.status();
  auto expires = Day(in.expires_on, "The day it expires");
  if (!expires.ok()) return expires.status();
  if (*signed_on > Today(pack))
    return core::Status::Invalid(
        "The day it was signed is in the future: add it once signed.");
  if (*signed_on > *starts)
    return core::Status::Invalid(
        "An agreement begins on or after the day it is signed.");
  if (*expires <= *starts)
    return core::Status::Invalid("An agreement expires after it begins.");
  // Twenty years on the calendar: the same day twenty years later.
  if (*expires >
      std::to_string(std::stoi(starts->substr(0, 4)) + 20) + starts->substr(4))
    return core::Status::Invalid(
        "An agreement runs at most 20 years: check the expiry day.");
  if (in.categories.empty())
    return core::Status::Invalid(
        "Name the kinds of data the agreement allows the vendor to receive.");
  std::vector<std::string> categories;
  for (const auto& c : in.categories) {
    if (!pack.FindCategory(c))
      return core::Status::Invalid(fmt::format(
          "The policy pack has no data category '{}'.", core::Shown(c)));
    if (std::find(categories.begin(), categories.end(), c) == categories.end())
      categories.push_back(c);
  }
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto vendor =
        c.Query("SELECT id FROM vendors WHERE id = ?", {P(vendor_id)});
    if (!vendor.ok()) return vendor.status();
    if (vendor->empty())
      return core::Status::NotFound(
          fmt::format("There is no vendor {}.", vendor_id));
    auto rows = c.Query(
        "INSERT INTO vendor_agreements (vendor_id, kind, title, signed_on, "
        "starts_on, expires_on, categories, state, added_by, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id",
        {P(vendor_id), P(in.kind), P(*title), P(*signed_on), P(*starts),
         P(*expires), P(core::Join(categories, ",")), P(actor.name),
         P(store::NowUtc())});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    return audit::Record(c, actor, "vendor.agreement", AgreementTarget(id),
                         {{"vendor", vendor_id},
                          {"kind", in.kind},
                          {"title", *title},
                          {"starts_on", *starts},
                          {"expires_on", *expires},
                          {"categories", categories}});
  });
  if (!st.ok()) return st;
  return id;
}

core::Status CheckTerm(store::Database& db, const policy::PolicyPack& pack,
                       int64_t agreement_id, const std::string& term,
                       const std::string& evidence_in,
                       const audit::Actor& actor) {
  if (!pack.vendors.Find(term))
    return core::Status::Invalid(fmt::format(
        "The policy pack asks for no term '{}'.", core::Shown(term)));
  auto evidence = core::Words(evidence_in, 500, "evidence", false);
  if (!evidence.ok()) return evidence.status();
  if (evidence->empty())
    return core::Status::Invalid(
        "Say where the agreement says it (a section or a page): a term is "
        "checked off with its evidence.");
  return db.Transact([&](store::Conn& c) -> core::Status {
    if (auto st = LockActive(c, agreement_id); !st.ok()) return st;
    auto st = c.Exec(
        "INSERT INTO vendor_terms (agreement_id, term, evidence, checked_by, "
        "checked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (agreement_id, term) "
        "DO UPDATE SET evidence = excluded.evidence, checked_by = "
        "excluded.checked_by, checked_at = excluded.checked_at",
        {P(agreement_id), P(term), P(*evidence), P(actor.name),
         P(store::NowUtc())});
    if (!st.ok()) return st;
    return audit::Record(c, actor, "vendor.term", AgreementTarget(agreement_id),
                         {{"term", term}, {"evidence", *evidence}});
  });
}

core::Status Attest(store::Database& db, int64_t agreement_id,
                    const std::string& signatory_in, const std::string& on,
                    const std::string& today, const audit::Actor& actor) {
  auto signatory = core::Words(signatory_in, 200, "signatory", false);
  if (!signatory.ok()) return signatory.status();
  if (signatory->empty() || signatory->find('\n') != std::string::npos)
    return core::Status::Invalid(
        "Name who signed the attestation for the vendor, on one line.");
  auto day = Day(on, "The day it was attested");
  if (!day.ok()) return day.status();
  if (*day > today)
    return core::Status::Invalid("The day it was attested is in the future.");
  return db.Transact([&](store::Conn& c) -> core::Status {
    if (auto st = LockActive(c, agreement_id); !st.ok()) return st;
    auto rows = c.Query(
        "UPDATE vendor_agreements SET attested_by = ?, attested_on = ?, "
        "attestation_by = ?, attestation_at = ? WHERE id = ? AND "
        "attested_by = '' RETURNING id",
        {P(*signatory), P(*day), P(actor.name), P(store::NowUtc()),
         P(agreement_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::Invalid(fmt::format(
          "Agreement {}'s attestation is already kept.", agreement_id));
    return audit::Record(c, actor, "vendor.attest",
                         AgreementTarget(agreement_id),
                         {{"signatory", *signatory}, {"on", *day}});
  });
}

core::Status End(store::Database& db, int64_t agreement_id,
                 const std::string& reason_in, const audit::Actor& actor) {
  auto reason = core::Words(reason_in, 2000, "reason", true);
  if (!reason.ok())
    return core::Status::Invalid("Ending an agreement early needs its reason.");
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "UPDATE vendor_agreements SET state = 'ended', ended_by = ?, "
        "ended_at = ?, end_reason = ? WHERE id = ? AND state = 'active' "
        "RETURNING id",
        {P(actor.name), P(store::NowUtc()), P(*reason), P(agreement_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return LockActive(c, agreement_id);
    return audit::Record(c, actor, "vendor.end", AgreementTarget(agreement_id),
                         {{"reason", *reason}});
  });
}

core::Result<std::vector<Vendor>> ListVendors(store::Database& db, int limit) {
  return store::QueryAs<Vendor>(
      db,
      fmt::format("SELECT {} FROM vendors ORDER BY name, id LIMIT ?",
                  kVendorColumns),
      {P(static_cast<int64_t>(limit > 0 ? limit : 1000))}, VendorFromRow);
}

core::Result<Vendor> GetVendor(store::Database& db, int64_t id) {
  return store::QueryOneAs<Vendor>(
      db, fmt::format("SELECT {} FROM vendors WHERE id = ?", kVendorColumns),
      {P(id)}, VendorFromRow, fmt::format("There is no vendor {}.", id));
}

core::Result<std::vector<Agreement>> AgreementsOf(store::Database& db,
                                                  int64_t vendor_id) {
  return Agreements(db, "WHERE vendor_id = ?", {P(vendor_id)});
}

core::Result<Agreement> GetAgreement(store::Database& db, int64_t id) {
  auto list = Agreements(db, "WHERE id = ?", {P(id)});
  if (!list.ok()) return list.status();
  if (list->empty())
    return core::Status::NotFound(fmt::format("There is no agreement {}.", id));
  return std::move(list->front());
}

core::Result<std::vector<Agreement>> AllAgreements(store::Database& db) {
  return Agreements(db, "", {});
}

core::Result<InForceList> InForce(store::Database& db,
                                  const policy::VendorsPolicy& p,
                                  const std::string& today) {
  auto vendors = ListVendors(db, 100000);
  if (!vendors.ok()) return vendors.status();
  // Only agreements that may be in force: active, begun, not expired.
  auto agreements = Agreements(
      db, "WHERE state = 'active' AND starts_on <= ? AND expires_on > ?",
      {P(today), P(today)});
  if (!agreements.ok()) return agreements.status();
  InForceList out;
  for (const auto& v : *vendors) {
    std::vector<std::string> categories, titles;
    for (const auto& a : *agreements) {
      if (a.vendor_id != v.id ||
          PositionOf(a, p, today).standing != Standing::kInForce)
        continue;
      for (const auto& c : a.categories)
        if (std::find(categories.begin(), categories.end(), c) ==
            categories.end())
          categories.push_back(c);
      titles.push_back(fmt::format("{} to {}", a.title, a.expires_on));
    }
    for (const auto& d : v.domains) {
      out.known.push_back(d);
      if (!titles.empty())
        out.approved.push_back(
            {d, categories,
             fmt::format("{}: {}", v.name, core::Join(titles, "; "))});
    }
  }
  return out;
}

}  // namespace steward::vendors
