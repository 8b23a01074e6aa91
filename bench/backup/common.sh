# shellcheck shell=bash
# Shared by the bench/backup scripts (sourced, not run).

# Where data sets, working copies and results live: outside the repository.
# shellcheck disable=SC2034 # used by the scripts that source this
bench_root=${COFFER_BENCH_DIR:-/var/tmp/coffer-bench}

die() { echo "${0##*/}: $*" >&2; exit 1; }

# seeded_bytes N LABEL: N bytes of AES-256-CTR keystream under the key
# SHA-256("coffer-bench/v1/" LABEL), IV 0: incompressible, the same on every
# machine, and a different stream for every label (distinct keys, so no two
# files share a block, as they would with one key and nearby IVs).
seeded_bytes() {
	local n=$1 label=$2 key
	key=$(printf 'coffer-bench/v1/%s' "$label" | sha256sum)
	key=${key%% *}
	head -c "$n" /dev/zero |
		openssl enc -aes-256-ctr -nosalt -K "$key" \
			-iv 00000000000000000000000000000000
}
