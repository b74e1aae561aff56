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
# damaged file, by 'zhs check'; 'zhs stats' or 'zhs search' (by turns) must
# either refuse it the same way (exit 2, naming the file) or, should they
# open it, not crash.  Then the same with the checksum repaired after the
# damage (tampering: see below), which must not crash or hang either.
# Last, a Xapian index with each table damaged must fail 'zhs check'.  Prints one line per failure, "N passed, M failed" at the end,
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
ncase=0
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
  # 'zhs stats' and 'zhs search' take turns (both open the index the same way)
  cmd=stats
  [ $((ncase % 2)) -eq 1 ] && cmd=search
  ncase=$((ncase + 1))
  for cmd in $cmd; do
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

basic=$((pass + fail))
echo "$basic cases of accidental damage; the damaged index opened (but check refused it) in $opened stats/search runs"

# ---------------------------------------------------------------- tampering
# Damage behind a repaired checksum: what a deliberately crafted index (or
# a bug in a writer) would look like.  The CRC can no longer help; the
# structural checks must.  'zhs check' and 'zhs search' must finish within
# the time limit without crashing; 'zhs check' may accept a change it cannot
# see (a score bound, an unused byte), but then every search must work.
if ! command -v python3 >/dev/null; then
  echo "(python3 missing: the tampering cases are left out)"
else
SLOW=1
if ldd "$ZHS" 2>/dev/null | grep -q asan || grep -q -a __asan_init "$ZHS" 2>/dev/null; then SLOW=5; fi
LIMIT=$((10 * SLOW))     # 'zhs check' of these indexes normally takes 0.2 s
cat >"$TMP/tamper.py" <<'PY'
import struct, sys, zlib

def footer(path):
    b = bytearray(open(path, 'rb').read())
    body = len(b) - 16
    b[body:body + 8] = struct.pack('<Q', body)
    b[body + 8:body + 12] = struct.pack('<I', zlib.crc32(bytes(b[:body])) & 0xffffffff)
    open(path, 'wb').write(b)

def manifest(path):
    b = open(path, 'rb').read()
    cut = b.rfind(b'\ncrc32 ') + 1
    open(path, 'wb').write(b[:cut] + b'crc32 %08x\n' % (zlib.crc32(b[:cut]) & 0xffffffff))

def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v, i

def dict_blocks(b):
    """a .dict file's block count, term count and block offsets: u32
    offsets when the trailer's width word is 4 (format 9), else u64"""
    tr = len(b) - 32
    nblocks, width, nterms = struct.unpack_from('<IIQ', b, tr)
    w, fmt = (4, '<I') if width == 4 else (8, '<Q')
    table = tr - nblocks * w
    return nblocks, nterms, [struct.unpack_from(fmt, b, table + w * k)[0] for k in range(nblocks)]

def inline_rest(b, i, f, cf):
    """past a ZHSDICT3 df-1 entry's fields after its cf: the doc, its
    positions (cf varints up to 64, else their .pos length), the bound;
    no shortest passage"""
    _, i = varint(b, i)
    if f & 2:
        for _ in range(cf if cf <= 64 else 1): _, i = varint(b, i)
    return i + (2 if f & 1 else 0)

def entry_head(b, i, key):
    """a ZHSDICT2/3 entry's key (its prefix shared with the previous key)
    and flag byte, df and cf: (key, flags, df, cf, the offset past cf)"""
    if b[i] == 0xF0:
        pre, i = varint(b, i + 1); sl, i = varint(b, i)
    else:
        pre, sl = b[i] >> 4, b[i] & 15; i += 1
    key = key[:pre] + b[i:i + sl]; i += sl
    f = b[i]; i += 1
    df = (f >> 3) + 1
    if f >> 3 == 31:
        x, i = varint(b, i); df += x
    cf = df
    if f & 4:
        x, i = varint(b, i); cf += x + 1
    return key, f, df, cf, i

