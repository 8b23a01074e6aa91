#!/usr/bin/env bash
# bench/backup/run.sh [--runs N] [--only coffer,restic,borg,cp] [--build DIR]
#                     [--keep]
# coffer (through a real cofferd on loopback), restic and borg (local
# repositories, encryption on, defaults) on the data set of dataset.sh, in
# one run, the method of /work/shared/reference/backup-anchors.md:
#   full      first backup into a fresh repository, source warm in page cache
#   nochange  a second backup, nothing changed
#   change    a backup after change.sh (the "1% change")
#   restore   restore of the latest snapshot into a fresh folder, verified
#             byte for byte against the source (diff -r) or the run fails
#   cp        cp -a of the data set into a fresh folder: the floor for restore
#   walk      find SRC -printf '%s %T@ %i\n' >/dev/null just before the
#             no-change backup: a bare walk that stats every file, the floor
#             for the no-change backup
#   restore_tmpfs, cp_tmpfs
#             after the restore on disk, cp -a of the changed tree into a
#             tmpfs (/dev/shm, or COFFER_BENCH_TMPFS), then the restore into
#             the same tmpfs, verified like the other: the disk out of the
#             figures
# with wall time, CPU (user+sys) and peak memory (/usr/bin/time %M) of the
# client; the repository's size after the full backup and its growth from
# the 1% change (du -sb; for coffer the server's data folder); for coffer
# also cofferd's CPU per operation and its peak memory (VmHWM) over a run;
# the allocated size (du -sB1: holes kept or not) of the source and of the
# restored tree (and of the sparse disk image alone), for every tool and
# for cp -a.
#
# Each round (N, default 3) runs cp -a once and every tool once on a fresh
# copy of the data set with a fresh repository, in a rotating order so a
# noisy neighbour hurts every tool alike; nothing is dropped from the page
# cache. It prints medians (min-max), coffer's ratio to each peer and the
# goals of issue 4, and writes everything to
# $COFFER_BENCH_DIR/results/backup-<time>.json (COFFER_BENCH_DIR defaults to
# /var/tmp/coffer-bench; the data set and working copies live there too,
# about 6 GiB free space needed). --keep keeps the working folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/backup/common.sh
. "$here/common.sh"
export LC_ALL=C

runs=3
only=coffer,restic,borg,cp
build=build
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=${2:?--runs N}; shift 2 ;;
	--only) only=${2:?--only LIST}; shift 2 ;;
	--build) build=${2:?--build DIR}; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive whole number"
tools=()
IFS=, read -ra want <<<"$only"
for t in "${want[@]}"; do
	case $t in
	coffer | restic | borg | cp) tools+=("$t") ;;
	*) die "unknown tool '$t' (coffer, restic, borg, cp)" ;;
	esac
