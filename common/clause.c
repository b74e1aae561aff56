/*
** clause.c — what a document's text says of itself: the day it takes
** effect (本法自2024年7月1日起施行) and the documents it repeals
** (《某某条例》同时废止), read by the metadata builder (meta.c) from every
** passage it is given.  See clause.h.
*/
#include "clause.h"
#include "meta.h"
#include "numeral.h"

#include <stdio.h>
#include <string.h>
#if defined(__SSE2__) && !defined(ZHS_NO_SIMD)
#define ZHS_CLAUSE_SSE2 1
#include <emmintrin.h>
#endif

/* ------------------------------------------------------ the day in force */

/* The bytes of the UTF-8 character s[0..n) ends with, if it is a CJK
** ideograph (U+4E00..U+9FFF), else 0. */
static size_t cjk_before(const char *s, size_t n)
{
    uint32_t cp;
    if (n < 3 || zhs_utf8_decode(s + n - 3, 3, &cp) != 3) return 0;
    return cp >= 0x4E00 && cp <= 0x9FFF ? 3 : 0;
}

static bool has3(const char *s, size_t n, size_t i, const char *c)
{
    return i + 3 <= n && memcmp(s + i, c, 3) == 0;
}

/* Skips ASCII and ideographic spaces. */
static size_t skip_spaces(const char *s, size_t n, size_t i)
{
    for (;;) {
        if (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        else if (has3(s, n, i, "\xE3\x80\x80")) i += 3;
        else return i;
    }
}

/* One digit of a year written digit by digit: ASCII, full-width, or
** Chinese (〇, its look-alike ○, 零 一 … 九).  Bytes read, 0 if none. */
static size_t year_digit(const char *s, size_t n, size_t i, uint32_t *d)
{
    static const char *const cjk[] = {"\xE3\x80\x87", "\xE4\xB8\x80", "\xE4\xBA\x8C", "\xE4\xB8\x89",
                                      "\xE5\x9B\x9B", "\xE4\xBA\x94", "\xE5\x85\xAD", "\xE4\xB8\x83",
                                      "\xE5\x85\xAB", "\xE4\xB9\x9D"};     /* 〇一二三四五六七八九 */
    if (i < n && s[i] >= '0' && s[i] <= '9') {
        *d = (uint32_t)(s[i] - '0');
        return 1;
    }
    if (i + 3 <= n && (uint8_t)s[i] == 0xEF && (uint8_t)s[i + 1] == 0xBC && (uint8_t)s[i + 2] >= 0x90 &&
        (uint8_t)s[i + 2] <= 0x99) {
        *d = (uint32_t)((uint8_t)s[i + 2] - 0x90);
        return 3;
    }
    if (has3(s, n, i, "\xE2\x97\x8B") || has3(s, n, i, "\xE9\x9B\xB6")) {     /* ○ 零 */
        *d = 0;
        return 3;
    }
    for (uint32_t k = 0; k < 10; k++)
        if (has3(s, n, i, cjk[k])) {
            *d = k;
            return 3;
        }
    return 0;
}

/* The date of "2024年7月1日" (or 二〇二四年七月一日, spaces between its
** parts; what follows 日, such as 零时, is not read). */
static bool clause_date(const char *s, size_t n, uint32_t *out)
{
    size_t i = 0;
    uint32_t y = 0, m, d, v;
    for (int k = 0; k < 4; k++) {
        size_t l = year_digit(s, n, i, &v);
        if (!l) return false;
        y = y * 10 + v;
        i += l;
    }
    i = skip_spaces(s, n, i);
    if (!has3(s, n, i, "\xE5\xB9\xB4")) return false;       /* 年 */
    i = skip_spaces(s, n, i + 3);
    size_t l = zhs_numeral_parse(s + i, n - i, &m);
    if (!l && has3(s, n, i, "\xE5\x85\x83")) m = 1, l = 3;       /* 元月: January */
    if (!l) return false;
    i = skip_spaces(s, n, i + l);
    if (!has3(s, n, i, "\xE6\x9C\x88")) return false;       /* 月 */
    i = skip_spaces(s, n, i + 3);
    if (!(l = zhs_numeral_parse(s + i, n - i, &d))) return false;
    i = skip_spaces(s, n, i + l);
    if (!has3(s, n, i, "\xE6\x97\xA5") && !has3(s, n, i, "\xE5\x8F\xB7")) return false;  /* 日 号 */
    char buf[16];
    if (m > 12 || d > 31) return false;
    snprintf(buf, sizeof buf, "%04u-%02u-%02u", (unsigned)y, (unsigned)m, (unsigned)d);
    return zhs_date_parse(buf, strlen(buf), out);
}

/* What a document calls itself after 本 (本法, 本条例, 本实施细则, 本規定): a
** clause of another kind dates something else (本条 an article, 本合同 a
** contract in an annex, 本规定所称的过渡期 a period). */
static bool document_noun(const char *s, size_t n)
{
    static const char *const nouns[] = {
        "法", "条例", "規例", "條例", "规定", "規定", "办法", "辦法", "细则", "細則", "解释", "解釋", "规则", "規則",
        "决定", "決定", "修正案", "安排", "守则", "守則", "规范", "規範", "决议", "決議", "批复", "批覆", "命令",
        "通知", "意见", "意見", "准则", "準則", "章程", "规程", "規程", "标准", "標準", "公约", "公約", "协定",
        "協定", "纲要", "綱要", "方案", "指引", "指南", "文本", "目录", "目錄", "议定书", "議定書", "条约", "條約"};
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++) {
        size_t l = strlen(nouns[i]);
        if (n >= l && !memcmp(s + n - l, nouns[i], l)) return true;
    }
    return false;
}

