/*
** test_tables.c — the compressed tables of format 9 (common/ztable.h):
** a body written and read back the same, the plain layouts of format 8
** still read, damage (truncation, a bad frame, a size that does not
** match, a count that is not the manifest's) refused with a message
** naming the file, never a crash; the passage lengths' byte planes at
** every width; an index built by this build and the sample index
** checked with its tables in the new layouts.
*/
#include "harness.h"
#include "format.h"
#include "meta.h"
#include "ztable.h"
#include "zhs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZMAGIC "ZHSTSTZ1"
#define PMAGIC "ZHSTSTP1"

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc(len > 0 ? (size_t)len : 1);
    if (d && len > 0 && fread(d, 1, (size_t)len, f) != (size_t)len) {
        free(d);
        d = NULL;
    }
    fclose(f);
    if (d) *n = (size_t)len;
    return d;
}

/* A body of n bytes that compresses (repeats, as a table's strings do)
** but not to nothing. */
static uint8_t *make_body(size_t n, uint64_t seed)
{
    uint8_t *b = malloc(n + 1);
    for (size_t i = 0; b && i < n; i++)
        b[i] = i >= 64 && zt_xorshift(&seed) % 16 ? b[i - 64] : (uint8_t)zt_xorshift(&seed);
    return b;
}

static const char *const plain_magics[] = {PMAGIC, NULL};

/* Opens path and, when it opens, checks it gives body[0..n). */
static int open_and_compare(const char *path, const uint8_t *body, size_t n, zhs_error *err)
{
    zhs_table_body t;
    int rc = zhs_table_open(&t, path, ZMAGIC, plain_magics, "test table", true, err);
    if (rc == ZHS_OK) {
        CHECK(t.len == n && (n == 0 || memcmp(t.body, body, n) == 0));
        zhs_table_close(&t);
    }
    return rc;
}

static void test_roundtrip(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/t.z", dir);
    static const size_t sizes[] = {0, 1, 12, 1000, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        uint8_t *body = make_body(sizes[k], 7 + k);
        zhs_error err = {0};
        CHECK_OK(zhs_ztable_write(NULL, path, ZMAGIC, body, sizes[k], &err), err);
        zhs_table_body t;
        CHECK_OK(zhs_table_open(&t, path, ZMAGIC, plain_magics, "test table", true, &err), err);
        CHECK(t.compressed && t.magic && !memcmp(t.magic, ZMAGIC, 8));
        CHECK(t.len == sizes[k] && (sizes[k] == 0 || memcmp(t.body, body, sizes[k]) == 0));
        zhs_table_close(&t);
        size_t fn;
        free(slurp(path, &fn));
        if (sizes[k] == 200000) CHECK_MSG(fn < sizes[k] / 2, "200000 repetitive bytes took %zu", fn);
        free(body);
    }
    /* the plain layout: magic, the body as it is, footer */
    uint8_t *body = make_body(5000, 3);
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, PMAGIC, 8);
    zhs_buf_append(&b, body, 5000);
    CHECK(zhs_footer_append(&b));
    zt_write_bytes(dir, "t.z", b.data, b.len);
    zhs_table_body t;
    zhs_error err = {0};
    CHECK_OK(zhs_table_open(&t, path, ZMAGIC, plain_magics, "test table", true, &err), err);
    CHECK(!t.compressed && t.magic == plain_magics[0] && t.len == 5000 && !memcmp(t.body, body, 5000));
    zhs_table_close(&t);
    zhs_buf_free(&b);
    free(body);
    /* missing: not found, not damage (an index without the table) */
    snprintf(path, sizeof path, "%s/absent.z", dir);
    zhs_error e2 = {0};
    CHECK(zhs_table_open(&t, path, ZMAGIC, plain_magics, "test table", true, &e2) == ZHS_ENOTFOUND);
}

static bool names_damage(const zhs_error *e, const char *file)
{
    return strstr(e->message, file) && strstr(e->message, "rebuild");
}

