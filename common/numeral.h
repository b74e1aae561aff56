/*
** numeral.h — Chinese and Arabic numerals, and law citations.
**
** Laws number their articles in Chinese (第一千一百六十五条) and people cite
** them either way (民法典第1165条); the index and the query meet on one
** canonical form, the article number in Arabic digits.
*/
#ifndef ZHS_NUMERAL_H
#define ZHS_NUMERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest value the numeral functions handle: article, paragraph and
** item numbers are far below it, and it keeps the arithmetic in range. */
#define ZHS_NUMERAL_MAX 99999999u

/* Whether cp can stand in a numeral zhs_numeral_parse reads: a digit
** (ASCII, full-width, Chinese) or a unit (十百千万, 萬). */
bool zhs_numeral_char(uint32_t cp);

/* Reads the numeral that starts s (n bytes): Arabic digits (ASCII or
** full-width) or Chinese numerals (〇零一二两三四五六七八九十百千万, and the
** traditional 兩萬), in the usual form (一百零五) or digit by digit (一〇五).
** Returns the bytes read and sets *value, or returns 0 when s does not
** start with a numeral or the value exceeds ZHS_NUMERAL_MAX. */
size_t zhs_numeral_parse(const char *s, size_t n, uint32_t *value);

/* Writes value in Chinese numerals as laws write them (十三, 一百零五,
** 一千一百一十, 二万零一) into out, NUL-terminated.  cap of 64 bytes is
** always enough.  Returns the length, 0 if it does not fit. */
size_t zhs_numeral_format(char *out, size_t cap, uint32_t value);

/* A citation of a part of an article: 第十条之一第二款第三项. */
typedef struct zhs_article_ref {
    uint32_t article;           /* 第X条 */
    uint32_t sub;               /* 之Y, 0 if none */
    uint32_t para;              /* 第Z款, 0 if none */
    uint32_t item;              /* 第W项, 0 if none */
} zhs_article_ref;

/* Reads 第X条 (or 條) with optional 之Y, 第Z款 and 第W项 (項) at s.  Returns
** the bytes read, 0 when s does not start with 第<numeral>条. */
size_t zhs_article_ref_parse(const char *s, size_t n, zhs_article_ref *ref);

/* Where the first 第<numeral>条 of s starts, or n when none does. */
size_t zhs_article_ref_find(const char *s, size_t n, zhs_article_ref *ref, size_t *len);

/* The index term of an article label: "A" + number, "-" + sub for 之Y
** ("A13", "A10-1").  out needs ZHS_ARTICLE_KEY_MAX bytes; returns the
** length. */
#define ZHS_ARTICLE_KEY_MAX 24
size_t zhs_article_key(char *out, uint32_t article, uint32_t sub);

#endif
