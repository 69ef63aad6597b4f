#!/usr/bin/env bash
# The web door's cost: uploads through a private Squid (scripts/squid.sh:
# loopback, bypass=off) in front of nginx on loopback, in one run, on the
# same bodies:
#   - Squid alone (no ICAP service);
#   - Squid with c-icap's echo service (srv_echo, Debian's c-icap settings);
#   - Squid with `steward icap` (the bundled pack, a 5,000-person roster,
#     --dry-run), then the same with a store (--data).
# For each: ab's requests per second and p99 for 1 KB POSTs, 16 at once,
# with keep-alive (ordinary prose) and with a connection each (a student's
# SSN to the District's cloud storage: Steward blocks it, with a store it
# records an incident each); each the better of two runs. A 50 MB upload
# with curl, the better of two. 64 uploads of 5 MB at once, and the ICAP
# server's peak resident memory meanwhile (Steward's from its /metrics);
# for Steward at the default --max-connections and again at 256, since
# Squid counts that limit per service and its two services share Steward's.
# nginx alone under the same ab run shows that it is not the bottleneck.
# Squid drops to `proxy`, c-icap to `c-icap`, nginx's worker to `nobody`.
#
#   bench/web.sh BUILD [REQUESTS]     (root; make bench-web)
#
# REQUESTS is the number of 1 KB POSTs in a run (default 20000). Prints a
# table and writes it to bench/out/web.md.
set -euo pipefail
build=${1:-build}
requests=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
out=$root/bench/out
mkdir -p "$out"
[ "$(id -u)" = 0 ] || { echo "bench/web.sh: must run as root (Squid, c-icap)" >&2; exit 2; }
for p in squid c-icap nginx ab curl python3; do
  command -v "$p" >/dev/null || { echo "bench/web.sh: $p is not installed (scripts/deps.sh bench)" >&2; exit 2; }
done
echo_so=$(dpkg -L c-icap 2>/dev/null | grep '/srv_echo\.so$' | head -1)
[ -n "$echo_so" ] || { echo "bench/web.sh: c-icap's srv_echo.so not found" >&2; exit 2; }

work=$(mktemp -d /tmp/steward-webbench.XXXXXX)
chmod 755 "$work"
cd "$work"
# The binary is copied: a rebuild during the run does not change what runs.
cp "$build/steward" "$work/steward"
bin=$work/steward
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nginx_pid=""; icap_pid=""; sampler_pid=""
stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }
cleanup() {
  "$root/scripts/squid.sh" stop "$work/squid" >/dev/null 2>&1 || true
  stop_pid "$sampler_pid"
  stop_pid "$icap_pid"
  stop_pid "$nginx_pid"
  cd /
  rm -rf "$work"
}
trap cleanup EXIT

# Bodies: ordinary staff prose (every door lets it through) of 1 KB, 5 MB
# and 50 MB; and 1 KB that names a student's SSN and date of birth, which
# the pack blocks on the way to the District's cloud storage.
python3 "$root/bench/prose.py" web "$work"

echo "generating a roster of 4,800 students and 200 employees..." >&2
"$build/steward-corpus" --roster "$work/roster" --students 4800 --employees 200 --seed 11 >/dev/null

