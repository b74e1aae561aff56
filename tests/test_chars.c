/*
** test_chars.c — a one-character query finds every passage that holds the
** character (issue: 罚 matched 23 of the passages where it occurs, those
** where the segmenter left it alone).  The count is made independently of
** the index, by scanning the sample corpus's passages for the character in
** either of its written forms, and compared with the index's count for
** the plain, required (+) and quoted forms of the query; the top hits all
** hold it, and excluding it (-) leaves only passages without it.
*/
#include "harness.h"
#include "zhs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters with their traditional form (the same when there is none).
** None of them is made by OpenCC's Taiwan phrases from other characters in
** the sample (資料 is 数据: 数 would be in passages that do not hold it). */
static const char *const chars[][2] = {
    {"罚", "罰"}, {"务", "務"}, {"个", "個"}, {"规", "規"}, {"条", "條"},
    {"法", "法"}, {"人", "人"}, {"安", "安"}, {"管", "管"}, {"电", "電"},
};
#define NCHARS (sizeof chars / sizeof chars[0])

static bool holds(const char *s, size_t c)
{
    return s && (strstr(s, chars[c][0]) || strstr(s, chars[c][1]));
}

int main(void)
{
    const char *dir = zt_tmpdir();
    char ix_dir[4200];
    snprintf(ix_dir, sizeof ix_dir, "%s/ix", dir);
    zhs_error e = {0};
    zhs_analyzer *an = NULL;
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    const char *paths[] = {zt_src("corpus/sample")};
    uint64_t expect[NCHARS] = {0}, total = 0;
    CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
    CHECK_OK(zhs_corpus_open(&c, paths, 1, NULL, &e), e);
    CHECK_OK(zhs_writer_open(&w, ix_dir, an, NULL, &e), e);
    const zhs_document *d;
    while (w && zhs_corpus_next(c, &d, &e) == ZHS_OK)
        for (size_t i = 0; i < d->npassages; i++) {
            const zhs_passage *p = &d->passages[i];
            CHECK_OK(zhs_writer_add(w, p, &e), e);
            total++;
            /* the title's terms are indexed with every passage */
            for (size_t k = 0; k < NCHARS; k++) expect[k] += holds(p->text, k) || holds(p->title, k);
        }
    CHECK_OK(zhs_writer_commit(w, &e), e);
    zhs_writer_close(w);
    zhs_corpus_close(c);
    zhs_analyzer_close(an);
    an = NULL;

    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, ix_dir, &e), e);
    CHECK_OK(zhs_index_open_analyzer(&an, ix, &e), e);
    if (!ix || !an) return zt_done("test_chars");
    for (size_t k = 0; k < NCHARS; k++) {
        CHECK_MSG(expect[k] > 0, "the sample has no passage with %s: choose another character", chars[k][0]);
        const char *forms[] = {"%s", "+%s", "\"%s\""};
        for (size_t f = 0; f < 3; f++) {
            char q[64];
            snprintf(q, sizeof q, forms[f], chars[k][0]);
            zhs_search_options so = ZHS_SEARCH_OPTIONS_INIT;
            so.count_only = 1;
            so.all_versions = 1;    /* the count below reads every passage, both versions of a law */
            zhs_results *r = NULL;
            CHECK_OK(zhs_index_search(&r, ix, an, q, &so, &e), e);
            CHECK_MSG(r && zhs_results_matches(r) == expect[k], "%s: %llu passages match, %llu hold the character", q,
                      r ? (unsigned long long)zhs_results_matches(r) : 0ULL, (unsigned long long)expect[k]);
            zhs_results_free(r);
        }
        /* every hit holds it; the traditional form finds the same */
        zhs_search_options so = ZHS_SEARCH_OPTIONS_INIT;
        so.k = 1000;
        so.all_versions = 1;
        zhs_results *r = NULL, *rt = NULL;
        CHECK_OK(zhs_index_search(&r, ix, an, chars[k][0], &so, &e), e);
        CHECK_OK(zhs_index_search(&rt, ix, an, chars[k][1], &so, &e), e);
        if (r && rt) {
            CHECK(zhs_results_count(r) == expect[k] && zhs_results_count(rt) == expect[k]);
            for (size_t i = 0; i < zhs_results_count(r); i++) {
                zhs_passage p;
                CHECK_OK(zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, &e), e);
                CHECK_MSG(holds(p.text, k) || holds(p.title, k), "hit %s for %s does not hold it", p.id, chars[k][0]);
                const zhs_span *sp;
                size_t nsp = 0;
                CHECK_OK(zhs_results_highlights(&sp, &nsp, r, an, &p, &e), e);
                if (holds(p.text, k)) CHECK_MSG(nsp > 0, "hit %s for %s has no highlight", p.id, chars[k][0]);
            }
        }
        zhs_results_free(r);
        zhs_results_free(rt);
        /* excluding it leaves exactly the passages without it */
        char q[64];
        snprintf(q, sizeof q, "-%s 的", chars[k][0]);
        zhs_search_options sc = ZHS_SEARCH_OPTIONS_INIT;
        sc.k = 10000;
        sc.all_versions = 1;
        CHECK_OK(zhs_index_search(&r, ix, an, q, &sc, &e), e);
        for (size_t i = 0; r && i < zhs_results_count(r); i++) {
            zhs_passage p;
            CHECK_OK(zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, &e), e);
            CHECK_MSG(!holds(p.text, k) && !holds(p.title, k), "%s returned %s, which holds it", q, p.id);
        }
        zhs_results_free(r);
    }
    printf("%llu passages; %s in %llu, %s in %llu\n", (unsigned long long)total, chars[0][0],
           (unsigned long long)expect[0], chars[5][0], (unsigned long long)expect[5]);
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    return zt_done("test_chars");
}
