/*
** test_xapian.c — the Xapian shim (xapian/xapian_shim.h) against a
** brute-force evaluation over synthetic passages: query semantics, BM25
** scores (Xapian's formula, as documented in the header), top-k, commit
** semantics, errors, local shards and remote shards behind xapian-tcpsrv
** (skipped, with a message, when xapian-tcpsrv is not on PATH).
*/
#include "harness.h"

#ifndef ZHS_WITH_XAPIAN
int main(void)
{
    zt_skip("zhsearch was configured with ZHS_WITH_XAPIAN=OFF: there is no Xapian engine to test");
    return 77;
}
#else
#include "xapian_shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* ------------------------------------------------------------ synthetic data */

#define NP 300              /* passages */
#define NV 40               /* vocabulary words */
#define NB 5                /* "bigram" terms that share a position with a word */
#define NT 3                /* position-less terms (added with add_term, wdf 2) */
#define NTERMS (NV + NB + NT)
#define MAXPOST 80

static const char *const vocab[NV] = {
    "法", "律", "条例", "国家", "人民", "法院", "合同", "公司", "义务", "权利",
    "规定", "责任", "行政", "机关", "民事", "刑事", "诉讼", "证据", "当事人", "财产",
    "赔偿", "登记", "劳动", "税收", "土地", "环境", "保护", "监督", "管理", "程序",
    "ai", "g20", "5g", "2024", "3.5", "数据", "网络", "安全", "信息", "个人",
};
static char term_text[NTERMS][32];
static uint32_t term_len[NTERMS];

typedef struct passage {
    int nterm;                      /* postings */
    int term[MAXPOST];
    uint32_t pos[MAXPOST], wdf[MAXPOST];
    uint32_t tf[NTERMS];            /* wdf sum per term */
    uint64_t posmask[NTERMS];       /* bit p set: term at position p (p < 64) */
    uint32_t len;                   /* sum of wdf */
    int npos;                       /* positions used: 1..npos */
    char data[16];
} passage;

static passage P[NP];
static uint32_t df[NTERMS];
static double avglen;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)       /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static int rndn(int n) { return (int)(rnd() % (uint64_t)n); }

static void add_posting(passage *p, int t, uint32_t pos, uint32_t wdf)
{
    p->term[p->nterm] = t;
    p->pos[p->nterm] = pos;
    p->wdf[p->nterm] = wdf;
    p->nterm++;
    p->tf[t] += wdf;
    p->len += wdf;
    if (pos) p->posmask[t] |= 1ull << pos;
}

static void make_data(void)
{
    for (int t = 0; t < NTERMS; t++) {
        if (t < NV) snprintf(term_text[t], sizeof term_text[t], "%s", vocab[t]);
        else if (t < NV + NB) snprintf(term_text[t], sizeof term_text[t], "B%s%s",
                                       vocab[t - NV], vocab[t - NV + 1]);
        else snprintf(term_text[t], sizeof term_text[t], "Tcat%d", t - NV - NB);
        term_len[t] = (uint32_t)strlen(term_text[t]);
    }
    uint64_t total = 0;
    for (int i = 0; i < NP; i++) {
        passage *p = &P[i];
        memset(p, 0, sizeof *p);
        snprintf(p->data, sizeof p->data, "p%d", i);
        p->npos = 2 + rndn(30);                 /* 2..31 positions */
        for (int pos = 1; pos <= p->npos; pos++) {
            double u = rnd01();
            int t = (int)(NV * u * u);          /* skewed: term 0 is common */
            add_posting(p, t, (uint32_t)pos, 1);
            if (rndn(6) == 0) add_posting(p, NV + rndn(NB), (uint32_t)pos, 1);
        }
        if (i % 7 == 0) add_posting(p, NV + NB + i % NT, 0, 2);
        total += p->len;
        for (int t = 0; t < NTERMS; t++) if (p->tf[t]) df[t]++;
    }
    avglen = (double)total / NP;
}

/* ------------------------------------------------------------ queries */

typedef struct qpool {
    zhs_xq node[96];
    const zhs_xq *kid[256];
    int nn, nk;
} qpool;

static zhs_xq *q_term(qpool *qp, int t, uint32_t wqf)
{
    zhs_xq *q = &qp->node[qp->nn++];
    memset(q, 0, sizeof *q);
    q->op = ZHS_XQ_TERM;
    q->term = t >= 0 ? term_text[t] : "不存在";
    q->len = (uint32_t)strlen(q->term);
    q->wqf = wqf;
    return q;
}

static zhs_xq *q_op(qpool *qp, int op, uint32_t window, zhs_xq *const *kids, int n)
{
    zhs_xq *q = &qp->node[qp->nn++];
    memset(q, 0, sizeof *q);
    q->op = op;
    q->window = window;
    q->kids = &qp->kid[qp->nk];
    q->nkids = (size_t)n;
    for (int i = 0; i < n; i++) qp->kid[qp->nk++] = kids[i];
    return q;
}

static int term_index(const zhs_xq *q)
{
    for (int t = 0; t < NTERMS; t++)
        if (q->len == term_len[t] && memcmp(q->term, term_text[t], q->len) == 0) return t;
    return -1;
}

typedef struct bm25 { double k1, b, mn; } bm25;

/* Xapian's BM25Weight(k1, 0, 1, b, mn) for one term, as in the header. */
static double xw(const bm25 *w, int t, uint32_t wqf, const passage *p)
{
    if (t < 0 || !p->tf[t]) return 0;
    double n = df[t];
    double R = (NP - n + 0.5) / (n + 0.5);
    if (R < 2) R = R * 0.5 + 1;
    double q = wqf ? wqf : 1;
    double tw = log(R) * (2 * q / (1 + q)) * (w->k1 + 1);
    double normlen = p->len / avglen;
    if (normlen < w->mn) normlen = w->mn;
    double f = p->tf[t];
    return tw * f / (w->k1 * (normlen * w->b + (1 - w->b)) + f);
}

