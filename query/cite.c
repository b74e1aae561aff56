/*
** cite.c — citations: a query that names an article (刑法第二十条,
** 刑法 第20条, 《中华人民共和国个人信息保护法》第十三条, 个保法第13条第二款,
** 第十三条) puts that article first, then the usual ranked results.  A
** query may cite several (刑法第二十条、第二十一条; 第二十条至第二十二条;
** 民法典第五条 刑法第二十条): each runs on its own, and their hits come
** first in the order cited.
**
** How: the query is parsed and searched as usual; then a second, exact
** query is run — the same terms and clauses, plus the article's label term
** ("A20", required and scoring) and the law's name as a phrase over the
** title field (required) — and its hits are put in front, de-duplicated.
** Both searches are ordinary top-k searches, so --exhaustive gives the very
** same result as the pruned search (tests/test_known_items.c checks it).
**
** Which law: a title phrase "刑法" also matches 刑法修正案（十一） and every
** interpretation that names 刑法 in its title.  Of the exact query's hits
** only those of the best-matching titles are kept: a title that is the
** name (中华人民共和国 stripped from both, wherever it stands) beats a
** title that ends with it, which beats a title that merely contains it.
** A title that names another law (山东省实施《渔业法》办法) is tried whole
** before the law inside 《》, and an interpretation's short name
** (公司法司法解释（四）) names the interpretation (interp_hits).  Of two versions of a
** law (same title, the document's date: front matter or the file name's
** "(2022-06-24)"), the newest
** comes first.  A name that matches no title at all (我想知道刑法第二十条)
** is shortened from the front, one character at a time, down to two.
**
** What the ranking compares (title keys, version dates) comes from the
** index's citation table (common/meta.h, g<N>.cite) without reading a
** record; an index built before the table is ranked from its records (the
** results are the same either way).  Labels are not compared: every hit
** holds the cited label term, so two hits of one title are one article,
** however each version writes it (第5条, 第五條).
*/
#include "query_int.h"
#include "numeral.h"
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define CITE_K 64           /* hits of the exact query considered; an article spans a few passages */
#define CITE_MIN_NAME 2     /* characters a shortened name keeps */
#define CITE_MAX_NAME 384   /* bytes of a law name considered (128 characters) */
#define CITE_MAX_CHARS 136  /* character clauses of a name (CITE_MAX_NAME / 3 and some) */
#define CITE_MAX 16         /* citations of one query (each is a search) */
#define CITE_RANGE_MAX 16   /* articles a range 第X条至第Y条 spans beyond X */
#define CITE_PASTED_TERMS 24    /* a query of more terms is a pasted text (a citation without a name keeps one hit) */

/* Where the spaces (ASCII or U+3000) that end at e start, not before lo. */
static size_t skip_spaces_back(const char *s, size_t lo, size_t e)
{
    for (;;) {
        if (e > lo && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) e--;
        else if (e >= lo + 3 && !memcmp(s + e - 3, "\xE3\x80\x80", 3)) e -= 3;
        else return e;
    }
}

/* Start of the part (space-separated) that holds byte i. */
static size_t part_start(const char *s, size_t i)
{
    while (i > 0) {
        uint8_t c = (uint8_t)s[i - 1];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') break;
        if (i >= 3 && memcmp(s + i - 3, "\xE3\x80\x80", 3) == 0) break;
        i--;
    }
    return i;
}

/* An excluded part ("-" or "－") names no law and cites no article. */
static bool excluded_part(const char *s, size_t n)
{
    return (n && s[0] == '-') || (n >= 3 && memcmp(s, "\xEF\xBC\x8D", 3) == 0);
}

/* s[0..n) without anything that is not Han at either end (quotes,
** punctuation); sets *len, returns the start. */
static const char *trim_han(const char *s, size_t n, size_t *len)
{
    for (;;) {
        uint32_t cp;
        size_t l = n ? zhs_utf8_decode(s, n, &cp) : 0;
        if (!l || zhs_is_han(cp)) break;
        s += l, n -= l;
    }
    while (n) {
        size_t k = n - 1;
        while (k > 0 && ((uint8_t)s[k] & 0xC0) == 0x80) k--;
        uint32_t cp;
        zhs_utf8_decode(s + k, n - k, &cp);
        if (zhs_is_han(cp)) break;
        n = k;
    }
    *len = n;
    return s;
}

/* The law name in s[0..n): the inside of the last 《…》 if any, else s
** without a leading +, a title: field, and anything not Han at either
** end.  Sets *len; returns the start.  When Han text follows the last 》
** (山东省实施《渔业法》办法, 关于适用《民法典》…的解释), the whole part is
** likely a title that names another law: *full is set to it (trimmed),
** else to NULL. */
static const char *law_name(const char *s, size_t n, size_t *len, const char **full, size_t *fulllen)
{
    static const char open[] = "\xE3\x80\x8A", close[] = "\xE3\x80\x8B";   /* 《 》 */
    const char *e = NULL, *b = NULL;
    *full = NULL;
    *fulllen = 0;
    for (size_t i = 0; i + 3 <= n; i++) {
        if (!memcmp(s + i, open, 3)) b = s + i + 3;
        else if (!memcmp(s + i, close, 3) && b) e = s + i;
    }
    if (b && e && e > b) {
        size_t tl;
        trim_han(e + 3, (size_t)(s + n - (e + 3)), &tl);
        if (tl) *full = trim_han(s, n, fulllen);
        *len = (size_t)(e - b);
        return b;
    }
    if (n && s[0] == '+') s++, n--;
    else if (n >= 3 && !memcmp(s, "\xEF\xBC\x8B", 3)) s += 3, n -= 3;
    if (n > 6 && !strncasecmp(s, "title", 5) && (s[5] == ':' || (n >= 8 && !memcmp(s + 5, "\xEF\xBC\x9A", 3)))) {
        size_t c = s[5] == ':' ? 6 : 8;
        s += c, n -= c;
    }
    return trim_han(s, n, len);
}

/* The bytes at the start of s[0..n) that join two citations: 、 和 及 与 或
** 以及 或者, commas, spaces; *range when they say "up to" (至, 到, -, ~,
** —).  All n: the text only joins them. */
static size_t join_prefix(const char *s, size_t n, bool *range)
{
    static const char *const words[] = {"\xE3\x80\x81", "\xEF\xBC\x8C", ",", ";", "\xEF\xBC\x9B", " ", "\t",
                                        "\xE3\x80\x80", "\xE5\x92\x8C", "\xE5\x8F\x8A", "\xE4\xB8\x8E",
                                        "\xE6\x88\x96", "\xE4\xBB\xA5", "\xE8\x80\x85"};
    static const char *const upto[] = {"\xE8\x87\xB3", "\xE5\x88\xB0", "-", "~", "\xEF\xBD\x9E",
                                       "\xE2\x80\x94", "\xEF\xBC\x8D"};   /* 至 到 - ~ ～ — － */
    *range = false;
    size_t i = 0;
    while (i < n) {
        size_t l = 0;
        for (size_t w = 0; w < sizeof words / sizeof *words && !l; w++)
            if (n - i >= strlen(words[w]) && !memcmp(s + i, words[w], strlen(words[w]))) l = strlen(words[w]);
        for (size_t w = 0; w < sizeof upto / sizeof *upto && !l; w++)
            if (n - i >= strlen(upto[w]) && !memcmp(s + i, upto[w], strlen(upto[w]))) {
                l = strlen(upto[w]);
                *range = true;
            }
        if (!l) break;
        i += l;
    }
    return i;
}

static bool ends_with_bytes(const char *s, size_t n, const char *suffix)
{
    size_t l = strlen(suffix);
    return n >= l && !memcmp(s + n - l, suffix, l);
}

/* Whether s[0..n) ends with one of words[0..nw). */
static bool ends_with_any(const char *s, size_t n, const char *const *words, size_t nw)
{
    for (size_t k = 0; k < nw; k++)
        if (ends_with_bytes(s, n, words[k])) return true;
    return false;
}

/* The length of the word of words[0..nw) that s[0..n) starts with, 0 if
** none. */
static size_t starts_with_any(const char *s, size_t n, const char *const *words, size_t nw)
{
    for (size_t k = 0; k < nw; k++) {
        size_t l = strlen(words[k]);
        if (n >= l && !memcmp(s, words[k], l)) return l;
    }
    return 0;
}

