/*
** codec.c — bit packing, patched frame of reference, skip entries and
** file footers.
*/
#include "codec_simd.h"
#include "format.h"

#include <assert.h>
#include <stdlib.h>
#include <zlib.h>

/* The packers store, and the unpackers load, whole words of the file's
** little-endian bit stream: a big-endian host would need byte swaps. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "codec.c assumes a little-endian host");

/* The bits go out 32 at a time (a value of up to 32 bits joins fewer than
** 32 waiting, so the 64-bit accumulator never overflows), then the last
** partial word's bytes: the same little-endian bit stream as a byte at a
** time, in a quarter of the stores and loop turns, every byte written
** (a little-endian host, as zhs_unpack's word loads assume). */
size_t zhs_pack(uint8_t *out, const uint32_t *v, size_t n, unsigned bits)
{
    size_t bytes = zhs_pack_bytes(n, bits);
    if (bits == 0) return 0;
    uint64_t acc = 0;
    unsigned fill = 0;
    size_t o = 0;
    /* masked: a patched group packs only the low bits of its exceptions */
    const uint64_t mask = bits == 32 ? 0xFFFFFFFFu : ((uint64_t)1 << bits) - 1;
    for (size_t i = 0; i < n; i++) {
        acc |= ((uint64_t)v[i] & mask) << fill;
        fill += bits;
        if (fill >= 32) {
            uint32_t w = (uint32_t)acc;
            memcpy(out + o, &w, 4);
            o += 4;
            acc >>= 32;
            fill -= 32;
        }
    }
    for (; fill > 0; fill = fill > 8 ? fill - 8 : 0) {
        out[o++] = (uint8_t)acc;
        acc >>= 8;
    }
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

uint64_t zhs_prefix_docs_scalar(uint32_t *v, size_t n, int64_t prev)
{
    uint64_t d = (uint64_t)prev;
    for (size_t i = 0; i < n; i++) {
        d += (uint64_t)v[i] + 1;
        v[i] = (uint32_t)d;
    }
    return d;
}

uint64_t zhs_unpack_docs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, int64_t prev)
{
    zhs_unpack_padded_scalar(v, in, n, bits);
    return zhs_prefix_docs_scalar(v, n, prev);
}

/* Dispatch (codec_avx2.c decides once which kernels this process uses). */
void zhs_unpack_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    if (bits <= ZHS_AVX2_MAX_BITS && zhs_simd_avx2()) zhs_unpack_padded_avx2(v, in, n, bits);
    else zhs_unpack_padded_scalar(v, in, n, bits);
}

void zhs_unpack_bounded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, const uint8_t *limit)
{
    if (bits <= ZHS_AVX2_MAX_BITS && zhs_simd_avx2()) zhs_unpack_bounded_avx2(v, in, n, bits, (size_t)(limit - in));
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

/* ------------------------------------------------------------ PFOR */

static size_t put_varint(uint8_t *o, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        o[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o[k++] = (uint8_t)v;
    return k;
}

/* The values of v at least lim: a loop gcc vectorizes (a compare and a
** subtract per eight values). */
static inline uint32_t count_at_least(const uint32_t *v, size_t n, uint32_t lim)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++) c += v[i] >= lim;
    return c;
}

/* The width is chosen from how many values are wider than each
** candidate (above: the exceptions it would make), and the exceptions of
** the width chosen are returned in *nexc.  Format 5's varint exceptions
** (packed false): each exception's index counted as one byte (exact for
** groups of up to 128 values, where indexes differ by less than 128) and
** its high part as the varint it is.  Format 6's blocks (packed): an
** index byte each, the high parts packed at the widest one's width
** (maxb - b bits), and two bytes of count and width.
**
** The candidates go from maxb down, and the search stops at the first
** whose exceptions alone cost at least the best so far: every narrower
** width has at least those exceptions, each at least as wide, so its
** exceptions cost at least as much and none can beat the best (a width
** wins only by costing strictly less).  The same width as the full
** search, found without walking down to 0 in the many short groups
** (one or a few values, where the first narrower width already loses).
**
** Each candidate's count is a pass of its own over the values rather than
** a histogram of their widths: the histogram's increments were a chain
** through memory whenever neighbours had one width (most do), 30% of the
** width choice's samples in a laws build and its clearing another 10%,
** while a pass is a few vector instructions and the search ends after
** one to three candidates in most groups. */
static unsigned pfor_width(const uint32_t *v, size_t n, bool packed, uint32_t *nexc)
{
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++) any |= v[i];
    unsigned maxb = zhs_bits_needed(any);
    uint32_t wider[33];         /* wider[b]: the values of more than b bits, for b >= the candidate */
    wider[maxb] = 0;
    unsigned best = maxb;
    size_t best_cost = zhs_pack_bytes(n, maxb), best_above = 0;
    for (unsigned b = maxb; b-- > 0;) {
        size_t above = wider[b] = count_at_least(v, n, (uint32_t)1 << b);
        if (above > ZHS_PFOR_MAX_EXC) break;
        size_t exc;
        if (packed) {
            exc = 2 + above + zhs_pack_bytes(above, maxb - b);
        } else {
            exc = 1;
            for (unsigned k = b + 1; k <= maxb; k++) exc += (size_t)(wider[k - 1] - wider[k]) * (1 + (k - b + 6) / 7);
        }
        if (exc >= best_cost) break;
        size_t cost = zhs_pack_bytes(n, b) + exc;
        if (cost < best_cost) {
            best_cost = cost;
            best = b;
            best_above = above;
        }
    }
    *nexc = (uint32_t)best_above;
    return best;
}

