/*
** codec_simd.h — the vector kernels behind zhs_unpack_padded,
** zhs_unpack_bounded and zhs_unpack_docs_padded (format.h) and
** zhs_gap_offsets (below), and the choice between them and the scalar
** loops.  Internal to common/: codec.c dispatches, the tests call
** both sides to compare them.
*/
#ifndef ZHS_CODEC_SIMD_H
#define ZHS_CODEC_SIMD_H

#include "format.h"

/* The widest bit width the AVX2 kernels take: a value is read from a 32-bit
** window at a byte boundary, so its shift (0..7) plus its width must fit. */
#define ZHS_AVX2_MAX_BITS 25
/* The longest group with exceptions the AVX2 kernels take. */
#define ZHS_PFOR_AVX2_MAX_N ZHS_BLOCK

/* True when this process decodes with AVX2: the CPU has it, the build did
** not leave it out (-DZHS_SIMD=OFF), and ZHS_SIMD=scalar was not set in the
** environment when the library was loaded.  Decided once, never changed. */
extern bool zhs_simd_use_avx2;     /* set by a constructor in codec_avx2.c */
static inline bool zhs_simd_avx2(void) { return zhs_simd_use_avx2; }
/* The CPU (and the build) could: what the tests compare against. */
bool zhs_simd_avx2_supported(void);

/* True when this process decodes whole posting blocks with the AVX-512
** kernels (codec_avx512.c): the CPU has AVX-512 F, BW, VL and VBMI, the
** build did not leave SIMD out, and ZHS_SIMD was neither "scalar" nor
** "avx2" (which keeps the AVX2 kernels, to compare) when the library was
** loaded.  Implies zhs_simd_use_avx2.  Decided once, with it. */
extern bool zhs_simd_use_avx512;
static inline bool zhs_simd_avx512(void) { return zhs_simd_use_avx512; }
bool zhs_simd_avx512_supported(void);
/* zhs_pfor_block_tfs_avx2 and zhs_pfor_block_docs_avx2 sixteen values a
** step: the same contracts (bits <= ZHS_AVX2_MAX_BITS, n <= ZHS_BLOCK,
** whole groups of 8 stored), and zhs_simd_avx512_supported(). */
void zhs_pfor_block_tfs_avx512(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                               const uint8_t *limit);
void zhs_pfor_block_docs_avx512(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                uint32_t base, const uint8_t *limit);

/* Scalar and AVX2 versions of zhs_unpack_padded, zhs_unpack_tfs_padded and
** zhs_unpack_docs_padded (same contracts).  The AVX2 ones need bits <= ZHS_AVX2_MAX_BITS and
** zhs_simd_avx2_supported(). */
void zhs_unpack_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
void zhs_unpack_tfs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
uint64_t zhs_unpack_docs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, int64_t prev);
void zhs_unpack_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
/* zhs_unpack_bounded's kernel: in[0..readable) readable. */
void zhs_unpack_bounded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, size_t readable);
void zhs_unpack_tfs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
void zhs_unpack_docs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, uint32_t base);

/* Doc gaps already unpacked (and patched) in v[0..n) turned into doc ids
** in place: v[i] = prev + sum over j <= i of (v[j] + 1); returns the last
** id, exact in 64 bits. */
uint64_t zhs_prefix_docs_scalar(uint32_t *v, size_t n, int64_t prev);

/* Decoding a group with exceptions in scalar code, for any length: the
** exceptions walked from their varints and patched in memory after
** unpacking.  zhs_pfor_unpack's path, and the reference the tests hold the
** block decoders to (term frequencies: these values plus one). */
void zhs_pfor_unpack_scalar(uint32_t *v, const zhs_pfor_group *g, size_t n);
uint64_t zhs_pfor_unpack_docs_scalar(uint32_t *v, const zhs_pfor_group *g, size_t n, int64_t prev);
/* Scalar and AVX2 versions of zhs_pfor_block_tfs and zhs_pfor_block_docs
** (format.h).  The scalar ones write exactly v[0..n).  The AVX2 ones need
** g->bits <= ZHS_AVX2_MAX_BITS and n <= ZHS_PFOR_AVX2_MAX_N; the docs one
** sums modulo 2^32, so the caller uses it only where the sum cannot pass
** 2^32 - 1. */
void zhs_pfor_block_tfs_scalar(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n);
uint64_t zhs_pfor_block_docs_scalar(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                    int64_t prev);
void zhs_pfor_block_tfs_avx2(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                             const uint8_t *limit);
void zhs_pfor_block_docs_avx2(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n, uint32_t base,
                              const uint8_t *limit);

