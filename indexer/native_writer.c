/*
** native_writer.c — the native engine's writer: passages' terms become
** postings in a segment (see indexer_int.h for the flow inside a build).
**
** Each term's postings are appended to one growable posting stream.  When
** the streams outgrow the RAM budget they are flushed as a sorted run into
** the build's scratch directory; at commit the runs (or, for a corpus that
** fits, the streams themselves) are written as one segment.  The passage
** store is streamed to its final file as passages arrive.  Naming,
** locking, publishing and clean-up are the generic writer's (writer.c).
*/
#include "engine.h"
#include "indexer_int.h"
#include "manifest.h"
#include "terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Per-term accumulator. */
typedef struct term_acc {
    uint32_t key_off;           /* in keys */
    uint32_t keylen;
    int64_t last_doc;           /* last passage with this term, -1: none */
    uint32_t doc_tf;            /* occurrences in the passage being added */
    uint32_t last_pos;
    uint8_t *buf;               /* posting stream */
    uint32_t len, cap;
} term_acc;

typedef struct native_writer {
    zhs_engine_build b;
    char tmpdir[ZHS_DIR_MAX + 64];
    size_t ram_budget;
    double k1, bm25_b;

    zhs_store_writer *store;

    /* term table: open addressing over term ids */
    term_acc *terms;
    uint32_t nterms, terms_cap;
    uint32_t *slots;            /* term id + 1; 0 = empty */
    uint32_t nslots;
    zhs_buf keys;
    size_t mem;                 /* bytes held by posting streams + table */
    /* What flushing frees: postings buffers, keys and term entries.  The
    ** flush decision counts only this, since the hash and term tables keep
    ** their capacity after a flush (otherwise a small budget would be
    ** filled by empty tables and flush a run per passage). */
    size_t live;

    /* per passage scratch */
    uint32_t *tids;             /* term id of each token, in order */
    uint32_t *tpos;
    size_t ntids, tids_cap;
    uint32_t *touched;
    size_t ntouched, touched_cap;
    uint64_t *hashes;           /* hash_key of each of the passage's terms */
    size_t hashes_cap;

    uint32_t *title_ids;        /* term id of each of the passage's title terms */
    size_t title_ids_cap;
    bool title_ids_valid;

    uint32_t *lens;
    uint32_t ndocs, lens_cap;
    uint64_t total_tokens;

    char **runs;
    size_t nruns;
} native_writer;

/* ---------------------------------------------------------------- terms */

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static bool grow_slots(native_writer *w)
{
    uint32_t n = w->nslots ? w->nslots * 2 : 1u << 16;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s) return false;
    for (uint32_t id = 0; id < w->nterms; id++) {
        term_acc *t = &w->terms[id];
        uint64_t h = hash_key(w->keys.data + t->key_off, t->keylen);
        uint32_t i = (uint32_t)h & (n - 1);
        while (s[i]) i = (i + 1) & (n - 1);
        s[i] = id + 1;
    }
    free(w->slots);
    w->mem += (size_t)(n - w->nslots) * sizeof *s;
    w->slots = s;
    w->nslots = n;
    return true;
}

/* Returns the term id of key (whose hash_key is h), adding it if new;
** UINT32_MAX on OOM. */
static uint32_t term_id_hashed(native_writer *w, const char *key, size_t n, uint64_t h)
{
    if ((uint64_t)(w->nterms + 1) * 2 > w->nslots && !grow_slots(w)) return UINT32_MAX;
    uint32_t i = (uint32_t)h & (w->nslots - 1);
    for (;;) {
        uint32_t s = w->slots[i];
        if (!s) break;
        term_acc *t = &w->terms[s - 1];
        if (t->keylen == n && memcmp(w->keys.data + t->key_off, key, n) == 0) return s - 1;
        i = (i + 1) & (w->nslots - 1);
    }
    if (w->nterms == w->terms_cap) {
        uint32_t cap = w->terms_cap ? w->terms_cap * 2 : 1u << 15;
        term_acc *t = realloc(w->terms, (size_t)cap * sizeof *t);
        if (!t) return UINT32_MAX;
        w->mem += (size_t)(cap - w->terms_cap) * sizeof *t;
        w->terms = t;
        w->terms_cap = cap;
    }
    term_acc *t = &w->terms[w->nterms];
    memset(t, 0, sizeof *t);
    t->key_off = (uint32_t)w->keys.len;
    t->keylen = (uint32_t)n;
    t->last_doc = -1;
    size_t before = w->keys.cap;
    if (!zhs_buf_append(&w->keys, key, n) || w->keys.len > UINT32_MAX) return UINT32_MAX;
    w->mem += w->keys.cap - before;
    w->live += n + sizeof *t + 2 * sizeof *w->slots;
    w->slots[i] = w->nterms + 1;
    return w->nterms++;
}

