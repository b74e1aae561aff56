/*
** native.c — the native engine's reader: the index's segments of mapped
** files (common/segment.c) searched by search.c.  Filled into the engine
** table that query/index.c calls through (common/engine.h).
**
** A segment never changes once written; an update adds a segment and
** deletion files (docs/FORMAT.md).  Collection statistics are those of the
** live passages, which the MANIFEST records (passages, tokens, avglen), so
** that scores equal those of a fresh build of the same passages.
*/
#include "engine.h"
#include "query_int.h"

#include <stdio.h>
#include <stdlib.h>

/* Live dfs of a segment with deletions, cached per open handle.  Walking
** the deleted passages against a term's postings costs min(deleted, df)
** steps, and after many updates the first segment holds thousands of
** deleted passages, so the frequent terms every query holds would pay
** that walk on every query.  The cache is an open-addressing table of
** single 64-bit words: the term's posting offset + 1 (which names it in
** the segment) in the high DFC_KEY_BITS, its live df in the low bits,
** 0 for an empty slot.  A word is written once by compare-and-swap, so
** threads sharing the handle need no lock and never see half an entry;
** a term that does not fit (full probe window, offset or df too large) is
** computed again each time, which is only slower. */
#define DFC_SLOTS 8192              /* 64 KiB per segment with deletions */
#define DFC_PROBES 8
#define DFC_KEY_BITS 40
#define DFC_DF_BITS (64 - DFC_KEY_BITS)
#define DFC_MIN_WORK 32             /* cheaper walks are not worth a slot */

static int dfcache_init(zhs_native_seg *ns)
{
    if (!ns->ndels) return ZHS_OK;
    ns->dfcache = malloc(DFC_SLOTS * sizeof *ns->dfcache);
    if (!ns->dfcache) return ZHS_ENOMEM;
    for (size_t i = 0; i < DFC_SLOTS; i++) atomic_init(&ns->dfcache[i], 0);
    return ZHS_OK;
}

static size_t dfcache_slot(uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 51) & (DFC_SLOTS - 1);
}

/* The cached live df of the term whose postings start at post_off, or -1. */
static int64_t dfcache_get(const zhs_native_seg *s, uint64_t post_off)
{
    uint64_t key = post_off + 1;
    if (!s->dfcache || key >> DFC_KEY_BITS) return -1;
    size_t h = dfcache_slot(key);
    for (size_t p = 0; p < DFC_PROBES; p++) {
        uint64_t v = atomic_load_explicit(&s->dfcache[(h + p) & (DFC_SLOTS - 1)], memory_order_relaxed);
        if (!v) return -1;
        if (v >> DFC_DF_BITS == key) return (int64_t)(v & ((UINT64_C(1) << DFC_DF_BITS) - 1));
    }
    return -1;
}

static void dfcache_put(const zhs_native_seg *s, uint64_t post_off, int64_t live)
{
    uint64_t key = post_off + 1;
    if (!s->dfcache || key >> DFC_KEY_BITS || live < 0 || (uint64_t)live >> DFC_DF_BITS) return;
    uint64_t word = key << DFC_DF_BITS | (uint64_t)live;
    size_t h = dfcache_slot(key);
    for (size_t p = 0; p < DFC_PROBES; p++) {
        uint64_t expect = 0;
        _Atomic uint64_t *slot = &s->dfcache[(h + p) & (DFC_SLOTS - 1)];
        if (atomic_compare_exchange_strong_explicit(slot, &expect, word, memory_order_relaxed, memory_order_relaxed))
            return;
        if (expect >> DFC_DF_BITS == key) return;    /* another thread got there first */
    }
}

