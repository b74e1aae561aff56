/*
** test_cite_table.c — the citation table (g<N>.cite, common/meta.h): its
** round trip, that citations ranked from it give the very hits and scores
** of citations ranked from the stored records (the path of an index built
** before it, which still reads), and that 'zhs check' finds a table that
** disagrees with the records or the analyzer.
*/
#include "harness.h"
#include "format.h"
#include "meta.h"
#include "names.h"
#include "ztable.h"
#include "zhs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ round trip */

/* A key that is the title's end for most titles, and for "X" one that is
** not (both encodings of the file). */
static int fake_key(void *ctx, const char *s, size_t n, zhs_buf *out, zhs_error *err)
{
    (void)ctx;
    (void)err;
    zhs_buf_reset(out);
    if (n == 1 && s[0] == 'X') zhs_buf_append(out, "other", 5);
    else if (n > 2) zhs_buf_append(out, s + 2, n - 2);
    zhs_buf_cstr(out);
    return ZHS_OK;
}

static void test_roundtrip(void)
{
    char d[11];
    zhs_version_date(d, "2022-06-24", "a/b(2001-01-01).md");
    CHECK_STR(d, "2022-06-24");
    zhs_version_date(d, "", "a/b(2001-01-01).md");
    CHECK_STR(d, "2001-01-01");
    zhs_version_date(d, NULL, "x(1999-09-09)/b(2001-01-0).md");
    CHECK_STR(d, "1999-09-09");
    zhs_version_date(d, NULL, "b.md");
    CHECK_STR(d, "");

    zhs_error err = {0};
    zhs_meta_builder *b = NULL;
    CHECK_OK(zhs_meta_builder_open(&b, &err), err);
    if (!b) return;
    /* passages 0-1: title T1 2020; 2: T1 of another date; 3-4: X; 5: T1 again;
    ** article 3's label written three ways (forms 0, 1, 2), 4 once */
    const char *titles[6] = {"T1law", "T1law", "T1law", "X", "X", "T1law"};
    const char *labels[6] = {"第三条", "第3条", "第三条", "第三條", "第四条", "第3条"};
    const char *dates[6] = {"2020-01-01", "2020-01-01", "", "", "", "2020-01-01"};
    const char *paths[6] = {"a.md", "a.md", "T1(2010-05-05).md", "x.md", "x.md", "a.md"};
    for (uint32_t i = 0; i < 6; i++) {
        zhs_passage p;
        memset(&p, 0, sizeof p);
        p.id = p.heading = p.text = "";
        p.label = labels[i];
        p.title = titles[i];
        p.date = dates[i];
        p.path = paths[i];
        CHECK_OK(zhs_meta_builder_add(b, i, &p, &err), err);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/rt.cite", zt_tmpdir());
    CHECK_OK(zhs_meta_builder_write_cite(b, path, fake_key, NULL, NULL, &err), err);
    zhs_meta_builder_close(b);

    zhs_cite_table t;
    CHECK_OK(zhs_cite_table_load(&t, path, 6, &err), err);
    CHECK(t.ngroups == 2 && t.nruns == 4);
    if (t.ngroups == 2 && t.nruns == 4) {
        uint32_t first[4] = {0, 2, 3, 5};
        for (int i = 0; i < 4; i++) CHECK(t.runs[i].first == first[i]);
        CHECK_STR(t.title[zhs_cite_run_of(&t, 1)->group], "T1law");
        CHECK_STR(t.key[zhs_cite_run_of(&t, 1)->group], "law");
        CHECK(t.keylen[zhs_cite_run_of(&t, 1)->group] == 3);
        CHECK_STR(t.key[zhs_cite_run_of(&t, 4)->group], "other");
        CHECK_STR(t.dates[zhs_cite_run_of(&t, 0)->date], "2020-01-01");
        CHECK_STR(t.dates[zhs_cite_run_of(&t, 2)->date], "2010-05-05");
        CHECK_STR(t.dates[zhs_cite_run_of(&t, 3)->date], "");
        CHECK(zhs_cite_run_of(&t, 5)->group == zhs_cite_run_of(&t, 0)->group);
        CHECK(t.has_forms && t.nforms == 3);
        uint32_t form[6] = {0, 1, 0, 2, 0, 1};
        for (uint32_t i = 0; i < 6; i++) CHECK_MSG(zhs_cite_label_form(&t, i) == form[i], "passage %u\n", i);
    }
    zhs_cite_table_free(&t);
    /* more passages than the index has: out of range; fewer: refused */
    zhs_error e2 = {0};
    CHECK(zhs_cite_table_load(&t, path, 3, &e2) == ZHS_ECORRUPT);
    CHECK(strstr(e2.message, "rebuild") != NULL);
    zhs_error e3 = {0};
    snprintf(path, sizeof path, "%s/none.cite", zt_tmpdir());
    CHECK(zhs_cite_table_load(&t, path, 6, &e3) == ZHS_ENOTFOUND);
}

/* ------------------------------------------------- fast path = reference */

#define MAXQ 32
#define MAXHITS 100

typedef struct answer {
    size_t n;
    uint32_t doc[MAXHITS];
    double score[MAXHITS];
} answer;

static const char *const QUERIES[] = {
    "第三条", "第十条", "第3条", "第二十条", "第六条",
    "个人信息保护条例第三条", "澄海市个人信息保护条例第五条", "《澄海市个人信息保护条例》第八条",
    "澄海市个人信息保护条例 第2条", "个保法第十三条", "一网通办第五条", "我想知道个人信息保护条例第三条怎么规定",
    "个人信息 第三条", "+数据 +第五条", "管理办法第二条", "嘉禾市個人資料保護自治條例第三條", "规定 第六条",
    "数据 第七条 -第八条", "示例税法第三条", "税法 第3条", "第一条", "中华人民共和国示例税法第三条",
};
#define NQ (sizeof QUERIES / sizeof QUERIES[0])

static void run_all(const char *dir, answer *out, size_t k, int all_versions)
{
    zhs_error err = {0};
    zhs_index *ix = NULL;
    zhs_analyzer *an = NULL;
    CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (ix) CHECK_OK(zhs_index_open_analyzer(&an, ix, &err), err);
    zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
    o.k = k;
    o.all_versions = all_versions;
    for (size_t q = 0; q < NQ && an; q++) {
        zhs_results *r = NULL;
        CHECK_OK(zhs_index_search(&r, ix, an, QUERIES[q], &o, &err), err);
        out[q].n = 0;
        for (size_t i = 0; r && i < zhs_results_count(r) && i < MAXHITS; i++) {
            out[q].doc[i] = zhs_results_hit(r, i)->doc;
            out[q].score[i] = zhs_results_hit(r, i)->score;
            out[q].n++;
        }
        zhs_results_free(r);
    }
    zhs_analyzer_close(an);
    zhs_index_close(ix);
}

/* Three versions of one law: article 3 written 第三条, then 第3条, then
** 第三条 again (an older version is marked only when its label is the
** same as written). */
static void make_versions(const char *dir)
{
    const char *v[3][2] = {{"示例税法(2010-01-01).md", "第三条 纳税人应当纳税，纳税期限内纳税。"},
                           {"示例税法(2015-01-01).md", "第三条 纳税人按期纳税，依法纳税。"},
                           {"示例税法(2020-01-01).md", "第3条 纳税人依照本法缴纳税款，按期纳税。"}};
    for (int i = 0; i < 3; i++) {
        char text[512];
        snprintf(text, sizeof text, "# 中华人民共和国示例税法\n\n%s\n\n第四条 其他规定。\n", v[i][1]);
        zt_write_bytes(dir, v[i][0], text, strlen(text));
    }
}

/* The bytes of a table (up to 1 MB; malloc'd, NULL if unreadable). */
static char *slurp(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    char *data = f ? malloc(1 << 20) : NULL;
    if (data) *n = fread(data, 1, 1 << 20, f);
    if (f) fclose(f);
    return data;
}

/* Writes b with a new footer to path, so that only 'zhs check' can tell;
** frees b. */
static void rewrite(const char *path, zhs_buf *b)
{
    CHECK(zhs_footer_append(b));
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b->data, 1, b->len, f) == b->len);
    if (f) fclose(f);
    zhs_buf_free(b);
}

