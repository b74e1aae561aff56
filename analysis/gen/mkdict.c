/*
** mkdict.c — build step: turns jieba's dict.txt ("word freq pos" per line)
** and our analysis/legal_dict.txt ("word" or "word<TAB>freq" per line) into
** the binary dictionary that the library embeds (analysis/dict_blob.c), so
** that no program parses 349,000 text lines when it starts.
**
**   usage: zhs_mkdict JIEBA_DICT LEGAL_DICT OUT
**
** Only words made of BMP Han characters are kept: the dictionary segments
** Han runs only (Latin, digits and symbols go through ICU's word break).
** The probability total is jieba's: the sum of every line's frequency.
**
** The analyzer matches words against *normalised* text (NFKC with case
** folding, then ICU's Traditional-Simplified, one character at a time), so
** each word is also entered in that form: ICU folds 著 to 着, and without
** the folded entry 著名 and 显著 would never be found.
*/
#include "common.h"
#include "dict.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>

typedef struct wordlist {
    zhs_dict_word *w;
    size_t n, cap;
    uint16_t *units;
    size_t nunits, ucap;
} wordlist;

/* UTF-8 -> UTF-16 units if every character is a BMP Han character. */
static uint32_t han_units(const char *s, size_t len, uint16_t *out, uint32_t max)
{
    uint32_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, len - i, &cp);
        if (cp > 0xFFFF || !zhs_is_han(cp) || n == max) return 0;
        out[n++] = (uint16_t)cp;
        i += l;
    }
    return n;
}

typedef struct folder {
    const UNormalizer2 *nfkc_cf;
    UTransliterator *t2s;
} folder;

/* The analyzer's normalisation of u[0..n), character by character; returns
** the folded length, or 0 when it is not n BMP Han units (then no entry). */
static uint32_t fold(const folder *f, const uint16_t *u, uint32_t n, uint16_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        UChar buf[8];
        UErrorCode st = U_ZERO_ERROR;
        UChar in = u[i];
        int32_t k = unorm2_normalize(f->nfkc_cf, &in, 1, buf, 8, &st);
        if (U_FAILURE(st) || k != 1) return 0;
        int32_t len = 1, limit = 1;
        utrans_transUChars(f->t2s, buf, &len, 8, 0, &limit, &st);
        if (U_FAILURE(st) || len != 1 || !zhs_is_han(buf[0])) return 0;
        out[i] = buf[0];
    }
    return n;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "zhs_mkdict: %s %s: %s\n", what, path, errno ? strerror(errno) : "bad data");
    exit(1);
}

/* Offsets, not pointers, while units still grows; fixed up at the end. */
static void add(wordlist *l, const uint16_t *u, uint32_t n, float weight)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1 << 16;
        l->w = realloc(l->w, l->cap * sizeof *l->w);
        if (!l->w) die("out of memory reading", "the dictionary");
    }
    if (l->nunits + n > l->ucap) {
        while (l->nunits + n > l->ucap) l->ucap = l->ucap ? l->ucap * 2 : 1 << 20;
        l->units = realloc(l->units, l->ucap * sizeof *l->units);
        if (!l->units) die("out of memory reading", "the dictionary");
    }
    memcpy(l->units + l->nunits, u, n * sizeof *u);
    l->w[l->n].u = (const uint16_t *)(uintptr_t)l->nunits;
    l->w[l->n].len = n;
    l->w[l->n].weight = weight;
    l->n++;
    l->nunits += n;
}