static int open_segment(zhs_native_seg *ns, const zhs_index *ix, const zhs_manifest_segment *ms, zhs_error *err)
{
    const char *dir = ix->dir;
    if (zhs_segment_open(&ns->seg, dir, ms->name, (uint32_t)ms->count, true, err)) return err->code;
    ns->seg.record_version = ix->m.version;      /* records of format 1 have no metadata */
    if (ms->deletions[0] && zhs_segment_open_deletions(&ns->seg, dir, ms->deletions, true, err)) return err->code;
    if (ns->seg.nterms != ms->terms)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/%s.dict holds %llu terms, the manifest says %llu: rebuild the index",
                        dir, ms->name, (unsigned long long)ns->seg.nterms, (unsigned long long)ms->terms);
    ns->base = (uint32_t)ms->base;
    uint32_t n = (uint32_t)ms->count;
    if (ns->seg.deleted) {
        ns->dels = malloc(((size_t)ms->deleted + 1) * sizeof *ns->dels);
        if (!ns->dels) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
        for (uint32_t d = 0; d < n; d++)
            if (zhs_segment_deleted(&ns->seg, d)) {
                if (ns->ndels == ms->deleted) break;
                ns->dels[ns->ndels++] = d;
            }
        uint32_t total = 0;
        for (uint32_t d = 0; d < n; d++) total += zhs_segment_deleted(&ns->seg, d);
        if (total != ms->deleted)
            return zhs_fail(err, ZHS_ECORRUPT, "%s/%s marks %u passages deleted, the manifest says %llu: "
                            "rebuild the index", dir, ms->deletions, total, (unsigned long long)ms->deleted);
        if (dfcache_init(ns)) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    }
    ns->bound_scale = ms->avglen > 0 && ix->m.avglen > ms->avglen ? ix->m.avglen / ms->avglen : 1.0;
    zhs_analyzer_config ac;
    bool known = zhs_analyzer_config_from_fingerprint(&ac, ix->m.analyzer) == ZHS_OK;
    ns->article_terms = known && ac.article_terms;
    /* character terms from bigrams in a segment written in format 3 or
    ** later (postings magic ZHSPOST2, 3 or 4; query/index.c index_all_chars
    ** makes the parse give them where every segment makes them): the made
    ** list is in format 8's layout (format 6's blocks, a packed skip table)
    ** whatever the segment's (chars.c marks its copy so), and an older --no-chars segment, without them, would
    ** find nothing for +c, "c" or title:c */
    if (known && ac.chars != ZHS_CHARS_ALL && ac.bigrams && !ns->seg.skip_v1) {
        if (!(ns->chars = calloc(1, sizeof *ns->chars))) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
        atomic_init(&ns->chars->table, NULL);
        ns->chars->title_weight = ix->m.title_weight;
        ns->chars->k1 = ix->m.k1;
        ns->chars->b = ix->m.b;
        ns->chars->avglen = ms->avglen;
    }
    return ZHS_OK;
}

static int native_open(zhs_index *ix, zhs_error *err)
{
    const char *dir = ix->dir;
    const zhs_manifest *m = &ix->m;
    if (m->nsegments == 0 && m->passages > 0)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST names no segment: rebuild the index", dir);
    uint64_t base = 0, live = 0;
    for (unsigned i = 0; i < m->nsegments; i++) {
        if (m->seg[i].base != base || m->seg[i].count > UINT32_MAX - 1 - base)
            return zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: segment %s does not follow the one before it: "
                            "rebuild the index", dir, m->seg[i].name);
        base += m->seg[i].count;
        live += zhs_manifest_live(&m->seg[i]);
    }
    if (live != m->passages)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: segment sizes do not match the passage count: rebuild the index", dir);
    zhs_native *nx = calloc(1, sizeof *nx);
    if (!nx) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    ix->state = nx;
    nx->segs = calloc(m->nsegments + 1, sizeof *nx->segs);
    if (!nx->segs) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    for (unsigned i = 0; i < m->nsegments; i++) {
        nx->nsegs++;
        if (open_segment(&nx->segs[i], ix, &m->seg[i], err)) return err->code;
    }
    return ZHS_OK;
}

static void native_close(zhs_index *ix)
{
    zhs_native *nx = ix->state;
    if (!nx) return;
    for (unsigned i = 0; i < nx->nsegs; i++) {
        zhs_segment_close(&nx->segs[i].seg);
        free(nx->segs[i].dels);
        free(nx->segs[i].dfcache);
        zhs_char_slot_free(nx->segs[i].chars);
    }
    free(nx->segs);
    free(nx);
    ix->state = NULL;
}

const zhs_native_seg *zhs_native_locate(const zhs_native *nx, uint32_t doc, uint32_t *local)
{
    /* few segments: a linear scan from the last (the largest bases) */
    for (unsigned i = nx->nsegs; i-- > 0;) {
        const zhs_native_seg *s = &nx->segs[i];
        if (doc >= s->base) {
            if (doc - s->base >= s->seg.ndocs) return NULL;
            *local = doc - s->base;
            return s;
        }
    }
    return NULL;
}

/* The walk itself: whichever is shorter, the deleted passages (advancing
** the cursor to each) or the postings (testing the bitmap). */
static int64_t live_df_walk(const zhs_native_seg *s, const zhs_term_info *ti)
{
    zhs_cursor c;
    zhs_cursor_init(&c, &s->seg, ti);
    uint32_t gone = 0;
    if (s->ndels < ti->df) {
        for (uint32_t i = 0; i < s->ndels && c.doc != ZHS_NO_DOC; i++)
            gone += zhs_cursor_advance(&c, s->dels[i]) == s->dels[i];
    } else {
        for (uint32_t d = c.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&c)) gone += zhs_segment_deleted(&s->seg, d);
    }
    if (c.corrupt || gone > ti->df) return -1;
    return (int64_t)ti->df - gone;
}

