/*
** bm25.h — the one BM25 length factor.  (The defaults of k1, b and the
** rest are public: the "Defaults" block of zhs.h.)
*/
#ifndef ZHS_BM25_H
#define ZHS_BM25_H

/* The length part of BM25: K(len) = k1 * (1 - b + b * len / avglen),
** written as kb0 + kb1 * len.  Every scorer of the native engine computes
** it through these two functions, so that scores do not depend on which
** path (pruned, exhaustive, cached per passage) computed them. */
typedef struct zhs_bm25 {
    double k1, kb0, kb1;
} zhs_bm25;

static inline void zhs_bm25_init(zhs_bm25 *bm, double k1, double b, double avglen)
{
    bm->k1 = k1;
    bm->kb0 = k1 * (1 - b);
    bm->kb1 = avglen > 0 ? k1 * b / avglen : 0;
}

static inline double zhs_bm25_kfac(const zhs_bm25 *bm, double len)
{
    return bm->kb0 + bm->kb1 * len;
}

#endif
