#include "identity/ldap_bind.h"

#include <ldap.h>

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

core::Status LdapBind(const LdapSignIn& ldap, const std::string& username,
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
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  if (rc == LDAP_SUCCESS) return {};
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX ||
      rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_UNWILLING_TO_PERFORM) {
    return core::Status::Invalid("the directory refused the credentials");
  }
  return core::Status::Io(ldap.url + ": " + ldap_err2string(rc));
}

}  // namespace steward::identity
