#!/usr/bin/env bash
# A private OpenLDAP server on loopback for the tests, loaded with LDIF.
#   scripts/slapd.sh start DIR PORT LDIF   prints the URL
#   scripts/slapd.sh stop  DIR
# Suffix dc=example-usd,dc=org; manager cn=admin,dc=example-usd,dc=org with
# the password in DIR/admin.pw.
# With SLAPD_PPOLICY_MODULE=FILE the ppolicy overlay runs with a default
# policy (cn=default,ou=policies,…) that checks quality with that module
# (pwdCheckQuality 2, pwdCheckModuleArg from SLAPD_PPOLICY_ARG), stores
# cleartext passwords hashed, and lets each entry change its own password;
# the LDIF may then carry ppolicy's attributes (pwdChangedTime, …).
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:-/tmp/steward-slapd}
port=${3:-55389}
ldif=${4:-}
case "$cmd" in
  start)
    [ -f "$dir/slapd.pid" ] && kill "$(cat "$dir/slapd.pid")" 2>/dev/null || true
    rm -rf "$dir"; mkdir -p "$dir/db"
    echo "test-only-$RANDOM$RANDOM" > "$dir/admin.pw"
    module=${SLAPD_PPOLICY_MODULE:-}
    load=""; overlay=""; access="access to * by * read"
    if [ -n "$module" ]; then
      [ -r "$module" ] || { echo "slapd.sh: $module: cannot read the password module" >&2; exit 1; }
      load="moduleload ppolicy"
      overlay="overlay ppolicy
ppolicy_default \"cn=default,ou=policies,dc=example-usd,dc=org\"
ppolicy_hash_cleartext"
      access="access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read"
    fi
    cat > "$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
$load
pidfile $dir/slapd.pid
database mdb
maxsize 10485760
suffix "dc=example-usd,dc=org"
rootdn "cn=admin,dc=example-usd,dc=org"
rootpw $(cat "$dir/admin.pw")
directory $dir/db
$overlay
$access
CONF
    if [ -n "$ldif" ]; then slapadd -q -f "$dir/slapd.conf" -l "$ldif" >"$dir/slapadd.log" 2>&1 || { cat "$dir/slapadd.log" >&2; exit 1; }; fi
    if [ -n "$module" ]; then
      cat > "$dir/policy.ldif" <<LDIF
dn: ou=policies,dc=example-usd,dc=org
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=example-usd,dc=org
objectClass: device
objectClass: pwdPolicy
objectClass: pwdPolicyChecker
cn: default
pwdAttribute: userPassword
pwdCheckQuality: 2
pwdMinLength: 8
pwdAllowUserChange: TRUE
pwdCheckModule: $module
LDIF
      [ -n "${SLAPD_PPOLICY_ARG:-}" ] && echo "pwdCheckModuleArg: $SLAPD_PPOLICY_ARG" >> "$dir/policy.ldif"
      slapadd -q -f "$dir/slapd.conf" -l "$dir/policy.ldif" >"$dir/slapadd.log" 2>&1 || { cat "$dir/slapadd.log" >&2; exit 1; }
    fi
    slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/" 2>"$dir/slapd.log" || { cat "$dir/slapd.log" >&2; exit 1; }
    for _ in $(seq 50); do [ -f "$dir/slapd.pid" ] && break; sleep 0.1; done
    echo "ldap://127.0.0.1:$port"
    ;;
  stop)
    [ -f "$dir/slapd.pid" ] && kill "$(cat "$dir/slapd.pid")" 2>/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "slapd.sh: start or stop" >&2; exit 2 ;;
esac
