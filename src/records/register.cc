#include "records/register.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/hash.h"
#include "core/text.h"
#include "records/fields.h"

namespace steward::records {

using store::P;

namespace {

// Values of one kind a hold may name (custodians, addresses...).
constexpr size_t kMaxHoldValues = 200;
// Rows written per transaction while indexing.
constexpr size_t kBatch = 256;
constexpr size_t kMaxErrors = 100;

constexpr std::string_view kItemCols =
    "id, source, locator, path, kind, custodian, folder, message_id, sender, "
    "recipients, subject, made_at, made_day, size, sha256, categories, "
    "record_class, class_rule, class_reason, audit_done, state, "
    "former_custodians";
// The columns of kItemCols: what a query selects after them starts here.
constexpr int kItemColCount = 22;

Item ItemFromRow(const store::Row& r) {
  Item i;
  i.id = r.Int(0);
  i.source = r.Text(1);
  i.locator = r.Text(2);
  i.path = r.Text(3);
  i.kind = r.Text(4);
  i.custodian = r.Text(5);
  i.folder = r.Text(6);
  i.message_id = r.Text(7);
  i.sender = r.Text(8);
  i.recipients = core::SplitList(r.Text(9), ',');
  i.subject = r.Text(10);
  i.made_at = r.Text(11);
  i.made_day = r.Text(12);
  i.size = r.Int(13);
  i.sha256 = r.Text(14);
  i.categories = core::SplitList(r.Text(15), ',');
  i.record_class = ClassOrUnclassified(r.Text(16));
  i.class_rule = r.Text(17);
  i.class_reason = r.Text(18);
  i.audit_done = r.Text(19);
  i.state = r.Text(20);
  i.former_custodians = core::SplitList(r.Text(21), ',');
  return i;
}

nlohmann::json QueryJson(const HoldQuery& q) {
  return {{"custodians", q.custodians},
          {"addresses", q.addresses},
          {"subject", q.subject},
          {"folders", q.folders},
          {"categories", q.categories},
          {"since", q.since},
          {"until", q.until}};
}

HoldQuery QueryFromJson(const std::string& text) {
  HoldQuery q;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return q;
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (j.contains(key) && j[key].is_array())
      for (const auto& v : j[key])
        if (v.is_string()) out.push_back(v.get<std::string>());
  };
  auto str = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                 : std::string();
  };
  list("custodians", q.custodians);
  list("addresses", q.addresses);
  list("folders", q.folders);
  list("categories", q.categories);
  q.subject = str("subject");
  q.since = str("since");
  q.until = str("until");
  return q;
}

constexpr std::string_view kHoldCols =
    "id, matter, reason, query, placed_by, placed_at, released_by, "
    "released_at, release_reason";

Hold HoldFromRow(const store::Row& r) {
  Hold h;
  h.id = r.Int(0);
  h.matter = r.Text(1);
  h.reason = r.Text(2);
  h.query = QueryFromJson(r.Text(3));
  h.placed_by = r.Text(4);
  h.placed_at = r.Text(5);
  h.released_by = r.Text(6);
  h.released_at = r.Text(7);
  h.release_reason = r.Text(8);
  return h;
}

// The active holds, from a connection or the database.
template <typename Q>
core::Result<std::vector<Hold>> LoadHolds(Q& q, bool include_released) {
  auto rows = q.Query(
      fmt::format("SELECT {} FROM records_holds{} ORDER BY id", kHoldCols,
                  include_released ? "" : " WHERE released_at = ''"));
  if (!rows.ok()) return rows.status();
  std::vector<Hold> out;
  for (const auto& r : *rows) out.push_back(HoldFromRow(r));
  return out;
}

std::vector<std::string> MattersOn(const std::vector<Hold>& holds,
                                   const Item& item) {
  std::vector<std::string> out;
  for (const auto& h : holds)
    if (h.Active() && Covers(h.query, item))
      out.push_back(fmt::format("hold {} '{}'", h.id, h.matter));
  return out;
}

template <typename Q>
core::Result<Item> LoadItem(Q& q, int64_t id) {
  auto rows = q.Query(
      fmt::format("SELECT {} FROM records_items WHERE id = ?", kItemCols),
      {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("no records item {}", id));
  return ItemFromRow(rows->front());
}

// A Date this much older than the message's arrival is not believed.
constexpr int64_t kDateSlack = int64_t{30} * 86400;

// A custodian as the register keeps it: trimmed, lower case, one word
// (an account's name, or a mailbox's).
core::Result<std::string> NormalCustodian(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  std::string in = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  if (in.empty() || in.size() > 200 || !OneLine(in) ||
      in.find_first_of(" ,;") != std::string::npos)
    return core::Status::Invalid(
        "a custodian is one name (an account or a mailbox), of at most 200 "
        "characters");
  std::string out = core::Lower(in);
  return out;
}

// Why an item of a departed custodian is not on their destruction list,
// in a few words the offboarding report counts by.
std::string KeptWhy(const RetentionFacts& facts, const Decision& d,
                    const std::vector<std::string>& matters) {
  if (!matters.empty()) return "held";
  if (facts.record_class != RecordClass::kClass3)
    return std::string(policy::RecordClassName(facts.record_class));
  if (!facts.made_known) return "class-3 of unknown date";
  if (d.from) return "class-3 due from " + FormatDay(*d.from);
  return "class-3 no rule disposes of";
}

constexpr core::Named<Departure> kDepartureNames[] = {
    {Departure::kKeep, "keep"},
    {Departure::kTransfer, "transfer"},
    {Departure::kDispose, "dispose"},
};

}  // namespace

std::string PersonOf(const std::string& actor) {
  size_t via = actor.find(" (via ");
  return via == std::string::npos ? actor : actor.substr(0, via);
}

RecordClass ClassOrUnclassified(std::string_view name) {
  return core::ParseName(policy::kRecordClassNames, name)
      .value_or(RecordClass::kUnclassified);
}

bool HoldQuery::Empty() const {
  return custodians.empty() && addresses.empty() && subject.empty() &&
         folders.empty() && categories.empty() && since.empty() &&
         until.empty();
}

bool Covers(const HoldQuery& q, const Item& item) {
  if (q.Empty()) return false;
  // A custodian's items include those passed on when they left (D.4).
  auto named = [&](const std::string& c) {
    return std::find(q.custodians.begin(), q.custodians.end(), c) !=
           q.custodians.end();
  };
  if (!q.custodians.empty() && !named(item.custodian) &&
      std::none_of(item.former_custodians.begin(), item.former_custodians.end(),
                   named))
    return false;
  if (!q.addresses.empty()) {
    std::vector<std::string> have = item.recipients;
    have.push_back(item.sender);
    bool any = false;
    for (const auto& a : have)
      for (const auto& w : q.addresses) {
        std::string lw = core::AsciiLower(w);
        if (a == lw || (lw.size() > 1 && lw[0] == '@' && a.size() > lw.size() &&
                        a.compare(a.size() - lw.size(), lw.size(), lw) == 0))
          any = true;
      }
    if (!any) return false;
  }
  if (!q.subject.empty() &&
      core::Lower(item.subject).find(core::Lower(q.subject)) ==
          std::string::npos)
    return false;
  if (!q.folders.empty()) {
    bool any = false;
    // A hold keeps rather than misses: folders in any case.
    const std::string folder = core::Lower(item.folder);
    for (const auto& f : q.folders) any |= InFolder(folder, core::Lower(f));
    if (!any) return false;
  }
  if (!q.categories.empty()) {
    bool any = false;
    for (const auto& c : q.categories)
      any |= std::find(item.categories.begin(), item.categories.end(), c) !=
             item.categories.end();
    if (!any) return false;
  }
  if (!q.since.empty() && item.made_day < q.since) return false;
  if (!q.until.empty() && item.made_day >= q.until) return false;
  return true;
}

namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

