/*
** test_meta.c — document metadata, law versions, filters and grouping:
** where each field is read from (file name, front matter, folder, JSONL),
** what a search shows by default, with all versions and as of a date, the
** filters and the grouping, on both engines; the version-1 index kept in
** tests/data still opens, and a filter on it asks for a rebuild.
*/
#include "harness.h"
#include "meta.h"
#include "clause.h"
#include "ztable.h"
#include "zhs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_file(const char *dir, const char *name, const char *text)
{
    zt_write_bytes(dir, name, text, strlen(text));
}

/* Two versions of one law: the old one says 经营者集中 more often, so
** that it would rank first if it were not hidden.  A second law without a
** date, a regulation with front matter, and JSONL records. */
static void make_corpus(const char *dir)
{
    write_file(dir, "经济法/示例竞争法(2007-08-30).md",
               "# 中华人民共和国示例竞争法\n\n## 第四章 审查程序\n\n"
               "第二十条 经营者集中是指经营者合并，经营者集中应当申报，经营者集中未申报的不得实施。\n\n"
               "第二十一条 旧法的其他规定。\n");
    write_file(dir, "经济法/示例竞争法(2022-06-24).md",
               "# 中华人民共和国示例竞争法\n\n## 第四章 审查程序\n\n"
               "第二十五条 经营者集中达到申报标准的，应当事先申报。\n\n"
               "第二十六条 新法的其他规定。\n");
    write_file(dir, "经济法/示例价格法.md",
               "# 示例价格法\n\n第一条 经营者定价应当遵循公平原则，不得以集中定价排除竞争。\n");
    write_file(dir, "行政法规/示例管理条例.md",
               "---\ntitle: 示例管理条例\ndate: \"2021年3月5日\"\nstatus: 现行有效\nissuer: 国务院\n---\n"
               "# 示例管理条例\n\n第一条 经营者集中的申报材料由国务院有关部门规定。\n");
    write_file(dir, "行政法规/已废止条例(2001-01-01).md",
               "---\nstatus: 已废止\n---\n# 已废止条例\n\n第一条 经营者集中的旧规定。\n");
    /* Article 3 of two versions of one law (the old one scores higher on
    ** 纳税) and of a law of its own, for a citation without a name. */
    write_file(dir, "经济法/示例税法(2010-01-01).md",
               "# 示例税法\n\n第三条 纳税人应当纳税，纳税期限内纳税。\n");
    write_file(dir, "经济法/示例税法(2020-01-01).md",
               "# 示例税法\n\n第三条 纳税人依照本法缴纳税款，按期纳税。\n");
    write_file(dir, "经济法/示例海关法.md",
               "# 示例海关法\n\n第三条 进出口货物由海关监管，收货人依法纳税。\n");
    /* Versions adopted on one day and in force on a later one: the
    ** amended 2018 text keeps the first text's day (2006, before its own
    ** date), the 2023 revision names 2024-07-01; a front matter and a
    ** JSONL record say their day in force as "effective". */
    write_file(dir, "民法商法/示例公司法(2018-10-26).md",
               "# 示例公司法\n\n第一条 股东出资期限由章程规定。\n\n第二条 本法自2006年1月1日起施行。\n");
    write_file(dir, "民法商法/示例公司法(2023-12-29).md",
               "# 示例公司法\n\n第一条 股东出资期限不超过五年。\n\n第二条 本法自二〇二四年七月一日起施行。\n");
    write_file(dir, "民法商法/示例登记条例.md",
               "---\ndate: 2023-03-01\neffective: 2023-05-01\n---\n# 示例登记条例\n\n"
               "第一条 出资期限应当登记。\n\n第二条 本条例自公布之日起施行。\n");
    write_file(dir, "问答/notes.jsonl",
               "{\"id\": \"n1\", \"title\": \"出资期限答问\", \"text\": \"出资期限的答问。\", "
               "\"date\": \"2023-01-02\", \"effective\": \"2023-02-01\"}\n"
               /* untitled records: each its own day, none another's */
               "{\"id\": \"n2\", \"text\": \"出资期限 本办法自2023年5月1日起施行。\"}\n"
               "{\"id\": \"n3\", \"text\": \"出资期限 其他内容。\"}\n");
    /* one law in two undated files, the clause in one: every passage of it
    ** is in force from that day */
    write_file(dir, "民法典/示例典总则.md", "# 示例典\n\n第一条 出资期限的总则。\n");
    write_file(dir, "民法典/示例典附则.md", "# 示例典\n\n第九条 本法自2021年1月1日起施行。\n");
    /* Repeals (clause.h): a regulation repealed by a law in force from
    ** 2021; a law enacted again under the title another text repealed
    ** (the 2000 text repealed in 2010, the 2015 text not); a partial
    ** repeal and a quoted one, which repeal nothing. */
    write_file(dir, "渔业/示例渔业条例(2005-03-01).md",
               "# 示例渔业条例\n\n第一条 渔业捕捞许可由渔业主管部门发放。\n");
    write_file(dir, "渔业/示例渔港规定(2006-01-01).md",
               "# 示例渔港规定\n\n第一条 渔业捕捞船只进出渔港应当登记。\n");
    write_file(dir, "渔业/示例渔业法(2020-06-01).md",
               "# 中华人民共和国示例渔业法\n\n第一条 渔业捕捞实行许可制度。\n\n"
               "第二条 本法自2021年1月1日起施行，《示例渔业条例》（国务院令第1号）同时废止，"
               "《示例渔港规定》中有关登记的规定同时废止。\n");
    write_file(dir, "渔业/示例海域法(2000-01-01).md", "# 示例海域法\n\n第一条 渔业捕捞海域的使用应当审批。\n");
    write_file(dir, "渔业/示例海域法(2015-01-01).md", "# 示例海域法\n\n第一条 渔业捕捞海域的使用应当依法审批。\n");
    write_file(dir, "渔业/示例海岛法(2010-01-01).md",
               "# 示例海岛法\n\n第一条 渔业捕捞海岛周边应当保护。\n\n"
               "第二条 本法自公布之日起施行。1999年通过的《示例海域法》同时废止。"
               "第三条修改为：“《示例渔港规定》同时废止。”\n");
    /* A clause an amended text kept from its first text (示例乙法 of 2015
    ** repeats its 2000 text's): 示例甲条例 of 1995 repealed from 2000-06-01,
    ** its 2005 text not; an undated document's repeal reaches versions
    ** dated before its day only; a dated law repeals an undated one. */
    write_file(dir, "滩涂/示例甲条例(1995-01-01).md", "# 示例甲条例\n\n第一条 滩涂养殖应当登记。\n");
    write_file(dir, "滩涂/示例甲条例(2005-01-01).md", "# 示例甲条例\n\n第一条 滩涂养殖应当依法登记。\n");
    write_file(dir, "滩涂/示例乙法(2000-01-01).md",
               "# 示例乙法\n\n第一条 滩涂养殖实行许可。\n\n第九条 本法自2000年6月1日起施行，《示例甲条例》同时废止。\n");
    write_file(dir, "滩涂/示例乙法(2015-01-01).md",
               "# 示例乙法\n\n第一条 滩涂养殖依法实行许可。\n\n第九条 本法自2000年6月1日起施行，《示例甲条例》同时废止。\n");
    write_file(dir, "滩涂/示例丙规定(2005-01-01).md", "# 示例丙规定\n\n第一条 滩涂养殖的规定。\n");
    write_file(dir, "滩涂/示例丙规定(2010-01-01).md", "# 示例丙规定\n\n第一条 滩涂养殖的新规定。\n");
    write_file(dir, "滩涂/示例通知.md", "# 示例通知\n\n一、滩涂养殖的通知。\n\n二、本通知自2008年1月1日起施行。《示例丙规定》同时废止。\n");
    write_file(dir, "滩涂/示例丁办法.md", "# 示例丁办法\n\n第一条 滩涂养殖的办法。\n");
    write_file(dir, "滩涂/示例戊法(2012-01-01).md",
               "# 示例戊法\n\n第一条 滩涂养殖的法。\n\n第二条 本法自2012年3月1日起施行，《示例丁办法》同时废止。\n");
    write_file(dir, "问答/faq.jsonl",
               "{\"id\": \"q1\", \"title\": \"什么是经营者集中？\", \"text\": \"经营者集中包括合并和取得控制权。\", "
               "\"date\": \"2023-01-02\", \"url\": \"https://example.org/q1\", \"tags\": [\"竞争\", 1]}\n"
               "{\"id\": \"q2\", \"title\": \"申报\", \"text\": \"集中申报由国务院反垄断执法机构受理。\"}\n");
}

