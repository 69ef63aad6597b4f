// `steward demo`: seeds a demo district into a store, so `make run` opens a
// portal with something in it: the people of a generated OneRoster export, a
// version of the regulation written from the policy pack's clauses, an open
// campaign that most employees have acknowledged, what the doors did (mail
// held, uploads refused, through the same enforcement layer as the milter
// and the ICAP server, so the audit page shows them), and two accounts
// whose fresh passwords are printed.
#include <fmt/format.h>

#include <ctime>
#include <filesystem>

#include "acknowledge/campaigns.h"
#include "approvals/approvals.h"
#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "channels/icap/upload.h"
#include "core/hash.h"
#include "core/text.h"
#include "directory/directory.h"
#include "enforce/enforce.h"
#include "engine/engine.h"
#include "equipment/equipment.h"
#include "identity/accounts.h"
#include "incidents/incidents.h"
#include "people/people.h"
#include "policy/loader.h"
#include "publish/gate.h"
#include "publish/naming.h"
#include "records/register.h"
#include "records/requests.h"
#include "rulings/rulings.h"
#include "sites/registry.h"
#include "sites/review.h"
#include "vendors/vendors.h"

namespace steward::cli {

namespace {

// The regulation as the pack summarises it, as one HTML page.
std::string RegulationHtml(const policy::PolicyPack& pack) {
  std::string html = fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
      "Employee Use of Technology</title></head><body style=\"font-family: "
      "Georgia, serif; max-width: 44rem; margin: 1rem auto; line-height: "
      "1.5\"><h1>Employee Use of Technology</h1><p>{} — the regulation as "
      "summarised in policy pack “{}”, version {}.</p>",
      core::EscapeHtml(pack.district), core::EscapeHtml(pack.name),
      core::EscapeHtml(pack.version));
  for (const auto& c : pack.clauses) {
    if (c.id.find('.') == std::string::npos) {
      html += fmt::format("<h2>{}. {}</h2>", core::EscapeHtml(c.id),
                          core::EscapeHtml(c.title));
    } else {
      html += fmt::format("<p><strong>{} {}.</strong> {}</p>",
                          core::EscapeHtml(c.id), core::EscapeHtml(c.title),
                          core::EscapeHtml(c.summary));
    }
  }
  return html + "</body></html>\n";
}

// A random password that meets N.4 and no dictionary knows.
std::string FreshPassword() {
  return "Stw-" + identity::RandomToken(9) + "-4x";
}

core::Result<std::string> EnsureAccount(store::Database& db,
                                        const identity::PasswordPolicy& policy,
                                        identity::NewAccount a) {
  a.password = FreshPassword();
  auto existing = identity::FindAccount(db, a.username);
  if (existing.ok()) {
    if (auto st = identity::ResetPassword(db, policy, existing->id, a.password,
                                          {ShellActor(), ""});
        !st.ok()) {
      return st;
    }
    return a.password;
  }
  auto made = identity::CreateAccount(db, policy, a, {ShellActor(), ""});
  if (!made.ok()) return made.status();
  return a.password;
}

// Mail the milter held and uploads the web door refused, once (a store
// that has any held mail or incident is left as it is). No roster: the
// findings are the pack's patterns.
// The vendor registry (E.6, E.7): the student information system's host,
// in force; a meal-payment service whose agreement expires within the
// month; a reading program whose agreement still misses two terms and the
// attestation; a survey service whose agreement expired.
core::Status SeedVendors(store::Database& db, const policy::PolicyPack& pack) {
  const audit::Actor its{"admin", "192.0.2.5"};
  const std::string today = vendors::Today(pack);
  auto parsed = core::ParseIsoDate(today, 2000, 2200, "today");
  if (!parsed.ok()) return parsed.status();
  const int64_t day = *parsed;
  const std::string soon = core::IsoUtc((day + 24) * 86400).substr(0, 10);
  struct Seed {
    vendors::NewVendor vendor;
    vendors::NewAgreement agreement;
    size_t unchecked;  // terms left unchecked, from the last
    bool attested;
  };
  const std::vector<Seed> seeds = {
      {{.name = "Example SIS Hosting",
        .product = "Student information system",
        .domains = {"sis-vendor.example.com"},
        .contact = "privacy@sis-vendor.example.com"},
       {.title = "Hosting and support agreement 2024-2027",
        .signed_on = "2024-06-12",
        .starts_on = "2024-07-01",
        .expires_on = "2027-07-01",
        .categories = {"student-id", "roster-student", "student-extract",
                       "grades-transcript", "program-eligibility"}},
       0,
       true},
      {{.name = "LunchPay",
        .product = "Meal payments",
        .domains = {"lunchpay.example.com"}},
       {.kind = "general-offer",
        .title = "Student data privacy agreement (general offer)",
        .signed_on = "2025-08-01",
        .starts_on = "2025-08-01",
        .expires_on = soon,
        .categories = {"student-id", "roster-student", "program-eligibility"}},
       0,
       true},
      {{.name = "Reading Tutor Co",
        .product = "Reading practice",
        .domains = {"readingtutor.example.com"}},
       {.title = "Data privacy agreement 2026-2027",
        .signed_on = "2026-08-01",
        .starts_on = "2026-08-15",
        .expires_on = "2027-08-15",
        .categories = {"student-id", "roster-student"}},
       2,
       false},
      {{.name = "Survey Co",
        .product = "Family surveys",
        .domains = {"surveys.example.net"}},
       {.title = "Survey services 2025-2026",
        .signed_on = "2025-07-01",
        .starts_on = "2025-07-01",
        .expires_on = "2026-07-01",
        .categories = {"roster-student"}},
       0,
       true},
  };
  for (const auto& s : seeds) {
    auto v = vendors::AddVendor(db, pack, s.vendor, its);
    if (!v.ok()) return v.status();
    auto a = vendors::AddAgreement(db, pack, *v, s.agreement, its);
    if (!a.ok()) return a.status();
    const auto& terms = pack.vendors.terms;
    for (size_t i = 0; i + s.unchecked < terms.size(); ++i) {
      auto st = vendors::CheckTerm(db, pack, *a, terms[i].id,
                                   fmt::format("section {}", i + 2), its);
      if (!st.ok()) return st;
    }
    if (s.attested && !pack.vendors.attestation.empty()) {
      auto st = vendors::Attest(db, *a, "Privacy officer",
                                s.agreement.signed_on, today, its);
      if (!st.ok()) return st;
    }
  }
  return core::Status::Ok();
}

// The equipment register, once: a laptop issued to the demo teacher whose
// acknowledgement waits, a tablet in stock, a projector past its end of
// life (K.8), a Chromebook reported stolen with a charge owed (R), and a
// laptop still held by an employee who left.
core::Status SeedEquipment(store::Database& db, const policy::PolicyPack& pack,
                           int64_t teacher) {
  auto n = db.Query("SELECT COUNT(*) FROM assets");
  if (!n.ok()) return n.status();
  if (!n->empty() && n->front().Int(0) > 0) return core::Status::Ok();
  const audit::Actor its{"admin", "192.0.2.5"};
  core::Sha256 h;
  h.Update(pack.equipment.terms);
  const std::string terms = h.HexDigest();
  struct Seed {
    equipment::NewAsset asset;
    const char* then;  // "", "issue", "stolen"
  };
  const std::vector<Seed> seeds = {
      {{.tag = "LES-1001",
        .serial = "5CD2401ABC",
        .model = "Latitude 3440",
        .category = "Laptop",
        .manufacturer = "Dell",
        .site = "Lincoln Elementary",
        .purchased_on = "2024-07-15",
        .eol_on = "2029-07-15",
        .cost = "1049.50"},
       "issue"},
      {{.tag = "LES-1002",
        .serial = "DMPXK2Q1",
        .model = "iPad (9th gen)",
        .category = "Tablet",
        .manufacturer = "Apple",
        .site = "Lincoln Elementary",
        .purchased_on = "2023-01-10",
        .eol_on = "2028-01-10",
        .cost = "329.00"},
       ""},
      {{.tag = "LES-0417",
        .model = "PowerLite 118",
        .category = "Projector",
        .manufacturer = "Epson",
        .site = "Lincoln Elementary",
        .purchased_on = "2019-03-01",
        .eol_on = "2024-03-01",
        .cost = "599.00"},
       ""},
      {{.tag = "LES-1003",
        .serial = "NXHKBAA001",
        .model = "Chromebook 311",
        .category = "Laptop",
        .manufacturer = "Acer",
        .site = "Lincoln Elementary",
        .purchased_on = "2022-08-01",
        .eol_on = "2026-08-01",
        .cost = "249.00"},
       "stolen"},
  };
  for (const auto& s : seeds) {
    auto id = equipment::Add(db, s.asset, its);
    if (!id.ok()) return id.status();
    if (std::string(s.then).empty() || teacher == 0) continue;
    auto issued = equipment::IssueTo(db, *id, teacher, terms, its);
    if (!issued.ok()) return issued.status();
    if (std::string(s.then) == "stolen") {
      auto st = equipment::Report(
          db, *id, "stolen",
          "Left visible in a parked car at the district office; the window "
          "was broken.",
          pack.equipment.charges ? "249.00" : "", 0, its);
      if (!st.ok()) return st;
    }
  }
  // A laptop still held by an employee who left (offboarding, R).
  auto leaver = db.Query(
      "SELECT id FROM people WHERE kind = 'employee' AND status = 'active' "
      "AND id <> ? ORDER BY id DESC LIMIT 1",
      {store::P(teacher)});
  if (!leaver.ok()) return leaver.status();
  if (leaver->empty()) return core::Status::Ok();
  const int64_t who = leaver->front().Int(0);
  auto id = equipment::Add(db,
                           {.tag = "LES-0950",
                            .serial = "5CD1907XYZ",
                            .model = "Latitude 3410",
                            .category = "Laptop",
                            .manufacturer = "Dell",
                            .site = "Lincoln Elementary",
                            .purchased_on = "2020-08-01",
                            .eol_on = "2025-08-01",
                            .cost = "899.00"},
                           its);
  if (!id.ok()) return id.status();
  auto issued = equipment::IssueTo(db, *id, who, terms, its);
  if (!issued.ok()) return issued.status();
  return db.Exec("UPDATE people SET status = 'departed' WHERE id = ?",
                 {store::P(who)});
}

// The directory's accounts (N.1, N.2), as a nightly `steward directory
// read` would keep them: one for each employee, most changed this
// semester, some not; the demo employee's not, so their home page says so;
// a few with nobody behind them; a service account; a disabled one.
core::Status SeedDirectory(store::Database& db, const policy::PolicyPack& pack,
                           int64_t employee) {
  auto n = db.Query("SELECT COUNT(*) FROM directory_reads");
  if (!n.ok()) return n.status();
  if (!n->empty() && n->front().Int(0) > 0) return core::Status::Ok();
  auto people = db.Query(
      "SELECT id, email, given_name || ' ' || family_name FROM people WHERE "
      "kind = 'employee' AND status = 'active' AND email <> '' ORDER BY id "
      "LIMIT 1000");
  if (!people.ok()) return people.status();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const int64_t day = 86400, created = 1722470400;  // 2024-08-01
  std::vector<directory::Account> accounts;
  for (const auto& r : *people) {
    const std::string& mail = r.Text(1);
    directory::Account a;
    a.username = mail.substr(0, mail.find('@'));
    a.entry_id = "demo-" + a.username;
    a.dn = "uid=" + a.username + ",ou=staff,dc=district,dc=example";
    a.email = mail;
    a.display_name = r.Text(2);
    a.created_at = created;
    const int64_t k = r.Int(0) % 20;
    // Most within the last 60 days; one in five some 150 to 210 days ago.
    a.changed_at = r.Int(0) == employee ? now - 160 * day
                   : k < 4              ? now - (150 + k * 15) * day
                                        : now - (k * 3) * day;
    accounts.push_back(std::move(a));
  }
  auto extra = [&](const char* user, const char* name, int64_t changed,
                   bool disabled) {
    directory::Account a;
    a.username = user;
    a.entry_id = std::string("demo-") + user;
    a.dn = std::string("uid=") + user + ",ou=staff,dc=district,dc=example";
    a.display_name = name;
    a.created_at = created;
    a.changed_at = changed;
    a.disabled = disabled;
    accounts.push_back(std::move(a));
  };
  extra("substitute07", "Substitute 07", now - 400 * day, false);
  extra("jkowalski", "Jan Kowalski", now - 300 * day, false);
  extra("svc-backup", "Backup service", now - 700 * day, false);
  extra("summer.intern", "Summer Intern", now - 150 * day, true);
  return directory::Record(db, accounts, pack.accounts,
                           "ldap://dc.district.example ou=staff",
                           {"system", ""})
      .status();
}

core::Status SeedDoors(const std::shared_ptr<store::Database>& db,
                       const std::string& data, const std::string& teacher,
                       const std::string& login) {
  for (const char* table : {"quarantine", "incidents"}) {
    auto n = db->Query(std::string("SELECT COUNT(*) FROM ") + table);
    if (!n.ok()) return n.status();
    if (!n->empty() && n->front().Int(0) > 0) return core::Status::Ok();
  }
  auto engine = engine::Engine::Create({.cache_dir = "none"});
  if (!engine.ok()) return engine.status();
  auto scratch = (*engine)->NewScratch();
  if (auto st = SeedVendors(*db, (*engine)->pack()); !st.ok()) return st;
  enforce::Enforcer enforcer(db,
                             {.blobs_dir = data + "/blobs", .sendmail = ""});
  // An upload as the web door gives it to the engine.
  const std::string kUpload = icap::UploadHead("text/plain");
  struct Item {
    policy::Channel channel;
    std::string to, body;
    std::string sender = "";  // "": the teacher
  };
  const std::string from =
      teacher.empty() ? "ateacher@example-usd.org" : teacher;
  std::vector<Item> items = {
      {policy::Channel::kMail, "parent.volunteer@gmail.com",
       "From: " + from +
           "\r\nTo: parent.volunteer@gmail.com\r\n"
           "Subject: Field trip emergency contacts\r\nMessage-ID: "
           "<demo-1@example-usd.org>\r\n\r\nHer date of birth is 04/12/2011 "
           "and she lives at 42 Oak Street.\r\n"},
      {policy::Channel::kWeb, "drive.google.com",
       kUpload +
           "Maria's Social Security number is 512-44-7832 and her date of "
           "birth is 04/12/2011.\n"},
      {policy::Channel::kWeb, "files.example.net",
       kUpload +
           "Payroll correction: SSN 512-44-7833, date of birth 11/03/1979.\n"},
      {policy::Channel::kWeb, "drive.google.com",
       kUpload + "Field trip forms are due Friday.\n"},
      // Mail to an "All District" list: held for the designee (C.12),
      // and asked for below.
      {policy::Channel::kMail, "all-staff@example-usd.org",
       "From: " + from +
           "\r\nTo: all-staff@example-usd.org\r\n"
           "Subject: Band bake sale on Friday\r\nMessage-ID: "
           "<demo-2@example-usd.org>\r\n\r\nThe band sells cookies in the "
           "staff room on Friday at noon; every sale pays for the trip.\r\n"},
      // Student IDs to a vendor whose agreement is in force, and to one
      // whose agreement misses terms (refused, E.6).
      {policy::Channel::kMail, "support@sis-vendor.example.com",
       "From: " + from +
           "\r\nTo: support@sis-vendor.example.com\r\n"
           "Subject: Grade import\r\nMessage-ID: "
           "<demo-3@example-usd.org>\r\n\r\nStudent ID: 20231187 needs "
           "the grade change in Algebra 1.\r\nStudent ID: 20231188 too.\r\n"},
      {policy::Channel::kWeb, "api.readingtutor.example.com",
       kUpload + "Student ID: 20231187, reading level 3.\nStudent ID: "
                 "20231188, reading level 4.\n"},
      // The first upload tried again: an event of the same incident.
      {policy::Channel::kWeb, "drive.google.com",
       kUpload +
           "Maria's Social Security number is 512-44-7832 and her date of "
           "birth is 04/12/2011.\n"},
  };
  // The same employee insulting one colleague three times in a week: each
  // held (C.16, C.18), the third opens a C.19 incident for ITS and the
  // designee to triage.
  for (int i = 1; i <= 3; ++i) {
    items.push_back(
        {policy::Channel::kMail, "colleague@example-usd.org",
         fmt::format("From: coach.rivera@example-usd.org\r\nTo: "
                     "colleague@example-usd.org\r\nSubject: schedule, "
                     "again\r\nMessage-ID: <demo-conduct-{}@example-usd.org>"
                     "\r\n\r\nThat meeting was a fucking waste of time, you "
                     "useless idiot.\r\n",
                     i),
         "coach.rivera@example-usd.org"});
  }
  int held = 0, refused = 0, incidents = 0, conduct = 0;
  int n = 0;
  int64_t mass_mail = 0;
  for (const Item& item : items) {
    enforce::Context c;
    c.envelope.channel = item.channel;
    c.envelope.sender = item.channel == policy::Channel::kWeb ? login
                        : item.sender.empty()                 ? from
                                                              : item.sender;
    // The web door knows the user from Squid; the mail came from a
    // District server without SMTP AUTH.
    if (item.channel == policy::Channel::kWeb) c.envelope.auth_user = login;
    c.envelope.client = "192.0.2.15";
    c.envelope.recipients = {item.to};
    c.envelope.size = item.body.size();
    c.reference =
        fmt::format("{}-demo{:07d}",
                    item.channel == policy::Channel::kWeb ? "W" : "Q", ++n);
    auto out = enforcer.Apply(**engine, *scratch, c, item.body);
    if (out.disposition == enforce::Disposition::kFailed)
      return core::Status::Internal(out.failure);
    held += out.disposition == enforce::Disposition::kHeld;
    if (item.to == "all-staff@example-usd.org") mass_mail = out.held_id;
    refused += out.block_incident != 0;
    incidents += out.block_incident_opened;
    conduct += out.incident_opened;
  }
  // A program download stopped at the warn page, and the user's choice to
  // go on (the door records it when its continue link is followed).
  auto st = enforcer.Note("web.warn-continue",
                          fmt::format("upload/W-demo{:07d}", ++n),
                          {{"user", login},
                           {"host", "download.example.net"},
                           {"rule", "executable-web-confirm"},
                           {"minutes", 30}},
                          {"web", "192.0.2.15"});
  if (!st.ok()) return st;
  // An employee's report of a possible security problem (K.2), as the
  // portal's "Report a problem" page makes it.
  const auto& reports = (*engine)->pack().incidents.reports;
  if (!reports.empty()) {
    const auto& kind = reports.front();
    auto id = incidents::Report(
        *db,
        {.kind = kind.id,
         .clauses = kind.clauses,
         .severity = std::string(policy::SeverityName(kind.severity)),
         .summary = "A sticky note with the front office's password is "
                    "taped to the library computer's screen.",
         .where = "Library, Lincoln Elementary",
         .reporter = login},
        {login, "192.0.2.15"});
    if (!id.ok()) return id.status();
  }
  // Requests for consent (C.12, I.4), as the portal's "Requests" page
  // makes them: the bake-sale mail waits for the designee, a software
  // install for ITS.
  int asked = 0;
  const auto& types = (*engine)->pack().approvals;
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>>
      requests = {
          {"mass-mail",
           {{"audience", "All staff"},
            {"purpose", "The band's bake sale pays for its trip."},
            {"held_message", mass_mail ? std::to_string(mass_mail) : ""}}},
          {"software-install",
           {{"software", "GeoGebra Classic 6"},
            {"computers", "Room 14, Lincoln Elementary (30 laptops)"},
            {"licence", "free for schools"},
            {"purpose", "Grade 5 geometry lessons"}}}};
  for (const auto& [type, values] : requests) {
    const auto* t = types.Find(type);
    if (!t) continue;
    auto id = approvals::Create(*db, *t, values, login, {login, "192.0.2.15"});
    if (!id.ok()) return id.status();
    ++asked;
  }
  // A ruling of the Superintendent's designee (A.3), beside the regulation.
  const auto& pack = (*engine)->pack();
  auto ruling = rulings::Issue(
      *db,
      {.decided_on = core::NowUtc(-86400).substr(0, 10),
       .title = "Streaming music at a desk during duty hours",
       .text = "Streaming music or radio on a District computer during duty "
               "hours is not related to employment (A.3) and uses bandwidth "
               "the schools need (C.23). At lunch and after hours it is "
               "allowed at a low bit rate.",
       .clauses = {"A.3", "C.23"},
       .pack_version = pack.version,
       .pack_hash = pack.hash},
      {ShellActor(), ""});
  if (!ruling.ok()) return ruling.status();
  fmt::print(
      "Doors: {} messages held, {} uploads refused ({} incidents), {} C.19 "
      "incident (repeated conduct toward a colleague), 1 program download "
      "continued past its warning; {} report of a problem; {} requests for "
      "consent; 1 ruling; 4 vendors\n",
      held, refused, incidents, conduct, reports.empty() ? 0 : 1, asked);
  return core::Status::Ok();
}

// The records register, once (a store that has any item is left as it is):
// a custodian's mailbox of several school years written as a Maildir under
// DATA, indexed through the engine, a hold, and a destruction list that
// `custodian` made and a second records custodian (admin) may decide.
core::Status SeedRecords(const std::shared_ptr<store::Database>& db,
                         const std::string& data) {
  auto n = db->Query("SELECT COUNT(*) FROM records_items");
  if (!n.ok()) return n.status();
  if (!n->empty() && n->front().Int(0) > 0) return core::Status::Ok();
  namespace fs = std::filesystem;
  fs::path md = fs::path(data) / "records" / "mhale" / "Maildir";
  std::error_code ec;
  for (const char* d : {"cur", "new", "tmp", ".Sent/cur", ".Sent/new",
                        ".Sent/tmp", ".Board/cur", ".Board/new", ".Board/tmp",
                        ".Projects/cur", ".Projects/new", ".Projects/tmp"})
    fs::create_directories(md / d, ec);
  struct Msg {
    const char* dir;
    const char* from;
    const char* subject;
    int64_t at;  // delivered, UTC seconds; the Date field says the same
    const char* body;
  };
  const Msg mail[] = {
      {"cur", "pta@example-usd.org", "Bake sale volunteers", 1665504720,
       "Thank you for signing up for the bake sale on Friday."},
      {"cur", "facilities@example-usd.org", "Parking lot B closed", 1678117500,
       "Lot B is closed for resurfacing until Wednesday."},
      {"cur", "hr@example-usd.org", "Evaluation and grievance meeting",
       1671060600,
       "Your annual performance evaluation and the disciplinary action "
       "notice will be placed in your personnel file. The grievance meeting "
       "is on Monday."},
      {"cur", "nurse@example-usd.org", "Medication on the field trip",
       1682010300,
       "Daniel has asthma and needs his inhaler on the bus; his IEP lists "
       "the accommodations."},
      {".Sent/cur", "mhale@example-usd.org", "Re: Bake sale volunteers",
       1665517200, "Count me in for two dozen muffins."},
      {".Board/cur", "clerk@example-usd.org", "Minutes of the October meeting",
       1666314000, "The board approved the facilities plan, five to zero."},
      {".Projects/cur", "mhale@example-usd.org", "Science fair layout",
       1706911200, "Tables along the north wall."},
      {"new", "principal@example-usd.org", "Staff meeting moved", 1794844800,
       "This week's staff meeting is on Thursday."},
  };
  int i = 0;
  for (const Msg& m : mail) {
    char date[64];
    time_t t = static_cast<time_t>(m.at);
    struct tm tm {};
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string text = fmt::format(
        "From: {}\r\nTo: mhale@example-usd.org\r\nSubject: {}\r\nDate: "
        "{}\r\nMessage-ID: <records-demo-{}@example-usd.org>\r\n\r\n{}\r\n",
        m.from, m.subject, date, ++i, m.body);
    // A Maildir name starts with the time of delivery.
    std::string name = fmt::format(
        "{}.M{}P1.demo{}", m.at, i,
        std::string(m.dir).find("cur") != std::string::npos ? ":2,S" : "");
    if (auto st = core::WriteFileAtomic((md / m.dir / name).string(), text);
        !st.ok())
      return st;
  }
  auto pack = policy::LoadPack(policy::DefaultPackDir());
  if (!pack.ok())
    return core::Status::Internal("the bundled pack does not load");
  // Values kept: the production below removes them.
  auto engine =
      engine::Engine::Create({.cache_dir = "none", .show_values = true});
  if (!engine.ok()) return engine.status();
  records::Register reg(*db, pack.pack);
  const audit::Actor custodian{"custodian", ""};
  auto report = reg.Index(md.string(), "mhale", "demo: annual records review",
                          RecordsReader(**engine), custodian);
  if (!report.ok()) return report.status();
  records::HoldQuery q;
  q.custodians = {"mhale"};
  q.subject = "grievance";
  auto hold =
      reg.PlaceHold("Hale grievance 2022-23",
                    "A grievance is pending; keep its mail.", q, custodian);
  if (!hold.ok()) return hold.status();
  auto list = reg.MakeList(reg.Today(), custodian);
  if (!list.ok()) return list.status();
  // Two public-records requests: one open and near its day, one extended.
  records::Requests requests(*db, pack.pack);
  const int64_t now = static_cast<int64_t>(time(nullptr));
  auto open = requests.Intake(
      "J. Reporter, Valley Courier", "jreporter@example.com",
      "All mail of the facilities department about the Lot B resurfacing "
      "contract, March 2023.",
      now - int64_t{8} * 86400, custodian);
  if (!open.ok()) return open.status();
  auto big = requests.Intake("A. Parent", "",
                             "Every message that names my son in 2022-23.",
                             now - int64_t{5} * 86400, custodian);
  if (!big.ok()) return big.status();
  if (auto st = requests.Extend(
          big->id, 14, records::ExtensionReason::kVoluminous, custodian);
      !st.ok())
    return st;
  // The parent's request answered in part: the nurse's note, released with
  // the child's health matter redacted under FERPA.
  std::vector<int64_t> nurse;
  records::Register::Query iq;
  iq.custodian = "mhale";
  iq.limit = 100;
  auto items = reg.Items(iq);
  if (!items.ok()) return items.status();
  for (const auto& it : *items)
    if (it.subject == "Medication on the field trip") nurse.push_back(it.id);
  const fs::path out = fs::path(data) / "records" / "productions" /
                       fmt::format("request-{}", big->id);
  fs::remove_all(out, ec);
  fs::create_directories(out.parent_path(), ec);
  release::ProductionOptions po;
  po.prefix = "USD";
  auto produced = ProduceForRequest(reg, requests, **engine, big->id, nurse, {},
                                    po, out.string(), custodian, false);
  if (!produced.ok()) return produced.status();
  // A teacher who retired (D.4): what the rules let go is listed for a
  // second custodian; the rest passes to mhale.
  fs::path gone = fs::path(data) / "records" / "jlee" / "Maildir";
  for (const char* d :
       {"cur", "new", "tmp", ".Board/cur", ".Board/new", ".Board/tmp"})
    fs::create_directories(gone / d, ec);
  const Msg left[] = {
      {"cur", "pta@example-usd.org", "Book fair helpers", 1634050800,
       "The book fair needs two helpers on Tuesday."},
      {".Board/cur", "clerk@example-usd.org", "Minutes of the May meeting",
       1652288400, "The board adopted the 2022-23 calendar."},
      {"cur", "principal@example-usd.org", "Classroom keys", 1780000000,
       "Please return your classroom keys to the office."},
  };
  for (const Msg& m : left) {
    std::string text = fmt::format(
        "From: {}\r\nTo: jlee@example-usd.org\r\nSubject: {}\r\nMessage-ID: "
        "<records-demo-{}@example-usd.org>\r\n\r\n{}\r\n",
        m.from, m.subject, ++i, m.body);
    if (auto st = core::WriteFileAtomic(
            (gone / m.dir / fmt::format("{}.M{}P1.demo:2,S", m.at, i)).string(),
            text);
        !st.ok())
      return st;
  }
  auto lee = reg.Index(gone.string(), "jlee", "demo: offboarding a teacher",
                       RecordsReader(**engine), custodian);
  if (!lee.ok()) return lee.status();
  // The board clerk's old mail kept as one mbox file, as many mail servers
  // keep INBOX (/var/mail/clerk): each message an item.
  const fs::path clerk = fs::path(data) / "records" / "clerk.mbox";
  if (auto st = core::WriteFileAtomic(
          clerk.string(),
          "From clerk@example-usd.org Tue Nov 12 18:00:00 2019\n"
          "From: clerk@example-usd.org\nTo: board@example-usd.org\n"
          "Subject: Volunteer sign-up sheet\n"
          "Message-ID: <records-demo-clerk-1@example-usd.org>\n\n"
          "The sign-up sheet for the book fair is in the office.\n\n"
          "From clerk@example-usd.org Mon Mar  2 17:00:00 2020\n"
          "From: clerk@example-usd.org\nTo: staff@example-usd.org\n"
          "Subject: Room change\n"
          "Message-ID: <records-demo-clerk-2@example-usd.org>\n\n"
          "Tonight's meeting is in the library.\n");
      !st.ok())
    return st;
  auto mboxed =
      reg.Index(clerk.string(), "clerk", "demo: annual records review",
                RecordsReader(**engine), custodian);
  if (!mboxed.ok()) return mboxed.status();
  auto departed =
      reg.Offboard("jlee", records::Departure::kDispose, "mhale",
                   "Retired at the end of June; mhale takes over the class.",
                   reg.Today(), custodian);
  if (!departed.ok()) return departed.status();
  fmt::print(
      "Records: {} items of mhale's mailbox indexed, 1 hold, destruction list "
      "{} of {} items waiting for a second custodian, 2 public-records "
      "requests, a redacted production ({} to {}) in {}; {} messages of the "
      "clerk's mbox indexed; {}\n",
      report->added, list->id, list->items.size(), produced->first_bates,
      produced->last_bates, out.string(), mboxed->added,
      records::OffboardingText(*departed));
  return core::Status::Ok();
}

// A small District site with a problem of each kind the site audit finds,
// naming three of the demo's students, audited and kept for the portal's
// Sites page. Once: a store that has a site audit keeps it.
core::Status SeedSite(store::Database& db, const std::string& data) {
  auto n = db.Query("SELECT COUNT(*) FROM site_audits");
  if (!n.ok()) return n.status();
  if (!n->empty() && n->front().Int(0) > 0) return core::Status::Ok();
  auto students = people::Find(db, {.kind = "student", .limit = 400});
  if (!students.ok()) return students.status();
  const std::vector<std::string> high = {"09", "10", "11", "12"};
  const people::Person *young = nullptr, *other = nullptr, *older = nullptr;
  for (const auto& p : *students) {
    bool hs = publish::LevelOf(p.grade, high) == publish::Level::kHighSchool;
    if (hs && !older) older = &p;
    if (!hs && !young) {
      young = &p;
    } else if (!hs && !other && p.family_name != young->family_name) {
      other = &p;
    }
  }
  if (!young || !other || !older) return core::Status::Ok();
  const audit::Actor actor{ShellActor(), ""};
  const auto all = people::Scope::EverySite();
  for (auto [p, level] : {std::pair{young, "limited"}, std::pair{other, "none"},
                          std::pair{older, "limited"}})
    if (auto st = people::SetPublishing(db, p->id, {level, false}, actor, all);
        !st.ok())
      return st;
  namespace fs = std::filesystem;
  const fs::path site = fs::path(data) / "site";
  std::error_code ec;
  fs::create_directories(site / "elementary", ec);
  fs::create_directories(site / "high", ec);
  auto write = [&](const fs::path& f, const std::string& text) {
    return core::WriteFileAtomic(f.string(), text);
  };
  const std::string head =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">";
  core::Status st = write(
      site / "index.html",
      head +
          "<title>Example Unified School District</title></head><body>"
          "<h1>Example Unified</h1><p><a href=\"elementary/\">Elementary"
          "</a> · <a href=\"high/\">High school</a> · <a href=\"news/"
          "gala.html\">Gala</a> · <a href=\"https://sites.google.com/view/"
          "eusd-chess-club\">Chess club</a></p></body></html>");
  if (st.ok())
    st = write(
        site / "elementary" / "index.html",
        head +
            "<title>Elementary news</title><script async src=\"https://"
            "pagead2.googlesyndication.com/pagead/js/adsbygoogle.js\">"
            "</script></head><body><h1>News</h1><p>Congratulations to " +
            young->FullName() +
            ", winner of the spelling bee!</p><p>Thanks "
            "to " +
            other->given_name + " " + other->family_name.substr(0, 1) +
            ". for the mural.</p><p><a href=\"calendar.html\">Calendar</a>"
            "</p></body></html>");
  if (st.ok())
    st = write(site / "elementary" / "calendar.html",
               head +
                   "<title>Calendar</title><meta name=\"last-modified\" "
                   "content=\"2019-05-01\"></head><body><h1>Calendar</h1>"
                   "<p>Back to school night is in September.</p><p>Join "
                   "us for the spring concert on May 14, 2024, in the "
                   "gym.</p></body></html>");
  if (st.ok())
    st = write(site / "high" / "index.html",
               head +
                   "<title>High school</title></head><body><h1>Awards</h1>"
                   "<p>" +
                   older->FullName() +
                   " was named scholar athlete of the year.</p><p>Help the "
                   "band travel: <a href=\"https://www.gofundme.com/f/"
                   "band-trip\">donate</a>. Notes: <a href=\"https://mega.nz/"
                   "file/abc\">download</a>.</p></body></html>");
  if (!st.ok()) return st;
  // The registry: the District's site with its content manager and its
  // editors (one of them no employee: H.4), and an outside club site the
  // designee consented to.
  auto staff = people::Find(db, {.kind = "employee", .limit = 50});
  if (!staff.ok()) return staff.status();
  std::vector<const people::Person*> with_mail;
  for (const auto& p : *staff)
    if (!p.email.empty()) with_mail.push_back(&p);
  // The first employee is the demo's own ("employee"): someone else
  // manages the District site and reviews the work they submit.
  if (with_mail.size() >= 3) {
    auto district =
        sites::RegisterSite(db,
                            {"Example Unified School District", "district",
                             "https://www.example-usd.org/", false, "",
                             with_mail[1]->email, with_mail[2]->email},
                            actor);
    if (!district.ok()) return district.status();
    auto club = sites::RegisterSite(
        db,
        {"Robotics club", "club",
         "https://sites.google.com/view/example-usd-robotics", true,
         "Superintendent's designee, 2026-09-01", with_mail[1]->email, ""},
        actor);
    if (!club.ok()) return club.status();
    auto editors = sites::SetEditors(
        db, *district,
        {{"webmaster", with_mail[1]->FullName(), with_mail[1]->email,
          "administrator", 0},
         {"news", with_mail[2]->FullName(), with_mail[2]->email, "editor", 0},
         {"pta-volunteer", "PTA volunteer", "pta.volunteer@example.com",
          "author", 0}},
        "csv", actor);
    if (!editors.ok()) return editors.status();
    // Student work waiting for review (H.4.a): the demo employee's poem
    // for the District site, naming a student in full, with the gate's
    // verdict.
    const std::string poem =
        "The ocean\n\nThe ocean is wide and blue,\n"
        "and it sings to me at night.\n\nby " +
        young->FullName() + ", grade " + young->grade + "\n";
    std::string verdict = "{}", action = "unchecked";
    if (auto kit = MakePublishKit(db, {}, {}); kit.ok()) {
      auto check = publish::CheckItem(
          *(*kit)->auditor,
          {"https://www.example-usd.org/", "poem.txt", "text/plain", poem},
          "employee");
      if (check.ok()) {
        auto j = publish::ToJson(*check);
        verdict = j.dump();
        action = j["action"].get<std::string>();
      }
    }
    store::Blobs blobs(data + "/blobs");
    auto sub =
        sites::Submit(db, blobs,
                      {*district, young->id, "The ocean (a poem)", "poem.txt",
                       "text/plain; charset=utf-8", poem, verdict, action},
                      {"employee", ""});
    if (!sub.ok()) return sub.status();
    fmt::print(
        "Student work: a poem by the employee waits for the District site's "
        "content manager (gate: {})\n",
        action);
  }
  auto audited = AuditSite(db, {}, site.string(),
                           "https://www.example-usd.org/", {}, true, false);
  if (!audited.ok()) return audited.status();
  fmt::print("Site audit {}: {} pages, {} findings (the portal's Sites page)\n",
             audited->recorded, audited->report.pages,
             audited->report.findings.size());
  return core::Status::Ok();
}

int Demo(const StoreFlags& flags, const std::string& roster, int share) {
  auto db = flags.Open();
  if (!db.ok()) {
    fmt::print(stderr, "steward demo: {}\n", db.status().message());
    return 1;
  }
  store::Database& store = **db;
  const identity::Actor actor{ShellActor(), ""};
  auto imported = people::ImportOneRoster(store, roster, {actor.name, ""});
  if (!imported.ok()) {
    fmt::print(stderr, "steward demo: {}\n", imported.status().message());
    return 1;
  }
  fmt::print("People: {}\n", imported->Summary());
  auto policy = identity::PasswordPolicy::Load("", "off");
  if (!policy.ok()) return 1;

  auto teachers =
      people::Find(store, {.kind = "employee", .text = "", .limit = 1});
  int64_t teacher_id =
      teachers.ok() && !teachers->empty() ? teachers->front().id : 0;
  auto admin_pw = EnsureAccount(
      store, **policy,
      {.username = "admin",
       .display_name = "Demo Administrator",
       .roles = {identity::Role::kItsAdmin, identity::Role::kDesignee,
                 identity::Role::kRecordsCustodian}});
  auto custodian_pw =
      EnsureAccount(store, **policy,
                    {.username = "custodian",
                     .display_name = "Demo Records Custodian",
                     .roles = {identity::Role::kRecordsCustodian}});
  identity::NewAccount employee{.username = "employee",
                                .display_name = "Demo Employee",
                                .person_id = teacher_id};
  if (teacher_id) {
    employee.display_name = teachers->front().FullName();
    employee.email = teachers->front().email;
  }
  auto employee_pw = EnsureAccount(store, **policy, employee);
  if (!admin_pw.ok() || !employee_pw.ok() || !custodian_pw.ok()) {
    fmt::print(stderr, "steward demo: {}\n",
               (!admin_pw.ok()      ? admin_pw.status()
                : !employee_pw.ok() ? employee_pw.status()
                                    : custodian_pw.status())
                   .message());
    return 1;
  }
  // The administrator is the demo's second records custodian.
  if (auto a = identity::FindAccount(store, "admin");
      a.ok() && !a->roles.Has(identity::Role::kRecordsCustodian)) {
    identity::Roles roles = a->roles;
    roles.Add(identity::Role::kRecordsCustodian);
    (void)identity::SetRoles(store, a->id, roles, {ShellActor(), ""});
  }

  auto versions = acknowledge::Versions(store);
  auto campaigns = acknowledge::Campaigns(store);
  if (versions.ok() && versions->empty()) {
    auto pack = policy::LoadPack(policy::DefaultPackDir());
    if (!pack.ok()) {
      fmt::print(stderr, "steward demo: the bundled pack does not load\n");
      return 1;
    }
    store::Blobs blobs(flags.data + "/blobs");
    auto v = acknowledge::AddVersion(
        store, blobs, "Employee Use of Technology, 2026–27",
        "employee-use-of-technology.html", RegulationHtml(*pack.pack),
        {actor.name, ""});
    if (!v.ok()) {
      fmt::print(stderr, "steward demo: {}\n", v.status().message());
      return 1;
    }
    acknowledge::Campaign c;
    c.title = "Annual acknowledgement 2026–27";
    c.version_id = v->id;
    c.opens_on = acknowledge::AddDays(acknowledge::Today(), -10);
    c.due_on = acknowledge::AddDays(acknowledge::Today(), 20);
    auto made = acknowledge::CreateCampaign(store, c, {actor.name, ""});
    if (!made.ok()) {
      fmt::print(stderr, "steward demo: {}\n", made.status().message());
      return 1;
    }
    // Most employees have already acknowledged; sites differ, so the chart
    // has a shape. Evidence addresses are documentation addresses.
    int done = 0, n = 0;
    (void)acknowledge::EachStatus(
        store, *made, false, [&](const acknowledge::StatusRow& r) {
          ++n;
          if (r.person_id == teacher_id) return true;
          int bucket =
              static_cast<int>((r.person_id * 37 + r.site.size() * 11) % 100);
          if (bucket >= share + static_cast<int>(r.site.size() % 4) * 8 - 12)
            return true;
          (void)acknowledge::RecordOpen(store, made->id, r.person_id);
          if (acknowledge::Acknowledge(
                  store, made->id, r.person_id,
                  {fmt::format("192.0.2.{}", r.person_id % 250 + 1),
                   "demo data"},
                  "demo")
                  .ok()) {
            ++done;
          }
          return true;
        });
    fmt::print("Campaign \"{}\": {} of {} employees acknowledged\n", c.title,
               done, n);
  }
  auto bundled = policy::LoadPack(policy::DefaultPackDir());
  if (!bundled.ok()) {
    fmt::print(stderr, "steward demo: the bundled pack does not load\n");
    return 1;
  }
  if (auto st = SeedEquipment(**db, *bundled.pack, teacher_id); !st.ok()) {
    fmt::print(stderr, "steward demo: {}\n", st.message());
    return 1;
  }
  if (auto st = SeedDirectory(**db, *bundled.pack, teacher_id); !st.ok()) {
    fmt::print(stderr, "steward demo: {}\n", st.message());
    return 1;
  }
  if (auto st = SeedDoors(*db, flags.data, employee.email, "employee");
      !st.ok()) {
    fmt::print(stderr, "steward demo: {}\n", st.message());
    return 1;
  }
  if (auto st = SeedRecords(*db, flags.data); !st.ok()) {
    fmt::print(stderr, "steward demo: {}\n", st.message());
    return 1;
  }
  if (auto st = SeedSite(store, flags.data); !st.ok()) {
    fmt::print(stderr, "steward demo: {}\n", st.message());
    return 1;
  }
  fmt::print("\nSign in as the administrator:  admin / {}\n", *admin_pw);
  fmt::print("Sign in as an employee:        employee / {}\n", *employee_pw);
  fmt::print("Sign in as a records custodian: custodian / {}\n", *custodian_pw);
  return 0;
}

}  // namespace

void RegisterDemo(CLI::App& app, std::function<int()>& run) {
  auto* cmd = app.add_subcommand(
      "demo", "Seed a demo district (people, regulation, campaign, accounts)");
  auto flags = std::make_shared<StoreFlags>();
  flags->Add(cmd);
  auto roster = std::make_shared<std::string>();
  auto share = std::make_shared<int>(68);
  cmd->add_option("--roster", *roster,
                  "OneRoster export to load (steward-corpus --roster)")
      ->required();
  cmd->add_option("--acknowledged", *share,
                  "Percent of employees who have acknowledged")
      ->capture_default_str();
  cmd->callback([&run, flags, roster, share] {
    run = [=] { return Demo(*flags, *roster, *share); };
  });
}

}  // namespace steward::cli