/* A judicial interpretation by its usual short name: X司法解释（四）, X解释四,
** X的解释(4), X司法解释 (X a law, 公司法, or a subject, 民间借贷).  Sets
** *core (X) and *ordinal (0 without a number); false when s[0..n) is not
** such a name or X is shorter than two characters. */
static bool interp_name(const char *s, size_t n, const char **core, size_t *corelen, uint32_t *ordinal)
{
    static const char *const closers[] = {"\xEF\xBC\x89", ")"}, *const openers[] = {"\xEF\xBC\x88", "("};
    *ordinal = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (ends_with_bytes(s, n, "\xE3\x80\x8B")) n -= 3;      /* 《公司法司法解释（四）》 */
    for (size_t i = 0; i < 2; i++)
        if (ends_with_bytes(s, n, closers[i])) n -= strlen(closers[i]);
    /* the number: numeral characters at the end */
    size_t e = n;
    while (e > 0) {
        size_t k = e - 1;
        while (k > 0 && ((uint8_t)s[k] & 0xC0) == 0x80) k--;
        uint32_t cp;
        zhs_utf8_decode(s + k, e - k, &cp);
        if (!zhs_numeral_char(cp)) break;
        e = k;
    }
    if (e < n) {
        uint32_t v;
        if (zhs_numeral_parse(s + e, n - e, &v) != n - e || v == 0) return false;
        *ordinal = v;
        n = e;
        for (size_t i = 0; i < 2; i++)
            if (ends_with_bytes(s, n, openers[i])) n -= strlen(openers[i]);
    }
    if (!ends_with_bytes(s, n, "\xE8\xA7\xA3\xE9\x87\x8A")) return false;      /* 解释 */
    n -= 6;
    /* 司法, unless it ends 公司法 (公司法解释四) */
    if (ends_with_bytes(s, n, "\xE5\x8F\xB8\xE6\xB3\x95") && !ends_with_bytes(s, n, "\xE5\x85\xAC\xE5\x8F\xB8\xE6\xB3\x95"))
        n -= 6;
    if (ends_with_bytes(s, n, "\xE7\x9A\x84")) n -= 3;                            /* 的 */
    size_t cl;
    *core = trim_han(s, n, &cl);
    *corelen = cl;
    /* 0 characters: the law is in the part before (公司法 司法解释（四）) */
    return cl == 0 || zhs_utf8_count(*core, cl) >= 2;
}

/* A new citation of ref under name (and full), at the end of the list;
** NULL when out of memory. */
static zhs_qcite *cite_new(zhs_arena *arena, const zhs_article_ref *ref, const char *name, size_t nl,
                           const char *full, size_t fl)
{
    zhs_qcite *c = zhs_arena_calloc(arena, sizeof *c);
    if (!c) return NULL;
    c->ref = *ref;
    c->keylen = zhs_article_key(c->key, ref->article, ref->sub);
    c->name = name;
    c->namelen = nl;
    c->full = full;
    c->fulllen = fl;
    return c;
}

static bool same_text(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && (!al || !memcmp(a, b, al));
}

/* Whether the list already cites this label of this law (named alike, the
** title around 《》 too: 山东省实施《渔业法》办法第四十条 and 渔业法第四十条
** are two). */
static bool cited(const zhs_qcite *c, const char *key, const char *name, size_t nl, const char *full, size_t fl)
{
    for (; c; c = c->next)
        if (!strcmp(c->key, key) && same_text(c->name, c->namelen, name, nl) && same_text(c->full, c->fulllen, full, fl))
            return true;
    return false;
}

/* Whether s[0..n) leaves a 《 open: what follows is inside a title. */
static bool inside_title(const char *s, size_t n)
{
    int depth = 0;
    for (size_t i = 0; i + 3 <= n; i++) {
        if (!memcmp(s + i, "\xE3\x80\x8A", 3)) depth++;
        else if (!memcmp(s + i, "\xE3\x80\x8B", 3) && depth > 0) depth--;
    }
    return depth > 0;
}

static const char DI[] = "\xE7\xAC\xAC", TIAO[] = "\xE6\x9D\xA1", TIAO_T[] = "\xE6\xA2\x9D";   /* 第 条 條 */

/* Whether the 第X条 that ends at s is part of a title written without
** 《》 (最高人民法院关于适用刑法第十二条几个问题的解释第二条): Han text
** follows it straight, up to the next 第X条, and ends as the titles of
** interpretations, rules and replies end (…的解释, …规定, …批复).  A
** joiner (刑法第二十条和第二十一条), punctuation or a space before the
** next article, or any other ending, and the article is a citation. */
/* Whether s[0..n), the part up to a 第X条, starts a title that may hold
** it: such titles say 关于 before the article they name (最高人民法院关于
** 适用刑法第十二条…); 刑法第二十条正当防卫的规定第二十一条 cites two. */
static bool title_before(const char *s, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++)
        if (!memcmp(s + i, "\xE5\x85\xB3\xE4\xBA\x8E", 6)) return true;     /* 关于 */
    return false;
}

static bool title_goes_on(const char *s, size_t n)
{
    static const char *const ends[] = {
        "\xE8\xA7\xA3\xE9\x87\x8A", "\xE8\xA7\x84\xE5\xAE\x9A", "\xE5\x86\xB3\xE5\xAE\x9A",
        "\xE6\x89\xB9\xE5\xA4\x8D", "\xE6\x89\xB9\xE8\xA4\x87", "\xE7\xAD\x94\xE5\xA4\x8D",
        "\xE7\xAD\x94\xE8\xA6\x86", "\xE6\x84\x8F\xE8\xA7\x81", "\xE6\x84\x8F\xE8\xA6\x8B",
        "\xE5\x8A\x9E\xE6\xB3\x95", "\xE9\x80\x9A\xE7\x9F\xA5", "\xE7\xBB\x86\xE5\x88\x99",
        "\xE7\xB4\xB0\xE5\x89\x87", "\xE8\xA7\xA3\xE9\x87\x8B", "\xE8\xA6\x8F\xE5\xAE\x9A",
    };  /* 解释 规定 决定 批复 批複 答复 答覆 意见 意見 办法 通知 细则 細則 解釋 規定 */
    zhs_article_ref ref;
    size_t len, k = zhs_article_ref_find(s, n, &ref, &len);
    if (k == n || k < 12) return false;     /* four characters at least: 刑法第二十条规定第二十一条 cites two */
    bool range;
    if (join_prefix(s, k, &range) != 0) return false;
    for (size_t i = 0; i < k;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, k - i, &cp);
        if (!l || !zhs_is_han(cp)) return false;
        i += l;
    }
    for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
        if (ends_with_bytes(s, k, ends[e])) return true;
    return false;
}

static size_t tiao_at(const char *s, size_t n)
{
    return n >= 3 && (!memcmp(s, TIAO, 3) || !memcmp(s, TIAO_T, 3)) ? 3 : 0;
}

/* Whether a bare numeral at s (after a joiner) stands alone: followed by
** 条, the end, a space or punctuation, not by other Han (和3个人). */
static bool bare_number_ends(const char *s, size_t n)
{
    if (!n || tiao_at(s, n)) return true;
    uint32_t cp;
    zhs_utf8_decode(s, n, &cp);
    return !zhs_is_han(cp) && !(cp < 0x80 && ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'));
}

/* The query with the short forms of several articles written out, so that
** the citation parse reads each: 第20-22条 and 第三十九、四十条 become
** 第20条-第22条 and 第三十九条、第四十条; 第39条、40条 and 第20条至22条 become
** 第39条、第40条 and 第20条至第22条.  text itself when it has none; NULL when
** out of memory. */
static const char *expand_lists(zhs_arena *arena, const char *text, size_t n, size_t *outlen)
{
    *outlen = n;
    if (!strstr(text, DI)) return text;
    zhs_buf b;
    zhs_buf_init(&b);
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        /* 第 N (J N)+ 条 */
        if (n - i >= 3 && !memcmp(text + i, DI, 3)) {
            size_t p = i + 3;
            uint32_t v;
            size_t l = zhs_numeral_parse(text + p, n - p, &v);
            size_t ends[CITE_MAX + 1], starts[CITE_MAX + 1], nn = 0;
            if (l) {
                starts[nn] = p;
                ends[nn++] = p + l;
                p += l;
                for (;;) {
                    bool range;
                    size_t jl = join_prefix(text + p, n - p, &range);
                    if (!jl || nn == CITE_MAX + 1) break;
                    size_t l2 = zhs_numeral_parse(text + p + jl, n - p - jl, &v);
                    if (!l2) break;
                    starts[nn] = p + jl;
                    ends[nn++] = p + jl + l2;
                    p += jl + l2;
                }
            }
            if (nn > 1 && tiao_at(text + p, n - p)) {
                zhs_buf_append(&b, text + i, 3);
                for (size_t k = 0; k < nn; k++) {
                    if (k) {
                        zhs_buf_append(&b, text + ends[k - 1], starts[k] - ends[k - 1]);    /* the joiner */
                        zhs_buf_puts(&b, DI);
                    }
                    zhs_buf_append(&b, text + starts[k], ends[k] - starts[k]);
                    zhs_buf_puts(&b, TIAO);
                }
                i = p + 3;
                changed = true;
                goto after_ref;
            }
        }
        {
            /* one character as it is */
            uint32_t cp;
            size_t l = zhs_utf8_decode(text + i, n - i, &cp);
            bool was_tiao = tiao_at(text + i, n - i) != 0;
            zhs_buf_append(&b, text + i, l);
            i += l;
            if (!was_tiao) continue;
        }
    after_ref:
        /* after 条: J N 条? */
        for (;;) {
            bool range;
            size_t jl = join_prefix(text + i, n - i, &range);
            if (!jl) break;
            uint32_t v;
            size_t l = zhs_numeral_parse(text + i + jl, n - i - jl, &v);
            if (!l || !bare_number_ends(text + i + jl + l, n - i - jl - l)) break;
            zhs_buf_append(&b, text + i, jl);
            zhs_buf_puts(&b, DI);
            zhs_buf_append(&b, text + i + jl, l);
            zhs_buf_puts(&b, TIAO);
            i += jl + l;
            i += tiao_at(text + i, n - i);
            changed = true;
        }
    }
    const char *out = text;
    if (changed && !b.oom) {
        char *t = zhs_arena_strndup(arena, b.data, b.len);
        out = t;
        *outlen = b.len;
    } else if (b.oom) {
        out = NULL;
    }
    zhs_buf_free(&b);
    return out;
}

