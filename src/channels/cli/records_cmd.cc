// steward records: the records register from the shell (records/register.h).
// Every command that changes the register or destroys anything acts as an
// account holding the records-custodian role (--as), recorded as
// "account (via cli:login)".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "core/csv.h"
#include "core/text.h"
#include "extract/document.h"
#include "extract/mime.h"
#include "identity/accounts.h"
#include "identity/roles.h"
#include "records/imap.h"
#include "records/register.h"
#include "records/requests.h"
#include "release/production.h"
#include "release/redact.h"

namespace steward::cli {

namespace {

constexpr const char* kMe = "steward records";

using core::Printable;

struct RecordsArgs {
  StoreFlags store;
  engine::Options engine;
  std::string as;  // the custodian's account
  std::string path, custodian, reason, format = "text", state = "present",
                                       record_class, today, note, audit_done;
  int limit = 100;
  int64_t id = 0;
  bool all = false, no_progress = false, resume = false;
  records::HoldQuery query;
  std::string matter;
  // IMAP: the mailbox to index (imap://USER@HOST:PORT), and how Steward
  // logs in: the password from a file, as USER or, with a Dovecot master
  // user, as MAILBOX*MASTER for every mailbox.
  std::string imap, imap_password_file, imap_master;
  // How the connection is protected (--imap-tls; imaps:// addresses are TLS
  // from the start) and who may sign the server's certificate (--imap-ca).
  std::string imap_tls, imap_ca;
  // Public-records requests.
  std::string requester, contact, received, description, reason_word, note2;
  int days = 0;
  std::vector<std::string> withhold, responsible;
  // Productions.
  std::vector<int64_t> items;
  std::vector<std::string> marks;  // VALUE=EXEMPTION-CODE
  std::string out, bates_prefix = "DIST";
  uint64_t bates_start = 1;
  // Offboarding (D.4).
  std::string action, to;
};

core::Result<std::string> ImapPassword(const RecordsArgs& a) {
  if (a.imap_password_file.empty())
    return core::Status::Invalid(
        "give the IMAP password in a file with --imap-password-file");
  auto pw = core::ReadFile(a.imap_password_file, 4096);
  if (!pw.ok()) return pw.status();
  std::string p = *pw;
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
  if (p.empty() || core::HasControlChars(p))
    return core::Status::Invalid(a.imap_password_file +
                                 ": one line, the password");
  return p;
}

// The account an --imap address and the flags name, with its password.
core::Result<records::ImapAccount> ImapAccountOf(const RecordsArgs& a,
                                                 const std::string& url) {
  auto account = records::ParseImapUrl(url);
  if (!account.ok()) return account.status();
  if (!a.imap_tls.empty()) {
    auto tls = records::ParseImapTls(a.imap_tls);
    if (!tls)
      return core::Status::Invalid(
          "--imap-tls is starttls, imaps or none, not '" + a.imap_tls + "'");
    // An imaps:// mailbox is TLS from the start whatever the flag says (a
    // run may reach both kinds); the flag chooses for imap:// ones.
    if (account->tls != records::ImapTls::kImplicit) {
      if (*tls == records::ImapTls::kImplicit)
        return core::Status::Invalid(
            "TLS from the start is an imaps:// address (port 993), not "
            "--imap-tls imaps on an imap:// one");
      account->tls = *tls;
    }
  }
  account->ca_file = a.imap_ca;
  auto pw = ImapPassword(a);
  if (!pw.ok()) return pw.status();
  account->password = *pw;
  return account;
}

// How the register reaches a mailbox it indexed: as the mailbox's user, or
// through the master user when one is given.
std::function<
    core::Result<std::unique_ptr<records::Source>>(const std::string&)>
ImapOpener(const RecordsArgs& a) {
  return [a](const std::string& name)
             -> core::Result<std::unique_ptr<records::Source>> {
    const bool imaps = name.rfind("imaps://", 0) == 0;
    if (!imaps && name.rfind("imap://", 0) != 0)
      return records::OpenFolder(name);
    std::string rest = name.substr(imaps ? 8 : 7);  // "host:port/mailbox"
    size_t slash = rest.find('/');
    if (slash == std::string::npos)
      return core::Status::Invalid(name + ": no mailbox in the name");
    std::string mailbox = rest.substr(slash + 1);
    std::string user =
        a.imap_master.empty() ? mailbox : mailbox + "*" + a.imap_master;
    auto account = ImapAccountOf(a, (imaps ? "imaps://" : "imap://") + user +
                                        "@" + rest.substr(0, slash));
    if (!account.ok()) return account.status();
    return records::OpenImap(*account);
  };
}

core::Result<std::unique_ptr<records::Source>> IndexSource(
    const RecordsArgs& a) {
  if (a.path.empty() == a.imap.empty())
    return core::Status::Invalid(
        "give a folder or --imap imap://USER@HOST:PORT (one of them)");
  if (a.imap.empty()) return records::OpenFolder(a.path);
  auto account = ImapAccountOf(a, a.imap);
  if (!account.ok()) return account.status();
  return records::OpenImap(*account);
}

// The acting account: enabled and holding `role` (records-custodian, or
// for indexing also its-admin).
core::Result<audit::Actor> Acting(store::Database& db, const std::string& as,
                                  bool index) {
  if (as.empty())
    return core::Status::Invalid(
        "name the records custodian's account with --as");
  auto account = identity::FindAccount(db, as);
  if (!account.ok() || account->username != as)
    return core::Status::Invalid("no account '" + Printable(as) + "'");
  const bool custodian =
      account->roles.Has(identity::Role::kRecordsCustodian) ||
      (index && account->roles.Has(identity::Role::kItsAdmin));
  if (account->disabled || !custodian)
    return core::Status::Invalid(
        as + (index ? " holds neither the records-custodian nor the its-admin "
                      "role"
                    : " does not hold the records-custodian role"));
  return audit::Actor{as + " (via " + ShellActor() + ")", ""};
}

// Opens the store and the pack (no patterns compiled), and the actor when
// `custodian` is asked for.
struct Opened {
  std::shared_ptr<store::Database> db;
  policy::PackPtr pack;
  audit::Actor actor;
};
core::Result<Opened> Open(const RecordsArgs& a, bool custodian) {
  Opened o;
  auto db = a.store.Open();
  if (!db.ok()) return db.status();
  o.db = *db;
  std::string path =
      a.engine.policy.empty() ? policy::DefaultPackDir() : a.engine.policy;
  policy::LoadResult lr = policy::LoadPack(path, {.compile_patterns = false});
  if (!lr.ok()) {
    std::string all;
    for (const auto& e : lr.errors) all += e.ToString() + "\n";
    return core::Status::Invalid("the pack has errors:\n" + all);
  }
  o.pack = lr.pack;
  if (custodian || !a.as.empty()) {
    auto actor = Acting(*o.db, a.as, !custodian);
    if (!actor.ok()) return actor.status();
    o.actor = *actor;
  } else {
    o.actor = {
        a.as.empty() ? ShellActor() : a.as + " (via " + ShellActor() + ")", ""};
  }
  return o;
}

core::Result<records::Day> Today(const std::string& text,
                                 const records::Register& reg) {
  if (text.empty()) return reg.Today();
  return core::ParseIsoDate(text, 1970, 9999, "--today");
}

int RunIndex(const RecordsArgs& a) {
  auto o = Open(a, false);
  if (!o.ok()) return Fail(kMe, o.status());
  auto engine = engine::Engine::Create(a.engine);
  if (!engine.ok()) return Fail(kMe, engine.status());
  records::Register reg(*o->db, o->pack);
  auto source = IndexSource(a);
  if (!source.ok()) return Fail(kMe, source.status());
  bool tty = !a.no_progress && isatty(STDERR_FILENO);
  auto report = reg.Index(**source, a.custodian, a.reason,
                          RecordsReader(**engine), o->actor, [&](int64_t n) {
                            if (tty && n % 100 == 0)
                              fmt::print(stderr, "\rindexed {} items", n);
                          });
  if (tty) fmt::print(stderr, "\r");
  if (!report.ok()) return Fail(kMe, report.status());
  fmt::print(
      "{}: {} items; {} new, {} changed, {} unchanged, {} missing, {} "
      "unreadable\n",
      (*source)->Name(), report->seen, report->added, report->changed,
      report->unchanged, report->missing, report->unreadable);
  for (const auto& e : report->errors)
    fmt::print(stderr, "  {}\n", Printable(e));
  return report->unreadable > 0 ? 1 : 0;
}

nlohmann::ordered_json ItemJson(const records::Item& i) {
  return {{"id", i.id},
          {"source", i.source},
          {"path", i.path},
          {"kind", i.kind},
          {"custodian", i.custodian},
          {"former_custodians", i.former_custodians},
          {"folder", i.folder},
          {"message_id", i.message_id},
          {"sender", i.sender},
          {"recipients", i.recipients},
          {"subject", i.subject},
          {"made_at", i.made_at},
          {"made_day", i.made_day},
          {"size", i.size},
          {"sha256", i.sha256},
          {"categories", i.categories},
          {"class", policy::RecordClassName(i.record_class)},
          {"class_rule", i.class_rule},
          {"class_reason", i.class_reason},
          {"audit_done", i.audit_done},
          {"state", i.state}};
}

int RunItems(const RecordsArgs& a) {
  auto o = Open(a, false);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  records::Register::Query query{.custodian = a.custodian,
                                 .state = a.state == "all" ? "" : a.state,
                                 .record_class = a.record_class,
                                 .limit = a.limit};
  auto items = reg.Items(query);
  if (!items.ok()) return Fail(kMe, items.status());
  if (auto st = reg.NoteRead(o->actor, query, items->size()); !st.ok())
    return Fail(kMe, st);
  auto today = Today(a.today, reg);
  if (!today.ok()) return Fail(kMe, today.status());
  auto decisions = reg.Decisions(*items, *today);
  if (!decisions.ok()) return Fail(kMe, decisions.status());
  if (a.format == "json") {
    auto arr = nlohmann::ordered_json::array();
    for (size_t n = 0; n < items->size(); ++n) {
      const records::Decision& d = (*decisions)[n];
      auto j = ItemJson((*items)[n]);
      j["retention"] = d.reason;
      j["destroy_from"] = d.from ? records::FormatDay(*d.from) : "";
      arr.push_back(std::move(j));
    }
    std::cout << arr.dump(2, ' ', false,
                          nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
    return 0;
  }
  if (a.format == "csv") {
    std::cout << "id,custodian,former_custodians,folder,kind,made_day,class,"
                 "class_reason,state,sender,subject,sha256,retention,"
                 "destroy_from\n";
    for (size_t n = 0; n < items->size(); ++n) {
      const records::Item& i = (*items)[n];
      const records::Decision& d = (*decisions)[n];
      std::cout << core::CsvRow(
                       {std::to_string(i.id), i.custodian,
                        core::Join(i.former_custodians, " "), i.folder, i.kind,
                        i.made_day,
                        std::string(policy::RecordClassName(i.record_class)),
                        i.class_reason, i.state, i.sender, i.subject, i.sha256,
                        d.reason, d.from ? records::FormatDay(*d.from) : ""})
                << "\n";
    }
    return 0;
  }
  if (items->empty()) fmt::print("No items.\n");
  for (size_t n = 0; n < items->size(); ++n) {
    const records::Item& i = (*items)[n];
    const records::Decision& d = (*decisions)[n];
    fmt::print("{:>6}  {}  {:<12} {:<10} {:<14} {}\n        {}\n", i.id,
               i.made_day, policy::RecordClassName(i.record_class), i.state,
               Printable(records::CustodianText(i)),
               Printable(i.folder + "/" + i.path.substr(i.path.rfind('/') + 1)),
               Printable(d.reason));
  }
  return 0;
}

int RunClassify(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  auto c = core::ParseName(policy::kRecordClassNames, a.record_class);
  if (!c)
    return Fail(kMe, core::Status::Invalid(fmt::format(
                         "--class is one of: {}",
                         core::NameList(policy::kRecordClassNames))));
  records::Register reg(*o->db, o->pack);
  auto st = reg.Reclassify(a.id, *c, a.reason, a.audit_done, o->actor);
  if (!st.ok()) return Fail(kMe, st);
  fmt::print("Item {} is now {}.\n", a.id, a.record_class);
  return 0;
}

int RunHoldPlace(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto h = reg.PlaceHold(a.matter, a.reason, a.query, o->actor);
  if (!h.ok()) return Fail(kMe, h.status());
  fmt::print("Hold {} placed: {}. {}\n", h->id, Printable(h->matter),
             records::CoverageText(*h));
  return 0;
}

int RunSearch(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto r = reg.Search(a.query, a.limit, o->actor);
  if (!r.ok()) return Fail(kMe, r.status());
  if (a.format == "ids") {
    std::vector<std::string> ids;
    for (const auto& i : r->items) ids.push_back(std::to_string(i.id));
    fmt::print("{}\n", core::Join(ids, ","));
    return 0;
  }
  if (a.format == "csv") {
    std::cout << "item,custodian,former_custodians,folder,made_day,sender,"
                 "subject,class,categories\n";
    for (const auto& i : r->items)
      std::cout << core::CsvRow(
                       {std::to_string(i.id), i.custodian,
                        core::Join(i.former_custodians, " "), i.folder,
                        i.made_day, i.sender, i.subject,
                        std::string(policy::RecordClassName(i.record_class)),
                        core::Join(i.categories, ";")})
                << "\n";
    return 0;
  }
  fmt::print("{} items match{}.\n", r->total,
             r->total > static_cast<int64_t>(r->items.size())
                 ? fmt::format(" (the first {} shown)", r->items.size())
                 : "");
  auto facets = [](const char* what, const std::map<std::string, int64_t>& m) {
    if (m.empty()) return;
    std::vector<std::pair<int64_t, std::string>> v;
    for (const auto& [k, n] : m) v.emplace_back(-n, k);
    std::sort(v.begin(), v.end());
    std::vector<std::string> parts;
    for (const auto& [n, k] : v) parts.push_back(fmt::format("{} {}", k, -n));
    fmt::print("  {}: {}\n", what, core::Join(parts, ", "));
  };
  facets("findings", r->categories);
  facets("classes", r->classes);
  for (const auto& i : r->items)
    fmt::print("{:>6}  {}  {:<10}  {:<12}  {}  {}{}\n", i.id, i.made_day,
               Printable(records::CustodianText(i)), Printable(i.folder),
               Printable(i.sender), Printable(i.subject),
               i.categories.empty()
                   ? ""
                   : Printable(" [" + core::Join(i.categories, ", ") + "]"));
  return 0;
}

int RunHoldRelease(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto st = reg.ReleaseHold(a.id, a.reason, o->actor);
  if (!st.ok()) return Fail(kMe, st);
  fmt::print("Hold {} released; nothing it kept is destroyed by this.\n", a.id);
  return 0;
}

int RunHoldList(const RecordsArgs& a) {
  auto o = Open(a, false);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto holds = reg.Holds(a.all);
  if (!holds.ok()) return Fail(kMe, holds.status());
  if (holds->empty()) fmt::print("No holds.\n");
  for (const auto& h : *holds)
    fmt::print("{:>4}  {}  {}  placed {} by {}{}\n      {}\n", h.id,
               h.Active() ? "active  " : "released", Printable(h.matter),
               h.placed_at, Printable(h.placed_by),
               h.Active() ? ""
                          : Printable(fmt::format("; released {} by {}: {}",
                                                  h.released_at, h.released_by,
                                                  h.release_reason)),
               Printable(h.reason));
  return 0;
}

void PrintList(const records::DestructionList& l, const std::string& format) {
  if (format == "csv") {
    std::cout << "list,item,custodian,folder,locator,class,school_year,"
                 "destroy_from,rule,sha256,outcome\n";
    for (const auto& i : l.items)
      std::cout << core::CsvRow(
                       {std::to_string(l.id), std::to_string(i.item_id),
                        i.custodian, i.folder, i.locator,
                        std::string(policy::RecordClassName(i.record_class)),
                        i.school_year, i.destroy_from, i.rule, i.sha256,
                        i.outcome})
                << "\n";
    return;
  }
  fmt::print(
      "Destruction list {} ({}): made {} by {} for {}; {} items; rules {}\n",
      l.id, l.status, l.created_at, Printable(l.created_by), l.today,
      l.items.size(), l.rules);
  if (!l.decided_by.empty())
    fmt::print(
        "  decided {} by {}{}\n", l.decided_at, Printable(l.decided_by),
        l.decision_note.empty() ? "" : ": " + Printable(l.decision_note));
  for (const auto& i : l.items)
    fmt::print("  {:>6}  {}  {}  {}  from {}  {}  {}{}\n", i.item_id,
               policy::RecordClassName(i.record_class), i.school_year,
               Printable(i.custodian), i.destroy_from, Printable(i.folder),
               i.sha256.substr(0, 16),
               i.outcome.empty() ? "" : "  " + Printable(i.outcome));
}

int RunPlan(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto today = Today(a.today, reg);
  if (!today.ok()) return Fail(kMe, today.status());
  auto l = reg.MakeList(*today, o->actor);
  if (!l.ok()) return Fail(kMe, l.status());
  PrintList(*l, a.format);
  if (a.format != "csv")
    fmt::print(
        "Nothing was deleted. A second records custodian approves it "
        "with `steward records approve {}`.\n",
        l->id);
  return 0;
}

int RunOffboard(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto today = Today(a.today, reg);
  if (!today.ok()) return Fail(kMe, today.status());
  auto action = records::ParseDeparture(a.action);
  if (!action)
    return Fail(kMe,
                core::Status::Invalid("--action is keep, transfer or dispose"));
  auto done =
      reg.Offboard(a.custodian, *action, a.to, a.reason, *today, o->actor);
  if (!done.ok()) return Fail(kMe, done.status());
  fmt::print("{}\n", Printable(records::OffboardingText(*done)));
  if (done->list_id != 0)
    fmt::print(
        "Nothing was deleted. Another records custodian reviews the list "
        "with `steward records lists {}` and approves it with `steward "
        "records approve {}`.\n",
        done->list_id, done->list_id);
  return 0;
}

int RunDepartures(const RecordsArgs& a) {
  auto o = Open(a, false);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto all = reg.Offboardings(a.limit);
  if (!all.ok()) return Fail(kMe, all.status());
  if (a.format == "csv") {
    std::cout << core::CsvRow({"id", "day", "custodian", "action", "to",
                               "items", "transferred", "list", "listed",
                               "reason", "by"})
              << "\n";
    for (const auto& d : *all)
      std::cout << core::CsvRow({std::to_string(d.id), d.day, d.custodian,
                                 std::string(records::DepartureName(d.action)),
                                 d.to, std::to_string(d.items),
                                 std::to_string(d.transferred),
                                 d.list_id ? std::to_string(d.list_id) : "",
                                 std::to_string(d.listed), d.reason, d.done_by})
                << "\n";
    return 0;
  }
  if (all->empty()) fmt::print("No one has been offboarded.\n");
  for (const auto& d : *all)
    fmt::print("{:>4}  {}  {}\n      reason: {}; by {}\n", d.id, d.day,
               Printable(records::OffboardingText(d)), Printable(d.reason),
               Printable(d.done_by));
  return 0;
}

int RunShowList(const RecordsArgs& a) {
  auto o = Open(a, false);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  if (a.id == 0) {
    auto lists = reg.Lists(a.limit);
    if (!lists.ok()) return Fail(kMe, lists.status());
    if (lists->empty()) fmt::print("No destruction lists.\n");
    for (const auto& l : *lists)
      fmt::print("{:>4}  {:<8}  {}  by {}  {} items\n", l.id, l.status,
                 l.created_at, Printable(l.created_by), l.items.size());
    return 0;
  }
  auto l = reg.GetList(a.id);
  if (!l.ok()) return Fail(kMe, l.status());
  PrintList(*l, a.format);
  return 0;
}

int RunDecide(const RecordsArgs& a, bool approve) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto st = reg.Decide(a.id, approve, a.as, a.note, o->actor);
  if (!st.ok()) return Fail(kMe, st);
  fmt::print("Destruction list {} {}.\n", a.id,
             approve ? "approved" : "refused");
  return 0;
}

int RunExecute(const RecordsArgs& a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  auto today = Today(a.today, reg);
  if (!today.ok()) return Fail(kMe, today.status());
  reg.open_source = ImapOpener(a);
  auto r = reg.Execute(a.id, *today, o->actor, a.resume);
  if (!r.ok()) return Fail(kMe, r.status());
  fmt::print("Destruction list {}: {} destroyed, {} kept{}.\n", a.id,
             r->destroyed, r->kept,
             r->recovered ? fmt::format(", {} interrupted deletions finished",
                                        r->recovered)
                          : "");
  return 0;
}

// A custodian's mark: VALUE=CODE, the code an exemption of the pack.
core::Result<release::Mark> ParseMark(const std::string& text,
                                      const policy::RecordsPolicy& records) {
  size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0)
    return core::Status::Invalid("--mark '" + Printable(text) +
                                 "': write VALUE=EXEMPTION (e.g. "
                                 "\"Maria Lopez=7927.705\")");
  const std::string code = text.substr(eq + 1);
  const auto* e = records.FindExemption(code);
  if (!e)
    return core::Status::Invalid("--mark '" + Printable(text) +
                                 "': no exemption '" + Printable(code) +
                                 "' in the pack's [[records.exemption]]");
  return release::Mark{text.substr(0, eq), "custodian", e->code, e->Label()};
}

}  // namespace

