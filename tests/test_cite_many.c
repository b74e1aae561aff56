/*
** test_cite_many.c — citations that name several articles (数据安全法第四十条、
** 第四十一条; 第四十条至第四十二条; two laws in one query) and citations by a
** title that names another law in 《》 (东岚省实施《中华人民共和国数据安全法》
** 办法第四十条) or by an interpretation's short name (数据安全法司法解释（二）
** 第三条), on a corpus written here: a national law, two provinces'
** implementing measures of it, a second law and two numbered judicial
** interpretations of the first, all with the same article numbers; the
** second law in two versions that write their labels differently.
**
** Each query's top hits must be the cited articles of the cited titles, in
** the order cited, and the pruned search must give what the exhaustive one
** gives, hit for hit and score for score.
*/
#include "harness.h"
#include "common.h"
#include "zhs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cn[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 第N条 for 1 <= N <= 99; arabic: 第21条 */
static void article_label(char *out, size_t n, int a, bool arabic)
{
    if (arabic) snprintf(out, n, "第%d条", a);
    else if (a < 10) snprintf(out, n, "第%s条", cn[a]);
    else if (a < 20) snprintf(out, n, "第十%s条", cn[a % 10]);
    else snprintf(out, n, "第%s十%s条", cn[a / 10], cn[a % 10]);
}

/* A law of `articles` articles under title; each article's text draws on
** words so that the laws share their vocabulary. */
static void write_law(const char *dir, const char *file, const char *title, int articles, int salt, bool arabic)
{
    static const char *const words[] = {"数据处理者", "应当", "建立健全", "安全管理制度", "重要数据", "风险评估",
                                        "有关主管部门", "责令改正", "给予警告", "处理活动", "个人信息", "公共利益"};
    const size_t nw = sizeof words / sizeof *words;
    zhs_buf t = {0};
    zhs_buf_printf(&t, "# %s\n\n", title);
    for (int a = 1; a <= articles; a++) {
        char label[32];
        article_label(label, sizeof label, a, arabic);
        zhs_buf_printf(&t, "%s %s%s，%s%s。\n\n", label, words[(size_t)(a + salt) % nw], words[(size_t)(a * 3) % nw],
                       words[(size_t)(a * 5 + salt) % nw], words[(size_t)(a * 7) % nw]);
    }
    zt_write_bytes(dir, file, t.data, t.len);
    zhs_buf_free(&t);
}

static const char *const LAW = "中华人民共和国数据安全法";
static const char *const DONGLAN = "东岚省实施《中华人民共和国数据安全法》办法";
static const char *const XILING = "西岭省实施《中华人民共和国数据安全法》办法";
static const char *const NET = "中华人民共和国网络安全法";
static const char *const JI1 = "最高人民法院关于适用《中华人民共和国数据安全法》若干问题的解释（一）";
static const char *const JI2 = "最高人民法院关于适用《中华人民共和国数据安全法》若干问题的解释（二）";
static const char *const JG = "最高人民法院关于适用《中华人民共和国数据安全法》的解释";
static const char *const JGS = "最高人民法院关于适用《中华人民共和国数据安全法》审判监督程序若干问题的解释";
static const char *const XF = "中华人民共和国刑法";
static const char *const ARB = "中华人民共和国网络数据争议调解仲裁法";
static const char *const ARB0 = "中华人民共和国仲裁法";

typedef struct want {
    const char *title;
    int article;
} want;

