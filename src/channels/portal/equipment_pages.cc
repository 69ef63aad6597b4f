// Equipment in the portal (R, K.7, K.8; docs/portal.md): ITS keeps the
// register — adds assets or imports Snipe-IT's CSV, issues them, takes them
// back, reports loss or damage with a charge when the pack allows, retires
// them — and sees the end-of-life list and what departed employees still
// hold; an auditor reads it all. Every employee sees what they hold and
// acknowledges the pack's equipment terms for what they are issued.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/hash.h"
#include "core/text.h"
#include "equipment/equipment.h"

namespace steward::portal {

namespace {

bool Writes(const Ctx& c) { return ItsWrites(c); }

const policy::EquipmentPolicy& Policy(const Ctx& c) {
  static const policy::EquipmentPolicy kNone;
  return c.app.options.pack ? c.app.options.pack->equipment : kNone;
}

// The terms an employee acknowledges, and their SHA-256 (what an issue
// records and an acceptance must match).
std::string TermsHash(const Ctx& c) {
  core::Sha256 h;
  h.Update(Policy(c).terms);
  return h.HexDigest();
}

std::string Today(const Ctx& c) { return DistrictDay(c); }

// The end-of-life list's horizon: today plus [equipment] eol_days.
std::string EolBy(const Ctx& c) {
  auto day = core::ParseIsoDate(Today(c), 1970, 9999, "today");
  if (!day.ok()) return Today(c);
  return core::IsoUtc((*day + Policy(c).eol_days) * 86400).substr(0, 10);
}

// The view asked for on /equipment.
std::string ViewOf(const Ctx& c) {
  std::string v = c.Param("view");
  for (const char* known : {"issued", "in-stock", "eol", "offboarding", "lost",
                            "damaged", "retired"})
    if (v == known) return v;
  return "all";
}

equipment::Filter FilterOf(const Ctx& c, int limit) {
  equipment::Filter f{.limit = limit};
  const std::string v = ViewOf(c);
  if (v == "eol")
    f.eol_by = EolBy(c);
  else if (v == "offboarding")
    f.departed = true;
  else if (v == "lost")
    f.status = "lost";
  else if (v != "all")
    f.status = v;
  f.text = core::CleanText(c.Param("q"), 100);
  auto before = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
  if (before.ok()) f.before_id = *before;
  return f;
}

Data AssetRow(const equipment::Asset& a, const std::string& today) {
  Data x;
  x.set("id", std::to_string(a.id));
  x.set("tag", a.tag);
  SetIfAny(x, "serial", a.serial);
  x.set("model", a.model.empty() ? a.category : a.model);
  SetIfAny(x, "category", a.category);
  SetIfAny(x, "manufacturer", a.manufacturer);
  SetIfAny(x, "site", a.site);
  x.set("status", a.status);
  x.set("issued", a.status == "issued");
  SetIfAny(x, "holder", a.holder_name);
  SetIfAny(x, "purchased_on", a.purchased_on);
  SetIfAny(x, "eol_on", a.eol_on);
  x.set("past_eol",
        !a.eol_on.empty() && a.eol_on <= today && a.status != "retired");
  SetIfAny(x, "cost", a.cost);
  SetIfAny(x, "notes", a.notes);
  return x;
}

nlohmann::ordered_json AssetJson(const equipment::Asset& a) {
  return {{"id", a.id},
          {"tag", a.tag},
          {"serial", a.serial},
          {"model", a.model},
          {"category", a.category},
          {"manufacturer", a.manufacturer},
          {"site", a.site},
          {"status", a.status},
          {"purchased_on", a.purchased_on},
          {"eol_on", a.eol_on},
          {"cost", a.cost},
          {"holder", a.holder},
          {"holder_name", a.holder_name},
          {"issue", a.issue_id}};
}

Data IssueRow(const equipment::Issue& i) {
  Data x;
  x.set("id", std::to_string(i.id));
  x.set("tag", i.asset_tag);
  x.set("model", i.asset_model);
  SetIfAny(x, "serial", i.asset_serial);
  x.set("details", equipment::DetailsMark(i));
  x.set("holder", i.holder_name);
  x.set("issued_at", i.issued_at.substr(0, 10));
  x.set("issued_by", i.issued_by);
  x.set("state", i.state);
  x.set("waiting", i.state == "waiting");
  SetIfAny(x, "accepted_at", i.accepted_at);
  SetIfAny(x, "accepted_from", i.accepted_from);
  SetIfAny(x, "opened_at", i.opened_at);
  SetIfAny(x, "returned_at", i.returned_at.substr(0, 10));
  SetIfAny(x, "condition", i.condition);
  x.set("terms_sha256", i.terms_sha256.substr(0, 16));
  return x;
}

Data ChargeRow(const equipment::Charge& ch) {
  Data x;
  x.set("id", std::to_string(ch.id));
  x.set("asset_id", std::to_string(ch.asset_id));
  x.set("tag", ch.asset_tag);
  x.set("holder", ch.holder_name);
  x.set("amount", ch.amount);
  x.set("reason", ch.reason);
  x.set("state", ch.state);
  x.set("owed", ch.state == "owed");
  x.set("made_at", ch.made_at.substr(0, 10));
  SetIfAny(x, "settled_at", ch.settled_at.substr(0, 10));
  SetIfAny(x, "note", ch.note);
  return x;
}

bool MayWrite(Ctx& c) {
  if (Writes(c)) return true;
  c.Fail(403, "IT Services keeps the equipment register (K.7).");
  return false;
}

void Unreadable(Ctx& c) {
  c.Fail(503, "The equipment register cannot be read now; try again shortly.");
}

// The asset of the path; else the page says why not (nullopt).
std::optional<equipment::Asset> LoadAsset(Ctx& c) {
  auto a = equipment::Get(*c.app.db, c.Id());
  if (a.ok()) return std::move(a).value();
  if (a.status().code() == core::Code::kNotFound)
    c.Fail(404, "No such asset.");
  else
    Unreadable(c);
  return std::nullopt;
}

// After a change to asset `id`: its page, with what happened or why not.
void Done(Ctx& c, int64_t id, const core::Status& st, const std::string& ok) {
  if (st.code() == core::Code::kNotFound) {
    c.Fail(404, st.message());
    return;
  }
  c.SeeOther("/equipment/" + std::to_string(id),
             st.ok() ? ok
             : st.code() == core::Code::kInvalidArgument
                 ? st.message()
                 : "The register could not be changed now; try again "
                   "shortly.");
}

const std::vector<std::string> kExportHeader = {
    "tag",    "serial", "model",        "category",    "manufacturer", "site",
    "status", "holder", "purchased on", "end of life", "cost"};

}  // namespace

void AddEquipmentCounts(const Ctx& c, Data* mine, Figures* queues) {
  const int64_t me = c.session->account.person_id;
  if (mine && me) {
    auto held = equipment::Count(*c.app.db, {.status = "issued", .holder = me});
    if (held.ok()) SetCount(*mine, "equipment_held", *held);
    auto issues = equipment::IssuesOf(*c.app.db, me);
    int64_t waiting = 0;
    if (issues.ok())
      for (const auto& i : *issues) waiting += i.state == "waiting";
    SetCount(*mine, "equipment_waiting", waiting);
  }
  if (!queues || !Writes(c)) return;
  auto count = [&](const char* key, core::Result<int64_t> n) {
    if (n.ok()) queues->Count(key, *n);
  };
  count("equipment_departed", equipment::Count(*c.app.db, {.departed = true}));
  count("equipment_eol", equipment::Count(*c.app.db, {.eol_by = EolBy(c)}));
  count("equipment_owed", equipment::CountCharges(*c.app.db, "owed"));
}

void EquipmentPage(Ctx& c) {
  Data d = c.Page("Equipment");
  const std::string view = ViewOf(c);
  d.set("view_" + (view == "in-stock" ? std::string("in_stock") : view), true);
  d.set("view", view);
  SetIfAny(d, "q", core::CleanText(c.Param("q"), 100));
  d.set("q_url", http::UrlEncode(core::CleanText(c.Param("q"), 100)));
  d.set("writes", Writes(c));
  d.set("eol_by", EolBy(c));
  const std::string today = Today(c);
  auto list = equipment::List(*c.app.db, FilterOf(c, 100));
  if (!list.ok()) return Unreadable(c);
  List rows = RowsOf(*list, [&](const auto& a) { return AssetRow(a, today); });
  d.set("has_assets", !rows.empty());
  Put(d, "assets", std::move(rows));
  if (list->size() == 100)
    d.set("next",
          fmt::format("/equipment?view={}&q={}&before={}", view,
                      http::UrlEncode(core::CleanText(c.Param("q"), 100)),
                      list->back().id));
  auto owed = equipment::Charges(*c.app.db, "owed");
  if (owed.ok()) {
    List charges;
    for (const auto& ch : *owed) charges.push_back(ChargeRow(ch));
    d.set("has_charges", !charges.empty());
    Put(d, "charges", std::move(charges));
  }
  c.Html("equipment", d);
}

void EquipmentAssetPage(Ctx& c) {
  auto a = LoadAsset(c);
  if (!a) return;
  auto history = equipment::History(*c.app.db, a->id);
  auto charges = equipment::Charges(*c.app.db, "", a->id);
  if (!history.ok() || !charges.ok()) return Unreadable(c);
  Data d = c.Page(a->tag);
  d.set("a", AssetRow(*a, Today(c)));
  List events;
  for (const auto& e : *history) {
    Data x;
    x.set("at", e.at);
    x.set("actor", e.actor);
    x.set("what", e.what);
    SetIfAny(x, "text", e.text);
    SetIfAny(x, "holder", e.holder_name);
    events.push_back(std::move(x));
  }
  Put(d, "events", std::move(events));
  List rows = RowsOf(*charges, ChargeRow);
  d.set("has_charges", !rows.empty());
  Put(d, "charges", std::move(rows));
  if (a->issue_id) {
    auto issue = equipment::GetIssue(*c.app.db, a->issue_id);
    if (issue.ok()) d.set("issue", IssueRow(*issue));
  }
  const bool writes = Writes(c);
  d.set("may_issue", writes && a->status == "in-stock");
  d.set("may_return", writes && a->status == "issued");
  if (a->issue_id) {
    auto issue = equipment::GetIssue(*c.app.db, a->issue_id);
    d.set("may_ask_again",
          writes && issue.ok() && issue->terms_sha256 != TermsHash(c));
  }
  d.set("may_report",
        writes && (a->status == "issued" || a->status == "in-stock"));
  d.set("charges_allowed", Policy(c).charges && a->status == "issued");
  d.set("may_retire",
        writes && a->status != "issued" && a->status != "retired");
  d.set("may_settle", writes);
  if (writes && a->status != "retired") {  // the edit form, fields as kept
    Data e;
    Put(e, "tag", a->tag);
    Put(e, "serial", a->serial);
    Put(e, "model", a->model);
    Put(e, "category", a->category);
    Put(e, "manufacturer", a->manufacturer);
    Put(e, "site", a->site);
    Put(e, "purchased_on", a->purchased_on);
    Put(e, "eol_on", a->eol_on);
    Put(e, "cost", a->cost);
    Put(e, "notes", a->notes);
    Put(d, "edit", std::move(e));
  }
  c.Html("equipment_asset", d);
}

void EquipmentNewPage(Ctx& c) {
  if (!MayWrite(c)) return;
  Data d = c.Page("Add equipment");
  c.Html("equipment_new", d);
}

// An asset as the add and edit forms describe it.
equipment::NewAsset AssetOfForm(const Ctx& c) {
  return {.tag = c.Param("tag"),
          .serial = c.Param("serial"),
          .model = c.Param("model"),
          .category = c.Param("category"),
          .manufacturer = c.Param("manufacturer"),
          .site = c.Param("site"),
          .purchased_on = core::CleanText(c.Param("purchased_on"), 20),
          .eol_on = core::CleanText(c.Param("eol_on"), 20),
          .cost = core::CleanText(c.Param("cost"), 40),
          .notes = c.Param("notes")};
}

void EquipmentCreatePost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto id = equipment::Add(*c.app.db, AssetOfForm(c), c.Actor());
  if (!id.ok()) {
    c.SeeOther("/equipment/new",
               id.status().code() == core::Code::kInvalidArgument
                   ? id.status().message()
                   : "The asset could not be added now; try again shortly.");
    return;
  }
  c.SeeOther("/equipment/" + std::to_string(*id), "Added, in stock.");
}