/* Writes the head of the group v[0..n) at out; returns its bytes and
** the width in *bits. */
static size_t pfor_head(uint8_t *out, const uint32_t *v, size_t n, unsigned *bits)
{
    uint32_t nexc;
    unsigned b = pfor_width(v, n, false, &nexc);
    out[0] = (uint8_t)(b | (nexc ? ZHS_PFOR_EXC : 0));
    size_t k = 1;
    if (nexc) {
        k += put_varint(out + k, nexc);
        size_t next = 0;
        for (size_t i = 0; i < n; i++) {
            if (zhs_bits_needed(v[i]) <= b) continue;
            k += put_varint(out + k, i - next);
            k += put_varint(out + k, v[i] >> b);
            next = i + 1;
        }
    }
    *bits = b;
    return k;
}

size_t zhs_pfor_encode2(uint8_t *out, const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    unsigned wa, wb;
    size_t k = pfor_head(out, a, na, &wa);
    k += pfor_head(out + k, b, nb, &wb);
    k += zhs_pack(out + k, a, na, wa);
    return k + zhs_pack(out + k, b, nb, wb);
}

/* zhs_varint_get with up to three bytes inline: a high part of 2^7 to
** 2^21 - 1 (the first doc gap of a short list, one exception in two
** there) without a call. */
static inline bool exc_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (end - p >= 3) {
        uint64_t x = p[0] & 0x7F;
        if (p[0] < 0x80) {
            *v = x;
            *pp = p + 1;
            return true;
        }
        x |= (uint64_t)(p[1] & 0x7F) << 7;
        if (p[1] < 0x80) {
            *v = x;
            *pp = p + 2;
            return true;
        }
        if (p[2] < 0x80) {
            *v = x | (uint64_t)p[2] << 14;
            *pp = p + 3;
            return true;
        }
    }
    return zhs_varint_get(pp, end, v);
}

/* An exception's two varints where one is longer than a byte, out of the
** loop (which then keeps its registers): the end, NULL on damage. */
__attribute__((noinline)) static const uint8_t *exc_pair(const uint8_t *q, const uint8_t *end, uint64_t *pair)
{
    return exc_varint(&q, end, &pair[0]) && exc_varint(&q, end, &pair[1]) ? q : NULL;
}

_Static_assert(ZHS_BLOCK <= 256, "a patch's index is a byte");

/* Parses a group's head at p; returns its end, NULL on damage.  With pt
** (n <= ZHS_BLOCK), each exception is also laid out in it as it is
** checked; inlined into each caller, where pt is NULL or not for good. */
__attribute__((always_inline)) static inline const uint8_t *pfor_parse_head(zhs_pfor_group *g, zhs_pfor_patch *pt,
                                                                          const uint8_t *p, const uint8_t *end, size_t n)
{
    if (p >= end) return NULL;
    unsigned bits = p[0] & ~ZHS_PFOR_EXC & 0xFFu;
    bool has = (p[0] & ZHS_PFOR_EXC) != 0;
    if (bits > 32 || (has && bits == 32)) return NULL;
    p++;
    g->bits = (uint8_t)bits;
    g->nexc = 0;
    g->high_sum = 0;
    g->exc = p;
    if (!has) return p;
    uint64_t ne;
    if (!zhs_varint_next(&p, end, &ne) || ne == 0 || ne > ZHS_PFOR_MAX_EXC || ne > n) return NULL;
    g->exc = p;
    size_t next = 0;
    uint64_t sum = 0, hi_max = 0xFFFFFFFFu >> bits;
    const uint8_t *q = p;
    /* One loop, without a branch per exception where both varints of
    ** each are one byte (three groups in four of the laws' doc gaps, all
    ** of their tfs): the checks are gathered into `bad` and made once.
    ** Indexes grow, so the last one below n bounds them all; hi - 1
    ** wraps for a zero high part.  A longer varint's step is checked at
    ** once, so that the sum of steps cannot wrap. */
    bool bad = false;
    for (uint64_t k = 0; k < ne; k++) {
        uint64_t d, hi;
        if (ZHS_LIKELY(end - q >= 2 && (q[0] | q[1]) < 0x80)) {
            d = q[0];
            hi = q[1];
            q += 2;
        } else {
            uint64_t pair[2];
            if (!(q = exc_pair(q, end, pair)) || pair[0] >= n) return NULL;
            d = pair[0];
            hi = pair[1];
        }
        bad |= hi - 1 >= hi_max;
        next += (size_t)d;
        if (pt) {
            pt->idx[k] = (uint8_t)next;      /* a damaged one's does not matter */
            pt->add[k] = (uint32_t)(hi << bits);
        }
        next++;
        sum += hi;
    }
    if (bad || next > n) return NULL;
    g->nexc = (uint32_t)ne;
    g->high_sum = sum;
    return q;
}

