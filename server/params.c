/*
** params.c — request parameters, from a query string (already URL-decoded
** by libmicrohttpd) or a JSON body.  Every value is checked here, so the
** handlers only see sane numbers and valid UTF-8 text within the limits.
*/
#include "server.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void srv_limits_default(srv_limits *l)
{
    l->max_body = 64 * 1024;
    l->max_query = 4096;
    l->max_k = 100;
    l->max_window = 10000;
    l->max_params = 32;
    l->threads = 4;
    l->connections = 256;
    l->timeout_s = 10;
    l->reload_ms = 500;
    l->slot_wait_ms = 5000;
}

void srv_params_init(srv_params *p)
{
    memset(p, 0, sizeof *p);
    zhs_buf_init(&p->q);
    zhs_buf_init(&p->id);
    zhs_buf_init(&p->filter);
    zhs_buf_init(&p->as_of);
    p->k = 10;
    p->width = 120;
    p->k1 = 0;
    p->b = -1;
    p->proximity = -1;
    p->expand = true;
}

void srv_params_free(srv_params *p)
{
    zhs_buf_free(&p->q);
    zhs_buf_free(&p->id);
    zhs_buf_free(&p->filter);
    zhs_buf_free(&p->as_of);
}

/* Text parameters must be valid UTF-8 without NUL: the analyzer would
** quietly turn bad bytes into U+FFFD, and the echo in the JSON answer must
** be valid. */
static int check_text(const char *name, const char *v, size_t n, size_t max, zhs_error *err)
{
    if (n > max)
        return zhs_fail(err, ZHS_EINVAL, "%s is %zu bytes long, over the limit of %zu: shorten it", name, n, max);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(v + i, n - i, &cp);
        if (cp == 0xFFFD && !(l == 3 && (unsigned char)v[i] == 0xEF))
            return zhs_fail(err, ZHS_EINVAL, "%s is not valid UTF-8 (byte %zu): send UTF-8 (percent-encoded in a URL, as it is in a JSON body)",
                            name, i);
        if (cp == 0) return zhs_fail(err, ZHS_EINVAL, "%s contains a NUL character at byte %zu: remove it", name, i);
        i += l;
    }
    return ZHS_OK;
}

static int parse_uint(const char *name, const char *v, size_t n, size_t lo, size_t hi, size_t *out, zhs_error *err)
{
    char tmp[32];
    size_t i = 0;
    unsigned long long x = 0;
    if (!v || n == 0 || n >= sizeof tmp) goto bad;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') goto bad;
        x = x * 10 + (unsigned long long)(v[i] - '0');
        if (x > hi) goto bad;
    }
    if (x < lo) goto bad;
    *out = (size_t)x;
    return ZHS_OK;
bad:
    return zhs_fail(err, ZHS_EINVAL, "%s takes a whole number from %zu to %zu, not \"%.*s\"", name, lo, hi,
                    v ? (int)(n > 40 ? 40 : n) : 0, v ? v : "");
}