def terms(path):
    """term -> (df, post_off, post_len, pos_off, pos_len) from a .dict file
    (docs/FORMAT.md: ZHSDICT1, ZHSDICT2 or ZHSDICT3 entries; a ZHSDICT3
    df-1 list is in its entry: post_len 0, and pos_len 0 when its
    positions are too)"""
    b = open(path, 'rb').read()
    v1 = b[:8] == b'ZHSDICT1'
    v3 = b[:8] == b'ZHSDICT3'
    nblocks, nterms, starts = dict_blocks(b)
    out, left = {}, nterms
    for i in starts:
        post, i = varint(b, i); pos, i = varint(b, i)
        key = b''
        for _ in range(min(16, left)):
            if v1:
                pre, i = varint(b, i); sl, i = varint(b, i)
                key = key[:pre] + b[i:i + sl]; i += sl
                df, i = varint(b, i); cf, i = varint(b, i); pl, i = varint(b, i); ql, i = varint(b, i)
                i += 4
                _, i = varint(b, i)
            else:
                key, f, df, cf, i = entry_head(b, i, key)
                if v3 and df == 1:
                    i = inline_rest(b, i, f, cf)
                    out[key] = (df, post, 0, pos, 0)
                    continue
                pl, i = varint(b, i)
                ql = 0
                if f & 2:
                    ql, i = varint(b, i)
                if f & 1:
                    i += 2
                if df > 1 and f & 4:
                    _, i = varint(b, i)
            _, i = varint(b, i)
            out[key] = (df, post, pl, pos, ql)
            post += pl; pos += ql
        left -= 16
    return out

def tfbomb(d, gen):
    """the first block of a term with many postings (and positions):
    term-frequency width 32, position-gap width 0.  Format 3 (docs/FORMAT.md):
    18-byte skip entries for a term with positions (u32 positions offset at
    14), blocks of PFOR groups (head, head, packed, packed; bit 7 of a head:
    exceptions follow).  The term is the largest whose first block has no
    exceptions in its tf head and position heads, so that each is one byte;
    its doc-gap head may have them (format 6, .post magic ZHSPOST3: count,
    width of the high parts, an index byte each, the high parts packed).
    Format 8 (ZHSPOST4) packs the skip table (format.h, zhs_skip_table);
    format 9 (ZHSPOST5) has it too, and blocks whose first byte has bit 6
    (unary or all-one tfs, no tf head), which this case passes over."""
    t = terms('%s/g%s.dict' % (d, gen))
    post = bytearray(open('%s/g%s.post' % (d, gen), 'rb').read())
    pos = bytearray(open('%s/g%s.pos' % (d, gen), 'rb').read())
    for key, (df, po, pl, qo, ql) in sorted(((k, v) for k, v in t.items() if v[4] > 0), key=lambda kv: -kv[1][2]):
        nb = (df + 127) // 128
        b0, p0 = po, qo
        if nb > 1 and post[:8] in (b'ZHSPOST4', b'ZHSPOST5'):
            # format 8's packed table (widths, seven varints, the columns):
            # the first block and its positions start right after it
            q, bits = po + 6, nb * sum(post[po:po + 6])
            for _ in range(7): _, q = varint(post, q)
            b0 = q + (bits + 7) // 8
        elif nb > 1:
            b0 = po + nb * 18 + struct.unpack_from('<I', post, po + 4)[0]
            p0 = qo + struct.unpack_from('<I', post, po + 14)[0]
        dh = 1
        if post[b0] & 0x40: continue
        if post[b0] & 0x80:
            if post[:8] not in (b'ZHSPOST3', b'ZHSPOST4', b'ZHSPOST5'): continue
            dh = 3 + post[b0 + 1] + (post[b0 + 1] * post[b0 + 2] + 7) // 8
        if (post[b0 + dh] | pos[p0] | pos[p0 + 1]) & 0x80: continue
        db, n = post[b0] & 0x7F, min(df, 128)
        tfs = b0 + dh + 1 + (n * db + 7) // 8
        if tfs + 4 * n > po + pl: continue
        break
    else:
        raise SystemExit('no term fits the tf-width case')
    post[b0 + dh] = 32
    pos[p0 + 1] = 0
    # every term frequency 2^32 - 1 (stored as tf - 1)
    post[tfs:tfs + 4 * n] = struct.pack('<I', 0xFFFFFFFE) * n
    open('%s/g%s.post' % (d, gen), 'wb').write(post)
    open('%s/g%s.pos' % (d, gen), 'wb').write(pos)
    footer('%s/g%s.post' % (d, gen)); footer('%s/g%s.pos' % (d, gen))
    print(key.decode('utf-8', 'replace'), df)

