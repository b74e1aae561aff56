#!/bin/bash
# update_many.sh — N successive one-file updates (default 200) of a corpus
# copy (default ../shared/corpus/laws): the segment count after each, and
# at the end the index size and query time against the same index merged
# into one segment.
#
#   bash bench/update_many.sh [N] [CORPUS] [ZHS] [BASE_ZHS]
#
# Query time: 1000 cmrc2018_dev queries, top 10, one process per run
# (opening included), REPS runs (default 5) of the updated and the merged
# index interleaved so that load from other processes hits both alike;
# medians of wall and of CPU (user + sys) time.  BASE_ZHS: another binary
# timed in the same rounds on the same two indexes (old against new).
# REUSE=1 keeps the indexes of the previous run and only times them.
set -euo pipefail
N=${1:-200}
SRC=${2:-../shared/corpus/laws}
ZHS=${3:-build/zhs}
BASE=${4:-}
REPS=${REPS:-5}
W=${TMPDIR:-/tmp}/zhs-update-many
QUERIES=../shared/eval/cmrc2018_dev.queries.jsonl
if [ "${REUSE:-0}" != 1 ]; then
    rm -rf "$W"; mkdir -p "$W"; cp -r "$SRC" "$W/corpus"
    "$ZHS" index -q -o "$W/u.idx" "$W/corpus"
    mapfile -t files < <(cd "$W/corpus" && find . -type f -name '*.md' | LC_ALL=C sort)
    n=${#files[@]}
    maxseg=0; t0=$(date +%s.%N)
    for i in $(seq 1 "$N"); do
        f="$W/corpus/${files[$(( (i * 7919) % n ))]}"
        printf '\n\n第九百九十%d条 第%d次更新新增的条款。\n' "$((i % 10))" "$i" >> "$f"
        "$ZHS" index -q -o "$W/u.idx" --update "$W/corpus"
        s=$(grep -c '^segment ' "$W/u.idx/MANIFEST"); [ "$s" -gt "$maxseg" ] && maxseg=$s
    done
    t1=$(date +%s.%N)
    echo "$N updates in $(echo "$t1 - $t0" | bc) s; at most $maxseg segments, $(grep -c '^segment ' "$W/u.idx/MANIFEST") at the end"
    cp -r "$W/u.idx" "$W/m.idx"; "$ZHS" merge "$W/m.idx" >/dev/null
    echo "size: updated $(du -sb "$W/u.idx" | cut -f1) bytes, merged $(du -sb "$W/m.idx" | cut -f1) bytes"
fi
python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    if i >= 1000: break
    r = json.loads(l); print(r["qid"] + "\t" + r["query"].replace("\t", " "))' "$QUERIES" > "$W/q.txt"
bins="new=$ZHS"; [ -n "$BASE" ] && bins="$bins base=$BASE"
TIMEFORMAT='%R %U %S'
for rep in $(seq 1 "$REPS"); do
    for b in $bins; do
        for ix in u m; do
            t=$( { time "${b#*=}" search "$W/$ix.idx" --queries "$W/q.txt" --format trec -k 10 > "$W/${b%%=*}-$ix.run"; } 2>&1 )
            read -r wall user sys <<< "$t"
            echo "${b%%=*} $ix $wall $(echo "$user + $sys" | bc)"
        done
    done
done | tee "$W/times.txt" | awk -v reps="$REPS" '
    function median(k,   n, i, j, v, a) { n = split(k, a, " "); for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j] < a[j-1]; j--) { v = a[j]; a[j] = a[j-1]; a[j-1] = v }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { w[$1 " " $2] = w[$1 " " $2] " " $3; c[$1 " " $2] = c[$1 " " $2] " " $4; seen[$1] = 1 }
    END { for (b in seen) {
        wu = median(w[b " u"]); wm = median(w[b " m"]); cu = median(c[b " u"]); cm = median(c[b " m"])
        printf "%s: 1000 queries, top 10, median of %d: wall updated %.2f s, merged %.2f s (%.2fx); CPU updated %.2f s, merged %.2f s (%.2fx)\n",
            b, reps, wu, wm, wu / wm, cu, cm, cu / cm } }'
# Rank by rank, the same query and score (six decimals) on both indexes;
# with the proximity bonus and in plain BM25 (--proximity 0).
differ() {
    paste "$1" "$2" | awk '{ split($0, f, "\t"); split(f[1], x, " "); split(f[2], y, " "); if (x[1] != y[1] || x[5] != y[5]) n++ }
        END { printf "%d of %d", n, NR }'
}
for b in $bins; do
    "${b#*=}" search "$W/u.idx" --queries "$W/q.txt" --format trec -k 10 --proximity 0 > "$W/${b%%=*}-u0.run"
    "${b#*=}" search "$W/m.idx" --queries "$W/q.txt" --format trec -k 10 --proximity 0 > "$W/${b%%=*}-m0.run"
    echo "${b%%=*}: top-10 lines that differ in query or score, updated against merged: $(differ "$W/${b%%=*}-u.run" "$W/${b%%=*}-m.run"); plain BM25: $(differ "$W/${b%%=*}-u0.run" "$W/${b%%=*}-m0.run")"
done