static int parse_real(const char *name, const char *v, size_t n, double lo, double hi, double *out, zhs_error *err)
{
    char tmp[48];
    if (!v || n == 0 || n >= sizeof tmp) goto bad;
    memcpy(tmp, v, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    double x = strtod(tmp, &end);
    if (*end || errno || !isfinite(x) || x < lo || x > hi) goto bad;
    *out = x;
    return ZHS_OK;
bad:
    return zhs_fail(err, ZHS_EINVAL, "%s takes a number from %g to %g, not \"%.*s\"", name, lo, hi,
                    v ? (int)(n > 40 ? 40 : n) : 0, v ? v : "");
}

static int parse_bool(const char *name, const char *v, size_t n, bool *out, zhs_error *err)
{
    /* a bare "?exhaustive" means true, as on the command line */
    if (!v || (n == 4 && !memcmp(v, "true", 4)) || (n == 1 && v[0] == '1') || n == 0) *out = true;
    else if ((n == 5 && !memcmp(v, "false", 5)) || (n == 1 && v[0] == '0')) *out = false;
    else
        return zhs_fail(err, ZHS_EINVAL, "%s takes true or false (or 1 or 0), not \"%.*s\"", name,
                        (int)(n > 40 ? 40 : n), v);
    return ZHS_OK;
}

static bool key_is(const char *key, size_t keylen, const char *name)
{
    return keylen == strlen(name) && !memcmp(key, name, keylen);
}

/* The parameter names; q and text are one parameter (text reads better
** for /analyze). */
static const char *const names[] = {"q", "text", "k", "offset", "width", "k1", "b", "exhaustive", "exact_total",
                                    "count", "doc", "id", "filter", "as_of", "all_versions", "group", "per_group",
                                    "expand", "proximity"};

int srv_params_check_only(const srv_params *p, unsigned allowed, const char *endpoint, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    unsigned extra = p->seen & ~allowed;
    if (!extra) return ZHS_OK;
    unsigned i = 0;
    while (!(extra & (1u << i))) i++;
    zhs_buf takes;
    zhs_buf_init(&takes);
    for (unsigned j = 0; j < sizeof names / sizeof names[0]; j++)
        if (j != 1 && (allowed & (1u << j))) zhs_buf_printf(&takes, "%s%s", takes.len ? ", " : "", j ? names[j] : "q (or text)");
    int rc = zhs_fail(err, ZHS_EINVAL, "%s does not apply to %s: it takes %s", i ? names[i] : "q (or text)", endpoint,
                      takes.len ? zhs_buf_cstr(&takes) : "no parameter");
    zhs_buf_free(&takes);
    return rc;
}

unsigned srv_params_bits(const char *const *which, size_t n)
{
    unsigned bits = 0;
    for (size_t k = 0; k < n; k++)
        for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
            if (!strcmp(which[k], names[i])) bits |= 1u << (i == 1 ? 0 : i);
    return bits;
}

int srv_params_set(srv_params *p, const srv_limits *lim, const char *key, size_t keylen, const char *val,
                   size_t vlen, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!key_is(key, keylen, names[i])) continue;
        unsigned bit = 1u << (i == 1 ? 0 : i);
        /* A repeated parameter is refused: which of the two was meant
        ** (say k in the URL and in the body) cannot be guessed. */
        if (p->seen & bit)
            return zhs_fail(err, ZHS_EINVAL, "%s is given twice: give it once", i <= 1 ? "q (or text)" : names[i]);
        p->seen |= bit;
        break;
    }
    if (key_is(key, keylen, "q") || key_is(key, keylen, "text")) {
        if (!val) val = "", vlen = 0;
        if (check_text(key_is(key, keylen, "text") ? "text" : "q", val, vlen, lim->max_query, err)) return err->code;
        zhs_buf_reset(&p->q);
        if (!zhs_buf_append(&p->q, val, vlen)) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading q");
        zhs_buf_cstr(&p->q);
        p->has_q = true;
        return ZHS_OK;
    }
    if (key_is(key, keylen, "k")) return parse_uint("k", val, vlen, 1, lim->max_k, &p->k, err);
    if (key_is(key, keylen, "offset")) return parse_uint("offset", val, vlen, 0, lim->max_window, &p->offset, err);
    if (key_is(key, keylen, "width")) return parse_uint("width", val, vlen, 10, 2000, &p->width, err);
    if (key_is(key, keylen, "k1")) return parse_real("k1", val, vlen, 0.001, 100, &p->k1, err);
    if (key_is(key, keylen, "b")) return parse_real("b", val, vlen, 0, 1, &p->b, err);
    if (key_is(key, keylen, "proximity")) return parse_real("proximity", val, vlen, 0, 100, &p->proximity, err);
    if (key_is(key, keylen, "exhaustive")) return parse_bool("exhaustive", val, vlen, &p->exhaustive, err);
    if (key_is(key, keylen, "exact_total")) return parse_bool("exact_total", val, vlen, &p->exact_total, err);
    if (key_is(key, keylen, "count")) return parse_bool("count", val, vlen, &p->count, err);
    if (key_is(key, keylen, "doc")) {
        size_t d = 0;   /* set by parse_uint on success; 0 quiets gcc -Wmaybe-uninitialized */
        if (parse_uint("doc", val, vlen, 0, UINT32_MAX - 1, &d, err)) return err->code;
        p->doc = (uint32_t)d;
        p->has_doc = true;
        return ZHS_OK;
    }
    if (key_is(key, keylen, "id")) {
        if (!val || vlen == 0) return zhs_fail(err, ZHS_EINVAL, "id needs a value: a passage id as search returns it");
        if (check_text("id", val, vlen, 1024, err)) return err->code;
        zhs_buf_reset(&p->id);
        if (!zhs_buf_append(&p->id, val, vlen)) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading id");
        zhs_buf_cstr(&p->id);
        p->has_id = true;
        return ZHS_OK;
    }
    if (key_is(key, keylen, "filter") || key_is(key, keylen, "as_of")) {
        bool f = key_is(key, keylen, "filter");
        zhs_buf *b = f ? &p->filter : &p->as_of;
        if (!val) val = "", vlen = 0;
        if (check_text(f ? "filter" : "as_of", val, vlen, 1024, err)) return err->code;
        zhs_buf_reset(b);
        if (!zhs_buf_append(b, val, vlen)) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f ? "filter" : "as_of");
        zhs_buf_cstr(b);
        return ZHS_OK;
    }
    if (key_is(key, keylen, "all_versions")) return parse_bool("all_versions", val, vlen, &p->all_versions, err);
    if (key_is(key, keylen, "expand")) return parse_bool("expand", val, vlen, &p->expand, err);
    if (key_is(key, keylen, "group")) {
        if (!val || vlen != 3 || memcmp(val, "law", 3) != 0)
            return zhs_fail(err, ZHS_EINVAL, "group takes law (the best passages of each law)");
        p->group = 1;
        return ZHS_OK;
    }
    if (key_is(key, keylen, "per_group")) return parse_uint("per_group", val, vlen, 1, 1000, &p->per_group, err);
    /* Unknown names are refused rather than ignored: a misspelt "offest"
    ** would otherwise silently show page one. */
    char shown[48];
    size_t n = keylen < 40 ? keylen : 40;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) shown[j++] = (key[i] >= 0x20 && key[i] < 0x7f) ? key[i] : '?';
    shown[j] = 0;
    return zhs_fail(err, ZHS_EINVAL,
                    "unknown parameter \"%s\": the parameters are q (or text), k, offset, width, k1, b, exhaustive, "
                    "exact_total, count, doc, id, filter, as_of, all_versions, group, per_group, expand, proximity",
                    shown);
}

