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
** Where b <= 16 the eight values lie in the group's first 16 bytes: a
** whole block's groups then load them once into both lanes, with a
** second table whose high lane counts from that byte.
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
bool zhs_simd_use_avx2;
bool zhs_simd_use_avx512;
bool zhs_simd_use_vbmi2;

/* ZHS_SIMD=scalar: no vector kernels; ZHS_SIMD=avx2: the AVX2 ones even
** where the CPU has AVX-512 (to compare the two); otherwise the widest. */
static void simd_choose(void)
{
    const char *env = getenv("ZHS_SIMD");
    bool scalar = env && strcmp(env, "scalar") == 0, avx2_only = env && strcmp(env, "avx2") == 0;
    zhs_simd_use_avx2 = zhs_simd_avx2_supported() && !scalar;
    zhs_simd_use_avx512 = zhs_simd_use_avx2 && !avx2_only && zhs_simd_avx512_supported();
    zhs_simd_use_vbmi2 = zhs_simd_use_avx512 && zhs_simd_vbmi2_supported();
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((constructor)) static void simd_init(void) { simd_choose(); }
#endif

#ifdef ZHS_HAVE_AVX2

/* POPCNT too: the AVX2 level's callers may count bits with it
** (query/search.c's rank table is compiled for it).  Every CPU with AVX2
** has it, but a virtual machine may report one without the other. */
bool zhs_simd_avx2_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
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
/* The same windows counted from the group's first byte in both lanes, for
** a group whose eight values lie in the 16 bytes from there (b <= 16:
** value 7's bits end at bit 8b - 1): one broadcast load fills both lanes,
** against a load and an insert.  A window byte past byte 15 (index 16-18,
** which the byte shuffle reads mod 16) holds only bits above its value,
** which the mask clears.  Rows past NARROW_BITS are never used. */
#define NARROW_BITS 16
#define WIN_AT(b, s, j, o) (WIN(b, s, j) + (o))
#define WIN4_AT(b, s, j, o) WIN_AT(b, s, j, o), WIN_AT(b, s, j, o) + 1, WIN_AT(b, s, j, o) + 2, WIN_AT(b, s, j, o) + 3
#define LANE_AT(b, s, o) WIN4_AT(b, s, 0, o), WIN4_AT(b, s, 1, o), WIN4_AT(b, s, 2, o), WIN4_AT(b, s, 3, o)
#define SHUF_NARROW(b) { LANE(b, 0), LANE_AT(b, HI_SHIFT(b), (4 * (b)) >> 3) }
static const uint8_t shuf_narrow_tab[ZHS_AVX2_MAX_BITS + 1][32] __attribute__((aligned(32))) = {ROWS(SHUF_NARROW)};
static const uint32_t shift_tab[ZHS_AVX2_MAX_BITS + 1][8] __attribute__((aligned(32))) = {ROWS(SHIFTS)};

typedef struct {
    __m256i shuf, shift, mask;
    size_t hi;                      /* byte offset of the high lane's bytes */
} kernel;

__attribute__((target("avx2"))) static inline kernel kernel_for(unsigned bits, bool narrow)
{
    kernel k;
    k.shuf = _mm256_load_si256((const __m256i *)(narrow ? shuf_narrow_tab : shuf_tab)[bits]);
    k.shift = _mm256_load_si256((const __m256i *)shift_tab[bits]);
    k.mask = _mm256_set1_epi32((int)((1u << bits) - 1));
    k.hi = (4 * bits) >> 3;
    return k;
}

/* A group's loads: 16 bytes from p and from p + hi. */
#define GROUP_READ(k) ((k)->hi + 16)

/* Eight values from the b bytes at p; reads p[0..hi+16) (p[0..16) for
** a narrow kernel, which `narrow`, a constant at each call, says). */
__attribute__((target("avx2"))) static inline __m256i unpack8_k(const kernel *k, const uint8_t *p, bool narrow)
{
    __m256i w;
    if (narrow) {
        w = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
    } else {
        __m128i lo = _mm_loadu_si128((const __m128i *)p), hi = _mm_loadu_si128((const __m128i *)(p + k->hi));
        w = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    }
    w = _mm256_shuffle_epi8(w, k->shuf);
    return _mm256_and_si256(_mm256_srlv_epi32(w, k->shift), k->mask);
}

__attribute__((target("avx2"))) static inline __m256i unpack8(const kernel *k, const uint8_t *p)
{
    return unpack8_k(k, p, false);
}
/* Inclusive prefix sum of (x + 1) over the eight slots (of x itself when
** plus1 is false: the caller added the ones already).  It does not
** depend on the previous group: the only chain between groups is the one
** addition of the carry. */
__attribute__((target("avx2"))) static inline __m256i gaps_to_steps(__m256i x, bool plus1)
{
    if (plus1) x = _mm256_add_epi32(x, _mm256_set1_epi32(1));
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
    /* the low lane's total into every slot of the high lane */
    __m256i lo_total = _mm256_shuffle_epi32(_mm256_permute2x128_si256(x, x, 0x08), 0xFF);
    return _mm256_add_epi32(x, lo_total);
}

/* OUT_DOCS_STEPS: doc gaps whose ones came with the additions (an add
** array of ones with the exceptions' high parts added, docs_patched):
** one vector addition a group fewer. */
enum out_kind { OUT_VALUES, OUT_PLUS1, OUT_DOCS, OUT_DOCS_STEPS };

/* Turns eight unpacked values into the output kind; carry holds the
** previous group's last doc in every slot (OUT_DOCS and OUT_DOCS_STEPS
** only). */
__attribute__((target("avx2"))) static inline __m256i finish8(__m256i x, enum out_kind kind, __m256i *carry)
{
    if (kind == OUT_PLUS1) return _mm256_add_epi32(x, _mm256_set1_epi32(1));
    if (kind != OUT_DOCS && kind != OUT_DOCS_STEPS) return x;
    x = gaps_to_steps(x, kind == OUT_DOCS);
    __m256i total = _mm256_permutevar8x32_epi32(x, _mm256_set1_epi32(7));
    x = _mm256_add_epi32(x, *carry);
    *carry = _mm256_add_epi32(*carry, total);
    return x;
}

/* The groups whose loads stay inside the `readable` bytes from the
** packed area's start (group g reads from byte g*b up to GROUP_READ more):
** all of them when the area has room after it, the usual case, which costs
** one comparison. */
static inline size_t groups_readable(size_t n, unsigned bits, size_t read, size_t readable)
{
    size_t g = (n + 7) / 8;
    if (g == 0 || (g - 1) * bits + read <= readable) return g;
    if (readable < read) return 0;
    return bits == 0 ? g : (readable - read) / bits + 1;
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

/* One loop for every output; `kind`, whether exceptions come (add not
** NULL: what to add to each value, eight at a time) and `exact` (store
** nothing past v[n - 1]; otherwise whole groups) are constants at each
** call site, where the loop is inlined.  Bytes in[0..readable) are
** readable, readable >= pack_bytes + 8. */
__attribute__((target("avx2"), always_inline)) static inline void unpack_run(uint32_t *v, const uint8_t *in, size_t n,
                                                                              unsigned bits, enum out_kind kind,
                                                                              uint32_t base, const uint32_t *add,
                                                                              size_t readable, bool exact)
{
    kernel k = kernel_for(bits, false);
    __m256i carry = _mm256_set1_epi32((int)base);
    size_t g = groups_readable(n, bits, GROUP_READ(&k), readable), i = 0;
#define UNPACK_GROUP(i, narrow)                                                           \
    do {                                                                                  \
        __m256i x = unpack8_k(&k, in + (i) * bits, narrow);                               \
        if (add) x = _mm256_add_epi32(x, _mm256_load_si256((const __m256i *)(add + 8 * (i)))); \
        x = finish8(x, kind, &carry);                                                     \
        if (exact && n - 8 * (i) < 8) store8(v + 8 * (i), x, n - 8 * (i));               \
        else _mm256_storeu_si256((__m256i *)(v + 8 * (i)), x);                            \
    } while (0)
    if (!exact && g == ZHS_BLOCK / 8) {
        /* A whole block (every block of a long list but its last): the
        ** count is a constant, and the loop unrolled loses its counter,
        ** its test and the copies of the carry between iterations.
        ** A long list's gaps and tfs are small: most of its whole blocks
        ** take the narrow kernel (a branch per block, not per group). */
        if (bits <= NARROW_BITS) {
            k = kernel_for(bits, true);
#pragma GCC unroll 16
            for (i = 0; i < ZHS_BLOCK / 8; i++) UNPACK_GROUP(i, true);
            return;
        }
#pragma GCC unroll 16
        for (i = 0; i < ZHS_BLOCK / 8; i++) UNPACK_GROUP(i, false);
        return;
    }
    for (; i < g; i++) UNPACK_GROUP(i, false);
#undef UNPACK_GROUP
    if (8 * i >= n) return;
    /* The rest, whose vector loads would pass the readable bytes (the
    ** last lists of a file): one 8-byte load per value, which stays
    ** inside them (value j starts at byte jb/8 < pack_bytes, and
    ** pack_bytes + 8 bytes are readable). */
    uint32_t doc = kind == OUT_DOCS || kind == OUT_DOCS_STEPS ? (uint32_t)_mm256_cvtsi256_si32(carry) : 0;
    const uint32_t mask = (uint32_t)((1ull << bits) - 1);
    for (size_t j = 8 * i; j < n; j++) {
        size_t bp = j * bits;
        uint64_t w;
        memcpy(&w, in + (bp >> 3), 8);
        uint32_t x = (uint32_t)(w >> (bp & 7)) & mask;
        if (add) x += add[j];
        if (kind == OUT_PLUS1) x += 1;
        else if (kind == OUT_DOCS) x = doc += x + 1;
        else if (kind == OUT_DOCS_STEPS) x = doc += x;
        v[j] = x;
    }
}

/* The padded contract: 8 bytes of slack, v[0..n) exactly. */
__attribute__((target("avx2"))) void zhs_unpack_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    unpack_run(v, in, n, bits, OUT_VALUES, 0, NULL, zhs_pack_bytes(n, bits) + 8, true);
}

__attribute__((target("avx2"))) void zhs_unpack_bounded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits,
                                                              size_t readable)
{
    unpack_run(v, in, n, bits, OUT_VALUES, 0, NULL, readable, true);
}