const uint8_t *zhs_pfor_parse_pair(zhs_pfor_group *ga, zhs_pfor_patch *pa, size_t na, zhs_pfor_group *gb,
                                   zhs_pfor_patch *pb, size_t nb, const uint8_t *p, const uint8_t *end)
{
    /* the head parse inlined twice over, where the patches are known to
    ** be there (blocks) and known not to be (position groups) */
    if (pa && pb) {
        if (na > ZHS_BLOCK || nb > ZHS_BLOCK) return NULL;
        if (!(p = pfor_parse_head(ga, pa, p, end, na)) || !(p = pfor_parse_head(gb, pb, p, end, nb))) return NULL;
    } else {
        if (!(p = pfor_parse_head(ga, NULL, p, end, na)) || !(p = pfor_parse_head(gb, NULL, p, end, nb))) return NULL;
    }
    if (!(p = zhs_pfor_place(ga, p, end, na))) return NULL;
    return zhs_pfor_place(gb, p, end, nb);
}

/* ------------------------------------------------------------ format-6 blocks */

static size_t block_head(uint8_t *out, const uint32_t *v, size_t n, unsigned *bits)
{
    uint32_t nexc, high[ZHS_PFOR_MAX_EXC], top = 0;
    unsigned b = pfor_width(v, n, true, &nexc);
    out[0] = (uint8_t)(b | (nexc ? ZHS_PFOR_EXC : 0));
    *bits = b;
    if (!nexc) return 1;
    size_t k = 3, e = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] >> b) {
            out[k++] = (uint8_t)i;
            high[e++] = v[i] >> b;
            top |= v[i] >> b;
        }
    unsigned hb = zhs_bits_needed(top);
    out[1] = (uint8_t)nexc;
    out[2] = (uint8_t)hb;
    return k + zhs_pack(out + k, high, nexc, hb);
}

size_t zhs_block_encode(uint8_t *out, const uint32_t *gaps, const uint32_t *tfm1, size_t n)
{
    assert(n <= ZHS_BLOCK);
    unsigned wa, wb;
    size_t k = block_head(out, gaps, n, &wa);
    k += block_head(out + k, tfm1, n, &wb);
    k += zhs_pack(out + k, gaps, n, wa);
    return k + zhs_pack(out + k, tfm1, n, wb);
}

/* ------------------------------------------------------------ format-9 blocks */

/* The n values v in unary at out (format.h, zhs_block_encode_v9); returns
** the area's bytes. */
static size_t unary_pack(uint8_t *out, const uint32_t *v, size_t n, size_t bytes)
{
    memset(out, 0, bytes);
    uint64_t bit = 0;
    for (size_t i = 0; i < n; i++) {
        bit += v[i];
        out[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        bit++;
    }
    return bytes;
}

size_t zhs_block_encode_v9(uint8_t *out, const uint32_t *gaps, const uint32_t *tfm1, size_t n)
{
    assert(n <= ZHS_BLOCK);
    unsigned wa, wb;
    size_t k = block_head(out, gaps, n, &wa);
    uint64_t sum = 0;
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++) {
        sum += tfm1[i];
        any |= tfm1[i];
    }
    if (any == 0 && wa + ZHS_BLOCK_TF_ONES <= ZHS_BLOCK_WIDTH_MASK) {
        out[0] = (uint8_t)(out[0] + ZHS_BLOCK_TF_ONES + ZHS_BLOCK_TF_SPECIAL);
        return k + zhs_pack(out + k, gaps, n, wa);
    }
    /* the PFOR group's bytes (head and exceptions aside, as they go
    ** before the doc gaps) against the unary area's */
    uint8_t head[3 + ZHS_PFOR_MAX_EXC + ZHS_PFOR_MAX_EXC * 4 + 8];
    size_t th = block_head(head, tfm1, n, &wb);
    size_t ubytes = (size_t)((n + sum + 7) / 8);
    if (n > 0 && ubytes < th + zhs_pack_bytes(n, wb)) {
        out[0] = (uint8_t)(out[0] | ZHS_BLOCK_TF_SPECIAL);
        k += zhs_pack(out + k, gaps, n, wa);
        return k + unary_pack(out + k, tfm1, n, ubytes);
    }
    memcpy(out + k, head, th);
    k += th;
    k += zhs_pack(out + k, gaps, n, wa);
    return k + zhs_pack(out + k, tfm1, n, wb);
}

