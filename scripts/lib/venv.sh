# Sourced by the install scripts of Python tools (install-moto.sh, install-django.sh): makes
# (or repairs) a virtualenv and pip-installs exact pins into it, unless the caller's
# `installed_version` function already prints the wanted version.
#
# Usage: install_pinned <label> <venv> <wanted version> <package==version>...
# Needs Python 3.10+ with the venv module (PYTHON picks the interpreter).
install_pinned() {
  local label=$1 venv=$2 wanted=$3
  shift 3
  local python="${PYTHON:-python3}"
  if [[ "$(installed_version)" == "$wanted" ]]; then
    echo "$label: $1 is already installed."
    return
  fi
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "$label: $python not found; install Python 3.10+ or set PYTHON to its path." >&2
    exit 1
  fi
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    # Missing, or broken (e.g. the Python it was made from is gone): start afresh.
    echo "$label: creating the virtualenv $venv"
    "$python" -m venv --clear "$venv"
  fi
  echo "$label: installing $* into $venv"
  PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off "$@" </dev/null
  local found
  found="$(installed_version)"
  if [[ "$found" != "$wanted" ]]; then
    echo "$label: expected version $wanted in $venv after pip install, found '${found:-nothing}'." >&2
    exit 1
  fi
}
