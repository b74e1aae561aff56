/*
** test_segmenter.c — the dictionary segmenter on a table of cases, its
** fingerprint, user dictionaries, and an index built with one segmenter
** queried through the other.
*/
#include "dict.h"
#include "harness.h"
#include "zhs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The word, latin and number tokens of text, as "a/b/c". */
static const char *words_of(zhs_analyzer *an, const char *text, size_t len)
{
    static char out[4096];
    const zhs_token *t;
    size_t n;
    zhs_error err = {0};
    out[0] = 0;
    if (zhs_analyzer_run(an, &t, &n, text, len, &err)) {
        snprintf(out, sizeof out, "error: %s", err.message);
        return out;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == ZHS_TOKEN_BIGRAM || t[i].kind == ZHS_TOKEN_CHAR) continue;
        int k = snprintf(out + o, sizeof out - o, "%s%s", o ? "/" : "", t[i].text);
        if (k < 0 || (size_t)k >= sizeof out - o) break;
        o += (size_t)k;
    }
    return out;
}

static const char *segment_of(zhs_analyzer *an, const char *text)
{
    static char msg[ZHS_ERROR_MAX + 8];
    const char *out;
    size_t len;
    zhs_error err = {0};
    if (zhs_analyzer_segment(an, &out, &len, text, strlen(text), &err)) {
        snprintf(msg, sizeof msg, "error: %s", err.message);
        return msg;
    }
    return out;
}

static zhs_analyzer *open_with(int segmenter, const char *user_dict, zhs_error *err)
{
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.segmenter = segmenter;
    cfg.user_dict = user_dict;
    zhs_analyzer *an = NULL;
    zhs_analyzer_open(&an, &cfg, err);
    return an;
}

typedef struct seg_case {
    const char *text;
    const char *words;      /* word/latin/number tokens, '/'-separated */
} seg_case;

/* Every example of issue 11 and the shapes Chinese law text has. */
static const seg_case cases[] = {
    {"联合国人脸识别", "联合国/人脸识别"},
    {"第二十条", "第二十条"},
    {"依照本法第四十二条的规定", "依照/本法/第四十二条/的/规定"},
    {"第一百零一条", "第一百零一/条"},
    {"二十五日", "二十五日"},
    {"2024年", "2024/年"},
    {"G20峰会", "g20/峰会"},
    {"5G网络", "5g/网络"},
    {"v2.1版本3.5万元", "v2.1/版本/3.5/万/元"},
    {"新华社12月31日电", "新华社/12/月/31/日/电"},
    {"AI治理与ＧＤＰＲ合规", "ai/治理/与/gdpr/合规"},
    /* traditional text is folded first (OpenCC, by phrase: 資料 is 数据),
    ** then segmented */
    {"個人資料保護", "个人/数据保护"},
    {"網信部門", "网信部门"},
    {"ＡＩ治理與個人資料保護", "ai/治理/与/个人/数据保护"},
    /* our legal dictionary */
    {"个人信息处理者应当取得个人的单独同意", "个人信息处理者/应当/取得/个人/的/单独同意"},
    {"县级以上地方人民政府网信部门", "县级以上地方人民政府/网信部门"},
    /* numerals: no word starts inside a run of them */
    {"二十分钟", "二十分钟"},
    {"六十四条", "六十四/条"},
    {"十分重要", "十分/重要"},
    /* a numeral and its measure word are two words; ordinal units, the
    ** lexical 百年 and the indefinite 一个 stay whole; a year in Chinese
    ** digits takes its 年 */
    {"一次性支付三个月工资", "一次性/支付/三/个/月工资"},
    {"两次会议", "两/次/会议"},
    {"第一个工作日", "第一/个/工作日"},
    {"第三章第五节第二款", "第三章/第五节/第二款"},
    {"百年大计", "百年大计"},
    {"这是一个问题", "这/是/一个/问题"},
    {"一九九八年十二月", "一九九八年/十二月"},
    {"七八年", "七八/年"},
    /* compatibility forms expand; supplementary Han stays whole */
    {"㈠总则", "一/总则"},
    {"\xF0\xA0\x80\x80\xF0\xA0\x80\x81人脸", "\xF0\xA0\x80\x80/\xF0\xA0\x80\x81/人脸"},
    /* punctuation and space end words and make none */
    {"数据，安全。 个人 信息", "数据/安全/个人/信息"},
    {"", ""},
    {"，。！？", ""},
    /* invalid UTF-8 is U+FFFD: no token, no crash */
    {"\xFF人脸\xC3识别\xE4\xBD", "人脸/识别"},
};

