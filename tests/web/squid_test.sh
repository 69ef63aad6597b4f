#!/usr/bin/env bash
# The web door behind a real Squid (scripts/squid.sh: private config,
# loopback, bypass=off) with a small upstream on loopback
# (tests/web/upstream.py, which answers with the SHA-256 of what it got).
# Through `curl -x` it checks that:
#   - a 26-byte form post passes byte-identical;
#   - a 100 KB multipart upload carrying a student's SSN to a host the pack
#     calls cloud is blocked with 403, the page names the clause and the
#     reference, never the value, and the upstream received nothing;
#   - an SSN at the start of a 5 MB upload is blocked on the preview;
#   - the same upload without the SSN passes byte-identical;
#   - a chunked upload passes byte-identical;
#   - a JSON body with the student's SSN past the preview is blocked, the
#     same body without it passes byte-identical;
#   - a resumable upload (Google's X-Goog-Upload protocol: a start, then 3
#     chunks with X-Goog-Upload-Offset) with the SSN in the middle chunk:
#     chunks 1 and 3 pass byte-identical, chunk 2 is blocked with 403 and
#     never reaches the upstream;
#   - a 50 MB clean upload is inspected to its end (in windows past
#     max_inspect_bytes) and passes byte-identical, with Steward's memory
#     bounded (max_inspect_bytes, a window and buffers, not the upload);
#     the same with a student's record 30 MB in is blocked and the upstream
#     receives nothing;
#   - a clean download passes byte-identical;
#   - Squid's ICAP log shows no ICAP_ERR_*;
#   - with Steward stopped (bypass=off) an upload gets Squid's error page
#     and the upstream receives nothing;
# with c-icap-client (Debian c-icap) as an independent client, OPTIONS and
# a REQMOD; and that SIGHUP with a changed pack changes the ISTag while the
# door goes on serving.
#
# Needs root, squid, curl and python3; exits 77 (skipped) without them
# unless STEWARD_REQUIRE_SQUID=1. c-icap-client is optional unless
# STEWARD_REQUIRE_SQUID=1.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STEWARD_BIN:-$src/build/steward}

require=STEWARD_REQUIRE_SQUID
# shellcheck source=../support/harness.sh
. "$src/tests/support/harness.sh"
[ "$(id -u)" = 0 ] || skip "Squid tests need root"
for p in squid curl python3 sha256sum; do
  command -v "$p" >/dev/null || skip "$p is not installed"
done
[ -x "$bin" ] || skip "no steward binary at $bin"

work=$(mktemp -d /tmp/steward-web.XXXXXX)
chmod 755 "$work"


