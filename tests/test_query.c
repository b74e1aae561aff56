/*
** test_query.c — the query language (docs/QUERY.md) as a table: each query
** and what the parser makes of it, the scoring terms (with how often the
** query names them) and the required (+) and excluded (-) clauses with
** their elements and relative positions; or the error, with the character
** it points at.
*/
#include "harness.h"
#include "query_int.h"

#include <stdio.h>
#include <math.h>
#include <string.h>

static void describe(char *out, size_t n, const zhs_query *q)
{
    size_t k = (size_t)snprintf(out, n, "terms:");
    for (size_t i = 0; i < q->nterms && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, " %s%s", q->terms[i].key, q->terms[i].qtf > 1 ? "x2" : "");
    for (size_t i = 0; i < q->nclauses && k < n; i++) {
        const zhs_qclause *c = &q->clauses[i];
        k += (size_t)snprintf(out + k, n - k, " | %s%s", c->occur == ZHS_OCCUR_MUST ? "+" : "-", c->title ? "title" : "");
        for (size_t j = 0; j < c->nelems && k < n; j++)
            k += (size_t)snprintf(out + k, n - k, " %s@%u", c->elems[j].key, c->elems[j].qpos);
    }
    for (size_t i = 0; i < q->nwarnings && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, " ! %s", q->warnings[i]);
}

typedef struct row {
    const char *why;
    const char *query;
    const char *want;       /* the description, or "error: TEXT" (a part of the message) */
} row;

static const row table[] = {
    {"plain words are optional: scoring terms only, no clause", "数据 安全",
     "terms: 数据 B数据 安全 B安全"},
    {"a term named twice counts twice", "数据 数据", "terms: 数据x2 B数据x2"},
    {"a quoted phrase is required, on bigrams at consecutive positions", "\"个人信息\"",
     "terms: 个人信息 B个人 B人信 B信息 | + B个人@0 B人信@1 B信息@2"},
    {"Chinese quotes work as ASCII quotes", "“个人信息”",
     "terms: 个人信息 B个人 B人信 B信息 | + B个人@0 B人信@1 B信息@2"},
    {"corner brackets too", "「个人信息」",
     "terms: 个人信息 B个人 B人信 B信息 | + B个人@0 B人信@1 B信息@2"},
    {"+ makes a single term required", "+数据 安全",
     "terms: 数据 B数据 安全 B安全 | + B数据@0"},
    {"- excludes and adds no scoring term", "数据 -草案",
     "terms: 数据 B数据 | - B草案@0"},
    {"title: is a phrase over title-field terms; its words score as body terms", "title:民法 合同",
     "terms: 民法 B民法 合同 B合同 | +title TB民法@0"},
    {"-title: excludes by title", "数据 -title:草案", "terms: 数据 B数据 | -title TB草案@0"},
    {"a one-character part scores with its word and its character term and requires the character term",
     "+罚", "terms: 罚 U罚 | + U罚@0"},
    {"quoted or excluded, one character is its character term too", "数据 -\"罚\"", "terms: 数据 B数据 | - U罚@0"},
    {"in a phrase a one-character run is its word (character terms have no positions)", "+\"庭／嘉禾\"",
     "terms: 庭 嘉禾 B嘉禾 | + 庭@0 B嘉禾@1"},
    {"a one-character title part is the title's character term", "数据 title:法", "terms: 数据 B数据 法 U法 | +title TU法@0"},
    {"Latin and numbers are elements as they are; full-width folds", "+\"ＡＩ 2024\"",
     "terms: ai 2024 | + ai@0 2024@1"},
    {"optional punctuation is ignored", "数据 ，", "terms: 数据 B数据"},
    {"an empty query is refused", "", "error: the query is empty"},
    {"only excluded parts: refused", "-草案", "error: no searchable words outside excluded parts"},
    /* lenient parsing (docs/QUERY.md): what people type never fails */
    {"a lone + is ignored, with a warning that points at its character", "数据 +",
     "terms: 数据 B数据 ! ignored '+' at character 4"},
    {"a lone - too", "数据 - 安全", "terms: 数据 B数据 安全 B安全 ! ignored '-' at character 4"},
    {"--- is no operator", "--- 数据", "terms: 数据 B数据 ! ignored '---' at character 1"},
    {"an unterminated quote: its words are plain words; positions count characters, not bytes",
     "个人信息 \"数据", "terms: 个人信息 B个人 B人信 B信息 数据 B数据 ! unterminated quote at character 6"},
    {"mixed quotes “…\" close a phrase", "“个人信息\"",
     "terms: 个人信息 B个人 B人信 B信息 | + B个人@0 B人信@1 B信息@2"},
    {"a required part with nothing searchable is dropped", "数据 +，",
     "terms: 数据 B数据 ! ignored the part at character 4"},
    {"full-width ＋ and － are + and -", "＋数据 －草案", "terms: 数据 B数据 | + B数据@0 | - B草案@0"},
    {"TITLE： in capitals with a full-width colon is title:", "TITLE：民法 合同",
     "terms: 民法 B民法 合同 B合同 | +title TB民法@0"},
    {"a field with nothing after it is ignored", "title: 民法",
     "terms: 民法 B民法 ! ignored the field 'title:'"},
    {"article: takes a Chinese numeral, requires and scores the label term", "article:第二十条",
     "terms: A20 | + A20@0"},
    {"article: takes Arabic numerals and 之", "article:10之1 数据", "terms: A10-1 数据 B数据 | + A10-1@0"},
    {"-article: excludes", "数据 -article:第十条", "terms: 数据 B数据 | - A10@0"},
    {"article: with no number is searched as words", "article:总则",
     "terms: 总则 B总则 ! '总则' is not an article number"},
    {"nothing but operators and punctuation is refused", "+ - ，", "error: nothing to search for"},
    {"an unterminated quote of punctuation alone", "\"，", "error: nothing to search for"},
};

