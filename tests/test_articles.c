/*
** test_articles.c — article-number terms (analysis/articles.c): the index
** holds "N第二十条" wherever the bigrams 第二 二十 十条 stand in a row, and
** a query part spelled by such a chain is matched from that one list
** (query/parse.c, article_elems; query/search.c, setup_clause).  That must
** change nothing a query returns.  Over generated passages that spell
** article numbers every way the laws do and some they should not (Chinese
** numerals up to the hundreds, 之一, digits, full-width digits, traditional
** 條, a line break or a comma inside the number, 第一百二十条 around
** 二十条, numbers in titles and headings, whose body copies stand at
** position 0, numbers cut by the segmenter as it likes), every query
** shape is compared:
**   - on the index with the terms: pruned top k, count and the exhaustive
**     oracle (which never uses them);
**   - that index against one built without them (an analyzer with
**     article_terms 0, as before this change): the same hits and scores to
**     the last bit, the same counts;
**   - an index updated in two segments, with and without the terms, each
**     against the fresh build (an update keeps the index's own analyzer,
**     so an index never mixes segments with and without the terms; an
**     update through the other analyzer is refused);
** and the term's document frequency equals the count of its phrase.
*/
#include "harness.h"
#include "zhs.h"
#include "query_int.h"
#include "articles.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPASSAGES 360
#define MAXNUM 130

static const char *const digit_cn[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* n (1..999) in Chinese numerals as the laws write article numbers:
** 十一, 二十, 一百零一, 一百二十. */
static void cn_number(char *out, size_t cap, unsigned n)
{
    char s[64] = "";
    unsigned h = n / 100, t = n / 10 % 10, u = n % 10;
    if (h) {
        strcat(s, digit_cn[h]);
        strcat(s, "百");
        if (t == 0 && u) strcat(s, "零");
    }
    if (t) {
        if (t != 1 || h) strcat(s, digit_cn[t]);
        strcat(s, "十");
    }
    if (u) strcat(s, digit_cn[u]);
    snprintf(out, cap, "%s", s);
}

static const char *const filler[] = {
    "人民政府应当", "依照本法", "规定", "有关部门", "个人信息", "违反", "可以", "次第", "工作", "条例",
    "县级以上人民政府", "予以处罚", "之一", "十条", "二十", "第二", "百二", "施行", "本法", "管理",
    /* the ends of the rules: 12 numerals (a term), 13 (none), 第第, 条条, 第 alone */
    "第十二三四五六七八九十一二条", "第十二三四五六七八九十一二三条", "第第二十条", "第二十条条", "第",
};

/* Queries at those ends, compared like the generated ones. */
static const char *const edge_queries[] = {
    "+第十二三四五六七八九十一二条",   "+第十二三四五六七八九十一二三条", "\"第第二十条\"", "\"第二十条条\"",
    "+第二十条第二十条",               "+第 +条",                         "\"第十二三四五六七八九十一二条 第\"",
};

/* One spelling of article n, chosen by r: the common one most often. */
static void spell(char *out, size_t cap, unsigned n, uint32_t r)
{
    char cn[64];
    cn_number(cn, sizeof cn, n);
    size_t half = strlen(cn) > 3 ? 3 : 0;   /* a character boundary inside a longer numeral */
    switch (r % 12) {
    case 0: snprintf(out, cap, "第%u条", n); break;                            /* digits */
    case 1: snprintf(out, cap, "第%s條", cn); break;                           /* traditional */
    case 2: snprintf(out, cap, "第%s条之一", cn); break;
    case 3: snprintf(out, cap, "第%.*s\n%s条", (int)half, cn, cn + half); break;   /* a line break */
    case 4: snprintf(out, cap, "第%s，条", cn); break;                         /* punctuation */
    case 5: snprintf(out, cap, "%s条", cn); break;                             /* no 第 */
    case 6: snprintf(out, cap, "第%s款", cn); break;
    case 7: {                                                                 /* full-width digits */
        char d[16];
        int dl = snprintf(d, sizeof d, "%u", n);
        size_t o = (size_t)snprintf(out, cap, "第");
        for (int i = 0; i < dl && o + 4 < cap; i++) {
            out[o++] = (char)0xEF;
            out[o++] = (char)0xBC;
            out[o++] = (char)(0x90 + (d[i] - '0'));
        }
        snprintf(out + o, cap - o, "条");
        break;
    }
    default: snprintf(out, cap, "第%s条", cn); break;
    }
}

static unsigned pick_number(uint64_t *rng)
{
    uint32_t r = zt_xorshift(rng);
    /* small numbers often (as in the laws), some of the hundreds */
    return r % 4 ? 1 + r / 4 % 40 : 1 + r / 4 % MAXNUM;
}

/* The generated passages as JSONL, with titles and headings. */
static char *corpus_jsonl(void)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    for (unsigned p = 0; p < NPASSAGES; p++) {
        char text[1024] = "", title[128], heading[128] = "", piece[96];
        unsigned nf = 2 + zt_xorshift(&rng) % 6;
        for (unsigned f = 0; f < nf; f++) {
            uint32_t r = zt_xorshift(&rng);
            if (r % 3 == 0) spell(piece, sizeof piece, pick_number(&rng), zt_xorshift(&rng));
            else snprintf(piece, sizeof piece, "%s", filler[r / 3 % (sizeof filler / sizeof *filler)]);
            strcat(text, piece);
            if (zt_xorshift(&rng) % 4 == 0) strcat(text, zt_xorshift(&rng) % 2 ? "。" : " ");
        }
        char cn[64];
        cn_number(cn, sizeof cn, pick_number(&rng));
        uint32_t r = zt_xorshift(&rng);
        if (r % 5 == 0) snprintf(title, sizeof title, "关于第%s条的解释", cn);   /* a number in the title */
        else snprintf(title, sizeof title, "测试法%u", r % 7);
        if (r / 5 % 3 == 0) snprintf(heading, sizeof heading, "第%s条 总则", cn);
        /* JSON: the line break as \n */
        char esc[2048];
        size_t e = 0;
        for (const char *s = text; *s && e + 3 < sizeof esc; s++) {
            if (*s == '\n') {
                esc[e++] = '\\';
                esc[e++] = 'n';
            } else {
                esc[e++] = *s;
            }
        }
        esc[e] = 0;
        char line[3072];
        int ll = snprintf(line, sizeof line,
                          "{\"id\": \"p%u\", \"title\": \"%s\", \"heading\": \"%s\", \"text\": \"%s\"}\n", p, title,
                          heading, esc);
        if (len + (size_t)ll + 1 > cap) {
            char *g = realloc(out, cap *= 2);
            if (!g) {
                free(out);
                return NULL;
            }
            out = g;
        }
        memcpy(out + len, line, (size_t)ll);
        len += (size_t)ll;
    }
    out[len] = 0;
    return out;
}

