/*
** meta.c — dates and the metadata table, see meta.h.
*/
#include "meta.h"
#include "numeral.h"
#include "format.h"
#include "segment.h"
#include "ztable.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#if defined(__SSE2__) && !defined(ZHS_NO_SIMD)
#define ZHS_CLAUSE_SSE2 1
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <unistd.h>

/* ---------------------------------------------------------------- dates */

static bool leap(uint32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Reads 1..maxd ASCII digits at s[*i]. */
static bool digits(const char *s, size_t n, size_t *i, unsigned maxd, uint32_t *v)
{
    unsigned k = 0;
    *v = 0;
    while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
        *v = *v * 10 + (uint32_t)(s[*i] - '0');
        (*i)++;
        k++;
    }
    return k > 0;
}

/* Skips one separator: - / . or the UTF-8 of 年 月 (日 ends a date). */
static bool separator(const char *s, size_t n, size_t *i)
{
    if (*i < n && (s[*i] == '-' || s[*i] == '/' || s[*i] == '.')) {
        (*i)++;
        return true;
    }
    static const char *const cjk[] = {"\xE5\xB9\xB4", "\xE6\x9C\x88"};      /* 年 月 */
    for (int k = 0; k < 2; k++)
        if (*i + 3 <= n && memcmp(s + *i, cjk[k], 3) == 0) {
            *i += 3;
            return true;
        }
    return false;
}

bool zhs_date_parse(const char *s, size_t n, uint32_t *out)
{
    /* Trim spaces and the quotes YAML allows around a value. */
    while (n && (s[0] == ' ' || s[0] == '\t' || s[0] == '"' || s[0] == '\'')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"' || s[n - 1] == '\'' ||
                 s[n - 1] == '\r')) n--;
    if (n >= 3 && memcmp(s + n - 3, "\xE6\x97\xA5", 3) == 0) n -= 3;     /* 日 */
    size_t i = 0;
    uint32_t y, m, d;
    if (!digits(s, n, &i, 4, &y) || i != 4 || !separator(s, n, &i) || !digits(s, n, &i, 2, &m) ||
        !separator(s, n, &i) || !digits(s, n, &i, 2, &d) || i != n)
        return false;
    static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap(y)))
        return false;
    *out = y * 10000 + m * 100 + d;
    return true;
}

