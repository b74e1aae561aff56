/*
** fileio.c — whole-file reads (plain or gzip) and durable writes.
*/
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

double zhs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int read_plain(zhs_buf *b, const char *path, size_t max, zhs_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zhs_fail(err, ZHS_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (max && (uint64_t)st.st_size > max) {
            close(fd);
            return zhs_fail(err, ZHS_EIO, "%s is %lld bytes, over the limit of %zu bytes",
                            path, (long long)st.st_size, max);
        }
        zhs_buf_reserve(b, (size_t)st.st_size);
    }
    for (;;) {
        if (!zhs_buf_reserve(b, 1 << 16)) {
            close(fd);
            return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
        }
        ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return zhs_fail(err, ZHS_EIO, "cannot read %s: %s", path, strerror(e));
        }
        if (n == 0) break;
        b->len += (size_t)n;
        if (max && b->len > max) {
            close(fd);
            return zhs_fail(err, ZHS_EIO, "%s is over the limit of %zu bytes", path, max);
        }
    }
    if (b->data) b->data[b->len] = 0;
    close(fd);
    return ZHS_OK;
}

static int read_gzip(zhs_buf *b, const char *path, size_t max, zhs_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        return ZHS_OK; /* empty: the caller reports "no text" */
    gzFile g = gzopen(path, "rb");
    if (!g)
        return zhs_fail(err, ZHS_EIO, "cannot open %s: %s", path,
                        errno ? strerror(errno) : "gzip open failed");
    gzbuffer(g, 1 << 16);
    /* zlib passes data without a gzip header through unchanged; a file
    ** named .gz that is not gzip is more likely a mistake than text. */
    if (gzdirect(g)) {
        gzclose(g);
        return zhs_fail(err, ZHS_EIO, "%s is not a gzip file (no gzip header): "
                        "rename it without .gz or compress it with gzip", path);
    }
    for (;;) {
        if (!zhs_buf_reserve(b, 1 << 16)) {
            gzclose(g);
            return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
        }
        int n = gzread(g, b->data + b->len, (unsigned)(b->cap - b->len - 1 > (1u << 30) ? (1u << 30) : b->cap - b->len - 1));
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(g, &zerr);
            int rc = zhs_fail(err, ZHS_EIO, "%s is not valid gzip: %s", path, msg);
            gzclose(g);
            return rc;
        }
        if (n == 0) break;
        b->len += (size_t)n;
        if (max && b->len > max) {
            gzclose(g);
            return zhs_fail(err, ZHS_EIO, "%s uncompresses to over %zu bytes", path, max);
        }
    }
    /* gzread returns 0 both at a clean end and at a truncated stream; only
    ** gzerror tells them apart. */
    int zerr = Z_OK;
    const char *msg = gzerror(g, &zerr);
    if (zerr != Z_OK && zerr != Z_STREAM_END) {
        /* zlib's message starts with the path it was given */
        size_t pl = strlen(path);
        if (!strncmp(msg, path, pl) && msg[pl] == ':' && msg[pl + 1] == ' ') msg += pl + 2;
        int rc = zhs_fail(err, ZHS_EIO, "%s is a damaged gzip file: %s", path, msg);
        gzclose(g);
        return rc;
    }
    gzclose(g);
    if (b->data) b->data[b->len] = 0;
    return ZHS_OK;
}

int zhs_file_read(zhs_buf *b, const char *path, bool gz, size_t max, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf_reset(b);
    return gz ? read_gzip(b, path, max, err) : read_plain(b, path, max, err);
}

int zhs_file_write_to(zhs_syncs *s, const char *path, const void *data, size_t n, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return zhs_fail(err, ZHS_EIO, "cannot create %s: %s", path, strerror(errno));
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(path);
            return zhs_fail(err, ZHS_EIO, "cannot write %s: %s", path, strerror(e));
        }
        p += w;
        n -= (size_t)w;
    }
    if (s) {
        zhs_syncs_add(s, fd, path);
        return ZHS_OK;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(path);
        return zhs_fail(err, ZHS_EIO, "cannot sync %s: %s", path, strerror(e));
    }
    return ZHS_OK;
}

