/*
** record.c — passage records, see record.h.
*/
#include "record.h"
#include "numeral.h"
#include "textcode.h"

/* Strings of a record, in their order: v1 has the first six (text last,
** the line between the fifth and the text), v2 adds the metadata. */
enum { NSTR_V1 = 6, NSTR_V2 = 11 };

static void put_str(zhs_buf *b, const char *s, size_t n)
{
    zhs_buf_put_varint(b, n);
    zhs_buf_append(b, s, n);
}

static void put_cstr(zhs_buf *b, const char *s)
{
    put_str(b, s ? s : "", s ? strlen(s) : 0);
}

bool zhs_record_encode(zhs_buf *b, const zhs_passage *p)
{
    const char *f[5] = {p->id, p->title, p->heading, p->label, p->path};
    for (int i = 0; i < 5; i++) put_cstr(b, f[i]);
    zhs_buf_put_varint(b, p->line);
    put_str(b, p->text ? p->text : "", p->text ? p->text_len : 0);
    const char *m[5] = {p->date, p->category, p->status, p->issuer, p->extra};
    for (int i = 0; i < 5; i++) put_cstr(b, m[i]);
    return !b->oom;
}

static bool get_str(const uint8_t **p, const uint8_t *end, const uint8_t **s, size_t *n)
{
    uint64_t len;
    if (!zhs_varint_get(p, end, &len) || len > (uint64_t)(end - *p)) return false;
    *s = *p;
    *n = (size_t)len;
    *p += len;
    return true;
}

/* Reads the strings of one record; *nstr says how many it had (a record
** of unknown version has the metadata when bytes are left after text). */
static bool parse(const uint8_t **pp, const uint8_t *end, int version, const uint8_t *f[NSTR_V2],
                  size_t n[NSTR_V2], uint64_t *line, int *nstr)
{
    const uint8_t *p = *pp;
    for (int i = 0; i < 5; i++)
        if (!get_str(&p, end, &f[i], &n[i])) return false;
    if (!zhs_varint_get(&p, end, line) || !get_str(&p, end, &f[5], &n[5])) return false;
    bool meta = version >= 2 || (version == 0 && p < end);
    *nstr = meta ? NSTR_V2 : NSTR_V1;
    if (meta)
        for (int i = NSTR_V1; i < NSTR_V2; i++)
            if (!get_str(&p, end, &f[i], &n[i])) return false;
    *pp = p;
    return true;
}

bool zhs_record_skip(const uint8_t **pp, const uint8_t *end, int version)
{
    const uint8_t *f[NSTR_V2];
    size_t n[NSTR_V2];
    uint64_t line;
    int nstr;
    return parse(pp, end, version, f, n, &line, &nstr);
}

int zhs_record_decode(const uint8_t **pp, const uint8_t *end, int version, zhs_buf *out, zhs_passage *p)
{
    const uint8_t *f[NSTR_V2];
    size_t n[NSTR_V2];
    uint64_t line;
    int nstr;
    if (!parse(pp, end, version, f, n, &line, &nstr)) return ZHS_ECORRUPT;
    /* A v1 record has no metadata: each reads back as "". */
    static const uint8_t empty[1] = {0};
    for (int i = nstr; i < NSTR_V2; i++) {
        f[i] = empty;
        n[i] = 0;
    }
    size_t len0 = out->len;
    /* The source may live inside out itself: remember offsets, not
    ** pointers, across appends that can move it. */
    bool inside[NSTR_V2];
    size_t src_off[NSTR_V2], dst_off[NSTR_V2];
    for (int i = 0; i < NSTR_V2; i++) {
        inside[i] = out->data && f[i] >= (const uint8_t *)out->data && f[i] < (const uint8_t *)out->data + out->cap;
        src_off[i] = inside[i] ? (size_t)(f[i] - (const uint8_t *)out->data) : 0;
    }
    for (int i = 0; i < NSTR_V2; i++) {
        dst_off[i] = out->len;
        if (!zhs_buf_reserve(out, n[i] + 1)) {
            out->len = len0;
            return ZHS_ENOMEM;
        }
        const void *src = inside[i] ? (const void *)(out->data + src_off[i]) : (const void *)f[i];
        memmove(out->data + out->len, src, n[i]);
        out->len += n[i];
        out->data[out->len++] = 0;
    }
    const char *base = out->data;
    p->id = base + dst_off[0];
    p->title = base + dst_off[1];
    p->heading = base + dst_off[2];
    p->label = base + dst_off[3];
    p->path = base + dst_off[4];
    p->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    p->text = base + dst_off[5];
    p->text_len = n[5];
    p->date = base + dst_off[6];
    p->category = base + dst_off[7];
    p->status = base + dst_off[8];
    p->issuer = base + dst_off[9];
    p->extra = base + dst_off[10];
    return ZHS_OK;
}

