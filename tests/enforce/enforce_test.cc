// The enforcement layer on both stores: every action carried out, a release
// coming back once, C.19 escalation, a dry run that stores nothing, and a
// store that fails mid-way (the outcome is the failure action, nothing
// half-written, the audit chain intact); notices whose subjects a sender
// wrote.
#include "enforce/enforce.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "audit/chain.h"
#include "core/outbound_mail.h"
#include "core/text.h"
#include "enforce/notices.h"
#include "incidents/incidents.h"
#include "quarantine/quarantine.h"
#include "store/blobs.h"
#include "test_store.h"
#include "test_util.h"
#include "vendors/vendors.h"

namespace steward {
namespace {

using enforce::Disposition;

std::string Golden(const std::string& name) {
  return testing::ReadAll(testing::SourceDir() + "/tests/golden/cases/mail/" +
                          name + ".eml");
}

class EnforceTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    blobs_ = (dir_ / "blobs").string();
    // No sendmail: notices are reported in the outcome, not sent.
    enforcer_ = std::make_unique<enforce::Enforcer>(
        db_, enforce::Options{.blobs_dir = blobs_, .sendmail = ""});
    scratch_ = testing::BundledEngine().NewScratch();
  }

  enforce::Outcome Apply(const std::string& name, const std::string& to,
                         bool local = false, bool dry_run = false,
                         const std::string& from = "ateacher@example-usd.org",
                         const std::string& message = "") {
    enforce::Context c;
    c.envelope.sender = from;
    c.envelope.recipients = {to};
    c.envelope.client = local ? "localhost" : "192.0.2.10";
    c.reference = "Q" + name;
    c.local_submission = local;
    return enforcer_->Apply(testing::BundledEngine(), *scratch_, c,
                            message.empty() ? Golden(name) : message, dry_run);
  }

  // The golden case `name` as another message: its own Message-ID (the
  // same one again is a retry of the one already held).
  static std::string Another(const std::string& name, int n) {
    std::string m = Golden(name);
    const std::string id = "<" + name + "@";
    size_t at = m.find(id);
    if (at != std::string::npos)
      m.replace(at, id.size(), "<" + name + "-" + std::to_string(n) + "@");
    return m;
  }

  int64_t Count(const std::string& table) {
    auto rows = db_->Query("SELECT COUNT(*) FROM " + table);
    return rows.ok() && !rows->empty() ? rows->front().Int(0) : -1;
  }

  void ExpectChainIntact() {
    auto v = audit::Verify(*db_);
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_FALSE(v->broken_seq.has_value());
  }

  std::string blobs_;
  std::unique_ptr<enforce::Enforcer> enforcer_;
  std::unique_ptr<engine::Engine::Scratch> scratch_;
};
STEWARD_BOTH_BACKENDS(EnforceTest);

TEST_P(EnforceTest, EveryActionIsCarriedOutAndTranslatable) {
  auto plain = Apply("plain-outside", "friend@gmail.com");
  EXPECT_EQ(plain.disposition, Disposition::kDeliver);
  EXPECT_TRUE(plain.notices.empty());

  auto warn = Apply("ssn-inside", "counselor@example-usd.org");
  EXPECT_EQ(warn.disposition, Disposition::kDeliver);
  ASSERT_FALSE(warn.fields.empty());
  EXPECT_EQ(warn.fields[0].first, "X-Steward-Verdict");
  EXPECT_EQ(warn.fields[0].second.rfind("warn; rule=internal-caution", 0), 0u);
  EXPECT_EQ(warn.notices, std::vector<std::string>{"caution"});

  auto quarantined = Apply("dob-outside", "friend@gmail.com");
  EXPECT_EQ(quarantined.disposition, Disposition::kHeld);
  EXPECT_GT(quarantined.held_id, 0);
  EXPECT_EQ(quarantined.notices, std::vector<std::string>{"held"});
  EXPECT_TRUE(quarantined.fields.empty());

  auto held = Apply("all-district", "all-staff@example-usd.org");
  EXPECT_EQ(held.disposition, Disposition::kHeld);
  EXPECT_NE(held.held_id, quarantined.held_id);

  auto rejected = Apply("ssn-outside", "friend@gmail.com");
  EXPECT_EQ(rejected.disposition, Disposition::kRefused);
  EXPECT_NE(rejected.reply.find("(District policy E.2"), std::string::npos)
      << rejected.reply;
  EXPECT_EQ(rejected.held_id, 0);

  quarantine::Quarantine q(*db_, store::Blobs(blobs_));
  auto list = q.List({.status = "held"});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  // A retry of a held message (the MTA did not hear the answer) is found.
  auto again = Apply("dob-outside", "friend@gmail.com");
  EXPECT_EQ(again.held_id, quarantined.held_id);
  ExpectChainIntact();
}

