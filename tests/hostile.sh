#!/usr/bin/env bash
# hostile.sh — 'zhs index' on corpora built to hurt it.
#
# usage: bash tests/hostile.sh PATH/TO/zhs SOURCE_DIR
#
# Each case builds an index under a time limit (a hang fails) and
# /usr/bin/time -v (peak RSS), and checks that it finishes — or skips what
# it cannot use, with a warning that says why — without crashing, and that
# memory stays within a bound proportional to the largest file:
#
#   one line       a 10 MB file of Chinese sentences without a line break
#                  (100 MB with ZHS_HOSTILE_FULL=1), and 5 MB of Han
#                  characters without any punctuation
#   huge record    a JSONL record whose text is 5 MB (20 MB full)
#   many files     5,000 tiny files in one directory (100,000 full, and
#                  then again with --ram 1)
#   deep nesting   200 nested directories, files at several depths
#   long paths     directories named with 200 bytes, 30 deep (paths over
#                  PATH_MAX)
#   symlinks       a loop to ".", a loop to "..", a two-link cycle, a
#                  dangling link, a link to /dev/zero named .md
#   special files  a FIFO named x.md inside the corpus and as an argument
#                  (must not block), a directory named x.md
#   bad content    invalid UTF-8, NUL bytes, an empty file, whitespace only,
#                  a file that is not gzip named .md.gz, a truncated .gz,
#                  JSONL lines that are not records
#   gzip bomb      (full only) 1.2 GB of text compressed into a small .md.gz
#   unreadable     chmod 000 (only when not running as root)
#
# Prints "ok"/"FAIL" per check, a table of the measured figures (seconds,
# peak RSS, passages), "N passed, M failed"; exits 1 on a failure.
set -u

