#!/usr/bin/env bash
# A private Squid for tests and benchmarks: its own configuration, logs and
# hosts file under DIR, an HTTP proxy on 127.0.0.1:PORT that sends uploads
# (REQMOD, reqmod_precache) and downloads (RESPMOD, respmod_precache) to an
# ICAP service on 127.0.0.1:ICAPPORT, bypass=off unless SQUID_BYPASS=on (a
# failure of the service is the user's error page, never a pass). No disk
# cache. Host names listed in HOSTS (a file in /etc/hosts format) resolve as
# it says, so a test can name cloud hosts and reach an upstream on loopback.
#
#   squid.sh start DIR PORT ICAPPORT HOSTS
#   squid.sh stop DIR
#
# Options, from the environment:
#   SQUID_BYPASS=on       bypass=on on both services (fail open: with the
#                         service down, requests pass uninspected); off by
#                         default.
#   SQUID_BUMP_CA=FILE    decrypt HTTPS (ssl_bump, Debian's squid-openssl):
#                         FILE holds the certificate authority's certificate
#                         and key (PEM) that signs the certificates Squid
#                         makes for each site; its certificate database is
#                         DIR/ssl_db (made here).
#   SQUID_UPSTREAM_CA=FILE  with SQUID_BUMP_CA: the authorities Squid
#                         trusts for the servers it connects to (PEM);
#                         without it, the system's.
#   SQUID_EXTRA=TEXT      lines added to the configuration's end (e.g.
#                         icap_service_failure_limit).
#
# Logs: DIR/access.log, DIR/icap.log (one line per ICAP transaction, with
# its ICAP status: ICAP_ERR_* when one failed), DIR/cache.log.
# Runs as root (Squid drops to `proxy`).
set -euo pipefail

cmd=${1:?usage: squid.sh start|stop DIR ...}
dir=${2:?DIR}

stop() {
  [ -f "$dir/squid.conf" ] || return 0
  local pid
  pid=$(cat "$dir/squid.pid" 2>/dev/null || true)
  squid -f "$dir/squid.conf" -k shutdown >/dev/null 2>&1 || true
  for _ in $(seq 100); do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
}

case "$cmd" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "squid.sh: unknown command $cmd" >&2; exit 2 ;;
esac

port=${3:?PORT}
icap=${4:?ICAPPORT}
hosts=${5:?HOSTS}
bypass=${SQUID_BYPASS:-off}
case "$bypass" in on|off) ;; *) echo "squid.sh: SQUID_BYPASS is on or off" >&2; exit 2 ;; esac
bump_ca=${SQUID_BUMP_CA:-}
upstream_ca=${SQUID_UPSTREAM_CA:-}
certgen=/usr/lib/squid/security_file_certgen
command -v squid >/dev/null || { echo "squid.sh: Squid is not installed" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "squid.sh: must run as root" >&2; exit 2; }

stop
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "squid.sh: 127.0.0.1:$port is in use" >&2
  exit 3
fi
mkdir -p "$dir"
cp "$hosts" "$dir/hosts"
chown proxy "$dir"
chmod 755 "$dir"
d=$dir
while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done

http_port="http_port 127.0.0.1:$port"
bump=""
if [ -n "$bump_ca" ]; then
  [ -x "$certgen" ] || { echo "squid.sh: no $certgen (package squid-openssl)" >&2; exit 2; }
  # Squid reads the authority as root; the helper, as proxy, its database.
  cp "$bump_ca" "$dir/bump-ca.pem"
  chmod 600 "$dir/bump-ca.pem"
  rm -rf "$dir/ssl_db"
  "$certgen" -c -s "$dir/ssl_db" -M 4MB >"$dir/ssl_db.log" 2>&1 || {
    echo "squid.sh: security_file_certgen -c failed:" >&2; cat "$dir/ssl_db.log" >&2; exit 2; }
  chown -R proxy "$dir/ssl_db"
  http_port="$http_port ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=4MB tls-cert=$dir/bump-ca.pem"
  bump="sslcrtd_program $certgen -s $dir/ssl_db -M 4MB
sslcrtd_children 4 startup=1 idle=1
acl step1 at_step SslBump1
ssl_bump peek step1
ssl_bump bump all"
  if [ -n "$upstream_ca" ]; then
    cp "$upstream_ca" "$dir/upstream-ca.pem"
    chmod 644 "$dir/upstream-ca.pem"
    bump="$bump
tls_outgoing_options cafile=$dir/upstream-ca.pem"
  fi
fi

cat >"$dir/squid.conf" <<CONF
$http_port
pid_filename $dir/squid.pid
cache_effective_user proxy
coredump_dir $dir
access_log stdio:$dir/access.log
cache_log $dir/cache.log
cache_store_log none
hosts_file $dir/hosts
dns_nameservers 127.0.0.1
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 second
http_access allow localhost
http_access deny all
# Squid 5.7 drops a client whose upload fills this buffer while the ICAP
# service is behind (it reads zero bytes into the full buffer and takes that
# for the end): at the default 512 KB a 2 GiB upload on loopback failed, with
# c-icap's echo service as with Steward. 64 MB let it through.
client_request_buffer_max_size 64 MB

icap_enable on
icap_preview_enable on
icap_send_client_ip on
icap_client_username_header X-Authenticated-User
icap_service steward_req reqmod_precache icap://127.0.0.1:$icap/reqmod bypass=$bypass
icap_service steward_resp respmod_precache icap://127.0.0.1:$icap/respmod bypass=$bypass
adaptation_access steward_req allow all
adaptation_access steward_resp allow all
icap_log stdio:$dir/icap.log icap_squid
$bump
${SQUID_EXTRA:-}
CONF

squid -f "$dir/squid.conf" -k parse >"$dir/parse.log" 2>&1 || {
  echo "squid.sh: the configuration does not parse:" >&2
  grep -iE "error|fatal" "$dir/parse.log" >&2 || tail -5 "$dir/parse.log" >&2
  exit 2
}
squid -f "$dir/squid.conf"
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "http://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
echo "squid.sh: Squid did not start on 127.0.0.1:$port:" >&2
tail -20 "$dir/cache.log" >&2 || true
exit 1