TEST_P(EnforceTest, AReleasedMessageComesBackOnceThroughTheDoor) {
  auto held = Apply("dob-outside", "friend@gmail.com");
  ASSERT_EQ(held.disposition, Disposition::kHeld);
  quarantine::Quarantine q(*db_, store::Blobs(blobs_));
  auto reinject = [](std::string_view, const std::string&,
                     const std::vector<std::string>&) {
    return core::Status::Ok();
  };
  ASSERT_TRUE(q.Release(held.held_id, {"cli:its", ""}, reinject).ok());
  // From outside it is judged as any message: held again.
  auto smtp = Apply("dob-outside", "friend@gmail.com", false);
  EXPECT_EQ(smtp.disposition, Disposition::kHeld);
  auto back = Apply("dob-outside", "friend@gmail.com", true);
  EXPECT_EQ(back.disposition, Disposition::kDeliver);
  EXPECT_TRUE(back.released_return);
  EXPECT_FALSE(back.verdict.has_value());
  // One release lets one copy through.
  auto twice = Apply("dob-outside", "friend@gmail.com", true);
  EXPECT_FALSE(twice.released_return);
  EXPECT_EQ(twice.disposition, Disposition::kHeld);
  ExpectChainIntact();
}

TEST_P(EnforceTest, RepeatedConductToOneRecipientOpensOneIncident) {
  int64_t third = 0;
  std::vector<int64_t> held;
  for (int i = 1; i <= 5; ++i) {
    auto out = Apply("profanity", "colleague@example-usd.org", false, false,
                     "ateacher@example-usd.org", Another("profanity", i));
    ASSERT_NE(out.disposition, Disposition::kFailed) << out.failure;
    EXPECT_EQ(out.incident_opened, i == 3) << "message " << i;
    if (i == 3) third = out.held_id;
    if (i >= 3) held.push_back(out.held_id);
  }
  // The fourth and fifth are events of the incident the third opened.
  EXPECT_EQ(Count("incidents"), 1);
  EXPECT_EQ(Count("conduct_events"), 5);
  auto log = audit::List(*db_, {.action = "incident.open"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
  auto repeats = audit::List(*db_, {.action = "incident.repeat"});
  ASSERT_TRUE(repeats.ok());
  EXPECT_EQ(repeats->size(), 2u);
  auto opened = db_->Query("SELECT id, repeats FROM incidents");
  ASSERT_TRUE(opened.ok() && opened->size() == 1);
  EXPECT_EQ(opened->front().Int(1), 2);
  // Each message from the third on is evidence, by the held copy's hash.
  auto evidence = incidents::EvidenceOf(*db_, opened->front().Int(0));
  ASSERT_TRUE(evidence.ok());
  ASSERT_EQ(evidence->size(), 3u);
  std::set<std::string> refs;
  for (const auto& e : *evidence) {
    refs.insert(e.ref);
    EXPECT_EQ(e.sha256.size(), 64u);
  }
  for (int64_t id : held)
    EXPECT_TRUE(refs.count("quarantine/" + std::to_string(id))) << id;
  EXPECT_TRUE(refs.count("quarantine/" + std::to_string(third)));
  // Another recipient is another incident.
  for (int i = 1; i <= 3; ++i) Apply("profanity", "principal@example-usd.org");
  EXPECT_EQ(Count("incidents"), 2);
  ExpectChainIntact();
}

// Doors that share a store (two milter processes on one PostgreSQL) may
// count the same third message at once: still one incident, every message
// an event of it, and one audit chain.
TEST_P(EnforceTest, RepeatedConductFromParallelDoorsOpensOneIncident) {
  for (int i = 1; i <= 2; ++i)
    ASSERT_NE(Apply("profanity", "colleague@example-usd.org", false, false,
                    "ateacher@example-usd.org", Another("profanity", i))
                  .disposition,
              Disposition::kFailed);
  constexpr int kDoors = 4;
  std::vector<std::unique_ptr<enforce::Enforcer>> doors;
  for (int d = 0; d < kDoors; ++d)
    doors.push_back(std::make_unique<enforce::Enforcer>(
        db_, enforce::Options{.blobs_dir = blobs_, .sendmail = ""}));
  std::vector<enforce::Outcome> outs(kDoors);
  std::vector<std::thread> threads;
  for (int d = 0; d < kDoors; ++d)
    threads.emplace_back([&, d] {
      auto scratch = testing::BundledEngine().NewScratch();
      enforce::Context c;
      c.envelope.sender = "ateacher@example-usd.org";
      c.envelope.recipients = {"colleague@example-usd.org"};
      c.envelope.client = "192.0.2.10";
      c.reference = "Qdoor" + std::to_string(d);
      outs[d] = doors[d]->Apply(testing::BundledEngine(), *scratch, c,
                                Another("profanity", 100 + d), false);
    });
  for (auto& t : threads) t.join();
  int opened = 0;
  for (const auto& o : outs) {
    ASSERT_NE(o.disposition, Disposition::kFailed) << o.failure;
    opened += o.incident_opened;
  }
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(Count("incidents"), 1);
  EXPECT_EQ(Count("quarantine"), 2 + kDoors);
  auto rows = db_->Query("SELECT repeats FROM incidents");
  ASSERT_TRUE(rows.ok() && rows->size() == 1);
  // Every door counted at least the two before it, so every door's message
  // is in the incident: one opened it, the others are its repeats.
  EXPECT_EQ(rows->front().Int(0) + 1, Count("incident_events"));
  EXPECT_EQ(Count("incident_events"), kDoors);
  ExpectChainIntact();
}

TEST_P(EnforceTest, ADryRunSaysWhatWouldHappenAndStoresNothing) {
  auto out = Apply("dob-outside", "friend@gmail.com", false, true);
  EXPECT_EQ(out.disposition, Disposition::kHeld);
  EXPECT_EQ(out.held_id, 0);
  EXPECT_EQ(out.notices, std::vector<std::string>{"held"});
  auto json = enforce::Enforcer::ToJson(out);
  EXPECT_EQ(json["outcome"]["disposition"], "held");
  EXPECT_EQ(json["action"], "quarantine");
  for (int i = 0; i < 3; ++i) {
    (void)Apply("profanity", "colleague@example-usd.org", false, true);
  }
  EXPECT_EQ(Count("quarantine"), 0);
  EXPECT_EQ(Count("conduct_events"), 0);
  EXPECT_EQ(Count("incidents"), 0);
}

TEST_P(EnforceTest, AStoreThatFailsIsTheFailureActionNotASilentZero) {
  // The conduct history cannot be read: escalation must not silently stop.
  ASSERT_TRUE(db_->Exec("DROP TABLE conduct_events").ok());
  auto out = Apply("profanity", "colleague@example-usd.org");
  EXPECT_EQ(out.disposition, Disposition::kFailed);
  EXPECT_EQ(out.on_failure, policy::FailureMode::kTempfail);
  EXPECT_FALSE(out.failure.empty());
  // A hold that cannot be written: nothing half-written, the chain intact.
  int64_t audit_before = Count("audit_log");
  ASSERT_TRUE(db_->Exec("DROP TABLE quarantine").ok());
  auto held = Apply("dob-outside", "friend@gmail.com");
  EXPECT_EQ(held.disposition, Disposition::kFailed);
  EXPECT_EQ(held.held_id, 0);
  EXPECT_TRUE(held.notices.empty());
  EXPECT_EQ(Count("audit_log"), audit_before);
  ExpectChainIntact();
  // Mail that needs no store still flows.
  EXPECT_EQ(Apply("ssn-outside", "friend@gmail.com").disposition,
            Disposition::kRefused);
}

// The vendor registry (E.6) decides where student data may go: the door
// sees an agreement once it is in force, and stops seeing it once ended;
// a registry that cannot be read is a failure, never "no vendor".
TEST_P(EnforceTest, TheVendorRegistryApprovesWhatTheDoorLetsThrough) {
  enforce::Enforcer fresh(
      db_, {.blobs_dir = blobs_, .sendmail = "", .vendors_seconds = 0});
  const auto& pack = testing::BundledEngine().pack();
  auto send = [&] {
    enforce::Context c;
    c.envelope.sender = "ateacher@example-usd.org";
    c.envelope.recipients = {"support@gradebook.example.net"};
    c.envelope.client = "192.0.2.10";
    c.reference = "Qvendor";
    return fresh.Apply(testing::BundledEngine(), *scratch_, c,
                       Golden("vendor-approved"), /*dry_run=*/true);
  };
  EXPECT_NE(send().disposition, Disposition::kDeliver) << "no vendor yet";
  const audit::Actor its{"itsadmin", ""};
  auto vendor = vendors::AddVendor(
      *db_, pack,
      {.name = "Gradebook Co", .domains = {"gradebook.example.net"}}, its);
  ASSERT_TRUE(vendor.ok());
  const std::string today = vendors::Today(pack);
  auto agreement = vendors::AddAgreement(
      *db_, pack, *vendor,
      {.title = "Hosting",
       .signed_on = "2026-01-01",
       .starts_on = "2026-01-01",
       .expires_on = "2045-01-01",
       .categories = {"student-id", "roster-student", "student-extract",
                      "grades-transcript", "program-eligibility"}},
      its);
  ASSERT_TRUE(agreement.ok()) << agreement.status().message();
  EXPECT_NE(send().disposition, Disposition::kDeliver) << "incomplete";
  for (const auto& t : pack.vendors.terms)
    ASSERT_TRUE(
        vendors::CheckTerm(*db_, pack, *agreement, t.id, "s. 3", its).ok());
  ASSERT_TRUE(
      vendors::Attest(*db_, *agreement, "Pat", "2026-01-02", today, its).ok());
  auto in_force = send();
  EXPECT_EQ(in_force.disposition, Disposition::kDeliver);
  ASSERT_TRUE(in_force.verdict.has_value());
  bool named = false;
  for (const auto& n : in_force.verdict->notes)
    named |= n.find("Gradebook Co: Hosting") != std::string::npos;
  EXPECT_TRUE(named) << "the verdict names the agreement";
  ASSERT_TRUE(vendors::End(*db_, *agreement, "Contract ended", its).ok());
  EXPECT_NE(send().disposition, Disposition::kDeliver) << "ended";
  ASSERT_TRUE(db_->Exec("DROP TABLE vendor_terms").ok());
  ASSERT_TRUE(db_->Exec("DROP TABLE vendor_agreements").ok());
  auto broken = send();
  EXPECT_EQ(broken.disposition, Disposition::kFailed);
  EXPECT_NE(broken.failure.find("vendor registry"), std::string::npos);
}

// The web: an upload cannot wait for a designee. A quarantine or a reject
// refuses it, and the refusal is a "web-block" incident that the block
// page's reference leads to; the record holds no value. A dry run records
// nothing; a store that fails gives the [web] on_failure.
// An upload by ateacher to `host` with the door's `reference`, as the door
// gives it to the enforcement layer: a MIME head, then the body.
enforce::Outcome WebUpload(enforce::Enforcer& enforcer,
                           engine::Engine::Scratch& scratch,
                           const std::string& host, const std::string& body,
                           const std::string& reference, bool dry_run) {
  enforce::Context c;
  c.envelope.channel = policy::Channel::kWeb;
  c.envelope.sender = "ateacher";
  c.envelope.auth_user = "ateacher";
  c.envelope.client = "192.0.2.44";
  c.envelope.recipients = {host};
  c.envelope.size = body.size();
  c.reference = reference;
  const std::string entity =
      "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body;
  return enforcer.Apply(testing::BundledEngine(), scratch, c, entity, dry_run);
}

TEST_P(EnforceTest, AWebUploadRefusedIsAnIncidentWithItsReference) {
  auto upload = [&](const std::string& host, const std::string& body,
                    bool dry_run = false) {
    return WebUpload(*enforcer_, *scratch_, host, body, "W-0123456789ab",
                     dry_run);
  };
  const std::string roster =
      "Maria's Social Security number is 512-44-7832 and her date of birth "
      "is 04/12/2011.";
  auto dry = upload("drive.google.com", roster, true);
  EXPECT_EQ(dry.disposition, Disposition::kRefused);
  EXPECT_EQ(dry.block_incident, 0);
  EXPECT_EQ(Count("incidents"), 0);

  auto out = upload("drive.google.com", roster);
  ASSERT_EQ(out.disposition, Disposition::kRefused) << out.failure;
  ASSERT_TRUE(out.verdict);
  EXPECT_EQ(out.verdict->rule, "cloud-upload-confidential");
  EXPECT_NE(out.reply.find("L.3.a"), std::string::npos) << out.reply;
  EXPECT_GT(out.block_incident, 0);
  EXPECT_EQ(out.held_id, 0);
  EXPECT_EQ(Count("quarantine"), 0);  // nothing waits: the bytes are gone
  auto rows = db_->Query(
      "SELECT kind, clauses, subject_person, detail FROM incidents WHERE id "
      "= ?",
      {store::P(out.block_incident)});
  ASSERT_TRUE(rows.ok() && rows->size() == 1u);
  EXPECT_EQ(rows->front().Text(0), "web-block");
  EXPECT_NE(rows->front().Text(1).find("L.3.a"), std::string::npos);
  EXPECT_EQ(rows->front().Text(2), "ateacher");
  const std::string detail = rows->front().Text(3);
  EXPECT_NE(detail.find("W-0123456789ab"), std::string::npos) << detail;
  EXPECT_NE(detail.find("drive.google.com"), std::string::npos) << detail;
  EXPECT_NE(detail.find("ssn"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("not-inspected"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("7832"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("2011"), std::string::npos) << detail;
  auto log = audit::List(*db_, {.action = "incident.open"});
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_NE(log->front().detail.find("W-0123456789ab"), std::string::npos);
  ExpectChainIntact();

  // A clean upload is let through and recorded nowhere.
  EXPECT_EQ(upload("drive.google.com", "Field trip forms are due Friday.")
                .disposition,
            Disposition::kDeliver);
  EXPECT_EQ(Count("incidents"), 1);

  // Past the inspection bound an upload to an outside host is let through
  // (warn) and the audit chain records it: never a silent pass.
  {
    enforce::Context c;
    c.envelope.channel = policy::Channel::kWeb;
    c.envelope.sender = "ateacher";
    c.envelope.client = "192.0.2.44";
    c.envelope.recipients = {"files.example.net"};
    c.envelope.size = uint64_t{40} << 20;
    c.envelope.inspected = uint64_t{16} << 20;
    c.reference = "W-00000000beef";
    auto big = enforcer_->Apply(
        testing::BundledEngine(), *scratch_, c,
        "MIME-Version: 1.0\r\nContent-Type: video/mp4\r\n\r\nxxxx", false);
    EXPECT_EQ(big.disposition, Disposition::kDeliver) << big.failure;
    auto passed = audit::List(*db_, {.action = "web.pass-uninspected"});
    ASSERT_TRUE(passed.ok());
    ASSERT_EQ(passed->size(), 1u);
    EXPECT_EQ(passed->front().target, "upload/W-00000000beef");
    EXPECT_NE(passed->front().detail.find("files.example.net"),
              std::string::npos);
    ExpectChainIntact();
  }

  // The record cannot be written: [web] on_failure (reject), not a pass.
  for (const char* t :
       {"incident_events", "incident_log", "incident_evidence", "incidents"})
    ASSERT_TRUE(db_->Exec(std::string("DROP TABLE ") + t).ok()) << t;
  auto failed = upload("drive.google.com", roster);
  EXPECT_EQ(failed.disposition, Disposition::kFailed);
  EXPECT_EQ(failed.on_failure, policy::FailureMode::kReject);
}

// A user who retries a blocked upload adds to one open incident (the same
// user, host and rule within a day): each try is an event with its own
// reference and an "incident.repeat" audit entry, never a hundred
// incidents. Another host is another incident.
TEST_P(EnforceTest, RepeatedWebBlocksAreOneIncident) {
  const std::string roster =
      "Maria's Social Security number is 512-44-7832 and her date of birth "
      "is 04/12/2011.";
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto out = WebUpload(*enforcer_, *scratch_, "drive.google.com", roster,
                         "W-00000000000" + std::to_string(i), false);
    ASSERT_EQ(out.disposition, Disposition::kRefused) << out.failure;
    EXPECT_EQ(out.block_incident_opened, i == 0);
    ids.push_back(out.block_incident);
  }
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(Count("incidents"), 1);
  auto rows = db_->Query("SELECT repeats FROM incidents WHERE id = ?",
                         {store::P(ids[0])});
  ASSERT_TRUE(rows.ok() && rows->size() == 1u);
  EXPECT_EQ(rows->front().Int(0), 4);
  // Each try's reference leads to the incident.
  auto events = db_->Query(
      "SELECT reference FROM incident_events WHERE incident_id = ? ORDER BY "
      "id",
      {store::P(ids[0])});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 5u);
  EXPECT_EQ(events->at(3).Text(0), "W-000000000003");
  EXPECT_EQ(audit::List(*db_, {.action = "incident.repeat"})->size(), 4u);
  // Another host: another incident.
  auto other = WebUpload(*enforcer_, *scratch_, "dropbox.com", roster,
                         "W-0000000000ff", false);
  EXPECT_TRUE(other.block_incident_opened);
  EXPECT_NE(other.block_incident, ids[0]);
  EXPECT_EQ(Count("incidents"), 2);
}

// A notice's header fields are built from what a sender wrote (the subject)
// and the envelope: whatever those hold, each field stays one line, and a
// subject in another script reaches the employee readable, not stripped.
TEST(NoticeTest, HostileSubjectsStayOneHeaderLineAndKeepTheirLetters) {
  const auto& pack = testing::BundledEngine().pack();
  decide::Envelope env;
  env.sender = "ateacher@example-usd.org";
  env.recipients = {"parent@example.com\r\nBcc: x@evil.example"};
  decide::Verdict v;
  v.message = "Held.";
  for (const std::string& subject :
       {std::string("Grades\r\nBcc: victim@evil.example"),
        std::string("Grades\nSubject: injected"),
        std::string("Gr\0ades", 7) + "\x1b[31m red \x85 next",
        std::string("Report\xe2\x80\xa8"
                    "Bcc: x@evil.example"),
        std::string("R\xc3\xa9sum\xc3\xa9 \xff\xfe of \xe6\x9d\x8e"),
        std::string(5000, '\n')}) {
    v.subject = subject;
    for (const auto& m : {enforce::CautionMessage(pack, env, v),
                          enforce::HeldMessage(pack, env, v, 7)}) {
      EXPECT_FALSE(core::HasControlChars(m.subject)) << subject;
      EXPECT_TRUE(core::IsValidUtf8(m.subject)) << subject;
      EXPECT_EQ(m.subject.find("\xe2\x80\xa8"), std::string::npos);
      auto text = core::ComposeMessage(m);
      ASSERT_TRUE(text.ok()) << text.status().message();
      std::string head = text->substr(0, text->find("\n\n"));
      // Every line of the head is a field or a folded continuation, and no
      // field beyond the notice's own appears.
      size_t at = 0;
      while (at < head.size()) {
        size_t end = head.find('\n', at);
        if (end == std::string::npos) end = head.size();
        std::string line = head.substr(at, end - at);
        EXPECT_EQ(line.find('\r'), std::string::npos) << line;
        EXPECT_NE(line.rfind("Bcc:", 0), 0u) << head;
        EXPECT_NE(line.rfind("Subject: injected", 0), 0u) << head;
        at = end + 1;
      }
      EXPECT_EQ(m.to.size(), 1u);
      EXPECT_EQ(m.to.front().address, env.sender);
    }
  }
  // Letters outside ASCII are kept (encoded in the header by the mail
  // helper), not dropped: "Résumé", not "Rsum".
  v.subject = "R\xc3\xa9sum\xc3\xa9 \xe6\x9d\x8e";
  auto held = enforce::HeldMessage(pack, env, v, 7);
  EXPECT_NE(held.subject.find("R\xc3\xa9sum\xc3\xa9 \xe6\x9d\x8e"),
            std::string::npos)
      << held.subject;
  EXPECT_NE(held.body.find("R\xc3\xa9sum\xc3\xa9"), std::string::npos);
  // A long subject is cut on a character, never inside one.
  v.subject.clear();
  for (int i = 0; i < 100; ++i) v.subject += "\xe6\x9d\x8e";
  held = enforce::HeldMessage(pack, env, v, 7);
  EXPECT_TRUE(core::IsValidUtf8(held.subject)) << held.subject;
  EXPECT_TRUE(core::IsValidUtf8(held.body));
}

TEST(NoticeTest, OnePersonGetsAtMostAFewDozenNoticesAnHour) {
  // A script (or a stolen account) sends 60 messages that are held, some
  // under other spellings of its address that Postfix delivers to the same
  // mailbox: its owner gets kPerPersonPerHour held notices, not 60, and
  // still its cautions; someone else held in the same hour gets theirs.
  // Through a stand-in sendmail that writes one line a notice: its
  // recipient and subject.
  testing::TempDir tmp("steward-notices");
  const std::string out = (tmp.path() / "sent").string();
  const std::string fake = (tmp.path() / "sendmail").string();
  std::ofstream(fake) << "#!/bin/sh\nsubject=$(grep -m1 '^Subject:')\n"
                      << "echo \"$5 $subject\" >> " << out << "\n";
  chmod(fake.c_str(), 0700);
  const auto& pack = testing::BundledEngine().pack();
  decide::Verdict v;
  v.message = "Held.";
  v.subject = "Grades";
  // Spellings the notice can be sent to (the mail helper refuses a quoted
  // local part or a final dot, so those never reach anyone).
  const std::string spellings[] = {
      "script@example-usd.org", "script+1@example-usd.org",
      "script+held@example-usd.org", "script+x-y@example-usd.org",
      "script+2@example-usd.org"};
  {
    enforce::Notifier notifier(fake);
    decide::Envelope env;
    for (int i = 0; i < 60; ++i) {
      env.sender = spellings[i % 5];
      notifier.Held(pack, env, v, i + 1);
    }
    env.sender = "script@example-usd.org";
    notifier.Caution(pack, env, v);  // a count of its own
    // Signed in, the account is the person, whatever the envelope says.
    env.auth_user = "robot";
    for (int i = 0; i < 45; ++i) {
      env.sender = "r" + std::to_string(i) + "@example-usd.org";
      notifier.Held(pack, env, v, 100 + i);
    }
    env.auth_user.clear();
    env.sender = "ateacher@example-usd.org";
    notifier.Held(pack, env, v, 200);
  }  // sends what is queued
  std::ifstream in(out);
  int script_held = 0, script_caution = 0, robot = 0, teacher = 0;
  for (std::string line; std::getline(in, line);) {
    const std::string to = line.substr(0, line.find(' '));
    const bool caution = line.find("Caution") != std::string::npos;
    if (to.find("script") != std::string::npos)
      ++(caution ? script_caution : script_held);
    else if (to[0] == 'r' && to[1] != 'o')
      ++robot;
    else if (to == "ateacher@example-usd.org")
      ++teacher;
  }
  EXPECT_EQ(script_held, enforce::Notifier::kPerPersonPerHour);
  EXPECT_EQ(script_caution, 1);
  EXPECT_EQ(robot, enforce::Notifier::kPerPersonPerHour);
  EXPECT_EQ(teacher, 1);
}

}  // namespace
}  // namespace steward
