/*
** t2s.c — traditional -> simplified at the phrase level with OpenCC.
**
** ICU's transliterator maps one character at a time (網路 -> 网路); OpenCC's
** tw2sp configuration converts Taiwan phrases as a whole (網路 -> 网络,
** 程式 -> 程序).  The analyzer still normalises one code point at a time
** (NFKC_CF, cached), then hands its normalised text here.
**
** Which runs are converted.  Only a run of Han characters that holds at
** least one traditional character (one OpenCC's plain character table,
** t2s.json, changes: 網, 軟, 資) goes through tw2sp.  Two reasons:
**   - speed: the simplified laws corpus then almost never calls OpenCC; a
**     per-code-point table, filled by converting each character once,
**     decides it with one array load;
**   - meaning: tw2sp rewrites Taiwan words that are also mainland words
**     with another sense (程序 -> 进程, 建立 -> 创建, 文件 -> 文档).
**     Applied to simplified text that would merge distinct mainland words;
**     a run with a traditional character is Taiwan text, where the
**     rewrite is what the writer meant.
** The price: a Taiwan phrase written only with characters both scripts
** share (程式, 使用者) in a run without any traditional character stays as
** written.
**
** The offset map.  Every output unit must point at the bytes of the
** original text it came from.  A piece whose conversion is its characters
** converted one by one maps 1:1.  Otherwise (網路 -> 网络, 使用者 -> 用户,
** 太空梭 -> 航天飞机) the piece is cut in two where converting the halves
** separately gives the same text as converting the whole, recursively; a
** piece no cut separates is one phrase: 1:1 when it keeps its length (络
** points at 路), else one block, each output unit pointing at the whole
** phrase.  A token inside a changed phrase therefore highlights the phrase
** it came from, never a byte range that is not in the original.
*/
#include "t2s.h"

#include <opencc/opencc.h>
#include <stdlib.h>
#include <unicode/utf16.h>

#ifndef ZHS_OPENCC_VERSION
#define ZHS_OPENCC_VERSION "unknown"
#endif

/* What OpenCC makes of a BMP code point on its own: 0 until asked, else
** the one code point it becomes, or ALONE_MULTI (埠 -> 端口). */
#define ALONE_UNKNOWN 0u
#define ALONE_MULTI 0xFFFFFFFFu

/* Cut points tried on each side of a piece's middle before it is mapped
** as one block: a phrase straddling the middle rarely spans more. */
#define SPLIT_TRIES 4

typedef struct cp_src {
    uint32_t cp, start, end;    /* a code point and its source byte range */
} cp_src;

struct zhs_t2s {
    bool zhe;                   /* 著 as the particle (zhs_t2s_particle_zhe) */
    opencc_t cc;                /* ZHS_T2S_CONFIG: what the text becomes */
    opencc_t detect;            /* ZHS_T2S_DETECT: which characters are traditional */
    uint32_t *alone;            /* 65536 entries, ALONE_* or a code point, by cc */
    uint32_t *plain;            /* the same, by detect */
    UChar *u;                   /* the folded text, swapped with the analyzer's */
    uint32_t *s, *e;
    size_t cap, len;
    cp_src *run;                /* one Han run */
    size_t run_cap;
    uint32_t *conv;             /* its conversion */
    size_t conv_cap;
    size_t *spans;              /* the runs to fold: from, to (units) */
    size_t nspans, spans_cap;
    zhs_buf utf8;               /* OpenCC's input */
};

const char *zhs_t2s_describe(void)
{
    return "opencc=" ZHS_OPENCC_VERSION "/" ZHS_T2S_CONFIG "," ZHS_T2S_DETECT;
}

int zhs_t2s_open(zhs_t2s **out, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_t2s *t = calloc(1, sizeof *t);
    if (!t) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening OpenCC");
    zhs_buf_init(&t->utf8);
    static const char *const configs[2] = {ZHS_T2S_CONFIG, ZHS_T2S_DETECT};
    for (int i = 0; i < 2; i++) {
        opencc_t cc = opencc_open(configs[i]);
        if (cc == (opencc_t)-1) {
            const char *why = opencc_error();
            zhs_t2s_close(t);
            return zhs_fail(err, ZHS_ENOTFOUND,
                            "OpenCC cannot open its configuration %s: %s (install the Debian "
                            "packages libopencc1.1 and libopencc-data, or analyze with --no-fold)",
                            configs[i], why ? why : "no reason given");
        }
        if (i == 0) t->cc = cc;
        else t->detect = cc;
    }
    t->alone = calloc(65536, sizeof *t->alone);
    t->plain = calloc(65536, sizeof *t->plain);
    if (!t->alone || !t->plain) {
        zhs_t2s_close(t);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory opening OpenCC");
    }
    *out = t;
    return ZHS_OK;
}

