/*
** test_codec.c — integer codecs and on-disk helpers: bit packing, PFOR, varints,
** skip entries, quantized lengths, file footers, the manifest; the AVX2
** kernels against the scalar loops.
*/
#include "codec_simd.h"
#include "format.h"
#include "harness.h"
#include "manifest.h"
#include "segment.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void) { return zt_xorshift(&rng); }

static void pack_roundtrip(size_t n, unsigned bits)
{
    uint32_t in[300], out[300];
    uint8_t buf[300 * 4 + 16];
    uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    for (size_t i = 0; i < n; i++) in[i] = rnd() & mask;
    if (n) in[n - 1] = mask;        /* the largest value must survive */
    memset(buf, 0xEE, sizeof buf);
    size_t used = zhs_pack(buf, in, n, bits);
    CHECK(used == zhs_pack_bytes(n, bits));
    /* the stream bit by bit: value i's bit j is bit i * bits + j, little
    ** endian; the last byte's spare bits are zero, nothing written past */
    bool bits_ok = true;
    for (size_t k = 0; k < used * 8; k++) {
        size_t i = k / (bits ? bits : 1);
        unsigned want = i < n ? in[i] >> (k % bits) & 1 : 0;
        bits_ok &= (unsigned)(buf[k / 8] >> (k % 8) & 1) == want;
    }
    CHECK_MSG(bits_ok && buf[used] == 0xEE, "stream n=%zu bits=%u", n, bits);
    zhs_unpack(out, buf, n, bits);
    bool same = true;
    for (size_t i = 0; i < n; i++) same &= in[i] == out[i];
    CHECK_MSG(same, "n=%zu bits=%u", n, bits);
    memset(out, 0xAB, sizeof out);
    zhs_unpack_padded(out, buf, n, bits);       /* buf has 16 bytes of slack */
    same = true;
    for (size_t i = 0; i < n; i++) same &= in[i] == out[i];
    CHECK_MSG(same, "padded n=%zu bits=%u", n, bits);
}

/* Test inputs of n values of `bits` bits: random, all largest, all zero,
** and alternating largest/zero. */
static void fill(uint32_t *in, size_t n, unsigned bits, int kind)
{
    uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    for (size_t i = 0; i < n; i++)
        in[i] = kind == 0 ? rnd() & mask : kind == 1 ? mask : kind == 2 ? 0 : (i & 1 ? mask : 0);
}

/* Packs in into a buffer of exactly pack_bytes + 8 bytes (the padded
** contract), so that a kernel reading further trips AddressSanitizer. */
static uint8_t *packed(const uint32_t *in, size_t n, unsigned bits)
{
    uint8_t *buf = malloc(zhs_pack_bytes(n, bits) + 8);
    if (!buf) abort();
    memset(buf, 0xEE, zhs_pack_bytes(n, bits) + 8);   /* junk after the packed area */
    zhs_pack(buf, in, n, bits);
    return buf;
}

/* A readable page followed by an unmapped one (NULL if mmap fails): a
** read past the first page faults. */
static uint8_t *guard_page(size_t page)
{
    uint8_t *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    if (map == MAP_FAILED) return NULL;
    CHECK(mprotect(map + page, page, PROT_NONE) == 0);
    return map;
}

/* Every width 0..32 and every length 0..300, four kinds of input: the
** dispatching entry points and (where the CPU has AVX2) the AVX2 kernels
** must agree with the scalar loops value for value. */
static void simd_vs_scalar(void)
{
    bool avx2 = zhs_simd_avx2_supported();
    const char *env = getenv("ZHS_SIMD");
    if (env && strcmp(env, "scalar") == 0) CHECK(!zhs_simd_avx2());
    else CHECK(zhs_simd_avx2() == avx2);
    if (!avx2) printf("test_codec: no AVX2 on this CPU or in this build: only the scalar path is tested\n");
    uint32_t in[300], ref[300], got[300];
    size_t bad_plain = 0, bad_docs = 0, bad_direct = 0, bad_over = 0;
    for (unsigned bits = 0; bits <= 32; bits++)
        for (size_t n = 0; n <= 300; n++)
            for (int kind = 0; kind < 4; kind++) {
                fill(in, n, bits, kind);
                uint8_t *buf = packed(in, n, bits);
                zhs_unpack_padded_scalar(ref, buf, n, bits);
                bad_plain += memcmp(ref, in, n * 4) != 0;
                memset(got, 0xAB, sizeof got);
                zhs_unpack_padded(got, buf, n, bits);
                bad_plain += memcmp(got, in, n * 4) != 0 || got[n < 300 ? n : 299] != (n < 300 ? 0xABABABABu : in[299]);
                if (avx2 && bits <= ZHS_AVX2_MAX_BITS) {
                    memset(got, 0xAB, sizeof got);
                    zhs_unpack_padded_avx2(got, buf, n, bits);
                    bad_direct += memcmp(got, in, n * 4) != 0;
                }
                /* bounded: at the padded contract's limit (an exact
                ** buffer: a read past it trips AddressSanitizer), and
                ** with room for every group's vector loads; nothing
                ** stored past v[n - 1] */
                size_t pb = zhs_pack_bytes(n, bits);
                memset(got, 0xAB, sizeof got);
                zhs_unpack_bounded(got, buf, n, bits, buf + pb + 8);
                bad_plain += memcmp(got, in, n * 4) != 0 || (n < 300 && got[n] != 0xABABABABu);
                uint8_t *roomy = malloc(pb + 64);
                if (roomy) {
                    memcpy(roomy, buf, pb + 8);
                    memset(got, 0xAB, sizeof got);
                    zhs_unpack_bounded(got, roomy, n, bits, roomy + pb + 64);
                    bad_plain += memcmp(got, in, n * 4) != 0 || (n < 300 && got[n] != 0xABABABABu);
                    free(roomy);
                }
                /* term frequencies: the packed value plus one */
                for (size_t i = 0; i < n; i++) ref[i] = in[i] + 1;
                zhs_unpack_tfs_padded(got, buf, n, bits);
                bad_plain += memcmp(got, ref, n * 4) != 0;
                zhs_unpack_tfs_padded_scalar(got, buf, n, bits);
                bad_plain += memcmp(got, ref, n * 4) != 0;
                if (avx2 && bits <= ZHS_AVX2_MAX_BITS) {
                    zhs_unpack_tfs_padded_avx2(got, buf, n, bits);
                    bad_direct += memcmp(got, ref, n * 4) != 0;
                }
                /* doc ids after several previous docs, the last ones near 2^32 */
                int64_t prevs[] = {-1, 0, 77777, (int64_t)UINT32_MAX - ((int64_t)n << (bits < 25 ? bits : 25))};
                for (size_t k = 0; n && k < 4; k++) {
                    int64_t prev = prevs[k];
                    if (prev < -1) continue;
                    uint64_t last_ref = zhs_unpack_docs_padded_scalar(ref, buf, n, bits, prev);
                    uint64_t want = (uint64_t)prev;
                    bool ok = true;
                    for (size_t i = 0; i < n; i++) {
                        want += (uint64_t)in[i] + 1;
                        ok &= ref[i] == (uint32_t)want;
                    }
                    bad_docs += !ok || last_ref != want;
                    uint64_t last = zhs_unpack_docs_padded(got, buf, n, bits, prev);
                    bad_docs += last != want || memcmp(got, ref, n * 4) != 0;
                    bool fits = prev + ((int64_t)n << (bits < 32 ? bits : 31)) <= (int64_t)UINT32_MAX;
                    if (avx2 && bits <= ZHS_AVX2_MAX_BITS && fits) {
                        zhs_unpack_docs_padded_avx2(got, buf, n, bits, (uint32_t)prev);
                        bad_direct += memcmp(got, ref, n * 4) != 0;
                    }
                    /* ids past 2^32 - 1 must show in the result, whatever the path */
                    if (want > UINT32_MAX) bad_over += last <= UINT32_MAX;
                }
                free(buf);
            }
    CHECK_MSG(bad_plain == 0, "%zu unpackings differ from the input", bad_plain);
    CHECK_MSG(bad_docs == 0, "%zu doc-id decodings differ from the scalar sum", bad_docs);
    CHECK_MSG(bad_direct == 0, "%zu AVX2 decodings differ from the scalar ones", bad_direct);
    CHECK_MSG(bad_over == 0, "%zu doc-id overflows were not reported", bad_over);
    /* a damaged block of large gaps after a large previous doc: the sum
    ** passes 2^32 - 1 and the 64-bit result says so */
    uint32_t big[128];
    for (size_t i = 0; i < 128; i++) big[i] = (1u << 25) - 1;
    uint8_t *buf = packed(big, 128, 25);
    CHECK(zhs_unpack_docs_padded(ref, buf, 128, 25, 5) == 5 + 128ull * (1u << 25));
    free(buf);
}

typedef void (*block_tfs_fn)(uint32_t *, const zhs_pfor_group *, const zhs_pfor_patch *, size_t, const uint8_t *);
typedef void (*block_docs_fn)(uint32_t *, const zhs_pfor_group *, const zhs_pfor_patch *, size_t, uint32_t,
                              const uint8_t *);

/* Values a pair of block decoders gets wrong when their limit is the end
** of the mapped page before map + page: every width they take, lengths 1
** to maxn, the packed area ending 8 + extra bytes before the page's end
** for extra 0..max_extra in steps of step. */
static size_t block_decoders_at_page(uint8_t *map, size_t page, block_tfs_fn tfs, block_docs_fn docs, size_t maxn,
                                     size_t max_extra, size_t step)
{
    uint32_t in[ZHS_BLOCK], out[ZHS_BLOCK + 8];
    size_t bad = 0;
    for (unsigned bits = 0; bits <= ZHS_AVX2_MAX_BITS; bits++)
        for (size_t n = 1; n <= maxn; n++)
            for (size_t extra = 0; extra <= max_extra; extra += step) {
                for (size_t i = 0; i < n; i++) in[i] = bits ? rnd() & ((1u << bits) - 1) : 0;
                size_t bytes = zhs_pack_bytes(n, bits);
                uint8_t *at = map + page - bytes - 8 - extra;
                memset(at, 0xEE, bytes + 8 + extra);
                zhs_pack(at, in, n, bits);
                zhs_pfor_group g = {.packed = at, .packed_bytes = bytes, .bits = (uint8_t)bits};
                tfs(out, &g, NULL, n, map + page);
                for (size_t i = 0; i < n; i++) bad += out[i] != in[i] + 1;
                docs(out, &g, NULL, n, 9, map + page);
                uint32_t d = 9;
                for (size_t i = 0; i < n; i++) bad += out[i] != (d += in[i] + 1);
            }
    return bad;
}

