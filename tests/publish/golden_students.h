// The golden roster's students (tests/golden/roster) with what their
// parents allowed, as the site audit and the gate tests judge them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "publish/audit.h"
#include "roster/oneroster.h"
#include "test_util.h"

namespace steward::testing {

inline std::string GoldenRosterDir() {
  return SourceDir() + "/tests/golden/roster";
}

inline publish::Students GoldenStudents() {
  auto roster = roster::LoadOneRoster(GoldenRosterDir());
  const std::map<std::string, std::pair<std::string, bool>> allowed = {
      {"stu-1", {"limited", false}}, {"stu-2", {"full", true}},
      {"stu-3", {"none", false}},    {"stu-4", {"limited", false}},
      {"stu-21", {"full", false}},   {"stu-22", {"none", false}},
      {"stu-31", {"limited", true}}};
  publish::Students students;
  const std::vector<std::string> high = {"09", "10", "11", "12"};
  if (!roster.ok()) return students;
  for (const auto& p : roster->people) {
    if (!p.student) continue;
    auto it = allowed.find(p.id);
    students[p.id] = {p.given, p.family, publish::LevelOf(p.grades, high),
                      it == allowed.end() ? "none" : it->second.first,
                      it != allowed.end() && it->second.second};
  }
  return students;
}

}  // namespace steward::testing
