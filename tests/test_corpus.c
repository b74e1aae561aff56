/*
** test_corpus.c — the corpus reader: walking, cleaning, passages, JSONL,
** gzip, and whatever broken input a corpus may hold.  Fixtures are written
** at run time; the sample corpus and ../shared are read when present.
*/
#include "zhs.h"
#include "common.h"
#include "harness.h"
#include "numeral.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------ fixtures */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) abort();
    memcpy(p, s, n);
    return p;
}

/* A fresh directory for one test (freed by the caller), under one
** zt_tmpdir() kept for the whole run. */
static char *new_dir(void)
{
    static const char *root;
    static int n;
    if (!root) root = zt_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/t%d", root, n++);
    if (mkdir(path, 0755) != 0) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return dup_str(path);
}

static const char *join(const char *dir, const char *name)
{
    static char bufs[4][4096];
    static int i;
    char *b = bufs[i++ & 3];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    zt_write_bytes(dir, name, text, strlen(text));
}

static void write_gz(const char *dir, const char *name, const char *text)
{
    const char *path = join(dir, name);
    zt_make_parents(path);
    gzFile g = gzopen(path, "wb");
    if (!g || gzwrite(g, text, (unsigned)strlen(text)) != (int)strlen(text) || gzclose(g) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* --------------------------------------------------------- reading all */

typedef struct got {
    char *id, *text, *title, *heading, *label, *path, *category, *date, *extra;
    size_t text_len;
    uint32_t line;
} got;

typedef struct run {
    got *p;
    size_t n, cap;
    size_t docs;
    char **doc_paths;
    zhs_corpus_stats st;
    uint64_t total_bytes;
    size_t doc_invalid;
    int rc;
    int nwarn;
    char warnings[32768];
} run;

static void on_warn(void *ctx, const char *path, const char *msg)
{
    run *r = ctx;
    size_t used = strlen(r->warnings);
    snprintf(r->warnings + used, sizeof r->warnings - used, "%s: %s\n", path, msg);
    r->nwarn++;
}

/* zhs_utf8_valid_prefix against its definition, decoding one character
** at a time: the first byte where zhs_utf8_decode gives U+FFFD for
** anything but the bytes of U+FFFD.  Its three-byte run skips decoding,
** so every three-byte sequence is tried, alone, cut short and between
** other characters, and random strings of the bytes that matter. */
static size_t valid_prefix_ref(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        if (cp == 0xFFFD && !(l == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0)) return i;
        i += l;
    }
    return n;
}

static bool valid_utf8(const char *s, size_t n) { return valid_prefix_ref(s, n) == n; }

static void keep(run *r, const zhs_passage *p)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->p = realloc(r->p, r->cap * sizeof *r->p);
        if (!r->p) abort();
    }
    got *g = &r->p[r->n++];
    g->id = dup_str(p->id);
    g->text = dup_str(p->text);
    g->text_len = p->text_len;
    g->title = dup_str(p->title);
    g->heading = dup_str(p->heading);
    g->label = dup_str(p->label);
    g->path = dup_str(p->path);
    g->category = dup_str(p->category ? p->category : "");
    g->date = dup_str(p->date ? p->date : "");
    g->extra = dup_str(p->extra ? p->extra : "");
    g->line = p->line;
}

/* Reads every document; keeps copies of the passages (the reader's own
** memory goes at the next call) and checks what must hold for any. */
static void read_all_opts(run *r, const char *const *paths, size_t npaths, size_t max_file, int order)
{
    memset(r, 0, sizeof *r);
    zhs_error err;
    zhs_error_clear(&err);
    zhs_corpus_options opts = {ZHS_CORPUS_OPTIONS_VERSION, on_warn, r, max_file, order};
    zhs_corpus *c = NULL;
    r->rc = zhs_corpus_open(&c, paths, npaths, &opts, &err);
    CHECK_OK(r->rc, err);
    if (r->rc) return;
    r->total_bytes = zhs_corpus_total_bytes(c);
    const zhs_document *d;
    while ((r->rc = zhs_corpus_next(c, &d, &err)) == ZHS_OK) {
        r->docs++;
        r->doc_paths = realloc(r->doc_paths, r->docs * sizeof *r->doc_paths);
        if (!r->doc_paths) abort();
        r->doc_paths[r->docs - 1] = dup_str(d->path);
        r->doc_invalid += d->invalid_utf8;
        CHECK(d->npassages > 0);
        for (size_t i = 0; i < d->npassages; i++) {
            const zhs_passage *p = &d->passages[i];
            CHECK(p->id && p->text && p->title && p->heading && p->label && p->path);
            CHECK_MSG(p->text_len > 0 && strlen(p->text) == p->text_len, "passage %s", p->id);
            CHECK_MSG(valid_utf8(p->text, p->text_len), "passage %s is not valid UTF-8", p->id);
            keep(r, p);
        }
    }
    CHECK_MSG(r->rc == ZHS_DONE, "next returned %d: %s", r->rc, err.message);
    zhs_corpus_stats_get(c, &r->st);
    CHECK(r->st.passages == r->n);
    zhs_corpus_close(c);
}

static void read_all(run *r, const char *const *paths, size_t npaths)
{
    read_all_opts(r, paths, npaths, 0, ZHS_ORDER_SIMILAR);
}

static void read_one(run *r, const char *path)
{
    read_all(r, &path, 1);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        got *g = &r->p[i];
        free(g->id); free(g->text); free(g->title); free(g->heading); free(g->label); free(g->path); free(g->category);
        free(g->date); free(g->extra);
    }
    for (size_t i = 0; i < r->docs; i++) free(r->doc_paths[i]);
    free(r->doc_paths);
    free(r->p);
    memset(r, 0, sizeof *r);
}

static const got *by_id(const run *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->p[i].id, id) == 0) return &r->p[i];
    return NULL;
}

static const got *by_label(const run *r, const char *label)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->p[i].label, label) == 0) return &r->p[i];
    return NULL;
}

static bool contains(const run *r, const char *needle)
{
    for (size_t i = 0; i < r->n; i++)
        if (strstr(r->p[i].text, needle)) return true;
    return false;
}

#define FIELD(g, f) ((g) ? (g)->f : "(missing)")

/* --------------------------------------------------------------- tests */

static const char LAW_MD[] =
    "---\n"                                         /* 1 */
    "title: 不是正文\n"                             /* 2 */
    "date: 2024-01-01\n"                            /* 3 */
    "---\n"                                         /* 4 */
    "# 中华人民共和国测试法\n"                      /* 5 */
    "\n"                                            /* 6 */
    "2024年1月1日 第一次会议通过\n"                 /* 7 */
    "\n"                                            /* 8 */
    "<!-- INFO END -->\n"                           /* 9 */
    "\n"                                            /* 10 */
    "## 第一章\xE2\x80\x82\xE2\x80\x82总  则\n"     /* 11: U+2002 padding */
    "\n"                                            /* 12 */
    "第一条 为了测试，制定本法。\n"                 /* 13 */
    "\n"                                            /* 14 */
    "第二条\xE3\x80\x80本法适用于测试。\n"          /* 15: U+3000 separator */
    "\n"                                            /* 16 */
    "本条第二款。\n"                                /* 17 */
    "\n"                                            /* 18 */
    "### 第一节 一般规定\n"                         /* 19 */
    "\n"                                            /* 20 */
    "第二百二十四条之一 之一条文。\n"               /* 21 */
    "第三条\n"                                      /* 22: label alone */
    "标签独占一行的条文。\n"                        /* 23 */
    "\n"                                            /* 24 */
    "第十条规定的内容不是新条文。\n"                /* 25 */
    "\n"                                            /* 26 */
    "# 附编\n"                                      /* 27 */
    "\n"                                            /* 28 */
    "第\xEF\xBC\x94条 全角数字。\n";                /* 29: 第４条 */

