/*
** test_textcode.c — the stored text's character code (common/textcode.c)
** and the store of formats 4 and 5: every string round-trips, whatever its bytes;
** records written after the previous one read back whole;
** damaged codes are refused; frequent characters take one byte; a store
** large enough that its code is chosen mid-stream, written with and without
** the compressor thread, reads back every passage as it was given; its
** zstd blocks damaged behind a repaired checksum are refused.
*/
#include "format.h"
#include "harness.h"
#include "record.h"
#include "textcode.h"
#include "zhs.h"

#include <stdlib.h>

/* A deterministic generator (xorshift), so that failures repeat. */
static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) { return zt_xorshift(&rng); }

static size_t put_utf8(char *o, uint32_t c)
{
    /* the library's own coder would prove nothing: spelt out here */
    if (c < 0x80) o[0] = (char)c;
    else if (c < 0x800) o[0] = (char)(0xC0 | c >> 6), o[1] = (char)(0x80 | (c & 0x3F));
    else if (c < 0x10000)
        o[0] = (char)(0xE0 | c >> 12), o[1] = (char)(0x80 | (c >> 6 & 0x3F)), o[2] = (char)(0x80 | (c & 0x3F));
    else
        o[0] = (char)(0xF0 | c >> 18), o[1] = (char)(0x80 | (c >> 12 & 0x3F)), o[2] = (char)(0x80 | (c >> 6 & 0x3F)),
        o[3] = (char)(0x80 | (c & 0x3F));
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* A random character: mostly a few frequent Han characters, then rare
** ones, ASCII, punctuation, supplementary characters. */
static uint32_t random_char(void)
{
    uint32_t r = next() % 100;
    if (r < 50) return 0x4E00 + next() % 40;
    if (r < 70) return 0x4E00 + next() % 20000;
    if (r < 85) return 0x20 + next() % 95;
    if (r < 92) return 0x3000 + next() % 64;
    if (r < 96) return 0x80 + next() % 0x700;
    return 0x20000 + next() % 0xA000;
}

/* Random text of n characters into o (4n bytes of room); with bad, now
** and then a byte that is not valid UTF-8 (a stray continuation, a cut
** sequence, an overlong form, an encoded surrogate). */
static size_t random_text(char *o, size_t n, bool bad)
{
    static const char *const invalid[] = {"\x80", "\xE4\xB8", "\xC0\xAF", "\xED\xA0\x80", "\xF8", "\xFF", "\xF4\x90\x80\x80"};
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (bad && next() % 17 == 0) {
            const char *s = invalid[next() % (sizeof invalid / sizeof *invalid)];
            memcpy(o + len, s, strlen(s));
            len += strlen(s);
        } else {
            len += put_utf8(o + len, random_char());
        }
    }
    return len;
}

static uint16_t rank[0x10000];

/* A code chosen from counts of a random sample, as the store does. */
static uint32_t make_code(zhs_buf *table, zhs_textcode *tc, size_t sample_chars)
{
    uint32_t *counts = calloc(0x10000, sizeof *counts);
    char *s = malloc(4 * sample_chars + 1);
    size_t n = random_text(s, sample_chars, false);
    zhs_textcode_count(counts, (const uint8_t *)s, n);
    zhs_buf_reset(table);
    tc->n = zhs_textcode_table(table, counts);
    tc->table = (const uint8_t *)table->data;
    zhs_textcode_ranks(tc, rank);
    free(s);
    free(counts);
    return tc->n;
}

