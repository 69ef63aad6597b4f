// steward as a person runs it: exit codes, output formats, redaction, bad
// input that must not stop a scan, and policy check on a broken pack.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../mail/milter_wire.h"
#include "audit/chain.h"
#include "core/text.h"
#include "decide/decider.h"
#include "identity/accounts.h"
#include "quarantine/quarantine.h"
#include "store/blobs.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;
using Runner = steward::testing::RunResult;
Runner Sh(const std::string& c) { return steward::testing::Run(c); }

class Cli : public steward::testing::TempDirTest {
 protected:
  std::string Steward(const std::string& args) {
    return std::string(STEWARD_BIN) + " " + args + " --cache " +
           (dir_ / "cache").string();
  }
};

// The mail door refuses a socket mode that is not octal 0-0777 before it
// opens anything, naming the flag.
TEST_F(Cli, MilterRefusesABadSocketMode) {
  for (const char* mode : {"999", "0o660", "-1", "07777", "''"}) {
    auto r = Sh(std::string(STEWARD_BIN) + " milter --listen unix:" +
                (dir_ / "m.sock").string() + " --data " +
                (dir_ / "data").string() + " --socket-mode " + mode);
    EXPECT_EQ(r.exit_code, 2) << mode << r.err;
    EXPECT_NE(r.err.find("--socket-mode"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "m.sock")) << mode;
  }
}

// An argument's control characters never reach the terminal: neither
// through the parser's error (which quotes the argument) nor through a
// command's own.
TEST_F(Cli, ControlCharactersOfAnArgumentAreShownNotSent) {
  // The arguments (bash quoting), and what of each the error shows.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"quarantine show --data " + (dir_ / "data").string() +
           " $'1\\033]0;title\\007'",
       "1?]0;title?"},
      {"milter --listen $'x\\033[2Jy'", "--listen 'x?[2Jy'"},
      // A socket path longer than a unix socket's 107 bytes, and a web
      // door's address that is no HOST:PORT, are refused as early.
      {"milter --listen unix:" + std::string(200, 'a'), "at most 107 bytes"},
      {"icap --listen $'x\\033[2Jy'", "steward icap: --listen 'x?[2Jy'"},
      {"icap --listen 127.0.0.1:99999", "is not HOST:PORT"}};
  for (const auto& [args, shown] : cases) {
    auto r = Sh("cd " + dir_.string() + " && bash -c \"" +
                std::string(STEWARD_BIN) + " " + args + "\"");
    EXPECT_EQ(r.exit_code, 2) << args << r.err;
    EXPECT_EQ(r.err.find('\033'), std::string::npos) << args << r.err;
    EXPECT_EQ(r.err.find('\007'), std::string::npos) << args << r.err;
    EXPECT_NE(r.err.find(shown), std::string::npos) << args << r.err;
  }
  // Nothing was made for the refused command: no store in the folder it
  // was run from.
  EXPECT_FALSE(fs::exists(dir_ / "steward-data"));
}

