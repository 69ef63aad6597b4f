// OneRoster import for matching: 1.1 and 1.2 shapes, bad rows reported with
// file and line, guardians left out, passwords never kept.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