static const struct {
    const char *query;
    want top[4];            /* the first hits, in order; title NULL ends */
} cases[] = {
    /* a title that holds 《another law》: that title, not the law */
    {"东岚省实施《中华人民共和国数据安全法》办法第四十条", {{DONGLAN, 40}}},
    {"西岭省实施《中华人民共和国数据安全法》办法第三条", {{XILING, 3}}},
    {"东岚省实施《数据安全法》办法第十二条", {{DONGLAN, 12}}},      /* 中华人民共和国 left out */
    {"最高人民法院关于适用《中华人民共和国数据安全法》若干问题的解释（二）第三条", {{JI2, 3}}},
    {"最高人民法院关于适用《中华人民共和国数据安全法》若干问题的解释（一）第三条", {{JI1, 3}}},
    /* an interpretation by its short name */
    {"数据安全法司法解释（二）第三条", {{JI2, 3}}},
    {"数据安全法解释一第三条", {{JI1, 3}}},
    {"《数据安全法》司法解释(2)第四条", {{JI2, 4}}},
    {"数据安全法司法解释（二）第三条、第五条", {{JI2, 3}, {JI2, 5}}},
    {"根据数据安全法司法解释（二）第三条", {{JI2, 3}}},            /* words before it */
    {"《数据安全法司法解释（一）》第三条", {{JI1, 3}}},
    {"请问数安法解释二第四条", {{JI2, 4}}},                        /* an alias, words before */
    {"根据数安法第七条", {{LAW, 7}}},
    {"数据安全法解释第六条", {{JG, 6}}},                         /* the general one: the shortest title */
    {"数安法司法解释第六条", {{JG, 6}}},
    /* the law itself, in 《》 or not */
    {"《中华人民共和国数据安全法》第四十条", {{LAW, 40}}},
    {"根据《数据安全法》第七条", {{LAW, 7}}},
    /* several articles: in the order cited */
    {"数据安全法第四十条、第四十一条", {{LAW, 40}, {LAW, 41}}},
    {"数据安全法第41条和第40条", {{LAW, 41}, {LAW, 40}}},
    {"数据安全法第四十条至第四十三条", {{LAW, 40}, {LAW, 41}, {LAW, 42}, {LAW, 43}}},
    {"数据安全法第二十条 网络安全法第二十一条", {{LAW, 20}, {NET, 21}}},
    {"数据安全法第40-42条", {{LAW, 40}, {LAW, 41}, {LAW, 42}}},
    {"数据安全法第四十、四十一条", {{LAW, 40}, {LAW, 41}}},
    {"数据安全法第42条至第40条", {{LAW, 42}, {LAW, 41}, {LAW, 40}}},
    {"网络安全法第二十一条和数据安全法第五条", {{NET, 21}, {LAW, 5}}},
    {"东岚省实施《数据安全法》办法第八条、第九条", {{DONGLAN, 8}, {DONGLAN, 9}}},
    /* a name written short: the title with its characters in order, not
    ** the law its end names (仲裁法) */
    {"网络数据仲裁法第十二条", {{ARB, 12}}},
    {"网络争议仲裁法第三条", {{ARB, 3}}},
    /* the same after a lead-in word the name is shortened from */
    {"根据网络争议仲裁法第三条", {{ARB, 3}}},
    /* an alias in traditional characters: looked up as the analyzer folds it */
    {"網安法第二十一條", {{NET, 21}}},
    /* an article number without 第 straight after the law's name */
    {"数据安全法20条", {{LAW, 20}}},
    {"《数据安全法》7条 规定", {{LAW, 7}}},
    {"数据安全法四十条、41条", {{LAW, 40}, {LAW, 41}}},
    /* a crime's name cites the article the corpus's list of names gives it,
    ** the longest name first; the second name of a joined entry too; a
    ** supplement's table row */
    {"示范诈骗罪判几年", {{XF, 21}}},
    {"合同示范诈骗罪", {{XF, 25}}},
    {"玩忽示范罪 立案", {{XF, 22}}},
    {"滥用示范罪", {{XF, 22}}},
    {"新示范罪", {{XF, 24}}},
    {"示範詐騙罪", {{XF, 21}}},
    /* names in the order typed; an excluded name cites nothing, nor does a
    ** name made of two parts' ends (合同 示范诈骗罪 is 示范诈骗罪) */
    {"滥用示范罪 示范诈骗罪", {{XF, 22}, {XF, 21}}},
    {"合同 示范诈骗罪", {{XF, 21}}},
    {"根據數安法第七條", {{LAW, 7}}},
    {"仲裁法第十二条", {{ARB0, 12}}},
};

/* Citations that must find no article: a name that only ends a longer
** law's name (安全法: 数据安全法 and 网络安全法 are other laws), an article
** the law does not have; the search says so in a warning and gives the
** usual results. */
static const char *const absent[] = {"安全法第五条", "数据安全法第九十条", "全法第五条"};

/* 条 as a counting word after a law's name is no citation: the search
** gives no warning about one (nothing is cited) */
static const char *const counting[] = {"数据安全法九十条红线", "数据安全法九十条件"};

/* The title, article number and (date not NULL) the date of hit i. */
static void hit_of(zhs_results *r, size_t i, char *title, size_t tn, int *article, char *date)
{
    zhs_passage p;
    zhs_error e = {0};
    *article = -1;
    title[0] = 0;
    if (zhs_results_passage(&p, r, zhs_results_hit(r, i)->doc, &e)) return;
    snprintf(title, tn, "%s", p.title ? p.title : "");
    for (int a = 1; a < 100; a++)
        for (int arabic = 0; arabic < 2; arabic++) {
            char label[32];
            article_label(label, sizeof label, a, arabic);
            if (p.label && !strcmp(p.label, label)) *article = a;
        }
    if (date) snprintf(date, 11, "%s", p.date ? p.date : "");
}

