# What the tests that start real servers share; sourced after setting
# `require` to the name of the variable that turns a skip into a failure
# (STEWARD_REQUIRE_SQUID, STEWARD_REQUIRE_POSTFIX, STEWARD_REQUIRE_DOVECOT):
#   skip REASON     exit 77 (skipped), or 1 when "$require" is 1
#   check COND MSG  count a check; on failure print "FAIL: MSG"
#   pass, fail MSG  the same, by hand; $checks and $failures count them
#   free_port       a free TCP port on 127.0.0.1
#   listening PORT  whether something accepts on 127.0.0.1:PORT
skip() {
  if [ "${!require:-0}" = 1 ]; then
    echo "FAIL: $1 ($require=1)"
    exit 1
  fi
  echo "skipped: $1"
  exit 77
}
failures=0
checks=0
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }
check() { if eval "$1"; then pass; else fail "$2"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
