/*
** test_phrase_count.c — a phrase's count (count_only: query/search.c,
** count_and and phrase_filter, whose lone phrase sets the walk's bitset
** straight from its rarest element's blocks, and walk_block, sixteen docs
** a step where the process decodes with AVX-512) equals the exhaustive
** oracle's and the passages that hold the phrase's text.  The corpus is
** built here from a few characters, so that every bigram's list spans
** many blocks and the dense element's walk pays; phrases are random runs
** of passages' text (repeated bigrams among them: 法律法律), random
** strings of the same characters, and runs longer than a block of
** postings (150 characters: a chain of 149 bigrams, two of them repeated
** all along).  It runs the widest path the CPU has; test_index's
** phrases run under ZHS_SIMD=avx2 and scalar too (the walk's scalar loop).
** The same phrases again after an edit that deletes one passage in five
** and adds a second segment of passages (walk_windows over the deletions
** and over a segment whose lists are shorter).
*/
#include "harness.h"
#include "zhs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPASS 1200
#define NNEW 400           /* passages the edit adds */
#define MAXCH 420          /* characters of a passage, at most */

static const char *const chars[] = {"法", "律", "规", "定", "条", "例"};

static uint32_t seed = 12345;
static uint32_t rnd(uint32_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

/* Passage i's text: runs of 法律 (the repeated bigrams), of 规定条例 and
** of random characters; one passage in ten holds a run of 法律 long
** enough for the longest phrases. */
static void make_text(char *out, size_t i)
{
    size_t nch = 0, len = 20 + rnd(MAXCH - 40);
    out[0] = 0;
    if (i % 10 == 3) {
        for (size_t k = 0; k < 160; k++) strcat(out, chars[k & 1]);
        nch = 160;
    }
    while (nch < len) {
        uint32_t kind = rnd(4);
        if (kind == 0) {
            strcat(out, "法律");
            nch += 2;
        } else if (kind == 1) {
            strcat(out, "规定条例");
            nch += 4;
        } else {
            strcat(out, chars[rnd(6)]);
            nch++;
        }
    }
}

/* The live passages (texts[0..ntexts), NULL where deleted) that hold
** phrase. */
static size_t ntexts = NPASS;
static size_t holding(char *const *texts, const char *phrase)
{
    size_t n = 0;
    for (size_t d = 0; d < ntexts; d++) n += texts[d] && strstr(texts[d], phrase) != NULL;
    return n;
}

/* The count, the oracle and the text agree on phrase; *bad counts the
** phrases where they do not. */
static void check(zhs_index *ix, zhs_analyzer *an, char *const *texts, const char *phrase, size_t *bad)
{
    char q[2048];
    snprintf(q, sizeof q, "\"%s\"", phrase);
    zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
    o.all_versions = 1;
    o.k = 10;
    o.count_only = 1;
    zhs_results *count = NULL, *oracle = NULL;
    zhs_error e1 = {0}, e2 = {0};
    CHECK_OK(zhs_index_search(&count, ix, an, q, &o, &e1), e1);
    o.count_only = 0;
    o.exhaustive = 1;
    CHECK_OK(zhs_index_search(&oracle, ix, an, q, &o, &e2), e2);
    if (count && oracle) {
        uint64_t c = zhs_results_matches(count), x = zhs_results_matches(oracle), want = holding(texts, phrase);
        if (c != x || c != want) {
            if (*bad < 5)
                fprintf(stderr, "phrase %s: count %llu, exhaustive %llu, text %llu\n", q, (unsigned long long)c,
                        (unsigned long long)x, (unsigned long long)want);
            ++*bad;
        }
    }
    zhs_results_free(count);
    zhs_results_free(oracle);
}

/* The phrases: runs of the live passages' text, random strings,
** repeated bigrams. */
static void run_phrases(zhs_index *ix, zhs_analyzer *an, char *const *texts, const char *what)
{
    size_t bad = 0, tried = 0;
    char phrase[1024];
    /* runs of the passages' text, 2 to 12 characters */
    for (int i = 0; i < 150; i++, tried++) {
        size_t d = rnd((uint32_t)ntexts);
        while (!texts[d]) d = (d + 1) % ntexts;
        const char *t = texts[d];
        size_t nch = strlen(t) / 3, len = 2 + rnd(11);
        size_t at = nch > len ? rnd((uint32_t)(nch - len)) : 0;
        if (len > nch) len = nch;
        memcpy(phrase, t + 3 * at, 3 * len);
        phrase[3 * len] = 0;
        check(ix, an, texts, phrase, &bad);
    }
    /* random strings of the characters, 2 to 6: many match nowhere */
    for (int i = 0; i < 150; i++, tried++) {
        phrase[0] = 0;
        for (uint32_t k = 0, len = 2 + rnd(5); k < len; k++) strcat(phrase, chars[rnd(6)]);
        check(ix, an, texts, phrase, &bad);
    }
    /* the repeated bigrams: 法律法律..., up to 150 characters (longer than
    ** a block), starting on either character */
    static const size_t lens[] = {3, 4, 5, 8, 16, 40, 129, 150};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        for (size_t first = 0; first < 2; first++, tried++) {
            phrase[0] = 0;
            for (size_t k = 0; k < lens[i]; k++) strcat(phrase, chars[(first + k) & 1]);
            check(ix, an, texts, phrase, &bad);
        }
    CHECK_MSG(bad == 0, "%s: %zu of %zu phrases: the count, the exhaustive oracle and the text differ", what, bad,
              tried);
}

int main(void)
{
    const char *tmp = zt_tmpdir();
    char dir[4200], idx[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/pc", tmp);
    snprintf(idx, sizeof idx, "%s/pc-index", tmp);
    snprintf(path, sizeof path, "%s/p.jsonl", dir);
    char **texts = calloc(NPASS, sizeof *texts);
    size_t cap = (size_t)NPASS * (MAXCH * 3 + 600) + 1;
    char *body = malloc(cap);
    CHECK(texts && body);
    if (!texts || !body) return zt_done("test_phrase_count");
    size_t used = 0;
    for (size_t i = 0; i < NPASS; i++) {
        texts[i] = malloc(MAXCH * 3 + 600);
        CHECK(texts[i] != NULL);
        if (!texts[i]) return zt_done("test_phrase_count");
        make_text(texts[i], i);
        used += (size_t)snprintf(body + used, cap - used, "{\"id\": \"p%zu\", \"text\": \"%s\"}\n", i, texts[i]);
    }
    zt_write_bytes(dir, "p.jsonl", body, used);
    free(body);

    zhs_error e = {0};
    zhs_analyzer *an = NULL;
    zhs_index *ix = NULL;
    CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
    if (!an) return zt_done("test_phrase_count");
    const char *paths[] = {path};
    CHECK(zt_index_paths(idx, an, paths, 1, NULL, NULL) == NPASS);
    zhs_analyzer_close(an);
    an = NULL;
    CHECK_OK(zhs_index_open(&ix, idx, &e), e);
    if (ix) CHECK_OK(zhs_index_open_analyzer(&an, ix, &e), e);
    if (!ix || !an) return zt_done("test_phrase_count");

    run_phrases(ix, an, texts, "the first index");
    zhs_index_close(ix);
    ix = NULL;

    /* an edit: every fifth passage deleted, NNEW passages added */
    char **all = realloc(texts, (NPASS + NNEW) * sizeof *texts);
    CHECK(all != NULL);
    if (!all) return zt_done("test_phrase_count");
    texts = all;
    zhs_writer *w = NULL;
    CHECK_OK(zhs_writer_open_edit(&w, idx, an, NULL, &e), e);
    static char idbuf[NPASS / 5][16];
    const char *ids[NPASS / 5];
    for (size_t i = 0; i < NPASS / 5; i++) {
        snprintf(idbuf[i], sizeof idbuf[i], "p%zu", 5 * i + 2);
        ids[i] = idbuf[i];
        free(texts[5 * i + 2]);
        texts[5 * i + 2] = NULL;
    }
    if (w) CHECK_OK(zhs_writer_delete_ids(w, ids, NPASS / 5, NULL, &e), e);
    for (size_t i = NPASS; i < NPASS + NNEW; i++) {
        texts[i] = malloc(MAXCH * 3 + 600);
        CHECK(texts[i] != NULL);
        if (!texts[i]) return zt_done("test_phrase_count");
        make_text(texts[i], i);
        char id[32];
        snprintf(id, sizeof id, "n%zu", i);
        zhs_passage p = {.id = id, .text = texts[i], .text_len = strlen(texts[i]), .title = "", .heading = "",
                         .label = "", .path = "new.jsonl", .line = (uint32_t)(i - NPASS + 1)};
        if (w) CHECK_OK(zhs_writer_add(w, &p, &e), e);
    }
    if (w) CHECK_OK(zhs_writer_commit(w, &e), e);
    zhs_writer_close(w);
    ntexts = NPASS + NNEW;
    CHECK_OK(zhs_index_open(&ix, idx, &e), e);
    if (ix) run_phrases(ix, an, texts, "the edited index");
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    for (size_t i = 0; i < ntexts; i++) free(texts[i]);
    free(texts);
    return zt_done("test_phrase_count");
}
