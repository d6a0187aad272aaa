# Sourced by the install scripts: installs a Go command at a pinned version with
# `go install`, doing nothing when that version is installed already, and prints where it is.
#
#   go_install_pinned <label> <package> <module> <version> <binary name> <minutes it takes>

go_install_pinned() {
  local label=$1 package=$2 module=$3 version=$4 name=$5 minutes=$6
  if ! command -v go >/dev/null 2>&1; then
    echo "$label: Go is not installed (https://go.dev/dl/); it is needed to build $name." >&2
    return 1
  fi
  # `go install` writes to GOBIN when set, else to the first entry of GOPATH plus /bin.
  local bin_dir
  bin_dir="$(go env GOBIN)"
  if [[ -z "$bin_dir" ]]; then
    local gopath
    gopath="$(go env GOPATH)"
    bin_dir="${gopath%%:*}/bin"
  fi
  local binary="$bin_dir/$name"
  installed_version() {
    # `go version -m` prints a line "<tab>mod<tab><module><tab><version><tab><sum>".
    go version -m "$binary" 2>/dev/null | awk -v module="$module" '$1 == "mod" && $2 == module { print $3 }'
  }
  if [[ -x "$binary" && "$(installed_version)" == "$version" ]]; then
    echo "$label: $module@$version is already installed."
  else
    if [[ -e "$binary" ]]; then
      # go install overwrites only Go binaries; it refuses, e.g., a wrapper script there.
      echo "$label: replacing $binary (found version '$(installed_version)')"
      rm -f "$binary"
    fi
    echo "$label: building $package@$version (takes about $minutes minutes)..."
    go install "$package@$version" </dev/null
    local found
    found="$(installed_version)"
    if [[ "$found" != "$version" ]]; then
      echo "$label: expected $binary to be $version after go install, found '${found:-nothing}'." >&2
      return 1
    fi
  fi
  echo "$label: $name binary: $binary"
  echo "$label: add it to PATH with: export PATH=\"$bin_dir:\$PATH\""
}
