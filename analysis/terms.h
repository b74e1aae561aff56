/*
** terms.h — how analyzer tokens become index terms, and which terms a
** passage gets.  The one answer both engines and the bench's Lucene export
** use, so that all of them hold the very same terms.
**
** A term is the token's normalised text with a prefix that keeps kinds and
** fields apart.  Normalised text is case-folded, so an upper-case ASCII
** prefix can never collide with a token:
**     word, latin, number    "个人", "ai", "3.5"
**     bigram                 "B个人"
**     character              "U罚" (every Han character: one-character queries)
**     title field            "T" + the body form: "T个人", "TB个人"
**     article label          "A" + its number in Arabic digits, "-" + the
**                            number after 之: "A13" for 第十三条, "A10-1"
**                            for 第十条之一 (see common/numeral.h)
**     article number         "N" + the characters of 第…条 where its bigrams
**                            stand in a row in the text: "N第二十条"
**                            (analysis/articles.h; native index only)
*/
#ifndef ZHS_TERMS_H
#define ZHS_TERMS_H

#include "common.h"

#define ZHS_TERM_MAX 240    /* longer tokens are cut at a character boundary */

/* Writes the term key of a token into out (at least ZHS_TERM_MAX + 4
** bytes).  Returns its length. */
size_t zhs_term_key(char *out, const zhs_token *t, bool title_field);

/* A Han word of two or more characters (body or title field).  With
** bigrams on, phrases match on bigrams and never read these words'
** positions, so both engines index them without positions. */
bool zhs_term_is_long_han_word(const char *key, size_t len);

/* A character term ("U…", body or title field).  Phrases never use them
** (they match on bigrams), so both engines index them without positions. */
bool zhs_term_is_char(const char *key, size_t len);

/* An article-label term ("A…").  It only says which article a passage
** belongs to: both engines index it without positions, and it is not part
** of the passage's BM25 length (nor of Xapian's document length). */
bool zhs_term_is_label(const char *key, size_t len);

/* An article-number term ("N…", analysis/articles.h).  Outside the
** passage's BM25 length; only the native engine's queries read it, so
** Xapian is not given it. */
bool zhs_term_is_article(const char *key, size_t len);


/* ------------------------------------------------------------ passage terms */

/* One term occurrence of a passage: its key is keys.data + off (len bytes,
** NUL-terminated). */
typedef struct zhs_pterm {
    uint32_t off, len, pos;
} zhs_pterm;

/*
** The terms of a passage, in the order they are indexed.  Three fields,
** weighted as in BM25F (the weighted term frequencies of the fields add
** up before BM25 saturates them, and one length), by repeating a field's
** tokens in the body (docs/RANKING.md, "Fields"):
**   - the title: each token's body form title_weight times, and its
**     title-field form ("T...") once, at its position in the title (for
**     title: phrases);
**   - the heading path ("第十四章 居住权"): each token's body form
**     ZHS_DEFAULT_HEADING_WEIGHT times (no character terms);
**   - the text's tokens.
** Every body copy of a title or heading token stands at position 0 and the
** text's positions start after the title's length (at least 1), so that a
** phrase of two or more terms matches in the text only: the copies, all at
** one position, never make two adjacent terms, and no phrase reaches from
** them into the text (its first two terms would have to be further apart
** than the title is long).  With no title or heading tokens the text
** starts at 0 when the analyzer gives every character term, else at 1
** (text_start): body position 0 then holds copies only, which the
** one-character lists made at query time leave out (query/chars.c).  The BM25 length of the passage is title tokens
** x title_weight + heading tokens x heading weight + text tokens.  A
** passage with an article label (zhs_passage.label) gets its label term
** last, outside that length.
**
** The title and the heading are analyzed once per run of passages that
** share them: t[0 .. ntitle) are the title's terms and title_changed says
** whether they differ from the previous call's (the native writer keeps
** their term ids).  The caller owns the struct; zhs_passage_terms_free()
** releases it.
*/

/* A field analyzed once per run of passages that share its text, and
** the terms it gives each of those passages (copies of each token and
** title forms, keys from offset 0), copied into every passage at once. */
typedef struct zhs_field_cache {
    char *text;                 /* NULL: not analyzed (or failed) */
    zhs_buf keys;               /* the tokens' term keys, NUL-separated */
    uint32_t *pos;
    size_t ntok, cap;
    uint32_t units;             /* positions the field spans */
    zhs_pterm *terms;           /* a passage's terms of the field */
    size_t nterms, terms_cap;
    zhs_buf term_keys;
    bool terms_valid;
} zhs_field_cache;

typedef struct zhs_passage_terms {
    zhs_pterm *t;
    size_t n, ntitle;
    uint32_t length;
    bool title_changed;

    /* private */
    unsigned title_weight, heading_weight;
    /* the text's first position when the title and heading give no
    ** tokens: 1 for an analyzer without every character term, whose
    ** one-character lists, made at query time, take body position 0 for
    ** a title copy (query/chars.c); 0 otherwise, as before */
    uint32_t text_start;
    zhs_buf keys;
    size_t cap;
    zhs_field_cache title, heading;
} zhs_passage_terms;

void zhs_passage_terms_init(zhs_passage_terms *pt, unsigned title_weight);
void zhs_passage_terms_free(zhs_passage_terms *pt);

/* Analyzes p's title (when new) and text and fills pt. */
int zhs_passage_terms_run(zhs_passage_terms *pt, zhs_analyzer *an, const zhs_passage *p,
                          zhs_error *err);

/* The same from tokens the caller already has for p's text (the bench
** times the analyzer on its own).  The analyzer is still used for the
** title, so tok must not come from an: copy them first, or analyze the
** title first (zhs_passage_terms_title). */
int zhs_passage_terms_title(zhs_passage_terms *pt, zhs_analyzer *an, const char *title,
                            zhs_error *err);
/* The heading path of the passage (zhs_passage.heading, "" or NULL for
** none), analyzed like the title; call it before _text, as _title. */
int zhs_passage_terms_heading(zhs_passage_terms *pt, zhs_analyzer *an, const char *heading,
                              zhs_error *err);
/* tok as zhs_analyzer_run gives them: each text is followed by at least
** ZHS_TOKEN_SLACK readable bytes, so that short keys are copied with a
** fixed move (terms.c). */
#define ZHS_TOKEN_SLACK 16
int zhs_passage_terms_text(zhs_passage_terms *pt, const zhs_token *tok, size_t n, zhs_error *err);
/* Appends one term (prefix + key) at pos, outside the passage length. */
bool zhs_passage_terms_push(zhs_passage_terms *pt, const char *prefix, size_t pl, const char *key, size_t kl,
                            uint32_t pos);
/* Appends the label term of an article label ("第十条之一"); a label that
** is not 第<numeral>条 adds nothing. */
int zhs_passage_terms_label(zhs_passage_terms *pt, const char *label, zhs_error *err);

#endif
