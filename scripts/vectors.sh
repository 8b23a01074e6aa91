#!/bin/sh
# Rewrite tests/vectors/ from the test binaries that can write vectors
# (test_X --write-vectors DIR). Review the diff before committing: a
# changed vector is a changed format.
set -eu
build=${1:?usage: vectors.sh BUILD_DIR}
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/vectors"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" --write-vectors "$dir" && echo "vectors: $(basename "$t")"
done
