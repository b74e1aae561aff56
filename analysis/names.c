/*
** names.c — the key a law's name and a title are compared on, see names.h.
*/
#include "names.h"

static const char PRC[] = "\xE4\xB8\xAD\xE5\x8D\x8E\xE4\xBA\xBA\xE6\xB0\x91\xE5\x85\xB1\xE5\x92\x8C\xE5\x9B\xBD"; /* 中华人民共和国 */

int zhs_name_key(zhs_buf *out, zhs_analyzer *an, const char *s, size_t n, zhs_error *err)
{
    zhs_buf_reset(out);
    const zhs_token *tok;
    size_t nt;
    if (zhs_analyzer_run(an, &tok, &nt, s, n, err)) return err->code;
    bool chars = false;
    for (size_t i = 0; i < nt; i++) chars |= tok[i].kind == ZHS_TOKEN_CHAR;
    /* tokens come grouped by kind; put the units back in text order */
    uint32_t last = 0;
    bool first = true;
    for (;;) {
        const zhs_token *next = NULL;
        for (size_t i = 0; i < nt; i++) {
            const zhs_token *t = &tok[i];
            bool unit = t->kind == ZHS_TOKEN_LATIN || t->kind == ZHS_TOKEN_NUMBER ||
                        (chars ? t->kind == ZHS_TOKEN_CHAR : t->kind == ZHS_TOKEN_WORD);
            if (unit && (first || t->position > last) && (!next || t->position < next->position)) next = t;
        }
        if (!next) break;
        zhs_buf_append(out, next->text, next->len);
        last = next->position;
        first = false;
    }
    zhs_buf_cstr(out);
    if (out->oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory comparing a law's name with titles");
    size_t p = sizeof PRC - 1;
    if (out->len > p && !memcmp(out->data, PRC, p)) {
        memmove(out->data, out->data + p, out->len - p + 1);
        out->len -= p;
    }
    return ZHS_OK;
}

int zhs_name_key_fn(void *an, const char *s, size_t n, zhs_buf *out, zhs_error *err)
{
    return zhs_name_key(out, an, s, n, err);
}
