#!/usr/bin/env bash
# Installs moto's S3 server (a second S3 implementation for the integration tests) into a
# virtualenv at .venv-moto/ in the repository, so it depends on no global Python packages.
#
# Usage: bash scripts/install-moto.sh
# Needs Python 3.9+ with the venv module (set PYTHON to pick the interpreter). Does nothing
# when the pinned version is already installed. It prints where moto_server is.
set -euo pipefail

readonly MOTO_VERSION='5.2.1'

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv-moto"
python="${PYTHON:-python3}"
binary="$venv/bin/moto_server"

installed_version() {
  # Prints nothing when the venv, its interpreter or moto's server extra is missing.
  "$venv/bin/python" - 2>/dev/null <<'PY' || true
import importlib.metadata
import moto.server  # fails when the [server] extra (flask, ...) is missing
print(importlib.metadata.version("moto"))
PY
}

if [[ -x "$binary" && "$(installed_version)" == "$MOTO_VERSION" ]]; then
  echo "install-moto: moto[server]==$MOTO_VERSION is already installed."
else
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "install-moto: $python not found; install Python 3.9+ or set PYTHON to its path." >&2
    exit 1
  fi
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    # Missing, or broken (e.g. the Python it was made from is gone): start afresh.
    echo "install-moto: creating the virtualenv $venv"
    "$python" -m venv --clear "$venv"
  fi
  echo "install-moto: installing moto[server]==$MOTO_VERSION into $venv"
  PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    "moto[server]==$MOTO_VERSION" </dev/null
  found="$(installed_version)"
  if [[ "$found" != "$MOTO_VERSION" ]]; then
    echo "install-moto: expected moto $MOTO_VERSION in $venv after pip install, found '${found:-nothing}'." >&2
    exit 1
  fi
fi

echo "install-moto: moto S3 server binary: $binary"