core::Result<release::Produced> ProduceForRequest(
    records::Register& reg, records::Requests& req,
    const engine::Engine& engine, int64_t request,
    const std::vector<int64_t>& items, const std::vector<release::Mark>& extra,
    const release::ProductionOptions& options, const std::string& out,
    const audit::Actor& actor, bool progress) {
  auto q = req.Get(request, req.clock().Today());
  if (!q.ok()) return q.status();
  if (!q->sent_at.empty())
    return core::Status::Invalid(fmt::format(
        "request {} was answered on {}: it is closed", request, q->sent_at));
  auto scratch = engine.NewScratch();
  const extract::Limits limits = engine.limits();
  std::vector<release::Document> docs;
  for (int64_t id : items) {
    auto item = reg.GetItem(id);
    if (!item.ok()) return item.status();
    if (item->kind != "mail")
      return core::Status::Unsupported(fmt::format(
          "item {} is a file: only mail is produced yet (documents are "
          "redacted or withheld inside messages)",
          id));
    auto bytes = reg.ReadItem(
        *item, fmt::format("public-records request {}", request), actor);
    if (!bytes.ok()) return bytes.status();
    auto marks = release::MarksFor(engine, *bytes, extra, *scratch);
    if (!marks.ok()) return marks.status();
    auto red = release::RedactMessage(*bytes, *marks, limits);
    if (!red.ok())
      return core::Status::Invalid(
          fmt::format("item {}: {}", id, red.status().message()));
    // What the load file says of it comes from the released message, and
    // is redacted again in case a value hides in a field's other form.
    extract::Extracted x = extract::ExtractMessage(red->bytes, limits);
    auto clean = [&](const std::string& v) {
      return release::ReplaceMarks(v, *marks, nullptr);
    };
    release::Document d;
    d.bytes = std::move(red->bytes);
    d.item = std::to_string(id);
    d.custodian = item->custodian;
    d.from = clean(x.message.Header("from"));
    d.to = clean(x.message.Header("to"));
    d.cc = clean(x.message.Header("cc"));
    d.subject = clean(x.message.subject);
    d.date = x.message.date;
    d.source_sha256 = item->sha256;
    d.log = std::move(red->log);
    if (progress)
      fmt::print(stderr, "item {}: {} values redacted, {} parts withheld\n", id,
                 red->values, red->withheld);
    docs.push_back(std::move(d));
  }
  auto p = release::WriteProduction(out, docs, options);
  if (!p.ok()) return p.status();
  records::Requests::Production note{p->first_bates, p->last_bates,
                                     p->manifest_sha256, p->documents, items};
  if (auto st = req.NoteProduction(request, note, actor); !st.ok()) return st;
  return p;
}

