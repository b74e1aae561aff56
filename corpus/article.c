/*
** article.c — recognises the label that opens a law article: 第 + numerals
** + 条 (條 in traditional texts), optionally 之 + numerals, then a space,
** U+3000 or the end of line.
** The separator is required so that a sentence such as "第十条规定的……"
** at the start of a paragraph is not taken for an article.
*/
#include "corpus_int.h"
#include "numeral.h"

/* Bytes of the run of numerals that starts s. */
static size_t numerals(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        if (!zhs_numeral_char(cp)) break;
        i += l;
    }
    return i;
}

static bool starts(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s, lit, m) == 0;
}

size_t corpus_article_label(const char *s, size_t n)
{
    static const char di[] = "\xE7\xAC\xAC", tiao[] = "\xE6\x9D\xA1", tiao_t[] = "\xE6\xA2\x9D",
                      zhi[] = "\xE4\xB9\x8B";
    if (!starts(s, n, di)) return 0;
    size_t i = 3, k = numerals(s + i, n - i);
    if (!k) return 0;
    i += k;
    if (!starts(s + i, n - i, tiao) && !starts(s + i, n - i, tiao_t)) return 0;
    i += 3;
    if (starts(s + i, n - i, zhi)) {
        k = numerals(s + i + 3, n - i - 3);
        if (k) i += 3 + k;
    }
    if (i == n || s[i] == ' ' || s[i] == '\t' || starts(s + i, n - i, "\xE3\x80\x80")) return i;
    return 0;
}

/* The structural unit of a 第X编/章/节 marker that starts s: its rank (1
** 编 部分 篇 卷, 2 分编, 3 章, 4 节), 0 if none; *len its bytes. */
static int structure_unit(const char *s, size_t n, size_t *len)
{
    static const struct {
        const char *unit;
        int rank;
    } units[] = {
        {"\xE5\x88\x86\xE7\xBC\x96", 2}, {"\xE5\x88\x86\xE7\xB7\xA8", 2},    /* 分编 分編 */
        {"\xE7\xBC\x96", 1}, {"\xE7\xB7\xA8", 1}, {"\xE9\x83\xA8\xE5\x88\x86", 1},  /* 编 編 部分 */
        {"\xE7\xAF\x87", 1}, {"\xE5\x8D\xB7", 1},                                  /* 篇 卷 */
        {"\xE7\xAB\xA0", 3}, {"\xE8\x8A\x82", 4}, {"\xE7\xAF\x80", 4},            /* 章 节 節 */
    };
    if (!starts(s, n, "\xE7\xAC\xAC")) return 0;                   /* 第 */
    size_t k = numerals(s + 3, n - 3), i = 3 + k;
    if (!k) return 0;
    for (size_t u = 0; u < sizeof units / sizeof *units; u++)
        if (starts(s + i, n - i, units[u].unit)) {
            *len = i + strlen(units[u].unit);
            return units[u].rank;
        }
    return 0;
}

/* Whether the text after a structural marker reads as a heading's name:
** short (30 characters at most) and without the marks of a sentence
** (，。；：！？ , ; and a space after them).  "第一编写组成员应当……，" and
** "第七节相应改为第八节，……" are text. */
static bool heading_name(const char *s, size_t n)
{
    /* 第三章规定的…, 第二节的…: the words that continue a reference, not a name */
    static const char *const cont[] = {
        "\xE8\xA7\x84\xE5\xAE\x9A", "\xE7\x9A\x84", "\xE6\x89\x80", "\xE4\xB8\xAD", "\xE4\xB9\x8B",
        "\xE5\x92\x8C", "\xE6\x88\x96", "\xE5\x8F\x8A",    /* 规定 的 所 中 之 和 或 及 */
    };
    for (size_t k = 0; k < sizeof cont / sizeof cont[0]; k++)
        if (starts(s, n, cont[k])) return false;
    size_t chars = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += zhs_utf8_decode(s + i, n - i, &cp);
        if (++chars > 30) return false;
        if (cp == 0xFF0C || cp == 0x3002 || cp == 0xFF1B || cp == 0xFF1A || cp == 0xFF01 || cp == 0xFF1F ||
            cp == ',' || cp == ';')
            return false;
    }
    return true;
}

int corpus_structure_rank(const char *s, size_t n)
{
    size_t len = 0;
    int rank = structure_unit(s, n, &len);
    return rank && heading_name(s + len, n - len) ? rank : 0;
}

int corpus_structure_unit_rank(const char *s, size_t n)
{
    size_t len;
    return structure_unit(s, n, &len);
}

/* Bytes of the marker of a numbered heading or list item that starts s:
** 一、 二． （一） (3) ３、 ① 第二章 第一节 第三编 第四部分; 0 if none.
** A 第X章 marker only where the line reads as a heading
** (corpus_structure_rank).  Articles are corpus_article_label()'s. */
size_t corpus_numbered_heading(const char *s, size_t n)
{
    uint32_t cp;
    size_t l = n ? zhs_utf8_decode(s, n, &cp) : 0;
    if (!l) return 0;
    if (cp >= 0x2460 && cp <= 0x2473) return l;                 /* ① .. ⑳ */
    if (cp == 0xFF08 || cp == '(') {                            /* （一） (1) */
        size_t k = numerals(s + l, n - l);
        if (!k) return 0;
        size_t i = l + k;
        if (starts(s + i, n - i, "\xEF\xBC\x89")) return i + 3;
        return i < n && s[i] == ')' ? i + 1 : 0;
    }
    if (starts(s, n, "\xE7\xAC\xAC")) {                        /* 第 */
        size_t len = 0;
        return structure_unit(s, n, &len) && heading_name(s + len, n - len) ? len : 0;
    }
    size_t k = numerals(s, n);                                  /* 一、 3． 12、 */
    if (!k) return 0;
    if (starts(s + k, n - k, "\xE3\x80\x81") || starts(s + k, n - k, "\xEF\xBC\x8E")) return k + 3;
    /* "1." but not "1.5" */
    if (k < n && s[k] == '.' && (k + 1 == n || s[k + 1] < '0' || s[k + 1] > '9')) return k + 1;
    return 0;
}
