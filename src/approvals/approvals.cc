#include "approvals/approvals.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/hash.h"
#include "core/text.h"

namespace steward::approvals {

using store::P;
using Kind = policy::ApprovalsPolicy::FieldKind;

namespace {

constexpr std::string_view kColumns =
    "id, type, title, clauses, decides, requester, requested_at, fields, "
    "sha256, held_id, state, decided_by, decided_at, reason";

std::string Target(int64_t id) { return "approval/" + std::to_string(id); }

// The fields as stored: a JSON array of [name, value] pairs, in order.
nlohmann::json FieldsArray(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [k, v] : fields) a.push_back({k, v});
  return a;
}
std::string FieldsJson(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  return FieldsArray(fields).dump(-1, ' ', false,
                                  nlohmann::json::error_handler_t::replace);
}

Request FromRow(const store::Row& r) {
  Request q;
  q.id = r.Int(0);
  q.type = r.Text(1);
  q.title = r.Text(2);
  q.clauses = core::SplitList(r.Text(3), ',');
  q.decides = r.Text(4);
  q.requester = r.Text(5);
  q.requested_at = r.Text(6);
  auto j = nlohmann::json::parse(r.Text(7), nullptr, false);
  if (j.is_array())
    for (const auto& p : j)
      if (p.is_array() && p.size() == 2 && p[0].is_string() && p[1].is_string())
        q.fields.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  q.sha256 = r.Text(8);
  q.held_id = r.Int(9);
  q.state = r.Text(10);
  q.decided_by = r.Text(11);
  q.decided_at = r.Text(12);
  q.reason = r.Text(13);
  q.intact = Fingerprint(q) == q.sha256;
  return q;
}

// One value checked against its field's kind; the value as kept.
core::Result<std::string> CheckValue(const policy::ApprovalsPolicy::Field& f,
                                     std::string_view raw) {
  const std::string what = "\"" + f.label + "\"";
  switch (f.kind) {
    case Kind::kText:
      return core::Words(raw, 4000, what, false);
    case Kind::kLine: {
      auto w = core::Words(raw, 300, what, false);
      if (w.ok() && w->find('\n') != std::string::npos)
        return core::Status::Invalid(what + " is one line.");
      return w;
    }
    default:
      break;
  }
  std::string v = core::CleanText(raw, 2100);
  v.erase(0, v.find_first_not_of(" \t"));
  v.erase(v.find_last_not_of(" \t") + 1);
  if (v.empty()) return v;
  switch (f.kind) {
    case Kind::kAmount:
      return core::ParseDollars(v, what);
    case Kind::kDate: {
      auto d = core::ParseIsoDate(v, 2000, 2200, what);
      if (!d.ok()) return d.status();
      return v;
    }
    case Kind::kUrl: {
      // Refused, never rewritten: a web address is printable ASCII (an
      // international name in its xn-- form), without spaces.
      static const std::regex kUrl(R"(https?://[!-~]{1,1990})",
                                   std::regex::icase);
      std::string_view t = raw;
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.remove_prefix(1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
        t.remove_suffix(1);
      if (t != v || v.size() > 2000 || !std::regex_match(v, kUrl) ||
          v.find_first_of("<>\"") != std::string::npos)
        return core::Status::Invalid(
            what + " is a web address starting http:// or https://.");
      return v;
    }
    case Kind::kHeldMessage: {
      auto n = core::ParseInt(v, 1, INT64_MAX - 1, what);
      if (!n.ok())
        return core::Status::Invalid(what +
                                     " is the number of a held message.");
      return std::to_string(*n);
    }
    default:
      return v;
  }
}

}  // namespace

bool IsState(std::string_view s) {
  return std::find(std::begin(kStates), std::end(kStates), s) !=
         std::end(kStates);
}

core::Result<std::vector<std::pair<std::string, std::string>>> CheckFields(
    const policy::ApprovalsPolicy::Type& type,
    const std::map<std::string, std::string>& values) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : type.fields) {
    auto it = values.find(f.name);
    auto v = CheckValue(f, it == values.end() ? "" : it->second);
    if (!v.ok()) return v.status();
    if (v->empty() && f.required)
      return core::Status::Invalid("Fill in \"" + f.label + "\".");
    out.emplace_back(f.name, std::move(v).value());
  }
  return out;
}

