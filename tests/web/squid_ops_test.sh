#!/usr/bin/env bash
# The web door behind a real Squid, as the District runs it: HTTPS decrypted
# (ssl_bump), a program download, fail open and fail closed, and Steward
# killed under load. Squid (scripts/squid.sh) runs twice, private configs on
# loopback: A decrypts HTTPS with a certificate authority the test makes
# (openssl), bypass=off, icap_service_failure_limit -1; B is plain, with
# bypass=on. The upstream (tests/web/upstream.py) answers with the SHA-256
# of what it got, over HTTP and, with a certificate from the same
# authority for the cloud host, over HTTPS. Through `curl -x` it checks that:
#   - over HTTPS (curl trusting the test authority, Squid the upstream's
#     certificate): a multipart upload carrying a student's SSN to the
#     District's cloud storage is blocked with 403, the page names clause
#     L.3.a and never the value, the upstream receives nothing; the same
#     upload without the SSN passes byte-identical; a download passes; the
#     certificate the client sees is made by Squid; a site whose
#     certificate does not match its name gets Squid's error page and an
#     upload to it reaches nothing;
#   - a program (.exe) download stops at the warn page (the bundled
#     executable-web-confirm rule); its continue link, followed through
#     Squid, lets the download through byte-identical; with
#     executable-reject extended to the web (a reload) it is blocked with
#     the download's 403 page citing C.7;
#   - B (bypass=on) still blocks while Steward is up; with Steward stopped,
#     a clean upload through B reaches the upstream byte-identical, and
#     one through A (bypass=off) gets Squid's error page and reaches
#     nothing;
#   - 20 uploads of 3 MB at once, Steward killed (SIGKILL) while they run:
#     every curl ends before its --max-time with 200 byte-identical or an
#     error page (counted and printed); Steward restarted on the same port
#     serves the next upload byte-identical, and Squid's ICAP log after the
#     restart holds no ICAP_ERR_*.
#
# Needs root, squid (squid-openssl for HTTPS), openssl, curl and python3;
# exits 77 (skipped) without them unless STEWARD_REQUIRE_SQUID=1.
# KEEP_WORK=1 keeps the temporary folder.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STEWARD_BIN:-$src/build/steward}
certgen=/usr/lib/squid/security_file_certgen

require=STEWARD_REQUIRE_SQUID
# shellcheck source=../support/harness.sh
. "$src/tests/support/harness.sh"
[ "$(id -u)" = 0 ] || skip "Squid tests need root"
for p in squid curl python3 sha256sum openssl; do
  command -v "$p" >/dev/null || skip "$p is not installed"
done
[ -x "$certgen" ] || skip "no $certgen (Squid built with OpenSSL: package squid-openssl)"
[ -x "$bin" ] || skip "no steward binary at $bin"

work=$(mktemp -d /tmp/steward-web-ops.XXXXXX)
chmod 755 "$work"
started=$SECONDS


