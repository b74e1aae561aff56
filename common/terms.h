/*
** terms.h — how analyzer tokens become index terms.  Shared by the native
** index and the Xapian backend, so that both hold the very same terms.
**
** A term is the token's normalised text with a prefix that keeps kinds and
** fields apart.  Normalised text is case-folded, so an upper-case ASCII
** prefix can never collide with a token:
**     word, latin, number    "个人", "ai", "3.5"
**     bigram                 "B个人"
**     title field            "T" + the body form: "T个人", "TB个人"
*/
#ifndef ZHS_TERMS_H
#define ZHS_TERMS_H

#include "common.h"

#define ZHS_TERM_MAX 240    /* longer tokens are cut at a character boundary */

/* Writes the term key of a token into out (at least ZHS_TERM_MAX + 3
** bytes).  Returns its length. */
size_t zhs_term_key(char *out, const zhs_token *t, bool title_field);

#endif
