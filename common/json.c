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

typedef struct jp {
    const char *p, *end;
} jp;

static void ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool hex4(jp *j, uint32_t *v)
{
    if (j->end - j->p < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(j->p[i]);
        if (h < 0) return false;
        *v = *v << 4 | (uint32_t)h;
    }
    j->p += 4;
    return true;
}

/* Parses a string at j->p (on the opening quote); appends it to out when
** out is non-NULL. */
static bool string(jp *j, zhs_buf *out)
{
    if (j->p >= j->end || *j->p != '"') return false;
    j->p++;
    while (j->p < j->end) {
        char c = *j->p++;
        if (c == '"') return true;
        if (c != '\\') {
            if (out) zhs_buf_putc(out, c);
            continue;
        }
        if (j->p >= j->end) return false;
        char e = *j->p++;
        uint32_t cp;
        switch (e) {
        case '"': case '\\': case '/': cp = (uint32_t)e; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u':
            if (!hex4(j, &cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                    j->p += 2;
                    if (!hex4(j, &lo)) return false;
                    cp = lo >= 0xDC00 && lo <= 0xDFFF ? 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00) : 0xFFFD;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            break;
        default: return false;
        }
        if (out) {
            char tmp[4];
            zhs_buf_append(out, tmp, zhs_utf8_encode(cp, tmp));
        }
    }
    return false;
}

static bool scalar(jp *j, zhs_buf *out)
{
    const char *s = j->p;
    while (j->p < j->end && *j->p != ',' && *j->p != '}' && *j->p != ']' && *j->p != ' ' &&
           *j->p != '\n' && *j->p != '\r' && *j->p != '\t')
        j->p++;
    if (j->p == s) return false;
    if (out) zhs_buf_append(out, s, (size_t)(j->p - s));
    return true;
}

static bool value(jp *j, zhs_buf *out, int depth);

static bool container(jp *j, char open, char close, int depth)
{
    if (depth > 32 || j->p >= j->end || *j->p != open) return false;
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        ws(j);
        if (open == '{') {
            if (!string(j, NULL)) return false;
            ws(j);
            if (j->p >= j->end || *j->p != ':') return false;
            j->p++;
        }
        if (!value(j, NULL, depth + 1)) return false;
        ws(j);
        if (j->p >= j->end) return false;
        if (*j->p == close) {
            j->p++;
            return true;
        }
        if (*j->p != ',') return false;
        j->p++;
    }
}

static bool value(jp *j, zhs_buf *out, int depth)
{
    ws(j);
    if (j->p >= j->end) return false;
    if (*j->p == '"') return string(j, out);
    if (*j->p == '{') return container(j, '{', '}', depth);
    if (*j->p == '[') {
        if (!out) return container(j, '[', ']', depth);
        /* arrays of scalars: values joined by '\n' */
        j->p++;
        ws(j);
        if (j->p < j->end && *j->p == ']') { j->p++; return true; }
        for (bool first = true;; first = false) {
            ws(j);
            if (!first) zhs_buf_putc(out, '\n');
            if (j->p < j->end && *j->p == '"') { if (!string(j, out)) return false; }
            else if (!scalar(j, out)) return false;
            ws(j);
            if (j->p >= j->end) return false;
            if (*j->p == ']') { j->p++; return true; }
            if (*j->p != ',') return false;
            j->p++;
        }
    }
    return scalar(j, out);
}

int zhs_json_get(zhs_buf *out, const char *text, size_t n, const char *key)
{
    jp j = {text, text + n};
    ws(&j);
    if (j.p >= j.end || *j.p != '{') return -1;
    j.p++;
    size_t klen = strlen(key);
    int found = 0;
    zhs_buf name;
    zhs_buf_init(&name);
    ws(&j);
    if (j.p < j.end && *j.p == '}') goto done;
    for (;;) {
        ws(&j);
        zhs_buf_reset(&name);
        if (!string(&j, &name)) { found = -1; break; }
        ws(&j);
        if (j.p >= j.end || *j.p != ':') { found = -1; break; }
        j.p++;
        bool want = !found && name.len == klen && (klen == 0 || memcmp(name.data, key, klen) == 0);
        if (!value(&j, want ? out : NULL, 1)) { found = -1; break; }
        if (want) found = 1;
        ws(&j);
        if (j.p >= j.end) { found = -1; break; }
        if (*j.p == '}') break;
        if (*j.p != ',') { found = -1; break; }
        j.p++;
    }
done:
    zhs_buf_free(&name);
    return found;
}
