#!/usr/bin/env bash
# Installs django-minio-backend (pinned in requirements.txt beside this file) into the
# virtualenv bench/.venv-django/, which is gitignored. `npm run bench` runs it when the
# virtualenv is missing or out of date; it prints the interpreter's path on its last line.
#
# Usage: bash bench/django/install.sh
# Needs Python 3.11+ with the venv module (set PYTHON to pick the interpreter).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(dirname "$here")/.venv-django"
python="${PYTHON:-python3}"
stamp="$venv/.requirements"

if [[ -x "$venv/bin/python" ]] && cmp -s "$here/requirements.txt" "$stamp"; then
  echo "django-bench: the pinned packages are already installed." >&2
else
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "django-bench: $python not found; install Python 3.11+ or set PYTHON to its path." >&2
    exit 1
  fi
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    echo "django-bench: creating the virtualenv $venv" >&2
    "$python" -m venv --clear "$venv"
  fi
  echo "django-bench: installing $(grep -c '^[^#].*==' "$here/requirements.txt") pinned packages into $venv" >&2
  PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --progress-bar off \
    -r "$here/requirements.txt" </dev/null >&2
  cp "$here/requirements.txt" "$stamp"
fi
echo "$(cd "$venv" && pwd)/bin/python"