ZHS=${1:?usage: hostile.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: hostile.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
FULL=${ZHS_HOSTILE_FULL:-0}
[ -x "$ZHS" ] || { echo "hostile.sh: $ZHS is not an executable: build first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "hostile.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }

if [ "$FULL" = 1 ]; then BIG_MB=100; REC_MB=20; NFILES=100000; LIMIT=1800
else BIG_MB=10; REC_MB=5; NFILES=5000; LIMIT=600; fi
# Sanitizer builds use about three times the memory and are slower.
SLOW=1
if ldd "$ZHS" 2>/dev/null | grep -q -e asan -e tsan || grep -q -a __asan_init "$ZHS" 2>/dev/null; then SLOW=3; fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-hostile.XXXXXX") || exit 2
cleanup() { chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export NO_COLOR=1

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
FIGURES=""

# index NAME [zhs index arguments...]: runs 'zhs index -o $TMP/idx-NAME ...'
# under the time limit; sets rc, secs, rss_mb; stdout in $TMP/NAME.out,
# stderr (warnings) in $TMP/NAME.err.
index() {
  local name=$1
  shift
  rm -rf "$TMP/idx-$name"
  /usr/bin/time -v -o "$TMP/$name.time" timeout -k 10 $((LIMIT * SLOW)) \
    "$ZHS" index -o "$TMP/idx-$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  rc=$?
  # a hang ends with timeout's 124 (or 137 after -k); a crash with 128 + signal
  rss_mb=$(( $(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/$name.time") / 1024 ))
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$TMP/$name.time")
  passages=$(awk '/^indexed / { for (i = 1; i <= NF; i++) if ($(i) ~ /^passages/) { print $(i - 1); exit } }' "$TMP/$name.out")
  FIGURES+=$(printf '\n  %-28s exit %-3s %10s  peak RSS %6s MB  %s passages' "$name" "$rc" "$secs" "$rss_mb" "${passages:-0}")
}

# expect_rc NAME WANT: the exit status, and never a crash or a timeout.
expect_rc() {
  if [ "$rc" -eq "$2" ]; then ok "$1: exit $rc"
  elif [ "$rc" -ge 124 ]; then bad "$1: killed, crashed or hung (exit $rc): $(tail -c 400 "$TMP/$1.err")"
  else bad "$1: exit $rc, expected $2: $(tail -c 400 "$TMP/$1.err")"; fi
}
# expect_warn NAME PATTERN DESCRIPTION
expect_warn() {
  if grep -q -e "$2" "$TMP/$1.err"; then ok "$1: $3"
  else bad "$1: $3: no warning matching '$2' in: $(head -c 400 "$TMP/$1.err")"; fi
}
# expect_rss NAME MAX_MB
expect_rss() {
  local max=$(( $2 * SLOW ))
  if [ "$rss_mb" -le "$max" ]; then ok "$1: peak RSS $rss_mb MB (bound $max MB)"
  else bad "$1: peak RSS $rss_mb MB over the bound of $max MB"; fi
}
# expect_hits NAME QUERY: the index passes 'zhs check' and the query finds something.
expect_hits() {
  if "$ZHS" check "$TMP/idx-$1" >/dev/null 2>"$TMP/check.err"; then ok "$1: 'zhs check' passes"
  else bad "$1: 'zhs check' fails: $(head -c 300 "$TMP/check.err")"; fi
  if "$ZHS" search -k 1 "$TMP/idx-$1" "$2" >"$TMP/search.out" 2>&1; then ok "$1: '$2' is found"
  else bad "$1: search '$2' finds nothing: $(head -c 300 "$TMP/search.out")"; fi
}

SENTENCE='个人信息处理者应当采取必要措施，保障所处理的个人信息的安全，防止未经授权的访问以及个人信息泄露、篡改、丢失。'
SENTENCE_BYTES=$(printf %s "$SENTENCE" | wc -c)
# line MB: MB megabytes of SENTENCE repeated, no line break, on stdout
line() { yes "$SENTENCE" | head -n $(( $1 * 1048576 / SENTENCE_BYTES )) | tr -d '\n'; }

# ---------------------------------------------------------------- one line
echo "--- one line of $BIG_MB MB"
mkdir -p "$TMP/line"
line "$BIG_MB" >"$TMP/line/line.txt"
size_mb=$(( $(stat -c %s "$TMP/line/line.txt") / 1048576 ))
index line "$TMP/line/line.txt"
expect_rc line 0
expect_rss line $(( 12 * size_mb + 300 ))
expect_hits line 个人信息泄露
LINE_RSS=$rss_mb LINE_SECS=$secs

echo "--- 5 MB of Han characters without punctuation or line break"
mkdir -p "$TMP/nopunct"
yes 数据安全个人信息保护网络空间治理 | head -n $(( 5 * 1048576 / 48 )) | tr -d '\n' >"$TMP/nopunct/han.md"
index nopunct "$TMP/nopunct/han.md"
expect_rc nopunct 0
expect_rss nopunct $(( 12 * 5 + 300 ))
expect_hits nopunct 网络空间治理

echo "--- a JSONL record with $REC_MB MB of text"
mkdir -p "$TMP/record"
{ printf '{"id":"huge","title":"巨大的记录","text":"'; line "$REC_MB"; printf '"}\n{"id":"small","text":"小记录"}\n'; } \
  >"$TMP/record/huge.jsonl"
index record "$TMP/record/huge.jsonl"
expect_rc record 0
# split into passages of at most 5,000 characters: bounded like the long line
expect_rss record $(( 12 * REC_MB + 300 ))
expect_hits record 小记录

# ---------------------------------------------------------------- many files
echo "--- $NFILES tiny files in one directory"
mkdir -p "$TMP/many"
( cd "$TMP/many" && for i in $(seq 1 "$NFILES"); do echo "第${i}号文件：数据安全。" >"f$i.txt"; done )
index many "$TMP/many"
expect_rc many 0
if [ "${passages:-0}" -eq "$NFILES" ]; then ok "many: $NFILES passages"; else bad "many: ${passages:-0} passages, expected $NFILES"; fi
expect_rss many 600
MANY_RSS=$rss_mb MANY_SECS=$secs
if [ "$FULL" = 1 ]; then
  echo "--- the same with --ram 1 (a small postings budget: many sorted runs to merge)"
  index many-ram1 --ram 1 "$TMP/many"
  expect_rc many-ram1 0
fi

# ---------------------------------------------------------------- nesting
echo "--- 200 nested directories"
d="$TMP/deep"
mkdir -p "$d"
for lvl in $(seq 1 200); do
  d="$d/d$lvl"
  mkdir "$d"
  case $lvl in 10|63|64|65|100|200) echo "深度${lvl}的文件：层级标记${lvl}。" >"$d/level$lvl.md" ;; esac
done
index deep "$TMP/deep"
expect_rc deep 0
expect_warn deep 'nested more than' "directories too deep are skipped with a warning"
expect_hits deep 层级标记10

echo "--- paths longer than PATH_MAX"
(
  cd "$TMP" && mkdir longpath && cd longpath && echo "浅层文件：路径标记。" >top.md
  name=$(printf 'n%.0s' $(seq 1 200))
  for i in $(seq 1 30); do mkdir "$name$i" && cd "$name$i" || exit 1; done
  echo "深层文件" >deep.md
) || bad "longpath: could not create the tree"
index longpath "$TMP/longpath"
expect_rc longpath 0
expect_warn longpath 'long\|ENAMETOOLONG\|cannot' "a path over PATH_MAX is skipped with a warning"
expect_hits longpath 路径标记

# ---------------------------------------------------------------- links
echo "--- symbolic links: loops, a cycle, a dangling link, /dev/zero"
mkdir -p "$TMP/links/sub"
echo "正常的文件：链接标记。" >"$TMP/links/sub/real.md"
ln -s . "$TMP/links/self"
ln -s .. "$TMP/links/sub/up"
ln -s cycle-b "$TMP/links/cycle-a.md"
ln -s cycle-a.md "$TMP/links/cycle-b"
ln -s /nonexistent/gone.md "$TMP/links/dangling.md"
ln -s /dev/zero "$TMP/links/zero.md"
index links "$TMP/links"
expect_rc links 0
expect_warn links 'loop' "the directory loops are skipped with a warning"
expect_warn links 'dangling.md' "the dangling link is skipped with a warning"
expect_warn links 'zero.md' "the link to /dev/zero is skipped with a warning"
expect_warn links 'cycle-a.md' "the link cycle is skipped with a warning"
if [ "${passages:-0}" -eq 1 ]; then ok "links: real.md read exactly once"; else bad "links: ${passages:-0} passages, expected 1"; fi
expect_hits links 链接标记

# ---------------------------------------------------------------- special files
echo "--- a FIFO and a directory named .md"
mkdir -p "$TMP/special/dir.md"
echo "目录里的文件：目录标记。" >"$TMP/special/dir.md/inner.md"
mkfifo "$TMP/special/pipe.md"
index special "$TMP/special"
expect_rc special 0
expect_warn special 'pipe.md.*not a regular file' "the FIFO is skipped, not read"
expect_hits special 目录标记
# the FIFO as the only argument: nothing to index, and no blocking
index fifo-arg "$TMP/special/pipe.md"
expect_rc fifo-arg 2
expect_warn fifo-arg 'not a regular file' "a FIFO given as the corpus is skipped"
expect_warn fifo-arg 'no passages' "and the run says that nothing was indexed"

# ---------------------------------------------------------------- content
echo "--- invalid UTF-8, NUL bytes, empty files, bad gzip"
mkdir -p "$TMP/content"
printf '无效\xff\xfe字节\xc3(测试\xe4\xb8：编码标记。\n\n\xed\xa0\x80代理\xf4\x90\x80\x80越界\n' >"$TMP/content/invalid.md"
printf '二进制\0文件\0' >"$TMP/content/nul.txt"
: >"$TMP/content/empty.md"
printf ' \n\t\n\xe3\x80\x80\n' >"$TMP/content/blank.txt"
printf 'this is not gzip data' >"$TMP/content/fake.md.gz"
for i in $(seq 1 3000); do echo "第${i}行：截断的压缩文件。"; done | gzip -c >"$TMP/full.gz"
head -c $(( $(stat -c %s "$TMP/full.gz") / 2 )) "$TMP/full.gz" >"$TMP/content/cut.md.gz"
printf '{"id":"ok","text":"正常记录"}\n{"id":\n[1,2]\n"just a string"\n{"text":123}\n' >"$TMP/content/mixed.jsonl"
printf '{"id":"dup","text":"重复编号甲"}\n{"id":"other","text":"别的"}\n{"id":"dup","text":"重复编号乙"}\n' >"$TMP/content/dup.jsonl"
printf '{"id":"other","text":"另一文件的重复编号"}\n' >"$TMP/content/dup2.jsonl"
index content "$TMP/content"
expect_rc content 0
expect_warn content 'nul.txt.*binary' "the file with NUL bytes is skipped as binary"
expect_warn content 'empty.md' "the empty file is skipped with a warning"
expect_warn content 'blank.txt' "the whitespace-only file is skipped with a warning"
expect_warn content 'fake.md.gz' "the file that is not gzip is skipped with a warning"
expect_warn content 'cut.md.gz' "the truncated gzip file is skipped with a warning"
if grep -q 'replaced [0-9]* invalid UTF-8' "$TMP/content.out"; then ok "content: invalid UTF-8 is replaced and counted"
else bad "content: no count of replaced invalid UTF-8 in: $(cat "$TMP/content.out")"; fi
expect_hits content 编码标记
expect_warn content 'invalid.md.*invalid UTF-8 sequences replaced' "the file with invalid UTF-8 is named in a warning"
expect_warn content 'dup.jsonl: line 3: id "dup" was given on line 1 too: both records are indexed' \
  "an id given twice in a JSONL file is named with both lines"
expect_warn content 'jsonl: line [12]: id "other" was given in .*dup2*\.jsonl (line [12]) too: both records are indexed' \
  "an id given again in another JSONL file is named with the file and line"
expect_hits content 重复编号乙

# Text in other encodings: GB18030/GBK is read as such, UTF-16 with or
# without a byte order mark too, each named in a warning; another 8-bit
# encoding keeps its ASCII, with a warning that says how to convert it.
echo "--- GBK, UTF-16 and Latin-1 text"
mkdir -p "$TMP/enc"
law='# 编码测试条例\n\n第一条 为了规范政务数据共享，制定本条例。\n\n第二条 本条例适用于本省行政区域内的政务数据共享工作，包括采集、归集与使用。\n\n第三条 编码测试条例自公布之日起施行。\n'
printf "$law" | sed 's/编码测试/国标编码/' | iconv -f UTF-8 -t GBK >"$TMP/enc/gbk.md"
printf "$law" | sed 's/编码测试/双字节编码/' | iconv -f UTF-8 -t UTF-16 >"$TMP/enc/u16bom.md"
printf "$law" | sed 's/编码测试/小端编码/' | iconv -f UTF-8 -t UTF-16LE >"$TMP/enc/u16le.txt"
printf "$law" | sed 's/编码测试/大端编码/' | iconv -f UTF-8 -t UTF-16BE >"$TMP/enc/u16be.md"
printf 'caf\xe9 na\xefve r\xe9sum\xe9 \xe0 la mode, d\xe9j\xe0 vu, fa\xe7ade, \xfcber latinmarker\n' >"$TMP/enc/latin1.txt"
# cut inside its last character (a truncated download): the rest is read
printf "$law" | sed 's/编码测试/截断编码/' | iconv -f UTF-8 -t GBK | head -c -2 >"$TMP/enc/gbkcut.md"
printf "$law" | sed 's/编码测试/奇数编码/' | iconv -f UTF-8 -t UTF-16 | head -c -1 >"$TMP/enc/u16cut.md"
# UTF-8 with a few Latin-1 bytes stays UTF-8 (read as GB18030 it was garbled)
printf 'Keyword \xe4\xb8\xad\xe6\x96\x87\xe6\xa0\x87\xe8\xae\xb0 caf\xe9 d\xe9j\xe0 na\xefve\n' >"$TMP/enc/mixed.txt"
index enc "$TMP/enc"
expect_rc enc 0
expect_warn enc 'gbk.md.*read as GB18030' "the GBK file is read as GB18030, with a warning"
expect_warn enc 'u16bom.md.*UTF-16 text' "the UTF-16 file with a byte order mark is read, with a warning"
expect_warn enc 'u16le.txt.*UTF-16LE' "the UTF-16LE file without a mark is read, with a warning"
expect_warn enc 'u16be.md.*UTF-16BE' "the UTF-16BE file without a mark is read, with a warning"
expect_warn enc 'latin1.txt.*not UTF-8 nor GB18030.*iconv' "the Latin-1 file is named, with how to convert it"
expect_hits enc '"国标编码条例"'
expect_hits enc '"双字节编码条例"'
expect_hits enc '"小端编码条例"'
expect_hits enc '"大端编码条例"'
expect_hits enc latinmarker
expect_warn enc 'gbkcut.md.*read as GB18030, its last character cut short' "the GBK file cut inside a character is read"
expect_hits enc '"截断编码条例"'
expect_hits enc '"奇数编码条例"'
expect_warn enc 'mixed.txt: 4 invalid UTF-8 sequences replaced' "UTF-8 with a few Latin-1 bytes stays UTF-8"
expect_hits enc '"中文标记"'
if grep -q 'read 6 files in another encoding than UTF-8' "$TMP/enc.out"; then ok "enc: the summary counts the 6 files read as GB18030 or UTF-16"
else bad "enc: no count of the files in another encoding in: $(cat "$TMP/enc.out")"; fi

if [ "$FULL" = 1 ]; then
  echo "--- a gzip bomb: 1.2 GB of text in a small .md.gz (over the 1 GiB file limit)"
  mkdir -p "$TMP/bomb"
  yes 数据安全个人信息保护 | head -c 1200000000 | gzip -1 >"$TMP/bomb/bomb.md.gz"
  echo "小文件：炸弹标记。" >"$TMP/bomb/small.md"
  echo "    bomb.md.gz is $(( $(stat -c %s "$TMP/bomb/bomb.md.gz") / 1024 )) KB"
  index bomb "$TMP/bomb"
  expect_rc bomb 0
  expect_warn bomb 'bomb.md.gz.*over' "the bomb is skipped at the limit with a warning"
  expect_rss bomb 2600
  BOMB_RSS=$rss_mb
fi

if [ "$(id -u)" != 0 ]; then
  echo "--- an unreadable file"
  mkdir -p "$TMP/unreadable"
  echo "可读文件：权限标记。" >"$TMP/unreadable/ok.md"
  echo "不可读" >"$TMP/unreadable/secret.md"
  chmod 000 "$TMP/unreadable/secret.md"
  index unreadable "$TMP/unreadable"
  expect_rc unreadable 0
  expect_warn unreadable 'secret.md' "the unreadable file is skipped with a warning"
else
  echo "--- (running as root: chmod 000 does not stop reading; the dangling link, FIFO and /dev/zero cases stand in)"
fi

echo
echo "figures (zhs index; $( [ "$FULL" = 1 ] && echo full || echo default) sizes$( [ $SLOW -gt 1 ] && echo ', sanitizer build'))":"$FIGURES"
echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
