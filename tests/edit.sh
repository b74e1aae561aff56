#!/usr/bin/env bash
# edit.sh — 'zhs add' and 'zhs delete', on a native and on a Xapian index:
# an index edited file by file gives the results of a fresh build of the
# same corpus; a JSONL record replaces the passage with its id; bad
# arguments change nothing.
#
# usage: bash tests/edit.sh PATH/TO/zhs SOURCE_DIR
set -u
ZHS=${1:?usage: edit.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: edit.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-edit.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
generation() { awk '$1 == "generation" { print $2 }' "$1/MANIFEST"; }
passages() { awk '$1 == "passages" { print $2 }' "$1/MANIFEST"; }

QUERIES="个人信息 处理者|人脸识别 公共场所|数据 分类 分级|单独同意|第八条|\"更新标记\"|医疗 健康 数据|罚款"
# same_as_fresh INDEX WHAT: top 10 ids and scores of every query equal
# those of a fresh build of $TMP/c (scores to 1e-5; passages of equal
# score in any order: 罚款 has a tie at rank 10 in an index without
# character terms, whose passages are shorter by them).
same_as_fresh() {
  rm -rf "$TMP/fresh"
  "$ZHS" index -q --engine "$ENGINE" -o "$TMP/fresh" "$TMP/c" || { bad "$2: cannot build the fresh index"; return; }
  local diff="" q
  IFS='|' read -r -a qs <<<"$QUERIES"
  for q in "${qs[@]}"; do
    "$ZHS" search -k 10 --format trec "$1" "$q" >"$TMP/a" 2>/dev/null
    "$ZHS" search -k 10 --format trec "$TMP/fresh" "$q" >"$TMP/b" 2>/dev/null
    python3 - "$TMP/a" "$TMP/b" <<'PY' || diff="$diff [$q]"
import sys
a = [l.split() for l in open(sys.argv[1])]
b = [l.split() for l in open(sys.argv[2])]
# passages of equal score rank by their numbers, which an update changes:
# at each score the same passages, but the lowest's tie may be cut at k
ok = len(a) == len(b) and all(abs(float(x[4]) - float(y[4])) < 1e-5 for x, y in zip(a, b))
last = a[-1][4] if a else None
ok = ok and all({x[2] for x in a if x[4] == s} == {y[2] for y in b if y[4] == s} for s in {x[4] for x in a} if s != last)
sys.exit(0 if ok else 1)
PY
  done
  if [ -z "$diff" ] && [ "$(passages "$1")" = "$(passages "$TMP/fresh")" ]; then
    ok "$ENGINE $2: $(passages "$1") passages, top 10 of 8 queries equal a fresh build"
  else bad "$2: differs from a fresh build:$diff ($(passages "$1") vs $(passages "$TMP/fresh") passages)"; fi
  "$ZHS" check "$1" >/dev/null 2>&1 || bad "$2: zhs check fails"
}

ENGINES=native
if "$ZHS" --version | grep -q xapian; then ENGINES="native xapian"
else echo "edit.sh: this build has no Xapian engine: its part is skipped"; fi
for ENGINE in $ENGINES; do
  echo "--- $ENGINE"
  rm -rf "$TMP/c" "$TMP/idx"
  cp -r "$SRC/corpus/sample" "$TMP/c"
  IDX="$TMP/idx"
  "$ZHS" index -q --engine $ENGINE -o "$IDX" "$TMP/c" || { echo "edit.sh: cannot build the $ENGINE index" >&2; exit 2; }

  # add: a changed file, a new one, an unchanged one (named, left alone)
  REG="$TMP/c/regulations/澄海市个人信息保护条例.md"
  printf '\n\n第九百条 更新标记：这是新增的条款。\n' >>"$REG"
  printf '# 新文件\n\n第一条 更新标记：新增文件的第一条。\n' >"$TMP/c/added.md"
  if out=$("$ZHS" add "$IDX" "$REG" "$TMP/c/added.md" "$TMP/c/faq.jsonl" 2>&1) &&
     grep -q '1 added, 1 changed, 0 deleted, 1 unchanged files' <<<"$out"; then ok "add: $out"
  else bad "add: $out"; fi
  same_as_fresh "$IDX" "after zhs add of a changed, a new and an unchanged file"

  # add a folder: every file below it
  mkdir -p "$TMP/c/newdir"
  printf '# 通知\n\n第一条 更新标记：文件夹里的文件。\n' >"$TMP/c/newdir/a.md"
  printf '新闻：更新标记出现在一条新闻里。\n' >"$TMP/c/newdir/b.txt"
  "$ZHS" add -q "$IDX" "$TMP/c/newdir" || bad "add of a folder failed"
  same_as_fresh "$IDX" "after zhs add of a folder"

  # delete a file that is gone from disk, by its path below the corpus
  rm "$TMP/c/added.md"
  "$ZHS" delete -q "$IDX" added.md || bad "delete of a removed file by its relative path failed"
  # and one that still exists, by its path (then removed from the corpus)
  "$ZHS" delete -q "$IDX" "$TMP/c/newdir/b.txt" && rm "$TMP/c/newdir/b.txt" || bad "delete by an existing path failed"
  same_as_fresh "$IDX" "after zhs delete of two files"

  # delete by id: that passage only
  ID='regulations/青禾省公共场所人脸识别技术应用管理规定.md#第八条'
  n0=$(passages "$IDX")
  if "$ZHS" delete -q "$IDX" "$ID" && [ "$(passages "$IDX")" = $((n0 - 1)) ] &&
     ! "$ZHS" search --json -k 100 "$IDX" '人脸识别' | grep -q -F "\"$ID\""; then
    ok "delete by id: $ID is gone, one passage fewer"
  else bad "delete by id: $ID ($(passages "$IDX") passages, had $n0)"; fi

  # a JSONL record replaces the passage with its id, wherever it was
  printf '{"id": "faq-001", "title": "替换", "text": "替换后的记录：更新标记。"}\n' >"$TMP/c/replace.jsonl"
  n0=$(passages "$IDX")
  "$ZHS" add -q "$IDX" "$TMP/c/replace.jsonl" || bad "add of a JSONL file failed"
  hits=$("$ZHS" search --json -k 100 "$IDX" '单独同意 替换后的记录' | python3 -c 'import json, sys
print(" ".join(h["title"] for h in json.load(sys.stdin)["hits"] if h["id"] == "faq-001"))')
  if [ "$hits" = "替换" ] && [ "$(passages "$IDX")" = "$n0" ]; then ok "a JSONL record replaces the passage with its id"
  else bad "JSONL replacement: faq-001 hits titled '$hits', $(passages "$IDX") passages (had $n0)"; fi

  # errors change nothing
  g=$(generation "$IDX")
  "$ZHS" delete "$IDX" 'no/such.md#1' "$ID" 2>"$TMP/err"; rc=$?
  if [ $rc = 2 ] && grep -q 'no/such.md#1' "$TMP/err" && [ "$(generation "$IDX")" = "$g" ]; then
    ok "delete of an unknown id: exit 2 naming it, index unchanged"
  else bad "delete of an unknown id: exit $rc, $(cat "$TMP/err")"; fi
  printf '# x\n\n外面的文件。\n' >"$TMP/outside.md"
  "$ZHS" add "$IDX" "$TMP/outside.md" 2>"$TMP/err"; rc=$?
  if [ $rc = 2 ] && grep -q 'outside the corpus' "$TMP/err" && [ "$(generation "$IDX")" = "$g" ]; then
    ok "add of a file outside the corpus: exit 2, index unchanged"
  else bad "add outside the corpus: exit $rc, $(cat "$TMP/err")"; fi
  "$ZHS" add "$IDX" "$TMP/no-such-file.md" 2>"$TMP/err"; rc=$?
  [ $rc = 2 ] && [ "$(generation "$IDX")" = "$g" ] && ok "add of a missing file: exit 2" || bad "add of a missing file: exit $rc"
  "$ZHS" add "$TMP/none" "$REG" 2>"$TMP/err"; rc=$?
  [ $rc = 2 ] && [ ! -e "$TMP/none" ] && ok "add to a missing index: exit 2, nothing created" || bad "add to a missing index: exit $rc"

  if [ $ENGINE = native ]; then
    # 'zhs merge' after passages deleted one by one (第八条 above; faq-001,
    # the first record of faq.jsonl, replaced from another file): the file
    # table follows the passages left (the merge refused the index when a
    # file's first passage was gone, and kept a file's range one passage
    # too long past a hole, so deleting the file later took its
    # neighbour's first passage too)
    n0=$(passages "$IDX")
    if "$ZHS" merge "$IDX" >/dev/null 2>"$TMP/err" && [ "$(passages "$IDX")" = "$n0" ] &&
       "$ZHS" check "$IDX" >/dev/null 2>&1; then ok "merge after deletes by id: $n0 passages, check passes"
    else bad "merge after deletes by id: $(cat "$TMP/err"), $(passages "$IDX") passages (had $n0)"; fi
    F="$TMP/c/regulations/青禾省公共场所人脸识别技术应用管理规定.md"
    mkdir -p "$TMP/one" && cp "$F" "$TMP/one/"
    "$ZHS" index -q -o "$TMP/oneidx" "$TMP/one" || bad "cannot index $F alone"
    nf=$(passages "$TMP/oneidx")
    "$ZHS" delete -q "$IDX" "$F" || bad "delete of $F after the merge failed"
    n1=$(passages "$IDX")
    if [ $((n0 - n1)) = $((nf - 1)) ]; then ok "after the merge, deleting the file takes its $((nf - 1)) passages left"
    else bad "after the merge, deleting the file took $((n0 - n1)) passages, not $((nf - 1))"; fi
  else
    # a Xapian index deletes in place: 'zhs merge' has nothing to do and
    # says so, exit 0 (a script that merges after each update runs on both)
    g=$(generation "$IDX")
    if "$ZHS" merge "$IDX" >"$TMP/out" 2>"$TMP/err" && grep -q 'nothing to merge' "$TMP/out" &&
       [ "$(generation "$IDX")" = "$g" ]; then ok "merge of a Xapian index: nothing to merge, exit 0"
    else bad "merge of a Xapian index: $(cat "$TMP/out" "$TMP/err")"; fi
  fi
done

# --update of a corpus that leaves no passage (an emptied or unmounted
# folder, or only empty files) is refused as a build of it is: the index
# keeps every passage and its generation.
echo "--- --update of a corpus without passages"
rm -rf "$TMP/u" "$TMP/u.idx"
mkdir -p "$TMP/u"
printf '# 甲条例\n\n第一条 苹果香蕉。\n' >"$TMP/u/a.md"
"$ZHS" index -q -o "$TMP/u.idx" "$TMP/u" || bad "--update setup: cannot build"
g0=$(generation "$TMP/u.idx")
rm "$TMP/u/a.md"
for what in "an empty folder" "a folder of empty files"; do
  [ "$what" = "a folder of empty files" ] && : >"$TMP/u/empty.md"
  "$ZHS" index -q --update -o "$TMP/u.idx" "$TMP/u" >"$TMP/out" 2>&1
  rc=$?
  if [ $rc = 2 ] && grep -q 'would delete every passage' "$TMP/out" && [ "$(generation "$TMP/u.idx")" = "$g0" ] &&
     [ "$(passages "$TMP/u.idx")" = 1 ] && "$ZHS" search "$TMP/u.idx" 苹果 >/dev/null 2>&1; then
    ok "--update of $what: refused (exit 2), the index unchanged"
  else bad "--update of $what: exit $rc, generation $(generation "$TMP/u.idx") (was $g0): $(cat "$TMP/out")"; fi
done
# a file replaced by another is an ordinary update: the old one's passages go
printf '# 乙条例\n\n第一条 葡萄。\n' >"$TMP/u/b.md"
if "$ZHS" index -q --update -o "$TMP/u.idx" "$TMP/u" && [ "$(passages "$TMP/u.idx")" = 1 ] &&
   "$ZHS" search "$TMP/u.idx" 葡萄 >/dev/null 2>&1 && ! "$ZHS" search "$TMP/u.idx" 苹果 >/dev/null 2>&1; then
  ok "--update after a file was replaced by another: its passages only"
else bad "--update after a file was replaced by another"; fi
# an update or an add that changes nothing publishes nothing: the same
# generation, so that a running server has nothing to reload
g1=$(generation "$TMP/u.idx")
if "$ZHS" index -q --update -o "$TMP/u.idx" "$TMP/u" && "$ZHS" add "$TMP/u.idx" "$TMP/u/b.md" >/dev/null &&
   [ "$(generation "$TMP/u.idx")" = "$g1" ] && "$ZHS" check "$TMP/u.idx" >/dev/null; then
  ok "--update and add of unchanged files: generation $g1 kept, the index checks"
else bad "--update and add of unchanged files: generation $(generation "$TMP/u.idx") (was $g1)"; fi
printf '# 乙条例\n\n第一条 葡萄西瓜。\n' >"$TMP/u/b.md"
if "$ZHS" add "$TMP/u.idx" "$TMP/u/b.md" >/dev/null && [ "$(generation "$TMP/u.idx")" -gt "$g1" ] &&
   "$ZHS" search "$TMP/u.idx" 西瓜 >/dev/null 2>&1; then
  ok "add of a changed file: a new generation"
else bad "add of a changed file: generation $(generation "$TMP/u.idx") (was $g1)"; fi

# An update that leaves out a root of a multi-root index would delete all
# that root's files as gone: refused, the index left as it was.  Naming a
# new root adds it; 'zhs delete IDX FOLDER' drops every file below a
# folder, and a root emptied so may then be left out of updates.
echo "--- --update and delete with several roots"
rm -rf "$TMP/m1" "$TMP/m2" "$TMP/m3" "$TMP/m.idx"
mkdir -p "$TMP/m1/sub" "$TMP/m2" "$TMP/m3"
printf '# 甲法\n\n第一条 苹果香蕉。\n' >"$TMP/m1/a.md"
printf '# 乙法\n\n第一条 橘子葡萄。\n' >"$TMP/m1/sub/b.md"
printf '# 乙法\n\n第二条 橘子柠檬。\n' >"$TMP/m1/sub/c.md"
printf '# 丙法\n\n第一条 西瓜草莓。\n' >"$TMP/m2/c.md"
printf '# 丁法\n\n第一条 桃子李子。\n' >"$TMP/m3/d.md"
"$ZHS" index -q -o "$TMP/m.idx" "$TMP/m1" "$TMP/m2" || bad "several roots: cannot build"
g0=$(generation "$TMP/m.idx")
"$ZHS" index -q --update -o "$TMP/m.idx" "$TMP/m2" >"$TMP/out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q "holds $TMP/m1, which this update does not name" "$TMP/out" && grep -q 'delete 3 files' "$TMP/out" &&
   [ "$(generation "$TMP/m.idx")" = "$g0" ] && [ "$(passages "$TMP/m.idx")" = 4 ]; then
  ok "--update leaving out a root: refused (exit 2), naming the root and its 3 files; the index unchanged"
else bad "--update leaving out a root: exit $rc, $(passages "$TMP/m.idx") passages: $(cat "$TMP/out")"; fi
if "$ZHS" index -q --update -o "$TMP/m.idx" "$TMP/m1" "$TMP/m2" "$TMP/m3" && [ "$(passages "$TMP/m.idx")" = 5 ] &&
   "$ZHS" search "$TMP/m.idx" 桃子 >/dev/null 2>&1; then ok "--update naming a new root adds its files"
else bad "--update naming a new root: $(passages "$TMP/m.idx") passages"; fi
"$ZHS" delete -q "$TMP/m.idx" "$TMP/m1/sub" 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/m.idx")" = 3 ] && ! "$ZHS" search "$TMP/m.idx" 橘子 >/dev/null 2>&1 &&
   "$ZHS" search "$TMP/m.idx" 苹果 >/dev/null 2>&1; then ok "delete of a folder: its 2 files go, the rest stays"
else bad "delete of a folder: exit $rc, $(passages "$TMP/m.idx") passages: $(cat "$TMP/err")"; fi
"$ZHS" delete -q "$TMP/m.idx" "$TMP/m3" 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/m.idx")" = 2 ] && ! "$ZHS" search "$TMP/m.idx" 桃子 >/dev/null 2>&1 &&
   "$ZHS" index -q --update -o "$TMP/m.idx" "$TMP/m1" "$TMP/m2" && [ "$(passages "$TMP/m.idx")" = 4 ]; then
  ok "delete of a root, then an update without it: the root is gone, the others updated"
