#!/usr/bin/env bash
# serve.sh — end-to-end tests of 'zhs serve' with curl, on 127.0.0.1 only.
#
# usage: bash tests/serve.sh PATH/TO/zhs SOURCE_DIR
#
# Starts the server on an index that does not exist yet (503), builds the
# sample index (the server picks it up), then checks every endpoint and
# error status: /, /health, /stats, /search (GET and POST, the same hits as
# 'zhs search --json', pagination, totals), /passages/N, /analyze,
# /explain (the total equals the search score), code-point offsets,
# 400/404/405/413 with JSON bodies, hostile requests, a slow client's
# timeout, and a run of concurrent requests while the index is replaced on
# disk three times (zero failures, the new versions served).
#
# Prints "ok ..." or "FAIL ..." per check and "N passed, M failed"; exits 1
# when anything failed.  Every wait and request loop is bounded in time.
set -u

ZHS=${1:?usage: serve.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: serve.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
SAMPLE="$SRC/corpus/sample"

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

[ -x "$ZHS" ] || { echo "serve.sh: $ZHS is not an executable: build first" >&2; exit 2; }
command -v curl >/dev/null || { echo "serve.sh: curl is needed (apt-get install curl; scripts/setup.sh installs it)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "serve.sh: python3 is needed (JSON checks)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-serve.XXXXXX") || exit 2
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export NO_COLOR=1
IDX="$TMP/idx"
OUT="$TMP/body"

# start_server LOGNAME ARGS...: starts zhs serve on a free port (--port 0)
# and sets PORT and SPID from its first line.
start_server() {
    local log=$1; shift
    "$ZHS" serve "$@" --port 0 >"$TMP/$log.out" 2>"$TMP/$log.err" &
    SPID=$!
    PIDS+=("$SPID")
    PORT=
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/$log.out" | head -1)
        [ -n "$PORT" ] && break
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
}

# req METHOD PATH [curl args...]: the body goes to $OUT, the status to $code.
req() {
    local m=$1 p=$2; shift 2
    code=$(curl -s -g -o "$OUT" -w '%{http_code}' --max-time 20 -X "$m" "$@" "http://127.0.0.1:$PORT$p")
}
py() { local s=$1; shift; python3 -c "$s" "$@" 2>"$TMP/pyerr"; }
pyerr() { tail -3 "$TMP/pyerr" | tr '\n' ' '; }
body() { head -c 300 "$OUT" | tr '\n' ' '; }

# The body is a JSON error whose status is the HTTP status and whose
# message is not empty.
is_error_json() {
    py '
import json, sys
d = json.load(open(sys.argv[1]))
e = d["error"]
assert e["status"] == int(sys.argv[2]), "error.status %r, HTTP %s" % (e["status"], sys.argv[2])
assert e["message"], "empty message"
' "$OUT" "$code"
}

# expect_error STATUS DESCRIPTION METHOD PATH [curl args...]; with
# SAYS=TEXT in the environment the message must hold TEXT too (a 400 for
# another reason would pass otherwise)
expect_error() {
    local want=$1 d=$2; shift 2
    req "$@"
    if [ "$code" = "$want" ] && is_error_json && { [ -z "${SAYS:-}" ] || grep -qF -- "$SAYS" "$OUT"; }; then
      ok "$d: $want, $(py 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["message"][:110])' "$OUT")"
    else bad "$d: expected $want with a JSON error${SAYS:+ saying '$SAYS'}; got $code: $(body) $(pyerr)"; fi
}

# =====================================================================
echo "--- before the index exists: 503"
start_server main "$IDX" --threads 3 --reload-ms 100
MAIN_PID=$SPID MAIN_PORT=$PORT
if [ -n "$PORT" ] && grep -q 'http://127.0.0.1:' "$TMP/main.out"; then ok "zhs serve listens on 127.0.0.1 (the default) port $PORT"
else bad "zhs serve did not start: $(cat "$TMP/main.out" "$TMP/main.err" | head -5)"; echo "$pass passed, $fail failed"; exit 1; fi
expect_error 503 "/health while the index cannot be opened" GET /health
expect_error 503 "/search while the index cannot be opened" GET "/search?q=数据"
req GET /
if [ "$code" = 200 ]; then ok "the page is served even without an index"; else bad "GET / without an index: $code"; fi

"$ZHS" index -q -o "$IDX" "$SAMPLE" >/dev/null 2>"$TMP/index.err" || bad "zhs index of the sample corpus failed: $(cat "$TMP/index.err")"
for _ in $(seq 1 100); do req GET /health; [ "$code" = 200 ] && break; sleep 0.1; done
if [ "$code" = 200 ]; then ok "the server opens the index once it is built (no restart): /health 200 $(body)"
else bad "after building the index /health still answers $code: $(body)"; fi

# =====================================================================
echo "--- /, /health, /stats"
req GET /
ctype=$(curl -s -o /dev/null -w '%{content_type}' --max-time 10 "http://127.0.0.1:$PORT/")
if [ "$code" = 200 ] && grep -q '<form' "$OUT" && grep -q 'id="q"' "$OUT" && [[ $ctype == text/html* ]]; then ok "GET / serves the search page (text/html, a form with the search box)"
else bad "GET /: $code $ctype"; fi
if grep -Eq '(src|href)="(https?:)?//' "$OUT"; then bad "the page loads something from outside"; else ok "the page loads nothing from outside (no external src/href)"; fi

req GET /stats
want=$("$ZHS" stats "$IDX" | awk '$1 == "passages" {print $2}')
if [ "$code" = 200 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["passages"] == int(sys.argv[2]), (d["passages"], sys.argv[2])
for k in ["engine", "generation", "analyzer", "terms", "tokens", "k1", "b", "server"]:
    assert k in d, k
' "$OUT" "$want"; then ok "/stats: $want passages as zhs stats says, engine, generation, analyzer, BM25 parameters, server counters"
else bad "/stats: $code $(body) $(pyerr)"; fi

# =====================================================================
echo "--- /search is 'zhs search --json'"
same_as_cli() {   # FILE_SERVER FILE_CLI OFFSET: hits equal, field by field and in order
    py '
import json, sys
s = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2])); off = int(sys.argv[3])
assert s["query"] == c["query"], (s["query"], c["query"])
ch = c["hits"][off:]
assert len(s["hits"]) == len(ch), "server %d hits, CLI %d" % (len(s["hits"]), len(ch))
for a, b in zip(s["hits"], ch):
    assert list(a.keys()) == list(b.keys()), (list(a.keys()), list(b.keys()))
    assert a == b, "hit %s differs: %r vs %r" % (a["rank"], {k: a[k] for k in a if a[k] != b[k]}, {k: b[k] for k in b if a[k] != b[k]})
' "$@"
}
for q in '个人信息 处理者' '人脸识别' '"个人信息保护" +同意 -未成年人' 'title:数据 安全' '個人資料' 'ＡＩ 治理'; do
    "$ZHS" search "$IDX" "$q" --json -k 10 >"$TMP/cli.json"
    enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")
    req GET "/search?q=$enc&k=10"
    if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli.json" 0; then ok "GET /search?q=$q: the same $(py 'import json,sys; print(len(json.load(open(sys.argv[1]))["hits"]))' "$OUT") hits, fields and order as zhs search --json"
    else bad "GET /search?q=$q differs from zhs search --json: $code $(pyerr)"; fi
