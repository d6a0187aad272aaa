#!/usr/bin/env bash
# Installs iproute2, whose `ip netns` the distributed-MinIO tests run their nodes in
# (test/support/minio-cluster.ts: one network namespace per node).
#
# Usage: bash scripts/install-iproute2.sh
# Pinned to iproute2 6.1.0-3, Debian 12's release. Does nothing when that version is
# already installed. Needs apt-get and root.
set -euo pipefail
# shellcheck source=lib/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"

readonly PACKAGE_VERSION='6.1.0-3'

installed_version() {
  dpkg-query -W -f '${Version}' iproute2 2>/dev/null || true
}

if [[ "$(installed_version)" == "$PACKAGE_VERSION" ]]; then
  echo "install-iproute2: iproute2 $PACKAGE_VERSION is already installed."
  exit 0
fi
echo "install-iproute2: installing iproute2 $PACKAGE_VERSION (found '$(installed_version)')"
apt_install install-iproute2 "iproute2=$PACKAGE_VERSION"
echo "install-iproute2: $(ip -V)"
