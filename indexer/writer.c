/*
** writer.c — builds a new version of an index from passages, whatever the
** engine.
**
** The writer owns what every engine shares: the index directory and its
** lock, the generation number, the analysis of each passage into terms
** (analysis/terms.h), the collection's figures, progress, and the commit:
** the engine writes and syncs its files (common/engine.h), then the
** MANIFEST rename publishes them atomically.  Until then readers see the
** previous version, and a crash leaves at worst some unreferenced files,
** which the next writer removes.
*/
#include "analyzer_int.h"
#include "engine.h"
#include "indexer_int.h"
#include "ztable.h"
#include "manifest.h"
#include "meta.h"
#include "names.h"
#include "segment.h"
#include "terms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What an update does to one of the index's segments. */
typedef struct seg_update {
    uint8_t *bits;              /* its deletion bitmap, loaded on first need */
    uint64_t deleted;           /* bits set */
    bool dirty;                 /* set bits this update: write a new file */
    zhs_mapped len;             /* its lengths, for the live token count */
    bool len_mapped;
    /* its stored records, opened on the first deletion that must read the
    ** text sizes of the passages it deletes (the MANIFEST's source_bytes) */
    zhs_segment seg;
    bool seg_open;
    zhs_store_reader rd;
} seg_update;

struct zhs_writer {
    char dir[ZHS_DIR_MAX + 1];
    char tmpdir[ZHS_DIR_MAX + 64];
    int lock_fd;
    zhs_analyzer *an;
    zhs_writer_options opt;
    zhs_manifest old;
    bool have_old;
    uint64_t gen;

    const zhs_engine_writer *eng;
    void *state;                /* the engine writer's */
    zhs_passage_terms pt;       /* the current passage's terms */
    zhs_pipeline *pl;           /* analysis in threads (opt.threads > 1), else NULL */
    zhs_meta_builder *meta;     /* versions and metadata, for every engine (meta.h) */
    zhs_syncs *syncs;           /* the generation's files' fsyncs, waited for before the MANIFEST */

    uint32_t ndocs;             /* passages the engine has */
    uint32_t nadded;            /* passages added: ndocs and those in the pipeline */
    uint64_t total_tokens, bytes_in;
    double t0, last_progress;
    /* When the pipeline's thread gives passages to the engine, it
    ** publishes ndocs, total_tokens and bytes_in here every 256 passages,
    ** and the caller's thread reports them (progress callbacks run on the
    ** caller's thread). */
    bool sink_thread;
    _Atomic uint64_t seen_docs, seen_tokens, seen_bytes;
    bool committed;
    bool commit_begun;          /* the engine's and pipeline's memory may be gone: no more adds */

    /* Incremental updates (docs/FORMAT.md): the old segments stay, the
    ** passages added go to a new one, named by this generation. */
    bool update;
    bool merging;               /* a merge: the file table is remapped, not checked */
    bool edit;                  /* an edit: files not named stay (zhs_writer_open_edit) */
    char segname[32];           /* the segment this writer writes */
    uint32_t first_base;        /* number in segname of this writer's passage 0 */
    seg_update *su;             /* per segment of old */
    zhs_src_table old_src, src; /* the old file table, the new one */
    bool have_old_src;
    bool restat;                /* a file unchanged but for its size or mtime: its record changes */
    bool noop;                  /* the update changed nothing: the commit published nothing */
    uint8_t *seen;              /* per old_src entry: named by this update */
    long cur;                   /* entry of src receiving passages, -1: none */
    uint64_t del_tokens;
    uint64_t del_bytes;         /* text of the passages deleted (source_bytes) */
    zhs_buf rec;                /* a deleted passage's record, read for its size */
    zhs_update_counts counts;
};

void zhs_writer_options_default(zhs_writer_options *o)
{
    zhs_writer_options d = ZHS_WRITER_OPTIONS_INIT;
    *o = d;
}

/* Resolves the caller's options once: a zeroed struct (version 0) takes
** the default for every field left at 0; an initialised one is taken as
** given and checked. */
static int resolve_options(zhs_writer_options *o, const zhs_writer_options *given, zhs_error *err)
{
    zhs_writer_options_default(o);
    if (!given) return ZHS_OK;
    if (given->version > ZHS_WRITER_OPTIONS_VERSION)
        return zhs_fail(err, ZHS_EINVAL, "writer options of version %u are newer than this library (%u): "
                        "build the program against this version of zhs.h", given->version,
                        ZHS_WRITER_OPTIONS_VERSION);
    bool zeroed = given->version == 0;
    o->engine = given->engine;
    if (given->ram_budget) o->ram_budget = given->ram_budget;
    o->shards = given->shards ? given->shards : 1;
    if (!zeroed || given->k1 != 0) o->k1 = given->k1;
    if (!zeroed || given->b != 0) o->b = given->b;
    if (!zeroed || given->title_weight) o->title_weight = given->title_weight;
    o->progress = given->progress;
    o->progress_ctx = given->progress_ctx;
    if (given->version >= 2) o->threads = zhs_pipeline_threads(given->threads);
    if (!(o->k1 > 0) || o->k1 > 1000)
        return zhs_fail(err, ZHS_EINVAL, "BM25 k1 must be above 0 (got %g)", o->k1);
    if (!(o->b >= 0 && o->b <= 1))
        return zhs_fail(err, ZHS_EINVAL, "BM25 b must be between 0 and 1 (got %g)", o->b);
    if (o->title_weight > 100)
        return zhs_fail(err, ZHS_EINVAL, "title weight %u is out of range (0 to 100)", o->title_weight);
    return ZHS_OK;
}

/* ---------------------------------------------------------------- files */

/* Every file or directory of a generation, whatever its engine, is named
** by a lower-case letter and the generation number ("g3.post", "x3-0";
** docs/FORMAT.md): the writer cleans up without knowing the engines. */
static bool is_generation_file(const char *n)
{
    return (n[0] == 'g' || n[0] == 'x' || n[0] == 's') && n[1] >= '0' && n[1] <= '9';
}

/* Removes the files keep does not use (and tmp directories): the leftovers
** of a crashed or aborted build, or of a replaced version.  keep uses the
** files of its generation and every file its MANIFEST names (segments that
** earlier generations wrote, deletion files, the file table).  keep NULL:
** none. */
static void remove_stale(const char *dir, const zhs_manifest *keep)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char keep_g[40] = "", keep_x[40] = "";
    if (keep) {
        snprintf(keep_g, sizeof keep_g, "g%llu.", (unsigned long long)keep->generation);
        snprintf(keep_x, sizeof keep_x, "x%llu-", (unsigned long long)zhs_manifest_shard_gen(keep));
    }
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        bool ours = is_generation_file(n);
        bool tmp = strncmp(n, "tmp-", 4) == 0;
        if (!ours && !tmp) continue;
        if (ours && keep && (strncmp(n, keep_g, strlen(keep_g)) == 0 || strncmp(n, keep_x, strlen(keep_x)) == 0 ||
                             zhs_manifest_names(keep, n)))
            continue;
        char path[ZHS_PATH_MAX];
        if (zhs_path_join(path, sizeof path, dir, n)) zhs_path_remove(path);
    }
    closedir(d);
}

/* Files a build of ours may leave behind: the lock, a generation's files,
** Xapian shard directories, run directories. */
static bool is_our_leftover(const char *n)
{
    if (!strcmp(n, "LOCK") || !strcmp(n, "MANIFEST.tmp") || !strncmp(n, "tmp-", 4)) return true;
    return is_generation_file(n);
}

