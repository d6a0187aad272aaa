#!/usr/bin/env bash
# Installs the MinIO server that the integration tests start (test/support/servers.ts).
#
# Usage: bash scripts/install-minio.sh
# Needs Go. Building MinIO from source takes about five minutes; the script does nothing
# when the pinned version is already installed. It prints where the binary is.
set -euo pipefail

# This Go pseudo-version IS the MinIO release RELEASE.2025-09-07T16-13-09Z (commit 07c3a429bfed).
# The Go module proxy refuses the RELEASE tag name itself (it is not a semantic version),
# so the pin has to be the pseudo-version. Keep the two in step with docker-compose.yml and
# test/support/servers.ts, which use the release tag for the container image.
readonly MODULE='github.com/minio/minio'
readonly VERSION='v0.0.0-20250907161309-07c3a429bfed'

if ! command -v go >/dev/null 2>&1; then
  echo 'install-minio: Go is not installed (https://go.dev/dl/); it is needed to build MinIO.' >&2
  exit 1
fi

# `go install` writes to GOBIN when set, else to the first entry of GOPATH plus /bin.
bin_dir="$(go env GOBIN)"
if [[ -z "$bin_dir" ]]; then
  gopath="$(go env GOPATH)"
  bin_dir="${gopath%%:*}/bin"
fi
binary="$bin_dir/minio"

installed_version() {
  # `go version -m` prints a line "<tab>mod<tab>github.com/minio/minio<tab><version><tab><sum>".
  go version -m "$binary" 2>/dev/null | awk -v module="$MODULE" '$1 == "mod" && $2 == module { print $3 }'
}

if [[ -x "$binary" && "$(installed_version)" == "$VERSION" ]]; then
  echo "install-minio: $MODULE@$VERSION is already installed."
else
  if [[ -e "$binary" ]]; then
    # go install overwrites only Go binaries; it refuses, e.g., a wrapper script there.
    echo "install-minio: replacing $binary (found version '$(installed_version)')"
    rm -f "$binary"
  fi
  echo "install-minio: building $MODULE@$VERSION (takes about 5 minutes)..."
  go install "$MODULE@$VERSION" </dev/null
  found="$(installed_version)"
  if [[ "$found" != "$VERSION" ]]; then
    echo "install-minio: expected $binary to be $VERSION after go install, found '${found:-nothing}'." >&2
    exit 1
  fi
fi

echo "install-minio: MinIO server binary: $binary"
echo "install-minio: add it to PATH with: export PATH=\"$bin_dir:\$PATH\""
