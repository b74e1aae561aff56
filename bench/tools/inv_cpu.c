/*
** tools/inv_cpu.c — the CPU time of inverting and encoding alone, without
** reading, analysis, the store or threads: a text's paragraphs (split at
** blank lines; a title, the first 30 bytes of a paragraph, every 40) are
** analyzed first, then inverted REPS times by one shard and written as a
** segment (zhs_inverter_add/finish, then zhs_inverter_write into a segment
** writer), each timed with the process's CPU clock.  White-box like the
** bench (it links the library's internal objects), and not part of the
** build: link it against each build of libzhs.a to compare, alternating
** the two binaries:
**
**   cc -std=c11 -O2 -Wall -Wextra -Iinclude -Icommon -Ianalysis -Iindexer \
**      bench/tools/inv_cpu.c build/libzhs.a $(pkg-config --libs icu-uc icu-i18n) \
**      -lopencc -lxapian -lzstd -lz -lm -lpthread -lstdc++ -o /tmp/inv_cpu
**   /tmp/inv_cpu TEXT OUTDIR REPS
**
** INV_CPU_SHARDS=N inverts with N shards in threads of their own (1 when
** unset); "add" is then the caller's thread's CPU time handing the tokens
** to the shards (zhs_inverter_add: hashing, grouping, copying), without
** the shards' own.
**
** (-lxapian only for a build with Xapian; -DINV_CPU_BEFORE_WORD_POSITIONS
** for a library older than zhs_inverter_open's word_positions, main before
** the fifth session's branch inv.)  Prints one line per run:
** inversion (add + finish) and writing (encoding + files) seconds, after
** one line of the analysis's (one analyzer, every paragraph).  The
** segments go to OUTDIR/rN (they can be compared with cmp between builds).
*/
#define _POSIX_C_SOURCE 200809L
#include "indexer_int.h"
#include "terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

typedef struct copy {
    zhs_pterm *t;
    size_t n, ntitle;
    char *keys;
    size_t keys_cap;            /* 16 bytes more than the keys, as the pipeline's buffers have */
    uint32_t length;
    bool title_changed;
} copy;

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, const zhs_error *err)
{
    fprintf(stderr, "inv_cpu: %s: %s\n", what, err ? err->message : "out of memory");
    return 1;
}

/* Analyzes every paragraph of text into *out (*n passages). */
static int analyze(char *text, copy **out, size_t *n)
{
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    zhs_analyzer *an = NULL;
    zhs_error err = {0};
    if (zhs_analyzer_open(&an, &cfg, &err)) return fail("opening the analyzer", &err);
    zhs_passage_terms pt;
    zhs_passage_terms_init(&pt, ZHS_DEFAULT_TITLE_WEIGHT);
    copy *ps = NULL;
    size_t np = 0, cap = 0;
    char title[64] = "";
    int rc = 0;
    for (char *p = text; *p && !rc;) {
        char *e = strstr(p, "\n\n");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (np % 40 == 0) {
            size_t tl = len < 30 ? len : 30;
            while (tl && ((unsigned char)p[tl] & 0xC0) == 0x80) tl--;
            memcpy(title, p, tl);
            title[tl] = 0;
        }
        char save = p[len];
        p[len] = 0;
        zhs_passage ps1;
        memset(&ps1, 0, sizeof ps1);
        ps1.text = p;
        ps1.text_len = len;
        ps1.title = title;
        ps1.heading = ps1.label = "";
        if (zhs_passage_terms_run(&pt, an, &ps1, &err)) rc = fail("analyzing", &err);
        p[len] = save;
        if (!rc && np == cap) {
            cap = cap ? cap * 2 : 1024;
            copy *q = realloc(ps, cap * sizeof *q);
            if (!q) rc = fail("keeping the passages", NULL);
            else ps = q;
        }
        if (!rc) {
            copy *c = &ps[np++];
            c->n = pt.n;
            c->ntitle = pt.ntitle;
            c->length = pt.length;
            c->title_changed = pt.title_changed;
            c->t = malloc(pt.n * sizeof *c->t + 1);
            c->keys_cap = pt.keys.len + 16;
            c->keys = malloc(c->keys_cap);
            if (!c->t || !c->keys) rc = fail("keeping the passages", NULL);
            else {
                memcpy(c->t, pt.t, pt.n * sizeof *c->t);
                memcpy(c->keys, pt.keys.data, pt.keys.len);
            }
        }
        p += len;
        while (*p == '\n') p++;
    }
    zhs_passage_terms_free(&pt);
    zhs_analyzer_close(an);
    *out = ps;
    *n = np;
    return rc;
}

