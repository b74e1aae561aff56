/*
** test_threads.c — one index handle shared by reader threads.
**
** The library promises that a zhs_index handle may be shared between
** threads (each with its own analyzer): the mapped segments, the store
** reader and the per-handle cache of live document frequencies (filled
** lazily, lock-free, by whichever thread needs it first) must give every
** thread exactly what a single thread gets.  The sample corpus is indexed,
** an edit deletes every seventh passage (so that the segment has
** deletions and the live-df cache is used), the queries are answered once
** on a handle of their own, then THREADS threads answer them all on one
** fresh shared handle, each in its own order, and compare ids, scores,
** match counts and the top hit's stored text.  scripts/test.sh also runs
** this test built with ThreadSanitizer (ZHS_TSAN=ON).
*/
#include "harness.h"
#include "zhs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 4, MAXQ = 240, MAXK = 20, ROUNDS = 3 };

typedef struct answer {
    size_t n;
    uint64_t matches;
    char ids[MAXK][160];
    double scores[MAXK];
    char *top_text;         /* the first hit's stored text, or NULL */
} answer;

static char *queries[MAXQ];
static size_t nq;
static answer truth[MAXQ];
static zhs_index *shared_ix;
static size_t mismatches[THREADS];


/* The UTF-8 bytes of the first n characters from s (NULL when shorter or
** when they hold no Han character, which a query needs here). */
static char *han_piece(const char *s, size_t len, size_t n)
{
    size_t i = 0, c = 0;
    int han = 0;
    while (i < len && c < n) {
        unsigned char b = (unsigned char)s[i];
        size_t l = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        if (l == 3 && b >= 0xE4 && b <= 0xE9) han++;
        if (b < 0x80 || l != 3) return NULL;    /* punctuation, digits, Latin: not a clean piece */
        i += l;
        c++;
    }
    return c == n && han == (int)n ? zt_dup_n(s, i) : NULL;
}

static void add_query(char *q)
{
    if (q && nq < MAXQ) queries[nq++] = q;
    else free(q);
}

/* Queries of every shape from the passages' own text: words, two parts,
** a required and an excluded part, a phrase. */
static void make_queries(const char *text, size_t len, size_t serial)
{
    if (len < 60) return;
    size_t off = (serial * 37) % (len - 40);
    while (off < len && ((unsigned char)text[off] & 0xC0) == 0x80) off++;
    char *a = han_piece(text + off, len - off, 2 + serial % 3);
    if (!a) return;
    size_t alen = strlen(a);
    char *b = han_piece(text + off + alen, len - off - alen, 2);
    char buf[256];
    switch (serial % 5) {
    case 0: add_query(a); a = NULL; break;
    case 1: if (b) { snprintf(buf, sizeof buf, "%s %s", a, b); add_query(zt_dup_n(buf, strlen(buf))); } break;
    case 2: if (b) { snprintf(buf, sizeof buf, "+%s %s", a, b); add_query(zt_dup_n(buf, strlen(buf))); } break;
    case 3: if (b) { snprintf(buf, sizeof buf, "%s -%s", a, b); add_query(zt_dup_n(buf, strlen(buf))); } break;
    default: snprintf(buf, sizeof buf, "\"%s\"", a); add_query(zt_dup_n(buf, strlen(buf))); break;
    }
    free(a);
    free(b);
}

typedef struct collect {
    char **del;
    size_t ndel, cap, serial;
} collect;

/* Takes queries from every third passage and the id of every seventh (deleted
** afterwards). */
static void collect_passage(void *ctx, const zhs_passage *p)
{
    collect *c = ctx;
    if (c->serial % 3 == 0) make_queries(p->text, p->text_len, c->serial / 3);
    if (c->serial % 7 == 3) {
        if (c->ndel == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            c->del = realloc(c->del, c->cap * sizeof *c->del);
            if (!c->del) abort();
        }
        c->del[c->ndel++] = zt_dup_n(p->id, strlen(p->id));
    }
    c->serial++;
}

static void delete_some(const char *dir, zhs_analyzer *an, char **ids, size_t n)
{
    zhs_error err = {0};
    zhs_writer *w = NULL;
    unsigned char *found = calloc(n ? n : 1, 1);
    if (!found) abort();
    CHECK_OK(zhs_writer_open_edit(&w, dir, an, NULL, &err), err);
    if (w) {
        CHECK_OK(zhs_writer_delete_ids(w, (const char *const *)ids, n, found, &err), err);
        CHECK_OK(zhs_writer_commit(w, &err), err);
        zhs_writer_close(w);
    }
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) missing += !found[i];
    CHECK_MSG(missing == 0, "%zu of %zu ids to delete were not found", missing, n);
    free(found);
}

