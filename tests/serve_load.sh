#!/usr/bin/env bash
# serve_load.sh — a wrk load test of 'zhs serve' on 127.0.0.1, bounded in
# time, asserting zero errors (non-2xx answers and socket errors).
#
# usage: bash tests/serve_load.sh PATH/TO/zhs SOURCE_DIR
#
# By default (CI): the sample index, 2 wrk threads, 32 connections, 5 s,
# then 5 s more while the index is rebuilt twice.  For the figures in
# bench/RESULTS.md, point it at a bigger index:
#   ZHS_LOAD_INDEX=/tmp/laws.idx ZHS_LOAD_CORPUS=../shared/corpus/laws \
#   ZHS_LOAD_SECONDS=30 bash tests/serve_load.sh build/zhs .
# ZHS_LOAD_INDEX is rebuilt from ZHS_LOAD_CORPUS during the second run
# (the same corpus, so the answers stay the same).  Also ZHS_LOAD_THREADS
# (wrk threads, 2), ZHS_LOAD_CONNECTIONS (32), ZHS_LOAD_SERVER_THREADS
# (zhs serve --threads, 2), ZHS_LOAD_QUERIES (tests/serve_queries.txt).
# Exits 77 when wrk is not installed (scripts/setup.sh installs it).
set -u

ZHS=${1:?usage: serve_load.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: serve_load.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
command -v wrk >/dev/null || { echo "serve_load.sh: skipped: wrk is not installed (apt-get install wrk; scripts/setup.sh does it)"; exit 77; }

SECS=${ZHS_LOAD_SECONDS:-5}
WT=${ZHS_LOAD_THREADS:-2}
CONN=${ZHS_LOAD_CONNECTIONS:-32}
ST=${ZHS_LOAD_SERVER_THREADS:-2}
QUERIES=${ZHS_LOAD_QUERIES:-$SRC/tests/serve_queries.txt}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-load.XXXXXX") || exit 2
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

if [ -n "${ZHS_LOAD_INDEX:-}" ]; then
    IDX=$ZHS_LOAD_INDEX
    CORPUS=${ZHS_LOAD_CORPUS:?ZHS_LOAD_CORPUS: the corpus ZHS_LOAD_INDEX was built from (rebuilt during the run)}
    [ -f "$IDX/MANIFEST" ] || "$ZHS" index -q -o "$IDX" "$CORPUS" >/dev/null || exit 2
else
    IDX="$TMP/idx"
    CORPUS="$SRC/corpus/sample"
    "$ZHS" index -q -o "$IDX" "$CORPUS" >/dev/null || exit 2
fi

"$ZHS" serve "$IDX" --port 0 --threads "$ST" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
PORT=
for _ in $(seq 1 300); do
    PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.out" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { echo "FAIL zhs serve did not start: $(cat "$TMP/serve.err")"; exit 1; }

fail=0
# run NAME: one wrk run; prints its RESULT line and checks for errors.
run() {
    local name=$1
    timeout $((SECS + 60)) wrk -t"$WT" -c"$CONN" -d"${SECS}s" --timeout 10s --latency \
        -s "$SRC/tests/serve_load.lua" "http://127.0.0.1:$PORT" -- "$QUERIES" 10 >"$TMP/$name.wrk" 2>&1
    local line
    line=$(grep '^RESULT' "$TMP/$name.wrk")
    if [ -z "$line" ]; then echo "FAIL $name: wrk gave no result: $(tail -5 "$TMP/$name.wrk")"; fail=1; return; fi
    echo "$name: ${line#RESULT }"
    local errs
    errs=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 ~ /^(non2xx|connect|read|write|timeout)$/ {s += $2} END {print s + 0}')
    local n
    n=$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')
    if [ "$errs" = 0 ] && [ "$n" -gt 0 ]; then echo "ok   $name: $n requests, zero errors"
    else echo "FAIL $name: $errs errors in $n requests"; fail=1; fi
}

echo "--- $WT wrk threads, $CONN connections, $SECS s, server --threads $ST, index $IDX"
run steady
gen0=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')

echo "--- the same while the index is rebuilt in place"
( end=$((SECONDS + SECS - 1)); n=0
  while [ $SECONDS -lt $end ] && [ $n -lt 20 ]; do
      "$ZHS" index -q -o "$IDX" "$CORPUS" >/dev/null 2>>"$TMP/index.err" && n=$((n + 1))
      sleep 1
  done; echo "$n" >"$TMP/rebuilds" ) &
BPID=$!
run replacing
wait "$BPID"
sleep 1
gen1=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
nb=$(cat "$TMP/rebuilds" 2>/dev/null || echo 0)
if [ "$nb" -ge 1 ] && [ "$gen1" -ge $((gen0 + nb)) ]; then echo "ok   $nb rebuilds during the run, generation $gen0 -> $gen1 served"
else echo "FAIL rebuilds: $nb, generation $gen0 -> $gen1"; fail=1; fi
if grep -qi 'sanitizer\|runtime error' "$TMP/serve.err"; then echo "FAIL sanitizer report: $(head -5 "$TMP/serve.err")"; fail=1; fi
exit $fail
