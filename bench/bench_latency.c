/*
** bench_latency.c — query latency in the protocol of the search benchmark
** game: one thread, warm caches (a warm-up pass first), every query run
** `reps` times in shuffled order, the two engines interleaved query by
** query (so machine noise hits both alike, and which engine goes first
** alternates), the median kept per query.  Only zhs_index_search and
** zhs_results_free are timed.  Then the throughput run on all cores.
*/
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

int bench_lat_alloc(bench_lat *l, size_t nq)
{
    memset(l, 0, sizeof *l);
    l->nq = nq;
    for (int e = 0; e < ENG_N; e++) {
        for (int m = 0; m < MODE_N; m++) {
            l->med[e][m] = malloc((nq + 1) * sizeof(double));
            l->matches[e][m] = calloc(nq + 1, sizeof(uint64_t));
            if (!l->med[e][m] || !l->matches[e][m]) return ZHS_ENOMEM;
            for (size_t i = 0; i < nq; i++) l->med[e][m][i] = NAN;
        }
        l->top[e] = calloc((nq + 1) * BENCH_TOPN, sizeof(uint32_t));
        l->ntop[e] = calloc(nq + 1, 1);
        if (!l->top[e] || !l->ntop[e]) return ZHS_ENOMEM;
    }
    return ZHS_OK;
}

void bench_lat_free(bench_lat *l)
{
    for (int e = 0; e < ENG_N; e++) {
        for (int m = 0; m < MODE_N; m++) {
            free(l->med[e][m]);
            free(l->matches[e][m]);
        }
        free(l->top[e]);
        free(l->ntop[e]);
    }
    memset(l, 0, sizeof *l);
}

/* Like for like with Lucene, which knows neither versions nor proximity:
** every passage can match (a law's older versions too) and the ranking is
** plain BM25 (bench/README.md). */
static void mode_options(zhs_search_options *so, int mode)
{
    zhs_search_options_default(so);
    so->all_versions = 1;
    so->proximity = -1;
    so->k = mode == MODE_TOP100 ? 100 : 10;
    so->count_only = mode == MODE_COUNT;
}

/* The warm-up run: also records what the query found, to compare engines. */
static int warm_run(bench_lat *l, int e, int mode, size_t qi, zhs_index *ix, zhs_analyzer *an,
                    const char *text, const zhs_search_options *so, zhs_error *err)
{
    zhs_results *r;
    if (zhs_index_search(&r, ix, an, text, so, err)) return err->code;
    l->matches[e][mode][qi] = zhs_results_matches(r);
    if (mode == MODE_TOP10) {
        size_t n = zhs_results_count(r);
        if (n > BENCH_TOPN) n = BENCH_TOPN;
        for (size_t i = 0; i < n; i++) l->top[e][qi * BENCH_TOPN + i] = zhs_results_hit(r, i)->doc;
        l->ntop[e][qi] = (uint8_t)n;
    }
    zhs_results_free(r);
    return ZHS_OK;
}

/* One timed run in milliseconds, NAN on failure. */
static double timed_run(zhs_index *ix, zhs_analyzer *an, const char *text, const zhs_search_options *so)
{
    zhs_error err = {0};
    zhs_results *r;
    double t0 = zhs_now();
    int rc = zhs_index_search(&r, ix, an, text, so, &err);
    zhs_results_free(r);
    double t1 = zhs_now();
    return rc ? NAN : (t1 - t0) * 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n), NAN if any run failed. */
static double median(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i])) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_mode(bench_lat *l, const bench_qset *qs, zhs_index *ix[2], zhs_analyzer *an, int mode,
                    size_t reps, bench_rng *rng, zhs_error *err)
{
    zhs_search_options so;
    mode_options(&so, mode);
    size_t nq = qs->n, ntask = nq * reps;
    int neng = ix[ENG_XAPIAN] ? 2 : 1;
    for (size_t qi = 0; qi < nq; qi++)
        for (int e = 0; e < neng; e++) {
            zhs_error e2 = {0};
            if (warm_run(l, e, mode, qi, ix[e], an, qs->q[qi].text, &so, &e2)) {
                fprintf(stderr, "zhs bench: %s: %s: %s\n", bench_engine_names[e], qs->q[qi].text, e2.message);
                l->failures[e]++;
            }
        }
    uint32_t *task = malloc((ntask + 1) * sizeof *task);
    double *samples[2] = {malloc((ntask + 1) * sizeof(double)), malloc((ntask + 1) * sizeof(double))};
    size_t *done = calloc(nq + 1, sizeof *done);
    if (!task || !samples[0] || !samples[1] || !done) {
        free(task); free(samples[0]); free(samples[1]); free(done);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    }
    for (size_t t = 0; t < ntask; t++) task[t] = (uint32_t)(t % nq);
    bench_shuffle(rng, task, ntask);
    for (size_t t = 0; t < ntask; t++) {
        uint32_t qi = task[t];
        size_t slot = (size_t)qi * reps + done[qi]++;
        for (int j = 0; j < neng; j++) {
            int e = neng == 1 ? 0 : (int)((t + (size_t)j) & 1);     /* who goes first alternates */
            samples[e][slot] = timed_run(ix[e], an, qs->q[qi].text, &so);
        }
    }
    for (int e = 0; e < neng; e++)
        for (size_t qi = 0; qi < nq; qi++) l->med[e][mode][qi] = median(samples[e] + qi * reps, reps);
    free(task);
    free(samples[0]);
    free(samples[1]);
    free(done);
    return ZHS_OK;
}

