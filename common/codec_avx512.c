/*
** codec_avx512.c — a block's doc ids and term frequencies decoded sixteen
** values a step with AVX-512 (F, BW, VL and VBMI), where the CPU has them
** (codec_simd.h: zhs_simd_avx512).
**
** The packed format is zhs_pack's little-endian bit stream, as for the
** AVX2 kernels.  Sixteen b-bit values fill exactly 2b bytes; one 64-byte
** load holds them all (b <= 25), a byte permutation (vpermb) gives each
** pair of values the 8 bytes from the first one's byte, and a per-byte
** bit extraction from that quadword (vpmultishiftqb) lines both values
** up in their 32-bit slots; a mask finishes.  Three instructions for
** sixteen values, against the AVX2 kernels' four (load, shuffle, shift,
** mask) and an insert or a broadcast for eight.  The running sum of doc
** gaps takes four shift-and-add steps across the whole register, for
** sixteen values, against the AVX2 one's three steps and a lane fix-up
** for eight.
**
** The functions carry target attributes instead of the file being
** compiled with -mavx512*, so the compiler cannot put AVX-512
** instructions in code that runs on a CPU without them.
*/
#include "codec_simd.h"
#include "format.h"

#if defined(__x86_64__) && !defined(ZHS_NO_SIMD) && (defined(__GNUC__) || defined(__clang__))
#define ZHS_HAVE_AVX512 1
#include <immintrin.h>
#endif

#ifdef ZHS_HAVE_AVX512

bool zhs_simd_avx512_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi");
}

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* Pair k (values 2k and 2k + 1) of a group starts at bit 2kb: its 8-byte
** window at byte 2kb/8, value 2k at bit (2kb) mod 8 of it, value 2k + 1
** b bits on.  Both end inside the window: 7 + 2b <= 64 for b <= 28. */
#define PW(b, k) ((2 * (k) * (b)) >> 3)
#define PS(b, k) ((2 * (k) * (b)) & 7)
#define PERM8(b, k) PW(b, k), PW(b, k) + 1, PW(b, k) + 2, PW(b, k) + 3, PW(b, k) + 4, PW(b, k) + 5, PW(b, k) + 6, \
    PW(b, k) + 7
#define CTRL4(s) (s), (s) + 8, (s) + 16, (s) + 24
#define CTRL8(b, k) CTRL4(PS(b, k)), CTRL4(PS(b, k) + (b))
#define ALL8(M, b) M(b, 0), M(b, 1), M(b, 2), M(b, 3), M(b, 4), M(b, 5), M(b, 6), M(b, 7)
#define PERM(b) { ALL8(PERM8, b) }
#define CTRL(b) { ALL8(CTRL8, b) }
#define ROWS(M) M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7), M(8), M(9), M(10), M(11), M(12), \
    M(13), M(14), M(15), M(16), M(17), M(18), M(19), M(20), M(21), M(22), M(23), M(24), M(25)
_Static_assert(ZHS_AVX2_MAX_BITS == 25, "the tables have a row per width 0..25");

static const uint8_t perm_tab[ZHS_AVX2_MAX_BITS + 1][64] __attribute__((aligned(64))) = {ROWS(PERM)};
static const uint8_t ctrl_tab[ZHS_AVX2_MAX_BITS + 1][64] __attribute__((aligned(64))) = {ROWS(CTRL)};

typedef struct {
    __m512i perm, ctrl, mask;
} kernel16;

TARGET static inline kernel16 kernel16_for(unsigned bits)
{
    kernel16 k;
    k.perm = _mm512_load_si512((const void *)perm_tab[bits]);
    k.ctrl = _mm512_load_si512((const void *)ctrl_tab[bits]);
    k.mask = _mm512_set1_epi32((int)((1u << bits) - 1));
    return k;
}

/* Sixteen values from the 64 bytes at p (only the first 2b hold them). */
TARGET static inline __m512i unpack16(const kernel16 *k, __m512i w)
{
    w = _mm512_permutexvar_epi8(k->perm, w);
    return _mm512_and_si512(_mm512_multishift_epi64_epi8(k->ctrl, w), k->mask);
}