// `s` as a LIKE pattern's literal part (with ESCAPE backslash).
std::string LikeLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A column in a condition the store must not answer from that column's
// index: SQLite without statistics takes `state = ?` for a narrow index
// search when it matches nearly every row.
std::string Unindexed(store::Dialect d, std::string_view column) {
  return d == store::Dialect::kSqlite ? fmt::format("+{}", column)
                                      : std::string(column);
}

// True where `column`, its ASCII letters lowered, is LIKE the parameter
// (given in lower case): SQLite's LIKE ignores ASCII case only;
// PostgreSQL's lower() in the "C" collation lowers ASCII letters only,
// whatever the database's locale (a Turkish one lowers "I" to "ı").
std::string LikeAsciiCaseless(store::Dialect d, std::string_view column) {
  if (d == store::Dialect::kSqlite)
    return fmt::format("{} LIKE ? ESCAPE '\\'", column);
  return fmt::format("lower({} COLLATE \"C\") LIKE ? ESCAPE '\\'", column);
}

// True where `column` holds a character outside ASCII (its length in
// bytes is not its length in characters), whose lower case the store cannot
// be trusted to compute as core::Lower does. (Invalid UTF-8 is lowered as
// ASCII by core::Lower, as the store's LIKE compares it.)
std::string NotAscii(store::Dialect d, std::string_view column) {
  return d == store::Dialect::kSqlite
             ? fmt::format("length(CAST({0} AS BLOB)) <> length({0})", column)
             : fmt::format("octet_length({0}) <> char_length({0})", column);
}

// The items whose custodian, now or before a transfer (D.4), is one of
// `custodians`, as `id IN (...)` through the two custodian indexes.
std::string CustodianIds(const std::vector<std::string>& custodians,
                         store::Params& params) {
  std::vector<std::string> marks, likes;
  for (const auto& c : custodians) {
    marks.push_back("?");
    params.push_back(P(c));
  }
  for (const auto& c : custodians) {
    likes.push_back("',' || former_custodians || ',' LIKE ? ESCAPE '\\'");
    params.push_back(P("%," + LikeLiteral(c) + ",%"));
  }
  return fmt::format(
      "id IN (SELECT id FROM records_items WHERE custodian IN ({}) UNION ALL "
      "SELECT id FROM records_items WHERE former_custodians <> '' AND ({}))",
      core::Join(marks, ", "), core::Join(likes, " OR "));
}

}  // namespace

Candidates CandidatesOf(const HoldQuery& q, store::Dialect d) {
  Candidates out;
  std::vector<std::string> all;
  auto any = [&](const std::vector<std::string>& alternatives) {
    all.push_back("(" + core::Join(alternatives, " OR ") + ")");
  };
  if (!q.custodians.empty())
    all.push_back(CustodianIds(q.custodians, out.params));
  if (!q.addresses.empty()) {
    // Covers wants an address equal to the value or ending in it: both
    // contain it.
    std::vector<std::string> alt;
    for (const auto& a : q.addresses) {
      const std::string like = "%" + LikeLiteral(core::AsciiLower(a)) + "%";
      alt.push_back("sender LIKE ? ESCAPE '\\'");
      alt.push_back("recipients LIKE ? ESCAPE '\\'");
      out.params.push_back(P(like));
      out.params.push_back(P(like));
    }
    any(alt);
  }
  // Covers compares core::Lower of both sides. A plain ASCII text lowers to
  // its ASCII lower case, which the store can compare; any other text may
  // lower to anything (a Kelvin sign to "k"), so it stays a candidate.
  if (!q.subject.empty()) {
    std::vector<std::string> alt = {NotAscii(d, "subject")};
    if (const std::string lowered = core::Lower(q.subject); IsAscii(lowered)) {
      alt.push_back(LikeAsciiCaseless(d, "subject"));
      out.params.push_back(P("%" + LikeLiteral(lowered) + "%"));
    }
    any(alt);
  }
  if (!q.folders.empty()) {  // a folder or one inside it
    std::vector<std::string> alt = {NotAscii(d, "folder")};
    for (const auto& f : q.folders) {
      const std::string lowered = core::Lower(f);
      if (!IsAscii(lowered)) continue;
      alt.push_back(LikeAsciiCaseless(d, "folder"));
      out.params.push_back(P(LikeLiteral(lowered) + "%"));
    }
    any(alt);
  }
  if (!q.categories.empty()) {
    std::vector<std::string> alt;
    for (const auto& c : q.categories) {
      alt.push_back("',' || categories || ',' LIKE ? ESCAPE '\\'");
      out.params.push_back(P("%," + LikeLiteral(c) + ",%"));
    }
    any(alt);
  }
  if (!q.since.empty()) {
    all.push_back("made_day >= ?");
    out.params.push_back(P(q.since));
  }
  if (!q.until.empty()) {
    all.push_back("made_day < ?");
    out.params.push_back(P(q.until));
  }
  out.sql = all.empty() ? "1 = 1" : core::Join(all, " AND ");
  return out;
}

std::string CoverageText(const Hold& h) {
  if (h.covers_now == 0)
    return "It covers no item yet: check its custodians, folders and "
           "words if it should.";
  return fmt::format("It covers {} item{} now.", h.covers_now,
                     h.covers_now == 1 ? "" : "s");
}

Register::Register(store::Database& db, policy::PackPtr pack)
    : db_(db), pack_(std::move(pack)), clock_(pack_->records.time_zone) {}

std::string Register::RulesFingerprint() const {
  const policy::RecordsPolicy& r = pack_->records;
  nlohmann::json j = {{"zone", r.time_zone},
                      {"default", policy::RecordClassName(r.default_class)},
                      {"purge", r.purge_after_days},
                      {"archive", r.archive_days}};
  for (const auto& c : r.classes)
    j["classes"].push_back({c.name, policy::RecordClassName(c.record_class),
                            c.folders, c.addresses, c.categories});
  for (const auto& t : r.retention) {
    std::vector<std::string> classes;
    for (auto c : t.classes) classes.emplace_back(policy::RecordClassName(c));
    j["retention"].push_back({t.name, classes, t.folders, t.categories,
                              t.keep_days, t.delete_after_days});
  }
  return core::Sha256Hex(Json(j)).substr(0, 16);
}

core::Result<IndexReport> Register::Index(
    const std::string& folder, const std::string& custodian,
    const std::string& reason, const Reader& read, const audit::Actor& actor,
    const std::function<void(int64_t)>& progress) {
  auto source = OpenFolder(folder);
  if (!source.ok()) return source.status();
  return Index(**source, custodian, reason, read, actor, progress);
}