done
# The issue's own example: raw UTF-8 in the URL, '+' for the space.
"$ZHS" search "$IDX" '个人信息 处理者' --json >"$TMP/cli.json"
req GET '/search?q=个人信息+处理者'
if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli.json" 0; then ok "curl '/search?q=个人信息+处理者' (raw UTF-8, + as space) returns what zhs search --json returns"
else bad "raw /search?q=个人信息+处理者: $code $(pyerr)"; fi
cp "$OUT" "$TMP/search1.json"

if py '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["query", "matches", "total", "offset", "k", "took_ms", "next_offset", "hits"]:
    assert k in d, "no " + k
assert d["total"]["relation"] in ("eq", "gte") and d["total"]["value"] >= len(d["hits"])
assert isinstance(d["took_ms"], float) and d["took_ms"] >= 0
' "$TMP/search1.json"; then ok "/search has took_ms, total {value, relation}, offset, k, next_offset"
else bad "/search top-level fields: $(pyerr)"; fi

if py '
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for h in d["hits"]:
    t = h["text"]; b = t.encode()
    assert len(h["highlights"]) == len(h["highlights_chars"])
    for (bs, be), (cs, ce) in zip(h["highlights"], h["highlights_chars"]):
        assert b[bs:be].decode() == t[cs:ce], (b[bs:be].decode(), t[cs:ce])
        n += 1
