/*
** eval.c — retrieval quality of an index on an evaluation set, scored as
** ../shared/tools/eval_run.py scores a run: hits of one record (pieces of
** a long passage) count once, in the rank of their first piece;
** Recall@k = relevant found in the first k / relevant; MRR@10 = 1 / rank
** of the first relevant hit within 10; a query without results (or one
** that does not parse) scores 0; everything is averaged over queries.
** Lines that carry a "kind" are also averaged per kind (MRR@10,
** Recall@1, Recall@10), as bench/legal_judged.jsonl's citations, concepts
** and questions are.  'zhs eval' and the bench's quality phase both score
** through here.
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

/* The scores of one query: ids are the distinct passage ids of its hits
** in rank order, rels the relevant ids. */
typedef struct {
    double r1, r5, r10, r20, mrr;
    bool empty;
} query_score;

static query_score score_ids(const char *const *ids, size_t nid, const char *const *rels, size_t nrel)
{
    query_score s = {.empty = nid == 0};
    size_t h1 = 0, h5 = 0, h10 = 0, h20 = 0;
    for (size_t i = 0; i < nid; i++) {
        bool relevant = false;
        for (size_t j = 0; j < nrel && !relevant; j++) relevant = !strcmp(ids[i], rels[j]);
        if (!relevant) continue;
        h1 += i < 1;
        h5 += i < 5;
        h10 += i < 10;
        h20 += i < 20;
        if (i < 10 && s.mrr == 0) s.mrr = 1.0 / (double)(i + 1);
    }
    if (nrel) {
        s.r1 = (double)h1 / (double)nrel;
        s.r5 = (double)h5 / (double)nrel;
        s.r10 = (double)h10 / (double)nrel;
        s.r20 = (double)h20 / (double)nrel;
    }
    return s;
}

static void add_score(cli_eval *t, const query_score *s)
{
    t->queries++;
    t->empty += s->empty;
    t->r1 += s->r1;
    t->r5 += s->r5;
    t->r10 += s->r10;
    t->r20 += s->r20;
    t->mrr += s->mrr;
}

static void add_kind_score(cli_eval_kind *k, const query_score *s)
{
    k->queries++;
    k->r1 += s->r1;
    k->r10 += s->r10;
    k->mrr += s->mrr;
}

/* The slot of kind name in t->kinds, a new one when the name is new; NULL
** when all CLI_EVAL_KINDS slots are taken by other names. */
static cli_eval_kind *kind_slot(cli_eval *t, const char *name)
{
    for (size_t i = 0; i < t->nkinds; i++)
        if (!strcmp(t->kinds[i].name, name)) return &t->kinds[i];
    if (t->nkinds == CLI_EVAL_KINDS) return NULL;
    cli_eval_kind *k = &t->kinds[t->nkinds++];
    snprintf(k->name, sizeof k->name, "%s", name);
    return k;
}

/* Runs one query for 20 hits and scores it; writes its TREC lines to run
** when given. */
static int eval_query(query_score *qs, zhs_index *ix, zhs_analyzer *an, const zhs_search_options *so, const char *qid,
                      const char *query, const char *const *rels, size_t nrel, FILE *run, zhs_error *err)
{
    zhs_results *r = NULL;
    zhs_error e2 = {0};
    if (zhs_index_search(&r, ix, an, query, so, &e2)) {
        if (e2.code != ZHS_EQUERY) {
            *err = e2;
            return e2.code;
        }
        *qs = (query_score){.empty = true};   /* e.g. only punctuation: no results */
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
    if (!zhs_err_code(err)) *qs = score_ids(ids, nid, rels, nrel);
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
    zhs_buf qid, q, rel, kind;
    zhs_buf_init(&qid);
    zhs_buf_init(&q);
    zhs_buf_init(&rel);
    zhs_buf_init(&kind);
    double t0 = zhs_now();
    ssize_t len;
    while ((max == 0 || out->queries < max) && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        if (len == 0) continue;
        zhs_buf_reset(&qid);
        zhs_buf_reset(&q);
        zhs_buf_reset(&rel);
        zhs_buf_reset(&kind);
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
        /* an optional "kind" (bench/legal_judged.jsonl: citation, concept,
        ** question) is scored on its own as well */
        cli_eval_kind *k = NULL;
        if (zhs_json_get(&kind, line, (size_t)len, "kind") == 1 &&
            (kind.len >= sizeof out->kinds[0].name || !(k = kind_slot(out, zhs_buf_cstr(&kind))))) {
            zhs_fail(err, ZHS_EINVAL, "%s:%zu: more than %d distinct \"kind\" values (or one longer than %zu bytes): "
                     "\"kind\" names a type of query", qpath, lineno, CLI_EVAL_KINDS, sizeof out->kinds[0].name - 1);
            break;
        }
        query_score qs = {0};
        if (eval_query(&qs, ix, an, &so, zhs_buf_cstr(&qid), zhs_buf_cstr(&q), rels, nrel, run, err)) break;
        add_score(out, &qs);
        if (k) add_kind_score(k, &qs);
    }
    if (out->queries) {
        double n = (double)out->queries;
        out->r1 /= n;
        out->r5 /= n;
        out->r10 /= n;
        out->r20 /= n;
        out->mrr /= n;
    }
    for (size_t i = 0; i < out->nkinds; i++) {
        cli_eval_kind *k = &out->kinds[i];
        if (!k->queries) continue;      /* its only query failed: an error is returned */
        k->r1 /= (double)k->queries;
        k->r10 /= (double)k->queries;
        k->mrr /= (double)k->queries;
    }
    out->seconds = zhs_now() - t0;
    free(line);
    fclose(f);
    zhs_buf_free(&qid);
    zhs_buf_free(&q);
    zhs_buf_free(&rel);
    zhs_buf_free(&kind);
    return zhs_err_code(err);
}
