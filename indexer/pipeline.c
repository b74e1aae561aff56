/*
** pipeline.c — passages analysed in worker threads, given to the writer
** in the order they were added.
**
** The caller's thread copies each passage into a batch; a full batch is
** queued, and a worker (each with its own analyzer: analyzers are not
** thread-safe) turns every passage of it into its terms.  Batches live in
** a ring and are consumed strictly in sequence, so the engine sees the
** very passages and terms a single thread would give it, in the same
** order: the index is byte for byte the same.  While the oldest batch is
** not ready the caller analyses a queued batch itself instead of waiting,
** so N threads are N - 1 workers plus the caller.
**
** The sink may run in a thread of the pipeline's own (own_sink, asked for
** by a writer whose engine allows it): the caller then only reads, copies
** and analyses, and a consumer thread gives the analysed batches to the
** sink in order.  Without it the caller gave every passage to the sink
** itself, and while the sink waited (on the native engine's shards: 0.7 s
** on laws) the caller read nothing, the workers ran out of batches and a
** core stood idle (bench/RESULTS.md, "inv4", "inv5").
**
** Memory: at most ring_size batches exist, each cut at BATCH_PASSAGES
** passages or BATCH_BYTES of text, so what the pipeline holds is bounded
** by the thread count, not the corpus (docs/ARCHITECTURE.md states the
** constant); the postings budget (--ram) is the engine's, unchanged.
**
** Errors: a worker that fails (out of memory, an analyzer error) records
** the error and the passage; the caller reports it when it reaches that
** passage, after giving the engine every passage before it, exactly as a
** single-threaded build would fail.  Afterwards every call fails the same
** way, and closing stops the workers without waiting on more work.
*/
#include "analyzer_int.h"
#include "indexer_int.h"
#include "terms.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BATCH_PASSAGES 128
#define BATCH_BYTES (64u << 10)
#define MAX_THREADS 256

/* The string fields of a passage, copied into a batch. */
enum { S_ID, S_TEXT, S_TITLE, S_HEADING, S_LABEL, S_PATH, S_DATE, S_CATEGORY, S_STATUS, S_ISSUER, S_EXTRA, NSTR };
#define NO_STRING SIZE_MAX

typedef struct pl_item {
    size_t str[NSTR];           /* offsets into the batch's strings; NO_STRING: NULL */
    size_t text_len;
    uint32_t line;
    /* the analysis: terms t[t_first ..+ nt) with keys at keys + key_first */
    size_t t_first, nt, ntitle, key_first;
    uint32_t length;
} pl_item;

typedef struct pl_batch {
    pl_item *items;
    size_t n, cap;
    zhs_buf strings;
    size_t text_bytes;
    zhs_pterm *t;
    size_t nt, tcap;
    zhs_buf keys;
    bool done;                  /* analysed (or failed at fail_at) */
    size_t fail_at;             /* passage that failed; n: none */
    zhs_error err;
} pl_batch;

/* An analyzer and its passage terms: one per thread that analyses. */
typedef struct pl_analysis {
    zhs_analyzer *an;
    bool own_an;
    zhs_passage_terms pt;
} pl_analysis;

typedef struct pl_worker {
    zhs_pipeline *pl;
    unsigned k;                 /* its number: names its user dictionary's file */
    pl_analysis a;
    pthread_t th;
    bool started;
} pl_worker;

struct zhs_pipeline {
    zhs_pipeline_sink sink;
    void *sink_ctx;

    pthread_mutex_t mu;
    pthread_cond_t work;        /* a batch was queued, or stop */
    pthread_cond_t done;        /* a batch was analysed, or stop, or failed */
    pthread_cond_t freed;       /* the consumer gave a batch to the sink, or failed */
    bool stop;

    /* Batches by sequence number s in ring[s % nring]:
    ** consumed <= next_job <= submitted; ring[submitted % nring] fills. */
    pl_batch *ring;
    size_t nring;
    uint64_t consumed, next_job, submitted;

