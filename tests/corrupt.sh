#!/usr/bin/env bash
# corrupt.sh — every damaged index file is detected and named.
#
# usage: bash tests/corrupt.sh PATH/TO/zhs SOURCE_DIR
#
# Builds a native index of SOURCE_DIR/corpus/sample, then for each of its
# files (MANIFEST, g1.dict, g1.post, g1.pos, g1.len, g1.store) damages a
# copy of it, one case at a time:
#   - 30 byte flips: the first and last bytes, the magic, the footer
#     (length, CRC, "ZEND") and random offsets in between, each XORed
#     with a mask from 0x01 0x80 0xFF 0x55 0xAA 0x10 (never 0x20, which in
#     MANIFEST's hexadecimal crc32 line only changes a letter's case);
#   - truncation to 0 bytes, 1 byte, half the size and size - 1.
# Each case must be refused, with exit status 2 and a message naming the
# damaged file, by 'zhs check'; 'zhs stats' and 'zhs search' must either
# refuse it the same way (exit 2, naming the file) or, should they open it,
# not crash.  Prints one line per failure, "N passed, M failed" at the end,
# and exits 1 when anything failed.
set -u

ZHS=${1:?usage: corrupt.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: corrupt.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
[ -x "$ZHS" ] || { echo "corrupt.sh: $ZHS is not an executable: build first" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-corrupt.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1
IDX="$TMP/idx"
GOOD="$TMP/good"
"$ZHS" index -q -o "$GOOD" "$SRC/corpus/sample" || { echo "corrupt.sh: cannot build the index" >&2; exit 2; }
"$ZHS" check "$GOOD" >/dev/null || { echo "corrupt.sh: the fresh index fails 'zhs check'" >&2; exit 2; }
gen=$(awk '$1 == "generation" { print $2 }' "$GOOD/MANIFEST")
FILES="MANIFEST g$gen.dict g$gen.post g$gen.pos g$gen.len g$gen.store"

pass=0
fail=0
opened=0
RANDOM=20240601     # the same offsets every run

# restore FILE: the pristine copy of FILE (every case damages one file)
restore() { cp "$GOOD/$1" "$IDX/$1"; }
cp -a "$GOOD" "$IDX"

flip() {   # FILE OFFSET MASK
  local b nb
  b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
  nb=$(( b ^ $3 ))
  printf "\\$(printf '%03o' "$nb")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# judge FILE DESCRIPTION: runs the three commands on the damaged index.
judge() {
  local f=$1 what=$2 problems="" rc name
  name=$f
  "$ZHS" check "$IDX" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ $rc -ne 2 ]; then problems+=" check exit $rc;"
  elif ! grep -q -F "$name" "$TMP/err"; then problems+=" check message does not name $name: $(head -c 200 "$TMP/err");"; fi
  for cmd in stats search; do
    if [ $cmd = stats ]; then "$ZHS" stats "$IDX" >"$TMP/out" 2>"$TMP/err"
    else "$ZHS" search "$IDX" '个人信息 数据安全' >"$TMP/out" 2>"$TMP/err"; fi
    rc=$?
    if [ $rc -eq 2 ]; then
      grep -q -F "$name" "$TMP/err" || problems+=" $cmd refuses without naming $name: $(head -c 200 "$TMP/err");"
    elif [ $rc -eq 0 ] || [ $rc -eq 1 ]; then
      opened=$((opened + 1))
    else
      problems+=" $cmd exit $rc (crash?): $(head -c 200 "$TMP/err");"
    fi
  done
  if [ -z "$problems" ]; then pass=$((pass + 1))
  else fail=$((fail + 1)); echo "FAIL $what:$problems"; fi
}

masks=(1 128 255 85 170 16)
for f in $FILES; do
  size=$(stat -c %s "$GOOD/$f")
  # fixed offsets: first bytes, magic, footer, last byte
  offs="0 1 7 8"
  for o in 16 12 9 8 4 1; do [ $((size - o)) -ge 0 ] && offs+=" $((size - o))"; done
  # the rest at random (deterministic) offsets
  n=$(echo "$offs" | wc -w)
  while [ "$n" -lt 30 ]; do
    offs+=" $(( (RANDOM * 32768 + RANDOM) % size ))"
    n=$((n + 1))
  done
  k=0
  for off in $offs; do
    mask=${masks[$((k % ${#masks[@]}))]}
    k=$((k + 1))
    flip "$IDX/$f" "$off" "$mask"
    cmp -s "$IDX/$f" "$GOOD/$f" && { echo "corrupt.sh: flip did nothing at $f:$off" >&2; exit 2; }
    judge "$f" "$f: byte $off of $size XOR $(printf '0x%02x' "$mask")"
    restore "$f"
  done
  for len in 0 1 $((size / 2)) $((size - 1)); do
    truncate -s "$len" "$IDX/$f"
    judge "$f" "$f: truncated to $len of $size bytes"
    restore "$f"
  done
  echo "$f ($size bytes): 30 flips and 4 truncations done"
done

# a missing file is named too
for f in $FILES; do
  rm -f "$IDX/$f"
  judge "$f" "$f: missing"
  restore "$f"
done

echo
echo "$((pass + fail)) cases; the damaged index opened (but check refused it) in $opened stats/search runs"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