__attribute__((target("avx2"))) void zhs_unpack_tfs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    unpack_run(v, in, n, bits, OUT_PLUS1, 0, NULL, zhs_pack_bytes(n, bits) + 8, true);
}

__attribute__((target("avx2"))) void zhs_unpack_docs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n,
                                                                  unsigned bits, uint32_t base)
{
    unpack_run(v, in, n, bits, OUT_DOCS, base, NULL, zhs_pack_bytes(n, bits) + 8, true);
}

/* Term frequencies: unpacked as without exceptions, then patched in
** memory (each patch a load the vector store forwards, an add and a
** store); no running sum reads them after. */
__attribute__((target("avx2"))) void zhs_pfor_block_tfs_avx2(uint32_t *v, const zhs_pfor_group *g,
                                                              const zhs_pfor_patch *pt, size_t n, const uint8_t *limit)
{
    unpack_run(v, g->packed, n, g->bits, OUT_PLUS1, 0, NULL, (size_t)(limit - g->packed), false);
    /* the count read once: the stores into v could alias g for all the
    ** compiler knows */
    for (uint32_t e = 0, ne = g->nexc; e < ne; e++) v[pt->idx[e]] += pt->add[e];
}

/* Doc gaps with exceptions: their high parts are laid out in a zeroed
** array, which the loop adds eight values at a time between unpacking
** and the running sum: no value goes through memory twice, and no branch
** per group (an outlier falls anywhere, so such a branch would
** mispredict).  A function of its own, so that the array and its aligned
** frame cost nothing to the groups without exceptions. */
__attribute__((target("avx2"), noinline)) static void docs_patched(uint32_t *v, const zhs_pfor_group *g,
                                                                    const zhs_pfor_patch *pt, size_t n, uint32_t base,
                                                                    size_t readable)
{
    uint32_t add[ZHS_PFOR_AVX2_MAX_N] __attribute__((aligned(32)));
    /* the whole array, whatever n: sixteen stores without a loop, a
    ** call or an exit to mispredict cost less than filling the block's
    ** groups alone (a short list's block has six on average).  Ones,
    ** not zeros: each gap's + 1 comes with its addition, and the kernel
    ** leaves out its own (a vector addition a group; the patch is an
    ** add to memory instead of a store, as many instructions) */
#pragma GCC unroll 16
    for (size_t i = 0; i < ZHS_BLOCK / 8; i++) _mm256_store_si256((__m256i *)(add + 8 * i), _mm256_set1_epi32(1));
    for (uint32_t e = 0; e < g->nexc; e++) add[pt->idx[e]] += pt->add[e];
    unpack_run(v, g->packed, n, g->bits, OUT_DOCS_STEPS, base, add, readable, false);
}

