#!/usr/bin/env bash
# Installs the versitygw S3 gateway that the integration tests start on a POSIX directory
# (test/support/gateways.ts).
#
# Usage: bash scripts/install-versitygw.sh
# Needs Go. Building versitygw from source takes about 2 minutes on two idle cores; the
# script does nothing when the pinned version is already installed. It prints where the
# binary is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"

go_install_pinned install-versitygw github.com/versity/versitygw/cmd/versitygw github.com/versity/versitygw v1.8.0 versitygw 2