/* The kernels promise to read no further than pack_bytes + 8 bytes from
** the start: the packed area is put against an unmapped page, so that a
** load past the promise faults, for every width the kernels take and the
** lengths whose last group is too short for a vector load in place. */
static void simd_reads_in_bounds(void)
{
    if (!zhs_simd_avx2_supported()) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *map = guard_page(page);
    if (!map) return;
    uint32_t in[40], got[40];
    size_t bad = 0;
    for (unsigned bits = 1; bits <= ZHS_AVX2_MAX_BITS; bits++)
        for (size_t n = 1; n <= 40; n++) {
            for (size_t i = 0; i < n; i++) in[i] = rnd() & ((1u << bits) - 1);
            size_t bytes = zhs_pack_bytes(n, bits);
            uint8_t *at = map + page - bytes - 8;
            memset(at, 0xEE, bytes + 8);
            zhs_pack(at, in, n, bits);
            zhs_unpack_padded_avx2(got, at, n, bits);
            bad += memcmp(got, in, n * 4) != 0;
            zhs_unpack_tfs_padded_avx2(got, at, n, bits);
            for (size_t i = 0; i < n; i++) bad += got[i] != in[i] + 1;
            zhs_unpack_docs_padded_avx2(got, at, n, bits, 9);
            uint32_t d = 9;
            for (size_t i = 0; i < n; i++) bad += got[i] != (d += in[i] + 1);
        }
    CHECK_MSG(bad == 0, "%zu values differ when the packed area ends at a page", bad);
    /* the block decoders read up to their limit, here the page's end, 8
    ** to 40 bytes past the packed area (the vector loop where its loads
    ** fit, one 8-byte load per value after) */
    bad = block_decoders_at_page(map, page, zhs_pfor_block_tfs_avx2, zhs_pfor_block_docs_avx2, 40, 32, 4);
    CHECK_MSG(bad == 0, "%zu values differ when the block decoders' limit is a page's end", bad);
    /* The AVX-512 block decoders load 64 bytes at a time where the load
    ** fits below the limit and masked loads after: whole blocks of up to
    ** 128 values, the limit 8 to 72 bytes past the packed area (a plain
    ** load past the page faults here). */
    if (zhs_simd_avx512_supported()) {
        bad = block_decoders_at_page(map, page, zhs_pfor_block_tfs_avx512, zhs_pfor_block_docs_avx512, ZHS_BLOCK,
                                     64, 8);
        CHECK_MSG(bad == 0, "%zu values differ when the AVX-512 block decoders' limit is a page's end", bad);
    }
    munmap(map, 2 * page);
}

/* Short doc groups, the blocks of most single-block lists: n = 1..16 at
** every width 0..32, without exceptions and with 1..n of them, their
** packed area ending 8..80 bytes before an unmapped page (so that the
** one-group AVX-512 path, which loads 64 bytes when they are readable,
** and the masked loads after it are both taken and neither reads past
** the limit), and bases from -1 to near 2^32.  The dispatch, the AVX2 and
** the AVX-512 kernels must give the scalar decoder's docs and last doc
** and store nothing past the last group of 8. */
static void short_doc_groups(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *map = guard_page(page);
    if (!map) return;
    bool avx2 = zhs_simd_avx2_supported(), avx512 = zhs_simd_avx512_supported();
    uint32_t in[16], want[16], got[24];
    const int64_t prevs[] = {-1, 0, 12345, (int64_t)UINT32_MAX - 4000000};
    size_t bad = 0, runs = 0;
    for (unsigned bits = 0; bits <= 32; bits++)
        for (size_t n = 1; n <= 16; n++)
            for (size_t ne = 0; ne <= n; ne += ne < 2 ? 1 : 3)
                for (size_t extra = 0; extra <= 72; extra += 8) {
                    if (ne && bits >= 32) continue;
                    const uint32_t mask = bits == 32 ? UINT32_MAX : (uint32_t)((1ull << bits) - 1);
                    for (size_t i = 0; i < n; i++) in[i] = rnd() & mask & 0xFFFFu;
                    size_t bytes = zhs_pack_bytes(n, bits);
                    uint8_t *at = map + page - bytes - 8 - extra;
                    memset(at, 0xEE, bytes + 8 + extra);
                    zhs_pack(at, in, n, bits);
                    zhs_pfor_group g = {.packed = at, .packed_bytes = bytes, .bits = (uint8_t)bits,
                                        .nexc = (uint32_t)ne};
                    zhs_pfor_patch pt;
                    for (size_t e = 0; e < ne; e++) {
                        pt.idx[e] = (uint8_t)(e * n / ne);      /* distinct, increasing: the first is 0 */
                        pt.add[e] = (uint32_t)(1 + rnd() % 200) << bits;
                        g.high_sum += pt.add[e] >> bits;
                    }
                    for (size_t k = 0; k < sizeof prevs / sizeof prevs[0]; k++) {
                        uint64_t last = zhs_pfor_block_docs_scalar(want, &g, &pt, n, prevs[k]);
                        for (int path = 0; path < 3; path++) {
                            if ((path == 1 && !avx2) || (path == 2 && !avx512)) continue;
                            bool fits = g.bits <= ZHS_AVX2_MAX_BITS && last <= UINT32_MAX;
                            if (path > 0 && !fits) continue;
                            runs++;
                            for (size_t i = 0; i < 24; i++) got[i] = 0xABABABABu;
                            uint64_t r;
                            if (path == 0) r = zhs_pfor_block_docs(got, &g, &pt, n, prevs[k], map + page);
                            else if (path == 1) {
                                zhs_pfor_block_docs_avx2(got, &g, &pt, n, (uint32_t)prevs[k], map + page);
                                r = got[n - 1];
                            } else {
                                zhs_pfor_block_docs_avx512(got, &g, &pt, n, (uint32_t)prevs[k], map + page);
                                r = got[n - 1];
                            }
                            bool ok = r == last && (last > UINT32_MAX || memcmp(got, want, n * 4) == 0);
                            for (size_t i = (n + 7) / 8 * 8; i < 24; i++) ok = ok && got[i] == 0xABABABABu;
                            if (!ok && bad++ == 0)
                                fprintf(stderr, "short doc group: path %d bits %u n %zu nexc %zu extra %zu prev %lld\n",
                                        path, bits, n, ne, extra, (long long)prevs[k]);
                        }
                    }
                }
    CHECK_MSG(runs > 0 && bad == 0, "%zu short doc groups decoded wrong", bad);
    munmap(map, 2 * page);
}

/* Fills v with n values of one of several shapes: zeros, small values
** with a few outliers (the case PFOR is for), random widths, the maximum. */
static void fill_shape(uint32_t *v, size_t n, int shape)
{
    for (size_t i = 0; i < n; i++) {
        switch (shape) {
        case 0: v[i] = 0; break;
        case 1: v[i] = rnd() % 4 + (rnd() % 17 == 0 ? rnd() : 0); break;
        case 2: v[i] = rnd() >> (rnd() % 32); break;
        case 3: v[i] = 0xFFFFFFFFu; break;
        default: v[i] = (uint32_t)i; break;
        }
    }
}

/* The patch of a parsed group of up to ZHS_BLOCK values, from the
** exceptions the varints say (not from the parse that makes patches, which
** the tests hold to this). */
static void patch_of(zhs_pfor_patch *pt, const zhs_pfor_group *g)
{
    uint32_t idx[ZHS_PFOR_MAX_EXC], high[ZHS_PFOR_MAX_EXC];
    zhs_pfor_exceptions(g, idx, high);
    for (uint32_t k = 0; k < g->nexc; k++) {
        pt->idx[k] = (uint8_t)idx[k];
        pt->add[k] = high[k] << g->bits;
    }
}

/* The doc ids of n gaps after prev into want (32 bits each); the last,
** exact in 64 bits. */
static uint64_t docs_of(uint32_t *want, const uint32_t *in, size_t n, int64_t prev)
{
    uint64_t d = (uint64_t)prev;
    for (size_t i = 0; i < n; i++) {
        d += (uint64_t)in[i] + 1;
        want[i] = (uint32_t)d;
    }
    return d;
}

/* The next block length after n in a sweep of 1..ZHS_BLOCK (steps of
** about n / div): ZHS_BLOCK itself always comes, since a whole block has
** kernel loops of its own (unrolled, codec_avx2.c). */
static size_t next_len(size_t n, size_t div)
{
    size_t next = n + 1 + n / div;
    return n < ZHS_BLOCK && next > ZHS_BLOCK ? ZHS_BLOCK : next;
}

/* The block decoders of a parsed group of n <= ZHS_BLOCK values and its
** patch against the values it holds: through the dispatch, the scalar
** loops and (where the CPU has AVX2 and the group fits the kernels) the
** AVX2 kernels, with limit (where reading must stop) both far and as near
** as allowed (8 bytes past the packed area), so that the vector loop and
** the scalar tail both meet every slot, width and length. */
static void block_kinds(const zhs_pfor_group *g, const zhs_pfor_patch *pt, const uint32_t *in, size_t n,
                        const uint8_t *limit)
{
    static uint32_t want[ZHS_BLOCK], got[ZHS_BLOCK + 8];
    bool avx2 = zhs_simd_avx2_supported() && g->bits <= ZHS_AVX2_MAX_BITS && n <= ZHS_PFOR_AVX2_MAX_N;
    const uint8_t *limits[2] = {limit, g->packed + g->packed_bytes + 8};
    CHECK(limits[1] <= limit);
    for (size_t i = 0; i < n; i++) want[i] = in[i] + 1;
    memset(got, 0xAB, sizeof got);
    zhs_pfor_block_tfs_scalar(got, g, pt, n);
    CHECK_MSG(memcmp(got, want, n * 4) == 0 && got[n] == 0xABABABABu, "scalar block tfs n=%zu bits=%u", n, g->bits);
    for (int l = 0; l < 2; l++) {
        memset(got, 0xAB, sizeof got);
        zhs_pfor_block_tfs(got, g, pt, n, limits[l]);
        CHECK_MSG(memcmp(got, want, n * 4) == 0, "block tfs n=%zu bits=%u nexc=%u", n, g->bits, g->nexc);
        if (!avx2) continue;
        memset(got, 0xAB, sizeof got);
        zhs_pfor_block_tfs_avx2(got, g, pt, n, limits[l]);
        CHECK_MSG(memcmp(got, want, n * 4) == 0, "AVX2 tfs n=%zu bits=%u nexc=%u limit %d", n, g->bits, g->nexc, l);
        CHECK(got[(n + 7) / 8 * 8] == 0xABABABABu);      /* nothing past the last group */
    }
    /* doc ids after a few previous docs: small, and so large that the
    ** last passes 2^32 - 1 (the 64-bit result must say so) */
    int64_t prevs[] = {-1, 0, 1000, (int64_t)UINT32_MAX - 3};
    for (size_t k = 0; n && k < 4; k++) {
        uint64_t d = docs_of(want, in, n, prevs[k]);
        memset(got, 0xAB, sizeof got);
        CHECK(zhs_pfor_block_docs_scalar(got, g, pt, n, prevs[k]) == d && memcmp(got, want, n * 4) == 0);
        for (int l = 0; l < 2; l++) {
            memset(got, 0xAB, sizeof got);
            uint64_t last = zhs_pfor_block_docs(got, g, pt, n, prevs[k], limits[l]);
            CHECK_MSG(last == d && memcmp(got, want, n * 4) == 0, "docs n=%zu bits=%u nexc=%u prev=%lld", n, g->bits,
                      g->nexc, (long long)prevs[k]);
            if (!avx2 || d > UINT32_MAX) continue;
            memset(got, 0xAB, sizeof got);
            zhs_pfor_block_docs_avx2(got, g, pt, n, (uint32_t)prevs[k], limits[l]);
            CHECK_MSG(memcmp(got, want, n * 4) == 0, "AVX2 docs n=%zu bits=%u nexc=%u prev=%lld limit %d", n, g->bits,
                      g->nexc, (long long)prevs[k], l);
            CHECK(got[(n + 7) / 8 * 8] == 0xABABABABu);
        }
    }
}