/* ------------------------------------------------ the store of format 4 */

size_t zhs_record_text_size(const zhs_passage *p)
{
    const char *f[10] = {p->id, p->title, p->heading, p->label, p->path,
                         p->date, p->category, p->status, p->issuer, p->extra};
    size_t n = p->text ? p->text_len : 0;
    for (int i = 0; i < 10; i++) n += f[i] ? strlen(f[i]) : 0;
    return n;
}

/* The ten strings besides the text, in their order in a record. */
static void fields(const zhs_passage *p, const char *f[10])
{
    const char *v[10] = {p ? p->id : NULL, p ? p->title : NULL, p ? p->heading : NULL, p ? p->label : NULL,
                         p ? p->path : NULL, p ? p->date : NULL, p ? p->category : NULL,
                         p ? p->status : NULL, p ? p->issuer : NULL, p ? p->extra : NULL};
    for (int i = 0; i < 10; i++) f[i] = v[i] ? v[i] : "";
}

static void put_shared(zhs_buf *b, const char *s, const char *prev)
{
    size_t k = 0;
    while (s[k] && s[k] == prev[k]) k++;
    size_t n = strlen(s + k);
    zhs_buf_put_varint(b, k);
    zhs_buf_put_varint(b, n);
    zhs_buf_append(b, s + k, n);
}

static bool encode_derived(zhs_buf *b, const zhs_passage *p, const zhs_passage *prev, const zhs_textcode *tc,
                           zhs_buf *scratch);

bool zhs_record_encode_store(zhs_buf *b, const zhs_passage *p, const zhs_passage *prev, const zhs_textcode *tc,
                             bool derived, zhs_buf *scratch)
{
    if (derived) return encode_derived(b, p, prev, tc, scratch);
    const char *f[10], *pf[10];
    fields(p, f);
    fields(prev, pf);
    for (int i = 0; i < 5; i++) put_shared(b, f[i], pf[i]);
    zhs_buf_put_varint(b, p->line);
    /* coded apart first: the length comes before the bytes */
    zhs_buf_reset(scratch);
    if (!zhs_textcode_encode(scratch, (const uint8_t *)(p->text ? p->text : ""), p->text ? p->text_len : 0, tc))
        b->oom = true;
    put_str(b, scratch->data ? scratch->data : "", scratch->len);
    for (int i = 5; i < 10; i++) put_shared(b, f[i], pf[i]);
    return !b->oom;
}

void zhs_record_state_init(zhs_record_state *st)
{
    memset(st, 0, sizeof *st);
    for (int i = 0; i < 10; i++) zhs_buf_init(&st->f[i]);
}

void zhs_record_state_reset(zhs_record_state *st)
{
    for (int i = 0; i < 10; i++) zhs_buf_reset(&st->f[i]);
    st->line = 0;
    st->text = NULL;
    st->text_n = 0;
    st->text_label = false;
}

void zhs_record_state_free(zhs_record_state *st)
{
    for (int i = 0; i < 10; i++) zhs_buf_free(&st->f[i]);
}

static const char *state_str(const zhs_record_state *st, int i)
{
    return st->f[i].len ? st->f[i].data : "";
}

void zhs_record_state_passage(const zhs_record_state *st, zhs_passage *p)
{
    const char **to[10] = {&p->id, &p->title, &p->heading, &p->label, &p->path,
                           &p->date, &p->category, &p->status, &p->issuer, &p->extra};
    for (int i = 0; i < 10; i++) *to[i] = state_str(st, i);
    p->line = st->line;
    p->text = "";
    p->text_len = 0;
}

