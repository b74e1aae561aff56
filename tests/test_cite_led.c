/*
** test_cite_led.c — citations without a law name (词 第四条) on an index
** whose article labels hold hundreds of passages (several posting blocks):
** the citation's exact search (the label required, weight 0, the user's
** words optional) is led by the label's list (search.c run_led) and must
** give what the exhaustive evaluator gives, hit for hit and score for
** score: random unions with an article (their exact query is led), and
** +required queries with an article (their usual search may be led; the
** exact one has two required clauses and runs the conjunction), k from 1
** to more than the label's passages, labels absent from the index, with
** and without the ranking features, every version and the newest only.
*/
#include "harness.h"
#include "common.h"
#include "zhs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLAWS 260
#define NART 12            /* articles 第一条..第十二条; 第十三条, 第十四条 are nowhere */

static const char *const numerals[] = {"一", "二", "三", "四", "五", "六", "七",
                                       "八", "九", "十", "十一", "十二", "十三", "十四"};
/* common words first, the last six rare (pick_word) */
static const char *const words[] = {"应当", "规定", "管理", "部门", "条例", "公司", "履行职责", "监督",
                                    "予以", "施行", "非法", "陈述", "核查", "供水", "水质", "品种",
                                    "入市", "黑土地", "校内", "医疗机构", "查处", "受理", "无法", "同意"};
#define NWORDS (sizeof words / sizeof words[0])

static uint64_t seed = 0x5DEECE66Dull;

static const char *pick_word(void)
{
    /* a skewed draw: the smaller of two uniform picks, then of another;
    ** the last six words 1 in 16 (rare lists, far under a label's) */
    if (zt_xorshift(&seed) % 16 == 0) return words[NWORDS - 1 - zt_xorshift(&seed) % 6];
    uint32_t a = zt_xorshift(&seed) % (NWORDS - 6), b = zt_xorshift(&seed) % (NWORDS - 6);
    uint32_t c = zt_xorshift(&seed) % (NWORDS - 6);
    uint32_t m = a < b ? a : b;
    return words[zt_xorshift(&seed) % 3 ? m : c];
}

/* NLAWS laws of NART articles each (some articles left out), every fifth
** law in two versions, so that labels span several blocks and older
** versions are hidden by default. */
static void make_corpus(const char *dir)
{
    zhs_buf text = {0};
    for (int l = 0; l < NLAWS; l++) {
        for (int v = 0; v < (l % 5 == 0 ? 2 : 1); v++) {
            zhs_buf_reset(&text);
            char head[128];
            snprintf(head, sizeof head, "# 示例管理条例%d\n\n", l);
            zhs_buf_append(&text, head, strlen(head));
            for (int a = 0; a < NART; a++) {
                if ((l * 7 + a) % 11 == 0) continue;
                char art[64];
                snprintf(art, sizeof art, "第%s条 ", numerals[a]);
                zhs_buf_append(&text, art, strlen(art));
                int n = 3 + (int)(zt_xorshift(&seed) % 14);
                for (int i = 0; i < n; i++) {
                    const char *w = pick_word();
                    zhs_buf_append(&text, w, strlen(w));
                    if (i % 4 == 3) zhs_buf_puts(&text, "，");
                }
                zhs_buf_append(&text, "。\n\n", strlen("。\n\n"));
            }
            char name[128];
            snprintf(name, sizeof name, "示例管理条例%d(%d-01-01).md", l, 2010 + 5 * v);
            zt_write_bytes(dir, name, text.data, text.len);
        }
    }
    zhs_buf_free(&text);
}

static void random_query(zhs_buf *q, int i)
{
    zhs_buf_reset(q);
    int nw = 1 + (int)(zt_xorshift(&seed) % 4);
    int at = (int)(zt_xorshift(&seed) % (uint32_t)(nw + 1));
    bool required = i % 5 == 4;
    for (int j = 0; j <= nw; j++) {
        if (q->len) zhs_buf_append(q, " ", 1);
        if (j == at) {
            /* 1 in 7 an article no law has */
            uint32_t a = zt_xorshift(&seed) % 14;
            char art[64];
            snprintf(art, sizeof art, "第%s条", numerals[a]);
            zhs_buf_append(q, art, strlen(art));
        } else {
            if (required && j == 0) zhs_buf_append(q, "+", 1);
            /* 1 in 4 the rarest words: the essential lists, under half
            ** the label's, lead once the top k is full */
            const char *w = i % 4 == 1 ? words[NWORDS - 1 - zt_xorshift(&seed) % 6] : pick_word();
            zhs_buf_append(q, w, strlen(w));
        }
    }
}