static int phrase_at(const passage *p, const int *t, int n, int window, int start)
{
    /* strictly increasing positions, first at start, span <= window */
    int pos = start;
    for (int i = 1; i < n; i++) {
        int q = pos + 1;
        while (q < 64 && !(p->posmask[t[i]] >> q & 1)) q++;
        if (q >= 64) return 0;
        pos = q;
    }
    return pos - start + 1 <= window;
}

/* Brute force: does p match q, and with what score? */
static int eval(const zhs_xq *q, const passage *p, const bm25 *w, double *score)
{
    double s = 0, ks;
    int m;
    *score = 0;
    switch (q->op) {
    case ZHS_XQ_TERM: {
        int t = term_index(q);
        if (t < 0 || !p->tf[t]) return 0;
        *score = xw(w, t, q->wqf, p);
        return 1;
    }
    case ZHS_XQ_OR:
        m = 0;
        for (size_t i = 0; i < q->nkids; i++)
            if (eval(q->kids[i], p, w, &ks)) { m = 1; s += ks; }
        *score = s;
        return m;
    case ZHS_XQ_AND:
        if (!q->nkids) return 0;
        for (size_t i = 0; i < q->nkids; i++) {
            if (!eval(q->kids[i], p, w, &ks)) return 0;
            s += ks;
        }
        *score = s;
        return 1;
    case ZHS_XQ_AND_NOT:
        if (!eval(q->kids[0], p, w, &s)) return 0;
        for (size_t i = 1; i < q->nkids; i++)
            if (eval(q->kids[i], p, w, &ks)) return 0;
        *score = s;
        return 1;
    case ZHS_XQ_AND_MAYBE:
        if (!eval(q->kids[0], p, w, &s)) return 0;
        for (size_t i = 1; i < q->nkids; i++)
            if (eval(q->kids[i], p, w, &ks)) s += ks;
        *score = s;
        return 1;
    case ZHS_XQ_FILTER:
        if (!eval(q->kids[0], p, w, &s)) return 0;
        for (size_t i = 1; i < q->nkids; i++)
            if (!eval(q->kids[i], p, w, &ks)) return 0;
        *score = s;
        return 1;
    case ZHS_XQ_PHRASE: {
        int t[16], n = (int)q->nkids;
        for (int i = 0; i < n; i++) {
            t[i] = term_index(q->kids[i]);
            if (t[i] < 0 || !p->posmask[t[i]]) return 0;
            s += xw(w, t[i], q->kids[i]->wqf, p);
        }
        int window = (int)q->window < n ? n : (int)q->window;
        for (int start = 1; start < 64; start++)
            if ((p->posmask[t[0]] >> start & 1) && phrase_at(p, t, n, window, start)) {
                *score = s;
                return 1;
            }
        return 0;
    }
    }
    return 0;
}

typedef struct ranked { double score; int i; } ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->i - y->i;
}

/* All matches of q, ranked, with each passage's score in all[]. */
static int brute(const zhs_xq *q, const bm25 *w, ranked *out, double *all)
{
    int n = 0;
    for (int i = 0; i < NP; i++) {
        double s;
        all[i] = -1;
        if (eval(q, &P[i], w, &s)) {
            out[n].score = s;
            out[n].i = i;
            all[i] = s;
            n++;
        }
    }
    qsort(out, (size_t)n, sizeof *out, cmp_ranked);
    return n;
}

/* rank swaps between near-equal scores that the checks accepted */
static int ties_excused;

static int near(double a, double b) { return fabs(a - b) <= 1e-9 * (1 + fabs(a)); }

static int passage_of(const zhs_xhit *h)
{
    if (!h || h->datalen < 2 || h->data[0] != 'p') return -1;
    return atoi(h->data + 1);
}

/* A random term, mostly among the common ones so that queries match. */
static int rterm(void)
{
    if (rndn(20) == 0) return -1;           /* not in the index */
    if (rndn(8) == 0) return NV + rndn(NB + NT);
    double u = rnd01();
    return (int)(NV * u * u * u);
}