int zhs_file_write(const char *path, const void *data, size_t n, zhs_error *err)
{
    return zhs_file_write_to(NULL, path, data, n, err);
}

/* ---------------------------------------------------------------- syncs */

typedef struct sync_job {
    int fd;
    int err;                    /* errno of its fsync or close; 0: durable */
    bool threaded;              /* t runs the fsync: join it */
    pthread_t t;
    char path[ZHS_PATH_MAX];
} sync_job;

struct zhs_syncs {
    pthread_mutex_t mu;         /* add may be called from several threads */
    sync_job **jobs;            /* in the order handed over */
    size_t n, cap;
    /* the first failure of a file synced without a job of its own (out of
    ** memory for it): path and errno */
    char lost_path[ZHS_PATH_MAX];
    int lost_err;
};

int zhs_syncs_open(zhs_syncs **out, zhs_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    if (pthread_mutex_init(&(*out)->mu, NULL) != 0) {
        free(*out);
        *out = NULL;
        return zhs_fail(err, ZHS_ENOMEM, "cannot create a mutex");
    }
    return ZHS_OK;
}

/* errno is the thread's own: read where the call failed. */
static void *sync_main(void *arg)
{
    sync_job *j = arg;
    j->err = fsync(j->fd) != 0 ? errno : 0;
    return NULL;
}

void zhs_syncs_add(zhs_syncs *s, int fd, const char *path)
{
    sync_job *j = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        sync_job **a = realloc(s->jobs, cap * sizeof *a);
        if (a) s->jobs = a, s->cap = cap;
    }
    if (s->n < s->cap) j = malloc(sizeof *j);
    if (!j) {
        /* no room to remember it: synced now, a failure kept aside */
        int e = fsync(fd) != 0 ? errno : 0;
        if (close(fd) != 0 && !e) e = errno;
        if (e && !s->lost_err) {
            s->lost_err = e;
            snprintf(s->lost_path, sizeof s->lost_path, "%s", path);
        }
        pthread_mutex_unlock(&s->mu);
        return;
    }
    j->fd = fd;
    j->err = 0;
    snprintf(j->path, sizeof j->path, "%s", path);
    /* fsync needs little stack: 64 KB instead of the default 8 MB map */
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok) pthread_attr_setstacksize(&attr, (size_t)64 << 10);
    j->threaded = pthread_create(&j->t, attr_ok ? &attr : NULL, sync_main, j) == 0;
    if (attr_ok) pthread_attr_destroy(&attr);
    if (!j->threaded) sync_main(j);
    s->jobs[s->n++] = j;
    pthread_mutex_unlock(&s->mu);
}

int zhs_syncs_wait(zhs_syncs *s, zhs_error *err)
{
    const sync_job *first = NULL;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n; i++) {
        sync_job *j = s->jobs[i];
        if (j->threaded) pthread_join(j->t, NULL);
        if (close(j->fd) != 0 && !j->err) j->err = errno;
        if (j->err) {
            unlink(j->path);    /* as a failed zhs_file_write leaves none */
            if (!first) first = j;
        }
    }
    int rc = ZHS_OK;
    if (!zhs_err_code(err) && (first || s->lost_err)) {
        int e = first ? first->err : s->lost_err;
        rc = zhs_fail(err, ZHS_EIO, "cannot sync %s: %s%s", first ? first->path : s->lost_path, strerror(e),
                      e == ENOSPC || e == EDQUOT ? " (is the disk full?)" : "");
    } else if (zhs_err_code(err)) {
        rc = err->code;
    }
    for (size_t i = 0; i < s->n; i++) free(s->jobs[i]);
    s->n = 0;
    s->lost_err = 0;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void zhs_syncs_close(zhs_syncs *s)
{
    if (!s) return;
    zhs_error ignored = {0};
    zhs_syncs_wait(s, &ignored);
    pthread_mutex_destroy(&s->mu);
    free(s->jobs);
    free(s);
}

int zhs_dir_sync(const char *dir, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return zhs_fail(err, ZHS_EIO, "cannot open directory %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL)
        return zhs_fail(err, ZHS_EIO, "cannot sync directory %s: %s", dir, strerror(e));
    return ZHS_OK;
}
