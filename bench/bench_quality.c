/*
** bench_quality.c — retrieval quality of both engines on the evaluation
** sets (../shared/eval/NAME.{passages,queries}.jsonl): each passages file
** is indexed with each engine and every query run for 20 hits and scored
** by the scorer of 'zhs eval' (cli/eval.c).
*/
#include "bench.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

/* Scores every query of qpath against the index in dir (the scorer is
** zhs eval's, cli/eval.c). */
static int score_set(bench_quality *out, const char *dir, const char *qpath, size_t max, zhs_error *err)
{
    zhs_index *ix = NULL;
    zhs_analyzer *an = NULL;
    double t0 = zhs_now();
    cli_eval ev;
    memset(&ev, 0, sizeof ev);
    if (zhs_index_open(&ix, dir, err) == ZHS_OK && zhs_index_open_analyzer(&an, ix, err) == ZHS_OK)
        cli_eval_file(&ev, ix, an, qpath, max, NULL, NULL, err);
    out->queries = ev.queries;
    out->empty = ev.empty;
    out->r1 = ev.r1;
    out->r5 = ev.r5;
    out->r20 = ev.r20;
    out->mrr = ev.mrr;
    out->seconds = zhs_now() - t0;
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    return zhs_err_code(err);
}

static int cmp_name(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Names of the sets in dir (NAME of NAME.passages.jsonl with a queries file). */
static size_t list_sets(const char *dir, char names[][64], size_t max)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    const char *suffix = ".passages.jsonl";
    while ((e = readdir(d)) != NULL && n < max) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l <= sl || l - sl >= 64 || strcmp(e->d_name + l - sl, suffix)) continue;
        char qpath[ZHS_PATH_MAX], name[64];
        snprintf(name, sizeof name, "%.*s", (int)(l - sl), e->d_name);
        snprintf(qpath, sizeof qpath, "%s/%s.queries.jsonl", dir, name);
        FILE *f = fopen(qpath, "r");
        if (!f) continue;
        fclose(f);
        memcpy(names[n++], name, sizeof name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_name);
    return n;
}

int bench_quality_run(bench_quality **out, size_t *nout, const char *eval_dir, const char *workdir,
                      size_t max_sets, size_t max_queries, bool xapian, zhs_error *err)
{
    *out = NULL;
    *nout = 0;
    if (zhs_err_code(err)) return err->code;
    char names[16][64];
    size_t nsets = list_sets(eval_dir, names, 16);
    if (max_sets && nsets > max_sets) nsets = max_sets;
    if (nsets == 0) return ZHS_OK;
    bench_quality *res = calloc(nsets * 2, sizeof *res);
    if (!res) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nsets; i++) {
        char ppath[ZHS_PATH_MAX], qpath[ZHS_PATH_MAX];
        snprintf(ppath, sizeof ppath, "%s/%s.passages.jsonl", eval_dir, names[i]);
        snprintf(qpath, sizeof qpath, "%s/%s.queries.jsonl", eval_dir, names[i]);
        for (int e = 0; e < (xapian ? 2 : 1); e++) {
            char dir[ZHS_PATH_MAX];
            snprintf(dir, sizeof dir, "%s/eval-%s-%s", workdir, names[i], bench_engine_names[e]);
            bench_quality *q = &res[*nout];
            snprintf(q->set, sizeof q->set, "%s", names[i]);
            q->engine = e;
            bench_build b;
            zhs_path_remove(dir);
            if (bench_build_index(&b, ppath, dir, e == ENG_XAPIAN ? ZHS_ENGINE_XAPIAN : ZHS_ENGINE_NATIVE, 0, err) ||
                score_set(q, dir, qpath, max_queries, err)) {
                free(res);
                return err->code;
            }
            (*nout)++;
            fprintf(stderr, "zhs bench: quality %s %s: MRR@10 %.4f (index %.1f s; %zu queries, %.1f s)\n", names[i],
                    bench_engine_names[e], q->mrr, b.seconds, q->queries, q->seconds);
        }
    }
    *out = res;
    return ZHS_OK;
}
