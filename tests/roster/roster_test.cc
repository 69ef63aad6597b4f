// OneRoster import for matching: 1.1 and 1.2 shapes, bad rows reported with
// file and line, guardians left out, passwords never kept.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/snapshot.h"
#include "roster/oneroster.h"
#include "test_util.h"

namespace steward::roster {
namespace {

namespace fs = std::filesystem;

TEST(Roster, LoadsVersion11WithBadRowsReported) {
  auto r =
      LoadOneRoster(steward::testing::SourceDir() + "/tests/golden/roster");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->version, "1.1");
  ASSERT_EQ(r->people.size(), 18u);  // the parent and the nameless row are out
  const Person& maria = r->people[0];
  EXPECT_EQ(maria.FullName(), "Maria Garcia");
  EXPECT_TRUE(maria.student);
  EXPECT_EQ(maria.grades, "04");
  ASSERT_FALSE(maria.schools.empty());
  EXPECT_EQ(maria.schools[0], "Lincoln Elementary");
  EXPECT_EQ(maria.identifiers,
            (std::vector<std::string>{"2004117", "4829103756"}));
  EXPECT_FALSE(r->people[4].student);
  ASSERT_EQ(r->issues.size(), 1u);
  EXPECT_EQ(r->issues[0].file, "users.csv");
  EXPECT_EQ(r->issues[0].line, 9u);
  EXPECT_NE(r->issues[0].message.find("familyName"), std::string::npos);
}

// Everything a roster holds, field by field, for comparing two loads.
std::string Dump(const Roster& r) {
  std::string out = r.version + "|" + std::to_string(r.delta) + "|" +
                    std::to_string(r.skipped) + "|" + r.hash + "\n";
  auto list = [&](const std::vector<std::string>& v) {
    for (const auto& x : v) out += x + ",";
    out += "|";
  };
  for (const Person& p : r.people) {
    out += p.id + "|" + p.given + "|" + p.middle + "|" + p.family + "|" +
           p.preferred_given + "|" + p.role + "|" + p.grades + "|" + p.email +
           "|" + p.username + "|" + p.status + "|" + std::to_string(p.student) +
           std::to_string(p.enabled) + "|";
    list(p.schools);
    list(p.identifiers);
    list(p.org_ids);
    out += "\n";
  }
  for (const Org& o : r.orgs)
    out += o.id + "|" + o.name + "|" + o.type + "|" + o.parent_id + "\n";
  for (const RosterIssue& i : r.issues)
    out += i.ToString() + "|" + std::to_string(i.rejected) + "\n";
  return out;
}

// A roster read once is read from its snapshot after: the same people,
// orgs and issues. A snapshot cut short or changed is never used; the CSV
// is read again and the snapshot written anew.
TEST(Roster, SnapshotInTheCacheGivesTheSameRoster) {
  const std::string src =
      steward::testing::SourceDir() + "/tests/golden/roster";
  steward::testing::TempDir cache("steward-roster-cache");
  auto plain = LoadOneRoster(src);
  ASSERT_TRUE(plain.ok());
  auto first = LoadOneRoster(src, cache.path().string());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Dump(*first), Dump(*plain));
  fs::path snap;
  for (const auto& e : fs::directory_iterator(cache.path()))
    if (e.path().filename().string().starts_with("roster-")) snap = e.path();
  ASSERT_FALSE(snap.empty()) << "no snapshot written";
  EXPECT_EQ(fs::status(snap).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::string bytes;
  {
    std::ifstream in(snap, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto cached = FromSnapshot(bytes);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(Dump(*cached), Dump(*plain));
  auto second = LoadOneRoster(src, cache.path().string());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Dump(*second), Dump(*plain));
  // Every cut and a changed byte in every position are refused whole.
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(FromSnapshot(std::string_view(bytes).substr(0, n)).ok())
        << "cut at " << n;
  for (size_t at = 0; at < bytes.size(); at += 7) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x21);
    EXPECT_FALSE(FromSnapshot(bad).ok()) << "byte " << at;
  }
  std::string bad = bytes;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x21);
  std::ofstream(snap, std::ios::binary | std::ios::trunc) << bad;
  auto reread = LoadOneRoster(src, cache.path().string());
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(Dump(*reread), Dump(*plain));
  auto fixed = LoadOneRoster(src, cache.path().string());
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(Dump(*fixed), Dump(*plain));
}

// Only the three newest snapshots of a kind stay in the cache: a roster
// exported every night does not fill the disk.
TEST(Roster, CacheKeepsTheNewestSnapshots) {
  steward::testing::TempDir cache("steward-roster-prune");
  const auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < 5; ++i) {
    std::string name = "roster-" + std::to_string(i) + ".snap";
    cache.Write(name, "x");
    fs::last_write_time(cache.path() / name, now - std::chrono::hours(5 - i));
  }
  cache.Write("names-0.snap", "x");
  core::KeepNewest(cache.path().string(), "roster-", 3);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(cache.path()))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"names-0.snap", "roster-2.snap",
                                            "roster-3.snap", "roster-4.snap"}));
}

TEST(Roster, Version12RolesFromRolesCsv) {
  steward::testing::TempDir tmp("steward-roster12");
  const fs::path& d = tmp.path();
  std::ofstream(d / "manifest.csv")
      << "propertyName,value\noneroster.version,1.2\n";
  std::ofstream(d / "orgs.csv") << "sourcedId,status,dateLastModified,name,"
                                   "type,identifier,parentSourcedId\n"
                                   "o1,active,,Gotham High,school,,\n";
  std::ofstream(d / "users.csv")
      << "sourcedId,status,dateLastModified,enabledUser,username,userIds,"
         "givenName,familyName,"
         "middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
         "password,"
         "userMasterIdentifier,preferredGivenName,preferredMiddleName,"
         "preferredFamilyName,"
         "primaryOrgSourcedId,pronouns\n"
         "u1,active,,TRUE,bw,,Bruce,Wayne,,bw1,,,,,10,Batman.Ru1ez,,Brucie,,,"
         "o1,\n"
         "u2,active,,TRUE,jg,,James,Gordon,,,,,,,,,,,,,o1,\n";
  std::ofstream(d / "roles.csv")
      << "sourcedId,status,dateLastModified,userSourcedId,roleType,role,"
         "beginDate,endDate,orgSourcedId,userProfileSourcedId\n"
         "r1,active,,u1,primary,student,,,o1,\n"
         "r2,active,,u2,primary,teacher,,,o1,\n";
  auto r = LoadOneRoster(d.string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->version, "1.2");
  ASSERT_EQ(r->people.size(), 2u);
  EXPECT_TRUE(r->people[0].student);
  EXPECT_EQ(r->people[0].preferred_given, "Brucie");
  EXPECT_EQ(r->people[0].schools[0], "Gotham High");
  EXPECT_FALSE(r->people[1].student);
  EXPECT_EQ(r->people[1].role, "teacher");
}

TEST(Roster, MissingUsersCsvIsAClearError) {
  auto r = LoadOneRoster("/nonexistent/roster");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("users.csv"), std::string::npos);
}

}  // namespace
}  // namespace steward::roster
