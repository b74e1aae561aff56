/*
** test_analyzer.c — the analyzer as a specification: a table of inputs and
** the exact tokens they give (normalised text, kind, position, byte range
** in the original), in the analyzer's order.  Each row says what it
** pins down.  A newcomer reads docs/ANALYZER.md next to this table.
*/
#include "harness.h"
#include "zhs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"word", "bigram", "latin", "number", "char"};

/* Tokens as "text/kind/position/start-end", space-separated: the
** character tokens alone when chars is set, else all the others. */
static void describe(char *out, size_t n, const zhs_token *t, size_t nt, bool chars)
{
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < nt && k < n; i++) {
        if ((t[i].kind == ZHS_TOKEN_CHAR) != chars) continue;
        k += (size_t)snprintf(out + k, n - k, "%s%s/%s/%u/%u-%u", k ? " " : "", t[i].text,
                              t[i].kind < 5 ? kinds[t[i].kind] : "?", t[i].position, t[i].start, t[i].end);
    }
}

typedef struct row {
    const char *why;
    const char *input;
    const char *tokens;         /* every token but the character tokens */
} row;

/* The character tokens of an analyzer with every character term
** (--chars), one per Han character at its position (what a one-character
** query matches, inside words or not). */
static const row char_table[] = {
    {"every character of a run, at its own position, with its own bytes", "处罚决定",
     "处/char/0/0-3 罚/char/1/3-6 决/char/2/6-9 定/char/3/9-12"},
    {"folded like the words: the traditional form gives the simplified character", "違約罰則",
     "违/char/0/0-3 约/char/1/3-6 罚/char/2/6-9 则/char/3/9-12"},
    {"a phrase OpenCC rewrites (網路 is 网络) keeps the character as written too (路 beside 络)", "網路",
     "网/char/0/0-3 络/char/1/3-6 路/char/1/3-6"},
    {"a character OpenCC's phrase keeps (乾隆) but its table alone folds (乾 is 干) gives both, though the run's "
     "bytes are the text's (analyzer.c, run_as_written)", "依法乾隆乾坤",
     "依/char/0/0-3 法/char/1/3-6 乾/char/2/6-9 隆/char/3/9-12 乾/char/4/12-15 坤/char/5/15-18 "
     "干/char/2/6-9 干/char/4/12-15"},
    {"none for Latin, numbers or punctuation; positions skip them as words do", "5G，网络",
     "网/char/1/5-8 络/char/2/8-11"},
};

/* The default's character tokens (ZHS_CHARS_WRITTEN): only a character as
** written that OpenCC's phrases folded into another, which no bigram
** holds (a one-character query's list is made from the bigrams,
** query/chars.c). */
static const row written_table[] = {
    {"no character where the text is the folded text", "处罚决定", ""},
    {"traditional characters the table folds alone are in the bigrams", "違約罰則", ""},
    {"a phrase OpenCC rewrites (網路 is 网络) keeps the character as written (路)", "網路", "路/char/1/3-6"},
    {"a character the phrase keeps (乾隆) but the table folds (乾 is 干) gives the table's", "依法乾隆乾坤",
     "干/char/2/6-9 干/char/4/12-15"},
};