/* A random query of one of the shapes below.  For PHRASE the terms come
** from a random passage so that the phrase often matches. */
static const zhs_xq *random_query(qpool *qp, int shape)
{
    zhs_xq *k[8];
    qp->nn = qp->nk = 0;
    switch (shape) {
    case 0: return q_term(qp, rterm(), 1);
    case 1: {
        int n = 2 + rndn(3);
        for (int i = 0; i < n; i++) k[i] = q_term(qp, rterm(), 1);
        return q_op(qp, ZHS_XQ_OR, 0, k, n);
    }
    case 2: {
        int n = 2 + rndn(2);
        for (int i = 0; i < n; i++) k[i] = q_term(qp, rterm(), 1);
        return q_op(qp, ZHS_XQ_AND, 0, k, n);
    }
    case 3: {
        int n = 2 + rndn(2);
        for (int i = 0; i < n; i++) k[i] = q_term(qp, rterm(), 1);
        return q_op(qp, ZHS_XQ_AND_NOT, 0, k, n);
    }
    case 4: {
        int n = 2 + rndn(3);
        for (int i = 0; i < n; i++) k[i] = q_term(qp, rterm(), 1);
        return q_op(qp, ZHS_XQ_AND_MAYBE, 0, k, n);
    }
    case 5: {
        int n = 2 + rndn(2);
        for (int i = 0; i < n; i++) k[i] = q_term(qp, rterm(), 1);
        return q_op(qp, ZHS_XQ_FILTER, 0, k, n);
    }
    case 6: {       /* phrase taken from a passage, exact or with a window */
        const passage *p = &P[rndn(NP)];
        int n = 2 + rndn(2), m = 0, gaps = rndn(2);
        int pos = 1 + rndn(p->npos), first = pos, last = pos;
        for (; m < n && pos <= p->npos; pos += 1 + (gaps ? rndn(3) : 0)) {
            /* one of the postings at pos (a word, sometimes a bigram) */
            int cand = -1;
            for (int j = 0; j < p->nterm; j++)
                if (p->pos[j] == (uint32_t)pos && (cand < 0 || rndn(3) == 0)) cand = p->term[j];
            k[m++] = q_term(qp, cand, 1);
            last = pos;
        }
        if (m < 2) return q_term(qp, rterm(), 1);
        if (rndn(4) == 0) {                     /* swap two: usually no match */
            zhs_xq *tmp = k[0]; k[0] = k[1]; k[1] = tmp;
        }
        /* window: 0 (= m, exact), or around the span in the passage */
        int span = last - first + 1, c = rndn(4);
        uint32_t window = c == 0 ? 0 : (uint32_t)(span + c - 2);
        return q_op(qp, ZHS_XQ_PHRASE, window, k, m);
    }
    default: {      /* nested */
        zhs_xq *a[3], *b[2];
        a[0] = q_term(qp, rterm(), 1);
        a[1] = q_term(qp, rterm(), 1);
        k[0] = q_op(qp, ZHS_XQ_AND, 0, a, 2);
        b[0] = q_term(qp, rterm(), 1);
        b[1] = q_term(qp, rterm(), 1);
        k[1] = q_op(qp, ZHS_XQ_OR, 0, b, 2);
        k[2] = q_term(qp, rterm(), 1);
        zhs_xq *inner = q_op(qp, ZHS_XQ_OR, 0, k, 3);
        zhs_xq *not_[2] = { inner, q_term(qp, rterm(), 1) };
        return rndn(2) ? inner : q_op(qp, ZHS_XQ_AND_NOT, 0, not_, 2);
    }
    }
}
#define NSHAPES 8

/* ------------------------------------------------------------ helpers */

static char dbdir[512];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dbdir, name);
}

static void build_db(const char *path, int mod, int rem, int commit_every)
{
    zhs_error err;
    zhs_error_clear(&err);
    zhs_xdb *db = NULL;
    CHECK_OK(zhs_xdb_create(&db, path, &err), err);
    int added = 0;
    for (int i = 0; i < NP; i++) {
        if (i % mod != rem) continue;
        zhs_xterm t[MAXPOST];
        for (int j = 0; j < P[i].nterm; j++) {
            t[j].term = term_text[P[i].term[j]];
            t[j].len = term_len[P[i].term[j]];
            t[j].pos = P[i].pos[j];
            t[j].wdf = P[i].wdf[j];
        }
        zhs_xdb_add(db, t, (size_t)P[i].nterm, P[i].data, strlen(P[i].data), &err);
        if (commit_every && ++added % commit_every == 0) zhs_xdb_commit(db, &err);
    }
    zhs_xdb_set_metadata(db, "analyzer", "zhs-test 1 词", &err);
    char v[32];
    snprintf(v, sizeof v, "%d/%d", rem, mod);
    zhs_xdb_set_metadata(db, "shard", v, &err);
    CHECK_OK(zhs_xdb_commit(db, &err), err);
    zhs_xdb_close(db);
}

static zhs_xresults *search(zhs_xreader *r, const zhs_xq *q, size_t k, int count_only,
                            const bm25 *w, zhs_error *err)
{
    zhs_xsearch_opts o;
    zhs_xsearch_opts_default(&o);
    o.k = k;
    o.count_only = count_only;
    if (w) { o.k1 = w->k1; o.b = w->b; o.min_normlen = w->mn; }
    zhs_xresults *res = NULL;
    zhs_xreader_search(&res, r, q, &o, err);
    return res;
}

/* Checks res (a full or top-k ranking) against the brute-force ranking
** br[0..nb): same scores rank by rank; same passages except where two
** passages tie (scores within 1e-9), whose order may differ by rounding. */
static int check_ranking(const zhs_xresults *res, const ranked *br, int nb, size_t k,
                         const double *all, const char *what, int qi)
{
    size_t want = (size_t)nb < k ? (size_t)nb : k;
    int bad = 0;
    if (zhs_xresults_count(res) != want) {
        CHECK_MSG(0, "%s query %d: %zu hits, want %zu", what, qi, zhs_xresults_count(res), want);
        return 1;
    }
    for (size_t i = 0; i < want; i++) {
        const zhs_xhit *h = zhs_xresults_hit(res, i);
        int pi = passage_of(h);
        if (pi < 0 || pi >= NP || h->docid != (uint64_t)pi + 1) {
            CHECK_MSG(0, "%s query %d: hit %zu has bad data/docid", what, qi, i);
            return 1;
        }
        if (!near(h->score, br[i].score)) {
            CHECK_MSG(0, "%s query %d: hit %zu score %.12g, brute force %.12g", what, qi, i,
                      h->score, br[i].score);
            bad = 1;
        }
        if (pi != br[i].i && all[pi] >= 0 && near(all[pi], br[i].score)) ties_excused++;
        else if (pi != br[i].i) {
            CHECK_MSG(0, "%s query %d: hit %zu is p%d (%.12g), brute force p%d (%.12g)", what,
                      qi, i, pi, all[pi], br[i].i, br[i].score);
            bad = 1;
        }
        if (i > 0) {
            const zhs_xhit *g = zhs_xresults_hit(res, i - 1);
            if (!(g->score > h->score || (g->score == h->score && g->docid < h->docid))) {
                CHECK_MSG(0, "%s query %d: hits %zu,%zu out of order", what, qi, i - 1, i);
                bad = 1;
            }
        }
    }
    return bad;
}