core::Result<IndexReport> Register::Index(
    Source& src, const std::string& custodian_arg, const std::string& reason,
    const Reader& read, const audit::Actor& actor,
    const std::function<void(int64_t)>& progress) {
  IndexReport report;
  if (!OneLine(reason))
    return core::Status::Invalid(
        "give the reason for reading these items, in words (D.3: every "
        "access to someone's mail or files is recorded with its reason)");
  auto who = NormalCustodian(custodian_arg);
  if (!who.ok()) return who.status();
  const std::string& custodian = *who;
  const std::string& source = src.Name();
  // The access is recorded before anything is read.
  if (auto a = audit::Append(
          db_, {.actor = actor.name,
                .action = "records.access",
                .target = "source/" + source,
                .detail = nlohmann::json(
                              {{"custodian", custodian}, {"reason", reason}})
                              .dump(-1, ' ', false,
                                    nlohmann::json::error_handler_t::replace),
                .ip = actor.ip});
      !a.ok())
    return a.status();

  // What the register already holds for this source.
  struct Known {
    int64_t id;
    std::string sha256, path, state, class_rule;
  };
  std::unordered_map<std::string, Known> known;
  {
    auto rows = db_.Query(
        "SELECT locator, id, sha256, path, state, class_rule FROM "
        "records_items WHERE source = ?",
        {P(source)});
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows)
      known[r.Text(0)] = {r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5)};
  }
  auto listed = src.List(report.errors);
  if (!listed.ok()) return listed.status();
  const size_t listing_errors = report.errors.size();
  const uint64_t max_bytes = pack_->limits.max_item_bytes;
  std::vector<std::pair<std::string, store::Params>> pending;
  auto flush = [&]() -> core::Status {
    if (pending.empty()) return {};
    auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
      for (const auto& [sql, params] : pending)
        if (auto e = conn.Exec(sql, params); !e.ok()) return e;
      return {};
    });
    pending.clear();
    return st;
  };
  std::unordered_map<std::string, std::string> seen;  // locator -> path
  const std::string now = store::NowUtc();
  const int64_t clock = static_cast<int64_t>(time(nullptr));
  for (const Entry& f : *listed) {
    ++report.seen;
    if (progress) progress(report.seen);
    if (pending.size() >= kBatch)
      if (auto st = flush(); !st.ok()) return st;
    if (auto [at, fresh] = seen.emplace(f.locator, f.path); !fresh) {
      // Two files of one message (a copy left in new/ and cur/): the first
      // is the item; the other is reported, never mixed into it.
      ++report.unreadable;
      if (report.errors.size() < kMaxErrors)
        report.errors.push_back(f.path + ": the same message as " + at->second +
                                "; not indexed twice");
      continue;
    }
    auto k = known.find(f.locator);
    if (k != known.end() && k->second.state == "deleting") {
      ++report.unchanged;  // a deletion in progress: left to Recover
      continue;
    }
    // Where it now is, for an item found again unchanged.
    auto found_again = [&](const Known& known_item) {
      ++report.unchanged;
      if (known_item.path != f.path || known_item.state != "present")
        pending.push_back(
            {"UPDATE records_items SET path = ?, state = 'present' WHERE id = "
             "? AND state IN ('present', 'missing')",
             {P(f.path), P(known_item.id)}});
    };
    if (f.immutable && k != known.end() &&
        (k->second.state == "present" || k->second.state == "missing")) {
      found_again(k->second);
      continue;
    }
    auto bytes = src.Read(f.path, max_bytes);
    if (!bytes.ok()) {
      ++report.unreadable;
      if (report.errors.size() < kMaxErrors)
        report.errors.push_back(f.path + ": " + bytes.status().message());
      continue;
    }
    std::string sha = core::Sha256Hex(*bytes);
    if (k != known.end() && k->second.sha256 == sha &&
        k->second.state != "destroyed") {
      found_again(k->second);
      continue;
    }
    Item it;
    it.path = f.path;
    it.kind = f.mail ? "mail" : "file";
    it.folder = f.folder;
    Reading res = read(f, *bytes);
    int64_t made = 0;
    if (res.is_message) {
      it.kind = "mail";
      it.message_id = res.message_id;
      it.sender = res.sender;
      it.recipients = res.recipients;
      it.subject = res.subject;
      made = res.date;
    }
    // When it was made: its Date, unless that says it is much older than
    // its arrival (a sender's clock does not make mail deletable sooner)
    // or newer; else its arrival.
    const int64_t arrived = f.time > 0 ? f.time : clock;
    if (made <= 0 || made < arrived - kDateSlack || made > arrived + 86400)
      made = arrived;
    std::set<std::string> cats(res.categories.begin(), res.categories.end());
    it.categories.assign(cats.begin(), cats.end());
    ClassFacts cf{it.folder, it.recipients, it.categories};
    if (!it.sender.empty()) cf.addresses.push_back(it.sender);
    Classified c = Classify(pack_->records, cf);
    std::string made_day = FormatDay(LocalDay(made));
    bool manual = k != known.end() && k->second.class_rule == "manual";
    if (k != known.end() && k->second.state == "destroyed") {
      // Destroyed, and back (restored from a backup): a new item, and the
      // destroyed one keeps its history under another locator.
      pending.push_back(
          {"UPDATE records_items SET locator = ? WHERE id = ?",
           {P(fmt::format("{}#destroyed-{}", f.locator, k->second.id)),
            P(k->second.id)}});
      k = known.end();
      manual = false;
    }
    if (k == known.end()) {
      ++report.added;
      pending.push_back(
          {"INSERT INTO records_items (source, locator, path, kind, "
           "custodian, folder, message_id, sender, recipients, subject, "
           "made_at, made_day, size, sha256, categories, record_class, "
           "class_rule, class_reason, audit_done, state, indexed_at) VALUES "
           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', "
           "'present', ?)",
           {P(source), P(f.locator), P(f.path), P(it.kind), P(custodian),
            P(it.folder), P(it.message_id), P(it.sender),
            P(core::Join(it.recipients, ",")), P(it.subject),
            P(core::IsoUtc(made)), P(made_day),
            P(static_cast<int64_t>(bytes->size())), P(sha),
            P(core::Join(it.categories, ",")),
            P(std::string(policy::RecordClassName(c.record_class))), P(c.rule),
            P(c.reason), P(now)}});
    } else {
      // Changed bytes are a new version of the item: read again, and
      // classified again unless a custodian classified it by hand.
      ++report.changed;
      std::string cls_sql =
          manual ? "" : ", record_class = ?, class_rule = ?, class_reason = ?";
      store::Params params = {
          P(f.path),     P(it.kind),
          P(it.folder),  P(it.message_id),
          P(it.sender),  P(core::Join(it.recipients, ",")),
          P(it.subject), P(core::IsoUtc(made)),
          P(made_day),   P(static_cast<int64_t>(bytes->size())),
          P(sha),        P(core::Join(it.categories, ",")),
          P(now)};
      if (!manual) {
        params.push_back(
            P(std::string(policy::RecordClassName(c.record_class))));
        params.push_back(P(c.rule));
        params.push_back(P(c.reason));
      }
      params.push_back(P(k->second.id));
      pending.push_back(
          {"UPDATE records_items SET path = ?, kind = ?, folder = ?, "
           "message_id = ?, sender = ?, recipients = ?, subject = ?, "
           "made_at = ?, made_day = ?, size = ?, sha256 = ?, categories = ?, "
           "indexed_at = ?, state = 'present'" +
               cls_sql + " WHERE id = ? AND state IN ('present', 'missing')",
           std::move(params)});
    }
  }
  if (auto st = flush(); !st.ok()) return st;
  // Items the folder no longer holds (removed outside Steward) — only when
  // all of it could be listed: a folder or file that could not be read
  // says nothing about its items.
  const bool whole = listing_errors == 0;
  for (const auto& [locator, k] : known) {
    if (!whole || seen.count(locator) || k.state != "present") continue;
    ++report.missing;
    pending.push_back(
        {"UPDATE records_items SET state = 'missing' WHERE id = "
         "? AND state = 'present'",
         {P(k.id)}});
    if (pending.size() >= kBatch)
      if (auto st = flush(); !st.ok()) return st;
  }
  if (auto st = flush(); !st.ok()) return st;
  auto a = audit::Append(
      db_, {.actor = actor.name,
            .action = "records.index",
            .target = "source/" + source,
            .detail = nlohmann::json({{"custodian", custodian},
                                      {"seen", report.seen},
                                      {"added", report.added},
                                      {"changed", report.changed},
                                      {"missing", report.missing},
                                      {"unreadable", report.unreadable}})
                          .dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace),
            .ip = actor.ip});
  if (!a.ok()) return a.status();
  return report;
}

core::Result<std::vector<Item>> Register::Items(const Query& q) {
  for (const std::string* f : {&q.custodian, &q.state, &q.record_class})
    if (!f->empty() && !OneLine(*f, 200))
      return core::Status::Invalid("a filter is a word of text");
  std::string sql =
      fmt::format("SELECT {} FROM records_items WHERE id > ?", kItemCols);
  store::Params params = {P(q.after_id)};
  if (!q.custodian.empty()) {  // theirs now, or before a transfer (D.4)
    // As the register keeps custodians (lower case), as a search does.
    auto custodian = NormalCustodian(q.custodian);
    if (!custodian.ok()) return custodian.status();
    sql += " AND " + CustodianIds({*custodian}, params);
  }
  if (!q.state.empty()) {
    // "present" is nearly every item: not from the state index.
    sql += fmt::format(" AND {} = ?", q.state == "present"
                                          ? Unindexed(db_.dialect(), "state")
                                          : std::string("state"));
    params.push_back(P(q.state));
  }
  if (!q.record_class.empty()) {
    sql += " AND record_class = ?";
    params.push_back(P(q.record_class));
  }
  sql += fmt::format(" ORDER BY id LIMIT {}", std::clamp(q.limit, 1, 100000));
  auto rows = db_.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<Item> out;
  for (const auto& r : *rows) out.push_back(ItemFromRow(r));
  return out;
}