def lowtf(path):
    """a ZHSDICT2 entry whose stored largest tf (df > 1, cf > df: flag 4)
    is at least 2 says 1 instead, the CRC repaired: from format 7 the
    largest tf and shortest passage are the score bound of most terms, so
    such an entry would prune passages that belong in a top k"""
    b = bytearray(open(path, 'rb').read())
    if b[:8] not in (b'ZHSDICT2', b'ZHSDICT3'): raise SystemExit('not a ZHSDICT2 or ZHSDICT3 dictionary')
    nblocks, nterms, starts = dict_blocks(b)
    left = nterms
    for i in starts:
        _, i = varint(b, i); _, i = varint(b, i)
        key = b''
        for _ in range(min(16, left)):
            key, f, df, cf, i = entry_head(b, i, key)
            if b[:8] == b'ZHSDICT3' and df == 1:
                i = inline_rest(b, i, f, cf)
                continue
            _, i = varint(b, i)
            if f & 2: _, i = varint(b, i)
            if f & 1: i += 2
            if df > 1 and f & 4:
                at = i
                mt, i = varint(b, i)
                if 2 <= mt < 128:
                    b[at] = 1
                    open(path, 'wb').write(b)
                    footer(path)
                    print(key.decode('utf-8', 'replace'), df, mt)
                    return
            _, i = varint(b, i)
        left -= 16
    raise SystemExit('no entry with a stored largest tf of 2 to 127')

def unary(d, gen, how):
    """a single-block list whose tfs are in unary (format 9: bit 6 of the
    first byte, width field <= 32; docs/FORMAT.md): the area ends at the
    list's last byte, which holds the n-th 1 bit.  how = 'few': that bit
    cleared (n - 1 bits in the list); 'many': a 1 bit set past it in the
    same byte.  The checksum repaired."""
    t = terms('%s/g%s.dict' % (d, gen))
    post = bytearray(open('%s/g%s.post' % (d, gen), 'rb').read())
    if post[:8] != b'ZHSPOST5': raise SystemExit('not a format-9 .post')
    for key, (df, po, pl, qo, ql) in sorted(t.items(), key=lambda kv: -kv[1][0]):
        if df > 128 or pl < 2 or not post[po] & 0x40 or post[po] & 0x3F > 32: continue
        last = po + pl - 1
        top = post[last].bit_length() - 1
        if top < 0 or (how == 'many' and top == 7): continue
        if how == 'few': post[last] &= ~(1 << top) & 0xFF
        else: post[last] |= 1 << (top + 1)
        break
    else:
        raise SystemExit('no single-block list with unary tfs')
    open('%s/g%s.post' % (d, gen), 'wb').write(post)
    footer('%s/g%s.post' % (d, gen))
    print(key.decode('utf-8', 'replace'), df)

def inline_doc(path, ndocs):
    """a ZHSDICT3 df-1 entry (format 10) whose passage, a varint of the
    segment's widest, becomes the largest of that width (past the
    segment's ndocs passages), the CRC repaired: its reader must refuse
    it, not read a length past .len"""
    width = 1
    while (1 << (7 * width)) <= ndocs: width += 1
    b = bytearray(open(path, 'rb').read())
    if b[:8] != b'ZHSDICT3': raise SystemExit('not a ZHSDICT3 dictionary')
    nblocks, nterms, starts = dict_blocks(b)
    left = nterms
    for i in starts:
        _, i = varint(b, i); _, i = varint(b, i)
        key = b''
        for _ in range(min(16, left)):
            key, f, df, cf, i = entry_head(b, i, key)
            if df == 1:
                doc, j = varint(b, i)
                if j - i == width:
                    b[i:j] = bytes([0xFF] * (width - 1) + [0x7F])
                    open(path, 'wb').write(b)
                    footer(path)
                    print(key.decode('utf-8', 'replace'), doc)
                    return
                i = inline_rest(b, i, f, cf)
                continue
            _, i = varint(b, i)
            if f & 2: _, i = varint(b, i)
            if f & 1: i += 2
            if df > 1 and f & 4: _, i = varint(b, i)
            _, i = varint(b, i)
        left -= 16
    raise SystemExit('no inline entry with a passage of %d bytes' % width)

cmd = sys.argv[1]
if cmd == 'inline': inline_doc(sys.argv[2], int(sys.argv[3]))
elif cmd == 'lowtf': lowtf(sys.argv[2])
elif cmd == 'footer': footer(sys.argv[2])
elif cmd == 'manifest': manifest(sys.argv[2])
elif cmd == 'tfbomb': tfbomb(sys.argv[2], sys.argv[3])
elif cmd == 'unary': unary(sys.argv[2], sys.argv[3], sys.argv[4])
PY