void zhs_t2s_close(zhs_t2s *t)
{
    if (!t) return;
    if (t->cc) opencc_close(t->cc);
    if (t->detect) opencc_close(t->detect);
    free(t->alone);
    free(t->plain);
    free(t->u);
    free(t->s);
    free(t->e);
    free(t->run);
    free(t->conv);
    free(t->spans);
    zhs_buf_free(&t->utf8);
    free(t);
}

/* ------------------------------------------------------------ OpenCC */

/* OpenCC's conversion of cps[0..n), NUL-terminated, to be freed with
** opencc_convert_utf8_free(); NULL when it failed. */
static char *convert_with(zhs_t2s *t, opencc_t cc, const cp_src *cps, size_t n, size_t *len)
{
    zhs_buf_reset(&t->utf8);
    for (size_t i = 0; i < n; i++) {
        char tmp[4];
        zhs_buf_append(&t->utf8, tmp, zhs_utf8_encode(cps[i].cp, tmp));
    }
    if (t->utf8.oom || !t->utf8.len) return NULL;
    char *r = opencc_convert_utf8(cc, t->utf8.data, t->utf8.len);
    if (r) *len = strlen(r);
    return r;
}

static char *convert(zhs_t2s *t, const cp_src *cps, size_t n, size_t *len)
{
    return convert_with(t, t->cc, cps, n, len);
}

static uint32_t alone_slow(zhs_t2s *t, opencc_t cc, uint32_t *table, uint32_t cp)
{
    cp_src one = {cp, 0, 0};
    size_t len = 0;
    char *r = convert_with(t, cc, &one, 1, &len);
    if (!r) return cp;          /* not cached: asked again next time */
    uint32_t to = ALONE_MULTI;
    size_t l = len ? zhs_utf8_decode(r, len, &to) : 0;
    if (l != len || to == ALONE_UNKNOWN) to = ALONE_MULTI;
    opencc_convert_utf8_free(r);
    if (cp < 0x10000) table[cp] = to;
    return to;
}

/* What tw2sp makes of cp on its own (ALONE_MULTI if not one code point). */
static inline uint32_t alone(zhs_t2s *t, uint32_t cp)
{
    if (cp < 0x10000 && t->alone[cp] != ALONE_UNKNOWN) return t->alone[cp];
    return alone_slow(t, t->cc, t->alone, cp);
}

/* Whether cp is a traditional character: one that plain t2s changes.
** tw2sp itself also rewrites some characters that are standard
** simplified (么 -> 幺, 抬 -> 擡, 著 -> 着), so it cannot be the test. */
static inline bool traditional(zhs_t2s *t, uint32_t cp)
{
    if (cp < 0x10000 && t->plain[cp] != ALONE_UNKNOWN) return t->plain[cp] != cp;
    return alone_slow(t, t->detect, t->plain, cp) != cp;
}

uint32_t zhs_t2s_char(zhs_t2s *t, uint32_t cp)
{
    uint32_t to = cp < 0x10000 && t->plain[cp] != ALONE_UNKNOWN ? t->plain[cp] : alone_slow(t, t->detect, t->plain, cp);
    return to == ALONE_MULTI || to == ALONE_UNKNOWN ? cp : to;
}

/* Whether OpenCC turns cps[0..n) into want[0..*got), a prefix of
** want[0..k) (all of it when whole). */
static bool converts_to(zhs_t2s *t, const cp_src *cps, size_t n, const uint32_t *want,
                        size_t k, bool whole, size_t *got)
{
    size_t len = 0;
    char *r = convert(t, cps, n, &len);
    if (!r) return false;
    size_t i = 0, j = 0;
    bool ok = true;
    while (i < len) {
        uint32_t cp;
        i += zhs_utf8_decode(r + i, len - i, &cp);
        if (j == k || want[j] != cp) {
            ok = false;
            break;
        }
        j++;
    }
    opencc_convert_utf8_free(r);
    *got = j;
    return ok && (!whole || j == k);
}

