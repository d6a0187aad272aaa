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

# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_pinned install-curl "curl=$PACKAGE_VERSION"
echo "install-curl: $(curl --version | head -n 1)"
