#!/usr/bin/env bash
# format_compat.sh — indexes of earlier formats are still read.
#
# usage: bash tests/format_compat.sh PATH/TO/zhs SOURCE_DIR
#
# tests/data/v2-index is tests/data/v2-corpus indexed by zhsearch of format 2
# (commit ffb142d): blocks without PFOR exceptions, 24-byte skip entries
# (.post magic ZHSPOST1), a store without dictionary.  Its 300 passages all
# hold 数据, so terms with skip entries, with and without positions, are
# there.  A fresh build of the same corpus (format 4) must give the same
# hits with the same scores, pruned and exhaustive, and the same counts
# (except for a phrase that the titles hold: see below);
# 'zhs check' accepts both; an update of a copy adds a format-4 segment
# beside the format-2 one, and the mixed index reads and checks too.
#
# tests/data/v3-index is the same corpus indexed by zhsearch of format 3
# (commit 6113b44, 'zhs index -q -o v3-index corpus'): a store whose texts
# are UTF-8 (magic ZHSSTOR1, with a preset dictionary).  It must give the
# same hits and the same stored passages, text included, as the build.
#
# tests/data/v4-index is the same corpus indexed by zhsearch of format 4
# (commit a461dc9, 'zhs index -q -o v4-index corpus'): a store of coded
# texts in zlib blocks (magic ZHSSTOR2), built from /tmp/zhs-format2-corpus
# as v2-index was (below).  It must give the same hits and stored passages
# as the build (format 5: zstd blocks, ZHSSTOR3), and an update of a copy
# adds a format-5 segment beside the format-4 one.
#
# tests/data/v5-index is the same corpus indexed by zhsearch of format 5
# (main at a2f6b79, 'zhs index -q -o v5-index /tmp/zhs-format2-corpus',
# as v4-index): posting blocks whose exceptions are varint pairs (.post
# magic ZHSPOST2).  The build (format 6: exceptions as index bytes and
# packed high parts, ZHSPOST3) must give exactly its hits, scores and
# counts, pruned and exhaustive, and an update of a copy adds a format-6
# segment beside the format-5 one.
#
# Format 7 changed the dictionary (.dict magic ZHSDICT2, smaller
# entries); fixtures v2 to v5 hold the ZHSDICT1 entries of formats 1
# to 6, and the mixed indexes below hold both.
#
# tests/data/v7-index is the same corpus indexed by zhsearch of format 7
# (main at 18b8410, 'zhs index -q --chars -o v7-index
# /tmp/zhs-format2-corpus'): skip entries of 18 and 14 bytes (.post magic
# ZHSPOST3, as format 6's), ZHSDICT2, ZHSSTOR4.  The build (format 8:
# packed skip tables, ZHSPOST4) must give exactly its hits, scores and
# counts, pruned and exhaustive, and an update of a copy adds a format-8
# segment beside the format-7 one.
#
# tests/data/v8-index is the same corpus indexed by zhsearch of format 8
# (main at f031972, 'zhs index -q --chars -o v8-index
# /tmp/zhs-format2-corpus'): blocks whose tfs are all PFOR groups (.post
# magic ZHSPOST4).  The build (format 9: tfs in unary or left out where
# smaller, ZHSPOST5) must give exactly its hits, scores and counts, pruned
# and exhaustive, and an update of a copy adds a format-9 segment beside
# the format-8 one.
#
# tests/data/v9-index is the same corpus indexed by zhsearch of format 9
# (main at 4bb0b22, 'zhs index -q --chars -o v9-index
# /tmp/zhs-format2-corpus'): every list in .post and .pos (.dict magic
# ZHSDICT2).  The build (format 10: a df-1 term's list in its dictionary
# entry, ZHSDICT3) must give exactly its hits, scores and counts, pruned
# and exhaustive, and an update of a copy adds a format-10 segment beside
# the format-9 one.
set -u

ZHS=${1:?usage: format_compat.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: format_compat.sh PATH/TO/zhs SOURCE_DIR}
DATA="$SRC/tests/data"
ZHS=$(cd "$(dirname "$ZHS")" && pwd)/$(basename "$ZHS")

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-format.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1

