#!/usr/bin/env bash
# Installs and starts the Docker engine that the container tests use (testcontainers and
# docker-compose.yml, docs/testing.md): Debian's docker.io at a pinned version, then
# `dockerd` in the background when no daemon answers on its default socket, publishing
# container ports on 127.0.0.1 unless a container names another address.
#
# Usage: sudo bash scripts/install-docker.sh     (Debian 12; needs root, reads no stdin)
# Does nothing that is already done: the package at the pinned version, a running daemon.
# The daemon log is /var/log/stowage-dockerd.log.
set -euo pipefail

# Debian 12 (bookworm) docker.io; `apt-cache policy docker.io` lists what the mirror has.
readonly DOCKER_VERSION='20.10.24+dfsg1-1+deb12u1+b6'
readonly SOCKET='/var/run/docker.sock'
readonly LOG='/var/log/stowage-dockerd.log'
readonly START_TIMEOUT_S=60

if [[ $EUID -ne 0 ]]; then
  echo 'install-docker: run as root (apt-get install and dockerd need it).' >&2
  exit 1
fi

# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_pinned install-docker "docker.io=$DOCKER_VERSION"

# Debian's docker CLI, whatever else is earlier on PATH.
readonly DOCKER=/usr/bin/docker
if "$DOCKER" -H "unix://$SOCKET" version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  echo "install-docker: a Docker daemon already answers on $SOCKET."
else
  echo "install-docker: starting dockerd (log: $LOG)..."
  # No init system is assumed (CI machines and containers often have none): dockerd runs
  # detached from this script and outlives it. --ip: ports that containers publish without
  # naming an address (testcontainers publishes them so) listen on loopback only.
  nohup setsid /usr/sbin/dockerd --host "unix://$SOCKET" --ip 127.0.0.1 >>"$LOG" 2>&1 </dev/null &
  for ((waited = 0; ; waited++)); do
    if "$DOCKER" -H "unix://$SOCKET" version --format '{{.Server.Version}}' >/dev/null 2>&1; then break; fi
    if ((waited >= START_TIMEOUT_S)); then
      echo "install-docker: dockerd did not answer within ${START_TIMEOUT_S} s; the end of $LOG:" >&2
      tail -n 30 "$LOG" >&2
      exit 1
    fi
    sleep 1
  done
fi
echo "install-docker: Docker $("$DOCKER" -H "unix://$SOCKET" version --format '{{.Server.Version}}') on unix://$SOCKET"
