/*
** tools/ab_order.c — the corpus's open (the walk, and the order files are
** read in: corpus/order.c), old library against new in one process,
** alternated round by round, in thread CPU time.  Each round opens the
** corpus with the order (ZHS_ORDER_SIMILAR) and without it
** (ZHS_ORDER_PATH): the difference is the order's own cost, which a build
** pays on one thread before it reads its first file.  Public API only
** (zhs_corpus_open, zhs_corpus_close), through dlopen.  Not part of the
** build:
**
**   cc -std=c11 -O2 -Wall -Wextra -Iinclude -o ab_order bench/tools/ab_order.c -ldl
**   ./ab_order /tmp/libzhs-m54.so $PWD/build/libzhs.so.0.1.0 ../shared/corpus/laws 21
**
** Both libraries must read zhs_corpus_options as this zhs.h lays it out:
** from the commit that gave it a version field (first) on, a library from
** before (as /tmp/libzhs-m54.so, 4bb0b22) reads the order from the wrong
** field; compile the tool against that commit's zhs.h to compare those.
*/
#define _POSIX_C_SOURCE 200809L
#include "zhs.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*open_fn)(zhs_corpus **, const char *const *, size_t, const zhs_corpus_options *, zhs_error *);
typedef void (*close_fn)(zhs_corpus *);

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ab_order OLD.so NEW.so CORPUS ROUNDS\n");
        return 2;
    }
    open_fn op[2];
    close_fn cl[2];
    for (int k = 0; k < 2; k++) {
        void *h = dlopen(argv[1 + k], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "ab_order: %s\n", dlerror());
            return 1;
        }
        op[k] = (open_fn)dlsym(h, "zhs_corpus_open");
        cl[k] = (close_fn)dlsym(h, "zhs_corpus_close");
        if (!op[k] || !cl[k]) {
            fprintf(stderr, "ab_order: %s lacks zhs_corpus_open/close\n", argv[1 + k]);
            return 1;
        }
    }
    const char *paths[] = {argv[3]};
    int R = atoi(argv[4]);
    if (R < 1) R = 1;
    double *t[2][2], *d[2];
    for (int k = 0; k < 2; k++) {
        d[k] = calloc(R, sizeof(double));
        for (int o = 0; o < 2; o++) t[k][o] = calloc(R, sizeof(double));
    }
    for (int r = 0; r < R; r++)
        for (int kk = 0; kk < 2; kk++) {
            int k = r % 2 ? 1 - kk : kk;        /* who goes first alternates */
            for (int o = 0; o < 2; o++) {
                zhs_corpus_options opt = {0};
                opt.order = o ? ZHS_ORDER_PATH : ZHS_ORDER_SIMILAR;
                zhs_error e = {0};
                zhs_corpus *c = NULL;
                double a = cpu();
                if (op[k](&c, paths, 1, &opt, &e)) {
                    fprintf(stderr, "ab_order: %s\n", e.message);
                    return 1;
                }
                t[k][o][r] = cpu() - a;
                cl[k](c);
            }
            d[k][r] = t[k][0][r] - t[k][1][r];
        }
    for (int k = 0; k < 2; k++) {
        for (int o = 0; o < 2; o++) qsort(t[k][o], R, sizeof(double), cmpd);
        qsort(d[k], R, sizeof(double), cmpd);
        printf("%s: open %.2f ms (--order path %.2f ms); the order, per round %.2f ms [%.2f-%.2f] (medians of %d)\n",
               k ? "new" : "old", t[k][0][R / 2] * 1e3, t[k][1][R / 2] * 1e3, d[k][R / 2] * 1e3, d[k][0] * 1e3,
               d[k][R - 1] * 1e3, R);
    }
    return 0;
}
