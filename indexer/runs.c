/*
** runs.c — sorted runs: postings flushed to disk when the RAM budget is
** reached, merged at the end into one segment.  A run is private to one
** build (in the index's tmp directory), so it carries no checksum; its
** reader still checks every length against the file's end.
*/
#include "indexer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* a run's stdio buffer (zhs_wfile_create) */
#define RUN_OUT_BUF ((size_t)1 << 20)

static bool put_varint(FILE *f, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    for (;; v >>= 7) {
        b[n++] = (uint8_t)(v >= 0x80 ? (v & 0x7f) | 0x80 : v);
        if (v < 0x80) break;
    }
    return fwrite(b, 1, n, f) == n;
}

int zhs_run_out_open(zhs_run_out *o, const char *path, zhs_error *err)
{
    memset(o, 0, sizeof *o);
    if (zhs_err_code(err)) return err->code;
    snprintf(o->path, sizeof o->path, "%s", path);
    return zhs_wfile_create(&o->f, &o->vbuf, path, RUN_OUT_BUF, err);
}

void zhs_run_out_put(zhs_run_out *o, const char *key, size_t keylen, const zhs_chunk *parts, size_t nparts)
{
    if (!o->f || o->failed) return;
    size_t len = 0;
    for (size_t i = 0; i < nparts; i++) len += parts[i].len;
    bool ok = put_varint(o->f, keylen) && fwrite(key, 1, keylen, o->f) == keylen && put_varint(o->f, len);
    /* an empty part may have no pointer, which fwrite must not be given */
    for (size_t i = 0; i < nparts && ok; i++)
        ok = !parts[i].len || fwrite(parts[i].p, 1, parts[i].len, o->f) == parts[i].len;
    if (!ok) {
        o->failed = true;
        o->errnum = errno;
    }
}

int zhs_run_out_finish(zhs_run_out *o, zhs_error *err)
{
    if (!o->f) return zhs_fail(err, ZHS_EINTERNAL, "%s: finished twice", o->path);
    int e = o->failed ? o->errnum : 0;
    if (fclose(o->f) != 0 && !e) e = errno;
    o->f = NULL;
    free(o->vbuf);
    o->vbuf = NULL;
    if (o->failed || e) {
        unlink(o->path);
        return zhs_fail(err, ZHS_EIO, "cannot write %s: %s (is the disk full?)", o->path, strerror(e ? e : EIO));
    }
    return zhs_err_code(err);
}

void zhs_run_out_abort(zhs_run_out *o)
{
    zhs_wfile_discard(&o->f, &o->vbuf, o->path);
}

int zhs_run_write(const char *path, const char *const *keys, const uint32_t *keylens,
                  const zhs_chunk *streams, size_t n, zhs_error *err)
{
    zhs_run_out o;
    if (zhs_run_out_open(&o, path, err)) return err->code;
    for (size_t i = 0; i < n; i++) zhs_run_out_put(&o, keys[i], keylens[i], &streams[i], 1);
    return zhs_run_out_finish(&o, err);
}

typedef struct run_cursor {
    const uint8_t *base, *p, *end;
    const uint8_t *kept;        /* pages from here on are still mapped in */
    size_t size;
    const char *key;
    size_t keylen;
    zhs_chunk stream;
    bool live;
} run_cursor;

static bool run_next(run_cursor *c)
{
    c->live = false;
    if (c->p >= c->end) return true;
    uint64_t kl, sl;
    if (!zhs_varint_get(&c->p, c->end, &kl) || kl > (uint64_t)(c->end - c->p)) return false;
    c->key = (const char *)c->p;
    c->keylen = (size_t)kl;
    c->p += kl;
    if (!zhs_varint_get(&c->p, c->end, &sl) || sl > (uint64_t)(c->end - c->p)) return false;
    c->stream.p = c->p;
    c->stream.len = (size_t)sl;
    c->p += sl;
    c->live = true;
    return true;
}

/* A merge reads each run once, front to back; the pages it has passed would
** otherwise stay resident until the end and count in the build's RSS (all
** the runs' bytes: the build's peak would grow with the corpus, outside
** --ram).  So the pages before each run's current record are dropped from
** the mapping (MADV_DONTNEED: a private read-only map of the file, nothing
** is lost; they would be read again if touched) whenever `step` bytes have
** gathered there: RELEASE_TOTAL over the runs, so what the merge keeps
** resident stays about constant however many runs a large corpus makes. */
enum { RELEASE_TOTAL = 16 << 20, RELEASE_MIN = 64 << 10, RELEASE_MAX = 1 << 20 };

