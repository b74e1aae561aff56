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
**   article:第二十条      the passage's article label is 第二十条 (or 20)
** Quotes may be ASCII "…" or Chinese “…”.  Clauses are separated by
** ASCII or ideographic spaces.  ＋ － ： are read as + - :, field names in
** any case.  Nothing a person types is an error unless it leaves nothing
** to search for: see zhs_query_parse.
*/
#include "query_int.h"

#include "numeral.h"
#include "articles.h"
#include "names.h"
#include "analyzer_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define MAX_QTERMS ZHS_QUERY_MAX_TERMS
#define MAX_CLAUSES 64
#define MAX_QUERY_BYTES (64 * 1024)

void zhs_query_warn(zhs_query *q, zhs_arena *arena, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < q->nwarnings; i++)
        if (!strcmp(q->warnings[i], msg)) return;
    if (q->nwarnings == ZHS_QUERY_MAX_WARNINGS) return;
    char *w = zhs_arena_strndup(arena, msg, strlen(msg));
    if (w) q->warnings[q->nwarnings++] = w;
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

/* The closing quote of a phrase opened with `close`: that quote, or any
** other closing quote (people mix “…" when they type), whichever comes
** first; NULL when there is none. */
static const char *close_quote(const char *from, const char *end, const char *close)
{
    static const char *const closers[] = {"\"", "\xE2\x80\x9D", "\xE3\x80\x8D"};   /* " ” 」 */
    (void)close;
    for (const char *p = from; p < end; p++)
        for (size_t c = 0; c < sizeof closers / sizeof *closers; c++) {
            size_t l = strlen(closers[c]);
            if ((size_t)(end - p) >= l && memcmp(p, closers[c], l) == 0) return p;
        }
    return NULL;
}

static size_t quote_len(const char *p)
{
    return *p == '"' ? 1 : 3;
}

