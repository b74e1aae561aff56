#!/usr/bin/env bash
# cli_contract.sh — the zhs program's contract with scripts (issue: the
# CLI's machine contract): TREC-safe ids, the JSON "matches" object, option
# parsing (unknown options, -kN, --, --queries with a QUERY), --count in
# every format, batch headers and per-query errors, non-UTF-8 queries,
# character positions in query errors, -q's warning count, and --help
# listing every option the parser takes.
#
# usage: bash tests/cli_contract.sh PATH/TO/zhs SOURCE_DIR
set -u
ZHS=${1:?usage: cli_contract.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: cli_contract.sh PATH/TO/zhs SOURCE_DIR}
SHARED="$SRC/../shared"
ZHS="$(cd "$(dirname "$ZHS")" && pwd)/$(basename "$ZHS")"    # the tests cd elsewhere
pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-contract.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }

# A corpus whose file names hold a space and a '%'.
mkdir -p "$TMP/c"
printf '# 数据规则\n\n第一条 数据处理者应当保护个人信息。\n\n第二条 数据处理者不得泄露个人信息。\n' >"$TMP/c/data rules.md"
printf '# 百分比办法\n\n第一条 数据比例以百分之五计。\n' >"$TMP/c/100% rate.md"
printf 'bad\xff\xfe line\n' >"$TMP/c/warn.md"
: >"$TMP/c/empty.md"   # skipped with a warning
run "$ZHS" index -q -o "$TMP/idx" "$TMP/c"
[ $rc = 0 ] && ok "index of names with spaces and %" || bad "index: $rc $(cat "$TMP/err")"
if grep -qE '^zhs index: [0-9]+ warnings? \(run without -q' "$TMP/err"; then ok "index -q prints its warning count: $(cat "$TMP/err")"
else bad "index -q printed no warning count: $(cat "$TMP/err")"; fi

# ---------------------------------------------------------------- TREC ids
run "$ZHS" search "$TMP/idx" '数据' --format trec -k 10
if [ $rc = 0 ] && awk 'NF != 6 { exit 1 }' "$TMP/out" && grep -q 'data%20rules.md#第一条' "$TMP/out" &&
   grep -q '100%25%20rate.md#第一条' "$TMP/out"; then ok "trec: six columns, spaces and % written %XX"
else bad "trec output: $(cat "$TMP/out" "$TMP/err")"; fi
if python3 - "$TMP/out" <<'PY'
import sys, urllib.parse
ids = [l.split()[2] for l in open(sys.argv[1], encoding="utf-8")]
back = [urllib.parse.unquote(i) for i in ids]
assert "data rules.md#第一条" in back and "100% rate.md#第一条" in back, back
PY
then ok "trec ids decode (%XX) to the passage ids"; else bad "trec ids do not decode"; fi
printf '{"qid":"q1","query":"泄露 个人信息","relevant":["data%%20rules.md#第二条"]}\n{"qid":"q2","query":"百分之五","relevant":["100%%25%%20rate.md#第一条"]}\n' >"$TMP/q.jsonl"
run "$ZHS" eval "$TMP/idx" "$TMP/q.jsonl" --run "$TMP/run"
if [ $rc = 0 ] && awk 'NF != 6 { exit 1 }' "$TMP/run" && grep -q 'q1 Q0 data%20rules.md#第二条 1 ' "$TMP/run"; then
  ok "eval --run writes TREC-safe ids"