void EquipmentImportPost(Ctx& c) {
  if (!MayWrite(c)) return;
  if (!c.req.HasFile("assets")) {
    c.SeeOther("/equipment/new", "Choose the Snipe-IT CSV export to upload.");
    return;
  }
  const auto& file = c.req.File("assets");
  auto report = equipment::ImportSnipeIt(*c.app.db, file.content, file.filename,
                                         TermsHash(c), c.Actor());
  if (!report.ok()) {
    c.SeeOther("/equipment/new",
               report.status().code() == core::Code::kInvalidArgument
                   ? report.status().message()
                   : "The import could not be written now; try again.");
    return;
  }
  Data d = c.Page("Equipment imported");
  d.set("summary", report->Summary());
  List problems;
  for (const auto& p : report->problems) {
    Data x;
    x.set("text", p);
    problems.push_back(std::move(x));
  }
  d.set("has_problems", !problems.empty());
  Put(d, "problems", std::move(problems));
  c.Html("equipment_import", d);
}

namespace {

// The issue the form was filled in against ("" : none given).
int64_t SeenIssue(const Ctx& c) {
  auto n = core::ParseInt(c.Param("issue"), 1, INT64_MAX, "issue");
  return n.ok() ? *n : 0;
}

// Nobody acts on their own equipment: who issues, takes back, charges or
// settles is never the holder.
bool Own(Ctx& c, int64_t holder, const std::string& back) {
  if (holder == 0 || holder != c.session->account.person_id) return false;
  c.SeeOther(back,
             "This is your own equipment: another member of IT Services "
             "decides on it.");
  return true;
}

}  // namespace