/* ------------------------------------------------------------- dates */

static void test_dates(void)
{
    uint32_t d = 0;
    CHECK(zhs_date_parse("2022-06-24", 10, &d) && d == 20220624);
    CHECK(zhs_date_parse(" \"2021/3/5\" ", 12, &d) && d == 20210305);
    const char *cn = "2021年3月5日";
    CHECK(zhs_date_parse(cn, strlen(cn), &d) && d == 20210305);
    CHECK(zhs_date_parse("2024.02.29", 10, &d) && d == 20240229);
    CHECK(!zhs_date_parse("2023-02-29", 10, &d));
    CHECK(!zhs_date_parse("2023-13-01", 10, &d));
    CHECK(!zhs_date_parse("2023-1", 6, &d));
    CHECK(!zhs_date_parse("20230101", 8, &d));
    CHECK(!zhs_date_parse("", 0, &d));
    char out[11];
    zhs_date_format(out, 20070830);
    CHECK_STR(out, "2007-08-30");
    zhs_date_format(out, 0);
    CHECK_STR(out, "");
}

/* Where a text says when its document takes effect (meta.h). */
static void test_clauses(void)
{
    static const struct {
        const char *text;
        int kind;
        uint32_t date;
    } cases[] = {
        {"第十条 本法自2024年7月1日起施行。", ZHS_EFFECTIVE_DATE, 20240701},
        {"本条例自公布之日起施行。", ZHS_EFFECTIVE_ITS_DATE, 0},
        {"本办法自印发之日起实施", ZHS_EFFECTIVE_ITS_DATE, 0},
        {"本实施细则自二〇二一年三月一日起施行。", ZHS_EFFECTIVE_DATE, 20210301},
        {"本规定自一九九五年十二月三十一日起执行。", ZHS_EFFECTIVE_DATE, 19951231},
        {"本规定自 2019 年 1 月 1 日起实施。", ZHS_EFFECTIVE_DATE, 20190101},
        {"本条例于1995年10月1日起施行。", ZHS_EFFECTIVE_DATE, 19951001},
        {"本自治条例自1990年5月1日起生效。", ZHS_EFFECTIVE_DATE, 19900501},
        {"本条例自２０２０年１月１日起施行", ZHS_EFFECTIVE_DATE, 20200101},
        /* without 起; a bracketed part, 《》 in the name; 元月; traditional */
        {"本规定自2021年7月1日施行。", ZHS_EFFECTIVE_DATE, 20210701},
        {"本规定（试行）自2020年3月1日起施行。", ZHS_EFFECTIVE_DATE, 20200301},
        {"本《办法》自2020年3月1日起施行。", ZHS_EFFECTIVE_DATE, 20200301},
        {"本办法自2022年元月1日起执行。", ZHS_EFFECTIVE_DATE, 20220101},
        {"本辦法自2022年1月1日起實施。", ZHS_EFFECTIVE_DATE, 20220101},
        /* after an article's label; the name with a 本 of its own inside */
        {"第六章附则第四十条本条例自2014年1月1日起施行。", ZHS_EFFECTIVE_DATE, 20140101},
        {"本安排自2001年9月15日起生效。本安排的修改文本自2020年3月1日起生效。", ZHS_EFFECTIVE_DATE, 20200301},
        /* a clause that dates something else than the document: an article,
        ** a contract in an annex, a period; 本 inside a word; quoted */
        {"本法自2019年2月1日起施行。本法第一条自2030年1月1日起施行。", ZHS_EFFECTIVE_DATE, 20190201},
        {"本法自2020年5月1日起施行。本条自2023年1月1日起施行。", ZHS_EFFECTIVE_DATE, 20200501},
        {"本办法自2025年1月1日起施行。附件：本合同自双方签字之日起生效。", ZHS_EFFECTIVE_DATE, 20250101},
        {"本规定所称的过渡期自2024年1月1日起执行", ZHS_EFFECTIVE_NONE, 0},
        {"基本医疗保险制度自2024年1月1日起施行", ZHS_EFFECTIVE_NONE, 0},
        {"成本核算办法自2024年1月1日起执行", ZHS_EFFECTIVE_NONE, 0},
        {"日本国政府于2024年1月1日起生效", ZHS_EFFECTIVE_NONE, 0},
        {"本解释自2020年3月1日起施行。该法第九十条规定：“本法自2026年1月1日起施行。”", ZHS_EFFECTIVE_DATE,
         20200301},
        /* a quotation of several paragraphs opens again in each: a paragraph
        ** after it is out of it */
        {"修改为：“第一款。\n“第二款。”\n本修正案自2024年3月1日起施行。", ZHS_EFFECTIVE_DATE, 20240301},
        {"修改为：“第一款。\n本修正案自2024年3月1日起施行。", ZHS_EFFECTIVE_DATE, 20240301},
        /* the last clause is the document's */
        {"本决定自2001年1月1日起施行。修正后的本法自2002年2月2日起施行。", ZHS_EFFECTIVE_DATE, 20020202},
        /* not a clause: another law named, no day, a day that is none, a
        ** name with punctuation in it, no 本 */
        {"《中华人民共和国民法典》自2021年1月1日起施行。", ZHS_EFFECTIVE_NONE, 0},
        {"本法施行前已登记设立的公司。", ZHS_EFFECTIVE_NONE, 0},
        {"本法自2023年2月30日起施行。", ZHS_EFFECTIVE_NONE, 0},
        {"本法，自2023年2月1日起施行。", ZHS_EFFECTIVE_NONE, 0},
        {"合同自成立之日起生效。", ZHS_EFFECTIVE_NONE, 0},
        {"本法自2020年度起施行", ZHS_EFFECTIVE_NONE, 0},
        {"起施行", ZHS_EFFECTIVE_NONE, 0},
        {"", ZHS_EFFECTIVE_NONE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t d = 0;
        int k = zhs_effective_clause(cases[i].text, strlen(cases[i].text), &d);
        CHECK_MSG(k == cases[i].kind && (k != ZHS_EFFECTIVE_DATE || d == cases[i].date),
                  "clause %zu (%s): kind %d date %u", i, cases[i].text, k, (unsigned)d);
    }
}

/* The documents a text repeals (clause.h): each title given, in order. */
static int collect(void *ctx, const char *t, size_t n)
{
    zhs_buf *b = ctx;
    if (b->len) zhs_buf_putc(b, '|');
    zhs_buf_append(b, t, n);
    return 0;
}

static void test_repeal_clauses(void)
{
    static const struct {
        const char *text, *titles;
    } cases[] = {
        {"第二十三条 本法自2004年1月1日起施行，《中华人民共和国居民身份证条例》同时废止。", "中华人民共和国居民身份证条例"},
        {"本条例自2020年1月1日起施行。1990年12月24日国务院发布、1994年10月9日国务院修订发布的《行政复议条例》同时废止。",
         "行政复议条例"},
        /* a bracketed document number; several titles, adjacent, joined,
        ** or each with its own description */
        {"本解释自公布之日起施行。《关于审理甲案件的解释》（法释〔2000〕11号）同时废止；此前的解释与本解释不一致的，以本解释为准。",
         "关于审理甲案件的解释"},
        {"《甲省水质保护条例》《甲省东江水系水质保护条例》同时废止。", "甲省水质保护条例|甲省东江水系水质保护条例"},
        {"《煤矿安全监察条例》和《国务院关于预防煤矿生产安全事故的特别规定》同时废止。",
         "煤矿安全监察条例|国务院关于预防煤矿生产安全事故的特别规定"},
        {"本规定自2022年7月1日起施行。2000年10月31日发布的《甲规定》、2001年11月7日发布的《乙办法》和2002年通过的《丙条例》同时废止。",
         "甲规定|乙办法|丙条例"},
        {"本规定自公布之日起施行，《乙规定》自本规定施行之日起即行废止。", "乙规定"},
        {"《丙办法》即行废止。", "丙办法"},
        {"本規定自2020年1月1日起施行，《甲市募捐條例》同時廢止。", "甲市募捐條例"},      /* traditional */
        /* a decision's items */
        {"某市人大常委会决定：\n\n一、废止《某市社会治安综合治理条例》（1992年9月19日通过）\n\n二、废止《某市邮政通信条例》\n",
         "某市社会治安综合治理条例|某市邮政通信条例"},
        {"决定废止《甲条例》和《乙条例》。", "甲条例|乙条例"},
        /* not a repeal of a whole document, or not this document's */
        {"《甲条例》中有关看守所的规定即行废止。", ""},
        {"《甲条例》中关于反倾销的规定同时废止。", ""},
        {"实施《某方案》需要制定、修改、废止地方性法规的，依照法定程序办理。", ""},
        {"全国人大常委会关于废止《劳动教养办法》的决定已经公布。", ""},
        {"废止《甲条例》第三条。", ""},
        {"第九十条修改为：“本法自2026年1月1日起施行，《乙条例》同时废止。”", ""},
        {"其他有关规定同时废止。", ""},
        /* a title cited before a comma is not repealed */
        {"根据《国务院关于修改部分行政法规的决定》，《甲条例》同时废止。", "甲条例"},
        {"决定废止《甲条例》，自公布之日起施行。", "甲条例"},
        /* a quotation does not reach past its paragraph, and many verbs
        ** in one paragraph are read once */
        {"“引文\n《乙条例》同时废止。", "乙条例"},
        {"“《甲条例》同时废止。”《乙条例》同时废止。", "乙条例"},
        {"同时废止", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zhs_buf b;
        zhs_buf_init(&b);
        zhs_repeal_clauses(cases[i].text, strlen(cases[i].text), collect, &b);
        CHECK_MSG(!strcmp(zhs_buf_cstr(&b), cases[i].titles), "repeal %zu (%s): got \"%s\"", i, cases[i].text,
                  zhs_buf_cstr(&b));
        zhs_buf_free(&b);
    }
}

/* ---------------------------------------------------------- reading */

static const zhs_passage *find(const zhs_document *doc, const char *text)
{
    for (size_t i = 0; i < doc->npassages; i++)
        if (strstr(doc->passages[i].text, text)) return &doc->passages[i];
    return NULL;
}

static void test_reading(const char *dir)
{
    zhs_error err = {0};
    zhs_corpus *c;
    const char *paths[] = {dir};
    CHECK_OK(zhs_corpus_open(&c, paths, 1, NULL, &err), err);
    const zhs_document *doc;
    int seen = 0;
    while (zhs_corpus_next(c, &doc, &err) == ZHS_OK) {
        const zhs_passage *p;
        if ((p = find(doc, "旧法的其他规定"))) {
            seen++;
            CHECK_STR(p->date, "2007-08-30");       /* from the file name */
            CHECK_STR(p->category, "经济法");         /* the first folder */
            CHECK_STR(p->status, "");
            CHECK_STR(p->extra, "");
        }
        if ((p = find(doc, "集中定价"))) {
            seen++;
            CHECK_STR(p->date, "");                 /* no date anywhere */
        }
        if ((p = find(doc, "申报材料"))) {
            seen++;
            CHECK_STR(p->date, "2021-03-05");       /* front matter, normalised */
            CHECK_STR(p->status, "现行有效");
            CHECK_STR(p->issuer, "国务院");
            CHECK_STR(p->category, "行政法规");
            CHECK(p->line == 9);                    /* front matter lines still count */
        }
        if ((p = find(doc, "合并和取得控制权"))) {
            seen++;
            CHECK_STR(p->id, "q1");
            CHECK_STR(p->date, "2023-01-02");       /* a JSONL member */
            CHECK_STR(p->category, "问答");
            CHECK_STR(p->extra, "{\"url\":\"https://example.org/q1\",\"tags\":[\"竞争\", 1]}");
        }
        if ((p = find(doc, "反垄断执法机构受理"))) {
            seen++;
            CHECK_STR(p->extra, "");                /* the next record starts afresh */
            CHECK_STR(p->date, "");
        }
    }
    CHECK(err.code == 0);
    CHECK_MSG(seen == 5, "found %d of the 5 passages", seen);
    zhs_corpus_close(c);
}

/* ---------------------------------------------------------- searching */

static int build(const char *idx, const char *corpus, zhs_analyzer *an, int engine, unsigned shards,
                 zhs_error *err)
{
    zhs_writer_options wo = ZHS_WRITER_OPTIONS_INIT;
    wo.engine = engine;
    wo.shards = shards;
    zhs_writer *w;
    if (zhs_writer_open(&w, idx, an, &wo, err)) return err->code;
    zhs_corpus *c;
    const char *paths[] = {corpus};
    if (zhs_corpus_open(&c, paths, 1, NULL, err)) {
        zhs_writer_close(w);
        return err->code;
    }
    const zhs_document *doc;
    while (zhs_corpus_next(c, &doc, err) == ZHS_OK)
        for (size_t i = 0; i < doc->npassages; i++) zhs_writer_add(w, &doc->passages[i], err);
    zhs_corpus_close(c);
    zhs_writer_commit(w, err);
    zhs_writer_close(w);
    return err->code;
}

typedef struct shown {
    size_t n;
    char what[32][160];         /* "label date" of each hit */
    uint64_t matches;
} shown;

static int run(shown *s, zhs_index *ix, zhs_analyzer *an, const char *q, const zhs_search_options *o, zhs_error *err)
{
    memset(s, 0, sizeof *s);
    zhs_results *r;
    if (zhs_index_search(&r, ix, an, q, o, err)) return err->code;
    s->matches = zhs_results_matches(r);
    for (size_t i = 0; i < zhs_results_count(r) && i < 32; i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        zhs_passage p;
        zhs_version_info v;
        if (zhs_results_passage(&p, r, h->doc, err) || zhs_results_version(&v, r, h->doc, err)) break;
        CHECK_STR(v.date, p.date);
        snprintf(s->what[s->n++], sizeof s->what[0], "%s%s %s", p.title, p.label, p.date);
    }
    zhs_results_free(r);
    return err->code;
}

static bool has(const shown *s, const char *what)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->what[i], what) == 0) return true;
    return false;
}

