#!/usr/bin/env bash
# install.sh — the installed tree and what a user builds on it.
#
# usage: bash tests/install.sh BUILD/zhs SOURCE_DIR
#
# Runs 'cmake --install BUILD --prefix TMP/p' and checks: the files of the
# tree (program, header, shared library with its SONAME links, static
# library, zhsearch.pc, one man page per command, docs); that libzhs.so
# exports exactly the functions of zhs.h; that libzhs.a is
# position-independent; that examples/search_folder.c compiles with nothing
# but 'pkg-config --cflags --libs zhsearch', finds the expected passage in
# corpus/sample and reports a bad query; the same linked against libzhs.a
# with 'pkg-config --static'; that the man pages name every option of
# every command's --help and that 'man' renders them; and that
# 'pip install ./python' works offline and finds the installed library.
#
# Skips (77) in sanitizer and fuzzing builds (their libraries need the
# sanitizer runtime in every program that loads them) and when cc or
# pkg-config is missing.
set -u

ZHS=${1:?usage: install.sh BUILD/zhs SOURCE_DIR}
SRC=${2:?usage: install.sh BUILD/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
BUILD=$(dirname "$ZHS")

if grep -qE '^ZHS_(SANITIZE|FUZZ):BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "skip: a sanitizer/fuzzing build: its libzhs.so needs the sanitizer runtime preloaded (the release build runs this test)"
  exit 77
fi
for tool in cc pkg-config nm readelf; do
  command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is not installed"; exit 77; }
done

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
P=$TMP/p
unset LD_LIBRARY_PATH ZHSEARCH_LIBRARY
export PKG_CONFIG_PATH=$P/lib/pkgconfig

if cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1; then
  ok "cmake --install --prefix"
else
  bad "cmake --install failed:"; cat "$TMP/install.log"
  echo "$pass passed, $fail failed"; exit 1
fi

version=$("$ZHS" --version | awk '{print $2}')
major=${version%%.*}
commands=$("$ZHS" --help | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p')
[ -n "$commands" ] || bad "no command read from 'zhs --help'"

# ---- the tree ---------------------------------------------------------------
for f in bin/zhs include/zhs.h lib/libzhs.a lib/pkgconfig/zhsearch.pc \
         "lib/libzhs.so.$version" share/doc/zhsearch/ARCHITECTURE.md share/doc/zhsearch/C_API.md \
         share/doc/zhsearch/examples/search_folder.c share/man/man1/zhs.1; do
  check "installed $f" test -f "$P/$f"
done
check "lib/libzhs.so -> libzhs.so.$major" test "$(readlink "$P/lib/libzhs.so")" = "libzhs.so.$major"
check "lib/libzhs.so.$major -> libzhs.so.$version" test "$(readlink "$P/lib/libzhs.so.$major")" = "libzhs.so.$version"
check "only the public header is installed" test "$(ls "$P/include")" = "zhs.h"
soname=$(readelf -d "$P/lib/libzhs.so" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
check "SONAME is libzhs.so.$major (got '$soname')" test "$soname" = "libzhs.so.$major"
check "installed zhs runs" bash -c "'$P/bin/zhs' --version | grep -qF '$version'"

# ---- exported symbols ---------------------------------------------------------
# The functions declared in zhs.h, read through the preprocessor (no
# comments, no macros), against what libzhs.so exports.
cc -E -P -x c "$P/include/zhs.h" | grep -oE '\bzhs_[a-z0-9_]+[[:space:]]*\(' | tr -d ' (' | sort -u >"$TMP/declared"
nm -D --defined-only "$P/lib/libzhs.so" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$TMP/exported"
check "zhs.h declares functions ($(wc -l <"$TMP/declared"))" test "$(wc -l <"$TMP/declared")" -ge 30
stray=$(comm -13 "$TMP/declared" "$TMP/exported" | tr '\n' ' ')
missing=$(comm -23 "$TMP/declared" "$TMP/exported" | tr '\n' ' ')
check "libzhs.so exports nothing but zhs.h's functions${stray:+ (stray: $stray)}" test -z "$stray"
check "libzhs.so exports every function of zhs.h${missing:+ (missing: $missing)}" test -z "$missing"

# libzhs.a is position-independent: it links into a shared object.
check "libzhs.a links into a shared object (PIC)" \
  cc -shared -o "$TMP/whole.so" -Wl,--whole-archive "$P/lib/libzhs.a" -Wl,--no-whole-archive \
     $(pkg-config --static --libs zhsearch | sed 's/-lzhs\b//')

# ---- pkg-config ----------------------------------------------------------------
check "pkg-config --modversion is $version" test "$(pkg-config --modversion zhsearch)" = "$version"
req=$(pkg-config --print-requires-private zhsearch | tr '\n' ' ')
for m in icu-uc icu-i18n zlib libzstd; do
  check "Requires.private has $m" grep -qw "$m" <<<"$req"
done
if "$ZHS" --version | grep -q xapian; then
  check "Requires.private has xapian-core (a Xapian build)" grep -qw xapian-core <<<"$req"
else
  check "Requires.private has no xapian-core (a build without Xapian)" bash -c "! grep -qw xapian-core <<<'$req'"
fi

# ---- the example, linked to libzhs.so --------------------------------------------
EX=$SRC/examples/search_folder.c
if cc -std=c11 -Wall -Wextra -Werror -o "$TMP/search_folder" "$EX" $(pkg-config --cflags --libs zhsearch) 2>"$TMP/cc.log"; then
  ok "examples/search_folder.c builds with pkg-config --cflags --libs zhsearch"
  check "the example needs libzhs.so.$major" bash -c "readelf -d '$TMP/search_folder' | grep -q 'NEEDED.*libzhs.so.$major'"
  LD_LIBRARY_PATH=$P/lib "$TMP/search_folder" "$SRC/corpus/sample" '个人信息 处理者' 5 >"$TMP/out" 2>"$TMP/err"
  rc=$?
  check "the example exits 0 with hits (rc $rc)" test $rc = 0
  check "its first hit is an article of 澄海市个人信息保护条例" bash -c "head -1 '$TMP/out' | grep -q '澄海市个人信息保护条例.*第.*条'"
  check "it marks the highlights ([个人信息处理者])" grep -qF '[个人信息处理者]' "$TMP/out"
  check "it prints source file:line" grep -qE 'regulations/澄海市个人信息保护条例\.md:[0-9]+' "$TMP/out"
  check "it prints 5 hits" test "$(grep -cE '^[0-9]+\. ' "$TMP/out")" = 5
  LD_LIBRARY_PATH=$P/lib "$TMP/search_folder" "$SRC/corpus/sample" '-个人信息' >"$TMP/out" 2>"$TMP/err"
  rc=$?
  check "a bad query exits 2 (rc $rc)" test $rc = 2
  check "with the library's message and status name" grep -q 'no searchable words outside excluded parts.*(bad query)' "$TMP/err"
else
  bad "examples/search_folder.c does not build:"; cat "$TMP/cc.log"
fi

# ---- the example, linked to libzhs.a ----------------------------------------------
static_libs=$(pkg-config --static --libs zhsearch | sed 's/-lzhs\b/-l:libzhs.a/')
if cc -std=c11 -Wall -Wextra -Werror -o "$TMP/search_folder_static" "$EX" $(pkg-config --cflags zhsearch) $static_libs 2>"$TMP/cc.log"; then
  ok "the example links libzhs.a with pkg-config --static"
  check "it does not need libzhs.so" bash -c "! readelf -d '$TMP/search_folder_static' | grep -q 'NEEDED.*libzhs'"
  "$TMP/search_folder_static" "$SRC/corpus/sample" '个人信息 处理者' 1 >"$TMP/out" 2>&1
  check "and finds the same first hit" bash -c "head -1 '$TMP/out' | grep -q '澄海市个人信息保护条例.*第十条之一'"
else
  bad "the example does not link libzhs.a:"; cat "$TMP/cc.log"
fi
# A fully static program needs every dependency's .a (Debian ships no
# libxapian.a): tried and reported, not required.
if cc -static -o "$TMP/search_folder_full" "$EX" $(pkg-config --cflags zhsearch) $static_libs >/dev/null 2>&1; then
  echo "note: a fully static (-static) link works too"
else
  echo "note: a fully static (-static) link is not possible here (missing static libraries of the dependencies)"
fi

# ---- man pages ---------------------------------------------------------------------
MAN=$P/share/man/man1
for cmd in $commands; do
  page=$MAN/zhs-$cmd.1
  if [ ! -f "$page" ]; then bad "no man page zhs-$cmd.1"; continue; fi
  text=$(sed 's/\\-/-/g; s/\\e/\\/g' "$page")
  opts=$("$ZHS" "$cmd" --help | grep -oE '(^|[][ ,|])--?[a-z][a-z0-9-]*' | sed 's/^[][ ,|]*//' | sort -u)
  miss=
  for o in $opts; do grep -qF -- "$o" <<<"$text" || miss="$miss $o"; done
  check "zhs-$cmd.1 names every option of 'zhs $cmd --help' ($(echo $opts | wc -w))${miss:+ (missing:$miss)}" test -z "$miss"
  sed 's/\\-/-/g' "$MAN/zhs.1" | grep -qF "zhs-$cmd" || bad "zhs.1 does not refer to zhs-$cmd"
done
if command -v man >/dev/null 2>&1; then
  MANWIDTH=200 man -l "$MAN/zhs-search.1" >"$TMP/man.txt" 2>"$TMP/man.err"
  check "man -l renders zhs-search.1" grep -q -- '--queries FILE' <(sed 's/‐/-/g; s/−/-/g' "$TMP/man.txt")
  check "man renders without warnings" test ! -s "$TMP/man.err"
  check "'man zhs' finds the page with MANPATH=P/share/man" \
    bash -c "MANPATH='$P/share/man' man -w zhs | grep -qF '$MAN/zhs.1'"
else
  echo "note: man is not installed, pages checked as files only (scripts/setup.sh installs man-db)"
fi

# ---- pip install ./python, offline, against the installed library -------------------
PY=
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import setuptools, wheel' 2>/dev/null &&
     "$cand" -m pip --version >/dev/null 2>&1; then
    PY=$cand; break
  fi
done
if [ -z "$PY" ]; then
  echo "note: no python3 with pip, setuptools and wheel: pip install not checked (scripts/setup.sh installs python3-pip)"
else
  cp -r "$SRC/python" "$TMP/pysrc"     # setuptools builds in the source tree
  if "$PY" -m pip install --quiet --no-build-isolation --no-index --target "$TMP/site" "$TMP/pysrc" >"$TMP/pip.log" 2>&1; then
    ok "pip install --no-build-isolation --no-index ./python ($PY)"
    # The library is found through pkg-config (PKG_CONFIG_PATH points at the prefix).
    (cd "$TMP" && PYTHONPATH="$TMP/site" "$PY" - "$SRC/corpus/sample" "$TMP/pyidx" >"$TMP/py.out" 2>&1 <<'EOF'
import sys, zhsearch
print(zhsearch.__file__)
print(zhsearch.library_path())
zhsearch.build_index(sys.argv[1], sys.argv[2])
with zhsearch.Index(sys.argv[2]) as ix:
    hit = ix.search("个人信息 处理者", k=1)[0]
    print(hit.title, hit.label)
EOF
    )
    check "the installed package imports from the target dir" grep -q "$TMP/site/zhsearch" "$TMP/py.out"
    check "and loads the installed libzhs.so" grep -q "^$P/lib/.*libzhs.so" "$TMP/py.out"
    check "and finds 澄海市个人信息保护条例 第十条之一" grep -q '澄海市个人信息保护条例 第十条之一' "$TMP/py.out"
    [ $fail = 0 ] || cat "$TMP/py.out"
  else
    bad "pip install ./python failed:"; cat "$TMP/pip.log"
  fi
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
