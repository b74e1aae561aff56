/*
** codec_avx2.c — bit unpacking and doc-gap prefix sums with AVX2, and the
** run-time choice of kernels (codec_simd.h).
**
** The packed format is the plain little-endian bit stream of zhs_pack, not
** a vertical SIMD layout, so the index format does not depend on the CPU.
** Eight b-bit values fill exactly b bytes; the kernel decodes them at once:
** the low 128-bit lane gets the 16 bytes holding values 0-3, the high lane
** the 16 bytes from byte 4b/8 holding values 4-7, a byte shuffle puts each
** value's 4-byte window into its 32-bit slot, a variable shift and a mask
** finish.  Shuffle and shift patterns depend only on b: constant tables.
**
** The functions carry target("avx2") attributes instead of the file being
** compiled with -mavx2, so the compiler cannot put AVX2 instructions in
** code that runs before the CPU check.
*/
#include "codec_simd.h"
#include "format.h"

#include <stdlib.h>

#if defined(__x86_64__) && !defined(ZHS_NO_SIMD) && (defined(__GNUC__) || defined(__clang__))
#define ZHS_HAVE_AVX2 1
#include <immintrin.h>
#endif

/* The choice is made once, before main, from the CPU and ZHS_SIMD: reader
** threads share it and nothing writes it afterwards. */
static bool use_avx2;

static void simd_choose(void)
{
    const char *env = getenv("ZHS_SIMD");
    use_avx2 = zhs_simd_avx2_supported() && !(env && strcmp(env, "scalar") == 0);
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((constructor)) static void simd_init(void) { simd_choose(); }
#endif

bool zhs_simd_avx2(void) { return use_avx2; }

#ifdef ZHS_HAVE_AVX2

bool zhs_simd_avx2_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

/* Lane start bits: 0 for the low lane, (4b) mod 8 for the high one (which
** starts at byte 4b/8).  Value j of a lane starts at bit s + j*b. */
#define HI_SHIFT(b) ((4 * (b)) & 7)
#define WIN(b, s, j) (((s) + (j) * (b)) >> 3)
#define WIN4(b, s, j) WIN(b, s, j), WIN(b, s, j) + 1, WIN(b, s, j) + 2, WIN(b, s, j) + 3
#define LANE(b, s) WIN4(b, s, 0), WIN4(b, s, 1), WIN4(b, s, 2), WIN4(b, s, 3)
#define SHUF(b) { LANE(b, 0), LANE(b, HI_SHIFT(b)) }
#define SH(b, s, j) (((s) + (j) * (b)) & 7)
#define SHIFTS(b) { SH(b, 0, 0), SH(b, 0, 1), SH(b, 0, 2), SH(b, 0, 3), \
    SH(b, HI_SHIFT(b), 0), SH(b, HI_SHIFT(b), 1), SH(b, HI_SHIFT(b), 2), SH(b, HI_SHIFT(b), 3) }
#define ROWS(M) M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7), M(8), M(9), M(10), M(11), M(12), \
    M(13), M(14), M(15), M(16), M(17), M(18), M(19), M(20), M(21), M(22), M(23), M(24), M(25)

static const uint8_t shuf_tab[ZHS_AVX2_MAX_BITS + 1][32] __attribute__((aligned(32))) = {ROWS(SHUF)};
static const uint32_t shift_tab[ZHS_AVX2_MAX_BITS + 1][8] __attribute__((aligned(32))) = {ROWS(SHIFTS)};

/* Up to this width the four values of a lane lie in its first 8 bytes
** (the last window ends at byte (4 + 3b)/8 + 3 <= 7), so a lane loads 8
** bytes instead of 16 and the last groups of a block can be read in place. */
#define NARROW_MAX_BITS 12

typedef struct {
    __m256i shuf, shift, mask;
    size_t hi;                      /* byte offset of the high lane's bytes */
} kernel;

__attribute__((target("avx2"))) static inline kernel kernel_for(unsigned bits)
{
    kernel k;
    k.shuf = _mm256_load_si256((const __m256i *)shuf_tab[bits]);
    k.shift = _mm256_load_si256((const __m256i *)shift_tab[bits]);
    k.mask = _mm256_set1_epi32((int)((1u << bits) - 1));
    k.hi = (4 * bits) >> 3;
    return k;
}