/* Whether s[0..at) leaves a quotation open (“…, 「…, 『…): a clause quoted
** from another text is not the document's.  Read only for a clause that
** is one by its words (a few per document). */
/* The quotation depth after the 3-byte window at s[i] (“ 「 『 open, ” 」 』
** close). */
static void quote_step(const char *s, size_t i, int *depth)
{
    uint8_t a = (uint8_t)s[i], b = (uint8_t)s[i + 1], c = (uint8_t)s[i + 2];
    if (b != 0x80 || (a != 0xE2 && a != 0xE3)) return;
    bool open = (a == 0xE2 && c == 0x9C) || (a == 0xE3 && (c == 0x8C || c == 0x8E));
    bool close = (a == 0xE2 && c == 0x9D) || (a == 0xE3 && (c == 0x8D || c == 0x8F));
    if (open) (*depth)++;
    else if (close && *depth > 0) (*depth)--;
}

static bool quoted(const char *s, size_t at)
{
    /* a quotation over several paragraphs opens again in each (only the
    ** last closes it): a paragraph ends any, and only the clause's own
    ** paragraph is read */
    size_t from = at;
    while (from > 0 && s[from - 1] != '\n') from--;
    int depth = 0;
    for (size_t i = from; i + 3 <= at; i++) quote_step(s, i, &depth);
    return depth > 0;
}

/* The name between 本 and 自 at s[b..z): its ideographs, the brackets of
** 本《办法》 and a bracketed part (本规定（试行）) left out, into name; false
** when something else stands there or it is too long. */
static bool clause_name(const char *s, size_t b, size_t z, char *name, size_t *nl)
{
    size_t k = 0, chars = 0;
    int paren = 0;
    for (size_t i = b; i < z;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, z - i, &cp);
        if (!l) return false;
        if (cp == 0xFF08 || cp == '(') paren++;
        else if (cp == 0xFF09 || cp == ')') paren--;
        else if (cp == 0x300A || cp == 0x300B) {
            /* 《 》 */
        } else if (cp >= 0x4E00 && cp <= 0x9FFF) {
            if (!paren) {
                if (k + l > 48 || ++chars > 12) return false;
                memcpy(name + k, s + i, l);
                k += l;
            }
        } else if (!paren) {
            return false;
        }
        if (paren < 0 || paren > 1) return false;
        i += l;
    }
    *nl = k;
    return k > 0 && paren == 0;
}

/* Whether the 本 at s[b] starts a word: after no ideograph, or after one
** that ends what comes before a clause (第四十条本条例, 附则本办法, 修正后的
** 本法); 基本, 成本, 日本 are words of their own. */
static bool word_start(const char *s, size_t n, size_t b)
{
    static const char *const before[] = {"\xE7\x9A\x84", "\xE6\x9D\xA1", "\xE6\xA2\x9D", "\xE5\x88\x99",
                                         "\xE5\x89\x87", "\xE7\xAB\xA0", "\xE6\xAC\xBE", "\xE9\xA1\xB9",
                                         "\xE9\xA0\x85", "\xE5\x90\x8E", "\xE5\xBE\x8C"};  /* 的条條则則章款项項后後 */
    if (!cjk_before(s, b)) return true;
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
        if (has3(s, n, b - 3, before[i])) return true;
    return false;
}

