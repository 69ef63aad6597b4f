// The records register on both stores: a Maildir indexed with its folders
// and classes, holds that keep items (also those that arrive later),
// destruction that needs a second person, keeps what changed or was held in
// the meantime, and survives a kill between intent and deletion.
#include "records/register.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>

#include "bundled_engine.h"
#include "channels/cli/kits.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;
using records::Day;
using records::DayOf;
using records::RecordClass;
using testing::StoreTest;

std::string Message(const std::string& from, const std::string& subject,
                    const std::string& date, const std::string& body) {
  return "From: " + from +
         "\r\nTo: bob@example-usd.org\r\nSubject: " + subject +
         "\r\nDate: " + date + "\r\nMessage-ID: <" + subject +
         "@example-usd.org>\r\n\r\n" + body + "\r\n";
}

class RegisterTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    engine_ = &testing::BundledEngine();
    pack_ = policy::PackPtr(&engine_->pack(), [](const policy::PolicyPack*) {});
    reg_ = std::make_unique<records::Register>(*db_, pack_);
    md_ = dir_ / "Maildir";
    for (const char* d :
         {"cur", "new", "tmp", ".Board/cur", ".Board/new", ".Board/tmp"})
      fs::create_directories(md_ / d);
    Put("cur/1664816400.M1P1.host:2,S",
        Message("alice@example-usd.org", "Lunch",
                "Mon, 3 Oct 2022 10:00:00 -0700", "Lunch at noon?"));
    Put("cur/1664902800.M2P1.host:2,S",
        Message("hr@example-usd.org", "Evaluation",
                "Tue, 4 Oct 2022 10:00:00 -0700",
                "Your annual performance evaluation and the disciplinary "
                "action notice for your personnel file."));
    Put(".Board/cur/1664989200.M3P1.host:2,S",
        Message("clerk@example-usd.org", "Minutes",
                "Wed, 5 Oct 2022 10:00:00 -0700", "Minutes of the meeting."));
    Put("new/1780000000.M4P1.host",
        Message("alice@example-usd.org", "Trip",
                "Mon, 1 Jun 2026 10:00:00 -0700", "Bus leaves at 8."));
  }
  void Put(const std::string& rel, const std::string& text) {
    std::ofstream(md_ / rel, std::ios::binary) << text;
  }
  records::IndexReport Index() {
    auto r = reg_->Index(md_.string(), "bob", "records review",
                         cli::RecordsReader(*engine_), ann_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : records::IndexReport{};
  }
  records::Item BySubject(const std::string& subject) {
    auto items = reg_->Items({.state = ""});
    EXPECT_TRUE(items.ok());
    for (const auto& i : *items)
      if (i.subject == subject) return i;
    ADD_FAILURE() << "no item " << subject;
    return {};
  }
  // Runs `list` in a child process with `hook` before each deletion (the
  // hook ends the child, as a kill would); the child's exit code.
  int RunAndKill(int64_t list, std::function<void(const records::Item&)> hook,
                 bool resume = false) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      auto db = store::Database::Open(url_, 2);
      if (!db.ok()) _exit(3);
      records::Register reg(**db, pack_);
      reg.before_delete = std::move(hook);
      (void)reg.Execute(list, today_, ben_, resume);
      _exit(4);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int Count(const std::string& action) {
    auto rows = db_->Query("SELECT COUNT(*) FROM audit_log WHERE action = ?",
                           {store::P(action)});
    return rows.ok() ? static_cast<int>(rows->front().Int(0)) : -1;
  }

  const engine::Engine* engine_ = nullptr;
  policy::PackPtr pack_;
  std::unique_ptr<records::Register> reg_;
  fs::path md_;
  audit::Actor ann_{"ann", ""}, ben_{"ben", ""};
  const Day today_ = DayOf(2026, 12, 3);
};

TEST_P(RegisterTest, IndexesAMaildirWithItsFoldersAndClasses) {
  records::IndexReport r = Index();
  EXPECT_EQ(r.seen, 4);
  EXPECT_EQ(r.added, 4);
  records::Item lunch = BySubject("Lunch");
  EXPECT_EQ(lunch.kind, "mail");
  EXPECT_EQ(lunch.folder, "INBOX");
  EXPECT_EQ(lunch.custodian, "bob");
  EXPECT_EQ(lunch.sender, "alice@example-usd.org");
  EXPECT_EQ(lunch.recipients, std::vector<std::string>{"bob@example-usd.org"});
  EXPECT_EQ(lunch.made_day, "2022-10-03");
  EXPECT_EQ(lunch.record_class, RecordClass::kClass3);
  EXPECT_EQ(BySubject("Evaluation").record_class, RecordClass::kClass1);
  records::Item minutes = BySubject("Minutes");
  EXPECT_EQ(minutes.folder, "Board");
  EXPECT_EQ(minutes.record_class, RecordClass::kClass1);
  EXPECT_NE(minutes.class_reason.find("board"), std::string::npos);
  // D.3: the access is recorded with its reason, before the run's summary.
  EXPECT_EQ(Count("records.access"), 1);
  EXPECT_EQ(Count("records.index"), 1);

  // Again: nothing is read twice. A message whose flags change (new/ to
  // cur/, ":2,S") is the same item; one deleted outside is missing.
  fs::rename(md_ / "new/1780000000.M4P1.host",
             md_ / "cur/1780000000.M4P1.host:2,S");
  fs::remove(md_ / "cur/1664816400.M1P1.host:2,S");
  r = Index();
  EXPECT_EQ(r.unchanged, 3);
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(r.missing, 1);
  EXPECT_EQ(BySubject("Trip").path, "cur/1780000000.M4P1.host:2,S");
  EXPECT_EQ(BySubject("Lunch").state, "missing");
  // A custodian's class is kept over the rules when the item changes.
  ASSERT_TRUE(reg_->Reclassify(BySubject("Trip").id, RecordClass::kClass2,
                               "field trip file", "", ann_)
                  .ok());
  Put("cur/1780000000.M4P1.host:2,S",
      Message("alice@example-usd.org", "Trip", "Mon, 1 Jun 2026 10:00:00 -0700",
              "Bus leaves at 9."));
  r = Index();
  EXPECT_EQ(r.changed, 1);
  EXPECT_EQ(BySubject("Trip").record_class, RecordClass::kClass2);
  EXPECT_EQ(Count("records.reclassify"), 1);
  // No reason, no access.
  EXPECT_FALSE(
      reg_->Index(md_.string(), "bob", "", cli::RecordsReader(*engine_), ann_)
          .ok());
}