class CliMilter : public Cli {
 protected:
  void MilterTooManyRecipients(const std::string& tag,
                               const std::string& policy, bool warn_only) {
    using milter::wire::Be32;
    using milter::wire::Packet;
    using milter::wire::Strings;
    const std::string sock = (dir_ / (tag + ".sock")).string();
    const std::string log = (dir_ / (tag + ".log")).string();
    const std::string pid = (dir_ / (tag + ".pid")).string();
    ASSERT_EQ(Sh(Steward("milter --listen unix:" + sock + " --data " +
                         (dir_ / (tag + "data")).string() +
                         " --socket-mode 0600" + policy) +
                 " >" + log + " 2>&1 & echo $! >" + pid)
                  .exit_code,
              0);
    struct Stop {  // the door goes with the test, however it ends
      std::string pid;
      ~Stop() { Sh("kill $(cat " + pid + ") 2>/dev/null"); }
    } stop{pid};
    for (int i = 0; i < 300 && !fs::exists(sock); ++i) usleep(100000);
    ASSERT_TRUE(fs::exists(sock)) << steward::testing::ReadAll(log);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    sock.copy(addr.sun_path, sizeof addr.sun_path - 1);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    auto send_all = [&](const std::string& b) {
      ASSERT_EQ(send(fd, b.data(), b.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(b.size()));
    };
    // The next packet the door writes: its command and data.
    auto next = [&](std::string* data) {
      std::string got;
      auto read_n = [&](size_t n) {
        got.clear();
        while (got.size() < n) {
          pollfd p{fd, POLLIN, 0};
          if (poll(&p, 1, 30000) <= 0) return false;
          char buf[4096];
          ssize_t r = recv(fd, buf, std::min(sizeof buf, n - got.size()), 0);
          if (r <= 0) return false;
          got.append(buf, static_cast<size_t>(r));
        }
        return true;
      };
      if (!read_n(4)) return '\0';
      const auto* u = reinterpret_cast<const unsigned char*>(got.data());
      const uint32_t len = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
                           (uint32_t{u[2]} << 8) | u[3];
      if (len == 0 || !read_n(len)) return '\0';
      *data = got.substr(1);
      return got[0];
    };
    std::string d;
    send_all(Packet('O', Be32(6) + Be32(0x1ff) + Be32(0x1fffff)));
    ASSERT_EQ(next(&d), 'O');
    auto message = [&](int recipients) {
      std::string m = Packet('M', Strings({"<teacher@example-usd.org>"}));
      for (int i = 0; i < recipients; ++i)
        m += Packet('R',
                    Strings({"<r" + std::to_string(i) + "@example-usd.org>"}));
      // The one outside recipient comes last.
      m += Packet('R', Strings({"<someone@gmail.com>"}));
      return m + Packet('L', Strings({"Subject", "Roll call"})) +
             Packet('N', "") + Packet('B', "SSN 536-22-8145\r\n") +
             Packet('E', "");
    };
    send_all(message(10000));
    if (warn_only) {
      EXPECT_EQ(next(&d), 'a') << d;
    } else {
      ASSERT_EQ(next(&d), 'y') << d;
      EXPECT_NE(d.find("550 5.5.3"), std::string::npos) << d;
      EXPECT_NE(d.find("10001 recipients"), std::string::npos) << d;
    }
    send_all(message(2));
    const char c = next(&d);
    EXPECT_TRUE(c != '\0' && d.find("5.5.3") == std::string::npos) << c << d;
    close(fd);
    Sh("kill $(cat " + pid + ")");
    for (int i = 0; i < 100 && fs::exists(sock); ++i) usleep(100000);
    const std::string logged = steward::testing::ReadAll(log);
    EXPECT_NE(logged.find("\"too-many-recipients\""), std::string::npos)
        << logged;
    EXPECT_EQ(logged.find("\"would\":\"reject\"") != std::string::npos,
              warn_only)
        << logged;
  }
};

// The mail door, started as a district runs it, refuses a message with
// more recipients than it keeps (an outside one among those it could not
// keep would go unseen), says so, and logs it; the next message on the
// connection is decided as usual. Warn-only, it logs what it would do and
// refuses nothing.
TEST_F(CliMilter, RefusesAMessageWithMoreRecipientsThanItChecks) {
  for (const bool warn_only : {false, true}) {
    SCOPED_TRACE(warn_only ? "warn-only" : "enforcing");
    const std::string tag = warn_only ? "w" : "e";
    std::string policy;
    if (warn_only) {
      fs::copy(steward::testing::SourceDir() + "/policy", dir_ / "pack",
               fs::copy_options::recursive);
      ASSERT_EQ(Sh("sed -i 's/^enforce = true/enforce = false/' " +
                   (dir_ / "pack" / "mail.toml").string())
                    .exit_code,
                0);
      policy = " --policy " + (dir_ / "pack").string();
    }
    MilterTooManyRecipients(tag, policy, warn_only);
  }
}

TEST_F(Cli, CleanTreeExitsZero) {
  Write("a/notes.txt", "Picture day is Tuesday.\n");
  auto r = Sh(Steward("scan " + dir_.string() + "/a"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Scanned 1 items"), std::string::npos) << r.out;
}

TEST_F(Cli, FindingsExitOneAndAreRedacted) {
  Write("a/ssn.txt", "Employee SSN: 536-22-8145\n");
  auto r = Sh(Steward("scan " + dir_.string() + "/a"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("***-**-8145"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("536-22-8145"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("E.2"), std::string::npos);
  EXPECT_NE(r.out.find("Social Security"),
            std::string::npos);  // the advice line
  auto shown = Sh(Steward("scan --show-values " + dir_.string() + "/a"));
  EXPECT_NE(shown.out.find("536-22-8145"), std::string::npos);
}

TEST_F(Cli, MinSeverityDecidesTheExitCode) {
  Write("a/phone.txt", "call me at (559) 327-4411\n");
  EXPECT_EQ(
      Sh(Steward("scan --min-severity low " + dir_.string() + "/a")).exit_code,
      1);
  EXPECT_EQ(
      Sh(Steward("scan --min-severity high " + dir_.string() + "/a")).exit_code,
      0);
}

TEST_F(Cli, JsonLinesHaveTheDocumentedFields) {
  Write("a/x.txt", "SSN 536-22-8145 and card 4539 1488 0343 6467\n");
  auto r = Sh(Steward("scan --format jsonl " + dir_.string() + "/a"));
  ASSERT_EQ(r.exit_code, 1) << r.err;
  int lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    for (const char* k : {"item", "category", "clauses", "severity",
                          "confidence", "location", "excerpt"})
      EXPECT_TRUE(j.contains(k)) << k << " missing in " << line;
    EXPECT_TRUE(j["location"].contains("line"));
    EXPECT_TRUE(j["location"].contains("offset"));
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  // The summary goes to stderr so stdout stays one finding per line.
  auto s = nlohmann::json::parse(r.err.substr(r.err.find('{')));
  EXPECT_EQ(s["summary"]["items"], 1);
  EXPECT_EQ(s["summary"]["by_clause"]["E.2"], 2);
}

TEST_F(Cli, CsvHasAHeaderAndQuotesExcerpts) {
  Write("a/x.txt", "SSN 536-22-8145, again\n");
  auto r = Sh(Steward("scan --format csv " + dir_.string() + "/a"));
  EXPECT_EQ(r.out.rfind("item,category,clauses,severity", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(",ssn,\"E.2, C.14, K.4\",high,"), std::string::npos)
      << r.out;
}

TEST_F(Cli, CsvCellsThatStartLikeAFormulaAreNeutralised) {
  // A document's text reaches the excerpt cell (here, of a file and of an
  // attachment). Opened in a spreadsheet, no cell may run as a formula.
  Write("a/x.txt", "=HYPERLINK(\"e\") SSN 536-22-8145\n");
  Write("a/m.eml",
        "From: a@example-usd.org\nTo: b@example-usd.org\nSubject: x\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=BB\n\n"
        "--BB\nContent-Type: text/plain\n\nhi\n--BB\nContent-Type: "
        "text/plain\nContent-Disposition: attachment; "
        "filename=\"@SUM(A1).txt\"\n\n-SSN 536-22-8145\n--BB--\n");
  auto r = Sh(Steward("scan --format csv " + dir_.string() + "/a"));
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"'=HYPERLINK("), std::string::npos) << r.out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    for (const char* start :
         {",=", ",+", ",-", ",@", ",\"=", ",\"+", ",\"-", ",\"@"}) {
      EXPECT_EQ(line.find(start), std::string::npos) << line;
    }
  }
}

TEST_F(Cli, UnreadableItemsAreReportedAndTheScanGoesOn) {
  Write("a/1-good.txt", "SSN 536-22-8145\n");
  std::string locked = Write("a/2-locked.txt", "secret");
  fs::permissions(locked, fs::perms::none);
  Write("a/3-binary.bin", std::string("\x7f"
                                      "ELF\x02\x01\x01\0\0\0\0\0",
                                      12));
  Write("a/4-broken.eml",
        "From: x\nContent-Type: multipart/mixed; boundary=\"q\n\n--q\n");
  Write("a/5-good.txt", "card 4539 1488 0343 6467\n");
  std::string scan = Steward("scan --format jsonl " + dir_.string() + "/a");
  if (::geteuid() == 0) {
    // Root reads anything (and `make test` runs as root): this scan runs
    // as nobody, for whom the locked file is unreadable.
    fs::create_directories(dir_ / "cache");
    fs::permissions(dir_ / "cache", fs::perms::all);
    scan = "setpriv --reuid=nobody --regid=nogroup --clear-groups " + scan;
  }
  auto r = Sh(scan);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("5-good.txt"), std::string::npos)
      << "scan stopped early:\n"
      << r.out << r.err;
  EXPECT_NE(r.out.find("3-binary.bin"), std::string::npos);  // not-inspected
  // The locked file is reported as an error, by name.
  bool locked_reported = false;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (line.find("2-locked.txt") != std::string::npos &&
        line.find("\"error\"") != std::string::npos)
      locked_reported = true;
  EXPECT_TRUE(locked_reported) << r.out << r.err;
}

TEST_F(Cli, UsageAndConfigurationErrorsExitTwo) {
  EXPECT_EQ(Sh(Steward("scan")).exit_code, 2);
  EXPECT_EQ(Sh(Steward("scan --format xml " + dir_.string())).exit_code, 2);
  EXPECT_EQ(
      Sh(Steward("scan --min-severity extreme " + dir_.string())).exit_code, 2);
  EXPECT_EQ(Sh(Steward("scan " + dir_.string() + "/does-not-exist")).exit_code,
            2);
  Write("pack/pack.toml", "[pack]\nname = 1\n");
  auto r =
      Sh(Steward("scan --policy " + dir_.string() + "/pack " + dir_.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pack.toml:2"), std::string::npos) << r.err;
}

TEST_F(Cli, PolicyCheckReportsFileAndLine) {
  auto ok = Sh(std::string(STEWARD_BIN) + " policy check " +
               steward::testing::PackDir());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("is valid"), std::string::npos);
  Write("pack/pack.toml",
        "[pack]\nname = \"x\"\n[[clause]]\nid = \"C\"\ntitle = \"t\"\nmode = "
        "\"detect\"\n"
        "[[category]]\nid = \"not-inspected\"\ntitle = \"n\"\nseverity = "
        "\"low\"\nclauses = [\"Q.9\"]\n");
  auto bad =
      Sh(std::string(STEWARD_BIN) + " policy check " + dir_.string() + "/pack");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(
      bad.err.find(
          "pack.toml:7: category 'not-inspected' cites unknown clause 'Q.9'"),
      std::string::npos)
      << bad.err;
}

TEST_F(Cli, PolicyClausesListsModesAndCiters) {
  auto r = Sh(std::string(STEWARD_BIN) + " policy clauses");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("E.2"), std::string::npos);
  EXPECT_NE(r.out.find("ssn-formatted"), std::string::npos);
  EXPECT_NE(r.out.find("external-confidential-reject"), std::string::npos);
  auto csv = Sh(std::string(STEWARD_BIN) + " policy clauses --format csv");
  EXPECT_EQ(csv.out.rfind("clause,title,mode,categories,detectors,rules", 0),
            0u);
}

TEST_F(Cli, MaildirMboxAndRosterWithParallelJobs) {
  std::string gen = std::string(STEWARD_CORPUS_BIN) + " --maildir " +
                    (dir_ / "mail").string() + " --mbox " +
                    (dir_ / "all.mbox").string() + " --roster " +
                    (dir_ / "roster").string() +
                    " --messages 120 --students 300 --employees 40 --seed 3";
  ASSERT_EQ(Sh(gen).exit_code, 0);
  std::string roster = " --roster " + (dir_ / "roster").string();
  auto one = Sh(Steward("scan --format jsonl -j 1" + roster + " " +
                        (dir_ / "mail").string()));
  auto two = Sh(Steward("scan --format jsonl -j 2" + roster + " " +
                        (dir_ / "mail").string()));
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_EQ(one.out, two.out);  // same findings in the same order
  EXPECT_NE(one.out.find("roster-student"), std::string::npos);
  auto mbox = Sh(Steward("scan --format jsonl" + roster + " " +
                         (dir_ / "all.mbox").string()));
  EXPECT_NE(mbox.out.find("all.mbox:"),
            std::string::npos);  // items are messages
  auto sum = nlohmann::json::parse(mbox.err.substr(mbox.err.find('{')));
  EXPECT_EQ(sum["summary"]["items"], 120);
  // Three workers over batches of messages: the same report, in mbox order,
  // every message counted once.
  auto three = Sh(Steward("scan --format jsonl -j 3" + roster + " " +
                          (dir_ / "all.mbox").string()));
  EXPECT_EQ(mbox.out, three.out);
  auto sum3 = nlohmann::json::parse(three.err.substr(three.err.find('{')));
  EXPECT_EQ(sum3["summary"]["items"], 120);
  EXPECT_EQ(sum3["summary"]["findings"], sum["summary"]["findings"]);
}

TEST_F(Cli, DocumentsAndArchivesScanThroughTheSameInterface) {
  // The golden documents, copied so the scan sees only them.
  fs::path cases =
      fs::path(steward::testing::SourceDir()) / "tests/golden/cases";
  fs::create_directories(dir_ / "docs");
  int copied = 0;
  for (const auto& e : fs::directory_iterator(cases)) {
    std::string n = e.path().filename().string();
    if ((n.rfind("doc-", 0) == 0 || n.rfind("hostile-", 0) == 0) &&
        e.path().extension() != ".expect") {
      fs::copy_file(e.path(), dir_ / "docs" / n);
      ++copied;
    }
  }
  std::string roster =
      " --roster " + steward::testing::SourceDir() + "/tests/golden/roster ";
  auto one = Sh(
      Steward("scan --format jsonl -j 1" + roster + (dir_ / "docs").string()));
  auto two = Sh(
      Steward("scan --format jsonl -j 2" + roster + (dir_ / "docs").string()));
  EXPECT_EQ(one.exit_code, 1) << one.err;
  EXPECT_EQ(one.out, two.out);
  std::map<std::string, std::set<std::string>> where;  // category -> places
  std::istringstream in(one.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    where[j["category"]].insert(j["location"]["where"].get<std::string>());
  }
  EXPECT_TRUE(where["roster-student"].count("page 2")) << one.out;
  EXPECT_TRUE(where["student-extract"].count("sheet Period 3")) << one.out;
  EXPECT_TRUE(where.count("executable"));
  EXPECT_TRUE(where.count("active-content"));
  auto sum = nlohmann::json::parse(one.err.substr(one.err.find('{')));
  EXPECT_EQ(sum["summary"]["items"], copied);
  EXPECT_EQ(sum["summary"]["unreadable"], 0);
}

TEST_F(Cli, ExtractShowsWhatIsRead) {
  std::string csv =
      Write("t.csv", "Student ID,Name\n1234567,Ann\n7654321,Bo\n");
  auto r = Sh(std::string(STEWARD_BIN) + " extract " + csv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("a table of 2 rows"), std::string::npos) << r.out;
  auto j = Sh(std::string(STEWARD_BIN) + " extract --format json " + csv);
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["texts"][0]["columns"][0], "Student ID");
  auto missing =
      Sh(std::string(STEWARD_BIN) + " extract " + (dir_ / "nope.pdf").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.pdf: no such file"), std::string::npos);
}

// `steward verdict`: JSON, exit 1 when the message would be stopped, 0
// when it would go, 2 for what cannot be judged.
TEST_F(Cli, VerdictSaysWhatTheMailDoorWouldDo) {
  const std::string eml = steward::testing::SourceDir() +
                          "/tests/golden/cases/mail/ssn-outside.eml";
  auto out = Sh(
      Steward("verdict --from a@example-usd.org --to friend@gmail.com " + eml));
  EXPECT_EQ(out.exit_code, 1) << out.err;
  EXPECT_NE(out.out.find("\"action\": \"reject\""), std::string::npos)
      << out.out;
  EXPECT_NE(out.out.find("\"K.4\""), std::string::npos);
  EXPECT_EQ(out.out.find("512-44-7832"), std::string::npos);  // redacted
  auto in =
      Sh(Steward("verdict --from a@example-usd.org --to "
                 "b@example-usd.org,c@example-usd.org " +
                 eml));
  EXPECT_EQ(in.exit_code, 0) << in.err;
  EXPECT_NE(in.out.find("\"action\": \"warn\""), std::string::npos);
  auto missing = Sh(Steward("verdict --from a@x.org --to b@y.org " +
                            dir_.string() + "/nope.eml"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.eml"), std::string::npos) << missing.err;
  auto no_rcpt = Sh(Steward("verdict --from a@x.org --to ' , ' " + eml));
  EXPECT_EQ(no_rcpt.exit_code, 2);
  EXPECT_NE(no_rcpt.err.find("no recipient"), std::string::npos);
}

// `steward verdict --channel web`: what the web door would do with an
// upload's body to a host, as the door reads it (a form's fields decoded).
TEST_F(Cli, VerdictSaysWhatTheWebDoorWouldDo) {
  Write("form.txt", "name=Maria&ssn=512-44-7832&dob=04%2F12%2F2011");
  const std::string form = (dir_ / "form.txt").string();
  const std::string type = " --content-type application/x-www-form-urlencoded ";
  auto cloud =
      Sh(Steward("verdict --channel web --from ateacher --to "
                 "drive.google.com" +
                 type + form));
  EXPECT_EQ(cloud.exit_code, 1) << cloud.err;
  EXPECT_NE(cloud.out.find("\"rule\": \"cloud-upload-confidential\""),
            std::string::npos)
      << cloud.out;
  EXPECT_NE(cloud.out.find("\"L.3.a\""), std::string::npos);
  EXPECT_NE(cloud.out.find("\"disposition\": \"refused\""), std::string::npos);
  EXPECT_EQ(cloud.out.find("512-44-7832"), std::string::npos);  // redacted
  // The student information system is an approved host (E.6).
  auto sis =
      Sh(Steward("verdict --channel web --from ateacher --to "
                 "sis.example-usd.org" +
                 type + form));
  EXPECT_EQ(sis.exit_code, 0) << sis.out;
  // A bare body through Dropbox's API, named by --header: a program, which
  // the web door stops at its warn page; a header not "Name: value" is a
  // usage error.
  Write("tool.bin", "MZ" + std::string(100, '\x90'));
  auto named = Sh(Steward(
      "verdict --channel web --from ateacher --to content.dropboxapi.com "
      "--header 'Dropbox-API-Arg: {\"path\":\"/tools/setup.exe\"}' " +
      (dir_ / "tool.bin").string()));
  EXPECT_NE(named.out.find("\"rule\": \"executable-web-confirm\""),
            std::string::npos)
      << named.out << named.err;
  auto bad =
      Sh(Steward("verdict --channel web --from a --to b --header "
                 "nocolon " +
                 form));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("is not \"Name: value\""), std::string::npos)
      << bad.err;
  auto other = Sh(Steward("verdict --channel publish --from a --to b " + form));
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("no door yet"), std::string::npos) << other.err;
}

// `steward demo` (what `make run` shows a newcomer) seeds every door's
// results: held messages, refused uploads as web-block
// incidents (a retried one an event of the same incident), a program
// download continued past its warning, an employee's report, requests for
// consent (one naming the held mass mail); and seeds
// nothing twice.
TEST_F(Cli, DemoSeedsEveryDoorsResults) {
  const std::string roster = (dir_ / "roster").string();
  auto gen = Sh(std::string(STEWARD_CORPUS_BIN) + " --roster " + roster +
                " --students 60 --employees 12 --seed 7");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string data = (dir_ / "data").string();
  auto demo = Sh(std::string(STEWARD_BIN) + " demo --data " + data +
                 " --roster " + roster);
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  EXPECT_NE(demo.out.find("5 messages held, 4 uploads refused "
                          "(3 incidents), 1 C.19 incident (repeated conduct "
                          "toward a colleague), 1 program download continued "
                          "past its warning; 1 report of a problem; 2 "
                          "requests for consent; 1 ruling; 4 vendors"),
            std::string::npos)
      << demo.out;
  auto db = store::Database::Open(data + "/steward.db", 1);
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto count = [&](const std::string& sql) {
    auto rows = (*db)->Query(sql);
    return rows.ok() && !rows->empty() ? rows->front().Int(0) : -1;
  };
  // Two held by the rules on data, three insults from one employee to one
  // colleague held by the conduct rule, the third opening a C.19 incident.
  EXPECT_EQ(count("SELECT COUNT(*) FROM quarantine"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents WHERE kind = "
                  "'repeated-conduct' AND clauses LIKE '%C.19%'"),
            1);
  // The directory as a nightly read left it: an account per employee and a
  // few with nobody behind them (N.1).
  EXPECT_EQ(count("SELECT COUNT(*) FROM directory_reads"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM directory_accounts WHERE person_id "
                  "= 0 AND service = 0 AND disabled = 0"),
            2);
  // The bake-sale mail waits for the designee, and its request names it.
  EXPECT_EQ(count("SELECT COUNT(*) FROM approvals a JOIN quarantine q ON "
                  "q.id = a.held_id WHERE a.type = 'mass-mail' AND "
                  "q.release_role = 'designee' AND q.status = 'held'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents WHERE kind = 'web-block'"),
            3);
  // Four refused uploads and the C.19 incident's first message.
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_events"), 5);
  // The registry: the student information system's host took the student
  // IDs mailed to it (in force); the reading program's upload was refused
  // (its agreement misses terms).
  EXPECT_EQ(count("SELECT COUNT(*) FROM vendors"), 4);
  // Equipment: the teacher's laptop waits for their acknowledgement, a
  // theft is charged, a leaver still holds a laptop.
  EXPECT_EQ(count("SELECT COUNT(*) FROM assets"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM directory_reads"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM asset_issues WHERE state = "
                  "'waiting'"),
            2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM asset_charges WHERE state = 'owed'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM assets a JOIN people p ON p.id = "
                  "a.holder WHERE p.status = 'departed'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents WHERE kind = 'web-block' "
                  "AND detail LIKE '%readingtutor%'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents WHERE kind = "
                  "'security-problem' AND status = 'new'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'web.warn-continue'"),
            1);
  auto again = Sh(std::string(STEWARD_BIN) + " demo --data " + data +
                  " --roster " + roster);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // A second run adds nothing.
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_events"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM vendors"), 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM assets"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM directory_reads"), 1);
  auto verify = Sh(std::string(STEWARD_BIN) + " audit verify --data " + data);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(Cli, QuarantineListsNothingOnAFreshStore) {
  auto r = Sh(std::string(STEWARD_BIN) + " quarantine list --data " +
              (dir_ / "data").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("No held messages."), std::string::npos) << r.out;
  auto show = Sh(std::string(STEWARD_BIN) + " quarantine show 7 --data " +
                 (dir_ / "data").string());
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_NE(show.err.find("no quarantined message 7"), std::string::npos)
      << show.err;
}