/* Empty but for what an interrupted first build of ours left there. */
static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return false;
    struct dirent *e;
    bool empty = true;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !is_our_leftover(e->d_name)) {
            empty = false;
            break;
        }
    closedir(d);
    return empty;
}

static bool has_manifest(const char *dir)
{
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    return access(path, F_OK) == 0;
}

static int prepare_dir(zhs_writer *w, zhs_error *err)
{
    struct stat st;
    if (stat(w->dir, &st) != 0) {
        if (errno != ENOENT || mkdir(w->dir, 0755) != 0)
            return zhs_fail(err, ZHS_EIO, "cannot create index directory %s: %s", w->dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return zhs_fail(err, ZHS_EINVAL, "%s exists and is not a directory: choose another index path", w->dir);
    } else if (!has_manifest(w->dir) && !dir_is_empty(w->dir)) {
        /* Checked before the lock file is created, so that a refused
        ** directory is left exactly as it was. */
        return zhs_fail(err, ZHS_EINVAL, "%s is not empty and holds no zhsearch index: refusing to write into it; "
                        "give a new or empty directory", w->dir);
    }
    char lock[ZHS_PATH_MAX];
    snprintf(lock, sizeof lock, "%s/LOCK", w->dir);
    w->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lock_fd < 0)
        return zhs_fail(err, ZHS_EIO, "cannot create %s: %s", lock, strerror(errno));
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return zhs_fail(err, ZHS_EIO, "%s is being written by another process: wait for it to finish", w->dir);

    zhs_error e2 = {0};
    int rc = zhs_manifest_read(&w->old, w->dir, &e2);
    if (rc == ZHS_OK) {
        w->have_old = true;
        w->gen = w->old.generation + 1;
        remove_stale(w->dir, &w->old);
    } else if (rc == ZHS_ENOTFOUND) {
        w->gen = 1;
        remove_stale(w->dir, NULL);     /* leftovers of a first build that crashed */
    } else if (rc == ZHS_ENOMEM) {
        *err = e2;          /* the machine's state, not the index's */
        return rc;
    } else {
        /* A damaged manifest: the old version is already lost, so build a
        ** fresh one rather than refuse; keep the generation unique. */
        if (w->update)
            return zhs_fail(err, ZHS_ECORRUPT, "%s: %s: an index with a damaged manifest cannot be updated; "
                            "build it anew", w->dir, e2.message);
        w->gen = (uint64_t)time(NULL);
        remove_stale(w->dir, NULL);
    }
    snprintf(w->tmpdir, sizeof w->tmpdir, "%s/tmp-%llu", w->dir, (unsigned long long)w->gen);
    if (mkdir(w->tmpdir, 0755) != 0 && errno != EEXIST)
        return zhs_fail(err, ZHS_EIO, "cannot create %s: %s", w->tmpdir, strerror(errno));
    return ZHS_OK;
}

/* ---------------------------------------------------------------- open */

static void report(zhs_writer *w, const char *phase)
{
    if (!w->opt.progress) return;
    zhs_progress pr = {w->ndocs, w->total_tokens, w->bytes_in, zhs_now() - w->t0, phase};
    w->opt.progress(w->opt.progress_ctx, &pr);
}

/* While passages are added: these counts, at most every 0.25 s. */
static void report_indexing(zhs_writer *w, uint64_t docs, uint64_t tokens, uint64_t bytes)
{
    double now = zhs_now();
    if (now - w->last_progress < 0.25) return;
    w->last_progress = now;
    zhs_progress pr = {docs, tokens, bytes, now - w->t0, "indexing"};
    w->opt.progress(w->opt.progress_ctx, &pr);
}

static void report_phase(void *ctx, const char *phase)
{
    report(ctx, phase);
}

static int load_update_state(zhs_writer *w, zhs_error *err);
static int writer_take(void *ctx, const zhs_passage *p, const zhs_passage_terms *pt, zhs_error *err);

static int writer_open(zhs_writer **out, const char *dir, zhs_analyzer *an,
                       const zhs_writer_options *opts, bool update, zhs_error *err)
{
    *out = NULL;
    if (err->code) return err->code;
    zhs_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    w->lock_fd = -1;
    w->an = an;
    w->t0 = zhs_now();
    w->cur = -1;
    w->update = update;
    if (resolve_options(&w->opt, opts, err)) goto fail;
    zhs_passage_terms_init(&w->pt, w->opt.title_weight);
    w->eng = zhs_engine_writer_get(w->opt.engine);
    if (!w->eng) {
        zhs_fail(err, ZHS_EINVAL, "engine %d (%s) is not part of this build of zhsearch: "
                 "choose one that zhs_engine_from_name accepts", w->opt.engine, zhs_engine_name(w->opt.engine));
        goto fail;
    }
    if (strlen(dir) > ZHS_DIR_MAX) {
        zhs_fail(err, ZHS_EINVAL, "index path is too long: %s", dir);
        goto fail;
    }
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    if (prepare_dir(w, err)) goto fail;
    if (w->update && !w->have_old) w->update = false;   /* nothing to update: a build */
    if (w->update) {
        /* the index's engine and parameters, whatever the options said */
        if (strcmp(w->old.analyzer, zhs_analyzer_fingerprint(an)) != 0) {
            zhs_fail(err, ZHS_EANALYZER, "%s was built with analyzer \"%s\", not \"%s\": update it with the "
                     "index's own analyzer (zhs_index_open_analyzer), or build it anew", w->dir, w->old.analyzer,
                     zhs_analyzer_fingerprint(an));
            goto fail;
        }
        w->opt.engine = w->old.engine;
        w->opt.k1 = w->old.k1;
        w->opt.b = w->old.b;
        w->opt.title_weight = w->old.title_weight;
        zhs_passage_terms_free(&w->pt);
        zhs_passage_terms_init(&w->pt, w->opt.title_weight);
        w->eng = zhs_engine_writer_get(w->opt.engine);
        if (!w->eng) {
            zhs_fail(err, ZHS_EINVAL, "%s is a %s index, an engine this build of zhsearch does not have",
                     w->dir, zhs_engine_name(w->old.engine));
            goto fail;
        }
        if (load_update_state(w, err)) goto fail;
        if (w->eng->remove && w->old.nsegments == 1) {
            /* an engine that updates in place appends to its one segment */
            snprintf(w->segname, sizeof w->segname, "%s", w->old.seg[0].name);
            w->first_base = (uint32_t)w->old.seg[0].count;
        } else {
            snprintf(w->segname, sizeof w->segname, "s%llu", (unsigned long long)w->gen);
        }
    } else {
        snprintf(w->segname, sizeof w->segname, "g%llu", (unsigned long long)w->gen);
    }
    zhs_analyzer_config ac;
    zhs_analyzer_config_get(an, &ac);
    if (zhs_syncs_open(&w->syncs, err)) goto fail;
    zhs_engine_build b = {w->dir, w->tmpdir, w->gen, &w->opt, zhs_analyzer_fingerprint(an), ac.bigrams != 0,
                          report_phase, w, w->segname, w->update ? &w->old : NULL, w->syncs};
    if (w->eng->open(&w->state, &b, err)) goto fail;
    if (zhs_meta_builder_open(&w->meta, err)) goto fail;
    /* The engine's add may run on the pipeline's own thread unless the
    ** engine updates in place: its remove runs on the caller's
    ** (zhs_writer_source), and the two must not meet. */
    w->sink_thread = w->opt.threads > 1 && !w->eng->remove;
    if (w->opt.threads > 1 && zhs_pipeline_open(&w->pl, w->opt.threads, an, w->opt.title_weight, w->tmpdir,
                                                writer_take, w, w->sink_thread, err))
        goto fail;
    *out = w;
    return ZHS_OK;
fail:
    zhs_writer_close(w);
    return err->code;
}

