// People over the store, on SQLite and PostgreSQL alike: OneRoster and HR
// imports (bad rows named, passwords never stored, departures guarded),
// publishing permission and its reach by site.
#include "people/people.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/csv.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using testing::StoreTest;

class People : public StoreTest {
 protected:
  people::Actor actor_{"cli:test", ""};
};
STEWARD_BOTH_BACKENDS(People);

TEST_P(People, OneRosterImportReportsBadRowsAndNeverStoresPasswords) {
  std::string roster = testing::SourceDir() + "/tests/golden/roster";
  auto r = people::ImportOneRoster(*db_, roster, actor_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->created, 18);
  EXPECT_GE(r->Rejected(), 1);  // the nameless row
  for (const auto& i : r->issues) {
    EXPECT_EQ(i.file, "users.csv");
    EXPECT_GT(i.line, 1u);
  }
  // "hunter2" is Maria Garcia's roster password: nowhere in the store.
  for (const char* table : {"people", "sites", "import_runs", "audit_log"}) {
    auto rows = db_->Query(std::string("SELECT * FROM ") + table);
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) {
      for (const auto& v : row.cols) {
        EXPECT_EQ(v.value_or("").find("hunter2"), std::string::npos) << table;
      }
    }
  }
  auto students = people::Count(*db_, {.kind = "student"});
  ASSERT_TRUE(students.ok());
  EXPECT_GT(*students, 0);
  auto maria = people::Find(*db_, {.text = "Maria Garcia"});
  ASSERT_TRUE(maria.ok());
  ASSERT_EQ(maria->size(), 1u);
  EXPECT_EQ(maria->front().site_name, "Lincoln Elementary");
  EXPECT_EQ(maria->front().grade, "04");
  EXPECT_EQ(maria->front().publish_permission, "none");
}

// Every OneRoster set in the shared corpora (1.1 and 1.2, mixed date
// formats, plain passwords): imported, bad rows reported by file and line,
// no password stored anywhere.
TEST_P(People, EveryCorpusSetImportsWithoutItsPasswords) {
  std::string dir = testing::Corpus("oneroster");
  STEWARD_SKIP_IF_EMPTY(dir, "oneroster");
  int sets = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_directory()) continue;
    ++sets;
    // Each set is a different district: forced, or the second would be
    // refused for marking the first one's people departed.
    auto r = people::ImportOneRoster(*db_, e.path().string(), actor_, "",
                                     {.force = true});
    ASSERT_TRUE(r.ok()) << e.path() << ": " << r.status().message();
    std::printf("%s: %s\n", e.path().filename().c_str(), r->Summary().c_str());
    for (const auto& i : r->issues) {
      std::printf("  %s\n", i.ToString().c_str());
      EXPECT_FALSE(i.file.empty());
    }
    EXPECT_GT(r->created + r->updated, 0) << e.path();
    // The passwords of this set's users.csv.
    std::vector<std::string> passwords;
    bool header = true;
    size_t column = std::string::npos;
    auto st = core::ReadCsv(testing::ReadAll((e.path() / "users.csv").string()),
                            [&](const core::CsvRecord& rec) {
                              if (header) {
                                for (size_t i = 0; i < rec.fields.size(); ++i) {
                                  if (rec.fields[i] == "password") column = i;
                                }
                                header = false;
                              } else if (column < rec.fields.size() &&
                                         rec.fields[column].size() >= 4) {
                                passwords.push_back(rec.fields[column]);
                              }
                              return true;
                            });
    ASSERT_TRUE(st.ok());
    for (const char* table : {"people", "sites", "import_runs", "audit_log"}) {
      auto rows = db_->Query(std::string("SELECT * FROM ") + table);
      ASSERT_TRUE(rows.ok());
      for (const auto& row : *rows) {
        for (const auto& v : row.cols) {
          for (const auto& pw : passwords) {
            EXPECT_EQ(v.value_or("").find(pw), std::string::npos)
                << "a roster password is stored in " << table;
          }
        }
      }
    }
  }
  EXPECT_GE(sets, 4);
}