void EquipmentIssuePost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto person = equipment::FindEmployee(*c.app.db, c.Param("employee"));
  if (!person.ok()) {
    const bool none = person.status().code() == core::Code::kNotFound;
    c.SeeOther("/equipment/" + std::to_string(c.Id()),
               none || person.status().code() == core::Code::kInvalidArgument
                   ? person.status().message()
                   : "The register cannot be read now; try again shortly.");
    return;
  }
  if (Policy(c).terms.empty()) {
    c.SeeOther("/equipment/" + std::to_string(c.Id()),
               "The policy pack has no [equipment] terms to acknowledge.");
    return;
  }
  if (Own(c, *person, "/equipment/" + std::to_string(c.Id()))) return;
  auto id =
      equipment::IssueTo(*c.app.db, c.Id(), *person, TermsHash(c), c.Actor());
  Done(c, c.Id(), id.status(),
       "Issued: the employee is asked to acknowledge the equipment terms.");
}

void EquipmentReturnPost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto a = LoadAsset(c);
  if (!a || Own(c, a->holder, "/equipment/" + std::to_string(a->id))) return;
  Done(c, c.Id(),
       equipment::Return(*c.app.db, c.Id(), c.Param("condition"),
                         c.Param("note"), SeenIssue(c), c.Actor()),
       "Returned.");
}

