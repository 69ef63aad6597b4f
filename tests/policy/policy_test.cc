// The policy pack loader: the bundled pack is valid and complete, and every
// kind of mistake a district can make is reported with file, line and what.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "identity/roles.h"
#include "policy/loader.h"
#include "test_util.h"

namespace steward::policy {
namespace {

namespace fs = std::filesystem;

// A door's view of the pack: the detectors of the categories its rules
// name, with what conduct counting, a bulk extract or a combination of them
// needs.
TEST(ForChannel, KeepsTheDetectorsARuleOfTheChannelCanActOn) {
  auto pack = std::make_shared<PolicyPack>();
  for (const char* cat :
       {"ssn", "student-id", "date-of-birth", "iep-504", "roster-student",
        "profanity", "threat", "phone", "email", "x"}) {
    Detector d;
    d.id = std::string("d-") + cat;
    d.category = cat;
    pack->detectors.push_back(d);
  }
  Rule web;
  web.channels = {Channel::kWeb};
  web.categories = {"ssn", "date-of-birth"};
  Rule mail;
  mail.channels = {Channel::kMail};
  mail.categories = {"email"};
  Rule every;  // no channels: every channel
  every.categories = {"phone"};
  pack->rules = {web, mail, every};
  pack->mail.escalate_categories = {"threat"};
  pack->bulk_extract = {"student-extract", 10, {"student-id", "date-of-birth"}};
  Combination both;
  both.all_of = {"roster-student"};
  both.any_of = {"iep-504", "student-id"};
  pack->combinations = {both};
  auto ids = [](const PackPtr& p) {
    std::set<std::string> s;
    for (const auto& d : p->detectors) s.insert(d.id);
    return s;
  };
  // ssn and date-of-birth by the web rule, phone by the rule of every
  // channel, threat as conduct; student-id because date-of-birth counts
  // rows of the extract; roster-student and iep-504 as student-id's
  // combination; not email (a mail rule), profanity (named by nothing) nor x.
  EXPECT_EQ(
      ids(ForChannel(pack, Channel::kWeb)),
      (std::set<std::string>{"d-ssn", "d-date-of-birth", "d-phone", "d-threat",
                             "d-student-id", "d-iep-504", "d-roster-student"}));
  EXPECT_EQ(ids(ForChannel(pack, Channel::kMail)),
            (std::set<std::string>{"d-email", "d-phone", "d-threat"}));
  EXPECT_EQ(pack->detectors.size(), 10u);  // the pack itself is unchanged
  // A rule of every channel that names no category acts on any finding.
  Rule any;
  pack->rules.push_back(any);
  EXPECT_EQ(ForChannel(pack, Channel::kPublish), pack);
}

TEST(BundledPack, IsValid) {
  LoadResult r = LoadPack(steward::testing::PackDir());
  for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.pack->hash.size(), 64u);
}

TEST(BundledPack, HasEveryClauseLetterAndTheIssueCategories) {
  LoadResult r = LoadPack(steward::testing::PackDir());
  ASSERT_TRUE(r.ok());
  for (char c = 'A'; c <= 'R'; ++c)
    EXPECT_NE(r.pack->FindClause(std::string(1, c)), nullptr) << c;
  for (const char* id : {"E.2", "C.14", "K.9.a", "K.9.h", "L.3.a", "L.3.b",
                         "F.2.a", "N.4", "Q", "R"})
    EXPECT_NE(r.pack->FindClause(id), nullptr) << id;
  for (const char* cat : {"ssn",
                          "payment-card",
                          "phone",
                          "email-address",
                          "street-address",
                          "date-of-birth",
                          "driver-license",
                          "student-id",
                          "roster-student",
                          "roster-employee",
                          "iep-504",
                          "grades-transcript",
                          "discipline",
                          "health",
                          "program-eligibility",
                          "personnel-record",
                          "credential",
                          "security-file",
                          "profanity",
                          "harassment",
                          "threat",
                          "chain-letter",
                          "pyramid-scheme",
                          "political-campaigning",
                          "commercial-advertising",
                          "illegal-goods",
                          "not-inspected"})
    EXPECT_NE(r.pack->FindCategory(cat), nullptr) << cat;
}

// C.23 names streaming, P2P and games; the bundled pack lists each, as
// non-academic, and knows the District's sites with duty hours (C.27).
TEST(BundledPack, ListsTheBandwidthHeavyCategoriesAndTheSites) {
  LoadResult r = LoadPack(steward::testing::PackDir());
  ASSERT_TRUE(r.ok());
  const WeblogPolicy& w = r.pack->weblog;
  for (const char* name : {"streaming", "p2p", "games"}) {
    auto c = std::find_if(w.categories.begin(), w.categories.end(),
                          [&](const auto& x) { return x.name == name; });
    ASSERT_NE(c, w.categories.end()) << name;
    EXPECT_FALSE(c->academic) << name;
    EXPECT_NE(std::find(c->clauses.begin(), c->clauses.end(), "C.23"),
              c->clauses.end())
        << name;
    EXPECT_GE(c->hosts.size(), 10u) << name;
  }
  EXPECT_FALSE(w.time_zone.empty());
  EXPECT_GE(w.sites.size(), 2u);
  for (const auto& s : w.sites) EXPECT_FALSE(s.subnets.empty()) << s.name;
}

// Writes a small pack into a temporary folder, with one file's text replaced.
class BadPack : public steward::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    Write("pack.toml",
          "include = [\"more.toml\"]\n"
          "[pack]\nname = \"t\"\nversion = \"1\"\n"
          "[[clause]]\nid = \"C\"\ntitle = \"Prohibited\"\nmode = \"detect\"\n"
          "[[clause]]\nid = \"E.2\"\ntitle = \"Outside\"\nmode = \"enforce\"\n"
          "[[category]]\nid = \"not-inspected\"\ntitle = \"NI\"\nseverity = "
          "\"low\"\nclauses = [\"C\"]\n"
          "[[category]]\nid = \"ssn\"\ntitle = \"SSN\"\nseverity = "
          "\"high\"\nclauses = [\"E.2\"]\n");
  }
  LoadResult Load() { return LoadPack(dir_.string()); }
  std::string ReadBase() {
    return steward::testing::ReadAll((dir_ / "pack.toml").string());
  }
  // The one error expected, as "file:line: message-substring".
  void ExpectError(const std::string& file, uint32_t line,
                   const std::string& what) {
    LoadResult r = Load();
    ASSERT_FALSE(r.ok()) << "expected an error: " << what;
    bool found = false;
    for (const auto& e : r.errors)
      found |= fs::path(e.loc.file).filename() == file && e.loc.line == line &&
               e.message.find(what) != std::string::npos;
    std::string all;
    for (const auto& e : r.errors) all += e.ToString() + "\n";
    EXPECT_TRUE(found) << "wanted " << file << ":" << line << ": " << what
                       << "\ngot:\n"
                       << all;
  }
  // The one error expected, whole, as the CLI prints it: "file:line: message"
  // with the file named by its name in the pack folder.
  void ExpectExactly(const std::string& file_line_message) {
    LoadResult r = Load();
    ASSERT_FALSE(r.ok()) << "expected an error: " << file_line_message;
    std::string all;
    for (const auto& e : r.errors) all += e.ToString() + "\n";
    ASSERT_EQ(r.errors.size(), 1u) << all;
    EXPECT_EQ(r.errors[0].ToString(), (dir_ / file_line_message).string());
  }
  // A rule valid but for the lines in `extra`, which come last.
  static std::string RuleWith(const std::string& extra) {
    return "[[rule]]\nid = \"r\"\nclauses = [\"E.2\"]\nmessage = \"m\"\n"
           "action = \"hold\"\n" +
           extra;
  }
};

