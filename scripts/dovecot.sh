#!/usr/bin/env bash
# A private Dovecot IMAP server on loopback for the tests: its own complete
# configuration (nothing from /etc/dovecot), sockets, state, users, mail and
# log under DIR; IMAP on 127.0.0.1:PORT (STARTTLS offered, plain text
# allowed) and, when IMAPS_PORT is given, IMAP over TLS on it (no pop3,
# lmtp); a system Dovecot, if any, is neither used nor touched. The TLS
# certificate is made at each start by a certificate authority of its own,
# through an intermediate one the server sends: DIR/tls/ca.pem is the root
# (for --imap-ca), the server's certificate names 127.0.0.1 and localhost; DIR/tls/other-ca.pem is an authority that
# signed nothing (for a client that must refuse the server).
#
#   dovecot.sh start   DIR PORT USERS [IMAPS_PORT]
#                                             prints imap://127.0.0.1:PORT
#   dovecot.sh deliver DIR USER FOLDER FILE   puts the message FILE into
#                                             USER's FOLDER (made if missing)
#   dovecot.sh stop    DIR
#
# USERS is a file of "user:password" lines, or "user:password:mbox" for a
# user whose mail is kept as mbox files (blank lines and # comments
# skipped; no ':' in a password); they log in with their password in
# cleartext (LOGIN or AUTHENTICATE PLAIN). A master user "steward", its
# password in DIR/master.pw (mode 0600, random, new at each start), logs in
# as any user U with the name "U*steward" and sees U's mailboxes.
#
# Mail: maildir:DIR/mail/USER/Maildir (Maildir++: folder Board is
# .../Maildir/.Board); for an mbox user, mbox:DIR/mail/USER/mail with INBOX
# in DIR/mail/USER/inbox (folder Board is .../mail/Board, locked with a
# dot-lock and fcntl, Dovecot's defaults); all files owned by the system
# user `mail`, whose uid
# the mail processes run as. Folders of a user who has never logged in nor
# had mail delivered do not exist yet (INBOX appears on first access).
#
# Log: DIR/dovecot.log, everything, with the mail_log plugin (IMAP sessions
# only, not `deliver`) writing one line per delete, undelete, expunge, copy,
# save, mailbox delete and rename, e.g.
#   Jan 01 12:00:00 imap(bob)<1234><sessionid>: Info: expunge: box=INBOX, uid=1, msgid=<a@example.org>, size=312
# (the user is the mailbox owner, also for a master-user login; size is the
# file's size, LF line ends, not RFC822.SIZE; setting \Deleted logs a
# "delete:" line, the expunge an "expunge:" one).
#
# start stops a server already running from DIR, and fails (exit 3) if PORT
# is taken; it keeps the mail and the log already in DIR (use a fresh DIR for
# a fresh server). stop leaves DIR in place and does nothing when no server
# runs. Runs as root (Dovecot drops to dovecot, dovenull and mail).
# Keep DIR short and without spaces: Dovecot's UNIX sockets live in DIR/run
# (108-byte limit).
set -euo pipefail

cmd=${1:?usage: dovecot.sh start|deliver|stop DIR ...}
dir=$(realpath -m -- "${2:?DIR}")
case "$dir" in *[[:space:]]*) echo "dovecot.sh: no spaces in DIR, please" >&2; exit 2 ;; esac
conf=$dir/dovecot.conf

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  [ -f "$conf" ] || return 0
  local pid port
  pid=$(cat "$dir/run/master.pid" 2>/dev/null || true)
  port=$(cat "$dir/port" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    doveadm -c "$conf" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # The master takes its children with it; wait for the listener to go.
  if [ -n "$port" ]; then
    for _ in $(seq 50); do listening "$port" || break; sleep 0.1; done
  fi
}

case "$cmd" in
  stop) stop; exit 0 ;;
  start|deliver) ;;
  *) echo "dovecot.sh: unknown command $cmd" >&2; exit 2 ;;
esac

if [ "$cmd" = deliver ]; then
  user=${3:?USER}
  folder=${4:?FOLDER}
  file=${5:?FILE}
  [ -f "$conf" ] || { echo "dovecot.sh: no server in $dir" >&2; exit 2; }
  if [ "$folder" != INBOX ]; then
    # An existing folder is not an error; anything else doveadm save reports.
    doveadm -c "$conf" mailbox create -u "$user" "$folder" 2>/dev/null || true
  fi
  doveadm -c "$conf" save -u "$user" -m "$folder" <"$file"
  exit 0
fi

