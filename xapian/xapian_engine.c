/*
** xapian_engine.c — zhsearch's second engine: the tables of common/engine.h
** filled with the Xapian shim.  Same terms, same query language, same
** output as the native engine; the index directory holds MANIFEST (engine
** xapian) and one Xapian database per shard, x<GEN>-<i>.  Passage i goes
** to shard i % shards, so that its Xapian docid is i + 1 whether the
** shards are searched locally, remotely, or as one database.
*/
#include "engine.h"
#include "query_int.h"
#include "record.h"
#include "terms.h"
#include "xapian_shim.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SHARDS 256

typedef struct zhs_xwriter {
    zhs_xdb **db;
    char dir[ZHS_DIR_MAX + 1];
    uint64_t gen;
    unsigned shards;
    zhs_xterm *terms;
    size_t cap;
    zhs_buf rec;
    zhs_buf idt;                /* the id term of the passage being added */
    uint64_t npostings;
    bool bigrams;               /* the analyzer emits bigrams */
    char analyzer[256];
    char params[64];            /* k1 b title_weight, for remote readers */
    /* An update changes the one shard in place (docs/ENGINES.md): */
    bool update;
    uint64_t shard_gen;         /* its directory is x<shard_gen>-0 */
    uint64_t old_last;          /* the highest docid before this update */
    uint64_t old_postings;
} zhs_xwriter;

static void xw_close(void *vw);

/* Shard i is built in x<GEN>-<i>.build, then compacted into x<GEN>-<i>
** (both are files of generation GEN for the writer's clean-up). */
static void shard_path(char *out, size_t n, const zhs_xwriter *xw, unsigned i, const char *suffix)
{
    snprintf(out, n, "%s/x%llu-%u%s", xw->dir, (unsigned long long)xw->shard_gen, i, suffix);
}

/* Opens the index's one shard for an update.  Passage i of a Xapian index
** is document i + 1 of shard i mod N: with N > 1 the passages an update
** appends would break that numbering, so only one-shard indexes update. */
static int xw_open_update(zhs_xwriter *xw, const zhs_engine_build *b, zhs_error *err)
{
    const zhs_manifest *old = b->old;
    if (old->shards != 1)
        return zhs_fail(err, ZHS_EINVAL, "%s is a Xapian index of %u shards: only a one-shard Xapian index can be "
                        "updated (passage i lives in shard i mod %u, which appended passages would break); "
                        "build it anew, or with --shards 1 to update it later", b->dir, old->shards, old->shards);
    xw->update = true;
    xw->shard_gen = zhs_manifest_shard_gen(old);
    xw->old_last = old->nsegments ? old->seg[0].count : 0;
    xw->old_postings = old->terms;
    char path[ZHS_PATH_MAX];
    shard_path(path, sizeof path, xw, 0, "");
    return zhs_xdb_open(&xw->db[0], path, err);
}

static int xw_open(void **out, const zhs_engine_build *b, zhs_error *err)
{
    *out = NULL;
    unsigned shards = b->old ? 1 : b->opts->shards ? b->opts->shards : 1;
    if (shards > MAX_SHARDS)
        return zhs_fail(err, ZHS_EINVAL, "a Xapian index is split over 1 to %d shards, not %u", MAX_SHARDS, shards);
    zhs_xwriter *xw = calloc(1, sizeof *xw);
    if (!xw || !(xw->db = calloc(shards, sizeof *xw->db))) {
        free(xw);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory opening Xapian databases");
    }
    xw->shards = shards;
    xw->bigrams = b->bigrams;
    xw->gen = xw->shard_gen = b->gen;
    snprintf(xw->dir, sizeof xw->dir, "%s", b->dir);
    snprintf(xw->analyzer, sizeof xw->analyzer, "%s", b->analyzer);
    snprintf(xw->params, sizeof xw->params, "%.17g %.17g %u", b->opts->k1, b->opts->b, b->opts->title_weight);
    if (b->old) {
        if (xw_open_update(xw, b, err)) {
            int rc = err->code;
            xw_close(xw);
            return rc;
        }
        *out = xw;
        return ZHS_OK;
    }
    for (unsigned i = 0; i < shards; i++) {
        char path[ZHS_PATH_MAX];
        shard_path(path, sizeof path, xw, i, ".build");
        if (zhs_xdb_create(&xw->db[i], path, err)) {
            int rc = err->code;
            xw_close(xw);
            return rc;
        }
    }
    *out = xw;
    return ZHS_OK;
}