TEST_F(BadPack, ValidBaseLoads) {
  Write("more.toml", "");
  LoadResult r = Load();
  for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
}

// A classifier detector: its words, its model file and its label.
// The keys every classifier detector of these tests has.
const char kModelKeys[] =
    "lexicons = [\"w\"]\nmodel = \"model.ftz\"\nlabel = \"x\"\n";

std::string ClassifierWith(const std::string& extra) {
  return "\n[[lexicon]]\nid = \"w\"\nterms = [\"kill\"]\n"
         "[[detector]]\nid = \"m\"\nkind = \"classifier\"\n"
         "category = \"ssn\"\n" +
         extra;
}

TEST_F(BadPack, AClassifierWithoutItsModelFileNamesFileAndLine) {
  Write("more.toml", ClassifierWith("lexicons = [\"w\"]\nmodel = "
                                    "\"models/none.ftz\"\nlabel = \"x\"\n"));
  ExpectError("more.toml", 5, "detector 'm': model:");
}

TEST_F(BadPack, AClassifierNeedsTriggerWordsAndAThresholdInRange) {
  Write("model.ftz", "not a model");
  Write("more.toml", ClassifierWith("model = \"model.ftz\"\nlabel = "
                                    "\"x\"\nthreshold = 1.5\n"));
  ExpectError("more.toml", 5, "needs 'lexicons'");
  ExpectError("more.toml", 5, "'threshold' must be in (0,1]");
}

TEST_F(BadPack, AMisspeltClassifierUnitNamesFileAndLine) {
  Write("model.ftz", "not a model");
  Write("more.toml",
        ClassifierWith(std::string(kModelKeys) + "unit = \"sentense\"\n"));
  ExpectError("more.toml", 12, "sentense");
}