/* The clause whose verb (施行, 实施, 生效, 执行; 實施, 執行) starts at s[at]:
** its kind, and its date. */
static int clause_at(const char *s, size_t n, size_t at, uint32_t *date)
{
    size_t day_end = at;
    if (at >= 3 && has3(s, n, at - 3, "\xE8\xB5\xB7")) day_end = at - 3;      /* 起 */
    /* the day ends in 日 (号), perhaps with 零时 and spaces after it: most
    ** 施行, 执行 and 实施 of a law's text are no clause's, and go here */
    bool day = false;
    for (size_t k = day_end; k + 18 > day_end && k >= 3 && !day; k--)
        day = has3(s, n, k - 3, "\xE6\x97\xA5") || has3(s, n, k - 3, "\xE5\x8F\xB7");
    if (!day) return ZHS_EFFECTIVE_NONE;
    /* 自 (从, 從, 于, 於) at most 60 bytes before: the day lies between */
    size_t from = day_end > 60 ? day_end - 60 : 0, z = day_end;
    bool found = false;
    while (z >= from + 3 && !found) {
        z--;
        found = z + 3 <= day_end && (has3(s, n, z, "\xE8\x87\xAA") || has3(s, n, z, "\xE4\xBB\x8E") ||
                                     has3(s, n, z, "\xE5\xBE\x9E") || has3(s, n, z, "\xE4\xBA\x8E") ||
                                     has3(s, n, z, "\xE6\x96\xBC"));
    }
    if (!found) return ZHS_EFFECTIVE_NONE;
    /* 本 at most 16 characters before it, what stands between a name (the
    ** nearest 本 that starts one: 本安排的修改文本自…, not 文本's) */
    size_t b = z;
    bool named = false;
    char name[48];
    size_t nl = 0;
    for (int k = 0; k < 16 && b > 0 && !named; k++) {
        b--;
        while (b > 0 && ((uint8_t)s[b] & 0xC0) == 0x80) b--;
        named = has3(s, n, b, "\xE6\x9C\xAC") && clause_name(s, b + 3, z, name, &nl) && document_noun(name, nl) &&
                word_start(s, n, b);
    }
    if (!named || quoted(s, b)) return ZHS_EFFECTIVE_NONE;
    size_t ds = skip_spaces(s, day_end, z + 3), de = day_end;
    while (de > ds && (s[de - 1] == ' ' || s[de - 1] == '\t')) de--;
    if (de - ds >= 6 && memcmp(s + de - 6, "\xE4\xB9\x8B\xE6\x97\xA5", 6) == 0)     /* 之日 */
        return ZHS_EFFECTIVE_ITS_DATE;
    return clause_date(s + ds, de - ds, date) ? ZHS_EFFECTIVE_DATE : ZHS_EFFECTIVE_NONE;
}

/* Whether the verb of a clause starts at s[i] (i + 6 <= n). */
static bool verb_at(const char *s, size_t n, size_t i)
{
    static const char *const verbs[] = {"\xE6\x96\xBD\xE8\xA1\x8C", "\xE5\xAE\x9E\xE6\x96\xBD", "\xE7\x94\x9F\xE6\x95\x88",
                                        "\xE6\x89\xA7\xE8\xA1\x8C", "\xE5\xAF\xA6\xE6\x96\xBD", "\xE5\x9F\xB7\xE8\xA1\x8C"};
    for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
        if (i + 6 <= n && !memcmp(s + i, verbs[k], 6)) return true;
    return false;
}

/* The clause, if any, whose verb's last byte is u[i] (i >= 5): its kind,
** *date set for a dated one. */
static int clause_ending(const char *s, size_t n, size_t i, uint32_t *date)
{
    const uint8_t *u = (const uint8_t *)s;
    uint8_t c = u[i];
    bool verb2 = (c == 0x8C && u[i - 1] == 0xA1 && u[i - 2] == 0xE8) ||
                 (c == 0xBD && u[i - 1] == 0x96 && u[i - 2] == 0xE6) ||
                 (c == 0x88 && u[i - 1] == 0x95 && u[i - 2] == 0xE6);
    if (!verb2 || !verb_at(s, n, i - 5)) return ZHS_EFFECTIVE_NONE;
    return clause_at(s, n, i - 5, date);
}