/* The query with 第 put before an article number written without it
** straight after a law's name (刑法20条, 民法典1165条, 《刑法》20条,
** 劳动合同法四十七条: 法 典 例 则 规定 决定 or 》 before the number) and
** ending the number (article_ends), so that the citation reads as
** 刑法第20条.  Other numbers and 条 (十条措施, 公司法五条红线, 三条件) stay
** as they are. */
/* Whether what follows a 条 ends an article number rather than making a
** word of it (五条红线, 三条件): the end, a space, punctuation, or 第 款 项
** 之 规定 的 中 (第二十条第二款, 20条规定). */
static bool article_ends(const char *s, size_t n)
{
    static const char *const next[] = {
        "\xE7\xAC\xAC", "\xE6\xAC\xBE", "\xE9\xA1\xB9", "\xE4\xB9\x8B", "\xE8\xA7\x84\xE5\xAE\x9A",
        "\xE7\x9A\x84", "\xE4\xB8\xAD",                    /* 第 款 项 之 规定 的 中 */
    };
    if (!n) return true;
    uint32_t cp;
    zhs_utf8_decode(s, n, &cp);
    return !zhs_is_han(cp) || starts_with_any(s, n, next, sizeof next / sizeof next[0]);
}

static const char *add_di(zhs_arena *arena, const char *text, size_t n, size_t *outlen)
{
    static const char *const ends[] = {
        "\xE6\xB3\x95", "\xE5\x85\xB8", "\xE4\xBE\x8B", "\xE5\x88\x99", "\xE8\xA7\x84\xE5\xAE\x9A",
        "\xE5\x86\xB3\xE5\xAE\x9A", "\xE3\x80\x8B",    /* 法 典 例 则 规定 决定 》 */
    };
    *outlen = n;
    if (!strstr(text, TIAO) && !strstr(text, TIAO_T)) return text;
    zhs_buf b;
    zhs_buf_init(&b);
    bool changed = false;
    size_t run = 0;
    for (size_t i = 3; i < n;) {
        uint32_t v;
        size_t l = zhs_numeral_parse(text + i, n - i, &v);
        bool after_name = l && ends_with_any(text, i, ends, sizeof ends / sizeof *ends);
        if (after_name && i + l + 3 <= n && (!memcmp(text + i + l, TIAO, 3) || !memcmp(text + i + l, TIAO_T, 3)) &&
            article_ends(text + i + l + 3, n - i - l - 3)) {
            zhs_buf_append(&b, text + run, i - run);
            zhs_buf_append(&b, DI, 3);
            run = i;
            changed = true;
            i += l + 3;
            continue;
        }
        i += l ? l : 1;
    }
    if (!changed) {
        zhs_buf_free(&b);
        return text;
    }
    zhs_buf_append(&b, text + run, n - run);
    char *out = b.oom ? NULL : zhs_arena_strndup(arena, b.data, b.len);
    *outlen = b.len;
    zhs_buf_free(&b);
    return out;
}

int zhs_query_cite(zhs_query *q, zhs_arena *arena, const char *text, const zhs_aliases *aliases, zhs_error *err)
{
    q->cite = NULL;
    if (zhs_err_code(err)) return err->code;
    size_t n = strnlen(text, 64 * 1024);
    /* 刑法20条: 刑法第20条 */
    text = add_di(arena, text, n, &n);
    if (!text) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    /* 第20-22条, 第39条、40条: each article written out */
    text = expand_lists(arena, text, n, &n);
    if (!text) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
    zhs_qcite **tail = &q->cite, *prev = NULL;
    size_t ncites = 0, pos = 0;
    bool capped = false, range_cut = false;
    size_t scan = 0;        /* where the next 第X条 is looked for (pos: where its name may start) */
    while (!capped) {
        zhs_article_ref ref;
        size_t len, at = zhs_article_ref_find(text + scan, n - scan, &ref, &len) + scan;
        if (at == n) break;
        /* 第X条 inside 《…》 is part of a title (《…关于适用刑法第十二条几个
        ** 问题的解释》第二条), not a citation */
        if ((inside_title(text + pos, at - pos) && strstr(text + at, "\xE3\x80\x8B")) ||
            (title_before(text + part_start(text, at), at - part_start(text, at)) &&
             title_goes_on(text + at + len, n - at - len))) {
            scan = at + len;
            continue;
        }
        size_t ps = part_start(text, at);
        /* a later citation's name comes after the one before and what
        ** joins them (刑法第二十条和民法典第五条) */
        bool range = false;
        size_t jl = prev ? join_prefix(text + pos, at - pos, &range) : 0;
        bool joined = prev && jl == at - pos;
        size_t from = ps > pos + jl ? ps : pos + jl;
        size_t end = at + len;
        if (excluded_part(text + ps, at - ps)) {
            pos = scan = end;
            prev = NULL;
            continue;
        }
        const char *name = NULL, *full = NULL, *interp = NULL;
        size_t nl = 0, fl = 0, il = 0;
        uint32_t ordinal = 0;
        if (joined) {
            /* 刑法第二十条、第二十一条: the same law */
            name = prev->name, nl = prev->namelen, full = prev->full, fl = prev->fulllen;
            interp = prev->interp, il = prev->interplen, ordinal = prev->ordinal;
        } else {
            name = law_name(text + from, at - from, &nl, &full, &fl);
            const char *raw = text + from;          /* the part the name came from */
            size_t rawlen = at - from;
            if (nl == 0 && ps > pos) {
                /* "刑法 第20条": the part before */
                size_t e = skip_spaces_back(text, pos, ps);
                size_t s = part_start(text, e);
                if (s < pos) s = pos;
                name = excluded_part(text + s, e - s) ? NULL : law_name(text + s, e - s, &nl, &full, &fl);
                raw = text + s;
                rawlen = e - s;
            }
            if (fl > CITE_MAX_NAME) full = NULL, fl = 0;
            if (name && nl > CITE_MAX_NAME) {
                /* a long question before the citation: its end, where the
                ** law's name stands (shortening works from the front) */
                size_t cut = nl - CITE_MAX_NAME;
                while (cut < nl && ((uint8_t)name[cut] & 0xC0) == 0x80) cut++;
                name += cut;
                nl -= cut;
            }
            if (name && nl > 0) {
                /* 公司法司法解释（四）: an interpretation, named by the whole
                ** part (《公司法》司法解释四 too); its law by an alias too */
                if (!interp_name(raw, rawlen, &interp, &il, &ordinal)) {
                    interp = NULL, il = 0, ordinal = 0;
                } else if (il == 0) {
                    /* 司法解释（四） alone: the part before names the law */
                    size_t e = skip_spaces_back(text, pos, (size_t)(raw - text));
                    size_t sp = part_start(text, e);
                    if (sp < pos + jl) sp = pos + jl;
                    if (e < sp) e = sp;
                    interp = trim_han(text + sp, e - sp, &il);
                    if (zhs_utf8_count(interp, il) < 2 || excluded_part(text + sp, e - sp))
                        interp = NULL, il = 0, ordinal = 0;
                }
                if (interp) {
                    const char *alias = zhs_alias_lookup(aliases, interp, il);
                    if (alias) interp = alias, il = strlen(alias);
                } else {
                    interp = NULL, il = 0, ordinal = 0;
                }
                const char *alias = zhs_alias_lookup(aliases, name, nl);
                if (alias) {
                    name = alias;
                    nl = strlen(alias);
                }
            } else {
                name = NULL, nl = 0;
            }
        }
        /* 第三十九条至第四十二条: the articles between are cited too, in
        ** the order written (第二十二条至第二十条 backwards), as are 之二
        ** in 第十条之一至之三; a range over CITE_RANGE_MAX is cut */
        zhs_article_ref steps[CITE_RANGE_MAX + 1];
        size_t nsteps = 0;
        if (joined && range && ref.article == prev->ref.article && prev->ref.sub && ref.sub &&
            ref.sub != prev->ref.sub) {
            uint32_t from_sub = prev->ref.sub, to = ref.sub;
            int dir = to > from_sub ? 1 : -1;
            for (uint32_t v = from_sub + (uint32_t)dir; v != to && nsteps < CITE_RANGE_MAX; v += (uint32_t)dir)
                steps[nsteps++] = (zhs_article_ref){ref.article, v, 0, 0};
        } else if (joined && range && !prev->ref.sub && !ref.sub && ref.article != prev->ref.article) {
            uint32_t from_a = prev->ref.article, to = ref.article;
            int dir = to > from_a ? 1 : -1;
            uint32_t span = dir > 0 ? to - from_a : from_a - to;
            for (uint32_t v = from_a + (uint32_t)dir; v != to && nsteps < CITE_RANGE_MAX; v += (uint32_t)dir)
                steps[nsteps++] = (zhs_article_ref){v, 0, 0, 0};
            if (span - 1 > CITE_RANGE_MAX) {
                range_cut = true;
                zhs_query_warn(q, arena, "a range of %u articles (%u to %u): only its first %d are cited", span + 1,
                               from_a, to, CITE_MAX);
            }
        }
        steps[nsteps++] = ref;
        for (size_t si = 0; si < nsteps; si++) {
            if (ncites == CITE_MAX) {
                /* one warning for one cause: a range cut short said so */
                if (!range_cut)
                    zhs_query_warn(q, arena, "more than %d articles cited: the first %d are searched", CITE_MAX,
                                   CITE_MAX);
                capped = true;
                break;
            }
            zhs_article_ref r = steps[si];
            char key[ZHS_ARTICLE_KEY_MAX];
            zhs_article_key(key, r.article, r.sub);
            if (cited(q->cite, key, name, nl, full, fl)) continue;
            zhs_qcite *c = cite_new(arena, &r, name, nl, full, fl);
            if (!c) return zhs_fail(err, ZHS_ENOMEM, "out of memory parsing the query");
            c->interp = interp;
            c->interplen = il;
            c->ordinal = ordinal;
            *tail = c;
            tail = &c->next;
            ncites++;
            prev = c;
        }
        pos = scan = end;
    }
    return ZHS_OK;
}

