# Sourced by the scripts that install a pinned Debian package (install-curl.sh,
# install-iproute2.sh). Needs apt-get and root.

# apt_install SCRIPT PACKAGE=VERSION: installs the package at that version (a glob
# accepted, for Debian revisions), refreshing the package lists once when they are
# missing or stale (a fresh machine); without apt-get, says so and exits.
apt_install() {
  local script=$1 spec=$2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$script: no apt-get here; install ${spec%%=*} ${spec#*=} with this system's package manager." >&2
    exit 1
  fi
  apt-get install -y --no-install-recommends "$spec" || {
    apt-get update
    apt-get install -y --no-install-recommends "$spec"
  }
}
