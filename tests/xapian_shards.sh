#!/usr/bin/env bash
# xapian_shards.sh — a sharded deployment end to end: Xapian shards served
# by xapian-tcpsrv and searched with 'zhs search --remote'.
#
# usage: bash tests/xapian_shards.sh PATH/TO/zhs SOURCE_DIR
#
#   1. zhs index --engine xapian --shards 2 (and --shards 1) of corpus/sample;
#   2. one xapian-tcpsrv per shard on a free port of 127.0.0.1, found from
#      IDX/MANIFEST ('generation' and 'shards': databases IDX/x<gen>-<i>),
#      waited for (bounded) until they accept connections;
#   3. for 20 queries (words, phrases, +, -, title:, traditional script):
#      'zhs search --remote P1,P2 --format trec -k 10' prints exactly what
#      'zhs search IDX' prints (ids, ranks, scores), and the same ids and
#      scores (to 1e-6) as the one-database index;
#   4. one shard of two, the shards out of order, and shards of two builds
#      are refused (exit 2, saying why);
#   5. connections closed by the servers' --idle-timeout are reopened;
#   6. a shard that hangs (SIGSTOP: connections are accepted, never
#      answered), a shard killed during a batch of queries (the batch goes
#      on once it is back), and a shard that is down make 'zhs search
#      --remote' exit 2 within 15 s with a message naming its host:port.
# Servers are always killed on exit.  Prints "N passed, M failed"; exits 1
# when anything failed.  Needs xapian-tcpsrv (package xapian-tools),
# setsid and python3 (to find free ports); does not need ../shared.
set -u

ZHS=${1:?usage: xapian_shards.sh PATH/TO/zhs SOURCE_DIR}
SRC=${2:?usage: xapian_shards.sh PATH/TO/zhs SOURCE_DIR}
if ! "$ZHS" --version | grep -q xapian; then
  echo "$(basename "$0"): skipped: this zhs was built without the Xapian engine (ZHS_WITH_XAPIAN=OFF)"
  exit 77
