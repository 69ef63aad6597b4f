// The three ways people arrive: OneRoster, an HR CSV, LDAP.
#include <fmt/format.h>
#include <ldap.h>

#include <map>
#include <set>

#include "core/csv.h"
#include "core/text.h"
#include "people/loader.h"
#include "roster/oneroster.h"

namespace steward::people {

namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

// Employee fields checked alike for CSV and LDAP rows.
bool CheckEmployee(detail::IncomingPerson& p, const std::string& file,
                   uint32_t line, std::vector<Issue>& issues) {
  if (p.source_id.empty()) {
    issues.push_back({file, line, "no id"});
    return false;
  }
  if (p.given_name.empty() || p.family_name.empty()) {
    issues.push_back({file, line, "no given or family name"});
    return false;
  }
  if (!p.email.empty() && !core::LooksLikeEmail(p.email)) {
    issues.push_back(
        {file, line,
         "e-mail '" + p.email + "' is not an address; loaded without it",
         false});
    p.email.clear();
  }
  return true;
}

}  // namespace

core::Result<ImportReport> ImportOneRoster(store::Database& db,
                                           const std::string& path,
                                           const Actor& actor,
                                           const std::string& shown_as,
                                           const ImportOptions& options) {
  auto r = roster::LoadOneRoster(path);
  if (!r.ok()) return r.status();
  ImportReport report;
  report.kind = "oneroster";
  report.source = shown_as.empty() ? path : shown_as;
  report.skipped = r->skipped;
  for (const auto& i : r->issues) {
    report.issues.push_back({i.file, i.line, i.message, i.rejected});
  }
  detail::Incoming in;
  in.source = "oneroster";
  in.options = options;
  in.mark_departed = !r->delta;
  in.sites_by_id_only = true;
  std::set<std::string> school_ids;
  for (const auto& o : r->orgs) {
    in.sites.push_back(
        {o.id, o.name, o.type.empty() ? "school" : o.type, o.parent_id});
    school_ids.insert(o.id);
  }
  for (const auto& p : r->people) {
    detail::IncomingPerson ip;
    ip.source_id = p.id;
    ip.kind = p.student ? "student" : "employee";
    ip.given_name = p.preferred_given.empty() ? p.given : p.preferred_given;
    ip.family_name = p.family;
    ip.email = p.email;
    ip.username = p.username;
    for (const auto& o : p.org_ids) {
      if (school_ids.count(o)) {
        ip.site_source_id = o;
        break;
      }
    }
    ip.job_role = p.student ? "" : p.role;
    ip.grade = p.grades;
    ip.status = (p.status == "inactive" || !p.enabled) ? "inactive" : "active";
    in.people.push_back(std::move(ip));
  }
  return detail::Apply(db, std::move(in), std::move(report), actor);
}

core::Result<ImportReport> ImportEmployeesCsv(store::Database& db,
                                              std::string_view bytes,
                                              const std::string& file_name,
                                              const Actor& actor,
                                              const ImportOptions& options) {
  ImportReport report;
  report.kind = "employees-csv";
  report.source = file_name;
  detail::Incoming in;
  in.source = "hr-csv";
  in.options = options;
  std::map<std::string, size_t> cols;
  std::set<std::string> seen, site_names;
  static const char* kRequired[] = {"id", "given_name", "family_name"};
  static const std::set<std::string> kStatuses = {"active", "inactive",
                                                  "leave"};
  core::Status header_error;
  std::string text = core::ToUtf8(bytes);
  auto st = core::ReadCsv(text, [&](const core::CsvRecord& r) {
    if (cols.empty()) {
      for (size_t i = 0; i < r.fields.size(); ++i) {
        cols[core::AsciiLower(Trim(r.fields[i]))] = i;
      }
      for (const char* c : kRequired) {
        if (!cols.count(c)) {
          header_error = core::Status::Invalid(
              fmt::format("{}:1: missing column '{}' (expected "
                          "id,given_name,family_name,email,site,job_role,"
                          "supervisor,status)",
                          file_name, c));
          return false;
        }
      }
      return true;
    }
    if (r.fields.size() == 1 && r.fields[0].empty()) return true;
    auto val = [&](const char* c) {
      auto it = cols.find(c);
      return it == cols.end() || it->second >= r.fields.size()
                 ? std::string()
                 : Trim(r.fields[it->second]);
    };
    if (r.fields.size() < cols.size()) {
      report.issues.push_back({file_name, r.line,
                               fmt::format("row has {} fields, header has {}",
                                           r.fields.size(), cols.size())});
      return true;
    }
    detail::IncomingPerson p;
    p.source_id = val("id");
    p.kind = "employee";
    p.given_name = val("given_name");
    p.family_name = val("family_name");
    p.email = val("email");
    p.job_role = val("job_role");
    p.supervisor_source_id = val("supervisor");
    std::string status = core::AsciiLower(val("status"));
    if (!CheckEmployee(p, file_name, r.line, report.issues)) return true;
    if (!seen.insert(p.source_id).second) {
      report.issues.push_back(
          {file_name, r.line, "duplicate id '" + p.source_id + "'"});
      return true;
    }
    if (!status.empty() && !kStatuses.count(status)) {
      report.issues.push_back(
          {file_name, r.line,
           "status '" + status + "' is not active, inactive or leave"});
      return true;
    }
    // On leave is kept as such: still the District's employee (no
    // directory account of theirs is orphaned, nothing they hold is owed
    // back), though not asked for what only active staff are asked.
    p.status = status.empty() ? "active" : status;
    std::string site = val("site");
    if (!site.empty()) {
      p.site_source_id = site;
      if (site_names.insert(site).second)
        in.sites.push_back({site, site, "school", ""});
    }
    in.people.push_back(std::move(p));
    return true;
  });
  if (!header_error.ok()) return header_error;
  if (cols.empty()) return core::Status::Invalid(file_name + ": empty file");
  if (!st.ok()) {
    report.issues.push_back({file_name, 0, "stopped reading: " + st.message()});
  }
  // A supervisor must be someone in the file (or already known).
  for (auto& p : in.people) {
    if (!p.supervisor_source_id.empty() &&
        !seen.count(p.supervisor_source_id)) {
      report.issues.push_back(
          {file_name, 0,
           fmt::format("{}: supervisor '{}' is not in the file; kept as given",
                       p.source_id, p.supervisor_source_id),
           false});
    }
  }
  return detail::Apply(db, std::move(in), std::move(report), actor);
}