/* Rewrites the table at path as one of ZHSCITE1 (without label forms),
** as a zhsearch before them wrote it. */
static void write_v1(const char *path)
{
    zhs_cite_table t;
    zhs_error err = {0};
    CHECK_OK(zhs_cite_table_load(&t, path, UINT32_MAX, &err), err);
    CHECK(t.has_forms && t.nforms >= 1);     /* 第3条 after 第三条 in the versions */
    size_t cut = 4 + 8 * t.nforms;
    zhs_cite_table_free(&t);
    /* the raw body, whichever layout the build wrote (format 9: compressed) */
    zhs_table_body tb;
    static const char *const plain[] = {ZHS_MAGIC_CITE_V2, NULL};
    CHECK_OK(zhs_table_open(&tb, path, ZHS_MAGIC_CITE, plain, "citation table", true, &err), err);
    CHECK(tb.len > cut);
    if (!tb.body || tb.len <= cut) {
        zhs_table_close(&tb);
        return;
    }
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, ZHS_MAGIC_CITE_V1, ZHS_MAGIC_LEN);
    zhs_buf_append(&b, tb.body, tb.len - cut);
    zhs_table_close(&tb);
    rewrite(path, &b);
}

/* Whether two answers are the same hits with the same scores. */
static bool same_answer(const answer *a, const answer *b)
{
    bool same = a->n == b->n;
    for (size_t i = 0; same && i < a->n; i++) same = a->doc[i] == b->doc[i] && a->score[i] == b->score[i];
    return same;
}

