#!/usr/bin/env bash
# Installs Django into a virtualenv at .venv-django/ in the repository, for the differential
# test of stowage's names against Django's own (test/django-names.test.ts). The version is
# the Django pinned in bench/django/requirements.txt, so the benchmark and the test compare
# stowage with one and the same Django.
#
# Usage: bash scripts/install-django.sh
# Needs Python 3.10+ with the venv module (set PYTHON to pick the interpreter). Does nothing
# when the pinned version is already installed. It prints where the interpreter is.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DJANGO_VERSION="$(sed -n 's/^Django==\([0-9.]*\)$/\1/p' "$repo_root/bench/django/requirements.txt")"
readonly DJANGO_VERSION
# Django's own requirements, pinned too, so that every machine runs the same code.
readonly DEPENDENCIES=('asgiref==3.13.0' 'sqlparse==0.6.1')
venv="$repo_root/.venv-django"
python="${PYTHON:-python3}"

if [[ -z "$DJANGO_VERSION" ]]; then
  echo "install-django: no Django==<version> line in bench/django/requirements.txt." >&2
  exit 1
fi

installed_version() {
  # Prints nothing when the venv, its interpreter or Django is missing.
  "$venv/bin/python" -c 'import django; print(django.__version__)' 2>/dev/null || true
}

if [[ "$(installed_version)" == "$DJANGO_VERSION" ]]; then
  echo "install-django: Django==$DJANGO_VERSION is already installed."
else
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "install-django: $python not found; install Python 3.10+ or set PYTHON to its path." >&2
    exit 1
  fi
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    # Missing, or broken (e.g. the Python it was made from is gone): start afresh.
    echo "install-django: creating the virtualenv $venv"
    "$python" -m venv --clear "$venv"
  fi
  echo "install-django: installing Django==$DJANGO_VERSION into $venv"
  PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    "Django==$DJANGO_VERSION" "${DEPENDENCIES[@]}" </dev/null
  found="$(installed_version)"
  if [[ "$found" != "$DJANGO_VERSION" ]]; then
    echo "install-django: expected Django $DJANGO_VERSION in $venv after pip install, found '${found:-nothing}'." >&2
    exit 1
  fi
fi

echo "install-django: Python with Django: $venv/bin/python"