static void check_law(const run *r, const char *rel)
{
    char id[256];
    CHECK(r->n == 6);
    snprintf(id, sizeof id, "%s#1", rel);
    const got *g = by_id(r, id);
    CHECK_STR(FIELD(g, text), "2024年1月1日 第一次会议通过");
    CHECK_STR(FIELD(g, label), "");
    CHECK_STR(FIELD(g, heading), "");
    CHECK(g && g->line == 7);
    CHECK_STR(FIELD(g, title), "中华人民共和国测试法");

    snprintf(id, sizeof id, "%s#第一条", rel);
    g = by_id(r, id);
    CHECK_STR(FIELD(g, text), "第一条 为了测试，制定本法。");
    CHECK_STR(FIELD(g, label), "第一条");
    CHECK_STR(FIELD(g, heading), "第一章 总 则");
    CHECK(g && g->line == 13);

    g = by_label(r, "第二条");
    CHECK_STR(FIELD(g, text), "第二条\xE3\x80\x80本法适用于测试。\n本条第二款。");
    CHECK(g && g->line == 15);

    g = by_label(r, "第二百二十四条之一");
    CHECK_STR(FIELD(g, text), "第二百二十四条之一 之一条文。");
    CHECK_STR(FIELD(g, heading), "第一章 总 则 \xE2\x80\xBA 第一节 一般规定");
    CHECK(g && g->line == 21);

    g = by_label(r, "第三条");
    CHECK_STR(FIELD(g, text), "第三条 标签独占一行的条文。\n第十条规定的内容不是新条文。");
    CHECK(g && g->line == 22);
    CHECK(by_label(r, "第十条") == NULL);

    g = by_label(r, "第\xEF\xBC\x94条");
    CHECK_STR(FIELD(g, heading), "附编");
    CHECK(g && g->line == 29);
    snprintf(id, sizeof id, "%s#第\xEF\xBC\x94条", rel);
    CHECK(g && strcmp(g->id, id) == 0);
    CHECK(!contains(r, "不是正文") && !contains(r, "INFO") && !contains(r, "---"));
}

static void test_valid_prefix(void)
{
    char b[48];
    long differ = 0;
    for (uint32_t v = 0; v < (1u << 24); v++) {
        memcpy(b, "a\xE4\xB8\xAD", 4);
        b[4] = (char)(v >> 16);
        b[5] = (char)(v >> 8);
        b[6] = (char)v;
        memcpy(b + 7, "\xE4\xB8\xAD\x80", 4);
        for (size_t n = 5; n <= 11; n += 2) differ += zhs_utf8_valid_prefix(b, n) != valid_prefix_ref(b, n);
    }
    static const unsigned char bytes[] = {'a', 0x80, 0x9F, 0xA0, 0xAD, 0xB8, 0xBD, 0xBF, 0xC2,
                                          0xDF, 0xE0, 0xE4, 0xED, 0xEF, 0xF0, 0xF4, 0xFF};
    uint64_t x = 88172645463325252ull;
    for (long t = 0; t < 1000000; t++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = (size_t)(x % sizeof b);
        for (size_t j = 0; j < n; j++) b[j] = (char)bytes[((x >> (j % 48)) ^ (j * 7)) % sizeof bytes];
        differ += zhs_utf8_valid_prefix(b, n) != valid_prefix_ref(b, n);
    }
    CHECK(differ == 0);
}

static void test_articles(void)
{
    char *dir = new_dir();
    write_file(dir, "laws/law.md", LAW_MD);
    run r;
    read_one(&r, join(dir, "laws"));
    check_law(&r, "law.md");
    CHECK(r.st.files_read == 1 && r.st.files_skipped == 0);
    run_free(&r);

    /* A file argument is named as given. */
    const char *file = join(dir, "laws/law.md");
    read_one(&r, file);
    check_law(&r, file);
    run_free(&r);
    /* A file given itself has no category, by a relative path too (the
    ** path's first folder is no corpus folder). */
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
        read_one(&r, "laws/law.md");
        CHECK_MSG(r.n > 0 && !strcmp(r.p[0].category, ""), "a file given by a relative path has category [%s]",
                  r.n ? r.p[0].category : "(none)");
        run_free(&r);
        CHECK(chdir(cwd) == 0);
    }
    free(dir);
}

/* Structural headings written as text lines (a .txt law; a Markdown law
** that gives one chapter as a plain line): each ends the article before it
** and sets the heading path at the level of its unit, 节 under 章, a new
** 章 replacing the old; "第一编写组…，" with a comma is text; numbered
** items start lines of their own. */
static void test_text_headings(void)
{
    char *dir = new_dir();
    write_file(dir, "t/条例.txt",
               "东岚省示范条例\n\n第一章 总则\n\n第一条 为了示范，制定本条例。\n第二条 本条例适用于本省。\n"
               "第二章 网络运行安全\n第一节 一般规定\n\n第三条 运营者应当履行下列义务：\n（一）制定制度；\n"
               "（二）采取措施。\n\n第二节 监测预警\n\n第四条 建立监测制度。\n\n第三章附则\n\n第五条 自公布之日起施行。\n"
               "\n第一编写组成员应当依法履行义务，并且对其\n\n负责的内容进行审校。\n");
    write_file(dir, "m/law.md",
               "# 示范法\n\n## 第一章 总则\n\n第一条 总则条文。\n\n## 第二章 义务\n\n第二条 义务条文。\n\n"
               "第三章法律责任\n\n第三条 责任条文。\n\n#### 第四条\n\n标题写法的条文。\n\n#### 第五条 带正文的标题条文。\n");
    run r;
    read_one(&r, join(dir, "t"));
    CHECK_STR(FIELD(by_label(&r, "第一条"), heading), "第一章 总则");
    const got *g2 = by_label(&r, "第二条");
    CHECK_STR(FIELD(g2, heading), "第一章 总则");
    CHECK_MSG(g2 && !strstr(g2->text, "第二章"), "the chapter line after 第二条 is in its text: %s", FIELD(g2, text));
    CHECK_STR(FIELD(by_label(&r, "第三条"), heading), "第二章 网络运行安全 \xE2\x80\xBA 第一节 一般规定");
    CHECK_STR(FIELD(by_label(&r, "第四条"), heading), "第二章 网络运行安全 \xE2\x80\xBA 第二节 监测预警");
    CHECK_STR(FIELD(by_label(&r, "第五条"), heading), "第三章附则");
    const got *g3 = by_label(&r, "第三条");
    CHECK_MSG(g3 && strstr(g3->text, "\n（一）制定制度；\n（二）"), "the items of 第三条 are not lines of their own: %s",
              FIELD(g3, text));
    CHECK_MSG(contains(&r, "并且对其负责的内容"), "the column break after 第一编写组… was not joined");
    run_free(&r);
    /* a wrapped line that starts with 第三章规定… or 3．5万元 goes on the
    ** sentence before it: no heading, no item */
    write_file(dir, "w/w.txt", "某某条例\n\n第一章 总则\n\n第五条　违反本条例\n第三章规定的程序处理\n的，由主管部门责令改正。\n\n"
                               "第六条　补贴金额为\n3．5万元以内。\n");
    read_one(&r, join(dir, "w"));
    CHECK_MSG(contains(&r, "违反本条例第三章规定的程序处理的，由主管部门责令改正。"), "a wrapped 第三章… was cut out");
    CHECK_STR(FIELD(by_label(&r, "第六条"), heading), "第一章 总则");
    CHECK_MSG(contains(&r, "补贴金额为 3．5万元以内"), "a wrapped 3．5万元 became an item");
    run_free(&r);
    read_one(&r, join(dir, "m"));
    CHECK_STR(FIELD(by_label(&r, "第二条"), heading), "第二章 义务");
    CHECK_STR(FIELD(by_label(&r, "第三条"), heading), "第三章法律责任");
    /* an article written as a Markdown heading is an article, not a heading */
    const got *g4 = by_label(&r, "第四条");
    CHECK_STR(FIELD(g4, heading), "第三章法律责任");
    CHECK_MSG(g4 && strstr(g4->text, "标题写法的条文"), "第四条 written as a heading lost its text: %s", FIELD(g4, text));
    CHECK_STR(FIELD(by_label(&r, "第五条"), heading), "第三章法律责任");
    CHECK_MSG(contains(&r, "带正文的标题条文"), "第五条's text as a heading was lost");
    run_free(&r);
    free(dir);
}