/* Builds dir from the JSONL file(s) with an analyzer of article_terms
** arts; a second file goes into a second segment by an edit (an update
** that keeps the files it is not given) through the index's own analyzer. */
static bool build(const char *dir, const char *const *files, size_t nfiles, bool arts)
{
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.article_terms = arts;
    zhs_analyzer *an = NULL;
    zhs_error e = {0};
    CHECK_OK(zhs_analyzer_open(&an, &cfg, &e), e);
    if (!an) return false;
    CHECK(zt_index_paths(dir, an, files, 1, NULL, NULL) > 0);
    zhs_analyzer_close(an);
    for (size_t f = 1; f < nfiles; f++) {
        zhs_index *ix = NULL;
        CHECK_OK(zhs_index_open(&ix, dir, &e), e);
        if (!ix) return false;
        CHECK_OK(zhs_index_open_analyzer(&an, ix, &e), e);
        zhs_index_close(ix);
        if (!an) return false;
        zhs_writer *w = NULL;
        CHECK_OK(zhs_writer_open_edit(&w, dir, an, NULL, &e), e);
        zhs_corpus *c = NULL;
        CHECK_OK(zhs_corpus_open(&c, &files[f], 1, NULL, &e), e);
        if (w && c) {
            zhs_corpus_set_filter(c, zt_name_source, w);
            const zhs_document *doc;
            int rc;
            while ((rc = zhs_corpus_next(c, &doc, &e)) == ZHS_OK)
                for (size_t i = 0; i < doc->npassages; i++) CHECK_OK(zhs_writer_add(w, &doc->passages[i], &e), e);
            CHECK(rc == ZHS_DONE);
            CHECK_OK(zhs_writer_commit(w, &e), e);
        }
        zhs_corpus_close(c);
        zhs_writer_close(w);
        zhs_analyzer_close(an);
    }
    return true;
}

typedef struct opened {
    zhs_index *ix;
    zhs_analyzer *an;
} opened;

static bool open_ix(opened *o, const char *dir)
{
    zhs_error e = {0};
    o->ix = NULL;
    o->an = NULL;
    CHECK_OK(zhs_index_open(&o->ix, dir, &e), e);
    if (o->ix) CHECK_OK(zhs_index_open_analyzer(&o->an, o->ix, &e), e);
    return o->ix && o->an;
}

static void close_ix(opened *o)
{
    zhs_analyzer_close(o->an);
    zhs_index_close(o->ix);
}