/* Inclusive prefix sum of the sixteen slots: slot i gets the sum of slots
** 0..i.  valignd against zero shifts the register up by whole slots. */
TARGET static inline __m512i prefix16(__m512i x)
{
    const __m512i z = _mm512_setzero_si512();
    x = _mm512_add_epi32(x, _mm512_alignr_epi32(x, z, 15));
    x = _mm512_add_epi32(x, _mm512_alignr_epi32(x, z, 14));
    x = _mm512_add_epi32(x, _mm512_alignr_epi32(x, z, 12));
    return _mm512_add_epi32(x, _mm512_alignr_epi32(x, z, 8));
}

enum out16 { OUT16_PLUS1, OUT16_DOCS, OUT16_DOCS_STEPS };

/* Sixteen unpacked values into the output kind: tfs (value + 1), doc ids
** from gaps (each + 1), or doc ids from steps whose ones the caller's add
** array brought.  carry holds the previous group's last doc in every
** slot; the only chain from group to group is its one addition. */
TARGET static inline __m512i finish16(__m512i x, enum out16 kind, __m512i *carry)
{
    if (kind == OUT16_PLUS1) return _mm512_add_epi32(x, _mm512_set1_epi32(1));
    if (kind == OUT16_DOCS) x = _mm512_add_epi32(x, _mm512_set1_epi32(1));
    x = prefix16(x);
    __m512i total = _mm512_permutexvar_epi32(_mm512_set1_epi32(15), x);
    x = _mm512_add_epi32(x, *carry);
    *carry = _mm512_add_epi32(*carry, total);
    return x;
}

/* The n values (n <= ZHS_BLOCK) packed at in, as `kind` asks, add (if not
** NULL) added to each first, sixteen at a time (add 64-byte aligned); whole groups of 8
** stored.  in[0..readable) is readable, readable >= pack bytes + 8: a
** whole block whose last load fits (every block with room after it) goes
** through an unrolled loop of plain loads; otherwise each load is masked
** to the bytes of the packed area, which cannot fault past them. */
TARGET __attribute__((always_inline)) static inline void run16(uint32_t *v, const uint8_t *in, size_t n,
                                                                 unsigned bits, enum out16 kind, uint32_t base,
                                                                 const uint32_t *add, size_t readable)
{
    kernel16 k = kernel16_for(bits);
    __m512i carry = _mm512_set1_epi32((int)base);
    size_t groups = (n + 15) / 16, step = 2 * (size_t)bits;
#define GROUP16(i, w)                                                                          \
    do {                                                                                       \
        __m512i x = unpack16(&k, (w));                                                         \
        if (add) x = _mm512_add_epi32(x, _mm512_load_si512((const void *)(add + 16 * (i))));   \
        x = finish16(x, kind, &carry);                                                         \
        if (16 * (i) + 8 < n) _mm512_storeu_si512((void *)(v + 16 * (i)), x);                 \
        else _mm256_storeu_si256((__m256i *)(v + 16 * (i)), _mm512_castsi512_si256(x));       \
    } while (0)
    if (groups == ZHS_BLOCK / 16 && (groups - 1) * step + 64 <= readable) {
        /* a whole block: the count a constant, the loop unrolled */
#pragma GCC unroll 8
        for (size_t i = 0; i < ZHS_BLOCK / 16; i++) GROUP16(i, _mm512_loadu_si512((const void *)(in + i * step)));
        return;
    }
    size_t bytes = zhs_pack_bytes(n, bits);
    for (size_t i = 0; i < groups; i++) {
        size_t at = i * step, len = bytes - at < 64 ? bytes - at : 64;
        __m512i w = at + 64 <= readable ? _mm512_loadu_si512((const void *)(in + at))
                                        : _mm512_maskz_loadu_epi8(len >= 64 ? ~0ull : (1ull << len) - 1, in + at);
        GROUP16(i, w);
    }
#undef GROUP16
}

TARGET void zhs_pfor_block_tfs_avx512(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                      const uint8_t *limit)
{
    run16(v, g->packed, n, g->bits, OUT16_PLUS1, 0, NULL, (size_t)(limit - g->packed));
    for (uint32_t e = 0, ne = g->nexc; e < ne; e++) v[pt->idx[e]] += pt->add[e];
}

/* Doc gaps with exceptions: their high parts (plus the gaps' ones) laid
** out in an array of ones that the loop adds between unpacking and the
** running sum, as the AVX2 kernel does. */
TARGET __attribute__((noinline)) static void docs_patched16(uint32_t *v, const zhs_pfor_group *g,
                                                            const zhs_pfor_patch *pt, size_t n, uint32_t base,
                                                            size_t readable)
{
    uint32_t add[ZHS_BLOCK] __attribute__((aligned(64)));
#pragma GCC unroll 8
    for (size_t i = 0; i < ZHS_BLOCK / 16; i++) _mm512_store_si512((void *)(add + 16 * i), _mm512_set1_epi32(1));
    for (uint32_t e = 0; e < g->nexc; e++) add[pt->idx[e]] += pt->add[e];
    run16(v, g->packed, n, g->bits, OUT16_DOCS_STEPS, base, add, readable);
}