core::Result<Item> Register::GetItem(int64_t id) { return LoadItem(db_, id); }

core::Status Register::NoteRead(const audit::Actor& actor, const Query& q,
                                size_t count) {
  auto a = audit::Append(
      db_,
      {.actor = actor.name,
       .action = "records.read",
       .target = q.custodian.empty() ? "records" : "custodian/" + q.custodian,
       .detail =
           nlohmann::json({{"state", q.state},
                           {"class", q.record_class},
                           {"after", q.after_id},
                           {"items", count}})
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
       .ip = actor.ip});
  return a.ok() ? core::Status::Ok() : a.status();
}

core::Result<std::string> Register::ReadItem(const Item& item,
                                             const std::string& reason,
                                             const audit::Actor& actor) {
  if (item.state != "present")
    return core::Status::Invalid(
        fmt::format("item {} is {}, not present", item.id, item.state));
  if (reason.empty() || core::HasControlChars(reason))
    return core::Status::Invalid("say why the item is read, on one line (D.3)");
  Sources open;
  auto src = SourceOf(item.source, open);
  if (!src.ok()) return src.status();
  auto bytes = (*src)->Read(item.path, pack_->limits.max_item_bytes);
  if (!bytes.ok()) return bytes.status();
  if (core::Sha256Hex(*bytes) != item.sha256)
    return core::Status::Invalid(fmt::format(
        "item {} changed since it was indexed (its SHA-256 is not the "
        "register's): index it again first",
        item.id));
  auto a = audit::Append(
      db_, {.actor = actor.name,
            .action = "records.read-item",
            .target = fmt::format("records-item/{}", item.id),
            .detail = nlohmann::json({{"custodian", item.custodian},
                                      {"sha256", item.sha256},
                                      {"reason", reason}})
                          .dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace),
            .ip = actor.ip});
  if (!a.ok()) return a.status();
  return bytes;
}

core::Status Register::Reclassify(int64_t id, RecordClass c,
                                  const std::string& reason,
                                  const std::string& audit_done,
                                  const audit::Actor& actor) {
  if (!OneLine(reason))
    return core::Status::Invalid("give the reason for the new class, in words");
  if (!audit_done.empty()) {
    auto d = core::ParseIsoDate(audit_done, 1900, 2200, "The audit's date");
    if (!d.ok()) return d.status();
  }
  return db_.Transact([&](store::Conn& conn) -> core::Status {
    // The lock a deletion's check takes: a class changes before or after
    // that check, never during it.
    if (auto l = conn.LockTable("records_holds"); !l.ok()) return l;
    auto item = LoadItem(conn, id);
    if (!item.ok()) return item.status();
    if (item->state == "destroyed" || item->state == "deleting")
      return core::Status::Invalid(
          fmt::format("records item {} is {}", id, item->state));
    if (auto st = conn.Exec(
            "UPDATE records_items SET record_class = ?, class_rule = 'manual', "
            "class_reason = ?, audit_done = ? WHERE id = ?",
            {P(std::string(policy::RecordClassName(c))), P(reason),
             P(audit_done), P(id)});
        !st.ok())
      return st;
    return audit::Record(conn, actor, "records.reclassify",
                         fmt::format("records-item/{}", id),
                         {{"from", policy::RecordClassName(item->record_class)},
                          {"to", policy::RecordClassName(c)},
                          {"reason", reason},
                          {"audit_done", audit_done}});
  });
}

core::Status Register::CheckQuery(HoldQuery& q) const {
  for (auto& c : q.custodians) {
    auto n = NormalCustodian(c);
    if (!n.ok()) return n.status();
    c = *n;
  }
  for (auto* list : {&q.custodians, &q.addresses, &q.folders, &q.categories}) {
    if (list->size() > kMaxHoldValues)
      return core::Status::Invalid(fmt::format(
          "a query names at most {} custodians, addresses, folders or "
          "categories of each kind; split it",
          kMaxHoldValues));
    for (const auto& v : *list)
      if (!OneLine(v, 200))
        return core::Status::Invalid("a query's values are words on one line");
  }
  if (!q.subject.empty() && !OneLine(q.subject, 200))
    return core::Status::Invalid("a query's subject words are one line");
  for (const auto& c : q.categories)
    if (!pack_->FindCategory(c) && c != pack_->bulk_extract.category)
      return core::Status::Invalid("a query names an unknown category: '" + c +
                                   "'");
  if (!q.since.empty() && !q.until.empty() && q.since >= q.until)
    return core::Status::Invalid(
        "the query's days are empty: 'since' must come before 'until'");
  if (q.Empty())
    return core::Status::Invalid(
        "say what to look for: custodians, addresses, subject words, "
        "folders, categories or dates");
  for (const auto* d : {&q.since, &q.until})
    if (!d->empty())
      if (auto v = core::ParseIsoDate(*d, 1900, 2200, "A date"); !v.ok())
        return v.status();
  return core::Status::Ok();
}

core::Result<Register::SearchResult> Register::Search(
    const HoldQuery& query, int limit, const audit::Actor& actor) {
  HoldQuery q = query;
  if (auto st = CheckQuery(q); !st.ok()) return st;
  SearchResult r;
  limit = std::clamp(limit, 1, 10000);
  // The first `limit` by id: the rows come in the store's order, so the
  // smallest ids are kept as they pass.
  auto keep_first = [&](size_t n) {
    auto by_id = [](const Item& a, const Item& b) { return a.id < b.id; };
    if (r.items.size() > n) {
      std::nth_element(r.items.begin(), r.items.begin() + n, r.items.end(),
                       by_id);
      r.items.resize(n);
    }
    std::sort(r.items.begin(), r.items.end(), by_id);
  };
  auto st = EachCovered(q, "present", [&](Item& item) {
    ++r.total;
    std::set<std::string> cats(item.categories.begin(), item.categories.end());
    for (const auto& c : cats) ++r.categories[c];
    ++r.classes[std::string(policy::RecordClassName(item.record_class))];
    r.items.push_back(std::move(item));
    if (r.items.size() >= 2 * static_cast<size_t>(limit)) keep_first(limit);
  });
  if (!st.ok()) return st;
  keep_first(limit);
  auto a = audit::Append(
      db_,
      {.actor = actor.name,
       .action = "records.search",
       .target = "records",
       .detail =
           nlohmann::json({{"query", QueryJson(q)}, {"items", r.total}})
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
       .ip = actor.ip});
  if (!a.ok()) return a.status();
  return r;
}

core::Result<Hold> Register::PlaceHold(const std::string& matter,
                                       const std::string& reason,
                                       const HoldQuery& query,
                                       const audit::Actor& actor) {
  if (!OneLine(matter))
    return core::Status::Invalid("a hold names its matter (one line)");
  if (!OneLine(reason))
    return core::Status::Invalid("a hold gives its reason (one line)");
  HoldQuery q = query;
  if (auto st = CheckQuery(q); !st.ok()) return st;
  Hold h;
  h.matter = matter;
  h.reason = reason;
  h.query = q;
  h.placed_by = actor.name;
  h.placed_at = store::NowUtc();
  auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
    // The lock every deletion takes to check holds: a deletion decided
    // before this commits was decided without the hold; every later one
    // sees it.
    if (auto l = conn.LockTable("records_holds"); !l.ok()) return l;
    auto rows = conn.Query(
        "INSERT INTO records_holds (matter, reason, query, placed_by, "
        "placed_at, released_by, released_at, release_reason) VALUES (?, ?, "
        "?, ?, ?, '', '', '') RETURNING id",
        {P(matter), P(reason), P(Json(QueryJson(q))), P(h.placed_by),
         P(h.placed_at)});
    if (!rows.ok()) return rows.status();
    h.id = rows->front().Int(0);
    return audit::Record(
        conn, actor, "records.hold-place", fmt::format("records-hold/{}", h.id),
        {{"matter", matter}, {"reason", reason}, {"query", QueryJson(q)}});
  });
  if (!st.ok()) return st;
  // What it covers now, so that a hold that names nothing by mistake (a
  // misspelt custodian) is seen at once.
  auto covered = EachCovered(h.query, "", [&](const Item& item) {
    if (item.state != "destroyed") ++h.covers_now;
  });
  if (!covered.ok()) return covered;
  return h;
}

