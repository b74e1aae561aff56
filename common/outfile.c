/*
** outfile.c — see outfile.h.
*/
#define _GNU_SOURCE             /* sync_file_range (Linux; without it finish's fsync does all) */
#include "outfile.h"
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

int zhs_wfile_create(FILE **f, char **vbuf, const char *path, size_t size, zhs_error *err)
{
    *f = fopen(path, "wb");
    if (!*f) return zhs_fail(err, ZHS_EIO, "cannot create %s: %s", path, strerror(errno));
    *vbuf = malloc(size);
    if (!*vbuf) {
        zhs_wfile_discard(f, vbuf, path);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory creating %s", path);
    }
    setvbuf(*f, *vbuf, _IOFBF, size);
    return ZHS_OK;
}

void zhs_wfile_discard(FILE **f, char **vbuf, const char *path)
{
    if (*f) {
        fclose(*f);
        *f = NULL;
        unlink(path);
    }
    free(*vbuf);
    *vbuf = NULL;
}

int zhs_outfile_open(zhs_outfile *o, const char *path, const char *magic, zhs_error *err)
{
    memset(o, 0, sizeof *o);
    if (zhs_err_code(err)) return err->code;
    snprintf(o->path, sizeof o->path, "%s", path);
    if (zhs_wfile_create(&o->f, &o->vbuf, path, ZHS_OUTFILE_BUF, err)) return err->code;
    o->crc = crc32(0L, Z_NULL, 0);
    zhs_outfile_write(o, magic, ZHS_MAGIC_LEN);
    return ZHS_OK;
}

/* Starts the writeback of the bytes before end, all in the kernel's hands
** (stdio holds at most its buffer, which ends after end).  A hint only:
** finish's fsync makes the file durable and reports what fails, so a
** failure here is ignored, and errno kept for the message of a write that
** failed before. */
static void start_writeback(zhs_outfile *o, uint64_t end)
{
#ifdef SYNC_FILE_RANGE_WRITE
    int saved = errno;
    (void)sync_file_range(fileno(o->f), (off_t)o->started, (off_t)(end - o->started), SYNC_FILE_RANGE_WRITE);
    errno = saved;
#endif
    o->started = end;
}

void zhs_outfile_write(zhs_outfile *o, const void *p, size_t n)
{
    if (o->failed || !o->f || n == 0) return;
    const uint8_t *b = p;
    for (size_t done = 0; done < n;) {
        size_t k = n - done > (1u << 30) ? (1u << 30) : n - done;
        o->crc = crc32(o->crc, b + done, (uInt)k);
        done += k;
    }
    if (fwrite(p, 1, n, o->f) != n) {
        o->failed = true;
        o->failed_errno = errno ? errno : EIO;
    }
    o->off += n;
    if (!o->failed && o->off - o->started >= ZHS_OUTFILE_WRITEBACK + ZHS_OUTFILE_BUF)
        start_writeback(o, o->off - ZHS_OUTFILE_BUF);
}

int zhs_outfile_finish(zhs_outfile *o, zhs_error *err)
{
    if (!o->f) return zhs_fail(err, ZHS_EINTERNAL, "%s: finished twice", o->path);
    uint8_t foot[ZHS_FOOTER_LEN];
    uint64_t body = o->off;
    zhs_set_u32(foot, (uint32_t)body);
    zhs_set_u32(foot + 4, (uint32_t)(body >> 32));
    zhs_set_u32(foot + 8, (uint32_t)o->crc);
    memcpy(foot + 12, "ZEND", 4);
    if (!o->failed && fwrite(foot, 1, sizeof foot, o->f) != sizeof foot) {
        o->failed = true;
        o->failed_errno = errno ? errno : EIO;
    }
    int e = o->failed ? o->failed_errno : 0, fd = -1;
    if (!e && fflush(o->f) != 0) e = errno ? errno : EIO;
    /* the set syncs a descriptor of its own, the stream's goes now; without
    ** one (none left) the file is synced here */
    if (!e && o->syncs) fd = fcntl(fileno(o->f), F_DUPFD_CLOEXEC, 0);
    if (!e && fd < 0 && fsync(fileno(o->f)) != 0) e = errno;
    if (fclose(o->f) != 0 && !e) e = errno;
    if (fd >= 0) {
        if (e) close(fd);
        else zhs_syncs_add(o->syncs, fd, o->path);
    }
    o->f = NULL;
    free(o->vbuf);
    o->vbuf = NULL;
    if (e) {
        unlink(o->path);
        return zhs_fail(err, ZHS_EIO, "cannot write %s: %s (is the disk full?)", o->path, strerror(e));
    }
    return zhs_err_code(err);
}

void zhs_outfile_abort(zhs_outfile *o)
{
    zhs_wfile_discard(&o->f, &o->vbuf, o->path);
}
