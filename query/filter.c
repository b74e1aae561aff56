/*
** filter.c — versions, metadata filters and grouping, over the metadata
** table of a generation (common/meta.h), for every engine.
**
** A query's versions and conditions become one bitmap of hidden passages
** (zhs_query.hidden), which the evaluators check where they check
** deletions, so a hidden passage never takes one of the k places and the
** top k is the top k of what is visible.  Grouping keeps the best hits of
** each law (title and version date); it asks the engine for more hits
** until k groups are filled or the matches run out.
*/
#include "query_int.h"

#include <stdio.h>
#include <stdlib.h>

static int mark_copies(zhs_index *ix);

int zhs_filter_open(zhs_index *ix, zhs_error *err)
{
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, ZHS_META_FILE, ix->dir, (unsigned long long)ix->m.generation);
    zhs_error e;
    zhs_error_clear(&e);
    int rc = zhs_meta_load(&ix->meta, path, (uint32_t)zhs_manifest_numbered(&ix->m), &e);
    /* Indexes built before the table have none: they are searched as
    ** before, without versions. */
    if (rc == ZHS_ENOTFOUND && ix->m.version < 2) return ZHS_OK;
    if (rc == ZHS_ENOTFOUND)
        return zhs_fail(err, ZHS_ECORRUPT, "%s is missing (the MANIFEST says format %d, which has one): "
                        "if the index was just replaced, open it again; otherwise rebuild it", path, ix->m.version);
    if (rc) {
        if (err) *err = e;
        return rc;
    }
    ix->has_meta = true;
    for (uint32_t g = 0; g < ix->meta.ngroups && !ix->has_versions; g++)
        ix->has_versions = ix->meta.group_off[g + 1] - ix->meta.group_off[g] > 1;
    if (mark_copies(ix)) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
    return ZHS_OK;
}

typedef struct run_key {
    uint64_t key;               /* group << 32 | date */
    uint32_t run;
} run_key;

static int cmp_run_key(const void *a, const void *b)
{
    const run_key *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* Marks the runs whose title and date a run of another category repeats
** (a law filed under two folders: every article would show twice, with
** one score): the category of the last such run keeps the version, the
** others are hidden with the older versions.  Runs of one category are
** one file's (a run ends where a passage was deleted) or an update's
** (a changed file's new passages come after its old, deleted ones), never
** copies to hide.  Undated runs (a FAQ, notes) neither.  0, or -1 out of
** memory. */
static int mark_copies(zhs_index *ix)
{
    const zhs_meta *m = &ix->meta;
    run_key *k = malloc((m->nruns + 1) * sizeof *k);
    if (!k) return -1;
    size_t n = 0;
    for (size_t i = 0; i < m->nruns; i++)
        if (m->runs[i].date) k[n++] = (run_key){(uint64_t)m->runs[i].group << 32 | m->runs[i].date, (uint32_t)i};
    qsort(k, n, sizeof *k, cmp_run_key);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && k[j].key == k[i].key;) j++;
        uint32_t keep = m->runs[k[j - 1].run].category;
        for (size_t x = i; x + 1 < j; x++) {
            if (m->runs[k[x].run].category == keep) continue;
            if (!ix->dup_runs && !(ix->dup_runs = calloc(m->nruns, 1))) {
                free(k);
                return -1;
            }
            ix->dup_runs[k[x].run] = 1;
        }
    }
    free(k);
    return 0;
}

void zhs_filter_close(zhs_index *ix)
{
    zhs_meta_free(&ix->meta);
    free(ix->dup_runs);
    ix->dup_runs = NULL;
    ix->has_meta = ix->has_versions = false;
}

/* ----------------------------------------------------------- conditions */

enum { F_DATE, F_CATEGORY, F_STATUS, F_ISSUER, F_EFFECTIVE };

/* The fields whose values are dates: the version's, and the day it is in
** force from (its date when its text names none). */
static bool date_field(int f) { return f == F_DATE || f == F_EFFECTIVE; }
enum { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE };

typedef struct cond {
    int field, op;
    uint32_t value;             /* a date, or a string index (UINT32_MAX: no passage has it) */
} cond;

#define MAX_CONDS 32

static bool is_space(const char *s, size_t *len)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') return (*len = 1);
    if (s[0] == '\xE3' && s[1] == '\x80' && s[2] == '\x80') return (*len = 3);      /* U+3000 */
    return false;
}

/* Reads "KEY OP VALUE" at s[0..n): the field, the operator and where the
** value starts.  Keys in any case and in full-width forms (CATEGORY,
** ｃａｔｅｇｏｒｙ), operators too (＞＝, ：).  False when s does not start
** with a metadata key. */
static bool cond_head(const char *s, size_t n, int *field, int *op, size_t *vstart)
{
    static const struct { const char *name; int field; } keys[] = {
        {"date", F_DATE}, {"category", F_CATEGORY}, {"status", F_STATUS}, {"issuer", F_ISSUER},
        {"effective", F_EFFECTIVE}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t kl = zhs_ascii_word_at(s, n, keys[i].name);
        if (!kl || n <= kl) continue;
        uint32_t a, b = 0;
        size_t la = zhs_utf8_decode(s + kl, n - kl, &a), lb = 0;
        a = zhs_fold_fullwidth(a);
        if (kl + la < n) {
            lb = zhs_utf8_decode(s + kl + la, n - kl - la, &b);
            b = zhs_fold_fullwidth(b);
        }
        *field = keys[i].field;
        if ((a == '>' || a == '<') && b == '=') *op = a == '>' ? OP_GE : OP_LE, *vstart = kl + la + lb;
        else if (a == '>' || a == '<') *op = a == '>' ? OP_GT : OP_LT, *vstart = kl + la;
        else if (a == '=' || a == ':') *op = OP_EQ, *vstart = kl + la;
        else return false;
        return true;
    }
    return false;
}