TEST_F(Cli, AdminUnlockEndsAnAccountsSignInLocks) {
  const std::string bin = STEWARD_BIN;
  const std::string data = " --data " + (dir_ / "data").string();
  auto made =
      Sh("printf 'Tr4ffic-Lights&Owls\\n' | " + bin +
         " admin create-user jdoe --name 'Jo Doe' --cracklib off" + data);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  {
    auto db = store::Database::Open((dir_ / "data" / "steward.db").string());
    ASSERT_TRUE(db.ok());
    identity::Throttle throttle;
    const identity::Client from{"203.0.113.5", "test"};
    for (int i = 0; i < identity::kMaxFailures; ++i) {
      (void)identity::SignIn(**db, throttle, "jdoe", "guess", from);
    }
    EXPECT_FALSE(
        identity::SignIn(**db, throttle, "jdoe", "Tr4ffic-Lights&Owls", from)
            .ok());
  }
  auto r = Sh(bin + " admin unlock jdoe" + data);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("unlocked jdoe (was locked from 1 address)"),
            std::string::npos)
      << r.out;
  {
    auto db = store::Database::Open((dir_ / "data" / "steward.db").string());
    ASSERT_TRUE(db.ok());
    identity::Throttle throttle;
    EXPECT_TRUE(identity::SignIn(**db, throttle, "jdoe", "Tr4ffic-Lights&Owls",
                                 {"203.0.113.5", "test"})
                    .ok());
    auto e = audit::List(**db, {.action = "account.unlock"});
    ASSERT_TRUE(e.ok() && e->size() == 1);
    EXPECT_EQ(e->front().actor.rfind("cli:", 0), 0u);
  }
  auto unknown = Sh(bin + " admin unlock nobody" + data);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no account named 'nobody'"), std::string::npos)
      << unknown.err;
  EXPECT_EQ(Sh(bin + " admin unlock" + data).exit_code, 2);  // usage
}

