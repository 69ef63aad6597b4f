#include "equipment/equipment.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/hash.h"
#include "core/text.h"
#include "store/like.h"

namespace steward::equipment {

using store::P;

namespace {

constexpr std::array<std::string_view, 6> kStatuses = {
    "in-stock", "issued", "lost", "stolen", "damaged", "retired"};

constexpr std::string_view kAssetColumns =
    "a.id, a.tag, a.serial, a.model, a.category, a.manufacturer, a.site, "
    "a.status, a.purchased_on, a.eol_on, a.cost, a.holder, a.issue_id, "
    "a.notes, a.added_at, COALESCE(p.given_name || ' ' || p.family_name, '')";
constexpr std::string_view kAssetFrom =
    " FROM assets a LEFT JOIN people p ON p.id = a.holder";

constexpr std::string_view kIssueColumns =
    "i.id, i.asset_id, i.holder, COALESCE(p.given_name || ' ' || "
    "p.family_name, ''), i.asset_tag, i.asset_model, i.issued_by, "
    "i.issued_at, i.terms_sha256, i.state, i.opened_at, i.opened_from, "
    "i.accepted_at, i.accepted_from, i.returned_at, i.returned_by, "
    "i.condition, i.asset_serial";
constexpr std::string_view kIssueFrom =
    " FROM asset_issues i LEFT JOIN people p ON p.id = i.holder";

std::string Target(int64_t id) { return "asset/" + std::to_string(id); }

// A waiting issue of the asset to a person, with the asset's tag, serial
// and model as they stand: what the person is asked to accept.
core::Result<int64_t> NewIssue(store::Conn& c, int64_t asset, int64_t person,
                               const std::string& terms,
                               const audit::Actor& actor) {
  auto rows = c.Query(
      "INSERT INTO asset_issues (asset_id, holder, issued_by, issued_at, "
      "terms_sha256, state, asset_tag, asset_serial, asset_model) SELECT id, "
      "?, ?, ?, ?, 'waiting', tag, serial, model FROM assets WHERE id = ? "
      "RETURNING id",
      {P(person), P(actor.name), P(store::NowUtc()), P(terms), P(asset)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("There is no asset {}.", asset));
  return rows->at(0).Int(0);
}

Asset AssetFromRow(const store::Row& r) {
  Asset a;
  a.id = r.Int(0);
  a.tag = r.Text(1);
  a.serial = r.Text(2);
  a.model = r.Text(3);
  a.category = r.Text(4);
  a.manufacturer = r.Text(5);
  a.site = r.Text(6);
  a.status = r.Text(7);
  a.purchased_on = r.Text(8);
  a.eol_on = r.Text(9);
  a.cost = r.Text(10);
  a.holder = r.Int(11);
  a.issue_id = r.Int(12);
  a.notes = r.Text(13);
  a.added_at = r.Text(14);
  a.holder_name = r.Text(15);
  return a;
}

Issue IssueFromRow(const store::Row& r) {
  Issue i;
  i.id = r.Int(0);
  i.asset_id = r.Int(1);
  i.holder = r.Int(2);
  i.holder_name = r.Text(3);
  i.asset_tag = r.Text(4);
  i.asset_model = r.Text(5);
  i.issued_by = r.Text(6);
  i.issued_at = r.Text(7);
  i.terms_sha256 = r.Text(8);
  i.state = r.Text(9);
  i.opened_at = r.Text(10);
  i.opened_from = r.Text(11);
  i.accepted_at = r.Text(12);
  i.accepted_from = r.Text(13);
  i.returned_at = r.Text(14);
  i.returned_by = r.Text(15);
  i.condition = r.Text(16);
  i.asset_serial = r.Text(17);
  return i;
}

// One line of words a person typed, at most `max` characters.
core::Result<std::string> Line(std::string_view in, size_t max,
                               std::string_view what) {
  auto w = core::Words(in, max, what, false);
  if (!w.ok()) return w.status();
  if (w->find('\n') != std::string::npos)
    return core::Status::Invalid(fmt::format("The {} is one line.", what));
  // Two serial numbers that look alike are alike: no hidden characters.
  return core::CompactLine(*w);
}

core::Result<std::string> Day(std::string_view s, std::string_view what) {
  if (s.empty()) return std::string();
  auto d = core::ParseIsoDate(s, 1980, 2200, what);
  if (!d.ok()) return d.status();
  return std::string(s);
}

// An asset's fields checked, as they are kept.
core::Result<NewAsset> Checked(const NewAsset& in) {
  NewAsset out;
  // Checked as written: a character that is no part of a tag is refused,
  // never dropped to make another tag.
  std::string tag(in.tag.substr(0, 200));
  tag.erase(0, tag.find_first_not_of(' '));
  tag.erase(tag.find_last_not_of(' ') + 1);
  if (tag.empty() || tag.size() > 64 ||
      tag.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
                            "UVWXYZ0123456789-_./") != std::string::npos)
    return core::Status::Invalid(fmt::format(
        "'{}' is not an asset tag: letters, digits and - _ . / only, at "
        "most 64.",
        core::Shown(in.tag)));
  out.tag = tag;
  struct Field {
    const std::string& in;
    std::string& out;
    size_t max;
    const char* what;
  };
  for (const Field& f :
       {Field{in.serial, out.serial, 100, "serial number"},
        Field{in.model, out.model, 200, "model"},
        Field{in.category, out.category, 100, "category"},
        Field{in.manufacturer, out.manufacturer, 100, "manufacturer"},
        Field{in.site, out.site, 200, "site"}}) {
    auto v = Line(f.in, f.max, f.what);
    if (!v.ok()) return v.status();
    f.out = *v;
  }
  if (out.model.empty() && out.category.empty())
    return core::Status::Invalid(
        "Say what the asset is: its model or its category.");
  auto notes = core::Words(in.notes, 2000, "notes", false);
  if (!notes.ok()) return notes.status();
  out.notes = *notes;
  auto bought = Day(in.purchased_on, "The purchase day");
  if (!bought.ok()) return bought.status();
  auto eol = Day(in.eol_on, "The end-of-life day");
  if (!eol.ok()) return eol.status();
  if (!bought->empty() && !eol->empty() && *eol <= *bought)
    return core::Status::Invalid("The end of life comes after the purchase.");
  out.purchased_on = *bought;
  out.eol_on = *eol;
  if (!in.cost.empty()) {
    auto cost = core::ParseDollars(in.cost, "The cost");
    if (!cost.ok()) return cost.status();
    out.cost = *cost;
  }
  return out;
}

// An event of the asset's history and its audit entry, inside `c`.
core::Status Log(store::Conn& c, int64_t asset, const std::string& what,
                 const std::string& text, int64_t holder,
                 const audit::Actor& actor, nlohmann::json detail = {}) {
  auto st = c.Exec(
      "INSERT INTO asset_events (asset_id, at, actor, what, text, holder) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {P(asset), P(store::NowUtc()), P(actor.name), P(what), P(text),
       P(holder)});
  if (!st.ok()) return st;
  if (detail.is_null()) detail = nlohmann::json::object();
  if (!text.empty()) detail["text"] = text;
  if (holder) detail["holder"] = holder;
  return audit::Record(c, actor, "equipment." + what, Target(asset), detail);
}

// Invalid when another asset (not `except`) has `tag`, whatever its case.
core::Status TagFree(store::Conn& c, const std::string& tag,
                     int64_t except = 0) {
  auto taken =
      c.Query("SELECT id FROM assets WHERE LOWER(tag) = LOWER(?) AND id <> ?",
              {P(tag), P(except)});
  if (!taken.ok()) return taken.status();
  if (taken->empty()) return core::Status::Ok();
  return core::Status::Invalid(
      fmt::format("Tag {} is asset {}'s already.", tag, taken->front().Int(0)));
}

// Writes an asset's described fields (all but its tag, status and holder).
// An issue not yet accepted shows the details written (an edit by hand,
// an import); an accepted one keeps what was accepted.
core::Status WriteFields(store::Conn& c, int64_t id, const NewAsset& a) {
  auto st = c.Exec(
      "UPDATE assets SET serial = ?, model = ?, category = ?, "
      "manufacturer = ?, site = ?, purchased_on = ?, eol_on = ?, cost = ?, "
      "notes = ? WHERE id = ?",
      {P(a.serial), P(a.model), P(a.category), P(a.manufacturer), P(a.site),
       P(a.purchased_on), P(a.eol_on), P(a.cost), P(a.notes), P(id)});
  if (!st.ok()) return st;
  return c.Exec(
      "UPDATE asset_issues SET asset_tag = (SELECT tag FROM assets WHERE id = "
      "?), asset_serial = ?, asset_model = ? WHERE asset_id = ? AND state = "
      "'waiting'",
      {P(id), P(a.serial), P(a.model), P(id)});
}

// Moves an asset from one of `from` to `to` in one guarded UPDATE, setting
// its holder and issue; NotFound, or Invalid saying where it stands.
core::Status Move(store::Conn& c, int64_t id,
                  std::initializer_list<std::string_view> from,
                  const std::string& to, int64_t holder, int64_t issue) {
  std::string in;
  store::Params params{P(to), P(holder), P(issue), P(id)};
  for (auto s : from) {
    in += in.empty() ? "?" : ", ?";
    params.push_back(P(std::string(s)));
  }
  auto rows = c.Query(fmt::format("UPDATE assets SET status = ?, holder = ?, "
                                  "issue_id = ? WHERE id = ? AND status IN "
                                  "({}) RETURNING id",
                                  in),
                      params);
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) return core::Status::Ok();
  auto now = c.Query("SELECT status FROM assets WHERE id = ?", {P(id)});
  if (!now.ok()) return now.status();
  if (now->empty())
    return core::Status::NotFound(fmt::format("There is no asset {}.", id));
  return core::Status::Invalid(
      fmt::format("Asset {} is {} now.", id, now->front().Text(0)));
}