int zhs_filter_split(const char **rest, const char **conds, zhs_arena *a, const char *query, zhs_error *err)
{
    *rest = query;
    *conds = NULL;
    size_t n = strlen(query);
    zhs_buf keep, got;
    zhs_buf_init(&keep);
    zhs_buf_init(&got);
    bool quoted = false;
    for (size_t i = 0; i < n;) {
        size_t sl;
        if (!quoted && is_space(query + i, &sl)) {
            zhs_buf_append(&keep, query + i, sl);
            i += sl;
            continue;
        }
        /* A word: up to the next space outside quotes. */
        size_t j = i;
        while (j < n && (quoted || !is_space(query + j, &sl))) {
            if (query[j] == '"') quoted = !quoted;
            j++;
        }
        int field, op;
        size_t v;
        const char *w = query + i;
        if (w[0] == '+') w++;   /* +category:X means the same */
        size_t wl = (size_t)(query + j - w);
        if (!quoted && cond_head(w, wl, &field, &op, &v)) {
            zhs_buf_putc(&got, ' ');
            zhs_buf_append(&got, w, wl);
        } else {
            zhs_buf_append(&keep, query + i, j - i);
        }
        i = j;
    }
    int rc = ZHS_OK;
    if (keep.oom || got.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the query");
    else if (got.len) {
        *rest = zhs_arena_strndup(a, keep.data ? keep.data : "", keep.len);
        *conds = zhs_arena_strndup(a, got.data, got.len);
        if (!*rest || !*conds) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the query");
    }
    zhs_buf_free(&keep);
    zhs_buf_free(&got);
    return rc;
}

/* A date value with its full-width digits and separators folded (２０２１－０６－０１). */
static bool date_value(const char *s, size_t n, uint32_t *out)
{
    char buf[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < sizeof buf;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        uint32_t f = zhs_fold_fullwidth(cp);
        if (f < 0x80) buf[k++] = (char)f;
        else {
            memcpy(buf + k, s + i, l);
            k += l;
        }
        i += l;
    }
    return zhs_date_parse(buf, k, out);
}

/* Says why a condition written in the query is left out (a bad date, no
** value): the query is searched without it, as other things typed amiss
** are read leniently; --filter's conditions are errors instead. */
static void skip_cond(zhs_query *q, zhs_arena *a, const char *w, size_t wl, const char *why)
{
    if (q) zhs_query_warn(q, a, "ignored the condition \"%.*s\": %s", (int)(wl > 200 ? 200 : wl), w, why);
}

/* Parses the conditions of s into c[*n...]: those of --filter (q NULL)
** strictly, those written in the query (q) leniently (skip_cond). */
static int parse_conds(cond *c, size_t *n, const zhs_index *ix, const char *s, zhs_query *q, zhs_arena *a,
                       zhs_error *err)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t sl;
        if (is_space(s + i, &sl)) {
            i += sl;
            continue;
        }
        size_t j = i;
        while (j < len && !is_space(s + j, &sl)) j++;
        const char *w = s + i;
        size_t wl = j - i;
        i = j;
        int field, op;
        size_t v;
        if (q && cond_head(w, wl, &field, &op, &v) && v >= wl) {
            skip_cond(q, a, w, wl, "it has no value (write KEY:VALUE, e.g. category:行政法规)");
            continue;
        }
        if (!cond_head(w, wl, &field, &op, &v) || v >= wl)
            return zhs_fail(err, ZHS_EQUERY, "filter \"%.*s\" is not understood: write KEY=VALUE with KEY date, "
                            "effective, category, status or issuer (dates also with <, <=, >, >=), e.g. "
                            "date>=2021-01-01",
                            (int)(wl > 200 ? 200 : wl), w);
        uint32_t day = 0;
        if (q && date_field(field) && !date_value(w + v, wl - v, &day)) {
            skip_cond(q, a, w, wl, "that is not a date (write YYYY-MM-DD, e.g. date>=2021-01-01)");
            continue;
        }
        if (q && !date_field(field) && op != OP_EQ) {
            skip_cond(q, a, w, wl, "only dates compare with < or > (write KEY:VALUE)");
            continue;
        }
        if (*n == MAX_CONDS)
            return zhs_fail(err, ZHS_EQUERY, "more than %d filter conditions: use fewer", MAX_CONDS);
        cond *k = &c[(*n)++];
        k->field = field;
        k->op = op;
        if (date_field(field)) {
            if (!date_value(w + v, wl - v, &k->value))
                return zhs_fail(err, ZHS_EQUERY, "filter \"%.*s\": \"%.*s\" is not a date: write YYYY-MM-DD",
                                (int)(wl > 200 ? 200 : wl), w, (int)(wl - v > 100 ? 100 : wl - v), w + v);
        } else {
            if (op != OP_EQ)
                return zhs_fail(err, ZHS_EQUERY, "filter \"%.*s\": only dates compare with < or >; "
                                "write KEY=VALUE", (int)(wl > 200 ? 200 : wl), w);
            char val[512];
            snprintf(val, sizeof val, "%.*s", (int)(wl - v), w + v);
            k->value = ix->has_meta ? zhs_meta_string(&ix->meta, val) : UINT32_MAX;
        }
    }
    return ZHS_OK;
}

static bool cond_ok(const cond *c, const zhs_meta_run *r)
{
    uint32_t x = c->field == F_DATE ? r->date
               : c->field == F_EFFECTIVE ? (r->in_force ? r->in_force : r->date)
               : c->field == F_CATEGORY ? r->category
               : c->field == F_STATUS ? r->status : r->issuer;
    if (!date_field(c->field)) return x == c->value;
    if (x == 0) return false;   /* an undated passage meets no date condition */
    switch (c->op) {
    case OP_LT: return x < c->value;
    case OP_LE: return x <= c->value;
    case OP_GT: return x > c->value;
    case OP_GE: return x >= c->value;
    default: return x == c->value;
    }
}