int zhs_writer_open(zhs_writer **out, const char *dir, zhs_analyzer *an,
                    const zhs_writer_options *opts, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    return writer_open(out, dir, an, opts, false, err);
}

int zhs_writer_open_update(zhs_writer **out, const char *dir, zhs_analyzer *an,
                           const zhs_writer_options *opts, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (writer_open(out, dir, an, opts, true, err)) return err->code;
    zhs_writer *w = *out;
    /* Without a file table an update cannot know which passages a file
    ** had: it would add every file's passages a second time. */
    if (w->update && !w->have_old_src && w->old.passages > 0) {
        zhs_fail(err, ZHS_EINVAL, "%s records no source files (it was built before updates existed, or without "
                 "naming its files): build it anew once, and later updates will work", dir);
        zhs_writer_close(w);
        *out = NULL;
        return err->code;
    }
    return ZHS_OK;
}

int zhs_writer_open_edit(zhs_writer **out, const char *dir, zhs_analyzer *an,
                         const zhs_writer_options *opts, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (err->code) return err->code;
    if (!has_manifest(dir))
        return zhs_fail(err, ZHS_ENOTFOUND, "%s holds no index to add to or delete from: build one first", dir);
    if (zhs_writer_open_update(out, dir, an, opts, err)) return err->code;
    zhs_writer *w = *out;
    w->edit = true;
    /* the roots keep their order, whichever files are named */
    for (size_t i = 0; i < w->old_src.nroots; i++)
        if (zhs_src_root(&w->src, w->old_src.roots[i]) < 0) {
            zhs_writer_close(w);
            *out = NULL;
            return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
        }
    return ZHS_OK;
}

size_t zhs_writer_roots(const zhs_writer *w, const char *const **roots)
{
    *roots = (const char *const *)w->old_src.roots;
    return w->have_old_src ? w->old_src.nroots : 0;
}

/* ---------------------------------------------------------------- sources */

static int load_update_state(zhs_writer *w, zhs_error *err)
{
    w->su = calloc(w->old.nsegments + 1, sizeof *w->su);
    if (!w->su) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    if (w->old.files[0]) {
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", w->dir, w->old.files);
        if (zhs_src_table_read(&w->old_src, path, err)) return err->code;
        w->have_old_src = true;
        w->seen = calloc(w->old_src.n + 1, 1);
        if (!w->seen) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    }
    return ZHS_OK;
}

static int seg_index(const zhs_writer *w, const char *name)
{
    for (unsigned i = 0; i < w->old.nsegments; i++)
        if (!strcmp(w->old.seg[i].name, name)) return (int)i;
    return -1;
}

/* Adds the text size of passage d of old segment i, about to be deleted,
** to del_bytes: its stored record is the only place that size is kept, and
** a fresh build of the live passages would not count it. */
static int count_deleted_text(zhs_writer *w, unsigned i, uint32_t d, zhs_error *err)
{
    const zhs_manifest_segment *ms = &w->old.seg[i];
    seg_update *u = &w->su[i];
    if (!u->seg_open) {
        if (zhs_segment_open(&u->seg, w->dir, ms->name, (uint32_t)ms->count, false, err)) return err->code;
        zhs_store_reader_init(&u->rd);
        u->seg_open = true;
    }
    zhs_passage p;
    zhs_buf_reset(&w->rec);
    if (zhs_store_get(&u->seg, d, &u->rd, &w->rec, &p, err)) return err->code;
    w->del_bytes += p.text_len;
    return ZHS_OK;
}

/* Marks passages [first, first + n) of old segment i deleted.  sized: the
** caller has added their text sizes to del_bytes (it read their records). */
static int delete_range(zhs_writer *w, unsigned i, uint32_t first, uint32_t n, bool sized, zhs_error *err)
{
    const zhs_manifest_segment *ms = &w->old.seg[i];
    seg_update *u = &w->su[i];
    char path[ZHS_PATH_MAX];
    if (w->eng->remove) {
        uint64_t removed = 0;
        if (w->eng->remove(w->state, ms->base + first, n, &removed, &w->del_tokens, err)) return err->code;
        w->counts.passages_deleted += removed;
        return ZHS_OK;
    }
    if ((uint64_t)first + n > ms->count)
        return zhs_fail(err, ZHS_ECORRUPT, "%s: the file table names passages %u to %u of segment %s, which has %llu: "
                        "rebuild the index", w->dir, first, first + n, ms->name, (unsigned long long)ms->count);
    if (!u->bits) {
        u->bits = calloc((size_t)(ms->count + 7) / 8 + 1, 1);
        if (!u->bits) return zhs_fail(err, ZHS_ENOMEM, "out of memory updating %s", w->dir);
        if (ms->deletions[0]) {
            zhs_mapped del;
            snprintf(path, sizeof path, "%s/%s", w->dir, ms->deletions);
            if (zhs_map_file(&del, path, ZHS_MAGIC_DEL, true, err)) return err->code;
            if (del.body_len != (size_t)(ms->count + 7) / 8) {
                zhs_unmap_file(&del);
                return zhs_fail(err, ZHS_ECORRUPT, "%s: deletion bitmap does not cover its segment: rebuild the index", path);
            }
            memcpy(u->bits, del.body, del.body_len);
            zhs_unmap_file(&del);
        }
        u->deleted = ms->deleted;
    }
    if (!u->len_mapped) {
        snprintf(path, sizeof path, "%s/%s.len", w->dir, ms->name);
        if (zhs_lens_open(&u->len, path, (uint32_t)ms->count, false, err)) return err->code;
        u->len_mapped = true;
        if (u->len.body_len != (size_t)ms->count * 4)
            return zhs_fail(err, ZHS_ECORRUPT, "%s: lengths do not cover the segment: rebuild the index", path);
    }
    for (uint32_t d = first; d < first + n; d++) {
        if (u->bits[d >> 3] >> (d & 7) & 1) continue;
        if (!sized && count_deleted_text(w, i, d, err)) return err->code;
        u->bits[d >> 3] |= (uint8_t)(1u << (d & 7));
        u->deleted++;
        u->dirty = true;
        w->del_tokens += zhs_get_u32(u->len.body + (size_t)d * 4);
        w->counts.passages_deleted++;
    }
    return ZHS_OK;
}

static int delete_source(zhs_writer *w, const zhs_src *e, zhs_error *err)
{
    if (!e->count) return ZHS_OK;
    int i = seg_index(w, e->seg);
    if (i < 0)
        return zhs_fail(err, ZHS_ECORRUPT, "%s: the file table names segment %s, which the manifest does not: "
                        "rebuild the index", w->dir, e->seg);
    return delete_range(w, (unsigned)i, e->first, e->count, false, err);
}

