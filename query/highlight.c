/*
** highlight.c — which bytes of a passage match the query.  The passage is
** analyzed again with the same analyzer: every token whose term the query
** searched for is a match, and tokens carry offsets into the original
** text, so the spans are exact whatever normalisation did.  The title and
** the heading path are highlighted the same way (zhs_results_highlights_of):
** a hit whose only match is there shows where.
*/
#include "query_int.h"
#include "analyzer_int.h"

#include <stdlib.h>

static int cmp_span(const void *a, const void *b)
{
    const zhs_span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

int zhs_results_highlights(const zhs_span **spans, size_t *nspans, zhs_results *r,
                           zhs_analyzer *an, const zhs_passage *p, zhs_error *err)
{
    return zhs_results_highlights_of(spans, nspans, r, an, p->text, p->text_len, err);
}

int zhs_results_highlights_of(const zhs_span **spans, size_t *nspans, zhs_results *r, zhs_analyzer *an,
                              const char *text, size_t len, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *spans = NULL;
    *nspans = 0;
    if (zhs_err_code(err)) return err->code;
    const zhs_token *tok;
    size_t n;
    /* a query's character terms made from bigrams (chars.c) match the
    ** characters the analyzer gives with them on, as the query's parse */
    int was = r->q.make_chars ? zhs_analyzer_emit_chars(an, ZHS_CHARS_ALL) : ZHS_CHARS_ALL;
    int rc = zhs_analyzer_run(an, &tok, &n, text ? text : "", text ? len : 0, err);
    if (was != ZHS_CHARS_ALL) zhs_analyzer_emit_chars(an, was);
    if (rc) return err->code;
    zhs_buf_reset(&r->span_buf);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        char key[ZHS_TERM_MAX + 4];
        size_t kl = zhs_term_key(key, &tok[i], false);
        if (zhs_query_term_find(&r->q, key, kl) < 0) continue;
        zhs_span s = {tok[i].start, tok[i].end};
        zhs_buf_append(&r->span_buf, &s, sizeof s);
        ns++;
    }
    if (r->span_buf.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory highlighting");
    zhs_span *sp = (zhs_span *)(void *)r->span_buf.data;
    if (ns == 0) return ZHS_OK;
    qsort(sp, ns, sizeof *sp, cmp_span);
    size_t m = 0;
    for (size_t i = 1; i < ns; i++) {
        if (sp[i].start <= sp[m].end) {
            if (sp[i].end > sp[m].end) sp[m].end = sp[i].end;
        } else {
            sp[++m] = sp[i];
        }
    }
    *spans = sp;
    *nspans = m + 1;
    return ZHS_OK;
}