/* "Q" + the id; an id too long for a Xapian term is named by its hash
** instead (a collision of 64-bit hashes among ids is not a concern). */
static bool id_term(zhs_buf *b, const char *id)
{
    zhs_buf_reset(b);
    size_t n = strlen(id);
    if (n + 1 <= ZHS_XTERM_MAX) zhs_buf_printf(b, "Q%s", id);
    else zhs_buf_printf(b, "Q#%016llx", (unsigned long long)zhs_source_hash(id, n));
    return !b->oom;
}

static int xw_add(void *vw, uint32_t doc, const zhs_passage *p, const zhs_passage_terms *pt, zhs_error *err)
{
    zhs_xwriter *xw = vw;
    size_t n = pt->n;
    if (n + 1 > xw->cap) {
        zhs_xterm *t = realloc(xw->terms, (n + 1) * sizeof *t);
        if (!t) return zhs_fail(err, ZHS_ENOMEM, "out of memory adding a passage to Xapian");
        xw->terms = t;
        xw->cap = n + 1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *key = pt->keys.data + pt->t[i].off;
        uint32_t len = pt->t[i].len;
        if (len > ZHS_XTERM_MAX) continue;   /* Xapian's limit; native keeps them */
        if (zhs_term_is_article(key, len)) continue;   /* native queries only (terms.h) */
        /* Xapian positions are 1-based; the wdf increments equal the native
        ** term frequencies, title weighting included.  Title-field terms
        ** ("T..."; no other term starts with an upper-case letter, see
        ** terms.h) only filter: they get wdf 0, so that Xapian's document
        ** length is the native one (the body tokens, title copies
        ** included) and not that plus the title's tokens once more.  Character
        ** terms ("U...") never have positions; with bigrams on, long Han
        ** words are indexed without positions either, as in
        ** the native index (phrases match on bigrams): on the laws this
        ** saves a quarter of Xapian's position table. */
        xw->terms[m].term = key;
        xw->terms[m].len = len;
        bool no_pos = zhs_term_is_char(key, len) || zhs_term_is_label(key, len) ||
                      (xw->bigrams && zhs_term_is_long_han_word(key, len));
        xw->terms[m].pos = no_pos ? 0 : pt->t[i].pos + 1;
        /* article labels ("A...") are outside the length too (terms.h) */
        xw->terms[m].wdf = key[0] == 'T' || zhs_term_is_label(key, len) ? ZHS_XWDF_ZERO : 1;
        m++;
    }
    /* the passage's id as a term of its own ("Q", Xapian's convention for
    ** unique ids; no other term starts with it): what 'zhs delete ID' and
    ** a replacing JSONL record find it by */
    if (!id_term(&xw->idt, p->id)) return zhs_fail(err, ZHS_ENOMEM, "out of memory adding a passage to Xapian");
    xw->terms[m].term = xw->idt.data;
    xw->terms[m].len = (uint32_t)xw->idt.len;
    xw->terms[m].pos = 0;
    xw->terms[m].wdf = ZHS_XWDF_ZERO;
    m++;
    xw->npostings += m;
    zhs_buf_reset(&xw->rec);
    if (!zhs_record_encode(&xw->rec, p)) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    return zhs_xdb_add(xw->db[doc % xw->shards], xw->terms, m, xw->rec.data, xw->rec.len, err);
}

/* An update's commit is the Xapian transaction's, in place (no compaction:
** the database is written block by block).  The collection's figures are
** the database's own, live documents only; the one segment spans every
** docid used, deleted ones included, as the reader numbers hits. */
static int xw_commit_update(zhs_xwriter *xw, zhs_manifest *m, zhs_error *err)
{
    uint64_t docs, last, total;
    char gen[32];
    snprintf(gen, sizeof gen, "%llu", (unsigned long long)xw->gen);
    if (zhs_xdb_set_metadata(xw->db[0], "zhs.generation", gen, err) ||
        zhs_xdb_stats(xw->db[0], &docs, &last, &total, err) || zhs_xdb_commit(xw->db[0], err))
        return err->code;
    m->passages = docs;
    m->tokens = total;
    m->avglen = docs ? (double)total / (double)docs : 0;
    zhs_manifest_set_single(m, xw->shard_gen, xw->old_postings + xw->npostings, 1);
    m->seg[0].count = last;
    m->seg[0].deleted = last - docs;
    return ZHS_OK;
}

