#include "directory/directory.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <ldap.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/text.h"
#include "core/zone.h"
#include "store/like.h"

namespace steward::directory {

namespace {

using store::P;

constexpr int kPageSize = 500;

// Still the District's employee: active, or on leave (the SQL parts below
// say the same with NOT IN ('active', 'leave'), as does the partial index
// people_not_current).
bool Employed(std::string_view status) {
  return status == "active" || status == "leave";
}

struct Attrs {
  const char* user;
  const char* mail;
  const char* name;
  const char* fallback_name;
  const char* id;
  const char* changed;
  const char* created;
  const char* state;  // pwdAccountLockedTime / userAccountControl
  const char* filter;
};

constexpr Attrs kOpenLdap{"uid",
                          "mail",
                          "displayName",
                          "cn",
                          "entryUUID",
                          "pwdChangedTime",
                          "createTimestamp",
                          "pwdAccountLockedTime",
                          "(|(objectClass=inetOrgPerson)(objectClass="
                          "posixAccount))"};
constexpr Attrs kActiveDirectory{
    "sAMAccountName",
    "mail",
    "displayName",
    "cn",
    "objectGUID",
    "pwdLastSet",
    "whenCreated",
    "userAccountControl",
    "(&(objectCategory=person)(objectClass=user))"};

struct LdapCloser {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};

// The first value of `attr`, raw bytes; "" when absent.
std::string First(LDAP* ld, LDAPMessage* e, const char* attr) {
  berval** vals = ldap_get_values_len(ld, e, attr);
  if (!vals) return {};
  std::string out;
  if (vals[0] && vals[0]->bv_val) out.assign(vals[0]->bv_val, vals[0]->bv_len);
  ldap_value_free_len(vals);
  return out;
}

std::string Printable(const std::string& bytes) {
  bool text = core::IsValidUtf8(bytes) && !core::HasControlChars(bytes);
  if (text) return bytes;
  std::string hex;
  for (unsigned char c : bytes) hex += fmt::format("{:02x}", c);
  return hex;
}

// The value of the DN's first RDN ("jdoe" of "uid=jdoe,ou=…").
std::string RdnValue(const std::string& dn) {
  LDAPDN parsed = nullptr;
  std::string out;
  if (ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
      parsed && parsed[0] && parsed[0][0]) {
    out.assign(parsed[0][0]->la_value.bv_val, parsed[0][0]->la_value.bv_len);
  }
  if (parsed) ldap_dnfree(parsed);
  return out;
}

Account AccountOf(LDAP* ld, LDAPMessage* e, const Attrs& a, bool ad) {
  Account out;
  if (char* dn = ldap_get_dn(ld, e)) {
    out.dn = core::CleanText(dn, 1024);
    ldap_memfree(dn);
  }
  out.username = core::CleanText(First(ld, e, a.user), 256);
  if (out.username.empty())
    out.username = core::CleanText(RdnValue(out.dn), 256);
  out.email = core::CleanText(First(ld, e, a.mail), 256);
  out.display_name = core::CleanText(First(ld, e, a.name), 256);
  if (out.display_name.empty())
    out.display_name = core::CleanText(First(ld, e, a.fallback_name), 256);
  std::string id = First(ld, e, a.id);
  out.entry_id = id.empty() ? "dn:" + core::AsciiLower(out.dn)
                            : Printable(id).substr(0, 128);
  std::string changed = First(ld, e, a.changed);
  std::string created = First(ld, e, a.created);
  std::string state = First(ld, e, a.state);
  if (auto t = ParseGeneralizedTime(created); t.ok()) out.created_at = *t;
  if (ad) {
    if (auto f = core::ParseInt(changed, 0, INT64_MAX, "pwdLastSet"); f.ok())
      out.changed_at = FromFiletime(*f);
    // userAccountControl's ACCOUNTDISABLE bit.
    if (auto u =
            core::ParseInt(state, INT32_MIN, UINT32_MAX, "userAccountControl");
        u.ok())
      out.disabled = (*u & 0x2) != 0;
  } else {
    if (auto t = ParseGeneralizedTime(changed); t.ok()) out.changed_at = *t;
    // ppolicy's "000001010000Z": locked until an administrator unlocks it.
    out.disabled = state == "000001010000Z";
  }
  // A change more than a day ahead of now cannot have happened yet.
  if (out.changed_at > static_cast<int64_t>(std::time(nullptr)) + 86400)
    out.changed_at = 0;
  return out;
}

core::Status LdapError(int rc, const std::string& what) {
  const std::string text = what + ": " + ldap_err2string(rc);
  switch (rc) {
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_TIMEOUT:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
      return core::Status::Io(text);
    case LDAP_SIZELIMIT_EXCEEDED:
    case LDAP_ADMINLIMIT_EXCEEDED:
      return core::Status::Limit(
          text +
          " (bind as an account the directory lets read every entry, or "
          "raise its limits for that account)");
    case LDAP_NO_SUCH_OBJECT:
      return core::Status::NotFound(text + " (no such base)");
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_UNWILLING_TO_PERFORM:
      return core::Status::Io(text);
    default:
      return core::Status::Invalid(text);
  }
}

}  // namespace

core::Result<int64_t> ParseGeneralizedTime(const std::string& text) {
  if (text == "000001010000Z") return int64_t{0};
  // YYYYMMDDHH[MM[SS]][.fraction](Z|+hhmm|-hhmm)
  size_t i = 0;
  auto digits = [&](size_t n, int64_t* out) {
    if (i + n > text.size()) return false;
    int64_t v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = text[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    i += n;
    return true;
  };
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  auto bad = core::Status::Invalid(
      fmt::format("'{}' is not an LDAP time", core::Shown(text)));
  if (!digits(4, &y) || !digits(2, &mo) || !digits(2, &d) || !digits(2, &h))
    return bad;
  if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (!digits(2, &mi)) return bad;
    if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      if (!digits(2, &s)) return bad;
  }
  if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      ++i;
  }
  int64_t offset = 0;
  if (i < text.size() && text[i] == 'Z') {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int sign = text[i] == '-' ? -1 : 1;
    ++i;
    int64_t oh = 0, om = 0;
    if (!digits(2, &oh)) return bad;
    if (i < text.size() && !digits(2, &om)) return bad;
    if (oh > 23 || om > 59) return bad;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return bad;
  }
  if (i != text.size() || h > 23 || mi > 59 || s > 60) return bad;
  auto day = core::ParseIsoDate(fmt::format("{:04}-{:02}-{:02}", y, mo, d),
                                1601, 9999, "An LDAP time");
  if (!day.ok()) return bad;
  return *day * 86400 + h * 3600 + mi * 60 + s - offset;
}