/* Compares two result lists (e.g. shards vs one database). */
static int same_results(const zhs_xresults *a, const zhs_xresults *b, const double *all,
                        const char *what, int qi)
{
    if (zhs_xresults_count(a) != zhs_xresults_count(b)) {
        CHECK_MSG(0, "%s query %d: %zu vs %zu hits", what, qi, zhs_xresults_count(a),
                  zhs_xresults_count(b));
        return 0;
    }
    for (size_t i = 0; i < zhs_xresults_count(a); i++) {
        const zhs_xhit *x = zhs_xresults_hit(a, i), *y = zhs_xresults_hit(b, i);
        if (!near(x->score, y->score)) {
            CHECK_MSG(0, "%s query %d rank %zu: score %.12g vs %.12g", what, qi, i, x->score,
                      y->score);
            return 0;
        }
        if (strcmp(x->data, y->data) != 0) {
            int px = passage_of(x), py = passage_of(y);
            int tie = px >= 0 && py >= 0 && all[px] >= 0 && all[py] >= 0 &&
                      near(all[px], all[py]);
            ties_excused += tie;
            if (!tie) {
                CHECK_MSG(0, "%s query %d rank %zu: %s vs %s", what, qi, i, x->data, y->data);
                return 0;
            }
        }
    }
    return 1;
}

/* ------------------------------------------------------------ servers */

typedef struct server {
    pid_t pid;          /* also its process group */
    int port;
    char name[64];      /* "127.0.0.1:port" */
} server;

static server srv[4];

static void kill_server(server *s)
{
    if (s->pid > 0) {
        kill(-s->pid, SIGKILL);     /* the group: the daemon and its forks */
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static void kill_servers(void)
{
    for (size_t i = 0; i < sizeof srv / sizeof srv[0]; i++) kill_server(&srv[i]);
}

static void on_signal(int sig)
{
    for (size_t i = 0; i < sizeof srv / sizeof srv[0]; i++)
        if (srv[i].pid > 0) { kill(-srv[i].pid, SIGKILL); kill(srv[i].pid, SIGKILL); }
    signal(sig, SIG_DFL);
    raise(sig);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int connectable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static const char *find_in_path(const char *prog)
{
    static char buf[4096];
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    while (*path) {
        const char *e = strchr(path, ':');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", prog);
        if (access(buf, X_OK) == 0) return buf;
        path += n + (e ? 1 : 0);
    }
    return NULL;
}

/* Starts xapian-tcpsrv on a free loopback port over db; waits (at most
** 10 s per attempt) until it accepts connections. */
static int start_server(server *s, const char *exe, const char *db, const char *log)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int port = free_port();
        if (port <= 0) return -1;
        char portstr[16];
        snprintf(portstr, sizeof portstr, "%d", port);
        pid_t pid = fork();
        if (pid < 0) return -1;
        if (pid == 0) {
            setpgid(0, 0);
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); close(fd); }
            execl(exe, "xapian-tcpsrv", "--port", portstr, "--interface", "127.0.0.1",
                  "--quiet", db, (char *)NULL);
            _exit(127);
        }
        setpgid(pid, pid);
        s->pid = pid;
        s->port = port;
        snprintf(s->name, sizeof s->name, "127.0.0.1:%d", port);
        double t0 = now();
        while (now() - t0 < 10) {
            if (connectable(port)) return 0;
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) { s->pid = 0; break; }
            usleep(20000);
        }
        kill_server(s);
    }
    return -1;
}

/* ------------------------------------------------------------ tests */

static void test_semantics(zhs_xreader *r)
{
    static ranked br[NP];
    static double all[NP];
    zhs_error err;
    zhs_error_clear(&err);
    qpool qp;
    bm25 w = { ZHS_XBM25_K1, ZHS_XBM25_B, ZHS_XBM25_MIN_NORMLEN };
    int bad = 0, nq = 0, nonempty = 0;

    /* every single term: document frequency and full ranking */
    for (int t = -1; t < NTERMS; t++) {
        qp.nn = qp.nk = 0;
        const zhs_xq *q = q_term(&qp, t, 1);
        int nb = brute(q, &w, br, all);
        CHECK(nb == (t < 0 ? 0 : (int)df[t]));
        zhs_xresults *res = search(r, q, NP, 1, &w, &err);
        CHECK_OK(err.code, err);
        if (!res) return;
        CHECK(zhs_xresults_matches(res) == (uint64_t)nb);
        bad += check_ranking(res, br, nb, NP, all, "term", t);
        zhs_xresults_free(res);
    }

    /* random queries of every shape: exact count, the full ranking with
    ** scores, top-5 and an estimate-only count */
    for (int rep = 0; rep < 60; rep++) {
        for (int shape = 0; shape < NSHAPES; shape++, nq++) {
            const zhs_xq *q = random_query(&qp, shape);
            int nb = brute(q, &w, br, all);
            nonempty += nb > 0;
            zhs_xresults *res = search(r, q, NP, 1, &w, &err);
            if (err.code) { CHECK_OK(err.code, err); return; }
            if (zhs_xresults_matches(res) != (uint64_t)nb) {
                CHECK_MSG(0, "shape %d query %d: %llu matches, brute force %d", shape, nq,
                          (unsigned long long)zhs_xresults_matches(res), nb);
                bad++;
            }
            bad += check_ranking(res, br, nb, NP, all, "full", nq);
            zhs_xresults_free(res);

            res = search(r, q, 5, 0, &w, &err);
            if (err.code) { CHECK_OK(err.code, err); return; }
            bad += check_ranking(res, br, nb, 5, all, "top5", nq);
            if (nb < 5) CHECK_MSG(zhs_xresults_matches(res) == (uint64_t)nb, "shape %d: est %llu nb %d", shape, (unsigned long long)zhs_xresults_matches(res), nb);
            zhs_xresults_free(res);

            res = search(r, q, 0, 1, &w, &err);     /* count only */
            if (err.code) { CHECK_OK(err.code, err); return; }
            CHECK(zhs_xresults_count(res) == 0);
            CHECK(zhs_xresults_matches(res) == (uint64_t)nb);
            zhs_xresults_free(res);
        }
    }
    CHECK_MSG(bad == 0, "%d mismatches over %d random queries", bad, nq);
    CHECK_MSG(nonempty > nq / 2, "only %d of %d queries match anything", nonempty, nq);
    printf("semantics: %d random queries (%d with matches), %d terms: %d mismatches\n", nq,
           nonempty, NTERMS, bad);

    /* BM25 parameters pass through: Xapian's min_normlen, other k1/b */
    bm25 params[] = { { 1.2, 0.75, 0.5 }, { 0.9, 0.4, 0.0 }, { 2.0, 1.0, 0.25 }, { 1.2, 0, 0 } };
    for (size_t pi = 0; pi < sizeof params / sizeof params[0]; pi++) {
        for (int shape = 0; shape < NSHAPES; shape++) {
            const zhs_xq *q = random_query(&qp, shape);
            int nb = brute(q, &params[pi], br, all);
            zhs_xresults *res = search(r, q, 20, 0, &params[pi], &err);
            if (err.code) { CHECK_OK(err.code, err); return; }
            CHECK(check_ranking(res, br, nb, 20, all, "params", (int)pi) == 0);
            zhs_xresults_free(res);
        }
    }

    /* wqf: with k3 = 1, wqf 2 weighs 2*2/(1+2) = 4/3 of wqf 1 */
    qp.nn = qp.nk = 0;
    zhs_xresults *r1 = search(r, q_term(&qp, 5, 1), 1, 0, &w, &err);
    zhs_xresults *r2 = search(r, q_term(&qp, 5, 2), 1, 0, &w, &err);
    CHECK_OK(err.code, err);
    if (r1 && r2 && zhs_xresults_count(r1) == 1 && zhs_xresults_count(r2) == 1)
        CHECK(near(zhs_xresults_hit(r2, 0)->score, zhs_xresults_hit(r1, 0)->score * 4 / 3));
    else
        CHECK(0);
    zhs_xresults_free(r1);
    zhs_xresults_free(r2);

    /* hits beyond count and results of NULL */
    CHECK(zhs_xresults_hit(NULL, 0) == NULL);
    CHECK(zhs_xresults_count(NULL) == 0);
}