tpass=0; tfail=0; taccepted=0
# tjudge DESCRIPTION: check and search under the time limit.
tjudge() {
  local what=$1 problems="" rc crc
  timeout -k 5 "$LIMIT" "$ZHS" check "$IDX" >"$TMP/out" 2>"$TMP/err"
  crc=$?
  if [ $crc -eq 124 ] || [ $crc -eq 137 ]; then problems+=" 'zhs check' still running after $LIMIT s (killed);"
  elif [ $crc -ne 0 ] && [ $crc -ne 2 ]; then problems+=" check exit $crc (crash?): $(head -c 200 "$TMP/err");"
  elif [ $crc -eq 0 ]; then taccepted=$((taccepted + 1)); fi
  for q in '个人信息 数据安全 -草案' '+"个人信息保护" title:条例'; do
    timeout -k 5 "$LIMIT" "$ZHS" search -k 20 "$IDX" "$q" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then problems+=" search '$q' still running after $LIMIT s (killed);"
    elif [ $rc -gt 2 ]; then problems+=" search '$q' exit $rc (crash?): $(head -c 200 "$TMP/err");"
    elif [ $crc -eq 0 ] && [ $rc -eq 2 ] && ! grep -q -e 'was built with analyzer' \
           -e 'records an analyzer this version does not know' "$TMP/err"; then
      # (a damaged analyzer name in MANIFEST is refused as another analyzer,
      # or as one this version cannot read: fine)
      problems+=" 'zhs check' passed but search '$q' fails: $(head -c 200 "$TMP/err");"
    fi
  done
  if [ -z "$problems" ]; then tpass=$((tpass + 1))
  else tfail=$((tfail + 1)); echo "FAIL tampered $what:$problems"; fi
}