static void test_round_trip(void)
{
    zhs_buf table, coded, back;
    zhs_buf_init(&table);
    zhs_buf_init(&coded);
    zhs_buf_init(&back);
    zhs_textcode tc;
    /* no table at all, a small one, one that fills every code */
    size_t samples[] = {0, 300, 200000};
    for (int k = 0; k < 3; k++) {
        uint32_t n = make_code(&table, &tc, samples[k]);
        CHECK(n <= ZHS_TEXTCODE_MAX);
        CHECK(zhs_textcode_valid(tc.table, tc.n));
        if (k == 2) CHECK_MSG(n == ZHS_TEXTCODE_MAX, "a large sample fills the table: %u", n);
        char *s = malloc(4 * 2000 + 64);
        for (int t = 0; t < 300; t++) {
            size_t len = random_text(s, next() % 2000, t % 2 == 1);
            zhs_buf_reset(&coded);
            zhs_buf_reset(&back);
            CHECK(zhs_textcode_encode(&coded, (const uint8_t *)s, len, &tc));
            CHECK(zhs_textcode_decode(&back, (const uint8_t *)coded.data, coded.len, &tc) == ZHS_OK);
            CHECK(back.len <= zhs_textcode_decoded_max(coded.len));
            CHECK_MSG(back.len == len && memcmp(back.data, s, len) == 0, "table %d text %d (%zu bytes)", k, t, len);
        }
        free(s);
    }
    /* every BMP character and every byte alone */
    make_code(&table, &tc, 5000);
    for (uint32_t c = 0; c < 0x110000; c += (c < 0x10000 ? 1 : 97)) {
        char s[4];
        size_t len = put_utf8(s, c);
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        zhs_buf_reset(&coded);
        zhs_buf_reset(&back);
        zhs_textcode_encode(&coded, (const uint8_t *)s, len, &tc);
        bool ok = zhs_textcode_decode(&back, (const uint8_t *)coded.data, coded.len, &tc) == ZHS_OK &&
                  back.len == len && memcmp(back.data, s, len) == 0;
        if (!ok) CHECK_MSG(ok, "U+%04X", c);
    }
    for (int b = 0; b < 256; b++) {
        uint8_t s[1] = {(uint8_t)b};
        zhs_buf_reset(&coded);
        zhs_buf_reset(&back);
        zhs_textcode_encode(&coded, s, 1, &tc);
        CHECK_MSG(zhs_textcode_decode(&back, (const uint8_t *)coded.data, coded.len, &tc) == ZHS_OK &&
                  back.len == 1 && (uint8_t)back.data[0] == b, "byte %02X", b);
    }
    zhs_buf_free(&table);
    zhs_buf_free(&coded);
    zhs_buf_free(&back);
}

/* The most frequent characters take one byte, the next ones two. */
static void test_sizes(void)
{
    uint32_t *counts = calloc(0x10000, sizeof *counts);
    for (uint32_t i = 0; i < 200; i++) counts[0x4E00 + i] = 1000 - i;
    zhs_buf table, coded;
    zhs_buf_init(&table);
    zhs_buf_init(&coded);
    zhs_textcode tc;
    tc.n = zhs_textcode_table(&table, counts);
    tc.table = (const uint8_t *)table.data;
    zhs_textcode_ranks(&tc, rank);
    CHECK(tc.n == 200);
    CHECK(table.len == 400 && (uint8_t)table.data[0] == 0x00 && (uint8_t)table.data[1] == 0x4E);
    char s[8];
    size_t len = put_utf8(s, 0x4E00);
    zhs_textcode_encode(&coded, (const uint8_t *)s, len, &tc);
    CHECK(coded.len == 1 && (uint8_t)coded.data[0] == 0x80);
    zhs_buf_reset(&coded);
    len = put_utf8(s, 0x4E00 + ZHS_TEXTCODE_ONE);      /* rank 96: the first two-byte code */
    zhs_textcode_encode(&coded, (const uint8_t *)s, len, &tc);
    CHECK(coded.len == 2 && (uint8_t)coded.data[0] == 0xE0 && coded.data[1] == 0);
    zhs_buf_reset(&coded);
    len = put_utf8(s, 0x9FA5);                           /* not in the table */
    zhs_textcode_encode(&coded, (const uint8_t *)s, len, &tc);
    CHECK(coded.len == 4 && (uint8_t)coded.data[0] == 0xFF);
    zhs_buf_free(&table);
    zhs_buf_free(&coded);
    free(counts);
}