/* One member of a POST body, set as a query-string parameter is: an
** unknown name is refused, a name given twice too (srv_params_set). */
typedef struct body_ctx {
    srv_params *p;
    const srv_limits *lim;
    zhs_error *err;
} body_ctx;

static int body_member(void *vctx, const char *name, size_t nl, const char *value, size_t vl)
{
    body_ctx *b = vctx;
    return srv_params_set(b->p, b->lim, name, nl, value, vl, b->err) ? 1 : 0;
}

int srv_params_from_json(srv_params *p, const srv_limits *lim, const char *body, size_t n, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    body_ctx b = {p, lim, err};
    int rc = zhs_json_members(body, n, body_member, &b);
    if (rc == 1) return err->code;
    if (rc == -2) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading the body");
    if (rc == -3)
        return zhs_fail(err, ZHS_EINVAL, "the body holds a lone surrogate escape (\\ud800 without its pair), which is "
                        "no character: send UTF-8, or escape a character outside the BMP as a surrogate pair");
    if (rc < 0)
        return zhs_fail(err, ZHS_EINVAL, "the body is not a JSON object of strings, numbers and true/false: "
                        "send {\"q\": \"…\", \"k\": 10}");
    return ZHS_OK;
}

int srv_params_check_search(const srv_params *p, const srv_limits *lim, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (!p->has_q || p->q.len == 0)
        return zhs_fail(err, ZHS_EINVAL, "q is missing: give the query, e.g. /search?q=个人信息");
    if (p->per_group && !p->group)
        return zhs_fail(err, ZHS_EINVAL, "per_group goes with group=law: add group=law, or leave per_group out");
    if (p->all_versions && p->as_of.len)
        return zhs_fail(err, ZHS_EINVAL, "all_versions and as_of exclude each other: every version, or the one in "
                        "force on a date");
    if (p->offset + p->k > lim->max_window)
        return zhs_fail(err, ZHS_EINVAL, "offset + k is %zu, over the limit of %zu: narrow the query instead of paging further",
                        p->offset + p->k, lim->max_window);
    return ZHS_OK;
}