#define OLD "中华人民共和国示例竞争法第二十条 2007-08-30"
#define NEW "中华人民共和国示例竞争法第二十五条 2022-06-24"

static void test_search(const char *idx, zhs_analyzer *an, const char *engine)
{
    zhs_error err = {0};
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (err.code) return;
    shown s;
    for (int exhaustive = 0; exhaustive < 2; exhaustive++) {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        o.exhaustive = exhaustive;
        o.k = 1;
        /* Default: the newest version only; the old one, which scores
        ** higher, never takes the one place. */
        CHECK_OK(run(&s, ix, an, "title:示例竞争法 经营者集中", &o, &err), err);
        CHECK_MSG(s.n == 1 && !strcmp(s.what[0], NEW), "%s: default k=1 gives %s", engine, s.n ? s.what[0] : "nothing");
        o.k = 20;
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK_MSG(has(&s, NEW) && !has(&s, OLD), "%s: default shows the old version", engine);
        CHECK(has(&s, "示例价格法第一条 "));           /* undated: always shown */
        o.all_versions = 1;
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK_MSG(has(&s, NEW) && has(&s, OLD), "%s: all versions misses one", engine);
        CHECK_OK(run(&s, ix, an, "title:示例竞争法 经营者集中", &o, &err), err);
        CHECK_STR(s.what[0], OLD);
        o.all_versions = 0;
        o.as_of = "2020-01-01";
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK_MSG(has(&s, OLD) && !has(&s, NEW), "%s: as of 2020 is not the 2007 text", engine);
        CHECK(!has(&s, "示例管理条例第一条 2021-03-05"));   /* not yet enacted */
        o.as_of = "2000-01-01";
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK(!has(&s, OLD) && !has(&s, NEW) && has(&s, "示例价格法第一条 "));
        o.as_of = "2020-13-01";
        CHECK(run(&s, ix, an, "经营者集中", &o, &err) == ZHS_EINVAL);
        zhs_error_clear(&err);
        o.as_of = NULL;

        /* Filters, from the options and from the query. */
        o.filter = "date>=2021-01-01";
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK(has(&s, NEW) && has(&s, "示例管理条例第一条 2021-03-05") && !has(&s, "示例价格法第一条 "));
        o.filter = "date<2021-03-05 ; category=行政法规";
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK_MSG(s.n == 1 && !strcmp(s.what[0], "已废止条例第一条 2001-01-01"), "%s: %zu hits", engine, s.n);
        o.filter = "status=现行有效";
        CHECK_OK(run(&s, ix, an, "经营者集中", &o, &err), err);
        CHECK(s.n == 1 && !strcmp(s.what[0], "示例管理条例第一条 2021-03-05"));
        o.filter = "category=没有的类别";
        CHECK(run(&s, ix, an, "经营者集中", &o, &err) == ZHS_OK && s.n == 0);
        o.filter = "colour=red";
        CHECK(run(&s, ix, an, "经营者集中", &o, &err) == ZHS_EQUERY);
        CHECK(strstr(err.message, "colour=red") != NULL);
        zhs_error_clear(&err);
        o.filter = "status>现行有效";
        CHECK(run(&s, ix, an, "经营者集中", &o, &err) == ZHS_EQUERY);
        zhs_error_clear(&err);
        o.filter = NULL;
        CHECK_OK(run(&s, ix, an, "经营者集中 category:行政法规", &o, &err), err);
        CHECK(s.n == 2 && has(&s, "已废止条例第一条 2001-01-01"));
        CHECK_OK(run(&s, ix, an, "+集中 status:已废止 -合并", &o, &err), err);
        CHECK(s.n == 1);
        CHECK(run(&s, ix, an, "category:行政法规", &o, &err) == ZHS_EQUERY);   /* nothing to search */
        zhs_error_clear(&err);

        /* Grouping: one passage per law (title and version). */
        o.all_versions = 1;
        o.group_size = 1;
        CHECK_OK(run(&s, ix, an, "经营者集中 规定", &o, &err), err);
        for (size_t i = 0; i < s.n; i++)
            for (size_t j = 0; j < i; j++) {
                const char *a = strchr(s.what[i], ' '), *b = strchr(s.what[j], ' ');
                bool same_law = !strncmp(s.what[i], s.what[j], 12) && !strcmp(a, b);
                CHECK_MSG(!same_law, "%s: %s and %s are of one law", engine, s.what[i], s.what[j]);
            }
        size_t groups = s.n;
        o.group_size = 2;
        CHECK_OK(run(&s, ix, an, "经营者集中 规定", &o, &err), err);
        CHECK(s.n > groups);
        o.group_size = 1;
        o.k = 2;
        CHECK_OK(run(&s, ix, an, "经营者集中 规定", &o, &err), err);
        CHECK(s.n == 2);
    }

    /* A bare article (no law named) over every version: the cited
    ** passages come first, an older version of a law after the newest and
    ** after every other law's, though it scores highest; with the newest
    ** versions only it is not there.  cite.c reads the stored records of
    ** the hits whose title another hit has, and no other. */
    for (int exhaustive = 0; exhaustive < 2; exhaustive++) {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        o.exhaustive = exhaustive;
        o.all_versions = 1;
        o.k = 10;
        const char *tax_old = "示例税法第三条 2010-01-01", *tax_new = "示例税法第三条 2020-01-01",
                   *customs = "示例海关法第三条 ";
        CHECK_OK(run(&s, ix, an, "纳税", &o, &err), err);
        CHECK_MSG(s.n >= 3 && !strcmp(s.what[0], tax_old), "%s: 纳税 ranks %s first", engine, s.n ? s.what[0] : "nothing");
        CHECK_OK(run(&s, ix, an, "第三条 纳税", &o, &err), err);
        CHECK_MSG(s.n >= 3 && !strcmp(s.what[2], tax_old) && has(&s, tax_new) && has(&s, customs),
                  "%s: 第三条 纳税 gives %s, %s, %s", engine, s.n > 0 ? s.what[0] : "", s.n > 1 ? s.what[1] : "",
                  s.n > 2 ? s.what[2] : "");
        o.all_versions = 0;
        CHECK_OK(run(&s, ix, an, "第三条 纳税", &o, &err), err);
        CHECK_MSG(s.n >= 2 && has(&s, tax_new) && has(&s, customs) && !has(&s, tax_old), "%s: 第三条 纳税, newest only",
                  engine);
        /* two laws' article 3 (no title shared: no record read) before
        ** the passages that score far higher on the other words */
        CHECK_OK(run(&s, ix, an, "第三条 经营者集中", &o, &err), err);
        CHECK_MSG(s.n >= 3 && !strncmp(s.what[0], "示例", 6) && strstr(s.what[0], "第三条") &&
                      strstr(s.what[1], "第三条") && !strstr(s.what[2], "第三条"),
                  "%s: 第三条 经营者集中 gives %s, %s, %s", engine, s.n > 0 ? s.what[0] : "", s.n > 1 ? s.what[1] : "",
                  s.n > 2 ? s.what[2] : "");
    }

    /* Version-1 options (an older caller) never read the new fields. */
    zhs_search_options v1 = ZHS_SEARCH_OPTIONS_INIT;
    v1.version = 1;
    v1.filter = "nonsense";
    v1.k = 20;
    CHECK_OK(run(&s, ix, an, "经营者集中", &v1, &err), err);
    CHECK(has(&s, NEW) && !has(&s, OLD));
    zhs_index_close(ix);
}

