// What F.1-F.3 say about one student named on a District site: a pure
// decision table over the student's level (elementary and intermediate
// school, F.2; high school, F.3), what the parents permitted, how the name
// is written and where it appears. tests/publish/naming_test.cc holds the
// table; docs/publishing.md explains it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steward::publish {

enum class Level { kElementary, kHighSchool };  // F.2 / F.3

// Elementary unless every grade of `grades` ("09" or "09,10") is one of
// `high_school_grades`. No grade at all is elementary: the stricter rule.
Level LevelOf(std::string_view grades,
              const std::vector<std::string>& high_school_grades);

enum class Form {
  kFull,     // "Maria Garcia", "Garcia, Maria"
  kLimited,  // "Maria G." (F.2.a's limited identification)
};

enum class Place {
  kText,   // a page's or document's text
  kPhoto,  // a photo's caption, alt text, title or metadata
};

struct Student {
  std::string given, family;
  Level level = Level::kElementary;
  std::string permission = "none";  // none / limited / full
  bool photo_captions = false;
};

struct Problem {
  std::string category;  // one of the pack's publishing categories
  std::string fix;       // what to write instead, in plain words
};

// The problem with naming `s` in form `f` at `p`; nullopt when allowed.
std::optional<Problem> JudgeNaming(const Student& s, Form f, Place p);

// The limited identification: "Maria G.".
std::string LimitedName(const Student& s);

}  // namespace steward::publish
