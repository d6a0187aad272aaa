#!/usr/bin/env bash
# Installs the versitygw S3 gateway that the integration tests start on a POSIX directory
# (test/support/s3-servers.ts).
#
# Usage: bash scripts/install-versitygw.sh
# Needs Go. Building versitygw from source takes about 2 minutes on two cores; the script
# does nothing when the pinned version is already installed. It prints where the binary is.
set -euo pipefail

readonly PACKAGE='github.com/versity/versitygw/cmd/versitygw'
readonly MODULE='github.com/versity/versitygw'
readonly VERSION='v1.8.0'

if ! command -v go >/dev/null 2>&1; then
  echo 'install-versitygw: Go is not installed (https://go.dev/dl/); it is needed to build versitygw.' >&2
  exit 1
fi

# `go install` writes to GOBIN when set, else to the first entry of GOPATH plus /bin.
bin_dir="$(go env GOBIN)"
if [[ -z "$bin_dir" ]]; then
  gopath="$(go env GOPATH)"
  bin_dir="${gopath%%:*}/bin"
fi
binary="$bin_dir/versitygw"

installed_version() {
  # `go version -m` prints a line "<tab>mod<tab>github.com/versity/versitygw<tab><version><tab><sum>".
  go version -m "$binary" 2>/dev/null | awk -v module="$MODULE" '$1 == "mod" && $2 == module { print $3 }'
}

if [[ -x "$binary" && "$(installed_version)" == "$VERSION" ]]; then
  echo "install-versitygw: $MODULE@$VERSION is already installed."
else
  if [[ -e "$binary" ]]; then
    # go install overwrites only Go binaries; it refuses, e.g., a wrapper script there.
    echo "install-versitygw: replacing $binary (found version '$(installed_version)')"
    rm -f "$binary"
  fi
  echo "install-versitygw: building $PACKAGE@$VERSION (takes about 2 minutes)..."
  go install "$PACKAGE@$VERSION" </dev/null
  found="$(installed_version)"
  if [[ "$found" != "$VERSION" ]]; then
    echo "install-versitygw: expected $binary to be $VERSION after go install, found '${found:-nothing}'." >&2
    exit 1
  fi
fi

echo "install-versitygw: versitygw binary: $binary"
echo "install-versitygw: add it to PATH with: export PATH=\"$bin_dir:\$PATH\""
