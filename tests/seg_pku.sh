#!/usr/bin/env bash
# seg_pku.sh — word segmentation quality on the SIGHAN 2005 PKU test set.
#
# usage: bash tests/seg_pku.sh PATH/TO/zhs SOURCE_DIR
#
# 1. Checks tests/tools/seg_score.py itself on hand-made gold/pred pairs with
#    known precision/recall/F1 and on files that do not correspond (always
#    runs, ../shared or not).
# 2. Segments ../shared/seg/pku_test.utf8 with 'zhs segment' (both
#    segmenters), checks that the output keeps one line per input line and
#    the input's characters, scores it against pku_test_gold.utf8 and fails
#    unless F1 >= 0.86 for the dictionary segmenter (0.8707; jieba without its HMM:
#    0.836) and >= 0.79 for ICU's word break (0.794).  Skipped (exit 77) when
#    ../shared is absent.
set -u

ZHS=${1:?usage: seg_pku.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: seg_pku.sh PATH/TO/zhs SOURCE_DIR}
SCORER="$SRC/tests/tools/seg_score.py"
SHARED="$SRC/../shared"
MIN_F1_DICT=0.86
MIN_F1_ICU=0.79

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-seg.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

command -v python3 >/dev/null || { echo "seg_pku.sh: python3 is needed to run seg_score.py" >&2; exit 2; }
[ -f "$SCORER" ] || { echo "seg_pku.sh: $SCORER is missing" >&2; exit 2; }

# ------------------------------------------------------------ 1. the scorer
# gold: 6 words, pred: 4 words, 2 of them right (我们, 好):
# P = 2/4 = 0.5, R = 2/6 = 0.3333, F1 = 2PR/(P+R) = 0.4
printf '我们 是 学生\r\n今天  天气 好\r\n' >"$TMP/gold1"
printf '我们 是学生\n今天天气 好\n' >"$TMP/pred1"
out=$(python3 "$SCORER" "$TMP/gold1" "$TMP/pred1" 2>&1)
expect=$'precision 0.5000\nrecall 0.3333\nf1 0.4000'
if [ "$out" = "$expect" ]; then ok "seg_score.py: hand-made pair scores P 0.5 R 0.3333 F1 0.4"
else bad "seg_score.py: hand-made pair: expected '$expect', got '$out'"; fi

out=$(python3 "$SCORER" --json "$TMP/gold1" "$TMP/pred1" 2>&1)
if python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert abs(d["precision"] - 0.5) < 1e-9 and abs(d["recall"] - 1/3) < 1e-9 and abs(d["f1"] - 0.4) < 1e-9, d
assert (d["gold_words"], d["pred_words"], d["correct_words"]) == (6, 4, 2), d
' "$out" 2>"$TMP/err"; then ok "seg_score.py --json: one object with the same numbers and counts"
else bad "seg_score.py --json: $(cat "$TMP/err") (output: $out)"; fi

# Spans, not words: the same word at another offset is not a match.
# gold 'A BC A' spans (0,1)(1,3)(3,4); pred 'AB C A' spans (0,2)(2,3)(3,4):
# 1 correct of 3 and 3 -> P = R = F1 = 1/3.
printf 'A BC A\n' >"$TMP/gold2"
printf 'AB C A\n' >"$TMP/pred2"
out=$(python3 "$SCORER" "$TMP/gold2" "$TMP/pred2" 2>&1)
expect=$'precision 0.3333\nrecall 0.3333\nf1 0.3333'
if [ "$out" = "$expect" ]; then ok "seg_score.py: matches spans, not word strings"
else bad "seg_score.py: span matching: expected '$expect', got '$out'"; fi

# A perfect segmentation scores 1.
out=$(python3 "$SCORER" "$TMP/gold1" "$TMP/gold1" 2>&1)
if [ "$out" = $'precision 1.0000\nrecall 1.0000\nf1 1.0000' ]; then ok "seg_score.py: gold against itself scores 1"
else bad "seg_score.py: gold against itself: got '$out'"; fi

