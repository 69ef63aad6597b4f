#!/usr/bin/env bash
# The records register against a real Dovecot (scripts/dovecot.sh, private,
# loopback). The same three messages — ordinary mail of 2022 in INBOX, a
# personnel notice in INBOX, board minutes in Board — are delivered to bob's
# IMAP mailbox and to carl's, whose mail Dovecot keeps as mbox files, and
# written to a Maildir; bob's is indexed over IMAP (the Dovecot master
# user), carl's mbox files and the Maildir from disk. It checks that:
#   - IMAP and the Maildir give the same items: folder, subject, class and
#     SHA-256; the mbox files the same folders, subjects and classes (their
#     lines end in LF, as Dovecot stores them), and the same search finds
#     the same items in all three;
#   - indexing marks no message \Seen (reading is EXAMINE and BODY.PEEK);
#   - a destruction list made on 2026-12-03 holds the 2022 message from each
#     source and nothing else; approved by a second custodian and carried
#     out, the Maildir file is gone, Dovecot's mail_log records the expunge
#     of that message's UID and Message-ID and of nothing else, and carl's
#     mbox INBOX, read by Dovecot again, holds the personnel notice alone;
#   - the IMAP mailbox indexed again has two messages, the destroyed one
#     stays destroyed (not "missing"), and the audit chain verifies;
#   - a wrong password, and a server that is not there, end with a clear
#     message and exit 1, quickly;
#   - every connection is encrypted before the login (STARTTLS on imap://,
#     TLS from the start on imaps://) and the server's certificate checked,
#     through the intermediate authority the server sends, up to the root:
#     a server whose certificate comes from an authority not given, or that
#     is reached by a name its certificate does not hold, is refused before
#     the password is sent (Dovecot logs no login); plain text only with
#     --imap-tls none.
#
# Needs root and dovecot (dovecot-imapd); exits 77 (skipped) without them
# unless STEWARD_REQUIRE_DOVECOT=1. KEEP_WORK=1 keeps the temporary folder.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STEWARD_BIN:-$src/build/steward}

require=STEWARD_REQUIRE_DOVECOT
# shellcheck source=../support/harness.sh
. "$src/tests/support/harness.sh"
[ "$(id -u)" = 0 ] || skip "Dovecot tests need root"
for p in dovecot doveadm python3; do
  command -v "$p" >/dev/null || skip "$p is not installed (package dovecot-imapd)"
done
[ -x "$bin" ] || skip "no steward binary at $bin"