/* Page furniture of a printed text: page numbers (— 3 —, a number alone,
** 第 3 页 共 9 页) and the running header printed after one are dropped,
** and a column break held open over them joins the text on both sides; a
** JSONL record's text is taken as it is. */
static void test_page_furniture(void)
{
    char *dir = new_dir();
    write_file(dir, "p/公报.txt",
               "东岚省人民政府公报\n\n各级人民政府应当将人工智能产业发展纳入规划，统筹推进算力基础设施建设，支持\n\n"
               "— 3 —\n\n东岚省人民政府公报   2024年第3期\n\n企业开展关键核心技术攻关。\n\n12\n\n"
               "各地应当加强数据跨境流动的安全管理，并对\n\n第 4 页 共 9 页\n\n重点企业开展检查。\n");
    write_file(dir, "j/r.jsonl", "{\"id\":\"n1\",\"text\":\"2024\"}\n");
    /* a table taken out one cell a line keeps its numbers; a Markdown
    ** file its bare numbers */
    write_file(dir, "t/t.txt", "附表\n\n序号\n1\n北京市\n200元\n2\n上海市\n300元\n\n序号\n１\n广州市\n");
    write_file(dir, "m/m.md", "# 表\n\n序号\n\n1\n\n北京市\n");
    /* a private-use character (PDF font debris) at a cut line's end */
    write_file(dir, "u/pua.txt", "标题\n\n各级人民政府应当加强数据安全管理，依法履行职责，对重要数据实施断开\xEE\x80\x80\n\n继续保护。\n");
    run r;
    read_one(&r, join(dir, "p"));
    CHECK_MSG(contains(&r, "支持企业开展关键核心技术攻关。"), "the text around a page number and header was not joined");
    CHECK_MSG(contains(&r, "并对重点企业开展检查"), "the text around 第 4 页 共 9 页 was not joined");
    CHECK_MSG(!contains(&r, "— 3 —") && !contains(&r, "2024年第3期") && !contains(&r, "12"),
              "page furniture left in the passages");
    CHECK(contains(&r, "东岚省人民政府公报"));     /* the headline is no header */
    run_free(&r);
    read_one(&r, join(dir, "t"));
    CHECK_MSG(contains(&r, "序号 1 北京市 200元 2 上海市 300元"), "a table's cells were dropped as page numbers");
    CHECK_MSG(contains(&r, "序号 １ 广州市"), "a full-width cell was dropped as a page number");
    run_free(&r);
    read_one(&r, join(dir, "m"));
    CHECK_MSG(contains(&r, "1"), "a Markdown file's bare number was dropped");
    run_free(&r);
    read_one(&r, join(dir, "u"));
    CHECK_MSG(contains(&r, "实施断开继续保护"), "the join across a private-use character left it or a space");
    run_free(&r);
    read_one(&r, join(dir, "j"));
    CHECK_MSG(r.n == 1 && !strcmp(r.p[0].text, "2024"), "a JSONL record's number was dropped");
    run_free(&r);
    free(dir);
}

/* Ids survive edits elsewhere in the file (docs/CORPUS.md): an article
** inserted before article 2 leaves the ids of the other passages as they
** were; the rest of a long article and a
** second article of the same number get "-k". */
static void test_stable_ids(void)
{
    static const char before[] = "# 法\n\n序言。\n\n第一条 甲。\n\n第二条 乙。\n\n# 附件\n\n第一条 附件甲。\n";
    static const char after[] = "# 法\n\n序言。\n\n"
                                "第一条 甲。\n\n第一条之一 新插入的条文。\n\n第二条 乙。\n\n# 附件\n\n第一条 附件甲。\n";
    char *dir = new_dir();
    write_file(dir, "a/law.md", before);
    write_file(dir, "b/law.md", after);
    run ra, rb;
    read_one(&ra, join(dir, "a"));
    read_one(&rb, join(dir, "b"));
    const char *ids[] = {"law.md#第一条", "law.md#第二条", "law.md#第一条-2", "law.md#1"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const got *x = by_id(&ra, ids[i]), *y = by_id(&rb, ids[i]);
        CHECK_MSG(x && y, "%s is missing before or after the edit", ids[i]);
        if (x && y) CHECK_STR(x->text, y->text);
    }
    CHECK_STR(FIELD(by_id(&ra, "law.md#第一条-2"), text), "第一条 附件甲。");
    CHECK_STR(FIELD(by_id(&rb, "law.md#第一条之一"), text), "第一条之一 新插入的条文。");
    run_free(&ra);
    run_free(&rb);
    free(dir);
}

/* The "-k" ordinals of a file with many passages of a label (the counts
** grow their table past its first size), and of the file after it, whose
** counts start again. */
static void test_many_ids(void)
{
    zhs_buf md;
    zhs_buf_init(&md);
    zhs_buf_puts(&md, "# 法\n\n");
    for (int round = 1; round <= 3; round++) {
        for (uint32_t a = 1; a <= 150; a++) {
            char num[64], line[160];
            zhs_numeral_format(num, sizeof num, a);
            snprintf(line, sizeof line, "第%s条 第%d遍。\n\n", num, round);
            zhs_buf_puts(&md, line);
        }
        zhs_buf_puts(&md, "# 附件\n\n没有条号的一段。\n\n");
    }
    CHECK(!md.oom);
    char *dir = new_dir();
    write_file(dir, "a/law.md", md.data);
    write_file(dir, "a/law2.md", "# 法二\n\n第一条 只有一遍。\n\n第一百五十条 也只一遍。\n\n# 附\n\n没有条号。\n");
    run r;
    read_one(&r, join(dir, "a"));
    CHECK_STR(FIELD(by_id(&r, "law.md#第一条"), text), "第一条 第1遍。");
    CHECK_STR(FIELD(by_id(&r, "law.md#第七十七条-2"), text), "第七十七条 第2遍。");
    CHECK_STR(FIELD(by_id(&r, "law.md#第一百五十条-3"), text), "第一百五十条 第3遍。");
    CHECK(by_id(&r, "law.md#第一百五十条-4") == NULL);
    CHECK_STR(FIELD(by_id(&r, "law.md#3"), text), "没有条号的一段。");
    CHECK_STR(FIELD(by_id(&r, "law2.md#第一条"), text), "第一条 只有一遍。");
    CHECK_STR(FIELD(by_id(&r, "law2.md#第一百五十条"), text), "第一百五十条 也只一遍。");
    CHECK_STR(FIELD(by_id(&r, "law2.md#1"), text), "没有条号。");
    CHECK(r.n == 3 * 151 + 3);
    run_free(&r);
    zhs_buf_free(&md);
    free(dir);
}