static int xw_remove(void *vw, uint64_t first, uint64_t n, uint64_t *removed, uint64_t *tokens, zhs_error *err)
{
    zhs_xwriter *xw = vw;
    if (first + n > xw->old_last) n = first < xw->old_last ? xw->old_last - first : 0;
    return zhs_xdb_delete_range(xw->db[0], first + 1, n, removed, tokens, err);
}

static int xw_remove_id(void *vw, const char *id, uint64_t *removed, uint64_t *tokens, zhs_error *err)
{
    zhs_xwriter *xw = vw;
    if (!id_term(&xw->idt, id)) return zhs_fail(err, ZHS_ENOMEM, "out of memory deleting %s", id);
    return zhs_xdb_delete_term(xw->db[0], xw->idt.data, xw->idt.len, xw->old_last, removed, tokens, err);
}

static int xw_record(void *vw, uint32_t doc, zhs_passage *out, zhs_buf *buf, zhs_error *err)
{
    zhs_xwriter *xw = vw;
    char *data;
    size_t len;
    int rc = zhs_xdb_document(xw->db[0], (uint64_t)doc + 1, &data, &len, err);
    if (rc) return rc;
    const uint8_t *p = (const uint8_t *)data;
    int d = zhs_record_decode(&p, p + len, 0, buf, out);
    free(data);
    if (d == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
    if (d) return zhs_fail(err, ZHS_ECORRUPT, "%s: the stored data of passage %u is damaged: rebuild the index",
                           xw->dir, doc);
    return ZHS_OK;
}

static int xw_commit(void *vw, zhs_manifest *m, zhs_error *err)
{
    zhs_xwriter *xw = vw;
    if (xw->update) return xw_commit_update(xw, m, err);
    const char *analyzer = xw->analyzer, *params = xw->params;
    /* Every shard records the build it belongs to and its place in it, so
    ** that remote shards of different builds, or given out of order, are
    ** refused (zhs_index_open_remote). */
    char sh[32], build[96];
    snprintf(sh, sizeof sh, "%u", xw->shards);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(build, sizeof build, "%llu-%lld.%09ld-%ld", (unsigned long long)xw->gen, (long long)ts.tv_sec,
             ts.tv_nsec, (long)getpid());
    for (unsigned i = 0; i < xw->shards; i++) {
        char idx[32];
        snprintf(idx, sizeof idx, "%u", i);
        if (zhs_xdb_set_metadata(xw->db[i], "zhs.analyzer", analyzer, err) ||
            zhs_xdb_set_metadata(xw->db[i], "zhs.params", params, err) ||
            zhs_xdb_set_metadata(xw->db[i], "zhs.shards", sh, err) ||
            zhs_xdb_set_metadata(xw->db[i], "zhs.shard", idx, err) ||
            zhs_xdb_set_metadata(xw->db[i], "zhs.build", build, err) ||
            zhs_xdb_commit(xw->db[i], err))
            return err->code;
    }
    /* Compact each shard into its final directory: the B-trees of a
    ** database built in one go are a quarter to a third empty.  What is
    ** left behind on failure belongs to this generation and goes when the
    ** writer is closed without a commit. */
    for (unsigned i = 0; i < xw->shards; i++) {
        char src[ZHS_PATH_MAX], dst[ZHS_PATH_MAX];
        shard_path(src, sizeof src, xw, i, ".build");
        shard_path(dst, sizeof dst, xw, i, "");
        zhs_xdb_close(xw->db[i]);
        xw->db[i] = NULL;
        zhs_path_remove(dst);
        if (zhs_xdb_compact(src, dst, err)) return err->code;
        zhs_path_remove(src);
    }
    /* Xapian does not count distinct terms cheaply; report postings. */
    zhs_manifest_set_single(m, xw->gen, xw->npostings, xw->shards);
    return ZHS_OK;
}

static void xw_close(void *vw)
{
    zhs_xwriter *xw = vw;
    if (!xw) return;
    for (unsigned i = 0; i < xw->shards; i++) zhs_xdb_close(xw->db[i]);
    free(xw->db);
    free(xw->terms);
    zhs_buf_free(&xw->rec);
    zhs_buf_free(&xw->idt);
    free(xw);
}

/* ---------------------------------------------------------------- reading */

static int xr_open(zhs_index *ix, zhs_error *err)
{
    unsigned n = ix->m.shards;
    if (n == 0 || n > MAX_SHARDS)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: bad shard count %u: rebuild the index", ix->dir, n);
    char **paths = calloc(n, sizeof *paths);
    if (!paths) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    int rc = ZHS_OK;
    for (unsigned i = 0; i < n && rc == ZHS_OK; i++) {
        paths[i] = malloc(4400);
        if (!paths[i]) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory");
        else snprintf(paths[i], 4400, "%s/x%llu-%u", ix->dir, (unsigned long long)zhs_manifest_shard_gen(&ix->m), i);
    }
    if (rc == ZHS_OK) rc = zhs_xreader_open_local((zhs_xreader **)&ix->state, (const char *const *)paths, n, err);
    /* An update commits the database (recording its generation) before the
    ** MANIFEST: a database ahead of the MANIFEST read is either being
    ** published right now (the open is retried on the new MANIFEST) or was
    ** left so by a crash between the two commits. */
    char *g = NULL;
    if (rc == ZHS_OK && (rc = zhs_xreader_metadata(ix->state, &g, "zhs.generation", err)) == ZHS_OK && g && *g &&
        strtoull(g, NULL, 10) > ix->m.generation)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s: the Xapian database holds generation %s, the MANIFEST names %llu: "
                      "an update was interrupted after its Xapian commit; rebuild the index", ix->dir, g,
                      (unsigned long long)ix->m.generation);
    free(g);
    if (rc == ZHS_OK && zhs_xreader_doccount(((zhs_xreader *)ix->state)) != ix->m.passages)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s: the Xapian shards hold %llu passages, the manifest says %llu: rebuild the index",
                      ix->dir, (unsigned long long)zhs_xreader_doccount(((zhs_xreader *)ix->state)), (unsigned long long)ix->m.passages);
    for (unsigned i = 0; i < n; i++) free(paths[i]);
    free(paths);
    return rc;
}

