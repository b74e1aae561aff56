#!/usr/bin/env bash
# parallel_index.sh — 'zhs index --threads N' builds the very index that
# one thread builds (indexer/pipeline.c): every file, byte for byte.
#
# usage: bash tests/parallel_index.sh PATH/TO/zhs SOURCE_DIR
#
# The corpus is four copies of SOURCE_DIR/corpus/sample (about 2,200
# passages, so that many batches are in flight at once), built with
# --threads 1, 2, 3 and 8, with the default RAM budget and with --ram 1 (runs
# flushed and merged); then an --update (a file changed, one added, one
# removed) of a one-thread and a three-thread index, which must again be
# equal file for file.  --order path builds are compared the same way.  With Xapian in the build, the same search on a
# one-thread and a three-thread Xapian index must give the same hits.
# ZHS_PAR_LAWS=1 also compares --threads 1 and 2 on ../shared/corpus/laws
# (about a minute).
set -u
ZHS=${1:?usage: parallel_index.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: parallel_index.sh PATH/TO/zhs SOURCE_DIR}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# same_index A B: both hold the same file names and each file is equal.
same_index() {
    local a=$1 b=$2 what=$3 f n=0
    if [ "$(cd "$a" && ls | grep -v '^LOCK$')" != "$(cd "$b" && ls | grep -v '^LOCK$')" ]; then
        bad "$what: the indexes hold different files: $(cd "$a" && ls | tr '\n' ' ') / $(cd "$b" && ls | tr '\n' ' ')"
        return
    fi
    for f in "$a"/*; do
        [ "$(basename "$f")" = LOCK ] && continue
        n=$((n + 1))
        if ! cmp -s "$f" "$b/$(basename "$f")"; then
            bad "$what: $(basename "$f") differs"
            return
        fi
    done
    ok "$what: $n files equal"
}

mkdir -p "$TMP/corpus"
for i in 1 2 3 4; do cp -r "$SRC/corpus/sample" "$TMP/corpus/copy$i"; done

for ram in "" "--ram 1"; do
    tag=${ram:+ram1}
    tag=${tag:-default}
    "$ZHS" index -q --threads 1 $ram -o "$TMP/t1-$tag" "$TMP/corpus" || bad "--threads 1 $ram: build failed"
    for t in 2 3 8; do
        if "$ZHS" index -q --threads $t $ram -o "$TMP/t$t-$tag" "$TMP/corpus"; then
            same_index "$TMP/t1-$tag" "$TMP/t$t-$tag" "--threads $t $ram"
        else
            bad "--threads $t $ram: build failed"
        fi
    done
done
# The path order (--order path) is as deterministic, and another order
# than the default one (like names together): a different store.
"$ZHS" index -q --order path --threads 1 -o "$TMP/p1" "$TMP/corpus" || bad "--order path --threads 1: build failed"
if "$ZHS" index -q --order path --threads 3 -o "$TMP/p3" "$TMP/corpus"; then
    same_index "$TMP/p1" "$TMP/p3" "--order path --threads 3"
else
    bad "--order path --threads 3: build failed"
fi
if cmp -s "$TMP/p1/g1.store" "$TMP/t1-default/g1.store"; then bad "--order path: the same store as the default order"
else ok "--order path: another store than the default order"; fi
if "$ZHS" index -q --order size -o "$TMP/bad" "$TMP/corpus" 2>/dev/null; then bad "--order size accepted"
else ok "--order size refused"; fi

passages=$(grep '^passages ' "$TMP/t1-default/MANIFEST" | cut -d' ' -f2)
if [ "${passages:-0}" -gt 2000 ]; then ok "the corpus has $passages passages"; else bad "only ${passages:-no} passages"; fi

# An update through the pipeline: the passages of a changed file are
# numbered where the file table says.
cp -r "$TMP/t1-default" "$TMP/u1"
cp -r "$TMP/t3-default" "$TMP/u3"
printf '# 新增条例\n\n第一条 本条例自公布之日起施行，适用于并行索引的测试。\n' >"$TMP/corpus/copy1/added.md"
changed=$(find "$TMP/corpus/copy2" -name '*.md' | sort | head -1)
printf '\n\n第九十九条 本条为更新测试新增的条文。\n' >>"$changed"
rm -f "$(find "$TMP/corpus/copy3" -name '*.md' | sort | head -1)"
touch -d '2001-01-01' "$changed"
if "$ZHS" index -q --update --threads 1 -o "$TMP/u1" "$TMP/corpus" &&
   "$ZHS" index -q --update --threads 3 -o "$TMP/u3" "$TMP/corpus"; then
    same_index "$TMP/u1" "$TMP/u3" "--update with --threads 3"
    "$ZHS" check "$TMP/u3" >/dev/null 2>&1 && ok "zhs check passes after the update" || bad "zhs check fails after the update"
else
    bad "--update failed"
fi

# Usage errors say what --threads takes.
out=$("$ZHS" index --threads 0 -o "$TMP/x" "$TMP/corpus" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q -- '--threads takes' && ok "--threads 0 is refused" || bad "--threads 0: $out"

if "$ZHS" --version | grep -q xapian; then
    "$ZHS" index -q --engine xapian --threads 1 -o "$TMP/x1" "$TMP/corpus" &&
        "$ZHS" index -q --engine xapian --threads 3 -o "$TMP/x3" "$TMP/corpus" || bad "xapian builds failed"
    for q in '个人信息 保护' '"数据安全"' 'title:条例 处罚'; do
        a=$("$ZHS" search -k 20 "$TMP/x1" "$q" 2>&1)
        b=$("$ZHS" search -k 20 "$TMP/x3" "$q" 2>&1)
        if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "xapian: '$q' gives the same hits"; else bad "xapian: '$q' differs"; fi
    done
else
    echo "skip xapian: this build has no Xapian engine"
fi

# A thread that cannot be started loses nothing.  A shim refuses the k-th
# pthread_create of a two-thread build, for each k up to past the last:
# the build either succeeds with the files one thread builds (a shard
# whose thread cannot start: the build falls back to one shard on the
# caller's thread) or stops with exit 2 and a message, leaving no index.
# At least one refusal must be survived (the shards' fallback).  Not in a
# sanitizer build (its runtime must come first: no LD_PRELOAD).
CACHE="$(dirname "$ZHS")/CMakeCache.txt"
if grep -qE '^ZHS_(SANITIZE|FUZZ):BOOL=ON' "$CACHE" 2>/dev/null; then
    echo "skip refused threads: a sanitizer build"
elif ! command -v "${CC:-cc}" >/dev/null; then
    echo "skip refused threads: no C compiler"
else
    cat >"$TMP/refuse.c" <<'SHIM'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
/* Refuses the REFUSE_AT-th pthread_create (counted in this process) and
** notes it in REFUSE_LOG. */
int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
    static int calls;
    int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
        (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(RTLD_NEXT, "pthread_create");
    const char *at = getenv("REFUSE_AT"), *log = getenv("REFUSE_LOG");
    if (at && ++calls == atoi(at)) {
        FILE *l = log ? fopen(log, "a") : NULL;
        if (l) { fprintf(l, "refused %d\n", calls); fclose(l); }
        return EAGAIN;
    }
    return real(t, a, f, arg);
}
SHIM
    if ! "${CC:-cc}" -shared -fPIC -O2 -o "$TMP/refuse.so" "$TMP/refuse.c" -ldl 2>"$TMP/cc.err"; then
        bad "refused threads: the shim does not build: $(head -3 "$TMP/cc.err")"
    else
        survived=0 stopped=0
        # the corpus as the update above left it
        "$ZHS" index -q --threads 1 -o "$TMP/rf-ref" "$TMP/corpus" || bad "refused threads: the reference build failed"
        for k in 1 2 3 4 5 6 7 8; do
            rm -rf "$TMP/rf" "$TMP/rf.log"
            REFUSE_AT=$k REFUSE_LOG="$TMP/rf.log" LD_PRELOAD="$TMP/refuse.so" \
                "$ZHS" index -q --threads 2 -o "$TMP/rf" "$TMP/corpus" >"$TMP/rf.out" 2>&1
            rc=$?
            refused=$([ -s "$TMP/rf.log" ] && echo 1 || echo 0)
            if [ $rc = 0 ]; then
                same_index "$TMP/rf-ref" "$TMP/rf" "thread $k refused ($refused): the build went on"
                [ "$refused" = 1 ] && survived=$((survived + 1))
            elif [ $rc = 2 ] && [ "$refused" = 1 ] && [ -s "$TMP/rf.out" ] && [ ! -e "$TMP/rf" ]; then
                ok "thread $k refused: exit 2, '$(head -1 "$TMP/rf.out")', no index left"
                stopped=$((stopped + 1))
            else
                bad "thread $k refused ($refused): exit $rc, index left: $([ -e "$TMP/rf" ] && echo yes || echo no): $(head -2 "$TMP/rf.out")"
            fi
        done
        if [ $survived -gt 0 ]; then ok "refused threads: $survived refusals survived, $stopped stopped cleanly"
        else bad "refused threads: no refusal was survived (the shards' fallback to one shard did not run)"; fi
    fi
fi

if [ "${ZHS_PAR_LAWS:-0}" = 1 ]; then
    LAWS="$SRC/../shared/corpus/laws"
    if [ -d "$LAWS" ]; then
        "$ZHS" index -q --threads 1 -o "$TMP/l1" "$LAWS" && "$ZHS" index -q --threads 2 -o "$TMP/l2" "$LAWS" &&
            same_index "$TMP/l1" "$TMP/l2" "laws --threads 2" || bad "laws builds failed"
    else
        echo "skip laws: $LAWS is absent"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
