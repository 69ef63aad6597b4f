// The directory's accounts in the portal (N.1, N.2; docs/accounts.md): what
// the last `steward directory read` kept, judged now against the people
// register and the pack's semesters. ITS and auditors read the lists and
// export them; every employee sees on their home page when their own
// password has not changed this semester.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/text.h"
#include "core/zone.h"
#include "directory/directory.h"

namespace steward::portal {

namespace {

constexpr int kPage = 100;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Day(int64_t utc) {
  return utc ? core::IsoUtc(utc).substr(0, 10) : std::string();
}

// The District's day today, days since 1970-01-01.
int64_t Today(const Ctx& c) {
  auto day = core::ParseIsoDate(DistrictDay(c), 1970, 9999, "today");
  return day.ok() ? *day : Now() / 86400;
}

const policy::PolicyPack* Pack(const Ctx& c) {
  return c.app.options.pack ? c.app.options.pack.get() : nullptr;
}

// The District's day of UTC times, as YYYY-MM-DD ("" for 0), at the
// zone's offset of today: a zone looked up once a page, not once a row (a
// lookup takes a process-wide lock). A time within an hour of midnight on
// the other side of a daylight-saving change may show the next or the
// previous day.
class Days {
 public:
  explicit Days(const Ctx& c) {
    const policy::PolicyPack* pack = Pack(c);
    auto zone = core::Zone::Open(pack ? pack->records.time_zone : "");
    if (zone.ok()) offset_ = zone->OffsetAt(Now());
  }
  std::string operator()(int64_t utc) const {
    if (!utc) return {};
    const int64_t local = utc + offset_;
    return Day((local >= 0 ? local / 86400 : (local - 86399) / 86400) * 86400);
  }

