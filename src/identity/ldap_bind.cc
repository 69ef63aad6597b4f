#include "identity/ldap_bind.h"

#include <ldap.h>

#include "core/hash.h"

namespace steward::identity {

std::string EscapeDnValue(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' ||
                   c == '>' || c == ';' || c == '=' ||
                   (i == 0 && (c == '#' || c == ' ')) ||
                   (i + 1 == value.size() && c == ' ');
    if (c == '\0') {
      out += "\\00";
      continue;
    }
    if (special) out += '\\';
    out += c;
  }
  return out;
}

namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// A binary id (objectGUID) as hex; a printable one as it is.
std::string IdText(const berval& v) {
  std::string raw(v.bv_val, v.bv_len);
  bool printable = !raw.empty();
  for (unsigned char c : raw) printable = printable && c >= 0x20 && c < 0x7F;
  if (printable) return raw;
  return core::HexLower(raw);
}

// Reads the bound entry's DN and id as the user just bound.
DirectoryUser ReadEntry(LDAP* ld, const LdapSignIn& ldap,
                        const std::string& bound_dn) {
  DirectoryUser user{bound_dn, "dn:" + Lower(bound_dn)};
  char* attrs[] = {const_cast<char*>(ldap.id_attr.c_str()), nullptr};
  timeval timeout{10, 0};
  LDAPMessage* res = nullptr;
  int rc = ldap_search_ext_s(ld, bound_dn.c_str(), LDAP_SCOPE_BASE,
                             "(objectClass=*)", attrs, 0, nullptr, nullptr,
                             &timeout, 1, &res);
  if (rc == LDAP_SUCCESS && res) {
    if (LDAPMessage* e = ldap_first_entry(ld, res)) {
      if (char* dn = ldap_get_dn(ld, e)) {
        user.dn = dn;
        user.id = "dn:" + Lower(dn);
        ldap_memfree(dn);
      }
      if (berval** vals = ldap_get_values_len(ld, e, ldap.id_attr.c_str())) {
        if (vals[0] && vals[0]->bv_len > 0) user.id = IdText(*vals[0]);
        ldap_value_free_len(vals);
      }
    }
  }
  if (res) ldap_msgfree(res);
  return user;
}

}  // namespace

core::Result<DirectoryUser> LdapBind(const LdapSignIn& ldap,
                                     const std::string& username,
                                     const std::string& password) {
  if (username.empty() || password.empty()) {
    return core::Status::Invalid("empty user name or password");
  }
  std::string dn = ldap.dn_template;
  auto at = dn.find("{}");
  if (at == std::string::npos)
    return core::Status::Invalid("the DN template has no {}");
  dn.replace(at, 2, EscapeDnValue(username));
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, ldap.url.c_str()) != LDAP_SUCCESS) {
    return core::Status::Io(ldap.url + ": not an LDAP URL");
  }
  int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  timeval timeout{10, 0};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  berval cred{password.size(), const_cast<char*>(password.data())};
  int rc = ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                            nullptr, nullptr);
  DirectoryUser user;
  if (rc == LDAP_SUCCESS) user = ReadEntry(ld, ldap, dn);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  if (rc == LDAP_SUCCESS) return user;
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX ||
      rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_UNWILLING_TO_PERFORM) {
    return core::Status::Invalid("the directory refused the credentials");
  }
  return core::Status::Io(ldap.url + ": " + ldap_err2string(rc));
}

}  // namespace steward::identity