static int next_derived(const uint8_t **pp, const uint8_t *end, zhs_record_state *st);

int zhs_record_next_store(const uint8_t **pp, const uint8_t *end, zhs_record_state *st)
{
    if (st->derived) return next_derived(pp, end, st);
    /* parsed whole before anything changes: a record cut short (not all
    ** inflated yet) or damaged leaves st as it was */
    const uint8_t *q = *pp, *s[11];
    size_t n[11];
    uint64_t k[11], line = 0;
    for (int i = 0; i < 11; i++) {
        bool ok = i == 5 ? zhs_varint_get(&q, end, &line) && get_str(&q, end, &s[i], &n[i])
                         : zhs_varint_get(&q, end, &k[i]) && get_str(&q, end, &s[i], &n[i]);
        if (!ok) return ZHS_ECORRUPT;
    }
    for (int i = 0, f = 0; i < 11; i++) {
        if (i == 5) continue;
        if (k[i] > st->f[f].len) return ZHS_ECORRUPT;
        size_t need = (size_t)k[i] + n[i] + 1;
        if (need > st->f[f].len && !zhs_buf_reserve(&st->f[f], need - st->f[f].len)) return ZHS_ENOMEM;
        f++;
    }
    for (int i = 0, f = 0; i < 11; i++) {
        if (i == 5) continue;
        zhs_buf *b = &st->f[f++];
        if (n[i] || k[i] < b->len) {    /* most strings repeat the last */
            memcpy(b->data + k[i], s[i], n[i]);
            b->len = (size_t)k[i] + n[i];
            b->data[b->len] = 0;
        }
    }
    st->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    st->text = s[5];
    st->text_n = n[5];
    *pp = q;
    return ZHS_OK;
}

int zhs_record_passage_store(const zhs_record_state *st, const zhs_textcode *tc, zhs_buf *out, zhs_passage *p)
{
    size_t len0 = out->len, dst[11];
    int rc = ZHS_OK;
    for (int i = 0, f = 0; i < 11 && rc == ZHS_OK; i++) {
        dst[i] = out->len;
        if (i == 5 && st->text_label &&         /* format 7: the label's copy first */
            (!zhs_buf_append(out, state_str(st, 3), st->f[3].len) || !zhs_buf_putc(out, ' ')))
            rc = ZHS_ENOMEM;
        else if (i == 5) rc = zhs_textcode_decode(out, st->text, st->text_n, tc);
        else if (!zhs_buf_append(out, state_str(st, f), st->f[f].len)) rc = ZHS_ENOMEM;
        if (i != 5) f++;
        if (rc == ZHS_OK && !zhs_buf_putc(out, 0)) rc = ZHS_ENOMEM;
    }
    if (rc) {
        out->len = len0;
        return rc;
    }
    const char *base = out->data;
    const char **to[11] = {&p->id, &p->title, &p->heading, &p->label, &p->path, &p->text,
                           &p->date, &p->category, &p->status, &p->issuer, &p->extra};
    for (int i = 0; i < 11; i++) *to[i] = base + dst[i];
    p->text_len = dst[6] - dst[5] - 1;
    p->line = st->line;
    return ZHS_OK;
}

/* ------------------------------------------------ the store of format 7 */

/* Article numbers as labels write them (第一百零五条), 1 to 9999 only: the
** range is part of format 7 (a label past it has no "next" label), so it
** stays fixed whatever numeral.c grows to.  The numeral of n into out (at
** least 32 bytes) and its length, 0 outside the range. */
static size_t cn_format(uint32_t n, char *out)
{
    return n == 0 || n > 9999 ? 0 : zhs_numeral_format(out, 32, n);
}

/* The numeral's value when s is exactly what cn_format writes for it,
** else 0. */
static uint32_t cn_parse(const char *s, size_t n)
{
    uint32_t v;
    char back[32];
    if (n == 0 || zhs_numeral_parse(s, n, &v) != n) return 0;
    size_t bn = cn_format(v, back);
    return bn == n && memcmp(back, s, n) == 0 ? v : 0;
}

