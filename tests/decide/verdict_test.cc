// The mail door's decisions beyond the golden cases (tests/golden, which
// decide every case with an envelope): warn-only mode, a wrong mail line
// named with its file, C.19 escalation, and clamd's findings and absence.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "decide/decider.h"
#include "policy/loader.h"
#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;
using decide::Action;

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A pack copied to a temporary folder with `edit` applied to mail.toml.
class PackVariant : public testing::TempDirTest {
 protected:
  std::unique_ptr<engine::Engine> Load(const std::string& from,
                                       const std::string& to) {
    fs::copy(testing::PackDir(), dir_ / "pack", fs::copy_options::recursive);
    std::string mail = testing::ReadAll((dir_ / "pack/mail.toml").string());
    size_t at = mail.find(from);
    EXPECT_NE(at, std::string::npos);
    mail.replace(at, from.size(), to);
    Write("pack/mail.toml", mail);
    auto e = engine::Engine::Create(
        {(dir_ / "pack").string(), "", (dir_ / "cache").string(), false});
    EXPECT_TRUE(e.ok()) << e.status().message();
    return std::move(e).value();
  }
};

TEST_F(PackVariant, WarnOnlyModeSaysWhatWouldHaveHappened) {
  auto eng = Load("enforce = true", "enforce = false");
  auto scratch = eng->NewScratch();
  std::string bytes = testing::ReadAll(
      testing::SourceDir() + "/tests/golden/cases/mail/ssn-outside.eml");
  auto v = decide::DecideMessage(*eng,
                                 {policy::Channel::kMail,
                                  "a@example-usd.org",
                                  {"friend@gmail.com"},
                                  "",
                                  "local",
                                  0},
                                 bytes, *scratch, nullptr);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->action, Action::kWarn);
  EXPECT_EQ(v->decided, Action::kReject);
  EXPECT_FALSE(v->enforced);
  auto j = decide::ToJson(*v);
  EXPECT_EQ(j["would"], "reject");
}

TEST_F(PackVariant, AWrongMailLineIsNamedWithItsFile) {
  fs::copy(testing::PackDir(), dir_ / "pack", fs::copy_options::recursive);
  std::string mail = testing::ReadAll((dir_ / "pack/mail.toml").string());
  mail +=
      "\n[[mail.vendor]]\ndomain = \"x.example\"\ncategories = [\"nope\"]\n";
  Write("pack/mail.toml", mail);
  auto lr = policy::LoadPack((dir_ / "pack").string(), {});
  ASSERT_FALSE(lr.ok());
  std::string all;
  for (const auto& e : lr.errors) all += e.ToString() + "\n";
  EXPECT_NE(all.find("mail.toml"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown category 'nope'"), std::string::npos) << all;
}

// C.19: the third conduct finding from one sender to one recipient within
// the window opens an incident.
class CountingHistory : public decide::History {
 public:
  uint32_t n = 0;
  core::Result<uint32_t> RecentConduct(const std::string&, const std::string&,
                                       uint32_t) const override {
    return n;
  }
};

TEST(Escalation, RepeatedHarassmentToOneRecipientOpensAnIncident) {
  const engine::Engine& eng = testing::BundledEngine();
  auto scratch = eng.NewScratch();
  std::string bytes = testing::ReadAll(
      testing::SourceDir() + "/tests/golden/cases/mail/profanity.eml");
  decide::Envelope env{
      policy::Channel::kMail, "a@example-usd.org", {"b@example-usd.org"}};
  CountingHistory h;
  h.n = 1;
  auto first = decide::DecideMessage(eng, env, bytes, *scratch, &h);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->incident_recipients.empty());
  h.n = 2;
  auto third = decide::DecideMessage(eng, env, bytes, *scratch, &h);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->incident_recipients,
            std::vector<std::string>{"b@example-usd.org"});
  EXPECT_TRUE(Has(third->clauses, "C.19"));
}

}  // namespace
}  // namespace steward

