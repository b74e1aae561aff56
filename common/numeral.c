/*
** numeral.c — see numeral.h.
*/
#include "numeral.h"
#include "common.h"

#include <stdio.h>

/* The value of a digit character, or -1; the unit (10, 100, 1000, 10000)
** of a unit character in *unit, else 0. */
static int digit_of(uint32_t cp, uint32_t *unit)
{
    *unit = 0;
    if (cp >= '0' && cp <= '9') return (int)(cp - '0');
    if (cp >= 0xFF10 && cp <= 0xFF19) return (int)(cp - 0xFF10);
    switch (cp) {
    case 0x3007: case 0x96F6: return 0;                 /* 〇 零 */
    case 0x4E00: return 1;                              /* 一 */
    case 0x4E8C: case 0x4E24: case 0x5169: return 2;    /* 二 两 兩 */
    case 0x4E09: return 3;
    case 0x56DB: return 4;
    case 0x4E94: return 5;
    case 0x516D: return 6;
    case 0x4E03: return 7;
    case 0x516B: return 8;
    case 0x4E5D: return 9;
    case 0x5341: *unit = 10; return -1;                 /* 十 */
    case 0x767E: *unit = 100; return -1;                /* 百 */
    case 0x5343: *unit = 1000; return -1;               /* 千 */
    case 0x4E07: case 0x842C: *unit = 10000; return -1; /* 万 萬 */
    default: return -1;
    }
}

static bool is_ascii_or_fw_digit(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
}

bool zhs_numeral_char(uint32_t cp)
{
    uint32_t unit;
    return digit_of(cp, &unit) >= 0 || unit != 0;
}

size_t zhs_numeral_parse(const char *s, size_t n, uint32_t *value)
{
    uint64_t total = 0, section = 0, pending = 0;
    bool any = false, prev_digit = false, arabic = false;
    size_t i = 0;
    while (i < n) {
        uint32_t cp, unit;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        if (!l) break;
        int d = digit_of(cp, &unit);
        if (d < 0 && !unit) break;
        bool ar = is_ascii_or_fw_digit(cp);
        /* Arabic digits do not mix with Chinese units (第1百条 is no
        ** citation anyone writes); stop where the kind changes. */
        if (any && ar != arabic && (ar || unit)) break;
        if (!any) arabic = ar;
        if (d >= 0) {
            /* Digits in a row are positional (一〇五, 1165); after a unit a
            ** digit starts a new place (一百零五: 零 then 五). */
            pending = prev_digit ? pending * 10 + (uint64_t)d : (uint64_t)d;
            prev_digit = true;
        } else if (unit == 10000) {
            if (!any) break;
            total = (total + section + pending) * 10000;
            section = pending = 0;
            prev_digit = false;
        } else {
            /* 十 alone or leading is ten (十三); 百/千 without a digit too */
            section += (pending ? pending : 1) * unit;
            pending = 0;
            prev_digit = false;
        }
        any = true;
        i += l;
        if (total + section + pending > ZHS_NUMERAL_MAX) return 0;
    }
    if (!any) return 0;
    *value = (uint32_t)(total + section + pending);
    return i;
}

static const char *const cn_digit[10] = {
    "\xE9\x9B\xB6", "\xE4\xB8\x80", "\xE4\xBA\x8C", "\xE4\xB8\x89", "\xE5\x9B\x9B",
    "\xE4\xBA\x94", "\xE5\x85\xAD", "\xE4\xB8\x83", "\xE5\x85\xAB", "\xE4\xB9\x9D",
};  /* 零一二三四五六七八九 */
static const char *const cn_unit[4] = {"", "\xE5\x8D\x81", "\xE7\x99\xBE", "\xE5\x8D\x83"};  /* 十百千 */

/* Where a numeral is written.  The longest (九千九百九十九万九千九百九十九)
** is 15 characters of 3 bytes and a 零 adds at most one more, so 64 bytes
** on the stack always hold one and formatting never allocates: record.c
** formats labels while reading a store, where running out of memory must
** not change what is read. */
typedef struct numeral_out {
    char s[64];
    size_t len;
} numeral_out;

static void out_puts(numeral_out *o, const char *s)
{
    size_t l = strlen(s);
    memcpy(o->s + o->len, s, l);
    o->len += l;
}

