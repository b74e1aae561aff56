/*
** test_phrase_words.c — a required Han word (+人民政府, "人民政府") is a
** phrase over its bigrams (words of three or more characters: two make
** one bigram, no phrase), and the query paths accept a passage in the
** word's own list without reading positions (query/search.c,
** word_decides; query/parse.c, chain_word).  That shortcut must give
** exactly what the position check gives: over the words of the sample
** corpus's texts and titles, in body and title clauses (a title's terms
** stand in every passage's body field at position 0, where the shortcut
** must not trust the word's list), the counts and the top hits of the
** pruned and counting paths equal those of the exhaustive oracle, which
** always reads positions.  The shortcut is taken only where the elements
** spell exactly one word.  The same paths reject a passage of the word's
** list whose last bigram stands only below its offset (the word in a
** title: each bigram at 0) without reading the other positions: the
** required word with an exclusion (the bench's negation shape), with the
** word excluded from a required one, and in a phrase of two words are
** compared too.
*/
#include "harness.h"
#include "zhs.h"
#include "query_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 240

typedef struct words {
    zhs_analyzer *an;
    char *w[MAX_WORDS];
    size_t n;
    size_t seen;            /* Han words met, kept one in `every` */
} words;

static bool is_han_word(const zhs_token *t)
{
    return t->kind == ZHS_TOKEN_WORD && t->len >= 9 && (uint8_t)t->text[0] >= 0xE3;
}

static void collect(words *ws, const char *text)
{
    const zhs_token *tok;
    size_t n;
    zhs_error e = {0};
    if (!text || zhs_analyzer_run(ws->an, &tok, &n, text, strlen(text), &e)) return;
    for (size_t i = 0; i < n && ws->n < MAX_WORDS; i++) {
        if (!is_han_word(&tok[i]) || ws->seen++ % 3) continue;
        bool dup = false;
        for (size_t j = 0; j < ws->n && !dup; j++) dup = !strcmp(ws->w[j], tok[i].text);
        if (!dup) ws->w[ws->n++] = zt_dup_n(tok[i].text, tok[i].len);
    }
}

static void each(void *ctx, const zhs_passage *p)
{
    words *ws = ctx;
    collect(ws, p->title);      /* first: words that stand in titles */
    collect(ws, p->text);
}

/* Whether the query's first clause spells a word (the shortcut applies). */
static bool spells_word(zhs_analyzer *an, const char *text)
{
    zhs_arena arena;
    zhs_arena_init(&arena, 16 * 1024);
    zhs_query q;
    zhs_error e = {0};
    bool w = zhs_query_parse(&q, &arena, an, text, &e) == ZHS_OK && q.nclauses > 0 && q.clauses[0].word != NULL;
    zhs_arena_free(&arena);
    return w;
}

/* The query run three ways: count, pruned top k, and both of the
** exhaustive oracle; all must agree. */
static void compare(zhs_index *ix, zhs_analyzer *an, const char *text, size_t k, uint64_t *matches)
{
    zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
    o.all_versions = 1;
    o.k = k;
    zhs_results *fast = NULL, *count = NULL, *oracle = NULL;
    zhs_error e1 = {0}, e2 = {0}, e3 = {0};
    CHECK_OK(zhs_index_search(&fast, ix, an, text, &o, &e1), e1);
    o.count_only = 1;
    CHECK_OK(zhs_index_search(&count, ix, an, text, &o, &e2), e2);
    o.count_only = 0;
    o.exhaustive = 1;
    CHECK_OK(zhs_index_search(&oracle, ix, an, text, &o, &e3), e3);
    if (fast && count && oracle) {
        CHECK_MSG(zhs_results_matches(count) == zhs_results_matches(oracle), "[%s]: count %llu, exhaustive %llu",
                  text, (unsigned long long)zhs_results_matches(count),
                  (unsigned long long)zhs_results_matches(oracle));
        zt_check_same_hits(fast, oracle, text, k, "exhaustive");
        *matches += zhs_results_matches(oracle);
    }
    zhs_results_free(fast);
    zhs_results_free(count);
    zhs_results_free(oracle);
}

