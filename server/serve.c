/*
** serve.c — 'zhs serve': options, start, wait for SIGINT/SIGTERM, stop.
*/
#include "cli.h"
#include "server.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static const char serve_help[] =
    "usage: zhs serve INDEX [options]\n"
    "Answers searches over HTTP with JSON (docs/API.md) and serves a search page at /.\n"
    "The index is opened once; when 'zhs index -o INDEX' replaces it, the server\n"
    "switches to the new version without a restart (requests in flight finish on\n"
    "the old one).  While the index cannot be opened, requests get 503.\n"
    "  --bind ADDR           address to listen on (default 127.0.0.1: this machine only)\n"
    "  --port N              port (default 7700; 0: any free port, printed at start)\n"
    "  --threads N           requests answered at once (default: cores, at least 2, at most 64)\n"
    "  --connections N       open connections at once (default 256)\n"
    "  --timeout S           close a connection idle for S seconds (default 10)\n"
    "  --max-body BYTES      largest POST body (default 65536; larger: 413)\n"
    "  --max-query BYTES     longest query (default 4096; longer: 400)\n"
    "  --max-k N             most hits per page (default 100)\n"
    "  --reload-ms MS        how often to look for a new index version (default 500)\n"
    "Stop it with Ctrl-C (SIGINT) or SIGTERM.\n";

static bool parse_unsigned(const char *v, size_t lo, size_t hi, size_t *out)
{
    size_t x;
    if (!cli_parse_size(v, &x) || x < lo || x > hi) return false;
    *out = x;
    return true;
}

int cmd_serve(int argc, char **argv)
{
    srv_server s;
    memset(&s, 0, sizeof s);
    srv_limits_default(&s.lim);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s.lim.threads = cores < 2 ? 2 : cores > 64 ? 64 : (unsigned)cores;
    const char *index = NULL, *bind = "127.0.0.1";
    size_t port = 7700;
    for (int i = 1; i < argc; i++) {
        const char *v;
        size_t x;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(serve_help, stdout);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "--bind", &v)) {
            if (!v) return cli_usage_error("serve", "--bind needs an address, e.g. 127.0.0.1");
            bind = v;
        } else if (cli_opt_value(argc, argv, &i, "--port", &v)) {
            if (!parse_unsigned(v, 0, 65535, &port)) return cli_usage_error("serve", "--port takes 0 to 65535");
        } else if (cli_opt_value(argc, argv, &i, "--threads", &v)) {
            if (!parse_unsigned(v, 1, 64, &x)) return cli_usage_error("serve", "--threads takes 1 to 64");
            s.lim.threads = (unsigned)x;
        } else if (cli_opt_value(argc, argv, &i, "--connections", &v)) {
            if (!parse_unsigned(v, 1, 10000, &x)) return cli_usage_error("serve", "--connections takes 1 to 10000");
            s.lim.connections = (unsigned)x;
        } else if (cli_opt_value(argc, argv, &i, "--timeout", &v)) {
            if (!parse_unsigned(v, 1, 3600, &x)) return cli_usage_error("serve", "--timeout takes 1 to 3600 seconds");
            s.lim.timeout_s = (unsigned)x;
        } else if (cli_opt_value(argc, argv, &i, "--max-body", &v)) {
            if (!parse_unsigned(v, 64, 16u << 20, &s.lim.max_body))
                return cli_usage_error("serve", "--max-body takes 64 to 16777216 bytes");
        } else if (cli_opt_value(argc, argv, &i, "--max-query", &v)) {
            if (!parse_unsigned(v, 16, 65536, &s.lim.max_query))
                return cli_usage_error("serve", "--max-query takes 16 to 65536 bytes (the query parser's own limit is 64 KiB)");
        } else if (cli_opt_value(argc, argv, &i, "--max-k", &v)) {
            if (!parse_unsigned(v, 1, 10000, &s.lim.max_k)) return cli_usage_error("serve", "--max-k takes 1 to 10000");
        } else if (cli_opt_value(argc, argv, &i, "--reload-ms", &v)) {
            if (!parse_unsigned(v, 10, 3600000, &x)) return cli_usage_error("serve", "--reload-ms takes 10 to 3600000");
            s.lim.reload_ms = (unsigned)x;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("serve", "unknown option %s", argv[i]);
        } else if (!index) {
            index = argv[i];
        } else {
            return cli_usage_error("serve", "give one INDEX");
        }
    }
    if (!index) return cli_usage_error("serve", "give the INDEX to serve");
    if (s.lim.max_k > s.lim.max_window) s.lim.max_window = s.lim.max_k;

    /* The signals that stop the server are taken by sigwait below, so every
    ** thread started from here on must have them blocked; a client that
    ** hangs up must not kill the process with SIGPIPE. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    zhs_error err = {0};
    s.started = zhs_now();
    if (pthread_mutex_init(&s.stats_mu, NULL)) {
        fprintf(stderr, "zhs serve: cannot create a lock\n");
        return CLI_ERR;
    }
    if (srv_index_start(&s.index, index, s.lim.threads, s.lim.reload_ms, s.lim.slot_wait_ms, &err)) {
        pthread_mutex_destroy(&s.stats_mu);
        return cli_error(&err);
    }
    if (!s.index.cur)
        fprintf(stderr, "zhs serve: answering 503 until %s can be opened (looking again every %u ms)\n", index,
                s.lim.reload_ms);
    if (srv_http_start(&s, bind, (unsigned)port, &err)) {
        srv_index_stop(&s.index);
        pthread_mutex_destroy(&s.stats_mu);
        return cli_error(&err);
    }
    bool v6 = strchr(bind, ':') != NULL;
    printf("zhs serve: %s on http://%s%s%s:%u/ (%u thread%s)\n", index, v6 ? "[" : "", bind, v6 ? "]" : "",
           srv_http_port(&s), s.lim.threads, s.lim.threads == 1 ? "" : "s");
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "zhs serve: %s: stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    srv_http_stop(&s, &stop);
    srv_index_stop(&s.index);
    pthread_mutex_destroy(&s.stats_mu);
    return CLI_OK;
}