/* A block's gap offsets, for locating its docs' positions (segment.c):
** before[i] the gaps (tf - 1, every position but the first) of docs
** 0..i-1, the block's total returned; UINT64_MAX when a tf is 0 (a
** wrapped tf - 1: damage), before[] then undefined. */
uint64_t zhs_gap_offsets_scalar(uint64_t *before, const uint32_t *tfs, size_t n);
uint64_t zhs_gap_offsets_avx2(uint64_t *before, const uint32_t *tfs, size_t n);
/* Sixteen docs a step (codec_avx512.c); needs zhs_simd_avx512_supported(). */
uint64_t zhs_gap_offsets_avx512(uint64_t *before, const uint32_t *tfs, size_t n);
static inline uint64_t zhs_gap_offsets(uint64_t *before, const uint32_t *tfs, size_t n)
{
    if (zhs_simd_avx512()) return zhs_gap_offsets_avx512(before, tfs, n);
    return zhs_simd_avx2() ? zhs_gap_offsets_avx2(before, tfs, n) : zhs_gap_offsets_scalar(before, tfs, n);
}

/* A block's n <= ZHS_BLOCK doc ids (the gaps turned into ids after prev,
** -1 before the first; the last returned, exact in 64 bits, so that a
** damaged block whose ids pass 2^32 - 1 is seen) and term frequencies
** (the values plus one), from a group and its patch (read only when the
** group has exceptions).  v has room for n rounded up to a multiple of 8:
** the vector kernels store whole groups of 8, and what lands past n is
** undefined.  The bytes from the packed area up to limit, at least 8 past
** the packed area, are readable: the AVX2 kernels load 16-byte windows
** up to there and read the few values beyond one 8-byte load each (the
** AVX-512 ones 64-byte windows, masked to the packed area near the limit), so a block
** with room after it (in an index, any but the last few lists of the
** file) takes no scalar tail and no partial store.  Inline: the cursor
** calls them once per block, most of its blocks are short, and the choice
** of kernel is a few tests. */
static inline uint64_t zhs_pfor_block_docs(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                           int64_t prev, const uint8_t *limit)
{
    if (n == 1 && g->nexc == 0) {
        /* one doc (three lists in ten on laws, a list's last block at
        ** times): its gap is the low bits of one 8-byte load, which the
        ** limit allows; no kernel to call, no vector chain to wait on */
        uint64_t w;
        memcpy(&w, g->packed, 8);
        uint64_t doc = (uint64_t)(prev + 1) + (w & (((uint64_t)1 << g->bits) - 1));
        v[0] = (uint32_t)doc;
        return doc;
    }
    /* The vector sum wraps at 32 bits: only where the gaps, bounded by
    ** their low bits and the exceptions' high parts (summed by the
    ** parse), cannot take it past 2^32 - 1, so that damage is still seen. */
    if (n && g->bits <= ZHS_AVX2_MAX_BITS && g->high_sum <= UINT32_MAX &&
        (uint64_t)(prev + 1) + ((uint64_t)n << g->bits) + (g->high_sum << g->bits) <= UINT32_MAX && zhs_simd_avx2()) {
        if (zhs_simd_avx512()) zhs_pfor_block_docs_avx512(v, g, pt, n, (uint32_t)prev, limit);
        else zhs_pfor_block_docs_avx2(v, g, pt, n, (uint32_t)prev, limit);
        return v[n - 1];
    }
    return zhs_pfor_block_docs_scalar(v, g, pt, n, prev);
}

