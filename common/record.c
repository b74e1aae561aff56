/*
** record.c — passage records, see record.h.
*/
#include "record.h"

static void put_str(zhs_buf *b, const char *s, size_t n)
{
    zhs_buf_put_varint(b, n);
    zhs_buf_append(b, s, n);
}

bool zhs_record_encode(zhs_buf *b, const zhs_passage *p)
{
    const char *f[5] = {p->id, p->title, p->heading, p->label, p->path};
    for (int i = 0; i < 5; i++) put_str(b, f[i] ? f[i] : "", f[i] ? strlen(f[i]) : 0);
    zhs_buf_put_varint(b, p->line);
    put_str(b, p->text ? p->text : "", p->text ? p->text_len : 0);
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

static bool parse(const uint8_t **pp, const uint8_t *end, const uint8_t *f[6], size_t n[6], uint64_t *line)
{
    const uint8_t *p = *pp;
    for (int i = 0; i < 5; i++)
        if (!get_str(&p, end, &f[i], &n[i])) return false;
    if (!zhs_varint_get(&p, end, line) || !get_str(&p, end, &f[5], &n[5])) return false;
    *pp = p;
    return true;
}

bool zhs_record_skip(const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *f[6];
    size_t n[6];
    uint64_t line;
    return parse(pp, end, f, n, &line);
}

int zhs_record_decode(const uint8_t **pp, const uint8_t *end, zhs_buf *out, zhs_passage *p)
{
    const uint8_t *f[6];
    size_t n[6];
    uint64_t line;
    if (!parse(pp, end, f, n, &line)) return ZHS_ECORRUPT;
    size_t len0 = out->len;
    /* The source may live inside out itself: remember offsets, not
    ** pointers, across appends that can move it. */
    bool inside = out->data && f[0] >= (const uint8_t *)out->data && f[0] < (const uint8_t *)out->data + out->cap;
    size_t src_off[6], dst_off[6];
    for (int i = 0; i < 6; i++) src_off[i] = inside ? (size_t)(f[i] - (const uint8_t *)out->data) : 0;
    for (int i = 0; i < 6; i++) {
        dst_off[i] = out->len;
        const void *src = inside ? (const void *)(out->data + src_off[i]) : (const void *)f[i];
        if (!zhs_buf_reserve(out, n[i] + 1)) {
            out->len = len0;
            return ZHS_ENOMEM;
        }
        if (inside) src = out->data + src_off[i];
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
    return ZHS_OK;
}