core::Status Register::EachCovered(const HoldQuery& q, const std::string& state,
                                   const std::function<void(Item&)>& fn) {
  const store::Dialect d = db_.dialect();
  Candidates c = CandidatesOf(q, d);
  std::string sql =
      fmt::format("SELECT {} FROM records_items WHERE {}", kItemCols, c.sql);
  if (!state.empty()) {
    sql += fmt::format(" AND {} = ?", Unindexed(d, "state"));
    c.params.push_back(P(state));
  }
  return db_.ForEach(sql, c.params, [&](store::Row& row) {
    Item item = ItemFromRow(row);
    if (Covers(q, item)) fn(item);
    return true;
  });
}

core::Status Register::ReleaseHold(int64_t id, const std::string& reason,
                                   const audit::Actor& actor) {
  if (!OneLine(reason))
    return core::Status::Invalid("give the reason the hold ends (one line)");
  return db_.Transact([&](store::Conn& conn) -> core::Status {
    if (auto l = conn.LockTable("records_holds"); !l.ok()) return l;
    auto rows = conn.Query(
        "SELECT matter, released_at FROM records_holds WHERE id = ?", {P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::NotFound(fmt::format("no hold {}", id));
    if (!rows->front().Text(1).empty())
      return core::Status::Invalid(
          fmt::format("hold {} was already released", id));
    if (auto st = conn.Exec(
            "UPDATE records_holds SET released_by = ?, released_at = ?, "
            "release_reason = ? WHERE id = ?",
            {P(actor.name), P(store::NowUtc()), P(reason), P(id)});
        !st.ok())
      return st;
    return audit::Record(
        conn, actor, "records.hold-release", fmt::format("records-hold/{}", id),
        {{"matter", rows->front().Text(0)}, {"reason", reason}});
  });
}

core::Result<std::vector<Hold>> Register::Holds(bool include_released) {
  return LoadHolds(db_, include_released);
}

core::Result<std::vector<std::string>> Register::HoldsOn(const Item& item) {
  auto holds = LoadHolds(db_, false);
  if (!holds.ok()) return holds.status();
  return MattersOn(*holds, item);
}

namespace {

// The class an item has now: a custodian's, else what the pack's rules
// say today (a rule added since the item was read applies at once).
RecordClass CurrentClass(const policy::RecordsPolicy& rules, const Item& item) {
  if (item.class_rule == "manual") return item.record_class;
  ClassFacts cf{item.folder, item.recipients, item.categories};
  if (!item.sender.empty()) cf.addresses.push_back(item.sender);
  return Classify(rules, cf).record_class;
}

RetentionFacts FactsOf(const policy::RecordsPolicy& rules, const Item& item,
                       std::vector<std::string> holds) {
  RetentionFacts f;
  f.record_class = CurrentClass(rules, item);
  auto made = core::ParseIsoDate(item.made_day, 1970, 9999, "made");
  f.made = made.ok() ? *made : 0;
  f.made_known = made.ok();
  if (!item.audit_done.empty()) {
    auto a = core::ParseIsoDate(item.audit_done, 1900, 9999, "audit");
    if (a.ok())
      f.audit_done = *a;
    else
      f.made_known = false;  // an audit date not understood: kept
  }
  f.is_mail = item.kind == "mail";
  f.folder = item.folder;
  f.categories = item.categories;
  f.holds = std::move(holds);
  return f;
}

constexpr std::string_view kListItemCols =
    "item_id, locator, sha256, folder, custodian, record_class, school_year, "
    "destroy_from, rule, outcome";

}  // namespace

core::Result<Decision> Register::DecisionFor(const Item& item, Day today) {
  auto all = Decisions({item}, today);
  if (!all.ok()) return all.status();
  return std::move(all->front());
}

core::Result<std::vector<Decision>> Register::Decisions(
    const std::vector<Item>& items, Day today) {
  auto holds = LoadHolds(db_, false);
  if (!holds.ok()) return holds.status();
  std::vector<Decision> out;
  out.reserve(items.size());
  for (const Item& item : items)
    out.push_back(records::Decide(
        pack_->records, FactsOf(pack_->records, item, MattersOn(*holds, item)),
        today));
  return out;
}

namespace {

// What an item's deletion in progress remembers: the list and what
// identified the item when its bytes were checked.
std::string PendingJson(int64_t list, const Identity& id) {
  return Json({{"list", list}, {"a", id.a}, {"b", id.b}});
}

bool ParsePending(const std::string& text, int64_t* list, Identity* id) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("list") || !j["list"].is_number() ||
      !j.contains("a") || !j.contains("b"))
    return false;
  *list = j["list"].get<int64_t>();
  id->a = j["a"].get<uint64_t>();
  id->b = j["b"].get<uint64_t>();
  return true;
}

}  // namespace

core::Status Register::NotAfterToday(Day today) const {
  Day real = Today();
  if (today > real)
    return core::Status::Invalid(fmt::format(
        "{} is after today ({}): what may be destroyed is decided on the "
        "day itself, never ahead",
        FormatDay(today), FormatDay(real)));
  return {};
}

core::Result<DestructionList> Register::Plan(
    Day today, const audit::Actor& actor, const std::string& custodian,
    std::map<std::string, int64_t>* kept) {
  if (auto st = NotAfterToday(today); !st.ok()) return st;
  DestructionList list;
  list.created_by = actor.name;
  list.created_at = store::NowUtc();
  list.today = FormatDay(today);
  list.rules = RulesFingerprint();
  list.status = "waiting";
  auto holds = LoadHolds(db_, false);
  if (!holds.ok()) return holds.status();
  for (int64_t after = 0;;) {
    auto page = Items({.custodian = custodian,
                       .state = "present",
                       .limit = 5000,
                       .after_id = after});
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    after = page->back().id;
    for (const Item& item : *page) {
      // Items(custodian) also gives what they passed on: not theirs now.
      if (!custodian.empty() && item.custodian != custodian) continue;
      std::vector<std::string> matters = MattersOn(*holds, item);
      RetentionFacts facts = FactsOf(pack_->records, item, matters);
      Decision d = records::Decide(pack_->records, facts, today);
      if (!d.deletable) {
        if (kept) ++(*kept)[KeptWhy(facts, d, matters)];
        continue;
      }
      ListItem li;
      li.item_id = item.id;
      li.locator = item.locator;
      li.sha256 = item.sha256;
      li.folder = item.folder;
      li.custodian = item.custodian;
      li.record_class = facts.record_class;
      li.school_year = SchoolYearName(SchoolYearOf(facts.made));
      li.destroy_from = d.from ? FormatDay(*d.from) : "";
      li.rule = d.delete_rule;
      list.items.push_back(std::move(li));
    }
  }
  return list;
}

