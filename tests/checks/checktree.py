#!/usr/bin/env python3
"""The tree's own rules, checked from the sources and the build (in the
spirit of curl's checksrc). Each check is a CTest test (tests/CMakeLists.txt)
and also runs by hand:

    tests/checks/checktree.py banned   SRC
    tests/checks/checktree.py layers   SRC
    tests/checks/checktree.py cycles   SRC BUILD
    tests/checks/checktree.py exports  SRC BUILD
    tests/checks/checktree.py hardening SRC BUILD
    tests/checks/checktree.py selftest SRC

banned:    no strcpy, strcat, sprintf, vsprintf, gets, strtok, atoi, atol,
           rand, srand in production code (lib/, server/, cli/, escrow/);
           no memcmp in the files that handle secrets (SECRET_PLACES, and
           every file that includes "core/secret.h").
layers:    which folder may include which header (LAYERS), *_internal.h
           only from its own folder, programs only what they link, the
           HTTP layer (server/http/) nothing of a service.
cycles:    no two files call or include each other in a loop: the call
           graph is read from the object files (nm), the include graph
           from the sources.
exports:   every coffer_ symbol libcoffer defines is exported by
           libcoffer.so, every symbol libcoffer.so exports or libcoffer.a
           offers is coffer_, and the two offer the same.
hardening: the programs and libcoffer.so are PIE/PIC with full RELRO, a
           non-executable stack, the stack protector and fortified calls.

Each check prints what it found, one "# " line per finding, then one TAP
line ("ok 1 - NAME" or "not ok 1 - NAME"), and exits 1 if it found any; "selftest" feeds each a planted fault and fails unless it
is caught, so that no check passes by seeing nothing.
"""
import os
import re
import subprocess
import sys

PRODUCTION = ("lib", "server", "cli", "escrow")
BANNED = ("strcpy", "strcat", "sprintf", "vsprintf", "gets", "strtok",
          "atoi", "atol", "rand", "srand")
# Files that handle keys, passwords or session tokens: memcmp is banned
# there (sodium_memcmp instead). Folders end with "/".
SECRET_PLACES = ("lib/crypto/", "lib/keys/", "lib/auth/", "lib/client/",
                 "lib/net/", "lib/core/key.c", "server/auth.c",
                 "server/session.c", "server/store/token.c")

# lib/<folder> -> the lib folders whose headers it may include. The
# layers read bottom up: core; policy (data tables); crypto; keys, auth;
# wire (the protocol); then the device side: net, client, backup.
LAYERS = {
    "core": {"core"},
    "policy": {"core", "policy"},
    "crypto": {"core", "crypto"},
    "keys": {"core", "crypto", "keys"},
    "auth": {"core", "crypto", "auth"},
    "wire": {"core", "wire"},
    "net": {"core", "wire", "net"},
    "client": {"core", "crypto", "keys", "auth", "policy", "wire", "net",
               "client"},
    "backup": {"core", "crypto", "backup"},
}
# Programs: the lib folders each may include (it links only libcoffer's
# core layer, or its public API).
PROGRAMS = {
    # cofferd checks device list appends with lib/keys/devlist.h.
    "server": {"core", "wire", "keys"},
    "escrow": set(),
    "cli": set(),
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(src, top=PRODUCTION, exts=(".c", ".h")):
    for d in top:
        for root, _, files in os.walk(os.path.join(src, d)):
            for f in sorted(files):
                if f.endswith(exts):
                    p = os.path.join(root, f)
                    yield os.path.relpath(p, src)


def read(src, rel):
    with open(os.path.join(src, rel), encoding="utf-8",
              errors="replace") as f:
        return f.read()


def strip_code(text):
    """Comments, string and character literals blanked out (newlines
    kept, so line numbers hold)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def handles_secrets(rel, text):
    return (any(rel.startswith(p) if p.endswith("/") else rel == p
                for p in SECRET_PLACES) or
            re.search(r'#\s*include\s+"core/secret\.h"', text) is not None)


def check_banned(files):
    """files: {rel: text}. Findings as strings."""
    found = []
    banned = re.compile(r"\b(%s)\s*\(" % "|".join(BANNED))
    memcmp = re.compile(r"\bmemcmp\s*\(")
    for rel, text in sorted(files.items()):
        code = strip_code(text)
        for m in banned.finditer(code):
            found.append("%s:%d: %s() is banned" %
                         (rel, line_of(code, m.start()), m.group(1)))
        if handles_secrets(rel, text):
            for m in memcmp.finditer(code):
                found.append("%s:%d: memcmp() in a file that handles "
                             "secrets: use sodium_memcmp" %
                             (rel, line_of(code, m.start())))
    return found


def resolve(src, rel, inc):
    """The project file an #include "inc" in rel names, or None (a system
    or generated header)."""
    here = os.path.dirname(rel)
    for base in (here, "lib", "server", "include", os.path.dirname(here)):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(os.path.join(src, cand)):
            return cand
    return None


def check_layers(src, files):
    found = []
    for rel, text in sorted(files.items()):
        parts = rel.split("/")
        for m in INCLUDE_RE.finditer(text):
            target = resolve(src, rel, m.group(1))
            if target is None or not target.startswith("lib/"):
                continue
            tparts = target.split("/")
            tfolder = tparts[1]
            where = "%s:%d" % (rel, line_of(text, m.start()))
            if (target.endswith("_internal.h") and
                    os.path.dirname(target) != os.path.dirname(rel)):
                found.append("%s: %s is private to %s/" %
                             (where, target, os.path.dirname(target)))
            if parts[0] == "lib":
                allowed = LAYERS.get(parts[1])
                if allowed is None:
                    found.append("%s: lib/%s/ is in no layer (LAYERS)" %
                                 (where, parts[1]))
                elif tfolder not in allowed:
                    found.append("%s: lib/%s/ may not include %s (a layer "
                                 "above or beside it)" %
                                 (where, parts[1], target))
            elif parts[0] in PROGRAMS:
                if tfolder not in PROGRAMS[parts[0]]:
                    found.append("%s: %s/ may not include %s" %
                                 (where, parts[0], target))
        # The HTTP layer knows no service; a service other than cofferd
        # knows none of cofferd's modules.
        for m in INCLUDE_RE.finditer(text):
            target = resolve(src, rel, m.group(1))
            if target is None or not target.startswith("server/"):
                continue
            if (rel.startswith("server/http/") or
                    not rel.startswith("server/")) and \
                    not target.startswith("server/http/"):
                found.append("%s:%d: %s may not include %s (only the "
                             "HTTP layer, server/http/)" %
                             (rel, line_of(text, m.start()), rel, target))
    return found


def scc(graph):
    """Tarjan's strongly connected components of {node: set(nodes)},
    those with more than one node (a loop)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def describe_loops(loops, why):
    found = []
    for comp in loops:
        found.append("loop of %d files: %s" % (len(comp), " ".join(comp)))
        for a in comp:
            for b in comp:
                if (a, b) in why:
                    found.append("  %s -> %s: %s" %
                                 (a, b, ", ".join(sorted(why[a, b])[:6])))
    return found