static void test_table(zhs_analyzer *an)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = words_of(an, cases[i].text, strlen(cases[i].text));
        CHECK_MSG(!strcmp(got, cases[i].words), "'%s': expected %s, got %s", cases[i].text, cases[i].words, got);
    }
    /* never 国 or 脸 alone, whatever surrounds it */
    const char *g = words_of(an, "在联合国人脸识别会议上", strlen("在联合国人脸识别会议上"));
    CHECK_MSG(!strstr(g, "/国/") && !strstr(g, "/脸/"), "%s", g);
}

/* Offsets point into the original text, positions count Han characters and
** a word shares its position with the bigram that starts on it. */
static void test_offsets(zhs_analyzer *an)
{
    const char *text = "ＡＩ治理與個人資料";
    const zhs_token *t;
    size_t n;
    zhs_error err = {0};
    CHECK_OK(zhs_analyzer_run(an, &t, &n, text, strlen(text), &err), err);
    int words = 0, bigrams = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(t[i].start < t[i].end && t[i].end <= strlen(text));
        if (t[i].kind == ZHS_TOKEN_WORD && !strcmp(t[i].text, "数据")) {
            words++;
            CHECK(t[i].position == 6);
            CHECK(t[i].start == 21 && t[i].end == 27);      /* 資料 */
        }
        if (t[i].kind == ZHS_TOKEN_BIGRAM && t[i].position == 4) {
            bigrams++;
            CHECK_STR(t[i].text, "个人");
        }
    }
    CHECK(words == 1 && bigrams == 1);
}

static void test_segment_output(zhs_analyzer *dict, zhs_analyzer *icu)
{
    CHECK_STR(segment_of(dict, "联合国人脸识别"), "联合国 人脸识别");
    CHECK_STR(segment_of(dict, "人工智能——治理……框架"), "人工智能 —— 治理 …… 框架");
    CHECK_STR(segment_of(dict, "個人資料保護法"), "個人 資料保護 法");    /* original characters */
    /* digits and the unit after them are one segment (the index keeps the
    ** number a token of its own: test_table) */
    CHECK_STR(segment_of(dict, "2024年G20峰会"), "2024年 G20 峰会");
    CHECK_STR(segment_of(dict, "１２月３１日8时增长10%达1万亿元"), "１２月 ３１日 8时 增长 10% 达 1万亿 元");
    CHECK_STR(segment_of(dict, "2024 年，12 个"), "2024 年 ， 12 个");
    CHECK_STR(segment_of(dict, "㈠总则"), "㈠ 总则");
    CHECK_STR(segment_of(dict, ""), "");
    /* ICU's break is still there, and still splits 联合国 */
    CHECK_STR(segment_of(icu, "联合国人脸识别"), "联合 国人 脸 识别");
}