// ---------------------------------------------------------------------------
// Promises of the README and docs/ that a person at the shell relies on.

// README: on a terminal a scan shows a progress bar, which --no-progress
// hides; piped, it never shows.
TEST_F(Cli, AProgressBarOnATerminalAndNoneWithNoProgress) {
  for (int i = 0; i < 20; ++i)
    Write("a/f" + std::to_string(i) + ".txt", "Picture day is Tuesday.\n");
  std::string scan = Steward("scan " + dir_.string() + "/a");
  // `script` gives the scan a terminal.
  auto tty = Sh("script -qec '" + scan + "' /dev/null");
  EXPECT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  // The bar: "\r[=====     ] 0 of 0 MB  20 items  1 MB/s", redrawn in place.
  EXPECT_NE(tty.out.find("\r[="), std::string::npos)
      << "no progress bar on a terminal:\n"
      << tty.out;
  EXPECT_NE(tty.out.find(" items  "), std::string::npos) << tty.out;
  auto quiet =
      Sh("script -qec '" +
         Steward("scan --no-progress " + dir_.string() + "/a") + "' /dev/null");
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_NE(quiet.out.find("Scanned 20 items"), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.find("\r["), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.find(" items  "), std::string::npos) << quiet.out;
  auto piped = Sh(scan);
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.err.find("\r["), std::string::npos) << piped.err;
  EXPECT_EQ(piped.out.find("\r["), std::string::npos) << piped.out;
}

// README: compiled patterns are cached in ~/.cache/steward (or
// $XDG_CACHE_HOME/steward), or in --cache DIR; --cache none keeps nothing.
TEST_F(Cli, CompiledPatternsAreCachedInTheDefaultFolder) {
  Write("a/notes.txt", "Picture day is Tuesday.\n");
  const std::string home = (dir_ / "home").string();
  fs::create_directories(home);
  std::string bin = STEWARD_BIN;
  std::string target = " scan " + dir_.string() + "/a";
  auto nonempty = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec) && !fs::is_empty(p, ec);
  };
  auto r = Sh("env -u STEWARD_CACHE -u XDG_CACHE_HOME HOME=" + home + " " +
              bin + target);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nonempty(fs::path(home) / ".cache/steward"))
      << "nothing cached in ~/.cache/steward";
  auto xdg = Sh("env -u STEWARD_CACHE HOME=" + home + " XDG_CACHE_HOME=" +
                (dir_ / "xdg").string() + " " + bin + target);
  EXPECT_EQ(xdg.exit_code, 0) << xdg.err;
  EXPECT_TRUE(nonempty(dir_ / "xdg/steward"));
  const std::string home2 = (dir_ / "home2").string();
  fs::create_directories(home2);
  auto none = Sh("env -u STEWARD_CACHE -u XDG_CACHE_HOME HOME=" + home2 + " " +
                 bin + " scan --cache none " + dir_.string() + "/a");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_FALSE(fs::exists(fs::path(home2) / ".cache/steward"));
}