    pl_analysis caller;         /* the caller's: the writer's analyzer */
    const zhs_analyzer *model;  /* the writer's analyzer, which the workers' copy */
    char *scratch;              /* where a copy's user dictionary goes through (owned) */
    /* A worker that could not open its analyzer: its error, given to the
    ** caller by its next add or the drain (set under mu; the flag is read
    ** without it, once per add) */
    atomic_bool worker_failed;
    zhs_error worker_err;
    unsigned starting;          /* workers still opening their analyzer (under mu) */
    pthread_mutex_t open_mu;    /* one worker opens its analyzer at a time, as when the
                                ** caller opened them all (OpenCC's and ICU's loading is
                                ** not known to be safe from two threads at once).  The
                                ** caller analyses with the writer's analyzer meanwhile:
                                ** loading beside a running analyzer is new with this (the
                                ** analyzers share no object, but TSan does not see inside
                                ** ICU or OpenCC: this rests on their keeping no shared
                                ** state between separate objects; not verified) */
    pl_worker *workers;
    unsigned nworkers;
    unsigned idle;              /* workers waiting for a batch (woken or not) */
    bool own_sink;              /* the consumer thread calls the sink */
    pthread_t consumer;
    bool consumer_started;

    zhs_buf title;              /* title of the last passage consumed */
    bool have_title;
    bool failed;                /* with own_sink: under mu */
    zhs_error err;              /* the failure, repeated by later calls */
};

/* ---------------------------------------------------------------- batches */

static void batch_reset(pl_batch *b)
{
    b->n = 0;
    b->nt = 0;
    b->text_bytes = 0;
    zhs_buf_reset(&b->strings);
    zhs_buf_reset(&b->keys);
    b->done = false;
    b->fail_at = SIZE_MAX;
    memset(&b->err, 0, sizeof b->err);
}

static void batch_free(pl_batch *b)
{
    free(b->items);
    free(b->t);
    zhs_buf_free(&b->strings);
    zhs_buf_free(&b->keys);
}

static bool put_string(pl_batch *b, size_t *off, const char *s, size_t len)
{
    if (!s) {
        *off = NO_STRING;
        return true;
    }
    *off = b->strings.len;
    zhs_buf_append(&b->strings, s, len);
    return zhs_buf_putc(&b->strings, 0);
}

/* Copies p (the caller keeps ownership of it) to the end of b. */
static bool batch_put(pl_batch *b, const zhs_passage *p)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : BATCH_PASSAGES;
        pl_item *it = realloc(b->items, cap * sizeof *it);
        if (!it) return false;
        b->items = it;
        b->cap = cap;
    }
    pl_item *it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    const char *s[NSTR] = {p->id, p->text, p->title, p->heading, p->label, p->path,
                           p->date, p->category, p->status, p->issuer, p->extra};
    for (int k = 0; k < NSTR; k++)
        if (!put_string(b, &it->str[k], s[k], k == S_TEXT ? p->text_len : s[k] ? strlen(s[k]) : 0))
            return false;
    it->text_len = p->text ? p->text_len : 0;
    it->line = p->line;
    b->text_bytes += it->text_len;
    b->n++;
    return true;
}

/* Passage i of b; its strings point into the batch (stable once queued). */
static void batch_passage(const pl_batch *b, size_t i, zhs_passage *p)
{
    const pl_item *it = &b->items[i];
    const char *base = b->strings.data;
    const char *s[NSTR];
    for (int k = 0; k < NSTR; k++) s[k] = it->str[k] == NO_STRING ? NULL : base + it->str[k];
    memset(p, 0, sizeof *p);
    p->id = s[S_ID];
    p->text = s[S_TEXT];
    p->text_len = it->text_len;
    p->title = s[S_TITLE];
    p->heading = s[S_HEADING];
    p->label = s[S_LABEL];
    p->path = s[S_PATH];
    p->line = it->line;
    p->date = s[S_DATE];
    p->category = s[S_CATEGORY];
    p->status = s[S_STATUS];
    p->issuer = s[S_ISSUER];
    p->extra = s[S_EXTRA];
}

/* Analyses every passage of b with a, keeping a copy of each one's terms.
** Runs without the lock: b belongs to whoever took it from the queue. */
static void batch_analyse(pl_batch *b, pl_analysis *a)
{
    for (size_t i = 0; i < b->n; i++) {
        zhs_passage p;
        batch_passage(b, i, &p);
        pl_item *it = &b->items[i];
        zhs_error e = {0};
        if (zhs_passage_terms_run(&a->pt, a->an, &p, &e)) {
            b->err = e;
            b->fail_at = i;
            return;
        }
        const zhs_passage_terms *pt = &a->pt;
        if (b->nt + pt->n > b->tcap) {
            size_t cap = b->tcap ? b->tcap : 4096;
            while (cap < b->nt + pt->n) cap *= 2;
            zhs_pterm *t = realloc(b->t, cap * sizeof *t);
            if (!t) {
                b->fail_at = i;
                break;
            }
            b->t = t;
            b->tcap = cap;
        }
        memcpy(b->t + b->nt, pt->t, pt->n * sizeof *pt->t);
        it->t_first = b->nt;
        it->nt = pt->n;
        it->ntitle = pt->ntitle;
        it->length = pt->length;
        it->key_first = b->keys.len;
        b->nt += pt->n;
        if (!zhs_buf_append(&b->keys, pt->keys.data, pt->keys.len)) {
            b->fail_at = i;
            break;
        }
    }
    if (b->fail_at != SIZE_MAX) zhs_fail(&b->err, ZHS_ENOMEM, "out of memory collecting a passage's terms");
}