static void test_damage(void)
{
    uint8_t table[6] = {0x00, 0x4E, 0x01, 0x4E, 0x02, 0x4E};
    zhs_textcode tc = {table, 3, NULL};
    static const struct { const char *s; size_t n; } bad[] = {
        {"\x83", 1},                    /* one-byte code past the table */
        {"\xE0", 1},                    /* cut two-byte code */
        {"\xE0\x00", 2},                /* two-byte code past the table */
        {"\xFF\x00\x4E", 3},            /* cut escape */
        {"\xFF\x41\x00\x00", 4},        /* an escaped ASCII character */
        {"\xFF\x00\xD8\x00", 4},        /* a surrogate */
        {"\xFF\x00\x00\x11", 4},        /* past U+10FFFF */
        {"\xFF\x00\x01\x80", 4},        /* past the raw bytes */
    };
    zhs_buf out;
    zhs_buf_init(&out);
    zhs_buf_puts(&out, "kept");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_MSG(zhs_textcode_decode(&out, (const uint8_t *)bad[i].s, bad[i].n, &tc) == ZHS_ECORRUPT, "case %zu", i);
        CHECK(out.len == 4);
    }
    CHECK(zhs_textcode_decode(&out, (const uint8_t *)"\x82\xFF\x80\x00\x80", 5, &tc) == ZHS_OK);
    CHECK(out.len == 4 + 3 + 1 && memcmp(out.data + 4, "\xE4\xB8\x82\x80", 4) == 0);
    zhs_buf_free(&out);
    CHECK(zhs_textcode_valid(table, 3));
    uint8_t dup[4] = {0x00, 0x4E, 0x00, 0x4E}, low[2] = {0x41, 0x00}, sur[2] = {0x00, 0xD8};
    CHECK(!zhs_textcode_valid(dup, 2));
    CHECK(!zhs_textcode_valid(low, 1));
    CHECK(!zhs_textcode_valid(sur, 1));
}

