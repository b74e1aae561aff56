/*
** common.c — errors, buffers, arenas, UTF-8 and varints.
*/
#include "common.h"

#include <stdio.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- errors */

void zhs_error_clear(zhs_error *err)
{
    if (err) {
        err->code = 0;
        err->message[0] = 0;
    }
}

int zhs_fail(zhs_error *err, int code, const char *fmt, ...)
{
    if (err && err->code == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return err && err->code ? err->code : code;
}

const char *zhs_status_name(int code)
{
    switch (code) {
    case ZHS_OK: return "ok";
    case ZHS_DONE: return "done";
    case ZHS_EINVAL: return "invalid argument";
    case ZHS_ENOMEM: return "out of memory";
    case ZHS_EIO: return "i/o error";
    case ZHS_ECORRUPT: return "corrupt index";
    case ZHS_EVERSION: return "unsupported index version";
    case ZHS_EANALYZER: return "analyzer mismatch";
    case ZHS_EQUERY: return "bad query";
    case ZHS_EICU: return "ICU error";
    case ZHS_EXAPIAN: return "Xapian error";
    case ZHS_ENOTFOUND: return "not found";
    case ZHS_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

/* ---------------------------------------------------------------- buffers */

void zhs_buf_init(zhs_buf *b) { memset(b, 0, sizeof *b); }

void zhs_buf_free(zhs_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

bool zhs_buf_reserve(zhs_buf *b, size_t extra)
{
    if (b->oom) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) { b->oom = true; return false; }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) { b->oom = true; return false; }
    b->data = p;
    b->cap = cap;
    return true;
}

bool zhs_grow_to(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : (first ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2) return false;
        n *= 2;
    }
    if (n > SIZE_MAX / size) return false;
    void *old;
    memcpy(&old, arr, sizeof old);
    void *p = realloc(old, n * size);
    if (!p) return false;
    memcpy(arr, &p, sizeof p);
    *cap = n;
    return true;
}

bool zhs_buf_append_grow(zhs_buf *b, const void *p, size_t n)
{
    if (!zhs_buf_reserve(b, n)) return false;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}


bool zhs_buf_printf(zhs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !zhs_buf_reserve(b, (size_t)n)) return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

bool zhs_buf_put_varint(zhs_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return zhs_buf_append(b, tmp, n);
}

bool zhs_buf_put_u32(zhs_buf *b, uint32_t v)
{
    uint8_t t[4];
    zhs_set_u32(t, v);
    return zhs_buf_append(b, t, 4);
}

bool zhs_buf_put_u64(zhs_buf *b, uint64_t v)
{
    return zhs_buf_put_u32(b, (uint32_t)v) && zhs_buf_put_u32(b, (uint32_t)(v >> 32));
}

const char *zhs_buf_cstr(zhs_buf *b) { return b->data ? b->data : ""; }

bool zhs_varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (p >= end) return false;
        uint8_t c = *p++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            *pp = p;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- arenas */

struct zhs_arena_chunk {
    zhs_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void zhs_arena_init(zhs_arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->total = 0;
}

void *zhs_arena_alloc(zhs_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->size - a->head->used < n) {
        size_t size = n > a->chunk_size ? n : a->chunk_size;
        zhs_arena_chunk *c = malloc(sizeof *c + size);
        if (!c) return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    a->total += n;
    return p;
}

void *zhs_arena_calloc(zhs_arena *a, size_t n)
{
    void *p = zhs_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *zhs_arena_strndup(zhs_arena *a, const char *s, size_t n)
{
    char *p = zhs_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

void zhs_arena_reset(zhs_arena *a)
{
    /* Keep the oldest chunk (the tail): steady-state use then allocates
    ** nothing. */
    zhs_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        zhs_arena_chunk *next = c->next;
        if (!next) keep = c;
        else free(c);
        c = next;
    }
    if (keep) keep->used = 0;
    a->head = keep;
    a->total = 0;
}

zhs_arena_mark zhs_arena_save(const zhs_arena *a)
{
    return (zhs_arena_mark){a->head, a->head ? a->head->used : 0, a->total};
}

void zhs_arena_rewind(zhs_arena *a, zhs_arena_mark m)
{
    while (a->head && a->head != m.head) {
        zhs_arena_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
    if (a->head) a->head->used = m.used;
    a->total = m.total;
}

void zhs_arena_free(zhs_arena *a)
{
    zhs_arena_chunk *c = a->head;
    while (c) {
        zhs_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---------------------------------------------------------------- UTF-8 */

size_t zhs_ascii_word_at(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (const char *w = word; *w; w++) {
        if (i >= n) return 0;
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        cp = zhs_fold_fullwidth(cp);
        if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
        if (cp != (unsigned char)*w) return 0;
        i += l;
    }
    return i;
}

size_t zhs_utf8_decode_any(const char *s, size_t n, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else { *cp = 0xFFFD; return 1; }
    size_t i;
    for (i = 1; i < len; i++) {
        if (i >= n || (p[i] & 0xC0) != 0x80) break;
        v = (v << 6) | (p[i] & 0x3F);
        /* Reject overlongs and surrogates as early as the second byte so
        ** that the invalid prefix is maximal (as ICU and WHATWG count). */
        if (i == 1) {
            if (c == 0xE0 && p[1] < 0xA0) break;
            if (c == 0xED && p[1] > 0x9F) break;
            if (c == 0xF0 && p[1] < 0x90) break;
            if (c == 0xF4 && p[1] > 0x8F) break;
        }
    }
    if (i < len || v < min || v > 0x10FFFF) {
        *cp = 0xFFFD;
        return i ? i : 1;
    }
    *cp = v;
    return len;
}

size_t zhs_utf8_sanitize(zhs_buf *dst, const char *src, size_t n)
{
    size_t bad = 0, i = 0, run = 0;
    zhs_buf_reserve(dst, n);
    while (i < n) {
        if ((uint8_t)src[i] < 0x80) { i++; continue; }
        uint32_t cp;
        size_t l = zhs_utf8_decode(src + i, n - i, &cp);
        if (cp == 0xFFFD && !(l == 3 && memcmp(src + i, "\xEF\xBF\xBD", 3) == 0)) {
            zhs_buf_append(dst, src + run, i - run);
            zhs_buf_append(dst, "\xEF\xBF\xBD", 3);
            bad++;
            i += l;
            run = i;
            continue;
        }
        i += l;
    }
    zhs_buf_append(dst, src + run, n - run);
    return bad;
}

size_t zhs_utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((uint8_t)s[i] & 0xC0) != 0x80) c++;
    return c;
}

bool zhs_is_han(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x323AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           cp == 0x3007;
}

bool zhs_is_cjk_punct(uint32_t cp)
{
    return (cp >= 0x3000 && cp <= 0x303F && cp != 0x3007) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0xFE10 && cp <= 0xFE1F) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || cp == 0x2014 || cp == 0x2026 ||
           cp == 0x2018 || cp == 0x2019 || cp == 0x201C || cp == 0x201D || cp == 0x00B7;
}

size_t zhs_utf8_valid_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Most text is ASCII or valid CJK: skip ASCII eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        if ((unsigned char)s[i] < 0x80) { i++; continue; }
        /* a well-formed three-byte sequence (Han text) is valid, U+FFFD
        ** included: tested here without decoding it (the corpus reader
        ** checks every file, on the build's critical thread) */
        size_t at = i;
        for (const uint8_t *p = (const uint8_t *)s + i;
             i + 3 <= n && (p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
             (p[0] != 0xE0 || p[1] >= 0xA0) && (p[0] != 0xED || p[1] < 0xA0);
             p += 3)
            i += 3;
        if (i > at) continue;
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        if (cp == 0xFFFD && !(l == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0)) return i;
        i += l;
    }
    return n;
}
