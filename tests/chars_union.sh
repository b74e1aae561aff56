#!/usr/bin/env bash
# chars_union.sh — an index without character terms (the default) answers
# one-character query parts as one with them (--chars) does: its lists are
# made from the bigrams and words that hold the character (query/chars.c).
#
# usage: bash tests/chars_union.sh PATH/TO/zhs SOURCE_DIR
#
# For every Han character of the sample corpus c, in five forms: c, +c
# with a word, a word -c, "c" and title:c, both indexes give the same
# count (--count) and the same set of passages at k 100000 (every match).
# Scores differ (the default's passages are shorter by their character
# tokens), so the order is not compared.  Also: the default's fingerprint
# says chars=w, --no-chars is the default, and --chars says chars=1.
set -u

ZHS=${1:?usage: chars_union.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: chars_union.sh PATH/TO/zhs SOURCE_DIR}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-chars.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1

# the sample, and passages whose title and heading give no tokens (an
# empty title, one of punctuation only, a Markdown file without a heading,
# titled by its name): their text must not start at position 0, which the
# made lists take for the title's copies (analysis/terms.h, text_start)
SAMPLE="$TMP/corpus"
cp -r "$SRC/corpus/sample" "$SAMPLE" || exit 2
cat >"$SAMPLE/untitled.jsonl" <<'EOF'
{"id": "u1", "title": "", "text": "罚金"}
{"id": "u2", "title": "——", "text": "卫冕"}
{"id": "u3", "title": "。", "text": "郭某"}
{"id": "u4", "title": "", "text": "鬲"}
EOF
printf '匮乏之时\n\n另一段\n' >"$SAMPLE/——.md"

"$ZHS" index -q --chars -o "$TMP/all" "$SAMPLE" || { echo "FAIL index --chars"; exit 1; }
"$ZHS" index -q -o "$TMP/def" "$SAMPLE" || { echo "FAIL index"; exit 1; }
"$ZHS" index -q --no-chars -o "$TMP/no" "$SAMPLE" || { echo "FAIL index --no-chars"; exit 1; }

fp() { "$ZHS" stats "$1" | awk '$1 == "analyzer"'; }
if fp "$TMP/def" | grep -q ' chars=w ' && fp "$TMP/all" | grep -q ' chars=1 '; then
    ok "fingerprints: the default chars=w, --chars chars=1"
else
    bad "fingerprints: $(fp "$TMP/def") / $(fp "$TMP/all")"
fi
if [ "$(fp "$TMP/def")" = "$(fp "$TMP/no")" ] && cmp -s "$TMP/def/g1.post" "$TMP/no/g1.post"; then
    ok "--no-chars is the default"
else
    bad "--no-chars differs from the default"
fi
size() { du -sb "$1" | cut -f1; }
if [ "$(size "$TMP/def")" -lt "$(size "$TMP/all")" ]; then
    ok "the default index is smaller ($(size "$TMP/def") < $(size "$TMP/all") bytes)"
else
    bad "the default index is not smaller ($(size "$TMP/def") vs $(size "$TMP/all"))"
fi

# every Han character of the corpus's texts, in each form
python3 - "$SAMPLE" "$TMP/q.txt" <<'EOF'
import os, sys
chars = set()
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        p = os.path.join(d, f)
        if p.endswith('.gz'):
            continue
        t = open(p, encoding='utf-8', errors='ignore').read()
        chars.update(c for c in t if '\u4e00' <= c <= '\u9fff')
forms = ['{c}', '+{c} 数据', '数据 -{c}', '"{c}"', 'title:{c}']
with open(sys.argv[2], 'w') as f:
    n = 0
    for c in sorted(chars):
        for fm in forms:
            n += 1
            f.write('q%d\t%s\n' % (n, fm.format(c=c)))
EOF
nq=$(wc -l <"$TMP/q.txt")
[ "$nq" -gt 5000 ] && ok "$nq queries" || bad "only $nq queries"

for ix in all def; do
    "$ZHS" search --queries "$TMP/q.txt" --count --format trec --all-versions "$TMP/$ix" >"$TMP/$ix.count" 2>"$TMP/$ix.err"
    "$ZHS" search --queries "$TMP/q.txt" -k 100000 --format trec --all-versions "$TMP/$ix" 2>>"$TMP/$ix.err" |
        awk '{ print $1, $3 }' | sort >"$TMP/$ix.ids"
done
if cmp -s "$TMP/all.count" "$TMP/def.count"; then
    ok "counts equal ($(awk '{ s += $2 } END { print s }' "$TMP/def.count") matches over $nq queries)"
else
    bad "counts differ: $(diff "$TMP/all.count" "$TMP/def.count" | head -6 | tr '\n' ' ')"
fi
if cmp -s "$TMP/all.ids" "$TMP/def.ids"; then
    ok "the same passages ($(wc -l <"$TMP/def.ids") hits)"
else
    bad "passages differ: $(diff "$TMP/all.ids" "$TMP/def.ids" | head -6 | tr '\n' ' ')"
fi
[ "$(awk '{ s += $2 } END { print s + 0 }' "$TMP/def.count")" -gt 0 ] && ok "queries match" || bad "nothing matched"

# A Xapian index keeps every character term unless told otherwise (it
# cannot make them): its default build counts as --chars, and a native
# index's analyzer (chars=w) may search it (zhs_index_check_analyzer)
if "$ZHS" --version | grep -q xapian; then
    "$ZHS" index -q --engine xapian -o "$TMP/xap" "$SAMPLE" || bad "index --engine xapian"
    fp "$TMP/xap" | grep -q ' chars=1 ' && ok "xapian: chars=1 by default" || bad "xapian: $(fp "$TMP/xap")"
    "$ZHS" search --queries "$TMP/q.txt" --count --format trec --all-versions "$TMP/xap" >"$TMP/xap.count" 2>"$TMP/xap.err"
    if cmp -s "$TMP/all.count" "$TMP/xap.count"; then
        ok "xapian: counts equal to --chars"
    else
        bad "xapian counts differ: $(diff "$TMP/all.count" "$TMP/xap.count" | head -6 | tr '\n' ' ')"
    fi
else
    echo "skip xapian: this zhs was built without it"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