void zhs_date_format(char out[11], uint32_t date)
{
    if (!date || date > 99991231) {
        out[0] = 0;
        return;
    }
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(date / 10000), (unsigned)(date / 100 % 100),
             (unsigned)(date % 100));
}

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
static bool quoted(const char *s, size_t at)
{
    /* a quotation over several paragraphs opens again in each (only the
    ** last closes it): a paragraph ends any, and only the clause's own
    ** paragraph is read */
    size_t from = at;
    while (from > 0 && s[from - 1] != '\n') from--;
    int depth = 0;
    for (size_t i = from; i + 3 <= at; i++) {
        uint8_t a = (uint8_t)s[i], b = (uint8_t)s[i + 1], c = (uint8_t)s[i + 2];
        if (b != 0x80 || (a != 0xE2 && a != 0xE3)) continue;
        bool open = (a == 0xE2 && c == 0x9C) || (a == 0xE3 && (c == 0x8C || c == 0x8E));
        bool close = (a == 0xE2 && c == 0x9D) || (a == 0xE3 && (c == 0x8D || c == 0x8F));
        if (open) depth++;
        else if (close && depth > 0) depth--;
    }
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

/* ---------------------------------------------------------- string sets */

/* Strings to dense ids, in order of first sight. */
typedef struct strset {
    char **v;                   /* by id */
    size_t n, vcap;
    uint32_t *slot;             /* open addressing: id + 1, 0 empty */
    size_t cap;                 /* power of two */
} strset;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static void strset_free(strset *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static bool strset_grow(strset *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (!slot) return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = hash(t->v[i]) & (cap - 1);
        while (slot[j]) j = (j + 1) & (cap - 1);
        slot[j] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return true;
}

/* The id of s, added when new; false when out of memory. */
static bool strset_id(strset *t, const char *s, uint32_t *id)
{
    if (!s) s = "";
    if ((t->n + 1) * 2 > t->cap && !strset_grow(t)) return false;
    size_t j = hash(s) & (t->cap - 1);
    while (t->slot[j]) {
        if (strcmp(t->v[t->slot[j] - 1], s) == 0) {
            *id = t->slot[j] - 1;
            return true;
        }
        j = (j + 1) & (t->cap - 1);
    }
    if (t->n == t->vcap) {
        size_t vcap = t->vcap ? t->vcap * 2 : 64;
        char **v = realloc(t->v, vcap * sizeof *v);
        if (!v) return false;
        t->v = v;
        t->vcap = vcap;
    }
    char *copy = strdup(s);
    if (!copy) return false;
    t->v[t->n] = copy;
    t->slot[j] = (uint32_t)t->n + 1;
    *id = (uint32_t)t->n++;
    return true;
}

/* -------------------------------------------------------------- writing */

struct zhs_meta_builder {
    strset titles, values;
    zhs_meta_run *runs;
    size_t nruns, cap;
    strset dates;               /* version dates of the citation table */
    zhs_cite_run *cruns;
    size_t ncruns, ccap;
    /* label forms: each distinct label with a label term, its form (its
    ** place among the labels of its term); each term, the forms it has */
    strset labels, terms;
    uint32_t *label_form, *term_forms;
    size_t lfcap, tfcap;
    uint32_t *forms;            /* (passage, form) pairs of the forms not 0 */
    size_t nforms, fcap;        /* in pairs */
    zhs_buf val;                /* a member of a passage's extra */
    /* The day in force is a version's (its title and date): the latest
    ** day its documents name, so that every passage of a version has it
    ** however its runs are cut (an update cuts them where passages were
    ** deleted, a law in several files has the clause in one).  The
    ** document being read, and each finished document's day by version. */
    zhs_buf doc_path;           /* the current document's path ("" none yet) */
    bool doc_open, doc_told;    /* doc_told: its day was given, not read from its text */
    bool doc_own;               /* its day is its own, not its version's (finish_doc) */
    uint32_t doc_day, doc_run;  /* its day so far; the first run of an untitled one */
    uint64_t *vdays;            /* (group << 32 | date, day) pairs */
    size_t nvdays, vcap;        /* in pairs */
    uint32_t untitled;          /* the group of the title "" (UINT32_MAX: none seen) */
};

/* Room for one more element in *v (of size each, *cap of them). */
static bool room(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 256;
    void *g = realloc(*(void **)v, c * size);
    if (!g) return false;
    *(void **)v = g;
    *cap = c;
    return true;
}

/* Passage doc's label form (meta.h), listed when not 0: a label seen
** before keeps its form, a new one takes the next form of its term. */
static bool add_label_form(zhs_meta_builder *b, uint32_t doc, const char *label)
{
    zhs_article_ref ref;
    size_t n = label ? strlen(label) : 0;
    if (!n || !zhs_article_ref_parse(label, n, &ref)) return true;     /* no label term */
    size_t known = b->labels.n;
    uint32_t id, term;
    if (!strset_id(&b->labels, label, &id)) return false;
    if (id == known) {
        char key[ZHS_ARTICLE_KEY_MAX];
        zhs_article_key(key, ref.article, ref.sub);
        size_t terms = b->terms.n;
        if (!strset_id(&b->terms, key, &term) || !room(&b->label_form, &b->lfcap, id, sizeof *b->label_form) ||
            !room(&b->term_forms, &b->tfcap, term, sizeof *b->term_forms))
            return false;
        if (term == terms) b->term_forms[term] = 0;
        b->label_form[id] = b->term_forms[term]++;
    }
    if (b->label_form[id] == 0) return true;
    if (!room(&b->forms, &b->fcap, b->nforms, 2 * sizeof *b->forms)) return false;
    b->forms[2 * b->nforms] = doc;
    b->forms[2 * b->nforms + 1] = b->label_form[id];
    b->nforms++;
    return true;
}

/* A string as u32 length + bytes. */
static void put_str(zhs_buf *out, const char *s, size_t n)
{
    zhs_buf_put_u32(out, (uint32_t)n);
    zhs_buf_append(out, s, n);
}

void zhs_version_date(char out[11], const char *date, const char *path)
{
    out[0] = 0;
    if (date && date[0]) {
        snprintf(out, 11, "%.10s", date);
        return;
    }
    const char *p = path ? path : "", *hit = NULL;
    while ((p = strchr(p, '(')) != NULL) {
        if (strlen(p) >= 12 && p[11] == ')' && p[5] == '-' && p[8] == '-') hit = p + 1;
        p++;
    }
    if (hit) {
        memcpy(out, hit, 10);
        out[10] = 0;
    }
}

int zhs_meta_builder_open(zhs_meta_builder **out, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_meta_builder *b = calloc(1, sizeof *b);
    if (b) b->untitled = UINT32_MAX;
    uint32_t empty;
    if (!b || !strset_id(&b->values, "", &empty) || !strset_id(&b->dates, "", &empty)) {
        zhs_meta_builder_close(b);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory starting the metadata table");
    }
    *out = b;
    return ZHS_OK;
}

static bool is_jsonl_path(const char *path)
{
    size_t n = strlen(path);
    return (n >= 6 && !strcmp(path + n - 6, ".jsonl")) || (n >= 9 && !strcmp(path + n - 9, ".jsonl.gz"));
}

/* A run whose day is its document's own (OWN_DAY set in the builder's
** copy; days are below 2^27). */
#define OWN_DAY 0x80000000u

/* Ends the document being read: its day, for its version, or for its own
** runs when its day is its own: an untitled document (untitled documents
** share a group but are no versions of one another) and an undated JSONL
** record (the records of a file take its name as their title when they
** have none; a law's files, 民法典's books, share their day). */
static bool finish_doc(zhs_meta_builder *b)
{
    if (!b->doc_open) return true;
    const zhs_meta_run *r = &b->runs[b->doc_run];
    if (b->doc_own) {
        for (size_t i = b->doc_run; i < b->nruns; i++) b->runs[i].in_force = OWN_DAY | b->doc_day;
        return true;
    }
    if (!b->doc_day) return true;
    if (!room(&b->vdays, &b->vcap, b->nvdays, 2 * sizeof *b->vdays)) return false;
    b->vdays[2 * b->nvdays] = (uint64_t)r->group << 32 | r->date;
    b->vdays[2 * b->nvdays + 1] = b->doc_day;
    b->nvdays++;
    return true;
}

/* The day passage p of the current document names: an "effective" member
** of its extra (a JSONL record's, or a front matter's) wins over the
** clauses of the text, the last clause over earlier ones. */
static int read_day(zhs_meta_builder *b, const zhs_meta_run *run, const zhs_passage *p, zhs_error *err)
{
    uint32_t d = 0;
    if (p->extra && p->extra[0] == '{') {
        zhs_buf_reset(&b->val);
        int got = zhs_json_get(&b->val, p->extra, strlen(p->extra), "effective");
        if (b->val.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        if (got == 1 && zhs_date_parse(b->val.data ? b->val.data : "", b->val.len, &d)) {
            b->doc_day = d;
            b->doc_told = true;
            return ZHS_OK;
        }
    }
    if (b->doc_told || !p->text) return ZHS_OK;
    int kind = zhs_effective_clause(p->text, p->text_len ? p->text_len : strlen(p->text), &d);
    if (kind == ZHS_EFFECTIVE_DATE) b->doc_day = d;
    else if (kind == ZHS_EFFECTIVE_ITS_DATE) b->doc_day = run->date;
    return ZHS_OK;
}

int zhs_meta_builder_add(zhs_meta_builder *b, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_meta_run r = {doc, 0, 0, 0, 0, 0, 0};
    if (p->date && !zhs_date_parse(p->date, strlen(p->date), &r.date)) r.date = 0;
    if (!strset_id(&b->titles, p->title, &r.group) || !strset_id(&b->values, p->category, &r.category) ||
        !strset_id(&b->values, p->status, &r.status) || !strset_id(&b->values, p->issuer, &r.issuer))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
    if (!p->title || !p->title[0]) b->untitled = r.group;
    char vd[11];
    zhs_version_date(vd, p->date, p->path);
    zhs_cite_run c = {doc, r.group, 0};
    if (!strset_id(&b->dates, vd, &c.date) || !add_label_form(b, doc, p->label))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory building the citation table");
    const zhs_cite_run *lc = b->ncruns ? &b->cruns[b->ncruns - 1] : NULL;
    if (!lc || lc->group != c.group || lc->date != c.date) {
        if (!room(&b->cruns, &b->ccap, b->ncruns, sizeof c))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory building the citation table");
        b->cruns[b->ncruns++] = c;
    }
    /* a new document: another path, or another record of a JSONL file */
    const char *path = p->path ? p->path : "";
    bool new_doc = !b->doc_open || strcmp(path, zhs_buf_cstr(&b->doc_path)) != 0 || is_jsonl_path(path);
    if (new_doc) {
        if (!finish_doc(b)) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        zhs_buf_reset(&b->doc_path);
        zhs_buf_puts(&b->doc_path, path);
        if (b->doc_path.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        b->doc_open = true;
        b->doc_told = false;
        b->doc_day = 0;
    }
    if (new_doc) b->doc_own = r.group == b->untitled || (r.date == 0 && is_jsonl_path(path));
    const zhs_meta_run *l = b->nruns ? &b->runs[b->nruns - 1] : NULL;
    /* a document whose day is its own has runs of its own */
    if (!l || l->group != r.group || l->date != r.date || l->category != r.category || l->status != r.status ||
        l->issuer != r.issuer || (new_doc && (b->doc_own || (l->in_force & OWN_DAY)))) {
        if (!room(&b->runs, &b->cap, b->nruns, sizeof r))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory building the metadata table");
        b->runs[b->nruns++] = r;
    }   /* else the same document, or one of the same version, goes on */
    if (new_doc) b->doc_run = (uint32_t)b->nruns - 1;
    return read_day(b, &b->runs[b->nruns - 1], p, err);
}

static int cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The day a titled run's version is in force from: the latest its
** documents name (0: none); vdays sorted. */
static uint32_t version_day(const zhs_meta_builder *b, const zhs_meta_run *r)
{
    uint64_t key = (uint64_t)r->group << 32 | r->date;
    size_t lo = 0, hi = b->nvdays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->vdays[2 * mid] < key) lo = mid + 1;
        else hi = mid;
    }
    uint32_t day = 0;
    for (size_t i = lo; i < b->nvdays && b->vdays[2 * i] == key; i++)
        if (b->vdays[2 * i + 1] > day) day = (uint32_t)b->vdays[2 * i + 1];
    return day;
}

int zhs_meta_builder_write(zhs_meta_builder *b, const char *path, zhs_syncs *syncs, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf out;
    zhs_buf_init(&out);
    zhs_buf_put_u32(&out, (uint32_t)b->nruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->values.n);
    for (size_t i = 0; i < b->values.n; i++) put_str(&out, b->values.v[i], strlen(b->values.v[i]));
    if (!finish_doc(b)) {
        zhs_buf_free(&out);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    }
    b->doc_open = false;
    if (b->nvdays) qsort(b->vdays, b->nvdays, 2 * sizeof *b->vdays, cmp_u64_pair);     /* NULL when none */
    for (size_t i = 0; i < b->nruns; i++) {
        const zhs_meta_run *r = &b->runs[i];
        uint32_t day = r->in_force & OWN_DAY ? r->in_force & ~OWN_DAY : version_day(b, r);
        /* a version is not in force before its date (an amended law's
        ** text keeps the day the first text took effect) */
        uint32_t since = day && r->date && day < r->date ? r->date : day;
        uint32_t f[7] = {r->first, r->group, r->date, r->category, r->status, r->issuer, since};
        for (int k = 0; k < 7; k++) zhs_buf_put_u32(&out, f[k]);
    }
    int rc;
    if (out.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    else rc = zhs_ztable_write(syncs, path, ZHS_MAGIC_META, out.data, out.len, err);
    zhs_buf_free(&out);
    return rc;
}

int zhs_meta_builder_write_cite(zhs_meta_builder *b, const char *path, zhs_title_key_fn key, void *ctx,
                                zhs_syncs *syncs, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf out, k;
    zhs_buf_init(&out);
    zhs_buf_init(&k);
    zhs_buf_put_u32(&out, (uint32_t)b->ncruns);
    zhs_buf_put_u32(&out, (uint32_t)b->titles.n);
    zhs_buf_put_u32(&out, (uint32_t)b->dates.n);
    for (size_t i = 0; i < b->dates.n; i++) put_str(&out, b->dates.v[i], strlen(b->dates.v[i]));
    int rc = ZHS_OK;
    for (size_t g = 0; g < b->titles.n && rc == ZHS_OK; g++) {
        const char *t = b->titles.v[g];
        size_t tl = strlen(t);
        put_str(&out, t, tl);
        if ((rc = key(ctx, t, tl, &k, err))) break;
        /* most keys are their title or its end (中华人民共和国 dropped) */
        if (k.len <= tl && !memcmp(t + tl - k.len, k.data ? k.data : "", k.len))
            zhs_buf_put_u32(&out, ZHS_CITE_KEY_SUFFIX | (uint32_t)k.len);
        else
            put_str(&out, k.data, k.len);
    }
    for (size_t i = 0; i < b->ncruns; i++) {
        zhs_buf_put_u32(&out, b->cruns[i].first);
        zhs_buf_put_u32(&out, b->cruns[i].group);
        zhs_buf_put_u32(&out, b->cruns[i].date);
    }
    zhs_buf_put_u32(&out, (uint32_t)b->nforms);
    for (size_t i = 0; i < 2 * b->nforms; i++) zhs_buf_put_u32(&out, b->forms[i]);
    if (rc == ZHS_OK && out.oom)
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path);
    else if (rc == ZHS_OK)
        rc = zhs_ztable_write(syncs, path, ZHS_MAGIC_CITE, out.data, out.len, err);
    zhs_buf_free(&out);
    zhs_buf_free(&k);
    return rc;
}

void zhs_meta_builder_close(zhs_meta_builder *b)
{
    if (!b) return;
    strset_free(&b->titles);
    strset_free(&b->values);
    strset_free(&b->dates);
    strset_free(&b->labels);
    strset_free(&b->terms);
    free(b->label_form);
    free(b->term_forms);
    free(b->forms);
    free(b->runs);
    free(b->cruns);
    zhs_buf_free(&b->val);
    zhs_buf_free(&b->doc_path);
    free(b->vdays);
    free(b);
}

/* -------------------------------------------------------------- reading */

void zhs_meta_free(zhs_meta *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nstrings; i++) free(m->strings[i]);
    free(m->strings);
    free(m->runs);
    free(m->group_off);
    free(m->dates);
    free(m->in_force);
    memset(m, 0, sizeof *m);
}

/* Each group's distinct dates, newest first (from the runs), and the day
** each is in force from: the latest of its runs' (a version filed in two
** categories is one version), else its date. */
typedef struct group_date {
    uint64_t key;               /* group << 32 | ~date: newest first */
    uint32_t in_force;
} group_date;

static int cmp_gd(const void *a, const void *b)
{
    const uint64_t x = ((const group_date *)a)->key, y = ((const group_date *)b)->key;
    return x < y ? -1 : x > y;
}

static bool group_dates(zhs_meta *m)
{
    group_date *gd = malloc((m->nruns + 1) * sizeof *gd);
    m->group_off = calloc((size_t)m->ngroups + 1, sizeof *m->group_off);
    m->dates = malloc((m->nruns + 1) * sizeof *m->dates);
    m->in_force = malloc((m->nruns + 1) * sizeof *m->in_force);
    if (!gd || !m->group_off || !m->dates || !m->in_force) {
        free(gd);
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->nruns; i++)
        if (m->runs[i].date)
            gd[n++] = (group_date){(uint64_t)m->runs[i].group << 32 | (uint32_t)~m->runs[i].date,
                                   m->runs[i].in_force ? m->runs[i].in_force : m->runs[i].date};
    qsort(gd, n, sizeof *gd, cmp_gd);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && gd[i].key == gd[i - 1].key) {
            if (gd[i].in_force > m->in_force[nd - 1]) m->in_force[nd - 1] = gd[i].in_force;
            continue;
        }
        uint32_t g = (uint32_t)(gd[i].key >> 32);
        m->dates[nd] = ~(uint32_t)gd[i].key;
        m->in_force[nd++] = gd[i].in_force;
        m->group_off[g + 1]++;
    }
    for (uint32_t g = 0; g < m->ngroups; g++) m->group_off[g + 1] += m->group_off[g];
    free(gd);
    return true;
}