/* Every block kernel the CPU has (scalar, AVX2, AVX-512) against the
** scalar one, for every width 0..32, every block length 1..ZHS_BLOCK,
** without exceptions and with 1, a few or the most (ZHS_PFOR_MAX_EXC) of
** them, the read limit far and as near as allowed (8 bytes past the
** packed area, where the vector kernels take their careful loads): the
** same tfs and doc ids, and nothing stored past the last group of 8.
** Says which paths it exercised. */
static void block_kernels_agree(void)
{
    bool avx2 = zhs_simd_avx2_supported(), avx512 = zhs_simd_avx512_supported();
    const char *env = getenv("ZHS_SIMD");
    bool scalar_env = env && strcmp(env, "scalar") == 0, avx2_env = env && strcmp(env, "avx2") == 0;
    CHECK(zhs_simd_avx2() == (avx2 && !scalar_env));
    CHECK(zhs_simd_avx512() == (avx512 && avx2 && !scalar_env && !avx2_env));
    CHECK(!avx512 || avx2);
    printf("test_codec: block kernels tested: scalar%s%s; the dispatch uses %s\n", avx2 ? ", AVX2" : "",
           avx512 ? ", AVX-512" : "", zhs_simd_avx512() ? "AVX-512" : zhs_simd_avx2() ? "AVX2" : "scalar");
    static uint8_t buf[ZHS_BLOCK * 4 + 128];
    static uint32_t in[ZHS_BLOCK], tfw[ZHS_BLOCK], dw[ZHS_BLOCK], got[ZHS_BLOCK + 16];
    size_t bad = 0, runs = 0;
    for (unsigned bits = 0; bits <= 32; bits++)
        for (size_t n = 1; n <= ZHS_BLOCK; n++)
            for (int ek = 0; ek < 4; ek++) {
                /* exceptions only where the width leaves room for a high part */
                size_t ne = ek == 0 || bits >= 32 ? 0 : ek == 1 ? 1 : ek == 2 ? 1 + rnd() % 16 : ZHS_PFOR_MAX_EXC;
                if (ne > n) ne = n;
                if (ek > 0 && ne == 0) continue;
                const uint32_t mask = bits == 32 ? UINT32_MAX : (uint32_t)((1ull << bits) - 1);
                for (size_t i = 0; i < n; i++) in[i] = rnd() & mask;
                memset(buf, 0xEE, sizeof buf);
                size_t bytes = zhs_pack(buf, in, n, bits);
                zhs_pfor_group g = {.packed = buf, .packed_bytes = bytes, .bits = (uint8_t)bits, .nexc = (uint32_t)ne};
                zhs_pfor_patch pt;
                /* ne distinct slots in order: every n / ne-th, shifted at random */
                unsigned hb = bits < 32 ? 1 + (unsigned)(rnd() % (32 - bits)) : 0;
                if (hb > 8) hb = 8;     /* doc sums stay below 2^32 for the vector kernels */
                for (size_t e = 0; e < ne; e++) {
                    size_t at = e * n / ne + (rnd() % (n / ne));
                    pt.idx[e] = (uint8_t)at;
                    pt.add[e] = (uint32_t)(1 + rnd() % ((1u << hb) - 1)) << bits;     /* a high part of 1..2^hb - 1 */
                    g.high_sum += pt.add[e] >> bits;
                }
                for (size_t i = 0; i < n; i++) tfw[i] = in[i] + 1;
                for (size_t e = 0; e < ne; e++) tfw[pt.idx[e]] += pt.add[e];
                uint64_t d = 99;
                for (size_t i = 0; i < n; i++) dw[i] = (uint32_t)(d += (uint64_t)tfw[i]);
                const uint8_t *limits[2] = {buf + sizeof buf, buf + bytes + 8};
                for (int path = 0; path < 3; path++) {
                    if ((path == 1 && !avx2) || (path == 2 && !avx512)) continue;
                    if (path > 0 && bits > ZHS_AVX2_MAX_BITS) continue;
                    for (int l = 0; l < 2; l++) {
                        runs++;
                        memset(got, 0xAB, sizeof got);
                        if (path == 0) zhs_pfor_block_tfs_scalar(got, &g, &pt, n);
                        else if (path == 1) zhs_pfor_block_tfs_avx2(got, &g, &pt, n, limits[l]);
                        else zhs_pfor_block_tfs_avx512(got, &g, &pt, n, limits[l]);
                        bad += memcmp(got, tfw, n * 4) != 0 || got[(n + 7) / 8 * 8] != 0xABABABABu;
                        memset(got, 0xAB, sizeof got);
                        bool fits = d <= UINT32_MAX;
                        if (path == 0) bad += zhs_pfor_block_docs_scalar(got, &g, &pt, n, 99) != d;
                        else if (!fits) continue;
                        else if (path == 1) zhs_pfor_block_docs_avx2(got, &g, &pt, n, 99, limits[l]);
                        else zhs_pfor_block_docs_avx512(got, &g, &pt, n, 99, limits[l]);
                        bad += memcmp(got, dw, n * 4) != 0 || got[(n + 7) / 8 * 8] != 0xABABABABu;
                        if (bad) {
                            fprintf(stderr, "block kernel path %d differs: bits %u n %zu nexc %zu limit %d\n", path,
                                    bits, n, ne, l);
                            CHECK(bad == 0);
                            return;
                        }
                    }
                }
            }
    CHECK_MSG(runs > 0 && bad == 0, "%zu block decodings differ", bad);
}

/* The term-frequency and doc-id decodings of a parsed group (format 5's
** varint exceptions) against the values it holds: the scalar walk over
** the exceptions (any length) and, for a block's length, the block
** decoders from the patch those exceptions make. */
static void pfor_kinds(const zhs_pfor_group *g, const uint32_t *in, size_t n, const uint8_t *limit)
{
    static uint32_t want[1200], got[1200 + 8];
    for (size_t i = 0; i < n; i++) want[i] = in[i] + 1;
    memset(got, 0xAB, sizeof got);
    zhs_pfor_unpack_scalar(got, g, n);
    for (size_t i = 0; i < n; i++) got[i] += 1;
    CHECK_MSG(memcmp(got, want, n * 4) == 0, "scalar tfs n=%zu bits=%u", n, g->bits);
    int64_t prevs[] = {-1, 0, 1000, (int64_t)UINT32_MAX - 3};
    for (size_t k = 0; n && k < 4; k++) {
        uint64_t d = docs_of(want, in, n, prevs[k]);
        memset(got, 0xAB, sizeof got);
        CHECK(zhs_pfor_unpack_docs_scalar(got, g, n, prevs[k]) == d && memcmp(got, want, n * 4) == 0);
    }
    if (n <= ZHS_BLOCK) {
        zhs_pfor_patch pt;
        patch_of(&pt, g);
        block_kinds(g, &pt, in, n, limit);
    }
}

/* zhs_pfor_parse_block against zhs_pfor_parse2 on the n-value pair at
** [p, end): the same verdict, the same groups, and patches that say what
** the exceptions' varints say. */
static void parse_block_agrees(const uint8_t *p, const uint8_t *end, size_t n)
{
    zhs_pfor_group a[2], b[2];
    zhs_pfor_patch pt[2];
    const uint8_t *e2 = zhs_pfor_parse2(&a[0], n, &a[1], n, p, end);
    const uint8_t *eb = zhs_pfor_parse_block(&b[0], &pt[0], &b[1], &pt[1], n, p, end);
    CHECK_MSG(e2 == eb, "parse_block and parse2 disagree on a pair of %zu values", n);
    if (!e2 || e2 != eb) return;
    for (int k = 0; k < 2; k++) {
        CHECK(a[k].bits == b[k].bits && a[k].nexc == b[k].nexc && a[k].high_sum == b[k].high_sum &&
              a[k].packed == b[k].packed && a[k].packed_bytes == b[k].packed_bytes);
        uint32_t idx[ZHS_PFOR_MAX_EXC], high[ZHS_PFOR_MAX_EXC];
        zhs_pfor_exceptions(&a[k], idx, high);
        bool same = true;
        for (uint32_t e = 0; e < a[k].nexc; e++) same &= pt[k].idx[e] == idx[e] && pt[k].add[e] == high[e] << a[k].bits;
        CHECK_MSG(same, "patch of group %d differs from its exceptions (n=%zu)", k, n);
    }
}

static void pfor_roundtrip(size_t na, size_t nb, int shape)
{
    static uint32_t a[1200], b[1200], out[1200], idx[ZHS_PFOR_MAX_EXC], high[ZHS_PFOR_MAX_EXC];
    static uint8_t buf[2 * 1200 * 4 + 2048];
    fill_shape(a, na, shape);
    fill_shape(b, nb, (shape + 1) % 5);
    size_t len = zhs_pfor_encode2(buf, a, na, b, nb);
    CHECK(len + 8 <= zhs_pfor_bound(na, nb));
    zhs_pfor_group ga, gb;
    CHECK_MSG(zhs_pfor_parse2(&ga, na, &gb, nb, buf, buf + len) == buf + len, "na=%zu nb=%zu shape=%d", na, nb, shape);
    CHECK(zhs_pfor_parse2(&ga, na, &gb, nb, buf, buf + len - 1) == NULL || len == 0);
    zhs_pfor_group *g[2] = {&ga, &gb};
    const uint32_t *in[2] = {a, b};
    size_t n[2] = {na, nb};
    for (int k = 0; k < 2; k++) {
        memset(out, 0xAB, sizeof out);
        zhs_pfor_unpack(out, g[k], n[k]);       /* buf has slack after the data */
        bool same = true;
        for (size_t i = 0; i < n[k]; i++) same &= out[i] == in[k][i];
        CHECK_MSG(same, "unpack group %d na=%zu nb=%zu shape=%d", k, na, nb, shape);
        CHECK(g[k]->nexc <= ZHS_PFOR_MAX_EXC);
        zhs_pfor_exceptions(g[k], idx, high);
        same = true;
        uint32_t e = 0;
        for (size_t i = 0; i < n[k]; i++) {
            uint32_t x = zhs_pfor_low(g[k], i);
            if (e < g[k]->nexc && idx[e] == i) x |= high[e++] << g[k]->bits;
            same &= x == in[k][i];
        }
        same &= e == g[k]->nexc;
        CHECK_MSG(same, "random access group %d na=%zu nb=%zu shape=%d", k, na, nb, shape);
        pfor_kinds(g[k], in[k], n[k], buf + sizeof buf);
    }
    if (na == nb && na <= ZHS_BLOCK) parse_block_agrees(buf, buf + len, na);
}

