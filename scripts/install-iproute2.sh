#!/usr/bin/env bash
# Installs iproute2, whose `ip netns` the distributed-MinIO tests run their nodes in
# (test/support/minio-cluster.ts: one network namespace per node).
#
# Usage: bash scripts/install-iproute2.sh
# Pinned to iproute2 6.1.0-3, Debian 12's release. Does nothing when that version is
# already installed. Needs apt-get and root.
set -euo pipefail

readonly PACKAGE_VERSION='6.1.0-3'

# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_pinned install-iproute2 "iproute2=$PACKAGE_VERSION"
echo "install-iproute2: $(ip -V)"