static void add_term(zhs_query *q, const char *key, size_t len, uint32_t kind)
{
    ptrdiff_t at = zhs_query_term_find(q, key, len);
    if (at >= 0) {
        /* an expansion names a term the query has: it keeps its weight
        ** and its count (the user named it, not twice) */
        if (!q->adding) q->terms[at].qtf++;
        return;
    }
    if (q->adding && !q->boost) {
        q->boost = zhs_arena_alloc(q->arena, MAX_QTERMS * sizeof *q->boost);
        if (!q->boost) {
            q->oom = true;
            return;
        }
        for (size_t i = 0; i < MAX_QTERMS; i++) q->boost[i] = 1.0f;
    }
    if (q->nterms == MAX_QTERMS) {
        /* pasted text: the first terms are kept (see zhs_query_parse) */
        q->nterms_dropped++;
        return;
    }
    if (q->nterms == q->termcap) {
        size_t cap = q->termcap * 4 < MAX_QTERMS ? q->termcap * 4 : MAX_QTERMS;
        zhs_qterm *more = zhs_arena_alloc(q->arena, cap * sizeof *more);
        if (!more) {
            q->oom = true;
            return;
        }
        memcpy(more, q->terms, q->nterms * sizeof *more);
        q->terms = more;
        q->termcap = cap;
    }
    zhs_qterm *t = &q->terms[q->nterms++];
    memcpy(t->key, key, len);
    t->key[len] = 0;
    t->len = (uint32_t)len;
    t->qtf = 1;
    t->kind = kind;
    if (q->boost) q->boost[q->nterms - 1] = q->adding ? q->adding : 1.0f;
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

/* The word a phrase's elements spell: one Han word token that starts at
** the first element and has exactly one more character than there are
** elements, each element the bigram of its characters i and i+1.  The
** analyzer emits a word's bigrams wherever it emits the word (the same
** characters, the same field, consecutive positions), so every passage
** whose body holds the word matches the phrase.  NULL when the elements
** are anything else (several words, Latin, numbers, one character). */
static zhs_qelem *chain_word(zhs_arena *arena, const zhs_token *tok, size_t n, const zhs_qelem *el, size_t ne,
                             bool title)
{
    const zhs_token *w = NULL;
    for (size_t i = 0; i < n; i++) {
        if (tok[i].kind != ZHS_TOKEN_WORD) continue;
        if (w) return NULL;                 /* two words: no single list */
        w = &tok[i];
    }
    if (!w || w->len > ZHS_TERM_MAX || ne < 1 || zhs_utf8_count(w->text, w->len) != ne + 1) return NULL;
    const char *p = w->text, *end = w->text + w->len;
    size_t pre = title ? 2 : 1;             /* "B" or "TB" */
    for (size_t i = 0; i < ne; i++) {
        uint32_t cp1, cp2;
        size_t l1 = zhs_utf8_decode(p, (size_t)(end - p), &cp1);
        size_t l2 = l1 ? zhs_utf8_decode(p + l1, (size_t)(end - p - l1), &cp2) : 0;
        if (!l2 || !zhs_is_han(cp1) || !zhs_is_han(cp2) || el[i].qpos != i || el[i].len != pre + l1 + l2 ||
            el[i].key[pre - 1] != 'B' || memcmp(el[i].key + pre, p, l1 + l2) != 0)
            return NULL;
        p += l1;
    }
    zhs_qelem *q = zhs_arena_alloc(arena, sizeof *q);
    if (!q) return NULL;                    /* the phrase is checked on positions */
    q->len = (uint32_t)zhs_term_key(q->key, w, title);
    q->qpos = 0;
    return q;
}

/* The end (one past) of the article-number chain that starts at el[i]:
** bigram elements 第c1, c1c2, ..., cm条 at consecutive offsets (c1..cm
** numerals, m <= ZHS_ARTICLE_MAX_NUMERALS), the characters 第c1..cm条
** appended to num (*nl bytes); i when there is none.  The same rules as
** the index side (analysis/articles.c), so a chain found here is one the
** index made a term for wherever it stands. */
static size_t article_chain(const zhs_qelem *el, size_t ne, size_t i, char *num, size_t *nl)
{
    uint32_t a, b;
    if (!zhs_article_bigram(el[i].key, el[i].len, &a, &b) || a != ZHS_ARTICLE_DI || !zhs_article_numeral(b)) return i;
    *nl = zhs_utf8_encode(a, num);
    *nl += zhs_utf8_encode(b, num + *nl);
    for (size_t j = i + 1, m = 1; j < ne && m <= ZHS_ARTICLE_MAX_NUMERALS; j++, m++) {
        uint32_t prev = b;
        if (el[j].qpos != el[i].qpos + m || !zhs_article_bigram(el[j].key, el[j].len, &a, &b) || a != prev)
            return i;
        *nl += zhs_utf8_encode(b, num + *nl);
        if (b == ZHS_ARTICLE_TIAO) return j + 1;
        if (!zhs_article_numeral(b) || m == ZHS_ARTICLE_MAX_NUMERALS) return i;
    }
    return i;
}

/* Sets c->alt: the body field's elements with each article-number chain
** one element, the term of its characters at the chain's first offset.
** A segment whose analyzer made those terms (search.c) matches alt: the
** term stands exactly where the chain's bigrams stand in a row. */
static int article_elems(zhs_qclause *c, zhs_arena *arena, zhs_error *err)
{
    c->alt = NULL;
    c->nalt = 0;
    if (c->title) return ZHS_OK;
    zhs_qelem *alt = NULL;
    size_t na = 0;
    for (size_t i = 0; i < c->nelems;) {
        char num[4 * (ZHS_ARTICLE_MAX_NUMERALS + 2)];
        size_t nl = 0, end = article_chain(c->elems, c->nelems, i, num, &nl);
        if (end == i && !alt) {
            i++;
            continue;
        }
        if (!alt) {
            if (!(alt = zhs_arena_alloc(arena, c->nelems * sizeof *alt)))
                return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
            memcpy(alt, c->elems, i * sizeof *alt);
            na = i;
        }
        if (end == i) {
            alt[na++] = c->elems[i++];
            continue;
        }
        alt[na].key[0] = ZHS_ARTICLE_PREFIX;
        memcpy(alt[na].key + 1, num, nl);
        alt[na].key[nl + 1] = 0;
        alt[na].len = (uint32_t)(nl + 1);
        alt[na].qpos = c->elems[i].qpos;
        na++;
        i = end;
    }
    c->alt = alt;
    c->nalt = alt ? na : 0;
    return ZHS_OK;
}

/* The next clause of q, its occur, field and text set (the text cut to
** 255 bytes, for messages); NULL, with a warning, once MAX_CLAUSES are
** taken (the part then only scores).  q->nclauses is the caller's to
** advance when the clause is complete. */
static zhs_qclause *next_clause(zhs_query *q, zhs_arena *arena, int occur, bool title, const char *text, size_t len)
{
    if (q->nclauses == MAX_CLAUSES) {
        zhs_query_warn(q, arena, "more than %d required or excluded parts: the rest only score", MAX_CLAUSES);
        return NULL;
    }
    zhs_qclause *c = &q->clauses[q->nclauses];
    memset(c, 0, sizeof *c);
    c->occur = occur;
    c->title = title;
    snprintf(c->text, sizeof c->text, "%.*s", (int)(len < 255 ? len : 255), text);
    return c;
}

static int add_clause(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *query,
                      size_t at, const char *text, size_t len, int occur, bool title,
                      bool quoted, zhs_error *err)
{
    const zhs_token *tok;
    size_t n;
    /* Character tokens for an index without character terms whose engine
    ** makes them (query/chars.c): the same terms and elements as an index
    ** with them; the analyzer's own setting is back before it runs again. */
    int was = q->make_chars ? zhs_analyzer_emit_chars(an, ZHS_CHARS_ALL) : ZHS_CHARS_ALL;
    int arc = zhs_analyzer_run(an, &tok, &n, text, len, err);
    if (was != ZHS_CHARS_ALL) zhs_analyzer_emit_chars(an, was);
    if (arc) return err->code;
    if (n == 0) {
        /* punctuation: nothing to find; a required or excluded part, a
        ** quoted or a title part of only punctuation is dropped too */
        if (occur != ZHS_OCCUR_SHOULD || quoted || title)
            zhs_query_warn(q, arena, "ignored the part at character %zu: it has no searchable words",
                  zhs_utf8_count(query, at) + 1);
        return ZHS_OK;
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
            add_term(q, key, kl, tok[i].kind);
        }
    if (occur == ZHS_OCCUR_SHOULD && !quoted && !title) return ZHS_OK;
    zhs_qclause *c = next_clause(q, arena, occur == ZHS_OCCUR_SHOULD ? ZHS_OCCUR_MUST : occur, title, text, len);
    if (!c) return ZHS_OK;
    c->elems = zhs_arena_alloc(arena, n * sizeof *c->elems);
    if (!c->elems) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    c->nelems = phrase_elems(c->elems, tok, n, title);
    if (c->nelems == 0) {
        zhs_query_warn(q, arena, "ignored the part at character %zu: it has no searchable words", zhs_utf8_count(query, at) + 1);
        return ZHS_OK;
    }
    c->word = c->nelems > 1 ? chain_word(arena, tok, n, c->elems, c->nelems, title) : NULL;
    if (article_elems(c, arena, err)) return err->code;
    q->nclauses++;
    return ZHS_OK;
}

int zhs_query_title_clause(zhs_qclause *c, zhs_arena *arena, zhs_analyzer *an, const char *text, size_t len,
                           zhs_error *err)
{
    memset(c, 0, sizeof *c);
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, text, len, err)) return err->code;
    c->occur = ZHS_OCCUR_MUST;
    c->title = true;
    snprintf(c->text, sizeof c->text, "%.*s", (int)(len < 255 ? len : 255), text);
    c->elems = zhs_arena_alloc(arena, (n + 1) * sizeof *c->elems);
    if (!c->elems) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    c->nelems = phrase_elems(c->elems, tok, n, true);
    c->word = c->nelems > 1 ? chain_word(arena, tok, n, c->elems, c->nelems, true) : NULL;
    c->alt = NULL;              /* title terms: no article-number terms */
    c->nalt = 0;
    return ZHS_OK;
}