static void test_markdown_cleaning(void)
{
    char *dir = new_dir();
    write_file(dir, "clean.md",
               "# **标题** 测试\n"
               "<!-- 注释 -->\n"
               "这是**加粗**和*斜体*以及__下划线__还有`代码`。\n"
               "参见[链接文字](http://example.com/a_b)和![图片说明](img.png)。\n"
               "<!-- 多行\n"
               "注释 -->\n"
               "第二段 2*（N+1）保持星号，snake_case_name 保持<!-- 行内 -->下划线。\n"
               "\n"
               "| 名称 | 数值 |\n"
               "|---|:---:|\n"
               "| 甲 | **1** |\n"
               "\n"
               "- 列表一\n"
               "- 列表二\n"
               "> 引用文字\n"
               "\n"
               "\\*转义\\* `a*b*c`\n"
               "***\n"
               "1. 编号\n");
    run r;
    read_one(&r, join(dir, "clean.md"));
    CHECK(r.n == 1);
    const got *g = by_id(&r, join(dir, "clean.md#1"));
    CHECK_STR(FIELD(g, title), "标题 测试");
    CHECK_STR(FIELD(g, text),
              "这是加粗和斜体以及下划线还有代码。参见链接文字和图片说明。\n"
              "第二段 2*（N+1）保持星号，snake_case_name 保持下划线。\n"
              "名称 数值\n"
              "甲 1\n"
              "列表一\n"
              "列表二\n"
              "引用文字\n"
              "*转义* a*b*c\n"
              "编号");
    CHECK(g && g->line == 3);
    run_free(&r);

    /* Strikethrough markers go, their text stays; a lone ~ (第10~12条) and
    ** an unpaired ~~ are text. */
    write_file(dir, "st/s.md", "# 题\n\n这是~~删除线~~文字，第10~12条，5~~不成对。\n");
    read_one(&r, join(dir, "st"));
    CHECK_STR(FIELD(by_id(&r, "s.md#1"), text), "这是删除线文字，第10~12条，5~~不成对。");
    run_free(&r);

    /* Front matter after a UTF-8 BOM. */
    write_file(dir, "bom/bom.md", "\xEF\xBB\xBF---\nkey: 元数据\n---\n# 标题\n\n正文。\n");
    read_one(&r, join(dir, "bom"));
    CHECK(r.n == 1);
    CHECK_STR(FIELD(by_id(&r, "bom.md#1"), text), "正文。");
    CHECK_STR(FIELD(by_id(&r, "bom.md#1"), title), "标题");
    CHECK(by_id(&r, "bom.md#1") && by_id(&r, "bom.md#1")->line == 6);
    run_free(&r);

    /* INFO END closes the metadata lines: they are a passage of their own
    ** even without a heading or article after them. */
    write_file(dir, "info/case.md", "# 案例\n\n2020年1月1日\n\n<!-- INFO END -->\n\n案情正文。\n");
    read_one(&r, join(dir, "info"));
    CHECK(r.n == 2);
    CHECK_STR(FIELD(by_id(&r, "case.md#1"), text), "2020年1月1日");
    CHECK_STR(FIELD(by_id(&r, "case.md#2"), text), "案情正文。");
    CHECK(by_id(&r, "case.md#2") && by_id(&r, "case.md#2")->line == 7);
    run_free(&r);

    /* The head's date lines date a document its name does not: the
    ** latest adopted, amended or published, a 施行 line its day in force,
    ** every passage (those before INFO END too); a date in the name wins;
    ** without INFO END there is no head. */
    static const char head[] = "# 甲条例\n\n2001年3月1日 某会议通过\n\n2010年5月2日 某会议修正\n\n"
                               "2011年1月1日 施行\n\n<!-- INFO END -->\n\n第一条 正文。\n\n第二条 本条例自公布之日起施行。\n";
    write_file(dir, "head/甲条例.md", head);
    write_file(dir, "head/乙条例(2015-06-01).md", head);
    write_file(dir, "head/丙条例.md", "# 丙条例\n\n2001年3月1日 某会议通过\n\n第一条 正文。\n");
    write_file(dir, "head/丁条例.md", "# 丁条例\n\n<!-- 2009年1月1日 注释 -->\n2008年2月3日 通过\n\n<!-- INFO END -->\n\n"
                                    "第一条 2012年1月1日 修正的条文。\n");
    /* a line with a day in force of its own; a line that says the text
    ** ended dates nothing */
    write_file(dir, "head/戊条例.md", "# 戊条例\n\n2013年12月9日 某市人大常委会公告公布 自2014年1月1日施行\n\n"
                                    "2021年9月24日 废止\n\n<!-- INFO END -->\n\n第一条 正文。\n");
    read_one(&r, join(dir, "head"));
    CHECK_STR(FIELD(by_id(&r, "戊条例.md#第一条"), date), "2013-12-09");
    CHECK_STR(FIELD(by_id(&r, "戊条例.md#第一条"), extra), "{\"effective\":\"2014-01-01\"}");
    CHECK_STR(FIELD(by_id(&r, "甲条例.md#1"), date), "2010-05-02");
    CHECK_STR(FIELD(by_id(&r, "甲条例.md#第二条"), date), "2010-05-02");
    CHECK_STR(FIELD(by_id(&r, "甲条例.md#1"), extra), "{\"effective\":\"2011-01-01\"}");
    CHECK_STR(FIELD(by_id(&r, "甲条例.md#第一条"), extra), "{\"effective\":\"2011-01-01\"}");
    CHECK_STR(FIELD(by_id(&r, "乙条例(2015-06-01).md#第一条"), date), "2015-06-01");
    CHECK_STR(FIELD(by_id(&r, "丙条例.md#第一条"), date), "");
    CHECK_STR(FIELD(by_id(&r, "丁条例.md#第一条"), date), "2008-02-03");
    run_free(&r);

    /* No level-1 heading: the title is the file name without extensions. */
    write_file(dir, "sub/无标题.v2.md", "## 小节\n正文。\n");
    read_one(&r, join(dir, "sub"));
    CHECK_STR(FIELD(by_id(&r, "无标题.v2.md#1"), title), "无标题.v2");
    CHECK_STR(FIELD(by_id(&r, "无标题.v2.md#1"), heading), "小节");
    run_free(&r);
    free(dir);
}

static void test_hard_wrap(void)
{
    char *dir = new_dir();
    /* Wrapped in the middle of words, with CRLF, trailing U+3000 and
    ** spaces, and a UTF-8 BOM. */
    write_file(dir, "news.txt",
               "\xEF\xBB\xBF新华社北京电 国务院总理今天在人民大会\r\n"
               "堂会见了来访的外国代表团，双方就进一\xE3\x80\x80\r\n"
               "步加强两国在经济、科技、文化等领域的\r\n"
               "交流与合作深入交换了意见。  \r\n"
               "\r\n"
               "The search engine\r\n"
               "reads hard wrapped\r\n"
               "text.\r\n"
               "\r\n"
               "  使用\n"
               "Xapian\n"
               "引擎，\n"
               "“引号”（\n"
               "AI）和\n"
               "5G\n"
               "\xE3\x80\x80\xE3\x80\x80缩进开始新的段落。\n");
    run r;
    read_one(&r, join(dir, "news.txt"));
    CHECK(r.n == 1);
    const got *g = by_id(&r, join(dir, "news.txt#1"));
    CHECK_STR(FIELD(g, text),
              "新华社北京电 国务院总理今天在人民大会堂会见了来访的外国代表团，双方就进一步加强"
              "两国在经济、科技、文化等领域的交流与合作深入交换了意见。\n"
              "The search engine reads hard wrapped text.\n"
              "使用 Xapian 引擎，“引号”（AI）和 5G\n"
              "缩进开始新的段落。");
    CHECK_STR(FIELD(g, title), "news");
    CHECK(g && g->line == 1);
    run_free(&r);

    /* Plain text has no Markdown: '#' and '*' are text. */
    write_file(dir, "plain.txt", "# 不是标题\n*不是强调*\n");
    read_one(&r, join(dir, "plain.txt"));
    CHECK_STR(FIELD(by_id(&r, join(dir, "plain.txt#1")), text), "# 不是标题 *不是强调*");
    CHECK_STR(FIELD(by_id(&r, join(dir, "plain.txt#1")), title), "plain");
    run_free(&r);
    free(dir);
}