else bad "delete of a root, then an update without it: exit $rc, $(passages "$TMP/m.idx") passages: $(cat "$TMP/err")"; fi
# a subfolder gone from disk, named as it was without a trailing '/'
mv "$TMP/m1/sub" "$TMP/sub.kept"
(cd "$TMP/m1" && "$ZHS" delete -q "$TMP/m.idx" sub) 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/m.idx")" = 2 ] && ! "$ZHS" search "$TMP/m.idx" 橘子 >/dev/null 2>&1 &&
   "$ZHS" search "$TMP/m.idx" 苹果 >/dev/null 2>&1; then ok "delete of a subfolder gone from disk, without its '/': its 2 files go"
else bad "delete of a subfolder gone from disk: exit $rc, $(passages "$TMP/m.idx") passages: $(cat "$TMP/err")"; fi
mv "$TMP/sub.kept" "$TMP/m1/sub"
"$ZHS" index -q --update -o "$TMP/m.idx" "$TMP/m1" "$TMP/m2" || bad "the subfolder back: update failed"
# a folder still on disk is never taken for an id that names nothing
g1=$(generation "$TMP/m.idx")
(cd "$TMP/m1" && "$ZHS" delete -q "$TMP/m.idx" sub#none) 2>"$TMP/err"; rc1=$?
(cd "$TMP" && "$ZHS" delete -q "$TMP/m.idx" sub) 2>>"$TMP/err"; rc2=$?
if [ $rc1 = 2 ] && [ $rc2 = 2 ] && grep -q 'names no file, folder or passage' "$TMP/err" &&
   grep -q 'is a folder: write sub/ to delete every file below it' "$TMP/err" &&
   [ "$(generation "$TMP/m.idx")" = "$g1" ] && "$ZHS" search "$TMP/m.idx" 橘子 >/dev/null 2>&1; then
  ok "delete of a name that is no file or id: refused while the folder of that name is on disk"
else bad "delete of a name beside a folder on disk: exit $rc1/$rc2: $(cat "$TMP/err")"; fi
"$ZHS" delete -q "$TMP/m.idx" "$TMP/m3" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -q 'names no file' "$TMP/err"; then ok "delete of an emptied root again: refused, nothing named"
else bad "delete of an emptied root again: exit $rc: $(cat "$TMP/err")"; fi
# Two roots whose folders have the same name: ids take as many parent
# folders as tell them apart (x/laws/a.md#第一条, y/laws/a.md#第一条), so
# deleting one passage by id leaves the other.
echo "--- two roots of the same folder name"
rm -rf "$TMP/x" "$TMP/y" "$TMP/xy.idx"
mkdir -p "$TMP/x/laws" "$TMP/y/laws"
printf '# 甲法\n\n第一条 同名目录标记。\n' >"$TMP/x/laws/a.md"
printf '# 乙法\n\n第一条 同名目录标记。\n' >"$TMP/y/laws/a.md"
"$ZHS" index -q -o "$TMP/xy.idx" "$TMP/x/laws" "$TMP/y/laws" || bad "two roots of one name: cannot build"
ids=$("$ZHS" search "$TMP/xy.idx" 同名目录标记 --json | python3 -c 'import json,sys; print(" ".join(sorted(h["id"] for h in json.load(sys.stdin)["hits"])))')
if [ "$ids" = "x/laws/a.md#第一条 y/laws/a.md#第一条" ]; then ok "two roots of one name: ids $ids"
else bad "two roots of one name: ids '$ids'"; fi
if "$ZHS" delete -q "$TMP/xy.idx" 'x/laws/a.md#第一条' && [ "$(passages "$TMP/xy.idx")" = 1 ]; then
  ok "two roots of one name: deleting one id leaves the other passage"
else bad "two roots of one name: delete by id left $(passages "$TMP/xy.idx") passages"; fi

# A new folder that would change the ids of the files already indexed is
# refused: one folder's ids have no folder name in front, several have.
"$ZHS" index -q -o "$TMP/one.idx" "$TMP/m1" || bad "one root: cannot build"
g0=$(generation "$TMP/one.idx")
"$ZHS" index -q --update -o "$TMP/one.idx" "$TMP/m1" "$TMP/m2" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -q 'would change the ids' "$TMP/err" && [ "$(generation "$TMP/one.idx")" = "$g0" ]; then
  ok "--update adding a folder to a one-folder index: refused (ids would change), the index unchanged"
else bad "--update adding a folder to a one-folder index: exit $rc: $(cat "$TMP/err")"; fi
mkdir -p "$TMP/other/m1" && printf '# 丙\n\n第一条 同名。\n' >"$TMP/other/m1/c.md"
"$ZHS" index -q --update -o "$TMP/m.idx" "$TMP/m1" "$TMP/m2" "$TMP/other/m1" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -q 'a folder of the same name' "$TMP/err"; then ok "--update adding a folder of a name already indexed: refused"
else bad "--update adding a folder of a name already indexed: exit $rc: $(cat "$TMP/err")"; fi

# several folders down to one: the ids would lose their folder's name
rm -rf "$TMP/d1" "$TMP/d2" "$TMP/d.idx" && mkdir -p "$TMP/d1" "$TMP/d2"
printf '# 甲法\n\n第一条 一。\n' >"$TMP/d1/a.md"; printf '# 乙法\n\n第一条 二。\n' >"$TMP/d2/b.md"
"$ZHS" index -q -o "$TMP/d.idx" "$TMP/d1" "$TMP/d2" && "$ZHS" delete -q "$TMP/d.idx" "$TMP/d2" || bad "two folders: setup"
"$ZHS" index -q --update -o "$TMP/d.idx" "$TMP/d1" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -q 'built from several folders' "$TMP/err"; then ok "--update of a two-folder index naming one folder: refused (ids would change)"
else bad "--update of a two-folder index naming one folder: exit $rc: $(cat "$TMP/err")"; fi

# A folder given twice, or inside another, is refused (its files would be
# indexed twice); a root gone from disk is deleted by the relative name it
# was built with.
"$ZHS" index -q -o "$TMP/ov.idx" "$TMP/m1" "$TMP/m1/sub" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -q 'is inside' "$TMP/err" && [ ! -e "$TMP/ov.idx" ]; then ok "a folder inside another: refused"
else bad "a folder inside another: exit $rc: $(cat "$TMP/err")"; fi
"$ZHS" index -q -o "$TMP/ov.idx" "$TMP/m1" "$TMP/m1/" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -q 'is given twice' "$TMP/err"; then ok "a folder given twice: refused"
else bad "a folder given twice: exit $rc: $(cat "$TMP/err")"; fi
rm -rf "$TMP/g" && mkdir -p "$TMP/g/ga" "$TMP/g/gb"
printf '# 甲法\n\n第一条 留下的目录。\n' >"$TMP/g/ga/a.md"
printf '# 乙法\n\n第一条 删除的目录。\n' >"$TMP/g/gb/b.md"
(cd "$TMP/g" && "$ZHS" index -q -o idx ga gb && rm -rf gb && "$ZHS" delete -q idx gb) 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/g/idx")" = 1 ]; then ok "delete of a root gone from disk, by its relative name"
else bad "delete of a root gone from disk: exit $rc, $(passages "$TMP/g/idx") passages: $(cat "$TMP/err")"; fi