TEST_P(People, ReimportUpdatesAndMarksTheDeparted) {
  std::string roster = testing::SourceDir() + "/tests/golden/roster";
  ASSERT_TRUE(people::ImportOneRoster(*db_, roster, actor_).ok());
  // The same export without Maria Garcia (stu-1).
  std::string users = testing::ReadAll(roster + "/users.csv");
  std::string kept;
  size_t at = 0;
  while (at < users.size()) {
    size_t end = users.find('\n', at);
    if (end == std::string::npos) end = users.size();
    std::string line = users.substr(at, end - at);
    if (line.rfind("stu-1,", 0) != 0) kept += line + "\n";
    at = end + 1;
  }
  std::filesystem::create_directories(dir_ / "roster2");
  for (const char* f : {"manifest.csv", "orgs.csv"}) {
    std::filesystem::copy_file(roster + "/" + f, dir_ / "roster2" / f);
  }
  Write("roster2/users.csv", kept);
  auto r = people::ImportOneRoster(*db_, (dir_ / "roster2").string(), actor_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->created, 0);
  EXPECT_EQ(r->updated, 17);
  EXPECT_EQ(r->departed, 1);
  auto gone =
      people::Find(*db_, {.text = "Maria Garcia", .status = "departed"});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->size(), 1u);
  auto audits = audit::List(*db_, {.action = "people.import"});
  ASSERT_TRUE(audits.ok());
  EXPECT_EQ(audits->size(), 2u);
}

