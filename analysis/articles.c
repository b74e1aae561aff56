/*
** articles.c — article-number terms, see articles.h.
**
** Why from the bigram terms and not from the text: a phrase part matches
** where its bigram keys stand at consecutive positions, whatever the
** segmenter made of the characters, after every normalisation (traditional
** 條 folded, full-width forms, a line break the analyzer joins or not).
** Reading the chain off the very terms the phrase would read makes the
** term's list exactly the passages (and positions) where the phrase of its
** bigrams matches: no rule about the text has to agree with the analyzer.
** The text's terms alone suffice: the title's and heading's body copies
** all stand at position 0 and the text starts two or more positions later
** (terms.h), so no chain of two or more bigrams runs through them.
*/
#include "articles.h"

#define DI_UTF8 "\xE7\xAC\xAC"      /* ZHS_ARTICLE_DI (第) in UTF-8: bigram keys are tested bytewise */

bool zhs_article_numeral(uint32_t cp)
{
    switch (cp) {
    case 0x96F6: case 0x3007: case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB:   /* 零〇一二三四 */
    case 0x4E94: case 0x516D: case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341:   /* 五六七八九十 */
    case 0x767E: case 0x5343: case 0x4E07: case 0x4E24:                             /* 百千万两 */
        return true;
    default:
        return false;
    }
}

bool zhs_article_bigram(const char *b, size_t len, uint32_t *c1, uint32_t *c2)
{
    if (len < 3 || b[0] != 'B') return false;
    size_t l1 = zhs_utf8_decode(b + 1, len - 1, c1);
    size_t l2 = l1 ? zhs_utf8_decode(b + 1 + l1, len - 1 - l1, c2) : 0;
    return l2 && 1 + l1 + l2 == len;
}

/* The index after `at` of the bigram term at position pos whose first
** character is first, or SIZE_MAX.  Bigram terms come in position order
** (a run's bigrams after its words, runs in order), one a position. */
static size_t bigram_at(const zhs_passage_terms *pt, size_t at, size_t end, uint32_t pos, uint32_t first,
                        uint32_t *second)
{
    for (size_t j = at + 1; j < end; j++) {
        const zhs_pterm *t = &pt->t[j];
        uint32_t a, b;
        if (!zhs_article_bigram(pt->keys.data + t->off, t->len, &a, &b)) continue;
        if (t->pos > pos) break;
        if (t->pos == pos && a == first) {
            *second = b;
            return j;
        }
    }
    return SIZE_MAX;
}

int zhs_passage_terms_articles(zhs_passage_terms *pt, size_t from, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    size_t end = pt->n;
    for (size_t i = from; i < end; i++) {
        const zhs_pterm *t = &pt->t[i];
        const char *k = pt->keys.data + t->off;
        uint32_t c1, c2;
        if (t->len < 4 || k[0] != 'B' || memcmp(k + 1, DI_UTF8, 3) != 0) continue;
        if (!zhs_article_bigram(k, t->len, &c1, &c2) || !zhs_article_numeral(c2)) continue;
        char num[4 * (ZHS_ARTICLE_MAX_NUMERALS + 2)];
        memcpy(num, DI_UTF8, 3);
        size_t nl = 3 + zhs_utf8_encode(c2, num + 3);
        uint32_t start = t->pos, prev = c2;
        size_t at = i;
        for (unsigned m = 1; m <= ZHS_ARTICLE_MAX_NUMERALS; m++) {
            uint32_t next;
            at = bigram_at(pt, at, end, start + m, prev, &next);
            if (at == SIZE_MAX) break;
            if (next == ZHS_ARTICLE_TIAO) {
                nl += zhs_utf8_encode(ZHS_ARTICLE_TIAO, num + nl);
                char pre = ZHS_ARTICLE_PREFIX;
                if (!zhs_passage_terms_push(pt, &pre, 1, num, nl, start))
                    return zhs_fail(err, ZHS_ENOMEM, "out of memory collecting a passage's terms");
                break;
            }
            if (!zhs_article_numeral(next) || m == ZHS_ARTICLE_MAX_NUMERALS) break;
            nl += zhs_utf8_encode(next, num + nl);
            prev = next;
        }
    }
    return ZHS_OK;
}
