/*
** json.c — see json.h.
*/
#include "json.h"

#include <stdio.h>

bool zhs_json_str(zhs_buf *b, const char *s, size_t n)
{
    zhs_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* JSON is UTF-8: an invalid sequence (a query line's stray
            ** bytes) goes out as U+FFFD, not as the bytes */
            uint32_t cp;
            size_t len = zhs_utf8_decode(s + i, n - i, &cp);
            if (cp == 0xFFFD && zhs_utf8_valid_prefix(s + i, len) < len) {
                zhs_buf_append(b, s + run, i - run);
                zhs_buf_puts(b, "\\ufffd");
                run = i + len;
            }
            i += len - 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        zhs_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': zhs_buf_puts(b, "\\\""); break;
        case '\\': zhs_buf_puts(b, "\\\\"); break;
        case '\n': zhs_buf_puts(b, "\\n"); break;
        case '\r': zhs_buf_puts(b, "\\r"); break;
        case '\t': zhs_buf_puts(b, "\\t"); break;
        default: zhs_buf_printf(b, "\\u%04x", c);
        }
    }
    zhs_buf_append(b, s + run, n - run);
    zhs_buf_putc(b, '"');
    return !b->oom;
}

void zhs_json_ws(zhs_json_in *in)
{
    while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\r' || *in->p == '\n'))
        in->p++;
}

static bool hex4(const char *p, const char *end, uint32_t *v)
{
    if (end - p < 4) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        r <<= 4;
        if (c >= '0' && c <= '9') r |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') r |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') r |= (uint32_t)(c - 'A' + 10);
        else return false;
    }
    *v = r;
    return true;
}

static void put_cp(const zhs_json_in *in, zhs_buf *out, uint32_t cp)
{
    if (!out) return;
    /* In text, control characters would only disturb: NUL would even cut
    ** it short.  Line breaks and tabs keep their meaning. */
    if (in->as_text && cp < 0x20 && cp != '\n' && cp != '\t') cp = ' ';
    char tmp[4];
    zhs_buf_append(out, tmp, zhs_utf8_encode(cp, tmp));
}

/* A \u escape after the "\u": surrogate pairs combined, a lone surrogate
** replaced (it cannot be encoded in UTF-8). */
static const char *unicode_escape(zhs_json_in *in, zhs_buf *out)
{
    uint32_t cp, lo;
    if (!hex4(in->p, in->end, &cp)) return "invalid \\u escape";
    in->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (in->end - in->p >= 6 && in->p[0] == '\\' && in->p[1] == 'u' &&
            hex4(in->p + 2, in->end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            in->p += 6;
        } else {
            cp = 0xFFFD;
            in->invalid++;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
        in->invalid++;
    }
    put_cp(in, out, cp);
    return NULL;
}

/* A string at in->p (a '"'), unescaped into out unless out is NULL. */
const char *zhs_json_string(zhs_json_in *in, zhs_buf *out)
{
    in->p++;
    const char *run = in->p;
    while (in->p < in->end) {
        char c = *in->p;
        if (c != '"' && c != '\\') {
            in->p++;
            continue;
        }
        if (out) zhs_buf_append(out, run, (size_t)(in->p - run));
        in->p++;
        if (c == '"') return NULL;
        if (in->p >= in->end) break;
        char e = *in->p++;
        const char *why = NULL;
        switch (e) {
        case '"': case '\\': case '/': put_cp(in, out, (uint32_t)e); break;
        case 'b': put_cp(in, out, 8); break;
        case 'f': put_cp(in, out, 12); break;
        case 'n': put_cp(in, out, '\n'); break;
        case 't': put_cp(in, out, '\t'); break;
        case 'r':
            /* In text "\r\n" is one line break, a lone "\r" another. */
            if (!in->as_text) put_cp(in, out, '\r');
            else if (!(in->end - in->p >= 2 && in->p[0] == '\\' && in->p[1] == 'n')) put_cp(in, out, '\n');
            break;
        case 'u': why = unicode_escape(in, out); break;
        default: why = "invalid escape in a string"; break;
        }
        if (why) return why;
        run = in->p;
    }
    return "unterminated string";
}

static bool is_digit(const zhs_json_in *in)
{
    return in->p < in->end && *in->p >= '0' && *in->p <= '9';
}

const char *zhs_json_number(zhs_json_in *in)
{
    if (in->p < in->end && *in->p == '-') in->p++;
    if (!is_digit(in)) return "invalid number";
    while (is_digit(in)) in->p++;
    if (in->p < in->end && *in->p == '.') {
        in->p++;
        if (!is_digit(in)) return "invalid number";
        while (is_digit(in)) in->p++;
    }
    if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
        in->p++;
        if (in->p < in->end && (*in->p == '+' || *in->p == '-')) in->p++;
        if (!is_digit(in)) return "invalid number";
        while (is_digit(in)) in->p++;
    }
    return NULL;
}

const char *zhs_json_literal(zhs_json_in *in)
{
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(words[i]);
        if ((size_t)(in->end - in->p) >= m && memcmp(in->p, words[i], m) == 0) {
            in->p += m;
            return NULL;
        }
    }
    return "unexpected character";
}


/* The members of an object or elements of an array, after its '{' or '['. */
static const char *skip_container(zhs_json_in *in, char close, int depth)
{
    in->p++;
    zhs_json_ws(in);
    if (in->p < in->end && *in->p == close) {
        in->p++;
        return NULL;
    }
    for (;;) {
        const char *why;
        zhs_json_ws(in);
        if (close == '}') {
            if (in->p >= in->end || *in->p != '"') return "expected a key";
            if ((why = zhs_json_string(in, NULL))) return why;
            zhs_json_ws(in);
            if (in->p >= in->end || *in->p != ':') return "expected ':'";
            in->p++;
        }
        if ((why = zhs_json_skip(in, depth + 1))) return why;
        zhs_json_ws(in);
        if (in->p < in->end && *in->p == ',') {
            in->p++;
            continue;
        }
        if (in->p < in->end && *in->p == close) {
            in->p++;
            return NULL;
        }
        return close == '}' ? "expected ',' or '}'" : "expected ',' or ']'";
    }
}

