/*
** names.h — the form in which a citation compares a law's name with a
** document's title (query/cite.c), and in which the writer stores each
** title's form in the citation table (common/meta.h), so that a query
** compares without analyzing any title.
*/
#ifndef ZHS_NAMES_H
#define ZHS_NAMES_H

#include "common.h"

/* The characters of s[0..n) as the analyzer folds them (traditional ->
** simplified, full-width -> ASCII), in order, without punctuation or
** spaces, and without a leading 中华人民共和国, into out (NUL-terminated):
** 临江市政务服务“一网通办”条例 and 临江市政务服务一网通办条例 have one key.
** Two analyzers of one fingerprint give the same key. */
int zhs_name_key(zhs_buf *out, zhs_analyzer *an, const char *s, size_t n, zhs_error *err);

/* The same through an untyped context (an analyzer), for the metadata
** builder of common/, which cannot see the analyzer. */
int zhs_name_key_fn(void *an, const char *s, size_t n, zhs_buf *out, zhs_error *err);

#endif
