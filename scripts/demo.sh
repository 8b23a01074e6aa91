#!/bin/bash
# The main job on the embedded default. Until the backup engine and sync
# exist (issue 4) it shows what each program is, runs the library's own
# self-check through the real binary, and starts cofferd on a loopback
# port with a fresh data folder, asks it for its health, and stops it.
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
for p in coffer cofferd coffer-escrowd; do
	"$build/$p" --version
done
echo
"$build/coffer" help
echo
"$build/coffer" categories
echo
"$build/coffer" selftest
echo

tmp=$(mktemp -d /tmp/coffer-demo-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$build/cofferd" --data "$tmp/var" --listen 127.0.0.1:0 \
	--port-file "$tmp/port" 2>"$tmp/cofferd.log" &
pid=$!
for _ in $(seq 100); do
	[ -s "$tmp/port" ] && break
	sleep 0.05
done
port=$(cat "$tmp/port")
echo "cofferd: listening on 127.0.0.1:$port, data in $tmp/var"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
reply=$(cat <&3)
exec 3<&-
echo "GET /v1/health -> ${reply##*$'\r\n\r\n'}"
case $reply in
"HTTP/1.1 200"*) ;;
*) echo "demo: cofferd did not answer 200" >&2; exit 1 ;;
esac
kill -TERM "$pid"
wait "$pid"
echo "cofferd: stopped cleanly (SIGTERM)"