void EquipmentReportPost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto a = LoadAsset(c);
  if (!a || Own(c, a->holder, "/equipment/" + std::to_string(a->id))) return;
  const std::string amount = core::CleanText(c.Param("amount"), 40);
  if (!amount.empty() && !Policy(c).charges) {
    Done(c, c.Id(),
         core::Status::Invalid(
             "The policy pack does not charge employees for equipment."),
         "");
    return;
  }
  Done(c, c.Id(),
       equipment::Report(*c.app.db, c.Id(), c.Param("what"), c.Param("note"),
                         amount, SeenIssue(c), c.Actor()),
       amount.empty() ? "Reported." : "Reported, with the charge.");
}

void EquipmentAskAgainPost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto id = equipment::AskAgain(*c.app.db, c.Id(), TermsHash(c), c.Actor());
  Done(c, c.Id(), id.status(),
       "The holder is asked to acknowledge the terms in force.");
}

void EquipmentEditPost(Ctx& c) {
  if (!MayWrite(c)) return;
  Done(c, c.Id(), equipment::Edit(*c.app.db, c.Id(), AssetOfForm(c), c.Actor()),
       "Saved.");
}

void EquipmentRetirePost(Ctx& c) {
  if (!MayWrite(c)) return;
  Done(c, c.Id(),
       equipment::Retire(*c.app.db, c.Id(), c.Param("reason"), c.Actor()),
       "Retired.");
}

void ChargeSettlePost(Ctx& c) {
  if (!MayWrite(c)) return;
  auto charge = equipment::GetCharge(*c.app.db, c.Id());
  if (charge.ok() && Own(c, charge->holder, "/equipment")) return;
  auto st = equipment::Settle(*c.app.db, c.Id(), c.Param("state"),
                              c.Param("note"), c.Actor());
  if (st.code() == core::Code::kNotFound) return c.Fail(404, st.message());
  c.SeeOther("/equipment",
             st.ok() ? "Charge settled."
             : st.code() == core::Code::kInvalidArgument
                 ? st.message()
                 : "The register could not be changed now; try again.");
}