core::Result<store::Row> AssetIn(store::Conn& c, int64_t id) {
  auto rows = c.Query(
      "SELECT holder, issue_id, status FROM assets WHERE id = ?", {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("There is no asset {}.", id));
  return rows->front();
}

// The issue: inside `c`, an active employee gets the asset.
core::Result<int64_t> IssueIn(store::Conn& c, int64_t asset, int64_t person,
                              const std::string& terms,
                              const audit::Actor& actor,
                              bool any_status = false) {
  if (auto a = AssetIn(c, asset); !a.ok()) return a.status();
  auto who = c.Query(
      "SELECT status, kind FROM people WHERE id = ?" +
          std::string(c.dialect() == store::Dialect::kPostgres ? " FOR SHARE"
                                                               : ""),
      {P(person)});
  if (!who.ok()) return who.status();
  if (who->empty() || who->front().Text(1) != "employee")
    return core::Status::Invalid("Equipment is issued to an employee.");
  if (who->front().Text(0) != "active" && !any_status)
    return core::Status::Invalid(
        "The employee is not active: equipment is issued to active staff.");
  auto made = NewIssue(c, asset, person, terms, actor);
  if (!made.ok()) return made.status();
  const int64_t id = *made;
  if (auto st = Move(c, asset, {"in-stock"}, "issued", person, id); !st.ok())
    return st;
  if (auto st = Log(c, asset, "issue", "", person, actor, {{"issue", id}});
      !st.ok())
    return st;
  return id;
}

// The one active employee `who_in` names: a user name, an address, or the
// part of an address before '@' (an HR export has no user names).
core::Result<int64_t> EmployeeIn(store::Conn& c, const std::string& who_in,
                                 bool any_status = false) {
  std::string who = core::AsciiLower(core::CleanText(who_in, 200));
  who.erase(0, who.find_first_not_of(' '));
  who.erase(who.find_last_not_of(' ') + 1);
  if (who.empty())
    return core::Status::Invalid("Name the employee: user name or address.");
  const std::string local =
      who.find('@') == std::string::npos ? who + "@" : std::string("\n");
  auto rows = c.Query(
      std::string("SELECT id FROM people WHERE kind = 'employee' AND ") +
          (any_status ? "1 = 1" : "status = 'active'") +
          " AND (LOWER(username) = ? OR LOWER(email) = ? OR "
          "SUBSTR(LOWER(email), 1, ?) = ?) ORDER BY id LIMIT 2",
      {P(who), P(who), P(static_cast<int64_t>(local.size())), P(local)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format(
        "No {}employee is {}.", any_status ? "" : "active ", core::Shown(who)));
  if (rows->size() > 1)
    return core::Status::Invalid(
        fmt::format("{} names more than one employee: use their address.",
                    core::Shown(who)));
  return rows->front().Int(0);
}

}  // namespace

bool KnownStatus(std::string_view s) {
  return std::find(kStatuses.begin(), kStatuses.end(), s) != kStatuses.end();
}

core::Result<int64_t> Add(store::Database& db, const NewAsset& in,
                          const audit::Actor& actor) {
  auto a = Checked(in);
  if (!a.ok()) return a.status();
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    if (auto free = TagFree(c, a->tag); !free.ok()) return free;
    auto rows = c.Query(
        "INSERT INTO assets (tag, serial, model, category, manufacturer, "
        "site, status, purchased_on, eol_on, cost, notes, added_at) VALUES "
        "(?, ?, ?, ?, ?, ?, 'in-stock', ?, ?, ?, ?, ?) RETURNING id",
        {P(a->tag), P(a->serial), P(a->model), P(a->category),
         P(a->manufacturer), P(a->site), P(a->purchased_on), P(a->eol_on),
         P(a->cost), P(a->notes), P(store::NowUtc())});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    return Log(c, id, "add", a->tag + " " + a->model, 0, actor);
  });
  if (!st.ok()) return st;
  return id;
}