/* The version-1 index in tests/data was built by zhsearch before
** metadata (commit eeaddd3): it still opens and reads, with empty
** metadata, and asking it for a filter says to rebuild. */
/* The title and date of the hits of q, with the day each is in force
** from ("示例公司法 2018-10-26 2018-10-26"), or with the day it is
** repealed, by which title and version ("示例渔业条例 2005-03-01 2021-01-01
** 示例渔业法 2020-06-01"; "示例渔港规定 2006-01-01   " when it is not). */
static int run_versions(shown *s, zhs_index *ix, zhs_analyzer *an, const char *q, const zhs_search_options *o,
                        bool repeals, zhs_error *err)
{
    memset(s, 0, sizeof *s);
    zhs_results *r;
    if (zhs_index_search(&r, ix, an, q, o, err)) return err->code;
    for (size_t i = 0; i < zhs_results_count(r) && i < 32; i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        zhs_passage p;
        char since[11];
        zhs_repeal_info x;
        if (zhs_results_passage(&p, r, h->doc, err) || zhs_results_in_force(since, r, h->doc, err) ||
            zhs_results_repealed(&x, r, h->doc, err))
            break;
        if (repeals)
            snprintf(s->what[s->n++], sizeof s->what[0], "%.60s %s %s %.60s %s", p.title, p.date, x.day, x.by,
                     x.by_date);
        else
            snprintf(s->what[s->n++], sizeof s->what[0], "%s %s %s", p.title, p.date, since);
    }
    zhs_results_free(r);
    return err->code;
}

