/*
** outfile.c — see outfile.h.
*/
#include "outfile.h"
#include "format.h"

#include <errno.h>
#include <unistd.h>
#include <zlib.h>

int zhs_outfile_open(zhs_outfile *o, const char *path, const char *magic, zhs_error *err)
{
    memset(o, 0, sizeof *o);
    if (zhs_err_code(err)) return err->code;
    snprintf(o->path, sizeof o->path, "%s", path);
    o->f = fopen(path, "wb");
    if (!o->f) return zhs_fail(err, ZHS_EIO, "cannot create %s: %s", path, strerror(errno));
    setvbuf(o->f, NULL, _IOFBF, 1 << 18);
    o->crc = crc32(0L, Z_NULL, 0);
    zhs_outfile_write(o, magic, ZHS_MAGIC_LEN);
    return ZHS_OK;
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
    if (fwrite(p, 1, n, o->f) != n) o->failed = true;
    o->off += n;
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
    if (!o->failed && fwrite(foot, 1, sizeof foot, o->f) != sizeof foot) o->failed = true;
    int e = 0;
    if (o->failed || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0) e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && !e) e = errno;
    o->f = NULL;
    if (e) {
        unlink(o->path);
        return zhs_fail(err, ZHS_EIO, "cannot write %s: %s (is the disk full?)", o->path, strerror(e));
    }
    return zhs_err_code(err);
}

void zhs_outfile_abort(zhs_outfile *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        unlink(o->path);
    }
}
