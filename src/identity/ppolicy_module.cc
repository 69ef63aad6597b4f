// N.4 at the directory: a password-quality module for OpenLDAP's ppolicy
// overlay (slapo-ppolicy(5), pwdCheckModule). slapd calls check_password
// with every new cleartext password of an entry under a policy whose
// pwdCheckQuality is 1 or 2, after its own checks; this module answers with
// the same PasswordPolicy the portal uses (N.4's length and mix, the
// block-list, cracklib, no user name or name inside).
//
// Settings come from the policy's pwdCheckModuleArg, words separated by
// spaces:
//   blocklist=/usr/share/steward/passwords.txt   (default: none)
//   cracklib=/var/cache/cracklib/cracklib_dict   (default: the system's;
//                                                 "off" to skip)
// A setting the module cannot use (an unknown word, a list it cannot read)
// refuses every password with a message saying so: a broken configuration
// never lets weak passwords through.
//
// The names a password may not contain are read from the entry's DN (the
// values of its first RDN: "uid=jdoe" or "CN=Jane Doe"); the rest of the
// entry is slapd's private structure and is not read.
//
// slapd is threaded: policies are loaded once per setting string and shared,
// and loaded again when the block-list file changes (its modification time
// or size); the module stays loaded (-z nodelete) so the cache outlives
// slapd's dlclose after each check. No C++ exception leaves check_password.
//
// Known limits: slapd hands over the password as a C string, so nothing
// after a NUL byte is seen; the name check reads only the DN (a uid= DN
// gives the user name, not the person's name).
#include <ldap.h>
#include <ldap_features.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "core/text.h"
#include "identity/passwords.h"

// slapd's entry. Only its head is relied upon: the entry id (slapd's ID, an
// unsigned long) followed by the DN as a berval, the layout of every
// OpenLDAP release since 2.1.
struct Entry;

namespace steward::identity::ppolicy {
namespace {

struct EntryHead {
  unsigned long id;
  struct berval name;
};

using Policy = std::shared_ptr<const PasswordPolicy>;

// What a file looks like now: a change of either means it was rewritten.
std::pair<int64_t, int64_t> Stamp(const std::string& file) {
  struct stat st {};
  if (file.empty() || stat(file.c_str(), &st) != 0) return {-1, -1};
  return {
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
      static_cast<int64_t>(st.st_size)};
}

// The policy of a pwdCheckModuleArg, loaded once and again whenever its
// block-list file changes (an updated list of breached passwords applies
// from the next change of password, without restarting slapd).
core::Result<Policy> PolicyFor(const std::string& arg) {
  struct Cached {
    Policy policy;
    std::string blocklist;
    std::pair<int64_t, int64_t> stamp;
  };
  static std::mutex mu;
  static std::map<std::string, Cached> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(arg); it != cache.end()) {
    if (it->second.blocklist.empty() ||
        Stamp(it->second.blocklist) == it->second.stamp)
      return it->second.policy;
    cache.erase(it);
  }
  std::string blocklist, cracklib;
  std::istringstream words(arg);
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    std::string key = word.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (key == "blocklist" && !value.empty()) {
      blocklist = value;
    } else if (key == "cracklib" && !value.empty()) {
      cracklib = value;
    } else {
      return core::Status::Invalid(
          "pwdCheckModuleArg: '" + word.substr(0, 64) +
          "' is not a setting (blocklist=FILE, cracklib=PREFIX|off)");
    }
  }
  const auto stamp = Stamp(blocklist);
  auto policy = PasswordPolicy::Load(blocklist, cracklib);
  if (!policy.ok()) return policy.status();
  if (cache.size() >= 16) cache.clear();  // a policy edited over and over
  cache.emplace(arg, Cached{*policy, blocklist, stamp});
  return *policy;
}

