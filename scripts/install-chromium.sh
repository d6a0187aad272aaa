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

installed_version() {
  dpkg-query --showformat='${Version}' --show chromium 2>/dev/null || true
}

if [[ "$(installed_version)" == "$CHROMIUM_VERSION" ]]; then
  echo "install-chromium: chromium $CHROMIUM_VERSION is already installed."
else
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: apt-get not found; this script needs Debian 12 (bookworm)." >&2
    exit 1
  fi
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then sudo=(sudo -n); fi
  if ! apt-cache show "chromium=$CHROMIUM_VERSION" >/dev/null 2>&1; then
    echo "install-chromium: updating the apt package lists"
    "${sudo[@]}" apt-get update -qq
  fi
  if ! apt-cache show "chromium=$CHROMIUM_VERSION" >/dev/null 2>&1; then
    echo "install-chromium: apt offers no chromium $CHROMIUM_VERSION ($(apt-cache policy chromium | sed -n 's/ *Candidate: //p') is its candidate);" >&2
    echo "  set CHROMIUM_VERSION in this script to a version that \`apt-cache policy chromium\` lists." >&2
    exit 1
  fi
  echo "install-chromium: installing chromium $CHROMIUM_VERSION"
  # chromium-common comes at the same version: chromium depends on it with "= version".
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "chromium=$CHROMIUM_VERSION" "chromium-common=$CHROMIUM_VERSION" </dev/null
  found="$(installed_version)"
  if [[ "$found" != "$CHROMIUM_VERSION" ]]; then
    echo "install-chromium: expected chromium $CHROMIUM_VERSION after apt-get install, found '${found:-nothing}'." >&2
    exit 1
  fi
fi

echo "install-chromium: chromium binary: $(command -v chromium)"