TEST_P(RegisterTest, HoldsKeepItemsAlsoThoseThatArriveLater) {
  Index();
  records::HoldQuery q;
  q.custodians = {"bob"};
  q.subject = "lunch";
  auto hold = reg_->PlaceHold("Doe v. District", "litigation notice", q, ann_);
  ASSERT_TRUE(hold.ok()) << hold.status().message();
  // A hold must say what it covers.
  EXPECT_FALSE(reg_->PlaceHold("x", "y", {}, ann_).ok());
  // A message about lunch arriving after the hold.
  Put("cur/1665000000.M5P1.host:2,S",
      Message("carol@example-usd.org", "Lunch again",
              "Thu, 6 Oct 2022 10:00:00 -0700", "Tacos?"));
  Index();
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
  auto d = reg_->DecisionFor(BySubject("Lunch again"), today_);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->deletable);
  EXPECT_NE(d->reason.find("Doe v. District"), std::string::npos);
  // Released: the items become deletable, and nothing is deleted now.
  ASSERT_TRUE(reg_->ReleaseHold(hold->id, "case settled", ann_).ok());
  EXPECT_FALSE(reg_->ReleaseHold(hold->id, "again", ann_).ok());
  EXPECT_TRUE(fs::exists(md_ / "cur/1665000000.M5P1.host:2,S"));
  list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->items.size(), 2u);
  auto holds = reg_->Holds(true);
  ASSERT_TRUE(holds.ok());
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_EQ((*holds)[0].release_reason, "case settled");
  EXPECT_EQ(Count("records.hold-place"), 1);
  EXPECT_EQ(Count("records.hold-release"), 1);
}

TEST_P(RegisterTest, DestructionNeedsASecondPersonAndLeavesATombstone) {
  Index();
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);  // Lunch: Class 3 of 2022-23
  EXPECT_EQ(list->items[0].school_year, "2022-23");
  EXPECT_EQ(list->items[0].destroy_from, "2026-07-02");
  // Not before its day: a list made on 1 July 2026 is empty.
  auto early = reg_->MakeList(DayOf(2026, 7, 1), ann_);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->items.empty());
  // Not approved yet: nothing happens.
  EXPECT_FALSE(reg_->Execute(list->id, today_, ben_).ok());
  auto self = reg_->Decide(list->id, true, "ann", "", {"ann (via cli:x)", ""});
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.message().find("second person"), std::string::npos);
  ASSERT_TRUE(reg_->Decide(list->id, true, "ben", "checked", ben_).ok());
  auto done = reg_->Execute(list->id, today_, ben_);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->destroyed, 1);
  EXPECT_FALSE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_TRUE(fs::exists(md_ / "cur/1664902800.M2P1.host:2,S"));
  records::Item lunch = BySubject("Lunch");
  EXPECT_EQ(lunch.state, "destroyed");
  auto tomb = db_->Query(
      "SELECT sha256, approved_by, destroyed_by, school_year FROM "
      "records_tombstones WHERE item_id = ?",
      {store::P(lunch.id)});
  ASSERT_TRUE(tomb.ok());
  ASSERT_EQ(tomb->size(), 1u);
  EXPECT_EQ((*tomb)[0].Text(0), lunch.sha256);
  EXPECT_EQ((*tomb)[0].Text(1), "ben");
  EXPECT_EQ((*tomb)[0].Text(3), "2022-23");
  EXPECT_EQ(Count("records.destroy-intent"), 1);
  EXPECT_EQ(Count("records.destroy-confirm"), 1);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
  // Done once: a list is not carried out twice.
  EXPECT_FALSE(reg_->Execute(list->id, today_, ben_).ok());
}