/* ------------------------------------------------------------ output */

/* Three arrays of one capacity: each grows alike, and the capacity they
** all have is kept (a failure leaves the smaller one). */
static bool reserve(zhs_t2s *t, size_t need)
{
    size_t cu = t->cap, cs = t->cap, ce = t->cap;
    bool ok = zhs_grow(&t->u, &cu, need, sizeof *t->u, 1024) && zhs_grow(&t->s, &cs, need, sizeof *t->s, 1024) &&
              zhs_grow(&t->e, &ce, need, sizeof *t->e, 1024);
    if (ok) t->cap = ce;
    return ok;
}

static bool put(zhs_t2s *t, uint32_t cp, uint32_t start, uint32_t end)
{
    if (!reserve(t, t->len + 2)) return false;
    size_t k = t->len;
    if (cp < 0x10000) {
        t->u[k++] = (UChar)cp;
    } else {
        t->u[k++] = U16_LEAD(cp);
        t->u[k++] = U16_TRAIL(cp);
    }
    for (size_t i = t->len; i < k; i++) {
        t->s[i] = start;
        t->e[i] = end;
    }
    t->len = k;
    return true;
}

static bool copy_units(zhs_t2s *t, const UChar *u, const uint32_t *s, const uint32_t *e,
                       size_t from, size_t to)
{
    size_t n = to - from;
    if (!n) return true;
    if (!reserve(t, t->len + n)) return false;
    memcpy(t->u + t->len, u + from, n * sizeof *u);
    memcpy(t->s + t->len, s + from, n * sizeof *s);
    memcpy(t->e + t->len, e + from, n * sizeof *e);
    t->len += n;
    return true;
}

void zhs_t2s_particle_zhe(zhs_t2s *t, bool on) { t->zhe = on; }

/* Whether cp is in s[0..n) (code points). */
static bool one_of(uint32_t cp, const uint32_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == cp) return true;
    return false;
}

/* Whether the 著 at cps[i] is the particle (隨著, 意味著, 有著, 接著): not
** in a word where it is zhù, read from its neighbours: 著作, 著名, 著称,
** 著述, 著者, 著书, 著录, 著有 (authored), 著成; 显著, 卓著, 昭著, 名著, 原著,
** 巨著, 专著, 论著, 编著, 合著, 遗著, 新著, 拙著, 译著, 土著, 彰著, 大著.
** Mainland text writes the particle 着 and keeps 著 for these. */
static bool zhe_between(uint32_t prev, uint32_t next)
{
    static const uint32_t after[] = {0x4F5C, 0x540D, 0x79F0, 0x7A31, 0x8FF0, 0x8005, 0x4E66, 0x66F8,
                                     0x5F55, 0x9304, 0x6709, 0x6210};  /* 作名称稱述者书書录錄有成 */
    static const uint32_t before[] = {0x663E, 0x986F, 0x5353, 0x662D, 0x540D, 0x539F, 0x5DE8, 0x4E13,
                                      0x5C08, 0x8BBA, 0x8AD6, 0x7F16, 0x7DE8, 0x5408, 0x9057, 0x907A,
                                      0x65B0, 0x62D9, 0x8BD1, 0x8B6F, 0x571F, 0x5F70, 0x5927};
    /* 显顯卓昭名原巨专專论論编編合遗遺新拙译譯土彰大 */
    return !one_of(next, after, sizeof after / sizeof *after) && !one_of(prev, before, sizeof before / sizeof *before);
}

static bool zhe_particle(const cp_src *cps, size_t n, size_t i)
{
    return zhe_between(i > 0 ? cps[i - 1].cp : 0, i + 1 < n ? cps[i + 1].cp : 0);
}

/* A piece converted character by character keeps the characters that are
** already simplified (抬頭 -> 抬头, not 擡头; 顯著 -> 显著): tw2sp's
** character variants are Taiwan-standard -> OpenCC-standard, and would
** part a Taiwan text from the same word in mainland text.  The one
** exception is 著 as the particle (t->zhe): tw2sp's 着 there is the word
** mainland text has. */
static bool put_charwise(zhs_t2s *t, const cp_src *cps, size_t n, const uint32_t *conv)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = conv[i] != cps[i].cp && !traditional(t, cps[i].cp) ? cps[i].cp : conv[i];
        if (t->zhe && cps[i].cp == 0x8457 && conv[i] == 0x7740 && zhe_particle(cps, n, i)) cp = 0x7740;
        if (!put(t, cp, cps[i].start, cps[i].end)) return false;
    }
    return true;
}

