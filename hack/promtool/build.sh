#!/usr/bin/env bash
# Builds Prometheus's promtool from the Go module proxy and caches it outside
# the clone, keyed by the version and this module's go.sum, like
# hack/envtest/build.sh. Prints the path of the binary.
#
# The remove_all_sd tag leaves out the service-discovery plugins (cloud SDKs)
# that `promtool test rules` never uses; promtool still links the file and
# Kubernetes discovery it imports directly.
# Measured on 2 cores shared with five other builds (load average 20-57): with
# an empty Go build cache about an hour of wall time; with a warm Go build
# cache but no cached binary 24s (the link); with the binary cached 0.3s.
# The go.mod is kept with `go get github.com/prometheus/prometheus/cmd/promtool@<version>`
# (`go mod tidy` fails here on a test-only import of a dependency).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=$(awk -v m=github.com/prometheus/prometheus '$1=="require" && $2==m {print $3; exit} $1==m {print $2; exit}' "$here/go.mod")
sum=$(sha256sum "$here/go.sum" "$here/go.mod" "$here/build.sh" | sha256sum | cut -c1-12)
cache_root=${BSS_PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bss-operator/promtool}
dir="$cache_root/promtool-${version}-${sum}"

if [[ -x "$dir/promtool" ]]; then
  echo "$dir/promtool"
  exit 0
fi

mkdir -p "$cache_root"
tmp=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "building promtool $version into $dir (first time only, a few minutes)" >&2
cd "$here"
CGO_ENABLED=0 go build -trimpath -tags remove_all_sd -ldflags "-s -w" -o "$tmp/promtool" github.com/prometheus/prometheus/cmd/promtool >&2

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir/promtool"