/* The default analyzer: folding on, words and bigrams. */
static const row table[] = {
    {"Han words at the position of their first character; bigrams over the whole run, across word boundaries",
     "处理个人信息的规则",
     "处理/word/0/0-6 个人信息/word/2/6-18 的/word/6/18-21 规则/word/7/21-27 "
     "处理/bigram/0/0-6 理个/bigram/1/3-9 个人/bigram/2/6-12 人信/bigram/3/9-15 信息/bigram/4/12-18 息的/bigram/5/15-21 "
     "的规/bigram/6/18-24 规则/bigram/7/21-27"},
    {"a term of the legal dictionary is one word", "个人信息处理者",
     "个人信息处理者/word/0/0-21 "
     "个人/bigram/0/0-6 人信/bigram/1/3-9 信息/bigram/2/6-12 息处/bigram/3/9-15 处理/bigram/4/12-18 理者/bigram/5/15-21"},
    {"full-width Latin folds to lower-case ASCII; traditional folds to simplified by phrase (資料 is 数据); "
     "offsets stay in the original",
     "ＡＩ治理與個人資料保護",
     "ai/latin/0/0-6 治理/word/1/6-12 与/word/3/12-15 个人/word/4/15-21 数据保护/word/6/21-33 "
     "治理/bigram/1/6-12 理与/bigram/2/9-15 与个/bigram/3/12-18 个人/bigram/4/15-21 人数/bigram/5/18-24 "
     "数据/bigram/6/21-27 据保/bigram/7/24-30 保护/bigram/8/27-33"},
    {"a Latin-digit token is one unit; the Han run after it starts at the next position",
     "G20峰会", "g20/number/0/0-3 峰会/word/1/3-9 峰会/bigram/1/3-9"},
    {"numbers keep their decimal point; % is punctuation",
     "2024年3.5%", "2024/number/0/0-4 年/word/1/4-7 3.5/number/2/7-10"},
    {"a version number is one token", "v2.1版本", "v2.1/number/0/0-4 版本/word/1/4-10 版本/bigram/1/4-10"},
    {"punctuation breaks bigram runs and makes no token", "数据，安全",
     "数据/word/0/0-6 数据/bigram/0/0-6 安全/word/2/9-15 安全/bigram/2/9-15"},
    {"upper-case ASCII is folded", "GDPR数据", "gdpr/latin/0/0-4 数据/word/1/4-10 数据/bigram/1/4-10"},
    {"a compatibility character expands (㈠ is (一)); its token points at the one original character",
     "㈠总则", "一/word/0/0-3 总则/word/1/3-9 总则/bigram/1/3-9"},
    {"invalid UTF-8 is U+FFFD and makes no token; the offsets after it are right",
     "\xff数据", "数据/word/0/1-7 数据/bigram/0/1-7"},
    {"a number and the two letters or more after it are two tokens (number_units): MPa finds 0.1MPa",
     "0.1MPa的压力", "0.1/number/0/0-3 mpa/latin/1/3-6 的/word/2/6-9 压力/word/3/9-15 的压/bigram/2/6-12 "
     "压力/bigram/3/9-15"},
    {"full-width units and digits split the same way; the full-width full stop is a decimal point",
     "３．５ｋｍ", "3.5/number/0/0-9 km/latin/1/9-15"},
    {"one letter after a number stays with it; letters first stay whole", "2b与g20和5G",
     "2b/latin/0/0-2 与/word/1/2-5 g20/number/2/5-8 和/word/3/8-11 5g/latin/4/11-13"},
    {"the full-width comma and semicolon end a number (5，10 is not the number 5,10); the ASCII comma groups digits",
     "5，10；20和3,000", "5/number/0/0-1 10/number/1/4-6 20/number/2/9-11 和/word/3/11-14 3,000/number/4/14-19"},
    {"empty text: no tokens", "", ""},
    {"only punctuation and spaces: no tokens", "，。 　", ""},
};

