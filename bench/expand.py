#!/usr/bin/env python3
"""Builds a larger corpus from a Markdown/text corpus for the scale series.

    python3 bench/expand.py SRC OUT --factor N [--seed S]

OUT/x00 is SRC byte for byte; OUT/x01 .. OUT/x<N-1> each hold one new
document per source document (.md and .txt, also .gz, written uncompressed;
other files are left out of the copies).  A new document keeps the shape of
its source -- title, date lines, heading skeleton -- and changes its content:

- new title: the leading place name is swapped for another one found in the
  corpus's titles (or a term of the title is substituted), and the dates are
  shifted by a whole number of years;
- each article or paragraph is, with probability --recombine, replaced by one
  drawn from another document of the same folder (laws of one province, one
  department, one kind of case), and neighbours are swapped at a small rate;
- articles are renumbered (第一条, 第二条, ...);
- Han bigrams are substituted at rate --substitute (1 per 100 characters):
  a share --novel (0.8) by two characters drawn independently with their
  corpus frequency -- most often a pair the corpus never had, as new names
  and terms are when a corpus grows -- the rest by a bigram drawn with its
  frequency.  Without novel pairs the vocabulary of x2 stays 10% below what
  Heaps' law fitted on the laws corpus's own growth predicts; how close 0.8
  comes is measured by bench/scale_terms.py (figures in bench/README.md).

Determinism: every document's generator is seeded with (seed, copy, relative
path), files are read in byte order of paths, and nothing depends on hash
order, so the same SRC, factor and seed give the same bytes.
"""
import argparse
import gzip
import os
import random
import re
import shutil
import sys

ARTICLE = re.compile(r"^(第[零〇一二两三四五六七八九十百千万0-9０-９]+条(?:之[一二三四五六七八九十]+)?)([ \u3000]|$)")
YEAR = re.compile(r"(1[89][0-9]{2}|20[0-9]{2})(年|-)")
PLACE = re.compile(r"^([\u4e00-\u9fff]{1,6}?(?:省|市|自治区|自治州|县|區|縣))")
NOT_PLACE = re.compile("中华|人民|国|城市|关于")
HAN = re.compile(r"[\u4e00-\u9fff]")
SUFFIXES = (".md", ".txt")
DIGITS = "零一二三四五六七八九"


