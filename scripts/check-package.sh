#!/usr/bin/env bash
# Checks the package as npm would publish it: builds, packs the tarball, and lints that
# tarball with publint (warnings fail) and @arethetypeswrong/cli (how TypeScript resolves
# each entry point, from ESM and from CommonJS, under node16 and bundler resolution).
#
# Usage: npm run check:package
# attw runs with its node16 profile, which leaves out node10 resolution (it predates
# package.json "exports", so it finds no entry point), and without its cjs-resolves-to-esm
# rule: stowage is ESM only, and on Node >= 22.12 CommonJS code require()s it; attw's
# TypeScript predates that. docs/testing.md ("Packaging") says more.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npm run build --silent
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
tarball="$out/$(npm pack --silent --pack-destination "$out" | tail -n 1)"
echo "check-package: $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
npx --no-install publint run "$tarball" --strict
npx --no-install attw "$tarball" --profile node16 --ignore-rules cjs-resolves-to-esm --no-color
