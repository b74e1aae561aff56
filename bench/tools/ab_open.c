/*
** tools/ab_open.c — what opening an index costs, old library against new
** in one process: two builds of libzhs loaded with dlopen, each opening
** and closing its index in turn (who goes first alternating), so that the
** machine's load hits both alike.  An open reads the manifest, maps the
** segments, walks the passage lengths and loads the metadata and citation
** tables: the cost format 9's compressed tables (common/ztable.h) add
** to.  Not part of the build, as ab_latency.c:
**
**   cc -std=c11 -O2 -Wall -Wextra -Iinclude bench/tools/ab_open.c -o /tmp/ab_open -ldl
**   /tmp/ab_open OLD/libzhs.so NEW/libzhs.so OLD_INDEX NEW_INDEX ROUNDS
**
** Prints each library's median, p10 and p90 of the thread's CPU time
** (wall time with AB_WALL=1) of one open and close, over ROUNDS rounds,
** and the process's peak resident memory at the end.
*/
#define _GNU_SOURCE     /* RTLD_DEEPBIND */
#include "zhs.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_ROUNDS 10001

typedef struct lib {
    int (*open)(zhs_index **, const char *, zhs_error *);
    void (*close)(zhs_index *);
    const char *index;
} lib;

static void load(lib *l, const char *path, const char *index)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) {
        fprintf(stderr, "ab_open: %s\n", dlerror());
        exit(2);
    }
    *(void **)&l->open = dlsym(h, "zhs_index_open");
    *(void **)&l->close = dlsym(h, "zhs_index_close");
    if (!l->open || !l->close) {
        fprintf(stderr, "ab_open: %s has no zhs_index_open or zhs_index_close: is it a libzhs?\n", path);
        exit(2);
    }
    l->index = index;
}

static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static double now(void)
{
    struct timespec t;
    clock_gettime(clock_id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double one(const lib *l)
{
    zhs_index *ix = NULL;
    zhs_error err = {0};
    double t0 = now();
    if (l->open(&ix, l->index, &err)) {
        fprintf(stderr, "ab_open: %s: %s\n", l->index, err.message);
        exit(2);
    }
    l->close(ix);
    return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("%s  median %.3f ms  p10 %.3f  p90 %.3f\n", name, t[n / 2] * 1e3, t[n / 10] * 1e3, t[n * 9 / 10] * 1e3);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: ab_open OLD/libzhs.so NEW/libzhs.so OLD_INDEX NEW_INDEX ROUNDS\n");
        return 2;
    }
    int rounds = atoi(argv[5]);
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "ab_open: ROUNDS must be 1 to %d\n", MAX_ROUNDS);
        return 2;
    }
    if (getenv("AB_WALL")) clock_id = CLOCK_MONOTONIC;
    lib a, b;
    load(&a, argv[1], argv[3]);
    load(&b, argv[2], argv[4]);
    static double ta[MAX_ROUNDS], tb[MAX_ROUNDS];
    one(&a);    /* warm-up: the files in the page cache */
    one(&b);
    for (int r = 0; r < rounds; r++) {
        if (r & 1) {
            tb[r] = one(&b);
            ta[r] = one(&a);
        } else {
            ta[r] = one(&a);
            tb[r] = one(&b);
        }
    }
    report("old", ta, rounds);
    report("new", tb, rounds);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %ld KB\n", ru.ru_maxrss);
    return 0;
}
