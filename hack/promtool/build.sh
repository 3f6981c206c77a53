#!/usr/bin/env bash
# Builds Prometheus's promtool from the Go module proxy and caches it outside
# the clone, like hack/envtest/build.sh. Prints the path of the binary: stdout
# is that one line; progress and compiler output go to stderr.
#
# The remove_all_sd tag leaves out the service-discovery plugins (cloud SDKs)
# that `promtool test rules` never uses; promtool still links the file and
# Kubernetes discovery it imports directly.
# Measured on 2 cores shared with five other builds (load average 20-57): with
# an empty Go build cache about an hour of wall time; with a warm Go build
# cache but no cached binary 24s (the link); with the binary cached 0.3s.
# The go.mod is kept with `go get github.com/prometheus/prometheus/cmd/promtool@<version>`
# (`go mod tidy` fails here on a test-only import of a dependency).
#
# The cache key is this module's go.mod and go.sum and the build flags, not
# this script's text nor the clone's path (see hack/envtest/build.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/progress.sh
. "$here/../lib/progress.sh"
# shellcheck source=../lib/cache.sh
. "$here/../lib/cache.sh"

version=$(awk -v m=github.com/prometheus/prometheus '$1=="require" && $2==m {print $3; exit} $1==m {print $2; exit}' "$here/go.mod")
goflags=(-trimpath -tags remove_all_sd -ldflags "-s -w")
# Every flag the build below uses is in recipe, so a change to them is a new key.
recipe="CGO_ENABLED=0 ${goflags[*]}"
sum=$({ cat "$here/go.sum" "$here/go.mod"; printf '%s\n' "$recipe"; } | sha256sum | cut -c1-12)
cache_root=${BSS_PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bss-operator/promtool}
dir="$cache_root/promtool-${version}-${sum}"

if [[ -x "$dir/promtool" ]]; then
  echo "$dir/promtool"
  exit 0
fi

mkdir -p "$cache_root"
# One build at a time; a second run waits and then finds the cache filled.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/.lock"
  if ! flock -n 9; then
    progress_say "waiting for another build of promtool to finish (lock $cache_root/.lock)"
    flock 9
  fi
  if [[ -x "$dir/promtool" ]]; then
    echo "$dir/promtool"
    exit 0
  fi
fi

tmp=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Earlier versions of this script keyed the cache by the sha256sum lines of
# go.sum, go.mod and build.sh, paths included. A binary built by the last of
# them (build.sh sha256 fe8aa2dd...) from the same go.mod and go.sum at this
# path is the same binary: link it instead of building again.
legacy_script=fe8aa2dd304bef643a6114bd82ed9338c0ec27887287faf6705667674a196b76
legacy_sum=$(legacy_cache_sum "$here" "$legacy_script")
legacy="$cache_root/promtool-${version}-${legacy_sum}"
if [[ -x "$legacy/promtool" ]]; then
  progress_say "reusing $legacy/promtool (cached by an earlier version of this script)"
  ln "$legacy/promtool" "$tmp/promtool" 2>/dev/null || cp "$legacy/promtool" "$tmp/promtool"
else
  progress_begin promtool 1
  progress_say "building promtool $version into $dir"
  progress_say "first time only: minutes with a warm Go build cache, up to an hour without; later runs reuse it"
  cd "$here"
  export CGO_ENABLED=0
  progress_step promtool go build "${goflags[@]}" -o "$tmp/promtool" github.com/prometheus/prometheus/cmd/promtool
fi

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir/promtool"
