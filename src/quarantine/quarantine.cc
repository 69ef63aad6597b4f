#include "quarantine/quarantine.h"

#include <fmt/format.h>

#include <functional>

#include "core/hash.h"
#include "core/outbound_mail.h"
#include "core/process.h"
#include "core/text.h"
#include "decide/domains.h"
#include "extract/mime.h"
#include "incidents/incidents.h"

namespace steward::quarantine {

using store::P;

namespace {

constexpr std::string_view kColumns =
    "id, created_at, status, channel, action, rule, clauses, release_role, "
    "sender, recipients, auth_user, client, subject, message_id, size, "
    "sha256, body_sha256, verdict, decided_by, decided_at, reinjected_at, "
    "reason, released_to";

// Addresses as stored: a JSON array (an address may hold a comma inside a
// quoted local part); rows written before were joined by commas.
std::string AddressList(const std::vector<std::string>& addresses) {
  return nlohmann::json(addresses).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::vector<std::string> Addresses(const std::string& stored) {
  if (!stored.starts_with('[')) return core::SplitList(stored, ',');
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(stored, nullptr, false);
  if (j.is_array())
    for (const auto& a : j)
      if (a.is_string()) out.push_back(a.get<std::string>());
  return out;
}

Entry FromRow(const store::Row& r) {
  Entry e;
  e.id = r.Int(0);
  e.created_at = r.Text(1);
  e.status = r.Text(2);
  e.channel = r.Text(3);
  e.action = r.Text(4);
  e.rule = r.Text(5);
  e.clauses = core::SplitList(r.Text(6), ',');
  e.release_role = r.Text(7);
  e.sender = r.Text(8);
  e.recipients = Addresses(r.Text(9));
  e.auth_user = r.Text(10);
  e.client = r.Text(11);
  e.subject = r.Text(12);
  e.message_id = r.Text(13);
  e.size = static_cast<uint64_t>(r.Int(14));
  e.sha256 = r.Text(15);
  e.body_sha256 = r.Text(16);
  e.verdict = r.Text(17);
  e.decided_by = r.Text(18);
  e.decided_at = r.Text(19);
  e.reinjected_at = r.Text(20);
  e.reason = r.Text(21);
  e.released_to = Addresses(r.Text(22));
  return e;
}

// The messages whose envelope sender or authenticated user is one of
// `keys` (lower case), each key through its own index. SQLite is given
// "id IN (... UNION ALL ...)": written as an OR, a store without
// statistics reads every held message to find a sender's few. PostgreSQL
// is given the OR, which it answers with both indexes at once and plans in
// a fraction of the time the subquery takes.
std::string SentByOneOf(const std::vector<std::string>& keys,
                        store::Dialect dialect, store::Params& params) {
  // An envelope sender counts only as an address: a bare name there is
  // nobody's login (the mail server's authenticated user is).
  std::vector<std::string> lower, addresses;
  lower.reserve(keys.size());
  for (const auto& k : keys) {
    lower.push_back(core::AsciiLower(k));
    if (k.find('@') != std::string::npos) addresses.push_back(lower.back());
  }
  if (addresses.empty()) addresses.emplace_back("@");  // matches no address
  const std::string senders = store::Placeholders(addresses, params);
  const std::string users = store::Placeholders(lower, params);
  // "<> ''": an empty key is nobody's (never matched, whatever a caller
  // passes), and it lets the statement use the indexes of named keys only
  // (migration 27): where most mail has no authenticated user (a relay
  // that does not pass it on), a plan kept for any sender then costs what
  // one made for this sender does, and PostgreSQL keeps it.
  const std::string by_sender =
      "sender_key IN (" + senders + ") AND sender_key <> ''";
  const std::string by_user = "auth_key IN (" + users + ") AND auth_key <> ''";
  if (dialect == store::Dialect::kPostgres)
    return "((" + by_sender + ") OR (" + by_user + "))";
  return "id IN (SELECT id FROM quarantine WHERE " + by_sender +
         " UNION ALL SELECT id FROM quarantine WHERE " + by_user + ")";
}

// The WHERE clause and parameters of a filter (paging aside).
std::string Where(const Filter& f, store::Dialect dialect,
                  store::Params& params) {
  std::string sql = " WHERE 1 = 1";
  if (!f.status.empty()) {
    sql += " AND status = ";
    store::AddWord(sql, params, f.status);
  }
  if (!f.owner_keys.empty())
    sql += " AND " + SentByOneOf(f.owner_keys, dialect, params);
  if (!f.roles.empty()) {
    std::vector<std::string> roles = f.roles;
    // A verdict that names no role waits for ITS.
    if (std::find(roles.begin(), roles.end(), "its-admin") != roles.end())
      roles.emplace_back("");
    // A supervisor decides their own reports' mail only.
    std::function<std::string(store::Params&)> reports;
    if (f.supervised)
      reports = [&](store::Params& p) -> std::string {
        return f.supervised->empty() ? ""
                                     : SentByOneOf(*f.supervised, dialect, p);
      };
    sql += " AND " +
           store::OneOf("release_role", roles, params, "supervisor", reports);
  }
  return sql;
}

}  // namespace

std::string BodyHash(std::string_view message) {
  // The body starts after the first empty line.
  size_t start = message.size();
  for (size_t pos = 0; pos < message.size();) {
    size_t nl = message.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = message.substr(pos, nl - pos);
    if (line.empty() || line == "\r") {
      start = nl + 1;
      break;
    }
    pos = nl + 1;
  }
  std::string_view body = message.substr(start);
  // Trailing line ends and spaces do not count.
  size_t end = body.find_last_not_of("\r\n ");
  body = end == std::string_view::npos ? std::string_view()
                                       : body.substr(0, end + 1);
  // Hashed without its CRs, span by span.
  core::Sha256 h;
  for (size_t pos = 0; pos < body.size();) {
    size_t cr = body.find('\r', pos);
    if (cr == std::string_view::npos) cr = body.size();
    if (cr > pos) h.Update(body.substr(pos, cr - pos));
    pos = cr + 1;
  }
  return h.HexDigest();
}

core::Result<int64_t> Quarantine::Hold(const Held& h,
                                       const audit::Actor& actor) {
  // The blob first, durable, so a row never points at nothing.
  auto sha = blobs_.Put(h.bytes);
  if (!sha.ok()) return sha.status();
  const decide::Verdict& v = h.verdict;
  std::string verdict_json = decide::ToJson(v).dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  const std::string body = BodyHash(h.bytes);
  const std::string message_id = h.message_id.substr(0, 998);
  int64_t id = 0;
  auto st = db_.Transact([&](store::Conn& c) -> core::Status {
    // The same message offered again (the MTA retrying after the door died
    // between storing it and answering) is the one already held. Two doors
    // on one PostgreSQL offered it at once take turns on its key, so that
    // both do not find nothing and hold it twice (SQLite's transactions
    // already exclude each other).
    if (!message_id.empty()) {
      auto lock = c.LockKey("held\n" + body + "\n" + message_id);
      if (!lock.ok()) return lock;
    }
    auto again = c.Query(
        "SELECT id FROM quarantine WHERE body_sha256 = ? AND sender = ? AND "
        "message_id = ? AND status = 'held' AND created_at > ? LIMIT 1",
        {P(body), P(h.envelope.sender), P(message_id),
         P(store::NowUtc(-86400))});
    if (!again.ok()) return again.status();
    if (!again->empty() && !message_id.empty()) {
      id = again->front().Int(0);
      return core::Status::Ok();
    }
    auto rows = c.Query(
        "INSERT INTO quarantine (created_at, status, channel, action, rule, "
        "clauses, release_role, sender, recipients, auth_user, client, "
        "subject, message_id, size, sha256, body_sha256, verdict, sender_key, "
        "auth_key) VALUES (?, 'held', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?) RETURNING id",
        {P(store::NowUtc()),
         P(std::string(policy::ChannelName(h.envelope.channel))),
         P(std::string(decide::ActionName(v.decided))), P(v.rule),
         P(core::Join(v.clauses, ",")),
         P(v.release_role
               ? std::string(policy::ReleaseRoleName(*v.release_role))
               : std::string()),
         P(h.envelope.sender), P(AddressList(h.envelope.recipients)),
         P(h.envelope.auth_user), P(h.envelope.client),
         P(h.subject.substr(0, 998)), P(message_id),
         P(static_cast<int64_t>(h.bytes.size())), P(*sha), P(body),
         P(verdict_json), P(core::AsciiLower(h.envelope.sender)),
         P(core::AsciiLower(h.envelope.auth_user))});
    if (!rows.ok()) return rows.status();
    id = rows->at(0).Int(0);
    return audit::Record(
        c, actor, "quarantine.hold", "quarantine/" + std::to_string(id),
        {{"action", std::string(decide::ActionName(v.decided))},
         {"rule", v.rule},
         {"clauses", v.clauses},
         {"sender", h.envelope.sender},
         {"recipients", h.envelope.recipients},
         {"sha256", *sha}});
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<std::vector<Entry>> Quarantine::List(const Filter& f) const {
  store::Params params;
  // kColumns with '' for the verdict, so FromRow reads it as the others.
  static const std::string columns = [] {
    std::string c(kColumns);
    c.replace(c.find("verdict"), 7, "''");
    return c;
  }();
  std::string sql = fmt::format("SELECT {} FROM quarantine{}", columns,
                                Where(f, db_.dialect(), params));
  store::NewestFirst(sql, params, f.before_id, f.limit);
  auto rows = db_.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<Entry> out;
  for (const auto& r : *rows) out.push_back(FromRow(r));
  return out;
}

core::Result<int64_t> Quarantine::Count(const Filter& f) const {
  store::Params params;
  auto rows = db_.Query(
      "SELECT COUNT(*) FROM quarantine" + Where(f, db_.dialect(), params),
      params);
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : rows->front().Int(0);
}

core::Result<Entry> Quarantine::Get(int64_t id) const {
  auto rows = db_.Query(
      fmt::format("SELECT {} FROM quarantine WHERE id = ?", kColumns), {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound("no quarantined message " +
                                  std::to_string(id));
  return FromRow(rows->front());
}

core::Result<std::string> Quarantine::Bytes(const Entry& e) const {
  return blobs_.Get(e.sha256, 1ull << 30);
}

namespace {

// Why a message that is no longer held cannot be `verb` (released,
// deleted): who decided what, and when. A release is marked before the
// message is sent, and a failed send puts it back on hold: while the send
// may still be running (a release of the last two minutes whose message has
// not come back through the door), the answer says so.
std::string NotHeld(const Entry& e, const char* verb) {
  const bool sending = e.status == "released" && e.reinjected_at.empty() &&
                       e.decided_at >= store::NowUtc(-120);
  if (sending)
    return fmt::format(
        "message {} is being released by {} (since {}); if sending it fails "
        "it comes back on hold and can be {} then",
        e.id, e.decided_by, e.decided_at, verb);
  return fmt::format(
      "message {} was {} by {} at {}; only held messages can "
      "be {}",
      e.id, e.status, e.decided_by, e.decided_at, verb);
}

}  // namespace

core::Status Quarantine::Release(int64_t id, const audit::Actor& actor,
                                 const Reinject& reinject,
                                 const ReleaseOptions& options) {
  auto e = Get(id);
  if (!e.ok()) return e.status();
  if (e->status != "held")
    return core::Status::Invalid(NotHeld(*e, "released"));
  // To whom it goes: everyone, or the District's own addresses only.
  std::vector<std::string> to = e->recipients, withheld;
  if (!options.only_domains.empty()) {
    to.clear();
    for (const auto& r : e->recipients)
      (decide::IsInternal(decide::DeliveryDomain(r, options.only_domains),
                          options.only_domains)
           ? to
           : withheld)
          .push_back(r);
    if (to.empty())
      return core::Status::Invalid(fmt::format(
          "message {} has no recipient inside the District; delete it or "
          "release it whole",
          id));
  }
  auto bytes = Bytes(*e);
  if (!bytes.ok()) return bytes.status();
  // Marked released first (so the door lets it through when it comes
  // back), then sent; a failed send puts it back on hold.
  auto st = db_.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "UPDATE quarantine SET status = 'released', decided_by = ?, "
        "decided_at = ?, reason = ?, released_to = ? WHERE id = ? AND "
        "status = 'held' RETURNING id",
        {P(actor.name), P(store::NowUtc()), P(options.reason),
         P(withheld.empty() ? std::string() : AddressList(to)), P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty())
      return core::Status::Invalid(
          fmt::format("message {} was decided by someone else meanwhile", id));
    nlohmann::json detail = {
        {"sender", e->sender}, {"recipients", to}, {"rule", e->rule}};
    if (!options.reason.empty()) detail["reason"] = options.reason;
    if (!withheld.empty()) detail["withheld_from"] = withheld;
    return audit::Record(
        c, actor,
        withheld.empty() ? "quarantine.release" : "quarantine.release-internal",
        "quarantine/" + std::to_string(id), detail);
  });
  if (!st.ok()) return st;
  auto sent = reinject(*bytes, e->sender, to);
  if (!sent.ok()) {
    auto back = db_.Transact([&](store::Conn& c) -> core::Status {
      auto u = c.Exec(
          "UPDATE quarantine SET status = 'held', decided_by = NULL, "
          "decided_at = NULL, reason = '', released_to = '' WHERE id = ?",
          {P(id)});
      if (!u.ok()) return u;
      return audit::Record(c, actor, "quarantine.release-failed",
                           "quarantine/" + std::to_string(id),
                           {{"error", sent.message()}});
    });
    if (!back.ok()) return back;
    return sent;
  }
  return core::Status::Ok();
}

core::Status Quarantine::Delete(int64_t id, const audit::Actor& actor,
                                const std::string& reason) {
  return db_.Transact([&](store::Conn& c) -> core::Status {
    auto rows = c.Query(
        "UPDATE quarantine SET status = 'deleted', decided_by = ?, "
        "decided_at = ?, reason = ? WHERE id = ? AND status = 'held' "
        "RETURNING id",
        {P(actor.name), P(store::NowUtc()), P(reason), P(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      auto e = Get(id);
      if (!e.ok()) return e.status();
      return core::Status::Invalid(NotHeld(*e, "deleted"));
    }
    return audit::Record(c, actor, "quarantine.delete",
                         "quarantine/" + std::to_string(id),
                         {{"reason", reason}});
  });
}

core::Result<bool> Quarantine::TakeReleased(const std::string& body_sha256,
                                            const std::string& sender) {
  // A read first: almost every message is not a released one, and a write
  // transaction per message would serialize the door.
  auto rows = db_.Query(
      "SELECT id FROM quarantine WHERE body_sha256 = ? AND sender = ? AND "
      "status = 'released' AND reinjected_at IS NULL AND decided_at > ? "
      "ORDER BY id LIMIT 1",
      {P(body_sha256), P(sender), P(store::NowUtc(-86400))});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return false;
  auto taken = db_.Query(
      "UPDATE quarantine SET reinjected_at = ? WHERE id = ? AND "
      "reinjected_at IS NULL RETURNING id",
      {P(store::NowUtc()), P(rows->front().Int(0))});
  if (!taken.ok()) return taken.status();
  return !taken->empty();
}

core::Status Quarantine::RecordConduct(
    const std::string& sender, const std::vector<std::string>& recipients,
    const std::vector<std::string>& categories) {
  return db_.Transact([&](store::Conn& c) -> core::Status {
    for (const auto& r : recipients) {
      auto st = c.Exec(
          "INSERT INTO conduct_events (at, sender, recipient, categories) "
          "VALUES (?, ?, ?, ?)",
          {P(store::NowUtc()), P(core::AsciiLower(sender)),
           P(core::AsciiLower(r)), P(core::Join(categories, ","))});
      if (!st.ok()) return st;
    }
    return core::Status::Ok();
  });
}

core::Result<uint32_t> Quarantine::RecentConduct(const std::string& sender,
                                                 const std::string& recipient,
                                                 uint32_t hours) const {
  auto rows = db_.Query(
      "SELECT COUNT(*) FROM conduct_events WHERE sender = ? AND recipient = ? "
      "AND at > ?",
      {P(core::AsciiLower(sender)), P(core::AsciiLower(recipient)),
       P(store::NowUtc(-static_cast<int64_t>(hours) * 3600))});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return 0u;
  return static_cast<uint32_t>(rows->front().Int(0));
}

namespace {

// How serious a door's incident is when it opens (triage may change it):
// repeated conduct toward a person (C.19) is high, a refused upload medium.
std::string DoorSeverity(const std::string& kind) {
  return kind == "repeated-conduct" ? "high" : "medium";
}

}  // namespace

core::Result<Quarantine::IncidentRef> Quarantine::OpenOrRepeatIncident(
    const std::string& kind, const std::string& key, uint32_t window_hours,
    const std::vector<std::string>& clauses, const std::string& subject_person,
    const nlohmann::json& detail, const audit::Actor& actor) {
  auto ref = incidents::OpenOrRepeat(db_, kind, key, window_hours, clauses,
                                     DoorSeverity(kind), subject_person, detail,
                                     actor);
  if (!ref.ok()) return ref.status();
  return IncidentRef{ref->id, ref->opened};
}

core::Status Quarantine::NotePassed(const std::string& action,
                                    const std::string& target,
                                    const nlohmann::json& detail,
                                    const audit::Actor& actor) {
  return db_.Transact([&](store::Conn& c) {
    return audit::Record(c, actor, action, target, detail);
  });
}

Reinject SendmailReinject(const std::string& sendmail) {
  return [sendmail](std::string_view bytes, const std::string& sender,
                    const std::vector<std::string>& recipients) {
    return core::ReinjectMessage({.program = sendmail, .seconds = 60}, bytes,
                                 sender, recipients);
  };
}

nlohmann::ordered_json ToJson(const Entry& e) {
  return {{"id", e.id},
          {"created_at", e.created_at},
          {"status", e.status},
          {"action", e.action},
          {"rule", e.rule},
          {"clauses", e.clauses},
          {"release_role", e.DecidingRole()},
          {"sender", e.sender},
          {"recipients", e.recipients},
          {"subject", e.subject},
          {"message_id", e.message_id},
          {"size", e.size},
          {"decided_by", e.decided_by},
          {"decided_at", e.decided_at},
          {"reason", e.reason},
          {"released_to", e.released_to}};
}

Shown Show(std::string_view message, size_t max_text) {
  extract::Limits limits;
  limits.read_documents = false;
  limits.helpers = false;
  limits.address_view = false;
  extract::Extracted x = extract::ExtractMessage(message, limits);
  Shown s;
  s.from = x.message.Header("from");
  s.to = x.message.Header("to");
  s.cc = x.message.Header("cc");
  s.date = x.message.Header("date");
  s.subject = x.message.subject;
  for (auto& t : x.texts) {
    if (t.view != core::View::kBody || !t.filename.empty()) continue;
    Shown::Text out{t.path, t.content_type, std::move(t.text)};
    if (out.text.size() > max_text) {
      out.text.resize(core::Clip(out.text, max_text).size());
      out.cut = true;
    }
    s.texts.push_back(std::move(out));
  }
  for (const auto& k : x.skipped) {
    if (k.reason.starts_with(extract::kNotOpened)) {
      Shown::File f{k.path, k.filename, k.content_type};
      size_t open = k.reason.find('(');
      if (open != std::string::npos)
        f.size = std::strtoull(k.reason.c_str() + open + 1, nullptr, 10);
      s.files.push_back(std::move(f));
    } else {
      s.unread.push_back((k.path.empty() ? "" : "part " + k.path + ": ") +
                         k.reason);
    }
  }
  return s;
}

}  // namespace steward::quarantine