/* Answers query i on ix; returns false on an error (counted by the caller). */
static bool answer_query(answer *out, zhs_index *ix, zhs_analyzer *an, size_t i)
{
    zhs_search_options o;
    zhs_search_options_default(&o);
    o.k = 5 + i % (MAXK - 5);
    zhs_results *r = NULL;
    zhs_error err = {0};
    memset(out, 0, sizeof *out);
    if (zhs_index_search(&r, ix, an, queries[i], &o, &err)) return false;
    out->n = zhs_results_count(r);
    out->matches = zhs_results_matches(r);
    bool ok = true;
    for (size_t h = 0; h < out->n && h < MAXK; h++) {
        const zhs_hit *hit = zhs_results_hit(r, h);
        zhs_passage p;
        out->scores[h] = hit->score;
        /* the store is read by every thread too */
        if (zhs_results_passage(&p, r, hit->doc, &err)) {
            ok = false;
            break;
        }
        snprintf(out->ids[h], sizeof out->ids[h], "%s", p.id);
        if (h == 0) out->top_text = zt_dup_n(p.text, p.text_len);
    }
    zhs_results_free(r);
    return ok;
}

static bool same(const answer *a, const answer *b)
{
    if (a->n != b->n || a->matches != b->matches) return false;
    for (size_t h = 0; h < a->n && h < MAXK; h++)
        if (strcmp(a->ids[h], b->ids[h]) || a->scores[h] != b->scores[h]) return false;
    if (!a->top_text != !b->top_text) return false;
    return !a->top_text || !strcmp(a->top_text, b->top_text);
}

static void *reader(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg;
    zhs_analyzer *an = NULL;
    zhs_error err = {0};
    if (zhs_index_open_analyzer(&an, shared_ix, &err)) {
        mismatches[t] = nq + 1;
        return NULL;
    }
    /* each thread its own order: a stride coprime with nq from its own start */
    size_t stride = 1;
    for (size_t s = 2 * t + 3; s < nq; s += 2)
        if (nq % s) { stride = s; break; }
    for (size_t round = 0; round < ROUNDS; round++)
        for (size_t j = 0; j < nq; j++) {
            size_t i = (t * 17 + round * 5 + j * stride) % nq;
            answer a;
            if (!answer_query(&a, shared_ix, an, i) || !same(&a, &truth[i])) mismatches[t]++;
            free(a.top_text);
        }
    zhs_analyzer_close(an);
    return NULL;
}

int main(void)
{
    const char *dir = zt_tmpdir();
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    CHECK_OK(zhs_analyzer_open(&an, NULL, &err), err);
    if (!an) return zt_done("test_threads");
    collect col = {0};
    zt_index_sample(dir, an, collect_passage, &col);
    char **del = col.del;
    size_t ndel = col.ndel;
    delete_some(dir, an, del, ndel);
    CHECK_MSG(nq >= 100, "only %zu queries from the sample corpus", nq);
    CHECK_MSG(ndel >= 40, "only %zu passages deleted", ndel);

    /* the truth: one thread, a handle of its own */
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (!ix) return zt_done("test_threads");
    size_t with_hits = 0, failed = 0;
    for (size_t i = 0; i < nq; i++) {
        if (!answer_query(&truth[i], ix, an, i)) failed++;
        with_hits += truth[i].n > 0;
    }
    zhs_index_close(ix);
    CHECK_MSG(failed == 0, "%zu queries failed single-threaded", failed);
    CHECK_MSG(with_hits * 10 >= nq * 9, "only %zu of %zu queries have hits", with_hits, nq);
    /* the deleted passages are gone (the edit took) */
    for (size_t i = 0; i < nq; i++)
        for (size_t h = 0; h < truth[i].n && h < MAXK; h++)
            for (size_t d = 0; d < ndel; d++)
                if (!strcmp(truth[i].ids[h], del[d])) {
                    CHECK_MSG(0, "deleted passage %s found by '%s'", del[d], queries[i]);
                    d = ndel;
                    h = MAXK;
                }

    CHECK_OK(zhs_index_open(&shared_ix, dir, &err), err);
    if (shared_ix) {
        pthread_t th[THREADS];
        for (size_t t = 0; t < THREADS; t++)
            CHECK(pthread_create(&th[t], NULL, reader, (void *)(uintptr_t)t) == 0);
        for (size_t t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
        for (size_t t = 0; t < THREADS; t++)
            CHECK_MSG(mismatches[t] == 0, "thread %zu: %zu of %zu answers differ from one thread's", t, mismatches[t],
                      nq * ROUNDS);
        zhs_index_close(shared_ix);
    }
    printf("test_threads: %zu queries x %d rounds x %d threads on one handle, %zu passages deleted\n", nq, ROUNDS,
           THREADS, ndel);
    for (size_t i = 0; i < nq; i++) {
        free(queries[i]);
        free(truth[i].top_text);
    }
    for (size_t d = 0; d < ndel; d++) free(del[d]);
    free(del);
    zhs_analyzer_close(an);
    return zt_done("test_threads");
}
