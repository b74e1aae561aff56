/*
** codec.c — bit packing, skip entries and file footers.
*/
#include "codec_simd.h"
#include "format.h"

#include <zlib.h>

unsigned zhs_bits_needed(uint32_t max)
{
    return max ? 32u - (unsigned)__builtin_clz(max) : 0u;
}

size_t zhs_pack(uint8_t *out, const uint32_t *v, size_t n, unsigned bits)
{
    size_t bytes = zhs_pack_bytes(n, bits);
    if (bits == 0) return 0;
    memset(out, 0, bytes);
    uint64_t acc = 0;
    unsigned fill = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << fill;
        fill += bits;
        while (fill >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            fill -= 8;
        }
    }
    if (fill) out[o++] = (uint8_t)acc;
    return bytes;
}

void zhs_unpack(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    if (bits == 0) {
        memset(v, 0, n * sizeof *v);
        return;
    }
    const uint64_t mask = bits == 32 ? 0xFFFFFFFFu : ((uint64_t)1 << bits) - 1;
    size_t bytes = zhs_pack_bytes(n, bits);
    size_t bitpos = 0;
    for (size_t i = 0; i < n; i++, bitpos += bits) {
        size_t byte = bitpos >> 3;
        unsigned shift = (unsigned)(bitpos & 7);
        /* Load up to 8 bytes without reading past the packed area. */
        uint64_t w = 0;
        size_t avail = bytes - byte;
        if (ZHS_LIKELY(avail >= 8)) memcpy(&w, in + byte, 8);
        else memcpy(&w, in + byte, avail);
        v[i] = (uint32_t)((w >> shift) & mask);
    }
}

/* One loop per width: with the width a constant, the compiler turns the
** position arithmetic into shifts and unrolls. */
#define UNPACK_WIDTH(B)                                                       \
    case B: {                                                                 \
        const uint64_t mask = (B) == 32 ? 0xFFFFFFFFu : ((uint64_t)1 << (B)) - 1; \
        for (size_t i = 0; i < n; i++) {                                      \
            size_t bp = i * (B);                                              \
            uint64_t w;                                                       \
            memcpy(&w, in + (bp >> 3), 8);                                    \
            v[i] = (uint32_t)((w >> (bp & 7)) & mask);                        \
        }                                                                     \
        return;                                                               \
    }

void zhs_unpack_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    switch (bits) {
    case 0: memset(v, 0, n * sizeof *v); return;
    UNPACK_WIDTH(1) UNPACK_WIDTH(2) UNPACK_WIDTH(3) UNPACK_WIDTH(4) UNPACK_WIDTH(5)
    UNPACK_WIDTH(6) UNPACK_WIDTH(7) UNPACK_WIDTH(8) UNPACK_WIDTH(9) UNPACK_WIDTH(10)
    UNPACK_WIDTH(11) UNPACK_WIDTH(12) UNPACK_WIDTH(13) UNPACK_WIDTH(14) UNPACK_WIDTH(15)
    UNPACK_WIDTH(16) UNPACK_WIDTH(17) UNPACK_WIDTH(18) UNPACK_WIDTH(19) UNPACK_WIDTH(20)
    UNPACK_WIDTH(21) UNPACK_WIDTH(22) UNPACK_WIDTH(23) UNPACK_WIDTH(24) UNPACK_WIDTH(25)
    UNPACK_WIDTH(26) UNPACK_WIDTH(27) UNPACK_WIDTH(28) UNPACK_WIDTH(29) UNPACK_WIDTH(30)
    UNPACK_WIDTH(31) UNPACK_WIDTH(32)
    default: zhs_unpack(v, in, n, bits);
    }
}

void zhs_unpack_tfs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    zhs_unpack_padded_scalar(v, in, n, bits);
    for (size_t i = 0; i < n; i++) v[i] += 1;
}

uint64_t zhs_unpack_docs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, int64_t prev)
{
    zhs_unpack_padded_scalar(v, in, n, bits);
    uint64_t d = (uint64_t)prev;
    for (size_t i = 0; i < n; i++) {
        d += (uint64_t)v[i] + 1;
        v[i] = (uint32_t)d;
    }
    return d;
}

/* Dispatch (codec_avx2.c decides once which kernels this process uses). */
void zhs_unpack_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    if (bits <= ZHS_AVX2_MAX_BITS && zhs_simd_avx2()) zhs_unpack_padded_avx2(v, in, n, bits);
    else zhs_unpack_padded_scalar(v, in, n, bits);
}

void zhs_unpack_tfs_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    if (bits <= ZHS_AVX2_MAX_BITS && zhs_simd_avx2()) zhs_unpack_tfs_padded_avx2(v, in, n, bits);
    else zhs_unpack_tfs_padded_scalar(v, in, n, bits);
}

uint64_t zhs_unpack_docs_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, int64_t prev)
{
    /* The vector sum wraps at 32 bits: only where no sum of n values of
    ** `bits` bits can pass 2^32 - 1, so that damage is still seen. */
    if (n && bits <= ZHS_AVX2_MAX_BITS && prev + ((int64_t)n << bits) <= (int64_t)UINT32_MAX && zhs_simd_avx2()) {
        zhs_unpack_docs_padded_avx2(v, in, n, bits, (uint32_t)prev);
        return v[n - 1];
    }
    return zhs_unpack_docs_padded_scalar(v, in, n, bits, prev);
}

