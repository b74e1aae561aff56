/*
** writer.c — builds a new version of an index from passages.
**
** Passages are analyzed and their postings appended to one growable
** posting stream per term (format in indexer_int.h).  When the streams
** outgrow the RAM budget they are flushed as a sorted run into the index's
** tmp directory; at commit the runs (or, for a corpus that fits, the
** streams themselves) are written as one segment.  The passage store is
** streamed to its final file as passages arrive.
**
** Files of the new version carry a new generation number and are only
** published by the atomic MANIFEST rename in commit; until then readers see
** the previous version, and a crash leaves at worst some unreferenced
** files, which the next writer removes.
*/
#include "analyzer_int.h"
#include "indexer_int.h"
#include "manifest.h"
#include "terms.h"
#include "xapian_engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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

struct zhs_writer {
    char dir[4096];
    char tmpdir[4200];
    int lock_fd;
    zhs_analyzer *an;
    zhs_writer_options opt;
    zhs_manifest old;
    bool have_old;
    uint64_t gen;

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

    /* the current passage's terms (analysis/terms.h) */
    zhs_passage_terms pt;
    uint32_t *title_ids;        /* term id of each of pt's title terms */
    size_t title_ids_cap;
    bool title_ids_valid;

    struct zhs_xwriter *xw;     /* Xapian engine, else NULL */

    uint32_t *lens;
    uint32_t ndocs, lens_cap;
    uint64_t total_tokens, bytes_in;

    char **runs;
    size_t nruns;
    double t0, last_progress;
    bool committed;
};

void zhs_writer_options_default(zhs_writer_options *o)
{
    memset(o, 0, sizeof *o);
    o->engine = ZHS_ENGINE_NATIVE;
    o->ram_budget = 256u << 20;
    /* Chosen on ../shared/eval (docs/RANKING.md): MRR@10 0.988 / 0.968. */
    o->k1 = 1.2;
    o->b = 0.5;
    o->title_weight = 2;
}

/* ---------------------------------------------------------------- files */

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
        bool ours = (n[0] == 'g' || n[0] == 'x') && n[1] >= '0' && n[1] <= '9';
        bool tmp = strncmp(n, "tmp-", 4) == 0;
        if (!ours && !tmp) continue;
        if (ours && (strncmp(n, keep_g, strlen(keep_g)) == 0 || strncmp(n, keep_x, strlen(keep_x)) == 0)) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            /* tmp dirs and Xapian databases: one level of plain files */
            DIR *sd = opendir(path);
            if (sd) {
                struct dirent *se;
                while ((se = readdir(sd)) != NULL) {
                    if (se->d_name[0] == '.') continue;
                    char sp[4700];
                    snprintf(sp, sizeof sp, "%s/%s", path, se->d_name);
                    unlink(sp);
                }
                closedir(sd);
            }
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
}

/* Files a build of ours may leave behind: the lock, a generation's files,
** Xapian shard directories, run directories. */
static bool is_our_leftover(const char *n)
{
    if (!strcmp(n, "LOCK") || !strcmp(n, "MANIFEST.tmp") || !strncmp(n, "tmp-", 4)) return true;
    return (n[0] == 'g' || n[0] == 'x') && n[1] >= '0' && n[1] <= '9';
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
    char path[4200];
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
    char lock[4200];
    snprintf(lock, sizeof lock, "%s/LOCK", w->dir);
    w->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lock_fd < 0)
        return zhs_fail(err, ZHS_EIO, "cannot create %s: %s", lock, strerror(errno));
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return zhs_fail(err, ZHS_EIO, "%s is being written by another 'zhs index': wait for it to finish", w->dir);

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

/* ---------------------------------------------------------------- terms */

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static bool grow_slots(zhs_writer *w)
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