/* An index of the given JSONL lines in tmp/name-index, opened with its
** analyzer; false (a check failed) when it could not be. */
static bool small_index(const char *tmp, const char *name, const char *const *lines, size_t n, zhs_index **ix,
                        zhs_analyzer **an)
{
    char dir[4200], idx[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    snprintf(idx, sizeof idx, "%s/%s-index", tmp, name);
    snprintf(path, sizeof path, "%s/s.jsonl", dir);
    char body[2048] = "";
    for (size_t i = 0; i < n; i++) {
        strcat(body, lines[i]);
        strcat(body, "\n");
    }
    zt_write_bytes(dir, "s.jsonl", body, strlen(body));
    zhs_error e = {0};
    *ix = NULL;
    *an = NULL;
    CHECK_OK(zhs_analyzer_open(an, NULL, &e), e);
    if (!*an) return false;
    const char *paths[] = {path};
    CHECK(zt_index_paths(idx, *an, paths, 1, NULL, NULL) == n);
    zhs_analyzer_close(*an);
    *an = NULL;
    CHECK_OK(zhs_index_open(ix, idx, &e), e);
    if (*ix) CHECK_OK(zhs_index_open_analyzer(an, *ix, &e), e);
    return *ix && *an;
}

/* Counting a term without a phrase walks the passages that hold the term
** and every element of the phrase, reading positions there (search.c,
** count_with_phrase): passages with all of a word's bigrams but never in
** a row must stay in the count.  Built here, as the sample seldom has
** them: 机关 in five passages, two of them with 人民政府, two with its
** bigrams scattered (人民…民政…政府). */
static void test_scattered(const char *tmp)
{
    static const char *const lines[] = {
        "{\"id\": \"s1\", \"text\": \"人民代表大会审议民政事务，政府机关依法办事。\"}",
        "{\"id\": \"s2\", \"text\": \"县级以上人民政府机关应当公开信息。\"}",
        "{\"id\": \"s3\", \"text\": \"政府机关和人民团体协助民政工作。\"}",
        "{\"id\": \"s4\", \"text\": \"机关单位依照本法执行。\"}",
        "{\"id\": \"s5\", \"text\": \"人民政府负责，人民政府机关配合。\"}",
        "{\"id\": \"s6\", \"text\": \"人民政府负责本行政区域的工作。\"}",
    };
    zhs_index *ix;
    zhs_analyzer *an;
    if (small_index(tmp, "scattered", lines, sizeof lines / sizeof *lines, &ix, &an)) {
        uint64_t m = 0;
        compare(ix, an, "+机关 -\"人民政府\"", 10, &m);
        CHECK_MSG(m == 3, "+机关 -\"人民政府\": %llu matches, not 3 (s1, s3, s4)", (unsigned long long)m);
        m = 0;
        compare(ix, an, "+机关 -人民政府", 10, &m);
        CHECK_MSG(m == 3, "+机关 -人民政府: %llu matches, not 3", (unsigned long long)m);
    }
    zhs_analyzer_close(an);
    zhs_index_close(ix);
}

/* A phrase of two words is checked where the words meet first (search.c,
** choose_pair), the other elements after; a phrase of two elements by a
** two-reader walk.  The oracle shares that check, so the matches are
** known here: p1's first 政府应当 stands where 县级以上人民政府 应当
** would start before the passage (its pair in place at start -5), its
** second is a match; p3 has every bigram and the pair in place, not 人民 before it;
** p5's first 规定 precedes its 条例. */
static void test_pairs(const char *tmp)
{
    static const char *const lines[] = {
        "{\"id\": \"p1\", \"text\": \"政府应当公开。县级以上人民政府应当依法办事。\"}",
        "{\"id\": \"p2\", \"text\": \"人民政府依法应当公开。\"}",
        "{\"id\": \"p3\", \"text\": \"人民民政政府应当公开。\"}",
        "{\"id\": \"p4\", \"text\": \"人民政府应当公开。\"}",
        "{\"id\": \"p5\", \"text\": \"规定了条例，条例规定如下。\"}",
        "{\"id\": \"p6\", \"text\": \"规定条例。\"}",
    };
    static const struct {
        const char *q;
        uint64_t want;
    } cases[] = {
        {"\"人民政府 应当\"", 2},         /* p1, p4 */
        {"\"县级以上人民政府 应当\"", 1}, /* p1 */
        {"\"人民政府应当\"", 2},
        {"+公开 -\"人民政府 应当\"", 2},  /* p2, p3 */
        {"\"条例 规定\"", 1},             /* p5 */
        {"\"规定 条例\"", 1},             /* p6 (p5: 规定了条例) */
    };
    zhs_index *ix;
    zhs_analyzer *an;
    if (small_index(tmp, "pairs", lines, sizeof lines / sizeof *lines, &ix, &an)) {
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            uint64_t m = 0;
            compare(ix, an, cases[i].q, 10, &m);
            CHECK_MSG(m == cases[i].want, "%s: %llu matches, not %llu", cases[i].q, (unsigned long long)m,
                      (unsigned long long)cases[i].want);
        }
    }
    zhs_analyzer_close(an);
    zhs_index_close(ix);
}