static void pfor_tests(void)
{
    size_t sizes[] = {0, 1, 2, 127, 128, 129, 1000};
    for (int shape = 0; shape < 5; shape++)
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
            for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++) pfor_roundtrip(sizes[i], sizes[j], shape);
    for (int r = 0; r < 300; r++) pfor_roundtrip(rnd() % 300, rnd() % 300, (int)(rnd() % 5));
    /* blocks of every length up to ZHS_BLOCK with values of every width
    ** the AVX2 kernels take and outliers anywhere, so that the kernels'
    ** in-register patching meets every slot, tail and width */
    for (unsigned b = 0; b <= ZHS_AVX2_MAX_BITS; b++)
        for (size_t n = 1; n <= ZHS_BLOCK; n = next_len(n, 16)) {
            uint32_t v[ZHS_BLOCK];
            uint8_t enc[zhs_pfor_bound(ZHS_BLOCK, 0) + 8];
            for (size_t i = 0; i < n; i++) {
                v[i] = b ? rnd() & ((1u << b) - 1) : 0;
                if (rnd() % 9 == 0) v[i] |= rnd() >> (rnd() % 24);
            }
            size_t len = zhs_pfor_encode2(enc, v, n, v, 0);
            zhs_pfor_group ga, gb;
            CHECK(zhs_pfor_parse2(&ga, n, &gb, 0, enc, enc + len) == enc + len);
            pfor_kinds(&ga, v, n, enc + sizeof enc);
        }
    /* damage: blocks of doc gaps and tfs with exceptions, bytes changed at
    ** random; parse_block must refuse exactly what parse2 refuses */
    for (int r = 0; r < 20000; r++) {
        uint32_t d[ZHS_BLOCK], t[ZHS_BLOCK];
        uint8_t enc[zhs_pfor_bound(ZHS_BLOCK, ZHS_BLOCK) + 8];
        size_t n = 1 + rnd() % ZHS_BLOCK;
        fill_shape(d, n, 1 + (int)(rnd() % 2));
        fill_shape(t, n, 1);
        size_t len = zhs_pfor_encode2(enc, d, n, t, n);
        parse_block_agrees(enc, enc + len, n);
        for (int m = 1 + (int)(rnd() % 3); m > 0; m--) enc[rnd() % (len < 24 ? len : 24)] = (uint8_t)rnd();
        parse_block_agrees(enc, enc + len - (rnd() % 4 == 0 ? rnd() % (len + 1) : 0), n);
    }

    /* one outlier costs its exception, not a wider group */
    uint32_t v[128] = {0};
    v[5] = 1u << 20;
    uint8_t buf[1024];
    size_t len = zhs_pfor_encode2(buf, v, 128, v, 0);
    CHECK_MSG(len <= 8, "one outlier in 128 zeros took %zu bytes", len);
    CHECK(buf[0] == (0 | ZHS_PFOR_EXC));

    /* damage is refused: a width over 32, exceptions with width 32, an
    ** exception count over the limit or the group, an index past the
    ** group, a zero high part, truncation */
    zhs_pfor_group ga, gb;
    const uint8_t wide[] = {33, 0};
    CHECK(zhs_pfor_parse2(&ga, 1, &gb, 0, wide, wide + 2) == NULL);
    const uint8_t w32[] = {32 | ZHS_PFOR_EXC, 1, 0, 1, 0, 0, 0, 0, 0, 0};
    CHECK(zhs_pfor_parse2(&ga, 1, &gb, 0, w32, w32 + sizeof w32) == NULL);
    const uint8_t many[] = {0 | ZHS_PFOR_EXC, 65, 0};
    CHECK(zhs_pfor_parse2(&ga, 128, &gb, 0, many, many + sizeof many) == NULL);
    const uint8_t past[] = {0 | ZHS_PFOR_EXC, 1, 3, 1, 0};
    CHECK(zhs_pfor_parse2(&ga, 3, &gb, 0, past, past + sizeof past) == NULL);
    const uint8_t zero[] = {0 | ZHS_PFOR_EXC, 1, 0, 0, 0};
    CHECK(zhs_pfor_parse2(&ga, 3, &gb, 0, zero, zero + sizeof zero) == NULL);
    /* the unpack kernels read up to 8 bytes past a group's packed bytes (in
    ** an index the file's footer follows): the buffer has them */
    const uint8_t ok[5 + 8] = {0 | ZHS_PFOR_EXC, 1, 2, 7, 0};
    CHECK(zhs_pfor_parse2(&ga, 3, &gb, 0, ok, ok + 5) == ok + 5);
    uint32_t three[3 + 8];
    zhs_pfor_unpack(three, &ga, 3);
    CHECK(zhs_pfor_parse_block(&ga, NULL, &gb, NULL, ZHS_BLOCK + 1, ok, ok + 5) == NULL);   /* longer than a block */
    CHECK(three[0] == 0 && three[1] == 0 && three[2] == 7);
    CHECK(zhs_pfor_parse2(&ga, 3, &gb, 0, ok, ok + 3) == NULL);
}

/* The exceptions of a format-6 head at h (a head with exceptions, of a
** group of n values): zhs_exc_layout_scalar and zhs_exc_layout_avx2 give
** the same verdict and patch, with room to read (the vector path) and
** with readable exactly the head's bytes (the AVX2 one falls back). */
static void layout_agrees(const uint8_t *h, size_t n, size_t readable)
{
    unsigned bits = h[0] & 0x7F, ne = h[1], hb = h[2];
    if (!(h[0] & ZHS_PFOR_EXC) || ne == 0 || ne > ZHS_PFOR_MAX_EXC || hb == 0 || bits + hb > 32) return;
    if (readable < ne + zhs_pack_bytes(ne, hb)) return;
    zhs_pfor_patch a, b;
    bool va = zhs_exc_layout_scalar(&a, h + 3, ne, hb, bits, n, readable);
    if (!zhs_simd_avx2_supported() || hb > ZHS_AVX2_MAX_BITS) return;
    size_t exact = ne + zhs_pack_bytes(ne, hb);
    for (int r = 0; r < 2; r++) {
        bool vb = zhs_exc_layout_avx2(&b, h + 3, ne, hb, bits, n, r ? exact : readable);
        CHECK_MSG(va == vb, "layouts disagree: ne=%u hb=%u bits=%u n=%zu", ne, hb, bits, n);
        if (va && vb)
            CHECK_MSG(memcmp(a.idx, b.idx, ne) == 0 && memcmp(a.add, b.add, ne * 4) == 0, "patches differ: ne=%u hb=%u", ne,
                      hb);
    }
}

/* Format-6 blocks (zhs_block_encode): round trips of every shape and
** length, each group decoded by every block decoder from the patch the
** parse makes; damage refused alike by the scalar and AVX2 layouts. */
static void block_roundtrip(const uint32_t *d, const uint32_t *t, size_t n)
{
    static uint8_t buf[2048];
    memset(buf, 0xEE, sizeof buf);
    size_t len = zhs_block_encode(buf, d, t, n);
    CHECK(len + 8 <= zhs_pfor_bound(n, n));
    zhs_pfor_group g[2], h[2];
    zhs_pfor_patch pt[2], pu[2];
    const uint8_t *e = zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], n, buf, buf + len, buf + sizeof buf);
    CHECK_MSG(e == buf + len, "format-6 block of %zu values not read back", n);
    if (e != buf + len) return;
    /* the inline entry agrees, and every truncation is refused */
    CHECK(zhs_block_parse(&h[0], &pu[0], &h[1], &pu[1], n, buf, buf + len, buf + sizeof buf, true) == e);
    CHECK(h[0].bits == g[0].bits && h[0].nexc == g[0].nexc && h[1].bits == g[1].bits && h[1].nexc == g[1].nexc);
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8)
        CHECK_MSG(zhs_block_parse_packed(&h[0], &pu[0], &h[1], &pu[1], n, buf, buf + cut, buf + sizeof buf) == NULL,
                  "a block of %zu bytes cut to %zu accepted", len, cut);
    const uint32_t *in[2] = {d, t};
    for (int k = 0; k < 2; k++) {
        CHECK(g[k].nexc <= ZHS_PFOR_MAX_EXC);
        block_kinds(&g[k], &pt[k], in[k], n, buf + sizeof buf);
    }
    layout_agrees(buf, n, sizeof buf);
}

static void block_tests(void)
{
    uint32_t d[ZHS_BLOCK], t[ZHS_BLOCK];
    for (int shape = 0; shape < 5; shape++)
        for (size_t n = 1; n <= ZHS_BLOCK; n = next_len(n, 8)) {
            fill_shape(d, n, shape);
            fill_shape(t, n, (shape + 1) % 5);
            block_roundtrip(d, t, n);
        }
    /* every width the kernels take, outliers anywhere and of every
    ** height (high parts of 1 to 32 - width bits) */
    for (unsigned b = 0; b <= 32; b++)
        for (size_t n = 1; n <= ZHS_BLOCK; n = next_len(n, 16)) {
            for (size_t i = 0; i < n; i++) {
                d[i] = b ? rnd() & (uint32_t)((1ull << b) - 1) : 0;
                t[i] = rnd() % 4;
                if (rnd() % 9 == 0) d[i] |= rnd() >> (rnd() % 32);
                if (rnd() % 13 == 0) t[i] = rnd() >> (rnd() % 32);
            }
            block_roundtrip(d, t, n);
        }
    /* one outlier costs its index and high part, not a wider group */
    uint32_t z[ZHS_BLOCK] = {0}, ones[ZHS_BLOCK] = {0};
    z[5] = 1u << 20;
    uint8_t one[2048];
    size_t len = zhs_block_encode(one, z, ones, ZHS_BLOCK);
    CHECK_MSG(len == 8, "one outlier in 128 zeros took %zu bytes", len);     /* head 3, index 1, high part 3, tf head 1 */
    CHECK(one[0] == (0 | ZHS_PFOR_EXC) && one[1] == 1 && one[2] == 21 && one[3] == 5);

    /* damage: bytes of the heads changed at random; the parse refuses or
    ** reads inside the block, and both layouts say the same */
    static uint8_t enc[2048];
    for (int r = 0; r < 20000; r++) {
        size_t n = 1 + rnd() % ZHS_BLOCK;
        fill_shape(d, n, 1 + (int)(rnd() % 2));
        fill_shape(t, n, 1);
        memset(enc, 0xEE, sizeof enc);
        len = zhs_block_encode(enc, d, t, n);
        for (int m = 1 + (int)(rnd() % 3); m > 0; m--) enc[rnd() % (len < 24 ? len : 24)] = (uint8_t)rnd();
        size_t keep = len - (rnd() % 4 == 0 ? rnd() % (len + 1) : 0);
        zhs_pfor_group g[2];
        zhs_pfor_patch pt[2];
        const uint8_t *e = zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], n, enc, enc + keep, enc + sizeof enc);
        CHECK(e == NULL || (e > enc && e <= enc + keep));
        layout_agrees(enc, n, sizeof enc);
    }
    /* each check of a head: count 0, over 64 or over n, high width 0 or
    ** past 32 bits, indexes not increasing or past n, a width of 32 with
    ** exceptions, high parts cut short */
    zhs_pfor_group g[2];
    zhs_pfor_patch pt[2];
    static const uint8_t ok[] = {2 | ZHS_PFOR_EXC, 2, 3, 0, 3, 0x3F, 0, 0};   /* 4 values, width 2, exceptions at 0 and 3 */
    static uint8_t tmp[512];
    CHECK(zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], 4, ok, ok + sizeof ok, ok + sizeof ok) == ok + sizeof ok);
    CHECK(g[0].nexc == 2 && pt[0].idx[0] == 0 && pt[0].idx[1] == 3 && pt[0].add[0] == 7u << 2 && pt[0].add[1] == 7u << 2);
    struct { int at; uint8_t v; size_t n; } bad[] = {
        {1, 0, 4}, {1, 65, 128}, {1, 3, 2}, {2, 0, 4}, {2, 31, 4}, {4, 0, 4}, {3, 3, 4}, {4, 4, 4}, {0, 32 | ZHS_PFOR_EXC, 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memcpy(tmp, ok, sizeof ok);
        tmp[bad[i].at] = bad[i].v;
        CHECK_MSG(zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], bad[i].n, tmp, tmp + sizeof ok, tmp + sizeof tmp) == NULL,
                  "damage %zu accepted", i);
        layout_agrees(tmp, bad[i].n, sizeof tmp);
        layout_agrees(tmp, bad[i].n, sizeof ok);
    }
    CHECK(zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], 4, ok, ok + 5, ok + sizeof ok) == NULL);
    CHECK(zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], ZHS_BLOCK + 1, ok, ok + sizeof ok, ok + sizeof ok) == NULL);

    /* the AVX2 layout reads no further than it is told: heads that end at
    ** an unmapped page */
    if (!zhs_simd_avx2_supported()) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *map = guard_page(page);
    if (!map) return;
    for (size_t r = 0; r < 2000; r++) {
        size_t n = 1 + rnd() % ZHS_BLOCK;
        fill_shape(d, n, 1);
        fill_shape(t, n, 1);
        len = zhs_block_encode(tmp, d, t, n);
        size_t extra = rnd() % 300;
        uint8_t *at = map + page - len - extra;
        memcpy(at, tmp, len);
        memset(at + len, 0xEE, extra);
        zhs_pfor_group gg[2];
        zhs_pfor_patch pp[2];
        CHECK(zhs_block_parse_packed(&gg[0], &pp[0], &gg[1], &pp[1], n, at, at + len, map + page) == at + len);
        layout_agrees(at, n, len + extra);
    }
    munmap(map, 2 * page);
}