const uint8_t *zhs_unary_place(zhs_pfor_group *g, const uint8_t *p, const uint8_t *end, size_t n)
{
    return zhs_unary_place_inline(g, p, end, end, n);
}

const uint8_t *zhs_block_special_parse_scalar(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg, size_t n,
                                              const uint8_t *p, const uint8_t *end, const uint8_t *limit)
{
    return zhs_block_special_parse(dg, dp, tg, n, p, end, limit, zhs_exc_layout_scalar);
}

bool zhs_unary_tfs_checked_scalar(uint32_t *v, zhs_pfor_group *g, size_t n, const uint8_t *end, const uint8_t *limit)
{
    const uint8_t *p = g->packed;
    if (!(zhs_simd_avx2() ? zhs_unary_place_avx2(g, p, end, limit, n) : zhs_unary_place_inline(g, p, end, limit, n)))
        return false;
    zhs_unary_tfs_scalar(v, g, n);
    return true;
}

void zhs_unary_tfs_scalar(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    /* tf - 1 zeros then a one: each tf is the distance from the previous
    ** one bit (before the first: bit -1) */
    const uint8_t *p = g->packed;
    size_t bytes = g->packed_bytes, k = 0;
    uint32_t prev = UINT32_MAX;
    for (size_t at = 0; at < bytes && k < n; at += 8) {
        uint64_t w = 0;
        memcpy(&w, p + at, bytes - at < 8 ? bytes - at : 8);
        for (; w && k < n; w &= w - 1) {
            uint32_t pos = (uint32_t)(at * 8) + (uint32_t)__builtin_ctzll(w);
            v[k++] = pos - prev;
            prev = pos;
        }
    }
}

const uint8_t *zhs_block_parse_packed(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg, zhs_pfor_patch *tp,
                                      size_t n, const uint8_t *p, const uint8_t *end, const uint8_t *limit)
{
    if (zhs_simd_avx2()) return zhs_block_parse_packed_avx2(dg, dp, tg, tp, n, p, end, limit);
    return zhs_block_pair_parse(dg, dp, tg, tp, n, p, end, limit, zhs_exc_layout_scalar);
}

bool zhs_exc_layout_scalar(zhs_pfor_patch *pt, const uint8_t *idx, unsigned ne, unsigned hbits, unsigned bits,
                           size_t n, size_t readable)
{
    unsigned prev = idx[0], bad = 0;
    pt->idx[0] = idx[0];
    for (unsigned k = 1; k < ne; k++) {
        unsigned x = idx[k];
        bad |= x <= prev;
        prev = x;
        pt->idx[k] = (uint8_t)x;
    }
    if (bad || prev >= n) return false;
    const uint8_t *hi = idx + ne;
    readable -= ne;
    if (readable < zhs_pack_bytes(ne, hbits) + 8) zhs_unpack(pt->add, hi, ne, hbits);
    else zhs_unpack_padded_scalar(pt->add, hi, ne, hbits);
    for (unsigned k = 0; k < ne; k++) pt->add[k] <<= bits;
    return true;
}

/* Adds each exception's high part to the low bits unpacked in v (the
** same as or-ing it into a bare value, and right for a value unpacked
** plus one). */
static void pfor_patch(uint32_t *v, const zhs_pfor_group *g)
{
    zhs_exc_iter e;
    for (zhs_exc_start(&e, g); e.idx != UINT32_MAX; zhs_exc_next(&e)) v[e.idx] += e.add;
}

/* The same from a patch. */
static void patch_apply(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt)
{
    for (uint32_t k = 0; k < g->nexc; k++) v[pt->idx[k]] += pt->add[k];
}

void zhs_pfor_unpack_scalar(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    zhs_unpack_padded_scalar(v, g->packed, n, g->bits);
    pfor_patch(v, g);
}

uint64_t zhs_pfor_unpack_docs_scalar(uint32_t *v, const zhs_pfor_group *g, size_t n, int64_t prev)
{
    zhs_unpack_padded_scalar(v, g->packed, n, g->bits);
    pfor_patch(v, g);
    return zhs_prefix_docs_scalar(v, n, prev);
}

void zhs_pfor_block_tfs_scalar(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n)
{
    zhs_unpack_tfs_padded_scalar(v, g->packed, n, g->bits);
    patch_apply(v, g, pt);
}