# a folder of the corpus that is a symbolic link (followed by the walk: its
# files are recorded as linked/b.md): 'zhs add' and 'zhs delete' take its
# files by the path through the link, as the build named them
rm -rf "$TMP/ln" && mkdir -p "$TMP/ln/corpus/own" "$TMP/ln/shared"
printf '# 甲条例\n\n第一条 本地文件。\n' >"$TMP/ln/corpus/own/a.md"
printf '# 乙条例\n\n第一条 共享目录里的文件。\n' >"$TMP/ln/shared/b.md"
ln -s "$TMP/ln/shared" "$TMP/ln/corpus/linked"
(cd "$TMP/ln" && "$ZHS" index -q -o idx corpus) || bad "cannot index a corpus with a linked folder"
printf '\n第二条 共享目录里新加的条文。\n' >>"$TMP/ln/shared/b.md"
n0=$(passages "$TMP/ln/idx")
(cd "$TMP/ln" && "$ZHS" add -q idx corpus/linked/b.md) 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/ln/idx")" = $((n0 + 1)) ]; then ok "add of a file under a linked folder, by the link's path"
else bad "add under a linked folder: exit $rc, $(passages "$TMP/ln/idx") passages (had $n0): $(cat "$TMP/err")"; fi
printf '\n第三条 在链接的目录里加的条文。\n' >>"$TMP/ln/shared/b.md"
(cd "$TMP/ln/corpus/linked" && "$ZHS" add -q "$TMP/ln/idx" b.md) 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/ln/idx")" = $((n0 + 2)) ]; then ok "add from inside a linked folder, by the name there"
else bad "add inside a linked folder: exit $rc, $(passages "$TMP/ln/idx") passages (had $n0): $(cat "$TMP/err")"; fi
(cd "$TMP/ln" && "$ZHS" delete -q idx corpus/linked/b.md) 2>"$TMP/err"; rc=$?
if [ $rc = 0 ] && [ "$(passages "$TMP/ln/idx")" = 1 ]; then ok "delete of a file under a linked folder, by the link's path"
else bad "delete under a linked folder: exit $rc, $(passages "$TMP/ln/idx") passages: $(cat "$TMP/err")"; fi

