// The proxy log report (src/weblog): Squid's native lines as an
// administrator's logs hold them, the times that decide duty hours, and the
// golden cases (tests/weblog/cases: NAME.log and the CSV it must give).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/zone.h"
#include "policy/loader.h"
#include "test_util.h"
#include "weblog/log.h"
#include "weblog/reader.h"
#include "weblog/report.h"

namespace steward::weblog {
using core::Zone;

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Lines.

TEST(WeblogLine, NativeFormat) {
  auto e = ParseLine(
      "1733212800.123     45 10.1.2.3 TCP_MISS/200 5120 GET "
      "http://www.youtube.com/watch? alice HIER_DIRECT/1.2.3.4 text/html");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->time, 1733212800);
  EXPECT_EQ(e->client, "10.1.2.3");
  EXPECT_TRUE(e->has_addr);
  EXPECT_EQ(e->addr[10], 0xff);  // IPv4 as ::ffff:a.b.c.d
  EXPECT_EQ(e->addr[15], 3);
  EXPECT_EQ(e->code, "TCP_MISS");
  EXPECT_EQ(e->status, 200u);
  EXPECT_EQ(e->bytes, 5120u);
  EXPECT_EQ(e->method, "GET");
  EXPECT_EQ(e->host, "www.youtube.com");
  EXPECT_EQ(e->user, "alice");
}

TEST(WeblogLine, ConnectIPv6AndNoUser) {
  auto e = ParseLine(
      "1733212800.000 120 2001:db8:6::25 TCP_TUNNEL/200 98765 CONNECT "
      "www.netflix.com:443 - HIER_DIRECT/2001:db8::1 -");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "www.netflix.com");
  EXPECT_TRUE(e->has_addr);
  EXPECT_EQ(e->addr[0], 0x20);
  EXPECT_EQ(e->user, "");  // "-": the report keys the client's address
  EXPECT_EQ(e->bytes, 98765u);
}

