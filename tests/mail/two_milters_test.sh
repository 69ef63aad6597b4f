#!/usr/bin/env bash
# Mail doors on several machines sharing one PostgreSQL (docs/mail.md, "More
# than one mail door"): PROCESSES (default 2) `steward milter` processes,
# each behind its own private Postfix (scripts/postfix.sh), one database.
# MESSAGES (default 10,000) mixed messages (delivered, warned, held,
# rejected, and insults from five employees to three colleagues, C.19) go
# to all doors at once, SESSIONS sessions each; then held messages are
# released twice at once, once through each door. Checks that:
#   - every message is delivered, held or rejected, exactly once;
#   - no message is held twice (one quarantine row per message);
#   - each sender and colleague has one C.19 incident, opened by their
#     third message (or, when doors decided the second and third at once,
#     a later one), with every later one as its event;
#   - a release raced from two doors goes through once, is delivered once;
#   - the audit chain, appended by every process, verifies.
# Prints messages per second (accepted by Postfix, decided by the doors).
#
# Needs root, Postfix, python3, psql and STEWARD_TEST_PG_URL (scripts/test.sh
# starts PostgreSQL); exits 77 (skipped) without them unless
# STEWARD_REQUIRE_POSTFIX=1.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STEWARD_BIN:-$src/build/steward}
processes=${PROCESSES:-2}
messages=${MESSAGES:-10000}
sessions=${SESSIONS:-10}

require=STEWARD_REQUIRE_POSTFIX
# shellcheck source=../support/harness.sh
. "$src/tests/support/harness.sh"
[ "$(id -u)" = 0 ] || skip "Postfix tests need root"
for p in postfix smtp-sink python3 psql; do
  command -v "$p" >/dev/null || skip "$p is not installed"
done
[ -n "${STEWARD_TEST_PG_URL:-}" ] || skip "STEWARD_TEST_PG_URL is not set (scripts/test.sh starts PostgreSQL)"

work=$(mktemp -d /tmp/steward-mail2.XXXXXX)
chmod 755 "$work"
cp -r "$src/policy" "$work/pack"
# No notices to senders: each is a sendmail run that a door sends after its
# verdict and finishes before it stops (thousands here, a minute of
# stopping); postfix_test.sh checks them.
sed -i -e 's/^caution_sender = true/caution_sender = false/' \
  -e 's/^notify_sender = true/notify_sender = false/' "$work/pack/mail.toml"
grep -q '^notify_sender = false' "$work/pack/mail.toml" || { echo "FAIL: could not turn notices off in mail.toml"; exit 1; }
# A database of its own on the test server.
dbname="steward_doors_$$"
psql -q "$STEWARD_TEST_PG_URL" -c "CREATE DATABASE $dbname" >/dev/null || skip "cannot create a database on $STEWARD_TEST_PG_URL"
db="${STEWARD_TEST_PG_URL%/*}/$dbname"

