#!/usr/bin/env bash
# bench/backup/dataset.sh [DIR]: build the backup benchmark's data set.
#
# About 1 GiB, like /work/shared/reference/backup-anchors.md: a fixed sample
# of 609 MiB of regular files from /usr plus 400 MiB of incompressible files
# (1x128 MiB, 2x64 MiB, 4x16 MiB, 32x1 MiB, 512x64 KiB, 1024x16 KiB), a
# sparse disk image (images/disk.img: 1 GiB apparent, 36 extents of 1-4 MiB
# of random bytes at seeded offsets, made with truncate and dd
# conv=notrunc) and a database file (db/app.db: 256 MiB of 4 KiB pages of
# text rows, compressible, from a seeded generator; change.sh rewrites a
# few hundred of its pages).
#
# DIR defaults to $COFFER_BENCH_DIR/data (COFFER_BENCH_DIR defaults to
# /var/tmp/coffer-bench): never inside the repository. Next to DIR it writes
#   DIR.files     the /usr files chosen, "size<TAB>path", in the rule's order
#   DIR.manifest  the rule version, totals, content digests and the digest of
#                 a listing of the tree (type, mode, size, mtime, path)
# A second run does nothing when the tree still matches its manifest and the
# rule still picks the same /usr files (it rebuilds when packages changed).
#
# The /usr rule (v1): every regular file under /usr, except /usr/local,
# /usr/src and __pycache__ folders, at most 32 MiB, readable, whose path has
# no tab or newline; ordered by SHA-256 of its path ("/usr/bin/ls"); taken in
# that order until the next file would pass 609 MiB. Two machines with the
# same Debian packages pick the same files. The random files are AES-256-CTR
# keystream under a key derived from each file's path (common.sh): identical
# on every machine. Every file and folder gets mtime 2023-11-14 22:13:20 UTC
# except the /usr files, which keep theirs; setuid/setgid bits are dropped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/backup/common.sh
. "$here/common.sh"

rule=v2
usr_budget=$((609 * 1024 * 1024))
usr_cap=$((32 * 1024 * 1024))
stamp=@1700000000
case ${1:-} in
-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
-*) die "usage: dataset.sh [DIR]" ;;
esac
dir=${1:-$bench_root/data}
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
dir=${dir%/}
files=$dir.files
manifest=$dir.manifest
export LC_ALL=C
umask 022

command -v openssl >/dev/null || die "openssl is missing"
command -v python3 >/dev/null || die "python3 is missing"

# select_usr OUT: write the rule's choice as "size<TAB>path" lines.
select_usr() {
	python3 - "$usr_budget" "$usr_cap" >"$1" <<'PY'
import hashlib, os, stat, sys
budget, cap = int(sys.argv[1]), int(sys.argv[2])
skip = {"/usr/local", "/usr/src"}
found = []
for root, dirs, names in os.walk("/usr"):
    dirs[:] = [d for d in dirs if d != "__pycache__"
               and os.path.join(root, d) not in skip]
    for name in names:
        p = os.path.join(root, name)
        if "\t" in p or "\n" in p:
            continue
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
            continue
        if not os.access(p, os.R_OK):
            continue
        found.append((hashlib.sha256(p.encode("utf-8", "surrogateescape")).digest(),
                      p, st.st_size))
found.sort()
total = 0
for _, p, size in found:
    if total + size > budget:
        break
    total += size
    sys.stdout.write(f"{size}\t{p}\n")
PY
}

# listing_digest DIR: SHA-256 of a sorted listing of the tree.
listing_digest() {
	local d
	d=$( (cd "$1" && find . -mindepth 1 \( -type d -printf 'd %m - - %P\n' \) \
		-o -printf '%y %m %s %T@ %P\n') | sort | sha256sum)
	echo "${d%% *}"
}

# content_digest DIR PART: SHA-256 over the sorted list of "sha256  path" of
# every file under DIR/PART.
content_digest() {
	local d
	d=$( (cd "$1" && find "$2" -type f -print0 | sort -z |
		xargs -0 sha256sum) | sha256sum)
	echo "${d%% *}"
}

want=$(mktemp "${TMPDIR:-/tmp}/coffer-dataset.XXXXXX")
trap 'rm -f "$want"' EXIT
select_usr "$want"
[ -s "$want" ] || die "no /usr file matched the rule"

