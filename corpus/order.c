/*
** order.c — the order files are read in, and so the order of passage ids.
**
** Postings store the gaps between passage ids: the closer the passages
** that share terms sit, the smaller the gaps and the index.  Files on one
** subject share most of their terms, and in a corpus of laws a file's name
** says its subject ("…市大气污染防治条例"), so the files are put in order by
** their names alone: nothing is read, and the order of the 3,475 files of
** laws costs about 13 ms of CPU (bench/RESULTS.md, eighteenth session,
** "bld8"; 25 ms in the seventeenth).
**
** 1. Each file's key is its name without extension and without a trailing
**    "(…)" (the version date), its code points taken from the end: the
**    kind of text (条例, 办法, 规定, 解释) comes first, then its subject.
**    The files are sorted by key, the path breaking ties.
** 2. Each file gets a set of the bigrams of its key (Han characters and
**    ASCII letters), hashed into ORDER_BITS bits; bits that more than half
**    of the files have are cleared, as they tell the files apart no more.
** 3. From the first file in key order, the next file is always the one
**    whose set is most like the last one's (Jaccard), the earliest in key
**    order among equals (with nothing in common: the next in key order).
**
** Step 3 is quadratic at worst, so it works on windows of ORDER_WINDOW
** files in path order; the order keeps no file's text, so memory is no
** reason for windows.  Passages of one file stay together and in their order: only
** whole files move, so a JSONL file's records keep their order too.
*/
#include "corpus_int.h"

#include <stdbool.h>
#include <stdlib.h>

#define ORDER_BITS 512
#define ORDER_WORDS (ORDER_BITS / 64)
#define ORDER_WINDOW 4096

typedef struct order_item {
    uint64_t sig[ORDER_WORDS];
    char *key;              /* the name's code points from its end, UTF-8 */
    size_t pos;             /* in path order: breaks ties */
    unsigned bits;
} order_item;

static bool is_han(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Letters a name's subject is written in: digits and punctuation say
** nothing about it. */
static uint32_t word_cp(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return cp - 'A' + 'a';
    return is_han(cp) || (cp >= 'a' && cp <= 'z') ? cp : 0;
}

/* The bytes of the name's stem without a trailing "(…)" or "（…）". */
static size_t key_len(const char *name)
{
    size_t n = corpus_stem_len(name);
    const char *close_ascii = ")", *close_wide = "\xEF\xBC\x89";    /* ) and U+FF09 */
    const char *open = NULL;
    if (n > 1 && name[n - 1] == *close_ascii) open = "(";
    else if (n > 3 && !memcmp(name + n - 3, close_wide, 3)) open = "\xEF\xBC\x88";
    if (!open) return n;
    size_t ol = strlen(open);
    for (size_t i = n - 1; i-- > 0;)
        if (i + ol <= n && !memcmp(name + i, open, ol)) return i > 0 ? i : n;
    return n;
}

/* item's key and bigram set from its file's name. */
static bool describe(order_item *it, const corpus_file *f)
{
    const char *name = corpus_basename(f->rel);
    size_t n = key_len(name);
    it->key = malloc(n + 1);
    if (!it->key) return false;
    memset(it->sig, 0, sizeof it->sig);
    size_t end = n;
    uint32_t prev = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode_any(name + i, n - i, &cp);
        if (!l) l = 1;
        /* the key is the code points in reverse, each still in UTF-8 */
        memcpy(it->key + end - l, name + i, l);
        end -= l;
        i += l;
        uint32_t w = word_cp(cp);
        if (w && prev) {
            uint32_t h = prev * 0x9E3779B1u ^ w * 0x85EBCA77u;
            h ^= h >> 15;
            h *= 0x2C1B3C6Du;
            h ^= h >> 13;
            h %= ORDER_BITS;
            it->sig[h / 64] |= 1ull << (h % 64);
        }
        prev = w;
    }
    it->key[n] = 0;
    return true;
}

