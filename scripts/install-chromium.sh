#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser tests (test/browser-*.test.ts), which
# drive it through playwright-core (a pinned devDependency, installed by `npm ci`).
#
# Usage: bash scripts/install-chromium.sh
# Needs Debian 12 (bookworm) with apt and root (or sudo). Does nothing when the pinned
# version is already installed. It prints where the chromium binary is; the tests find it
# on PATH, or at STOWAGE_TEST_CHROMIUM.
set -euo pipefail

# From `apt-cache policy chromium` (bookworm-security). When the archive has moved on,
# set the new version here (and run the browser tests again).
readonly CHROMIUM_VERSION='156.0.8078.114-1~deb12u1'

# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
# chromium-common comes at the same version: chromium depends on it with "= version".
apt_install_pinned install-chromium "chromium=$CHROMIUM_VERSION" "chromium-common=$CHROMIUM_VERSION"

echo "install-chromium: chromium binary: $(command -v chromium)"