/* Opens a table file (magic checked, CRC verified, decompressed when it
** is) and reads the three u32 counts its body starts with.  ZHS_ENOTFOUND
** when the file does not exist. */
static int open_table(zhs_table_body *f, const char *path, const char *zmagic, const char *const *plain,
                      const char *what, uint32_t n[3], zhs_error *err)
{
    if (zhs_table_open(f, path, zmagic, plain, what, true, err)) return err->code;
    if (f->len < 12) {
        zhs_table_close(f);
        return zhs_fail(err, ZHS_ECORRUPT, "%s: the %s is truncated: rebuild the index", path, what);
    }
    for (int i = 0; i < 3; i++) n[i] = zhs_get_u32(f->body + 4 * i);
    return ZHS_OK;
}

int zhs_meta_load(zhs_meta *m, const char *path, uint32_t npassages, zhs_error *err)
{
    memset(m, 0, sizeof *m);
    if (zhs_err_code(err)) return err->code;
    zhs_table_body f;
    uint32_t cnt[3];
    static const char *const plain[] = {ZHS_MAGIC_META_V1, NULL};
    /* formats 9 and 10 compressed runs without their day in force */
    char mg[ZHS_MAGIC_LEN];
    const char *zmagic = zhs_file_magic(path, mg) && !memcmp(mg, ZHS_MAGIC_META_V2, ZHS_MAGIC_LEN)
                             ? ZHS_MAGIC_META_V2 : ZHS_MAGIC_META;
    if (open_table(&f, path, zmagic, plain, "metadata table", cnt, err)) return err->code;
    size_t run_bytes = f.magic && !memcmp(f.magic, ZHS_MAGIC_META, ZHS_MAGIC_LEN) ? ZHS_META_RUN_BYTES
                                                                           : ZHS_META_RUN_BYTES_V2;
    const uint8_t *p = f.body + 12, *end = f.body + f.len;
    int rc = ZHS_OK;
#define BAD(what) do { rc = zhs_fail(err, ZHS_ECORRUPT, "%s: %s: rebuild the index", path, what); goto out; } while (0)
    uint32_t nruns = cnt[0], ngroups = cnt[1], nstrings = cnt[2];
    if (nstrings == 0 || nstrings > f.len || nruns > npassages || (npassages && !nruns) ||
        ngroups > nruns)
        BAD("the metadata table's counts are impossible");
    m->npassages = npassages;
    m->ngroups = ngroups;
    m->strings = calloc(nstrings, sizeof *m->strings);
    m->runs = malloc(((size_t)nruns + 1) * sizeof *m->runs);
    if (!m->strings || !m->runs) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (uint32_t i = 0; i < nstrings; i++) {
        if (end - p < 4) BAD("a metadata string is truncated");
        uint32_t n = zhs_get_u32(p);
        p += 4;
        if ((uint64_t)(end - p) < n) BAD("a metadata string is truncated");
        m->strings[i] = malloc((size_t)n + 1);
        if (m->strings[i]) {
            memcpy(m->strings[i], p, n);
            m->strings[i][n] = 0;
        } else {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
            goto out;
        }
        m->nstrings++;
        p += n;
    }
    if ((uint64_t)(end - p) != (uint64_t)nruns * run_bytes) BAD("the metadata runs are truncated");
    m->has_in_force = run_bytes > ZHS_META_RUN_BYTES_V2;
    for (uint32_t i = 0; i < nruns; i++, p += run_bytes) {
        zhs_meta_run *r = &m->runs[i];
        r->first = zhs_get_u32(p);
        r->group = zhs_get_u32(p + 4);
        r->date = zhs_get_u32(p + 8);
        r->category = zhs_get_u32(p + 12);
        r->status = zhs_get_u32(p + 16);
        r->issuer = zhs_get_u32(p + 20);
        r->in_force = run_bytes > 24 ? zhs_get_u32(p + 24) : 0;
        if ((i == 0 ? r->first != 0 : r->first <= m->runs[i - 1].first) || r->first >= npassages ||
            r->group >= ngroups || r->date > 99991231 || r->category >= nstrings || r->status >= nstrings ||
            r->issuer >= nstrings || r->in_force > 99991231 || (r->in_force && r->date > r->in_force))
            BAD("a metadata run is out of range");
        m->nruns++;
    }
    if (!group_dates(m)) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
#undef BAD
out:
    zhs_table_close(&f);
    if (rc) zhs_meta_free(m);
    return rc;
}