/* Whether a run's version is the one the options ask for. */
static bool version_ok(const zhs_index *ix, const zhs_meta_run *r, int all, uint32_t as_of)
{
    if (all) return true;
    /* an undated document is every version's contemporary, until a
    ** repeal that names it */
    if (r->date == 0) return !(as_of && r->repealed && r->repealed <= as_of);
    const uint32_t *d = ix->meta.dates + ix->meta.group_off[r->group];
    size_t nd = ix->meta.group_off[r->group + 1] - ix->meta.group_off[r->group];
    if (!as_of) return nd <= 1 || r->date == d[0];
    /* In force at as_of: the newest in force on or before it (from the
    ** day its text names, else its date) */
    const uint32_t *f = ix->meta.in_force + ix->meta.group_off[r->group];
    const uint32_t *x = ix->meta.repealed + ix->meta.group_off[r->group];
    for (size_t i = 0; i < nd; i++)
        if (f[i] <= as_of) return r->date == d[i] && !(x[i] && x[i] <= as_of);     /* repealed by then */
    return false;               /* not yet in force */
}

int zhs_filter_check(const zhs_index *ix, const char *conds, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    cond c[MAX_CONDS];
    size_t nc = 0;
    return parse_conds(c, &nc, ix, conds, NULL, NULL, err);
}

int zhs_filter_apply(zhs_query *q, zhs_arena *a, const zhs_index *ix, const zhs_search_options *o,
                     const char *conds, zhs_error *err)
{
    q->hidden = NULL;
    cond c[MAX_CONDS];
    size_t nc = 0;
    uint32_t as_of = 0;
    if (o->as_of && o->as_of[0] && !zhs_date_parse(o->as_of, strlen(o->as_of), &as_of))
        return zhs_fail(err, ZHS_EINVAL, "\"%.100s\" is not a date for the version in force: write YYYY-MM-DD",
                        o->as_of);
    if (o->filter && parse_conds(c, &nc, ix, o->filter, NULL, a, err)) return err->code;
    if (conds && parse_conds(c, &nc, ix, conds, q, a, err)) return err->code;
    bool asks = nc || as_of || o->group_size;
    if (!ix->has_meta) {
        if (asks)
            return zhs_fail(err, ZHS_EVERSION, "%s has no metadata table (it was built before zhsearch kept dates, "
                            "categories and versions, or it is remote): rebuild the index to filter, group or "
                            "search as of a date", ix->dir);
        return ZHS_OK;
    }
    if (!nc && !as_of && (o->all_versions || (!ix->has_versions && !ix->dup_runs))) return ZHS_OK;
    size_t bytes = ((size_t)ix->meta.npassages + 8) / 8;
    uint8_t *h = zhs_arena_alloc(a, bytes);
    if (!h) return zhs_fail(err, ZHS_ENOMEM, "out of memory filtering the query");
    memset(h, 0, bytes);
    const zhs_meta *m = &ix->meta;
    for (size_t i = 0; i < m->nruns; i++) {
        const zhs_meta_run *r = &m->runs[i];
        /* a copy is hidden only where no condition is asked for: the
        ** conditions may pass the hidden copy alone (category=乙类) */
        bool ok = version_ok(ix, r, o->all_versions, as_of) &&
                  (o->all_versions || nc || !ix->dup_runs || !ix->dup_runs[i]);
        for (size_t j = 0; j < nc && ok; j++) ok = cond_ok(&c[j], r);
        if (ok) continue;
        uint32_t end = i + 1 < m->nruns ? m->runs[i + 1].first : m->npassages;
        for (uint32_t d = r->first; d < end; d++) h[d >> 3] |= (uint8_t)(1u << (d & 7));
    }
    q->hidden = h;
    return ZHS_OK;
}

/* ------------------------------------------------------------- grouping */

