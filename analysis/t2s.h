/*
** t2s.h — phrase-level traditional -> simplified folding with OpenCC, for
** the analyzer only (analysis/t2s.c says how the offset map is kept).
*/
#ifndef ZHS_T2S_H
#define ZHS_T2S_H

#include "common.h"

#include <unicode/utypes.h>

/* Taiwan standard to mainland simplified, with Taiwan phrases (網路 ->
** 网络, 程式 -> 程序).  The fingerprint records it with the version. */
#define ZHS_T2S_CONFIG "tw2sp.json"
/* Plain character-level traditional -> simplified: a run is converted only
** when it holds a character this changes (t2s.c says why). */
#define ZHS_T2S_DETECT "t2s.json"

typedef struct zhs_t2s zhs_t2s;

int zhs_t2s_open(zhs_t2s **out, zhs_error *err);
void zhs_t2s_close(zhs_t2s *t);

/* "opencc=VERSION/CONFIG", as the analyzer fingerprint records it. */
const char *zhs_t2s_describe(void);

/* Folds the Han runs of the normalised text u16[0..*n) that hold a
** traditional character, keeping every unit's source byte range exact.
** The three arrays (and *cap, their common capacity) may be swapped for
** buffers of t; *n is the new length.  Returns false only when out of
** memory. */
bool zhs_t2s_fold(zhs_t2s *t, UChar **u16, uint32_t **src_start, uint32_t **src_end,
                  size_t *cap, size_t *n);

/* Whether 著 in a folded run becomes the particle 着 outside the words in
** which it is zhù (著作, 显著, 名著 …); off until set. */
void zhs_t2s_particle_zhe(zhs_t2s *t, bool on);

/* What the plain character table (ZHS_T2S_DETECT) makes of cp on its own,
** or cp itself when that is not one code point. */
uint32_t zhs_t2s_char(zhs_t2s *t, uint32_t cp);

#endif /* ZHS_T2S_H */
