/*
** bench_micro.c — the native engine's hot paths in isolation:
**   - posting decoding: every posting list of the index decoded block by
**     block through the cursor (zhs_cursor_init, the block's docs[] and
**     zhs_cursor_decode_tfs, zhs_cursor_advance past the block), the way a
**     count or a bitset consumes a list; docids and tfs per second;
**   - the cursor walk: the same lists posting by posting (zhs_cursor_next,
**     zhs_cursor_tf), the way scoring consumes them;
**   - the scoring loop: exhaustive (unpruned) search of the union queries,
**     postings scored per second (a posting = one term in one passage; the
**     figure includes the per-query accumulator set-up of the oracle).
** The two posting figures are timed in thread CPU time, not wall time: on
** a shared machine the wall clock also counts the time other processes
** held the core.  The analyzer's MB/s is measured during the corpus scan
** (bench_corpus.c).  Each is repeated until about a second has passed
** (once with --quick).
*/
#include "bench.h"
#include "query_int.h"

#include <stdlib.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return zhs_now();
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool enough(double elapsed, size_t passes, bool quick)
{
    return passes >= 1 && (quick || elapsed >= 1.0 || passes >= 50);
}

/* Every term's dictionary entry, read before the clock starts. */
static int all_terms(zhs_term_info **out, size_t *n, const zhs_segment *seg, zhs_error *err)
{
    size_t cap = seg->nterms + 1;
    zhs_term_info *ti = malloc(cap * sizeof *ti);
    if (!ti) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, seg);
    size_t k = 0;
    int rc;
    while ((rc = zhs_dict_iter_next(&it, err)) == ZHS_OK && k < cap) ti[k++] = it.ti;
    if (rc < 0) {
        free(ti);
        return rc;
    }
    *out = ti;
    *n = k;
    return ZHS_OK;
}

/* One pass over every list, block by block or posting by posting; returns
** the postings read. */
static uint64_t read_lists(const zhs_segment *seg, const zhs_term_info *ti, size_t nt, bool by_block, uint64_t *sum)
{
    uint64_t postings = 0;
    for (size_t i = 0; i < nt; i++) {
        zhs_cursor c;
        zhs_cursor_init(&c, seg, &ti[i]);
        if (by_block) {
            while (c.doc != ZHS_NO_DOC) {
                zhs_cursor_decode_tfs(&c);
                for (uint32_t j = 0; j < c.bn; j++) *sum += c.docs[j] + c.tfs[j];
                postings += c.bn;
                zhs_cursor_advance(&c, c.docs[c.bn - 1] + 1);
            }
            continue;
        }
        for (uint32_t d = c.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&c)) {
            *sum += d + zhs_cursor_tf(&c);
            postings++;
        }
    }
    return postings;
}

int bench_micro_postings(bench_micro *m, zhs_index *ix, bool quick, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    const zhs_segment *seg = zhs_native_segment(ix);
    if (!seg) return zhs_fail(err, ZHS_EINVAL, "bench: the postings micro-benchmark needs a native index");
    zhs_term_info *ti = NULL;
    size_t nt = 0;
    if (all_terms(&ti, &nt, seg, err)) return err->code;
    uint64_t postings = 0, walked = 0, sum = 0;
    size_t passes = 0;
    double t0 = cpu_now(), el = 0;
    while (!enough(el, passes, quick)) {
        postings = read_lists(seg, ti, nt, true, &sum);
        passes++;
        el = cpu_now() - t0;
    }
    m->post_seconds = el / (double)passes;
    passes = 0;
    t0 = cpu_now();
    el = 0;
    while (!enough(el, passes, quick)) {
        walked = read_lists(seg, ti, nt, false, &sum);
        passes++;
        el = cpu_now() - t0;
    }
    m->walk_seconds = walked == postings ? el / (double)passes : 0;
    /* the sum keeps the compiler from dropping the loops */
    volatile uint64_t sink = sum;
    (void)sink;
    free(ti);
    if (walked != postings)
        return zhs_fail(err, ZHS_ECORRUPT, "bench: decoding the index block by block gave %llu postings, posting by posting %llu: the index is damaged or the cursor is wrong",
                        (unsigned long long)postings, (unsigned long long)walked);
    m->post_terms = nt;
    m->post_ints = 2 * postings;
    return ZHS_OK;
}

/* Sum of the document frequencies of the query's scoring terms. */
static int query_postings(uint64_t *out, zhs_index *ix, zhs_analyzer *an, const char *text, zhs_error *err)
{
    *out = 0;
    const zhs_segment *seg = zhs_native_segment(ix);
    if (!seg) return zhs_fail(err, ZHS_EINVAL, "bench: the scoring micro-benchmark needs a native index");
    zhs_arena a;
    zhs_arena_init(&a, 16 * 1024);
    zhs_query q;
    if (zhs_query_parse(&q, &a, an, text, err) == ZHS_OK)
        for (size_t i = 0; i < q.nterms; i++) {
            zhs_term_info ti;
            if (zhs_segment_lookup(seg, &ti, q.terms[i].key, q.terms[i].len, err) == 1) *out += ti.df;
        }
    zhs_arena_free(&a);
    return zhs_err_code(err);
}

int bench_micro_scoring(bench_micro *m, const bench_qset *qs, zhs_index *ix, zhs_analyzer *an,
                        bool quick, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    uint64_t postings = 0;
    size_t nq = 0;
    for (size_t i = 0; i < qs->n; i++) {
        if (qs->q[i].type != QT_OR) continue;
        uint64_t p;
        if (query_postings(&p, ix, an, qs->q[i].text, err)) return err->code;
        postings += p;
        nq++;
    }
    zhs_search_options so;
    zhs_search_options_default(&so);
    so.exhaustive = 1;
    so.proximity = -1;     /* BM25 scoring alone */
    size_t passes = 0;
    double t0 = zhs_now(), el = 0;
    while (nq && !enough(el, passes, quick)) {
        for (size_t i = 0; i < qs->n; i++) {
            if (qs->q[i].type != QT_OR) continue;
            zhs_results *r;
            if (zhs_index_search(&r, ix, an, qs->q[i].text, &so, err)) return err->code;
            zhs_results_free(r);
        }
        passes++;
        el = zhs_now() - t0;
    }
    m->score_queries = nq;
    m->score_postings = postings;
    m->score_seconds = passes ? el / (double)passes : 0;
    return ZHS_OK;
}