static void xr_close(zhs_index *ix)
{
    zhs_xreader_close(ix->state);
    ix->state = NULL;
}

/* Each remote shard must say it is shard i of the build shard 0 belongs to
** (builds before zhs.build was recorded are not checked). */
static int check_remote_shards(struct zhs_xreader *xr, const char *const *hostports, size_t n, zhs_error *err)
{
    char *build0 = NULL;
    if (zhs_xreader_shard_metadata(xr, 0, &build0, "zhs.build", err)) return err->code;
    for (size_t i = 0; i < n && !zhs_err_code(err); i++) {
        char *build = NULL, *idx = NULL;
        if (zhs_xreader_shard_metadata(xr, i, &build, "zhs.build", err) ||
            zhs_xreader_shard_metadata(xr, i, &idx, "zhs.shard", err)) {
            free(build);
            free(idx);
            break;
        }
        char want[32];
        snprintf(want, sizeof want, "%zu", i);
        if (*build0 && strcmp(build, build0) != 0)
            zhs_fail(err, ZHS_EINVAL, "%s serves a shard of another build than %s (build %s, not %s): "
                     "serve the shards of one build of the index (one generation)",
                     hostports[i], hostports[0], *build ? build : "unknown", build0);
        else if (*idx && strcmp(idx, want) != 0)
            zhs_fail(err, ZHS_EINVAL, "%s serves shard %s of its build but was given as shard %zu: "
                     "give the shards in order (x<GEN>-0 first)", hostports[i], idx, i);
        free(build);
        free(idx);
    }
    free(build0);
    return zhs_err_code(err);
}