/* Returns the term id of key, adding it if new; UINT32_MAX on OOM. */
static uint32_t term_id(zhs_writer *w, const char *key, size_t n)
{
    if ((uint64_t)(w->nterms + 1) * 2 > w->nslots && !grow_slots(w)) return UINT32_MAX;
    uint64_t h = hash_key(key, n);
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

static bool acc_put(zhs_writer *w, term_acc *t, uint64_t v)
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

static void free_terms(zhs_writer *w)
{
    w->title_ids_valid = false;
    for (uint32_t i = 0; i < w->nterms; i++) free(w->terms[i].buf);
    w->nterms = 0;
    if (w->slots) memset(w->slots, 0, (size_t)w->nslots * sizeof *w->slots);
    zhs_buf_reset(&w->keys);
    w->mem = (size_t)w->nslots * sizeof *w->slots + (size_t)w->terms_cap * sizeof *w->terms + w->keys.cap;
    w->live = 0;
    /* Tables that outgrew the budget go back, to grow again as needed. */
    if (w->mem > w->opt.ram_budget) {
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

int zhs_writer_open(zhs_writer **out, const char *dir, zhs_analyzer *an,
                    const zhs_writer_options *opts, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    w->lock_fd = -1;
    w->an = an;
    if (opts) w->opt = *opts;
    else zhs_writer_options_default(&w->opt);
    if (!w->opt.ram_budget) w->opt.ram_budget = 256u << 20;
    if (!w->opt.title_weight) w->opt.title_weight = 1;
    zhs_passage_terms_init(&w->pt, w->opt.title_weight);
    if (!(w->opt.k1 > 0)) w->opt.k1 = 1.2;
    if (!(w->opt.b >= 0 && w->opt.b <= 1)) w->opt.b = 0.5;
    if (strlen(dir) >= sizeof w->dir - 64) {
        free(w);
        return zhs_fail(err, ZHS_EINVAL, "index path is too long: %s", dir);
    }
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    w->t0 = zhs_now();
    if (w->opt.engine != ZHS_ENGINE_NATIVE && w->opt.engine != ZHS_ENGINE_XAPIAN) {
        zhs_writer_close(w);
        return zhs_fail(err, ZHS_EINVAL, "unknown engine %d: use native or xapian", w->opt.engine);
    }
    if (prepare_dir(w, err) == ZHS_OK) {
        if (w->opt.engine == ZHS_ENGINE_XAPIAN) {
            zhs_analyzer_config ac;
            zhs_analyzer_config_get(w->an, &ac);
            zhs_xengine_writer_open(&w->xw, w->dir, w->gen, w->opt.shards ? w->opt.shards : 1, ac.bigrams, err);
        } else {
            char path[4400];
            snprintf(path, sizeof path, "%s/g%llu.store", w->dir, (unsigned long long)w->gen);
            zhs_store_writer_open(&w->store, path, err);
        }
    }
    if (zhs_err_code(err)) {
        int rc = err->code;
        zhs_writer_close(w);
        return rc;
    }
    *out = w;
    return ZHS_OK;
}

/* ---------------------------------------------------------------- add */

static bool push_tid(zhs_writer *w, uint32_t id, uint32_t pos)
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

static int flush_run(zhs_writer *w, zhs_error *err);

/* Appends this passage's postings: one header (doc gap, tf) per term, then
** the term's positions, in token order. */
static int emit_postings(zhs_writer *w, uint32_t doc, zhs_error *err)
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
        if (!ok) return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings (lower --ram)");
    }
    for (size_t i = 0; i < w->ntouched; i++) w->terms[w->touched[i]].doc_tf = 0;
    return ZHS_OK;
}

/* Term ids of the passage's title terms, looked up once per title and
** again after a flush renumbers the terms. */
static int title_ids(zhs_writer *w, zhs_error *err)
{
    if (w->title_ids_valid && !w->pt.title_changed) return ZHS_OK;
    if (w->pt.ntitle > w->title_ids_cap) {
        uint32_t *a = realloc(w->title_ids, w->pt.ntitle * sizeof *a);
        if (!a) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->title_ids = a;
        w->title_ids_cap = w->pt.ntitle;
    }
    for (size_t i = 0; i < w->pt.ntitle; i++) {
        const zhs_pterm *t = &w->pt.t[i];
        w->title_ids[i] = term_id(w, w->pt.keys.data + t->off, t->len);
        if (w->title_ids[i] == UINT32_MAX)
            return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings (lower --ram)");
    }
    w->title_ids_valid = true;
    return ZHS_OK;
}

static int add_native(zhs_writer *w, uint32_t doc, zhs_error *err)
{
    w->ntids = 0;
    if (title_ids(w, err)) return err->code;
    for (size_t i = 0; i < w->pt.ntitle; i++)
        if (!push_tid(w, w->title_ids[i], w->pt.t[i].pos)) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    for (size_t i = w->pt.ntitle; i < w->pt.n; i++) {
        const zhs_pterm *t = &w->pt.t[i];
        uint32_t id = term_id(w, w->pt.keys.data + t->off, t->len);
        if (id == UINT32_MAX || !push_tid(w, id, t->pos))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings (lower --ram)");
    }
    return emit_postings(w, doc, err);
}

int zhs_writer_add(zhs_writer *w, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (w->committed) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_add after commit");
    if (w->ndocs == UINT32_MAX - 1)
        return zhs_fail(err, ZHS_EINVAL, "an index holds at most %u passages: split the corpus", UINT32_MAX - 1);
    uint32_t doc = w->ndocs;
    if (zhs_passage_terms_run(&w->pt, w->an, p, err)) return err->code;
    uint32_t body_len = w->pt.length;
    if (w->xw) {
        if (zhs_xengine_writer_add(w->xw, doc, p, &w->pt, err)) return err->code;
    } else {
        if (add_native(w, doc, err) || zhs_store_writer_add(w->store, p, err)) return err->code;
    }
    if (w->ndocs == w->lens_cap) {
        uint32_t cap = w->lens_cap ? w->lens_cap * 2 : 4096;
        uint32_t *l = realloc(w->lens, (size_t)cap * sizeof *l);
        if (!l) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        w->lens = l;
        w->lens_cap = cap;
    }
    w->lens[w->ndocs++] = body_len;
    w->total_tokens += body_len;
    w->bytes_in += p->text_len;
    if (!w->xw && w->live >= w->opt.ram_budget && flush_run(w, err)) return err->code;
    if (w->opt.progress && (w->ndocs & 255) == 0) {
        double now = zhs_now();
        if (now - w->last_progress >= 0.25) {
            w->last_progress = now;
            zhs_progress pr = {w->ndocs, w->total_tokens, w->bytes_in, now - w->t0, "indexing"};
            w->opt.progress(w->opt.progress_ctx, &pr);
        }
    }
    return ZHS_OK;
}

/* ---------------------------------------------------------------- flush */

static int cmp_tid(const zhs_writer *w, uint32_t a, uint32_t b)
{
    const term_acc *x = &w->terms[a], *y = &w->terms[b];
    size_t m = x->keylen < y->keylen ? x->keylen : y->keylen;
    int c = memcmp(w->keys.data + x->key_off, w->keys.data + y->key_off, m);
    return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Term ids in key order.  A bottom-up merge sort rather than qsort(),
** whose comparator has no context argument in C11: no global state, so
** writers in several threads never interfere. */
static uint32_t *sorted_terms(zhs_writer *w)
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

static int flush_run(zhs_writer *w, zhs_error *err)
{
    if (w->nterms == 0) return ZHS_OK;
    uint32_t *ids = sorted_terms(w);
    const char **keys = malloc(((size_t)w->nterms + 1) * sizeof *keys);
    uint32_t *lens = malloc(((size_t)w->nterms + 1) * sizeof *lens);
    zhs_chunk *streams = malloc(((size_t)w->nterms + 1) * sizeof *streams);
    char **runs = realloc(w->runs, (w->nruns + 1) * sizeof *runs);
    if (runs) w->runs = runs;
    char path[4400];
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

static int write_segment(zhs_writer *w, uint64_t *nterms, zhs_error *err)
{
    char stem[40];
    snprintf(stem, sizeof stem, "g%llu", (unsigned long long)w->gen);
    double avg = w->ndocs ? (double)w->total_tokens / w->ndocs : 0;
    zhs_seg_writer *sw;
    zhs_analyzer_config ac;
    zhs_analyzer_config_get(w->an, &ac);
    if (zhs_seg_writer_open(&sw, w->dir, stem, w->lens, w->ndocs, avg, w->opt.k1, w->opt.b, !ac.bigrams, err))
        return err->code;
    int rc = ZHS_OK;
    if (w->nruns > 0) {
        if ((rc = flush_run(w, err)) == ZHS_OK) {
            if (w->opt.progress) {
                zhs_progress pr = {w->ndocs, w->total_tokens, w->bytes_in, zhs_now() - w->t0, "merging"};
                w->opt.progress(w->opt.progress_ctx, &pr);
            }
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

int zhs_writer_commit(zhs_writer *w, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (w->committed) return zhs_fail(err, ZHS_EINVAL, "zhs_writer_commit called twice");
    uint64_t nterms = 0;
    if (w->xw) {
        char kb[64];
        snprintf(kb, sizeof kb, "%.17g %.17g %u", w->opt.k1, w->opt.b, w->opt.title_weight);
        if (zhs_xengine_writer_commit(w->xw, zhs_analyzer_fingerprint(w->an), kb, &nterms, err)) return err->code;
    } else if (zhs_store_writer_finish(w->store, err) || write_segment(w, &nterms, err)) {
        return err->code;
    }

    zhs_manifest m;
    memset(&m, 0, sizeof m);
    m.version = ZHS_FORMAT_VERSION;
    m.engine = w->xw ? ZHS_ENGINE_XAPIAN : ZHS_ENGINE_NATIVE;
    m.generation = w->gen;
    snprintf(m.analyzer, sizeof m.analyzer, "%s", zhs_analyzer_fingerprint(w->an));
    m.passages = w->ndocs;
    m.tokens = w->total_tokens;
    m.terms = nterms;
    m.source_bytes = w->bytes_in;
    m.avglen = w->ndocs ? (double)w->total_tokens / w->ndocs : 0;
    m.k1 = w->opt.k1;
    m.b = w->opt.b;
    m.title_weight = w->opt.title_weight;
    m.shards = w->xw ? (w->opt.shards ? w->opt.shards : 1) : 0;
    m.nsegments = 1;
    snprintf(m.seg[0].name, sizeof m.seg[0].name, "g%llu", (unsigned long long)w->gen);
    m.seg[0].base = 0;
    m.seg[0].count = w->ndocs;
    /* The user dictionary goes with the generation (g<N>.userdict, removed
    ** with its other files), synced before the MANIFEST names it. */
    size_t ulen;
    const char *uw = zhs_analyzer_user_words(w->an, &ulen);
    if (uw) {
        char path[4400];
        snprintf(path, sizeof path, ZHS_USERDICT_FILE, w->dir, (unsigned long long)w->gen);
        if (zhs_file_write(path, uw, ulen, err)) return err->code;
    }
    if (zhs_dir_sync(w->dir, err) || zhs_manifest_write(&m, w->dir, err)) return err->code;
    w->committed = true;
    /* The new version is live: the old one's files can go (readers that
    ** still map them keep their pages until they close). */
    remove_stale(w->dir, w->gen);
    if (w->opt.progress) {
        zhs_progress pr = {w->ndocs, w->total_tokens, w->bytes_in, zhs_now() - w->t0, "done"};
        w->opt.progress(w->opt.progress_ctx, &pr);
    }
    return ZHS_OK;
}

void zhs_writer_close(zhs_writer *w)
{
    if (!w) return;
    zhs_store_writer_close(w->store);
    if (!w->committed && w->lock_fd >= 0 && w->gen) {
        /* Abandoned build: drop everything of this generation. */
        remove_stale(w->dir, w->have_old ? w->old.generation : 0);
        if (!w->have_old) {
            char lock[4200];
            snprintf(lock, sizeof lock, "%s/LOCK", w->dir);
            unlink(lock);
            rmdir(w->dir);      /* only succeeds when we created it empty */
        }
    }
    for (size_t i = 0; i < w->nruns; i++) {
        unlink(w->runs[i]);
        free(w->runs[i]);
    }
    free(w->runs);
    if (w->tmpdir[0]) rmdir(w->tmpdir);
    for (uint32_t i = 0; i < w->nterms; i++) free(w->terms[i].buf);
    free(w->terms);
    free(w->slots);
    zhs_buf_free(&w->keys);
    free(w->tids);
    free(w->tpos);
    free(w->touched);
    zhs_passage_terms_free(&w->pt);
    free(w->title_ids);
    free(w->lens);
    zhs_xengine_writer_close(w->xw);
    if (w->lock_fd >= 0) close(w->lock_fd);
    free(w);
}
