/*
** bench_queries.c — the query sets, generated from the sampled passages.
**
** Recipe (bench/README.md): the analyzer's word tokens of the sampled
** passages that are Han words of two or more characters form the
** vocabulary; each word's document frequency comes from the native index.
**   term          one word from the frequent part of the vocabulary
**                 (the top 5% by document frequency, at least 50 words)
**   intersection  "+a +b"    two words of one random passage
**   union         "a b c"    three words of one random passage
**   phrase        "\"a b\""  two words adjacent in a random passage's text
**   req_opt       "+a b"     two words of one random passage
**   negation      "+a -b"    a: the passage's most frequent word, b: another
** Words drawn from one passage co-occur at least there, so conjunctions and
** phrases match something.  Every query is checked on the native index
** (it must parse; all but negation must match at least one passage);
** failures and duplicates are dropped and counted.
*/
/* qsort_r: the comparisons take the vocabulary as an argument, not a static */
#define _GNU_SOURCE
#include "bench.h"
#include "query_int.h"

#include <errno.h>
#include <stdlib.h>

typedef struct wtok {
    uint32_t off, len;          /* text in the word buffer */
    uint32_t pos, nch;
    uint32_t vid;               /* vocabulary id */
} wtok;

typedef struct vword {
    uint32_t off, len;
    uint32_t df;
} vword;

typedef struct vocab {
    zhs_buf text;
    wtok *w;
    size_t nw, wcap;
    size_t *pfirst, *pn;        /* per sampled passage: its words */
    size_t npass;
    vword *v;
    size_t nv;
    uint32_t *freq;             /* vocabulary ids of the frequent words */
    size_t nfreq;
} vocab;

static const char *wtext(const vocab *vb, uint32_t off) { return vb->text.data + off; }

static int collect_words(vocab *vb, const bench_sample *s, zhs_analyzer *an, zhs_error *err)
{
    vb->pfirst = calloc(s->n + 1, sizeof *vb->pfirst);
    vb->pn = calloc(s->n + 1, sizeof *vb->pn);
    if (!vb->pfirst || !vb->pn) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    vb->npass = s->n;
    for (size_t p = 0; p < s->n; p++) {
        const zhs_token *tok;
        size_t n;
        if (zhs_analyzer_run(an, &tok, &n, s->texts[p], strlen(s->texts[p]), err)) return err->code;
        vb->pfirst[p] = vb->nw;
        for (size_t i = 0; i < n; i++) {
            if (tok[i].kind != ZHS_TOKEN_WORD) continue;
            size_t nch = zhs_utf8_count(tok[i].text, tok[i].len);
            if (nch < 2) continue;
            if (!zhs_grow(&vb->w, &vb->wcap, vb->nw + 1, sizeof *vb->w, 4096))
                return zhs_fail(err, ZHS_ENOMEM, "out of memory");
            wtok *w = &vb->w[vb->nw++];
            w->off = (uint32_t)vb->text.len;
            w->len = tok[i].len;
            w->pos = tok[i].position;
            w->nch = (uint32_t)nch;
            zhs_buf_append(&vb->text, tok[i].text, tok[i].len + 1);
        }
        vb->pn[p] = vb->nw - vb->pfirst[p];
    }
    return vb->text.oom ? zhs_fail(err, ZHS_ENOMEM, "out of memory") : ZHS_OK;
}

