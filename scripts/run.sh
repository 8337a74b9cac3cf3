#!/usr/bin/env bash
# Set up and run aidface on the embedded SQLite database under var/, with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv

.venv/bin/aidface migrate --noinput
.venv/bin/aidface seed_demo
echo
echo "aidface is starting: open http://127.0.0.1:8000/ (Ctrl+C stops it)"
exec .venv/bin/aidface runserver 127.0.0.1:8000
