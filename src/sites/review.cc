#include "sites/review.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace steward::sites {

namespace {

using store::P;

constexpr const char* kSubmissionSelect =
    "SELECT s.id, s.site_id, s.student_id, w.name, w.url, "
    "COALESCE(p.given_name || ' ' || p.family_name, ''), s.title, "
    "s.file_name, s.content_type, s.size, s.blob, s.verdict, s.action, "
    "s.submitted_by, s.submitted_at, s.state, s.reviewer, s.decided_at, "
    "s.reason, s.approved_blob, s.approved_name, "
    "COALESCE(w.content_manager, 0) "
    "FROM student_submissions s JOIN web_sites w ON w.id = s.site_id "
    "LEFT JOIN people p ON p.id = s.student_id";

Submission From(const store::Row& r) {
  Submission s;
  s.id = r.Int(0);
  s.site_id = r.Int(1);
  s.student_id = r.Int(2);
  s.site_name = r.Text(3);
  s.site_url = r.Text(4);
  s.student_name = r.Text(5);
  s.title = r.Text(6);
  s.file_name = r.Text(7);
  s.content_type = r.Text(8);
  s.size = r.Int(9);
  s.blob = r.Text(10);
  s.verdict = r.Text(11);
  s.action = r.Text(12);
  s.submitted_by = r.Text(13);
  s.submitted_at = r.Text(14);
  s.state = r.Text(15);
  s.reviewer = r.Text(16);
  s.decided_at = r.Text(17);
  s.reason = r.Text(18);
  s.approved_blob = r.Text(19);
  s.approved_name = r.Text(20);
  s.content_manager = r.Int(21);
  return s;
}

std::string Plain(std::string_view s, size_t max) {
  return std::string(core::Clip(core::Printable(core::ToUtf8(s)), max));
}

// Whether `s` says something: a letter or a digit, not only spaces or
// the '?' that stand for control characters.
bool HasWords(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           (static_cast<unsigned char>(c) & 0x80);
  });
}

}  // namespace

core::Result<int64_t> Submit(store::Database& db, const store::Blobs& blobs,
                             const NewSubmission& in,
                             const audit::Actor& actor) {
  const std::string title = Plain(in.title, 200);
  if (!HasWords(title)) return core::Status::Invalid("give the work a title");
  if (in.bytes.empty())
    return core::Status::Invalid(
        "the work is empty: paste its text or "
        "choose its file");
  auto student = db.Query(
      "SELECT id FROM people WHERE id = ? AND kind = 'student' AND status = "
      "'active'",
      {P(in.student_id)});
  if (!student.ok()) return student.status();
  if (student->empty())
    return core::Status::Invalid("choose an active student from the roster");
  auto site =
      db.Query("SELECT id FROM web_sites WHERE id = ?", {P(in.site_id)});
  if (!site.ok()) return site.status();
  if (site->empty()) return core::Status::Invalid("choose a registered site");
  // One employee's work waiting at once is bounded: the store is no
  // place for an unbounded queue of uploads.
  auto waiting = db.Query(
      "SELECT COUNT(*) FROM student_submissions WHERE submitted_by = ? AND "
      "state = 'pending'",
      {P(actor.name)});
  if (!waiting.ok()) return waiting.status();
  if (!waiting->empty() && waiting->front().Int(0) >= kMaxPending)
    return core::Status::Invalid(fmt::format(
        "{} of your submissions are waiting for review: ask the site's "
        "content manager to decide them before you submit more",
        kMaxPending));
  // The bytes first: a row never names a blob that is not there.
  auto blob = blobs.Put(in.bytes);
  if (!blob.ok()) return blob.status();
  int64_t id = 0;
  auto st = db.Transact([&](store::Conn& conn) -> core::Status {
    auto row = conn.Query(
        "INSERT INTO student_submissions (site_id, student_id, title, "
        "file_name, content_type, size, blob, verdict, action, submitted_by, "
        "submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {P(in.site_id), P(in.student_id), P(title), P(Plain(in.file_name, 200)),
         P(Plain(in.content_type, 100)),
         P(static_cast<int64_t>(in.bytes.size())), P(*blob), P(in.verdict),
         P(Plain(in.action, 20)), P(actor.name), P(store::NowUtc())});
    if (!row.ok()) return row.status();
    id = row->front().Int(0);
    return audit::Record(conn, actor, "review.submit",
                         fmt::format("submission/{}", id),
                         {{"site", in.site_id},
                          {"student", in.student_id},
                          {"gate", in.action},
                          {"sha256", *blob}});
  });
  if (!st.ok()) return st;
  return id;
}