done
[ ${#tools[@]} -gt 0 ] || die "--only names no tool"
has() { [[ " ${tools[*]} " == *" $1 "* ]]; }
case $build in /*) ;; *) build=$PWD/$build ;; esac

[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time (scripts/deps.sh bench)"
! has restic || command -v restic >/dev/null || die "restic is missing: scripts/deps.sh bench"
! has borg || command -v borg >/dev/null || die "borg is missing: scripts/deps.sh bench"
coffer_na=
if has coffer; then
	if [ ! -x "$build/coffer" ] || [ ! -x "$build/cofferd" ]; then
		coffer_na="no $build/coffer or cofferd: make build"
	elif ! "$build/coffer" backup --help >/dev/null 2>&1 </dev/null; then
		coffer_na="coffer CLI lacks 'backup'"
	fi
	[ -z "$coffer_na" ] || echo "run.sh: coffer: n/a ($coffer_na)" >&2
fi

data=$bench_root/data
"$here/dataset.sh" "$data"
mkdir -p "$bench_root/results"
avail=$(df -P -B1 "$bench_root" | awk 'NR == 2 {print $4}')
[ "$avail" -gt $((6 << 30)) ] || die "less than 6 GiB free under $bench_root"

work=$(mktemp -d "$bench_root/work.XXXXXX")
shm_root=${COFFER_BENCH_TMPFS:-/dev/shm}
[ "$(stat -f -c %T "$shm_root")" = tmpfs ] || die "$shm_root is not a tmpfs (set COFFER_BENCH_TMPFS)"
shm=$(mktemp -d "$shm_root/coffer-bench.XXXXXX")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=$work/raw.tsv
out=$bench_root/results/backup-$stamp.json
spid=
stop_server() {
	[ -n "$spid" ] || return 0
	kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	spid=
}
cleanup() {
	stop_server
	rm -rf "$shm"
	if [ -n "$keep" ]; then echo "run.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
: >"$raw"

record() { printf '%s\t%s\t%s\t%s\n' "$round" "$1" "$2" "$3" >>"$raw"; }
warm() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
repo_bytes() { du -sb "$1" | cut -f1; }
alloc_bytes() { du -sB1 "$1" | cut -f1; }
# record_alloc TOOL SRC COPY: allocated bytes of the source and the copy.
record_alloc() {
	record "$1" alloc.source "$(alloc_bytes "$2")"
	record "$1" alloc.restore "$(alloc_bytes "$3")"
	record "$1" alloc.image_source "$(alloc_bytes "$2/images/disk.img")"
	record "$1" alloc.image_restore "$(alloc_bytes "$3/images/disk.img")"
}
clk=$(getconf CLK_TCK)
# server_cpu: cofferd's user+sys CPU so far, in seconds.
server_cpu() {
	local stat
	stat=$(cat "/proc/$spid/stat")
	stat=${stat##*) }
	awk -v c="$clk" '{printf "%.2f", ($12 + $13) / c}' <<<"$stat"
}

# measure TOOL OP DIR CMD...: run CMD in DIR under /usr/bin/time (after a
# sync, so earlier writes are not flushed inside the timing) and record
# wall, cpu (user+sys) and rss (KiB) as TOOL OP.*; stops the run on failure.
measure() {
	local tool=$1 op=$2 cwd=$3 s0=0 s1 rc=0
	shift 3
	sync
	[ -z "$spid" ] || s0=$(server_cpu)
	(cd "$cwd" && exec /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@") \
		</dev/null >"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "run.sh: $tool $op failed (exit $rc): $*" >&2
		tail -n 20 "$work/out" "$work/err" >&2
		exit 1
	fi
	read -r wall user sys rss <"$work/time"
	record "$tool" "$op.wall" "$wall"
	record "$tool" "$op.cpu" "$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')"
	record "$tool" "$op.rss" "$rss"
	if [ -n "$spid" ]; then
		s1=$(server_cpu)
		record "$tool" "$op.server_cpu" "$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')"
	fi
	printf '  %-7s %-9s %7.2f s  cpu %6.2f s  peak %4d MiB\n' "$tool" "$op" \
		"$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" $((rss / 1024)) >&2
}

# restored_root RESTORE SRC: where a restore put the tree of SRC (tools keep
# the absolute path, a leading-slash-less path, the base name, or none).
restored_root() {
	local r=$1 src=$2 c
	for c in "$r$src" "$r/${src##*/}" "$r"; do
		if [ -d "$c/usr" ] && [ -d "$c/random" ]; then
			echo "$c"
			return
		fi
	done
	die "restore into $r holds no copy of $src"
}

# verify TOOL SRC COPY: byte for byte (diff -r) and the same entries; a
# mode/size/mtime difference is recorded as a warning, not a failure.
verify() {
	local tool=$1 a=$2 b=$3 na nb
	if ! diff -r -q --no-dereference "$a" "$b" >"$work/diff" 2>&1; then
		echo "run.sh: $tool: RESTORE DIFFERS from the source:" >&2
		head -n 20 "$work/diff" >&2
		exit 1
	fi
	na=$(find "$a" | wc -l)
	nb=$(find "$b" | wc -l)
	[ "$na" -eq "$nb" ] || die "$tool: restore has $nb entries, the source $na"
	if ! diff <(cd "$a" && find . -mindepth 1 -printf '%y %m %Ts %P\n' | sort) \
		<(cd "$b" && find . -mindepth 1 -printf '%y %m %Ts %P\n' | sort) >"$work/diff"; then
		echo "run.sh: $tool: warning: restored types, modes or mtimes differ:" >&2
		head -n 6 "$work/diff" >&2
		record "$tool" restore.metadata_differs 1
	fi
	record "$tool" restore.verified_files "$(find "$b" -type f | wc -l)"
}

start_server() {
	local t=$1
	printf 'quota = 20G\n' >"$t/cofferd.conf"
	"$build/cofferd" --data "$t/repo" --config "$t/cofferd.conf" \
		--listen 127.0.0.1:0 --port-file "$t/port" 2>"$t/cofferd.log" &
	spid=$!
	for _ in $(seq 200); do
		[ -s "$t/port" ] && break
		kill -0 "$spid" 2>/dev/null || die "cofferd exited: $(tail -n 3 "$t/cofferd.log")"
		sleep 0.05
	done
	[ -s "$t/port" ] || die "cofferd did not start"
	COFFER_SERVER=http://127.0.0.1:$(cat "$t/port")
	export COFFER_SERVER
}

