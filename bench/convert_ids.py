#!/usr/bin/env python3
"""Rewrites the passage ids of a query file into the article-stable scheme.

usage: python3 bench/convert_ids.py CORPUS_ROOT IN.jsonl [OUT.jsonl]

Passage ids used to be "rel#N", N the ordinal of the passage in its file;
they are now "rel#第二十条" for an article (docs/CORPUS.md).  This reads
CORPUS_ROOT with the library (libzhs through the Python binding: set
ZHSEARCH_LIBRARY=build/libzhs.so to use a build tree's) and, in every
record of IN.jsonl:

  - "relevant": each old id "rel#N" becomes the id of the N-th passage of
    that file; an id the corpus already has is kept;
  - "refs" (a list of {"path": rel, "label": "第二十条"}, optionally with
    "part": k for the k-th passage of that label, 1 by default, or
    {"id": old id}): "relevant" is made from them, in their order.

Writes OUT.jsonl (default: IN.jsonl, rewritten in place), keeping every
other field and the order of the records.  An id or ref that names no
passage of the corpus is an error (exit 1), reported with its record.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))


def corpus_passages(root):
    """{rel: [(id, label), ...]} in file order, read as an index build does."""
    import ctypes
    from zhsearch import _lib as L
    lib = L.load()
    err = L.Error()
    c = L.Handle()
    paths = (ctypes.c_char_p * 1)(os.fsencode(root))
    copts = L.CorpusOptions()
    lib.zhs_corpus_options_default(ctypes.byref(copts))
    warn = L.WARN_FN(lambda *a: None)       # kept alive while the corpus is read
    copts.warn = warn
    files = {}
    lib.zhs_corpus_open(ctypes.byref(c), paths, 1, ctypes.byref(copts), ctypes.byref(err))
    try:
        doc = ctypes.POINTER(L.Document)()
        while lib.zhs_corpus_next(c, ctypes.byref(doc), ctypes.byref(err)) == L.OK and doc:
            d = doc.contents
            for i in range(d.npassages):
                p = d.passages[i]
                pid = p.id.decode("utf-8")
                rel = pid.rsplit("#", 1)[0]
                files.setdefault(rel, []).append((pid, (p.label or b"").decode("utf-8")))
    finally:
        lib.zhs_corpus_close(c)
    if err.code:
        sys.exit("convert_ids.py: cannot read %s: %s" % (root, err.message.decode("utf-8", "replace")))
    return files


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__.strip().splitlines()[2])
    root, src = argv[1], argv[2]
    dst = argv[3] if len(argv) > 3 else src
    files = corpus_passages(root)
    known = {pid for ps in files.values() for pid, _ in ps}

    def from_old(old, qid):
        if old in known:
            return old
        rel, _, n = old.rpartition("#")
        ps = files.get(rel)
        if not n.isdigit() or not ps or not 1 <= int(n) <= len(ps):
            sys.exit("convert_ids.py: %s: %s names no passage of %s" % (qid, old, root))
        return ps[int(n) - 1][0]

    def from_ref(ref, qid):
        if "id" in ref:
            return from_old(ref["id"], qid)
        same = [pid for pid, label in files.get(ref.get("path", ""), []) if label == ref.get("label")]
        k = int(ref.get("part", 1))
        if not 1 <= k <= len(same):
            sys.exit("convert_ids.py: %s: no passage %d of %s in %s" % (qid, k, ref.get("label"), ref.get("path")))
        return same[k - 1]

    out = []
    changed = 0
    with open(src, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            qid = r.get("qid", "?")
            before = r.get("relevant")
            if "refs" in r:
                r["relevant"] = [from_ref(x, qid) for x in r["refs"]]
            elif "relevant" in r:
                r["relevant"] = [from_old(x, qid) for x in r["relevant"]]
            changed += r.get("relevant") != before
            out.append(json.dumps(r, ensure_ascii=False))
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("convert_ids.py: %d of %d records changed -> %s" % (changed, len(out), dst), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