cp -r "$DATA/v2-corpus" "$TMP/corpus"
# --chars: the old indexes hold every character term (chars=1), as the
# default did then; the build must have their terms to give their scores
(cd "$TMP" && "$ZHS" index -q --chars -o new corpus) && ok "format-10 build" || bad "format-10 build"
cp -r "$DATA/v2-index" "$TMP/old"
cp -r "$DATA/v3-index" "$TMP/v3"
cp -r "$DATA/v4-index" "$TMP/v4"
cp -r "$DATA/v5-index" "$TMP/v5"
cp -r "$DATA/v7-index" "$TMP/v7"
cp -r "$DATA/v8-index" "$TMP/v8"
cp -r "$DATA/v9-index" "$TMP/v9"
head -1 "$TMP/old/MANIFEST" | grep -qx 'zhsearch-index 2' && ok "fixture is format 2" || bad "fixture is not format 2"
head -1 "$TMP/v3/MANIFEST" | grep -qx 'zhsearch-index 3' && ok "fixture is format 3" || bad "fixture is not format 3"
head -1 "$TMP/v4/MANIFEST" | grep -qx 'zhsearch-index 4' && ok "fixture is format 4" || bad "fixture is not format 4"
head -1 "$TMP/v5/MANIFEST" | grep -qx 'zhsearch-index 5' && ok "fixture is format 5" || bad "fixture is not format 5"
head -1 "$TMP/v7/MANIFEST" | grep -qx 'zhsearch-index 7' && ok "fixture is format 7" || bad "fixture is not format 7"
head -1 "$TMP/v8/MANIFEST" | grep -qx 'zhsearch-index 8' && ok "fixture is format 8" || bad "fixture is not format 8"
head -1 "$TMP/v9/MANIFEST" | grep -qx 'zhsearch-index 9' && ok "fixture is format 9" || bad "fixture is not format 9"
head -1 "$TMP/new/MANIFEST" | grep -qx 'zhsearch-index 12' && ok "build is format 12" || bad "build is not format 12"
head -c 8 "$TMP/v5/g1.dict" | grep -q ZHSDICT1 && head -c 8 "$TMP/v7/g1.dict" | grep -q ZHSDICT2 &&
    head -c 8 "$TMP/v9/g1.dict" | grep -q ZHSDICT2 && head -c 8 "$TMP/new/g1.dict" | grep -q ZHSDICT3 &&
    ok "dictionaries: ZHSDICT1 (formats 1 to 6), ZHSDICT2 (formats 7 to 9), ZHSDICT3 (format 10)" || bad "dict magics"
head -c 8 "$TMP/v5/g1.post" | grep -q ZHSPOST2 && head -c 8 "$TMP/v7/g1.post" | grep -q ZHSPOST3 &&
    head -c 8 "$TMP/v8/g1.post" | grep -q ZHSPOST4 && head -c 8 "$TMP/v9/g1.post" | grep -q ZHSPOST5 &&
    head -c 8 "$TMP/new/g1.post" | grep -q ZHSPOST5 &&
    ok "postings: ZHSPOST2 (format 5), ZHSPOST3 (formats 6 and 7), ZHSPOST4 (format 8), ZHSPOST5 (formats 9 and 10)" ||
    bad "post magics"
head -c 8 "$TMP/v3/g1.store" | grep -q ZHSSTOR1 && head -c 8 "$TMP/v4/g1.store" | grep -q ZHSSTOR2 &&
    head -c 8 "$TMP/v5/g1.store" | grep -q ZHSSTOR3 && head -c 8 "$TMP/new/g1.store" | grep -q ZHSSTOR4 &&
    ok "stores: ZHSSTOR1 (format 3), ZHSSTOR2 (format 4), ZHSSTOR3 (formats 5 and 6), ZHSSTOR4 (formats 7 and 8)" ||
    bad "store magics"
for ix in old v3 v4 v5 v7 v8 v9 new; do
    "$ZHS" check "$TMP/$ix" >/dev/null 2>"$TMP/err" && ok "check $ix" || bad "check $ix: $(cat "$TMP/err")"
done

queries='数据
个人信息
"个人信息保护"
数据 处理
+数据 -罚款
数据 OR 合同
title:合同 数据
数'
printf '%s\n' "$queries" > "$TMP/q"
# Format 2 against the build (above), and formats 5, 7, 8 and 9 against
# it: format 10 holds the same postings in another block, skip and
# dictionary layout, so the same hits with the same scores and the same
# counts, to the byte.
for ix in old v5 v7 v8 v9; do
    for mode in "" "--exhaustive" "--count"; do
        for x in $ix new; do
            "$ZHS" search $mode -k 50 --format trec --queries "$TMP/q" "$TMP/$x" > "$TMP/$x.out" 2>&1
        done
        if [ -s "$TMP/$ix.out" ] && cmp -s "$TMP/$ix.out" "$TMP/new.out"; then
            ok "$ix: same results ${mode:-pruned} ($(wc -l < "$TMP/$ix.out") lines)"
        else
            bad "$ix: results differ ${mode:-pruned}"; diff "$TMP/$ix.out" "$TMP/new.out" | head -5
        fi
    done
