/*
** bench_corpus.c — one pass over the corpus in the parent process:
**   - a reservoir sample of passages (the query sets are drawn from it);
**   - the analyzer timed over every passage text (MB/s);
**   - for the Lucene peer, each passage's index terms in index order.
**
** Lucene gets exactly the terms zhs indexes (analysis/terms.h,
** zhs_passage_terms): the title's tokens title_weight times in the body
** and once as title-field terms ("T" prefix), the heading's once in the
** body, then the text's tokens, shifted past the title by one unit.  A line is "BODY<TAB>TITLE": space-separated
** terms sorted by position, each "term" or "term<US>increment" when the
** position increment is not 1 (0 for a word and the bigram that start at
** one character), so that Lucene phrases see the positions zhs sees.
*/
#include "bench.h"
#include "terms.h"

#include <stdlib.h>

typedef struct pterm {
    uint32_t pos, seq;          /* seq keeps the analyzer's order among equal positions */
    uint32_t off, len;          /* key in the passage terms' key buffer */
} pterm;

typedef struct exporter {
    FILE *out;
    zhs_passage_terms pt;       /* the terms, as both engines index them */
    pterm *t;
    size_t nt, tcap;
} exporter;

void bench_sample_free(bench_sample *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->texts[i]);
    free(s->texts);
    memset(s, 0, sizeof *s);
}

/* Algorithm R: every passage ends up in the sample with equal probability,
** and a fixed seed gives the same sample for the same corpus. */
static bool sample_add(bench_sample *s, const char *text, size_t len, bench_rng *rng)
{
    s->seen++;
    size_t slot;
    if (s->n < s->cap) {
        slot = s->n++;
    } else {
        uint64_t j = bench_rng_below(rng, (size_t)s->seen);
        if (j >= s->cap) return true;
        slot = (size_t)j;
        free(s->texts[slot]);
    }
    s->texts[slot] = malloc(len + 1);
    if (!s->texts[slot]) return false;
    memcpy(s->texts[slot], text, len);
    s->texts[slot][len] = 0;
    return true;
}

static bool push_term(exporter *x, const zhs_pterm *p)
{
    if (!zhs_grow(&x->t, &x->tcap, x->nt + 1, sizeof *x->t, 1024)) return false;
    pterm *q = &x->t[x->nt];
    q->pos = p->pos;
    q->seq = (uint32_t)x->nt;
    q->off = p->off;
    q->len = p->len;
    x->nt++;
    return true;
}

static int cmp_pterm(const void *a, const void *b)
{
    const pterm *x = a, *y = b;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Writes x->t[from..to) sorted by position. */
static void write_terms(exporter *x, size_t from, size_t to)
{
    qsort(x->t + from, to - from, sizeof *x->t, cmp_pterm);
    int64_t prev = -1;
    for (size_t i = from; i < to; i++) {
        const pterm *p = &x->t[i];
        if (i > from) fputc(' ', x->out);
        fwrite(x->pt.keys.data + p->off, 1, p->len, x->out);
        int64_t inc = (int64_t)p->pos - prev;
        if (inc != 1) fprintf(x->out, "\x1f%lld", (long long)inc);
        prev = p->pos;
    }
}

/* tok: the passage text's tokens (from the timed analyzer call); the
** title was analyzed before them.  Body terms first, then title-field
** terms ("T..."), each group sorted by position. */
static int export_passage(exporter *x, const zhs_token *tok, size_t n, zhs_error *err)
{
    if (zhs_passage_terms_text(&x->pt, tok, n, err)) return err->code;
    x->nt = 0;
    for (size_t i = 0; i < x->pt.n; i++)
        if (x->pt.keys.data[x->pt.t[i].off] != 'T' && !push_term(x, &x->pt.t[i]))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    size_t body = x->nt;
    for (size_t i = 0; i < x->pt.n; i++)
        if (x->pt.keys.data[x->pt.t[i].off] == 'T' && !push_term(x, &x->pt.t[i]))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    write_terms(x, 0, body);
    fputc('\t', x->out);
    write_terms(x, body, x->nt);
    fputc('\n', x->out);
    return ZHS_OK;
}

static void exporter_free(exporter *x)
{
    zhs_passage_terms_free(&x->pt);
    free(x->t);
}
int bench_scan_corpus(bench_corpus_info *info, bench_sample *s, const char *corpus,
                      zhs_analyzer *an, unsigned title_weight, FILE *lucene_docs,
                      bench_rng *rng, zhs_error *err)
{
    memset(info, 0, sizeof *info);
    if (zhs_err_code(err)) return err->code;
    s->texts = calloc(s->cap + 1, sizeof *s->texts);
    if (!s->texts) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    exporter x;
    memset(&x, 0, sizeof x);
    x.out = lucene_docs;
    zhs_passage_terms_init(&x.pt, title_weight ? title_weight : 1);
    zhs_corpus *c = NULL;
    const char *paths[1] = {corpus};
    if (zhs_corpus_open(&c, paths, 1, NULL, err)) goto done;
    for (;;) {
        const zhs_document *doc;
        int rc = zhs_corpus_next(c, &doc, err);
        if (rc == ZHS_DONE) break;
        if (rc) goto done;
        for (size_t i = 0; i < doc->npassages; i++) {
            const zhs_passage *p = &doc->passages[i];
            if (!sample_add(s, p->text, p->text_len, rng)) {
                zhs_fail(err, ZHS_ENOMEM, "out of memory");
                goto done;
            }
            /* The title and heading first: their tokens would be
            ** overwritten by the text's otherwise. */
            if (lucene_docs && (zhs_passage_terms_title(&x.pt, an, p->title, err) ||
                                zhs_passage_terms_heading(&x.pt, an, p->heading, err)))
                goto done;
            const zhs_token *tok;
            size_t n;
            double t0 = zhs_now();
            if (zhs_analyzer_run(an, &tok, &n, p->text, p->text_len, err)) goto done;
            info->analyze_seconds += zhs_now() - t0;
            info->tokens += n;
            info->text_bytes += p->text_len;
            info->passages++;
            if (lucene_docs && export_passage(&x, tok, n, err)) goto done;
        }
    }
    zhs_corpus_stats st;
    zhs_corpus_stats_get(c, &st);
    info->raw_bytes = st.bytes;
    if (lucene_docs) {
        if (fflush(lucene_docs) != 0 || ferror(lucene_docs))
            zhs_fail(err, ZHS_EIO, "bench: writing the Lucene documents failed (disk full?)");
        else info->exported = true;
    }
done:
    zhs_corpus_close(c);
    exporter_free(&x);
    return zhs_err_code(err);
}