/* The tfs of a block whose parse left its unary area unplaced (width
** ZHS_TF_UNARY_BITS, packed at the area's start, packed_bytes 0): the
** area found inside [g->packed, end) and checked as zhs_unary_place
** does, its packed_bytes and high_sum set, the tfs decoded into v as
** zhs_pfor_block_tfs writes them; false on damage (v then undefined).
** The bytes up to limit (>= end) are readable.  The scalar one places
** the area (with popcnt where the AVX2 level runs: zhs_unary_place_avx2)
** then takes a bit at a time (tzcnt); the AVX-512 VBMI2 one does both in
** one pass, each word's 1-bit positions compressed into bytes at once. */
bool zhs_unary_tfs_checked_scalar(uint32_t *v, zhs_pfor_group *g, size_t n, const uint8_t *end, const uint8_t *limit);
bool zhs_unary_tfs_vbmi2(uint32_t *v, zhs_pfor_group *g, size_t n, const uint8_t *end, const uint8_t *limit);
const uint8_t *zhs_unary_place_avx2(zhs_pfor_group *g, const uint8_t *p, const uint8_t *end, const uint8_t *limit,
                                    size_t n);
/* The tfs of a placed unary group (the reference the others are held to). */
void zhs_unary_tfs_scalar(uint32_t *v, const zhs_pfor_group *g, size_t n);
extern bool zhs_simd_use_vbmi2;
static inline bool zhs_simd_vbmi2(void) { return zhs_simd_use_vbmi2; }
bool zhs_simd_vbmi2_supported(void);
static inline bool zhs_unary_block_tfs(uint32_t *v, zhs_pfor_group *g, size_t n, const uint8_t *end,
                                       const uint8_t *limit)
{
    if (zhs_simd_vbmi2()) return zhs_unary_tfs_vbmi2(v, g, n, end, limit);
    return zhs_unary_tfs_checked_scalar(v, g, n, end, limit);
}

static inline void zhs_pfor_block_tfs(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                      const uint8_t *limit)
{
    if (g->bits == 0 && g->nexc == 0) {
        /* every tf 1 (three single-block lists in four): no kernel */
        for (size_t i = 0; i < n; i += 8)
            for (size_t j = 0; j < 8; j++) v[i + j] = 1;
        return;
    }
    if (g->bits <= ZHS_AVX2_MAX_BITS && zhs_simd_avx512()) zhs_pfor_block_tfs_avx512(v, g, pt, n, limit);
    else if (g->bits <= ZHS_AVX2_MAX_BITS && zhs_simd_avx2()) zhs_pfor_block_tfs_avx2(v, g, pt, n, limit);
    else if (g->bits == ZHS_TF_UNARY_BITS) zhs_unary_tfs_scalar(v, g, n);     /* a placed unary group */
    else zhs_pfor_block_tfs_scalar(v, g, pt, n);
}

/* A format-6 head's exceptions (format.h, zhs_block_encode): the ne index
** bytes at idx checked (strictly increasing, below n) and copied into
** pt->idx, the high parts packed at hbits after them unpacked into
** pt->add and shifted left by bits; false on damage.  idx[0..readable)
** may be read (readable >= ne + zhs_pack_bytes(ne, hbits)).  The scalar
** one gathers the index checks and makes them once; the AVX2 one checks
** sixteen indexes and unpacks eight high parts a step (where readable
** leaves room for its loads and hbits <= ZHS_AVX2_MAX_BITS, else it is
** the scalar one) and needs zhs_simd_avx2_supported().  Both give the
** same verdict and patch. */
bool zhs_exc_layout_scalar(zhs_pfor_patch *pt, const uint8_t *idx, unsigned ne, unsigned hbits, unsigned bits,
                           size_t n, size_t readable);
bool zhs_exc_layout_avx2(zhs_pfor_patch *pt, const uint8_t *idx, unsigned ne, unsigned hbits, unsigned bits,
                         size_t n, size_t readable);
/* zhs_block_parse_packed with the AVX2 layout inlined into it (the
** dispatch calls it where the process decodes with AVX2). */
const uint8_t *zhs_block_parse_packed_avx2(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                           zhs_pfor_patch *tp, size_t n, const uint8_t *p, const uint8_t *end,
                                           const uint8_t *limit);

/* zhs_block_special_parse with the scalar and the AVX2 exception layout;
** zhs_block_parse_v9 dispatches.  For a block whose first byte has
** ZHS_BLOCK_TF_SPECIAL (the caller checked: any other is a format-6
** block). */
const uint8_t *zhs_block_special_parse_scalar(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg, size_t n,
                                              const uint8_t *p, const uint8_t *end, const uint8_t *limit);
