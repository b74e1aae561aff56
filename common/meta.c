/*
** meta.c — dates and the metadata table, see meta.h.
*/
#include "meta.h"
#include "numeral.h"
#include "format.h"
#include "segment.h"
#include "ztable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---------------------------------------------------------------- dates */

static bool leap(uint32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Reads 1..maxd ASCII digits at s[*i]. */
static bool digits(const char *s, size_t n, size_t *i, unsigned maxd, uint32_t *v)
{
    unsigned k = 0;
    *v = 0;
    while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
        *v = *v * 10 + (uint32_t)(s[*i] - '0');
        (*i)++;
        k++;
    }
    return k > 0;
}

/* Skips one separator: - / . or the UTF-8 of 年 月 (日 ends a date). */
static bool separator(const char *s, size_t n, size_t *i)
{
    if (*i < n && (s[*i] == '-' || s[*i] == '/' || s[*i] == '.')) {
        (*i)++;
        return true;
    }
    static const char *const cjk[] = {"\xE5\xB9\xB4", "\xE6\x9C\x88"};      /* 年 月 */
    for (int k = 0; k < 2; k++)
        if (*i + 3 <= n && memcmp(s + *i, cjk[k], 3) == 0) {
            *i += 3;
            return true;
        }
    return false;
}

bool zhs_date_parse(const char *s, size_t n, uint32_t *out)
{
    /* Trim spaces and the quotes YAML allows around a value. */
    while (n && (s[0] == ' ' || s[0] == '\t' || s[0] == '"' || s[0] == '\'')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"' || s[n - 1] == '\'' ||
                 s[n - 1] == '\r')) n--;
    if (n >= 3 && memcmp(s + n - 3, "\xE6\x97\xA5", 3) == 0) n -= 3;     /* 日 */
    size_t i = 0;
    uint32_t y, m, d;
    if (!digits(s, n, &i, 4, &y) || i != 4 || !separator(s, n, &i) || !digits(s, n, &i, 2, &m) ||
        !separator(s, n, &i) || !digits(s, n, &i, 2, &d) || i != n)
        return false;
    static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap(y)))
        return false;
    *out = y * 10000 + m * 100 + d;
    return true;
}

void zhs_date_format(char out[11], uint32_t date)
{
    if (!date || date > 99991231) {
        out[0] = 0;
        return;
    }
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(date / 10000), (unsigned)(date / 100 % 100),
             (unsigned)(date % 100));
}

/* ---------------------------------------------------------- string sets */