int main(void)
{
    char corpus[512], idx[512];
    snprintf(corpus, sizeof corpus, "%s/laws", zt_tmpdir());
    snprintf(idx, sizeof idx, "%s/idx", zt_tmpdir());
    write_law(corpus, "数据安全法.md", LAW, 55, 0, false);
    write_law(corpus, "东岚省实施数据安全法办法.md", DONGLAN, 45, 1, false);
    write_law(corpus, "西岭省实施数据安全法办法.md", XILING, 45, 2, false);
    /* two versions that write their labels differently */
    write_law(corpus, "网络安全法(2025-10-28).md", NET, 79, 3, false);
    write_law(corpus, "网络安全法(2016-11-07).md", NET, 79, 6, true);
    write_law(corpus, "解释一.md", JI1, 20, 4, false);
    write_law(corpus, "解释二.md", JI2, 20, 5, false);
    /* the general interpretation and a longer, special one */
    write_law(corpus, "解释.md", JG, 20, 7, false);
    write_law(corpus, "审判监督解释.md", JGS, 20, 8, false);
    write_law(corpus, "网络数据争议调解仲裁法.md", ARB, 30, 9, false);
    write_law(corpus, "刑法.md", XF, 30, 11, false);
    static const char names[] = "# 最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见\n\n"
                                "1．示范诈骗罪（第21条） 2．滥用示范罪、玩忽示范罪（第22条）\n\n"
                                "3．合同示范诈骗罪（第25条）\n";
    zt_write_bytes(corpus, "罪名意见.md", names, sizeof names - 1);
    static const char supp[] = "# 关于执行刑法确定罪名的补充规定\n\n| 刑法条文 | 罪名 |\n|---|---|\n"
                               "| 第二十四条 （修正案第三条） | 新示范罪 （取消旧示范罪罪名） |\n";
    zt_write_bytes(corpus, "罪名补充.md", supp, sizeof supp - 1);
    write_law(corpus, "仲裁法.md", ARB0, 30, 10, false);

    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    CHECK_OK(zhs_analyzer_open(&an, &cfg, &err), err);
    if (!an) return zt_done("test_cite_many");
    const char *paths[1] = {corpus};
    CHECK(zt_index_paths(idx, an, paths, 1, NULL, NULL) == 55 + 45 + 45 + 79 + 79 + 20 + 20 + 20 + 20 + 30 + 30 + 30 + 2);
    zhs_analyzer_close(an);
    an = NULL;
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, idx, &err), err);
    if (ix) CHECK_OK(zhs_index_open_analyzer(&an, ix, &err), err);
    if (!ix || !an) return zt_done("test_cite_many");

    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t nwant = 0;
        while (nwant < 4 && cases[c].top[nwant].title) nwant++;
        static const size_t ks[] = {10, 3};
        for (size_t ki = 0; ki < 2; ki++) {
            zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
            o.k = ks[ki];
            zhs_results *a = NULL, *b = NULL;
            CHECK_OK(zhs_index_search(&a, ix, an, cases[c].query, &o, &err), err);
            o.exhaustive = 1;
            CHECK_OK(zhs_index_search(&b, ix, an, cases[c].query, &o, &err), err);
            if (a && b) zt_check_same_hits(a, b, cases[c].query, o.k, "exhaustive");
            /* with k below the articles cited, the first k of them */
            size_t n = nwant < o.k ? nwant : o.k;
            for (size_t i = 0; a && i < n; i++) {
                char title[256];
                int art = -1;
                if (i < zhs_results_count(a)) hit_of(a, i, title, sizeof title, &art, NULL);
                else title[0] = 0;
                CHECK_MSG(!strcmp(title, cases[c].top[i].title) && art == cases[c].top[i].article,
                          "%s (k %zu): hit %zu is %s article %d, not %s article %d", cases[c].query, o.k, i + 1, title,
                          art, cases[c].top[i].title, cases[c].top[i].article);
            }
            zhs_results_free(a);
            zhs_results_free(b);
        }
    }
    for (size_t c = 0; c < sizeof absent / sizeof *absent; c++) {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        zhs_results *a = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, absent[c], &o, &err), err);
        bool said = false;
        for (size_t i = 0; a && zhs_results_warning(a, i); i++)
            said |= strstr(zhs_results_warning(a, i), "no article found for the citation") != NULL;
        CHECK_MSG(said, "%s: no warning that the citation found no article", absent[c]);
        /* no citation bonus: the first hit scores as the usual search does */
        zhs_results *b = NULL;
        o.exhaustive = 1;
        CHECK_OK(zhs_index_search(&b, ix, an, absent[c], &o, &err), err);
        if (a && b) zt_check_same_hits(a, b, absent[c], o.k, "exhaustive");
        zhs_results_free(a);
        zhs_results_free(b);
    }
    /* an alias alone searches the law's full name: its passages first */
    {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        o.k = 5;
        zhs_results *a = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, "网安法", &o, &err), err);
        for (size_t h = 0; a && h < 5; h++) {
            char title[256];
            int art = -1;
            hit_of(a, h, title, sizeof title, &art, NULL);
            CHECK_MSG(!strcmp(title, NET), "网安法 alone: hit %zu is of %s, not of %s", h + 1, title, NET);
        }
        zhs_results_free(a);
    }
    /* the highlights of a citation's hits mark no piece of an article
    ** number (第二, 十条 of 第二十条 in 第五十条第二款), only the whole label */
    {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        o.k = 10;
        zhs_results *a = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, "数据安全法第二十条 重要数据", &o, &err), err);
        size_t marked = 0;
        for (size_t h = 0; a && h < zhs_results_count(a); h++) {
            zhs_passage p;
            const zhs_span *sp;
            size_t ns;
            if (zhs_results_passage(&p, a, zhs_results_hit(a, h)->doc, &err) ||
                zhs_results_highlights(&sp, &ns, a, an, &p, &err))
                break;
            for (size_t k = 0; k < ns; k++) {
                char piece[64];
                snprintf(piece, sizeof piece, "%.*s", (int)(sp[k].end - sp[k].start), p.text + sp[k].start);
                /* the label as a whole word is the text as written */
                CHECK_MSG(!strcmp(piece, "第二十条") || (!strstr(piece, "第") && !strstr(piece, "条")),
                          "hit %zu marks [%s]", h + 1, piece);
                marked++;
            }
        }
        CHECK_MSG(marked > 0, "no highlight at all");
        zhs_results_free(a);
    }
    for (size_t c = 0; c < sizeof counting / sizeof *counting; c++) {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        zhs_results *a = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, counting[c], &o, &err), err);
        CHECK_MSG(a && !zhs_results_warning(a, 0), "%s: a warning (%s): read as a citation",
                  counting[c], a && zhs_results_warning(a, 0) ? zhs_results_warning(a, 0) : "");
        zhs_results_free(a);
    }
    /* an alias whose long form ends with its short one (反垄断法 ->
    ** 中华人民共和国反垄断法), no such title: the name is shortened to its end
    ** (it cycled through the alias, without end, before) */
    {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        zhs_results *a = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, "根据反垄断法第九十九条", &o, &err), err);
        zhs_results_free(a);
    }
    /* --all-versions: the newest version's article first, the older one
    ** next, whichever way each writes its label (第二十一条, 第21条) */
    static const char *const vq[] = {"网络安全法第二十一条", "网络安全法第21条", "网络安全法第二十一条、第三条"};
    for (size_t i = 0; i < sizeof vq / sizeof *vq; i++) {
        zhs_search_options o = ZHS_SEARCH_OPTIONS_INIT;
        o.all_versions = 1;
        zhs_results *a = NULL, *b = NULL;
        CHECK_OK(zhs_index_search(&a, ix, an, vq[i], &o, &err), err);
        o.exhaustive = 1;
        CHECK_OK(zhs_index_search(&b, ix, an, vq[i], &o, &err), err);
        if (a && b) zt_check_same_hits(a, b, vq[i], o.k, "exhaustive");
        static const char *const dates[] = {"2025-10-28", "2016-11-07"};
        for (size_t h = 0; a && h < 2; h++) {
            char title[256], date[11] = "";
            int art = -1;
            if (h < zhs_results_count(a)) hit_of(a, h, title, sizeof title, &art, date);
            CHECK_MSG(art == 21 && !strcmp(title, NET) && !strcmp(date, dates[h]),
                      "%s --all-versions: hit %zu is article %d of %s, not article 21 of %s", vq[i], h + 1, art, date,
                      dates[h]);
        }
        zhs_results_free(a);
        zhs_results_free(b);
    }
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    return zt_done("test_cite_many");
}