/* The last of n runs (each of size bytes, starting with its u32 first
** passage) that starts at or before doc. */
static size_t run_at(const void *runs, size_t n, size_t size, uint32_t doc)
{
    const char *r = runs;
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t first;
        memcpy(&first, r + mid * size, sizeof first);
        if (first <= doc) lo = mid;
        else hi = mid;
    }
    return lo;
}

const zhs_meta_run *zhs_meta_run_of(const zhs_meta *m, uint32_t doc)
{
    return &m->runs[run_at(m->runs, m->nruns, sizeof *m->runs, doc)];
}

uint32_t zhs_meta_string(const zhs_meta *m, const char *s)
{
    for (size_t i = 0; i < m->nstrings; i++)
        if (strcmp(m->strings[i], s) == 0) return (uint32_t)i;
    return UINT32_MAX;
}

/* ------------------------------------------------------ citation table */

void zhs_cite_table_free(zhs_cite_table *t)
{
    if (!t) return;
    free(t->runs);
    free(t->title);
    free(t->key);
    free(t->keylen);
    free(t->dates);
    free(t->blob);
    free(t->form_doc);
    free(t->form);
    memset(t, 0, sizeof *t);
}

/* The next string of the body (u32 len, bytes), copied NUL-terminated to
** *blob; NULL when the body ends before it. */
static const char *take_str(const uint8_t **p, const uint8_t *end, char **blob, uint32_t *len)
{
    if (end - *p < 4) return NULL;
    uint32_t n = zhs_get_u32(*p);
    if ((uint64_t)(end - *p - 4) < n) return NULL;
    /* a NUL inside would cut the C string short of its stated length
    ** (fuzz_tables): damage, as a truncation is */
    if (memchr(*p + 4, 0, n)) return NULL;
    char *s = *blob;
    memcpy(s, *p + 4, n);
    s[n] = 0;
    *blob += (size_t)n + 1;
    *p += 4 + (size_t)n;
    if (len) *len = n;
    return s;
}