core::Status Edit(store::Database& db, int64_t id, const NewAsset& in,
                  const audit::Actor& actor) {
  auto a = Checked(in);
  if (!a.ok()) return a.status();
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto now = c.Query(
        "SELECT tag, serial, model, category, manufacturer, site, "
        "purchased_on, eol_on, cost, notes, status FROM assets WHERE id = ?",
        {P(id)});
    if (!now.ok()) return now.status();
    if (now->empty())
      return core::Status::NotFound(fmt::format("There is no asset {}.", id));
    const store::Row& r = now->front();
    if (r.Text(10) == "retired")
      return core::Status::Invalid(
          fmt::format("Asset {} is retired: its record is final.", id));
    const std::pair<const char*, const std::string*> fields[] = {
        {"tag", &a->tag},
        {"serial", &a->serial},
        {"model", &a->model},
        {"category", &a->category},
        {"manufacturer", &a->manufacturer},
        {"site", &a->site},
        {"purchased_on", &a->purchased_on},
        {"eol_on", &a->eol_on},
        {"cost", &a->cost},
        {"notes", &a->notes}};
    nlohmann::json changed = nlohmann::json::object();
    std::vector<std::string> names;
    for (size_t i = 0; i < std::size(fields); ++i) {
      const std::string before = r.Text(i);
      if (before == *fields[i].second) continue;
      changed[fields[i].first] = {before, *fields[i].second};
      names.push_back(fields[i].first);
    }
    if (names.empty()) return core::Status::Ok();
    if (changed.contains("tag")) {
      if (auto free = TagFree(c, a->tag, id); !free.ok()) return free;
      auto st =
          c.Exec("UPDATE assets SET tag = ? WHERE id = ?", {P(a->tag), P(id)});
      if (!st.ok()) return st;
    }
    if (auto st = WriteFields(c, id, *a); !st.ok()) return st;
    // What was written before and after, in the audit entry; the history
    // names the fields.
    return Log(c, id, "edit", "changed " + core::Join(names, ", "), 0, actor,
               {{"changed", changed}});
  });
}