static void test_errors(zhs_xreader *r)
{
    zhs_error err;
    qpool qp;
    char p[600];

    /* a call with an error already set does nothing */
    zhs_error_clear(&err);
    err.code = ZHS_EIO;
    snprintf(err.message, sizeof err.message, "earlier");
    zhs_xreader *rr = (zhs_xreader *)&err;
    path_in(p, sizeof p, "single");
    const char *paths[] = { p };
    CHECK(zhs_xreader_open_local(&rr, paths, 1, &err) == ZHS_EIO);
    CHECK(rr == NULL);
    CHECK_STR(err.message, "earlier");
    zhs_xresults *res = (zhs_xresults *)&err;
    qp.nn = qp.nk = 0;
    CHECK(zhs_xreader_search(&res, r, q_term(&qp, 0, 1), NULL, &err) == ZHS_EIO);
    CHECK(res == NULL);

    /* no database there */
    zhs_error_clear(&err);
    path_in(p, sizeof p, "no-such-db");
    int rc = zhs_xreader_open_local(&rr, paths, 1, &err);
    CHECK(rc == ZHS_ENOTFOUND || rc == ZHS_EIO);
    CHECK(rr == NULL);
    CHECK_MSG(strstr(err.message, "no-such-db") != NULL, "%s", err.message);

    /* bad arguments */
    zhs_error_clear(&err);
    CHECK(zhs_xreader_open_local(&rr, paths, 0, &err) == ZHS_EINVAL);
    zhs_error_clear(&err);
    const char *bad_hp[] = { "localhost" };
    CHECK(zhs_xreader_open_remote(&rr, bad_hp, 1, 100, &err) == ZHS_EINVAL);
    CHECK_MSG(strstr(err.message, "localhost") != NULL, "%s", err.message);
    zhs_error_clear(&err);
    const char *bad_hp2[] = { "127.0.0.1:99999" };
    CHECK(zhs_xreader_open_remote(&rr, bad_hp2, 1, 100, &err) == ZHS_EINVAL);

    zhs_xsearch_opts o;
    zhs_xsearch_opts_default(&o);
    CHECK(o.k1 == ZHS_DEFAULT_K1 && o.b == ZHS_DEFAULT_B && o.min_normlen == 0.0 && o.k == ZHS_DEFAULT_K && !o.count_only);
    o.b = 2;
    zhs_error_clear(&err);
    CHECK(zhs_xreader_search(&res, r, q_term(&qp, 0, 1), &o, &err) == ZHS_EINVAL);
    o.b = 0.75;
    o.k1 = NAN;
    zhs_error_clear(&err);
    CHECK(zhs_xreader_search(&res, r, q_term(&qp, 0, 1), &o, &err) == ZHS_EINVAL);

    /* malformed trees */
    zhs_xq *k[2] = { q_term(&qp, 0, 1), q_term(&qp, 1, 1) };
    zhs_xq *orq = q_op(&qp, ZHS_XQ_OR, 0, k, 2);
    zhs_xq *k2[2] = { orq, q_term(&qp, 2, 1) };
    zhs_error_clear(&err);
    CHECK(zhs_xreader_search(&res, r, q_op(&qp, ZHS_XQ_PHRASE, 0, k2, 2), NULL, &err) ==
          ZHS_EINVAL);
    zhs_error_clear(&err);
    CHECK(zhs_xreader_search(&res, r, q_op(&qp, 99, 0, k, 2), NULL, &err) == ZHS_EINVAL);
    zhs_error_clear(&err);
    CHECK(zhs_xreader_search(&res, r, q_op(&qp, ZHS_XQ_FILTER, 0, k, 0), NULL, &err) ==
          ZHS_EINVAL);
    zhs_xq deep[ZHS_XQ_MAX_DEPTH + 2];
    const zhs_xq *deepkid[ZHS_XQ_MAX_DEPTH + 2];
    memset(deep, 0, sizeof deep);
    for (int i = 0; i < ZHS_XQ_MAX_DEPTH + 2; i++) {
        deep[i].op = ZHS_XQ_OR;
        if (i + 1 < ZHS_XQ_MAX_DEPTH + 2) {
            deepkid[i] = &deep[i + 1];
            deep[i].kids = &deepkid[i];
            deep[i].nkids = 1;
        }
    }
    zhs_error_clear(&err);
    CHECK(zhs_xreader_search(&res, r, &deep[0], NULL, &err) == ZHS_EINVAL);
    /* empty OR/AND match nothing; one-kid AND_NOT is its kid */
    zhs_error_clear(&err);
    res = NULL;
    CHECK_OK(zhs_xreader_search(&res, r, q_op(&qp, ZHS_XQ_AND, 0, k, 0), NULL, &err), err);
    CHECK(res && zhs_xresults_count(res) == 0 && zhs_xresults_matches(res) == 0);
    zhs_xresults_free(res);

    /* ids_only: the same hits without their data, which
    ** zhs_xreader_document then reads */
    {
        zhs_xsearch_opts o;
        zhs_xsearch_opts_default(&o);
        o.k = 20;
        zhs_xresults *full = NULL, *ids = NULL;
        zhs_error_clear(&err);
        const zhs_xq *tq = q_term(&qp, 0, 1);
        CHECK_OK(zhs_xreader_search(&full, r, tq, &o, &err), err);
        o.ids_only = 1;
        CHECK_OK(zhs_xreader_search(&ids, r, tq, &o, &err), err);
        CHECK(full && ids && zhs_xresults_count(full) > 0 && zhs_xresults_count(ids) == zhs_xresults_count(full));
        for (size_t i = 0; full && ids && i < zhs_xresults_count(ids); i++) {
            const zhs_xhit *a = zhs_xresults_hit(full, i), *b = zhs_xresults_hit(ids, i);
            CHECK(b->data == NULL && b->docid == a->docid && b->score == a->score);
            char *d = NULL;
            size_t len = 0;
            CHECK_OK(zhs_xreader_document(&d, &len, r, b->docid, &err), err);
            CHECK(d && len == a->datalen && memcmp(d, a->data, len) == 0);
            free(d);
        }
        zhs_xresults_free(full);
        zhs_xresults_free(ids);
        char *d = NULL;
        size_t len = 0;
        CHECK(zhs_xreader_document(&d, &len, r, 0, &err) == ZHS_EINVAL && d == NULL);
        zhs_error_clear(&err);
        CHECK(zhs_xreader_document(&d, &len, r, (uint64_t)NP + 5, &err) != ZHS_OK && d == NULL);
        CHECK(err.message[0] != 0);
        zhs_error_clear(&err);
    }

    /* metadata: set, unset, from a reader */
    char *v = NULL;
    zhs_error_clear(&err);
    CHECK_OK(zhs_xreader_metadata(r, &v, "analyzer", &err), err);
    CHECK_STR(v, "zhs-test 1 词");
    free(v);
    CHECK_OK(zhs_xreader_metadata(r, &v, "no-such-key", &err), err);
    CHECK_STR(v, "");
    free(v);
    CHECK(zhs_xreader_metadata(r, &v, "", &err) == ZHS_EINVAL);
    CHECK(v == NULL);
}

