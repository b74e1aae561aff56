#!/usr/bin/env python3
"""merge_runs.py — medians of several `zhs bench --json` runs, as Markdown.

usage: python3 bench/merge_runs.py RUN1.json RUN2.json ... > tables.md

Every number is the median over the runs of that number (per engine, query
type and mode for latency); ratios are native / other of those medians;
[slower] is the median over the runs of the number of queries of the type
whose native median is above the other engine's.
Used to write bench/RESULTS.md.
"""
import json
import statistics
import sys


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "–" if v is None else format(v, spec)


def index_table(runs):
    out = ["| engine | build s | MB/s | passages/s | peak RSS MB | index MB | % of text | components, % of text |",
           "|---|---:|---:|---:|---:|---:|---:|---|"]
    for eng in ("native", "xapian"):
        # a reused index, or none at all (--no-xapian: zero seconds, no passages)
        rs = [r["index"][eng] for r in runs if not r["index"][eng]["reused"] and r["index"][eng]["passages"]]
        if not rs:
            continue
        text = rs[0]["text_bytes"] or 1
        comps = ", ".join("%s %.1f" % (c, med([r["components"][c]["pct_text"] for r in rs]))
                          for c in rs[0]["components"])
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            eng, fmt(med([r["seconds"] for r in rs]), ".1f"), fmt(med([r["mb_per_s"] for r in rs]), ".2f"),
            fmt(med([r["passages_per_s"] for r in rs]), ".0f"),
            fmt(med([r["peak_rss_kb"] / 1024 for r in rs]), ".0f"),
            fmt(med([r["index_bytes"] / 1e6 for r in rs]), ".1f"),
            fmt(med([100 * r["index_bytes"] / text for r in rs]), ".1f"), comps))
    lu = [r["lucene"] for r in runs if r["lucene"]["ran"]]
    if lu:
        text = runs[0]["index"]["native"]["text_bytes"] or 1
        n = runs[0]["corpus_stats"]["passages"]
        s = med([x["index_seconds"] for x in lu])
        out.append("| lucene | %.1f | – | %.0f | – | %.1f | %.1f | one segment, no stored text; built from zhs's exported terms |" % (
            s, n / s, med([x["index_bytes"] for x in lu]) / 1e6, 100 * med([x["index_bytes"] for x in lu]) / text))
    return "\n".join(out)


def slower_count(run, other, t, mode):
    """Queries of type t whose native median is above the other engine's."""
    m = ("TOP_10", "TOP_100", "COUNT").index(mode)
    n = 0
    for q in run.get("per_query", []):
        if q["type"] == t and other in q and q["native"]["ms"][m] is not None and q[other]["ms"][m] is not None:
            n += q["native"]["ms"][m] > q[other]["ms"][m]
    return n


def latency_table(runs):
    engines = ["native", "xapian"] + (["lucene"] if any(r["lucene"]["ran"] for r in runs) else [])
    cell = {}
    for r in runs:
        for e in r["latency"]:
            cell.setdefault((e["engine"], e["type"], e["mode"]), []).append(e)
    types = []
    for r in runs:
        for e in r["latency"]:
            if e["type"] not in types:
                types.append(e["type"])
    head = "| type | mode | n |" + "".join(" %s mean | p50 | p99 | QPS |" % e for e in engines)
    head += " native/xapian mean (p50) [slower] |" + (" native/lucene mean (p50) [slower] |" if "lucene" in engines else "")
    out = [head, "|---|---|---:|" + "---:|" * (4 * len(engines)) + "---:|" * (len(engines) - 1)]
    for t in types:
        for m in ("TOP_10", "TOP_100", "COUNT"):
            stats = {}
            for eng in engines:
                es = cell.get((eng, t, m))
                if es:
                    stats[eng] = {k: med([e[k] for e in es]) for k in ("mean_ms", "p50_ms", "p99_ms", "qps")}
                    stats[eng]["n"] = es[0]["queries"]
            if "native" not in stats:
                continue
            row = "| %s | %s | %d |" % (t, m, stats["native"]["n"])
            for eng in engines:
                s = stats.get(eng)
                row += " %s | %s | %s | %s |" % ((fmt(s["mean_ms"], ".3f"), fmt(s["p50_ms"], ".3f"),
                                                  fmt(s["p99_ms"], ".3f"), fmt(s["qps"], ".0f")) if s else ("–",) * 4)
            for other in engines[1:]:
                if other in stats:
                    n, o = stats["native"], stats[other]
                    ratio = n["mean_ms"] / o["mean_ms"]
                    mark = " **" if ratio > 1 else " "
                    slower = med([slower_count(r, other, t, m) for r in runs if other in r.get("per_query", [{}])[0]])
                    row += "%s%.2f (%.2f)%s [%s] |" % (mark, ratio, n["p50_ms"] / o["p50_ms"], "**" if ratio > 1 else "",
                                                     fmt(slower, ".0f"))
                else:
                    row += " – |"
            out.append(row)
    return "\n".join(out)


