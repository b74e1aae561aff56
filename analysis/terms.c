/*
** terms.c — token -> term key, see terms.h.
*/
#include "terms.h"
#include "numeral.h"

#include <stdlib.h>

size_t zhs_term_key(char *out, const zhs_token *t, bool title_field)
{
    size_t n = 0;
    if (title_field) out[n++] = 'T';
    if (t->kind == ZHS_TOKEN_BIGRAM) out[n++] = 'B';
    else if (t->kind == ZHS_TOKEN_CHAR) out[n++] = 'U';
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

bool zhs_term_is_long_han_word(const char *key, size_t len)
{
    size_t i = 0;
    if (len && key[0] == 'T') i = 1;
    if (i < len && (key[i] == 'B' || key[i] == 'U')) return false;
    uint32_t cp;
    size_t l = i < len ? zhs_utf8_decode(key + i, len - i, &cp) : 0;
    return l && zhs_is_han(cp) && zhs_utf8_count(key + i, len - i) >= 2;
}

/* ---------------------------------------------------------------- passages */

void zhs_passage_terms_init(zhs_passage_terms *pt, unsigned title_weight)
{
    memset(pt, 0, sizeof *pt);
    pt->title_weight = title_weight;
    zhs_buf_init(&pt->keys);
    zhs_buf_init(&pt->title_keys);
}

void zhs_passage_terms_free(zhs_passage_terms *pt)
{
    free(pt->t);
    free(pt->title_pos);
    free(pt->title);
    zhs_buf_free(&pt->keys);
    zhs_buf_free(&pt->title_keys);
    memset(pt, 0, sizeof *pt);
}

static bool push_term(zhs_passage_terms *pt, const char *prefix, size_t pl, const char *key, size_t kl,
                      uint32_t pos)
{
    if (pt->n == pt->cap) {
        size_t cap = pt->cap ? pt->cap * 2 : 1024;
        zhs_pterm *t = realloc(pt->t, cap * sizeof *t);
        if (!t) return false;
        pt->t = t;
        pt->cap = cap;
    }
    if (pt->keys.len + pl + kl + 1 > UINT32_MAX) return false;
    zhs_pterm *t = &pt->t[pt->n++];
    t->off = (uint32_t)pt->keys.len;
    t->len = (uint32_t)(pl + kl);
    t->pos = pos;
    zhs_buf_append(&pt->keys, prefix, pl);
    zhs_buf_append(&pt->keys, key, kl);
    zhs_buf_putc(&pt->keys, 0);
    return !pt->keys.oom;
}

int zhs_passage_terms_title(zhs_passage_terms *pt, zhs_analyzer *an, const char *title, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (!title) title = "";
    pt->title_changed = !pt->title || strcmp(pt->title, title) != 0;
    if (!pt->title_changed) return ZHS_OK;
    free(pt->title);
    pt->title = strdup(title);
    pt->title_ntok = 0;
    pt->title_units = 0;
    zhs_buf_reset(&pt->title_keys);
    if (!pt->title) return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing a title");
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, title, strlen(title), err)) {
        free(pt->title);        /* analyze it again next time */
        pt->title = NULL;
        return err->code;
    }
    if (n > pt->title_cap) {
        uint32_t *p = realloc(pt->title_pos, n * sizeof *p);
        if (!p) goto oom;
        pt->title_pos = p;
        pt->title_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        char key[ZHS_TERM_MAX + 4];
        size_t kl = zhs_term_key(key, &tok[i], false);
        zhs_buf_append(&pt->title_keys, key, kl + 1);
        pt->title_pos[i] = tok[i].position;
        if (tok[i].position + 1 > pt->title_units) pt->title_units = tok[i].position + 1;
    }
    if (pt->title_keys.oom) goto oom;
    pt->title_ntok = n;
    return ZHS_OK;
oom:
    free(pt->title);
    pt->title = NULL;
    pt->title_ntok = 0;
    return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing a title");
}

int zhs_passage_terms_text(zhs_passage_terms *pt, const zhs_token *tok, size_t n, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    pt->n = 0;
    zhs_buf_reset(&pt->keys);
    const char *k = pt->title_keys.data;
    for (size_t i = 0; i < pt->title_ntok; i++) {
        size_t kl = strlen(k);
        for (unsigned r = 0; r < pt->title_weight; r++)
            if (!push_term(pt, "", 0, k, kl, pt->title_pos[i])) goto oom;
        if (!push_term(pt, "T", 1, k, kl, pt->title_pos[i])) goto oom;
        k += kl + 1;
    }
    pt->ntitle = pt->n;
    uint32_t shift = pt->title_units ? pt->title_units + 1 : 0;
    for (size_t i = 0; i < n; i++) {
        char key[ZHS_TERM_MAX + 4];
        size_t kl = zhs_term_key(key, &tok[i], false);
        if (!push_term(pt, "", 0, key, kl, tok[i].position + shift)) goto oom;
    }
    pt->length = (uint32_t)(pt->title_ntok * pt->title_weight + n);
    return ZHS_OK;
oom:
    return zhs_fail(err, ZHS_ENOMEM, "out of memory collecting a passage's terms");
}

int zhs_passage_terms_run(zhs_passage_terms *pt, zhs_analyzer *an, const zhs_passage *p, zhs_error *err)
{
    if (zhs_passage_terms_title(pt, an, p->title, err)) return err->code;
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, p->text ? p->text : "", p->text ? p->text_len : 0, err))
        return err->code;
    if (zhs_passage_terms_text(pt, tok, n, err)) return err->code;
    return zhs_passage_terms_label(pt, p->label, err);
}

int zhs_passage_terms_label(zhs_passage_terms *pt, const char *label, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_article_ref ref;
    size_t n = label ? strlen(label) : 0;
    if (!n || !zhs_article_ref_parse(label, n, &ref)) return ZHS_OK;
    char key[ZHS_ARTICLE_KEY_MAX];
    size_t kl = zhs_article_key(key, ref.article, ref.sub);
    /* position 0: the term has no positions (zhs_term_is_label); length
    ** unchanged, so BM25 scores the text as before */
    if (!push_term(pt, "", 0, key, kl, 0))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory collecting a passage's terms");
    return ZHS_OK;
}

bool zhs_term_is_label(const char *key, size_t len)
{
    return len > 1 && key[0] == 'A';
}

bool zhs_term_is_char(const char *key, size_t len)
{
    size_t i = len && key[0] == 'T' ? 1 : 0;
    return i < len && key[i] == 'U';
}