/* A column break: a paragraph cut in mid-sentence, a blank line, the rest.
** Joined when the first part ends no sentence and is no heading; never
** into an article, a heading or an indented paragraph. */
static void test_column_breaks(void)
{
    char *dir = new_dir();
    write_file(dir, "cols.txt",
               "人工智能治理论坛综述\n"                       /* 1: headline */
               "\n"
               "本报记者 林晓岚\n"                             /* 3: byline */
               "\n"
               "与会者普遍认为，各方应当加快建立人工智\n"     /* 5 */
               "能治理框架，推动全球法律和标准\n"             /* 6 */
               "\n"
               "的对接，避免治理碎片化。\n"                   /* 8: inside a phrase */
               "\n"
               "当地已有十二家企业进入监管沙盒，\n"           /* 10: after a comma */
               "\n"
               "测试期间发现风险点一百余个，涉及数据跨\n"     /* 12 */
               "\n"
               "\n"
               "境流动的占三成。\n"                           /* 15: two blank lines */
               "\n"
               "专家观点\n"                                   /* 17: short heading */
               "\n"
               "规则的国际协调不能只停留在原则层面。\n"
               "\n"
               "一、合作机制，长期有效的安排\n"               /* 21: numbered heading */
               "\n"
               "与会各方同意建立常设的专家交流机制。\n"
               "\n"
               "关于加快推进人工智能治理体系建设的若干意见\n" /* 25: no comma: a title */
               "\n"
               "意见提出了六个方面的任务。\n"
               "\n"
               "报告从三个方面提出建议，分别是\n"
               "\n"
               "\xE3\x80\x80\xE3\x80\x80缩进的新段落不接上文。\n" /* indented */
               "\n"
               "主要内容如下：\n"                             /* a colon ends it */
               "\n"
               "加强评估，完善标准。\n"
               "\n"
               "应当对共享申请进行审核，审核结果\n"
               "\n"
               "第六条 使用共享数据的部门应当按照用途使用数据。\n"
               "\n"
               "他说：“这是推动数据要素市场建设的第一步，\n"
               "\n"
               "后面还有很多工作。”\n");
    run r;
    read_one(&r, join(dir, "cols.txt"));
    const char *want_in[] = {
        "人工智能治理框架，推动全球法律和标准的对接，避免治理碎片化。",
        "进入监管沙盒，测试期间发现风险点一百余个，涉及数据跨境流动的占三成。",
        "人工智能治理论坛综述\n本报记者 林晓岚\n",
        "专家观点\n规则",
        "一、合作机制，长期有效的安排\n与会各方",
        "若干意见\n意见提出",
        "分别是\n缩进的新段落",
        "如下：\n加强评估",
        "他说：“这是推动数据要素市场建设的第一步，后面还有很多工作。”",
    };
    for (size_t i = 0; i < sizeof want_in / sizeof *want_in; i++)
        CHECK_MSG(contains(&r, want_in[i]), "no passage has \"%s\"", want_in[i]);
    const got *art = by_label(&r, "第六条");
    CHECK(art && art->line == 39 && strncmp(art->text, "第六条 ", 10) == 0);
    CHECK(!contains(&r, "审核结果第六条"));
    CHECK(contains(&r, "审核结果"));
    run_free(&r);

    /* Markdown: a heading, a list item or a quote after the blank line
    ** starts its own block. */
    write_file(dir, "cols.md",
               "# 标题\n\n"
               "第一段落写到一半，被分栏切断在这\n\n"
               "## 小节\n\n"
               "小节正文写到一半，被分栏切断在这\n\n"
               "- 列表项目\n\n"
               "列表之后的正文写到一半，被切断在这\n\n"
               "> 引用的文字\n\n"
               "正文写到一半的时候，被分栏切断在数据确\n\n"
               "权的中间。\n");
    read_one(&r, join(dir, "cols.md"));
    CHECK(!contains(&r, "切断在这小节") && !contains(&r, "切断在这列表") && !contains(&r, "切断在这引用"));
    CHECK(contains(&r, "切断在数据确权的中间。"));
    run_free(&r);

    /* The second half keeps its line: a passage that starts in it (a long
    ** paragraph split at sentence ends) reports the second half's line. */
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_puts(&b, "标题\n\n");                              /* the first paragraph is never continued */
    for (int i = 0; i < 6; i++) {
        for (int k = 0; k < 49; k++) zhs_buf_puts(&b, "前");
        zhs_buf_puts(&b, "。");
    }
    zhs_buf_puts(&b, "涉及数据跨\n\n境流动。");                 /* lines 3, 5 */
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 49; k++) zhs_buf_puts(&b, "后");
        zhs_buf_puts(&b, "。");
    }
    zhs_buf_puts(&b, "\n");
    zt_write_bytes(dir, "long.txt", b.data, b.len);
    zhs_buf_free(&b);
    read_one(&r, join(dir, "long.txt"));
    CHECK_MSG(r.n >= 2, "%zu passages", r.n);
    bool joined = false;
    for (size_t i = 0; i < r.n; i++) {
        const got *g = &r.p[i];
        if (strstr(g->text, "数据跨境流动")) joined = true;
        bool first_half = strncmp(g->text, "前", 3) == 0 || strncmp(g->text, "涉及", 6) == 0;
        bool title = strncmp(g->text, "标题", 6) == 0;
        CHECK_MSG(g->line == (title ? 1u : first_half ? 3u : 5u), "%s starts with %.9s at line %u", g->id, g->text,
                  g->line);
    }
    CHECK(joined);
    run_free(&r);
    free(dir);
}

static size_t cps(const char *s)
{
    return zhs_utf8_count(s, strlen(s));
}

static void test_grouping(void)
{
    char *dir = new_dir();
    zhs_buf b;
    zhs_buf_init(&b);
    /* 20 paragraphs of 60 code points. */
    for (int i = 0; i < 20; i++) {
        for (int k = 0; k < 59; k++) zhs_buf_puts(&b, "文");
        zhs_buf_puts(&b, "。\n\n");
    }
    zhs_buf_puts(&b, "## 小节\n\n短段落。\n\n");
    /* One paragraph of 30 sentences of 50 code points. */
    for (int i = 0; i < 30; i++) {
        for (int k = 0; k < 49; k++) zhs_buf_puts(&b, "句");
        zhs_buf_puts(&b, "。");
    }
    zhs_buf_puts(&b, "\n\n");
    /* A sentence of 5000 code points: cut. */
    for (int i = 0; i < 5000; i++) zhs_buf_puts(&b, "长");
    zhs_buf_puts(&b, "\n");
    zt_write_bytes(dir, "group.md", b.data, b.len);
    zhs_buf_free(&b);

    run r;
    read_one(&r, join(dir, "group.md"));
    size_t plain = 0, heading = 0, sentences = 0, cut = 0, long_chars = 0;
    for (size_t i = 0; i < r.n; i++) {
        const got *g = &r.p[i];
        size_t n = cps(g->text);
        CHECK_MSG(n <= 500, "%s has %zu code points", g->id, n);
        if (!g->heading[0]) {
            plain++;
            CHECK_MSG(n >= 100, "%s has %zu code points", g->id, n);
        } else if (strstr(g->text, "长")) {
            cut++;
            for (const char *p = g->text; (p = strstr(p, "长")) != NULL; p += 3) long_chars++;
        } else if (strstr(g->text, "短段落")) {
            heading++;
        } else {
            sentences++;
            /* Split at sentence ends, not in the middle of one. */
            CHECK(strcmp(g->text + g->text_len - 3, "。") == 0);
            CHECK(cps(g->text) == 500);
        }
    }
    CHECK_MSG(plain == 3, "%zu groups before the heading", plain);
    CHECK(heading == 1);
    CHECK(sentences == 2);
    /* 50 code points left from the sentences, topped up to 500 by the
    ** first cut piece; the rest in pieces of 500. */
    CHECK_MSG(cut == 11, "%zu cut passages", cut);
    CHECK(long_chars == 5000);
    const got *first = by_id(&r, join(dir, "group.md#1"));
    CHECK(first && first->line == 1 && cps(first->text) == 8 * 60 + 7);
    run_free(&r);
    free(dir);
}