int bench_latency(bench_lat *l, const bench_qset *qs, zhs_index *ix[2], zhs_analyzer *an,
                  size_t reps, bench_rng *rng, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    for (int mode = 0; mode < MODE_N; mode++) {
        double t0 = zhs_now();
        if (run_mode(l, qs, ix, an, mode, reps, rng, err)) return err->code;
        fprintf(stderr, "zhs bench: latency %-7s %zu queries x %zu runs x %d engine%s: %.1f s\n",
                bench_mode_names[mode], qs->n, reps, ix[ENG_XAPIAN] ? 2 : 1, ix[ENG_XAPIAN] ? "s" : "",
                zhs_now() - t0);
    }
    l->have[ENG_NATIVE] = true;
    l->have[ENG_XAPIAN] = ix[ENG_XAPIAN] != NULL;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- throughput */

typedef struct tshared {
    const bench_qset *qs;
    const uint32_t *task;
    size_t ntask;
    atomic_size_t next;
    atomic_uint ready;          /* threads set up and waiting for go */
    atomic_int go;              /* 1: run, -1: give up */
    const char *dir;            /* Xapian: every thread opens its own handle */
    zhs_index *shared_ix;       /* native: one handle for all */
    atomic_int failed;
} tshared;

static void *tworker(void *arg)
{
    tshared *s = arg;
    zhs_error err = {0};
    zhs_index *ix = s->shared_ix, *own = NULL;
    zhs_analyzer *an = NULL;          /* analyzers are not thread-safe: one each */
    if (!ix && zhs_index_open(&own, s->dir, &err) == ZHS_OK) ix = own;
    if (ix) zhs_index_open_analyzer(&an, ix, &err);
    if (err.code) {
        fprintf(stderr, "zhs bench: throughput thread: %s\n", err.message);
        atomic_store(&s->failed, 1);
    }
    /* Set-up (opening a Xapian handle) is not timed: wait for the others. */
    atomic_fetch_add(&s->ready, 1);
    while (atomic_load(&s->go) == 0) sched_yield();
    zhs_search_options so;
    mode_options(&so, MODE_TOP10);
    while (!err.code && atomic_load(&s->go) > 0) {
        size_t t = atomic_fetch_add(&s->next, 1);
        if (t >= s->ntask) break;
        zhs_results *r;
        zhs_error e2 = {0};
        if (zhs_index_search(&r, ix, an, s->qs->q[s->task[t]].text, &so, &e2) == ZHS_OK) zhs_results_free(r);
        else atomic_store(&s->failed, 1);
    }
    zhs_analyzer_close(an);
    zhs_index_close(own);
    return NULL;
}

/* Queries per second with n threads over the shuffled task list; 0 with
** err set on failure. */
static double tput_run(tshared *s, unsigned n, zhs_error *err)
{
    pthread_t *th = calloc(n, sizeof *th);
    if (!th) return zhs_fail(err, ZHS_ENOMEM, "out of memory"), 0;
    atomic_store(&s->next, 0);
    atomic_store(&s->ready, 0);
    atomic_store(&s->go, 0);
    atomic_store(&s->failed, 0);
    unsigned started = 0;
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, tworker, s) != 0) break;
    while (atomic_load(&s->ready) < started) sched_yield();
    double t0 = zhs_now();
    atomic_store(&s->go, started == n ? 1 : -1);
    for (unsigned i = 0; i < started; i++) pthread_join(th[i], NULL);
    double el = zhs_now() - t0;
    free(th);
    if (started < n) return zhs_fail(err, ZHS_EINTERNAL, "bench: could not start %u threads", n), 0;
    if (atomic_load(&s->failed)) return zhs_fail(err, ZHS_EINTERNAL, "bench: a throughput thread failed (see above)"), 0;
    return el > 0 ? (double)s->ntask / el : 0;
}

int bench_throughput(bench_tput *t, const bench_qset *qs, const char *dirs[2], zhs_index *native,
                     unsigned threads, size_t reps, bench_rng *rng, zhs_error *err)
{
    memset(t, 0, sizeof *t);
    if (zhs_err_code(err)) return err->code;
    t->threads = threads;
    tshared s;
    memset(&s, 0, sizeof s);
    s.qs = qs;
    s.ntask = qs->n * reps;
    uint32_t *task = malloc((s.ntask + 1) * sizeof *task);
    if (!task) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    for (size_t i = 0; i < s.ntask; i++) task[i] = (uint32_t)(i % qs->n);
    bench_shuffle(rng, task, s.ntask);
    s.task = task;
    t->tasks = s.ntask;
    double t0 = zhs_now();
    for (int e = 0; e < 2 && !err->code; e++) {
        if (!dirs[e]) continue;     /* --no-xapian */
        s.dir = dirs[e];
        s.shared_ix = e == ENG_NATIVE ? native : NULL;
        t->qps1[e] = tput_run(&s, 1, err);
        if (!err->code) t->qpsn[e] = tput_run(&s, threads, err);
    }
    free(task);
    t->done = !err->code;
    fprintf(stderr, "zhs bench: throughput %zu searches x %d engine(s), 1 and %u threads: %.1f s\n", s.ntask,
            dirs[ENG_XAPIAN] ? 2 : 1, threads, zhs_now() - t0);
    return err->code;
}