int64_t FromFiletime(int64_t filetime) {
  // 1601-01-01 to 1970-01-01: 11,644,473,600 seconds.
  constexpr int64_t kEpochGap = 11644473600LL;
  if (filetime <= 0) return 0;
  int64_t seconds = filetime / 10000000 - kEpochGap;
  if (seconds <= 0 || seconds > 253402300799LL) return 0;
  return seconds;
}

core::Result<std::vector<Account>> Read(const Source& source) {
  if (source.flavor != "openldap" && source.flavor != "ad")
    return core::Status::Invalid(
        "The directory's flavor is 'openldap' or 'ad', not '" +
        core::Shown(source.flavor) + "'.");
  if (source.url.empty() || source.base.empty())
    return core::Status::Invalid(
        "Reading the directory needs its URL and a base.");
  const bool ad = source.flavor == "ad";
  const Attrs& a = ad ? kActiveDirectory : kOpenLdap;
  const std::string filter = source.filter.empty() ? a.filter : source.filter;
  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, source.url.c_str()) != LDAP_SUCCESS || !raw)
    return core::Status::Invalid("'" + core::Shown(source.url) +
                                 "' is not an LDAP URL.");
  std::unique_ptr<LDAP, LdapCloser> ld(raw);
  int version = LDAP_VERSION3;
  ldap_set_option(raw, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(raw, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  timeval net{10, 0};
  ldap_set_option(raw, LDAP_OPT_NETWORK_TIMEOUT, &net);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(source.timeout_seconds);
  berval cred{static_cast<ber_len_t>(source.password.size()),
              const_cast<char*>(source.password.data())};
  int rc = ldap_sasl_bind_s(
      raw, source.bind_dn.empty() ? nullptr : source.bind_dn.c_str(),
      LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc == LDAP_INVALID_CREDENTIALS)
    return core::Status::Invalid(
        "The directory refused the bind DN or its password.");
  if (rc != LDAP_SUCCESS)
    return LdapError(rc, "Binding to " + core::Shown(source.url));
  const char* attrs[] = {a.user,    a.mail,    a.name,  a.fallback_name, a.id,
                         a.changed, a.created, a.state, nullptr};
  std::vector<Account> out;
  std::string cookie;
  do {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      return core::Status::Io(fmt::format(
          "The directory did not answer within {} seconds ({} accounts read).",
          source.timeout_seconds, out.size()));
    berval bcookie{static_cast<ber_len_t>(cookie.size()), cookie.data()};
    LDAPControl* page = nullptr;
    rc = ldap_create_page_control(
        raw, kPageSize, cookie.empty() ? nullptr : &bcookie, 0, &page);
    if (rc != LDAP_SUCCESS) return LdapError(rc, "A paged search");
    LDAPControl* controls[] = {page, nullptr};
    timeval limit{static_cast<time_t>(left), 0};
    LDAPMessage* res_raw = nullptr;
    rc = ldap_search_ext_s(raw, source.base.c_str(), LDAP_SCOPE_SUBTREE,
                           filter.c_str(), const_cast<char**>(attrs), 0,
                           controls, nullptr, &limit, 0, &res_raw);
    ldap_control_free(page);
    std::unique_ptr<LDAPMessage, MessageFree> res(res_raw);
    if (rc != LDAP_SUCCESS)
      return LdapError(rc, "Searching " + core::Shown(source.base));
    for (LDAPMessage* e = ldap_first_entry(raw, res_raw); e;
         e = ldap_next_entry(raw, e)) {
      out.push_back(AccountOf(raw, e, a, ad));
      if (out.size() > source.max_accounts)
        return core::Status::Limit(
            fmt::format("The directory holds more than {} accounts under {}.",
                        source.max_accounts, core::Shown(source.base)));
    }
    int err = 0;
    LDAPControl** returned = nullptr;
    rc = ldap_parse_result(raw, res_raw, &err, nullptr, nullptr, nullptr,
                           &returned, 0);
    if (rc != LDAP_SUCCESS) return LdapError(rc, "A search's result");
    if (err != LDAP_SUCCESS) {
      ldap_controls_free(returned);
      return LdapError(err, "Searching " + core::Shown(source.base));
    }
    cookie.clear();
    if (LDAPControl* pr =
            ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, returned, nullptr)) {
      ber_int_t estimate = 0;
      berval next{0, nullptr};
      if (ldap_parse_pageresponse_control(raw, pr, &estimate, &next) ==
              LDAP_SUCCESS &&
          next.bv_val) {
        cookie.assign(next.bv_val, next.bv_len);
        ber_memfree(next.bv_val);
      }
    }
    ldap_controls_free(returned);
  } while (!cookie.empty());
  return out;
}