TEST_P(RegisterTest, WhatChangedOrWasHeldMeanwhileIsKept) {
  Put("cur/1665000000.M5P1.host:2,S",
      Message("carol@example-usd.org", "Tacos",
              "Thu, 6 Oct 2022 10:00:00 -0700", "Tacos?"));
  Put("cur/1665100000.M6P1.host:2,S",
      Message("dan@example-usd.org", "Parking",
              "Fri, 7 Oct 2022 10:00:00 -0700", "Lot B is closed."));
  Index();
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 3u);  // Lunch, Tacos, Parking
  ASSERT_TRUE(reg_->Decide(list->id, true, "ben", "", ben_).ok());
  // Tacos is edited after the list was made.
  Put("cur/1665000000.M5P1.host:2,S",
      Message("carol@example-usd.org", "Tacos",
              "Thu, 6 Oct 2022 10:00:00 -0700", "Tacos? Or pizza."));
  // While the first deletion runs, a hold on Parking is placed: it is kept.
  bool placed = false;
  reg_->before_delete = [&](const records::Item&) {
    if (placed) return;
    placed = true;
    records::HoldQuery q;
    q.subject = "Parking";
    ASSERT_TRUE(reg_->PlaceHold("Lot B", "claim", q, ann_).ok());
  };
  auto done = reg_->Execute(list->id, today_, ben_);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->destroyed, 1);
  EXPECT_EQ(done->kept, 2);
  EXPECT_FALSE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_TRUE(fs::exists(md_ / "cur/1665000000.M5P1.host:2,S"));
  EXPECT_TRUE(fs::exists(md_ / "cur/1665100000.M6P1.host:2,S"));
  auto after = reg_->GetList(list->id);
  ASSERT_TRUE(after.ok());
  std::string outcomes;
  for (const auto& i : after->items) outcomes += i.outcome + "\n";
  EXPECT_NE(outcomes.find("changed after the list was made"), std::string::npos)
      << outcomes;
  EXPECT_NE(outcomes.find("Lot B"), std::string::npos) << outcomes;
  // A list made under other rules is not carried out.
  auto pack2 = std::make_shared<policy::PolicyPack>(engine_->pack());
  pack2->records.archive_days = 400;
  records::Register other(*db_, pack2);
  auto l2 = other.MakeList(today_, ann_);
  ASSERT_TRUE(l2.ok());
  ASSERT_TRUE(other.Decide(l2->id, true, "ben", "", ben_).ok());
  auto refused = reg_->Execute(l2->id, today_, ben_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("rules changed"),
            std::string::npos);
}

// Mail kept as mbox files (Dovecot's ~/mail, /var/mail/bob): each message
// an item with its folder, the same item when a mail program marks it
// read, and destruction that takes out that message alone.
TEST_P(RegisterTest, MessagesInMboxFilesAreItemsDestroyedOneByOne) {
  fs::path mail = dir_ / "mail";
  fs::create_directories(mail);
  auto from = [](const std::string& m) {
    return "From x@example-usd.org " + m;
  };
  const std::string lunch =
      from("Mon Oct  3 17:00:00 2022\n") +
      Message("alice@example-usd.org", "Lunch",
              "Mon, 3 Oct 2022 10:00:00 -0700", "Lunch at noon?") +
      "\n";
  const std::string trip =
      from("Mon Jun  1 17:00:00 2026\n") +
      Message("alice@example-usd.org", "Trip", "Mon, 1 Jun 2026 10:00:00 -0700",
              "Bus leaves at 8.");
  const std::string minutes =
      from("Wed Oct  5 17:00:00 2022\n") +
      Message("clerk@example-usd.org", "Minutes",
              "Wed, 5 Oct 2022 10:00:00 -0700", "Minutes of the meeting.");
  std::ofstream(mail / "inbox", std::ios::binary) << lunch + trip;
  std::ofstream(mail / "Board", std::ios::binary) << minutes;
  auto index = [&] {
    auto r = reg_->Index(mail.string(), "bob", "records review",
                         cli::RecordsReader(*engine_), ann_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : records::IndexReport{};
  };
  records::IndexReport r = index();
  EXPECT_EQ(r.added, 3) << (r.errors.empty() ? "" : r.errors[0]);
  EXPECT_EQ(BySubject("Lunch").folder, "INBOX");
  EXPECT_EQ(BySubject("Lunch").made_day, "2022-10-03");
  EXPECT_EQ(BySubject("Minutes").folder, "Board");
  EXPECT_EQ(BySubject("Minutes").record_class, RecordClass::kClass1);
  // A mail program marks Lunch read: the same item, unchanged.
  std::string read = lunch;
  read.insert(read.find("Subject:"), "Status: RO\r\n");
  std::ofstream(mail / "inbox", std::ios::binary) << read + trip;
  r = index();
  EXPECT_EQ(r.unchanged, 3);
  EXPECT_EQ(r.added, 0);
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);  // Lunch
  ASSERT_TRUE(reg_->Decide(list->id, true, "ben", "", ben_).ok());
  auto done = reg_->Execute(list->id, today_, ben_);
  ASSERT_TRUE(done.ok()) << done.status().message();
  auto after = reg_->GetList(list->id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(done->destroyed, 1) << after->items[0].outcome;
  std::ifstream in(mail / "inbox", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), trip);
  EXPECT_EQ(BySubject("Lunch").state, "destroyed");
  r = index();
  EXPECT_EQ(r.unchanged, 2);
  EXPECT_EQ(r.missing, 0);
  EXPECT_EQ(BySubject("Lunch").state, "destroyed");
  // One mbox file as a source of its own (/var/mail/bob): INBOX.
  auto one = reg_->Index((mail / "Board").string(), "bob", "records review",
                         cli::RecordsReader(*engine_), ann_);
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(one->added, 1);
}

