/*
** text.c — small UTF-8 helpers the cleaning steps share: whitespace that
** includes the ideographic space, first and last code points, validation.
*/
#include "corpus_int.h"

/* U+2000..U+200B (en, em, thin... spaces, and the zero-width space that
** fills otherwise blank lines in the laws corpus), U+202F, U+205F. */
static bool general_space(unsigned char b1, unsigned char b2)
{
    return (b1 == 0x80 && b2 >= 0x80 && b2 <= 0x8B) || (b1 == 0x80 && b2 == 0xAF) ||
           (b1 == 0x81 && b2 == 0x9F);
}

/* Length of the whitespace character at s, 0 if s starts with something
** else.  Besides ASCII blanks: U+3000 (Chinese indentation and padding),
** U+00A0 (pasted from the web), U+FEFF (a BOM left in the middle by
** concatenated files) and the general punctuation spaces (the laws corpus
** pads "第一章  总则" with U+2002). */
static size_t space_at(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') return 1;
    if (c < 0xC2) return 0;
    if (c == 0xE3 && n >= 3 && s[1] == 0x80 && s[2] == 0x80) return 3;
    if (c == 0xC2 && n >= 2 && s[1] == 0xA0) return 2;
    if (c == 0xEF && n >= 3 && s[1] == 0xBB && s[2] == 0xBF) return 3;
    if (c == 0xE2 && n >= 3 && general_space(s[1], s[2])) return 3;
    return 0;
}

/* The same, for the character that ends s[0..n).  Lead bytes never occur
** as continuation bytes, so matching the whole sequence is enough to know
** it is aligned. */
static size_t space_before(const unsigned char *s, size_t n)
{
    unsigned char c = s[n - 1];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') return 1;
    if (n >= 3 && s[n - 3] == 0xE3 && s[n - 2] == 0x80 && c == 0x80) return 3;
    if (n >= 2 && s[n - 2] == 0xC2 && c == 0xA0) return 2;
    if (n >= 3 && s[n - 3] == 0xEF && s[n - 2] == 0xBB && c == 0xBF) return 3;
    if (n >= 3 && s[n - 3] == 0xE2 && general_space(s[n - 2], c)) return 3;
    return 0;
}

size_t corpus_space_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    while (i < n && (k = space_at(u + i, n - i)) != 0) i += k;
    return i;
}

size_t corpus_space_suffix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = n, k;
    while (i > 0 && (k = space_before(u, i)) != 0) i -= k;
    return n - i;
}

void corpus_trim(const char **s, size_t *n)
{
    size_t lead = corpus_space_prefix(*s, *n);
    *s += lead;
    *n -= lead;
    *n -= corpus_space_suffix(*s, *n);
}

uint32_t corpus_first_cp(const char *s, size_t n)
{
    uint32_t cp = 0;
    if (n) zhs_utf8_decode(s, n, &cp);
    return cp;
}

uint32_t corpus_last_cp(const char *s, size_t n)
{
    if (!n) return 0;
    size_t i = n - 1;
    while (i > 0 && n - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    uint32_t cp;
    zhs_utf8_decode(s + i, n - i, &cp);
    return cp;
}

bool corpus_collapse_spaces(zhs_buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    bool pending = false, any = false;
    size_t i = 0;
    while (i < n) {
        size_t k = space_at(u + i, n - i);
        if (k) {
            pending = any;
            i += k;
            continue;
        }
        size_t j = i + 1;
        while (j < n && !space_at(u + j, n - j)) j++;
        if (pending) zhs_buf_putc(out, ' ');
        zhs_buf_append(out, s + i, j - i);
        pending = false;
        any = true;
        i = j;
    }
    return !out->oom;
}

size_t corpus_find(const char *s, size_t n, const char *needle, size_t m)
{
    if (m == 0) return 0;
    size_t i = 0;
    while (i + m <= n) {
        const char *p = memchr(s + i, needle[0], n - i - m + 1);
        if (!p) break;
        i = (size_t)(p - s);
        if (memcmp(p, needle, m) == 0) return i;
        i++;
    }
    return n;
}
