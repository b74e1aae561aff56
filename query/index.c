/*
** index.c — the read-only index handle, shared by search threads: opening
** (manifest, then the engine's files), the analyzer check, running a query
** and reading results.
*/
#include "analyzer_int.h"
#include "query_int.h"
#include "xapian_engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Opens the files of the generation named by ix->m. */
static int open_generation(zhs_index *ix, const char *dir, zhs_error *err)
{
    if (ix->m.engine == ZHS_ENGINE_XAPIAN) {
        if (zhs_xengine_open_index(ix, err)) goto fail;
    } else {
        if (ix->m.nsegments != 1) {
            zhs_fail(err, ZHS_EVERSION, "%s has %u segments; this version of zhs searches one: rebuild the index with 'zhs index'",
                     dir, ix->m.nsegments);
            goto fail;
        }
        if (ix->m.passages > UINT32_MAX - 1 || ix->m.seg[0].count != ix->m.passages) {
            zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: segment size does not match the passage count: rebuild the index", dir);
            goto fail;
        }
        if (zhs_segment_open(&ix->seg, dir, ix->m.seg[0].name, (uint32_t)ix->m.passages, true, err)) goto fail;
        if (ix->m.seg[0].deletions[0] &&
            zhs_segment_open_deletions(&ix->seg, dir, ix->m.seg[0].deletions, true, err))
            goto fail;
        /* The length part of BM25 at the index's own parameters, computed
        ** once here (the same expression search.c uses otherwise). */
        ix->kfac = malloc(((size_t)ix->m.passages + 1) * sizeof *ix->kfac);
        if (!ix->kfac) {
            zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
            goto fail;
        }
        double kb0 = ix->m.k1 * (1 - ix->m.b), kb1 = ix->m.avglen > 0 ? ix->m.k1 * ix->m.b / ix->m.avglen : 0;
        for (uint64_t d = 0; d < ix->m.passages; d++)
            ix->kfac[d] = kb0 + kb1 * (double)zhs_get_u32(ix->seg.len.body + d * 4);
        if (ix->seg.nterms != ix->m.terms) {
            zhs_fail(err, ZHS_ECORRUPT, "%s/%s.dict holds %llu terms, the manifest says %llu: rebuild the index",
                     dir, ix->m.seg[0].name, (unsigned long long)ix->seg.nterms, (unsigned long long)ix->m.terms);
            goto fail;
        }
    }
    return ZHS_OK;
fail:
    return err->code;
}

static void close_generation(zhs_index *ix)
{
    zhs_segment_close(&ix->seg);
    memset(&ix->seg, 0, sizeof ix->seg);
    free(ix->kfac);
    ix->kfac = NULL;
    zhs_xengine_close_index(ix);
}

/* A writer replacing the index removes the old generation's files right
** after it renames the new MANIFEST, so a reader can read the old MANIFEST
** and then find its files gone.  That is not damage: read the MANIFEST again
** and open the generation it names now.  Only an error that persists under
** the same generation is reported. */
enum { OPEN_ATTEMPTS = 8 };

int zhs_index_open(zhs_index **out, const char *dir, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_index *ix = calloc(1, sizeof *ix);
    if (!ix) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    snprintf(ix->dir, sizeof ix->dir, "%s", dir);
    if (zhs_manifest_read(&ix->m, dir, err)) goto fail;
    for (int attempt = 1;; attempt++) {
        zhs_error e;
        zhs_error_clear(&e);
        if (open_generation(ix, dir, &e) == ZHS_OK) break;
        close_generation(ix);
        zhs_manifest now;
        zhs_error e2;
        zhs_error_clear(&e2);
        if (attempt >= OPEN_ATTEMPTS || zhs_manifest_read(&now, dir, &e2) != ZHS_OK ||
            now.generation == ix->m.generation) {
            *err = e;
            goto fail;
        }
        ix->m = now;
    }
    *out = ix;
    return ZHS_OK;
fail:
    zhs_index_close(ix);
    return err->code;
}

void zhs_index_close(zhs_index *ix)
{
    if (!ix) return;
    close_generation(ix);
    free(ix);
}

void zhs_index_info_get(const zhs_index *ix, zhs_index_info *out)
{
    out->engine = ix->m.engine;
    out->passages = ix->m.passages;
    out->tokens = ix->m.tokens;
    out->terms = ix->m.terms;
    out->source_bytes = ix->m.source_bytes;
    out->shards = ix->m.shards;
    out->avglen = ix->m.avglen;
    out->k1 = ix->m.k1;
    out->b = ix->m.b;
    out->generation = ix->m.generation;
    out->analyzer = ix->m.analyzer;
}

int zhs_index_check_analyzer(const zhs_index *ix, const zhs_analyzer *an, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    const char *fp = zhs_analyzer_fingerprint(an);
    if (strcmp(fp, ix->m.analyzer) != 0)
        return zhs_fail(err, ZHS_EANALYZER,
                        "%s was built with analyzer \"%s\" but this query uses \"%s\": "
                        "query with the same analyzer options (e.g. --no-fold), or rebuild the index with 'zhs index'",
                        ix->dir, ix->m.analyzer, fp);
    return ZHS_OK;
}

