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

/* A prefix of a word of the main dictionary, remembered by
** zhs_dict_segment (dict.c says how it is keyed). */
typedef struct zhs_dict_edge {
    uint64_t key;               /* 0: an empty entry */
    uint32_t child;             /* the prefix's node, 0: no word starts so */
    float weight;               /* the node's */
} zhs_dict_edge;

/* Scratch for zhs_dict_segment, reused between calls (one thread's).
** Once it has segmented some text it keeps a direct-mapped cache of the
** main dictionary's prefixes: in a long text a few thousand make most of
** the walk, and a cached one is one cache line instead of the child
** range, a binary search and the weight, each a miss in a 5 MB trie. */
typedef struct zhs_dict_dp {
    double *best;
    uint32_t *next;
    size_t cap;
    zhs_dict_edge *memo;        /* NULL: not (yet) kept */
    uint64_t memo_dict;         /* the hash of the dictionary it caches */
    uint64_t units;             /* segmented so far */
} zhs_dict_dp;

void zhs_dict_dp_free(zhs_dict_dp *dp);

/* Segments the Han units u[0..n) on the most probable path through the
** words of main and user (user may be NULL).  On success next[i] is where
** the word starting at unit i ends, for every i reached from 0 by
** following next.  lone_first makes u[0] a word by itself.  numeral_rules
** (the analyzer's default since the fingerprint word "nums=1") keeps a
** numeral and the measure word after it apart (一/次, 三十/个, 第一/个, but
** 第二十条, 第三章 stay whole) and makes a year in Chinese numerals and its
** 年 one word (一九九八年).  Returns false when out of memory. */
bool zhs_dict_segment(zhs_dict_dp *dp, const zhs_dict *main, const zhs_dict *user,
                      const uint16_t *u, uint32_t n, bool lone_first, bool numeral_rules);

/* The weight that makes a new word beat the best split of its own
** characters (a little more probable than that split), so that a word a
** user adds is found. */
double zhs_dict_suggest_weight(const zhs_dict *main, const uint16_t *u, uint32_t n);

/* Chinese numerals: a word never starts inside a run of them unless it is
** all numerals (第二十条 is 第二十/条, never 第二/十条). */
static inline bool zhs_dict_numeral(uint16_t c)
{
    /* 〇一二三四五六七八九十百千万亿零两, each in its own of 32 slots by a
    ** multiplicative hash; a slot no numeral hashes to holds 〇, which
    ** hashes to slot 1.  The segmenter asks this of nearly every unit, some
    ** several times: one multiply and one load where a switch was a chain
    ** of compares.  test_segmenter checks it on all 65,536 units. */
    static const uint16_t numeral[32] = {
        0x4E5D, 0x3007, 0x3007, 0x3007, 0x3007, 0x3007, 0x4E24, 0x3007, 0x3007, 0x3007, 0x96F6,
        0x3007, 0x4EBF, 0x3007, 0x56DB, 0x3007, 0x3007, 0x5341, 0x5343, 0x3007, 0x3007, 0x4E8C,
        0x4E00, 0x4E03, 0x4E94, 0x4E07, 0x4E09, 0x3007, 0x767E, 0x3007, 0x516B, 0x516D,
    };
    return numeral[((uint32_t)c * 918u & 0xFFFFu) >> 11] == c;
}

/* Measure words: after a numeral they are a word of their own (一/次,
** 三/个); ZHS_MEASURE_ORDINAL ones also make an ordinal unit with 第 and a
** numeral, which stays one word (第二十条, 第三章, 第一款, 第五届). */
enum { ZHS_MEASURE_NONE, ZHS_MEASURE_PLAIN, ZHS_MEASURE_ORDINAL };
static inline int zhs_dict_measure(uint16_t c)
{
    switch (c) {
    /* 个 位 种 年 天 件 场 支 份 名 岁 片 股 只 张 台 辆 座 所 套 架 艘 根 周 倍 人 户 步 遍 封 幅 顿 笔 吨 */
    case 0x4E2A: case 0x4F4D: case 0x79CD: case 0x5E74: case 0x5929: case 0x4EF6: case 0x573A: case 0x652F:
    case 0x4EFD: case 0x540D: case 0x5C81: case 0x7247: case 0x80A1: case 0x53EA: case 0x5F20: case 0x53F0:
    case 0x8F86: case 0x5EA7: case 0x6240: case 0x5957: case 0x67B6: case 0x8258: case 0x6839: case 0x5468:
    case 0x500D: case 0x4EBA: case 0x6237: case 0x6B65: case 0x904D: case 0x5C01: case 0x5E45: case 0x987F:
    case 0x7B14: case 0x5428:
        return ZHS_MEASURE_PLAIN;
    /* 次 条 批 项 届 段 句 篇 部 类 层 册 轮 章 节 页 */
    case 0x6B21: case 0x6761: case 0x6279: case 0x9879: case 0x5C4A: case 0x6BB5: case 0x53E5: case 0x7BC7:
    case 0x90E8: case 0x7C7B: case 0x5C42: case 0x518C: case 0x8F6E: case 0x7AE0: case 0x8282: case 0x9875:
        return ZHS_MEASURE_ORDINAL;
    default:
        return ZHS_MEASURE_NONE;
    }
}

/* The numerals that write a year digit by digit (一九九八, 二〇〇一). */
static inline bool zhs_dict_digit(uint16_t c)
{
    return zhs_dict_numeral(c) && c != 0x5341 && c != 0x767E && c != 0x5343 && c != 0x4E07 && c != 0x4EBF &&
           c != 0x4E24;
}

uint64_t zhs_dict_fnv(const void *p, size_t n, uint64_t h);

#endif