static void test_fingerprint(zhs_analyzer *dict, zhs_analyzer *icu)
{
    const char *fd = zhs_analyzer_fingerprint(dict), *fi = zhs_analyzer_fingerprint(icu);
    CHECK_MSG(strstr(fd, " seg=dict dict=") != NULL, "%s", fd);
    CHECK_MSG(strstr(fi, " seg=") == NULL && strstr(fi, " dict=") == NULL, "%s", fi);
    zhs_analyzer_config c;
    CHECK(zhs_analyzer_config_from_fingerprint(&c, fd) == ZHS_OK && c.segmenter == ZHS_SEGMENTER_DICT);
    CHECK(zhs_analyzer_config_from_fingerprint(&c, fi) == ZHS_OK && c.segmenter == ZHS_SEGMENTER_ICU);
    CHECK_MSG(strstr(fd, " nums=1") != NULL, "%s", fd);
    /* an index from before the numeral rules: read and segmented as then */
    char old[512];
    snprintf(old, sizeof old, "%.*s", (int)(strstr(fd, " nums=1") - fd), fd);
    CHECK(zhs_analyzer_config_from_fingerprint(&c, old) == ZHS_OK && c.segmenter == ZHS_SEGMENTER_DICT_V1);
    zhs_analyzer *v1 = NULL;
    zhs_error e1 = {0};
    CHECK_OK(zhs_analyzer_open(&v1, &c, &e1), e1);
    if (v1) {
        CHECK_STR(zhs_analyzer_fingerprint(v1), old);
        CHECK_STR(words_of(v1, "两次会议", strlen("两次会议")), "两次/会议");
        CHECK_STR(segment_of(v1, "2024年"), "2024 年");
    }
    zhs_analyzer_close(v1);
    /* an index from before the choice: ICU */
    CHECK(zhs_analyzer_config_from_fingerprint(&c, "zhs-analyzer/1 icu=72.1 unicode=15.0 nfkc_cf trad=1 words=1 bigrams=1")
          == ZHS_OK && c.segmenter == ZHS_SEGMENTER_ICU && c.fold_traditional && c.bigrams);
    /* a zeroed config is the dict segmenter */
    zhs_analyzer_config zero;
    memset(&zero, 0, sizeof zero);
    zero.words = 1;
    zhs_analyzer *an = NULL;
    zhs_error err = {0};
    CHECK_OK(zhs_analyzer_open(&an, &zero, &err), err);
    if (an) CHECK(strstr(zhs_analyzer_fingerprint(an), " seg=dict") != NULL);
    zhs_analyzer_close(an);
    /* a bad segmenter value and a user dictionary under icu are refused */
    zhs_analyzer_config bad;
    zhs_analyzer_config_default(&bad);
    bad.segmenter = 7;
    zhs_error e2 = {0};
    an = NULL;
    CHECK(zhs_analyzer_open(&an, &bad, &e2) == ZHS_EINVAL && an == NULL);
    /* a flag set from a bit mask (bigrams = flags & 2) would be written
    ** into the fingerprint as 2 and read back as off: refused, by name */
    zhs_analyzer_config_default(&bad);
    bad.bigrams = 2;
    zhs_error e4 = {0};
    CHECK(zhs_analyzer_open(&an, &bad, &e4) == ZHS_EINVAL && an == NULL && strstr(e4.message, "bigrams") != NULL);
    zhs_analyzer_config_default(&bad);
    bad.fold_traditional = 9;
    zhs_error e5 = {0};
    CHECK(zhs_analyzer_open(&an, &bad, &e5) == ZHS_EINVAL && strstr(e5.message, "fold_traditional") != NULL);
    zhs_analyzer_config_default(&bad);
    bad.chars = -1;
    zhs_error e6 = {0};
    CHECK(zhs_analyzer_open(&an, &bad, &e6) == ZHS_EINVAL && strstr(e6.message, "chars") != NULL);
    zhs_error e3 = {0};
    CHECK(open_with(ZHS_SEGMENTER_ICU, "/nonexistent", &e3) == NULL && e3.code == ZHS_EINVAL);
}

static int nwarnings;
static char last_warning[512];
static void on_warning(void *ctx, const char *msg)
{
    (void)ctx;
    nwarnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
    if (strstr(msg, ":3:") == NULL && strstr(msg, ":5:") == NULL && strstr(msg, ":6:") == NULL &&
        strstr(msg, ":7:") == NULL)
        fprintf(stderr, "unexpected warning: %s\n", msg);
}

static const char *write_file(const char *name, const char *data)
{
    static char path[8][1024];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 1024, "%s/%s", zt_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(data, f);
        fclose(f);
    }
    return p;
}