static int run_in_force(shown *s, zhs_index *ix, zhs_analyzer *an, const char *q, const zhs_search_options *o,
                        zhs_error *err)
{
    return run_versions(s, ix, an, q, o, false, err);
}

static int run_repealed(shown *s, zhs_index *ix, zhs_analyzer *an, const char *q, const zhs_search_options *o,
                        zhs_error *err)
{
    return run_versions(s, ix, an, q, o, true, err);
}

/* The version in force on a day is the newest in force by then, from the
** day its text or its metadata names, never before its date. */
static void test_in_force(const char *idx, zhs_analyzer *an, const char *engine)
{
    zhs_error err = {0};
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (err.code) return;
    shown s;
    zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
    o.k = 20;
    const char *v18 = "示例公司法 2018-10-26 2018-10-26", *v23 = "示例公司法 2023-12-29 2024-07-01";
    CHECK_OK(run_in_force(&s, ix, an, "出资期限", &o, &err), err);
    CHECK_MSG(has(&s, v23) && !has(&s, v18), "%s: the default is not the newest version", engine);
    CHECK_MSG(has(&s, "示例登记条例 2023-03-01 2023-05-01") && has(&s, "出资期限答问 2023-01-02 2023-02-01"),
              "%s: a front matter's or a record's effective not read", engine);
    CHECK_MSG(has(&s, "notes  2023-05-01") && has(&s, "notes  "), "%s: undated records' days, each its own", engine);
    CHECK_MSG(has(&s, "示例典  2021-01-01"), "%s: a law's file without the clause has the law's day", engine);
    o.as_of = "2024-03-01";     /* adopted, not yet in force */
    CHECK_OK(run_in_force(&s, ix, an, "出资期限", &o, &err), err);
    CHECK_MSG(has(&s, v18) && !has(&s, v23), "%s: as of 2024-03-01 is not the 2018 text", engine);
    CHECK_MSG(has(&s, "示例登记条例 2023-03-01 2023-05-01"), "%s: as of 2024 hides the regulation", engine);
    o.as_of = "2024-07-01";
    CHECK_OK(run_in_force(&s, ix, an, "出资期限", &o, &err), err);
    CHECK_MSG(has(&s, v23) && !has(&s, v18), "%s: as of 2024-07-01 is not the 2023 text", engine);
    o.as_of = "2023-04-01";     /* dated, in force a month later */
    CHECK_OK(run_in_force(&s, ix, an, "出资期限", &o, &err), err);
    CHECK_MSG(!has(&s, "示例登记条例 2023-03-01 2023-05-01") && has(&s, v18), "%s: as of 2023-04-01", engine);
    o.as_of = "2018-01-01";     /* the 2018 text is not in force before its date */
    CHECK_OK(run_in_force(&s, ix, an, "出资期限", &o, &err), err);
    CHECK_MSG(!has(&s, v18) && !has(&s, v23), "%s: as of 2018-01-01 shows a version", engine);
    o.as_of = NULL;
    o.all_versions = 1;
    o.filter = "effective>=2024-01-01";
    CHECK_OK(run_in_force(&s, ix, an, "出资期限", &o, &err), err);
    CHECK_MSG(s.n == 1 && has(&s, v23), "%s: effective>=2024-01-01 gives %zu hits", engine, s.n);
    o.filter = NULL;
    CHECK_OK(run_in_force(&s, ix, an, "\"出资期限\" effective<2019-01-01", &o, &err), err);
    CHECK_MSG(s.n == 1 && has(&s, v18), "%s: effective<2019 in the query gives %zu hits (%s)", engine, s.n, s.what[s.n > 1]);
    zhs_index_close(ix);
}

