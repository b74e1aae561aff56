/*
** test_opencc.c — phrase-level traditional -> simplified (analysis/t2s.c):
** the phrases OpenCC's Taiwan configuration changes, offsets that still
** point exactly into the original text when a phrase changes length,
** simplified text left alone, fingerprints old and new, and hostile input.
*/
#include "zhs.h"
#include "common.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ICU's word break, which cuts the folded text into the short words these
** cases name (the dict segmenter may join them: 网络软件 is one of its
** words); folding and offsets are the segmenter's input either way. */
static zhs_analyzer *open_with(int fold)
{
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.fold_traditional = fold;
    cfg.segmenter = ZHS_SEGMENTER_ICU;
    zhs_error err;
    zhs_error_clear(&err);
    zhs_analyzer *a = NULL;
    CHECK_OK(zhs_analyzer_open(&a, &cfg, &err), err);
    if (!a) exit(1);
    return a;
}

static const zhs_token *toks;
static size_t ntoks;

static void run(zhs_analyzer *a, const char *text)
{
    zhs_error err;
    zhs_error_clear(&err);
    CHECK_OK(zhs_analyzer_run(a, &toks, &ntoks, text, strlen(text), &err), err);
}

/* The first token of kind with this normalised text, NULL if none. */
static const zhs_token *find(const char *norm, uint32_t kind)
{
    for (size_t i = 0; i < ntoks; i++)
        if (toks[i].kind == kind && strcmp(toks[i].text, norm) == 0) return &toks[i];
    return NULL;
}

/* The word norm exists and covers exactly the original bytes orig. */
static void expect_word(const char *text, const char *norm, const char *orig)
{
    const zhs_token *t = find(norm, ZHS_TOKEN_WORD);
    CHECK_MSG(t != NULL, "no word %s in %s", norm, text);
    if (!t) return;
    size_t n = strlen(orig);
    CHECK_MSG(t->end - t->start == n && memcmp(text + t->start, orig, n) == 0,
              "%s covers %.*s, not %s (in %s)", norm, (int)(t->end - t->start), text + t->start,
              orig, text);
}

/* Every token's range lies in the text, is not empty and starts and ends
** on character boundaries. */
static void check_ranges(const char *text, size_t len)
{
    for (size_t i = 0; i < ntoks; i++) {
        const zhs_token *t = &toks[i];
        bool ok = t->start < t->end && t->end <= len &&
                  ((unsigned char)text[t->start] & 0xC0) != 0x80 &&
                  (t->end == len || ((unsigned char)text[t->end] & 0xC0) != 0x80);
        CHECK_MSG(ok, "token %s has range %u-%u in %zu bytes", t->text, t->start, t->end, len);
        if (!ok) return;
    }
}

static void phrases(void)
{
    zhs_analyzer *a = open_with(ZHS_FOLD_PHRASES);
    /* The examples: phrases, not characters (ICU gives 网路). */
    const char *t = "網路軟體";
    run(a, t);
    expect_word(t, "网络", "網路");
    expect_word(t, "软件", "軟體");
    CHECK(find("网路", ZHS_TOKEN_WORD) == NULL && find("网路", ZHS_TOKEN_BIGRAM) == NULL);
    t = "資訊安全與程式設計";
    run(a, t);
    expect_word(t, "信息", "資訊");
    /* 程式設計 is one Taiwan phrase (编程), shorter than the original:
    ** both its words point at all of it. */
    expect_word(t, "编", "程式設計");
    expect_word(t, "程", "程式設計");
    t = "程式與資料";
    run(a, t);
    expect_word(t, "程序", "程式");
    expect_word(t, "数据", "資料");

    /* A phrase that changes length: its output points at the whole
    ** phrase, and what follows points at its own bytes. */
    t = "太空梭發射";
    run(a, t);
    check_ranges(t, strlen(t));
    expect_word(t, "航天", "太空梭");
    expect_word(t, "飞机", "太空梭");
    expect_word(t, "发射", "發射");
    /* One phrase grows and one shrinks: the same number of characters in
    ** and out, yet no 1:1 map (发射 must not point at 射使). */
    t = "太空梭發射使用者介面";
    run(a, t);
    check_ranges(t, strlen(t));
    expect_word(t, "发射", "發射");
    expect_word(t, "用户", "使用者");
    expect_word(t, "接口", "介面");
    const zhs_token *b = find("射用", ZHS_TOKEN_BIGRAM);
    CHECK(b && b->start == 12 && b->end == 24);       /* 射 + 使用者 */

    /* Simplified text is never rewritten: tw2sp would turn these mainland
    ** words into others (程序 -> 进程, 建立 -> 创建, 文件 -> 文档, 么 -> 幺). */
    t = "建立程序文件，显著，抬头，怎么";
    run(a, t);
    for (size_t i = 0; i < ntoks; i++)
        CHECK_MSG(toks[i].end - toks[i].start == toks[i].len &&
                  memcmp(t + toks[i].start, toks[i].text, toks[i].len) == 0,
                  "%s changed to %s", t, toks[i].text);
    /* ... and traditional text meets it: 抬頭 is 抬头, not 擡头. */
    t = "抬頭顯著";
    run(a, t);
    expect_word(t, "抬头", "抬頭");
    expect_word(t, "显著", "顯著");
    /* 著 as the particle is 着, as mainland text writes it (隨著 = 随着);
    ** where it is zhù it stays (顯著, 著作權, 名著) */
    t = "隨著經濟發展，他們有著重要的著作權和名著";
    run(a, t);
    expect_word(t, "随着", "隨著");
    expect_word(t, "有着", "有著");
    CHECK_MSG(find("著作", ZHS_TOKEN_BIGRAM) != NULL && find("着作", ZHS_TOKEN_BIGRAM) == NULL, "著作 folded to 着作");
    CHECK_MSG(find("名著", ZHS_TOKEN_BIGRAM) != NULL, "名著 folded");

    /* Full-width and traditional together: NFKC_CF first, then OpenCC. */
    t = "ＡＩ治理與個人資料保護";
    run(a, t);
    const zhs_token *ai = find("ai", ZHS_TOKEN_LATIN);
    CHECK(ai && ai->start == 0 && ai->end == 6);
    expect_word(t, "与", "與");
    expect_word(t, "个人", "個人");
    zhs_analyzer_close(a);
}