int zhs_cite_table_load(zhs_cite_table *t, const char *path, uint32_t npassages, zhs_error *err)
{
    memset(t, 0, sizeof *t);
    if (zhs_err_code(err)) return err->code;
    zhs_table_body f;
    uint32_t cnt[3];
    static const char *const plain[] = {ZHS_MAGIC_CITE_V2, ZHS_MAGIC_CITE_V1, NULL};
    if (open_table(&f, path, ZHS_MAGIC_CITE, plain, "citation table", cnt, err)) return err->code;
    /* a table without label forms (ZHSCITE1) still ranks, from the records */
    bool v1 = f.magic == plain[1];
    const uint8_t *p = f.body + 12, *end = f.body + f.len;
    int rc = ZHS_OK;
#define BAD(what) do { rc = zhs_fail(err, ZHS_ECORRUPT, "%s: %s: rebuild the index", path, what); goto out; } while (0)
    uint32_t nruns = cnt[0], ngroups = cnt[1], ndates = cnt[2];
    /* every string takes at least its 4-byte length */
    if (ndates == 0 || ndates > f.len / 4 || ngroups > f.len / 8 || nruns > npassages ||
        nruns > f.len / ZHS_CITE_RUN_BYTES ||
        (npassages && !nruns) || ngroups > nruns)
        BAD("the citation table's counts are impossible");
    t->npassages = npassages;
    t->ngroups = ngroups;
    t->runs = malloc(((size_t)nruns + 1) * sizeof *t->runs);
    t->title = malloc(((size_t)ngroups + 1) * sizeof *t->title);
    t->key = malloc(((size_t)ngroups + 1) * sizeof *t->key);
    t->keylen = malloc(((size_t)ngroups + 1) * sizeof *t->keylen);
    t->dates = malloc((size_t)ndates * sizeof *t->dates);
    t->blob = malloc(f.len);       /* the strings and their NULs fit in their lengths' room */
    if (!t->runs || !t->title || !t->key || !t->keylen || !t->dates || !t->blob) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    char *blob = t->blob;
    for (uint32_t i = 0; i < ndates; i++) {
        if (!(t->dates[i] = take_str(&p, end, &blob, NULL))) BAD("a version date is truncated or holds a NUL");
        t->ndates++;
    }
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t tl;
        if (!(t->title[g] = take_str(&p, end, &blob, &tl)) || end - p < 4) BAD("a title is truncated or holds a NUL");
        uint32_t kl = zhs_get_u32(p);
        if (kl & ZHS_CITE_KEY_SUFFIX) {
            kl &= ~ZHS_CITE_KEY_SUFFIX;
            if (kl > tl) BAD("a title's key is longer than the title");
            t->key[g] = t->title[g] + tl - kl;
            t->keylen[g] = kl;
            p += 4;
        } else if (!(t->key[g] = take_str(&p, end, &blob, &t->keylen[g]))) {
            BAD("a title's key is truncated or holds a NUL");
        }
    }
    if ((uint64_t)(end - p) < (uint64_t)nruns * ZHS_CITE_RUN_BYTES + (v1 ? 0 : 4) ||
        (v1 && (uint64_t)(end - p) != (uint64_t)nruns * ZHS_CITE_RUN_BYTES))
        BAD("the citation runs are truncated");
    for (uint32_t i = 0; i < nruns; i++, p += ZHS_CITE_RUN_BYTES) {
        zhs_cite_run *r = &t->runs[i];
        r->first = zhs_get_u32(p);
        r->group = zhs_get_u32(p + 4);
        r->date = zhs_get_u32(p + 8);
        if ((i == 0 ? r->first != 0 : r->first <= t->runs[i - 1].first) || r->first >= npassages ||
            r->group >= ngroups || r->date >= ndates)
            BAD("a citation run is out of range");
        t->nruns++;
    }
    if (!v1) {
        uint32_t nf = zhs_get_u32(p);
        p += 4;
        if ((uint64_t)(end - p) != (uint64_t)nf * 8) BAD("the label forms are truncated");
        t->form_doc = malloc(((size_t)nf + 1) * sizeof *t->form_doc);
        t->form = malloc(((size_t)nf + 1) * sizeof *t->form);
        if (!t->form_doc || !t->form) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
            goto out;
        }
        for (uint32_t i = 0; i < nf; i++, p += 8) {
            t->form_doc[i] = zhs_get_u32(p);
            t->form[i] = zhs_get_u32(p + 4);
            if ((i && t->form_doc[i] <= t->form_doc[i - 1]) || t->form_doc[i] >= npassages || t->form[i] == 0)
                BAD("a label form is out of range");
        }
        t->nforms = nf;
        t->has_forms = true;
    }
#undef BAD
out:
    zhs_table_close(&f);
    if (rc) zhs_cite_table_free(t);
    return rc;
}

const zhs_cite_run *zhs_cite_run_of(const zhs_cite_table *t, uint32_t doc)
{
    return &t->runs[run_at(t->runs, t->nruns, sizeof *t->runs, doc)];
}

bool zhs_meta_builder_same_forms(const zhs_meta_builder *b, const zhs_cite_table *t)
{
    if (b->nforms != t->nforms) return false;
    for (size_t i = 0; i < t->nforms; i++)
        if (b->forms[2 * i] != t->form_doc[i] || b->forms[2 * i + 1] != t->form[i]) return false;
    return true;
}

uint32_t zhs_cite_label_form(const zhs_cite_table *t, uint32_t doc)
{
    if (!t->nforms) return 0;
    size_t i = run_at(t->form_doc, t->nforms, sizeof *t->form_doc, doc);
    return t->form_doc[i] == doc ? t->form[i] : 0;
}
