/*
** native.c — the native engine's reader: one segment of mapped files
** (common/segment.c) searched by search.c.  Filled into the engine table
** that query/index.c calls through (common/engine.h).
*/
#include "engine.h"
#include "query_int.h"

#include <stdio.h>
#include <stdlib.h>

static int native_open(zhs_index *ix, zhs_error *err)
{
    const char *dir = ix->dir;
    if (ix->m.nsegments != 1)
        return zhs_fail(err, ZHS_EVERSION, "%s has %u segments; this version of zhsearch searches one: rebuild the index",
                        dir, ix->m.nsegments);
    if (ix->m.passages > UINT32_MAX - 1 || ix->m.seg[0].count != ix->m.passages)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: segment size does not match the passage count: rebuild the index", dir);
    zhs_native *nx = calloc(1, sizeof *nx);
    if (!nx) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    ix->state = nx;
    if (zhs_segment_open(&nx->seg, dir, ix->m.seg[0].name, (uint32_t)ix->m.passages, true, err)) return err->code;
    nx->seg.record_version = ix->m.version;
    if (ix->m.seg[0].deletions[0] &&
        zhs_segment_open_deletions(&nx->seg, dir, ix->m.seg[0].deletions, true, err))
        return err->code;
    if (nx->seg.nterms != ix->m.terms)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/%s.dict holds %llu terms, the manifest says %llu: rebuild the index",
                        dir, ix->m.seg[0].name, (unsigned long long)nx->seg.nterms, (unsigned long long)ix->m.terms);
    /* The length part of BM25 at the index's own parameters, computed once
    ** here with the expression every scorer uses (zhs_bm25_kfac). */
    nx->kfac = malloc(((size_t)ix->m.passages + 1) * sizeof *nx->kfac);
    if (!nx->kfac) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    zhs_bm25 bm;
    zhs_bm25_init(&bm, ix->m.k1, ix->m.b, ix->m.avglen);
    for (uint64_t d = 0; d < ix->m.passages; d++)
        nx->kfac[d] = zhs_bm25_kfac(&bm, zhs_get_u32(nx->seg.len.body + d * 4));
    return ZHS_OK;
}

static void native_close(zhs_index *ix)
{
    zhs_native *nx = ix->state;
    if (!nx) return;
    zhs_segment_close(&nx->seg);
    free(nx->kfac);
    free(nx);
    ix->state = NULL;
}

static int native_passage(zhs_passage *out, zhs_buf *buf, zhs_results *r, uint32_t doc, zhs_error *err)
{
    const zhs_native *nx = r->ix->state;
    return zhs_store_get(&nx->seg, doc, &r->store, buf, out, err);
}

static size_t native_components(const zhs_manifest *m, zhs_engine_component *out, size_t cap)
{
    static const char *const comp[][2] = {{"dict", "dictionary"}, {"post", "postings"}, {"pos", "positions"},
                                          {"len", "lengths"}, {"store", "store"}};
    size_t n = 0;
    for (unsigned s = 0; s < m->nsegments; s++)
        for (size_t i = 0; i < 5; i++, n++) {
            if (n >= cap) continue;
            snprintf(out[n].label, sizeof out[n].label, "%s", comp[i][1]);
            snprintf(out[n].file, sizeof out[n].file, "%s.%s", m->seg[s].name, comp[i][0]);
        }
    return n;
}

const zhs_segment *zhs_native_segment(const zhs_index *ix)
{
    return ix->eng == &zhs_native_reader ? &((const zhs_native *)ix->state)->seg : NULL;
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