/* Strings to dense ids, in order of first sight. */
typedef struct strset {
    char **v;                   /* by id */
    size_t n, vcap;
    uint32_t *slot;             /* open addressing: id + 1, 0 empty */
    size_t cap;                 /* power of two */
} strset;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static void strset_free(strset *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static bool strset_grow(strset *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (!slot) return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = hash(t->v[i]) & (cap - 1);
        while (slot[j]) j = (j + 1) & (cap - 1);
        slot[j] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return true;
}

/* The id of s, added when new; false when out of memory. */
static bool strset_id(strset *t, const char *s, uint32_t *id)
{
    if (!s) s = "";
    if ((t->n + 1) * 2 > t->cap && !strset_grow(t)) return false;
    size_t j = hash(s) & (t->cap - 1);
    while (t->slot[j]) {
        if (strcmp(t->v[t->slot[j] - 1], s) == 0) {
            *id = t->slot[j] - 1;
            return true;
        }
        j = (j + 1) & (t->cap - 1);
    }
    if (t->n == t->vcap) {
        size_t vcap = t->vcap ? t->vcap * 2 : 64;
        char **v = realloc(t->v, vcap * sizeof *v);
        if (!v) return false;
        t->v = v;
        t->vcap = vcap;
    }
    char *copy = strdup(s);
    if (!copy) return false;
    t->v[t->n] = copy;
    t->slot[j] = (uint32_t)t->n + 1;
    *id = (uint32_t)t->n++;
    return true;
}

/* -------------------------------------------------------------- writing */

struct zhs_meta_builder {
    strset titles, values;
    zhs_meta_run *runs;
    size_t nruns, cap;
    strset dates;               /* version dates of the citation table */
    zhs_cite_run *cruns;
    size_t ncruns, ccap;
    /* label forms: each distinct label with a label term, its form (its
    ** place among the labels of its term); each term, the forms it has */
    strset labels, terms;
    uint32_t *label_form, *term_forms;
    size_t lfcap, tfcap;
    uint32_t *forms;            /* (passage, form) pairs of the forms not 0 */
    size_t nforms, fcap;        /* in pairs */
};

/* Room for one more element in *v (of size each, *cap of them). */
static bool room(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 256;
    void *g = realloc(*(void **)v, c * size);
    if (!g) return false;
    *(void **)v = g;
    *cap = c;
    return true;
}

/* Passage doc's label form (meta.h), listed when not 0: a label seen
** before keeps its form, a new one takes the next form of its term. */
static bool add_label_form(zhs_meta_builder *b, uint32_t doc, const char *label)
{
    zhs_article_ref ref;
    size_t n = label ? strlen(label) : 0;
    if (!n || !zhs_article_ref_parse(label, n, &ref)) return true;     /* no label term */
    size_t known = b->labels.n;
    uint32_t id, term;
    if (!strset_id(&b->labels, label, &id)) return false;
    if (id == known) {
        char key[ZHS_ARTICLE_KEY_MAX];
        zhs_article_key(key, ref.article, ref.sub);
        size_t terms = b->terms.n;
        if (!strset_id(&b->terms, key, &term) || !room(&b->label_form, &b->lfcap, id, sizeof *b->label_form) ||
            !room(&b->term_forms, &b->tfcap, term, sizeof *b->term_forms))
            return false;
        if (term == terms) b->term_forms[term] = 0;
        b->label_form[id] = b->term_forms[term]++;
    }
    if (b->label_form[id] == 0) return true;
    if (!room(&b->forms, &b->fcap, b->nforms, 2 * sizeof *b->forms)) return false;
    b->forms[2 * b->nforms] = doc;
    b->forms[2 * b->nforms + 1] = b->label_form[id];
    b->nforms++;
    return true;
}

/* A string as u32 length + bytes. */
static void put_str(zhs_buf *out, const char *s, size_t n)
{
    zhs_buf_put_u32(out, (uint32_t)n);
    zhs_buf_append(out, s, n);
}

void zhs_version_date(char out[11], const char *date, const char *path)
{
    out[0] = 0;
    if (date && date[0]) {
        snprintf(out, 11, "%.10s", date);
        return;
    }
    const char *p = path ? path : "", *hit = NULL;
    while ((p = strchr(p, '(')) != NULL) {
        if (strlen(p) >= 12 && p[11] == ')' && p[5] == '-' && p[8] == '-') hit = p + 1;
        p++;
    }
    if (hit) {
        memcpy(out, hit, 10);
        out[10] = 0;
    }
}

int zhs_meta_builder_open(zhs_meta_builder **out, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_meta_builder *b = calloc(1, sizeof *b);
    uint32_t empty;
    if (!b || !strset_id(&b->values, "", &empty) || !strset_id(&b->dates, "", &empty)) {
        zhs_meta_builder_close(b);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory starting the metadata table");
    }
    *out = b;
    return ZHS_OK;
}

int zhs_meta_builder_add(zhs_meta_builder *b, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_meta_run r = {doc, 0, 0, 0, 0, 0};
    if (p->date && !zhs_date_parse(p->date, strlen(p->date), &r.date)) r.date = 0;
    if (!strset_id(&b->titles, p->title, &r.group) || !strset_id(&b->values, p->category, &r.category) ||
        !strset_id(&b->values, p->status, &r.status) || !strset_id(&b->values, p->issuer, &r.issuer))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
    char vd[11];
    zhs_version_date(vd, p->date, p->path);
    zhs_cite_run c = {doc, r.group, 0};
    if (!strset_id(&b->dates, vd, &c.date) || !add_label_form(b, doc, p->label))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the citation table");
    const zhs_cite_run *lc = b->ncruns ? &b->cruns[b->ncruns - 1] : NULL;
    if (!lc || lc->group != c.group || lc->date != c.date) {
        if (!room(&b->cruns, &b->ccap, b->ncruns, sizeof c))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory building the citation table");
        b->cruns[b->ncruns++] = c;
    }
    if (b->nruns) {
        const zhs_meta_run *l = &b->runs[b->nruns - 1];
        if (l->group == r.group && l->date == r.date && l->category == r.category && l->status == r.status &&
            l->issuer == r.issuer)
            return ZHS_OK;      /* the same document goes on */
    }
    if (!room(&b->runs, &b->cap, b->nruns, sizeof r))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
    b->runs[b->nruns++] = r;
    return ZHS_OK;
}

int zhs_meta_builder_write(zhs_meta_builder *b, const char *path, zhs_syncs *syncs, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf out;
    zhs_buf_init(&out);
    zhs_buf_put_u32(&out, (uint32_t)b->nruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->values.n);
    for (size_t i = 0; i < b->values.n; i++) put_str(&out, b->values.v[i], strlen(b->values.v[i]));
    for (size_t i = 0; i < b->nruns; i++) {
        const zhs_meta_run *r = &b->runs[i];
        uint32_t f[6] = {r->first, r->group, r->date, r->category, r->status, r->issuer};
        for (int k = 0; k < 6; k++) zhs_buf_put_u32(&out, f[k]);
    }
    int rc;
    if (out.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    else rc = zhs_ztable_write(syncs, path, ZHS_MAGIC_META, out.data, out.len, err);
    zhs_buf_free(&out);
    return rc;
}

int zhs_meta_builder_write_cite(zhs_meta_builder *b, const char *path, zhs_title_key_fn key, void *ctx,
                                zhs_syncs *syncs, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf out, k;
    zhs_buf_init(&out);
    zhs_buf_init(&k);
    zhs_buf_put_u32(&out, (uint32_t)b->ncruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->dates.n);
    for (size_t i = 0; i < b->dates.n; i++) put_str(&out, b->dates.v[i], strlen(b->dates.v[i]));
    int rc = ZHS_OK;
    for (size_t g = 0; g < b->titles.n && rc == ZHS_OK; g++) {
        const char *t = b->titles.v[g];
        size_t tl = strlen(t);
        put_str(&out, t, tl);
        if ((rc = key(ctx, t, tl, &k, err))) break;
        /* most keys are their title or its end (中华人民共和国 dropped) */
        if (k.len <= tl && !memcmp(t + tl - k.len, k.data ? k.data : "", k.len))
            zhs_buf_put_u32(&out, ZHS_CITE_KEY_SUFFIX | (uint32_t)k.len);
        else
            put_str(&out, k.data, k.len);
    }
    for (size_t i = 0; i < b->ncruns; i++) {
        zhs_buf_put_u32(&out, b->cruns[i].first);
        zhs_buf_put_u32(&out, b->cruns[i].group);
        zhs_buf_put_u32(&out, b->cruns[i].date);
    }
    zhs_buf_put_u32(&out, (uint32_t)b->nforms);
    for (size_t i = 0; i < 2 * b->nforms; i++) zhs_buf_put_u32(&out, b->forms[i]);
    if (rc == ZHS_OK && out.oom)
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    else if (rc == ZHS_OK)
        rc = zhs_ztable_write(syncs, path, ZHS_MAGIC_CITE, out.data, out.len, err);
    zhs_buf_free(&out);
    zhs_buf_free(&k);
    return rc;
}

void zhs_meta_builder_close(zhs_meta_builder *b)
{
    if (!b) return;
    strset_free(&b->titles);
    strset_free(&b->values);
    strset_free(&b->dates);
    strset_free(&b->labels);
    strset_free(&b->terms);
    free(b->label_form);
    free(b->term_forms);
    free(b->forms);
    free(b->runs);
    free(b->cruns);
    free(b);
}

/* -------------------------------------------------------------- reading */

void zhs_meta_free(zhs_meta *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nstrings; i++) free(m->strings[i]);
    free(m->strings);
    free(m->runs);
    free(m->group_off);
    free(m->dates);
    memset(m, 0, sizeof *m);
}

static int cmp_gd(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Each group's distinct dates, newest first (from the runs). */
static bool group_dates(zhs_meta *m)
{
    uint64_t *gd = malloc((m->nruns + 1) * sizeof *gd);
    m->group_off = calloc((size_t)m->ngroups + 1, sizeof *m->group_off);
    m->dates = malloc((m->nruns + 1) * sizeof *m->dates);
    if (!gd || !m->group_off || !m->dates) {
        free(gd);
        return false;
    }
    size_t n = 0;
    /* Sort (group, ~date) so that each group's dates come newest first. */
    for (size_t i = 0; i < m->nruns; i++)
        if (m->runs[i].date) gd[n++] = (uint64_t)m->runs[i].group << 32 | (uint32_t)~m->runs[i].date;
    qsort(gd, n, sizeof *gd, cmp_gd);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && gd[i] == gd[i - 1]) continue;
        uint32_t g = (uint32_t)(gd[i] >> 32);
        m->dates[nd++] = ~(uint32_t)gd[i];
        m->group_off[g + 1]++;
    }
    for (uint32_t g = 0; g < m->ngroups; g++) m->group_off[g + 1] += m->group_off[g];
    free(gd);
    return true;
}

