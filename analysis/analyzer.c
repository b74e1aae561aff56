/*
** analyzer.c — the one Chinese analyzer, shared by indexing and querying.
**
**   original UTF-8 ──map each code point──▶ normalised UTF-16 (+ source offsets)
**     dict: Han runs ──dictionary (dict.c)──▶ words   } ──▶ words, bigrams,
**           other stretches with letters/digits ──ICU──▶ } latin/number
**     icu:  all of it ──ICU word break──▶ segments
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
#include "analyzer_int.h"
#include "common.h"
#include "dict.h"
#include "t2s.h"
#include "terms.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
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

/* What the dict segmenter does with a normalised unit (cls[], 0 = not yet
** known).  Only stretches that hold letters or digits can make a token
** outside Han runs, so only those are handed to ICU: calling its break
** iterator for every comma would cost more than the dictionary saves. */
enum {
    CLS_HAN = 1,        /* a Han character: the dictionary's */
    CLS_SPACE,          /* white space: no token, not a segment */
    CLS_QUIET,          /* punctuation, symbols: no token, a break on both sides */
    CLS_MID,            /* . , ' and the like: part of a word only between word characters */
    CLS_CORE            /* letters, digits, marks, kana: ICU decides */
};

struct zhs_analyzer {
    zhs_analyzer_config cfg;
    char fingerprint[240];      /* fits the MANIFEST's analyzer line (256) */
    const UNormalizer2 *nfkc_cf;
    UTransliterator *t2s;       /* ZHS_FOLD_CHARS only */
    zhs_t2s *opencc;            /* ZHS_FOLD_PHRASES only (t2s.c) */
    UBreakIterator *brk;
    const char *text;           /* the original text of the current run */
    size_t text_len;

    uint32_t *bmp_map;          /* 65536 entries, MAP_UNKNOWN until first use */
    uint8_t *self_fold;         /* with opencc, per BMP unit: 0 unknown, 1 folds to itself, 2 not */
    UChar *multi;               /* expansions: [len][units...] */
    size_t multi_len, multi_cap;

    /* normalised text: units and, per unit, the source byte range */
    UChar *u16;
    uint32_t *src_start, *src_end;
    size_t u16_cap;
    /* the normalised text once more in UTF-8: unit i starts at u8 + u8_at[i] */
    char *u8;
    uint32_t *u8_at;
    size_t u8_cap, u8_at_cap;

    zhs_token *tokens;
    size_t ntokens, tokens_cap;
    zhs_buf terms;              /* term texts, NUL-separated */
    zhs_buf seg_out;
    uint32_t seg_glue;          /* a segment starting at this byte joins the one before */

    /* dict segmenter */
    zhs_dict dict;              /* a view of the built-in blob: read-only, shared */
    zhs_dict user;              /* built from cfg.user_dict, owned */
    bool has_user;
    zhs_buf user_words;         /* canonical user dictionary (analyzer_int.h) */
    uint64_t user_hash;
    zhs_dict_dp dp;
    uint8_t *cls;               /* 65536 entries, CLS_* */
};

void zhs_analyzer_config_default(zhs_analyzer_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->fold_traditional = ZHS_FOLD_PHRASES;
    cfg->words = 1;
    cfg->bigrams = 1;
    /* no character terms: queries make a character's list from the
    ** bigrams and words that hold it (query/chars.c); 20 points of the
    ** laws index's size for no change in quality (docs/FORMAT.md) */
    cfg->chars = ZHS_CHARS_WRITTEN;
    cfg->segmenter = ZHS_SEGMENTER_DICT;
    cfg->article_terms = 1;
    cfg->number_units = 1;
    cfg->particle_zhe = 1;
}

int zhs_analyzer_config_from_fingerprint(zhs_analyzer_config *cfg, const char *fp)
{
    zhs_analyzer_config_default(cfg);
    if (strncmp(fp, "zhs-analyzer/", 13) != 0) return ZHS_EINVAL;
    const char *t = strstr(fp, " trad="), *w = strstr(fp, " words="), *b = strstr(fp, " bigrams=");
    if (!t || !w || !b) return ZHS_EINVAL;
    /* trad=1 is the per-character ICU fold of indexes built before
    ** OpenCC: still opened as such, so they keep working. */
    cfg->fold_traditional = t[6] == '2' ? ZHS_FOLD_PHRASES : t[6] == '1' ? ZHS_FOLD_CHARS : ZHS_FOLD_NONE;
    if (cfg->fold_traditional == ZHS_FOLD_PHRASES && !strstr(fp, " opencc=")) return ZHS_EINVAL;
    cfg->words = w[7] == '1';
    cfg->bigrams = b[9] == '1';
    /* Fingerprints from before character terms, and of --no-chars before
    ** ZHS_CHARS_WRITTEN, have no "chars="; "chars=w" is ZHS_CHARS_WRITTEN
    ** with OpenCC (without it, the same as none: no word). */
    const char *c = strstr(fp, " chars=");
    cfg->chars = !c ? ZHS_CHARS_NONE : c[7] == '1' ? ZHS_CHARS_ALL : c[7] == 'w' ? ZHS_CHARS_WRITTEN : ZHS_CHARS_NONE;
    /* Fingerprints from before the dict segmenter name none: ICU. */
    cfg->segmenter = !strstr(fp, " seg=dict") ? ZHS_SEGMENTER_ICU
                     : strstr(fp, " nums=1")  ? ZHS_SEGMENTER_DICT
                                              : ZHS_SEGMENTER_DICT_V1;
    /* Fingerprints from before article-number terms have no "arts=1". */
    cfg->article_terms = strstr(fp, " arts=1") != NULL;
    /* and before numbers split from their units, " units=1" */
    cfg->number_units = strstr(fp, " units=1") != NULL;
    /* and before 著 read as the particle, " zhe=1" */
    cfg->particle_zhe = strstr(fp, " zhe=1") != NULL;
    return ZHS_OK;
}

bool zhs_fingerprint_has_user_dict(const char *fp) { return strstr(fp, " user=") != NULL; }

const char *zhs_analyzer_user_words(const zhs_analyzer *a, size_t *len)
{
    *len = a->has_user ? a->user_words.len : 0;
    return a->has_user ? a->user_words.data : NULL;
}