// D.4: a departed custodian's items pass to another, who answers for them
// from now on; a hold and a search naming the one who left still find
// them, and indexing their mailbox again does not give them back.
TEST_P(RegisterTest, ADepartedCustodiansItemsPassToAnotherAndStayHeld) {
  Index();
  records::HoldQuery q;
  q.custodians = {"bob"};
  q.subject = "lunch";
  ASSERT_TRUE(reg_->PlaceHold("Doe v. District", "notice", q, ann_).ok());
  auto done = reg_->Offboard("Bob", records::Departure::kTransfer, "Carol",
                             "left on 2026-06-30", today_, ann_);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->items, 4);
  EXPECT_EQ(done->transferred, 4);
  EXPECT_EQ(done->to, "carol");
  records::Item lunch = BySubject("Lunch");
  EXPECT_EQ(lunch.custodian, "carol");
  EXPECT_EQ(lunch.former_custodians, std::vector<std::string>{"bob"});
  // The hold naming bob still keeps Lunch: nothing may be destroyed.
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
  records::HoldQuery by_bob;
  by_bob.custodians = {"bob"};
  auto found = reg_->Search(by_bob, 100, ann_);
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->items.size(), 4u);
  auto listed = reg_->Items({.custodian = "bob"});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);
  EXPECT_EQ(records::CustodianText(lunch), "carol (was bob)");
  Index();
  EXPECT_EQ(BySubject("Trip").custodian, "carol");
  // Carol leaves too: both are remembered, oldest first.
  ASSERT_TRUE(reg_->Offboard("carol", records::Departure::kTransfer, "dana",
                             "left", today_, ann_)
                  .ok());
  EXPECT_EQ(BySubject("Trip").former_custodians,
            (std::vector<std::string>{"bob", "carol"}));
  auto all = reg_->Offboardings(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].custodian, "bob");
  EXPECT_EQ((*all)[1].reason, "left on 2026-06-30");
  EXPECT_EQ(Count("records.offboard"), 2);
  // What cannot be done says why, and changes nothing.
  using records::Departure;
  for (auto [who, action, to, reason] : std::vector<
           std::tuple<std::string, Departure, std::string, std::string>>{
           {"dana", Departure::kTransfer, "", "left"},      // to whom?
           {"dana", Departure::kTransfer, "DANA", "left"},  // to herself
           {"dana", Departure::kKeep, "erin", "left"},      // keep, to?
           {"dana", Departure::kKeep, "", ""},              // no reason
           {"nobody", Departure::kKeep, "", "left"},        // no items
           {"two names", Departure::kKeep, "", "left"}}) {
    auto bad = reg_->Offboard(who, action, to, reason, today_, ann_);
    EXPECT_FALSE(bad.ok()) << who << " " << to;
  }
  EXPECT_FALSE(reg_->Offboard("dana", records::Departure::kKeep, "", "left",
                              reg_->Today() + 1, ann_)
                   .ok());  // not ahead of today
  EXPECT_EQ(Count("records.offboard"), 2);
  EXPECT_EQ(BySubject("Trip").custodian, "dana");
}

// D.4, dispose: a destruction list of only the departed custodian's items
// the rules let go today, approved by a second person like any other;
// what is kept passes to the custodian named, and says why it is kept.
TEST_P(RegisterTest, DisposingOfADepartedCustodiansItemsListsOnlyWhatMayGo) {
  Index();
  // Another custodian's old Class 3 message, deletable today, is not theirs.
  fs::path other = dir_ / "Dave";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(other / d);
  std::ofstream(other / "cur/1664816400.M9P1.host:2,S", std::ios::binary)
      << Message("alice@example-usd.org", "Coffee",
                 "Mon, 3 Oct 2022 10:00:00 -0700", "Coffee?");
  ASSERT_TRUE(reg_->Index(other.string(), "dave", "records review",
                          cli::RecordsReader(*engine_), ann_)
                  .ok());
  auto done = reg_->Offboard("bob", records::Departure::kDispose, "records",
                             "retired", today_, ann_);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->items, 4);
  EXPECT_EQ(done->listed, 1);  // Lunch: Class 3 of 2022-23
  EXPECT_EQ(done->transferred, 3);
  std::string why_kept;
  for (const auto& [why, n] : done->kept)
    why_kept += why + ": " + std::to_string(n) + "\n";
  // Evaluation and Minutes; Trip.
  EXPECT_EQ(why_kept, "class-1: 2\nclass-3 due from 2029-07-02: 1\n");
  std::string text = records::OffboardingText(*done);
  EXPECT_NE(text.find("second person"), std::string::npos) << text;
  EXPECT_NE(text.find("2 class-1"), std::string::npos) << text;
  auto list = reg_->GetList(done->list_id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].custodian, "bob");
  EXPECT_EQ(BySubject("Evaluation").custodian, "records");
  EXPECT_EQ(BySubject("Lunch").custodian, "bob");
  EXPECT_EQ(BySubject("Coffee").custodian, "dave");
  // Nothing is destroyed until a second person approves.
  EXPECT_TRUE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  ASSERT_TRUE(reg_->Decide(done->list_id, true, "ben", "", ben_).ok());
  auto run = reg_->Execute(done->list_id, today_, ben_);
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->destroyed, 1);
  EXPECT_FALSE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_TRUE(fs::exists(other / "cur/1664816400.M9P1.host:2,S"));
  // Keep: recorded, nothing moves.
  auto kept = reg_->Offboard("dave", records::Departure::kKeep, "", "on leave",
                             today_, ann_);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->transferred, 0);
  EXPECT_EQ(BySubject("Coffee").custodian, "dave");
  EXPECT_NE(records::OffboardingText(*kept).find("stay in dave's name"),
            std::string::npos);
}

