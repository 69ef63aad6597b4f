#!/usr/bin/env bash
# The site audit at District scale (issue goal: >= 5x linkchecker's pages per
# second while doing the full audit): a generated site of SITE_PAGES pages
# (default 10,000) and SITE_IMAGES photos (default 20,000), with a roster of
# SITE_STUDENTS students (default 50,000) in the store, audited on one core
#   1. from its folder (`steward site audit FOLDER`),
#   2. over HTTP from a private nginx on loopback (`steward site audit URL`,
#      the pack's delay between requests set to 0),
# and beside them, in the same run, linkchecker (Debian) checking the links
# of the same site over the same nginx, also on one core. Each is timed with
# its peak memory (GNU time); pages per second and the ratio are printed.
#   bench/site.sh BUILD_DIR            (make bench-site)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
pages=${SITE_PAGES:-10000}
images=${SITE_IMAGES:-20000}
students=${SITE_STUDENTS:-50000}
work=$(mktemp -d /tmp/steward-bench-site.XXXXXX)
chmod 755 "$work"
cleanup() {
  "$src/scripts/nginx.sh" stop "$work/nginx" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bin="$build/steward"
one="taskset -c 0"
command -v taskset >/dev/null || one=""

# `steward scan` and an audit exit 1 when they find something, linkchecker
# when links are broken: results.
exit_one_ok="audit-folder audit-http linkchecker"
# shellcheck source=lib.sh
. "$here/lib.sh"

echo "generating $students students, $pages pages and $images photos..." >&2
"$build/steward-corpus" --roster "$work/roster" --students "$students" --employees 2000 --seed 9 \
  $( [ -d "$src/../shared/corpora/zxcvbn" ] && echo --names "$src/../shared/corpora/zxcvbn") >/dev/null
python3 "$here/make_site.py" "$work/www" "$pages" "$images" "$work/roster/users.csv"
chmod -R a+rX "$work/www"
mb=$(du -sm "$work/www" | cut -f1)
data=$work/data
"$bin" import oneroster --data "$data" "$work/roster" >/dev/null || true
cp -r "$src/policy" "$work/pack"
sed -i -e 's/^delay_ms = .*/delay_ms = 0/' -e "s/^max_pages = .*/max_pages = $((pages + 10))/" \
  "$work/pack/publish.toml"
port=""
for _ in 1 2 3 4 5; do
  port=$((40000 + RANDOM % 20000))
  # linkchecker keeps to 10 requests a second per host (and waits 0.1-0.6 s
  # between them) unless the server answers with a LinkChecker header: it
  # is lifted, so the comparison is of work, not of politeness.
  if url=$(NGINX_EXTRA='add_header LinkChecker unlimited;' \
           "$src/scripts/nginx.sh" start "$work/nginx" "$port" "$work/www" 2>/dev/null); then break; fi
  port=""
done
[ -n "$port" ] || { echo "nginx did not start" >&2; exit 1; }
# The compiled roster is cached: the first audit pays for it, like any first run.
"$bin" site audit --no-record --no-progress --policy "$work/pack" --cache "$work/cache" \
  --data "$data" --url https://www.example-usd.org/ "$work/www/elementary-1" >/dev/null 2>&1 || true

echo "site: $pages pages, $images photos, $mb MB; $students students in the store"
folder=$(timed audit-folder $one "$bin" site audit --no-record --no-progress --format jsonl \
  --policy "$work/pack" --cache "$work/cache" --data "$data" --url https://www.example-usd.org/ "$work/www")
http=$(timed audit-http $one "$bin" site audit --no-record --no-progress --format jsonl \
  --policy "$work/pack" --cache "$work/cache" --data "$data" "$url")
# linkchecker checks the site's own links (not outside ones, its default),
# with one thread on the same core.
printf '[checking]\nmaxrequestspersecond=100000\n' >"$work/linkcheckerrc"
lc=$(timed linkchecker $one linkchecker -f "$work/linkcheckerrc" --no-status -t 1 -r 20 "$url")
findings=$(wc -l <"$work/audit-folder.out")
pps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
read -r _ fs fm <<<"$folder"; read -r _ hs hm <<<"$http"; read -r _ ls lm <<<"$lc"
echo "steward site audit, folder: ${fs} s, $(pps "$pages" "$fs") pages/s, ${fm} MB peak, $findings findings"
echo "steward site audit, HTTP:   ${hs} s, $(pps "$pages" "$hs") pages/s, ${hm} MB peak"
echo "linkchecker, HTTP:          ${ls} s, $(pps "$pages" "$ls") pages/s, ${lm} MB peak"
awk -v a="$hs" -v b="$ls" 'BEGIN { if (a > 0) printf "ratio (steward over HTTP / linkchecker, pages per second): %.1fx\n", b / a }'