namespace steward {
namespace {

// A stand-in clamd on a unix socket: INSTREAM, "FOUND" when the stream
// holds the EICAR marker.
class FakeClamd {
 public:
  explicit FakeClamd(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    listen(fd_, 4);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeClamd() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int scans = 0;

 private:
  void Serve() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string got;
      char buf[4096];
      for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
        // The stream ends with a zero-length chunk.
        if (got.size() >= 14 &&
            got.compare(got.size() - 4, 4, std::string(4, '\0')) == 0)
          break;
      }
      ++scans;
      const char* reply = got.find("EICAR-STANDARD") != std::string::npos
                              ? "stream: Eicar-Test-Signature FOUND"
                              : "stream: OK";
      ssize_t w = write(c, reply, std::strlen(reply) + 1);
      (void)w;
      close(c);
    }
  }
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
};

TEST_F(PackVariant, ClamdFindingsRejectAndClamdDownIsAFailure) {
  const std::string sock = (dir_ / "clamd.sock").string();
  auto eng = Load("clamd = \"\"", "clamd = \"unix:" + sock + "\"");
  auto scratch = eng->NewScratch();
  decide::Envelope env{
      policy::Channel::kMail, "a@example-usd.org", {"b@example-usd.org"}};
  std::string clean = testing::ReadAll(
      testing::SourceDir() + "/tests/golden/cases/mail/plain-outside.eml");
  std::string bad = clean +
                    "\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-"
                    "ANTIVIRUS-TEST-FILE!$H+H*\r\n";
  {
    FakeClamd clamd(sock);
    auto ok = decide::DecideMessage(*eng, env, clean, *scratch, nullptr);
    ASSERT_TRUE(ok.ok()) << ok.status().message();
    EXPECT_EQ(ok->action, Action::kAllow);
    auto v = decide::DecideMessage(*eng, env, bad, *scratch, nullptr);
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_EQ(v->action, Action::kReject);
    EXPECT_EQ(v->rule, "malware-reject");
    EXPECT_TRUE(Has(v->clauses, "C.7"));
    EXPECT_EQ(clamd.scans, 2);
  }
  // clamd gone: no verdict, so the door answers its failure action.
  auto down = decide::DecideMessage(*eng, env, clean, *scratch, nullptr);
  EXPECT_FALSE(down.ok());
  EXPECT_NE(down.status().message().find("clamd"), std::string::npos);
}

}  // namespace
}  // namespace steward