int64_t zhs_native_live_df(const zhs_native_seg *s, const zhs_term_info *ti)
{
    if (!s->ndels) return ti->df;
    bool costly = (s->ndels < ti->df ? s->ndels : ti->df) >= DFC_MIN_WORK;
    int64_t live = costly ? dfcache_get(s, ti->post_off) : -1;
    if (live >= 0) return live;
    live = live_df_walk(s, ti);
    if (costly) dfcache_put(s, ti->post_off, live);
    return live;
}

int zhs_native_holding(const zhs_index *ix, const char *key, size_t len, const uint32_t *docs, size_t n, bool *has,
                       zhs_error *err)
{
    const zhs_native *nx = ix->state;
    for (size_t i = 0; i < n; i++) has[i] = false;
    zhs_cursor *c = malloc(sizeof *c);      /* a cursor holds its block: a few KB */
    if (!c) return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
    int rc = ZHS_OK;
    size_t i = 0;
    for (unsigned s = 0; s < nx->nsegs && i < n && rc == ZHS_OK; s++) {
        const zhs_native_seg *ns = &nx->segs[s];
        uint32_t end = ns->base + ns->seg.ndocs;
        if (docs[i] >= end) continue;
        zhs_term_info ti;
        int found = zhs_segment_lookup(&ns->seg, &ti, key, len, err);
        if (found < 0) {
            rc = found;
            break;
        }
        if (found) zhs_cursor_init(c, &ns->seg, &ti);
        for (; i < n && docs[i] < end; i++) {
            uint32_t local = docs[i] - ns->base;
            has[i] = found && zhs_cursor_advance(c, local) == local;
        }
        if (found && c->corrupt)
            rc = zhs_fail(err, ZHS_ECORRUPT, "%s/%s.post: a posting block is damaged: check the index and rebuild it",
                          ix->dir, ix->m.seg[s].name);
    }
    free(c);
    return rc;
}

static int native_passage(zhs_passage *out, zhs_buf *buf, zhs_results *r, uint32_t doc, zhs_error *err)
{
    const zhs_native *nx = r->ix->state;
    uint32_t local;
    const zhs_native_seg *s = zhs_native_locate(nx, doc, &local);
    if (!s)
        return zhs_fail(err, ZHS_EINVAL, "passage %u does not exist in %s", doc, r->ix->dir);
    /* a deleted passage's record stays in its segment until a merge: it
    ** is no passage of the index any more */
    if (zhs_segment_deleted(&s->seg, local))
        return zhs_fail(err, ZHS_ENOTFOUND, "passage %u of %s was deleted", doc, r->ix->dir);
    return zhs_store_get(&s->seg, local, &r->store, buf, out, err);
}

static size_t native_components(const zhs_manifest *m, zhs_engine_component *out, size_t cap)
{
    static const char *const comp[][2] = {{"dict", "dictionary"}, {"post", "postings"}, {"pos", "positions"},
                                          {"len", "lengths"}, {"store", "store"}};
    size_t n = 0;
    for (unsigned s = 0; s < m->nsegments; s++) {
        for (size_t i = 0; i < 5; i++, n++) {
            if (n >= cap) continue;
            snprintf(out[n].label, sizeof out[n].label, "%s", comp[i][1]);
            snprintf(out[n].file, sizeof out[n].file, "%s.%s", m->seg[s].name, comp[i][0]);
        }
        if (m->seg[s].deletions[0]) {
            if (n < cap) {
                snprintf(out[n].label, sizeof out[n].label, "deletions");
                snprintf(out[n].file, sizeof out[n].file, "%s", m->seg[s].deletions);
            }
            n++;
        }
    }
    if (m->files[0]) {
        if (n < cap) {
            snprintf(out[n].label, sizeof out[n].label, "file table");
            snprintf(out[n].file, sizeof out[n].file, "%s", m->files);
        }
        n++;
    }
    return n;
}

const zhs_segment *zhs_native_segment(const zhs_index *ix)
{
    if (ix->eng != &zhs_native_reader) return NULL;
    const zhs_native *nx = ix->state;
    return nx->nsegs ? &nx->segs[0].seg : NULL;
}

const zhs_engine_reader zhs_native_reader = {
    .abi = ZHS_ENGINE_ABI,
    .kind = ZHS_ENGINE_NATIVE,
    .name = "native",
    .shareable = true,
    .open = native_open,
    .close = native_close,
    .search = zhs_native_search,
    .passage = native_passage,
    .verify = zhs_native_verify,
    .components = native_components,
    .open_remote = NULL,
};