static int forget_source(zhs_writer *w, size_t oi, zhs_error *err)
{
    if (w->seen[oi]) return ZHS_OK;
    w->seen[oi] = 1;            /* named, and not kept: gone from the file table */
    w->counts.deleted++;
    return delete_source(w, &w->old_src.e[oi], err);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static size_t trimmed(const char *p)
{
    size_t l = strlen(p);
    while (l > 1 && p[l - 1] == '/') l--;
    return l;
}

/* Whether recorded root r is the corpus argument g (trailing '/' aside). */
static bool same_root(const char *r, const char *g)
{
    size_t l = trimmed(g);
    return strlen(r) == l && !strncmp(r, g, l);
}

/* The same, or through realpath for a relative r (an index built before
** roots were recorded absolute; g is absolute). */
static bool root_is(const char *r, const char *g)
{
    if (same_root(r, g)) return true;
    if (r[0] == '/') return false;
    char *real = realpath(r, NULL);
    bool is = real && same_root(real, g);
    free(real);
    return is;
}

/* Whether two paths end with the same folder name. */
static bool same_base(const char *a, const char *b)
{
    size_t al = trimmed(a), bl = trimmed(b), as = al, bs = bl;
    while (as > 0 && a[as - 1] != '/') as--;
    while (bs > 0 && b[bs - 1] != '/') bs--;
    return al - as == bl - bs && !memcmp(a + as, b + bs, al - as);
}

/* The index of root among the recorded roots (trailing '/' ignored); -1. */
static long old_root(const zhs_writer *w, const char *root)
{
    for (size_t j = 0; j < w->old_src.nroots; j++)
        if (same_root(w->old_src.roots[j], root)) return (long)j;
    return -1;
}

int zhs_writer_delete_source(zhs_writer *w, const char *root, const char *rel, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (!w->update || w->committed)
        return zhs_fail(err, ZHS_EINVAL, "zhs_writer_delete_source outside an update or edit");
    size_t l = strlen(rel);
    bool folder = !l || rel[l - 1] == '/';
    zhs_src *old = w->have_old_src && !folder ? zhs_src_find(&w->old_src, root, rel) : NULL;
    if (old) return forget_source(w, (size_t)(old - w->old_src.e), err);
    if (!folder) return zhs_fail(err, ZHS_ENOTFOUND, "%s: no file %s/%s in the index", w->dir, root, rel);
    /* a folder: every recorded file below it ("" the whole root) */
    long r = w->have_old_src ? old_root(w, root) : -1;
    while (l && rel[l - 1] == '/') l--;
    size_t n = 0;
    for (size_t i = 0; r >= 0 && i < w->old_src.n; i++) {
        const zhs_src *e = &w->old_src.e[i];
        if (e->root != (uint32_t)r || (l && (strncmp(e->rel, rel, l) || e->rel[l] != '/'))) continue;
        if (forget_source(w, i, err)) return err->code;
        n++;
    }
    if (!n) return zhs_fail(err, ZHS_ENOTFOUND, "%s: no file %s/%s in the index", w->dir, root, rel);
    return ZHS_OK;
}

typedef struct id_walk {
    zhs_writer *w;
    unsigned seg;
    const zhs_segment *s;
    const char **ids;           /* sorted */
    size_t n;
    const char *const *given;
    unsigned char *found;
} id_walk;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int delete_if_named(void *ctx, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    id_walk *iw = ctx;
    const seg_update *u = &iw->w->su[iw->seg];
    if (zhs_segment_deleted(iw->s, doc) || (u->bits && (u->bits[doc >> 3] >> (doc & 7) & 1))) return ZHS_OK;
    const char *key = p->id;
    const char **hit = bsearch(&key, iw->ids, iw->n, sizeof *iw->ids, cmp_str);
    if (!hit) return ZHS_OK;
    if (iw->found)
        for (size_t i = 0; i < iw->n; i++)
            if (!strcmp(iw->given[i], p->id)) iw->found[i] = 1;
    iw->w->del_bytes += p->text_len;
    return delete_range(iw->w, iw->seg, doc, 1, true, err);
}

int zhs_writer_delete_ids(zhs_writer *w, const char *const *ids, size_t n, unsigned char *found,
                          zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (!w->update || w->committed)
        return zhs_fail(err, ZHS_EINVAL, "zhs_writer_delete_ids outside an update or edit");
    if (found) memset(found, 0, n * sizeof *found);
    if (!n) return ZHS_OK;
    if (w->eng->remove_id) {
        for (size_t i = 0; i < n; i++) {
            uint64_t removed = 0;
            if (w->eng->remove_id(w->state, ids[i], &removed, &w->del_tokens, err)) return err->code;
            w->counts.passages_deleted += removed;
            if (found && removed) found[i] = 1;
        }
        return ZHS_OK;
    }
    const char **sorted = malloc(n * sizeof *sorted);
    if (!sorted) return zhs_fail(err, ZHS_ENOMEM, "out of memory deleting passages from %s", w->dir);
    memcpy(sorted, ids, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    int rc = ZHS_OK;
    for (unsigned i = 0; i < w->old.nsegments && rc == ZHS_OK; i++) {
        const zhs_manifest_segment *ms = &w->old.seg[i];
        zhs_segment seg;
        memset(&seg, 0, sizeof seg);
        rc = zhs_segment_open(&seg, w->dir, ms->name, (uint32_t)ms->count, false, err);
        if (rc == ZHS_OK) seg.record_version = w->old.version;
        if (rc == ZHS_OK && ms->deletions[0]) rc = zhs_segment_open_deletions(&seg, w->dir, ms->deletions, false, err);
        id_walk iw = {w, i, &seg, sorted, n, ids, found};
        if (rc == ZHS_OK) rc = zhs_store_each(&seg, delete_if_named, &iw, err);
        zhs_segment_close(&seg);
    }
    free(sorted);
    return rc;
}

uint64_t zhs_source_hash(const void *data, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h ? h : 1;
}

int zhs_writer_source(zhs_writer *w, const zhs_source *s, int *state, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (w->committed || w->commit_begun) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_source after commit");
    w->cur = -1;
    zhs_src *old = w->have_old_src ? zhs_src_find(&w->old_src, s->root, s->rel) : NULL;
    long root = zhs_src_root(&w->src, s->root);
    if (root < 0) return zhs_fail(err, ZHS_ENOMEM, "out of memory recording %s", s->rel);
    zhs_src e = {(uint32_t)root, (char *)s->rel, s->size, s->mtime_ns, s->hash, "", 0, 0};
    if (w->update && old) {
        size_t oi = (size_t)(old - w->old_src.e);
        if (w->seen[oi]) {     /* named twice: its passages are in already */
            *state = ZHS_SOURCE_UNCHANGED;
            return ZHS_OK;
        }
        bool same_stat = old->size == s->size && old->mtime_ns == s->mtime_ns;
        if (!same_stat && s->hash == 0) {
            *state = ZHS_SOURCE_NEEDS_HASH;
            return ZHS_OK;
        }
        w->seen[oi] = 1;
        if (same_stat || s->hash == old->hash) {
            /* as indexed: keep its passages where they are */
            snprintf(e.seg, sizeof e.seg, "%s", old->seg);
            e.first = old->first;
            e.count = old->count;
            if (!e.hash) e.hash = old->hash;
            if (!zhs_src_add(&w->src, &e)) return zhs_fail(err, ZHS_ENOMEM, "out of memory recording %s", s->rel);
            w->restat |= !same_stat;
            w->counts.unchanged++;
            *state = ZHS_SOURCE_UNCHANGED;
            return ZHS_OK;
        }
        if (delete_source(w, old, err)) return err->code;
        w->counts.changed++;
        *state = ZHS_SOURCE_CHANGED;
    } else {
        w->counts.added++;
        *state = ZHS_SOURCE_ADDED;
    }
    snprintf(e.seg, sizeof e.seg, "%s", w->segname);
    e.first = w->first_base + w->nadded;
    if (!zhs_src_add(&w->src, &e)) return zhs_fail(err, ZHS_ENOMEM, "out of memory recording %s", s->rel);
    w->cur = (long)w->src.n - 1;
    return ZHS_OK;
}

int zhs_writer_check_roots(const zhs_writer *w, const char *const *roots, size_t n, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (!w->have_old || !w->old.files[0]) return ZHS_OK;
    zhs_src_table t;
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", w->dir, w->old.files);
    if (zhs_src_table_read(&t, path, err)) return err->code;
    bool same = t.nroots == n;
    for (size_t i = 0; i < n && same; i++) {
        bool found = false;
        for (size_t j = 0; j < t.nroots && !found; j++) found = same_root(t.roots[j], roots[i]);
        same = found;
    }
    int rc = ZHS_OK;
    if (!same) {
        zhs_buf b;
        zhs_buf_init(&b);
        for (size_t j = 0; j < t.nroots; j++) zhs_buf_printf(&b, "%s%s", j ? ", " : "", t.roots[j]);
        rc = zhs_fail(err, ZHS_EINVAL, "%s holds an index of %s, not of this corpus: update it with the same "
                      "corpus, or replace it with this one", w->dir, zhs_buf_cstr(&b));
        zhs_buf_free(&b);
    }
    zhs_src_table_free(&t);
    return rc;
}

int zhs_writer_check_update_roots(const zhs_writer *w, const char *const *roots, size_t n, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (!w->have_old_src) return ZHS_OK;
    size_t *files = calloc(w->old_src.nroots + 1, sizeof *files);
    if (!files) return zhs_fail(err, ZHS_ENOMEM, "out of memory checking the roots of %s", w->dir);
    for (size_t i = 0; i < w->old_src.n; i++) files[w->old_src.e[i].root]++;
    zhs_buf missing;
    zhs_buf_init(&missing);
    size_t nmissing = 0, nfiles = 0;
    for (size_t j = 0; j < w->old_src.nroots; j++) {
        if (!files[j]) continue;            /* a root left empty by 'zhs delete' */
        const char *rj = w->old_src.roots[j];
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) found = root_is(rj, roots[i]);
        if (found) continue;
        zhs_buf_printf(&missing, "%s%s", nmissing++ ? ", " : "", rj);
        nfiles += files[j];
    }
    int rc = ZHS_OK;
    if (nmissing)
        rc = zhs_fail(err, ZHS_EINVAL, "%s also holds %s, which this update does not name: the update would delete "
                      "%zu file%s of it; nothing was written (name every root of the index to update it, 'zhs delete "
                      "%s ROOT' to drop a root's files, or --replace to index only this corpus)", w->dir,
                      zhs_buf_cstr(&missing), nfiles, nfiles == 1 ? "" : "s", w->dir);
    /* A new folder must not change the ids of the files indexed: with one
    ** folder they have no folder name in front, with several they do
    ** (corpus/reader.c root_id_name), and a folder of a name already
    ** given makes both longer.  Files kept as they are would keep the old
    ** ids, files read again would get new ones. */
    size_t old_dirs = 0, ever_dirs = 0, given_dirs = 0;
    bool *dir_root = calloc(w->old_src.nroots + 1, sizeof *dir_root);
    if (!dir_root) {
        zhs_buf_free(&missing);
        free(files);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory checking the roots of %s", w->dir);
    }
    /* a folder root: one on disk, or one whose files had a path below it */
    for (size_t i = 0; i < w->old_src.n; i++) dir_root[w->old_src.e[i].root] |= w->old_src.e[i].rel[0] != 0;
    for (size_t j = 0; j < w->old_src.nroots; j++) {
        dir_root[j] |= is_dir(w->old_src.roots[j]);
        old_dirs += files[j] && dir_root[j];
        ever_dirs += dir_root[j];
    }
    free(dir_root);
    for (size_t i = 0; i < n; i++) given_dirs += is_dir(roots[i]);
    /* several folders down to one: the ids lose their folder's name */
    if (!rc && ever_dirs > 1 && given_dirs == 1)
        rc = zhs_fail(err, ZHS_EINVAL, "%s was built from several folders, this update names one: the ids of its "
                      "passages would lose their folder's name; nothing was written (build it anew with --replace)",
                      w->dir);
    for (size_t i = 0; i < n && !rc; i++) {
        bool known = false;
        for (size_t j = 0; j < w->old_src.nroots && !known; j++) known = root_is(w->old_src.roots[j], roots[i]);
        if (known || !is_dir(roots[i])) continue;
        const char *clash = NULL;
        for (size_t j = 0; j < w->old_src.nroots && !clash; j++)
            if (files[j] && is_dir(w->old_src.roots[j]) && same_base(w->old_src.roots[j], roots[i]))
                clash = w->old_src.roots[j];
        if (old_dirs == 1 || clash)
            rc = zhs_fail(err, ZHS_EINVAL, "adding the folder %s to %s would change the ids of the passages it holds "
                          "(%s): nothing was written (build it anew with --replace, naming every folder)", roots[i],
                          w->dir, clash ? "a folder of the same name is indexed: ids would name more of each path"
                                        : "with several folders ids start with the folder's name");
    }
    zhs_buf_free(&missing);
    free(files);
    return rc;
}

void zhs_writer_update_counts(const zhs_writer *w, zhs_update_counts *out)
{
    *out = w->counts;
    out->passages_added = w->ndocs;
}

/* ---------------------------------------------------------------- add */

/* A passage and its terms go to the engine and the metadata table: in
** zhs_writer_add, or later, in order, from the pipeline. */
static int writer_take(void *ctx, const zhs_passage *p, const zhs_passage_terms *pt, zhs_error *err)
{
    zhs_writer *w = ctx;
    if (w->eng->add(w->state, w->ndocs, p, pt, err) || zhs_meta_builder_add(w->meta, w->ndocs, p, err))
        return err->code;
    w->ndocs++;
    w->total_tokens += pt->length;
    w->bytes_in += p->text_len;
    if (w->opt.progress && (w->ndocs & 255) == 0) {
        if (w->sink_thread) {
            atomic_store_explicit(&w->seen_tokens, w->total_tokens, memory_order_relaxed);
            atomic_store_explicit(&w->seen_bytes, w->bytes_in, memory_order_relaxed);
            atomic_store_explicit(&w->seen_docs, w->ndocs, memory_order_relaxed);
        } else {
            report_indexing(w, w->ndocs, w->total_tokens, w->bytes_in);
        }
    }
    return ZHS_OK;
}

int zhs_writer_add(zhs_writer *w, const zhs_passage *p, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (w->committed || w->commit_begun) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_add after commit");
    if (w->nadded == UINT32_MAX - 1)
        return zhs_fail(err, ZHS_EINVAL, "an index holds at most %u passages: split the corpus", UINT32_MAX - 1);
    if (w->pl ? zhs_pipeline_add(w->pl, p, err)
              : zhs_passage_terms_run(&w->pt, w->an, p, err) || writer_take(w, p, &w->pt, err))
        return err->code;
    w->nadded++;
    if (w->opt.progress && w->sink_thread && (w->nadded & 255) == 0)
        report_indexing(w, atomic_load_explicit(&w->seen_docs, memory_order_relaxed),
                        atomic_load_explicit(&w->seen_tokens, memory_order_relaxed),
                        atomic_load_explicit(&w->seen_bytes, memory_order_relaxed));
    if (w->cur >= 0) w->src.e[w->cur].count++;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- commit */

/* After an update the metadata table must cover every passage the reader
** numbers (segments in MANIFEST order, deleted passages included), and the
** builder saw only this update's new passages: the table is made again
** from the stored records of every segment.  A deleted passage gets empty
** metadata, so that a removed version is no longer counted as one.  On
** the laws corpus this reads 24 MB of store, a fraction of a second. */
typedef struct meta_walk {
    zhs_meta_builder *b;
    const zhs_segment *seg;
    uint64_t base;
} meta_walk;

static int meta_add_record(void *ctx, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    meta_walk *mw = ctx;
    zhs_passage gone;
    if (zhs_segment_deleted(mw->seg, doc)) {
        memset(&gone, 0, sizeof gone);
        gone.id = gone.title = gone.heading = gone.label = gone.path = gone.text = "";
        p = &gone;
    }
    return zhs_meta_builder_add(mw->b, (uint32_t)(mw->base + doc), p, err);
}

static int meta_from_stores(zhs_writer *w, const zhs_manifest *m, zhs_error *err)
{
    zhs_meta_builder_close(w->meta);
    w->meta = NULL;
    if (zhs_meta_builder_open(&w->meta, err)) return err->code;
    int rc = ZHS_OK;
    for (unsigned i = 0; i < m->nsegments && rc == ZHS_OK; i++) {
        const zhs_manifest_segment *ms = &m->seg[i];
        zhs_segment seg;
        memset(&seg, 0, sizeof seg);
        rc = zhs_segment_open(&seg, w->dir, ms->name, (uint32_t)ms->count, false, err);
        if (rc == ZHS_OK) seg.record_version = m->version;
        if (rc == ZHS_OK && ms->deletions[0]) rc = zhs_segment_open_deletions(&seg, w->dir, ms->deletions, false, err);
        meta_walk mw = {w->meta, &seg, ms->base};
        if (rc == ZHS_OK) rc = zhs_store_each(&seg, meta_add_record, &mw, err);
        zhs_segment_close(&seg);
    }
    return rc;
}

/* The same from an engine that keeps its own records (Xapian): passage
** numbers are its docids, deleted ones included. */
static int meta_from_engine(zhs_writer *w, const zhs_manifest *m, zhs_error *err)
{
    zhs_meta_builder_close(w->meta);
    w->meta = NULL;
    if (zhs_meta_builder_open(&w->meta, err)) return err->code;
    zhs_buf buf;
    zhs_buf_init(&buf);
    int rc = ZHS_OK;
    (void)m;
    uint64_t n = (uint64_t)w->first_base + w->ndocs;   /* docids used, this update's included */
    for (uint64_t d = 0; d < n && rc == ZHS_OK; d++) {
        zhs_passage p;
        zhs_buf_reset(&buf);
        rc = w->eng->record(w->state, (uint32_t)d, &p, &buf, err);
        if (rc == ZHS_ENOTFOUND && !err->code) {
            memset(&p, 0, sizeof p);
            p.id = p.title = p.heading = p.label = p.path = p.text = "";
            rc = ZHS_OK;
        }
        if (rc == ZHS_OK) rc = zhs_meta_builder_add(w->meta, (uint32_t)d, &p, err);
    }
    zhs_buf_free(&buf);
    return rc;
}

/* An update's manifest before the engine adds its segment: the old
** segments with this update's deletion files, and the figures of their
** live passages. */
static int commit_update_start(zhs_writer *w, zhs_manifest *m, zhs_error *err)
{
    /* files of the index this update was not given are gone; in an edit
    ** they stay as they are */
    if (!w->merging)
        for (size_t i = 0; i < w->old_src.n; i++) {
            if (w->seen[i]) continue;
            if (w->edit) {
                zhs_src e = w->old_src.e[i];
                long root = zhs_src_root(&w->src, w->old_src.roots[e.root]);
                e.root = (uint32_t)root;
                if (root < 0 || !zhs_src_add(&w->src, &e))
                    return zhs_fail(err, ZHS_ENOMEM, "out of memory recording the files of %s", w->dir);
                continue;
            }
            if (delete_source(w, &w->old_src.e[i], err)) return err->code;
            w->counts.deleted++;
        }
    *m = w->old;
    m->terms = 0;
    m->files[0] = 0;
    if (w->eng->remove) return ZHS_OK;  /* the engine counts its passages itself */
    for (unsigned i = 0; i < m->nsegments; i++) {
        zhs_manifest_segment *ms = &m->seg[i];
        seg_update *u = &w->su[i];
        m->terms += ms->terms;
        if (!u->dirty) continue;
        if (u->deleted == ms->count) {
            ms->deleted = u->deleted;   /* dropped below: no file */
            continue;
        }
        char del[96];
        int dl = snprintf(del, sizeof del, "%s-%llu.del", ms->name, (unsigned long long)w->gen);
        if (dl < 0 || (size_t)dl >= sizeof ms->deletions)
            return zhs_fail(err, ZHS_EINVAL, "%s: the name of segment %s is too long for its deletion file: "
                            "merge the index", w->dir, ms->name);
        memcpy(ms->deletions, del, (size_t)dl + 1);
        ms->deleted = u->deleted;
        zhs_buf b;
        zhs_buf_init(&b);
        zhs_buf_append(&b, ZHS_MAGIC_DEL, ZHS_MAGIC_LEN);
        zhs_buf_append(&b, u->bits, (size_t)(ms->count + 7) / 8);
        zhs_footer_append(&b);
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", w->dir, ms->deletions);
        int rc = b.oom ? zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path)
                       : zhs_file_write(path, b.data, b.len, err);
        zhs_buf_free(&b);
        if (rc) return rc;
    }
    m->passages = w->old.passages - w->counts.passages_deleted;
    m->tokens = w->old.tokens - w->del_tokens;
    /* an index written before deletions were sized may count less */
    m->source_bytes = w->old.source_bytes > w->del_bytes ? w->old.source_bytes - w->del_bytes : 0;
    return ZHS_OK;
}

/* Drops the segments whose passages are all deleted and numbers the rest
** from 0 again. */
static int commit_update_finish(zhs_writer *w, zhs_manifest *m, zhs_error *err)
{
    unsigned k = 0;
    uint64_t base = 0;
    m->terms = 0;
    for (unsigned i = 0; i < m->nsegments; i++) {
        if (m->seg[i].deleted == m->seg[i].count) continue;
        m->seg[k] = m->seg[i];
        m->seg[k].base = base;
        base += m->seg[k].count;
        m->terms += m->seg[k].terms;
        k++;
    }
    m->nsegments = k;
    if (base > UINT32_MAX - 1)
        return zhs_fail(err, ZHS_EINVAL, "%s would hold more than %u passages with its deleted ones: merge it "
                        "first (zhs_index_merge)", w->dir, UINT32_MAX - 1);
    return ZHS_OK;
}

/* The generation's tables beside the engine's files: the file table
** (m_files: its name, "" for none), the metadata and the citation table
** (whose title keys take the caller's analyzer).  Their fsyncs go to the
** writer's set. */
static int write_tables(zhs_writer *w, const char *m_files, bool meta_too, zhs_error *err)
{
    char path[ZHS_PATH_MAX];
    if (m_files[0]) {
        snprintf(path, sizeof path, "%s/%s", w->dir, m_files);
        if (zhs_src_table_write(&w->src, path, w->syncs, err)) return err->code;
    }
    if (!meta_too) return ZHS_OK;
    snprintf(path, sizeof path, ZHS_META_FILE, w->dir, (unsigned long long)w->gen);
    if (zhs_meta_builder_write(w->meta, path, zhs_name_key_fn, w->an, w->syncs, err)) return err->code;
    snprintf(path, sizeof path, ZHS_CITE_FILE, w->dir, (unsigned long long)w->gen);
    return zhs_meta_builder_write_cite(w->meta, path, zhs_name_key_fn, w->an, w->syncs, err);
}

/* A new build's tables are final once its passages are in: they are
** written on a thread of their own while the engine commits (a laws build:
** ~30 ms of CPU, the citation keys' analysis most, no longer alone on the
** caller's thread after the shards are done).  Until joined, that thread
** alone uses the writer's analyzer, file table and metadata. */
typedef struct tables_job {
    zhs_writer *w;
    char files[sizeof ((zhs_manifest *)0)->files];
    zhs_error err;
} tables_job;

static void *tables_main(void *arg)
{
    tables_job *j = arg;
    write_tables(j->w, j->files, true, &j->err);
    return NULL;
}

/* Whether an update changes nothing: no passage added or deleted, no
** file added, changed or gone, no file's record to refresh (a new mtime
** of the same bytes).  Its commit then publishes nothing: a new
** generation of the same index would only make every reader reopen it. */
static bool update_is_noop(const zhs_writer *w)
{
    if (!w->update || w->merging || w->restat || w->nadded || w->ndocs || w->counts.added || w->counts.changed ||
        w->counts.deleted || w->counts.passages_deleted)
        return false;
    if (!w->edit)
        for (size_t i = 0; i < w->old_src.n; i++)
            if (!w->seen[i]) return false;
    for (unsigned i = 0; w->su && i < w->old.nsegments; i++)
        if (w->su[i].dirty) return false;
    return w->have_old_src;
}

int zhs_writer_commit(zhs_writer *w, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (w->committed || w->noop) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_commit called twice");
    if (w->commit_begun)
        return zhs_fail(err, ZHS_EINVAL, "zhs_writer_commit after a failed commit: close the writer (the old "
                        "index stays) and build again");
    if (w->pl && zhs_pipeline_drain(w->pl, err)) return err->code;
    if (update_is_noop(w)) {
        /* left as it is: the writer's close drops this generation's
        ** scratch, as for a build given up */
        w->noop = true;
        w->counts.segments = w->old.nsegments;
        report(w, "done");
        return ZHS_OK;
    }
    w->commit_begun = true;
    report(w, "writing");
    zhs_manifest m;
    memset(&m, 0, sizeof m);
    if (w->update && commit_update_start(w, &m, err)) return err->code;
    m.version = ZHS_FORMAT_VERSION;
    m.engine = w->opt.engine;
    m.generation = w->gen;
    snprintf(m.analyzer, sizeof m.analyzer, "%s", zhs_analyzer_fingerprint(w->an));
    /* The collection's figures are those of its live passages, computed
    ** as a fresh build of them would (so that scores are the same). */
    m.passages += w->ndocs;
    m.tokens += w->total_tokens;
    m.source_bytes += w->bytes_in;
    m.avglen = m.passages ? (double)m.tokens / (double)m.passages : 0;
    m.k1 = w->opt.k1;
    m.b = w->opt.b;
    m.title_weight = w->opt.title_weight;
    /* An engine that updates in place (Xapian) commits last, right before
    ** the MANIFEST: everything else of the generation is written by then,
    ** so that a crash between the two commits is as short as can be. */
    bool in_place = w->update && w->eng->remove;
    if (w->src.n || w->have_old_src) snprintf(m.files, sizeof m.files, "g%llu.files", (unsigned long long)w->gen);
    /* an update's metadata comes from every segment, after the commit */
    tables_job tj = {w, "", {0}};
    memcpy(tj.files, m.files, sizeof tj.files);
    pthread_t tables_thread;
    bool tables_early = !w->update && pthread_create(&tables_thread, NULL, tables_main, &tj) == 0;
    int rc = in_place ? ZHS_OK : w->eng->commit(w->state, &m, err);
    if (tables_early) pthread_join(tables_thread, NULL);
    if (rc) return rc;
    if (tables_early && tj.err.code) {
        *err = tj.err;
        return err->code;
    }
    if (w->update && !in_place && commit_update_finish(w, &m, err)) return err->code;
    if (!tables_early && write_tables(w, m.files, !w->update, err)) return err->code;
    w->counts.segments = m.nsegments;
    /* The user dictionary goes with the generation (g<N>.userdict, removed
    ** with its other files), synced before the MANIFEST names it. */
    size_t ulen;
    const char *uw = zhs_analyzer_user_words(w->an, &ulen);
    /* The metadata table is the engines' common part: versions and
    ** filters read it whatever the engine (docs/FORMAT.md). */
    if (w->update && ((w->eng->record ? meta_from_engine(w, &m, err) : meta_from_stores(w, &m, err)) ||
                      write_tables(w, "", true, err)))
        return err->code;
    if (uw) {
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, ZHS_USERDICT_FILE, w->dir, (unsigned long long)w->gen);
        if (zhs_file_write_to(w->syncs, path, uw, ulen, err)) return err->code;
    }
    /* An in-place engine's commit makes the generation its own: every
    ** other file of it must be durable first, or a failed sync would leave
    ** the engine a generation ahead of the MANIFEST (an index that no
    ** longer opens) where it must leave the old index. */
    if (in_place && (zhs_syncs_wait(w->syncs, err) || w->eng->commit(w->state, &m, err))) return err->code;
    /* The analysis threads are done: their analyzers and rings go back
    ** while the disk still writes, rather than after the MANIFEST. */
    zhs_pipeline_close(w->pl);
    w->pl = NULL;
    /* every file the MANIFEST names is durable before it is renamed in */
    if (zhs_syncs_wait(w->syncs, err) || zhs_dir_sync(w->dir, err) || zhs_manifest_write(&m, w->dir, err))
        return err->code;
    w->committed = true;
    /* The new version is live: the old one's files can go (readers that
    ** still map them keep their pages until they close). */
    remove_stale(w->dir, &m);
    report(w, "done");
    return ZHS_OK;
}

