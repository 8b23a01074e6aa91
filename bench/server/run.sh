#!/usr/bin/env bash
# bench/server/run.sh [BUILD_DIR]: cofferd's blob GET against nginx serving
# the same bytes as static files, on loopback, with wrk.
#
# Builds nothing: it runs BUILD_DIR/cofferd-test (default build/; make
# build), cofferd with the test suite's routes (tests/support/
# cofferd_test.h). Needs wrk and nginx (Debian: apt-get install wrk
# nginx-light). Starts it on a temporary data folder (the test routes
# only for a session token), uploads a 4 KiB and a 1 MiB blob, writes the
# same bytes as files that nginx serves (nginx runs in the foreground from
# a temporary prefix and configuration on a loopback port: no file outside
# the temporary folder is touched), then runs wrk against each and prints
# requests/s, payload MB/s (10^6 bytes of body per second) and
# cofferd/nginx.
#
# Environment: DURATION (s per run, default 10), THREADS (wrk threads,
# default 2), CONNECTIONS (default 32), SERVER_THREADS (cofferd pool and
# nginx workers, default the number of cores).
set -euo pipefail

build=${1:-build}
duration=${DURATION:-10}
threads=${THREADS:-2}
conns=${CONNECTIONS:-32}
cores=$(nproc)
sthreads=${SERVER_THREADS:-$cores}
here=$(cd "$(dirname "$0")" && pwd)
cofferd="$build/cofferd-test"

die() { echo "run.sh: $*" >&2; exit 1; }
# shellcheck source=bench/server/cofferd.sh
. "$here/cofferd.sh"

[ -x "$cofferd" ] || die "$cofferd not found: build first (make build)"
command -v wrk >/dev/null || die "wrk is missing: sudo apt-get install wrk"
command -v curl >/dev/null || die "curl is missing: sudo apt-get install curl"
nginx=$(command -v nginx || true)
[ -n "$nginx" ] || [ ! -x /usr/sbin/nginx ] || nginx=/usr/sbin/nginx
[ -n "$nginx" ] || die "nginx is missing: sudo apt-get install nginx-light"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench.XXXXXX")
cpid= npid=
cleanup() {
	[ -z "$cpid" ] || kill "$cpid" 2>/dev/null || true
	[ -z "$npid" ] || kill "$npid" 2>/dev/null || true
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"; [ -z "${KEEP:-}" ] || echo "kept $tmp" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port below the ephemeral range (where wrk's own sockets live) that
# nobody answers on; nginx cannot be told to pick one.
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	for _ in $(seq 1 50); do
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}

# --- cofferd ---
start_cofferd "$cofferd"
curl -sf -o /dev/null "http://127.0.0.1:$cport/v1/health" || die "cofferd does not answer"
token=$(curl -sf -X POST "http://127.0.0.1:$cport/v1/_test/session" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || die "no session token"
export COFFER_BENCH_AUTH="Bearer $token"

# nginx's workers may run as another user (nobody when started as root):
# let them through the temporary folder to the files, and no further.
chmod 711 "$tmp"
mkdir -m 755 "$tmp/www"
head -c 4096 /dev/urandom >"$tmp/www/b4k"
head -c 1048576 /dev/urandom >"$tmp/www/b1m"
declare -A blob
for f in b4k b1m; do
	id=$(sha256sum "$tmp/www/$f" | cut -c1-64)
	blob[$f]=$id
	st=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
		-H "Authorization: $COFFER_BENCH_AUTH" \
		-H 'Content-Type: application/octet-stream' \
		--data-binary "@$tmp/www/$f" \
		"http://127.0.0.1:$cport/v1/blobs/$id")
	[ "$st" = 201 ] || die "PUT $f: HTTP $st"
	curl -sf -H "Authorization: $COFFER_BENCH_AUTH" \
		"http://127.0.0.1:$cport/v1/blobs/$id" | cmp -s - "$tmp/www/$f" ||
		die "GET $f does not give the bytes back"
done

# --- nginx ---
mkdir -p "$tmp/nginx/logs" "$tmp/nginx/tmp"
# start_nginx PORT: write the configuration and start nginx in the
# foreground (in the background of this script); 0 once it serves.
start_nginx() {
	nport=$1
	cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes $sthreads;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path $tmp/nginx/tmp/body;
	proxy_temp_path $tmp/nginx/tmp/proxy;
	fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
	uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
	scgi_temp_path $tmp/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$nport;
		root $tmp/www;
	}
}
CONF
	"$nginx" -p "$tmp/nginx" -c "$tmp/nginx.conf" \
		-e "$tmp/nginx/logs/error.log" 2>"$tmp/nginx/logs/stderr" &
	npid=$!
	for _ in $(seq 1 50); do
		curl -sf -o /dev/null "http://127.0.0.1:$nport/b4k" && return 0
		kill -0 "$npid" 2>/dev/null || { npid=; return 1; }
		sleep 0.1
	done
	die "nginx does not serve the files: $(tail -3 "$tmp/nginx/logs/error.log")"
}
for try in 1 2 3 4 5; do
	start_nginx "$(free_port)" && break
	grep -q 'in use' "$tmp/nginx/logs/stderr" && [ "$try" -lt 5 ] ||
		die "nginx exited: $(cat "$tmp/nginx/logs/stderr")"
