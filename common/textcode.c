/*
** textcode.c — the stored text's character code, see textcode.h.
*/
#include "textcode.h"

#include <stdlib.h>

#define ESCAPE 0xFF
#define RAW_BYTE 0x800000u

/* The length of the valid UTF-8 character at s (n > 0 bytes left) and
** *cp, or 0 when s does not start one: coding the character again then
** gives back exactly these bytes. */
static size_t utf8_char(const uint8_t *s, size_t n, uint32_t *cp)
{
    size_t len = zhs_utf8_decode((const char *)s, n, cp);
    /* U+FFFD also stands for an invalid sequence */
    if (*cp == 0xFFFD && !(len == 3 && memcmp(s, "\xEF\xBF\xBD", 3) == 0)) return 0;
    return len;
}

void zhs_textcode_count(uint32_t *counts, const uint8_t *s, size_t n)
{
    for (size_t i = 0, len; i < n; i += len ? len : 1) {
        uint32_t c;
        len = utf8_char(s + i, n - i, &c);
        if (len && c >= 0x80 && c < 0x10000 && counts[c] < UINT32_MAX) counts[c]++;
    }
}

typedef struct ranked {
    uint32_t count;
    uint16_t cp;
} ranked;

static int by_count(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return (x->cp > y->cp) - (x->cp < y->cp);
}

uint32_t zhs_textcode_table(zhs_buf *out, const uint32_t *counts)
{
    ranked *r = malloc(0x10000 * sizeof *r);
    if (!r) {
        out->oom = true;
        return 0;
    }
    uint32_t n = 0;
    for (uint32_t c = 0x80; c < 0x10000; c++)
        if (counts[c] && (c < 0xD800 || c > 0xDFFF)) r[n++] = (ranked){counts[c], (uint16_t)c};
    qsort(r, n, sizeof *r, by_count);
    if (n > ZHS_TEXTCODE_MAX) n = ZHS_TEXTCODE_MAX;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b[2] = {(uint8_t)r[i].cp, (uint8_t)(r[i].cp >> 8)};
        zhs_buf_append(out, b, 2);
    }
    free(r);
    return out->oom ? 0 : n;
}

static uint16_t entry(const uint8_t *table, uint32_t i)
{
    return (uint16_t)(table[2 * i] | table[2 * i + 1] << 8);
}

bool zhs_textcode_valid(const uint8_t *table, uint32_t n)
{
    if (n > ZHS_TEXTCODE_MAX) return false;
    uint8_t seen[0x10000 / 8] = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint16_t c = entry(table, i);
        if (c < 0x80 || (c >= 0xD800 && c <= 0xDFFF) || (seen[c >> 3] >> (c & 7) & 1)) return false;
        seen[c >> 3] |= (uint8_t)(1u << (c & 7));
    }
    return true;
}

void zhs_textcode_ranks(zhs_textcode *tc, uint16_t *rank)
{
    memset(rank, 0, 0x10000 * sizeof *rank);
    for (uint32_t i = 0; i < tc->n; i++) rank[entry(tc->table, i)] = (uint16_t)(i + 1);
    tc->rank = rank;
}

bool zhs_textcode_encode(zhs_buf *out, const uint8_t *s, size_t n, const zhs_textcode *tc)
{
    /* a character never takes more than 4 coded bytes, a raw byte 4 */
    if (!zhs_buf_reserve(out, 4 * n)) return false;
    uint8_t *o = (uint8_t *)out->data + out->len, *o0 = o;
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        size_t len = utf8_char(s + i, n - i, &c);
        if (len == 1) {
            *o++ = (uint8_t)c;
            i++;
            continue;
        }
        uint32_t r = len && c < 0x10000 && tc->rank ? tc->rank[c] : 0;
        if (r > 0 && r <= ZHS_TEXTCODE_ONE) {
            *o++ = (uint8_t)(0x80 + r - 1);
        } else if (r > 0) {
            uint32_t k = r - 1 - ZHS_TEXTCODE_ONE;
            *o++ = (uint8_t)(0xE0 + (k >> 8));
            *o++ = (uint8_t)(k & 0xFF);
        } else {
            uint32_t v = len ? c : RAW_BYTE | s[i];
            *o++ = ESCAPE;
            *o++ = (uint8_t)v;
            *o++ = (uint8_t)(v >> 8);
            *o++ = (uint8_t)(v >> 16);
        }
        i += len ? len : 1;
    }
    out->len += (size_t)(o - o0);
    return true;
}

int zhs_textcode_decode(zhs_buf *out, const uint8_t *s, size_t n, const zhs_textcode *tc)
{
    if (!zhs_buf_reserve(out, zhs_textcode_decoded_max(n))) return ZHS_ENOMEM;
    uint8_t *o = (uint8_t *)out->data + out->len, *o0 = o;
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i++];
        uint32_t k;
        if (b < 0x80) {
            *o++ = b;
            continue;
        } else if (b < 0xE0) {
            k = b - 0x80u;
        } else if (b < ESCAPE) {
            if (i == n) return ZHS_ECORRUPT;
            k = ZHS_TEXTCODE_ONE + ((b - 0xE0u) << 8 | s[i++]);
        } else {
            if (n - i < 3) return ZHS_ECORRUPT;
            uint32_t v = s[i] | (uint32_t)s[i + 1] << 8 | (uint32_t)s[i + 2] << 16;
            i += 3;
            if (v >= RAW_BYTE) {
                if (v > (RAW_BYTE | 0xFF)) return ZHS_ECORRUPT;
                *o++ = (uint8_t)v;
            } else {
                if (v < 0x80 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return ZHS_ECORRUPT;
                o += zhs_utf8_encode(v, (char *)o);
            }
            continue;
        }
        if (k >= tc->n) return ZHS_ECORRUPT;
        o += zhs_utf8_encode(entry(tc->table, k), (char *)o);
    }
    out->len += (size_t)(o - o0);
    return ZHS_OK;
}