TEST_F(BadPack, ANumberThatIsNotFiniteOrTooLargeIsRefused) {
  Write("model.ftz", "not a model");
  Write("more.toml", ClassifierWith(std::string(kModelKeys) +
                                    "threshold = nan\n"
                                    "min_triggers = 4294967298\n"));
  ExpectError("more.toml", 12, "'threshold' must be a finite number");
  ExpectError("more.toml", 13, "'min_triggers' is too large");
}

TEST_F(BadPack, ClassifierKeysOnAnotherKindAreRefused) {
  Write("more.toml",
        "\n[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = "
        "\"ssn\"\npattern = 'x'\nthreshold = 0.4\n");
  ExpectError("more.toml", 2, "'threshold' is for a classifier detector only");
}

TEST_F(BadPack, ASecondOpinionNeedsEncoderAndHeadAndAGateInRange) {
  Write("model.ftz", "not a model");
  Write("more.toml", ClassifierWith(std::string(kModelKeys) +
                                    "encoder = \"enc\"\ngate = 1.5\n"));
  ExpectError("more.toml", 5, "'encoder' and 'head' go together");
  ExpectError("more.toml", 5, "'gate' must be in [0,1)");
  Write("more.toml",
        ClassifierWith(std::string(kModelKeys) + "encoder_tune = \"t.tune\"\n"
                                                 "head_weight = 1.5\n"));
  ExpectError("more.toml", 5, "'encoder_tune' needs 'encoder'");
  ExpectError("more.toml", 5, "'head_weight' must be in (0,1]");
  ExpectError("more.toml", 5, "'head_weight' needs 'head'");
}

TEST_F(BadPack, AnEncoderFolderWithoutItsFilesSaysHowToFetchThem) {
  Write("model.ftz", "not a model");
  Write("conduct.head", "steward-head 1");
  Write("more.toml",
        ClassifierWith(std::string(kModelKeys) + "encoder = \"enc\"\n"
                                                 "head = \"conduct.head\"\n"));
  ExpectError("more.toml", 5, "scripts/encoder.sh");
}

TEST_F(BadPack, AHeadFileIsPartOfThePacksVersion) {
  Write("model.ftz", "one");
  Write("enc/model.json", "{}");
  Write("enc/vocab.json", "[]");
  const std::string classifier =
      std::string(kModelKeys) + "encoder = \"enc\"\nhead = \"h.head\"\n";
  Write("more.toml", ClassifierWith(classifier));
  // The pack's version after `file` is written with `bytes`.
  auto hash_after = [&](const std::string& file, const std::string& bytes) {
    Write(file, bytes);
    LoadResult r = Load();
    EXPECT_TRUE(r.ok()) << file;
    return r.ok() ? r.pack->hash : std::string();
  };
  EXPECT_NE(hash_after("h.head", "one"), hash_after("h.head", "two"));
  // so is the encoder
  EXPECT_NE(hash_after("enc/vocab.json", "[]"),
            hash_after("enc/vocab.json", "[[]]"));
  // and the encoder's tuning file
  Write("more.toml",
        ClassifierWith(classifier + "encoder_tune = \"t.tune\"\n"));
  EXPECT_NE(hash_after("t.tune", "one"), hash_after("t.tune", "two"));
}

TEST_F(BadPack, AModelFileIsPartOfThePacksVersion) {
  Write("model.ftz", "one");
  Write("more.toml", ClassifierWith(kModelKeys));
  LoadResult a = Load();
  ASSERT_TRUE(a.ok());
  Write("model.ftz", "two");
  LoadResult b = Load();
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a.pack->hash, b.pack->hash);
}

TEST_F(BadPack, SemestersMustBeRealDaysInOrderWithoutOverlap) {
  Write("more.toml",
        "\n[accounts]\nclauses = [\"E.2\"]\n"
        "[[accounts.semester]]\nname = \"Fall\"\nbegins = \"2026-08-12\"\n"
        "ends = \"2026-12-18\"\n"
        "[[accounts.semester]]\nname = \"Spring\"\nbegins = \"2026-12-01\"\n"
        "ends = \"2027-06-03\"\n");
  ExpectError("more.toml", 8, "'Spring' begins before the semester above");
  Write("more.toml",
        "\n[accounts]\nclauses = [\"E.2\"]\n"
        "[[accounts.semester]]\nname = \"Fall\"\nbegins = \"2026-02-30\"\n"
        "ends = \"2026-12-18\"\n");
  ExpectError("more.toml", 4, "'Fall'");
  Write("more.toml",
        "\n[accounts]\nclauses = [\"E.2\"]\n"
        "[[accounts.semester]]\nname = \"Fall\"\nbegins = \"2026-12-18\"\n"
        "ends = \"2026-08-12\"\n");
  ExpectError("more.toml", 4, "ends before it begins");
}

