/*
** crimes.c — a crime's name as a citation of the article that defines it.
**
** The criminal law's articles never name their crimes: 刑法 第二百六十六条
** says 诈骗公私财物，数额较大的…, and the name 诈骗罪 comes from the
** judicial documents that assign names to articles (the laws corpus has the
** procuratorate's list of 1997, "188．诈骗罪（第266条）", and the courts'
** supplements, tables of "第X条 | 罪名" rows).  A lawyer types the name:
** 诈骗罪判几年, 职务侵占罪 立案标准.  So when an index holds such documents
** (a title with 罪名 in it), their pairs are read when the index is opened
** and a query that holds a name cites 刑法第X条 as if it were written: that
** article comes first, the usual results follow.  Nothing is built in: an
** index without the documents has no names.
**
** Names are kept without their 、 (生产、销售伪劣产品罪 is also typed
** 生产销售伪劣产品罪) and matched against the query as the analyzer folds
** it (詐騙罪 is 诈骗罪), the longest first: 合同诈骗罪 is not 诈骗罪.  A
** name two documents give different articles keeps the newer document's.
*/
#include "query_int.h"
#include "names.h"
#include "numeral.h"

#include <stdlib.h>

#define CRIME_NAME_MAX 96   /* bytes; the longest names are about 20 characters */
#define CRIME_CITES 4       /* crime names a query cites at most */
#define CRIME_PART_MAX 256  /* bytes of a query part searched for names */

static const char ZUI[] = "\xE7\xBD\xAA";       /* 罪 */
static const char DUN[] = "\xE3\x80\x81";       /* 、 */
static const char LPAREN[] = "\xEF\xBC\x88";    /* （ */
static const char DI[] = "\xE7\xAC\xAC";        /* 第 */
static const char FAN[] = "\xE7\x8A\xAF";       /* 犯 */

/* Whether the three bytes at s are a Han character of a name or 、. */
static bool name_char(const char *s, size_t n)
{
    uint32_t cp;
    size_t l = zhs_utf8_decode(s, n, &cp);
    return l == 3 && (zhs_is_han(cp) || cp == 0x3001);
}

/* The start of the name that ends with the 罪 at s + at: the run of Han
** characters and 、 before it, at least one character more than 罪. */
static size_t name_start(const char *s, size_t at)
{
    size_t b = at;
    while (b >= 3 && name_char(s + b - 3, 3)) b -= 3;
    return b;
}

static int add_one(zhs_index *ix, const char *name, size_t n, const zhs_article_ref *ref, uint32_t date,
                   zhs_error *err);

/* Each name of a run that may join several for one article (滥用职权罪、
** 玩忽职守罪（第397条）): split after each 罪 that 、 follows, unless it is
** the 罪 of 犯罪 (拒绝提供恐怖主义犯罪、极端主义犯罪证据罪 is one name: no
** name ends in 犯罪). */
static int add_pair(zhs_index *ix, const char *name, size_t n, const zhs_article_ref *ref, uint32_t date,
                    zhs_error *err)
{
    size_t from = 0;
    for (size_t i = 0; i + 6 <= n; i += 3)
        if (!memcmp(name + i, ZUI, 3) && !memcmp(name + i + 3, DUN, 3) && !(i >= 3 && !memcmp(name + i - 3, FAN, 3))) {
            if (add_one(ix, name + from, i + 3 - from, ref, date, err)) return err->code;
            from = i + 6;
        }
    return add_one(ix, name + from, n - from, ref, date, err);
}

static int add_one(zhs_index *ix, const char *name, size_t n, const zhs_article_ref *ref, uint32_t date,
                   zhs_error *err)
{
    /* without 、, as it is typed and as the analyzer's key has it */
    char key[CRIME_NAME_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        if (!memcmp(name + i, DUN, 3)) continue;
        if (k + 3 > sizeof key) return ZHS_OK;
        memcpy(key + k, name + i, 3);
        k += 3;
    }
    if (k < 9) return ZHS_OK;       /* two characters and 罪 at least */
    for (size_t i = 0; i < ix->ncrimes; i++) {
        zhs_crime *c = &ix->crimes[i];
        if (c->len != k || memcmp(c->name, key, k)) continue;
        if (date >= c->date) c->article = ref->article, c->sub = ref->sub, c->date = date;
        return ZHS_OK;
    }
    if (ix->ncrimes == ix->crime_cap) {
        size_t cap = ix->crime_cap ? 2 * ix->crime_cap : 256;
        zhs_crime *grown = realloc(ix->crimes, cap * sizeof *grown);
        if (!grown) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading the crime names of %s", ix->dir);
        ix->crimes = grown;
        ix->crime_cap = cap;
    }
    zhs_crime *c = &ix->crimes[ix->ncrimes++];
    memcpy(c->name, key, k);
    c->len = k;
    c->article = ref->article;
    c->sub = ref->sub;
    c->date = date;
    return ZHS_OK;
}