std::string ImportReport::Summary() const {
  return fmt::format(
      "{} new, {} updated, {} issued to their holders; {} rows "
      "not loaded",
      created, updated, issued, rejected);
}

core::Result<ImportReport> ImportSnipeIt(store::Database& db,
                                         std::string_view bytes,
                                         const std::string& file,
                                         const std::string& terms,
                                         const audit::Actor& actor) {
  enum Col {
    kTag,
    kName,
    kSerial,
    kModel,
    kModelNo,
    kCategory,
    kMaker,
    kLocation,
    kStatus,
    kBought,
    kCost,
    kEol,
    kUser,
    kEmail,
    kNotes
  };
  const std::vector<std::vector<std::string_view>> columns = {
      {"Asset Tag", "asset_tag", "Tag"},
      {"Name", "Asset Name", "Item Name"},
      {"Serial", "Serial Number"},
      {"Model", "Model Name"},
      {"Model Number", "Model No."},
      {"Category"},
      {"Manufacturer"},
      {"Location", "Default Location"},
      {"Status", "Status Label"},
      {"Purchase Date"},
      {"Purchase Cost"},
      {"EOL Date", "Asset EOL Date", "EOL"},
      {"Checked Out To: Username", "Username"},
      {"Checked Out To: Email", "Email"},
      {"Asset Notes", "Notes"}};
  ImportReport report;
  const std::string name = core::CleanText(file, 200);
  auto problem = [&](uint32_t line, const std::string& why, bool rejected) {
    report.rejected += rejected;
    if (report.problems.size() < 200)
      report.problems.push_back(fmt::format("{}:{}: {}", name, line, why));
  };
  // Every row read and checked first; then written in batches, so other
  // writers (a sign-in) wait for one batch at most, never the whole file.
  struct Row {
    uint32_t line;
    NewAsset asset;
    std::string status, holder;
  };
  std::vector<Row> rows;
  std::map<std::string, uint32_t> seen;  // tag, lower case -> line
  auto st = core::ReadCsvTable(
      bytes, name, columns, {kTag}, "Asset Tag",
      [&](const core::CsvRecord& rec, const core::CellOf& cell) {
        if (rows.size() + report.rejected >= 200000) {
          problem(rec.line, "more than 200,000 rows; the rest were not read",
                  false);
          return false;
        }
        NewAsset n{.tag = cell(kTag),
                   .serial = cell(kSerial),
                   .model = cell(kModel).empty() ? cell(kName) : cell(kModel),
                   .category = cell(kCategory),
                   .manufacturer = cell(kMaker),
                   .site = cell(kLocation),
                   .purchased_on = cell(kBought).substr(0, 10),
                   .eol_on = cell(kEol).substr(0, 10),
                   .cost = cell(kCost),
                   .notes = cell(kNotes)};
        if (!cell(kModelNo).empty() && !n.model.empty())
          n.model += " (" + cell(kModelNo) + ")";
        auto a = Checked(n);
        if (!a.ok()) {
          problem(rec.line, a.status().message(), true);
          return true;
        }
        auto [at, fresh] = seen.emplace(core::AsciiLower(a->tag), rec.line);
        if (!fresh) {
          problem(
              rec.line,
              fmt::format("tag {} is on line {} already", a->tag, at->second),
              true);
          return true;
        }
        const std::string email = cell(kEmail);
        rows.push_back({rec.line, std::move(a).value(),
                        core::AsciiLower(cell(kStatus)),
                        email.empty() ? cell(kUser) : email});
        return true;
      });
  if (!st.ok()) return st;
  constexpr size_t kBatch = 500;
  for (size_t from = 0; from < rows.size(); from += kBatch) {
    const size_t to = std::min(rows.size(), from + kBatch);
    ImportReport batch;
    std::vector<std::pair<uint32_t, std::string>> notes;
    auto wrote = db.Transact([&](store::Conn& c) -> core::Status {
      batch = ImportReport{};
      notes.clear();
      for (size_t k = from; k < to; ++k) {
        const Row& r = rows[k];
        const NewAsset& a = r.asset;
        auto old = c.Query("SELECT id FROM assets WHERE LOWER(tag) = LOWER(?)",
                           {P(a.tag)});
        if (!old.ok()) return old.status();
        if (!old->empty()) {
          const int64_t id = old->front().Int(0);
          if (auto up = WriteFields(c, id, a); !up.ok()) return up;
          if (auto st = Log(c, id, "import", "updated from " + name, 0, actor);
              !st.ok())
            return st;
          ++batch.updated;
          continue;
        }
        // Snipe-IT's labels: "Archived", "Broken", "Lost/Stolen".
        const std::string& label = r.status;
        const std::string initial =
            label.find("archiv") != std::string::npos ? "retired"
            : label.find("broken") != std::string::npos ||
                    label.find("repair") != std::string::npos
                ? "damaged"
            : label.find("lost") != std::string::npos   ? "lost"
            : label.find("stolen") != std::string::npos ? "stolen"
                                                        : "in-stock";
        auto ins = c.Query(
            "INSERT INTO assets (tag, serial, model, category, manufacturer, "
            "site, status, purchased_on, eol_on, cost, notes, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            {P(a.tag), P(a.serial), P(a.model), P(a.category),
             P(a.manufacturer), P(a.site), P(initial), P(a.purchased_on),
             P(a.eol_on), P(a.cost), P(a.notes), P(store::NowUtc())});
        if (!ins.ok()) return ins.status();
        const int64_t id = ins->at(0).Int(0);
        ++batch.created;
        if (auto st = Log(c, id, "import", "added from " + name, 0, actor);
            !st.ok())
          return st;
        if (r.holder.empty() || initial != "in-stock") continue;
        // Whoever holds it, active or not: an employee who left still
        // holding it is what the offboarding list is for.
        auto person = EmployeeIn(c, r.holder, /*any_status=*/true);
        if (!person.ok()) {
          if (person.status().code() != core::Code::kNotFound &&
              person.status().code() != core::Code::kInvalidArgument)
            return person.status();
          notes.emplace_back(r.line,
                             fmt::format("checked out to {}, who is not one "
                                         "employee here: loaded in stock",
                                         core::Shown(r.holder)));
          continue;
        }
        auto issue = IssueIn(c, id, *person, terms, actor, true);
        if (!issue.ok()) return issue.status();
        ++batch.issued;
        auto active =
            c.Query("SELECT status FROM people WHERE id = ?", {P(*person)});
        if (!active.ok()) return active.status();
        if (!active->empty() && active->front().Text(0) != "active" &&
            active->front().Text(0) != "leave")
          notes.emplace_back(
              r.line, fmt::format("held by {}, who is no longer employed: "
                                  "listed for offboarding",
                                  core::Shown(r.holder)));
      }
      return core::Status::Ok();
    });
    if (!wrote.ok()) {
      for (size_t k = from; k < to; ++k)
        problem(rows[k].line, "could not be written: " + wrote.message(), true);
      continue;
    }
    report.created += batch.created;
    report.updated += batch.updated;
    report.issued += batch.issued;
    for (const auto& [line, why] : notes) problem(line, why, false);
  }
  return report;
}