void zhs_writer_close(zhs_writer *w)
{
    if (!w) return;
    zhs_pipeline_close(w->pl);
    if (w->eng && w->state) w->eng->close(w->state);
    zhs_syncs_close(w->syncs);  /* no fsync left running on a file removed below */
    if (!w->committed && w->lock_fd >= 0 && w->gen) {
        /* Abandoned build: drop everything of this generation. */
        remove_stale(w->dir, w->have_old ? &w->old : NULL);
        if (!w->have_old) {
            char lock[ZHS_PATH_MAX];
            if (zhs_path_join(lock, sizeof lock, w->dir, "LOCK")) unlink(lock);
            rmdir(w->dir);      /* only succeeds when we created it empty */
        }
    }
    if (w->tmpdir[0]) zhs_path_remove(w->tmpdir);
    if (w->su)
        for (unsigned i = 0; i < w->old.nsegments; i++) {
            free(w->su[i].bits);
            if (w->su[i].len_mapped) zhs_unmap_file(&w->su[i].len);
            if (w->su[i].seg_open) {
                zhs_store_reader_free(&w->su[i].rd);
                zhs_segment_close(&w->su[i].seg);
            }
        }
    free(w->su);
    free(w->seen);
    zhs_src_table_free(&w->old_src);
    zhs_src_table_free(&w->src);
    zhs_passage_terms_free(&w->pt);
    zhs_buf_free(&w->rec);
    zhs_meta_builder_close(w->meta);
    if (w->lock_fd >= 0) close(w->lock_fd);
    free(w);
}