/* The pairs of one passage's text: "NAME罪（第N条" and rows "第N条… NAME罪". */
static int read_pairs(zhs_index *ix, const char *s, size_t n, uint32_t date, zhs_error *err)
{
    for (size_t line = 0; line < n;) {
        const char *nl = memchr(s + line, '\n', n - line);
        size_t end = nl ? (size_t)(nl - s) : n;
        const char *t = s + line;
        size_t tl = end - line;
        line = end + 1;
        /* a row of the supplements' tables: the article first, the name after it */
        zhs_article_ref ref;
        size_t lead = tl >= 3 && !memcmp(t, DI, 3) ? zhs_article_ref_parse(t, tl, &ref) : 0;
        bool row_done = lead == 0;
        for (size_t i = lead; i + 3 <= tl; i++) {
            if (memcmp(t + i, ZUI, 3)) continue;
            size_t b = name_start(t, i);
            if (i - b < 6) continue;
            /* a name written with （境） or a space inside it is only a
            ** fragment here (外赌博罪 of 国（境）外赌博罪): left out */
            if (b >= 3 && (!memcmp(t + b - 3, "\xEF\xBC\x89", 3) ||
                           (t[b - 1] == ' ' && b >= 4 && name_char(t + b - 4, 3))))
                continue;
            size_t after = i + 3;
            zhs_article_ref r2;
            if (after + 6 <= tl && !memcmp(t + after, LPAREN, 3) && !memcmp(t + after + 3, DI, 3) &&
                zhs_article_ref_parse(t + after + 3, tl - after - 3, &r2)) {
                if (add_pair(ix, t + b, after - b, &r2, date, err)) return err->code;
                continue;
            }
            bool ends = after == tl || t[after] == ' ' || t[after] == '|' ||
                        (after + 3 <= tl && !memcmp(t + after, LPAREN, 3));
            if (!row_done && ends) {
                if (add_pair(ix, t + b, after - b, &ref, date, err)) return err->code;
                row_done = true;    /* the row's first name; a later one is a cancelled name's */
            }
        }
    }
    return ZHS_OK;
}

static int cmp_len_desc(const void *a, const void *b)
{
    const zhs_crime *x = a, *y = b;
    return x->len != y->len ? (x->len < y->len ? 1 : -1) : memcmp(x->name, y->name, x->len);
}

int zhs_crimes_open(zhs_index *ix, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (!ix->has_cite) return ZHS_OK;
    const zhs_cite_table *t = &ix->cite;
    static const char MING[] = "\xE7\xBD\xAA\xE5\x90\x8D";     /* 罪名 */
    zhs_results *r = NULL;
    int rc = ZHS_OK;
    for (size_t i = 0; i < t->nruns && !rc; i++) {
        const zhs_cite_run *run = &t->runs[i];
        if (run->group >= t->ngroups || !strstr(t->title[run->group], MING)) continue;
        if (!r && (rc = zhs_index_results(&r, ix, err))) break;
        uint32_t last = i + 1 < t->nruns ? t->runs[i + 1].first : t->npassages;
        uint32_t date = 0;
        if (run->date < t->ndates) zhs_date_parse(t->dates[run->date], strlen(t->dates[run->date]), &date);
        for (uint32_t doc = run->first; doc < last && !rc; doc++) {
            zhs_passage p;
            zhs_error e;
            zhs_error_clear(&e);
            /* a deleted passage reads as empty: nothing in it */
            if (zhs_results_passage(&p, r, doc, &e) != ZHS_OK) continue;
            rc = read_pairs(ix, p.text, strlen(p.text), date, err);
        }
        zhs_arena_reset(&r->arena);
    }
    zhs_results_free(r);
    if (rc) {
        zhs_crimes_close(ix);
        return rc;
    }
    if (ix->ncrimes) qsort(ix->crimes, ix->ncrimes, sizeof *ix->crimes, cmp_len_desc);
    return ZHS_OK;
}

