#!/usr/bin/env python3
"""How realistic the term statistics of an expanded corpus are.

    python3 bench/scale_terms.py ORIGINAL [EXPANDED...] [--zhs build/zhs]
        [--index NAME=DIR ...] [--subsets DIR]

For each corpus folder: vocabulary growth (Heaps' law, V = K * N^beta) and
the document-frequency distribution of its terms.  The terms are a proxy
computed here, without the analyzer: Han character bigrams (zhs indexes every
bigram, they are most of its terms) and runs of Latin letters or digits;
documents are files.  The original's growth curve (files in a seeded random
order, V measured at every 1/16) gives K and beta; the table shows, for each
expanded corpus, the vocabulary Heaps' law predicts at its size against the
one measured.

The same with the exact index terms (words, bigrams, characters, Latin,
numbers) from `zhs stats`: --subsets DIR indexes 1/16, 1/8, 1/4 and 1/2 of
the original's files (same seeded order) under DIR, Heaps' law is fitted on
those and the first --index NAME=DIR (the original's full index), and each
further --index (x4, x16) is compared with its prediction.  The proxy pass
reads every file in Python (about 1 min per 100 MB); the exact one costs
four small index builds.
"""
import argparse
import math
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expand import read_text, source_files  # noqa: E402  (same file walk and reading)

HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
WORD = re.compile(r"[A-Za-z]+|[0-9]+")
BUCKETS = [(1, 1), (2, 3), (4, 15), (16, 63), (64, 255), (256, 1023), (1024, 10 ** 12)]


def doc_terms(text):
    """The proxy terms of one document: a list (for N) and their set (for df)."""
    terms = []
    for run in HAN_RUN.findall(text):
        terms.extend(run[i:i + 2] for i in range(len(run) - 1))
    terms.extend(w.lower() for w in WORD.findall(text))
    return terms


def measure(folder, shuffle_seed=None, checkpoints=16):
    files = [full for rel, full in source_files(folder)
             if rel.endswith((".md", ".txt", ".md.gz", ".txt.gz"))]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(files)
    df, tokens, curve = {}, 0, []
    marks = {max(1, round(len(files) * k / checkpoints)) for k in range(1, checkpoints + 1)}
    for i, path in enumerate(files, 1):
        terms = doc_terms(read_text(path))
        tokens += len(terms)
        for t in set(terms):
            df[t] = df.get(t, 0) + 1
        if i in marks:
            curve.append((tokens, len(df)))
    return {"docs": len(files), "tokens": tokens, "vocab": len(df), "df": df, "curve": curve}


def fit_heaps(curve):
    """Least squares of log V on log N: (K, beta)."""
    pts = [(math.log(n), math.log(v)) for n, v in curve if n > 0 and v > 0]
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    beta = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return math.exp(my - beta * mx), beta


def df_shares(df):
    counts = [0] * len(BUCKETS)
    for v in df.values():
        for i, (lo, hi) in enumerate(BUCKETS):
            if lo <= v <= hi:
                counts[i] += 1
                break
    return [100.0 * c / max(len(df), 1) for c in counts]


def rank_df(df, docs, ranks=(10, 100, 1000, 10000)):
    top = sorted(df.values(), reverse=True)
    return ["%.3f" % (top[r - 1] / docs) if r <= len(top) else "–" for r in ranks]