TEST(WeblogLine, HostsOfTheUrlsSquidLogs) {
  EXPECT_EQ(HostOf("http://user:pw@Example.ORG:8080/a?b"), "Example.ORG");
  EXPECT_EQ(HostOf("https://[2001:db8::1]:443/x"), "2001:db8::1");
  EXPECT_EQ(HostOf("[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(HostOf("ftp://files.example.org"), "files.example.org");
  EXPECT_EQ(HostOf("error:invalid-request"), "");
  EXPECT_EQ(HostOf("-"), "");
  EXPECT_EQ(HostOf("/relative/path"), "");
}

TEST(WeblogLine, MalformedLinesSayWhy) {
  struct {
    const char* line;
    const char* why;
  } cases[] = {
      {"", "fewer than 10 fields"},
      {"1733212800.1 45 10.1.2.3 TCP_MISS/200 5120 GET http://a/ alice",
       "fewer than 10 fields"},
      {"yesterday 45 10.1.2.3 TCP_MISS/200 5120 GET http://a/ a H/- t",
       "time is not a number"},
      {"-5.0 45 10.1.2.3 TCP_MISS/200 5120 GET http://a/ a H/- t",
       "time is not a number"},
      {"99999999999999999999 45 10.1.2.3 TCP_MISS/200 1 GET http://a/ a H/- t",
       "time is not a number"},
      {"1733212800.1 45 10.1.2.3 TCP_MISS 5120 GET http://a/ a H/- t",
       "no code/status"},
      {"1733212800.1 45 10.1.2.3 TCP_MISS/2x0 5120 GET http://a/ a H/- t",
       "status is not a number"},
      {"1733212800.1 45 10.1.2.3 TCP_MISS/200 5e3 GET http://a/ a H/- t",
       "bytes is not a number"},
      {"1733212800.1 45 10.1.2.3 TCP_MISS/200 99999999999999999999 GET "
       "http://a/ a H/- t",
       "bytes is not a number"},
  };
  for (const auto& c : cases) {
    auto e = ParseLine(c.line);
    ASSERT_FALSE(e.ok()) << c.line;
    EXPECT_EQ(e.status().message(), c.why) << c.line;
  }
  // Extra fields (log_mime_hdrs) are not an error; a host name as client is
  // a line without a District site, not a malformed one.
  auto e = ParseLine(
      "1733212800.1 45 pc12.example-usd.org TCP_MISS/200 1 GET http://a/ a "
      "H/- t [Host: a] [HTTP/1.1 200]");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_FALSE(e->has_addr);
}

TEST(WeblogLine, RegisteredNames) {
  std::vector<std::string> ps = {"co.uk", "k12.ca.us"};
  EXPECT_EQ(SiteOfHost("www.example.com", ps), "example.com");
  EXPECT_EQ(SiteOfHost("a.b.c.example.com", ps), "example.com");
  EXPECT_EQ(SiteOfHost("news.bbc.co.uk", ps), "bbc.co.uk");
  EXPECT_EQ(SiteOfHost("www.sfusd.k12.ca.us", ps), "sfusd.k12.ca.us");
  EXPECT_EQ(SiteOfHost("co.uk", ps), "co.uk");
  EXPECT_EQ(SiteOfHost("localhost", ps), "localhost");
  EXPECT_EQ(SiteOfHost("203.0.113.7", ps), "203.0.113.7");
  EXPECT_EQ(SiteOfHost("2001:db8::1", ps), "2001:db8::1");
}

// ---------------------------------------------------------------------------
// Time zones and duty hours.

TEST(WeblogZone, DaylightSavingInLosAngeles) {
  auto z = Zone::Open("America/Los_Angeles");
  ASSERT_TRUE(z.ok());
  // 2024-03-10 09:59:59 UTC is 01:59:59 PST; a second later 03:00 PDT.
  EXPECT_EQ(z->OffsetAt(1710064799), -8 * 3600);
  EXPECT_EQ(z->OffsetAt(1710064800), -7 * 3600);
  auto l = z->At(1710064800);
  EXPECT_EQ(l.minute, 3 * 60);
  EXPECT_EQ(l.weekday, 0);  // Sunday
  // Monday 2024-12-02 23:30 PST is Tuesday 07:30 UTC: still Monday here.
  l = z->At(1733211000);
  EXPECT_EQ(l.weekday, 1);
  EXPECT_EQ(l.minute, 23 * 60 + 30);
  // The local day 2024-12-03 starts at 08:00 UTC.
  EXPECT_EQ(z->StartOf(20060), 1733212800);
  EXPECT_FALSE(Zone::Open("Mars/Olympus_Mons").ok());
  EXPECT_FALSE(Zone::Open("../../etc/passwd").ok());
}

// A pack with one site whose duty is 07:30-16:00 on weekdays.
policy::WeblogPolicy OneSite(const std::string& zone) {
  policy::WeblogPolicy p;
  p.time_zone = zone;
  for (int d = 1; d <= 5; ++d) p.duty[d] = {{7 * 60 + 30, 16 * 60}};
  policy::WeblogPolicy::Category games;
  games.name = "games";
  games.hosts = {"roblox.com"};
  p.categories.push_back(games);
  policy::WeblogPolicy::Site s;
  s.name = "School";
  policy::WeblogPolicy::Subnet n;
  n.addr[10] = n.addr[11] = 0xff;
  n.addr[12] = 10;
  n.prefix = 96 + 8;
  n.text = "10.0.0.0/8";
  s.subnets.push_back(n);
  p.sites.push_back(s);
  return p;
}

std::string Line(int64_t t, const std::string& user, uint64_t bytes,
                 const std::string& client = "10.1.2.3") {
  return std::to_string(t) + ".000 45 " + client + " TCP_MISS/200 " +
         std::to_string(bytes) + " GET http://www.roblox.com/ " + user +
         " HIER_DIRECT/1.2.3.4 text/html";
}

Report ReportOf(const policy::WeblogPolicy& p,
                const std::vector<std::string>& lines, Options o = {}) {
  auto agg = Aggregator::Make(p, o);
  EXPECT_TRUE(agg.ok()) << agg.status().message();
  (*agg)->BeginInput("access.log");
  uint64_t n = 0;
  for (const auto& l : lines) (*agg)->AddLine(l, ++n);
  return (*agg)->Finish();
}

TEST(WeblogDuty, AcrossDaylightSavingAndTheDateLine) {
  auto p = OneSite("America/Los_Angeles");
  Report r =
      ReportOf(p, {
                      Line(1710168000, "mon-0740-pdt", 1),     // Mon 07:40 PDT
                      Line(1730734800, "mon-0740-pst", 1),     // Mon 07:40 PST
                      Line(1730734800 - 1200, "mon-0720", 1),  // 07:20: before
                      Line(1733211000, "mon-2330", 1),         // Tue 07:30 UTC
                      Line(1733594400, "sat-1000", 1),         // Saturday
                  });
  ASSERT_EQ(r.duty.size(), 1u);
  std::vector<std::string> on;
  for (const auto& u : r.duty[0].users) on.push_back(u.name);
  std::sort(on.begin(), on.end());
  EXPECT_EQ(on, (std::vector<std::string>{"mon-0740-pdt", "mon-0740-pst"}));
  EXPECT_EQ(r.duty[0].total.requests, 5u);
  EXPECT_EQ(r.duty[0].duty.na_requests, 2u);
  EXPECT_EQ(r.duty[0].hours, "Mon-Fri 07:30-16:00 (America/Los_Angeles)");
}

TEST(WeblogDuty, AZoneAheadOfUtc) {
  auto p = OneSite("Asia/Kolkata");
  // Monday 2024-12-02 07:45 IST is Monday 02:15 UTC (Sunday evening in Los
  // Angeles): on duty in Kolkata.
  Report r = ReportOf(p, {Line(1733105700, "early", 1),
                          Line(1733105700 - 30 * 60, "too-early", 1)});
  ASSERT_EQ(r.duty[0].users.size(), 1u);
  EXPECT_EQ(r.duty[0].users[0].name, "early");
}

TEST(WeblogReport, DatesAreDaysInThePacksZone) {
  auto p = OneSite("America/Los_Angeles");
  Options o;
  o.from_day = 20060;  // 2024-12-03
  o.to_day = 20060;
  // 2024-12-03 07:30 UTC is still 2 December in Los Angeles.
  Report r = ReportOf(p,
                      {Line(1733211000, "dec2", 1), Line(1733212800, "dec3", 1),
                       Line(1733212800 + 86400, "dec4", 1)},
                      o);
  EXPECT_EQ(r.all.requests, 1u);
  EXPECT_EQ(r.outside_dates, 2u);
  ASSERT_EQ(r.users_by_bytes.size(), 1u);
  EXPECT_EQ(r.users_by_bytes[0].name, "dec3");
  EXPECT_EQ(r.first, "2024-12-03 00:00");
}

TEST(WeblogReport, UsersPastTheCapShareOneRow) {
  auto p = OneSite("");
  p.max_users = 2;
  Report r = ReportOf(p, {Line(1, "a", 10), Line(2, "b", 20), Line(3, "c", 30),
                          Line(4, "d", 40), Line(5, "a", 1)});
  EXPECT_TRUE(r.users_capped);
  ASSERT_EQ(r.users_by_bytes.size(), 3u);
  EXPECT_EQ(r.users_by_bytes[0].name, "(others)");
  EXPECT_EQ(r.users_by_bytes[0].counts.bytes, 70u);
  EXPECT_EQ(r.users_by_bytes[2].name, "a");
  EXPECT_EQ(r.users_by_bytes[2].counts.requests, 2u);
}

TEST(WeblogReport, MalformedLinesAreCountedWithTheirPlace) {
  auto p = OneSite("");
  std::string nul("1 2 3\0 4", 8);
  Report r =
      ReportOf(p, {Line(1, "a", 10), "garbage", nul, "", Line(2, "a", 5)});
  EXPECT_EQ(r.all.requests, 2u);
  EXPECT_EQ(r.malformed, 2u);
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.examples[0], "access.log:2: fewer than 10 fields: garbage");
  EXPECT_EQ(r.examples[1].find('\0'), std::string::npos);
  std::string text = RenderText(r);
  EXPECT_NE(text.find("access.log:2: fewer than 10 fields"), std::string::npos)
      << text;
}

class WeblogFile : public steward::testing::TempDirTest {};

TEST_F(WeblogFile, AHugeLineIsMalformedAndTheNextIsRead) {
  std::string path = Write(
      "access.log", Line(1, "a", 10) + "\n" + std::string(3 << 20, 'x') + "\n" +
                        Line(2, "b", 20) + "\r\n" + Line(3, "c", 30));
  auto p = OneSite("");
  auto agg = Aggregator::Make(p, {});
  ASSERT_TRUE(agg.ok());
  uint64_t last = 0;
  ASSERT_TRUE(ReadLog(path, **agg, [&](uint64_t b) { last = b; }).ok());
  Report r = (*agg)->Finish();
  EXPECT_EQ(r.lines, 4u);
  EXPECT_EQ(r.all.requests, 3u);  // the last line has no line end
  EXPECT_EQ(r.malformed, 1u);
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0], path + ":2: line longer than 65536 bytes");
  EXPECT_EQ(last, InputSize(path));
  EXPECT_FALSE(ReadLog((dir_ / "absent.log").string(), **agg, {}).ok());
}