wait_port() {  # wait_port PORT PID: until PORT accepts, while PID lives
  for _ in $(seq 1200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# The upstream: nginx answers 200 to any POST once it has read the whole
# body (mirror_request_body reads it in the phase before the answer; a bare
# `return 200` answers at once, and Squid then cuts the upload short),
# bodies kept in memory.
up_port=$(free_port)
mkdir -p "$work/nginx/html"
printf 'ok\n' >"$work/nginx/html/ok"
cat >"$work/nginx/nginx.conf" <<CF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_max_body_size 0;
  client_body_buffer_size 64m;
  client_body_temp_path $work/nginx/body;
  root $work/nginx/html;
  server {
    listen 127.0.0.1:$up_port;
    location / {
      mirror /discard;
      mirror_request_body on;
      try_files /ok =404;
      error_page 405 =200 /ok;
    }
    location = /ok { }
    location = /discard { internal; return 204; }
  }
}
CF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
wait_port "$up_port" "$nginx_pid" || { echo "nginx did not start" >&2; cat "$work/nginx/error.log" >&2; exit 1; }

# Squid: the names resolve to the upstream on loopback; drive.example-usd.org
# is the District's cloud storage in the bundled pack.
printf '127.0.0.1 drive.example-usd.org files.example.net localhost\n' >"$work/hosts"
url="http://drive.example-usd.org:$up_port/upload"
proxy=""; proxy_port=""
start_squid() {  # start_squid ICAPPORT|none
  local attempt sq_port
  proxy=""
  for attempt in 1 2 3 4 5; do
    sq_port=$(free_port)
    # (With no service, any port: its lines are taken out below.)
    if proxy=$("$root/scripts/squid.sh" start "$work/squid" "$sq_port" "${1/none/9}" "$work/hosts" 2>"$work/squid.err"); then
      break
    fi
    proxy=""
  done
  [ -n "$proxy" ] || { echo "Squid did not start:" >&2; cat "$work/squid.err" >&2; exit 1; }
  if [ "$1" = none ]; then
    # The same configuration without its ICAP lines.
    "$root/scripts/squid.sh" stop "$work/squid"
    sed -i '/^icap_\|^adaptation_access/d' "$work/squid/squid.conf"
    squid -f "$work/squid/squid.conf"
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/${proxy##*:}") 2>/dev/null && break; sleep 0.1; done
  fi
  proxy_port=${proxy##*:}
}

stop_both() {  # Squid, then the ICAP service it used
  stop_squid
  stop_pid "$icap_pid"; icap_pid=""
}

stop_squid() {
  "$root/scripts/squid.sh" stop "$work/squid"
  # ICAP outcomes Squid saw, e.g. "ICAP_ECHO/204 21000".
  if [ -s "$work/squid/icap.log" ]; then
    awk '{print $4}' "$work/squid/icap.log" | sort | uniq -c | awk '{printf "%s %s; ", $2, $1}' >&2
    echo >&2
  fi
  rm -rf "$work/squid"
}

# ab: 1 KB POSTs, 16 at once, with keep-alive (ka) or a connection each
# (close), through Squid or straight to nginx (direct). Prints
# "REQ/S P99 FAILED NON2XX".
ab_run() {  # ab_run FILE COUNT ka|close|direct
  local opts=(-q -c16 -n "$2" -p "$1" -T text/plain) report
  case $3 in
    ka) opts+=(-k -X "127.0.0.1:$proxy_port" "$url") ;;
    close) opts+=(-X "127.0.0.1:$proxy_port" "$url") ;;
    direct) opts+=(-k "http://127.0.0.1:$up_port/upload") ;;
  esac
  report=$(ab "${opts[@]}" 2>&1) ||
    { echo "ab failed: $(echo "$report" | tail -2 | tr '\n' ' ')" >&2; echo "0 0 $2 0"; return; }
  echo "$report" | awk '
    /^Requests per second/ {rps = $4}
    /^ +99%/ {p99 = $2}
    /^Failed requests/ {failed = $3}
    /^Non-2xx responses/ {non2xx = $3}
    END {printf "%s %s %s %s\n", rps, p99, failed + 0, non2xx + 0}'
}
declare -A rps p99 note mbs many mem big
add_note() { note[$1]="${note[$1]:-}${note[$1]:+; }$2"; }
best_ab() {  # best_ab NAME FILE ka|close|direct [EXPECTED-NON2XX]: the better of two runs
  local a b
  ab_run "$2" 1000 "$3" >/dev/null  # warm up
  read -r -a a < <(ab_run "$2" "$requests" "$3")
  read -r -a b < <(ab_run "$2" "$requests" "$3")
  echo "$1: ${a[0]} req/s p99 ${a[1]} ms (failed ${a[2]}, non-2xx ${a[3]});" \
    "${b[0]} req/s p99 ${b[1]} ms (failed ${b[2]}, non-2xx ${b[3]})" >&2
  if python3 -c "import sys; sys.exit(0 if ${b[0]} > ${a[0]} else 1)"; then a=("${b[@]}"); fi
  rps[$1]=${a[0]}; p99[$1]=${a[1]}
  [ "${a[2]}" = 0 ] && [ "${a[3]}" = "${4:-0}" ] || add_note "$1" "ab: failed ${a[2]}, non-2xx ${a[3]}"
}
# One 50 MB upload: MB/s (10^6 bytes), the better of two.
best_upload() {  # best_upload NAME
  local r best=0 code secs sent
  for _ in 1 2; do
    read -r code secs sent < <(curl -sS -x "$proxy" -o /dev/null -H 'Expect:' -H 'Content-Type: text/plain' \
      -w '%{http_code} %{time_total} %{size_upload}\n' --max-time 300 --data-binary @"$work/clean-50m" "$url" || true)
    r=$(python3 -c "print(round(50 / $secs, 1))")
    echo "$1: 50 MB upload, status $code, $sent bytes sent, $secs s, $r MB/s" >&2
    [ "$code" = 200 ] && [ "$sent" = 50000000 ] || { add_note "$1" "50 MB upload: status $code"; continue; }
    best=$(python3 -c "print(max($best, $r))")
  done
  mbs[$1]=$best
}
# One 2 GiB upload, made as it is sent (curl -T -, chunked): its status,
# time and MB/s, and how far the ICAP server's peak memory (VmHWM) rose
# above its resident memory before it. Run on a fresh server.
big_upload() {  # big_upload NAME
  local before after code secs
  before=$(awk '/^VmRSS/ {print $2}' "/proc/$icap_pid/status")
  read -r code secs < <(python3 -c '
import sys
line = b"Field trip permission slips are due on Monday; bring a lunch.\n"
block = line * (1048576 // len(line) + 1)
block = block[:1048576]
out = sys.stdout.buffer
for _ in range(2048):
    out.write(block)' | curl -sS -x "$proxy" -o /dev/null -X POST -H 'Expect:' -H 'Content-Type: text/plain' \
      -T - -w '%{http_code} %{time_total}\n' --max-time 900 "$url" || true)
  after=$(awk '/^VmHWM/ {print $2}' "/proc/$icap_pid/status")
  big[$1]="status $code, $secs s, $(python3 -c "print(round(2147.483648 / $secs, 1))") MB/s, peak memory $(( (after - before) / 1024 )) MiB above the $(( before / 1024 )) MiB resident before"
  echo "$1: 2 GiB upload: ${big[$1]}" >&2
}
# 64 uploads of 5 MB at once: the time for all, MB/s in all, and the
# statuses when not all were 200.
many_uploads() {  # many_uploads NAME
  local t0 t1 codes
  t0=$(date +%s.%N)
  codes=$(seq 64 | xargs -P 64 -I{} curl -sS -x "$proxy" -o /dev/null -H 'Expect:' \
    -H 'Content-Type: text/plain' -w '%{http_code}\n' --max-time 600 \
    --data-binary @"$work/clean-5m" "$url?n={}" | sort | uniq -c | awk '{printf "%s× %s, ", $1, $2}')
  codes=${codes%, }
  t1=$(date +%s.%N)
  if [ "$codes" = "64× 200" ]; then
    many[$1]=$(python3 -c "print('%.2f s, %.0f MB/s' % ($t1 - $t0, 320 / ($t1 - $t0)))")
  else
    many[$1]="statuses $codes"
  fi
  echo "$1: 64 × 5 MB: $(python3 -c "print('%.2f s' % ($t1 - $t0))"), statuses $codes" >&2
}
# Peak resident memory, sampled every 0.1 s into FILE (MB) until stopped.
sample_peak() {  # sample_peak FILE COMMAND...: COMMAND prints bytes
  local f=$1; shift
  echo 0 >"$f"
  ( peak=0
    while :; do
      v=$("$@" 2>/dev/null || echo 0); v=${v:-0}
      [ "$v" -gt "$peak" ] && peak=$v && echo $((peak / 1000000)) >"$f"
      sleep 0.1
    done ) &
  sampler_pid=$!
}
steward_rss() {
  local v
  v=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^process_resident_memory_bytes/ {print $2}' || true)
  echo "${v:-0}"
}
cicap_rss() {  # the master and its children
  local p kb=0
  for p in $icap_pid $(pgrep -P "$icap_pid"); do
    kb=$((kb + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo $((kb * 1024))
}
with_memory() {  # with_memory NAME COMMAND: the ICAP server's peak during the 64 uploads
  sample_peak "$work/peak" "$2"
  many_uploads "$1"
  stop_pid "$sampler_pid"; sampler_pid=""
  mem[$1]=$(cat "$work/peak")
  echo "$1: peak resident memory during the 64 uploads: ${mem[$1]} MB" >&2
}

echo "== nginx alone" >&2
best_ab upstream "$work/clean-1k" direct

echo "== Squid, no ICAP" >&2
start_squid none
best_ab none "$work/clean-1k" ka
best_ab none-close "$work/blocked-1k" close
best_upload none
many_uploads none
stop_squid

echo "== Squid + c-icap echo" >&2
icap_port=$(free_port)
mkdir -p "$work/cicap/tmp" && chown c-icap "$work/cicap" "$work/cicap/tmp"
# Debian's c-icap.conf, on loopback and in the work directory; the echo
# service under the names scripts/squid.sh's Squid asks for.
cat >"$work/cicap/c-icap.conf" <<CF
PidFile $work/cicap/c-icap.pid
CommandsSocket $work/cicap/c-icap.ctl
Timeout 300
MaxKeepAliveRequests 100
KeepAliveTimeout 600
StartServers 3
MaxServers 10
MinSpareThreads 10
MaxSpareThreads 20
ThreadsPerChild 10
MaxRequestsPerChild 0
Port 127.0.0.1:$icap_port
User c-icap
Group c-icap
TmpDir $work/cicap/tmp
MaxMemObject 131072
DebugLevel 1
Pipelining on
SupportBuggyClients off
ModulesDir $(dirname "$echo_so")
ServicesDir $(dirname "$echo_so")
LoadMagicFile /etc/c-icap/c-icap.magic
ServerLog $work/cicap/server.log
AccessLog $work/cicap/access.log
Service echo srv_echo.so
ServiceAlias reqmod echo
ServiceAlias respmod echo
CF
c-icap -N -f "$work/cicap/c-icap.conf" >"$work/cicap/stdout.log" 2>&1 &
icap_pid=$!
wait_port "$icap_port" "$icap_pid" || { echo "c-icap did not start" >&2; cat "$work/cicap/"*.log >&2; exit 1; }
start_squid "$icap_port"
best_ab cicap "$work/clean-1k" ka
best_ab cicap-close "$work/blocked-1k" close
best_upload cicap
with_memory cicap cicap_rss
stop_both

start_steward() {  # start_steward OPTIONS...
  icap_port=$(free_port); metrics_port=$(free_port)
  local t0; t0=$(date +%s.%N)
  "$bin" icap --listen "127.0.0.1:$icap_port" --policy "$root/policy" --roster "$work/roster" \
    --metrics "127.0.0.1:$metrics_port" --cache "$work/cache" "$@" >"$work/icap.log" 2>&1 &
  icap_pid=$!
  wait_port "$icap_port" "$icap_pid" || { echo "steward icap did not start" >&2; tail -5 "$work/icap.log" >&2; exit 1; }
  echo "steward icap $*: ready in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s," \
    "$(( $(steward_rss) / 1000000 )) MB resident" >&2
}

echo "== Squid + steward icap --dry-run" >&2
start_steward --dry-run
start_squid "$icap_port"
best_ab steward "$work/clean-1k" ka
# Squid closes the user's connection after a block from REQMOD (its answer
# says keep-alive), so blocked POSTs are timed a connection each.
best_ab steward-close "$work/blocked-1k" close "$requests"
best_upload steward
# Last: when these fail, Squid suspends the service for a while.
many_uploads steward
stop_both

echo "== Squid + steward icap --dry-run, one 2 GiB upload" >&2
start_steward --dry-run
start_squid "$icap_port"
big_upload steward
stop_both

# The same uploads with the windows past the bound judged on threads of
# their own (one a core) while the connection reads on.
echo "== Squid + steward icap --dry-run --window-threads 0" >&2
start_steward --dry-run --window-threads 0
start_squid "$icap_port"
best_upload steward-threads
stop_both
echo "== Squid + steward icap --dry-run --window-threads 0, one 2 GiB upload" >&2
start_steward --dry-run --window-threads 0
start_squid "$icap_port"
big_upload steward-threads
stop_both

# Squid counts Max-Connections per service: 64 uploads hold 64 REQMOD
# connections, and their answers need RESPMOD connections besides.
echo "== Squid + steward icap --dry-run --max-connections 256" >&2
start_steward --dry-run --max-connections 256
start_squid "$icap_port"
with_memory steward-256 steward_rss
hwm=$(awk '/^VmHWM/ {print int($2 * 1024 / 1000000)}' "/proc/$icap_pid/status")
echo "steward-256: process peak (VmHWM) $hwm MB" >&2
stop_both

echo "== Squid + steward icap --data (a store)" >&2
start_steward --data "$work/data"
start_squid "$icap_port"
best_ab steward-store "$work/clean-1k" ka
best_ab steward-store-close "$work/blocked-1k" close "$requests"
best_upload steward-store
stop_both
# Every block is an event of a web-block incident; the same user, host and
# rule within a day share one incident.
read -r incidents events < <(python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute(\"SELECT COUNT(*) FROM incidents WHERE kind = 'web-block'\").fetchone()[0],
      db.execute('SELECT COUNT(*) FROM incident_events').fetchone()[0])" "$work/data/steward.db")
echo "store: $events blocks recorded as events of $incidents web-block incidents" >&2

ratio() { python3 -c "print('%.2f' % ($1 / $2) if float($2) else 'n/a')"; }
met() { python3 -c "print('met' if $1 else 'not met')"; }
row() {  # row NAME LABEL
  echo "| $2 | ${rps[$1]:-} | ${p99[$1]:-} | ${rps[$1-close]:-} | ${p99[$1-close]:-} | ${mbs[$1]:-} | ${many[$1]:-} | ${mem[$1]:-} |"
}
notes() {
  local k
  for k in "${!note[@]}"; do echo "- $k: ${note[$k]}"; done | sort
}
rps_ratio=$(ratio "${rps[steward]}" "${rps[cicap]}")
p99_ratio=$(ratio "${p99[steward]}" "${p99[cicap]}")
table=$(cat <<MD
| Squid with | 1 KB req/s | p99 ms | 1 KB, a connection each, req/s | p99 ms | 50 MB upload, MB/s | 64 × 5 MB at once | ICAP server's peak memory then, MB |
|---|---|---|---|---|---|---|---|
| (nginx alone, no Squid) | ${rps[upstream]} | ${p99[upstream]} | | | | | |
$(row none "no ICAP service")
$(row cicap "c-icap $(c-icap -V 2>&1 | grep -o '[0-9][0-9.]*' | head -1) echo")
$(row steward "Steward, --dry-run")
$(row steward-threads "Steward, --dry-run --window-threads 0")
$(row steward-256 "Steward, --dry-run --max-connections 256")
$(row steward-store "Steward, with a store")

- 1 KB: ordinary prose, keep-alive; "a connection each": 1 KB naming a student's SSN, which Steward blocks (HTTP 403; with a store, each recorded: $events events of $incidents web-block incidents, one per user, host and rule a day) and c-icap's echo passes.
- Steward / c-icap echo, 1 KB: req/s $rps_ratio× (goal ≥ 0.9: $(met "$rps_ratio >= 0.9")), p99 $p99_ratio× (goal ≤ 1.5: $(met "$p99_ratio <= 1.5")).
- 50 MB upload through Steward: ${mbs[steward]} MB/s (goal ≥ 150: $(met "${mbs[steward]} >= 150")), inspected to its end (the first max_inspect_bytes whole, the rest in 2 MiB windows); with --window-threads 0: ${mbs[steward-threads]} MB/s.
- 2 GiB upload through Steward (chunked, inspected to its end): ${big[steward]:-not run} (goal: at most 64 MiB of growth); with --window-threads 0: ${big[steward-threads]:-not run}.
- Steward's peak memory from its /metrics, sampled every 0.1 s (the process's own peak: $hwm MB); c-icap's, all its processes.
$(notes)
MD
)
echo "$table" | tee "$out/web.md"
echo "($requests POSTs a run, better of two; ab -c16; Squid $(squid -v | sed -n 's/.*Version \([0-9.]*\).*/\1/p'), nginx on loopback; $(nproc) cores)" | tee -a "$out/web.md"