core::Status Register::SaveList(store::Conn& conn, DestructionList& list,
                                const audit::Actor& actor) {
  auto rows = conn.Query(
      "INSERT INTO records_lists (created_by, created_at, today, rules, "
      "status, decided_by, decided_at, decision_note) VALUES (?, ?, ?, ?, "
      "'waiting', '', '', '') RETURNING id",
      {P(list.created_by), P(list.created_at), P(list.today), P(list.rules)});
  if (!rows.ok()) return rows.status();
  list.id = rows->front().Int(0);
  for (const ListItem& li : list.items)
    if (auto e = conn.Exec(
            "INSERT INTO records_list_items (list_id, item_id, locator, "
            "sha256, folder, custodian, record_class, school_year, "
            "destroy_from, rule, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, '')",
            {P(list.id), P(li.item_id), P(li.locator), P(li.sha256),
             P(li.folder), P(li.custodian),
             P(std::string(policy::RecordClassName(li.record_class))),
             P(li.school_year), P(li.destroy_from), P(li.rule)});
        !e.ok())
      return e;
  return audit::Record(conn, actor, "records.list-make",
                       fmt::format("records-list/{}", list.id),
                       {{"today", list.today},
                        {"items", list.items.size()},
                        {"rules", list.rules}});
}

core::Result<DestructionList> Register::MakeList(Day today,
                                                 const audit::Actor& actor,
                                                 const std::string& custodian) {
  std::string who;
  if (!custodian.empty()) {
    auto c = NormalCustodian(custodian);
    if (!c.ok()) return c.status();
    who = *c;
  }
  auto list = Plan(today, actor, who, nullptr);
  if (!list.ok()) return list.status();
  auto st = db_.Transact(
      [&](store::Conn& conn) { return SaveList(conn, *list, actor); });
  if (!st.ok()) return st;
  return list;
}