/* The dict segmenter's numeral rules and 'zhs segment''s unit joins came
** with fingerprint word nums=1: ZHS_SEGMENTER_DICT has them,
** ZHS_SEGMENTER_DICT_V1 (older indexes) not. */
static bool numeral_rules(const zhs_analyzer *a) { return a->cfg.segmenter == ZHS_SEGMENTER_DICT; }

static int64_t normalize_text(zhs_analyzer *a, const char *text, size_t len);
static int load_user_dict(zhs_analyzer *a, const char *path, zhs_error *err);

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
    /* Flags other than 0 and 1 (bigrams = flags & 2) would be written
    ** into the fingerprint as they are and read back as off: an index
    ** no analyzer could search again.  Refused here, by name. */
    static const struct {
        const char *name;
        size_t off;
        int max;
    } range[] = {{"fold_traditional", offsetof(zhs_analyzer_config, fold_traditional), ZHS_FOLD_PHRASES},
                 {"words", offsetof(zhs_analyzer_config, words), 1},
                 {"bigrams", offsetof(zhs_analyzer_config, bigrams), 1},
                 {"chars", offsetof(zhs_analyzer_config, chars), ZHS_CHARS_WRITTEN},
                 {"article_terms", offsetof(zhs_analyzer_config, article_terms), 1},
                 {"number_units", offsetof(zhs_analyzer_config, number_units), 1},
                 {"particle_zhe", offsetof(zhs_analyzer_config, particle_zhe), 1}};
    for (size_t i = 0; i < sizeof range / sizeof range[0]; i++) {
        int v;
        memcpy(&v, (const char *)&a->cfg + range[i].off, sizeof v);
        if (v < 0 || v > range[i].max) {
            zhs_analyzer_close(a);
            return zhs_fail(err, ZHS_EINVAL, "analyzer setting %s is %d: it takes 0 to %d", range[i].name, v,
                            range[i].max);
        }
    }
    if (!a->cfg.words && !a->cfg.bigrams) a->cfg.words = 1;
    if (a->cfg.segmenter != ZHS_SEGMENTER_DICT && a->cfg.segmenter != ZHS_SEGMENTER_ICU &&
        a->cfg.segmenter != ZHS_SEGMENTER_DICT_V1) {
        int seg = a->cfg.segmenter;
        zhs_analyzer_close(a);
        return zhs_fail(err, ZHS_EINVAL, "unknown segmenter %d: use dict or icu", seg);
    }
    const char *user_dict = a->cfg.user_dict;
    if (user_dict && a->cfg.segmenter == ZHS_SEGMENTER_ICU) {
        zhs_analyzer_close(a);
        return zhs_fail(err, ZHS_EINVAL, "a user dictionary (%s) needs the dict segmenter, not icu: "
                        "use the dict segmenter or drop the user dictionary", user_dict);
    }
    /* The config is the caller's: keep no pointer into it. */
    a->cfg.user_dict = NULL;

    UErrorCode st = U_ZERO_ERROR;
    a->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) { zhs_analyzer_close(a); return icu_fail(err, st, "NFKC_Casefold"); }
    /* ---- begin OpenCC (t2s.c) ---- */
    if (a->cfg.fold_traditional == ZHS_FOLD_PHRASES) {
        int rc = zhs_t2s_open(&a->opencc, err);
        if (rc) { zhs_analyzer_close(a); return rc; }
    } else if (a->cfg.fold_traditional) {
        a->cfg.fold_traditional = ZHS_FOLD_CHARS;
        static const UChar id[] = u"Traditional-Simplified";
        a->t2s = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
        if (U_FAILURE(st)) { zhs_analyzer_close(a); return icu_fail(err, st, "Traditional-Simplified transliterator"); }
    }
    /* ---- end OpenCC ---- */
    a->brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &st);
    if (U_FAILURE(st)) { zhs_analyzer_close(a); return icu_fail(err, st, "word break iterator"); }
    a->bmp_map = malloc(65536 * sizeof *a->bmp_map);
    if (!a->bmp_map) { zhs_analyzer_close(a); return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the analyzer"); }
    memset(a->bmp_map, 0xFF, 65536 * sizeof *a->bmp_map);
    if (a->opencc && !(a->self_fold = calloc(65536, 1))) {
        zhs_analyzer_close(a);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the analyzer");
    }
    zhs_buf_init(&a->terms);
    zhs_buf_init(&a->seg_out);
    zhs_buf_init(&a->user_words);
    if (a->cfg.segmenter != ZHS_SEGMENTER_ICU) {
        if (!zhs_dict_builtin(&a->dict)) {
            zhs_analyzer_close(a);
            return zhs_fail(err, ZHS_EINTERNAL, "the built-in segmenter dictionary is damaged: rebuild zhs");
        }
        a->cls = calloc(65536, 1);
        if (!a->cls) { zhs_analyzer_close(a); return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the analyzer"); }
        if (user_dict && load_user_dict(a, user_dict, err)) {
            zhs_analyzer_close(a);
            return err->code;
        }
    }
    /* Warnings come only from opening; the callback's context may not
    ** outlive it. */
    a->cfg.on_warning = NULL;
    a->cfg.warning_ctx = NULL;

    UVersionInfo uv;
    char icu[U_MAX_VERSION_STRING_LENGTH], uni[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(uv);
    u_versionToString(uv, icu);
    u_getUnicodeVersion(uv);
    u_versionToString(uv, uni);
    /* Each option after the first version of the analyzer adds a word only
    ** when it is on (OpenCC after trad=, then chars, seg, user), so that
    ** older fingerprints (ICU segmenter, trad=0/1, no character terms) read
    ** and reproduce exactly as before. */
    int fl = snprintf(a->fingerprint, sizeof a->fingerprint,
                      "zhs-analyzer/1 icu=%s unicode=%s nfkc_cf trad=%d%s%s words=%d bigrams=%d%s",
                      icu, uni, a->cfg.fold_traditional, a->opencc ? " " : "", a->opencc ? zhs_t2s_describe() : "",
                      a->cfg.words, a->cfg.bigrams,
                      a->cfg.chars == ZHS_CHARS_ALL                 ? " chars=1"
                      : a->cfg.chars == ZHS_CHARS_WRITTEN && a->opencc ? " chars=w"
                                                                      : "");
    if (a->cfg.segmenter != ZHS_SEGMENTER_ICU && fl > 0 && (size_t)fl < sizeof a->fingerprint) {
        size_t at = (size_t)fl, cap = sizeof a->fingerprint;
        at += (size_t)snprintf(a->fingerprint + at, cap - at, " seg=dict dict=%016llx", (unsigned long long)a->dict.hash);
        if (a->has_user && at < cap)
            at += (size_t)snprintf(a->fingerprint + at, cap - at, " user=%016llx", (unsigned long long)a->user_hash);
        /* The numeral rules came later: fingerprints without the word keep
        ** reading (and reproducing) as ZHS_SEGMENTER_DICT_V1. */
        if (numeral_rules(a) && at < cap) snprintf(a->fingerprint + at, cap - at, " nums=1");
    }
    /* Article-number terms (terms.c) are made from bigrams: without them
    ** there are none, and the word stays out. */
    a->cfg.article_terms = a->cfg.article_terms && a->cfg.bigrams;
    size_t fpl = strlen(a->fingerprint);
    if (a->cfg.article_terms && fpl + 7 < sizeof a->fingerprint)
        snprintf(a->fingerprint + fpl, sizeof a->fingerprint - fpl, " arts=1");
    a->cfg.number_units = a->cfg.number_units != 0;
    fpl = strlen(a->fingerprint);
    if (a->cfg.number_units && fpl + 8 < sizeof a->fingerprint)
        snprintf(a->fingerprint + fpl, sizeof a->fingerprint - fpl, " units=1");
    /* the particle 著 is OpenCC's fold's: without it, no word */
    a->cfg.particle_zhe = a->cfg.particle_zhe && a->opencc;
    if (a->opencc) zhs_t2s_particle_zhe(a->opencc, a->cfg.particle_zhe != 0);
    fpl = strlen(a->fingerprint);
    if (a->cfg.particle_zhe && fpl + 6 < sizeof a->fingerprint)
        snprintf(a->fingerprint + fpl, sizeof a->fingerprint - fpl, " zhe=1");
    *out = a;
    return ZHS_OK;
}

void zhs_analyzer_close(zhs_analyzer *a)
{
    if (!a) return;
    if (a->t2s) utrans_close(a->t2s);
    zhs_t2s_close(a->opencc);
    if (a->brk) ubrk_close(a->brk);
    free(a->bmp_map);
    free(a->self_fold);
    free(a->multi);
    free(a->u16);
    free(a->src_start);
    free(a->src_end);
    free(a->u8);
    free(a->u8_at);
    free(a->tokens);
    zhs_buf_free(&a->terms);
    zhs_buf_free(&a->seg_out);
    zhs_buf_free(&a->user_words);
    zhs_dict_free(&a->user);
    zhs_dict_dp_free(&a->dp);
    free(a->cls);
    free(a);
}

const char *zhs_analyzer_fingerprint(const zhs_analyzer *a) { return a->fingerprint; }

void zhs_analyzer_config_get(const zhs_analyzer *a, zhs_analyzer_config *out) { *out = a->cfg; }

bool zhs_analyzer_article_terms(const zhs_analyzer *a) { return a->cfg.article_terms != 0; }

bool zhs_analyzer_all_chars(const zhs_analyzer *a) { return a->cfg.chars == ZHS_CHARS_ALL; }

int zhs_analyzer_emit_chars(zhs_analyzer *a, int chars)
{
    int was = a->cfg.chars;
    a->cfg.chars = chars;
    return was;
}

/* ---------------------------------------------------------------- mapping */

/* Normalises one code point with ICU: NFKC_CF, then T->S.  Writes at most
** MAX_EXPANSION units to out and returns how many (0 = nothing). */
static int32_t normalize_cp(zhs_analyzer *a, uint32_t cp, UChar *out)
{
    /* NFKC makes the full-width comma and semicolon of Chinese text ASCII
    ** ones, which join digits for ICU (5，10 became the number 5,10): with
    ** number_units they become the ideographic comma, which joins nothing.
    ** Never a token either way: the text of a token is unchanged. */
    if (a->cfg.number_units && (cp == 0xFF0C || cp == 0xFF1B)) {
        out[0] = 0x3001;
        return 1;
    }
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
            if (!zhs_grow(&a->multi, &a->multi_cap, a->multi_len + (size_t)n + 1, sizeof *a->multi, 1024)) {
                *units = scratch;   /* uncached but correct */
                return n;
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

/* Three arrays of one capacity (see t2s.c's reserve). */
static bool grow_u16(zhs_analyzer *a, size_t need)
{
    size_t cu = a->u16_cap, cs = a->u16_cap, ce = a->u16_cap;
    bool ok = zhs_grow(&a->u16, &cu, need, sizeof *a->u16, 1024) &&
              zhs_grow(&a->src_start, &cs, need, sizeof *a->src_start, 1024) &&
              zhs_grow(&a->src_end, &ce, need, sizeof *a->src_end, 1024);
    if (ok) a->u16_cap = ce;
    return ok;
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
        /* a character already mapped to one unit (nearly every one after
        ** the first passages): stored here, without map_bmp's call and
        ** its scratch */
        uint32_t m = cp < 0x10000 ? a->bmp_map[cp] : MAP_UNKNOWN;
        if (m < 0x10000 && n + 1 <= a->u16_cap) {
            a->u16[n] = (UChar)m;
            a->src_start[n] = (uint32_t)i;
            a->src_end[n] = (uint32_t)(i + l);
            n++;
            i += l;
            continue;
        }
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
    /* ---- OpenCC: phrase-level T->S over the Han runs (t2s.c) ---- */
    if (a->opencc && !zhs_t2s_fold(a->opencc, &a->u16, &a->src_start, &a->src_end, &a->u16_cap, &n))
        return -1;
    return (int64_t)n;
}

/* ---------------------------------------------------------------- tokens */

/* The term buffer's room for need more bytes: zhs_buf_reserve's own test
** here, since a call per token was 1.4% of a laws build's instructions
** and the buffer seldom grows. */
static inline bool terms_room(zhs_analyzer *a, size_t need)
{
    return (!a->terms.oom && a->terms.len + need + 1 <= a->terms.cap) || zhs_buf_reserve(&a->terms, need);
}

/* Ends the token whose text was written at off .. o in the term buffer:
** NUL-terminated; text pointers are fixed up once the buffer stops
** moving. */
static bool end_token(zhs_analyzer *a, size_t off, char *o, uint32_t kind, uint32_t pos, uint32_t start,
                      uint32_t end)
{
    if (!zhs_grow(&a->tokens, &a->tokens_cap, a->ntokens + 1, sizeof *a->tokens, 256)) return false;
    *o++ = 0;
    *o = 0;
    a->terms.len = (size_t)(o - a->terms.data);
    zhs_token *t = &a->tokens[a->ntokens++];
    t->text = (const char *)(uintptr_t)off;
    t->len = (uint32_t)(a->terms.len - off - 1);
    t->kind = kind;
    t->position = pos;
    t->start = start;
    t->end = end;
    return true;
}

static bool push_token(zhs_analyzer *a, const UChar *u, int32_t ulen, uint32_t kind,
                       uint32_t pos, uint32_t start, uint32_t end)
{
    /* UTF-16 -> UTF-8 into the term buffer (a unit is at most 3 bytes, a
    ** pair 4), written in place: an append per character was a libc
    ** memcpy call each, 7% of the analyzer. */
    if (!terms_room(a, 3 * (size_t)ulen + 1)) return false;
    size_t off = a->terms.len;
    char *o = a->terms.data + off;
    for (int32_t i = 0; i < ulen;) {
        UChar32 cp;
        U16_NEXT(u, i, ulen, cp);
        o += zhs_utf8_encode((uint32_t)cp, o);
    }
    return end_token(a, off, o, kind, pos, start, end);
}

/* Converts the normalised text u16[0, n) to UTF-8 once (u8, u8_at), so
** that a token of the text is a copy of bytes: a Han character is in
** four tokens (itself, two bigrams, a word), each of which converted it
** again, about 7% of a build's instructions (bench/RESULTS.md, inv4).
** The bytes are those push_token writes for any slice that does not cut
** a surrogate pair (push_at's test).  16 bytes of slack after the text:
** push_at copies short tokens 16 bytes at a time. */
static bool utf8_map(zhs_analyzer *a, int32_t n)
{
    size_t na = a->u8_at_cap, nb = a->u8_cap;
    if (!zhs_grow(&a->u8_at, &na, (size_t)n + 1, sizeof *a->u8_at, 1024) ||
        !zhs_grow(&a->u8, &nb, 3 * (size_t)n + 16, 1, 4096))
        return false;
    a->u8_at_cap = na;
    a->u8_cap = nb;
    const UChar *u = a->u16;
    char *o = a->u8;
    for (int32_t i = 0; i < n;) {
        a->u8_at[i] = (uint32_t)(o - a->u8);
        UChar c = u[i];
        if (c < 0x80) {
            *o++ = (char)c;
            i++;
            continue;
        }
        int32_t at = i;
        UChar32 cp;
        U16_NEXT(u, at, n, cp);
        if (at - i == 2) a->u8_at[i + 1] = a->u8_at[i];
        o += zhs_utf8_encode((uint32_t)cp, o);
        i = at;
    }
    a->u8_at[n] = (uint32_t)(o - a->u8);
    memset(o, 0, 16);
    return true;
}

/* The token of units u16[i, j), from the text's UTF-8. */
__attribute__((always_inline)) static inline bool push_at(zhs_analyzer *a, int32_t i, int32_t j, uint32_t kind,
                                                        uint32_t pos)
{
    uint32_t start = a->src_start[i], end = a->src_end[j - 1];
    /* a slice that starts or ends with a surrogate may cut a pair, which
    ** the text's conversion joined: converted on its own (rare) */
    if (U16_IS_SURROGATE(a->u16[i]) || U16_IS_SURROGATE(a->u16[j - 1]))
        return push_token(a, a->u16 + i, j - i, kind, pos, start, end);
    const char *src = a->u8 + a->u8_at[i];
    size_t len = a->u8_at[j] - a->u8_at[i];
    if (!terms_room(a, len + 16)) return false;
    size_t off = a->terms.len;
    char *o = a->terms.data + off;
    if (len <= 16) memcpy(o, src, 16);
    else memcpy(o, src, len);
    return end_token(a, off, o + len, kind, pos, start, end);
}

/* A run of Han characters not broken by punctuation or space: bigrams are
** taken over the whole run, across ICU's word boundaries. */
typedef struct han_run {
    int32_t first;      /* u16 index of the run's first unit */
    uint32_t pos;       /* position of its first character */
    uint32_t nchars;
} han_run;

/* Every character of the run as a CHAR token, so that a one-character
** query finds every passage holding it, inside words or not. */
/* One original character folded on its own: NFKC_CF, then OpenCC's plain
** character table (t2s.json).  0 when it does not become one Han
** character. */
static uint32_t fold_char(zhs_analyzer *a, uint32_t cp)
{
    /* one unit already in the table: normalize_text's fast path */
    uint32_t c = cp < 0x10000 ? a->bmp_map[cp] : MAP_UNKNOWN;
    if (c >= 0x10000) {
        UChar scratch[MAX_EXPANSION];
        const UChar *units;
        int32_t k = cp < 0x10000 ? map_bmp(a, cp, &units, scratch) : normalize_cp(a, cp, scratch);
        if (cp >= 0x10000) units = scratch;
        int32_t at = 0;
        if (k <= 0) return 0;
        U16_NEXT(units, at, k, c);
        if (at != k) return 0;
    }
    /* a lone surrogate is not Han */
    return zhs_is_han(c) ? zhs_t2s_char(a->opencc, c) : 0;
}

/* Whether the BMP unit c, not a surrogate, folds to itself on its own. */
static inline bool folds_to_itself(zhs_analyzer *a, UChar c)
{
    uint8_t v = a->self_fold[c];
    if (ZHS_UNLIKELY(!v)) v = a->self_fold[c] = fold_char(a, c) == c ? 1 : 2;
    return v == 1;
}

/* Whether units u16[first, last] are the text as written, character for
** character, each folding to itself: then flush_chars_as_written has no
** term to add (each character is its unit, at its bytes), nearly always
** so, and it need not decode the text and fold every character again
** (about 3% of a build's instructions).  Checked on the bytes: the
** text's bytes [from, to) are the units' UTF-8, and each unit stands for
** the next of them. */
static bool run_as_written(zhs_analyzer *a, int32_t first, int32_t last, uint32_t from, uint32_t to)
{
    uint32_t at = a->u8_at[first];
    if (to > a->text_len || to < from || a->u8_at[last + 1] - at != to - from ||
        memcmp(a->text + from, a->u8 + at, to - from) != 0)
        return false;
    uint32_t b = from;
    for (int32_t u = first; u <= last; u++) {
        UChar c = a->u16[u];
        uint32_t l = a->u8_at[u + 1] - a->u8_at[u];
        if (U16_IS_SURROGATE(c) || a->src_start[u] != b || a->src_end[u] != b + l || !folds_to_itself(a, c))
            return false;
        b += l;
    }
    return true;
}

/* With OpenCC's phrases a run can lose a character as written (網路 is
** 网络: 路 is gone, 络 came): besides the characters of the folded text,
** every original character folded on its own becomes a character term
** where it differs from the unit it went into, so that a one-character
** query finds the passage by either.  Its position is that unit's
** (character terms have no positions in the index; the position keeps
** tokens in order). */
static bool flush_chars_as_written(zhs_analyzer *a, const han_run *run, int32_t limit)
{
    int32_t last = run->first;
    for (uint32_t k = 1; k < run->nchars && last < limit; k++) U16_FWD_1(a->u16, last, limit);
    if (last >= limit) return true;
    uint32_t from = a->src_start[run->first], to = a->src_end[last];
    if (run_as_written(a, run->first, last, from, to)) return true;
    int32_t u = run->first;
    uint32_t upos = run->pos;
    for (uint32_t b = from; b < to && b < a->text_len;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(a->text + b, a->text_len - b, &cp);
        /* the unit this character went into: the last one starting at or
        ** before it */
        for (;;) {
            int32_t next = u;
            U16_FWD_1(a->u16, next, limit);
            if (next > last || a->src_start[next] > b) break;
            u = next;
            upos++;
        }
        uint32_t c = fold_char(a, cp), uc;
        int32_t at = u;
        U16_NEXT(a->u16, at, limit, uc);
        bool same = uc == c && a->src_start[u] == b && a->src_end[u] == b + (uint32_t)l;
        if (c && !same) {
            UChar out[2];
            int32_t ol = 0;
            U16_APPEND_UNSAFE(out, ol, c);
            if (!push_token(a, out, ol, ZHS_TOKEN_CHAR, upos, b, b + (uint32_t)l)) return false;
        }
        b += (uint32_t)l;
    }
    return true;
}

static bool flush_chars(zhs_analyzer *a, const han_run *run, int32_t limit)
{
    int32_t i = run->first;
    uint32_t pos = run->pos;
    for (uint32_t k = 0; k < run->nchars && i < limit; k++, pos++) {
        int32_t j = i;
        U16_FWD_1(a->u16, j, limit);
        if (!push_at(a, i, j, ZHS_TOKEN_CHAR, pos)) return false;
        i = j;
    }
    return !a->opencc || flush_chars_as_written(a, run, limit);
}

static bool flush_bigrams(zhs_analyzer *a, han_run *run, int32_t limit)
{
    if (a->cfg.chars == ZHS_CHARS_ALL && run->nchars > 0 && !flush_chars(a, run, limit)) return false;
    if (a->cfg.chars == ZHS_CHARS_WRITTEN && a->opencc && run->nchars > 0 && !flush_chars_as_written(a, run, limit))
        return false;
    if (a->cfg.bigrams && run->nchars >= 2) {
        int32_t i = run->first;
        uint32_t pos = run->pos;
        while (i < limit) {
            int32_t j = i;
            U16_FWD_1(a->u16, j, limit);
            if (j >= limit) break;
            int32_t k = j;
            U16_FWD_1(a->u16, k, limit);
            if (!push_at(a, i, k, ZHS_TOKEN_BIGRAM, pos)) return false;
            i = j;
            pos++;
        }
    } else if (!a->cfg.words && run->nchars == 1) {
        int32_t k = run->first;
        U16_FWD_1(a->u16, k, limit);
        if (!push_at(a, run->first, k, ZHS_TOKEN_WORD, run->pos)) return false;
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

/* ---------------------------------------------------------------- classes */

static uint8_t classify(uint32_t cp)
{
    if (zhs_is_han(cp)) return CLS_HAN;
    if (u_isUWhiteSpace((UChar32)cp)) return CLS_SPACE;
    int32_t wb = u_getIntPropertyValue((UChar32)cp, UCHAR_WORD_BREAK);
    switch (wb) {
    case U_WB_MIDLETTER: case U_WB_MIDNUM: case U_WB_MIDNUMLET: case U_WB_SINGLE_QUOTE: case U_WB_DOUBLE_QUOTE:
        return CLS_MID;
    case U_WB_OTHER: {
        /* Hiragana, Thai and the like are Word_Break=Other but letters, and
        ** ICU's dictionaries make words of them. */
        uint32_t m = U_GET_GC_MASK((UChar32)cp);
        return m & (U_GC_L_MASK | U_GC_N_MASK | U_GC_M_MASK) ? CLS_CORE : CLS_QUIET;
    }
    default:
        return CLS_CORE;
    }
}

/* The class of the character at u16[i]; *len = its units (2 for a pair). */
static inline uint8_t class_at(zhs_analyzer *a, int32_t i, int32_t n, int32_t *len)
{
    UChar c = a->u16[i];
    *len = 1;
    if (ZHS_UNLIKELY(U16_IS_SURROGATE(c))) {
        if (U16_IS_LEAD(c) && i + 1 < n && U16_IS_TRAIL(a->u16[i + 1])) {
            *len = 2;
            return classify((uint32_t)U16_GET_SUPPLEMENTARY(c, a->u16[i + 1]));
        }
        return CLS_QUIET;
    }
    uint8_t k = a->cls[c];
    if (ZHS_UNLIKELY(!k)) k = a->cls[c] = classify(c);
    return k;
}

/* End of the stretch ICU must see from a CORE character at i: word
** characters, and MID characters between two of them ("3.5", "v2.1"). */
static int32_t core_end(zhs_analyzer *a, int32_t i, int32_t n)
{
    int32_t l;
    class_at(a, i, n, &l);
    int32_t j = i + l;
    while (j < n) {
        uint8_t k = class_at(a, j, n, &l);
        if (k == CLS_CORE) {
            j += l;
        } else if (k == CLS_MID && j + l < n) {
            int32_t l2;
            if (class_at(a, j + l, n, &l2) != CLS_CORE) break;
            j += l + l2;
        } else {
            break;
        }
    }
    return j;
}

/* ---------------------------------------------------------------- user dictionary */

static void user_dict_warn(zhs_analyzer *a, const char *fmt, ...) ZHS_PRINTF(2, 3);
static void user_dict_warn(zhs_analyzer *a, const char *fmt, ...)
{
    if (!a->cfg.on_warning) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    a->cfg.on_warning(a->cfg.warning_ctx, msg);
}

static int load_user_dict(zhs_analyzer *a, const char *path, zhs_error *err)
{
    zhs_buf file, clean;
    zhs_buf_init(&file);
    zhs_buf_init(&clean);
    zhs_error e;
    zhs_error_clear(&e);
    if (zhs_file_read(&file, path, false, 256u << 20, &e)) {
        zhs_buf_free(&file);
        return zhs_fail(err, e.code, "cannot read the user dictionary: %s", e.message);
    }
    uint16_t *units = NULL;
    zhs_dict_word *words = NULL;
    double *freq = NULL;
    size_t nunits = 0, ucap = 0, nwords = 0, wcap = 0;
    int rc = ZHS_OK;
    size_t lineno = 0;
    const char *p = file.data ? file.data : "", *end = p + file.len;
    while (p < end && rc == ZHS_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *line = p;
        p = nl ? nl + 1 : end;
        lineno++;
        if (le > line && le[-1] == '\r') le--;
        if (lineno == 1 && le - line >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) line += 3;   /* BOM */
        while (line < le && (*line == ' ' || *line == '\t')) line++;
        if (line == le || *line == '#') continue;
        size_t len = (size_t)(le - line);
        zhs_buf_reset(&clean);
        if (zhs_utf8_sanitize(&clean, line, len)) {
            user_dict_warn(a, "%s:%zu: not valid UTF-8: line skipped", path, lineno);
            continue;
        }
        const char *tab = memchr(line, '\t', len);
        size_t wlen = tab ? (size_t)(tab - line) : len;
        while (wlen && line[wlen - 1] == ' ') wlen--;
        double f = 0;
        if (tab) {
            const char *fs = tab + 1;
            char num[64];
            size_t fl = (size_t)(le - fs);
            while (fl && (fs[fl - 1] == ' ' || fs[fl - 1] == '\t')) fl--;
            char *fe = NULL;
            if (fl && fl < sizeof num) {
                memcpy(num, fs, fl);
                num[fl] = 0;
                f = strtod(num, &fe);
            }
            if (!fl || fl >= sizeof num || *fe || !(f >= 1) || f > 1e15) {
                user_dict_warn(a, "%s:%zu: the frequency '%.*s' is not a number from 1 to 10^15: line skipped",
                     path, lineno, (int)(fl < 40 ? fl : 40), fs);
                continue;
            }
        }
        int64_t n = normalize_text(a, line, wlen);
        if (n < 0) { rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path); break; }
        bool han = n > 0;
        for (int64_t i = 0; i < n && han; i++)
            if (U16_IS_SURROGATE(a->u16[i]) || !zhs_is_han(a->u16[i])) han = false;
        if (!han) {
            user_dict_warn(a, "%s:%zu: '%.*s' is not a word of Han characters (the dictionary segments Han text only): "
                 "line skipped", path, lineno, (int)(wlen < 60 ? wlen : 60), line);
            continue;
        }
        if (n > ZHS_DICT_MAX_WORD) {
            user_dict_warn(a, "%s:%zu: a word of %lld characters is longer than %d: line skipped", path, lineno,
                 (long long)n, ZHS_DICT_MAX_WORD);
            continue;
        }
        size_t fcap = wcap;
        if (!zhs_grow(&units, &ucap, nunits + (size_t)n, sizeof *units, 4096) ||
            !zhs_grow(&freq, &fcap, nwords + 1, sizeof *freq, 256) ||
            !zhs_grow(&words, &wcap, nwords + 1, sizeof *words, 256)) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
            break;
        }
        /* Offsets until units stops moving. */
        words[nwords].u = (const uint16_t *)(uintptr_t)nunits;
        words[nwords].len = (uint32_t)n;
        freq[nwords] = f;
        nwords++;
        for (int64_t i = 0; i < n; i++) units[nunits++] = a->u16[i];
    }
    if (rc == ZHS_OK && nwords == 0)
        user_dict_warn(a, "%s: no words in the user dictionary", path);
    if (rc == ZHS_OK && nwords > 0) {
        /* The canonical text: normalised words, so that the copy an index
        ** stores reproduces the same entries and hash however it was
        ** written (traditional, full-width, CRLF, comments). */
        for (size_t i = 0; i < nwords; i++) {
            words[i].u = units + (uintptr_t)words[i].u;
            for (uint32_t k = 0; k < words[i].len; k++) {
                char tmp[4];
                zhs_buf_append(&a->user_words, tmp, zhs_utf8_encode(words[i].u[k], tmp));
            }
            if (freq[i] > 0) zhs_buf_printf(&a->user_words, "\t%.17g", freq[i]);
            zhs_buf_putc(&a->user_words, '\n');
            words[i].weight = freq[i] > 0 ? (float)(log(freq[i]) + a->dict.unknown)
                                          : (float)zhs_dict_suggest_weight(&a->dict, words[i].u, words[i].len);
        }
        if (a->user_words.oom || !zhs_dict_build(&a->user, words, nwords, a->dict.unknown)) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory building the user dictionary %s", path);
        } else {
            a->has_user = true;
            a->user_hash = zhs_dict_fnv(a->user_words.data, a->user_words.len, 1469598103934665603ull);
        }
    }
    free(units);
    free(words);
    free(freq);
    zhs_buf_free(&file);
    zhs_buf_free(&clean);
    return rc;
}

/* ---------------------------------------------------------------- running */

static int oom(zhs_error *err, size_t len)
{
    return zhs_fail(err, ZHS_ENOMEM, "out of memory analyzing %zu bytes", len);
}

/* Where a letter-and-digit segment u16[s, e) that starts with a number
** (digits, and . , between digits: 0.1, 1,000) goes on with letters: the
** number ends there (0.1MPa, 5km, 16GB); e when it does not (g20,
** pm2.5, 2020, a number alone, one letter: 2b).  A unit is searched for without the
** number before it (MPa finds 0.1MPa); the number and the unit stay
** neighbours, so that 0.1MPa as a query still finds them together. */
static bool unit_letter(UChar c) { return (c >= 'a' && c <= 'z') || (c >= 0x80 && u_isalpha(c)); }

static int32_t unit_cut(const zhs_analyzer *a, int32_t s, int32_t e)
{
    const UChar *u = a->u16;
    if (!(u[s] >= '0' && u[s] <= '9')) return e;
    int32_t i = s + 1;
    while (i < e && ((u[i] >= '0' && u[i] <= '9') ||
                     ((u[i] == '.' || u[i] == ',') && i + 1 < e && u[i + 1] >= '0' && u[i + 1] <= '9')))
        i++;
    /* two letters at least: one letter after a number is more often part
    ** of a name (2b, 5g, 3d, HAT-P-2b) than a unit searched alone */
    return i + 1 < e && unit_letter(u[i]) && unit_letter(u[i + 1]) ? i : e;
}

/* ICU's word break over u16[base, base + len): its Han segments are words,
** its number and letter segments tokens.  The whole text for the icu
** segmenter; for dict, a stretch with letters or digits, which may still
** hold kana that ICU calls ideographic, so the bigram run carries over. */
static int icu_tokens(zhs_analyzer *a, int32_t base, int32_t len, uint32_t *unit, han_run *run,
                      size_t textlen, zhs_error *err)
{
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(a->brk, a->u16 + base, len, &st);
    if (U_FAILURE(st)) return icu_fail(err, st, "setting break iterator text");
    int32_t start = ubrk_first(a->brk);
    for (int32_t end = ubrk_next(a->brk); end != UBRK_DONE; start = end, end = ubrk_next(a->brk)) {
        int32_t status = ubrk_getRuleStatus(a->brk);
        int32_t s = base + start, e = base + end;
        const UChar *seg = a->u16 + s;
        int32_t seglen = e - s;
        bool ok = true;
        if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT) {
            uint32_t nch = count_chars(seg, seglen);
            if (run->nchars == 0) {
                run->first = s;
                run->pos = *unit;
            }
            run->nchars += nch;
            if (a->cfg.words)
                ok = push_at(a, s, e, ZHS_TOKEN_WORD, *unit);
            *unit += nch;
        } else {
            ok = flush_bigrams(a, run, s);
            if (ok && status >= UBRK_WORD_NUMBER) {
                uint32_t kind = status < UBRK_WORD_NUMBER_LIMIT ? ZHS_TOKEN_NUMBER : ZHS_TOKEN_LATIN;
                int32_t cut = a->cfg.number_units ? unit_cut(a, s, e) : e;
                if (cut < e) {
                    ok = push_at(a, s, cut, ZHS_TOKEN_NUMBER, *unit);
                    (*unit)++;
                    s = cut;
                }
                ok = ok && push_at(a, s, e, kind, *unit);
                (*unit)++;
            }
        }
        if (!ok) return oom(err, textlen);
    }
    return ZHS_OK;
}

/* Segments the Han run u16[i, j) into a->dp.  A character that counts
** what a number before it measures (31日, 300万, 5亿) belongs with the
** number, not with the Han after it: 31日电 is 31/日/电, never 31/日电. */
static bool dict_words(zhs_analyzer *a, int32_t i, int32_t j)
{
    UChar c = a->u16[i];
    bool lone = i > 0 && a->u16[i - 1] >= '0' && a->u16[i - 1] <= '9' &&
                (c == 0x65E5 || c == 0x4E07 || c == 0x4EBF);
    return zhs_dict_segment(&a->dp, &a->dict, a->has_user ? &a->user : NULL, a->u16 + i, (uint32_t)(j - i), lone,
                            numeral_rules(a));
}

/* The end of the Han run that starts at i, and its characters. */
static int32_t han_end(zhs_analyzer *a, int32_t i, int32_t n, uint32_t *nchars)
{
    uint32_t c = 0;
    int32_t l;
    while (i < n && class_at(a, i, n, &l) == CLS_HAN) {
        i += l;
        c++;
    }
    *nchars = c;
    return i;
}

/* The dict segmenter: Han runs through the dictionary, stretches with
** letters or digits through ICU, the rest (punctuation, space) ends runs. */
static int dict_tokens(zhs_analyzer *a, int32_t n, size_t textlen, zhs_error *err)
{
    uint32_t unit = 0;
    han_run run = {0, 0, 0};
    int32_t i = 0;
    while (i < n) {
        int32_t l;
        uint8_t k = class_at(a, i, n, &l);
        if (k == CLS_HAN) {
            uint32_t nch;
            int32_t j = han_end(a, i, n, &nch);
            if (run.nchars == 0) {
                run.first = i;
                run.pos = unit;
            }
            run.nchars += nch;
            if (a->cfg.words) {
                if (!dict_words(a, i, j))
                    return oom(err, textlen);
                uint32_t pos = unit;
                for (int32_t w = i; w < j;) {
                    int32_t we = i + (int32_t)a->dp.next[w - i];
                    if (!push_at(a, w, we, ZHS_TOKEN_WORD, pos)) return oom(err, textlen);
                    pos += count_chars(a->u16 + w, we - w);
                    w = we;
                }
            }
            unit += nch;
            i = j;
        } else if (k == CLS_CORE) {
            int32_t j = core_end(a, i, n);
            if (icu_tokens(a, i, j - i, &unit, &run, textlen, err)) return err->code;
            i = j;
        } else {
            if (!flush_bigrams(a, &run, i)) return oom(err, textlen);
            i += l;
        }
    }
    if (!flush_bigrams(a, &run, n)) return oom(err, textlen);
    return ZHS_OK;
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
    a->text = text;
    a->text_len = len;
    int64_t n = normalize_text(a, text, len);
    if (n < 0) return oom(err, len);
    if (n == 0) return ZHS_OK;
    if (!utf8_map(a, (int32_t)n)) return oom(err, len);

    if (a->cfg.segmenter != ZHS_SEGMENTER_ICU) {
        if (dict_tokens(a, (int32_t)n, len, err)) return err->code;
    } else {
        uint32_t unit = 0;
        han_run run = {0, 0, 0};
        if (icu_tokens(a, 0, (int32_t)n, &unit, &run, len, err)) return err->code;
        if (!flush_bigrams(a, &run, (int32_t)n)) return oom(err, len);
    }

    /* 16 readable bytes after the last text: zhs_passage_terms_text
    ** copies short keys 16 bytes at a time (terms.h) */
    if (!zhs_buf_reserve(&a->terms, ZHS_TOKEN_SLACK)) return oom(err, len);
    for (size_t i = 0; i < a->ntokens; i++)
        a->tokens[i].text = a->terms.data + (uintptr_t)a->tokens[i].text;
    *tokens = a->tokens;
    *ntokens = a->ntokens;
    return ZHS_OK;
}

/* Appends the original bytes of one segment to the segment output.  One
** source character can expand to several segments ("㈠" -> "(一)"): its
** bytes are written once. */
static void seg_emit(zhs_analyzer *a, const char *text, uint32_t s, uint32_t e, uint32_t *emitted_end)
{
    if (e <= *emitted_end) return;
    if (s < *emitted_end) s = *emitted_end;
    if (a->seg_out.len && s != a->seg_glue) zhs_buf_putc(&a->seg_out, ' ');
    zhs_buf_append(&a->seg_out, text + s, e - s);
    *emitted_end = e;
}

/* Whether the word u16[w, we) of the Han run that starts at i stays with
** the digits before it in 'zhs segment' (2000年, 12月, 31日, 8时, 50万,
** 1万亿), as segmentation standards write dates, times and round numbers.
** Only the output joins them: the index keeps the number a token of its
** own, so that 2000 finds 2000年. */
static bool number_unit(const zhs_analyzer *a, int32_t i, int32_t w, int32_t we)
{
    if (!numeral_rules(a) || we != w + 1) return false;
    UChar c = a->u16[w];
    if (w > i) return c == 0x4EBF && a->u16[w - 1] == 0x4E07 && w - 1 == i && number_unit(a, i, i, w); /* 1万亿 */
    if (i == 0 || a->u16[i - 1] < '0' || a->u16[i - 1] > '9') return false;
    switch (c) {
    case 0x5E74: case 0x6708: case 0x65E5: case 0x53F7: case 0x65F6: case 0x5206: case 0x79D2: case 0x70B9:
    case 0x4E07: case 0x4EBF:   /* 年 月 日 号 时 分 秒 点 万 亿 */
        return true;
    default:
        return false;
    }
}

/* Marks written as runs: dashes (—, ─, ⸺, ⸻, -) and the ellipsis (…, or
** the dots NFKC makes of it). */
static bool repeated_mark(UChar c)
{
    return c == 0x2014 || c == 0x2500 || c == 0x2E3A || c == 0x2E3B || c == 0x2026 || c == '-' || c == '.';
}

/* ICU's segments of u16[base, base + len), white space left out. */
static int icu_segments(zhs_analyzer *a, const char *text, int32_t base, int32_t len, uint32_t *emitted_end,
                        zhs_error *err)
{
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(a->brk, a->u16 + base, len, &st);
    if (U_FAILURE(st)) return icu_fail(err, st, "setting break iterator text");
    int32_t start = ubrk_first(a->brk);
    for (int32_t end = ubrk_next(a->brk); end != UBRK_DONE; start = end, end = ubrk_next(a->brk)) {
        /* Whitespace segments separate words but are not words. */
        bool space = true;
        for (int32_t i = base + start; i < base + end; i++)
            if (!u_isUWhiteSpace(a->u16[i])) { space = false; break; }
        if (space) continue;
        seg_emit(a, text, a->src_start[base + start], a->src_end[base + end - 1], emitted_end);
    }
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
    a->seg_glue = UINT32_MAX;
    int64_t n64 = normalize_text(a, text, len);
    if (n64 < 0) return zhs_fail(err, ZHS_ENOMEM, "out of memory segmenting %zu bytes", len);
    if (n64 == 0) return ZHS_OK;
    int32_t n = (int32_t)n64;
    uint32_t emitted_end = 0;
    if (a->cfg.segmenter == ZHS_SEGMENTER_ICU) {
        if (icu_segments(a, text, 0, n, &emitted_end, err)) return err->code;
    } else {
        for (int32_t i = 0; i < n;) {
            int32_t l;
            uint8_t k = class_at(a, i, n, &l);
            if (k == CLS_HAN) {
                uint32_t nch;
                int32_t j = han_end(a, i, n, &nch);
                if (!dict_words(a, i, j))
                    return zhs_fail(err, ZHS_ENOMEM, "out of memory segmenting %zu bytes", len);
                for (int32_t w = i; w < j;) {
                    int32_t we = i + (int32_t)a->dp.next[w - i];
                    if (number_unit(a, i, w, we)) a->seg_glue = a->src_start[w];
                    seg_emit(a, text, a->src_start[w], a->src_end[we - 1], &emitted_end);
                    w = we;
                }
                i = j;
            } else if (k == CLS_CORE) {
                int32_t j = core_end(a, i, n);
                if (icu_segments(a, text, i, j - i, &emitted_end, err)) return err->code;
                i = j;
            } else {
                /* ICU breaks on both sides of punctuation: each is a segment,
                ** except that a dash or an ellipsis is written as a run of
                ** two or more (——, ……, which NFKC makes "......") and is one
                ** mark. */
                int32_t j = i + l;
                if (repeated_mark(a->u16[i]))
                    while (j < n && a->u16[j] == a->u16[i]) j++;
                if (a->u16[i] == '%' && i > 0 && a->u16[i - 1] >= '0' && a->u16[i - 1] <= '9' && numeral_rules(a))
                    a->seg_glue = a->src_start[i];
                if (k != CLS_SPACE) seg_emit(a, text, a->src_start[i], a->src_end[j - 1], &emitted_end);
                i = j;
            }
        }
    }
    if (a->seg_out.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory segmenting %zu bytes", len);
    *out = zhs_buf_cstr(&a->seg_out);
    *outlen = a->seg_out.len;
    return ZHS_OK;
}