/* Opens a table file (magic checked, CRC verified, decompressed when it
** is) and reads the three u32 counts its body starts with.  ZHS_ENOTFOUND
** when the file does not exist. */
static int open_table(zhs_table_body *f, const char *path, const char *zmagic, const char *const *plain,
                      const char *what, uint32_t n[3], zhs_error *err)
{
    if (zhs_table_open(f, path, zmagic, plain, what, true, err)) return err->code;
    if (f->len < 12) {
        zhs_table_close(f);
        return zhs_fail(err, ZHS_ECORRUPT, "%s: the %s is truncated: rebuild the index", path, what);
    }
    for (int i = 0; i < 3; i++) n[i] = zhs_get_u32(f->body + 4 * i);
    return ZHS_OK;
}

int zhs_meta_load(zhs_meta *m, const char *path, uint32_t npassages, zhs_error *err)
{
    memset(m, 0, sizeof *m);
    if (zhs_err_code(err)) return err->code;
    zhs_table_body f;
    uint32_t cnt[3];
    static const char *const plain[] = {ZHS_MAGIC_META_V1, NULL};
    if (open_table(&f, path, ZHS_MAGIC_META, plain, "metadata table", cnt, err)) return err->code;
    const uint8_t *p = f.body + 12, *end = f.body + f.len;
    int rc = ZHS_OK;
#define BAD(what) do { rc = zhs_fail(err, ZHS_ECORRUPT, "%s: %s: rebuild the index", path, what); goto out; } while (0)
    uint32_t nruns = cnt[0], ngroups = cnt[1], nstrings = cnt[2];
    if (nstrings == 0 || nstrings > f.len || nruns > npassages || (npassages && !nruns) ||
        ngroups > nruns)
        BAD("the metadata table's counts are impossible");
    m->npassages = npassages;
    m->ngroups = ngroups;
    m->strings = calloc(nstrings, sizeof *m->strings);
    m->runs = malloc(((size_t)nruns + 1) * sizeof *m->runs);
    if (!m->strings || !m->runs) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (uint32_t i = 0; i < nstrings; i++) {
        if (end - p < 4) BAD("a metadata string is truncated");
        uint32_t n = zhs_get_u32(p);
        p += 4;
        if ((uint64_t)(end - p) < n) BAD("a metadata string is truncated");
        m->strings[i] = malloc((size_t)n + 1);
        if (m->strings[i]) {
            memcpy(m->strings[i], p, n);
            m->strings[i][n] = 0;
        } else {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
            goto out;
        }
        m->nstrings++;
        p += n;
    }
    if ((uint64_t)(end - p) != (uint64_t)nruns * ZHS_META_RUN_BYTES) BAD("the metadata runs are truncated");
    for (uint32_t i = 0; i < nruns; i++, p += ZHS_META_RUN_BYTES) {
        zhs_meta_run *r = &m->runs[i];
        r->first = zhs_get_u32(p);
        r->group = zhs_get_u32(p + 4);
        r->date = zhs_get_u32(p + 8);
        r->category = zhs_get_u32(p + 12);
        r->status = zhs_get_u32(p + 16);
        r->issuer = zhs_get_u32(p + 20);
        if ((i == 0 ? r->first != 0 : r->first <= m->runs[i - 1].first) || r->first >= npassages ||
            r->group >= ngroups || r->date > 99991231 || r->category >= nstrings || r->status >= nstrings ||
            r->issuer >= nstrings)
            BAD("a metadata run is out of range");
        m->nruns++;
    }
    if (!group_dates(m)) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
#undef BAD
out:
    zhs_table_close(&f);
    if (rc) zhs_meta_free(m);
    return rc;
}

