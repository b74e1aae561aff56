/*
** meta.c — dates and the metadata table, see meta.h.
*/
#include "meta.h"
#include "format.h"
#include "segment.h"

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
};

int zhs_meta_builder_open(zhs_meta_builder **out, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_meta_builder *b = calloc(1, sizeof *b);
    uint32_t empty;
    if (!b || !strset_id(&b->values, "", &empty)) {
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
    if (b->nruns) {
        const zhs_meta_run *l = &b->runs[b->nruns - 1];
        if (l->group == r.group && l->date == r.date && l->category == r.category && l->status == r.status &&
            l->issuer == r.issuer)
            return ZHS_OK;      /* the same document goes on */
    }
    if (b->nruns == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        zhs_meta_run *v = realloc(b->runs, cap * sizeof *v);
        if (!v) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        b->runs = v;
        b->cap = cap;
    }
    b->runs[b->nruns++] = r;
    return ZHS_OK;
}

int zhs_meta_builder_write(zhs_meta_builder *b, const char *path, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf out;
    zhs_buf_init(&out);
    zhs_buf_append(&out, ZHS_MAGIC_META, ZHS_MAGIC_LEN);
    zhs_buf_put_u32(&out, (uint32_t)b->nruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->values.n);
    for (size_t i = 0; i < b->values.n; i++) {
        size_t n = strlen(b->values.v[i]);
        zhs_buf_put_u32(&out, (uint32_t)n);
        zhs_buf_append(&out, b->values.v[i], n);
    }
    for (size_t i = 0; i < b->nruns; i++) {
        const zhs_meta_run *r = &b->runs[i];
        uint32_t f[6] = {r->first, r->group, r->date, r->category, r->status, r->issuer};
        for (int k = 0; k < 6; k++) zhs_buf_put_u32(&out, f[k]);
    }
    int rc;
    if (out.oom || !zhs_footer_append(&out)) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    else rc = zhs_file_write(path, out.data, out.len, err);
    zhs_buf_free(&out);
    return rc;
}

void zhs_meta_builder_close(zhs_meta_builder *b)
{
    if (!b) return;
    strset_free(&b->titles);
    strset_free(&b->values);
    free(b->runs);
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

int zhs_meta_load(zhs_meta *m, const char *path, uint32_t npassages, zhs_error *err)
{
    memset(m, 0, sizeof *m);
    if (zhs_err_code(err)) return err->code;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return zhs_fail(err, ZHS_ENOTFOUND, "%s does not exist", path);
    zhs_mapped f;
    if (zhs_map_file(&f, path, ZHS_MAGIC_META, true, err)) return err->code;
    const uint8_t *p = f.body, *end = f.body + f.body_len;
    int rc = ZHS_OK;
#define BAD(what) do { rc = zhs_fail(err, ZHS_ECORRUPT, "%s: %s: rebuild the index", path, what); goto out; } while (0)
    if (end - p < 12) BAD("the metadata table is truncated");
    uint32_t nruns = zhs_get_u32(p), ngroups = zhs_get_u32(p + 4), nstrings = zhs_get_u32(p + 8);
    p += 12;
    if (nstrings == 0 || nstrings > f.body_len || nruns > npassages || (npassages && !nruns) ||
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
    zhs_unmap_file(&f);
    if (rc) zhs_meta_free(m);
    return rc;
}

const zhs_meta_run *zhs_meta_run_of(const zhs_meta *m, uint32_t doc)
{
    size_t lo = 0, hi = m->nruns;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->runs[mid].first <= doc) lo = mid;
        else hi = mid;
    }
    return &m->runs[lo];
}

uint32_t zhs_meta_string(const zhs_meta *m, const char *s)
{
    for (size_t i = 0; i < m->nstrings; i++)
        if (strcmp(m->strings[i], s) == 0) return (uint32_t)i;
    return UINT32_MAX;
}