/* Format-9 blocks (zhs_block_encode_v9): tfs in unary or left out (all
** one) where smaller.  The parse of a special block by the scalar and the
** AVX2 exception layouts and the inline entry, the unary tfs by the
** scalar loop, the VBMI2 kernel (where the CPU has it) and the dispatch,
** with the read limit far and as near as allowed. */
static const uint8_t *block9_parse(zhs_pfor_group *g, zhs_pfor_patch *pt, size_t n, const uint8_t *p,
                                   const uint8_t *end, const uint8_t *limit)
{
    if (!(p[0] & ZHS_BLOCK_TF_SPECIAL))
        return zhs_block_parse_packed(&g[0], &pt[0], &g[1], &pt[1], n, p, end, limit);
    zhs_pfor_group h[2];
    zhs_pfor_patch ph;
    const uint8_t *a = zhs_block_special_parse_scalar(&g[0], &pt[0], &g[1], n, p, end, limit);
    const uint8_t *b = zhs_block_special_parse_inline(&h[0], &ph, &h[1], n, p, end, limit);
    CHECK_MSG(a == b, "the scalar and the inline parse of a special block differ (n=%zu)", n);
    if (zhs_simd_avx2_supported()) {
        b = zhs_block_special_parse_avx2(&h[0], &ph, &h[1], n, p, end, limit);
        CHECK_MSG(a == b, "the scalar and the AVX2 parse of a special block differ (n=%zu)", n);
    }
    if (a && b) CHECK(h[1].bits == g[1].bits && h[1].high_sum == g[1].high_sum && h[0].bits == g[0].bits);
    if (a) {
        /* the inline entry's own paths (doc gaps without exceptions, tfs
        ** all one or in unary) place both groups as the scalar parse does */
        b = zhs_block_special_parse_inline(&h[0], &ph, &h[1], n, p, end, limit);
        for (int k = 0; k < 2; k++)
            CHECK_MSG(h[k].packed == g[k].packed && h[k].packed_bytes == g[k].packed_bytes &&
                          h[k].nexc == g[k].nexc && h[k].bits == g[k].bits && h[k].high_sum == g[k].high_sum &&
                          (h[k].nexc == 0 || h[k].exc == g[k].exc),
                      "the inline parse of a special block placed group %d unlike the scalar one (n=%zu)", k, n);
    }
    if (a && g[1].bits == ZHS_TF_UNARY_BITS) {
        /* the area is placed when the tfs are read: here, as the cursor
        ** would, with the scalar and the popcnt twin */
        CHECK(g[1].packed == a && g[1].packed_bytes == 0);
        zhs_pfor_group u = g[1];
        zhs_pfor_group w1 = g[1], w2 = g[1];
        a = zhs_unary_place(&g[1], a, end, n);
        if (zhs_simd_avx2_supported()) {
            b = zhs_unary_place_avx2(&u, u.packed, end, limit, n);
            CHECK_MSG(a == b && (!a || (u.high_sum == g[1].high_sum && u.packed_bytes == g[1].packed_bytes)),
                      "the scalar and the popcnt place of a unary area differ (n=%zu)", n);
        }
        /* the checked decoders (place and decode in one) give the same
        ** verdict, area and tfs */
        static uint32_t t1[ZHS_BLOCK + 64], t2[ZHS_BLOCK + 64];
        bool s1 = zhs_unary_tfs_checked_scalar(t1, &w1, n, end, limit);
        CHECK_MSG(s1 == (a != NULL) && (!s1 || (w1.packed_bytes == g[1].packed_bytes && w1.high_sum == g[1].high_sum)),
                  "the checked scalar unary decoder and the place differ (n=%zu)", n);
        if (zhs_simd_vbmi2_supported()) {
            bool s2 = zhs_unary_tfs_vbmi2(t2, &w2, n, end, limit);
            CHECK_MSG(s2 == s1 && (!s2 || (w2.packed_bytes == w1.packed_bytes && w2.high_sum == w1.high_sum &&
                                           memcmp(t1, t2, n * 4) == 0)),
                      "the VBMI2 and the scalar unary decoders differ (n=%zu)", n);
        }
    }
    return a;
}

static void unary_kinds(const zhs_pfor_group *g, const uint32_t *want, size_t n, const uint8_t *limit)
{
    static uint32_t got[ZHS_BLOCK + 16];
    const uint8_t *limits[2] = {limit, g->packed + g->packed_bytes};
    memset(got, 0xAB, sizeof got);
    zhs_unary_tfs_scalar(got, g, n);
    CHECK_MSG(memcmp(got, want, n * 4) == 0 && got[n] == 0xABABABABu, "scalar unary tfs n=%zu", n);
    for (int l = 0; l < 2; l++) {
        zhs_pfor_group u = *g;
        u.packed_bytes = 0;
        if (zhs_simd_vbmi2_supported()) {
            memset(got, 0xAB, sizeof got);
            CHECK(zhs_unary_tfs_vbmi2(got, &u, n, g->packed + g->packed_bytes, limits[l]));
            CHECK_MSG(memcmp(got, want, n * 4) == 0 && u.packed_bytes == g->packed_bytes && u.high_sum == g->high_sum,
                      "VBMI2 unary tfs n=%zu limit %d", n, l);
            CHECK(got[n] == 0xABABABABu);        /* masked stores: nothing past n */
        }
        memset(got, 0xAB, sizeof got);
        u.packed_bytes = 0;
        CHECK(zhs_unary_block_tfs(got, &u, n, g->packed + g->packed_bytes, limits[l]));
        CHECK_MSG(memcmp(got, want, n * 4) == 0, "unary tfs through the dispatch n=%zu", n);
        memset(got, 0xAB, sizeof got);
        zhs_pfor_block_tfs(got, g, NULL, n, limits[l] + 8);
        CHECK_MSG(memcmp(got, want, n * 4) == 0, "a placed unary group through zhs_pfor_block_tfs n=%zu", n);
    }
}

static void block9_roundtrip(const uint32_t *d, const uint32_t *t, size_t n)
{
    static uint8_t buf[2048], old[2048];
    static uint32_t want[ZHS_BLOCK], got[ZHS_BLOCK + 16];
    memset(buf, 0xEE, sizeof buf);
    size_t len = zhs_block_encode_v9(buf, d, t, n), len8 = zhs_block_encode(old, d, t, n);
    uint64_t sum = 0;
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++) {
        sum += t[i];
        any |= t[i];
        want[i] = t[i] + 1;
    }
    CHECK_MSG(len <= len8 && buf[len] == 0xEE, "format 9 took %zu bytes, format 8 %zu (n=%zu)", len, len8, n);
    /* the layout the rule asks for */
    unsigned field = buf[0] & ZHS_BLOCK_WIDTH_MASK;
    bool special = (buf[0] & ZHS_BLOCK_TF_SPECIAL) != 0, ones = special && field >= ZHS_BLOCK_TF_ONES;
    if (any == 0) CHECK_MSG(ones == (old[0] % ZHS_PFOR_EXC <= 30) && (!ones || len + 1 == len8), "all-one tfs n=%zu", n);
    else CHECK(!ones);
    if (special && !ones) CHECK(len8 - len >= 1 && (n + sum + 7) / 8 < len8 - len + (n + sum + 7) / 8);
    zhs_pfor_group g[2];
    zhs_pfor_patch pt[2];
    const uint8_t *e = block9_parse(g, pt, n, buf, buf + len, buf + sizeof buf);
    CHECK_MSG(e == buf + len, "format-9 block of %zu values (special %d) not read back", n, special);
    if (e != buf + len) return;
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8)
        CHECK_MSG(block9_parse(g, pt, n, buf, buf + cut, buf + sizeof buf) == NULL, "a block of %zu bytes cut to %zu accepted",
                  len, cut);
    e = block9_parse(g, pt, n, buf, buf + len, buf + sizeof buf);
    uint64_t last = zhs_pfor_block_docs(got, &g[0], &pt[0], n, -1, buf + sizeof buf), x = (uint64_t)-1;
    bool same = true;
    for (size_t i = 0; i < n; i++) same &= got[i] == (uint32_t)(x += (uint64_t)d[i] + 1);
    CHECK_MSG(same && last == x, "format-9 doc ids n=%zu", n);
    if (g[1].bits == ZHS_TF_UNARY_BITS) {
        CHECK(g[1].high_sum == sum && g[1].packed_bytes == (n + sum + 7) / 8);
        unary_kinds(&g[1], want, n, buf + sizeof buf);
    } else {
        memset(got, 0xAB, sizeof got);
        zhs_pfor_block_tfs(got, &g[1], &pt[1], n, buf + sizeof buf);
        CHECK_MSG(memcmp(got, want, n * 4) == 0, "format-9 PFOR tfs n=%zu", n);
    }
}

/* tfs drawn as on laws (71% 1, 20% 2, 6% 3, 3% 4 to 8), with a tail (a
** few large ones), all one, all large */
static void fill_tfs(uint32_t *t, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd() % 100;
        uint32_t v = r < 71 ? 0 : r < 91 ? 1 : r < 97 ? 2 : 3 + rnd() % 5;
        t[i] = kind == 0 ? 0 : kind == 1 ? v : kind == 2 ? v + (rnd() % 40 == 0 ? rnd() % 3000 : 0)
             : kind == 3 ? 200 + rnd() % 100 : (uint32_t)(i % 2);
    }
}