// A kill between the intent entry and the deletion, and one between the
// deletion and the confirm entry: the next run finishes both, every
// deletion has its intent and its confirm, and the chain verifies.
TEST_P(RegisterTest, AKillAtAnyMomentLeavesNoDeletionUnrecorded) {
  Put("cur/1665000000.M5P1.host:2,S",
      Message("carol@example-usd.org", "Tacos",
              "Thu, 6 Oct 2022 10:00:00 -0700", "Tacos?"));
  Index();
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  ASSERT_TRUE(reg_->Decide(list->id, true, "ben", "", ben_).ok());
  // Two runs in child processes, each killed at a different moment.
  for (bool unlink_first : {false, true}) {
    // The second run carries on the list the first left half done.
    int code = RunAndKill(
        list->id,
        [unlink_first](const records::Item& item) {
          if (unlink_first)
            ::unlink((fs::path(item.source) / item.path).c_str());
          _exit(9);  // killed
        },
        /*resume=*/unlink_first);
    ASSERT_EQ(code, 9);
  }
  // Each child left one item between intent and confirm... but the second
  // run first recovered the first one.
  EXPECT_EQ(Count("records.destroy-intent"), 2);
  auto rec = reg_->Recover(ben_);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(*rec, 1);
  EXPECT_EQ(Count("records.destroy-confirm"), 2);
  EXPECT_FALSE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_FALSE(fs::exists(md_ / "cur/1665000000.M5P1.host:2,S"));
  EXPECT_EQ(BySubject("Lunch").state, "destroyed");
  EXPECT_EQ(BySubject("Tacos").state, "destroyed");
  auto tombs = db_->Query("SELECT COUNT(*) FROM records_tombstones");
  ASSERT_TRUE(tombs.ok());
  EXPECT_EQ(tombs->front().Int(0), 2);
  auto v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->broken_seq.has_value());
}

// An interrupted deletion whose item a hold now covers is cancelled.
TEST_P(RegisterTest, AHoldPlacedAfterAKillCancelsTheDeletion) {
  Index();
  auto list = reg_->MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  ASSERT_TRUE(reg_->Decide(list->id, true, "ben", "", ben_).ok());
  ASSERT_EQ(RunAndKill(list->id, [](const records::Item&) { _exit(9); }), 9);
  records::HoldQuery q;
  q.custodians = {"bob"};
  ASSERT_TRUE(reg_->PlaceHold("Audit 2026", "auditor's request", q, ann_).ok());
  auto rec = reg_->Recover(ben_);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(*rec, 0);
  EXPECT_TRUE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_EQ(BySubject("Lunch").state, "present");
  EXPECT_EQ(Count("records.destroy-cancel"), 1);
}