pids=()
cleanup() {
  echo "stopping at $(date +%T)"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for i in $(seq "$processes"); do "$src/scripts/postfix.sh" stop "$work/pf$i"; done
  echo "postfix stopped at $(date +%T)"
  wait 2>/dev/null
  echo "doors stopped at $(date +%T)"
  psql -q "$STEWARD_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1
  if [ "$failures" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT

# The schema is made once, before the doors start (as an installation
# would), so that they do not race to make it.
"$bin" db migrate --db "$db" >/dev/null || { fail "could not set up the store at $db"; exit 1; }

smtp_ports=()
for i in $(seq "$processes"); do
  mkdir -p "$work/milter$i"
  chmod 777 "$work/milter$i"
  sock="$work/milter$i/steward.sock"
  printf '#!/bin/sh\nexec %q sendmail %q "$@"\n' "$src/scripts/postfix.sh" "$work/pf$i" >"$work/sendmail$i"
  chmod +x "$work/sendmail$i"
  "$bin" milter --db "$db" --listen "unix:$sock" --socket-mode 0666 \
    --sendmail "$work/sendmail$i" --policy "$work/pack" --cache "$work/cache$i" \
    --quiet >>"$work/milter$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.1; done
  [ -S "$sock" ] || { fail "milter $i did not start: $(tail -3 "$work/milter$i.log")"; exit 1; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "$src/scripts/postfix.sh" start "$work/pf$i" "$port" "$(free_port)" "unix:$sock"
    rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 3 ] && [ "$attempt" -lt 5 ] || { fail "Postfix $i did not start"; exit 1; }
  done
  smtp_ports+=("$port")
done

queue_drained() {  # every instance's queue empty
  for _ in $(seq 1200); do
    local busy=0
    for i in $(seq "$processes"); do
      postqueue -c "$work/pf$i/etc" -p 2>/dev/null | grep -q "Mail queue is empty" || busy=1
    done
    [ "$busy" = 0 ] && return 0
    sleep 0.1
  done
  fail "a Postfix queue did not drain"
  return 1
}

# 1. The load: each door gets its share, numbered apart, all at once.
echo "== $messages messages to $processes door(s), $sessions sessions each ($(date +%T))"
share=$((messages / processes))
start=$(date +%s.%N)
drivers=()
for i in $(seq "$processes"); do
  first=$(((i - 1) * share))
  n=$share
  [ "$i" = "$processes" ] && n=$((messages - first))
  python3 "$src/tests/mail/smtp_driver.py" load "${smtp_ports[$((i - 1))]}" "$n" "$sessions" 0 "$first" conduct >"$work/load$i.json" &
  drivers+=($!)
done
for d in "${drivers[@]}"; do wait "$d"; done
seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "load sent in $seconds s; waiting for Postfix to deliver"
queue_drained
echo "delivered at $(date +%T)"
"$bin" quarantine list --db "$db" --status all --limit 1000000 --format json >"$work/quarantine.json"
grep -rahoE 'X-Test-Id: load-[0-9]+' "$work"/pf*/sink | sed 's/.*load-//' >"$work/delivered.txt"
psql -qAt "$db" -c "SELECT replace(coalesce_key, chr(10), ' '), repeats, (SELECT COUNT(*) FROM incident_events e WHERE e.incident_id = i.id) FROM incidents i WHERE kind = 'repeated-conduct'" >"$work/incidents.txt"
python3 "$src/tests/mail/accounting.py" "$messages" "$work/delivered.txt" "$work/quarantine.json" \
  "$work"/load*.json --seconds "$seconds" --doors "$processes" --incidents "$work/incidents.txt" >"$work/accounting.txt"
accounting_rc=$?
cat "$work/accounting.txt"
check '[ "$accounting_rc" -eq 0 ]' "not every message is accounted for exactly once, or C.19 incidents are wrong"

# 2. Releases raced from every door at once: one goes through, the
# message is delivered once.
echo "== releases raced from $processes door(s)"
python3 - "$work/quarantine.json" >"$work/to_release.txt" <<'PY'
import json, sys
held = [e for e in json.load(open(sys.argv[1]))
        if e["status"] == "held" and e["message_id"].startswith("load-")
        and e["subject"].endswith(" quarantine")]
print("\n".join("%s %s" % (e["id"], e["message_id"]) for e in held[:10]))
PY
released=0
while read -r id mid; do
  rel=()
  for i in $(seq "$processes"); do
    "$bin" quarantine release "$id" --db "$db" --sendmail "$work/sendmail$i" >"$work/release-$id-$i.out" 2>&1 &
    rel+=($!)
  done
  ok=0
  for r in "${rel[@]}"; do wait "$r" && ok=$((ok + 1)); done
  check '[ "$ok" -eq 1 ]' "release of $id ($mid) went through $ok times"
  released=$((released + 1))
done <"$work/to_release.txt"
check '[ "$released" -gt 0 ]' "no held message to release"
echo "released at $(date +%T)"
queue_drained
while read -r id mid; do
  n=$(grep -rlaF "Message-ID: <$mid>" "$work"/pf*/sink | wc -l)
  check '[ "$n" -eq 1 ]' "released $mid delivered $n times"
done <"$work/to_release.txt"

echo "checked deliveries at $(date +%T)"
check '"$bin" audit verify --db "$db" >/dev/null' "the audit chain appended by $processes processes does not verify"
dups=$(psql -qAt "$db" -c "SELECT COUNT(*) FROM (SELECT message_id FROM quarantine GROUP BY message_id HAVING COUNT(*) > 1) d")
check '[ "$dups" = 0 ]' "$dups messages held more than once"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
