#!/usr/bin/env bash
# Installs curl, the machine's own limit in the large-object benchmarks (bench/limits.ts).
#
# Usage: bash scripts/install-curl.sh
# Pinned to curl 7.88.1, Debian 12's release; any Debian revision of it (10+deb12uN, the
# security updates) is accepted, because the archive keeps only the newest one. Does
# nothing when curl 7.88.1 is already installed. Needs apt-get and root.
set -euo pipefail
# shellcheck source=lib/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"

readonly VERSION='7.88.1'
readonly PACKAGE_VERSION="${VERSION}-10+deb12u*"

installed_version() {
  curl --version 2>/dev/null | awk 'NR == 1 { print $2 }'
}

if [[ "$(installed_version)" == "$VERSION" ]]; then
  echo "install-curl: curl $VERSION is already installed."
  exit 0
fi
echo "install-curl: installing curl $PACKAGE_VERSION (found '$(installed_version)')"
apt_install install-curl "curl=$PACKAGE_VERSION"
echo "install-curl: $(curl --version | head -n 1)"