static uint32_t term_id(native_writer *w, const char *key, size_t n)
{
    return term_id_hashed(w, key, n, hash_key(key, n));
}

/* A look-up is two dependent cache misses on a large table (its slot,
** then its entry), two fifths of a build's time when taken one after the
** other: the hashes of a passage's terms are computed first, and each
** term's slot and then entry are prefetched a few terms before its turn,
** so that the misses overlap. */
#define AHEAD 8

static void prefetch_slot(const native_writer *w, uint64_t h)
{
    if (w->nslots) __builtin_prefetch(&w->slots[(uint32_t)h & (w->nslots - 1)]);
}

static void prefetch_entry(const native_writer *w, uint64_t h)
{
    if (!w->nslots) return;
    uint32_t s = w->slots[(uint32_t)h & (w->nslots - 1)];
    if (s && s <= w->nterms) __builtin_prefetch(&w->terms[s - 1]);
}

static bool acc_put(native_writer *w, term_acc *t, uint64_t v)
{
    if (t->cap - t->len < 10) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        uint8_t *b = realloc(t->buf, cap);
        if (!b) return false;
        w->mem += cap - t->cap;
        w->live += cap - t->cap;
        t->buf = b;
        t->cap = cap;
    }
    while (v >= 0x80) {
        t->buf[t->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t->buf[t->len++] = (uint8_t)v;
    return true;
}

static void free_terms(native_writer *w)
{
    w->title_ids_valid = false;
    for (uint32_t i = 0; i < w->nterms; i++) free(w->terms[i].buf);
    w->nterms = 0;
    if (w->slots) memset(w->slots, 0, (size_t)w->nslots * sizeof *w->slots);
    zhs_buf_reset(&w->keys);
    w->mem = (size_t)w->nslots * sizeof *w->slots + (size_t)w->terms_cap * sizeof *w->terms + w->keys.cap;
    w->live = 0;
    /* Tables that outgrew the budget go back, to grow again as needed. */
    if (w->mem > w->ram_budget) {
        free(w->slots);
        free(w->terms);
        zhs_buf_free(&w->keys);
        w->slots = NULL;
        w->terms = NULL;
        w->nslots = w->terms_cap = 0;
        w->mem = 0;
    }
}

/* ---------------------------------------------------------------- open */

static void native_close(void *vw);

static int native_open(void **out, const zhs_engine_build *b, zhs_error *err)
{
    *out = NULL;
    native_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    w->b = *b;
    w->ram_budget = b->opts->ram_budget;
    w->k1 = b->opts->k1;
    w->bm25_b = b->opts->b;
    snprintf(w->tmpdir, sizeof w->tmpdir, "%s", b->tmpdir);
    w->b.tmpdir = w->tmpdir;
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.store", b->dir, b->segment);
    if (zhs_store_writer_open(&w->store, path, b->opts->threads > 1, err)) {
        native_close(w);
        return err->code;
    }
    *out = w;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- add */

static bool push_tid(native_writer *w, uint32_t id, uint32_t pos)
{
    if (w->ntids == w->tids_cap) {
        size_t cap = w->tids_cap ? w->tids_cap * 2 : 1024;
        uint32_t *a = realloc(w->tids, cap * sizeof *a);
        if (!a) return false;
        w->tids = a;
        uint32_t *b = realloc(w->tpos, cap * sizeof *b);
        if (!b) return false;
        w->tpos = b;
        w->tids_cap = cap;
    }
    w->tids[w->ntids] = id;
    w->tpos[w->ntids] = pos;
    w->ntids++;
    return true;
}

static int flush_run(native_writer *w, zhs_error *err);

/* Appends this passage's postings: one header (doc gap, tf) per term, then
** the term's positions, in token order. */
static int emit_postings(native_writer *w, uint32_t doc, zhs_error *err)
{
    w->ntouched = 0;
    if (w->ntids > w->touched_cap) {
        uint32_t *t = realloc(w->touched, w->ntids * sizeof *t);
        if (!t) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->touched = t;
        w->touched_cap = w->ntids;
    }
    for (size_t i = 0; i < w->ntids; i++) {
        term_acc *t = &w->terms[w->tids[i]];
        if (t->doc_tf++ == 0) w->touched[w->ntouched++] = w->tids[i];
    }
    for (size_t i = 0; i < w->ntids; i++) {
        term_acc *t = &w->terms[w->tids[i]];
        bool ok = true;
        if (t->last_doc != (int64_t)doc) {
            ok = acc_put(w, t, (uint64_t)((int64_t)doc - t->last_doc)) && acc_put(w, t, t->doc_tf);
            t->last_doc = doc;
            ok = ok && acc_put(w, t, w->tpos[i]);
        } else {
            ok = acc_put(w, t, w->tpos[i] - t->last_pos);
        }
        t->last_pos = w->tpos[i];
        if (!ok) return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings: lower the RAM budget");
    }
    for (size_t i = 0; i < w->ntouched; i++) w->terms[w->touched[i]].doc_tf = 0;
    return ZHS_OK;
}

/* Term ids of the passage's title terms, looked up once per title and
** again after a flush renumbers the terms. */
static int title_ids(native_writer *w, const zhs_passage_terms *pt, zhs_error *err)
{
    if (w->title_ids_valid && !pt->title_changed) return ZHS_OK;
    if (pt->ntitle > w->title_ids_cap) {
        uint32_t *a = realloc(w->title_ids, pt->ntitle * sizeof *a);
        if (!a) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->title_ids = a;
        w->title_ids_cap = pt->ntitle;
    }
    for (size_t i = 0; i < pt->ntitle; i++) {
        const zhs_pterm *t = &pt->t[i];
        w->title_ids[i] = term_id(w, pt->keys.data + t->off, t->len);
        if (w->title_ids[i] == UINT32_MAX)
            return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings: lower the RAM budget");
    }
    w->title_ids_valid = true;
    return ZHS_OK;
}

static int native_add(void *vw, uint32_t doc, const zhs_passage *p, const zhs_passage_terms *pt, zhs_error *err)
{
    native_writer *w = vw;
    if (doc != w->ndocs) return zhs_fail(err, ZHS_EINTERNAL, "passage %u added out of order (expected %u)", doc, w->ndocs);
    w->ntids = 0;
    if (title_ids(w, pt, err)) return err->code;
    for (size_t i = 0; i < pt->ntitle; i++)
        if (!push_tid(w, w->title_ids[i], pt->t[i].pos)) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    if (pt->n > w->hashes_cap) {
        uint64_t *h = realloc(w->hashes, pt->n * sizeof *h);
        if (!h) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->hashes = h;
        w->hashes_cap = pt->n;
    }
    for (size_t i = pt->ntitle; i < pt->n; i++) w->hashes[i] = hash_key(pt->keys.data + pt->t[i].off, pt->t[i].len);
    for (size_t i = pt->ntitle; i < pt->n; i++) {
        if (i + AHEAD < pt->n) prefetch_slot(w, w->hashes[i + AHEAD]);
        if (i + AHEAD / 2 < pt->n) prefetch_entry(w, w->hashes[i + AHEAD / 2]);
        const zhs_pterm *t = &pt->t[i];
        uint32_t id = term_id_hashed(w, pt->keys.data + t->off, t->len, w->hashes[i]);
        if (id == UINT32_MAX || !push_tid(w, id, t->pos))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings: lower the RAM budget");
    }
    if (emit_postings(w, doc, err) || zhs_store_writer_add(w->store, p, err)) return err->code;
    if (w->ndocs == w->lens_cap) {
        uint32_t cap = w->lens_cap ? w->lens_cap * 2 : 4096;
        uint32_t *l = realloc(w->lens, (size_t)cap * sizeof *l);
        if (!l) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->lens = l;
        w->lens_cap = cap;
    }
    w->lens[w->ndocs++] = pt->length;
    w->total_tokens += pt->length;
    if (w->live >= w->ram_budget && flush_run(w, err)) return err->code;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- flush */

static int cmp_tid(const native_writer *w, uint32_t a, uint32_t b)
{
    const term_acc *x = &w->terms[a], *y = &w->terms[b];
    size_t m = x->keylen < y->keylen ? x->keylen : y->keylen;
    int c = memcmp(w->keys.data + x->key_off, w->keys.data + y->key_off, m);
    return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Term ids in key order.  A bottom-up merge sort rather than qsort(),
** whose comparator has no context argument in C11: no global state, so
** writers in several threads never interfere. */
static uint32_t *sorted_terms(native_writer *w)
{
    size_t n = w->nterms;
    uint32_t *a = malloc((n + 1) * sizeof *a), *tmp = malloc((n + 1) * sizeof *tmp);
    if (!a || !tmp) {
        free(a);
        free(tmp);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) a[i] = i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = cmp_tid(w, a[j], a[i]) < 0 ? a[j++] : a[i++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        uint32_t *t = a;
        a = tmp;
        tmp = t;
    }
    free(tmp);
    return a;
}

static int flush_run(native_writer *w, zhs_error *err)
{
    if (w->nterms == 0) return ZHS_OK;
    uint32_t *ids = sorted_terms(w);
    const char **keys = malloc(((size_t)w->nterms + 1) * sizeof *keys);
    uint32_t *lens = malloc(((size_t)w->nterms + 1) * sizeof *lens);
    zhs_chunk *streams = malloc(((size_t)w->nterms + 1) * sizeof *streams);
    char **runs = realloc(w->runs, (w->nruns + 1) * sizeof *runs);
    if (runs) w->runs = runs;
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/run-%06zu", w->tmpdir, w->nruns);
    char *copy = strdup(path);
    int rc;
    if (!ids || !keys || !lens || !streams || !runs || !copy) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory flushing postings");
        free(copy);
    } else {
        for (uint32_t i = 0; i < w->nterms; i++) {
            term_acc *t = &w->terms[ids[i]];
            keys[i] = w->keys.data + t->key_off;
            lens[i] = t->keylen;
            streams[i].p = t->buf;
            streams[i].len = t->len;
        }
        rc = zhs_run_write(path, keys, lens, streams, w->nterms, err);
        if (rc == ZHS_OK) w->runs[w->nruns++] = copy;
        else free(copy);
    }
    free(ids);
    free(keys);
    free(lens);
    free(streams);
    if (rc == ZHS_OK) free_terms(w);
    return rc;
}

/* ---------------------------------------------------------------- commit */

static int write_segment(native_writer *w, uint64_t *nterms, double avg, zhs_error *err)
{
    const char *stem = w->b.segment;
    zhs_seg_writer *sw;
    if (zhs_seg_writer_open(&sw, w->b.dir, stem, w->lens, w->ndocs, avg, w->k1, w->bm25_b, !w->b.bigrams, err))
        return err->code;
    int rc = ZHS_OK;
    if (w->nruns > 0) {
        if ((rc = flush_run(w, err)) == ZHS_OK) {
            if (w->b.phase) w->b.phase(w->b.phase_ctx, "merging");
            rc = zhs_runs_merge(sw, (const char *const *)w->runs, w->nruns, err);
        }
    } else {
        uint32_t *ids = sorted_terms(w);
        if (!ids) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory sorting terms");
        for (uint32_t i = 0; rc == ZHS_OK && i < w->nterms; i++) {
            term_acc *t = &w->terms[ids[i]];
            zhs_chunk c = {t->buf, t->len};
            rc = zhs_seg_writer_add(sw, w->keys.data + t->key_off, t->keylen, &c, 1, err);
        }
        free(ids);
    }
    if (rc == ZHS_OK) rc = zhs_seg_writer_finish(sw, nterms, err);
    zhs_seg_writer_close(sw);
    return rc;
}

static int native_commit(void *vw, zhs_manifest *m, zhs_error *err)
{
    native_writer *w = vw;
    uint64_t nterms = 0;
    if (w->ndocs == 0 && m->nsegments > 0) {
        /* an update that only deletes: no segment */
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.store", w->b.dir, w->b.segment);
        zhs_store_writer_close(w->store);
        w->store = NULL;
        unlink(path);
        return ZHS_OK;
    }
    if (m->nsegments >= ZHS_MAX_SEGMENTS)
        return zhs_fail(err, ZHS_EINVAL, "%s has %u segments, the most an index can hold: merge it first "
                        "(zhs_index_merge)", w->b.dir, m->nsegments);
    /* The segment's own average length: its stored score bounds are
    ** computed with it (the reader knows when they still hold). */
    double avg = w->ndocs ? (double)w->total_tokens / w->ndocs : 0;
    if (zhs_store_writer_finish(w->store, err) || write_segment(w, &nterms, avg, err)) return err->code;
    zhs_manifest_segment *s = &m->seg[m->nsegments];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", w->b.segment);
    for (unsigned i = 0; i < m->nsegments; i++) s->base += m->seg[i].count;
    s->count = w->ndocs;
    s->terms = nterms;
    s->tokens = w->total_tokens;
    s->avglen = avg;
    m->nsegments++;
    m->terms += nterms;
    m->shards = 0;
    return ZHS_OK;
}

static void native_close(void *vw)
{
    native_writer *w = vw;
    if (!w) return;
    zhs_store_writer_close(w->store);
    for (size_t i = 0; i < w->nruns; i++) {
        unlink(w->runs[i]);
        free(w->runs[i]);
    }
    free(w->runs);
    for (uint32_t i = 0; i < w->nterms; i++) free(w->terms[i].buf);
    free(w->terms);
    free(w->slots);
    zhs_buf_free(&w->keys);
    free(w->tids);
    free(w->tpos);
    free(w->touched);
    free(w->hashes);
    free(w->title_ids);
    free(w->lens);
    free(w);
}

const zhs_engine_writer zhs_native_writer = {
    .abi = ZHS_ENGINE_ABI,
    .kind = ZHS_ENGINE_NATIVE,
    .name = "native",
    .open = native_open,
    .add = native_add,
    .commit = native_commit,
    .close = native_close,
};