TEST(WeblogFormat, UnitsAnAdministratorReads) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(1234), "1.2 kB");
  EXPECT_EQ(FormatBytes(1200000000), "1.2 GB");
  EXPECT_EQ(FormatBytes(999960), "1.0 MB");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatTime(1733212800), "2024-12-03 08:00");
}

// ---------------------------------------------------------------------------
// Golden cases: every NAME.log under tests/weblog/cases with NAME.csv beside
// it, reported with the pack in cases/pack. STEWARD_UPDATE_GOLDEN=1 writes
// the CSV instead (read it before committing it).

std::string CasesDir() {
  return steward::testing::SourceDir() + "/tests/weblog/cases";
}

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(CasesDir()))
    if (e.path().extension() == ".log") names.push_back(e.path().stem());
  std::sort(names.begin(), names.end());
  return names;
}

class WeblogGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WeblogGolden, GivesItsCsv) {
  auto pack = policy::LoadPack(CasesDir() + "/pack");
  for (const auto& e : pack.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(pack.ok());
  auto agg = Aggregator::Make(pack.pack->weblog, {});
  ASSERT_TRUE(agg.ok()) << agg.status().message();
  std::string log = CasesDir() + "/" + GetParam() + ".log";
  ASSERT_TRUE(ReadLog(log, **agg, {}).ok());
  Report r = (*agg)->Finish();
  r.inputs = {GetParam() + ".log"};
  std::string csv = RenderCsv(r);
  std::string expected_path = CasesDir() + "/" + GetParam() + ".csv";
  if (const char* u = std::getenv("STEWARD_UPDATE_GOLDEN"); u && *u == '1') {
    std::ofstream(expected_path) << csv;
    GTEST_SKIP() << "wrote " << expected_path;
  }
  EXPECT_EQ(csv, steward::testing::ReadAll(expected_path))
      << "the report of " << log << " as CSV:\n"
      << csv;
}

INSTANTIATE_TEST_SUITE_P(Cases, WeblogGolden, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return n;
                         });

}  // namespace
}  // namespace steward::weblog