namespace {

// An account as the store keeps it: these columns, read by AccountFrom.
constexpr const char* kAccountColumns =
    "a.entry_id, a.dn, a.username, a.email, a.display_name, a.disabled, "
    "a.created_at, a.changed_at";

Account AccountFrom(const store::Row& r, size_t i) {
  Account a;
  a.entry_id = r.Text(i);
  a.dn = r.Text(i + 1);
  a.username = r.Text(i + 2);
  a.email = r.Text(i + 3);
  a.display_name = r.Text(i + 4);
  a.disabled = r.Int(i + 5) != 0;
  a.created_at = r.Int(i + 6);
  a.changed_at = r.Int(i + 7);
  return a;
}

struct Stored {
  int64_t id = 0;
  Account a;
  bool service = false;
  int64_t person = 0, gone = 0;
  std::string source;  // the read that saw it last
};

// What a read says of a password: its last change, else the account's
// creation.
int64_t Seen(const Account& a) {
  return a.changed_at ? a.changed_at : a.created_at;
}

bool Service(const policy::AccountsPolicy& p, const std::string& username) {
  std::string lower = core::AsciiLower(username);
  for (const auto& pattern : p.service)
    if (fnmatch(core::AsciiLower(pattern).c_str(), lower.c_str(), 0) == 0)
      return true;
  return false;
}

// Employees by user name, address and address's local part; each key to
// the best person (active or on leave before one who has left, then the
// lowest id).
class Employees {
 public:
  core::Status Load(store::Conn& c) {
    return c.ForEach(
        "SELECT id, LOWER(COALESCE(username, '')), LOWER(COALESCE(email, "
        "'')), status FROM people WHERE kind = 'employee' ORDER BY id",
        {}, [&](store::Row& r) {
          Person p{r.Int(0), Employed(r.Text(3))};
          Put(by_user_, r.Text(1), p);
          const std::string& mail = r.Text(2);
          Put(by_mail_, mail, p);
          auto at = mail.find('@');
          if (at != std::string::npos) Put(by_local_, mail.substr(0, at), p);
          return true;
        });
  }
  int64_t Match(const Account& a) const {
    if (!a.plain) return 0;
    std::string user = core::AsciiLower(a.username);
    std::string mail = core::AsciiLower(a.email);
    Person best;
    for (const auto* found :
         {Find(by_user_, user), Find(by_mail_, mail), Find(by_local_, user)}) {
      if (found && Better(*found, best)) best = *found;
    }
    return best.id;
  }

