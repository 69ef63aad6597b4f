#include "publish/naming.h"

#include <algorithm>
#include <cctype>

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

namespace {

bool IsSpaceAt(std::string_view t, size_t i, bool html, size_t* len) {
  if (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r') {
    *len = 1;
    return true;
  }
  if (t.substr(i, 2) == "\xC2\xA0") {  // a no-break space
    *len = 2;
    return true;
  }
  if (html && core::AsciiLower(t.substr(i, 6)) == "&nbsp;") {
    *len = 6;
    return true;
  }
  return false;
}

bool IsWordByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         (static_cast<unsigned char>(c) & 0x80);
}

// The length of `form` at `at` of `t`, letters compared without (ASCII)
// case and each space of `form` matching any run of white space; 0 when
// it is not there or is part of a longer word.
size_t MatchAt(std::string_view t, size_t at, std::string_view form,
               bool html) {
  if (at > 0 && IsWordByte(t[at - 1])) return 0;
  size_t i = at;
  for (size_t f = 0; f < form.size(); ++f) {
    if (form[f] == ' ') {
      size_t len = 0;
      if (i >= t.size() || !IsSpaceAt(t, i, html, &len)) return 0;
      while (i < t.size() && IsSpaceAt(t, i, html, &len)) i += len;
      continue;
    }
    if (i >= t.size() || std::tolower(static_cast<unsigned char>(t[i])) !=
                             std::tolower(static_cast<unsigned char>(form[f])))
      return 0;
    ++i;
  }
  if (i < t.size() && IsWordByte(t[i]) && IsWordByte(form.back())) return 0;
  return i - at;
}

}  // namespace

Prepared PrepareStudentWork(std::string_view text, const Student& s, int year,
                            bool html) {
  auto escape = [html](std::string_view v) {
    return html ? core::EscapeHtml(v) : std::string(v);
  };
  const std::string id = Identification(s);
  const std::string shown = id.empty() ? "the student" : id;
  const std::string written = escape(shown);
  Prepared out;
  std::vector<std::string> forms;
  if (!s.given.empty() && !s.family.empty()) {
    for (const std::string& raw :
         {s.given + " " + s.family, s.family + ", " + s.given,
          id.empty() ? LimitedName(s) : std::string()}) {
      if (raw.empty() || core::AsciiLower(raw) == core::AsciiLower(shown))
        continue;
      forms.push_back(raw);
      if (escape(raw) != raw) forms.push_back(escape(raw));
    }
  }
  // One pass: what is not a name is copied as it is; in HTML, tags are
  // copied whole (a name in an attribute stays, and the gate says so).
  out.text.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size();) {
    if (html && text[i] == '<') {
      size_t close = text.find('>', i);
      size_t stop = close == std::string_view::npos ? text.size() : close + 1;
      out.text.append(text.substr(i, stop - i));
      i = stop;
      continue;
    }
    size_t len = 0;
    for (const auto& form : forms)
      if ((len = MatchAt(text, i, form, html)) > 0) break;
    if (len > 0) {
      out.text += written;
      ++out.replaced;
      i += len;
    } else {
      out.text += text[i++];
    }
  }
  out.notice = "\xC2\xA9 " + std::to_string(year) + " " +
               (id.empty() ? std::string("the student author") : id);
  // A notice is there when a copyright mark is followed closely by the
  // student's identification or the words "student author".
  const std::string lower = core::AsciiLower(out.text);
  const std::string whose =
      core::AsciiLower(id.empty() ? "student author" : id);
  bool has_notice = false;
  for (const char* mark : {"\xC2\xA9", "(c) ", "copyright"}) {
    for (size_t at = lower.find(mark); at != std::string::npos && !has_notice;
         at = lower.find(mark, at + 1))
      has_notice = lower.substr(at, 120).find(whose) != std::string::npos;
  }
  if (!has_notice) {
    out.notice_added = true;
    if (html) {
      const std::string p =
          "<p class=\"copyright\">" + escape(out.notice) + "</p>";
      const size_t body = lower.rfind("</body>");
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