/* Doc gaps without exceptions, more than one group: a function of its
** own, so that the registers its two kernels (narrow and wide) take are
** saved only on its way, not on the one-group and the run's (most of
** the single-block lists'). */
__attribute__((target("avx2"), noinline)) static void docs_plain(uint32_t *v, const zhs_pfor_group *g, size_t n,
                                                                  uint32_t base, size_t readable)
{
    unpack_run(v, g->packed, n, g->bits, OUT_DOCS, base, NULL, readable, false);
}

__attribute__((target("avx2"))) void zhs_pfor_block_docs_avx2(uint32_t *v, const zhs_pfor_group *g,
                                                               const zhs_pfor_patch *pt, size_t n, uint32_t base,
                                                               const uint8_t *limit)
{
    size_t readable = (size_t)(limit - g->packed);
    if (g->nexc) {
        docs_patched(v, g, pt, n, base, readable);
    } else if (g->bits == 0) {
        /* consecutive passages (a title term's run): no bytes to read */
        __m256i x = _mm256_add_epi32(_mm256_set1_epi32((int)base), _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8));
        for (size_t i = 0; i < n; i += 8, x = _mm256_add_epi32(x, _mm256_set1_epi32(8)))
            _mm256_storeu_si256((__m256i *)(v + i), x);
    } else if (n <= 8 && readable >= 32) {
        /* one group (seven lists in ten of a laws index have df <= 8):
        ** straight code, without the loop's bounds and counter */
        kernel k = kernel_for(g->bits, false);
        __m256i carry = _mm256_set1_epi32((int)base);
        _mm256_storeu_si256((__m256i *)v, finish8(unpack8(&k, g->packed), OUT_DOCS, &carry));
    } else {
        docs_plain(v, g, n, base, readable);
    }
}