const uint8_t *zhs_block_end(const uint8_t *p, const uint8_t *end, size_t n)
{
    if (end - p < 2) return NULL;
    unsigned db = p[0], tb = p[1];
    if (db > 32 || tb > 32) return NULL;
    size_t need = 2 + zhs_pack_bytes(n, db) + zhs_pack_bytes(n, tb);
    if ((size_t)(end - p) < need) return NULL;
    return p + need;
}

void zhs_skip_encode(uint8_t *out, const zhs_skip *s)
{
    zhs_set_u32(out, s->last_doc);
    zhs_set_u32(out + 4, s->post_off);
    zhs_set_u32(out + 8, (uint32_t)s->pos_off);
    zhs_set_u32(out + 12, (uint32_t)(s->pos_off >> 32));
    uint32_t f;
    memcpy(&f, &s->ub, 4);
    zhs_set_u32(out + 16, f);
    zhs_set_u32(out + 20, (uint32_t)s->max_tf | (uint32_t)s->min_len_q << 16);
}

void zhs_skip_decode(zhs_skip *s, const uint8_t *in)
{
    s->last_doc = zhs_get_u32(in);
    s->post_off = zhs_get_u32(in + 4);
    s->pos_off = zhs_get_u64(in + 8);
    uint32_t f = zhs_get_u32(in + 16);
    memcpy(&s->ub, &f, 4);
    uint32_t x = zhs_get_u32(in + 20);
    s->max_tf = (uint16_t)x;
    s->min_len_q = (uint16_t)(x >> 16);
}

uint16_t zhs_len_q(uint32_t len)
{
    if (len < 4096) return (uint16_t)len;
    /* 4096 + 16 * k: coarse for long passages, whose exact length matters
    ** little to a bound. */
    uint32_t q = 4096 + (len - 4096) / 16;
    return (uint16_t)(q > 0xFFFF ? 0xFFFF : q);
}

uint32_t zhs_len_unq(uint16_t q)
{
    return q < 4096 ? q : 4096 + ((uint32_t)q - 4096) * 16;
}

bool zhs_footer_append(zhs_buf *b)
{
    uint64_t body = b->len;
    uLong crc = crc32(0L, Z_NULL, 0);
    /* crc32() takes uInt lengths: feed large bodies in pieces. */
    for (size_t off = 0; off < b->len;) {
        size_t n = b->len - off > (1u << 30) ? (1u << 30) : b->len - off;
        crc = crc32(crc, (const Bytef *)b->data + off, (uInt)n);
        off += n;
    }
    return zhs_buf_put_u64(b, body) && zhs_buf_put_u32(b, (uint32_t)crc) && zhs_buf_append(b, "ZEND", 4);
}

int zhs_file_check(const uint8_t **body, size_t *body_len, const uint8_t *data, size_t size,
                   const char *magic, bool verify_crc, const char *path, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (size < ZHS_MAGIC_LEN + ZHS_FOOTER_LEN)
        return zhs_fail(err, ZHS_ECORRUPT, "%s is truncated (%zu bytes): rebuild the index", path, size);
    if (memcmp(data, magic, ZHS_MAGIC_LEN) != 0)
        return zhs_fail(err, ZHS_ECORRUPT, "%s: bad magic at offset 0 (expected %.8s): the file is damaged or not part of a zhsearch index", path, magic);
    const uint8_t *f = data + size - ZHS_FOOTER_LEN;
    if (memcmp(f + 12, "ZEND", 4) != 0)
        return zhs_fail(err, ZHS_ECORRUPT, "%s: bad footer at offset %zu: the file is truncated or damaged; rebuild the index", path, size - ZHS_FOOTER_LEN);
    uint64_t len = zhs_get_u64(f);
    if (len != size - ZHS_FOOTER_LEN)
        return zhs_fail(err, ZHS_ECORRUPT, "%s: footer says %llu bytes but the file has %zu: truncated or damaged; rebuild the index",
                        path, (unsigned long long)len, size - ZHS_FOOTER_LEN);
    if (verify_crc) {
        uLong crc = crc32(0L, Z_NULL, 0);
        for (size_t off = 0; off < len;) {
            size_t n = len - off > (1u << 30) ? (1u << 30) : len - off;
            crc = crc32(crc, data + off, (uInt)n);
            off += n;
        }
        if ((uint32_t)crc != zhs_get_u32(f + 8))
            return zhs_fail(err, ZHS_ECORRUPT, "%s: checksum mismatch (crc32 %08x, footer at offset %zu says %08x): the file is damaged; rebuild the index",
                            path, (unsigned)crc, size - ZHS_FOOTER_LEN, zhs_get_u32(f + 8));
    }
    *body = data + ZHS_MAGIC_LEN;
    *body_len = size - ZHS_MAGIC_LEN - ZHS_FOOTER_LEN;
    return ZHS_OK;
}