// The store narrows a search by indexes and LIKE before Covers decides: on
// random items and queries with the values that make that hard (letters in
// any case, a Kelvin sign that lowers to "k", accents, % and _ in values,
// items passed on by a departed custodian), a search finds exactly what
// Covers finds over every item, and the register's custodian filter exactly
// the items that are, or were, theirs.
TEST_P(RegisterTest, ASearchFindsExactlyWhatItsQueryCovers) {
  const std::vector<std::string> custodians = {"bob", "ann", "a_b", "a%b",
                                               "axb"};
  const std::vector<std::string> formers = {"",        "",    "",       "ann",
                                            "ann,bob", "a_b", "a%b,zed"};
  const std::vector<std::string> addresses = {
      "bob@example-usd.org", "Bob@Example-USD.org", "x_y@a.org",
      "xzy@a.org",           "ann@b%c.org",         "\xC3\xBCmlaut@x.org"};
  const std::vector<std::string> subjects = {"Grievance filed",
                                             "GRIEVANCE",
                                             "grievance",
                                             "\xE2\x84\xAAit list",
                                             "Kit LIST",
                                             "\xC3\x89l\xC3\xA8ve",
                                             "\xC3\xA9l\xC3\xA8ve",
                                             "100% done",
                                             "a_b",
                                             "axb",
                                             ""};
  const std::vector<std::string> folders = {"INBOX",
                                            "inbox/Sub",
                                            "Board",
                                            "board/2022",
                                            "Boardroom",
                                            "\xC3\x89l\xC3\xA8ves",
                                            "\xE2\x84\xAA"
                                            "12",
                                            "k12",
                                            "Board_x"};
  const std::vector<std::string> categories = {"", "ssn", "student-id",
                                               "ssn,student-id", "phone"};
  std::mt19937 rng(20261203);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  for (int i = 0; i < 400; ++i) {
    const std::string day = fmt::format(
        "{}-{:02d}-{:02d}", std::uniform_int_distribution<int>(2020, 2026)(rng),
        std::uniform_int_distribution<int>(1, 12)(rng),
        std::uniform_int_distribution<int>(1, 28)(rng));
    auto st = db_->Exec(
        "INSERT INTO records_items (source, locator, path, kind, custodian, "
        "folder, message_id, sender, recipients, subject, made_at, made_day, "
        "size, sha256, categories, record_class, class_rule, class_reason, "
        "audit_done, state, indexed_at, former_custodians) VALUES (?, ?, ?, "
        "'mail', ?, ?, '', ?, ?, ?, ?, ?, 10, 'x', ?, 'class-3', '', '', '', "
        "?, '2026-12-01T00:00:00Z', ?)",
        {store::P("/src"), store::P(std::to_string(i)),
         store::P(std::to_string(i)), store::P(pick(custodians)),
         store::P(pick(folders)), store::P(pick(addresses)),
         store::P(pick(addresses) + "," + pick(addresses)),
         store::P(pick(subjects)), store::P(day + "T12:00:00Z"), store::P(day),
         store::P(pick(categories)),
         store::P(i % 9 == 0 ? "destroyed" : "present"),
         store::P(pick(formers))});
    ASSERT_TRUE(st.ok()) << st.message();
  }
  auto all = reg_->Items({.state = "", .limit = 100000});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 400u);

  const std::vector<std::string> words = {
      "grievance",         "GRIEVANCE", "kit", "KIT", "\xC3\xA9l\xC3\xA8",
      "\xC3\x89L\xC3\x88", "%",         "_",   "a_b", "100%",
      "\xE2\x84\xAA"};
  const std::vector<std::string> folder_words = {"inbox",
                                                 "INBOX",
                                                 "board",
                                                 "BOARD",
                                                 "k12",
                                                 "K12",
                                                 "\xC3\xA9l\xC3\xA8ves",
                                                 "Board_x",
                                                 "inbox/sub"};
  const std::vector<std::string> address_words = {"bob@example-usd.org",
                                                  "BOB@EXAMPLE-USD.ORG",
                                                  "@a.org",
                                                  "x_y@a.org",
                                                  "@b%c.org",
                                                  "\xC3\xBCmlaut@x.org"};
  int searched = 0;
  for (int n = 0; n < 300; ++n) {
    records::HoldQuery q;
    auto maybe = [&] {
      return std::uniform_int_distribution<int>(0, 3)(rng) == 0;
    };
    if (maybe()) q.custodians = {pick(custodians)};
    if (maybe()) q.custodians.push_back("zed");
    if (maybe()) q.addresses = {pick(address_words)};
    if (maybe()) q.subject = pick(words);
    if (maybe()) q.folders = {pick(folder_words)};
    if (maybe()) q.categories = {pick({"ssn", "student-id", "phone"})};
    if (maybe()) q.since = "2023-01-01";
    if (maybe()) q.until = "2025-06-01";
    if (q.Empty()) continue;
    std::vector<int64_t> want;
    for (const auto& item : *all)
      if (item.state == "present" && records::Covers(q, item))
        want.push_back(item.id);
    for (int limit : {7, 200}) {
      auto r = reg_->Search(q, limit, ann_);
      ASSERT_TRUE(r.ok()) << r.status().message();
      std::vector<int64_t> got;
      for (const auto& item : r->items) got.push_back(item.id);
      std::vector<int64_t> first(
          want.begin(), want.begin() + std::min<size_t>(want.size(), limit));
      EXPECT_EQ(r->total, static_cast<int64_t>(want.size()))
          << "query " << n << ": "
          << records::CandidatesOf(q, db_->dialect()).sql;
      EXPECT_EQ(got, first) << "query " << n;
    }
    ++searched;
  }
  EXPECT_GT(searched, 200);

  for (const auto& c : custodians) {
    auto items =
        reg_->Items({.custodian = c, .state = "present", .limit = 1000});
    ASSERT_TRUE(items.ok());
    std::vector<int64_t> got, want;
    for (const auto& item : *items) got.push_back(item.id);
    for (const auto& item : *all) {
      bool theirs = item.custodian == c ||
                    std::count(item.former_custodians.begin(),
                               item.former_custodians.end(), c) > 0;
      if (item.state == "present" && theirs) want.push_back(item.id);
    }
    EXPECT_EQ(got, want) << c;
    EXPECT_FALSE(want.empty()) << c;
  }
  // A custodian written in capitals is the same custodian, now and before.
  auto upper =
      reg_->Items({.custodian = "ANN", .state = "present", .limit = 1000});
  auto lower =
      reg_->Items({.custodian = "ann", .state = "present", .limit = 1000});
  ASSERT_TRUE(upper.ok() && lower.ok());
  EXPECT_EQ(upper->size(), lower->size());
}

STEWARD_BOTH_BACKENDS(RegisterTest);

// ---------------------------------------------------------------------------
// What an attacker with write access to a folder, or a careless custodian,
// tried: each is kept from destroying what it must not.

class RegisterAttackTest : public RegisterTest {
 protected:
  int64_t ApprovedList() {
    auto list = reg_->MakeList(today_, ann_);
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return 0;
    EXPECT_TRUE(reg_->Decide(list->id, true, "ben", "", ben_).ok());
    return list->id;
  }
  int Tombstones() {
    auto rows = db_->Query("SELECT COUNT(*) FROM records_tombstones");
    return rows.ok() ? static_cast<int>(rows->front().Int(0)) : -1;
  }
};