assert n > 0
print(n)
' "$TMP/search1.json" >"$TMP/n"; then ok "highlights (bytes) and highlights_chars (code points) select the same text ($(cat "$TMP/n") spans)"
else bad "highlight offsets: $(pyerr)"; fi

# pagination: page 2 of k=5 is hits 6..10 of k=10, with their ranks
"$ZHS" search "$IDX" '个人信息 处理者' --json -k 10 >"$TMP/cli.json"
req GET '/search?q=个人信息+处理者&k=5&offset=5'
if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli.json" 5 && py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["offset"] == 5 and d["k"] == 5 and d["hits"][0]["rank"] == 6, (d["offset"], d["k"], d["hits"][0]["rank"])
' "$OUT"; then ok "offset=5&k=5 gives hits 6..10 of the CLI's top 10, ranks 6..10"
else bad "pagination: $code $(pyerr)"; fi

# Versions and filters, as zhs search --all-versions / --filter / --group.
"$ZHS" search "$IDX" '个人信息 收集 同意' --json -k 10 --all-versions --filter category=regulations --group law >"$TMP/cli_meta.json"
req GET '/search?q=个人信息+收集+同意&k=10&all_versions=1&filter=category%3Dregulations&group=law'
if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli_meta.json" 0 && py '
import json, sys
d = json.load(open(sys.argv[1]))
hits = d["hits"]
assert hits and all(h["category"] == "regulations" for h in hits), [h["category"] for h in hits]
laws = [(h["title"], h["date"]) for h in hits]
assert len(laws) == len(set(laws)), laws
v = [h["version"] for h in hits if h["title"] == "澄海市个人信息保护条例"]
assert {x["date"] for x in v} == {"2023-09-26", "2019-01-01"}, v
assert all(x["versions"] == 2 and x["newest"] == (x["date"] == "2023-09-26") for x in v), v
' "$OUT"; then ok "all_versions, filter and group=law: what the CLI gives, both versions of 澄海市个人信息保护条例 marked"
else bad "versions and filters: $code $(body) $(pyerr)"; fi
req GET '/search?q=个人信息&filter=colour%3Dred'
if [ "$code" = 400 ] && grep -q 'colour=red' "$OUT"; then ok "an unknown filter key is a 400 naming it"
else bad "bad filter: $code $(body)"; fi

req GET '/search?q=个人信息&k=3&exact_total=1'
cnt=$("$ZHS" search "$IDX" '个人信息' --count | awk '{print $1}')
if [ "$code" = 200 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] == {"value": int(sys.argv[2]), "relation": "eq"}, (d["total"], sys.argv[2])
' "$OUT" "$cnt"; then ok "exact_total=1: total {value: $cnt, relation: eq} as zhs search --count"
else bad "exact_total: $code $(body) $(pyerr) (zhs search --count: $cnt)"; fi
req GET '/search?q=个人信息&count=1'
if [ "$code" = 200 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["hits"] == [] and d["total"] == {"value": int(sys.argv[2]), "relation": "eq"} and d["matches"] == d["total"], d
' "$OUT" "$cnt"; then ok "count=1: no hits, total {value: $cnt, relation: eq} as zhs search --count"
else bad "count=1: $code $(body) $(pyerr)"; fi
req GET '/search?q=%22人脸识别%22&k=100'
if [ "$code" = 200 ] && py '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["hits"]) < 100 and d["total"]["relation"] == "eq" and d["total"]["value"] == len(d["hits"]) and d["next_offset"] is None, d["total"]
' "$OUT"; then ok "fewer matches than k: the total is exact (eq) and there is no next page"
else bad "total when the page is not full: $(pyerr)"; fi

req POST /search -H 'Content-Type: application/json' --data-binary '{"q": "个人信息 处理者", "k": 5, "offset": 5}'
if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli.json" 5; then ok "POST /search with a JSON body gives the same hits as GET"
else bad "POST /search: $code $(body) $(pyerr)"; fi

# =====================================================================
echo "--- /passages, /analyze, /explain"
doc=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["hits"][0]["doc"])' "$TMP/search1.json")
req GET "/passages/$doc"
if [ "$code" = 200 ] && py '
import json, sys
p = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]))["hits"][0]
for k in ["doc", "id", "title", "heading", "label", "path", "line", "text",
          "date", "category", "status", "issuer"]:
    assert p[k] == h[k], (k, p[k], h[k])
