/*
** parse.c — the query language.
**
**   个人信息 保护        plain words: analyzed like documents, all terms OR'ed
**   "个人信息保护"       a phrase: must occur as written (adjacent)
**   +数据  +"个人 信息"  required: a single term, or a phrase when the text
**                        analyzes into several terms
**   -草案                excluded (a term or a phrase)
**   title:民法典          the passage's law title must contain it (a phrase
**                        over title terms); -title:… excludes
** Quotes may be ASCII "…" or Chinese “…”.  Clauses are separated by
** ASCII or ideographic spaces.
*/
#include "query_int.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_QTERMS 1024
#define MAX_CLAUSES 64

/* Positions in messages count characters, not bytes, and the echoed query
** is cut on a character boundary. */
static int qfail(zhs_error *err, const char *query, size_t at, const char *what)
{
    size_t n = strlen(query), shown = n < 200 ? n : 200;
    while (shown < n && shown > 0 && ((uint8_t)query[shown] & 0xC0) == 0x80) shown--;
    return zhs_fail(err, ZHS_EQUERY, "bad query at character %zu of \"%.*s%s\": %s", zhs_utf8_count(query, at) + 1,
                    (int)shown, query, shown < n ? "…" : "", what);
}

static bool is_space_at(const char *s, size_t n, size_t i, size_t *len)
{
    uint8_t c = (uint8_t)s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { *len = 1; return true; }
    if (n - i >= 3 && memcmp(s + i, "\xE3\x80\x80", 3) == 0) { *len = 3; return true; }   /* U+3000 */
    return false;
}

/* Opening quote at i: returns its length and sets *close to the matching
** closing quote's bytes. */
static size_t open_quote(const char *s, size_t n, size_t i, const char **close)
{
    if (s[i] == '"') { *close = "\""; return 1; }
    if (n - i >= 3 && memcmp(s + i, "\xE2\x80\x9C", 3) == 0) { *close = "\xE2\x80\x9D"; return 3; }  /* “ ” */
    if (n - i >= 3 && memcmp(s + i, "\xE3\x80\x8C", 3) == 0) { *close = "\xE3\x80\x8D"; return 3; }  /* 「 」 */
    return 0;
}

static int add_term(zhs_query *q, const char *key, size_t len, uint32_t kind, zhs_error *err)
{
    for (size_t i = 0; i < q->nterms; i++)
        if (q->terms[i].len == len && memcmp(q->terms[i].key, key, len) == 0) {
            q->terms[i].qtf++;
            return ZHS_OK;
        }
    if (q->nterms == MAX_QTERMS)
        return zhs_fail(err, ZHS_EQUERY, "the query has more than %d distinct terms: shorten it", MAX_QTERMS);
    zhs_qterm *t = &q->terms[q->nterms++];
    memcpy(t->key, key, len);
    t->key[len] = 0;
    t->len = (uint32_t)len;
    t->qtf = 1;
    t->kind = kind;
    return ZHS_OK;
}

/* Chooses the elements that match text as written: bigrams over Han runs
** (a word for a one-character run), Latin and number tokens as they are. */
static bool has_kind_at(const zhs_token *tok, size_t n, uint32_t kind, uint32_t pos)
{
    for (size_t j = 0; j < n; j++)
        if (tok[j].kind == kind && tok[j].position == pos) return true;
    return false;
}

/* A part that is one Han character (with character terms indexed) matches
** through its character term: every passage holding the character, inside
** words or not. */
static bool single_char_part(const zhs_token *tok, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i].kind == ZHS_TOKEN_CHAR) chars++;
        else if (tok[i].kind != ZHS_TOKEN_WORD) return false;
    }
    return chars == 1;
}

/* Chooses the elements that match text as written: bigrams over Han runs
** (the word for a one-character run), Latin and number tokens as they are.
** A part that is one character alone is its character term, which has no
** positions (and needs none: it is the clause's only element). */
static size_t phrase_elems(zhs_qelem *out, const zhs_token *tok, size_t n, bool title)
{
    bool one_char = single_char_part(tok, n);
    size_t ne = 0;
    uint32_t base = UINT32_MAX;
    for (size_t i = 0; i < n; i++)
        if (tok[i].position < base) base = tok[i].position;
    for (size_t i = 0; i < n; i++) {
        const zhs_token *t = &tok[i];
        bool take = false;
        if (t->kind == ZHS_TOKEN_BIGRAM || t->kind == ZHS_TOKEN_LATIN || t->kind == ZHS_TOKEN_NUMBER) {
            take = true;
        } else {
            /* A Han word stands in only where no bigram starts at or
            ** covers its first character: a run of one character, or an
            ** analyzer without bigrams. */
            bool covered = has_kind_at(tok, n, ZHS_TOKEN_BIGRAM, t->position) ||
                           (t->position > 0 && has_kind_at(tok, n, ZHS_TOKEN_BIGRAM, t->position - 1));
            if (t->kind == ZHS_TOKEN_CHAR) take = one_char;
            else take = !covered && !one_char;
        }
        if (!take) continue;
        size_t kl = zhs_term_key(out[ne].key, t, title);
        out[ne].len = (uint32_t)kl;
        out[ne].qpos = t->position - base;
        ne++;
    }
    /* The analyzer emits a run's bigrams after its words: order by position
    ** so that the first element is the phrase's start. */
    for (size_t i = 1; i < ne; i++)
        for (size_t j = i; j > 0 && out[j].qpos < out[j - 1].qpos; j--) {
            zhs_qelem tmp = out[j];
            out[j] = out[j - 1];
            out[j - 1] = tmp;
        }
    return ne;
}