// The web door's envelope: the destination host decides "cloud" (L.3),
// an approved host (E.6) counts as inside, and a body past [web]
// max_inspect_bytes is a "not-inspected" finding, never a silent pass.
namespace steward {
namespace {

decide::Verdict WebVerdict(const std::string& host, std::string_view body,
                           uint64_t size = 0, uint64_t inspected = 0,
                           const decide::Vendors* vendors = nullptr) {
  const engine::Engine& eng = testing::BundledEngine();
  auto scratch = eng.NewScratch();
  std::string item = "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" +
                     std::string(body);
  decide::Envelope env{policy::Channel::kWeb, "ateacher", {host}, "ateacher",
                       "192.0.2.7",           size};
  env.inspected = inspected;
  auto v = decide::DecideMessage(eng, env, item, *scratch, nullptr, vendors);
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : decide::Verdict{};
}

const char kSsn[] =
    "Maria's Social Security number is 512-44-7832 and her date of birth is "
    "04/12/2011.\n";

TEST(WebVerdict, ConfidentialDataToACloudHostIsRejectedCitingL3) {
  for (const char* host : {"drive.example-usd.org", "www.dropbox.com"}) {
    decide::Verdict v = WebVerdict(host, kSsn);
    EXPECT_EQ(v.destination, policy::Destination::kCloud) << host;
    EXPECT_EQ(v.action, Action::kReject) << host;
    EXPECT_EQ(v.rule, "cloud-upload-confidential") << host;
    EXPECT_TRUE(Has(v.clauses, "L.3.a") && Has(v.clauses, "E.6")) << host;
  }
}

TEST(WebVerdict, ApprovedAndInternalHostsAreNotCloud) {
  decide::Verdict v = WebVerdict("sis.example-usd.org", kSsn);
  EXPECT_EQ(v.destination, policy::Destination::kInternal);
  EXPECT_EQ(v.action, Action::kAllow);
  v = WebVerdict("www.example.net", kSsn);
  EXPECT_EQ(v.destination, policy::Destination::kExternal);
  EXPECT_NE(v.rule, "cloud-upload-confidential");
}

// The vendor registry (E.6): a host of a vendor whose agreement is in force
// takes the data that agreement covers, and only that; a vendor the
// registry knows without an agreement in force takes nothing.
TEST(WebVerdict, ARegistryVendorTakesWhatItsAgreementCovers) {
  const char kStudent[] =
      "Student ID: 20231187 needs the grade change in Algebra 1, grade B+.\n"
      "Student ID: 20231188 too.\n";
  decide::Vendors registry;
  registry.known = {"gradebook.example.net"};
  decide::Verdict before =
      WebVerdict("upload.gradebook.example.net", kStudent, 0, 0, &registry);
  EXPECT_GE(before.action, Action::kHold) << "no agreement in force";
  registry.approved = {
      {.domain = "gradebook.example.net",
       .categories = {"student-id", "roster-student", "student-extract",
                      "grades-transcript", "program-eligibility"},
       .agreement = "Gradebook Co: hosting to 2027-06-30"}};
  decide::Verdict v =
      WebVerdict("upload.gradebook.example.net", kStudent, 0, 0, &registry);
  EXPECT_EQ(v.action, Action::kAllow);
  bool exempted = false;
  for (const auto& h : v.rules)
    exempted |= h.exempted_by == policy::Exemption::kApprovedVendor;
  EXPECT_TRUE(exempted);
  bool noted = false;
  for (const auto& n : v.notes)
    noted |= n.find("Gradebook Co") != std::string::npos;
  EXPECT_TRUE(noted) << "the verdict names the agreement";
  // Not the data it does not cover; not a look-alike host.
  v = WebVerdict("upload.gradebook.example.net", kSsn, 0, 0, &registry);
  EXPECT_GE(v.action, Action::kHold) << "an SSN is not covered";
  v = WebVerdict("gradebook.example.net.evil.test", kStudent, 0, 0, &registry);
  EXPECT_GE(v.action, Action::kHold);
}

// The pack's [[mail.vendor]] still speaks for a domain the registry does not
// know, and no longer for one it does.
TEST(MailVerdict, ThePackVendorIsAFallbackOnly) {
  const engine::Engine& eng = testing::BundledEngine();
  auto scratch = eng.NewScratch();
  std::string bytes = testing::ReadAll(
      testing::SourceDir() + "/tests/golden/cases/mail/vendor-approved.eml");
  decide::Envelope env{policy::Channel::kMail,
                       "ateacher@example-usd.org",
                       {"support@sis-vendor.example.com"},
                       "",
                       "local",
                       0};
  decide::Vendors empty;
  auto v = decide::DecideMessage(eng, env, bytes, *scratch, nullptr, &empty);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->action, Action::kAllow) << "the pack's vendor";
  decide::Vendors expired;
  expired.known = {"sis-vendor.example.com"};
  v = decide::DecideMessage(eng, env, bytes, *scratch, nullptr, &expired);
  ASSERT_TRUE(v.ok());
  EXPECT_GE(v->action, Action::kHold)
      << "the registry's expired agreement is not revived by the pack";
}

TEST(MailVerdict, ADistrictAddressThatRoutesOutsideIsOutside) {
  // x%gmail.com@example-usd.org is delivered to x@gmail.com by Postfix's
  // defaults: an SSN sent there leaves the District, as to x@gmail.com.
  const engine::Engine& eng = testing::BundledEngine();
  auto scratch = eng.NewScratch();
  const std::string bytes =
      "From: ateacher@example-usd.org\r\nTo: x@example-usd.org\r\n"
      "Subject: file\r\n\r\nSSN 536-22-8145\r\n";
  decide::Vendors none;
  auto verdict = [&](const std::string& to) {
    decide::Envelope env{policy::Channel::kMail,
                         "ateacher@example-usd.org",
                         {to},
                         "",
                         "local",
                         0};
    auto v = decide::DecideMessage(eng, env, bytes, *scratch, nullptr, &none);
    EXPECT_TRUE(v.ok());
    return v.ok() ? v->action : Action::kAllow;
  };
  const Action outside = verdict("x@gmail.com");
  EXPECT_GE(outside, Action::kHold);
  EXPECT_EQ(verdict("x%gmail.com@example-usd.org"), outside);
  EXPECT_EQ(verdict("gmail.com!x@example-usd.org"), outside);
  EXPECT_LT(verdict("colleague@example-usd.org"), outside);
}

TEST(MailVerdict, AHeaderBuiltToBeCutHidesNeitherDataNorTheSender) {
  // Past 10,000 header fields the header is cut (GMime makes an object of
  // each). A subject after the cut is still read; a message written so is
  // held for ITS even when the cut drops what says how its body is
  // encoded; a From field pushed past the sender's allowance, or too long
  // to read, cannot pass the check of who may send as whom.
  const engine::Engine& eng = testing::BundledEngine();
  auto scratch = eng.NewScratch();
  decide::Vendors none;
  auto decide = [&](const std::string& bytes, const std::string& auth) {
    decide::Envelope env{policy::Channel::kMail,
                         "jdoe@example-usd.org",
                         {"x@gmail.com"},
                         auth,
                         "local",
                         0};
    auto v = decide::DecideMessage(eng, env, bytes, *scratch, nullptr, &none);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : decide::Verdict{};
  };
  auto rules = [](const decide::Verdict& v) {
    std::vector<std::string> out;
    for (const auto& r : v.rules) out.push_back(r.rule);
    return out;
  };
  std::string filler;
  for (int i = 0; i < 10001; ++i) filler += "X-Filler: 0123456789abcdef\r\n";
  const decide::Verdict subject =
      decide(filler + "Subject: SSN 536-22-8145\r\n\r\nhello\r\n", "");
  EXPECT_EQ(subject.action, Action::kReject);
  EXPECT_TRUE(Has(rules(subject), "malformed-message-hold"));
  std::string encoding = filler;
  for (int i = 0; i < 40; ++i)
    encoding += "Content-X" + std::to_string(i) + ": y\r\n";
  encoding +=
      "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "U1NOIDUzNi0yMi04MTQ1Cg==\r\n";  // "SSN 536-22-8145"
  // Short fields are counted too, in a header under the address fields'
  // allowance.
  std::string thin;
  for (int i = 0; i < 12000; ++i) thin += "a: b\r\n";
  const decide::Verdict many = decide(thin + "Subject: x\r\n\r\nhi\r\n", "");
  EXPECT_TRUE(Has(rules(many), "malformed-message-hold"));
  const decide::Verdict hidden = decide(encoding, "");
  EXPECT_GE(hidden.action, Action::kHold);
  EXPECT_TRUE(Has(rules(hidden), "malformed-message-hold"));
  // The sender: Reply-To fields do not push From out of its allowance.
  const std::string reply(93 << 10, 'r');
  std::string pushed;
  for (int i = 0; i < 3; ++i)
    pushed += "Reply-To: \"" + reply + "\" <r@example-usd.org>\r\n";
  pushed += "From: principal@example-usd.org\r\nSubject: x\r\n\r\nhi\r\n";
  EXPECT_TRUE(Has(rules(decide(pushed, "jdoe")), "sender-reject"));
  // A From field longer than its allowance is not read whole: refused.
  std::string own = "From: jdoe@example-usd.org";
  while (own.size() < (300u << 10)) own += ", jdoe@example-usd.org";
  const decide::Verdict cut = decide(
      own + ", principal@example-usd.org\r\nSubject: x\r\n\r\nhi\r\n", "jdoe");
  EXPECT_TRUE(Has(rules(cut), "sender-reject"));
  EXPECT_EQ(cut.action, Action::kReject);
}

TEST(WebVerdict, TooLargeToInspectIsAFinding) {
  const engine::Engine& eng = testing::BundledEngine();
  decide::Verdict v = WebVerdict("www.example.net", "hello",
                                 eng.pack().web.max_inspect_bytes + 1);
  bool found = false;
  for (const auto& f : v.findings) found |= f.category == "not-inspected";
  EXPECT_TRUE(found);
  EXPECT_EQ(v.rule, "not-inspected-external-hold");
  v = WebVerdict("www.example.net", "hello", 5);
  EXPECT_TRUE(v.findings.empty());
  // A download decided on its first bytes says so.
  v = WebVerdict("www.example.net", "hello", 200000, 32768);
  ASSERT_EQ(v.findings.size(), 1u);
  EXPECT_EQ(v.findings[0].category, "not-inspected");
}

}  // namespace
}  // namespace steward