/* Eight values from the b bytes at p; reads p[0..hi+8) when narrow,
** p[0..hi+16) otherwise. */
__attribute__((target("avx2"))) static inline __m256i unpack8(const kernel *k, const uint8_t *p, bool narrow)
{
    __m128i lo, hi;
    if (narrow) {
        lo = _mm_loadl_epi64((const __m128i *)p);
        hi = _mm_loadl_epi64((const __m128i *)(p + k->hi));
    } else {
        lo = _mm_loadu_si128((const __m128i *)p);
        hi = _mm_loadu_si128((const __m128i *)(p + k->hi));
    }
    __m256i w = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    w = _mm256_shuffle_epi8(w, k->shuf);
    return _mm256_and_si256(_mm256_srlv_epi32(w, k->shift), k->mask);
}

/* Inclusive prefix sum of (x + 1) over the eight slots.  It does not
** depend on the previous group: the only chain between groups is the one
** addition of the carry. */
__attribute__((target("avx2"))) static inline __m256i gaps_to_steps(__m256i x)
{
    x = _mm256_add_epi32(x, _mm256_set1_epi32(1));
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
    /* the low lane's total into every slot of the high lane */
    __m256i lo_total = _mm256_shuffle_epi32(_mm256_permute2x128_si256(x, x, 0x08), 0xFF);
    return _mm256_add_epi32(x, lo_total);
}

enum out_kind { OUT_VALUES, OUT_PLUS1, OUT_DOCS };

/* Turns eight unpacked values into the output kind; carry holds the
** previous group's last doc in every slot (OUT_DOCS only). */
__attribute__((target("avx2"))) static inline __m256i finish8(__m256i x, enum out_kind kind, __m256i *carry)
{
    if (kind == OUT_PLUS1) return _mm256_add_epi32(x, _mm256_set1_epi32(1));
    if (kind != OUT_DOCS) return x;
    x = gaps_to_steps(x);
    __m256i total = _mm256_permutevar8x32_epi32(x, _mm256_set1_epi32(7));
    x = _mm256_add_epi32(x, *carry);
    *carry = _mm256_add_epi32(*carry, total);
    return x;
}

/* The groups that can be read in place: group g reads up to byte
** g*b + hi + load, and the caller guarantees pack_bytes + 8 readable bytes. */
static inline size_t groups_in_place(size_t n, unsigned bits, size_t hi, size_t load)
{
    size_t limit = zhs_pack_bytes(n, bits) + 8, g = (n + 7) / 8;
    if (g && (g - 1) * bits + hi + load > limit) {
        size_t fit = limit >= hi + load ? (limit - hi - load) / bits + 1 : 0;
        g = fit < g ? fit : g;
    }
    return g;
}

/* Stores the first m (1..8) slots of x at v. */
__attribute__((target("avx2"))) static inline void store8(uint32_t *v, __m256i x, size_t m)
{
    if (m == 8) {
        _mm256_storeu_si256((__m256i *)v, x);
        return;
    }
    __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_epi32((int *)v, keep, x);
}

/* One loop for every output; `kind`, `narrow` and whether exceptions come
** (add not NULL: what to add to each value, eight at a time) are
** constants at each call site, where the loop is inlined. */
__attribute__((target("avx2"), always_inline)) static inline void unpack_run(uint32_t *v, const uint8_t *in, size_t n,
                                                                              unsigned bits, enum out_kind kind,
                                                                              uint32_t base, bool narrow,
                                                                              const uint32_t *add)
{
    kernel k = kernel_for(bits);
    __m256i carry = _mm256_set1_epi32((int)base);
    size_t g = groups_in_place(n, bits, k.hi, narrow ? 8 : 16), i = 0;
    for (; i < g; i++) {
        __m256i x = unpack8(&k, in + i * bits, narrow);
        if (add) x = _mm256_add_epi32(x, _mm256_load_si256((const __m256i *)(add + 8 * i)));
        x = finish8(x, kind, &carry);
        store8(v + 8 * i, x, n - 8 * i < 8 ? n - 8 * i : 8);
    }
    if (8 * i >= n) return;
    /* The rest, fewer than eight values whose vector loads would pass the
    ** readable bytes: one 8-byte load per value, which stays inside them
    ** (value j starts at byte jb/8 < pack_bytes, and pack_bytes + 8 bytes
    ** are readable).  A copy into a zeroed buffer cost more than the
    ** values on the short lists that end this way. */
    uint32_t doc = kind == OUT_DOCS ? (uint32_t)_mm256_cvtsi256_si32(carry) : 0;
    const uint32_t mask = (uint32_t)((1ull << bits) - 1);
    for (size_t j = 8 * i; j < n; j++) {
        size_t bp = j * bits;
        uint64_t w;
        memcpy(&w, in + (bp >> 3), 8);
        uint32_t x = (uint32_t)(w >> (bp & 7)) & mask;
        if (add) x += add[j];
        if (kind == OUT_PLUS1) x += 1;
        else if (kind == OUT_DOCS) x = doc += x + 1;
        v[j] = x;
    }
}