done

# tests/data/v5-nochars-index: the same corpus indexed by main at a2f6b79
# (format 5) with --no-chars (no character terms; 'zhs index -q --no-chars
# -o v5-nochars-index DIR' where DIR held passages.jsonl).  Its segment's
# one-character lists are made at query time in format 8's layout
# (query/chars.c), as the default build's: the same counts for c, +c, "c",
# title:c (before, none matched: the segment got no made lists).
cp -r "$DATA/v5-nochars-index" "$TMP/v5nc"
(cd "$TMP" && "$ZHS" index -q -o nc corpus) || bad "default build"
printf '%s\n' 罚 '+罚 数据' '"罚"' '数据 -罚' title:法 '+法 保护' '"数"' title:数 > "$TMP/qc"
"$ZHS" search --count --format trec --queries "$TMP/qc" "$TMP/v5nc" > "$TMP/v5nc.count" 2>&1
"$ZHS" search --count --format trec --queries "$TMP/qc" "$TMP/nc" > "$TMP/nc.count" 2>&1
if [ -s "$TMP/nc.count" ] && cmp -s "$TMP/v5nc.count" "$TMP/nc.count" && ! grep -q ' 0$' "$TMP/nc.count"; then
    ok "format-5 --no-chars: one-character parts made ($(tr '\n' ' ' < "$TMP/nc.count"))"
else
    bad "format-5 --no-chars: counts $(tr '\n' ' ' < "$TMP/v5nc.count") vs $(tr '\n' ' ' < "$TMP/nc.count")"
fi

# A format-2 segment without character terms (v2-index's fingerprint
# without chars=1, as an index built before them) gets no made lists: its
# title copies stand at the title's own positions, which chars.c would
# count as text; one-character parts match the word, as they always did
# there -- and still after an edit rewrites the MANIFEST as format 12 (the
# segment decides, not the MANIFEST).
cp -r "$DATA/v2-index" "$TMP/v2nc"
python3 - "$TMP/v2nc/MANIFEST" <<'PY'
import sys, zlib
p = sys.argv[1]
s = open(p).read().replace(" chars=1", "", 1)
body = s[:s.rindex("crc32 ")]
open(p, "w").write(body + "crc32 %08x\n" % (zlib.crc32(body.encode()) & 0xffffffff))
PY
printf '%s\n' '+信' '+罚' '"法"' > "$TMP/q2"
"$ZHS" search --count --format trec --queries "$TMP/q2" "$TMP/v2nc" > "$TMP/v2nc.before" 2>&1
id=$("$ZHS" search -k 1 --format trec "$TMP/v2nc" 数据 | awk '{print $3}')
"$ZHS" delete -q "$TMP/v2nc" "$id" || bad "delete $id from the format-2 copy"
"$ZHS" search --count --format trec --queries "$TMP/q2" "$TMP/v2nc" > "$TMP/v2nc.after" 2>&1
if [ "$(head -1 "$TMP/v2nc/MANIFEST")" = "zhsearch-index 12" ] && [ -s "$TMP/v2nc.after" ] &&
   python3 - "$TMP/v2nc.before" "$TMP/v2nc.after" <<'PY'
import sys
b = [int(l.split()[-1]) for l in open(sys.argv[1])]
a = [int(l.split()[-1]) for l in open(sys.argv[2])]
sys.exit(0 if len(a) == len(b) == 3 and all(x <= y for x, y in zip(a, b)) else 1)
PY
then ok "format-2 segment without character terms: no made lists, before and after an edit ($(tr '\n' ' ' < "$TMP/v2nc.after"))"
else bad "format-2 segment without character terms: counts $(tr '\n' ' ' < "$TMP/v2nc.before") -> $(tr '\n' ' ' < "$TMP/v2nc.after")"
fi