static int cmp_key(const void *a, const void *b)
{
    const order_item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Clears the bits more than half of the n items have; counts the rest. */
static void drop_common(order_item *v, size_t n)
{
    unsigned df[ORDER_BITS] = {0};
    for (size_t i = 0; i < n; i++)
        for (unsigned w = 0; w < ORDER_WORDS; w++)
            for (uint64_t m = v[i].sig[w]; m; m &= m - 1) df[w * 64 + (unsigned)__builtin_ctzll(m)]++;
    uint64_t keep[ORDER_WORDS] = {0};
    for (unsigned b = 0; b < ORDER_BITS; b++)
        if ((size_t)df[b] * 2 <= n) keep[b / 64] |= 1ull << (b % 64);
    for (size_t i = 0; i < n; i++) {
        unsigned bits = 0;
        for (unsigned w = 0; w < ORDER_WORDS; w++) {
            v[i].sig[w] &= keep[w];
            bits += (unsigned)__builtin_popcountll(v[i].sig[w]);
        }
        v[i].bits = bits;
    }
}

/* Greedy nearest neighbour: out[0..n) the items of v in walk order.  A
** name has a dozen bits of ORDER_BITS, so the items that share a bit with
** the last one are found through a list per bit (lists hold the items in
** key order), and only they are compared.  The lists' scan is most of the
** order's time and all of it is on the build's critical path (before the
** first file is read): items are 16-bit (a window is at most ORDER_WINDOW
** files), and one array says both whether an item is placed and how many
** bits it shares with the last one, so the scan reads one entry per item
** (about half the time of a bool and a count, apart, with size_t items). */
typedef uint16_t order_ix;
#define PLACED UINT16_MAX       /* in common: the item is in the order already */

typedef struct order_lists {
    size_t *start;          /* ORDER_BITS + 1 offsets into item */
    size_t *end;            /* per bit: the end of its live items */
    order_ix *item;
    uint16_t *common;       /* per item: bits shared with the last one, or PLACED */
    order_ix *touched;      /* the items whose common is not 0 */
    size_t *fill;           /* ORDER_BITS cursors, while the lists are filled */
    uint16_t *bits;         /* per item: its bits (v[i].bits, packed) */
} order_lists;

_Static_assert(ORDER_WINDOW <= PLACED && ORDER_BITS < PLACED, "items and counts fit 16 bits");

static void lists_fill(order_lists *l, const order_item *v, size_t n)
{
    memset(l->start, 0, (ORDER_BITS + 1) * sizeof *l->start);
    for (size_t i = 0; i < n; i++)
        for (unsigned w = 0; w < ORDER_WORDS; w++)
            for (uint64_t m = v[i].sig[w]; m; m &= m - 1) l->start[w * 64 + (unsigned)__builtin_ctzll(m) + 1]++;
    for (unsigned b = 0; b < ORDER_BITS; b++) l->start[b + 1] += l->start[b];
    memcpy(l->fill, l->start, ORDER_BITS * sizeof *l->fill);
    for (size_t i = 0; i < n; i++)
        for (unsigned w = 0; w < ORDER_WORDS; w++)
            for (uint64_t m = v[i].sig[w]; m; m &= m - 1)
                l->item[l->fill[w * 64 + (unsigned)__builtin_ctzll(m)]++] = (order_ix)i;
    memcpy(l->end, l->start + 1, ORDER_BITS * sizeof *l->end);
    memset(l->common, 0, n * sizeof *l->common);
    for (size_t i = 0; i < n; i++) l->bits[i] = (uint16_t)v[i].bits;
}

static size_t nearest(order_lists *l, const order_item *v, size_t cur, size_t *first_free)
{
    order_ix *restrict item = l->item;
    uint16_t *restrict common = l->common;
    order_ix *restrict touched = l->touched;
    size_t nt = 0;
    for (unsigned w = 0; w < ORDER_WORDS; w++)
    for (uint64_t m = v[cur].sig[w]; m; m &= m - 1) {
        unsigned b = w * 64 + (unsigned)__builtin_ctzll(m);
        /* items placed already leave the list as it is read */
        size_t live = l->start[b], end = l->end[b];
        for (size_t k = live; k < end; k++) {
            /* without branches: whether an item is placed is no pattern */
            order_ix j = item[k];
            uint16_t c = common[j];
            bool live_j = c != PLACED;
            item[live] = j;
            live += live_j;
            common[j] = (uint16_t)(c + live_j);
            touched[nt] = j;
            nt += c == 0;
        }
        l->end[b] = live;
    }
    while (common[*first_free] == PLACED) ++*first_free;
    size_t best = *first_free;      /* nothing in common: the next in key order */
    unsigned ba = 0, bu = 1;        /* the best so far, ba/bu */
    for (size_t t = 0; t < nt; t++) {
        size_t j = touched[t];
        unsigned a = common[j], u = l->bits[cur] + l->bits[j] - a;
        common[j] = 0;
        uint64_t x = (uint64_t)a * bu, y = (uint64_t)ba * u;
        if (x > y || (x == y && j < best)) {
            ba = a;
            bu = u;
            best = j;
        }
    }
    return best;
}

static void chain(order_lists *l, const order_item *v, size_t n, size_t *out)
{
    lists_fill(l, v, n);
    size_t cur = 0, first_free = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0) cur = nearest(l, v, cur, &first_free);
        l->common[cur] = PLACED;
        out[k] = cur;
    }
}