int main(void)
{
    char corpus[512], idx[512];
    snprintf(corpus, sizeof corpus, "%s/laws", zt_tmpdir());
    snprintf(idx, sizeof idx, "%s/idx", zt_tmpdir());
    make_corpus(corpus);
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    CHECK_OK(zhs_analyzer_open(&an, &cfg, &err), err);
    if (!an) return zt_done("test_cite_led");
    const char *paths[1] = {corpus};
    CHECK(zt_index_paths(idx, an, paths, 1, NULL, NULL) > NLAWS * (NART - 2));
    zhs_analyzer_close(an);
    an = NULL;
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (ix) CHECK_OK(zhs_index_open_analyzer(&an, ix, &err), err);
    if (!ix || !an) return zt_done("test_cite_led");

    /* a label's passages: more than k of every run but the last size */
    zhs_search_options c = ZHS_SEARCH_OPTIONS_INIT;
    c.count_only = 1;
    c.all_versions = 1;
    zhs_results *r = NULL;
    CHECK_OK(zhs_index_search(&r, ix, an, "article:第四条", &c, &err), err);
    uint64_t df = r ? zhs_results_matches(r) : 0;
    zhs_results_free(r);
    CHECK_MSG(df > 200, "article 4 in %llu passages", (unsigned long long)df);

    static const size_t ks[] = {1, 3, 10, 37, 100, 400};
    zhs_buf q = {0};
    size_t runs = 0, full = 0;
    for (int i = 0; i < 360; i++) {
        random_query(&q, i);
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        o.k = ks[i % (sizeof ks / sizeof ks[0])];
        o.all_versions = i % 3 != 0;
        if (i % 2) o.proximity = -1;       /* the bench's plain BM25 */
        if (i % 7 == 6) {
            o.k1 = 0.7;                     /* bounds from max tf and min length */
            o.b = 0.9;
        }
        zhs_results *a = NULL, *b = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, zhs_buf_cstr(&q), &o, &err), err);
        o.exhaustive = 1;
        CHECK_OK(zhs_index_search(&b, ix, an, zhs_buf_cstr(&q), &o, &err), err);
        if (a && b) {
            zt_check_same_hits(a, b, zhs_buf_cstr(&q), o.k, "exhaustive");
            full += zhs_results_count(a) == o.k;
            runs++;
        }
        zhs_results_free(a);
        zhs_results_free(b);
    }
    CHECK(runs == 360);

    /* a required word under common words and a rare one: once the top k
    ** is full the rare word alone is essential and leads (run_led's leap) */
    for (size_t l = 8; l < 15; l++)
        for (size_t r = NWORDS - 6; r < NWORDS; r++)
            for (int i = 0; i < 3; i++) {
                zhs_buf_reset(&q);
                zhs_buf_puts(&q, "+");
                zhs_buf_puts(&q, words[l]);
                zhs_buf_puts(&q, " ");
                zhs_buf_puts(&q, words[r]);
                zhs_buf_puts(&q, i == 2 ? " 第二条 应当" : " 应当 规定 管理");
                zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
                o.k = (size_t)(1 + 4 * i);
                o.proximity = i == 1 ? 1 : -1;
                zhs_results *a = NULL, *b = NULL;
                CHECK_OK(zhs_index_search(&a, ix, an, zhs_buf_cstr(&q), &o, &err), err);
                o.exhaustive = 1;
                CHECK_OK(zhs_index_search(&b, ix, an, zhs_buf_cstr(&q), &o, &err), err);
                if (a && b) zt_check_same_hits(a, b, zhs_buf_cstr(&q), o.k, "exhaustive");
                zhs_results_free(a);
                zhs_results_free(b);
            }
    CHECK_MSG(full > 60, "only %zu of the runs filled their top k", full);
    zhs_buf_free(&q);
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    return zt_done("test_cite_led");
}