/* Builds an index of three passages; returns its directory. */
static const char *build_index(const char *name, zhs_analyzer *an, zhs_error *err)
{
    static char dirs[4][1024];
    static int k;
    char *dir = dirs[k++ % 4];
    snprintf(dir, 1024, "%s/%s", zt_tmpdir(), name);
    static const char *texts[] = {
        "第一条 云澜数据交易所应当建立数据交易规则，联合国人脸识别标准另行规定。",
        "第二条 数据交易场所应当公开交易规则。",
        "第三条 网信部门负责统筹协调个人信息保护工作。",
    };
    zhs_writer *w;
    if (zhs_writer_open(&w, dir, an, NULL, err)) return NULL;
    for (int d = 0; d < 3; d++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", d);
        zhs_passage p = {id, texts[d], strlen(texts[d]), "", "", "", "synthetic", (uint32_t)d + 1, NULL, NULL, NULL, NULL, NULL};
        if (zhs_writer_add(w, &p, err)) break;
    }
    if (!err->code) zhs_writer_commit(w, err);
    zhs_writer_close(w);
    return err->code ? NULL : dir;
}

static size_t hits(zhs_index *ix, zhs_analyzer *an, const char *q, const char **first_id)
{
    zhs_results *r = NULL;
    zhs_error err = {0};
    *first_id = NULL;
    if (zhs_index_search(&r, ix, an, q, NULL, &err)) return (size_t)-1;
    size_t n = zhs_results_count(r);
    static char id[64];
    if (n) {
        zhs_passage p;
        if (zhs_results_passage(&p, r, zhs_results_hit(r, 0)->doc, &err) == ZHS_OK) {
            snprintf(id, sizeof id, "%s", p.id);
            *first_id = id;
        }
    }
    zhs_results_free(r);
    return n;
}

