#!/usr/bin/env bash
# A private nginx for tests and benchmarks: a static site from ROOT on
# 127.0.0.1:PORT, its configuration, logs and pid under DIR, and a few
# addresses that misbehave on purpose, for the site audit's crawler:
#   /loop            redirects to itself (a loop)
#   /moved           a 301 to /buchanan/index.html
#   /away            a 302 to another port (another origin)
#   /error.html      answers 500
#   /slow/           its files sent at 64 bytes a second
# DIR/access.log has one line per request ("$request_uri $status").
# NGINX_EXTRA: lines added to the server block (e.g. a response header).
#
#   nginx.sh start DIR PORT ROOT
#   nginx.sh stop DIR
set -euo pipefail
cmd=${1:?usage: nginx.sh start|stop DIR ...}
dir=${2:?DIR}
stop() {
  [ -f "$dir/nginx.conf" ] || return 0
  nginx -c "$dir/nginx.conf" -s quit >/dev/null 2>&1 || true
  for _ in $(seq 50); do
    [ -f "$dir/nginx.pid" ] || break
    sleep 0.1
  done
  [ -f "$dir/nginx.pid" ] && kill -9 "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  rm -f "$dir/nginx.pid"
}
case "$cmd" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "nginx.sh: unknown command $cmd" >&2; exit 2 ;;
esac
port=${3:?PORT}
root=${4:?ROOT}
mkdir -p "$dir/tmp"
cat >"$dir/nginx.conf" <<CONF
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format uri '\$request_uri \$status';
  access_log $dir/access.log uri;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $root;
    location = /loop { return 302 /loop; }
    location = /moved { return 301 /buchanan/index.html; }
    location = /away { return 302 http://127.0.0.1:9/secret; }
    location = /error.html { return 500; }
    location /slow/ { limit_rate 64; }
    ${NGINX_EXTRA:-}
  }
}
CONF
if ! nginx -c "$dir/nginx.conf" 2>"$dir/start.err"; then
  cat "$dir/start.err" >&2
  exit 1
fi
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "http://127.0.0.1:$port/"
    exit 0
  fi
  sleep 0.1
done
echo "nginx.sh: nothing answers on 127.0.0.1:$port" >&2
exit 1