done
curl -sf "http://127.0.0.1:$nport/b1m" | cmp -s - "$tmp/www/b1m" ||
	die "nginx does not serve the files"

# --- wrk ---
# run NAME URL [lua]: one wrk run; prints "REQ_PER_S" on stdout.
run() {
	local name=$1 url=$2 out
	shift 2
	out=$(wrk -t "$threads" -c "$conns" -d "${duration}s" --latency "$@" "$url")
	echo "$out" >"$tmp/wrk-$name.txt"
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "run.sh: $name: $(grep 'Non-2xx' <<<"$out")" >&2
		exit 1
	fi
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}
p50() { awk '$1 == "50%" { print $2 }' "$tmp/wrk-$1.txt"; }

echo "# cofferd $("$cofferd" --version | cut -d' ' -f2) vs $("$nginx" -v 2>&1 | sed 's/.*: //')," \
	"loopback, $cores cores; wrk -t$threads -c$conns -d${duration}s;" \
	"cofferd threads and nginx workers: $sthreads"
printf '%-22s %12s %10s %10s %8s\n' what 'requests/s' 'MB/s' 'p50' ratio
for f in b4k b1m; do
	size=$(stat -c %s "$tmp/www/$f")
	c=$(run "cofferd-$f" "http://127.0.0.1:$cport/v1/blobs/${blob[$f]}" \
		-s "$here/auth.lua")
	n=$(run "nginx-$f" "http://127.0.0.1:$nport/$f")
	label=$([ "$f" = b4k ] && echo '4 KiB' || echo '1 MiB')
	awk -v what="cofferd GET $label" -v r="$c" -v s="$size" -v p="$(p50 "cofferd-$f")" \
		'BEGIN { printf "%-22s %12.0f %10.1f %10s\n", what, r, r * s / 1e6, p }'
	awk -v what="nginx GET $label" -v r="$n" -v s="$size" -v p="$(p50 "nginx-$f")" -v c="$c" \
		'BEGIN { printf "%-22s %12.0f %10.1f %10s %8.2f\n", what, r, r * s / 1e6, p, c / r }'
done

# --- records: authenticated writes and reads (no nginx equivalent) ---
# Only when the build has the records routes.
zone=00112233445566778899aabbccddeeff
st=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
	-H "Authorization: $COFFER_BENCH_AUTH" -H 'Content-Type: application/json' \
	-d '{"category":"notes"}' "http://127.0.0.1:$cport/v1/zones/$zone")
if [ "$st" = 201 ]; then
	nrec=64
	data=$(head -c 256 /dev/zero | base64 -w0 | tr '+/' '-_' | tr -d '=')
	for i in $(seq 0 $((nrec - 1))); do
		st=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
			-H "Authorization: $COFFER_BENCH_AUTH" \
			-H 'Content-Type: application/json' \
			-d "{\"data\":\"$data\",\"version\":0}" \
			"http://127.0.0.1:$cport/v1/zones/$zone/records/$(printf '%032x' "$i")")
		[ "$st" = 200 ] || [ "$st" = 201 ] || die "record $i: HTTP $st"
	done
	export COFFER_BENCH_ZONE=$zone COFFER_BENCH_RECORDS=$nrec COFFER_BENCH_SIZE=256
	w=$(COFFER_BENCH_MODE=put run records-put "http://127.0.0.1:$cport/" \
		-s "$here/records.lua")
	r=$(COFFER_BENCH_MODE=get run records-get "http://127.0.0.1:$cport/" \
		-s "$here/records.lua")
	awk -v what="cofferd record PUT" -v r="$w" -v p="$(p50 records-put)" \
		'BEGIN { printf "%-22s %12.0f %10s %10s   (new 256-byte records, each fsynced)\n", what, r, "-", p }'
	awk -v what="cofferd record GET" -v r="$r" -v p="$(p50 records-get)" \
		'BEGIN { printf "%-22s %12.0f %10s %10s   (256-byte records)\n", what, r, "-", p }'
else
	echo "# no records routes in this build (PUT /v1/zones/{zone}: HTTP $st): record runs skipped"
fi
