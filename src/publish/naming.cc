#include "publish/naming.h"

#include <algorithm>

#include "core/text.h"

namespace steward::publish {

Level LevelOf(std::string_view grades,
              const std::vector<std::string>& high_school_grades) {
  auto list = core::SplitList(grades, ',');
  bool any = false;
  for (const auto& raw : list) {
    std::string g = raw;
    while (!g.empty() && g.front() == ' ') g.erase(0, 1);
    while (!g.empty() && g.back() == ' ') g.pop_back();
    if (g.empty()) continue;
    any = true;
    if (std::find(high_school_grades.begin(), high_school_grades.end(), g) ==
        high_school_grades.end())
      return Level::kElementary;
  }
  return any ? Level::kHighSchool : Level::kElementary;
}

std::string LimitedName(const Student& s) {
  std::string initial;
  if (!s.family.empty()) {
    // The first letter, whole even when it is more than one byte.
    size_t n = 1;
    while (n < s.family.size() &&
           (static_cast<unsigned char>(s.family[n]) & 0xC0) == 0x80)
      ++n;
    initial = s.family.substr(0, n) + ".";
  }
  return initial.empty() ? s.given : s.given + " " + initial;
}

std::optional<Problem> JudgeNaming(const Student& s, Form f, Place p) {
  const std::string limited = LimitedName(s);
  if (s.permission != "limited" && s.permission != "full") {
    return Problem{"student-named-without-permission",
                   "Remove " + s.given +
                       "'s name: the parents have not given permission to "
                       "publish it."};
  }
  if (f == Form::kFull) {
    if (s.level == Level::kElementary)
      return Problem{"student-full-name", "Write \"" + limited + "\" or \"" +
                                              s.given +
                                              "\" instead of the full name."};
    if (s.permission != "full")
      return Problem{"student-name-beyond-permission",
                     "Write \"" + limited + "\" or \"" + s.given +
                         "\": the parents approved a limited "
                         "identification only."};
  }
  if (p == Place::kPhoto && !s.photo_captions &&
      !(s.level == Level::kHighSchool && s.permission == "full")) {
    return Problem{"student-named-in-photo",
                   "Remove " + s.given +
                       "'s name from the photo's caption, alt text and "
                       "metadata, or record the parents' permission for "
                       "captions first."};
  }
  return std::nullopt;
}

}  // namespace steward::publish

namespace steward::publish {

std::string Identification(const Student& s) {
  if (s.permission == "full" && s.level == Level::kHighSchool)
    return s.given + " " + s.family;
  if (s.permission == "limited" || s.permission == "full")
    return LimitedName(s);
  return "";
}

Prepared PrepareStudentWork(std::string_view text, const Student& s, int year,
                            bool html) {
  auto escape = [html](std::string_view v) {
    return html ? core::EscapeHtml(v) : std::string(v);
  };
  const std::string id = Identification(s);
  const std::string shown = id.empty() ? "the student" : id;
  Prepared out;
  out.text = std::string(text);
  std::vector<std::string> forms;
  if (!s.given.empty() && !s.family.empty()) {
    forms.push_back(s.given + " " + s.family);
    forms.push_back(s.family + ", " + s.given);
    if (id.empty()) forms.push_back(LimitedName(s));
  }
  for (const auto& raw : forms) {
    const std::string form = escape(raw);
    if (form == escape(shown)) continue;
    for (size_t at = out.text.find(form); at != std::string::npos;
         at = out.text.find(form, at)) {
      out.text.replace(at, form.size(), escape(shown));
      at += escape(shown).size();
      ++out.replaced;
    }
  }
  out.notice = "\xC2\xA9 " + std::to_string(year) + " " +
               (id.empty() ? std::string("the student author") : id);
  const std::string lower = core::AsciiLower(out.text);
  const bool has_notice = lower.find("\xC2\xA9") != std::string::npos ||
                          lower.find("(c) ") != std::string::npos ||
                          lower.find("copyright") != std::string::npos;
  if (!has_notice) {
    out.notice_added = true;
    if (html) {
      const std::string p =
          "<p class=\"copyright\">" + escape(out.notice) + "</p>";
      const size_t body = core::AsciiLower(out.text).rfind("</body>");
      if (body != std::string::npos)
        out.text.insert(body, p + "\n");
      else
        out.text += "\n" + p + "\n";
    } else {
      while (!out.text.empty() && out.text.back() == '\n') out.text.pop_back();
      out.text += "\n\n" + out.notice + "\n";
    }
  }
  return out;
}

}  // namespace steward::publish