icap_pid=""
up_pid=""
tls_pid=""
load_pids=()
cleanup() {
  for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null; done
  "$src/scripts/squid.sh" stop "$work/squid-a" >/dev/null 2>&1 || true
  "$src/scripts/squid.sh" stop "$work/squid-b" >/dev/null 2>&1 || true
  [ -n "$icap_pid" ] && kill "$icap_pid" 2>/dev/null
  [ -n "$up_pid" ] && kill "$up_pid" 2>/dev/null
  [ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null
  wait 2>/dev/null
  if [ "$failures" -eq 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "(kept $work)"
  fi
}
trap cleanup EXIT

# The test's certificate authority, and the upstream's certificate for the
# District's cloud storage, signed by it.
(
  cd "$work" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
    -subj "/CN=Steward test web proxy CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    cat ca.crt ca.key >ca.pem &&
    openssl req -newkey rsa:2048 -nodes -keyout upstream.key -out upstream.csr \
      -subj "/CN=drive.example-usd.org" &&
    printf '%s\n' "subjectAltName=DNS:drive.example-usd.org" \
      "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >upstream.ext &&
    openssl x509 -req -in upstream.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 2 -extfile upstream.ext -out upstream.crt
) >"$work/openssl.log" 2>&1 || { echo "FAIL: openssl could not make the test CA:"; cat "$work/openssl.log"; exit 1; }

# The upstreams: HTTP and HTTPS.
up_port=$(free_port)
python3 "$src/tests/web/upstream.py" "$up_port" "$work/upstream.log" 2>"$work/upstream.err" &
up_pid=$!
tls_port=$(free_port)
python3 "$src/tests/web/upstream.py" "$tls_port" "$work/upstream.log" \
  --tls "$work/upstream.crt" "$work/upstream.key" 2>"$work/upstream-tls.err" &
tls_pid=$!
touch "$work/upstream.log"

# steward icap on a copy of the bundled pack; start_steward waits until it
# listens (on the same port when restarted).
icap_port=$(free_port)
cp -r "$src/policy" "$work/pack"
start_steward() {
  "$bin" icap --listen "127.0.0.1:$icap_port" --policy "$work/pack" \
    --data "$work/data" --cache "$work/cache" >>"$work/icap.log" 2>&1 &
  icap_pid=$!
  for _ in $(seq 600); do
    listening "$icap_port" && return 0
    kill -0 "$icap_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: steward icap did not start:"; tail -5 "$work/icap.log"
  exit 1
}
start_steward
for p in "$up_port" "$tls_port"; do
  for _ in $(seq 50); do listening "$p" && break; sleep 0.1; done
  listening "$p" || { echo "FAIL: the upstream did not start on $p:"; cat "$work"/upstream*.err; exit 1; }
done

# Squid A decrypts HTTPS, fails closed, and never suspends the service:
# Squid's default (icap_service_failure_limit 10) stops using a service
# after 10 failed transactions until its OPTIONS are fetched again, at
# least 30 s later (icap_service_revival_delay, 180 by default): a Steward
# killed under load and restarted at once would leave every user with the
# error page for minutes. Squid B fails open.
printf '127.0.0.1 drive.example-usd.org files.example.net localhost\n' >"$work/hosts"
start_squid() {  # start_squid NAME (environment: squid.sh's options)
  local out attempt port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if out=$("$src/scripts/squid.sh" start "$work/$1" "$port" "$icap_port" "$work/hosts" 2>"$work/$1.err"); then
      echo "$out"
      return 0
    fi
    echo "squid $1 did not start on $port (attempt $attempt): $(tail -3 "$work/$1.err")" >&2
  done
  return 1
}
proxy_a=$(SQUID_BUMP_CA="$work/ca.pem" SQUID_UPSTREAM_CA="$work/ca.crt" \
  SQUID_EXTRA="icap_service_failure_limit -1" start_squid squid-a) ||
  { echo "FAIL: Squid A (ssl_bump) did not start"; cat "$work/squid-a.err"; exit 1; }
proxy_b=$(SQUID_BYPASS=on start_squid squid-b) ||
  { echo "FAIL: Squid B (bypass=on) did not start"; cat "$work/squid-b.err"; exit 1; }

cloud="http://drive.example-usd.org:$up_port"
cloud_tls="https://drive.example-usd.org:$tls_port"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# curl through a proxy: prints the HTTP status; the body goes to $work/out.
via() { local p=$1; shift; curl -sS -x "$p" --cacert "$work/ca.crt" -o "$work/out" -w '%{http_code}' --max-time 60 "$@"; }
got_sha() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$work/out" 2>/dev/null; }
received() { grep -c " $1 " "$work/upstream.log" || true; }
no_value() { ! sed -E 's/W-[0-9a-f]{12}//g' "$1" | grep -q "7832"; }

make_multipart() {  # make_multipart OUT WITH_SSN (as squid_test.sh)
  python3 - "$1" "$2" <<'PY'
import sys
out, with_ssn = sys.argv[1], sys.argv[2] == "1"
line = b"Week 4 reading notes: chapters five and six, discussion questions.\n"
text = line * (100000 // len(line))
if with_ssn:
    text += (b"Maria's Social Security number is 512-44-7832 and her date of "
             b"birth is 04/12/2011.\n")
b = b"----stewardtestboundary"
body = (b + b"\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
        b"notes\r\n" + b + b"\r\nContent-Disposition: form-data; name=\"file\"; "
        b"filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n" + text +
        b"\r\n" + b + b"--\r\n")
open(out, "wb").write(body)
PY
}
make_multipart "$work/ssn.multipart" 1
make_multipart "$work/clean.multipart" 0
mp='Content-Type: multipart/form-data; boundary=--stewardtestboundary'

# 1. HTTPS through ssl_bump.
code=$(via "$proxy_a" -H "$mp" --data-binary @"$work/ssn.multipart" "$cloud_tls/tls-blocked" 2>"$work/curl.err")
check '[ "$code" = 403 ]' "HTTPS SSN multipart to cloud: status $code, not 403 ($(head -c 300 "$work/curl.err"))"
check 'grep -q "L.3.a" "$work/out" && grep -qE "W-[0-9a-f]{12}" "$work/out"' \
  "HTTPS: the block page does not name clause L.3.a or carry a reference"
check 'no_value "$work/out"' "HTTPS: the block page shows the value"
check '[ "$(received /tls-blocked)" = 0 ]' "HTTPS: the upstream received the blocked upload"
check 'grep -q "\"host\":\"drive.example-usd.org\"" "$work/icap.log"' \
  "HTTPS: steward's log names no drive.example-usd.org (the decrypted host)"
code=$(via "$proxy_a" -H "$mp" --data-binary @"$work/clean.multipart" "$cloud_tls/tls-clean" 2>"$work/curl.err")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/clean.multipart")" ]' \
  "HTTPS clean multipart: status $code, upstream sha $(got_sha) ($(head -c 300 "$work/curl.err"))"
check '[ "$(received /tls-clean)" = 1 ]' "HTTPS: the upstream did not log the clean upload once"
code=$(via "$proxy_a" "$cloud_tls/download/100000" 2>"$work/curl.err")
check '[ "$code" = 200 ] && [ "$(wc -c <"$work/out")" = 100000 ]' \
  "HTTPS download: status $code, $(wc -c <"$work/out") bytes ($(head -c 300 "$work/curl.err"))"
# The certificate the client sees is Squid's, made for the host and signed
# by the test authority, not the upstream's: the connection was decrypted,
# not tunnelled.
fingerprint() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
# shellcheck disable=SC2034  # read by the check below
seen=$(openssl s_client -proxy "${proxy_a#http://}" -connect "drive.example-usd.org:$tls_port" \
  -servername drive.example-usd.org -CAfile "$work/ca.crt" -verify_return_error \
  </dev/null 2>"$work/s_client.err" | fingerprint 2>/dev/null)
check '[ -n "$seen" ] && [ "$seen" != "$(fingerprint <"$work/upstream.crt")" ]' \
  "HTTPS: the client did not see a certificate made by Squid and signed by the test authority ($(tail -3 "$work/s_client.err"))"

# A site whose certificate does not verify (the upstream's is for
# drive.example-usd.org, not files.example.net): Squid's error page, never
# a pass. A GET shows the page; an upload never reaches the site, but Squid
# may answer before it has read the body and close the connection, which
# curl reports as a failed send (status 000), so there any refusal counts.
code=$(via "$proxy_a" "https://files.example.net:$tls_port/tls-bad-cert-get" 2>"$work/curl.err")
check '[ "$code" -ge 500 ] && [ "$(received /tls-bad-cert-get)" = 0 ]' \
  "HTTPS GET from a site whose certificate does not match: status $code, upstream got $(received /tls-bad-cert-get) ($(head -c 300 "$work/curl.err"))"
code=$(via "$proxy_a" -H "$mp" --data-binary @"$work/clean.multipart" \
  "https://files.example.net:$tls_port/tls-bad-cert" 2>"$work/curl.err")
check '{ [ "$code" = 000 ] || [ "$code" -ge 500 ]; } && [ "$(received /tls-bad-cert)" = 0 ]' \
  "HTTPS upload to a site whose certificate does not match: status $code, upstream got $(received /tls-bad-cert) ($(head -c 300 "$work/curl.err"))"

# 2. A program download (RESPMOD). The bundled pack's executable-web-confirm
# (warn, confirm = true) stops it at a warn page with a signed "continue"
# link; following the link through the same proxy grants this client the
# host for [web] continue_minutes (audited), and the download then passes
# byte-identical.
curl -sS -o "$work/program.direct" "http://127.0.0.1:$up_port/program.exe"
code=$(via "$proxy_a" "$cloud/program.exe" 2>"$work/curl.err")
check '[ "$code" = 403 ] && grep -q "Check this download" "$work/out" && grep -q "C.13" "$work/out"' \
  "program download (bundled pack): status $code, not the warn page: $(head -c 300 "$work/out")"
link=$(grep -oE 'href="[^"]*steward-continue\?t=[A-Za-z0-9_.-]+"' "$work/out" | head -1 | sed -E 's/^href="//; s/"$//')
check '[ -n "$link" ] && [ "${link#"$cloud"/}" != "$link" ]' \
  "the warn page has no continue link to the download's own origin ($link)"
code=$(via "$proxy_a" "$link" 2>"$work/curl.err")
check '[ "$code" = 200 ] && grep -q "You chose to continue" "$work/out"' \
  "following the continue link: status $code, page $(head -c 300 "$work/out")"
code=$(via "$proxy_a" "$cloud/program.exe" 2>"$work/curl.err")
check '[ "$code" = 200 ] && cmp -s "$work/out" "$work/program.direct"' \
  "program download after continue: status $code, or bytes differ"
continues() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM audit_log WHERE action = ?", ("web.warn-continue",)).fetchone()[0])' "$work/data/steward.db"; }
check '[ "$(continues)" = 1 ] && "$bin" audit verify --data "$work/data" >/dev/null' \
  "the continue is not one entry of an intact audit chain ($(continues) entries)"
# A district that refuses programs on the web outright: the download's 403
# block page, whatever the user chose before.
sed -i '/^id = "executable-reject"/{n;s/^channels = .*/channels = ["mail", "web"]/}' "$work/pack/rules.toml"
grep -A1 '^id = "executable-reject"' "$work/pack/rules.toml" | grep -q '"web"' ||
  fail "could not extend executable-reject to the web in the test's pack"
kill -HUP "$icap_pid"
for _ in $(seq 100); do grep -q '"event":"reload"' "$work/icap.log" && break; sleep 0.1; done
code=$(via "$proxy_a" "$cloud/program.exe" 2>"$work/curl.err")
check '[ "$code" = 403 ] && grep -q "download was stopped" "$work/out" && grep -q "C.7" "$work/out"' \
  "program download (executable-reject on the web): status $code, page $(head -c 300 "$work/out")"
code=$(via "$proxy_a" "$cloud/download/200000" 2>"$work/curl.err")
check '[ "$code" = 200 ] && [ "$(wc -c <"$work/out")" = 200000 ]' \
  "clean download after the reload: status $code"

# 3. Fail open (B) and fail closed (A).
code=$(via "$proxy_b" -H "$mp" --data-binary @"$work/ssn.multipart" "$cloud/b-blocked" 2>"$work/curl.err")
check '[ "$code" = 403 ] && [ "$(received /b-blocked)" = 0 ]' \
  "bypass=on with Steward up: SSN upload status $code, not 403"
kill "$icap_pid"
wait "$icap_pid" 2>/dev/null
icap_pid=""
code=$(via "$proxy_b" -H "$mp" --data-binary @"$work/clean.multipart" "$cloud/b-down" 2>"$work/curl.err")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/clean.multipart")" ]' \
  "bypass=on with Steward stopped: status $code, upstream sha $(got_sha) ($(head -c 300 "$work/curl.err"))"
code=$(via "$proxy_a" -H "$mp" --data-binary @"$work/clean.multipart" "$cloud/a-down" 2>"$work/curl.err")
check '[ "$code" -ge 500 ] && [ "$(received /a-down)" = 0 ]' \
  "bypass=off with Steward stopped: status $code, upstream got $(received /a-down)"

# 4. Killed under load: 20 uploads of 3 MB at once through A, SIGKILL
# when a few have reached the upstream, restart on the same port. Half of
# the clients send at 500 KB/s, so that some are surely in flight at the
# kill however fast the machine.
start_steward
python3 -c '
import sys
line = b"Minutes of the library committee: new shelving, the reading list.\n"
n = 3 * 1000 * 1000
sys.stdout.buffer.write((line * (n // len(line) + 1))[:n])' >"$work/load"
load_sha=$(sha "$work/load")
max_time=90  # above Steward's --read-timeout (30 s) and Squid's reaction
for i in $(seq 20); do
  rate=()
  [ "$i" -gt 10 ] && rate=(--limit-rate 500K)
  curl -sS -x "$proxy_a" -o "$work/load.$i.out" -w '%{http_code} %{time_total}' \
    --max-time "$max_time" "${rate[@]}" \
    -H 'Content-Type: text/plain' --data-binary @"$work/load" "$cloud/load-$i" \
    >"$work/load.$i.code" 2>"$work/load.$i.err" &
  load_pids+=($!)
done
for _ in $(seq 600); do
  [ "$(grep -c ' /load-' "$work/upstream.log")" -ge 3 ] && break
  sleep 0.05
done
kill -KILL "$icap_pid"
wait "$icap_pid" 2>/dev/null
icap_pid=""
killed_after=$(grep -c ' /load-' "$work/upstream.log")
passed=0 errors=0 bad=0 longest=0
for i in $(seq 20); do
  wait "${load_pids[$((i - 1))]}"
  rc=$?
  read -r code secs <"$work/load.$i.code"
  longest=$(python3 -c "print(max($longest, ${secs:-0}))")
  got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$work/load.$i.out" 2>/dev/null)
  if [ "$rc" = 0 ] && [ "$code" = 200 ] && [ "$got" = "$load_sha" ]; then
    passed=$((passed + 1))
  elif [ "$rc" = 0 ] && [ "$code" -ge 500 ]; then
    errors=$((errors + 1))
  else
    bad=$((bad + 1))
    echo "load upload $i: curl exit $rc, status $code, $(head -c 200 "$work/load.$i.err")"
  fi
done
load_pids=()
# An upload can reach the upstream and still end with the error page: its
# response is adapted too (RESPMOD), and with bypass=off a response Steward
# cannot answer is not given to the user.
echo "killed under load: $killed_after of 20 had reached the upstream at the kill," \
  "$(grep -c ' /load-' "$work/upstream.log") in all; $passed passed byte-identical," \
  "$errors got an error page, $bad neither; the longest took $longest s" \
  "(--max-time $max_time)"
check '[ "$bad" = 0 ] && [ $((passed + errors)) = 20 ]' \
  "killed under load: $bad of 20 uploads ended neither with 200 byte-identical nor an error page"
check '[ "$errors" -ge 1 ]' "killed under load: no upload was in flight at the kill"
sleep 1
icap_lines=$(wc -l <"$work/squid-a/icap.log")
start_steward
code=$(via "$proxy_a" -H 'Content-Type: text/plain' --data-binary @"$work/load" "$cloud/after-restart" 2>"$work/curl.err")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$load_sha" ]' \
  "after the restart: status $code, upstream sha $(got_sha) ($(head -c 300 "$work/curl.err"))"
code=$(via "$proxy_a" -H "$mp" --data-binary @"$work/ssn.multipart" "$cloud_tls/after-restart-blocked" 2>"$work/curl.err")
check '[ "$code" = 403 ]' "after the restart: HTTPS SSN upload status $code, not 403"
sleep 1
tail -n +"$((icap_lines + 1))" "$work/squid-a/icap.log" >"$work/icap-after-restart.log"
check '[ -s "$work/icap-after-restart.log" ] && ! grep -q "ICAP_ERR_" "$work/icap-after-restart.log"' \
  "Squid's ICAP log after the restart: $(grep ICAP_ERR_ "$work/icap-after-restart.log" | head -3)"

check 'kill -0 "$icap_pid" 2>/dev/null' "steward icap died"
echo "web door operations through Squid: $((checks - failures)) passed, $failures failed ($((SECONDS - started)) s)"
[ "$failures" -eq 0 ]