TEST_F(BadPack, UnknownClauseId) {
  Write("more.toml",
        "\n[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = \"ssn\"\n"
        "clauses = [\"Z.9\"]\npattern = 'x'\n");
  ExpectError("more.toml", 2, "unknown clause 'Z.9'");
}

TEST_F(BadPack, AFormatThatDoesNotCompileIsNamed) {
  Write("more.toml",
        "\n[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = "
        "\"ssn\"\npattern = '\\d+'\nformats = [ { name = \"Utah\", "
        "pattern = '\\d{4,' }, { name = \"Ohio\", pattern = '[' } ]\n");
  ExpectError("more.toml", 2, "format 'Ohio': PCRE2 cannot compile");
}

TEST_F(BadPack, BulkExtractNamesUnknownCategories) {
  Write("more.toml", "");
  Write("pack.toml", ReadBase() +
                         "[bulk_extract]\ncategory = \"student-extract\"\n"
                         "from = [\"ssn\", \"nope\"]\n");
  ExpectError("pack.toml", 23, "unknown category 'student-extract'");
  ExpectError("pack.toml", 23, "unknown category 'nope'");
}

TEST_F(BadPack, UnknownViewAndLimitKey) {
  Write("more.toml",
        "[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = \"ssn\"\n"
        "pattern = 'x'\nviews = [\"body\", \"alt\", \"pictures\"]\n");
  Write("pack.toml", ReadBase() + "[limits]\nmax_pagez = 3\n");
  ExpectError("more.toml", 6, "unknown view 'pictures'");
  ExpectError("pack.toml", 24, "unknown key 'max_pagez'");
}

TEST_F(BadPack, PatternHyperscanCannotCompile) {
  Write("more.toml",
        "[[detector]]\nid = \"backref\"\nkind = \"regex\"\ncategory = \"ssn\"\n"
        "pattern = '(a)\\1'\n");
  ExpectError("more.toml", 1, "Hyperscan cannot compile");
}

TEST_F(BadPack, RuleCitingNoClause) {
  Write("more.toml",
        "[[rule]]\nid = \"r\"\nchannels = [\"mail\"]\naction = "
        "\"reject\"\nmessage = \"m\"\n");
  ExpectError("more.toml", 1, "cites no clause");
}

TEST_F(BadPack, TypoInAKeyIsNotIgnored) {
  Write("more.toml",
        "[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = "
        "\"ssn\"\npattern = 'x'\n"
        "hotword = [\"ssn\"]\n");
  ExpectError("more.toml", 6, "unknown key 'hotword'");
}

TEST_F(BadPack, SyntaxErrorNamesTheLine) {
  Write("more.toml", "[[detector]]\nid = \"d\"\nkind = regex\n");
  ExpectError("more.toml", 3, "");
}

TEST_F(BadPack, UnknownCategoryValidatorLexiconAndAction) {
  Write("more.toml",
        "[[detector]]\nid = \"d\"\nkind = \"lexicon\"\ncategory = "
        "\"nope\"\nlexicons = [\"missing\"]\n"
        "validator = \"luhnn\"\n"
        "[[rule]]\nid = \"r\"\naction = \"explode\"\nclauses = "
        "[\"E.2\"]\nmessage = \"m\"\n");
  ExpectError("more.toml", 1, "unknown category 'nope'");
  ExpectError("more.toml", 1, "unknown lexicon 'missing'");
  ExpectError("more.toml", 6, "unknown validator 'luhnn'");
  ExpectError("more.toml", 9, "unknown action 'explode'");
}

// The pack's vocabulary (policy/pack.h): a misspelt word is an error at its
// own line, naming the words the pack accepts; it never loads as a rule that
// silently does nothing.
TEST_F(BadPack, MisspeltActionNamesFileAndLine) {
  Write("more.toml",
        "[[rule]]\nid = \"r\"\nclauses = [\"E.2\"]\nmessage = \"m\"\n"
        "action = \"quarantene\"\n");
  ExpectExactly(
      "more.toml:5: rule 'r': unknown action 'quarantene' (allow, warn, "
      "quarantine, hold, reject)");
}

TEST_F(BadPack, MisspeltDestinationNamesFileAndLine) {
  Write("more.toml", RuleWith("destination = \"externel\"\n"));
  ExpectExactly(
      "more.toml:6: rule 'r': unknown destination 'externel' (any, internal, "
      "external, mixed, lookalike, cloud)");
}

