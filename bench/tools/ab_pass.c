/*
** tools/ab_pass.c — the bench's posting pass (bench_micro.c's read_lists,
** block by block: zhs_cursor_init, zhs_cursor_decode_tfs, the checksum,
** zhs_cursor_advance past the block), old library against new in one
** process, pass by pass in turn, so that the machine's load hits both
** alike.  The hot-path phase of `zhs bench` times one library per run:
** on the shared host, alternated runs of it spread by 5% and more, which
** hides the 1-3% a change to the cursor or the block decoders makes.
**
** The cursor is internal (common/segment.h), not in libzhs.so: each side
** is this file built as a unit with -DAB_PASS_UNIT against a libzhs.a of
** its own (copy build/libzhs.a away before rebuilding) and with the
** headers of its own tree (the cursor's calls are partly inline helpers
** of common/segment.h: a unit built with the other tree's headers runs
** that tree's inline code, or fails to load), and the driver (this file
** without it) loads both with dlopen.  -O3, as the bench's own loop is
** built (at -O2 the checksum loop stays scalar).  Not part of the build:
**
**   U="-std=c11 -O3 -Wall -Wextra -fPIC -shared -fvisibility=hidden -DAB_PASS_UNIT"
**   I() { echo "-I$1/include -I$1/common -I$1/query -I$1/analysis"; }
**   L="$(pkg-config --libs icu-uc icu-i18n zlib libzstd opencc) -lxapian -lstdc++ -lm"
**   cc $U $(I OLD) OLD/bench/tools/ab_pass.c OLD/build/libzhs.a $L -o /tmp/old-pass.so
**   cc $U $(I NEW) NEW/bench/tools/ab_pass.c NEW/build/libzhs.a $L -o /tmp/new-pass.so
**   cc -std=c11 -O2 -Wall -Wextra bench/tools/ab_pass.c -o /tmp/ab_pass -ldl
**   /tmp/ab_pass /tmp/old-pass.so /tmp/new-pass.so INDEX ROUNDS
**
** (-lxapian -lstdc++: the archive of a build with Xapian, the default.)
**
** Both units read the same index, unless AB_INDEX2=PATH names the one the
** second unit opens (a change of format: each library with its own build
** of the corpus; the postings and checksums must still be the same).  Each round runs one pass of each, alternating who
** goes first.  Prints each side's fastest, first-quartile and median pass
** in ms and M ints/s (ints = 2 x postings, as the bench counts), the
** median of the per-round ratios new/old, and "differ" (1 when the two
** passes' postings or checksums differ: the results must be identical).
** AB_PASS_LISTS=single or multi: only the lists of one block (df <=
** ZHS_BLOCK) or of several; the lists left out break the sequential
** order of the reads, so a part costs more alone than in the whole pass.
*/
#define _POSIX_C_SOURCE 200809L     /* clock_gettime */

#ifdef AB_PASS_UNIT

#include "query_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A unit's index and every term's dictionary entry, read once before any
** pass (as the bench does before its clock starts). */
typedef struct ab_unit {
    zhs_index *ix;
    const zhs_segment *seg;
    zhs_term_info *ti;
    size_t nt;
} ab_unit;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Opens the index into *out; lists: 0 every list, 1 single-block lists,
** 2 the others.  0 or -1 (nothing to free then). */
__attribute__((visibility("default"))) int ab_pass_open(void **out, const char *dir, int lists)
{
    zhs_error err;
    memset(&err, 0, sizeof err);
    ab_unit *u = calloc(1, sizeof *u);
    if (!u) return -1;
    if (zhs_index_open(&u->ix, dir, &err) != ZHS_OK || !(u->seg = zhs_native_segment(u->ix))) goto fail;
    size_t cap = u->seg->nterms + 1;
    if (!(u->ti = malloc(cap * sizeof *u->ti))) goto fail;
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, u->seg);
    while (u->nt < cap && zhs_dict_iter_next(&it, &err) == ZHS_OK) {
        bool single = it.ti.df <= ZHS_BLOCK;
        if ((lists == 1 && !single) || (lists == 2 && single)) continue;
        u->ti[u->nt++] = it.ti;
    }
    if (zhs_err_code(&err)) goto fail;
    *out = u;
    return 0;
fail:
    free(u->ti);
    if (u->ix) zhs_index_close(u->ix);
    free(u);
    return -1;
}

