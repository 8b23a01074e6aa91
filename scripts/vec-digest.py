#!/usr/bin/env python3
"""Add or refresh the "digest = " line of every vector in hand-written
vector files (tests/vectors/README.md): BLAKE2b-128 over "vector=NAME\\n"
and "field=value\\n" for each other field, in file order."""
import hashlib
import sys


def refresh(path):
    out, cur, fields = [], None, []

    def close():
        if cur is None:
            return
        h = hashlib.blake2b(digest_size=16)
        h.update(b"vector=" + cur.encode() + b"\n")
        for k, v in fields:
            h.update(k.encode() + b"=" + v.encode() + b"\n")
        out.append("digest = " + h.hexdigest())

    for line in open(path).read().split("\n"):
        if line.startswith("#") or "=" not in line:
            if line == "" and cur is not None:
                close()
                cur = None
            out.append(line)
            continue
        k, v = line.split("=", 1)
        k, v = k.rstrip(" "), v[1:] if v.startswith(" ") else v
        if k == "digest":
            continue
        if k == "vector":
            close()
            cur, fields = v, []
        else:
            fields.append((k, v))
        out.append(line)
    close()
    open(path, "w").write("\n".join(out).rstrip("\n") + "\n")


for p in sys.argv[1:]:
    refresh(p)
