/*
** proximity.c — a term-proximity bonus added to BM25 (BM25TP, after
** Rasolofo and Savoy 2003).
**
** The query's terms that have positions (bigrams, Latin and number tokens,
** one-character words; see terms.h) are taken in the query's order, the
** first ZHS_PROX_TERMS of them, and each two consecutive ones form a pair.
** A pair's occurrences in a passage are every two positions of its terms
** from ZHS_PROX_MIN_DIST to ZHS_PROX_WINDOW apart, each counted
** 1 / distance²; their sum acc is saturated as a BM25 term frequency is:
**
**     prox(d) = weight · Σ_pairs min(w_a, w_b) · acc (k1 + 1) / (acc + K(len(d)))
**
** with w the terms' qtf · idf and K the passage's BM25 length factor.
** Distance 1 is left out: two consecutive bigrams of a word stand one
** apart wherever the word occurs, and counting them rewards the words the
** BM25 part already counts twice (word and bigram); with it the dev sets
** lost MRR (docs/RANKING.md has the figures).
**
** It re-ranks the BM25 top hits (k rounded up to whole blocks of
** ZHS_PROX_RESCORE, each block on its own; search.c), as a second phase: the first, BM25 with its pruning,
** is exact, so the pruned and exhaustive evaluators give the same top hits
** and the same bonus.  (Added inside the evaluators instead, with pruning
** against the k-th score less the bonus's bound, the bound was so loose
** that long questions ran 6 to 9 times slower.)  The bonus keeps its own
** cursors, moved forward to each passage scored in increasing order.
*/
#include "query_int.h"

#include <stdlib.h>

/* Field by field: the terms' cursors (147 KB together) are set up by
** zhs_prox_add, and zeroing them on every query (twice with free) was
** about a fifth of the instructions of a cheap query's search. */
void zhs_prox_init(zhs_prox *p, double weight, double k1)
{
    p->n = 0;
    p->weight = weight;
    p->k1 = k1;
    p->fault = 0;
    for (size_t i = 0; i < ZHS_PROX_TERMS; i++) {
        p->t[i].pos = NULL;
        p->t[i].npos = p->t[i].cap = 0;
    }
}

void zhs_prox_free(zhs_prox *p)
{
    for (size_t i = 0; i < ZHS_PROX_TERMS; i++) {
        free(p->t[i].pos);
        p->t[i].pos = NULL;
        p->t[i].npos = p->t[i].cap = 0;
    }
    p->n = 0;
}

void zhs_prox_reset(zhs_prox *p)
{
    p->n = 0;
}

void zhs_prox_add(zhs_prox *p, const zhs_segment *seg, const zhs_term_info *ti, double w)
{
    if (p->weight <= 0 || p->n == ZHS_PROX_TERMS || w <= 0) return;
    zhs_prox_term *t = &p->t[p->n];
    /* A term this segment lacks keeps its place, so that the pairs are
    ** those of the query in every segment (an updated index and a fresh
    ** build of the same passages give the same bonus). */
    t->absent = ti == NULL || ti->pos_len == 0;
    if (!t->absent) zhs_cursor_init(&t->cur, seg, ti);     /* its position buffer is kept */
    t->w = w;
    p->n++;
}

/* Loads t's positions at doc (none when t is not there). */
static bool load(zhs_prox *p, zhs_prox_term *t, uint32_t doc)
{
    t->npos = 0;
    if (t->absent || zhs_cursor_advance(&t->cur, doc) != doc) return true;
    if (!zhs_cursor_tf_sane(&t->cur)) return false;
    uint32_t tf = zhs_cursor_tf(&t->cur);
    if (tf > t->cap) {
        uint32_t *a = realloc(t->pos, tf * sizeof *a);
        if (!a) {
            p->fault = ZHS_ENOMEM;
            return false;
        }
        t->pos = a;
        t->cap = tf;
    }
    int n = zhs_cursor_positions(&t->cur, t->pos, tf);
    if (n < 0) return false;
    t->npos = (uint32_t)n;
    return true;
}

/* Sum of 1 / distance² over the position pairs of a and b from
** ZHS_PROX_MIN_DIST to ZHS_PROX_WINDOW apart (both lists increasing). */
static double pair_acc(const zhs_prox_term *a, const zhs_prox_term *b)
{
    double acc = 0;
    uint32_t lo = 0;
    for (uint32_t i = 0; i < a->npos; i++) {
        uint32_t x = a->pos[i];
        while (lo < b->npos && b->pos[lo] + ZHS_PROX_WINDOW < x) lo++;
        for (uint32_t j = lo; j < b->npos && b->pos[j] <= x + ZHS_PROX_WINDOW; j++) {
            uint32_t d = b->pos[j] > x ? b->pos[j] - x : x - b->pos[j];
            if (d >= ZHS_PROX_MIN_DIST) acc += 1.0 / ((double)d * d);
        }
    }
    return acc;
}

double zhs_prox_score(zhs_prox *p, uint32_t doc, double K)
{
    if (p->n < 2) return 0;
    for (size_t i = 0; i < p->n; i++)
        if (!load(p, &p->t[i], doc)) {
            if (!p->fault) p->fault = ZHS_ECORRUPT;
            return 0;
        }
    double s = 0;
    for (size_t i = 1; i < p->n; i++) {
        const zhs_prox_term *a = &p->t[i - 1], *b = &p->t[i];
        if (!a->npos || !b->npos) continue;
        double acc = pair_acc(a, b);
        if (acc == 0) continue;
        double m = a->w < b->w ? a->w : b->w;
        s += p->weight * m * acc * (p->k1 + 1.0) / (acc + K);
    }
    return s;
}