else bad "eval --run: $(cat "$TMP/run" "$TMP/err")"; fi
if [ -f "$SHARED/tools/eval_run.py" ]; then
  run python3 "$SHARED/tools/eval_run.py" "$TMP/run" "$TMP/q.jsonl" --json
  if [ $rc = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d.get("MRR@10", d.get("means",{}).get("MRR@10")); assert m == 1.0, d' "$TMP/out" 2>/dev/null; then
    ok "eval_run.py scores a run over ids with spaces (MRR@10 1.0)"
  elif [ $rc = 0 ] && grep -q '1.0' "$TMP/out"; then ok "eval_run.py scores a run over ids with spaces: $(head -c 200 "$TMP/out")"
  else bad "eval_run.py on the run: $rc $(cat "$TMP/out" "$TMP/err")"; fi
else
  echo "skip eval_run.py check: $SHARED/tools/eval_run.py is absent"
fi

# ---------------------------------------------------------------- JSON
run "$ZHS" search "$TMP/idx" '数据' --json -k 1
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["matches"]; assert m["relation"]=="gte" and m["value"]>=1, m' "$TMP/out"; then
  ok "json: matches is {value, relation: gte} when pruned and k hits came back"
else bad "json matches (k 1): $(cat "$TMP/out")"; fi
run "$ZHS" search "$TMP/idx" '数据' --json --count
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["matches"]; assert m=={"value":3,"relation":"eq"}, m' "$TMP/out"; then
  ok "json --count: matches {value: 3, relation: eq}"
else bad "json --count: $(cat "$TMP/out")"; fi

# ---------------------------------------------------------------- options
run "$ZHS" search "$TMP/idx" '数据' --bogus
if [ $rc = 2 ] && grep -q -- '--bogus' "$TMP/err"; then ok "an unknown option is an error naming it"
else bad "unknown option: rc $rc $(cat "$TMP/out" "$TMP/err")"; fi
run "$ZHS" search "$TMP/idx" '数据' -k1 --format trec
[ $rc = 0 ] && [ "$(wc -l <"$TMP/out")" = 1 ] && ok "-k1 gives one hit" || bad "-k1: $(cat "$TMP/out" "$TMP/err")"
run "$ZHS" search "$TMP/idx" -- '-x 数据'
[ $rc = 0 ] && ok "-- ends the options: a query may start with an ASCII '-'" || bad "--: rc $rc $(cat "$TMP/err")"
run "$ZHS" search "$TMP/idx" '-泄露 数据' --format trec
if [ $rc = 0 ] && ! grep -q 'data%20rules.md#第二条' "$TMP/out"; then ok "a query starting with '-' and a Han word needs no --"
else bad "-泄露 数据: rc $rc $(cat "$TMP/out" "$TMP/err")"; fi
printf '数据\n' >"$TMP/ql"
run "$ZHS" search "$TMP/idx" '数据' --queries "$TMP/ql"
[ $rc = 2 ] && grep -q 'not both' "$TMP/err" && ok "--queries with a QUERY is refused" || bad "--queries + QUERY: rc $rc"

# ---------------------------------------------------------------- --count
run "$ZHS" search "$TMP/idx" '数据' --count
[ $rc = 0 ] && grep -qx '3 passages match' "$TMP/out" && ok "--count (text): 3 passages match" || bad "--count text: $(cat "$TMP/out")"
run "$ZHS" search "$TMP/idx" '数据' --count --format trec
[ $rc = 0 ] && grep -qx 'q 3' "$TMP/out" && ok "--count (trec): 'q 3'" || bad "--count trec: $(cat "$TMP/out")"

# ---------------------------------------------------------------- batches
printf 'a\t数据\nb\t"，。\nc\t泄露\n' >"$TMP/batch"
run "$ZHS" search "$TMP/idx" --queries "$TMP/batch"
if [ $rc = 2 ] && grep -qx '== a: 数据' "$TMP/out" && grep -qx '== c: 泄露' "$TMP/out" && grep -q '^error: .*nothing to search for' "$TMP/out"; then
  ok "text batch: a header line per query, a bad query gets its error line, the rest answered, exit 2"
else bad "text batch: rc $rc $(cat "$TMP/out" "$TMP/err")"; fi
run "$ZHS" search "$TMP/idx" --queries "$TMP/batch" --json
if [ $rc = 2 ] && python3 - "$TMP/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [r["qid"] for r in rows] == ["a", "b", "c"], rows
assert "error" in rows[1] and "hits" in rows[0] and "hits" in rows[2], rows
PY
then ok "json batch: {qid, error} for the bad query, hits for the others"; else bad "json batch: rc $rc $(cat "$TMP/out")"; fi

# ---------------------------------------------------------------- queries
run "$ZHS" search "$TMP/idx" "$(printf '\xca\xfd\xbe\xdd')"
[ $rc = 2 ] && grep -q 'not valid UTF-8 (is the terminal GBK?)' "$TMP/err" && ok "a GBK query: exit 2, says so" || bad "GBK query: rc $rc $(cat "$TMP/err")"
run "$ZHS" search "$TMP/idx" '个人信息 "数据'
[ $rc != 2 ] && grep -q 'warning: unterminated quote at character 6' "$TMP/err" && ok "an unterminated quote is searched leniently; the warning counts characters, not bytes" || bad "char position: $(cat "$TMP/err")"

# ---------------------------------------------------------------- paths
# A hit's path opens from wherever the index is searched: stored absolute,
# printed relative to the working directory when the file lies below it.
mkdir -p "$TMP/elsewhere"
run "$ZHS" search "$TMP/idx" '泄露' -k 1 --no-color
p=$(sed -n 2p "$TMP/out" | sed -e 's/^ *//' -e 's/:[0-9]*$//')
( cd "$TMP/elsewhere" && "$ZHS" search "$TMP/idx" '泄露' -k 1 --no-color ) >"$TMP/out2" 2>&1
p2=$(sed -n 2p "$TMP/out2" | sed -e 's/^ *//' -e 's/:[0-9]*$//')
if [ -f "$p" ] && ( cd "$TMP/elsewhere" && [ -f "$p2" ] ); then ok "hit paths open from where the search runs ($p2)"
else bad "hit paths: '$p' / '$p2' do not open"; fi
( cd "$TMP/c" && "$ZHS" search "$TMP/idx" '泄露' -k 1 --no-color ) >"$TMP/out3" 2>&1
if sed -n 2p "$TMP/out3" | grep -qE '^ +data rules\.md:[0-9]+$'; then ok "below the working directory the path is relative"
else bad "relative path: $(sed -n 2p "$TMP/out3")"; fi
run "$ZHS" index -o "$TMP/idx" "$TMP/no-such-corpus"
if [ $rc = 2 ] && grep -q 'no-such-corpus' "$TMP/err" && "$ZHS" search "$TMP/idx" '数据' >/dev/null 2>&1; then
  ok "a corpus path that does not exist is an error (exit 2) and the index stays"
else bad "missing corpus path: rc $rc $(cat "$TMP/err")"; fi

# ---------------------------------------------------------------- --help
# every option each command's parser takes (cli/cmd_search.c, cmd_index.c,
# cmd_analyze.c's shared analyzer options) appears in its --help
check_help() {
  local cmd=$1; shift
  "$ZHS" $cmd --help >"$TMP/help" 2>&1
  local missing=""
  for opt in "$@"; do grep -q -- "$opt" "$TMP/help" || missing="$missing $opt"; done
  [ -z "$missing" ] && ok "zhs $cmd --help lists every option it parses" || bad "zhs $cmd --help lacks:$missing"
}
check_help search -k --json --format --queries --remote --k1 --b --width --engine --count --exhaustive --color --no-color --
check_help eval --k1 --b --run --json --
check_help index -o --output --engine --shards --ram --k1 --b --title-weight --segmenter --user-dict --no-fold \
  --no-bigrams --no-words --no-chars --fold -q --quiet --order

echo
echo "$pass passed, $fail failed"
[ $fail = 0 ]
