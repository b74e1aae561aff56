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
    }
    /* The length part of BM25 at the index's own parameters and the live
    ** collection's average length, computed once here with the expression
    ** every scorer uses (zhs_bm25_kfac). */
    ns->kfac = malloc(((size_t)n + 1) * sizeof *ns->kfac);
    if (!ns->kfac) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    zhs_bm25 bm;
    zhs_bm25_init(&bm, ix->m.k1, ix->m.b, ix->m.avglen);
    for (uint32_t d = 0; d < n; d++) ns->kfac[d] = zhs_bm25_kfac(&bm, zhs_get_u32(ns->seg.len.body + (size_t)d * 4));
    ns->bound_scale = ms->avglen > 0 && ix->m.avglen > ms->avglen ? ix->m.avglen / ms->avglen : 1.0;
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
        free(nx->segs[i].kfac);
        free(nx->segs[i].dels);
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

int64_t zhs_native_live_df(const zhs_native_seg *s, const zhs_term_info *ti)
{
    if (!s->ndels) return ti->df;
    /* Walk whichever is shorter: the deleted passages (advancing the
    ** cursor to each) or the postings (testing the bitmap). */
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

static int native_passage(zhs_passage *out, zhs_buf *buf, zhs_results *r, uint32_t doc, zhs_error *err)
{
    const zhs_native *nx = r->ix->state;
    uint32_t local;
    const zhs_native_seg *s = zhs_native_locate(nx, doc, &local);
    if (!s)
        return zhs_fail(err, ZHS_EINVAL, "passage %u does not exist in %s", doc, r->ix->dir);
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
