/*
** meta.c — dates and the metadata table, see meta.h.
*/
#include "meta.h"
#include "clause.h"
#include "numeral.h"
#include "format.h"
#include "segment.h"
#include "ztable.h"
#include "json.h"

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

/* The id of s if it is in t. */
static bool strset_find(const strset *t, const char *s, uint32_t *id)
{
    if (!t->cap) return false;
    for (size_t j = hash(s) & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1))
        if (strcmp(t->v[t->slot[j] - 1], s) == 0) {
            *id = t->slot[j] - 1;
            return true;
        }
    return false;
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
    zhs_buf val;                /* a member of a passage's extra */
    /* The day in force is a version's (its title and date): the latest
    ** day its documents name, so that every passage of a version has it
    ** however its runs are cut (an update cuts them where passages were
    ** deleted, a law in several files has the clause in one).  The
    ** document being read, and each finished document's day by version. */
    zhs_buf doc_path;           /* the current document's path ("" none yet) */
    bool doc_open, doc_told;    /* doc_told: its day was given, not read from its text */
    bool doc_own;               /* its day is its own, not its version's (finish_doc) */
    uint32_t doc_day, doc_run;  /* its day so far; the first run of an untitled one */
    uint64_t *vdays;            /* (group << 32 | date, day) pairs */
    size_t nvdays, vcap;        /* in pairs */
    uint32_t untitled;          /* the group of the title "" (UINT32_MAX: none seen) */
    /* The repeals the texts name: (the repealing document's first run,
    ** the title's offset in rtitles, its length) triples */
    uint32_t *repeals;
    size_t nrep, repcap;        /* in triples */
    zhs_buf rtitles;
    /* each title's key (zhs_title_key_fn), made once for both tables:
    ** title g's at keys[key_off[g]], NUL-terminated */
    zhs_buf keys;
    uint32_t *key_off;          /* NULL until made */
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
    if (b) b->untitled = UINT32_MAX;
    uint32_t empty;
    if (!b || !strset_id(&b->values, "", &empty) || !strset_id(&b->dates, "", &empty)) {
        zhs_meta_builder_close(b);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory starting the metadata table");
    }
    *out = b;
    return ZHS_OK;
}

static bool is_jsonl_path(const char *path)
{
    size_t n = strlen(path);
    return (n >= 6 && !strcmp(path + n - 6, ".jsonl")) || (n >= 9 && !strcmp(path + n - 9, ".jsonl.gz"));
}

/* A run whose day is its document's own (OWN_DAY set in the builder's
** copy; days are below 2^27). */
#define OWN_DAY 0x80000000u

/* Ends the document being read: its day, for its version, or for its own
** runs when its day is its own: an untitled document (untitled documents
** share a group but are no versions of one another) and an undated JSONL
** record (the records of a file take its name as their title when they
** have none; a law's files, 民法典's books, share their day). */
static bool finish_doc(zhs_meta_builder *b)
{
    if (!b->doc_open) return true;
    const zhs_meta_run *r = &b->runs[b->doc_run];
    if (b->doc_own) {
        for (size_t i = b->doc_run; i < b->nruns; i++) b->runs[i].in_force = OWN_DAY | b->doc_day;
        return true;
    }
    if (!b->doc_day) return true;
    if (!room(&b->vdays, &b->vcap, b->nvdays, 2 * sizeof *b->vdays)) return false;
    b->vdays[2 * b->nvdays] = (uint64_t)r->group << 32 | r->date;
    b->vdays[2 * b->nvdays + 1] = b->doc_day;
    b->nvdays++;
    return true;
}

