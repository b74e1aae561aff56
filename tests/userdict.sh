#!/usr/bin/env bash
# userdict.sh — segmenters and user dictionaries end to end.
#
# usage: bash tests/userdict.sh PATH/TO/zhs SOURCE_DIR
#
# 1. zhs index --user-dict FILE: bad lines warn with their line numbers and
#    do not fail the build; the index keeps the words (g<N>.userdict), so
#    'zhs analyze --index' and 'zhs search' segment a query the way the
#    passages were, and the word is one token that finds its passages.
# 2. Replacing the index without a user dictionary drops the old copy.
# 3. An index built with --segmenter icu is analyzed and searched with ICU
#    ('zhs analyze --index' shows it), whatever the default is.
# Uses the sample corpus only.
set -u

ZHS=${1:?usage: userdict.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: userdict.sh PATH/TO/zhs SOURCE_DIR}
SAMPLE="$SRC/corpus/sample"

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-userdict.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1
OUT="$TMP/out"
ERR="$TMP/err"
run() { "$@" >"$OUT" 2>"$ERR"; rc=$?; }
got() { printf 'exit %s, stdout: %s, stderr: %s' "$rc" "$(head -c 400 "$OUT" | tr '\n' ' ')" "$(head -c 400 "$ERR" | tr '\n' ' ')"; }
# words FILE: the word tokens of 'zhs analyze' output, space-separated
words() { awk -F'\t' '$2 == "word" { printf "%s ", $1 }' "$1"; }

IDX="$TMP/idx"
# line 2: not Han; line 4: bad frequency (both warned, neither fatal)
printf '青禾省\nGDPR\n# comment\n门禁刷脸\tmany\n' >"$TMP/user.txt"

# ------------------------------------------------------------ 1. index with a user dictionary
run "$ZHS" analyze '青禾省汽车数据'
w=$(words "$OUT")
case " $w" in *" 青禾省 "*) bad "without a user dictionary 青禾省 should not be one word (got $w)" ;;
    *) ok "without a user dictionary 青禾省 is split: $w" ;; esac

run "$ZHS" index -q -o "$IDX" --user-dict "$TMP/user.txt" "$SAMPLE"
if [ $rc -eq 0 ]; then ok "zhs index --user-dict exits 0 despite bad lines"; else bad "zhs index --user-dict: $(got)"; fi
if grep -q "user.txt:2:" "$ERR" && grep -q "user.txt:4:" "$ERR" && [ "$(grep -c warning "$ERR")" -eq 2 ]; then
    ok "bad user dictionary lines warn with their line numbers (2 and 4)"
else bad "warnings for lines 2 and 4 expected: $(got)"; fi
if [ -s "$IDX/g1.userdict" ] && grep -qx '青禾省' "$IDX/g1.userdict"; then ok "the index keeps the words in g1.userdict"
else bad "g1.userdict missing or without 青禾省: $(ls "$IDX")"; fi

run "$ZHS" analyze --index "$IDX" '青禾省汽车数据'
w=$(words "$OUT")
case " $w" in *" 青禾省 "*) ok "zhs analyze --index: 青禾省 is one word ($w)" ;;
    *) bad "zhs analyze --index: 青禾省 should be one word: $(got)" ;; esac

run "$ZHS" analyze --index "$IDX" --json 'x'
if grep -q 'seg=dict dict=[0-9a-f]* user=[0-9a-f]*' "$OUT"; then ok "the index's fingerprint names the user dictionary"
else bad "fingerprint without user=: $(got)"; fi

run "$ZHS" analyze --index "$IDX" --segmenter icu 'x'
if [ $rc -eq 2 ]; then ok "analyze --index refuses analyzer options"; else bad "analyze --index --segmenter: $(got)"; fi

run "$ZHS" search "$IDX" '青禾省' --json -k 50
if [ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
hits = d["hits"]
assert hits, "no hits"
for h in hits:
    assert "青禾省" in h["text"] or "青禾省" in h.get("title", ""), h["id"]
' "$OUT" 2>"$TMP/pyerr"; then ok "a query for the user word finds passages that hold it (and only those)"
else bad "search 青禾省: $(tail -2 "$TMP/pyerr" | tr '\n' ' ') $(got)"; fi

# ------------------------------------------------------------ 2. replaced without
run "$ZHS" index -q -o "$IDX" "$SAMPLE"
if [ $rc -eq 0 ] && [ ! -e "$IDX/g1.userdict" ] && [ ! -e "$IDX/g2.userdict" ]; then
    ok "replacing the index without a user dictionary removes the old copy"
else bad "after a rebuild without --user-dict: $(ls "$IDX") $(got)"; fi
run "$ZHS" analyze --index "$IDX" '青禾省'
w=$(words "$OUT")
case " $w" in *" 青禾省 "*) bad "the replaced index still segments 青禾省 as one word" ;;
    *) ok "the replaced index segments without the user words ($w)" ;; esac

# ------------------------------------------------------------ 3. an ICU index
run "$ZHS" index -q -o "$TMP/icu" --segmenter icu "$SAMPLE"
run "$ZHS" analyze --index "$TMP/icu" --json '联合国人脸识别'
if grep -q '"analyzer":"zhs-analyzer/1 [^"]*bigrams=1 chars=w\( arts=1\)\?\( units=1\)\?\( zhe=1\)\?"' "$OUT" && grep -q '"token":"联合","kind":"word"' "$OUT"; then
    ok "an index built with --segmenter icu analyzes with ICU (联合/国)"
else bad "ICU index analysis: $(got)"; fi
run "$ZHS" search "$TMP/icu" '人脸识别' -k 1
if [ $rc -eq 0 ]; then ok "zhs search uses the ICU index's analyzer"; else bad "search on the ICU index: $(got)"; fi
run "$ZHS" index -q -o "$TMP/bad" --segmenter icu --user-dict "$TMP/user.txt" "$SAMPLE"
if [ $rc -eq 2 ] && grep -q "dict segmenter" "$ERR"; then ok "--user-dict with --segmenter icu is refused"
else bad "--user-dict with icu: $(got)"; fi
run "$ZHS" index -q -o "$TMP/bad2" --segmenter jieba "$SAMPLE"
if [ $rc -eq 2 ] && grep -q "dict or icu" "$ERR"; then ok "an unknown --segmenter is refused"
else bad "--segmenter jieba: $(got)"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