core::Result<DestructionList> Register::GetList(int64_t id) {
  auto rows = db_.Query(
      "SELECT id, created_by, created_at, today, rules, status, decided_by, "
      "decided_at, decision_note FROM records_lists WHERE id = ?",
      {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("no destruction list {}", id));
  const store::Row& r = rows->front();
  DestructionList l;
  l.id = r.Int(0);
  l.created_by = r.Text(1);
  l.created_at = r.Text(2);
  l.today = r.Text(3);
  l.rules = r.Text(4);
  l.status = r.Text(5);
  l.decided_by = r.Text(6);
  l.decided_at = r.Text(7);
  l.decision_note = r.Text(8);
  auto items = db_.Query(
      fmt::format("SELECT {} FROM records_list_items WHERE list_id = ? ORDER "
                  "BY item_id",
                  kListItemCols),
      {P(id)});
  if (!items.ok()) return items.status();
  for (const auto& x : *items) {
    ListItem li;
    li.item_id = x.Int(0);
    li.locator = x.Text(1);
    li.sha256 = x.Text(2);
    li.folder = x.Text(3);
    li.custodian = x.Text(4);
    li.record_class = ClassOrUnclassified(x.Text(5));
    li.school_year = x.Text(6);
    li.destroy_from = x.Text(7);
    li.rule = x.Text(8);
    li.outcome = x.Text(9);
    l.items.push_back(std::move(li));
  }
  return l;
}

core::Result<std::vector<DestructionList>> Register::Lists(int limit) {
  auto rows = db_.Query(
      fmt::format("SELECT id FROM records_lists ORDER BY id DESC LIMIT {}",
                  std::clamp(limit, 1, 10000)));
  if (!rows.ok()) return rows.status();
  std::vector<DestructionList> out;
  for (const auto& r : *rows) {
    auto l = GetList(r.Int(0));
    if (!l.ok()) return l.status();
    out.push_back(std::move(*l));
  }
  return out;
}

core::Status Register::Decide(int64_t id, bool approve,
                              const std::string& approver,
                              const std::string& note,
                              const audit::Actor& actor) {
  if (!approve && !OneLine(note))
    return core::Status::Invalid("a refusal gives its reason (one line)");
  if (core::HasControlChars(note))
    return core::Status::Invalid("a note is one line of text");
  return db_.Transact([&](store::Conn& conn) -> core::Status {
    // One decision at a time: approve and refuse never both commit.
    if (auto l = conn.LockTable("records_lists"); !l.ok()) return l;
    auto rows = conn.Query(
        "SELECT created_by, status FROM records_lists WHERE id = ?", {P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::NotFound(fmt::format("no destruction list {}", id));
    if (rows->front().Text(1) != "waiting")
      return core::Status::Invalid(fmt::format(
          "destruction list {} is {}, not waiting", id, rows->front().Text(1)));
    if (core::Lower(PersonOf(rows->front().Text(0))) ==
        core::Lower(PersonOf(approver)))
      return core::Status::Invalid(fmt::format(
          "{} made destruction list {}: a second person decides it (5 CCR "
          "16027)",
          PersonOf(approver), id));
    if (auto st = conn.Exec(
            "UPDATE records_lists SET status = ?, decided_by = ?, decided_at "
            "= ?, decision_note = ? WHERE id = ?",
            {P(approve ? "approved" : "refused"), P(approver),
             P(store::NowUtc()), P(note), P(id)});
        !st.ok())
      return st;
    return audit::Record(
        conn, actor, approve ? "records.list-approve" : "records.list-refuse",
        fmt::format("records-list/{}", id), {{"note", note}});
  });
}

core::Result<Source*> Register::SourceOf(const std::string& name,
                                         Sources& open) {
  auto it = open.find(name);
  if (it != open.end()) return it->second.get();
  core::Result<std::unique_ptr<Source>> made =
      open_source ? open_source(name)
      : !name.empty() && name[0] == '/'
          ? OpenFolder(name)
          : core::Result<std::unique_ptr<Source>>(core::Status::Invalid(
                "no way to reach " + name + ": give its credentials"));
  if (!made.ok()) return made.status();
  Source* s = made->get();
  open[name] = std::move(*made);
  return s;
}

namespace {

// Sets a list item's outcome unless another run has set it.
core::Status SetOutcome(store::Conn& conn, int64_t list, int64_t item,
                        const std::string& outcome) {
  return conn.Exec(
      "UPDATE records_list_items SET outcome = ? WHERE list_id = ? AND "
      "item_id = ? AND outcome IN ('', 'deleting')",
      {P(outcome), P(list), P(item)});
}

}  // namespace

core::Status Register::Undo(const Item& item, int64_t list_id,
                            const std::string& why, const std::string& action,
                            const audit::Actor& actor) {
  return db_.Transact([&](store::Conn& conn) -> core::Status {
    if (auto st = conn.Exec(
            "UPDATE records_items SET state = 'present', pending = '' WHERE "
            "id = ? AND state = 'deleting'",
            {P(item.id)});
        !st.ok())
      return st;
    if (auto st = SetOutcome(conn, list_id, item.id, "kept: " + why); !st.ok())
      return st;
    return audit::Record(conn, actor, action,
                         fmt::format("records-item/{}", item.id),
                         {{"list", list_id}, {"why", why}});
  });
}

core::Status Register::Confirm(const Item& item, int64_t list_id,
                               const std::string& approved_by,
                               const audit::Actor& actor, bool recovering) {
  return db_.Transact([&](store::Conn& conn) -> core::Status {
    const std::string now = store::NowUtc();
    auto made = core::ParseIsoDate(item.made_day, 1970, 9999, "made");
    if (auto st = conn.Exec(
            "INSERT INTO records_tombstones (item_id, source, locator, sha256, "
            "message_id, custodian, record_class, school_year, made_at, "
            "destroyed_at, list_id, approved_by, destroyed_by) VALUES (?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id, list_id) "
            "DO NOTHING",
            {P(item.id), P(item.source), P(item.locator), P(item.sha256),
             P(item.message_id), P(item.custodian),
             P(std::string(
                 policy::RecordClassName(CurrentClass(pack_->records, item)))),
             P(made.ok() ? SchoolYearName(SchoolYearOf(*made)) : ""),
             P(item.made_at), P(now), P(list_id), P(approved_by),
             P(actor.name)});
        !st.ok())
      return st;
    if (auto st = conn.Exec(
            "UPDATE records_items SET state = 'destroyed', pending = '' WHERE "
            "id = ?",
            {P(item.id)});
        !st.ok())
      return st;
    if (auto st = SetOutcome(conn, list_id, item.id, "destroyed"); !st.ok())
      return st;
    return audit::Record(conn, actor, "records.destroy-confirm",
                         fmt::format("records-item/{}", item.id),
                         {{"list", list_id},
                          {"sha256", item.sha256},
                          {"recovered", recovering}});
  });
}

core::Status Register::Destroy(const Item& item, int64_t list_id,
                               const std::string& approved_by,
                               const Identity& identity,
                               const audit::Actor& actor, bool recovering,
                               Sources& open) {
  auto src = SourceOf(item.source, open);
  core::Status removed =
      src.ok() ? (*src)->Remove(item.path, identity) : src.status();
  if (removed.ok())
    return Confirm(item, list_id, approved_by, actor, recovering);
  // Nothing was removed: the item goes back to the register as it is, and
  // is read again at the next index.
  std::string why = removed.code() == core::Code::kNotFound
                        ? "it was no longer where it was read (moved or "
                          "removed by someone else; index it again)"
                        : "cannot delete: " + removed.message();
  return Undo(item, list_id, why, "records.destroy-failed", actor);
}

core::Result<ExecuteReport> Register::Execute(int64_t id, Day today,
                                              const audit::Actor& actor,
                                              bool resume) {
  if (auto st = NotAfterToday(today); !st.ok()) return st;
  ExecuteReport report;
  Sources open;
  auto rec = Recover(actor);
  if (!rec.ok()) return rec.status();
  report.recovered = *rec;
  std::string approved_by;
  // The list is claimed in one transaction: one run carries it out.
  auto claimed = db_.Transact([&](store::Conn& conn) -> core::Status {
    if (auto l = conn.LockTable("records_lists"); !l.ok()) return l;
    auto rows = conn.Query(
        "SELECT status, rules, decided_by FROM records_lists WHERE id = ?",
        {P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::NotFound(fmt::format("no destruction list {}", id));
    const std::string status = rows->front().Text(0);
    if (status == "executing" && !resume)
      return core::Status::Invalid(fmt::format(
          "destruction list {} is being carried out by another run; if that "
          "run was stopped, carry it on with --resume",
          id));
    if (status != "approved" && status != "executing")
      return core::Status::Invalid(fmt::format(
          "destruction list {} is {}: only an approved list is carried out", id,
          status));
    if (rows->front().Text(1) != RulesFingerprint())
      return core::Status::Invalid(fmt::format(
          "the pack's records rules changed since destruction list {} was "
          "made: make a new list and have it approved",
          id));
    approved_by = rows->front().Text(2);
    return conn.Exec(
        "UPDATE records_lists SET status = 'executing' WHERE id = ?", {P(id)});
  });
  if (!claimed.ok()) return claimed;
  auto list = GetList(id);
  if (!list.ok()) return list.status();
  for (const ListItem& li : list->items) {
    if (!li.outcome.empty()) continue;  // done in an earlier run
    auto item = GetItem(li.item_id);
    if (!item.ok()) return item.status();
    // The bytes as they are now, read (bounded by their recorded size)
    // before the lock is taken.
    std::string why_kept;
    Identity identity;
    if (item->state != "present") {
      why_kept = "it is " + item->state;
    } else if (item->sha256 != li.sha256) {
      why_kept = "it changed after the list was made";
    } else {
      auto src = SourceOf(item->source, open);
      auto bytes =
          src.ok()
              ? (*src)->Read(
                    item->path,
                    static_cast<uint64_t>(std::max<int64_t>(item->size, 0)),
                    &identity)
              : core::Result<std::string>(src.status());
      if (!bytes.ok())
        why_kept = bytes.status().code() == core::Code::kLimit
                       ? "it changed after the list was made"
                       : "cannot read it: " + bytes.status().message();
      else if (core::Sha256Hex(*bytes) != li.sha256)
        why_kept = "it changed after the list was made";
    }
    bool go = false;
    auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
      if (auto l = conn.LockTable("records_holds"); !l.ok()) return l;
      auto now_item = LoadItem(conn, li.item_id);
      if (!now_item.ok()) return now_item.status();
      if (why_kept.empty()) {
        auto holds = LoadHolds(conn, false);
        if (!holds.ok()) return holds.status();
        Decision d = records::Decide(
            pack_->records,
            FactsOf(pack_->records, *now_item, MattersOn(*holds, *now_item)),
            today);
        if (now_item->state != "present")
          why_kept = "it is " + now_item->state;
        else if (now_item->sha256 != li.sha256)
          why_kept = "it changed after the list was made";
        else if (!d.deletable)
          why_kept = d.reason;
      }
      if (!why_kept.empty()) {
        if (auto e = SetOutcome(conn, id, li.item_id, "kept: " + why_kept);
            !e.ok())
          return e;
        return audit::Record(conn, actor, "records.destroy-skip",
                             fmt::format("records-item/{}", li.item_id),
                             {{"list", id}, {"why", why_kept}});
      }
      // The intent commits before the item goes.
      if (auto e = conn.Exec(
              "UPDATE records_items SET state = 'deleting', pending = ? WHERE "
              "id = ? AND state = 'present'",
              {P(PendingJson(id, identity)), P(li.item_id)});
          !e.ok())
        return e;
      if (auto e = SetOutcome(conn, id, li.item_id, "deleting"); !e.ok())
        return e;
      go = true;
      return audit::Record(conn, actor, "records.destroy-intent",
                           fmt::format("records-item/{}", li.item_id),
                           {{"list", id},
                            {"sha256", li.sha256},
                            {"source", now_item->source},
                            {"path", now_item->path}});
    });
    if (!st.ok()) return st;
    if (!go) {
      ++report.kept;
      continue;
    }
    if (before_delete) before_delete(*item);
    if (auto d = Destroy(*item, id, approved_by, identity, actor, false, open);
        !d.ok())
      return d;
    auto after = GetItem(li.item_id);
    if (after.ok() && after->state == "destroyed")
      ++report.destroyed;
    else
      ++report.kept;
  }
  auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
    if (auto e = conn.Exec(
            "UPDATE records_lists SET status = 'executed' WHERE id = ?",
            {P(id)});
        !e.ok())
      return e;
    return audit::Record(
        conn, actor, "records.list-execute", fmt::format("records-list/{}", id),
        {{"destroyed", report.destroyed}, {"kept", report.kept}});
  });
  if (!st.ok()) return st;
  return report;
}

core::Result<int64_t> Register::Recover(const audit::Actor& actor) {
  auto rows = db_.Query(
      fmt::format("SELECT {}, pending FROM records_items WHERE state = "
                  "'deleting' ORDER BY id",
                  kItemCols));
  if (!rows.ok()) return rows.status();
  int64_t n = 0;
  Sources open;
  const Day today = Today();
  for (const auto& r : *rows) {
    Item item = ItemFromRow(r);
    int64_t list_id = 0;
    Identity identity;
    if (!ParsePending(r.Text(kItemColCount), &list_id, &identity)) {
      if (auto st = Undo(item, 0, "its deletion was not recorded whole",
                         "records.destroy-cancel", actor);
          !st.ok())
        return st;
      continue;
    }
    auto approver = db_.Query(
        "SELECT decided_by FROM records_lists WHERE id = ?", {P(list_id)});
    if (!approver.ok()) return approver.status();
    std::string approved_by =
        approver->empty() ? "" : approver->front().Text(0);
    auto src = SourceOf(item.source, open);
    if (!src.ok()) return src.status();
    // An error is not an answer: nothing is confirmed on a guess.
    auto present = (*src)->Exists(item.path);
    if (!present.ok()) return present.status();
    if (!*present) {
      if (auto st = Confirm(item, list_id, approved_by, actor, true); !st.ok())
        return st;
      ++n;
      continue;
    }
    // Still there: deleted only if it is what the intent named, and the
    // rules and holds still let it go.
    Identity now_id;
    auto bytes = (*src)->Read(
        item.path, static_cast<uint64_t>(std::max<int64_t>(item.size, 0)),
        &now_id);
    std::string why;
    if (!bytes.ok() || now_id != identity ||
        core::Sha256Hex(*bytes) != item.sha256)
      why = "it changed after the deletion was begun";
    auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
      if (auto l = conn.LockTable("records_holds"); !l.ok()) return l;
      auto holds = LoadHolds(conn, false);
      if (!holds.ok()) return holds.status();
      auto now_item = LoadItem(conn, item.id);
      if (!now_item.ok()) return now_item.status();
      if (why.empty()) {
        Decision d = records::Decide(
            pack_->records,
            FactsOf(pack_->records, *now_item, MattersOn(*holds, *now_item)),
            today);
        if (!d.deletable) why = d.reason;
      }
      return {};
    });
    if (!st.ok()) return st;
    if (!why.empty()) {
      if (auto u = Undo(item, list_id, why, "records.destroy-cancel", actor);
          !u.ok())
        return u;
      continue;
    }
    if (auto d =
            Destroy(item, list_id, approved_by, identity, actor, true, open);
        !d.ok())
      return d;
    ++n;
  }
  return n;
}