/* The label of the article after label (len bytes), "第N条" after
** "第N-1条", into out (at least 64 bytes): its length, or 0 when label is
** not an article's (the next label is then label itself). */
static size_t label_next(const char *label, size_t len, char *out)
{
    static const char head[] = "第", tail[] = "条";
    if (len <= 6 || memcmp(label, head, 3) != 0 || memcmp(label + len - 3, tail, 3) != 0) return 0;
    uint32_t n = cn_parse(label + 3, len - 6);
    if (n == 0) return 0;
    size_t m = cn_format(n + 1, out + 3);
    if (m == 0) return 0;
    memcpy(out, head, 3);
    memcpy(out + 3 + m, tail, 3);
    return m + 6;
}

/* Where the id is the end of the path, '#' and a fragment: the byte of the
** path it starts at (*a) and the fragment (*frag); false when it is not. */
static bool id_from_path(const char *id, const char *path, size_t *a, const char **frag)
{
    const char *hash = strrchr(id, '#');
    if (!hash) return false;
    size_t h = (size_t)(hash - id), pn = strlen(path);
    if (h > pn || memcmp(path + pn - h, id, h) != 0) return false;
    *a = pn - h;
    *frag = hash + 1;
    return true;
}

/* Whether the text starts with the label and a space (the copy of its
** label an article's text begins with: "第三条 ..."). */
static bool text_has_label(const zhs_passage *p, const char *label)
{
    size_t ln = strlen(label);
    return ln && p->text && p->text_len > ln && memcmp(p->text, label, ln) == 0 && p->text[ln] == ' ';
}

/* The strings a record's mask covers: bit b is the string f[b + 1] of
** fields() (title, heading, label, path, then the metadata). */
enum { MASK_BITS = 9, MASK_LABEL = 1u << 2 };

static bool encode_derived(zhs_buf *b, const zhs_passage *p, const zhs_passage *prev, const zhs_textcode *tc,
                           zhs_buf *scratch)
{
    const char *f[10], *pf[10];
    fields(p, f);
    fields(prev, pf);
    char next[64];
    size_t nn = label_next(pf[3], strlen(pf[3]), next);
    bool label_follows = nn ? strlen(f[3]) != nn || memcmp(f[3], next, nn) != 0 : strcmp(f[3], pf[3]) != 0;
    uint32_t mask = 0;
    for (int i = 0; i < MASK_BITS; i++)
        if (i == 2 ? label_follows : strcmp(f[i + 1], pf[i + 1]) != 0) mask |= 1u << i;
    zhs_buf_put_varint(b, mask);
    for (int i = 0; i < MASK_BITS; i++)
        if (mask >> i & 1) put_shared(b, f[i + 1], pf[i + 1]);
    size_t a;
    const char *frag;
    if (id_from_path(f[0], f[4], &a, &frag)) {
        zhs_buf_put_varint(b, 1 + (uint64_t)a);
        if (strcmp(frag, f[3]) == 0) {
            zhs_buf_put_varint(b, 0);
        } else {
            zhs_buf_put_varint(b, 1 + (uint64_t)strlen(frag));
            zhs_buf_append(b, frag, strlen(frag));
        }
    } else {
        zhs_buf_put_varint(b, 0);
        put_shared(b, f[0], pf[0]);
    }
    /* zigzag: a law's lines rise; a block's first record follows line 0 */
    int64_t d = (int64_t)p->line - (int64_t)(prev ? prev->line : 0);
    zhs_buf_put_varint(b, d >= 0 ? (uint64_t)d * 2 : (uint64_t)(-d) * 2 - 1);
    bool lab = text_has_label(p, f[3]);
    size_t skip = lab ? strlen(f[3]) + 1 : 0;
    zhs_buf_reset(scratch);
    if (!zhs_textcode_encode(scratch, (const uint8_t *)(p->text ? p->text + skip : ""),
                             p->text ? p->text_len - skip : 0, tc))
        b->oom = true;
    zhs_buf_put_varint(b, (uint64_t)scratch->len * 2 + lab);
    zhs_buf_append(b, scratch->data ? scratch->data : "", scratch->len);
    return !b->oom;
}

/* Room in b for a string of n bytes and its NUL. */
static bool room(zhs_buf *b, size_t n)
{
    return zhs_buf_reserve(b, n > b->len ? n - b->len : 0);
}