uint64_t zhs_pfor_block_docs_scalar(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                    int64_t prev)
{
    zhs_unpack_padded_scalar(v, g->packed, n, g->bits);
    patch_apply(v, g, pt);
    return zhs_prefix_docs_scalar(v, n, prev);
}

void zhs_pfor_unpack(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    if (g->nexc == 0) zhs_unpack_padded(v, g->packed, n, g->bits);
    else zhs_pfor_unpack_scalar(v, g, n);
}

uint64_t zhs_gap_offsets_scalar(uint64_t *before, const uint32_t *tfs, size_t n)
{
    /* without a branch per doc (phrase counts locate a block's positions
    ** to read a few) */
    uint32_t zero = 0;
    for (size_t i = 0; i < n; i++) zero |= tfs[i] == 0;
    if (zero) return UINT64_MAX;
    /* two docs a step, so that the running sum's chain is half as long */
    uint64_t total = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        uint64_t a = tfs[i] - 1, b = tfs[i + 1] - 1;
        before[i] = total;
        before[i + 1] = total + a;
        total += a + b;
    }
    if (i < n) {
        before[i] = total;
        total += tfs[i] - 1;
    }
    return total;
}

void zhs_pfor_exceptions(const zhs_pfor_group *g, uint32_t *idx, uint32_t *high)
{
    zhs_exc_iter e;
    uint32_t k = 0;
    for (zhs_exc_start(&e, g); e.idx != UINT32_MAX; zhs_exc_next(&e), k++) {
        idx[k] = e.idx;
        high[k] = e.add >> g->bits;
    }
}

const uint8_t *zhs_block_end(const uint8_t *p, const uint8_t *end, size_t n)
{
    zhs_pfor_group a, b;
    return zhs_pfor_parse2(&a, n, &b, n, p, end);
}

/* Floats of one sign order as their bit patterns. */
uint16_t zhs_ub_round_up(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if (f <= 0 || x >= 0x7F7F0000u) return f <= 0 ? 0 : 0x7F80;    /* 0, or infinity */
    return (uint16_t)((x >> 16) + ((x & 0xFFFF) != 0));
}

void zhs_skip_encode(uint8_t *out, const zhs_skip *s, unsigned size)
{
    zhs_set_u32(out, s->last_doc);
    zhs_set_u32(out + 4, s->post_off);
    if (size == ZHS_SKIP_BYTES_V1) {
        zhs_set_u32(out + 8, (uint32_t)s->pos_off);
        zhs_set_u32(out + 12, (uint32_t)(s->pos_off >> 32));
        uint32_t f;
        memcpy(&f, &s->ub, 4);
        zhs_set_u32(out + 16, f);
        zhs_set_u32(out + 20, (uint32_t)s->max_tf | (uint32_t)s->min_len_q << 16);
        return;
    }
    zhs_set_u32(out + 8, (uint32_t)s->max_tf | (uint32_t)s->min_len_q << 16);
    uint16_t u = zhs_ub_round_up(s->ub);
    out[12] = (uint8_t)u;
    out[13] = (uint8_t)(u >> 8);
    if (size == ZHS_SKIP_BYTES) zhs_set_u32(out + 14, (uint32_t)s->pos_off);
}

void zhs_skip_decode(zhs_skip *s, const uint8_t *in, unsigned size)
{
    s->last_doc = zhs_get_u32(in);
    s->post_off = zhs_get_u32(in + 4);
    uint32_t f, x;
    if (size == ZHS_SKIP_BYTES_V1) {
        s->pos_off = zhs_get_u64(in + 8);
        f = zhs_get_u32(in + 16);
        x = zhs_get_u32(in + 20);
    } else {
        x = zhs_get_u32(in + 8);
        f = (uint32_t)(in[12] | in[13] << 8) << 16;
        s->pos_off = size == ZHS_SKIP_BYTES ? zhs_get_u32(in + 14) : 0;
    }
    memcpy(&s->ub, &f, 4);
    s->max_tf = (uint16_t)x;
    s->min_len_q = (uint16_t)(x >> 16);
}

/* ---------------------------------------------------------- skip tables */

static const unsigned skip_width_max[ZHS_SKIP_NFIELDS] = {ZHS_SKIP_LAST_MAX, ZHS_SKIP_WIDE_MAX, 16, 16, 16,
                                                          ZHS_SKIP_WIDE_MAX};

