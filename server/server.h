/*
** server.h — 'zhs serve': the parts of the HTTP service and what they share.
**
**   serve.c      the command: options, start, wait for a signal, stop
**   http.c       libmicrohttpd glue: limits, request bodies, responses
**   snapshot.c   the open index, replaced when MANIFEST changes on disk
**   routes.c     the endpoints, each a function from request to response
**   params.c     request parameters (query string or JSON body), validated
**   json_out.c   the hit JSON shared with 'zhs search --json'
**   page.html    the search page, compiled in (embed.cmake)
**
** Everything mutable lives in a srv_server that the command owns: no
** globals, so tests and fuzz targets can make as many as they like.
*/
#ifndef ZHS_SERVER_H
#define ZHS_SERVER_H

#include "common.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- limits */

typedef struct srv_limits {
    size_t max_body;            /* bytes of a POST body (413 above) */
    size_t max_query;           /* bytes of q or text (400 above) */
    size_t max_k;               /* hits per page */
    size_t max_window;          /* offset + k */
    size_t max_params;          /* query-string parameters per request */
    unsigned threads;           /* requests answered at once */
    unsigned connections;       /* open connections at once */
    unsigned timeout_s;         /* idle connection (slow client) timeout */
    unsigned reload_ms;         /* how often MANIFEST is looked at */
    unsigned slot_wait_ms;      /* how long a request waits for a free index handle */
} srv_limits;

void srv_limits_default(srv_limits *l);

/* ---------------------------------------------------------------- params.c */

typedef struct srv_params {
    zhs_buf q;                  /* q (or text for /analyze), NUL-terminated */
    bool has_q;
    size_t k, offset, width;
    double k1, b;               /* 0 / -1: the index's */
    double proximity;           /* the bonus's weight as zhs search --proximity takes it (0: plain
                                ** BM25); -1: the default */
    bool exhaustive, exact_total, count;
    uint32_t doc;               /* /explain: the passage number */
    bool has_doc;
    zhs_buf id;                 /* /explain: the passage's external id instead */
    bool has_id;
    zhs_buf filter, as_of;      /* /search: metadata conditions; the date in force ("" none) */
    bool all_versions;
    bool expand;                /* /search: the statutes' wording for everyday words (default true) */
    size_t group;               /* /search: hits per law (group=law: 1, per_group=N); 0: no grouping */
    size_t per_group;
    unsigned seen;              /* one bit per parameter name: each may come once */
} srv_params;

void srv_params_init(srv_params *p);
void srv_params_free(srv_params *p);

/* Sets one parameter from its decoded bytes (val may hold any bytes; NULL
** for a key given without '=').  ZHS_EINVAL with a message naming the
** parameter and what it takes. */
int srv_params_set(srv_params *p, const srv_limits *lim, const char *key, size_t keylen, const char *val,
                   size_t vlen, zhs_error *err);

/* Reads the parameters of a JSON object body {"q":…, "k":…, …}. */
int srv_params_from_json(srv_params *p, const srv_limits *lim, const char *body, size_t n, zhs_error *err);

/* After every parameter is set: q present and within limits, window. */
int srv_params_check_search(const srv_params *p, const srv_limits *lim, zhs_error *err);
/* The bits of the parameters named (srv_params.seen's), and a check that
** p was given no other: each endpoint refuses another's parameters as it
** refuses unknown ones (doc on /search would otherwise be ignored). */
unsigned srv_params_bits(const char *const *which, size_t n);
int srv_params_check_only(const srv_params *p, unsigned allowed, const char *endpoint, zhs_error *err);

/* ---------------------------------------------------------------- snapshot.c */

/* What one request uses: an index handle and an analyzer, neither shared
** with a concurrent request (a native handle is shared, which it allows). */
typedef struct srv_slot {
    zhs_index *ix;
    zhs_analyzer *an;
    bool busy;
} srv_slot;