def rest(runs):
    out = []
    tp = [r["throughput"] for r in runs if "throughput" in r]
    if tp:
        out += ["| engine | 1 thread QPS | %d threads QPS | speed-up |" % tp[0]["threads"], "|---|---:|---:|---:|"]
        for eng in ("native", "xapian"):
            q1, qn = med([t[eng]["qps_1"] for t in tp]), med([t[eng]["qps_n"] for t in tp])
            if q1:      # 0: not run (--no-xapian)
                out.append("| %s | %.0f | %.0f | %.2fx |" % (eng, q1, qn, qn / q1))
        out.append("")
    mi = [r["micro"] for r in runs]
    out += ["| hot path (native) | rate | work per pass |", "|---|---:|---|",
            "| posting decoding (block by block, CPU time) | %.0f M ints/s | %.1f M docids + tfs, %d lists |" % (
                med([m["postings"]["ints_per_s"] for m in mi]) / 1e6, mi[0]["postings"]["ints"] / 1e6,
                mi[0]["postings"]["lists"])]
    walk = [m["postings"]["walk_ints_per_s"] for m in mi if m["postings"].get("walk_ints_per_s")]
    if walk:
        out.append("| cursor walk (posting by posting, CPU time) | %.0f M ints/s | the same |" % (med(walk) / 1e6))
    out += [
            "| scoring loop (exhaustive union) | %.1f M postings/s | %.2f M postings, %d queries |" % (
                med([m["scoring"]["postings_per_s"] for m in mi]) / 1e6, mi[0]["scoring"]["postings"] / 1e6,
                mi[0]["scoring"]["queries"]),
            "| analyzer | %.2f MB/s | %.1f MB, %.1f M tokens |" % (
                med([m["analyzer"]["mb_per_s"] for m in mi]), mi[0]["analyzer"]["bytes"] / 1e6,
                mi[0]["analyzer"]["tokens"] / 1e6), ""]
    q = runs[0]["quality"]
    if q:
        out += ["| set | engine | queries | Recall@1 | Recall@5 | Recall@20 | MRR@10 |", "|---|---|---:|---:|---:|---:|---:|"]
        out += ["| %s | %s | %d | %.4f | %.4f | %.4f | %.4f |" % (
            x["set"], x["engine"], x["queries"], x["Recall@1"], x["Recall@5"], x["Recall@20"], x["MRR@10"]) for x in q]
        out.append("")
    ag = runs[0]["agreement"]
    for eng, a in ag.items():
        if not a["queries"]:
            continue        # the engine did not run (--no-xapian)
        out.append("- native vs %s: same match count on %d/%d queries, same top-10 set on %d/%d" % (
            eng, a["same_count"], a["queries"], a["same_top10"], a["queries"]))
    return "\n".join(out)


def main():
    runs = [json.load(open(p)) for p in sys.argv[1:]]
    if not runs:
        sys.exit(__doc__)
    print("## Index\n\n" + index_table(runs) + "\n")
    print("## Latency (ms)\n\n" + latency_table(runs) + "\n")
    print("## Throughput, hot paths, quality, agreement\n\n" + rest(runs))


if __name__ == "__main__":
    main()
