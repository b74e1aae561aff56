/*
** terms.c — token -> term key, see terms.h.
*/
#include "terms.h"
#include "numeral.h"
#include "articles.h"
#include "analyzer_int.h"

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
    pt->heading_weight = ZHS_DEFAULT_HEADING_WEIGHT;
    zhs_buf_init(&pt->keys);
    zhs_buf_init(&pt->title.keys);
    zhs_buf_init(&pt->heading.keys);
    zhs_buf_init(&pt->title.term_keys);
    zhs_buf_init(&pt->heading.term_keys);
}

static void field_free(zhs_field_cache *f)
{
    free(f->text);
    free(f->pos);
    zhs_buf_free(&f->keys);
    free(f->terms);
    zhs_buf_free(&f->term_keys);
}

void zhs_passage_terms_free(zhs_passage_terms *pt)
{
    free(pt->t);
    field_free(&pt->title);
    field_free(&pt->heading);
    zhs_buf_free(&pt->keys);
    memset(pt, 0, sizeof *pt);
}

/* Appends a term (prefix + key, NUL-terminated in keys) to the array *t
** of *n terms. */
static bool put_term(zhs_pterm **t, size_t *n, size_t *cap, zhs_buf *keys, const char *prefix, size_t pl,
                     const char *key, size_t kl, uint32_t pos)
{
    if (!zhs_grow(t, cap, *n + 1, sizeof **t, 1024)) return false;
    if (keys->len + pl + kl + 1 > UINT32_MAX) return false;
    zhs_pterm *e = &(*t)[(*n)++];
    e->off = (uint32_t)keys->len;
    e->len = (uint32_t)(pl + kl);
    e->pos = pos;
    zhs_buf_append(keys, prefix, pl);
    zhs_buf_append(keys, key, kl);
    zhs_buf_putc(keys, 0);
    return !keys->oom;
}

static bool push_term(zhs_passage_terms *pt, const char *prefix, size_t pl, const char *key, size_t kl,
                      uint32_t pos)
{
    return put_term(&pt->t, &pt->n, &pt->cap, &pt->keys, prefix, pl, key, kl, pos);
}

bool zhs_passage_terms_push(zhs_passage_terms *pt, const char *prefix, size_t pl, const char *key, size_t kl,
                            uint32_t pos)
{
    return push_term(pt, prefix, pl, key, kl, pos);
}

/* Analyzes text into f unless f holds it already; *changed says which.
** Character tokens are left out when chars is false. */
static int field_run(zhs_field_cache *f, zhs_analyzer *an, const char *text, bool chars, bool *changed,
                     const char *what, zhs_error *err)
{
    if (!text) text = "";
    *changed = !f->text || strcmp(f->text, text) != 0;
    if (!*changed) return ZHS_OK;
    f->terms_valid = false;
    free(f->text);
    f->text = strdup(text);
    f->ntok = 0;
    f->units = 0;
    zhs_buf_reset(&f->keys);
    if (!f->text) return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing a %s", what);
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, text, strlen(text), err)) {
        free(f->text);          /* analyze it again next time */
        f->text = NULL;
        return err->code;
    }
    if (n > f->cap) {
        uint32_t *p = realloc(f->pos, n * sizeof *p);
        if (!p) goto oom;
        f->pos = p;
        f->cap = n;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!chars && tok[i].kind == ZHS_TOKEN_CHAR) continue;
        char key[ZHS_TERM_MAX + 4];
        size_t kl = zhs_term_key(key, &tok[i], false);
        zhs_buf_append(&f->keys, key, kl + 1);
        f->pos[m++] = tok[i].position;
        if (tok[i].position + 1 > f->units) f->units = tok[i].position + 1;
    }
    if (f->keys.oom) goto oom;
    f->ntok = m;
    return ZHS_OK;
oom:
    free(f->text);
    f->text = NULL;
    f->ntok = 0;
    return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing a %s", what);
}

int zhs_passage_terms_title(zhs_passage_terms *pt, zhs_analyzer *an, const char *title, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    /* asked here: the title is analyzed before every passage's text */
    pt->text_start = zhs_analyzer_all_chars(an) ? 0 : 1;
    return field_run(&pt->title, an, title, true, &pt->title_changed, "title", err);
}

int zhs_passage_terms_heading(zhs_passage_terms *pt, zhs_analyzer *an, const char *heading, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    bool changed;
    /* without character terms: a one-character query finds passages by
    ** their text, and the heading, repeated in every passage under it,
    ** would cost many postings for them */
    return field_run(&pt->heading, an, heading, false, &changed, "heading", err);
}

