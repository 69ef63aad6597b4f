#!/usr/bin/env bash
# A private Postfix for tests and benchmarks: its own configuration, queue
# and log under DIR, an smtpd on 127.0.0.1:PORT, mail relayed on to
# Postfix's smtp-sink on 127.0.0.1:SINKPORT, which dumps each message it
# receives to a file under DIR/sink.
#
#   postfix.sh start DIR PORT SINKPORT [MILTER]   MILTER: unix:/path,
#                                                 inet:127.0.0.1:N or empty
#   postfix.sh stop DIR
#   postfix.sh sendmail DIR ARGS...   the private instance's sendmail
#
# Runs as root (Postfix's master must); the daemons drop to `postfix`.
set -euo pipefail

cmd=${1:?usage: postfix.sh start|stop|sendmail DIR ...}
dir=${2:?DIR}

stop() {
  if [ -f "$dir/etc/main.cf" ]; then
    postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/sink.pid" ]; then
    kill "$(cat "$dir/sink.pid")" 2>/dev/null || true
    rm -f "$dir/sink.pid"
  fi
  # The master may take a moment to go.
  for _ in $(seq 50); do
    [ -f "$dir/spool/pid/master.pid" ] || break
    pid=$(tr -d ' ' <"$dir/spool/pid/master.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
}

case "$cmd" in
  stop) stop; exit 0 ;;
  sendmail)
    shift 2
    exec env MAIL_CONFIG="$dir/etc" /usr/sbin/sendmail "$@" ;;
  start) ;;
  *) echo "postfix.sh: unknown command $cmd" >&2; exit 2 ;;
esac

port=${3:?PORT}
sinkport=${4:?SINKPORT}
milter=${5:-}
command -v postfix >/dev/null || { echo "postfix.sh: Postfix is not installed" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "postfix.sh: must run as root" >&2; exit 2; }

stop
# A port something already answers on would pass the check at the end:
# refuse it, so the caller can try another (exit 3).
for p in "$port" "$sinkport"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "postfix.sh: 127.0.0.1:$p is in use" >&2
    exit 3
  fi
done
mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/sink"
chown postfix "$dir/data" "$dir/sink"
# Postfix's rules: a queue directory owned by root, a data directory by
# postfix, each reachable from / by the postfix user.
chmod 755 "$dir"
d=$dir
while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done

milter_spec=""
case "$milter" in
  "") ;;
  unix:*) milter_spec="$milter" ;;
  inet:*) hp=${milter#inet:}; milter_spec="inet:${hp}" ;;
  *) echo "postfix.sh: milter must be unix:PATH or inet:HOST:PORT" >&2; exit 2 ;;
esac

cat >"$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = steward.test
mydomain = steward.test
myorigin = steward.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
default_transport = smtp
relay_transport = smtp
relayhost = [127.0.0.1]:$sinkport
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
message_size_limit = 104857600
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
smtp_destination_concurrency_limit = 50
default_destination_concurrency_limit = 50
smtp_connection_cache_on_demand = yes
in_flow_delay = 0
CF
if [ -n "$milter_spec" ]; then
  cat >>"$dir/etc/main.cf" <<CF
smtpd_milters = $milter_spec
non_smtpd_milters = $milter_spec
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 10s
milter_content_timeout = 60s
CF
fi

# master.cf: Debian's, chroot off everywhere, the smtpd on our port only.
awk -v port="$port" '
  /^#/ || /^[ \t]*$/ { print; next }
  /^[ \t]/ { print; next }
  $1 == "smtp" && $2 == "inet" { $1 = "127.0.0.1:" port }
  NF >= 8 && $5 == "y" { $5 = "n" }
  { print }
' /etc/postfix/master.cf >"$dir/etc/master.cf"

postfix -c "$dir/etc" check >/dev/null 2>&1 || postfix -c "$dir/etc" check

# The sink: dumps each message to its own file.
smtp-sink -u postfix -d "$dir/sink/%Y%m%d%H/%M." "127.0.0.1:$sinkport" 512 \
  >"$dir/sink.log" 2>&1 &
echo $! >"$dir/sink.pid"

postfix -c "$dir/etc" start >/dev/null 2>&1 || {
  echo "postfix.sh: postfix did not start; its log:" >&2
  tail -20 "$dir/maillog" >&2 2>/dev/null || true
  exit 1
}
for _ in $(seq 100); do
  # Taken between the check above and the bind: the sink exits, the
  # master logs it. Exit 3: try other ports.
  if ! kill -0 "$(cat "$dir/sink.pid")" 2>/dev/null ||
     grep -qs "Address already in use" "$dir/maillog"; then
    echo "postfix.sh: a port was taken while starting" >&2
    stop
    exit 3
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
     (exec 3<>"/dev/tcp/127.0.0.1/$sinkport") 2>/dev/null; then
    exit 0
  fi
  sleep 0.1
done
echo "postfix.sh: nothing answers on 127.0.0.1:$port" >&2
tail -20 "$dir/maillog" >&2 2>/dev/null || true
exit 1