for k in ["article", "extra"]:
    assert p.get(k) == h.get(k), (k, p.get(k), h.get(k))
assert p["chars"] == len(p["text"]) and p["bytes"] == len(p["text"].encode())
' "$OUT" "$TMP/search1.json"; then ok "/passages/$doc: the top hit's passage with its metadata, bytes and chars"
else bad "/passages/$doc: $code $(body) $(pyerr)"; fi

"$ZHS" analyze --json 'ＡＩ治理與個人資料保護 2024年' >"$TMP/an.json"
req GET "/analyze?text=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("ＡＩ治理與個人資料保護 2024年"))')"
if [ "$code" = 200 ] && py '
import json, sys
s = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
text = "ＡＩ治理與個人資料保護 2024年"
assert s["analyzer"] == c["analyzer"]
assert len(s["tokens"]) == len(c["tokens"]) > 0
for a, b in zip(s["tokens"], c["tokens"]):
    for k in ["token", "kind", "position", "start", "end", "original"]:
        assert a[k] == b[k], (k, a, b)
    assert text[a["start_char"]:a["end_char"]] == a["original"], a
' "$OUT" "$TMP/an.json"; then ok "/analyze: the tokens of zhs analyze --json, with start_char/end_char that slice the text"
else bad "/analyze: $code $(body) $(pyerr)"; fi

explain_ok() {  # FILE SEARCH_JSON: explanation of the top hit adds up to its score
    py '
import json, sys
e = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]))["hits"][0]
assert e["doc"] == h["doc"] and e["rank"] == 1, (e["doc"], e["rank"])
assert e["score"] == e["search_score"], ("explain total", e["score"], "search score", e["search_score"])
assert "%.6f" % e["score"] == "%.6f" % h["score"], (e["score"], h["score"])
total = 0.0
for t in e["terms"]:
    for k in ["term", "field", "idf", "tf", "tf_part", "score", "df", "qtf"]:
        assert k in t, k
    assert t["field"] in ("body", "title")
    total += t["score"]
assert abs(total - e["score"]) < 1e-9, (total, e["score"])
assert abs(e["length_norm"] - (1 - e["b"] + e["b"] * e["length"] / e["avglen"])) < 1e-12
' "$1" "$2"
}
req GET "/explain?q=个人信息+处理者&doc=$doc"
if [ "$code" = 200 ] && explain_ok "$OUT" "$TMP/search1.json"; then ok "/explain?doc=$doc: per-term idf, tf, length norm, field; the total equals the search score exactly"
else bad "/explain doc: $code $(body) $(pyerr)"; fi
id=$(py 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))["hits"][0]["id"]))' "$TMP/search1.json")
req GET "/explain?q=个人信息+处理者&id=$id"
if [ "$code" = 200 ] && explain_ok "$OUT" "$TMP/search1.json"; then ok "/explain?id=…: the same by the passage's id"
else bad "/explain id: $code $(body) $(pyerr)"; fi
"$ZHS" search "$IDX" 'title:个人信息 同意' --json -k 1 >"$TMP/cli-title.json"
req GET "/explain?q=title:个人信息+同意&doc=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["hits"][0]["doc"])' "$TMP/cli-title.json")"
if [ "$code" = 200 ] && explain_ok "$OUT" "$TMP/cli-title.json"; then ok "/explain with a title: filter adds up to the search score too"
else bad "/explain title: $code $(body) $(pyerr)"; fi
# a hit of an older version (all_versions=1) is explained with the same option
"$ZHS" search "$IDX" '个人信息 收集 title:澄海市个人信息保护条例' --all-versions --json -k 20 >"$TMP/cli-all.json"
old=$(py 'import json,sys
for h in json.load(open(sys.argv[1]))["hits"]:
    if h.get("version") and not h["version"]["newest"]: print(h["id"]); break' "$TMP/cli-all.json")
if [ -n "$old" ]; then
  req GET "/explain?q=个人信息+收集+title:澄海市个人信息保护条例&all_versions=true&id=$(py 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$old")"
  if [ "$code" = 200 ] && py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["rank"] is not None, d["rank"]' "$OUT"; then
    ok "/explain all_versions=true: an older version's hit has its rank"
  else bad "/explain all_versions: $code $(body) $(pyerr)"; fi
