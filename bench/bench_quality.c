/*
** bench_quality.c — retrieval quality of both engines on the evaluation
** sets (../shared/eval/NAME.{passages,queries}.jsonl): each passages file
** is indexed with each engine, every query run for 20 hits, and scored as
** 'zhs eval' and ../shared/tools/eval_run.py score a run: hits of one
** record (pieces of a long passage) count once, in the rank of their first
** piece; Recall@k = relevant found in the first k / relevant; MRR@10 = 1 /
** rank of the first relevant hit within 10; a query without results (or
** one that does not parse) scores 0; everything is averaged over queries.
*/
#include "bench.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#define MAX_IDS 64
#define MAX_REL 256

typedef struct qscore { double r1, r5, r20, rr; bool empty; } qscore;

/* Scores one query: ids are the distinct passage ids of the hits in rank
** order, rels the relevant ids. */
static void score_ids(qscore *s, const char *const *ids, size_t nid, const char *const *rels, size_t nrel)
{
    size_t h1 = 0, h5 = 0, h20 = 0;
    s->rr = 0;
    for (size_t i = 0; i < nid; i++) {
        bool relevant = false;
        for (size_t j = 0; j < nrel && !relevant; j++) relevant = !strcmp(ids[i], rels[j]);
        if (!relevant) continue;
        h1 += i < 1;
        h5 += i < 5;
        h20 += i < 20;
        if (i < 10 && s->rr == 0) s->rr = 1.0 / (double)(i + 1);
    }
    s->r1 = nrel ? (double)h1 / (double)nrel : 0;
    s->r5 = nrel ? (double)h5 / (double)nrel : 0;
    s->r20 = nrel ? (double)h20 / (double)nrel : 0;
    s->empty = nid == 0;
}

static int run_query(qscore *s, zhs_index *ix, zhs_analyzer *an, const char *query, const char *const *rels,
                     size_t nrel, zhs_error *err)
{
    memset(s, 0, sizeof *s);
    s->empty = true;
    zhs_search_options so;
    zhs_search_options_default(&so);
    so.k = 20;
    zhs_results *r;
    zhs_error e2 = {0};
    if (zhs_index_search(&r, ix, an, query, &so, &e2)) {
        if (e2.code == ZHS_EQUERY) return ZHS_OK;     /* e.g. only punctuation: no results */
        *err = e2;
        return e2.code;
    }
    const char *ids[MAX_IDS];
    size_t nid = 0;
    for (size_t i = 0; i < zhs_results_count(r) && nid < MAX_IDS; i++) {
        zhs_passage p;
        if (zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, err)) break;
        if (!cli_id_seen(ids, nid, p.id)) ids[nid++] = p.id;
    }
    if (!zhs_err_code(err)) score_ids(s, ids, nid, rels, nrel);
    zhs_results_free(r);
    return zhs_err_code(err);
}

/* Scores every query of qpath against the index in dir. */
static int score_set(bench_quality *out, const char *dir, const char *qpath, size_t max, zhs_error *err)
{
    zhs_index *ix = NULL;
    zhs_analyzer *an = NULL;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    zhs_buf q, rel;
    zhs_buf_init(&q);
    zhs_buf_init(&rel);
    double t0 = zhs_now();
    if (zhs_index_open(&ix, dir, err) || zhs_index_open_analyzer(&an, ix, err)) goto done;
    f = fopen(qpath, "r");
    if (!f) {
        zhs_fail(err, ZHS_EIO, "bench: cannot open %s: %s", qpath, strerror(errno));
        goto done;
    }
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0 && (max == 0 || out->queries < max)) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        if (len == 0) continue;
        zhs_buf_reset(&q);
        zhs_buf_reset(&rel);
        if (zhs_json_get(&q, line, (size_t)len, "query") != 1 || zhs_json_get(&rel, line, (size_t)len, "relevant") != 1) {
            zhs_fail(err, ZHS_EINVAL, "%s:%zu: expected {\"qid\",\"query\",\"relevant\"}", qpath, lineno);
            goto done;
        }
        const char *rels[MAX_REL];
        size_t nrel = 0;
        for (char *p = rel.data; p && *p && nrel < MAX_REL;) {
            rels[nrel++] = p;
            char *nl = strchr(p, '\n');
            if (!nl) break;
            *nl = 0;
            p = nl + 1;
        }
        qscore s;
        if (run_query(&s, ix, an, zhs_buf_cstr(&q), rels, nrel, err)) goto done;
        out->queries++;
        out->empty += s.empty;
        out->r1 += s.r1;
        out->r5 += s.r5;
        out->r20 += s.r20;
        out->mrr += s.rr;
    }
    if (out->queries) {
        double n = (double)out->queries;
        out->r1 /= n;
        out->r5 /= n;
        out->r20 /= n;
        out->mrr /= n;
    }
done:
    out->seconds = zhs_now() - t0;
    free(line);
    if (f) fclose(f);
    zhs_buf_free(&q);
    zhs_buf_free(&rel);
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
        char qpath[4400], name[64];
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
                      size_t max_sets, size_t max_queries, zhs_error *err)
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
        char ppath[4400], qpath[4400];
        snprintf(ppath, sizeof ppath, "%s/%s.passages.jsonl", eval_dir, names[i]);
        snprintf(qpath, sizeof qpath, "%s/%s.queries.jsonl", eval_dir, names[i]);
        for (int e = 0; e < 2; e++) {
            char dir[4400];
            snprintf(dir, sizeof dir, "%s/eval-%s-%s", workdir, names[i], bench_engine_names[e]);
            bench_quality *q = &res[*nout];
            snprintf(q->set, sizeof q->set, "%s", names[i]);
            q->engine = e;
            bench_build b;
            bench_rmtree(dir);
            if (bench_build_index(&b, ppath, dir, e == ENG_XAPIAN ? ZHS_ENGINE_XAPIAN : ZHS_ENGINE_NATIVE, err) ||
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