TEST_F(BadPack, WebSectionIsReadAndChecked) {
  Write("more.toml",
        "[web]\ncloud_hosts = [\"Drive.Example.org\"]\n"
        "approved_hosts = [\"sis.example.org\"]\nmax_inspect_bytes = 1048576\n"
        "on_failure = \"accept\"\nuser_header = \"X-User\"\n"
        "user_header_base64 = true\n");
  LoadResult r = Load();
  ASSERT_TRUE(r.ok());
  const steward::policy::WebPolicy& w = r.pack->web;
  EXPECT_EQ(w.cloud_hosts, std::vector<std::string>{"drive.example.org"});
  EXPECT_EQ(w.approved_hosts, std::vector<std::string>{"sis.example.org"});
  EXPECT_EQ(w.max_inspect_bytes, 1048576u);
  EXPECT_EQ(w.on_failure, steward::policy::FailureMode::kAccept);
  EXPECT_EQ(w.user_header, "X-User");
  EXPECT_TRUE(w.user_header_base64);
  Write("more.toml", "[web]\non_failure = \"tempfail\"\n");
  ExpectError("more.toml", 1, "[web] on_failure must be reject or accept");
  Write("more.toml", "[web]\ncloud_hosts = [\"https://x.example/\"]\n");
  ExpectError("more.toml", 1, "is not a host name");
  Write("more.toml", "[web]\nmax_inspect_bytes = 10\n");
  ExpectError("more.toml", 1, "max_inspect_bytes must be at least 65536");
  Write("more.toml", "[web]\ncloud = []\n");
  ExpectError("more.toml", 2, "cloud");
}

// The proxy log report's lists: what a district writes is read as meant,
// and each mistake names its file and line.
TEST_F(BadPack, WeblogSectionIsReadAndChecked) {
  Write("more.toml",
        "[weblog]\ntime_zone = \"America/Los_Angeles\"\n"
        "duty = { mon = \"07:30-16:00\", wed = [\"07:00-11:00\", "
        "\"12:00-24:00\"] }\n"
        "[[weblog.category]]\nname = \"streaming\"\n"
        "hosts = [\"YouTube.com\"]\nclauses = [\"E.2\"]\n"
        "[[weblog.site]]\nname = \"High\"\n"
        "subnets = [\"10.6.7.8/16\", \"2001:db8:6::/48\", \"192.0.2.1\"]\n"
        "time_zone = \"Asia/Kolkata\"\n");
  LoadResult r = Load();
  for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(r.ok());
  const WeblogPolicy& w = r.pack->weblog;
  EXPECT_EQ(w.time_zone, "America/Los_Angeles");
  ASSERT_EQ(w.duty[1].size(), 1u);  // Monday
  EXPECT_EQ(w.duty[1][0].begin, 7 * 60 + 30);
  ASSERT_EQ(w.duty[3].size(), 2u);  // Wednesday, a split day
  EXPECT_EQ(w.duty[3][1].end, 24 * 60);
  ASSERT_EQ(w.categories.size(), 1u);
  EXPECT_FALSE(w.categories[0].academic);  // a category counts by default
  EXPECT_EQ(w.categories[0].hosts, std::vector<std::string>{"youtube.com"});
  ASSERT_EQ(w.sites.size(), 1u);
  ASSERT_EQ(w.sites[0].subnets.size(), 3u);
  EXPECT_EQ(w.sites[0].subnets[0].prefix, 96 + 16);
  EXPECT_EQ(w.sites[0].subnets[0].addr[14], 0);  // host bits cleared
  EXPECT_EQ(w.sites[0].subnets[2].prefix, 128);

  Write("more.toml", "[weblog]\nduty = { mon = \"7:30-16:00\" }\n");
  ExpectError("more.toml", 2, "duty hours '7:30-16:00' are not HH:MM-HH:MM");
  Write("more.toml", "[weblog]\nduty = { mon = \"16:00-07:30\" }\n");
  ExpectError("more.toml", 2, "are not HH:MM-HH:MM within one day");
  Write("more.toml", "[weblog]\n\nduty = { monday = \"07:30-16:00\" }\n");
  ExpectError("more.toml", 3, "unknown weekday 'monday'");
  Write("more.toml",
        "[weblog]\nduty = { fri = [\"07:00-12:00\", \"11:00-15:00\"] }\n");
  ExpectError("more.toml", 2, "overlap");
  Write("more.toml", "[weblog]\ntime_zone = \"Pacific Time\"\n");
  ExpectError("more.toml", 1, "unknown time_zone 'Pacific Time'");
  Write("more.toml",
        "[[weblog.site]]\nname = \"A\"\nsubnets = [\"10.300.0.0/16\"]\n");
  ExpectError("more.toml", 1, "'10.300.0.0/16' is not an address block");
  Write("more.toml",
        "[[weblog.site]]\nname = \"A\"\nsubnets = [\"10.0.0.0/33\"]\n");
  ExpectError("more.toml", 1, "is not an address block");
  Write("more.toml",
        "[[weblog.site]]\nname = \"A\"\nsubnets = [\"10.1.0.0/16\"]\n"
        "[[weblog.site]]\nname = \"B\"\nsubnets = [\"10.1.2.3/16\"]\n");
  ExpectError("more.toml", 4, "'10.1.2.3/16' is already site 'A'");
  Write("more.toml",
        "[[weblog.category]]\nname = \"a\"\nhosts = [\"x.com\"]\n"
        "[[weblog.category]]\nname = \"b\"\nhosts = [\"X.com\"]\n");
  ExpectError("more.toml", 4, "'x.com' is already in category 'a'");
  Write("more.toml",
        "[[weblog.category]]\nname = \"other\"\nhosts = [\"x.com\"]\n");
  ExpectError("more.toml", 1, "'other' is what no category lists");
  Write("more.toml",
        "[[weblog.category]]\nname = \"a\"\nhosts = [\"https://x.com/\"]\n");
  ExpectError("more.toml", 1, "'https://x.com/' is not a host name");
  Write("more.toml",
        "[[weblog.category]]\nname = \"a\"\nhosts = [\"x.com\"]\n"
        "clauses = [\"C.99\"]\n");
  ExpectError("more.toml", 1, "unknown clause 'C.99'");
  Write("more.toml", "[[weblog.category]]\nname = \"a\"\nhost = [\"x\"]\n");
  ExpectError("more.toml", 3, "unknown key 'host' in [[weblog.category]]");
}