TARGET void zhs_pfor_block_docs_avx512(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                       uint32_t base, const uint8_t *limit)
{
    size_t readable = (size_t)(limit - g->packed);
    if (g->nexc) {
        docs_patched16(v, g, pt, n, base, readable);
    } else if (g->bits == 0) {
        /* consecutive passages: no bytes to read */
        __m512i x = _mm512_add_epi32(_mm512_set1_epi32((int)base),
                                     _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
        for (size_t i = 0; i < n; i += 16, x = _mm512_add_epi32(x, _mm512_set1_epi32(16))) {
            if (i + 8 < n) _mm512_storeu_si512((void *)(v + i), x);
            else _mm256_storeu_si256((__m256i *)(v + i), _mm512_castsi512_si256(x));
        }
    } else if (n <= 16 && readable >= 64) {
        /* one group (most lists): straight code */
        kernel16 k = kernel16_for(g->bits);
        __m512i carry = _mm512_set1_epi32((int)base);
        __m512i x = finish16(unpack16(&k, _mm512_loadu_si512((const void *)g->packed)), OUT16_DOCS, &carry);
        if (n > 8) _mm512_storeu_si512((void *)v, x);
        else _mm256_storeu_si256((__m256i *)v, _mm512_castsi512_si256(x));
    } else {
        run16(v, g->packed, n, g->bits, OUT16_DOCS, base, NULL, readable);
    }
}

/* zhs_gap_offsets_avx2 sixteen docs a step, the last step masked (no
** scalar tail): the gaps' inclusive sums by four shifted additions across
** the register, the sums before each doc (inclusive less its own gaps)
** widened to 64 bits with the running total added.  Sixteen tfs below
** 2^28 sum below 2^32; a larger one (damage only) takes the scalar loops.
** The AVX2 kernel was 3.7% of a phrase count's samples (every located
** block runs it). */
TARGET uint64_t zhs_gap_offsets_avx512(uint64_t *before, const uint32_t *tfs, size_t n)
{
    const __m512i one = _mm512_set1_epi32(1), z = _mm512_setzero_si512();
    __mmask16 zero = 0;
    __m512i high = z, carry = z;
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 live = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512i t = _mm512_maskz_loadu_epi32(live, tfs + i);
        zero |= _mm512_mask_cmpeq_epi32_mask(live, t, z);
        high = _mm512_or_si512(high, t);
        __m512i g = _mm512_maskz_sub_epi32(live, t, one);     /* dead lanes 0 */
        __m512i s = _mm512_add_epi32(g, _mm512_alignr_epi32(g, z, 15));
        s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 14));
        s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 12));
        s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 8));
        __m512i e = _mm512_sub_epi32(s, g);
        __m512i lo = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(e));
        __m512i hi = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(e, 1));
        _mm512_mask_storeu_epi64(before + i, (__mmask8)live, _mm512_add_epi64(carry, lo));
        _mm512_mask_storeu_epi64(before + i + 8, (__mmask8)(live >> 8), _mm512_add_epi64(carry, hi));
        __m512i last = _mm512_permutexvar_epi32(_mm512_set1_epi32(15), s);
        carry = _mm512_add_epi64(carry, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(last)));
    }
    if (zero) return UINT64_MAX;
    if (_mm512_test_epi32_mask(high, _mm512_set1_epi32((int)0xF0000000u))) return zhs_gap_offsets_scalar(before, tfs, n);
    return (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(carry));
}

bool zhs_simd_vbmi2_supported(void)
{
    return zhs_simd_avx512_supported() && __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("popcnt");
}

#define TARGET_VBMI2 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,popcnt")))