// A Maildir's cur/ or a subfolder that is a symbolic link to another
// person's folder is not followed: what is there is neither indexed nor
// destroyed.
TEST_P(RegisterAttackTest, LinkedFoldersAreNotFollowed) {
  fs::path other = dir_ / "other";
  fs::create_directories(other);
  std::ofstream(other / "1664816400.M9P1.host:2,S")
      << Message("alice@example-usd.org", "Other",
                 "Mon, 3 Oct 2022 10:00:00 -0700", "Someone else's mail.");
  fs::create_directories(md_ / ".Archive");
  fs::create_directory_symlink(other, md_ / ".Archive" / "cur");
  fs::create_directories(md_ / ".Archive" / "new");
  fs::create_directory_symlink(other, md_ / "linked");
  Index();
  auto items = reg_->Items({.state = ""});
  ASSERT_TRUE(items.ok());
  for (const auto& i : *items) EXPECT_NE(i.subject, "Other") << i.path;
  // A root that is a link is refused, not followed.
  fs::create_directory_symlink(md_, dir_ / "MaildirLink");
  auto linked = records::OpenFolder((dir_ / "MaildirLink").string());
  EXPECT_FALSE(linked.ok());
  // A share with a link inside: the file behind it is not an item.
  fs::path share = dir_ / "share";
  fs::create_directories(share / "Finance");
  std::ofstream(share / "Finance" / "budget.txt") << "Budget 2022\n";
  fs::create_symlink(other / "1664816400.M9P1.host:2,S", share / "mail.eml");
  auto r = reg_->Index(share.string(), "bob", "review",
                       cli::RecordsReader(*engine_), ann_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seen, 1);
}

// A folder swapped for a link to another folder after the list was made:
// execution deletes nothing outside the indexed folder.
TEST_P(RegisterAttackTest, AFolderSwappedForALinkDeletesNothingOutside) {
  Index();
  int64_t list = ApprovedList();
  ASSERT_NE(list, 0);
  // The victim: the same bytes, in a folder outside.
  fs::path victim = dir_ / "victim";
  fs::create_directories(victim / "cur");
  fs::copy_file(md_ / "cur/1664816400.M1P1.host:2,S",
                victim / "cur/1664816400.M1P1.host:2,S");
  fs::rename(md_ / "cur", md_ / "cur.real");
  fs::create_directory_symlink(victim / "cur", md_ / "cur");
  auto done = reg_->Execute(list, today_, ben_);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->destroyed, 0);
  EXPECT_TRUE(fs::exists(victim / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_TRUE(fs::exists(md_ / "cur.real/1664816400.M1P1.host:2,S"));
  EXPECT_EQ(Tombstones(), 0);
}

// A file renamed (a mail client setting a flag) between the intent and the
// deletion is not recorded as destroyed: nothing was removed.
TEST_P(RegisterAttackTest, AFileMovedBeforeItsDeletionIsNotRecordedDestroyed) {
  Index();
  int64_t list = ApprovedList();
  reg_->before_delete = [&](const records::Item& item) {
    fs::rename(md_ / item.path, md_ / (item.path + "R"));
  };
  auto done = reg_->Execute(list, today_, ben_);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->destroyed, 0);
  EXPECT_EQ(Tombstones(), 0);
  EXPECT_EQ(BySubject("Lunch").state, "present");
  EXPECT_EQ(Count("records.destroy-failed"), 1);
}

// Days ahead of today are refused; a sender's old Date does not make mail
// deletable sooner; a rule added after indexing applies at once.
TEST_P(RegisterAttackTest, NoDestructionAheadOfItsDay) {
  Index();
  const Day future = DayOf(9999, 12, 31);
  EXPECT_FALSE(reg_->MakeList(future, ann_).ok());
  int64_t list = ApprovedList();
  auto refused = reg_->Execute(list, future, ben_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("never ahead"), std::string::npos);
  // Delivered today, dated 1971.
  Put("new/" + std::to_string(time(nullptr)) + ".M7P1.host",
      Message("spoof@example.net", "Old", "Fri, 1 Jan 1971 00:00:00 +0000",
              "Delete me early."));
  Index();
  records::Item old = BySubject("Old");
  EXPECT_NE(old.made_day.substr(0, 4), "1971");
  auto d = reg_->DecisionFor(old, today_);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->deletable);
}

TEST_P(RegisterAttackTest, ARuleAddedAfterIndexingAppliesAtOnce) {
  Index();
  auto pack2 = std::make_shared<policy::PolicyPack>(engine_->pack());
  policy::RecordsPolicy::ClassRule keep;
  keep.name = "alice";
  keep.record_class = RecordClass::kClass1;
  keep.addresses = {"alice@example-usd.org"};
  pack2->records.classes.push_back(keep);
  records::Register now(*db_, pack2);
  auto list = now.MakeList(today_, ann_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
}

// Two runs of one list: the second is refused while the first holds it.
TEST_P(RegisterAttackTest, OneRunCarriesOutAList) {
  Put("cur/1665000000.M5P1.host:2,S",
      Message("carol@example-usd.org", "Tacos",
              "Thu, 6 Oct 2022 10:00:00 -0700", "Tacos?"));
  Index();
  int64_t list = ApprovedList();
  std::string second;
  reg_->before_delete = [&](const records::Item&) {
    if (!second.empty()) return;
    records::Register other(*db_, pack_);
    auto r = other.Execute(list, today_, ben_);
    second = r.ok() ? "ran" : r.status().message();
  };
  auto done = reg_->Execute(list, today_, ben_);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->destroyed, 2);
  EXPECT_NE(second.find("being carried out"), std::string::npos) << second;
  EXPECT_EQ(Count("records.destroy-confirm"), 2);
  EXPECT_EQ(Count("records.list-execute"), 1);
}