/* One pass, the bench's loop as it is; its thread CPU time in seconds. */
__attribute__((visibility("default"))) double ab_pass_run(void *unit, uint64_t *postings_out, uint64_t *sum_out)
{
    const ab_unit *u = unit;
    uint64_t postings = 0, sum = 0;
    double t0 = cpu_now();
    for (size_t i = 0; i < u->nt; i++) {
        zhs_cursor c;
        zhs_cursor_init(&c, u->seg, &u->ti[i]);
        while (c.doc != ZHS_NO_DOC) {
            zhs_cursor_decode_tfs(&c);
            for (uint32_t j = 0; j < c.bn; j++) sum += c.docs[j] + c.tfs[j];
            postings += c.bn;
            zhs_cursor_advance(&c, c.docs[c.bn - 1] + 1);
        }
    }
    double t = cpu_now() - t0;
    *postings_out = postings;
    *sum_out = sum;
    return t;
}

#else /* the driver */

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 10000

typedef struct side {
    int (*open)(void **, const char *, int);
    double (*run)(void *, uint64_t *, uint64_t *);
    void *unit;
    double t[MAX_ROUNDS];
    uint64_t postings, sum;
} side;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load(side *s, const char *path)
{
    /* dlopen searches the library path for a bare name: a unit named in
    ** the current directory is given as ./name */
    char here[4096];
    if (!strchr(path, '/') && (size_t)snprintf(here, sizeof here, "./%s", path) < sizeof here) path = here;
    /* RTLD_LOCAL: each unit keeps its own copy of every libzhs symbol */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "ab_pass: %s\n", dlerror());
        exit(2);
    }
    s->open = (int (*)(void **, const char *, int))dlsym(h, "ab_pass_open");
    s->run = (double (*)(void *, uint64_t *, uint64_t *))dlsym(h, "ab_pass_run");
    if (!s->open || !s->run) {
        fprintf(stderr, "ab_pass: %s is not a unit built with -DAB_PASS_UNIT\n", path);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ab_pass OLD-UNIT.so NEW-UNIT.so INDEX ROUNDS\n");
        return 2;
    }
    int rounds = atoi(argv[4]);
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "ab_pass: ROUNDS must be 1..%d\n", MAX_ROUNDS);
        return 2;
    }
    if (strcmp(argv[1], argv[2]) == 0) {
        /* dlopen would hand back the same unit: both sides would run one
        ** copy of the code, and the pass would not be compared with itself */
        fprintf(stderr, "ab_pass: the two units must be two files (copy one to compare it with itself)\n");
        return 2;
    }
    const char *which = getenv("AB_PASS_LISTS");
    int lists = !which ? 0 : strcmp(which, "single") == 0 ? 1 : strcmp(which, "multi") == 0 ? 2 : -1;
    if (lists < 0) {
        fprintf(stderr, "ab_pass: AB_PASS_LISTS is single or multi\n");
        return 2;
    }
    side *sides = calloc(2, sizeof *sides);
    double *ratio = calloc((size_t)rounds, sizeof *ratio);
    if (!sides || !ratio) {
        fprintf(stderr, "ab_pass: out of memory\n");
        return 1;
    }
    const char *index2 = getenv("AB_INDEX2");
    for (int s = 0; s < 2; s++) {
        const char *dir = s == 1 && index2 && *index2 ? index2 : argv[3];
        load(&sides[s], argv[1 + s]);
        if (sides[s].open(&sides[s].unit, dir, lists) != 0) {
            fprintf(stderr, "ab_pass: %s cannot open %s\n", argv[1 + s], dir);
            return 1;
        }
    }
    int differ = 0;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 2; k++) {
            side *s = &sides[(r & 1) ? 1 - k : k];
            uint64_t postings, sum;
            s->t[r] = s->run(s->unit, &postings, &sum);
            if (r > 0 && (postings != s->postings || sum != s->sum)) differ = 1;
            s->postings = postings;
            s->sum = sum;
        }
        ratio[r] = sides[1].t[r] / sides[0].t[r];
        if (sides[0].postings != sides[1].postings || sides[0].sum != sides[1].sum) differ = 1;
    }
    double ints = 2.0 * (double)sides[0].postings;
    for (int s = 0; s < 2; s++) {
        double *t = sides[s].t;
        qsort(t, (size_t)rounds, sizeof *t, cmp_double);
        printf("%-4s min %.2f ms (%.0f M ints/s)  q1 %.2f ms  median %.2f ms (%.0f M ints/s)  %s\n",
               s ? "new" : "old", t[0] * 1e3, ints / t[0] / 1e6, t[rounds / 4] * 1e3, t[rounds / 2] * 1e3,
               ints / t[rounds / 2] / 1e6, argv[1 + s]);
    }
    qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_double);
    printf("new/old per round: median %.4f (q1 %.4f, q3 %.4f) over %d rounds; %.0f M ints a pass; differ %d\n",
           ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4], rounds, ints / 1e6, differ);
    /* the units and their indexes live until the process ends */
    free(ratio);
    free(sides);
    return differ;
}

#endif
