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

source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"

go_install_pinned install-minio "$MODULE" "$MODULE" "$VERSION" minio 5