static void test_damage(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/d.z", dir);
    size_t n = 30000;
    uint8_t *body = make_body(n, 11);
    zhs_error err = {0};
    CHECK_OK(zhs_ztable_write(NULL, path, ZMAGIC, body, n, &err), err);
    size_t fn;
    char *file = slurp(path, &fn);
    CHECK(file && fn > 40);
    if (!file || fn <= 40) return;
    uint8_t *w = malloc(fn + 64);

    /* truncated anywhere, footer left as it falls or made anew */
    for (size_t cut = 0; cut < fn; cut += cut < 64 ? 1 : 97) {
        zt_write_bytes(dir, "d.z", file, cut);
        zhs_error e = {0};
        CHECK_MSG(open_and_compare(path, body, n, &e) == ZHS_ECORRUPT && names_damage(&e, "d.z"),
                  "cut at %zu: %s", cut, e.message);
        if (cut >= 8 + 16) {
            memcpy(w, file, cut - 16);
            memset(w + cut - 16, 0, 16);
            zt_write_repaired(path, w, cut);
            zhs_error e2 = {0};
            CHECK_MSG(open_and_compare(path, body, n, &e2) == ZHS_ECORRUPT && names_damage(&e2, "d.z"),
                      "cut at %zu, footer repaired: %s", cut, e2.message);
        }
    }

    /* a byte of the frame changed, the CRC repaired: refused, or read as
    ** the same number of bytes (zstd keeps no checksum: the CRC is the
    ** guard), never a crash */
    size_t refused = 0;
    for (size_t i = 16; i < fn - 16; i += 7) {
        memcpy(w, file, fn);
        w[i] ^= (uint8_t)(1u << (i % 8));
        zt_write_repaired(path, w, fn);
        zhs_table_body t;
        zhs_error e = {0};
        int rc = zhs_table_open(&t, path, ZMAGIC, plain_magics, "test table", true, &e);
        if (rc == ZHS_OK) {
            CHECK(t.len == n);
            zhs_table_close(&t);
        } else {
            CHECK_MSG(rc == ZHS_ECORRUPT && names_damage(&e, "d.z"), "byte %zu: %s", i, e.message);
            refused++;
        }
    }
    CHECK(refused > 0);

    /* the frame's own magic: a bad frame */
    memcpy(w, file, fn);
    w[16] ^= 0xFF;
    zt_write_repaired(path, w, fn);
    zhs_error e3 = {0};
    CHECK(open_and_compare(path, body, n, &e3) == ZHS_ECORRUPT && strstr(e3.message, "bad zstd frame") &&
          names_damage(&e3, "d.z"));

    /* the raw length other than the frame's: a size that does not match */
    static const uint64_t lies[] = {0, 29999, 30001, (uint64_t)1 << 40, UINT64_MAX};
    for (size_t k = 0; k < sizeof lies / sizeof *lies; k++) {
        memcpy(w, file, fn);
        for (int j = 0; j < 8; j++) w[8 + j] = (uint8_t)(lies[k] >> (8 * j));
        zt_write_repaired(path, w, fn);
        zhs_error e = {0};
        CHECK_MSG(open_and_compare(path, body, n, &e) == ZHS_ECORRUPT && strstr(e.message, "does not match") &&
                  names_damage(&e, "d.z"), "length %llu: %s", (unsigned long long)lies[k], e.message);
    }

    /* bytes after the frame */
    memcpy(w, file, fn - 16);
    memcpy(w + fn - 16, "junk", 4);
    memset(w + fn - 12, 0, 16);
    zt_write_repaired(path, w, fn + 4);
    zhs_error e4 = {0};
    CHECK(open_and_compare(path, body, n, &e4) == ZHS_ECORRUPT && names_damage(&e4, "d.z"));

    /* a magic of neither layout */
    memcpy(w, file, fn);
    memcpy(w, "ZHSOTHER", 8);
    zt_write_repaired(path, w, fn);
    zhs_error e5 = {0};
    CHECK(open_and_compare(path, body, n, &e5) != ZHS_OK && strstr(e5.message, "d.z"));
    free(w);
    free(file);
    free(body);
}

