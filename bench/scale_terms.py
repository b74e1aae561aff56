#!/usr/bin/env python3
"""How realistic the term statistics of an expanded corpus are.

    python3 bench/scale_terms.py ORIGINAL EXPANDED... [--zhs build/zhs --index X=DIR ...]

For each corpus folder: vocabulary growth (Heaps' law, V = K * N^beta) and
the document-frequency distribution of its terms.  The terms are a proxy
computed here, without the analyzer: Han character bigrams (zhs indexes every
bigram, they are most of its terms) and runs of Latin letters or digits;
documents are files.  The original's growth curve (files in a seeded random
order, V measured at every 1/16) gives K and beta; the table shows, for each
expanded corpus, the vocabulary Heaps' law predicts at its size against the
one measured.  With --index NAME=DIR (repeatable) the exact figures of
`zhs stats` (terms, tokens) of built indexes are listed too.
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


def zhs_stats(zhs, index):
    out = subprocess.run([zhs, "stats", index], capture_output=True, text=True, check=True).stdout
    get = lambda key: int(re.search(r"%s\D*([\d,]+)" % key, out).group(1).replace(",", ""))
    return get("terms"), get("tokens")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("original")
    ap.add_argument("expanded", nargs="*")
    ap.add_argument("--seed", type=int, default=42, help="order of the original's files for its growth curve")
    ap.add_argument("--zhs", default="build/zhs")
    ap.add_argument("--index", action="append", default=[], metavar="NAME=DIR")
    args = ap.parse_args(argv)

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
    if args.index:
        print("\nExact index terms (`zhs stats`): words, bigrams, characters, Latin and numbers\n")
        print("| index | tokens | terms | Heaps beta vs the first |")
        print("|---|---:|---:|---:|")
        first = None
        for spec in args.index:
            name, _, path = spec.partition("=")
            terms, tokens = zhs_stats(args.zhs, path)
            b = "–" if first is None else "%.3f" % (math.log(terms / first[0]) / math.log(tokens / first[1]))
            first = first or (terms, tokens)
            print("| %s | %d | %d | %s |" % (name, tokens, terms, b))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
