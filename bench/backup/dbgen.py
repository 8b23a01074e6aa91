#!/usr/bin/env python3
"""bench/backup/dbgen.py create FILE | change FILE: the benchmark's database.

create: 256 MiB of 4 KiB pages, like a database's: an 8-byte page header
(page number, version) then text rows (id, a name, a city, numbers) until
the page is full, zero padded; compressible, from a generator seeded with a
fixed string, so the same bytes on every machine.
change: rewrite 300 pages at seeded page numbers (version 2, new rows), in
place, as a round of updates would.
"""
import random
import struct
import sys

PAGE = 4096
PAGES = 256 * 1024 * 1024 // PAGE
CITIES = ["Lisbon", "Oslo", "Turku", "Ghent", "Lyon", "Porto", "Bergen", "Graz"]


def page(rng, no, version):
    out = bytearray(struct.pack(">II", no, version))
    row = 0
    while True:
        text = (f"{no * 64 + row}|user{rng.randrange(10 ** 6):06d}|"
                f"{rng.choice(CITIES)}|{rng.randrange(10 ** 4)}|"
                f"{rng.random():.6f}|active\n").encode()
        if len(out) + len(text) > PAGE:
            break
        out += text
        row += 1
    return bytes(out) + bytes(PAGE - len(out))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("create", "change"):
        sys.exit("usage: dbgen.py create|change FILE")
    what, path = sys.argv[1], sys.argv[2]
    if what == "create":
        rng = random.Random("coffer-bench/v1/db")
        with open(path, "wb") as f:
            for no in range(PAGES):
                f.write(page(rng, no, 1))
        return
    rng = random.Random("coffer-bench/v1/db-change")
    with open(path, "r+b") as f:
        for no in sorted(rng.sample(range(PAGES), 300)):
            f.seek(no * PAGE)
            f.write(page(rng, no, 2))


if __name__ == "__main__":
    main()
