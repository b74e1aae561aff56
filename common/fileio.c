/*
** fileio.c — whole-file reads (plain or gzip) and durable writes.
*/
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <errno.h>
#include <fcntl.h>
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

int zhs_file_write(const char *path, const void *data, size_t n, zhs_error *err)
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
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(path);
        return zhs_fail(err, ZHS_EIO, "cannot sync %s: %s", path, strerror(e));
    }
    return ZHS_OK;
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
