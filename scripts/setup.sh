#!/usr/bin/env bash
# Installs what zhsearch needs (Debian packages) when it is missing, then
# configures and builds into build/.  Sourced by demo.sh and test.sh.
#   ZHS_BUILD_DIR   build directory (default build)
#   ZHS_PACKAGES_EXTRA  more packages to require (test.sh adds clang)
set -euo pipefail

ZHS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZHS_BUILD_DIR=${ZHS_BUILD_DIR:-$ZHS_ROOT/build}

# package -> a file or command that shows it is installed
zhs_need=(
  "cmake:/usr/bin/cmake"
  "pkg-config:/usr/bin/pkg-config"
  "gcc:/usr/bin/gcc"
  "g++:/usr/bin/g++"
  "make:/usr/bin/make"
  "libicu-dev:/usr/include/unicode/ubrk.h"
  "zlib1g-dev:/usr/include/zlib.h"
  "libzstd-dev:/usr/include/zstd.h"
  "libxapian-dev:/usr/include/xapian.h"
  "libopencc-dev:/usr/include/opencc/opencc.h"
  "libopencc-data:/usr/share/opencc/tw2sp.json"
  "xapian-tools:/usr/bin/xapian-tcpsrv"
  "python3:/usr/bin/python3"
  "python3-jieba:/usr/lib/python3/dist-packages/jieba/dict.txt"
  # pip install ./python, offline (tests/install.sh); the man pages (man zhs)
  "python3-pip:/usr/lib/python3/dist-packages/pip"
  "python3-setuptools:/usr/lib/python3/dist-packages/setuptools"
  "python3-wheel:/usr/lib/python3/dist-packages/wheel"
  "man-db:/usr/bin/man"
  "libmicrohttpd-dev:/usr/include/microhttpd.h"
  # zhs serve's tests: requests, the page in a browser (with a CJK font so
  # that the screenshot is legible), load
  "curl:/usr/bin/curl"
  "chromium:/usr/bin/chromium"
  "fonts-wqy-zenhei:/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
  "wrk:/usr/bin/wrk"
  # zhs bench's third engine (bench/README.md, "Lucene as a peer"): Lucene 8
  # and a JDK to compile bench/LuceneBench.java
  "liblucene8-java:/usr/share/maven-repo/org/apache/lucene/lucene-core"
  "default-jdk-headless:/usr/lib/jvm/default-java/bin/javac"
)
for extra in ${ZHS_PACKAGES_EXTRA:-}; do zhs_need+=("$extra"); done

missing=()
for entry in "${zhs_need[@]}"; do
  pkg=${entry%%:*}
  probe=${entry#*:}
  # python3 may come from elsewhere on PATH (pyenv): accept any python3
  if [ "$pkg" = python3 ] && command -v python3 >/dev/null 2>&1; then continue; fi
  [ -e "$probe" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "zhsearch: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "zhsearch: missing packages: ${missing[*]}" >&2
    echo "install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

cmake -S "$ZHS_ROOT" -B "$ZHS_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${ZHS_CMAKE_ARGS:-} >/dev/null
cmake --build "$ZHS_BUILD_DIR" -j"$(nproc)" >/dev/null
