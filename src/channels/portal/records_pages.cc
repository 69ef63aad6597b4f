// The records pages (docs/records.md): the register's items with their
// class and what retention decides, legal holds, and destruction lists —
// made here, decided here by a second custodian, carried out from the
// shell (`steward records execute`, where the sources' credentials are).
#include <fmt/format.h>

#include <map>
#include <optional>

#include "channels/portal/internal.h"
#include "core/csv.h"
#include "core/text.h"
#include "records/register.h"
#include "records/requests.h"

namespace steward::portal {

namespace {

// A register on the portal's store and pack; null (after an error page)
// when the portal runs without a pack.
std::unique_ptr<records::Register> RegisterOf(Ctx& c) {
  if (!c.app.options.pack) {
    c.Fail(503,
           "The portal was started without a policy pack, so it cannot say "
           "what the records rules decide.");
    return nullptr;
  }
  return std::make_unique<records::Register>(*c.app.db, c.app.options.pack);
}

// Whether the signed-in person keeps the records (may change them).
bool CanManageRecords(const Ctx& c) {
  return c.session &&
         c.session->account.roles.Has(identity::Role::kRecordsCustodian);
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// A field of several values, one a line or separated by commas.
std::vector<std::string> Lines(std::string text) {
  for (char& ch : text)
    if (ch == '\n' || ch == '\r') ch = ',';
  return core::SplitList(text, ',');
}

// What a hold or a search looks for, from a form: one value a line.
records::HoldQuery QueryOf(Ctx& c) {
  records::HoldQuery q;
  q.custodians = Lines(c.Param("custodians"));
  q.addresses = Lines(c.Param("addresses"));
  q.subject = Trim(c.Param("subject"));
  q.folders = Lines(c.Param("folders"));
  q.categories = Lines(c.Param("categories"));
  q.since = Trim(c.Param("since"));
  q.until = Trim(c.Param("until"));
  return q;
}

Data HoldData(const records::Hold& h) {
  Data x;
  x.set("id", std::to_string(h.id));
  x.set("matter", h.matter);
  x.set("reason", h.reason);
  x.set("placed_by", h.placed_by);
  x.set("placed_at", h.placed_at);
  x.set("active", h.Active());
  x.set("released_by", h.released_by);
  x.set("released_at", h.released_at);
  x.set("release_reason", h.release_reason);
  std::vector<std::string> parts;
  const auto& q = h.query;
  if (!q.custodians.empty())
    parts.push_back("custodians " +
                    fmt::format("{}", fmt::join(q.custodians, ", ")));
  if (!q.addresses.empty())
    parts.push_back("addresses " +
                    fmt::format("{}", fmt::join(q.addresses, ", ")));
  if (!q.subject.empty())
    parts.push_back("subject contains \"" + q.subject + "\"");
  if (!q.folders.empty())
    parts.push_back("folders " + fmt::format("{}", fmt::join(q.folders, ", ")));
  if (!q.categories.empty())
    parts.push_back("findings " +
                    fmt::format("{}", fmt::join(q.categories, ", ")));
  if (!q.since.empty()) parts.push_back("made on or after " + q.since);
  if (!q.until.empty()) parts.push_back("made before " + q.until);
  x.set("covers", fmt::format("{}", fmt::join(parts, "; ")));
  return x;
}

Data ListData(const records::DestructionList& l) {
  Data x;
  x.set("id", std::to_string(l.id));
  x.set("status", l.status);
  x.set("waiting", l.status == "waiting");
  x.set("created_by", l.created_by);
  x.set("created_at", l.created_at);
  x.set("today", l.today);
  x.set("count", std::to_string(l.items.size()));
  x.set("decided_by", l.decided_by);
  x.set("decided_at", l.decided_at);
  x.set("decision_note", l.decision_note);
  // Sections test these: a mustache string, even empty, is true.
  x.set("decided", !l.decided_by.empty());
  x.set("has_note", !l.decision_note.empty());
  return x;
}

// The items a page or the API asks for (custodian, class, state, after),
// at most `limit`, their reading recorded (D.3); nothing after an error
// page.
std::optional<std::vector<records::Item>> ReadItems(
    Ctx& c, records::Register& reg, int limit, records::Register::Query& q) {
  q.custodian = Trim(c.Param("custodian"));
  q.record_class = Trim(c.Param("class"));
  std::string state = Trim(c.Param("state"));
  q.state = state.empty() ? "present" : state == "all" ? "" : state;
  q.limit = limit;
  if (const std::string after_text = c.Param("after"); !after_text.empty()) {
    auto after = core::ParseInt(after_text, 0, INT64_MAX, "after");
    if (!after.ok()) {  // a page that does not exist, not the first one
      c.Fail(400, after.status().message());
      return std::nullopt;
    }
    q.after_id = *after;
  }
  auto items = reg.Items(q);
  if (!items.ok()) {
    c.Fail(items.status().code() == core::Code::kInvalidArgument ? 400 : 500,
           items.status().message());
    return std::nullopt;
  }
  if (auto st = reg.NoteRead(c.Actor(), q, items->size()); !st.ok()) {
    c.Fail(500, st.message());
    return std::nullopt;
  }
  return std::move(*items);
}

}  // namespace

void RecordsPage(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  Data d = c.Page("Records");
  const records::Day today = reg->Today();
  d.set("today", records::FormatDay(today));
  // Counts by class and state, as of a few seconds ago.
  auto counts = c.app.record_counts.Get(
      0,
      [&]() -> core::Result<std::shared_ptr<const std::vector<RecordCount>>> {
        auto rows = c.app.db->Query(
            "SELECT record_class, state, COUNT(*) FROM records_items GROUP BY "
            "record_class, state ORDER BY record_class, state");
        if (!rows.ok()) return rows.status();
        auto out = std::make_shared<std::vector<RecordCount>>();
        for (const auto& r : *rows)
          out->push_back({r.Text(0), r.Text(1), r.Int(2)});
        return std::shared_ptr<const std::vector<RecordCount>>(std::move(out));
      });
  if (!counts.ok()) {
    c.Fail(500, counts.status().message());
    return;
  }
  List count_rows;
  for (const auto& r : **counts) {
    Data x;
    x.set("class", r.record_class);
    x.set("state", r.state);
    x.set("count", std::to_string(r.count));
    count_rows.push_back(std::move(x));
  }
  d.set("has_counts", !count_rows.empty());
  Put(d, "counts", std::move(count_rows));
  // Items, filtered.
  records::Register::Query q;
  std::string state = Trim(c.Param("state"));
  auto items = ReadItems(c, *reg, 200, q);
  if (!items) return;
  auto holds = reg->Holds(true);
  if (!holds.ok()) {
    c.Fail(500, holds.status().message());
    return;
  }
  auto decisions = reg->Decisions(*items, today);
  if (!decisions.ok()) {
    c.Fail(500, decisions.status().message());
    return;
  }
  List item_rows;
  for (size_t n = 0; n < items->size(); ++n) {
    const records::Item& i = (*items)[n];
    const records::Decision& decision = (*decisions)[n];
    Data x;
    x.set("id", std::to_string(i.id));
    x.set("custodian", i.custodian);
    if (!i.former_custodians.empty())
      x.set("former", core::Join(i.former_custodians, ", "));
    x.set("folder", i.folder);
    x.set("kind", i.kind);
    x.set("made_day", i.made_day);
    x.set("subject", i.subject.empty() ? i.path : i.subject);
    x.set("sender", i.sender);
    x.set("class", std::string(policy::RecordClassName(i.record_class)));
    x.set("class_reason", i.class_reason);
    x.set("state", i.state);
    x.set("retention", decision.reason);
    x.set("deletable", decision.deletable);
    item_rows.push_back(std::move(x));
  }
  Put(d, "items", std::move(item_rows));
  d.set("custodian", q.custodian);
  d.set("class", q.record_class);
  d.set("state", state);
  if (items->size() == static_cast<size_t>(q.limit))
    d.set("more",
          fmt::format("/records?custodian={}&class={}&state={}&after={}",
                      http::UrlEncode(q.custodian),
                      http::UrlEncode(q.record_class), http::UrlEncode(state),
                      items->back().id));
  List class_options;
  for (const auto& n : policy::kRecordClassNames) {
    Data o;
    o.set("name", std::string(n.name));
    o.set("selected", q.record_class == n.name);
    class_options.push_back(o);
  }
  Put(d, "class_options", std::move(class_options));
  // Every active hold, and the newest released ones.
  List hold_rows;
  int released = 0;
  for (auto h = holds->rbegin(); h != holds->rend(); ++h)
    if (h->Active() || ++released <= 50) hold_rows.push_back(HoldData(*h));
  Put(d, "holds", std::move(hold_rows));
  auto lists = reg->Lists(20);
  if (!lists.ok()) {
    c.Fail(500, lists.status().message());
    return;
  }
  List list_rows;
  for (const auto& l : *lists) list_rows.push_back(ListData(l));
  Put(d, "lists", std::move(list_rows));
  auto departures = reg->Offboardings(20);
  if (!departures.ok()) {
    c.Fail(500, departures.status().message());
    return;
  }
  List departure_rows;
  for (const auto& o : *departures) {
    Data x;
    x.set("day", o.day);
    x.set("custodian", o.custodian);
    x.set("text", records::OffboardingText(o));
    if (o.list_id != 0) x.set("list_id", std::to_string(o.list_id));
    x.set("reason", o.reason);
    x.set("by", o.done_by);
    departure_rows.push_back(std::move(x));
  }
  Put(d, "departures", std::move(departure_rows));
  d.set("can_manage_records", CanManageRecords(c));
  c.Html("records", d);
}

// The destruction list the path names; nothing after an error page.
std::optional<records::DestructionList> ListOf(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return std::nullopt;
  auto l = reg->GetList(c.Id());
  if (!l.ok()) {
    c.Fail(404, "No such destruction list.");
    return std::nullopt;
  }
  return std::move(*l);
}

void RecordsListPage(Ctx& c) {
  auto l = ListOf(c);
  if (!l) return;
  Data d = c.Page(fmt::format("Destruction list {}", l->id));
  d.set("list", ListData(*l));
  List rows;
  for (const auto& i : l->items) {
    Data x;
    x.set("item", std::to_string(i.item_id));
    x.set("custodian", i.custodian);
    x.set("folder", i.folder);
    x.set("class", std::string(policy::RecordClassName(i.record_class)));
    x.set("school_year", i.school_year);
    x.set("destroy_from", i.destroy_from);
    x.set("rule", i.rule);
    x.set("sha", i.sha256.substr(0, 16));
    x.set("outcome", i.outcome);
    rows.push_back(std::move(x));
  }
  Put(d, "items", std::move(rows));
  const bool own = c.session && core::Lower(records::PersonOf(l->created_by)) ==
                                    core::Lower(c.session->account.username);
  d.set("can_decide", l->status == "waiting" && CanManageRecords(c) && !own);
  d.set("own_list", own);
  c.Html("records_list", d);
}

void RecordsListCsv(Ctx& c) {
  auto l = ListOf(c);
  if (!l) return;
  std::string out =
      "list,status,made_by,made_at,approved_by,item,custodian,folder,class,"
      "school_year,destroy_from,rule,sha256,outcome\r\n";
  for (const auto& i : l->items)
    out += core::CsvRow(
               {std::to_string(l->id), l->status, l->created_by, l->created_at,
                l->decided_by, std::to_string(i.item_id), i.custodian, i.folder,
                std::string(policy::RecordClassName(i.record_class)),
                i.school_year, i.destroy_from, i.rule, i.sha256, i.outcome}) +
           "\r\n";
  c.Download(out, "text/csv; charset=utf-8",
             fmt::format("destruction-list-{}.csv", l->id));
}

void RecordsHoldPost(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  records::HoldQuery q = QueryOf(c);
  auto h = reg->PlaceHold(Trim(c.Param("matter")), Trim(c.Param("reason")), q,
                          c.Actor());
  c.SeeOther("/records", h.ok() ? fmt::format("Hold {} placed. {}", h->id,
                                              records::CoverageText(*h))
                                : h.status().message());
}

void RecordsHoldReleasePost(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  auto st = reg->ReleaseHold(c.Id(), Trim(c.Param("reason")), c.Actor());
  c.SeeOther("/records",
             st.ok()
                 ? fmt::format("Hold {} released; nothing was deleted.", c.Id())
                 : st.message());
}

void RecordsListPost(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  auto l = reg->MakeList(reg->Today(), c.Actor());
  if (!l.ok()) {
    c.SeeOther("/records", l.status().message());
    return;
  }
  c.SeeOther(fmt::format("/records/lists/{}", l->id),
             fmt::format("Destruction list {} made with {} items; nothing was "
                         "deleted. Another records custodian decides it.",
                         l->id, l->items.size()));
}

void RecordsListDecidePost(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  const bool approve = c.Param("decision") == "approve";
  if (!approve && c.Param("decision") != "refuse") {
    c.SeeOther(fmt::format("/records/lists/{}", c.Id()),
               "Choose to approve or to refuse the list.");
    return;
  }
  auto st = reg->Decide(c.Id(), approve, c.Actor().name, Trim(c.Param("note")),
                        c.Actor());
  c.SeeOther(fmt::format("/records/lists/{}", c.Id()),
             st.ok() ? (approve ? "Approved. A custodian carries it out with "
                                  "`steward records execute`."
                                : "Refused.")
                     : st.message());
}

void RecordsClassPost(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  auto cls = core::ParseName(policy::kRecordClassNames, c.Param("class"));
  if (!cls) {
    c.SeeOther("/records", "Choose a class for the item.");
    return;
  }
  auto st = reg->Reclassify(c.Id(), *cls, Trim(c.Param("reason")),
                            Trim(c.Param("audit_done")), c.Actor());
  if (st.ok()) c.app.record_counts.Invalidate(0);
  c.SeeOther("/records", st.ok() ? fmt::format("Item {} is now {}.", c.Id(),
                                               c.Param("class"))
                                 : st.message());
}

void ApiRecordsItems(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  records::Register::Query q;
  auto items = ReadItems(c, *reg, 500, q);
  if (!items) return;
  const records::Day today = reg->Today();
  auto decisions = reg->Decisions(*items, today);
  if (!decisions.ok()) {
    c.Fail(500, decisions.status().message());
    return;
  }
  nlohmann::json arr = nlohmann::json::array();
  for (size_t n = 0; n < items->size(); ++n) {
    const records::Item& i = (*items)[n];
    const records::Decision* d = &(*decisions)[n];
    arr.push_back(
        {{"id", i.id},
         {"custodian", i.custodian},
         {"source", i.source},
         {"folder", i.folder},
         {"kind", i.kind},
         {"made_day", i.made_day},
         {"subject", i.subject},
         {"sender", i.sender},
         {"sha256", i.sha256},
         {"categories", i.categories},
         {"class", policy::RecordClassName(i.record_class)},
         {"class_reason", i.class_reason},
         {"state", i.state},
         {"retention", d->reason},
         {"destroy_from", d->from ? records::FormatDay(*d->from) : ""}});
  }
  c.Json({{"items", arr}});
}

void ApiRecordsHolds(Ctx& c) {
  auto reg = RegisterOf(c);
  if (!reg) return;
  auto holds = reg->Holds(true);
  if (!holds.ok()) {
    c.Fail(500, holds.status().message());
    return;
  }
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& h : *holds)
    arr.push_back({{"id", h.id},
                   {"matter", h.matter},
                   {"reason", h.reason},
                   {"active", h.Active()},
                   {"placed_by", h.placed_by},
                   {"placed_at", h.placed_at},
                   {"released_by", h.released_by},
                   {"released_at", h.released_at},
                   {"custodians", h.query.custodians},
                   {"subject", h.query.subject}});
  c.Json({{"holds", arr}});
}

namespace {

Data RequestData(const records::Request& q) {
  Data x;
  x.set("id", std::to_string(q.id));
  x.set("received_at", q.received_at);
  x.set("requester", q.requester);
  x.set("contact", q.contact);
  x.set("description", q.description);
  x.set("state", q.state);
  x.set("due_day", q.due_day);
  x.set("overdue", q.overdue);
  x.set("days_left", std::to_string(q.days_left));
  x.set("extended", q.extension_days > 0);
  x.set("extension",
        fmt::format("{} days ({})", q.extension_days, q.extension_reason));
  x.set("determination", q.determination);
  x.set("sent_at", q.sent_at);
  x.set("closed", !q.sent_at.empty());
  return x;
}

std::unique_ptr<records::Requests> RequestsOf(Ctx& c) {
  if (!c.app.options.pack) {
    c.Fail(503, "The portal was started without a policy pack.");
    return nullptr;
  }
  return std::make_unique<records::Requests>(*c.app.db, c.app.options.pack);
}

}  // namespace

void RequestsPage(Ctx& c) {
  auto req = RequestsOf(c);
  if (!req) return;
  Data d = c.Page("Public-records requests");
  const records::Day today = req->clock().Today();
  constexpr int kPage = 200;
  int64_t before = 0;
  if (auto b = core::ParseInt(c.Param("before"), 1, INT64_MAX, "before");
      b.ok())
    before = *b;
  auto list = req->List(today, kPage, before);
  auto overdue = req->OverdueCount(today);
  if (!list.ok() || !overdue.ok()) {
    c.Fail(500, (!list.ok() ? list.status() : overdue.status()).message());
    return;
  }
  List rows;
  for (const auto& q : *list) rows.push_back(RequestData(q));
  Put(d, "requests", std::move(rows));
  // Counted over every request, not this page only.
  d.set("overdue_count", std::to_string(*overdue));
  d.set("any_overdue", *overdue > 0);
  if (list->size() == static_cast<size_t>(kPage))
    d.set("older", fmt::format("/records/requests?before={}", list->back().id));
  d.set("can_manage_records", CanManageRecords(c));
  c.Html("requests", d);
}

void RequestPage(Ctx& c) {
  auto req = RequestsOf(c);
  if (!req) return;
  auto q = req->Get(c.Id(), req->clock().Today());
  if (!q.ok()) {
    c.Fail(404, "No such request.");
    return;
  }
  Data d = c.Page(fmt::format("Request {}", q->id));
  d.set("request", RequestData(*q));
  List withheld;
  for (const auto& w : q->withholdings) {
    Data x;
    x.set("exemption", w.exemption);
    x.set("what", w.what);
    withheld.push_back(std::move(x));
  }
  Put(d, "withholdings", std::move(withheld));
  List events;
  if (auto t = req->Timeline(q->id); t.ok())
    for (const auto& e : *t) {
      Data x;
      x.set("at", e.at);
      x.set("actor", e.actor);
      x.set("what", e.what);
      x.set("detail", e.detail);
      events.push_back(std::move(x));
    }
  Put(d, "events", std::move(events));
  auto letter = req->Letter(q->id);
  d.set("letter", letter.ok() ? *letter : "");
  d.set("letter_missing", letter.ok() ? "" : letter.status().message());
  List reasons;
  for (const auto& r : records::kExtensionReasonNames) {
    Data x;
    x.set("name", std::string(r.name));
    x.set("text", std::string(records::ExtensionReasonText(r.value)));
    reasons.push_back(std::move(x));
  }
  Put(d, "reasons", std::move(reasons));
  List exemptions;
  for (const auto& e : c.app.options.pack->records.exemptions) {
    Data x;
    x.set("code", e.code);
    x.set("title", e.title);
    exemptions.push_back(std::move(x));
  }
  Put(d, "exemptions", std::move(exemptions));
  d.set("can_manage_records", CanManageRecords(c));
  // Finding the records: the register's items the form's conditions cover,
  // with how many carry each finding (audited as a read, D.3).
  if (c.Param("search") == "1") {
    auto reg = RegisterOf(c);
    if (!reg) return;
    const records::HoldQuery sq = QueryOf(c);
    for (const char* k : {"custodians", "addresses", "subject", "folders",
                          "categories", "since", "until"}) {
      // Written back into the form only as text (a refused value with
      // control bytes or invalid UTF-8 is not echoed).
      const std::string v = c.Param(k);
      std::string shown = v;
      std::erase_if(shown, [](char ch) { return ch == '\n' || ch == '\r'; });
      d.set(std::string("q_") + k,
            core::IsValidUtf8(v) && !core::HasControlChars(shown)
                ? v
                : std::string());
    }
    auto r = reg->Search(sq, 200, c.Actor());
    if (!r.ok()) {
      d.set("search_error", r.status().message());
    } else {
      d.set("searched", true);
      d.set("search_total", std::to_string(r->total));
      List facets;
      for (const auto& [cat, n] : r->categories) {
        Data x;
        x.set("name", cat);
        x.set("count", std::to_string(n));
        facets.push_back(std::move(x));
      }
      Put(d, "facets", std::move(facets));
      List found;
      std::vector<std::string> ids;
      for (const auto& i : r->items) {
        Data x;
        x.set("id", std::to_string(i.id));
        x.set("made_day", i.made_day);
        x.set("custodian", i.custodian);
        x.set("folder", i.folder);
        x.set("sender", i.sender);
        x.set("subject", i.subject);
        x.set("class", std::string(policy::RecordClassName(i.record_class)));
        x.set("categories", core::Join(i.categories, ", "));
        found.push_back(std::move(x));
        ids.push_back(std::to_string(i.id));
      }
      Put(d, "found", std::move(found));
      d.set("found_ids", core::Join(ids, ","));
    }
  }
  c.Html("request", d);
}

void RequestIntakePost(Ctx& c) {
  auto req = RequestsOf(c);
  if (!req) return;
  // A datetime-local field: "2026-12-03T14:05", the District's time.
  auto at = req->clock().ParseMinute(Trim(c.Param("received")));
  if (!at.ok()) {
    c.SeeOther("/records/requests", at.status().message());
    return;
  }
  auto q = req->Intake(Trim(c.Param("requester")), Trim(c.Param("contact")),
                       c.Param("description"), *at, c.Actor());
  if (!q.ok()) {
    c.SeeOther("/records/requests", q.status().message());
    return;
  }
  c.SeeOther(fmt::format("/records/requests/{}", q->id),
             fmt::format("Request {} received; the determination is due {}.",
                         q->id, q->due_day));
}

void RequestActionPost(Ctx& c) {
  auto req = RequestsOf(c);
  if (!req) return;
  const std::string action = c.Param("action");
  core::Status st;
  if (action == "extend") {
    auto reason =
        core::ParseName(records::kExtensionReasonNames, c.Param("reason"));
    auto days = core::ParseInt(c.Param("days"), 1, 14, "The extension");
    st = !reason ? core::Status::Invalid("Choose the extension's reason.")
         : !days.ok()
             ? days.status()
             : req->Extend(c.Id(), static_cast<int>(*days), *reason, c.Actor());
  } else if (action == "state") {
    st = req->SetState(c.Id(), c.Param("state"), Trim(c.Param("note")),
                       c.Actor());
  } else if (action == "determine") {
    std::vector<records::Withholding> w;
    if (!Trim(c.Param("exemption")).empty())
      w.push_back({Trim(c.Param("exemption")), Trim(c.Param("withheld"))});
    std::vector<records::Responsible> r;
    if (!Trim(c.Param("name")).empty())
      r.push_back({Trim(c.Param("name")), Trim(c.Param("title"))});
    st = req->Determine(c.Id(), c.Param("determination"), w, r, c.Actor());
  } else if (action == "sent") {
    st = req->MarkSent(c.Id(), c.Actor());
  } else {
    st = core::Status::Invalid("Choose what to do.");
  }
  c.SeeOther(fmt::format("/records/requests/{}", c.Id()),
             st.ok() ? "Saved." : st.message());
}

}  // namespace steward::portal
