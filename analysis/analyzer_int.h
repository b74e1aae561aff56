/*
** analyzer_int.h — what the index writer and reader need from the analyzer
** beyond the public API: the user dictionary an index keeps a copy of.
*/
#ifndef ZHS_ANALYZER_INT_H
#define ZHS_ANALYZER_INT_H

#include "common.h"

/* The file, per generation, that holds an index's user dictionary: it
** starts with "g<N>." so the writer's stale-file cleanup treats it as one of
** the generation's files. */
#define ZHS_USERDICT_FILE "%s/g%llu.userdict"

/* The analyzer's user dictionary in canonical form (normalised words, one
** a line, with the frequency if one was given): what the fingerprint's
** user= hash is computed over, and what an index stores so that opening
** it reproduces that hash.  NULL when there is none. */
const char *zhs_analyzer_user_words(const zhs_analyzer *a, size_t *len);

/* Does the analyzer add article-number terms (its config's article_terms)?
** Asked once per passage: no copy of the whole config. */
bool zhs_analyzer_article_terms(const zhs_analyzer *a);

/* Does the analyzer emit every Han character as a term (ZHS_CHARS_ALL)?
** Without them the text starts at position 1 at least (terms.c), so that
** position 0 holds only title and heading copies (query/chars.c). */
bool zhs_analyzer_all_chars(const zhs_analyzer *a);

/* Sets which character tokens the analyzer emits (enum zhs_chars) and
** returns the previous setting: a query analyzed for an index without
** every character term still gets them for its one-character parts
** (query/parse.c, query/chars.c).  The fingerprint stays the index's. */
int zhs_analyzer_emit_chars(zhs_analyzer *a, int chars);

/* Does the fingerprint name a user dictionary? */
bool zhs_fingerprint_has_user_dict(const char *fp);

#endif