static bool put_1to1(zhs_t2s *t, const cp_src *cps, size_t n, const uint32_t *conv)
{
    for (size_t i = 0; i < n; i++)
        if (!put(t, conv[i], cps[i].start, cps[i].end)) return false;
    return true;
}

/* Whether conv[0..k) is cps[0..n) converted one character at a time. */
static bool charwise(zhs_t2s *t, const cp_src *cps, size_t n, const uint32_t *conv, size_t k)
{
    if (k != n) return false;
    for (size_t i = 0; i < n; i++)
        if (alone(t, cps[i].cp) != conv[i]) return false;
    return true;
}

/* Writes conv[0..k), the conversion of cps[0..n), each unit pointing at
** the source of the input it came from (see the top of the file).  Equal
** lengths alone do not make a 1:1 map: 太空梭發射使用者 gains a character
** where it loses one.  So a piece is mapped 1:1 only when it converts
** character by character, or when it is a phrase that no cut separates
** and keeps its length (網路 -> 网络). */
static bool map_piece(zhs_t2s *t, const cp_src *cps, size_t n, const uint32_t *conv, size_t k)
{
    if (charwise(t, cps, n, conv, k)) return put_charwise(t, cps, n, conv);
    size_t mid = n / 2;
    for (size_t d = 0; n > 1 && d <= 2 * SPLIT_TRIES; d++) {
        size_t off = (d + 1) / 2;
        if (d % 2 && off >= mid) continue;
        size_t cut = d % 2 ? mid - off : mid + off;
        if (cut == 0 || cut >= n) continue;
        size_t ka, kb;
        if (!converts_to(t, cps, cut, conv, k, false, &ka)) continue;
        if (!converts_to(t, cps + cut, n - cut, conv + ka, k - ka, true, &kb)) continue;
        return map_piece(t, cps, cut, conv, ka) && map_piece(t, cps + cut, n - cut, conv + ka, kb);
    }
    if (k == n) return put_1to1(t, cps, n, conv);
    for (size_t i = 0; i < k; i++)
        if (!put(t, conv[i], cps[0].start, cps[n - 1].end)) return false;
    return true;
}

/* Writes one Han run folded; done is OpenCC's conversion of it, NULL to
** ask OpenCC here.  A run OpenCC fails on is kept as it is. */
static bool fold_run(zhs_t2s *t, const UChar *u, const uint32_t *s, const uint32_t *e,
                     size_t from, size_t to, const char *done, size_t done_len)
{
    size_t n = 0;
    for (size_t i = from; i < to;) {
        if (!zhs_grow(&t->run, &t->run_cap, n + 1, sizeof *t->run, 256)) return false;
        size_t first = i;
        uint32_t cp = u[i++];
        if (U16_IS_LEAD(cp) && i < to && U16_IS_TRAIL(u[i])) cp = U16_GET_SUPPLEMENTARY(cp, u[i++]);
        t->run[n].cp = cp;
        t->run[n].start = s[first];
        t->run[n].end = e[i - 1];
        n++;
    }
    size_t len = done_len;
    char *own = NULL;
    if (!done) {
        own = convert(t, t->run, n, &len);
        if (!own) return copy_units(t, u, s, e, from, to);
        done = own;
    }
    size_t k = 0;
    bool ok = true;
    for (size_t i = 0; i < len && ok;) {
        ok = zhs_grow(&t->conv, &t->conv_cap, k + 1, sizeof *t->conv, 256);
        if (ok) i += zhs_utf8_decode(done + i, len - i, &t->conv[k++]);
    }
    if (own) opencc_convert_utf8_free(own);
    return ok && map_piece(t, t->run, n, t->conv, k);
}