void zhs_crimes_close(zhs_index *ix)
{
    free(ix->crimes);
    ix->crimes = NULL;
    ix->ncrimes = ix->crime_cap = 0;
}

/* Whether the query already cites article a (之sub) of a law named 刑法. */
static bool cites(const zhs_query *q, uint32_t a, uint32_t sub)
{
    static const char XINGFA[] = "\xE5\x88\x91\xE6\xB3\x95";     /* 刑法 */
    for (const zhs_qcite *c = q->cite; c; c = c->next)
        if (c->ref.article == a && c->ref.sub == sub && c->name && c->namelen >= 6 &&
            !memcmp(c->name + c->namelen - 6, XINGFA, 6))
            return true;
    return false;
}

static bool holds_zui(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (!memcmp(s + i, ZUI, 3)) return true;
    return false;
}

/* A crime name found in a part of the query, where. */
typedef struct crime_hit {
    size_t part, at;
    const zhs_crime *c;
} crime_hit;

static int cmp_hit(const void *a, const void *b)
{
    const crime_hit *x = a, *y = b;
    if (x->part != y->part) return x->part < y->part ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

int zhs_query_crimes(zhs_query *q, zhs_arena *a, const zhs_index *ix, zhs_analyzer *an, const char *text,
                     zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    /* 罪 is written alike in traditional text */
    if (!ix->ncrimes || !strstr(text, ZUI)) return ZHS_OK;
    /* the names in each plain part (not an excluded one: -合同诈骗罪), never
    ** across a space, the longest first where they overlap; in the order
    ** written */
    zhs_qpart parts[64];
    size_t np = zhs_query_plain_parts(parts, 64, text);
    crime_hit hits[CRIME_CITES * 4];
    size_t nh = 0;
    zhs_buf key;
    zhs_buf_init(&key);
    for (size_t p = 0; p < np && nh < sizeof hits / sizeof hits[0]; p++) {
        const char *s = text + parts[p].at;
        size_t len = parts[p].len;
        /* a name is a few dozen bytes: a long part (a pasted text) is not
        ** searched for names, nor analysed for its key */
        if (len > CRIME_PART_MAX || !holds_zui(s, len)) continue;
        if (zhs_name_key(&key, an, s, len, err)) break;
        uint8_t *taken = key.len ? zhs_arena_calloc(a, key.len) : NULL;
        if (!taken) continue;
        for (size_t i = 0; i < ix->ncrimes && nh < sizeof hits / sizeof hits[0]; i++) {
            const zhs_crime *c = &ix->crimes[i];
            for (size_t at = 0; at + c->len <= key.len; at++) {
                if (memcmp(key.data + at, c->name, c->len)) continue;
                bool free_span = true;
                for (size_t j = at; j < at + c->len && free_span; j++) free_span = !taken[j];
                if (!free_span) continue;
                memset(taken + at, 1, c->len);
                hits[nh++] = (crime_hit){p, at, c};
                break;
            }
        }
    }
    zhs_buf_free(&key);
    if (zhs_err_code(err)) return err->code;
    qsort(hits, nh, sizeof *hits, cmp_hit);
    zhs_qcite **tail = &q->cite;
    while (*tail) tail = &(*tail)->next;
    size_t ncites = 0;
    for (size_t h = 0; h < nh && ncites < CRIME_CITES; h++) {
        const zhs_crime *c = hits[h].c;
        if (cites(q, c->article, c->sub)) continue;
        zhs_qcite *qc = zhs_arena_calloc(a, sizeof *qc);
        if (!qc) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading the query");
        qc->ref.article = c->article;
        qc->ref.sub = c->sub;
        qc->keylen = zhs_article_key(qc->key, c->article, c->sub);
        qc->name = "\xE5\x88\x91\xE6\xB3\x95";     /* 刑法 */
        qc->namelen = 6;
        qc->quiet = true;
        *tail = qc;
        tail = &qc->next;
        ncites++;
    }
    return ZHS_OK;
}
