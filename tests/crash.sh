#!/usr/bin/env bash
# crash.sh — crash safety of 'zhs index': SIGKILL at random moments
# (builds, replacements, native updates and merges, Xapian updates).
#
# usage: bash tests/crash.sh PATH/TO/zhs SOURCE_DIR
#
# Two corpora are made from copies of SOURCE_DIR/corpus/sample: A (8
# copies) and B (12 copies, about 3 MB), each with a marker file naming its
# version.  After timing a build of B (with and without --ram 2), 'zhs
# index' is killed with SIGKILL after a random delay between 0 and 1.1 x
# that time:
#
#   fresh:   building B into a directory that does not exist (half the runs
#            with --ram 2, so that sorted runs are flushed to tmp-*/ and
#            merged).  After each kill the index is either absent, refused
#            cleanly as "not a zhsearch index" / "does not exist" (exit 2,
#            no crash), or complete: 'zhs check' passes and it holds B.
#            Then 'zhs index' into the same directory must succeed and leave
#            only LOCK, MANIFEST and the files of one generation.
#   replace: the index holds A or B; it is rebuilt with the other corpus and
#            killed.  After each kill 'zhs check' passes and the index is
#            exactly the old or the new version (passage count from 'zhs
#            stats' and the marker found by 'zhs search' agree on one of
#            them).  Every fifth trial, and at the end, a build runs to
#            completion and the directory must hold no tmp-* directory,
#            MANIFEST.tmp or file of another generation.
#
#   update:  --update of a corpus toggling between two states, killed; the
#            index is the old or the new state, 'zhs check' passes, and a
#            following --update finishes the job.
#   merge:   'zhs merge' of an index with several segments, killed; the
#            passages are the same, in the old segments or the merged one.
#
#   readers: 2 x 1000 'zhs stats' (ZHS_CRASH_READERS; 300 on a sanitizer
#            build) while the index is replaced in a loop: every open must
#            succeed (old or new version).
#
# ZHS_CRASH_KILLS (default 20) kills per scenario (ZHS_CRASH_XAPIAN_KILLS,
# default 8, for the Xapian updates).  Prints "ok"/"FAIL" per
# check, the kill moments, and "N passed, M failed"; exits 1 on a failure.
set -u