/* The raw values of field f of the n entries, and its base and slope
** (format.h, zhs_skip_table): raw[b] = value - base - b * slope >= 0. */
static void skip_column(const zhs_skip *e, uint32_t n, unsigned f, uint64_t blocks_len, uint64_t pos_len,
                        int64_t *raw, int64_t *base, int64_t *slope)
{
    int64_t v0 = 0, sl = 0, lo = INT64_MAX;
    for (uint32_t b = 0; b < n; b++) {
        int64_t v;
        switch (f) {
        case ZHS_SK_LAST: v = e[b].last_doc; break;
        case ZHS_SK_POST: v = e[b].post_off; break;
        case ZHS_SK_MAXTF: v = e[b].max_tf; break;
        case ZHS_SK_MINLEN: v = e[b].min_len_q; break;
        case ZHS_SK_UB: v = zhs_ub_round_up(e[b].ub); break;
        default: v = (int64_t)e[b].pos_off; break;
        }
        if (b == 0) v0 = v;
        raw[b] = v;
    }
    if (f == ZHS_SK_LAST && raw[n - 1] > v0) sl = (raw[n - 1] - v0) / (int64_t)(n - 1);
    else if (f == ZHS_SK_POST) sl = (int64_t)(blocks_len / n);
    else if (f == ZHS_SK_POS) sl = (int64_t)(pos_len / n);
    for (uint32_t b = 0; b < n; b++) {
        raw[b] -= (int64_t)b * sl;
        if (raw[b] < lo) lo = raw[b];
    }
    /* offsets start at 0: their base is never above 0 (written as
    ** -base, a plain varint) */
    if ((f == ZHS_SK_POST || f == ZHS_SK_POS) && lo > 0) lo = 0;
    for (uint32_t b = 0; b < n; b++) raw[b] -= lo;
    *base = lo;
    *slope = sl;
}

bool zhs_skip_table_encode(zhs_buf *out, const zhs_skip *e, uint32_t n, bool pos, uint64_t blocks_len,
                           uint64_t pos_len)
{
    unsigned nf = pos ? ZHS_SKIP_NFIELDS : ZHS_SKIP_NFIELDS - 1;
    if (n < 2 || blocks_len > UINT32_MAX || pos_len > UINT32_MAX) return false;
    int64_t *raw = malloc((size_t)n * nf * sizeof *raw);
    if (!raw) {
        out->oom = true;
        return false;
    }
    int64_t base[ZHS_SKIP_NFIELDS], slope[ZHS_SKIP_NFIELDS];
    unsigned width[ZHS_SKIP_NFIELDS];
    uint8_t head[ZHS_SKIP_HEAD_POS];
    bool ok = true;
    for (unsigned f = 0; f < nf; f++) {
        int64_t *r = raw + (size_t)f * n, hi = 0;
        skip_column(e, n, f, blocks_len, pos_len, r, &base[f], &slope[f]);
        for (uint32_t b = 0; b < n; b++)
            if (r[b] > hi) hi = r[b];
        width[f] = hi ? 64u - (unsigned)__builtin_clzll((uint64_t)hi) : 0u;
        /* last docs at whole bytes (format.h, ZHS_SKIP_LAST_MAX) */
        if (f == ZHS_SK_LAST) width[f] = (width[f] + 7) & ~7u;
        if (width[f] > skip_width_max[f]) ok = false;
        head[f] = (uint8_t)width[f];
    }
    /* the header's fixed fields (format.h): every value fits its bytes
    ** (|last base| <= 2^32, slope and downs below 2^32: the offsets and
    ** doc ids are u32, the lists shorter than 4 GiB; bounds u16) */
    uint8_t *h = head + nf;
    uint64_t zz = base[ZHS_SK_LAST] < 0 ? ((uint64_t)-base[ZHS_SK_LAST] << 1) - 1 : (uint64_t)base[ZHS_SK_LAST] << 1;
    for (unsigned i = 0; i < 5; i++) h[i] = (uint8_t)(zz >> (8 * i));
    zhs_set_u32(h + 5, (uint32_t)slope[ZHS_SK_LAST]);
    zhs_set_u32(h + 9, (uint32_t)-base[ZHS_SK_POST]);
    for (unsigned f = ZHS_SK_MAXTF; f <= ZHS_SK_UB; f++) {
        h[13 + 2 * (f - ZHS_SK_MAXTF)] = (uint8_t)base[f];
        h[14 + 2 * (f - ZHS_SK_MAXTF)] = (uint8_t)(base[f] >> 8);
    }
    if (pos) zhs_set_u32(h + 19, (uint32_t)-base[ZHS_SK_POS]);
    zhs_buf_append(out, head, pos ? ZHS_SKIP_HEAD_POS : ZHS_SKIP_HEAD_NOPOS);
    /* the columns, one little-endian bit stream (fewer than 8 bits wait
    ** in acc, and a value has at most 40: no bit falls off) */
    uint64_t acc = 0;
    unsigned have = 0;
    /* columns last_doc, post_off, the bounds' rows, pos_off: the k-th
    ** value written is field f of entry b */
    uint64_t nvals = (uint64_t)nf * n;
    for (uint64_t k = 0; ok && k < nvals; k++) {
        uint64_t rows = k - 2 * (uint64_t)n;    /* inside the rows: entry, field */
        unsigned f = k < n ? ZHS_SK_LAST : k < 2 * (uint64_t)n ? ZHS_SK_POST
                   : rows < 3 * (uint64_t)n ? ZHS_SK_MAXTF + (unsigned)(rows % 3) : ZHS_SK_POS;
        uint32_t b = f == ZHS_SK_LAST ? (uint32_t)k : f == ZHS_SK_POST ? (uint32_t)(k - n)
                   : f == ZHS_SK_POS ? (uint32_t)(k - 5 * (uint64_t)n) : (uint32_t)(rows / 3);
        uint64_t v = (uint64_t)raw[(size_t)f * n + b];
        acc |= v << have;
        have += width[f];
        while (have >= 8) {
            uint8_t c = (uint8_t)acc;
            zhs_buf_append(out, &c, 1);
            acc >>= 8;
            have -= 8;
        }
    }
    if (have > 0) {
        uint8_t c = (uint8_t)acc;
        zhs_buf_append(out, &c, 1);
    }
    free(raw);
    return ok && !out->oom;
}