 private:
  int64_t offset_ = 0;
};

using Semester = policy::AccountsPolicy::Semester;

// The semester a list is about: ?semester=NAME, else the one at hand;
// nullptr, with `problem` said, for a name the pack does not have or a
// semester that has not begun.
const Semester* NamedSemester(const Ctx& c, std::string* problem) {
  const policy::PolicyPack* pack = Pack(c);
  if (!pack) return nullptr;
  const std::string name = core::CleanText(c.Param("semester"), 80);
  if (name.empty()) return directory::CurrentSemester(*pack, Now());
  const auto* s = directory::FindSemester(*pack, name);
  if (!s) {
    *problem = "The policy pack has no semester named \"" + name + "\".";
    return nullptr;
  }
  if (s->begins > Today(c)) {
    *problem = s->name + " has not begun: no password can be late in it yet.";
    return nullptr;
  }
  return s;
}

// Whether a semester's list can be trusted: changes are seen from the
// first read on (each read sees the last change before it), so a semester
// that ended before the first read may list accounts that did change. The
// semester's last day is the District's; so is the read's day compared
// with it (the read's time is kept in UTC).
bool Uncertain(const Ctx& c, const Semester& s,
               const directory::LastRead& read) {
  if (read.id == 0) return false;         // nothing read, nothing listed
  const std::string& at = read.first_at;  // YYYY-MM-DDTHH:MM:SSZ
  auto day = core::ParseIsoDate(at.substr(0, 10), 1970, 9999, "read");
  int64_t seconds = 0;
  if (at.size() >= 19) {
    for (auto [from, unit] : {std::pair{11, 3600}, {14, 60}, {17, 1}}) {
      auto n = core::ParseInt(at.substr(from, 2), 0, 60, "time");
      if (n.ok()) seconds += *n * unit;
    }
  }
  if (!day.ok()) return true;  // unreadable: not to be trusted
  return Day(s.ends * 86400) < Days(c)(*day * 86400 + seconds);
}

// The query a page or an export asks for; false when it cannot be made
// (a semester's list without semesters), after answering.
bool QueryOf(Ctx& c, directory::Query* q, int limit,
             const Semester** semester = nullptr) {
  if (!directory::ParseView(c.Param("view"), &q->view))
    q->view = directory::View::kNoEmployee;
  q->text = core::CleanText(c.Param("q"), 100);
  q->limit = limit;
  auto page = core::ParseInt(c.Param("page"), 1, 100000, "page");
  q->offset = page.ok() ? static_cast<int>((*page - 1) * limit) : 0;
  if (q->view != directory::View::kStale) return true;
  std::string problem;
  const auto* s = NamedSemester(c, &problem);
  if (semester) *semester = s;
  if (!s) {
    if (!problem.empty())
      c.Fail(400, problem);
    else
      c.Fail(409,
             "The policy pack names no semester that has begun ([accounts] "
             "semester), so no password can be late yet.");
    return false;
  }
  auto st = directory::SemesterSpan(*s, Pack(c)->records.time_zone, q);
  if (!st.ok()) {
    c.Fail(500, "The District's time zone cannot be read.");
    return false;
  }
  return true;
}

void Unreadable(Ctx& c) {
  c.Fail(503,
         "The directory's accounts cannot be read now; try again shortly.");
}

Data Row(const Days& days, const directory::Listed& l) {
  Data x;
  Put(x, "username", l.account.username);
  SetIfAny(x, "name", l.account.display_name);
  SetIfAny(x, "email", l.account.email);
  Put(x, "standing", l.standing);
  x.set("problem",
        l.standing == "no employee" || l.standing == "employee has left");
  SetIfAny(x, "person", l.person_name);
  if (l.person_id) Put(x, "person_id", std::to_string(l.person_id));
  SetIfAny(x, "changed", days(l.account.changed_at));
  SetIfAny(x, "created", days(l.account.created_at));
  Put(x, "dn", l.account.dn);
  return x;
}

nlohmann::ordered_json JsonOf(const Days& days, const directory::Listed& l) {
  return {{"username", l.account.username},
          {"name", l.account.display_name},
          {"email", l.account.email},
          {"dn", l.account.dn},
          {"standing", l.standing},
          {"person", l.person_id},
          {"person_name", l.person_name},
          {"disabled", l.account.disabled},
          {"service", l.service},
          {"password_changed", days(l.account.changed_at)},
          {"created", days(l.account.created_at)}};
}

const std::vector<std::string> kExportHeader = {
    "user name",        "name",    "mail", "standing", "employee",
    "password changed", "created", "DN"};

}  // namespace

void AddDirectoryCounts(const Ctx& c, Data* mine, Figures* queues) {
  const policy::PolicyPack* pack = Pack(c);
  if (!pack || !pack->accounts.present) return;
  const auto* semester = directory::CurrentSemester(*pack, Now());
  directory::Query span;
  if (semester &&
      !directory::SemesterSpan(*semester, pack->records.time_zone, &span).ok())
    semester = nullptr;
  const int64_t me = c.session->account.person_id;
  if (mine && me && semester &&
      pack->accounts.SemesterOn(Today(c)) == semester) {
    // Only while the semester is under way: a reminder after it ended
    // helps nobody.
    auto own = directory::OfPerson(*c.app.db, me);
    if (own.ok() && !own->service && !own->account.disabled) {
      const int64_t last = own->account.changed_at ? own->account.changed_at
                                                   : own->account.created_at;
      if (last < span.from) {
        mine->set("password_due", true);
        mine->set("password_due_by", Day(semester->ends * 86400));
        mine->set("password_semester", semester->name);
        SetIfAny(*mine, "password_changed_on", Days(c)(last));
      }
    }
  }
  if (!queues || !c.session->account.roles.Has(identity::Role::kItsAdmin))
    return;
  auto read = directory::Latest(*c.app.db);
  if (!read.ok() || read->id == 0) return;
  directory::Query q{.view = directory::View::kNoEmployee};
  if (auto n = directory::Count(*c.app.db, q); n.ok())
    queues->Count("accounts_orphaned", *n);
  if (semester) {
    span.view = directory::View::kStale;
    if (auto n = directory::Count(*c.app.db, span); n.ok()) {
      queues->Count("accounts_stale", *n);
      queues->Text("accounts_semester", semester->name);
    }
  }
}

namespace {

// The list's total: without a search, kept for `dashboard_seconds` by view
// and semester (directory_totals), as a count over 150,000 accounts is not
// free; with one, counted each time.
core::Result<int64_t> Total(Ctx& c, const directory::Query& q) {
  if (!q.text.empty()) return directory::Count(*c.app.db, q);
  auto n = c.app.directory_totals.Get(
      fmt::format("{}/{}/{}", directory::ViewName(q.view), q.from, q.until),
      [&]() -> core::Result<std::shared_ptr<const int64_t>> {
        auto counted = directory::Count(*c.app.db, q);
        if (!counted.ok()) return counted.status();
        return std::make_shared<const int64_t>(*counted);
      });
  if (!n.ok()) return n.status();
  return **n;
}

// A page of a list: without a search, one of the first kKeptPages is kept
// as the totals are (directory_pages, for dashboard_seconds; a change made
// through the portal or a newer read makes it read again), so that many
// people looking at the semester's list at once read it once, and what is
// kept stays small however far anyone pages.
constexpr int kKeptPages = 5;

core::Result<std::vector<directory::Listed>> Rows(Ctx& c,
                                                  const directory::Query& q,
                                                  int64_t read) {
  if (!q.text.empty() || q.offset >= kKeptPages * kPage)
    return directory::List(*c.app.db, q);
  const std::string key = fmt::format(
      "{}/{}/{}/{}", directory::ViewName(q.view), q.from, q.until, q.offset);
  using Kept = DirectoryRows;
  auto compute = [&]() -> core::Result<std::shared_ptr<const Kept>> {
    auto rows = directory::List(*c.app.db, q);
    if (!rows.ok()) return rows.status();
    return std::make_shared<const Kept>(Kept{read, std::move(rows).value()});
  };
  auto kept = c.app.directory_pages.Get(key, compute);
  if (kept.ok() && (*kept)->read != read) {  // from before the last read
    c.app.directory_pages.Invalidate(key);
    kept = c.app.directory_pages.Get(key, compute);
  }
  if (!kept.ok()) return kept.status();
  if ((*kept)->read != read) return directory::List(*c.app.db, q);
  return (*kept)->rows;
}

// A kept total may predate a change the rows show: a page with rows but
// fewer than its limit ends the list; an empty page past the end says only
// that the list ends before it; and no list is shorter than the rows it
// has shown.
int64_t Settled(int64_t total, const directory::Query& q, size_t rows) {
  const int64_t seen =
      static_cast<int64_t>(q.offset) + static_cast<int64_t>(rows);
  if (rows == 0) return std::min(total, seen);
  if (rows < static_cast<size_t>(q.limit)) return seen;
  return std::max(total, seen);
}

}  // namespace

void DirectoryPage(Ctx& c) {
  directory::Query q;
  const Semester* current = nullptr;
  if (!QueryOf(c, &q, kPage, &current)) return;
  auto read = directory::Latest(*c.app.db);
  if (!read.ok()) return Unreadable(c);
  auto rows = Rows(c, q, read->id);
  auto total = Total(c, q);
  if (!rows.ok() || !total.ok()) return Unreadable(c);
  *total = Settled(*total, q, rows->size());
  Data d = c.Page("Accounts in the directory");
  const std::string view = directory::ViewName(q.view);
  d.set("view", view);
  d.set("view_" + std::string(view == "no-employee" ? "no_employee" : view),
        true);
  if (read->id) {
    d.set("read", true);
    d.set("read_at", read->at);
    d.set("read_source", read->source);
    d.set("read_accounts", std::to_string(read->accounts));
  }
  SetIfAny(d, "q", q.text);
  d.set("q_url", http::UrlEncode(q.text));
  d.set("total", std::to_string(*total));
  const policy::PolicyPack* pack = Pack(c);
  if (!current) {  // another view: its tabs still name a semester
    std::string ignored;
    current = NamedSemester(c, &ignored);
    if (!current && pack) current = directory::CurrentSemester(*pack, Now());
  }
  if (pack && current) {
    d.set("uncertain", Uncertain(c, *current, *read));
    d.set("first_read", read->first_at.substr(0, 10));
    d.set("semester", current->name);
    d.set("semester_url", http::UrlEncode(current->name));
    d.set("semester_from", Day(current->begins * 86400));
    d.set("semester_to", Day(current->ends * 86400));
    const int64_t today = Today(c);
    List semesters;
    for (const auto& s : pack->accounts.semesters) {
      if (s.begins > today) continue;  // not begun
      Data x;
      x.set("name", s.name);
      x.set("selected", &s == current);
      semesters.push_back(std::move(x));
    }
    Put(d, "semesters", std::move(semesters));
  }
  Days days(c);
  List list = RowsOf(*rows, [&](const auto& l) { return Row(days, l); });
  d.set("has_accounts", !list.empty());
  Put(d, "accounts", std::move(list));
  const int page = q.offset / kPage + 1;
  auto link = [&](int to) {
    return fmt::format("/directory?view={}&q={}&semester={}&page={}", view,
                       http::UrlEncode(q.text),
                       current ? http::UrlEncode(current->name) : "", to);
  };
  if (static_cast<int64_t>(q.offset) + kPage < *total)
    d.set("next", link(page + 1));
  if (page > 1) d.set("previous", link(page - 1));
  c.Html("directory", d);
}

namespace {

void ExportDirectory(Ctx& c, bool xlsx) {
  ExportSlot slot(c);
  if (!slot.Taken()) return;
  directory::Query q;
  if (!QueryOf(c, &q, 1000000)) return;
  q.offset = 0;
  auto rows = directory::List(*c.app.db, q);
  if (!rows.ok()) return Unreadable(c);
  std::vector<std::vector<std::string>> out;
  out.reserve(rows->size());
  Days days(c);
  for (const auto& l : *rows)
    out.push_back({l.account.username, l.account.display_name, l.account.email,
                   l.standing, l.person_name, days(l.account.changed_at),
                   days(l.account.created_at), l.account.dn});
  c.DownloadTable(std::string("accounts-") + directory::ViewName(q.view), xlsx,
                  kExportHeader, out);
}

}  // namespace

void DirectoryCsv(Ctx& c) { ExportDirectory(c, false); }
void DirectoryXlsx(Ctx& c) { ExportDirectory(c, true); }

void ApiDirectory(Ctx& c) {
  directory::Query q;
  const Semester* semester = nullptr;
  if (!QueryOf(c, &q, 500, &semester)) return;
  auto rows = directory::List(*c.app.db, q);
  auto total = Total(c, q);
  auto read = directory::Latest(*c.app.db);
  if (!rows.ok() || !total.ok() || !read.ok()) return Unreadable(c);
  *total = Settled(*total, q, rows->size());
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  Days days(c);
  for (const auto& l : *rows) out.push_back(JsonOf(days, l));
  nlohmann::ordered_json j = {{"view", directory::ViewName(q.view)},
                              {"read_at", read->at},
                              {"total", *total}};
  if (semester) {
    j["semester"] = {{"name", semester->name},
                     {"begins", Day(semester->begins * 86400)},
                     {"ends", Day(semester->ends * 86400)},
                     {"ended", semester->ends < Today(c)},
                     // false: no read yet, or it ended before the first
                     // read, whose changes before it are unknown but for
                     // the last
                     {"every_change_seen",
                      read->id != 0 && !Uncertain(c, *semester, *read)}};
  }
  j["accounts"] = out;
  c.Json(j);
}

}  // namespace steward::portal
