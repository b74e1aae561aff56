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
#include "numeral.h"

#include <stdlib.h>

static int cmp_span(const void *a, const void *b)
{
    const zhs_span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* A bigram of an article number's text (法第, 第二, 二十, 十条): a query
** that cites 刑法第二十条 searches them too, and they would mark pieces of
** every other article number in its usual hits (本[法第]五[十条第二]款);
** the citation's own hits show their label anyway. */
static bool label_bigram(const zhs_token *t)
{
    if (t->kind != ZHS_TOKEN_BIGRAM) return false;
    uint32_t a, b;
    size_t l = zhs_utf8_decode(t->text, t->len, &a);
    if (l >= t->len) return false;
    zhs_utf8_decode(t->text + l, t->len - l, &b);
    bool mark_a = a == 0x7B2C || a == 0x6761 || a == 0x689D, mark_b = b == 0x7B2C || b == 0x6761 || b == 0x689D;
    return mark_a || mark_b || (zhs_numeral_char(a) && zhs_numeral_char(b));     /* 第 条 條 */
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
        if (r->q.cite && label_bigram(&tok[i])) continue;
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