icap_pid=""
up_pid=""
cleanup() {
  "$src/scripts/squid.sh" stop "$work/squid" >/dev/null 2>&1 || true
  [ -n "$icap_pid" ] && kill "$icap_pid" 2>/dev/null
  [ -n "$up_pid" ] && kill "$up_pid" 2>/dev/null
  wait 2>/dev/null
  if [ "$failures" -eq 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "(kept $work)"
  fi
}
trap cleanup EXIT

# The upstream.
up_port=$(free_port)
python3 "$src/tests/web/upstream.py" "$up_port" "$work/upstream.log" 2>"$work/upstream.err" &
up_pid=$!
touch "$work/upstream.log"

# steward icap, on the bundled pack.
icap_port=$(free_port)
cp -r "$src/policy" "$work/pack"
metrics_port=$(free_port)
"$bin" icap --listen "127.0.0.1:$icap_port" --policy "$work/pack" \
  --data "$work/data" --metrics "127.0.0.1:$metrics_port" \
  --cache "$work/cache" >"$work/icap.log" 2>&1 &
icap_pid=$!
for _ in $(seq 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$icap_port") 2>/dev/null && break
  kill -0 "$icap_pid" 2>/dev/null || break
  sleep 0.1
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$icap_port") 2>/dev/null; then
  echo "FAIL: steward icap did not start:"; tail -5 "$work/icap.log"
  exit 1
fi
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$up_port") 2>/dev/null && break
  sleep 0.1
done

# Squid, with the test's names on loopback: drive.example-usd.org is the
# District's cloud storage (a cloud host in the pack), files.example.net an
# ordinary outside host.
printf '127.0.0.1 drive.example-usd.org files.example.net localhost\n' >"$work/hosts"
proxy=""
for attempt in 1 2 3 4 5; do
  sq_port=$(free_port)
  if proxy=$("$src/scripts/squid.sh" start "$work/squid" "$sq_port" "$icap_port" "$work/hosts" 2>"$work/squid.err"); then
    break
  fi
  echo "squid did not start on $sq_port (attempt $attempt): $(tail -3 "$work/squid.err")"
  proxy=""
done
[ -n "$proxy" ] || { echo "FAIL: Squid did not start"; cat "$work/squid.err"; exit 1; }

cloud="http://drive.example-usd.org:$up_port"
outside="http://files.example.net:$up_port"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# curl through Squid: prints the HTTP status; the body goes to $work/out.
through() { curl -sS -x "$proxy" -o "$work/out" -w '%{http_code}' --max-time 120 "$@"; }
got_sha() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$work/out" 2>/dev/null; }
received() { grep -c " $1 " "$work/upstream.log" || true; }

# 1. A 26-byte form post.
printf 'name=Ann&note=hello+world!' >"$work/form"
code=$(through -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary @"$work/form" "$cloud/form")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/form")" ]' \
  "26-byte form post: status $code, upstream sha $(got_sha)"

# 2. 100 KB multipart with a student's SSN, to the District's cloud storage.
make_multipart() {  # make_multipart OUT WITH_SSN
  python3 - "$1" "$2" <<'PY'
import sys
out, with_ssn = sys.argv[1], sys.argv[2] == "1"
line = b"Week 4 reading notes: chapters five and six, discussion questions.\n"
text = line * (100000 // len(line))
if with_ssn:
    text += (b"Maria's Social Security number is 512-44-7832 and her date of "
             b"birth is 04/12/2011.\n")
b = b"----stewardtestboundary"  # the delimiter: "--" and the boundary
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
code=$(through -H "$mp" --data-binary @"$work/ssn.multipart" "$cloud/blocked-upload")
check '[ "$code" = 403 ]' "SSN multipart to cloud: status $code, not 403"
check 'grep -q "L.3.a" "$work/out"' "the block page does not name clause L.3.a"
check 'grep -q "cloud-upload-confidential" "$work/out"' "the block page does not name the rule"
check 'grep -qE "W-[0-9a-f]{12}" "$work/out"' "the block page carries no reference"
# (The reference's random hex digits are left out of the search.)
no_value() { ! sed -E 's/W-[0-9a-f]{12}//g' "$1" | grep -q "7832"; }
check 'no_value "$work/out"' "the block page shows the value"
check '[ "$(received /blocked-upload)" = 0 ]' "the upstream received the blocked upload"
check '! grep -q "512-44-7832" "$work/icap.log"' "the log holds the value"
# The reference on the page leads to a "web-block" incident in the store
# (and the audit chain), which holds no value.
ref=$(grep -oE "W-[0-9a-f]{12}" "$work/out" | head -1)
incident() {
  python3 - "$work/data/steward.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT kind, detail FROM incidents WHERE detail LIKE ?",
                  ("%" + sys.argv[2] + "%",)).fetchall()
audit = db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'incident.open' "
                   "AND detail LIKE ?", ("%" + sys.argv[2] + "%",)).fetchone()[0]
ok = (len(rows) == 1 and rows[0][0] == "web-block" and audit == 1
      and "7832" not in rows[0][1] and "drive.example-usd.org" in rows[0][1])
sys.exit(0 if ok else 1)
PY
}
check 'incident "$ref"' "the block's reference $ref is not one web-block incident in the store"
check '"$bin" audit verify --data "$work/data" >/dev/null' "the audit chain is broken"

# A script's upload gets JSON.
code=$(through -H "$mp" -H 'Accept: application/json' \
  --data-binary @"$work/ssn.multipart" "$cloud/blocked-json")
check '[ "$code" = 403 ] && grep -q "\"blocked\":true" "$work/out"' \
  "JSON block: status $code, body $(head -c 200 "$work/out")"

# An SSN at the start of a 5 MB upload: blocked on the preview, before
# the rest is sent.
{ printf "Maria's Social Security number is 512-44-7832, born 04/12/2011.\n"
  head -c 5000000 /dev/zero | tr '\0' 'a'; } >"$work/early"
code=$(through -H 'Content-Type: text/plain' --data-binary @"$work/early" "$cloud/blocked-early")
check '[ "$code" = 403 ] && grep -q "L.3.a" "$work/out"' "SSN at the start of 5 MB: status $code"
check '[ "$(received /blocked-early)" = 0 ]' "the upstream received the early-blocked upload"
check 'grep -q "\"preview\":true" "$work/icap.log"' "the early block was not decided on the preview"

# 3. The same 100 KB upload, clean.
code=$(through -H "$mp" --data-binary @"$work/clean.multipart" "$cloud/clean-upload")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/clean.multipart")" ]' \
  "clean 100 KB multipart: status $code, upstream sha $(got_sha)"

