#!/usr/bin/env bash
# The site audit over HTTP against a real nginx (scripts/nginx.sh, private,
# loopback) serving tests/publish/site with a robots.txt, a sitemap and
# pages that misbehave. It checks that:
#   - crawled from its home page, the site gives the same planted problems
#     as its folder (tests/publish/site/expected.tsv), by category, and
#     nothing else; robots.txt is read first and what it disallows is
#     never requested;
#   - a redirect loop, a 500, a page larger than the pack allows and one
#     that trickles in slower than its timeout are each "page-unreachable";
#     a link answering 404 is a broken link on the page that has it; a link
#     that redirects is reported with where it leads; the audit of all of
#     it ends in bounded time;
#   - a sitemap's pages are audited, and its <lastmod> makes a page stale;
#   - with --check-outside, links to other sites that answer 404, 500 or
#     nothing are broken links, working ones are not, another site's
#     robots.txt is honoured, and an offline machine reports nothing.
# Needs root, nginx and python3; exits 77 (skipped) without them unless
# STEWARD_REQUIRE_NGINX=1. KEEP_WORK=1 keeps the temporary folder.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STEWARD_BIN:-$src/build/steward}

require=STEWARD_REQUIRE_NGINX
# shellcheck source=../support/harness.sh
. "$src/tests/support/harness.sh"
[ "$(id -u)" = 0 ] || skip "the nginx test needs root"
for p in nginx python3; do
  command -v "$p" >/dev/null || skip "$p is not installed (package nginx-light)"
done
[ -x "$bin" ] || skip "no steward binary at $bin"

