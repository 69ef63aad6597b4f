// The records rules: classification, and the order of retention checked on
// thousands of random items (nothing kept by law or a hold is ever
// deletable, Class 3 never before its day), and the pack's [records] errors.
#include "records/rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "policy/loader.h"
#include "temp_dir.h"
#include "test_util.h"

namespace steward::records {
namespace {

using policy::RecordsPolicy;

RecordsPolicy Rules() {
  RecordsPolicy r;
  RecordsPolicy::ClassRule personnel;
  personnel.name = "personnel";
  personnel.record_class = RecordClass::kClass1;
  personnel.categories = {"personnel-record"};
  RecordsPolicy::ClassRule mail;
  mail.name = "mail";
  mail.record_class = RecordClass::kClass3;
  mail.folders = {"INBOX", "Sent"};
  RecordsPolicy::ClassRule board;
  board.name = "board";
  board.record_class = RecordClass::kClass1;
  board.addresses = {"@board.example.org"};
  r.classes = {mail, personnel, board};
  return r;
}

TEST(RecordsRules, TheRuleThatKeepsLongestDecidesTheClass) {
  RecordsPolicy r = Rules();
  EXPECT_EQ(Classify(r, {"INBOX", {}, {}}).record_class, RecordClass::kClass3);
  EXPECT_EQ(Classify(r, {"INBOX/Projects", {}, {}}).rule, "mail");
  Classified c = Classify(r, {"INBOX", {}, {"personnel-record"}});
  EXPECT_EQ(c.record_class, RecordClass::kClass1);
  EXPECT_EQ(c.rule, "personnel");
  EXPECT_EQ(Classify(r, {"Sent", {"clerk@board.example.org"}, {}}).rule,
            "board");
  // "@board.example.org" is a domain, not any address ending in it.
  EXPECT_EQ(Classify(r, {"Sent", {"x@notboard.example.org"}, {}}).rule, "mail");
  // No rule: the default, which keeps.
  c = Classify(r, {"Projects", {}, {}});
  EXPECT_EQ(c.record_class, RecordClass::kUnclassified);
  EXPECT_TRUE(c.rule.empty());
  EXPECT_TRUE(InFolder("inbox", "INBOX"));
  EXPECT_FALSE(InFolder("Boardroom", "Board"));
  EXPECT_TRUE(InFolder("Board/2024", "Board"));
}

TEST(RecordsRules, KeepingBeatsDeletingAndExplicitBeatsImplicit) {
  RecordsPolicy r;
  RecordsPolicy::Retention all, budgets, keep;
  all.name = "all-class-3";
  all.classes = {RecordClass::kClass3};
  all.delete_after_days = 4000;
  budgets.name = "budgets";
  budgets.classes = {RecordClass::kClass3};
  budgets.folders = {"Budgets"};
  budgets.delete_after_days = 5000;
  keep.name = "grants";
  keep.folders = {"Budgets/Grants"};
  keep.keep_days = 7000;
  r.retention = {all, budgets, keep};
  RetentionFacts f;
  f.record_class = RecordClass::kClass3;
  f.made = DayOf(2010, 1, 1);
  f.folder = "Budgets";
  // The explicit rule wins although the implicit one deletes sooner.
  Decision d = Decide(r, f, DayOf(2030, 1, 1));
  EXPECT_EQ(d.delete_rule, "budgets");
  EXPECT_EQ(*d.from, f.made + 5000);
  f.folder = "Letters";
  EXPECT_EQ(Decide(r, f, DayOf(2030, 1, 1)).delete_rule, "all-class-3");
  // A keep rule lengthens it.
  f.folder = "Budgets/Grants";
  d = Decide(r, f, DayOf(2028, 1, 1));
  EXPECT_EQ(*d.from, f.made + 7000);
  EXPECT_FALSE(d.deletable);
  EXPECT_NE(d.reason.find("grants"), std::string::npos);
  // A deletion rule sooner than the statutory floor does not shorten it.
  RecordsPolicy quick;
  RecordsPolicy::Retention q;
  q.name = "quick";
  q.classes = {RecordClass::kClass3};
  q.delete_after_days = 30;
  quick.retention = {q};
  f.made = DayOf(2025, 9, 1);
  f.folder = "";
  d = Decide(quick, f, DayOf(2026, 1, 1));
  EXPECT_FALSE(d.deletable);
  EXPECT_EQ(FormatDay(*d.from), "2029-07-02");
  // No deletion rule at all (and not mail): kept.
  d = Decide(RecordsPolicy{}, f, DayOf(2040, 1, 1));
  EXPECT_FALSE(d.deletable);
  EXPECT_FALSE(d.from.has_value());
  // Mail falls under the mailbox purge, after the archive year and the
  // floor.
  f.is_mail = true;
  d = Decide(RecordsPolicy{}, f, DayOf(2040, 1, 1));
  EXPECT_TRUE(d.deletable);
  EXPECT_EQ(d.delete_rule, "mailbox purge");
  EXPECT_EQ(FormatDay(*d.from), "2029-07-02");
}

// Thousands of random items, classes, holds, rules and days: whatever the
// rules say, nothing on hold, nothing of Class 1, 2, continuing or
// unclassified is ever deletable, and Class 3 never before its day (nor
// before an audit's); a deletable item has a day on or before today.
TEST(RecordsRules, NothingTheLawOrAHoldKeepsIsEverDeletable) {
  std::mt19937_64 rng(20261203);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const RecordClass classes[] = {RecordClass::kClass1, RecordClass::kClass2,
                                 RecordClass::kClass3, RecordClass::kContinuing,
                                 RecordClass::kUnclassified};
  const char* folders[] = {"INBOX", "Sent", "Budgets", "Budgets/Grants", ""};
  int deletable = 0;
  for (int round = 0; round < 20000; ++round) {
    RecordsPolicy r;
    r.purge_after_days = 90 + pick(400);
    r.archive_days = r.purge_after_days + pick(800);
    for (int i = pick(4); i > 0; --i) {
      RecordsPolicy::Retention rt;
      rt.name = "r" + std::to_string(i);
      if (pick(2)) rt.folders = {folders[pick(5)]};
      if (pick(2))
        rt.keep_days = 1 + pick(5000);
      else
        rt.delete_after_days = 1 + pick(5000);
      if (pick(3)) rt.classes = {classes[pick(5)]};
      r.retention.push_back(rt);
    }
    RetentionFacts f;
    f.record_class = classes[pick(5)];
    f.made = DayOf(1995, 1, 1) + pick(40 * 365);
    if (pick(4) == 0) f.audit_done = f.made + pick(1500);
    f.is_mail = pick(2);
    f.folder = folders[pick(5)];
    if (pick(5) == 0) f.holds = {"hold 1 'matter'"};
    Day today = f.made + pick(20 * 365);
    Decision d = Decide(r, f, today);
    if (!d.deletable) continue;
    ++deletable;
    ASSERT_TRUE(f.holds.empty()) << d.reason;
    ASSERT_EQ(f.record_class, RecordClass::kClass3) << d.reason;
    ASSERT_GE(today, Class3From(f.made)) << d.reason;
    if (f.audit_done) {
      ASSERT_GE(today, AuditFrom(*f.audit_done));
    }
    ASSERT_TRUE(d.from.has_value());
    ASSERT_LE(*d.from, today);
    ASSERT_FALSE(d.delete_rule.empty());
    // Every keep rule that covers it has run its course.
    for (const auto& rt : r.retention)
      if (rt.keep_days > 0 &&
          (rt.folders.empty() || InFolder(f.folder, rt.folders[0])) &&
          (rt.classes.empty() || rt.classes[0] == f.record_class)) {
        ASSERT_GE(today, f.made + rt.keep_days) << rt.name;
      }
    if (f.is_mail) {
      ASSERT_GE(today, f.made + r.archive_days);
    }
  }
  // The property is not vacuous.
  EXPECT_GT(deletable, 500);
}

// The pack's [records]: mistakes are reported with the file and line.
TEST(RecordsRules, ThePacksRecordsSectionIsChecked) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "pack.toml") << R"(
[pack]
name = "t"
[[category]]
id = "personnel-record"
title = "Personnel record"
severity = "high"
clauses = []
advice = "Keep it in the personnel file."
[records]
time_zone = "Mars/Olympus"
purge_after_days = 30
holidays = ["2026-02-30"]
[[records.class]]
name = "x"
class = "class-4"
categories = ["nope"]
[[records.retention]]
name = "y"
classes = ["class-1"]
delete_after_days = 10
[[records.retention]]
name = "z"
[[records.exemption]]
code = "7927.700"
title = "Privacy"
label = "privacy [x]"
categories = ["personnel-record", "missing-category"]
[[records.exemption]]
code = "7927.705"
title = "Pupil records"
categories = ["personnel-record"]
)";
  auto r = policy::LoadPack((dir.path() / "pack.toml").string(),
                            {.compile_patterns = false});
  ASSERT_FALSE(r.ok());
  std::string all;
  for (const auto& e : r.errors) all += e.ToString() + "\n";
  for (const char* want :
       {"unknown time_zone 'Mars/Olympus'",
        "purge_after_days must be at least 90", "2026-02-30", "class-4",
        "unknown category 'nope'", "only Class 3 records are ever disposed of",
        "give keep_days or delete_after_days", "pack.toml:",
        "no brackets in the label", "unknown category 'missing-category'",
        "category 'personnel-record' is already redacted under another "
        "exemption"})
    EXPECT_NE(all.find(want), std::string::npos) << want << "\n" << all;
}

TEST(RecordsRules, TheBundledPackClassifiesAndDisposes) {
  auto r = policy::LoadPack(testing::SourceDir() + "/policy",
                            {.compile_patterns = false});
  ASSERT_TRUE(r.ok());
  const RecordsPolicy& rec = r.pack->records;
  EXPECT_EQ(rec.time_zone, "America/Los_Angeles");
  EXPECT_EQ(rec.purge_after_days, 90u);
  EXPECT_EQ(rec.archive_days, 365u);
  EXPECT_FALSE(rec.holidays.empty());
  EXPECT_EQ(Classify(rec, {"INBOX", {}, {"personnel-record"}}).record_class,
            RecordClass::kClass1);
  EXPECT_EQ(Classify(rec, {"Board Minutes/2024", {}, {}}).record_class,
            RecordClass::kClass1);
  EXPECT_EQ(Classify(rec, {"INBOX", {}, {}}).record_class,
            RecordClass::kClass3);
  EXPECT_EQ(Classify(rec, {"Projects", {}, {}}).record_class,
            RecordClass::kUnclassified);
}

}  // namespace
}  // namespace steward::records
