/*
** dict.h — the word dictionary of the dictionary segmenter (internal).
**
** A dictionary is a trie over UTF-16 units of Han words, laid out
** breadth-first so that it is a handful of flat arrays: the children of a
** node are contiguous and sorted, the children of consecutive nodes are
** consecutive, so first[node]..first[node+1] is a node's child range and a
** lookup is one binary search per character.  The same layout is written by
** the build (analysis/gen/mkdict.c, embedded into the library) and built in
** memory for a user dictionary, so one walk serves both.
**
** Weights are natural-log probabilities, log(freq / total), as in jieba's
** model; a segmentation's score is the sum of its words' weights.
*/
#ifndef ZHS_DICT_H
#define ZHS_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZHS_DICT_MAGIC "ZHSWORD1"   /* not ZHSDICT1: that is an index's term dictionary */
#define ZHS_DICT_MAX_WORD 32        /* units; longer words are not stored */
#define ZHS_DICT_NOWORD 1.0f        /* weight of a node that is only a prefix */

typedef struct zhs_dict {
    const uint32_t *root;       /* 65536 entries: node of a one-unit prefix, 0 = none */
    const uint32_t *first;      /* nnodes + 1: first child of each node */
    const float *weight;        /* nnodes: log probability, or ZHS_DICT_NOWORD */
    const uint16_t *unit;       /* nnodes: the unit on the edge into the node */
    uint32_t nnodes, nwords;
    float unknown;              /* weight of a character the dictionary lacks */
    uint64_t hash;              /* of the whole layout: names it in fingerprints */
    void *owned;                /* the blob, when built here rather than embedded */
    size_t owned_len;
} zhs_dict;

typedef struct zhs_dict_word {
    const uint16_t *u;
    uint32_t len;
    float weight;
} zhs_dict_word;

/* Builds a dictionary from words (sorted and deduplicated here, keeping the
** larger weight; words longer than ZHS_DICT_MAX_WORD units are dropped).
** Returns false when out of memory.  d->owned is the blob (see
** zhs_dict_view), to be released with zhs_dict_free. */
bool zhs_dict_build(zhs_dict *d, zhs_dict_word *words, size_t n, float unknown);
void zhs_dict_free(zhs_dict *d);

/* Points d at a blob made by zhs_dict_build.  Returns false when the blob
** is not one (wrong magic, sizes that do not add up). */
bool zhs_dict_view(zhs_dict *d, const void *blob, size_t len);

/* Points d at the dictionary built into the library (jieba's dict.txt
** merged with analysis/legal_dict.txt).  Returns false if the embedded blob
** is damaged. */
bool zhs_dict_builtin(zhs_dict *d);

/* The weight of the word u[0..n), or ZHS_DICT_NOWORD when d lacks it. */
float zhs_dict_lookup(const zhs_dict *d, const uint16_t *u, uint32_t n);

/* Scratch for zhs_dict_segment, reused between calls. */
typedef struct zhs_dict_dp {
    double *best;
    uint32_t *next;
    size_t cap;
} zhs_dict_dp;

void zhs_dict_dp_free(zhs_dict_dp *dp);

/* Segments the Han units u[0..n) on the most probable path through the
** words of main and user (user may be NULL).  On success next[i] is where
** the word starting at unit i ends, for every i reached from 0 by
** following next.  lone_first makes u[0] a word by itself.  Returns false
** when out of memory. */
bool zhs_dict_segment(zhs_dict_dp *dp, const zhs_dict *main, const zhs_dict *user,
                      const uint16_t *u, uint32_t n, bool lone_first);

/* The weight that makes a new word beat the best split of its own
** characters (a little more probable than that split), so that a word a
** user adds is found. */
double zhs_dict_suggest_weight(const zhs_dict *main, const uint16_t *u, uint32_t n);

/* Chinese numerals: a word never starts inside a run of them unless it is
** all numerals (第二十条 is 第二十/条, never 第二/十条). */
static inline bool zhs_dict_numeral(uint16_t c)
{
    switch (c) {
    case 0x3007: case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB: case 0x4E94:
    case 0x516D: case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341: case 0x767E:
    case 0x5343: case 0x4E07: case 0x4EBF: case 0x96F6: case 0x4E24:
        return true;
    default:
        return false;
    }
}

uint64_t zhs_dict_fnv(const void *p, size_t n, uint64_t h);

#endif
