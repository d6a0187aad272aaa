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
# shellcheck source=lib/venv.sh
source "$repo_root/scripts/lib/venv.sh"
DJANGO_VERSION="$(sed -n 's/^Django==\([0-9.]*\)$/\1/p' "$repo_root/bench/django/requirements.txt")"
readonly DJANGO_VERSION
# Django's own requirements, pinned too, so that every machine runs the same code.
readonly DEPENDENCIES=('asgiref==3.13.0' 'sqlparse==0.6.1')
venv="$repo_root/.venv-django"

if [[ -z "$DJANGO_VERSION" ]]; then
  echo "install-django: no Django==<version> line in bench/django/requirements.txt." >&2
  exit 1
fi

installed_version() {
  # Prints nothing when the venv, its interpreter or Django is missing.
  "$venv/bin/python" -c 'import django; print(django.__version__)' 2>/dev/null || true
}

install_pinned install-django "$venv" "$DJANGO_VERSION" "Django==$DJANGO_VERSION" "${DEPENDENCIES[@]}"
echo "install-django: Python with Django: $venv/bin/python"