port=${3:?PORT}
users=${4:?USERS}
imaps_port=${5:-0}
command -v dovecot >/dev/null || { echo "dovecot.sh: Dovecot is not installed (dovecot-imapd)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "dovecot.sh: must run as root" >&2; exit 2; }
mail_uid=$(id -u mail)
mail_gid=$(id -g mail)

stop
if listening "$port"; then
  echo "dovecot.sh: 127.0.0.1:$port is in use" >&2
  exit 3
fi
mkdir -p "$dir/mail" "$dir/state"
chmod 755 "$dir"
# Auth (as dovecot) and the mail processes (as mail) must reach DIR.
d=$dir
while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
chown "$mail_uid:$mail_gid" "$dir/mail"
chmod 700 "$dir/mail"

# passwd-file: user:{PLAIN}password:uid:gid:gecos:home:shell:extra
: >"$dir/users.passwd"
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  u=${line%%:*}
  p=${line#*:}
  extra=""
  case "$p" in
    *:mbox)
      p=${p%:mbox}
      extra="userdb_mail=mbox:$dir/mail/$u/mail:INBOX=$dir/mail/$u/inbox"
      mkdir -p "$dir/mail/$u/mail"
      touch "$dir/mail/$u/inbox"
      chown -R "$mail_uid:$mail_gid" "$dir/mail/$u"
      ;;
  esac
  if [ "$u" = "$line" ] || [ -z "$u" ] || [ "${p#*:}" != "$p" ]; then
    echo "dovecot.sh: bad line in $users (user:password[:mbox], no ':' in the password): $line" >&2
    exit 2
  fi
  printf '%s:{PLAIN}%s::::%s::%s\n' "$u" "$p" "$dir/mail/$u" "$extra" >>"$dir/users.passwd"
done <"$users"
# The server's certificate, from an authority made for this run.
tls=$dir/tls
rm -rf "$tls"; mkdir -p "$tls"
for ca in ca other-ca; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Steward test $ca" \
    -keyout "$tls/$ca.key" -out "$tls/$ca.pem" 2>/dev/null
done
# As public authorities do, the server's certificate is signed by an
# intermediate authority, which the server sends after its own.
openssl req -newkey rsa:2048 -nodes -subj "/CN=Steward test intermediate" \
  -keyout "$tls/int.key" -out "$tls/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$tls/int.ext"
openssl x509 -req -in "$tls/int.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
  -CAcreateserial -days 2 -extfile "$tls/int.ext" -out "$tls/int.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/int.pem" -CAkey "$tls/int.key" \
  -CAcreateserial -days 2 -extfile "$tls/ext" -out "$tls/server.crt" 2>/dev/null
cat "$tls/server.crt" "$tls/int.pem" >"$tls/server.pem"
chmod 644 "$tls"/*.pem
chmod 600 "$tls"/*.key
echo "test-only-$RANDOM$RANDOM$RANDOM" >"$dir/master.pw"
chmod 600 "$dir/master.pw"
printf 'steward:{PLAIN}%s\n' "$(cat "$dir/master.pw")" >"$dir/master.passwd"
chown root:dovecot "$dir/users.passwd" "$dir/master.passwd"
chmod 640 "$dir/users.passwd" "$dir/master.passwd"
echo "$port" >"$dir/port"

cat >"$conf" <<CONF
# Written by scripts/dovecot.sh; complete, nothing included.
base_dir = $dir/run
state_dir = $dir/state
instance_name = steward-$port
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
debug_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$tls/server.pem
ssl_key = <$tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
shutdown_clients = yes
login_greeting = Steward test IMAP ready.

mail_location = maildir:$dir/mail/%u/Maildir
mail_uid = $mail_uid
mail_gid = $mail_gid
first_valid_uid = $mail_uid
last_valid_uid = $mail_uid
first_valid_gid = $mail_gid
last_valid_gid = $mail_gid

passdb {
  driver = passwd-file
  args = $dir/master.passwd
  master = yes
  # The user logged in as must exist as well.
  pass = yes
}
passdb {
  driver = passwd-file
  args = $dir/users.passwd
}
userdb {
  driver = passwd-file
  args = $dir/users.passwd
}

namespace inbox {
  inbox = yes
  separator = .
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
  }
}

protocol imap {
  mail_plugins = \$mail_plugins notify mail_log
}
plugin {
  mail_log_events = delete undelete expunge copy mailbox_delete mailbox_rename save
  mail_log_fields = uid box msgid size
}
CONF

doveconf -c "$conf" -n >"$dir/doveconf.log" 2>&1 || {
  echo "dovecot.sh: the configuration does not parse:" >&2
  cat "$dir/doveconf.log" >&2
  exit 2
}
dovecot -c "$conf" 2>>"$dir/dovecot.log" || {
  echo "dovecot.sh: dovecot did not start:" >&2
  tail -20 "$dir/dovecot.log" >&2 || true
  exit 1
}
for _ in $(seq 100); do
  if listening "$port"; then
    echo "imap://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
echo "dovecot.sh: Dovecot did not start on 127.0.0.1:$port:" >&2
tail -20 "$dir/dovecot.log" >&2 || true
stop
exit 1