static void test_user_dict(void)
{
    /* line 3: not Han; 5: bad frequency; 6: invalid UTF-8; 7: too long */
    const char *path = write_file("user.txt",
        "\xEF\xBB\xBF云澜\t50\r\n"
        "數據交易所\n"
        "abc\n"
        "# a comment\n"
        "交易场所\tlots\n"
        "\xFF\xFE\n"
        "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十\n"
        "\n");
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.user_dict = path;
    cfg.on_warning = on_warning;
    zhs_analyzer *an = NULL;
    zhs_error err = {0};
    CHECK_OK(zhs_analyzer_open(&an, &cfg, &err), err);
    CHECK_MSG(nwarnings == 4, "%d warnings, last: %s", nwarnings, last_warning);
    if (!an) return;
    CHECK_MSG(strstr(zhs_analyzer_fingerprint(an), " user=") != NULL, "%s", zhs_analyzer_fingerprint(an));
    /* traditional in the file, simplified in the text: both fold */
    CHECK_STR(words_of(an, "云澜数据交易所", strlen("云澜数据交易所")), "云澜/数据交易所");
    CHECK_STR(words_of(an, "雲瀾數據交易所", strlen("雲瀾數據交易所")), "云澜/数据交易所");

    /* The index keeps the words: a query analyzer opened from the index
    ** segments the same way, and the word finds its passage. */
    const char *dir = build_index("user.idx", an, &err);
    CHECK_OK(err.code, err);
    zhs_index *ix = NULL;
    if (dir) CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (ix) {
        char up[1200];
        snprintf(up, sizeof up, "%s/g1.userdict", dir);
        struct stat st;
        CHECK(stat(up, &st) == 0 && st.st_size > 0);
        zhs_analyzer *qa = NULL;
        CHECK_OK(zhs_index_open_analyzer(&qa, ix, &err), err);
        if (qa) {
            CHECK_STR(zhs_analyzer_fingerprint(qa), zhs_analyzer_fingerprint(an));
            CHECK_STR(words_of(qa, "云澜数据交易所", strlen("云澜数据交易所")), "云澜/数据交易所");
            const char *id;
            CHECK(hits(ix, qa, "\"数据交易所\"", &id) == 1 && id && !strcmp(id, "p0"));
            CHECK(hits(ix, qa, "云澜", &id) == 1 && id && !strcmp(id, "p0"));
        }
        /* without its user dictionary, the dict analyzer is not the index's */
        zhs_analyzer *plain = open_with(ZHS_SEGMENTER_DICT, NULL, &err);
        zhs_results *r = NULL;
        zhs_error e2 = {0};
        CHECK(zhs_index_search(&r, ix, plain, "云澜", NULL, &e2) == ZHS_EANALYZER);
        zhs_results_free(r);
        zhs_analyzer_close(plain);
        zhs_analyzer_close(qa);
        zhs_index_close(ix);
        /* a changed copy and a missing one are errors that say what to do */
        FILE *f = fopen(up, "w");
        if (f) {
            fputs("云澜\n", f);
            fclose(f);
        }
        zhs_index *ix1 = NULL;
        zhs_error e1 = {0};
        CHECK_OK(zhs_index_open(&ix1, dir, &e1), e1);
        zhs_analyzer *qa1 = NULL;
        if (ix1) CHECK(zhs_index_open_analyzer(&qa1, ix1, &e1) == ZHS_ECORRUPT && strstr(e1.message, "rebuild"));
        zhs_analyzer_close(qa1);
        zhs_index_close(ix1);
        remove(up);
        zhs_index *ix2 = NULL;
        zhs_error e3 = {0};
        CHECK_OK(zhs_index_open(&ix2, dir, &e3), e3);
        zhs_analyzer *qa2 = NULL;
        if (ix2) CHECK(zhs_index_open_analyzer(&qa2, ix2, &e3) == ZHS_ECORRUPT && strstr(e3.message, "userdict"));
        zhs_analyzer_close(qa2);
        zhs_index_close(ix2);
    }
    zhs_analyzer_close(an);

    /* a file that cannot be read fails the open */
    zhs_error e4 = {0};
    CHECK(open_with(ZHS_SEGMENTER_DICT, "/nonexistent/user.txt", &e4) == NULL && e4.code == ZHS_EIO);
}

/* An index built with ICU is queried through ICU: a dict analyzer is
** refused, the index's own analyzer is ICU and finds what ICU indexed. */
static void test_icu_index(zhs_analyzer *dict, zhs_analyzer *icu)
{
    zhs_error err = {0};
    const char *dir = build_index("icu.idx", icu, &err);
    CHECK_OK(err.code, err);
    zhs_index *ix = NULL;
    if (dir) CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (!ix) return;
    zhs_results *r = NULL;
    zhs_error e2 = {0};
    CHECK(zhs_index_search(&r, ix, dict, "人脸识别", NULL, &e2) == ZHS_EANALYZER);
    CHECK_MSG(strstr(e2.message, "rebuild") != NULL, "%s", e2.message);
    zhs_results_free(r);
    zhs_analyzer *qa = NULL;
    CHECK_OK(zhs_index_open_analyzer(&qa, ix, &err), err);
    if (qa) {
        CHECK_STR(zhs_analyzer_fingerprint(qa), zhs_analyzer_fingerprint(icu));
        zhs_analyzer_config c;
        zhs_analyzer_config_get(qa, &c);
        CHECK(c.segmenter == ZHS_SEGMENTER_ICU);
        const char *id;
        CHECK(hits(ix, qa, "\"联合国人脸识别\"", &id) == 1 && id && !strcmp(id, "p0"));
    }
    zhs_analyzer_close(qa);
    zhs_index_close(ix);
    /* and the other way round */
    dir = build_index("dict.idx", dict, &err);
    ix = NULL;
    if (dir) CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (!ix) return;
    zhs_error e3 = {0};
    CHECK(zhs_index_search(&r, ix, icu, "人脸识别", NULL, &e3) == ZHS_EANALYZER);
    qa = NULL;
    CHECK_OK(zhs_index_open_analyzer(&qa, ix, &err), err);
    if (qa) {
        const char *id;
        CHECK(hits(ix, qa, "\"联合国人脸识别\"", &id) == 1 && id && !strcmp(id, "p0"));
        CHECK(hits(ix, qa, "网信部门", &id) >= 1 && id && !strcmp(id, "p2"));
    }
    zhs_analyzer_close(qa);
    zhs_index_close(ix);
}