/* The day passage p of the current document names: an "effective" member
** of its extra (a JSONL record's, or a front matter's) wins over the
** clauses of the text, the last clause over earlier ones. */
static int read_day(zhs_meta_builder *b, const zhs_meta_run *run, const zhs_passage *p, zhs_error *err)
{
    uint32_t d = 0;
    if (p->extra && p->extra[0] == '{') {
        zhs_buf_reset(&b->val);
        int got = zhs_json_get(&b->val, p->extra, strlen(p->extra), "effective");
        if (b->val.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        if (got == 1 && zhs_date_parse(b->val.data ? b->val.data : "", b->val.len, &d)) {
            b->doc_day = d;
            b->doc_told = true;
            return ZHS_OK;
        }
    }
    if (b->doc_told || !p->text) return ZHS_OK;
    int kind = zhs_effective_clause(p->text, p->text_len ? p->text_len : strlen(p->text), &d);
    if (kind == ZHS_EFFECTIVE_DATE) b->doc_day = d;
    else if (kind == ZHS_EFFECTIVE_ITS_DATE) b->doc_day = run->date;
    return ZHS_OK;
}

/* zhs_repeal_fn: one title the current document repeals. */
static int add_repeal(void *ctx, const char *title, size_t n)
{
    zhs_meta_builder *b = ctx;
    if (!room(&b->repeals, &b->repcap, b->nrep, 3 * sizeof *b->repeals)) return -1;
    uint32_t *t = &b->repeals[3 * b->nrep++];
    t[0] = b->doc_run;
    t[1] = (uint32_t)b->rtitles.len;
    t[2] = (uint32_t)n;
    zhs_buf_append(&b->rtitles, title, n);
    return b->rtitles.oom || b->rtitles.len > UINT32_MAX / 2 ? -1 : 0;
}

int zhs_meta_builder_add(zhs_meta_builder *b, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_meta_run r = {doc, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (p->date && !zhs_date_parse(p->date, strlen(p->date), &r.date)) r.date = 0;
    if (!strset_id(&b->titles, p->title, &r.group) || !strset_id(&b->values, p->category, &r.category) ||
        !strset_id(&b->values, p->status, &r.status) || !strset_id(&b->values, p->issuer, &r.issuer))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
    if (!p->title || !p->title[0]) b->untitled = r.group;
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
    /* a new document: another path, or another record of a JSONL file */
    const char *path = p->path ? p->path : "";
    bool new_doc = !b->doc_open || strcmp(path, zhs_buf_cstr(&b->doc_path)) != 0 || is_jsonl_path(path);
    if (new_doc) {
        if (!finish_doc(b)) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        zhs_buf_reset(&b->doc_path);
        zhs_buf_puts(&b->doc_path, path);
        if (b->doc_path.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        b->doc_open = true;
        b->doc_told = false;
        b->doc_day = 0;
    }
    if (new_doc) b->doc_own = r.group == b->untitled || (r.date == 0 && is_jsonl_path(path));
    const zhs_meta_run *l = b->nruns ? &b->runs[b->nruns - 1] : NULL;
    /* a document whose day is its own has runs of its own */
    if (!l || l->group != r.group || l->date != r.date || l->category != r.category || l->status != r.status ||
        l->issuer != r.issuer || (new_doc && (b->doc_own || (l->in_force & OWN_DAY)))) {
        if (!room(&b->runs, &b->cap, b->nruns, sizeof r))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        b->runs[b->nruns++] = r;
    }   /* else the same document, or one of the same version, goes on */
    if (new_doc) b->doc_run = (uint32_t)b->nruns - 1;
    if (read_day(b, &b->runs[b->nruns - 1], p, err)) return err->code;
    if (p->text && zhs_repeal_clauses(p->text, p->text_len ? p->text_len : strlen(p->text), add_repeal, b))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
    return ZHS_OK;
}

static int cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The day a titled run's version is in force from: the latest its
** documents name (0: none); vdays sorted. */
static uint32_t version_day(const zhs_meta_builder *b, const zhs_meta_run *r)
{
    uint64_t key = (uint64_t)r->group << 32 | r->date;
    size_t lo = 0, hi = b->nvdays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->vdays[2 * mid] < key) lo = mid + 1;
        else hi = mid;
    }
    uint32_t day = 0;
    for (size_t i = lo; i < b->nvdays && b->vdays[2 * i] == key; i++)
        if (b->vdays[2 * i + 1] > day) day = (uint32_t)b->vdays[2 * i + 1];
    return day;
}

/* Every title's key, once (the second table's write finds them made). */
static int make_keys(zhs_meta_builder *b, zhs_title_key_fn key, void *ctx, zhs_error *err)
{
    if (b->key_off) return ZHS_OK;
    uint32_t *off = malloc((b->titles.n + 1) * sizeof *off);
    if (!off) return zhs_fail(err, ZHS_ENOMEM, "out of memory keying the titles");
    zhs_buf k;
    zhs_buf_init(&k);
    zhs_buf_reset(&b->keys);
    int rc = ZHS_OK;
    for (size_t g = 0; g < b->titles.n && rc == ZHS_OK; g++) {
        off[g] = (uint32_t)b->keys.len;
        if ((rc = key(ctx, b->titles.v[g], strlen(b->titles.v[g]), &k, err))) break;
        zhs_buf_append(&b->keys, k.data ? k.data : "", k.len);
        zhs_buf_append(&b->keys, "", 1);
        if (b->keys.oom || b->keys.len > UINT32_MAX / 2)
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory keying the titles");
    }
    zhs_buf_free(&k);
    if (rc) {
        free(off);
        return rc;
    }
    b->key_off = off;
    return ZHS_OK;
}

static const char *key_of(const zhs_meta_builder *b, uint32_t g)
{
    return b->keys.data + b->key_off[g];
}

/* The day a run's version is in force from (0: none), as written. */
static uint32_t run_since(const zhs_meta_builder *b, const zhs_meta_run *r)
{
    uint32_t day = r->in_force & OWN_DAY ? r->in_force & ~OWN_DAY : version_day(b, r);
    /* a version is not in force before its date (an amended law's text
    ** keeps the day the first text took effect) */
    return day && r->date && day < r->date ? r->date : day;
}

/* Marks the runs the texts repeal (meta.h): the runs of each title whose
** key a repeal names, dated before the repealing version, get its day in
** force (the earliest, when several name one), and its group and date.
** since[] is each run's day in force. */
static int resolve_repeals(zhs_meta_builder *b, const uint32_t *since, zhs_title_key_fn key, void *ctx,
                           zhs_error *err)
{
    if (!b->nrep) return ZHS_OK;
    if (make_keys(b, key, ctx, err)) return err->code;
    /* (key id << 32 | run) for every run, sorted: a key's runs in a row */
    strset kids = {0};
    uint32_t *kid = malloc((b->titles.n + 1) * sizeof *kid);
    uint64_t *by_key = malloc((b->nruns + 1) * sizeof *by_key);
    zhs_buf k;
    zhs_buf_init(&k);
    int rc = ZHS_OK;
    if (!kid || !by_key) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the repeals");
    for (size_t g = 0; g < b->titles.n && rc == ZHS_OK; g++)
        if (!strset_id(&kids, key_of(b, (uint32_t)g), &kid[g]))
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the repeals");
    for (size_t i = 0; i < b->nruns && rc == ZHS_OK; i++)
        by_key[i] = (uint64_t)kid[b->runs[i].group] << 32 | i;
    if (rc == ZHS_OK && b->nruns) qsort(by_key, b->nruns, sizeof *by_key, cmp_u64_pair);
    /* A clause an amended text kept from its first text repeals as of
    ** that text: of the repeals of one key by one title, the earliest
    ** dated version's counts (乙法 of 2015 repeating its 2000 text's
    ** 《甲条例》同时废止 does not repeal a 甲条例 enacted again in 2005). */
    strset pairs = {0};
    uint32_t *origin = malloc((b->nrep + 1) * sizeof *origin);     /* by pair: a triple */
    uint32_t *tkid = malloc((b->nrep + 1) * sizeof *tkid);         /* by triple: its title's key id */
    if (rc == ZHS_OK && (!origin || !tkid)) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the repeals");
    char pk[32];
    for (size_t t = 0; t < b->nrep && rc == ZHS_OK; t++) {
        const uint32_t *rp = &b->repeals[3 * t];
        const zhs_meta_run *by = &b->runs[rp[0]];
        uint32_t id, pid;
        if ((rc = key(ctx, b->rtitles.data + rp[1], rp[2], &k, err))) break;
        if (!k.len || !strset_find(&kids, zhs_buf_cstr(&k), &id)) continue;
        snprintf(pk, sizeof pk, "%u:%u", (unsigned)by->group, (unsigned)id);
        size_t known = pairs.n;
        if (!strset_id(&pairs, pk, &pid)) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the repeals");
            break;
        }
        tkid[t] = id;
        const zhs_meta_run *o = pid < known ? &b->runs[b->repeals[3 * origin[pid]]] : NULL;
        if (!o || (by->date && (!o->date || by->date < o->date))) origin[pid] = (uint32_t)t;
    }
    for (size_t q = 0; q < pairs.n && rc == ZHS_OK; q++) {
        const uint32_t *rp = &b->repeals[3 * origin[q]];
        const zhs_meta_run *by = &b->runs[rp[0]];
        uint32_t day = since[rp[0]] ? since[rp[0]] : by->date, id = tkid[origin[q]];
        if (!day) continue;                 /* it cannot say when */
        /* the runs of that key: a binary search to the first */
        size_t lo = 0, hi = b->nruns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((by_key[mid] >> 32) < id) lo = mid + 1;
            else hi = mid;
        }
        for (size_t i = lo; i < b->nruns && (by_key[i] >> 32) == id; i++) {
            zhs_meta_run *r = &b->runs[(uint32_t)by_key[i]];
            /* not its own title (its versions say what replaced what), nor
            ** a version enacted after it (again under the old title): dated
            ** on or after the repealing version, or, when that one is
            ** undated, on or after the day of the repeal */
            if (r->group == by->group) continue;
            if (r->date && r->date >= (by->date ? by->date : day)) continue;
            if (r->repealed && r->repealed <= day) continue;
            r->repealed = day;
            r->repealed_by = by->group + 1;
            r->repealed_by_date = by->date;
        }
    }
    strset_free(&pairs);
    free(origin);
    free(tkid);
    strset_free(&kids);
    free(kid);
    free(by_key);
    zhs_buf_free(&k);
    return rc;
}