# the day in force is its version's: deleting an article (which cuts the
# version's run of passages in two) leaves every other article's day
rm -rf "$TMP/df" && mkdir -p "$TMP/df/c/法律"
printf '# 未法\n\n第一条 股东出资期限不得超过五年。\n\n第二条 股东会由全体股东组成。\n\n第三条 董事会对股东会负责。\n\n第四条 本法自2024年7月1日起施行。\n' >"$TMP/df/c/法律/未法(2023-12-29).md"
"$ZHS" index -q -o "$TMP/df/i" "$TMP/df/c" || bad "cannot index the in-force corpus"
"$ZHS" delete -q "$TMP/df/i" '法律/未法(2023-12-29).md#第二条' 2>"$TMP/err" || bad "delete of 第二条: $(cat "$TMP/err")"
n=$("$ZHS" search "$TMP/df/i" 股东 --filter 'effective>=2024-07-01' --count 2>/dev/null | awk '{print $1}')
day=$("$ZHS" search "$TMP/df/i" 出资期限 --json -k 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["version"]["in_force"])')
if [ "$n" = 2 ] && [ "$day" = 2024-07-01 ]; then ok "after deleting an article, the others keep their version's day in force"
else bad "day in force after a delete: $n passages in force from 2024-07-01 (want 2), 第一条's day $day"; fi

