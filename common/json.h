/*
** json.h — the little JSON this program needs: escaping strings for
** output, and reading string or number fields of a flat object (query
** files, evaluation sets).  Never reads past the end of its input.
*/
#ifndef ZHS_JSON_H
#define ZHS_JSON_H

#include "common.h"

/* Appends s[0..n) as a JSON string literal, quotes included. */
bool zhs_json_str(zhs_buf *b, const char *s, size_t n);

/* ------------------------------------------------------------ reading */

/* The one JSON reader of the project (JSONL corpora, query files,
** evaluation sets, requests).  Every function reads at in->p, never past
** in->end, and returns NULL or a short reason ("unterminated string"). */
typedef struct zhs_json_in {
    const char *p, *end;
    size_t invalid;             /* lone surrogates replaced by U+FFFD */
    bool as_text;               /* passage text: control characters become
                                ** spaces, "\r\n" and "\r" a line break */
} zhs_json_in;

#define ZHS_JSON_DEPTH_MAX 64

void zhs_json_ws(zhs_json_in *in);
/* A string at in->p (on its '"'), unescaped into out unless out is NULL. */
const char *zhs_json_string(zhs_json_in *in, zhs_buf *out);
const char *zhs_json_number(zhs_json_in *in);
const char *zhs_json_literal(zhs_json_in *in);     /* true, false, null */
/* Skips any value, nested at most ZHS_JSON_DEPTH_MAX deep. */
const char *zhs_json_skip(zhs_json_in *in, int depth);

/* Finds "key" at the top level of the object in text[0..n) and appends
** its value to out: strings unescaped, numbers as written, arrays of
** strings/numbers joined by '\n'.  Returns 1 found, 0 absent, -1 when the
** text is not a valid flat JSON object. */
int zhs_json_get(zhs_buf *out, const char *text, size_t n, const char *key);

/* Calls each for every member of the flat object text[0..n), in order,
** with its name and value: a string unescaped, a number or true, false
** as written.  A member that is an array, an object or null, or anything
** but white space after the object, makes the text no such object.
** Returns 0; -1 when the text is not such an object, -2 out of memory,
** -3 when a name or value holds a lone surrogate escape (\ud800), or the
** first non-zero value each returned (which stops the walk). */
typedef int (*zhs_json_member_fn)(void *ctx, const char *name, size_t nl, const char *value, size_t vl);
int zhs_json_members(const char *text, size_t n, zhs_json_member_fn each, void *ctx);

#endif