// The user name and name the password may not contain, from the DN's first
// RDN: a cn or displayName is a name, anything else (uid, sAMAccountName) a
// user name.
void NamesOf(const Entry* entry, std::string* username, std::string* name) {
  if (!entry) return;
  const auto* head = reinterpret_cast<const EntryHead*>(entry);
  if (!head->name.bv_val || head->name.bv_len == 0) return;
  LDAPDN dn = nullptr;
  if (ldap_str2dn(head->name.bv_val, &dn, LDAP_DN_FORMAT_LDAPV3) !=
          LDAP_SUCCESS ||
      !dn) {
    return;
  }
  if (dn[0]) {
    for (int i = 0; dn[0][i]; ++i) {
      const LDAPAVA* ava = dn[0][i];
      std::string attr = core::AsciiLower(
          std::string(ava->la_attr.bv_val, ava->la_attr.bv_len));
      std::string value(ava->la_value.bv_val, ava->la_value.bv_len);
      if (attr == "cn" || attr == "displayname") {
        *name = value;
      } else {
        *username = value;
      }
    }
  }
  ldap_dnfree(dn);
}

// LDAP_SUCCESS, or a refusal with `why` for the person changing it.
int Check(const char* password, const Entry* entry, const struct berval* arg,
          std::string* why) {
  std::string setting;
  if (arg && arg->bv_val) setting.assign(arg->bv_val, arg->bv_len);
  auto policy = PolicyFor(setting);
  if (!policy.ok()) {
    // At most 200 bytes of the reason (a path may be long), cut before a
    // character.
    std::string reason = policy.status().message();
    if (reason.size() > 200) {
      size_t n = 200;
      while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80)
        --n;
      reason.resize(n);
      reason += "...";
    }
    *why = "The password check is misconfigured (" + reason +
           "); ask IT Services.";
    return LDAP_OTHER;
  }
  std::string username, name;
  NamesOf(entry, &username, &name);
  core::Status ok = (*policy)->Check(password ? password : "", username, name);
  if (ok.ok()) return LDAP_SUCCESS;
  *why = ok.message();
  return LDAP_CONSTRAINT_VIOLATION;
}

}  // namespace

// Check, with nothing thrown: what a C caller can take.
int CheckNoThrow(const char* password, const Entry* entry,
                 const struct berval* arg, std::string* why) {
  try {
    return Check(password, entry, arg, why);
  } catch (...) {
    *why = "The password could not be checked; try again.";
    return LDAP_OTHER;
  }
}

}  // namespace steward::identity::ppolicy

extern "C" {

#if LDAP_VENDOR_VERSION_MAJOR == 2 && LDAP_VENDOR_VERSION_MINOR >= 6
// OpenLDAP 2.6: the message goes into slapd's buffer of errmsg->bv_len
// bytes, or into one of ours (malloc'd; slapd frees it) when longer.
__attribute__((visibility("default"))) int check_password(char* password,
                                                          struct berval* errmsg,
                                                          Entry* entry,
                                                          struct berval* arg) {
  std::string why;
  const int rc =
      steward::identity::ppolicy::CheckNoThrow(password, entry, arg, &why);
  if (rc != LDAP_SUCCESS && errmsg) {
    if (errmsg->bv_val && why.size() < errmsg->bv_len) {
      std::memcpy(errmsg->bv_val, why.c_str(), why.size() + 1);
      errmsg->bv_len = why.size();
    } else if (char* copy = static_cast<char*>(std::malloc(why.size() + 1))) {
      std::memcpy(copy, why.c_str(), why.size() + 1);
      errmsg->bv_val = copy;
      errmsg->bv_len = why.size();
    }
  }
  return rc;
}
#else
// OpenLDAP 2.5 (Debian 12): the message is malloc'd; slapd frees it.
__attribute__((visibility("default"))) int check_password(char* password,
                                                          char** error,
                                                          Entry* entry,
                                                          struct berval* arg) {
  std::string why;
  const int rc =
      steward::identity::ppolicy::CheckNoThrow(password, entry, arg, &why);
  if (rc != LDAP_SUCCESS && error) *error = strdup(why.c_str());
  return rc;
}
#endif

}  // extern "C"
