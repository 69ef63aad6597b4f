// The site audit over a District site in a folder (tests/publish/site):
// every planted problem of expected.tsv is found, with its element, and
// nothing else is.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bundled_engine.h"
#include "core/text.h"
#include "golden_students.h"
#include "publish/audit.h"
#include "publish/crawl.h"
#include "roster/oneroster.h"
#include "temp_dir.h"
#include "test_util.h"

namespace steward::publish {
namespace {

namespace fs = std::filesystem;

TEST(SiteAudit, EveryPlantedProblemAndNothingElse) {
  const std::string roster_dir = testing::SourceDir() + "/tests/golden/roster";
  const engine::Engine& engine = testing::BundledEngine(roster_dir);
  // The site as it is in the repository: its photos carry their metadata
  // (a GPS position, a caption naming a student, another copyright owner).
  const std::string site = testing::SourceDir() + "/tests/publish/site";
  // The golden roster's students, with what their parents allowed.
  Students students = testing::GoldenStudents();
  ASSERT_FALSE(students.empty());
  std::vector<std::string> ads = engine.pack().publish.ad_filters;
  Auditor auditor(engine, students, FilterList::Build(ads),
                  FilterList::Build(engine.pack().publish.payment_filters),
                  {.now = 1796256000});  // 2026-12-01
  const std::string base = "https://www.example-usd.org/";
  auto report = AuditFolder(auditor, site, base);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->pages, 6u);
  EXPECT_EQ(report->images, 4u);
  EXPECT_EQ(report->documents, 1u);

  struct Want {
    std::string page, category, where;
  };
  std::vector<Want> want;
  std::istringstream in(testing::ReadAll(testing::SourceDir() +
                                         "/tests/publish/site/expected.tsv"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    for (size_t b = 0;;) {
      size_t e = line.find('\t', b);
      cells.push_back(line.substr(b, e == std::string::npos ? e : e - b));
      if (e == std::string::npos) break;
      b = e + 1;
    }
    ASSERT_EQ(cells.size(), 3u) << line;
    want.push_back({base + cells[0], cells[1], cells[2]});
  }
  std::vector<bool> matched(report->findings.size());
  for (const Want& w : want) {
    bool found = false;
    for (size_t i = 0; i < report->findings.size(); ++i) {
      const Finding& f = report->findings[i];
      if (!matched[i] && f.page == w.page && f.category == w.category &&
          f.where.starts_with(w.where)) {
        matched[i] = found = true;
        EXPECT_FALSE(f.clauses.empty());
        EXPECT_FALSE(f.fix.empty());
        break;
      }
    }
    EXPECT_TRUE(found) << "not found: " << w.page << " " << w.category << " at "
                       << w.where;
  }
  for (size_t i = 0; i < report->findings.size(); ++i) {
    const Finding& f = report->findings[i];
    EXPECT_TRUE(matched[i])
        << "not planted: " << f.page << " " << f.category << " at " << f.where
        << ": " << f.excerpt << " (" << f.detail << ")";
  }
  // Names are shown redacted; fixes say what to write.
  for (const Finding& f : report->findings) {
    EXPECT_EQ(f.excerpt.find("Garcia"), std::string::npos) << f.excerpt;
    if (f.category == "student-full-name") {
      EXPECT_NE(f.fix.find("\"Maria G.\""), std::string::npos) << f.fix;
    }
    if (f.category == "student-work-without-notice") {
      EXPECT_NE(f.fix.find("2026 Élodie T."), std::string::npos) << f.fix;
    }
  }
  // Links to other sites are kept for --check-outside, with where they
  // are; a script is not one of them (the advertising filters judge it).
  ASSERT_TRUE(report->outside.count(
      "https://en.wikipedia.org/wiki/Fresno,_California"));
  const auto& wiki =
      report->outside.at("https://en.wikipedia.org/wiki/Fresno,_California");
  EXPECT_EQ(wiki.pages, 1u);
  EXPECT_EQ(wiki.from.front().first, base);
  EXPECT_TRUE(wiki.from.front().second.starts_with("a "));
  EXPECT_TRUE(report->outside.count("https://mega.nz/file/abc123"));
  for (const auto& [url, _] : report->outside) {
    EXPECT_EQ(url.find("googlesyndication"), std::string::npos) << url;
    EXPECT_FALSE(url.starts_with(base)) << url;
  }
}

// What a hostile or careless site gives: names at a block's end, a page
// nested too deeply, control characters; a folder with no page and an
// address that is none are refused.
TEST(SiteAudit, HostileFilesAreReportedNotTrusted) {
  const std::string roster_dir = testing::SourceDir() + "/tests/golden/roster";
  const engine::Engine& engine = testing::BundledEngine(roster_dir);
  Students students;
  students["stu-1"] = {"Maria", "Garcia", Level::kElementary, "limited", false};
  Auditor auditor(engine, students, FilterList::Build({}),
                  FilterList::Build({}), {.now = 1796256000});
  testing::TempDir tmp("site-hostile");
  tmp.Write("index.html",
            "<p>Maria Garcia</p><a href=\"deep.html\">Read more</a>");
  std::string deep = "<html><body>";
  for (int i = 0; i < 300; ++i) deep += "<div>";
  deep += "<p>Maria Garcia</p></body></html>";
  tmp.Write("deep.html", deep);
  auto r =
      AuditFolder(auditor, tmp.path().string(), "https://www.example-usd.org/");
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::multiset<std::string> got;
  for (const auto& f : r->findings) got.insert(f.category);
  EXPECT_EQ(got.count("student-full-name"), 2u);
  EXPECT_EQ(got.count("page-unreachable"), 1u);
  Finding f = auditor.Make("broken-link", "p", "a\x1b[2J", "\x1b]0;t\x07x",
                           "fix\r\n", "d\xc2\x9b");
  for (const auto* s : {&f.where, &f.excerpt, &f.fix, &f.detail})
    EXPECT_FALSE(core::HasControlChars(*s)) << *s;
  for (const char* bad : {"javascript://x/", "ftp://x/", "https://u:p@x.org/",
                          "https://x.org/\x1b[2J", "not a url"})
    EXPECT_FALSE(AuditFolder(auditor, tmp.path().string(), bad).ok()) << bad;
  testing::TempDir empty("site-empty");
  auto none = AuditFolder(auditor, empty.path().string(), "https://x.org/");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no HTML page"), std::string::npos);
}

}  // namespace
}  // namespace steward::publish

namespace steward::publish {
namespace {

// --check-outside asks only the Internet: loopback, private, shared,
// link-local and multicast addresses, in IPv4 and IPv6 (and IPv4 inside
// IPv6), are not asked.
TEST(OutsideLinks, OnlyPublicAddressesAreAsked) {
  for (const char* ip :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1",
        "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "64:ff9b::a00:1", "2002:7f00:1::", "not an address", ""})
    EXPECT_FALSE(IsPublicAddress(ip)) << ip;
  for (const char* ip : {"93.184.216.34", "8.8.8.8", "172.32.0.1",
                         "2606:4700::1111", "::ffff:8.8.8.8"})
    EXPECT_TRUE(IsPublicAddress(ip)) << ip;
}

}  // namespace
}  // namespace steward::publish