static void set_str(zhs_buf *b, size_t k, const void *s, size_t n)
{
    if (n) memcpy(b->data + k, s, n);   /* s may be an empty string's NULL */
    b->len = k + n;
    b->data[b->len] = 0;
}

static int next_derived(const uint8_t **pp, const uint8_t *end, zhs_record_state *st)
{
    /* parsed and checked whole before anything changes, as format 4's */
    const uint8_t *q = *pp, *s[10] = {0}, *frag = NULL;
    size_t n[10] = {0};
    uint64_t k[10] = {0}, mask, id_at, frag_n = 0, line, t;
    if (!zhs_varint_get(&q, end, &mask) || mask >> MASK_BITS) return ZHS_ECORRUPT;
    for (int i = 0; i < MASK_BITS; i++)
        if (mask >> i & 1 && !(zhs_varint_get(&q, end, &k[i + 1]) && get_str(&q, end, &s[i + 1], &n[i + 1])))
            return ZHS_ECORRUPT;
    if (!zhs_varint_get(&q, end, &id_at)) return ZHS_ECORRUPT;
    if (id_at == 0 && !(zhs_varint_get(&q, end, &k[0]) && get_str(&q, end, &s[0], &n[0]))) return ZHS_ECORRUPT;
    if (id_at) {
        if (!zhs_varint_get(&q, end, &frag_n) || frag_n > (uint64_t)(end - q) + 1) return ZHS_ECORRUPT;
        frag = q;
        q += frag_n ? frag_n - 1 : 0;
    }
    if (!zhs_varint_get(&q, end, &line) || !zhs_varint_get(&q, end, &t) || t / 2 > (uint64_t)(end - q))
        return ZHS_ECORRUPT;
    const uint8_t *text = q;
    q += t / 2;
    /* zigzag: 2d for d >= 0, -2d - 1 below */
    uint64_t m = line & 1 ? line / 2 + 1 : line / 2;
    if (line & 1 ? m > st->line : m > UINT32_MAX - st->line) return ZHS_ECORRUPT;
    for (int i = 0; i < 10; i++)
        if ((i == 0 ? !id_at : mask >> (i - 1) & 1) && k[i] > st->f[i].len) return ZHS_ECORRUPT;
    char next[64];
    size_t nn = mask & MASK_LABEL ? 0 : label_next(st->f[3].data, st->f[3].len, next);
    size_t label_n = mask & MASK_LABEL ? (size_t)(k[3] + n[3]) : nn ? nn : st->f[3].len;
    size_t path_n = mask >> 3 & 1 ? (size_t)(k[4] + n[4]) : st->f[4].len;
    size_t frag_len = frag_n ? (size_t)frag_n - 1 : label_n;
    if (id_at && id_at - 1 > path_n) return ZHS_ECORRUPT;
    for (int i = 0; i < 10; i++)
        if ((i == 0 ? !id_at : mask >> (i - 1) & 1) && !room(&st->f[i], (size_t)(k[i] + n[i]))) return ZHS_ENOMEM;
    if ((nn && !room(&st->f[3], nn)) || (id_at && !room(&st->f[0], path_n - (id_at - 1) + 1 + frag_len)))
        return ZHS_ENOMEM;
    for (int i = 0; i < 10; i++)
        if (i == 0 ? !id_at : mask >> (i - 1) & 1) set_str(&st->f[i], (size_t)k[i], s[i], n[i]);
    if (nn) set_str(&st->f[3], 0, next, nn);
    if (id_at) {
        zhs_buf *id = &st->f[0];
        size_t at = (size_t)(id_at - 1), rel = path_n - at;
        /* a state that never held a path or label has NULL buffers: no
        ** offset from them, even of 0 (undefined behaviour) */
        set_str(id, 0, rel ? st->f[4].data + at : "", rel);
        id->data[rel] = '#';
        set_str(id, rel + 1, frag_n ? (const char *)frag : frag_len ? st->f[3].data : "", frag_len);
    }
    st->line = (uint32_t)(line & 1 ? st->line - m : st->line + m);
    st->text = text;
    st->text_n = (size_t)(t / 2);
    st->text_label = t & 1;
    *pp = q;
    return ZHS_OK;
}