/* Records of format 4, each after the last: every string reads back as
** it was (the shared prefixes of the previous record's included), and a
** record that refers past the previous record or to a code past the table
** is refused.  derived: format 7's records, whose ids, label copies and
** lines are made from the rest (ids of the path and the label, of the
** path and another fragment, or of neither; texts with and without their
** label's copy; lines that fall). */
static void test_record(bool derived)
{
    zhs_buf table, rec, scratch, out[2];
    zhs_buf_init(&table);
    zhs_buf_init(&rec);
    zhs_buf_init(&scratch);
    zhs_buf_init(&out[0]);
    zhs_buf_init(&out[1]);
    zhs_textcode tc;
    make_code(&table, &tc, 3000);
    enum { N = 40 };
    static char text[N][4 * 300 + 64], id[N][64], label[N][32], heading[N][32];
    /* articles in a row (which format 7 derives from the last: around
    ** each place where the numeral changes its shape), and labels that do
    ** not follow or are not an article's */
    static const char *const labels[] = {
        "第一条", "第二条", "第九条", "第十条", "第十一条", "第十九条", "第二十条", "第二十一条",
        "第九十九条", "第一百条", "第一百零一条", "第一百零九条", "第一百一十条", "第一百一十一条",
        "第九百九十九条", "第一千条", "第一千零一条", "第一千零九条", "第一千零一十条", "第一千零一十一条",
        "第一千零九十九条", "第一千一百条", "第九千九百九十九条", "第一万条", "", "", "第7条", "第8条",
        "第一十一条", "第十二条", "第三条之一", "第三条之二", "附则", "第二十条", "第二十二条", "第零条",
        "第一条", "第一条", "第〇条", "第一百零十条"};
    zhs_passage p[N];
    for (int i = 0; i < N; i++) {
        snprintf(label[i], sizeof label[i], "%s", labels[i % (sizeof labels / sizeof *labels)]);
        /* a text that starts with its label and a space, or with the label
        ** and no space, or with neither */
        size_t at = i % 4 == 3 ? (size_t)snprintf(text[i], sizeof text[i], "%s%s", label[i], i % 8 == 7 ? "" : " ") : 0;
        size_t len = at + random_text(text[i] + at, next() % 300, i % 3 == 0);
        if (i % 5 == 4) snprintf(id[i], sizeof id[i], "法律/某法.md#%d", i);
        else if (i % 11 == 10) snprintf(id[i], sizeof id[i], "其他#%s", label[i]);
        else if (i % 13 == 12) snprintf(id[i], sizeof id[i], "无井号%d", i);
        else snprintf(id[i], sizeof id[i], "法律/某法.md#%s", label[i]);
        snprintf(heading[i], sizeof heading[i], "第%d章", i / 10);
        p[i] = (zhs_passage){id[i], text[i], len, i < 20 ? "某法" : "另一法", heading[i], label[i],
                             i < 30 ? "/c/法律/某法.md" : "法律/某法.md",
                             i % 9 == 8 ? (uint32_t)i : i == 39 ? UINT32_MAX : (uint32_t)i * 300,
                             i % 2 ? "2020-01-01" : "", "法律", NULL, "", i == 5 ? "{}" : ""};
        CHECK(zhs_record_encode_store(&rec, &p[i], i ? &p[i - 1] : NULL, &tc, derived, &scratch));
    }
    CHECK_MSG(rec.len < 12 * N + 2 * 300 * N, "shared prefixes: %zu bytes", rec.len);
    const uint8_t *q = (const uint8_t *)rec.data, *end = q + rec.len;
    zhs_record_state st;
    zhs_record_state_init(&st);
    st.derived = derived;
    zhs_passage back;
    int same = 0;
    for (int i = 0; i < N; i++) {
        /* cut short, the record is refused and the state stays */
        const uint8_t *cut = q;
        CHECK(zhs_record_next_store(&cut, q + 3, &st) == ZHS_ECORRUPT && cut == q);
        CHECK(zhs_record_next_store(&q, end, &st) == ZHS_OK);
        zhs_buf_reset(&out[0]);
        CHECK(zhs_record_passage_store(&st, &tc, &out[0], &back) == ZHS_OK);
        same += back.text_len == p[i].text_len && memcmp(back.text, p[i].text, p[i].text_len) == 0 &&
                back.text[back.text_len] == 0 && !strcmp(back.id, p[i].id) && !strcmp(back.title, p[i].title) &&
                !strcmp(back.heading, p[i].heading) && !strcmp(back.label, p[i].label) &&
                !strcmp(back.path, p[i].path) && back.line == p[i].line && !strcmp(back.date, p[i].date) &&
                !strcmp(back.category, p[i].category) && !strcmp(back.status, "") && !strcmp(back.issuer, "") &&
                !strcmp(back.extra, p[i].extra);
    }
    CHECK_MSG(same == N, "%d of %d records read back", same, N);
    CHECK(q == end);
    /* the second record read as a block's first refers to nothing */
    zhs_record_state_reset(&st);
    q = (const uint8_t *)rec.data;
    CHECK(zhs_record_next_store(&q, end, &st) == ZHS_OK);
    zhs_record_state_reset(&st);
    CHECK(zhs_record_next_store(&q, end, &st) == ZHS_ECORRUPT);
    /* a text code past the table */
    zhs_passage one = {"i", "x", 1, "", "", "", "", 1, "", "", "", "", ""};
    zhs_buf_reset(&rec);
    CHECK(zhs_record_encode_store(&rec, &one, NULL, &tc, derived, &scratch));
    char *x = memchr(rec.data, 'x', rec.len);
    CHECK(x != NULL);
    if (x) *x = (char)0xDF;
    tc.n = 10;
    q = (const uint8_t *)rec.data;
    zhs_record_state_reset(&st);
    CHECK(zhs_record_next_store(&q, q + rec.len, &st) == ZHS_OK);
    zhs_buf_reset(&out[0]);
    CHECK(zhs_record_passage_store(&st, &tc, &out[0], &back) == ZHS_ECORRUPT);
    CHECK(out[0].len == 0);
    if (derived) {
        /* a mask past the strings, an id from past the path's end, a
        ** line below 0, a text's length past the record: refused, the
        ** state kept */
        static const uint8_t bad[4][8] = {{0x80, 0x04, 0, 0, 0, 0, 0},
                                          {0, 2, 0, 0, 0},
                                          {0, 0, 0, 0, 1, 0},
                                          {0, 0, 0, 0, 0, 60}};
        static const size_t bad_n[4] = {7, 5, 6, 6};
        zhs_record_state_reset(&st);
        for (int i = 0; i < 4; i++) {
            q = bad[i];
            CHECK_MSG(zhs_record_next_store(&q, bad[i] + bad_n[i], &st) == ZHS_ECORRUPT && q == bad[i],
                      "damaged derived record %d", i);
        }
        /* an empty record after nothing */
        static const uint8_t good[6] = {0};
        q = good;
        CHECK(zhs_record_next_store(&q, good + 6, &st) == ZHS_OK && q == good + 6);
        /* the next article's label is not stored, nor the id made of it: the
        ** mask, the id's start in the path and 0 for the label, the line, the
        ** text */
        zhs_passage a = {"x.md#第一百零九条", "", 0, "", "", "第一百零九条", "/x.md", 1, "", "", "", "", ""};
        zhs_passage b = a;
        b.id = "x.md#第一百一十条";
        b.label = "第一百一十条";
        zhs_buf_reset(&rec);
        CHECK(zhs_record_encode_store(&rec, &b, &a, &tc, true, &scratch));
        CHECK_MSG(rec.len == 5, "the next article's record: %zu bytes", rec.len);
    }
    zhs_record_state_free(&st);
    zhs_buf_free(&table);
    zhs_buf_free(&rec);
    zhs_buf_free(&scratch);
    zhs_buf_free(&out[0]);
    zhs_buf_free(&out[1]);
}

