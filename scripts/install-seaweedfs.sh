#!/usr/bin/env bash
# Installs the SeaweedFS server (`weed`, whose S3 gateway the integration tests start:
# test/support/gateways.ts).
#
# Usage: bash scripts/install-seaweedfs.sh
# Needs Go. Building SeaweedFS from source takes about 7 minutes on two cores; the script
# does nothing when the pinned version is already installed. It prints where the binary is.
set -euo pipefail

# This Go pseudo-version is SeaweedFS 4.53 at commit 7506e5f91cd6 (2026-11-09). `go install
# module@version` refuses it because SeaweedFS's go.mod has replace directives, so the script
# downloads the module through the Go module proxy, copies it somewhere writable and builds
# ./weed there. The commit is stamped into the binary (`weed version` prints it), which is
# how a later run knows the pinned version is installed.
readonly MODULE='github.com/seaweedfs/seaweedfs'
readonly VERSION='v0.0.0-20261109003541-7506e5f91cd6'
readonly COMMIT='7506e5f91cd6'
readonly COMMIT_FLAG="-X $MODULE/weed/util/version.COMMIT=$COMMIT"

if ! command -v go >/dev/null 2>&1; then
  echo 'install-seaweedfs: Go is not installed (https://go.dev/dl/); it is needed to build SeaweedFS.' >&2
  exit 1
fi

# Installed next to what `go install` writes: GOBIN when set, else the first GOPATH entry plus /bin.
bin_dir="$(go env GOBIN)"
if [[ -z "$bin_dir" ]]; then
  gopath="$(go env GOPATH)"
  bin_dir="${gopath%%:*}/bin"
fi
binary="$bin_dir/weed"

installed_commit() {
  # `go version -m` prints the build settings, one being "<tab>build<tab>-ldflags=...".
  go version -m "$binary" 2>/dev/null | grep -o "version\.COMMIT=[0-9a-f]*" | head -n1 | cut -d= -f2
}

if [[ -x "$binary" && "$(installed_commit)" == "$COMMIT" ]]; then
  echo "install-seaweedfs: $MODULE@$VERSION is already installed."
else
  echo "install-seaweedfs: building $MODULE@$VERSION (takes about 7 minutes)..."
  module_dir="$(go mod download -json "$MODULE@$VERSION" </dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$module_dir" || ! -f "$module_dir/go.mod" ]]; then
    echo "install-seaweedfs: go mod download did not give the module's directory for $MODULE@$VERSION." >&2
    exit 1
  fi
  # The module cache is read-only, and go build writes nothing there, but a build inside the
  # cache would not be the main module with its replace directives: copy it out.
  build_dir="$(mktemp -d)"
  trap 'rm -rf "$build_dir"' EXIT
  cp -R "$module_dir/." "$build_dir"
  chmod -R u+w "$build_dir"
  mkdir -p "$bin_dir"
  (cd "$build_dir" && go build -buildvcs=false -ldflags "$COMMIT_FLAG" -o "$binary.partial" ./weed </dev/null)
  mv -f "$binary.partial" "$binary"
  found="$(installed_commit)"
  if [[ "$found" != "$COMMIT" ]]; then
    echo "install-seaweedfs: expected $binary to be commit $COMMIT after the build, found '${found:-nothing}'." >&2
    exit 1
  fi
fi

echo "install-seaweedfs: SeaweedFS binary: $binary ($("$binary" version 2>/dev/null | head -n1))"
echo "install-seaweedfs: add it to PATH with: export PATH=\"$bin_dir:\$PATH\""
