#!/usr/bin/env python3
"""Tables and a chart of a scale series (bench/scale.sh).

    python3 bench/scale_report.py WORK [--svg FILE]

WORK holds one folder xN per multiple, each with bench.json (zhs bench
--reuse), native.time / xapian.time (/usr/bin/time -v of `zhs index`),
corpus_bytes and machine.txt.  Markdown goes to stdout.
"""
import argparse
import json
import math
import os
import re
import sys

TYPES = ["term", "intersection", "union", "phrase", "req_opt", "negation"]
MODES = ["TOP_10", "TOP_100", "COUNT"]
ENGINES = ["native", "xapian", "lucene"]
COLORS = {"term": "#2b6cb0", "intersection": "#dd6b20", "union": "#38a169", "phrase": "#805ad5",
          "req_opt": "#d53f8c", "negation": "#718096",
          "native": "#2b6cb0", "xapian": "#dd6b20", "lucene": "#38a169"}


def read_time(path):
    """Wall seconds and peak RSS (kB) from a /usr/bin/time -v report."""
    if not os.path.exists(path):
        return None
    wall = rss = None
    cpu = 0.0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
                wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
            elif line.startswith(("User time", "System time")):
                cpu += float(line.rsplit(" ", 1)[1])
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
            elif line.startswith("Exit status") and not line.endswith(" 0"):
                return None
    return {"seconds": wall, "cpu": cpu, "rss_kb": rss}


def load(work):
    runs = []
    for name in os.listdir(work):
        m = re.fullmatch(r"x(\d+)", name)
        d = os.path.join(work, name)
        if not m or not os.path.exists(os.path.join(d, "bench.json")):
            continue
        with open(os.path.join(d, "bench.json")) as f:
            bench = json.load(f)
        with open(os.path.join(d, "corpus_bytes")) as f:
            corpus_bytes = int(f.read().strip() or 0)
        with open(os.path.join(d, "machine.txt")) as f:
            machine = [re.sub(r'\s+', ' ', s) for s in f.read().strip().split('\n')]
        run = {"x": int(m.group(1)), "bench": bench, "bytes": corpus_bytes, "machine": machine,
               "builds": {}, "xapian": not os.path.exists(os.path.join(d, "xapian.placeholder"))}
        for e in ("native", "xapian"):
            t = read_time(os.path.join(d, e + ".time"))
            if t and (e == "native" or run["xapian"]):
                run["builds"][e] = t
        runs.append(run)
    runs.sort(key=lambda r: r["x"])
    return runs


def engines_of(run):
    out = ["native"]
    if run["xapian"]:
        out.append("xapian")
    if run["bench"].get("lucene", {}).get("ran"):
        out.append("lucene")
    return out


def latency(run, engine, qtype, mode):
    for e in run["bench"]["latency"]:
        if e["engine"] == engine and e["type"] == qtype and e["mode"] == mode:
            return e
    return None


def fmt(v, digits=3):
    return "–" if v is None else ("%.*f" % (digits, v))


def tables(runs, out):
    mb = lambda b: b / 1e6
    out.write("| scale | corpus MB | passages | engine | build s | CPU s | MB/s | peak RSS MB | index MB | % of text |\n")
    out.write("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n")
    for r in runs:
        b = r["bench"]
        for e in engines_of(r):
            if e == "lucene":
                lu = b["lucene"]
                secs, cpu, rss, size = lu.get("index_seconds"), None, None, lu.get("index_bytes")
            else:
                t = r["builds"].get(e, {})
                secs, cpu, rss, size = t.get("seconds"), t.get("cpu"), t.get("rss_kb"), b["index"][e]["index_bytes"]
            text = b["index"]["native"]["text_bytes"]
            out.write("| x%d | %.1f | %d | %s | %s | %s | %s | %s | %s | %s |\n" % (
                r["x"], mb(r["bytes"]), b["index"]["native"]["passages"], e, fmt(secs, 1), fmt(cpu, 1),
                fmt(mb(r["bytes"]) / secs if secs and e != "lucene" else None, 2),
                fmt(rss / 1024 if rss else None, 0), fmt(mb(size) if size else None, 1),
                fmt(100.0 * size / text if size and text else None, 1)))
    out.write("\nLatency (ms): p50 / p99 over the per-query medians, single thread, warm\n\n")
    head = "".join(" x%d p50 | p99 |" % r["x"] for r in runs)
    out.write("| type | mode | engine |%s\n" % head)
    out.write("|---|---|---|%s\n" % ("---:|---:|" * len(runs)))
    for qt in TYPES:
        for mode in MODES:
            for e in ENGINES:
                cells = []
                for r in runs:
                    s = latency(r, e, qt, mode) if e in engines_of(r) else None
                    cells += [fmt(s and s["p50_ms"]), fmt(s and s["p99_ms"])]
                if any(c != "–" for c in cells):
                    out.write("| %s | %s | %s | %s |\n" % (qt, mode, e, " | ".join(cells)))
    out.write("\nThroughput (TOP_10, all query types, shuffled)\n\n")
    out.write("| scale | engine | 1 thread QPS | all cores QPS | threads |\n|---|---|---:|---:|---:|\n")
    for r in runs:
        tp = r["bench"].get("throughput") or {}
        for e in ("native", "xapian"):
            if e in tp and e in engines_of(r):
                out.write("| x%d | %s | %.0f | %.0f | %d |\n" % (r["x"], e, tp[e]["qps_1"], tp[e]["qps_n"], tp["threads"]))
    out.write("\nMachine and load at the start of each scale\n\n")
    for r in runs:
        out.write("- x%d: %s\n" % (r["x"], "; ".join(s.strip() for s in r["machine"])))