int zhs_effective_clause(const char *s, size_t n, uint32_t *date)
{
    int kind = ZHS_EFFECTIVE_NONE;
    /* every verb's second character: 行 E8 A1 8C, 施 E6 96 BD, 效 E6 95 88,
    ** found by their last byte, sixteen bytes a step where SSE2 is (a
    ** byte loop took 0.12 s on the laws, two memchr walks stopped at every
    ** E6 and E8 longer still); the last clause is the document's (a law's
    ** 附则) */
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 5;
#ifdef ZHS_CLAUSE_SSE2
    const __m128i a = _mm_set1_epi8((char)0x8C), b = _mm_set1_epi8((char)0xBD), c = _mm_set1_epi8((char)0x88);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, a), _mm_cmpeq_epi8(x, b)), _mm_cmpeq_epi8(x, c)));
        while (m) {
            uint32_t d = 0;
            int k = clause_ending(s, n, i + (size_t)__builtin_ctz(m), &d);
            m &= m - 1;
            if (k == ZHS_EFFECTIVE_NONE) continue;
            kind = k;
            if (k == ZHS_EFFECTIVE_DATE) *date = d;
        }
    }
#endif
    for (; i < n; i++) {
        if (u[i] != 0x8C && u[i] != 0xBD && u[i] != 0x88) continue;
        uint32_t d = 0;
        int k = clause_ending(s, n, i, &d);
        if (k == ZHS_EFFECTIVE_NONE) continue;
        kind = k;
        if (k == ZHS_EFFECTIVE_DATE) *date = d;
    }
    return kind;
}


/* ------------------------------------------------------------- repeals */

#define MAX_REPEALED 64         /* titles of one clause */
#define MAX_TITLE 300           /* bytes between 《 and 》 */

static bool ends3(const char *s, size_t p, const char *c)
{
    return p >= 3 && memcmp(s + p - 3, c, 3) == 0;
}

static bool ends6(const char *s, size_t p, const char *c)
{
    return p >= 6 && memcmp(s + p - 6, c, 6) == 0;
}

/* Where the character ending at s[p) starts. */
static size_t char_before(const char *s, size_t p)
{
    size_t q = p - 1;
    while (q > 0 && ((uint8_t)s[q] & 0xC0) == 0x80) q--;
    return q;
}

/* Whether the character ending at s[p) ends a sentence or a paragraph
** (or nothing stands before it). */
static bool boundary_before(const char *s, size_t p)
{
    if (p == 0 || s[p - 1] == '\n') return true;
    static const char *const ends[] = {"\xE3\x80\x82", "\xEF\xBC\x9B", "\xEF\xBC\x9A"};     /* 。；： */
    for (size_t i = 0; i < 3; i++)
        if (ends3(s, p, ends[i])) return true;
    return p >= 1 && (s[p - 1] == ';' || s[p - 1] == ':');
}

/* A bracketed part (（法释〔2001〕1号）, (试行)) ending at s[p): where it
** starts, else p. */
static size_t paren_before(const char *s, size_t p)
{
    bool wide = ends3(s, p, "\xEF\xBC\x89");        /* ） */
    if (!wide && !(p >= 1 && s[p - 1] == ')')) return p;
    size_t q = p - (wide ? 3 : 1);
    int depth = 1;
    for (size_t k = 0; q > 0 && k < 200; k++) {
        q = char_before(s, q);
        if (ends3(s, q + 3, "\xEF\xBC\x89") || s[q] == ')') depth++;
        else if (ends3(s, q + 3, "\xEF\xBC\x88") || s[q] == '(') {
            if (--depth == 0) return q;
        } else if (ends3(s, q + 3, "\xE3\x80\x8B") || ends3(s, q + 3, "\xE3\x80\x8A") ||
                   ends3(s, q + 3, "\xE3\x80\x82")) {
            return p;                                   /* 》《。: no bracket of a title's */
        }
    }
    return p;
}