const char *zhs_json_skip(zhs_json_in *in, int depth)
{
    if (depth > ZHS_JSON_DEPTH_MAX) return "nested too deeply";
    zhs_json_ws(in);
    if (in->p >= in->end) return "unexpected end of line";
    switch (*in->p) {
    case '"': return zhs_json_string(in, NULL);
    case '{': return skip_container(in, '}', depth);
    case '[': return skip_container(in, ']', depth);
    case 't': case 'f': case 'n': return zhs_json_literal(in);
    default: return zhs_json_number(in);
    }
}


/* A value of the wanted key: strings unescaped, numbers and literals as
** written, arrays of those joined by '\n'; an object gives nothing. */
static const char *get_scalar(zhs_json_in *in, zhs_buf *out)
{
    if (in->p >= in->end) return "unexpected end";
    if (*in->p == '"') return zhs_json_string(in, out);
    const char *start = in->p, *why;
    if (*in->p == 't' || *in->p == 'f' || *in->p == 'n') why = zhs_json_literal(in);
    else why = zhs_json_number(in);
    if (!why) zhs_buf_append(out, start, (size_t)(in->p - start));
    return why;
}

static const char *get_value(zhs_json_in *in, zhs_buf *out)
{
    zhs_json_ws(in);
    if (in->p >= in->end) return "unexpected end";
    if (*in->p == '{') return zhs_json_skip(in, 1);
    if (*in->p != '[') return get_scalar(in, out);
    in->p++;
    zhs_json_ws(in);
    if (in->p < in->end && *in->p == ']') {
        in->p++;
        return NULL;
    }
    for (bool first = true;; first = false) {
        zhs_json_ws(in);
        if (!first) zhs_buf_putc(out, '\n');
        const char *why = get_scalar(in, out);
        if (why) return why;
        zhs_json_ws(in);
        if (in->p >= in->end) return "unterminated array";
        if (*in->p == ']') {
            in->p++;
            return NULL;
        }
        if (*in->p != ',') return "expected ',' or ']'";
        in->p++;
    }
}

int zhs_json_get(zhs_buf *out, const char *text, size_t n, const char *key)
{
    zhs_json_in in = {text, text + n, 0, false};
    zhs_json_ws(&in);
    if (in.p >= in.end || *in.p != '{') return -1;
    in.p++;
    size_t klen = strlen(key);
    int found = 0;
    zhs_buf name;
    zhs_buf_init(&name);
    zhs_json_ws(&in);
    if (in.p < in.end && *in.p == '}') goto done;
    for (;;) {
        zhs_json_ws(&in);
        zhs_buf_reset(&name);
        if (in.p >= in.end || *in.p != '"' || zhs_json_string(&in, &name)) { found = -1; break; }
        zhs_json_ws(&in);
        if (in.p >= in.end || *in.p != ':') { found = -1; break; }
        in.p++;
        zhs_json_ws(&in);
        bool want = !found && name.len == klen && (klen == 0 || memcmp(name.data, key, klen) == 0);
        if (want ? get_value(&in, out) != NULL : zhs_json_skip(&in, 1) != NULL) { found = -1; break; }
        if (want) found = 1;
        zhs_json_ws(&in);
        if (in.p >= in.end) { found = -1; break; }
        if (*in.p == '}') break;
        if (*in.p != ',') { found = -1; break; }
        in.p++;
    }
done:
    zhs_buf_free(&name);
    return found;
}

int zhs_json_members(const char *text, size_t n, zhs_json_member_fn each, void *ctx)
{
    zhs_json_in in = {text, text + n, 0, false};
    zhs_buf name, value;
    zhs_buf_init(&name);
    zhs_buf_init(&value);
    int rc = -1;
    zhs_json_ws(&in);
    if (in.p >= in.end || *in.p != '{') goto done;
    in.p++;
    zhs_json_ws(&in);
    if (in.p < in.end && *in.p == '}') {
        in.p++;
        rc = 0;
    }
    while (rc != 0) {
        zhs_json_ws(&in);
        zhs_buf_reset(&name);
        zhs_buf_reset(&value);
        if (in.p >= in.end || *in.p != '"' || zhs_json_string(&in, &name)) break;
        zhs_json_ws(&in);
        if (in.p >= in.end || *in.p != ':') break;
        in.p++;
        zhs_json_ws(&in);
        /* a member is a string, a number, true or false: an array, an
        ** object or null is no parameter's value */
        if (in.p >= in.end || *in.p == '[' || *in.p == '{' || *in.p == 'n' || get_scalar(&in, &value)) break;
        if (name.oom || value.oom) {
            rc = -2;
            goto done;
        }
        if (in.invalid) {
            rc = -3;
            goto done;
        }
        int r = each(ctx, name.data ? name.data : "", name.len, value.data ? value.data : "", value.len);
        if (r) {
            rc = r;
            goto done;
        }
        zhs_json_ws(&in);
        if (in.p >= in.end) break;
        if (*in.p == '}') {
            in.p++;
            rc = 0;
        } else if (*in.p != ',') {
            break;
        } else {
            in.p++;
        }
    }
    /* nothing but white space after the object */
    if (rc == 0) {
        zhs_json_ws(&in);
        if (in.p != in.end) rc = -1;
    }
done:
    zhs_buf_free(&name);
    zhs_buf_free(&value);
    return rc;
}
