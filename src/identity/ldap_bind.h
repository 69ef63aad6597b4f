// Signing employees in against the District's directory: a simple bind as
// the DN made from the user name, over the configured URL. Used by SignIn
// for accounts without a local password, and to create an employee's
// account on first sign-in. Thread-safe (one LDAP handle per call).
#pragma once

#include <string>

#include "core/status.h"

namespace steward::identity {

struct LdapSignIn {
  std::string url;          // ldap://dc.district.org or ldaps://…
  std::string dn_template;  // "uid={},ou=people,dc=district,dc=org"
  bool enabled() const { return !url.empty() && !dn_template.empty(); }
};

// OK when the directory accepts the password. Invalid for wrong
// credentials (and for an empty password, which LDAP would take as an
// anonymous bind); Io when the directory cannot be reached.
core::Status LdapBind(const LdapSignIn& ldap, const std::string& username,
                      const std::string& password);

// The user name escaped as an RDN value (RFC 4514).
std::string EscapeDnValue(const std::string& value);

}  // namespace steward::identity
