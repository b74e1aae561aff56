/*
** terms.c — token -> term key, see terms.h.
*/
#include "terms.h"

size_t zhs_term_key(char *out, const zhs_token *t, bool title_field)
{
    size_t n = 0;
    if (title_field) out[n++] = 'T';
    if (t->kind == ZHS_TOKEN_BIGRAM) out[n++] = 'B';
    size_t len = t->len;
    if (len > ZHS_TERM_MAX) {
        /* Cut before a continuation byte so the key stays valid UTF-8. */
        len = ZHS_TERM_MAX;
        while (len > 0 && ((uint8_t)t->text[len] & 0xC0) == 0x80) len--;
    }
    memcpy(out + n, t->text, len);
    n += len;
    out[n] = 0;
    return n;
}