static const char JSONL[] =
    "{\"id\": \"doc-1\", \"title\": \"标题一\", \"text\": \"第一段\\n\\n第二段\"}\n"          /* 1 */
    "{\"id\": 42, \"title\": \"数字\", \"text\": \"\\u4e2d\\u6587\\ud83d\\ude00 \\\"引号\\\"\"}\n" /* 2 */
    "{\"id\": \"bad\", \"text\": \"invalid \\x escape\"}\n"                              /* 3 */
    "not json at all\n"                                                                 /* 4 */
    "{\"id\": \"notext\", \"title\": \"t\"}\n"                                          /* 5 */
    "\n"                                                                                /* 6 */
    "{\"title\": \"无编号\", \"text\": \"没有编号的记录\"}\r\n"                         /* 7 */
    "{\"id\":\"x2\",\"text\":\"  \", \"extra\": [1, {\"a\": null}, true, -1.5e3]}\n"   /* 8 */
    "{\"extra\": {\"k\": [\"}\"]}, \"id\": \"d\\u00e9\", \"text\": \"hard\\nwrapped \\u4e2d\\n\\u6587\"}\n" /* 9 */
    "{\"id\": \"lone\", \"text\": \"\\ud800x\"}\n"                                     /* 10 */
    "{\"id\": \"cut\", \"text\": \"unterminated\n";                                    /* 11 */

static void test_jsonl(void)
{
    char *dir = new_dir();
    write_file(dir, "j/records.jsonl", JSONL);
    run r;
    read_one(&r, join(dir, "j"));
    CHECK(r.n == 5);
    CHECK(r.docs == 1);
    CHECK_STR(FIELD(by_id(&r, "doc-1"), text), "第一段\n第二段");
    CHECK_STR(FIELD(by_id(&r, "doc-1"), title), "标题一");
    CHECK(by_id(&r, "doc-1") && by_id(&r, "doc-1")->line == 1);
    CHECK_STR(FIELD(by_id(&r, "42"), text), "中文\xF0\x9F\x98\x80 \"引号\"");
    CHECK_STR(FIELD(by_id(&r, "records.jsonl#7"), text), "没有编号的记录");
    CHECK_STR(FIELD(by_id(&r, "records.jsonl#7"), title), "无编号");
    CHECK_STR(FIELD(by_id(&r, "d\xC3\xA9"), text), "hard wrapped 中文");
    CHECK_STR(FIELD(by_id(&r, "d\xC3\xA9"), title), "records");
    CHECK(by_id(&r, "d\xC3\xA9") && by_id(&r, "d\xC3\xA9")->line == 9);
    CHECK_STR(FIELD(by_id(&r, "lone"), text), "\xEF\xBF\xBDx");
    CHECK(r.st.invalid_utf8 == 1 && r.doc_invalid == 1);
    CHECK_MSG(r.st.bad_records == 5, "%llu bad records", (unsigned long long)r.st.bad_records);
    CHECK(strstr(r.warnings, "line 3:") && strstr(r.warnings, "line 4:") &&
          strstr(r.warnings, "line 5:") && strstr(r.warnings, "line 8:") &&
          strstr(r.warnings, "line 11:"));
    CHECK(r.st.files_read == 1);
    run_free(&r);

    /* A big file comes in chunks of 1000 records. */
    zhs_buf b;
    zhs_buf_init(&b);
    for (int i = 0; i < 2500; i++) zhs_buf_printf(&b, "{\"id\": \"r%d\", \"text\": \"记录%d\"}\n", i, i);
    zt_write_bytes(dir, "many.jsonl", b.data, b.len);
    zhs_buf_free(&b);
    read_one(&r, join(dir, "many.jsonl"));
    CHECK(r.docs == 3 && r.n == 2500 && r.st.files_read == 1);
    CHECK_STR(FIELD(by_id(&r, "r2499"), text), "记录2499");
    CHECK(by_id(&r, "r2499") && by_id(&r, "r2499")->line == 2500);
    run_free(&r);

    /* Only bad lines: the file is empty. */
    write_file(dir, "bad.jsonl", "[1,2]\n{\"text\": 5}\n");
    read_one(&r, join(dir, "bad.jsonl"));
    CHECK(r.n == 0 && r.st.bad_records == 2 && r.st.skipped_empty == 1);
    run_free(&r);
    free(dir);
}

static void test_gzip(void)
{
    char *dir = new_dir();
    write_gz(dir, "gz/law.md.gz", LAW_MD);
    write_gz(dir, "gz/recs.jsonl.gz", JSONL);
    /* A gzip stream cut in half is damaged. */
    write_gz(dir, "whole.txt.gz", LAW_MD);
    FILE *f = fopen(join(dir, "whole.txt.gz"), "rb");
    char half[4096];
    size_t n = f ? fread(half, 1, sizeof half, f) : 0;
    if (f) fclose(f);
    zt_write_bytes(dir, "gz/broken.txt.gz", half, n / 2);

    run r;
    read_one(&r, join(dir, "gz"));
    CHECK(r.st.files_read == 2);
    CHECK(r.st.skipped_error == 1 && strstr(r.warnings, "broken.txt.gz"));
    CHECK(r.n == 6 + 5);
    CHECK_STR(FIELD(by_label(&r, "第二百二十四条之一"), id), "law.md.gz#第二百二十四条之一");
    CHECK(by_label(&r, "第三条") && by_label(&r, "第三条")->line == 22);
    CHECK_STR(FIELD(by_label(&r, "第三条"), title), "中华人民共和国测试法");
    CHECK_STR(FIELD(by_id(&r, "42"), text), "中文\xF0\x9F\x98\x80 \"引号\"");
    CHECK(r.st.bytes == strlen(LAW_MD) + strlen(JSONL));
    run_free(&r);
    free(dir);
}

static void test_invalid_utf8_binary_empty(void)
{
    char *dir = new_dir();
    write_file(dir, "bad-utf8.md", "# 标题\n\n坏\xFF字节\xE4\xB8和截断\xC0\xAF。\n");
    zt_write_bytes(dir, "binary.md", "abc\0def\n", 8);
    write_file(dir, "empty.md", "");
    write_file(dir, "blank.txt", "  \n\n\t\n\xE3\x80\x80\n");
    write_file(dir, "comment.md", "<!-- only a comment -->\n---\n# \n");
    write_file(dir, "ok.txt", "正文。\n");
    run r;
    read_one(&r, dir);
    CHECK(r.n == 2);
    const got *g = by_id(&r, "bad-utf8.md#1");
    CHECK_STR(FIELD(g, text), "坏\xEF\xBF\xBD字节\xEF\xBF\xBD和截断\xEF\xBF\xBD\xEF\xBF\xBD。");
    CHECK_MSG(r.st.invalid_utf8 == 4 && r.doc_invalid == 4, "%llu invalid",
              (unsigned long long)r.st.invalid_utf8);
    CHECK(r.st.skipped_binary == 1 && strstr(r.warnings, "binary.md"));
    CHECK(r.st.skipped_empty == 3 && strstr(r.warnings, "empty.md") &&
          strstr(r.warnings, "blank.txt") && strstr(r.warnings, "comment.md"));
    CHECK(r.st.files_read == 2 && r.st.files_skipped == 4);
    run_free(&r);
    free(dir);
}

