/*
** aliases.c — abbreviations of law names (个保法 → 个人信息保护法) for
** citations: a built-in list, and lists read from files.
**
** File format: one alias a line, "ABBREVIATION NAME" (spaces, tabs or an
** ideographic space between), "#" starts a comment, blank lines are
** skipped.  A file's entries come before the built-in ones.
*/
#include "query_int.h"
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Written for this project from the abbreviations lawyers and the press
** use; the names are titles without 中华人民共和国, which cite.c strips
** from titles before comparing (a name that keeps it works too). */
static const char *const builtin[][2] = {
    {"个保法", "个人信息保护法"},       {"个人信息法", "个人信息保护法"},
    {"数安法", "数据安全法"},           {"网安法", "网络安全法"},
    {"反垄断法", "中华人民共和国反垄断法"}, {"反不法", "反不正当竞争法"},
    {"消法", "消费者权益保护法"},
    {"消保法", "消费者权益保护法"},     {"劳合法", "劳动合同法"},
    {"刑诉法", "刑事诉讼法"},           {"民诉法", "民事诉讼法"},
    {"行诉法", "行政诉讼法"},           {"道交法", "道路交通安全法"},
    {"刑诉", "刑事诉讼法"},             {"民诉", "民事诉讼法"},     /* 刑诉解释, 民诉解释 */
    {"行诉", "行政诉讼法"},
    {"食安法", "食品安全法"},           {"安生法", "安全生产法"},
    {"环保法", "环境保护法"},           {"未保法", "未成年人保护法"},
    {"妇保法", "妇女权益保障法"},       {"电商法", "电子商务法"},
    {"国安法", "国家安全法"},           {"反恐法", "反恐怖主义法"},
    {"税收征管法", "税收征收管理法"},   {"个税法", "个人所得税法"},
    {"企税法", "企业所得税法"},         {"国赔法", "国家赔偿法"},
    {"外资法", "外商投资法"},           {"反电诈法", "反电信网络诈骗法"},
    {"治安法", "治安管理处罚法"},       {"行复法", "行政复议法"},
    {"行罚法", "行政处罚法"},           {"行许法", "行政许可法"},
    {"民通", "民法通则"},               {"地方组织法", "地方各级人民代表大会和地方各级人民政府组织法"},
    {"反家暴法", "反家庭暴力法"},       {"劳动仲裁法", "劳动争议调解仲裁法"},
    {"劳仲法", "劳动争议调解仲裁法"},   {"残保法", "残疾人保障法"},
    {"老年法", "老年人权益保障法"},     {"招投标法", "招标投标法"},
    {"选举法", "全国人民代表大会和地方各级人民代表大会选举法"},
    {"代表法", "全国人民代表大会和地方各级人民代表大会代表法"},
    {"人民银行法", "中国人民银行法"},   {"香港基本法", "香港特别行政区基本法"},
    {"澳门基本法", "澳门特别行政区基本法"},
    {"农地承包法", "农村土地承包法"},   {"职业病法", "职业病防治法"},
};

typedef struct alias {
    char *abbr, *name;
} alias;

struct zhs_aliases {
    alias *a;
    size_t n, cap;
};

void zhs_aliases_free(zhs_aliases *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->a[i].abbr);
        free(a->a[i].name);
    }
    free(a->a);
    free(a);
}

/* The next field of a line: skips spaces, tabs and U+3000 first. */
static size_t field(const char *s, size_t n, size_t *i)
{
    while (*i < n) {
        if (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r') (*i)++;
        else if (n - *i >= 3 && memcmp(s + *i, "\xE3\x80\x80", 3) == 0) *i += 3;
        else break;
    }
    size_t start = *i;
    while (*i < n && s[*i] != ' ' && s[*i] != '\t' && s[*i] != '\r' &&
           !(n - *i >= 3 && memcmp(s + *i, "\xE3\x80\x80", 3) == 0))
        (*i)++;
    return start;
}

int zhs_aliases_parse(zhs_aliases **out, const char *text, size_t len, const char *source, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    if (!source) source = "aliases";
    zhs_aliases *a = calloc(1, sizeof *a);
    if (!a) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", source);
    size_t lineno = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len, i = at;
        lineno++;
        const char *line = text + at;
        size_t ll = end - at;
        at = end + 1;
        const char *hash = memchr(line, '#', ll);
        if (hash) ll = (size_t)(hash - line);
        i = 0;
        size_t s1 = field(line, ll, &i), e1 = i;
        size_t s2 = field(line, ll, &i), e2 = i;
        size_t s3 = field(line, ll, &i);
        if (s1 == e1) continue;   /* blank or a comment */
        if (s2 == e2 || s3 < ll || zhs_utf8_valid_prefix(line, ll) < ll) {
            zhs_aliases_free(a);
            return zhs_fail(err, ZHS_EINVAL, "%s:%zu: expected \"ABBREVIATION NAME\" (two words in UTF-8, "
                            "a space between)", source, lineno);
        }
        if (!zhs_grow(&a->a, &a->cap, a->n + 1, sizeof *a->a, 32)) goto oom;
        alias *x = &a->a[a->n];
        x->abbr = strndup(line + s1, e1 - s1);
        x->name = strndup(line + s2, e2 - s2);
        if (!x->abbr || !x->name) {
            free(x->abbr);
            free(x->name);
            goto oom;
        }
        a->n++;
    }
    *out = a;
    return ZHS_OK;
oom:
    zhs_aliases_free(a);
    return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", source);
}

int zhs_aliases_load(zhs_aliases **out, const char *path, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    FILE *f = fopen(path, "rb");
    if (!f) return zhs_fail(err, ZHS_EIO, "cannot open the aliases file %s: %s", path, strerror(errno));
    zhs_buf b;
    zhs_buf_init(&b);
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 24)) zhs_buf_append(&b, chunk, k);
    bool bad = ferror(f) != 0;
    fclose(f);
    int rc;
    if (bad) rc = zhs_fail(err, ZHS_EIO, "cannot read the aliases file %s", path);
    else if (b.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
    else if (b.len >= (1u << 24)) rc = zhs_fail(err, ZHS_EINVAL, "the aliases file %s is over 16 MiB: is it the right file?", path);
    else rc = zhs_aliases_parse(out, b.data ? b.data : "", b.len, path, err);
    zhs_buf_free(&b);
    return rc;
}

const char *zhs_alias_lookup(const zhs_aliases *a, const char *s, size_t n)
{
    if (a)
        for (size_t i = 0; i < a->n; i++)
            if (strlen(a->a[i].abbr) == n && memcmp(a->a[i].abbr, s, n) == 0) return a->a[i].name;
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
        if (strlen(builtin[i][0]) == n && memcmp(builtin[i][0], s, n) == 0) return builtin[i][1];
    return NULL;
}

const char *zhs_alias_lookup_folded(zhs_analyzer *an, const zhs_aliases *a, const char *s, size_t n, zhs_error *err)
{
    const char *name = zhs_alias_lookup(a, s, n);
    if (name) return name;
    zhs_buf key;
    zhs_buf_init(&key);
    if (!zhs_name_key(&key, an, s, n, err) && !(key.len == n && !memcmp(key.data, s, n)))
        name = zhs_alias_lookup(a, key.data, key.len);
    zhs_buf_free(&key);
    return name;
}
