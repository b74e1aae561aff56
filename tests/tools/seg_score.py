#!/usr/bin/env python3
"""Score a word segmentation against a gold standard.

Usage: seg_score.py GOLD PRED [--json]

Both files hold one sentence per line, words separated by spaces (any run of
ASCII spaces, tabs or U+3000 ideographic spaces counts as one separator; lines
may end in CRLF).  Line i of PRED must segment the same characters as line i
of GOLD.

Each word is a span [start, end) of character offsets in the line with the
separators removed.  Precision = |gold ∩ pred| / |pred|, recall =
|gold ∩ pred| / |gold|, F1 = 2PR / (P + R), micro-averaged over the file
(span counts summed over all lines, the SIGHAN bakeoff way).

Prints 'precision P', 'recall R', 'f1 F' (4 decimals), or with --json one
JSON object {"precision","recall","f1","gold_words","pred_words",
"correct_words","lines"}.  Exits 1 with a message naming the line when the
files do not correspond (line counts or characters differ), 2 on bad usage.
Stdlib only.
"""
import json
import re
import sys

SEP = re.compile(r'[ \t\u3000]+')


def read_lines(path):
    """Lines of a UTF-8 file without their line ends (LF, CRLF or CR+LF)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise SystemExit(f'seg_score.py: cannot read {path}: {e.strerror}')
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b'\n') + 1
        raise SystemExit(f'seg_score.py: {path}:{line}: not valid UTF-8')
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()          # the file's final newline does not start a line
    return [l[:-1] if l.endswith('\r') else l for l in lines]


def spans(line):
    """(set of (start, end) word spans, the line's characters without separators)."""
    out = set()
    pos = 0
    chars = []
    for w in SEP.split(line.strip(' \t\u3000')):
        if not w:
            continue
        out.add((pos, pos + len(w)))
        pos += len(w)
        chars.append(w)
    return out, ''.join(chars)


def score(gold_lines, pred_lines, gold_name='GOLD', pred_name='PRED'):
    if len(gold_lines) != len(pred_lines):
        raise ValueError(f'{gold_name} has {len(gold_lines)} lines but {pred_name} has '
                         f'{len(pred_lines)}: the files must correspond line by line')
    ng = np_ = nc = 0
    for i, (g, p) in enumerate(zip(gold_lines, pred_lines), 1):
        gs, gc = spans(g)
        ps, pc = spans(p)
        if gc != pc:
            k = next((j for j in range(min(len(gc), len(pc))) if gc[j] != pc[j]), min(len(gc), len(pc)))
            raise ValueError(f'line {i}: the characters differ between {gold_name} and {pred_name} '
                             f'(spaces removed) at character {k + 1}: gold {gc[k:k + 10]!r} vs '
                             f'pred {pc[k:k + 10]!r}')
        ng += len(gs)
        np_ += len(ps)
        nc += len(gs & ps)
    p = nc / np_ if np_ else 0.0
    r = nc / ng if ng else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {'precision': p, 'recall': r, 'f1': f, 'gold_words': ng, 'pred_words': np_,
            'correct_words': nc, 'lines': len(gold_lines)}


def main(argv):
    args = [a for a in argv if a != '--json']
    as_json = len(args) != len(argv)
    if any(a in ('-h', '--help') for a in args):
        print(__doc__.strip())
        return 0
    if len(args) != 2 or any(a.startswith('--') for a in args):
        sys.stderr.write('usage: seg_score.py GOLD PRED [--json]\n')
        return 2
    try:
        res = score(read_lines(args[0]), read_lines(args[1]), args[0], args[1])
    except ValueError as e:
        sys.stderr.write(f'seg_score.py: {e}\n')
        return 1
    if as_json:
        print(json.dumps(res))
    else:
        print(f"precision {res['precision']:.4f}\nrecall {res['recall']:.4f}\nf1 {res['f1']:.4f}")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