static void test_writer(void)
{
    zhs_error err;
    zhs_error_clear(&err);
    char p[600], p2[600];
    zhs_xterm t[2] = { { "法", 3, 1, 1 }, { "律", 3, 2, 1 } };

    /* close without commit discards what came after the last commit */
    path_in(p, sizeof p, "partial");
    zhs_xdb *db = NULL;
    CHECK_OK(zhs_xdb_create(&db, p, &err), err);
    for (int i = 0; i < 5; i++) zhs_xdb_add(db, t, 2, "a", 1, &err);
    zhs_xdb_set_metadata(db, "k", "committed", &err);
    CHECK_OK(zhs_xdb_commit(db, &err), err);
    for (int i = 0; i < 7; i++) zhs_xdb_add(db, t, 2, "b", 1, &err);
    zhs_xdb_set_metadata(db, "k", "not committed", &err);
    CHECK_OK(err.code, err);
    zhs_xdb_close(db);
    zhs_xreader *r = NULL;
    const char *paths[] = { p };
    CHECK_OK(zhs_xreader_open_local(&r, paths, 1, &err), err);
    CHECK(zhs_xreader_doccount(r) == 5);
    char *v = NULL;
    zhs_xreader_metadata(r, &v, "k", &err);
    CHECK_STR(v, "committed");
    free(v);
    zhs_xreader_close(r);

    /* never committed: the database exists and is empty */
    path_in(p2, sizeof p2, "never");
    CHECK_OK(zhs_xdb_create(&db, p2, &err), err);
    for (int i = 0; i < 3; i++) zhs_xdb_add(db, t, 2, "c", 1, &err);
    zhs_xdb_close(db);
    paths[0] = p2;
    CHECK_OK(zhs_xreader_open_local(&r, paths, 1, &err), err);
    CHECK(zhs_xreader_doccount(r) == 0);
    zhs_xreader_close(r);

    /* overwrite; term length limits; pos-0 terms; binary data */
    CHECK_OK(zhs_xdb_create(&db, p, &err), err);
    char longt[ZHS_XTERM_MAX + 2];
    memset(longt, 'x', sizeof longt);
    zhs_xterm lt = { longt, ZHS_XTERM_MAX + 1, 1, 1 };
    CHECK(zhs_xdb_add(db, &lt, 1, "long", 4, &err) == ZHS_EINVAL);
    CHECK_MSG(strstr(err.message, "partial") != NULL, "%s", err.message);
    zhs_error_clear(&err);
    zhs_xterm et = { "", 0, 1, 1 };
    CHECK(zhs_xdb_add(db, &et, 1, "e", 1, &err) == ZHS_EINVAL);
    zhs_error_clear(&err);
    lt.len = ZHS_XTERM_MAX;                 /* the longest allowed term */
    CHECK_OK(zhs_xdb_add(db, &lt, 1, "ok\0bin", 6, &err), err);
    zhs_xterm zt[2] = { { "标签", 6, 0, 0 }, { "法", 3, 1, 0 } };    /* wdf 0 read as 1 */
    CHECK_OK(zhs_xdb_add(db, zt, 2, NULL, 0, &err), err);
    CHECK_OK(zhs_xdb_add(db, NULL, 0, "empty", 5, &err), err);
    CHECK_OK(zhs_xdb_commit(db, &err), err);
    /* commits can repeat, and a commit of nothing is fine */
    CHECK_OK(zhs_xdb_add(db, t, 2, "d", 1, &err), err);
    CHECK_OK(zhs_xdb_commit(db, &err), err);
    CHECK_OK(zhs_xdb_commit(db, &err), err);
    zhs_xdb_close(db);
    paths[0] = p;
    CHECK_OK(zhs_xreader_open_local(&r, paths, 1, &err), err);
    CHECK(zhs_xreader_doccount(r) == 4);
    CHECK(fabs(zhs_xreader_avglength(r) - (1 + 2 + 0 + 2) / 4.0) < 1e-12);
    qpool qp;
    qp.nn = qp.nk = 0;
    zhs_xq q = { ZHS_XQ_TERM, longt, ZHS_XTERM_MAX, 1, 0, NULL, 0 };
    zhs_xresults *res = NULL;
    CHECK_OK(zhs_xreader_search(&res, r, &q, NULL, &err), err);
    CHECK(res && zhs_xresults_count(res) == 1);
    if (res && zhs_xresults_count(res) == 1) {
        const zhs_xhit *h = zhs_xresults_hit(res, 0);
        CHECK(h->datalen == 6 && memcmp(h->data, "ok\0bin", 7) == 0 && h->docid == 1);
    }
    zhs_xresults_free(res);
    zhs_xq q2 = { ZHS_XQ_TERM, "标签", 6, 1, 0, NULL, 0 };
    CHECK_OK(zhs_xreader_search(&res, r, &q2, NULL, &err), err);
    CHECK(res && zhs_xresults_count(res) == 1 && zhs_xresults_hit(res, 0)->datalen == 0 &&
          zhs_xresults_hit(res, 0)->data[0] == 0 && zhs_xresults_hit(res, 0)->docid == 2);
    zhs_xresults_free(res);
    zhs_xreader_close(r);

    /* a second writer on a locked database fails with EIO naming it */
    CHECK_OK(zhs_xdb_create(&db, p, &err), err);
    zhs_xdb *db2 = NULL;
    CHECK(zhs_xdb_create(&db2, p, &err) == ZHS_EIO);
    CHECK(db2 == NULL);
    CHECK_MSG(strstr(err.message, "partial") != NULL, "%s", err.message);
    zhs_error_clear(&err);
    zhs_xdb_close(db);
    zhs_xdb_close(NULL);
    zhs_xreader_close(NULL);
    zhs_xresults_free(NULL);
}

