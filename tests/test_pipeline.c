/*
** test_pipeline.c — the indexing pipeline (indexer/pipeline.c) on its own:
** every passage reaches the sink once, in order, whatever the thread
** count (two or more: one thread indexes without a pipeline), with and without the consumer thread (own_sink), when the sink
** is slower than the analysis (the ring full) and when the last passage
** completes a batch; a sink's failure reaches the caller, and so does a
** worker's that cannot open its analyzer (it does so on its own thread).  White-box: a
** sink of the test's own stands in for the engine.  The TSan phase of
** scripts/test.sh runs it too.
**
** The ninth session's review found drain queueing the oldest batch a
** second time when the last add had filled the ring (exactly k x 128
** passages with a slow sink): the consumer then waited forever.  alarm()
** turns such a hang into a failure instead of ctest's timeout.
*/
#include "harness.h"
#include "zhs.h"
#include "indexer_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct sink_state {
    unsigned got;           /* passages given so far */
    unsigned out_of_order;
    long sleep_ns;          /* per passage: a sink slower than the analysis */
    unsigned fail_at;       /* 0: never */
    bool terms_seen;        /* every passage came with its terms */
} sink_state;

static int slow_sink(void *ctx, const zhs_passage *p, const struct zhs_passage_terms *pt, zhs_error *err)
{
    sink_state *s = ctx;
    char want[32];
    snprintf(want, sizeof want, "p%u", s->got);
    if (strcmp(p->id, want) != 0) s->out_of_order++;
    if (!pt) s->terms_seen = false;
    if (s->fail_at && s->got == s->fail_at) return zhs_fail(err, ZHS_EIO, "the test's sink fails at passage %u", s->got);
    s->got++;
    if (s->sleep_ns) {
        struct timespec ts = {0, s->sleep_ns};
        nanosleep(&ts, NULL);
    }
    return ZHS_OK;
}

/* Runs n passages of about `bytes` of text each through a pipeline;
** the status of the adds and the drain, the first failure. */
static int run_in(sink_state *s, zhs_analyzer *an, const char *scratch, unsigned threads, bool own_sink, unsigned n,
                  size_t bytes, zhs_error *err)
{
    static char text[80 * 1024];
    zhs_pipeline *pl = NULL;
    if (zhs_pipeline_open(&pl, threads, an, 1, scratch, slow_sink, s, own_sink, err)) return err->code;
    int rc = ZHS_OK;
    for (unsigned i = 0; i < n && rc == ZHS_OK; i++) {
        char id[32];
        snprintf(id, sizeof id, "p%u", i);
        size_t len = 0;
        while (len + 128 < bytes && len + 128 < sizeof text)
            len += (size_t)snprintf(text + len, sizeof text - len, "第%u条 个人信息处理者应当告知%u項數據。", i, (unsigned)len);
        zhs_passage p = {0};
        p.id = id;
        p.text = text;
        p.text_len = len;
        p.title = "测试条例";
        p.heading = p.label = "";
        p.path = "t.md";
        rc = zhs_pipeline_add(pl, &p, err);
    }
    if (rc == ZHS_OK) rc = zhs_pipeline_drain(pl, err);
    zhs_pipeline_close(pl);
    return rc;
}

static int run(sink_state *s, zhs_analyzer *an, unsigned threads, bool own_sink, unsigned n, size_t bytes,
               zhs_error *err)
{
    return run_in(s, an, zt_tmpdir(), threads, own_sink, n, bytes, err);
}

int main(void)
{
    alarm(300);
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    CHECK_OK(zhs_analyzer_open(&an, NULL, &err), err);
    if (!an) return zt_done("test_pipeline");

    /* whole batches (128 passages; the last add fills the ring) and not;
    ** batches cut by their bytes (64 KB) */
    const struct { unsigned n; size_t bytes; } shapes[] = {{128 * 10, 60}, {128 * 10 + 7, 60}, {128, 60},
                                                          {12, 70 * 1024}, {1, 60}, {0, 60}};
    for (unsigned threads = 2; threads <= 5; threads++)
        for (int own = 0; own < 2; own++)
            for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
                sink_state s = {.sleep_ns = 20000, .terms_seen = true};
                zhs_error e = {0};
                int rc = run(&s, an, threads, own, shapes[k].n, shapes[k].bytes, &e);
                CHECK_MSG(rc == ZHS_OK, "threads %u own_sink %d n %u: %s", threads, own, shapes[k].n, e.message);
                CHECK_MSG(s.got == shapes[k].n, "threads %u own_sink %d: %u of %u passages reached the sink", threads,
                          own, s.got, shapes[k].n);
                CHECK_MSG(s.out_of_order == 0, "threads %u own_sink %d: %u passages out of order", threads, own,
                          s.out_of_order);
                CHECK(s.terms_seen);
            }

    /* a sink that fails: the caller hears it (from an add or the drain),
    ** and nothing after the failing passage reaches the sink */
    for (unsigned threads = 2; threads <= 4; threads++)
        for (int own = 0; own < 2; own++) {
            sink_state s = {.sleep_ns = 5000, .fail_at = 300, .terms_seen = true};
            zhs_error e = {0};
            int rc = run(&s, an, threads, own, 128 * 6, 60, &e);
            CHECK_MSG(rc == ZHS_EIO, "threads %u own_sink %d: status %d, not the sink's failure", threads, own, rc);
            CHECK_MSG(strstr(e.message, "fails at passage 300") != NULL, "message: %s", e.message);
            CHECK(s.got == 300);
        }

    /* A worker opens its analyzer on its own thread (the caller reads
    ** meanwhile): one that cannot (here its copy of the user dictionary
    ** has nowhere to go) fails the build from the next add or the drain,
    ** with its reason, and never hangs it.  A passage or a batch more
    ** than that may reach the sink first, as from a failing sink. */
    char dict[1024];
    snprintf(dict, sizeof dict, "%s/pipeline-userdict.txt", zt_tmpdir());
    FILE *f = fopen(dict, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("个人信息处理者\t100\n", f);
        fclose(f);
        zhs_analyzer_config ac;
        zhs_analyzer_config_default(&ac);
        ac.user_dict = dict;
        zhs_analyzer *ua = NULL;
        CHECK_OK(zhs_analyzer_open(&ua, &ac, &err), err);
        for (unsigned threads = 2; ua && threads <= 3; threads++)
            for (int own = 0; own < 2; own++)
                for (unsigned n = 1; n <= 128 * 6; n += 128 * 6 - 1) {
                    sink_state s = {.terms_seen = true};
                    zhs_error e = {0};
                    int rc = run_in(&s, ua, "/nonexistent-zhs-scratch", threads, own, n, 60, &e);
                    CHECK_MSG(rc != ZHS_OK, "threads %u own_sink %d n %u: a worker without its analyzer went unreported",
                              threads, own, n);
                    CHECK_MSG(strstr(e.message, "userdict-") != NULL, "message: %s", e.message);
                }
        zhs_analyzer_close(ua);
    }

    zhs_analyzer_close(an);
    return zt_done("test_pipeline");
}