# Line counts differ -> error.
printf '我们 是 学生\n' >"$TMP/pred3"
python3 "$SCORER" "$TMP/gold1" "$TMP/pred3" >"$TMP/out" 2>"$TMP/err"; rc=$?
if [ $rc -ne 0 ] && grep -q 'lines' "$TMP/err"; then ok "seg_score.py: different line counts fail ($rc): $(head -1 "$TMP/err")"
else bad "seg_score.py: different line counts: exit $rc, stderr '$(cat "$TMP/err")'"; fi

# Characters differ on line 2 -> error naming line 2.
printf '我们 是 学生\n今天 天汽 好\n' >"$TMP/pred4"
python3 "$SCORER" "$TMP/gold1" "$TMP/pred4" >"$TMP/out" 2>"$TMP/err"; rc=$?
if [ $rc -ne 0 ] && grep -q 'line 2' "$TMP/err"; then ok "seg_score.py: different characters fail naming the line: $(head -1 "$TMP/err")"
else bad "seg_score.py: different characters: exit $rc, stderr '$(cat "$TMP/err")'"; fi

# ------------------------------------------------------------ 2. PKU
if [ ! -d "$SHARED" ]; then
    echo "$pass passed, $fail failed (scorer self-check)"
    [ $fail -eq 0 ] || exit 1
    echo "SKIP: $SHARED is absent, so the PKU segmentation test cannot run"
    exit 77
fi
RAW="$SHARED/seg/pku_test.utf8"
GOLD="$SHARED/seg/pku_test_gold.utf8"
for f in "$RAW" "$GOLD"; do
    [ -f "$f" ] || { bad "$f is missing from ../shared"; echo "$pass passed, $fail failed"; exit 1; }
done

# score SEGMENTER MIN_F1 REFERENCE: segments with 'zhs segment --segmenter',
# checks the output's shape, scores it and fails below MIN_F1.
score() {
    local seg=$1 min=$2 ref=$3
    "$ZHS" segment --segmenter "$seg" <"$RAW" >"$TMP/pred" 2>"$TMP/err"; local rc=$?
    if [ $rc -eq 0 ]; then ok "zhs segment --segmenter $seg < pku_test.utf8 exits 0"
    else bad "zhs segment --segmenter $seg < pku_test.utf8 exited $rc: $(head -3 "$TMP/err")"; fi

    local nin nout ncr_in ncr_out
    nin=$(wc -l <"$RAW"); nout=$(wc -l <"$TMP/pred")
    if [ "$nin" -eq "$nout" ]; then ok "$seg: one line per input line ($nout)"
    else bad "$seg: wrote $nout lines for $nin input lines"; fi

    ncr_in=$(grep -c $'\r$' "$RAW"); ncr_out=$(grep -c $'\r$' "$TMP/pred")
    if [ "$ncr_in" -eq "$ncr_out" ]; then ok "$seg: keeps the CRLF line ends ($ncr_out)"
    else bad "$seg: $ncr_in input lines end in CRLF but $ncr_out output lines do"; fi

    # seg_score.py compares the characters of every line (raw vs pred via gold).
    if python3 "$SCORER" --json "$GOLD" "$TMP/pred" >"$TMP/score" 2>"$TMP/err"; then
        read -r p r f1 <<<"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["precision"], d["recall"], d["f1"])' "$TMP/score")"
        printf 'PKU (SIGHAN 2005) segmentation, %s: precision %.4f  recall %.4f  f1 %.4f  (%s)\n' "$seg" "$p" "$r" "$f1" "$ref"
        if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$f1" "$min"; then
            ok "$seg: PKU F1 $f1 >= $min"
        else
            bad "$seg: PKU F1 $f1 < $min: segmentation quality has regressed"
        fi
    else
        bad "seg_score.py could not score zhs segment --segmenter $seg: $(head -3 "$TMP/err")"
    fi
}

score dict "$MIN_F1_DICT" "jieba without HMM: 0.836"
score icu "$MIN_F1_ICU" "ICU word break reference: 0.794"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