/* '+' or '-', ASCII or full-width (＋ U+FF0B, － U+FF0D): the occurrence and
** the bytes, 0 if none. */
static size_t op_at(const char *s, size_t n, size_t i, int *occur)
{
    if (s[i] == '+') { *occur = ZHS_OCCUR_MUST; return 1; }
    if (s[i] == '-') { *occur = ZHS_OCCUR_MUST_NOT; return 1; }
    if (n - i >= 3 && memcmp(s + i, "\xEF\xBC\x8B", 3) == 0) { *occur = ZHS_OCCUR_MUST; return 3; }
    if (n - i >= 3 && memcmp(s + i, "\xEF\xBC\x8D", 3) == 0) { *occur = ZHS_OCCUR_MUST_NOT; return 3; }
    return 0;
}

enum { FIELD_NONE, FIELD_TITLE, FIELD_ARTICLE };

/* A field name at i, any case, ASCII or full-width (ＴＩＴＬＥ), and its
** colon (ASCII or full-width ：):
** the field and the bytes, 0 if none. */
static size_t field_at(const char *s, size_t n, size_t i, int *field)
{
    static const struct { const char *name; int field; } fields[] = {
        {"title", FIELD_TITLE}, {"article", FIELD_ARTICLE},
    };
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
        size_t l = zhs_ascii_word_at(s + i, n - i, fields[f].name);
        if (!l || n - i <= l) continue;
        size_t c = s[i + l] == ':' ? 1 : (n - i - l >= 3 && memcmp(s + i + l, "\xEF\xBC\x9A", 3) == 0) ? 3 : 0;
        if (!c) continue;
        *field = fields[f].field;
        return l + c;
    }
    return 0;
}