/* One inversion and segment of the passages into dir; prints the times. */
static int run(const copy *ps, size_t np, const uint32_t *lens, double avg, const char *dir)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    mkdir(dir, 0755);
    mkdir(tmp, 0755);
    zhs_error err = {0};
    const char *env = getenv("INV_CPU_SHARDS");
    unsigned shards = env && atoi(env) > 0 ? (unsigned)atoi(env) : 1;
    double t0 = cpu_seconds();
    zhs_inverter *iv = NULL;
#ifdef INV_CPU_BEFORE_WORD_POSITIONS
    int orc = zhs_inverter_open(&iv, shards, (size_t)1 << 30, tmp, &err);
#else
    int orc = zhs_inverter_open(&iv, shards, (size_t)1 << 30, false, tmp, &err);
#endif
    if (orc) return fail("opening the inverter", &err);
    zhs_passage_terms q;
    memset(&q, 0, sizeof q);
    double a0 = thread_seconds();
    for (size_t i = 0; i < np; i++) {
        q.t = ps[i].t;
        q.n = ps[i].n;
        q.ntitle = ps[i].ntitle;
        q.keys.data = ps[i].keys;
        q.keys.cap = ps[i].keys_cap;
        q.length = ps[i].length;
        q.title_changed = ps[i].title_changed;
        if (zhs_inverter_add(iv, (uint32_t)i, &q, &err)) break;
    }
    double a1 = thread_seconds();
    bool runs = false;
    zhs_inverter_finish(iv, &runs, &err);
    double t1 = cpu_seconds();
    zhs_seg_writer *sw = NULL;
    zhs_seg_writer_open(&sw, dir, "g1", lens, (uint32_t)np, avg, 1.2, 0.75, false, &err);
    zhs_inverter_write(iv, sw, runs, &err);
    zhs_seg_writer_finish(sw, NULL, &err);
    double t2 = cpu_seconds();
    zhs_seg_writer_close(sw);
    zhs_inverter_close(iv);
    if (err.code) return fail("inverting", &err);
    printf("invert %.3f s  write %.3f s  total %.3f s  add %.3f s  (%zu passages)\n", t1 - t0, t2 - t1, t2 - t0,
           a1 - a0, np);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: inv_cpu TEXT OUTDIR REPS\n");
        return 2;
    }
    zhs_buf text;
    zhs_buf_init(&text);
    zhs_error err = {0};
    if (zhs_file_read(&text, argv[1], false, (size_t)1 << 31, &err)) return fail(argv[1], &err);
    copy *ps = NULL;
    size_t np = 0;
    double a0 = cpu_seconds();
    if (analyze(text.data, &ps, &np) || np == 0) return 1;
    printf("analyze %.3f s\n", cpu_seconds() - a0);
    uint32_t *lens = malloc(np * sizeof *lens);
    if (!lens) return fail("lengths", NULL);
    uint64_t total = 0;
    for (size_t i = 0; i < np; i++) total += lens[i] = ps[i].length;
    mkdir(argv[2], 0755);
    int rc = 0;
    for (int r = 0; r < atoi(argv[3]) && !rc; r++) {
        char dir[4100];
        snprintf(dir, sizeof dir, "%s/r%d", argv[2], r);
        rc = run(ps, np, lens, (double)total / (double)np, dir);
    }
    for (size_t i = 0; i < np; i++) {
        free(ps[i].t);
        free(ps[i].keys);
    }
    free(ps);
    free(lens);
    zhs_buf_free(&text);
    return rc;
}
