/*
** native_writer.c — the native engine's writer: passages' terms become
** postings in a segment (see indexer_int.h for the flow inside a build).
**
** The inverter (invert.c) turns each passage's terms into posting streams,
** flushed as sorted runs into the build's scratch directory when they
** outgrow the RAM budget; at commit the runs (or, for a corpus that fits,
** the streams themselves) are written as one segment.  The passage
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

typedef struct native_writer {
    zhs_engine_build b;
    char tmpdir[ZHS_DIR_MAX + 64];
    double k1, bm25_b;

    zhs_store_writer *store;
    zhs_inverter *inv;

    uint32_t *lens;
    uint32_t ndocs, lens_cap;
    uint64_t total_tokens;
} native_writer;

/* ---------------------------------------------------------------- open */

static void native_close(void *vw);

static int native_open(void **out, const zhs_engine_build *b, zhs_error *err)
{
    *out = NULL;
    native_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    w->b = *b;
    w->k1 = b->opts->k1;
    w->bm25_b = b->opts->b;
    snprintf(w->tmpdir, sizeof w->tmpdir, "%s", b->tmpdir);
    w->b.tmpdir = w->tmpdir;
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.store", b->dir, b->segment);
    /* one inverting shard per thread asked for (invert.c) */
    unsigned shards = b->opts->threads > 1 ? b->opts->threads : 1;
    if (zhs_store_writer_open(&w->store, path, b->opts->threads > 1, err) ||
        zhs_inverter_open(&w->inv, shards, b->opts->ram_budget, !b->bigrams, w->tmpdir, err)) {
        native_close(w);
        return err->code;
    }
    *out = w;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- add */

static int native_add(void *vw, uint32_t doc, const zhs_passage *p, const zhs_passage_terms *pt, zhs_error *err)
{
    native_writer *w = vw;
    if (doc != w->ndocs) return zhs_fail(err, ZHS_EINTERNAL, "passage %u added out of order (expected %u)", doc, w->ndocs);
    if (zhs_inverter_add(w->inv, doc, pt, err) || zhs_store_writer_add(w->store, p, err)) return err->code;
    if (w->ndocs == w->lens_cap) {
        uint32_t cap = w->lens_cap ? w->lens_cap * 2 : 4096;
        uint32_t *l = realloc(w->lens, (size_t)cap * sizeof *l);
        if (!l) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->lens = l;
        w->lens_cap = cap;
    }
    w->lens[w->ndocs++] = pt->length;
    w->total_tokens += pt->length;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- commit */

static int write_segment(native_writer *w, uint64_t *nterms, double avg, zhs_error *err)
{
    const char *stem = w->b.segment;
    zhs_seg_writer *sw;
    if (zhs_seg_writer_open(&sw, w->b.dir, stem, w->lens, w->ndocs, avg, w->k1, w->bm25_b, !w->b.bigrams, err))
        return err->code;
    zhs_seg_writer_set_syncs(sw, w->b.syncs);
    bool has_runs;
    int rc = zhs_inverter_finish(w->inv, &has_runs, err);
    if (rc == ZHS_OK && has_runs && w->b.phase) w->b.phase(w->b.phase_ctx, "merging");
    if (rc == ZHS_OK) rc = zhs_inverter_write(w->inv, sw, has_runs, err);
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
    /* The store's compressor thread finishes its backlog (on a small
    ** corpus the dictionary's training as well, 10% of the instructions of
    ** a 300-law build) while the shards sort and encode the segment: the
    ** caller waited for it first, and the shards' last batches with it. */
    zhs_store_writer_set_syncs(w->store, w->b.syncs);
    if (zhs_store_writer_flush(w->store, err) || write_segment(w, &nterms, avg, err) ||
        zhs_store_writer_finish(w->store, err))
        return err->code;
    /* The shards' tables and threads go now, while the files' fsyncs run
    ** (b.syncs), instead of at close, after the MANIFEST, on an idle core;
    ** the writer takes no passage after a commit. */
    zhs_inverter_close(w->inv);
    w->inv = NULL;
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
    zhs_inverter_close(w->inv);
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
