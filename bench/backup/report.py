#!/usr/bin/env python3
"""bench/backup/report.py RAW META OUT: the table, ratios and goals of a run.

RAW holds "round<TAB>tool<TAB>metric<TAB>value" lines written by run.sh,
META "key=value" lines. Prints medians (min-max) per tool and operation,
coffer's ratio to each peer, restore over cp -a, and the goals of issue 4;
writes all of it, with every sample, to OUT as JSON.
"""
import json
import statistics
import sys

OPS = [("full", "full backup"), ("nochange", "no-change backup"),
       ("change", "backup after 1% change"), ("restore", "restore")]
# Timed beside the operations above, for the floors of issue 11's goals:
# a bare walk (find -printf) next to the no-change backup, and cp -a into
# the tmpfs the second restore goes to.
EXTRA = [("walk", "bare walk (find -printf)"), ("restore_tmpfs", "restore into tmpfs"),
         ("cp_tmpfs", "cp -a into the same tmpfs")]
TOOLS = ["coffer", "restic", "borg"]
MIB = 1024 * 1024


def load(raw_path, meta_path):
    samples = {}
    with open(raw_path) as f:
        for line in f:
            _, tool, metric, value = line.rstrip("\n").split("\t")
            samples.setdefault(tool, {}).setdefault(metric, []).append(float(value))
    meta = {}
    with open(meta_path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            meta[key] = value
    return samples, meta


def summarise(samples):
    return {tool: {m: {"median": statistics.median(v), "min": min(v), "max": max(v),
                       "n": len(v)} for m, v in metrics.items()}
            for tool, metrics in samples.items()}


class Report:
    def __init__(self, samples, meta):
        self.samples, self.meta = samples, meta
        self.med = summarise(samples)
        asked = meta.get("tools", "").split()
        self.tools = [t for t in TOOLS if t in self.med or t in asked]
        self.na = meta.get("coffer_na") or "not run"
        self.lines, self.goals = [], []
        self.data_bytes = int(meta.get("dataset_total", "0 0").split()[-2]) \
            if meta.get("dataset_total") else 0

    def get(self, tool, metric):
        return self.med.get(tool, {}).get(metric, {}).get("median")

    def out(self, text=""):
        self.lines.append(text)

    def cell(self, tool, metric, fmt):
        s = self.med.get(tool, {}).get(metric)
        if s is None:
            return "n/a" if tool not in self.med else "-"
        return fmt(s)

    def table(self):
        m = self.meta
        self.out(f"coffer backup benchmark {m.get('date')} on {m.get('host')} "
                 f"({m.get('cpu')}), {m.get('runs')} rounds")
        self.out(f"data set: {m.get('dataset_total')}; load average at each round: "
                 f"{m.get('loadavg')}")
        self.out(f"versions: {m.get('restic')}; {m.get('borg')}; coffer "
                 f"{m.get('coffer')} (commit {m.get('commit')})")
        if "coffer" in self.tools and "coffer" not in self.med:
            self.out(f"coffer: n/a ({self.na})")
        self.out()
        cols = self.tools + (["cp -a"] if "cp" in self.med else [])
        head = f"{'median (min-max)':<32}" + "".join(f"{c:<24}" for c in cols)
        self.out(head)
        secs = lambda s: f"{s['median']:.2f} s ({s['min']:.2f}-{s['max']:.2f})"
        cpu = lambda s: f"{s['median']:.2f} s"
        mib = lambda s: f"{s['median'] / 1024:.0f} MiB"
        rate = lambda s: f"{self.data_bytes / s['median'] / 1e6:.0f} MB/s"
        mb = lambda s: f"{s['median'] / 1e6:.1f} MB"
        rows = []
        for op, name in OPS:
            rows.append((f"{name}: wall", f"{op}.wall", secs))
            if op == "full":
                rows.append(("  throughput", "full.wall", rate))
            rows.append(("  CPU user+sys (client)", f"{op}.cpu", cpu))
            rows.append(("  CPU of cofferd", f"{op}.server_cpu", cpu))
            rows.append(("  peak memory (client)", f"{op}.rss", mib))
        for op, name in EXTRA:
            rows.append((f"{name}: wall", f"{op}.wall", secs))
            if op == "restore_tmpfs":
                rows.append(("  CPU user+sys (client)", f"{op}.cpu", cpu))
                rows.append(("  CPU of cofferd", f"{op}.server_cpu", cpu))
        rows += [("repository after full backup", "repo.full", mb),
                 ("repository growth, 1% change", "repo.growth", mb),
                 ("client cache after the run", "cache.bytes", mb),
                 ("cofferd peak memory (VmHWM)", "server.rss", mib),
                 ("allocated, source (du -B1)", "alloc.source", mb),
                 ("allocated after restore", "alloc.restore", mb),
                 ("  disk image, source", "alloc.image_source", mb),
                 ("  disk image, restored", "alloc.image_restore", mb)]
        for label, metric, fmt in rows:
            cells = [self.cell(t, metric, fmt) for t in self.tools]
            if "cp" in self.med:
                cells.append(self.cell("cp", metric, fmt)
                             if metric.startswith("alloc.") else "-")
            if all(c in ("-", "n/a") for c in cells):
                continue
            self.out(f"{label:<32}" + "".join(f"{c:<24}" for c in cells))
        if "cp" in self.med:
            self.out(f"{'cp -a: wall':<32}" + "".join(f"{'-':<24}" for _ in self.tools)
                     + secs(self.med["cp"]["cp.wall"]))

    def ratios(self):
        self.out()
        peers = [t for t in ("restic", "borg") if t in self.med]
        for op, name in OPS:
            parts = []
            c = self.get("coffer", f"{op}.wall")
            parts.append(f"coffer {c:.2f} s" if c else f"coffer n/a ({self.na})")
            for p in peers:
                v = self.get(p, f"{op}.wall")
                parts.append(f"{p} {v:.2f} s" + (f" ({c / v:.2f}x)" if c else ""))
            self.out(f"{name}: " + ", ".join(parts))
        cpt = self.get("cp", "cp.wall")
        if cpt:
            parts = [f"{t} {self.get(t, 'restore.wall') / cpt:.2f}x" for t in self.tools
                     if self.get(t, "restore.wall")]
            self.out(f"restore / cp -a ({cpt:.2f} s): " + (", ".join(parts) or "-"))
        for num, den, name in (("restore_tmpfs", "cp_tmpfs", "restore / cp -a, both into tmpfs"),
                               ("nochange", "walk", "no-change backup / bare walk")):
            parts = [f"{t} {self.get(t, num + '.wall') / self.get(t, den + '.wall'):.2f}x"
                     for t in self.tools
                     if self.get(t, num + ".wall") and self.get(t, den + ".wall")]
            self.out(f"{name}: " + (", ".join(parts) or "-"))
        for metric, name, unit, scale in (("repo.full", "repository size", "MB", 1e6),
                                          ("repo.growth", "growth from the 1% change", "MB", 1e6)):
            parts = []
            c = self.get("coffer", metric)
            parts.append(f"coffer {c / scale:.1f} {unit}" if c is not None
                         else f"coffer n/a ({self.na})")
            for p in peers:
                v = self.get(p, metric)
                parts.append(f"{p} {v / scale:.1f} {unit}"
                             + (f" ({c / v:.2f}x)" if c is not None and v else ""))
            self.out(f"{name}: " + ", ".join(parts))
        parts = []
        for t in self.tools:
            pk = self.peak(t)
            if pk:
                extra = ""
                srv = self.get(t, "server.rss")
                if srv:
                    extra = f" (+ cofferd {srv / 1024:.0f} MiB)"
                parts.append(f"{t} {pk / 1024:.0f} MiB{extra}")
        self.out("peak memory, client, any operation: " + (", ".join(parts) or "-"))

    def peak(self, tool):
        v = [self.get(tool, f"{op}.rss") for op, _ in OPS]
        v = [x for x in v if x is not None]
        return max(v) if v else None

    def goal(self, text, coffer, target, fmt, base=None):
        if coffer is None or target is None:
            status, shown = "n/a", ""
        else:
            status = "PASS" if coffer <= target else "MISS"
            shown = f"coffer {fmt(coffer)}, limit {fmt(target)}"
            if base:
                shown += f" ({coffer / base:.2f}x)"
        self.goals.append({"goal": text, "coffer": coffer, "limit": target,
                           "status": status, "shown": shown})

    def goal_lines(self):
        g = self.get
        c_full, r_full, b_full = g("coffer", "full.wall"), g("restic", "full.wall"), g("borg", "full.wall")
        half = lambda x, d: x / d if x is not None else None
        secs = lambda x: f"{x:.2f} s"
        mib = lambda x: f"{x / 1024:.0f} MiB"
        mb = lambda x: f"{x / 1e6:.1f} MB"
        self.goal("full backup >= 2x restic's throughput (time <= restic's / 2)",
                  c_full, half(r_full, 2), secs)
        self.goal("full backup >= 3x borg's throughput (time <= borg's / 3)",
                  c_full, half(b_full, 3), secs)
        self.goal("restore <= 1.2x cp -a", g("coffer", "restore.wall"),
                  g("cp", "cp.wall") * 1.2 if g("cp", "cp.wall") else None, secs)
        self.goal("no-change backup <= 0.5x restic's", g("coffer", "nochange.wall"),
                  half(g("restic", "nochange.wall"), 2), secs)
        self.goal("peak memory (client, any operation) <= restic's", self.peak("coffer"),
                  self.peak("restic"), mib)
        repos = [x for x in (g("restic", "repo.full"), g("borg", "repo.full")) if x]
        self.goal("repository size <= 1.05x the smaller of restic's and borg's",
                  g("coffer", "repo.full"), min(repos) * 1.05 if repos else None, mb)
        src = g("coffer", "alloc.source")
        self.goal("allocated size after restore <= 1.05x the source's (issue 11)",
                  g("coffer", "alloc.restore"), src * 1.05 if src else None, mb)
        self.goal("full backup >= 3x restic's throughput (issue 11)",
                  c_full, half(r_full, 3), secs, r_full)
        self.goal("full backup >= 3x borg's throughput (issue 11)",
                  c_full, half(b_full, 3), secs, b_full)
        cpt = g("coffer", "cp_tmpfs.wall")
        self.goal("restore into tmpfs <= 1.2x cp -a into the same tmpfs (issue 11)",
                  g("coffer", "restore_tmpfs.wall"), cpt * 1.2 if cpt else None, secs, cpt)
        walk = g("coffer", "walk.wall")
        self.goal("no-change backup <= 2x a bare walk (find -printf) (issue 11)",
                  g("coffer", "nochange.wall"), walk * 2 if walk else None, secs, walk)
        self.out()
        self.out("goals (issues 4 and 11):")
        for x in self.goals:
            tail = f": {x['shown']}" if x["shown"] else ""
            self.out(f"  {x['status']:<4}  {x['goal']}{tail}")


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: report.py RAW META OUT")
    samples, meta = load(sys.argv[1], sys.argv[2])
    r = Report(samples, meta)
    r.table()
    r.ratios()
    r.goal_lines()
    print("\n".join(r.lines))
    with open(sys.argv[3], "w") as f:
        json.dump({"meta": meta, "samples": samples, "summary": r.med,
                   "goals": r.goals, "report": r.lines}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