std::string CustodianText(const Item& item) {
  if (item.former_custodians.empty()) return item.custodian;
  return item.custodian + " (was " + core::Join(item.former_custodians, ", ") +
         ")";
}

std::string_view DepartureName(Departure d) {
  return core::NameOf(kDepartureNames, d);
}

std::optional<Departure> ParseDeparture(std::string_view s) {
  return core::ParseName(kDepartureNames, s);
}

std::string OffboardingText(const Offboarding& o) {
  std::string out =
      fmt::format("{} left ({}): {} item{}", o.custodian,
                  DepartureName(o.action), o.items, o.items == 1 ? "" : "s");
  if (o.action == Departure::kDispose) {
    if (o.list_id != 0)
      out += fmt::format(
          "; {} on destruction list {}, which destroys nothing until a "
          "second person approves it",
          o.listed, o.list_id);
    else
      out += "; none may be destroyed today";
    std::vector<std::string> why;
    for (const auto& [k, n] : o.kept) why.push_back(fmt::format("{} {}", n, k));
    if (!why.empty()) out += "; kept: " + core::Join(why, ", ");
  }
  if (o.transferred > 0 || o.action == Departure::kTransfer)
    out += fmt::format("; {} passed to {}", o.transferred, o.to);
  else if (o.action != Departure::kTransfer)
    out += fmt::format("; the rest stay in {}'s name", o.custodian);
  return out + ".";
}

core::Result<Offboarding> Register::Offboard(
    const std::string& custodian, Departure action, const std::string& to,
    const std::string& reason, Day today, const audit::Actor& actor) {
  if (!OneLine(reason))
    return core::Status::Invalid(
        "give the reason, in words (recorded with the decision)");
  auto who = NormalCustodian(custodian);
  if (!who.ok()) return who.status();
  Offboarding o;
  o.custodian = *who;
  o.action = action;
  o.reason = reason;
  o.done_by = actor.name;
  o.done_at = store::NowUtc();
  if (auto st = NotAfterToday(today); !st.ok()) return st;
  o.day = FormatDay(today);
  if (!to.empty()) {
    auto t = NormalCustodian(to);
    if (!t.ok()) return t.status();
    o.to = *t;
    if (o.to == o.custodian)
      return core::Status::Invalid(
          "the items would pass to the custodian who left: name someone "
          "else with --to");
    if (action == Departure::kKeep)
      return core::Status::Invalid(
          "keep leaves the items in the departed custodian's name: drop "
          "--to, or transfer them");
  } else if (action == Departure::kTransfer) {
    return core::Status::Invalid(
        "say who answers for the items from now on (--to)");
  }
  DestructionList list;
  if (action == Departure::kDispose) {
    auto planned = Plan(today, actor, o.custodian, &o.kept);
    if (!planned.ok()) return planned.status();
    list = std::move(*planned);
  }
  auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
    // What holds cover changes here: not while a deletion is being decided
    // (Execute decides under this lock).
    if (auto l = conn.LockTable("records_holds"); !l.ok()) return l;
    auto theirs = conn.Query(
        "SELECT id, state FROM records_items WHERE custodian = ? AND state <> "
        "'destroyed'",
        {P(o.custodian)});
    if (!theirs.ok()) return theirs.status();
    o.items = static_cast<int64_t>(theirs->size());
    if (o.items == 0)
      return core::Status::NotFound(
          "the register holds no item of '" + o.custodian +
          "' (index their mailbox and folders first, with --custodian)");
    // The list keeps only what is still theirs and present (another
    // decision may have moved some since it was planned).
    std::set<int64_t> present;
    for (const auto& r : *theirs)
      if (r.Text(1) == "present") present.insert(r.Int(0));
    std::erase_if(list.items, [&](const ListItem& li) {
      return present.count(li.item_id) == 0;
    });
    o.listed = static_cast<int64_t>(list.items.size());
    if (!list.items.empty()) {
      if (auto s2 = SaveList(conn, list, actor); !s2.ok()) return s2;
      o.list_id = list.id;
    }
    if (!o.to.empty()) {
      // Every item of theirs not destroyed and not on the new list; the
      // one who left stays named on each.
      std::string sql =
          "UPDATE records_items SET custodian = ?, former_custodians = CASE "
          "WHEN former_custodians = '' THEN ? ELSE former_custodians || ',' "
          "|| ? END WHERE custodian = ? AND state <> 'destroyed'";
      store::Params params = {P(o.to), P(o.custodian), P(o.custodian),
                              P(o.custodian)};
      if (o.list_id != 0) {
        sql +=
            " AND id NOT IN (SELECT item_id FROM records_list_items WHERE "
            "list_id = ?)";
        params.push_back(P(o.list_id));
      }
      sql += " RETURNING id";
      auto moved = conn.Query(sql, params);
      if (!moved.ok()) return moved.status();
      o.transferred = static_cast<int64_t>(moved->size());
    }
    nlohmann::json kept = nlohmann::json::object();
    for (const auto& [k, n] : o.kept) kept[k] = n;
    std::string kept_text = kept.dump();
    auto row = conn.Query(
        "INSERT INTO records_offboardings (custodian, action, to_custodian, "
        "reason, done_by, done_at, day, items, transferred, list_id, listed, "
        "kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {P(o.custodian), P(std::string(DepartureName(o.action))), P(o.to),
         P(o.reason), P(o.done_by), P(o.done_at), P(o.day), P(o.items),
         P(o.transferred), P(o.list_id), P(o.listed), P(kept_text)});
    if (!row.ok()) return row.status();
    o.id = row->front().Int(0);
    return audit::Record(conn, actor, "records.offboard",
                         "custodian/" + o.custodian,
                         {{"action", DepartureName(o.action)},
                          {"to", o.to},
                          {"reason", o.reason},
                          {"day", o.day},
                          {"items", o.items},
                          {"transferred", o.transferred},
                          {"list", o.list_id},
                          {"listed", o.listed},
                          {"kept", kept}});
  });
  if (!st.ok()) return st;
  return o;
}

core::Result<std::vector<Offboarding>> Register::Offboardings(int limit) {
  auto rows = db_.Query(
      fmt::format("SELECT id, custodian, action, to_custodian, reason, "
                  "done_by, done_at, day, items, transferred, list_id, "
                  "listed, kept FROM records_offboardings ORDER BY id DESC "
                  "LIMIT {}",
                  std::clamp(limit, 1, 10000)),
      {});
  if (!rows.ok()) return rows.status();
  std::vector<Offboarding> out;
  for (const auto& r : *rows) {
    Offboarding o;
    o.id = r.Int(0);
    o.custodian = r.Text(1);
    o.action = ParseDeparture(r.Text(2)).value_or(Departure::kKeep);
    o.to = r.Text(3);
    o.reason = r.Text(4);
    o.done_by = r.Text(5);
    o.done_at = r.Text(6);
    o.day = r.Text(7);
    o.items = r.Int(8);
    o.transferred = r.Int(9);
    o.list_id = r.Int(10);
    o.listed = r.Int(11);
    auto kept = nlohmann::json::parse(r.Text(12), nullptr, false);
    if (kept.is_object())
      for (const auto& [k, v] : kept.items())
        if (v.is_number_integer()) o.kept[k] = v.get<int64_t>();
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace steward::records