/* ---------------------------------------------------------------- running */

/* k[0..n) without 中华人民共和国 anywhere: a key keeps the one inside a
** title (山东省实施《中华人民共和国渔业法》办法), which a citation may leave
** out, or write where the title does not.  Into out (reset); returns it. */
static const zhs_buf *without_prc(zhs_buf *out, const char *k, size_t n)
{
    static const char prc[] = "\xE4\xB8\xAD\xE5\x8D\x8E\xE4\xBA\xBA\xE6\xB0\x91\xE5\x85\xB1\xE5\x92\x8C\xE5\x9B\xBD";
    const size_t pl = sizeof prc - 1;
    zhs_buf_reset(out);
    size_t run = 0;
    for (size_t i = 0; i + pl <= n;) {
        if (memcmp(k + i, prc, pl)) {
            i++;
            continue;
        }
        zhs_buf_append(out, k + run, i - run);
        i += pl;
        run = i;
    }
    zhs_buf_append(out, k + run, n - run);
    zhs_buf_cstr(out);
    return out;
}

/* 0: the title is the name; 1: it ends with the name; 2: it contains it;
** 3: it does not (a match on the name's characters in another order).
** Both keys are compared without 中华人民共和国 (without_prc). */
static int title_tier(const char *t, size_t tl, const zhs_buf *name)
{
    size_t nl = name->len;
    if (tl == nl && !memcmp(t, name->data, nl)) return 0;
    if (tl > nl && !memcmp(t + tl - nl, name->data, nl)) return 1;
    for (size_t i = 0; nl && i + nl <= tl; i++)
        if (!memcmp(t + i, name->data, nl)) return 2;
    return 3;
}

/* Whether a law's name found at byte i of a title key starts a name there:
** at the key's start, after a place (北京市物业管理条例: 省 市 县 旗 盟 自治区
** 自治州 特区 新区 行政区 中国: 香港特别行政区基本法, 中国人民银行法), after
** 大会 (…人民代表大会选举法) or after the words titles put before a law they
** apply, implement or amend (适用 实施 执行 关于 修改 贯彻 依照 根据).  Anything else
** before it makes a longer name of another law: 劳动合同法 is not 合同法,
** 海岛保护法 not 保护法, 历史文化街区保护条例 not 区保护条例. */
static bool name_starts(const char *t, size_t i)
{
    static const char *const before[] = {
        "\xE7\x9C\x81", "\xE5\xB8\x82", "\xE5\x8E\xBF", "\xE6\x97\x97", "\xE7\x9B\x9F",   /* 省 市 县 旗 盟 */
        "\xE8\x87\xAA\xE6\xB2\xBB\xE5\x8C\xBA", "\xE8\x87\xAA\xE6\xB2\xBB\xE5\xB7\x9E",  /* 自治区 自治州 */
        "\xE7\x89\xB9\xE5\x8C\xBA", "\xE6\x96\xB0\xE5\x8C\xBA",                          /* 特区 新区 */
        "\xE9\x80\x82\xE7\x94\xA8", "\xE5\xAE\x9E\xE6\x96\xBD", "\xE6\x89\xA7\xE8\xA1\x8C",  /* 适用 实施 执行 */
        "\xE5\x85\xB3\xE4\xBA\x8E", "\xE4\xBF\xAE\xE6\x94\xB9", "\xE8\xB4\xAF\xE5\xBD\xBB",  /* 关于 修改 贯彻 */
        "\xE4\xBE\x9D\xE7\x85\xA7", "\xE6\xA0\xB9\xE6\x8D\xAE",                          /* 依照 根据 */
        "\xE5\xA4\xA7\xE4\xBC\x9A", "\xE8\xA1\x8C\xE6\x94\xBF\xE5\x8C\xBA",          /* 大会 行政区 */
        "\xE4\xB8\xAD\xE5\x9B\xBD",                                                  /* 中国 */
    };
    return i == 0 || ends_with_any(t, i, before, sizeof before / sizeof before[0]);
}

/* The tier of a title for a law's name (title_tier), where the name must
** start a name in the title (name_starts) to be contained in it; where it
** is not, the title's characters in order (劳动争议调解仲裁法 for 劳动仲裁法:
** a name written short) when in_order: 3, with *extra the characters the
** title puts between them; else 4.  Keys without 中华人民共和国. */
static int name_tier(const char *t, size_t tl, const zhs_buf *name, bool in_order, uint32_t *extra)
{
    size_t nl = name->len;
    *extra = 0;
    if (tl == nl && !memcmp(t, name->data, nl)) return 0;
    if (tl > nl && !memcmp(t + tl - nl, name->data, nl) && name_starts(t, tl - nl)) return 1;
    /* contained: at the title's start (the title's beginning written,
    ** 云澜数据交易所 for 云澜数据交易所数据交易管理办法), or inside it with at
    ** most four characters after it, a version's note (网络安全法（草案）,
    ** （试行）), not another document about the law (关于适用《合同法》若干问题
    ** 的解释（二）'s 第一条 is no 合同法第一条) */
    for (size_t i = 0; nl && i + nl <= tl; i++)
        if (!memcmp(t + i, name->data, nl) && name_starts(t, i) &&
            (i == 0 || zhs_utf8_count(t + i + nl, tl - i - nl) <= 4))
            return 2;
    if (!in_order || !nl) return 4;
    /* the shortest window of the title that holds the name's characters in
    ** order, from each place its first character starts a name */
    /* the name's characters in order, ending where the title ends, with
    ** at most min(4, its characters - 1) others between them: 基本法 is no
    ** 基本农田保护办法 */
    uint32_t best = UINT32_MAX, chars = (uint32_t)zhs_utf8_count(name->data, nl);
    uint32_t most = chars - 1 < 4 ? chars - 1 : 4;
    uint32_t c0;
    size_t l0 = zhs_utf8_decode(name->data, nl, &c0);
    for (size_t i = 0; i + nl <= tl; i++) {
        if (memcmp(t + i, name->data, l0) || !name_starts(t, i)) continue;
        size_t a = i + l0, b = l0;
        uint32_t gap = 0;
        while (b < nl && a < tl && gap <= most) {
            uint32_t cn, ct;
            size_t ln = zhs_utf8_decode(name->data + b, nl - b, &cn);
            size_t lt = zhs_utf8_decode(t + a, tl - a, &ct);
            a += lt;
            if (cn == ct) b += ln;
            else gap++;
        }
        if (b == nl && a == tl && gap <= most && gap < best) best = gap;
    }
    if (best == UINT32_MAX) return 4;
    *extra = best;
    return 3;
}

/* A judicial interpretation's title for 公司法司法解释（四）: it starts with
** 最高人民 (法院 or 检察院), contains the core (公司法) and ends with the
** number (四) when one is given: 0 when 解释 or 规定 stand right before the
** number (or the end), 1 otherwise; 3 when it is not such a title. */
static int interp_tier(const char *t, size_t tl, const zhs_buf *core, const char *ord)
{
    static const char top[] = "\xE6\x9C\x80\xE9\xAB\x98\xE4\xBA\xBA\xE6\xB0\x91";    /* 最高人民 */
    if (tl < sizeof top - 1 || memcmp(t, top, sizeof top - 1) || title_tier(t, tl, core) == 3) return 3;
    size_t end = tl;
    if (ends_with_bytes(t, end, "\xE8\xAF\x95\xE8\xA1\x8C")) end -= 6;      /* （试行） */
    if (ord[0]) {
        if (!ends_with_bytes(t, end, ord)) return 3;
        end -= strlen(ord);
    }
    return ends_with_bytes(t, end, "\xE8\xA7\xA3\xE9\x87\x8A") || ends_with_bytes(t, end, "\xE8\xA7\x84\xE5\xAE\x9A")
               ? 0 : 1;     /* 解释, 规定 */
}