std::string Fingerprint(const Request& r) {
  nlohmann::json j = {{"type", r.type},
                      {"decides", r.decides},
                      {"held_id", r.held_id},
                      {"requester", r.requester},
                      {"requested_at", r.requested_at},
                      {"fields", FieldsArray(r.fields)}};
  core::Sha256 h;
  h.Update(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return h.HexDigest();
}

core::Result<int64_t> Create(store::Database& db,
                             const policy::ApprovalsPolicy::Type& type,
                             const std::map<std::string, std::string>& values,
                             const std::string& requester,
                             const audit::Actor& actor) {
  if (requester.empty()) return core::Status::Invalid("a request has a name");
  auto fields = CheckFields(type, values);
  if (!fields.ok()) return fields.status();
  Request r;
  r.type = type.id;
  r.requester = requester;
  r.requested_at = store::NowUtc();
  r.decides = std::string(policy::ReleaseRoleName(type.decides));
  r.fields = std::move(fields).value();
  for (size_t i = 0; i < type.fields.size(); ++i)
    if (type.fields[i].kind == Kind::kHeldMessage &&
        !r.fields[i].second.empty())
      r.held_id = std::stoll(r.fields[i].second);
  r.sha256 = Fingerprint(r);
  const std::string& decides = r.decides;
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "INSERT INTO approvals (type, title, clauses, decides, requester, "
        "requested_at, fields, sha256, held_id, state) VALUES (?, ?, ?, ?, ?, "
        "?, ?, ?, ?, 'waiting') RETURNING id",
        {P(type.id), P(type.title), P(core::Join(type.clauses, ",")),
         P(decides), P(requester), P(r.requested_at), P(FieldsJson(r.fields)),
         P(r.sha256), P(r.held_id)});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    nlohmann::json detail = {
        {"type", type.id}, {"decides", decides}, {"sha256", r.sha256}};
    if (r.held_id) detail["held_message"] = r.held_id;
    return audit::Record(c, actor, "approval.request", Target(id), detail);
  });
  if (!st.ok()) return st;
  return id;
}

namespace {

std::string Where(const Filter& f, store::Params& params) {
  std::string sql = " WHERE 1 = 1";
  if (!f.state.empty()) {
    sql += " AND state = ";
    store::AddWord(sql, params, f.state);
  }
  if (!f.requester.empty()) {
    sql += " AND requester = ?";
    params.push_back(P(f.requester));
  }
  if (!f.decides.empty()) {
    // A supervisor decides their own reports' requests only.
    std::function<std::string(store::Params&)> reports;
    if (f.supervised)
      reports = [&](store::Params& p) -> std::string {
        if (f.supervised->empty()) return "";
        return "LOWER(requester) IN (" + store::Placeholders(*f.supervised, p) +
               ")";
      };
    sql += " AND " +
           store::OneOf("decides", f.decides, params, "supervisor", reports);
  }
  return sql;
}

}  // namespace

core::Result<std::vector<Request>> List(store::Database& db, const Filter& f) {
  store::Params params;
  std::string sql =
      fmt::format("SELECT {} FROM approvals{}", kColumns, Where(f, params));
  store::NewestFirst(sql, params, f.before_id, f.limit);
  return store::QueryAs<Request>(db, sql, params, FromRow);
}

core::Result<int64_t> Count(store::Database& db, const Filter& f) {
  store::Params params;
  std::string where = Where(f, params);
  return store::QueryCount(db, "SELECT COUNT(*) FROM approvals" + where,
                           params);
}

core::Result<Request> Get(store::Database& db, int64_t id) {
  return store::QueryOneAs<Request>(
      db, fmt::format("SELECT {} FROM approvals WHERE id = ?", kColumns),
      {P(id)}, FromRow, "no request " + std::to_string(id));
}

namespace {

// Moves a waiting request to `state`; the statement's WHERE makes it once.
core::Status Close(store::Database& db, int64_t id, const std::string& state,
                   const std::string& by, const std::string& reason,
                   const char* action, const audit::Actor& actor) {
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, "
        "reason = ? WHERE id = ? AND state = 'waiting' RETURNING id",
        {P(state), P(by), P(store::NowUtc()), P(reason), P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      auto now = c.Query(
          "SELECT state, decided_by, decided_at FROM approvals "
          "WHERE id = ?",
          {P(id)});
      if (!now.ok()) return now.status();
      if (now->empty())
        return core::Status::NotFound("no request " + std::to_string(id));
      const auto& r = now->front();
      return core::Status::Invalid(fmt::format(
          "Request {} was {} by {} at {}; only a waiting request changes.", id,
          r.Text(0), r.Text(1), r.Text(2).substr(0, 16)));
    }
    nlohmann::json detail = {{"state", state}};
    if (!reason.empty()) detail["reason"] = reason;
    return audit::Record(c, actor, action, Target(id), detail);
  });
}

}  // namespace

core::Status Decide(store::Database& db, int64_t id, bool approve,
                    const std::string& reason_in, const std::string& decider,
                    const audit::Actor& actor) {
  auto reason = core::Words(reason_in, 2000, "reason", !approve);
  if (!reason.ok())
    return core::Status::Invalid(
        approve ? reason.status().message()
                : "A refusal needs its reason: the requester reads it.");
  auto r = Get(db, id);
  if (!r.ok()) return r.status();
  if (r->requester == decider)
    return core::Status::Invalid(
        "You asked for this: someone else decides on it.");
  return Close(db, id, approve ? "approved" : "refused", decider, *reason,
               approve ? "approval.approve" : "approval.refuse", actor);
}

core::Status Withdraw(store::Database& db, int64_t id,
                      const std::string& requester, const audit::Actor& actor) {
  auto r = Get(db, id);
  if (!r.ok()) return r.status();
  if (r->requester != requester)
    return core::Status::Invalid("Only who asked can withdraw a request.");
  return Close(db, id, "withdrawn", requester, "", "approval.withdraw", actor);
}

}  // namespace steward::approvals