/* The title whose 》 ends at s[p): [*b, *e) between the brackets, and
** where its 《 starts; false if none. */
static bool title_before(const char *s, size_t p, size_t *b, size_t *e, size_t *open)
{
    if (!ends3(s, p, "\xE3\x80\x8B")) return false;                         /* 》 */
    size_t q = p - 3;
    *e = q;
    while (q >= 3 && *e - q < MAX_TITLE) {
        if (ends3(s, q, "\xE3\x80\x8A")) {                                  /* 《 */
            *b = q;
            *open = q - 3;
            return *e > *b;
        }
        if (ends3(s, q, "\xE3\x80\x8B") || ends3(s, q, "\xE3\x80\x82") || s[q - 1] == '\n') return false;
        q--;
    }
    return false;
}

/* A word joining two titles (、 和 及 与 以及 ，) ending at s[p): its length. */
static size_t joiner_before(const char *s, size_t p)
{
    if (ends6(s, p, "\xE4\xBB\xA5\xE5\x8F\x8A")) return 6;                  /* 以及 */
    static const char *const j[] = {"\xE3\x80\x81", "\xE5\x92\x8C", "\xE5\x8F\x8A", "\xE4\xB8\x8E",
                                    "\xEF\xBC\x8C"};                        /* 、和及与， */
    for (size_t i = 0; i < 5; i++)
        if (ends3(s, p, j[i])) return 3;
    return 0;
}

static size_t spaces_before(const char *s, size_t p)
{
    for (;;) {
        if (p >= 1 && (s[p - 1] == ' ' || s[p - 1] == '\t')) p--;
        else if (ends3(s, p, "\xE3\x80\x80")) p -= 3;
        else return p;
    }
}

/* Whether a title whose 《 starts at s[p] is cited, not repealed: after
** 根据 (依据, 依照, 按照, 参照; 根據, 依據): 根据《甲决定》，《乙条例》同时废止
** repeals 乙条例 alone. */
static bool cited_before(const char *s, size_t p)
{
    static const char *const verbs[] = {"\xE6\xA0\xB9\xE6\x8D\xAE", "\xE4\xBE\x9D\xE6\x8D\xAE",
                                        "\xE4\xBE\x9D\xE7\x85\xA7", "\xE6\x8C\x89\xE7\x85\xA7",
                                        "\xE5\x8F\x82\xE7\x85\xA7", "\xE6\xA0\xB9\xE6\x93\x9A",
                                        "\xE4\xBE\x9D\xE6\x93\x9A"};
    p = spaces_before(s, p);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (ends6(s, p, verbs[i])) return true;
    return false;
}

/* Skips back over spaces ending at s[p). */

/* The words between the last title and 废止 at s[v]: 同时 (都同时, 均同时),
** 即行, 自行, 自…之日起 (即行): where they start, else v + 1 (none). */
static size_t tail_before(const char *s, size_t v)
{
    size_t p = v;
    if (ends6(s, p, "\xE5\x90\x8C\xE6\x97\xB6") || ends6(s, p, "\xE5\x90\x8C\xE6\x99\x82")) {       /* 同时 同時 */
        p -= 6;
        if (ends3(s, p, "\xE9\x83\xBD") || ends3(s, p, "\xE5\x9D\x87")) p -= 3;                  /* 都 均 */
        return p;
    }
    if (ends6(s, p, "\xE8\x87\xAA\xE8\xA1\x8C")) return p - 6;                                  /* 自行 */
    if (ends6(s, p, "\xE5\x8D\xB3\xE8\xA1\x8C")) p -= 6;                                        /* 即行 */
    if (ends3(s, p, "\xE8\xB5\xB7")) {                                                          /* 起 */
        /* 自本法施行之日起: 自 at most 60 bytes before, 之日 just before 起 */
        size_t q = p - 3;
        if (!ends6(s, q, "\xE4\xB9\x8B\xE6\x97\xA5")) return v + 1;                            /* 之日 */
        for (size_t k = 0; q >= 3 && k < 20; k++) {
            if (ends3(s, q, "\xE8\x87\xAA")) return q - 3;                                      /* 自 */
            if (ends3(s, q, "\xE3\x80\x8B") || ends3(s, q, "\xE3\x80\x82") || ends3(s, q, "\xEF\xBC\x8C"))
                return v + 1;
            q = char_before(s, q);
        }
        return v + 1;
    }
    return p == v ? v + 1 : p;
}

