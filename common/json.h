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

/* Finds "key" at the top level of the object in text[0..n) and appends
** its value to out: strings unescaped, numbers as written, arrays of
** strings/numbers joined by '\n'.  Returns 1 found, 0 absent, -1 when the
** text is not a valid flat JSON object. */
int zhs_json_get(zhs_buf *out, const char *text, size_t n, const char *key);

#endif