/* The field's terms of a passage: each token's body form `copies` times
** at position 0, and, for the title, its title-field form at its
** position (copies and title are the same for every passage of a
** zhs_passage_terms). */
static bool field_terms(zhs_field_cache *f, unsigned copies, bool title)
{
    f->nterms = 0;
    zhs_buf_reset(&f->term_keys);
    const char *k = f->keys.data;
    for (size_t i = 0; i < f->ntok; i++) {
        size_t kl = strlen(k);
        for (unsigned r = 0; r < copies; r++)
            if (!put_term(&f->terms, &f->nterms, &f->terms_cap, &f->term_keys, "", 0, k, kl, 0)) return false;
        if (title && !put_term(&f->terms, &f->nterms, &f->terms_cap, &f->term_keys, "T", 1, k, kl, f->pos[i]))
            return false;
        k += kl + 1;
    }
    f->terms_valid = true;
    return true;
}

/* Appends a field's terms, made once per field text. */
static bool push_field(zhs_passage_terms *pt, zhs_field_cache *f, unsigned copies, bool title)
{
    if (!f->terms_valid && !field_terms(f, copies, title)) return false;
    size_t base = pt->keys.len, m = f->nterms;
    if (!m) return true;
    if (!zhs_grow(&pt->t, &pt->cap, pt->n + m, sizeof *pt->t, 1024) || base + f->term_keys.len > UINT32_MAX ||
        !zhs_buf_append(&pt->keys, f->term_keys.data, f->term_keys.len))
        return false;
    for (size_t i = 0; i < m; i++) {
        pt->t[pt->n + i] = f->terms[i];
        pt->t[pt->n + i].off += (uint32_t)base;
    }
    pt->n += m;
    return true;
}

/* zhs_term_key of a body token, whose text is followed by ZHS_TOKEN_SLACK
** readable bytes, into out, which has that much room past the key: a
** key of up to 16 bytes (nearly all: a bigram is 6, a character 3) is
** moved as 16, where zhs_term_key's memcpy call per token was 2% of a
** build's instructions with its caller's loop. */
static inline size_t short_key(char *out, const zhs_token *t)
{
    if (t->len > 16) return zhs_term_key(out, t, false);
    size_t n = t->kind == ZHS_TOKEN_BIGRAM || t->kind == ZHS_TOKEN_CHAR;
    out[0] = t->kind == ZHS_TOKEN_BIGRAM ? 'B' : 'U';
    memcpy(out + n, t->text, 16);
    out[n + t->len] = 0;
    return n + t->len;
}

int zhs_passage_terms_text(zhs_passage_terms *pt, const zhs_token *tok, size_t n, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    pt->n = 0;
    zhs_buf_reset(&pt->keys);
    if (!push_field(pt, &pt->title, pt->title_weight, true)) goto oom;
    pt->ntitle = pt->n;
    if (!push_field(pt, &pt->heading, pt->heading_weight, false)) goto oom;
    /* the copies are at 0: the text starts after the longer field's span */
    uint32_t span = pt->title.units > pt->heading.units ? pt->title.units : pt->heading.units;
    uint32_t shift = pt->n ? span + 1 : pt->text_start;
    /* keys written in place: room for the longest each can be (a kind
    ** prefix, the text cut at ZHS_TERM_MAX, a NUL), and for the last
    ** one's 16-byte move */
    size_t room = ZHS_TOKEN_SLACK;
    for (size_t i = 0; i < n; i++) room += (tok[i].len < ZHS_TERM_MAX ? tok[i].len : ZHS_TERM_MAX) + 2;
    if (!zhs_grow(&pt->t, &pt->cap, pt->n + n, sizeof *pt->t, 1024) || !zhs_buf_reserve(&pt->keys, room) ||
        pt->keys.len + room > UINT32_MAX)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        zhs_pterm *t = &pt->t[pt->n++];
        t->off = (uint32_t)pt->keys.len;
        t->len = (uint32_t)short_key(pt->keys.data + pt->keys.len, &tok[i]);
        t->pos = tok[i].position + shift;
        pt->keys.len += t->len + 1;
    }
    if (n) pt->keys.data[pt->keys.len] = 0;
    pt->length = (uint32_t)(pt->title.ntok * pt->title_weight + pt->heading.ntok * pt->heading_weight + n);
    return ZHS_OK;
oom:
    return zhs_fail(err, ZHS_ENOMEM, "out of memory collecting a passage's terms");
}

int zhs_passage_terms_run(zhs_passage_terms *pt, zhs_analyzer *an, const zhs_passage *p, zhs_error *err)
{
    if (zhs_passage_terms_title(pt, an, p->title, err)) return err->code;
    if (zhs_passage_terms_heading(pt, an, p->heading, err)) return err->code;
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, p->text ? p->text : "", p->text ? p->text_len : 0, err))
        return err->code;
    if (zhs_passage_terms_text(pt, tok, n, err)) return err->code;
    /* the text's terms are the last n */
    if (zhs_analyzer_article_terms(an) && zhs_passage_terms_articles(pt, pt->n - n, err)) return err->code;
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

bool zhs_term_is_article(const char *key, size_t len)
{
    return len > 1 && key[0] == ZHS_ARTICLE_PREFIX;
}

bool zhs_term_is_char(const char *key, size_t len)
{
    size_t i = len && key[0] == 'T' ? 1 : 0;
    return i < len && key[i] == 'U';
}
