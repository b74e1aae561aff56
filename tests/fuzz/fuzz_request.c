/*
** fuzz_request.c — the server's request handling without the socket:
** parameters from the query string and from JSON bodies, every route, and
** the answers (server/routes.c, server/params.c, server/json_out.c).
**
** The input is a request: byte 0 picks the method (GET, POST, HEAD, PUT,
** DELETE), then the target up to the first '\n' ("/search?q=…&k=…"), then
** the body.  The query string is split at '&' and '=' and percent-decoded
** ('+' as space) the way libmicrohttpd hands it over, so any bytes reach
** the parameter parser: invalid UTF-8, NUL, huge numbers, repeated keys.
** At start-up a small native index is built and served by a srv_index.
**
** Checked for each request: the status is one the API documents (never
** 500, never 503: the index is fine), the body is valid UTF-8 and, unless
** it is the page, a JSON object; an error is {"error": …}; /search answers
** with no more hits than asked for.
*/
#include "fuzz_common.h"

#include "json.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static srv_server srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    zhs_error err = {0};
    zhs_analyzer *an;
    if (zhs_analyzer_open(&an, NULL, &err)) fuzz_die(__FILE__, __LINE__, "analyzer", "%s", err.message);
    const char *dir = fuzz_tmpdir("request");
    fuzz_build_index(dir, an, ZHS_ENGINE_NATIVE);
    zhs_analyzer_close(an);
    srv_limits_default(&srv.lim);
    srv.lim.max_k = 20;
    srv.lim.max_window = 100;
    srv.lim.max_query = 512;
    srv.lim.threads = 1;
    pthread_mutex_init(&srv.stats_mu, NULL);
    if (srv_index_start(&srv.index, dir, 1, 60000, 1000, &err) || !srv.index.cur)
        fuzz_die(__FILE__, __LINE__, "srv_index_start", "%s", err.message[0] ? err.message : srv.index.last_error.message);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) in place ('+' is a space); returns the length. */
static size_t unescape(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') s[o++] = ' ';
        else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else s[o++] = s[i];
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16) return -1;
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT", "DELETE"};
    const char *method = methods[data[0] % 5];
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(rest, '\n', n);
    size_t tlen = nl ? (size_t)(nl - rest) : n;
    /* the target as a C string (libmicrohttpd cuts the path at NUL too) */
    char *target = malloc(tlen + 1);
    memcpy(target, rest, tlen);
    target[tlen] = 0;
    const char *body = nl ? nl + 1 : NULL;
    size_t blen = nl ? n - tlen - 1 : 0;

    char *q = strchr(target, '?');
    size_t qlen = q ? tlen - (size_t)(q - target) - 1 : 0;
    if (q) *q++ = 0;
    srv_arg args[32];
    size_t nargs = 0;
    bool too_many = false;
    for (char *p = q; p && qlen > 0;) {
        char *amp = memchr(p, '&', qlen);
        size_t len = amp ? (size_t)(amp - p) : qlen;
        if (len > 0) {
            if (nargs == 32) {
                too_many = true;
                break;
            }
            char *eq = memchr(p, '=', len);
            srv_arg *a = &args[nargs++];
            a->key = p;
            a->keylen = unescape(p, eq ? (size_t)(eq - p) : len);
            a->val = eq ? eq + 1 : NULL;
            a->vlen = eq ? unescape(eq + 1, len - (size_t)(eq - p) - 1) : 0;
        }
        if (!amp) break;
        qlen -= len + 1;
        p = amp + 1;
    }
    srv_request req = {.method = method, .path = target, .args = args, .nargs = nargs, .too_many_args = too_many,
                       .body = body, .body_len = blen, .body_too_large = blen > srv.lim.max_body};
    srv_response r;
    memset(&r, 0, sizeof r);
    zhs_buf_init(&r.body);
    srv_route(&srv, &req, &r);

    unsigned st = r.status;
    FUZZ_ASSERT(st == 200 || st == 400 || st == 404 || st == 405 || st == 413, "status %u for %s %s: %.*s", st, method,
                target, (int)(r.body.len > 300 ? 300 : r.body.len), r.body.data ? r.body.data : "");
    if (!r.static_body) {
        FUZZ_ASSERT(fuzz_utf8_valid(r.body.data ? r.body.data : "", r.body.len), "answer is not valid UTF-8");
        zhs_buf v;
        zhs_buf_init(&v);
        int found = zhs_json_get(&v, r.body.data ? r.body.data : "", r.body.len, "error");
        FUZZ_ASSERT(found >= 0, "answer is not a JSON object: %.*s", (int)(r.body.len > 300 ? 300 : r.body.len),
                    r.body.data ? r.body.data : "");
        FUZZ_ASSERT((found == 1) == (st != 200), "status %u but error member %s", st, found ? "present" : "absent");
        if (st == 200 && !strcmp(target, "/search")) {
            zhs_buf_reset(&v);
            FUZZ_ASSERT(zhs_json_get(&v, r.body.data, r.body.len, "returned") == 1, "/search without returned");
            FUZZ_ASSERT(strtoul(zhs_buf_cstr(&v), NULL, 10) <= srv.lim.max_k, "more hits than max_k");
        }
        zhs_buf_free(&v);
    }
    zhs_buf_free(&r.body);
    free(target);
    return 0;
}