static void block9_tests(void)
{
    uint32_t d[ZHS_BLOCK], t[ZHS_BLOCK];
    unsigned unary = 0, ones = 0;
    for (int kind = 0; kind < 5; kind++)
        for (int shape = 0; shape < 5; shape++)
            for (size_t n = 1; n <= ZHS_BLOCK; n++) {
                fill_shape(d, n, shape);
                if (shape == 3) for (size_t i = 0; i < n; i++) d[i] = 0xFFFFFFFFu / ZHS_BLOCK;
                fill_tfs(t, n, kind);
                block9_roundtrip(d, t, n);
                uint8_t b[2048];
                zhs_block_encode_v9(b, d, t, n);
                unary += (b[0] & ZHS_BLOCK_TF_SPECIAL) && (b[0] & ZHS_BLOCK_WIDTH_MASK) < ZHS_BLOCK_TF_ONES;
                ones += (b[0] & ZHS_BLOCK_TF_SPECIAL) && (b[0] & ZHS_BLOCK_WIDTH_MASK) >= ZHS_BLOCK_TF_ONES;
            }
    CHECK_MSG(unary > 500 && ones > 300, "layouts met: %u unary, %u all-one", unary, ones);
    /* a byte by byte example: 4 docs (gaps 0, width 0), tfs 1 2 1 3:
    ** bits 1, 01, 1, 001 from the lowest: 0b1001_1101 ... = 0x4D, 0x00?
    ** positions of the 1 bits: 0, 2, 3, 6 */
    static const uint32_t g4[4] = {0}, t4[4] = {0, 1, 0, 2};
    uint8_t ex[16];
    CHECK(zhs_block_encode_v9(ex, g4, t4, 4) == 2 && ex[0] == ZHS_BLOCK_TF_SPECIAL && ex[1] == 0x4D);
    CHECK(zhs_block_encode_v9(ex, g4, g4, 4) == 1 && ex[0] == (ZHS_BLOCK_TF_SPECIAL | ZHS_BLOCK_TF_ONES));

    /* damage of the unary area: too few 1 bits, a 1 bit past the n-th in
    ** the last byte, an area too long for the list */
    zhs_pfor_group g[2];
    zhs_pfor_patch pt[2];
    uint8_t bad[8];
    memcpy(bad, ex, 2);
    CHECK(zhs_block_encode_v9(bad, g4, t4, 4) == 2);
    bad[1] = 0x0D;          /* three 1 bits */
    CHECK(block9_parse(g, pt, 4, bad, bad + 2, bad + sizeof bad) == NULL);
    bad[1] = 0xCD;          /* a fifth */
    CHECK(block9_parse(g, pt, 4, bad, bad + 2, bad + sizeof bad) == NULL);
    bad[1] = 0x0D;
    bad[2] = 0x01;          /* the fourth in the next byte, outside the block */
    CHECK(block9_parse(g, pt, 4, bad, bad + 2, bad + sizeof bad) == NULL);
    CHECK(block9_parse(g, pt, 4, bad, bad + 3, bad + sizeof bad) == bad + 3 && g[1].high_sum == 8 + 1 - 4);
    /* all-one with a doc width past 30 is not a layout: 63 - 33 = 30 */
    bad[0] = ZHS_BLOCK_TF_SPECIAL | ZHS_BLOCK_WIDTH_MASK;
    memset(bad + 1, 0, 7);
    CHECK(block9_parse(g, pt, 1, bad, bad + 5, bad + sizeof bad) == bad + 5 && g[0].bits == 30 && g[1].bits == 0);

    /* random damage: the three parses agree, and a block they accept
    ** decodes alike everywhere, inside what it may read */
    static uint8_t enc[2048];
    for (int r = 0; r < 20000; r++) {
        size_t n = 1 + rnd() % ZHS_BLOCK;
        fill_shape(d, n, 1 + (int)(rnd() % 2));
        fill_tfs(t, n, 1 + (int)(rnd() % 2));
        memset(enc, 0xEE, sizeof enc);
        size_t len = zhs_block_encode_v9(enc, d, t, n);
        for (int m = 1 + (int)(rnd() % 3); m > 0; m--) enc[rnd() % len] = (uint8_t)rnd();
        size_t keep = len - (rnd() % 4 == 0 ? rnd() % (len + 1) : 0);
        const uint8_t *e = block9_parse(g, pt, n, enc, enc + keep, enc + sizeof enc);
        CHECK(e == NULL || (e > enc && e <= enc + keep));
        if (e && g[1].bits == ZHS_TF_UNARY_BITS) {
            uint32_t want[ZHS_BLOCK];
            CHECK(g[1].packed + g[1].packed_bytes == e);
            zhs_unary_tfs_scalar(want, &g[1], n);
            uint64_t s = 0;
            for (size_t i = 0; i < n; i++) s += want[i] - 1;
            CHECK(s == g[1].high_sum);
            unary_kinds(&g[1], want, n, enc + sizeof enc);
        }
    }

    /* the VBMI2 kernel reads no further than the area when the limit is
    ** its end: areas that end at an unmapped page */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *map = guard_page(page);
    if (!map) return;
    for (int r = 0; r < 2000; r++) {
        size_t n = 1 + rnd() % ZHS_BLOCK;
        fill_shape(d, n, 0);
        fill_tfs(t, n, 1 + (int)(rnd() % 2));
        size_t len = zhs_block_encode_v9(enc, d, t, n);
        uint8_t *at = map + page - len;
        memcpy(at, enc, len);
        if (!(at[0] & ZHS_BLOCK_TF_SPECIAL)) continue;
        CHECK(block9_parse(g, pt, n, at, at + len, map + page) == at + len);
        if (g[1].bits != ZHS_TF_UNARY_BITS) continue;
        uint32_t want[ZHS_BLOCK], got[ZHS_BLOCK + 16];
        for (size_t i = 0; i < n; i++) want[i] = t[i] + 1;
        if (zhs_simd_vbmi2_supported()) {
            zhs_pfor_group u = g[1];
            u.packed_bytes = 0;
            CHECK(zhs_unary_tfs_vbmi2(got, &u, n, map + page, map + page) && memcmp(got, want, n * 4) == 0);
        }
        zhs_unary_tfs_scalar(got, &g[1], n);
        CHECK(memcmp(got, want, n * 4) == 0);
    }
    munmap(map, 2 * page);
    printf("format-9 blocks: %u unary, %u all-one; VBMI2 kernel %s\n", unary, ones,
           zhs_simd_vbmi2_supported() ? "compared" : "not on this CPU");
}

/* A block's gap offsets (segment.c locates positions with them): the
** scalar loop against the sum of tf - 1 over the docs before, then the
** AVX2 kernel against the scalar loop, for every length up to a block,
** tfs small and huge (a sum past 32 bits), and a tf of 0 anywhere (damage:
** both say so). */
static void gap_offsets_agree(void)
{
    uint32_t tfs[ZHS_BLOCK];
    uint64_t want[ZHS_BLOCK], a[ZHS_BLOCK], b[ZHS_BLOCK];
    bool avx2 = zhs_simd_avx2_supported(), avx512 = zhs_simd_avx512_supported();
    for (int r = 0; r < 3000; r++) {
        size_t n = (size_t)r % (ZHS_BLOCK + 1);
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t x = rnd();
            tfs[i] = r % 3 == 0 ? 1 + x % 4 : r % 3 == 1 ? 1 + x % 1000 : x | 1u << 31;
            want[i] = total;
            total += tfs[i] - 1;
        }
        CHECK(zhs_gap_offsets_scalar(a, tfs, n) == total);
        CHECK(memcmp(a, want, n * sizeof *a) == 0);
        if (avx2) {
            CHECK(zhs_gap_offsets_avx2(b, tfs, n) == total);
            CHECK(memcmp(b, want, n * sizeof *b) == 0);
        }
        if (avx512) {
            /* nothing stored past before[n - 1]: the last step is masked */
            memset(b, 0xAB, sizeof b);
            CHECK(zhs_gap_offsets_avx512(b, tfs, n) == total);
            CHECK(memcmp(b, want, n * sizeof *b) == 0);
            CHECK(n == ZHS_BLOCK || b[n] == 0xABABABABABABABABull);
        }
        if (n == 0) continue;
        tfs[rnd() % n] = 0;
        CHECK(zhs_gap_offsets_scalar(a, tfs, n) == UINT64_MAX);
        if (avx2) CHECK(zhs_gap_offsets_avx2(b, tfs, n) == UINT64_MAX);
        if (avx512) CHECK(zhs_gap_offsets_avx512(b, tfs, n) == UINT64_MAX);
        CHECK(zhs_gap_offsets(b, tfs, n) == UINT64_MAX);
    }
}

/* The width a group's head names is the cheapest by the encoder's cost
** model over every width from the widest value's down (the first of equal
** costs from the top, at most ZHS_PFOR_MAX_EXC exceptions), whatever
** shortcut the encoder takes: format 6 (packed: 2 bytes, an index byte per
** exception, their high parts packed) and format 5 (varints: 1 byte, per
** exception an index byte and its high part's varint). */
static unsigned full_search_width(const uint32_t *v, size_t n, bool packed)
{
    unsigned maxb = 0;
    for (size_t i = 0; i < n; i++)
        if (zhs_bits_needed(v[i]) > maxb) maxb = zhs_bits_needed(v[i]);
    unsigned best = maxb;
    size_t best_cost = zhs_pack_bytes(n, maxb);
    for (unsigned b = maxb; b-- > 0;) {
        size_t above = 0, cost = zhs_pack_bytes(n, b) + (packed ? 2 : 1);
        for (size_t i = 0; i < n; i++) {
            unsigned k = zhs_bits_needed(v[i]);
            if (k <= b) continue;
            above++;
            cost += packed ? 1 : 1 + (k - b + 6) / 7;
        }
        if (above > ZHS_PFOR_MAX_EXC) break;
        if (packed) cost += zhs_pack_bytes(above, maxb - b);
        if (cost < best_cost) {
            best_cost = cost;
            best = b;
        }
    }
    return best;
}

static void width_is_cheapest(void)
{
    static uint32_t v[300], t[ZHS_BLOCK];
    static uint8_t enc[8192];
    size_t sizes[] = {1, 2, 3, 5, 8, 17, 64, 127, 128, 200, 300};
    for (int round = 0; round < 200; round++)
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
            for (int shape = 0; shape < 5; shape++) {
                size_t n = sizes[si];
                fill_shape(v, n, shape);
                if (round % 2)      /* outliers of a few widths over a small base */
                    for (size_t i = 0; i < n; i++) v[i] = rnd() % 8 | (rnd() % 5 == 0 ? 1u << (rnd() % 24) : 0);
                zhs_pfor_encode2(enc, v, n, v, 0);
                CHECK((enc[0] & ~ZHS_PFOR_EXC) == full_search_width(v, n, false));
                if (n > ZHS_BLOCK) continue;
                for (size_t i = 0; i < n; i++) t[i] = 0;
                zhs_block_encode(enc, v, t, n);
                CHECK((enc[0] & ~ZHS_PFOR_EXC) == full_search_width(v, n, true));
            }
}