/* The bytes zhs_exc_layout_avx2 reads from idx: the 64-byte copy, the
** index checks up to idx[64], the high parts' loads (at most 8 groups
** from idx + 64, each hbits bytes on and GROUP_READ long). */
#define EXC_LAYOUT_READ (ZHS_PFOR_MAX_EXC + 7 * ZHS_AVX2_MAX_BITS + (4 * ZHS_AVX2_MAX_BITS) / 8 + 16)

/* Format-6 exceptions: the index bytes copied whole (64 bytes), checked
** sixteen at a time (each above the one before it), the high parts
** unpacked eight at a time and shifted in the register.  The first step
** of each runs whatever the count (most heads have fewer than 16
** exceptions, many more than 8): a loop whose count varies from head to
** head mispredicts its exit. */
__attribute__((target("avx2"), always_inline)) static inline bool exc_layout(zhs_pfor_patch *pt, const uint8_t *idx,
                                                                              unsigned ne, unsigned hbits, unsigned bits,
                                                                              size_t n, size_t readable)
{
    _Static_assert(sizeof pt->idx == 64 && ZHS_PFOR_MAX_EXC == 64, "the copy is two 32-byte moves");
    if (readable < EXC_LAYOUT_READ || hbits > ZHS_AVX2_MAX_BITS)
        return zhs_exc_layout_scalar(pt, idx, ne, hbits, bits, n, readable);
    _mm256_storeu_si256((__m256i *)pt->idx, _mm256_loadu_si256((const __m256i *)idx));
    _mm256_storeu_si256((__m256i *)(pt->idx + 32), _mm256_loadu_si256((const __m256i *)(idx + 32)));
    /* index j (1 <= j < ne) is bad when idx[j] <= idx[j - 1]: max equals
    ** the earlier one */
    uint64_t bad = 0;
    for (unsigned j = 1; j == 1 || j < ne; j += 16) {
        __m128i cur = _mm_loadu_si128((const __m128i *)(idx + j)), prv = _mm_loadu_si128((const __m128i *)(idx + j - 1));
        uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(cur, prv), prv));
        bad |= (uint64_t)m << (j - 1);
    }
    uint64_t valid = ne >= 64 ? ~0ull >> 1 : ((uint64_t)1 << (ne - 1)) - 1;   /* bits 0 .. ne - 2 */
    if ((bad & valid) || idx[ne - 1] >= n) return false;
    kernel k = kernel_for(hbits, false);
    __m128i sh = _mm_cvtsi32_si128((int)bits);
    const uint8_t *hi = idx + ne;
    /* the first two groups straight (a head has 16 exceptions or fewer
    ** at nine blocks in ten): no counter, no exit test */
    _mm256_storeu_si256((__m256i *)pt->add, _mm256_sll_epi32(unpack8(&k, hi), sh));
    _mm256_storeu_si256((__m256i *)(pt->add + 8), _mm256_sll_epi32(unpack8(&k, hi + hbits), sh));
    for (unsigned i = 2; 8 * i < ne; i++)
        _mm256_storeu_si256((__m256i *)(pt->add + 8 * i), _mm256_sll_epi32(unpack8(&k, hi + i * hbits), sh));
    return true;
}

