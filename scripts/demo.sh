#!/bin/bash
# The main job on the embedded default (SQLite and a local folder, no
# setup): start cofferd on a loopback port, create an account, back up a
# real folder of this machine, restore it and compare every byte, sync a
# note between two devices (two client homes) of the account, then read
# every byte the server stored and look for what it must never hold.
# Exits non-zero at the first step that fails.
#   scripts/demo.sh BUILD_DIR [FOLDER]     (FOLDER: /usr/share/doc)
set -euo pipefail
build=$(cd "${1:?usage: demo.sh BUILD_DIR [FOLDER]}" && pwd)
src=${2:-/usr/share/doc}
coffer=$build/coffer

step() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

tmp=$(mktemp -d /tmp/coffer-demo-XXXXXX)
pid=
phone_pid=
cleanup() {
	[ -n "$phone_pid" ] && kill "$phone_pid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

step "the programs"
for p in coffer cofferd coffer-escrowd; do
	"$build/$p" --version
done
"$coffer" selftest >"$tmp/selftest.txt" ||
	{ cat "$tmp/selftest.txt"; die "selftest failed"; }
tail -n 1 "$tmp/selftest.txt"

step "cofferd on the embedded default (SQLite + a local folder)"
"$build/cofferd" --data "$tmp/server" --listen 127.0.0.1:0 \
	--port-file "$tmp/port" 2>"$tmp/cofferd.log" &
pid=$!
for _ in $(seq 200); do
	[ -s "$tmp/port" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/cofferd.log"; die "cofferd exited"; }
	sleep 0.05
done
[ -s "$tmp/port" ] || die "cofferd did not start"
export COFFER_SERVER="http://127.0.0.1:$(cat "$tmp/port")"
echo "listening on $COFFER_SERVER, data in $tmp/server"

# Two devices of one account: two home folders.
laptop=(--home "$tmp/laptop")
phone=(--home "$tmp/phone")
login="demo-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
head -c 24 /dev/urandom | base64 >"$tmp/password"
chmod 600 "$tmp/password"

step "account create (OPAQUE: the server never sees the password)"
"$coffer" "${laptop[@]}" account create --login "$login" \
	--password-file "$tmp/password"

# Files whose names and contents are markers the scan looks for.
marks=$tmp/markers
mkdir -p "$marks"
tag=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
name_marker="FILENAME-MARKER-$tag"
text_marker="TEXT-MARKER-$tag"
rand_marker="RAND-MARKER-$tag"
note_marker="NOTE-MARKER-$tag"
for _ in $(seq 2000); do echo "$text_marker"; done >"$marks/$name_marker.txt"
{ head -c 1048576 /dev/urandom; echo "$rand_marker"; head -c 1048576 /dev/urandom; } \
	>"$marks/random.bin"
window=$(od -An -tx1 -j 4096 -N 48 "$marks/random.bin" | tr -d ' \n')
# A cache folder (the Cache Directory Tagging Specification's tag), which
# --exclude-caches leaves out but for the folder and its tag.
mkdir -p "$marks/cache"
printf 'Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n' \
	>"$marks/cache/CACHEDIR.TAG"
head -c 65536 /dev/urandom >"$marks/cache/cached.bin"

step "backup create --exclude-caches $src $marks"
"$coffer" "${laptop[@]}" backup create --exclude-caches "$src" "$marks"
step "backup create again (incremental: nothing changed)"
"$coffer" "${laptop[@]}" backup create --exclude-caches "$src" "$marks"
"$coffer" "${laptop[@]}" backup list
"$coffer" "${laptop[@]}" backup ls latest markers/cache >"$tmp/cache.ls"
cat "$tmp/cache.ls"
grep -q ' cache/CACHEDIR.TAG$' "$tmp/cache.ls" ||
	die "the cache's tag is not in the snapshot"
if grep -q 'cached.bin' "$tmp/cache.ls"; then
	die "the cache's contents are in the snapshot"
fi
echo "the cache folder is in the snapshot with its tag only"

step "backup restore latest"
"$coffer" "${laptop[@]}" backup restore latest --target "$tmp/restored"
base=$(basename "$src")
diff -r --no-dereference "$src" "$tmp/restored/$base" >"$tmp/diff.txt" ||
	{ head -20 "$tmp/diff.txt"; die "the restored tree differs"; }
diff -r --no-dereference -x cached.bin "$marks" "$tmp/restored/markers" \
	>/dev/null || die "the restored markers differ"
[ ! -e "$tmp/restored/markers/cache/cached.bin" ] ||
	die "the cache's contents were restored"
nfiles=$(find "$src" -type f | wc -l)
nbytes=$(find "$src" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "compared byte for byte: $nfiles files, $nbytes bytes in $src: identical"

step "backup check --read-data"
"$coffer" "${laptop[@]}" backup check --read-data

# Browsing snapshots: what changed, where a file is, what they take, and
# one file restored by copying it out of a mounted snapshot.
step "backup diff, find, stats"
first=$("$coffer" "${laptop[@]}" backup list | head -n 1 | cut -d ' ' -f 1)
"$coffer" "${laptop[@]}" backup diff "$first" latest
"$coffer" "${laptop[@]}" backup find --snapshot latest "$name_marker.txt"
"$coffer" "${laptop[@]}" backup stats
step "backup mount: one file copied out of a mounted snapshot"
if [ -r /dev/fuse ] && [ -w /dev/fuse ] && command -v fusermount3 >/dev/null; then
	mkdir "$tmp/mnt"
	"$coffer" "${laptop[@]}" backup mount "$tmp/mnt" 2>"$tmp/mount.log" &
	mount_pid=$!
	# Unmount on the way out if a step below fails. SIGTERM, as a
	# background job of a script ignores SIGINT (Ctrl-C on a terminal).
	trap 'kill -TERM "$mount_pid" 2>/dev/null; wait "$mount_pid" 2>/dev/null; cleanup' EXIT
	for _ in $(seq 400); do
		[ -e "$tmp/mnt/snapshots/latest" ] && break
		kill -0 "$mount_pid" 2>/dev/null ||
			{ cat "$tmp/mount.log"; die "backup mount exited"; }
		sleep 0.05
	done
	ls "$tmp/mnt/snapshots"
	cp "$tmp/mnt/snapshots/latest/markers/random.bin" "$tmp/from-mount.bin"
	cmp "$marks/random.bin" "$tmp/from-mount.bin" ||
		die "the file copied from the mount differs"
	echo "markers/random.bin copied out of the mount: identical"
	kill -TERM "$mount_pid"
	wait "$mount_pid" || { cat "$tmp/mount.log"; die "backup mount did not end cleanly"; }
	trap cleanup EXIT
	rm -f "$tmp/from-mount.bin"
else
	echo "skipped: FUSE is not usable here (/dev/fuse or fusermount3 missing)"
fi

step "a note, synced to a second device"
note_id=$("$coffer" "${laptop[@]}" --quiet record put --category notes \
	--data "$note_marker: buy milk")
echo "laptop stored note $note_id"
# The phone signs in and, as a device the account's signed device list
# does not hold, prints a one-time code and waits; the user types the code
# on the laptop, which proves it knows it (CPace, over the server, which
# never learns it), adds the phone to the list and grants it the keys.
"$coffer" "${phone[@]}" --json account login --login "$login" \
	--password-file "$tmp/password" >"$tmp/phone.json" 2>"$tmp/phone.err" &
phone_pid=$!
code=
for _ in $(seq 300); do
	code=$(head -n 1 "$tmp/phone.json" |
		sed -n 's/^{"code": *"\([0-9]\{5\}-[0-9]\{5\}\)"}$/\1/p')
	[ -n "$code" ] && break
	kill -0 "$phone_pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$code" ] ||
	{ cat "$tmp/phone.json" "$tmp/phone.err"; die "the phone showed no code"; }
echo "phone: waiting for approval, pairing code $code"
"$coffer" "${laptop[@]}" device approve --code "$code"
wait "$phone_pid" ||
	{ cat "$tmp/phone.json" "$tmp/phone.err"; die "the phone was not approved"; }
phone_pid=
phone_dev=$(tail -n +2 "$tmp/phone.json" | tr -d '\n' |
	sed -n 's/.*"device": *"\([0-9a-f]*\)".*/\1/p')
echo "phone: device $phone_dev approved"
account=$("$coffer" "${laptop[@]}" --json account status | tr -d '\n' |
	sed -n 's/.*"account": *"\([0-9a-f]*\)".*/\1/p')
[ -n "$account" ] || die "the laptop showed no account id"
"$coffer" "${laptop[@]}" device list
"$coffer" "${phone[@]}" sync
got=$("$coffer" "${phone[@]}" record get --category notes "$note_id")
[ "$got" = "$note_marker: buy milk" ] || die "the phone read '$got'"
echo "phone read the note: $got"

step "device names, and the alert of a change another device made"
# Names are sealed in the signed device list: the server never reads
# them. The laptop's own changes count as seen; the phone's are shown to
# it once.
"$coffer" "${laptop[@]}" device rename laptop
"$coffer" "${phone[@]}" device rename phone
"$coffer" "${laptop[@]}" device list

step "the laptop removes the phone: the account's keys roll"
"$coffer" "${laptop[@]}" device remove --yes "$phone_dev"
after_id=$("$coffer" "${laptop[@]}" --quiet record put --category notes \
	--data "$note_marker: written after the phone left")
echo "laptop stored note $after_id"
# The server ended the phone's sessions with the entry; signed in again,
# the phone reads the list and is told.
if "$coffer" "${phone[@]}" account login --login "$login" \
	--password-file "$tmp/password" 2>"$tmp/phone.err"; then
	die "the removed phone signed in as a trusted device"
fi
cat "$tmp/phone.err"
if "$coffer" "${phone[@]}" record get --category notes "$after_id" \
	2>"$tmp/phone.err"; then
	die "the removed phone read the note written after"
fi
grep -q "this device was removed from the account by laptop" \
	"$tmp/phone.err" || { cat "$tmp/phone.err"; die "the phone was not told"; }
cat "$tmp/phone.err"
echo "(that the phone's keys open nothing the server stores from after its"
echo "removal, with a full copy of the server's storage, is checked by"
echo "tests/integration/test_client_remove.c, test_removed_reads_nothing_after)"

step "stop cofferd"
kill -TERM "$pid"
wait "$pid" || die "cofferd did not stop cleanly"
pid=
echo "stopped cleanly (SIGTERM)"

step "marker scan: every byte the server stored"
found=0
scanned=$(find "$tmp/server" -type f | wc -l)
sbytes=$(du -sb "$tmp/server" | cut -f1)
# The markers, and every file and folder name of 12 bytes or more in the
# backed-up trees (shorter ones could be words of the database's schema).
{
	printf '%s\n' "$name_marker" "$text_marker" "$rand_marker" \
		"$note_marker"
	find "$src" "$marks" -mindepth 1 -printf '%f\n' |
		awk 'length($0) >= 12' | sort -u
} >"$tmp/needles"
nneedles=$(wc -l <"$tmp/needles")
if grep -raoF -f "$tmp/needles" "$tmp/server" >"$tmp/found"; then
	echo "FOUND in the server's data:"
	sort -u "$tmp/found" | head -20
	found=1
fi
find "$tmp/server" -type f -exec od -An -tx1 -v {} + | tr -d ' \n' \
	>"$tmp/server.hex"
if grep -qF "$window" "$tmp/server.hex"; then
	echo "FOUND a plaintext window of random.bin"
	found=1
fi
# The controls: the account id, which the server keeps in clear by
# design, must be found; the login, which it keeps only as a keyed hash
# (docs/METADATA.md), must not. A scan that cannot find the first proves
# nothing.
grep -qF "$account" "$tmp/server.hex" || die "the scan's control was not found"
if grep -rqaF -- "$login" "$tmp/server"; then
	echo "FOUND the login as typed in the server's data"
	found=1
fi
[ "$found" = 0 ] || die "plaintext found in the server's data"
echo "scanned $scanned files ($sbytes bytes) for $nneedles names and markers,"
echo "the login, and a window of incompressible plaintext: none found"
echo "(control: the account id, which the server keeps, was found)"

step "done"
