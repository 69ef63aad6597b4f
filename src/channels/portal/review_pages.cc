// Student content review (H.4.a; docs/publishing.md): an employee submits
// a student's work for a registered site, the publishing gate judges it,
// the site's content manager approves it (optionally applying the
// student's permitted identification and copyright notice) or returns it
// with a reason, and only approved work can be downloaded for posting.
// Every signed-in employee may submit; who may see and decide each item is
// checked here, per item.
#include <fmt/format.h>

#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>

#include "channels/portal/internal.h"
#include "core/text.h"
#include "people/people.h"
#include "publish/naming.h"
#include "sites/registry.h"
#include "sites/review.h"

namespace steward::portal {

namespace {

using identity::Role;

bool HasRole(const Ctx& c, std::initializer_list<Role> roles) {
  for (Role r : roles)
    if (c.session->account.roles.Has(r)) return true;
  return false;
}

// The site's designated reviewer: its content manager; ITS and the
// Superintendent's designee may decide for any site.
// Never the employee who submitted it (a second person reviews), never an
// auditor (who changes nothing).
bool MayDecide(const Ctx& c, const sites::Submission& s) {
  const int64_t me = c.session->account.person_id;
  if (s.submitted_by == c.session->account.username ||
      HasRole(c, {Role::kAuditor}))
    return false;
  return (me != 0 && me == s.content_manager) ||
         HasRole(c, {Role::kItsAdmin, Role::kDesignee});
}

// What the gate says of `bytes` as the submission would post them: its
// verdict JSON, or nullopt when there is no gate or it cannot judge now.
std::optional<nlohmann::ordered_json> Judge(Ctx& c, const std::string& url,
                                            const std::string& name,
                                            const std::string& type,
                                            const std::string& bytes) {
  if (!c.app.options.publish_gate || bytes.empty()) return std::nullopt;
  auto v = c.app.options.publish_gate(
      GateItem{url, name, type, bytes, c.session->account.username});
  if (!v.ok() || !v->contains("action") || !(*v)["action"].is_string())
    return std::nullopt;
  return std::move(v).value();
}

// Whether the gate's action lets the work go up (allow, warn: exit 0 of
// `steward publish check`).
bool Postable(const std::string& action) {
  return action == "allow" || action == "warn";
}

bool MaySee(const Ctx& c, const sites::Submission& s) {
  return s.submitted_by == c.session->account.username || MayDecide(c, s) ||
         HasRole(c, {Role::kAuditor});
}

// The submission of the path, or the page says why not (false).
std::optional<sites::Submission> Load(Ctx& c) {
  auto s = sites::GetSubmission(*c.app.db, c.Id());
  if (!s.ok()) {
    c.Fail(404, "No such submission.");
    return std::nullopt;
  }
  if (!MaySee(c, *s)) {
    c.Fail(403,
           "This submission is for its employee and the site's reviewer "
           "only.");
    return std::nullopt;
  }
  return std::move(s).value();
}

// The submission of the path when this person decides on it.
std::optional<sites::Submission> LoadToDecide(Ctx& c) {
  auto s = Load(c);
  if (s && !MayDecide(c, *s)) {
    c.Fail(403, "Only the site's content manager decides on this work.");
    return std::nullopt;
  }
  return s;
}

publish::Student StudentOf(const Ctx& c, const people::Person& p) {
  const std::vector<std::string> none;
  const auto& high = c.app.options.pack && c.app.options.pack->publish.present
                         ? c.app.options.pack->publish.high_school_grades
                         : none;
  return {p.given_name, p.family_name, publish::LevelOf(p.grade, high),
          p.publish_permission, p.photo_captions};
}

bool IsText(const sites::Submission& s) {
  const std::string type = core::AsciiLower(s.content_type);
  const std::string name = core::AsciiLower(s.file_name);
  return type.starts_with("text/") || name.ends_with(".txt") ||
         name.ends_with(".html") || name.ends_with(".htm") || name.empty();
}

bool IsHtml(const sites::Submission& s) {
  const std::string type = core::AsciiLower(s.content_type);
  const std::string name = core::AsciiLower(s.file_name);
  return type.starts_with("text/html") || name.ends_with(".html") ||
         name.ends_with(".htm");
}

// The type a submitter's browser gave, when it is a plain media type;
// anything else is sent as bytes (the download is an attachment anyway).
std::string SafeType(std::string_view type) {
  const std::string t = core::AsciiLower(type);
  size_t slash = t.find('/');
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < t.size() &&
            t.size() <= 100;
  for (char ch : t) {
    ok =
        ok && (std::isalnum(static_cast<unsigned char>(ch)) ||
               std::string_view("/.+-_;= ").find(ch) != std::string_view::npos);
  }
  return ok ? t : "application/octet-stream";
}

Data Row(const sites::Submission& s) {
  Data x;
  x.set("id", std::to_string(s.id));
  x.set("title", s.title);
  x.set("site", s.site_name);
  x.set("student", s.student_name);
  x.set("state", s.state);
  x.set("pending", s.state == "pending");
  x.set("approved", s.state == "approved");
  x.set("returned", s.state == "returned");
  x.set("gate", s.action);
  x.set("submitted_by", s.submitted_by);
  x.set("submitted_at", s.submitted_at.substr(0, 10));
  return x;
}

}  // namespace

void ReviewPage(Ctx& c) {
  Data d = c.Page("Student work");
  const bool all =
      HasRole(c, {Role::kItsAdmin, Role::kDesignee, Role::kAuditor});
  auto mine = sites::Submissions(
      *c.app.db, {.submitted_by = c.session->account.username, .limit = 100});
  auto to_review = sites::Submissions(
      *c.app.db, {.reviewer_person = c.session->account.person_id,
                  .all = all,
                  .state = "pending",
                  .limit = 200});
  auto registry = sites::WebSites(*c.app.db);
  if (!mine.ok() || !to_review.ok() || !registry.ok()) {
    c.Fail(503, "Submissions cannot be read now; try again shortly.");
    return;
  }
  List m, r, s;
  for (const auto& x : *mine) m.push_back(Row(x));
  for (const auto& x : *to_review) r.push_back(Row(x));
  for (const auto& w : *registry) {
    Data x;
    x.set("id", std::to_string(w.id));
    x.set("name", w.name);
    s.push_back(std::move(x));
  }
  d.set("has_mine", !m.empty());
  Put(d, "mine", std::move(m));
  d.set("has_to_review", !r.empty());
  Put(d, "to_review", std::move(r));
  d.set("has_sites", !s.empty());
  Put(d, "sites", std::move(s));
  c.Html("review", d);
}

void ReviewSubmitPost(Ctx& c) {
  auto site = core::ParseInt(c.Param("site"), 1, INT64_MAX, "site");
  if (!site.ok()) {
    c.SeeOther("/review", "Choose the site the work is for.");
    return;
  }
  // The student by their full name as the roster writes it (no partial
  // match: the form is not a directory search); when two share it, their
  // student id tells them apart.
  std::string who, longest;
  for (const std::string& word : core::SplitList(
           core::Lower(identity::CleanField(c.Param("student"), 100)), ' ')) {
    if (word.empty()) continue;
    who += (who.empty() ? "" : " ") + word;
    if (word.size() > longest.size()) longest = word;
  }
  const std::string sid = identity::CleanField(c.Param("student_id"), 100);
  std::vector<people::Person> same;
  if (!who.empty()) {
    // Those sharing the name's longest word, compared whole below.
    auto found = people::Find(
        *c.app.db, {.kind = "student", .text = longest, .limit = 1000});
    if (found.ok())
      for (auto& p : *found)
        if (p.status == "active" && core::Lower(p.FullName()) == who &&
            (sid.empty() || p.source_id == sid))
          same.push_back(std::move(p));
  }
  if (same.size() > 1) {
    c.SeeOther("/review",
               "More than one student has that name: give the student id "
               "too.");
    return;
  }
  if (same.empty()) {
    c.SeeOther("/review",
               "No active student has exactly that name" +
                   std::string(sid.empty() ? "" : " and id") +
                   ": write it as the roster does (given name, family "
                   "name).");
    return;
  }
  const int64_t student = same.front().id;
  const size_t max_bytes =
      c.app.options.pack && c.app.options.pack->publish.present
          ? c.app.options.pack->publish.max_page_bytes
          : size_t{16} << 20;
  sites::NewSubmission in;
  in.site_id = *site;
  in.student_id = student;
  in.title = c.Param("title");
  if (c.req.HasFile("file") && !c.req.File("file").content.empty()) {
    const auto& f = c.req.File("file");
    in.bytes = f.content;
    in.file_name = f.filename;
    in.content_type = f.content_type;
  } else {
    in.bytes = c.Param("text");
    in.file_name = "work.txt";
    in.content_type = "text/plain; charset=utf-8";
  }
  if (in.bytes.size() > max_bytes) {
    c.SeeOther("/review", fmt::format("The work is larger than a page may be "
                                      "({} MB): post it another way.",
                                      max_bytes >> 20));
    return;
  }
  // The gate's verdict, kept with the work for the reviewer.
  in.action = "unchecked";
  in.verdict = "{}";
  auto w = sites::GetWebSite(*c.app.db, *site);
  if (auto v = Judge(c, w.ok() ? w->url : "", in.file_name, in.content_type,
                     in.bytes)) {
    in.action = (*v)["action"].get<std::string>();
    in.verdict =
        v->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  auto id = sites::Submit(*c.app.db, c.app.blobs, in,
                          {c.session->account.username, c.Ip()});
  if (!id.ok()) {
    c.SeeOther("/review", id.status().message());
    return;
  }
  c.SeeOther("/review/" + std::to_string(*id),
             "Submitted for review. The site's content manager decides.");
}

void SubmissionPage(Ctx& c) {
  auto s = Load(c);
  if (!s) return;
  Data d = c.Page(s->title);
  d.set("sub", Row(*s));
  d.set("site_url", s->site_url);
  d.set("file_name", s->file_name);
  d.set("size", std::to_string(s->size));
  d.set("reviewer", s->reviewer);
  d.set("decided_at", s->decided_at.substr(0, 16));
  d.set("reason", s->reason);
  d.set("may_decide", s->state == "pending" && MayDecide(c, *s));
  d.set("text", IsText(*s));
  // The student's record is for those who review; the submitter sees only
  // how the work will name the student.
  d.set("reviewer_view", MayDecide(c, *s) || HasRole(c, {Role::kAuditor}) ||
                             HasRole(c, {Role::kItsAdmin, Role::kDesignee}));
  auto p = people::Get(*c.app.db, s->student_id);
  if (p.ok()) {
    const publish::Student st = StudentOf(c, *p);
    d.set("grade", p->grade);
    d.set("school", p->site_name);
    d.set("permission", p->publish_permission);
    d.set("photo_captions", p->photo_captions);
    const std::string id = publish::Identification(st);
    d.set("identification", id.empty() ? "no name at all" : id);
  }
  if (IsText(*s)) {
    auto bytes = c.app.blobs.Get(s->blob, 4u << 20);
    if (bytes.ok()) d.set("content", core::PrintableText(core::ToUtf8(*bytes)));
  }
  // The gate's findings, as it gave them (redacted excerpts, fixes).
  auto v = nlohmann::json::parse(s->verdict, nullptr, false);
  List findings;
  if (v.is_object() && v.contains("findings") && v["findings"].is_array()) {
    for (const auto& f : v["findings"]) {
      Data x;
      auto text = [&](const char* k) {
        return f.contains(k) && f[k].is_string() ? f[k].get<std::string>()
                                                 : std::string();
      };
      // The District's words for it, when the portal's pack knows it.
      const std::string id = text("category");
      const policy::Category* cat =
          c.app.options.pack ? c.app.options.pack->FindCategory(id) : nullptr;
      x.set("category", cat ? cat->title : id);
      x.set("where", text("where"));
      x.set("excerpt", text("excerpt"));
      x.set("fix", text("fix"));
      findings.push_back(std::move(x));
    }
    if (v.contains("message") && v["message"].is_string())
      d.set("gate_message", v["message"].get<std::string>());
  }
  d.set("has_findings", !findings.empty());
  Put(d, "findings", std::move(findings));
  c.Html("submission", d);
}

void ReviewApprovePost(Ctx& c) {
  auto s = LoadToDecide(c);
  if (!s) return;
  const std::string back = "/review/" + std::to_string(s->id);
  if (s->state != "pending") {
    c.SeeOther(back, "This work was already " + s->state + ".");
    return;
  }
  auto bytes = c.app.blobs.Get(s->blob, c.app.options.max_upload);
  if (!bytes.ok()) {
    c.SeeOther(back, "The work cannot be read now; try again shortly.");
    return;
  }
  std::string edited, name, notice;
  if (c.Param("apply") == "yes") {
    auto p = people::Get(*c.app.db, s->student_id);
    if (!p.ok()) {
      c.SeeOther(back, "The student cannot be read now.");
      return;
    }
    if (!IsText(*s)) {
      notice =
          " The edit applies to text and web pages only; add the "
          "notice to this file by hand.";
    } else if (bytes->size() > publish::kMaxPrepared) {
      c.SeeOther(back,
                 "This work is too large to edit here: edit it by hand, "
                 "submit it again, and approve that without the edit.");
      return;
    } else {
      const int year = 1900 + [] {
        std::time_t t = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&t, &tm);
        return tm.tm_year;
      }();
      auto prepared = publish::PrepareStudentWork(
          core::ToUtf8(*bytes), StudentOf(c, *p), year, IsHtml(*s));
      edited = std::move(prepared.text);
      name = s->file_name;
      notice = fmt::format(" {} name(s) rewritten{}.", prepared.replaced,
                           prepared.notice_added
                               ? "; notice \"" + prepared.notice + "\" added"
                               : "");
    }
  }
  // What goes up is judged again: work the gate would refuse (a student
  // named beyond the parents' permission, an advertisement) is not
  // approved, edited or not.
  auto w = sites::GetWebSite(*c.app.db, s->site_id);
  if (auto v = Judge(c, w.ok() ? w->url : s->site_url, s->file_name,
                     s->content_type, edited.empty() ? *bytes : edited)) {
    const std::string action = (*v)["action"].get<std::string>();
    if (!Postable(action)) {
      std::string why = v->contains("message") && (*v)["message"].is_string()
                            ? (*v)["message"].get<std::string>()
                            : "";
      c.SeeOther(back, "Not approved: the publishing gate would " + action +
                           " this " +
                           (edited.empty() ? "work" : "work even as edited") +
                           ". " + why +
                           " Return it with what to change, or edit it and "
                           "have it submitted again.");
      return;
    }
  }
  auto st = sites::Approve(*c.app.db, c.app.blobs, s->id, edited, name,
                           {c.session->account.username, c.Ip()});
  c.SeeOther(back, st.ok()
                       ? "Approved: it may be downloaded and posted." + notice
                       : st.message());
}

void ReviewReturnPost(Ctx& c) {
  auto s = LoadToDecide(c);
  if (!s) return;
  const std::string back = "/review/" + std::to_string(s->id);
  auto st = sites::Return(*c.app.db, s->id, c.Param("reason"),
                          {c.session->account.username, c.Ip()});
  c.SeeOther(back, st.ok() ? "Returned to its employee with your reason."
                           : st.message());
}

void ReviewDownload(Ctx& c) {
  auto s = Load(c);
  if (!s) return;
  if (s->state != "approved") {
    c.SeeOther("/review/" + std::to_string(s->id),
               "Only approved work can be taken for posting (H.4.a).");
    return;
  }
  auto bytes = c.app.blobs.Get(s->approved_blob, c.app.options.max_upload);
  if (!bytes.ok()) {
    c.Fail(503, "The approved work cannot be read now.");
    return;
  }
  c.Download(*bytes, SafeType(s->content_type),
             s->approved_name.empty() ? "student-work" : s->approved_name);
}

}  // namespace steward::portal