core::Result<int64_t> FindEmployee(store::Database& db,
                                   const std::string& who) {
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto found = EmployeeIn(c, who);
    if (!found.ok()) return found.status();
    id = *found;
    return core::Status::Ok();
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<int64_t> IssueTo(store::Database& db, int64_t asset_id,
                              int64_t person, const std::string& terms,
                              const audit::Actor& actor) {
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto issued = IssueIn(c, asset_id, person, terms, actor);
    if (!issued.ok()) return issued.status();
    id = *issued;
    return core::Status::Ok();
  });
  if (!st.ok()) return st;
  return id;
}

core::Status Opened(store::Database& db, int64_t issue_id, int64_t person,
                    const audit::Actor& actor) {
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "UPDATE asset_issues SET opened_at = ?, opened_from = ? WHERE id = ? "
        "AND holder = ? AND opened_at = '' RETURNING asset_id",
        {P(store::NowUtc()), P(actor.ip), P(issue_id), P(person)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return core::Status::Ok();  // opened before
    return audit::Record(c, actor, "equipment.terms-opened",
                         Target(rows->front().Int(0)), {{"issue", issue_id}});
  });
}

namespace {

std::string MarkOf(const std::string& tag, const std::string& serial,
                   const std::string& model) {
  std::string all = tag;
  for (const std::string* part : {&serial, &model}) {
    all += '\0';
    all += *part;
  }
  return core::Sha256Hex(all);
}

}  // namespace

std::string DetailsMark(const Issue& issue) {
  return MarkOf(issue.asset_tag, issue.asset_serial, issue.asset_model);
}

