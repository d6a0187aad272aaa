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
# shellcheck source=lib/venv.sh
source "$repo_root/scripts/lib/venv.sh"
venv="$repo_root/.venv-moto"
binary="$venv/bin/moto_server"

installed_version() {
  # Prints nothing when the venv, its interpreter, moto_server or moto's server extra is missing.
  [[ -x "$binary" ]] || return 0
  "$venv/bin/python" - 2>/dev/null <<'PY' || true
import importlib.metadata
import moto.server  # fails when the [server] extra (flask, ...) is missing
print(importlib.metadata.version("moto"))
PY
}

install_pinned install-moto "$venv" "$MOTO_VERSION" "moto[server]==$MOTO_VERSION"
echo "install-moto: moto S3 server binary: $binary"