static void fingerprints(void)
{
    zhs_analyzer *a = open_with(ZHS_FOLD_PHRASES);
    const char *fp = zhs_analyzer_fingerprint(a);
    CHECK(strstr(fp, " trad=2 opencc=") != NULL && strstr(fp, "tw2sp.json") != NULL);
    zhs_analyzer_config cfg;
    CHECK(zhs_analyzer_config_from_fingerprint(&cfg, fp) == ZHS_OK);
    CHECK(cfg.fold_traditional == ZHS_FOLD_PHRASES && cfg.words && cfg.bigrams);
    CHECK(strstr(fp, " zhe=1") != NULL && cfg.particle_zhe);
    zhs_analyzer_close(a);
    /* an index built before the particle keeps 著 as it was */
    CHECK(zhs_analyzer_config_from_fingerprint(&cfg, "zhs-analyzer/1 icu=72.1 unicode=15.0 nfkc_cf trad=2 opencc=1.1.5/tw2sp.json,t2s.json words=1 bigrams=1") == ZHS_OK && !cfg.particle_zhe);

    /* An index built before OpenCC gets the per-character ICU fold back,
    ** under the very same fingerprint. */
    const char *old = "zhs-analyzer/1 icu=72.1 unicode=15.0 nfkc_cf trad=1 words=1 bigrams=1";
    CHECK(zhs_analyzer_config_from_fingerprint(&cfg, old) == ZHS_OK);
    CHECK(cfg.fold_traditional == ZHS_FOLD_CHARS);
    zhs_error err;
    zhs_error_clear(&err);
    CHECK_OK(zhs_analyzer_open(&a, &cfg, &err), err);
    if (a) {
        fp = zhs_analyzer_fingerprint(a);
        CHECK(strstr(fp, " nfkc_cf trad=1 words=1 bigrams=1") != NULL && !strstr(fp, "opencc"));
        run(a, "網路");
        CHECK(find("网路", ZHS_TOKEN_WORD) || find("网路", ZHS_TOKEN_BIGRAM));
        zhs_analyzer_close(a);
    }
    CHECK(zhs_analyzer_config_from_fingerprint(&cfg, "zhs-analyzer/1 nfkc_cf trad=2 words=1 bigrams=1") ==
          ZHS_EINVAL);

    /* --no-fold keeps the characters. */
    a = open_with(ZHS_FOLD_NONE);
    CHECK(strstr(zhs_analyzer_fingerprint(a), " trad=0 words=") != NULL);
    run(a, "網路軟體");
    CHECK(find("網路", ZHS_TOKEN_BIGRAM) != NULL && find("网络", ZHS_TOKEN_BIGRAM) == NULL);
    zhs_analyzer_close(a);
}

/* Random text from fragments that change length, change characters or do
** not change, with punctuation, Latin, invalid bytes and long runs. */
static void hostile(void)
{
    static const char *const frag[] = {
        "太空梭", "使用者", "網路", "軟體", "程式", "資訊", "的", "是", "抬頭", "埠",
        "演算法", "伺服器", "，", "。", "AI", " ", "\xFF", "\xE7\xB6", "\xF0\x9F\x98\x80",
        "\xF0\xA0\x80\x80", "㈠", "ｶ", "麵", "著作", "一目瞭然", "\xED\xA0\x80",
    };
    zhs_analyzer *a = open_with(ZHS_FOLD_PHRASES);
    zhs_buf text;
    zhs_buf_init(&text);
    unsigned seed = 11;
    zhs_error err;
    zhs_error_clear(&err);
    for (int round = 0; round < 400; round++) {
        zhs_buf_reset(&text);
        int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 60;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            zhs_buf_puts(&text, frag[(seed >> 16) % (sizeof frag / sizeof *frag)]);
        }
        CHECK_OK(zhs_analyzer_run(a, &toks, &ntoks, text.data, text.len, &err), err);
        check_ranges(text.data, text.len);
        const char *seg;
        size_t seglen;
        CHECK_OK(zhs_analyzer_segment(a, &seg, &seglen, text.data, text.len, &err), err);
    }
    /* One Han run of 45,000 characters without punctuation, phrases that
    ** change length all through it. */
    zhs_buf_reset(&text);
    for (int i = 0; i < 5000; i++) zhs_buf_puts(&text, "太空梭與使用者介面");
    CHECK_OK(zhs_analyzer_run(a, &toks, &ntoks, text.data, text.len, &err), err);
    check_ranges(text.data, text.len);
    CHECK(find("航天", ZHS_TOKEN_WORD) != NULL);
    zhs_buf_free(&text);
    zhs_analyzer_close(a);
}

int main(void)
{
    phrases();
    fingerprints();
    hostile();
    return zt_done("test_opencc");
}