 private:
  struct Person {
    int64_t id = 0;
    bool current = false;
  };
  using Map = std::unordered_map<std::string, Person>;
  static bool Better(const Person& a, const Person& b) {
    if (b.id == 0) return a.id != 0;
    if (a.current != b.current) return a.current;
    return a.id < b.id;
  }
  static void Put(Map& m, const std::string& key, const Person& p) {
    if (key.empty()) return;
    auto [it, added] = m.emplace(key, p);
    if (!added && Better(p, it->second)) it->second = p;
  }
  static const Person* Find(const Map& m, const std::string& key) {
    if (key.empty()) return nullptr;
    auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  }
  Map by_user_, by_mail_, by_local_;
};

}  // namespace

core::Result<Recorded> Record(store::Database& db,
                              const std::vector<Account>& accounts,
                              const policy::AccountsPolicy& policy,
                              const std::string& source,
                              const audit::Actor& actor, const Guard& guard) {
  Recorded out;
  out.accounts = static_cast<int64_t>(accounts.size());
  const std::string shown_source = core::CleanText(source, 512);
  auto st = db.Transact([&](store::Conn& c) -> core::Status {
    out.added = out.changed = out.gone = 0;
    if (auto l = c.LockTable("directory_accounts"); !l.ok()) return l;
    auto read = c.Query(
        "INSERT INTO directory_reads (read_at, source, accounts, actor) "
        "VALUES (?, ?, ?, ?) RETURNING id",
        {P(store::NowUtc()), P(shown_source), P(out.accounts), P(actor.name)});
    if (!read.ok()) return read.status();
    out.read_id = read->front().Int(0);
    Employees employees;
    if (auto l = employees.Load(c); !l.ok()) return l;
    std::unordered_map<std::string, Stored> stored;
    auto each =
        c.ForEach(std::string("SELECT a.id, ") + kAccountColumns +
                      ", a.service, a.person_id, a.gone_read, a.source FROM "
                      "directory_accounts a",
                  {}, [&](store::Row& r) {
                    Stored s;
                    s.id = r.Int(0);
                    s.a = AccountFrom(r, 1);
                    s.service = r.Int(9) != 0;
                    s.person = r.Int(10);
                    s.gone = r.Int(11);
                    s.source = r.Text(12);
                    stored.emplace(s.a.entry_id, std::move(s));
                    return true;
                  });
    if (!each.ok()) return each;
    std::set<int64_t> seen;
    std::set<std::string> in_read;
    for (const Account& a : accounts) {
      if (!in_read.insert(a.entry_id).second) continue;  // listed twice
      const bool service = Service(policy, a.username);
      const int64_t person = employees.Match(a);
      store::Params fields{
          P(a.dn),           P(a.username),          P(a.email),
          P(a.display_name), P(int64_t{a.disabled}), P(int64_t{service}),
          P(person),         P(a.created_at),        P(a.changed_at),
          P(shown_source)};
      int64_t id = 0;
      bool note_change = false;
      auto it = stored.find(a.entry_id);
      if (it == stored.end()) {
        fields.push_back(P(a.entry_id));
        fields.push_back(P(out.read_id));
        auto added = c.Query(
            "INSERT INTO directory_accounts (dn, username, email, "
            "display_name, disabled, service, person_id, created_at, "
            "changed_at, source, entry_id, first_read) VALUES (?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            fields);
        if (!added.ok()) return added.status();
        id = added->front().Int(0);
        ++out.added;
        note_change = Seen(a) != 0;
      } else {
        const Stored& s = it->second;
        id = s.id;
        if (s.a.dn != a.dn || s.a.username != a.username ||
            s.a.email != a.email || s.a.display_name != a.display_name ||
            s.a.disabled != a.disabled || s.service != service ||
            s.person != person || s.a.created_at != a.created_at ||
            s.a.changed_at != a.changed_at || s.gone != 0 ||
            s.source != shown_source) {
          fields.push_back(P(id));
          auto up = c.Exec(
              "UPDATE directory_accounts SET dn = ?, username = ?, email = ?, "
              "display_name = ?, disabled = ?, service = ?, person_id = ?, "
              "created_at = ?, changed_at = ?, source = ?, gone_read = 0 "
              "WHERE id = ?",
              fields);
          if (!up.ok()) return up;
          ++out.changed;
        }
        note_change = Seen(a) != 0 && Seen(a) != Seen(s.a);
      }
      seen.insert(id);
      if (note_change) {
        auto ins = c.Exec(
            "INSERT INTO directory_password_changes (account_id, changed_at, "
            "read_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            {P(id), P(Seen(a)), P(out.read_id)});
        if (!ins.ok()) return ins;
      }
    }
    std::vector<int64_t> gone;
    int64_t present = 0;  // from this source before this read
    for (const auto& [key, s] : stored) {
      if (s.gone != 0 || s.source != shown_source) continue;
      ++present;
      if (!seen.count(s.id)) gone.push_back(s.id);
    }
    const auto n_gone = static_cast<int64_t>(gone.size());
    if (!guard.force && present > 0 &&
        (accounts.empty() || n_gone * 100 > present * guard.max_gone_percent)) {
      return core::Status::Invalid(fmt::format(
          "This read would mark {} of the {} accounts last read from {} as "
          "gone (more than {}%): nothing was changed. Check the base and the "
          "filter; when the directory really lost them, read again with "
          "--force.",
          n_gone, present, shown_source, guard.max_gone_percent));
    }
    for (size_t i = 0; i < gone.size(); i += 500) {
      std::string in;
      store::Params params{P(out.read_id)};
      for (size_t k = i; k < std::min(gone.size(), i + 500); ++k) {
        in += in.empty() ? "?" : ", ?";
        params.push_back(P(gone[k]));
      }
      auto up =
          c.Exec("UPDATE directory_accounts SET gone_read = ? WHERE id IN (" +
                     in + ")",
                 params);
      if (!up.ok()) return up;
    }
    out.gone = static_cast<int64_t>(gone.size());
    return audit::Record(c, actor, "directory.read",
                         fmt::format("directory-read/{}", out.read_id),
                         {{"source", shown_source},
                          {"accounts", out.accounts},
                          {"added", out.added},
                          {"changed", out.changed},
                          {"gone", out.gone}});
  });
  if (!st.ok()) return st;
  return out;
}

core::Result<LastRead> Latest(store::Database& db) {
  auto rows = db.Query(
      "SELECT id, read_at, source, actor, accounts, (SELECT MIN(read_at) "
      "FROM directory_reads) FROM directory_reads ORDER BY id DESC LIMIT 1");
  if (!rows.ok()) return rows.status();
  LastRead out;
  if (rows->empty()) return out;
  const auto& r = rows->front();
  out = {r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.Text(5)};
  return out;
}

namespace {

constexpr std::pair<View, const char*> kViews[] = {
    {View::kOpen, "open"},         {View::kNoEmployee, "no-employee"},
    {View::kStale, "stale"},       {View::kService, "service"},
    {View::kDisabled, "disabled"}, {View::kGone, "gone"},
};

constexpr const char* kOpen =
    "a.gone_read = 0 AND a.service = 0 AND a.disabled = 0";

constexpr const char* kFrom =
    " FROM directory_accounts a LEFT JOIN people p ON p.id = a.person_id AND "
    "a.person_id <> 0 WHERE ";

// The conditions of a view, after kFrom (its own arm for a no-employee
// list).
void Where(const Query& q, std::string& sql, store::Params& params) {
  switch (q.view) {
    case View::kOpen:
    case View::kNoEmployee:
      sql += kOpen;
      break;
    case View::kStale:
      // The semester's bounds as numbers in the text, not parameters: a
      // statement kept prepared then has the plan for these bounds (a plan
      // made without them walks every change), and none is made per run.
      // The change the last read saw (Seen(): changed_at, else created_at)
      // is always among the recorded changes, so an account whose last
      // change falls in the semester is never listed: tested first, on the
      // row, it spares most accounts the look into the changes (a page of
      // the semester at hand reads the changes of a few accounts only).
      sql += std::string(kOpen) +
             fmt::format(
                 " AND a.created_at <= {1} AND NOT (CASE WHEN a.changed_at "
                 "<> 0 THEN a.changed_at ELSE a.created_at END BETWEEN {0} "
                 "AND {1}) AND NOT EXISTS (SELECT 1 FROM "
                 "directory_password_changes x WHERE x.account_id = a.id AND "
                 "x.changed_at >= {0} AND x.changed_at <= {1})",
                 q.from, q.until);
      break;
    case View::kService:
      sql += "a.gone_read = 0 AND a.service = 1";
      break;
    case View::kDisabled:
      sql += "a.gone_read = 0 AND a.service = 0 AND a.disabled = 1";
      break;
    case View::kGone:
      sql += "a.gone_read <> 0";
      break;
  }
  if (!q.text.empty()) {
    sql +=
        " AND (LOWER(a.username) LIKE ? ESCAPE '!' OR LOWER(a.display_name) "
        "LIKE ? ESCAPE '!' OR LOWER(a.email) LIKE ? ESCAPE '!')";
    const std::string like = store::ContainsPattern(q.text);
    for (int i = 0; i < 3; ++i) params.push_back(P(like));
  }
}

// One SELECT of `columns` (over kFrom's a and p) for a view; `each`
// (" ORDER BY ... LIMIT n") follows each part. A
// no-employee list is two parts, each read in the order of its own index:
// accounts matched to nobody (directory_accounts_person_open), and accounts
// whose person is no longer current (usually few, found from the people
// who left: people_not_current; CROSS JOIN keeps SQLite from walking the
// accounts instead), so that a page reads little whether most
// accounts have an employee or almost none do. People are never deleted: a
// matched account always has its person.
std::string Select(const Query& q, const std::string& columns,
                   store::Params& params, const std::string& each = "") {
  const bool two = q.view == View::kNoEmployee;
  auto part = [&](std::string sql, const char* also) {
    Where(q, sql, params);
    sql += also;
    sql += each;
    return sql;
  };
  std::string sql = part(columns + kFrom, two ? " AND a.person_id = 0" : "");
  if (!two) return sql;
  std::string left =
      part(columns +
               " FROM people p CROSS JOIN directory_accounts a WHERE "
               "a.person_id = p.id AND a.person_id <> 0 AND p.status NOT IN "
               "('active', 'leave') AND ",
           "");
  if (each.empty()) return sql + " UNION ALL " + left;
  return "SELECT * FROM (" + sql + ") x UNION ALL SELECT * FROM (" + left +
         ") y";
}

Listed ListedOf(const store::Row& r) {
  Listed l;
  l.id = r.Int(0);
  l.account = AccountFrom(r, 1);
  l.service = r.Int(9) != 0;
  l.person_id = r.IsNull(10) ? 0 : r.Int(10);
  l.person_name = r.Text(11);
  l.person_status = r.Text(12);
  l.gone = r.Int(13) != 0;
  if (l.gone) {
    l.standing = "gone from the directory";
  } else if (l.service) {
    l.standing = "service account";
  } else if (l.account.disabled) {
    l.standing = "disabled";
  } else if (l.person_id == 0) {
    l.standing = "no employee";
  } else if (!Employed(l.person_status)) {
    l.standing = "employee has left";
  } else {
    l.standing = "employee";
  }
  return l;
}

// ListedOf's columns, from kFrom's tables.
std::string Columns() {
  return std::string("SELECT a.id, ") + kAccountColumns +
         ", a.service, p.id, COALESCE(p.given_name || ' ' || p.family_name, "
         "''), COALESCE(p.status, ''), a.gone_read";
}

}  // namespace

bool ParseView(const std::string& word, View* view) {
  for (const auto& [v, name] : kViews)
    if (word == name) {
      *view = v;
      return true;
    }
  return false;
}

const char* ViewName(View v) {
  for (const auto& [x, name] : kViews)
    if (x == v) return name;
  return "open";
}

const policy::AccountsPolicy::Semester* CurrentSemester(
    const policy::PolicyPack& pack, int64_t now) {
  auto zone = core::Zone::Open(pack.records.time_zone);
  const int64_t day = zone.ok() ? zone->At(now).day : now / 86400;
  return pack.accounts.LatestBy(day);
}

const policy::AccountsPolicy::Semester* FindSemester(
    const policy::PolicyPack& pack, const std::string& name) {
  for (const auto& s : pack.accounts.semesters)
    if (s.name == name) return &s;
  return nullptr;
}

core::Status SemesterSpan(const policy::AccountsPolicy::Semester& semester,
                          const std::string& time_zone, Query* q) {
  auto zone = core::Zone::Open(time_zone);
  if (!zone.ok()) return zone.status();
  q->from = zone->StartOf(semester.begins);
  q->until = zone->StartOf(semester.ends + 1) - 1;
  return {};
}

core::Result<std::vector<Listed>> List(store::Database& db, const Query& q) {
  store::Params params;
  const int limit = std::clamp(q.limit, 1, 100000);
  const int offset = std::max(q.offset, 0);
  // By user name and id (columns 4 and 1), the order of the indexes on
  // open accounts, so a page reads its rows and no more (a part of a
  // no-employee list: the rows up to the page's end).
  std::string sql =
      q.view == View::kNoEmployee
          ? "SELECT * FROM (" +
                Select(q, Columns(), params,
                       fmt::format(" ORDER BY a.username, a.id LIMIT {}",
                                   static_cast<int64_t>(limit) + offset)) +
                ") n"
          : Select(q, Columns(), params);
  // The numbers in the text (see store::NewestFirst).
  sql += fmt::format(" ORDER BY 4, 1 LIMIT {} OFFSET {}", limit, offset);
  return store::QueryAs<Listed>(db, sql, params, ListedOf);
}

core::Result<int64_t> Count(store::Database& db, const Query& q) {
  store::Params params;
  const std::string sql =
      "SELECT COUNT(*) FROM (" + Select(q, "SELECT a.id", params) + ") n";
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status();
  return rows->front().Int(0);
}

core::Result<Listed> OfPerson(store::Database& db, int64_t person_id) {
  return store::QueryOneAs<Listed>(
      db,
      Columns() + kFrom +
          "a.person_id = ? AND a.gone_read = 0 ORDER BY a.disabled, a.id "
          "LIMIT 1",
      {P(person_id)}, ListedOf, "No directory account was read for you.");
}

}  // namespace steward::directory
