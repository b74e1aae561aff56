#!/usr/bin/env bash
# scale.sh — the scale series: the laws corpus at x1, x4 and x16 (bench/expand.py),
# each indexed by `zhs index` under /usr/bin/time -v (wall time, peak RSS) and
# then measured by `zhs bench --reuse` on those indexes (size, latency by type
# and mode, throughput on all cores, Lucene 8 when installed).  The results:
# WORK/scale.md (tables) and WORK/scale.svg (chart), by bench/scale_report.py.
#
# usage: bash bench/scale.sh [options]
#   --zhs PATH         the zhs program (default build/zhs; copy it first if you
#                      rebuild while this runs)
#   --corpus DIR       the x1 corpus (default ../shared/corpus/laws)
#   --work DIR         corpora, indexes, results (default /tmp/zhs-scale); an
#                      expanded corpus already there is reused when it was made
#                      by the same expand.py, source, factor and seed
#   --scales "1 4 16"  the multiples
#   --xapian-max N     build Xapian only up to xN (default: every scale)
#   --lucene-max N     run Lucene only up to xN (default: every scale)
#   --reps N --per-type N --seed N --threads N --quick   passed to zhs bench
#
# Indexes are rebuilt on every run (a run measures the build); the report
# covers every WORK/xN folder, also those of earlier runs; WORK/xN holds
# the bench's files, the /usr/bin/time reports and the load at the start.
# Above --xapian-max the bench runs with --no-xapian (native alone against
# Lucene); the folder is marked xapian.placeholder and the report leaves
# Xapian out at that scale.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZHS=$ROOT/build/zhs
SRC=$ROOT/../shared/corpus/laws
WORK=/tmp/zhs-scale
SCALES="1 4 16"
XMAX=999999
LMAX=999999
SEED=42
BENCH_OPTS=()

die() { echo "scale.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --zhs) ZHS=$2; shift 2 ;;
    --corpus) SRC=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --scales) SCALES=$2; shift 2 ;;
    --xapian-max) XMAX=$2; shift 2 ;;
    --lucene-max) LMAX=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --reps|--per-type|--threads) BENCH_OPTS+=("$1" "$2"); shift 2 ;;
    --quick) BENCH_OPTS+=("$1"); shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ -x "$ZHS" ] || die "$ZHS is not an executable: build first (cmake --build build) or give --zhs"
[ -d "$SRC" ] || die "the corpus $SRC is missing: give --corpus DIR"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
command -v python3 >/dev/null || die "python3 is needed"
"$ZHS" --version | grep -q xapian || die "$ZHS was built without Xapian; zhs bench needs it"
for x in $SCALES; do
  case $x in ''|*[!0-9]*|0) die "--scales: $x is not a positive whole number" ;; esac
done
ZHS=$(cd "$(dirname "$ZHS")" && pwd)/$(basename "$ZHS")
SRC=$(cd "$SRC" && pwd)
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# what an expanded corpus depends on: the expander's code, the source, the seed
expander_stamp() {
  echo "$(sha256sum "$ROOT/bench/expand.py" | cut -d' ' -f1) $SRC factor=$1 seed=$SEED"
}

# the corpus of multiple $1, expanded when missing or stale
corpus_for() {
  local x=$1 dir=$WORK/corpus-x$1
  if [ "$x" = 1 ]; then echo "$SRC"; return; fi
  if [ -f "$dir.stamp" ] && [ "$(cat "$dir.stamp")" = "$(expander_stamp "$x")" ]; then
    echo "scale.sh: reusing $dir" >&2
  else
    rm -rf "$dir" "$dir.stamp"
    echo "scale.sh: expanding $SRC x$x into $dir…" >&2
    python3 "$ROOT/bench/expand.py" "$SRC" "$dir" --factor "$x" --seed "$SEED" >&2
    expander_stamp "$x" >"$dir.stamp"
  fi
  echo "$dir"
}

# /usr/bin/time -v around a build; the report is kept in $1
timed() {
  local report=$1; shift
  /usr/bin/time -v -o "$report" "$@"
}

for x in $SCALES; do
  corpus=$(corpus_for "$x")
  w=$WORK/x$x
  rm -rf "$w"
  mkdir -p "$w"
  { date -u '+%Y-%m-%dT%H:%M:%SZ'; uptime; nproc; grep -m1 'model name' /proc/cpuinfo || true; } >"$w/machine.txt"
  echo "$corpus" >"$w/corpus.txt"
  find -L "$corpus" -type f \( -name '*.md' -o -name '*.txt' -o -name '*.jsonl' -o -name '*.gz' \) -printf '%s\n' |
    awk '{s += $1} END {print s + 0}' >"$w/corpus_bytes"
  echo "scale.sh: x$x: native index of $corpus ($(($(cat "$w/corpus_bytes") / 1000000)) MB)…" >&2
  timed "$w/native.time" "$ZHS" index -q -o "$w/native" "$corpus"
  peers=()      # which peers the bench leaves out at this scale
  [ "$x" -le "$LMAX" ] || peers=(--no-lucene)
  if [ "$x" -le "$XMAX" ]; then
    echo "scale.sh: x$x: xapian index…" >&2
    timed "$w/xapian.time" "$ZHS" index -q --engine xapian -o "$w/xapian" "$corpus"
  else
    peers+=(--no-xapian)
    echo "Xapian left out above x$XMAX (--xapian-max): zhs bench --no-xapian" >"$w/xapian.placeholder"
  fi
  echo "scale.sh: x$x: zhs bench…" >&2
  "$ZHS" bench --corpus "$corpus" --workdir "$w" --reuse --no-eval "${peers[@]}" --seed "$SEED" "${BENCH_OPTS[@]}" \
    --json "$w/bench.json" --svg "$w/bench.svg" >"$w/bench.txt" 2>"$w/bench.err" ||
    { tail -5 "$w/bench.err" >&2; die "zhs bench failed at x$x (log: $w/bench.err)"; }
  # Lucene's exported terms are as large as the corpus: not kept
  rm -f "$w/lucene-docs.txt"
done

python3 "$ROOT/bench/scale_report.py" "$WORK" --svg "$WORK/scale.svg" >"$WORK/scale.md"
cat "$WORK/scale.md"
echo "scale.sh: tables in $WORK/scale.md, chart in $WORK/scale.svg" >&2
