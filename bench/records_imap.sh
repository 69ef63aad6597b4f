#!/usr/bin/env bash
# Indexing a mailbox over IMAP against indexing the same mail from disk
# (issue goal: IMAP index rates). A private Dovecot on loopback
# (scripts/dovecot.sh) holds IMAP_MESSAGES generated messages (default
# 10,000) in one user's Maildir; `steward records index` reads them over
# IMAP with STARTTLS (the test authority given with --imap-ca) and over
# IMAP in plain text, and the same Maildir from disk, each into a register
# of its own, first time and again (nothing changed), one core (taskset).
#   bench/records_imap.sh BUILD_DIR        (needs root and dovecot-imapd)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
messages=${IMAP_MESSAGES:-10000}
[ "$(id -u)" = 0 ] || { echo "records_imap.sh: Dovecot needs root" >&2; exit 2; }
command -v dovecot >/dev/null || { echo "records_imap.sh: install dovecot-imapd" >&2; exit 2; }
work=$(mktemp -d /tmp/stw-bi.XXXXXX)
chmod 755 "$work"
trap '"$root/scripts/dovecot.sh" stop "$work/dc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bin="$build/steward"
one="taskset -c 0"
command -v taskset >/dev/null || one=""
port=$((57000 + RANDOM % 500))
printf 'bob:Bob-Pass-2026\n' >"$work/users"
"$root/scripts/dovecot.sh" start "$work/dc" "$port" "$work/users" >/dev/null
echo "generating $messages messages..." >&2
"$build/steward-corpus" --maildir "$work/Maildir" --messages "$messages" --seed 5 >/dev/null
mb=$(du -sm "$work/Maildir" | cut -f1)
# The same files become bob's mailbox (Dovecot makes its index on first use).
rm -rf "$work/dc/mail/bob/Maildir"
mkdir -p "$work/dc/mail/bob"
cp -r "$work/Maildir" "$work/dc/mail/bob/Maildir"
chown -R mail:mail "$work/dc/mail/bob"
printf 'Bob-Pass-2026\n' >"$work/pw"
timed() {  # timed NAME DATA COMMAND...: prints "SECONDS PEAK_MB"
  local name=$1 data=$2; shift 2
  if [ ! -e "$data/steward.db" ]; then
    printf 'Cedar-Comet-2026!\nCedar-Comet-2026!\n' |
      "$bin" admin create-user ann --name Ann --role records-custodian --cracklib off --data "$data" >/dev/null
  fi
  /usr/bin/time -f "%e %M" -o "$work/time" $one "$bin" records index "$@" --custodian bob \
    --reason benchmark --no-progress --cache "$work/cache" --data "$data" >"$work/$name.out" 2>"$work/$name.err" ||
    { echo "$name failed:" >&2; tail -5 "$work/$name.err" >&2; exit 1; }
  read -r secs kb < <(tail -1 "$work/time")
  echo "$secs $((kb / 1024))"
}
rate() { python3 -c "print(f'{$1 / max($2, 0.01):,.0f}')"; }
rows=""
for run in "disk|$work/Maildir" \
           "IMAP, STARTTLS|--imap imap://bob@127.0.0.1:$port --imap-password-file $work/pw --imap-ca $work/dc/tls/ca.pem" \
           "IMAP, plain text|--imap imap://bob@127.0.0.1:$port --imap-password-file $work/pw --imap-tls none"; do
  name=${run%%|*}; args=${run#*|}
  data="$work/data-${name//[^a-zA-Z]/}"
  # shellcheck disable=SC2086  # the arguments are words
  read -r s1 m1 < <(timed first "$data" $args)
  # shellcheck disable=SC2086
  read -r s2 m2 < <(timed again "$data" $args)
  echo "$name: $s1 s first, $s2 s again" >&2
  rows+="| $name, first time | $messages | $s1 | $(rate "$messages" "$s1") | $(rate "$mb" "$s1") | $m1 MB |\n"
  rows+="| $name, again | $messages | $s2 | $(rate "$messages" "$s2") | $(rate "$mb" "$s2") | $m2 MB |\n"
done
echo "Records index over IMAP and from disk, $messages messages ($mb MB), $(nproc) cores, one used ($(date -u +%Y-%m-%d)):"
echo "| source | items | seconds | items/s | MB/s | peak memory |"
echo "|---|---:|---:|---:|---:|---:|"
printf "%b" "$rows"
