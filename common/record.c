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

bool zhs_record_encode_coded(zhs_buf *b, const zhs_passage *p, const zhs_textcode *tc)
{
    const char *f[5] = {p->id, p->title, p->heading, p->label, p->path};
    for (int i = 0; i < 5; i++) put_cstr(b, f[i]);
    zhs_buf_put_varint(b, p->line);
    const char *text = p->text ? p->text : "";
    size_t text_len = p->text ? p->text_len : 0;
    if (tc) {
        /* coded apart first: the length comes before the bytes */
        zhs_buf coded;
        zhs_buf_init(&coded);
        bool ok = zhs_textcode_encode(&coded, (const uint8_t *)text, text_len, tc);
        put_str(b, coded.data ? coded.data : "", coded.len);
        zhs_buf_free(&coded);
        if (!ok) b->oom = true;
    } else {
        put_str(b, text, text_len);
    }
    const char *m[5] = {p->date, p->category, p->status, p->issuer, p->extra};
    for (int i = 0; i < 5; i++) put_cstr(b, m[i]);
    return !b->oom;
}

size_t zhs_record_text_size(const zhs_passage *p)
{
    const char *f[10] = {p->id, p->title, p->heading, p->label, p->path,
                         p->date, p->category, p->status, p->issuer, p->extra};
    size_t n = p->text ? p->text_len : 0;
    for (int i = 0; i < 10; i++) n += f[i] ? strlen(f[i]) : 0;
    return n;
}

bool zhs_record_encode(zhs_buf *b, const zhs_passage *p)
{
    return zhs_record_encode_coded(b, p, NULL);
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
    return zhs_record_decode_coded(pp, end, version, out, p, NULL);
}

int zhs_record_decode_coded(const uint8_t **pp, const uint8_t *end, int version, zhs_buf *out, zhs_passage *p,
                            const zhs_textcode *tc)
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
    size_t text_len = n[5];
    for (int i = 0; i < NSTR_V2; i++) {
        bool coded = tc && i == 5;
        dst_off[i] = out->len;
        /* room first: src may point into out */
        if (!zhs_buf_reserve(out, (coded ? zhs_textcode_decoded_max(n[i]) : n[i]) + 1)) {
            out->len = len0;
            return ZHS_ENOMEM;
        }
        const void *src = inside[i] ? (const void *)(out->data + src_off[i]) : (const void *)f[i];
        if (coded) {
            int d = zhs_textcode_decode(out, src, n[i], tc);
            if (d) {
                out->len = len0;
                return d;
            }
            text_len = out->len - dst_off[i];
        } else {
            memmove(out->data + out->len, src, n[i]);
            out->len += n[i];
        }
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
    p->text_len = text_len;
    p->date = base + dst_off[6];
    p->category = base + dst_off[7];
    p->status = base + dst_off[8];
    p->issuer = base + dst_off[9];
    p->extra = base + dst_off[10];
    return ZHS_OK;
}