static int xr_open_remote(zhs_index *ix, const char *const *hostports, size_t n, unsigned timeout_ms,
                          zhs_error *err)
{
    char *an = NULL, *params = NULL, *shards = NULL;
    zhs_xreader *xr = NULL;
    if (zhs_xreader_open_remote(&xr, hostports, n, timeout_ms, err)) goto fail;
    ix->state = xr;
    if (zhs_xreader_metadata(xr, &an, "zhs.analyzer", err) ||
        zhs_xreader_metadata(xr, &params, "zhs.params", err) ||
        zhs_xreader_metadata(xr, &shards, "zhs.shards", err))
        goto fail;
    if (!*an) {
        zhs_fail(err, ZHS_ECORRUPT, "%s serves a Xapian database that zhs did not build (no zhs.analyzer metadata)", hostports[0]);
        goto fail;
    }
    /* The shards must be those of one build, all of them, in order:
    ** otherwise passage numbers and statistics would be wrong. */
    unsigned built = 0;
    if (sscanf(shards, "%u", &built) != 1 || built != n) {
        zhs_fail(err, ZHS_EINVAL, "%s serves a shard of a build split over %s shards, but %zu %s given: "
                 "give every shard of the build once, in order (x<GEN>-0 first)",
                 hostports[0], *shards ? shards : "?", n, n == 1 ? "was" : "were");
        goto fail;
    }
    if (check_remote_shards(xr, hostports, n, err)) goto fail;
    ix->m.version = 1;
    ix->m.engine = ZHS_ENGINE_XAPIAN;
    snprintf(ix->m.analyzer, sizeof ix->m.analyzer, "%s", an);
    /* the writer's defaults, should zhs.params be unreadable */
    ix->m.k1 = ZHS_DEFAULT_K1;
    ix->m.b = ZHS_DEFAULT_B;
    ix->m.title_weight = ZHS_DEFAULT_TITLE_WEIGHT;
    sscanf(params, "%lf %lf %u", &ix->m.k1, &ix->m.b, &ix->m.title_weight);
    ix->m.passages = zhs_xreader_doccount(xr);
    ix->m.avglen = zhs_xreader_avglength(xr);
    ix->m.shards = (unsigned)n;
    free(an);
    free(params);
    free(shards);
    return ZHS_OK;
fail:
    free(an);
    free(params);
    free(shards);
    return err->code;
}

/* ---------------------------------------------------------------- search */

static zhs_xq *xq_term(zhs_arena *a, const char *key, uint32_t len, uint32_t wqf)
{
    zhs_xq *q = zhs_arena_calloc(a, sizeof *q);
    if (q) {
        q->op = ZHS_XQ_TERM;
        q->term = key;
        q->len = len;
        q->wqf = wqf;
    }
    return q;
}

static zhs_xq *xq_node(zhs_arena *a, int op, size_t nkids)
{
    zhs_xq *q = zhs_arena_calloc(a, sizeof *q);
    const zhs_xq **kids = zhs_arena_calloc(a, (nkids + 1) * sizeof *kids);
    if (!q || !kids) return NULL;
    q->op = op;
    q->kids = kids;
    q->nkids = nkids;
    return q;
}

/* A required or excluded clause: a term, or a phrase over its elements. */
static zhs_xq *xq_clause(zhs_arena *a, const zhs_qclause *c)
{
    if (c->nelems == 1) return xq_term(a, c->elems[0].key, c->elems[0].len, 1);
    zhs_xq *p = xq_node(a, ZHS_XQ_PHRASE, c->nelems);
    if (!p) return NULL;
    for (size_t i = 0; i < c->nelems; i++) {
        const zhs_xq *t = xq_term(a, c->elems[i].key, c->elems[i].len, 1);
        if (!t) return NULL;
        ((const zhs_xq **)p->kids)[i] = t;
    }
    /* The elements sit at consecutive positions; the window is the span. */
    p->window = c->elems[c->nelems - 1].qpos - c->elems[0].qpos + 1;
    if (p->window < c->nelems) p->window = (uint32_t)c->nelems;
    return p;
}