static zhs_results *run(const opened *o, const char *q, size_t k, int count_only, int exhaustive)
{
    zhs_search_options so = ZHS_SEARCH_OPTIONS_INIT;
    so.all_versions = 1;
    so.k = k;
    so.count_only = count_only;
    so.exhaustive = exhaustive;
    zhs_results *r = NULL;
    zhs_error e = {0};
    CHECK_OK(zhs_index_search(&r, o->ix, o->an, q, &so, &e), e);
    return r;
}

static void check_counts(const zhs_results *a, const zhs_results *b, const char *q, const char *what)
{
    CHECK_MSG(zhs_results_matches(a) == zhs_results_matches(b), "[%s]: %llu matches, %s %llu", q,
              (unsigned long long)zhs_results_matches(a), what, (unsigned long long)zhs_results_matches(b));
}

/* q on the index with terms (fast, count, oracle) and against the others. */
static uint64_t compare(const opened *with, const opened *const *others, const char *const *names, size_t nothers,
                        const char *q, size_t k)
{
    zhs_results *fast = run(with, q, k, 0, 0), *count = run(with, q, k, 1, 0), *oracle = run(with, q, k, 0, 1);
    uint64_t m = 0;
    if (fast && count && oracle) {
        check_counts(count, oracle, q, "exhaustive");
        zt_check_same_hits(fast, oracle, q, k, "exhaustive");
        m = zhs_results_matches(oracle);
    }
    for (size_t i = 0; i < nothers; i++) {
        zhs_results *of = run(others[i], q, k, 0, 0), *oc = run(others[i], q, k, 1, 0);
        if (fast && of) zt_check_same_hits(fast, of, q, k, names[i]);
        if (count && oc) check_counts(count, oc, q, names[i]);
        zhs_results_free(of);
        zhs_results_free(oc);
    }
    zhs_results_free(fast);
    zhs_results_free(count);
    zhs_results_free(oracle);
    return m;
}

/* The parsed clause's alt elements, as "key@qpos key@qpos", or "-". */
static void alt_of(zhs_analyzer *an, const char *text, char *out, size_t cap)
{
    zhs_arena arena;
    zhs_arena_init(&arena, 16 * 1024);
    zhs_query q;
    zhs_error e = {0};
    snprintf(out, cap, "-");
    if (zhs_query_parse(&q, &arena, an, text, &e) == ZHS_OK && q.nclauses > 0 && q.clauses[0].alt) {
        size_t o = 0;
        out[0] = 0;
        for (size_t i = 0; i < q.clauses[0].nalt && o < cap; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s%s@%u", i ? " " : "", q.clauses[0].alt[i].key,
                                  q.clauses[0].alt[i].qpos);
    }
    zhs_arena_free(&arena);
}

/* The document frequency of key summed over the index's segments. */
static uint64_t df_of(const opened *o, const char *key)
{
    const zhs_native *nx = o->ix->state;
    uint64_t df = 0;
    for (unsigned s = 0; s < nx->nsegs; s++) {
        zhs_term_info ti;
        zhs_error e = {0};
        if (zhs_segment_lookup(&nx->segs[s].seg, &ti, key, strlen(key), &e) == 1) df += ti.df;
    }
    return df;
}

static void test_parse(zhs_analyzer *an)
{
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"+第二十条", "N第二十条@0"},
        {"\"第一百二十条\"", "N第一百二十条@0"},
        {"\"第三十六条 违反\"", "N第三十六条@0 B违反@5"},
        {"+第二十条之一", "N第二十条@0 B条之@3 B之一@4"},
        {"\"第十條\"", "N第十条@0"},
        {"+第20条", "-"},
        {"+第二十款", "-"},
        {"+二十条", "-"},
        {"title:第二十条", "-"},
        {"+规定", "-"},
        {"+第十二三四五六七八九十一二条", "N第十二三四五六七八九十一二条@0"},
        {"+第十二三四五六七八九十一二三条", "-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char got[512];
        alt_of(an, cases[i].q, got, sizeof got);
        CHECK_MSG(!strcmp(got, cases[i].want), "%s: alt elements %s, not %s", cases[i].q, got, cases[i].want);
    }
}