/* A unary tf area (format 9): each 64-bit word's 1-bit positions
** compressed into bytes at once (vpcompressb of the bytes 0..63 under the
** word as a mask); each position less the one before it in the word is
** its tf, a byte subtraction against the bytes moved up one lane
** (vpermb); the word's first tf, from the previous word's last 1 bit,
** may pass a byte and is put into lane 0 after the widening.  The words'
** sixteen-lane pieces are independent (no carry from one to the next:
** an earlier version carried the last position across the pieces and
** through memory, and was slower than PFOR), stored masked to the valid
** lanes.  About three words for a block of 128 tfs (71% of them 1 on
** laws), against 128 turns of a tzcnt loop. */
TARGET_VBMI2 bool zhs_unary_tfs_vbmi2(uint32_t *v, zhs_pfor_group *g, size_t n, const uint8_t *end,
                                     const uint8_t *limit)
{
    const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i back = _mm512_set_epi8(62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0);
    const uint8_t *p = g->packed;
    size_t len = (size_t)(end - p), readable = (size_t)(limit - p), k = 0, at = 0;
    if (len > ZHS_TF_UNARY_MAX_BYTES) len = ZHS_TF_UNARY_MAX_BYTES;
    uint32_t last = UINT32_MAX;         /* the bit before the first */
    for (;; at += 8) {
        if (at >= len || n == 0) return false;     /* fewer than n 1 bits in the list */
        uint64_t w = 0;
        if (ZHS_LIKELY(readable - at >= 8)) memcpy(&w, p + at, 8);
        else memcpy(&w, p + at, len - at < 8 ? len - at : 8);
        if (len - at < 8) w &= ((uint64_t)1 << (8 * (len - at))) - 1;    /* past the list */
        if (w == 0) continue;
        size_t cnt = (size_t)_mm_popcnt_u64(w);
        __m512i c = _mm512_maskz_compress_epi8((__mmask64)w, iota);
        __m512i d = _mm512_sub_epi8(c, _mm512_permutexvar_epi8(back, c));
        uint32_t bit0 = (uint32_t)(at * 8);
        uint32_t first = bit0 + (uint32_t)__builtin_ctzll(w) - last;
        last = bit0 + 63u - (uint32_t)__builtin_clzll(w);
        size_t take = cnt < n - k ? cnt : n - k;
        /* the four pieces' masks at once, none where no lane is valid
        ** (a masked store of no lane writes nothing and cannot fault) */
        uint64_t m = take >= 64 ? ~0ull : ((uint64_t)1 << take) - 1;
        __m512i x = _mm512_mask_mov_epi32(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(d)), 1,
                                          _mm512_set1_epi32((int)first));
        _mm512_mask_storeu_epi32(v + k, (__mmask16)m, x);
        _mm512_mask_storeu_epi32(v + k + 16, (__mmask16)(m >> 16), _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(d, 1)));
        _mm512_mask_storeu_epi32(v + k + 32, (__mmask16)(m >> 32), _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(d, 2)));
        _mm512_mask_storeu_epi32(v + k + 48, (__mmask16)(m >> 48), _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(d, 3)));
        k += take;
        if (k == n) {
            /* the n-th 1 bit (lane take - 1 of the positions): nothing
            ** after it in its byte */
            unsigned pos = (unsigned)_mm_cvtsi128_si32(
                               _mm512_castsi512_si128(_mm512_permutexvar_epi8(_mm512_set1_epi8((char)(take - 1)), c))) &
                           0xFFu;
            if (pos < 63 && ((w >> (pos + 1)) & ((1u << (7 - (pos & 7))) - 1)) != 0) return false;
            g->packed_bytes = at + (pos >> 3) + 1;
            g->high_sum = (uint64_t)g->packed_bytes * 8 - (7 - (pos & 7)) - n;
            return true;
        }
    }
}

#else /* no AVX-512 in this build: the AVX2 (or scalar) kernels stand in */

bool zhs_simd_avx512_supported(void) { return false; }
bool zhs_simd_vbmi2_supported(void) { return false; }

bool zhs_unary_tfs_vbmi2(uint32_t *v, zhs_pfor_group *g, size_t n, const uint8_t *end, const uint8_t *limit)
{
    return zhs_unary_tfs_checked_scalar(v, g, n, end, limit);
}

void zhs_pfor_block_tfs_avx512(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                               const uint8_t *limit)
{
    zhs_pfor_block_tfs_avx2(v, g, pt, n, limit);
}

void zhs_pfor_block_docs_avx512(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                                uint32_t base, const uint8_t *limit)
{
    zhs_pfor_block_docs_avx2(v, g, pt, n, base, limit);
}

uint64_t zhs_gap_offsets_avx512(uint64_t *before, const uint32_t *tfs, size_t n)
{
    return zhs_gap_offsets_avx2(before, tfs, n);
}

#endif