namespace {

int RunProduce(RecordsArgs a) {
  auto o = Open(a, true);
  if (!o.ok()) return Fail(kMe, o.status());
  records::Register reg(*o->db, o->pack);
  records::Requests req(*o->db, o->pack);
  std::vector<release::Mark> extra;
  for (const std::string& m : a.marks) {
    auto k = ParseMark(m, o->pack->records);
    if (!k.ok()) return Fail(kMe, k.status());
    extra.push_back(*k);
  }
  a.engine.show_values = true;  // the values to remove
  auto engine = engine::Engine::Create(a.engine);
  if (!engine.ok()) return Fail(kMe, engine.status());
  reg.open_source = ImapOpener(a);
  release::ProductionOptions po;
  po.prefix = a.bates_prefix;
  po.first = a.bates_start;
  auto p = ProduceForRequest(reg, req, **engine, a.id, a.items, extra, po,
                             a.out, o->actor, !a.no_progress);
  if (!p.ok()) return Fail(kMe, p.status());
  fmt::print(
      "Production for request {}: {} documents, {} to {}, in {}\n"
      "manifest SHA-256 {}\n",
      a.id, p->documents, p->first_bates, p->last_bates, Printable(a.out),
      p->manifest_sha256);
  return 0;
}

int RunVerify(const RecordsArgs& a) {
  auto v = release::VerifyProduction(a.path);
  if (!v.ok()) return Fail(kMe, v.status());
  for (const std::string& p : v->problems)
    fmt::print("problem: {}\n", Printable(p));
  if (!v->problems.empty()) {
    fmt::print("{}: NOT whole ({} problems)\n", Printable(a.path),
               v->problems.size());
    return 1;
  }
  fmt::print(
      "{}: whole — {} documents, {} to {}; every file matches the "
      "manifest\n",
      Printable(a.path), v->documents, v->first_bates, v->last_bates);
  return 0;
}

void PrintRequest(const records::Request& q) {
  fmt::print(
      "Request {} ({}{}): {} <{}>\n  received {} — determination due "
      "{} ({} days left){}\n  {}\n",
      q.id, q.state, q.overdue ? ", OVERDUE" : "", Printable(q.requester),
      Printable(q.contact), q.received_at, q.due_day, q.days_left,
      q.extension_days ? fmt::format("; extended {} days ({})",
                                     q.extension_days, q.extension_reason)
                       : "",
      Printable(q.description));
}

int RunRequest(const RecordsArgs& a, const std::string& what) {
  auto o = Open(a, what != "list" && what != "show" && what != "letter");
  if (!o.ok()) return Fail(kMe, o.status());
  records::Requests req(*o->db, o->pack);
  const records::Day today = req.clock().Today();
  if (what == "intake") {
    auto at = req.clock().ParseMinute(a.received);
    if (!at.ok()) return Fail(kMe, at.status());
    auto q = req.Intake(a.requester, a.contact, a.description, *at, o->actor);
    if (!q.ok()) return Fail(kMe, q.status());
    PrintRequest(*q);
    return 0;
  }
  if (what == "list") {
    auto list = req.List(today, a.limit);
    if (!list.ok()) return Fail(kMe, list.status());
    if (list->empty()) fmt::print("No requests.\n");
    for (const auto& q : *list) PrintRequest(q);
    return 0;
  }
  if (what == "show") {
    auto q = req.Get(a.id, today);
    if (!q.ok()) return Fail(kMe, q.status());
    PrintRequest(*q);
    auto events = req.Timeline(a.id);
    if (!events.ok()) return Fail(kMe, events.status());
    for (const auto& e : *events)
      fmt::print("  {}  {:<10} {}  {}\n", e.at, e.what, Printable(e.actor),
                 Printable(e.detail));
    return 0;
  }
  if (what == "letter") {
    auto letter = req.Letter(a.id);
    if (!letter.ok()) return Fail(kMe, letter.status());
    std::cout << *letter;
    return 0;
  }
  core::Status st;
  if (what == "extend") {
    auto reason =
        core::ParseName(records::kExtensionReasonNames, a.reason_word);
    if (!reason)
      return Fail(kMe, core::Status::Invalid(fmt::format(
                           "--reason is one of: {}",
                           core::NameList(records::kExtensionReasonNames))));
    st = req.Extend(a.id, a.days, *reason, o->actor);
  } else if (what == "state") {
    st = req.SetState(a.id, a.state, a.note, o->actor);
  } else if (what == "determine") {
    std::vector<records::Withholding> w;
    for (const auto& x : a.withhold) {
      size_t eq = x.find('=');
      if (eq == std::string::npos)
        return Fail(kMe,
                    core::Status::Invalid("--withhold is EXEMPTION=what is "
                                          "withheld (7927.700=evaluations)"));
      w.push_back({x.substr(0, eq), x.substr(eq + 1)});
    }
    std::vector<records::Responsible> r;
    for (const auto& x : a.responsible) {
      size_t comma = x.find(',');
      if (comma == std::string::npos)
        return Fail(
            kMe, core::Status::Invalid(
                     "--responsible is \"Name, Title\" (Dana Lee, Custodian of "
                     "Records)"));
      std::string title = x.substr(comma + 1);
      title.erase(0, title.find_first_not_of(' '));
      r.push_back({x.substr(0, comma), title});
    }
    st = req.Determine(a.id, a.description, w, r, o->actor);
  } else if (what == "sent") {
    st = req.MarkSent(a.id, o->actor);
  }
  if (!st.ok()) return Fail(kMe, st);
  auto q = req.Get(a.id, today);
  if (q.ok()) PrintRequest(*q);
  return 0;
}

}  // namespace