for f in $FILES; do
  size=$(stat -c %s "$GOOD/$f")
  for k in $(seq 1 12); do
    if [ "$f" = MANIFEST ]; then off=$(( (RANDOM * 32768 + RANDOM) % (size - 15) ))
    else off=$(( 8 + (RANDOM * 32768 + RANDOM) % (size - 24) )); fi
    mask=${masks[$((k % ${#masks[@]}))]}
    flip "$IDX/$f" "$off" "$mask"
    if [ "$f" = MANIFEST ]; then python3 "$TMP/tamper.py" manifest "$IDX/$f"; else python3 "$TMP/tamper.py" footer "$IDX/$f"; fi
    tjudge "$f: byte $off XOR $(printf '0x%02x' "$mask"), checksum repaired"
    restore "$f"
  done
done
echo "tampering: $((tpass + tfail)) random flips behind a repaired checksum; 'zhs check' accepted $taccepted"

# An entry whose largest tf says less than its postings (CRC repaired):
# 'zhs check' must refuse it, whatever searches do with it.
if what=$(python3 "$TMP/tamper.py" lowtf "$IDX/g$gen.dict"); then
  "$ZHS" check "$IDX" >"$TMP/out" 2>"$TMP/err"; rc=$?
  if [ $rc -eq 2 ] && grep -q 'largest tf' "$TMP/err"; then
    tpass=$((tpass + 1)); echo "ok   stored largest tf lowered to 1 ($what): $(head -c 200 "$TMP/err")"
  else tfail=$((tfail + 1)); echo "FAIL stored largest tf lowered to 1 ($what): check exit $rc: $(head -c 200 "$TMP/err")"; fi
else
  tfail=$((tfail + 1)); echo "FAIL no dictionary entry to lower the largest tf of: $what"
fi
restore "g$gen.dict"

# An inline df-1 list (format 10) whose passage lies past the segment
# (CRC repaired): 'zhs check' must refuse it and searches must not crash.
ndocs=$(awk '$1 == "passages" { print $2 }' "$GOOD/MANIFEST")
if what=$(python3 "$TMP/tamper.py" inline "$IDX/g$gen.dict" "$ndocs"); then
  "$ZHS" check "$IDX" >"$TMP/out" 2>"$TMP/err"; rc=$?
  if [ $rc -eq 2 ] && grep -q 'outside the postings' "$TMP/err"; then
    tpass=$((tpass + 1)); echo "ok   inline passage out of range ($what): $(head -c 200 "$TMP/err")"
  else tfail=$((tfail + 1)); echo "FAIL inline passage out of range ($what): check exit $rc: $(head -c 200 "$TMP/err")"; fi
  tjudge "inline passage out of range ($what)"
else
  tfail=$((tfail + 1)); echo "FAIL no inline entry to damage: $what"
fi
restore "g$gen.dict"

# A unary tf area (format 9) with one 1 bit too few, or one too many in
# its last byte (CRC repaired): 'zhs check' must call the postings damaged
# and searches must not crash or hang.
for how in few many; do
  if what=$(python3 "$TMP/tamper.py" unary "$IDX" "$gen" $how); then
    "$ZHS" check "$IDX" >"$TMP/out" 2>"$TMP/err"; rc=$?
    if [ $rc -eq 2 ] && grep -q 'damaged' "$TMP/err"; then
      tpass=$((tpass + 1)); echo "ok   unary tfs with a 1 bit too $how ($what): $(head -c 200 "$TMP/err")"
    else tfail=$((tfail + 1)); echo "FAIL unary tfs with a 1 bit too $how ($what): check exit $rc: $(head -c 200 "$TMP/err")"; fi
    tjudge "g$gen.post: unary tfs of '$what' with a 1 bit too $how, checksum repaired"
  else
    tfail=$((tfail + 1)); echo "FAIL no unary list to damage ($how): $what"
  fi
  restore "g$gen.post"
done

# A term-frequency width of 32 bits with a position-gap width of 0: every
# posting of the block claims 2^32 - 1 positions, all "readable" from zero
# bytes of gaps.  Needs a term with a first block followed by 512 bytes of
# its own postings: an index of 12 copies of the sample corpus.
mkdir -p "$TMP/big"
for i in $(seq 1 12); do cp -r "$SRC/corpus/sample" "$TMP/big/copy$i"; done
rm -rf "$IDX"
if "$ZHS" index -q -o "$IDX" "$TMP/big" && term=$(python3 "$TMP/tamper.py" tfbomb "$IDX" "$gen"); then
  t0=$(date +%s)
  tjudge "g$gen.post + g$gen.pos: first block of '$term' with tf width 32 and gap width 0, checksums repaired"
  echo "tf-width bomb: 'zhs check' and 2 searches took $(( $(date +%s) - t0 )) s (limit $LIMIT s each)"
else
  tfail=$((tfail + 1)); echo "FAIL could not build the index for the tf-width case"
fi
pass=$((pass + tpass)); fail=$((fail + tfail))
fi

# A Xapian index: opening it reads only the version file, so 'zhs check'
# must run Xapian's own check to see a damaged B-tree.  Bytes flipped in
# the middle of each table, and a table cut in half, must make it fail
# (exit 2, naming the shard); the undamaged index must pass.  A table
# may hold unused blocks, so the flips hit every 8 KB block (Xapian's
# block size) past the first.
if "$ZHS" --version | grep -q xapian; then
  XG="$TMP/xgood"; XI="$TMP/xidx"
  if "$ZHS" index -q --engine xapian -o "$XG" "$SRC/corpus/sample" && "$ZHS" check "$XG" >/dev/null 2>&1; then
    xgen=$(awk '$1 == "generation" { print $2 }' "$XG/MANIFEST")
    for t in postlist position termlist docdata; do
      for how in flip cut; do
        rm -rf "$XI"; cp -a "$XG" "$XI"
        f="$XI/x$xgen-0/$t.glass"
        size=$(stat -c %s "$f")
        if [ $how = flip ]; then
          python3 -c 'import sys
p, n = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read())
for k in range(1, n // 8192):
    for o in range(k * 8192 + 100, k * 8192 + 132): b[o] ^= 0x55
open(p, "wb").write(b)' "$f" "$size"
        else
          truncate -s $((size / 2)) "$f"
        fi
        "$ZHS" check "$XI" >"$TMP/out" 2>"$TMP/err"; rc=$?
        if [ $rc -eq 2 ] && grep -q -F "x$xgen-0" "$TMP/err"; then pass=$((pass + 1))
        else fail=$((fail + 1)); echo "FAIL xapian $t.glass ($how): check exit $rc: $(head -c 200 "$TMP/err")"; fi
      done
    done
  else
    fail=$((fail + 1)); echo "FAIL the fresh Xapian index fails 'zhs check'"
  fi
else
  echo "corrupt.sh: this build has no Xapian engine: the Xapian cases are skipped"
fi

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
