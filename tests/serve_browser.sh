#!/usr/bin/env bash
# serve_browser.sh — the search page of 'zhs serve' in headless Chromium.
#
# usage: bash tests/serve_browser.sh PATH/TO/zhs SOURCE_DIR
#
# Builds the sample index, starts the server on a free 127.0.0.1 port and
# runs tests/tools/cdp_search_page.py: it loads the page, checks that an
# Enter inside an input-method composition does not search, types a query,
# presses Enter and checks the DOM (the expected hit, a <mark> highlight,
# title › heading › article, file:line, pagination), then saves a
# screenshot as BUILD/serve-page.png (BUILD: the folder of the zhs binary).
# Exits 77 (skipped) only when Chromium is not installed or cannot start
# here; scripts/setup.sh installs it.
set -u

ZHS=${1:?usage: serve_browser.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: serve_browser.sh PATH/TO/zhs SOURCE_DIR}
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac

CHROMIUM=${ZHS_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
    echo "serve_browser.sh: skipped: Chromium is not installed (apt-get install chromium; scripts/setup.sh does it)"
    exit 77
fi
command -v python3 >/dev/null || { echo "serve_browser.sh: python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-browser.XXXXXX") || exit 2
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$ZHS" index -q -o "$TMP/idx" "$SRC/corpus/sample" >/dev/null || { echo "FAIL zhs index of the sample corpus"; exit 1; }
"$ZHS" serve "$TMP/idx" --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.out" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { echo "FAIL zhs serve did not start: $(cat "$TMP/serve.err")"; exit 1; }

SHOT="$(dirname "$ZHS")/serve-page.png"
timeout 120 python3 "$SRC/tests/tools/cdp_search_page.py" "$CHROMIUM" "http://127.0.0.1:$PORT/" \
    "个人信息 处理者" "个人信息保护条例" "$SHOT"
rc=$?
case $rc in
    0) echo "ok   screenshot: $SHOT" ;;
    77) echo "serve_browser.sh: skipped: Chromium cannot run here (see the message above)" ;;
    124) echo "FAIL the browser session did not finish within 120 s"; rc=1 ;;
esac
exit $rc
