#!/usr/bin/env bash
# Set up and run the whole test suite. SQLite by default; set DATABASE_URL for PostgreSQL.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/org -x
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv test

# Browser tests drive Debian's Chromium; video clips for its fake camera are made with ffmpeg.
if ! command -v chromium >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium and ffmpeg for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ffmpeg >/dev/null
  else
    echo "chromium and ffmpeg are missing: run 'sudo apt-get install -y chromium ffmpeg' first." >&2
    exit 1
  fi
fi

exec .venv/bin/python -m pytest "$@"