# 4. A chunked upload (Squid sends it without Content-Length).
cat "$work/clean.multipart" "$work/clean.multipart" "$work/clean.multipart" >"$work/chunked"
code=$(through -H 'Transfer-Encoding: chunked' -H 'Content-Type: text/plain' \
  --data-binary @"$work/chunked" "$cloud/chunked")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/chunked")" ]' \
  "chunked upload: status $code, upstream sha $(got_sha)"

# 4b. A JSON body (what page scripts send), 20 KB, the student's SSN at its
# end (past the preview): blocked; the same without it passes.
make_json() {  # make_json OUT WITH_SSN
  python3 - "$1" "$2" <<'PY'
import json, sys
out, with_ssn = sys.argv[1], sys.argv[2] == "1"
notes = ["Week %d reading notes: chapters five and six, discussion questions." % i
         for i in range(300)]
doc = {"title": "Reading notes", "class": "English 7", "notes": notes}
if with_ssn:
    doc["student"] = {"name": "Maria", "note": "Maria's Social Security number "
                      "is 512-44-7832 and her date of birth is 04/12/2011."}
open(out, "w").write(json.dumps(doc))
PY
}
make_json "$work/ssn.json" 1
make_json "$work/clean.json" 0
code=$(through -H 'Content-Type: application/json' --data-binary @"$work/ssn.json" "$cloud/json-blocked")
check '[ "$code" = 403 ] && grep -q "L.3.a" "$work/out" && no_value "$work/out"' \
  "SSN in a JSON body to cloud: status $code, or the page lacks L.3.a or shows the value"
check '[ "$(received /json-blocked)" = 0 ]' "the upstream received the blocked JSON body"
code=$(through -H 'Content-Type: application/json' --data-binary @"$work/clean.json" "$cloud/json-clean")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/clean.json")" ]' \
  "clean JSON body: status $code, upstream sha $(got_sha)"