# a repeal is read over the whole index after an update: a law added later
# repeals a regulation of the first build, and its deletion undoes that
rm -rf "$TMP/rp" && mkdir -p "$TMP/rp/c"
printf '# 青禾省草原条例\n\n第一条 草原承包经营应当签订合同。\n' >"$TMP/rp/c/青禾省草原条例(2002-04-01).md"
"$ZHS" index -q -o "$TMP/rp/i" "$TMP/rp/c" || bad "cannot index the repeal corpus"
printf '# 青禾省草原法\n\n第一条 草原承包经营依法签订合同。\n\n第二十条 本法自2022年1月1日起施行，《青禾省草原条例》同时废止。\n' \
    >"$TMP/rp/c/青禾省草原法(2021-06-01).md"
repealed_day() {
    "$ZHS" search "$TMP/rp/i" 草原承包 --json -k 5 | python3 -c '
import json, sys
print([h.get("repealed", {}).get("day", "") for h in json.load(sys.stdin)["hits"] if h["title"] == "青禾省草原条例"])'
}
"$ZHS" add -q "$TMP/rp/i" "$TMP/rp/c/青禾省草原法(2021-06-01).md" 2>"$TMP/err" || bad "add of the repealing law: $(cat "$TMP/err")"
got=$(repealed_day)
[ "$got" = "['2022-01-01']" ] && ok "a law added by an update repeals a regulation of the first build" ||
    bad "repeal after add: $got"