# Formats 3 and 4 against 5: the same hits, scores and stored records (the
# source path differs: each index names where it was built).
for ix in v3 v4 v5 v7 v8 v9 new; do
    "$ZHS" search -k 300 --format json --queries "$TMP/q" "$TMP/$ix" 2>&1 |
        sed 's/"path":"[^"]*"//g' > "$TMP/$ix.json"
done
for ix in v3 v4 v5 v7 v8 v9; do
    if grep -q '"text":"' "$TMP/new.json" && cmp -s "$TMP/$ix.json" "$TMP/new.json"; then
        ok "$ix and format 10: same hits and stored passages ($(grep -o '"text":"' "$TMP/new.json" | wc -l) records)"
    else
        bad "$ix and format 10 differ"; diff "$TMP/$ix.json" "$TMP/new.json" | head -3
    fi
done

# A phrase in an index of format 2 still matches through the title (the
# title's tokens sat before the text with positions); from format 3 the
# title and heading are weighted copies at position 0 and a phrase must be
# in the text (docs/RANKING.md "Fields").  Both counts are checked against
# the corpus itself.
want=$(python3 - "$TMP/corpus/passages.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
print(sum("数据安全" in r["text"] for r in recs),
      sum("数据安全" in r["text"] or "数据安全" in r.get("title", "") for r in recs))
PY
)
got_new=$("$ZHS" search --count "$TMP/new" '"数据安全"' 2>/dev/null | awk '{print $1}')
got_old=$("$ZHS" search --count "$TMP/old" '"数据安全"' 2>/dev/null | awk '{print $1}')
if [ "$got_new ${got_old}" = "$want" ]; then ok "\"数据安全\": $got_new passages in the text (format 4), $got_old with the titles (format 2)"
else bad "\"数据安全\": counts $got_new / $got_old, the corpus says $want"; fi

# Mixed formats: an update of the format-2 copy writes a format-4 segment.
# The fixture's file table names its corpus by the absolute path it was
# built from, /tmp/zhs-format2-corpus (passages.jsonl with mtime
# 2020-01-01 00:00 UTC): the corpus is put back there as it was (and
# removed after). Runs at once (a developer's and CI's) take turns on a
# lock beside it; a directory found there under the lock was left by a
# run that was killed, and is replaced.
FIX=/tmp/zhs-format2-corpus
have_fix=false
if command -v flock >/dev/null 2>&1 && exec 9>"$FIX.lock" && flock -w 900 9; then
    rm -rf "$FIX" && mkdir "$FIX" && have_fix=true
elif mkdir "$FIX" 2>/dev/null; then
    have_fix=true