core::Result<ImportReport> ImportLdap(store::Database& db, const LdapOptions& o,
                                      const Actor& actor,
                                      const ImportOptions& guard) {
  ImportReport report;
  report.kind = "ldap";
  report.source = o.url + " " + o.base;
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, o.url.c_str()) != LDAP_SUCCESS) {
    return core::Status::Invalid(o.url + ": not an LDAP URL");
  }
  int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  timeval timeout{30, 0};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  berval cred{o.password.size(), const_cast<char*>(o.password.data())};
  int rc = ldap_sasl_bind_s(ld, o.bind_dn.empty() ? nullptr : o.bind_dn.c_str(),
                            LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) {
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    return core::Status::Io(fmt::format("{}: bind as '{}' failed: {}", o.url,
                                        o.bind_dn, ldap_err2string(rc)));
  }
  std::vector<std::string> attr_names = {
      o.id_attr,   o.given_attr, o.family_attr,     o.email_attr,
      o.site_attr, o.role_attr,  o.supervisor_attr, o.uid_attr};
  std::vector<char*> attrs;
  attrs.reserve(attr_names.size() + 1);
  for (auto& a : attr_names) attrs.push_back(a.data());
  attrs.push_back(nullptr);
  LDAPMessage* res = nullptr;
  rc = ldap_search_ext_s(ld, o.base.c_str(), LDAP_SCOPE_SUBTREE,
                         o.filter.c_str(), attrs.data(), 0, nullptr, nullptr,
                         &timeout, 0, &res);
  if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
    if (res) ldap_msgfree(res);
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    return core::Status::Io(fmt::format("{}: search of '{}' failed: {}", o.url,
                                        o.base, ldap_err2string(rc)));
  }
  detail::Incoming in;
  in.source = "ldap";
  in.options = guard;
  std::set<std::string> seen, site_names;
  std::map<std::string, std::string> dn_to_id;  // manager is a DN
  uint32_t n = 0;
  for (LDAPMessage* e = ldap_first_entry(ld, res); e;
       e = ldap_next_entry(ld, e)) {
    ++n;
    char* dn_raw = ldap_get_dn(ld, e);
    std::string dn = dn_raw ? dn_raw : "";
    ldap_memfree(dn_raw);
    auto first = [&](const std::string& attr) -> std::string {
      berval** vals = ldap_get_values_len(ld, e, attr.c_str());
      if (!vals) return {};
      std::string v =
          vals[0] ? std::string(vals[0]->bv_val, vals[0]->bv_len) : "";
      ldap_value_free_len(vals);
      return v;
    };
    detail::IncomingPerson p;
    p.source_id = first(o.id_attr);
    if (p.source_id.empty()) p.source_id = first(o.uid_attr);
    p.kind = "employee";
    p.given_name = first(o.given_attr);
    p.family_name = first(o.family_attr);
    p.email = first(o.email_attr);
    p.username = first(o.uid_attr);
    p.job_role = first(o.role_attr);
    p.supervisor_source_id = first(o.supervisor_attr);
    if (!CheckEmployee(p, dn, 0, report.issues)) continue;
    if (!seen.insert(p.source_id).second) {
      report.issues.push_back({dn, 0, "duplicate id '" + p.source_id + "'"});
      continue;
    }
    dn_to_id[core::AsciiLower(dn)] = p.source_id;
    std::string site = first(o.site_attr);
    if (!site.empty()) {
      p.site_source_id = site;
      if (site_names.insert(site).second)
        in.sites.push_back({site, site, "school", ""});
    }
    in.people.push_back(std::move(p));
  }
  ldap_msgfree(res);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  for (auto& p : in.people) {
    auto it = dn_to_id.find(core::AsciiLower(p.supervisor_source_id));
    if (it != dn_to_id.end()) p.supervisor_source_id = it->second;
  }
  if (n == 0) {
    return core::Status::NotFound(fmt::format(
        "{}: no entries under '{}' match {}; nothing changed (an empty "
        "directory would mark everyone departed)",
        o.url, o.base, o.filter));
  }
  return detail::Apply(db, std::move(in), std::move(report), actor);
}

}  // namespace steward::people
