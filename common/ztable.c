/*
** ztable.c — writing and opening table files whose body is one zstd
** frame (ztable.h).
*/
/* ZSTD_decompressBound: a frame's blocks bound what it decodes to */
#define ZSTD_STATIC_LINKING_ONLY
#include "ztable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *const zhs_files_plain_magics[] = {ZHS_MAGIC_FILES_V1, NULL};

int zhs_ztable_write(zhs_syncs *syncs, const char *path, const char *magic, const void *raw, size_t n,
                     zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf out;
    zhs_buf_init(&out);
    size_t bound = ZSTD_compressBound(n);
    int rc = ZHS_OK;
    if (!zhs_buf_append(&out, magic, ZHS_MAGIC_LEN) || !zhs_buf_put_u64(&out, n) ||
        !zhs_buf_reserve(&out, bound + ZHS_FOOTER_LEN)) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
        goto out;
    }
    size_t z = ZSTD_compress(out.data + out.len, bound, raw, n, ZHS_ZTABLE_LEVEL);
    if (ZSTD_isError(z)) {
        rc = zhs_fail(err, ZHS_ENOMEM, "cannot compress %s: %s", path, ZSTD_getErrorName(z));
        goto out;
    }
    out.len += z;
    if (!zhs_footer_append(&out) || out.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    else rc = zhs_file_write_to(syncs, path, out.data, out.len, err);
out:
    zhs_buf_free(&out);
    return rc;
}

static int damaged(zhs_error *err, const char *path, const char *what, const char *how)
{
    return zhs_fail(err, ZHS_ECORRUPT, "%s: the %s %s: rebuild the index", path, what, how);
}

/* The frame after the u64 raw length in f's body into t->raw. */
static int decompress(zhs_table_body *t, const zhs_mapped *f, const char *what, uint64_t max, zhs_error *err)
{
    if (f->body_len < 8) return damaged(err, f->path, what, "is truncated");
    uint64_t n = zhs_get_u64(f->body);
    const uint8_t *frame = f->body + 8;
    size_t flen = f->body_len - 8;
    /* one frame exactly, whose header says the same length; its blocks
    ** bound what it can decode to, so that a damaged length does not ask
    ** for gigabytes */
    unsigned long long fsize = ZSTD_getFrameContentSize(frame, flen);
    size_t used = ZSTD_findFrameCompressedSize(frame, flen);
    if (ZSTD_isError(used) || used != flen) return damaged(err, f->path, what, "has a bad zstd frame");
    if (fsize == ZSTD_CONTENTSIZE_ERROR || fsize == ZSTD_CONTENTSIZE_UNKNOWN || fsize != n)
        return damaged(err, f->path, what, "has a size that does not match its frame");
    unsigned long long bound = ZSTD_decompressBound(frame, flen);
    if (bound == ZSTD_CONTENTSIZE_ERROR || n > bound || n > SIZE_MAX - 8)
        return damaged(err, f->path, what, "has a size that does not match its frame");
    /* zstd's bound is no bound for a crafted frame (a few bytes of RLE
    ** block decode to 128 KiB): the caller's largest possible table is */
    if (n > max) return damaged(err, f->path, what, "is larger than such a table can be");
    /* 8 bytes of slack: readers of packed values load whole words */
    if (!(t->raw = malloc((size_t)n + 8)))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
    memset(t->raw + n, 0, 8);
    size_t got = ZSTD_decompress(t->raw, (size_t)n, frame, flen);
    if (ZSTD_isError(got)) return damaged(err, f->path, what, "has a bad zstd frame");
    if (got != n) return damaged(err, f->path, what, "has a size that does not match its frame");
    t->body = t->raw;
    t->len = (size_t)n;
    return ZHS_OK;
}

int zhs_table_open(zhs_table_body *t, const char *path, const char *zmagic, const char *const *plain,
                   const char *what, bool verify, zhs_error *err)
{
    return zhs_table_open_max(t, path, zmagic, plain, what, verify, ZHS_ZTABLE_MAX, err);
}

int zhs_table_open_max(zhs_table_body *t, const char *path, const char *zmagic, const char *const *plain,
                       const char *what, bool verify, uint64_t max, zhs_error *err)
{
    memset(t, 0, sizeof *t);
    if (zhs_err_code(err)) return err->code;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return zhs_fail(err, ZHS_ENOTFOUND, "%s does not exist", path);
    char m[ZHS_MAGIC_LEN];
    const char *magic = NULL;
    if (zhs_file_magic(path, m)) {
        if (!memcmp(m, zmagic, ZHS_MAGIC_LEN)) magic = zmagic;
        for (size_t i = 0; !magic && plain && plain[i]; i++)
            if (!memcmp(m, plain[i], ZHS_MAGIC_LEN)) magic = plain[i];
    }
    /* an unknown magic: mapping with the current one says what is wrong */
    if (zhs_map_file(&t->f, path, magic ? magic : zmagic, verify, err)) return err->code;
    t->magic = magic;
    t->compressed = magic == zmagic;
    if (!t->compressed) {
        t->body = t->f.body;
        t->len = t->f.body_len;
        return ZHS_OK;
    }
    int rc = decompress(t, &t->f, what, max, err);
    /* the frame is in raw now: the mapping is not needed */
    zhs_unmap_file(&t->f);
    if (rc) zhs_table_close(t);
    return rc;
}

void zhs_table_close(zhs_table_body *t)
{
    zhs_unmap_file(&t->f);
    free(t->raw);
    t->raw = NULL;
    t->body = NULL;
    t->len = 0;
}