else bad "/explain all_versions: no older version among the CLI's hits"; fi

# =====================================================================
echo "--- errors are JSON with a status"
expect_error 400 "missing q" GET /search
expect_error 400 "empty q" GET '/search?q='
expect_error 400 "only excluded parts" GET '/search?q=-%E6%95%B0%E6%8D%AE'
expect_error 400 "query of only punctuation" GET '/search?q=%EF%BC%8C%E3%80%82'
expect_error 400 "k=0" GET '/search?q=数据&k=0'
expect_error 400 "k above the limit" GET '/search?q=数据&k=100000'
expect_error 400 "k not a number" GET '/search?q=数据&k=ten'
expect_error 400 "huge k" GET '/search?q=数据&k=99999999999999999999999999'
expect_error 400 "negative offset" GET '/search?q=数据&offset=-1'
expect_error 400 "offset past the window" GET '/search?q=数据&offset=10000'
expect_error 400 "b out of range" GET '/search?q=数据&b=2'
expect_error 400 "k1 not finite" GET '/search?q=数据&k1=nan'
expect_error 400 "misspelt parameter" GET '/search?q=数据&offest=10'
expect_error 400 "q given twice" GET '/search?q=数据&q=安全'
expect_error 400 "k in the URL and in the body" POST '/search?k=3' --data-binary '{"q":"数据","k":5}'
expect_error 400 "invalid UTF-8 in q" GET '/search?q=%C3%28%FF'
expect_error 400 "NUL in q" GET '/search?q=a%00b'
long=$(python3 -c 'print("数" * 2000)')
expect_error 400 "query over the length limit" GET "/search?q=$long"
expect_error 400 "too many parameters" GET "/search?q=x$(for i in $(seq 1 40); do printf '&k=%d' "$i"; done)"
expect_error 400 "POST body that is not JSON" POST /search --data-binary 'q=数据'
expect_error 400 "POST body with a bad k" POST /search --data-binary '{"q":"数据","k":"many"}'
expect_error 400 "POST body with an escaped NUL" POST /search --data-binary '{"q":"a\u0000b"}'
# everyday words: the statutes' wording is searched too, not with expand=false
req GET "/search?q=醉驾&k=1&exact_total=1"; m1=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["matches"]["value"])' "$OUT")
req GET "/search?q=醉驾&k=1&exact_total=1&expand=false"; m0=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["matches"]["value"])' "$OUT")
if [ "$code" = 200 ] && [ -n "$m1" ] && [ -n "$m0" ] && [ "$m1" -gt "$m0" ]; then ok "/search?q=醉驾 matches $m1 passages with the statutes' wording, $m0 with expand=false"
else bad "expand: matches '$m1' and '$m0' with expand=false ($code $(body))"; fi
SAYS='does not apply to /search' expect_error 400 "doc on /search (another endpoint's parameter)" GET "/search?q=数据&doc=5"
SAYS='does not apply to /analyze' expect_error 400 "k on /analyze" GET "/analyze?text=数据&k=3"
SAYS='does not apply to /explain' expect_error 400 "k on /explain" GET "/explain?q=数据&doc=1&k=5"
SAYS='does not apply to /health' expect_error 400 "q on /health" GET "/health?q=数据"
SAYS='per_group goes with group=law' expect_error 400 "per_group without group=law" GET "/search?q=数据&per_group=2"
SAYS='exclude each other' expect_error 400 "all_versions with as_of" GET "/search?q=数据&all_versions=1&as_of=2020-01-01"
SAYS='unknown parameter' expect_error 400 "POST body with a misspelt member (K)" POST /search --data-binary '{"q":"数据","K":3}'
SAYS='unknown parameter' expect_error 400 "POST body with an unknown member" POST /search --data-binary '{"q":"数据","foo":1}'
expect_error 400 "POST body with an object member" POST /search --data-binary '{"q":"数据","foo":{"x":1}}'
SAYS='not a JSON object' expect_error 400 "POST body with a null member" POST /search --data-binary '{"q":null}'
SAYS='given twice' expect_error 400 "POST body with a member given twice" POST /search --data-binary '{"q":"数据","q":"安全"}'
SAYS='not a JSON object' expect_error 400 "POST body with k in an array" POST /search --data-binary '{"q":"数据","k":[3]}'
SAYS='lone surrogate' expect_error 400 "POST body with a lone surrogate escape" POST /search --data-binary '{"q":"\ud800"}'
SAYS='not a JSON object' expect_error 400 "POST body with text after the object" POST /search --data-binary '{"q":"数据","k":3} trailing'
expect_error 400 "/analyze without text" GET /analyze
expect_error 400 "/explain without doc or id" GET '/explain?q=数据'
expect_error 400 "/explain with both doc and id" GET '/explain?q=数据&doc=1&id=x'
# proximity=0 is plain BM25, as zhs search --proximity 0
"$ZHS" search "$IDX" '个人信息 处理者' --json -k 10 --proximity 0 >"$TMP/cli0.json"
req GET '/search?q=个人信息+处理者&k=10&proximity=0'
if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli0.json" 0; then ok "/search proximity=0 gives what zhs search --proximity 0 gives"
else bad "/search proximity=0: $code $(pyerr)"; fi
expect_error 400 "proximity out of range" GET '/search?q=数据&proximity=-1'
# the absolute form of the request target (RFC 7230 5.3.2)
code=$(curl -s -o "$OUT" -w '%{http_code}' --max-time 10 --request-target "http://127.0.0.1:$PORT/health" "http://127.0.0.1:$PORT/" 2>/dev/null)
if [ "$code" = 200 ] && grep -q '"status"' "$OUT"; then ok "an absolute-form request line (GET http://host/health) is /health"
else bad "absolute-form request: $code $(body)"; fi
expect_error 404 "unknown path" GET /nope
expect_error 404 "a path outside (no file serving)" GET /../../etc/passwd
expect_error 404 "/passages/ past the end" GET /passages/999999
expect_error 404 "/passages/ of a non-number" GET /passages/abc
expect_error 404 "/explain of an id not among the hits" GET '/explain?q=数据&id=no-such-id'
expect_error 405 "DELETE /search" DELETE /search
expect_error 405 "POST /stats" POST /stats --data-binary '{}'
expect_error 405 "PUT /" PUT /
req DELETE /search
allow=$(curl -s -o /dev/null -D - -X DELETE --max-time 10 "http://127.0.0.1:$PORT/search" | tr -d '\r' | sed -n 's/^Allow: //Ip')
if [ "$allow" = "GET, HEAD, POST" ]; then ok "405 carries Allow: $allow"; else bad "405 Allow header: '$allow'"; fi
head -c 200000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
expect_error 413 "a 200 KB body (Content-Length)" POST /search --data-binary @"$TMP/big.json"
expect_error 413 "a 200 KB chunked body (no Content-Length)" POST /search -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big.json"