fi
if $have_fix; then
    trap 'rm -rf "$TMP" "$FIX"' EXIT
    # the file's size and mtime as recorded: unchanged without hashing
    cp "$DATA/v2-corpus/passages.jsonl" "$FIX/" && touch -d '2020-01-01 00:00:00 UTC' "$FIX/passages.jsonl" &&
        cp -r "$TMP/old" "$TMP/mixed" &&
        printf '%s\n' '{"id": "x1", "title": "新增示例规定", "text": "数据新增条文个人信息保护。"}' > "$FIX/added.jsonl"
    "$ZHS" index -q --update -o "$TMP/mixed" "$FIX" 2>"$TMP/err" && ok "update of a format-2 index" ||
        bad "update of a format-2 index: $(cat "$TMP/err")"
    segs=$(grep -c '^segment ' "$TMP/mixed/MANIFEST")
    [ "$segs" = 2 ] && ok "mixed index has two segments" || bad "mixed index: $(grep '^segment' "$TMP/mixed/MANIFEST")"
    head -c 8 "$TMP/mixed/g1.post" | grep -q ZHSPOST1 && ok "the old segment kept its format" || bad "old segment rewritten"
    "$ZHS" check "$TMP/mixed" >/dev/null 2>"$TMP/err" && ok "check mixed" || bad "check mixed: $(cat "$TMP/err")"
    # The mixed index $1 holds 数据 in 301 passages, and pruning over its
    # segments (each with its own skip layout) is exact.
    count_and_pruned() {
        "$ZHS" search --count "$TMP/$1" '数据' 2>&1 | grep -q '^301 passages match' && ok "$1 count" ||
            bad "$1 count: $("$ZHS" search --count "$TMP/$1" '数据' 2>&1 | head -2)"
        "$ZHS" search -k 50 --format trec --queries "$TMP/q" "$TMP/$1" > "$TMP/$1.pruned" 2>&1
        "$ZHS" search --exhaustive -k 50 --format trec --queries "$TMP/q" "$TMP/$1" > "$TMP/$1.exh" 2>&1
        [ -s "$TMP/$1.exh" ] && cmp -s "$TMP/$1.pruned" "$TMP/$1.exh" &&
            ok "$1: pruned = exhaustive ($(wc -l < "$TMP/$1.exh") lines)" || bad "$1: pruned differs from exhaustive"
    }
    count_and_pruned mixed
    "$ZHS" search "$TMP/mixed" '"新增条文"' 2>&1 | grep -q '新增示例规定' && ok "mixed phrase finds the new passage" ||
        bad "mixed phrase"
    # An update of a copy of fixture $1 into $2: its files *.$3 have the
    # magics $4 (the old segment's and the new one's), and it checks.
    update_copy() {
        cp -r "$TMP/$1" "$TMP/$2"
        "$ZHS" index -q --update -o "$TMP/$2" "$FIX" 2>"$TMP/err" && ok "update of $1" || bad "update of $1: $(cat "$TMP/err")"
        magics=$(for f in "$TMP/$2"/*."$3"; do head -c 8 "$f"; echo; done | sort | tr '\n' ' ')
        [ "$magics" = "$4" ] && ok "$2: .$3 files $4" || bad "$2: .$3 files $magics"
        "$ZHS" check "$TMP/$2" >/dev/null 2>"$TMP/err" && ok "check $2" || bad "check $2: $(cat "$TMP/err")"
    }
    # the same update of the format-4 copy: a format-5 store beside it
    # (formats 7 and 8 write records that derive strings, ZHSSTOR4)
    update_copy v4 mixed4 store "ZHSSTOR2 ZHSSTOR4 "
    "$ZHS" search --format json "$TMP/mixed4" '"新增条文"' 2>&1 | grep -q '数据新增条文个人信息保护' &&
        ok "mixed4: the new passage's stored text" || bad "mixed4: the new passage's stored text"
    # every passage the format-4 index returned reads back the same
    "$ZHS" search -k 300 --format json --queries "$TMP/q" "$TMP/mixed4" 2>&1 | grep -o '"text":"[^"]*"' |
        sort -u > "$TMP/mixed4.texts"
    grep -o '"text":"[^"]*"' "$TMP/v4.json" | sort -u > "$TMP/v4.texts"
    [ -s "$TMP/v4.texts" ] && [ -z "$(comm -13 "$TMP/mixed4.texts" "$TMP/v4.texts")" ] &&
        ok "mixed4: the format-4 segment's passages read as before" || bad "mixed4: format-4 passages differ"
    # an update of the format-5 copy: a format-9 .post beside the format-5 one
    update_copy v5 mixed5 post "ZHSPOST2 ZHSPOST5 "
    for f in "$TMP"/mixed5/*.dict; do head -c 8 "$f"; echo; done | sort | tr '\n' ' ' | grep -qx 'ZHSDICT1 ZHSDICT3 ' &&
        ok "mixed5: .dict files ZHSDICT1 ZHSDICT3" || bad "mixed5: .dict magics"
    # and a format-9 .store (ZHSSTOR4) beside the format-5 one: one reader reads both
    magics=$(for f in "$TMP/mixed5"/*.store; do head -c 8 "$f"; echo; done | sort | tr '\n' ' ')
    [ "$magics" = "ZHSSTOR3 ZHSSTOR4 " ] && ok "mixed5: .store files $magics" || bad "mixed5: .store files $magics"
    "$ZHS" search -k 300 --format json --queries "$TMP/q" "$TMP/mixed5" 2>&1 | grep -o '"text":"[^"]*"' |
        sort -u > "$TMP/mixed5.texts"
    grep -o '"text":"[^"]*"' "$TMP/v5.json" | sort -u > "$TMP/v5.texts"
    [ -s "$TMP/v5.texts" ] && [ -z "$(comm -13 "$TMP/mixed5.texts" "$TMP/v5.texts")" ] &&
        ok "mixed5: the format-5 segment's passages read as before" || bad "mixed5: format-5 passages differ"
    count_and_pruned mixed5
    # An update of a copy of fixture $1 into $2 whose .post files are then
    # of the magics $3: 301 passages hold 数据, and pruning over the two
    # segments (each with its own skip layout) is exact.
    update_post_copy() {
        update_copy "$1" "$2" post "$3"
        count_and_pruned "$2"
    }
    # and of the format-7 copy: fixed skip entries beside packed tables,
    # one cursor reader for both
    update_post_copy v7 mixed7 "ZHSPOST3 ZHSPOST5 "
    # format 9's compressed tables beside format 8's: the new segment's
    # lengths are byte planes (ZHSLENS2), the new generation's file
    # table, metadata and citations compressed; deleting a passage of
    # each segment reads its lengths (the old u32 ones and the planes)
    magics=$(for f in "$TMP/mixed7"/*.len; do head -c 8 "$f"; echo; done | sort | tr '\n' ' ')
    [ "$magics" = "ZHSLENS1 ZHSLENS2 " ] && ok "mixed7: .len files $magics" || bad "mixed7: .len files $magics"
    gen=$(awk '$1 == "generation" {print $2}' "$TMP/mixed7/MANIFEST")
    magics=$(for x in files meta cite; do head -c 8 "$TMP/mixed7/g$gen.$x"; echo; done | tr '\n' ' ')
    [ "$magics" = "ZHSFILE2 ZHSMETA4 ZHSCITE3 " ] && ok "mixed7: tables $magics" || bad "mixed7: tables $magics"
    old_id=$("$ZHS" search -k 1 --format trec "$TMP/mixed7" '"数据处理"' | awk '{print $3}')
    new_id=$("$ZHS" search -k 1 --format trec "$TMP/mixed7" '"新增条文"' | awk '{print $3}')
    "$ZHS" delete -q "$TMP/mixed7" "$old_id" "$new_id" 2>"$TMP/err" && ok "mixed7: delete $old_id $new_id" ||
        bad "mixed7: delete: $(cat "$TMP/err")"
    "$ZHS" check "$TMP/mixed7" >/dev/null 2>"$TMP/err" && ok "check mixed7 after the deletions" ||
        bad "check mixed7 after the deletions: $(cat "$TMP/err")"
    "$ZHS" search --count "$TMP/mixed7" '数据' 2>&1 | grep -q '^299 passages match' && ok "mixed7 count after deletions" ||
        bad "mixed7 count after deletions: $("$ZHS" search --count "$TMP/mixed7" '数据' 2>&1 | head -2)"
    # and of the format-8 copy: PFOR tfs beside unary ones
    update_post_copy v8 mixed8 "ZHSPOST4 ZHSPOST5 "
    # and of the format-9 copy: inline df-1 lists beside lists in .post;
    # the update's new terms (新增示例规定's bigrams) are df-1 lists of the
    # new segment, found by a phrase and by a term; then a merge of the two
    # segments into one format-10 segment gives the same results
    update_copy v9 mixed9 dict "ZHSDICT2 ZHSDICT3 "
    count_and_pruned mixed9
    "$ZHS" search --format trec "$TMP/mixed9" '"新增条文"' 2>&1 | grep -q ' x1 ' && ok "mixed9: phrase on inline lists" ||
        bad "mixed9: phrase on inline lists"
    "$ZHS" search --count "$TMP/mixed9" '+新增 +示例' 2>&1 | grep -q '^1 passages\? match' && ok "mixed9: inline lists intersected" ||
        bad "mixed9: intersection: $("$ZHS" search --count "$TMP/mixed9" '+新增 +示例' 2>&1 | head -2)"
    "$ZHS" merge "$TMP/mixed9" >/dev/null 2>"$TMP/err" && ok "merge mixed9" || bad "merge mixed9: $(cat "$TMP/err")"
    "$ZHS" check "$TMP/mixed9" >/dev/null 2>"$TMP/err" && ok "check mixed9 merged" || bad "check mixed9 merged: $(cat "$TMP/err")"
    "$ZHS" search -k 50 --format trec --queries "$TMP/q" "$TMP/mixed9" > "$TMP/mixed9.merged" 2>&1
    magics=$(for f in "$TMP/mixed9"/*.dict; do head -c 8 "$f"; echo; done | tr '\n' ' ')
    [ "$magics" = "ZHSDICT3 " ] && ok "mixed9 merged: .dict $magics" || bad "mixed9 merged: .dict files $magics"
    cmp -s "$TMP/mixed9.pruned" "$TMP/mixed9.merged" && ok "mixed9: the merge gives the same results" ||
        bad "mixed9: the merge changed results"
else
    echo "skip the mixed-format part: $FIX is held by another run (no lock to wait on)"
fi

echo "format_compat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
