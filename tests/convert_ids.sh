#!/usr/bin/env bash
# convert_ids.sh — bench/convert_ids.py turns old ordinal ids ("rel#12")
# and path+label refs into article-stable ids, and refuses ids that name
# nothing.  The old ids below are those the sample corpus had before the
# change (passage 12 of the file was its 第十条之一).
#
# usage: bash tests/convert_ids.sh PATH/TO/zhs SOURCE_DIR
set -u
ZHS=${1:?usage: convert_ids.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: convert_ids.sh PATH/TO/zhs SOURCE_DIR}
LIB="$(dirname "$ZHS")/libzhs.so"
if grep -qE '^ZHS_(SANITIZE|FUZZ):BOOL=ON' "$(dirname "$ZHS")/CMakeCache.txt" 2>/dev/null; then
  echo "convert_ids.sh: a sanitizer/fuzzing build: its libzhs.so cannot be loaded into python (the release build runs this test): skipped"
  exit 77
fi
[ -e "$LIB" ] || { echo "convert_ids.sh: no $LIB (a static-only build): skipped"; exit 77; }
command -v python3 >/dev/null || { echo "convert_ids.sh: no python3: skipped"; exit 77; }
export ZHSEARCH_LIBRARY="$LIB"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-convert.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
R='regulations/澄海市个人信息保护条例.md'
cat >"$TMP/q.jsonl" <<EOF
{"qid": "a", "query": "x", "relevant": ["$R#12", "faq-002"], "note": "kept"}
{"qid": "b", "query": "y", "refs": [{"path": "$R", "label": "第十一条"}, {"id": "$R#12"}]}
{"qid": "c", "query": "z", "relevant": ["$R#第十条"]}
EOF
if python3 "$SRC/bench/convert_ids.py" "$SRC/corpus/sample" "$TMP/q.jsonl" "$TMP/out.jsonl" 2>"$TMP/err" &&
   python3 - "$TMP/out.jsonl" "$R" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
R = sys.argv[2]
assert r[0]["relevant"] == [R + "#第十条之一", "faq-002"] and r[0]["note"] == "kept", r[0]
assert r[1]["relevant"] == [R + "#第十一条", R + "#第十条之一"], r[1]
assert r[2]["relevant"] == [R + "#第十条"], r[2]
PY
then ok "old ids, refs and current ids come out in the article-stable scheme"
else bad "conversion: $(cat "$TMP/err")"; fi
# the converted ids name passages of an index of the same corpus
"$ZHS" index -q -o "$TMP/idx" "$SRC/corpus/sample" || bad "cannot build the sample index"
if "$ZHS" search --json -k 50 "$TMP/idx" '个人信息 删除 处理者' | grep -q -F "\"$R#第十条之一\""; then
  ok "the index names the passage $R#第十条之一"
else bad "no passage $R#第十条之一 among the hits"; fi
printf '{"qid": "d", "query": "x", "relevant": ["%s#9999"]}\n' "$R" >"$TMP/badq.jsonl"
python3 "$SRC/bench/convert_ids.py" "$SRC/corpus/sample" "$TMP/badq.jsonl" "$TMP/o2.jsonl" 2>"$TMP/err"; rc=$?
if [ $rc -ne 0 ] && grep -q '#9999' "$TMP/err" && [ ! -e "$TMP/o2.jsonl" ]; then ok "an id naming no passage is an error, nothing written"
else bad "bad id: exit $rc, $(cat "$TMP/err")"; fi
echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