TEST_F(BadPack, MisspeltExemptionNamesFileAndLine) {
  Write("more.toml", RuleWith("exempt = [\n  \"encrypted\",\n"
                              "  \"aproved-vendor\",\n]\n"));
  ExpectExactly(
      "more.toml:8: rule 'r': unknown exemption 'aproved-vendor' (encrypted, "
      "secure-send, approved-vendor)");
}

TEST_F(BadPack, MisspeltViewNamesFileAndLine) {
  Write("more.toml",
        "[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = \"ssn\"\n"
        "pattern = 'x'\nviews = \"subjet\"\n");
  ExpectExactly(
      "more.toml:6: detector 'd': unknown view 'subjet' (body, subject, "
      "headers, addresses, filename, alt, links, script-src, script, "
      "comments)");
}

TEST_F(BadPack, MisspeltFailureModeAndRosterFieldNameFileAndLine) {
  Write("more.toml",
        "[[detector]]\nid = \"names\"\nkind = \"roster\"\n"
        "category = \"ssn\"\nroster_role = \"students\"\n"
        "roster_field = \"name\"\n");
  Write("pack.toml", ReadBase() + "[mail]\non_failure = \"tempfial\"\n");
  ExpectError("more.toml", 5,
              "detector 'names': unknown roster_role 'students' (student, "
              "employee)");
  ExpectError("more.toml", 6,
              "detector 'names': unknown roster_field 'name' (names, ids)");
  ExpectError("pack.toml", 24,
              "[mail]: unknown on_failure 'tempfial' (tempfail, accept, "
              "reject)");
}

TEST_F(BadPack, MisspeltChannelNamesFileAndLine) {
  Write("more.toml", RuleWith("channels = [\"mail\", \"webb\"]\n"));
  ExpectExactly(
      "more.toml:6: rule 'r': unknown channel 'webb' (mail, web, publish, "
      "scan)");
}

TEST_F(BadPack, MisspeltReleaseRoleNamesFileAndLine) {
  Write("more.toml", RuleWith("release_role = \"designe\"\n"));
  ExpectExactly(
      "more.toml:6: rule 'r': unknown release_role 'designe' (employee, "
      "content-manager, site-admin, its-admin, records-custodian, supervisor, "
      "auditor, designee)");
}

// Found by attacking held mail in the portal: "employee" would let every
// employee read and release what the rule held; an auditor decides nothing.
TEST_F(BadPack, AReleaseRoleThatCannotDecideIsRefused) {
  Write("more.toml", RuleWith("release_role = \"auditor\"\n"));
  ExpectExactly(
      "more.toml:6: rule 'r': release_role 'auditor' cannot release held "
      "mail: name a role that decides (its-admin, designee, supervisor, ...)");
}

// The pack's report kinds cite clauses it has.
TEST_F(BadPack, AReportKindCitingAnUnknownClauseIsRefused) {
  Write("more.toml",
        "[incidents]\n[[incidents.report]]\nid = \"lost-badge\"\n"
        "title = \"A lost badge\"\nclauses = [\"Z.9\"]\n");
  ExpectExactly(
      "more.toml:2: [[incidents.report]] 'lost-badge' cites unknown clause "
      "'Z.9'");
}

TEST_F(BadPack, MisspeltClauseModeNamesFileAndLine) {
  Write("more.toml",
        "[[clause]]\nid = \"K\"\ntitle = \"Records\"\n"
        "mode = [\"record\", \"enforec\"]\n");
  ExpectExactly(
      "more.toml:4: clause 'K': unknown mode 'enforec' (enforce, detect, "
      "workflow, record, inform)");
  Write("more.toml", "[[clause]]\nid = \"K\"\ntitle = \"Records\"\n");
  ExpectExactly("more.toml:1: clause 'K' has no mode");
}

