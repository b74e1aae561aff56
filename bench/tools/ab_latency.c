/*
** tools/ab_latency.c — old binary against new in one process: two builds of
** libzhs loaded with dlopen (each with its own symbols), the same index
** opened by both, every query run by both in turn, so that the machine's
** load hits both alike.  Not part of the build (it needs two libraries, and
** a main of its own: the .c files of bench/ itself are the CLI's sources):
**
**   cc -std=c11 -O2 -Wall -Wextra -Iinclude bench/tools/ab_latency.c -o /tmp/ab_latency -ldl
**   /tmp/ab_latency OLD/libzhs.so NEW/libzhs.so INDEX QUERIES K REPS
**
** QUERIES: one query a line.  K: hits (10, 100), 0 for a count.  Options as
** zhs bench's (every version, plain BM25); AB_DEFAULT=1 in the environment:
** the defaults (newest versions, proximity).  Per query: one warm-up run
** of each, whose hits (by passage id) and scores are compared (a query
** whose differ is named on stderr), then REPS timed runs of each, alternating who goes
** first; the median.  Prints the mean, p50 and p99 of the medians for
** each library and the number of queries whose results differ; AB_VERBOSE=1
** also each query's two medians.  The top-k match count ("at least") is
** left out of the comparison: pruning may score fewer passages.  AB_CPU=1:
** the thread's CPU time instead of wall time.  AB_INDEX2=PATH: the new
** library opens that index instead (a change that alters the index files:
** each build's index with its own library; results are still compared).
*/
#define _GNU_SOURCE     /* RTLD_DEEPBIND, strdup */
#include "zhs.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_QUERIES 4096
#define MAX_REPS 201

typedef struct lib {
    int (*open)(zhs_index **, const char *, zhs_error *);
    int (*open_analyzer)(zhs_analyzer **, const zhs_index *, zhs_error *);
    void (*defaults)(zhs_search_options *);
    int (*search)(zhs_results **, zhs_index *, zhs_analyzer *, const char *, const zhs_search_options *, zhs_error *);
    void (*free_results)(zhs_results *);
    uint64_t (*matches)(const zhs_results *);
    size_t (*count)(const zhs_results *);
    const zhs_hit *(*hit)(const zhs_results *, size_t);
    int (*passage)(zhs_passage *, zhs_results *, uint32_t, zhs_error *);
    zhs_index *ix;
    zhs_analyzer *an;
    zhs_search_options so;
} lib;

static void *sym(void *h, const char *path, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "ab_latency: %s has no %s: is it a libzhs?\n", path, name);
        exit(2);
    }
    return p;
}

static void load(lib *l, const char *path, const char *index, int k)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) {
        fprintf(stderr, "ab_latency: %s\n", dlerror());
        exit(2);
    }
    *(void **)&l->open = sym(h, path, "zhs_index_open");
    *(void **)&l->open_analyzer = sym(h, path, "zhs_index_open_analyzer");
    *(void **)&l->defaults = sym(h, path, "zhs_search_options_default");
    *(void **)&l->search = sym(h, path, "zhs_index_search");
    *(void **)&l->free_results = sym(h, path, "zhs_results_free");
    *(void **)&l->matches = sym(h, path, "zhs_results_matches");
    *(void **)&l->count = sym(h, path, "zhs_results_count");
    *(void **)&l->hit = sym(h, path, "zhs_results_hit");
    *(void **)&l->passage = sym(h, path, "zhs_results_passage");
    zhs_error err = {0};
    if (l->open(&l->ix, index, &err) || l->open_analyzer(&l->an, l->ix, &err)) {
        fprintf(stderr, "ab_latency: %s: %s\n", path, err.message);
        exit(2);
    }
    l->defaults(&l->so);
    if (!getenv("AB_DEFAULT")) {
        l->so.all_versions = 1;
        l->so.proximity = -1;
    }
    l->so.k = k ? (size_t)k : 10;
    l->so.count_only = k == 0;
}

