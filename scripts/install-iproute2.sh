#!/usr/bin/env bash
# Installs iproute2, whose `ip netns` the distributed-MinIO tests run their nodes in
# (test/support/minio-cluster.ts: one network namespace per node).
#
# Usage: bash scripts/install-iproute2.sh
# Pinned to iproute2 6.1.0-3, Debian 12's release. Does nothing when that version is
# already installed. Needs apt-get and root.
set -euo pipefail

readonly PACKAGE_VERSION='6.1.0-3'

installed_version() {
  dpkg-query -W -f '${Version}' iproute2 2>/dev/null || true
}

if [[ "$(installed_version)" == "$PACKAGE_VERSION" ]]; then
  echo "install-iproute2: iproute2 $PACKAGE_VERSION is already installed."
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-iproute2: no apt-get here; install iproute2 (ip netns) with this system's package manager." >&2
  exit 1
fi
echo "install-iproute2: installing iproute2 $PACKAGE_VERSION (found '$(installed_version)')"
apt-get install -y --no-install-recommends "iproute2=$PACKAGE_VERSION" || {
  # The package lists may be missing or stale on a fresh machine.
  apt-get update
  apt-get install -y --no-install-recommends "iproute2=$PACKAGE_VERSION"
}
echo "install-iproute2: $(ip -V)"