/* ---------------------------------------------------------------- merge */

typedef struct seg_size {
    unsigned i;
    uint64_t live;
} seg_size;

static int cmp_seg_size(const void *a, const void *b)
{
    const seg_size *x = a, *y = b;
    if (x->live != y->live) return x->live < y->live ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Which segments to merge (chosen[i] set): the smallest, until at most
** max remain; with max 0 the tiered policy: nothing while there are at
** most ZHS_MERGE_POLICY_SEGMENTS, then the smallest half of them at once,
** so that a segment is rewritten a logarithmic number of times.  Returns
** how many were chosen (0 or at least 2, or 1 when max is 1 and the one
** segment has deleted passages to drop). */
static unsigned choose_merge(const zhs_manifest *m, unsigned max, bool *chosen)
{
    unsigned n = m->nsegments, take = 0;
    seg_size sz[ZHS_MAX_SEGMENTS];
    for (unsigned i = 0; i < n; i++) {
        sz[i].i = i;
        sz[i].live = zhs_manifest_live(&m->seg[i]);
        chosen[i] = false;
    }
    qsort(sz, n, sizeof sz[0], cmp_seg_size);
    if (max == 0) {
        if (n <= ZHS_MERGE_POLICY_SEGMENTS) return 0;
        take = n / 2 + 1;
    } else if (n > max) {
        take = n - max + 1;
    } else if (max == 1 && n == 1 && m->seg[0].deleted) {
        take = 1;
    }
    for (unsigned k = 0; k < take; k++) chosen[sz[k].i] = true;
    return take;
}

/* Copies the live passages of old segment i into the writer's new segment
** (analysed again from their stored text: the analyzer is the index's, so
** the terms are the same) and deletes them all from segment i.  map[d]:
** the new number of passage d. */
static int merge_segment(zhs_writer *w, unsigned i, uint32_t *map, zhs_error *err)
{
    const zhs_manifest_segment *ms = &w->old.seg[i];
    zhs_segment seg;
    memset(&seg, 0, sizeof seg);
    int rc = zhs_segment_open(&seg, w->dir, ms->name, (uint32_t)ms->count, true, err);
    if (!rc && ms->deletions[0]) rc = zhs_segment_open_deletions(&seg, w->dir, ms->deletions, true, err);
    zhs_store_reader rd;
    zhs_store_reader_init(&rd);
    zhs_buf buf;
    zhs_buf_init(&buf);
    for (uint32_t d = 0; !rc && d < ms->count; d++) {
        map[d] = UINT32_MAX;
        if (zhs_segment_deleted(&seg, d)) continue;
        zhs_passage p;
        zhs_buf_reset(&buf);
        map[d] = w->nadded;
        rc = zhs_store_get(&seg, d, &rd, &buf, &p, err);
        if (!rc) w->del_bytes += p.text_len;   /* deleted below, added again */
        if (!rc) rc = zhs_writer_add(w, &p, err);
    }
    zhs_buf_free(&buf);
    zhs_store_reader_free(&rd);
    zhs_segment_close(&seg);
    if (!rc) rc = delete_range(w, i, 0, (uint32_t)ms->count, true, err);
    return rc;
}

int zhs_index_merge(const char *dir, zhs_analyzer *an, const zhs_merge_options *opts, unsigned *merged,
                    zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (merged) *merged = 0;
    if (err->code) return err->code;
    zhs_merge_options o = ZHS_MERGE_OPTIONS_INIT;
    if (opts) {
        if (opts->version > ZHS_MERGE_OPTIONS_VERSION)
            return zhs_fail(err, ZHS_EINVAL, "merge options of version %u are newer than this library (%u): "
                            "build the program against this version of zhs.h", opts->version,
                            ZHS_MERGE_OPTIONS_VERSION);
        o = *opts;
    }
    zhs_manifest cur;
    if (zhs_manifest_read(&cur, dir, err)) return err->code;
    if (cur.engine != ZHS_ENGINE_NATIVE) {
        /* Xapian deletes in place and appends to its one database: there
        ** is nothing for the policy to merge */
        if (o.max_segments == 0) return ZHS_OK;
        return zhs_fail(err, ZHS_EINVAL, "%s is a %s index: it deletes passages in place and keeps no segments of "
                        "its own to merge", dir, zhs_engine_name(cur.engine));
    }
    zhs_writer_options wo = ZHS_WRITER_OPTIONS_INIT;
    wo.progress = o.progress;
    wo.progress_ctx = o.progress_ctx;
    zhs_writer *w;
    if (writer_open(&w, dir, an, &wo, true, err)) return err->code;
    w->merging = true;
    bool chosen[ZHS_MAX_SEGMENTS];
    unsigned n = choose_merge(&w->old, o.max_segments, chosen);
    int rc = ZHS_OK;
    uint32_t **maps = calloc(w->old.nsegments + 1, sizeof *maps);
    if (!maps) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory merging %s", dir);
    for (unsigned i = 0; !rc && n && i < w->old.nsegments; i++) {
        if (!chosen[i]) continue;
        maps[i] = malloc(((size_t)w->old.seg[i].count + 1) * sizeof *maps[i]);
        if (!maps[i]) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory merging %s", dir);
        else rc = merge_segment(w, i, maps[i], err);
    }
    /* the file table follows its passages to the new segment */
    for (size_t k = 0; !rc && n && k < w->old_src.n; k++) {
        zhs_src e = w->old_src.e[k];
        int i = seg_index(w, e.seg);
        if (i >= 0 && chosen[i] && e.count) {
            if ((uint64_t)e.first + e.count > w->old.seg[i].count) {
                rc = zhs_fail(err, ZHS_ECORRUPT, "%s: the file table names passages past the end of %s: rebuild "
                              "the index", dir, e.seg);
                break;
            }
            /* 'zhs delete ID' takes single passages out of a file's range:
            ** the survivors keep their order, so they are a range of the
            ** new segment, shorter by the passages deleted */
            uint32_t first = 0, kept = 0;
            for (uint32_t p = e.first; p < e.first + e.count; p++) {
                if (maps[i][p] == UINT32_MAX) continue;
                if (kept++ == 0) first = maps[i][p];
            }
            snprintf(e.seg, sizeof e.seg, "%s", w->segname);
            e.first = first;
            e.count = kept;
        }
        long root = zhs_src_root(&w->src, w->old_src.roots[e.root]);
        e.root = (uint32_t)root;
        if (root < 0 || !zhs_src_add(&w->src, &e)) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory merging %s", dir);
    }
    if (maps)
        for (unsigned i = 0; i < w->old.nsegments; i++) free(maps[i]);
    free(maps);
    if (!rc && n) rc = zhs_writer_commit(w, err);
    zhs_writer_close(w);
    if (!rc && merged) *merged = n;
    return rc;
}