const uint8_t *zhs_block_special_parse_avx2(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg, size_t n,
                                            const uint8_t *p, const uint8_t *end, const uint8_t *limit);
/* The common special blocks inline: doc gaps without exceptions, tfs all
** one or in unary (single-block lists: 84% of the laws' lists of 2 to 8
** postings, 40% of those of 9 to 128, nearly every one of 1).  The
** unary area is left for the tfs' read, as zhs_block_special_parse
** leaves it.  One path for both kinds of tf: a branch on the kind
** mispredicts from list to list, and the unary blocks' call of the
** general parse was 7% of the bench's pass. */
static inline const uint8_t *zhs_block_special_parse_inline(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                                            size_t n, const uint8_t *p, const uint8_t *end,
                                                            const uint8_t *limit)
{
    unsigned field = p[0] & ZHS_BLOCK_WIDTH_MASK;
    if ((p[0] & ZHS_PFOR_EXC) == 0 && n - 1 < ZHS_BLOCK) {
        bool ones = field >= ZHS_BLOCK_TF_ONES;
        unsigned db = ones ? field - ZHS_BLOCK_TF_ONES : field;    /* 0..32 either way */
        size_t dbytes = zhs_pack_bytes(n, db);
        if ((size_t)(end - p) <= dbytes) return NULL;
        *dg = (zhs_pfor_group){.exc = p + 1, .packed = p + 1, .packed_bytes = dbytes, .bits = (uint8_t)db};
        *tg = (zhs_pfor_group){.exc = p + 1 + dbytes, .packed = p + 1 + dbytes,
                               .bits = (uint8_t)(ones ? 0 : ZHS_TF_UNARY_BITS)};
        return p + 1 + dbytes;
    }
    if (zhs_simd_avx2()) return zhs_block_special_parse_avx2(dg, dp, tg, n, p, end, limit);
    return zhs_block_special_parse_scalar(dg, dp, tg, n, p, end, limit);
}

/* zhs_block_parse_packed with its dispatch inline: the cursor parses
** a block with exceptions at every block of a long list (three in four
** have some), where the two calls of the dispatch were 5% of the pass. */
static inline const uint8_t *zhs_block_parse_packed_inline(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                                           zhs_pfor_patch *tp, size_t n, const uint8_t *p,
                                                           const uint8_t *end, const uint8_t *limit)
{
    if (zhs_simd_avx2()) return zhs_block_parse_packed_avx2(dg, dp, tg, tp, n, p, end, limit);
    return zhs_block_parse_packed(dg, dp, tg, tp, n, p, end, limit);
}

/* The block of n postings at p in either layout (packed: format 6), with
** zhs_pfor_parse_block's inline case, which both layouts share. */
static inline const uint8_t *zhs_block_parse(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                             zhs_pfor_patch *tp, size_t n, const uint8_t *p, const uint8_t *end,
                                             const uint8_t *limit, bool packed)
{
    if (!packed || (n <= ZHS_BLOCK && end - p >= 2 && ((p[0] | p[1]) & ZHS_PFOR_EXC) == 0))
        return zhs_pfor_parse_block(dg, dp, tg, tp, n, p, end);
    return zhs_block_parse_packed_inline(dg, dp, tg, tp, n, p, end, limit);
}

/* Places a group's packed area at p; returns its end, NULL if it does
** not fit. */
static inline const uint8_t *zhs_pfor_place(zhs_pfor_group *g, const uint8_t *p, const uint8_t *end, size_t n)
{
    size_t bytes = zhs_pack_bytes(n, g->bits);
    if ((size_t)(end - p) < bytes) return NULL;
    g->packed = p;
    g->packed_bytes = bytes;
    return p + bytes;
}

typedef bool (*zhs_exc_layout_fn)(zhs_pfor_patch *pt, const uint8_t *idx, unsigned ne, unsigned hbits, unsigned bits,
                                  size_t n, size_t readable);

