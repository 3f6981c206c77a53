#!/usr/bin/env bash
# Builds the envtest control-plane binaries (kube-apiserver, etcd, kubectl)
# from the Go module proxy and caches them outside the clone. Prints the
# directory that holds them, which is what KUBEBUILDER_ASSETS must point at:
# stdout is that one line; progress and compiler output go to stderr.
#
# A cold build takes 15-25 minutes on 2 cores (an hour when the machine is
# busy), with a line per binary as it starts and ends; a warm one is a
# cache hit and prints nothing else.
#
# The cache key is what decides the binaries: this module's go.mod and
# go.sum, the etcd wrapper and the build flags. Not this script's text (so
# that editing a message does not throw away an hour of build) and not the
# clone's path (so that every clone and worktree on a machine shares one
# build). Concurrent runs wait for one build instead of starting their own.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/progress.sh
. "$here/../lib/progress.sh"
# shellcheck source=../lib/cache.sh
. "$here/../lib/cache.sh"

k8s_version=$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$here/go.mod")
etcd_version=$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$here/go.mod")

# Stamp the version, or the apiserver reports v0.0.0-master and clients that
# check the server version misbehave.
major=${k8s_version#v}; major=${major%%.*}
minor=${k8s_version#v*.}; minor=${minor%%.*}
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=0000000000000000000000000000000000000000"
ldflags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
etcd_ldflags="-s -w"
goflags=(-trimpath)
# Every flag the builds below use is in recipe, so a change to them is a new key.
recipe="CGO_ENABLED=0 ${goflags[*]} ldflags=$ldflags etcd_ldflags=$etcd_ldflags"

sum=$({ cat "$here/go.sum" "$here/go.mod" "$here/etcd/main.go"; printf '%s\n' "$recipe"; } | sha256sum | cut -c1-12)
cache_root=${BSS_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bss-operator/envtest}
dir="$cache_root/k8s-${k8s_version}-etcd-${etcd_version}-${sum}"
bins=(kube-apiserver etcd kubectl)

built() {
  local b
  for b in "${bins[@]}"; do [[ -x "$1/$b" ]] || return 1; done
}

if built "$dir"; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache_root"
# One build at a time: a second run (another worktree, a parallel make)
# waits and then finds the cache filled.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/.lock"
  if ! flock -n 9; then
    progress_say "waiting for another build of the envtest binaries to finish (lock $cache_root/.lock)"
    flock 9
  fi
  if built "$dir"; then
    echo "$dir"
    exit 0
  fi
fi

tmp=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Earlier versions of this script keyed the cache by the sha256sum lines of
# go.sum, go.mod and build.sh, paths included. Binaries built by the last of
# them (build.sh sha256 f32d3c7b...) from the same go.mod and go.sum at this
# path are the same binaries: link them instead of building for an hour.
legacy_script=f32d3c7b5313e716589f854fabbf6c955a5a2ed4c976fd30accc3bdebd8acab8
legacy_sum=$(legacy_cache_sum "$here" "$legacy_script")
legacy="$cache_root/k8s-${k8s_version}-etcd-${etcd_version}-${legacy_sum}"
if built "$legacy"; then
  progress_say "reusing the binaries in $legacy (cached by an earlier version of this script)"
  for b in "${bins[@]}"; do
    ln "$legacy/$b" "$tmp/$b" 2>/dev/null || cp "$legacy/$b" "$tmp/$b"
  done
else
  progress_begin envtest ${#bins[@]}
  progress_say "building kube-apiserver $k8s_version, etcd $etcd_version and kubectl into $dir"
  progress_say "first time only: 15-25 minutes on 2 cores, longer on a busy machine; later runs reuse them"
  cd "$here"
  export CGO_ENABLED=0
  progress_step kube-apiserver go build "${goflags[@]}" -ldflags "$ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  progress_step kubectl go build "${goflags[@]}" -ldflags "$ldflags" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
  progress_step etcd go build "${goflags[@]}" -ldflags "$etcd_ldflags" -o "$tmp/etcd" ./etcd
fi

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir"