/* A document another one's text repeals is out of force from the day the
** repealing version is in force: it is found by default, says so, and a
** search as of a day after does not find it. */
static void test_repeals(const char *idx, zhs_analyzer *an, const char *engine)
{
    zhs_error err = {0};
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (err.code) return;
    shown s;
    zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
    o.k = 20;
    o.all_versions = 1;
    const char *reg = "示例渔业条例 2005-03-01 2021-01-01 中华人民共和国示例渔业法 2020-06-01",
               *sea00 = "示例海域法 2000-01-01 2010-01-01 示例海岛法 2010-01-01";
    CHECK_OK(run_repealed(&s, ix, an, "渔业捕捞", &o, &err), err);
    CHECK_MSG(has(&s, reg) && has(&s, sea00), "%s: the repealed documents (%zu hits)", engine, s.n);
    CHECK_MSG(has(&s, "示例海域法 2015-01-01   ") && has(&s, "示例渔港规定 2006-01-01   ") &&
                  has(&s, "中华人民共和国示例渔业法 2020-06-01   "),
              "%s: a law enacted again, a partial or quoted repeal, or the repealing law is repealed", engine);
    o.all_versions = 0;
    o.as_of = "2020-12-31";
    CHECK_OK(run_repealed(&s, ix, an, "渔业捕捞", &o, &err), err);
    CHECK_MSG(has(&s, reg) && !has(&s, "中华人民共和国示例渔业法 2020-06-01   "),
              "%s: as of 2020-12-31 the regulation is in force, the law not yet", engine);
    o.as_of = "2021-01-01";
    CHECK_OK(run_repealed(&s, ix, an, "渔业捕捞", &o, &err), err);
    CHECK_MSG(!has(&s, reg) && has(&s, "中华人民共和国示例渔业法 2020-06-01   ") && has(&s, "示例渔港规定 2006-01-01   "),
              "%s: as of 2021-01-01 the regulation is repealed", engine);
    o.as_of = "2012-01-01";     /* the 2000 text repealed, the 2015 one not yet enacted */
    CHECK_OK(run_repealed(&s, ix, an, "渔业捕捞", &o, &err), err);
    CHECK_MSG(!has(&s, sea00) && !has(&s, "示例海域法 2015-01-01   "), "%s: 示例海域法 as of 2012", engine);
    o.as_of = "2009-12-31";
    CHECK_OK(run_repealed(&s, ix, an, "渔业捕捞", &o, &err), err);
    CHECK_MSG(has(&s, sea00), "%s: 示例海域法 as of 2009", engine);
    o.as_of = "2016-01-01";
    CHECK_OK(run_repealed(&s, ix, an, "渔业捕捞", &o, &err), err);
    CHECK_MSG(has(&s, "示例海域法 2015-01-01   ") && !has(&s, sea00), "%s: 示例海域法 as of 2016", engine);

    o.as_of = NULL;
    o.all_versions = 1;
    o.k = 30;
    CHECK_OK(run_repealed(&s, ix, an, "滩涂养殖", &o, &err), err);
    CHECK_MSG(has(&s, "示例甲条例 1995-01-01 2000-06-01 示例乙法 2000-01-01") && has(&s, "示例甲条例 2005-01-01   "),
              "%s: a repeal an amended text kept counts from its first text", engine);
    CHECK_MSG(has(&s, "示例丙规定 2005-01-01 2008-01-01 示例通知 ") && has(&s, "示例丙规定 2010-01-01   "),
              "%s: an undated document's repeal", engine);
    CHECK_MSG(has(&s, "示例丁办法  2012-03-01 示例戊法 2012-01-01"), "%s: a dated law repeals an undated one", engine);
    o.all_versions = 0;
    o.as_of = "2012-03-01";
    CHECK_OK(run_repealed(&s, ix, an, "滩涂养殖", &o, &err), err);
    CHECK_MSG(!has(&s, "示例丁办法  2012-03-01 示例戊法 2012-01-01") && has(&s, "示例甲条例 2005-01-01   "),
              "%s: as of its repeal an undated document is not found", engine);
    o.as_of = "2012-02-29";
    CHECK_OK(run_repealed(&s, ix, an, "滩涂养殖", &o, &err), err);
    CHECK_MSG(has(&s, "示例丁办法  2012-03-01 示例戊法 2012-01-01"), "%s: an undated document before its repeal", engine);
    zhs_index_close(ix);
}