static void fix(wordlist *l)
{
    for (size_t i = 0; i < l->n; i++) l->w[i].u = l->units + (uintptr_t)l->w[i].u;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: zhs_mkdict JIEBA_DICT LEGAL_DICT OUT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) die("cannot open", argv[1]);
    wordlist l = {0};
    char *line = NULL;
    size_t cap = 0;
    double total = 0;
    size_t lines = 0;
    /* First pass: counts, since weights need the total. */
    typedef struct { size_t off; double freq; } pending;
    pending *pend = NULL;
    size_t npend = 0, pcap = 0;
    wordlist raw = {0};
    folder fo;
    UErrorCode st = U_ZERO_ERROR;
    fo.nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    fo.t2s = utrans_openU(u"Traditional-Simplified", -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st)) {
        fprintf(stderr, "zhs_mkdict: ICU's NFKC_Casefold or Traditional-Simplified is unavailable: %s\n", u_errorName(st));
        return 1;
    }
    size_t folded = 0;
    while (getline(&line, &cap, f) >= 0) {
        lines++;
        char *sp = strchr(line, ' ');
        if (!sp) continue;
        double freq = strtod(sp + 1, NULL);
        if (!(freq > 0)) continue;
        total += freq;
        uint16_t u[ZHS_DICT_MAX_WORD];
        uint32_t n = han_units(line, (size_t)(sp - line), u, ZHS_DICT_MAX_WORD);
        if (!n) continue;
        if (npend == pcap) {
            pcap = pcap ? pcap * 2 : 1 << 16;
            pend = realloc(pend, pcap * sizeof *pend);
            if (!pend) die("out of memory reading", argv[1]);
        }
        pend[npend].off = raw.n;
        pend[npend].freq = freq;
        npend++;
        add(&raw, u, n, 0);
        uint16_t fu[ZHS_DICT_MAX_WORD];
        if (fold(&fo, u, n, fu) && memcmp(fu, u, n * sizeof *u) != 0) {
            if (npend == pcap) {
                pcap *= 2;
                pend = realloc(pend, pcap * sizeof *pend);
                if (!pend) die("out of memory reading", argv[1]);
            }
            pend[npend].off = raw.n;
            pend[npend].freq = freq;
            npend++;
            add(&raw, fu, n, 0);
            folded++;
        }
    }
    utrans_close(fo.t2s);
    fclose(f);
    if (lines < 1000 || total <= 0) {
        fprintf(stderr, "zhs_mkdict: %s has %zu lines: is it jieba's dict.txt?\n", argv[1], lines);
        return 1;
    }
    fix(&raw);
    double logtotal = log(total);
    for (size_t i = 0; i < npend; i++) raw.w[pend[i].off].weight = (float)(log(pend[i].freq) - logtotal);
    float unknown = (float)-logtotal;

    /* The jieba words alone, to weigh the legal words that give no
    ** frequency against the split they would otherwise get. */
    zhs_dict_word *copy = malloc(raw.n * sizeof *copy);
    if (!copy) die("out of memory building", "the dictionary");
    memcpy(copy, raw.w, raw.n * sizeof *copy);
    zhs_dict base;
    if (!zhs_dict_build(&base, copy, raw.n, unknown)) die("out of memory building", "the dictionary");

    f = fopen(argv[2], "r");
    if (!f) die("cannot open", argv[2]);
    size_t lineno = 0, legal = 0, known = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        size_t len = strcspn(line, "\t\r\n");
        if (len == 0 || line[0] == '#') continue;
        uint16_t u[ZHS_DICT_MAX_WORD];
        uint32_t n = han_units(line, len, u, ZHS_DICT_MAX_WORD);
        if (!n) {
            fprintf(stderr, "zhs_mkdict: %s:%zu: not a word of Han characters: fix the line\n", argv[2], lineno);
            return 1;
        }
        double w;
        if (line[len] == '\t') {
            double freq = strtod(line + len + 1, NULL);
            if (!(freq > 0)) {
                fprintf(stderr, "zhs_mkdict: %s:%zu: the frequency is not a positive number\n", argv[2], lineno);
                return 1;
            }
            w = log(freq) - logtotal;
        } else if (zhs_dict_lookup(&base, u, n) <= 0) {
            /* jieba knows the word: its count stands (our list adds words,
            ** it does not reweigh jieba's without a frequency). */
            known++;
            continue;
        } else {
            w = zhs_dict_suggest_weight(&base, u, n);
        }
        add(&l, u, n, (float)w);
        legal++;
    }
    fclose(f);
    fix(&l);

    size_t all = raw.n + l.n;
    zhs_dict_word *words = malloc(all * sizeof *words);
    if (!words) die("out of memory building", "the dictionary");
    memcpy(words, raw.w, raw.n * sizeof *words);
    memcpy(words + raw.n, l.w, l.n * sizeof *words);
    zhs_dict d;
    if (!zhs_dict_build(&d, words, all, unknown)) die("out of memory building", "the dictionary");

    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
    FILE *o = fopen(tmp, "wb");
    if (!o) die("cannot create", tmp);
    if (fwrite(d.owned, 1, d.owned_len, o) != d.owned_len || fclose(o) != 0) die("cannot write", tmp);
    if (rename(tmp, argv[3]) != 0) die("cannot rename to", argv[3]);
    printf("zhs_mkdict: %u words (%zu from %s, %zu of them folded, %zu legal terms added, %zu already known), "
           "%u trie nodes, %zu bytes, hash %016llx\n", d.nwords, npend - folded, argv[1], folded, legal, known, d.nnodes, d.owned_len, (unsigned long long)d.hash);
    zhs_dict_free(&d);
    zhs_dict_free(&base);
    free(words);
    free(copy);
    free(raw.w);
    free(raw.units);
    free(l.w);
    free(l.units);
    free(pend);
    free(line);
    return 0;
}