static int order_window(corpus_file *files, size_t n, order_item *v, order_lists *l, size_t *out,
                        corpus_file *tmp, zhs_error *err)
{
    size_t made = 0;
    int rc = ZHS_OK;
    for (; made < n; made++) {
        v[made].pos = made;
        if (!describe(&v[made], &files[made])) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory ordering %zu files", n);
            break;
        }
    }
    if (!rc) {
        qsort(v, n, sizeof *v, cmp_key);
        drop_common(v, n);
        /* the lists hold each item once per bit it has */
        size_t nitems = 0;
        for (size_t i = 0; i < n; i++) nitems += v[i].bits;
        l->item = malloc((nitems ? nitems : 1) * sizeof *l->item);
        if (!l->item) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory ordering %zu files", n);
    }
    if (!rc) {
        chain(l, v, n, out);
        free(l->item);
        l->item = NULL;
        for (size_t k = 0; k < n; k++) tmp[k] = files[v[out[k]].pos];
        memcpy(files, tmp, n * sizeof *files);
    }
    for (size_t i = 0; i < made; i++) free(v[i].key);
    return rc;
}

int corpus_order(zhs_corpus *c, zhs_error *err)
{
    if (c->nfiles < 3) return ZHS_OK;
    size_t w = c->nfiles < ORDER_WINDOW ? c->nfiles : ORDER_WINDOW;
    order_item *v = malloc(w * sizeof *v);
    size_t *out = malloc(w * sizeof *out);
    corpus_file *tmp = malloc(w * sizeof *tmp);
    order_lists l = {malloc((ORDER_BITS + 1) * sizeof *l.start), malloc(ORDER_BITS * sizeof *l.end), NULL,
                     malloc(w * sizeof *l.common), malloc((w + 1) * sizeof *l.touched), malloc(ORDER_BITS * sizeof *l.fill),
                     malloc(w * sizeof *l.bits)};
    int rc = v && out && tmp && l.start && l.end && l.common && l.touched && l.fill && l.bits
                 ? ZHS_OK
                 : zhs_fail(err, ZHS_ENOMEM, "out of memory ordering %zu files", c->nfiles);
    for (size_t at = 0; !rc && at < c->nfiles; at += w) {
        size_t n = c->nfiles - at < w ? c->nfiles - at : w;
        rc = order_window(c->files + at, n, v, &l, out, tmp, err);
    }
    free(v);
    free(out);
    free(tmp);
    free(l.start);
    free(l.end);
    free(l.common);
    free(l.touched);
    free(l.fill);
    free(l.bits);
    return rc;
}