// docs/portal.md: `steward audit verify` exits 0 on an intact chain, and 1
// naming the first broken entry when one was edited or removed.
TEST_F(Cli, AuditVerifyExitsOneAndNamesTheBrokenEntry) {
  const std::string data = (dir_ / "data").string();
  for (const char* user : {"ann", "bob", "cyd"}) {
    auto made =
        Sh("printf 'Maple-Orbit-2026!\\nMaple-Orbit-2026!\\n' | " +
           std::string(STEWARD_BIN) + " admin create-user " + user +
           " --name 'Test User' --role employee --cracklib off --data " + data);
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  std::string verify =
      std::string(STEWARD_BIN) + " audit verify --data " + data;
  auto ok = Sh(verify);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("audit chain intact: 3 entries"), std::string::npos)
      << ok.out;
  const std::string db = data + "/steward.db";
  // An entry edited in place.
  fs::copy_file(db, dir_ / "intact.db");
  ASSERT_EQ(Sh("sqlite3 " + db +
               " \"UPDATE audit_log SET actor = 'mallory' WHERE seq = 2\"")
                .exit_code,
            0);
  auto edited = Sh(verify);
  EXPECT_EQ(edited.exit_code, 1) << edited.out;
  EXPECT_NE(edited.out.find("BROKEN at entry 2"), std::string::npos)
      << edited.out;
  EXPECT_NE(edited.out.find("1 entries before it are intact"),
            std::string::npos)
      << edited.out;
  // An entry removed from the middle: named as missing.
  fs::copy_file(dir_ / "intact.db", db, fs::copy_options::overwrite_existing);
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");
  ASSERT_EQ(Sh("sqlite3 " + db + " \"DELETE FROM audit_log WHERE seq = 2\"")
                .exit_code,
            0);
  auto removed = Sh(verify);
  EXPECT_EQ(removed.exit_code, 1) << removed.out;
  EXPECT_NE(removed.out.find("BROKEN at entry 2"), std::string::npos)
      << removed.out;
  EXPECT_NE(removed.out.find("missing"), std::string::npos) << removed.out;
}

// A Maildir under `dir` holding one message (delivered 3 October 2022).
fs::path OneMessageMaildir(const fs::path& dir, const std::string& message) {
  fs::path md = dir / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  std::ofstream(md / "cur/1664816400.M1P1.host:2,S") << message;
  return md;
}

// Accounts made from the shell ("ann --role records-custodian").
void MakeUsers(const std::string& data, const std::vector<std::string>& who) {
  for (const std::string& w : who) {
    auto made = Sh("printf 'Cedar-Comet-2026!\\nCedar-Comet-2026!\\n' | " +
                   std::string(STEWARD_BIN) + " admin create-user " + w +
                   " --name 'Test User' --cracklib off --data " + data);
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
}

// A public-records production from the shell: the values an exemption
// covers are gone from every file of the production, the custodian's own
// marks too, the words around them stay, and `records verify` finds a
// changed byte.
TEST_F(Cli, RecordsProductionIsRedactedAndVerified) {
  const std::string data = (dir_ / "data").string();
  const fs::path md = OneMessageMaildir(
      dir_,
      "From: Ana Ruiz <aruiz@example-usd.org>\r\nTo: "
      "hr@example-usd.org\r\nSubject: Payroll fix\r\nDate: Mon, 3 Oct "
      "2022 10:00:00 -0700\r\nMIME-Version: 1.0\r\nContent-Type: "
      "text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
      "base64\r\n\r\n"
      // My SSN is 536-22-8163; please fix my pay before Friday. Juniper.
      "TXkgU1NOIGlzIDUzNi0yMi04MTYzOyBwbGVhc2UgZml4IG15IHBheSBiZWZvcmUg"
      "RnJpZGF5LiBKdW5pcGVyLg==\r\n");
  ASSERT_NO_FATAL_FAILURE(
      MakeUsers(data, {"ann --role records-custodian", "tom --role employee"}));
  std::string r = std::string(STEWARD_BIN) + " records ";
  std::string at = " --data " + data;
  ASSERT_EQ(Sh(Steward("records index " + md.string() +
                       " --custodian aruiz --reason 'records request' "
                       "--no-progress" +
                       at))
                .exit_code,
            0);
  auto intake = Sh(r +
                   "request intake --requester 'K. Reporter' --contact "
                   "k@news.example --description 'payroll mail' --received "
                   "2026-12-01T10:00 --as ann" +
                   at);
  ASSERT_EQ(intake.exit_code, 0) << intake.err;
  // The custodian finds the items, with how many carry each finding.
  auto found = Sh(r + "search --subject payroll --as ann" + at);
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("1 items match."), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("findings: ssn 1"), std::string::npos) << found.out;
  auto ids = Sh(r +
                "search --custodian aruiz --category ssn --format ids "
                "--as ann" +
                at);
  EXPECT_EQ(ids.out, "1\n") << ids.err;
  EXPECT_EQ(Sh(r + "search --as ann" + at).exit_code, 2);  // says nothing
  EXPECT_EQ(Sh(r + "search --subject payroll --as tom" + at).exit_code, 2);
  const std::string out = (dir_ / "production").string();
  // Only a records custodian produces; a mark must cite a pack exemption.
  EXPECT_EQ(Sh(r + "produce --request 1 --items 1 --out " + out +
               " --as tom --no-progress" + at)
                .exit_code,
            2);
  auto bad = Sh(r + "produce --request 1 --items 1 --out " + out +
                " --mark 'Juniper=9999' --as ann --no-progress" + at);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("no exemption '9999'"), std::string::npos) << bad.err;
  auto p = Sh(r + "produce --request 1 --items 1 --out " + out +
              " --mark 'Juniper=7927.700' --bates-prefix USD --as ann "
              "--no-progress" +
              at);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("USD-000001 to USD-000001"), std::string::npos) << p.out;
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(out))
    if (f.is_regular_file()) {
      std::ifstream in(f.path(), std::ios::binary);
      all += std::string(std::istreambuf_iterator<char>(in), {}) + "\n";
    }
  EXPECT_EQ(all.find("8163"), std::string::npos);
  EXPECT_EQ(all.find("Juniper"), std::string::npos);
  // The released text is encoded afresh: decode the native to read it.
  auto shown = Sh(std::string(STEWARD_BIN) + " extract " + out +
                  "/natives/USD-000001.eml");
  EXPECT_NE(shown.out.find("please fix my pay before Friday"),
            std::string::npos)
      << shown.out << shown.err;
  EXPECT_NE(shown.out.find("[REDACTED: Gov. Code 7927.700 (privacy)]"),
            std::string::npos)
      << shown.out;
  auto ok = Sh(r + "verify " + out);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("whole — 1 documents"), std::string::npos) << ok.out;
  // The request's timeline names the production; a second one into the
  // same folder is refused.
  auto show = Sh(r + "request show 1" + at);
  EXPECT_NE(show.out.find("produce"), std::string::npos) << show.out;
  EXPECT_EQ(Sh(r + "produce --request 1 --items 1 --out " + out +
               " --as ann --no-progress" + at)
                .exit_code,
            2);
  {
    std::ofstream f(out + "/natives/USD-000001.eml", std::ios::app);
    f << "x";
  }
  auto broken = Sh(r + "verify " + out);
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("NOT whole"), std::string::npos) << broken.out;
  auto audit = Sh(std::string(STEWARD_BIN) + " audit verify" + at);
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