static void test_unreadable(void)
{
    char *dir = new_dir();
    write_file(dir, "a.md", "甲。\n");
    write_file(dir, "x.md/inner.md", "目录里的文件。\n");    /* a directory named x.md */
    write_file(dir, "z.md", "乙。\n");
    write_file(dir, "zz.md", "丙。\n");
    CHECK(symlink("/nonexistent/nowhere.md", join(dir, "gone.md")) == 0);

    zhs_error err;
    zhs_error_clear(&err);
    run w;
    memset(&w, 0, sizeof w);
    zhs_corpus_options opts = {ZHS_CORPUS_OPTIONS_VERSION, on_warn, &w, 0, ZHS_ORDER_SIMILAR};
    const char *paths[] = {dir, join(dir, "missing.md")};
    zhs_corpus *c = NULL;
    CHECK_OK(zhs_corpus_open(&c, paths, 2, &opts, &err), err);
    CHECK(strstr(w.warnings, "gone.md") && strstr(w.warnings, "missing.md"));
    /* Removed between open and read: warned when reached, the run goes on. */
    CHECK(unlink(join(dir, "z.md")) == 0);
    const zhs_document *d;
    int docs = 0, rc;
    bool saw_zz = false, saw_inner = false;
    while (c && (rc = zhs_corpus_next(c, &d, &err)) == ZHS_OK) {
        docs++;
        if (strstr(d->path, "zz.md")) saw_zz = true;
        if (strcmp(d->passages[0].id, "x.md/inner.md#1") == 0) saw_inner = true;
    }
    CHECK(docs == 3 && saw_zz && saw_inner);
    CHECK(strstr(w.warnings, "z.md: cannot open") != NULL);
    zhs_corpus_stats st;
    zhs_corpus_stats_get(c, &st);
    CHECK(st.skipped_error == 3 && st.files_skipped == 3 && st.files_read == 3);
    zhs_corpus_close(c);
    free(dir);
}

static void test_walk(void)
{
    char *dir = new_dir();
    /* Sorted in byte order, types filtered, total size known at open. */
    write_file(dir, "b.md", "乙。\n");
    write_file(dir, "a.txt", "甲。\n");
    write_file(dir, "A.MD", "大写。\n");
    write_file(dir, "c.pdf", "%PDF");
    write_file(dir, "sub/z.md", "子目录。\n");
    write_file(dir, "sub dir/有 空格.md", "空格。\n");
    run r;
    read_all_opts(&r, (const char *const *)&dir, 1, 0, ZHS_ORDER_PATH);
    CHECK(r.docs == 5);
    /* Byte order of the names in each directory: "sub" before "sub dir". */
    const char *order[] = {"A.MD", "a.txt", "b.md", "sub/z.md", "sub dir/有 空格.md"};
    for (size_t i = 0; i < 5 && i < r.docs; i++)
        CHECK_STR(r.doc_paths[i], join(dir, order[i]));
    CHECK_STR(FIELD(by_id(&r, "sub dir/有 空格.md#1"), text), "空格。");
    CHECK(r.st.skipped_type == 1 && strstr(r.warnings, "c.pdf"));
    uint64_t expect = 0;
    for (size_t i = 0; i < 5; i++) {
        struct stat st;
        if (stat(join(dir, order[i]), &st) == 0) expect += (uint64_t)st.st_size;
    }
    CHECK(r.total_bytes == expect);
    run_free(&r);

    /* Too large for max_file_bytes. */
    const char *one = join(dir, "b.md");
    read_all_opts(&r, &one, 1, 4, ZHS_ORDER_SIMILAR);
    CHECK(r.n == 0 && r.st.skipped_error == 1 && r.total_bytes == 0);
    run_free(&r);
    free(dir);
}

static void test_symlink_loop_and_depth(void)
{
    char *dir = new_dir();
    write_file(dir, "a/b/f.md", "文件。\n");
    CHECK(symlink("../..", join(dir, "a/b/up")) == 0);
    CHECK(symlink("self", join(dir, "a/self")) == 0);
    CHECK(symlink("b", join(dir, "a/again")) == 0);   /* not a loop: read twice */
    run r;
    read_one(&r, dir);
    CHECK(r.n == 2 && by_id(&r, "a/b/f.md#1") && by_id(&r, "a/again/f.md#1"));
    CHECK(r.st.skipped_error == 3);     /* up, again/up, self */
    CHECK(strstr(r.warnings, "loop") != NULL);
    run_free(&r);

    char *deep = new_dir();
    char rel[1024] = "";
    for (int i = 0; i < 70; i++) strcat(rel, "d/");
    strcat(rel, "deep.md");
    write_file(deep, rel, "很深。\n");
    write_file(deep, "d/d/shallow.md", "不深。\n");
    read_one(&r, deep);
    CHECK(r.n == 1 && by_id(&r, "d/d/shallow.md#1"));
    CHECK(r.st.skipped_error == 1 && strstr(r.warnings, "deep"));
    run_free(&r);
    free(deep);
    free(dir);
}

static void test_huge_line(void)
{
    char *dir = new_dir();
    const size_t target = 5u << 20;
    zhs_buf b;
    zhs_buf_init(&b);
    while (b.len < target) zhs_buf_puts(&b, "中华人民共和国");
    zt_write_bytes(dir, "one.md", b.data, b.len);
    run r;
    read_one(&r, join(dir, "one.md"));
    zhs_buf all;
    zhs_buf_init(&all);
    bool sizes_ok = true;
    for (size_t i = 0; i < r.n; i++) {
        zhs_buf_append(&all, r.p[i].text, r.p[i].text_len);
        if (cps(r.p[i].text) > 500) sizes_ok = false;
    }
    CHECK(sizes_ok);
    CHECK(r.n >= b.len / 3 / 500);
    CHECK(all.len == b.len && memcmp(all.data, b.data, b.len) == 0);
    zhs_buf_free(&all);
    run_free(&r);

    /* The same size of short sentences, in a plain text file. */
    zhs_buf_reset(&b);
    while (b.len < target) zhs_buf_puts(&b, "短句子。");
    zt_write_bytes(dir, "sentences.txt", b.data, b.len);
    read_one(&r, join(dir, "sentences.txt"));
    sizes_ok = true;
    for (size_t i = 0; i + 1 < r.n; i++) {
        size_t n = cps(r.p[i].text);
        if (n < 100 || n > 500) sizes_ok = false;
    }
    CHECK(sizes_ok && r.n > 1000);
    run_free(&r);
    zhs_buf_free(&b);
    free(dir);
}

static void test_api(void)
{
    zhs_error err;
    zhs_error_clear(&err);
    const char *p = "x";
    CHECK(zhs_corpus_open(NULL, &p, 1, NULL, &err) == ZHS_EINVAL);
    zhs_error_clear(&err);
    zhs_corpus *c = NULL;
    CHECK(zhs_corpus_open(&c, NULL, 1, NULL, &err) == ZHS_EINVAL && c == NULL);
    zhs_error_clear(&err);
    /* Nothing to read is not an error; NULL options are defaults. */
    CHECK_OK(zhs_corpus_open(&c, NULL, 0, NULL, &err), err);
    const zhs_document *d = (const zhs_document *)&err;
    CHECK(c && zhs_corpus_next(c, &d, &err) == ZHS_DONE && d == NULL);
    /* An error already recorded makes the call a no-op. */
    err.code = ZHS_EIO;
    CHECK(zhs_corpus_next(c, &d, &err) == ZHS_EIO);
    zhs_corpus_close(c);
    zhs_corpus_close(NULL);
    CHECK(zhs_corpus_total_bytes(NULL) == 0);
}