static int xr_search(zhs_topk *out, zhs_arena *arena, zhs_index *ix, const zhs_query *q,
                     const zhs_search_options *o, zhs_error *err)
{
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    zhs_xq *scoring = xq_node(arena, ZHS_XQ_OR, q->nterms);
    if (!scoring) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    for (size_t i = 0; i < q->nterms; i++) {
        const zhs_xq *t = xq_term(arena, q->terms[i].key, q->terms[i].len, q->terms[i].qtf);
        if (!t) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        ((const zhs_xq **)scoring->kids)[i] = t;
    }
    size_t nmust = 0, nnot = 0;
    for (size_t i = 0; i < q->nclauses; i++) {
        if (q->clauses[i].occur == ZHS_OCCUR_MUST) nmust++;
        else nnot++;
    }
    zhs_xq *top = scoring;
    if (nmust) {
        zhs_xq *f = xq_node(arena, ZHS_XQ_FILTER, nmust + 1);
        if (!f) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        ((const zhs_xq **)f->kids)[0] = top;
        size_t j = 1;
        for (size_t i = 0; i < q->nclauses; i++)
            if (q->clauses[i].occur == ZHS_OCCUR_MUST) {
                const zhs_xq *c = xq_clause(arena, &q->clauses[i]);
                if (!c) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
                ((const zhs_xq **)f->kids)[j++] = c;
            }
        top = f;
    }
    if (nnot) {
        zhs_xq *x = xq_node(arena, ZHS_XQ_AND_NOT, nnot + 1);
        if (!x) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        ((const zhs_xq **)x->kids)[0] = top;
        size_t j = 1;
        for (size_t i = 0; i < q->nclauses; i++)
            if (q->clauses[i].occur == ZHS_OCCUR_MUST_NOT) {
                const zhs_xq *c = xq_clause(arena, &q->clauses[i]);
                if (!c) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
                ((const zhs_xq **)x->kids)[j++] = c;
            }
        top = x;
    }
    zhs_xsearch_opts xo;
    zhs_xsearch_opts_default(&xo);
    xo.weight = ZHS_XWEIGHT_NATIVE;     /* see docs/ENGINES.md */
    xo.k1 = o->k1;                      /* resolved by zhs_index_search */
    xo.b = o->b;
    xo.k = o->count_only ? 0 : o->k;
    xo.count_only = o->count_only || o->exhaustive;
    /* A hit's passage is read when it is asked for, as in the native
    ** engine, so a search costs no document reads (the shim still sends
    ** remote shards' data with the hits). */
    xo.ids_only = 1;
    /* Versions and filters hide passages inside the match (see
    ** query/filter.c), as the native engine does. */
    xo.hidden = q->hidden;
    xo.hidden_docs = q->hidden ? ix->m.passages : 0;
    /* Xapian hands a MatchDecider the docid of the shard's own database,
    ** which cannot be mapped back to a passage when there are several
    ** shards: there the hidden passages are dropped after the search,
    ** from 4k, 16k, ... hits until k are visible or the matches run out
    ** (a count then asks for every match). */
    bool post = q->hidden && ix->m.shards > 1;
    if (post) {
        xo.hidden = NULL;
        xo.hidden_docs = 0;
        xo.count_only = 0;
        xo.k = xo.k * 4 < 64 ? 64 : xo.k * 4;
        if (o->count_only || o->exhaustive) xo.k = (size_t)ix->m.passages;
    }
    zhs_xresults *res;
    size_t n;
    for (;;) {
        if (zhs_xreader_search(&res, ((zhs_xreader *)ix->state), top, &xo, err)) return err->code;
        n = zhs_xresults_count(res);
        if (!post || n < xo.k || xo.k >= ix->m.passages) break;
        size_t visible = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t d = zhs_xresults_hit(res, i)->docid - 1;
            visible += !(q->hidden[d >> 3] >> (d & 7) & 1);
        }
        if (visible >= o->k) break;
        zhs_xresults_free(res);
        xo.k = xo.k * 4 > ix->m.passages ? (size_t)ix->m.passages : xo.k * 4;
    }
    out->hits = zhs_arena_alloc(arena, (n + 1) * sizeof *out->hits);
    out->data = zhs_arena_alloc(arena, (n + 1) * sizeof *out->data);
    out->datalen = zhs_arena_alloc(arena, (n + 1) * sizeof *out->datalen);
    if (!out->hits || !out->data || !out->datalen) {
        zhs_xresults_free(res);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    }
    size_t j = 0;
    uint64_t visible = 0;
    for (size_t i = 0; i < n; i++) {
        const zhs_xhit *h = zhs_xresults_hit(res, i);
        uint64_t d = h->docid - 1;
        if (post && (q->hidden[d >> 3] >> (d & 7) & 1)) continue;
        visible++;
        if (post && (o->count_only || j >= o->k)) continue;
        out->hits[j].doc = (uint32_t)d;
        out->hits[j].score = h->score;
        out->data[j] = NULL;            /* ids_only, local: read when asked for */
        out->datalen[j] = 0;
        if (h->data) {
            char *copy = zhs_arena_strndup(arena, h->data, h->datalen);
            if (!copy) {
                zhs_xresults_free(res);
                return zhs_fail(err, ZHS_ENOMEM, "out of memory");
            }
            out->data[j] = copy;
            out->datalen[j] = h->datalen;
        }
        j++;
    }
    out->n = j;
    /* After a post-filter the count is exact when every match was seen,
    ** else the visible part of what was. */
    out->matches = post ? visible : zhs_xresults_matches(res);
    zhs_xresults_free(res);
    return ZHS_OK;
}