core::Result<std::vector<Submission>> Submissions(store::Database& db,
                                                  const SubmissionQuery& q) {
  std::string sql = kSubmissionSelect;
  store::Params params;
  std::vector<std::string> where;
  if (!q.all) {
    std::string who;
    if (!q.submitted_by.empty()) {
      who = "s.submitted_by = ?";
      params.push_back(P(q.submitted_by));
    }
    if (q.reviewer_person) {
      who += std::string(who.empty() ? "" : " OR ") + "w.content_manager = ?";
      params.push_back(P(q.reviewer_person));
    }
    if (who.empty()) return std::vector<Submission>{};
    where.push_back("(" + who + ")");
  }
  if (!q.state.empty()) {
    where.push_back("s.state = ?");
    params.push_back(P(q.state));
  }
  if (!where.empty()) sql += " WHERE " + core::Join(where, " AND ");
  sql +=
      fmt::format(" ORDER BY s.id DESC LIMIT {}", std::clamp(q.limit, 1, 1000));
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<Submission> out;
  for (const auto& r : *rows) out.push_back(From(r));
  return out;
}

core::Result<Submission> GetSubmission(store::Database& db, int64_t id) {
  auto rows =
      db.Query(std::string(kSubmissionSelect) + " WHERE s.id = ?", {P(id)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return core::Status::NotFound(fmt::format("no submission {}", id));
  return From(rows->front());
}

core::Status Approve(store::Database& db, const store::Blobs& blobs, int64_t id,
                     const std::string& bytes, const std::string& name,
                     const audit::Actor& actor) {
  std::string blob;
  if (!bytes.empty()) {
    auto put = blobs.Put(bytes);
    if (!put.ok()) return put.status();
    blob = *put;
  }
  return db.Transact([&](store::Conn& conn) -> core::Status {
    // Only a pending one: of two reviewers at once, one decides.
    auto row = conn.Query(
        "UPDATE student_submissions SET state = 'approved', reviewer = ?, "
        "decided_at = ?, approved_blob = CASE WHEN ? = '' THEN blob ELSE ? "
        "END, approved_name = CASE WHEN ? = '' THEN file_name ELSE ? END "
        "WHERE id = ? AND state = 'pending' RETURNING approved_blob",
        {P(actor.name), P(store::NowUtc()), P(blob), P(blob),
         P(Plain(name, 200)), P(Plain(name, 200)), P(id)});
    if (!row.ok()) return row.status();
    if (row->empty())
      return core::Status::Invalid(
          fmt::format("submission {} is not waiting for review", id));
    return audit::Record(
        conn, actor, "review.approve", fmt::format("submission/{}", id),
        {{"edited", !blob.empty()}, {"sha256", row->front().Text(0)}});
  });
}

core::Status Return(store::Database& db, int64_t id, const std::string& reason,
                    const audit::Actor& actor) {
  if (reason.size() > 2000)
    return core::Status::Invalid(
        "the reason is longer than 2,000 characters: say it shorter");
  const std::string why = Plain(reason, 2000);
  if (!HasWords(why))
    return core::Status::Invalid(
        "say why it is returned, so the employee can fix it");
  return db.Transact([&](store::Conn& conn) -> core::Status {
    auto row = conn.Query(
        "UPDATE student_submissions SET state = 'returned', reviewer = ?, "
        "decided_at = ?, reason = ? WHERE id = ? AND state = 'pending' "
        "RETURNING id",
        {P(actor.name), P(store::NowUtc()), P(why), P(id)});
    if (!row.ok()) return row.status();
    if (row->empty())
      return core::Status::Invalid(
          fmt::format("submission {} is not waiting for review", id));
    return audit::Record(conn, actor, "review.return",
                         fmt::format("submission/{}", id),
                         {{"reason_chars", why.size()}});
  });
}

}  // namespace steward::sites
