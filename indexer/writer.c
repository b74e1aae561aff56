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
#include "manifest.h"
#include "meta.h"
#include "terms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    zhs_meta_builder *meta;     /* versions and metadata, for every engine (meta.h) */

    uint32_t ndocs;
    uint64_t total_tokens, bytes_in;
    double t0, last_progress;
    bool committed;
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
    return (n[0] == 'g' || n[0] == 'x') && n[1] >= '0' && n[1] <= '9';
}

/* Removes files of generations other than keep (and tmp directories): the
** leftovers of a crashed or aborted build, or of a replaced version. */
static void remove_stale(const char *dir, uint64_t keep)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char keep_g[40], keep_x[40];
    snprintf(keep_g, sizeof keep_g, "g%llu.", (unsigned long long)keep);
    snprintf(keep_x, sizeof keep_x, "x%llu-", (unsigned long long)keep);
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        bool ours = is_generation_file(n);
        bool tmp = strncmp(n, "tmp-", 4) == 0;
        if (!ours && !tmp) continue;
        if (ours && (strncmp(n, keep_g, strlen(keep_g)) == 0 || strncmp(n, keep_x, strlen(keep_x)) == 0)) continue;
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
        remove_stale(w->dir, w->old.generation);
    } else if (rc == ZHS_ENOTFOUND) {
        w->gen = 1;
        remove_stale(w->dir, 0);    /* leftovers of a first build that crashed */
    } else {
        /* A damaged manifest: the old version is already lost, so build a
        ** fresh one rather than refuse; keep the generation unique. */
        w->gen = (uint64_t)time(NULL);
        remove_stale(w->dir, 0);
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

static void report_phase(void *ctx, const char *phase)
{
    report(ctx, phase);
}

int zhs_writer_open(zhs_writer **out, const char *dir, zhs_analyzer *an,
                    const zhs_writer_options *opts, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (err->code) return err->code;
    zhs_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    w->lock_fd = -1;
    w->an = an;
    w->t0 = zhs_now();
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
    zhs_analyzer_config ac;
    zhs_analyzer_config_get(an, &ac);
    zhs_engine_build b = {w->dir, w->tmpdir, w->gen, &w->opt, zhs_analyzer_fingerprint(an), ac.bigrams != 0,
                          report_phase, w};
    if (w->eng->open(&w->state, &b, err)) goto fail;
    if (zhs_meta_builder_open(&w->meta, err)) goto fail;
    *out = w;
    return ZHS_OK;
fail:
    zhs_writer_close(w);
    return err->code;
}

/* ---------------------------------------------------------------- add */

int zhs_writer_add(zhs_writer *w, const zhs_passage *p, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (w->committed) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_add after commit");
    if (w->ndocs == UINT32_MAX - 1)
        return zhs_fail(err, ZHS_EINVAL, "an index holds at most %u passages: split the corpus", UINT32_MAX - 1);
    if (zhs_passage_terms_run(&w->pt, w->an, p, err) ||
        w->eng->add(w->state, w->ndocs, p, &w->pt, err) ||
        zhs_meta_builder_add(w->meta, w->ndocs, p, err))
        return err->code;
    w->ndocs++;
    w->total_tokens += w->pt.length;
    w->bytes_in += p->text_len;
    if (w->opt.progress && (w->ndocs & 255) == 0) {
        double now = zhs_now();
        if (now - w->last_progress >= 0.25) {
            w->last_progress = now;
            report(w, "indexing");
        }
    }
    return ZHS_OK;
}

/* ---------------------------------------------------------------- commit */

int zhs_writer_commit(zhs_writer *w, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (err->code) return err->code;
    if (w->committed) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_commit called twice");
    report(w, "writing");
    zhs_manifest m;
    memset(&m, 0, sizeof m);
    m.version = ZHS_FORMAT_VERSION;
    m.engine = w->opt.engine;
    m.generation = w->gen;
    snprintf(m.analyzer, sizeof m.analyzer, "%s", zhs_analyzer_fingerprint(w->an));
    m.passages = w->ndocs;
    m.tokens = w->total_tokens;
    m.source_bytes = w->bytes_in;
    m.avglen = w->ndocs ? (double)w->total_tokens / w->ndocs : 0;
    m.k1 = w->opt.k1;
    m.b = w->opt.b;
    m.title_weight = w->opt.title_weight;
    if (w->eng->commit(w->state, &m, err)) return err->code;
    /* The user dictionary goes with the generation (g<N>.userdict, removed
    ** with its other files), synced before the MANIFEST names it. */
    size_t ulen;
    const char *uw = zhs_analyzer_user_words(w->an, &ulen);
    /* The metadata table is the engines' common part: versions and
    ** filters read it whatever the engine (docs/FORMAT.md). */
    char mpath[ZHS_PATH_MAX];
    snprintf(mpath, sizeof mpath, ZHS_META_FILE, w->dir, (unsigned long long)w->gen);
    if (zhs_meta_builder_write(w->meta, mpath, err)) return err->code;
    if (uw) {
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, ZHS_USERDICT_FILE, w->dir, (unsigned long long)w->gen);
        if (zhs_file_write(path, uw, ulen, err)) return err->code;
    }
    if (zhs_dir_sync(w->dir, err) || zhs_manifest_write(&m, w->dir, err)) return err->code;
    w->committed = true;
    /* The new version is live: the old one's files can go (readers that
    ** still map them keep their pages until they close). */
    remove_stale(w->dir, w->gen);
    report(w, "done");
    return ZHS_OK;
}

void zhs_writer_close(zhs_writer *w)
{
    if (!w) return;
    if (w->eng && w->state) w->eng->close(w->state);
    if (!w->committed && w->lock_fd >= 0 && w->gen) {
        /* Abandoned build: drop everything of this generation. */
        remove_stale(w->dir, w->have_old ? w->old.generation : 0);
        if (!w->have_old) {
            char lock[ZHS_PATH_MAX];
            if (zhs_path_join(lock, sizeof lock, w->dir, "LOCK")) unlink(lock);
            rmdir(w->dir);      /* only succeeds when we created it empty */
        }
    }
    if (w->tmpdir[0]) zhs_path_remove(w->tmpdir);
    zhs_passage_terms_free(&w->pt);
    zhs_meta_builder_close(w->meta);
    if (w->lock_fd >= 0) close(w->lock_fd);
    free(w);
}
