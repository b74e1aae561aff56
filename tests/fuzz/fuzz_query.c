/*
** fuzz_query.c — the query language, parse and evaluation.
**
** The input is a query (NUL bytes end it, as they would a C string).  At
** start-up a small native index and a small Xapian index are built; each
** query is then
**   - analyzed (zhs_analyzer_run) and its tokens checked,
**   - run on the native index pruned (MaxScore / leapfrog), exhaustively
**     (the oracle) and count-only, which must agree: the same hits with the
**     same scores to the last bit, and the same number of matches,
**   - for each hit, its passage loaded and highlighted (spans inside the
**     text, sorted, on UTF-8 boundaries),
**   - run on the Xapian index.
** An error is fine when it is ZHS_EQUERY (the query is refused with a
** message); anything else is a finding.
*/
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static zhs_analyzer *an;
static zhs_index *native, *xap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    zhs_error err = {0};
    if (zhs_analyzer_open(&an, NULL, &err)) fuzz_die(__FILE__, __LINE__, "analyzer", "%s", err.message);
    const char *d1 = fuzz_tmpdir("query-native"), *d2 = fuzz_tmpdir("query-xapian");
    fuzz_build_index(d1, an, ZHS_ENGINE_NATIVE);
    fuzz_build_index(d2, an, ZHS_ENGINE_XAPIAN);
    if (zhs_index_open(&native, d1, &err) || zhs_index_open(&xap, d2, &err))
        fuzz_die(__FILE__, __LINE__, "index_open", "%s", err.message);
    return 0;
}

static bool boundary(const char *s, size_t n, size_t at)
{
    return at == 0 || at == n || ((unsigned char)s[at] & 0xC0) != 0x80;
}

static void check_results(zhs_results *r, const char *q, size_t k)
{
    size_t n = zhs_results_count(r);
    FUZZ_ASSERT(n <= k, "%zu hits for k=%zu", n, k);
    /* a citation's articles are shown first even when they do not match
    ** the query as written (an alias, 第20-22条's 第二十一条), and are not
    ** counted; a citation needs 条 or 條 */
    bool cites = strstr(q, "\xE6\x9D\xA1") || strstr(q, "\xE6\xA2\x9D");
    FUZZ_ASSERT(zhs_results_matches(r) >= n || cites, "matches %llu < hits %zu",
                (unsigned long long)zhs_results_matches(r), n);
    for (size_t i = 0; i < n; i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        FUZZ_ASSERT(h && h->doc < FUZZ_NDOCS, "hit %zu: doc out of range", i);
        FUZZ_ASSERT(h->score == h->score && h->score >= 0, "hit %zu: score %g", i, h->score);
        if (i > 0) {
            const zhs_hit *p = zhs_results_hit(r, i - 1);
            FUZZ_ASSERT(p->score > h->score || (p->score == h->score && p->doc < h->doc),
                        "hits out of order at %zu for \"%s\"", i, q);
        }
    }
    /* the passages of the first hits, and their highlights */
    for (size_t i = 0; i < n && i < 3; i++) {
        zhs_error err = {0};
        zhs_passage p;
        int rc = zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, &err);
        FUZZ_ASSERT(rc == ZHS_OK, "passage %u: %s", zhs_results_hit(r, i)->doc, err.message);
        FUZZ_ASSERT(strlen(p.text) == p.text_len, "passage text length");
        const zhs_span *sp;
        size_t nsp;
        rc = zhs_results_highlights(&sp, &nsp, r, an, &p, &err);
        FUZZ_ASSERT(rc == ZHS_OK, "highlights: %s", err.message);
        for (size_t j = 0; j < nsp; j++) {
            FUZZ_ASSERT(sp[j].start < sp[j].end && sp[j].end <= p.text_len, "span %zu [%u,%u) of %zu", j,
                        sp[j].start, sp[j].end, p.text_len);
            FUZZ_ASSERT(boundary(p.text, p.text_len, sp[j].start) && boundary(p.text, p.text_len, sp[j].end),
                        "span %zu not on a UTF-8 boundary", j);
            FUZZ_ASSERT(j == 0 || sp[j - 1].end < sp[j].start, "spans %zu not sorted and merged", j);
        }
    }
}