ZHS=${1:?usage: crash.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: crash.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
KILLS=${ZHS_CRASH_KILLS:-20}

[ -x "$ZHS" ] || { echo "crash.sh: $ZHS is not an executable: build first" >&2; exit 2; }
[ -d "$SRC/corpus/sample" ] || { echo "crash.sh: $SRC/corpus/sample is missing" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-crash.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# ---------------------------------------------------------------- corpora
mk_corpus() {   # DIR COPIES LETTER
  mkdir -p "$1"
  for i in $(seq 1 "$2"); do cp -r "$SRC/corpus/sample" "$1/copy$i"; done
  printf '# 版本%s\n\n版本标记：这是第%s版语料的标记段落。\n' "$3" "$3" > "$1/marker-$3.md"
}
mk_corpus "$TMP/A" 8 A
mk_corpus "$TMP/B" 12 B

now_ms() { date +%s%3N; }
passages() { "$ZHS" stats "$1" 2>/dev/null | awk '$1 == "passages" { print $2 }'; }
generation() { "$ZHS" stats "$1" 2>/dev/null | awk '$1 == "generation" { print $2 }'; }
marker() { "$ZHS" search -k 1 "$1" 版本标记 2>/dev/null | grep -o 'marker-[AB]' | head -1 | cut -c8; }

# Known versions.
"$ZHS" index -q -o "$TMP/ref-A" "$TMP/A" || { echo "crash.sh: cannot build A" >&2; exit 2; }
t0=$(now_ms)
"$ZHS" index -q -o "$TMP/ref-B" "$TMP/B" || { echo "crash.sh: cannot build B" >&2; exit 2; }
T=$(( $(now_ms) - t0 ))
t0=$(now_ms)
"$ZHS" index -q --ram 2 -o "$TMP/ref-B2" "$TMP/B" || { echo "crash.sh: cannot build B with --ram 2" >&2; exit 2; }
TR=$(( $(now_ms) - t0 ))
NA=$(passages "$TMP/ref-A")
NB=$(passages "$TMP/ref-B")
[ "$(marker "$TMP/ref-A")" = A ] && [ "$(marker "$TMP/ref-B")" = B ] && [ "$NA" != "$NB" ] ||
  { echo "crash.sh: the reference indexes are not as expected (A $NA, B $NB)" >&2; exit 2; }
echo "corpus A: $NA passages, corpus B: $NB passages ($(du -sh "$TMP/B" | cut -f1)); a build of B takes ${T} ms, ${TR} ms with --ram 2"
[ "$T" -lt 50 ] && T=50
[ "$TR" -lt 50 ] && TR=50

# A random delay in ms in [0, 1.1 x the build time] (--ram 2 builds: $TR).
rand_ms() { local t=$T; [ "${1:-}" = --ram ] && t=$TR; echo $(( (RANDOM * 32768 + RANDOM) % (t * 11 / 10 + 1) )); }

# kill_after DELAY_MS COMMAND...: starts the command (output to $TMP/out
# and $TMP/err), kills it with SIGKILL after the delay; sets $rc (137 when
# killed, else its exit).
kill_after() {
  local delay=$1
  shift
  "$@" >"$TMP/out" 2>"$TMP/err" &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
}
# run_and_kill DELAY_MS INDEX CORPUS [options]: 'zhs index' killed so.
run_and_kill() {
  local delay=$1 idx=$2 corpus=$3
  shift 3
  kill_after "$delay" "$ZHS" index -q "$@" -o "$idx" "$corpus"
}

# The directory holds one generation (its metadata and citation tables too) and nothing
# left over.
clean_dir() {   # INDEX DESCRIPTION
  local idx=$1 gen extra
  gen=$(generation "$idx")
  extra=$(cd "$idx" && ls -A | grep -v -x -e LOCK -e MANIFEST -e "g$gen.dict" -e "g$gen.post" -e "g$gen.pos" \
          -e "g$gen.len" -e "g$gen.store" -e "g$gen.meta" -e "g$gen.cite" -e "g$gen.files" | tr '\n' ' ')
  if [ -n "$gen" ] && [ -z "$extra" ]; then ok "$2: only generation $gen's files are left"
  else bad "$2: leftovers after a successful build (generation '$gen'): $extra"; fi
}

# An exit status that is not ours: a crash or a sanitizer report.
crashed() { [ "$1" -ne 0 ] && [ "$1" -ne 1 ] && [ "$1" -ne 2 ]; }

# ---------------------------------------------------------------- fresh
echo "--- fresh build of B killed at $KILLS random moments"
stats_absent=0; stats_refused=0; stats_complete=0
for i in $(seq 1 "$KILLS"); do
  idx="$TMP/fresh"
  rm -rf "$idx"
  ram=(); [ $((i % 2)) -eq 0 ] && ram=(--ram 2)
  d=$(rand_ms "${ram[@]}")
  run_and_kill "$d" "$idx" "$TMP/B" "${ram[@]}"
  what="fresh #$i (kill at ${d} ms${ram[*]:+, ${ram[*]}}, exit $rc)"
  if [ $rc -ne 137 ] && [ $rc -ne 0 ]; then bad "$what: zhs index failed by itself: $(head -c 300 "$TMP/err")"; continue; fi
  "$ZHS" check "$idx" >"$TMP/out" 2>"$TMP/err"
  crc=$?
  if [ ! -e "$idx/MANIFEST" ]; then
    if [ -d "$idx" ]; then state=refused; stats_refused=$((stats_refused + 1)); else state=absent; stats_absent=$((stats_absent + 1)); fi
    if [ $crc -eq 2 ] && grep -q -e 'not a zhsearch index' -e 'does not exist' "$TMP/err"; then
      ok "$what: no commit yet: index $state, 'zhs check' refuses it cleanly"
    else bad "$what: no MANIFEST: 'zhs check' exit $crc: $(head -c 300 "$TMP/err")"; fi
    "$ZHS" search "$idx" 数据 >/dev/null 2>"$TMP/err"
    src=$?
    if [ $src -eq 2 ] && ! crashed $src; then ok "$what: 'zhs search' refuses it (exit 2)"
    else bad "$what: 'zhs search' on an uncommitted index: exit $src $(head -c 200 "$TMP/err")"; fi
  else
    stats_complete=$((stats_complete + 1))
    if [ $crc -eq 0 ]; then ok "$what: committed: 'zhs check' passes"
    else bad "$what: committed index fails 'zhs check' (exit $crc): $(head -c 300 "$TMP/err")"; fi
    n=$(passages "$idx"); m=$(marker "$idx")
    if [ "$n" = "$NB" ] && [ "$m" = B ]; then ok "$what: holds version B ($n passages)"
    else bad "$what: holds '$n' passages, marker '$m' (B has $NB)"; fi
  fi
  # the interrupted build must not stand in the way of the next one
  "$ZHS" index -q -o "$idx" "$TMP/B" >"$TMP/out" 2>"$TMP/err"
  brc=$?
  if [ $brc -eq 0 ] && [ "$(passages "$idx")" = "$NB" ] && "$ZHS" check "$idx" >/dev/null 2>&1; then
    ok "$what: 'zhs index' into the same directory succeeds"
    clean_dir "$idx" "$what"
  else bad "$what: rebuilding after the kill: exit $brc: $(head -c 300 "$TMP/err")"; fi
done
echo "fresh: $stats_absent killed before the directory existed, $stats_refused before the first commit, $stats_complete after it"

# ---------------------------------------------------------------- replace
echo "--- replacing an existing index, killed at $KILLS random moments"
idx="$TMP/replace"
"$ZHS" index -q -o "$idx" "$TMP/A" || { bad "cannot build the first version"; }
cur=A
stats_old=0; stats_new=0
for i in $(seq 1 "$KILLS"); do
  if [ $cur = A ]; then next=B; else next=A; fi
  ram=(); [ $((i % 2)) -eq 0 ] && ram=(--ram 2)
  d=$(rand_ms "${ram[@]}")
  run_and_kill "$d" "$idx" "$TMP/$next" "${ram[@]}" --replace
  what="replace #$i ($cur -> $next, kill at ${d} ms${ram[*]:+, ${ram[*]}}, exit $rc)"
  if [ $rc -ne 137 ] && [ $rc -ne 0 ]; then bad "$what: zhs index failed by itself: $(head -c 300 "$TMP/err")"; continue; fi
  "$ZHS" check "$idx" >"$TMP/out" 2>"$TMP/err"
  crc=$?
  if [ $crc -eq 0 ]; then ok "$what: 'zhs check' passes"
  else bad "$what: 'zhs check' exit $crc: $(head -c 300 "$TMP/err")"; fi
  n=$(passages "$idx"); m=$(marker "$idx")
  if [ $cur = A ]; then nold=$NA; nnew=$NB; else nold=$NB; nnew=$NA; fi
  if [ "$n" = "$nold" ] && [ "$m" = $cur ]; then
    ok "$what: still the old version $cur ($n passages)"; stats_old=$((stats_old + 1))
  elif [ "$n" = "$nnew" ] && [ "$m" = $next ]; then
    ok "$what: the new version $next ($n passages)"; stats_new=$((stats_new + 1)); cur=$next
  else
    bad "$what: neither version: $n passages, marker '$m' (old $cur: $nold, new $next: $nnew)"
    # start again from a known state
    "$ZHS" index -q --replace -o "$idx" "$TMP/A" >/dev/null 2>&1; cur=A
  fi
  if [ $((i % 5)) -eq 0 ] || [ "$i" -eq "$KILLS" ]; then
    if [ $cur = A ]; then next=B; else next=A; fi
    if "$ZHS" index -q --replace -o "$idx" "$TMP/$next" >"$TMP/out" 2>"$TMP/err"; then
      cur=$next
      if [ "$(passages "$idx")" = "$( [ $cur = A ] && echo "$NA" || echo "$NB")" ] && [ "$(marker "$idx")" = $cur ]; then
        ok "replace #$i: a complete build afterwards gives version $cur"
      else bad "replace #$i: a complete build afterwards does not hold version $cur"; fi
      clean_dir "$idx" "replace #$i"
    else bad "replace #$i: a complete build afterwards failed: $(head -c 300 "$TMP/err")"; fi
  fi
done
echo "replace: $stats_old kills kept the old version, $stats_new gave the new one"

# ---------------------------------------------------------------- update
# The corpus U toggles between two states, X and Y (Y: 3 files changed, 2
# removed, 2 added, and a marker paragraph that X does not have); each trial
# runs 'zhs index --update' towards the other state and kills it.  After the
# kill the index is the old or the new state ('zhs check' passes, the
# passage count and the marker agree on one); a following --update finishes
# the job and leaves only files the MANIFEST names.
segments() { grep -c '^segment ' "$1/MANIFEST"; }
named_only() {  # INDEX DESCRIPTION: every file is LOCK, MANIFEST or named by it
  local idx=$1 gen extra=""
  gen=$(generation "$idx")
  for f in $(cd "$idx" && ls -A); do
    case $f in LOCK|MANIFEST|"g$gen.files"|"g$gen.meta"|"g$gen.cite"|"g$gen.userdict") continue ;; esac
    stem=${f%%.*}
    if grep -q -e "^segment $stem " -e "^segment .* $f\$" "$idx/MANIFEST"; then continue; fi
    extra="$extra $f"
  done
  if [ -z "$extra" ]; then ok "$2: only files the MANIFEST names are left"
  else bad "$2: files the MANIFEST does not name:$extra"; fi
}
mk_corpus "$TMP/UX" 6 U
cp -a "$TMP/UX" "$TMP/UY"
for f in copy1/regulations/澄海市个人信息保护条例.md copy2/news/*.txt copy3/faq.jsonl; do
  for g in "$TMP"/UY/$f; do printf '\n\n第九百条 更新标记：这是更新后的条款。\n' >> "$g"; break; done
done
rm -rf "$TMP/UY/copy4/scanned" "$TMP/UY/copy5/traditional"
cp -r "$SRC/corpus/sample/regulations" "$TMP/UY/added1"
printf '# 新增\n\n更新标记：新增的文件。\n' > "$TMP/UY/added2.md"
upd() { rm -rf "$TMP/U"; cp -a "$TMP/U$1" "$TMP/U"; }   # the corpus in state $1
umark() { "$ZHS" search -k 1 "$1" '"更新标记"' >/dev/null 2>&1 && echo Y || echo X; }
passages_of() { if [ "$1" = X ]; then echo "$NX"; else echo "$NY"; fi; }
# judge_update WHAT CUR NEXT INDEX: after an --update from state CUR to NEXT
# was killed, the index holds one whole state (counted in stats_old /
# stats_new), and a following --update finishes the job.
judge_update() {
  local what=$1 cur=$2 next=$3 idx=$4 n m
  n=$(passages "$idx"); m=$(umark "$idx")
  if [ "$n" = "$(passages_of "$cur")" ] && [ "$m" = "$cur" ]; then ok "$what: still $cur ($n passages)"; stats_old=$((stats_old + 1))
  elif [ "$n" = "$(passages_of "$next")" ] && [ "$m" = "$next" ]; then ok "$what: already $next ($n passages)"; stats_new=$((stats_new + 1))
  else bad "$what: neither state: $n passages, marker $m (old $(passages_of "$cur"), new $(passages_of "$next"))"; fi
  if "$ZHS" index -q --update -o "$idx" "$TMP/U" >"$TMP/out" 2>"$TMP/err" && [ "$(passages "$idx")" = "$(passages_of "$next")" ] &&
     [ "$(umark "$idx")" = "$next" ] && "$ZHS" check "$idx" >/dev/null 2>&1; then
    ok "$what: a following --update finishes the job"
  else bad "$what: the following --update: $(head -c 300 "$TMP/err")"; fi
}
upd X; "$ZHS" index -q -o "$TMP/refUX" "$TMP/U" || bad "update: cannot build X"
upd Y; "$ZHS" index -q -o "$TMP/refUY" "$TMP/U" || bad "update: cannot build Y"
NX=$(passages "$TMP/refUX"); NY=$(passages "$TMP/refUY")
idx="$TMP/update"
upd X; "$ZHS" index -q -o "$idx" "$TMP/U" || bad "update: cannot build the first version"
upd Y; t0=$(now_ms); "$ZHS" index -q --update -o "$idx" "$TMP/U" >/dev/null || bad "update: a first update failed"
TU=$(( $(now_ms) - t0 )); [ "$TU" -lt 30 ] && TU=30
echo "--- --update killed at $KILLS random moments (X: $NX passages, Y: $NY; an update takes ${TU} ms)"
cur=Y
stats_old=0; stats_new=0
for i in $(seq 1 "$KILLS"); do
  if [ $cur = X ]; then next=Y; else next=X; fi
  upd $next
  d=$(( (RANDOM * 32768 + RANDOM) % (TU * 11 / 10 + 1) ))
  run_and_kill "$d" "$idx" "$TMP/U" --update
  what="update #$i ($cur -> $next, kill at ${d} ms, exit $rc)"
  if [ $rc -ne 137 ] && [ $rc -ne 0 ]; then bad "$what: zhs index --update failed by itself: $(head -c 300 "$TMP/err")"; continue; fi
  if "$ZHS" check "$idx" >"$TMP/out" 2>"$TMP/err"; then ok "$what: 'zhs check' passes"
  else bad "$what: 'zhs check': $(head -c 300 "$TMP/err")"; fi
  judge_update "$what" $cur $next "$idx"
  cur=$next
  named_only "$idx" "$what"
done
echo "update: $stats_old kills kept the old state, $stats_new gave the new one; $(segments "$idx") segments"

# ---------------------------------------------------------------- merge
echo "--- zhs merge killed at $KILLS random moments"
t0=$(now_ms); "$ZHS" merge "$idx" >/dev/null || bad "merge: a first merge failed"
TM=$(( $(now_ms) - t0 )); [ "$TM" -lt 30 ] && TM=30
stats_old=0; stats_new=0
for i in $(seq 1 "$KILLS"); do
  # two updates: at least two segments to merge
  for s in X Y; do upd $s; "$ZHS" index -q --update -o "$idx" "$TMP/U" >/dev/null 2>&1; done
  cur=Y
  before=$(segments "$idx")
  d=$(( (RANDOM * 32768 + RANDOM) % (TM * 11 / 10 + 1) ))
  kill_after "$d" "$ZHS" merge "$idx"
  what="merge #$i ($before segments, kill at ${d} ms, exit $rc)"
  if [ $rc -ne 137 ] && [ $rc -ne 0 ]; then bad "$what: zhs merge failed by itself: $(head -c 300 "$TMP/err")"; continue; fi
  if "$ZHS" check "$idx" >"$TMP/out" 2>"$TMP/err"; then ok "$what: 'zhs check' passes"
  else bad "$what: 'zhs check': $(head -c 300 "$TMP/err")"; fi
  n=$(passages "$idx"); m=$(umark "$idx"); after=$(segments "$idx")
  if [ "$n" = "$NY" ] && [ "$m" = Y ] && { [ "$after" = "$before" ] || [ "$after" = 1 ]; }; then
    ok "$what: the same passages in $after segments"
    if [ "$after" = 1 ]; then stats_new=$((stats_new + 1)); else stats_old=$((stats_old + 1)); fi
  else bad "$what: $n passages (want $NY), marker $m, $after segments"; fi
  if "$ZHS" merge "$idx" >"$TMP/out" 2>"$TMP/err" && [ "$(segments "$idx")" = 1 ] && "$ZHS" check "$idx" >/dev/null 2>&1 &&
     "$ZHS" index -q --update -o "$idx" "$TMP/U" >/dev/null 2>&1 && [ "$(passages "$idx")" = "$NY" ]; then
    ok "$what: a following merge and --update finish the job"
  else bad "$what: the following merge: $(head -c 300 "$TMP/err")"; fi
  named_only "$idx" "$what"
done
echo "merge: $stats_old kills kept the segments, $stats_new gave the merged one"

# ---------------------------------------------------------------- xapian
# A one-shard Xapian index changes in place (docs/ENGINES.md): a kill
# before its Xapian commit leaves the old state, one after the MANIFEST the
# new; one inside the window between the two (a directory sync and a
# rename) leaves a database the readers refuse with a message naming the
# interruption.  Any other outcome (a mix, a damaged database, a crash) is
# a failure; so is a following --update that does not finish the job when
# the index was left readable.
XKILLS=${ZHS_CRASH_XAPIAN_KILLS:-8}
if "$ZHS" --version | grep -q xapian; then
  idx="$TMP/xupdate"
  upd X; "$ZHS" index -q --engine xapian -o "$idx" "$TMP/U" || bad "xapian: cannot build X"
  upd Y; t0=$(now_ms); "$ZHS" index -q --update -o "$idx" "$TMP/U" >/dev/null || bad "xapian: a first update failed"
  TX=$(( $(now_ms) - t0 )); [ "$TX" -lt 30 ] && TX=30
  echo "--- Xapian --update killed at $XKILLS random moments (an update takes ${TX} ms)"
  cur=Y; stats_old=0; stats_new=0; stats_window=0
  for i in $(seq 1 "$XKILLS"); do
    if [ $cur = X ]; then next=Y; else next=X; fi
    upd $next
    d=$(( (RANDOM * 32768 + RANDOM) % (TX * 11 / 10 + 1) ))
    kill_after "$d" "$ZHS" index -q --update -o "$idx" "$TMP/U"
    what="xapian update #$i ($cur -> $next, kill at ${d} ms, exit $rc)"
    if [ $rc -ne 137 ] && [ $rc -ne 0 ]; then bad "$what: failed by itself: $(head -c 300 "$TMP/err")"; continue; fi
    if "$ZHS" check "$idx" >"$TMP/out" 2>"$TMP/err"; then
      judge_update "$what" $cur $next "$idx"
    elif grep -q 'interrupted after its Xapian commit' "$TMP/err"; then
      ok "$what: killed between the two commits, refused with the message"; stats_window=$((stats_window + 1))
      "$ZHS" index -q --replace --engine xapian -o "$idx" "$TMP/U" >/dev/null 2>&1 &&
        [ "$(passages "$idx")" = "$(passages_of $next)" ] ||
        bad "$what: the rebuild afterwards failed"
    else bad "$what: 'zhs check': $(head -c 300 "$TMP/err")"; fi
    cur=$next
  done
  echo "xapian update: $stats_old kills kept the old state, $stats_new gave the new one, $stats_window fell between the commits"
else
  echo "--- no Xapian engine in this build: its update kills are skipped"
fi

# ---------------------------------------------------------------- readers
# Readers that open the index while it is being replaced must see the old or
# the new version, never an error: a reader that has read MANIFEST must still
# find that generation's files.  Two loops of 'zhs stats' (ZHS_CRASH_READERS
# opens each) run while two small corpora replace each other in a loop.
# read_during COUNT WHAT WHILE COMMAND...: two readers run the command
# COUNT times each while the background job $writer changes the index,
# then $writer is stopped; sets $failed (runs that did not exit 0).
read_during() {
  local count=$1 what=$2 while=$3
  shift 3
  for r in 1 2; do
    ( f=0
      for n in $(seq 1 "$count"); do
        "$@" >/dev/null 2>"$TMP/rerr$r"
        rc=$?
        if [ $rc -ne 0 ]; then
          f=$((f + 1))
          [ $f -le 2 ] && echo "     reader $r, $what #$n during $while: exit $rc: $(head -c 200 "$TMP/rerr$r")"
        fi
      done
      echo "$f" >"$TMP/readers-failed$r" ) &
    readers[$r]=$!
  done
  wait "${readers[1]}" "${readers[2]}"
  kill "$writer" 2>/dev/null
  wait "$writer" 2>/dev/null
  failed=$(( $(cat "$TMP/readers-failed1") + $(cat "$TMP/readers-failed2") ))
}

N=${ZHS_CRASH_READERS:-1000}
if ldd "$ZHS" 2>/dev/null | grep -q asan || grep -q -a __asan_init "$ZHS" 2>/dev/null; then N=${ZHS_CRASH_READERS:-300}; fi
echo "--- 2 x $N opens while the index is replaced again and again"
mkdir -p "$TMP/rA" "$TMP/rB"
cp "$SRC/corpus/sample/news/"*.txt "$TMP/rA/"
cp "$SRC/corpus/sample/traditional/"*.txt "$TMP/rB/"
idx="$TMP/readers"
"$ZHS" index -q -o "$idx" "$TMP/rA" || bad "readers: cannot build the first version"
( while :; do
    "$ZHS" index -q --replace -o "$idx" "$TMP/rB" >/dev/null 2>&1
    "$ZHS" index -q --replace -o "$idx" "$TMP/rA" >/dev/null 2>&1
  done ) &
writer=$!
read_during "$N" "open" "a replacement" "$ZHS" stats "$idx"
builds=$(generation "$idx")
if [ "$failed" -eq 0 ]; then ok "readers: $((2 * N)) opens during $builds replacements all succeeded"
else bad "readers: $failed of $((2 * N)) opens during $builds replacements failed (the old generation's files were removed under them)"; fi

# The same during updates and merges: readers that read the MANIFEST of
# one state must find its segments and deletion files, or retry on the new
# MANIFEST.  The writer toggles U between X and Y with --update (and a
# merge after each pair).
echo "--- 2 x $((N / 2)) searches while the index is updated and merged again and again"
idx="$TMP/update"
( while :; do
    for s in X Y; do
      rm -rf "$TMP/U.w"; cp -a "$TMP/U$s" "$TMP/U.w"; rm -rf "$TMP/U"; mv "$TMP/U.w" "$TMP/U"
      "$ZHS" index -q --update -o "$idx" "$TMP/U" >/dev/null 2>&1
    done
    "$ZHS" merge "$idx" >/dev/null 2>&1
  done ) &
writer=$!
read_during $((N / 2)) "search" "an update" "$ZHS" search -k 3 "$idx" "个人信息 处理者"
if [ "$failed" -eq 0 ]; then ok "readers: $N searches during updates and merges (to generation $(generation "$idx")) all succeeded"
else bad "readers: $failed of $N searches during updates and merges failed"; fi

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
