#!/usr/bin/env bash
# The portal under load: wrk against the dashboard, an API listing, the
# home page and the registers' queues (held mail, incidents, equipment,
# directory accounts) and the records pages (the register, a custodian's
# items, searches for a public-records request) with 50,000 employees,
# 100,000 students, 100,000 held messages, 20,000 incidents, 50,000 assets,
# 150,000 directory accounts (bench/registers.py) and PORTAL_ITEMS records
# items (default 1,000,000) loaded, on SQLite and on
# PostgreSQL (a private server on loopback), 64 connections (the records
# pages: PORTAL_RECORDS_CONNECTIONS, default 4). Prints a
# markdown table (p50, p99, requests per second) and keeps it in
# bench/out/portal.md.
# Usage: bench/portal.sh BUILD [SECONDS]
set -euo pipefail
build=${1:-build}; seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build" && pwd)
out=$root/bench/out; mkdir -p "$out"
work=$(mktemp -d /tmp/steward-bench-portal.XXXXXX); chmod 755 "$work"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  "$root/scripts/postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
items=${PORTAL_ITEMS:-1000000}
records_connections=${PORTAL_RECORDS_CONNECTIONS:-4}
names=""; [ -d "$root/../shared/corpora/zxcvbn" ] && names="--names $root/../shared/corpora/zxcvbn"
echo "generating 100,000 students and 50,000 employees..." >&2
"$bin/steward-corpus" --roster "$work/roster" --students 100000 --employees 50000 --seed 11 $names >/dev/null
port=$((56000 + RANDOM % 500))
pg_url=$("$root/scripts/postgres.sh" start "$work/pg" "$port")
psql "$pg_url" -qc "CREATE DATABASE bench" >/dev/null
# 60% of employees have acknowledged: inserted directly, as months of
# sign-ins would have left them.
ack_sql="INSERT INTO acknowledgements (campaign_id, person_id, at, version_sha256, ip, user_agent) SELECT 1, id, '2026-11-20T10:00:00Z', 'bench', '192.0.2.1', 'bench' FROM people WHERE kind = 'employee' AND id % 10 < 6 ON CONFLICT DO NOTHING"
results="| store | endpoint | connections | p50 | p99 | requests/s |\n|---|---|---:|---|---|---|\n"
for store in sqlite postgresql; do
  data="$work/data-$store"
  db=(); [ "$store" = postgresql ] && db=(--db "${pg_url%/postgres}/bench")
  start=$(date +%s.%N)
  pw=$("$bin/steward" demo --data "$data" "${db[@]}" --roster "$work/roster" --acknowledged 0 | sed -n 's/.*administrator: *admin \/ //p')
  echo "$store: loaded in $(echo "$(date +%s.%N) - $start" | bc) s" >&2
  if [ "$store" = sqlite ]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$data/steward.db" "$ack_sql"
  else
    psql "${pg_url%/postgres}/bench" -qc "$ack_sql" >/dev/null
  fi
  echo "$store: writing $items records items..." >&2
  if [ "$store" = sqlite ]; then
    python3 "$root/bench/records_items.py" --sqlite "$data/steward.db" "$items"
  else
    python3 "$root/bench/records_items.py" --csv "$work/items.csv" "$items"
    psql "${pg_url%/postgres}/bench" -qc "\\copy records_items ($(python3 "$root/bench/records_items.py" --columns)) FROM '$work/items.csv' CSV"
    psql "${pg_url%/postgres}/bench" -qc "VACUUM ANALYZE records_items"
  fi
  # PostgreSQL's tables are vacuumed after the bulk load, as autovacuum
  # would have done long ago on a district's database: before, the first
  # reads set every row's hint bits and index-only scans visit the heap.
  echo "$store: writing the registers (held mail, incidents, assets, directory)..." >&2
  if [ "$store" = sqlite ]; then
    python3 "$root/bench/registers.py" --sqlite "$data/steward.db"
  else
    python3 "$root/bench/registers.py" --csv "$work/registers"
    for t in quarantine incidents assets directory_reads directory_accounts directory_password_changes; do
      psql "${pg_url%/postgres}/bench" -qc "\\copy $t ($(python3 "$root/bench/registers.py" --columns $t)) FROM '$work/registers/$t.csv' CSV"
      psql "${pg_url%/postgres}/bench" -qc "VACUUM ANALYZE $t"
    done
  fi
  printf 'Cedar-Comet-2026!\nCedar-Comet-2026!\n' |
    "$bin/steward" admin create-user bench-clerk --name Clerk --role records-custodian --cracklib off \
      --data "$data" "${db[@]}" >/dev/null
  request=$("$bin/steward" records request intake --requester Bench --description bench \
    --received 2026-12-01T10:00 --as bench-clerk --data "$data" "${db[@]}" | sed -n 's/^Request \([0-9]*\).*/\1/p')
  search="/records/requests/$request?search=1"
  listen=127.0.0.1:$((port + 1))
  # wrk is one address with 64 connections, the per-address limit: a run
  # that opens its connections while the previous run's last ones are
  # still being closed would be refused, and wrk retries at once in a loop.
  "$bin/steward" serve --data "$data" "${db[@]}" --listen "$listen" --quiet --no-reminders \
    --max-connections-per-address 256 >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do curl -sf "http://$listen/healthz" >/dev/null && break; sleep 0.1; done
  cookie=$(curl -s -D - -o /dev/null --data-urlencode "username=admin" --data-urlencode "password=$pw" \
    "http://$listen/sign-in" | sed -n 's/^Set-Cookie: \(steward_session=[^;]*\).*/\1/p')
  [ -n "$cookie" ] || { echo "bench: sign-in failed" >&2; exit 1; }
  for endpoint in /dashboard "/api/people?limit=100" "/api/people?kind=employee&limit=100&after=125000" \
    / /held /incidents /equipment /directory "/directory?view=stale" \
    /records "/records?custodian=user7" "$search&custodians=user7" \
    "$search&since=2026-01-01&until=2026-02-01" "$search&subject=grievance"; do
    curl -s -H "Cookie: $cookie" -o /dev/null "http://$listen$endpoint"  # warm
    # The records pages are a custodian's: a few at once, not a crowd.
    conns=64; [[ "$endpoint" == /records* ]] && conns=$records_connections
    report=$(wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s --latency -H "Cookie: $cookie" "http://$listen$endpoint")
    p50=$(echo "$report" | awk '/^ +50%/ {print $2}')
    p99=$(echo "$report" | awk '/^ +99%/ {print $2}')
    rps=$(echo "$report" | awk '/^Requests\/sec/ {print $2}')
    errors=$(echo "$report" | grep -E "Non-2xx|Socket errors" || true)
    echo "$store $endpoint: p50 $p50 p99 $p99 $rps req/s $errors" >&2
    results+="| $store | \`$endpoint\` | $conns | $p50 | $p99 | $rps |\n"
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
printf "%b" "$results" | tee "$out/portal.md"