/* Bytes that are not text, long runs, lone surrogates' UTF-8: no crash. */
static void test_hostile(zhs_analyzer *an)
{
    unsigned seed = 12345;
    char buf[4096];
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(round * 13 % (int)sizeof buf);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            static const char *pieces[] = {"人", "脸", "一", "十", "第", "1", "a", ".", "，", "\xED\xA0\x80", "\xF0\xA0\x80\x80", " "};
            if (seed >> 28 < 12 && i + 4 < n) {
                const char *p = pieces[seed >> 28];
                size_t l = strlen(p);
                memcpy(buf + i, p, l);
                i += l - 1;
            } else {
                buf[i] = (char)(seed >> 16);
            }
        }
        const zhs_token *t;
        size_t nt;
        zhs_error err = {0};
        CHECK_OK(zhs_analyzer_run(an, &t, &nt, buf, n, &err), err);
        for (size_t i = 0; i < nt; i++) CHECK(t[i].start < t[i].end && t[i].end <= n);
        const char *out;
        size_t ol;
        CHECK_OK(zhs_analyzer_segment(an, &out, &ol, buf, n, &err), err);
    }
    /* a long Han run without punctuation */
    size_t big = 200000;
    char *long_text = malloc(big * 3 + 1);
    if (long_text) {
        for (size_t i = 0; i < big; i++) memcpy(long_text + 3 * i, i % 7 ? "联" : "国", 3);
        const zhs_token *t;
        size_t nt;
        zhs_error err = {0};
        CHECK_OK(zhs_analyzer_run(an, &t, &nt, long_text, big * 3, &err), err);
        free(long_text);
    }
}

/* An analyzer that has segmented a long text keeps a cache of dictionary
** edges (dict.c): the words it finds after that are the ones it found
** before, read once to fill the cache and once more from it. */
static void test_edge_cache(void)
{
    static const char para[] = "第二十条 国家机关、企业事业单位和其他组织应当依照本法规定，于一九九八年"
                               "建立健全个人信息保护制度，三十个工作日内处理人脸识别数据的申请。";
    zhs_error err = {0};
    zhs_analyzer *an = open_with(ZHS_SEGMENTER_DICT, NULL, &err);
    CHECK_OK(err.code, err);
    if (!an) return;
    char *before = strdup(segment_of(an, para));
    /* well over the 65,536 units after which the cache is kept */
    size_t reps = 2000, plen = strlen(para);
    char *longer = malloc(reps * plen + 1);
    CHECK(before && longer);
    if (before && longer) {
        for (size_t i = 0; i < reps; i++) memcpy(longer + i * plen, para, plen);
        longer[reps * plen] = 0;
        const char *all = segment_of(an, longer);
        CHECK_MSG(strncmp(all, "error", 5) != 0, "%s", all);
        for (int round = 0; round < 2; round++) {
            const char *after = segment_of(an, para);
            CHECK_MSG(!strcmp(before, after), "round %d: before the cache '%s', with it '%s'", round, before, after);
        }
    }
    free(before);
    free(longer);
    zhs_analyzer_close(an);
}

