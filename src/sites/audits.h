// The District's web sites in the store: each site audit (`steward site
// audit`) with its findings, so the portal shows a site's latest report and
// how its findings changed over audits (G.4, G.5, H.1). Knows nothing of
// the engine: the shell hands over findings as text. Thread-safe (the
// Database is); errors as values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "core/status.h"
#include "store/database.h"

namespace steward::sites {

struct AuditFinding {
  std::string page, category, severity, clauses, where, excerpt, fix, detail;
};

struct AuditRun {
  int64_t id = 0;
  std::string site;    // the URL the site is published at
  std::string source;  // the folder or start URL read
  std::string started_at, actor;
  int64_t pages = 0, images = 0, documents = 0, links = 0;
  int64_t high = 0, medium = 0, low = 0;  // findings by severity
  int64_t Findings() const { return high + medium + low; }
};

// Stores one audit and its findings (severities counted from them) in one
// transaction with one audit entry (`sites.audit`); its id.
core::Result<int64_t> RecordAudit(store::Database& db, AuditRun run,
                                  const std::vector<AuditFinding>& findings,
                                  const audit::Actor& actor);

// Audits, newest first: of one site, or of every site ("").
core::Result<std::vector<AuditRun>> Audits(store::Database& db,
                                           const std::string& site = "",
                                           int limit = 50);
core::Result<AuditRun> GetAudit(store::Database& db, int64_t id);

// An audit's findings, by page; at most `limit`.
core::Result<std::vector<AuditFinding>> Findings(store::Database& db,
                                                 int64_t audit_id,
                                                 int limit = 10000);

}  // namespace steward::sites
