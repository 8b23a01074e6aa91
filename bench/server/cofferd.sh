# Sourced by bench/server/run.sh and load.sh (which define die and tmp):
# start_cofferd BINARY [OPTIONS...]: start BINARY on a data folder
# $tmp/data and loopback port 0, its log in $tmp/cofferd.log; sets cpid
# and cport once it listens.
start_cofferd() {
	local bin=$1
	shift
	"$bin" --data "$tmp/data" --listen 127.0.0.1:0 \
		--port-file "$tmp/cofferd.port" "$@" 2>"$tmp/cofferd.log" &
	cpid=$!
	for _ in $(seq 1 100); do
		[ -s "$tmp/cofferd.port" ] && break
		kill -0 "$cpid" 2>/dev/null ||
			die "cofferd exited: $(tail -3 "$tmp/cofferd.log")"
		sleep 0.1
	done
	[ -s "$tmp/cofferd.port" ] || die "cofferd did not start"
	cport=$(cat "$tmp/cofferd.port")
}
