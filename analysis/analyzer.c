/*
** analyzer.c — the one Chinese analyzer, shared by indexing and querying.
**
**   original UTF-8 ──map each code point──▶ normalised UTF-16 (+ source offsets)
**                   ──ICU word break──▶ segments ──▶ words, bigrams, latin/number
**
** Normalisation is NFKC with case folding followed by ICU's
** Traditional-Simplified transliteration.  Both are applied one code point
** at a time through a lazily filled table, for two reasons: every unit of
** the normalised text must point back to the bytes it came from (so
** highlights land on the original text), and the table turns two ICU calls
** per character into one array load on the hot path.  What is lost is
** composition across characters (a letter followed by a combining accent
** stays two code points) and the rare context-dependent T->S rule; neither
** matters for the Han text this engine is for.
*/
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <unicode/uversion.h>

#define MAP_UNKNOWN 0xFFFFFFFFu
#define MAP_MULTI 0x80000000u   /* low bits: index into multi[] */
#define MAP_EMPTY 0x40000000u   /* maps to nothing (default ignorables) */
#define MAX_EXPANSION 18        /* NFKC_CF of one code point is at most 18 units */

struct zhs_analyzer {
    zhs_analyzer_config cfg;
    char fingerprint[160];
    const UNormalizer2 *nfkc_cf;
    UTransliterator *t2s;       /* NULL when fold_traditional is off */
    UBreakIterator *brk;

    uint32_t *bmp_map;          /* 65536 entries, MAP_UNKNOWN until first use */
    UChar *multi;               /* expansions: [len][units...] */
    size_t multi_len, multi_cap;

    /* normalised text: units and, per unit, the source byte range */
    UChar *u16;
    uint32_t *src_start, *src_end;
    size_t u16_cap;

    zhs_token *tokens;
    size_t ntokens, tokens_cap;
    zhs_buf terms;              /* term texts, NUL-separated */
    zhs_buf seg_out;
};

void zhs_analyzer_config_default(zhs_analyzer_config *cfg)
{
    cfg->fold_traditional = 1;
    cfg->words = 1;
    cfg->bigrams = 1;
}

int zhs_analyzer_config_from_fingerprint(zhs_analyzer_config *cfg, const char *fp)
{
    zhs_analyzer_config_default(cfg);
    if (strncmp(fp, "zhs-analyzer/", 13) != 0) return ZHS_EINVAL;
    const char *t = strstr(fp, " trad="), *w = strstr(fp, " words="), *b = strstr(fp, " bigrams=");
    if (!t || !w || !b) return ZHS_EINVAL;
    cfg->fold_traditional = t[6] == '1';
    cfg->words = w[7] == '1';
    cfg->bigrams = b[9] == '1';
    return ZHS_OK;
}

static int icu_fail(zhs_error *err, UErrorCode st, const char *what)
{
    return zhs_fail(err, ZHS_EICU, "ICU %s failed: %s (is the ICU data package libicu72 installed?)",
                    what, u_errorName(st));
}

