#!/bin/sh
# Run every libFuzzer harness of a fuzz build for a bounded time, two at a
# time, each from its seed corpus (tests/fuzz/corpus/<name>/) when there is
# one. Closes with "fuzz: N passed, N failed".
#   scripts/fuzz.sh BUILD_DIR SECONDS
set -u
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
secs=${2:-30}
top="$(cd "$(dirname "$0")/.." && pwd)"
out="$build/fuzz-out"
mkdir -p "$out"
jobs=$(nproc)

run_one() {
	f=$1
	name=$(basename "$f")
	short=${name#fuzz_}
	work="$out/$short"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds="$top/tests/fuzz/corpus/$short"
	[ -d "$seeds" ] || seeds=""
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	    "$work/corpus" $seeds >"$work/log" 2>&1; then
		echo "ok $name ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$') runs)"
	else
		echo "FAILED $name: see $work/log"
		tail -40 "$work/log"
	fi
}

fuzzers=$(find "$build/tests" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ -n "$fuzzers" ] || { echo "fuzz: 0 passed, 1 failed (no harness built)"; exit 1; }
results="$out/results"
: >"$results"
set -- $fuzzers
while [ $# -gt 0 ]; do
	i=0
	while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
		run_one "$1" >>"$results" &
		shift
		i=$((i + 1))
	done
	wait
done
cat "$results"
passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^FAILED ' "$results")
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
