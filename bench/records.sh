#!/usr/bin/env bash
# The records register at District scale (issue goals: index 100,000
# messages and report items per second; a purge decision over 1,000,000
# indexed items in under a minute on one core):
#   1. a Maildir of RECORDS_MESSAGES generated messages (default 100,000)
#      indexed with `steward records index` (the engine on every message,
#      the bundled pack), beside `steward scan -j 1` of the same folder (the
#      engine alone, no store) in the same run; then indexed again (nothing
#      changed: hashes compared, nothing read by the engine);
#   2. RECORDS_PRODUCE of them (default 2,000) found with `records search`
#      and released for a request with `records produce` (each read again,
#      the engine with values, redaction and its check, the production
#      written), then `records verify`;
#   3. RECORDS_ITEMS items (default 1,000,000) written straight into a
#      SQLite register (Class 3 mail of several school years, and some Class
#      1, held and recent items), and `steward records plan`: every item
#      decided, the deletable ones put on a list.
# Each is timed with its peak memory (GNU time). SQLite, one core (taskset).
#   bench/records.sh BUILD_DIR            (make bench-records)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
messages=${RECORDS_MESSAGES:-100000}
items=${RECORDS_ITEMS:-1000000}
produce=${RECORDS_PRODUCE:-2000}
work=$(mktemp -d /tmp/steward-bench-records.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin="$build/steward"
one="taskset -c 0"
command -v taskset >/dev/null || one=""

# `steward scan` and an audit exit 1 when they find something, linkchecker
# when links are broken: results.
exit_one_ok="scan"
# shellcheck source=lib.sh
. "$here/lib.sh"

echo "generating $messages messages..." >&2
"$build/steward-corpus" --maildir "$work/Maildir" --messages "$messages" --seed 5 >/dev/null
mb=$(du -sm "$work/Maildir" | cut -f1)
data=$work/data
printf 'Cedar-Comet-2026!\nCedar-Comet-2026!\n' |
  "$bin" admin create-user ann --name Ann --role records-custodian --cracklib off --data "$data" >/dev/null
"$bin" policy check "$here/../policy" >/dev/null

read -r _ scan_s scan_mb < <(timed scan $one "$bin" scan -j 1 --no-progress --format jsonl \
  --cache "$work/cache" "$work/Maildir")
read -r _ index_s index_mb < <(timed index $one "$bin" records index "$work/Maildir" \
  --custodian bench --reason benchmark --no-progress --cache "$work/cache" --data "$data")
read -r _ again_s again_mb < <(timed again $one "$bin" records index "$work/Maildir" \
  --custodian bench --reason benchmark --no-progress --cache "$work/cache" --data "$data")

"$bin" records request intake --requester Bench --description bench --received 2026-12-01T10:00 \
  --as ann --data "$data" >/dev/null
ids=$("$bin" records search --custodian bench --limit "$produce" --format ids --as ann --data "$data")
read -r _ produce_s produce_mb < <(timed produce $one "$bin" records produce --request 1 --items "$ids" \
  --out "$work/production" --no-progress --cache "$work/cache" --as ann --data "$data")
produced=$(grep -o '[0-9]* documents' "$work/produce.out" | cut -d' ' -f1)
# Rows whose REDACTED field is Y (fields are quoted with þ).
redacted=$(grep -c $'\xc3\xbeY\xc3\xbe' "$work/production/loadfile.dat" || true)
read -r _ verify_s verify_mb < <(timed verify $one "$bin" records verify "$work/production")

echo "writing $items items into a register..." >&2
rm -rf "$data"
printf 'Cedar-Comet-2026!\nCedar-Comet-2026!\n' |
  "$bin" admin create-user ann --name Ann --role records-custodian --cracklib off --data "$data" >/dev/null
python3 "$here/records_items.py" --sqlite "$data/steward.db" "$items"
"$bin" records hold place --matter Bench --reason bench --subject grievance --as ann --data "$data" >/dev/null
read -r _ plan_s plan_mb < <(timed plan $one "$bin" records plan --as ann --format csv --data "$data")
listed=$(($(wc -l <"$work/plan.out") - 1))

rate() { python3 -c "print(f'{$1 / max($2, 0.01):,.0f}')"; }
cat <<EOF

Records register, $(nproc) cores, one used ($(date -u +%Y-%m-%d)):

| step | items | seconds | items/s | MB/s | peak memory |
|---|---:|---:|---:|---:|---:|
| \`steward scan -j 1\` of the Maildir (engine only) | $messages | $scan_s | $(rate "$messages" "$scan_s") | $(rate "$mb" "$scan_s") | $scan_mb MB |
| \`steward records index\`, first time | $messages | $index_s | $(rate "$messages" "$index_s") | $(rate "$mb" "$index_s") | $index_mb MB |
| \`steward records index\`, again (nothing changed) | $messages | $again_s | $(rate "$messages" "$again_s") | $(rate "$mb" "$again_s") | $again_mb MB |
| \`steward records produce\` ($redacted of $produced redacted) | $produced | $produce_s | $(rate "$produced" "$produce_s") | | $produce_mb MB |
| \`steward records verify\` of that production | $produced | $verify_s | $(rate "$produced" "$verify_s") | | $verify_mb MB |
| \`steward records plan\` over a register of $items items ($listed listed) | $items | $plan_s | $(rate "$items" "$plan_s") | | $plan_mb MB |

The Maildir is $mb MB. Index / scan time: $(python3 -c "print(round($index_s / max($scan_s, 0.01), 2))")×.
EOF
