#!/usr/bin/env bash
# bench/server/load.sh: cofferd under mixed legitimate load, with or
# without an attacker from other loopback addresses (bench/README.md,
# "Load under attack").
#
#   bench/server/load.sh [--minutes M] [--clients N] [--attack | --compare]
#       [--build DIR] [--ksf cheap|server] [--set KEY=VALUE]... [--keep]
#       [-- BENCH-LOAD OPTIONS]
#
# Builds nothing: it runs BUILD/cofferd (the production server) on a fresh
# data folder under a temporary folder and loopback port 0, then
# BUILD/bench/bench-load against it. --minutes is per phase (default 10);
# --attack runs the attack phase only, --compare baseline then attack on
# the same server and accounts, and prints the ratios. --ksf cheap (the
# default) sets the OPAQUE key stretching to t=1, m=8 KiB so that the
# client threads leave the CPU to cofferd; --ksf server keeps the
# server's defaults (the production profile). --set adds a line to
# cofferd.conf (repeatable; a key set twice stops cofferd). What follows
# "--" goes to bench-load (--think, --slowloris, --flood-threads, ...).
set -euo pipefail

build=build minutes=10 clients=100 mode=baseline ksf=cheap keep=
sets=() extra=()
die() { echo "load.sh: $*" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/server/cofferd.sh
. "$here/cofferd.sh"
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=${2:?}; shift 2 ;;
	--clients) clients=${2:?}; shift 2 ;;
	--attack) mode=attack; shift ;;
	--compare) mode=both; shift ;;
	--build) build=${2:?}; shift 2 ;;
	--ksf) ksf=${2:?}; shift 2 ;;
	--set) sets+=("${2:?}"); shift 2 ;;
	--keep) keep=1; shift ;;
	--) shift; extra=("$@"); break ;;
	*) die "unknown option $1 (see the top of this script)" ;;
	esac
done
case $minutes in
''|*[!0-9.]*) die "--minutes: expected a number" ;;
esac
case $ksf in cheap|server) ;; *) die "--ksf: cheap or server" ;; esac
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60 + 0.5); print s < 1 ? 1 : s }')

cofferd="$build/cofferd" bench="$build/bench/bench-load"
[ -x "$cofferd" ] || die "$cofferd not found: build first (make build)"
[ -x "$bench" ] || die "$bench not found: build first (make build)"

# Slowloris holds a socket per connection on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/coffer-load.XXXXXX")
cpid=
cleanup() {
	[ -z "$cpid" ] || kill "$cpid" 2>/dev/null || true
	[ -z "$cpid" ] || wait "$cpid" 2>/dev/null || true
	if [ -n "$keep" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The legitimate clients all come from 127.0.0.1 (libcoffer cannot bind
# another source address): one address stands for many people, so its
# connection cap must hold every client's connections. The attacker's
# addresses get the same cap and stay far below it.
conf="$tmp/cofferd.conf"
{
	echo "# bench/server/load.sh"
	echo "per_ip_connections = $((clients * 4 + 64))"
	# The same address also makes every client's account at the start.
	echo "register_per_address = $((clients + 16))"
	if [ "$ksf" = cheap ]; then
		echo "opaque_t_cost = 1"
		echo "opaque_m_cost = 8"
	fi
	for s in ${sets[@]+"${sets[@]}"}; do
		echo "${s%%=*} = ${s#*=}"
	done
} >"$conf"

mkdir "$tmp/homes"
start_cofferd "$cofferd" --config "$conf"

settings=$(grep -v '^#' "$conf" | tr '\n' ';' | sed 's/;$//; s/;/; /g')
note="cofferd $("$cofferd" --version | cut -d' ' -f2) (production binary), \
$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); cofferd.conf: $settings"
[ "$ksf" = server ] || note="$note (cheap OPAQUE costs: sign-in timings leave out the production key stretching)"

# The clients refuse less stretching than the production profile unless
# told otherwise (docs/PROTOCOL-opaque.md): cheap costs need --ksf-min.
ksfmin=()
[ "$ksf" = server ] || ksfmin=(--ksf-min 1,8)
"$bench" --url "http://127.0.0.1:$cport" --workdir "$tmp/homes" \
	--pid "$cpid" --mode "$mode" --clients "$clients" \
	--seconds "$seconds" --note "$note" ${ksfmin[@]+"${ksfmin[@]}"} \
	${extra[@]+"${extra[@]}"}
echo "# cofferd log: $(wc -l <"$tmp/cofferd.log") lines;" \
	"statuses: $(sed -n 's/.* status=\([0-9]*\) .*/\1/p' "$tmp/cofferd.log" |
	sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }')"