/* The trie's child search, through zhs_dict_lookup: a node with m
** children (m from 1 to 300, the units 2, 4, .., 2m, some of them 0xFFFE
** or 0xFFFF at the top) finds each of them with its weight and none of the
** units between, below or above them.  Every range size and position of
** the unit in it, so that each step of the halving is taken both ways.
** Each node's first child has one child of its own, 7: the other children
** are leaves, whose empty range starts where the next node's children
** do, at a 7, so a search of an empty range that read a unit would find
** the 7 that is not there. */
static void test_child_search(void)
{
    enum { MAXC = 300 };
    static uint16_t units[MAXC * (MAXC + 1) / 2 + 2 * MAXC][2], deep[MAXC][3];
    static zhs_dict_word w[MAXC * (MAXC + 1) / 2 + 3 * MAXC];
    size_t n = 0;
    for (uint16_t m = 1; m <= MAXC; m++) {
        uint16_t head = (uint16_t)(0x4E00 + m);
        for (uint16_t k = 1; k <= m; k++) {
            /* the largest node's last children at the top of the range */
            uint16_t c = m == MAXC && k >= m - 1 ? (uint16_t)(0xFFFE + (k - (m - 1))) : (uint16_t)(2 * k);
            units[n][0] = head;
            units[n][1] = c;
            w[n] = (zhs_dict_word){units[n], 2, -(float)(m * 1000 + k)};
            n++;
        }
        deep[m - 1][0] = head;
        deep[m - 1][1] = 2;
        deep[m - 1][2] = 7;
    }
    for (uint16_t m = 1; m <= MAXC; m++) w[n++] = (zhs_dict_word){deep[m - 1], 3, -1.0f};
    zhs_dict d;
    CHECK(zhs_dict_build(&d, w, n, -20.0f));
    if (!d.nnodes) return;
    size_t found = 0, wrong = 0;
    for (uint16_t m = 1; m <= MAXC; m++) {
        uint16_t head = (uint16_t)(0x4E00 + m);
        for (uint32_t c = 0; c <= 2u * m + 2; c++) {
            uint16_t q[2] = {head, (uint16_t)c};
            bool in = c >= 2 && c <= 2u * m && c % 2 == 0 && !(m == MAXC && c / 2 >= (uint32_t)m - 1);
            float x = zhs_dict_lookup(&d, q, 2);
            float want = in ? -(float)(m * 1000 + c / 2) : ZHS_DICT_NOWORD;
            if (x == want) found += in;
            else wrong++;
        }
        if (m == MAXC)
            for (uint32_t k = m - 1; k <= m; k++) {
                uint16_t q[2] = {head, (uint16_t)(0xFFFE + (k - (m - 1)))};
                if (zhs_dict_lookup(&d, q, 2) == -(float)(m * 1000 + k)) found++;
                else wrong++;
            }
        /* the first child's own child; under every other child, none */
        for (uint32_t k = 1; k <= m; k++) {
            uint16_t q[3] = {head, units[m * (m - 1) / 2 + k - 1][1], 7};
            float x = zhs_dict_lookup(&d, q, 3);
            if (k == 1 ? x == -1.0f : x == ZHS_DICT_NOWORD) found += k == 1;
            else wrong++;
        }
    }
    CHECK_MSG(wrong == 0 && found == n, "child search: %zu of %zu words found, %zu wrong", found, n, wrong);
    zhs_dict_free(&d);
}

