#!/usr/bin/env bash
# python.sh — the Python package (python/zhsearch) against the build's
# libzhs.so: runs python/tests with unittest (no pytest needed).
#
# usage: bash tests/python.sh BUILD/zhs SOURCE_DIR
#
# Skips (77) without python3, and in sanitizer and fuzzing builds (their
# libzhs.so needs the sanitizer runtime loaded first, which python is not).
set -u
ZHS=${1:?usage: python.sh BUILD/zhs SOURCE_DIR}
SRC=${2:?usage: python.sh BUILD/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
BUILD=$(dirname "$ZHS")

if grep -qE '^ZHS_(SANITIZE|FUZZ):BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "skip: a sanitizer/fuzzing build: its libzhs.so cannot be loaded into python (the release build runs this test)"
  exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 is not installed"; exit 77; }
LIB=$BUILD/libzhs.so
[ -e "$LIB" ] || { echo "FAIL $LIB was not built"; exit 1; }

export ZHSEARCH_LIBRARY=$LIB ZHS_SOURCE_DIR=$SRC PYTHONPATH=$SRC/python PYTHONDONTWRITEBYTECODE=1
cd "$(mktemp -d)" && trap 'rm -rf "$PWD"' EXIT
python3 -m unittest discover -v -s "$SRC/python/tests"