fi
case $ZHS in /*) ;; *) ZHS="$PWD/$ZHS" ;; esac
case $SRC in /*) ;; *) SRC="$PWD/$SRC" ;; esac
SAMPLE="$SRC/corpus/sample"

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ] && exit 0; exit 1; }

[ -x "$ZHS" ] || { echo "xapian_shards.sh: $ZHS is not an executable: build first" >&2; exit 2; }
[ -d "$SAMPLE" ] || { echo "xapian_shards.sh: the sample corpus $SAMPLE is missing" >&2; exit 2; }
command -v python3 >/dev/null || { echo "xapian_shards.sh: python3 is needed (free ports, comparisons)" >&2; exit 2; }
command -v setsid >/dev/null || { echo "xapian_shards.sh: setsid (util-linux) is needed" >&2; exit 2; }
TCPSRV=$(command -v xapian-tcpsrv) || {
    echo "xapian_shards.sh: xapian-tcpsrv is not on PATH: install xapian-tools (it comes with libxapian)" >&2
    bad "xapian-tcpsrv available"
    finish
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-shards.XXXXXX") || exit 2
PIDS=()
# Each server runs in its own session and process group (setsid), whose id
# is its pid: on SIGTERM xapian-tcpsrv signals its whole process group
# (killpg(0, SIGTERM), to end its connection handlers), which without
# setsid would be this script and whatever started it.
stop_server() {     # PID
    kill -CONT -- "-$1" 2>/dev/null     # a stopped server acts on SIGTERM only when continued
    kill -TERM -- "-$1" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$1" 2>/dev/null
    wait "$1" 2>/dev/null
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_server "$p"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NO_COLOR=1

# ---------------------------------------------------------------- indexes
IDX2="$TMP/idx2"
IDX1="$TMP/idx1"
if "$ZHS" index -q --engine xapian --shards 2 -o "$IDX2" "$SAMPLE" >"$TMP/out" 2>&1; then
    ok "zhs index --engine xapian --shards 2"
else
    bad "zhs index --engine xapian --shards 2: $(head -c 300 "$TMP/out")"; finish
fi
if "$ZHS" index -q --engine xapian --shards 1 -o "$IDX1" "$SAMPLE" >"$TMP/out" 2>&1; then
    ok "zhs index --engine xapian --shards 1"
else
    bad "zhs index --engine xapian --shards 1: $(head -c 300 "$TMP/out")"; finish
fi

GEN=$(awk '$1 == "generation" { print $2 }' "$IDX2/MANIFEST")
NSH=$(awk '$1 == "shards" { print $2 }' "$IDX2/MANIFEST")
if [ "$NSH" = 2 ] && [ -n "$GEN" ] && [ -d "$IDX2/x$GEN-0" ] && [ -d "$IDX2/x$GEN-1" ]; then
    ok "MANIFEST names 2 shards of generation $GEN: x$GEN-0, x$GEN-1"
else
    bad "MANIFEST: generation '$GEN', shards '$NSH', databases: $(ls "$IDX2" | tr '\n' ' ')"; finish
fi

# ---------------------------------------------------------------- servers
start_server() {    # PORT DB LOG [OPTION...] (fd 4, the batch test's pipe, is not inherited)
    local port=$1 db=$2 log=$3
    shift 3
    setsid "$TCPSRV" "$@" --port "$port" --interface 127.0.0.1 "$db" >"$log" 2>&1 4>&- &
    PIDS+=($!)
}
# accepting PORT: a TCP connection to 127.0.0.1:PORT succeeds
accepting() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_up PORT PID: until PORT accepts (at most 10 s) while PID lives
wait_up() {
    local i
    for i in $(seq 1 100); do
        kill -0 "$2" 2>/dev/null || return 1
        accepting "$1" && return 0
        sleep 0.1
    done
    return 1
}
# start_pair LOG0 LOG1 [OPTION...]: a server for each shard of $IDX2 on two
# free ports of 127.0.0.1, in PAIR_P0/PAIR_P1, their pids in PAIR_S0/PAIR_S1.
# Free ports are chosen, released and then bound by the servers: another
# test running at the same time (an ephemeral port of its connections) can
# take one in between, so a start that fails is tried again on new ports
# (three times).  Returns 0 once both accept.
start_pair() {
    local log0=$1 log1=$2 attempt
    shift 2
    for attempt in 1 2 3; do
        read -r PAIR_P0 PAIR_P1 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
for x in s: x.close()')
        [ -n "${PAIR_P0:-}" ] && [ -n "${PAIR_P1:-}" ] || return 1
        start_server "$PAIR_P0" "$IDX2/x$GEN-0" "$log0" "$@"; PAIR_S0=${PIDS[$((${#PIDS[@]} - 1))]}
        start_server "$PAIR_P1" "$IDX2/x$GEN-1" "$log1" "$@"; PAIR_S1=${PIDS[$((${#PIDS[@]} - 1))]}
        wait_up "$PAIR_P0" "$PAIR_S0" && wait_up "$PAIR_P1" "$PAIR_S1" && return 0
        stop_server "$PAIR_S0"
        stop_server "$PAIR_S1"
    done
    return 1
}

if start_pair "$TMP/srv1.log" "$TMP/srv2.log"; then
    P1=$PAIR_P0; P2=$PAIR_P1; S1=$PAIR_S0; S2=$PAIR_S1
    ok "xapian-tcpsrv for shard 0 accepts on 127.0.0.1:$P1"
    ok "xapian-tcpsrv for shard 1 accepts on 127.0.0.1:$P2"
else
    bad "xapian-tcpsrv for the two shards: not accepting after 10 s (3 tries): $(head -c 300 "$TMP/srv1.log") / $(head -c 300 "$TMP/srv2.log")"; finish
fi
REMOTE="127.0.0.1:$P1,127.0.0.1:$P2"

# ---------------------------------------------------------------- queries
QUERIES=(
    '个人信息 保护'
    '数据 出境 安全评估'
    '人脸识别 公共场所'
    '自动驾驶 测试 车辆'
    '算法推荐 服务'
    '生成式人工智能 训练数据'
    '"个人信息处理者"'
    '"公共数据" 开放'
    '+政务 服务 热线'
    '+数据 交易 -交易所'
    '网络安全 -等级'
    'title:条例 未成年人 网络'
    'title:办法 数据 分类 分级'
    '+"电子印章" 签名'
    '個人資料 保護'
    '人工智慧 應用'
    'ai 治理 g20'
    '12345 热线'
    '第十条 应当'
    '罚款 责令改正 警告'
)

# trec QUERY ARGS...: 'zhs search ARGS --format trec -k 10 QUERY' into
# $TMP/trec.out (stderr $TMP/trec.err), status in $rc.
trec() { local q=$1; shift; "$ZHS" search "$@" --format trec -k 10 "$q" >"$TMP/trec.out" 2>"$TMP/trec.err"; rc=$?; }

# same_run A B: two TREC runs of one query list the same passages with the
# same scores (to 1e-6), rank by rank; passages with equal scores may come
# in another order, and ties at the cut-off may keep other passages.
same_run() {
    awk -v tol=1e-6 -v fa="$1" -v fb="$2" '
        function abs(x) { return x < 0 ? -x : x }
        BEGIN {
            while ((getline l < fa) > 0) { split(l, f); na++; ida[na] = f[3]; sa[na] = f[5]; A[f[3]] = f[5] }
            close(fa)
            while ((getline l < fb) > 0) { split(l, f); nb++; idb[nb] = f[3]; sb[nb] = f[5]; B[f[3]] = f[5] }
            if (na != nb) { print na + 0 " hits against " nb + 0; exit 1 }
            for (i = 1; i <= na; i++)
                if (abs(sa[i] - sb[i]) > tol) { print "rank " i ": " ida[i] " " sa[i] " against " idb[i] " " sb[i]; exit 1 }
            cut = sa[na]
            for (k in A) {
                if (!(k in B)) { if (abs(A[k] - cut) > tol) { print k " only in " fa; exit 1 } }
                else if (abs(A[k] - B[k]) > tol) { print k ": " A[k] " against " B[k]; exit 1 }
            }
            for (k in B) if (!(k in A) && abs(B[k] - cut) > tol) { print k " only in " fb; exit 1 }
            exit 0
        }'
}

nq=0
for q in "${QUERIES[@]}"; do
    nq=$((nq + 1))
    # Remote shards have no metadata table, so they search every version
    # of a law (docs/QUERY.md): the local searches do the same to compare.
    trec "$q" "$IDX2" --all-versions; rc_local=$rc; cp "$TMP/trec.out" "$TMP/local.out"
    trec "$q" "$IDX1" --all-versions; rc_one=$rc; cp "$TMP/trec.out" "$TMP/one.out"
    trec "$q" --remote "$REMOTE"; rc_remote=$rc
    if [ $rc_local -ne 0 ] || [ ! -s "$TMP/local.out" ]; then
        bad "q$nq '$q': the local sharded index finds nothing (exit $rc_local)"; continue
    fi
    if [ $rc_remote -eq $rc_local ] && cmp -s "$TMP/trec.out" "$TMP/local.out"; then
        ok "q$nq '$q': --remote prints what the local shards print ($(wc -l <"$TMP/local.out") hits)"
    else
        bad "q$nq '$q': --remote (exit $rc_remote) differs from the local shards (exit $rc_local): $(diff "$TMP/local.out" "$TMP/trec.out" | head -5 | tr '\n' ' ') $(head -c 300 "$TMP/trec.err")"
    fi
    # against one database: the same ids with the same scores (to 1e-6);
    # passages with equal scores may come in another order
    if [ $rc_one -eq $rc_remote ] && same_run "$TMP/one.out" "$TMP/trec.out" >"$TMP/cmp"
    then
        ok "q$nq: --remote agrees with the one-database index (ids, scores to 1e-6)"
    else
        bad "q$nq '$q': --remote (exit $rc_remote) against one database (exit $rc_one): $(head -1 "$TMP/cmp")"
    fi
done

# A batch over one connection: --queries gives the same run as the local
# shards.
printf '%s\n' "${QUERIES[@]}" >"$TMP/queries.txt"
"$ZHS" search "$IDX2" --all-versions --queries "$TMP/queries.txt" --format trec -k 10 >"$TMP/batch.local" 2>"$TMP/batch.err"
"$ZHS" search --remote "$REMOTE" --queries "$TMP/queries.txt" --format trec -k 10 >"$TMP/batch.remote" 2>>"$TMP/batch.err"
if [ -s "$TMP/batch.local" ] && cmp -s "$TMP/batch.local" "$TMP/batch.remote"; then
    ok "--remote --queries: the same run as the local shards ($(wc -l <"$TMP/batch.local") lines)"
else
    bad "--remote --queries differs from the local shards: $(diff "$TMP/batch.local" "$TMP/batch.remote" | head -4 | tr '\n' ' ') $(head -c 300 "$TMP/batch.err")"
fi

# ---------------------------------------------------------------- wrong sets of shards
# refused WHAT REMOTE PATTERN: 'zhs search --remote REMOTE' exits 2 with a
# message matching PATTERN.
refused() {
    "$ZHS" search --remote "$2" --format trec -k 10 '个人信息 保护' >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -q "$3" "$TMP/err"; then ok "$1 is refused: $(head -c 200 "$TMP/err")"
    else bad "$1: expected exit 2 and '$3'; got exit $rc: $(head -c 300 "$TMP/err") $(head -c 100 "$TMP/out")"; fi
}
refused "one shard of two" "127.0.0.1:$P1" "split over 2 shards, but 1 was given"
refused "the shards out of order" "127.0.0.1:$P2,127.0.0.1:$P1" "given as shard 0"
# shard 1 of another build of the same corpus
IDX2B="$TMP/idx2b"
"$ZHS" index -q --engine xapian --shards 2 -o "$IDX2B" "$SAMPLE" >"$TMP/out" 2>&1 || bad "second --shards 2 build: $(head -c 300 "$TMP/out")"
read -r P3 < <(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
GENB=$(awk '$1 == "generation" { print $2 }' "$IDX2B/MANIFEST")
start_server "$P3" "$IDX2B/x$GENB-1" "$TMP/srv3.log"; S3=${PIDS[$((${#PIDS[@]} - 1))]}
if wait_up "$P3" "$S3"; then
    refused "shards of two builds" "127.0.0.1:$P1,127.0.0.1:$P3" "another build"
else
    bad "xapian-tcpsrv for the other build on 127.0.0.1:$P3: $(head -c 300 "$TMP/srv3.log")"
fi
stop_server "$S3"

# ---------------------------------------------------------------- failures
# shard_fails WHAT HOSTPORT: 'zhs search --remote' must exit 2 within 15 s
# and name HOSTPORT.
shard_fails() {
    local what=$1 hp=$2 t0 t1 ms
    t0=$(date +%s%N)
    timeout 60 "$ZHS" search --remote "$REMOTE" --format trec -k 10 '个人信息 保护' >"$TMP/out" 2>"$TMP/err"
    rc=$?
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    if [ $rc -eq 2 ] && [ $ms -lt 15000 ] && grep -qF "$hp" "$TMP/err"; then
        ok "$what: exit 2 after $ms ms naming $hp: $(head -c 200 "$TMP/err")"
    else
        bad "$what: expected exit 2 within 15 s naming $hp; got exit $rc after $ms ms: $(head -c 300 "$TMP/err")"
    fi
}

# A hung shard: the kernel still accepts connections to the stopped server,
# nothing answers; the client's timeout must end the wait.
kill -STOP "$S2"
shard_fails "shard 1 hung (SIGSTOP)" "127.0.0.1:$P2"
kill -CONT "$S2"
if wait_up "$P2" "$S2" && trec '个人信息 保护' --remote "$REMOTE" && [ $rc -eq 0 ]; then
    ok "after SIGCONT the deployment answers again"
else
    bad "after SIGCONT: exit $rc: $(head -c 300 "$TMP/trec.err")"
fi

# Connections closed by the servers' --idle-timeout are reopened: a batch
# that pauses longer than it still gets its answers.
if start_pair "$TMP/srv4.log" "$TMP/srv5.log" --idle-timeout 300; then
    P4=$PAIR_P0; P5=$PAIR_P1; S4=$PAIR_S0; S5=$PAIR_S1
    { echo '个人信息 保护'; sleep 1; echo '数据 出境'; } |
        "$ZHS" search --remote "127.0.0.1:$P4,127.0.0.1:$P5" --queries - --format trec -k 10 >"$TMP/idle.out" 2>"$TMP/idle.err"
    rc=$?
    printf '%s\n' '个人信息 保护' '数据 出境' >"$TMP/q2.txt"
    "$ZHS" search "$IDX2" --all-versions --queries "$TMP/q2.txt" --format trec -k 10 >"$TMP/idle.want" 2>/dev/null
    if [ $rc -eq 0 ] && cmp -s "$TMP/idle.out" "$TMP/idle.want"; then
        ok "a query after the servers' --idle-timeout (300 ms) closed the connections is answered (reconnected)"
    else
        bad "query after --idle-timeout: exit $rc: $(head -c 300 "$TMP/idle.err") $(diff "$TMP/idle.want" "$TMP/idle.out" | head -3 | tr '\n' ' ')"
    fi
else
    bad "xapian-tcpsrv --idle-timeout 300 (3 tries): $(head -c 200 "$TMP/srv4.log") / $(head -c 200 "$TMP/srv5.log")"
fi
[ -n "${S4:-}" ] && stop_server "$S4"
[ -n "${S5:-}" ] && stop_server "$S5"

# A shard that goes down between two queries of one batch (one connection
# per shard for the whole batch): the first query is answered, the second
# fails naming the shard that cannot be reached; once the shard is back the
# third is answered again; the batch exits 2.
mkfifo "$TMP/qfifo"
"$ZHS" search --remote "$REMOTE" --queries "$TMP/qfifo" --format trec -k 1 >"$TMP/batch.out" 2>"$TMP/batch.err" &
ZP=$!
# read-write: opening a FIFO for writing alone would block for ever if zhs
# had died before opening it (zhs writes each answer out as it comes)
exec 4<>"$TMP/qfifo"
echo '个人信息 保护' >&4
for _ in $(seq 1 100); do [ -s "$TMP/batch.out" ] && break; sleep 0.1; done
stop_server "$S1"
t0=$(date +%s%N)
echo '数据 出境' >&4
for _ in $(seq 1 100); do [ -s "$TMP/batch.err" ] && break; sleep 0.1; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
start_server "$P1" "$IDX2/x$GEN-0" "$TMP/srv1b.log"; S1=${PIDS[$((${#PIDS[@]} - 1))]}
wait_up "$P1" "$S1" || bad "xapian-tcpsrv for shard 0 restarted on $P1: $(head -c 200 "$TMP/srv1b.log")"
echo '人脸识别' >&4
exec 4>&-
for _ in $(seq 1 150); do kill -0 $ZP 2>/dev/null || break; sleep 0.1; done
if kill -0 $ZP 2>/dev/null; then kill $ZP; rc=timeout; else wait $ZP; rc=$?; fi
if [ "$rc" = 2 ] && grep -q '^1 ' "$TMP/batch.out" && ! grep -q '^2 ' "$TMP/batch.out" &&
   grep -q '^3 ' "$TMP/batch.out" && grep -qF "unreachable shard: 127.0.0.1:$P1" "$TMP/batch.err"; then
    ok "shard 0 killed during a batch: the next query fails after $ms ms naming it; after a restart the batch goes on; exit 2: $(head -c 250 "$TMP/batch.err")"
else
    bad "shard 0 killed during a batch: expected hits for queries 1 and 3, an error for 2 naming 127.0.0.1:$P1, exit 2; got exit $rc after $ms ms, hits for queries $(cut -d' ' -f1 "$TMP/batch.out" | tr '\n' ' '): $(head -c 300 "$TMP/batch.err")"
fi
stop_server "$S1"

# A shard that is down: connection refused.
if accepting "$P1"; then bad "shard 0's server still accepts on $P1 after being killed"; fi
shard_fails "shard 0 down (killed)" "127.0.0.1:$P1"

finish
