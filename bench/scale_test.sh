#!/usr/bin/env bash
# scale_test.sh — the scale series' tools on the sample corpus.
#
# usage: bash bench/scale_test.sh PATH/TO/zhs SOURCE_DIR
#
# bench/expand.py: same seed -> same bytes, another seed -> other bytes; x00
# is the source; no new document is a copy of a source one; the result
# indexes; bad arguments are refused with a message.  bench/scale.sh: a
# small series (x1, x2, --quick) ends with a table of both scales and a
# well-formed SVG chart.
set -u

ZHS=${1:?usage: scale_test.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: scale_test.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
command -v python3 >/dev/null || { echo "scale_test.sh: python3 is needed" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-scale-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
SAMPLE=$SRC/corpus/sample
EXPAND="python3 $SRC/bench/expand.py"
fails=0
check() {   # check "what" command...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

$EXPAND "$SAMPLE" "$TMP/a" --factor 2 --seed 7 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
$EXPAND "$SAMPLE" "$TMP/b" --factor 2 --seed 7 2>/dev/null
$EXPAND "$SAMPLE" "$TMP/c" --factor 2 --seed 8 2>/dev/null
check "same seed, same bytes" diff -r "$TMP/a" "$TMP/b"
check "another seed, other bytes" bash -c "! diff -rq '$TMP/a/x01' '$TMP/c/x01' >/dev/null"
check "x00 is the source" diff -r "$SAMPLE" "$TMP/a/x00"

nsrc=$(find "$SAMPLE" -type f \( -name '*.md' -o -name '*.txt' -o -name '*.md.gz' -o -name '*.txt.gz' \) | wc -l)
nnew=$(find "$TMP/a/x01" -type f | wc -l)
check "one new document per source document ($nsrc)" test "$nnew" -eq "$nsrc"
find "$SAMPLE" -type f -exec sh -c 'case $1 in *.gz) gzip -dc "$1";; *) cat "$1";; esac | sha256sum' _ {} \; |
  cut -d' ' -f1 | sort >"$TMP/src.sums"
find "$TMP/a/x01" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort >"$TMP/new.sums"
check "no new document is a copy of a source document" test -z "$(comm -12 "$TMP/src.sums" "$TMP/new.sums")"
bytes_src=$(find "$SAMPLE" -type f \( -name '*.md' -o -name '*.txt' \) -exec cat {} + | wc -c)
bytes_new=$(find "$TMP/a/x01" -type f \( -name '*.md' -o -name '*.txt' \) -exec cat {} + | wc -c)
check "a copy is about the size of the source ($bytes_new vs $bytes_src bytes)" \
  test "$bytes_new" -gt $((bytes_src * 7 / 10)) -a "$bytes_new" -lt $((bytes_src * 13 / 10))

# the expanded corpus indexes, with about twice the passages
"$ZHS" index -q -o "$TMP/ix1" "$SAMPLE" && "$ZHS" index -q -o "$TMP/ix2" "$TMP/a"
p1=$("$ZHS" stats "$TMP/ix1" | awk '$1 == "passages" {print $2}')
p2=$("$ZHS" stats "$TMP/ix2" | awk '$1 == "passages" {print $2}')
check "x2 indexes with about twice the passages ($p1 -> $p2)" test "${p2:-0}" -gt $((${p1:-1} * 17 / 10))
check "a new title is found in x2 only" bash -c \
  "t=\$(sed -n 's/^# //p' \"\$(find '$TMP/a/x01/regulations' -name '*.md' | sort | head -1)\"); \
   [ -n \"\$t\" ] && ! grep -rqF \"\$t\" '$SAMPLE' && '$ZHS' search '$TMP/ix2' \"\$t\" | grep -qF \"\$t\""

# bad arguments: a message, no traceback, nothing written
check "--factor 1 is refused" bash -c "! $EXPAND '$SAMPLE' '$TMP/d' --factor 1 2>'$TMP/e1' && grep -q 'factor' '$TMP/e1' && ! [ -e '$TMP/d' ]"
check "a missing source is refused" bash -c "! $EXPAND '$TMP/none' '$TMP/d' --factor 2 2>'$TMP/e2' && grep -q 'not a folder' '$TMP/e2' && ! grep -q Traceback '$TMP/e2'"
check "a non-empty output is refused" bash -c "! $EXPAND '$SAMPLE' '$TMP/a' --factor 2 2>'$TMP/e3' && grep -q 'not empty' '$TMP/e3'"

# the series script end to end, small
if "$ZHS" --version | grep -q xapian; then
  bash "$SRC/bench/scale.sh" --zhs "$ZHS" --corpus "$SAMPLE" --work "$TMP/series" --scales "1 2" --quick \
    --xapian-max 1 --lucene-max 0 >"$TMP/series.out" 2>"$TMP/series.err"
  rc=$?
  check "scale.sh exits 0 (rc $rc)" test $rc -eq 0
  check "the table has both scales" bash -c "grep -q '^| x1 | .* | native |' '$TMP/series/scale.md' && grep -q '^| x2 | .* | native |' '$TMP/series/scale.md'"
  check "Xapian is left out above --xapian-max" bash -c "grep -q '^| x1 | .* | xapian |' '$TMP/series/scale.md' && ! grep -q '^| x2 | .* | xapian |' '$TMP/series/scale.md'"
  check "the chart is well-formed SVG" python3 -c "import sys, xml.etree.ElementTree as E; sys.exit(E.parse('$TMP/series/scale.svg').getroot().tag != '{http://www.w3.org/2000/svg}svg')"
  check "an unknown option is refused" bash -c "! bash '$SRC/bench/scale.sh' --bogus 2>'$TMP/e4' && grep -q 'unknown option' '$TMP/e4'"
else
  echo "skip scale.sh: this zhs was built without Xapian"
fi

[ $fails -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all checks passed"