/* Citations (query/cite.c): the label term, 款/项, and the law's name as
** found (an alias resolved), or "none". */
static const struct { const char *query, *want; } cites[] = {
    {"刑法第二十条", "A20 刑法"},
    {"刑法 第20条", "A20 刑法"},
    {"刑法　第20条", "A20 刑法"},                              /* ideographic space */
    {"《中华人民共和国个人信息保护法》第十三条", "A13 中华人民共和国个人信息保护法"},
    {"民法典第1165条", "A1165 民法典"},
    {"个人信息保护法第13条第二款", "A13 para 2 个人信息保护法"},
    {"刑法第三十条第一款第二项", "A30 para 1 item 2 刑法"},
    {"个保法第十三条", "A13 个人信息保护法"},                   /* built-in alias */
    {"数安法第21条", "A21 数据安全法"},
    {"网安法第二十一条", "A21 网络安全法"},
    {"反垄断法第二十条", "A20 中华人民共和国反垄断法"},
    {"刑法第一百三十三条之一", "A133-1 刑法"},
    {"第十三条", "A13 -"},
    {"+title:民法典 第五百八十五条", "A585 民法典"},
    {"“刑法”第二十条", "A20 刑法"},
    {"正当防卫 刑法", "none"},
    {"第二章 总则", "none"},
    {"数据 -第十条", "none"},                                  /* excluded: no citation */
    {"数据 -第十条 第十一条", "A11 -"},
    /* several articles: a later one without a name cites the same law */
    {"刑法第二十条、第二十一条", "A20 刑法; A21 刑法"},
    {"劳动合同法第39条和第40条", "A39 劳动合同法; A40 劳动合同法"},
    {"刑法第20条至第22条", "A20 刑法; A21 刑法; A22 刑法"},
    {"民法典第一千零四十二条 刑法第二十条", "A1042 民法典; A20 刑法"},
    {"刑法第二十条和民法典第五条", "A20 刑法; A5 民法典"},
    {"刑法第二十条 刑法第二十条", "A20 刑法"},                  /* the same article once */
    {"第一条 第二条", "A1 -; A2 -"},
    /* a title that names another law in 《》: the title first, then the law */
    {"山东省实施《中华人民共和国渔业法》办法第四十条",
     "A40 中华人民共和国渔业法 (山东省实施《中华人民共和国渔业法》办法)"},
    {"《刑法》第二十条", "A20 刑法"},
    /* a judicial interpretation by its short name */
    {"公司法司法解释（四）第六条", "A6 公司法司法解释（四 [公司法 4]"},
    {"民间借贷司法解释第二十五条", "A25 民间借贷司法解释 [民间借贷 0]"},
    {"劳动争议解释二第一条", "A1 劳动争议解释二 [劳动争议 2]"},
    {"公司法解释四第六条", "A6 公司法解释四 [公司法 4]"},
    {"刑诉法解释(1)第一条", "A1 刑诉法解释 [刑事诉讼法 1]"},
    {"《公司法》司法解释（三）第一条", "A1 公司法 (公司法》司法解释（三) [公司法 3]"},
    {"个保法第十三条、第十四条", "A13 个人信息保护法; A14 个人信息保护法"},
    {"《公司法司法解释（四）》第六条", "A6 公司法司法解释（四） [公司法 4]"},
    {"民诉解释第一条", "A1 民诉解释 [民事诉讼法 0]"},
    {"公司法 司法解释（四） 第六条", "A6 司法解释（四 [公司法 4]"},     /* the law in the part before */
    {"公司法　司法解释（四）　第六条", "A6 司法解释（四 [公司法 4]"},  /* ideographic spaces */
    {"刑法　　第二十条", "A20 刑法"},
    {"《刑法第二十条", "A20 刑法"},                               /* a 《 never closed: no title */
    {"刑法第一百三十三条之一至第一百三十三条之一", "A133-1 刑法"},
    {"刑法第1、2、3、4、5、6、7、8、9条",
     "A1 刑法; A2 刑法; A3 刑法; A4 刑法; A5 刑法; A6 刑法; A7 刑法; A8 刑法; A9 刑法"},
    {"第 司法解释 第六条", "A6 司法解释"},
    /* the short forms of several articles */
    {"刑法第20-22条", "A20 刑法; A21 刑法; A22 刑法"},
    {"刑法第二十至二十二条", "A20 刑法; A21 刑法; A22 刑法"},
    {"劳动合同法第三十九、四十条", "A39 劳动合同法; A40 劳动合同法"},
    {"劳动合同法第39条、40条", "A39 劳动合同法; A40 劳动合同法"},
    {"刑法第20条至22条", "A20 刑法; A21 刑法; A22 刑法"},
    {"刑法第二十条和3个人", "A20 刑法"},                       /* 3个人 is no article */
    {"刑法第二十二条至第二十条", "A22 刑法; A21 刑法; A20 刑法"},
    {"刑法第一百二十条之一至第一百二十条之三", "A120-1 刑法; A120-2 刑法; A120-3 刑法"},
    {"《最高人民法院关于适用刑法第十二条几个问题的解释》第二条",
     "A2 最高人民法院关于适用刑法第十二条几个问题的解释 [最高人民法院关于适用刑法第十二条几个问题 0]"},
                                                    /* 第十二条 inside 《》 cites nothing */
    /* without 《》: Han text straight after 第X条 that ends as a title ends
    ** (…的解释, …的通知) up to the next 第X条 makes that article the title's */
    {"最高人民法院关于适用刑法第十二条几个问题的解释第二条",
     "A2 最高人民法院关于适用刑法第十二条几个问题的解释 [最高人民法院关于适用刑法第十二条几个问题 0]"},
    {"检察院关于适用刑法第十二条若干问题的通知第一条", "A1 检察院关于适用刑法第十二条若干问题的通知"},
    {"刑法第二十条正当防卫的规定第二十一条", "A20 刑法; A21 正当防卫的规定"},   /* no 关于 before: 第二十条 is cited */
    {"刑法第二十条规定第二十一条", "A20 刑法; A21 规定"},      /* two characters: no title */
    {"刑法第二十条和关于适用的解释第二条", "A20 刑法; A2 关于适用的解释 [关于适用 0]"},   /* a joiner */
    {"刑法第二十条的问题第二条", "A20 刑法; A2 的问题"},         /* no title's ending */
};

