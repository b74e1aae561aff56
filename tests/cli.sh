#!/usr/bin/env bash
# cli.sh — end-to-end tests of the zhs program.
#
# usage: bash tests/cli.sh PATH/TO/zhs SOURCE_DIR
#
# Builds an index of the bundled sample corpus (SOURCE_DIR/corpus/sample)
# and of small fixture corpora written into a temporary directory, and checks
# the commands' exit codes, messages and output formats: index, stats, check,
# search (text, --json, --format trec, --queries, -k, --count, the query
# operators, traditional/full-width folding), eval (against a hand-computed
# expectation and, when ../shared is present, against
# ../shared/tools/eval_run.py), analyze --json and segment.
#
# Every assertion prints "ok  ..." or "FAIL ..." with what was expected and
# what happened; the last line is "N passed, M failed" and the exit status is
# 1 when anything failed.  The parts that need ../shared are left out (with a
# note) when it is absent; everything else always runs.
set -u

ZHS=${1:?usage: cli.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: cli.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
SAMPLE="$SRC/corpus/sample"
SHARED="$SRC/../shared"

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }

[ -x "$ZHS" ] || { echo "cli.sh: $ZHS is not an executable: build first" >&2; exit 2; }
[ -d "$SAMPLE" ] || { echo "cli.sh: the sample corpus $SAMPLE is missing" >&2; exit 2; }
command -v python3 >/dev/null || { echo "cli.sh: python3 is needed (JSON checks)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-cli.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1
OUT="$TMP/out"
ERR="$TMP/err"

# run COMMAND...: runs it with stdout in $OUT, stderr in $ERR, status in $rc.
run() { "$@" >"$OUT" 2>"$ERR"; rc=$?; }
# What happened, for failure messages.
got() { printf 'exit %s, stdout: %s, stderr: %s' "$rc" "$(head -c 300 "$OUT" | tr '\n' ' ')" "$(head -c 300 "$ERR" | tr '\n' ' ')"; }
# py SCRIPT ARGS...: runs a python3 check; its stderr explains a failure.
py() { local s=$1; shift; python3 -c "$s" "$@" 2>"$TMP/pyerr"; }
pyerr() { tail -3 "$TMP/pyerr" | tr '\n' ' '; }

IDX="$TMP/sample-index"

# =====================================================================
echo "--- index, stats, check (sample corpus)"
run "$ZHS" index -o "$IDX" "$SAMPLE"
if [ $rc -eq 0 ] && grep -q '^indexed ' "$OUT"; then ok "zhs index -o IDX corpus/sample exits 0 and reports what it indexed"
else bad "zhs index -o IDX corpus/sample: expected exit 0 and an 'indexed …' line; $(got)"; fi

run "$ZHS" stats "$IDX"
n=$(awk '$1 == "passages" {print $2}' "$OUT")
if [ $rc -eq 0 ] && [ -n "$n" ] && [ "$n" -gt 300 ]; then ok "zhs stats: $n passages (> 300)"
else bad "zhs stats: expected exit 0 and 'passages N' with N > 300; $(got)"; fi

run "$ZHS" check "$IDX"
if [ $rc -eq 0 ] && grep -q ': ok' "$OUT"; then ok "zhs check: exit 0, prints ok"
else bad "zhs check on a fresh index: expected exit 0 and 'ok'; $(got)"; fi

# =====================================================================
echo "--- search: exit codes and messages"
run "$ZHS" search "$IDX" 人脸识别
if [ $rc -eq 0 ] && grep -q '^1\. ' "$OUT"; then ok "search with hits exits 0 and prints ranked hits"
else bad "search IDX 人脸识别: expected exit 0 and a '1. …' hit; $(got)"; fi

run "$ZHS" search "$IDX" zzqxv
if [ $rc -eq 1 ] && [ ! -s "$OUT" ]; then ok "search without hits exits 1 with nothing on stdout"
else bad "search IDX zzqxv (matches nothing): expected exit 1 and empty stdout; $(got)"; fi

for q in '"，' '+' '-数据' ''; do
    run "$ZHS" search "$IDX" "$q"
    if [ $rc -eq 2 ] && [ -s "$ERR" ] && [ ! -s "$OUT" ]; then ok "bad query [$q] exits 2: $(head -1 "$ERR")"
    else bad "bad query [$q]: expected exit 2, a message on stderr and nothing on stdout; $(got)"; fi
done

MISSING="$TMP/no-such-index"
run "$ZHS" search "$MISSING" 数据
if [ $rc -eq 2 ] && grep -qF "$MISSING" "$ERR" && grep -q 'zhs index' "$ERR"; then
    ok "missing index path: exit 2, names the path and says how to build one: $(head -1 "$ERR")"
else bad "search on a missing index path: expected exit 2 and a message naming it and 'zhs index'; $(got)"; fi
check "searching a missing index path does not create it" test ! -e "$MISSING"

NOTIDX="$TMP/not-an-index"
mkdir -p "$NOTIDX"
echo "这是一份普通文件" >"$NOTIDX/notes.txt"
run "$ZHS" search "$NOTIDX" 数据
msg=$(head -1 "$ERR")
if [ $rc -eq 2 ] && grep -qF "$NOTIDX" "$ERR" && grep -qi 'not a zhsearch index\|no index\|not an index' "$ERR"; then
    ok "directory that is not an index: exit 2 naming it: $msg"
else bad "search on a directory that is not an index: expected exit 2 and a message saying it is not an index; $(got)"; fi
# The advice must be followable: a message that suggests 'zhs index -o DIR'
# for a directory that 'zhs index' then refuses sends the user in a circle.
if grep -qF "zhs index -o $NOTIDX" "$ERR"; then
    run "$ZHS" index -q -o "$NOTIDX" "$SAMPLE/faq.jsonl"
    if [ $rc -eq 0 ]; then ok "the advice 'zhs index -o $NOTIDX …' in the message works"
    else bad "search's message suggests 'zhs index -o $NOTIDX CORPUS' but that command refuses the directory (exit $rc: $(head -1 "$ERR")): the advice for a non-empty directory that is not an index should be to give another directory"; fi
else
    ok "the message for a non-index directory does not suggest writing into it"
fi
rm -rf "$NOTIDX"; mkdir -p "$NOTIDX"; echo "这是一份普通文件" >"$NOTIDX/notes.txt"
run "$ZHS" index -q -o "$NOTIDX" "$SAMPLE/faq.jsonl"
left=$(cd "$NOTIDX" && ls -A | tr '\n' ' ')
if [ $rc -eq 2 ] && [ "$left" = "notes.txt " ]; then ok "zhs index refuses a non-empty non-index directory (exit 2) and leaves it unchanged"
else bad "zhs index -o NON-INDEX-DIR: expected exit 2 and the directory unchanged (only notes.txt); exit $rc, directory now holds: $left"; fi

# =====================================================================
echo "--- search --json"
run "$ZHS" search "$IDX" '人脸识别 个人信息' --json -k 10
cp "$OUT" "$TMP/hits.json"
if [ $rc -eq 0 ] && python3 -m json.tool "$TMP/hits.json" >/dev/null 2>&1; then ok "--json output parses with python3 -m json.tool"
else bad "--json output does not parse as JSON; $(got)"; fi
if py '
import json, sys
d = json.load(open(sys.argv[1]))
hits = d["hits"]
assert len(hits) == 10, "expected 10 hits, got %d" % len(hits)
need = ["rank", "score", "id", "title", "heading", "label", "path", "line", "text", "snippet", "highlights"]
for h in hits:
    miss = [k for k in need if k not in h]
    assert not miss, "hit %s lacks %s" % (h.get("rank"), miss)
    assert isinstance(h["text"], str) and h["text"], "empty text in hit %s" % h["rank"]
    assert isinstance(h["line"], int) and h["line"] >= 1, "bad line %r" % h["line"]
assert [h["rank"] for h in hits] == list(range(1, 11)), "ranks not 1..10"
' "$TMP/hits.json"; then ok "--json hits have rank, score, id, title, heading, label, path, line, text, snippet, highlights"
else bad "--json fields: $(pyerr)"; fi
if py '
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for h in d["hits"]:
    b = h["text"].encode("utf-8")
    assert h["highlights"], "hit %d (%s) has no highlights" % (h["rank"], h["id"])
    for s, e in h["highlights"]:
        assert 0 <= s < e <= len(b), "hit %d: span [%d,%d] outside the text (%d bytes)" % (h["rank"], s, e, len(b))
        piece = b[s:e].decode("utf-8")      # raises if the span cuts a character
        assert piece.strip(), "hit %d: span [%d,%d] is blank" % (h["rank"], s, e)
        n += 1
print(n)
' "$TMP/hits.json" >"$TMP/n"; then ok "every highlight [s,e] slices the text (UTF-8 bytes) to a non-empty string ($(cat "$TMP/n") spans)"
else bad "--json highlights: $(pyerr)"; fi

# =====================================================================
echo "--- search --format trec, --queries, -k, --count"
# trec_ok FILE K QIDS...: every line 'qid Q0 docid rank score zhs', ranks
# 1..k per qid (k = K when K > 0), scores non-increasing, the given qids.
trec_ok() {
    py '
import sys
path, k, qids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
per = {}
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    f = line.split()
    assert len(f) == 6, "line %d has %d fields: %r" % (n, len(f), line)
    assert f[1] == "Q0" and f[5] == "zhs", "line %d: %r" % (n, line)
    per.setdefault(f[0], []).append((int(f[3]), float(f[4])))
assert sorted(per) == sorted(qids), "qids %s, expected %s" % (sorted(per), sorted(qids))
for q, rows in per.items():
    ranks = [r for r, _ in rows]
    assert ranks == list(range(1, len(rows) + 1)), "qid %s: ranks %s" % (q, ranks)
    if k: assert len(rows) == k, "qid %s: %d lines, expected %d" % (q, len(rows), k)
    sc = [s for _, s in rows]
    assert all(a >= b for a, b in zip(sc, sc[1:])), "qid %s: scores increase: %s" % (q, sc)
' "$@"
}
run "$ZHS" search "$IDX" '数据 安全' --format trec -k 7
cp "$OUT" "$TMP/one.trec"
if [ $rc -eq 0 ] && trec_ok "$TMP/one.trec" 7 q; then ok "--format trec: 7 lines 'qid Q0 docid rank score zhs', ranks 1..7, scores non-increasing"
else bad "--format trec: $(pyerr); $(got)"; fi

printf '人脸识别\n\n隐私面单 虚拟号码\r\n防沉迷 未成年人\n' >"$TMP/plain.queries"
run "$ZHS" search "$IDX" --queries "$TMP/plain.queries" --format trec -k 3
cp "$OUT" "$TMP/plain.trec"
if [ $rc -eq 0 ] && trec_ok "$TMP/plain.trec" 3 1 3 4; then ok "--queries with plain lines runs each query (qids = line numbers 1, 3, 4)"
else bad "--queries plain lines: $(pyerr); $(got)"; fi

printf '{"qid": "face", "query": "人脸识别"}\n{"qid": "mian-dan", "query": "隐私面单 虚拟号码"}\n{"query": "防沉迷 未成年人", "qid": "game"}\n' >"$TMP/q.jsonl"
run "$ZHS" search "$IDX" --queries "$TMP/q.jsonl" --format trec -k 3
cp "$OUT" "$TMP/jsonl.trec"
if [ $rc -eq 0 ] && trec_ok "$TMP/jsonl.trec" 3 face mian-dan game; then ok "--queries with JSONL {qid, query} lines runs each query under its qid"
else bad "--queries JSONL: $(pyerr); $(got)"; fi
# A NUL byte would end its query there: the line is refused with its
# number, the other lines answered, the exit status 2.
printf '人脸\000识别\n防沉迷 未成年人\n' >"$TMP/nul.queries"
run "$ZHS" search "$IDX" --queries "$TMP/nul.queries" --format trec -k 3
if [ $rc -eq 2 ] && grep -q 'nul.queries:1: the line contains a NUL byte at byte 7' "$ERR" && trec_ok "$OUT" 3 2; then
  ok "--queries: a line with a NUL byte is refused by its number, the others answered, exit 2"
else bad "--queries with a NUL byte: $(pyerr); $(got)"; fi

# A line that is not UTF-8 gets its error object in --json, and the output
# stays valid JSON (its bytes go out as U+FFFD, not as they are).
printf '\377\376数据\n防沉迷\n' >"$TMP/bad8.queries"
run "$ZHS" search "$IDX" --queries "$TMP/bad8.queries" --json -k 1
if [ $rc -eq 2 ] && py 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert rows[0]["query"] == "\ufffd\ufffd数据" and "error" in rows[0], rows[0]
assert len(rows) == 2 and "error" not in rows[1], rows' "$OUT"; then
  ok "--queries --json: a line that is not UTF-8 gives valid JSON (U+FFFD) with its error"
else bad "--queries --json with invalid UTF-8: $(pyerr); $(got)"; fi

# Same queries, same results, whatever the file format.
if [ "$(cut -d' ' -f3- "$TMP/plain.trec")" = "$(cut -d' ' -f3- "$TMP/jsonl.trec")" ]; then ok "--queries: plain and JSONL files give the same results"
else bad "--queries: plain and JSONL query files give different results for the same queries"; fi

printf 'face\t人脸识别\nmian-dan\t隐私面单 虚拟号码\n' >"$TMP/tab.queries"
run "$ZHS" search "$IDX" --queries "$TMP/tab.queries" --json -k 1
if [ $rc -eq 0 ] && py '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = [(o.get("qid"), o["query"]) for o in objs]
assert got == [("face", "人脸识别"), ("mian-dan", "隐私面单 虚拟号码")], "qid/query read as %r" % got
' "$OUT"; then ok "--queries with 'qid<TAB>query' lines (as --help documents) uses the qid and the query"
else bad "--queries 'qid<TAB>query' lines: --help documents this form but $(pyerr)"; fi

run "$ZHS" search "$IDX" --queries "$TMP/no-such-file" --format trec
if [ $rc -eq 2 ] && grep -q 'no-such-file' "$ERR"; then ok "--queries with a missing file exits 2 naming it"
else bad "--queries missing file: expected exit 2 naming the file; $(got)"; fi

run "$ZHS" search "$IDX" 数据 -k 3 --json
if [ $rc -eq 0 ] && py 'import json,sys; n = len(json.load(open(sys.argv[1]))["hits"]); assert n == 3, n' "$OUT"; then ok "-k 3 returns exactly 3 hits (--json)"
else bad "-k 3 --json: expected 3 hits, got $(pyerr)"; fi
run "$ZHS" search "$IDX" 数据 -k 3
n=$(grep -c '^[0-9]*\. ' "$OUT")
if [ $rc -eq 0 ] && [ "$n" -eq 3 ]; then ok "-k 3 returns exactly 3 hits (text)"
else bad "-k 3 (text): expected 3 hits, got $n; $(got)"; fi

run "$ZHS" search "$IDX" 人脸识别 --count
cnt=$(sed -n 's/^\([0-9][0-9]*\) passages\{0,1\} match.*/\1/p' "$OUT")
run "$ZHS" search "$IDX" 人脸识别 --json --exhaustive -k 100000
all=$(py 'import json,sys; print(len(json.load(open(sys.argv[1]))["hits"]))' "$OUT")
if [ -n "$cnt" ] && [ "$cnt" -gt 0 ] && [ "$cnt" = "$all" ]; then ok "--count prints the number of matching passages ($cnt, = the hits of an exhaustive search)"
else bad "--count: printed '${cnt:-nothing}', exhaustive search returned ${all:-?} hits"; fi
run "$ZHS" search "$IDX" zzqxv --count
if [ $rc -eq 1 ] && grep -q '^0 passages match' "$OUT"; then ok "--count of a query without matches prints 0 and exits 1"
else bad "--count zzqxv: expected '0 passages match' and exit 1; $(got)"; fi

# =====================================================================
echo "--- eval"
# Relevant ids: FAQ ids from corpus/sample/faq.jsonl and the "relpath#n" id
# that --json prints for 青禾省…规定 第八条 (the 9th passage of that file:
# the preamble is passage 1).  Expected ranks (checked by hand):
#   f1: faq-002 first                                  R@1 1   R@5 1  MRR 1
#   f2: faq-010 first                                  R@1 1   R@5 1  MRR 1
#   f3: 第八条 first, faq-004 second (2 relevant)       R@1 .5  R@5 1  MRR 1
FACE_ID='regulations/青禾省公共场所人脸识别技术应用管理规定.md#第八条'
run "$ZHS" search "$IDX" '人脸识别 显著提示标识 替代验证方式' --json -k 1
if py 'import json,sys; h = json.load(open(sys.argv[1]))["hits"][0]; assert h["id"] == sys.argv[2] and h["label"] == "第八条", (h["id"], h["label"])' "$OUT" "$FACE_ID"
then ok "--json prints the article-stable id $FACE_ID for 第八条"
else bad "--json id of 青禾省…规定 第八条: expected $FACE_ID: $(pyerr)"; fi
cat >"$TMP/eval.jsonl" <<EOF
{"qid": "f1", "query": "个人信息出境标准合同 备案", "relevant": ["faq-002"]}
{"qid": "f2", "query": "AI换脸 诈骗 亲友 视频借钱", "relevant": ["faq-010"]}
{"qid": "f3", "query": "人脸识别 显著提示标识 替代验证方式", "relevant": ["$FACE_ID", "faq-004"]}
EOF
run "$ZHS" eval "$IDX" "$TMP/eval.jsonl" --run "$TMP/eval.run"
cp "$OUT" "$TMP/eval.out"
if [ $rc -eq 0 ] && grep -q '^Recall@1[[:space:]]' "$OUT" && grep -q '^Recall@5[[:space:]]' "$OUT" \
    && grep -q '^Recall@20[[:space:]]' "$OUT" && grep -q '^MRR@10[[:space:]]' "$OUT"; then
    ok "zhs eval prints Recall@1, Recall@5, Recall@20 and MRR@10"
else bad "zhs eval: expected exit 0 and Recall@1/5/20, MRR@10 lines; $(got)"; fi
if py '
import sys
want = {"Recall@1": 2.5 / 3, "Recall@5": 1.0, "Recall@20": 1.0, "MRR@10": 1.0}
got = dict(l.split()[:2] for l in open(sys.argv[1]) if l.split() and l.split()[0] in want)
bad = {k: (got.get(k), round(v, 4)) for k, v in want.items() if k not in got or abs(float(got[k]) - v) > 5e-4}
assert not bad, "metric (got, expected): %r" % bad
' "$TMP/eval.out"; then ok "zhs eval on 3 hand-judged queries: Recall@1 0.8333, Recall@5 1, Recall@20 1, MRR@10 1"
else bad "zhs eval on 3 hand-judged queries: $(pyerr)"; fi
# The metrics recomputed from the run file that --run wrote (eval_run.py's
# definitions) must agree with what zhs eval printed.
if py '
import json, sys
rel = {}
for l in open(sys.argv[1], encoding="utf-8"):
    q = json.loads(l); rel[q["qid"]] = set(q["relevant"])
runs = {}
for l in open(sys.argv[2], encoding="utf-8"):
    f = l.split(); runs.setdefault(f[0], []).append((-float(f[4]), int(f[3]), f[2]))
tot = {"Recall@1": 0, "Recall@5": 0, "Recall@20": 0, "MRR@10": 0}
for q, r in rel.items():
    docs = []
    for _, _, d in sorted(runs.get(q, [])):
        if d not in docs: docs.append(d)
    for k in (1, 5, 20): tot["Recall@%d" % k] += len(r & set(docs[:k])) / len(r)
    tot["MRR@10"] += next((1 / (i + 1) for i, d in enumerate(docs[:10]) if d in r), 0)
got = dict(l.split()[:2] for l in open(sys.argv[3]) if l.split() and l.split()[0] in tot)
for k, v in tot.items():
    assert abs(float(got[k]) - v / len(rel)) < 5e-4, "%s: zhs eval %s, from the run %.4f" % (k, got[k], v / len(rel))
' "$TMP/eval.jsonl" "$TMP/eval.run" "$TMP/eval.out"; then ok "zhs eval's numbers agree with the metrics recomputed from its --run file"
else bad "zhs eval vs its --run file: $(pyerr)"; fi
if trec_ok "$TMP/eval.run" 0 f1 f2 f3; then ok "zhs eval --run writes a TREC run for every query"
else bad "zhs eval --run file: $(pyerr)"; fi

printf '{"qid": "x", "query": "数据"}\n' >"$TMP/bad-eval.jsonl"
run "$ZHS" eval "$IDX" "$TMP/bad-eval.jsonl"
if [ $rc -eq 2 ] && grep -q 'bad-eval.jsonl:1' "$ERR"; then ok "zhs eval on a line without \"relevant\" exits 2 naming file:line"
else bad "zhs eval, line without relevant: expected exit 2 and file:line; $(got)"; fi

# Per-kind scores (bench/legal_judged.jsonl carries "kind").  The queries
# above again (f1, f3: kind a; f2: kind b), one whose relevant id exists
# nowhere (f4, kind b) and one without a kind (f5, in the totals only):
#   a: 2 queries, MRR@10 1,  Recall@1 (1 + .5) / 2 = .75, Recall@10 1
#   b: 2 queries, MRR@10 .5, Recall@1 .5,                 Recall@10 .5
cat >"$TMP/kind-eval.jsonl" <<EOF
{"qid": "f1", "query": "个人信息出境标准合同 备案", "relevant": ["faq-002"], "kind": "a"}
{"qid": "f2", "query": "AI换脸 诈骗 亲友 视频借钱", "relevant": ["faq-010"], "kind": "b"}
{"qid": "f3", "query": "人脸识别 显著提示标识 替代验证方式", "relevant": ["$FACE_ID", "faq-004"], "kind": "a", "refs": [{"path": "x", "label": "第八条"}]}
{"qid": "f4", "query": "人脸识别", "relevant": ["no-such-passage"], "kind": "b"}
{"qid": "f5", "query": "个人信息出境标准合同 备案", "relevant": ["faq-002"]}
EOF
run "$ZHS" eval "$IDX" "$TMP/kind-eval.jsonl"
cp "$OUT" "$TMP/kind.out"
run "$ZHS" eval "$IDX" "$TMP/kind-eval.jsonl" --json
if py '
import json, sys
want = {"a": (2, 1.0, 0.75, 1.0), "b": (2, 0.5, 0.5, 0.5)}
rows = {}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 5 and f[0] in want: rows[f[0]] = (int(f[1]),) + tuple(float(x) for x in f[2:])
assert "by kind\tqueries\tMRR@10\tRecall@1\tRecall@10\n" in open(sys.argv[1]).read(), "no by-kind header"
assert rows == want, "text (queries, MRR@10, R@1, R@10): got %r, expected %r" % (rows, want)
j = json.load(open(sys.argv[2]))
assert j["queries"] == 5 and abs(j["Recall@1"] - 3.5 / 5) < 5e-4 and abs(j["MRR@10"] - 4 / 5) < 5e-4, j
got = {k: (v["queries"], v["MRR@10"], v["Recall@1"], v["Recall@10"]) for k, v in j["kinds"].items()}
assert got == want, "json kinds: got %r, expected %r" % (got, want)
' "$TMP/kind.out" "$OUT"; then ok "zhs eval scores each \"kind\" apart (text and --json): a MRR 1 R@1 .75 R@10 1, b .5 .5 .5; the totals count every line"
else bad "zhs eval per kind: $(pyerr)"; fi
run "$ZHS" eval "$IDX" "$TMP/eval.jsonl" --json
if [ $rc -eq 0 ] && py 'import json,sys; j = json.load(open(sys.argv[1])); assert "kinds" not in j, j' "$OUT"
then ok "zhs eval --json on a set without \"kind\" has no \"kinds\""
else bad "zhs eval --json without kinds: $(got) $(pyerr)"; fi
for i in $(seq 1 17); do printf '{"qid": "k%d", "query": "数据", "relevant": ["faq-002"], "kind": "k%d"}\n' "$i" "$i"; done >"$TMP/many-kinds.jsonl"
run "$ZHS" eval "$IDX" "$TMP/many-kinds.jsonl"
if [ $rc -eq 2 ] && grep -q 'many-kinds.jsonl:17: more than 16 distinct "kind"' "$ERR"; then ok "zhs eval refuses a 17th distinct kind, naming file:line"
else bad "zhs eval with 17 kinds: expected exit 2 and file:17; $(got)"; fi

# A JSONL record longer than a passage is split; every piece answers to the
# record's id, and a TREC run lists that id once.
mkdir -p "$TMP/longrec"
python3 - "$TMP/longrec/long.jsonl" <<'PY'
import json, sys
body = ''.join('第%d句说明长记录切分，算法备案和数据出境都要留痕。' % i for i in range(600))
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    f.write(json.dumps({'id': 'long-1', 'title': '长记录', 'text': body}, ensure_ascii=False) + '\n')
    f.write(json.dumps({'id': 'short-1', 'title': '短记录', 'text': '算法备案的短记录。'}, ensure_ascii=False) + '\n')
PY
run "$ZHS" index -q -o "$TMP/longrec-idx" "$TMP/longrec"
run "$ZHS" search "$TMP/longrec-idx" '算法备案' -k 50 --json
if [ $rc -eq 0 ] && py '
import json, sys
hits = json.load(open(sys.argv[1], encoding="utf-8"))["hits"]
ids = [h["id"] for h in hits]
assert ids.count("long-1") >= 3, ids
assert all(len(h["text"]) <= 5000 for h in hits), [len(h["text"]) for h in hits]
assert "short-1" in ids, ids
' "$OUT"; then ok "a long JSONL record is split into passages of at most 5,000 characters, each with the record's id"
else bad "long JSONL record: $(got) $(pyerr)"; fi
printf 'q1\t算法备案\n' >"$TMP/longrec-q.txt"
run "$ZHS" search "$TMP/longrec-idx" --queries "$TMP/longrec-q.txt" --format trec -k 50
if [ $rc -eq 0 ] && [ "$(grep -c ' long-1 ' "$OUT")" = 1 ] && [ "$(grep -c ' short-1 ' "$OUT")" = 1 ] &&
   [ "$(cut -d' ' -f4 "$OUT" | tr '\n' ' ')" = "1 2 " ]; then ok "--format trec lists a split record's id once, ranks counted without the duplicates"
else bad "trec run of a split record: $(got)"; fi

if [ -d "$SHARED" ]; then
    CQ="$SHARED/eval/cmrc2018_dev.queries.jsonl"
    CP="$SHARED/eval/cmrc2018_dev.passages.jsonl"
    head -200 "$CQ" >"$TMP/cmrc200.jsonl"
    run "$ZHS" index -q -o "$TMP/cmrc-index" "$CP"
    if [ $rc -eq 0 ]; then ok "index the CMRC 2018 dev passages"
    else bad "zhs index of $CP failed; $(got)"; fi
    run "$ZHS" eval "$TMP/cmrc-index" "$TMP/cmrc200.jsonl" --run "$TMP/cmrc.run"
    cp "$OUT" "$TMP/cmrc.zhs"
    python3 "$SHARED/tools/eval_run.py" "$TMP/cmrc.run" "$TMP/cmrc200.jsonl" >"$TMP/cmrc.ref" 2>"$ERR"
    if py '
import sys
names = ("Recall@1", "Recall@5", "Recall@20", "MRR@10")
def read(p):
    return {l.split()[0]: float(l.split()[1]) for l in open(p) if l.split() and l.split()[0] in names}
z, r = read(sys.argv[1]), read(sys.argv[2])
assert len(z) == 4 and len(r) == 4, "missing metrics: zhs %r, eval_run.py %r" % (z, r)
diff = {k: (z[k], r[k]) for k in names if round(z[k], 3) != round(r[k], 3)}
assert not diff, "zhs eval vs eval_run.py: %r" % diff
print(" ".join("%s %.3f" % (k, z[k]) for k in names))
' "$TMP/cmrc.zhs" "$TMP/cmrc.ref" >"$TMP/n"; then
        ok "CMRC 2018 (200 queries): zhs eval agrees with eval_run.py on its --run to 3 decimals: $(cat "$TMP/n")"
    else bad "CMRC 2018 (200 queries): $(pyerr); zhs eval: $(tr '\n' ' ' <"$TMP/cmrc.zhs") eval_run.py: $(tr '\n' ' ' <"$TMP/cmrc.ref") $(cat "$ERR")"; fi
else
    echo "note: $SHARED is absent: the comparison with ../shared/tools/eval_run.py is left out"
fi

# =====================================================================
echo "--- query operators"
# all_hits QUERY CHECK DESCRIPTION [MIN-HITS [ANY]]: runs QUERY (--json, all
# hits) and checks the python predicate CHECK on each hit h and ANY on at
# least one.  h["title"], h["text"]: as stored; h["t"], h["x"]: the same
# folded (NFKC, lower case, traditional -> simplified for the characters
# used here); h["all"]: both folded.
all_hits() {
    local q=$1 pred=$2 desc=$3 min=${4:-2} any=${5:-True}
    run "$ZHS" search "$IDX" "$q" --json -k 1000
    if [ $rc -ne 0 ]; then bad "$desc: query [$q] exited $rc; $(got)"; return; fi
    if py '
import json, sys, unicodedata
# Folding the way the analyzer does it, for the characters these checks use:
# NFKC (full-width -> ASCII), lower case, traditional -> simplified.
T2S = str.maketrans("臉識別門數據個資訊護與號碼標權審議", "脸识别门数据个资讯护与号码标权审议")
def f(s): return unicodedata.normalize("NFKC", s).lower().translate(T2S)
hits = json.load(open(sys.argv[1]))["hits"]
assert len(hits) >= int(sys.argv[3]), "only %d hits" % len(hits)
for h in hits:
    h["t"], h["x"] = f(h["title"]), f(h["text"])
    h["all"] = h["t"] + "\n" + h["x"]
    assert eval(sys.argv[2]), "hit %d (%s) fails %s: title %r text %r" % (h["rank"], h["id"], sys.argv[2], h["title"], h["text"][:120])
assert any(eval(sys.argv[4]) for h in hits), "no hit has %s" % sys.argv[4]
print(len(hits))
' "$OUT" "$pred" "$min" "$any" >"$TMP/n"; then ok "$desc ($(cat "$TMP/n") hits)"
    else bad "$desc: $(pyerr)"; fi
}
# 去标识化 and 虚拟号码 appear in no title, so the phrase must be in the text.
all_hits '"去标识化"' '"去标识化" in h["text"]' 'phrase "去标识化": every hit has it in its text'
all_hits '"虚拟号码"' '"虚拟号码" in h["text"]' 'phrase "虚拟号码": every hit has it in its text' 1
# A phrase that starts inside an ICU word (个人|信息|处理者): matched on bigrams.
all_hits '"人信息处理者"' '"个人信息处理者" in h["all"]' 'phrase "人信息处理者" (starts mid-word) finds 个人信息处理者'
all_hits '+人脸识别 -门禁' '"人脸识别" in h["all"] and "门禁" not in h["all"]' '+人脸识别 -门禁: every hit has 人脸识别, none has 门禁'
all_hits '+数据 +出境 -个人信息' '"数据" in h["all"] and "出境" in h["all"] and "个人信息" not in h["all"]' '+数据 +出境 -个人信息'
all_hits 'title:人脸识别 数据' '"人脸识别" in h["t"]' 'title:人脸识别: every hit has 人脸识别 in its title'
all_hits 'title:"数据交易" 会员' '"数据交易" in h["t"]' 'title:"数据交易": every hit has 数据交易 in its title'
# -title: excludes by title.
all_hits '人脸识别 -title:人脸识别' '"人脸识别" not in h["t"]' '-title:人脸识别: no hit has 人脸识别 in its title'
# Excluding must not add hits: +A -B is a subset of +A.
run "$ZHS" search "$IDX" '+人脸识别' --count; a=$(sed -n 's/^\([0-9]*\) passages.*/\1/p' "$OUT")
run "$ZHS" search "$IDX" '+人脸识别 -门禁' --count; ab=$(sed -n 's/^\([0-9]*\) passages.*/\1/p' "$OUT")
run "$ZHS" search "$IDX" '+人脸识别 +门禁' --count; both=$(sed -n 's/^\([0-9]*\) passages.*/\1/p' "$OUT")
if [ -n "$a" ] && [ -n "$ab" ] && [ -n "$both" ] && [ "$ab" -lt "$a" ] && [ $((ab + both)) -eq "$a" ]; then
    ok "counts: +人脸识别 ($a) = +人脸识别 -门禁 ($ab) + +人脸识别 +门禁 ($both)"
else bad "counts: +人脸识别 = '$a', +人脸识别 -门禁 = '$ab', +人脸识别 +门禁 = '$both': expected a = ab + both, ab < a"; fi

# =====================================================================
echo "--- column breaks (corpus/sample/scanned)"
# A phrase cut by a column end (a blank line inside a sentence) is found as
# written, and the hit names the file and the line where its passage starts.
col_hit() {   # PHRASE FILE LINE
    run "$ZHS" search "$IDX" "\"$1\"" --json -k 5
    if [ $rc -eq 0 ] && py '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
top = hits[0]
assert top["path"].endswith("scanned/" + sys.argv[2]), "top hit is %s" % top["path"]
assert top["line"] == int(sys.argv[3]), "line %d, expected %s" % (top["line"], sys.argv[3])
' "$OUT" "$2" "$3"; then ok "phrase across a column break \"$1\" finds $2:$3"
    else bad "phrase \"$1\" across a column break: $(pyerr); $(got)"; fi
}
NEWS=人工智能治理国际合作论坛综述.txt
RULES=临江市公共数据共享管理办法（扫描件）.txt
VIEW=数据要素市场建设观察.md
col_hit 标准的对接 "$NEWS" 1
col_hit 数据跨境流动 "$NEWS" 1
col_hit 监管沙盒互认 "$NEWS" 1
col_hit 各类数据资源 "$RULES" 8
col_hit 安全管理等工作 "$RULES" 12
col_hit 组织复核 "$RULES" 18
col_hit 网信部门报告 "$RULES" 28
col_hit 数据确权 "$VIEW" 3
col_hit 可计量的资产 "$VIEW" 17
# After a comma the two halves are one paragraph (no line break between).
run "$ZHS" search "$IDX" '"辅助驾驶" "测试期间"' --json -k 3
if [ $rc -eq 0 ] && py '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
assert any("辅助驾驶等领域，测试期间" in h["text"] for h in hits), "no hit joins the halves"
' "$OUT"; then ok "a paragraph cut right after a comma is joined (辅助驾驶等领域，测试期间)"
else bad "comma join: $(pyerr); $(got)"; fi
# Headings, numbered headings, articles and Markdown headings are never joined.
for q in 专家观点清澄大学 合作机制与会各方 进行审核第六条 救济途径风险防范 共享目录第四条 下一步安排论坛; do
    run "$ZHS" search "$IDX" "\"$q\"" --format trec
    if [ $rc -eq 1 ]; then ok "no phrase across a heading or an article: \"$q\" finds nothing"
    else bad "\"$q\" should find nothing (a heading or an article is never joined); $(got)"; fi
done

# =====================================================================
echo "--- traditional / full-width folding"
# 个人信息 is written only in simplified in the sample; 個人資料 only in traditional.
all_hits '"個人信息"' '"个人信息" in h["all"]' 'traditional query "個人信息" finds simplified 个人信息' 5 '"个人信息" in h["title"] + h["text"]'
# OpenCC's Taiwan phrases fold 個人資料 to 个人数据 (Taiwan 資料 is mainland 数据).
all_hits '"个人数据"' '"个人数据" in h["all"] or "个人资料" in h["all"]' 'simplified query "个人数据" finds traditional 個人資料' 3 '"個人資料" in h["title"] + h["text"]'

run "$ZHS" search "$IDX" 'ＡＩ' --json -k 1000
if [ $rc -eq 0 ] && py '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
ascii = [h["id"] for h in hits if "AI" in h["title"] + h["text"]]
assert ascii, "no hit has ASCII AI (%d hits)" % len(hits)
' "$OUT"; then ok "full-width ＡＩ finds passages written with ASCII AI"
else bad "ＡＩ does not find ASCII AI: $(pyerr); $(got)"; fi
run "$ZHS" search "$IDX" 'AI' --json -k 1000
if [ $rc -eq 0 ] && py '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
assert any("ＡＩ" in h["title"] + h["text"] for h in hits), "no hit has full-width ＡＩ"
' "$OUT"; then ok "ASCII AI finds passages written with full-width ＡＩ"
else bad "AI does not find full-width ＡＩ: $(pyerr); $(got)"; fi

FOLD="$TMP/fold"
mkdir -p "$FOLD/c"
printf '# 简体通知\n\n本市开展个人数据保护专项检查。\n\n本市推广国产网络软件。\n' >"$FOLD/c/jianti.md"
printf '# 繁體通知\n\n本市推動個人信息保護與ＡＩ治理。\n' >"$FOLD/c/fanti.md"
printf '# 半角通知\n\n本市发布AI伦理指南。\n' >"$FOLD/c/banjiao.md"
run "$ZHS" index -q -o "$FOLD/idx" "$FOLD/c"
fold_hit() {   # QUERY FILE DESCRIPTION
    run "$ZHS" search "$FOLD/idx" "$1" --format trec -k 10
    if [ $rc -eq 0 ] && grep -q " $2#" "$OUT"; then ok "$3"
    else bad "$3: query [$1] should find $2; $(got)"; fi
}
fold_hit '"個人資料"' jianti.md 'traditional "個人資料" finds a text written 个人数据 (a Taiwan phrase)'
fold_hit '"網路軟體"' jianti.md 'traditional "網路軟體" finds a text written 网络软件 (Taiwan phrases)'
fold_hit '"个人信息"' fanti.md 'simplified "个人信息" finds a text written 個人信息'
fold_hit 'ＡＩ' banjiao.md 'full-width ＡＩ finds a text written AI'
fold_hit 'ai' fanti.md 'lower-case ai finds a text written ＡＩ'

# =====================================================================
echo "--- re-indexing"
RE="$TMP/reindex"
mkdir -p "$RE/c" "$RE/empty"
printf '# 第一份\n\n松涛湖湿地公园今年新增观鸟步道。\n' >"$RE/c/a.md"
run "$ZHS" index -q -o "$RE/idx" "$RE/c"
n1=$("$ZHS" stats "$RE/idx" 2>/dev/null | awk '$1 == "passages" {print $2}')
printf '# 第二份\n\n枫林渡口的轮渡班次调整为每半小时一班。\n\n第二段讲述渡口码头的改造。\n' >"$RE/c/b.md"
run "$ZHS" index -q -o "$RE/idx" "$RE/c"
n2=$("$ZHS" stats "$RE/idx" 2>/dev/null | awk '$1 == "passages" {print $2}')
if [ $rc -eq 0 ] && [ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -gt "$n1" ]; then ok "re-indexing a changed corpus replaces the index ($n1 -> $n2 passages)"
else bad "re-index: expected exit 0 and more passages after adding a file; exit $rc, passages '$n1' -> '$n2'"; fi
run "$ZHS" search "$RE/idx" 枫林渡口
check "the re-built index finds the new file's text" [ $rc -eq 0 ]
rm "$RE/c/a.md"
run "$ZHS" index -q -o "$RE/idx" "$RE/c"
run "$ZHS" search "$RE/idx" 松涛湖
if [ $rc -eq 1 ]; then ok "re-indexing after a file was removed drops its passages"
else bad "re-index after removing a.md: 松涛湖 should no longer match; $(got)"; fi
n3=$("$ZHS" stats "$RE/idx" 2>/dev/null | awk '$1 == "passages" {print $2}')
echo "二进制内容" | gzip >"$RE/empty/data.bin"
for bad_corpus in "$RE/no-such-corpus" "$RE/empty"; do
    run "$ZHS" index -o "$RE/idx" "$bad_corpus"
    if [ $rc -eq 2 ] && [ -s "$ERR" ]; then ok "re-index from ${bad_corpus#"$RE"/} fails with exit 2: $(tail -1 "$ERR")"
    else bad "re-index from ${bad_corpus#"$RE"/}: expected exit 2 and a message; $(got)"; fi
    run "$ZHS" search "$RE/idx" 枫林渡口
    check "after the failed re-index from ${bad_corpus#"$RE"/} the previous index is still searchable" [ $rc -eq 0 ]
    n=$("$ZHS" stats "$RE/idx" 2>/dev/null | awk '$1 == "passages" {print $2}')
    check "after the failed re-index from ${bad_corpus#"$RE"/} the index still has its $n3 passages (has '$n')" [ "$n" = "$n3" ]
    run "$ZHS" check "$RE/idx"
    if [ $rc -eq 0 ] && grep -q ': ok' "$OUT"; then ok "after the failed re-index from ${bad_corpus#"$RE"/} zhs check is ok"
    else bad "zhs check after a failed re-index: $(got)"; fi
done

# =====================================================================
echo "--- bad input files"
BAD="$TMP/bad"
mkdir -p "$BAD/c"
: >"$BAD/c/empty.txt"
printf 'abc\0def\0\0 二进制里的雪松坡\n' >"$BAD/c/binary.txt"
printf '星河\xff\xfe水电站今年完成扩建，\xc3随后青松\x80岭保护区开放。\n' >"$BAD/c/badutf8.txt"
{
    printf '{"id": "rec-1", "title": "好记录", "text": "蓝鲸湾渔港的冷链仓储改造完成。"}\n'
    printf '{"id": "rec-broken", "title": "坏记录", "text": "紫檀\n'
    printf '{"id": "rec-2", "title": "另一条", "text": "紫藤镇图书馆延长开放时间。"}\n'
} >"$BAD/c/records.jsonl"
printf '# 压缩文档\n\n琥珀港口的集装箱吞吐量创下新高。\n' | gzip -9n >"$BAD/c/packed.md.gz"
python3 -c '
import sys
s = "长行开头标记" + "甲乙丙丁戊己庚辛壬癸，" * 70000 + "云杉谷末尾标记"
open(sys.argv[1], "w", encoding="utf-8").write(s + "\n")' "$BAD/c/longline.txt"
run "$ZHS" index -o "$BAD/idx" "$BAD/c"
cp "$OUT" "$TMP/bad.out"; cp "$ERR" "$TMP/bad.err"
if [ $rc -eq 0 ]; then ok "zhs index of a corpus with bad files exits 0"
else bad "zhs index of a corpus with bad files: expected exit 0; $(got)"; fi
if grep -q 'skipped 2 files' "$TMP/bad.out" && grep -q 'empty.txt' "$TMP/bad.err" && grep -q 'binary.txt' "$TMP/bad.err"; then
    ok "zhs index reports the 2 skipped files (empty, binary) by name and in its summary"
else bad "zhs index should report the skipped empty and binary files: stdout: $(tr '\n' ' ' <"$TMP/bad.out") stderr: $(tr '\n' ' ' <"$TMP/bad.err")"; fi
if grep -q 'records.jsonl' "$TMP/bad.err" && grep -q 'bad JSONL' "$TMP/bad.out"; then ok "zhs index reports the broken JSONL line"
else bad "zhs index should report the broken JSONL record: stdout: $(tr '\n' ' ' <"$TMP/bad.out") stderr: $(tr '\n' ' ' <"$TMP/bad.err")"; fi
if grep -q 'invalid UTF-8' "$TMP/bad.out"; then ok "zhs index reports the replaced invalid UTF-8"
else bad "zhs index should report replaced invalid UTF-8 sequences: $(tr '\n' ' ' <"$TMP/bad.out")"; fi
found() {   # QUERY ID-PREFIX DESCRIPTION
    run "$ZHS" search "$BAD/idx" "$1" --format trec -k 3
    if [ $rc -eq 0 ] && awk '{print $3}' "$OUT" | grep -q "^$2"; then ok "$3"
    else bad "$3: [$1] should find $2; $(got)"; fi
}
found '"蓝鲸湾渔港"' rec-1 'JSONL record before the broken line is searchable'
found '"紫藤镇图书馆"' rec-2 'JSONL record after the broken line is searchable'
found '"琥珀港口"' packed.md.gz '.md.gz file is searchable'
found '"长行开头标记"' longline.txt 'the start of a 2 MB single-line file is searchable'
found '"云杉谷末尾标记"' longline.txt 'the end of a 2 MB single-line file is searchable'
found '"星河"' badutf8.txt 'invalid UTF-8 file: text just before the bad bytes is searchable'
found '"水电站今年"' badutf8.txt 'invalid UTF-8 file: text just after the bad bytes is searchable'
found '"随后青松"' badutf8.txt 'invalid UTF-8 file: text between two bad bytes is searchable'
found '"岭保护区开放"' badutf8.txt 'invalid UTF-8 file: text after the last bad byte is searchable'
run "$ZHS" search "$BAD/idx" '"星河水电站"' --format trec
if [ $rc -eq 1 ]; then ok 'a phrase does not match across the invalid bytes ("星河水电站")'
else bad 'the phrase "星河水电站" should not match across the invalid bytes between 星河 and 水电站; '"$(got)"; fi
run "$ZHS" search "$BAD/idx" 水电站 --json -k 1
if [ $rc -eq 0 ] && py '
import json, sys
t = json.load(open(sys.argv[1]))["hits"][0]["text"]
assert "\ufffd" in t and "星河" in t and "水电站" in t, "text %r" % t
' "$OUT"; then ok "invalid UTF-8 is stored as U+FFFD, the valid text around it kept"
else bad "invalid UTF-8 passage text: $(pyerr)"; fi
run "$ZHS" search "$BAD/idx" 雪松坡
if [ $rc -eq 1 ]; then ok "the binary file's text is not indexed"
else bad "the binary file (NUL bytes) should be skipped, but 雪松坡 matches; $(got)"; fi
run "$ZHS" check "$BAD/idx"
check "zhs check is ok on the index of the bad-files corpus" [ $rc -eq 0 ]

# =====================================================================
echo "--- analyze, segment"
ORIG='ＡＩ治理與個人資料保護'
run "$ZHS" analyze --json "$ORIG"
if [ $rc -eq 0 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
orig = sys.argv[2].encode("utf-8")
want = {"ai": "ＡＩ", "治理": "治理", "个人": "個人", "数据": "資料", "保护": "保護"}
for term, written in want.items():
    toks = [t for t in d["tokens"] if t["token"] == term]
    assert toks, "no token %r in %r" % (term, [t["token"] for t in d["tokens"]])
    for t in toks:
        piece = orig[t["start"]:t["end"]].decode("utf-8")
        assert piece == written, "token %r: bytes [%d,%d] are %r, expected %r" % (term, t["start"], t["end"], piece, written)
        assert t.get("original") == written, "token %r: original %r" % (term, t.get("original"))
' "$OUT" "$ORIG"; then ok "analyze --json: ai 治理 个人 数据 保护 with offsets slicing to ＡＩ 治理 個人 資料 保護"
else bad "analyze --json $ORIG: $(pyerr); $(got)"; fi

# OpenCC's Taiwan phrases: 網路軟體 gives 网络 and 软件 (ICU alone gave
# 网路, 软体), each pointing at its original bytes: as words with ICU's
# break, as the bigrams of the word 网络软件 with the dict segmenter.
run "$ZHS" analyze --json --segmenter icu '網路軟體'
if [ $rc -eq 0 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
words = [(t["token"], t["start"], t["end"], t["original"]) for t in d["tokens"] if t["kind"] == "word"]
assert words == [("网络", 0, 6, "網路"), ("软件", 6, 12, "軟體")], words
assert "opencc=" in d["analyzer"], d["analyzer"]
' "$OUT"; then ok "analyze 網路軟體: 网络 0-6 and 软件 6-12 (phrases, offsets into the original)"
else bad "analyze 網路軟體: $(pyerr); $(got)"; fi
run "$ZHS" analyze --json '網路軟體'
if [ $rc -eq 0 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
toks = [(t["token"], t["kind"], t["start"], t["end"]) for t in d["tokens"]]
assert ("网络软件", "word", 0, 12) in toks, toks
assert ("网络", "bigram", 0, 6) in toks and ("软件", "bigram", 6, 12) in toks, toks
' "$OUT"; then ok "analyze 網路軟體 (dict): the word 网络软件 0-12, bigrams 网络 0-6 and 软件 6-12"
else bad "analyze 網路軟體 (dict): $(pyerr); $(got)"; fi
run "$ZHS" analyze --json --no-fold '網路軟體'
if [ $rc -eq 0 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(t["token"] == t["original"] for t in d["tokens"]), d["tokens"]
assert "trad=0" in d["analyzer"], d["analyzer"]
' "$OUT"; then ok "analyze --no-fold keeps 網路軟體 as written"
else bad "analyze --no-fold 網路軟體: $(pyerr); $(got)"; fi

printf 'ＡＩ治理與個人資料保護\r\n我們是Ｇ２０國家，數據ＡＰＩ開放。\r\n\r\nplain ascii line\n个人信息保护法自2021年起施行\r\n最后一行没有换行' >"$TMP/seg.in"
run "$ZHS" segment <"$TMP/seg.in"
if [ $rc -eq 0 ] && py '
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
la, lb = a.split(b"\n"), b.split(b"\n")
assert len(la) == len(lb), "%d lines in, %d out" % (len(la), len(lb))
for i, (x, y) in enumerate(zip(la, lb), 1):
    assert x.endswith(b"\r") == y.endswith(b"\r"), "line %d: CR %s in, %s out" % (i, x.endswith(b"\r"), y.endswith(b"\r"))
    assert x.replace(b" ", b"") == y.replace(b" ", b""), "line %d: %r became %r" % (i, x.decode(), y.decode())
    assert len(y) >= len(x), "line %d lost characters" % i
assert b"\xe8\xb3\x87\xe6\x96\x99" in b, "traditional 資料 not kept"
assert lb[0].count(b" ") >= 4, "line 1 not segmented: %r" % lb[0].decode()
' "$TMP/seg.in" "$OUT"; then ok "segment keeps CRLF/LF line ends, the final unterminated line and the original characters, adding only spaces"
else bad "zhs segment: $(pyerr)"; fi

# ------------------------------------------------------ versions and filters
# The sample has two versions of 澄海市个人信息保护条例 (2019-01-01 in the
# file name, 2023-09-26 in the front matter).
Q='个人信息 收集 同意 title:澄海市个人信息保护条例'
"$ZHS" search "$IDX" "$Q" -k 20 --no-color >"$TMP/v.out" 2>&1
check "versions: by default only the 2023 text, saying an older version exists" \
    bash -c "grep -q '2023-09-26 (older version: 2019-01-01)' '$TMP/v.out' && ! grep -q '(2019-01-01).md' '$TMP/v.out'"
"$ZHS" search "$IDX" "$Q" -k 20 --no-color --all-versions >"$TMP/v.out" 2>&1
check "versions: --all-versions shows both, each with its date" \
    bash -c "grep -q '2019-01-01 (not the newest: 2023-09-26 is)' '$TMP/v.out' && grep -q '2023-09-26 (older version' '$TMP/v.out'"
"$ZHS" search "$IDX" "$Q" -k 20 --no-color --as-of 2020-06-01 >"$TMP/v.out" 2>&1
check "versions: --as-of 2020-06-01 is the 2019 text only" \
    bash -c "grep -q '(2019-01-01).md' '$TMP/v.out' && ! grep -q '2023-09-26  *(' '$TMP/v.out' && ! grep -q '保护条例.md:' '$TMP/v.out'"
# the 2023 text was adopted on 2023-09-26 and is in force from 2024-01-01
# (its front matter's effective, and its last article): as of 2023-12-01
# the 2019 text is the one in force, and the 2023 hits say when theirs is
"$ZHS" search "$IDX" "$Q" -k 20 --no-color --as-of 2023-12-01 >"$TMP/v.out" 2>&1
check "versions: --as-of 2023-12-01 (adopted, not yet in force) is the 2019 text" \
    bash -c "grep -q '(2019-01-01).md' '$TMP/v.out' && ! grep -q '保护条例.md:' '$TMP/v.out'"
"$ZHS" search "$IDX" "$Q" -k 20 --no-color --as-of 2024-01-01 >"$TMP/v.out" 2>&1
check "versions: --as-of 2024-01-01 is the 2023 text, in force from that day" \
    bash -c "grep -q '2023-09-26 (older version: 2019-01-01), in force from 2024-01-01' '$TMP/v.out' && ! grep -q '(2019-01-01).md' '$TMP/v.out'"
"$ZHS" search "$IDX" "$Q" -k 1 --json >"$TMP/v.json" 2>/dev/null
check "versions: --json gives the day in force" py '
import json, sys
h = json.load(open(sys.argv[1]))["hits"][0]
assert h["version"]["in_force"] == "2024-01-01", h["version"]
' "$TMP/v.json"
# as of a date, a hit of an undated document says so (the sample's FAQ and
# news have no date); a dated one alone does not
"$ZHS" search "$IDX" '个人信息' -k 50 --as-of 2020-06-01 >"$TMP/v.out" 2>"$TMP/v.err"
"$ZHS" search "$IDX" '个人信息' -k 50 --as-of 2020-06-01 --json >"$TMP/v.json" 2>/dev/null
check "--as-of: a warning when undated documents are among the hits" py '
import json, sys
d = json.load(open(sys.argv[1]))
undated = any(not h.get("date") for h in d["hits"])
said = "without a date" in open(sys.argv[2]).read()
assert undated == said, (undated, said)
assert undated
' "$TMP/v.json" "$TMP/v.err"
# A regulation that a later law's text repeals (《…》同时废止 in its last
# article): the hit says from when and by which law, in text and JSON, and
# a search as of a day after that does not find it.
mkdir -p "$TMP/rep"
printf '# 青禾省草原条例\n\n第一条 草原承包经营应当签订合同。\n' >"$TMP/rep/青禾省草原条例(2002-04-01).md"
printf '# 青禾省草原法\n\n第一条 草原承包经营依法签订合同。\n\n第二十条 本法自2022年1月1日起施行。2002年4月1日公布的《青禾省草原条例》同时废止。\n' \
    >"$TMP/rep/青禾省草原法(2021-06-01).md"
"$ZHS" index -q -o "$TMP/rep.idx" "$TMP/rep" >/dev/null 2>&1
"$ZHS" search "$TMP/rep.idx" 草原承包 --no-color >"$TMP/v.out" 2>&1
check "repeals: the repealed regulation says from when and by which law" \
    bash -c "grep -q '2002-04-01, repealed from 2022-01-01 by 青禾省草原法 (2021-06-01)' '$TMP/v.out' && [ \$(grep -c 'repealed from' '$TMP/v.out') = 1 ]"
"$ZHS" search "$TMP/rep.idx" 草原承包 --json >"$TMP/v.json" 2>/dev/null
check "repeals: --json gives repealed {day, by, by_date}" py '
import json, sys
hits = {h["title"]: h for h in json.load(open(sys.argv[1]))["hits"]}
assert hits["青禾省草原条例"]["repealed"] == {"day": "2022-01-01", "by": "青禾省草原法", "by_date": "2021-06-01"}, hits
assert "repealed" not in hits["青禾省草原法"]
' "$TMP/v.json"
"$ZHS" search "$TMP/rep.idx" 草原承包 --no-color --as-of 2022-01-01 >"$TMP/v.out" 2>&1
check "repeals: --as-of the day of the repeal finds the law only" \
    bash -c "grep -qE '^[0-9]+\. +[0-9.]+ +青禾省草原法 ' '$TMP/v.out' && ! grep -q '青禾省草原条例' '$TMP/v.out'"
"$ZHS" search "$TMP/rep.idx" '"应当签订"' --as-of 2022-01-01 >"$TMP/v.out" 2>&1
check "repeals: a query only the repealed text matches says other versions hold it" \
    grep -q 'no passage matches .* in the versions in force on 2022-01-01 (1 in other versions' "$TMP/v.out"
"$ZHS" search "$TMP/rep.idx" 草原承包 --no-color --as-of 2021-12-31 >"$TMP/v.out" 2>&1
check "repeals: --as-of the day before finds the regulation only" \
    bash -c "grep -q '青禾省草原条例' '$TMP/v.out' && ! grep -qE '^[0-9]+\. +[0-9.]+ +青禾省草原法 ' '$TMP/v.out'"

# A law filed under two folders (the same title and date): each article
# once by default, both copies with --all-versions; two laws of one title
# and two dates keep their versions as before.
mkdir -p "$TMP/dup/甲类" "$TMP/dup/乙类"
printf '# 青禾省河道管理条例\n\n第一条 河道清淤应当定期开展。\n\n第二条 河道管理范围内禁止倾倒垃圾。\n' >"$TMP/dup/甲类/青禾省河道管理条例(2020-05-01).md"
cp "$TMP/dup/甲类/青禾省河道管理条例(2020-05-01).md" "$TMP/dup/乙类/"
"$ZHS" index -q -o "$TMP/dup.idx" "$TMP/dup" >/dev/null 2>&1
check "a law under two folders: each article once by default" \
    bash -c "[ \"\$('$ZHS' search --count '$TMP/dup.idx' 清淤 | cut -d' ' -f1)\" = 1 ]"
check "a law under two folders: a condition on the hidden copy's category finds it" \
    bash -c "[ \"\$('$ZHS' search --count '$TMP/dup.idx' '清淤 category=甲类' | cut -d' ' -f1)\" = 1 ] && [ \"\$('$ZHS' search --count '$TMP/dup.idx' '清淤 category=乙类' | cut -d' ' -f1)\" = 1 ]"
check "a law under two folders: both copies with --all-versions" \
    bash -c "[ \"\$('$ZHS' search --count --all-versions '$TMP/dup.idx' 清淤 | cut -d' ' -f1)\" = 2 ]"
# everyday words add the statutes' wording; --no-expand searches the words as written
n1=$("$ZHS" search --count "$IDX" 醉驾 2>/dev/null | cut -d' ' -f1)
n0=$("$ZHS" search --count --no-expand "$IDX" 醉驾 2>/dev/null | cut -d' ' -f1)
check "everyday words: 醉驾 also finds 醉酒驾驶 ($n1 passages), not with --no-expand ($n0)" \
    bash -c "[ '${n1:-0}' -gt '${n0:-0}' ] && '$ZHS' search -k 1 --no-color '$IDX' 醉驾 | grep -q '醉酒驾驶' &&
             ! '$ZHS' search -k 1 --no-color --no-expand '$IDX' 醉驾 | grep -q '醉酒驾驶'"
"$ZHS" search "$IDX" "$Q" --all-versions --as-of 2020-06-01 >"$TMP/v.out" 2>&1; rc=$?
check "versions: --all-versions with --as-of is refused (exit 2), not one of them ignored" \
    bash -c "[ $rc = 2 ] && grep -q 'exclude each other' '$TMP/v.out'"
"$ZHS" search "$IDX" "$Q" --per-group 2 >"$TMP/v.out" 2>&1; rc=$?
check "--per-group without --group is refused (exit 2)" bash -c "[ $rc = 2 ] && grep -q 'goes with --group' '$TMP/v.out'"
"$ZHS" search "$IDX" '个人信息' --json -k 50 --filter 'date>=2023-01-01' >"$TMP/v.json" 2>&1
check "--filter date>=2023-01-01: only passages dated so" py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["hits"] and all(h["date"] >= "2023-01-01" for h in d["hits"]), [h["date"] for h in d["hits"]]
' "$TMP/v.json"
"$ZHS" search "$IDX" '个人信息 category:news' --json -k 10 --group law >"$TMP/v.json" 2>&1
check "category:news in the query and --group law: news only, one passage per document" py '
import json, sys
d = json.load(open(sys.argv[1]))
t = [h["title"] for h in d["hits"]]
assert t and all(h["category"] == "news" for h in d["hits"]) and len(t) == len(set(t)), t
' "$TMP/v.json"
"$ZHS" search "$IDX" '个人信息' --filter 'date>=yesterday' >"$TMP/v.out" 2>&1; rc=$?
check "--filter with a bad date: exit 2 naming it" bash -c "[ $rc = 2 ] && grep -q 'yesterday' '$TMP/v.out'"
# conditions in the query as people type them: any case, full-width forms
want=$("$ZHS" search "$IDX" '个人信息 category:news' --count 2>/dev/null)
for q in '个人信息 CATEGORY:news' '个人信息 ｃａｔｅｇｏｒｙ：news' '个人信息 Category=news'; do
  got=$("$ZHS" search "$IDX" "$q" --count 2>/dev/null)
  check "'$q' counts as category:news ($want)" [ -n "$want" ] && [ "$got" = "$want" ]
done
want=$("$ZHS" search "$IDX" '个人信息 date>=2023-01-01' --count 2>/dev/null)
got=$("$ZHS" search "$IDX" '个人信息 DATE＞＝２０２３－０１－０１' --count 2>/dev/null)
check "a full-width date condition counts as date>=2023-01-01 ($want)" [ -n "$want" ] && [ "$got" = "$want" ]
want=$("$ZHS" search "$IDX" '个人信息 title:数据' --count 2>/dev/null)
got=$("$ZHS" search "$IDX" '个人信息 ＴＩＴＬＥ：数据' --count 2>/dev/null)
check "ＴＩＴＬＥ：数据 counts as title:数据 ($want)" [ -n "$want" ] && [ "$got" = "$want" ]
# AND, OR, NOT as people type them: +, optional, -
for pair in '个人信息 NOT 数据|个人信息 -数据' '个人信息 AND 数据|+个人信息 +数据' '个人信息 OR 数据|个人信息 数据'; do
  a=${pair%%|*}; b=${pair#*|}
  ca=$("$ZHS" search "$IDX" "$a" --count 2>/dev/null); cb=$("$ZHS" search "$IDX" "$b" --count 2>/dev/null)
  check "'$a' counts as '$b' ($cb)" [ -n "$cb" ] && [ "$ca" = "$cb" ]
done
# a bad condition in the query is left out with a warning (the rest is searched)
want=$("$ZHS" search "$IDX" '个人信息' --count 2>/dev/null)
for q in '个人信息 date>=2021' '个人信息 category:' '个人信息 status>x'; do
  got=$("$ZHS" search "$IDX" "$q" --count 2>"$TMP/w.err"); rc=$?
  check "'$q': searched without the condition, with a warning" \
    bash -c "[ $rc = 0 ] && [ '$got' = '$want' ] && grep -q 'ignored the condition' '$TMP/w.err'"
done

# files without a heading: the title is the file name without its date, so
# that two dated files of one law are its versions
mkdir -p "$TMP/nohead" && printf '第一条 亥法的旧规定。\n' >"$TMP/nohead/亥法(2020-01-01).txt"
printf '第一条 亥法的新规定。\n' >"$TMP/nohead/亥法(2021-01-01).txt"
"$ZHS" index -q -o "$TMP/nohead.idx" "$TMP/nohead" >/dev/null 2>&1
run "$ZHS" search "$TMP/nohead.idx" 亥法 --no-color
check "a file without a heading: titled by its name without the date, two dated files are versions" \
    bash -c "[ $rc = 0 ] && grep -q '2021-01-01 (older version: 2020-01-01)' '$OUT' && ! grep -q '旧规定' '$OUT'"

# an update keeps the index's analyzer and BM25 options: one given to it is
# said to be ignored, not silently dropped
mkdir -p "$TMP/upd" && printf '# 甲条例\n\n第一条 青禾省的规定。\n' >"$TMP/upd/a.md"
printf '青禾省\n' >"$TMP/upd.dict"
"$ZHS" index -q -o "$TMP/upd.idx" "$TMP/upd" >/dev/null 2>&1
run "$ZHS" index -q --update --user-dict "$TMP/upd.dict" -o "$TMP/upd.idx" "$TMP/upd"
check "index --update --user-dict: a warning that the option is ignored" \
    bash -c "[ $rc = 0 ] && grep -q -- '--user-dict is ignored by --update' '$ERR'"
run "$ZHS" index -q --update -o "$TMP/upd.idx" "$TMP/upd"
check "index --update without such options: no warning" bash -c "[ $rc = 0 ] && ! grep -q 'ignored' '$ERR'"

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
