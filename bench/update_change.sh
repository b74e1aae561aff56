#!/bin/bash
# update_change.sh — the cost and the result of an incremental update.
#
# Copies a corpus (default ../shared/corpus/laws) to a scratch folder,
# builds an index of it, then changes 10 files, deletes 5 and adds 5 (the
# same files every run: every 97th, 211th and 307th of the sorted list),
# and times `zhs index --update` against a full build of the changed
# corpus.  Then it checks that both give the same top 10 (ids and the
# six printed decimals of the scores; ties at the 10th score may differ)
# for the first 300 queries of cmrc2018_dev (or bench-like ones).
#
#   bash bench/update_change.sh [CORPUS] [ZHS]
#   ENGINE=xapian bash bench/update_change.sh ...   (the Xapian engine)
set -euo pipefail
SRC=${1:-../shared/corpus/laws}
ZHS=${2:-build/zhs}
ENGINE=${ENGINE:-native}
W=${TMPDIR:-/tmp}/zhs-update-change-$ENGINE
QUERIES=../shared/eval/cmrc2018_dev.queries.jsonl
rm -rf "$W"
mkdir -p "$W"
cp -r "$SRC" "$W/corpus"
now() { date +%s.%N; }

t0=$(now); "$ZHS" index -q --engine "$ENGINE" -o "$W/u.idx" "$W/corpus"; t1=$(now)
echo "full build: $(echo "$t1 - $t0" | bc) s"

mapfile -t files < <(cd "$W/corpus" && find . -type f \( -name '*.md' -o -name '*.txt' \) | LC_ALL=C sort)
n=${#files[@]}
for i in $(seq 0 9); do            # change 10: an article appended, a word replaced
    f="$W/corpus/${files[$(( (i * 97 + 13) % n ))]}"
    sed -i '0,/的/s//之/' "$f"
    printf '\n\n第九百九十九条 本条为更新测试新增，个人信息处理者应当履行告知义务（%d）。\n' "$i" >> "$f"
done
for i in $(seq 0 4); do            # delete 5
    rm -f "$W/corpus/${files[$(( (i * 211 + 101) % n ))]}"
done
for i in $(seq 0 4); do            # add 5: new files with others' text
    src="$W/corpus/${files[$(( (i * 307 + 7) % n ))]}"
    [ -f "$src" ] || src="$W/corpus/${files[$(( (i * 307 + 8) % n ))]}"
    { printf '# 新增测试文件%d\n\n' "$i"; cat "$src"; } > "$W/corpus/新增测试文件$i.md"
done

t2=$(now); "$ZHS" index -o "$W/u.idx" --update "$W/corpus"; t3=$(now)
"$ZHS" index -q --engine "$ENGINE" -o "$W/f.idx" "$W/corpus"; t4=$(now)
up=$(echo "$t3 - $t2" | bc); full=$(echo "$t4 - $t3" | bc)
echo "update: $up s; full build of the changed corpus: $full s; ratio $(echo "scale=2; 100 * $up / $full" | bc)%"
"$ZHS" check "$W/u.idx"

if [ -f "$QUERIES" ]; then
    python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    if i >= 300: break
    r = json.loads(l); print(r["qid"] + "\t" + r["query"].replace("\t", " "))' "$QUERIES" > "$W/q.txt"
else
    printf 'q%d\t%s\n' 1 '个人信息 处理者 告知' 2 '数据 安全 评估' 3 '"网络安全" 等级保护' 4 '+违约金 合同' \
        5 '行政处罚 听证' 6 '未成年人 网络 保护' > "$W/q.txt"
fi
"$ZHS" search "$W/u.idx" --queries "$W/q.txt" --format trec -k 10 > "$W/u.run" || true
"$ZHS" search "$W/f.idx" --queries "$W/q.txt" --format trec -k 10 > "$W/f.run" || true
python3 - "$W/u.run" "$W/f.run" <<'PY'
import collections, sys
def load(p):
    r = collections.defaultdict(list)
    for l in open(p):
        f = l.split()
        if len(f) >= 6: r[f[0]].append((f[2], f[4]))
    return r
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for q in sorted(set(a) | set(b)):
    x, y = a.get(q, []), b.get(q, [])
    last = x[-1][1] if x else None
    same = [s for _, s in x] == [s for _, s in y] and \
        {i for i, s in x if s != last} == {i for i, s in y if s != last}
    if not same:
        bad += 1
        if bad < 5: print("differs:", q, x[:2], y[:2])
print(f"top-10 of {len(set(a) | set(b))} queries: {bad} differ from the fresh build")
sys.exit(1 if bad else 0)
PY