int main(void)
{
    zhs_analyzer *an = NULL;
    zhs_error e = {0};
    CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
    if (!an) return zt_done("test_analyzer");
    char got[4096];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const zhs_token *t;
        size_t n;
        CHECK_OK(zhs_analyzer_run(an, &t, &n, table[i].input, strlen(table[i].input), &e), e);
        describe(got, sizeof got, t, n, false);
        CHECK_MSG(!strcmp(got, table[i].tokens), "%s\n  input: %s\n  want:  %s\n  got:   %s", table[i].why,
                  table[i].input, table[i].tokens, got);
        /* every token's range slices the original text on character boundaries */
        for (size_t k = 0; k < n; k++) {
            CHECK(t[k].start < t[k].end && t[k].end <= strlen(table[i].input));
            CHECK(((unsigned char)table[i].input[t[k].start] & 0xC0) != 0x80);
        }
    }

    for (size_t i = 0; i < sizeof written_table / sizeof written_table[0]; i++) {
        const zhs_token *t;
        size_t n;
        CHECK_OK(zhs_analyzer_run(an, &t, &n, written_table[i].input, strlen(written_table[i].input), &e), e);
        describe(got, sizeof got, t, n, true);
        CHECK_MSG(!strcmp(got, written_table[i].tokens), "%s\n  input: %s\n  want:  %s\n  got:   %s",
                  written_table[i].why, written_table[i].input, written_table[i].tokens, got);
    }
    /* the default's fingerprint says so, and reads back */
    {
        zhs_analyzer_config back;
        CHECK(strstr(zhs_analyzer_fingerprint(an), " chars=w ") != NULL);
        CHECK(zhs_analyzer_config_from_fingerprint(&back, zhs_analyzer_fingerprint(an)) == ZHS_OK &&
              back.chars == ZHS_CHARS_WRITTEN);
        CHECK(strstr(zhs_analyzer_fingerprint(an), " units=1") != NULL && back.number_units == 1);
    }
    /* An index built before number_units (no "units=1") is analysed as it
    ** was: a number and its unit one token, 5，10 one number. */
    {
        zhs_analyzer_config old;
        CHECK(zhs_analyzer_config_from_fingerprint(
                  &old, "zhs-analyzer/1 icu=72.1 unicode=15.0 nfkc_cf trad=1 words=1 bigrams=1 seg=dict nums=1") ==
              ZHS_OK);
        CHECK(old.number_units == 0);
        old.fold_traditional = ZHS_FOLD_NONE;
        zhs_analyzer *before = NULL;
        CHECK_OK(zhs_analyzer_open(&before, &old, &e), e);
        if (before) {
            const zhs_token *t;
            size_t n;
            const char *in = "0.1MPa，5，10";
            CHECK_OK(zhs_analyzer_run(before, &t, &n, in, strlen(in), &e), e);
            describe(got, sizeof got, t, n, false);
            CHECK_STR(got, "0.1mpa/latin/0/0-6 5,10/number/1/9-15");
            CHECK(strstr(zhs_analyzer_fingerprint(before), "units=") == NULL);
            zhs_analyzer_close(before);
        }
    }

    zhs_analyzer_config all_cfg;
    zhs_analyzer_config_default(&all_cfg);
    all_cfg.chars = ZHS_CHARS_ALL;
    zhs_analyzer *all = NULL;
    CHECK_OK(zhs_analyzer_open(&all, &all_cfg, &e), e);
    for (size_t i = 0; all && i < sizeof char_table / sizeof char_table[0]; i++) {
        const zhs_token *t;
        size_t n;
        CHECK_OK(zhs_analyzer_run(all, &t, &n, char_table[i].input, strlen(char_table[i].input), &e), e);
        describe(got, sizeof got, t, n, true);
        CHECK_MSG(!strcmp(got, char_table[i].tokens), "%s\n  input: %s\n  want:  %s\n  got:   %s",
                  char_table[i].why, char_table[i].input, char_table[i].tokens, got);
    }
    if (all) {
        zhs_analyzer_config back;
        CHECK(strstr(zhs_analyzer_fingerprint(all), " chars=1 ") != NULL);
        CHECK(zhs_analyzer_config_from_fingerprint(&back, zhs_analyzer_fingerprint(all)) == ZHS_OK &&
              back.chars == ZHS_CHARS_ALL);
    }
    zhs_analyzer_close(all);

    /* Without bigrams a one-character run still makes a word; without
    ** folding, traditional stays as written. */
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.bigrams = 0;
    cfg.fold_traditional = 0;
    cfg.chars = 0;
    cfg.segmenter = ZHS_SEGMENTER_ICU;  /* jieba's words are simplified: ICU knows 個人 */
    zhs_analyzer *plain = NULL;
    CHECK_OK(zhs_analyzer_open(&plain, &cfg, &e), e);
    if (plain) {
        const zhs_token *t;
        size_t n;
        CHECK_OK(zhs_analyzer_run(plain, &t, &n, "個人資料", strlen("個人資料"), &e), e);
        describe(got, sizeof got, t, n, false);
        CHECK_STR(got, "個人/word/0/0-6 資料/word/2/6-12");
        describe(got, sizeof got, t, n, true);
        CHECK_STR(got, "");
        CHECK(strstr(zhs_analyzer_fingerprint(plain), "trad=0") && strstr(zhs_analyzer_fingerprint(plain), "bigrams=0"));
        zhs_analyzer_config back;
        CHECK(zhs_analyzer_config_from_fingerprint(&back, zhs_analyzer_fingerprint(plain)) == ZHS_OK);
        CHECK(back.bigrams == 0 && back.fold_traditional == 0 && back.words == 1 && back.chars == 0);
        zhs_analyzer_close(plain);
    }
    zhs_analyzer_close(an);
    return zt_done("test_analyzer");
}
