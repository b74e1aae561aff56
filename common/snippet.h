/*
** snippet.h — a short excerpt of a passage around its densest cluster of
** matches, with the matches marked.
*/
#ifndef ZHS_SNIPPET_H
#define ZHS_SNIPPET_H

#include "common.h"

/* Appends to out an excerpt of text[0..len) of about width characters,
** chosen to hold as many matched bytes as possible, cut at character
** boundaries, "…" where text was cut, line breaks shown as spaces, and each
** span wrapped in open/close.  spans: sorted, non-overlapping. */
bool zhs_snippet(zhs_buf *out, const char *text, size_t len, const zhs_span *spans, size_t nspans,
                 size_t width, const char *open, const char *close);

#endif
