// Rulings in the portal (A.3, G.3; docs/portal.md): the Superintendent's
// designee issues a ruling — dated, citing clauses of the pack, naming the
// pack rules it caused — withdraws it with a reason or supersedes it with a
// later one; every signed-in person reads the rulings in force, beside the
// regulation they acknowledge.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/text.h"
#include "rulings/rulings.h"

namespace steward::portal {

namespace {

using identity::Role;

bool Issues(const Ctx& c) {
  return c.session->account.roles.Has(Role::kDesignee) &&
         !c.session->account.roles.Has(Role::kAuditor);
}

// The state asked for: in force (the default), withdrawn, or all.
std::string StateParam(const Ctx& c) {
  std::string s = c.Param("state");
  if (s == "withdrawn") return s;
  return s == "all" ? "" : "in-force";
}

// A clause filter only when the pack knows the clause.
std::string ClauseParam(const Ctx& c) {
  std::string id = c.Param("clause");
  return c.app.options.pack && c.app.options.pack->FindClause(id) ? id : "";
}

Data Row(const rulings::Ruling& r) {
  Data x;
  x.set("id", std::to_string(r.id));
  x.set("decided_on", r.decided_on);
  x.set("title", r.title);
  x.set("text", r.text);
  x.set("clauses", core::Join(r.clauses, ", "));
  x.set("state", r.state == "in-force" ? "in force" : r.state);
  x.set("in_force", r.state == "in-force");
  x.set("issued_by", r.issued_by);
  SetIfAny(x, "pack_items", core::Join(r.pack_items, ", "));
  SetIfAny(x, "pack_change", r.pack_change);
  SetIfAny(x, "pack_version", r.pack_version);
  SetIfAny(x, "pack_hash", r.pack_hash.substr(0, 16));
  if (r.supersedes > 0) x.set("supersedes", std::to_string(r.supersedes));
  SetIfAny(x, "withdrawn_at", r.withdrawn_at.substr(0, 10));
  SetIfAny(x, "withdraw_reason", r.withdraw_reason);
  return x;
}

nlohmann::ordered_json RulingJson(const rulings::Ruling& r) {
  return {{"id", r.id},
          {"decided_on", r.decided_on},
          {"title", r.title},
          {"text", r.text},
          {"clauses", r.clauses},
          {"pack_items", r.pack_items},
          {"pack_change", r.pack_change},
          {"pack_version", r.pack_version},
          {"pack_hash", r.pack_hash},
          {"issued_by", r.issued_by},
          {"issued_at", r.issued_at},
          {"supersedes", r.supersedes},
          {"state", r.state},
          {"withdrawn_by", r.withdrawn_by},
          {"withdrawn_at", r.withdrawn_at},
          {"withdraw_reason", r.withdraw_reason}};
}

std::optional<std::vector<rulings::Ruling>> Listed(Ctx& c, int limit) {
  rulings::Filter f{
      .state = StateParam(c), .clause = ClauseParam(c), .limit = limit};
  auto before = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
  if (before.ok()) f.before_id = *before;
  auto list = rulings::List(*c.app.db, f);
  if (!list.ok()) {
    c.Fail(503, "Rulings cannot be read now; try again shortly.");
    return std::nullopt;
  }
  return std::move(list).value();
}

// The ruling of the path; else the page says why not (nullopt).
std::optional<rulings::Ruling> Load(Ctx& c) {
  auto r = rulings::Get(*c.app.db, c.Id());
  if (r.ok()) return std::move(r).value();
  const bool none = r.status().code() == core::Code::kNotFound;
  c.Fail(none ? 404 : 503,
         none ? "No such ruling."
              : "Rulings cannot be read now; try again shortly.");
  return std::nullopt;
}

// "A.3, G.3" as ids the pack knows; the unknown ones named in `bad` (a
// list too long to read whole is one bad entry, never cut short).
std::vector<std::string> Known(const Ctx& c, const std::string& text,
                               bool clauses, std::vector<std::string>& bad) {
  std::vector<std::string> out;
  if (text.size() > 4000) {
    bad.push_back("(a list longer than 4,000 characters)");
    return out;
  }
  const auto* pack = c.app.options.pack.get();
  for (auto& id : core::SplitList(core::CleanText(text, 4000), ',')) {
    bool known = false;
    if (pack && clauses) known = pack->FindClause(id) != nullptr;
    if (pack && !clauses)
      for (const auto& r : pack->rules) known = known || r.id == id;
    (known ? out : bad).push_back(id);
  }
  return out;
}

const std::vector<std::string> kExportHeader = {
    "number",       "decided on",    "title",        "clauses",
    "pack rules",   "pack change",   "pack version", "pack hash",
    "issued by",    "issued at",     "supersedes",   "state",
    "withdrawn at", "why withdrawn", "text"};

}  // namespace

List RulingsInForce(const Ctx& c, bool* more) {
  List out;
  constexpr int kShown = 200;
  auto list =
      rulings::List(*c.app.db, {.state = "in-force", .limit = kShown + 1});
  if (list.ok())
    for (size_t i = 0; i < list->size() && i < kShown; ++i)
      out.push_back(Row((*list)[i]));
  *more = list.ok() && list->size() > kShown;
  return out;
}

void RulingsPage(Ctx& c) {
  Data d = c.Page("Rulings");
  const std::string state = StateParam(c), clause = ClauseParam(c);
  d.set(state.empty()          ? "state_all"
        : state == "withdrawn" ? "state_withdrawn"
                               : "state_in_force",
        true);
  d.set("state_param", state.empty() ? "all" : state);
  SetIfAny(d, "clause", clause);
  d.set("issues", Issues(c));
  auto list = Listed(c, 50);
  if (!list) return;
  List rows;
  for (const auto& r : *list) rows.push_back(Row(r));
  d.set("has_rulings", !rows.empty());
  Put(d, "rulings", std::move(rows));
  if (list->size() == 50)
    d.set("next",
          fmt::format("/rulings?state={}&clause={}&before={}",
                      state.empty() ? "all" : state, clause, list->back().id));
  c.Html("rulings", d);
}

void RulingPage(Ctx& c) {
  auto r = Load(c);
  if (!r) return;
  Data d = c.Page(fmt::format("Ruling {}", r->id));
  d.set("r", Row(*r));
  d.set("clause_list", ClauseList(c, r->clauses));
  d.set("may_withdraw", Issues(c) && r->state == "in-force");
  c.Html("ruling", d);
}

void RulingNewPage(Ctx& c) {
  if (!Issues(c)) {
    c.Fail(403, "The Superintendent's designee issues rulings.");
    return;
  }
  Data d = c.Page("Issue a ruling");
  d.set("today", DistrictDay(c));
  SetIfAny(d, "supersedes", c.Param("supersedes"));
  if (c.app.options.pack) {
    d.set("pack_version", c.app.options.pack->version);
    d.set("pack_hash", c.app.options.pack->hash.substr(0, 16));
  }
  c.Html("ruling_new", d);
}

void RulingCreatePost(Ctx& c) {
  if (!Issues(c)) {
    c.Fail(403, "The Superintendent's designee issues rulings.");
    return;
  }
  std::vector<std::string> bad_clauses, bad_rules;
  rulings::NewRuling n{
      .decided_on = core::CleanText(c.Param("decided_on"), 20),
      .title = c.Param("title"),
      .text = c.Param("text"),
      .clauses = Known(c, c.Param("clauses"), true, bad_clauses),
      .pack_items = Known(c, c.Param("pack_items"), false, bad_rules),
      .pack_change = c.Param("pack_change"),
      .today = DistrictDay(c)};
  if (!bad_clauses.empty() || !bad_rules.empty()) {
    c.SeeOther("/rulings/new", !bad_clauses.empty()
                                   ? "The regulation has no clause " +
                                         core::Join(bad_clauses, ", ") + "."
                                   : "The policy pack has no rule " +
                                         core::Join(bad_rules, ", ") + ".");
    return;
  }
  if (const std::string s = c.Param("supersedes"); !s.empty()) {
    auto n_old = core::ParseInt(s, 1, INT64_MAX - 1, "The ruling replaced");
    if (!n_old.ok()) {
      c.SeeOther("/rulings/new", n_old.status().message());
      return;
    }
    n.supersedes = *n_old;
  }
  if (c.app.options.pack) {
    n.pack_version = c.app.options.pack->version;
    n.pack_hash = c.app.options.pack->hash;
  }
  auto id = rulings::Issue(*c.app.db, n, c.Actor());
  if (!id.ok()) {
    c.SeeOther("/rulings/new",
               id.status().code() == core::Code::kInvalidArgument
                   ? id.status().message()
                   : "The ruling could not be kept now; try again shortly.");
    return;
  }
  c.SeeOther("/rulings/" + std::to_string(*id),
             fmt::format("Ruling {} issued; employees see it beside the "
                         "regulation.",
                         *id));
}

void RulingWithdrawPost(Ctx& c) {
  if (!Issues(c)) {
    c.Fail(403, "The Superintendent's designee withdraws rulings.");
    return;
  }
  auto st = rulings::Withdraw(*c.app.db, c.Id(), c.Param("reason"), c.Actor());
  if (st.code() == core::Code::kNotFound) {
    c.Fail(404, "No such ruling.");
    return;
  }
  c.SeeOther("/rulings/" + std::to_string(c.Id()),
             st.ok() ? "Withdrawn." : st.message());
}

namespace {

void ExportRulings(Ctx& c, bool xlsx) {
  auto list = Listed(c, 100000);
  if (!list) return;
  std::vector<std::vector<std::string>> rows;
  rows.reserve(list->size());
  for (const auto& r : *list)
    rows.push_back({std::to_string(r.id), r.decided_on, r.title,
                    core::Join(r.clauses, " "), core::Join(r.pack_items, " "),
                    r.pack_change, r.pack_version, r.pack_hash, r.issued_by,
                    r.issued_at,
                    r.supersedes ? std::to_string(r.supersedes) : "", r.state,
                    r.withdrawn_at, r.withdraw_reason, r.text});
  c.DownloadTable("rulings", xlsx, kExportHeader, rows);
}

}  // namespace

void RulingsCsv(Ctx& c) { ExportRulings(c, false); }
void RulingsXlsx(Ctx& c) { ExportRulings(c, true); }

void ApiRulings(Ctx& c) {
  auto list = Listed(c, 200);
  if (!list) return;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& r : *list) out.push_back(RulingJson(r));
  c.Json({{"rulings", out}});
}

void ApiRuling(Ctx& c) {
  auto r = Load(c);
  if (!r) return;
  c.Json(RulingJson(*r));
}

}  // namespace steward::portal
