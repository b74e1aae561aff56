/*
** dict.c — building, reading and walking the segmenter's dictionary, and
** the maximum-probability segmentation of a Han run (dict.h).
**
** Kept free of ICU and of the rest of the library so that the build-time
** generator (analysis/gen/mkdict.c) links the very code the analyzer runs:
** the blob it writes is read back here without any translation.
*/
#include "dict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { HEADER = 32, ROOT_ENTRIES = 65536 };

/* A run of Chinese numerals as a word: about as probable as a word seen
** 100 times in jieba's counts, which beats splitting it into pieces. */
#define NUMERAL_LOGFREQ 4.6

/* The margin by which a suggested weight beats the split it replaces. */
#define SUGGEST_MARGIN 1.0

uint64_t zhs_dict_fnv(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static int cmp_word(const void *pa, const void *pb)
{
    const zhs_dict_word *a = pa, *b = pb;
    uint32_t n = a->len < b->len ? a->len : b->len;
    for (uint32_t i = 0; i < n; i++)
        if (a->u[i] != b->u[i]) return a->u[i] < b->u[i] ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

static size_t blob_size(uint32_t nnodes)
{
    size_t s = HEADER + (size_t)ROOT_ENTRIES * 4 + ((size_t)nnodes + 1) * 4 + (size_t)nnodes * 4 + (size_t)nnodes * 2;
    return (s + 7) & ~(size_t)7;
}

static void set_views(zhs_dict *d, const uint8_t *blob, uint32_t nnodes)
{
    const uint8_t *p = blob + HEADER;
    d->root = (const uint32_t *)(const void *)p;
    p += (size_t)ROOT_ENTRIES * 4;
    d->first = (const uint32_t *)(const void *)p;
    p += ((size_t)nnodes + 1) * 4;
    d->weight = (const float *)(const void *)p;
    p += (size_t)nnodes * 4;
    d->unit = (const uint16_t *)(const void *)p;
    d->nnodes = nnodes;
}

bool zhs_dict_build(zhs_dict *d, zhs_dict_word *words, size_t n, float unknown)
{
    memset(d, 0, sizeof *d);
    /* Sort, drop what cannot be stored, keep the larger weight of twins. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (words[i].len > 0 && words[i].len <= ZHS_DICT_MAX_WORD && words[i].weight <= 0) words[m++] = words[i];
    qsort(words, m, sizeof *words, cmp_word);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (k && cmp_word(&words[k - 1], &words[i]) == 0) {
            if (words[i].weight > words[k - 1].weight) words[k - 1].weight = words[i].weight;
        } else {
            words[k++] = words[i];
        }
    }
    m = k;
    if (m > UINT32_MAX / 64) return false;

    /* Every node is a distinct prefix: at most one per unit of every word. */
    size_t maxnodes = 1;
    for (size_t i = 0; i < m; i++) maxnodes += words[i].len;
    uint32_t *lo = malloc(maxnodes * sizeof *lo), *hi = malloc(maxnodes * sizeof *hi);
    uint8_t *depth = malloc(maxnodes);
    uint32_t *first = malloc((maxnodes + 1) * sizeof *first);
    float *weight = malloc(maxnodes * sizeof *weight);
    uint16_t *unit = malloc(maxnodes * sizeof *unit);
    bool ok = lo && hi && depth && first && weight && unit;
    uint32_t nnodes = 1;
    if (ok) {
        lo[0] = 0;
        hi[0] = (uint32_t)m;
        depth[0] = 0;
        unit[0] = 0;
        /* Breadth first over ranges of the sorted words: a node's words are
        ** a range sharing its prefix, its children split that range by the
        ** next unit. */
        for (uint32_t node = 0; node < nnodes; node++) {
            uint32_t a = lo[node], b = hi[node], dd = depth[node];
            first[node] = nnodes;
            weight[node] = ZHS_DICT_NOWORD;
            if (a < b && words[a].len == dd) weight[node] = words[a++].weight;
            while (a < b) {
                uint16_t c = words[a].u[dd];
                uint32_t e = a + 1;
                while (e < b && words[e].u[dd] == c) e++;
                lo[nnodes] = a;
                hi[nnodes] = e;
                depth[nnodes] = (uint8_t)(dd + 1);
                unit[nnodes] = c;
                nnodes++;
                a = e;
            }
        }
        first[nnodes] = nnodes;
    }
    uint8_t *blob = ok ? calloc(1, blob_size(nnodes)) : NULL;
    if (blob) {
        memcpy(blob, ZHS_DICT_MAGIC, 8);
        memcpy(blob + 8, &nnodes, 4);
        uint32_t nw = (uint32_t)m;
        memcpy(blob + 12, &nw, 4);
        memcpy(blob + 16, &unknown, 4);
        set_views(d, blob, nnodes);
        uint32_t *root = (uint32_t *)(void *)(blob + HEADER);
        for (uint32_t i = first[0]; i < first[1]; i++) root[unit[i]] = i;
        memcpy((void *)d->first, first, ((size_t)nnodes + 1) * sizeof *first);
        memcpy((void *)d->weight, weight, (size_t)nnodes * sizeof *weight);
        memcpy((void *)d->unit, unit, (size_t)nnodes * sizeof *unit);
        uint64_t h = zhs_dict_fnv(blob + 8, blob_size(nnodes) - 8, 1469598103934665603ull);
        memcpy(blob + 24, &h, 8);
        d->nwords = nw;
        d->unknown = unknown;
        d->hash = h;
        d->owned = blob;
        d->owned_len = blob_size(nnodes);
    }
    free(lo);
    free(hi);
    free(depth);
    free(first);
    free(weight);
    free(unit);
    if (!blob) memset(d, 0, sizeof *d);
    return blob != NULL;
}

void zhs_dict_free(zhs_dict *d)
{
    free(d->owned);
    memset(d, 0, sizeof *d);
}

bool zhs_dict_view(zhs_dict *d, const void *blob, size_t len)
{
    memset(d, 0, sizeof *d);
    const uint8_t *b = blob;
    if (len < HEADER || memcmp(b, ZHS_DICT_MAGIC, 8) != 0) return false;
    uint32_t nnodes, nwords;
    memcpy(&nnodes, b + 8, 4);
    memcpy(&nwords, b + 12, 4);
    if (nnodes == 0 || nnodes > (1u << 28) || blob_size(nnodes) != len || ((uintptr_t)b & 3)) return false;
    memcpy(&d->unknown, b + 16, 4);
    memcpy(&d->hash, b + 24, 8);
    set_views(d, b, nnodes);
    d->nwords = nwords;
    /* Walks trust first[] and root[]: check them once, not per lookup. */
    if (d->first[0] != 1 || d->first[nnodes] != nnodes) return false;
    for (uint32_t i = 0; i < nnodes; i++)
        if (d->first[i] > d->first[i + 1] || d->first[i + 1] > nnodes) return false;
    for (uint32_t c = 0; c < ROOT_ENTRIES; c++)
        if (d->root[c] >= nnodes) return false;
    return true;
}

/* ---------------------------------------------------------------- walking */

/* A node's children are its units in increasing order.  A wide range
** is halved with branches (their speculation runs ahead into the next
** halves, which miss in the trie); the last eight units or fewer, a line
** or two already asked for, are halved without: there the branches had no
** pattern (the scan that ended the search mispredicted on about half the
** look-ups) and a wrong guess costs more than the loads.  0 (the root, no
** one's child): no such child. */
static inline uint32_t child(const zhs_dict *d, uint32_t node, uint16_t c)
{
    const uint16_t *unit = d->unit;
    uint32_t lo = d->first[node], hi = d->first[node + 1];
    while (hi - lo > 8) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (unit[mid] < c) lo = mid + 1;
        else hi = mid + 1;      /* mid may be the match */
    }
    uint32_t n = hi - lo;
    if (n == 0) return 0;
    while (n > 1) {
        uint32_t half = n / 2;
        lo = unit[lo + half] <= c ? lo + half : lo;
        n -= half;
    }
    return unit[lo] == c ? lo : 0;
}

/* The prefix cache: 2^MEMO_BITS entries of 16 bytes (512 KB,
** twice what fourteen bits held), kept only after MEMO_AFTER
** units, so that a query's analyzer, which segments a few words, never
** takes it.  Fifteen bits: segmenting the Han runs of laws took 0.95 of
** the CPU time of fourteen (median of seven interleaved runs on a loaded
** host, 0.93-1.09), 3% fewer instructions in the walk and 23% fewer L1
** misses under callgrind; sixteen bits gave 0.95-1.08, a 4-way set per
** cache line 1.27-1.31 (bld3). */
enum { MEMO_BITS = 15, MEMO_AFTER = 1 << 16 };

/* A prefix of two or three units is keyed by its units side by side (no
** unit of a Han run is 0; the walk checks), so that the entries of a
** walk's first two steps come from the text alone: they are asked for
** MEMO_AHEAD starts before their turn, and a walk's second look-up no
** longer waits for its first.  A longer prefix (most walks end sooner)
** is keyed by its parent's node and its last unit, NODE_KEY marking it
** (a units key has its top 16 bits 0).  Keyed by node and unit alone, as
** before, an entry's place was known only once the one before it had
** loaded, so the walk was a chain of misses: 34% of the walk's samples
** waited on the cache's tag.  Segmenting the Han runs of laws: ahead 1,
** 2, 3, 4, 6, 12 took 0.91, 0.83-0.94, 0.88, 0.91, 0.91, 0.98 of the time
** keyed by node (medians of seven alternated rounds, thread CPU; the
** text key alone 0.98; the first step's entry alone 1.06 of both). */
enum { MEMO_AHEAD = 3 };
#define NODE_KEY (0xFFFFull << 48)

static inline zhs_dict_edge *memo_slot(zhs_dict_edge *memo, uint64_t key)
{
    return &memo[key * 0x9E3779B97F4A7C15ull >> (64 - MEMO_BITS)];
}

/* Asks for the entries of the prefixes of two and three units at u[0]. */
static inline void memo_prefetch(zhs_dict_edge *memo, const uint16_t *u)
{
    uint64_t key = (uint64_t)u[0] | (uint64_t)u[1] << 16;
    __builtin_prefetch(memo_slot(memo, key));
    __builtin_prefetch(memo_slot(memo, key | (uint64_t)u[2] << 32));
}

void zhs_dict_dp_free(zhs_dict_dp *dp)
{
    free(dp->best);
    free(dp->next);
    free(dp->memo);
    memset(dp, 0, sizeof *dp);
}

/* Starts (or restarts, for another dictionary) the prefix cache once the
** scratch has segmented enough; without memory it is simply not kept. */
static void memo_start(zhs_dict_dp *dp, const zhs_dict *d)
{
    if (dp->memo && dp->memo_dict != d->hash) {
        free(dp->memo);
        dp->memo = NULL;
    }
    if (!dp->memo && dp->units >= MEMO_AFTER) {
        dp->memo = calloc((size_t)1 << MEMO_BITS, sizeof *dp->memo);
        dp->memo_dict = d->hash;
    }
}

static bool dp_reserve(zhs_dict_dp *dp, size_t n)
{
    if (n + 1 <= dp->cap) return true;
    size_t cap = dp->cap ? dp->cap : 256;
    while (cap < n + 1) cap *= 2;
    double *b = realloc(dp->best, cap * sizeof *b);
    if (b) dp->best = b;
    uint32_t *x = realloc(dp->next, cap * sizeof *x);
    if (x) dp->next = x;
    if (!b || !x) return false;
    dp->cap = cap;
    return true;
}

static inline bool is_high(uint16_t c) { return (c & 0xFC00) == 0xD800; }

/* Whether the numerals u[h..k) and the measure word u[k] may not make one
** word: they are two (一/次), except after 第 with a measure word of
** ordinal units (第二十条), and for the lexical 百年, 千年 and the
** indefinite 一个 (not after 第: 第一/个). */
static bool numeral_measure(const uint16_t *u, uint32_t i, uint32_t h, uint32_t k)
{
    int m = zhs_dict_measure(u[k]);
    if (m == ZHS_MEASURE_NONE || (h > i && m == ZHS_MEASURE_ORDINAL)) return false;
    if (k - h != 1) return true;
    return !(u[h] == 0x767E || u[h] == 0x5343 || (h == i && u[h] == 0x4E00 && u[k] == 0x4E2A && (i == 0 || u[i - 1] != 0x7B2C)));
}

/* The node of u[i..k], its parent's being node and *key the parent's
** key, through d's cache; *w: its weight.  No unit of u[i..k] is 0. */
static inline uint32_t memo_step(zhs_dict_edge *memo, const zhs_dict *d, const uint16_t *u, uint32_t i, uint32_t k,
                                 uint32_t node, uint64_t *key, float *w)
{
    uint32_t depth = k - i;
    if (depth <= 2) *key |= (uint64_t)u[k] << (16 * depth);
    else *key = NODE_KEY | (uint64_t)u[k] << 32 | node;
    zhs_dict_edge *e = memo_slot(memo, *key);
    if (e->key != *key) {
        uint32_t ch = child(d, node, u[k]);
        e->key = *key;
        e->child = ch;
        e->weight = ch ? d->weight[ch] : ZHS_DICT_NOWORD;
    }
    *w = e->weight;
    return e->child;
}

/* Offers the dictionary words of d that start at u[i] to best/next;
** memo: d's cache, or NULL. */
static void offer_words(zhs_dict_dp *dp, const zhs_dict *d, zhs_dict_edge *memo, const uint16_t *u, uint32_t n,
                        uint32_t i, bool inside_numerals, bool numeral_rules)
{
    uint32_t node = d->root[u[i]];
    uint64_t key = u[i];
    bool cached = memo && u[i];     /* the walk's prefixes so far all keyed */
    bool all_numerals = zhs_dict_numeral(u[i]);
    /* u[h..k) all numerals, h after a leading 第 */
    uint32_t h = numeral_rules && u[i] == 0x7B2C ? i + 1 : i;
    bool counted = numeral_rules && h < n && zhs_dict_numeral(u[h]);
    for (uint32_t k = i + 1; node && k < n; k++) {
        float w;
        if (cached && u[k]) {
            node = memo_step(memo, d, u, i, k, node, &key, &w);
        } else {
            cached = false;
            node = child(d, node, u[k]);
            w = node ? d->weight[node] : ZHS_DICT_NOWORD;
        }
        if (!node) break;
        all_numerals = all_numerals && zhs_dict_numeral(u[k]);
        if (inside_numerals && !all_numerals) break;
        bool split = counted && k > h && numeral_measure(u, i, h, k);
        if (k > h) counted = counted && zhs_dict_numeral(u[k]);
        if (w > 0 || split) continue;
        double s = w + dp->best[k + 1];
        /* Ties go to the longer word. */
        if (s >= dp->best[i]) {
            dp->best[i] = s;
            dp->next[i] = k + 1;
        }
    }
}

float zhs_dict_lookup(const zhs_dict *d, const uint16_t *u, uint32_t n)
{
    if (n == 0) return ZHS_DICT_NOWORD;
    uint32_t node = d->root[u[0]];
    for (uint32_t k = 1; node && k < n; k++) node = child(d, node, u[k]);
    return node ? d->weight[node] : ZHS_DICT_NOWORD;
}

/* 一九九八, 二〇〇一: four or more numerals that are all digits (a year;
** 三五年, "three or five years", is not one). */
static bool year_digits(const uint16_t *u, uint32_t n)
{
    if (n < 4) return false;
    for (uint32_t k = 0; k < n; k++)
        if (!zhs_dict_digit(u[k])) return false;
    return true;
}

static float single_weight(const zhs_dict *d, uint16_t c)
{
    uint32_t node = d->root[c];
    return node && d->weight[node] <= 0 ? d->weight[node] : ZHS_DICT_NOWORD;
}

bool zhs_dict_segment(zhs_dict_dp *dp, const zhs_dict *main, const zhs_dict *user,
                      const uint16_t *u, uint32_t n, bool lone_first, bool numeral_rules)
{
    if (!dp_reserve(dp, n)) return false;
    memo_start(dp, main);
    dp->units += n;
    dp->best[n] = 0;
    uint32_t numerals_end = n;    /* end of the numeral run that holds i */
    for (uint32_t i = n; i-- > 0;) {
        if (!zhs_dict_numeral(u[i])) numerals_end = i;
        uint32_t step = is_high(u[i]) && i + 1 < n ? 2 : 1;
        if (step == 1 && i > 0 && is_high(u[i - 1]) && (u[i] & 0xFC00) == 0xDC00) {
            /* The second half of a pair: never a word start. */
            dp->best[i] = -1e30;
            dp->next[i] = i + 1;
            continue;
        }
        float w = main->unknown;
        if (step == 1) {
            float m = single_weight(main, u[i]);
            if (m <= 0) w = m;
            if (user) {
                float uw = single_weight(user, u[i]);
                if (uw <= 0 && uw > w) w = uw;
            }
        }
        dp->best[i] = w + dp->best[i + step];
        dp->next[i] = i + step;
        if (step == 2 || (i == 0 && lone_first)) continue;
        bool num = zhs_dict_numeral(u[i]);
        bool inside = num && i > 0 && zhs_dict_numeral(u[i - 1]);
        if (dp->memo && i >= MEMO_AHEAD && i - MEMO_AHEAD + 2 < n) memo_prefetch(dp->memo, u + i - MEMO_AHEAD);
        offer_words(dp, main, dp->memo, u, n, i, inside, numeral_rules);
        if (user) offer_words(dp, user, NULL, u, n, i, inside, numeral_rules);
        /* A whole run of numerals, or 第 and the run after it, is one word;
        ** so is a year written digit by digit with its 年. */
        uint32_t end = 0;
        if (num && !inside && numerals_end - i >= 2) {
            end = numerals_end;
            if (numeral_rules && end < n && u[end] == 0x5E74 && year_digits(u + i, end - i)) end++;
        }
        else if (u[i] == 0x7B2C && i + 1 < n && zhs_dict_numeral(u[i + 1])) {
            end = i + 1;
            while (end < n && zhs_dict_numeral(u[end])) end++;
        }
        if (end) {
            double s = main->unknown + NUMERAL_LOGFREQ + dp->best[end];
            if (s >= dp->best[i]) {
                dp->best[i] = s;
                dp->next[i] = end;
            }
        }
    }
    return true;
}

double zhs_dict_suggest_weight(const zhs_dict *main, const uint16_t *u, uint32_t n)
{
    zhs_dict_dp dp = {0};
    double w = main->unknown * (double)n;
    if (zhs_dict_segment(&dp, main, NULL, u, n, false, false)) w = dp.best[0];
    zhs_dict_dp_free(&dp);
    w += SUGGEST_MARGIN;
    return w > -1e-3 ? -1e-3 : w;
}