// An item restored after its destruction is a new item; destroyed again,
// it has a second tombstone.
TEST_P(RegisterAttackTest, ARestoredItemIsNewAndEachDestructionHasATombstone) {
  Index();
  const std::string bytes =
      testing::ReadAll((md_ / "cur/1664816400.M1P1.host:2,S").string());
  int64_t list = ApprovedList();
  ASSERT_TRUE(reg_->Execute(list, today_, ben_).ok());
  Put("cur/1664816400.M1P1.host:2,S", bytes);
  records::IndexReport r = Index();
  EXPECT_EQ(r.added, 1);
  int64_t again = ApprovedList();
  auto done = reg_->Execute(again, today_, ben_);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->destroyed, 1);
  EXPECT_EQ(Tombstones(), 2);
}

// Killed between intent and deletion: indexing leaves the item alone, a
// custodian cannot reclassify it, and a file changed meanwhile is kept.
TEST_P(RegisterAttackTest, AnInterruptedDeletionIsFinishedOnlyAsBegun) {
  Index();
  int64_t list = ApprovedList();
  ASSERT_EQ(RunAndKill(list, [](const records::Item&) { _exit(9); }), 9);
  records::Item lunch = BySubject("Lunch");
  EXPECT_EQ(lunch.state, "deleting");
  EXPECT_FALSE(
      reg_->Reclassify(lunch.id, RecordClass::kClass1, "keep", "", ann_).ok());
  Index();
  EXPECT_EQ(BySubject("Lunch").state, "deleting");
  // Overwritten (another file at its place) before the next run.
  Put("cur/1664816400.M1P1.host:2,S",
      Message("alice@example-usd.org", "Lunch",
              "Mon, 3 Oct 2022 10:00:00 -0700", "Lunch at one."));
  auto rec = reg_->Recover(ben_);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(*rec, 0);
  EXPECT_TRUE(fs::exists(md_ / "cur/1664816400.M1P1.host:2,S"));
  EXPECT_EQ(BySubject("Lunch").state, "present");
  EXPECT_EQ(Count("records.destroy-cancel"), 1);
  EXPECT_EQ(Tombstones(), 0);
}

// Two files of one message: the first is the item, the other reported.
TEST_P(RegisterAttackTest, TwoCopiesOfOneMessageAreReported) {
  Put("new/1664816400.M1P1.host",
      Message("alice@example-usd.org", "Lunch copy",
              "Mon, 3 Oct 2022 10:00:00 -0700", "Lunch at noon?"));
  records::IndexReport r = Index();
  EXPECT_EQ(r.added, 4);
  EXPECT_EQ(r.unreadable, 1);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("the same message"), std::string::npos);
}

STEWARD_BOTH_BACKENDS(RegisterAttackTest);

// Found by attacking the portal: what a hold may say, and what it says
// back.
TEST_P(RegisterAttackTest, HoldsAreBoundedAndSayWhatTheyCover) {
  Index();
  records::HoldQuery bad;
  bad.subject = "lunch \xff";
  EXPECT_FALSE(reg_->PlaceHold("M", "R", bad, ann_).ok());
  EXPECT_FALSE(reg_->PlaceHold("M\xff", "R", {.subject = "x"}, ann_).ok());
  records::HoldQuery many;
  for (int i = 0; i < 201; ++i)
    many.custodians.push_back("c" + std::to_string(i));
  EXPECT_FALSE(reg_->PlaceHold("M", "R", many, ann_).ok());
  records::HoldQuery typo;
  typo.categories = {"personel-record"};
  EXPECT_FALSE(reg_->PlaceHold("M", "R", typo, ann_).ok());
  EXPECT_FALSE(
      reg_->PlaceHold(std::string(600, 'm'), "R", {.subject = "x"}, ann_).ok());
  // A folder in another case still covers; the hold says how much.
  records::HoldQuery board;
  board.folders = {"board"};
  auto h = reg_->PlaceHold("Board matter", "notice", board, ann_);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->covers_now, 1);
  EXPECT_EQ(records::CoverageText(*h), "It covers 1 item now.");
  auto d = reg_->DecisionFor(BySubject("Minutes"), today_);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d->reason.find("Board matter"), std::string::npos) << d->reason;
  records::HoldQuery nobody;
  nobody.custodians = {"nobody"};
  auto none = reg_->PlaceHold("Nobody", "notice", nobody, ann_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->covers_now, 0);
  EXPECT_NE(records::CoverageText(*none).find("no item"), std::string::npos);
  // Many items decided at once read the holds once, and agree with one
  // by one.
  auto items = reg_->Items({.state = ""});
  ASSERT_TRUE(items.ok());
  auto all = reg_->Decisions(*items, today_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), items->size());
  for (size_t i = 0; i < items->size(); ++i)
    EXPECT_EQ((*all)[i].reason, reg_->DecisionFor((*items)[i], today_)->reason);
}

}  // namespace
}  // namespace steward