core::Status Accept(store::Database& db, int64_t issue_id, int64_t person,
                    const std::string& terms, const audit::Actor& actor,
                    const std::string& shown) {
  auto corrected = [] {
    return core::Status::Invalid(
        "IT Services corrected this equipment's details since you opened the "
        "page: read them again before you accept.");
  };
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto now = c.Query(
        "SELECT asset_id, holder, state, terms_sha256, opened_at, asset_tag, "
        "asset_serial, asset_model FROM asset_issues WHERE id = ?",
        {P(issue_id)});
    if (!now.ok()) return now.status();
    if (now->empty() || now->front().Int(1) != person)
      return core::Status::NotFound(
          fmt::format("You have no equipment issue {}.", issue_id));
    const auto& r = now->front();
    if (r.Text(3) != terms)
      return core::Status::Invalid(
          "The equipment terms changed since this was issued: IT Services "
          "will ask you to acknowledge the terms in force.");
    const std::string tag = r.Text(5), serial = r.Text(6), model = r.Text(7);
    if (!shown.empty() && shown != MarkOf(tag, serial, model))
      return corrected();
    const std::string at = store::NowUtc();
    // The details as read: a correction committed in between (PostgreSQL
    // reads the row again here) leaves the issue waiting.
    auto rows = c.Query(
        "UPDATE asset_issues SET state = 'accepted', accepted_at = ?, "
        "accepted_from = ?, opened_at = CASE WHEN opened_at = '' THEN ? ELSE "
        "opened_at END, opened_from = CASE WHEN opened_from = '' THEN ? ELSE "
        "opened_from END WHERE id = ? AND state = 'waiting' AND asset_tag = ? "
        "AND asset_serial = ? AND asset_model = ? RETURNING id",
        {P(at), P(actor.ip), P(at), P(actor.ip), P(issue_id), P(tag), P(serial),
         P(model)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      // Accepted or closed, or its details corrected, in between.
      auto state =
          c.Query("SELECT state FROM asset_issues WHERE id = ?", {P(issue_id)});
      if (!state.ok()) return state.status();
      const std::string is = state->empty() ? "" : state->front().Text(0);
      if (is == "waiting") return corrected();
      return core::Status::Invalid(
          fmt::format("Equipment issue {} is {} already.", issue_id, is));
    }
    return Log(c, r.Int(0), "accept", "", person, actor,
               {{"issue", issue_id}, {"terms_sha256", terms}});
  });
}

// The issue the person saw is still the one in effect (0: not asked).
core::Status StillIssue(int64_t asset_id, int64_t seen, int64_t now) {
  if (seen == 0 || seen == now) return core::Status::Ok();
  return core::Status::Invalid(fmt::format(
      "Asset {} changed hands since you looked: check it again.", asset_id));
}

core::Status Return(store::Database& db, int64_t asset_id,
                    const std::string& condition, const std::string& note_in,
                    int64_t seen, const audit::Actor& actor) {
  if (condition != "good" && condition != "fair" && condition != "poor" &&
      condition != "damaged")
    return core::Status::Invalid(
        "Say the condition it came back in: good, fair, poor or damaged.");
  auto note = core::Words(note_in, 2000, "note", false);
  if (!note.ok()) return note.status();
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto a = AssetIn(c, asset_id);
    if (!a.ok()) return a.status();
    const int64_t holder = a->Int(0), issue = a->Int(1);
    if (auto st = StillIssue(asset_id, seen, issue); !st.ok()) return st;
    if (auto st = Move(c, asset_id, {"issued"},
                       condition == "damaged" ? "damaged" : "in-stock", 0, 0);
        !st.ok())
      return st;
    auto st = c.Exec(
        "UPDATE asset_issues SET state = 'returned', returned_at = ?, "
        "returned_by = ?, condition = ? WHERE id = ?",
        {P(store::NowUtc()), P(actor.name), P(condition), P(issue)});
    if (!st.ok()) return st;
    return Log(c, asset_id, "return",
               condition + (note->empty() ? "" : ": " + *note), holder, actor,
               {{"issue", issue}, {"condition", condition}});
  });
}

