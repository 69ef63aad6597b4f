#!/usr/bin/env bash
# Scans one generated corpus with Steward and with the tools a district would
# otherwise use, in one run, and reports MB/s and ratios (best of REPEAT).
#   bench/run.sh BUILD_DIR            (make bench)
# Environment: BENCH_MB (corpus size, default 200), REPEAT (default 3),
# BENCH_OUT (default bench/out).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
mb=${BENCH_MB:-200}
repeat=${REPEAT:-3}
out=${BENCH_OUT:-$here/out}
mkdir -p "$out"
corpus="$out/mail-${mb}mb.mbox"
roster="$out/roster"
if [ ! -s "$corpus" ]; then
  "$build/steward-corpus" --mbox "$corpus" --roster "$roster" --bytes $((mb * 1000000)) \
    --students 4800 --employees 200 --seed 11
fi
bytes=$(stat -c %s "$corpus")
cache="$out/cache"
"$build/pattern_cost" --ripgrep "$here/../policy" > "$out/ripgrep-patterns.txt"
echo 'Steward.Bench.Dummy:0:*:5374657761726442656e63684e6f7448657265' > "$out/dummy.ndb"

# best_of NAME COMMAND...: runs the command REPEAT times, records the best
# wall time and the peak RSS of that run.
declare -A secs rss
best_of() {
  local name=$1; shift
  local best="" best_rss=0
  for _ in $(seq "$repeat"); do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null 2> "$out/$name.err" || true
    read -r t m < <(tail -n 1 "$out/time.txt")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; best_rss=$m; fi
  done
  secs[$name]=$best
  rss[$name]=$best_rss
  printf '%-34s %8.2f s  %8.1f MB/s  %7d MB RSS\n' "$name" "$best" \
    "$(awk -v b="$bytes" -v s="$best" 'BEGIN{print b/1e6/s}')" $((best_rss / 1024)) >&2
}

# Warm the compiled-pattern cache and the page cache once.
"$build/steward" scan --cache "$cache" --roster "$roster" -j 1 --format jsonl "$corpus" >/dev/null 2>&1 || true

best_of steward-full-roster "$build/steward" scan --cache "$cache" --roster "$roster" -j 1 --format jsonl --no-progress "$corpus"
best_of steward-full "$build/steward" scan --cache "$cache" -j 1 --format jsonl --no-progress "$corpus"
best_of steward-full-roster-j2 "$build/steward" scan --cache "$cache" --roster "$roster" -j 2 --format jsonl --no-progress "$corpus"
best_of ripgrep-pack-subset rg -j1 --no-config --count-matches -f "$out/ripgrep-patterns.txt" "$corpus"
best_of clamscan-structured clamscan --no-summary -d "$out/dummy.ndb" --detect-structured=yes \
  --structured-ssn-format=2 --structured-ssn-count=1 --structured-cc-count=1 --allmatch=yes \
  --max-filesize=2000M --max-scansize=2000M "$corpus"
best_of yara-identifiers yara -p 1 "$here/identifiers.yar" "$corpus"

rate() { awk -v b="$bytes" -v s="${secs[$1]}" 'BEGIN{printf "%.1f", b/1e6/s}'; }
# How many times faster Steward (-j 1, full pack + roster) is than $1.
vs() { awk -v a="${secs[$1]}" -v b="${secs[steward-full-roster]}" 'BEGIN{printf "%.2f×", a/b}'; }
row() { echo "| $1 | $2 | $(rate "$3") | $((rss[$3] / 1024)) MB | $4 |"; }
{
  echo "Corpus: $(basename "$corpus"), $((bytes / 1000000)) MB of plain-text District mail in one mbox"
  echo "($(grep -c '^From ' "$corpus") messages), roster of 5,000 people; best of $repeat runs;"
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs). RSS includes the memory-mapped corpus."
  echo
  echo "| tool | what it does | MB/s | peak RSS | Steward -j 1 is |"
  echo "|---|---|---|---|---|"
  row "steward scan -j 1, full pack + roster" "38 detectors, 14 word lists, 5,000-person roster; MIME decoding, validation, context, redaction" steward-full-roster "—"
  row "steward scan -j 1, full pack" "as above, no roster" steward-full "—"
  row "steward scan -j 2, full pack + roster" "two threads" steward-full-roster-j2 "—"
  row "rg -j1 --count-matches" "the pack's regexes and terms that ripgrep can run, on raw bytes: no MIME decoding, validation or context" ripgrep-pack-subset "$(vs ripgrep-pack-subset) as fast"
  row "clamscan --detect-structured --allmatch" "ClamAV's SSN and card detection, with its MIME parsing" clamscan-structured "$(vs clamscan-structured) as fast"
  row "yara -p 1" "SSN, card, phone and e-mail shapes (bench/identifiers.yar)" yara-identifiers "$(vs yara-identifiers) as fast"
} | tee "$out/results.md"

# The roster's names by their words against a Hyperscan literal database,
# at the benchmark's 5,000 people and at a district's 100,000
# (bench/roster_cost.cc; docs/performance.md, "A large roster").
big="$out/roster-100k"
[ -s "$big/users.csv" ] || "$build/steward-corpus" --roster "$big" --students 95000 --employees 5000 --seed 7
{
  echo
  echo "Roster names by their words and through Hyperscan, names only, over the same corpus:"
  echo
  echo "5,000 people:"
  "$build/roster_cost" "$here/../policy" "$roster" "$corpus"
  echo
  echo "100,000 people:"
  "$build/roster_cost" "$here/../policy" "$big" "$corpus"
} | tee -a "$out/results.md"