void EquipmentMinePage(Ctx& c) {
  Data d = c.Page("Your equipment");
  const int64_t me = c.session->account.person_id;
  d.set("linked", me != 0);
  if (me) {
    const std::string today = Today(c);
    auto held = equipment::List(
        *c.app.db, {.status = "issued", .holder = me, .limit = 500});
    auto issues = equipment::IssuesOf(*c.app.db, me);
    if (!held.ok() || !issues.ok()) return Unreadable(c);
    List assets, waiting, past;
    for (const auto& a : *held) assets.push_back(AssetRow(a, today));
    for (const auto& i : *issues)
      (i.state == "waiting" ? waiting : past).push_back(IssueRow(i));
    d.set("has_assets", !assets.empty());
    Put(d, "assets", std::move(assets));
    d.set("has_waiting", !waiting.empty());
    Put(d, "waiting", std::move(waiting));
    d.set("has_past", !past.empty());
    Put(d, "past", std::move(past));
  }
  c.Html("equipment_mine", d);
}

namespace {

// The issue of the path, when it is the signed-in person's; else 404,
// the same for someone else's issue as for none, so that issue numbers
// tell nobody what others were given.
std::optional<equipment::Issue> MyIssue(Ctx& c) {
  auto i = equipment::GetIssue(*c.app.db, c.Id());
  const int64_t me = c.session->account.person_id;
  if (i.ok() && me != 0 && i->holder == me) return std::move(i).value();
  if (!i.ok() && i.status().code() != core::Code::kNotFound) {
    Unreadable(c);
    return std::nullopt;
  }
  c.Fail(404, "No equipment issue of yours has this number.");
  return std::nullopt;
}

}  // namespace

void EquipmentIssuePage(Ctx& c) {
  auto i = MyIssue(c);
  if (!i) return;
  if (i->state == "waiting")
    (void)equipment::Opened(*c.app.db, i->id, i->holder, c.Actor());
  Data d = c.Page("Equipment terms");
  d.set("i", IssueRow(*i));
  d.set("terms", Policy(c).terms);
  d.set("clauses", core::Join(Policy(c).clauses, ", "));
  d.set("changed", i->state == "waiting" && i->terms_sha256 != TermsHash(c));
  c.Html("equipment_issue", d);
}

void EquipmentAcceptPost(Ctx& c) {
  auto i = MyIssue(c);
  if (!i) return;
  // The page sends what it showed; a form without it (a page from before
  // the details were kept, a hand-made request), or for an issue whose page
  // was never opened (so the evidence would say it was opened as it was
  // accepted), is sent back to be read.
  const std::string shown = c.Param("details");
  auto st = shown.empty() || i->opened_at.empty()
                ? core::Status::Invalid(
                      "Open the equipment's page and read its details before "
                      "you accept.")
                : equipment::Accept(*c.app.db, i->id, i->holder, TermsHash(c),
                                    c.Actor(), shown);
  c.SeeOther("/equipment/mine",
             st.ok() ? fmt::format("Thank you: you acknowledged the terms "
                                   "for {}.",
                                   i->asset_tag)
             : st.code() == core::Code::kInvalidArgument
                 ? st.message()
                 : "Your acknowledgement could not be kept now; try again.");
}

namespace {

void ExportEquipment(Ctx& c, bool xlsx) {
  ExportSlot slot(c);
  if (!slot.Taken()) return;
  auto list = equipment::List(*c.app.db, FilterOf(c, 1000000));
  if (!list.ok()) return Unreadable(c);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(list->size());
  for (const auto& a : *list)
    rows.push_back({a.tag, a.serial, a.model, a.category, a.manufacturer,
                    a.site, a.status, a.holder_name, a.purchased_on, a.eol_on,
                    a.cost});
  c.DownloadTable("equipment-" + ViewOf(c), xlsx, kExportHeader, rows);
}

}  // namespace

void EquipmentCsv(Ctx& c) { ExportEquipment(c, false); }
void EquipmentXlsx(Ctx& c) { ExportEquipment(c, true); }

void ApiEquipment(Ctx& c) {
  auto list = equipment::List(*c.app.db, FilterOf(c, 500));
  if (!list.ok()) return Unreadable(c);
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& a : *list) out.push_back(AssetJson(a));
  c.Json({{"view", ViewOf(c)}, {"assets", out}});
}

void ApiEquipmentAsset(Ctx& c) {
  auto a = LoadAsset(c);
  if (!a) return;
  auto history = equipment::History(*c.app.db, a->id);
  if (!history.ok()) return Unreadable(c);
  nlohmann::ordered_json j = AssetJson(*a);
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const auto& e : *history)
    events.push_back({{"at", e.at},
                      {"actor", e.actor},
                      {"what", e.what},
                      {"text", e.text},
                      {"holder", e.holder_name}});
  j["history"] = events;
  c.Json(j);
}

}  // namespace steward::portal