int zhs_analyzer_open(zhs_analyzer **out, const zhs_analyzer_config *cfg, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_analyzer *a = calloc(1, sizeof *a);
    if (!a) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the analyzer");
    if (cfg) a->cfg = *cfg;
    else zhs_analyzer_config_default(&a->cfg);
    if (!a->cfg.words && !a->cfg.bigrams) a->cfg.words = 1;

    UErrorCode st = U_ZERO_ERROR;
    a->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) { zhs_analyzer_close(a); return icu_fail(err, st, "NFKC_Casefold"); }
    if (a->cfg.fold_traditional) {
        static const UChar id[] = u"Traditional-Simplified";
        a->t2s = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
        if (U_FAILURE(st)) { zhs_analyzer_close(a); return icu_fail(err, st, "Traditional-Simplified transliterator"); }
    }
    a->brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &st);
    if (U_FAILURE(st)) { zhs_analyzer_close(a); return icu_fail(err, st, "word break iterator"); }
    a->bmp_map = malloc(65536 * sizeof *a->bmp_map);
    if (!a->bmp_map) { zhs_analyzer_close(a); return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the analyzer"); }
    memset(a->bmp_map, 0xFF, 65536 * sizeof *a->bmp_map);
    zhs_buf_init(&a->terms);
    zhs_buf_init(&a->seg_out);

    UVersionInfo uv;
    char icu[U_MAX_VERSION_STRING_LENGTH], uni[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(uv);
    u_versionToString(uv, icu);
    u_getUnicodeVersion(uv);
    u_versionToString(uv, uni);
    snprintf(a->fingerprint, sizeof a->fingerprint,
             "zhs-analyzer/1 icu=%s unicode=%s nfkc_cf trad=%d words=%d bigrams=%d",
             icu, uni, a->cfg.fold_traditional, a->cfg.words, a->cfg.bigrams);
    *out = a;
    return ZHS_OK;
}

void zhs_analyzer_close(zhs_analyzer *a)
{
    if (!a) return;
    if (a->t2s) utrans_close(a->t2s);
    if (a->brk) ubrk_close(a->brk);
    free(a->bmp_map);
    free(a->multi);
    free(a->u16);
    free(a->src_start);
    free(a->src_end);
    free(a->tokens);
    zhs_buf_free(&a->terms);
    zhs_buf_free(&a->seg_out);
    free(a);
}

const char *zhs_analyzer_fingerprint(const zhs_analyzer *a) { return a->fingerprint; }

void zhs_analyzer_config_get(const zhs_analyzer *a, zhs_analyzer_config *out) { *out = a->cfg; }

/* ---------------------------------------------------------------- mapping */

/* Normalises one code point with ICU: NFKC_CF, then T->S.  Writes at most
** MAX_EXPANSION units to out and returns how many (0 = nothing). */
static int32_t normalize_cp(zhs_analyzer *a, uint32_t cp, UChar *out)
{
    UChar in[2];
    int32_t inlen = 0;
    U16_APPEND_UNSAFE(in, inlen, cp);
    UErrorCode st = U_ZERO_ERROR;
    UChar buf[MAX_EXPANSION * 2];
    int32_t n = unorm2_normalize(a->nfkc_cf, in, inlen, buf, MAX_EXPANSION, &st);
    if (U_FAILURE(st) || n > MAX_EXPANSION) {
        memcpy(out, in, (size_t)inlen * sizeof *in);
        return inlen;
    }
    if (a->t2s && n > 0) {
        bool han = false;
        for (int32_t i = 0; i < n; i++)
            if (buf[i] >= 0x3400) han = true;
        if (han) {
            int32_t len = n, limit = n;
            st = U_ZERO_ERROR;
            utrans_transUChars(a->t2s, buf, &len, MAX_EXPANSION, 0, &limit, &st);
            if (U_SUCCESS(st) && len <= MAX_EXPANSION) n = len;
        }
    }
    memcpy(out, buf, (size_t)n * sizeof *buf);
    return n;
}

/* Returns the normalised units for a BMP code point, filling the table on
** first sight.  *units points into the table storage or into scratch. */
static int32_t map_bmp(zhs_analyzer *a, uint32_t cp, const UChar **units, UChar *scratch)
{
    uint32_t m = a->bmp_map[cp];
    if (ZHS_UNLIKELY(m == MAP_UNKNOWN)) {
        int32_t n = normalize_cp(a, cp, scratch);
        if (n == 0) m = MAP_EMPTY;
        else if (n == 1 && !U16_IS_SURROGATE(scratch[0])) m = scratch[0];
        else {
            if (a->multi_len + (size_t)n + 1 > a->multi_cap) {
                size_t cap = a->multi_cap ? a->multi_cap * 2 : 1024;
                UChar *p = realloc(a->multi, cap * sizeof *p);
                if (!p) { *units = scratch; return n; }   /* uncached but correct */
                a->multi = p;
                a->multi_cap = cap;
            }
            m = MAP_MULTI | (uint32_t)a->multi_len;
            a->multi[a->multi_len++] = (UChar)n;
            memcpy(a->multi + a->multi_len, scratch, (size_t)n * sizeof *scratch);
            a->multi_len += (size_t)n;
        }
        a->bmp_map[cp] = m;
    }
    if (m == MAP_EMPTY) return 0;
    if (m & MAP_MULTI) {
        const UChar *p = a->multi + (m & ~MAP_MULTI);
        *units = p + 1;
        return p[0];
    }
    scratch[0] = (UChar)m;
    *units = scratch;
    return 1;
}

static bool grow_u16(zhs_analyzer *a, size_t need)
{
    if (need <= a->u16_cap) return true;
    size_t cap = a->u16_cap ? a->u16_cap : 1024;
    while (cap < need) cap *= 2;
    UChar *u = realloc(a->u16, cap * sizeof *u);
    if (u) a->u16 = u;
    uint32_t *s = realloc(a->src_start, cap * sizeof *s);
    if (s) a->src_start = s;
    uint32_t *e = realloc(a->src_end, cap * sizeof *e);
    if (e) a->src_end = e;
    if (!u || !s || !e) return false;
    a->u16_cap = cap;
    return true;
}

/* Builds the normalised UTF-16 text of text[0..len) with source offsets.
** Returns the number of units, or -1 when out of memory. */
static int64_t normalize_text(zhs_analyzer *a, const char *text, size_t len)
{
    /* NFKC_CF can expand a code point, but rarely: grow on demand. */
    if (!grow_u16(a, len + 16)) return -1;
    size_t n = 0, i = 0;
    UChar scratch[MAX_EXPANSION];
    while (i < len) {
        uint8_t c = (uint8_t)text[i];
        if (c < 0x80) {
            /* ASCII: fold case inline, everything else maps to itself. */
            if (n + 1 > a->u16_cap && !grow_u16(a, n + 1)) return -1;
            a->u16[n] = (UChar)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            a->src_start[n] = (uint32_t)i;
            a->src_end[n] = (uint32_t)i + 1;
            n++;
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = zhs_utf8_decode(text + i, len - i, &cp);
        const UChar *units;
        int32_t k;
        if (cp < 0x10000) {
            k = map_bmp(a, cp, &units, scratch);
        } else {
            k = normalize_cp(a, cp, scratch);
            units = scratch;
        }
        if (n + (size_t)k > a->u16_cap && !grow_u16(a, n + (size_t)k)) return -1;
        for (int32_t j = 0; j < k; j++) {
            a->u16[n] = units[j];
            a->src_start[n] = (uint32_t)i;
            a->src_end[n] = (uint32_t)(i + l);
            n++;
        }
        i += l;
    }
    return (int64_t)n;
}

/* ---------------------------------------------------------------- tokens */

static bool push_token(zhs_analyzer *a, const UChar *u, int32_t ulen, uint32_t kind,
                       uint32_t pos, uint32_t start, uint32_t end)
{
    if (a->ntokens == a->tokens_cap) {
        size_t cap = a->tokens_cap ? a->tokens_cap * 2 : 256;
        zhs_token *t = realloc(a->tokens, cap * sizeof *t);
        if (!t) return false;
        a->tokens = t;
        a->tokens_cap = cap;
    }
    /* UTF-16 -> UTF-8 into the term buffer; text pointers are fixed up
    ** once the buffer stops moving. */
    size_t off = a->terms.len;
    for (int32_t i = 0; i < ulen;) {
        UChar32 cp;
        U16_NEXT(u, i, ulen, cp);
        char tmp[4];
        zhs_buf_append(&a->terms, tmp, zhs_utf8_encode((uint32_t)cp, tmp));
    }
    zhs_buf_putc(&a->terms, 0);
    if (a->terms.oom) return false;
    zhs_token *t = &a->tokens[a->ntokens++];
    t->text = (const char *)(uintptr_t)off;
    t->len = (uint32_t)(a->terms.len - off - 1);
    t->kind = kind;
    t->position = pos;
    t->start = start;
    t->end = end;
    return true;
}

/* A run of Han characters not broken by punctuation or space: bigrams are
** taken over the whole run, across ICU's word boundaries. */
typedef struct han_run {
    int32_t first;      /* u16 index of the run's first unit */
    uint32_t pos;       /* position of its first character */
    uint32_t nchars;
} han_run;

static bool flush_bigrams(zhs_analyzer *a, han_run *run, int32_t limit)
{
    if (a->cfg.bigrams && run->nchars >= 2) {
        int32_t i = run->first;
        uint32_t pos = run->pos;
        while (i < limit) {
            int32_t j = i;
            U16_FWD_1(a->u16, j, limit);
            if (j >= limit) break;
            int32_t k = j;
            U16_FWD_1(a->u16, k, limit);
            if (!push_token(a, a->u16 + i, k - i, ZHS_TOKEN_BIGRAM, pos,
                            a->src_start[i], a->src_end[k - 1]))
                return false;
            i = j;
            pos++;
        }
    } else if (!a->cfg.words && run->nchars == 1) {
        int32_t k = run->first;
        U16_FWD_1(a->u16, k, limit);
        if (!push_token(a, a->u16 + run->first, k - run->first, ZHS_TOKEN_WORD, run->pos,
                        a->src_start[run->first], a->src_end[k - 1]))
            return false;
    }
    run->nchars = 0;
    return true;
}

static uint32_t count_chars(const UChar *u, int32_t n)
{
    uint32_t c = 0;
    for (int32_t i = 0; i < n; i++)
        if (!U16_IS_TRAIL(u[i])) c++;
    return c;
}

int zhs_analyzer_run(zhs_analyzer *a, const zhs_token **tokens, size_t *ntokens,
                     const char *text, size_t len, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *tokens = NULL;
    *ntokens = 0;
    if (zhs_err_code(err)) return err->code;
    if (len > (size_t)INT32_MAX / 4)
        return zhs_fail(err, ZHS_EINVAL, "text of %zu bytes is too long to analyze at once "
                        "(the limit is %d bytes): split it into passages", len, INT32_MAX / 4);
    a->ntokens = 0;
    zhs_buf_reset(&a->terms);
    int64_t n = normalize_text(a, text, len);
    if (n < 0) return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing %zu bytes", len);
    if (n == 0) return ZHS_OK;

    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(a->brk, a->u16, (int32_t)n, &st);
    if (U_FAILURE(st)) return icu_fail(err, st, "setting break iterator text");

    uint32_t unit = 0;
    han_run run = {0, 0, 0};
    int32_t start = ubrk_first(a->brk);
    for (int32_t end = ubrk_next(a->brk); end != UBRK_DONE; start = end, end = ubrk_next(a->brk)) {
        int32_t status = ubrk_getRuleStatus(a->brk);
        const UChar *seg = a->u16 + start;
        int32_t seglen = end - start;
        bool ok = true;
        if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT) {
            uint32_t nch = count_chars(seg, seglen);
            if (run.nchars == 0) {
                run.first = start;
                run.pos = unit;
            }
            run.nchars += nch;
            if (a->cfg.words)
                ok = push_token(a, seg, seglen, ZHS_TOKEN_WORD, unit,
                                a->src_start[start], a->src_end[end - 1]);
            unit += nch;
        } else {
            ok = flush_bigrams(a, &run, start);
            if (ok && status >= UBRK_WORD_NUMBER) {
                uint32_t kind = status < UBRK_WORD_NUMBER_LIMIT ? ZHS_TOKEN_NUMBER : ZHS_TOKEN_LATIN;
                ok = push_token(a, seg, seglen, kind, unit, a->src_start[start], a->src_end[end - 1]);
                unit++;
            }
        }
        if (!ok) return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing %zu bytes", len);
    }
    if (!flush_bigrams(a, &run, (int32_t)n))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing %zu bytes", len);

    for (size_t i = 0; i < a->ntokens; i++)
        a->tokens[i].text = a->terms.data + (uintptr_t)a->tokens[i].text;
    *tokens = a->tokens;
    *ntokens = a->ntokens;
    return ZHS_OK;
}

int zhs_analyzer_segment(zhs_analyzer *a, const char **out, size_t *outlen,
                         const char *text, size_t len, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = "";
    *outlen = 0;
    if (zhs_err_code(err)) return err->code;
    if (len > (size_t)INT32_MAX / 4)
        return zhs_fail(err, ZHS_EINVAL, "text of %zu bytes is too long to segment at once", len);
    zhs_buf_reset(&a->seg_out);
    int64_t n = normalize_text(a, text, len);
    if (n < 0) return zhs_fail(err, ZHS_ENOMEM, "out of memory segmenting %zu bytes", len);
    if (n == 0) return ZHS_OK;
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(a->brk, a->u16, (int32_t)n, &st);
    if (U_FAILURE(st)) return icu_fail(err, st, "setting break iterator text");
    uint32_t emitted_end = 0;
    int32_t start = ubrk_first(a->brk);
    for (int32_t end = ubrk_next(a->brk); end != UBRK_DONE; start = end, end = ubrk_next(a->brk)) {
        /* Whitespace segments separate words but are not words. */
        bool space = true;
        for (int32_t i = start; i < end; i++)
            if (!u_isUWhiteSpace(a->u16[i])) { space = false; break; }
        if (space) continue;
        uint32_t s = a->src_start[start], e = a->src_end[end - 1];
        /* One source character can expand to several segments ("㈠" ->
        ** "(一)"): emit its bytes once. */
        if (e <= emitted_end) continue;
        if (s < emitted_end) s = emitted_end;
        if (a->seg_out.len) zhs_buf_putc(&a->seg_out, ' ');
        zhs_buf_append(&a->seg_out, text + s, e - s);
        emitted_end = e;
    }
    if (a->seg_out.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory segmenting %zu bytes", len);
    *out = zhs_buf_cstr(&a->seg_out);
    *outlen = a->seg_out.len;
    return ZHS_OK;
}
