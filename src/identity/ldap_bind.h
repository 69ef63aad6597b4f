// Signing employees in against the District's directory: a simple bind as
// the DN made from the user name, over the configured URL, then a read of
// the bound entry's unique id. Used by SignIn for accounts without a local
// password, and to create an employee's account on first sign-in.
// Thread-safe (one LDAP handle per call).
#pragma once

#include <string>

#include "core/status.h"

namespace steward::identity {

struct LdapSignIn {
  std::string url;          // ldap://dc.district.org or ldaps://…
  std::string dn_template;  // "uid={},ou=people,dc=district,dc=org"
  // The attribute that names an entry for good, whatever its user name's
  // case or spacing and after a rename: entryUUID (OpenLDAP, RFC 4530),
  // objectGUID on Active Directory.
  std::string id_attr = "entryUUID";
  bool enabled() const { return !url.empty() && !dn_template.empty(); }
};

// The entry a bind signed in as.
struct DirectoryUser {
  std::string dn;  // as the directory stores it, when it could be read
  // `id_attr`'s value (hex when not printable); when the entry or the
  // attribute cannot be read, "dn:" and the DN lower-cased.
  std::string id;
};

// The entry when the directory accepts the password. Invalid for wrong
// credentials (and for an empty password, which LDAP would take as an
// anonymous bind); Io when the directory cannot be reached. `username`
// should already be as the directory compares it (NameKey, attempts.h).
core::Result<DirectoryUser> LdapBind(const LdapSignIn& ldap,
                                     const std::string& username,
                                     const std::string& password);

// The user name escaped as an RDN value (RFC 4514).
std::string EscapeDnValue(const std::string& value);

}  // namespace steward::identity