void RegisterRecords(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<RecordsArgs>();
  CLI::App* rc = app.add_subcommand(
      "records",
      "The records register: index mail and files with their Title 5 class, "
      "legal holds, destruction lists (docs/records.md)");
  rc->require_subcommand(1);
  auto as_flag = [&](CLI::App* c, bool required) {
    auto* o =
        c->add_option("--as", a->as,
                      "Account of the records custodian acting (its role is "
                      "checked; recorded in the audit chain)");
    if (required) o->required();
  };
  auto common = [&](CLI::App* c) {
    a->store.Add(c);
    c->add_option("--policy", a->engine.policy,
                  "Policy pack folder (default: the bundled pack)");
  };

  CLI::App* idx = rc->add_subcommand(
      "index", "Read a Maildir or a folder of files into the register");
  common(idx);
  idx->add_option("--roster", a->engine.roster, "OneRoster export");
  idx->add_option("--cache", a->engine.cache_dir, "Compiled-pattern cache");
  idx->add_option("path", a->path, "Maildir or folder");
  idx->add_option("--imap", a->imap,
                  "An IMAP mailbox instead: imap://USER@HOST:PORT (STARTTLS) "
                  "or imaps://USER@HOST:PORT (USER may be MAILBOX*MASTER for "
                  "a Dovecot master user)");
  auto imap_flags = [&](CLI::App* c) {
    c->add_option("--imap-password-file", a->imap_password_file,
                  "File holding the IMAP password (one line)");
    c->add_option("--imap-master", a->imap_master,
                  "Dovecot master user: reach each mailbox as MAILBOX*MASTER");
    c->add_option("--imap-tls", a->imap_tls,
                  "starttls (the default for imap://), imaps (an imaps:// "
                  "address), or none: the password in plain text, only on a "
                  "network you trust");
    c->add_option("--imap-ca", a->imap_ca,
                  "PEM file of the authorities that sign the IMAP server's "
                  "certificate (default: the system's)");
  };
  imap_flags(idx);
  idx->add_option("--custodian", a->custodian,
                  "Whose items these are (account or name)")
      ->required();
  idx->add_option("--reason", a->reason,
                  "Why the District reads them (D.3; recorded)")
      ->required();
  as_flag(idx, false);
  idx->add_flag("--no-progress", a->no_progress, "No progress on stderr");
  idx->callback([a, &run] { run = [a] { return RunIndex(*a); }; });

  CLI::App* items = rc->add_subcommand(
      "items", "List items with their class and what retention decides");
  common(items);
  items->add_option("--custodian", a->custodian, "Only this custodian's");
  items
      ->add_option("--state", a->state,
                   "present, missing, destroyed, deleting, or all")
      ->capture_default_str();
  items->add_option("--class", a->record_class, "Only this class");
  items->add_option("--today", a->today, "Decide as on this day (YYYY-MM-DD)");
  items->add_option("--limit", a->limit, "At most this many")
      ->capture_default_str();
  items->add_option("--format", a->format, "text, json or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  items->callback([a, &run] { run = [a] { return RunItems(*a); }; });

  CLI::App* cls = rc->add_subcommand(
      "classify", "Give an item a class by hand (kept over the pack's rules)");
  common(cls);
  cls->add_option("id", a->id, "Item id")->required();
  cls->add_option("--class", a->record_class,
                  "class-1, class-2, class-3, continuing or unclassified")
      ->required();
  cls->add_option("--reason", a->reason, "Why (recorded)")->required();
  cls->add_option("--audit-done", a->audit_done,
                  "A record basic to an audit completed on this day");
  as_flag(cls, true);
  cls->callback([a, &run] { run = [a] { return RunClassify(*a); }; });

  CLI::App* hold = rc->add_subcommand("hold", "Legal holds");
  hold->require_subcommand(1);
  CLI::App* place = hold->add_subcommand(
      "place",
      "Place a hold: what it covers is kept, including items that "
      "arrive later");
  common(place);
  place->add_option("--matter", a->matter, "The matter's name")->required();
  place->add_option("--reason", a->reason, "Why (recorded)")->required();
  place->add_option("--custodian", a->query.custodians, "Whose items");
  place->add_option("--address", a->query.addresses,
                    "Sender or recipient (or @domain)");
  place->add_option("--subject", a->query.subject, "Words in the subject");
  place->add_option("--folder", a->query.folders,
                    "A folder and its subfolders");
  place->add_option("--category", a->query.categories, "A finding's category");
  place->add_option("--since", a->query.since, "Made on or after (YYYY-MM-DD)");
  place->add_option("--until", a->query.until, "Made before (YYYY-MM-DD)");
  as_flag(place, true);
  place->callback([a, &run] { run = [a] { return RunHoldPlace(*a); }; });
  CLI::App* release = hold->add_subcommand(
      "release", "End a hold (deletes nothing; the hold stays on record)");
  common(release);
  release->add_option("id", a->id, "Hold id")->required();
  release->add_option("--reason", a->reason, "Why (recorded)")->required();
  as_flag(release, true);
  release->callback([a, &run] { run = [a] { return RunHoldRelease(*a); }; });
  CLI::App* hlist = hold->add_subcommand("list", "Active holds");
  common(hlist);
  hlist->add_flag("--all", a->all, "Released holds too");
  hlist->callback([a, &run] { run = [a] { return RunHoldList(*a); }; });

  CLI::App* rq = rc->add_subcommand(
      "request",
      "Public-records requests (Gov. Code 7920.000 ff.): intake, "
      "the clock, extension, determination, the letter");
  rq->require_subcommand(1);
  auto request_cmd = [&](const char* name, const char* help, bool custodian) {
    CLI::App* c = rq->add_subcommand(name, help);
    common(c);
    if (custodian) as_flag(c, true);
    std::string what = name;
    c->callback(
        [a, &run, what] { run = [a, what] { return RunRequest(*a, what); }; });
    return c;
  };
  CLI::App* intake =
      request_cmd("intake", "Record a request as received", true);
  intake
      ->add_option("--requester", a->requester,
                   "Who asks (\"anonymous\" is a name)")
      ->required();
  intake->add_option("--contact", a->contact, "How to answer them");
  intake->add_option("--description", a->description, "The records asked for")
      ->required();
  intake->add_option("--received", a->received,
                     "When it reached the District, local time "
                     "(YYYY-MM-DDTHH:MM; default: now)");
  CLI::App* rlist =
      request_cmd("list", "Requests, newest first, with their due days", false);
  rlist->add_option("--limit", a->limit, "At most this many")
      ->capture_default_str();
  CLI::App* rshow = request_cmd("show", "One request and its timeline", false);
  rshow->add_option("id", a->id, "Request")->required();
  CLI::App* rext = request_cmd(
      "extend", "Extend the determination by 1 to 14 days (once)", true);
  rext->add_option("id", a->id, "Request")->required();
  rext->add_option("--days", a->days, "1 to 14")->required();
  rext->add_option("--reason", a->reason_word,
                   "field-facilities, voluminous, consultation, compilation "
                   "or emergency")
      ->required();
  CLI::App* rstate = request_cmd("state", "Set a request's state", true);
  rstate->add_option("id", a->id, "Request")->required();
  rstate
      ->add_option("--to", a->state,
                   "open, waiting-for-requester, partially-produced or closed")
      ->required();
  rstate->add_option("--note", a->note, "Why (recorded)");
  CLI::App* rdet = request_cmd("determine", "Record the determination", true);
  rdet->add_option("id", a->id, "Request")->required();
  rdet->add_option("--determination", a->description,
                   "What will be released, and when")
      ->required();
  rdet->add_option("--withhold", a->withhold,
                   "EXEMPTION=what is withheld (repeatable)");
  rdet->add_option("--responsible", a->responsible,
                   "\"Name, Title\" of a person responsible (repeatable)");
  CLI::App* rletter = request_cmd("letter", "Print the response letter", false);
  rletter->add_option("id", a->id, "Request")->required();
  CLI::App* rsent = request_cmd(
      "sent", "Record that the letter went (closes the request)", true);
  rsent->add_option("id", a->id, "Request")->required();

  CLI::App* plan = rc->add_subcommand(
      "plan",
      "Make a destruction list of what may be destroyed today "
      "(deletes nothing)");
  common(plan);
  plan->add_option("--today", a->today, "As on this day (YYYY-MM-DD)");
  plan->add_option("--format", a->format, "text or csv")
      ->check(CLI::IsMember({"text", "csv"}))
      ->capture_default_str();
  as_flag(plan, true);
  plan->callback([a, &run] { run = [a] { return RunPlan(*a); }; });

  CLI::App* off = rc->add_subcommand(
      "offboard",
      "What becomes of the items of an employee who has left (D.4): keep "
      "them, transfer them to another custodian, or dispose of what the "
      "rules allow (a destruction list, approved by a second person)");
  common(off);
  off->add_option("--custodian", a->custodian, "Who left")->required();
  off->add_option("--action", a->action, "keep, transfer or dispose")
      ->required()
      ->check(CLI::IsMember({"keep", "transfer", "dispose"}));
  off->add_option("--to", a->to,
                  "Who answers for the items from now on (transfer; with "
                  "dispose, for those kept)");
  off->add_option("--reason", a->reason, "Why (recorded)")->required();
  off->add_option("--today", a->today, "As on this day (YYYY-MM-DD)");
  as_flag(off, true);
  off->callback([a, &run] { run = [a] { return RunOffboard(*a); }; });

  CLI::App* departures = rc->add_subcommand(
      "departures", "Offboarding decisions (D.4), latest first");
  common(departures);
  departures->add_option("--limit", a->limit, "At most this many")
      ->capture_default_str();
  departures->add_option("--format", a->format, "text or csv")
      ->check(CLI::IsMember({"text", "csv"}))
      ->capture_default_str();
  departures->callback([a, &run] { run = [a] { return RunDepartures(*a); }; });

  CLI::App* lists = rc->add_subcommand("lists", "Destruction lists, or one");
  common(lists);
  lists->add_option("id", a->id, "List id (none: every list)");
  lists->add_option("--format", a->format, "text or csv")
      ->check(CLI::IsMember({"text", "csv"}))
      ->capture_default_str();
  lists->callback([a, &run] { run = [a] { return RunShowList(*a); }; });

  CLI::App* approve = rc->add_subcommand(
      "approve", "Approve a destruction list (not its author)");
  common(approve);
  approve->add_option("id", a->id, "List id")->required();
  approve->add_option("--note", a->note, "A note (recorded)");
  as_flag(approve, true);
  approve->callback([a, &run] { run = [a] { return RunDecide(*a, true); }; });
  CLI::App* refuse = rc->add_subcommand("refuse", "Refuse a destruction list");
  common(refuse);
  refuse->add_option("id", a->id, "List id")->required();
  refuse->add_option("--note", a->note, "Why (recorded)")->required();
  as_flag(refuse, true);
  refuse->callback([a, &run] { run = [a] { return RunDecide(*a, false); }; });

  CLI::App* exec = rc->add_subcommand(
      "execute", "Destroy an approved list's items that are still deletable");
  common(exec);
  exec->add_option("id", a->id, "List id")->required();
  exec->add_option("--today", a->today,
                   "As on this day (YYYY-MM-DD; not after today)");
  exec->add_flag("--resume", a->resume,
                 "Carry on a list whose earlier run was stopped");
  imap_flags(exec);
  as_flag(exec, true);
  exec->callback([a, &run] { run = [a] { return RunExecute(*a); }; });

  CLI::App* produce = rc->add_subcommand(
      "produce",
      "Release items for a public-records request: redacted (values an "
      "exemption covers replaced by its label), with Bates numbers, an "
      "mbox, a load file and a manifest");
  common(produce);
  produce->add_option("--request", a->id, "Request id")->required();
  produce->add_option("--items", a->items, "Register item ids, in order")
      ->required()
      ->delimiter(',');
  produce->add_option("--mark", a->marks,
                      "Also withhold VALUE under EXEMPTION: VALUE=CODE "
                      "(repeatable)");
  produce->add_option("--out", a->out, "New folder for the production")
      ->required();
  produce->add_option("--bates-prefix", a->bates_prefix, "Bates prefix")
      ->capture_default_str();
  produce->add_option("--bates-start", a->bates_start, "First Bates number")
      ->capture_default_str();
  produce->add_option("--roster", a->engine.roster, "OneRoster export");
  produce->add_option("--cache", a->engine.cache_dir, "Compiled-pattern cache");
  produce->add_flag("--no-progress", a->no_progress, "No progress on stderr");
  imap_flags(produce);
  as_flag(produce, true);
  produce->callback([a, &run] { run = [a] { return RunProduce(*a); }; });

  CLI::App* search = rc->add_subcommand(
      "search",
      "Find the register's present items for a request: who, addresses, "
      "subject words, folders, finding categories, dates; with how many "
      "carry each category (recorded, D.3)");
  common(search);
  search->add_option("--custodian", a->query.custodians, "Whose items");
  search->add_option("--address", a->query.addresses,
                     "Sender or recipient (or @domain)");
  search->add_option("--subject", a->query.subject, "Words in the subject");
  search->add_option("--folder", a->query.folders, "A folder and below");
  search->add_option("--category", a->query.categories, "A finding's category");
  search->add_option("--since", a->query.since,
                     "Made on or after (YYYY-MM-DD)");
  search->add_option("--until", a->query.until, "Made before (YYYY-MM-DD)");
  search->add_option("--limit", a->limit, "Items shown (1-10000)")
      ->capture_default_str();
  search
      ->add_option("--format", a->format,
                   "text, csv, or ids (a list for produce --items)")
      ->check(CLI::IsMember({"text", "csv", "ids"}))
      ->capture_default_str();
  as_flag(search, true);
  search->callback([a, &run] { run = [a] { return RunSearch(*a); }; });

  CLI::App* verify = rc->add_subcommand(
      "verify", "Check a production: manifest, load file, mbox, Bates numbers");
  verify->add_option("path", a->path, "The production's folder")->required();
  verify->callback([a, &run] { run = [a] { return RunVerify(*a); }; });
}

}  // namespace steward::cli
