#!/usr/bin/env bash
# bench/backup/change.sh TREE: apply the "1% change" of backup-anchors.md to
# TREE, a copy of the data set (cp -a of dataset.sh's DIR), in place:
#   1 MiB overwritten at offset 64 MiB of random/128m/file-0.bin
#   256 KiB appended to random/64m/file-0.bin
#   4 files of 1 MiB rewritten (random/1m/00/file-000{0..3}.bin)
#   one new 4 MiB file (random/1m/new-4m.bin)
#   ten 64 KiB files deleted (every 51st of random/64k in sorted order)
#   100 bytes appended to every 100th /usr file (sorted paths, from the first)
#   300 scattered 4 KiB pages of db/app.db rewritten (dbgen.py change)
# All new bytes are seeded keystream (common.sh), so the result is the same
# on every machine. Apply it once per fresh copy: it refuses the data set
# itself (a TREE with a TREE.manifest next to it) and a tree changed before.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/backup/common.sh
. "$here/common.sh"
export LC_ALL=C

tree=${1:?usage: change.sh TREE}
tree=${tree%/}
if [ ! -d "$tree/random" ] || [ ! -d "$tree/usr" ]; then
	die "$tree is not a copy of the data set"
fi
[ ! -f "$tree.manifest" ] || die "$tree is the data set itself: change a copy"
[ ! -e "$tree/random/1m/new-4m.bin" ] || die "$tree was changed already"

big=$tree/random/128m/file-0.bin
[ "$(stat -c %s "$big")" -eq $((128 << 20)) ] || die "$big is not 128 MiB"
seeded_bytes $((1 << 20)) change/overwrite |
	dd of="$big" bs=1M seek=64 count=1 iflag=fullblock conv=notrunc status=none
seeded_bytes $((256 << 10)) change/append >>"$tree/random/64m/file-0.bin"
for i in 0 1 2 3; do
	rel=$(printf 'random/1m/00/file-%04d.bin' "$i")
	seeded_bytes $((1 << 20)) "change/$rel" >"$tree/$rel"
done
seeded_bytes $((4 << 20)) change/new-4m >"$tree/random/1m/new-4m.bin"

mapfile -t small < <(cd "$tree" && find random/64k -type f | sort)
[ "${#small[@]}" -eq 512 ] || die "expected 512 files of 64 KiB, found ${#small[@]}"
for ((i = 0; i < 510; i += 51)); do
	rm -- "$tree/${small[i]}"
done

tail100=$(mktemp "${TMPDIR:-/tmp}/coffer-change.XXXXXX")
trap 'rm -f "$tail100"' EXIT
seeded_bytes 100 change/usr-tail >"$tail100"
n=0
while IFS= read -r -d '' rel; do
	if ((n % 100 == 0)); then
		cat "$tail100" >>"$tree/$rel"
	fi
	n=$((n + 1))
done < <(cd "$tree" && find usr -type f -print0 | sort -z)
[ -f "$tree/db/app.db" ] || die "$tree has no db/app.db: rebuild the data set"
python3 "$here/dbgen.py" change "$tree/db/app.db"
echo "change: $tree: 1 MiB overwritten, 256 KiB appended, 4 x 1 MiB rewritten," \
	"4 MiB added, 10 x 64 KiB deleted, 100 bytes appended to $(((n + 99) / 100)) of $n /usr files," \
	"300 database pages rewritten" >&2