# =====================================================================
echo "--- hostile clients"
py '
import socket, sys, time
port = int(sys.argv[1])
junk = [b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n", b"GET /search?q=%zz%%% HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X-A: " + b"b" * 100000 + b"\r\n\r\n",
        b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        b"GET /search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", b"\xff" * 5000]
for j in junk:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(j)
        s.shutdown(socket.SHUT_WR)
        end = time.monotonic() + 5
        while time.monotonic() < end and s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
' "$PORT"
req GET /health
if [ "$code" = 200 ]; then ok "malformed HTTP, huge URLs and headers, bad Content-Length: the server is still up"
else bad "after hostile requests /health answers $code"; fi

# A slow client: the connection is closed after the idle timeout.
start_server slow "$IDX" --timeout 1
if py '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")   # never finishes its headers
t0 = time.monotonic()
data = s.recv(100)   # returns b"" (or a 408) when the server gives up
dt = time.monotonic() - t0
assert dt < 5, "still open after %.1f s" % dt
print("%.1f" % dt)
' "$PORT" >"$TMP/dt"; then ok "a client that stops sending is disconnected after the timeout (--timeout 1: $(cat "$TMP/dt") s)"
else bad "slow client: $(pyerr)"; fi
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
start_server nobind "$IDX" --bind localhost
if grep -q 'numeric IPv4 or IPv6' "$TMP/nobind.err"; then ok "--bind takes numeric addresses only: $(head -1 "$TMP/nobind.err")"
else bad "--bind localhost: $(cat "$TMP/nobind.err" "$TMP/nobind.out" | head -3)"; fi