/* Format 7 dictionary entries (format.h) read back as written: df 1 (its
** max tf is cf), df at the flags' escape, the largest df and cf, keys of
** every length with shared parts on both sides of the one-byte lengths,
** terms without positions, bounds stored (rounded up, at most 1/128
** looser) or left out; contradictory counts refused; every truncation
** refused; and a format 1-6 entry still read. */
static void dict_entries(void)
{
    enum { N = 12 };
    static char keys[N][ZHS_TERM_MAX_KEY];
    size_t klen[N];
    zhs_term_info in[N];
    memset(in, 0, sizeof in);
    for (int i = 0; i < N; i++) {
        /* keys in order, shared parts 0, 1, 4, 14, 15, 16 ... */
        size_t share[N] = {0, 1, 4, 14, 15, 16, 3, 200, 0, 254, 5, 6};
        size_t len[N] = {7, 7, 7, 29, 30, 33, 4, 255 - 1, 1, 255, 21, 6 + 15};
        klen[i] = len[i];
        if (i) memcpy(keys[i], keys[i - 1], share[i]);
        for (size_t j = i ? share[i] : 0; j < len[i]; j++) keys[i][j] = (char)('a' + (i + j) % 26);
        if (i) keys[i][share[i]] = (char)(keys[i - 1][share[i]] + 1);   /* sorts after the previous */
    }
    /* df 1 with tf 1, df 1 with tf 7, df 31/32 (the escape), 33, the largest df and cf, ... */
    /* df 1: format 10's inline lists (entries 0, 1, 11: positions in the
    ** entry, none, in .pos for their number) */
    uint32_t dfs[N] = {1, 1, 30, 31, 32, 33, 2, UINT32_MAX, 128, 5, 1000000, 1};
    uint64_t cfs[N] = {3, 7, 30, 40, 32, 90, 3, UINT64_MAX, 128, 5, (uint64_t)1 << 40, 100};
    uint32_t mtf[N] = {3, 7, 1, 3, 1, 9, 2, UINT32_MAX, 1, 1, 4000000000u, 100};
    static const uint8_t posv[] = {0x85, 0x01, 0x02, 0x7F};     /* 133, 2, 127: three varints */
    for (int i = 0; i < N; i++) {
        in[i].df = dfs[i];
        in[i].cf = cfs[i];
        in[i].max_tf = mtf[i];
        in[i].post_len = i == 7 ? (uint64_t)1 << 40 : 3 + (uint64_t)i * 1000;
        in[i].pos_len = i % 3 == 1 ? 0 : (uint64_t)i * 77777;      /* some without positions */
        in[i].min_len = i == 4 ? 0 : i == 5 ? UINT32_MAX : 10 + (uint32_t)i;
        in[i].ub_from_max = i % 2 == 0;
        in[i].ub = i == 3 ? 2.2f : 0.1f + 0.3f * (float)i;
        if (in[i].df == 1) {
            in[i].post_inline = true;
            in[i].doc1 = i == 1 ? UINT32_MAX - 1 : 1000u * (uint32_t)i;
            in[i].post_len = 0;
            if (i == 0) {
                in[i].pos_inline = posv;
                in[i].pos_len = sizeof posv;
            }
        }
    }
    zhs_buf b;
    zhs_buf_init(&b);
    for (int i = 0; i < N; i++) {
        size_t pre = 0;
        while (i && pre < klen[i] && pre < klen[i - 1] && keys[i][pre] == keys[i - 1][pre]) pre++;
        CHECK(zhs_dict_put_entry(&b, keys[i], klen[i], pre, &in[i]) == ZHS_OK);
    }
    const uint8_t *p = (const uint8_t *)b.data, *end = p + b.len;
    char key[ZHS_TERM_MAX_KEY];
    size_t keylen = 0;
    uint64_t post = 1000, pos = 2000;
    for (int i = 0; i < N; i++) {
        zhs_term_info t;
        memset(&t, 0xAB, sizeof t);
        uint64_t post_was = post, pos_was = pos;
        CHECK_MSG(zhs_dict_parse_entry(&p, end, ZHS_DICT_KIND_INLINE, key, &keylen, &t, &post, &pos), "entry %d", i);
        CHECK_MSG(keylen == klen[i] && memcmp(key, keys[i], keylen) == 0, "key %d", i);
        /* an inline list's shortest passage is its passage's length, which
        ** the caller reads (UINT32_MAX here); its positions in the entry
        ** (pos_len their bytes) take no .pos bytes */
        uint32_t want_min = in[i].post_inline ? UINT32_MAX : in[i].min_len;
        uint64_t pos_step = in[i].pos_inline ? 0 : in[i].pos_len;
        CHECK_MSG(t.df == in[i].df && t.cf == in[i].cf && t.max_tf == in[i].max_tf && t.min_len == want_min &&
                  t.post_len == in[i].post_len && t.pos_len == in[i].pos_len && t.post_off == post_was &&
                  t.pos_off == pos_was && post == post_was + t.post_len && pos == pos_was + pos_step,
                  "counts %d", i);
        CHECK_MSG(t.post_inline == in[i].post_inline && (!t.post_inline || t.doc1 == in[i].doc1), "inline %d", i);
        CHECK_MSG(in[i].pos_inline ? t.pos_inline && memcmp(t.pos_inline, posv, sizeof posv) == 0 : !t.pos_inline,
                  "inline positions %d", i);
        CHECK_MSG(t.ub_from_max == in[i].ub_from_max, "bound %d", i);
        if (!in[i].ub_from_max)
            CHECK_MSG(t.ub >= in[i].ub && t.ub <= in[i].ub * (1 + 1.0 / 128), "ub %g -> %g", (double)in[i].ub,
                      (double)t.ub);
    }
    CHECK(p == end);
    /* a truncated run of entries is refused, never read past its end */
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.data, cut);
        const uint8_t *q = copy;
        keylen = 0;
        post = pos = 0;
        bool all = true;
        for (int i = 0; i < N && all; i++) {
            zhs_term_info t;
            all = zhs_dict_parse_entry(&q, copy + cut, ZHS_DICT_KIND_INLINE, key, &keylen, &t, &post, &pos);
        }
        CHECK_MSG(!all, "cut at %zu read", cut);
        free(copy);
    }
    /* counts that contradict each other are refused */
    zhs_term_info bad = in[0];
    bad.max_tf = 2;                                 /* df 1, cf 1 */
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    bad = in[2];
    bad.cf = bad.df - 1;
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    bad = in[2];
    bad.max_tf = 2;                                 /* cf = df: every tf 1 */
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    bad = in[0];
    bad.post_inline = false;                        /* df 1 is inline in format 10 */
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    bad = in[2];
    bad.post_inline = true;                         /* only df 1 is */
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    bad = in[0];
    bad.pos_inline = NULL;                          /* 3 positions belong in the entry */
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    bad = in[11];
    bad.pos_inline = posv;                          /* 100 do not */
    CHECK(zhs_dict_put_entry(&b, "k", 1, 0, &bad) == ZHS_EINTERNAL);
    /* a format 1-6 entry: varint lengths, df, cf, post_len, pos_len, f32
    ** ub, max tf, min length */
    zhs_buf v1;
    zhs_buf_init(&v1);
    uint64_t f1[] = {0, 3};
    for (int i = 0; i < 2; i++) zhs_buf_put_varint(&v1, f1[i]);
    zhs_buf_append(&v1, "Bxy", 3);
    uint64_t f2[] = {5, 9, 300, 0};
    for (int i = 0; i < 4; i++) zhs_buf_put_varint(&v1, f2[i]);
    float ub = 1.5f;
    uint32_t ubits;
    memcpy(&ubits, &ub, 4);
    zhs_buf_put_u32(&v1, ubits);
    zhs_buf_put_varint(&v1, 4);
    zhs_buf_put_varint(&v1, 77);
    p = (const uint8_t *)v1.data;
    keylen = 0;
    post = pos = 8;
    zhs_term_info t;
    CHECK(zhs_dict_parse_entry(&p, p + v1.len, ZHS_DICT_KIND_V1, key, &keylen, &t, &post, &pos));
    CHECK(keylen == 3 && memcmp(key, "Bxy", 3) == 0 && t.df == 5 && t.cf == 9 && t.post_len == 300 &&
          t.pos_len == 0 && t.ub == 1.5f && !t.ub_from_max && t.max_tf == 4 && t.min_len == 77 && post == 308);
    zhs_buf_free(&v1);
    zhs_buf_free(&b);
}

/* Packed skip tables (format 8): n entries of a list, shaped by kind,
** encoded and read back field by field; then every byte of the table
** damaged: the parse refuses it or the values stay inside 64 bits (the
** cursor's checks see the rest), and nothing reads outside the buffer
** (AddressSanitizer). */
static void skip_table_roundtrip(uint32_t n, bool pos, int kind)
{
    zhs_skip *e = calloc(n, sizeof *e);
    CHECK(e != NULL);
    if (!e) return;
    uint64_t last = kind == 2 ? 4294967295u - (uint64_t)n * 200 : rnd() % 1000, post = 0, poff = 0;
    for (uint32_t b = 0; b < n; b++) {
        /* 0: a term spread evenly; 1: clustered (long jumps); 2: doc ids
        ** near 2^32; 3: every bound at its extreme */
        last += kind == 1 ? (rnd() % 4 ? 130 + rnd() % 20 : rnd() % 2000000) : 128 + rnd() % 70;
        e[b].last_doc = (uint32_t)last;
        e[b].post_off = (uint32_t)post;
        e[b].pos_off = pos ? poff : 0;
        post += 2 + rnd() % (kind == 1 ? 3000 : 300);
        poff += 2 + rnd() % 500;
        e[b].max_tf = kind == 3 ? (b & 1 ? 65535 : 1) : (uint16_t)(1 + rnd() % 9);
        e[b].min_len_q = kind == 3 ? (b & 1 ? 65535 : 0) : (uint16_t)(20 + rnd() % 300);
        uint32_t fb = kind == 3 ? (b & 1 ? 0x7F7F0000u : 0) : 0x3F800000u + rnd() % 0x900000u;
        memcpy(&e[b].ub, &fb, 4);
    }
    uint64_t blocks_len = post + 1, pos_len = pos ? poff + 3 : 0;
    zhs_buf out;
    zhs_buf_init(&out);
    CHECK(zhs_skip_table_encode(&out, e, n, pos, blocks_len, pos_len));
    size_t tlen = out.len, list_len = tlen + (size_t)blocks_len;
    /* the list: the table, the blocks (here filler), then the footer's 16 */
    uint8_t *list = malloc(list_len + 16);
    CHECK(list != NULL);
    if (!list) {
        free(e);
        zhs_buf_free(&out);
        return;
    }
    memcpy(list, out.data, tlen);
    memset(list + tlen, 0xA5, list_len + 16 - tlen);
    zhs_skip_table t;
    CHECK(zhs_skip_table_parse(&t, list, n, list_len, pos_len));
    CHECK(t.len == tlen);
    /* smaller than the fixed entries once a few blocks share the fixed
    ** header */
    if (n >= 8) CHECK(tlen < (size_t)n * (pos ? ZHS_SKIP_BYTES : ZHS_SKIP_BYTES_NOPOS));
    /* the cursor's two steps read what the whole parse reads */
    zhs_skip_table h;
    CHECK(zhs_skip_table_parse_head(&h, list, n, list_len, pos_len) && h.rest == list && h.len == tlen);
    for (uint32_t b = 0; b < n; b++)
        CHECK(zhs_skip_last(&h, b) == e[b].last_doc &&
              zhs_skip_value(&h, ZHS_SK_POST, b) == zhs_skip_value(&t, ZHS_SK_POST, b));
    zhs_skip_table_parse_rest(&h);
    CHECK(h.rest == NULL);
    for (uint32_t b = 0; b < n; b++) {
        zhs_skip g1, g2;
        zhs_skip_get(&h, b, &g1);
        zhs_skip_get(&t, b, &g2);
        CHECK(memcmp(&g1, &g2, sizeof g1) == 0);
    }
    /* each width one above its limit is refused (the header's one check) */
    unsigned nf = pos ? ZHS_SKIP_NFIELDS : ZHS_SKIP_NFIELDS - 1;
    for (unsigned f = 0; f < nf; f++) {
        uint8_t keep = list[f];
        list[f] = f == ZHS_SK_LAST || f == ZHS_SK_POST || f == ZHS_SK_POS ? ZHS_SKIP_WIDE_MAX + 1 : 17;
        CHECK_MSG(!zhs_skip_table_parse_head(&h, list, n, list_len, pos_len), "width %u", f);
        list[f] = 0x80 | keep;
        CHECK(!zhs_skip_table_parse_head(&h, list, n, list_len, pos_len));
        list[f] = keep;
    }
    /* the last docs at whole bytes (skp5): the encoder rounds their width
    ** up to a multiple of 8 (at most 40), the reader steps whole bytes
    ** and refuses any other width; ub alone reads as the whole entry's */
    CHECK(list[ZHS_SK_LAST] % 8 == 0 && list[ZHS_SK_LAST] <= ZHS_SKIP_LAST_MAX &&
          t.last_bytes == list[ZHS_SK_LAST] / 8u);
    {
        uint8_t keep = list[ZHS_SK_LAST];
        const uint8_t bad[] = {(uint8_t)(keep | 1), (uint8_t)(keep ^ 4), ZHS_SKIP_LAST_MAX + 8, ZHS_SKIP_LAST_MAX + 1};
        for (size_t i = 0; i < sizeof bad; i++) {
            list[ZHS_SK_LAST] = bad[i];
            CHECK_MSG(!zhs_skip_table_parse_head(&h, list, n, list_len, pos_len), "last width %u", bad[i]);
        }
        list[ZHS_SK_LAST] = keep;
    }
    for (uint32_t b = 0; b < n; b++) {
        zhs_skip g;
        zhs_skip_get(&t, b, &g);
        float ub = zhs_skip_get_ub(&t, b);
        CHECK(memcmp(&ub, &g.ub, 4) == 0);
    }
    for (uint32_t b = 0; b < n; b++) {
        zhs_skip g, want = e[b];
        uint8_t fixed[ZHS_SKIP_BYTES];
        zhs_skip_encode(fixed, &want, pos ? ZHS_SKIP_BYTES : ZHS_SKIP_BYTES_NOPOS);
        zhs_skip_decode(&want, fixed, pos ? ZHS_SKIP_BYTES : ZHS_SKIP_BYTES_NOPOS);
        zhs_skip_get(&t, b, &g);
        CHECK_MSG(zhs_skip_last(&t, b) == e[b].last_doc && g.last_doc == e[b].last_doc, "n %u kind %d b %u", n,
                  kind, b);
        /* the same entry as format 6's (ub rounded up the same way) */
        CHECK(g.post_off == want.post_off && g.pos_off == want.pos_off && g.max_tf == want.max_tf &&
              g.min_len_q == want.min_len_q && memcmp(&g.ub, &want.ub, 4) == 0);
    }
    /* the table must fit the list, with a byte for each block */
    CHECK(!zhs_skip_table_parse(&t, list, n, tlen + n - 1, pos_len));
    CHECK(!zhs_skip_table_parse(&t, list, n, 5, pos_len));
    for (size_t i = 0; i < tlen; i++) {
        uint8_t keep = list[i];
        for (int r = 0; r < 3; r++) {
            list[i] = r == 0 ? 0xFF : r == 1 ? (uint8_t)(keep ^ (1u << (rnd() & 7))) : 0;
            if (!zhs_skip_table_parse(&t, list, n, list_len, pos_len)) continue;
            CHECK(t.len < list_len);
            for (uint32_t b = 0; b < n; b++) {
                zhs_skip g;
                zhs_skip_get(&t, b, &g);
                (void)zhs_skip_last(&t, b);
            }
        }
        list[i] = keep;
    }
    free(list);
    free(e);
    zhs_buf_free(&out);
}