static int cmp_word(const void *a, const void *b, void *ctx)
{
    const vocab *vb = ctx;
    const wtok *x = &vb->w[*(const size_t *)a], *y = &vb->w[*(const size_t *)b];
    int c = strcmp(wtext(vb, x->off), wtext(vb, y->off));
    return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int cmp_df_desc(const void *a, const void *b, void *ctx)
{
    const vocab *vb = ctx;
    const vword *x = &vb->v[*(const uint32_t *)a], *y = &vb->v[*(const uint32_t *)b];
    if (x->df != y->df) return x->df > y->df ? -1 : 1;
    return strcmp(wtext(vb, x->off), wtext(vb, y->off));
}

/* Distinct words with their document frequency; the frequent part. */
static int build_vocab(vocab *vb, zhs_index *ix, zhs_error *err)
{
    size_t *ord = malloc((vb->nw + 1) * sizeof *ord);
    vb->v = malloc((vb->nw + 1) * sizeof *vb->v);
    if (!ord || !vb->v) {
        free(ord);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < vb->nw; i++) ord[i] = i;
    qsort_r(ord, vb->nw, sizeof *ord, cmp_word, vb);
    for (size_t i = 0; i < vb->nw; i++) {
        wtok *w = &vb->w[ord[i]];
        if (vb->nv == 0 || strcmp(wtext(vb, vb->v[vb->nv - 1].off), wtext(vb, w->off)) != 0) {
            vword *v = &vb->v[vb->nv++];
            v->off = w->off;
            v->len = w->len;
            zhs_term_info ti;
            int rc = zhs_segment_lookup(zhs_native_segment(ix), &ti, wtext(vb, w->off), w->len, err);
            if (rc < 0) {
                free(ord);
                return rc;
            }
            v->df = rc == 1 ? ti.df : 0;
        }
        w->vid = (uint32_t)(vb->nv - 1);
    }
    free(ord);
    vb->freq = malloc((vb->nv + 1) * sizeof *vb->freq);
    if (!vb->freq) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    for (size_t i = 0; i < vb->nv; i++) vb->freq[i] = (uint32_t)i;
    qsort_r(vb->freq, vb->nv, sizeof *vb->freq, cmp_df_desc, vb);
    vb->nfreq = vb->nv / 20;
    if (vb->nfreq < 50) vb->nfreq = vb->nv < 50 ? vb->nv : 50;
    return ZHS_OK;
}

static void vocab_free(vocab *vb)
{
    zhs_buf_free(&vb->text);
    free(vb->w);
    free(vb->pfirst);
    free(vb->pn);
    free(vb->v);
    free(vb->freq);
}

void bench_qset_free(bench_qset *qs)
{
    for (size_t i = 0; i < qs->n; i++) free(qs->q[i].text);
    free(qs->q);
    memset(qs, 0, sizeof *qs);
}

static bool qset_has(const bench_qset *qs, const char *text)
{
    for (size_t i = 0; i < qs->n; i++)
        if (!strcmp(qs->q[i].text, text)) return true;
    return false;
}

static int qset_push(bench_qset *qs, const char *text, int type, zhs_error *err)
{
    if (!zhs_grow(&qs->q, &qs->cap, qs->n + 1, sizeof *qs->q, 256)) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    qs->q[qs->n].text = strdup(text);
    if (!qs->q[qs->n].text) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    qs->q[qs->n++].type = type;
    return ZHS_OK;
}

/* Counts the query's matches on the native index; -1 when it does not
** parse (err tells why). */
static int64_t count_matches(zhs_index *ix, zhs_analyzer *an, const char *text, zhs_error *err)
{
    zhs_search_options so;
    zhs_search_options_default(&so);
    so.count_only = 1;
    so.all_versions = 1;   /* as the latency phase counts (bench_latency.c) */
    zhs_results *r;
    if (zhs_index_search(&r, ix, an, text, &so, err)) return -1;
    int64_t n = (int64_t)zhs_results_matches(r);
    zhs_results_free(r);
    return n;
}

/* Distinct vocabulary ids of passage p into out (at most max). */
static size_t passage_words(const vocab *vb, size_t p, uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < vb->pn[p] && n < max; i++) {
        uint32_t v = vb->w[vb->pfirst[p] + i].vid;
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++) dup = out[j] == v;
        if (!dup && vb->v[v].df > 0) out[n++] = v;
    }
    return n;
}

/* k distinct words of one passage, in random order; false when the
** passage has fewer. */
static bool pick_words(const vocab *vb, size_t p, size_t k, uint32_t *out, bench_rng *rng)
{
    uint32_t words[512];
    size_t n = passage_words(vb, p, words, 512);
    if (n < k) return false;
    bench_shuffle(rng, words, n);
    memcpy(out, words, k * sizeof *out);
    return true;
}