/* A list of titles in text order. */
typedef struct titles {
    size_t b[MAX_REPEALED], e[MAX_REPEALED];
    size_t n;
} titles;

/* 《甲》、《乙》和…的《丙》（…）<tail>废止: the titles before the verb at v. */
static void titles_before(titles *t, const char *s, size_t v)
{
    size_t p = tail_before(s, v);
    if (p > v) return;
    p = spaces_before(s, p);
    if (ends3(s, p, "\xEF\xBC\x8C") || (p >= 1 && s[p - 1] == ',')) p -= s[p - 1] == ',' ? 1 : 3;  /* ， */
    size_t rb[MAX_REPEALED], re[MAX_REPEALED], k = 0;
    for (;;) {
        p = paren_before(s, spaces_before(s, p));
        size_t b, e, open;
        if (k == MAX_REPEALED || !title_before(s, p, &b, &e, &open) || cited_before(s, open)) break;
        rb[k] = b;
        re[k++] = e;
        p = spaces_before(s, open);
        if (ends3(s, p, "\xE3\x80\x8B") || ends3(s, p, "\xEF\xBC\x89") || (p >= 1 && s[p - 1] == ')')) continue;
        size_t j = joiner_before(s, p);
        if (j) {
            p -= j;
            continue;
        }
        /* …和2002年…通过的《丙》: a description after a joiner, back to the
        ** last title's end (or its bracketed part's) */
        size_t q = p;
        bool joined = false;
        for (size_t steps = 0; q > 0 && steps < 80 && !boundary_before(s, q); steps++) {
            size_t c = char_before(s, q);
            if (ends3(s, c + 3, "\xE3\x80\x8A")) break;                      /* 《: another title's inside */
            size_t jl = joiner_before(s, q);
            if (jl) {
                size_t before = spaces_before(s, q - jl);
                if (ends3(s, before, "\xE3\x80\x8B") || ends3(s, before, "\xEF\xBC\x89") ||
                    (before >= 1 && s[before - 1] == ')')) {
                    p = before;
                    joined = true;
                    break;
                }
            }
            q = c;
        }
        if (!joined) break;
    }
    for (size_t i = k; i-- > 0;) {
        t->b[t->n] = rb[i];
        t->e[t->n++] = re[i];
    }
}

/* Whether the item may start a decision's 废止《甲》: at the start of a
** sentence or a list's item (一、), after 决定 or 同时. */
static bool item_start(const char *s, size_t v)
{
    if (boundary_before(s, spaces_before(s, v))) return true;
    if (ends6(s, v, "\xE5\x86\xB3\xE5\xAE\x9A") || ends6(s, v, "\xE6\xB1\xBA\xE5\xAE\x9A") ||   /* 决定 決定 */
        ends6(s, v, "\xE5\x90\x8C\xE6\x97\xB6"))                                                /* 同时 */
        return true;
    if (!ends3(s, v, "\xE3\x80\x81")) return false;                                             /* 、 */
    /* 一、 … 二十三、: numerals back to the item's start */
    size_t p = v - 3, k = 0;
    uint32_t val;
    while (p >= 3 && k < 6) {
        size_t c = char_before(s, p);
        if (zhs_numeral_parse(s + c, p - c, &val) != p - c) break;
        p = c;
        k++;
    }
    return k > 0 && boundary_before(s, spaces_before(s, p));
}

