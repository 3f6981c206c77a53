#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each (default
# 10s): go test -fuzz takes one target and one package at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
status=0
while IFS= read -r line; do
  file=${line%%:*}
  name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"${line#*:}")
  pkg=./$(dirname "$file")
  echo "fuzz: $pkg $name for $fuzztime"
  if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime"; then
    status=1
  fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | grep -v '^./hack/envtest/' | sed -E 's/^\.\///; s/^([^:]*):[0-9]+:/\1:/')
exit $status