TEST_P(People, EmployeesCsvValidatesRowByRow) {
  std::string csv =
      "id,given_name,family_name,email,site,job_role,supervisor,status\n"
      "E1,Ada,Lovelace,ada@example-usd.org,Lincoln "
      "Elementary,teacher,E3,active\n"
      "E2,,Nameless,x@example-usd.org,Lincoln Elementary,teacher,,active\n"
      "E3,Grace,Hopper,not-an-address,District Office,principal,,active\n"
      "E1,Ada,Again,ada2@example-usd.org,Lincoln Elementary,teacher,,active\n"
      "E4,Alan,Turing,alan@example-usd.org,Cedar Elementary,aide,,retired\n"
      "E5,Katherine,Johnson,kj@example-usd.org,Cedar "
      "Elementary,teacher,E9,leave\n";
  auto r = people::ImportEmployeesCsv(*db_, csv, "staff.csv", actor_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->created, 3);  // E1, E3 (without e-mail), E5
  std::vector<std::string> seen;
  for (const auto& i : r->issues) seen.push_back(i.ToString());
  auto has = [&](const std::string& s) {
    for (const auto& x : seen) {
      if (x.find(s) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("staff.csv:3: no given or family name"))
      << ::testing::PrintToString(seen);
  EXPECT_TRUE(has("staff.csv:4: e-mail 'not-an-address'"));
  EXPECT_TRUE(has("staff.csv:5: duplicate id 'E1'"));
  EXPECT_TRUE(has("staff.csv:6: status 'retired'"));
  EXPECT_TRUE(has("supervisor 'E9' is not in the file"));
  auto kj = people::Find(*db_, {.text = "Katherine", .status = ""});
  ASSERT_TRUE(kj.ok());
  ASSERT_EQ(kj->size(), 1u);
  EXPECT_EQ(kj->front().status, "leave");  // still an employee
  EXPECT_EQ(kj->front().site_name, "Cedar Elementary");
  auto missing =
      people::ImportEmployeesCsv(*db_, "name,mail\nx,y\n", "bad.csv", actor_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("bad.csv:1: missing column 'id'"),
            std::string::npos);
}

TEST_P(People, PublishingPermissionIsForStudentsAndAudited) {
  ASSERT_TRUE(people::ImportOneRoster(
                  *db_, testing::SourceDir() + "/tests/golden/roster", actor_)
                  .ok());
  auto maria = people::Find(*db_, {.text = "Maria Garcia"});
  ASSERT_TRUE(maria.ok() && maria->size() == 1);
  const auto all = people::Scope::EverySite();
  EXPECT_FALSE(people::SetPublishing(*db_, maria->front().id, {"everything"},
                                     actor_, all)
                   .ok());
  ASSERT_TRUE(
      people::SetPublishing(*db_, maria->front().id, {"limited"}, actor_, all)
          .ok());
  EXPECT_EQ(people::Get(*db_, maria->front().id)->publish_permission,
            "limited");
  auto teachers = people::Find(*db_, {.kind = "employee", .limit = 1});
  ASSERT_TRUE(teachers.ok() && !teachers->empty());
  EXPECT_FALSE(
      people::SetPublishing(*db_, teachers->front().id, {"full"}, actor_, all)
          .ok());
  auto a = audit::List(*db_, {.action = "people.permission"});
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_NE(a->front().detail.find("\"to\":\"limited\""), std::string::npos);
}

// The SIS export of permissions: its spellings, its bad rows named by line,
// students it does not name left as they are, one audit entry.
TEST_P(People, PermissionsComeFromTheStudentInformationSystem) {
  ASSERT_TRUE(people::ImportOneRoster(
                  *db_, testing::SourceDir() + "/tests/golden/roster", actor_)
                  .ok());
  auto maria = people::Find(*db_, {.text = "Maria Garcia"});
  auto daniel = people::Find(*db_, {.text = "Daniel Nguyen"});
  ASSERT_TRUE(maria.ok() && maria->size() == 1);
  ASSERT_TRUE(daniel.ok() && daniel->size() == 1);
  const std::string m = maria->front().source_id, d = daniel->front().source_id;
  const std::string csv = "Student_ID,Web Permission,Photo Captions\r\n" + m +
                          ",Limited Identification,Y\r\n" + d +
                          ",full name,\r\nnobody-9,full,yes\r\n" + m +
                          ",none,no\r\n" + d + ",everything,no\r\n" + d +
                          ",full,perhaps\x1b[2J\r\n";
  auto r = people::ImportPermissionsCsv(*db_, csv, "perm.csv", actor_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->updated, 2);
  ASSERT_EQ(r->issues.size(), 4u);
  EXPECT_EQ(r->issues[0].ToString(),
            "perm.csv:4: no student has the id 'nobody-9'");
  EXPECT_NE(r->issues[1].ToString().find("perm.csv:5: student " + m +
                                         " is listed twice"),
            std::string::npos);
  EXPECT_NE(r->issues[2].ToString().find(
                "perm.csv:6: student " + d +
                ": permission 'everything' is not none, limited or full"),
            std::string::npos);
  EXPECT_NE(r->issues[3].ToString().find("'perhaps?[2J' is not yes or no"),
            std::string::npos);
  auto mg = people::Get(*db_, maria->front().id);
  EXPECT_EQ(mg->publish_permission, "limited");
  EXPECT_TRUE(mg->photo_captions);
  auto dn = people::Get(*db_, daniel->front().id);
  EXPECT_EQ(dn->publish_permission, "full");
  EXPECT_FALSE(dn->photo_captions);
  // The same file again changes nothing.
  auto again = people::ImportPermissionsCsv(*db_, csv, "perm.csv", actor_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->skipped, 2);
  auto a = audit::List(*db_, {.action = "people.permissions-import"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 2u);
  // A file without the columns it needs is refused whole.
  auto bad =
      people::ImportPermissionsCsv(*db_, "name,grade\nx,1\n", "b.csv", actor_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("b.csv:1:"), std::string::npos);
}

// An empty or partial export would mark most people departed: refused,
// nothing changed, unless forced.
TEST_P(People, AnEmptyExportMarksNobodyDepartedUnlessForced) {
  std::string roster = testing::SourceDir() + "/tests/golden/roster";
  ASSERT_TRUE(people::ImportOneRoster(*db_, roster, actor_).ok());
  auto present = people::Count(*db_, {});
  ASSERT_TRUE(present.ok());
  ASSERT_GT(*present, 10);
  // OneRoster: users.csv with its header and nobody in it.
  std::filesystem::create_directories(dir_ / "empty");
  for (const char* f : {"manifest.csv", "orgs.csv"}) {
    std::filesystem::copy_file(roster + "/" + f, dir_ / "empty" / f);
  }
  std::string users = testing::ReadAll(roster + "/users.csv");
  Write("empty/users.csv", users.substr(0, users.find('\n') + 1));
  std::string empty = (dir_ / "empty").string();
  auto refused = people::ImportOneRoster(*db_, empty, actor_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::kLimit);
  const std::string& m = refused.status().message();
  EXPECT_NE(m.find(fmt::format("would mark {0} of the {0} people present "
                               "from oneroster departed (100%, more than the "
                               "20% allowed), with 0 people in the file",
                               *present)),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("nothing was changed"), std::string::npos);
  EXPECT_EQ(people::Count(*db_, {}).value(), *present);  // all still active
  auto runs = db_->Query("SELECT COUNT(*) FROM import_runs");
  EXPECT_EQ(runs->front().Int(0), 1);
  // Forced, it goes through and the audit entry says so.
  auto forced =
      people::ImportOneRoster(*db_, empty, actor_, "", {.force = true});
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(forced->departed, *present);
  EXPECT_EQ(people::Count(*db_, {}).value(), 0);
  auto audits = audit::List(*db_, {.action = "people.import"});
  ASSERT_TRUE(audits.ok() && !audits->empty());
  EXPECT_NE(audits->front().detail.find("\"forced\":true"), std::string::npos);
}

TEST_P(People, AnHrFileMissingMostEmployeesIsRefused) {
  std::string header =
      "id,given_name,family_name,email,site,job_role,supervisor,status\n";
  std::string all = header +
                    "E1,Ada,Lovelace,ada@example-usd.org,Lincoln,teacher,,\n"
                    "E2,Grace,Hopper,grace@example-usd.org,Lincoln,teacher,,\n"
                    "E3,Alan,Turing,alan@example-usd.org,Cedar,aide,,\n";
  ASSERT_TRUE(people::ImportEmployeesCsv(*db_, all, "staff.csv", actor_).ok());
  auto empty = people::ImportEmployeesCsv(*db_, header, "empty.csv", actor_);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find(
                "empty.csv: this import would mark 3 of the 3 people present "
                "from hr-csv departed"),
            std::string::npos)
      << empty.status().message();
  // One of three (33%) is more than the default 20%, not more than 50%.
  std::string two = header +
                    "E1,Ada,Lovelace,ada@example-usd.org,Lincoln,teacher,,\n"
                    "E2,Grace,Hopper,grace@example-usd.org,Lincoln,teacher,,\n";
  EXPECT_FALSE(people::ImportEmployeesCsv(*db_, two, "two.csv", actor_).ok());
  EXPECT_EQ(people::Count(*db_, {}).value(), 3);
  auto allowed = people::ImportEmployeesCsv(*db_, two, "two.csv", actor_,
                                            {.max_departed_percent = 50});
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed->departed, 1);
  // The whole file again: nobody more departs, Alan comes back.
  auto back = people::ImportEmployeesCsv(*db_, all, "staff.csv", actor_);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->departed, 0);
  EXPECT_EQ(people::Count(*db_, {}).value(), 3);
}