typedef struct chit {
    zhs_hit h;
    const char *data;
    size_t datalen;
    int tier;
    bool older;             /* a newer version of the same article is among the hits */
    const char *title;      /* NULL: not known (not in the table, not read) */
    uint32_t klen;          /* its title key's length, without 中华人民共和国 */
    uint32_t extra;         /* tier 3: the title's characters between the name's */
    char date[11];          /* zhs_version_date */
    uint32_t group;         /* its title's group, UINT32_MAX: unknown */
    bool known;             /* title, key and date from the citation table */
    bool read;              /* its stored record is read */
    uint32_t pos;           /* its place in the search's order */
} chit;

/* A hit's passage number and its rank. */
typedef struct byno {
    uint32_t doc, rank;
} byno;

static int cmp_byno(const void *a, const void *b)
{
    const byno *x = a, *y = b;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

static int cmp_chit(const void *a, const void *b)
{
    const chit *x = a, *y = b;
    if (x->older != y->older) return x->older ? 1 : -1;
    /* older versions newest first (a law in three versions and more) */
    if (x->older) {
        int d = strcmp(y->date, x->date);
        if (d) return d;
    }
    /* then the search's order, which is by score within each block of
    ** BM25 hits the second phase re-ranked (search.c): sorted by score
    ** across blocks, the first k hits depended on k, and a next page
    ** repeated and skipped citation hits */
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Which hits need their stored record, from the metadata table (an index
** built before the citation table): the title group of each hit (a group
** is one exact title).  Without a name every tier is 0, and a hit whose
** title no other hit has cannot be an older version of another (nor
** another of it): it needs no record.  With a name (tiers need titles) or
** without the table (remote shards) every hit is read. */
static void plan_from_meta(const zhs_index *ix, chit *h, size_t nh, bool named)
{
    for (size_t i = 0; i < nh; i++) {
        h[i].group = UINT32_MAX;
        if (ix->has_meta && h[i].h.doc < ix->meta.npassages) h[i].group = zhs_meta_run_of(&ix->meta, h[i].h.doc)->group;
    }
    for (size_t i = 0; i < nh; i++) {
        bool shared = named || h[i].group == UINT32_MAX;
        for (size_t j = 0; j < nh && !shared; j++) shared = j != i && h[j].group == h[i].group;
        h[i].read = shared;
    }
}

/* The same from the citation table: each hit's title, key and version
** date without reading.  (Its label is not needed: every hit holds the
** cited label term, see older_than.) */
static void plan_from_table(const zhs_cite_table *t, chit *h, size_t nh)
{
    for (size_t i = 0; i < nh; i++) {
        chit *x = &h[i];
        x->known = x->h.doc < t->npassages;
        x->group = UINT32_MAX;
        x->read = !x->known;
        if (!x->known) continue;
        const zhs_cite_run *run = zhs_cite_run_of(t, x->h.doc);
        x->group = run->group;
        x->title = t->title[run->group];
        /* what snprintf "%s" gave, at a fraction of its cost per hit */
        size_t dl = strnlen(t->dates[run->date], sizeof x->date - 1);
        memcpy(x->date, t->dates[run->date], dl);
        x->date[dl] = 0;
    }
}

/* Whether a is an older version of b: the same title, an earlier date.
** Every hit holds the cited label term, so two hits of one title are the
** same article however each version writes its label (第5条 in one,
** 第五條 in another).  A hit whose title is not known (not in the table,
** its record not read) has no other version among the hits. */
static bool older_than(const chit *a, const chit *b)
{
    if (a->group != UINT32_MAX && b->group != UINT32_MAX && a->known && b->known)
        return a->group == b->group && strcmp(b->date, a->date) > 0;
    if (!a->title || !b->title) return false;
    return !strcmp(a->title, b->title) && strcmp(b->date, a->date) > 0;
}

/* Ranks the exact query's hits: the title, label and version date of each
** from the citation table or, where it does not tell, from the stored
** record (through r, whose top is set to the exact query's hits so that an
** engine that keeps its hits' records finds them); keeps the best tier and
** marks older versions. */
static int rank_by_title(zhs_results *r, zhs_analyzer *an, chit *h, size_t *nh, const char *name, size_t nl,
                         const zhs_qcite *interp, int keep, zhs_error *err)
{
    char ord[64] = "";
    if (interp && interp->ordinal) zhs_numeral_format(ord, sizeof ord, interp->ordinal);
    int best = 4;
    zhs_buf nn, tn;
    zhs_buf_init(&nn);
    zhs_buf_init(&tn);
    zhs_buf kp;
    zhs_buf_init(&kp);
    int rc = name ? zhs_name_key(&tn, an, name, nl, err) : ZHS_OK;
    if (!rc && name) {
        without_prc(&nn, tn.data, tn.len);
        if (nn.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    }
    const zhs_cite_table *ct = r->ix->has_cite ? &r->ix->cite : NULL;
    if (ct) plan_from_table(ct, h, *nh);
    else plan_from_meta(r->ix, h, *nh, name != NULL);
    for (size_t i = 0; i < *nh && !rc; i++) {
        chit *x = &h[i];
        x->tier = 0;        /* what every hit gets without a name */
        const char *key = x->known ? ct->key[x->group] : NULL;
        size_t keylen = x->known ? ct->keylen[x->group] : 0;
        if (x->read) {
            zhs_passage p;
            if ((rc = zhs_results_passage(&p, r, x->h.doc, err))) break;
            if (!x->known) {
                x->title = p.title;
                zhs_version_date(x->date, p.date, p.path);
                if (name && (rc = zhs_name_key(&tn, an, p.title, strlen(p.title), err))) break;
                key = tn.data;
                keylen = tn.len;
            }
        } else if (!x->known) {
            best = 0;
            continue;
        }
        if (name) {
            const zhs_buf *k = without_prc(&kp, key, keylen);
            if (kp.oom) {
                rc = zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
                break;
            }
            x->tier = interp ? interp_tier(k->data, k->len, &nn, ord) : name_tier(k->data, k->len, &nn, keep > 3, &x->extra);
            x->klen = (uint32_t)k->len;
        }
        if (x->tier < best) best = x->tier;
    }
    zhs_buf_free(&nn);
    zhs_buf_free(&tn);
    zhs_buf_free(&kp);
    if (rc) return rc;
    if (interp && best < 3) {
        /* of several interpretations, the one with the shortest title: the
        ** general one (关于适用《民事诉讼法》的解释, not its 审判监督程序 one) */
        uint32_t shortest = UINT32_MAX;
        for (size_t i = 0; i < *nh; i++)
            if (h[i].tier == best && h[i].klen < shortest) shortest = h[i].klen;
        for (size_t i = 0; i < *nh; i++)
            if (h[i].tier == best && h[i].klen > shortest) h[i].tier = 3;
    }
    if (best == 3) {
        /* of the titles that hold the name's characters in order, those
        ** with the fewest characters between them, then the shortest (the
        ** national law before 北京市实施…办法) */
        uint32_t fewest = UINT32_MAX, shortest = UINT32_MAX;
        for (size_t i = 0; i < *nh; i++)
            if (h[i].tier == 3 && h[i].extra < fewest) fewest = h[i].extra;
        for (size_t i = 0; i < *nh; i++)
            if (h[i].tier == 3 && h[i].extra > fewest) h[i].tier = 4;
        for (size_t i = 0; i < *nh; i++)
            if (h[i].tier == 3 && h[i].klen < shortest) shortest = h[i].klen;
        for (size_t i = 0; i < *nh; i++)
            if (h[i].tier == 3 && h[i].klen > shortest) h[i].tier = 4;
    }
    size_t m = 0;
    if (interp) keep = 3;           /* an interpretation's tier 3 is no match */
    for (size_t i = 0; i < *nh; i++)
        if (h[i].tier == best && best < keep) h[m++] = h[i];
    *nh = m;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m && !h[i].older; j++) h[i].older = older_than(&h[i], &h[j]);
    qsort(h, m, sizeof *h, cmp_chit);
    /* by date, older versions' scores may rise: each keeps at most the one
    ** before it, so that the list stays sorted by score */
    for (size_t i = 1; i < m; i++)
        if (h[i].older && h[i - 1].older && h[i].h.score > h[i - 1].h.score) h[i].h.score = h[i - 1].h.score;
    return ZHS_OK;
}

/* One required clause per character of the name, on the title field's
** character terms ("TU临"), up to clauses[end). */
static int add_char_clauses(zhs_query *cq, size_t end, zhs_arena *a, zhs_analyzer *an, const char *name, size_t nl,
                            zhs_error *err)
{
    const zhs_token *tok;
    size_t nt;
    if (zhs_analyzer_run(an, &tok, &nt, name, nl, err)) return err->code;
    for (size_t i = 0; i < nt && cq->nclauses < end; i++) {
        if (tok[i].kind != ZHS_TOKEN_CHAR) continue;
        zhs_qclause *c = &cq->clauses[cq->nclauses++];
        memset(c, 0, sizeof *c);
        c->occur = ZHS_OCCUR_MUST;
        c->title = true;
        c->elems = zhs_arena_alloc(a, sizeof *c->elems);
        if (!c->elems) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
        c->elems[0].len = (uint32_t)zhs_term_key(c->elems[0].key, &tok[i], true);
        c->elems[0].qpos = 0;
        c->nelems = 1;
        snprintf(c->text, sizeof c->text, "%.*s", (int)tok[i].len, tok[i].text);
    }
    return ZHS_OK;
}

/* Whether a clause's elements are all among the query's scoring terms, so
** that every passage it matches has a scoring term. */
static bool clause_scores(const zhs_query *q, const zhs_qclause *qc)
{
    for (size_t j = 0; j < qc->nelems; j++)
        if (zhs_query_term_find(q, qc->elems[j].key, qc->elems[j].len) < 0) return false;
    return true;
}

/* The exact query of a citation without a name (第三十六条 违反) from the
** usual search's hits, where they decide it, instead of a second search
** over the same lists (half of such a query's time).  That query is the
** usual one, the label term (weight 0: it adds exactly 0 to a score) and
** a clause requiring it; when the usual one has a required body clause
** that scores, every passage either matches has a scoring term, so its
** matches are the usual matches that hold the label, each with the same
** score (the question words' weights permitting: checked).  Its top k is
** then known without a search:
**   - the usual hits are fewer than k: they are every match (the heap
**     held them all, also the proximity bonus's larger one), and the
**     exact hits are those of them that hold the label, in their order;
**   - the usual top k all hold the label and want (the exact query's k:
**     k, or CITE_K when a name is tried) is at most k: the first want of
**     them are the exact top want, when the ranking is BM25's (without
**     the bonus, or with k at least the BM25 hits the bonus re-ranks, so
**     that both rank the same set);
**   - without the bonus, want of the usual top k hold the label: they are
**     the exact top want (a match the usual top k lacks ranks below them
**     all).
** With want above k (a name tried at k < CITE_K) the usual top k never
** decide it: the exact ranks k + 1 to want are unknown.
** Otherwise, and for --exhaustive (the tests compare the two) and other
** engines, *known is false: the search is run.  The native engine's
** postings tell which hits hold the label. */
static int exact_from_usual(zhs_topk *top, bool *known, zhs_results *r, const zhs_query *cq, const zhs_qcite *c,
                            const zhs_search_options *o, size_t want, zhs_error *err)
{
    *known = false;
    const zhs_topk *u = &r->top;
    if (r->ix->eng != &zhs_native_reader || o->exhaustive || o->group_size || u->n > o->k) return ZHS_OK;
    bool scores = false;
    for (size_t i = 0; i < r->q.nclauses && !scores; i++) {
        const zhs_qclause *qc = &r->q.clauses[i];
        scores = qc->occur == ZHS_OCCUR_MUST && !qc->title && clause_scores(&r->q, qc);
    }
    if (!scores) return ZHS_OK;
    if (o->proximity >= 0)
        for (size_t i = 0; i < r->q.nterms; i++)
            if (zhs_query_term_weight(&r->q, i) != zhs_query_term_weight(cq, i)) return ZHS_OK;
    /* the usual hits are whole blocks of the second phase only when k is
    ** a whole number of them (search.c rounds its own k up, then cuts) */
    if (u->n == o->k && o->proximity > 0 && o->k % ZHS_PROX_RESCORE != 0) return ZHS_OK;
    memset(top, 0, sizeof *top);
    if (u->n == 0) {
        *known = true;
        return ZHS_OK;
    }
    /* the hits by passage number, for one walk of the label's lists */
    zhs_arena *a = &r->arena;
    byno *bn = zhs_arena_alloc(a, u->n * sizeof *bn);
    uint32_t *docs = zhs_arena_alloc(a, u->n * sizeof *docs);
    bool *has = zhs_arena_alloc(a, u->n * sizeof *has), *keep = zhs_arena_alloc(a, u->n * sizeof *keep);
    zhs_hit *hits = zhs_arena_alloc(a, u->n * sizeof *hits);
    if (!bn || !docs || !has || !keep || !hits) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    for (size_t i = 0; i < u->n; i++) bn[i] = (byno){u->hits[i].doc, (uint32_t)i};
    qsort(bn, u->n, sizeof *bn, cmp_byno);
    for (size_t i = 0; i < u->n; i++) docs[i] = bn[i].doc;
    if (zhs_native_holding(r->ix, c->key, c->keylen, docs, u->n, has, err)) return err->code;
    for (size_t i = 0; i < u->n; i++) keep[bn[i].rank] = has[i];
    size_t m = 0;
    for (size_t i = 0; i < u->n; i++)
        if (keep[i]) hits[m++] = u->hits[i];
    if (u->n == o->k && (m < want || (m < u->n && o->proximity > 0))) return ZHS_OK;
    top->hits = hits;
    top->n = m < want ? m : want;
    top->matches = m;
    *known = true;
    return ZHS_OK;
}

/* An exact query's hits top as chits, ranked by title (rank_by_title,
** with r->top set to them meanwhile, then the usual hits again): into
** *out (arena memory), *nout kept. */
static int rank_hits(zhs_results *r, zhs_analyzer *an, const zhs_topk *top, const char *name, size_t nl,
                     const zhs_qcite *interp, int keep, chit **out, size_t *nout, zhs_error *err)
{
    chit *h = zhs_arena_calloc(&r->arena, top->n * sizeof *h);
    if (!h) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    for (size_t i = 0; i < top->n; i++) {
        h[i].h = top->hits[i];
        h[i].pos = (uint32_t)i;
        h[i].data = top->data ? top->data[i] : NULL;
        h[i].datalen = top->datalen ? top->datalen[i] : 0;
    }
    size_t n = top->n;
    zhs_topk usual = r->top;
    r->top = *top;
    int rc = rank_by_title(r, an, h, &n, name, nl, interp, keep, err);
    r->top = usual;
    *out = h;
    *nout = rc ? 0 : n;
    return rc;
}

/* The hits of an interpretation named by its short name (公司法司法解释（四）):
** the exact query with the core (公司法) and 最高人民 as phrases of the
** title, ranked by interp_tier (which checks the number).  *nh 0 when
** none. */
static int interp_hits(zhs_results *r, zhs_analyzer *an, zhs_query *cq, size_t base, const zhs_search_options *xo,
                       const zhs_qcite *c, const zhs_aliases *aliases, chit **h, size_t *nh, zhs_error *err)
{
    static const char top_court[] = "\xE6\x9C\x80\xE9\xAB\x98\xE4\xBA\xBA\xE6\xB0\x91";    /* 最高人民 */
    zhs_arena *a = &r->arena;
    *nh = 0;
    /* the core as written, then shortened from the front (根据公司法司法解释
    ** （四）: 根据公司法, 据公司法, 公司法), an alias looked up each time */
    const char *core = c->interp;
    size_t cl = c->interplen;
    for (;;) {
        const char *alias = zhs_alias_lookup(aliases, core, cl);
        const char *k = alias ? alias : core;
        size_t kl = alias ? strlen(alias) : cl;
        cq->nclauses = base;
        zhs_qclause *tc = &cq->clauses[cq->nclauses];
        if (zhs_query_title_clause(tc, a, an, k, kl, err)) return err->code;
        if (tc->nelems == 0) return ZHS_OK;
        cq->nclauses++;
        tc = &cq->clauses[cq->nclauses];
        if (zhs_query_title_clause(tc, a, an, top_court, sizeof top_court - 1, err)) return err->code;
        if (tc->nelems) cq->nclauses++;
        zhs_topk top;
        memset(&top, 0, sizeof top);
        if (r->ix->eng->search(&top, a, r->ix, cq, xo, err)) return err->code;
        if (top.n) {
            chit *x;
            size_t n;
            if (rank_hits(r, an, &top, k, kl, c, 3, &x, &n, err)) return err->code;
            if (n) {
                *h = x;
                *nh = n;
                return ZHS_OK;
            }
        }
        if (zhs_utf8_count(core, cl) <= CITE_MIN_NAME) return ZHS_OK;
        uint32_t cp;
        size_t l = zhs_utf8_decode(core, cl, &cp);
        core += l;
        cl -= l;
    }
}

/* Says which title a name no title is was read as (劳动仲裁法: the title
** that holds its characters in order), so that a guess shows as one. */
static void warn_read_as(zhs_results *r, const char *name, size_t nl, const chit *x)
{
    zhs_query *q = &r->q;
    const char *title = x->title;
    if (!title && x->known && r->ix->has_cite && x->group < r->ix->cite.ngroups) title = r->ix->cite.title[x->group];
    if (!title || !name) return;
    /* once for 第二十七条、第二十八条 of one name: zhs_query_warn gives a warning once */
    zhs_query_warn(q, &r->arena, "no title is %.*s: the citation reads it as %s", (int)(nl > 150 ? 150 : nl), name,
                   title);
}

/* Whether the words dropped from the front of a name are only the words
** put before a citation (根据, 依照, 依据, 按照, 参照, 违反, 适用, 请问, 关于):
** the name after them is as written, and may match as one does
** (根据北京物业管理条例 is 北京物业管理条例, the title 北京市物业管理条例). */
static bool lead_in(const char *s, size_t n)
{
    static const char *const words[] = {
        "\xE6\xA0\xB9\xE6\x8D\xAE", "\xE4\xBE\x9D\xE7\x85\xA7", "\xE4\xBE\x9D\xE6\x8D\xAE",
        "\xE6\x8C\x89\xE7\x85\xA7", "\xE5\x8F\x82\xE7\x85\xA7", "\xE8\xBF\x9D\xE5\x8F\x8D",
        "\xE9\x80\x82\xE7\x94\xA8", "\xE8\xAF\xB7\xE9\x97\xAE", "\xE5\x85\xB3\xE4\xBA\x8E",
    };      /* 根据 依照 依据 按照 参照 违反 适用 请问 关于 */
    while (n) {
        size_t l = starts_with_any(s, n, words, sizeof words / sizeof words[0]);
        if (!l) return false;
        s += l;
        n -= l;
    }
    return true;
}

/* The hits of citation c, ranked by title (rank_by_title): at most o->k
** into *out (arena memory), *nout of them.  r->top is the usual search's
** and stays so. */
static int cite_hits(zhs_results *r, zhs_analyzer *an, const zhs_search_options *o, const zhs_qcite *c, chit **out,
                     size_t *nout, zhs_error *err)
{
    *out = NULL;
    *nout = 0;
    zhs_arena *a = &r->arena;
    /* the exact query: the user's terms and clauses, the label term, the name */
    zhs_query cq = r->q;
    cq.cite = NULL;
    cq.terms = zhs_arena_alloc(a, (r->q.nterms + 1) * sizeof *cq.terms);
    cq.termcap = r->q.nterms + 1;       /* its own array's room, not the usual query's */
    cq.clauses = zhs_arena_calloc(a, (r->q.nclauses + 2 + CITE_MAX_CHARS) * sizeof *cq.clauses);
    if (!cq.terms || !cq.clauses) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    memcpy(cq.terms, r->q.terms, r->q.nterms * sizeof *cq.terms);
    memcpy(cq.clauses, r->q.clauses, r->q.nclauses * sizeof *cq.clauses);
    if (zhs_query_term_find(&cq, c->key, c->keylen) < 0) {
        /* it scores too, so that every passage the exact query matches has
        ** a scoring term, as the exhaustive evaluator requires */
        zhs_qterm *t = &cq.terms[cq.nterms++];
        memcpy(t->key, c->key, c->keylen + 1);
        t->len = (uint32_t)c->keylen;
        t->qtf = 1;
        t->kind = ZHS_TOKEN_WORD;
    }
    zhs_qclause *lc = &cq.clauses[cq.nclauses++];
    lc->occur = ZHS_OCCUR_MUST;
    lc->elems = zhs_arena_alloc(a, sizeof *lc->elems);
    if (!lc->elems) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    memcpy(lc->elems[0].key, c->key, c->keylen + 1);
    lc->elems[0].len = (uint32_t)c->keylen;
    lc->elems[0].qpos = 0;
    lc->nelems = 1;
    snprintf(lc->text, sizeof lc->text, "%s", c->key);

    zhs_search_options xo = *o;
    xo.k = c->name ? CITE_K : o->k;
    xo.count_only = 0;
    zhs_topk top;
    memset(&top, 0, sizeof top);
    /* a title that names another law (山东省实施《渔业法》办法) is tried
    ** as written first, never shortened; then the law it names */
    bool whole = c->full != NULL;
    const char *name = whole ? c->full : c->name;
    size_t nl = whole ? c->fulllen : c->namelen;
    const char *written = name;     /* what is shortened: an alias is searched, never shortened */
    size_t wl = nl;
    if (name && !whole) {
        /* an alias in traditional characters (刑訴法), which the parse,
        ** reading the text as written, did not know */
        const char *alias = zhs_alias_lookup_folded(an, o->aliases, name, nl, err);
        if (zhs_err_code(err)) return err->code;
        if (alias) {
            name = alias;
            nl = strlen(alias);
        }
    }
    size_t base = cq.nclauses;
    chit *h = NULL;
    size_t nh = 0;
    bool from_usual = false;
    if (!name && exact_from_usual(&top, &from_usual, r, &cq, c, o, xo.k, err)) return err->code;
    /* The search without a clause of the name: where the index has no
    ** title character terms (an analyzer without character terms) every
    ** character pass is that search, the same each time the name is
    ** shortened (人民政府 第三十条: 人民政府, 民政府, then 政府's title
    ** phrase), and only the ranking by title differs; it runs once, or
    ** not at all where the usual hits decide it (exact_from_usual). */
    zhs_topk plain;
    bool have_plain = false;
    bool interp_tried = false;
    for (;;) {
        /* the name as a phrase of the title; failing that (punctuation in
        ** the title, 一网通办 for “一网通办”), each of its characters */
        for (int mode = 0; mode < 2 && nh == 0; mode++) {
            /* a form that finds nothing leaves nothing behind: a long
            ** name shortened a character at a time, for each of 16
            ** articles, was thousands of searches' memory (1.2 MB of
            ** page faults each) */
            zhs_arena_mark mark = zhs_arena_save(a);
            bool kept = false;      /* plain holds this search's hits */
            cq.nclauses = base;
            if (name && mode == 0) {
                zhs_qclause *tc = &cq.clauses[cq.nclauses];
                if (zhs_query_title_clause(tc, a, an, name, nl, err)) return err->code;
                if (tc->nelems == 0) return ZHS_OK;
                cq.nclauses++;
            } else if (name && add_char_clauses(&cq, base + CITE_MAX_CHARS, a, an, name, nl, err)) {
                return err->code;
            }
            bool bare = name && cq.nclauses == base;
            bool known = from_usual;
            if (bare && !have_plain && exact_from_usual(&top, &known, r, &cq, c, o, xo.k, err)) return err->code;
            if (bare && have_plain) {
                top = plain;
            } else {
                if (!known && r->ix->eng->search(&top, a, r->ix, &cq, &xo, err)) return err->code;
                if (bare) {
                    plain = top;
                    have_plain = kept = true;
                }
            }
            if (top.n == 0) {
                if (!name) break;
                if (!kept) zhs_arena_rewind(a, mark);
                continue;
            }
            /* the name as written matches a title in tiers 0 to 2, and 3
            ** on its characters; a name shortened (根据个保法 -> 个保法)
            ** only the title that is it: its end is the end of too many
            ** other names (个人信息保护条例 -> 保护条例) */
            bool as_written = whole || written == c->name ||
                              (name == written && lead_in(c->name, (size_t)(written - c->name)));
            int keep = !as_written ? 1 : mode == 1 ? 4 : 3;
            if (rank_hits(r, an, &top, name, nl, NULL, keep, &h, &nh, err)) return err->code;
            if (!name) break;
            if (nh == 0 && !kept) zhs_arena_rewind(a, mark);
        }
        /* 公司法司法解释（四）: where no title is or ends with the name as
        ** written, the interpretation it names by its short name; with
        ** 《》 (《公司法》司法解释（三）) before the law inside them */
        if (c->interp && !interp_tried && (c->full ? whole : name == c->name)) {
            interp_tried = true;
            if (nh == 0 || h[0].tier >= 2) {
                chit *ih = NULL;
                size_t inh = 0;
                if (interp_hits(r, an, &cq, base, &xo, c, o->aliases, &ih, &inh, err)) return err->code;
                if (inh > 0) h = ih, nh = inh;
            }
        }
        if (nh > 0 || !name) break;
        if (whole) {
            whole = false;
            name = written = c->name;
            nl = wl = c->namelen;
            if (!name) break;
            continue;
        }
        if (zhs_utf8_count(written, wl) <= CITE_MIN_NAME) break;
        uint32_t cp;
        size_t l = zhs_utf8_decode(written, wl, &cp);
        written += l;
        wl -= l;
        /* 根据个保法: 据个保法, then 个保法, whose alias is searched (an alias
        ** that ends with its short form, 中华人民共和国反垄断法, would cycle
        ** if it were shortened in turn) */
        const char *alias = zhs_alias_lookup_folded(an, o->aliases, written, wl, err);
        if (zhs_err_code(err)) return err->code;
        name = alias ? alias : written;
        nl = alias ? strlen(alias) : wl;
    }
    if (nh > 0 && h[0].tier == 3) warn_read_as(r, name, nl, &h[0]);
    if (nh > o->k) nh = o->k;
    *out = h;
    *nout = nh;
    return ZHS_OK;
}

/* Says that citation c found no article: no title names its law (合同法,
** repealed, is not in the laws corpus), the law has no such article, or
** the versions and filters asked for hide it; the usual results follow.
** Once a name that finds nothing (a range of articles of an absent law is
** one warning); found[g]: the hits of the query's g-th citation. */
static void warn_not_found(zhs_results *r, const zhs_qcite *c, const size_t *found)
{
    zhs_query *q = &r->q;
    size_t g = 0;
    for (const zhs_qcite *p = q->cite; p != c; p = p->next, g++)
        if (!found[g] && p->name && same_text(p->name, p->namelen, c->name, c->namelen)) return;
    char num[64], sub[80] = "";
    zhs_numeral_format(num, sizeof num, c->ref.article);
    if (c->ref.sub) {
        char s2[64];
        zhs_numeral_format(s2, sizeof s2, c->ref.sub);
        snprintf(sub, sizeof sub, "\xE4\xB9\x8B%s", s2);     /* 之 */
    }
    zhs_query_warn(q, &r->arena,
                   "no article found for the citation %.*s\xE7\xAC\xAC%s\xE6\x9D\xA1%s: no title in the index names "
                   "that law, it has no such article, or the versions and filters asked for hide it; the usual "
                   "results follow",
                   (int)(c->namelen > 200 ? 200 : c->namelen), c->name, num, sub);
}

int zhs_query_cite_run(zhs_results *r, zhs_analyzer *an, const zhs_search_options *o, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (!r->q.cite || o->count_only || o->k == 0) return ZHS_OK;
    zhs_arena *a = &r->arena;
    size_t ng = 0;
    for (const zhs_qcite *c = r->q.cite; c; c = c->next) ng++;
    chit **gh = zhs_arena_alloc(a, ng * sizeof *gh);
    size_t *gn = zhs_arena_alloc(a, ng * sizeof *gn), *take = zhs_arena_alloc(a, ng * sizeof *take);
    if (!gh || !gn || !take) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    size_t total = 0, g = 0;
    for (const zhs_qcite *c = r->q.cite; c; c = c->next, g++) {
        if (cite_hits(r, an, o, c, &gh[g], &gn[g], err)) return err->code;
        if (gn[g] == 0 && c->name && !c->quiet) warn_not_found(r, c, gn);
        /* a pasted article that keeps its label (第二十条 为了使国家…) cites
        ** no law: its best hit is the article pasted, the other laws'
        ** 第二十条 are no answer to so long a text; the usual results follow */
        if (!c->name && !c->interp && r->q.nterms > CITE_PASTED_TERMS && gn[g] > 1) gn[g] = 1;
        take[g] = gn[g];
        total += gn[g];
    }
    if (total == 0) return ZHS_OK;
    /* k shared out: the citation with the most hits gives one up until
    ** all fit, so that every cited article shows (刑法第二十条、第二十一条) */
    while (total > o->k) {
        size_t big = 0;         /* of equals the last cited gives up first */
        for (size_t i = 1; i < ng; i++)
            if (take[i] >= take[big]) big = i;
        take[big]--;
        total--;
    }

    /* Merged: the citations' hits in the order cited, then the usual ones
    ** not among them.  Scores stay in order: citation g of ng scores its
    ** exact-query BM25 plus 2(ng - g)B (B above every BM25 score here), an
    ** older version one B less. */
    zhs_topk usual = r->top;
    double B = 1;
    for (g = 0; g < ng; g++)
        for (size_t i = 0; i < take[g]; i++) if (gh[g][i].h.score + 1 > B) B = gh[g][i].h.score + 1;
    for (size_t i = 0; i < usual.n; i++) if (usual.hits[i].score + 1 > B) B = usual.hits[i].score + 1;
    size_t cap = o->k;
    zhs_hit *mh = zhs_arena_alloc(a, (cap + 1) * sizeof *mh);
    const char **md = zhs_arena_alloc(a, (cap + 1) * sizeof *md);
    size_t *ml = zhs_arena_alloc(a, (cap + 1) * sizeof *ml);
    if (!mh || !md || !ml) return zhs_fail(err, ZHS_ENOMEM, "out of memory running a citation");
    size_t m = 0, ncite = 0;
    bool any_data = usual.data != NULL;
    for (g = 0; g < ng; g++)
        for (size_t i = 0; i < take[g] && m < cap; i++) {
            const chit *x = &gh[g][i];
            bool dup = false;
            for (size_t j = 0; j < m && !dup; j++) dup = mh[j].doc == x->h.doc;
            if (dup) continue;
            mh[m] = x->h;
            mh[m].score += (double)(2 * (ng - g) - (x->older ? 1 : 0)) * B;
            md[m] = x->data;
            ml[m] = x->datalen;
            any_data |= x->data != NULL;
            m++;
        }
    ncite = m;
    for (size_t j = 0; j < usual.n && m < cap; j++) {
        bool dup = false;
        for (size_t i = 0; i < ncite && !dup; i++) dup = mh[i].doc == usual.hits[j].doc;
        if (dup) continue;
        mh[m] = usual.hits[j];
        md[m] = usual.data ? usual.data[j] : NULL;
        ml[m] = usual.datalen ? usual.datalen[j] : 0;
        m++;
    }
    r->top.hits = mh;
    r->top.n = m;
    r->top.data = any_data ? md : NULL;
    r->top.datalen = any_data ? ml : NULL;
    /* A citation hit need not match the query as written (an alias names
    ** the law in other words).  Such hits are shown first but not counted:
    ** matches counts the passages that match the query as written, the
    ** same number a count-only search gives (it runs no citation). */
    return ZHS_OK;
}

/* ---------------------------------------------------------------- the table */

int zhs_cite_open(zhs_index *ix, zhs_error *err)
{
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, ZHS_CITE_FILE, ix->dir, (unsigned long long)ix->m.generation);
    zhs_error e;
    zhs_error_clear(&e);
    int rc = zhs_cite_table_load(&ix->cite, path, (uint32_t)zhs_manifest_numbered(&ix->m), &e);
    /* Indexes built before the table have none: their hits are ranked
    ** from their stored records. */
    if (rc == ZHS_ENOTFOUND) return ZHS_OK;
    if (rc) {
        if (err) *err = e;
        return rc;
    }
    ix->has_cite = true;
    return ZHS_OK;
}

void zhs_cite_close(zhs_index *ix)
{
    zhs_cite_table_free(&ix->cite);
    ix->has_cite = false;
}

int zhs_cite_verify_keys(const zhs_index *ix, zhs_analyzer *an, zhs_error *err)
{
    if (zhs_err_code(err) || !ix->has_cite) return zhs_err_code(err);
    const zhs_cite_table *t = &ix->cite;
    zhs_buf k;
    zhs_buf_init(&k);
    int rc = ZHS_OK;
    for (uint32_t g = 0; g < t->ngroups && rc == ZHS_OK; g++) {
        if ((rc = zhs_name_key(&k, an, t->title[g], strlen(t->title[g]), err))) break;
        if (k.len != t->keylen[g] || (k.len && memcmp(k.data, t->key[g], k.len)))
            rc = zhs_fail(err, ZHS_ECORRUPT, "%s/g%llu.cite: the key of title '%s' is not the analyzer's: rebuild the index",
                          ix->dir, (unsigned long long)ix->m.generation, t->title[g]);
    }
    zhs_buf_free(&k);
    return rc;
}

int zhs_cite_verify_forms(const zhs_index *ix, const zhs_meta_builder *b, zhs_error *err)
{
    if (zhs_err_code(err) || !ix->has_cite || !ix->cite.has_forms) return zhs_err_code(err);
    if (!zhs_meta_builder_same_forms(b, &ix->cite))
        return zhs_fail(err, ZHS_ECORRUPT, "%s/g%llu.cite: the label forms are not those of the records: rebuild the index",
                        ix->dir, (unsigned long long)ix->m.generation);
    return ZHS_OK;
}

int zhs_cite_verify_record(const zhs_index *ix, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err) || !ix->has_cite) return zhs_err_code(err);
    const zhs_cite_table *t = &ix->cite;
    if (doc >= t->npassages)
        return zhs_fail(err, ZHS_ECORRUPT, "%s/g%llu.cite covers %u passages, passage %u exists: rebuild the index",
                        ix->dir, (unsigned long long)ix->m.generation, t->npassages, doc);
    const zhs_cite_run *run = zhs_cite_run_of(t, doc);
    char date[11];
    zhs_version_date(date, p->date, p->path);
    if (strcmp(t->title[run->group], p->title ? p->title : "") || strcmp(t->dates[run->date], date))
        return zhs_fail(err, ZHS_ECORRUPT, "%s/g%llu.cite: passage %u is '%s' of '%s' there but '%s' of '%s' in its "
                        "record: rebuild the index", ix->dir, (unsigned long long)ix->m.generation, doc,
                        t->title[run->group], t->dates[run->date], p->title ? p->title : "", date);
    return ZHS_OK;
}