int main(void)
{
    const char *tmp = zt_tmpdir();
    char *jsonl = corpus_jsonl();
    CHECK(jsonl != NULL);
    if (!jsonl) return zt_done("test_articles");
    /* the same passages whole, and cut in two for the updates */
    size_t len = strlen(jsonl), cut = 0;
    for (size_t i = 0, lines = 0; i < len && !cut; i++)
        if (jsonl[i] == '\n' && ++lines == NPASSAGES / 2) cut = i + 1;
    char all[4200], first[4200], second[4200];
    snprintf(all, sizeof all, "%s/src/all.jsonl", tmp);
    snprintf(first, sizeof first, "%s/src/a.jsonl", tmp);
    snprintf(second, sizeof second, "%s/src/b.jsonl", tmp);
    char srcdir[4200];
    snprintf(srcdir, sizeof srcdir, "%s/src", tmp);
    zt_write_bytes(srcdir, "all.jsonl", jsonl, len);
    zt_write_bytes(srcdir, "a.jsonl", jsonl, cut);
    zt_write_bytes(srcdir, "b.jsonl", jsonl + cut, len - cut);
    free(jsonl);

    static const char *const kinds[] = {"with", "without", "with-updated", "without-updated"};
    opened ix[4];
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        char dir[4300];
        snprintf(dir, sizeof dir, "%s/%s", tmp, kinds[i]);
        const char *whole[] = {all}, *halves[] = {first, second};
        ok = ok && build(dir, i < 2 ? whole : halves, i < 2 ? 1 : 2, i % 2 == 0) && open_ix(&ix[i], dir);
    }
    if (!ok) return zt_done("test_articles");
    CHECK(strstr(ix[0].ix->m.analyzer, " arts=1") != NULL);
    CHECK(strstr(ix[1].ix->m.analyzer, " arts=1") == NULL);
    CHECK(strstr(ix[3].ix->m.analyzer, " arts=1") == NULL);   /* the update kept the index's analyzer */
    CHECK(((zhs_native *)ix[2].ix->state)->nsegs == 2);

    /* an update through an analyzer with the terms of an index without
    ** them is refused: no index mixes the two kinds of segment */
    {
        char dir[4300];
        snprintf(dir, sizeof dir, "%s/%s", tmp, kinds[3]);
        zhs_analyzer *an = NULL;
        zhs_writer *w = NULL;
        zhs_error e = {0};
        CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
        CHECK(zhs_writer_open_update(&w, dir, an, NULL, &e) == ZHS_EANALYZER);
        zhs_writer_close(w);
        zhs_analyzer_close(an);
    }

    test_parse(ix[0].an);

    const opened *others[] = {&ix[1], &ix[2], &ix[3]};
    const char *names[] = {"without the terms", "updated with the terms", "updated without the terms"};
    uint64_t matches = 0, with_terms = 0;
    static const char *const words[] = {"违反", "规定", "人民政府", "依照本法", "工作", "之一"};
    for (unsigned n = 1; n <= MAXNUM; n += n < 45 ? 1 : 7) {
        char cn[64], a[96], q[256];
        cn_number(cn, sizeof cn, n);
        snprintf(a, sizeof a, "第%s条", cn);
        const char *w = words[n % (sizeof words / sizeof *words)];
        static const char *const shapes[] = {
            "+%s",          "\"%s\"",        "+%s %s",     "+%2$s +%1$s", "\"%s %s\"", "%2$s -%1$s",
            "+%2$s -\"%1$s\"", "+%s -%s",    "%s",         "测试法%s",    "+%s之一",   "title:%s %s",
        };
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            snprintf(q, sizeof q, shapes[s], a, w);
#pragma GCC diagnostic pop
            matches += compare(&ix[0], others, names, 3, q, s % 2 ? 100 : 10);
        }
        /* the term marks exactly the passages where its bigrams stand in a row */
        char key[128];
        snprintf(key, sizeof key, "N%s", a);
        snprintf(q, sizeof q, "\"%s\"", a);
        zhs_results *r = run(&ix[1], q, 10, 1, 1);
        uint64_t df = df_of(&ix[0], key);
        if (r) CHECK_MSG(df == zhs_results_matches(r), "%s: df %llu, the phrase matches %llu passages", key,
                         (unsigned long long)df, (unsigned long long)zhs_results_matches(r));
        with_terms += df > 0;
        zhs_results_free(r);
        CHECK_MSG(df_of(&ix[1], key) == 0, "%s in the index built without the terms", key);
    }
    for (size_t i = 0; i < sizeof edge_queries / sizeof *edge_queries; i++)
        matches += compare(&ix[0], others, names, 3, edge_queries[i], 10);
    CHECK(df_of(&ix[0], "N第十二三四五六七八九十一二条") > 0);
    CHECK(df_of(&ix[0], "N第十二三四五六七八九十一二三条") == 0);
    /* the comparisons were about something: numbers found, and the bigram
    ** chain of 第二十条 inside 第一百二十条 is not the term */
    CHECK_MSG(with_terms > 40, "only %llu article numbers indexed", (unsigned long long)with_terms);
    CHECK(matches > 1000);
    char got[512];
    alt_of(ix[0].an, "+第一百二十条", got, sizeof got);
    CHECK(!strcmp(got, "N第一百二十条@0"));
    printf("%d passages, %llu article numbers with a term, %llu matches compared\n", NPASSAGES,
           (unsigned long long)with_terms, (unsigned long long)matches);
    for (int i = 0; i < 4; i++) close_ix(&ix[i]);
    return zt_done("test_articles");
}