/* The weight factor of the term with this key in the parsed query, -1 if
** the query has no such term. */
static double weight_of(zhs_analyzer *an, zhs_arena *arena, const char *query, const char *key)
{
    zhs_query q;
    zhs_error e = {0};
    zhs_arena_reset(arena);
    if (zhs_query_parse(&q, arena, an, query, &e) != ZHS_OK) return -1;
    for (size_t i = 0; i < q.nterms; i++)
        if (!strcmp(q.terms[i].key, key)) return zhs_query_term_weight(&q, i);
    return -1;
}

/* The weight of term key after the parse and the concepts' expansion of
** query; -1 if the query has no such term. */
static double expanded_weight(zhs_analyzer *an, zhs_arena *arena, const char *query, const char *key)
{
    zhs_query q;
    zhs_error e = {0};
    zhs_arena_reset(arena);
    if (zhs_query_parse(&q, arena, an, query, &e) != ZHS_OK || zhs_query_expand(&q, arena, an, query, NULL, &e) != ZHS_OK)
        return -1;
    for (size_t i = 0; i < q.nterms; i++)
        if (!strcmp(q.terms[i].key, key)) return zhs_query_term_weight(&q, i);
    return -1;
}

/* Everyday words add the statutes' wording at a lower weight (concepts.c);
** the user's own terms keep theirs; excluded, quoted and field parts add
** nothing. */
static void test_concepts(zhs_analyzer *an, zhs_arena *arena)
{
    double w = expanded_weight(an, arena, "高空抛物 责任", "B抛掷");
    CHECK_MSG(fabs(w - ZHS_CONCEPT_WEIGHT) < 1e-6, "高空抛物 adds 抛掷物品's terms at the concept weight, got %g", w);
    CHECK(expanded_weight(an, arena, "高空抛物 责任", "责任") == 1.0);
    CHECK(expanded_weight(an, arena, "高空抛物 抛掷", "抛掷") == 1.0);     /* the user's own stays 1 */
    CHECK(expanded_weight(an, arena, "数据 -高空抛物", "B抛掷") == -1);
    CHECK(expanded_weight(an, arena, "\"高空抛物\"", "B抛掷") == -1);
    CHECK(expanded_weight(an, arena, "title:高空抛物", "B抛掷") == -1);
    CHECK(expanded_weight(an, arena, "加班费", "B延长") > 0);              /* the longest key: 加班费 */
    CHECK(expanded_weight(an, arena, "加班费", "B报酬") > 0);
    CHECK(expanded_weight(an, arena, "个人信息 处理", "B抛掷") == -1);     /* no concept: nothing added */
    /* keys on word boundaries: 仲裁员, 擅离职守 are words that hold 裁员, 离职 */
    CHECK(expanded_weight(an, arena, "仲裁员", "B裁减") == -1);
    CHECK(expanded_weight(an, arena, "擅离职守", "B解除") == -1);
    CHECK(expanded_weight(an, arena, "宠物 伤人", "B饲养") > 0);
    /* never a one-character word of the statute's wording (的 of 饲养的动物) */
    CHECK(expanded_weight(an, arena, "宠物 伤人", "的") == -1);
    CHECK(expanded_weight(an, arena, "宠物 伤人", "B犬只") > 0);
    /* a quoted phrase with a space, excluded or not, is the user's wording */
    CHECK(expanded_weight(an, arena, "数据 -\"个人 宠物\"", "B饲养") == -1);
    CHECK(expanded_weight(an, arena, "数据 \"个人 宠物\"", "B饲养") == -1);
    CHECK(expanded_weight(an, arena, "+加班费", "B延长") > 0);        /* a required part expands */
    CHECK(expanded_weight(an, arena, "醉駕 處罰", "B醉酒") > 0);       /* traditional, folded first */
    size_t before;
    {
        zhs_query q;
        zhs_error e = {0};
        zhs_arena_reset(arena);
        CHECK(zhs_query_parse(&q, arena, an, "个人信息 处理", &e) == ZHS_OK);
        before = q.nterms;
        CHECK(zhs_query_expand(&q, arena, an, "个人信息 处理", NULL, &e) == ZHS_OK && q.nterms == before && !q.boost);
    }
}

