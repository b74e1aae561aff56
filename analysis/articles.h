/*
** articles.h — article-number terms: "N第二十条" at the position of 第 wherever
** the bigrams of 第 + Chinese numerals + 条 stand in a row in a passage's
** text (docs/RANKING.md, "Article numbers").  The index side is here; the
** query side (query/parse.c) spells the same chains with the same two
** rules below, so that a phrase part made of such a chain can be matched
** from the term's list instead of the chain's bigram lists.
*/
#ifndef ZHS_ARTICLES_H
#define ZHS_ARTICLES_H

#include "terms.h"

#define ZHS_ARTICLE_PREFIX 'N'      /* the term key's first byte: no other key starts with it */
#define ZHS_ARTICLE_MAX_NUMERALS 12 /* numerals between 第 and 条 a term is made for */
#define ZHS_ARTICLE_DI   0x7B2C     /* 第, a chain's first character */
#define ZHS_ARTICLE_TIAO 0x6761     /* 条, its last */

/* A character that may stand between 第 and 条 (零〇一二三四五六七八九十百千万两). */
bool zhs_article_numeral(uint32_t cp);

/* The term key of the bigram key b ("B" + two characters): sets *c1 and
** *c2 to its characters; false when b is not a bigram key of the body
** field. */
bool zhs_article_bigram(const char *b, size_t len, uint32_t *c1, uint32_t *c2);

/* Appends an article-number term for every chain of bigram terms
** 第c1, c1c2, ..., cm条 at consecutive positions among pt->t[from ..
** pt->n) (c1..cm numerals, m <= ZHS_ARTICLE_MAX_NUMERALS), at the
** position of 第c1.  Outside the passage length, as the label term. */
int zhs_passage_terms_articles(zhs_passage_terms *pt, size_t from, zhs_error *err);

#endif