// D.4 from the shell: only a records custodian offboards, a transfer needs
// someone to receive, and the departure is listed with its reason.
TEST_F(Cli, RecordsOffboardingTransfersADepartedEmployeesItems) {
  const std::string data = (dir_ / "data").string();
  const fs::path md = OneMessageMaildir(
      dir_,
      "From: alice@example-usd.org\r\nTo: bob@example-usd.org\r\n"
      "Subject: Lunch\r\nDate: Mon, 3 Oct 2022 10:00:00 -0700\r\n\r\n"
      "Noon?\r\n");
  ASSERT_NO_FATAL_FAILURE(
      MakeUsers(data, {"ann --role records-custodian", "tom --role employee"}));
  std::string r = std::string(STEWARD_BIN) + " records ";
  std::string at = " --data " + data;
  ASSERT_EQ(Sh(r + "index " + md.string() +
               " --custodian bob --reason review --no-progress" + at)
                .exit_code,
            0);
  std::string off = r + "offboard --custodian bob --reason 'left in June' ";
  EXPECT_EQ(Sh(off + "--action transfer --to carol --as tom" + at).exit_code,
            2);
  auto no_to = Sh(off + "--action transfer --as ann" + at);
  EXPECT_EQ(no_to.exit_code, 2);
  EXPECT_NE(no_to.err.find("--to"), std::string::npos) << no_to.err;
  EXPECT_EQ(Sh(off + "--action archive --as ann" + at).exit_code, 2);
  auto done = Sh(off + "--action transfer --to carol --as ann" + at);
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("bob left (transfer): 1 item; 1 passed to carol."),
            std::string::npos)
      << done.out;
  auto items = Sh(r + "items --custodian carol --format csv" + at);
  EXPECT_NE(items.out.find("Lunch"), std::string::npos) << items.out;
  auto listed = Sh(r + "departures --format csv" + at);
  EXPECT_NE(
      listed.out.find(
          R"("bob","transfer","carol","1","1","","0","left in June","ann)"),
      std::string::npos)
      << listed.out;
  auto audit = Sh(std::string(STEWARD_BIN) + " audit verify" + at);
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

