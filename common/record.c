/*
** record.c — passage records, see record.h.
*/
#include "record.h"
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

bool zhs_record_encode_store(zhs_buf *b, const zhs_passage *p, const zhs_passage *prev, const zhs_textcode *tc,
                             zhs_buf *scratch)
{
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

int zhs_record_next_store(const uint8_t **pp, const uint8_t *end, zhs_record_state *st)
{
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
        if (i == 5) rc = zhs_textcode_decode(out, st->text, st->text_n, tc);
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