def subset_indexes(zhs, original, seed, work):
    """(tokens, terms) of indexes of growing shares of the original."""
    files = [full for rel, full in source_files(original) if rel.endswith((".md", ".txt", ".md.gz", ".txt.gz"))]
    random.Random(seed).shuffle(files)
    out = []
    for part in (16, 8, 4, 2):
        folder = os.path.join(work, "sub-%d" % part)
        subprocess.run(["rm", "-rf", folder], check=True)
        os.makedirs(os.path.join(folder, "files"))
        for i, full in enumerate(files[:len(files) // part]):
            ext = ".txt" if ".txt" in os.path.basename(full) else ".md"
            ext += ".gz" if full.endswith(".gz") else ""
            os.symlink(os.path.abspath(full), os.path.join(folder, "files", "%05d%s" % (i, ext)))
        subprocess.run([zhs, "index", "-q", "-o", os.path.join(folder, "index"), os.path.join(folder, "files")],
                       check=True)
        terms, tokens = zhs_stats(zhs, os.path.join(folder, "index"))
        out.append(("1/%d" % part, tokens, terms))
    return out


def zhs_stats(zhs, index):
    out = subprocess.run([zhs, "stats", index], capture_output=True, text=True, check=True).stdout
    get = lambda key: int(re.search(r"%s\D*([\d,]+)" % key, out).group(1).replace(",", ""))
    return get("terms"), get("tokens")


def proxy(args):
    base = measure(args.original, args.seed)
    k, beta = fit_heaps(base["curve"])
    rows = [("original", base)] + [(os.path.basename(os.path.normpath(p)), measure(p)) for p in args.expanded]
    print("Proxy terms (Han bigrams, Latin/digit runs); documents = files.")
    print("Heaps' law fitted on the original's growth (16 points): V = %.1f * N^%.3f\n" % (k, beta))
    print("| corpus | files | tokens N | vocabulary V | Heaps predicts | measured/predicted |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, m in rows:
        pred = k * m["tokens"] ** beta
        print("| %s | %d | %d | %d | %.0f | %.2f |" % (name, m["docs"], m["tokens"], m["vocab"], pred, m["vocab"] / pred))
    print("\nShare of the vocabulary (%) by document frequency; df/D of the terms at ranks 10, 100, 1000, 10000\n")
    heads = ["df %d" % lo if lo == hi else ("df %d–%d" % (lo, hi) if hi < 10 ** 12 else "df ≥%d" % lo)
             for lo, hi in BUCKETS]
    print("| corpus | %s | df/D @10 | @100 | @1000 | @10000 |" % " | ".join(heads))
    print("|---|%s---:|---:|---:|---:|" % ("---:|" * len(BUCKETS)))
    for name, m in rows:
        print("| %s | %s | %s |" % (name, " | ".join("%.1f" % s for s in df_shares(m["df"])),
                                     " | ".join(rank_df(m["df"], m["docs"]))))


def exact(args):
    if args.index:
        exact = [(name, *reversed(zhs_stats(args.zhs, path)))
                 for name, _, path in (spec.partition("=") for spec in args.index)]
        subs = subset_indexes(args.zhs, args.original, args.seed, args.subsets) if args.subsets else []
        fit_pts = subs + exact[:1]
        print("\nExact index terms (`zhs stats`: words, bigrams, characters, Latin, numbers)")
        if len(fit_pts) >= 2:
            ke, be = fit_heaps([(n, v) for _, n, v in fit_pts])
            print("Heaps' law fitted on %s of the original: V = %.1f * N^%.3f\n"
                  % (", ".join(name for name, _, _ in fit_pts), ke, be))
        print("| index | tokens N | terms V | Heaps predicts | measured/predicted |")
        print("|---|---:|---:|---:|---:|")
        for name, n, v in subs + exact:
            pred = ke * n ** be if len(fit_pts) >= 2 else None
            print("| %s | %d | %d | %s | %s |" % (name, n, v, "–" if pred is None else "%.0f" % pred,
                                                  "–" if pred is None else "%.2f" % (v / pred)))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("original")
    ap.add_argument("expanded", nargs="*")
    ap.add_argument("--seed", type=int, default=42, help="order of the original's files for its growth curve")
    ap.add_argument("--zhs", default="build/zhs")
    ap.add_argument("--index", action="append", default=[], metavar="NAME=DIR",
                    help="a built index: the first is the original's, the others expanded corpora's")
    ap.add_argument("--subsets", metavar="DIR", help="index shares of the original here for the exact fit")
    ap.add_argument("--no-proxy", action="store_true", help="only the exact figures (--index)")
    args = ap.parse_args(argv)

    if not args.no_proxy:
        proxy(args)
    exact(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