work=$(mktemp -d /tmp/stw-nginx.XXXXXX)
chmod 755 "$work"
cleanup() {
  "$src/scripts/nginx.sh" stop "$work/nginx" >/dev/null 2>&1 || true
  if [ "$failures" -eq 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "(kept $work)"
  fi
}
trap cleanup EXIT

# The site, with what only a web server has.
cp -r "$src/tests/publish/site" "$work/www"
rm -f "$work/www/expected.tsv"
mkdir -p "$work/www/private" "$work/www/slow"
printf 'User-agent: *\nDisallow: /private/\n' >"$work/www/robots.txt"
printf '<html><body><p>Beatriz Okonkwo secret.</p></body></html>' >"$work/www/private/secret.html"
python3 -c "print('<html><body><p>' + 'x' * 4000 + '</p></body></html>')" >"$work/www/slow/page.html"
python3 -c "print('<html><body>' + '<p>filler</p>' * 200000 + '</body></html>')" >"$work/www/huge.html"
cat >"$work/www/edge.html" <<'HTML'
<html><head><title>Edge</title></head><body>
<a href="/loop">loop</a> <a href="/error.html">error</a> <a href="/huge.html">huge</a>
<a href="/slow/page.html">slow</a> <a href="/missing.html">missing</a>
<a href="/moved">moved</a> <a href="/private/secret.html">private</a>
<a href="/away">away</a>
</body></html>
HTML
printf '<html><head><title>News</title></head><body><p>Old news.</p></body></html>' >"$work/www/news.html"
chmod -R a+rX "$work/www"

# A pack with tighter bounds, so the slow and huge pages trip them quickly.
cp -r "$src/policy" "$work/pack"
sed -i -e 's/^timeout_seconds = .*/timeout_seconds = 3/' \
       -e 's/^delay_ms = .*/delay_ms = 0/' \
       -e 's/^max_page_bytes = .*/max_page_bytes = 1048576/' "$work/pack/publish.toml"

# A WordPress REST API's users, for an application password only.
wp_auth=$(printf 'siteadmin:abcd efgh ijkl mnop' | base64)
cat >"$work/wp-users.json" <<'JSON'
[{"id":1,"username":"ethompson","name":"Emily Thompson","email":"ethompson@example-usd.org","roles":["administrator"]},
 {"id":2,"username":"parentvol","name":"Pat Volunteer","email":"pat.volunteer@example.com","roles":["editor"]},
 {"id":3,"username":"reader","name":"A Reader","email":"reader@example.com","roles":["subscriber"]}]
JSON
chmod a+r "$work/wp-users.json"
export NGINX_EXTRA="location = /wp-json/wp/v2/users { default_type application/json; if (\$http_authorization != \"Basic $wp_auth\") { return 401; } alias $work/wp-users.json; }"

url=""
for _ in 1 2 3 4 5; do
  port=$(free_port)
  if url=$("$src/scripts/nginx.sh" start "$work/nginx" "$port" "$work/www" 2>"$work/nginx.err"); then
    break
  fi
  url=""
done
[ -n "$url" ] || { cat "$work/nginx.err"; fail "nginx did not start"; exit 1; }
cat >"$work/sitemap.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>${url}news.html</loc><lastmod>2018-01-01</lastmod></url>
<url><loc>${url}buchanan/index.html</loc></url>
</urlset>
XML
cp "$work/sitemap.xml" "$work/www/sitemap.xml"
chmod a+r "$work/www/sitemap.xml"

data="$work/data"
"$bin" import oneroster --data "$data" "$src/tests/golden/roster" >/dev/null
printf 'student_id,permission,photo_captions\nstu-1,limited,no\nstu-2,full,yes\nstu-4,limited,no\nstu-21,full,no\nstu-31,limited,yes\n' >"$work/perm.csv"
"$bin" import permissions --data "$data" "$work/perm.csv" >/dev/null
audit() {  # audit START OUT: JSON lines in OUT, the exit code
  "$bin" site audit --no-progress --no-record --format jsonl --policy "$work/pack" \
    --cache "$work/cache" --data "$data" "$1" >"$2" 2>"$2.err"
}

# 1. The whole site from its home page.
: >"$work/nginx/access.log"
audit "$url" "$work/site.jsonl"
rc=$?
check '[ "$rc" = 1 ]' "the site audit exits 1 with findings (got $rc: $(tail -2 "$work/site.jsonl.err"))"
got=$(python3 -c '
import json, sys
print("\n".join(sorted(json.loads(l)["category"] for l in open(sys.argv[1]) if l.strip())))' "$work/site.jsonl")
want=$(grep -v '^#' "$src/tests/publish/site/expected.tsv" | awk -F'\t' 'NF == 3 { print $2 }' | sort)
check '[ "$got" = "$want" ]' "crawled, the site's findings are its planted problems: $(diff <(echo "$want") <(echo "$got") | tr '\n' ' ')"
check 'head -1 "$work/nginx/access.log" | grep -q "^/robots.txt "' "robots.txt is read first"
check '! grep -q "^/private/" "$work/nginx/access.log"' "nothing robots.txt disallows is requested"
check '! grep -q "Garcia" "$work/site.jsonl"' "names are shown redacted"

# 2. Pages that misbehave.
: >"$work/nginx/access.log"
start=$(date +%s)
audit "${url}edge.html" "$work/edge.jsonl"
took=$(( $(date +%s) - start ))
check '[ "$took" -lt 60 ]' "the audit of misbehaving pages ends in bounded time (took ${took}s)"
has() {  # has FILE CATEGORY TEXT: a finding of CATEGORY whose excerpt holds TEXT
  python3 -c '
import json, sys
f, cat, text = sys.argv[1:4]
sys.exit(0 if any(j["category"] == cat and text in j["excerpt"] for j in map(json.loads, filter(str.strip, open(f)))) else 1)' "$@"
}
check 'has "$work/edge.jsonl" page-unreachable "more than 5 redirects"' "a redirect loop is unreachable"
check 'has "$work/edge.jsonl" page-unreachable "status 500"' "a 500 is unreachable"
check 'has "$work/edge.jsonl" page-unreachable "larger than 1048576 bytes"' "a page larger than the pack allows is unreachable"
check 'has "$work/edge.jsonl" page-unreachable "within 3 seconds"' "a page slower than the timeout is unreachable"
check 'has "$work/edge.jsonl" broken-link "/missing.html"' "a 404 is a broken link on the page that has it"
check 'has "$work/edge.jsonl" redirected-link "/moved"' "a redirect is reported"
check 'has "$work/edge.jsonl" redirected-link "/away"' "a redirect off the site is reported, not followed"
check '! grep -q "connect" "$work/edge.jsonl"' "nothing is requested from another origin (no connection to it failed)"
check '! grep -q "^/private/" "$work/nginx/access.log"' "robots.txt is honoured from any start"

# 3. A sitemap: its pages, and their <lastmod>.
audit "${url}sitemap.xml" "$work/sitemap.jsonl"
check 'has "$work/sitemap.jsonl" stale-page "2018-01-01"' "a sitemap's lastmod makes a page stale"
check 'has "$work/sitemap.jsonl" payment-widget "gofundme"' "a sitemap's pages are audited"

# 4. The publishing gate on a page over HTTP: its photo is fetched too.
"$bin" publish check --policy "$work/pack" --cache "$work/cache" --data "$data" \
  "${url}lincoln/index.html" >"$work/gate.json" 2>"$work/gate.err"
rc=$?
check '[ "$rc" = 1 ]' "the gate rejects the page (got $rc: $(tail -2 "$work/gate.err"))"
check 'python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j[\"item\"][\"images_read\"] == 1 and any(f[\"category\"] == \"photo-location\" for f in j[\"findings\"]) else 1)" "$work/gate.json"' \
  "the gate reads the page's photo from the site and finds its GPS position"

# 5. WordPress editors (H.4): an application password, employees matched.
printf 'id,given_name,family_name,email,site,job_role,supervisor,status\n9001,Emily,Thompson,ethompson@example-usd.org,Lincoln Elementary,teacher,,active\n' >"$work/staff.csv"
"$bin" import employees --data "$data" "$work/staff.csv" >/dev/null
"$bin" site register --data "$data" --name "Lincoln" --kind school \
  --content-manager ethompson@example-usd.org "$url" >/dev/null
printf 'abcd efgh ijkl mnop\n' >"$work/wp-pass"
"$bin" site editors --data "$data" --wordpress --user siteadmin \
  --password-file "$work/wp-pass" "$url" >"$work/wp.out" 2>&1
rc=$?
check '[ "$rc" = 1 ]' "a site with an editor who is no employee exits 1 (got $rc: $(tail -2 "$work/wp.out"))"
check 'grep -q "parentvol .*NOT A DISTRICT EMPLOYEE" "$work/wp.out"' "the volunteer editor is flagged (H.4)"
check 'grep -q "ethompson .* employee$" "$work/wp.out"' "the teacher is matched to her employee record"
check '! grep -q "reader" "$work/wp.out"' "subscribers are not editors"
printf 'wrong\n' >"$work/wp-wrong"
"$bin" site editors --data "$data" --wordpress --user siteadmin \
  --password-file "$work/wp-wrong" "$url" >"$work/wp-wrong.out" 2>&1
rc=$?
check '[ "$rc" = 2 ] && grep -q "WordPress refused the account (401)" "$work/wp-wrong.out"' \
  "a wrong application password is refused in plain words (got $rc: $(cat "$work/wp-wrong.out"))"
check '! grep -rq "abcd efgh" "$work/nginx/access.log" "$work/wp.out"' "the application password is not logged"

# 6. Links to other sites (--check-outside): the same nginx as another
# origin (localhost, not 127.0.0.1), a port where nothing listens, and a
# path its robots.txt keeps us out of.
other="http://localhost:$port"
cat >"$work/www/outside.html" <<HTML
<html><head><title>Links</title></head><body>
<a href="$other/news.html">fine</a> <img src="$other/lincoln/field-day.png" alt="">
<a href="$other/gone.html">gone</a> <a href="$other/error.html">error</a>
<a href="$other/private/inside.html">private</a> <a href="http://127.0.0.1:1/nothing">refused</a>
</body></html>
HTML
chmod a+r "$work/www/outside.html"
: >"$work/nginx/access.log"
"$bin" site audit --no-progress --no-record --format jsonl --policy "$work/pack" \
  --cache "$work/cache" --data "$data" --check-outside 50 "${url}outside.html" \
  >"$work/outside-public.jsonl" 2>"$work/outside-public.err"
check '! grep -q broken-link "$work/outside-public.jsonl" && grep -q "0 links to other sites checked, 0 broken, 6 not checked" "$work/outside-public.err"' \
  "links into loopback are not asked unless --outside-private: $(tail -1 "$work/outside-public.err")"
check '! grep -q "^/gone.html" "$work/nginx/access.log"' "nothing was asked of the loopback site"
"$bin" site audit --no-progress --no-record --format jsonl --policy "$work/pack" \
  --cache "$work/cache" --data "$data" --check-outside 50 --outside-private "${url}outside.html" \
  >"$work/outside.jsonl" 2>"$work/outside.err"
check 'has "$work/outside.jsonl" broken-link "/gone.html"' "a link to another site that answers 404 is broken"
check 'has "$work/outside.jsonl" broken-link "/error.html"' "one whose server fails is broken"
check 'has "$work/outside.jsonl" broken-link "127.0.0.1:1/nothing"' "one where nothing answers is broken"
check '[ "$(grep -c broken-link "$work/outside.jsonl")" = 3 ]' "links that work are not reported ($(grep -c broken-link "$work/outside.jsonl") broken)"
check 'grep -q "5 links to other sites checked, 3 broken, 1 not checked" "$work/outside.err"' \
  "the audit says what it checked: $(tail -1 "$work/outside.err")"
check '! grep -q "^/private/" "$work/nginx/access.log"' "another site's robots.txt is honoured"
check 'grep -q "^/gone.html 404" "$work/nginx/access.log"' "the other site was asked"
printf '<html><body><a href="http://127.0.0.1:1/a">a</a> <a href="http://127.0.0.1:9/b">b</a></body></html>' \
  >"$work/offline.html"
mkdir -p "$work/offline" && mv "$work/offline.html" "$work/offline/index.html"
"$bin" site audit --no-progress --no-record --format jsonl --policy "$work/pack" \
  --cache "$work/cache" --data "$data" --check-outside 50 --outside-private "$work/offline" \
  >"$work/offline.jsonl" 2>"$work/offline.err"
check '! grep -q broken-link "$work/offline.jsonl" && grep -q "is this machine offline" "$work/offline.err"' \
  "when nothing outside answers, nothing is reported broken and the audit says why"

echo "nginx site audit: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