int zhs_meta_builder_write(zhs_meta_builder *b, const char *path, zhs_title_key_fn key, void *ctx,
                           zhs_syncs *syncs, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (!finish_doc(b)) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    b->doc_open = false;
    if (b->nvdays) qsort(b->vdays, b->nvdays, 2 * sizeof *b->vdays, cmp_u64_pair);     /* NULL when none */
    uint32_t *since = malloc((b->nruns + 1) * sizeof *since);
    if (!since) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    for (size_t i = 0; i < b->nruns; i++) since[i] = run_since(b, &b->runs[i]);
    for (size_t i = 0; i < b->nruns; i++) b->runs[i].repealed = b->runs[i].repealed_by = b->runs[i].repealed_by_date = 0;
    if (resolve_repeals(b, since, key, ctx, err)) {
        free(since);
        return err->code;
    }
    zhs_buf out;
    zhs_buf_init(&out);
    zhs_buf_put_u32(&out, (uint32_t)b->nruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->values.n);
    for (size_t i = 0; i < b->values.n; i++) put_str(&out, b->values.v[i], strlen(b->values.v[i]));
    for (size_t i = 0; i < b->nruns; i++) {
        const zhs_meta_run *r = &b->runs[i];
        uint32_t f[10] = {r->first, r->group, r->date, r->category, r->status, r->issuer, since[i],
                          r->repealed, r->repealed_by, r->repealed_by_date};
        for (int k = 0; k < 10; k++) zhs_buf_put_u32(&out, f[k]);
    }
    free(since);
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
    zhs_buf out;
    zhs_buf_init(&out);
    zhs_buf_put_u32(&out, (uint32_t)b->ncruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->dates.n);
    for (size_t i = 0; i < b->dates.n; i++) put_str(&out, b->dates.v[i], strlen(b->dates.v[i]));
    int rc = make_keys(b, key, ctx, err);
    for (size_t g = 0; g < b->titles.n && rc == ZHS_OK; g++) {
        const char *t = b->titles.v[g], *kd = key_of(b, (uint32_t)g);
        size_t tl = strlen(t), kl = strlen(kd);
        put_str(&out, t, tl);
        /* most keys are their title or its end (中华人民共和国 dropped) */
        if (kl <= tl && !memcmp(t + tl - kl, kd, kl))
            zhs_buf_put_u32(&out, ZHS_CITE_KEY_SUFFIX | (uint32_t)kl);
        else
            put_str(&out, kd, kl);
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
    zhs_buf_free(&b->val);
    zhs_buf_free(&b->doc_path);
    free(b->vdays);
    free(b->repeals);
    zhs_buf_free(&b->rtitles);
    zhs_buf_free(&b->keys);
    free(b->key_off);
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
    free(m->in_force);
    free(m->repealed);
    memset(m, 0, sizeof *m);
}

/* Each group's distinct dates, newest first (from the runs), and the day
** each is in force from: the latest of its runs' (a version filed in two
** categories is one version), else its date. */
typedef struct group_date {
    uint64_t key;               /* group << 32 | ~date: newest first */
    uint32_t in_force, repealed;
} group_date;

static int cmp_gd(const void *a, const void *b)
{
    const uint64_t x = ((const group_date *)a)->key, y = ((const group_date *)b)->key;
    return x < y ? -1 : x > y;
}

static bool group_dates(zhs_meta *m)
{
    group_date *gd = malloc((m->nruns + 1) * sizeof *gd);
    m->group_off = calloc((size_t)m->ngroups + 1, sizeof *m->group_off);
    m->dates = malloc((m->nruns + 1) * sizeof *m->dates);
    m->in_force = malloc((m->nruns + 1) * sizeof *m->in_force);
    m->repealed = malloc((m->nruns + 1) * sizeof *m->repealed);
    if (!gd || !m->group_off || !m->dates || !m->in_force || !m->repealed) {
        free(gd);
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->nruns; i++)
        if (m->runs[i].date)
            gd[n++] = (group_date){(uint64_t)m->runs[i].group << 32 | (uint32_t)~m->runs[i].date,
                                   m->runs[i].in_force ? m->runs[i].in_force : m->runs[i].date,
                                   m->runs[i].repealed};
    qsort(gd, n, sizeof *gd, cmp_gd);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && gd[i].key == gd[i - 1].key) {
            if (gd[i].in_force > m->in_force[nd - 1]) m->in_force[nd - 1] = gd[i].in_force;
            /* the runs of a version are repealed together (meta.h) */
            if (gd[i].repealed && (!m->repealed[nd - 1] || gd[i].repealed < m->repealed[nd - 1]))
                m->repealed[nd - 1] = gd[i].repealed;
            continue;
        }
        uint32_t g = (uint32_t)(gd[i].key >> 32);
        m->dates[nd] = ~(uint32_t)gd[i].key;
        m->in_force[nd] = gd[i].in_force;
        m->repealed[nd++] = gd[i].repealed;
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
    /* formats 9 and 10 compressed runs without their day in force, 11
    ** without the day they are repealed */
    char mg[ZHS_MAGIC_LEN];
    bool got = zhs_file_magic(path, mg);
    const char *zmagic = got && !memcmp(mg, ZHS_MAGIC_META_V2, ZHS_MAGIC_LEN)   ? ZHS_MAGIC_META_V2
                         : got && !memcmp(mg, ZHS_MAGIC_META_V3, ZHS_MAGIC_LEN) ? ZHS_MAGIC_META_V3
                                                                                : ZHS_MAGIC_META;
    if (open_table(&f, path, zmagic, plain, "metadata table", cnt, err)) return err->code;
    size_t run_bytes = !f.magic ? ZHS_META_RUN_BYTES_V2
                       : !memcmp(f.magic, ZHS_MAGIC_META, ZHS_MAGIC_LEN)    ? ZHS_META_RUN_BYTES
                       : !memcmp(f.magic, ZHS_MAGIC_META_V3, ZHS_MAGIC_LEN) ? ZHS_META_RUN_BYTES_V3
                                                                            : ZHS_META_RUN_BYTES_V2;
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
    if ((uint64_t)(end - p) != (uint64_t)nruns * run_bytes) BAD("the metadata runs are truncated");
    m->has_in_force = run_bytes > ZHS_META_RUN_BYTES_V2;
    m->has_repeals = run_bytes > ZHS_META_RUN_BYTES_V3;
    for (uint32_t i = 0; i < nruns; i++, p += run_bytes) {
        zhs_meta_run *r = &m->runs[i];
        r->first = zhs_get_u32(p);
        r->group = zhs_get_u32(p + 4);
        r->date = zhs_get_u32(p + 8);
        r->category = zhs_get_u32(p + 12);
        r->status = zhs_get_u32(p + 16);
        r->issuer = zhs_get_u32(p + 20);
        r->in_force = run_bytes > 24 ? zhs_get_u32(p + 24) : 0;
        r->repealed = run_bytes > 28 ? zhs_get_u32(p + 28) : 0;
        r->repealed_by = run_bytes > 28 ? zhs_get_u32(p + 32) : 0;
        r->repealed_by_date = run_bytes > 28 ? zhs_get_u32(p + 36) : 0;
        if ((i == 0 ? r->first != 0 : r->first <= m->runs[i - 1].first) || r->first >= npassages ||
            r->group >= ngroups || r->date > 99991231 || r->category >= nstrings || r->status >= nstrings ||
            r->issuer >= nstrings || r->in_force > 99991231 || (r->in_force && r->date > r->in_force) ||
            r->repealed > 99991231 || r->repealed_by > ngroups || r->repealed_by_date > 99991231 ||
            !r->repealed != !r->repealed_by)
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