TEST_F(BadPack, MisspeltValidatorNamesFileAndLine) {
  Write("more.toml",
        "[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = \"ssn\"\n"
        "pattern = '\\d{16}'\nvalidator = \"lunh\"\n");
  ExpectExactly(
      "more.toml:6: detector 'd': unknown validator 'lunh' (ssn, luhn, nanp, "
      "phone, email, date, cadl, driver-license, ssid, digits)");
}

TEST_F(BadPack, ChannelsModesRolesAndValidatorsLoadAsTheirValues) {
  Write("more.toml",
        RuleWith("channels = [\"web\", \"publish\"]\n"
                 "release_role = \"designee\"\n") +
            "[[rule]]\nid = \"plain\"\nclauses = [\"E.2\"]\nmessage = "
            "\"m\"\naction = \"quarantine\"\n"
            "[[detector]]\nid = \"d\"\nkind = \"regex\"\ncategory = "
            "\"ssn\"\npattern = '\\d{16}'\nvalidator = \"luhn\"\n"
            "[[clause]]\nid = \"K\"\ntitle = \"Records\"\n"
            "mode = [\"record\", \"workflow\"]\n");
  LoadResult r = Load();
  for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(r.ok());
  const Rule& u = r.pack->rules.at(0);
  EXPECT_EQ(u.channels,
            (std::vector<Channel>{Channel::kWeb, Channel::kPublish}));
  EXPECT_EQ(u.release_role, ReleaseRole::kDesignee);
  // No channels: every channel; no release_role: ITS.
  const Rule& plain = r.pack->rules.at(1);
  EXPECT_TRUE(plain.channels.empty());
  EXPECT_EQ(plain.release_role, ReleaseRole::kItsAdmin);
  EXPECT_EQ(r.pack->detectors.at(0).validator, Validator::kLuhn);
  EXPECT_EQ(
      r.pack->FindClause("K")->modes,
      (std::vector<ClauseMode>{ClauseMode::kRecord, ClauseMode::kWorkflow}));
  EXPECT_EQ(r.pack->FindClause("C")->modes,
            std::vector<ClauseMode>{ClauseMode::kDetect});
}

// A held message waits for one of the portal's roles: the pack's words for
// them are exactly identity's role names.
TEST(Vocabulary, ReleaseRolesAreThePortalsRoles) {
  std::set<std::string> pack, portal;
  for (const auto& e : kReleaseRoleNames) pack.insert(std::string(e.name));
  for (identity::Role role : identity::kAllRoles)
    portal.insert(std::string(identity::RoleName(role)));
  EXPECT_EQ(pack, portal);
}

TEST_F(BadPack, ActionMustBeAWord) {
  Write("more.toml",
        "[[rule]]\nid = \"r\"\nclauses = [\"E.2\"]\nmessage = \"m\"\n");
  ExpectExactly("more.toml:1: missing required key 'action'");
  Write("more.toml",
        "[[rule]]\nid = \"r\"\nclauses = [\"E.2\"]\nmessage = \"m\"\n"
        "action = 3\n");
  ExpectExactly("more.toml:5: 'action' must be a string");
}

TEST_F(BadPack, WordsLoadAsTheirValues) {
  Write("more.toml", RuleWith("destination = \"lookalike\"\n"
                              "exempt = [\"secure-send\", \"encrypted\"]\n") +
                         "[[detector]]\nid = \"d\"\nkind = \"roster\"\n"
                         "category = \"ssn\"\nroster_role = \"employee\"\n"
                         "roster_field = \"ids\"\nviews = [\"addresses\", "
                         "\"script-src\"]\n"
                         "[mail]\non_failure = \"accept\"\n");
  LoadResult r = Load();
  for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(r.ok());
  const Rule& u = r.pack->rules.at(0);
  EXPECT_EQ(u.action, Action::kHold);
  EXPECT_EQ(u.destination, Destination::kLookalike);
  EXPECT_EQ(u.exempt, (std::vector<Exemption>{Exemption::kSecureSend,
                                              Exemption::kEncrypted}));
  const Detector& d = r.pack->detectors.at(0);
  EXPECT_EQ(d.roster_role, RosterRole::kEmployee);
  EXPECT_EQ(d.roster_field, RosterField::kIds);
  EXPECT_EQ(d.views, (std::vector<core::View>{core::View::kAddresses,
                                              core::View::kScriptSrc}));
  EXPECT_EQ(r.pack->mail.on_failure, FailureMode::kAccept);
}