int main(void)
{
    const char *dir = zt_tmpdir();
    zhs_error e = {0};
    zhs_analyzer *an = NULL;
    words ws = {0};
    CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
    CHECK_OK(zhs_analyzer_open(&ws.an, NULL, &e), e);
    if (!an || !ws.an) return zt_done("test_phrase_words");
    size_t passages = zt_index_sample(dir, an, each, &ws);
    zhs_analyzer_close(an);
    zhs_analyzer_close(ws.an);
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, dir, &e), e);
    CHECK_OK(zhs_index_open_analyzer(&an, ix, &e), e);
    if (!ix || !an) return zt_done("test_phrase_words");

    /* the shortcut is for one word, never for two words or other tokens */
    CHECK(spells_word(an, "+人民政府"));
    CHECK(spells_word(an, "\"个人信息\""));
    CHECK(!spells_word(an, "\"人民政府 应当\""));
    CHECK(!spells_word(an, "+人民政府应当"));
    CHECK(!spells_word(an, "+gdpr"));
    CHECK(spells_word(an, "title:人民政府"));
    CHECK(!spells_word(an, "+第5条"));

    size_t spelled = 0;
    uint64_t matches = 0;
    for (size_t i = 0; i < ws.n; i++) {
        const char *w = ws.w[i], *other = ws.w[(i * 7 + 3) % ws.n];
        char q[256];
        snprintf(q, sizeof q, "+%s", w);
        spelled += spells_word(an, q);
        compare(ix, an, q, 10, &matches);
        snprintf(q, sizeof q, "\"%s\"", w);
        compare(ix, an, q, 100, &matches);
        snprintf(q, sizeof q, "+%s %s", w, other);      /* req_opt */
        compare(ix, an, q, 10, &matches);
        snprintf(q, sizeof q, "%s -\"%s\"", other, w);  /* the word excluded */
        compare(ix, an, q, 10, &matches);
        snprintf(q, sizeof q, "+%s +%s", other, w);
        compare(ix, an, q, 5, &matches);
        snprintf(q, sizeof q, "title:%s %s", w, other);  /* over title terms */
        compare(ix, an, q, 10, &matches);
        snprintf(q, sizeof q, "+%s -%s", w, other);     /* negation */
        compare(ix, an, q, 10, &matches);
        snprintf(q, sizeof q, "+%s -\"%s\"", other, w);
        compare(ix, an, q, 10, &matches);
        snprintf(q, sizeof q, "\"%s %s\"", other, w); /* a phrase of two words */
        compare(ix, an, q, 10, &matches);
    }
    /* the paths compared above did take the shortcut, many times */
    CHECK_MSG(ws.n >= 100, "only %zu words collected from the sample", ws.n);
    CHECK_MSG(spelled * 2 > ws.n, "only %zu of %zu words spelled by their bigrams", spelled, ws.n);
    CHECK(matches > 0);
    printf("%zu passages, %zu words (%zu spelled by their bigrams), %llu matches compared\n", passages, ws.n,
           spelled, (unsigned long long)matches);
    for (size_t i = 0; i < ws.n; i++) free(ws.w[i]);
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    test_scattered(dir);
    test_pairs(dir);
    return zt_done("test_phrase_words");
}