int zhs_index_open_analyzer(zhs_analyzer **out, const zhs_index *ix, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_analyzer_config cfg;
    if (zhs_analyzer_config_from_fingerprint(&cfg, ix->m.analyzer) != ZHS_OK)
        return zhs_fail(err, ZHS_EANALYZER, "%s records an analyzer this version does not know (\"%s\"): "
                        "rebuild the index", ix->dir, ix->m.analyzer);
    /* A user dictionary is named only by its hash: its words are the copy
    ** the writer stored with this generation. */
    char path[4400];
    if (zhs_fingerprint_has_user_dict(ix->m.analyzer)) {
        snprintf(path, sizeof path, ZHS_USERDICT_FILE, ix->dir, (unsigned long long)ix->m.generation);
        if (access(path, R_OK) != 0)
            return zhs_fail(err, ZHS_ECORRUPT, "%s was built with a user dictionary but its copy %s cannot be read (%s): "
                            "if the index was just replaced, open it again; otherwise rebuild it with 'zhs index --user-dict'",
                            ix->dir, path, strerror(errno));
        cfg.user_dict = path;
    }
    zhs_analyzer *an;
    if (zhs_analyzer_open(&an, &cfg, err)) return err->code;
    if (cfg.user_dict && strcmp(zhs_analyzer_fingerprint(an), ix->m.analyzer) != 0) {
        zhs_analyzer_close(an);
        return zhs_fail(err, ZHS_ECORRUPT, "%s does not hold the words %s was built with (damaged or replaced): "
                        "rebuild the index with 'zhs index --user-dict'", cfg.user_dict, ix->dir);
    }
    if (zhs_index_check_analyzer(ix, an, err)) {
        zhs_analyzer_close(an);
        return err->code;
    }
    *out = an;
    return ZHS_OK;
}

void zhs_search_options_default(zhs_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->k1 = 0;      /* 0: the index's */
    o->b = -1;      /* <0: the index's */
}

int zhs_index_search(zhs_results **out, zhs_index *ix, zhs_analyzer *an, const char *query,
                     const zhs_search_options *opts, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    if (zhs_index_check_analyzer(ix, an, err)) return err->code;
    zhs_search_options o;
    if (opts) o = *opts;
    else zhs_search_options_default(&o);
    if (o.k > 100000) o.k = 100000;
    zhs_results *r = calloc(1, sizeof *r);
    if (!r) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a query");
    zhs_arena_init(&r->arena, 16 * 1024);
    zhs_store_reader_init(&r->store);
    r->ix = ix;
    int rc = zhs_query_parse(&r->q, &r->arena, an, query, err);
    if (rc == ZHS_OK) {
        if (ix->m.engine == ZHS_ENGINE_XAPIAN) rc = zhs_xengine_search(&r->top, &r->arena, ix, &r->q, &o, err);
        else rc = zhs_native_search(&r->top, &r->arena, ix, &r->q, &o, err);
    }
    if (rc) {
        zhs_results_free(r);
        return rc;
    }
    *out = r;
    return ZHS_OK;
}

size_t zhs_results_count(const zhs_results *r) { return r->top.n; }
uint64_t zhs_results_matches(const zhs_results *r) { return r->top.matches; }
const zhs_hit *zhs_results_hit(const zhs_results *r, size_t i) { return i < r->top.n ? &r->top.hits[i] : NULL; }

void zhs_results_free(zhs_results *r)
{
    if (!r) return;
    zhs_arena_free(&r->arena);
    zhs_store_reader_free(&r->store);
    zhs_buf_free(&r->span_buf);
    free(r);
}

int zhs_results_passage(zhs_passage *out, zhs_results *r, uint32_t doc, zhs_error *err)
{
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    zhs_buf tmp;
    zhs_buf_init(&tmp);
    int rc;
    if (r->ix->m.engine == ZHS_ENGINE_XAPIAN) rc = zhs_xengine_passage(out, &tmp, r, doc, err);
    else rc = zhs_store_get(&r->ix->seg, doc, &r->store, &tmp, out, err);
    if (rc == ZHS_OK) {
        /* Move the strings into the results' arena so that they outlive
        ** the next call. */
        char *copy = zhs_arena_alloc(&r->arena, tmp.len + 1);
        if (!copy) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
        else {
            memcpy(copy, tmp.data, tmp.len);
            copy[tmp.len] = 0;
            out->id = copy + (out->id - tmp.data);
            out->title = copy + (out->title - tmp.data);
            out->heading = copy + (out->heading - tmp.data);
            out->label = copy + (out->label - tmp.data);
            out->path = copy + (out->path - tmp.data);
            out->text = copy + (out->text - tmp.data);
        }
    }
    zhs_buf_free(&tmp);
    return rc;
}