int zhs_filter_group(zhs_topk *top, zhs_arena *a, const zhs_index *ix, unsigned group_size, size_t k,
                     bool *enough, zhs_error *err)
{
    *enough = false;
    size_t cap = 16;
    while (cap < top->n * 2 + 2) cap *= 2;
    uint64_t *keys = zhs_arena_alloc(a, cap * sizeof *keys);
    uint32_t *counts = zhs_arena_alloc(a, cap * sizeof *counts);
    if (!keys || !counts) return zhs_fail(err, ZHS_ENOMEM, "out of memory grouping the hits");
    memset(counts, 0, cap * sizeof *counts);
    size_t out = 0;
    for (size_t i = 0; i < top->n && out < k; i++) {
        const zhs_meta_run *r = zhs_meta_run_of(&ix->meta, top->hits[i].doc);
        /* A law is a title and a version date. */
        uint64_t key = (uint64_t)r->group << 32 | r->date;
        size_t s = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 40) & (cap - 1);
        while (counts[s] && keys[s] != key) s = (s + 1) & (cap - 1);
        keys[s] = key;
        if (counts[s] >= group_size) continue;
        counts[s]++;
        top->hits[out] = top->hits[i];
        if (top->data) {
            top->data[out] = top->data[i];
            top->datalen[out] = top->datalen[i];
        }
        out++;
    }
    *enough = out >= k;
    top->n = out;
    return ZHS_OK;
}

int zhs_results_version(zhs_version_info *out, const zhs_results *r, uint32_t doc, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    const zhs_index *ix = r->ix;
    if (doc >= zhs_manifest_numbered(&ix->m) && ix->has_meta)
        return zhs_fail(err, ZHS_EINVAL, "passage %u does not exist (the index has %llu)", doc,
                        (unsigned long long)zhs_manifest_numbered(&ix->m));
    if (!ix->has_meta) return ZHS_OK;
    const zhs_meta_run *run = zhs_meta_run_of(&ix->meta, doc);
    zhs_date_format(out->date, run->date);
    const uint32_t *d = ix->meta.dates + ix->meta.group_off[run->group];
    uint32_t nd = ix->meta.group_off[run->group + 1] - ix->meta.group_off[run->group];
    out->versions = nd;
    out->newest = run->date == 0 || nd == 0 || run->date == d[0];
    out->ndates = nd < ZHS_MAX_VERSIONS ? nd : ZHS_MAX_VERSIONS;
    for (uint32_t i = 0; i < out->ndates; i++) zhs_date_format(out->dates[i], d[i]);
    return ZHS_OK;
}

int zhs_results_in_force(char out[11], const zhs_results *r, uint32_t doc, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    out[0] = 0;
    if (zhs_err_code(err)) return err->code;
    const zhs_index *ix = r->ix;
    if (!ix->has_meta || !ix->meta.has_in_force) return ZHS_OK;     /* built before format 11 */
    if (doc >= zhs_manifest_numbered(&ix->m))
        return zhs_fail(err, ZHS_EINVAL, "passage %u does not exist (the index has %llu)", doc,
                        (unsigned long long)zhs_manifest_numbered(&ix->m));
    const zhs_meta_run *run = zhs_meta_run_of(&ix->meta, doc);
    zhs_date_format(out, run->in_force ? run->in_force : run->date);
    return ZHS_OK;
}

int zhs_results_repealed(zhs_repeal_info *out, const zhs_results *r, uint32_t doc, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    const zhs_index *ix = r->ix;
    if (!ix->has_meta || !ix->meta.has_repeals) return ZHS_OK;     /* built before format 12 */
    if (doc >= zhs_manifest_numbered(&ix->m))
        return zhs_fail(err, ZHS_EINVAL, "passage %u does not exist (the index has %llu)", doc,
                        (unsigned long long)zhs_manifest_numbered(&ix->m));
    const zhs_meta_run *run = zhs_meta_run_of(&ix->meta, doc);
    if (!run->repealed) return ZHS_OK;
    zhs_date_format(out->day, run->repealed);
    zhs_date_format(out->by_date, run->repealed_by_date);
    uint32_t g = run->repealed_by - 1;
    if (ix->has_cite && g < ix->cite.ngroups) {
        /* cut on a character's start */
        const char *t = ix->cite.title[g];
        size_t n = strlen(t);
        if (n >= sizeof out->by)
            for (n = sizeof out->by - 1; n > 0 && ((uint8_t)t[n] & 0xC0) == 0x80;) n--;
        memcpy(out->by, t, n);
        out->by[n] = 0;
    }
    return ZHS_OK;
}