/* A format-6 head at p: its exceptions checked and laid out in pt by
** layout; the end of the head, NULL on damage.  Inlined, with its
** layout, into the scalar and the AVX2 parse of a pair. */
__attribute__((always_inline)) static inline const uint8_t *zhs_block_head_parse_as(zhs_pfor_group *g, zhs_pfor_patch *pt,
                                                                                  unsigned head, const uint8_t *p,
                                                                                  const uint8_t *end,
                                                                                  const uint8_t *limit, size_t n,
                                                                                  zhs_exc_layout_fn layout)
{
    if (p >= end) return NULL;
    unsigned bits = head & ~ZHS_PFOR_EXC & 0xFFu;
    bool has = (head & ZHS_PFOR_EXC) != 0;
    if (bits > 32 || (has && bits == 32)) return NULL;
    g->bits = (uint8_t)bits;
    g->nexc = 0;
    g->high_sum = 0;
    g->exc = p + 1;
    if (!has) return p + 1;
    if (end - p < 3) return NULL;
    unsigned ne = p[1], hb = p[2];
    if (ne == 0 || ne > ZHS_PFOR_MAX_EXC || ne > n || hb == 0 || bits + hb > 32) return NULL;
    const uint8_t *idx = p + 3, *hi = idx + ne;
    size_t hbytes = zhs_pack_bytes(ne, hb);
    if ((size_t)(end - idx) < ne + hbytes) return NULL;
    if (!layout(pt, idx, ne, hb, bits, n, (size_t)(limit - idx))) return NULL;
    g->exc = idx;
    g->nexc = ne;
    g->high_sum = (uint64_t)ne * (((uint64_t)1 << hb) - 1);    /* a bound: each high part < 2^hb */
    return hi + hbytes;
}

/* zhs_unary_place (format.h), inlined into its callers so that the
** popcounts are one instruction where the caller's target has it
** (zhs_unary_place_avx2; codec.c's baseline build calls libgcc's for
** them); limit (>= end): the bytes that may be loaded. */
__attribute__((always_inline)) static inline const uint8_t *zhs_unary_place_inline(zhs_pfor_group *g,
                                                                                 const uint8_t *p,
                                                                                 const uint8_t *end,
                                                                                 const uint8_t *limit, size_t n)
{
    /* whole words while they last (8-byte loads up to limit, the bytes
    ** past end masked off): the n-th 1 bit is looked for by counts, not
    ** bit by bit */
    size_t need = n, at = 0, len = (size_t)(end - p), readable = (size_t)(limit - p);
    if (n == 0 || len == 0) return NULL;
    if (len > ZHS_TF_UNARY_MAX_BYTES) len = ZHS_TF_UNARY_MAX_BYTES;
    uint64_t w;
    for (;;) {
        if (at >= len) return NULL;
        if (ZHS_LIKELY(readable - at >= 8)) {
            memcpy(&w, p + at, 8);
        } else {
            w = 0;
            for (size_t k = 0; at + k < len && k < 8; k++) w |= (uint64_t)p[at + k] << (8 * k);
        }
        if (len - at < 8) w &= ((uint64_t)1 << (8 * (len - at))) - 1;
        size_t c = (size_t)__builtin_popcountll(w);
        if (c >= need) break;
        need -= c;
        at += 8;
    }
    /* the byte of the n-th 1 bit (halves of the word), then the bit */
    for (unsigned half = 32; half >= 8; half /= 2) {
        unsigned c = (unsigned)__builtin_popcountll(w & (((uint64_t)1 << half) - 1));
        if (c < need) {
            need -= c;
            w >>= half;
            at += half / 8;
        }
    }
    unsigned byte = (unsigned)(w & 0xFF);
    for (; need > 1; need--) byte &= byte - 1;
    unsigned bit = (unsigned)__builtin_ctz(byte);
    if ((w & 0xFF) >> bit != 1) return NULL;     /* a 1 bit past the n-th */
    g->bits = ZHS_TF_UNARY_BITS;
    g->nexc = 0;
    g->exc = p;
    g->packed = p;
    g->packed_bytes = at + 1;
    g->high_sum = (uint64_t)at * 8 + bit + 1 - n;
    return p + at + 1;
}

/* The head at p, its byte as it reads. */
__attribute__((always_inline)) static inline const uint8_t *zhs_block_head_parse(zhs_pfor_group *g, zhs_pfor_patch *pt,
                                                                               const uint8_t *p, const uint8_t *end,
                                                                               const uint8_t *limit, size_t n,
                                                                               zhs_exc_layout_fn layout)
{
    return p < end ? zhs_block_head_parse_as(g, pt, p[0], p, end, limit, n, layout) : NULL;
}