/* Top-10 of 50 random queries over reader `other` vs `single`. */
static void compare_readers(zhs_xreader *single, zhs_xreader *other, const char *what)
{
    static ranked br[NP];
    static double all[NP];
    zhs_error err;
    zhs_error_clear(&err);
    qpool qp;
    bm25 w = { ZHS_XBM25_K1, ZHS_XBM25_B, ZHS_XBM25_MIN_NORMLEN };
    int ok = 0, hits = 0;
    for (int i = 0; i < 50; i++) {
        const zhs_xq *q = random_query(&qp, i % NSHAPES);
        brute(q, &w, br, all);
        zhs_xresults *a = search(single, q, 10, 0, NULL, &err);
        zhs_xresults *b = search(other, q, 10, 0, NULL, &err);
        if (err.code) {
            CHECK_OK(err.code, err);
            zhs_xresults_free(a);
            zhs_xresults_free(b);
            return;
        }
        ok += same_results(a, b, all, what, i);
        hits += (int)zhs_xresults_count(a);
        zhs_xresults_free(a);
        zhs_xresults_free(b);
        /* exact counts agree too */
        a = search(single, q, 0, 1, NULL, &err);
        b = search(other, q, 0, 1, NULL, &err);
        CHECK_OK(err.code, err);
        CHECK(a && b && zhs_xresults_matches(a) == zhs_xresults_matches(b));
        zhs_xresults_free(a);
        zhs_xresults_free(b);
    }
    CHECK_MSG(ok == 50, "%s: %d of 50 queries agree", what, ok);
    printf("%s: %d of 50 queries give the same top-10 as one database (%d hits)\n", what, ok,
           hits);
}