static void check_tokens(const char *q, size_t n)
{
    const zhs_token *tok;
    size_t nt;
    zhs_error err = {0};
    int rc = zhs_analyzer_run(an, &tok, &nt, q, n, &err);
    FUZZ_ASSERT(rc == ZHS_OK, "analyzer: %s", err.message);
    for (size_t i = 0; i < nt; i++) {
        FUZZ_ASSERT(tok[i].start < tok[i].end && tok[i].end <= n, "token %zu [%u,%u) of %zu", i,
                    tok[i].start, tok[i].end, n);
        FUZZ_ASSERT(tok[i].len > 0 && strlen(tok[i].text) == tok[i].len, "token %zu text", i);
        FUZZ_ASSERT(tok[i].kind <= ZHS_TOKEN_CHAR, "token %zu kind %u", i, tok[i].kind);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return -1;     /* long queries only repeat short ones */
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = 0;
    size_t n = strlen(q);
    check_tokens(q, n);

    zhs_search_options o;
    zhs_search_options_default(&o);
    o.k = 5;
    zhs_error e1 = {0}, e2 = {0}, e3 = {0}, e4 = {0};
    zhs_results *pruned = NULL, *exh = NULL, *cnt = NULL, *xr = NULL;
    int r1 = zhs_index_search(&pruned, native, an, q, &o, &e1);
    o.exhaustive = 1;
    int r2 = zhs_index_search(&exh, native, an, q, &o, &e2);
    o.exhaustive = 0;
    o.count_only = 1;
    int r3 = zhs_index_search(&cnt, native, an, q, &o, &e3);
    o.count_only = 0;
    int r4 = zhs_index_search(&xr, xap, an, q, &o, &e4);

    FUZZ_ASSERT(r1 == ZHS_OK || r1 == ZHS_EQUERY, "native search rc %d: %s", r1, e1.message);
    FUZZ_ASSERT(r1 == r2 && r1 == r3, "rc %d/%d/%d differ for \"%s\"", r1, r2, r3, q);
    FUZZ_ASSERT(r4 == r1, "xapian rc %d, native %d: %s", r4, r1, e4.message);
    if (r1 == ZHS_EQUERY) {
        FUZZ_ASSERT(e1.message[0] != 0, "a refused query has no message");
    } else {
        check_results(pruned, q, 5);
        check_results(exh, q, 5);
        check_results(xr, q, 5);
        size_t np = zhs_results_count(pruned), ne = zhs_results_count(exh);
        FUZZ_ASSERT(np == ne, "pruned %zu hits, exhaustive %zu for \"%s\"", np, ne, q);
        for (size_t i = 0; i < np && i < ne; i++) {
            const zhs_hit *a = zhs_results_hit(pruned, i), *b = zhs_results_hit(exh, i);
            FUZZ_ASSERT(a->doc == b->doc && a->score == b->score,
                        "hit %zu: pruned doc %u score %.17g, exhaustive doc %u score %.17g for \"%s\"", i,
                        a->doc, a->score, b->doc, b->score, q);
        }
        FUZZ_ASSERT(zhs_results_matches(cnt) == zhs_results_matches(exh),
                    "count-only %llu matches, exhaustive %llu for \"%s\"",
                    (unsigned long long)zhs_results_matches(cnt), (unsigned long long)zhs_results_matches(exh), q);
        FUZZ_ASSERT(zhs_results_count(cnt) == 0, "count-only returned hits");
    }
    zhs_results_free(pruned);
    zhs_results_free(exh);
    zhs_results_free(cnt);
    zhs_results_free(xr);
    free(q);
    return 0;
}
