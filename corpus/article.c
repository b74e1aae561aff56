/*
** article.c — recognises the label that opens a law article: 第 + numerals
** + 条 (條 in traditional texts), optionally 之 + numerals, then a space,
** U+3000 or the end of line.
** The separator is required so that a sentence such as "第十条规定的……"
** at the start of a paragraph is not taken for an article.
*/
#include "corpus_int.h"

static bool is_numeral(uint32_t cp)
{
    switch (cp) {
    case 0x96F6: /* 零 */ case 0x3007: /* 〇 */ case 0x4E00: /* 一 */
    case 0x4E8C: /* 二 */ case 0x4E09: /* 三 */ case 0x56DB: /* 四 */
    case 0x4E94: /* 五 */ case 0x516D: /* 六 */ case 0x4E03: /* 七 */
    case 0x516B: /* 八 */ case 0x4E5D: /* 九 */ case 0x5341: /* 十 */
    case 0x767E: /* 百 */ case 0x5343: /* 千 */ case 0x4E07: /* 万 */
    case 0x842C: /* 萬 */ case 0x5169: /* 兩 */
        return true;
    default:
        return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
    }
}

/* Bytes of the run of numerals that starts s. */
static size_t numerals(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        if (!is_numeral(cp)) break;
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