def cn_number(n):
    """1..9999 in Chinese numerals as article labels write them (十一, 一百零五)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    out = ""
    units = ((1000, "千"), (100, "百"), (10, "十"))
    zero = False
    for value, name in units:
        d = (n // value) % 10
        if d:
            if zero and out:
                out += "零"
            out += DIGITS[d] + name
            zero = False
        elif out:
            zero = True
    if n % 10:
        if zero:
            out += "零"
        out += DIGITS[n % 10]
    return out


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def source_files(src):
    """(relative path, absolute path) of every file under src, in byte order."""
    out = []
    for root, dirs, files in os.walk(src, followlinks=True):
        dirs.sort(key=os.fsencode)
        for name in files:
            full = os.path.join(root, name)
            out.append((os.path.relpath(full, src), full))
    out.sort(key=lambda rp: os.fsencode(rp[0]))
    return out


class Doc:
    """A document cut into a head (title, date lines up to the info marker),
    and body items: ("h", heading line), ("a", label, text) for an article,
    ("p", text) for a paragraph."""

    def __init__(self, rel, text):
        self.rel = rel
        self.folder = os.path.dirname(rel)
        lines = text.split("\n")
        self.head, self.body = [], []
        start = 0
        marker = next((i for i, l in enumerate(lines[:60]) if "INFO END" in l), None)
        if marker is not None:
            self.head, start = lines[:marker + 1], marker + 1
        elif lines and lines[0].startswith("# "):
            self.head, start = lines[:1], 1
        self.title = next((l[2:].strip() for l in self.head if l.startswith("# ")), "")
        # a text file's title is its name (what the corpus reader shows)
        self.name = self.title or re.sub(r"\(.*\)$", "", os.path.basename(rel).split(".")[0])
        para = []

        def flush():
            if para:
                block = "\n".join(para)
                m = ARTICLE.match(block)
                if m:
                    self.body.append(("a", m.group(1), block[m.end(1):]))
                else:
                    self.body.append(("p", block))
                para.clear()

        for line in lines[start:]:
            if line.startswith("#"):
                flush()
                self.body.append(("h", line))
            elif not line.strip():
                flush()
            elif ARTICLE.match(line) and para:
                flush()
                para.append(line)
            else:
                para.append(line)
        flush()
        # the paragraphs following an article belong to it
        merged = []
        for item in self.body:
            if item[0] == "p" and merged and merged[-1][0] == "a":
                merged[-1] = ("a", merged[-1][1], merged[-1][2] + "\n\n" + item[1])
            else:
                merged.append(item)
        self.body = merged


class Pools:
    """What new documents are drawn from: units per folder, place names, and
    the corpus's text for frequency-weighted bigrams."""

    def __init__(self, docs):
        self.units = {}
        places = {}
        chunks = []
        for d in docs:
            pool = self.units.setdefault(d.folder, {"a": [], "p": []})
            for item in d.body:
                if item[0] == "a":
                    pool["a"].append(item[2])
                    chunks.append(item[2])
                elif item[0] == "p" and len(item[1]) >= 20:
                    pool["p"].append(item[1])
                    chunks.append(item[1])
            m = PLACE.match(d.title)
            if m and not NOT_PLACE.search(m.group(1)):
                places[m.group(1)] = places.get(m.group(1), 0) + 1
        # a prefix seen once is more often a case name than a place
        self.places = sorted((p for p, n in places.items() if n >= 2), key=lambda s: s.encode())
        self.text = "\n".join(chunks)

    def bigram(self, rng):
        """A Han bigram drawn with its frequency in the corpus text."""
        for _ in range(32):
            i = rng.randrange(len(self.text) - 1)
            pair = self.text[i:i + 2]
            if HAN.match(pair[0]) and HAN.match(pair[1]):
                return pair
        return None

    def char(self, rng):
        """A Han character drawn with its frequency."""
        for _ in range(32):
            c = self.text[rng.randrange(len(self.text))]
            if HAN.match(c):
                return c
        return None


def substitute(text, rng, pools, rate, novel=0.0):
    """Replaces Han bigrams at about `rate` per character; a share `novel` of
    them are two characters drawn independently, most often a pair the
    corpus never had (what new names and terms do to a growing vocabulary)."""
    if rate <= 0 or len(text) < 2:
        return text
    out, last = [], 0
    pos = int(rng.expovariate(rate))
    while pos < len(text) - 1:
        if HAN.match(text[pos]) and HAN.match(text[pos + 1]):
            if rng.random() < novel:
                a, b = pools.char(rng), pools.char(rng)
                pair = a + b if a and b else None
            else:
                pair = pools.bigram(rng)
            if pair:
                out.append(text[last:pos])
                out.append(pair)
                last = pos + 2
        pos += 2 + int(rng.expovariate(rate))
    out.append(text[last:])
    return "".join(out)


def new_title(title, rng, pools):
    """The new title, and the (old, new) place names swapped, if any."""
    m = PLACE.match(title)
    if m and m.group(1) in pools.places and len(pools.places) > 1:
        place = pools.places[rng.randrange(len(pools.places))]
        if place != m.group(1):
            return place + title[m.end():], (m.group(1), place)
    # no place to swap: substitute one bigram of the title, so that it changes
    spots = [i for i in range(len(title) - 1) if HAN.match(title[i]) and HAN.match(title[i + 1])]
    pair = pools.bigram(rng) if spots else None
    if not pair:
        return title + "（%d）" % rng.randint(2, 99), None
    i = spots[rng.randrange(len(spots))]
    return title[:i] + pair + title[i + 2:], None


def shift_years(line, years):
    return YEAR.sub(lambda m: str(int(m.group(1)) + years) + m.group(2), line)


