#!/usr/bin/env bash
# Installs curl, the machine's own limit in the large-object benchmarks (bench/limits.ts).
#
# Usage: bash scripts/install-curl.sh
# Pinned to curl 7.88.1, Debian 12's release; any Debian revision of it (10+deb12uN, the
# security updates) is accepted, because the archive keeps only the newest one. Does
# nothing when curl 7.88.1 is already installed. Needs apt-get and root.
set -euo pipefail

readonly VERSION='7.88.1'
readonly PACKAGE_VERSION="${VERSION}-10+deb12u*"

installed_version() {
  curl --version 2>/dev/null | awk 'NR == 1 { print $2 }'
}

if [[ "$(installed_version)" == "$VERSION" ]]; then
  echo "install-curl: curl $VERSION is already installed."
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-curl: no apt-get here; install curl $VERSION with this system's package manager." >&2
  exit 1
fi
echo "install-curl: installing curl $PACKAGE_VERSION (found '$(installed_version)')"
apt-get install -y --no-install-recommends "curl=$PACKAGE_VERSION" || {
  # The package lists may be missing or stale on a fresh machine.
  apt-get update
  apt-get install -y --no-install-recommends "curl=$PACKAGE_VERSION"
}
echo "install-curl: $(curl --version | head -n 1)"