/* Writes one query of the type into q; false when this draw gives none. */
static bool draw_query(zhs_buf *q, const vocab *vb, int type, bench_rng *rng)
{
    zhs_buf_reset(q);
    uint32_t w[3];
    if (type == QT_TERM) {
        uint32_t v = vb->freq[bench_rng_below(rng, vb->nfreq)];
        zhs_buf_puts(q, wtext(vb, vb->v[v].off));
        return true;
    }
    size_t p = bench_rng_below(rng, vb->npass);
    switch (type) {
    case QT_AND:
        if (!pick_words(vb, p, 2, w, rng)) return false;
        zhs_buf_printf(q, "+%s +%s", wtext(vb, vb->v[w[0]].off), wtext(vb, vb->v[w[1]].off));
        return true;
    case QT_OR:
        if (!pick_words(vb, p, 3, w, rng)) return false;
        zhs_buf_printf(q, "%s %s %s", wtext(vb, vb->v[w[0]].off), wtext(vb, vb->v[w[1]].off),
                       wtext(vb, vb->v[w[2]].off));
        return true;
    case QT_REQOPT:
        if (!pick_words(vb, p, 2, w, rng)) return false;
        zhs_buf_printf(q, "+%s %s", wtext(vb, vb->v[w[0]].off), wtext(vb, vb->v[w[1]].off));
        return true;
    case QT_NOT: {
        uint32_t words[512];
        size_t n = passage_words(vb, p, words, 512);
        if (n < 2) return false;
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (vb->v[words[i]].df > vb->v[words[best]].df) best = i;
        size_t other = bench_rng_below(rng, n - 1);
        if (other >= best) other++;
        zhs_buf_printf(q, "+%s -%s", wtext(vb, vb->v[words[best]].off), wtext(vb, vb->v[words[other]].off));
        return true;
    }
    case QT_PHRASE: {
        /* adjacent: the second word starts where the first ends */
        size_t cand[512], nc = 0;
        for (size_t i = 0; i + 1 < vb->pn[p] && nc < 512; i++) {
            const wtok *a = &vb->w[vb->pfirst[p] + i], *b = a + 1;
            if (b->pos == a->pos + a->nch) cand[nc++] = i;
        }
        if (nc == 0) return false;
        const wtok *a = &vb->w[vb->pfirst[p] + cand[bench_rng_below(rng, nc)]];
        zhs_buf_printf(q, "\"%s %s\"", wtext(vb, a->off), wtext(vb, (a + 1)->off));
        return true;
    }
    }
    return false;
}

int bench_make_queries(bench_qset *qs, const bench_sample *s, zhs_index *native,
                       zhs_analyzer *an, size_t per_type, bench_rng *rng, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    vocab vb;
    memset(&vb, 0, sizeof vb);
    zhs_buf q;
    zhs_buf_init(&q);
    if (collect_words(&vb, s, an, err) || build_vocab(&vb, native, err)) goto done;
    if (vb.nv == 0) {
        zhs_fail(err, ZHS_EINVAL, "bench: the sampled passages hold no Han words of two or more characters: "
                 "the query sets need a Chinese corpus");
        goto done;
    }
    for (int type = QT_TERM; type < QT_USER; type++) {
        size_t got = 0;
        for (size_t attempt = 0; got < per_type && attempt < per_type * 50; attempt++) {
            if (!draw_query(&q, &vb, type, rng)) continue;
            const char *text = zhs_buf_cstr(&q);
            if (qset_has(qs, text)) continue;
            zhs_error e2 = {0};
            int64_t m = count_matches(native, an, text, &e2);
            if (m < 0 || (m == 0 && type != QT_NOT)) {
                qs->dropped[type]++;
                continue;
            }
            if (qset_push(qs, text, type, err)) goto done;
            got++;
        }
    }
done:
    zhs_buf_free(&q);
    vocab_free(&vb);
    return zhs_err_code(err);
}

int bench_add_user_queries(bench_qset *qs, const char *path, zhs_index *native,
                           zhs_analyzer *an, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    FILE *f = fopen(path, "r");
    if (!f) return zhs_fail(err, ZHS_EIO, "bench: cannot open --queries %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        /* "qid<TAB>query" as 'zhs search --queries' reads it */
        char *text = strchr(line, '\t') ? strchr(line, '\t') + 1 : line;
        if (!*text || *text == '#' || qset_has(qs, text)) continue;
        zhs_error e2 = {0};
        if (count_matches(native, an, text, &e2) < 0) {
            fprintf(stderr, "zhs bench: %s:%zu: skipped: %s\n", path, lineno, e2.message);
            qs->dropped[QT_USER]++;
            continue;
        }
        if (qset_push(qs, text, QT_USER, err)) break;
    }
    free(line);
    fclose(f);
    return zhs_err_code(err);
}