static size_t release_step(size_t nruns, unsigned share, size_t page)
{
    size_t step = RELEASE_TOTAL / (share ? share : 1) / (nruns ? nruns : 1);
    if (step < RELEASE_MIN) step = RELEASE_MIN;
    if (step > RELEASE_MAX) step = RELEASE_MAX;
    return step < page ? page : step;
}

static void release_behind(run_cursor *c, size_t page, size_t step)
{
    const uint8_t *upto = c->live ? (const uint8_t *)c->key : c->end;
    if ((size_t)(upto - c->kept) < step) return;
    size_t len = (size_t)(upto - c->kept) & ~(page - 1);
    if (len && madvise((void *)c->kept, len, MADV_DONTNEED) == 0) c->kept += len;
}

int zhs_run_key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

int zhs_runs_merge(zhs_term_sink sink, void *ctx, const char *const *paths, size_t nruns, unsigned share,
                   zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    run_cursor *cur = calloc(nruns, sizeof *cur);
    zhs_chunk *chunks = calloc(nruns, sizeof *chunks);
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096, step = release_step(nruns, share, page);
    int rc = ZHS_OK;
    if (!cur || !chunks) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory merging %zu runs", nruns);
        goto done;
    }
    for (size_t i = 0; i < nruns; i++) {
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            rc = zhs_fail(err, ZHS_EIO, "cannot open %s: %s", paths[i], strerror(errno));
            if (fd >= 0) close(fd);
            goto done;
        }
        cur[i].size = (size_t)st.st_size;
        if (cur[i].size) {
            void *m = mmap(NULL, cur[i].size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (m == MAP_FAILED) {
                rc = zhs_fail(err, ZHS_EIO, "cannot map %s: %s", paths[i], strerror(errno));
                close(fd);
                goto done;
            }
            madvise(m, cur[i].size, MADV_SEQUENTIAL);
            cur[i].base = cur[i].kept = m;
        }
        close(fd);
        cur[i].p = cur[i].base;
        cur[i].end = cur[i].base + cur[i].size;
        if (!run_next(&cur[i])) {
            rc = zhs_fail(err, ZHS_EIO, "%s is damaged (a temporary run): index again", paths[i]);
            goto done;
        }
    }
    for (;;) {
        /* Few runs: a linear scan for the smallest key is cheap enough. */
        const char *min = NULL;
        size_t minlen = 0;
        for (size_t i = 0; i < nruns; i++)
            if (cur[i].live && (!min || zhs_run_key_cmp(cur[i].key, cur[i].keylen, min, minlen) < 0)) {
                min = cur[i].key;
                minlen = cur[i].keylen;
            }
        if (!min) break;
        size_t nc = 0;
        char key[ZHS_TERM_MAX_KEY];
        if (minlen >= sizeof key) {
            rc = zhs_fail(err, ZHS_EIO, "a temporary run holds a term of %zu bytes: index again", minlen);
            goto done;
        }
        memcpy(key, min, minlen);
        for (size_t i = 0; i < nruns; i++)
            if (cur[i].live && zhs_run_key_cmp(cur[i].key, cur[i].keylen, key, minlen) == 0) {
                chunks[nc++] = cur[i].stream;
            }
        if ((rc = sink(ctx, key, minlen, chunks, nc, err)) != 0) goto done;
        for (size_t i = 0; i < nruns; i++)
            if (cur[i].live && zhs_run_key_cmp(cur[i].key, cur[i].keylen, key, minlen) == 0) {
                if (!run_next(&cur[i])) {
                    rc = zhs_fail(err, ZHS_EIO, "%s is damaged (a temporary run): index again", paths[i]);
                    goto done;
                }
                release_behind(&cur[i], page, step);
            }
    }
done:
    if (cur)
        for (size_t i = 0; i < nruns; i++)
            if (cur[i].base) munmap((void *)cur[i].base, cur[i].size);
    free(cur);
    free(chunks);
    return rc;
}
