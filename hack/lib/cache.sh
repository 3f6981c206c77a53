# shellcheck shell=bash
# Cache keys shared by the long tool builds (hack/envtest/build.sh,
# hack/promtool/build.sh). Sourced, not executed.

# legacy_cache_sum DIR SCRIPT_SHA256 prints the 12-character key that the
# earlier versions of DIR/build.sh gave their cache: the sha256sum lines of
# DIR/go.sum, DIR/go.mod and DIR/build.sh (whose content hash was
# SCRIPT_SHA256), absolute paths included. A binary cached under it was
# built from the same go.mod and go.sum, so it can be linked instead of
# built again.
legacy_cache_sum() {
  local dir=$1 script_sha=$2
  printf '%s  %s\n' \
    "$(sha256sum <"$dir/go.sum" | cut -d' ' -f1)" "$dir/go.sum" \
    "$(sha256sum <"$dir/go.mod" | cut -d' ' -f1)" "$dir/go.mod" \
    "$script_sha" "$dir/build.sh" | sha256sum | cut -c1-12
}