work=$(mktemp -d /tmp/stw-dc.XXXXXX)
chmod 755 "$work"
cleanup() {
  "$src/scripts/dovecot.sh" stop "$work/dc" >/dev/null 2>&1 || true
  if [ "$failures" -eq 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "(kept $work)"
  fi
}
trap cleanup EXIT

printf 'bob:Bob-Pass-2026\ncarl:Carl-Pass-2026:mbox\n' >"$work/users"
port=""
for _ in 1 2 3 4 5; do
  port=$(free_port)
  imaps_port=$(free_port)
  "$src/scripts/dovecot.sh" start "$work/dc" "$port" "$work/users" "$imaps_port" \
    >"$work/start.out" 2>"$work/start.err" && break
  port=""
done
[ -n "$port" ] || { echo "FAIL: Dovecot did not start:"; cat "$work/start.err"; exit 1; }

# The messages, with CRLF line ends as IMAP serves them.
msg() {  # msg FILE FROM SUBJECT DATE BODY
  printf 'From: %s\r\nTo: bob@example-usd.org\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@example-usd.org>\r\n\r\n%s\r\n' \
    "$2" "$3" "$4" "$3" "$5" >"$1"
}
msg "$work/lunch.eml" alice@example-usd.org Lunch "Mon, 3 Oct 2022 10:00:00 -0700" "Lunch at noon?"
msg "$work/evaluation.eml" hr@example-usd.org Evaluation "Tue, 4 Oct 2022 10:00:00 -0700" \
  "Your annual performance evaluation and the disciplinary action notice for your personnel file."
msg "$work/minutes.eml" clerk@example-usd.org Minutes "Wed, 5 Oct 2022 10:00:00 -0700" "Minutes of the meeting."
dc() { "$src/scripts/dovecot.sh" deliver "$work/dc" bob "$1" "$2"; }
dc INBOX "$work/lunch.eml" && dc INBOX "$work/evaluation.eml" && dc Board "$work/minutes.eml" ||
  { echo "FAIL: doveadm could not deliver"; exit 1; }
dcm() { "$src/scripts/dovecot.sh" deliver "$work/dc" carl "$1" "$2"; }
dcm INBOX "$work/lunch.eml" && dcm INBOX "$work/evaluation.eml" && dcm Board "$work/minutes.eml" ||
  { echo "FAIL: doveadm could not deliver to the mbox user"; exit 1; }
# Received in October 2022 there too: the "From " lines say when (same
# length, so Dovecot's own offsets stay right; its indexes are dropped).
mb=$work/dc/mail/carl
sed -i -E 's/^From (\S+) .*$/From \1 Thu Oct  6 12:00:00 2022/' "$mb/inbox" "$mb/mail/Board"
rm -rf "$mb/mail/.imap" "$mb"/mail/.imap* "$mb"/.imap* 2>/dev/null
# Received in October 2022, as their Date fields say: Dovecot's Maildir
# takes a message's INTERNALDATE from its file's time (Steward does not
# believe a Date much older than the arrival).
find "$work/dc/mail/bob/Maildir" -type f -path '*/cur/*' -o -type f -path '*/new/*' |
  while read -r f; do touch -d "2022-10-06 12:00:00 UTC" "$f"; done
rm -f "$work"/dc/mail/bob/Maildir/dovecot.index* "$work"/dc/mail/bob/Maildir/.Board/dovecot.index*
md=$work/Maildir
mkdir -p "$md"/{cur,new,tmp} "$md"/.Board/{cur,new,tmp}
cp "$work/lunch.eml" "$md/cur/1664816400.M1P1.host:2,S"
cp "$work/evaluation.eml" "$md/cur/1664902800.M2P1.host:2,S"
cp "$work/minutes.eml" "$md/.Board/cur/1664989200.M3P1.host:2,S"

data=$work/data
st() { "$bin" "$@" --data "$data"; }
for who in "ann" "ben"; do
  printf 'Cedar-Comet-2026!\nCedar-Comet-2026!\n' |
    st admin create-user "$who" --name "Custodian $who" --role records-custodian --cracklib off >/dev/null ||
    { echo "FAIL: could not create $who"; exit 1; }
done
imap="imap://bob*steward@127.0.0.1:$port"
pw=$work/dc/master.pw
ca=$work/dc/tls/ca.pem

out=$(st records index --imap "$imap" --imap-password-file "$pw" --imap-ca "$ca" --custodian bob \
  --reason "records review" --no-progress --cache "$work/cache" 2>&1)
check '[ $? -eq 0 ] && [[ "$out" == *"3 items; 3 new"* ]]' "IMAP index: $out"
out=$(st records index "$md" --custodian bob-files --reason "records review" --no-progress \
  --cache "$work/cache" 2>&1)
check '[ $? -eq 0 ] && [[ "$out" == *"3 items; 3 new"* ]]' "Maildir index: $out"
out=$(st records index "$mb/inbox" --custodian carl --reason "records review" --no-progress \
  --cache "$work/cache" 2>&1)
check '[ $? -eq 0 ] && [[ "$out" == *"2 items; 2 new"* ]]' "mbox INBOX index: $out"
out=$(st records index "$mb/mail" --custodian carl --reason "records review" --no-progress \
  --cache "$work/cache" 2>&1)
check '[ $? -eq 0 ] && [[ "$out" == *"1 items; 1 new"* ]]' "mbox folders index: $out"

# The same items from both: folder, subject, class and hash.
st records items --state all --format csv --limit 100 >"$work/items.csv"
python3 - "$work/items.csv" >"$work/compare.out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["custodian"], set()).add((r["folder"], r["subject"], r["class"], r["sha256"]))
print(len(rows), "rows")
print("same" if by.get("bob") == by.get("bob-files") and len(by.get("bob", ())) == 3 else f"differ: {by}")
# The mbox files' lines end in LF: the same items but for the hash.
loose = lambda who: {x[:3] for x in by.get(who, ())}
print("mbox same" if loose("carl") == loose("bob") else f"mbox differs: {by.get('carl')}")
PY
check 'grep -q "^same$" "$work/compare.out"' "IMAP and Maildir items differ: $(cat "$work/compare.out")"
check 'grep -q "^mbox same$" "$work/compare.out"' "mbox and IMAP items differ: $(cat "$work/compare.out")"
# The same search finds the same items in each: one per custodian.
for q in "--subject lunch" "--folder Board" "--category personnel-record"; do
  # shellcheck disable=SC2086  # the query is two words
  out=$(st records search $q --format csv --as ann 2>&1 | tail -n +2 | cut -d, -f2 | sort | tr '\n' ' ')
  check '[ "$out" = "\"bob\" \"bob-files\" \"carl\" " ]' "search $q: $out"
done
check 'grep -q "\"INBOX\",\"mail\",\"2022-10-04\",\"class-1\"" "$work/items.csv"' "the personnel notice is not Class 1"
check 'grep -q "\"Board\",\"mail\",\"2022-10-05\",\"class-1\"" "$work/items.csv"' "the minutes are not Class 1"

# Reading changed no flag.
flags=$(doveadm -c "$work/dc/dovecot.conf" fetch -u bob flags mailbox INBOX 2>&1)
check '[[ "$flags" != *"\\Seen"* ]]' "indexing marked mail \\Seen: $flags"

# A destruction list, a second custodian, execution.
out=$(st records plan --today 2026-12-03 --as ann --format csv 2>&1)
n=$(printf '%s\n' "$out" | grep -c ',"class-3",')
check '[ "$n" = 3 ]' "the list should hold the 2022 message from each source: $out"
check '! printf "%s" "$out" | grep -q "class-1"' "a Class 1 item is on the list: $out"
st records approve 1 --as ann >/dev/null 2>&1
check '[ $? -eq 2 ]' "the list's author could approve it"
st records approve 1 --as ben >/dev/null 2>&1 || fail "ben could not approve"
out=$(st records execute 1 --today 2026-12-03 --as ben --imap-password-file "$pw" --imap-master steward --imap-ca "$ca" 2>&1)
check '[[ "$out" == *"3 destroyed, 0 kept"* ]]' "execute: $out"
# Dovecot reads carl's INBOX after Steward took the message out of it.
left=$(doveadm -c "$work/dc/dovecot.conf" fetch -u carl "hdr.subject" mailbox INBOX 2>&1)
check '[[ "$left" == *"Evaluation"* ]] && [[ "$left" != *"Lunch"* ]]' "carl's INBOX as Dovecot reads it: $left"
check '! grep -q "Subject: Lunch" "$mb/inbox" && grep -q "Subject: Evaluation" "$mb/inbox"' \
  "carl's mbox: $(grep Subject: "$mb/inbox")"
check '[ ! -e "$mb/inbox.lock" ] && [ ! -e "$mb/.inbox.steward-journal" ]' "a lock or journal was left"
check '[ ! -e "$md/cur/1664816400.M1P1.host:2,S" ]' "the Maildir copy is still there"
check '[ -e "$md/cur/1664902800.M2P1.host:2,S" ]' "the Class 1 Maildir file is gone"
log=$work/dc/dovecot.log
check 'grep -q "imap(bob).*expunge: box=INBOX, uid=1, msgid=<Lunch@example-usd.org>" "$log"' \
  "Dovecot's mail_log has no expunge of the Lunch message: $(grep -i expunge "$log")"
check '[ "$(grep -c "expunge:" "$log")" = 1 ]' "Dovecot expunged more than one message: $(grep expunge: "$log")"

out=$(st records index --imap "$imap" --imap-password-file "$pw" --imap-ca "$ca" --custodian bob \
  --reason "records review" --no-progress --cache "$work/cache" 2>&1)
check '[[ "$out" == *"2 items; 0 new, 0 changed, 2 unchanged, 0 missing"* ]]' "IMAP index again: $out"
st records items --state destroyed --format csv >"$work/destroyed.csv"
check '[ "$(grep -c ",\"Lunch\"," "$work/destroyed.csv")" = 3 ]' "the Lunch items are not all destroyed: $(cat "$work/destroyed.csv")"
out=$(st audit verify 2>&1)
check '[ $? -eq 0 ]' "the audit chain does not verify: $out"

# Bad credentials and a server that is not there: a clear message, exit 1.
printf 'wrong\n' >"$work/wrong.pw"
t0=$SECONDS
out=$(st records index --imap "$imap" --imap-password-file "$work/wrong.pw" --imap-ca "$ca" --custodian bob \
  --reason r --no-progress --cache "$work/cache" 2>&1)
rc=$?
check '[ "$rc" != 0 ] && [[ "$out" == *"refused the login"* ]] && [[ "$out" != *wrong* ]]' \
  "a wrong password: exit $rc, $out"
dead=$(free_port)
out=$(st records index --imap "imap://bob@127.0.0.1:$dead" --imap-password-file "$pw" --custodian bob \
  --reason r --no-progress --cache "$work/cache" 2>&1)
rc=$?
check '[ "$rc" = 1 ] && [[ "$out" == *"cannot reach the IMAP server"* ]]' "no server: exit $rc, $out"
check '[ $((SECONDS - t0)) -lt 30 ]' "the failures took $((SECONDS - t0)) s"

# TLS. A register of its own, so that these mailboxes do not join the list.
data=$work/data-tls
printf 'Cedar-Comet-2026!\nCedar-Comet-2026!\n' |
  st admin create-user ann --name "Custodian ann" --role records-custodian --cracklib off >/dev/null
logins() { grep -c "imap-login: Info: Login: user=<bob>" "$log"; }
before=$(logins)
tls_index() {  # tls_index URL FLAGS...
  local url=$1; shift
  st records index --imap "$url" --imap-password-file "$pw" --custodian bob \
    --reason "records review" --no-progress --cache "$work/cache" "$@" 2>&1
}
out=$(tls_index "imaps://bob*steward@127.0.0.1:$imaps_port" --imap-ca "$ca")
check '[ $? -eq 0 ] && [[ "$out" == *"2 items; 2 new"* ]]' "imaps:// with the authority: $out"
out=$(tls_index "$imap" --imap-ca "$work/dc/tls/other-ca.pem")
rc=$?
check '[ "$rc" = 1 ] && [[ "$out" == *"is not trusted"* ]] && [[ "$out" == *"issuer is unknown"* ]]' "STARTTLS, another authority: exit $rc, $out"
out=$(tls_index "imaps://bob*steward@127.0.0.1:$imaps_port")
rc=$?
check '[ "$rc" = 1 ] && [[ "$out" == *"is not trusted"* ]]' "imaps://, the system's authorities: exit $rc, $out"
# The certificate names 127.0.0.1 and localhost; "127.1" is the same
# address by another name.
out=$(tls_index "imap://bob*steward@127.1:$port" --imap-ca "$ca")
rc=$?
check '[ "$rc" = 1 ] && [[ "$out" == *"is not trusted"* ]]' "a name the certificate does not hold: exit $rc, $out"
check '[ "$(logins)" = $((before + 1)) ]' "a refused server was sent the password: $((before)) → $(logins) logins"
check '[ "$(grep -c "Login: user=<bob>, method=PLAIN, .*, TLS," "$log")" = "$(logins)" ]' \
  "a login without TLS: $(grep 'Login: user=<bob>' "$log")"
out=$(tls_index "$imap" --imap-tls none)
check '[ $? -eq 0 ] && [[ "$out" == *"imap://127.0.0.1:$port/bob: 2 items"* ]]' "plain text when asked for by name: $out"
check '[[ "$(grep "Login: user=<bob>" "$log" | tail -1)" != *TLS* ]]' \
  "the plain-text login: $(grep 'Login: user=<bob>' "$log" | tail -1)"
out=$(tls_index "$imap" --imap-tls imaps)
check '[ $? -ne 0 ] && [[ "$out" == *"imaps://"* ]]' "--imap-tls imaps on an imap:// address: $out"

echo "records with Dovecot: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