/* The widths' limits, one byte a field in the order of the header's
** width bytes, as 0x7F - limit: a width byte below 0x80 plus its byte
** stays below 0x100 (no carry into the next) and sets bit 7 exactly when
** the width is above its limit (format.h, ZHS_SKIP_WIDE_MAX). */
#define SKIP_WIDTH_OVER                                                                                        \
    ((uint64_t)(0x7F - ZHS_SKIP_LAST_MAX) | (uint64_t)(0x7F - ZHS_SKIP_WIDE_MAX) << 8 | (uint64_t)(0x7F - 16) << 16 | \
     (uint64_t)(0x7F - 16) << 24 | (uint64_t)(0x7F - 16) << 32 | (uint64_t)(0x7F - ZHS_SKIP_WIDE_MAX) << 40)
#define SKIP_HIGH_BITS 0x8080808080808080ull

static inline uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

bool zhs_skip_table_parse_head(zhs_skip_table *t, const uint8_t *p, uint32_t n, uint64_t list_len, uint64_t pos_len)
{
    /* the header's size and its widths' bytes (6, 5 without positions) */
    uint64_t head = pos_len ? ZHS_SKIP_HEAD_POS : ZHS_SKIP_HEAD_NOPOS;
    uint64_t keep = pos_len ? 0xFFFFFFFFFFFFull : 0xFFFFFFFFFFull;
    if (n < 2 || list_len <= head) return false;
    /* every width checked at once (the header is at least 8 bytes) */
    uint64_t w = zhs_get_u64(p) & keep;
    if ((w | (w + (SKIP_WIDTH_OVER & keep))) & SKIP_HIGH_BITS || (w & 7)) return false;
    /* the widths' sum (at most 40 + 2 * 33 + 3 * 16 < 256: no byte of the
    ** product carries into the next), the columns' bits */
    uint64_t bits = ((w * 0x0101010101010101ull) >> 56) * n, len = head + (bits + 7) / 8;
    /* at least a byte a block after the table */
    if (len >= list_len || list_len - len < n) return false;
    const uint8_t *h = p + (pos_len ? ZHS_SKIP_NFIELDS : ZHS_SKIP_NFIELDS - 1);
    /* the fixed fields bound every sum base + b * slope + raw inside 64
    ** bits (|base| < 2^39, slope < 2^32, b < 2^25: df < 2^32, raw < 2^40): nothing
    ** else to check here */
    uint64_t zz = zhs_get_u64(h) & 0xFFFFFFFFFFull, wl = w & 0xFF, wp = (w >> 8) & 0xFF;
    t->f[ZHS_SK_LAST] = (zhs_skip_field){.at = 0,
                                         .mask = ((uint64_t)1 << wl) - 1,
                                         .base = (zz & 1) ? -(int64_t)(zz >> 1) - 1 : (int64_t)(zz >> 1),
                                         .slope = zhs_get_u32(h + 5),
                                         .stride = (uint32_t)wl};
    t->f[ZHS_SK_POST] = (zhs_skip_field){.at = wl * n,
                                         .mask = ((uint64_t)1 << wp) - 1,
                                         .base = -(int64_t)zhs_get_u32(h + 9),
                                         .slope = (int64_t)((list_len - len) / n),
                                         .stride = (uint32_t)wp};
    t->p = p + head;
    t->last_bytes = (uint32_t)(wl / 8);
    t->len = (size_t)len;
    t->ub_shift = 16;
    t->rest = p;
    t->n = n;
    t->pos_len = pos_len;
    return true;
}

