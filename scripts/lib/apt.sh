# Sourced by the install scripts of Debian packages (install-docker.sh, install-curl.sh,
# install-chromium.sh): installs packages at pinned versions with apt-get, doing nothing
# when the first one is installed at its version already.
#
#   apt_install_pinned <label> <package>=<version> [<package>=<version>...]
#
# A version may end in `*` (any Debian revision of it, for packages whose security updates
# replace the old revision in the archive). The package lists are updated only when they do
# not offer a wanted version: on a fresh machine they may be missing or stale. Needs Debian 12
# (bookworm) and root, or sudo without a password.

apt_installed_version() {
  dpkg-query --showformat='${Status} ${Version}' --show "$1" 2>/dev/null | sed -n 's/^install ok installed //p'
}

apt_install_pinned() {
  local label=$1
  shift
  local first=${1%%=*} wanted=${1#*=}
  # shellcheck disable=SC2053 # the version may be a glob
  if [[ "$(apt_installed_version "$first")" == $wanted ]]; then
    echo "$label: $first $(apt_installed_version "$first") is already installed."
    return
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$label: apt-get not found; this script needs Debian 12 (bookworm). Install $* with this system's package manager." >&2
    return 1
  fi
  local sudo=()
  if [[ $EUID -ne 0 ]]; then sudo=(sudo -n); fi
  # Whether the lists offer every package at its version (`apt-cache show pkg=version`
  # succeeds even for a version the lists lack, so the versions madison lists are matched).
  offered() {
    local spec version found
    for spec in "$@"; do
      found=no
      while read -r version; do
        # shellcheck disable=SC2053
        if [[ "$version" == ${spec#*=} ]]; then found=yes; fi
      done < <(apt-cache madison "${spec%%=*}" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
      [[ $found == yes ]] || return 1
    done
  }
  if ! offered "$@"; then
    echo "$label: updating the apt package lists"
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq </dev/null
  fi
  if ! offered "$@"; then
    echo "$label: apt offers no $* ($(apt-cache policy "$first" | sed -n 's/ *Candidate: //p') is the candidate for $first);" >&2
    echo "  set the version in scripts/install-*.sh to one that \`apt-cache policy $first\` lists." >&2
    return 1
  fi
  echo "$label: installing $* (found '$(apt_installed_version "$first")')"
  # No recommends: only what the package needs to run. The lock timeout waits for another
  # apt-get (e.g. an unattended upgrade) instead of failing.
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" </dev/null
  # shellcheck disable=SC2053
  if [[ "$(apt_installed_version "$first")" != $wanted ]]; then
    echo "$label: expected $first $wanted after apt-get install, found '$(apt_installed_version "$first")'." >&2
    return 1
  fi
}