# =====================================================================
echo "--- the index replaced during a run of requests"
PORT=$MAIN_PORT SPID=$MAIN_PID
gen0=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
rm -f "$TMP/stop"
python3 "$SRC/tests/tools/serve_hammer.py" "$PORT" "$TMP/stop" "$SRC/tests/serve_queries.txt" 4 90 200000 >"$TMP/hammer.out" 2>&1 &
HPID=$!
PIDS+=("$HPID")
sleep 0.5
rebuilt=0
for corpus in "$SAMPLE/regulations" "$SAMPLE" "$SAMPLE/regulations"; do
    "$ZHS" index -q --replace -o "$IDX" "$corpus" >/dev/null 2>>"$TMP/index.err" && rebuilt=$((rebuilt + 1))
    sleep 0.6
done
touch "$TMP/stop"
wait "$HPID"; hrc=$?
gen1=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/stats" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["generation"], d["passages"], d["server"]["reloads"])')
want=$("$ZHS" stats "$IDX" | awk '$1 == "passages" {print $2}')
if [ $hrc -eq 0 ]; then ok "3 replacements during concurrent requests: $(head -1 "$TMP/hammer.out")"
else bad "requests failed while the index was replaced: $(head -6 "$TMP/hammer.out" | tr '\n' ' ')"; fi
set -- $gen1
if [ "$rebuilt" = 3 ] && [ "$1" -ge $((gen0 + 3)) ] && [ "$2" = "$want" ] && [ "$3" -ge 3 ]; then
    ok "the server now serves the last version (generation $gen0 -> $1, $2 passages, $3 reloads)"
else bad "after 3 rebuilds: generation $gen0 -> ${1:-?}, passages ${2:-?} (want $want), reloads ${3:-?}, rebuilt $rebuilt"; fi

# The server survives its index disappearing and coming back.
rm -rf "$IDX"
req GET '/search?q=数据'
if [ "$code" = 200 ]; then ok "index directory removed: the open version still answers"
else bad "index removed: /search answers $code $(body)"; fi
"$ZHS" index -q --replace -o "$IDX" "$SAMPLE" >/dev/null 2>>"$TMP/index.err"
want=$("$ZHS" stats "$IDX" | awk '$1 == "passages" {print $2}')
for _ in $(seq 1 50); do
    got=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["passages"])' 2>/dev/null)
    [ "$got" = "$want" ] && break
    sleep 0.1
done
if [ "$got" = "$want" ]; then ok "rebuilt in place: the server switches to it ($want passages)"
else bad "after the index was rebuilt the server shows ${got:-nothing} passages, want $want"; fi

# =====================================================================
echo "--- a Xapian index (one database handle per thread)"
# After a deletion the passage numbers run past the live count: every hit's
# doc opens, the deleted passage does not.
DIDX="$TMP/didx"
cp -r "$IDX" "$DIDX"
last=$(( $("$ZHS" stats "$DIDX" | awk '$1 == "passages" {print $2}') - 1 ))
gone=$("$ZHS" search "$DIDX" '个人信息' -k 1 --format trec | awk '{print $3}')
gone_doc=$("$ZHS" search "$DIDX" '个人信息' -k 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["doc"])')
if "$ZHS" delete "$DIDX" "$gone" >/dev/null 2>>"$TMP/index.err"; then
    start_server deleted "$DIDX"
    req GET "/passages/$last"
    if [ "$code" = 200 ]; then ok "after a deletion, /passages/$last (the last number) opens"
    else bad "after a deletion, /passages/$last: $code $(body)"; fi
    req GET "/explain?q=个人信息&doc=$last"
    if [ "$code" = 200 ]; then ok "after a deletion, /explain of the last number works"
    else bad "after a deletion, /explain doc=$last: $code $(body)"; fi
    SAYS='deleted' expect_error 404 "after a deletion, /passages/ of the deleted passage" GET "/passages/$gone_doc"
    kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