def generate(doc, rng, pools, args):
    years = rng.choice([-1, 1]) * rng.randint(1, 12)
    title, swap = new_title(doc.name, rng, pools)
    head = []
    for line in doc.head:
        if line.startswith("# "):
            head.append("# " + title)
        else:
            head.append(shift_years(line, years))
    pool = pools.units.get(doc.folder, {"a": [], "p": []})
    body = []
    for item in doc.body:
        kind = item[0]
        if kind == "h":
            body.append(item)
            continue
        text = item[-1]
        if pool[kind] and rng.random() < args.recombine:
            text = pool[kind][rng.randrange(len(pool[kind]))]
        body.append((kind, text))
    for i in range(len(body) - 1):   # local shuffle: swap neighbours of a kind
        if body[i][0] != "h" and body[i][0] == body[i + 1][0] and rng.random() < args.swap:
            body[i], body[i + 1] = body[i + 1], body[i]
    lines = list(head)
    number = 0
    for kind, text in body:
        lines.append("")
        if kind == "h":
            lines.append(text)
            continue
        text = substitute(shift_years(text, years), rng, pools, args.substitute, args.novel)
        if kind == "a":
            number += 1
            text = "第" + cn_number(number) + "条" + text
        lines.append(text)
    text = "\n".join(lines) + "\n"
    if swap:   # the law of another place names that place throughout
        text = text.replace(swap[0], swap[1])
    return title, years, text


def out_name(rel, title, years, taken):
    folder, base = os.path.split(rel)
    ext = ".txt" if ".txt" in base else ".md"
    m = re.search(r"\((\d{4})(-\d\d-\d\d)\)", base)
    stem = title.replace("/", "／")[:80] or "文档"
    if m:
        stem += "(%d%s)" % (int(m.group(1)) + years, m.group(2))
    name, n = stem + ext, 2
    while os.path.join(folder, name) in taken:
        name, n = "%s-%d%s" % (stem, n, ext), n + 1
    taken.add(os.path.join(folder, name))
    return os.path.join(folder, name)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="corpus folder (Markdown / text files)")
    ap.add_argument("out", help="output folder (must not exist, or be empty)")
    ap.add_argument("--factor", type=int, required=True, help="size multiple, 2 or more (x00 is the source)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--recombine", type=float, default=0.5, help="chance a unit is drawn from the folder's pool")
    ap.add_argument("--swap", type=float, default=0.1, help="chance two neighbouring units swap")
    ap.add_argument("--substitute", type=float, default=0.01, help="bigram substitutions per character")
    ap.add_argument("--novel", type=float, default=0.8, help="share of substitutions made of two independent characters")
    args = ap.parse_args(argv)
    if args.factor < 2:
        ap.error("--factor must be 2 or more (x1 is the source itself)")
    if not os.path.isdir(args.src):
        ap.error("%s is not a folder" % args.src)
    if os.path.exists(args.out) and os.listdir(args.out):
        ap.error("%s exists and is not empty: remove it or choose another folder" % args.out)

    files = source_files(args.src)
    docs, skipped = [], 0
    for rel, full in files:
        dest = os.path.join(args.out, "x00", rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(full, dest)
        plain = rel[:-3] if rel.endswith(".gz") else rel
        if plain.endswith(SUFFIXES):
            docs.append(Doc(plain, read_text(full)))
        else:
            skipped += 1
    if not docs:
        ap.error("%s holds no .md or .txt files" % args.src)
    pools = Pools(docs)
    written = 0
    for copy in range(1, args.factor):
        taken = set()
        for doc in docs:
            rng = random.Random("%d:%d:%s" % (args.seed, copy, doc.rel))
            title, years, text = generate(doc, rng, pools, args)
            rel = out_name(doc.rel, title, years, taken)
            dest = os.path.join(args.out, "x%02d" % copy, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                written += f.write(text.encode("utf-8"))
        print("expand: copy %d of %d written" % (copy, args.factor - 1), file=sys.stderr)
    print("expand: %d documents x %d copies, %.1f MB new text, %d other files only in x00"
          % (len(docs), args.factor - 1, written / 1e6, skipped), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
