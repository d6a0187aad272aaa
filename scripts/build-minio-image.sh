#!/usr/bin/env bash
# Builds the MinIO container image that testcontainers (test/support/servers.ts) and
# docker-compose.yml run, locally and without a registry: FROM scratch, holding the
# `minio` server that scripts/install-minio.sh built (plus the C library files it links)
# and `mc` (the health check of docker-compose.yml runs `mc ready local`), tagged with
# the exact name those two use, so Docker never pulls it.
#
# Usage: bash scripts/build-minio-image.sh     (after scripts/install-minio.sh and
#        scripts/install-docker.sh; needs Go for mc). Prints the image name.
# Does nothing when the image exists and holds the same binaries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The release of scripts/install-minio.sh, as quay.io names its image.
readonly IMAGE='quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z'
# mc publishes no semantic versions; this pseudo-version is what the Go module proxy
# serves as its latest (commit cf909e1063a9 of 2025-03-13).
readonly MC_MODULE='github.com/minio/mc'
readonly MC_VERSION='v0.0.0-20250313080218-cf909e1063a9'

for tool in go docker; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-minio-image: $tool is not installed (see docs/testing.md)." >&2
    exit 1
  fi
done

bin_dir="$(go env GOBIN)"
if [[ -z "$bin_dir" ]]; then
  gopath="$(go env GOPATH)"
  bin_dir="${gopath%%:*}/bin"
fi
minio="$bin_dir/minio"
mc="$bin_dir/mc"
if [[ ! -x "$minio" ]]; then
  echo "build-minio-image: $minio is missing; run bash scripts/install-minio.sh first." >&2
  exit 1
fi

module_version() {
  go version -m "$1" 2>/dev/null | awk -v module="$2" '$1 == "mod" && $2 == module { print $3 }'
}
if [[ -x "$mc" && "$(module_version "$mc" "$MC_MODULE")" == "$MC_VERSION" ]]; then
  echo "build-minio-image: $MC_MODULE@$MC_VERSION is already installed."
else
  echo "build-minio-image: building $MC_MODULE@$MC_VERSION (takes a few minutes)..."
  rm -f "$mc"
  # Static, so the image needs no C library for it.
  CGO_ENABLED=0 go install "$MC_MODULE@$MC_VERSION" </dev/null
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/rootfs/usr/bin" "$context/rootfs/data" "$context/rootfs/root" "$context/rootfs/tmp"
cp "$minio" "$mc" "$context/rootfs/usr/bin/"
# The dynamic loader and the libraries minio links (ldd's "=> /path" and "/lib64/ld-..." lines).
while read -r lib; do
  mkdir -p "$context/rootfs$(dirname "$lib")"
  cp -L "$lib" "$context/rootfs$lib"
done < <(ldd "$minio" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
# A label with the binaries' checksums tells whether an existing image is this one.
digest="$(cd "$context/rootfs" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
if [[ "$(docker image inspect --format '{{ index .Config.Labels "org.stowage.content" }}' "$IMAGE" 2>/dev/null)" == "$digest" ]]; then
  echo "build-minio-image: $IMAGE is already built from these binaries."
  exit 0
fi
cat >"$context/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENV HOME=/root MINIO_UPDATE=off
LABEL org.stowage.content="$digest"
EXPOSE 9000 9001
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/minio"]
CMD ["server", "/data"]
DOCKERFILE
# The classic builder: it needs no BuildKit plugin, and FROM scratch pulls nothing.
DOCKER_BUILDKIT=0 docker build --quiet --tag "$IMAGE" "$context" >/dev/null
echo "build-minio-image: built $IMAGE"