static void test_same_hits(const char *idx, const char *corpus)
{
    make_versions(corpus);
    const char *paths[2] = {zt_src("corpus/sample"), corpus};
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    CHECK_OK(zhs_analyzer_open(&an, &cfg, &err), err);
    if (!an) return;
    CHECK(zt_index_paths(idx, an, paths, 2, NULL, NULL) > 100);
    zhs_analyzer_close(an);
    char cite[600], moved[600];
    snprintf(cite, sizeof cite, "%s/g1.cite", idx);
    snprintf(moved, sizeof moved, "%s/old.cite", zt_tmpdir());
    struct stat st;
    CHECK(stat(cite, &st) == 0);
    CHECK_OK(zhs_index_verify(idx, &err), err);

    /* a copy of the table as ZHSCITE1: labels from the records */
    char v1[600];
    const char *tmp = zt_tmpdir();
    snprintf(v1, sizeof v1, "%s/v1.cite", tmp);
    size_t n;
    char *data = slurp(cite, &n);
    CHECK(n > 0);
    zt_write_bytes(tmp, "v1.cite", data, n);
    free(data);
    write_v1(v1);

    static answer fast[MAXQ], ref[MAXQ], old[MAXQ];
    const size_t ks[4] = {1, 3, 10, 100};
    size_t compared = 0, with_hits = 0;
    for (int v = 0; v < 2; v++)
        for (int ki = 0; ki < 4; ki++) {
            run_all(idx, fast, ks[ki], v);
            /* without the table: the index reads as one built before it */
            CHECK(rename(cite, moved) == 0);
            run_all(idx, ref, ks[ki], v);
            /* a table without label forms */
            CHECK(rename(v1, cite) == 0);
            run_all(idx, old, ks[ki], v);
            CHECK(rename(cite, v1) == 0);
            CHECK(rename(moved, cite) == 0);
            for (size_t q = 0; q < NQ; q++) {
                CHECK_MSG(same_answer(&fast[q], &ref[q]),
                          "'%s' k %zu all_versions %d: %zu hits ranked from the table, %zu from the records\n",
                          QUERIES[q], ks[ki], v, fast[q].n, ref[q].n);
                CHECK_MSG(same_answer(&old[q], &ref[q]),
                          "'%s' k %zu all_versions %d: %zu hits ranked from a ZHSCITE1 table, %zu from the records\n",
                          QUERIES[q], ks[ki], v, old[q].n, ref[q].n);
                compared++;
                with_hits += fast[q].n > 0;
            }
        }
    CHECK(compared == 8 * NQ);
    CHECK(with_hits > 7 * NQ);

    /* The versions: the 2010 article is an older version of the 2015 one
    ** (same label as written) and comes after both newer ones; the 2020
    ** one (第3条) is not the same label, so 2015 is not marked older. */
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (ix) CHECK_OK(zhs_index_open_analyzer(&an, ix, &err), err);
    zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
    o.all_versions = 1;
    zhs_results *r = NULL;
    if (an) CHECK_OK(zhs_index_search(&r, ix, an, "示例税法第三条", &o, &err), err);
    CHECK(r && zhs_results_count(r) >= 3);
    const char *order[3] = {NULL, NULL, NULL};
    for (size_t i = 0; r && i < 3 && i < zhs_results_count(r); i++) {
        zhs_passage p;
        CHECK_OK(zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, &err), err);
        order[i] = strstr(p.path, "(2010") ? "2010" : strstr(p.path, "(2015") ? "2015" : strstr(p.path, "(2020") ? "2020" : "?";
    }
    CHECK(order[2] && !strcmp(order[2], "2010"));
    CHECK(order[0] && order[1] && strcmp(order[0], "2010") && strcmp(order[1], "2010"));
    zhs_results_free(r);
    zhs_analyzer_close(an);
    zhs_index_close(ix);
}

