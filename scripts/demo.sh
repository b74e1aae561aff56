#!/usr/bin/env bash
# The README's first command: install what is missing, build, index the
# bundled sample corpus and run a query.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ZHS_ROOT"
./build/zhs index -o build/sample-index corpus/sample
echo
echo '$ zhs search build/sample-index "人脸识别 公共场所" -k 3'
./build/zhs search build/sample-index "人脸识别 公共场所" -k 3