/* One group of four digits (1..9999).  inner: the group follows 万, so a
** gap before its first digit is written 零 (二万零一百); leading_ten: the
** group starts the number, where ten is 十 and not 一十 (十三). */
static void format_group(numeral_out *o, uint32_t g, bool inner, bool leading_ten)
{
    uint32_t place[4] = {g / 1000, g / 100 % 10, g / 10 % 10, g % 10};
    bool zero = false, started = false;
    for (int p = 0; p < 4; p++) {
        uint32_t d = place[p];
        int u = 3 - p;
        if (d == 0) {
            if (started || inner) zero = true;
            continue;
        }
        if (zero && (started || inner)) out_puts(o, cn_digit[0]);
        zero = false;
        /* 十三, not 一十三, when ten leads the whole number */
        if (!(u == 1 && d == 1 && !started && leading_ten)) out_puts(o, cn_digit[d]);
        out_puts(o, cn_unit[u]);
        started = true;
    }
}

size_t zhs_numeral_format(char *out, size_t cap, uint32_t value)
{
    if (value > ZHS_NUMERAL_MAX || cap == 0) return 0;
    numeral_out o = {.len = 0};
    if (value == 0) {
        out_puts(&o, cn_digit[0]);
    } else {
        uint32_t hi = value / 10000, lo = value % 10000;
        if (hi) {
            format_group(&o, hi, false, true);
            out_puts(&o, "\xE4\xB8\x87");  /* 万 */
        }
        if (lo) format_group(&o, lo, hi != 0 && lo < 1000, hi == 0);
    }
    if (o.len + 1 > cap) return 0;
    memcpy(out, o.s, o.len);
    out[o.len] = 0;
    return o.len;
}

static bool lit(const char *s, size_t n, size_t i, const char *a, const char *b)
{
    size_t la = strlen(a);
    if (n - i >= la && memcmp(s + i, a, la) == 0) return true;
    return b && n - i >= strlen(b) && memcmp(s + i, b, strlen(b)) == 0;
}

#define DI "\xE7\xAC\xAC"       /* 第 */
#define TIAO "\xE6\x9D\xA1"     /* 条 */
#define TIAO_T "\xE6\xA2\x9D"   /* 條 */
#define ZHI "\xE4\xB9\x8B"      /* 之 */
#define KUAN "\xE6\xAC\xBE"     /* 款 */
#define XIANG "\xE9\xA1\xB9"    /* 项 */
#define XIANG_T "\xE9\xA0\x85"  /* 項 */

/* 第<numeral><unit> at i: the number and the bytes, or 0. */
static size_t di_unit(const char *s, size_t n, size_t i, const char *unit, const char *unit_t, uint32_t *v)
{
    if (!lit(s, n, i, DI, NULL)) return 0;
    size_t k = zhs_numeral_parse(s + i + 3, n - i - 3, v);
    if (!k || *v == 0 || !lit(s, n, i + 3 + k, unit, unit_t)) return 0;
    return 3 + k + 3;
}

size_t zhs_article_ref_parse(const char *s, size_t n, zhs_article_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    size_t i = di_unit(s, n, 0, TIAO, TIAO_T, &ref->article);
    if (!i) return 0;
    uint32_t v;
    if (lit(s, n, i, ZHI, NULL)) {
        size_t k = zhs_numeral_parse(s + i + 3, n - i - 3, &v);
        if (k && v) {
            ref->sub = v;
            i += 3 + k;
        }
    }
    size_t k = di_unit(s, n, i, KUAN, NULL, &v);
    if (k) {
        ref->para = v;
        i += k;
    }
    k = di_unit(s, n, i, XIANG, XIANG_T, &v);
    if (k) {
        ref->item = v;
        i += k;
    }
    return i;
}

size_t zhs_article_ref_find(const char *s, size_t n, zhs_article_ref *ref, size_t *len)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        if ((uint8_t)s[i] != 0xE7) continue;
        size_t l = zhs_article_ref_parse(s + i, n - i, ref);
        if (l) {
            *len = l;
            return i;
        }
    }
    *len = 0;
    return n;
}

size_t zhs_article_key(char *out, uint32_t article, uint32_t sub)
{
    int k = sub ? snprintf(out, ZHS_ARTICLE_KEY_MAX, "A%u-%u", article, sub)
                : snprintf(out, ZHS_ARTICLE_KEY_MAX, "A%u", article);
    return k > 0 ? (size_t)k : 0;
}