/* ---------------------------------------------------------------- threads */

static int clone_analyzer(zhs_analyzer **out, const zhs_analyzer *an, const char *scratch, unsigned k,
                          zhs_error *err);

/* A worker opens its analyzer on its own thread (about as long as the
** writer's took: OpenCC's dictionaries, ICU), so that the caller starts
** reading and analysing at once instead of after every worker's copy.  One
** that cannot takes no batch and leaves its error to the caller; the
** caller and the other workers analyse what it would have. */
static void *worker_main(void *arg)
{
    pl_worker *wk = arg;
    zhs_pipeline *pl = wk->pl;
    zhs_error e = {0};
    pthread_mutex_lock(&pl->open_mu);
    bool opened = clone_analyzer(&wk->a.an, pl->model, pl->scratch, wk->k, &e) == ZHS_OK;
    pthread_mutex_unlock(&pl->open_mu);
    wk->a.own_an = opened;
    pthread_mutex_lock(&pl->mu);
    pl->starting--;
    pthread_cond_broadcast(&pl->done);      /* the drain waits for every worker's start */
    if (!opened) {
        if (!atomic_load_explicit(&pl->worker_failed, memory_order_relaxed)) {
            pl->worker_err = e;
            atomic_store_explicit(&pl->worker_failed, true, memory_order_release);
        }
        pthread_mutex_unlock(&pl->mu);
        return NULL;
    }
    for (;;) {
        if (!pl->stop && pl->next_job == pl->submitted) {
            pl->idle++;
            while (!pl->stop && pl->next_job == pl->submitted) pthread_cond_wait(&pl->work, &pl->mu);
            pl->idle--;
        }
        if (pl->stop) break;
        pl_batch *b = &pl->ring[pl->next_job++ % pl->nring];
        pthread_mutex_unlock(&pl->mu);
        batch_analyse(b, &wk->a);
        pthread_mutex_lock(&pl->mu);
        b->done = true;
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

static int fail(zhs_pipeline *pl, zhs_error *err)
{
    pl->failed = true;
    pl->err = *err;
    return err->code;
}

/* Gives the sink the passages of b, the oldest batch, analysed: up to
** the one that failed, if one did. */
static int give_batch(zhs_pipeline *pl, pl_batch *b, zhs_error *err)
{
    int rc = ZHS_OK;
    for (size_t i = 0; i < b->n && rc == ZHS_OK; i++) {
        if (i == b->fail_at) {
            *err = b->err;
            rc = err->code;
            break;
        }
        zhs_passage p;
        batch_passage(b, i, &p);
        const pl_item *it = &b->items[i];
        /* A view of the worker's terms: engines read t, n, ntitle,
        ** length, title_changed and keys.data only (up to keys.cap). */
        zhs_passage_terms pt;
        memset(&pt, 0, sizeof pt);
        pt.t = b->t + it->t_first;
        pt.n = it->nt;
        pt.ntitle = it->ntitle;
        pt.length = it->length;
        pt.keys.data = b->keys.data + it->key_first;
        pt.keys.cap = b->keys.cap - it->key_first;  /* the inverter moves keys 16 bytes at a time */
        /* Whether the title differs from the previous passage's, as the
        ** writer's own analysis would have said (terms.h). */
        const char *title = p.title ? p.title : "";
        pt.title_changed = !pl->have_title || strcmp(pl->title.data, title) != 0;
        if (pt.title_changed) {
            zhs_buf_reset(&pl->title);
            zhs_buf_puts(&pl->title, title);
            pl->have_title = zhs_buf_putc(&pl->title, 0);
        }
        rc = pl->sink(pl->sink_ctx, &p, &pt, err);
    }
    return rc;
}

/* Analyses the next queued batch on the calling thread (a: its
** analysis); called and returns with the lock held. */
static void analyse_queued(zhs_pipeline *pl, pl_analysis *a)
{
    pl_batch *job = &pl->ring[pl->next_job++ % pl->nring];
    pthread_mutex_unlock(&pl->mu);
    batch_analyse(job, a);
    pthread_mutex_lock(&pl->mu);
    job->done = true;
    pthread_cond_broadcast(&pl->done);
}

/* Gives the engine the passages of the oldest batch.  With wait, blocks
** until it is analysed, analysing queued batches meanwhile; without, gives
** up (returning ZHS_OK) when it is not ready.  Without own_sink only. */
static int consume_oldest(zhs_pipeline *pl, bool wait, bool *consumed, zhs_error *err)
{
    *consumed = false;
    pl_batch *b = &pl->ring[pl->consumed % pl->nring];
    pthread_mutex_lock(&pl->mu);
    while (!b->done) {
        if (pl->next_job < pl->submitted && wait) analyse_queued(pl, &pl->caller);
        else if (wait) pthread_cond_wait(&pl->done, &pl->mu);
        else break;
    }
    bool ready = b->done;
    pthread_mutex_unlock(&pl->mu);
    if (!ready) return ZHS_OK;
    if (give_batch(pl, b, err)) return fail(pl, err);
    batch_reset(b);
    pl->consumed++;
    *consumed = true;
    return ZHS_OK;
}

/* The consumer thread (own_sink): gives each batch, once analysed, to
** the sink, in order, and frees its slot for the caller. */
static void *consumer_main(void *arg)
{
    zhs_pipeline *pl = arg;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        pl_batch *b = &pl->ring[pl->consumed % pl->nring];
        while (!pl->stop && !pl->failed && !(pl->consumed < pl->submitted && b->done))
            pthread_cond_wait(&pl->done, &pl->mu);
        if (pl->stop || pl->failed) break;
        pthread_mutex_unlock(&pl->mu);
        zhs_error e = {0};
        int rc = give_batch(pl, b, &e);
        pthread_mutex_lock(&pl->mu);
        if (rc) {
            if (!pl->failed) fail(pl, &e);     /* the caller's own failure (add) stays the one reported */
        } else {
            batch_reset(b);
            pl->consumed++;
        }
        pthread_cond_broadcast(&pl->freed);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* With own_sink: until at most keep batches wait for the consumer (or
** the pipeline failed), analyses queued batches, or waits; called and
** returns with the lock held.  It leaves a queued batch to an idle
** worker: taking it at once (before the woken worker runs) kept the
** worker idle and the caller from reading, and the consumer waited for
** the caller's analysis (laws: the worker idle 2.8 s instead of 1.5);
** but not the oldest, which the consumer waits for. */
static void wait_consumer(zhs_pipeline *pl, uint64_t keep)
{
    while (!pl->failed && pl->submitted - pl->consumed > keep) {
        if (pl->next_job < pl->submitted && (pl->next_job == pl->consumed || pl->submitted - pl->next_job > pl->idle))
            analyse_queued(pl, &pl->caller);
        else pthread_cond_wait(&pl->freed, &pl->mu);
    }
}

static void submit(zhs_pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->submitted++;
    pthread_cond_signal(&pl->work);
    pthread_mutex_unlock(&pl->mu);
}

/* Queues the batch being filled, if it holds passages.  A full ring has
** no batch being filled: the slot after the last queued one is then the
** oldest batch (queued, or with the sink), and queueing it again would
** analyse it while the sink reads it (an add that fills a batch queues it
** at once and leaves the wait for a free slot to the next add). */
static void submit_filling(zhs_pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    bool filling = pl->submitted - pl->consumed < pl->nring && pl->ring[pl->submitted % pl->nring].n > 0;
    pthread_mutex_unlock(&pl->mu);
    if (filling) submit(pl);
}

/* ---------------------------------------------------------------- API */

unsigned zhs_pipeline_threads(unsigned asked)
{
    if (asked == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        asked = n > 0 ? (unsigned)n : 1;
    }
    return asked > MAX_THREADS ? MAX_THREADS : asked;
}

/* Opens an analyzer configured as an, for a worker.  A user dictionary
** is only known to an analyzer as its canonical words: they go through a
** file in scratch, which opening reads (as an index's stored copy is). */
static int clone_analyzer(zhs_analyzer **out, const zhs_analyzer *an, const char *scratch, unsigned k,
                          zhs_error *err)
{
    zhs_analyzer_config ac;
    zhs_analyzer_config_get(an, &ac);
    size_t ulen;
    const char *uw = zhs_analyzer_user_words(an, &ulen);
    char path[ZHS_PATH_MAX];
    if (uw) {
        snprintf(path, sizeof path, "%s/userdict-%u", scratch, k);
        if (zhs_file_write(path, uw, ulen, err)) return err->code;
        ac.user_dict = path;
    }
    int rc = zhs_analyzer_open(out, &ac, err);
    if (uw) unlink(path);
    if (rc) return rc;
    if (strcmp(zhs_analyzer_fingerprint(*out), zhs_analyzer_fingerprint(an)) != 0) {
        zhs_fail(err, ZHS_EINTERNAL, "a worker's analyzer (\"%s\") differs from the writer's (\"%s\"): "
                 "index with one thread", zhs_analyzer_fingerprint(*out), zhs_analyzer_fingerprint(an));
        zhs_analyzer_close(*out);
        *out = NULL;
        return err->code;
    }
    return ZHS_OK;
}

int zhs_pipeline_open(zhs_pipeline **out, unsigned threads, zhs_analyzer *an, unsigned title_weight,
                      const char *scratch, zhs_pipeline_sink sink, void *sink_ctx, bool own_sink, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    threads = zhs_pipeline_threads(threads);
    if (threads < 2) return zhs_fail(err, ZHS_EINTERNAL, "a pipeline needs two threads or more");
    zhs_pipeline *pl = calloc(1, sizeof *pl);
    if (!pl) return zhs_fail(err, ZHS_ENOMEM, "out of memory starting the indexing threads");
    pl->sink = sink;
    pl->sink_ctx = sink_ctx;
    zhs_buf_init(&pl->title);
    pl->caller.an = an;
    zhs_passage_terms_init(&pl->caller.pt, title_weight);
    if (pthread_mutex_init(&pl->mu, NULL) || pthread_mutex_init(&pl->open_mu, NULL) || pthread_cond_init(&pl->work, NULL) ||
        pthread_cond_init(&pl->done, NULL) || pthread_cond_init(&pl->freed, NULL)) {
        free(pl);
        return zhs_fail(err, ZHS_ENOMEM, "cannot create the indexing threads' locks");
    }
    /* two batches per thread: one analysed while the other waits */
    pl->nring = (size_t)threads * 2 + 2;
    pl->ring = calloc(pl->nring, sizeof *pl->ring);
    pl->workers = calloc(threads, sizeof *pl->workers);
    pl->scratch = strdup(scratch);
    if (!pl->ring || !pl->workers || !pl->scratch) {
        zhs_pipeline_close(pl);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory starting the indexing threads");
    }
    for (size_t i = 0; i < pl->nring; i++) {
        zhs_buf_init(&pl->ring[i].strings);
        zhs_buf_init(&pl->ring[i].keys);
        batch_reset(&pl->ring[i]);
    }
    pl->model = an;
    atomic_init(&pl->worker_failed, false);
    for (unsigned k = 0; k + 1 < threads; k++) {
        pl_worker *wk = &pl->workers[k];
        wk->pl = pl;
        wk->k = k;
        zhs_passage_terms_init(&wk->a.pt, title_weight);
        pl->nworkers = k + 1;
        pthread_mutex_lock(&pl->mu);    /* the workers started before it count down */
        pl->starting++;
        pthread_mutex_unlock(&pl->mu);
        int e = pthread_create(&wk->th, NULL, worker_main, wk);
        if (e) {
            pthread_mutex_lock(&pl->mu);
            pl->starting--;
            pthread_mutex_unlock(&pl->mu);
            zhs_fail(err, e == EAGAIN ? ZHS_ENOMEM : ZHS_EINTERNAL, "cannot start indexing thread %u: %s: "
                     "index with fewer threads", k + 1, strerror(e));
            break;
        }
        wk->started = true;
    }
    /* without a consumer thread the caller gives the batches to the sink
    ** (the same passages in the same order) */
    if (!err->code && own_sink) {
        pl->consumer_started = pthread_create(&pl->consumer, NULL, consumer_main, pl) == 0;
        pl->own_sink = pl->consumer_started;
    }
    if (err->code) {
        zhs_pipeline_close(pl);
        return err->code;
    }
    *out = pl;
    return ZHS_OK;
}

/* The pipeline's failure, if any, in *err (with own_sink, the lock held):
** a worker's that could not open its analyzer becomes the pipeline's. */
static int failed(zhs_pipeline *pl, zhs_error *err)
{
    if (!pl->failed && atomic_load_explicit(&pl->worker_failed, memory_order_acquire)) {
        if (!pl->own_sink) pthread_mutex_lock(&pl->mu);
        fail(pl, &pl->worker_err);
        if (!pl->own_sink) pthread_mutex_unlock(&pl->mu);
        if (pl->own_sink) pthread_cond_broadcast(&pl->done);   /* the consumer stops */
    }
    if (!pl->failed) return ZHS_OK;
    *err = pl->err;
    return err->code;
}

int zhs_pipeline_add(zhs_pipeline *pl, const zhs_passage *p, zhs_error *err)
{
    bool consumed;
    if (pl->own_sink) {
        /* a new batch needs a free slot: the consumer frees the oldest */
        pthread_mutex_lock(&pl->mu);
        wait_consumer(pl, pl->nring - 1);
        int rc = failed(pl, err);
        pthread_mutex_unlock(&pl->mu);
        if (rc) return rc;
    } else {
        if (failed(pl, err)) return err->code;
        /* a new batch needs a free slot: the oldest goes to the engine */
        if (pl->submitted - pl->consumed == pl->nring && consume_oldest(pl, true, &consumed, err)) return err->code;
    }
    pl_batch *b = &pl->ring[pl->submitted % pl->nring];
    if (!batch_put(b, p) || b->strings.oom) {
        zhs_fail(err, ZHS_ENOMEM, "out of memory queueing passage %s for analysis", p->id ? p->id : "");
        if (!pl->own_sink) return fail(pl, err);
        pthread_mutex_lock(&pl->mu);
        fail(pl, err);
        pthread_cond_broadcast(&pl->done);  /* the consumer stops */
        pthread_mutex_unlock(&pl->mu);
        return err->code;
    }
    if (b->n < BATCH_PASSAGES && b->text_bytes < BATCH_BYTES) return ZHS_OK;
    submit(pl);
    if (pl->own_sink) return ZHS_OK;
    /* what is ready goes on to the engine now, keeping memory low */
    do {
        if (pl->consumed == pl->submitted) break;
        if (consume_oldest(pl, false, &consumed, err)) return err->code;
    } while (consumed);
    return ZHS_OK;
}

int zhs_pipeline_drain(zhs_pipeline *pl, zhs_error *err)
{
    /* a worker that failed to start fails the build, however early the
    ** corpus ended */
    pthread_mutex_lock(&pl->mu);
    while (pl->starting) pthread_cond_wait(&pl->done, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
    if (pl->own_sink) {
        pthread_mutex_lock(&pl->mu);
        int rc = failed(pl, err);
        pthread_mutex_unlock(&pl->mu);
        if (rc) return rc;
        submit_filling(pl);
        pthread_mutex_lock(&pl->mu);
        wait_consumer(pl, 0);
        rc = failed(pl, err);
        pthread_mutex_unlock(&pl->mu);
        return rc;
    }
    if (failed(pl, err)) return err->code;
    submit_filling(pl);
    bool consumed;
    while (pl->consumed < pl->submitted)
        if (consume_oldest(pl, true, &consumed, err)) return err->code;
    return ZHS_OK;
}

void zhs_pipeline_close(zhs_pipeline *pl)
{
    if (!pl) return;
    pthread_mutex_lock(&pl->mu);
    pl->stop = true;
    pthread_cond_broadcast(&pl->work);
    pthread_cond_broadcast(&pl->done);
    pthread_mutex_unlock(&pl->mu);
    /* stops between two batches: the one given to the sink is finished */
    if (pl->consumer_started) pthread_join(pl->consumer, NULL);
    for (unsigned k = 0; k < pl->nworkers; k++) {
        pl_worker *wk = &pl->workers[k];
        if (wk->started) pthread_join(wk->th, NULL);
        if (wk->a.own_an) zhs_analyzer_close(wk->a.an);
        zhs_passage_terms_free(&wk->a.pt);
    }
    if (pl->ring)
        for (size_t i = 0; i < pl->nring; i++) batch_free(&pl->ring[i]);
    free(pl->ring);
    free(pl->workers);
    free(pl->scratch);
    zhs_passage_terms_free(&pl->caller.pt);
    zhs_buf_free(&pl->title);
    pthread_mutex_destroy(&pl->mu);
    pthread_mutex_destroy(&pl->open_mu);
    pthread_cond_destroy(&pl->work);
    pthread_cond_destroy(&pl->done);
    pthread_cond_destroy(&pl->freed);
    free(pl);
}
