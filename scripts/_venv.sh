# Shared by run.sh and test.sh: find Python 3.11, create .venv and install the project.
# Usage: source scripts/_venv.sh [extra]   (extra "test" also installs the test tools)
set -euo pipefail

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "aidface needs Python 3.11 (python3.11 was not found on PATH)." >&2
  return 1
}

ensure_venv() {
  local extra="${1:-}"
  local python
  python=$(find_python)
  if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv"
    "$python" -m venv .venv
  fi
  # Reinstall only when pyproject.toml changed, so repeated runs start quickly.
  local stamp=".venv/.aidface-installed-${extra:-base}"
  local digest
  digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "Installing aidface and its pinned dependencies"
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ -n "$extra" ]; then
      .venv/bin/python -m pip install --quiet -e ".[$extra]"
    else
      .venv/bin/python -m pip install --quiet -e .
    fi
    echo "$digest" > "$stamp"
  fi
}
