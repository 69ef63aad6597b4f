// Student content review (H.4.a): student work an employee submits for a
// District site waits for the site's designated reviewer (its content
// manager in the registry), who approves it, optionally with an edit that
// applies the student's permitted identification and copyright notice, or
// returns it with a reason. Only approved work may be taken for posting.
// Every step is one transaction with its audit entry; the bytes are
// content-addressed blobs written before the row. A decision is taken once:
// two reviewers deciding at the same moment, one wins and the other is
// told. Knows nothing of the gate or HTTP: the portal hands over the
// gate's verdict as JSON. Thread-safe (the Database is); errors as values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/blobs.h"
#include "store/database.h"

namespace steward::sites {

struct Submission {
  int64_t id = 0;
  int64_t site_id = 0, student_id = 0;
  std::string site_name, site_url, student_name;
  std::string title, file_name, content_type;
  int64_t size = 0;
  std::string blob;     // SHA-256 of the bytes submitted
  std::string verdict;  // the gate's verdict JSON when submitted
  std::string action;   // its action: allow, warn, reject...
  std::string submitted_by, submitted_at;
  std::string state;  // pending, approved, returned
  std::string reviewer, decided_at, reason;
  std::string approved_blob, approved_name;  // what may be posted
  int64_t content_manager = 0;  // the site's, when submitted or now
};

struct NewSubmission {
  int64_t site_id = 0, student_id = 0;
  std::string title, file_name, content_type;
  std::string bytes;
  std::string verdict, action;
};

// At most this many of one employee's submissions wait at once.
inline constexpr int64_t kMaxPending = 50;

// Stores the bytes, then the row and its audit entry (`review.submit`).
// Invalid without a title (letters or digits), without bytes, for no
// active student or registered site, or beyond kMaxPending.
core::Result<int64_t> Submit(store::Database& db, const store::Blobs& blobs,
                             const NewSubmission& in,
                             const audit::Actor& actor);

struct SubmissionQuery {
  std::string submitted_by;     // "" for anyone's
  int64_t reviewer_person = 0;  // sites this person manages
  bool all = false;             // every submission
  std::string state;            // "" for any
  int limit = 200;
};
// Newest first: those submitted by `submitted_by`, those to sites
// `reviewer_person` manages, or all.
core::Result<std::vector<Submission>> Submissions(store::Database& db,
                                                  const SubmissionQuery& q);
core::Result<Submission> GetSubmission(store::Database& db, int64_t id);

// Approves a pending submission; with `bytes` (the edited work) and its
// `name`, those are what may be posted, else what was submitted.
// FailedPrecondition-like Invalid when it is no longer pending.
core::Status Approve(store::Database& db, const store::Blobs& blobs, int64_t id,
                     const std::string& bytes, const std::string& name,
                     const audit::Actor& actor);
// Returns a pending submission to its submitter with `reason` (1 to 2,000
// characters, some of them letters or digits; longer is refused).
core::Status Return(store::Database& db, int64_t id, const std::string& reason,
                    const audit::Actor& actor);

}  // namespace steward::sites