/* A metadata table of formats 9 and 10 (ZHSMETA2: runs of 24 bytes, no
** day in force) still loads: its versions are in force from their dates. */
static void test_meta_v2(void)
{
    zhs_buf b;
    zhs_buf_init(&b);
    uint32_t head[] = {2, 1, 1, 0};       /* 2 runs, 1 group, the string "" */
    for (int i = 0; i < 4; i++) zhs_buf_put_u32(&b, head[i]);
    uint32_t runs[2][6] = {{0, 0, 20180101, 0, 0, 0}, {3, 0, 20230101, 0, 0, 0}};
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 6; k++) zhs_buf_put_u32(&b, runs[r][k]);
    char path[4200];
    snprintf(path, sizeof path, "%s/g1.meta", zt_tmpdir());
    zhs_error err = {0};
    CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_META_V2, b.data, b.len, &err), err);
    zhs_meta m;
    CHECK_OK(zhs_meta_load(&m, path, 5, &err), err);
    if (!err.code) {
        CHECK(m.nruns == 2 && m.runs[1].in_force == 0 && m.group_off[1] == 2 && !m.has_in_force);
        CHECK(m.dates[0] == 20230101 && m.in_force[0] == 20230101 && m.in_force[1] == 20180101);
        zhs_meta_free(&m);
    }
    /* the same runs read as 40-byte ones are damage, not a misread */
    CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_META, b.data, b.len, &err), err);
    CHECK(zhs_meta_load(&m, path, 5, &err) == ZHS_ECORRUPT);
    zhs_error_clear(&err);
    /* format 11's runs (ZHSMETA3, 28 bytes: a day in force, no repeals) */
    zhs_buf_reset(&b);
    for (int i = 0; i < 4; i++) zhs_buf_put_u32(&b, head[i]);
    uint32_t runs3[2][7] = {{0, 0, 20180101, 0, 0, 0, 20180601}, {3, 0, 20230101, 0, 0, 0, 0}};
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 7; k++) zhs_buf_put_u32(&b, runs3[r][k]);
    CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_META_V3, b.data, b.len, &err), err);
    CHECK_OK(zhs_meta_load(&m, path, 5, &err), err);
    if (!err.code) {
        CHECK(m.has_in_force && !m.has_repeals && m.runs[0].in_force == 20180601 && m.runs[0].repealed == 0);
        CHECK(m.in_force[1] == 20180601 && m.repealed[0] == 0 && m.repealed[1] == 0);
        zhs_meta_free(&m);
    }
    CHECK_OK(zhs_ztable_write(NULL, path, ZHS_MAGIC_META, b.data, b.len, &err), err);
    CHECK(zhs_meta_load(&m, path, 5, &err) == ZHS_ECORRUPT);
    zhs_error_clear(&err);
    zhs_buf_free(&b);
}

