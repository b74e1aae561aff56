/*
** routes.c — the endpoints.  Each handler reads validated parameters,
** takes an index handle for the request (srv_index_acquire) and writes
** JSON; every failure becomes a JSON error with an HTTP status.
*/
#include "server.h"
#include "json.h"
#include "json_out.h"

#include <stdio.h>
#include <stdlib.h>

/* The hits /explain looks through for a passage's rank and its id. */
enum { EXPLAIN_DEPTH = 1000 };

static const char json_type[] = "application/json; charset=utf-8";

static const char *reason(unsigned status)
{
    switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "payload too large";
    case 500: return "internal error";
    case 503: return "service unavailable";
    default: return "error";
    }
}

void srv_error(srv_response *resp, unsigned status, const char *fmt, ...)
{
    char msg[ZHS_ERROR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    resp->status = status;
    resp->content_type = json_type;
    zhs_buf_reset(&resp->body);
    zhs_buf_printf(&resp->body, "{\"error\":{\"status\":%u,\"reason\":\"%s\",\"message\":", status, reason(status));
    /* Messages may quote the client's bytes: keep the JSON valid UTF-8. */
    zhs_buf clean;
    zhs_buf_init(&clean);
    zhs_utf8_sanitize(&clean, msg, strlen(msg));
    zhs_json_str(&resp->body, zhs_buf_cstr(&clean), clean.len);
    zhs_buf_free(&clean);
    zhs_buf_puts(&resp->body, "}}\n");
}

/* The HTTP status for a library status. */
static unsigned status_for(int code)
{
    switch (code) {
    case ZHS_EQUERY: case ZHS_EINVAL: return 400;
    case ZHS_ENOTFOUND: return 404;
    case ZHS_ENOMEM: return 503;
    default: return 500;
    }
}

static void fail_with(srv_response *resp, const zhs_error *e)
{
    srv_error(resp, status_for(e->code), "%s", e->message[0] ? e->message : zhs_status_name(e->code));
}

/* Whether e says a passage number names no passage (past the end, or
** deleted): a 404, not a bad request. */
static bool no_passage(const zhs_error *e)
{
    return e->code == ZHS_EINVAL || e->code == ZHS_ENOTFOUND;
}

static void json_cstr(zhs_buf *o, const char *s)
{
    zhs_json_str(o, s, strlen(s));
}

static void ok_json(srv_response *resp)
{
    resp->status = 200;
    resp->content_type = json_type;
    zhs_buf_putc(&resp->body, '\n');
}

/* The parameters each endpoint takes. */
static const char *const search_params[] = {"q", "k", "offset", "width", "k1", "b", "exhaustive", "exact_total",
                                            "count", "filter", "as_of", "all_versions", "group", "per_group",
                                            "expand", "proximity"};
/* the version and filter parameters of /search too: they choose which
** passages are hits (a hit of all_versions=1 is explained with it), not
** how they score */
static const char *const explain_params[] = {"q", "doc", "id", "filter", "as_of", "all_versions"};
static const char *const analyze_params[] = {"q"};
#define PARAMS(a) srv_params_bits(a, sizeof a / sizeof a[0])

/* Whether p holds only parameters of the endpoint; false with the
** response set otherwise. */
static bool only_params(const srv_params *p, unsigned allowed, const char *endpoint, srv_response *resp)
{
    zhs_error e;
    zhs_error_clear(&e);
    if (srv_params_check_only(p, allowed, endpoint, &e) == ZHS_OK) return true;
    fail_with(resp, &e);
    return false;
}

/* Reads the query string into p; false with the response set on error. */
static bool read_args(const srv_server *s, const srv_request *req, srv_params *p, srv_response *resp)
{
    zhs_error e;
    zhs_error_clear(&e);
    if (req->too_many_args) {
        srv_error(resp, 400, "more than %zu parameters: send fewer", s->lim.max_params);
        return false;
    }
    for (size_t i = 0; i < req->nargs; i++)
        if (srv_params_set(p, &s->lim, req->args[i].key, req->args[i].keylen, req->args[i].val, req->args[i].vlen, &e)) {
            fail_with(resp, &e);
            return false;
        }
    return true;
}

static bool take_index(srv_server *s, srv_lease *l, srv_response *resp)
{
    zhs_error e;
    zhs_error_clear(&e);
    if (srv_index_acquire(&s->index, l, &e) == ZHS_OK) return true;
    srv_error(resp, 503, "%s", e.message);
    return false;
}

/* ---------------------------------------------------------------- /search */

static int write_search(srv_server *s, srv_lease *l, const srv_params *p, zhs_buf *o, double t0, zhs_error *err)
{
    zhs_search_options so;
    zhs_search_options_default(&so);
    so.k = p->offset + p->k;
    so.k1 = p->k1;
    so.b = p->b;
    /* 0 is plain BM25, as on the command line (the library's 0 is its default) */
    if (p->proximity >= 0) so.proximity = p->proximity > 0 ? p->proximity : -1;
    so.exhaustive = p->exhaustive;
    so.count_only = p->count;
    so.filter = p->filter.len ? p->filter.data : NULL;
    so.as_of = p->as_of.len ? p->as_of.data : NULL;
    so.all_versions = p->all_versions;
    so.no_expand = !p->expand;
    if (p->group || p->per_group) so.group_size = (unsigned)(p->per_group ? p->per_group : 1);
    zhs_results *r;
    const char *q = zhs_buf_cstr((zhs_buf *)&p->q);
    if (zhs_index_search(&r, l->slot->ix, l->slot->an, q, &so, err)) return err->code;
    uint64_t matches = zhs_results_matches(r);
    size_t n = zhs_results_count(r);
    /* Counting is exact when every match was scored: exhaustively, or when
    ** fewer matched than were asked for (the top k never filled, so nothing
    ** was pruned).  Otherwise it is a lower bound, unless asked to count. */
    bool exact = p->exhaustive || p->count || n < so.k;
    if (p->exact_total && !exact) {
        zhs_search_options co = so;
        co.count_only = 1;
        zhs_results *c;
        if (zhs_index_search(&c, l->slot->ix, l->slot->an, q, &co, err)) {
            zhs_results_free(r);
            return err->code;
        }
        matches = zhs_results_matches(c);
        zhs_results_free(c);
        exact = true;
    }
    zhs_buf hits;
    zhs_buf_init(&hits);
    int rc = ZHS_OK;
    for (size_t i = p->offset; i < n; i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        zhs_passage psg;
        const zhs_span *sp;
        size_t nsp;
        zhs_version_info ver;
        char since[11];
        zhs_repeal_info rep;
        if (zhs_results_passage(&psg, r, h->doc, err) || zhs_results_highlights(&sp, &nsp, r, l->slot->an, &psg, err) ||
            zhs_results_version(&ver, r, h->doc, err) || zhs_results_in_force(since, r, h->doc, err) ||
            zhs_results_repealed(&rep, r, h->doc, err)) {
            rc = err->code;
            break;
        }
        if (i > p->offset) zhs_buf_putc(&hits, ',');
        zhs_json_hit(&hits, i + 1, h, &psg, sp, nsp, p->width, &ver, since, &rep);
    }
    if (rc == ZHS_OK) {
        zhs_buf_puts(o, "{\"query\":");
        zhs_json_str(o, p->q.data, p->q.len);
        /* what a lenient reading of the query ignored (docs/QUERY.md) */
        if (zhs_results_warning(r, 0)) {
            zhs_buf_puts(o, ",\"warnings\":[");
            for (size_t w = 0; zhs_results_warning(r, w); w++) {
                if (w) zhs_buf_putc(o, ',');
                zhs_json_str(o, zhs_results_warning(r, w), strlen(zhs_results_warning(r, w)));
            }
            zhs_buf_putc(o, ']');
        }
        zhs_buf_printf(o, ",\"matches\":{\"value\":%llu,\"relation\":\"%s\"},\"total\":{\"value\":%llu,\"relation\":\"%s\"}",
                       (unsigned long long)matches, exact ? "eq" : "gte", (unsigned long long)matches, exact ? "eq" : "gte");
        zhs_buf_printf(o, ",\"offset\":%zu,\"k\":%zu,\"returned\":%zu", p->offset, p->k, n > p->offset ? n - p->offset : 0);
        /* A next page exists when this one is full and more may match. */
        if (!p->count && n == so.k && (!exact || matches > n) && so.k + p->k <= s->lim.max_window)
            zhs_buf_printf(o, ",\"next_offset\":%zu", so.k);
        else
            zhs_buf_puts(o, ",\"next_offset\":null");
        zhs_buf_printf(o, ",\"generation\":%llu,\"took_ms\":%.3f,\"hits\":[",
                       (unsigned long long)l->snap->info.generation, (zhs_now() - t0) * 1000);
        zhs_buf_append(o, hits.data ? hits.data : "", hits.len);
        zhs_buf_puts(o, "]}");
        if (o->oom || hits.oom) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing the answer");
    }
    zhs_buf_free(&hits);
    zhs_results_free(r);
    return rc;
}

static void route_search(srv_server *s, const srv_request *req, srv_response *resp, double t0)
{
    srv_params p;
    srv_params_init(&p);
    zhs_error e;
    zhs_error_clear(&e);
    bool post = !strcmp(req->method, "POST");
    if (post && req->body_too_large) {
        srv_error(resp, 413, "the body is over %zu bytes: send a smaller JSON object", s->lim.max_body);
        goto done;
    }
    if (!read_args(s, req, &p, resp)) goto done;
    if (post && srv_params_from_json(&p, &s->lim, req->body ? req->body : "", req->body_len, &e)) {
        fail_with(resp, &e);
        goto done;
    }
    if (!only_params(&p, PARAMS(search_params), "/search", resp)) goto done;
    if (srv_params_check_search(&p, &s->lim, &e)) {
        fail_with(resp, &e);
        goto done;
    }
    srv_lease l;
    if (!take_index(s, &l, resp)) goto done;
    if (write_search(s, &l, &p, &resp->body, t0, &e)) fail_with(resp, &e);
    else ok_json(resp);
    srv_index_release(&s->index, &l);
done:
    srv_params_free(&p);
}

/* ---------------------------------------------------------------- /passages/N */

static void route_passage(srv_server *s, const srv_request *req, srv_response *resp, const char *num)
{
    srv_params p;
    srv_params_init(&p);
    zhs_error e;
    zhs_error_clear(&e);
    if (!read_args(s, req, &p, resp) || !only_params(&p, 0, "/passages/N", resp)) goto done;
    if (srv_params_set(&p, &s->lim, "doc", 3, num, strlen(num), &e)) {
        srv_error(resp, 404, "no passage \"%.40s\": /passages/N takes a passage number, the \"doc\" of a hit", num);
        goto done;
    }
    srv_lease l;
    if (!take_index(s, &l, resp)) goto done;
    zhs_results *r = NULL;
    zhs_passage psg;
    /* doc numbers run past the live count once passages were deleted:
    ** the library says which exist */
    if (zhs_index_results(&r, l.slot->ix, &e) || zhs_results_passage(&psg, r, p.doc, &e)) {
        if (no_passage(&e)) srv_error(resp, 404, "no passage %u: %s", p.doc, e.message);
        else fail_with(resp, &e);
    } else {
        zhs_buf *o = &resp->body;
        zhs_buf_printf(o, "{\"doc\":%u", p.doc);
        zhs_json_passage_names(o, &psg);
        zhs_json_passage_meta(o, &psg);
        zhs_buf_puts(o, ",\"text\":");
        zhs_json_str(o, psg.text, psg.text_len);
        zhs_buf_printf(o, ",\"bytes\":%zu,\"chars\":%zu,\"generation\":%llu}", psg.text_len,
                       zhs_utf8_count(psg.text, psg.text_len), (unsigned long long)l.snap->info.generation);
        ok_json(resp);
    }
    zhs_results_free(r);
    srv_index_release(&s->index, &l);
done:
    srv_params_free(&p);
}

/* ---------------------------------------------------------------- /analyze */

static const char *kind_name(uint32_t kind)
{
    switch (kind) {
    case ZHS_TOKEN_WORD: return "word";
    case ZHS_TOKEN_BIGRAM: return "bigram";
    case ZHS_TOKEN_LATIN: return "latin";
    case ZHS_TOKEN_NUMBER: return "number";
    case ZHS_TOKEN_CHAR: return "char";
    default: return "other";
    }
}

static void route_analyze(srv_server *s, const srv_request *req, srv_response *resp)
{
    srv_params p;
    srv_params_init(&p);
    zhs_error e;
    zhs_error_clear(&e);
    if (!read_args(s, req, &p, resp) || !only_params(&p, PARAMS(analyze_params), "/analyze", resp)) goto done;
    if (!p.has_q) {
        srv_error(resp, 400, "text is missing: give the text to analyze, e.g. /analyze?text=个人信息");
        goto done;
    }
    srv_lease l;
    if (!take_index(s, &l, resp)) goto done;
    const zhs_token *tok;
    size_t n;
    const char *text = zhs_buf_cstr(&p.q);
    if (zhs_analyzer_run(l.slot->an, &tok, &n, text, p.q.len, &e)) {
        fail_with(resp, &e);
    } else {
        zhs_buf *o = &resp->body;
        zhs_buf_puts(o, "{\"analyzer\":");
        json_cstr(o, zhs_analyzer_fingerprint(l.slot->an));
        zhs_buf_puts(o, ",\"tokens\":[");
        /* Tokens come in text order, so the character count only grows;
        ** starts of overlapping tokens (words, bigrams) may step back, so
        ** count from a checkpoint at the smallest start seen so far. */
        size_t at = 0, chars = 0;
        for (size_t i = 0; i < n; i++) {
            if (tok[i].start < at) at = 0, chars = 0;
            size_t cs = chars + zhs_utf8_count(text + at, tok[i].start - at);
            size_t ce = cs + zhs_utf8_count(text + tok[i].start, tok[i].end - tok[i].start);
            at = tok[i].start;
            chars = cs;
            zhs_buf_puts(o, i ? ",{\"token\":" : "{\"token\":");
            zhs_json_str(o, tok[i].text, tok[i].len);
            zhs_buf_printf(o, ",\"kind\":\"%s\",\"position\":%u,\"start\":%u,\"end\":%u,\"start_char\":%zu,\"end_char\":%zu,\"original\":",
                           kind_name(tok[i].kind), tok[i].position, tok[i].start, tok[i].end, cs, ce);
            zhs_json_str(o, text + tok[i].start, tok[i].end - tok[i].start);
            zhs_buf_putc(o, '}');
        }
        zhs_buf_puts(o, "]}");
        ok_json(resp);
    }
    srv_index_release(&s->index, &l);
done:
    srv_params_free(&p);
}

/* ---------------------------------------------------------------- /explain */

static void route_explain(srv_server *s, const srv_request *req, srv_response *resp)
{
    srv_params p;
    srv_params_init(&p);
    zhs_error e;
    zhs_error_clear(&e);
    if (!read_args(s, req, &p, resp) || !only_params(&p, PARAMS(explain_params), "/explain", resp)) goto done;
    if (!p.has_q || p.q.len == 0) {
        srv_error(resp, 400, "q is missing: /explain?q=QUERY&doc=N explains passage N's score for QUERY");
        goto done;
    }
    if (p.has_doc == p.has_id) {
        srv_error(resp, 400, "give either doc=N (a hit's \"doc\") or id=ID (a hit's \"id\"), one of them");
        goto done;
    }
    srv_lease l;
    if (!take_index(s, &l, resp)) goto done;
    zhs_search_options so;
    zhs_search_options_default(&so);
    so.k = EXPLAIN_DEPTH;
    so.filter = p.filter.len ? p.filter.data : NULL;
    so.as_of = p.as_of.len ? p.as_of.data : NULL;
    so.all_versions = p.all_versions;
    zhs_results *r = NULL;
    if (zhs_index_search(&r, l.slot->ix, l.slot->an, zhs_buf_cstr(&p.q), &so, &e)) {
        fail_with(resp, &e);
        goto release;
    }
    /* The passage's rank among the query's hits, if it is one. */
    size_t rank = 0;
    double search_score = 0;
    for (size_t i = 0; i < zhs_results_count(r) && !rank; i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        if (p.has_doc && h->doc != p.doc) continue;
        if (p.has_id) {
            zhs_passage hp;
            if (zhs_results_passage(&hp, r, h->doc, &e)) break;
            if (strcmp(hp.id, p.id.data)) continue;
            p.doc = h->doc;
        }
        rank = i + 1;
        search_score = h->score;
    }
    if (e.code) {
        fail_with(resp, &e);
        goto release;
    }
    if (p.has_id && !rank) {
        srv_error(resp, 404, "no passage with id \"%s\" among the first %d hits of this query: use doc=N", p.id.data,
                  EXPLAIN_DEPTH);
        goto release;
    }
    zhs_explanation ex;
    zhs_passage psg;
    /* a native index says which numbers name passages (a Xapian one
    ** explains nothing: its message comes from the explanation) */
    bool native = l.snap->info.engine == ZHS_ENGINE_NATIVE;
    if (native && zhs_results_passage(&psg, r, p.doc, &e) && no_passage(&e)) {
        srv_error(resp, 404, "no passage %u: %s", p.doc, e.message);
        goto release;
    }
    if (e.code || zhs_results_explain(&ex, r, p.doc, &e) || (!native && zhs_results_passage(&psg, r, p.doc, &e))) {
        fail_with(resp, &e);
        goto release;
    }
    zhs_buf *o = &resp->body;
    zhs_buf_puts(o, "{\"query\":");
    zhs_json_str(o, p.q.data, p.q.len);
    zhs_buf_printf(o, ",\"doc\":%u", p.doc);
    zhs_json_passage_names(o, &psg);
    if (rank) zhs_buf_printf(o, ",\"rank\":%zu,\"search_score\":%.17g", rank, search_score);
    else zhs_buf_puts(o, ",\"rank\":null,\"search_score\":null");
    zhs_buf_printf(o, ",\"score\":%.17g,\"k1\":%.17g,\"b\":%.17g,\"avglen\":%.17g,\"length\":%u,\"length_norm\":%.17g,\"terms\":[",
                   ex.score, ex.k1, ex.b, ex.avglen, ex.length, ex.length_norm);
    for (size_t i = 0; i < ex.nterms; i++) {
        const zhs_explain_term *t = &ex.terms[i];
        zhs_buf_puts(o, i ? ",{\"term\":" : "{\"term\":");
        json_cstr(o, t->text);
        zhs_buf_puts(o, ",\"key\":");
        json_cstr(o, t->key);
        zhs_buf_printf(o, ",\"field\":\"%s\",\"kind\":\"%s\",\"qtf\":%u,\"df\":%llu,\"idf\":%.17g,\"tf\":%u,\"tf_part\":%.17g,\"score\":%.17g}",
                       t->title ? "title" : "body", kind_name(t->kind), t->qtf, (unsigned long long)t->df, t->idf, t->tf,
                       t->tf_part, t->score);
    }
    zhs_buf_puts(o, "]}");
    ok_json(resp);
release:
    zhs_results_free(r);
    srv_index_release(&s->index, &l);
done:
    srv_params_free(&p);
}

/* ---------------------------------------------------------------- /stats, /health */

static void route_stats(srv_server *s, const srv_request *req, srv_response *resp, bool health)
{
    srv_params p;
    srv_params_init(&p);
    bool ok = read_args(s, req, &p, resp) && only_params(&p, 0, health ? "/health" : "/stats", resp);
    srv_params_free(&p);
    if (!ok) return;
    srv_lease l;
    if (!take_index(s, &l, resp)) return;
    const zhs_index_info *in = &l.snap->info;
    zhs_buf *o = &resp->body;
    if (health) {
        zhs_buf_printf(o, "{\"status\":\"ok\",\"generation\":%llu,\"passages\":%llu}", (unsigned long long)in->generation,
                       (unsigned long long)in->passages);
    } else {
        pthread_mutex_lock(&s->stats_mu);
        uint64_t requests = s->requests, e4 = s->errors_4xx, e5 = s->errors_5xx;
        pthread_mutex_unlock(&s->stats_mu);
        pthread_mutex_lock(&s->index.mu);
        uint64_t reloads = s->index.reloads, failed = s->index.failed_reloads;
        pthread_mutex_unlock(&s->index.mu);
        zhs_buf_puts(o, "{\"index\":");
        json_cstr(o, s->index.dir);
        zhs_buf_printf(o, ",\"engine\":\"%s\",\"generation\":%llu,\"analyzer\":",
                       in->engine_name, (unsigned long long)in->generation);
        json_cstr(o, in->analyzer);
        zhs_buf_printf(o, ",\"passages\":%llu,\"terms\":%llu,\"tokens\":%llu,\"avglen\":%.3f,\"source_bytes\":%llu,"
                          "\"k1\":%.17g,\"b\":%.17g,\"shards\":%u",
                       (unsigned long long)in->passages, (unsigned long long)in->terms, (unsigned long long)in->tokens,
                       in->avglen, (unsigned long long)in->source_bytes, in->k1, in->b, in->shards);
        double now = zhs_now();
        zhs_buf_printf(o, ",\"server\":{\"uptime_s\":%.1f,\"snapshot_age_s\":%.1f,\"snapshot_open_s\":%.3f,"
                          "\"reloads\":%llu,\"failed_reloads\":%llu,\"requests\":%llu,\"errors_4xx\":%llu,\"errors_5xx\":%llu,"
                          "\"threads\":%u,\"limits\":{\"max_body\":%zu,\"max_query\":%zu,\"max_k\":%zu,\"max_window\":%zu,"
                          "\"connections\":%u,\"timeout_s\":%u,\"reload_ms\":%u}}}",
                       now - s->started, now - l.snap->opened_at, l.snap->open_seconds, (unsigned long long)reloads,
                       (unsigned long long)failed, (unsigned long long)requests, (unsigned long long)e4,
                       (unsigned long long)e5, s->lim.threads, s->lim.max_body, s->lim.max_query, s->lim.max_k,
                       s->lim.max_window, s->lim.connections, s->lim.timeout_s, s->lim.reload_ms);
    }
    ok_json(resp);
    srv_index_release(&s->index, &l);
}

/* ---------------------------------------------------------------- dispatch */

static bool method_is(const srv_request *req, const char *m) { return !strcmp(req->method, m); }

void srv_route(srv_server *s, const srv_request *req, srv_response *resp)
{
    double t0 = zhs_now();
    const char *path = req->path;
    /* the absolute form a client sends to a proxy (GET http://host/health
    ** HTTP/1.1), which a server must take too (RFC 7230 5.3.2): the path
    ** after the authority */
    for (int k = 0; k < 2; k++) {
        const char *scheme = k ? "https://" : "http://";
        size_t sl = strlen(scheme);
        if (!strncmp(path, scheme, sl)) {
            const char *slash = strchr(path + sl, '/');
            path = slash ? slash : "/";
            break;
        }
    }
    bool get = method_is(req, "GET") || method_is(req, "HEAD");
    static const char get_only[] = "GET, HEAD";
    resp->status = 0;
    if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
        if (!get) goto not_allowed_get;
        resp->status = 200;
        resp->content_type = "text/html; charset=utf-8";
        resp->static_body = srv_page_html;
        resp->static_len = srv_page_html_len;
    } else if (!strcmp(path, "/search")) {
        if (!get && !method_is(req, "POST")) {
            resp->allow = "GET, HEAD, POST";
            srv_error(resp, 405, "%s is not allowed on /search: use GET /search?q=… or POST a JSON body", req->method);
        } else {
            route_search(s, req, resp, t0);
        }
    } else if (!strncmp(path, "/passages/", 10)) {
        if (!get) goto not_allowed_get;
        route_passage(s, req, resp, path + 10);
    } else if (!strcmp(path, "/analyze")) {
        if (!get) goto not_allowed_get;
        route_analyze(s, req, resp);
    } else if (!strcmp(path, "/explain")) {
        if (!get) goto not_allowed_get;
        route_explain(s, req, resp);
    } else if (!strcmp(path, "/stats") || !strcmp(path, "/health")) {
        if (!get) goto not_allowed_get;
        route_stats(s, req, resp, path[1] == 'h');
    } else {
        srv_error(resp, 404, "no such endpoint: the endpoints are /, /search, /passages/N, /analyze, /explain, /stats, /health");
    }
    goto count;
not_allowed_get:
    resp->allow = get_only;
    srv_error(resp, 405, "%s is not allowed on %s: use GET", req->method, path);
count:
    pthread_mutex_lock(&s->stats_mu);
    s->requests++;
    if (resp->status >= 400 && resp->status < 500) s->errors_4xx++;
    if (resp->status >= 500) s->errors_5xx++;
    pthread_mutex_unlock(&s->stats_mu);
}