// steward records as a custodian uses it: the reason and --as are required,
// the list deletes nothing, its author cannot approve it, a second
// custodian can, and the file is then gone with the chain intact.
TEST_F(Cli, RecordsFromIndexToDestruction) {
  const std::string data = (dir_ / "data").string();
  const fs::path md = OneMessageMaildir(
      dir_,
      "From: alice@example-usd.org\r\nTo: bob@example-usd.org\r\n"
      "Subject: Lunch\r\nDate: Mon, 3 Oct 2022 10:00:00 -0700\r\n\r\n"
      "Lunch at noon?\r\n");
  ASSERT_NO_FATAL_FAILURE(
      MakeUsers(data, {"ann --role records-custodian",
                       "ben --role records-custodian", "tom --role employee"}));
  std::string r = std::string(STEWARD_BIN) + " records ";
  std::string at = " --data " + data;
  // No reason: a usage error; with one, the items are read.
  auto idx = Sh(Steward("records index " + md.string() + " --custodian bob" +
                        at + " --no-progress"));
  EXPECT_EQ(idx.exit_code, 2);
  idx = Sh(Steward("records index " + md.string() +
                   " --custodian bob --reason 'annual review' --no-progress" +
                   at));
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_NE(idx.out.find("1 items; 1 new"), std::string::npos) << idx.out;
  auto items = Sh(r + "items --today 2026-12-03 --format csv" + at);
  ASSERT_EQ(items.exit_code, 0) << items.err;
  EXPECT_NE(items.out.find("class-3"), std::string::npos) << items.out;
  EXPECT_NE(items.out.find("2026-07-02"), std::string::npos) << items.out;
  // Only a records custodian makes a list; the list deletes nothing.
  EXPECT_EQ(Sh(r + "plan --today 2026-12-03" + at).exit_code, 2);
  auto tom = Sh(r + "plan --today 2026-12-03 --as tom" + at);
  EXPECT_EQ(tom.exit_code, 2);
  EXPECT_NE(tom.err.find("records-custodian"), std::string::npos) << tom.err;
  auto plan = Sh(r + "plan --today 2026-12-03 --as ann" + at);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("1 items"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Nothing was deleted"), std::string::npos);
  EXPECT_TRUE(fs::exists(md / "cur/1664816400.M1P1.host:2,S"));
  auto self = Sh(r + "approve 1 --as ann" + at);
  EXPECT_EQ(self.exit_code, 2);
  EXPECT_NE(self.err.find("second person"), std::string::npos) << self.err;
  ASSERT_EQ(Sh(r + "approve 1 --as ben" + at).exit_code, 0);
  auto run = Sh(r + "execute 1 --today 2026-12-03 --as ben" + at);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("1 destroyed, 0 kept"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(md / "cur/1664816400.M1P1.host:2,S"));
  auto list = Sh(r + "lists 1 --format csv" + at);
  EXPECT_NE(list.out.find("destroyed"), std::string::npos) << list.out;
  auto verify = Sh(std::string(STEWARD_BIN) + " audit verify" + at);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // A hold that names nothing is refused; a released one stays listed.
  EXPECT_EQ(Sh(r + "hold place --matter M --reason R --as ann" + at).exit_code,
            2);
  ASSERT_EQ(Sh(r +
               "hold place --matter 'Doe v. District' --reason notice "
               "--custodian bob --as ann" +
               at)
                .exit_code,
            0);
  ASSERT_EQ(Sh(r + "hold release 1 --reason settled --as ben" + at).exit_code,
            0);
  auto holds = Sh(r + "hold list --all" + at);
  EXPECT_NE(holds.out.find("released"), std::string::npos) << holds.out;
  EXPECT_NE(holds.out.find("Doe v. District"), std::string::npos);
}

// docs/mail.md: `steward quarantine delete ID --reason TEXT [--approved-by
// ACCOUNT]`: the reason is required and recorded; mail waiting for the
// Superintendent's designee is deleted only by naming a designee's account.
TEST_F(Cli, QuarantineDeleteNeedsAReasonAndTheRightApprover) {
  const std::string data = (dir_ / "data").string();
  std::vector<int64_t> ids;
  {
    fs::create_directories(data);
    auto opened = store::Database::Open(data + "/steward.db", 1);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    std::shared_ptr<store::Database> db = std::move(opened).value();
    ASSERT_TRUE(store::Migrate(*db).ok());
    quarantine::Quarantine q(*db, store::Blobs(data + "/blobs"));
    const auto& eng = steward::testing::BundledEngine();
    for (auto [name, to] : {std::pair<std::string, std::string>{
                                "dob-outside", "friend@gmail.com"},
                            {"all-district", "all-staff@example-usd.org"}}) {
      std::string bytes = steward::testing::ReadAll(
          steward::testing::SourceDir() + "/tests/golden/cases/mail/" + name +
          ".eml");
      decide::Envelope env{
          policy::Channel::kMail, "ateacher@example-usd.org", {to}};
      auto scratch = eng.NewScratch();
      auto v = decide::DecideMessage(eng, env, bytes, *scratch, nullptr);
      ASSERT_TRUE(v.ok());
      auto id = q.Hold({env, *v, bytes, v->subject, v->message_id},
                       {"milter", "127.0.0.1"});
      ASSERT_TRUE(id.ok()) << id.status().message();
      ids.push_back(*id);
    }
  }
  for (const char* who : {"dana --role designee", "tom --role employee"}) {
    auto made = Sh("printf 'Cedar-Comet-2026!\\nCedar-Comet-2026!\\n' | " +
                   std::string(STEWARD_BIN) + " admin create-user " + who +
                   " --name 'Test User' --cracklib off --data " + data);
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  std::string q = std::string(STEWARD_BIN) + " quarantine ";
  std::string at = " --data " + data;
  auto show = [&](int64_t id) {
    auto r = Sh(q + "show " + std::to_string(id) + at);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  };
  // No reason: a usage error, nothing decided.
  auto no_reason = Sh(q + "delete " + std::to_string(ids[0]) + at);
  EXPECT_EQ(no_reason.exit_code, 2) << no_reason.err;
  EXPECT_NE(no_reason.err.find("--reason"), std::string::npos) << no_reason.err;
  EXPECT_EQ(show(ids[0])["status"], "held");
  // With a reason: deleted, by whom and why in the audit chain.
  auto del = Sh(q + "delete " + std::to_string(ids[0]) +
                " --reason 'sent to a personal address'" + at);
  EXPECT_EQ(del.exit_code, 0) << del.err;
  auto e = show(ids[0]);
  EXPECT_EQ(e["status"], "deleted");
  EXPECT_EQ(e["decided_by"].get<std::string>().rfind("cli:", 0), 0u)
      << e.dump();
  auto audit = Sh("sqlite3 " + data +
                  "/steward.db \"SELECT detail FROM audit_log WHERE action = "
                  "'quarantine.delete'\"");
  EXPECT_NE(audit.out.find("sent to a personal address"), std::string::npos)
      << audit.out;
  // All-District mail waits for the designee: without one the request is
  // refused as invalid (exit 2, as for other invalid requests) and nothing
  // is decided.
  std::string all = "delete " + std::to_string(ids[1]) + " --reason 'not sent'";
  auto alone = Sh(q + all + at);
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--approved-by"), std::string::npos) << alone.err;
  auto employee = Sh(q + all + " --approved-by tom" + at);
  EXPECT_EQ(employee.exit_code, 2);
  EXPECT_NE(employee.err.find("does not hold the role"), std::string::npos)
      << employee.err;
  auto nobody = Sh(q + all + " --approved-by nobody-here" + at);
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_EQ(show(ids[1])["status"], "held");
  auto designee = Sh(q + all + " --approved-by dana" + at);
  EXPECT_EQ(designee.exit_code, 0) << designee.err;
  auto d = show(ids[1]);
  EXPECT_EQ(d["status"], "deleted");
  EXPECT_EQ(d["decided_by"].get<std::string>().rfind("dana (via cli:", 0), 0u)
      << d.dump();
  EXPECT_EQ(Sh(std::string(STEWARD_BIN) + " audit verify" + at).exit_code, 0);
}

// docs/web.md, "Proxy log report": an administrator points the report at
// Squid's access.log and reads who used what, by category, and what
// non-academic use fell in a site's duty hours (C.23, C.27).
TEST_F(Cli, WeblogReportShowsWhatAnAdministratorNeeds) {
  // Tuesday 2024-12-03 in Los Angeles, from Buchanan High's subnet
  // (policy/weblog.toml): 08:05 and 09:00 are duty time; 17:30 is not.
  std::string log = Write(
      "access.log",
      "1733241900.123     45 10.6.1.20 TCP_MISS/200 1200000000 GET "
      "http://rr3---sn-abc.googlevideo.com/videoplayback? alice "
      "HIER_DIRECT/203.0.113.7 video/mp4\n"
      "1733245200.000    120 10.6.2.30 TCP_TUNNEL/200 52000 CONNECT "
      "www.khanacademy.org:443 bob HIER_DIRECT/203.0.113.8 -\n"
      "not a squid line\n"
      "1733275800.000     45 10.6.2.30 TCP_MISS/200 7000000 GET "
      "http://www.roblox.com/games/ bob HIER_DIRECT/203.0.113.9 text/html\n");
  std::string bin = STEWARD_BIN;
  std::string csv = (dir_ / "report.csv").string();
  std::string xlsx = (dir_ / "report.xlsx").string();
  auto r =
      Sh(bin + " weblog report --csv " + csv + " --xlsx " + xlsx + " " + log);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 lines: 3 requests, 1.2 GB"), std::string::npos)
      << r.out;
  // Aligned columns with units, the share that is non-academic.
  EXPECT_NE(r.out.find("alice         1  1.2 GB        1.2 GB  100.0%"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("streaming  non-academic"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("googlevideo.com"), std::string::npos) << r.out;
  // Duty hours: alice's video during Buchanan High's school day; bob's game
  // after it is not there.
  size_t duty = r.out.find(
      "Buchanan High, duty Mon, Tue 07:15-15:45; Wed 07:15-13:30; Thu, Fri "
      "07:15-15:45 (America/Los_Angeles)");
  ASSERT_NE(duty, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alice", duty), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("bob", duty), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(log + ":3: fewer than 10 fields: not a squid line"),
            std::string::npos)
      << r.out;
  std::string table = steward::testing::ReadAll(csv);
  EXPECT_EQ(table.rfind("table,rank,name,detail,requests,bytes,", 0), 0u)
      << table;
  EXPECT_NE(table.find("\"duty-hours\",\"1\",\"Buchanan High\",\"alice\""),
            std::string::npos)
      << table;
  std::string book = steward::testing::ReadAll(xlsx);
  EXPECT_EQ(book.substr(0, 2), "PK");
  EXPECT_NE(book.find("xl/charts/chart1.xml"), std::string::npos);
  EXPECT_NE(book.find("xl/worksheets/sheet7.xml"), std::string::npos);

  // --from/--to are days in the pack's time zone: 4 December has nothing.
  auto later = Sh(bin + " weblog report --from 2024-12-04 " + log);
  EXPECT_EQ(later.exit_code, 0);
  EXPECT_NE(later.out.find("0 requests"), std::string::npos) << later.out;
  EXPECT_NE(later.out.find("3 outside the dates"), std::string::npos)
      << later.out;
  // Standard input, and CSV to stdout instead of the text.
  auto piped = Sh(bin + " weblog report --csv - - < " + log);
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.out.rfind("table,rank,", 0), 0u) << piped.out;
  // Usage errors exit 2; a log that cannot be read exits 1 after reporting
  // the others.
  EXPECT_EQ(Sh(bin + " weblog report --from 2024-13-01 " + log).exit_code, 2);
  EXPECT_EQ(Sh(bin + " weblog report --top 0 " + log).exit_code, 2);
  auto missing =
      Sh(bin + " weblog report " + log + " " + dir_.string() + "/absent.log");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("absent.log"), std::string::npos) << missing.err;
  EXPECT_NE(missing.out.find("3 requests"), std::string::npos) << missing.out;
}

// As `scan` does: a progress bar on a terminal, none when piped.
TEST_F(Cli, WeblogReportShowsProgressOnATerminal) {
  std::string lines;
  for (int i = 0; i < 20000; ++i)
    lines +=
        "1733241900.123     45 10.6.1.20 TCP_MISS/200 5120 GET "
        "http://www.youtube.com/watch? alice HIER_DIRECT/1.2.3.4 "
        "text/html\n";
  std::string log = Write("access.log", lines);
  std::string cmd = std::string(STEWARD_BIN) + " weblog report " + log;
  auto tty = Sh("script -qec '" + cmd + "' /dev/null");
  EXPECT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  EXPECT_NE(tty.out.find("\r[="), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find(" lines  "), std::string::npos) << tty.out;
  auto piped = Sh(cmd);
  EXPECT_EQ(piped.err.find("\r["), std::string::npos) << piped.err;
  EXPECT_NE(piped.out.find("20,000 requests"), std::string::npos) << piped.out;
}

}  // namespace
}  // namespace steward