/* A format-9 block whose first byte has ZHS_BLOCK_TF_SPECIAL (format.h,
** zhs_block_encode_v9): the doc head read with its width field's
** meaning, then the doc gaps, then the unary area or nothing (every tf
** one: the group of width 0 without exceptions, as format 8 had it). */
__attribute__((always_inline)) static inline const uint8_t *zhs_block_special_parse(zhs_pfor_group *dg,
                                                                                  zhs_pfor_patch *dp,
                                                                                  zhs_pfor_group *tg, size_t n,
                                                                                  const uint8_t *p,
                                                                                  const uint8_t *end,
                                                                                  const uint8_t *limit,
                                                                                  zhs_exc_layout_fn layout)
{
    if (n > ZHS_BLOCK || n == 0 || p >= end) return NULL;
    unsigned field = p[0] & ZHS_BLOCK_WIDTH_MASK;
    bool ones = field >= ZHS_BLOCK_TF_ONES;
    unsigned head = (p[0] & ZHS_PFOR_EXC) | (ones ? field - ZHS_BLOCK_TF_ONES : field);
    const uint8_t *q = zhs_block_head_parse_as(dg, dp, head, p, end, limit, n, layout);
    if (!q || !(q = zhs_pfor_place(dg, q, end, n))) return NULL;
    if (ones) {
        *tg = (zhs_pfor_group){.exc = q, .packed = q, .packed_bytes = 0, .high_sum = 0, .nexc = 0, .bits = 0};
        return q;
    }
    /* the unary area starts here; it is found (and checked) when the tfs
    ** are read (zhs_unary_block_tfs): the doc ids do not need it, and
    ** counts and doc walks never read tfs */
    *tg = (zhs_pfor_group){.exc = q, .packed = q, .packed_bytes = 0, .high_sum = 0, .nexc = 0,
                           .bits = ZHS_TF_UNARY_BITS};
    return q;
}

__attribute__((always_inline)) static inline const uint8_t *zhs_block_pair_parse(zhs_pfor_group *dg,
                                                                               zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                                                               zhs_pfor_patch *tp, size_t n,
                                                                               const uint8_t *p, const uint8_t *end,
                                                                               const uint8_t *limit,
                                                                               zhs_exc_layout_fn layout)
{
    if (n > ZHS_BLOCK) return NULL;
    if (!(p = zhs_block_head_parse(dg, dp, p, end, limit, n, layout)) ||
        !(p = zhs_block_head_parse(tg, tp, p, end, limit, n, layout)))
        return NULL;
    if (!(p = zhs_pfor_place(dg, p, end, n))) return NULL;
    return zhs_pfor_place(tg, p, end, n);
}

/* The exceptions of a group zhs_pfor_parse2 checked, in index order:
** idx is UINT32_MAX after the last, add the value to add to the low bits
** (high part << bits). */
typedef struct zhs_exc_iter {
    const uint8_t *p;
    uint32_t left;
    uint32_t next;          /* the index after the previous exception */
    unsigned bits;
    uint32_t idx, add;
} zhs_exc_iter;

/* A varint that the parse checked: at most 5 bytes, inside the group. */
static inline uint32_t zhs_checked_varint(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint32_t v = p[0] & 0x7F;
    unsigned shift = 7;
    while (*p++ & 0x80) {
        if (shift < 32) v |= (uint32_t)(*p & 0x7F) << shift;     /* an overlong form's zeros */
        shift += 7;
    }
    *pp = p;
    return v;
}

static inline void zhs_exc_next(zhs_exc_iter *e)
{
    if (e->left == 0) {
        e->idx = UINT32_MAX;
        return;
    }
    e->left--;
    e->idx = e->next + zhs_checked_varint(&e->p);
    e->add = zhs_checked_varint(&e->p) << e->bits;
    e->next = e->idx + 1;
}

static inline void zhs_exc_start(zhs_exc_iter *e, const zhs_pfor_group *g)
{
    e->p = g->exc;
    e->left = g->nexc;
    e->next = 0;
    e->bits = g->bits;
    zhs_exc_next(e);
}

#endif