/* The loop specialised for narrow and wide loads. */
__attribute__((target("avx2"))) static void unpack_any(uint32_t *v, const uint8_t *in, size_t n, unsigned bits,
                                                        enum out_kind kind, uint32_t base)
{
    if (bits <= NARROW_MAX_BITS) unpack_run(v, in, n, bits, kind, base, true, NULL);
    else unpack_run(v, in, n, bits, kind, base, false, NULL);
}

/* A group with exceptions: their high parts are laid out in a zeroed
** array as long as the group, which the loop adds eight values at a time
** between unpacking and summing.  No branch per exception in the loop
** (an outlier falls anywhere, so such a branch would mispredict), and no
** value goes through memory twice. */
__attribute__((target("avx2"))) static void unpack_patched(uint32_t *v, const zhs_pfor_group *g, size_t n,
                                                            enum out_kind kind, uint32_t base)
{
    uint32_t add[ZHS_PFOR_AVX2_MAX_N] __attribute__((aligned(32)));
    for (size_t i = 0; i < n; i += 8) _mm256_store_si256((__m256i *)(add + i), _mm256_setzero_si256());
    zhs_exc_iter e;
    for (zhs_exc_start(&e, g); e.idx != UINT32_MAX; zhs_exc_next(&e)) add[e.idx] = e.add;
    if (g->bits <= NARROW_MAX_BITS) unpack_run(v, g->packed, n, g->bits, kind, base, true, add);
    else unpack_run(v, g->packed, n, g->bits, kind, base, false, add);
}

__attribute__((target("avx2"))) void zhs_unpack_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    if (bits == 0) {
        memset(v, 0, n * sizeof *v);
        return;
    }
    unpack_any(v, in, n, bits, OUT_VALUES, 0);
}

__attribute__((target("avx2"))) void zhs_unpack_tfs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    if (bits == 0) {
        for (size_t i = 0; i < n; i++) v[i] = 1;
        return;
    }
    unpack_any(v, in, n, bits, OUT_PLUS1, 0);
}

__attribute__((target("avx2"))) void zhs_unpack_docs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n,
                                                                  unsigned bits, uint32_t base)
{
    if (bits == 0) {
        for (size_t i = 0; i < n; i++) v[i] = base + (uint32_t)i + 1;
        return;
    }
    unpack_any(v, in, n, bits, OUT_DOCS, base);
}

__attribute__((target("avx2"))) void zhs_pfor_unpack_avx2(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    unpack_patched(v, g, n, OUT_VALUES, 0);
}

__attribute__((target("avx2"))) void zhs_pfor_unpack_tfs_avx2(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    unpack_patched(v, g, n, OUT_PLUS1, 0);
}

__attribute__((target("avx2"))) void zhs_pfor_unpack_docs_avx2(uint32_t *v, const zhs_pfor_group *g, size_t n,
                                                                uint32_t base)
{
    unpack_patched(v, g, n, OUT_DOCS, base);
}

#else /* no AVX2 in this build: the scalar loops everywhere */

bool zhs_simd_avx2_supported(void) { return false; }

void zhs_unpack_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    zhs_unpack_padded_scalar(v, in, n, bits);
}

void zhs_unpack_tfs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    zhs_unpack_tfs_padded_scalar(v, in, n, bits);
}

void zhs_unpack_docs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, uint32_t base)
{
    zhs_unpack_docs_padded_scalar(v, in, n, bits, (int64_t)base);
}

void zhs_pfor_unpack_avx2(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    zhs_pfor_unpack_scalar(v, g, n);
}

void zhs_pfor_unpack_tfs_avx2(uint32_t *v, const zhs_pfor_group *g, size_t n)
{
    zhs_pfor_unpack_tfs_scalar(v, g, n);
}

void zhs_pfor_unpack_docs_avx2(uint32_t *v, const zhs_pfor_group *g, size_t n, uint32_t base)
{
    zhs_pfor_unpack_docs_scalar(v, g, n, (int64_t)base);
}

#endif