/* Question words weigh nothing in a question with enough other terms
** (stopwords.c), and keep their weight elsewhere. */
static void test_question_words(zhs_analyzer *an, zhs_arena *arena)
{
    const char *longq = "印欧语系因为哪一门语言而被发现";
    CHECK(weight_of(an, arena, longq, "B语言") == 1.0);
    CHECK(weight_of(an, arena, "正当防卫是什么", "什么") == 0.0);
    CHECK(weight_of(an, arena, "正当防卫是什么", "B什么") == 0.0);
    CHECK(weight_of(an, arena, "正当防卫是什么", "B防卫") == 1.0);
    /* too few other terms: a short query keeps every word */
    CHECK(weight_of(an, arena, "什么", "什么") == 1.0);
    CHECK(weight_of(an, arena, "是否 合法", "是否") == 1.0);
    /* a required part or a phrase names it: it scores */
    CHECK(weight_of(an, arena, "正当防卫 +是否 成立", "是否") == 1.0);
    CHECK(weight_of(an, arena, "正当防卫 +是否 成立", "B是否") == 1.0);
    CHECK(weight_of(an, arena, "正当防卫 成立 是否", "B是否") == 0.0);
    CHECK(zhs_query_stopword("B哪里", 7) && zhs_query_stopword("的", 3) && !zhs_query_stopword("B防卫", 7));
}

