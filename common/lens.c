/*
** lens.c — the passage lengths file (g<GEN>.len) of format 9: the lengths
** as byte planes in a compressed table (ztable.h), decoded at open into
** the u32 array every reader indexes (docs/FORMAT.md, "Lengths").
*/
#include "ztable.h"

#include <stdio.h>
#include <stdlib.h>

/* A length's bytes: the fewest that hold the longest. */
static unsigned width_of(const uint32_t *lens, uint32_t n)
{
    uint32_t max = 0;
    for (uint32_t d = 0; d < n; d++) max |= lens[d];
    return (zhs_bits_needed(max) + 7) / 8;
}

int zhs_lens_write(zhs_syncs *syncs, const char *path, const uint32_t *lens, uint32_t n, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    unsigned width = width_of(lens, n);
    size_t raw_len = ZHS_LENS_HEAD + (size_t)width * n;
    uint8_t *raw = malloc(raw_len);
    if (!raw) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    zhs_set_u32(raw, n);
    raw[4] = (uint8_t)width;
    for (unsigned k = 0; k < width; k++) {
        uint8_t *plane = raw + ZHS_LENS_HEAD + (size_t)k * n;
        for (uint32_t d = 0; d < n; d++) plane[d] = (uint8_t)(lens[d] >> (8 * k));
    }
    int rc = zhs_ztable_write(syncs, path, ZHS_MAGIC_LEN_, raw, raw_len, err);
    free(raw);
    return rc;
}

/* The planes of a format-9 body into a new array of ndocs u32 (little
** endian, as a format-8 file holds them); NULL on damage (*why says
** what) or without memory (*why NULL). */
static uint8_t *decode_planes(const uint8_t *raw, size_t len, uint32_t ndocs, const char **why)
{
    *why = "is truncated";
    if (len < ZHS_LENS_HEAD) return NULL;
    uint32_t n = zhs_get_u32(raw);
    unsigned width = raw[4];
    *why = "count differs from the manifest's passage count";
    if (n != ndocs) return NULL;
    *why = "has a size that does not match its passage count";
    if (width > 4 || len != ZHS_LENS_HEAD + (size_t)width * n) return NULL;
    *why = NULL;
    uint8_t *out = calloc((size_t)n + 1, 4);
    if (!out) return NULL;
    for (unsigned k = 0; k < width; k++) {
        const uint8_t *plane = raw + ZHS_LENS_HEAD + (size_t)k * n;
        for (uint32_t d = 0; d < n; d++) out[(size_t)d * 4 + k] = plane[d];
    }
    return out;
}

int zhs_lens_open(zhs_mapped *m, const char *path, uint32_t ndocs, bool verify, zhs_error *err)
{
    memset(m, 0, sizeof *m);
    if (zhs_err_code(err)) return err->code;
    static const char *const plain[] = {ZHS_MAGIC_LEN_V1, NULL};
    zhs_table_body t;
    /* the planes of ndocs lengths of at most 4 bytes */
    int rc = zhs_table_open_max(&t, path, ZHS_MAGIC_LEN_, plain, "passage lengths", verify,
                                ZHS_LENS_HEAD + 4 * (uint64_t)ndocs, err);
    if (rc == ZHS_ENOTFOUND) {
        err->code = ZHS_OK;     /* a segment's file: its absence is damage */
        return zhs_fail(err, ZHS_ECORRUPT, "cannot open %s: it does not exist: the index is incomplete or damaged; "
                        "rebuild it", path);
    }
    if (rc) return rc;
    if (!t.compressed) {
        *m = t.f;       /* the mapping is m's now: a u32 each, as it is */
        return ZHS_OK;
    }
    const char *why;
    uint8_t *lens = decode_planes(t.body, t.len, ndocs, &why);
    zhs_table_close(&t);
    if (!lens && why) return zhs_fail(err, ZHS_ECORRUPT, "%s: the passage lengths' %s: rebuild the index", path, why);
    if (!lens) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
    snprintf(m->path, sizeof m->path, "%s", path);
    m->owned = lens;
    m->body = lens;
    m->body_len = (size_t)ndocs * 4;
    return ZHS_OK;
}
