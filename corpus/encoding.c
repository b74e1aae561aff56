/*
** encoding.c — what a file's bytes are when they are not UTF-8.
**
** Governance text from older systems comes as GB18030/GBK (mainland
** software's legacy encoding) or as UTF-16 (Windows "Unicode" exports).
** Indexing either as UTF-8 would replace nearly every character by U+FFFD
** and index junk, so a file that is mostly not UTF-8 is read as GB18030
** when it decodes as such without a single error, and a UTF-16 file with a
** byte order mark is converted; the caller warns either way.  Both go
** through ICU's converters, strictly (the first error stops them).
*/
#include "corpus_int.h"

#include <stdlib.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

/* Whether s[0..n) holds three times more invalid UTF-8 sequences than
** valid non-ASCII characters, and at least 4: GBK text is about ten
** times more (a GBK pair of lead C2-DF and trail 80-BF, one in twelve, is
** valid UTF-8 by chance); a UTF-8 file with stray Latin-1 bytes, a handful
** among its characters. */
bool corpus_mostly_invalid(const char *s, size_t n, size_t invalid)
{
    if (invalid < 4) return false;
    size_t valid = 0;
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        valid += zhs_utf8_valid_prefix(s + i, l) == l;
        i += l;
    }
    return invalid > 3 * valid;
}

/* Decodes s[0..n) from encoding (an ICU converter name) into out as UTF-8,
** stopping at the first invalid byte.  False when it is not that encoding
** or memory ran out (*oom). */
bool corpus_decode(zhs_buf *out, const char *s, size_t n, const char *encoding, bool *oom)
{
    *oom = false;
    UErrorCode st = U_ZERO_ERROR;
    UConverter *cv = ucnv_open(encoding, &st);
    if (U_FAILURE(st)) return false;
    ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    /* a UTF-16 code unit per byte at most, and a terminator */
    if (n > INT32_MAX / 2 - 1) {
        ucnv_close(cv);
        return false;
    }
    UChar *u = malloc((n + 1) * sizeof *u);
    if (!u) {
        ucnv_close(cv);
        *oom = true;
        return false;
    }
    int32_t ul = ucnv_toUChars(cv, u, (int32_t)n + 1, s, (int32_t)n, &st);
    ucnv_close(cv);
    bool ok = U_SUCCESS(st) && st != U_STRING_NOT_TERMINATED_WARNING;
    if (ok) {
        int32_t need = 0;
        UErrorCode s2 = U_ZERO_ERROR;
        u_strToUTF8(NULL, 0, &need, u, ul, &s2);
        zhs_buf_reset(out);
        if (!zhs_buf_reserve(out, (size_t)need + 1)) {
            *oom = true;
            ok = false;
        } else {
            s2 = U_ZERO_ERROR;
            u_strToUTF8(out->data, need + 1, &need, u, ul, &s2);
            ok = U_SUCCESS(s2);
            out->len = ok ? (size_t)need : 0;
        }
    }
    free(u);
    /* a converter can decode into unpaired surrogates or NULs: not text */
    return ok && zhs_utf8_valid_prefix(out->data, out->len) == out->len && !memchr(out->data, 0, out->len);
}

/* Whether UTF-8 text t[0..n), read from UTF-16 without a byte order
** mark, reads as text: at least 32 characters, no control characters but
** tab and line breaks, and 95% of them ASCII, Latin, punctuation, CJK or
** full-width forms (binary bytes taken as UTF-16 are spread over every
** block: CJK holds a third of them). */
static bool plausible_text(const char *t, size_t n)
{
    size_t chars = 0, usual = 0;
    for (size_t i = 0; i < n; chars++) {
        uint32_t cp;
        i += zhs_utf8_decode(t + i, n - i, &cp);
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') return false;
        usual += (cp >= 0x20 && cp < 0x7F) || cp == '\t' || cp == '\n' || cp == '\r' ||
                 (cp >= 0xA0 && cp < 0x180) || (cp >= 0x2000 && cp < 0x2070) || (cp >= 0x3000 && cp < 0x3040) ||
                 (cp >= 0x3400 && cp < 0xA000) || (cp >= 0xFF00 && cp < 0xFFF0);
    }
    return chars >= 32 && usual * 20 >= chars * 19;
}

const char *corpus_read_utf16(zhs_buf *out, const char *s, size_t n, bool *oom)
{
    const unsigned char *u = (const unsigned char *)s;
    *oom = false;
    bool bom = n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF));
    bool cut;
    if (bom) return corpus_decode_cut(out, s, n, "UTF-16", 1, oom, &cut) ? "UTF-16" : NULL;
    if (n % 2) return NULL;
    /* ASCII in UTF-16 puts its zero bytes at odd offsets in little endian,
    ** at even ones in big endian: that order is tried first (an English
    ** text read the wrong way round looks like CJK) */
    size_t zeros[2] = {0, 0};
    for (size_t i = 0; i < n; i++) zeros[i & 1] += u[i] == 0;
    static const char *const le_first[] = {"UTF-16LE", "UTF-16BE"}, *const be_first[] = {"UTF-16BE", "UTF-16LE"};
    const char *const *order = zeros[0] > zeros[1] ? be_first : le_first;
    for (int i = 0; i < 2 && !*oom; i++)
        if (corpus_decode(out, s, n, order[i], oom) && plausible_text(out->data, out->len)) return order[i];
    return NULL;
}

bool corpus_decode_cut(zhs_buf *out, const char *s, size_t n, const char *encoding, size_t cut, bool *oom,
                       bool *was_cut)
{
    *was_cut = false;
    for (size_t k = 0; k <= cut && k < n; k++) {
        if (corpus_decode(out, s, n - k, encoding, oom)) {
            if (k) {
                /* the cut character, as a bad sequence is shown */
                zhs_buf_puts(out, "\xEF\xBF\xBD");
                if (out->oom) {
                    *oom = true;
                    return false;
                }
                *was_cut = true;
            }
            return true;
        }
        if (*oom) return false;
    }
    return false;
}