/* Lengths written and opened back: the u32 array every reader indexes. */
static void check_lens(const char *dir, const uint32_t *lens, uint32_t n, unsigned width)
{
    char path[600];
    snprintf(path, sizeof path, "%s/g1.len", dir);
    zhs_error err = {0};
    CHECK_OK(zhs_lens_write(NULL, path, lens, n, &err), err);
    zhs_table_body t;
    CHECK_OK(zhs_table_open(&t, path, ZHS_MAGIC_LEN_, NULL, "passage lengths", true, &err), err);
    CHECK_MSG(t.body && t.len == ZHS_LENS_HEAD + (size_t)width * n && t.body[4] == width,
              "%u lengths: width %u expected", n, width);
    zhs_table_close(&t);
    zhs_mapped m;
    CHECK_OK(zhs_lens_open(&m, path, n, true, &err), err);
    CHECK(m.body_len == (size_t)n * 4 && m.owned);
    bool same = m.body_len == (size_t)n * 4;
    for (uint32_t d = 0; same && d < n; d++) same = zhs_get_u32(m.body + (size_t)d * 4) == lens[d];
    CHECK_MSG(same, "%u lengths of width %u read back differ", n, width);
    zhs_unmap_file(&m);
    /* a count other than the manifest's */
    zhs_error e = {0};
    CHECK(zhs_lens_open(&m, path, n + 1, true, &e) == ZHS_ECORRUPT && strstr(e.message, "manifest") &&
          names_damage(&e, "g1.len"));
    if (n) {
        zhs_error e2 = {0};
        CHECK(zhs_lens_open(&m, path, n - 1, true, &e2) == ZHS_ECORRUPT && names_damage(&e2, "g1.len"));
    }
}

static void test_lens(const char *dir)
{
    enum { N = 5000 };
    static uint32_t lens[N];
    uint64_t seed = 5;
    check_lens(dir, lens, 0, 0);
    check_lens(dir, lens, N, 0);        /* all 0 */
    static const uint32_t tops[] = {255, 4876, 70000, UINT32_MAX};
    for (unsigned k = 0; k < 4; k++) {
        for (uint32_t d = 0; d < N; d++) lens[d] = zt_xorshift(&seed) % (tops[k] / 20 + 1) + 6;
        lens[N / 2] = tops[k];
        check_lens(dir, lens, N, k + 1);
    }

    /* the layout of formats 1 to 8: a u32 each, mapped as it is */
    char path[600];
    snprintf(path, sizeof path, "%s/g1.len", dir);
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, ZHS_MAGIC_LEN_V1, 8);
    for (uint32_t d = 0; d < N; d++) zhs_buf_put_u32(&b, lens[d]);
    CHECK(zhs_footer_append(&b));
    zt_write_bytes(dir, "g1.len", b.data, b.len);
    zhs_mapped m;
    zhs_error err = {0};
    CHECK_OK(zhs_lens_open(&m, path, N, true, &err), err);
    CHECK(!m.owned && m.body_len == (size_t)N * 4 && m.body && !memcmp(m.body, b.data + 8, (size_t)N * 4));
    zhs_unmap_file(&m);
    zhs_buf_free(&b);

    /* a width over 4, the raw body's size off: damage, never a read past */
    uint8_t raw[ZHS_LENS_HEAD + 16] = {0};
    zhs_set_u32(raw, 4);
    raw[4] = 5;
    CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_LEN_, raw, ZHS_LENS_HEAD + 16, &err), err);
    zhs_error e = {0};
    CHECK(zhs_lens_open(&m, path, 4, true, &e) == ZHS_ECORRUPT && names_damage(&e, "g1.len"));
    raw[4] = 4;
    CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_LEN_, raw, ZHS_LENS_HEAD + 15, &err), err);
    zhs_error e2 = {0};
    CHECK(zhs_lens_open(&m, path, 4, true, &e2) == ZHS_ECORRUPT && names_damage(&e2, "g1.len"));
    /* a raw body longer than 4 passages' planes can be (here 1 MiB of
    ** zeros, a frame of a few hundred bytes): refused before it is
    ** allocated or decoded, whatever the frame says */
    size_t big = (size_t)1 << 20;
    uint8_t *zeros = calloc(big, 1);
    CHECK(zeros != NULL);
    if (zeros) {
        zhs_set_u32(zeros, 4);
        zeros[4] = 4;
        CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_LEN_, zeros, big, &err), err);
        zhs_error e4 = {0};
        CHECK_MSG(zhs_lens_open(&m, path, 4, true, &e4) == ZHS_ECORRUPT && names_damage(&e4, "g1.len") &&
                      strstr(e4.message, "larger"),
                  "%s", e4.message);
        free(zeros);
    }
    zhs_error e3 = {0};
    snprintf(path, sizeof path, "%s/none.len", dir);
    CHECK_MSG(zhs_lens_open(&m, path, 4, true, &e3) == ZHS_ECORRUPT && names_damage(&e3, "none.len"), "%s", e3.message);
}