/* 废止《甲》（…）、《乙》: the titles after the verb at v, if the verb starts
** an item and the list ends its sentence or clause (a list of more than
** MAX_REPEALED titles gives its first ones, as one before the verb gives
** its last ones). */
static void titles_after(titles *t, const char *s, size_t n, size_t v)
{
    if (!item_start(s, v)) return;
    size_t p = v + 6, k = t->n;
    for (;;) {
        if (t->n == MAX_REPEALED) return;
        if (p + 3 > n || memcmp(s + p, "\xE3\x80\x8A", 3) != 0) break;
        size_t b = p + 3, e = b;
        while (e + 3 <= n && e - b < MAX_TITLE && memcmp(s + e, "\xE3\x80\x8B", 3) != 0 && s[e] != '\n') e++;
        if (e + 3 > n || memcmp(s + e, "\xE3\x80\x8B", 3) != 0 || e == b) break;
        t->b[t->n] = b;
        t->e[t->n++] = e;
        p = e + 3;
        /* a bracketed part after it, then a joiner and the next title */
        if (p + 3 <= n && (!memcmp(s + p, "\xEF\xBC\x88", 3) || s[p] == '(')) {
            int depth = 0;
            size_t q = p;
            for (; q < n && q - p < 400; q++) {
                bool open = s[q] == '(' || (q + 3 <= n && !memcmp(s + q, "\xEF\xBC\x88", 3));
                bool close = s[q] == ')' || (q + 3 <= n && !memcmp(s + q, "\xEF\xBC\x89", 3));
                if (open) depth++;
                else if (close) {
                    if (--depth == 0) break;
                } else if (s[q] == '\n') break;
            }
            if (q >= n || depth != 0) break;
            p = q + (s[q] == ')' ? 1 : 3);
        }
        static const char *const j[] = {"\xE3\x80\x81", "\xE5\x92\x8C", "\xE5\x8F\x8A", "\xE4\xB8\x8E", "\xE4\xBB\xA5\xE5\x8F\x8A"};
        size_t jl = 0;
        for (size_t i = 0; i < 5 && !jl; i++) {
            size_t l = strlen(j[i]);
            if (p + l <= n && !memcmp(s + p, j[i], l)) jl = l;
        }
        p += jl;
        if (!jl) break;
    }
    /* what follows the list ends the sentence, else it is a part of a
    ** document (废止《甲》第三条) or prose: nothing */
    bool ends = p >= n || s[p] == '\n' || (p + 3 <= n && (!memcmp(s + p, "\xE3\x80\x82", 3) ||
                                                          !memcmp(s + p, "\xEF\xBC\x9B", 3) ||
                                                          !memcmp(s + p, "\xEF\xBC\x8C", 3)));   /* 。；， */
    if (!ends) t->n = k;
}

/* The next 废止 (廢止) at or after s[at], n if none: found by 止's middle
** byte (AD, about one character in thirty of Chinese text; memchr is
** fast), the verb's first character checked before it. */
static size_t next_verb(const char *s, size_t n, size_t at)
{
    while (at + 6 <= n) {
        const char *h = memchr(s + at + 4, 0xAD, n - at - 5);
        if (!h) return n;
        size_t v = (size_t)(h - s) - 4;
        if ((uint8_t)s[v + 3] == 0xE6 && (uint8_t)s[v + 5] == 0xA2 &&
            (!memcmp(s + v, "\xE5\xBA\x9F", 3) || !memcmp(s + v, "\xE5\xBB\xA2", 3)))     /* 废 廢 */
            return v;
        at = v + 1;
    }
    return n;
}

/* quoted() read as the verbs come, in order: the depth of quotation
** carried from one verb to the next, so that a paragraph of many verbs
** is read once (quoted() from its start for each would be quadratic). */
typedef struct quote_walk {
    size_t at;                  /* windows before it read */
    int depth;
} quote_walk;

static bool quoted_walk(quote_walk *w, const char *s, size_t at)
{
    for (size_t i = w->at; i + 3 <= at; i++) {
        if (s[i] == '\n') w->depth = 0;       /* a paragraph ends any quotation (quoted()) */
        else quote_step(s, i, &w->depth);
    }
    if (at >= 2 && w->at < at - 2) w->at = at - 2;
    /* the last two bytes start no whole window yet: a newline among them */
    for (size_t i = w->at; i < at; i++)
        if (s[i] == '\n') w->depth = 0;
    return w->depth > 0;
}

int zhs_repeal_clauses(const char *s, size_t n, zhs_repeal_fn fn, void *ctx)
{
    quote_walk w = {0, 0};
    for (size_t v = next_verb(s, n, 0); v < n; v = next_verb(s, n, v + 6)) {
        if (quoted_walk(&w, s, v)) continue;
        titles t = {.n = 0};
        titles_before(&t, s, v);
        if (!t.n) titles_after(&t, s, n, v);
        for (size_t i = 0; i < t.n; i++) {
            int rc = fn(ctx, s + t.b[i], t.e[i] - t.b[i]);
            if (rc) return rc;
        }
    }
    return 0;
}
