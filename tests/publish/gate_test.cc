// The publishing gate on its golden cases (tests/publish/gate/cases.tsv):
// each item gets its action, its rule and exactly its categories, each
// finding located and with a fix; and what is not an item is refused.
#include "publish/gate.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "bundled_engine.h"
#include "core/text.h"
#include "golden_students.h"
#include "test_util.h"

namespace steward::publish {
namespace {

const Auditor& GoldenAuditor() {
  static const Auditor* auditor = [] {
    const engine::Engine& engine =
        testing::BundledEngine(testing::GoldenRosterDir());
    return new Auditor(engine, testing::GoldenStudents(),
                       FilterList::Build(engine.pack().publish.ad_filters),
                       FilterList::Build(engine.pack().publish.payment_filters),
                       {.now = 1796256000});  // 2026-12-01
  }();
  return *auditor;
}

TEST(PublishGate, GoldenCases) {
  const std::string dir = testing::SourceDir() + "/tests/publish/gate/";
  std::istringstream in(testing::ReadAll(dir + "cases.tsv"));
  int cases = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c;
    for (size_t b = 0;;) {
      size_t e = line.find('\t', b);
      c.push_back(line.substr(b, e == std::string::npos ? e : e - b));
      if (e == std::string::npos) break;
      b = e + 1;
    }
    ASSERT_EQ(c.size(), 4u) << line;
    const std::string& file = c[0];
    const std::string name = file.substr(file.rfind('/') + 1);
    Item item{"https://www.example-usd.org/news/" + name, name, "",
              testing::ReadAll(dir + file)};
    auto check = CheckItem(GoldenAuditor(), item, "tester");
    ASSERT_TRUE(check.ok()) << file << ": " << check.status().message();
    const decide::Verdict& v = check->verdict;
    EXPECT_EQ(decide::ActionName(v.action), c[1]) << file;
    EXPECT_EQ(v.rule, c[2]) << file;
    std::multiset<std::string> want, got;
    for (auto& cat : core::SplitList(c[3], ' '))
      if (!cat.empty()) want.insert(cat);
    for (const auto& f : check->findings) {
      got.insert(f.category);
      EXPECT_FALSE(f.where.empty()) << file << " " << f.category;
      EXPECT_FALSE(f.fix.empty()) << file << " " << f.category;
    }
    EXPECT_EQ(got, want) << file;
    // The JSON carries each finding's place and fix, and says the page is
    // public; exit codes as `steward verdict`.
    auto j = ToJson(*check);
    ASSERT_EQ(j["findings"].size(), check->findings.size());
    for (const auto& f : j["findings"]) {
      EXPECT_TRUE(f.contains("where") && f.contains("fix")) << f.dump();
      EXPECT_EQ(f["excerpt"].get<std::string>().find("Tremblay"),
                std::string::npos)
          << f.dump();
    }
    EXPECT_EQ(j["destination"], "public");
    EXPECT_EQ(ExitCode(*check), c[1] == "allow" || c[1] == "warn" ? 0 : 1)
        << file;
    ++cases;
  }
  EXPECT_GE(cases, 15);
}

TEST(PublishGate, KindsAndPlaces) {
  EXPECT_EQ(KindOf({"", "", "text/html; charset=utf-8", "x"}), ItemKind::kPage);
  EXPECT_EQ(KindOf({"", "a.PNG", "", "x"}), ItemKind::kImage);
  EXPECT_EQ(KindOf({"", "", "", "\x89PNG\r\n"}), ItemKind::kImage);
  EXPECT_EQ(KindOf({"", "", "", "  <!DOCTYPE html><p>x"}), ItemKind::kPage);
  EXPECT_EQ(KindOf({"https://x.org/a/report.pdf?v=2", "", "", "%PDF-1.4"}),
            ItemKind::kDocument);
  EXPECT_EQ(KindOf({"", "", "", "plain words"}), ItemKind::kDocument);
  const policy::PublishPolicy& p = GoldenAuditor().engine().pack().publish;
  // A name from anywhere becomes a plain last segment on a District host.
  auto at = PublishedAt(p, {"", "a/../pass wd\r\n.html", "", "<p>"});
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, "https://example-usd.org/a-..-pass-wd--.html");
  EXPECT_EQ(PublishedAt(p, {"", "../x.html", "", "<p>"}).value(),
            "https://example-usd.org/page.html");
  EXPECT_EQ(PublishedAt(p, {"", "", "", "plain words"}).value(),
            "https://example-usd.org/item");
  for (const char* bad : {"javascript:alert(1)", "ftp://x.org/a",
                          "https://u:p@x.org/", "https://x.org/\x1b[2J"})
    EXPECT_FALSE(PublishedAt(p, {bad, "", "", "x"}).ok()) << bad;
  // Larger than the pack allows: refused, not read.
  Item big{"", "big.html", "text/html", std::string(p.max_page_bytes + 1, 'a')};
  auto r = CheckItem(GoldenAuditor(), big, "tester");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kLimit);
}

// A page's images are read through the loader, same site only, and their
// metadata judged with the page.
TEST(PublishGate, ImagesOfAPageAreRead) {
  std::vector<std::string> asked;
  Loader load = [&](const std::string& url) -> std::optional<std::string> {
    asked.push_back(url);
    return testing::ReadAll(testing::SourceDir() +
                            "/tests/publish/site/lincoln/field-day.png");
  };
  Item page{"https://www.example-usd.org/lincoln/day.html", "", "text/html",
            "<p>Field day!</p><img src=\"field-day.png\" alt=\"Field day\">"
            "<img src=\"https://elsewhere.example.com/x.png\" alt=\"x\">"};
  auto r = CheckItem(GoldenAuditor(), page, "tester", load);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], "https://www.example-usd.org/lincoln/field-day.png");
  EXPECT_EQ(r->images, 1u);
  EXPECT_EQ(r->verdict.rule, "publish-student-identity");
}

}  // namespace
}  // namespace steward::publish