// Each name table holds every value once: a word parses to the value that
// prints as it.
template <typename E, size_t N>
void ExpectRoundTrip(const core::Named<E> (&table)[N]) {
  std::set<std::string_view> words;
  for (const auto& e : table) {
    EXPECT_TRUE(words.insert(e.name).second) << e.name;
    EXPECT_EQ(core::ParseName(table, e.name), e.value) << e.name;
    EXPECT_EQ(core::NameOf(table, e.value), e.name);
  }
  EXPECT_EQ(core::ParseName(table, "nonsense"), std::nullopt);
}

TEST(Vocabulary, NameTablesRoundTrip) {
  ExpectRoundTrip(kActionNames);
  ExpectRoundTrip(kDestinationNames);
  ExpectRoundTrip(kExemptionNames);
  ExpectRoundTrip(kFailureModeNames);
  ExpectRoundTrip(kRosterRoleNames);
  ExpectRoundTrip(kRosterFieldNames);
  ExpectRoundTrip(core::kViewNames);
  ExpectRoundTrip(kChannelNames);
  ExpectRoundTrip(kClauseModeNames);
  ExpectRoundTrip(kReleaseRoleNames);
  ExpectRoundTrip(kValidatorNames);
  // Actions are ordered by strength: a stronger action wins.
  EXPECT_LT(Action::kAllow, Action::kWarn);
  EXPECT_LT(Action::kWarn, Action::kQuarantine);
  EXPECT_LT(Action::kQuarantine, Action::kHold);
  EXPECT_LT(Action::kHold, Action::kReject);
}

TEST_F(BadPack, MissingIncludedFileAndWordList) {
  Write("pack.toml",
        ReadBase() + "[[lexicon]]\nid = \"w\"\nfile = \"nowhere.txt\"\n");
  LoadResult r = Load();
  ASSERT_FALSE(r.ok());
  std::string all;
  for (const auto& e : r.errors) all += e.ToString() + "\n";
  EXPECT_NE(all.find("more.toml"), std::string::npos) << all;
  EXPECT_NE(all.find("nowhere.txt"), std::string::npos) << all;
}

TEST_F(BadPack, BadSeverityAndDuplicateIds) {
  Write("more.toml",
        "[[category]]\nid = \"ssn\"\ntitle = \"again\"\nseverity = "
        "\"extreme\"\nclauses = [\"E.2\"]\n");
  ExpectError("more.toml", 1, "severity 'extreme'");
  ExpectError("more.toml", 1, "defined twice");
}

// A phrase detector over two word lists, with `extra` lines last.
std::string PhraseWith(const std::string& extra) {
  return "[[lexicon]]\nid = \"who\"\nterms = [\"i\"]\n"
         "[[lexicon]]\nid = \"verb\"\nterms = [\"hurt\"]\n"
         "[[detector]]\nid = \"p\"\nkind = \"phrase\"\ncategory = \"ssn\"\n" +
         extra;
}

TEST_F(BadPack, PhraseDetectorLoads) {
  Write("more.toml", PhraseWith("phrase = [\"who\", \"verb\"]\ngaps = [3]\n"
                                "anchor = \"verb\"\nnegation = \"who\"\n"));
  LoadResult r = Load();
  for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(r.ok());
  const auto& d = r.pack->detectors.back();
  EXPECT_EQ(d.kind, steward::policy::DetectorKind::kPhrase);
  EXPECT_EQ(d.anchor, 1u);
  EXPECT_EQ(d.gaps, std::vector<uint32_t>{3});
  // Stage 1 looks for the anchor's words.
  EXPECT_EQ(d.lexicons, std::vector<std::string>{"verb"});
}

TEST_F(BadPack, PhraseDetectorMistakesNameFileAndLine) {
  Write("more.toml", PhraseWith("phrase = [\"who\", \"verbs\"]\n"));
  ExpectError("more.toml", 7, "unknown lexicon 'verbs'");
  Write("more.toml",
        PhraseWith("phrase = [\"who\", \"verb\"]\ngaps = [1, 2]\n"));
  ExpectError("more.toml", 7, "'gaps' needs 1 numbers");
  Write("more.toml",
        PhraseWith("phrase = [\"who\", \"verb\"]\nanchor = \"x\"\n"));
  ExpectError("more.toml", 7, "anchor 'x' is not in 'phrase'");
  Write("more.toml", PhraseWith("phrase = [\"who\", \"@persn\"]\n"));
  ExpectError("more.toml", 7, "unknown word class '@persn'");
  Write("more.toml", PhraseWith("phrase = [\"who\", \"verb\"]\n"
                                "unless = [\"fiction\"]\n"));
  ExpectError("more.toml", 7, "unknown lexicon 'fiction'");
  Write("more.toml", PhraseWith(""));
  ExpectError("more.toml", 7, "a phrase detector needs 'phrase'");
  Write("more.toml", PhraseWith("phrase = [\"who\", \"verb\"]\ngaps = [-1]\n"));
  ExpectError("more.toml", 12, "whole numbers");
}

}  // namespace
}  // namespace steward::policy
