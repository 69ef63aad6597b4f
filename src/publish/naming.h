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

// How the student may be identified on a District site: the full name
// (a high school student whose parents approved it, F.3.a), the limited
// identification (F.2.a), or "" (no permission: named nowhere).
std::string Identification(const Student& s);

// Student work made ready to post (H.4.a, F.2.b, F.2.c, F.3.c, F.3.d): the
// student's full name ("Maria Garcia", "Garcia, Maria") and, without
// permission, the limited one too, written as Identification() allows (or
// "the student"), and the copyright notice ("© 2026 Maria G.") added at
// the end unless a copyright mark with the student's identification is
// already there. Names are found in one pass (linear in the text), without
// case, with any white space (a no-break space, &nbsp;) between their
// parts, and not inside a longer word. `html`: tags are copied as they are
// (a name in an attribute stays), names and notice escaped. What this
// cannot rewrite (a name split by a tag, spelt otherwise) is for the gate,
// judging the result again, to find.
struct Prepared {
  std::string text;
  int replaced = 0;  // names rewritten
  bool notice_added = false;
  std::string notice;  // "© 2026 Maria G."
};
// Work larger than this is not edited here (the reviewer edits it by hand).
inline constexpr size_t kMaxPrepared = 4u << 20;
Prepared PrepareStudentWork(std::string_view text, const Student& s, int year,
                            bool html);

}  // namespace steward::publish