static int xr_passage(zhs_passage *out, zhs_buf *buf, zhs_results *r, uint32_t doc, zhs_error *err)
{
    for (size_t i = 0; i < r->top.n; i++)
        if (r->top.hits[i].doc == doc) {
            char *fetched = NULL;
            size_t len = r->top.datalen[i];
            const uint8_t *p = (const uint8_t *)r->top.data[i];
            if (!p) {
                if (zhs_xreader_document(&fetched, &len, (zhs_xreader *)r->ix->state, (uint64_t)doc + 1, err)) return err->code;
                p = (const uint8_t *)fetched;
            }
            int d = zhs_record_decode(&p, p + len, 0, buf, out);
            free(fetched);
            if (d == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
            if (d)
                return zhs_fail(err, ZHS_ECORRUPT, "%s: the stored data of passage %u is damaged: rebuild the index", r->ix->dir, doc);
            return ZHS_OK;
        }
    return zhs_fail(err, ZHS_EINVAL, "passage %u is not among the hits: the Xapian engine only returns the passages of its hits", doc);
}

/* 'zhs check': opening the shards reads only their version files; a
** damaged B-tree would show at the first search that touches it.  Xapian's
** own check walks every table of every local shard. */
static int xr_verify(zhs_index *ix, zhs_error *err)
{
    for (unsigned i = 0; i < ix->m.shards; i++) {
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/x%llu-%u", ix->dir, (unsigned long long)zhs_manifest_shard_gen(&ix->m), i);
        if (zhs_xdb_check(path, err)) return err->code;
    }
    return ZHS_OK;
}

static size_t xr_components(const zhs_manifest *m, zhs_engine_component *out, size_t cap)
{
    size_t n = 0;
    for (unsigned i = 0; i < m->shards; i++, n++) {
        if (n >= cap) continue;
        snprintf(out[n].label, sizeof out[n].label, "x%llu-%u", (unsigned long long)zhs_manifest_shard_gen(m), i);
        snprintf(out[n].file, sizeof out[n].file, "x%llu-%u", (unsigned long long)zhs_manifest_shard_gen(m), i);
    }
    return n;
}

const zhs_engine_reader zhs_xapian_reader = {
    .abi = ZHS_ENGINE_ABI,
    .kind = ZHS_ENGINE_XAPIAN,
    .name = "xapian",
    .shareable = false,         /* a Xapian::Database is one thread's */
    .open = xr_open,
    .close = xr_close,
    .search = xr_search,
    .passage = xr_passage,
    .verify = xr_verify,
    .components = xr_components,
    .open_remote = xr_open_remote,
};

const zhs_engine_writer zhs_xapian_writer = {
    .abi = ZHS_ENGINE_ABI,
    .kind = ZHS_ENGINE_XAPIAN,
    .name = "xapian",
    .open = xw_open,
    .add = xw_add,
    .commit = xw_commit,
    .close = xw_close,
    .remove = xw_remove,
    .remove_id = xw_remove_id,
    .record = xw_record,
};