/* A query of n distinct words and a repeat of the first: the terms in
** order, each once, the first twice (qtf 2); up to the limit of 1,024,
** past it the first 1,024 and a warning.  The terms' room grows as the
** parse goes (16 at first): every step of it is crossed. */
static void test_many_terms(zhs_analyzer *an, zhs_arena *arena)
{
    static const size_t ns[] = {1, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1023, 1024, 1025, 1500};
    zhs_buf text;
    zhs_buf_init(&text);
    for (size_t x = 0; x < sizeof ns / sizeof *ns; x++) {
        size_t n = ns[x], want = n < 1024 ? n : 1024;
        zhs_buf_reset(&text);
        for (size_t i = 0; i <= n; i++) zhs_buf_printf(&text, "%sw%zu", i ? " " : "", i < n ? i : 0);
        zhs_query q;
        zhs_error e = {0};
        zhs_arena_reset(arena);
        CHECK_OK(zhs_query_parse(&q, arena, an, zhs_buf_cstr(&text), &e), e);
        if (zhs_err_code(&e)) continue;
        CHECK_MSG(q.nterms == want, "%zu words: %zu terms, want %zu", n, q.nterms, want);
        size_t bad = 0;
        for (size_t i = 0; i < q.nterms; i++) {
            char w[32];
            int wl = snprintf(w, sizeof w, "w%zu", i);
            bad += q.terms[i].len < (uint32_t)wl || memcmp(q.terms[i].key + q.terms[i].len - (uint32_t)wl, w, (size_t)wl) ||
                   q.terms[i].qtf != (i == 0 ? 2u : 1u);
        }
        CHECK_MSG(bad == 0, "%zu words: %zu terms out of order or counted wrong", n, bad);
        bool warned = false;
        for (size_t i = 0; i < q.nwarnings; i++) warned |= strstr(q.warnings[i], "distinct terms") != NULL;
        CHECK_MSG(warned == (n > 1024), "%zu words: %s warning about the terms' limit", n, warned ? "a" : "no");
    }
    zhs_buf_free(&text);
}