static void skip_table_tests(void)
{
    uint32_t ns[] = {2, 3, 7, 8, 9, 64, 1000};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (int kind = 0; kind < 4; kind++) {
            skip_table_roundtrip(ns[i], true, kind);
            skip_table_roundtrip(ns[i], false, kind);
        }
    /* the fixed entries of format 6, read through the same table */
    zhs_skip s = {123456789u, 4000000000u, 0xFFFFFFF0u, 1.75f, 65535, 4097}, g;
    uint8_t fx[2 * ZHS_SKIP_BYTES + 16] = {0};
    zhs_skip_encode(fx + ZHS_SKIP_BYTES, &s, ZHS_SKIP_BYTES);
    zhs_skip_table t;
    zhs_skip_table_fixed(&t, fx, 2, ZHS_SKIP_BYTES);
    zhs_skip_get(&t, 1, &g);
    CHECK(t.len == 2 * ZHS_SKIP_BYTES && g.last_doc == s.last_doc && g.post_off == s.post_off &&
          g.pos_off == s.pos_off && g.ub == s.ub && g.max_tf == s.max_tf && g.min_len_q == s.min_len_q);
    /* a fixed entry's last doc at byte 0, its record's bytes apart */
    CHECK(t.last_bytes == ZHS_SKIP_BYTES && zhs_skip_last(&t, 1) == s.last_doc && zhs_skip_get_ub(&t, 1) == s.ub);
    uint8_t f1[2 * ZHS_SKIP_BYTES_V1 + 16] = {0};
    s.pos_off = 0x123456789abull;
    zhs_skip_encode(f1 + ZHS_SKIP_BYTES_V1, &s, ZHS_SKIP_BYTES_V1);
    zhs_skip_table_fixed(&t, f1, 2, ZHS_SKIP_BYTES_V1);
    zhs_skip_get(&t, 1, &g);
    CHECK(g.last_doc == s.last_doc && g.post_off == s.post_off && g.pos_off == s.pos_off && g.ub == s.ub &&
          g.max_tf == s.max_tf && g.min_len_q == s.min_len_q);
    CHECK(t.last_bytes == ZHS_SKIP_BYTES_V1 && zhs_skip_last(&t, 1) == s.last_doc && zhs_skip_get_ub(&t, 1) == s.ub);
    /* a doc id past 2^32 - 1 in a table is damage, never a wrapped id */
    zhs_skip big[2] = {{4294967000u, 0, 0, 1.0f, 1, 1}, {4294967294u, 10, 0, 1.0f, 1, 1}};
    zhs_buf out;
    zhs_buf_init(&out);
    CHECK(zhs_skip_table_encode(&out, big, 2, false, 20, 0));
    uint8_t list[256] = {0};
    memcpy(list, out.data, out.len);
    CHECK(zhs_skip_table_parse(&t, list, 2, out.len + 20, 0));
    CHECK(zhs_skip_last(&t, 1) == 4294967294u);
    t.f[ZHS_SK_LAST].base += 5;
    CHECK(zhs_skip_last(&t, 1) == UINT32_MAX);
    zhs_buf_free(&out);
}

int main(void)
{
    dict_entries();
    width_is_cheapest();
    gap_offsets_agree();
    simd_vs_scalar();
    simd_reads_in_bounds();
    short_doc_groups();
    block_kernels_agree();
    pfor_tests();
    block_tests();
    block9_tests();
    skip_table_tests();

    /* bit packing: every width, the block edge sizes */
    size_t sizes[] = {0, 1, 2, 7, 8, 127, 128, 129, 255, 300};
    for (unsigned bits = 0; bits <= 32; bits++)
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) pack_roundtrip(sizes[i], bits);
    CHECK(zhs_bits_needed(0) == 0);
    CHECK(zhs_bits_needed(1) == 1);
    CHECK(zhs_bits_needed(255) == 8);
    CHECK(zhs_bits_needed(256) == 9);
    CHECK(zhs_bits_needed(0xFFFFFFFFu) == 32);

    /* varints: edges and truncation */
    uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, 0xFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull};
    zhs_buf b;
    zhs_buf_init(&b);
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) zhs_buf_put_varint(&b, vals[i]);
    const uint8_t *p = (const uint8_t *)b.data, *end = p + b.len;
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        uint64_t v = 0;
        CHECK(zhs_varint_get(&p, end, &v));
        CHECK(v == vals[i]);
    }
    CHECK(p == end);
    uint64_t v;
    p = (const uint8_t *)b.data;
    CHECK(!zhs_varint_get(&p, p, &v));                      /* empty */
    const uint8_t cont[] = {0x80, 0x80};
    p = cont;
    CHECK(!zhs_varint_get(&p, cont + 2, &v));               /* runs off the end */
    const uint8_t toolong[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    p = toolong;
    CHECK(!zhs_varint_get(&p, toolong + 11, &v));           /* over 10 bytes */

    /* skip entries */
    zhs_skip s = {123456789u, 4000000000u, 0x123456789abull, 1.75f, 65535, 4097}, t;
    uint8_t e[ZHS_SKIP_BYTES_V1];
    zhs_skip_encode(e, &s, ZHS_SKIP_BYTES_V1);
    zhs_skip_decode(&t, e, ZHS_SKIP_BYTES_V1);
    CHECK(t.last_doc == s.last_doc && t.post_off == s.post_off && t.pos_off == s.pos_off);
    CHECK(t.ub == s.ub && t.max_tf == s.max_tf && t.min_len_q == s.min_len_q);
    /* compact entries: pos_off of 32 bits (or none), ub rounded up by
    ** less than 1/128 of itself */
    s.pos_off = 0xFFFFFFFFu;
    for (int r = 0; r < 2000; r++) {
        unsigned size = r & 1 ? ZHS_SKIP_BYTES : ZHS_SKIP_BYTES_NOPOS;
        uint32_t fb = rnd() & 0x7FFFFFFFu;
        memcpy(&s.ub, &fb, 4);
        if (r == 0) s.ub = 0;
        if (r == 2) s.ub = 2.2f;
        if (fb >= 0x7F800000u) continue;            /* not a finite bound */
        memset(e, 0xEE, sizeof e);
        zhs_skip_encode(e, &s, size);
        CHECK(e[size] == 0xEE);                     /* writes size bytes, no more */
        zhs_skip_decode(&t, e, size);
        CHECK(t.last_doc == s.last_doc && t.post_off == s.post_off && t.max_tf == s.max_tf &&
              t.min_len_q == s.min_len_q);
        CHECK(t.pos_off == (size == ZHS_SKIP_BYTES ? s.pos_off : 0));
        bool near_max = s.ub > 3.0e38f;             /* may round up to infinity */
        CHECK_MSG(t.ub >= s.ub && (near_max || t.ub <= s.ub * (1 + 1.0 / 128) + 1e-38f), "ub %g -> %g",
                  (double)s.ub, (double)t.ub);
    }

    /* quantized lengths round down, so bounds stay bounds */
    for (uint32_t len = 0; len < 2000000; len += 1 + len / 3) CHECK(zhs_len_unq(zhs_len_q(len)) <= len);
    CHECK(zhs_len_unq(zhs_len_q(4095)) == 4095);

    /* block bounds checking */
    uint8_t blk[64] = {3, 2};
    CHECK(zhs_block_end(blk, blk + 2 + zhs_pack_bytes(10, 3) + zhs_pack_bytes(10, 2), 10) != NULL);
    CHECK(zhs_block_end(blk, blk + 5, 10) == NULL);
    uint8_t badblk[4] = {40, 1, 0, 0};
    CHECK(zhs_block_end(badblk, badblk + 4, 1) == NULL);

    /* footers: good file accepted; any flipped byte or truncation refused */
    zhs_buf f;
    zhs_buf_init(&f);
    zhs_buf_append(&f, ZHS_MAGIC_DICT, 8);
    zhs_buf_puts(&f, "some body bytes");
    CHECK(zhs_footer_append(&f));
    const uint8_t *body;
    size_t blen;
    zhs_error err = {0};
    CHECK(zhs_file_check(&body, &blen, (const uint8_t *)f.data, f.len, ZHS_MAGIC_DICT, true, "x", &err) == ZHS_OK);
    CHECK(blen == strlen("some body bytes"));
    for (size_t i = 0; i < f.len; i++) {
        f.data[i] ^= 0x20;
        zhs_error e2 = {0};
        CHECK_MSG(zhs_file_check(&body, &blen, (const uint8_t *)f.data, f.len, ZHS_MAGIC_DICT, true, "x", &e2) == ZHS_ECORRUPT,
                  "flip at %zu accepted", i);
        CHECK(strstr(e2.message, "x") != NULL);
        f.data[i] ^= 0x20;
    }
    for (size_t n = 0; n < f.len; n++) {
        zhs_error e2 = {0};
        CHECK(zhs_file_check(&body, &blen, (const uint8_t *)f.data, n, ZHS_MAGIC_DICT, true, "x", &e2) == ZHS_ECORRUPT);
    }

    /* manifest round trip, and a damaged manifest refused */
    const char *dir = zt_tmpdir();
    zhs_manifest m;
    memset(&m, 0, sizeof m);
    m.version = ZHS_FORMAT_VERSION;
    m.generation = 7;
    snprintf(m.analyzer, sizeof m.analyzer, "zhs-analyzer/1 test");
    m.passages = 42;
    m.tokens = 4200;
    m.avglen = 100;
    m.k1 = 1.2;
    m.b = 0.5;
    m.nsegments = 1;
    snprintf(m.seg[0].name, sizeof m.seg[0].name, "g7");
    m.seg[0].count = 42;
    CHECK_OK(zhs_manifest_write(&m, dir, &err), err);
    zhs_manifest r;
    CHECK_OK(zhs_manifest_read(&r, dir, &err), err);
    CHECK(r.generation == 7 && r.passages == 42 && r.k1 == 1.2 && r.nsegments == 1);
    CHECK_STR(r.analyzer, m.analyzer);
    char path[512];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    zhs_buf mf;
    zhs_buf_init(&mf);
    CHECK_OK(zhs_file_read(&mf, path, false, 0, &err), err);
    mf.data[20] ^= 1;
    CHECK_OK(zhs_file_write(path, mf.data, mf.len, &err), err);
    zhs_error e3 = {0};
    CHECK(zhs_manifest_read(&r, dir, &e3) == ZHS_ECORRUPT);
    CHECK(strstr(e3.message, "MANIFEST") != NULL);
    zhs_error e4 = {0};
    CHECK(zhs_manifest_read(&r, "/nonexistent-zhs", &e4) == ZHS_ENOTFOUND);

    zhs_buf_free(&mf);
    zhs_buf_free(&f);
    zhs_buf_free(&b);
    return zt_done("test_codec");
}
