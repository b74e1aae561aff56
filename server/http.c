/*
** http.c — libmicrohttpd glue: the daemon and its limits, request bodies,
** and turning a srv_response into an HTTP response.  Parsing HTTP is
** libmicrohttpd's job; this file only collects what routes.c needs.
*/
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One request's state across libmicrohttpd's calls. */
typedef struct req_ctx {
    zhs_buf body;
    size_t seen;                /* body bytes received, kept or not */
    bool too_large;
    bool answered;              /* a response was queued before the body ended */
} req_ctx;

typedef struct arg_acc {
    srv_arg *args;
    size_t n, max;
    bool too_many;
} arg_acc;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
    (void)kind;
    arg_acc *a = cls;
    if (a->n >= a->max) {
        a->too_many = true;
        return MHD_NO;
    }
    a->args[a->n++] = (srv_arg){key, value, key_size, value ? value_size : 0};
    return MHD_YES;
}

static void free_buf(void *p) { free(p); }

static enum MHD_Result send_response(srv_server *s, struct MHD_Connection *conn, srv_response *r)
{
    struct MHD_Response *resp;
    if (r->static_body) {
        resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body, MHD_RESPMEM_PERSISTENT);
    } else {
        /* Hand the buffer over instead of copying it: answers can be large. */
        size_t len = r->body.len;
        char *data = r->body.data;
        if (!data) {
            data = malloc(1);
            if (!data) return MHD_NO;
        }
        resp = MHD_create_response_from_buffer_with_free_callback(len, data, free_buf);
        if (!resp) free(data);
        zhs_buf_init(&r->body);
    }
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->static_body)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'");
    if (r->allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    /* stopping: a keep-alive connection sends no more requests to drain */
    if (__atomic_load_n(&s->draining, __ATOMIC_ACQUIRE))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result rc = MHD_queue_response(conn, r->status ? r->status : 500, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Answers 413 before the body is read to its end; libmicrohttpd then
** closes the connection instead of reading the rest. */
static enum MHD_Result too_large(srv_server *s, struct MHD_Connection *conn, req_ctx *ctx)
{
    srv_response r = {0};
    zhs_buf_init(&r.body);
    srv_error(&r, 413, "the body is over %zu bytes: send a smaller JSON object", s->lim.max_body);
    ctx->answered = true;
    enum MHD_Result rc = send_response(s, conn, &r);
    zhs_buf_free(&r.body);
    pthread_mutex_lock(&s->stats_mu);
    s->requests++;
    s->errors_4xx++;
    pthread_mutex_unlock(&s->stats_mu);
    return rc;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    srv_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx) return MHD_NO;
        zhs_buf_init(&ctx->body);
        *con_cls = ctx;
        pthread_mutex_lock(&s->stats_mu);
        s->inflight++;
        pthread_mutex_unlock(&s->stats_mu);
        /* Refuse a declared oversized body before reading any of it. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->lim.max_body) return too_large(s, conn, ctx);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->answered) return MHD_YES;
        /* A body without Content-Length (chunked) that passes the limit is
        ** read on and dropped, so that the client finishes sending and then
        ** gets its 413 (clients report a reset mid-upload as a failure,
        ** not as the answer); past 16 times the limit it is cut off. */
        ctx->seen += n;
        if (ctx->seen > 16 * s->lim.max_body) return too_large(s, conn, ctx);
        if (!ctx->too_large && (ctx->body.len + n > s->lim.max_body || !zhs_buf_append(&ctx->body, upload_data, n))) {
            ctx->too_large = true;
            zhs_buf_free(&ctx->body);
        }
        return MHD_YES;
    }
    if (ctx->too_large) return too_large(s, conn, ctx);
    if (ctx->answered) return MHD_YES;
    srv_arg args[64];
    arg_acc acc = {args, 0, s->lim.max_params < 64 ? s->lim.max_params : 64, false};
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &acc);
    srv_request req = {
        .method = method,
        .path = url,
        .args = args,
        .nargs = acc.n,
        .too_many_args = acc.too_many,
        .body = ctx->body.data,
        .body_len = ctx->body.len,
        .body_too_large = false,
        .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
    };
    srv_response r = {0};
    zhs_buf_init(&r.body);
    srv_route(s, &req, &r);
    ctx->answered = true;
    enum MHD_Result rc = send_response(s, conn, &r);
    zhs_buf_free(&r.body);
    return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)conn, (void)toe;
    srv_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) return;
    pthread_mutex_lock(&s->stats_mu);
    s->inflight--;
    pthread_mutex_unlock(&s->stats_mu);
    zhs_buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("zhs serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

int srv_http_start(srv_server *s, const char *bind, unsigned port, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (port > 65535) return zhs_fail(err, ZHS_EINVAL, "--port takes 0 to 65535");
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    struct sockaddr *sa;
    /* ITC: srv_http_stop quiesces the daemon (stops accepting) while the
    ** requests in flight are answered */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    if (inet_pton(AF_INET, bind, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, bind, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        return zhs_fail(err, ZHS_EINVAL, "--bind takes a numeric IPv4 or IPv6 address such as 127.0.0.1 or ::1, not \"%s\"",
                        bind);
    }
    /* One thread is no pool: libmicrohttpd warns about a pool size it
    ** ignores (1, even 0), so the option is given only for a pool. */
    struct MHD_OptionItem ops[8];
    size_t no = 0;
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)log_mhd, s};
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, sa};
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->lim.connections, NULL};
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->lim.timeout_s, NULL};
    /* headers and the URL must fit here, or the client gets 431/414 */
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(64 * 1024), NULL};
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, s};
    if (s->lim.threads > 1) ops[no++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->lim.threads, NULL};
    ops[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, s, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    if (!s->daemon)
        return zhs_fail(err, ZHS_EIO, "cannot listen on %s port %u (in use, or not an address of this machine): "
                        "choose another with --bind/--port", bind, port);
    return ZHS_OK;
}

unsigned srv_http_port(const srv_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void srv_http_stop(srv_server *s, const sigset_t *stop)
{
    if (!s->daemon) return;
    __atomic_store_n(&s->draining, true, __ATOMIC_RELEASE);
    /* A query being answered when SIGTERM came gets its answer: the
    ** listening socket stops accepting, the requests already read run to
    ** their end (MHD_stop_daemon alone closed their connections with the
    ** answer unsent), idle connections are not waited for */
    MHD_socket ls = MHD_quiesce_daemon(s->daemon);
    /* connections the kernel queued but no one accepted are refused now,
    ** not left hanging until the socket closes (it stays open, as
    ** libmicrohttpd asks, until its threads are gone) */
    if (ls != MHD_INVALID_SOCKET) shutdown(ls, SHUT_RD);
    double until = zhs_now() + SRV_DRAIN_S;
    for (;;) {
        pthread_mutex_lock(&s->stats_mu);
        uint64_t n = s->inflight;
        pthread_mutex_unlock(&s->stats_mu);
        if (!n || zhs_now() > until) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        /* a second Ctrl-C (or SIGTERM) stops without waiting */
        if (stop ? sigtimedwait(stop, NULL, &ts) > 0 : nanosleep(&ts, NULL) != 0) break;
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    /* the daemon's threads are gone: the socket is ours to close */
    if (ls != MHD_INVALID_SOCKET) close(ls);
}