static void test_remote(zhs_xreader *single, const char *s0, const char *s1)
{
    const char *exe = find_in_path("xapian-tcpsrv");
    if (!exe) {
        printf("xapian-tcpsrv not on PATH: remote tests skipped\n");
        return;
    }
    char exe_copy[4096];
    snprintf(exe_copy, sizeof exe_copy, "%s", exe);
    char log[600];
    path_in(log, sizeof log, "tcpsrv.log");
    atexit(kill_servers);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGABRT, on_signal);

    int up0 = start_server(&srv[0], exe_copy, s0, log);
    int up1 = start_server(&srv[1], exe_copy, s1, log);
    CHECK_MSG(up0 == 0 && up1 == 0, "xapian-tcpsrv did not start (see %s)", log);
    if (up0 || up1) { kill_servers(); return; }

    zhs_error err;
    zhs_error_clear(&err);
    const char *hp[] = { srv[0].name, srv[1].name };
    zhs_xreader *r = NULL;
    CHECK_OK(zhs_xreader_open_remote(&r, hp, 2, 2000, &err), err);
    if (!r) { kill_servers(); return; }
    CHECK(zhs_xreader_doccount(r) == NP);
    CHECK(fabs(zhs_xreader_avglength(r) - avglen) < 1e-9);
    char *v = NULL;
    CHECK_OK(zhs_xreader_metadata(r, &v, "shard", &err), err);
    CHECK_STR(v, "0/2");                    /* from the first shard */
    free(v);
    compare_readers(single, r, "remote shards");

    /* kill shard 1 (the daemon and the fork serving us): the open reader
    ** fails, and so does a new open, quickly and naming the shard */
    kill_server(&srv[1]);
    qpool qp;
    qp.nn = qp.nk = 0;
    zhs_xq *k[2] = { q_term(&qp, 0, 1), q_term(&qp, 1, 1) };
    const zhs_xq *q = q_op(&qp, ZHS_XQ_OR, 0, k, 2);
    zhs_xresults *res = NULL;
    double t0 = now();
    int rc = zhs_xreader_search(&res, r, q, NULL, &err);
    double dt = now() - t0;
    CHECK(rc != ZHS_OK && res == NULL);
    CHECK_MSG(rc == ZHS_EIO, "rc %d: %s", rc, err.message);
    CHECK_MSG(dt < 10, "search over a dead shard took %.1f s", dt);
    CHECK_MSG(strstr(err.message, srv[1].name) != NULL, "message does not name %s: %s",
              srv[1].name, err.message);
    printf("search with a killed shard: %.2f s: %s\n", dt, err.message);
    zhs_xreader_close(r);

    zhs_error_clear(&err);
    char dead[64];
    snprintf(dead, sizeof dead, "%s", srv[1].name);
    const char *hp2[] = { srv[0].name, dead };
    t0 = now();
    rc = zhs_xreader_open_remote(&r, hp2, 2, 2000, &err);
    dt = now() - t0;
    CHECK(rc == ZHS_EIO && r == NULL);
    CHECK_MSG(dt < 10, "open of a dead shard took %.1f s", dt);
    CHECK_MSG(strstr(err.message, dead) != NULL, "message does not name %s: %s", dead,
              err.message);
    printf("open with a killed shard: %.2f s: %s\n", dt, err.message);

    /* a hung shard (SIGSTOP: connections are accepted, never answered)
    ** fails after about timeout_ms */
    zhs_error_clear(&err);
    int up = start_server(&srv[1], exe_copy, s1, log);
    CHECK(up == 0);
    if (up == 0) {
        const char *hp3[] = { srv[0].name, srv[1].name };
        CHECK_OK(zhs_xreader_open_remote(&r, hp3, 2, 1000, &err), err);
        if (r) {
            kill(-srv[1].pid, SIGSTOP);
            t0 = now();
            rc = zhs_xreader_search(&res, r, q, NULL, &err);
            dt = now() - t0;
            CHECK(rc == ZHS_EIO && res == NULL);
            CHECK_MSG(dt < 10, "search over a hung shard took %.1f s", dt);
            CHECK_MSG(strstr(err.message, srv[1].name) != NULL,
                      "message does not name %s: %s", srv[1].name, err.message);
            printf("search with a hung shard: %.2f s: %s\n", dt, err.message);
            zhs_xreader_close(r);
            r = NULL;
            zhs_error_clear(&err);
            t0 = now();
            rc = zhs_xreader_open_remote(&r, hp3, 2, 1000, &err);
            dt = now() - t0;
            CHECK(rc == ZHS_EIO && r == NULL);
            CHECK_MSG(dt < 10, "open of a hung shard took %.1f s", dt);
            CHECK_MSG(strstr(err.message, srv[1].name) != NULL,
                      "message does not name %s: %s", srv[1].name, err.message);
            printf("open with a hung shard: %.2f s: %s\n", dt, err.message);
            zhs_xreader_close(r);
        }
    }
    kill_servers();
}

int main(void)
{
    make_data();
    snprintf(dbdir, sizeof dbdir, "%s", zt_tmpdir());
    char single[600], s0[600], s1[600];
    path_in(single, sizeof single, "single");
    path_in(s0, sizeof s0, "shard0");
    path_in(s1, sizeof s1, "shard1");
    build_db(single, 1, 0, 97);         /* several commits on the way */
    build_db(s0, 2, 0, 0);
    build_db(s1, 2, 1, 0);

    zhs_error err;
    zhs_error_clear(&err);
    zhs_xreader *r = NULL;
    const char *p1[] = { single };
    CHECK_OK(zhs_xreader_open_local(&r, p1, 1, &err), err);
    if (!r) return zt_done("test_xapian");
    CHECK(zhs_xreader_doccount(r) == NP);
    CHECK(fabs(zhs_xreader_avglength(r) - avglen) < 1e-9);
    char *v = NULL;
    CHECK_OK(zhs_xreader_metadata(r, &v, "shard", &err), err);
    CHECK_STR(v, "0/1");
    free(v);

    test_semantics(r);
    test_errors(r);
    test_writer();

    zhs_xreader *rs = NULL;
    const char *p2[] = { s0, s1 };
    CHECK_OK(zhs_xreader_open_local(&rs, p2, 2, &err), err);
    if (rs) {
        CHECK(zhs_xreader_doccount(rs) == NP);
        CHECK(fabs(zhs_xreader_avglength(rs) - avglen) < 1e-9);
        compare_readers(r, rs, "local shards");
        zhs_xreader_close(rs);
    }

    test_remote(r, s0, s1);
    zhs_xreader_close(r);
    printf("tied hits accepted in another order: %d\n", ties_excused);
    return zt_done("test_xapian");
}

#endif /* ZHS_WITH_XAPIAN */