core::Status Report(store::Database& db, int64_t asset_id,
                    const std::string& what, const std::string& note_in,
                    const std::string& amount_in, int64_t seen,
                    const audit::Actor& actor) {
  if (what != "lost" && what != "stolen" && what != "damaged")
    return core::Status::Invalid("Report it lost, stolen or damaged.");
  auto note = core::Words(note_in, 2000, "note", true);
  if (!note.ok())
    return core::Status::Invalid("Say what happened: the note is required.");
  std::string amount;
  if (!amount_in.empty()) {
    auto a = core::ParseDollars(amount_in, "The charge");
    if (!a.ok()) return a.status();
    if (*a == "0.00")
      return core::Status::Invalid(
          "A charge is more than $0: leave it empty for none.");
    amount = *a;
  }
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto a = AssetIn(c, asset_id);
    if (!a.ok()) return a.status();
    const int64_t holder = a->Int(0), issue = a->Int(1);
    if (auto st = StillIssue(asset_id, seen, issue); !st.ok()) return st;
    if (!amount.empty() && holder == 0)
      return core::Status::Invalid(
          "Only an asset issued to someone is charged to them.");
    if (auto st = Move(c, asset_id, {"issued", "in-stock"}, what, 0, 0);
        !st.ok())
      return st;
    if (issue) {
      auto st = c.Exec(
          "UPDATE asset_issues SET state = 'returned', returned_at = ?, "
          "returned_by = ?, condition = ? WHERE id = ?",
          {P(store::NowUtc()), P(actor.name), P(what), P(issue)});
      if (!st.ok()) return st;
    }
    nlohmann::json detail = {{"report", what}};
    if (!amount.empty()) {
      auto charge = c.Query(
          "INSERT INTO asset_charges (asset_id, holder, amount, reason, "
          "state, made_by, made_at) VALUES (?, ?, ?, ?, 'owed', ?, ?) "
          "RETURNING id",
          {P(asset_id), P(holder), P(amount), P(what + ": " + *note),
           P(actor.name), P(store::NowUtc())});
      if (!charge.ok()) return charge.status();
      detail["charge"] = charge->at(0).Int(0);
      detail["amount"] = amount;
    }
    return Log(c, asset_id, "report", what + ": " + *note, holder, actor,
               detail);
  });
}

core::Status Settle(store::Database& db, int64_t charge_id,
                    const std::string& state, const std::string& note_in,
                    const audit::Actor& actor) {
  if (state != "paid" && state != "waived")
    return core::Status::Invalid("A charge is settled paid or waived.");
  auto note = core::Words(note_in, 2000, "note", state == "waived");
  if (!note.ok()) return core::Status::Invalid("Say why the charge is waived.");
  return db.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "UPDATE asset_charges SET state = ?, settled_by = ?, settled_at = ?, "
        "note = ? WHERE id = ? AND state = 'owed' RETURNING asset_id, holder",
        {P(state), P(actor.name), P(store::NowUtc()), P(*note), P(charge_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      auto now = c.Query("SELECT state FROM asset_charges WHERE id = ?",
                         {P(charge_id)});
      if (!now.ok()) return now.status();
      if (now->empty())
        return core::Status::NotFound(
            fmt::format("There is no charge {}.", charge_id));
      return core::Status::Invalid(fmt::format(
          "Charge {} is {} already.", charge_id, now->front().Text(0)));
    }
    return Log(c, rows->front().Int(0), "charge-" + state, *note,
               rows->front().Int(1), actor, {{"charge", charge_id}});
  });
}

core::Result<int64_t> AskAgain(store::Database& db, int64_t asset_id,
                               const std::string& terms,
                               const audit::Actor& actor) {
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    auto a = AssetIn(c, asset_id);
    if (!a.ok()) return a.status();
    const int64_t holder = a->Int(0), issue = a->Int(1);
    auto old = c.Query(
        "UPDATE asset_issues SET state = 'superseded' WHERE id = ? AND "
        "terms_sha256 <> ? AND state IN ('waiting', 'accepted') RETURNING id",
        {P(issue), P(terms)});
    if (!old.ok()) return old.status();
    if (a->Text(2) != "issued" || old->empty())
      return core::Status::Invalid(fmt::format(
          "Asset {} is not issued under other terms: nothing to ask again.",
          asset_id));
    auto made = NewIssue(c, asset_id, holder, terms, actor);
    if (!made.ok()) return made.status();
    id = *made;
    if (auto st = Move(c, asset_id, {"issued"}, "issued", holder, id); !st.ok())
      return st;
    return Log(c, asset_id, "ask-again", "", holder, actor,
               {{"issue", id}, {"superseded", issue}});
  });
  if (!st.ok()) return st;
  return id;
}

core::Status Retire(store::Database& db, int64_t asset_id,
                    const std::string& reason_in, const audit::Actor& actor) {
  auto reason = core::Words(reason_in, 2000, "reason", true);
  if (!reason.ok())
    return core::Status::Invalid(
        "Say why it is retired (K.8: unsafe, "
        "unpatchable, past its end of life...).");
  return db.Transact([&](store::Conn& c) -> core::Status {
    if (auto st = Move(c, asset_id, {"in-stock", "lost", "stolen", "damaged"},
                       "retired", 0, 0);
        !st.ok())
      return st;
    return Log(c, asset_id, "retire", *reason, 0, actor);
  });
}

namespace {

void Where(const Filter& f, std::string& sql, store::Params& params) {
  if (!f.status.empty()) {
    sql += " AND a.status = ";
    store::AddWord(sql, params, f.status);
  }
  if (f.holder) {
    sql += " AND a.holder = ?";
    params.push_back(P(f.holder));
  }
  if (!f.site.empty()) {
    sql += " AND a.site = ?";
    params.push_back(P(f.site));
  }
  if (!f.eol_by.empty()) {
    sql +=
        " AND a.eol_on <> '' AND a.eol_on <= ? AND a.status IN ('in-stock', "
        "'issued', 'damaged')";
    params.push_back(P(f.eol_by));
  }
  if (!f.text.empty()) {
    sql +=
        " AND (LOWER(a.tag) LIKE ? ESCAPE '!' OR LOWER(a.serial) LIKE ? "
        "ESCAPE '!' OR LOWER(a.model) LIKE ? ESCAPE '!')";
    const std::string like = store::ContainsPattern(f.text);
    for (int i = 0; i < 3; ++i) params.push_back(P(like));
  }
  if (f.departed)
    sql += " AND a.status = 'issued' AND p.status NOT IN ('active', 'leave')";
}

}  // namespace