/* One opened version of the index.  Requests hold a reference; the last
** one out closes it, so a replaced snapshot finishes its requests. */
typedef struct srv_snapshot {
    unsigned refs;              /* requests + 1 while current */
    zhs_index *shared;          /* native: the one handle; NULL for Xapian */
    srv_slot *slots;
    size_t nslots, nfree;
    zhs_index_info info;
    char analyzer[256];         /* info.analyzer points into a handle; kept here too */
    double opened_at;           /* zhs_now() */
    double open_seconds;
} srv_snapshot;

typedef struct srv_index {
    char dir[ZHS_DIR_MAX + 1];
    size_t nslots;
    unsigned reload_ms, slot_wait_ms;
    pthread_mutex_t mu;
    pthread_cond_t slot_freed, wake;
    srv_snapshot *cur;          /* NULL while the index cannot be opened */
    struct stat seen;           /* MANIFEST as last opened */
    bool seen_valid;
    zhs_error last_error;       /* the last failed open */
    uint64_t reloads, failed_reloads;
    bool stop;
    pthread_t watcher;
    bool watcher_running;
} srv_index;

typedef struct srv_lease {
    srv_snapshot *snap;
    srv_slot *slot;
} srv_lease;

/* Opens dir (a failure is not fatal: it is kept as the 503 answer and
** retried) and starts the thread that watches its MANIFEST. */
int srv_index_start(srv_index *x, const char *dir, size_t nslots, unsigned reload_ms, unsigned slot_wait_ms,
                    zhs_error *err);
void srv_index_stop(srv_index *x);

/* A handle for one request, on the current snapshot.  ZHS_ENOTFOUND (the
** index cannot be opened) or ZHS_EIO (every handle busy) map to 503. */
int srv_index_acquire(srv_index *x, srv_lease *l, zhs_error *err);
void srv_index_release(srv_index *x, srv_lease *l);

/* Looks at MANIFEST once and switches to a new snapshot if it changed;
** the watcher thread calls it every reload_ms. */
void srv_index_poll(srv_index *x);

/* ---------------------------------------------------------------- routes.c */

typedef struct srv_arg {
    const char *key, *val;      /* val NULL: key without '=' */
    size_t keylen, vlen;
} srv_arg;

typedef struct srv_request {
    const char *method;
    const char *path;
    const srv_arg *args;
    size_t nargs;
    bool too_many_args;
    const char *body;
    size_t body_len;
    bool body_too_large;
    const char *content_type;
} srv_request;

typedef struct srv_response {
    unsigned status;
    const char *content_type;
    zhs_buf body;
    const char *allow;          /* for 405 */
    const unsigned char *static_body;   /* the page: sent without a copy */
    size_t static_len;
} srv_response;

typedef struct srv_server {
    srv_limits lim;
    srv_index index;
    double started;
    pthread_mutex_t stats_mu;
    uint64_t requests, errors_4xx, errors_5xx;
    uint64_t inflight;          /* requests read and not yet completed (stats_mu) */
    bool draining;              /* stopping: answers close their connections (atomic) */
    struct MHD_Daemon *daemon;
} srv_server;

/* Answers one request; never fails (errors become JSON responses). */
void srv_route(srv_server *s, const srv_request *req, srv_response *resp);

/* An error response: {"error":{"status":…,"reason":…,"message":…}}. */
void srv_error(srv_response *resp, unsigned status, const char *fmt, ...) ZHS_PRINTF(3, 4);

/* ---------------------------------------------------------------- http.c */

int srv_http_start(srv_server *s, const char *bind, unsigned port, zhs_error *err);
/* Stops listening (connections waiting to be accepted are refused),
** answers the requests already read (at most SRV_DRAIN_S seconds more;
** each answer closes its connection), then closes every connection; a
** signal of stop (when not NULL: the set the caller blocks and waits on)
** during the wait ends it at once. */
#define SRV_DRAIN_S 30
void srv_http_stop(srv_server *s, const sigset_t *stop);
/* The port listened on (what --port 0 chose). */
unsigned srv_http_port(const srv_server *s);

/* ---------------------------------------------------------------- page */

extern const unsigned char srv_page_html[];
extern const size_t srv_page_html_len;

#endif