namespace steward {
namespace {

// A site audit as a content manager runs it: the roster and the parents'
// permissions imported, the site's folder audited, findings in JSON lines
// with their clauses and fixes, exit 1; bad input exits 2 naming it.
TEST_F(Cli, SiteAuditJudgesStudentsAgainstTheirPermissions) {
  const std::string data = (dir_ / "data").string();
  const std::string src = steward::testing::SourceDir();
  auto imported = Sh(std::string(STEWARD_BIN) + " import oneroster --data " +
                     data + " " + src + "/tests/golden/roster");
  ASSERT_EQ(imported.exit_code, 1) << imported.err;  // one bad row
  std::ofstream(dir_ / "perm.csv")
      << "Student ID,Web Permission,Photo Captions\nstu-1,limited,no\n"
         "stu-4,limited,no\nnobody,full,yes\n";
  auto perm = Sh(std::string(STEWARD_BIN) + " import permissions --data " +
                 data + " " + (dir_ / "perm.csv").string());
  EXPECT_EQ(perm.exit_code, 1) << perm.err;
  EXPECT_NE(perm.out.find("perm.csv:4: no student has the id 'nobody'"),
            std::string::npos)
      << perm.out;
  EXPECT_NE(perm.out.find("2 students' publishing permissions changed"),
            std::string::npos)
      << perm.out;
  auto r = Sh(Steward("site audit --no-progress --format jsonl --data " + data +
                      " --url https://www.example-usd.org/ " + src +
                      "/tests/publish/site"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::multiset<std::string> categories;
  for (const auto& line : core::SplitList(r.out, '\n')) {
    auto j = nlohmann::json::parse(line);
    categories.insert(j["category"].get<std::string>());
    EXPECT_FALSE(j["clauses"].empty());
    EXPECT_FALSE(j["fix"].get<std::string>().empty());
    EXPECT_EQ(line.find("Garcia"), std::string::npos) << line;
  }
  EXPECT_EQ(categories.count("student-full-name"), 1u);
  EXPECT_EQ(categories.count("student-name-beyond-permission"), 1u);
  EXPECT_EQ(categories.count("ad-network"), 2u);
  EXPECT_EQ(categories.count("payment-widget"), 1u);
  EXPECT_NE(r.err.find("6 pages"), std::string::npos) << r.err;
  auto missing = Sh(Steward("site audit --data " + data + " " +
                            (dir_ / "no-such-site").string()));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no-such-site: not a folder"), std::string::npos)
      << missing.err;
  auto bad_url = Sh(Steward("site audit --data " + data + " --url not-a-url " +
                            src + "/tests/publish/site"));
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("'not-a-url' is not a web address"),
            std::string::npos)
      << bad_url.err;
}

TEST_F(Cli, PublishCheckAndTokens) {
  const std::string data = (dir_ / "data").string();
  const std::string src = steward::testing::SourceDir();
  Sh(std::string(STEWARD_BIN) + " import oneroster --data " + data + " " + src +
     "/tests/golden/roster");
  // A page whose photo beside it carries a GPS position: the photo is read
  // from the folder, the verdict rejects, the exit code says so.
  auto r = Sh(Steward("publish check --data " + data +
                      " --url https://www.example-usd.org/lincoln/index.html " +
                      src + "/tests/publish/site/lincoln/index.html"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["action"], "reject");
  EXPECT_EQ(j["item"]["images_read"], 1);
  std::set<std::string> categories;
  for (const auto& f : j["findings"]) categories.insert(f["category"]);
  EXPECT_TRUE(categories.count("photo-location")) << r.out;
  EXPECT_TRUE(categories.count("ad-network")) << r.out;
  // Standard input, its twin that passes: exit 0.
  auto clean = Sh("printf '<p>Field day was fun.</p>' | " +
                  Steward("publish check --data " + data + " -"));
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(nlohmann::json::parse(clean.out)["action"], "allow");
  auto bad =
      Sh(Steward("publish check --data " + data + " --url 'javascript:x' " +
                 src + "/tests/publish/gate/adsense.html"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("is not a web address"), std::string::npos) << bad.err;
  auto missing = Sh(Steward("publish check --data " + data + " " +
                            (dir_ / "nothing.html").string()));
  EXPECT_EQ(missing.exit_code, 2);
  // A pipe is read to its end (a page through <(…) is judged, not passed
  // as empty); nothing at all is an error, not a pass.
  auto piped = Sh("bash -c '" +
                  Steward("publish check --data " + data + " <(cat " + src +
                          "/tests/publish/gate/full-name.html)") +
                  "'");
  EXPECT_EQ(piped.exit_code, 1) << piped.err;
  auto nothing =
      Sh("printf '' | " + Steward("publish check --data " + data + " -"));
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("nothing to check"), std::string::npos);
  // Images are read from the page's folder only: not through a link out
  // of it, however the path is written.
  std::filesystem::create_directories(dir_ / "site");
  std::filesystem::create_directories(dir_ / "outside");
  std::filesystem::copy_file(src + "/tests/publish/site/lincoln/field-day.png",
                             dir_ / "outside" / "secret.png");
  std::filesystem::create_directory_symlink(dir_ / "outside",
                                            dir_ / "site" / "assets");
  std::ofstream(dir_ / "site" / "page.html")
      << "<p>Field day</p><img src=\"nonexist/%2e%2e/assets/secret.png\">"
         "<img src=\"x/..%2fassets/secret.png\"><img "
         "src=\"assets/secret.png\">";
  auto escape = Sh(Steward("publish check --data " + data + " " +
                           (dir_ / "site" / "page.html").string()));
  EXPECT_EQ(escape.exit_code, 0) << escape.out;
  EXPECT_EQ(nlohmann::json::parse(escape.out)["item"]["images_read"], 0);
  // A document that cannot be read is held for a person, never passed.
  auto bomb = Sh("python3 -c \"import zipfile; z = zipfile.ZipFile('" +
                 (dir_ / "bomb.docx").string() +
                 "', 'w', zipfile.ZIP_DEFLATED); z.writestr('[Content_Types]"
                 ".xml', '<Types/>'); z.writestr('word/document.xml', "
                 "'<w:document><w:t>SSN 472-38-1290</w:t></w:document>' + ' ' "
                 "* 3000000); z.close()\"");
  ASSERT_EQ(bomb.exit_code, 0) << bomb.err;
  auto held = Sh(Steward("publish check --data " + data + " " +
                         (dir_ / "bomb.docx").string()));
  EXPECT_EQ(held.exit_code, 1) << held.out << held.err;
  auto hj = nlohmann::json::parse(held.out);
  EXPECT_EQ(hj["action"], "hold");
  EXPECT_EQ(hj["rule"], "publish-unread");
  // A token is printed once; the list never shows it; revoked once.
  auto made = Sh(std::string(STEWARD_BIN) + " token create --data " + data +
                 " 'district CMS'");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string secret = made.out.substr(0, made.out.find('\n'));
  EXPECT_TRUE(secret.starts_with("stw_")) << made.out;
  EXPECT_NE(made.err.find("shown only now"), std::string::npos);
  auto list = Sh(std::string(STEWARD_BIN) + " token list --data " + data);
  EXPECT_NE(list.out.find("district CMS\tpublish-check"), std::string::npos)
      << list.out;
  EXPECT_EQ(list.out.find(secret), std::string::npos);
  EXPECT_EQ(Sh(std::string(STEWARD_BIN) + " token revoke --data " + data + " 1")
                .exit_code,
            0);
  EXPECT_NE(Sh(std::string(STEWARD_BIN) + " token revoke --data " + data + " 1")
                .exit_code,
            0);
  auto scope = Sh(std::string(STEWARD_BIN) + " token create --data " + data +
                  " x --scope all");
  EXPECT_EQ(scope.exit_code, 2);
  EXPECT_NE(scope.err.find("unknown scope 'all' (publish-check)"),
            std::string::npos)
      << scope.err;
}

}  // namespace
}  // namespace steward