/* Rewrites the store with damage behind a repaired checksum (what
** tampering, or a bug, could leave) and expects 'zhs check' and a read of
** the passage to refuse it, naming the file. */
static void expect_refused(const char *dir, const char *path, const zhs_buf *b, uint32_t doc, const char *what)
{
    zt_write_repaired(path, b->data, b->len);
    zhs_error e1 = {0}, e2 = {0};
    int rc = zhs_index_verify(dir, &e1);
    CHECK_MSG(rc == ZHS_ECORRUPT && strstr(e1.message, "g1.store"), "%s: check gives %d %s", what, rc, e1.message);
    zhs_index *ix = NULL;
    zhs_results *r = NULL;
    zhs_passage p;
    rc = zhs_index_open(&ix, dir, &e2);
    if (!rc) rc = zhs_index_results(&r, ix, &e2);
    if (!rc) rc = zhs_results_passage(&p, r, doc, &e2);
    CHECK_MSG(rc == ZHS_ECORRUPT && strstr(e2.message, "g1.store"), "%s: reading passage %u gives %d %s", what, doc,
              rc, e2.message);
    zhs_results_free(r);
    zhs_index_close(ix);
}

/* Format 5's blocks damaged: a frame cut short (its table entry one byte
** shorter), a frame whose header is overwritten, a block that gives more
** bytes than its table says, a byte of the frame changed.  The store is put
** back after each. */
static void test_store_damage(const char *dir, const char *path)
{
    zhs_error err = {0};
    zhs_buf b;
    zhs_buf_init(&b);
    CHECK_OK(zhs_file_read(&b, path, false, 0, &err), err);
    const uint8_t *u = (const uint8_t *)b.data;
    size_t n = b.len - ZHS_FOOTER_LEN;
    uint32_t nblocks = n >= 20 ? zhs_get_u32(u + n - 8) : 0;
    CHECK(nblocks > 2 && zhs_get_u32(u + n - 4) > 0);     /* several blocks and a dictionary */
    /* more coded records than the dictionary's sample: blocks went
    ** through the compressor thread in the two-thread build */
    uint64_t raw = 0;
    for (uint32_t i = 0; i < nblocks; i++) raw += zhs_get_u32(u + n - 12 - (size_t)(nblocks - i) * ZHS_STORE_ENTRY + 20);
    CHECK_MSG(raw > ZHS_STORE_DICT_SAMPLE + 2 * ZHS_STORE_BLOCK, "%llu bytes of records", (unsigned long long)raw);
    if (nblocks > 2) {
        /* the second block's table entry */
        uint8_t *e = (uint8_t *)b.data + n - 12 - (size_t)nblocks * ZHS_STORE_ENTRY + ZHS_STORE_ENTRY;
        uint32_t first = zhs_get_u32(e), clen = zhs_get_u32(e + 16), rlen = zhs_get_u32(e + 20);
        uint64_t off = zhs_get_u64(e + 8);
        zhs_set_u32(e + 16, clen - 1);
        expect_refused(dir, path, &b, first, "a block cut short");
        zhs_set_u32(e + 16, clen);
        uint8_t keep[4];
        memcpy(keep, b.data + off, 4);
        memset(b.data + off, 0xFF, 4);
        expect_refused(dir, path, &b, first, "a damaged frame header");
        memcpy(b.data + off, keep, 4);
        zhs_set_u32(e + 20, rlen - 1);
        expect_refused(dir, path, &b, first, "a block longer than its table says");
        zhs_set_u32(e + 20, rlen);
        /* a byte changed anywhere in the frame's body, its checksum
        ** included: without zstd's checksum, 15 of these 24 checks failed
        ** (the change was accepted by the check or read back as text) */
        for (uint32_t k = 1; k <= 12; k++) {
            size_t at = off + 6 + (size_t)(clen - 7) * k / 12;
            b.data[at] ^= 0x21;
            char what[64];
            snprintf(what, sizeof what, "byte %zu of a %u-byte frame changed", at - off, clen);
            expect_refused(dir, path, &b, first, what);
            b.data[at] ^= 0x21;
        }
    }
    CHECK_OK(zhs_file_write(path, b.data, b.len, &err), err);
    CHECK_OK(zhs_index_verify(dir, &err), err);
    zhs_buf_free(&b);
}