# 4c. A resumable upload, Google style, in 3 chunks of 256 KiB, 256 KiB and
# the rest; the student's SSN is in the middle chunk only. The door judges
# each request alone: chunks 1 and 3 pass byte-identical, chunk 2 is
# blocked and never reaches the upstream (which sees a gap before chunk 3).
python3 - "$work/chunk" <<'PY'
import sys
line = b"Week 4 reading notes: chapters five and six, discussion questions.\n"
k = 256 * 1024
def text(n):
    return (line * (n // len(line) + 1))[:n]
ssn = (b"Maria's Social Security number is 512-44-7832 and her date of "
       b"birth is 04/12/2011.\n")
middle = text(k // 2) + ssn
middle += text(k - len(middle))
for i, c in enumerate([text(k), middle, text(100000)], 1):
    open(sys.argv[1] + str(i), "wb").write(c)
PY
total=$(cat "$work/chunk1" "$work/chunk2" "$work/chunk3" | wc -c)
curl -sS -x "$proxy" -o "$work/out" -D "$work/start.head" --max-time 60 \
  -H 'X-Goog-Upload-Protocol: resumable' -H 'X-Goog-Upload-Command: start' \
  -H "X-Goog-Upload-Header-Content-Length: $total" \
  -H 'X-Goog-Upload-Header-Content-Type: text/plain' \
  -H 'Content-Type: application/json' --data-binary '{"name":"notes.txt"}' \
  "$cloud/upload/drive/v3/files?uploadType=resumable" 2>"$work/curl.err"
session=$(tr -d '\r' <"$work/start.head" | sed -n 's/^[Xx]-[Gg]oog-[Uu]pload-[Uu][Rr][Ll]: //p')
check '[ -n "$session" ]' "the resumable upload did not start: $(head -3 "$work/start.head") $(cat "$work/curl.err")"
offset=0
for i in 1 2 3; do
  command='upload'
  [ "$i" = 3 ] && command='upload, finalize'
  codes[i]=$(through -H "X-Goog-Upload-Command: $command" -H "X-Goog-Upload-Offset: $offset" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$work/chunk$i" "$session")
  shas[i]=$(got_sha)
  cp "$work/out" "$work/chunk$i.out"
  offset=$((offset + $(wc -c <"$work/chunk$i")))
done
check '[ "${codes[1]}" = 200 ] && [ "${shas[1]}" = "$(sha "$work/chunk1")" ]' \
  "resumable chunk 1 (clean): status ${codes[1]}, upstream sha ${shas[1]}"
check '[ "${codes[2]}" = 403 ] && grep -q "L.3.a" "$work/chunk2.out" && no_value "$work/chunk2.out"' \
  "resumable chunk 2 (the SSN): status ${codes[2]}, or the page lacks L.3.a or shows the value"
check '! grep -q " offset=262144$" "$work/upstream.log"' "the upstream received the blocked chunk 2"
check '[ "${codes[3]}" = 200 ] && [ "${shas[3]}" = "$(sha "$work/chunk3")" ]' \
  "resumable chunk 3 (clean): status ${codes[3]}, upstream sha ${shas[3]}"
check 'grep -q " gap offset=524288$" "$work/upstream.log"' \
  "the upstream did not see chunk 3 after a gap: $(grep resumable "$work/upstream.log")"

# 5. A 50 MB clean upload, past max_inspect_bytes: read on in windows while
# it waits on disk, then passed byte-identical; and the same upload with a
# student's record 30 MB in, to the cloud: blocked, nothing sent on.
python3 -c '
import sys
line = b"Field trip permission slips are due on Monday; bring a lunch.\n"
n = 50 * 1000 * 1000
body = (line * (n // len(line) + 1))[:n]
open(sys.argv[1], "wb").write(body)
ssn = (b"Maria Lopez, SSN 512-44-7832, date of birth 04/12/2011; her IEP "
       b"meeting is on Thursday.\n")
at = 30 * 1000 * 1000
open(sys.argv[2], "wb").write(body[:at] + ssn + body[at + len(ssn):])' "$work/big" "$work/big.ssn"
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$icap_pid/status")
start=$(date +%s.%N)
code=$(through -H 'Content-Type: text/plain' --data-binary @"$work/big" "$outside/big")
end=$(date +%s.%N)
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/big")" ]' \
  "50 MB upload: status $code, upstream sha $(got_sha)"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$icap_pid/status")
echo "50 MB upload through Squid + steward icap: $(python3 -c "print(round($end - $start, 2))") s;" \
  "steward RSS before ${rss_before} KiB, peak ${hwm} KiB"
# Bounded: what is read whole (8 MiB) and its engine work, then 4 MiB
# windows; never the upload.
check '[ "$hwm" -lt $((rss_before + 96 * 1024)) ]' \
  "steward's peak memory grew from ${rss_before} KiB to ${hwm} KiB"
check 'grep "\"host\":\"files.example.net\"" "$work/icap.log" | grep -q "\"inspected\":50000000"' \
  "the 50 MB upload was not inspected to its end"
code=$(through -H 'Content-Type: text/plain' --data-binary @"$work/big.ssn" "$cloud/big-blocked")
check '[ "$code" = 403 ] && grep -q "L.3.a" "$work/out" && no_value "$work/out"' \
  "a record 30 MB into a 50 MB upload to cloud: status $code"
check '[ "$(received /big-blocked)" = 0 ]' "the upstream received the 50 MB upload blocked at 30 MB"

# 6. A clean download (RESPMOD).
code=$(curl -sS -x "$proxy" -o "$work/download" -w '%{http_code}' "$cloud/download/200000")
curl -sS -o "$work/direct" "http://127.0.0.1:$up_port/download/200000"
check '[ "$code" = 200 ] && cmp -s "$work/download" "$work/direct"' \
  "clean download: status $code, bytes differ"

# 7. Squid's ICAP log: every transaction ended well.
sleep 1
check '[ -s "$work/squid/icap.log" ]' "Squid wrote no ICAP log"
check '! grep -q "ICAP_ERR_" "$work/squid/icap.log"' \
  "ICAP errors in Squid's log: $(grep ICAP_ERR_ "$work/squid/icap.log" | head -3)"
check 'grep -q "ICAP_ECHO\|ICAP_MOD\|ICAP_SAT" "$work/squid/icap.log"' \
  "Squid's ICAP log shows no adapted transaction"

# 8. c-icap-client as an independent client.
if command -v c-icap-client >/dev/null; then
  out=$(c-icap-client -i 127.0.0.1 -p "$icap_port" -s reqmod -v 2>&1)
  check 'echo "$out" | grep -q "Methods: REQMOD" && echo "$out" | grep -q "Transfer-Preview: \*"' \
    "c-icap-client OPTIONS: $(echo "$out" | head -5)"
  printf 'SSN 512-44-7832 for Maria, date of birth 04/12/2011.\n' >"$work/ssn.txt"
  c-icap-client -i 127.0.0.1 -p "$icap_port" -s reqmod -method POST \
    -req "http://drive.example-usd.org/upload" -f "$work/ssn.txt" \
    -o "$work/cicap.out" -v >"$work/cicap.log" 2>&1
  check 'grep -q "403 Forbidden" "$work/cicap.log" && grep -q "X-Steward-Reference" "$work/cicap.log"' \
    "c-icap-client REQMOD with an SSN was not blocked: $(head -20 "$work/cicap.log")"
  check 'grep -q "L.3.a" "$work/cicap.out" && no_value "$work/cicap.out"' \
    "c-icap-client REQMOD: the page does not cite L.3.a, or shows the value"
  printf 'Homework for Friday: read chapter five.\n' >"$work/clean.txt"
  c-icap-client -i 127.0.0.1 -p "$icap_port" -s reqmod -method POST \
    -req "http://drive.example-usd.org/upload" -f "$work/clean.txt" -v \
    >"$work/cicap2.log" 2>&1
  check 'grep -q "ICAP/1.0 20[04]" "$work/cicap2.log" && ! grep -q "403 Forbidden" "$work/cicap2.log"' \
    "c-icap-client clean REQMOD: $(head -5 "$work/cicap2.log")"
elif [ "${STEWARD_REQUIRE_SQUID:-0}" = 1 ]; then
  fail "c-icap-client is not installed (package c-icap)"
else
  echo "c-icap-client is not installed: skipped its checks"
fi

# 9. SIGHUP: a changed pack gives a new ISTag, and the door goes on serving.
istag() {
  python3 - "$icap_port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data:
    d = s.recv(4096)
    if not d:
        break
    data += d
for line in data.decode().split("\r\n"):
    if line.lower().startswith("istag:"):
        print(line.split(":", 1)[1].strip())
PY
}
tag1=$(istag)
sed -i 's/^version = .*/version = "2026-12-03"/' "$work/pack/pack.toml"
kill -HUP "$icap_pid"
for _ in $(seq 100); do grep -q '"event":"reload"' "$work/icap.log" && break; sleep 0.1; done
tag2=$(istag)
check '[ -n "$tag1" ] && [ -n "$tag2" ] && [ "$tag1" != "$tag2" ] && [ "${#tag2}" -le 34 ]' \
  "SIGHUP: ISTag $tag1 then $tag2"
code=$(through -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary @"$work/form" "$cloud/after-reload")
check '[ "$code" = 200 ] && [ "$(got_sha)" = "$(sha "$work/form")" ]' \
  "a form post after the reload: status $code"
sleep 1
check '! grep -q "ICAP_ERR_" "$work/squid/icap.log"' \
  "ICAP errors in Squid's log after the reload: $(grep ICAP_ERR_ "$work/squid/icap.log" | head -3)"

# /metrics counts what was done.
curl -sS "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" 2>&1
check 'grep -qE "^steward_icap_requests_total\{outcome=\"block\"\} [1-9]" "$work/metrics"' \
  "/metrics counts no block: $(grep requests_total "$work/metrics" | head -5)"
check 'grep -qE "^steward_icap_reloads_total\{result=\"ok\"\} 1" "$work/metrics"' \
  "/metrics counts no reload"

check 'kill -0 "$icap_pid" 2>/dev/null' "steward icap died"

# 10. The service down with bypass=off (fail closed): the user gets Squid's
# error and nothing reaches the upstream.
kill "$icap_pid"
wait "$icap_pid" 2>/dev/null
icap_pid=""
code=$(through -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary @"$work/form" "$cloud/service-down")
check '[ "$code" -ge 500 ] && [ "$(received /service-down)" = 0 ]' \
  "with the service down (bypass=off): status $code, upstream got $(received /service-down)"
echo "web door through Squid: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