/* The edge cache under pressure: runs of the dictionary's own words in a
** shuffled order reach far more edges than the cache has entries, so
** entries are replaced all the time; each run is segmented by a scratch
** whose cache has started and by a fresh one (no cache), and the words
** must be the same, also with a 0 or a surrogate pair in the run. */
static void test_edge_cache_pressure(void)
{
    zhs_dict d;
    CHECK(zhs_dict_builtin(&d));
    uint32_t *parent = malloc((size_t)d.nnodes * sizeof *parent);
    uint32_t *words = malloc((size_t)d.nnodes * sizeof *words);
    uint16_t *text = malloc(64 * (ZHS_DICT_MAX_WORD + 1) * sizeof *text);
    CHECK(parent && words && text);
    if (!parent || !words || !text) goto out;
    /* the parent of each node: its child ranges are consecutive */
    parent[0] = 0;
    for (uint32_t p = 0; p < d.nnodes; p++)
        for (uint32_t c = d.first[p]; c < d.first[p + 1]; c++) parent[c] = p;
    size_t nwords = 0;
    for (uint32_t i = 1; i < d.nnodes; i++)
        if (d.weight[i] <= 0) words[nwords++] = i;
    zhs_dict_dp warm = {0};
    size_t compared = 0, differ = 0;
    uint32_t rnd = 12345;
    for (int run = 0; run < 6000; run++) {
        /* 4 to 36 words picked at random, each spelled from its node up */
        uint32_t n = 0, k = 4 + run % 33;
        for (uint32_t w = 0; w < k; w++) {
            rnd = rnd * 1103515245u + 12345u;
            uint32_t node = words[(rnd >> 8) % nwords], len = 0;
            uint16_t tmp[ZHS_DICT_MAX_WORD];
            for (; node && len < ZHS_DICT_MAX_WORD; node = parent[node]) tmp[len++] = d.unit[node];
            while (len) text[n++] = tmp[--len];
        }
        /* units the dictionary's words never hold: a 0 (the cache's keys
        ** of two and three units put units side by side, a 0 among them
        ** would alias a shorter prefix's key) and a surrogate pair, each
        ** anywhere, inside words too */
        rnd = rnd * 1103515245u + 12345u;
        uint32_t at = (rnd >> 8) % n;
        if (run % 4 == 1) {
            text[at] = 0;
        } else if (run % 4 == 3) {
            memmove(text + at + 2, text + at, (n - at) * sizeof *text);
            text[at] = 0xD840;
            text[at + 1] = (uint16_t)(0xDC00 + (rnd >> 20) % 0x400);
            n += 2;
        }
        zhs_dict_dp cold = {0};
        bool cached = warm.memo != NULL;
        CHECK(zhs_dict_segment(&warm, &d, NULL, text, n, false, true));
        CHECK(zhs_dict_segment(&cold, &d, NULL, text, n, false, true));
        if (cached && warm.next && cold.next) {
            compared++;
            for (uint32_t i = 0; i < n; i = cold.next[i])
                if (warm.next[i] != cold.next[i]) {
                    differ++;
                    break;
                }
        }
        zhs_dict_dp_free(&cold);
    }
    zhs_dict_dp_free(&warm);
    CHECK_MSG(compared > 1000, "only %zu runs with the cache", compared);
    CHECK_MSG(differ == 0, "%zu of %zu runs segmented differently with the cache", differ, compared);
out:
    free(parent);
    free(words);
    free(text);
}

/* zhs_dict_numeral's hash table against the numerals themselves. */
static void test_numeral_table(void)
{
    static const uint16_t numerals[] = {0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B,
                                        0x4E5D, 0x5341, 0x767E, 0x5343, 0x4E07, 0x4EBF, 0x96F6, 0x4E24};
    size_t bad = 0;
    for (uint32_t c = 0; c < 65536; c++) {
        bool is = false;
        for (size_t i = 0; i < sizeof numerals / sizeof *numerals; i++) is = is || numerals[i] == c;
        if (zhs_dict_numeral((uint16_t)c) != is && bad++ < 5) CHECK_MSG(0, "unit %04x: numeral %d", c, !is);
    }
    CHECK(bad == 0);
}

int main(void)
{
    zhs_error err = {0};
    zhs_analyzer *dict = open_with(ZHS_SEGMENTER_DICT, NULL, &err);
    CHECK_OK(err.code, err);
    zhs_analyzer *icu = open_with(ZHS_SEGMENTER_ICU, NULL, &err);
    CHECK_OK(err.code, err);
    if (!dict || !icu) return zt_done("test_segmenter");
    test_table(dict);
    test_offsets(dict);
    test_segment_output(dict, icu);
    test_fingerprint(dict, icu);
    test_user_dict();
    test_icu_index(dict, icu);
    test_hostile(dict);
    test_edge_cache();
    test_edge_cache_pressure();
    test_child_search();
    test_numeral_table();
    zhs_analyzer_close(dict);
    zhs_analyzer_close(icu);
    return zt_done("test_segmenter");
}
