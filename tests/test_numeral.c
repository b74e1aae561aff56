/*
** test_numeral.c — Chinese <-> Arabic numerals and article citations
** (common/numeral.c) as tables.
*/
#include "harness.h"
#include "common.h"
#include "numeral.h"

typedef struct nrow {
    const char *text;
    uint32_t value;
    size_t used;        /* bytes read; 0: not a numeral */
} nrow;

static const nrow parse_rows[] = {
    {"13", 13, 2}, {"１３", 13, 6}, {"十三", 13, 6}, {"十", 10, 3}, {"二十", 20, 6},
    {"一百零五", 105, 12}, {"一〇五", 105, 9}, {"两百", 200, 6}, {"兩百", 200, 6},
    {"一千一百六十五", 1165, 21}, {"1165条", 1165, 4}, {"二百二十四条", 224, 15},
    {"一万零一", 10001, 12}, {"十一万", 110000, 9}, {"零", 0, 3}, {"第十条", 0, 0},
    {"条", 0, 0}, {"", 0, 0}, {"万", 0, 0},
    /* kinds do not mix: the Arabic part alone */
    {"1百", 1, 1},
    {"999999999", 0, 0},    /* over ZHS_NUMERAL_MAX */
};

static const struct { uint32_t v; const char *cn; } format_rows[] = {
    {0, "零"}, {1, "一"}, {10, "十"}, {13, "十三"}, {20, "二十"}, {105, "一百零五"}, {110, "一百一十"},
    {1005, "一千零五"}, {1165, "一千一百六十五"}, {1260, "一千二百六十"}, {10001, "一万零一"},
    {10010, "一万零一十"}, {12000, "一万二千"}, {20100, "二万零一百"}, {110000, "十一万"},
};

static const struct {
    const char *text;
    uint32_t article, sub, para, item;
    size_t used;
} ref_rows[] = {
    {"第十三条", 13, 0, 0, 0, 12},
    {"第13条", 13, 0, 0, 0, 8},
    {"第一千一百六十五条", 1165, 0, 0, 0, 27},
    {"第十条之一", 10, 1, 0, 0, 15},
    {"第13条第二款", 13, 0, 2, 0, 17},
    {"第三十条第一款第二项规定", 30, 0, 1, 2, 30},
    {"第五條第2項", 5, 0, 0, 2, 16},
    {"第二章", 0, 0, 0, 0, 0},
    {"第零条", 0, 0, 0, 0, 0},
    {"第条", 0, 0, 0, 0, 0},
};

int main(void)
{
    for (size_t i = 0; i < sizeof parse_rows / sizeof *parse_rows; i++) {
        uint32_t v = 12345;
        const nrow *r = &parse_rows[i];
        size_t used = zhs_numeral_parse(r->text, strlen(r->text), &v);
        CHECK_MSG(used == r->used && (!used || v == r->value), "%s: got %zu bytes, %u; want %zu, %u", r->text,
                  used, v, r->used, r->value);
    }
    for (size_t i = 0; i < sizeof format_rows / sizeof *format_rows; i++) {
        char buf[64];
        size_t n = zhs_numeral_format(buf, sizeof buf, format_rows[i].v);
        CHECK(n == strlen(format_rows[i].cn));
        CHECK_STR(buf, format_rows[i].cn);
        /* both ways: what we write reads back as the same value */
        uint32_t back = 0;
        CHECK(zhs_numeral_parse(buf, n, &back) == n && back == format_rows[i].v);
    }
    /* every article number up to 3000 survives the round trip */
    for (uint32_t v = 1; v <= 3000; v++) {
        char buf[64];
        uint32_t back = 0;
        size_t n = zhs_numeral_format(buf, sizeof buf, v);
        if (!(n && zhs_numeral_parse(buf, n, &back) == n && back == v)) {
            CHECK_MSG(0, "%u -> %s -> %u", v, buf, back);
            break;
        }
    }
    char small[4];
    CHECK(zhs_numeral_format(small, sizeof small, 13) == 0);   /* 十三 needs 7 bytes */
    for (size_t i = 0; i < sizeof ref_rows / sizeof *ref_rows; i++) {
        zhs_article_ref r;
        size_t used = zhs_article_ref_parse(ref_rows[i].text, strlen(ref_rows[i].text), &r);
        CHECK_MSG(used == ref_rows[i].used, "%s: %zu bytes, want %zu", ref_rows[i].text, used, ref_rows[i].used);
        if (used)
            CHECK_MSG(r.article == ref_rows[i].article && r.sub == ref_rows[i].sub && r.para == ref_rows[i].para &&
                      r.item == ref_rows[i].item, "%s: %u/%u/%u/%u", ref_rows[i].text, r.article, r.sub, r.para, r.item);
    }
    zhs_article_ref r;
    size_t len;
    const char *q = "刑法第二十条第一款";
    CHECK(zhs_article_ref_find(q, strlen(q), &r, &len) == 6 && len == 21 && r.article == 20 && r.para == 1);
    q = "第二章 总则";
    CHECK(zhs_article_ref_find(q, strlen(q), &r, &len) == strlen(q) && len == 0);
    char key[ZHS_ARTICLE_KEY_MAX];
    CHECK(zhs_article_key(key, 13, 0) == 3);
    CHECK_STR(key, "A13");
    zhs_article_key(key, 10, 1);
    CHECK_STR(key, "A10-1");
    return zt_done("test_numeral");
}