/* ------------------------------------------------------------ zhs check */

/* Rewrites path with one byte range replaced, its footer made anew, so that
** only 'zhs check' can tell. */
static void patch(const char *path, const char *find, const char *repl)
{
    size_t n;
    char *data = slurp(path, &n);
    if (!data) return;
    size_t fl = strlen(find);
    char *at = NULL;
    for (size_t i = 0; i + fl <= n - 16 && !at; i++)
        if (!memcmp(data + i, find, fl)) at = data + i;
    CHECK(at != NULL && strlen(repl) == fl);
    if (at) memcpy(at, repl, fl);
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, data, n - 16);
    rewrite(path, &b);
    free(data);
}

/* Rewrites the compressed table at path in the plain layout of format 8
** (ZHSCITE2), which is still read: the patches below find its strings. */
static void to_plain(const char *path)
{
    zhs_table_body tb;
    zhs_error err = {0};
    static const char *const plain[] = {ZHS_MAGIC_CITE_V2, NULL};
    CHECK_OK(zhs_table_open(&tb, path, ZHS_MAGIC_CITE, plain, "citation table", true, &err), err);
    CHECK(tb.compressed);
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, ZHS_MAGIC_CITE_V2, ZHS_MAGIC_LEN);
    if (tb.body) zhs_buf_append(&b, tb.body, tb.len);
    zhs_table_close(&tb);
    rewrite(path, &b);
}

static void test_check(const char *idx)
{
    char cite[600], saved[600];
    const char *tmp = zt_tmpdir();
    snprintf(cite, sizeof cite, "%s/g1.cite", idx);
    to_plain(cite);
    zhs_error plain_ok = {0};
    CHECK_OK(zhs_index_verify(idx, &plain_ok), plain_ok);
    snprintf(saved, sizeof saved, "%s/saved.cite", tmp);
    size_t n;
    char *orig = slurp(cite, &n);
    CHECK(n > ZHS_FOOTER_LEN + 4);
    if (!orig || n <= ZHS_FOOTER_LEN + 4) {
        free(orig);
        return;
    }
    /* a version date that is not the record's */
    patch(cite, "2015-01-01", "2015-01-02");
    zhs_error err = {0};
    CHECK(zhs_index_verify(idx, &err) == ZHS_ECORRUPT);
    CHECK(strstr(err.message, ".cite") && strstr(err.message, "rebuild"));
    /* a title whose stored key (its end, 示例税法) is not the analyzer's */
    zt_write_bytes(tmp, "saved.cite", orig, n);
    CHECK(rename(saved, cite) == 0);
    zhs_error ok = {0};
    CHECK_OK(zhs_index_verify(idx, &ok), ok);
    patch(cite, "中华人民共和国示例税法", "中华人民共和囯示例税法");
    zhs_error e2 = {0};
    CHECK(zhs_index_verify(idx, &e2) == ZHS_ECORRUPT);
    CHECK(strstr(e2.message, "key") != NULL);
    zt_write_bytes(tmp, "saved.cite", orig, n);
    CHECK(rename(saved, cite) == 0);
    /* a label form that is not the records' (the last one, 1 made 2) */
    zhs_buf b;
    zhs_buf_init(&b);
    CHECK(orig[n - ZHS_FOOTER_LEN - 4] == 1);
    zhs_buf_append(&b, orig, n - ZHS_FOOTER_LEN - 4);
    zhs_buf_put_u32(&b, 2);
    rewrite(cite, &b);
    zhs_error e3 = {0};
    CHECK(zhs_index_verify(idx, &e3) == ZHS_ECORRUPT);
    CHECK(strstr(e3.message, "label forms") != NULL);
    zt_write_bytes(tmp, "saved.cite", orig, n);
    CHECK(rename(saved, cite) == 0);
    zhs_error ok2 = {0};
    CHECK_OK(zhs_index_verify(idx, &ok2), ok2);
    free(orig);
}

int main(void)
{
    test_roundtrip();
    char idx[512], corpus[512];
    snprintf(idx, sizeof idx, "%s/idx", zt_tmpdir());
    snprintf(corpus, sizeof corpus, "%s/versions", zt_tmpdir());
    test_same_hits(idx, corpus);
    test_check(idx);
    return zt_done("test_cite_table");
}
