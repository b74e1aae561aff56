/*
** test_codec.c — integer codecs and on-disk helpers: bit packing, varints,
** skip entries, quantized lengths, file footers, the manifest; the AVX2
** kernels against the scalar loops.
*/
#include "codec_simd.h"
#include "format.h"
#include "harness.h"
#include "manifest.h"

#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void pack_roundtrip(size_t n, unsigned bits)
{
    uint32_t in[300], out[300];
    uint8_t buf[300 * 4 + 16];
    uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    for (size_t i = 0; i < n; i++) in[i] = rnd() & mask;
    if (n) in[n - 1] = mask;        /* the largest value must survive */
    size_t used = zhs_pack(buf, in, n, bits);
    CHECK(used == zhs_pack_bytes(n, bits));
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

int main(void)
{
    simd_vs_scalar();

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
    uint8_t e[ZHS_SKIP_BYTES];
    zhs_skip_encode(e, &s);
    zhs_skip_decode(&t, e);
    CHECK(t.last_doc == s.last_doc && t.post_off == s.post_off && t.pos_off == s.pos_off);
    CHECK(t.ub == s.ub && t.max_tf == s.max_tf && t.min_len_q == s.min_len_q);

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