/* All the runs to fold, in one OpenCC call: the cost of a call is mostly
** its own (a run is a clause, 10-20 characters), not the characters.  The
** runs are joined by line feeds, which no dictionary entry holds, so no
** phrase spans two runs and the output splits back into them. */
static char *convert_all(zhs_t2s *t, const UChar *u, size_t *len)
{
    zhs_buf_reset(&t->utf8);
    for (size_t r = 0; r < t->nspans; r++) {
        for (size_t i = t->spans[2 * r]; i < t->spans[2 * r + 1];) {
            uint32_t cp = u[i++];
            if (U16_IS_LEAD(cp) && i < t->spans[2 * r + 1] && U16_IS_TRAIL(u[i]))
                cp = U16_GET_SUPPLEMENTARY(cp, u[i++]);
            char tmp[4];
            zhs_buf_append(&t->utf8, tmp, zhs_utf8_encode(cp, tmp));
        }
        zhs_buf_putc(&t->utf8, '\n');
    }
    if (t->utf8.oom) return NULL;
    char *all = opencc_convert_utf8(t->cc, t->utf8.data, t->utf8.len);
    if (!all) return NULL;
    *len = strlen(all);
    size_t lines = 0;
    for (size_t i = 0; i < *len; i++) lines += all[i] == '\n';
    if (lines != t->nspans) {      /* never seen; then each run on its own */
        opencc_convert_utf8_free(all);
        return NULL;
    }
    return all;
}

bool zhs_t2s_fold(zhs_t2s *t, UChar **u16, uint32_t **src_start, uint32_t **src_end,
                  size_t *cap, size_t *n)
{
    const UChar *u = *u16;
    const uint32_t *s = *src_start, *e = *src_end;
    size_t len = *n, i = 0;
    t->len = 0;
    t->nspans = 0;
    while (i < len) {
        /* Nothing below U+3000 is Han: the common skip is one compare. */
        if (u[i] < 0x3000) {
            i++;
            continue;
        }
        size_t from = i;
        bool trad = false;
        while (i < len) {
            size_t j = i;
            uint32_t cp = u[j++];
            if (U16_IS_LEAD(cp) && j < len && U16_IS_TRAIL(u[j])) cp = U16_GET_SUPPLEMENTARY(cp, u[j++]);
            if (!zhs_is_han(cp)) break;
            if (!trad && traditional(t, cp)) trad = true;
            i = j;
        }
        if (i == from) {
            i++;
            continue;
        }
        if (!trad) {
            /* a run without a traditional character is not folded, but
            ** its particle 著 is (本著, 意味著 of a Taiwan text: mainland text
            ** writes 着 there, and 著 only where it is zhù) */
            for (size_t k = from; t->zhe && k < i; k++)
                if (u[k] == 0x8457 && zhe_between(k > from ? u[k - 1] : 0, k + 1 < i ? u[k + 1] : 0))
                    (*u16)[k] = 0x7740;
            continue;
        }
        /* spans: (from, to) pairs */
        if (!zhs_grow(&t->spans, &t->spans_cap, t->nspans + 1, 2 * sizeof *t->spans, 64)) return false;
        t->spans[2 * t->nspans] = from;
        t->spans[2 * t->nspans + 1] = i;
        t->nspans++;
    }
    if (!t->nspans) return true;

    size_t all_len = 0, at = 0, copied = 0;
    char *all = convert_all(t, u, &all_len);
    for (size_t r = 0; r < t->nspans; r++) {
        size_t from = t->spans[2 * r], to = t->spans[2 * r + 1];
        const char *done = NULL;
        size_t done_len = 0;
        if (all) {
            const char *nl = memchr(all + at, '\n', all_len - at);
            done = all + at;
            done_len = (size_t)(nl - done);
            at += done_len + 1;
        }
        if (!copy_units(t, u, s, e, copied, from) || !fold_run(t, u, s, e, from, to, done, done_len)) {
            if (all) opencc_convert_utf8_free(all);
            return false;
        }
        copied = to;
    }
    if (all) opencc_convert_utf8_free(all);
    if (!copy_units(t, u, s, e, copied, len)) return false;
    /* Swap rather than copy back: the analyzer's arrays become the next
    ** call's output buffers. */
    UChar *ou = *u16;
    uint32_t *os = *src_start, *oe = *src_end;
    size_t ocap = *cap;
    *u16 = t->u;
    *src_start = t->s;
    *src_end = t->e;
    *cap = t->cap;
    *n = t->len;
    t->u = ou;
    t->s = os;
    t->e = oe;
    t->cap = ocap;
    return true;
}