/* --------------------------------------------------- real corpora */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_unique_ids(const run *r)
{
    /* Sort copies of the ids and look for neighbours that are equal. */
    char **ids = malloc((r->n ? r->n : 1) * sizeof *ids);
    if (!ids) abort();
    for (size_t i = 0; i < r->n; i++) ids[i] = r->p[i].id;
    qsort(ids, r->n, sizeof *ids, cmp_str);
    size_t dups = 0;
    for (size_t i = 1; i < r->n; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0) dups++;
    CHECK_MSG(dups == 0, "%zu duplicate ids", dups);
    free(ids);
}

static void test_sample(void)
{
    const char *sample = zt_src("corpus/sample");
    struct stat st;
    if (stat(sample, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("corpus/sample absent: sample check skipped\n");
        return;
    }
    run r;
    read_one(&r, sample);
    CHECK(r.n > 0 && r.st.files_read > 0);
    check_unique_ids(&r);
    printf("sample: %llu files, %zu passages\n", (unsigned long long)r.st.files_read, r.n);
    run_free(&r);
}

/* The passage ids of document d of r, in order, one string. */
static char *doc_ids(const run *r, size_t d, size_t *at)
{
    size_t cap = 1;
    char *s = calloc(1, 1);
    const char *path = r->doc_paths[d];
    for (; *at < r->n && !strcmp(r->p[*at].path, path); ++*at) {
        cap += strlen(r->p[*at].id) + 1;
        s = realloc(s, cap);
        if (!s) abort();
        strcat(strcat(s, r->p[*at].id), " ");
    }
    return s;
}

/* ZHS_ORDER_SIMILAR hands out every document of ZHS_ORDER_PATH, each whole
** and with its passages in their order, only the documents moved; the
** same every time.  An order that is neither is refused. */
static void test_order(void)
{
    const char *sample = zt_src("corpus/sample");
    struct stat st;
    if (stat(sample, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("corpus/sample absent: order check skipped\n");
        return;
    }
    run byname, again, bypath;
    read_all_opts(&byname, &sample, 1, 0, ZHS_ORDER_SIMILAR);
    read_all_opts(&again, &sample, 1, 0, ZHS_ORDER_SIMILAR);
    read_all_opts(&bypath, &sample, 1, 0, ZHS_ORDER_PATH);
    CHECK(byname.docs == bypath.docs && byname.n == bypath.n && byname.docs > 10);
    CHECK(again.docs == byname.docs && again.n == byname.n);
    size_t moved = 0;
    for (size_t i = 0; i < byname.docs && i < again.docs; i++) {
        CHECK_STR(again.doc_paths[i], byname.doc_paths[i]);
        moved += strcmp(byname.doc_paths[i], bypath.doc_paths[i]) != 0;
    }
    CHECK_MSG(moved > 0, "the similar order of corpus/sample is its path order");
    /* each document's passages, compared with the same document's in path order */
    size_t at = 0;
    for (size_t d = 0; d < byname.docs; d++) {
        char *mine = doc_ids(&byname, d, &at);
        size_t pat = 0;
        char *theirs = NULL;
        for (size_t e = 0; e < bypath.docs && !theirs; e++) {
            char *ids = doc_ids(&bypath, e, &pat);
            if (!strcmp(bypath.doc_paths[e], byname.doc_paths[d])) theirs = ids;
            else free(ids);
        }
        CHECK_MSG(theirs && !strcmp(mine, theirs), "%s: passages %s, in path order %s", byname.doc_paths[d], mine,
                  theirs ? theirs : "(none)");
        free(mine);
        free(theirs);
    }
    CHECK_MSG(at == byname.n, "passages of a document apart: %zu of %zu in runs", at, byname.n);
    printf("order: %zu of %zu documents of corpus/sample moved\n", moved, byname.docs);
    run_free(&byname);
    run_free(&again);
    run_free(&bypath);

    zhs_error err;
    zhs_error_clear(&err);
    zhs_corpus_options bad = {ZHS_CORPUS_OPTIONS_VERSION, NULL, NULL, 0, 7};
    zhs_corpus *c = NULL;
    CHECK(zhs_corpus_open(&c, &sample, 1, &bad, &err) == ZHS_EINVAL && c == NULL && strstr(err.message, "order 7"));

    /* A struct from a newer zhs.h may hold fields this library would not
    ** read: refused, with the versions named.  A zeroed struct (version 0)
    ** is the defaults, the same as the initialiser. */
    zhs_corpus_options newer;
    zhs_corpus_options_default(&newer);
    CHECK(newer.version == ZHS_CORPUS_OPTIONS_VERSION && newer.order == ZHS_ORDER_SIMILAR && !newer.warn);
    newer.version = ZHS_CORPUS_OPTIONS_VERSION + 1;
    zhs_error_clear(&err);
    CHECK(zhs_corpus_open(&c, &sample, 1, &newer, &err) == ZHS_EINVAL && c == NULL &&
          strstr(err.message, "newer than this library's"));
    zhs_corpus_options zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    zhs_error_clear(&err);
    CHECK(zhs_corpus_open(&c, &sample, 1, &zeroed, &err) == ZHS_OK && c != NULL);
    zhs_corpus_close(c);
}

static void test_laws(void)
{
    const char *shared = zt_shared_dir();
    if (!shared) {
        printf("../shared absent: laws corpus check skipped\n");
        return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/corpus/laws", shared);
    double t0 = zhs_now();
    run r;
    read_one(&r, path);
    double t = zhs_now() - t0;
    size_t labels = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.p[i].label[0]) labels++;
    printf("laws: %llu files, %zu passages, %zu articles, %.2f s\n",
           (unsigned long long)r.st.files_read, r.n, labels, t);
    CHECK(r.st.files_read > 3000 && r.st.files_skipped == 0);
    CHECK(r.n > 100000);
    CHECK(labels > 140000);
    CHECK(r.st.invalid_utf8 == 0 && r.st.bytes > 50u * 1000 * 1000);
    check_unique_ids(&r);
    const got *g = NULL;
    for (size_t i = 0; i < r.n && !g; i++)
        if (strstr(r.p[i].path, "民法典/人格权编.md") && strcmp(r.p[i].label, "第九百八十九条") == 0)
            g = &r.p[i];
    CHECK_STR(FIELD(g, title), "中华人民共和国民法典");
    CHECK_STR(FIELD(g, heading), "人格权编 \xE2\x80\xBA 第一章 一般规定");
    CHECK_STR(FIELD(g, text), "第九百八十九条 本编调整因人格权的享有和保护产生的民事关系。");
    CHECK(g && g->line == 13);
    run_free(&r);
}

int main(void)
{
    test_api();
    test_valid_prefix();
    test_articles();
    test_text_headings();
    test_page_furniture();
    test_stable_ids();
    test_many_ids();
    test_markdown_cleaning();
    test_hard_wrap();
    test_column_breaks();
    test_grouping();
    test_jsonl();
    test_gzip();
    test_invalid_utf8_binary_empty();
    test_unreadable();
    test_walk();
    test_symlink_loop_and_depth();
    test_huge_line();
    test_sample();
    test_order();
    test_laws();
    return zt_done("test_corpus");
}