/* article:第二十条, article:20, article:10之1: a clause on the label term
** ("A20", terms.h), which also scores, so that the query has a term even
** when it says nothing else.  False when the value is no article number. */
static bool add_article(zhs_query *q, zhs_arena *arena, const char *body, size_t blen, int occur, zhs_error *err,
                        int *rc)
{
    zhs_article_ref ref;
    memset(&ref, 0, sizeof ref);
    size_t used = zhs_article_ref_parse(body, blen, &ref);
    if (!used) {
        /* a bare number, optionally 之 + number */
        used = zhs_numeral_parse(body, blen, &ref.article);
        if (used && blen - used > 3 && memcmp(body + used, "\xE4\xB9\x8B", 3) == 0) {
            size_t k = zhs_numeral_parse(body + used + 3, blen - used - 3, &ref.sub);
            if (k) used += 3 + k;
        }
    }
    if (!used || used != blen || ref.article == 0) return false;
    char key[ZHS_ARTICLE_KEY_MAX];
    size_t kl = zhs_article_key(key, ref.article, ref.sub);
    *rc = ZHS_OK;
    if (occur != ZHS_OCCUR_MUST_NOT) add_term(q, key, kl, ZHS_TOKEN_WORD);
    zhs_qclause *c = next_clause(q, arena, occur == ZHS_OCCUR_MUST_NOT ? ZHS_OCCUR_MUST_NOT : ZHS_OCCUR_MUST, false,
                                 body, blen);
    if (!c) return true;
    c->elems = zhs_arena_alloc(arena, sizeof *c->elems);
    if (!c->elems) {
        *rc = zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
        return true;
    }
    memcpy(c->elems[0].key, key, kl + 1);
    c->elems[0].len = (uint32_t)kl;
    c->elems[0].qpos = 0;
    c->nelems = 1;
    q->nclauses++;
    return true;
}

/* The query language is lenient, as people type and paste: an operator
** with nothing after it, an unterminated quote, a field with no value,
** parts beyond the limits are ignored or read as plain text, with a
** warning; only a query with nothing to search for is refused. */
int zhs_query_parse(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text,
                    zhs_error *err)
{
    return zhs_query_parse_chars(q, arena, an, text, true, err);
}