static void test_old_index(zhs_analyzer *an)
{
    zhs_error err = {0};
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, zt_src("tests/data/v1-index"), &err), err);
    if (err.code) return;
    zhs_results *r;
    CHECK_OK(zhs_index_results(&r, ix, &err), err);
    zhs_passage p;
    CHECK_OK(zhs_results_passage(&p, r, 0, &err), err);
    CHECK_STR(p.title, "示例条例");
    CHECK_STR(p.label, "第一条");
    CHECK_STR(p.date, "");
    CHECK_STR(p.extra, "");
    zhs_version_info v;
    CHECK_OK(zhs_results_version(&v, r, 0, &err), err);
    CHECK(v.versions == 0 && v.date[0] == 0);
    zhs_results_free(r);
    zhs_analyzer *ian = NULL;
    /* The analyzer may have moved on since the fixture was built: then
    ** only the reading above is checked. */
    if (zhs_index_check_analyzer(ix, an, NULL) == ZHS_OK) {
        shown s;
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        CHECK_OK(run(&s, ix, an, "示例", &o, &err), err);
        CHECK(s.n == 2);
        o.filter = "category=行政法规";
        CHECK(run(&s, ix, an, "示例", &o, &err) == ZHS_EVERSION);
        CHECK(strstr(err.message, "rebuild the index") != NULL);
        zhs_error_clear(&err);
    } else {
        printf("the v1 fixture's analyzer differs from this build's: search not checked\n");
    }
    zhs_analyzer_close(ian);
    zhs_index_close(ix);
}

/* The score of the hit "title+label" for q (-1: not among the hits). */
static double score_of(zhs_index *ix, zhs_analyzer *an, const char *q, const zhs_search_options *o, const char *what)
{
    zhs_results *r;
    zhs_error err = {0};
    double sc = -1;
    CHECK_OK(zhs_index_search(&r, ix, an, q, o, &err), err);
    if (err.code) return -1;
    for (size_t i = 0; i < zhs_results_count(r); i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        zhs_passage p;
        char name[200];
        if (zhs_results_passage(&p, r, h->doc, &err)) break;
        snprintf(name, sizeof name, "%s%s", p.title, p.label);
        if (!strcmp(name, what)) {
            sc = h->score;
            /* the explanation says the same */
            zhs_explanation ex;
            CHECK(zhs_results_explain(&ex, r, h->doc, &err) == ZHS_OK && ex.score == h->score);
        }
    }
    zhs_results_free(r);
    return sc;
}

/* The document prior (query/prior.c): a passage of a national law (经济法)
** scores 1.2 times its plain score, a regulation's (行政法规) keeps it, the
** same pruned and exhaustive.  One word: no proximity bonus to tell apart. */
static void test_prior(const char *idx, zhs_analyzer *an)
{
    zhs_error err = {0};
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (err.code) return;
    const char *law = "中华人民共和国示例竞争法第二十五条", *reg = "示例管理条例第一条";
    for (int exhaustive = 0; exhaustive < 2; exhaustive++) {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT, plain = ZHS_SEARCH_OPTIONS_INIT;
        o.exhaustive = plain.exhaustive = exhaustive;
        plain.proximity = -1;
        double lr = score_of(ix, an, "申报", &o, law), lp = score_of(ix, an, "申报", &plain, law);
        double rr = score_of(ix, an, "申报", &o, reg), rp = score_of(ix, an, "申报", &plain, reg);
        CHECK_MSG(lp > 0 && lr == lp * 1.2, "prior: national law %.17g, plain %.17g", lr, lp);
        CHECK_MSG(rp > 0 && rr == rp, "prior: regulation %.17g, plain %.17g", rr, rp);
    }
    zhs_index_close(ix);
}

int main(void)
{
    test_dates();
    test_clauses();
    test_repeal_clauses();
    test_meta_v2();
    const char *corpus = zt_tmpdir();
    make_corpus(corpus);
    test_reading(corpus);
    zhs_error err = {0};
    zhs_analyzer *an;
    if (zhs_analyzer_open(&an, NULL, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/native", zt_tmpdir());
    CHECK_OK(build(idx, corpus, an, ZHS_ENGINE_NATIVE, 1, &err), err);
    test_search(idx, an, "native");
    test_in_force(idx, an, "native");
    test_repeals(idx, an, "native");
    test_prior(idx, an);
    int xe;
    if (zhs_engine_from_name(&xe, "xapian", NULL) == ZHS_OK) {
        snprintf(idx, sizeof idx, "%s/xapian", zt_tmpdir());
        CHECK_OK(build(idx, corpus, an, ZHS_ENGINE_XAPIAN, 1, &err), err);
        test_search(idx, an, "xapian");
        test_in_force(idx, an, "xapian");
        test_repeals(idx, an, "xapian");
        /* Several shards: hidden passages are dropped after the search. */
        snprintf(idx, sizeof idx, "%s/xapian3", zt_tmpdir());
        CHECK_OK(build(idx, corpus, an, ZHS_ENGINE_XAPIAN, 3, &err), err);
        test_search(idx, an, "xapian, 3 shards");
    } else {
        printf("no Xapian engine in this build: its part skipped\n");
    }
    test_old_index(an);
    zhs_analyzer_close(an);
    return zt_done("test_meta");
}