/* The last of n runs (each of size bytes, starting with its u32 first
** passage) that starts at or before doc. */
static size_t run_at(const void *runs, size_t n, size_t size, uint32_t doc)
{
    const char *r = runs;
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t first;
        memcpy(&first, r + mid * size, sizeof first);
        if (first <= doc) lo = mid;
        else hi = mid;
    }
    return lo;
}

const zhs_meta_run *zhs_meta_run_of(const zhs_meta *m, uint32_t doc)
{
    return &m->runs[run_at(m->runs, m->nruns, sizeof *m->runs, doc)];
}

uint32_t zhs_meta_string(const zhs_meta *m, const char *s)
{
    for (size_t i = 0; i < m->nstrings; i++)
        if (strcmp(m->strings[i], s) == 0) return (uint32_t)i;
    return UINT32_MAX;
}

/* ------------------------------------------------------ citation table */

void zhs_cite_table_free(zhs_cite_table *t)
{
    if (!t) return;
    free(t->runs);
    free(t->title);
    free(t->key);
    free(t->keylen);
    free(t->dates);
    free(t->blob);
    free(t->form_doc);
    free(t->form);
    memset(t, 0, sizeof *t);
}

/* The next string of the body (u32 len, bytes), copied NUL-terminated to
** *blob; NULL when the body ends before it. */
static const char *take_str(const uint8_t **p, const uint8_t *end, char **blob, uint32_t *len)
{
    if (end - *p < 4) return NULL;
    uint32_t n = zhs_get_u32(*p);
    if ((uint64_t)(end - *p - 4) < n) return NULL;
    /* a NUL inside would cut the C string short of its stated length
    ** (fuzz_tables): damage, as a truncation is */
    if (memchr(*p + 4, 0, n)) return NULL;
    char *s = *blob;
    memcpy(s, *p + 4, n);
    s[n] = 0;
    *blob += (size_t)n + 1;
    *p += 4 + (size_t)n;
    if (len) *len = n;
    return s;
}