/* Wall time, or with AB_CPU=1 the thread's CPU time (what a query costs
** whatever else the machine runs). */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
    struct timespec t;
    clock_gettime(clock_id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One hit: its score's bits and its passage's id, hashed. */
typedef struct hit_key {
    uint64_t score, id;
} hit_key;

static int cmp_key(const void *a, const void *b)
{
    const hit_key *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Hits by passage id and score, bit for bit, in an order of their own (and
** the count of a count).  Ids, not passage numbers: two indexes of one
** corpus may number passages differently (an order of files, a merge), and
** hits of equal score may then come in another order. */
static uint64_t signature(const lib *l, zhs_results *r, int k)
{
    uint64_t s = k == 0 ? l->matches(r) : 0;
    size_t n = l->count(r);
    hit_key *key = malloc((n ? n : 1) * sizeof *key);
    if (!key) exit(2);
    for (size_t j = 0; j < n; j++) {
        const zhs_hit *h = l->hit(r, j);
        zhs_passage p;
        zhs_error err = {0};
        if (l->passage(&p, r, h->doc, &err)) {
            fprintf(stderr, "ab_latency: passage %u: %s\n", h->doc, err.message);
            exit(2);
        }
        uint64_t id = 14695981039346656037u;       /* FNV-1a */
        for (const char *c = p.id; *c; c++) id = (id ^ (unsigned char)*c) * 1099511628211u;
        memcpy(&key[j].score, &h->score, sizeof key[j].score);
        key[j].id = id;
    }
    qsort(key, n, sizeof *key, cmp_key);
    for (size_t j = 0; j < n; j++) s = (s * 131 + key[j].id) * 31 + key[j].score;
    free(key);
    return s;
}

static double run(lib *l, const char *q, uint64_t *sig, int k)
{
    zhs_error err = {0};
    zhs_results *r;
    double t0 = now();
    if (l->search(&r, l->ix, l->an, q, &l->so, &err)) {
        fprintf(stderr, "ab_latency: [%s]: %s\n", q, err.message);
        exit(2);
    }
    if (sig) *sig = signature(l, r, k);
    l->free_results(r);
    return (now() - t0) * 1e3;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: ab_latency OLD.so NEW.so INDEX QUERIES K REPS\n");
        return 2;
    }
    int k = atoi(argv[5]), reps = atoi(argv[6]);
    if (getenv("AB_CPU")) clock_id = CLOCK_THREAD_CPUTIME_ID;
    if (k < 0 || reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "ab_latency: K must be >= 0 and REPS 1..%d\n", MAX_REPS);
        return 2;
    }
    lib L[2];
    load(&L[0], argv[1], argv[3], k);
    const char *index2 = getenv("AB_INDEX2");
    load(&L[1], argv[2], index2 && *index2 ? index2 : argv[3], k);
    FILE *f = fopen(argv[4], "r");
    if (!f) {
        perror(argv[4]);
        return 2;
    }
    static char *q[MAX_QUERIES];
    static double med[2][MAX_QUERIES];
    char line[4096];
    int n = 0;
    while (n < MAX_QUERIES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] && !(q[n++] = strdup(line))) return 2;
    }
    fclose(f);
    int differ = 0;
    for (int i = 0; i < n; i++) {
        uint64_t sig[2];
        for (int e = 0; e < 2; e++) run(&L[e], q[i], &sig[e], k);
        if (sig[0] != sig[1]) {
            differ++;
            fprintf(stderr, "differ: %s\n", q[i]);
        }
        double t[2][MAX_REPS];
        for (int j = 0; j < reps; j++)
            for (int x = 0; x < 2; x++) {
                int e = (x + j + i) & 1;
                t[e][j] = run(&L[e], q[i], NULL, k);
            }
        for (int e = 0; e < 2; e++) {
            qsort(t[e], (size_t)reps, sizeof(double), cmp_double);
            med[e][i] = t[e][reps / 2];
        }
        if (getenv("AB_VERBOSE")) printf("%.3f\t%.3f\t%s\n", med[0][i], med[1][i], q[i]);
    }
    if (n == 0) return 0;
    for (int e = 0; e < 2; e++) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += med[e][i];
        qsort(med[e], (size_t)n, sizeof(double), cmp_double);
        printf("%s mean %.4f p50 %.4f p99 %.4f%s", e ? "new" : "old", sum / n, med[e][n / 2], med[e][n * 99 / 100],
               e ? "" : " | ");
    }
    printf(" | differ %d\n", differ);
    return 0;
}
