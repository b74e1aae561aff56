#!/usr/bin/env bash
# legal_judged.sh — the legal query sets on ../shared/corpus/laws.
#
# usage: bash tests/legal_judged.sh PATH/TO/zhs SOURCE_DIR
#
# 1. bench/legal_judged.jsonl is well formed: at least 60 queries, at least
#    15 of each kind (citation, concept, question), and its passage ids are
#    the ones its refs (file + article label) name in the laws index
#    (bench/judged_check.py), which itself must catch an id that names
#    another passage and regenerate the set from its refs (--write -).
# 2. zhs eval on it and on bench/legal_queries.jsonl: fails unless the
#    citation kind and the citation set reach Recall@1 >= 0.95 (issue 12);
#    concepts and questions are printed, not asserted (ranking work).
# Skipped (exit 77) when ../shared is absent.  The laws index is kept in
# the build directory (laws-judged.idx) and reused: rebuilt when zhs is
# newer than it, else brought up to date with 'zhs index --update' (about
# 1 s instead of 15-45 s).  ZHS_LAWS_INDEX=DIR uses an index built elsewhere.
set -u

ZHS=${1:?usage: legal_judged.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: legal_judged.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
LAWS="$SRC/../shared/corpus/laws"
JUDGED="$SRC/bench/legal_judged.jsonl"
CITES="$SRC/bench/legal_queries.jsonl"
MIN_R1=0.95

[ -x "$ZHS" ] || { echo "legal_judged.sh: $ZHS is not an executable: build first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "legal_judged.sh: python3 is needed" >&2; exit 2; }
if [ ! -d "$LAWS" ]; then
  echo "legal_judged.sh: skipped: $LAWS is absent (the judged sets need the laws corpus)"
  exit 77
fi

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
py() { local s=$1; shift; python3 -c "$s" "$@" 2>"$TMP/pyerr"; }
pyerr() { tail -3 "$TMP/pyerr" | tr '\n' ' '; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-judged.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# ------------------------------------------------------------ the index
if [ -n "${ZHS_LAWS_INDEX:-}" ]; then
  IDX=$ZHS_LAWS_INDEX
  echo "note: using ZHS_LAWS_INDEX=$IDX"
else
  IDX="$(dirname "$ZHS")/laws-judged.idx"
  STAMP="$IDX.built"
  start=$(date +%s)
  if [ -d "$IDX" ] && [ -f "$STAMP" ] && [ ! "$ZHS" -nt "$STAMP" ]; then
    "$ZHS" index --update -q -o "$IDX" "$LAWS" >"$TMP/index.out" 2>&1
    how="brought up to date (--update)"
  else
    rm -rf "$IDX" "$STAMP"
    "$ZHS" index -q -o "$IDX" "$LAWS" >"$TMP/index.out" 2>&1
    how="built"
  fi
  rc=$?
  if [ $rc -ne 0 ]; then
    bad "zhs index of $LAWS exited $rc: $(tail -3 "$TMP/index.out")"
    rm -rf "$IDX" "$STAMP"
    exit 1
  fi
  touch "$STAMP"
  ok "laws index $how in $(( $(date +%s) - start )) s: $IDX"
fi

# ------------------------------------------------------------ 1. the set
if python3 - "$JUDGED" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
kinds = {}
for q in rows:
    kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
    assert q["relevant"] and len(q["relevant"]) == len(q["refs"]), q["qid"]
assert len(rows) >= 60, "%d queries, at least 60 wanted" % len(rows)
assert set(kinds) == {"citation", "concept", "question"}, kinds
assert min(kinds.values()) >= 15, kinds
print(len(rows), kinds)
EOF
then ok "bench/legal_judged.jsonl: 60 or more queries, 15 or more of each kind, one id per ref"
else bad "bench/legal_judged.jsonl is not as expected (above)"; fi

if python3 "$SRC/bench/judged_check.py" --zhs "$ZHS" --corpus "$LAWS" "$IDX" "$JUDGED" >"$TMP/check.out" 2>&1; then
  ok "judged_check.py: $(tail -1 "$TMP/check.out")"
else
  bad "judged_check.py: the ids and the refs disagree:"
  head -20 "$TMP/check.out"
fi
# The checker itself: an id that names another passage must be caught, and
# --write - must give the set back unchanged.
python3 - "$JUDGED" "$TMP/moved.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
# another query's passage (whatever the id scheme)
rows[0]["relevant"][0] = next(q["relevant"][0] for q in rows if q["relevant"][0] not in rows[0]["relevant"])
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in rows)
EOF
python3 "$SRC/bench/judged_check.py" --zhs "$ZHS" --corpus "$LAWS" "$IDX" "$TMP/moved.jsonl" >"$TMP/moved.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "^$(head -1 "$JUDGED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["qid"])'): relevant" "$TMP/moved.out"
then ok "judged_check.py catches an id that names another passage (exit 1, the qid listed)"
else bad "judged_check.py on a moved id: exit $rc, $(head -3 "$TMP/moved.out")"; fi
if python3 "$SRC/bench/judged_check.py" --zhs "$ZHS" --corpus "$LAWS" --write - "$IDX" "$TMP/moved.jsonl" 2>/dev/null |
   cmp -s - "$JUDGED"; then ok "judged_check.py --write - regenerates the set from its refs"
else bad "judged_check.py --write - does not give bench/legal_judged.jsonl back"; fi

# ------------------------------------------------------------ 2. quality
"$ZHS" eval --json "$IDX" "$JUDGED" >"$TMP/judged.json" 2>"$TMP/err" || { bad "zhs eval $JUDGED: $(cat "$TMP/err")"; exit 1; }
"$ZHS" eval --json "$IDX" "$CITES" >"$TMP/cites.json" 2>"$TMP/err" || { bad "zhs eval $CITES: $(cat "$TMP/err")"; exit 1; }
"$ZHS" eval "$IDX" "$JUDGED" | sed -n '/^by kind/,$p'

python3 - "$TMP/judged.json" "$TMP/cites.json" "$MIN_R1" >"$TMP/q.out" 2>&1 <<'EOF'
import json, sys
j, c, floor = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3])
r1 = j["kinds"]["citation"]["Recall@1"]
print("judged citations Recall@1 %.4f (%d queries), legal_queries.jsonl Recall@1 %.4f (%d queries)"
      % (r1, j["kinds"]["citation"]["queries"], c["Recall@1"], c["queries"]))
sys.exit(0 if r1 >= floor and c["Recall@1"] >= floor else 1)
EOF
if [ $? -eq 0 ]; then ok "citation Recall@1 >= $MIN_R1: $(cat "$TMP/q.out")"
else bad "citation Recall@1 below $MIN_R1: $(cat "$TMP/q.out")"; fi

# ------------------------------------------------------------ 3. pruning
# The pruned search equals --exhaustive (hits and scores) on the laws,
# whose lists are long enough for block windows: a title clause (required,
# scoring nothing) beside a word, two words, and named citations (whose
# exact query is the label term plus a title phrase), at k 10 and 100.
# pair_window (isc1) once passed over candidates past the title list's
# block ('+title:条例 +罚款' lost ranks 3-100).
printf '%s\n' 'p1	+title:条例 +罚款' 'p2	+title:办法 +罚款' 'p3	+title:条例 +应当' 'p4	+title:条例 +title:管理' \
  'p5	+管理 +其他' 'p6	+应当 +政府' 'p7	条例第二十条' 'p8	条例 第五条' 'p9	办法第三条' 'p10	规定第十一条' \
  'p11	+title:规定 +第十一条' 'p12	+title:条例 +违反 -罚款' >"$TMP/prune.q"
for k in 10 100; do
  for opt in "" "--proximity 0 --all-versions"; do
    # shellcheck disable=SC2086
    "$ZHS" search -k $k $opt --format trec "$IDX" --queries "$TMP/prune.q" >"$TMP/pruned.run" 2>"$TMP/err" &&
    "$ZHS" search -k $k $opt --exhaustive --format trec "$IDX" --queries "$TMP/prune.q" >"$TMP/exh.run" 2>>"$TMP/err"
    rc=$?
    lines=$(wc -l <"$TMP/exh.run")
    if [ $rc -eq 0 ] && [ "$lines" -ge $((k * 6)) ] && cmp -s "$TMP/pruned.run" "$TMP/exh.run"; then
      ok "pruned = --exhaustive at k $k ${opt:-(defaults)}: 12 queries, $lines hits"
    else
      bad "pruned != --exhaustive at k $k ${opt:-(defaults)} (rc $rc, $lines hits): $(diff "$TMP/pruned.run" "$TMP/exh.run" | head -4 | tr '\n' ' ') $(head -2 "$TMP/err")"
    fi
  done
done

# pages: the first k hits do not depend on k (zhs serve asks for offset + k),
# citation hits too (their ranking kept the search's order within its
# blocks of re-ranked BM25 hits; sorted by score across them, 第十条 商标
# at k 110 differed from k 100 in 20 of its first 100)
printf '%s\n' 'g1	第十条 商标' 'g2	第五条 +应当 人民政府' 'g3	劳动合同' 'g4	刑法第二十条 正当防卫' >"$TMP/pages.q"
for k in 100 130 250; do
  "$ZHS" search -k $k --format trec "$IDX" --queries "$TMP/pages.q" >"$TMP/pages$k.run" 2>"$TMP/err" || bad "pages at k $k: $(head -2 "$TMP/err")"
done
if py '
import sys, collections
def load(f):
    d = collections.defaultdict(list)
    for l in open(f):
        q, _, doc = l.split()[:3]
        d[q].append(doc)
    return d
a, b, c = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
for q in c:
    assert len(c[q]) > 130, "%s: %d hits" % (q, len(c[q]))
    assert a[q] == c[q][:len(a[q])], "%s: k 100 is not the first of k 250" % q
    assert b[q] == c[q][:len(b[q])], "%s: k 130 is not the first of k 250" % q
' "$TMP/pages100.run" "$TMP/pages130.run" "$TMP/pages250.run"; then ok "pages: the first hits at k 100 and 130 are those of k 250 (citations too)"
else bad "pages: $(pyerr)"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