static int add_clause(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *query,
                      size_t at, const char *text, size_t len, int occur, bool title,
                      bool quoted, zhs_error *err)
{
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, text, len, err)) return err->code;
    if (n == 0) {
        if (occur == ZHS_OCCUR_SHOULD && !quoted && !title) return ZHS_OK;   /* punctuation: nothing to find */
        return qfail(err, query, at, "this part has no searchable words (only punctuation or spaces)");
    }
    /* scoring terms: everything a required or optional clause names, but
    ** character terms only for a one-character part (elsewhere its words
    ** and bigrams say more, and cost less) */
    bool one_char = single_char_part(tok, n);
    if (occur != ZHS_OCCUR_MUST_NOT)
        for (size_t i = 0; i < n; i++) {
            if (tok[i].kind == ZHS_TOKEN_CHAR && !one_char) continue;
            char key[ZHS_TERM_MAX + 4];
            size_t kl = zhs_term_key(key, &tok[i], false);
            if (add_term(q, key, kl, tok[i].kind, err)) return err->code;
        }
    if (occur == ZHS_OCCUR_SHOULD && !quoted && !title) return ZHS_OK;
    if (q->nclauses == MAX_CLAUSES)
        return zhs_fail(err, ZHS_EQUERY, "the query has more than %d required or excluded parts: shorten it", MAX_CLAUSES);
    zhs_qclause *c = &q->clauses[q->nclauses];
    c->occur = occur == ZHS_OCCUR_SHOULD ? ZHS_OCCUR_MUST : occur;
    c->title = title;
    snprintf(c->text, sizeof c->text, "%.*s", (int)(len < 255 ? len : 255), text);
    c->elems = zhs_arena_alloc(arena, n * sizeof *c->elems);
    if (!c->elems) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    c->nelems = phrase_elems(c->elems, tok, n, title);
    if (c->nelems == 0) return qfail(err, query, at, "this part has no searchable words");
    q->nclauses++;
    return ZHS_OK;
}

int zhs_query_parse(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text,
                    zhs_error *err)
{
    memset(q, 0, sizeof *q);
    if (zhs_err_code(err)) return err->code;
    size_t n = strlen(text);
    if (n > 64 * 1024) return zhs_fail(err, ZHS_EQUERY, "query of %zu bytes is too long (limit 64 KiB)", n);
    q->terms = zhs_arena_alloc(arena, MAX_QTERMS * sizeof *q->terms);
    q->clauses = zhs_arena_calloc(arena, MAX_CLAUSES * sizeof *q->clauses);
    if (!q->terms || !q->clauses) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    bool any = false;
    size_t i = 0;
    while (i < n) {
        size_t sl;
        if (is_space_at(text, n, i, &sl)) {
            i += sl;
            continue;
        }
        size_t at = i;
        int occur = ZHS_OCCUR_SHOULD;
        if (text[i] == '+' || text[i] == '-') {
            occur = text[i] == '+' ? ZHS_OCCUR_MUST : ZHS_OCCUR_MUST_NOT;
            i++;
            if (i >= n || is_space_at(text, n, i, &sl))
                return qfail(err, text, at, "'+' or '-' must be followed by a word or a quoted phrase");
        }
        bool title = false;
        if (n - i >= 6 && memcmp(text + i, "title:", 6) == 0) {
            title = true;
            i += 6;
            if (i >= n || is_space_at(text, n, i, &sl))
                return qfail(err, text, at, "'title:' must be followed by a word or a quoted phrase");
        }
        const char *close;
        size_t ql = open_quote(text, n, i, &close);
        const char *body;
        size_t blen;
        if (ql) {
            const char *end = strstr(text + i + ql, close);
            if (!end) return qfail(err, text, i, "unterminated quote: close the phrase with a matching quote");
            body = text + i + ql;
            blen = (size_t)(end - body);
            i = (size_t)(end - text) + strlen(close);
        } else {
            body = text + i;
            while (i < n && !is_space_at(text, n, i, &sl)) i++;
            blen = (size_t)(text + i - body);
        }
        if (add_clause(q, arena, an, text, at, body, blen, occur, title, ql > 0, err)) return err->code;
        any = true;
    }
    if (!any) return zhs_fail(err, ZHS_EQUERY, "the query is empty: give words to search for");
    /* Only clauses that are not excluded add scoring terms. */
    if (q->nterms == 0)
        return zhs_fail(err, ZHS_EQUERY, "the query \"%.200s\" has no searchable words outside excluded "
                        "parts: add a word to search for", text);
    return ZHS_OK;
}
