#include "store/migrations.h"

#include <fmt/format.h>

namespace steward::store {

namespace {

std::string ForDialect(const std::string& sql, Dialect dialect) {
  std::string out = sql;
  auto replace = [&](std::string_view token, std::string_view with) {
    for (size_t at = out.find(token); at != std::string::npos;
         at = out.find(token, at + with.size())) {
      out.replace(at, token.size(), with);
    }
  };
  bool pg = dialect == Dialect::kPostgres;
  replace("{id}", pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY");
  replace("{bigint}", pg ? "BIGINT" : "INTEGER");
  return out;
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, "people",
       R"sql(
CREATE TABLE sites (
  id {id},
  source TEXT NOT NULL,
  source_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_source_id TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  updated_at TEXT NOT NULL,
  UNIQUE (source, source_id));
CREATE TABLE import_runs (
  id {id},
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  accepted {bigint} NOT NULL DEFAULT 0,
  rejected {bigint} NOT NULL DEFAULT 0,
  departed {bigint} NOT NULL DEFAULT 0,
  report TEXT NOT NULL DEFAULT '');
CREATE TABLE people (
  id {id},
  source TEXT NOT NULL,
  source_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  given_name TEXT NOT NULL,
  family_name TEXT NOT NULL,
  email TEXT,
  username TEXT,
  site_id {bigint} REFERENCES sites(id),
  job_role TEXT NOT NULL DEFAULT '',
  grade TEXT NOT NULL DEFAULT '',
  supervisor_source_id TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  publish_permission TEXT NOT NULL DEFAULT 'none',
  import_run {bigint},
  updated_at TEXT NOT NULL,
  UNIQUE (source, source_id));
CREATE INDEX people_kind_site ON people (kind, status, site_id);
CREATE INDEX people_email ON people (email);
CREATE INDEX people_family ON people (family_name, given_name);
)sql"},
      {2, "accounts and sessions",
       R"sql(
CREATE TABLE accounts (
  id {id},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  email TEXT,
  person_id {bigint} REFERENCES people(id),
  password_hash TEXT,
  failed_count {bigint} NOT NULL DEFAULT 0,
  locked_until TEXT,
  password_changed_at TEXT,
  disabled {bigint} NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL);
CREATE TABLE account_roles (
  account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (account_id, role));
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '');
CREATE INDEX sessions_account ON sessions (account_id);
)sql"},
      {3, "audit chain",
       R"sql(
CREATE TABLE audit_log (
  seq {bigint} PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  ip TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE INDEX audit_action ON audit_log (action, at);
CREATE INDEX audit_actor ON audit_log (actor, at);
)sql"},
      {4, "acknowledgements",
       R"sql(
CREATE TABLE policy_versions (
  id {id},
  title TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size {bigint} NOT NULL,
  uploaded_at TEXT NOT NULL,
  uploaded_by TEXT NOT NULL);
CREATE TABLE campaigns (
  id {id},
  title TEXT NOT NULL,
  version_id {bigint} NOT NULL REFERENCES policy_versions(id),
  audience_kind TEXT NOT NULL,
  audience_value TEXT NOT NULL DEFAULT '',
  opens_on TEXT NOT NULL,
  due_on TEXT NOT NULL,
  reminder_days TEXT NOT NULL DEFAULT '14,7,1',
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE document_opens (
  campaign_id {bigint} NOT NULL REFERENCES campaigns(id),
  person_id {bigint} NOT NULL REFERENCES people(id),
  at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, person_id));
CREATE TABLE acknowledgements (
  campaign_id {bigint} NOT NULL REFERENCES campaigns(id),
  person_id {bigint} NOT NULL REFERENCES people(id),
  at TEXT NOT NULL,
  version_sha256 TEXT NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  PRIMARY KEY (campaign_id, person_id));
CREATE TABLE reminders (
  campaign_id {bigint} NOT NULL REFERENCES campaigns(id),
  person_id {bigint} NOT NULL REFERENCES people(id),
  sent_on TEXT NOT NULL,
  PRIMARY KEY (campaign_id, person_id, sent_on));
)sql"},
      {5, "people listing in id order",
       R"sql(
CREATE INDEX people_kind_status_id ON people (kind, status, id);
)sql"},
      {6, "mail quarantine, conduct history and incidents",
       R"sql(
CREATE TABLE quarantine (
  id {id},
  created_at TEXT NOT NULL,
  status TEXT NOT NULL,
  channel TEXT NOT NULL,
  action TEXT NOT NULL,
  rule TEXT NOT NULL,
  clauses TEXT NOT NULL,
  release_role TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipients TEXT NOT NULL,
  auth_user TEXT NOT NULL,
  client TEXT NOT NULL,
  subject TEXT NOT NULL,
  message_id TEXT NOT NULL,
  size {bigint} NOT NULL,
  sha256 TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  verdict TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  reinjected_at TEXT);
CREATE INDEX quarantine_status_created ON quarantine (status, created_at);
CREATE INDEX quarantine_body ON quarantine (body_sha256);
CREATE TABLE conduct_events (
  id {id},
  at TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  categories TEXT NOT NULL);
CREATE INDEX conduct_pair_at ON conduct_events (sender, recipient, at);
CREATE TABLE incidents (
  id {id},
  opened_at TEXT NOT NULL,
  status TEXT NOT NULL,
  kind TEXT NOT NULL,
  clauses TEXT NOT NULL,
  subject_person TEXT NOT NULL,
  detail TEXT NOT NULL);
)sql"},
      // Sign-in failures are counted per user name and source address
      // (identity/attempts.h); accounts.failed_count and locked_until of
      // migration 2 are no longer read or written. A directory account is
      // matched on the directory's id of its entry, not on the typed name.
      {7, "sign-in failures by name and address; directory ids",
       R"sql(
CREATE TABLE sign_in_failures (
  name_key TEXT NOT NULL,
  source TEXT NOT NULL,
  failures {bigint} NOT NULL,
  last_at TEXT NOT NULL,
  locked_until TEXT,
  PRIMARY KEY (name_key, source));
CREATE INDEX sign_in_failures_last ON sign_in_failures (last_at);
CREATE INDEX sign_in_failures_locked ON sign_in_failures (locked_until);
ALTER TABLE accounts ADD COLUMN directory_id TEXT;
CREATE UNIQUE INDEX accounts_directory_id ON accounts (directory_id);
)sql"},
      // An incident's events (each refused upload, with the door's
      // reference): a user who retries a blocked upload adds to one open
      // incident (same kind and coalesce_key, within a day) instead of
      // opening one each time.
      {8, "incident events; repeated web blocks on one incident",
       R"sql(
ALTER TABLE incidents ADD COLUMN coalesce_key TEXT;
ALTER TABLE incidents ADD COLUMN last_at TEXT;
ALTER TABLE incidents ADD COLUMN repeats {bigint} NOT NULL DEFAULT 0;
CREATE INDEX incidents_coalesce ON incidents (kind, coalesce_key, status);
CREATE TABLE incident_events (
  id {id},
  incident_id {bigint} NOT NULL REFERENCES incidents (id),
  at TEXT NOT NULL,
  reference TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX incident_events_incident ON incident_events (incident_id);
CREATE INDEX incident_events_reference ON incident_events (reference);
)sql"},
      // The records register (records/register.h): items with their class,
      // holds, destruction lists and the tombstones of destroyed items.
      {9, "records", R"sql(
CREATE TABLE records_items (
  id {id},
  source TEXT NOT NULL,
  locator TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL,
  custodian TEXT NOT NULL,
  folder TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  made_at TEXT NOT NULL,
  made_day TEXT NOT NULL,
  size {bigint} NOT NULL,
  sha256 TEXT NOT NULL,
  categories TEXT NOT NULL,
  record_class TEXT NOT NULL,
  class_rule TEXT NOT NULL,
  class_reason TEXT NOT NULL,
  audit_done TEXT NOT NULL,
  state TEXT NOT NULL,
  pending TEXT NOT NULL DEFAULT '',
  indexed_at TEXT NOT NULL,
  UNIQUE (source, locator));
CREATE INDEX records_items_custodian ON records_items (custodian);
CREATE INDEX records_items_state ON records_items (state);
CREATE TABLE records_holds (
  id {id},
  matter TEXT NOT NULL,
  reason TEXT NOT NULL,
  query TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL,
  released_by TEXT NOT NULL,
  released_at TEXT NOT NULL,
  release_reason TEXT NOT NULL);
CREATE TABLE records_lists (
  id {id},
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  today TEXT NOT NULL,
  rules TEXT NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  decision_note TEXT NOT NULL);
CREATE TABLE records_list_items (
  list_id {bigint} NOT NULL,
  item_id {bigint} NOT NULL,
  locator TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  folder TEXT NOT NULL,
  custodian TEXT NOT NULL,
  record_class TEXT NOT NULL,
  school_year TEXT NOT NULL,
  destroy_from TEXT NOT NULL,
  rule TEXT NOT NULL,
  outcome TEXT NOT NULL,
  PRIMARY KEY (list_id, item_id));
CREATE INDEX records_list_items_item ON records_list_items (item_id);
CREATE TABLE records_tombstones (
  item_id {bigint} NOT NULL,
  source TEXT NOT NULL,
  locator TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  message_id TEXT NOT NULL,
  custodian TEXT NOT NULL,
  record_class TEXT NOT NULL,
  school_year TEXT NOT NULL,
  made_at TEXT NOT NULL,
  destroyed_at TEXT NOT NULL,
  list_id {bigint} NOT NULL,
  approved_by TEXT NOT NULL,
  destroyed_by TEXT NOT NULL,
  PRIMARY KEY (item_id, list_id));
CREATE TABLE records_requests (
  id {id},
  received_at TEXT NOT NULL,
  received_day TEXT NOT NULL,
  requester TEXT NOT NULL,
  contact TEXT NOT NULL,
  description TEXT NOT NULL,
  state TEXT NOT NULL,
  due_day TEXT NOT NULL,
  extension_days INTEGER NOT NULL,
  extension_reason TEXT NOT NULL,
  determination TEXT NOT NULL,
  withholdings TEXT NOT NULL,
  responsible TEXT NOT NULL,
  sent_at TEXT NOT NULL);
CREATE TABLE records_request_events (
  id {id},
  request_id {bigint} NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  what TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX records_request_events_request ON records_request_events (request_id);
)sql"},
      // Clause D.4: a departed employee's items kept, transferred to
      // another custodian (the former ones remembered, so a hold naming
      // them still covers the items) or disposed of.
      {10, "records offboarding", R"sql(
ALTER TABLE records_items ADD COLUMN former_custodians TEXT NOT NULL DEFAULT '';
CREATE TABLE records_offboardings (
  id {id},
  custodian TEXT NOT NULL,
  action TEXT NOT NULL,
  to_custodian TEXT NOT NULL,
  reason TEXT NOT NULL,
  done_by TEXT NOT NULL,
  done_at TEXT NOT NULL,
  day TEXT NOT NULL,
  items {bigint} NOT NULL,
  transferred {bigint} NOT NULL,
  list_id {bigint} NOT NULL,
  listed {bigint} NOT NULL,
  kept TEXT NOT NULL);
CREATE INDEX records_offboardings_custodian ON records_offboardings (custodian);
)sql"},
      // A search of a register of a million items reads only what its
      // custodians or dates can narrow it to; items passed on by a
      // departed custodian are few, so only they are in the second index;
      // the counts by class come from an index, not the table.
      {11, "records search indexes", R"sql(
CREATE INDEX records_items_made_day ON records_items (made_day);
CREATE INDEX records_items_former ON records_items (former_custodians)
  WHERE former_custodians <> '';
CREATE INDEX records_items_class_state ON records_items (record_class, state);
)sql"},
      // F.1, F.3.b: whether a photo of a student may carry their name, kept
      // beside what may be published of the name itself.
      {12, "photo captions permission", R"sql(
ALTER TABLE people ADD COLUMN photo_captions {bigint} NOT NULL DEFAULT 0;
)sql"},
      // Site audits and their findings, for a site's report and its trend.
      {13, "site audits", R"sql(
CREATE TABLE site_audits (
  id {id},
  site TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  pages {bigint} NOT NULL DEFAULT 0,
  images {bigint} NOT NULL DEFAULT 0,
  documents {bigint} NOT NULL DEFAULT 0,
  links {bigint} NOT NULL DEFAULT 0,
  high {bigint} NOT NULL DEFAULT 0,
  medium {bigint} NOT NULL DEFAULT 0,
  low {bigint} NOT NULL DEFAULT 0);
CREATE INDEX site_audits_site ON site_audits (site, id);
CREATE TABLE site_findings (
  audit_id {bigint} NOT NULL REFERENCES site_audits(id),
  n {bigint} NOT NULL,
  page TEXT NOT NULL,
  category TEXT NOT NULL,
  severity TEXT NOT NULL,
  clauses TEXT NOT NULL,
  place TEXT NOT NULL,
  excerpt TEXT NOT NULL,
  fix TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (audit_id, n));
)sql"},
      // Tokens for programs (a content system asking the publishing gate):
      // the hash of each, never the token.
      {14, "api tokens", R"sql(
CREATE TABLE api_tokens (
  id {id},
  name TEXT NOT NULL,
  scope TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT);
)sql"},
      // The site registry (G.5, H.1, H.4): each web site, who manages it,
      // and its editors as the site lists them.
      {15, "site registry", R"sql(
CREATE TABLE web_sites (
  id {id},
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL UNIQUE,
  outside {bigint} NOT NULL DEFAULT 0,
  consent TEXT NOT NULL DEFAULT '',
  content_manager {bigint} REFERENCES people(id),
  author {bigint} REFERENCES people(id),
  editors_source TEXT NOT NULL DEFAULT '',
  editors_checked_at TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE web_site_editors (
  site_id {bigint} NOT NULL REFERENCES web_sites(id),
  login TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  person_id {bigint} REFERENCES people(id),
  PRIMARY KEY (site_id, login));
)sql"},
      // Student content review (H.4.a): work waiting for a site's reviewer.
      {16, "student content review", R"sql(
CREATE TABLE student_submissions (
  id {id},
  site_id {bigint} NOT NULL REFERENCES web_sites(id),
  student_id {bigint} NOT NULL REFERENCES people(id),
  title TEXT NOT NULL,
  file_name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size {bigint} NOT NULL,
  blob TEXT NOT NULL,
  verdict TEXT NOT NULL,
  action TEXT NOT NULL,
  submitted_by TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  reviewer TEXT NOT NULL DEFAULT '',
  decided_at TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  approved_blob TEXT NOT NULL DEFAULT '',
  approved_name TEXT NOT NULL DEFAULT '');
CREATE INDEX student_submissions_by ON student_submissions (submitted_by, id);
CREATE INDEX student_submissions_site ON student_submissions (site_id, id);
)sql"},
      // Held mail in the portal (its queues by releasing role and by
      // sender) and what a decision said: its reason, and to whom a
      // release went when it went to the District's own addresses only.
      {17, "held mail queues and decisions", R"sql(
ALTER TABLE quarantine ADD COLUMN sender_key TEXT NOT NULL DEFAULT '';
UPDATE quarantine SET sender_key = LOWER(sender);
ALTER TABLE quarantine ADD COLUMN auth_key TEXT NOT NULL DEFAULT '';
UPDATE quarantine SET auth_key = LOWER(auth_user);
ALTER TABLE quarantine ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN released_to TEXT NOT NULL DEFAULT '';
CREATE INDEX quarantine_role_status ON quarantine (release_role, status, id);
CREATE INDEX quarantine_sender ON quarantine (sender_key, id);
CREATE INDEX quarantine_auth ON quarantine (auth_key, id);
CREATE INDEX quarantine_status_id ON quarantine (status, id);
)sql"},
      // The incidents register (incidents/incidents.h): states new, triage,
      // investigating, closed; severity, assignee, outcome; employees'
      // reports; the register's own timeline, and evidence linked by hash.
      {18, "incidents register", R"sql(
UPDATE incidents SET status = 'new' WHERE status = 'open';
ALTER TABLE incidents ADD COLUMN severity TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN closed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN reported_by TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN summary TEXT NOT NULL DEFAULT '';
CREATE INDEX incidents_status_id ON incidents (status, id);
CREATE INDEX incidents_assignee ON incidents (assignee, id);
CREATE INDEX incidents_reported_by ON incidents (reported_by, id);
CREATE TABLE incident_log (
  id {id},
  incident_id {bigint} NOT NULL REFERENCES incidents (id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  what TEXT NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX incident_log_incident ON incident_log (incident_id, id);
CREATE TABLE incident_evidence (
  id {id},
  incident_id {bigint} NOT NULL REFERENCES incidents (id),
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  added_by TEXT NOT NULL,
  added_at TEXT NOT NULL);
CREATE UNIQUE INDEX incident_evidence_ref ON incident_evidence (incident_id, kind, ref);
)sql"},
      // The approvals register (approvals/approvals.h): what was asked is
      // written once with its fingerprint; a decision fills the rest.
      {19, "approvals register", R"sql(
CREATE TABLE approvals (
  id {id},
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  clauses TEXT NOT NULL,
  decides TEXT NOT NULL,
  requester TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  fields TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  held_id {bigint} NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '');
CREATE INDEX approvals_state ON approvals (state, id);
CREATE INDEX approvals_requester ON approvals (requester, id);
CREATE INDEX approvals_decides ON approvals (decides, state, id);
)sql"},
      // The rulings register (rulings/rulings.h): never edited; withdrawn
      // or superseded with a reason.
      {20, "rulings register", R"sql(
CREATE TABLE rulings (
  id {id},
  decided_on TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  clauses TEXT NOT NULL,
  pack_items TEXT NOT NULL,
  pack_change TEXT NOT NULL,
  pack_version TEXT NOT NULL,
  pack_hash TEXT NOT NULL,
  issued_by TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  supersedes {bigint} NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  withdrawn_by TEXT NOT NULL DEFAULT '',
  withdrawn_at TEXT NOT NULL DEFAULT '',
  withdraw_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX rulings_state ON rulings (state, id);
)sql"},
      // The vendor registry (vendors/vendors.h): a domain is one vendor's;
      // what an agreement says is written once, its terms checked off one
      // row each.
      {21, "vendor registry", R"sql(
CREATE TABLE vendors (
  id {id},
  name TEXT NOT NULL,
  product TEXT NOT NULL,
  domains TEXT NOT NULL,
  contact TEXT NOT NULL,
  notes TEXT NOT NULL,
  added_by TEXT NOT NULL,
  added_at TEXT NOT NULL);
CREATE TABLE vendor_domains (
  domain TEXT PRIMARY KEY,
  vendor_id {bigint} NOT NULL REFERENCES vendors (id));
CREATE TABLE vendor_agreements (
  id {id},
  vendor_id {bigint} NOT NULL REFERENCES vendors (id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  signed_on TEXT NOT NULL,
  starts_on TEXT NOT NULL,
  expires_on TEXT NOT NULL,
  categories TEXT NOT NULL,
  attested_by TEXT NOT NULL DEFAULT '',
  attested_on TEXT NOT NULL DEFAULT '',
  attestation_by TEXT NOT NULL DEFAULT '',
  attestation_at TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  ended_by TEXT NOT NULL DEFAULT '',
  ended_at TEXT NOT NULL DEFAULT '',
  end_reason TEXT NOT NULL DEFAULT '',
  added_by TEXT NOT NULL,
  added_at TEXT NOT NULL);
CREATE INDEX vendor_agreements_vendor ON vendor_agreements (vendor_id, id);
CREATE INDEX vendor_agreements_state ON vendor_agreements (state, expires_on);
CREATE TABLE vendor_terms (
  agreement_id {bigint} NOT NULL REFERENCES vendor_agreements (id),
  term TEXT NOT NULL,
  evidence TEXT NOT NULL,
  checked_by TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  PRIMARY KEY (agreement_id, term));
)sql"},
      // The equipment register (equipment/equipment.h): assets, the issue
      // in effect with its acknowledgement, charges, and each asset's
      // history, never purged.
      {22, "equipment register", R"sql(
CREATE TABLE assets (
  id {id},
  tag TEXT NOT NULL,
  serial TEXT NOT NULL,
  model TEXT NOT NULL,
  category TEXT NOT NULL,
  manufacturer TEXT NOT NULL,
  site TEXT NOT NULL,
  status TEXT NOT NULL,
  purchased_on TEXT NOT NULL,
  eol_on TEXT NOT NULL,
  cost TEXT NOT NULL,
  holder {bigint} NOT NULL DEFAULT 0,
  issue_id {bigint} NOT NULL DEFAULT 0,
  notes TEXT NOT NULL,
  added_at TEXT NOT NULL);
CREATE UNIQUE INDEX assets_tag ON assets (LOWER(tag));
CREATE INDEX assets_status ON assets (status, id);
CREATE INDEX assets_holder ON assets (holder, id);
CREATE INDEX assets_eol ON assets (eol_on);
CREATE TABLE asset_issues (
  id {id},
  asset_id {bigint} NOT NULL REFERENCES assets (id),
  holder {bigint} NOT NULL REFERENCES people (id),
  issued_by TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  terms_sha256 TEXT NOT NULL,
  state TEXT NOT NULL,
  opened_at TEXT NOT NULL DEFAULT '',
  opened_from TEXT NOT NULL DEFAULT '',
  accepted_at TEXT NOT NULL DEFAULT '',
  accepted_from TEXT NOT NULL DEFAULT '',
  returned_at TEXT NOT NULL DEFAULT '',
  returned_by TEXT NOT NULL DEFAULT '',
  condition TEXT NOT NULL DEFAULT '');
CREATE INDEX asset_issues_holder ON asset_issues (holder, id);
CREATE TABLE asset_events (
  id {id},
  asset_id {bigint} NOT NULL REFERENCES assets (id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  what TEXT NOT NULL,
  text TEXT NOT NULL,
  holder {bigint} NOT NULL DEFAULT 0);
CREATE INDEX asset_events_asset ON asset_events (asset_id, id);
CREATE TABLE asset_charges (
  id {id},
  asset_id {bigint} NOT NULL REFERENCES assets (id),
  holder {bigint} NOT NULL REFERENCES people (id),
  amount TEXT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  made_by TEXT NOT NULL,
  made_at TEXT NOT NULL,
  settled_by TEXT NOT NULL DEFAULT '',
  settled_at TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '');
CREATE INDEX asset_charges_state ON asset_charges (state, id);
)sql"},
      {23, "directory accounts", R"sql(
CREATE TABLE directory_reads (
  id {id},
  read_at TEXT NOT NULL,
  source TEXT NOT NULL,
  accounts {bigint} NOT NULL,
  actor TEXT NOT NULL);
CREATE TABLE directory_accounts (
  id {id},
  entry_id TEXT NOT NULL UNIQUE,
  dn TEXT NOT NULL,
  username TEXT NOT NULL,
  email TEXT NOT NULL,
  display_name TEXT NOT NULL,
  disabled {bigint} NOT NULL,
  service {bigint} NOT NULL,
  person_id {bigint} NOT NULL DEFAULT 0,
  created_at {bigint} NOT NULL DEFAULT 0,
  changed_at {bigint} NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  first_read {bigint} NOT NULL REFERENCES directory_reads (id),
  gone_read {bigint} NOT NULL DEFAULT 0);
CREATE INDEX directory_accounts_open ON directory_accounts (gone_read, service, disabled, username, id);
CREATE INDEX directory_accounts_person ON directory_accounts (person_id);
CREATE TABLE directory_password_changes (
  account_id {bigint} NOT NULL REFERENCES directory_accounts (id),
  changed_at {bigint} NOT NULL,
  read_id {bigint} NOT NULL REFERENCES directory_reads (id),
  PRIMARY KEY (account_id, changed_at));
)sql"},
      // The no-employee list's two parts: accounts matched to nobody, in
      // the list's order (read a page at a time; it serves person_id
      // lookups too), and the people who are no longer current (few).
      {24, "directory accounts by person", R"sql(
CREATE INDEX directory_accounts_person_open ON directory_accounts (person_id, gone_read, service, disabled, username, id);
DROP INDEX directory_accounts_person;
CREATE INDEX people_not_current ON people (id) WHERE status NOT IN ('active', 'leave');
)sql"},
      // What an employee was asked to accept: the asset's tag, serial and
      // model as they stood, so a later correction of the asset does not
      // rewrite an acceptance already given. Issues already made take the
      // asset's present details (the best there is).
      {25, "equipment issue details", R"sql(
ALTER TABLE asset_issues ADD COLUMN asset_tag TEXT NOT NULL DEFAULT '';
ALTER TABLE asset_issues ADD COLUMN asset_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE asset_issues ADD COLUMN asset_model TEXT NOT NULL DEFAULT '';
UPDATE asset_issues SET
  asset_tag = (SELECT tag FROM assets WHERE assets.id = asset_issues.asset_id),
  asset_serial = (SELECT serial FROM assets WHERE assets.id = asset_issues.asset_id),
  asset_model = (SELECT model FROM assets WHERE assets.id = asset_issues.asset_id);
)sql"},
      // A supervisor's reports (held mail and requests routed to the
      // supervisor are their own reports').
      {26, "people by supervisor", R"sql(
CREATE INDEX people_supervisor ON people (supervisor_source_id, source);
)sql"},
      // A sender's own held mail: only keys that name someone are indexed
      // (most mail through a relay has no authenticated user), so
      // PostgreSQL's plan kept for any sender costs what a custom one does
      // and it stops planning the statement on every request.
      {27, "held mail by named sender", R"sql(
CREATE INDEX quarantine_sender_named ON quarantine (sender_key, id) WHERE sender_key <> '';
CREATE INDEX quarantine_auth_named ON quarantine (auth_key, id) WHERE auth_key <> '';
DROP INDEX quarantine_sender;
DROP INDEX quarantine_auth;
)sql"},
  };
  return kAll;
}

core::Result<int> SchemaVersion(Database& db) {
  auto st = db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
      "KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  if (!st.ok()) return st;
  auto rows = db.Query("SELECT MAX(version) FROM schema_migrations");
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->empty() ? 0 : rows->front().Int(0, 0));
}

core::Result<MigrateReport> Migrate(Database& db) {
  MigrateReport report;
  auto version = SchemaVersion(db);
  if (!version.ok()) return version.status();
  report.from = report.to = *version;
  int newest = Migrations().back().version;
  if (*version > newest) {
    return core::Status::Invalid(fmt::format(
        "{} is at schema version {}, newer than this Steward knows ({}); "
        "upgrade Steward before using it",
        db.Describe(), *version, newest));
  }
  for (const auto& m : Migrations()) {
    if (m.version <= report.to) continue;
    auto st = db.Transact([&](Conn& conn) -> core::Status {
      // Two processes starting at once: the second waits, then sees it done.
      if (auto lock = conn.LockTable("schema_migrations"); !lock.ok()) {
        return lock;
      }
      auto done = conn.Query(
          "SELECT 1 FROM schema_migrations WHERE version = ?", {P(m.version)});
      if (!done.ok()) return done.status();
      if (!done->empty()) return {};
      if (auto exec = conn.Exec(ForDialect(m.sql, conn.dialect()));
          !exec.ok()) {
        return core::Status::Io(fmt::format("migration {} ({}): {}", m.version,
                                            m.name, exec.message()));
      }
      return conn.Exec(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
          "(?, ?, ?)",
          {P(m.version), P(m.name), P(NowUtc())});
    });
    if (!st.ok()) return st;
    report.to = m.version;
    report.applied.push_back(fmt::format("{} {}", m.version, m.name));
  }
  return report;
}

}  // namespace steward::store