/* The sample index as this build writes it: every table in its new
** layout, 'zhs check' content, its metadata and citations loaded. */
static void test_index(const char *dir)
{
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    CHECK_OK(zhs_analyzer_open(&an, NULL, &err), err);
    if (!an) return;
    size_t n = zt_index_sample(dir, an, NULL, NULL);
    zhs_analyzer_close(an);
    CHECK(n > 100);
    static const char *const files[][2] = {{"g1.len", ZHS_MAGIC_LEN_}, {"g1.meta", ZHS_MAGIC_META},
                                           {"g1.cite", ZHS_MAGIC_CITE}, {"g1.files", ZHS_MAGIC_FILES}};
    for (size_t i = 0; i < 4; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
        size_t fn;
        char *d = slurp(path, &fn);
        CHECK_MSG(d && fn >= 8 && !memcmp(d, files[i][1], 8), "%s is not of format 9", files[i][0]);
        free(d);
    }
    CHECK_OK(zhs_index_verify(dir, &err), err);
    char path[600];
    snprintf(path, sizeof path, "%s/g1.meta", dir);
    zhs_meta m;
    CHECK_OK(zhs_meta_load(&m, path, (uint32_t)n, &err), err);
    CHECK(m.nruns > 0 && m.nstrings > 0);
    zhs_meta_free(&m);
    /* the lengths of another passage count: 'zhs check' names the file */
    snprintf(path, sizeof path, "%s/g1.len", dir);
    zhs_mapped lm;
    CHECK_OK(zhs_lens_open(&lm, path, (uint32_t)n, true, &err), err);
    uint32_t *lens = malloc((n + 1) * sizeof *lens);
    for (size_t d = 0; d < n; d++) lens[d] = zhs_get_u32(lm.body + d * 4);
    zhs_unmap_file(&lm);
    CHECK_OK(zhs_lens_write(NULL, path, lens, (uint32_t)n - 1, &err), err);
    zhs_error e = {0};
    CHECK(zhs_index_verify(dir, &e) == ZHS_ECORRUPT && names_damage(&e, "g1.len"));
    CHECK_OK(zhs_lens_write(NULL, path, lens, (uint32_t)n, &err), err);
    zhs_error ok = {0};
    CHECK_OK(zhs_index_verify(dir, &ok), ok);
    free(lens);
}

/* The dictionary's block table of format 9 (u32 offsets, the trailer's
** width 4); the same dictionary with format 8's u64 offsets (width 0)
** reads the same; another width is damage. */
static void test_dict_offsets(const char *dir)
{
    char path[640];
    snprintf(path, sizeof path, "%s/g1.dict", dir);
    size_t n;
    uint8_t *d = (uint8_t *)slurp(path, &n);
    CHECK(d && n > 8 + 16 + ZHS_FOOTER_LEN);
    if (!d || n <= 8 + 16 + ZHS_FOOTER_LEN) return;
    const uint8_t *tr = d + n - ZHS_FOOTER_LEN - 16;
    uint32_t nblocks = zhs_get_u32(tr);
    CHECK(zhs_get_u32(tr + 4) == ZHS_DICT_OFF32 && nblocks > 1);
    size_t table = (size_t)(tr - d) - (size_t)nblocks * 4;
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, d, table);
    for (uint32_t i = 0; i < nblocks; i++) zhs_buf_put_u64(&b, zhs_get_u32(d + table + (size_t)i * 4));
    zhs_buf_put_u32(&b, nblocks);
    zhs_buf_put_u32(&b, 0);
    zhs_buf_append(&b, tr + 8, 8);
    zhs_buf_append(&b, d + n - ZHS_FOOTER_LEN, ZHS_FOOTER_LEN);
    zt_write_repaired(path, b.data, b.len);
    zhs_error err = {0};
    CHECK_OK(zhs_index_verify(dir, &err), err);
    /* a width of neither layout */
    memcpy(b.data, d, n);
    zhs_set_u32((uint8_t *)b.data + (tr - d) + 4, 7);
    zt_write_repaired(path, b.data, n);
    zhs_error e = {0};
    CHECK(zhs_index_verify(dir, &e) == ZHS_ECORRUPT && strstr(e.message, "g1.dict") && strstr(e.message, "trailer"));
    zt_write_repaired(path, d, n);
    zhs_error ok = {0};
    CHECK_OK(zhs_index_verify(dir, &ok), ok);
    zhs_buf_free(&b);
    free(d);
}

int main(void)
{
    const char *tmp = zt_tmpdir();
    test_roundtrip(tmp);
    test_damage(tmp);
    test_lens(tmp);
    char idx[600];
    snprintf(idx, sizeof idx, "%s/idx", tmp);
    test_index(idx);
    test_dict_offsets(idx);
    return zt_done("test_tables");
}