__attribute__((target("avx2"))) bool zhs_exc_layout_avx2(zhs_pfor_patch *pt, const uint8_t *idx, unsigned ne,
                                                          unsigned hbits, unsigned bits, size_t n, size_t readable)
{
    return exc_layout(pt, idx, ne, hbits, bits, n, readable);
}

__attribute__((target("avx2"))) const uint8_t *zhs_block_parse_packed_avx2(zhs_pfor_group *dg, zhs_pfor_patch *dp,
                                                                            zhs_pfor_group *tg, zhs_pfor_patch *tp,
                                                                            size_t n, const uint8_t *p,
                                                                            const uint8_t *end, const uint8_t *limit)
{
    return zhs_block_pair_parse(dg, dp, tg, tp, n, p, end, limit, exc_layout);
}

/* popcnt: the unary area is found by counting bits (the AVX2 level
** implies it, zhs_simd_avx2_supported) */
__attribute__((target("avx2,popcnt"))) const uint8_t *zhs_unary_place_avx2(zhs_pfor_group *g, const uint8_t *p,
                                                                            const uint8_t *end, const uint8_t *limit,
                                                                            size_t n)
{
    return zhs_unary_place_inline(g, p, end, limit, n);
}

__attribute__((target("avx2"))) const uint8_t *zhs_block_special_parse_avx2(zhs_pfor_group *dg, zhs_pfor_patch *dp,
                                                                             zhs_pfor_group *tg, size_t n,
                                                                             const uint8_t *p, const uint8_t *end,
                                                                             const uint8_t *limit)
{
    return zhs_block_special_parse(dg, dp, tg, n, p, end, limit, exc_layout);
}