// A site administrator's reach is their site (issue 11, item 11).
TEST_P(People, APermissionScopeReachesOnlyItsSite) {
  ASSERT_TRUE(people::ImportOneRoster(
                  *db_, testing::SourceDir() + "/tests/golden/roster", actor_)
                  .ok());
  auto maria = people::Find(*db_, {.text = "Maria Garcia"});    // Lincoln
  auto daniel = people::Find(*db_, {.text = "Daniel Nguyen"});  // Buchanan
  ASSERT_TRUE(maria.ok() && maria->size() == 1);
  ASSERT_TRUE(daniel.ok() && daniel->size() == 1);
  const auto lincoln = people::Scope::Site(maria->front().site_id);
  ASSERT_TRUE(
      people::SetPublishing(*db_, maria->front().id, {"full"}, actor_, lincoln)
          .ok());
  auto other = people::SetPublishing(*db_, daniel->front().id, {"full"}, actor_,
                                     lincoln);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.message().find("your own site's students only"),
            std::string::npos);
  EXPECT_FALSE(people::SetPublishing(*db_, daniel->front().id, {"full"}, actor_,
                                     people::Scope{})
                   .ok());
  EXPECT_EQ(people::Get(*db_, daniel->front().id)->publish_permission, "none");
  EXPECT_EQ(people::Get(*db_, maria->front().id)->publish_permission, "full");
}

}  // namespace
}  // namespace steward
