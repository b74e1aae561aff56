#!/bin/bash
# update_many.sh — N successive one-file updates (default 200) of a corpus
# copy (default ../shared/corpus/laws): the segment count after each, and
# at the end the index size and query time against the same index merged
# into one segment.
#
#   bash bench/update_many.sh [N] [CORPUS] [ZHS]
set -euo pipefail
N=${1:-200}
SRC=${2:-../shared/corpus/laws}
ZHS=${3:-build/zhs}
W=${TMPDIR:-/tmp}/zhs-update-many
QUERIES=../shared/eval/cmrc2018_dev.queries.jsonl
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
python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    if i >= 1000: break
    r = json.loads(l); print(r["qid"] + "\t" + r["query"].replace("\t", " "))' "$QUERIES" > "$W/q.txt"
for rep in 1 2 3; do
    for ix in u m; do
        a=$(date +%s.%N); "$ZHS" search "$W/$ix.idx" --queries "$W/q.txt" --format trec -k 10 > "$W/$ix.run"; b=$(date +%s.%N)
        echo "$ix $(echo "$b - $a" | bc)"
    done
done | awk '{ t[$1] = (t[$1] == "" || $2 < t[$1]) ? $2 : t[$1] } END {
    printf "1000 queries, top 10, best of 3: updated %.2f s, merged %.2f s (%.2fx)\n", t["u"], t["m"], t["u"] / t["m"] }'
