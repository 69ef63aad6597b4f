#include "rulings/rulings.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/text.h"

namespace steward::rulings {

using store::P;

namespace {

constexpr std::string_view kColumns =
    "id, decided_on, title, text, clauses, pack_items, pack_change, "
    "pack_version, pack_hash, issued_by, issued_at, supersedes, state, "
    "withdrawn_by, withdrawn_at, withdraw_reason";

std::string Target(int64_t id) { return "ruling/" + std::to_string(id); }

Ruling FromRow(const store::Row& r) {
  Ruling x;
  x.id = r.Int(0);
  x.decided_on = r.Text(1);
  x.title = r.Text(2);
  x.text = r.Text(3);
  x.clauses = core::SplitList(r.Text(4), ',');
  x.pack_items = core::SplitList(r.Text(5), ',');
  x.pack_change = r.Text(6);
  x.pack_version = r.Text(7);
  x.pack_hash = r.Text(8);
  x.issued_by = r.Text(9);
  x.issued_at = r.Text(10);
  x.supersedes = r.Int(11);
  x.state = r.Text(12);
  x.withdrawn_by = r.Text(13);
  x.withdrawn_at = r.Text(14);
  x.withdraw_reason = r.Text(15);
  return x;
}

// Clause ids and rule ids: short, printable, no separator of the list.
core::Result<std::string> IdList(const std::vector<std::string>& ids_in,
                                 const char* what) {
  std::vector<std::string> ids;
  for (const auto& id : ids_in)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  if (ids.size() > 50)
    return core::Status::Invalid(
        fmt::format("A ruling names at most 50 of its {}s.", what));
  for (const auto& id : ids)
    if (id.empty() || id.size() > 80 ||
        id.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
            std::string::npos)
      return core::Status::Invalid(
          fmt::format("'{}' is not a {}.", core::CleanText(id, 80), what));
  return core::Join(ids, ",");
}

// Withdraws `id` inside `c`: once, only while in force.
core::Status WithdrawIn(store::Conn& c, int64_t id, const std::string& reason,
                        const audit::Actor& actor) {
  auto rows = c.Query(
      "UPDATE rulings SET state = 'withdrawn', withdrawn_by = ?, "
      "withdrawn_at = ?, withdraw_reason = ? WHERE id = ? AND state = "
      "'in-force' RETURNING id",
      {P(actor.name), P(store::NowUtc()), P(reason), P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    auto now = c.Query("SELECT state FROM rulings WHERE id = ?", {P(id)});
    if (!now.ok()) return now.status();
    if (now->empty())
      return core::Status::NotFound(fmt::format("There is no ruling {}.", id));
    return core::Status::Invalid(
        fmt::format("Ruling {} is already withdrawn.", id));
  }
  return audit::Record(c, actor, "ruling.withdraw", Target(id),
                       {{"reason", reason}});
}

}  // namespace

core::Result<int64_t> Issue(store::Database& db, const NewRuling& in,
                            const audit::Actor& actor) {
  auto title = core::Words(in.title, 200, "title", true);
  if (!title.ok()) return title.status();
  if (title->find('\n') != std::string::npos)
    return core::Status::Invalid("The title is one line.");
  auto text = core::Words(in.text, 8000, "ruling's text", true);
  if (!text.ok()) return text.status();
  auto change = core::Words(in.pack_change, 2000, "pack change", false);
  if (!change.ok()) return change.status();
  auto day = core::ParseIsoDate(in.decided_on, 2000, 2200, "The day decided");
  if (!day.ok()) return day.status();
  if (in.decided_on >
      (in.today.empty() ? core::NowUtc().substr(0, 10) : in.today))
    return core::Status::Invalid(
        "The day decided is in the future: issue a ruling once it is made.");
  if (in.clauses.empty())
    return core::Status::Invalid("A ruling cites the clauses it decides on.");
  auto clauses = IdList(in.clauses, "clause");
  if (!clauses.ok()) return clauses.status();
  auto items = IdList(in.pack_items, "pack rule");
  if (!items.ok()) return items.status();
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "INSERT INTO rulings (decided_on, title, text, clauses, pack_items, "
        "pack_change, pack_version, pack_hash, issued_by, issued_at, "
        "supersedes, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "'in-force') RETURNING id",
        {P(in.decided_on), P(*title), P(*text), P(*clauses), P(*items),
         P(*change), P(core::CleanText(in.pack_version, 100)),
         P(core::CleanText(in.pack_hash, 100)), P(actor.name),
         P(store::NowUtc()), P(in.supersedes)});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    if (in.supersedes > 0) {
      if (in.supersedes == id)
        return core::Status::Invalid("A ruling cannot supersede itself.");
      if (auto w =
              WithdrawIn(c, in.supersedes,
                         fmt::format("superseded by ruling {}", id), actor);
          !w.ok())
        return w.code() == core::Code::kNotFound
                   ? core::Status::Invalid(w.message())
                   : w;
    }
    core::Sha256 words;
    words.Update(*text);
    words.Update(std::string_view("\0", 1));
    words.Update(*change);
    nlohmann::json detail = {{"decided_on", in.decided_on},
                             {"title", *title},
                             {"clauses", core::SplitList(*clauses, ',')},
                             {"sha256", words.HexDigest()}};
    if (!items->empty()) detail["pack_items"] = core::SplitList(*items, ',');
    if (!in.pack_hash.empty()) detail["pack_hash"] = in.pack_hash;
    if (in.supersedes > 0) detail["supersedes"] = in.supersedes;
    return audit::Record(c, actor, "ruling.issue", Target(id), detail);
  });
  if (!st.ok()) return st;
  return id;
}

core::Status Withdraw(store::Database& db, int64_t id,
                      const std::string& reason_in, const audit::Actor& actor) {
  auto reason = core::Words(reason_in, 2000, "reason", false);
  if (!reason.ok()) return reason.status();
  if (reason->empty())
    return core::Status::Invalid(
        "Withdrawing a ruling needs its reason: employees read it.");
  return db.Transact([&](store::Conn& c) -> core::Status {
    return WithdrawIn(c, id, *reason, actor);
  });
}

core::Result<std::vector<Ruling>> List(store::Database& db, const Filter& f) {
  store::Params params;
  std::string sql = fmt::format("SELECT {} FROM rulings WHERE 1 = 1", kColumns);
  if (!f.state.empty()) {
    sql += " AND state = ?";
    params.push_back(P(f.state));
  }
  if (!f.clause.empty()) {
    // Clause lists are "A.3,G.3": a match on a whole item.
    sql += " AND (',' || clauses || ',') LIKE ?";
    params.push_back(P("%," + f.clause + ",%"));
  }
  store::NewestFirst(sql, params, f.before_id, f.limit);
  return store::QueryAs<Ruling>(db, sql, params, FromRow);
}

core::Result<Ruling> Get(store::Database& db, int64_t id) {
  return store::QueryOneAs<Ruling>(
      db, fmt::format("SELECT {} FROM rulings WHERE id = ?", kColumns), {P(id)},
      FromRow, fmt::format("There is no ruling {}.", id));
}

}  // namespace steward::rulings
