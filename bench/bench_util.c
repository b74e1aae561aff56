/*
** bench_util.c — what every phase of the bench shares: the names of
** engines, query types and modes, and a seeded random generator (so that
** a seed gives the same query sets and orders on every machine).
*/
#include "bench.h"

const char *const bench_engine_names[ENG_N] = {"native", "xapian", "lucene"};
const char *const bench_type_names[QT_N] = {"term", "intersection", "union", "phrase", "req_opt", "negation", "user"};
const char *const bench_mode_names[MODE_N] = {"TOP_10", "TOP_100", "COUNT"};

/* ---------------------------------------------------------------- rng */

void bench_rng_seed(bench_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x9E3779B97F4A7C15ull;
    if (r->s == 0) r->s = 1;
}

uint64_t bench_rng_next(bench_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

size_t bench_rng_below(bench_rng *r, size_t n)
{
    return n ? (size_t)(bench_rng_next(r) % n) : 0;
}

void bench_shuffle(bench_rng *r, uint32_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = bench_rng_below(r, i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