def objects(src, build):
    """{source rel: object path} for the production objects of BUILD:
    CMake writes SRCDIR/x.c as BUILDDIR/CMakeFiles/TARGET.dir/x.c.o. An
    object whose source is gone (a stale build) is left out."""
    objs = {}
    for root, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, build)
            m = re.match(r"(.*?)/?CMakeFiles/[^/]+\.dir/(.*)\.o$", rel)
            if m is None:
                continue
            source = os.path.normpath(os.path.join(m.group(1), m.group(2)))
            if (source.split("/")[0] in PRODUCTION and
                    os.path.isfile(os.path.join(src, source))):
                objs.setdefault(source, path)
    return objs


def nm_symbols(path):
    """(defined globals, undefined) of an object file."""
    out = subprocess.run(["nm", "-P", path], check=True,
                         capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] == "U":
            undefined.add(f[0])
        elif f[1] in "TDBRCGS" or f[1] in "VW":
            defined.add(f[0])
    return defined, undefined


def call_graph(objs):
    owner, uses = {}, {}
    for source, path in objs.items():
        defined, undefined = nm_symbols(path)
        uses[source] = undefined
        for s in defined:
            owner.setdefault(s, set()).add(source)
    graph, why = {}, {}
    for source, undefined in uses.items():
        for s in undefined:
            for other in owner.get(s, ()):
                if other != source:
                    graph.setdefault(source, set()).add(other)
                    why.setdefault((source, other), set()).add(s)
    return graph, why


def include_graph(src, files):
    graph, why = {}, {}
    for rel, text in files.items():
        for m in INCLUDE_RE.finditer(text):
            target = resolve(src, rel, m.group(1))
            if target is not None and target != rel:
                graph.setdefault(rel, set()).add(target)
                why.setdefault((rel, target), set()).add("#include")
    return graph, why


def check_cycles(src, build, files):
    objs = objects(src, build)
    if len(objs) < 10:
        return ["%s holds %d production objects: build it first" %
                (build, len(objs))]
    graph, why = call_graph(objs)
    found = describe_loops(scc(graph), why)
    graph, why = include_graph(src, files)
    return found + describe_loops(scc(graph), why)


