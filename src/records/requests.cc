#include "records/requests.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/hash.h"
#include "core/text.h"
#include "records/fields.h"

namespace steward::records {

using store::P;

namespace {

constexpr std::string_view kCols =
    "id, received_at, received_day, requester, contact, description, state, "
    "due_day, extension_days, extension_reason, determination, withholdings, "
    "responsible, sent_at";

Request FromRow(const store::Row& r) {
  Request q;
  q.id = r.Int(0);
  q.received_at = r.Text(1);
  q.received_day = r.Text(2);
  q.requester = r.Text(3);
  q.contact = r.Text(4);
  q.description = r.Text(5);
  q.state = r.Text(6);
  q.due_day = r.Text(7);
  q.extension_days = static_cast<int>(r.Int(8));
  q.extension_reason = r.Text(9);
  q.determination = r.Text(10);
  auto w = nlohmann::json::parse(r.Text(11), nullptr, false);
  if (w.is_array())
    for (const auto& x : w)
      if (x.is_object())
        q.withholdings.push_back(
            {x.value("exemption", ""), x.value("what", "")});
  auto p = nlohmann::json::parse(r.Text(12), nullptr, false);
  if (p.is_array())
    for (const auto& x : p)
      if (x.is_object())
        q.responsible.push_back({x.value("name", ""), x.value("title", "")});
  q.sent_at = r.Text(13);
  return q;
}

void Clock(Request& q, Day today) {
  auto due = core::ParseIsoDate(q.due_day, 1970, 9999, "due");
  if (!due.ok()) return;
  q.days_left = static_cast<int>(*due - today);
  q.overdue = q.state == "open" && today > *due;
}

}  // namespace

std::string_view ExtensionReasonText(ExtensionReason r) {
  switch (r) {
    case ExtensionReason::kFieldFacilities:
      return "the need to search for and collect the requested records from "
             "field facilities or other establishments that are separate "
             "from the office processing the request";
    case ExtensionReason::kVoluminous:
      return "the need to search for, collect, and appropriately examine a "
             "voluminous amount of separate and distinct records that are "
             "demanded in a single request";
    case ExtensionReason::kConsultation:
      return "the need for consultation with another agency having a "
             "substantial interest in the determination of the request";
    case ExtensionReason::kCompilation:
      return "the need to compile data, to write programming language or a "
             "computer program, or to construct a computer report to "
             "extract data";
    case ExtensionReason::kEmergency:
      return "the need to search for, collect, and appropriately examine "
             "records during a state of emergency declared by the Governor "
             "in the jurisdiction where the agency is located";
  }
  return "";
}

Requests::Requests(store::Database& db, policy::PackPtr pack)
    : db_(db), pack_(std::move(pack)), clock_(pack_->records.time_zone) {}

core::Result<Request> Requests::Intake(const std::string& requester,
                                       const std::string& contact,
                                       const std::string& description,
                                       int64_t received_utc,
                                       const audit::Actor& actor) {
  if (!OneLine(requester, 200))
    return core::Status::Invalid(
        "name the requester (one line; \"anonymous\" is a name)");
  if (!contact.empty() && !OneLine(contact, 200))
    return core::Status::Invalid("the contact is one line");
  if (!Prose(description, 20000))
    return core::Status::Invalid(
        "describe the records asked for (up to 20,000 characters)");
  const int64_t now = static_cast<int64_t>(time(nullptr));
  if (received_utc > now + 300 || received_utc < now - int64_t{366} * 86400)
    return core::Status::Invalid(
        "the time of receipt is in the future or more than a year ago");
  const Day day = clock_.DayOf(received_utc);
  auto due = DeterminationDue(day, 0, pack_->records.holidays);
  if (!due.ok()) return due.status();
  Request q;
  q.received_at = core::IsoUtc(received_utc - received_utc % 60);
  q.received_day = FormatDay(day);
  q.requester = requester;
  q.contact = contact;
  q.description = description;
  q.due_day = FormatDay(*due);
  auto st = db_.Transact([&](store::Conn& conn) -> core::Status {
    auto rows = conn.Query(
        "INSERT INTO records_requests (received_at, received_day, requester, "
        "contact, description, state, due_day, extension_days, "
        "extension_reason, determination, withholdings, responsible, "
        "sent_at) VALUES (?, ?, ?, ?, ?, 'open', ?, 0, '', '', '[]', '[]', "
        "'') RETURNING id",
        {P(q.received_at), P(q.received_day), P(requester), P(contact),
         P(description), P(q.due_day)});
    if (!rows.ok()) return rows.status();
    q.id = rows->front().Int(0);
    if (auto e = conn.Exec(
            "INSERT INTO records_request_events (request_id, at, actor, what, "
            "detail) VALUES (?, ?, ?, 'received', ?)",
            {P(q.id), P(store::NowUtc()), P(actor.name),
             P(Json({{"due", q.due_day}}))});
        !e.ok())
      return e;
    return audit::Record(conn, actor, "records.request-intake",
                         fmt::format("records-request/{}", q.id),
                         {{"received_at", q.received_at}, {"due", q.due_day}});
  });
  if (!st.ok()) return st;
  Clock(q, day);
  return q;
}

core::Result<Request> Requests::Get(int64_t id, Day today) {
  auto rows = db_.Query(
      fmt::format("SELECT {} FROM records_requests WHERE id = ?", kCols),
      {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("no request {}", id));
  Request q = FromRow(rows->front());
  Clock(q, today);
  return q;
}

core::Result<std::vector<RequestEvent>> Requests::Timeline(int64_t id) {
  auto rows = db_.Query(
      "SELECT at, actor, what, detail FROM records_request_events WHERE "
      "request_id = ? ORDER BY id",
      {P(id)});
  if (!rows.ok()) return rows.status();
  std::vector<RequestEvent> out;
  for (const auto& r : *rows)
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3)});
  return out;
}

