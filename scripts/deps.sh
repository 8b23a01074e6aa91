#!/bin/sh
# Install the Debian 12 packages coffer needs, and only those missing.
#   scripts/deps.sh [build|test|fuzz|bench]...   (default: build test)
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -eu

pkgs_build="gcc make cmake pkg-config libsodium-dev libssl-dev
	libmicrohttpd-dev libjansson-dev libsqlite3-dev libcurl4-openssl-dev
	libzstd-dev libfuse3-dev"
pkgs_test="libcmocka-dev python3 binutils fuse3"
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_bench="restic borgbackup time"

[ $# -gt 0 ] || set -- build test
want=""
for set in "$@"; do
	case $set in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_build $pkgs_test" ;;
	fuzz) want="$want $pkgs_build $pkgs_fuzz" ;;
	bench) want="$want $pkgs_build $pkgs_bench" ;;
	*) echo "deps.sh: unknown set '$set' (build, test, fuzz, bench)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "coffer needs these Debian packages:$missing" >&2
	echo "run:  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
