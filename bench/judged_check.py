#!/usr/bin/env python3
"""judged_check.py -- check a judged query set against a laws index.

usage: python3 bench/judged_check.py [--zhs PATH] [--corpus DIR] [--write OUT]
                                     INDEX [QUERIES.jsonl]

Each line of QUERIES (default bench/legal_judged.jsonl) names its answers
twice: "relevant" holds passage ids as the index prints them, "refs" the
same passages as {"path": file below the corpus root, "label": article
label}.  The ids depend on how the indexer numbers passages; the refs do
not.  This script finds every ref in INDEX (one batch of
'+article:LABEL +title:"TITLE"' searches over all versions, TITLE read from
the file's first '# ' heading as the indexer reads it) and checks that the
ids so found are exactly "relevant".  --write OUT writes the set with
"relevant" regenerated from the refs (for a new id scheme: check, then
write; '--write -' prints it).  It also checks the shape of each line (unique qid, kind, refs).

Exit status: 0 all lines agree, 1 some do not (each is listed), 2 error.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

KINDS = ("citation", "concept", "question")
HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    print("judged_check: " + msg, file=sys.stderr)
    sys.exit(2)


def file_title(corpus, path):
    """The document title as the indexer takes it (docs/CORPUS.md): the
    first '# ' heading, else the file name without extension."""
    full = os.path.join(corpus, path)
    try:
        with open(full, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# "):
                    return line[2:].strip()
    except OSError as e:
        die("ref %s: cannot read %s: %s (is --corpus the indexed corpus root?)" % (path, full, e.strerror))
    return os.path.splitext(os.path.basename(path))[0]


def load(qpath):
    rows, problems, seen = [], [], set()
    with open(qpath, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except ValueError as e:
                die("%s:%d: not JSON: %s" % (qpath, n, e))
            where = "%s:%d (%s)" % (qpath, n, q.get("qid"))
            for key in ("qid", "query", "relevant", "kind", "note", "refs"):
                if key not in q:
                    problems.append("%s: no \"%s\"" % (where, key))
            if q.get("kind") not in KINDS:
                problems.append("%s: kind %r is not one of %s" % (where, q.get("kind"), "/".join(KINDS)))
            if q.get("qid") in seen:
                problems.append("%s: qid used twice" % where)
            seen.add(q.get("qid"))
            refs = q.get("refs") or []
            if not refs or any(not r.get("path") or not r.get("label") for r in refs):
                problems.append("%s: every ref needs a \"path\" and a \"label\"" % where)
            rows.append(q)
    return rows, problems


def resolve(zhs, index, corpus, rows, report):
    """Maps (path, label) of every ref to the id INDEX gives that passage
    (None when the index has no such passage)."""
    refs = sorted({(r["path"], r["label"]) for q in rows for r in q.get("refs") or [] if r.get("path") and r.get("label")})
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8", delete=False) as t:
        for i, (path, label) in enumerate(refs):
            title = file_title(corpus, path).replace('"', " ")
            t.write('%d\t+article:%s +title:"%s"\n' % (i, label, title))
        batch = t.name
    try:
        p = subprocess.run([zhs, "search", "--json", "--all-versions", "-k", "200", index, "--queries", batch],
                           capture_output=True, text=True)
    finally:
        os.unlink(batch)
    if p.returncode not in (0, 1):
        die("zhs search failed (exit %d): %s" % (p.returncode, p.stderr.strip()[-500:]))
    found = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        path, label = refs[int(r["qid"])]
        ids = [h["id"] for h in r.get("hits", []) if h.get("path", "").endswith("/" + path) and h.get("label") == label]
        found[(path, label)] = ids[0] if len(ids) == 1 else None
        if len(ids) > 1:
            print("ref %s %s: %d passages carry that label: %s" % (path, label, len(ids), " ".join(ids)), file=report)
    return found


def main():
    ap = argparse.ArgumentParser(description="check a judged query set's ids against its refs")
    ap.add_argument("--zhs", default=os.path.join(HERE, "..", "build", "zhs"))
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpus", "laws"),
                    help="the corpus root the refs' paths are below (default ../shared/corpus/laws)")
    ap.add_argument("--write", metavar="OUT", help="write the set with relevant ids regenerated from refs ('-': stdout)")
    ap.add_argument("index")
    ap.add_argument("queries", nargs="?", default=os.path.join(HERE, "legal_judged.jsonl"))
    a = ap.parse_args()
    if not os.access(a.zhs, os.X_OK):
        die("%s is not an executable: build first or give --zhs" % a.zhs)
    if not os.path.isdir(a.corpus):
        die("corpus root %s is not a directory: give --corpus" % a.corpus)
    rows, problems = load(a.queries)
    report = sys.stderr if a.write == "-" else sys.stdout   # stdout may be the set
    found = resolve(a.zhs, a.index, a.corpus, rows, report)
    bad = 0
    for q in rows:
        ids = [found.get((r.get("path"), r.get("label"))) for r in q.get("refs") or []]
        for r, i in zip(q.get("refs") or [], ids):
            if i is None:
                problems.append("%s: ref %s %s is not a passage of the index" % (q["qid"], r.get("path"), r.get("label")))
        if None not in ids and sorted(ids) != sorted(q.get("relevant") or []):
            problems.append("%s: relevant %s, but the refs are %s" % (q["qid"], q.get("relevant"), ids))
        if a.write:
            q["relevant"] = [i for i in ids if i]
    for p in problems:
        print(p, file=report)
        bad += 1
    counts = {k: sum(q.get("kind") == k for q in rows) for k in KINDS}
    print("%d queries (%s), %d refs: %s" % (len(rows), ", ".join("%s %d" % kv for kv in counts.items()), len(found),
                                            "all agree" if not bad else "%d problem(s)" % bad), file=report)
    if a.write:
        text = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in rows)
        if a.write == "-":
            sys.stdout.write(text)
        else:
            with open(a.write, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote %s" % a.write, file=report)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