int main(void)
{
    zhs_analyzer *an = NULL;
    zhs_error e = {0};
    CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
    if (!an) return zt_done("test_query");
    zhs_arena arena;
    zhs_arena_init(&arena, 64 * 1024);
    test_question_words(an, &arena);
    test_concepts(an, &arena);
    test_many_terms(an, &arena);
    char got[4096];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        zhs_query q;
        zhs_error_clear(&e);
        zhs_arena_reset(&arena);
        int rc = zhs_query_parse(&q, &arena, an, table[i].query, &e);
        const char *want = table[i].want;
        if (!strncmp(want, "error: ", 7)) {
            CHECK_MSG(rc == ZHS_EQUERY && strstr(e.message, want + 7), "%s\n  query: %s\n  want an error with: %s\n  got %d: %s",
                      table[i].why, table[i].query, want + 7, rc, e.message);
            continue;
        }
        CHECK_MSG(rc == ZHS_OK, "%s: %s: %s", table[i].why, table[i].query, e.message);
        if (rc) continue;
        describe(got, sizeof got, &q);
        /* a row shows a warning by its start: the rest is prose */
        CHECK_MSG(!strncmp(got, want, strlen(want)) && (strlen(got) == strlen(want) || strstr(want, " ! ")),
                  "%s\n  query: %s\n  want:  %s\n  got:   %s", table[i].why, table[i].query, want, got);
    }
    for (size_t i = 0; i < sizeof cites / sizeof *cites; i++) {
        zhs_query q;
        zhs_error_clear(&e);
        zhs_arena_reset(&arena);
        int rc = zhs_query_parse(&q, &arena, an, cites[i].query, &e);
        if (rc == ZHS_OK) rc = zhs_query_cite(&q, &arena, cites[i].query, NULL, &e);
        CHECK_MSG(rc == ZHS_OK, "%s: %s", cites[i].query, e.message);
        if (rc) continue;
        snprintf(got, sizeof got, "none");
        int k = 0;
        for (const zhs_qcite *c = q.cite; c && (size_t)k < sizeof got; c = c->next) {
            k += snprintf(got + k, sizeof got - (size_t)k, "%s%s", c == q.cite ? "" : "; ", c->key);
            if (c->ref.para) k += snprintf(got + k, sizeof got - (size_t)k, " para %u", c->ref.para);
            if (c->ref.item) k += snprintf(got + k, sizeof got - (size_t)k, " item %u", c->ref.item);
            k += snprintf(got + k, sizeof got - (size_t)k, " %.*s", c->name ? (int)c->namelen : 1,
                          c->name ? c->name : "-");
            if (c->full) k += snprintf(got + k, sizeof got - (size_t)k, " (%.*s)", (int)c->fulllen, c->full);
            if (c->interp)
                k += snprintf(got + k, sizeof got - (size_t)k, " [%.*s %u]", (int)c->interplen, c->interp, c->ordinal);
        }
        CHECK_MSG(!strcmp(got, cites[i].want), "citation %s: want %s, got %s", cites[i].query, cites[i].want, got);
    }
    /* a long question before a citation: the name is the end of its part
    ** (at most 384 bytes, on a character boundary), not nothing */
    {
        zhs_buf lq = {0};
        for (int i = 0; i < 200; i++) zhs_buf_puts(&lq, "请");
        zhs_buf_puts(&lq, "刑法第二十条");
        zhs_query q;
        zhs_error_clear(&e);
        zhs_arena_reset(&arena);
        int rc = zhs_query_parse(&q, &arena, an, zhs_buf_cstr(&lq), &e);
        if (rc == ZHS_OK) rc = zhs_query_cite(&q, &arena, zhs_buf_cstr(&lq), NULL, &e);
        CHECK_OK(rc, e);
        const zhs_qcite *c = rc ? NULL : q.cite;
        CHECK(c && c->name && c->namelen <= 384 && c->namelen % 3 == 0 && c->namelen >= 300 &&
              !memcmp(c->name + c->namelen - 6, "刑法", 6));
        zhs_buf_free(&lq);
    }
    /* aliases: a file's entries come first, the built-in ones stay */
    zhs_aliases *al = NULL;
    const char *list = "# comment\n个保 个人信息保护法\n\n刑法\t中华人民共和国刑法  # a comment after\n";
    CHECK_OK(zhs_aliases_parse(&al, list, strlen(list), "list", &e), e);
    CHECK_STR(zhs_alias_lookup(al, "个保", strlen("个保")), "个人信息保护法");
    CHECK_STR(zhs_alias_lookup(al, "刑法", strlen("刑法")), "中华人民共和国刑法");
    CHECK_STR(zhs_alias_lookup(al, "数安法", strlen("数安法")), "数据安全法");
    CHECK(zhs_alias_lookup(NULL, "个保", strlen("个保")) == NULL);
    zhs_aliases_free(al);
    static const char *const bad[] = {"个保\n", "a b c\n", "x \xff\xfe\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        zhs_error_clear(&e);
        al = NULL;
        CHECK(zhs_aliases_parse(&al, bad[i], strlen(bad[i]), "bad.txt", &e) == ZHS_EINVAL && al == NULL &&
              strstr(e.message, "bad.txt:1:"));
    }
    zhs_error_clear(&e);
    CHECK(zhs_aliases_load(&al, "/nonexistent/aliases.txt", &e) == ZHS_EIO && strstr(e.message, "/nonexistent/aliases.txt"));
    zhs_arena_free(&arena);
    zhs_analyzer_close(an);
    return zt_done("test_query");
}