core::Result<std::vector<Asset>> List(store::Database& db, const Filter& f) {
  store::Params params;
  std::string sql =
      fmt::format("SELECT {}{} WHERE 1 = 1", kAssetColumns, kAssetFrom);
  Where(f, sql, params);
  store::NewestFirst(sql, params, f.before_id, f.limit, "a.id");
  return store::QueryAs<Asset>(db, sql, params, AssetFromRow);
}

core::Result<int64_t> Count(store::Database& db, const Filter& f) {
  store::Params params;
  std::string sql = fmt::format("SELECT COUNT(*){} WHERE 1 = 1", kAssetFrom);
  Where(f, sql, params);
  return store::QueryCount(db, sql, params);
}

core::Result<Asset> Get(store::Database& db, int64_t id) {
  return store::QueryOneAs<Asset>(
      db, fmt::format("SELECT {}{} WHERE a.id = ?", kAssetColumns, kAssetFrom),
      {P(id)}, AssetFromRow, fmt::format("There is no asset {}.", id));
}

core::Result<std::vector<Event>> History(store::Database& db,
                                         int64_t asset_id) {
  return store::QueryAs<Event>(
      db,
      "SELECT e.at, e.actor, e.what, e.text, COALESCE(p.given_name || ' ' || "
      "p.family_name, '') FROM asset_events e LEFT JOIN people p ON p.id = "
      "e.holder WHERE e.asset_id = ? ORDER BY e.id",
      {P(asset_id)}, [](const store::Row& r) {
        return Event{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)};
      });
}

core::Result<std::vector<Issue>> IssuesOf(store::Database& db, int64_t person) {
  return store::QueryAs<Issue>(
      db,
      fmt::format("SELECT {}{} WHERE i.holder = ? ORDER BY i.id DESC LIMIT "
                  "500",
                  kIssueColumns, kIssueFrom),
      {P(person)}, IssueFromRow);
}

core::Result<Issue> GetIssue(store::Database& db, int64_t id) {
  return store::QueryOneAs<Issue>(
      db, fmt::format("SELECT {}{} WHERE i.id = ?", kIssueColumns, kIssueFrom),
      {P(id)}, IssueFromRow,
      fmt::format("There is no equipment issue {}.", id));
}

namespace {

Charge ChargeFromRow(const store::Row& r) {
  Charge x;
  x.id = r.Int(0);
  x.asset_id = r.Int(1);
  x.holder = r.Int(2);
  x.holder_name = r.Text(3);
  x.asset_tag = r.Text(4);
  x.amount = r.Text(5);
  x.reason = r.Text(6);
  x.state = r.Text(7);
  x.made_by = r.Text(8);
  x.made_at = r.Text(9);
  x.settled_by = r.Text(10);
  x.settled_at = r.Text(11);
  x.note = r.Text(12);
  return x;
}

constexpr std::string_view kChargeSelect =
    "SELECT c.id, c.asset_id, c.holder, COALESCE(p.given_name || ' ' || "
    "p.family_name, ''), a.tag, c.amount, c.reason, c.state, c.made_by, "
    "c.made_at, c.settled_by, c.settled_at, c.note FROM asset_charges c "
    "JOIN assets a ON a.id = c.asset_id LEFT JOIN people p ON p.id = "
    "c.holder WHERE 1 = 1";

}  // namespace

core::Result<Charge> GetCharge(store::Database& db, int64_t id) {
  return store::QueryOneAs<Charge>(
      db, std::string(kChargeSelect) + " AND c.id = ?", {P(id)}, ChargeFromRow,
      fmt::format("There is no charge {}.", id));
}

core::Result<std::vector<Charge>> Charges(store::Database& db,
                                          const std::string& state,
                                          int64_t asset_id) {
  std::string sql(kChargeSelect);
  store::Params params;
  if (!state.empty()) {
    sql += " AND c.state = ?";
    params.push_back(P(state));
  }
  if (asset_id) {
    sql += " AND c.asset_id = ?";
    params.push_back(P(asset_id));
  }
  sql += " ORDER BY c.id DESC LIMIT 1000";
  return store::QueryAs<Charge>(db, sql, params, ChargeFromRow);
}

core::Result<int64_t> CountCharges(store::Database& db,
                                   const std::string& state) {
  auto rows = db.Query("SELECT COUNT(*) FROM asset_charges WHERE state = ?",
                       {P(state)});
  if (!rows.ok()) return rows.status();
  return rows->front().Int(0);
}

}  // namespace steward::equipment
