/*
** bm25.h — the one BM25 length factor.  (The defaults of k1, b and the
** rest are public: the "Defaults" block of zhs.h.)
*/
#ifndef ZHS_BM25_H
#define ZHS_BM25_H

#include <stdint.h>

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

/* The stored bounds (skip entries, dictionary entries): BM25's tf part
** at the index's k1/b and the segment's average length, K(len) rounded
** to a float per passage, the part to a float.  The segment writer, the
** one-character lists made at query time and 'zhs check' all take them
** from these two, so that check holds a stored bound to the very bits it
** was written with. */
static inline float zhs_bm25_stored_kfac(double k1, double b, double avglen, uint32_t len)
{
    return (float)(k1 * (1.0 - b + b * (double)len / avglen));
}

static inline float zhs_bm25_stored_part(double k1, uint32_t tf, float kfac)
{
    return (float)((double)tf * (k1 + 1.0) / ((double)tf + kfac));
}

#endif