/* Through the library: about 9 MB of passages, so that the code is
** chosen from the first MiB and the later passages hold characters it
** does not know, and the dictionary is trained on the first 4 MiB of
** coded records before the rest go through the compressor thread; with
** one thread and with the compressor thread. */
#define NPASS 12000
static void test_store(zhs_analyzer *an)
{
    char **texts = calloc(NPASS, sizeof *texts);
    size_t *lens = calloc(NPASS, sizeof *lens);
    for (int d = 0; d < NPASS; d++) {
        texts[d] = malloc(4 * 400 + 64);
        lens[d] = random_text(texts[d], 100 + next() % 300, false);
        if (d > NPASS / 2) lens[d] += put_utf8(texts[d] + lens[d], 0x2B740 + (uint32_t)d % 50);
        texts[d][lens[d]] = 0;
    }
    for (unsigned threads = 1; threads <= 2; threads++) {
        const char *dir = zt_tmpdir();
        zhs_error err = {0};
        zhs_writer_options o;
        zhs_writer_options_default(&o);
        o.threads = threads;
        zhs_writer *w = NULL;
        CHECK_OK(zhs_writer_open(&w, dir, an, &o, &err), err);
        for (int d = 0; d < NPASS && !err.code; d++) {
            char id[32], title[32];
            snprintf(id, sizeof id, "p%d", d);
            snprintf(title, sizeof title, "第%d号规定", d / 20);
            zhs_passage p = {id, texts[d], lens[d], title, "", "", "gen", (uint32_t)d + 1, NULL, NULL, NULL, NULL, NULL};
            CHECK_OK(zhs_writer_add(w, &p, &err), err);
        }
        CHECK_OK(zhs_writer_commit(w, &err), err);
        zhs_writer_close(w);
        CHECK_OK(zhs_index_verify(dir, &err), err);
        zhs_index *ix = NULL;
        CHECK_OK(zhs_index_open(&ix, dir, &err), err);
        zhs_results *r = NULL;
        if (ix) CHECK_OK(zhs_index_results(&r, ix, &err), err);
        int same = 0;
        for (uint32_t d = 0; r && d < NPASS; d++) {
            zhs_passage p;
            if (zhs_results_passage(&p, r, d, &err)) break;
            char id[32];
            snprintf(id, sizeof id, "p%u", d);
            same += p.text_len == lens[d] && memcmp(p.text, texts[d], lens[d]) == 0 && !strcmp(p.id, id);
        }
        CHECK_MSG(same == NPASS, "%u threads: %d of %d passages read back as given (%s)", threads, same, NPASS,
                  err.message);
        zhs_results_free(r);
        zhs_index_close(ix);
        char path[4096];
        snprintf(path, sizeof path, "%s/g1.store", dir);
        FILE *f = fopen(path, "rb");
        char magic[8] = {0};
        CHECK(f && fread(magic, 1, 8, f) == 8 && memcmp(magic, "ZHSSTOR4", 8) == 0);
        if (f) fclose(f);
        if (threads == 1) test_store_damage(dir, path);
    }
    for (int d = 0; d < NPASS; d++) free(texts[d]);
    free(texts);
    free(lens);
}

int main(void)
{
    test_round_trip();
    test_sizes();
    test_damage();
    test_record(false);
    test_record(true);
    zhs_analyzer *an = NULL;
    zhs_error err = {0};
    CHECK_OK(zhs_analyzer_open(&an, NULL, &err), err);
    if (an) test_store(an);
    zhs_analyzer_close(an);
    return zt_done("test_textcode");
}
