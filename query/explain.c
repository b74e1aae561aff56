/*
** explain.c — a passage's BM25 score term by term and its proximity bonus
** (zhs_results_explain),
** and an empty result set for reading passages by number.
**
** The arithmetic repeats search.c's expressions in the same order (weight
** times tf part, summed in query term order) so that the total equals a
** search's score to the last bit, not just approximately.  K is
** zhs_bm25_kfac of the passage's length at the index's k1/b and average
** length, as search.c computes it when a query runs at those parameters.
*/
#include "query_int.h"

#include <math.h>
#include <stdlib.h>

int zhs_index_results(zhs_results **out, zhs_index *ix, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_results *r = calloc(1, sizeof *r);
    if (!r) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
    zhs_arena_init(&r->arena, 16 * 1024);
    zhs_store_reader_init(&r->store);
    r->ix = ix;
    *out = r;
    return ZHS_OK;
}

/* The term's text without its field and kind prefixes (terms.h). */
static const char *strip_prefixes(const char *key, int *title)
{
    *title = key[0] == 'T';
    if (*title) key++;
    if (key[0] == 'B' || key[0] == 'U') key++;
    return key;
}

int zhs_results_explain(zhs_explanation *out, zhs_results *r, uint32_t doc, zhs_error *err)
{
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    const zhs_index *ix = r->ix;
    /* Explanations read the native engine's postings and lengths. */
    const zhs_segment *seg = zhs_native_segment(ix);
    if (!seg)
        return zhs_fail(err, ZHS_EINVAL, "%s was built by the %s engine, which weighs terms its own way: "
                        "explanations need an index built with the native engine", ix->dir,
                        zhs_engine_name(ix->m.engine));
    const zhs_native *nx = ix->state;
    uint32_t local = 0;
    const zhs_native_seg *ns = zhs_native_locate(nx, doc, &local);
    if (!ns || zhs_segment_deleted(&ns->seg, local))
        return zhs_fail(err, ZHS_ENOTFOUND, "passage %u does not exist in %s", doc, ix->dir);
    seg = &ns->seg;
    const zhs_query *q = &r->q;
    zhs_explain_term *terms = zhs_arena_calloc(&r->arena, (q->nterms + 1) * sizeof *terms);
    zhs_cursor *cur = malloc(sizeof *cur);
    if (!terms || !cur) {
        free(cur);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory explaining a score");
    }
    double k1 = ix->m.k1;
    out->doc = doc;
    out->length = zhs_get_u32(seg->len.body + (size_t)local * 4);
    out->k1 = k1;
    out->b = ix->m.b;
    out->avglen = ix->m.avglen;
    out->length_norm = 1 - ix->m.b + (ix->m.avglen > 0 ? ix->m.b * out->length / ix->m.avglen : 0);
    zhs_bm25 bm;
    zhs_bm25_init(&bm, k1, ix->m.b, ix->m.avglen);
    const double K = zhs_bm25_kfac(&bm, out->length);
    const double N = (double)ix->m.passages;
    double total = 0;
    int rc = ZHS_OK;
    /* the proximity bonus over the same terms search.c gives it */
    zhs_prox prox;
    zhs_prox_init(&prox, r->proximity, k1);
    for (size_t i = 0; i < q->nterms && rc == ZHS_OK; i++) {
        zhs_explain_term *t = &terms[i];
        t->key = q->terms[i].key;
        t->text = strip_prefixes(t->key, &t->title);
        t->kind = q->terms[i].kind;
        t->qtf = q->terms[i].qtf;
        /* df over the live passages of every segment, as search.c */
        zhs_term_info ti, here;
        const zhs_segment *from, *here_from = seg;
        bool in_seg = false, has_pos = false;
        int64_t live = 0;
        for (unsigned s = 0; s < nx->nsegs && rc == ZHS_OK; s++) {
            /* a character term a segment lacks is made there (chars.c) */
            int64_t n = 0;
            int found = zhs_native_term(&nx->segs[s], &r->arena, q->terms[i].key, q->terms[i].len, &ti, &from, &n, err);
            if (found < 0) rc = found;
            if (found <= 0) continue;
            live += n;
            has_pos |= ti.pos_len > 0;
            if (&nx->segs[s] == ns) {
                here = ti;
                here_from = from;
                in_seg = true;
            }
        }
        if (rc) break;
        if (live == 0) continue;
        double df = (double)live;
        t->df = (uint32_t)live;
        t->idf = log(1.0 + (N - df + 0.5) / (df + 0.5));
        /* question words weigh nothing, as in search.c */
        double qw = t->qtf * t->idf * (r->proximity >= 0 ? zhs_query_term_weight(q, i) : 1.0);
        /* the pairs are those of the collection (search.c prox_term): a
        ** term this segment lacks keeps its place */
        bool pairs = has_pos && !zhs_term_is_label(t->key, q->terms[i].len);
        if (!in_seg) {
            if (pairs) zhs_prox_add(&prox, seg, NULL, qw);
            continue;
        }
        zhs_cursor_init(cur, here_from, &here);
        if (zhs_cursor_advance(cur, local) == local) {
            t->tf = zhs_cursor_tf(cur);
            t->tf_part = (double)t->tf * (k1 + 1.0) / ((double)t->tf + K);
            /* search.c multiplies qtf into the weight before the tf part */
            t->score = qw * t->tf_part;
            total += t->score;
        }
        if (pairs) zhs_prox_add(&prox, seg, &here, qw);
        if (cur->corrupt)
            rc = zhs_fail(err, ZHS_ECORRUPT, "%s/%s.post: a posting block is damaged: check the index and rebuild it",
                          ix->dir, ix->m.seg[ns - nx->segs].name);
    }
    free(cur);
    if (rc == ZHS_OK && prox.n >= 2) {
        out->proximity = zhs_prox_score(&prox, local, K);
        total += out->proximity;
        if (prox.fault == ZHS_ENOMEM) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory explaining a score");
        else if (prox.fault) rc = zhs_fail(err, ZHS_ECORRUPT, "%s/%s.pos: a position block is damaged: check the index and rebuild it",
                                           ix->dir, ix->m.seg[ns - nx->segs].name);
    }
    zhs_prox_free(&prox);
    if (rc) return rc;
    out->terms = terms;
    out->nterms = q->nterms;
    /* the document prior, as search.c's second phase applies it */
    if (r->proximity >= 0) {
        zhs_prior prior;
        zhs_prior_init(&prior, ix);
        total *= zhs_prior_factor(&prior, ix, doc);
    }
    out->score = total;
    return ZHS_OK;
}