else
    bad "zhs delete failed: $(tail -2 "$TMP/index.err")"
fi
PORT=$MAIN_PORT SPID=$MAIN_PID

XIDX="$TMP/xidx"
if ! "$ZHS" --version | grep -q xapian; then
    echo "skip the Xapian part: this zhs was built without the Xapian engine (ZHS_WITH_XAPIAN=OFF)"
elif "$ZHS" index -q --engine xapian -o "$XIDX" "$SAMPLE" >/dev/null 2>>"$TMP/index.err"; then
    start_server xapian "$XIDX" --threads 3 --reload-ms 100
    "$ZHS" search "$XIDX" '个人信息 处理者' --json -k 10 >"$TMP/cli.json"
    req GET '/search?q=个人信息+处理者&k=10'
    if [ "$code" = 200 ] && same_as_cli "$OUT" "$TMP/cli.json" 0; then ok "Xapian index: /search gives what zhs search --json gives"
    else bad "Xapian /search: $code $(pyerr)"; fi
    expect_error 400 "Xapian index: /explain says it needs a native index" GET '/explain?q=数据&doc=1'
    "$ZHS" index -q --replace --engine xapian -o "$XIDX" "$SAMPLE/regulations" >/dev/null 2>>"$TMP/index.err"
    want=$("$ZHS" stats "$XIDX" | awk '$1 == "passages" {print $2}')
    for _ in $(seq 1 50); do
        got=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["passages"])' 2>/dev/null)
        [ "$got" = "$want" ] && break
        sleep 0.1
    done
    if [ "$got" = "$want" ]; then ok "Xapian index rebuilt: the server switches to it ($want passages)"
    else bad "Xapian rebuild: the server shows ${got:-nothing} passages, want $want"; fi
    kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
else
    bad "zhs index --engine xapian failed: $(tail -2 "$TMP/index.err")"
fi
PORT=$MAIN_PORT SPID=$MAIN_PID

# SIGTERM while a request is being read: it is answered, then the server
# stops (a slow upload: the body comes at 1 KB/s, the signal after 1 s)
start_server drain "$IDX"
python3 -c 'import sys; sys.stdout.write("{\"q\":\"数据\",\"k\":3}" + " " * 3000)' >"$TMP/slow.json"
curl -s -o "$TMP/drain.out" -w '%{http_code}' --max-time 30 --limit-rate 1K -X POST \
     -H 'Content-Type: application/json' --data-binary @"$TMP/slow.json" \
     "http://127.0.0.1:$PORT/search" >"$TMP/drain.code" 2>/dev/null &
CURL=$!
sleep 1
kill -TERM "$SPID"
wait "$CURL"
for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
if [ "$(cat "$TMP/drain.code")" = 200 ] && grep -q '"hits"' "$TMP/drain.out" && ! kill -0 "$SPID" 2>/dev/null; then
    ok "SIGTERM during a request: it is answered (200), then the server stops"
else bad "SIGTERM during a request: HTTP $(cat "$TMP/drain.code"), $(head -c 200 "$TMP/drain.out"); server $(kill -0 "$SPID" 2>/dev/null && echo still running || echo stopped)"; fi
wait "$SPID" 2>/dev/null
PORT=$MAIN_PORT SPID=$MAIN_PID

# Stops cleanly on SIGTERM.
kill -TERM "$SPID"
for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SPID" 2>/dev/null; then bad "zhs serve did not stop within 5 s of SIGTERM"
else wait "$SPID"; rc=$?; if [ $rc -eq 0 ]; then ok "SIGTERM stops the server, exit 0"; else bad "exit $rc after SIGTERM"; fi; fi
if grep -qi 'sanitizer\|runtime error' "$TMP"/*.err; then bad "sanitizer reports: $(grep -il 'sanitizer\|runtime error' "$TMP"/*.err)"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