core::Result<std::vector<Request>> Requests::List(Day today, int limit,
                                                  int64_t before) {
  auto rows = db_.Query(
      fmt::format("SELECT {} FROM records_requests{} ORDER BY id DESC LIMIT {}",
                  kCols, before > 0 ? " WHERE id < ?" : "",
                  std::clamp(limit, 1, 10000)),
      before > 0 ? store::Params{P(before)} : store::Params{});
  if (!rows.ok()) return rows.status();
  std::vector<Request> out;
  for (const auto& r : *rows) {
    out.push_back(FromRow(r));
    Clock(out.back(), today);
  }
  return out;
}

core::Result<int64_t> Requests::OverdueCount(Day today) {
  // Days are YYYY-MM-DD: they compare in order as text.
  auto rows = db_.Query(
      "SELECT COUNT(*) FROM records_requests WHERE state = 'open' AND "
      "due_day < ?",
      {P(FormatDay(today))});
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : rows->front().Int(0);
}

core::Status Requests::Change(int64_t id, const std::string& what,
                              const Decide& decide, const audit::Actor& actor) {
  return db_.Transact([&](store::Conn& conn) -> core::Status {
    // One change of a request at a time: each is decided on the request as
    // it is once the others have committed.
    if (auto l = conn.LockTable("records_requests"); !l.ok()) return l;
    auto rows = conn.Query(
        fmt::format("SELECT {} FROM records_requests WHERE id = ?", kCols),
        {P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::NotFound(fmt::format("no request {}", id));
    const Request now = FromRow(rows->front());
    Update u;
    if (auto st = decide(now, u); !st.ok()) return st;
    if (!u.set.empty()) {
      std::string sql = "UPDATE records_requests SET ";
      store::Params params;
      for (size_t i = 0; i < u.set.size(); ++i) {
        sql += (i ? ", " : "") + u.set[i].first + " = ?";
        params.push_back(u.set[i].second);
      }
      sql += " WHERE id = ?";
      params.push_back(P(id));
      if (auto e = conn.Exec(sql, params); !e.ok()) return e;
    }
    if (auto e = conn.Exec(
            "INSERT INTO records_request_events (request_id, at, actor, what, "
            "detail) VALUES (?, ?, ?, ?, ?)",
            {P(id), P(store::NowUtc()), P(actor.name), P(what),
             P(Json(u.detail))});
        !e.ok())
      return e;
    return audit::Record(conn, actor, "records.request-" + what,
                         fmt::format("records-request/{}", id), u.detail);
  });
}

namespace {

core::Status RefuseIfAnswered(const Request& q) {
  if (!q.sent_at.empty())
    return core::Status::Invalid(fmt::format(
        "request {} was answered on {}: it is closed", q.id, q.sent_at));
  return {};
}

}  // namespace

core::Status Requests::Extend(int64_t id, int days, ExtensionReason reason,
                              const audit::Actor& actor) {
  if (days < 1 || days > kMaxExtensionDays)
    return core::Status::Invalid(
        fmt::format("an extension is 1 to {} days (Gov. Code 7922.535(b))",
                    kMaxExtensionDays));
  const std::string word(core::NameOf(kExtensionReasonNames, reason));
  const Day today = clock_.Today();
  return Change(
      id, "extend",
      [&](const Request& q, Update& u) -> core::Status {
        if (auto st = RefuseIfAnswered(q); !st.ok()) return st;
        if (q.extension_days > 0)
          return core::Status::Invalid(
              fmt::format("request {} was already extended by {} days", id,
                          q.extension_days));
        if (!q.determination.empty())
          return core::Status::Invalid(fmt::format(
              "request {} is determined: there is nothing left to extend", id));
        auto received =
            core::ParseIsoDate(q.received_day, 1970, 9999, "received");
        if (!received.ok()) return received.status();
        auto first = DeterminationDue(*received, 0, pack_->records.holidays);
        auto due = DeterminationDue(*received, days, pack_->records.holidays);
        if (!first.ok() || !due.ok())
          return first.ok() ? due.status() : first.status();
        if (today > *first)
          return core::Status::Invalid(fmt::format(
              "the notice of an extension is given within the first ten "
              "days, by {} (Gov. Code 7922.535(b)); request {} is past it",
              FormatDay(*first), id));
        u.detail = {{"days", days}, {"reason", word}, {"due", FormatDay(*due)}};
        u.set = {{"extension_days", P(days)},
                 {"extension_reason", P(word)},
                 {"due_day", P(FormatDay(*due))},
                 {"state", P("extended")}};
        return {};
      },
      actor);
}

core::Status Requests::SetState(int64_t id, const std::string& state,
                                const std::string& note,
                                const audit::Actor& actor) {
  if (std::find(std::begin(kRequestStates), std::end(kRequestStates), state) ==
      std::end(kRequestStates))
    return core::Status::Invalid("no such state");
  if (state == "determined")
    return core::Status::Invalid(
        "a request is determined by recording the determination");
  if (state == "closed")
    return core::Status::Invalid(
        "a request is closed by recording that its letter was sent");
  if (!note.empty() && !OneLine(note, 2000))
    return core::Status::Invalid("a note is one line of text");
  return Change(
      id, "state",
      [&](const Request& q, Update& u) -> core::Status {
        if (auto st = RefuseIfAnswered(q); !st.ok()) return st;
        if (state == "extended" && q.extension_days == 0)
          return core::Status::Invalid(
              "a request is extended by a written notice: extend it with its "
              "days and reason");
        u.detail = {{"from", q.state}, {"to", state}, {"note", note}};
        u.set = {{"state", P(state)}};
        return {};
      },
      actor);
}

core::Status Requests::Determine(int64_t id, const std::string& determination,
                                 const std::vector<Withholding>& withholdings,
                                 const std::vector<Responsible>& responsible,
                                 const audit::Actor& actor) {
  if (!Prose(determination, 20000))
    return core::Status::Invalid(
        "write the determination: what will be released, and when");
  nlohmann::json w = nlohmann::json::array(), r = nlohmann::json::array();
  for (const auto& x : withholdings) {
    if (!pack_->records.FindExemption(x.exemption))
      return core::Status::Invalid(
          "withholding under an exemption the pack does not list "
          "([[records.exemption]])");
    if (!OneLine(x.what, 2000))
      return core::Status::Invalid(
          "say what kind of information each withholding keeps back");
    w.push_back({{"exemption", x.exemption}, {"what", x.what}});
  }
  for (const auto& x : responsible) {
    if (!OneLine(x.name, 200) || !OneLine(x.title, 200))
      return core::Status::Invalid(
          "each person responsible has a name and a title (7922.540)");
    r.push_back({{"name", x.name}, {"title", x.title}});
  }
  return Change(
      id, "determine",
      [&](const Request& q, Update& u) -> core::Status {
        if (auto st = RefuseIfAnswered(q); !st.ok()) return st;
        u.detail = {{"withholdings", w}, {"responsible", r}};
        u.set = {{"determination", P(determination)},
                 {"withholdings", P(Json(w))},
                 {"responsible", P(Json(r))},
                 {"state", P("determined")}};
        return {};
      },
      actor);
}

core::Result<std::string> Requests::Letter(int64_t id) {
  auto q = Get(id, clock_.Today());
  if (!q.ok()) return q.status();
  return LetterOf(*q);
}

core::Result<std::string> Requests::LetterOf(const Request& q) const {
  std::vector<std::string> missing;
  if (q.determination.empty()) missing.push_back("the determination");
  if (!q.withholdings.empty() && q.responsible.empty())
    missing.push_back(
        "the names and titles of those responsible for the withholding "
        "(Gov. Code 7922.540)");
  if (!missing.empty())
    return core::Status::Invalid(
        fmt::format("request {}'s letter cannot go yet: it lacks {}", q.id,
                    core::Join(missing, " and ")));
  std::string out = fmt::format(
      "{}\n\nRe: your request for public records received {} (our "
      "reference {})\n\nDear {},\n\n",
      pack_->district, q.received_at, q.id, q.requester);
  out += "You asked for:\n\n  " + q.description + "\n\n";
  if (q.extension_days > 0) {
    auto reason = core::ParseName(kExtensionReasonNames, q.extension_reason);
    out += fmt::format(
        "As we told you in writing, the time to answer was extended by {} "
        "days because of {} (Gov. Code 7922.535(b)-(c)).\n\n",
        q.extension_days, reason ? ExtensionReasonText(*reason) : "");
  }
  out += "Our determination (Gov. Code 7922.535(a)):\n\n  " + q.determination +
         "\n\n";
  if (!q.withholdings.empty()) {
    out +=
        "Some information is withheld. Each withholding rests on the "
        "exemption named (Gov. Code 7922.000); the rest of each record is "
        "released (7922.525):\n\n";
    for (const auto& w : q.withholdings) {
      const auto* e = pack_->records.FindExemption(w.exemption);
      out += fmt::format("  - {}: Gov. Code {} — {}\n", w.what, w.exemption,
                         e ? e->title : "");
    }
    out += "\nResponsible for this decision (Gov. Code 7922.540):\n\n";
    for (const auto& r : q.responsible)
      out += fmt::format("  {}, {}\n", r.name, r.title);
    out +=
        "\nYou may ask a court to order disclosure (Gov. Code 7923.000 "
        "ff.).\n";
  }
  return out;
}

core::Status Requests::MarkSent(int64_t id, const audit::Actor& actor) {
  return Change(
      id, "send",
      [&](const Request& q, Update& u) -> core::Status {
        if (auto st = RefuseIfAnswered(q); !st.ok()) return st;
        // The letter of the request as it stands under the lock: the hash
        // recorded is the one of the letter that went.
        auto letter = LetterOf(q);
        if (!letter.ok()) return letter.status();
        u.detail = {{"letter_sha256", core::Sha256Hex(*letter)}};
        u.set = {{"sent_at", P(store::NowUtc())}, {"state", P("closed")}};
        return {};
      },
      actor);
}

core::Status Requests::NoteProduction(int64_t id, const Production& p,
                                      const audit::Actor& actor) {
  return Change(
      id, "produce",
      [&](const Request& q, Update& u) -> core::Status {
        if (auto st = RefuseIfAnswered(q); !st.ok()) return st;
        u.detail = {{"first_bates", p.first_bates},
                    {"last_bates", p.last_bates},
                    {"documents", p.documents},
                    {"manifest_sha256", p.manifest_sha256},
                    {"items", p.items}};
        return {};
      },
      actor);
}

}  // namespace steward::records