"$ZHS" delete -q "$TMP/rp/i" "$TMP/rp/c/青禾省草原法(2021-06-01).md" 2>"$TMP/err" || bad "delete of the repealing law: $(cat "$TMP/err")"
got=$(repealed_day)
[ "$got" = "['']" ] && ok "deleting the repealing law ends the repeal" || bad "repeal after delete: $got"

# a Xapian index of several shards is refused, and left as it was
if [[ " $ENGINES " == *" xapian "* ]]; then
  rm -rf "$TMP/x2"
  "$ZHS" index -q --engine xapian --shards 2 -o "$TMP/x2" "$TMP/c" || bad "cannot build a 2-shard Xapian index"
  g=$(generation "$TMP/x2")
  "$ZHS" add "$TMP/x2" "$TMP/c/replace.jsonl" 2>"$TMP/err"; rc=$?
  if [ $rc = 2 ] && grep -q 'only a one-shard Xapian index can be updated' "$TMP/err" &&
     [ "$(generation "$TMP/x2")" = "$g" ] && "$ZHS" check "$TMP/x2" >/dev/null 2>&1; then
    ok "xapian, 2 shards: an edit is refused with a message, the index stays"
  else bad "xapian, 2 shards: exit $rc, $(cat "$TMP/err")"; fi
fi

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
