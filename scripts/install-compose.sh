#!/usr/bin/env bash
# Installs Docker Compose v2 (the `docker compose` CLI plugin) that test/compose.test.ts
# runs docker-compose.yml with. Debian 12 ships only Compose v1 (the Python
# `docker-compose`), so the plugin is built from its Go module at a pinned version.
#
# Usage: bash scripts/install-compose.sh     (needs Go; root for the system plugin folder)
# Building takes a few minutes; the script does nothing when the pinned version is installed.
set -euo pipefail

readonly MODULE='github.com/docker/compose/v2'
readonly VERSION='v2.40.3'
# Where the docker CLI looks for plugins; a user without root can set DOCKER_CLI_PLUGINS_DIR=~/.docker/cli-plugins.
readonly PLUGIN_DIR="${DOCKER_CLI_PLUGINS_DIR:-/usr/local/lib/docker/cli-plugins}"
readonly PLUGIN="$PLUGIN_DIR/docker-compose"

if ! command -v go >/dev/null 2>&1; then
  echo 'install-compose: Go is not installed (https://go.dev/dl/); it is needed to build Docker Compose.' >&2
  exit 1
fi

# Built as the main module, the binary carries no module version; it reports the one set at build time.
installed_version() {
  "$PLUGIN" version --short 2>/dev/null | sed 's/^v*/v/'
}

if [[ -x "$PLUGIN" && "$(installed_version)" == "$VERSION" ]]; then
  echo "install-compose: $MODULE@$VERSION is already installed."
else
  echo "install-compose: building $MODULE@$VERSION (takes a few minutes)..."
  build_dir="$(mktemp -d)"
  trap 'rm -rf "$build_dir"' EXIT
  # `go install module@version` refuses this module (its go.mod has exclude directives), so
  # it is downloaded through the module proxy and built as the main module, in a copy
  # because the module cache is read-only. The version string is what `docker compose
  # version` prints; the upstream build sets it the same way.
  source_dir="$(go mod download -json "$MODULE@$VERSION" </dev/null | awk -F'"' '$2 == "Dir" { print $4 }')"
  cp -r "$source_dir" "$build_dir/src"
  chmod -R u+w "$build_dir/src"
  (cd "$build_dir/src" && CGO_ENABLED=0 go build -trimpath -o "$build_dir/docker-compose" \
    -ldflags "-s -w -X $MODULE/internal.Version=$VERSION" ./cmd </dev/null)
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$build_dir/docker-compose" "$PLUGIN"
  found="$(installed_version)"
  if [[ "$found" != "$VERSION" ]]; then
    echo "install-compose: expected $PLUGIN to be $VERSION after go install, found '${found:-nothing}'." >&2
    exit 1
  fi
fi
echo "install-compose: $("$PLUGIN" version) at $PLUGIN"