if [ -d "$dir" ] && [ -f "$manifest" ] && [ -f "$files" ]; then
	if ! cmp -s "$want" "$files"; then
		echo "dataset: /usr changed since the data set was built; rebuilding" >&2
	elif [ "$(sed -n 's/^listing-sha256 //p' "$manifest")" != "$(listing_digest "$dir")" ]; then
		echo "dataset: $dir no longer matches its manifest; rebuilding" >&2
	elif [ "$(sed -n 's/^rule //p' "$manifest")" != "$rule" ]; then
		echo "dataset: rule changed; rebuilding" >&2
	else
		echo "dataset: $dir is up to date ($(sed -n 's/^total //p' "$manifest"))" >&2
		exit 0
	fi
fi

# Only ever delete what this script built.
if [ -e "$dir" ] && [ ! -f "$manifest" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
	die "$dir exists and was not built by dataset.sh: remove it or pick another DIR"
fi
mkdir -p "$(dirname "$dir")"
tmp=$dir.tmp
rm -rf "$tmp" "$dir" "$manifest" "$files"
mkdir -m 0700 "$tmp"

echo "dataset: copying $(wc -l <"$want") files from /usr" >&2
cut -f2- "$want" | sed 's|^/||' | tr '\n' '\0' |
	tar -C / --null --verbatim-files-from --no-recursion -T - -cf - |
	tar -C "$tmp" -xf -
find "$tmp/usr" -type f -perm /6000 -exec chmod ug-s {} +

echo "dataset: writing 400 MiB of seeded random files" >&2
# gen SUBDIR COUNT SIZE PER_FOLDER: COUNT files of SIZE bytes under
# random/SUBDIR, PER_FOLDER to a folder (0: all in SUBDIR itself).
gen() {
	local sub=$1 count=$2 size=$3 per=$4 i rel
	for ((i = 0; i < count; i++)); do
		if [ "$per" -gt 0 ]; then
			rel=$(printf 'random/%s/%02d/file-%04d.bin' "$sub" $((i / per)) "$i")
		else
			rel=$(printf 'random/%s/file-%d.bin' "$sub" "$i")
		fi
		mkdir -p "$tmp/$(dirname "$rel")"
		seeded_bytes "$size" "$rel" >"$tmp/$rel"
	done
}
gen 128m 1 $((128 << 20)) 0
gen 64m 2 $((64 << 20)) 0
gen 16m 4 $((16 << 20)) 0
gen 1m 32 $((1 << 20)) 8
gen 64k 512 $((64 << 10)) 16
gen 16k 1024 $((16 << 10)) 16

echo "dataset: writing the sparse disk image and the database file" >&2
mkdir -p "$tmp/images" "$tmp/db"
img=$tmp/images/disk.img
truncate -s 1G "$img"
# extent i: in slot i of 28 MiB, at a seeded 64 KiB multiple, 16-64 x 64 KiB
for ((i = 0; i < 36; i++)); do
	h=$(printf 'coffer-bench/v1/sparse/%d' "$i" | sha256sum)
	off=$((i * 448 + 0x${h:0:8} % 384))
	len=$((16 + 0x${h:8:8} % 49))
	seeded_bytes $((len << 16)) "sparse/extent-$i" |
		dd of="$img" bs=64K seek="$off" count="$len" iflag=fullblock \
			conv=notrunc status=none
done
python3 "$here/dbgen.py" create "$tmp/db/app.db"
find "$tmp/random" "$tmp/images" "$tmp/db" -exec touch -h -d "$stamp" {} +
find "$tmp" -type d -exec touch -d "$stamp" {} +

nfiles=$(find "$tmp" -type f | wc -l)
ndirs=$(find "$tmp" -mindepth 1 -type d | wc -l)
bytes=$(find "$tmp" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
usr_bytes=$(awk -F'\t' '{s += $1} END {printf "%d", s}' "$want")
{
	echo "# coffer bench/backup data set (bench/backup/dataset.sh)"
	echo "rule $rule"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
	echo "total $nfiles files in $ndirs folders, $bytes bytes"
	echo "usr $(wc -l <"$want") files, $usr_bytes bytes"
	echo "random 1575 files, 419430400 bytes"
	echo "image 1073741824 bytes apparent, $(du -B1 "$img" | cut -f1) allocated"
	echo "db 268435456 bytes"
	echo "image-db-content-sha256 $(content_digest "$tmp" images) $(content_digest "$tmp" db)"
	echo "usr-content-sha256 $(content_digest "$tmp" usr)"
	echo "random-content-sha256 $(content_digest "$tmp" random)"
	echo "listing-sha256 $(listing_digest "$tmp")"
} >"$manifest.tmp"
cp "$want" "$files"
mv "$tmp" "$dir"
chmod 0755 "$dir"
mv "$manifest.tmp" "$manifest"
echo "dataset: built $dir: $nfiles files in $ndirs folders, $bytes bytes" >&2