def check_exports(src, build):
    lib = os.path.join(build, "libcoffer.so")
    out = subprocess.run(["nm", "-D", "--defined-only", "-P", lib],
                         check=True, capture_output=True, text=True).stdout
    exported = {l.split()[0] for l in out.splitlines() if l.strip()}
    found = ["libcoffer.so exports %s, which is not coffer_" % s
             for s in sorted(exported) if not s.startswith("coffer_")]
    out = subprocess.run(["nm", "-g", "--defined-only", "-P",
                          os.path.join(build, "libcoffer.a")], check=True,
                         capture_output=True, text=True).stdout
    archived = {l.split()[0] for l in out.splitlines()
                if len(l.split()) >= 2 and not l.endswith(":")}
    found += ["libcoffer.a offers %s, which is not coffer_" % s
              for s in sorted(archived) if not s.startswith("coffer_")]
    if archived != exported:
        found.append("libcoffer.a and libcoffer.so offer different "
                     "symbols: %s" % " ".join(sorted(archived ^ exported)))
    for source, path in sorted(objects(src, build).items()):
        if not source.startswith("lib/"):
            continue
        defined, _ = nm_symbols(path)
        for s in sorted(defined):
            if s.startswith("coffer_") and s not in exported:
                found.append("%s: %s has the public prefix but is not "
                             "exported (COFFER_API): rename it" %
                             (source, s))
    return found


def elf(args, path):
    return subprocess.run(["readelf"] + args + [path], check=True,
                          capture_output=True, text=True).stdout


def check_hardening(paths):
    found = []
    for path in paths:
        name = os.path.basename(path)
        dyn, seg = elf(["-dW"], path), elf(["-lW"], path)
        syms = elf(["--dyn-syms", "-W"], path)
        if "GNU_RELRO" not in seg or "NOW" not in dyn:
            found.append("%s: no full RELRO (-z relro -z now)" % name)
        stack = [l for l in seg.splitlines() if "GNU_STACK" in l]
        if not stack or "RWE" in stack[0]:
            found.append("%s: executable stack" % name)
        if "DYN" not in elf(["-hW"], path).split("Type:")[1].split("\n")[0]:
            found.append("%s: not position-independent" % name)
        if "__stack_chk_fail" not in syms:
            found.append("%s: no stack protector" % name)
        if not re.search(r"__\w+_chk\b", syms):
            found.append("%s: no fortified calls (_FORTIFY_SOURCE)" % name)
    return found


def programs(build):
    return [os.path.join(build, n) for n in
            ("cofferd", "coffer", "coffer-escrowd", "libcoffer.so")]


def selftest(src):
    """Each check must catch a planted fault."""
    failures = []
    planted = {
        "lib/crypto/x.c": 'int f(char *a) { return memcmp(a, "k", 1); }\n',
        "server/y.c": 'void g(char *d) { strcpy(d, "-"); }\n',
        "cli/z.c": '/* strcpy( in a comment is fine */\n'
                   'const char *s = "sprintf(";\n',
    }
    got = check_banned(planted)
    if not any("x.c:1: memcmp" in g for g in got) or \
            not any("y.c:1: strcpy" in g for g in got) or \
            any("z.c" in g for g in got):
        failures.append("banned: %r" % got)
    planted = {
        "lib/core/up.c": '#include "net/net.h"\n',
        "server/peek.c": '#include "crypto/stream_internal.h"\n',
        "cli/lib.c": '#include "core/file.h"\n',
        "lib/client/ok.c": '#include "net/net.h"\n',
        "server/http/up.c": '#include "routes/routes.h"\n',
        "escrow/peek.c": '#include "store/store.h"\n',
        "escrow/ok.c": '#include "http/http.h"\n',
    }
    got = check_layers(src, planted)
    if len(got) != 6 or any("ok.c" in g for g in got):
        failures.append("layers: %r" % got)
    loops = scc({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    if loops != [["a", "b", "c"]]:
        failures.append("cycles: %r" % loops)
    # A program built without any hardening fails every point.
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "checktree-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    prog = os.path.join(tmp, "soft")
    with open(prog + ".c", "w") as f:
        f.write("int main(void) { return 0; }\n")
    subprocess.run(["cc", "-O0", "-no-pie", "-fno-stack-protector",
                    "-U_FORTIFY_SOURCE", "-Wl,-z,norelro", "-Wl,-z,lazy",
                    "-Wl,-z,execstack", "-o", prog, prog + ".c"],
                   check=True)
    got = check_hardening([prog])
    os.unlink(prog)
    os.unlink(prog + ".c")
    os.rmdir(tmp)
    if len(got) != 5:
        failures.append("hardening: %r" % got)
    return failures


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    what = argv[1]
    if what == "selftest":
        found = selftest(os.path.abspath(argv[2]))
    else:
        src = os.path.abspath(argv[2])
        files = {rel: read(src, rel) for rel in sources(src)}
        if what == "banned":
            found = check_banned(files)
        elif what == "layers":
            found = check_layers(src, files)
        elif what == "cycles":
            found = check_cycles(src, os.path.abspath(argv[3]), files)
        elif what == "exports":
            found = check_exports(src, os.path.abspath(argv[3]))
        elif what == "hardening":
            found = check_hardening(programs(os.path.abspath(argv[3])))
        else:
            print("checktree: unknown check %r" % what, file=sys.stderr)
            return 2
    # TAP, as the cmocka tests print it (scripts/run-tests.sh counts it).
    print("1..1")
    for f in found:
        print("# " + f)
    print("%s 1 - %s (%d finding%s)" % ("not ok" if found else "ok", what,
                                        len(found),
                                        "" if len(found) == 1 else "s"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