int zhs_cite_table_load(zhs_cite_table *t, const char *path, uint32_t npassages, zhs_error *err)
{
    memset(t, 0, sizeof *t);
    if (zhs_err_code(err)) return err->code;
    zhs_table_body f;
    uint32_t cnt[3];
    static const char *const plain[] = {ZHS_MAGIC_CITE_V2, ZHS_MAGIC_CITE_V1, NULL};
    if (open_table(&f, path, ZHS_MAGIC_CITE, plain, "citation table", cnt, err)) return err->code;
    /* a table without label forms (ZHSCITE1) still ranks, from the records */
    bool v1 = f.magic == plain[1];
    const uint8_t *p = f.body + 12, *end = f.body + f.len;
    int rc = ZHS_OK;
#define BAD(what) do { rc = zhs_fail(err, ZHS_ECORRUPT, "%s: %s: rebuild the index", path, what); goto out; } while (0)
    uint32_t nruns = cnt[0], ngroups = cnt[1], ndates = cnt[2];
    /* every string takes at least its 4-byte length */
    if (ndates == 0 || ndates > f.len / 4 || ngroups > f.len / 8 || nruns > npassages ||
        nruns > f.len / ZHS_CITE_RUN_BYTES ||
        (npassages && !nruns) || ngroups > nruns)
        BAD("the citation table's counts are impossible");
    t->npassages = npassages;
    t->ngroups = ngroups;
    t->runs = malloc(((size_t)nruns + 1) * sizeof *t->runs);
    t->title = malloc(((size_t)ngroups + 1) * sizeof *t->title);
    t->key = malloc(((size_t)ngroups + 1) * sizeof *t->key);
    t->keylen = malloc(((size_t)ngroups + 1) * sizeof *t->keylen);
    t->dates = malloc((size_t)ndates * sizeof *t->dates);
    t->blob = malloc(f.len);       /* the strings and their NULs fit in their lengths' room */
    if (!t->runs || !t->title || !t->key || !t->keylen || !t->dates || !t->blob) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    char *blob = t->blob;
    for (uint32_t i = 0; i < ndates; i++) {
        if (!(t->dates[i] = take_str(&p, end, &blob, NULL))) BAD("a version date is truncated or holds a NUL");
        t->ndates++;
    }
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t tl;
        if (!(t->title[g] = take_str(&p, end, &blob, &tl)) || end - p < 4) BAD("a title is truncated or holds a NUL");
        uint32_t kl = zhs_get_u32(p);
        if (kl & ZHS_CITE_KEY_SUFFIX) {
            kl &= ~ZHS_CITE_KEY_SUFFIX;
            if (kl > tl) BAD("a title's key is longer than the title");
            t->key[g] = t->title[g] + tl - kl;
            t->keylen[g] = kl;
            p += 4;
        } else if (!(t->key[g] = take_str(&p, end, &blob, &t->keylen[g]))) {
            BAD("a title's key is truncated or holds a NUL");
        }
    }
    if ((uint64_t)(end - p) < (uint64_t)nruns * ZHS_CITE_RUN_BYTES + (v1 ? 0 : 4) ||
        (v1 && (uint64_t)(end - p) != (uint64_t)nruns * ZHS_CITE_RUN_BYTES))
        BAD("the citation runs are truncated");
    for (uint32_t i = 0; i < nruns; i++, p += ZHS_CITE_RUN_BYTES) {
        zhs_cite_run *r = &t->runs[i];
        r->first = zhs_get_u32(p);
        r->group = zhs_get_u32(p + 4);
        r->date = zhs_get_u32(p + 8);
        if ((i == 0 ? r->first != 0 : r->first <= t->runs[i - 1].first) || r->first >= npassages ||
            r->group >= ngroups || r->date >= ndates)
            BAD("a citation run is out of range");
        t->nruns++;
    }
    if (!v1) {
        uint32_t nf = zhs_get_u32(p);
        p += 4;
        if ((uint64_t)(end - p) != (uint64_t)nf * 8) BAD("the label forms are truncated");
        t->form_doc = malloc(((size_t)nf + 1) * sizeof *t->form_doc);
        t->form = malloc(((size_t)nf + 1) * sizeof *t->form);
        if (!t->form_doc || !t->form) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
            goto out;
        }
        for (uint32_t i = 0; i < nf; i++, p += 8) {
            t->form_doc[i] = zhs_get_u32(p);
            t->form[i] = zhs_get_u32(p + 4);
            if ((i && t->form_doc[i] <= t->form_doc[i - 1]) || t->form_doc[i] >= npassages || t->form[i] == 0)
                BAD("a label form is out of range");
        }
        t->nforms = nf;
        t->has_forms = true;
    }
#undef BAD
out:
    zhs_table_close(&f);
    if (rc) zhs_cite_table_free(t);
    return rc;
}

const zhs_cite_run *zhs_cite_run_of(const zhs_cite_table *t, uint32_t doc)
{
    return &t->runs[run_at(t->runs, t->nruns, sizeof *t->runs, doc)];
}

bool zhs_meta_builder_same_forms(const zhs_meta_builder *b, const zhs_cite_table *t)
{
    if (b->nforms != t->nforms) return false;
    for (size_t i = 0; i < t->nforms; i++)
        if (b->forms[2 * i] != t->form_doc[i] || b->forms[2 * i + 1] != t->form[i]) return false;
    return true;
}

uint32_t zhs_cite_label_form(const zhs_cite_table *t, uint32_t doc)
{
    if (!t->nforms) return 0;
    size_t i = run_at(t->form_doc, t->nforms, sizeof *t->form_doc, doc);
    return t->form_doc[i] == doc ? t->form[i] : 0;
}