void zhs_skip_table_parse_rest(zhs_skip_table *t)
{
    const uint8_t *p = t->rest;
    uint32_t n = t->n;
    bool pos = t->pos_len != 0;
    const uint8_t *h = p + (pos ? ZHS_SKIP_NFIELDS : ZHS_SKIP_NFIELDS - 1);
    uint64_t at = t->f[ZHS_SK_POST].at + (uint64_t)t->f[ZHS_SK_POST].stride * n;
    /* the bounds' rows: max_tf, min_len_q, ub side by side */
    unsigned wt = p[ZHS_SK_MAXTF], wn = p[ZHS_SK_MINLEN], wu = p[ZHS_SK_UB];
    t->row_at = at;
    t->row_stride = wt + wn + wu;
    t->max_tf = (zhs_skip_bound){.base = get_u16(h + 13), .mask = ((uint32_t)1 << wt) - 1, .shift = 0};
    t->min_len = (zhs_skip_bound){.base = get_u16(h + 15), .mask = ((uint32_t)1 << wn) - 1, .shift = wt};
    t->ub = (zhs_skip_bound){.base = get_u16(h + 17), .mask = ((uint32_t)1 << wu) - 1, .shift = wt + wn};
    at += (uint64_t)t->row_stride * n;
    if (pos) {
        unsigned w = p[ZHS_SK_POS];
        t->f[ZHS_SK_POS] = (zhs_skip_field){
            .at = at,
            .mask = ((uint64_t)1 << w) - 1,
            .base = -(int64_t)zhs_get_u32(h + 19),
            .slope = (int64_t)((t->pos_len > UINT32_MAX ? UINT32_MAX : t->pos_len) / n),
            .stride = w};
    } else {
        t->f[ZHS_SK_POS] = (zhs_skip_field){0};
    }
    t->rest = NULL;
}

bool zhs_skip_table_parse(zhs_skip_table *t, const uint8_t *p, uint32_t n, uint64_t list_len, uint64_t pos_len)
{
    if (!zhs_skip_table_parse_head(t, p, n, list_len, pos_len)) return false;
    zhs_skip_table_parse_rest(t);
    return true;
}

void zhs_skip_table_fixed(zhs_skip_table *t, const uint8_t *p, uint32_t n, unsigned size)
{
    (void)n;
    memset(t, 0, sizeof *t);
    t->p = p;
    t->last_bytes = size;
    t->len = (size_t)n * size;
    /* field, bit offset in the entry, width (format.h, zhs_skip_encode):
    ** last_doc, post_off, pos_off */
    static const uint8_t v1[3][2] = {{0, 32}, {32, 32}, {64, 64}};
    static const uint8_t v3[3][2] = {{0, 32}, {32, 32}, {112, 32}};
    static const unsigned fs[3] = {ZHS_SK_LAST, ZHS_SK_POST, ZHS_SK_POS};
    bool old = size == ZHS_SKIP_BYTES_V1;
    const uint8_t(*at)[2] = old ? v1 : v3;
    unsigned nf = size == ZHS_SKIP_BYTES_NOPOS ? 2 : 3;
    for (unsigned i = 0; i < nf; i++) {
        zhs_skip_field *x = &t->f[fs[i]];
        x->at = at[i][0];
        x->mask = at[i][1] == 64 ? UINT64_MAX : ((uint64_t)1 << at[i][1]) - 1;
        x->stride = size * 8;
    }
    /* the bounds' row: format 1's ub (f32), max_tf, min_len_q from byte
    ** 16; later formats' max_tf, min_len_q, ub's upper 16 bits from byte
    ** 8 (the 8 bytes loaded may reach past a 14-byte entry: the next
    ** entry, the blocks) */
    t->row_at = old ? 128 : 64;
    t->row_stride = size * 8;
    t->max_tf = (zhs_skip_bound){.mask = 0xFFFF, .shift = old ? 32 : 0};
    t->min_len = (zhs_skip_bound){.mask = 0xFFFF, .shift = old ? 48 : 16};
    t->ub = (zhs_skip_bound){.mask = old ? UINT32_MAX : 0xFFFF, .shift = old ? 0 : 32};
    t->ub_shift = size == ZHS_SKIP_BYTES_V1 ? 0 : 16;
    t->rest = NULL;
}

void zhs_skip_get(const zhs_skip_table *t, uint32_t b, zhs_skip *s)
{
    int64_t v;
    s->last_doc = zhs_skip_last(t, b);
    v = zhs_skip_value(t, ZHS_SK_POST, b);
    s->post_off = v < 0 || v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    /* a format-1 offset above 2^63 reads as negative: damage either way */
    v = zhs_skip_value(t, ZHS_SK_POS, b);
    s->pos_off = v < 0 ? UINT64_MAX : (uint64_t)v;
    zhs_skip_get_bounds(t, b, s);
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