/* Eight docs a step: their gaps (tf - 1) summed within the eight in
** 32-bit slots (gaps_to_steps), then widened to 64 bits and the
** running total added.  The slots cannot wrap while every tf is below
** 2^28 (eight of them stay below 2^31); a block with a larger tf (only
** damage: tf <= the passage length) takes the scalar loops.  Those took
** about eight instructions a doc, 12% of the phrase counts' instructions
** (every block whose positions they read). */
__attribute__((target("avx2"))) uint64_t zhs_gap_offsets_avx2(uint64_t *before, const uint32_t *tfs, size_t n)
{
    const __m256i one = _mm256_set1_epi32(1), z = _mm256_setzero_si256();
    __m256i zero = z, high = z, carry = z;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i t = _mm256_loadu_si256((const __m256i *)(tfs + i));
        zero = _mm256_or_si256(zero, _mm256_cmpeq_epi32(t, z));
        high = _mm256_or_si256(high, t);
        __m256i g = _mm256_sub_epi32(t, one);
        __m256i s = gaps_to_steps(g, false);
        __m256i e = _mm256_sub_epi32(s, g);     /* the sums before each doc */
        __m256i lo = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(e));
        __m256i hi = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(e, 1));
        _mm256_storeu_si256((__m256i *)(before + i), _mm256_add_epi64(carry, lo));
        _mm256_storeu_si256((__m256i *)(before + i + 4), _mm256_add_epi64(carry, hi));
        __m256i last = _mm256_permutevar8x32_epi32(s, _mm256_set1_epi32(7));
        carry = _mm256_add_epi64(carry, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(last)));
    }
    if (!_mm256_testz_si256(zero, zero)) return UINT64_MAX;
    if (!_mm256_testz_si256(high, _mm256_set1_epi32((int)0xF0000000u))) return zhs_gap_offsets_scalar(before, tfs, n);
    uint64_t total = (uint64_t)_mm256_extract_epi64(carry, 0);
    for (; i < n; i++) {
        if (tfs[i] == 0) return UINT64_MAX;
        before[i] = total;
        total += tfs[i] - 1;
    }
    return total;
}

#else /* no AVX2 in this build: the scalar loops everywhere */

bool zhs_simd_avx2_supported(void) { return false; }

void zhs_unpack_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits)
{
    zhs_unpack_padded_scalar(v, in, n, bits);
}

void zhs_unpack_bounded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, size_t readable)
{
    (void)readable;
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

bool zhs_exc_layout_avx2(zhs_pfor_patch *pt, const uint8_t *idx, unsigned ne, unsigned hbits, unsigned bits,
                         size_t n, size_t readable)
{
    return zhs_exc_layout_scalar(pt, idx, ne, hbits, bits, n, readable);
}

const uint8_t *zhs_unary_place_avx2(zhs_pfor_group *g, const uint8_t *p, const uint8_t *end, const uint8_t *limit,
                                    size_t n)
{
    (void)limit;
    return zhs_unary_place(g, p, end, n);
}

const uint8_t *zhs_block_special_parse_avx2(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg, size_t n,
                                            const uint8_t *p, const uint8_t *end, const uint8_t *limit)
{
    return zhs_block_special_parse_scalar(dg, dp, tg, n, p, end, limit);
}

const uint8_t *zhs_block_parse_packed_avx2(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                           zhs_pfor_patch *tp, size_t n, const uint8_t *p, const uint8_t *end,
                                           const uint8_t *limit)
{
    return zhs_block_pair_parse(dg, dp, tg, tp, n, p, end, limit, zhs_exc_layout_scalar);
}

void zhs_pfor_block_tfs_avx2(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n,
                             const uint8_t *limit)
{
    (void)limit;
    zhs_pfor_block_tfs_scalar(v, g, pt, n);
}

void zhs_pfor_block_docs_avx2(uint32_t *v, const zhs_pfor_group *g, const zhs_pfor_patch *pt, size_t n, uint32_t base,
                              const uint8_t *limit)
{
    (void)limit;
    zhs_pfor_block_docs_scalar(v, g, pt, n, (int64_t)base);
}

uint64_t zhs_gap_offsets_avx2(uint64_t *before, const uint32_t *tfs, size_t n)
{
    return zhs_gap_offsets_scalar(before, tfs, n);
}

#endif