def svg(runs, path):
    """Three log-log panels: native p50 and p99 (TOP_10) by query type, and
    build time by engine, against corpus MB."""
    W, H, top, pw, ph, gap = 1040, 430, 90, 270, 270, 60
    xs = [r["bytes"] / 1e6 for r in runs]
    xlo, xhi = min(xs) / 1.5, max(xs) * 1.5
    o = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">'
         % (W, H, W, H), '<rect width="100%" height="100%" fill="#fff"/>',
         '<text x="20" y="28" font-size="17" font-weight="bold">zhs scale series: latency and build time against corpus size</text>',
         '<text x="20" y="48" font-size="12">%s; x%s of the laws corpus (bench/expand.py); log-log axes</text>'
         % (esc("%s, %s cores" % (runs[0]["bench"]["machine"]["cpu"], runs[0]["bench"]["machine"]["nproc"])),
            ", x".join(str(r["x"]) for r in runs))]

    def panel(i, title, series, ylabel):
        x0 = 70 + i * (pw + gap)
        vals = [v for _, pts in series for _, v in pts if v]
        if not vals:
            return
        ylo = 10 ** math.floor(math.log10(min(vals)))
        yhi = 10 ** math.ceil(math.log10(max(vals)))
        if yhi <= ylo:
            yhi = ylo * 10
        X = lambda v: x0 + pw * (math.log10(v) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))
        Y = lambda v: top + ph - ph * (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo))
        o.append('<text x="%d" y="%d" font-size="13" font-weight="bold">%s</text>' % (x0, top - 12, esc(title)))
        d = ylo
        while d <= yhi * 1.001:
            o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (x0, Y(d), x0 + pw, Y(d)))
            o.append('<text x="%d" y="%.1f" text-anchor="end" font-size="10">%g</text>' % (x0 - 4, Y(d) + 3, d))
            d *= 10
        for r, xv in zip(runs, xs):
            o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>' % (X(xv), top, X(xv), top + ph))
            o.append('<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%.3g MB (x%d)</text>'
                     % (X(xv), top + ph + 14, xv, r["x"]))
        o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>' % (x0, top, pw, ph))
        o.append('<text x="%d" y="%d" font-size="10" transform="rotate(-90 %d %d)" text-anchor="middle">%s</text>'
                 % (x0 - 40, top + ph // 2, x0 - 40, top + ph // 2, esc(ylabel)))
        for k, (name, pts) in enumerate(series):
            pts = [(X(a), Y(v)) for a, v in pts if v]
            if not pts:
                continue
            o.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                     % (COLORS[name], " ".join("%.1f,%.1f" % p for p in pts)))
            for p in pts:
                o.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (p[0], p[1], COLORS[name]))
            o.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>'
                     % (x0 + 6, top + 6 + 14 * k, COLORS[name], x0 + 20, top + 15 + 14 * k, name))

    def lat(qt, key):
        return [(xv, (latency(r, "native", qt, "TOP_10") or {}).get(key)) for r, xv in zip(runs, xs)]

    panel(0, "native TOP_10 p50 (ms)", [(qt, lat(qt, "p50_ms")) for qt in TYPES], "ms")
    panel(1, "native TOP_10 p99 (ms)", [(qt, lat(qt, "p99_ms")) for qt in TYPES], "ms")
    builds = []
    for e in ENGINES:
        pts = []
        for r, xv in zip(runs, xs):
            if e == "lucene":
                v = r["bench"]["lucene"].get("index_seconds") if e in engines_of(r) else None
            else:
                v = r["builds"].get(e, {}).get("seconds")
            pts.append((xv, v))
        builds.append((e, pts))
    panel(2, "index build, wall (s)", builds, "seconds")
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("work", help="the work folder of bench/scale.sh")
    ap.add_argument("--svg", help="write the chart here")
    args = ap.parse_args(argv)
    runs = load(args.work)
    if not runs:
        print("scale_report: no x*/bench.json under %s: run bench/scale.sh first" % args.work, file=sys.stderr)
        return 1
    tables(runs, sys.stdout)
    if args.svg:
        svg(runs, args.svg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
