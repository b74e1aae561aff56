/*
** index.c — the read-only index handle, shared by search threads: opening
** (manifest, then the engine's files), the analyzer check, running a query
** and reading results.
*/
#include "analyzer_int.h"
#include "query_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Does a query on ix get every character term whatever its analyzer's
** chars setting?  Only with bigrams (the parse makes character terms
** from a bigram analyzer's tokens, and chars.c its lists from bigrams):
** on an index holding them all (chars=1: a Xapian index by default), and
** on a native index each of whose segments makes those it lacks
** (native.c: not a segment written before format 3, whose title copies
** stood at the title's own positions, not at 0, which chars.c would
** count as text; an update keeps such segments under a newer MANIFEST,
** so the segments decide, not the MANIFEST's format).  Decided once when
** the index is opened (ix->all_chars), not per query. */
static bool index_all_chars(const zhs_index *ix)
{
    zhs_analyzer_config ac;
    if (zhs_analyzer_config_from_fingerprint(&ac, ix->m.analyzer) != ZHS_OK || !ac.bigrams) return false;
    if (ac.chars == ZHS_CHARS_ALL) return true;
    if (ix->eng != &zhs_native_reader) return false;
    const zhs_native *nx = ix->state;
    for (unsigned i = 0; i < nx->nsegs; i++)
        if (!nx->segs[i].chars) return false;
    return true;
}

/* Opens the files of the generation named by ix->m through its engine. */
static int open_generation(zhs_index *ix, zhs_error *err)
{
    ix->eng = zhs_engine_reader_get(ix->m.engine);
    if (!ix->eng)
        return zhs_fail(err, ZHS_EVERSION, "%s was built by the %s engine, which this build of zhsearch does not "
                        "include (configured with ZHS_WITH_XAPIAN=OFF): use a build with it, or rebuild the index "
                        "with the native engine", ix->dir, zhs_engine_name(ix->m.engine));
    if (ix->eng->open(ix, err) || zhs_filter_open(ix, err)) return err->code;
    ix->all_chars = index_all_chars(ix);
    if (zhs_cite_open(ix, err)) return err->code;
    return zhs_crimes_open(ix, err);
}

static void close_generation(zhs_index *ix)
{
    zhs_filter_close(ix);
    zhs_crimes_close(ix);
    zhs_cite_close(ix);
    if (ix->eng) ix->eng->close(ix);
    ix->state = NULL;
}

/* A writer replacing the index removes the old generation's files right
** after it renames the new MANIFEST, so a reader can read the old MANIFEST
** and then find its files gone.  That is not damage: read the MANIFEST again
** and open the generation it names now.  Only an error that persists under
** the same generation is reported. */
enum { OPEN_ATTEMPTS = 8 };

int zhs_index_open(zhs_index **out, const char *dir, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    if (strlen(dir) > ZHS_DIR_MAX)
        return zhs_fail(err, ZHS_EINVAL, "index path of %zu bytes is too long (the limit is %d)", strlen(dir), ZHS_DIR_MAX);
    zhs_index *ix = calloc(1, sizeof *ix);
    if (!ix) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    snprintf(ix->dir, sizeof ix->dir, "%s", dir);
    if (zhs_manifest_read(&ix->m, dir, err)) goto fail;
    for (int attempt = 1;; attempt++) {
        zhs_error e;
        zhs_error_clear(&e);
        if (open_generation(ix, &e) == ZHS_OK) break;
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
    out->engine_name = zhs_engine_name(ix->m.engine);
    out->shareable = ix->eng && ix->eng->shareable;
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

/* The length of fp's " chars=X" part at *at, 0 when it starts no such part. */
static size_t chars_part(const char *at)
{
    static const char tag[] = " chars=";
    if (strncmp(at, tag, sizeof tag - 1) != 0) return 0;
    size_t n = sizeof tag - 1;
    while (at[n] && at[n] != ' ') n++;
    return n;
}

/* Are fingerprints a and b equal but for their " chars=" parts (chars=1,
** chars=w or none)? */
static bool same_but_chars(const char *a, const char *b)
{
    for (;;) {
        a += chars_part(a);
        b += chars_part(b);
        if (*a != *b) return false;
        if (!*a) return true;
        a++;
        b++;
    }
}

int zhs_index_check_analyzer(const zhs_index *ix, const zhs_analyzer *an, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (zhs_err_code(err)) return err->code;
    const char *fp = zhs_analyzer_fingerprint(an);
    /* Where the query parse gives every character term whatever the
    ** analyzer's chars setting (ix->all_chars), an analyzer opened with
    ** the library's default (chars=w) searches an index built with --chars
    ** (chars=1) or without, and the other way round, with the same
    ** results. */
    if (strcmp(fp, ix->m.analyzer) != 0 && !(ix->all_chars && same_but_chars(fp, ix->m.analyzer)))
        return zhs_fail(err, ZHS_EANALYZER,
                        "%s was built with analyzer \"%s\" but this query uses \"%s\": "
                        "open the analyzer from the index (zhs_index_open_analyzer), or rebuild the index with this analyzer",
                        ix->dir, ix->m.analyzer, fp);
    return ZHS_OK;
}

int zhs_index_open_analyzer(zhs_analyzer **out, const zhs_index *ix, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_analyzer_config cfg;
    if (zhs_analyzer_config_from_fingerprint(&cfg, ix->m.analyzer) != ZHS_OK)
        return zhs_fail(err, ZHS_EANALYZER, "%s records an analyzer this version does not know (\"%s\"): "
                        "rebuild the index", ix->dir, ix->m.analyzer);
    /* A user dictionary is named only by its hash: its words are the copy
    ** the writer stored with this generation. */
    char path[ZHS_PATH_MAX];
    if (zhs_fingerprint_has_user_dict(ix->m.analyzer)) {
        snprintf(path, sizeof path, ZHS_USERDICT_FILE, ix->dir, (unsigned long long)ix->m.generation);
        if (access(path, R_OK) != 0)
            return zhs_fail(err, ZHS_ECORRUPT, "%s was built with a user dictionary but its copy %s cannot be read (%s): "
                            "if the index was just replaced, open it again; otherwise rebuild it with its user dictionary",
                            ix->dir, path, strerror(errno));
        cfg.user_dict = path;
    }
    zhs_analyzer *an;
    if (zhs_analyzer_open(&an, &cfg, err)) return err->code;
    if (cfg.user_dict && strcmp(zhs_analyzer_fingerprint(an), ix->m.analyzer) != 0) {
        zhs_analyzer_close(an);
        return zhs_fail(err, ZHS_ECORRUPT, "%s does not hold the words %s was built with (damaged or replaced): "
                        "rebuild the index with its user dictionary", cfg.user_dict, ix->dir);
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
    zhs_search_options d = ZHS_SEARCH_OPTIONS_INIT;
    *o = d;
}

/* Resolves a caller's search options once (see zhs.h): k within bounds,
** BM25 parameters at the index's unless given. */
static int resolve_search_options(zhs_search_options *o, const zhs_search_options *given,
                                  const zhs_index *ix, zhs_error *err)
{
    zhs_search_options_default(o);
    if (given) {
        if (given->version > ZHS_SEARCH_OPTIONS_VERSION)
            return zhs_fail(err, ZHS_EINVAL, "search options of version %u are newer than this library (%u): "
                            "build the program against this version of zhs.h", given->version,
                            ZHS_SEARCH_OPTIONS_VERSION);
        /* A struct older than version 2 (or zeroed, which may be an old
        ** caller's) ends before the version-2 fields: never read them. */
        memcpy(o, given, given->version >= 4   ? sizeof *o
                         : given->version == 3 ? offsetof(zhs_search_options, no_expand)
                         : given->version == 2 ? offsetof(zhs_search_options, proximity)
                                               : offsetof(zhs_search_options, aliases));
        o->version = ZHS_SEARCH_OPTIONS_VERSION;
        if (given->version == 0 && given->b == 0) o->b = -1;
    }
    if (o->k == 0) o->k = ZHS_DEFAULT_K;
    if (o->k > ZHS_MAX_K) o->k = ZHS_MAX_K;
    /* NaN and infinity are refused, not read as "the index's": a score of
    ** NaN would rank at random (zhs.h: <= 0, < 0 mean the index's) */
    if (isnan(o->k1) || o->k1 > 1000)
        return zhs_fail(err, ZHS_EINVAL, "BM25 k1 must be a number up to 1000, or 0 for the index's (got %g)", o->k1);
    if (isnan(o->b) || o->b > 1)
        return zhs_fail(err, ZHS_EINVAL, "BM25 b must be between 0 and 1, or below 0 for the index's (got %g)", o->b);
    if (o->all_versions && o->as_of && o->as_of[0])
        return zhs_fail(err, ZHS_EINVAL, "all versions and as of %s exclude each other: ask for every version, or for "
                        "the one in force on a date", o->as_of);
    if (!(o->k1 > 0)) o->k1 = ix->m.k1;
    if (!(o->b >= 0)) o->b = ix->m.b;
    if (o->proximity == 0) o->proximity = ZHS_DEFAULT_PROXIMITY;
    return ZHS_OK;
}

/* As of a date, an undated document is searched whatever the date (its
** file names none: 刑法.md, the 民法典's books): a hit of one says so, since
** its text may be later than the date asked for. */
static void warn_undated(zhs_results *r)
{
    const zhs_index *ix = r->ix;
    if (!ix->has_meta) return;
    for (size_t i = 0; i < r->top.n; i++) {
        const zhs_meta_run *run = zhs_meta_run_of(&ix->meta, r->top.hits[i].doc);
        if (!run || run->date) continue;
        zhs_query_warn(&r->q, &r->arena, "some hits are of documents without a date (their files name none): "
                       "--as-of shows them whatever the date, and their text may be later than it");
        return;
    }
}

int zhs_index_search(zhs_results **out, zhs_index *ix, zhs_analyzer *an, const char *query,
                     const zhs_search_options *opts, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    if (zhs_index_check_analyzer(ix, an, err)) return err->code;
    zhs_search_options o;
    if (resolve_search_options(&o, opts, ix, err)) return err->code;
    zhs_results *r = calloc(1, sizeof *r);
    if (!r) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a query");
    zhs_arena_init(&r->arena, 16 * 1024);
    zhs_store_reader_init(&r->store);
    r->ix = ix;
    r->proximity = o.proximity;
    /* Metadata conditions written in the query (category:X) are not
    ** words: they join the filter, the rest is parsed. */
    const char *rest, *conds;
    /* AND, OR, NOT as people type them */
    query = zhs_query_boolean(&r->arena, query);
    int rc = zhs_filter_split(&rest, &conds, &r->arena, query, err);
    /* conditions only: a bad one is the error to report, not "empty" */
    if (rc == ZHS_OK && conds && !rest[strspn(rest, " \t\r\n")]) {
        rc = zhs_filter_check(ix, conds, err);
        if (rc == ZHS_OK)
            rc = zhs_fail(err, ZHS_EQUERY, "the query holds conditions only (%.200s): give words to search for "
                          "as well", conds + strspn(conds, " "));
    }
    /* every character term where the index has them all or makes them */
    if (rc == ZHS_OK) rc = zhs_query_parse_chars(&r->q, &r->arena, an, rest, ix->all_chars, err);
    /* the statutes' wording for everyday words: a ranking feature, of the
    ** native engine (concepts.c) */
    if (rc == ZHS_OK && o.proximity >= 0 && !o.no_expand && ix->m.engine == ZHS_ENGINE_NATIVE)
        rc = zhs_query_expand(&r->q, &r->arena, an, rest, o.aliases, err);
    if (rc == ZHS_OK) rc = zhs_query_cite(&r->q, &r->arena, rest, o.aliases, err);
    /* a crime's name cites the article that defines it, as a ranking
    ** feature (crimes.c) */
    if (rc == ZHS_OK && o.proximity >= 0 && !o.no_expand) rc = zhs_query_crimes(&r->q, &r->arena, ix, an, rest, err);
    if (rc == ZHS_OK) rc = zhs_filter_apply(&r->q, &r->arena, ix, &o, conds, err);
    if (rc == ZHS_OK && (!o.group_size || o.count_only)) {
        rc = ix->eng->search(&r->top, &r->arena, ix, &r->q, &o, err);
    } else if (rc == ZHS_OK) {
        /* Grouping: take more hits than k until k laws are filled or
        ** every match has been seen (a collapse over the ranked list). */
        zhs_search_options g = o;
        size_t want = o.k;
        g.k = want * 4 < 64 ? 64 : want * 4;
        for (;;) {
            if (g.k > ZHS_MAX_K) g.k = ZHS_MAX_K;
            rc = ix->eng->search(&r->top, &r->arena, ix, &r->q, &g, err);
            if (rc) break;
            size_t got = r->top.n;
            bool enough;
            rc = zhs_filter_group(&r->top, &r->arena, ix, o.group_size, want, &enough, err);
            if (rc || enough || got < g.k || g.k == ZHS_MAX_K) break;
            g.k *= 4;
        }
    }
    /* A citation's article goes first (its exact query sees the same
    ** hidden passages: older versions, filters). */
    if (rc == ZHS_OK) rc = zhs_query_cite_run(r, an, &o, err);
    if (rc == ZHS_OK && o.as_of && o.as_of[0]) warn_undated(r);
    if (rc) {
        zhs_results_free(r);
        return rc;
    }
    *out = r;
    return ZHS_OK;
}

size_t zhs_results_count(const zhs_results *r) { return r->top.n; }
const char *zhs_results_warning(const zhs_results *r, size_t i)
{
    return i < r->q.nwarnings ? r->q.warnings[i] : NULL;
}
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
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    zhs_buf tmp;
    zhs_buf_init(&tmp);
    int rc;
    rc = r->ix->eng->passage(out, &tmp, r, doc, err);
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
            out->date = copy + (out->date - tmp.data);
            out->category = copy + (out->category - tmp.data);
            out->status = copy + (out->status - tmp.data);
            out->issuer = copy + (out->issuer - tmp.data);
            out->extra = copy + (out->extra - tmp.data);
        }
    }
    zhs_buf_free(&tmp);
    return rc;
}

int zhs_index_verify(const char *dir, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (zhs_err_code(err)) return err->code;
    zhs_index *ix;
    if (zhs_index_open(&ix, dir, err)) return err->code;   /* every CRC */
    /* An index whose queries cannot be analyzed the way it was built is
    ** of no use, whatever its files say: check the fingerprint too. */
    zhs_analyzer *an = NULL;
    int rc = zhs_index_open_analyzer(&an, ix, err);
    if (rc == ZHS_OK) rc = zhs_cite_verify_keys(ix, an, err);
    zhs_analyzer_close(an);
    if (rc == ZHS_OK && ix->eng->verify) rc = ix->eng->verify(ix, err);
    zhs_index_close(ix);
    return rc;
}

int zhs_index_open_remote(zhs_index **out, const char *const *hostports, size_t n,
                          unsigned timeout_ms, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    const zhs_engine_reader *eng = zhs_engine_reader_remote();
    if (!eng)
        return zhs_fail(err, ZHS_EINVAL, "this build of zhsearch has no engine that searches remote shards "
                        "(it was configured with ZHS_WITH_XAPIAN=OFF)");
    if (n == 0) return zhs_fail(err, ZHS_EINVAL, "no remote shard given: give at least one host:port");
    zhs_index *ix = calloc(1, sizeof *ix);
    if (!ix) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening remote shards");
    snprintf(ix->dir, sizeof ix->dir, "%s%s", hostports[0], n > 1 ? ",..." : "");
    ix->eng = eng;
    if (eng->open_remote(ix, hostports, n, timeout_ms, err)) {
        int rc = err ? err->code : ZHS_EINTERNAL;
        zhs_index_close(ix);
        return rc;
    }
    ix->all_chars = index_all_chars(ix);
    *out = ix;
    return ZHS_OK;
}

int zhs_index_files(zhs_index_file *out, size_t cap, size_t *n, const zhs_index *ix, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *n = 0;
    if (zhs_err_code(err)) return err->code;
    zhs_engine_component comp[ZHS_MAX_SEGMENTS * 8];
    size_t k = ix->eng->components ? ix->eng->components(&ix->m, comp, sizeof comp / sizeof comp[0]) : 0;
    if (k > sizeof comp / sizeof comp[0]) k = sizeof comp / sizeof comp[0];
    /* every file is counted; those past cap are not written (*n > cap
    ** tells the caller to ask again with more room) */
    for (size_t i = 0; i < k; i++) {
        if (*n >= cap) {
            (*n)++;
            continue;
        }
        zhs_index_file *f = &out[(*n)++];
        memcpy(f->label, comp[i].label, sizeof f->label);
        memcpy(f->file, comp[i].file, sizeof f->file);
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", ix->dir, comp[i].file);
        f->bytes = zhs_path_size(path);
    }
    /* The metadata and citation tables belong to no engine. */
    for (int t = 0; t < 2; t++) {
        if (!(t ? ix->has_cite : ix->has_meta)) continue;
        if (*n >= cap) {
            (*n)++;
            continue;
        }
        zhs_index_file *f = &out[(*n)++];
        snprintf(f->label, sizeof f->label, "%s", t ? "citations" : "metadata");
        snprintf(f->file, sizeof f->file, "g%llu.%s", (unsigned long long)ix->m.generation, t ? "cite" : "meta");
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", ix->dir, f->file);
        f->bytes = zhs_path_size(path);
    }
    return ZHS_OK;
}