# run_tool TOOL: one round of TOOL on a fresh copy, in a fresh folder.
run_tool() {
	local tool=$1 t=$work/t src before
	rm -rf "$t"
	mkdir -p "$t/restore"
	src=$t/src
	cp -a "$data" "$src"
	warm "$src"
	printf 'coffer-bench-password\n' >"$t/pass"
	chmod 0600 "$t/pass"
	case $tool in
	restic)
		export RESTIC_REPOSITORY=$t/repo RESTIC_PASSWORD_FILE=$t/pass RESTIC_CACHE_DIR=$t/cache
		restic init -q >/dev/null
		bk() { measure restic "$1" "$t" restic backup -q "$src"; }
		rs() { measure restic "$1" "$t" restic restore latest -q --target "$2"; }
		;;
	borg)
		export BORG_BASE_DIR=$t/base BORG_PASSPHRASE=coffer-bench-password
		borg init -e repokey-blake2 "$t/repo" 2>/dev/null
		bk() { measure borg "$1" "$t" borg create "$t/repo::$1" "$src"; }
		rs() { measure borg "$1" "$2" borg extract "$t/repo::change"; }
		;;
	coffer)
		start_server "$t"
		export COFFER_HOME=$t/home COFFER_LOGIN=bench COFFER_PASSWORD=coffer-bench-password
		"$build/coffer" --quiet account create --login bench --password-file "$t/pass" \
			</dev/null >/dev/null
		bk() { measure coffer "$1" "$t" "$build/coffer" --quiet backup create "$src"; }
		rs() { measure coffer "$1" "$t" "$build/coffer" --quiet backup restore latest --target "$2"; }
		;;
	esac
	bk full
	record "$tool" repo.full "$(repo_bytes "$t/repo")"
	measure "$tool" walk "$t" sh -c 'exec find "$1" -printf "%s %T@ %i\n" >/dev/null' sh "$src"
	bk nochange
	before=$(repo_bytes "$t/repo")
	"$here/change.sh" "$src" 2>/dev/null
	warm "$src"
	bk change
	record "$tool" repo.growth $(($(repo_bytes "$t/repo") - before))
	rs restore "$t/restore"
	rm -rf "${shm:?}"/*
	mkdir "$shm/restore"
	measure "$tool" cp_tmpfs "$t" cp -a "$src" "$shm/cp"
	rm -rf "$shm/cp"
	rs restore_tmpfs "$shm/restore"
	verify "$tool" "$src" "$(restored_root "$shm/restore" "$src")"
	rm -rf "${shm:?}"/*
	if [ "$tool" = coffer ]; then
		record coffer server.rss "$(awk '/^VmHWM:/ {print $2}' "/proc/$spid/status")"
		stop_server
		record coffer cache.bytes "$(repo_bytes "$t/home")"
	elif [ "$tool" = restic ]; then
		record restic cache.bytes "$(repo_bytes "$t/cache")"
	else
		record borg cache.bytes "$(repo_bytes "$t/base")"
	fi
	verify "$tool" "$src" "$(restored_root "$t/restore" "$src")"
	record_alloc "$tool" "$src" "$(restored_root "$t/restore" "$src")"
	rm -rf "$t"
}

peers=()
for t in "${tools[@]}"; do
	case $t in
	cp) ;;
	coffer) [ -n "$coffer_na" ] || peers+=("$t") ;;
	*) peers+=("$t") ;;
	esac
done
loads=()
for ((round = 1; round <= runs; round++)); do
	loads+=("$(cut -d' ' -f1-3 /proc/loadavg)")
	echo "round $round/$runs (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
	if has cp; then
		rm -rf "$work/cp"
		measure cp cp "$work" cp -a "$data" "$work/cp"
		record_alloc cp "$data" "$work/cp"
		rm -rf "$work/cp"
	fi
	for ((i = 0; i < ${#peers[@]}; i++)); do
		run_tool "${peers[(i + round - 1) % ${#peers[@]}]}"
	done
done
loads+=("$(cut -d' ' -f1-3 /proc/loadavg)")

version() { "$@" 2>/dev/null | head -n 1 || echo missing; }
{
	echo "date=$stamp"
	echo "host=$(hostname)"
	echo "cpu=$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1) x $(nproc)"
	echo "kernel=$(uname -r)"
	echo "runs=$runs"
	echo "tools=${tools[*]}"
	echo "coffer_na=$coffer_na"
	echo "loadavg=${loads[*]}"
	echo "restic=$(version restic version)"
	echo "borg=$(version borg --version)"
	echo "coffer=$(version "$build/coffer" --version)"
	echo "commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo -)"
	sed -n 's/^\(total\|usr\|random\|usr-content-sha256\|random-content-sha256\) /dataset_\1=/p' "$data.manifest"
} >"$work/meta"
python3 "$here/report.py" "$raw" "$work/meta" "$out"
echo "run.sh: results in $out" >&2