int zhs_query_parse_chars(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text, bool make_chars,
                          zhs_error *err)
{
    memset(q, 0, sizeof *q);
    if (zhs_err_code(err)) return err->code;
    zhs_analyzer_config cfg;
    zhs_analyzer_config_get(an, &cfg);
    q->make_chars = make_chars && cfg.chars != ZHS_CHARS_ALL && cfg.bigrams;
    size_t n = strlen(text);
    if (n > MAX_QUERY_BYTES) {
        n = MAX_QUERY_BYTES;
        while (n > 0 && ((uint8_t)text[n] & 0xC0) == 0x80) n--;
    }
    /* room for the terms of a short query (268 bytes each); add_term
    ** grows it: the limit's 1,024 were 274 KB of the results' arena, a
    ** block of its own that malloc took and gave back for every query */
    q->termcap = 16;
    q->terms = zhs_arena_alloc(arena, q->termcap * sizeof *q->terms);
    /* not zeroed here: 64 clauses of 320 bytes were 20 KB of memset for
    ** every query, most of which names one or two; next_clause zeroes
    ** the one it hands out */
    q->clauses = zhs_arena_alloc(arena, MAX_CLAUSES * sizeof *q->clauses);
    if (!q->terms || !q->clauses) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    if (n < strlen(text)) zhs_query_warn(q, arena, "the query is longer than %d KiB: only its first %d KiB are searched",
                                MAX_QUERY_BYTES / 1024, MAX_QUERY_BYTES / 1024);
    q->arena = arena;
    bool any = false;
    size_t i = 0;
    while (i < n) {
        size_t sl;
        if (is_space_at(text, n, i, &sl)) {
            i += sl;
            continue;
        }
        size_t at = i;
        any = true;
        int occur = ZHS_OCCUR_SHOULD, op;
        size_t ol = op_at(text, n, i, &op);
        if (ol) {
            i += ol;
            if (i >= n || is_space_at(text, n, i, &sl) || op_at(text, n, i, &op)) {
                /* a lone or repeated operator (+, -, ---): nothing to apply it to */
                while (i < n && !is_space_at(text, n, i, &sl)) i++;
                zhs_query_warn(q, arena, "ignored '%.*s' at character %zu: '+' and '-' go right before a word or a quoted phrase",
                      (int)(i - at < 30 ? i - at : 30), text + at, zhs_utf8_count(text, at) + 1);
                continue;
            }
            occur = op;
        }
        int field = FIELD_NONE;
        size_t fl = field_at(text, n, i, &field);
        if (fl) {
            i += fl;
            if (i >= n || is_space_at(text, n, i, &sl)) {
                zhs_query_warn(q, arena, "ignored the field '%.*s' at character %zu: nothing follows it", (int)fl, text + i - fl,
                      zhs_utf8_count(text, i - fl) + 1);
                continue;
            }
        }
        const char *close;
        size_t ql = open_quote(text, n, i, &close);
        const char *body;
        size_t blen;
        const char *end = ql ? close_quote(text + i + ql, text + n, close) : NULL;
        if (ql && !end) {
            zhs_query_warn(q, arena, "unterminated quote at character %zu: its words are searched as plain words",
                  zhs_utf8_count(text, i) + 1);
            i += ql;
            ql = 0;
            if (i >= n || is_space_at(text, n, i, &sl)) continue;
        }
        if (ql) {
            body = text + i + ql;
            blen = (size_t)(end - body);
            i = (size_t)(end - text) + quote_len(end);
        } else {
            body = text + i;
            while (i < n && !is_space_at(text, n, i, &sl)) i++;
            blen = (size_t)(text + i - body);
        }
        if (field == FIELD_ARTICLE) {
            int rc = ZHS_OK;
            if (add_article(q, arena, body, blen, occur, err, &rc)) {
                if (rc) return rc;
                continue;
            }
            zhs_query_warn(q, arena, "'%.*s' is not an article number (write article:第二十条 or article:20): searched as words",
                  (int)(blen < 60 ? blen : 60), body);
        }
        if (add_clause(q, arena, an, text, at, body, blen, occur, field == FIELD_TITLE, ql > 0, err)) return err->code;
    }
    if (q->oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    if (q->nterms_dropped)
        zhs_query_warn(q, arena, "the query has more than %d distinct terms: only its first %d are searched", MAX_QTERMS,
              MAX_QTERMS);
    if (!any) return zhs_fail(err, ZHS_EQUERY, "the query is empty: give words to search for");
    /* Only clauses that are not excluded add scoring terms. */
    if (q->nterms == 0) {
        bool excluded = false;
        for (size_t c = 0; c < q->nclauses; c++) excluded |= q->clauses[c].occur == ZHS_OCCUR_MUST_NOT;
        if (excluded)
            return zhs_fail(err, ZHS_EQUERY, "the query \"%.200s\" has no searchable words outside excluded "
                            "parts: add a word to search for", text);
        return zhs_fail(err, ZHS_EQUERY, "the query \"%.200s\" has nothing to search for (no words, only "
                        "punctuation, spaces or operators): give words to search for", text);
    }
    return ZHS_OK;
}

/* ------------------------------------------------------------ concepts */

/* The concepts of one part, keys on the analyzer's word boundaries
** (仲裁员 holds 裁员 but is one word: no 裁员 there) and in its folded
** text, so that a traditional query (醉駕) finds the simplified key: the
** part's words, numbers and Latin in order, a space where a run ends. */
static size_t part_concepts(zhs_arena *arena, zhs_analyzer *an, const char *s, size_t n, const char **out,
                            size_t max, zhs_error *err)
{
    const zhs_token *tok;
    size_t nt;
    if (zhs_analyzer_run(an, &tok, &nt, s, n, err)) return 0;
    size_t room = 1;
    for (size_t i = 0; i < nt; i++) room += tok[i].len + 1;
    char *f = zhs_arena_alloc(arena, room);
    uint8_t *edge = zhs_arena_calloc(arena, room);     /* bit 1: a word starts here, 2: one ends */
    if (!f || !edge) return 0;
    size_t fl = 0;
    uint32_t next = UINT32_MAX;                     /* the position after the last word */
    for (size_t i = 0; i < nt; i++) {
        const zhs_token *t = &tok[i];
        if (t->kind != ZHS_TOKEN_WORD && t->kind != ZHS_TOKEN_LATIN && t->kind != ZHS_TOKEN_NUMBER) continue;
        if (next != UINT32_MAX && t->position != next) f[fl++] = ' ';
        edge[fl] |= 1;
        memcpy(f + fl, t->text, t->len);
        fl += t->len;
        edge[fl] |= 2;
        next = t->position + (t->kind == ZHS_TOKEN_WORD ? (uint32_t)zhs_utf8_count(t->text, t->len) : 1);
    }
    return zhs_concepts_find(f, fl, edge, out, max);
}

/* Adds the terms of an expansion phrase: its bigrams and its words of
** two characters or more, never a one-character word (的 of 饲养的动物,
** 只 of 犬只), which would match nearly every passage. */
static int add_expansion(zhs_query *q, zhs_analyzer *an, const char *p, size_t len, zhs_error *err)
{
    const zhs_token *tok;
    size_t n;
    if (zhs_analyzer_run(an, &tok, &n, p, len, err)) return err->code;
    for (size_t i = 0; i < n; i++) {
        if (tok[i].kind == ZHS_TOKEN_CHAR) continue;
        if (tok[i].kind == ZHS_TOKEN_WORD && zhs_utf8_count(tok[i].text, tok[i].len) < 2) continue;
        char key[ZHS_TERM_MAX + 4];
        size_t kl = zhs_term_key(key, &tok[i], false);
        add_term(q, key, kl, tok[i].kind);
    }
    return ZHS_OK;
}

/* ----------------------------------------------------- boolean words */

/* The parts of text (split at spaces outside quotes): [start, end). */
typedef struct part_span {
    size_t start, end;
} part_span;

static bool part_is(const char *text, const part_span *p, const char *word)
{
    size_t l = strlen(word);
    return p->end - p->start == l && !memcmp(text + p->start, word, l);
}

const char *zhs_query_boolean(zhs_arena *arena, const char *text)
{
    size_t n = strnlen(text, MAX_QUERY_BYTES);
    if (!strstr(text, "AND") && !strstr(text, "OR") && !strstr(text, "NOT")) return text;
    enum { MAX_PARTS = 256 };
    part_span parts[MAX_PARTS];
    size_t np = 0;
    for (size_t i = 0; i < n && np < MAX_PARTS;) {
        size_t sl;
        if (is_space_at(text, n, i, &sl)) {
            i += sl;
            continue;
        }
        size_t start = i;
        const char *close;
        size_t ql = open_quote(text, n, i, &close);
        const char *end = ql ? close_quote(text + i + ql, text + n, close) : NULL;
        if (end) i = (size_t)(end - text) + quote_len(end);
        while (i < n && !is_space_at(text, n, i, &sl)) i++;
        parts[np++] = (part_span){start, i};
    }
    /* what each part becomes: 0 as written, '+' required, '-' excluded,
    ** 'x' dropped (an operator) */
    char mark[MAX_PARTS];
    bool any = false;
    memset(mark, 0, sizeof mark);
    for (size_t k = 0; k < np; k++) {
        bool and_ = part_is(text, &parts[k], "AND"), or_ = part_is(text, &parts[k], "OR"),
             not_ = part_is(text, &parts[k], "NOT");
        if (!and_ && !or_ && !not_) continue;
        any = true;
        mark[k] = 'x';
        if (and_) {
            if (k > 0 && mark[k - 1] != 'x' && mark[k - 1] != '-') mark[k - 1] = '+';
            if (k + 1 < np && !mark[k + 1]) mark[k + 1] = '+';
        } else if (not_ && k + 1 < np && mark[k + 1] != 'x') {
            mark[k + 1] = '-';
        }
    }
    if (!any) return text;
    zhs_buf b;
    zhs_buf_init(&b);
    for (size_t k = 0; k < np; k++) {
        if (mark[k] == 'x') continue;
        const char *p = text + parts[k].start;
        size_t l = parts[k].end - parts[k].start;
        if (b.len) zhs_buf_putc(&b, ' ');
        if (mark[k]) {
            /* the part's own + or - gives way to the operator's */
            if (p[0] == '+' || p[0] == '-') p++, l--;
            zhs_buf_putc(&b, mark[k]);
        }
        zhs_buf_append(&b, p, l);
    }
    char *out = b.oom ? NULL : zhs_arena_strndup(arena, b.data ? b.data : "", b.len);
    zhs_buf_free(&b);
    return out ? out : text;
}

size_t zhs_query_plain_parts(zhs_qpart *out, size_t max, const char *text)
{
    size_t n = strnlen(text, MAX_QUERY_BYTES), k = 0;
    /* the parts as the parse reads them: an excluded part, a field or a
    ** quoted phrase (spaces and all) asks for the user's own wording */
    for (size_t i = 0; i < n && k < max;) {
        size_t sl;
        if (is_space_at(text, n, i, &sl)) {
            i += sl;
            continue;
        }
        int occur = ZHS_OCCUR_SHOULD, field = FIELD_NONE;
        size_t ol = op_at(text, n, i, &occur);
        i += ol;
        if (i < n) i += field_at(text, n, i, &field);
        const char *close;
        size_t ql = i < n ? open_quote(text, n, i, &close) : 0;
        const char *end = ql ? close_quote(text + i + ql, text + n, close) : NULL;
        if (end) {
            i = (size_t)(end - text) + quote_len(end);
            continue;
        }
        size_t at = i + ql;
        while (i < n && !is_space_at(text, n, i, &sl)) i++;
        if (occur != ZHS_OCCUR_MUST_NOT && field == FIELD_NONE && i > at) out[k++] = (zhs_qpart){at, i - at};
    }
    return k;
}

int zhs_query_expand(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text, const zhs_aliases *aliases,
                     zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    const char *exp[8];
    size_t ne = 0;
    zhs_qpart parts[64];
    size_t np = zhs_query_plain_parts(parts, 64, text);
    for (size_t p = 0; p < np && ne < 8; p++) {
        const char *s = text + parts[p].at;
        size_t len = parts[p].len;
        ne += part_concepts(arena, an, s, len, exp + ne, 8 - ne, err);
        /* an alias is a few characters: a long part is none (and its key
        ** would cost a long text's analysis) */
        const char *law = ne < 8 && len <= 64 ? zhs_alias_lookup_folded(an, aliases, s, len, err) : NULL;
        if (zhs_err_code(err)) return err->code;
        if (law) exp[ne++] = law;
    }
    /* each phrase's terms optional, of the concept weight */
    q->adding = ZHS_CONCEPT_WEIGHT;
    for (size_t e = 0; e < ne; e++)
        for (const char *p = exp[e]; *p;) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (add_expansion(q, an, p, len, err)) {
                q->adding = 0;
                return err->code;
            }
            p += len + (sp != NULL);
        }
    q->adding = 0;
    if (q->oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory expanding the query");
    return ZHS_OK;
}
