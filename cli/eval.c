/*
** eval.c — retrieval quality of an index on an evaluation set, scored as
** ../shared/tools/eval_run.py scores a run: hits of one record (pieces of
** a long passage) count once, in the rank of their first piece;
** Recall@k = relevant found in the first k / relevant; MRR@10 = 1 / rank
** of the first relevant hit within 10; a query without results (or one
** that does not parse) scores 0; everything is averaged over queries.
** 'zhs eval' and the bench's quality phase both score through here.
*/
#include "cli.h"
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>

#define MAX_IDS 64
#define MAX_REL 256

bool cli_id_seen(const char *const *ids, size_t n, const char *id)
{
    for (size_t j = 0; j < n; j++)
        if (!strcmp(ids[j], id)) return true;
    return false;
}

/* Adds one query's scores: ids are the distinct passage ids of its hits in
** rank order, rels the relevant ids. */
static void score_ids(cli_eval *t, const char *const *ids, size_t nid, const char *const *rels, size_t nrel)
{
    size_t h1 = 0, h5 = 0, h20 = 0;
    double rr = 0;
    for (size_t i = 0; i < nid; i++) {
        bool relevant = false;
        for (size_t j = 0; j < nrel && !relevant; j++) relevant = !strcmp(ids[i], rels[j]);
        if (!relevant) continue;
        h1 += i < 1;
        h5 += i < 5;
        h20 += i < 20;
        if (i < 10 && rr == 0) rr = 1.0 / (double)(i + 1);
    }
    if (nrel) {
        t->r1 += (double)h1 / (double)nrel;
        t->r5 += (double)h5 / (double)nrel;
        t->r20 += (double)h20 / (double)nrel;
    }
    t->mrr += rr;
    t->empty += nid == 0;
}

/* Runs one query for 20 hits and scores it; writes its TREC lines to run
** when given. */
static int eval_query(cli_eval *t, zhs_index *ix, zhs_analyzer *an, const zhs_search_options *so, const char *qid,
                      const char *query, const char *const *rels, size_t nrel, FILE *run, zhs_error *err)
{
    zhs_results *r = NULL;
    zhs_error e2 = {0};
    if (zhs_index_search(&r, ix, an, query, so, &e2)) {
        if (e2.code != ZHS_EQUERY) {
            *err = e2;
            return e2.code;
        }
        t->empty++;             /* e.g. only punctuation: no results */
        return ZHS_OK;
    }
    const char *ids[MAX_IDS];
    size_t nid = 0;
    for (size_t i = 0; i < zhs_results_count(r) && nid < MAX_IDS; i++) {
        zhs_passage p;
        if (zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, err)) break;
        if (cli_id_seen(ids, nid, p.id)) continue;
        ids[nid++] = p.id;
        if (run) {
            zhs_buf line;
            zhs_buf_init(&line);
            cli_trec_id(&line, qid);
            zhs_buf_puts(&line, " Q0 ");
            cli_trec_id(&line, p.id);
            zhs_buf_printf(&line, " %zu %.6f zhs\n", nid, zhs_results_hit(r, i)->score);
            fwrite(line.data, 1, line.len, run);
            zhs_buf_free(&line);
        }
    }
    if (!zhs_err_code(err)) score_ids(t, ids, nid, rels, nrel);
    zhs_results_free(r);
    return zhs_err_code(err);
}

int cli_eval_file(cli_eval *out, zhs_index *ix, zhs_analyzer *an, const char *qpath, size_t max,
                  const zhs_search_options *opts, FILE *run, zhs_error *err)
{
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    zhs_search_options so = ZHS_SEARCH_OPTIONS_INIT;
    if (opts) so = *opts;
    so.k = 20;
    FILE *f = fopen(qpath, "r");
    if (!f) return zhs_fail(err, ZHS_EIO, "cannot open %s: %s", qpath, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    zhs_buf qid, q, rel;
    zhs_buf_init(&qid);
    zhs_buf_init(&q);
    zhs_buf_init(&rel);
    double t0 = zhs_now();
    ssize_t len;
    while ((max == 0 || out->queries < max) && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        if (len == 0) continue;
        zhs_buf_reset(&qid);
        zhs_buf_reset(&q);
        zhs_buf_reset(&rel);
        if (zhs_json_get(&qid, line, (size_t)len, "qid") != 1 || zhs_json_get(&q, line, (size_t)len, "query") != 1 ||
            zhs_json_get(&rel, line, (size_t)len, "relevant") != 1) {
            zhs_fail(err, ZHS_EINVAL, "%s:%zu: expected {\"qid\",\"query\",\"relevant\"}", qpath, lineno);
            break;
        }
        /* relevant ids, '\n'-separated */
        const char *rels[MAX_REL];
        size_t nrel = 0;
        for (char *p = rel.data; p && *p && nrel < MAX_REL;) {
            rels[nrel++] = p;
            char *nl = strchr(p, '\n');
            if (!nl) break;
            *nl = 0;
            p = nl + 1;
        }
        out->queries++;
        if (eval_query(out, ix, an, &so, zhs_buf_cstr(&qid), zhs_buf_cstr(&q), rels, nrel, run, err)) break;
    }
    if (out->queries) {
        double n = (double)out->queries;
        out->r1 /= n;
        out->r5 /= n;
        out->r20 /= n;
        out->mrr /= n;
    }
    out->seconds = zhs_now() - t0;
    free(line);
    fclose(f);
    zhs_buf_free(&qid);
    zhs_buf_free(&q);
    zhs_buf_free(&rel);
    return zhs_err_code(err);
}
